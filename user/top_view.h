/* SPDX-License-Identifier: MIT */
/*
 * What `xlbctl top` shows, without a terminal: one refresh's data read from
 * xlbd (the VIP, backend, stats and config replies `vip show` and `stats`
 * print), and the screen as lines of text, with rates computed from the
 * counters' change since the previous refresh (monotonic clock). The live
 * view (cli_top.c) paints these lines; `top count N` prints them.
 */
#ifndef XLB_TOP_VIEW_H
#define XLB_TOP_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "cli_show.h"
#include "ctl_client.h"

#define XLB_TOP_LINE_MAX 256 /* characters of one line, NUL included */

/* One refresh: the daemon's replies, sorted, and when they were read. */
struct xlb_top_snap {
	struct xlb_msg_vec vips;
	struct xlb_msg_vec backends;
	struct xlb_msg_vec stats;
	struct xlb_ctl_msg cfg;
	__u64 at_ns; /* CLOCK_MONOTONIC, after the last reply */
};

/* Reads a snapshot; filter, if it names a VIP, limits VIPs and backends to
 * it (the drop counters are the program's, for every VIP). Returns 0 or
 * -errno with e->msg set. */
int xlb_top_snap__fetch(struct xlb_ctl_client *c, const struct xlb_ctl_msg *filter,
			struct xlb_top_snap *s, struct xlb_ctl_err *e);
void xlb_top_snap__free(struct xlb_top_snap *s);

/* The screen: a few header lines that stay, then the VIP table's rows. */
struct xlb_top_lines {
	char (*text)[XLB_TOP_LINE_MAX];
	size_t n;
	size_t cap;
	size_t fixed; /* the first `fixed` lines are the header */
};

struct xlb_top_opts {
	__u64 interval_ns;
	bool drops; /* the drops-by-reason block */
	bool keys;  /* the live view: the header names its keys */
};

/* Renders cur, with rates against prev (NULL on the first refresh: counters
 * only, rates "-"), into out (its lines replaced). 0 or -ENOMEM. */
int xlb_top__render(const struct xlb_top_snap *prev, const struct xlb_top_snap *cur,
		    const struct xlb_top_opts *o, struct xlb_top_lines *out);
void xlb_top_lines__free(struct xlb_top_lines *l);

#endif /* XLB_TOP_VIEW_H */
