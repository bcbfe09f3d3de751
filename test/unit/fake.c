// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The fake transport behind test/unit: see fake.h.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "fake.h"
#include "transport.h"

struct fake_msg {
	size_t len;
	uint8_t *bytes;
};

struct fake_state {
	struct fake_msg *msgs;
	int n;
	int cap;
	uint64_t unique;
};

static struct fake_state *state(struct fuse_session *se)
{
	return se->tr_priv;
}

static int fake_receive(struct fuse_session *se, struct lf_chan *ch,
			struct fuse_buf *buf)
{
	(void)se; (void)ch; (void)buf;
	return 0;
}

static int fake_send(struct fuse_session *se, struct lf_chan *ch,
		     fuse_req_t req, struct iovec *iov, int count)
{
	struct fake_state *st = state(se);
	struct fake_msg *m;
	size_t len = 0, off = 0;
	int i;

	(void)ch; (void)req;
	for (i = 0; i < count; i++)
		len += iov[i].iov_len;
	if (st->n == st->cap) {
		st->cap = st->cap ? st->cap * 2 : 16;
		st->msgs = realloc(st->msgs, st->cap * sizeof(*st->msgs));
		assert_non_null(st->msgs);
	}
	m = &st->msgs[st->n++];
	m->len = len;
	m->bytes = malloc(len ? len : 1);
	assert_non_null(m->bytes);
	for (i = 0; i < count; i++) {
		memcpy(m->bytes + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	/* The header length must describe the message exactly. */
	assert_true(len >= sizeof(struct fuse_out_header));
	assert_int_equal(((struct fuse_out_header *)m->bytes)->len, len);
	return 0;
}

static const struct lf_transport_ops fake_ops = {
	.name = "fake",
	.receive = fake_receive,
	.send = fake_send,
};

struct fuse_session *fake_session_new_args(const struct fuse_lowlevel_ops *op,
					   size_t op_size, void *userdata,
					   int argc, const char *argv[])
{
	char *av[32];
	struct fuse_args args;
	struct fuse_session *se;
	struct fake_state *st;
	int i;

	assert_true(argc < 31);
	av[0] = "fake";
	for (i = 0; i < argc; i++)
		av[i + 1] = (char *)argv[i];
	args = (struct fuse_args)FUSE_ARGS_INIT(argc + 1, av);
	se = lf_session_new(&args, op, op_size, NULL, userdata);
	fuse_opt_free_args(&args);
	if (!se)
		return NULL;
	st = calloc(1, sizeof(*st));
	assert_non_null(st);
	st->unique = 2;
	se->tr = &fake_ops;
	se->tr_priv = st;
	/* fd -1: nothing to close; notifications go through fake_ops too */
	se->ch = lf_chan_new(-1);
	se->fd = -1;
	return se;
}

struct fuse_session *fake_session_new(const struct fuse_lowlevel_ops *op,
				      size_t op_size, void *userdata)
{
	return fake_session_new_args(op, op_size, userdata, 0, NULL);
}

void fake_clear(struct fuse_session *se)
{
	struct fake_state *st = state(se);
	int i;

	for (i = 0; i < st->n; i++)
		free(st->msgs[i].bytes);
	st->n = 0;
}

void fake_session_destroy(struct fuse_session *se)
{
	struct fake_state *st = state(se);

	fake_clear(se);
	free(st->msgs);
	free(st);
	se->tr_priv = NULL;
	fuse_session_destroy(se);
}

void fake_raw(struct fuse_session *se, const void *bytes, size_t len)
{
	struct fuse_buf buf = { .size = len, .mem = (void *)bytes };

	lf_dispatch(se, &buf, se->ch);
}

uint64_t fake_request(struct fuse_session *se, uint32_t opcode,
		      uint64_t nodeid, const void *arg, size_t arglen,
		      const void *arg2, size_t arg2len)
{
	struct fake_state *st = state(se);
	size_t len = sizeof(struct fuse_in_header) + arglen + arg2len;
	struct fuse_in_header *h;
	uint8_t *p = calloc(1, len);
	uint64_t unique = st->unique;

	assert_non_null(p);
	h = (struct fuse_in_header *)p;
	h->len = (uint32_t)len;
	h->opcode = opcode;
	h->unique = unique;
	h->nodeid = nodeid;
	h->uid = getuid();
	h->gid = getgid();
	h->pid = (uint32_t)getpid();
	if (arglen)
		memcpy(p + sizeof(*h), arg, arglen);
	if (arg2len)
		memcpy(p + sizeof(*h) + arglen, arg2, arg2len);
	st->unique += 2;
	fake_raw(se, p, len);
	free(p);
	return unique;
}

void fake_init(struct fuse_session *se, uint32_t minor, uint64_t kernel_flags)
{
	struct fuse_init_in in;
	const struct fuse_out_header *oh;

	memset(&in, 0, sizeof(in));
	in.major = 7;
	in.minor = minor;
	in.max_readahead = 128 * 1024;
	in.flags = (uint32_t)kernel_flags;
	in.flags2 = (uint32_t)(kernel_flags >> 32);
	fake_request(se, FUSE_INIT, 0, &in, sizeof(in), NULL, 0);
	oh = fake_last(se, NULL, NULL);
	assert_int_equal(oh->error, 0);
	fake_clear(se);
}

int fake_nreplies(struct fuse_session *se)
{
	return state(se)->n;
}

const struct fuse_out_header *fake_reply(struct fuse_session *se, int idx,
					 const void **ret_payload,
					 size_t *ret_len)
{
	struct fake_state *st = state(se);
	struct fake_msg *m;

	assert_true(idx >= 0 && idx < st->n);
	m = &st->msgs[idx];
	if (ret_payload)
		*ret_payload = m->bytes + sizeof(struct fuse_out_header);
	if (ret_len)
		*ret_len = m->len - sizeof(struct fuse_out_header);
	return (const struct fuse_out_header *)m->bytes;
}

const struct fuse_out_header *fake_last(struct fuse_session *se,
					const void **ret_payload,
					size_t *ret_len)
{
	assert_true(fake_nreplies(se) > 0);
	return fake_reply(se, fake_nreplies(se) - 1, ret_payload, ret_len);
}
