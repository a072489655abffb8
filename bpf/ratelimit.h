/* SPDX-License-Identifier: MIT */
/*
 * Per-source rate limits: packets, then new flows, per source prefix, with
 * the VIP's own setting or else the global one (include/xlb/abi.h).
 *
 * Algorithm: GCRA, the generic cell rate algorithm, i.e. a token bucket
 * (burst tokens, refilled at rate per second) kept as one 64-bit theoretical
 * arrival time (TAT) instead of a token count and a refill time. One word
 * means one compare-and-swap decides a packet atomically, without a lock, on
 * any number of CPUs; a token count plus a timestamp would need a lock or
 * tolerate lost updates, and a sliding window admits up to twice the rate
 * around a window edge or needs several counters. A source that is over its
 * limit is refused on a plain read, so CPUs dropping a flood do not write
 * (and bounce) the shared cache line.
 */
#ifndef XLB_BPF_RATELIMIT_H
#define XLB_BPF_RATELIMIT_H

#include <linux/errno.h>
#include <xlb/timeunit.h>
#include "maps.h"
#include "stats.h"

/* Compare-and-swap attempts before a packet is refused: each failure means
 * another CPU took a token from the same source in between, so running out
 * happens only to a source that floods from several CPUs at once. */
#define XLB_RL_CAS_TRIES 4

/* A full bucket: the state a source starts with (read-only data, so the
 * insert needs no stack copy). */
static const struct xlb_rl_state xlb_rl_fresh;

/*
 * Takes one token from the bucket whose TAT is *tat, shared between CPUs:
 * 0 if the packet conforms, -1 if it is over the limit. Conforms when the
 * TAT after it, max(TAT, now) + interval, is at most tolerance ahead of now:
 * a burst of `burst` packets from an idle source, then one per interval.
 */
static __always_inline int xlb_gcra_take(__u64 *tat, __u64 now, const struct xlb_rl_limit *l)
{
	__u64 old = *(volatile __u64 *)tat, seen, next;
	int i;

	for (i = 0; i < XLB_RL_CAS_TRIES; i++) {
		next = (old > now ? old : now) + l->interval_ns;
		if (next - now > l->tolerance_ns)
			return -1;
		seen = __sync_val_compare_and_swap(tat, old, next);
		if (seen == old)
			return 0;
		old = seen;
	}
	return -1;
}

/* The same for a bucket only this CPU touches (no atomics needed). */
static __always_inline int xlb_gcra_take_local(__u64 *tat, __u64 now, const struct xlb_rl_limit *l)
{
	__u64 next = (*tat > now ? *tat : now) + l->interval_ns;

	if (next - now > l->tolerance_ns)
		return -1;
	*tat = next;
	return 0;
}

/* The setting that applies to a packet of vip_id: the VIP's own if it has
 * one, else the global one (NULL if neither); its scope goes to s. */
static __always_inline const struct xlb_rl_conf *xlb_rl_conf_of(struct xlb_guard_scratch *s,
								__u32 vip_id)
{
	__u32 zero = XLB_SCOPE_GLOBAL;
	const struct xlb_guard *g;

	if (vip_id != XLB_SCOPE_GLOBAL) {
		g = bpf_map_lookup_elem(&guard, &vip_id);
		if (g && (g->flags & XLB_GUARD_F_RATELIMIT)) {
			s->rl_scope = vip_id;
			return &g->rl;
		}
	}
	g = bpf_map_lookup_elem(&guard, &zero);
	if (!g || !(g->flags & XLB_GUARD_F_RATELIMIT))
		return NULL;
	s->rl_scope = XLB_SCOPE_GLOBAL;
	return &g->rl;
}

/* The rl_state key: the source masked to the setting's prefix length. */
static __always_inline void xlb_rl_key_build(struct xlb_guard_scratch *s,
					     const struct xlb_rl_conf *c)
{
	struct xlb_rl_key *k = &s->rl;

	if (s->family == XLB_AF_INET) {
		k->prefix.a[0] = s->src.a[0] & c->mask4;
		k->prefix.a[1] = 0;
		k->prefix.a[2] = 0;
		k->prefix.a[3] = 0;
		k->plen = c->plen4;
	} else {
		k->prefix.a[0] = s->src.a[0] & c->mask6.a[0];
		k->prefix.a[1] = s->src.a[1] & c->mask6.a[1];
		k->prefix.a[2] = s->src.a[2] & c->mask6.a[2];
		k->prefix.a[3] = s->src.a[3] & c->mask6.a[3];
		k->plen = c->plen6;
	}
	k->scope = s->rl_scope;
	k->family = s->family;
	k->pad = 0;
}

/* The source's buckets, created full on its first packet. NULL only if the
 * table refuses the entry: the source then goes unlimited (fail open). */
