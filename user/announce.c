// SPDX-License-Identifier: MIT
/*
 * VIP announcement: the routes of ready VIPs in the operator's table. Each
 * sync reads the table back (our protocol only) and applies the difference,
 * so it also repairs routes removed by hand and removes the leftovers of an
 * earlier run.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "announce.h"
#include "log.h"
#include "netaddr.h"

/* Our routes a dump may meet: one per VIP address, and room for as many
 * leftovers (a sync that meets more removes these and the next the rest). */
#define ANNOUNCE_DUMP_MAX (2 * XLB_MAX_VIP_ADDRS)

static int route_cmp(const void *pa, const void *pb)
{
	const struct rtnl_route *a = pa, *b = pb;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(&a->dst, &b->dst, sizeof(a->dst));
}

static bool route_in(const struct rtnl_route *r, const struct rtnl_route *set, size_t n)
{
	return n && bsearch(r, set, n, sizeof(*set), route_cmp);
}

static const char *route_str(const struct rtnl_route *r, char *buf, size_t len)
{
	if (xlb_addr__format(r->family, &r->dst, buf, len))
		snprintf(buf, len, "?");
	return buf;
}

int announce__init(struct xlb_announce *a, __u32 table)
{
	memset(a, 0, sizeof(*a));
	if (!table)
		return 0;
	a->have = calloc(XLB_MAX_VIP_ADDRS, sizeof(*a->have));
	a->buf = calloc(ANNOUNCE_DUMP_MAX + XLB_MAX_VIP_ADDRS, sizeof(*a->buf));
	if (!a->have || !a->buf) {
		announce__fini(a);
		pr_warn("announce: out of memory\n");
		return -ENOMEM;
	}
	a->cap = ANNOUNCE_DUMP_MAX;
	a->table = table;
	return 0;
}

void announce__fini(struct xlb_announce *a)
{
	free(a->have);
	free(a->buf);
	memset(a, 0, sizeof(*a));
}

int announce__check_table(unsigned long table, const char **why)
{
	*why = NULL;
	if (!table || table > UINT32_MAX)
		*why = "not a table number (1..4294967295)";
	else if (table == XLB_ANNOUNCE_TABLE_DEFAULT || table == XLB_ANNOUNCE_TABLE_MAIN ||
		 table == XLB_ANNOUNCE_TABLE_LOCAL)
		*why = "the default, main and local tables route traffic: give xlb a table of "
		       "its own";
	return *why ? -EINVAL : 0;
}

enum xlb_announce_state announce__vip_state(const struct xlb_announce *a, const struct state_vip *v,
					    bool attached)
{
	struct rtnl_route r = {.family = v->key.family, .dst = v->key.addr};

	if (!a->table)
		return XLB_ANNOUNCE_DISABLED;
	if (v->announce_off)
		return XLB_ANNOUNCE_WITHDRAWN;
	if (!attached || !state__vip_ready(v))
		return XLB_ANNOUNCE_NOT_READY;
	return route_in(&r, a->have, a->nr_have) ? XLB_ANNOUNCE_ANNOUNCED : XLB_ANNOUNCE_FAILED;
}

/* The addresses of the ready VIPs of s into want, sorted, each once: a
 * route is per address, wanted while any VIP of the address is ready. */
static size_t wanted(const struct xlb_state *s, bool attached, struct rtnl_route *want)
{
	size_t i, n = 0, out = 0;

	if (!attached)
		return 0;
	for (i = 0; i < s->nr_vips && n < XLB_MAX_VIP_ADDRS; i++) {
		const struct state_vip *v = &s->vips[i];

		if (!state__vip_ready(v))
			continue;
		memset(&want[n], 0, sizeof(want[n]));
		want[n].family = v->key.family;
		want[n].dst = v->key.addr;
		n++;
	}
	if (!n)
		return 0;
	qsort(want, n, sizeof(*want), route_cmp);
	for (i = 1; i < n; i++)
		if (route_cmp(&want[out], &want[i]))
			want[++out] = want[i];
	return out + 1;
}

int announce__sync(struct xlb_announce *a, const struct xlb_state *s, bool attached)
{
	struct rtnl_route *dump = a->buf, *want = a->buf + a->cap;
	char str[XLB_ADDRSTRLEN];
	size_t nd = 0, nw, nh = 0, i;
	int err, first;

	if (!a->table)
		return 0;
	/* -ENOSPC: act on what the dump held; the rest waits for the next. */
	first = rtnl__route_dump(a->table, XLB_RTPROT, dump, a->cap, &nd);
	if (first && first != -ENOSPC)
		return first;
	nw = wanted(s, attached, want);
	qsort(dump, nd, sizeof(*dump), route_cmp);
	for (i = 0; i < nd; i++) {
		if (route_in(&dump[i], want, nw)) {
			if (nh < XLB_MAX_VIP_ADDRS)
				a->have[nh++] = dump[i];
			continue;
		}
		err = rtnl__route_del(&dump[i], a->table, XLB_RTPROT);
		if (!err || err == -ESRCH)
			pr_info("announce: %s withdrawn (table %u)\n",
				route_str(&dump[i], str, sizeof(str)), a->table);
		else if (!first)
			first = err;
	}
	for (i = 0; i < nw; i++) {
		if (route_in(&want[i], dump, nd) || nh == XLB_MAX_VIP_ADDRS)
			continue;
		err = rtnl__route_add(&want[i], a->table, XLB_RTPROT);
		if (!err) {
			a->have[nh++] = want[i];
			pr_info("announce: %s announced (table %u)\n",
				route_str(&want[i], str, sizeof(str)), a->table);
		} else if (!first) {
			first = err;
		}
	}
	qsort(a->have, nh, sizeof(*a->have), route_cmp);
	a->nr_have = nh;
	return first;
}

int announce__withdraw_all(struct xlb_announce *a)
{
	struct xlb_state none = {0};

	return announce__sync(a, &none, false);
}
