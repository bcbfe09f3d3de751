// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of path building and tree locks (lib/highlevel/path.c):
 * paths stay valid while locked under concurrent renames, unlinks,
 * lookups and forgets from four threads (no deadlock within a deadline),
 * writers wait for readers, and renames into their own subtree fail.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "highlevel/hl.h"

#define NDIRS 4
#define NNAMES 8
#define NTHREADS 4
#define ITERS 20000

static struct fuse F;
static struct lf_node *dirs[NDIRS];
static atomic_int mismatches;
static atomic_int failures;

static void fuse_setup(int remember)
{
	pthread_condattr_t ca;

	memset(&F, 0, sizeof(F));
	pthread_mutex_init(&F.lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&F.path_cond, &ca);
	pthread_condattr_destroy(&ca);
	assert_int_equal(lf_nodes_init(&F.nodes, remember), 0);
}

static void fuse_teardown(void)
{
	lf_nodes_free(&F.nodes);
	pthread_cond_destroy(&F.path_cond);
	pthread_mutex_destroy(&F.lock);
}

static struct lf_node *mk(struct lf_node *dir, const char *name)
{
	struct lf_node *n = NULL;

	assert_int_equal(lf_node_find(&F.nodes, dir, name, &n), 0);
	return n;
}

/* Under the locks a path must equal what the table says right now. */
static void verify(struct lf_path *p)
{
	char *now = NULL;

	/* widen the window in which a broken lock would let a rename in */
	sched_yield();
	pthread_mutex_lock(&F.lock);
	if (lf_path_build(&F, p->node, p->name, &now) != 0 ||
	    strcmp(now, p->path) != 0)
		atomic_fetch_add(&mismatches, 1);
	pthread_mutex_unlock(&F.lock);
	free(now);
}

struct worker {
	unsigned int seed;
	uint64_t ids[64];
	int nids;
};

static void do_rename(struct worker *w)
{
	struct lf_path p[2];
	char a[16], b[16];
	int da = rand_r(&w->seed) % NDIRS, db = rand_r(&w->seed) % NDIRS;

	memset(p, 0, sizeof(p));
	snprintf(a, sizeof(a), "f%d", rand_r(&w->seed) % NNAMES);
	snprintf(b, sizeof(b), "f%d", rand_r(&w->seed) % NNAMES);
	p[0].nodeid = dirs[da]->nodeid;
	p[0].name = a;
	p[0].wlock = true;
	p[1].nodeid = dirs[db]->nodeid;
	p[1].name = b;
	p[1].wlock = true;
	if (lf_path_get(&F, p, 2)) {
		atomic_fetch_add(&failures, 1);
		return;
	}
	verify(&p[0]);
	verify(&p[1]);
	pthread_mutex_lock(&F.lock);
	if (p[0].wnode && p[0].wnode != p[1].wnode) {
		if (p[1].wnode)
			lf_node_unlink(&F.nodes, p[1].wnode);
		lf_node_rename(&F.nodes, p[0].wnode, dirs[db], b);
	}
	pthread_mutex_unlock(&F.lock);
	lf_path_put(&F, p, 2);
}

/* Directories swap names, which changes every path below them. */
static void do_dir_rename(struct worker *w)
{
	struct lf_path p[2];
	char from[16], to[16];
	int i = rand_r(&w->seed) % NDIRS;

	memset(p, 0, sizeof(p));
	pthread_mutex_lock(&F.lock);
	snprintf(from, sizeof(from), "%s", lf_node_name(&F.nodes, dirs[i]));
	pthread_mutex_unlock(&F.lock);
	snprintf(to, sizeof(to), "%c%s", from[0] == 'd' ? 'x' : 'd', from + 1);
	p[0].nodeid = FUSE_ROOT_ID;
	p[0].name = from;
	p[0].wlock = true;
	p[1].nodeid = FUSE_ROOT_ID;
	p[1].name = to;
	p[1].wlock = true;
	if (lf_path_get(&F, p, 2)) {
		atomic_fetch_add(&failures, 1);
		return;
	}
	pthread_mutex_lock(&F.lock);
	if (p[0].wnode == dirs[i] && !p[1].wnode)
		lf_node_rename(&F.nodes, dirs[i], F.nodes.root, to);
	pthread_mutex_unlock(&F.lock);
	lf_path_put(&F, p, 2);
}

