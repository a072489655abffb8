// SPDX-License-Identifier: MIT
/*
 * The backends' next hops as xlbd prepares them (user/dataplane.c) in the
 * real kernel: a managed neighbour per next hop, and housekeeping's round
 * spread over its ticks, a share of the backends at a time, wrapping.
 */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <criterion/criterion.h>

#include "dataplane.h"
#include "harness.h"
#include "state.h"

#define NR_VIPS	     2
#define BE_PER_VIP   3
#define NR_BE	     (NR_VIPS * BE_PER_VIP)
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

/* NR_VIPS VIPs of BE_PER_VIP on-link backends each: every backend is its
 * own next hop, so its managed entry shows it was visited. */
static void model(struct xlb_state *s)
{
	struct state_backend_spec b = {.family = XLB_AF_INET, .weight = 1};
	struct xlb_vip_key k = {.family = XLB_AF_INET, .proto = IPPROTO_TCP};
	struct xlb_errmsg e = {};
	char a[INET_ADDRSTRLEN];
	unsigned int v, i;

	cr_assert_eq(state__init(s), 0);
	k.port = htons(VIP_PORT);
	for (v = 0; v < NR_VIPS; v++) {
		snprintf(a, sizeof(a), VIP_BASE "%u", v + 1);
		cr_assert_eq(inet_pton(AF_INET, a, &k.addr.a[0]), 1);
		cr_assert_eq(state__vip_add(s, &k, XLB_MODE_IPIP, 0, &e), 0, "%s", e.text);
		for (i = 0; i < BE_PER_VIP; i++) {
			backend_addr(v * BE_PER_VIP + i, a, sizeof(a));
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

Test(nexthop, a_round_in_shares_visits_each_backend_once_and_wraps)
{
	unsigned int failed = 1;
	struct xlb_state s;
	size_t cursor = 0;

	model(&s);
	cr_assert_eq(dataplane__ensure_nexthops_some(&h_lab.m, &s, &cursor, SHARE, &failed), 0);
	cr_assert_eq(failed, 0);
	cr_assert_eq(cursor, SHARE);
	expect_managed("first share", 0, SHARE);
	cr_assert_eq(dataplane__ensure_nexthops_some(&h_lab.m, &s, &cursor, SHARE, &failed), 0);
	cr_assert_eq(cursor, 2 * SHARE - NR_BE, "cursor %zu after wrapping", cursor);
	expect_managed("second share", 0, NR_BE);
	/* a cursor past the end (backends removed since) starts again */
	cursor = NR_BE + 1;
	cr_assert_eq(dataplane__ensure_nexthops_some(&h_lab.m, &s, &cursor, NR_BE * 2, &failed), 0);
	cr_assert_eq(cursor, 0, "a share larger than all of them is one round");
	state__fini(&s);
}
