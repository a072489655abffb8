// SPDX-License-Identifier: MIT
/*
 * xlbd's model of the source checks written into the real maps by
 * dataplane__sync (user/dataplane_guard.c): entries, counts and settings
 * as the model says, packets judged by them, a VIP's entries gone with it,
 * the reverse sync (a failed batch's undo) restoring them, and the restart
 * sync (from an unknown state) removing stale entries and repairing counts.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/bpf.h>
#include <criterion/criterion.h>

#include "acl.h"
#include "dataplane.h"
#include "harness.h"
#include "ratelimit.h"
#include "state.h"

#define PORT	      53
#define CLIENT_PORT   40000
#define DENY4	      "198.18.77.0" /* the global deny list */
#define DENY4_PLEN    24
#define DENIED4	      "198.18.77.5"
#define ALLOW4	      "198.18.50.0" /* the VIP's allow list: H_CLIENT4 is in it */
#define ALLOW4_PLEN   24
#define STALE4	      "198.18.99.0"
#define STALE_SCOPE   5
#define STALE_RL      7
#define RL_PPS	      100
#define BUDGET	      10
#define DRIFTED_COUNT 9

TestSuite(guard_sync, .init = h_setup, .fini = h_teardown);

static const long acl_drop[XLB_STAT__MAX] = {[XLB_STAT_DROP_ACL] = 1};
/* Past the ACL: the VIP has no backend (the model gives it none). */
static const long admitted[XLB_STAT__MAX] = {
	[XLB_STAT_DROP_NO_BACKEND] = 1, [XLB_STAT_EV_NEW_FLOW] = H_ANY};

static struct xlb_vip_key vip_key(void)
{
	struct xlb_vip_key k = {.port = htons(PORT), .proto = IPPROTO_UDP, .family = XLB_AF_INET};

	cr_assert_eq(pkt_addr(H_VIP4, &k.addr), XLB_AF_INET);
	return k;
}

static struct xlb_acl_rule rule(__u32 scope, __u8 action, const char *net, unsigned int plen)
{
	struct xlb_acl_rule r = {.scope = scope, .action = action, .plen = (__u8)plen};

	r.family = (__u8)pkt_addr(net, &r.addr);
	return r;
}

/* The model: a UDP VIP with an allow list and exempt from the global
 * limit, a global deny entry and packet limit, a flow budget. */
static __u32 model(struct xlb_state *s)
{
	struct xlb_vip_key k = vip_key();
	struct xlb_ratelimit rl;
	struct xlb_acl_rule r;
	struct xlb_errmsg e = {};

	cr_assert_eq(state__init(s), 0);
	cr_assert_eq(state__vip_add(s, &k, XLB_MODE_IPIP, 0, &e), 0, "%s", e.text);
	r = rule(0, XLB_ACL_DENY, DENY4, DENY4_PLEN);
	cr_assert_eq(state__acl_add(s, NULL, &r, &e), 0, "%s", e.text);
	r = rule(0, XLB_ACL_ALLOW, ALLOW4, ALLOW4_PLEN);
	cr_assert_eq(state__acl_add(s, &k, &r, &e), 0, "%s", e.text);
	xlb_ratelimit__init(&rl);
	rl.pps = RL_PPS;
	rl.pps_burst = RL_PPS;
	cr_assert_eq(state__ratelimit_set(s, NULL, &rl, &e), 0, "%s", e.text);
	xlb_ratelimit__init(&rl);
	cr_assert_eq(state__ratelimit_set(s, &k, &rl, &e), 0, "%s", e.text);
	cr_assert_eq(state__set_flow_budget(s, BUDGET, &e), 0);
	return s->vips[0].id;
}

static void sync(const struct xlb_state *from, const struct xlb_state *to)
{
	struct xlb_errmsg e = {};
	int err = dataplane__sync(&h_lab.m, from, to, &e);

	cr_assert_eq(err, 0, "sync: %d %s", err, e.text);
}

/* The entry of r's prefix in r's list has action (XLB_ACL_NONE: none). */
static void entry_is(struct xlb_acl_rule r, __u8 action)
{
	int err = xlb_acl__get(&h_lab.m, &r);

	if (action == XLB_ACL_NONE) {
		cr_assert_eq(err, -ENOENT, "list %u: an entry left (%d)", r.scope, err);
		return;
	}
	cr_assert_eq(err, 0, "list %u: no entry (%d)", r.scope, err);
	cr_assert_eq(r.action, action, "list %u: action %u, want %u", r.scope, r.action, action);
}

static void counts_are(__u32 scope, __u32 deny, __u32 allow)
{
	struct xlb_guard g;

	cr_assert_eq(xlb_guard__read(&h_lab.m, scope, &g), 0);
	cr_assert(g.acl[0].deny == deny && g.acl[0].allow == allow,
		  "list %u counts deny %u allow %u, want %u %u", scope, g.acl[0].deny,
		  g.acl[0].allow, deny, allow);
}

static void active_is(__u32 want)
{
	struct xlb_guard g;

	cr_assert_eq(xlb_guard__read(&h_lab.m, XLB_SCOPE_GLOBAL, &g), 0);
	cr_assert_eq(g.nr_active, want, "%u active scopes, want %u", g.nr_active, want);
}

