// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the path API's lock answers around RELEASE
 * (lib/highlevel/order.c and the lock list in file.c): a closed open
 * file's locks leave the list, and a lock conflict waits for a RELEASE the
 * kernel queued earlier but another thread is still running.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "fake.h"
#include "highlevel/hl.h"

#define OFFSET_MAX_LK 0x7fffffffffffffffULL	/* the kernel's "to the end" */

static struct fuse *F;
static struct fuse_session *SE;

/* The filesystem: one lock a closed description may still hold. */
static bool held;		/* the lock of an open file being released */
static int lock_calls;
static uint64_t next_fh = 10;
static sem_t release_started;

static int o_getattr(const char *path, struct stat *st,
		     struct fuse_file_info *fi)
{
	(void)fi;
	memset(st, 0, sizeof(*st));
	st->st_mode = strcmp(path, "/") ? S_IFREG | 0644 : S_IFDIR | 0755;
	st->st_nlink = 1;
	return 0;
}

static int o_open(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	fi->fh = next_fh++;
	return 0;
}

/*
 * fh 99: a release still running in another worker when the next lock
 * request comes in; it ends once that request has met the conflict.
 */
static int o_release(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	if (fi->fh == 99) {
		sem_post(&release_started);
		while (!__atomic_load_n(&lock_calls, __ATOMIC_SEQ_CST))
			usleep(1000);
	}
	held = false;
	return 0;
}

static int o_lock(const char *path, struct fuse_file_info *fi, int cmd,
		  struct flock *fl)
{
	(void)path;
	(void)fi;
	__atomic_add_fetch(&lock_calls, 1, __ATOMIC_SEQ_CST);
	if (cmd == F_GETLK) {
		fl->l_type = held ? F_WRLCK : F_UNLCK;
		return 0;
	}
	if (fl->l_type != F_UNLCK && held)
		return -EAGAIN;
	return 0;
}

static const struct fuse_operations o_ops = {
	.getattr = o_getattr,
	.open = o_open,
	.release = o_release,
	.lock = o_lock,
};

static void start(void)
{
	char *av[] = { "test" };
	struct fuse_args args = FUSE_ARGS_INIT(1, av);
	struct fuse_session *old;

	held = false;
	lock_calls = 0;
	F = lf_hl_new(&args, &o_ops, sizeof(o_ops), NULL, NULL);
	fuse_opt_free_args(&args);
	assert_non_null(F);
	old = F->se;
	SE = fake_session_new_args(&old->op, sizeof(old->op), F, 0, NULL);
	assert_non_null(SE);
	fuse_session_destroy(old);
	F->se = SE;
	fake_init(SE, 45, FUSE_INIT_EXT | FUSE_POSIX_LOCKS);
}

static void stop(void)
{
	fake_request(SE, FUSE_DESTROY, 0, NULL, 0, NULL, 0);
	F->se = NULL;
	fuse_destroy(F);
	fake_session_destroy(SE);
}

static uint64_t lookup_a(void)
{
	const struct fuse_entry_out *e;

	fake_clear(SE);
	fake_request(SE, FUSE_LOOKUP, FUSE_ROOT_ID, "a", 2, NULL, 0);
	assert_int_equal(fake_last(SE, (const void **)&e, NULL)->error, 0);
	return e->nodeid;
}

static uint64_t open_a(uint64_t node)
{
	struct fuse_open_in oi = { .flags = O_RDWR };
	const struct fuse_open_out *oo;

	fake_clear(SE);
	fake_request(SE, FUSE_OPEN, node, &oi, sizeof(oi), NULL, 0);
	assert_int_equal(fake_last(SE, (const void **)&oo, NULL)->error, 0);
	return oo->fh;
}

static void fill_lk(struct fuse_lk_in *li, uint64_t fh, uint64_t owner,
		    uint32_t type)
{
	memset(li, 0, sizeof(*li));
	li->fh = fh;
	li->owner = owner;
	li->lk.end = OFFSET_MAX_LK;
	li->lk.type = type;
	li->lk.pid = 100;
}

static int setlk(uint64_t node, uint64_t fh, uint64_t owner, uint32_t type)
{
	struct fuse_lk_in li;

	fill_lk(&li, fh, owner, type);
	fake_clear(SE);
	fake_request(SE, FUSE_SETLK, node, &li, sizeof(li), NULL, 0);
	return fake_last(SE, NULL, NULL)->error;
}

