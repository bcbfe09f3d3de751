// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Request order for lock answers: which of the kernel's requests (by
 * unique) the path layer has taken in, so that a lock conflict is only
 * reported once every RELEASE sent before the lock request has finished.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <string.h>
#include <time.h>

#include "hl.h"

/*
 * Why: the kernel sends RELEASE without waiting for it, so close(2)
 * returns before the filesystem has seen it, and the one RELEASE is all
 * the filesystem ever hears of a closed description's OFD and flock
 * locks. Another worker (or another io_uring queue) may then run the
 * caller's next lock request first and find the closed description's
 * lock still held. The kernel numbers requests in the order it queues
 * them, so a conflict is held back until every smaller unique is done:
 * ordinary requests count as done once they entered this layer, RELEASE
 * once the filesystem's release returned. A unique that never arrives
 * here (answered below this layer, or dropped by the kernel) is given up
 * after f->order_wait_ms (LF_ORDER_WAIT_MS).
 */
#define UNIQUE_STEP		2	/* odd uniques are INTERRUPTs */
#define WINDOW			(LF_ORDER_WORDS * 64)

/* Only filesystems that answer locks themselves pay for the tracking. */
static bool order_needed(struct fuse *f)
{
	return f->fs->op.lock || f->fs->op.flock;
}

static uint64_t *slot_word(struct fuse *f, uint64_t unique, uint64_t *ret_bit)
{
	uint64_t i = (unique / UNIQUE_STEP) % WINDOW;

	*ret_bit = 1ULL << (i % 64);
	return &f->order_done[i / 64];
}

/* Moves the floor over uniques already done. Called with order_lock. */
static void settle(struct fuse *f)
{
	uint64_t bit, *w;
	bool moved = false;

	for (;;) {
		w = slot_word(f, f->order_floor + UNIQUE_STEP, &bit);
		if (!(*w & bit))
			break;
		*w &= ~bit;
		f->order_floor += UNIQUE_STEP;
		moved = true;
	}
	if (moved)
		pthread_cond_broadcast(&f->order_cond);
}

/* Counts everything up to @unique as done, arrived or not. */
static void give_up_to(struct fuse *f, uint64_t unique)
{
	uint64_t bit, *w;

	if (unique - f->order_floor >= WINDOW * UNIQUE_STEP) {
		memset(f->order_done, 0, sizeof(f->order_done));
		f->order_floor = unique;
	}
	while (f->order_floor < unique) {
		w = slot_word(f, f->order_floor + UNIQUE_STEP, &bit);
		*w &= ~bit;
		f->order_floor += UNIQUE_STEP;
	}
	settle(f);
	pthread_cond_broadcast(&f->order_cond);
}

void lf_hl_order_done(struct fuse *f, fuse_req_t req)
{
	uint64_t unique = req->unique, bit, *w;

	if (!order_needed(f) || (unique % UNIQUE_STEP) || !unique)
		return;
	pthread_mutex_lock(&f->order_lock);
	/* The first request seen starts the count. */
	if (!f->order_started) {
		f->order_started = true;
		f->order_floor = unique - UNIQUE_STEP;
	}
	if (unique > f->order_floor) {
		if (unique - f->order_floor > WINDOW * UNIQUE_STEP)
			give_up_to(f, unique - WINDOW * UNIQUE_STEP);
		w = slot_word(f, unique, &bit);
		*w |= bit;
		settle(f);
	}
	pthread_mutex_unlock(&f->order_lock);
}

bool lf_hl_order_wait(struct fuse *f, fuse_req_t req)
{
	uint64_t unique = req->unique;
	struct timespec ts;
	bool waited = false;

	if (!order_needed(f))
		return false;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += f->order_wait_ms / 1000;
	ts.tv_nsec += (long)(f->order_wait_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&f->order_lock);
	while (f->order_started && f->order_floor < unique) {
		waited = true;
		if (pthread_cond_timedwait(&f->order_cond, &f->order_lock,
					   &ts) == ETIMEDOUT) {
			give_up_to(f, unique);
			break;
		}
	}
	pthread_mutex_unlock(&f->order_lock);
	return waited;
}
