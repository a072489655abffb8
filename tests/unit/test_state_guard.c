// SPDX-License-Identifier: MIT
/*
 * The model's source ACL and rate limits without the kernel: the rules and
 * the texts an operator reads, a VIP's list and setting going with it,
 * clones independent of their original, reconcile (SIGHUP), the state file
 * round trip, requests from control messages, and config file lines.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "config.h"
#include "request.h"
#include "state.h"
#include "state_file.h"

#define VIP_PORT     80
#define RL_PPS	     1000
#define RL_BURST     2000
#define RL_FLOWS     100
#define RL_P4	     24
#define RL_P6	     48
#define BUDGET	     5000
#define TMP_TEMPLATE "/tmp/xlbt-guard-XXXXXX"

static struct xlb_vip_key vip(int family)
{
	struct xlb_vip_key k = {.port = htons(VIP_PORT), .proto = IPPROTO_TCP, .family = family};

	if (family == XLB_AF_INET)
		cr_assert_eq(inet_pton(AF_INET, "198.18.1.10", &k.addr.a[0]), 1);
	else
		cr_assert_eq(inet_pton(AF_INET6, "2001:2:1::10", &k.addr), 1);
	return k;
}

static struct xlb_acl_rule rule(const char *addr, unsigned int plen, __u8 action)
{
	struct xlb_acl_rule r = {.plen = (__u8)plen, .action = action};

	if (strchr(addr, ':')) {
		r.family = XLB_AF_INET6;
		cr_assert_eq(inet_pton(AF_INET6, addr, &r.addr), 1);
	} else {
		r.family = XLB_AF_INET;
		cr_assert_eq(inet_pton(AF_INET, addr, &r.addr.a[0]), 1);
	}
	return r;
}

/* A model with an IPv4 and an IPv6 VIP. */
static void two_vips(struct xlb_state *s)
{
	struct xlb_vip_key k4 = vip(XLB_AF_INET), k6 = vip(XLB_AF_INET6);

	cr_assert_eq(state__init(s), 0);
	cr_assert_eq(state__vip_add(s, &k4, XLB_MODE_IPIP, 0, NULL), 0);
	cr_assert_eq(state__vip_add(s, &k6, XLB_MODE_IPIP, 0, NULL), 0);
}

