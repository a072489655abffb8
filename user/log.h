/* SPDX-License-Identifier: MIT */
/* One log line per failure, at the place it happens. */
#ifndef XLB_LOG_H
#define XLB_LOG_H

#include <stdarg.h>

enum xlb_log_level {
	XLB_LOG_WARN = 0,
	XLB_LOG_INFO = 1,
	XLB_LOG_DEBUG = 2,
};

void xlb_log_set_level(enum xlb_log_level level);
void xlb_log(enum xlb_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define pr_warn(...)  xlb_log(XLB_LOG_WARN, __VA_ARGS__)
#define pr_info(...)  xlb_log(XLB_LOG_INFO, __VA_ARGS__)
#define pr_debug(...) xlb_log(XLB_LOG_DEBUG, __VA_ARGS__)

#endif /* XLB_LOG_H */
