// SPDX-License-Identifier: MIT
/* Error texts for requesters. */
#include <stdarg.h>
#include <stdio.h>

#include "errmsg.h"

int xlb_errmsg__set(struct xlb_errmsg *e, int err, const char *fmt, ...)
{
	va_list ap;

	if (!e || e->text[0])
		return err;
	va_start(ap, fmt);
	vsnprintf(e->text, sizeof(e->text), fmt, ap);
	va_end(ap);
	return err;
}

void xlb_errmsg__clear(struct xlb_errmsg *e)
{
	if (e)
		e->text[0] = '\0';
}
