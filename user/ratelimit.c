// SPDX-License-Identifier: MIT
/*
 * Per-source rate limits from user space. A setting lives in guard[scope];
 * the program reads only the derived nanosecond fields of each limit, so
 * this file is the one place that turns rates and bursts into them.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>

#include "log.h"
#include "prefix.h"
#include "ratelimit.h"
#include <xlb/timeunit.h>

#define TOP_BATCH 1024 /* rl_state entries read per syscall */
#define TOP_MIN	  64

void xlb_ratelimit__init(struct xlb_ratelimit *rl)
{
	memset(rl, 0, sizeof(*rl));
	rl->plen4 = XLB_RL_PLEN4_DEFAULT;
	rl->plen6 = XLB_RL_PLEN6_DEFAULT;
}

/* GCRA parameters of rate per second with burst: one token every
 * interval, and at most burst of them banked. */
static int limit__make(__u32 rate, __u32 burst, struct xlb_rl_limit *l)
{
	memset(l, 0, sizeof(*l));
	if (!rate)
		return burst ? -EINVAL : 0;
	if (rate > XLB_RL_RATE_MAX || !burst)
		return -EINVAL;
	l->rate = rate;
	l->burst = burst;
	l->interval_ns = (XLB_NSEC_PER_SEC + rate / 2) / rate;
	l->tolerance_ns = (__u64)burst * l->interval_ns;
	return 0;
}

static int conf__make(const struct xlb_ratelimit *rl, struct xlb_rl_conf *c)
{
	struct xlb_addr mask;
	int err;

	memset(c, 0, sizeof(*c));
	err = limit__make(rl->pps, rl->pps_burst, &c->pps);
	if (!err)
		err = limit__make(rl->flows, rl->flows_burst, &c->flows);
	if (!err)
		err = xlb_prefix__mask(XLB_AF_INET, rl->plen4, &mask);
	if (err)
		return err;
	c->mask4 = mask.a[0];
	c->plen4 = rl->plen4;
	err = xlb_prefix__mask(XLB_AF_INET6, rl->plen6, &mask);
	if (err)
		return err;
	memcpy(&c->mask6, &mask, sizeof(c->mask6));
	c->plen6 = rl->plen6;
	return 0;
}

int xlb_ratelimit__check(const struct xlb_ratelimit *rl)
{
	struct xlb_rl_conf c;

	return conf__make(rl, &c);
}

int xlb_ratelimit__set(const struct xlb_maps *m, __u32 scope, const struct xlb_ratelimit *rl)
{
	struct xlb_guard g;
	struct xlb_rl_conf c;
	int err;

	err = conf__make(rl, &c);
	if (err)
		return err;
	err = xlb_guard__read(m, scope, &g);
	if (err)
		return err;
	g.rl = c;
	g.flags |= XLB_GUARD_F_RATELIMIT;
	return xlb_guard__update(m, scope, &g);
}

int xlb_ratelimit__get(const struct xlb_maps *m, __u32 scope, struct xlb_ratelimit *rl)
{
	struct xlb_guard g;
	int err;

	err = xlb_guard__read(m, scope, &g);
	if (err)
		return err;
	if (!(g.flags & XLB_GUARD_F_RATELIMIT))
		return -ENOENT;
	rl->pps = g.rl.pps.rate;
	rl->pps_burst = g.rl.pps.burst;
	rl->flows = g.rl.flows.rate;
	rl->flows_burst = g.rl.flows.burst;
	rl->plen4 = g.rl.plen4;
	rl->plen6 = g.rl.plen6;
	return 0;
}

int xlb_ratelimit__del(const struct xlb_maps *m, __u32 scope)
{
	struct xlb_guard g;
	int err;

	err = xlb_guard__read(m, scope, &g);
	if (err)
		return err;
	if (!(g.flags & XLB_GUARD_F_RATELIMIT))
		return -ENOENT;
	g.flags &= ~XLB_GUARD_F_RATELIMIT;
	memset(&g.rl, 0, sizeof(g.rl));
	return xlb_guard__update(m, scope, &g);
}