static __always_inline struct xlb_rl_state *xlb_rl_state_get(const struct xlb_rl_key *k)
{
	struct xlb_rl_state *st;
	int err;

	st = bpf_map_lookup_elem(&rl_state, k);
	if (st)
		return st;
	/* EEXIST: another CPU created it meanwhile; use theirs. */
	err = bpf_map_update_elem(&rl_state, k, &xlb_rl_fresh, BPF_NOEXIST);
	if (err && err != -EEXIST)
		return NULL;
	return bpf_map_lookup_elem(&rl_state, k);
}

/* A refused packet, for `xlbctl ratelimit top`. last_drop_ns is a plain
 * store: racing CPUs write nearly the same time. */
static __always_inline void xlb_rl_note_drop(struct xlb_rl_state *st, __u64 *drops, __u64 now)
{
	__sync_fetch_and_add(drops, 1);
	st->last_drop_ns = now;
}

/* Stage: the packet limit of the source. Also leaves in s which setting
 * applies and the source's key, for the new-flow limit after the flow-table
 * lookup, and returns XLB_NEXT_LIMIT_FLOWS if that limit is set. */
static __always_inline int xlb_ratelimit(struct xlb_guard_scratch *s, __u32 vip_id)
{
	const struct xlb_rl_conf *c;
	struct xlb_rl_state *st;
	__u64 now;
	int next;

	s->rl_on = 0;
	c = xlb_rl_conf_of(s, vip_id);
	if (!c)
		return XLB_NEXT;
	xlb_rl_key_build(s, c);
	s->rl_on = 1;
	next = c->flows.interval_ns ? XLB_NEXT_LIMIT_FLOWS : XLB_NEXT;
	if (!c->pps.interval_ns)
		return next;
	st = xlb_rl_state_get(&s->rl);
	if (!st)
		return next;
	now = bpf_ktime_get_ns();
	if (!xlb_gcra_take(&st->pps_tat, now, &c->pps))
		return next;
	xlb_rl_note_drop(st, &st->pps_drops, now);
	return XLB_STAT_DROP_RATELIMIT_PPS;
}

/* The new-flow limit of the setting xlb_ratelimit chose, or NULL. */
static __always_inline const struct xlb_rl_limit *xlb_rl_flows_limit(struct xlb_guard_scratch *s)
{
	const struct xlb_guard *g;

	if (!s->rl_on)
		return NULL;
	g = bpf_map_lookup_elem(&guard, &s->rl_scope);
	if (!g || !g->rl.flows.interval_ns)
		return NULL;
	return &g->rl.flows;
}

/* Stage, after the flow-table lookup, for a packet that opens a flow: the
 * new-flow limit l of the source whose key xlb_ratelimit left in s. */
static __always_inline int xlb_ratelimit_flows(struct xlb_guard_scratch *s,
					       const struct xlb_rl_limit *l)
{
	struct xlb_rl_state *st;
	__u64 now;

	st = xlb_rl_state_get(&s->rl);
	if (!st)
		return XLB_NEXT;
	now = bpf_ktime_get_ns();
	if (!xlb_gcra_take(&st->flows_tat, now, l))
		return XLB_NEXT;
	xlb_rl_note_drop(st, &st->flow_drops, now);
	return XLB_STAT_DROP_RATELIMIT_FLOWS;
}

/* One flow-table insert from this CPU's budget: 0 if granted (or no budget
 * is set), -1 if the budget of this second is spent. */
static __always_inline int xlb_flow_budget_take(void)
{
	__u32 zero = XLB_SCOPE_GLOBAL;
	const struct xlb_guard *g;
	struct xlb_budget_state *b;

	g = bpf_map_lookup_elem(&guard, &zero);
	if (!g || !g->flow_budget.interval_ns)
		return 0;
	b = bpf_map_lookup_elem(&flow_budget, &zero);
	if (!b)
		return 0;
	return xlb_gcra_take_local(&b->tat, bpf_ktime_get_ns(), &g->flow_budget);
}

/* The rate of ICMP errors the program sends, on each CPU. */
static const struct xlb_rl_limit xlb_error_limit = {
	.rate = XLB_ICMP_ERR_RATE,
	.burst = XLB_ICMP_ERR_BURST,
	.interval_ns = XLB_NSEC_PER_SEC / XLB_ICMP_ERR_RATE,
	.tolerance_ns = XLB_ICMP_ERR_BURST * (XLB_NSEC_PER_SEC / XLB_ICMP_ERR_RATE),
};

/* One ICMP error from this CPU's budget: 0 if granted, -1 if spent. */
static __always_inline int xlb_error_budget_take(void)
{
	struct xlb_budget_state *b;
	__u32 zero = 0;

	b = bpf_map_lookup_elem(&error_budget, &zero);
	if (!b)
		return -1;
	return xlb_gcra_take_local(&b->tat, bpf_ktime_get_ns(), &xlb_error_limit);
}

#endif /* XLB_BPF_RATELIMIT_H */
