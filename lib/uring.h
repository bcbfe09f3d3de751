// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * FUSE-over-io_uring as the rest of the library sees it: probe, start and
 * stop the ring threads of a session (transport_uring.c). Built without
 * liburing, every entry point is a stub returning -EOPNOTSUPP, so callers
 * carry no #ifdef.
 */
#ifndef LF_URING_H
#define LF_URING_H

#include <errno.h>

#include "fuse_i.h"

/* Ring entries per kernel queue when nothing else is asked for (libfuse's
 * default), and the most we accept: every entry pins max_write bytes of
 * address space. */
#define LF_URING_DEF_DEPTH	8u
#define LF_URING_MAX_DEPTH	1024u
/* Ring threads by default: up to this many per kernel queue, about this
 * many in all (never fewer than one per queue). One per queue, pinned to
 * its CPU, keeps the round trip short: with 4 per queue a single client's
 * stat rate fell to 0.4-0.6x (bench/roundtrip.sh); FUSE_URING_THREADS
 * asks for more when deep sequential I/O matters more (doc/io_uring.md). */
#define LF_URING_PER_QUEUE	1u
#define LF_URING_THREADS	32u

/* The pieces of a request as the kernel lays them out in a ring entry. */
struct lf_uring_req {
	const struct fuse_in_header *in;	/* header->in_out */
	const void *op_in;			/* header->op_in */
	char *payload;				/* the entry's payload buffer */
	uint32_t payload_sz;			/* ring_ent_in_out.payload_sz */
	size_t headroom;			/* bytes free in front of payload */
};

#ifdef HAVE_URING
/* Whether this process can create the rings the transport needs (an
 * SQE128 ring): 0 or -errno. Cheap; called once per INIT. */
int lf_uring_probe(void);
/* Start the ring threads after the INIT reply went out (the kernel refuses
 * ring registration before). On failure the kernel is made to fall back to
 * /dev/fuse and -errno is returned; the session keeps working. */
int lf_uring_start(struct fuse_session *se);
/* Stop and join the ring threads; idempotent. Entries still held by
 * requests in the filesystem are freed by their last reply. */
void lf_uring_stop(struct fuse_session *se);
#else
static inline int lf_uring_probe(void)
{
	return -EOPNOTSUPP;
}

static inline int lf_uring_start(struct fuse_session *se)
{
	(void)se;
	return -EOPNOTSUPP;
}

static inline void lf_uring_stop(struct fuse_session *se)
{
	(void)se;
}
#endif

/*
 * The one line that says which transport INIT chose: libfuse's
 * FUSE_INIT_STATUS=1 line, also under -d, and whenever the user asked for
 * io_uring and does not get it. off_reason is a stable word
 * (not_offered, disabled, single_threaded, ...), NULL when on.
 */
static inline void lf_uring_report(struct fuse_session *se,
				   const char *off_reason)
{
	if (se->init_status || se->debug ||
	    (off_reason && se->uring_enable > 0))
		fuse_log(FUSE_LOG_INFO, "FUSE_INIT: io_uring=%s%s\n",
			 off_reason ? "off:" : "on",
			 off_reason ? off_reason : "");
}

/*
 * Lay a ring request out as /dev/fuse would deliver it (in-header, opcode
 * header, payload, contiguously) by copying the two headers into the
 * headroom in front of the payload; the payload itself is not moved.
 * Returns the request length and stores its start in *ret_start, or
 * -EPROTO for an entry whose sizes do not add up.
 */
int lf_uring_assemble(const struct lf_uring_req *r, size_t payload_cap,
		      char **ret_start);
/*
 * Encode a reply (iov[0] the complete out-header, then the data) into a
 * ring entry: out-header into header->in_out, data into the payload buffer
 * (not copied when it already is there). Returns the payload size, or
 * -EOVERFLOW when the data does not fit (then nothing is written).
 */
int lf_uring_encode(void *hdr_in_out, char *payload, size_t payload_cap,
		    const struct iovec *iov, int count);

/*
 * How many of a queue's depth entries ring thread `ring` registers on
 * queue qid. With no more threads than queues, thread i serves every
 * queue q with q mod nr_rings = i, all depth entries; with more, each
 * queue is served by the threads i with i mod nr_qids = qid, which split
 * its entries (nr_rings <= nr_qids * depth keeps every share >= 1).
 */
unsigned int lf_uring_share(unsigned int nr_qids, unsigned int nr_rings,
			    unsigned int depth, unsigned int ring,
			    unsigned int qid);

#endif