/* err from a call, with a text containing what. */
#define expect_err(call, want, what)                                                               \
	do {                                                                                       \
		struct xlb_errmsg e_ = {};                                                         \
		int got_ = (call(&e_));                                                            \
		cr_assert_eq(got_, want, "%s: %d, want %d (%s)", #call, got_, want, e_.text);      \
		cr_assert_not_null(strstr(e_.text, what), "\"%s\" lacks \"%s\"", e_.text, what);   \
	} while (0)

static struct xlb_state *cur;
static struct xlb_vip_key k4, k6;
static struct xlb_acl_rule r_;

static int add_global(struct xlb_errmsg *e)
{
	return state__acl_add(cur, NULL, &r_, e);
}

static int add_v4(struct xlb_errmsg *e)
{
	return state__acl_add(cur, &k4, &r_, e);
}

static int del_v4_action(struct xlb_errmsg *e)
{
	return state__acl_del(cur, &k4, &r_, true, e);
}

static int del_global(struct xlb_errmsg *e)
{
	return state__acl_del(cur, NULL, &r_, false, e);
}

Test(acl, rules_and_their_errors)
{
	struct xlb_vip_key unknown = vip(XLB_AF_INET);
	struct xlb_state s;
	struct xlb_acl_rule r;

	two_vips(&s);
	cur = &s;
	k4 = vip(XLB_AF_INET);
	k6 = vip(XLB_AF_INET6);
	unknown.port = htons(VIP_PORT + 1);

	r_ = rule("198.18.0.4", 30, XLB_ACL_DENY);
	cr_assert_eq(add_global(NULL), 0);
	expect_err(add_global, -EEXIST, "198.18.0.4/30 is in the global ACL already (deny)");
	r_.action = XLB_ACL_ALLOW;
	expect_err(add_global, -EEXIST, "already (deny)");
	r_ = rule("198.18.0.5", 30, XLB_ACL_DENY);
	expect_err(add_global, -EINVAL, "ACL prefix 198.18.0.5/30 has bits set past /30");
	r_ = rule("198.18.0.0", 33, XLB_ACL_DENY);
	expect_err(add_global, -ERANGE, "ACL prefix length 33 over 32");
	r_ = rule("198.18.0.0", 24, XLB_ACL_NONE);
	expect_err(add_global, -EINVAL, "ACL action 0 not deny or allow");
	r_ = rule("2001:2::", 64, XLB_ACL_ALLOW);
	expect_err(add_v4, -EAFNOSUPPORT, "IPv6 prefix 2001:2::/64 on an IPv4 VIP");
	cr_assert_eq(state__acl_add(&s, &k6, &r_, NULL), 0, "same family: fine");
	r_ = rule("198.18.0.3", 32, XLB_ACL_ALLOW);
	cr_assert_eq(state__acl_add(&s, &unknown, &r_, NULL), -ENOENT);
	cr_assert_eq(add_v4(NULL), 0);
	expect_err(add_v4, -EEXIST, "is in the ACL of VIP 198.18.1.10:80/tcp already (allow)");
	r_.action = XLB_ACL_DENY;
	expect_err(del_v4_action, -ENOENT,
		   "198.18.0.3/32 is an allow entry of the ACL of VIP "
		   "198.18.1.10:80/tcp, not deny");
	r_ = rule("198.18.0.0", 24, XLB_ACL_DENY);
	expect_err(del_global, -ENOENT, "198.18.0.0/24 is not in the global ACL");

	/* lists stay sorted: find and the dumps rely on it */
	r = rule("198.18.0.0", 16, XLB_ACL_DENY);
	cr_assert_eq(state__acl_add(&s, NULL, &r, NULL), 0);
	r = rule("2001:2::", 48, XLB_ACL_DENY);
	cr_assert_eq(state__acl_add(&s, NULL, &r, NULL), 0);
	r = rule("198.18.0.4", 31, XLB_ACL_ALLOW);
	cr_assert_eq(state__acl_add(&s, NULL, &r, NULL), 0);
	cr_assert_eq(s.acl.n, 4);
	for (size_t i = 1; i < s.acl.n; i++)
		cr_assert_lt(state_acl__cmp(&s.acl.r[i - 1], &s.acl.r[i]), 0, "entry %zu", i);
	cr_assert_eq(state_acl__find(&s.acl, &r)->action, XLB_ACL_ALLOW);

	/* del without an action takes any; the entry is gone */
	r_ = rule("198.18.0.4", 31, XLB_ACL_DENY);
	cr_assert_eq(del_global(NULL), 0);
	cr_assert_null(state_acl__find(&s.acl, &r_));
	state__fini(&s);
}

static struct xlb_ratelimit rl_;

static int rl_global(struct xlb_errmsg *e)
{
	return state__ratelimit_set(cur, NULL, &rl_, e);
}

static int rl_del_global(struct xlb_errmsg *e)
{
	return state__ratelimit_del(cur, NULL, e);
}

static int rl_del_v4(struct xlb_errmsg *e)
{
	return state__ratelimit_del(cur, &k4, e);
}

static int budget_too_big(struct xlb_errmsg *e)
{
	return state__set_flow_budget(cur, XLB_RL_RATE_MAX + 1, e);
}

Test(ratelimit, settings_and_their_errors)
{
	struct xlb_state s;

	two_vips(&s);
	cur = &s;
	k4 = vip(XLB_AF_INET);
	xlb_ratelimit__init(&rl_);
	rl_.pps = XLB_RL_RATE_MAX + 1;
	rl_.pps_burst = 1;
	expect_err(rl_global, -ERANGE, "pps 1000000001 over the maximum 1000000000");
	rl_.pps = RL_PPS;
	rl_.pps_burst = 0;
	expect_err(rl_global, -EINVAL, "pps burst must be at least 1");
	rl_.pps_burst = RL_BURST;
	rl_.flows_burst = 1;
	expect_err(rl_global, -EINVAL, "flows burst 1 without a flows rate");
	rl_.flows_burst = 0;
	rl_.plen4 = 33;
	expect_err(rl_global, -ERANGE, "source prefix lengths /33, /64 over /32, /128");
	rl_.plen4 = RL_P4;
	expect_err(rl_del_global, -ENOENT, "no global rate limit");
	expect_err(rl_del_v4, -ENOENT, "no rate limit of VIP 198.18.1.10:80/tcp");
	cr_assert_eq(rl_global(NULL), 0);
	cr_assert(s.rl.set && s.rl.rl.pps == RL_PPS && s.rl.rl.plen4 == RL_P4);
	cr_assert_eq(state__ratelimit_of(&s, XLB_SCOPE_GLOBAL), &s.rl);
	cr_assert_eq(state__ratelimit_of(&s, s.vips[0].id), &s.vips[0].rl);
	cr_assert_null(state__ratelimit_of(&s, XLB_MAX_VIPS - 1), "no such VIP");
	cr_assert_eq(rl_del_global(NULL), 0);
	cr_assert_not(s.rl.set);
	expect_err(budget_too_big, -ERANGE, "flow budget 1000000001 over the maximum");
	state__fini(&s);
}

/* A VIP's list and setting go with it: the same key added again is bare. */
Test(acl, vip_deletion_takes_its_list_and_setting)
{
	struct xlb_ratelimit rl;
	struct xlb_acl_rule r = rule("198.18.0.3", 32, XLB_ACL_ALLOW);
	struct xlb_state s;
	struct state_vip *v;

	two_vips(&s);
	k4 = vip(XLB_AF_INET);
	xlb_ratelimit__init(&rl);
	rl.pps = RL_PPS;
	rl.pps_burst = RL_PPS;
	cr_assert_eq(state__acl_add(&s, &k4, &r, NULL), 0);
	cr_assert_eq(state__ratelimit_set(&s, &k4, &rl, NULL), 0);
	cr_assert_eq(state__vip_del(&s, &k4, NULL), 0);
	cr_assert_eq(state__vip_add(&s, &k4, XLB_MODE_IPIP, 0, NULL), 0);
	v = state__vip_find(&s, &k4);
	cr_assert_eq(v->acl.n, 0);
	cr_assert_not(v->rl.set);
	state__fini(&s);
}

/* Changes go to a clone (a batch); the original is untouched until then. */
Test(acl, clones_are_independent)
{
	struct xlb_acl_rule r = rule("198.18.0.0", 24, XLB_ACL_DENY);
	struct xlb_state s, c;

	two_vips(&s);
	k4 = vip(XLB_AF_INET);
	cr_assert_eq(state__acl_add(&s, NULL, &r, NULL), 0);
	cr_assert_eq(state__acl_add(&s, &k4, &r, NULL), 0);
	cr_assert_eq(state__set_flow_budget(&s, BUDGET, NULL), 0);
	cr_assert_eq(state__clone(&c, &s), 0);
	cr_assert_eq(c.acl.n, 1);
	cr_assert_eq(c.flow_budget, BUDGET);
	cr_assert_neq(c.acl.r, s.acl.r, "a copy, not a shared list");
	cr_assert_eq(state__acl_del(&c, NULL, &r, false, NULL), 0);
	cr_assert_eq(state__vip_del(&c, &k4, NULL), 0);
	cr_assert_eq(s.acl.n, 1);
	cr_assert_eq(state__vip_find(&s, &k4)->acl.n, 1);
	state__fini(&c);
	state__fini(&s);
}

/* SIGHUP: the running model takes the config's lists and settings, VIP by
 * VIP key, keeping the VIPs' ids. */
Test(acl, reconcile_takes_the_configs_lists_and_settings)
{
	struct xlb_acl_rule old = rule("198.18.0.0", 24, XLB_ACL_DENY);
	struct xlb_acl_rule new = rule("198.18.0.3", 32, XLB_ACL_ALLOW);
	struct xlb_state s, want;
	struct xlb_ratelimit rl;
	struct xlb_errmsg e = {};
	__u32 id;

	two_vips(&s);
	k4 = vip(XLB_AF_INET);
	cr_assert_eq(state__acl_add(&s, NULL, &old, NULL), 0);
	cr_assert_eq(state__set_flow_budget(&s, BUDGET, NULL), 0);
	id = state__vip_find(&s, &k4)->id;

	k6 = vip(XLB_AF_INET6);
	cr_assert_eq(state__init(&want), 0);
	cr_assert_eq(state__vip_add(&want, &k6, XLB_MODE_IPIP, 0, NULL), 0);
	cr_assert_eq(state__vip_add(&want, &k4, XLB_MODE_IPIP, 0, NULL), 0);
	cr_assert_eq(state__acl_add(&want, &k4, &new, NULL), 0);
	xlb_ratelimit__init(&rl);
	rl.flows = RL_FLOWS;
	rl.flows_burst = RL_FLOWS;
	cr_assert_eq(state__ratelimit_set(&want, NULL, &rl, NULL), 0);

	cr_assert_eq(state__reconcile(&s, &want, &e), 0, "%s", e.text);
	cr_assert_eq(s.acl.n, 0, "the global entry the config lacks is gone");
	cr_assert_eq(s.flow_budget, 0);
	cr_assert(s.rl.set && s.rl.rl.flows == RL_FLOWS);
	cr_assert_eq(state__vip_find(&s, &k4)->id, id, "the VIP keeps its id");
	cr_assert_eq(state__vip_find(&s, &k4)->acl.n, 1);
	cr_assert_eq(state__vip_find(&s, &k4)->acl.r[0].action, XLB_ACL_ALLOW);
	state__fini(&want);
	state__fini(&s);
}

Test(acl, at_most_the_tries_capacity)
{
	struct xlb_acl_rule r = rule("198.18.0.0", 32, XLB_ACL_DENY);
	struct xlb_errmsg e = {};
	struct xlb_state s;
	__u32 base = ntohl(r.addr.a[0]), i;

	two_vips(&s);
	for (i = 0; i < XLB_ACL_ENTRIES; i++) {
		r.addr.a[0] = htonl(base + i);
		cr_assert_eq(state__acl_add(&s, NULL, &r, NULL), 0, "entry %u", i);
	}
	r.addr.a[0] = htonl(base + i);
	k4 = vip(XLB_AF_INET);
	cr_assert_eq(state__acl_add(&s, &k4, &r, &e), -ENOSPC);
	cr_assert_not_null(strstr(e.text, "at most"), "%s", e.text);
	r = rule("2001:2::", 64, XLB_ACL_DENY);
	cr_assert_eq(state__acl_add(&s, NULL, &r, NULL), 0, "the other family has its own trie");
	state__fini(&s);
}

static void tmp_path(char *path)
{
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	close(fd);
}

Test(state_file, guard_round_trip)
{
	struct xlb_acl_rule r4 = rule("198.18.0.4", 30, XLB_ACL_DENY);
	struct xlb_acl_rule r6 = rule("2001:2::", 64, XLB_ACL_ALLOW);
	struct xlb_ratelimit rl;
	struct xlb_state s, back;
	char path[] = TMP_TEMPLATE;
	struct state_vip *v;

	two_vips(&s);
	k4 = vip(XLB_AF_INET);
	k6 = vip(XLB_AF_INET6);
	cr_assert_eq(state__acl_add(&s, NULL, &r4, NULL), 0);
	cr_assert_eq(state__acl_add(&s, NULL, &r6, NULL), 0);
	cr_assert_eq(state__acl_add(&s, &k6, &r6, NULL), 0);
	xlb_ratelimit__init(&rl);
	rl.pps = RL_PPS;
	rl.pps_burst = RL_BURST;
	rl.flows = RL_FLOWS;
	rl.flows_burst = 1;
	rl.plen4 = RL_P4;
	rl.plen6 = RL_P6;
	cr_assert_eq(state__ratelimit_set(&s, NULL, &rl, NULL), 0);
	xlb_ratelimit__init(&rl);
	cr_assert_eq(state__ratelimit_set(&s, &k4, &rl, NULL), 0, "an exemption");
	cr_assert_eq(state__set_flow_budget(&s, BUDGET, NULL), 0);

	tmp_path(path);
	cr_assert_eq(state_file__save(path, &s), 0);
	cr_assert_eq(state__init(&back), 0);
	cr_assert_eq(state_file__load(path, &back), 0);
	unlink(path);
	cr_assert_eq(back.flow_budget, BUDGET);
	cr_assert_eq(back.acl.n, 2);
	cr_assert_eq(memcmp(back.acl.r, s.acl.r, 2 * sizeof(*s.acl.r)), 0);
	cr_assert(back.rl.set && state_ratelimit__equal(&back.rl.rl, &s.rl.rl));
	v = state__vip_find(&back, &k4);
	cr_assert(v->rl.set && v->rl.rl.pps == 0 && v->rl.rl.plen6 == XLB_RL_PLEN6_DEFAULT);
	v = state__vip_find(&back, &k6);
	cr_assert_eq(v->acl.n, 1);
	cr_assert_eq(v->acl.r[0].action, XLB_ACL_ALLOW);
	state__fini(&back);
	state__fini(&s);
}

/* A record naming a VIP the file does not have is damage, not a guess. */
Test(state_file, guard_record_of_an_unknown_vip_is_damage)
{
	static const char *const bad[] = {
		"acl 9 198.18.0.0 24 deny\n",	"ratelimit 9 10 10 0 0 32 64\n",
		"acl 0 198.18.0.0 24 maybe\n",	"acl 0 198.18.0.1 24 deny\n",
		"ratelimit 0 10 0 0 0 32 64\n",
	};
	char path[] = TMP_TEMPLATE;
	struct xlb_state s;
	FILE *f;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tmp_path(path);
		f = fopen(path, "w");
		cr_assert_not_null(f);
		fprintf(f, "xlb-state 1\nmtu 1500\n%s", bad[i]);
		fclose(f);
		cr_assert_eq(state__init(&s), 0);
		cr_assert_eq(state_file__load(path, &s), -EINVAL, "\"%s\" was accepted", bad[i]);
		state__fini(&s);
		unlink(path);
		memcpy(path, TMP_TEMPLATE, sizeof(path));
	}
}

