// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the io_uring transport's pieces that need no kernel ring:
 * laying a ring entry out as a contiguous request, encoding replies into
 * an entry, data replies read straight into the entry, how ring threads
 * share the kernel's queues, the session's io_uring options and
 * environment, and what INIT asks for (and says) in each case.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "fake.h"
#include "transport.h"
#include "uring.h"

#ifdef HAVE_URING

#define OFFER (FUSE_INIT_EXT | FUSE_OVER_IO_URING)

/* A ring entry's memory: header area (with headroom) then payload. */
struct fake_ent {
	char head[512];
	char payload[256];
};

static void fill_in(struct fuse_in_header *in, uint32_t opcode, uint32_t len)
{
	memset(in, 0, sizeof(*in));
	in->len = len;
	in->opcode = opcode;
	in->unique = 42;
	in->nodeid = 7;
}

static void test_assemble_contiguous(void **state)
{
	static struct fake_ent e;
	struct fuse_mkdir_in op = { .mode = 0755, .umask = 022 };
	struct fuse_in_header in;
	struct lf_uring_req r = {
		.in = &in, .op_in = &op, .payload = e.payload,
		.payload_sz = 4, .headroom = sizeof(e.head),
	};
	char *start = NULL;
	int n;

	(void)state;
	fill_in(&in, FUSE_MKDIR, sizeof(in) + sizeof(op) + 4);
	memcpy(e.payload, "dir", 4);
	n = lf_uring_assemble(&r, sizeof(e.payload), &start);
	assert_int_equal(n, sizeof(in) + sizeof(op) + 4);
	/* the payload stays where the kernel put it */
	assert_ptr_equal(start + sizeof(in) + sizeof(op), e.payload);
	assert_memory_equal(start, &in, sizeof(in));
	assert_memory_equal(start + sizeof(in), &op, sizeof(op));
	assert_string_equal(start + sizeof(in) + sizeof(op), "dir");
}

/* LOOKUP has no opcode header: the name follows the in-header directly. */
static void test_assemble_no_op_header(void **state)
{
	static struct fake_ent e;
	struct fuse_in_header in;
	struct lf_uring_req r = {
		.in = &in, .op_in = e.head, .payload = e.payload,
		.payload_sz = 5, .headroom = sizeof(e.head),
	};
	char *start = NULL;

	(void)state;
	fill_in(&in, FUSE_LOOKUP, sizeof(in) + 5);
	memcpy(e.payload, "name", 5);
	assert_int_equal(lf_uring_assemble(&r, sizeof(e.payload), &start),
			 sizeof(in) + 5);
	assert_ptr_equal(start + sizeof(in), e.payload);
}

static void test_assemble_rejects(void **state)
{
	static struct fake_ent e;
	struct fuse_in_header in;
	struct lf_uring_req r = {
		.in = &in, .op_in = e.head, .payload = e.payload,
		.payload_sz = 8, .headroom = sizeof(e.head),
	};
	char *start = NULL;

	(void)state;
	/* length shorter than header + payload */
	fill_in(&in, FUSE_WRITE, sizeof(in) + 4);
	assert_int_equal(lf_uring_assemble(&r, sizeof(e.payload), &start),
			 -EPROTO);
	/* an opcode header larger than the kernel's op_in area */
	fill_in(&in, FUSE_WRITE, sizeof(in) + FUSE_URING_OP_IN_OUT_SZ + 1 + 8);
	assert_int_equal(lf_uring_assemble(&r, sizeof(e.payload), &start),
			 -EPROTO);
	/* a payload larger than the buffer */
	r.payload_sz = sizeof(e.payload) + 1;
	fill_in(&in, FUSE_WRITE, sizeof(in) + r.payload_sz);
	assert_int_equal(lf_uring_assemble(&r, sizeof(e.payload), &start),
			 -EPROTO);
	/* no room in front of the payload */
	r.payload_sz = 8;
	r.headroom = sizeof(in) + 4;
	fill_in(&in, FUSE_WRITE, sizeof(in) + 40 + 8);
	assert_int_equal(lf_uring_assemble(&r, sizeof(e.payload), &start),
			 -EPROTO);
	assert_null(start);
}

