/* SPDX-License-Identifier: MIT */
/*
 * Per-source rate limits from user space: the global setting and each
 * VIP's own (which wins), the per-CPU flow-insert budget, and the sources
 * dropped most recently (`xlbctl ratelimit top`). The program's side and
 * its algorithm are in bpf/ratelimit.h.
 */
#ifndef XLB_RATELIMIT_H
#define XLB_RATELIMIT_H

#include <stddef.h>
#include <xlb/abi.h>
#include "maps.h"

#define XLB_RL_PLEN4_DEFAULT 32		 /* each IPv4 address its own bucket */
#define XLB_RL_PLEN6_DEFAULT 64		 /* an IPv6 /64 shares one: walking it does not help */
#define XLB_RL_RATE_MAX	     1000000000u /* per second: the buckets count nanoseconds */

/* A rate-limit setting as the operator gives it. A rate of 0 leaves that
 * limit off; its burst must then be 0 too, and is at least 1 otherwise. */
struct xlb_ratelimit {
	__u32 pps;	   /* packets per second, per source prefix */
	__u32 pps_burst;   /* packets admitted at once from an idle source */
	__u32 flows;	   /* new flows per second, per source prefix */
	__u32 flows_burst; /* new flows admitted at once */
	__u8 plen4;	   /* sources are counted per /plen4 (IPv4) */
	__u8 plen6;	   /* and per /plen6 (IPv6) */
};

/* No limits, default prefix lengths. */
void xlb_ratelimit__init(struct xlb_ratelimit *rl);

/* 0 if rl is a valid setting, else -EINVAL; writes nothing, so a batch
 * can be checked whole first. */
int xlb_ratelimit__check(const struct xlb_ratelimit *rl);
/* Sets the setting of scope (XLB_SCOPE_GLOBAL or a VIP id); a VIP's setting
 * replaces the global one for that VIP, with buckets of its own, and one
 * with both rates 0 exempts the VIP. -EINVAL for a bad value. */
int xlb_ratelimit__set(const struct xlb_maps *m, __u32 scope, const struct xlb_ratelimit *rl);
/* The setting of scope; -ENOENT if it has none. */
int xlb_ratelimit__get(const struct xlb_maps *m, __u32 scope, struct xlb_ratelimit *rl);
/* Removes the setting of scope (a VIP falls back to the global one);
 * -ENOENT if it had none. */
int xlb_ratelimit__del(const struct xlb_maps *m, __u32 scope);

/* New flow-table inserts per second on each CPU, and as many at once; past
 * it new flows are forwarded but not stored. 0 = unlimited. */
int xlb_flow_budget__set(const struct xlb_maps *m, __u32 per_sec);
int xlb_flow_budget__get(const struct xlb_maps *m, __u32 *per_sec);

/* A source the limits dropped. */
struct xlb_rl_offender {
	struct xlb_addr prefix; /* the source, masked to plen */
	__u32 scope;		/* XLB_SCOPE_GLOBAL or the VIP whose setting applied */
	__u8 family;
	__u8 plen;
	__u64 pps_drops;    /* packets refused by the packet limit */
	__u64 flow_drops;   /* packets refused by the new-flow limit */
	__u64 last_drop_ns; /* CLOCK_MONOTONIC */
	__u64 ago_ns;	    /* since the last drop, when read */
};

/* Up to n sources with drops, the most recently dropped first (only those
 * still in the LRU state table). Returns how many were written, or -errno. */
int xlb_ratelimit__top(const struct xlb_maps *m, struct xlb_rl_offender *out, size_t n);

#endif /* XLB_RATELIMIT_H */
