// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The multi-threaded session loop: a pool of workers that each read a
 * request and dispatch it, growing up to max_threads when none is idle and
 * retiring idle ones above max_idle_threads; optional per-worker device
 * clones (clone_fd). Also the fuse_loop_cfg_* accessors.
 */
#include <errno.h>
#include <limits.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuse_i.h"
#include "transport.h"
#include "uring.h"

#define DEF_MAX_THREADS 10

struct worker {
	pthread_t tid;
	struct mt *mt;
	struct lf_chan *ch;
	struct fuse_buf buf;
	struct worker *next, *prev;
};

struct mt {
	struct fuse_session *se;
	const struct fuse_loop_config *cfg;
	pthread_mutex_t lock;
	struct worker head;
	int numworker;
	int numavail;
	int error;
};

int lf_loop_result(struct fuse_session *se, int res);

static void worker_link(struct mt *mt, struct worker *w)
{
	w->next = mt->head.next;
	w->prev = &mt->head;
	mt->head.next->prev = w;
	mt->head.next = w;
}

static void worker_unlink(struct worker *w)
{
	w->prev->next = w->next;
	w->next->prev = w->prev;
}

static void worker_free(struct worker *w)
{
	lf_buf_release(&w->buf);
	lf_chan_put(w->ch);
	free(w);
}

/* Called with mt->lock held after a request was taken. Returns true when
 * this worker should retire. */
static bool too_many_idle(struct mt *mt)
{
	unsigned int max_idle = mt->cfg->max_idle_threads;

	return max_idle != UINT_MAX && mt->numavail > (int)max_idle &&
	       mt->numworker > 1;
}

static int start_worker(struct mt *mt);

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct mt *mt = w->mt;
	struct fuse_session *se = mt->se;
	int res;

	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	while (!fuse_session_exited(se)) {
		pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
		res = se->tr->receive(se, w->ch, &w->buf);
		pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
		if (res == -EINTR || res == -EAGAIN)
			continue;
		if (res <= 0) {
			if (res < 0) {
				mt->error = res;
				fuse_session_exit(se);
			}
			break;
		}
		pthread_mutex_lock(&mt->lock);
		if (fuse_session_exited(se)) {
			pthread_mutex_unlock(&mt->lock);
			break;
		}
		mt->numavail--;
		if (mt->numavail == 0 &&
		    mt->numworker < (int)mt->cfg->max_threads)
			start_worker(mt);
		pthread_mutex_unlock(&mt->lock);

		lf_dispatch(se, &w->buf, w->ch);

		pthread_mutex_lock(&mt->lock);
		mt->numavail++;
		if (too_many_idle(mt) && !fuse_session_exited(se)) {
			worker_unlink(w);
			mt->numworker--;
			mt->numavail--;
			pthread_mutex_unlock(&mt->lock);
			pthread_detach(pthread_self());
			worker_free(w);
			return NULL;
		}
		pthread_mutex_unlock(&mt->lock);
	}
	/* wakes the waiting loop thread through exit_sem */
	fuse_session_exit(se);
	return NULL;
}