int xlb_flow_budget__set(const struct xlb_maps *m, __u32 per_sec)
{
	struct xlb_guard g;
	int err;

	err = xlb_guard__read(m, XLB_SCOPE_GLOBAL, &g);
	if (err)
		return err;
	err = limit__make(per_sec, per_sec, &g.flow_budget);
	if (err)
		return err;
	return xlb_guard__write(m, XLB_SCOPE_GLOBAL, &g);
}

int xlb_flow_budget__get(const struct xlb_maps *m, __u32 *per_sec)
{
	struct xlb_guard g;
	int err;

	err = xlb_guard__read(m, XLB_SCOPE_GLOBAL, &g);
	if (err)
		return err;
	*per_sec = g.flow_budget.rate;
	return 0;
}

/* Offenders collected from the state table. */
struct offender_list {
	struct xlb_rl_offender *o;
	size_t n;
	size_t cap;
};

static int offender_list__push(struct offender_list *l, const struct xlb_rl_key *k,
			       const struct xlb_rl_state *st)
{
	struct xlb_rl_offender *grown, *o;
	size_t cap;

	if (l->n == l->cap) {
		cap = l->cap ? l->cap * 2 : TOP_MIN;
		grown = realloc(l->o, cap * sizeof(*l->o));
		if (!grown)
			return -ENOMEM;
		l->o = grown;
		l->cap = cap;
	}
	o = &l->o[l->n++];
	memset(o, 0, sizeof(*o));
	o->prefix = k->prefix;
	o->scope = k->scope;
	o->family = k->family;
	o->plen = k->plen;
	o->pps_drops = st->pps_drops;
	o->flow_drops = st->flow_drops;
	o->last_drop_ns = st->last_drop_ns;
	return 0;
}

/* Most recent drop first. */
static int offender__cmp(const void *a, const void *b)
{
	const struct xlb_rl_offender *x = a, *y = b;

	if (x->last_drop_ns != y->last_drop_ns)
		return x->last_drop_ns > y->last_drop_ns ? -1 : 1;
	return 0;
}

/* Every source with drops, read TOP_BATCH entries at a time. */
static int offenders__collect(const struct xlb_maps *m, struct offender_list *l)
{
	struct xlb_rl_key *keys = calloc(TOP_BATCH, sizeof(*keys));
	struct xlb_rl_state *vals = calloc(TOP_BATCH, sizeof(*vals));
	__u32 in_tok = 0, out_tok = 0, count, i;
	bool first = true, done = false;
	int err = 0;

	if (!keys || !vals) {
		err = -ENOMEM;
		goto cleanup;
	}
	while (!done) {
		count = TOP_BATCH;
		if (bpf_map_lookup_batch(m->rl_state, first ? NULL : &in_tok, &out_tok, keys, vals,
					 &count, NULL)) {
			if (errno != ENOENT) {
				err = -errno;
				pr_warn("read rate-limit state: %s\n", strerror(-err));
				goto cleanup;
			}
			done = true; /* ENOENT: the last batch, possibly empty */
		}
		for (i = 0; i < count && !err; i++)
			if (vals[i].pps_drops || vals[i].flow_drops)
				err = offender_list__push(l, &keys[i], &vals[i]);
		if (err)
			goto cleanup;
		in_tok = out_tok;
		first = false;
	}
cleanup:
	free(keys);
	free(vals);
	return err;
}

int xlb_ratelimit__top(const struct xlb_maps *m, struct xlb_rl_offender *out, size_t n)
{
	struct offender_list l = {0};
	struct timespec ts;
	__u64 now;
	size_t i;
	int err;

	if (clock_gettime(CLOCK_MONOTONIC, &ts))
		return -errno;
	now = (__u64)ts.tv_sec * XLB_NSEC_PER_SEC + (__u64)ts.tv_nsec;
	err = offenders__collect(m, &l);
	if (err)
		goto cleanup;
	if (l.n)
		qsort(l.o, l.n, sizeof(*l.o), offender__cmp);
	if (n > l.n)
		n = l.n;
	for (i = 0; i < n; i++) {
		out[i] = l.o[i];
		out[i].ago_ns = now > l.o[i].last_drop_ns ? now - l.o[i].last_drop_ns : 0;
	}
	err = (int)n;
cleanup:
	free(l.o);
	return err;
}