static void test_encode(void **state)
{
	static struct fake_ent e;
	struct fuse_out_header oh = { .len = sizeof(oh) + 6, .unique = 9 };
	struct fuse_out_header got;
	struct iovec iov[3] = {
		{ &oh, sizeof(oh) }, { "abc", 3 }, { "def", 3 },
	};

	(void)state;
	assert_int_equal(lf_uring_encode(e.head, e.payload, sizeof(e.payload),
					 iov, 3), 6);
	assert_memory_equal(e.payload, "abcdef", 6);
	memcpy(&got, e.head, sizeof(got));
	assert_int_equal(got.unique, 9);
	assert_int_equal(got.len, sizeof(oh) + 6);

	/* in place (fuse_req_get_payload): same bytes, nothing moved */
	memcpy(e.payload, "xyz", 3);
	iov[1] = (struct iovec){ e.payload, 3 };
	assert_int_equal(lf_uring_encode(e.head, e.payload, sizeof(e.payload),
					 iov, 2), 3);
	assert_memory_equal(e.payload, "xyz", 3);

	/* too large: refused, payload untouched */
	iov[1] = (struct iovec){ e.head, sizeof(e.payload) + 1 };
	assert_int_equal(lf_uring_encode(e.head, e.payload, sizeof(e.payload),
					 iov, 2), -EOVERFLOW);
	assert_memory_equal(e.payload, "xyz", 3);
}

/*
 * Ring threads and queues: every entry of every queue is registered by
 * exactly one thread, each thread has at least one, and a thread beyond
 * the first of its queue serves that queue only.
 */
static void test_share(void **state)
{
	unsigned int nq, nr, depth, q, i;

	(void)state;
	for (nq = 1; nq <= 9; nq++) {
		for (depth = 1; depth <= 9; depth++) {
			for (nr = 1; nr <= nq * depth; nr++) {
				unsigned int per_ring[81] = { 0 };

				for (q = 0; q < nq; q++) {
					unsigned int sum = 0;

					for (i = 0; i < nr; i++) {
						unsigned int n = lf_uring_share(
							nq, nr, depth, i, q);

						sum += n;
						per_ring[i] += n;
						/* extras: own queue only */
						assert_true(!n || nr <= nq ||
							    i % nq == q);
					}
					assert_int_equal(sum, depth);
				}
				for (i = 0; i < nr; i++)
					assert_true(per_ring[i] >= 1);
			}
		}
	}
	/* 2 CPUs, 8 threads, depth 8: two entries each, on its own queue */
	assert_int_equal(lf_uring_share(2, 8, 8, 0, 0), 2);
	assert_int_equal(lf_uring_share(2, 8, 8, 5, 1), 2);
	assert_int_equal(lf_uring_share(2, 8, 8, 5, 0), 0);
	/* fewer threads than queues: thread i takes queues q = i mod n */
	assert_int_equal(lf_uring_share(4, 2, 8, 1, 3), 8);
	assert_int_equal(lf_uring_share(4, 2, 8, 0, 3), 0);
	/* out of range */
	assert_int_equal(lf_uring_share(2, 8, 8, 8, 0), 0);
	assert_int_equal(lf_uring_share(2, 8, 8, 0, 2), 0);
	assert_int_equal(lf_uring_share(0, 0, 8, 0, 0), 0);
}

/* A transport with a payload buffer, as the uring one, that records
 * where the data of the replies it sends was. */
static char ring_payload[64];
static size_t ring_cap = sizeof(ring_payload);
static const void *sent_data;
static size_t sent_len;
static char sent_bytes[128];
static int nsent;

static int payload_send(struct fuse_session *se, struct lf_chan *ch,
			fuse_req_t req, struct iovec *iov, int count)
{
	(void)se; (void)ch; (void)req;
	nsent++;
	sent_data = count > 1 ? iov[1].iov_base : NULL;
	sent_len = count > 1 ? iov[1].iov_len : 0;
	if (sent_len <= sizeof(sent_bytes))
		memcpy(sent_bytes, sent_data, sent_len);
	return 0;
}

static int payload_reply_buf(fuse_req_t req, char **ret_mem, size_t *ret_cap)
{
	(void)req;
	*ret_mem = ring_payload;
	*ret_cap = ring_cap;
	return 0;
}

static const struct lf_transport_ops payload_ops = {
	.name = "payload",
	.send = payload_send,
	.reply_buf = payload_reply_buf,
};

static struct fuse_bufvec read_reply;

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	(void)ino; (void)size; (void)off; (void)fi;
	fuse_reply_data(req, &read_reply, 0);
}

static void read_once(struct fuse_session *se, size_t size)
{
	struct fuse_read_in rd = { .size = (uint32_t)size };

	nsent = 0;
	sent_data = NULL;
	read_reply.idx = 0;
	read_reply.off = 0;
	fake_request(se, FUSE_READ, 2, &rd, sizeof(rd), NULL, 0);
	assert_int_equal(nsent, 1);
}

/*
 * fuse_reply_data() with data still in a file reads it straight into the
 * transport's payload buffer, which the transport then sends without a
 * copy; memory data and data larger than the buffer take the old way.
 */
