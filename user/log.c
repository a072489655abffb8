// SPDX-License-Identifier: MIT
/* Logging to stderr, prefixed with the program's name. */
#include <errno.h>
#include <stdio.h>

#include "log.h"

static enum xlb_log_level log_level = XLB_LOG_INFO;

void xlb_log_set_level(enum xlb_log_level level)
{
	log_level = level;
}

void xlb_log(enum xlb_log_level level, const char *fmt, ...)
{
	va_list ap;
	int saved = errno; /* callers read errno after logging */

	if (level > log_level)
		return;
	fprintf(stderr, "%s: ", program_invocation_short_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	errno = saved;
}