/* Control messages as the daemon applies them to its model. */
Test(request, guard_messages_change_the_model)
{
	struct xlb_ctl_msg m;
	struct xlb_ctl_err e;
	struct xlb_state s;

	two_vips(&s);
	k4 = vip(XLB_AF_INET);
	xlb_ctl_msg__init(&m, XLB_CMD_ACL_ADD);
	m.prefix.family = XLB_AF_INET;
	m.prefix.plen = 32;
	cr_assert_eq(inet_pton(AF_INET, "198.18.0.3", &m.prefix.addr.a[0]), 1);
	m.prefix.action = XLB_ACL_ALLOW;
	m.vip.key.family = XLB_AF_INET;
	m.vip.key.addr = k4.addr;
	m.vip.key.port = VIP_PORT;
	m.vip.key.proto = IPPROTO_TCP;
	xlb_ctl_msg__set_vip_key(&m);
	cr_assert_eq(request__apply(&s, &m, &e), 0, "%s", e.msg);
	cr_assert_eq(state__vip_find(&s, &k4)->acl.n, 1);
	cr_assert_eq(request__apply(&s, &m, &e), -EEXIST);
	cr_assert_not_null(strstr(e.msg, "already"), "%s", e.msg);
	m.cmd = XLB_CMD_ACL_DEL;
	cr_assert_eq(request__apply(&s, &m, &e), 0, "%s", e.msg);
	cr_assert_eq(state__vip_find(&s, &k4)->acl.n, 0);

	xlb_ctl_msg__init(&m, XLB_CMD_RATELIMIT_SET);
	m.rl.pps = RL_PPS;
	m.rl.pps_burst = RL_BURST;
	m.rl.plen4 = RL_P4;
	m.rl.plen6 = RL_P6;
	xlb_ctl_msg__set(&m, XLB_A_RL_PPS);
	xlb_ctl_msg__set(&m, XLB_A_RL_PPS_BURST);
	xlb_ctl_msg__set(&m, XLB_A_RL_PLEN4);
	xlb_ctl_msg__set(&m, XLB_A_RL_PLEN6);
	cr_assert_eq(request__apply(&s, &m, &e), 0, "%s", e.msg);
	cr_assert(s.rl.set && s.rl.rl.pps_burst == RL_BURST && s.rl.rl.plen6 == RL_P6);
	m.cmd = XLB_CMD_RATELIMIT_DEL;
	cr_assert_eq(request__apply(&s, &m, &e), 0, "%s", e.msg);
	cr_assert_eq(request__apply(&s, &m, &e), -ENOENT);

	/* what a setting leaves out: a second's burst, /32 and /64 */
	xlb_ctl_msg__init(&m, XLB_CMD_RATELIMIT_SET);
	m.rl.flows = RL_FLOWS;
	xlb_ctl_msg__set(&m, XLB_A_RL_FLOWS);
	cr_assert_eq(request__apply(&s, &m, &e), 0, "%s", e.msg);
	cr_assert(s.rl.set && s.rl.rl.flows_burst == RL_FLOWS && s.rl.rl.pps == 0);
	cr_assert_eq(s.rl.rl.plen4, XLB_RL_PLEN4_DEFAULT);
	cr_assert_eq(s.rl.rl.plen6, XLB_RL_PLEN6_DEFAULT);

	xlb_ctl_msg__init(&m, XLB_CMD_CONFIG_SET);
	m.cfg.flow_budget = BUDGET;
	xlb_ctl_msg__set(&m, XLB_A_FLOW_BUDGET);
	cr_assert_eq(request__apply(&s, &m, &e), 0, "%s", e.msg);
	cr_assert_eq(s.flow_budget, BUDGET);
	state__fini(&s);
}