static void test_reply_data_in_place(void **state)
{
	struct fuse_lowlevel_ops ops = { .read = op_read };
	const struct lf_transport_ops *fake_tr;
	char path[] = "/tmp/test_uring_XXXXXX";
	struct fuse_session *se;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(write(fd, "0123456789", 10), 10);
	se = fake_session_new(&ops, sizeof(ops), NULL);
	assert_non_null(se);
	fake_init(se, 45, 0);
	fake_tr = se->tr;
	se->tr = &payload_ops;

	read_reply = (struct fuse_bufvec)FUSE_BUFVEC_INIT(4);
	read_reply.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	read_reply.buf[0].fd = fd;
	read_reply.buf[0].pos = 3;
	read_once(se, 4);
	assert_ptr_equal(sent_data, ring_payload);
	assert_int_equal(sent_len, 4);
	assert_memory_equal(ring_payload, "3456", 4);

	/* a short read at the end of the file sends what there is */
	read_reply.buf[0].pos = 8;
	read_once(se, 4);
	assert_ptr_equal(sent_data, ring_payload);
	assert_int_equal(sent_len, 2);
	assert_memory_equal(sent_bytes, "89", 2);

	/* more than the payload buffer holds: read elsewhere, as before */
	ring_cap = 3;
	read_reply.buf[0].pos = 0;
	read_once(se, 4);
	assert_true(sent_data != (const void *)ring_payload);
	assert_memory_equal(sent_bytes, "0123", 4);
	ring_cap = sizeof(ring_payload);

	/* memory data is sent from where it is */
	read_reply.buf[0].flags = 0;
	read_reply.buf[0].mem = "abcd";
	read_once(se, 4);
	assert_ptr_equal(sent_data, read_reply.buf[0].mem);

	se->tr = fake_tr;
	fake_session_destroy(se);
	close(fd);
}

static const struct fuse_lowlevel_ops no_ops;

static struct fuse_session *session(int argc, const char *argv[])
{
	struct fuse_session *se = fake_session_new_args(&no_ops, sizeof(no_ops),
							NULL, argc, argv);

	assert_non_null(se);
	return se;
}

static void test_options(void **state)
{
	const char *a1[] = { "-o", "io_uring,io_uring_q_depth=32" };
	const char *a2[] = { "-o", "no_io_uring" };
	const char *a3[] = { "-o", "io_uring_q_depth=100000" };
	struct fuse_session *se;

	(void)state;
	unsetenv("FUSE_URING_ENABLE");
	unsetenv("FUSE_URING_QUEUE_DEPTH");
	se = session(0, NULL);
	assert_int_equal(se->uring_enable, -1);
	assert_int_equal(se->uring_depth, 0);
	fake_session_destroy(se);

	se = session(2, a1);
	assert_int_equal(se->uring_enable, 1);
	assert_int_equal(se->uring_depth, 32);
	fake_session_destroy(se);

	se = session(2, a2);
	assert_int_equal(se->uring_enable, 0);
	fake_session_destroy(se);

	se = session(2, a3);
	assert_int_equal(se->uring_depth, LF_URING_MAX_DEPTH);
	fake_session_destroy(se);

	/* libfuse's environment, overridden by options */
	setenv("FUSE_URING_ENABLE", "1", 1);
	setenv("FUSE_URING_QUEUE_DEPTH", "4", 1);
	se = session(0, NULL);
	assert_int_equal(se->uring_enable, 1);
	assert_int_equal(se->uring_depth, 4);
	fake_session_destroy(se);
	se = session(2, a2);
	assert_int_equal(se->uring_enable, 0);
	fake_session_destroy(se);
	setenv("FUSE_URING_ENABLE", "0", 1);
	se = session(0, NULL);
	assert_int_equal(se->uring_enable, 0);
	fake_session_destroy(se);
	unsetenv("FUSE_URING_ENABLE");
	unsetenv("FUSE_URING_QUEUE_DEPTH");
}

/* The log, captured: the status lines INIT prints. */
static char logbuf[4096];

static void capture(enum fuse_log_level level, const char *fmt, va_list ap)
{
	size_t n = strlen(logbuf);

	(void)level;
	vsnprintf(logbuf + n, sizeof(logbuf) - n, fmt, ap);
}

static int count_lines(const char *needle)
{
	const char *p = logbuf;
	int n = 0;

	while ((p = strstr(p, needle))) {
		n++;
		p++;
	}
	return n;
}

