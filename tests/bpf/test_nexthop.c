// SPDX-License-Identifier: MIT
/*
 * The backends' next hops as xlbd prepares them (user/dataplane.c) in the
 * real kernel: a managed neighbour per next hop, and housekeeping's round
 * spread over its ticks, a share of the backends at a time, wrapping, that
 * drops vlan_ifs entries no route uses once a round has met every backend.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <criterion/criterion.h>

#include <bpf/bpf.h>

#include "dataplane.h"
#include "harness.h"
#include "state.h"
#include "xlb.skel.h"

#define NR_VIPS	     3 /* the middle one without backends */
#define BE_PER_VIP   3
#define NR_BE	     ((NR_VIPS - 1) * BE_PER_VIP)
#define STALE_VLAN   9999 /* an ifindex no route leaves by */
#define SHARE	     4
#define BE_BASE	     100 /* on H_IF_A's link: 198.18.1.100 and on */
#define VIP_BASE     "198.18.100."
#define VIP_PORT     80
#define CMD_MAX	     160
#define LINE_MAX_LEN 256

TestSuite(nexthop, .init = h_setup, .fini = h_teardown);

static void backend_addr(unsigned int i, char *buf, size_t len)
{
	snprintf(buf, len, "198.18.1.%u", BE_BASE + i);
}

/* NR_VIPS VIPs of BE_PER_VIP on-link backends each but the middle one,
 * which has none: every backend is its own next hop, so its managed entry
 * shows it was visited. */
static void model(struct xlb_state *s)
{
	struct state_backend_spec b = {.family = XLB_AF_INET, .weight = 1};
	struct xlb_vip_key k = {.family = XLB_AF_INET, .proto = IPPROTO_TCP};
	struct xlb_errmsg e = {};
	char a[INET_ADDRSTRLEN];
	unsigned int v, i, be = 0;

	cr_assert_eq(state__init(s), 0);
	k.port = htons(VIP_PORT);
	for (v = 0; v < NR_VIPS; v++) {
		snprintf(a, sizeof(a), VIP_BASE "%u", v + 1);
		cr_assert_eq(inet_pton(AF_INET, a, &k.addr.a[0]), 1);
		cr_assert_eq(state__vip_add(s, &k, XLB_MODE_IPIP, 0, &e), 0, "%s", e.text);
		for (i = 0; v != NR_VIPS / 2 && i < BE_PER_VIP; i++) {
			backend_addr(be++, a, sizeof(a));
			cr_assert_eq(inet_pton(AF_INET, a, &b.addr.a[0]), 1);
			cr_assert_eq(state__backend_add(s, &k, &b, &e), 0, "%s", e.text);
		}
	}
}

static bool managed(unsigned int i)
{
	char a[INET_ADDRSTRLEN], cmd[CMD_MAX], line[LINE_MAX_LEN] = "";
	FILE *f;

	backend_addr(i, a, sizeof(a));
	snprintf(cmd, sizeof(cmd), "ip neigh show to %s dev " H_IF_A, a);
	f = popen(cmd, "r");
	cr_assert_not_null(f);
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	cr_assert_eq(pclose(f), 0, "%s", cmd);
	return strstr(line, " managed") != NULL;
}

/* Backends [from, to) have their entry, the others none. */
static void expect_managed(const char *when, unsigned int from, unsigned int to)
{
	unsigned int i;

	for (i = 0; i < NR_BE; i++)
		cr_assert_eq(managed(i), i >= from && i < to, "%s: backend %u %s", when, i,
			     managed(i) ? "visited" : "not visited");
}

static void forget_all(void)
{
	char a[INET_ADDRSTRLEN], cmd[CMD_MAX];
	unsigned int i;

	for (i = 0; i < NR_BE; i++) {
		backend_addr(i, a, sizeof(a));
		snprintf(cmd, sizeof(cmd), "ip neigh del %s dev " H_IF_A, a);
		cr_assert_eq(system(cmd), 0, "%s", cmd);
	}
	expect_managed("forgotten", 0, 0);
}

static void stale_vlan_if(void)
{
	struct xlb_vlan_if v = {.lower_ifindex = STALE_VLAN + 1, .vlan_id = 1};

	cr_assert_eq(xlb_vlan_if__set(&h_lab.m, STALE_VLAN, &v), 0);
}

static bool vlan_if_present(void)
{
	struct xlb_vlan_if v;
	__u32 key = STALE_VLAN;

	return bpf_map_lookup_elem(bpf_map__fd(h_lab.skel->maps.vlan_ifs), &key, &v) == 0;
}

Test(nexthop, a_round_in_shares_visits_each_backend_once_and_wraps)
{
	struct dataplane_nexthop_round r = {};
	unsigned int failed = 1;
	struct xlb_state s;

	model(&s);
	stale_vlan_if();
	cr_assert_eq(dataplane__ensure_nexthops_some(&h_lab.m, &s, &r, SHARE, &failed), 0);
	cr_assert_eq(failed, 0);
	cr_assert_eq(r.cursor, SHARE);
	expect_managed("first share", 0, SHARE);
	cr_assert(vlan_if_present(), "pruned before the round's end");
	cr_assert_eq(dataplane__ensure_nexthops_some(&h_lab.m, &s, &r, SHARE, &failed), 0);
	cr_assert_eq(r.cursor, 2 * SHARE - NR_BE, "cursor %zu after wrapping", r.cursor);
	expect_managed("second share", 0, NR_BE);
	cr_assert_not(vlan_if_present(), "a VLAN device no route met kept its entry");
	/* a cursor past the end (backends removed since) starts again */
	forget_all();
	r.cursor = NR_BE + 1;
	cr_assert_eq(dataplane__ensure_nexthops_some(&h_lab.m, &s, &r, NR_BE * 2, &failed), 0);
	cr_assert_eq(r.cursor, 0, "a share larger than all of them is one round");
	expect_managed("one round from the start", 0, NR_BE);
	state__fini(&s);
}

/* The backends' link loses its address, and with it their route. */
static void sh_route_gone(void)
{
	cr_assert_eq(system("ip addr del 198.18.1.1/24 dev " H_IF_A), 0);
}

/* A round that could not look every backend up, or during which backends
 * came, may not have met a device in use: it prunes nothing. */
Test(nexthop, an_incomplete_round_prunes_nothing)
{
	struct dataplane_nexthop_round r = {};
	struct xlb_state s;
	unsigned int failed;

	model(&s);
	stale_vlan_if();
	r.changed = true;
	cr_assert_eq(dataplane__ensure_nexthops_some(&h_lab.m, &s, &r, NR_BE, &failed), 0);
	cr_assert(vlan_if_present(), "pruned after a round the backends changed in");
	cr_assert_not(r.changed, "the next round starts clean");
	cr_assert_eq(dataplane__ensure_nexthops_some(&h_lab.m, &s, &r, NR_BE, &failed), 0);
	cr_assert_not(vlan_if_present(), "a complete round did not prune");

	stale_vlan_if();
	sh_route_gone();
	cr_assert_eq(dataplane__ensure_nexthops_some(&h_lab.m, &s, &r, NR_BE, &failed), 0);
	cr_assert_eq(failed, NR_BE, "%u failed", failed);
	cr_assert(vlan_if_present(), "pruned after a round with failures");
	state__fini(&s);
}
