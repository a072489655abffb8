/* SPDX-License-Identifier: MIT */
/*
 * What xlbctl prints from the daemon's replies: the VIP table, backends,
 * stats, a flow's backend, the settings, and `save` (the running config as
 * a batch that recreates it). Each takes decoded messages, so it runs
 * without a daemon; output goes through cli_print.h.
 */
#ifndef XLB_CLI_SHOW_H
#define XLB_CLI_SHOW_H

#include <stddef.h>
#include "ctl_msg.h"

/* A growing array of decoded reply messages. */
struct xlb_msg_vec {
	struct xlb_ctl_msg *v;
	size_t n;
	size_t cap;
};

/* Appends a copy. Usable as an xlb_ctl_reply_fn. */
int xlb_msg_vec__push(const struct xlb_ctl_msg *m, void *vec);
void xlb_msg_vec__free(struct xlb_msg_vec *vec);
/* Sorts VIP or backend replies by VIP key, then backend address and port,
 * so every listing and `save` come out in one stable order. */
void xlb_msg_vec__sort(struct xlb_msg_vec *vec);

void xlb_show__vips(const struct xlb_msg_vec *vips, const struct xlb_msg_vec *backends);
void xlb_show__backends(const struct xlb_msg_vec *backends);
void xlb_show__stats(const struct xlb_msg_vec *stats, const struct xlb_msg_vec *vips,
		     const struct xlb_msg_vec *backends);
void xlb_show__flow(const struct xlb_ctl_msg *flow);
void xlb_show__config(const struct xlb_ctl_msg *cfg);
/* Text only: one xlbctl command per line, config first, then each VIP and
 * its backends. */
void xlb_show__save(FILE *out, const struct xlb_ctl_msg *cfg, const struct xlb_msg_vec *vips,
		    const struct xlb_msg_vec *backends);

/* The source checks (cli_show_guard.c). The vectors are sorted in place:
 * global first, then by VIP, then by prefix. */
void xlb_show__acl(struct xlb_msg_vec *acls);
void xlb_show__ratelimits(struct xlb_msg_vec *rls);
/* Offenders in the daemon's order: the most recently dropped first. */
void xlb_show__top(const struct xlb_msg_vec *top);
/* Text only, after xlb_show__save: the flow budget, then the rate limits
 * and ACL entries, global ones first (every VIP exists by then). */
void xlb_show__save_guard(FILE *out, const struct xlb_ctl_msg *cfg, struct xlb_msg_vec *rls,
			  struct xlb_msg_vec *acls);

#endif /* XLB_CLI_SHOW_H */