/* A config file holds them as xlbctl lines; each bad line is counted. */
Test(config, guard_lines)
{
	char path[] = TMP_TEMPLATE;
	struct xlb_state s;
	unsigned int bad;
	FILE *f;

	tmp_path(path);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fprintf(f, "vip add 198.18.1.10:80/tcp\n"
		   "ratelimit set pps 1000 flows 100 burst 10 prefix6 56\n"
		   "acl add deny 198.18.0.4/30\n"
		   "acl add allow 198.18.0.3 vip 198.18.1.10:80/tcp\n"
		   "config set flow-budget 5000\n"
		   "acl add allow 198.18.0.3 vip 198.18.1.11:80/tcp\n"
		   "acl add deny 198.18.0.4/30\n"
		   "ratelimit del vip 198.18.1.10:80/tcp\n");
	fclose(f);
	cr_assert_eq(state__init(&s), 0);
	cr_assert_eq(config__load(path, &s, &bad), 0);
	unlink(path);
	cr_assert_eq(bad, 3, "unknown VIP, duplicate entry, no setting to delete");
	cr_assert_eq(s.acl.n, 1);
	cr_assert_eq(s.vips[0].acl.n, 1);
	cr_assert(s.rl.set && s.rl.rl.pps_burst == RL_PPS && s.rl.rl.flows_burst == 10);
	cr_assert_eq(s.rl.rl.plen4, XLB_RL_PLEN4_DEFAULT, "absent from the line: the default");
	cr_assert_eq(s.rl.rl.plen6, 56);
	cr_assert_eq(s.flow_budget, BUDGET);
	state__fini(&s);
}
