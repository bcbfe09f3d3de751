/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Public logging interface: severity levels, the replaceable message sink
 * and the syslog switch. API-compatible with libfuse's fuse_log.h.
 */

#ifndef FUSE_LOG_H_
#define FUSE_LOG_H_

#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Severities, numbered like syslog's LOG_EMERG..LOG_DEBUG so a handler may
 * pass them straight to syslog().
 */
enum fuse_log_level {
	FUSE_LOG_EMERG,
	FUSE_LOG_ALERT,
	FUSE_LOG_CRIT,
	FUSE_LOG_ERR,
	FUSE_LOG_WARNING,
	FUSE_LOG_NOTICE,
	FUSE_LOG_INFO,
	FUSE_LOG_DEBUG
};

/*
 * A message sink. fmt is printf-style and already ends in a newline.
 * It can be called from any thread and before any session exists (for
 * example while parsing the command line), so it must be thread-safe.
 */
typedef void (*fuse_log_func_t)(enum fuse_log_level level,
				const char *fmt, va_list ap);

/*
 * Replace the process-wide sink used by every filesystem in this process.
 * NULL puts back the built-in one, which writes to stderr.
 */
void fuse_set_log_func(fuse_log_func_t func);

/* Send one printf-style message at the given severity to the sink. */
void fuse_log(enum fuse_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#ifndef FASTFUSE_ABI_314
/*
 * Make the built-in sink write to syslog instead of stderr; the arguments
 * go to openlog(3) unchanged. Has no effect on a custom sink.
 */
void fuse_log_enable_syslog(const char *ident, int option, int facility);

/* Close the syslog connection opened by fuse_log_enable_syslog(). */
void fuse_log_close_syslog(void);
#endif


#ifdef __cplusplus
}
#endif

#endif /* FUSE_LOG_H_ */
