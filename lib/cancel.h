// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Cancellable blocking read for the single-threaded loop (cancel.c): a
 * teardown signal arriving at any moment, even just before the read()
 * starts, makes it return -EINTR.
 */
#ifndef LF_CANCEL_H
#define LF_CANCEL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define LF_STR_(x) #x
#define LF_STR(x) LF_STR_(x)
#define LF_NEG_EINTR -4	/* -EINTR, as a literal for the assembler */

/* Whether this architecture has the stub (else the loop uses ppoll). */
bool lf_cancel_supported(void);

/* read(2) unless *flag is set; n or -errno, -EINTR once cut short. */
ssize_t lf_cancel_read(int fd, void *buf, size_t len, const atomic_int *flag);

/* From a signal handler: if the interrupted context (ucontext_t *) is in
 * the stub's window, send it to the -EINTR exit. */
bool lf_cancel_redirect(void *uctx);

/* The calling thread starts (on) or stops serving a cancellable loop. */
void lf_cancel_own(bool on);

/* From a teardown signal handler, after the exit flag is set. */
void lf_cancel_on_signal(int sig, void *uctx);

#endif
