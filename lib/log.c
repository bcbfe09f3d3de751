// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The process-wide log sink: fuse_set_log_func(), fuse_log(), the built-in
 * stderr/syslog sink and the library-internal lf_log().
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <syslog.h>

#include "fuse_log.h"
#include "log.h"

#ifndef FUSE_EXPORT
#define FUSE_EXPORT __attribute__((visibility("default")))
#endif

/*
 * to_syslog and log_func are read on every message from any thread while
 * the application may change them, so both are accessed atomically: a
 * message racing a change goes to the old or the new sink, never astray.
 */
static bool to_syslog;

static int syslog_priority(enum fuse_log_level level)
{
	/* Equal numbers on glibc, but spell it out rather than rely on it. */
	switch (level) {
	case FUSE_LOG_EMERG:
		return LOG_EMERG;
	case FUSE_LOG_ALERT:
		return LOG_ALERT;
	case FUSE_LOG_CRIT:
		return LOG_CRIT;
	case FUSE_LOG_ERR:
		return LOG_ERR;
	case FUSE_LOG_WARNING:
		return LOG_WARNING;
	case FUSE_LOG_NOTICE:
		return LOG_NOTICE;
	case FUSE_LOG_INFO:
		return LOG_INFO;
	case FUSE_LOG_DEBUG:
		return LOG_DEBUG;
	}
	/* An out-of-range level must not leak into syslog's facility bits. */
	return LOG_ERR;
}

static void default_log_func(enum fuse_log_level level, const char *fmt,
			     va_list ap)
{
	if (__atomic_load_n(&to_syslog, __ATOMIC_RELAXED))
		vsyslog(syslog_priority(level), fmt, ap);
	else
		vfprintf(stderr, fmt, ap);
}

static fuse_log_func_t log_func = default_log_func;

static void log_va(enum fuse_log_level level, const char *fmt, va_list ap)
{
	fuse_log_func_t func = __atomic_load_n(&log_func, __ATOMIC_ACQUIRE);

	/* A NULL format would crash every printf-like sink; drop it. */
	if (!fmt)
		return;
	func(level, fmt, ap);
}

FUSE_EXPORT void fuse_set_log_func(fuse_log_func_t func)
{
	__atomic_store_n(&log_func, func ? func : default_log_func,
			 __ATOMIC_RELEASE);
}

FUSE_EXPORT void fuse_log(enum fuse_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_va(level, fmt, ap);
	va_end(ap);
}

void lf_log(enum fuse_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_va(level, fmt, ap);
	va_end(ap);
}

FUSE_EXPORT void fuse_log_enable_syslog(const char *ident, int option,
					int facility)
{
	openlog(ident, option, facility);
	__atomic_store_n(&to_syslog, true, __ATOMIC_RELAXED);
}

/*
 * Like libfuse this only closes the connection: the built-in sink stays in
 * syslog mode and a later message makes syslog(3) reopen it.
 */
FUSE_EXPORT void fuse_log_close_syslog(void)
{
	closelog();
}
