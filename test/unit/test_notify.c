// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for lib/notify.c: the exact bytes of every notification, the
 * -ENOSYS/-EINVAL/-ENOTCONN contract of fuse_lowlevel_notify_*, and the
 * retrieve round trip through a FUSE_NOTIFY_REPLY request.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fake.h"
#include "ll/ll.h"

static struct {
	int calls;
	void *cookie;
	fuse_ino_t ino;
	off_t off;
	char data[32];
	size_t len;
} RR;

static void op_retrieve_reply(fuse_req_t req, void *cookie, fuse_ino_t ino,
			      off_t offset, struct fuse_bufvec *bufv)
{
	struct fuse_bufvec dst = FUSE_BUFVEC_INIT(sizeof(RR.data));
	ssize_t n;

	RR.calls++;
	RR.cookie = cookie;
	RR.ino = ino;
	RR.off = offset;
	dst.buf[0].mem = RR.data;
	n = fuse_buf_copy(&dst, bufv, 0);
	assert_true(n >= 0);
	RR.len = (size_t)n;
	fuse_reply_none(req);
}

static const struct fuse_lowlevel_ops ops = {
	.retrieve_reply = op_retrieve_reply,
};

static int setup(void **state)
{
	struct fuse_session *se = fake_session_new(&ops, sizeof(ops), NULL);

	assert_non_null(se);
	fake_init(se, 45, FUSE_INIT_EXT);
	memset(&RR, 0, sizeof(RR));
	*state = se;
	return 0;
}

static int teardown(void **state)
{
	fake_session_destroy(*state);
	return 0;
}

/* The one notification sent since the last clear; its payload. */
static const void *notified(struct fuse_session *se, int code, size_t len)
{
	const struct fuse_out_header *oh;
	const void *p;
	size_t n;

	assert_int_equal(fake_nreplies(se), 1);
	oh = fake_reply(se, 0, &p, &n);
	assert_int_equal(oh->unique, 0);
	assert_int_equal(oh->error, code);
	assert_int_equal(oh->len, sizeof(*oh) + len);
	assert_int_equal(n, len);
	return p;
}

/* A bufvec of two memory pieces (fuse_bufvec holds one inline). */
static struct fuse_bufvec *two_bufs(const char *a, const char *b)
{
	struct fuse_bufvec *v = calloc(1, sizeof(*v) + sizeof(struct fuse_buf));

	assert_non_null(v);
	v->count = 2;
	v->buf[0].mem = (void *)a;
	v->buf[0].size = strlen(a);
	v->buf[1].mem = (void *)b;
	v->buf[1].size = strlen(b);
	return v;
}

static void test_inval_inode(void **state)
{
	struct fuse_session *se = *state;
	const struct fuse_notify_inval_inode_out *o;

	assert_int_equal(fuse_lowlevel_notify_inval_inode(se, 7, -1, 0), 0);
	o = notified(se, FUSE_NOTIFY_INVAL_INODE, sizeof(*o));
	assert_int_equal(o->ino, 7);
	assert_int_equal(o->off, -1);
	assert_int_equal(o->len, 0);
	fake_clear(se);

	assert_int_equal(fuse_lowlevel_notify_inval_inode(NULL, 7, 0, 0),
			 -EINVAL);
	se->proto_minor = 11;
	assert_int_equal(fuse_lowlevel_notify_inval_inode(se, 7, 0, 0),
			 -ENOSYS);
	assert_int_equal(fake_nreplies(se), 0);
}

static void test_inval_entry(void **state)
{
	struct fuse_session *se = *state;
	const struct fuse_notify_inval_entry_out *o;
	const char *p;

	assert_int_equal(fuse_lowlevel_notify_inval_entry(se, 3, "name", 4), 0);
	p = notified(se, FUSE_NOTIFY_INVAL_ENTRY, sizeof(*o) + 5);
	o = (const void *)p;
	assert_int_equal(o->parent, 3);
	assert_int_equal(o->namelen, 4);
	assert_int_equal(o->flags, 0);
	/* the name goes out with its NUL */
	assert_memory_equal(p + sizeof(*o), "name", 5);
	fake_clear(se);

	assert_int_equal(fuse_lowlevel_notify_inval_entry(NULL, 3, "n", 1),
			 -EINVAL);
	se->proto_minor = 11;
	assert_int_equal(fuse_lowlevel_notify_inval_entry(se, 3, "n", 1),
			 -ENOSYS);
	assert_int_equal(fake_nreplies(se), 0);
}