/* Called with mt->lock held. */
static int start_worker(struct mt *mt)
{
	struct fuse_session *se = mt->se;
	struct worker *w = calloc(1, sizeof(*w));
	sigset_t all, old;
	int err;

	if (!w) {
		fuse_log(FUSE_LOG_ERR, "fuse: failed to allocate worker structure\n");
		return -ENOMEM;
	}
	w->mt = mt;
	w->ch = NULL;
	if (mt->cfg->clone_fd) {
		err = lf_dev_clone(se, &w->ch);
		if (err < 0) {
			fuse_log(FUSE_LOG_ERR,
				 "fuse: failed to clone device fd: %s\nfuse: trying to continue without -o clone_fd.\n",
				 strerror(-err));
			w->ch = NULL;
		}
	}
	if (!w->ch)
		w->ch = lf_chan_get(se->ch);

	/* Termination signals go to the thread waiting in the loop, so that
	 * it wakes at once; other signals (e.g. intr_signal) stay open. */
	sigemptyset(&all);
	sigaddset(&all, SIGHUP);
	sigaddset(&all, SIGINT);
	sigaddset(&all, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = pthread_create(&w->tid, NULL, worker_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		fuse_log(FUSE_LOG_ERR, "fuse: error creating thread: %s\n",
			 strerror(err));
		worker_free(w);
		return -err;
	}
	pthread_setname_np(w->tid, "fuse_worker");
	worker_link(mt, w);
	mt->numworker++;
	mt->numavail++;
	return 0;
}

int lf_session_loop_mt(struct fuse_session *se,
		       const struct fuse_loop_config *cfg)
{
	struct fuse_loop_config def;
	struct mt mt;
	struct worker *w;
	int err;

	if (!se->ch) {
		fuse_log(FUSE_LOG_ERR, "fuse: session is not mounted\n");
		return -ENOTCONN;
	}
	if (!cfg) {
		lf_loop_cfg_init(&def);
		cfg = &def;
	}
	if (cfg->magic != LF_LOOP_CFG_MAGIC) {
		fuse_log(FUSE_LOG_ERR, "fuse: invalid loop configuration\n");
		return -EINVAL;
	}
	memset(&mt, 0, sizeof(mt));
	mt.se = se;
	mt.cfg = cfg;
	mt.head.next = mt.head.prev = &mt.head;
	pthread_mutex_init(&mt.lock, NULL);
	/* io_uring: INIT (ll_init) starts the rings by default only under
	 * this loop; a ring thread that ends the session posts loop_finish,
	 * which is the session's exit semaphore this loop waits on. */
	se->loop_mt = true;
	se->loop_finish = &se->exit_sem;

	pthread_mutex_lock(&mt.lock);
	err = start_worker(&mt);
	pthread_mutex_unlock(&mt.lock);
	if (!err) {
		/* Every fuse_session_exit posts exit_sem (also from a signal
		 * handler), and a worker that ends calls it: no wake-up can be
		 * lost between the check and the wait. */
		while (!fuse_session_exited(se))
			sem_wait(&se->exit_sem);

		pthread_mutex_lock(&mt.lock);
		for (w = mt.head.next; w != &mt.head; w = w->next)
			pthread_cancel(w->tid);
		pthread_mutex_unlock(&mt.lock);

		while (mt.head.next != &mt.head) {
			w = mt.head.next;
			worker_unlink(w);
			pthread_join(w->tid, NULL);
			worker_free(w);
		}
		err = mt.error;
	}
	lf_uring_stop(se);
	se->loop_finish = NULL;
	se->loop_mt = false;
	pthread_mutex_destroy(&mt.lock);
	err = lf_loop_result(se, err);
	fuse_session_reset(se);
	return err;
}

/* libfuse's defaults: ten threads, idle ones never retired, no clone_fd. */
void lf_loop_cfg_init(struct fuse_loop_config *c)
{
	memset(c, 0, sizeof(*c));
	c->magic = LF_LOOP_CFG_MAGIC;
	c->max_idle_threads = UINT_MAX;
	c->max_threads = DEF_MAX_THREADS;
}

FUSE_EXPORT struct fuse_loop_config *fuse_loop_cfg_create(void)
{
	struct fuse_loop_config *c = malloc(sizeof(*c));

	if (c)
		lf_loop_cfg_init(c);
	return c;
}

FUSE_EXPORT void fuse_loop_cfg_destroy(struct fuse_loop_config *config)
{
	free(config);
}

FUSE_EXPORT void fuse_loop_cfg_set_idle_threads(struct fuse_loop_config *config,
						unsigned int value)
{
	config->max_idle_threads = value;
}

FUSE_EXPORT void fuse_loop_cfg_set_max_threads(struct fuse_loop_config *config,
					       unsigned int value)
{
	/* zero threads would never serve a request */
	config->max_threads = value ? value : 1;
}

FUSE_EXPORT void fuse_loop_cfg_set_clone_fd(struct fuse_loop_config *config,
					    unsigned int value)
{
	config->clone_fd = value ? 1 : 0;
}

FUSE_EXPORT void fuse_loop_cfg_convert(struct fuse_loop_config *config,
				       struct fuse_loop_config_v1 *v1_conf)
{
	fuse_loop_cfg_set_idle_threads(config, v1_conf->max_idle_threads);
	fuse_loop_cfg_set_clone_fd(config, v1_conf->clone_fd);
}