static void expect(const char *desc, const char *src, const long *stats)
{
	struct pkt_spec s;
	static struct pkt in;

	h_spec(&s, H_FAM4, IPPROTO_UDP, H_VIP4, CLIENT_PORT, PORT);
	s.src = src;
	pkt_build(&in, &s);
	h_expect(desc, &in, XDP_DROP, NULL, stats);
}

/* What model() says, in the maps and on the packets. */
static void check_model(__u32 id)
{
	struct xlb_ratelimit rl;
	__u32 budget;

	entry_is(rule(XLB_SCOPE_GLOBAL, 0, DENY4, DENY4_PLEN), XLB_ACL_DENY);
	entry_is(rule(id, 0, ALLOW4, ALLOW4_PLEN), XLB_ACL_ALLOW);
	counts_are(XLB_SCOPE_GLOBAL, 1, 0);
	counts_are(id, 0, 1);
	active_is(2);
	cr_assert_eq(xlb_ratelimit__get(&h_lab.m, XLB_SCOPE_GLOBAL, &rl), 0);
	cr_assert_eq(rl.pps, RL_PPS);
	cr_assert_eq(xlb_ratelimit__get(&h_lab.m, id, &rl), 0, "the VIP's exemption");
	cr_assert_eq(rl.pps + rl.flows, 0);
	cr_assert_eq(xlb_flow_budget__get(&h_lab.m, &budget), 0);
	cr_assert_eq(budget, BUDGET);
	expect("a source of the allow list", H_CLIENT4, admitted);
	expect("a source of the global deny list", DENIED4, acl_drop);
	expect("a source outside the allow list", H_ROUTER4, acl_drop);
}

Test(guard_sync, change_vip_removal_and_undo)
{
	struct xlb_state empty, s, next;
	struct xlb_errmsg e = {};
	struct xlb_vip_key k = vip_key();
	struct xlb_ratelimit rl;
	__u32 id, budget;

	cr_assert_eq(state__init(&empty), 0);
	id = model(&s);
	sync(&empty, &s);
	check_model(id);

	/* the VIP goes: its list and its setting go from the maps */
	cr_assert_eq(state__clone(&next, &s), 0);
	cr_assert_eq(state__vip_del(&next, &k, &e), 0, "%s", e.text);
	cr_assert_eq(state__set_flow_budget(&next, 0, &e), 0);
	sync(&s, &next);
	entry_is(rule(id, 0, ALLOW4, ALLOW4_PLEN), XLB_ACL_NONE);
	counts_are(id, 0, 0);
	cr_assert_eq(xlb_ratelimit__get(&h_lab.m, id, &rl), -ENOENT);
	entry_is(rule(XLB_SCOPE_GLOBAL, 0, DENY4, DENY4_PLEN), XLB_ACL_DENY);
	cr_assert_eq(xlb_ratelimit__get(&h_lab.m, XLB_SCOPE_GLOBAL, &rl), 0, "global stays");
	cr_assert_eq(xlb_flow_budget__get(&h_lab.m, &budget), 0);
	cr_assert_eq(budget, 0);
	active_is(1);

	/* a failed batch's undo: the reverse sync puts everything back */
	sync(&next, &s);
	check_model(id);

	/* and to nothing at all: the program skips the checks again */
	sync(&s, &empty);
	entry_is(rule(XLB_SCOPE_GLOBAL, 0, DENY4, DENY4_PLEN), XLB_ACL_NONE);
	active_is(0);
	state__fini(&next);
	state__fini(&s);
	state__fini(&empty);
}

/* A restart compares with the maps: what the model lacks goes (a stale
 * VIP's entries, a scope nobody has), a changed action is rewritten, and
 * counts that drifted (a daemon killed between an entry and its count)
 * are recomputed. */
Test(guard_sync, restart_removes_stale_entries_and_recounts)
{
	struct xlb_acl_rule stale = rule(STALE_SCOPE, XLB_ACL_DENY, STALE4, DENY4_PLEN);
	struct xlb_acl_rule flipped = rule(XLB_SCOPE_GLOBAL, XLB_ACL_ALLOW, DENY4, DENY4_PLEN);
	struct xlb_ratelimit rl;
	struct xlb_state s;
	struct xlb_guard g;
	__u32 id;

	cr_assert_eq(xlb_acl__add(&h_lab.m, &stale), 0);
	cr_assert_eq(xlb_acl__add(&h_lab.m, &flipped), 0);
	xlb_ratelimit__init(&rl);
	rl.flows = RL_PPS;
	rl.flows_burst = 1;
	cr_assert_eq(xlb_ratelimit__set(&h_lab.m, STALE_RL, &rl), 0);
	cr_assert_eq(xlb_guard__read(&h_lab.m, XLB_SCOPE_GLOBAL, &g), 0);
	g.acl[0].deny = DRIFTED_COUNT;
	g.nr_active = DRIFTED_COUNT;
	cr_assert_eq(xlb_guard__write(&h_lab.m, XLB_SCOPE_GLOBAL, &g), 0);

	id = model(&s);
	cr_assert_neq(id, STALE_SCOPE);
	sync(NULL, &s);
	entry_is(stale, XLB_ACL_NONE);
	counts_are(STALE_SCOPE, 0, 0);
	cr_assert_eq(xlb_ratelimit__get(&h_lab.m, STALE_RL, &rl), -ENOENT);
	check_model(id);
	state__fini(&s);
}