static void test_expire_entry(void **state)
{
	struct fuse_session *se = *state;
	const struct fuse_notify_inval_entry_out *o;

#if LF_ABI_314
	/* 3.14: the caller picks expire or invalidate */
	assert_int_equal(fuse_lowlevel_notify_expire_entry(se, 4, "ab", 2,
							   FUSE_LL_EXPIRE_ONLY),
			 0);
	o = notified(se, FUSE_NOTIFY_INVAL_ENTRY, sizeof(*o) + 3);
	assert_int_equal(o->flags, FUSE_EXPIRE_ONLY);
	fake_clear(se);
	assert_int_equal(fuse_lowlevel_notify_expire_entry(se, 4, "ab", 2, 0),
			 0);
	o = notified(se, FUSE_NOTIFY_INVAL_ENTRY, sizeof(*o) + 3);
	assert_int_equal(o->flags, 0);
	fake_clear(se);
	assert_int_equal(fuse_lowlevel_notify_expire_entry(NULL, 4, "ab", 2,
							   0), -EINVAL);
#else
	/* 3.16+: refused unless the kernel offered FUSE_HAS_EXPIRE_ONLY */
	se->lconn.capable &= ~(uint64_t)FUSE_CAP_EXPIRE_ONLY;
	assert_int_equal(fuse_lowlevel_notify_expire_entry(se, 4, "ab", 2),
			 -ENOSYS);
	assert_int_equal(fake_nreplies(se), 0);
	se->lconn.capable |= FUSE_CAP_EXPIRE_ONLY;
	assert_int_equal(fuse_lowlevel_notify_expire_entry(se, 4, "ab", 2), 0);
	o = notified(se, FUSE_NOTIFY_INVAL_ENTRY, sizeof(*o) + 3);
	assert_int_equal(o->parent, 4);
	assert_int_equal(o->namelen, 2);
	assert_int_equal(o->flags, FUSE_EXPIRE_ONLY);
	fake_clear(se);
	assert_int_equal(fuse_lowlevel_notify_expire_entry(NULL, 4, "ab", 2),
			 -EINVAL);
#endif
}

static void test_delete(void **state)
{
	struct fuse_session *se = *state;
	const struct fuse_notify_delete_out *o;
	const char *p;

	assert_int_equal(fuse_lowlevel_notify_delete(se, 1, 9, "gone", 4), 0);
	p = notified(se, FUSE_NOTIFY_DELETE, sizeof(*o) + 5);
	o = (const void *)p;
	assert_int_equal(o->parent, 1);
	assert_int_equal(o->child, 9);
	assert_int_equal(o->namelen, 4);
	assert_int_equal(o->padding, 0);
	assert_memory_equal(p + sizeof(*o), "gone", 5);
	fake_clear(se);

	se->proto_minor = 17;
	assert_int_equal(fuse_lowlevel_notify_delete(se, 1, 9, "gone", 4),
			 -ENOSYS);
	assert_int_equal(fuse_lowlevel_notify_delete(NULL, 1, 9, "gone", 4),
			 -EINVAL);
	assert_int_equal(fake_nreplies(se), 0);
}