static void do_lookup(struct worker *w)
{
	struct lf_path p;
	char a[16];
	struct lf_node *n = NULL;

	memset(&p, 0, sizeof(p));
	snprintf(a, sizeof(a), "f%d", rand_r(&w->seed) % NNAMES);
	p.nodeid = dirs[rand_r(&w->seed) % NDIRS]->nodeid;
	p.name = a;
	if (lf_path_get(&F, &p, 1)) {
		atomic_fetch_add(&failures, 1);
		return;
	}
	verify(&p);
	pthread_mutex_lock(&F.lock);
	if (w->nids < 64 && lf_node_find(&F.nodes, p.node, a, &n) == 0)
		w->ids[w->nids++] = n->nodeid;
	pthread_mutex_unlock(&F.lock);
	lf_path_put(&F, &p, 1);
}

static void do_getattr(struct worker *w)
{
	struct lf_path p;
	int err;

	if (!w->nids)
		return;
	memset(&p, 0, sizeof(p));
	p.nodeid = w->ids[rand_r(&w->seed) % w->nids];
	err = lf_path_get(&F, &p, 1);
	if (err == -ENOENT)
		return;		/* unlinked meanwhile */
	if (err) {
		atomic_fetch_add(&failures, 1);
		return;
	}
	verify(&p);
	lf_path_put(&F, &p, 1);
}

static void do_unlink(struct worker *w)
{
	struct lf_path p;
	char a[16];

	memset(&p, 0, sizeof(p));
	snprintf(a, sizeof(a), "f%d", rand_r(&w->seed) % NNAMES);
	p.nodeid = dirs[rand_r(&w->seed) % NDIRS]->nodeid;
	p.name = a;
	p.wlock = true;
	if (lf_path_get(&F, &p, 1)) {
		atomic_fetch_add(&failures, 1);
		return;
	}
	verify(&p);
	pthread_mutex_lock(&F.lock);
	if (p.wnode)
		lf_node_unlink(&F.nodes, p.wnode);
	pthread_mutex_unlock(&F.lock);
	lf_path_put(&F, &p, 1);
}

static void do_forget(struct worker *w)
{
	struct lf_node *n;
	int i;

	if (!w->nids)
		return;
	i = rand_r(&w->seed) % w->nids;
	pthread_mutex_lock(&F.lock);
	n = lf_node_get(&F.nodes, w->ids[i]);
	if (n)
		lf_node_forget(&F.nodes, n, 1);
	pthread_mutex_unlock(&F.lock);
	w->ids[i] = w->ids[--w->nids];
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	int i;

	for (i = 0; i < ITERS; i++) {
		switch (rand_r(&w->seed) % 7) {
		case 0: do_rename(w); break;
		case 1: do_dir_rename(w); break;
		case 2: do_unlink(w); break;
		case 3: do_forget(w); break;
		case 4: do_getattr(w); break;
		default: do_lookup(w); break;
		}
	}
	return NULL;
}

static void check_unlocked(struct lf_node *node, void *data)
{
	(void)data;
	if (node->treelock != 0)
		atomic_fetch_add(&failures, 1);
}

static void test_concurrent(void **state)
{
	pthread_t th[NTHREADS];
	struct worker w[NTHREADS];
	struct timespec deadline;
	char name[8];
	int i;

	(void)state;
	fuse_setup(0);
	for (i = 0; i < NDIRS; i++) {
		snprintf(name, sizeof(name), "d%d", i);
		dirs[i] = mk(F.nodes.root, name);
	}
	memset(w, 0, sizeof(w));
	for (i = 0; i < NTHREADS; i++) {
		w[i].seed = 1234u + (unsigned int)i;
		assert_int_equal(pthread_create(&th[i], NULL, worker_main,
						&w[i]), 0);
	}
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 40;
	for (i = 0; i < NTHREADS; i++) {
		int r = pthread_timedjoin_np(th[i], NULL, &deadline);

		if (r == ETIMEDOUT)
			fail_msg("deadlock: worker %d did not finish", i);
		assert_int_equal(r, 0);
	}
	assert_int_equal(atomic_load(&mismatches), 0);
	assert_int_equal(atomic_load(&failures), 0);
	lf_nodes_for_each(&F.nodes, check_unlocked, NULL);
	assert_int_equal(atomic_load(&failures), 0);
	assert_int_equal(F.path_waiters, 0);
	printf("hl paths: %zu nodes left after %d operations\n",
	       F.nodes.count, NTHREADS * ITERS);
	fuse_teardown();
}

