/* SPDX-License-Identifier: MIT */
/*
 * `xlbctl top`: the live view of VIPs, backends, rates and drops, refreshed
 * every interval in a curses screen (plain terminals, no colours, no
 * mouse), or `count N` refreshes printed as text for scripts and pipes.
 */
#ifndef XLB_CLI_TOP_H
#define XLB_CLI_TOP_H

#include "cli.h"
#include "ctl_client.h"

/* Runs top for cmd (XLB_CLI_TOP) on a connected client until `q`, SIGINT,
 * SIGTERM or SIGHUP (0), or count refreshes, or an error (-errno, e->msg
 * set); the terminal is restored in every case. Without count, stdin and
 * stdout must be a terminal (-ENOTTY). */
int xlb_cli_top__run(struct xlb_ctl_client *c, const struct xlb_cli_cmd *cmd,
		     struct xlb_ctl_err *e);

#endif /* XLB_CLI_TOP_H */
