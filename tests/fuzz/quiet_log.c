// SPDX-License-Identifier: MIT
/*
 * user/log.c for the fuzz targets: a damaged input is logged on every run,
 * which would fill the fuzzer's log and slow it down. The message is still
 * formatted, so a bad argument to a log call is still caught.
 */
#include <errno.h>
#include <stdio.h>

#include "log.h"

#define QUIET_LOG_LINE 512

void xlb_log_set_level(enum xlb_log_level level)
{
	(void)level; /* nothing is printed at any level */
}

void xlb_log(enum xlb_log_level level, const char *fmt, ...)
{
	static char line[QUIET_LOG_LINE];
	int saved = errno; /* callers read errno after logging */
	va_list ap;

	(void)level;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	errno = saved;
}