/* INIT with kernel_flags; returns whether the reply asked for the ring. */
static bool init_asks(struct fuse_session *se, uint64_t kernel_flags)
{
	struct fuse_init_in in = {
		.major = 7, .minor = 45, .max_readahead = 65536,
		.flags = (uint32_t)kernel_flags,
		.flags2 = (uint32_t)(kernel_flags >> 32),
	};
	const struct fuse_init_out *out;
	const void *p;
	size_t len;

	logbuf[0] = 0;
	fuse_set_log_func(capture);
	fake_request(se, FUSE_INIT, 0, &in, sizeof(in), NULL, 0);
	fuse_set_log_func(NULL);
	assert_int_equal(fake_last(se, &p, &len)->error, 0);
	out = p;
	return (((uint64_t)out->flags2 << 32) | out->flags) & FUSE_OVER_IO_URING;
}

static void expect_off(int argc, const char *argv[], uint64_t offer,
		       bool mt, const char *line)
{
	struct fuse_session *se = session(argc, argv);

	se->init_status = 1;
	se->loop_mt = mt;
	assert_false(init_asks(se, offer));
	assert_int_equal(count_lines("io_uring="), 1);
	assert_non_null(strstr(logbuf, line));
	fake_session_destroy(se);
}

static void test_init_off_reasons(void **state)
{
	const char *no[] = { "-o", "no_io_uring" };
	const char *yes[] = { "-o", "io_uring" };

	(void)state;
	expect_off(0, NULL, FUSE_INIT_EXT, true,
		   "FUSE_INIT: io_uring=off:not_offered\n");
	expect_off(2, yes, FUSE_INIT_EXT, false,
		   "FUSE_INIT: io_uring=off:not_offered\n");
	expect_off(2, no, OFFER, true, "FUSE_INIT: io_uring=off:disabled\n");
	/* the single-threaded loop keeps its one thread unless asked */
	expect_off(0, NULL, OFFER, false,
		   "FUSE_INIT: io_uring=off:single_threaded\n");
}

/* Quiet unless asked for a status line (or for io_uring itself). */
static void test_init_quiet(void **state)
{
	struct fuse_session *se = session(0, NULL);

	(void)state;
	assert_false(init_asks(se, OFFER));
	assert_int_equal(count_lines("io_uring="), 0);
	fake_session_destroy(se);
}

#if !LF_ABI_314
static void declining_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	assert_true(fuse_get_feature_flag(conn, FUSE_CAP_OVER_IO_URING));
	/* wanted by default, as in libfuse 3.18 */
	assert_true(conn->want_ext & FUSE_CAP_OVER_IO_URING);
	fuse_unset_feature_flag(conn, FUSE_CAP_OVER_IO_URING);
}

static void test_init_declined(void **state)
{
	struct fuse_lowlevel_ops ops = { .init = declining_init };
	struct fuse_session *se = fake_session_new(&ops, sizeof(ops), NULL);

	(void)state;
	se->init_status = 1;
	se->loop_mt = true;
	assert_false(init_asks(se, OFFER));
	assert_non_null(strstr(logbuf, "io_uring=off:declined\n"));
	fake_session_destroy(se);
}
#endif

/*
 * Asked for: the reply carries FUSE_OVER_IO_URING. This session has no
 * /dev/fuse, so the rings cannot start: the kernel would be told to fall
 * back, and the one status line says so.
 */
static void test_init_on_then_start_fails(void **state)
{
	struct fuse_session *se;
	int err = lf_uring_probe();

	(void)state;
	if (err) {
		printf("skipped: io_uring unavailable here: %s\n",
		       strerror(-err));
		skip();
	}
	se = session(0, NULL);
	se->init_status = 1;
	se->loop_mt = true;
	assert_true(init_asks(se, OFFER));
	assert_int_equal(count_lines("io_uring="), 1);
	assert_non_null(strstr(logbuf, "FUSE_INIT: io_uring=off:start_failed\n"));
	/* the fake transport is back in place: requests still work */
	fake_request(se, FUSE_GETATTR, 1, NULL, 0, NULL, 0);
	assert_int_equal(fake_nreplies(se), 2);
	fake_session_destroy(se);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_assemble_contiguous),
		cmocka_unit_test(test_assemble_no_op_header),
		cmocka_unit_test(test_assemble_rejects),
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_share),
		cmocka_unit_test(test_reply_data_in_place),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_init_off_reasons),
		cmocka_unit_test(test_init_quiet),
#if !LF_ABI_314
		cmocka_unit_test(test_init_declined),
#endif
		cmocka_unit_test(test_init_on_then_start_fails),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

#else

int main(void)
{
	printf("SKIP: built without liburing: no io_uring transport\n");
	return 77;
}

#endif
