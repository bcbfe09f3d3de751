// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Dispatch: header validation, INIT ordering, allow_root, unknown opcodes,
 * short arguments and interrupts, fed through the fake transport.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "fake.h"

static int getattr_calls;
static fuse_req_t held;

static void op_getattr(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct stat st = { .st_ino = ino, .st_mode = 0100644, .st_nlink = 1 };

	(void)fi;
	getattr_calls++;
	fuse_reply_attr(req, &st, 1.0);
}

static int intr_calls;
static void on_intr(fuse_req_t req, void *data)
{
	(void)req;
	(void)data;
	intr_calls++;
}

/* Holds the request so an INTERRUPT can find it. */
static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	(void)ino; (void)size; (void)off; (void)fi;
	fuse_req_interrupt_func(req, on_intr, NULL);
	held = req;
}

static const struct fuse_lowlevel_ops ops = {
	.getattr = op_getattr,
	.read = op_read,
};

static struct fuse_session *new_inited(void)
{
	struct fuse_session *se = fake_session_new(&ops, sizeof(ops), NULL);

	assert_non_null(se);
	fake_init(se, 45, FUSE_ASYNC_READ | FUSE_INIT_EXT | FUSE_MAX_PAGES);
	return se;
}

static void test_request_before_init_gets_eio(void **state)
{
	struct fuse_session *se = fake_session_new(&ops, sizeof(ops), NULL);
	struct fuse_getattr_in gi = { 0 };

	(void)state;
	fake_request(se, FUSE_GETATTR, 1, &gi, sizeof(gi), NULL, 0);
	assert_int_equal(fake_last(se, NULL, NULL)->error, -EIO);
	assert_int_equal(getattr_calls, 0);
	fake_session_destroy(se);
}

static void test_second_init_gets_eio(void **state)
{
	struct fuse_session *se = new_inited();
	struct fuse_init_in in = { .major = 7, .minor = 45 };

	(void)state;
	fake_request(se, FUSE_INIT, 0, &in, sizeof(in), NULL, 0);
	assert_int_equal(fake_last(se, NULL, NULL)->error, -EIO);
	fake_session_destroy(se);
}

static void test_getattr_roundtrip(void **state)
{
	struct fuse_session *se = new_inited();
	struct fuse_getattr_in gi = { 0 };
	const struct fuse_attr_out *ao;
	const void *p;
	size_t len;
	uint64_t u;

	(void)state;
	getattr_calls = 0;
	u = fake_request(se, FUSE_GETATTR, 5, &gi, sizeof(gi), NULL, 0);
	assert_int_equal(getattr_calls, 1);
	assert_int_equal(fake_last(se, &p, &len)->unique, u);
	assert_int_equal(fake_last(se, NULL, NULL)->error, 0);
	assert_int_equal(len, sizeof(struct fuse_attr_out));
	ao = p;
	assert_int_equal(ao->attr.ino, 5);
	assert_int_equal(ao->attr.mode, 0100644);
	assert_int_equal(ao->attr_valid, 1);
	fake_session_destroy(se);
}

static void test_unknown_opcode_enosys(void **state)
{
	struct fuse_session *se = new_inited();
	uint8_t junk[16] = { 0 };

	(void)state;
	fake_request(se, 999, 1, junk, sizeof(junk), NULL, 0);
	assert_int_equal(fake_last(se, NULL, NULL)->error, -ENOSYS);
	/* a defined opcode the filesystem lacks is ENOSYS too */
	fake_request(se, FUSE_READLINK, 1, NULL, 0, NULL, 0);
	assert_int_equal(fake_last(se, NULL, NULL)->error, -ENOSYS);
	fake_session_destroy(se);
}

static void test_truncated_and_garbage(void **state)
{
	struct fuse_session *se = new_inited();
	struct fuse_in_header h;
	uint8_t big[256];
	int n;

	(void)state;
	/* shorter than a header: dropped without a reply, no crash */
	n = fake_nreplies(se);
	fake_raw(se, "abc", 3);
	assert_int_equal(fake_nreplies(se), n);

	/* header length disagrees with the bytes read */
	memset(&h, 0, sizeof(h));
	h.len = 1000;
	h.opcode = FUSE_GETATTR;
	h.unique = 77;
	h.nodeid = 1;
	memcpy(big, &h, sizeof(h));
	fake_raw(se, big, sizeof(h) + 16);
	assert_int_equal(fake_last(se, NULL, NULL)->unique, 77);
	assert_int_equal(fake_last(se, NULL, NULL)->error, -EIO);

	/* argument shorter than the opcode's struct */
	fake_request(se, FUSE_READ, 1, "xy", 2, NULL, 0);
	assert_int_equal(fake_last(se, NULL, NULL)->error, -EINVAL);

	/* extension length larger than the request */
	h.len = sizeof(h) + 8;
	h.total_extlen = 5;
	h.unique = 79;
	memset(big, 0, sizeof(big));
	memcpy(big, &h, sizeof(h));
	fake_raw(se, big, sizeof(h) + 8);
	assert_int_equal(fake_last(se, NULL, NULL)->error, -EIO);

	/* random bytes: any answer is fine, the session must survive */
	srand(1);
	for (n = 0; n < 2000; n++) {
		size_t len = sizeof(h) + (size_t)(rand() % 200);
		size_t i;

		for (i = 0; i < len; i++)
			big[i] = (uint8_t)rand();
		((struct fuse_in_header *)big)->len = (uint32_t)len;
		((struct fuse_in_header *)big)->opcode = (uint32_t)(rand() % 60);
		if (((struct fuse_in_header *)big)->opcode == FUSE_READ ||
		    ((struct fuse_in_header *)big)->opcode == FUSE_INIT ||
		    ((struct fuse_in_header *)big)->opcode == FUSE_DESTROY)
			continue;	/* READ holds its request in this test */
		fake_raw(se, big, len);
		fake_clear(se);
	}
	/* and still serves */
	{
		struct fuse_getattr_in gi = { 0 };

		fake_request(se, FUSE_GETATTR, 3, &gi, sizeof(gi), NULL, 0);
		assert_int_equal(fake_last(se, NULL, NULL)->error, 0);
	}
	fake_session_destroy(se);
}

