// SPDX-License-Identifier: MIT
/*
 * sd_notify through libsystemd: it knows the socket's forms (path, abstract,
 * vsock) and the credentials to pass; a lost notification only matters to
 * systemd, so callers log it and go on.
 */
#include <string.h>

#include <systemd/sd-daemon.h>

#include "log.h"
#include "notify.h"

/* Keeps $NOTIFY_SOCKET set: STOPPING is sent after READY. */
#define NOTIFY_KEEP_ENV 0

static int notify(const char *state)
{
	int err = sd_notify(NOTIFY_KEEP_ENV, state);

	if (err < 0) {
		pr_warn("sd_notify %s: %s\n", state, strerror(-err));
		return err;
	}
	return 0;
}

int notify__ready(void)
{
	return notify("READY=1");
}

int notify__stopping(void)
{
	return notify("STOPPING=1");
}