static void release(uint64_t node, uint64_t fh)
{
	struct fuse_release_in ri = { .fh = fh };

	fake_clear(SE);
	fake_request(SE, FUSE_RELEASE, node, &ri, sizeof(ri), NULL, 0);
	assert_int_equal(fake_last(SE, NULL, NULL)->error, 0);
}

/* An OFD lock's owner is never unlocked by name: RELEASE drops it. */
static void test_release_drops_locks(void **state)
{
	const struct fuse_lk_out *lo;
	struct fuse_lk_in li;
	uint64_t a, fh1, fh2;

	(void)state;
	start();
	a = lookup_a();
	fh1 = open_a(a);
	fh2 = open_a(a);
	assert_int_equal(setlk(a, fh1, 1001, F_WRLCK), 0);
	/* from the library's list, without asking the filesystem */
	fill_lk(&li, fh2, 1002, F_WRLCK);
	lock_calls = 0;
	fake_clear(SE);
	fake_request(SE, FUSE_GETLK, a, &li, sizeof(li), NULL, 0);
	assert_int_equal(fake_last(SE, (const void **)&lo, NULL)->error, 0);
	assert_int_equal(lo->lk.type, F_WRLCK);
	assert_int_equal(lock_calls, 0);
	release(a, fh1);
	fake_clear(SE);
	fake_request(SE, FUSE_GETLK, a, &li, sizeof(li), NULL, 0);
	assert_int_equal(fake_last(SE, (const void **)&lo, NULL)->error, 0);
	assert_int_equal(lo->lk.type, F_UNLCK);
	assert_int_equal(lock_calls, 1);
	release(a, fh2);
	stop();
}

struct rel_arg {
	uint64_t node;
};

static void *release_thread(void *p)
{
	struct rel_arg *ra = p;
	struct fuse_release_in ri = { .fh = 99 };

	fake_request(SE, FUSE_RELEASE, ra->node, &ri, sizeof(ri), NULL, 0);
	return NULL;
}

/*
 * A RELEASE queued first but still running in another thread: the later
 * SETLK's conflict is looked at again once it finished.
 */
static void test_conflict_waits_for_release(void **state)
{
	struct rel_arg ra;
	pthread_t t;
	uint64_t fh;

	(void)state;
	start();
	/* a slow machine must not turn the wait into a give-up */
	F->order_wait_ms = 10000;
	ra.node = lookup_a();
	fh = open_a(ra.node);
	/* no RELEASE before it: a real conflict is answered at once */
	held = true;
	lock_calls = 0;
	assert_int_equal(setlk(ra.node, fh, 1002, F_WRLCK), -EAGAIN);
	assert_int_equal(lock_calls, 1);
	lock_calls = 0;
	assert_int_equal(sem_init(&release_started, 0, 0), 0);
	assert_int_equal(pthread_create(&t, NULL, release_thread, &ra), 0);
	sem_wait(&release_started);
	assert_int_equal(setlk(ra.node, fh, 1002, F_WRLCK), 0);
	assert_int_equal(lock_calls, 2);
	pthread_join(t, NULL);
	sem_destroy(&release_started);
	release(ra.node, fh);
	stop();
}

/* A unique that never comes (answered below the path layer) is given up. */
static void test_missing_request_given_up(void **state)
{
	struct {
		struct fuse_in_header h;
		struct fuse_lk_in li;
	} req;
	struct timespec t0, t1;
	uint64_t a, fh, skip;
	long ms;

	(void)state;
	start();
	a = lookup_a();
	fh = open_a(a);
	held = true;
	/* take a unique from the fake and never send it */
	skip = fake_request(SE, FUSE_GETATTR, a, NULL, 0, NULL, 0) + 2;
	memset(&req, 0, sizeof(req));
	req.h.len = sizeof(req);
	req.h.opcode = FUSE_SETLK;
	req.h.unique = skip + 2;
	req.h.nodeid = a;
	req.h.pid = (uint32_t)getpid();
	fill_lk(&req.li, fh, 1002, F_WRLCK);
	lock_calls = 0;
	fake_clear(SE);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	fake_raw(SE, &req, sizeof(req));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(fake_last(SE, NULL, NULL)->error, -EAGAIN);
	assert_int_equal(lock_calls, 2);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_true(ms >= 40);
	/* given up for good: the next conflict does not wait again */
	lock_calls = 0;
	assert_int_equal(setlk(a, fh, 1002, F_WRLCK), -EAGAIN);
	assert_int_equal(lock_calls, 1);
	release(a, fh);
	stop();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_release_drops_locks),
		cmocka_unit_test(test_conflict_waits_for_release),
		cmocka_unit_test(test_missing_request_given_up),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
