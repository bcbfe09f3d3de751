// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Library-internal logging entry point. Code inside the library logs via
 * lf_log(), a hidden symbol, so its messages reach the installed sink
 * without a PLT hop and cannot be interposed by an application's fuse_log.
 */

#ifndef LF_LOG_H
#define LF_LOG_H

#include "fuse_log.h"

void lf_log(enum fuse_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* LF_LOG_H */