static atomic_bool released;
static atomic_bool reader_ready;

static void *reader_main(void *arg)
{
	struct lf_path p;

	memset(&p, 0, sizeof(p));
	p.nodeid = *(uint64_t *)arg;
	assert_int_equal(lf_path_get(&F, &p, 1), 0);
	atomic_store(&reader_ready, true);
	usleep(100000);
	atomic_store(&released, true);
	lf_path_put(&F, &p, 1);
	return NULL;
}

static void test_writer_waits_for_reader(void **state)
{
	struct lf_node *d, *fnode;
	struct lf_path p;
	pthread_t th;
	uint64_t id;

	(void)state;
	fuse_setup(0);
	d = mk(F.nodes.root, "d");
	fnode = mk(d, "f");
	id = fnode->nodeid;
	atomic_store(&released, false);
	atomic_store(&reader_ready, false);
	assert_int_equal(pthread_create(&th, NULL, reader_main, &id), 0);
	while (!atomic_load(&reader_ready))
		usleep(1000);
	memset(&p, 0, sizeof(p));
	p.nodeid = d->nodeid;
	p.name = "f";
	p.wlock = true;
	assert_int_equal(lf_path_get(&F, &p, 1), 0);
	assert_true(atomic_load(&released));
	assert_ptr_equal(p.wnode, fnode);
	assert_int_equal(fnode->treelock, -1);
	assert_string_equal(p.path, "/d/f");
	lf_path_put(&F, &p, 1);
	assert_int_equal(fnode->treelock, 0);
	pthread_join(th, NULL);
	fuse_teardown();
}

static void test_rename_loops(void **state)
{
	struct lf_node *a, *b, *c;
	struct lf_path p[2];

	(void)state;
	fuse_setup(0);
	a = mk(F.nodes.root, "a");
	b = mk(a, "b");
	c = mk(b, "c");
	/* a -> a/b/c/x: into its own subtree */
	memset(p, 0, sizeof(p));
	p[0].nodeid = FUSE_ROOT_ID;
	p[0].name = "a";
	p[0].wlock = true;
	p[1].nodeid = c->nodeid;
	p[1].name = "x";
	p[1].wlock = true;
	assert_int_equal(lf_path_get(&F, p, 2), -EINVAL);
	/* a/b/c -> a: over an ancestor */
	memset(p, 0, sizeof(p));
	p[0].nodeid = b->nodeid;
	p[0].name = "c";
	p[0].wlock = true;
	p[1].nodeid = FUSE_ROOT_ID;
	p[1].name = "a";
	p[1].wlock = true;
	assert_int_equal(lf_path_get(&F, p, 2), -ENOTEMPTY);
	/* nothing stayed locked */
	assert_int_equal(a->treelock, 0);
	assert_int_equal(b->treelock, 0);
	assert_int_equal(c->treelock, 0);
	/* a long path: no PATH_MAX limit */
	{
		struct lf_node *n = c;
		char name[200];
		int i;

		memset(name, 'n', sizeof(name) - 1);
		name[sizeof(name) - 1] = '\0';
		for (i = 0; i < 40; i++)
			n = mk(n, name);
		memset(p, 0, sizeof(p));
		p[0].nodeid = n->nodeid;
		assert_int_equal(lf_path_get(&F, p, 1), 0);
		assert_true(strlen(p[0].path) > 40 * 200);
		assert_int_equal(strncmp(p[0].path, "/a/b/c/nnn", 10), 0);
		lf_path_put(&F, p, 1);
	}
	/* unknown node */
	memset(p, 0, sizeof(p));
	p[0].nodeid = 999999;
	assert_int_equal(lf_path_get(&F, p, 1), -ENOENT);
	fuse_teardown();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rename_loops),
		cmocka_unit_test(test_writer_waits_for_reader),
		cmocka_unit_test(test_concurrent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