static void test_interrupt_calls_callback(void **state)
{
	struct fuse_session *se = new_inited();
	struct fuse_read_in ri = { .size = 10 };
	struct fuse_interrupt_in ii;
	uint64_t u;

	(void)state;
	intr_calls = 0;
	held = NULL;
	u = fake_request(se, FUSE_READ, 2, &ri, sizeof(ri), NULL, 0);
	assert_non_null(held);
	assert_int_equal(fuse_req_interrupted(held), 0);
	ii.unique = u;
	fake_request(se, FUSE_INTERRUPT, 0, &ii, sizeof(ii), NULL, 0);
	assert_int_equal(intr_calls, 1);
	assert_int_equal(fuse_req_interrupted(held), 1);
	fuse_reply_err(held, EINTR);
	assert_int_equal(fake_last(se, NULL, NULL)->unique, u);
	assert_int_equal(fake_last(se, NULL, NULL)->error, -EINTR);
	fake_session_destroy(se);
}

static void test_interrupt_before_request(void **state)
{
	struct fuse_session *se = new_inited();
	struct fuse_read_in ri = { .size = 10 };
	struct fuse_interrupt_in ii;
	struct fuse_session *s2;

	(void)state;
	intr_calls = 0;
	/* the INTERRUPT for the next request id arrives first */
	ii.unique = 6;	/* fake ids: INIT took 2, the INTERRUPT takes 4, READ 6 */
	s2 = se;
	fake_request(s2, FUSE_INTERRUPT, 0, &ii, sizeof(ii), NULL, 0);
	fake_request(se, FUSE_READ, 2, &ri, sizeof(ri), NULL, 0);
	assert_non_null(held);
	assert_int_equal(fuse_req_interrupted(held), 1);
	assert_int_equal(intr_calls, 1);
	fuse_reply_err(held, EINTR);
	fake_session_destroy(se);
}

static void test_allow_root_denies_others(void **state)
{
	const char *argv[] = { "-o", "allow_root" };
	struct fuse_session *se;
	struct fuse_getattr_in gi = { 0 };
	uint8_t buf[sizeof(struct fuse_in_header) + sizeof(gi)];
	struct fuse_in_header *h = (void *)buf;

	(void)state;
	se = fake_session_new_args(&ops, sizeof(ops), NULL, 2, argv);
	assert_non_null(se);
	fake_init(se, 45, FUSE_INIT_EXT);
	memset(buf, 0, sizeof(buf));
	h->len = sizeof(buf);
	h->opcode = FUSE_GETATTR;
	h->unique = 1000;
	h->nodeid = 1;
	h->uid = 12345;	/* neither root nor the owner */
	if (getuid() == 12345)
		skip();
	fake_raw(se, buf, sizeof(buf));
	assert_int_equal(fake_last(se, NULL, NULL)->error, -EACCES);
	h->uid = 0;
	h->unique = 1002;
	fake_raw(se, buf, sizeof(buf));
	assert_int_equal(fake_last(se, NULL, NULL)->error, 0);
	fake_session_destroy(se);
}

static void test_unknown_session_option(void **state)
{
	const char *argv[] = { "-o", "no_such_option" };
	struct fuse_session *se;

	(void)state;
	se = fake_session_new_args(&ops, sizeof(ops), NULL, 2, argv);
	assert_null(se);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_before_init_gets_eio),
		cmocka_unit_test(test_second_init_gets_eio),
		cmocka_unit_test(test_getattr_roundtrip),
		cmocka_unit_test(test_unknown_opcode_enosys),
		cmocka_unit_test(test_truncated_and_garbage),
		cmocka_unit_test(test_interrupt_calls_callback),
		cmocka_unit_test(test_interrupt_before_request),
		cmocka_unit_test(test_allow_root_denies_others),
		cmocka_unit_test(test_unknown_session_option),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