static void test_store(void **state)
{
	struct fuse_session *se = *state;
	struct fuse_bufvec one = FUSE_BUFVEC_INIT(5);
	struct fuse_bufvec *two;
	const struct fuse_notify_store_out *o;
	const char *p;

	one.buf[0].mem = "12345";
	assert_int_equal(fuse_lowlevel_notify_store(se, 6, 4096, &one, 0), 0);
	p = notified(se, FUSE_NOTIFY_STORE, sizeof(*o) + 5);
	o = (const void *)p;
	assert_int_equal(o->nodeid, 6);
	assert_int_equal(o->offset, 4096);
	assert_int_equal(o->size, 5);
	assert_int_equal(o->padding, 0);
	assert_memory_equal(p + sizeof(*o), "12345", 5);
	fake_clear(se);

	two = two_bufs("ab", "cde");
	assert_int_equal(fuse_lowlevel_notify_store(se, 6, 0, two, 0), 0);
	free(two);
	p = notified(se, FUSE_NOTIFY_STORE, sizeof(*o) + 5);
	assert_memory_equal(p + sizeof(*o), "abcde", 5);
	fake_clear(se);

	se->proto_minor = 14;
	assert_int_equal(fuse_lowlevel_notify_store(se, 6, 0, &one, 0),
			 -ENOSYS);
	assert_int_equal(fuse_lowlevel_notify_store(NULL, 6, 0, &one, 0),
			 -EINVAL);
	assert_int_equal(fake_nreplies(se), 0);
}

/* Send the kernel's FUSE_NOTIFY_REPLY for notify_unique with data. */
static void notify_reply(struct fuse_session *se, uint64_t unique,
			 fuse_ino_t ino, uint64_t off, uint32_t size,
			 const char *data, size_t len)
{
	struct {
		struct fuse_in_header h;
		struct fuse_notify_retrieve_in r;
		char data[16];
	} m;

	memset(&m, 0, sizeof(m));
	assert_true(len <= sizeof(m.data));
	m.h.len = (uint32_t)(sizeof(m.h) + sizeof(m.r) + len);
	m.h.opcode = FUSE_NOTIFY_REPLY;
	m.h.unique = unique;
	m.h.nodeid = ino;
	m.r.offset = off;
	m.r.size = size;
	memcpy(m.data, data, len);
	fake_raw(se, &m, m.h.len);
}

static uint64_t retrieve(struct fuse_session *se, void *cookie)
{
	const struct fuse_notify_retrieve_out *o;
	uint64_t unique;

	fake_clear(se);
	assert_int_equal(fuse_lowlevel_notify_retrieve(se, 5, 100, 10, cookie),
			 0);
	o = notified(se, FUSE_NOTIFY_RETRIEVE, sizeof(*o));
	assert_int_equal(o->nodeid, 5);
	assert_int_equal(o->offset, 10);
	assert_int_equal(o->size, 100);
	assert_int_equal(o->padding, 0);
	unique = o->notify_unique;
	assert_int_not_equal(unique, 0);
	fake_clear(se);
	return unique;
}

/*
 * Over FUSE-over-io_uring a NOTIFY_REPLY arrives on a ring entry, which the
 * kernel hands out again only once it is committed: the library must send
 * an empty reply there (over /dev/fuse nothing at all), or each retrieve
 * would cost the queue one entry for good.
 */
static void test_retrieve_ring_entry_given_back(void **state)
{
	struct fuse_session *se = *state;
	const struct fuse_out_header *oh;
	int cookie, ent;
	uint64_t n;

	n = retrieve(se, &cookie);
	se->ch->tpriv = &ent;	/* what a ring entry's channel carries */
	notify_reply(se, n, 5, 10, 2, "ab", 2);
	se->ch->tpriv = NULL;
	assert_ptr_equal(RR.cookie, &cookie);
	assert_int_equal(fake_nreplies(se), 1);
	oh = fake_reply(se, 0, NULL, NULL);
	assert_int_equal(oh->unique, n);
	assert_int_equal(oh->error, 0);
	assert_int_equal(oh->len, sizeof(*oh));
}

static void test_retrieve(void **state)
{
	struct fuse_session *se = *state;
	int cookie1, cookie2;
	uint64_t n1, n2;

	n1 = retrieve(se, &cookie1);
	n2 = retrieve(se, &cookie2);
	assert_int_not_equal(n1, n2);

	/* answers may come in any order; nothing is sent back */
	notify_reply(se, n2, 5, 10, 4, "wxyz", 4);
	assert_int_equal(fake_nreplies(se), 0);
	assert_int_equal(RR.calls, 1);
	assert_ptr_equal(RR.cookie, &cookie2);
	assert_int_equal(RR.ino, 5);
	assert_int_equal(RR.off, 10);
	assert_int_equal(RR.len, 4);
	assert_memory_equal(RR.data, "wxyz", 4);
	/* each retrieve is answered once */
	notify_reply(se, n2, 5, 10, 4, "wxyz", 4);
	assert_int_equal(RR.calls, 1);
	notify_reply(se, n1, 5, 10, 2, "ab", 2);
	assert_int_equal(RR.calls, 2);
	assert_ptr_equal(RR.cookie, &cookie1);
	assert_memory_equal(RR.data, "ab", 2);

	/* a size larger than the data consumes the retrieve, calls nothing */
	n1 = retrieve(se, &cookie1);
	notify_reply(se, n1, 5, 10, 9, "ab", 2);
	notify_reply(se, n1, 5, 10, 2, "ab", 2);
	assert_int_equal(RR.calls, 2);
	assert_int_equal(fake_nreplies(se), 0);

	/* left unanswered: freed with the session (leak-checked by ASan) */
	retrieve(se, &cookie1);

	se->proto_minor = 14;
	assert_int_equal(fuse_lowlevel_notify_retrieve(se, 5, 1, 0, NULL),
			 -ENOSYS);
	assert_int_equal(fuse_lowlevel_notify_retrieve(NULL, 5, 1, 0, NULL),
			 -EINVAL);
}

/* Without ->retrieve_reply the answer is consumed quietly. */
static void test_retrieve_no_op(void **state)
{
	struct fuse_lowlevel_ops none = { 0 };
	struct fuse_session *se = fake_session_new(&none, sizeof(none), NULL);
	uint64_t n;

	(void)state;
	assert_non_null(se);
	fake_init(se, 45, FUSE_INIT_EXT);
	memset(&RR, 0, sizeof(RR));
	n = retrieve(se, NULL);
	notify_reply(se, n, 5, 0, 1, "a", 1);
	assert_int_equal(fake_nreplies(se), 0);
	assert_int_equal(RR.calls, 0);
	fake_session_destroy(se);
}

#if !LF_ABI_314
static void test_increment_epoch(void **state)
{
	struct fuse_session *se = *state;

	assert_int_equal(fuse_lowlevel_notify_increment_epoch(se), 0);
	notified(se, FUSE_NOTIFY_INC_EPOCH, 0);
	fake_clear(se);
	se->proto_minor = 43;
	assert_int_equal(fuse_lowlevel_notify_increment_epoch(se), -ENOSYS);
	assert_int_equal(fuse_lowlevel_notify_increment_epoch(NULL), -EINVAL);
	assert_int_equal(fake_nreplies(se), 0);
}
#endif

static void test_poll_and_before_init(void **state)
{
	struct fuse_lowlevel_ops none = { 0 };
	struct fuse_session *se;

	(void)state;
	assert_int_equal(fuse_lowlevel_notify_poll(NULL), 0);
	fuse_pollhandle_destroy(NULL);

	/* nothing may reach the kernel before INIT was answered */
	se = fake_session_new(&none, sizeof(none), NULL);
	assert_non_null(se);
	se->proto_minor = 45;
	assert_int_equal(fuse_lowlevel_notify_inval_inode(se, 1, 0, 0),
			 -ENOTCONN);
	assert_int_equal(fuse_lowlevel_notify_retrieve(se, 1, 1, 0, NULL),
			 -ENOTCONN);
	assert_int_equal(fake_nreplies(se), 0);
	fake_session_destroy(se);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_inval_inode, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_inval_entry, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_expire_entry, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retrieve, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retrieve_ring_entry_given_back, setup, teardown),
		cmocka_unit_test(test_retrieve_no_op),
#if !LF_ABI_314
		cmocka_unit_test_setup_teardown(test_increment_epoch, setup,
						teardown),
#endif
		cmocka_unit_test(test_poll_and_before_init),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
