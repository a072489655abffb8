// SPDX-License-Identifier: MIT
/*
 * ACL (include/xlb/abi.h, bpf/acl.h, user/acl.c): the global deny list and
 * its allow exceptions, a VIP's allow list and its deny exceptions, longest
 * match, echo requests and ICMP errors judged by their own source, the
 * host's traffic never judged, per-VIP counters, and the library's
 * bookkeeping (counts, flush, recount, validation).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <linux/bpf.h>
#include <criterion/criterion.h>
#include "acl.h"
#include "harness.h"

#define VIP	      1
#define VIP_B	      2
#define BE1	      1
#define PORT	      53
#define CLIENT_PORT   40000
#define QUOTE_MAX     256
#define ERROR_MTU     1400
#define DESC_LEN      128
#define ICMP4_UNREACH 3 /* destination unreachable */
#define ICMP6_UNREACH 1

TestSuite(acl, .init = h_setup, .fini = h_teardown);

/* Sources and prefixes of one family: net/plen is listed; wide/wide_plen
 * contains it; in, in2 are inside net; in_wide is in wide but not in net;
 * out is in neither. */
struct acl_fam {
	const struct h_fam *f;
	const char *net;
	unsigned int plen;
	const char *wide;
	unsigned int wide_plen;
	const char *in;
	const char *in2;
	const char *in_wide;
	const char *out;
	const char *all; /* the whole address space: "0.0.0.0" or "::" */
};

static const struct acl_fam fam4 = {
	.f = H_FAM4,
	.net = "198.18.77.0",
	.plen = 24,
	.wide = "198.18.0.0",
	.wide_plen = 16,
	.in = "198.18.77.5",
	.in2 = "198.18.77.200",
	.in_wide = "198.18.78.5",
	.out = "198.19.78.5",
	.all = "0.0.0.0",
};

static const struct acl_fam fam6 = {
	.f = H_FAM6,
	.net = "2001:2:0:77::",
	.plen = 64,
	.wide = "2001:2::",
	.wide_plen = 56,
	.in = "2001:2:0:77::5",
	.in2 = "2001:2:0:77:ffff::1",
	.in_wide = "2001:2:0:78::5",
	.out = "2001:2:0:8000::5",
	.all = "::",
};

static const long fwd_new[XLB_STAT__MAX] = {[XLB_STAT_FWD_TX] = 1, [XLB_STAT_EV_NEW_FLOW] = 1};
static const long denied[XLB_STAT__MAX] = {[XLB_STAT_DROP_ACL] = 1};

/* Two UDP VIPs on f's addresses, both to backend 1. */
static void lab(const struct h_fam *f)
{
	h_backend(BE1, f->be_a[0], XLB_BE_ACTIVE, H_GEN);
	h_vip(f->vip, PORT, IPPROTO_UDP, VIP, XLB_MODE_IPIP);
	h_vip(f->vip_b, PORT, IPPROTO_UDP, VIP_B, XLB_MODE_IPIP);
	h_ring_fill(VIP, BE1);
	h_ring_fill(VIP_B, BE1);
}

static void rule(struct xlb_acl_rule *r, __u32 scope, __u8 action, const char *net,
		 unsigned int plen)
{
	memset(r, 0, sizeof(*r));
	r->scope = scope;
	r->action = action;
	r->plen = (__u8)plen;
	r->family = (__u8)pkt_addr(net, &r->addr);
	cr_assert(r->family == XLB_AF_INET || r->family == XLB_AF_INET6, "bad prefix %s", net);
}

static void acl_add(__u32 scope, __u8 action, const char *net, unsigned int plen)
{
	struct xlb_acl_rule r;
	int err;

	rule(&r, scope, action, net, plen);
	err = xlb_acl__add(&h_lab.m, &r);
	cr_assert_eq(err, 0, "acl add %s/%u to list %u: %d", net, plen, scope, err);
}

static void acl_del(__u32 scope, const char *net, unsigned int plen)
{
	struct xlb_acl_rule r;
	int err;

	rule(&r, scope, XLB_ACL_DENY, net, plen);
	err = xlb_acl__del(&h_lab.m, &r);
	cr_assert_eq(err, 0, "acl del %s/%u from list %u: %d", net, plen, scope, err);
}

/* A UDP packet from src to vip, its source port telling flows apart. */
static void udp(struct pkt_spec *s, const struct h_fam *f, const char *src, const char *vip,
		__u16 sport)
{
	h_spec(s, f, IPPROTO_UDP, vip, sport, PORT);
	s->src = src;
}

/* src's packet to vip is forwarded to backend 1 (a new flow) or denied. */
static void expect(const char *what, const struct h_fam *f, const char *src, const char *vip,
		   __u16 sport, bool pass)
{
	char desc[DESC_LEN];
	struct pkt_spec s;
	static struct pkt in;

	snprintf(desc, sizeof(desc), "%s: %s from %s", f->name, what, src);
	udp(&s, f, src, vip, sport);
	if (pass) {
		h_expect_ipip(desc, &s, f->be_a[0], pkt_hash(&s, true), XDP_TX, fwd_new);
		return;
	}
	pkt_build(&in, &s);
	h_expect(desc, &in, XDP_DROP, NULL, denied);
}

/* Scopes with something configured: 0 lets the program skip the checks. */
static void nr_active(__u32 want)
{
	struct xlb_guard g;

	cr_assert_eq(xlb_guard__read(&h_lab.m, XLB_SCOPE_GLOBAL, &g), 0);
	cr_assert_eq(g.nr_active, want, "%u active scopes, want %u", g.nr_active, want);
}

static void guard_counts(__u32 scope, const struct h_fam *f, __u32 deny, __u32 allow)
{
	struct xlb_guard g;
	int err = xlb_guard__read(&h_lab.m, scope, &g);
	const struct xlb_acl_count *n = &g.acl[f->family == XLB_AF_INET6];

	cr_assert_eq(err, 0, "guard read %u: %d", scope, err);
	cr_assert(n->deny == deny && n->allow == allow,
		  "%s: list %u counts deny %u allow %u, want %u %u", f->name, scope, n->deny,
		  n->allow, deny, allow);
}

/* The global deny list drops its prefix for every VIP, and only it. */
static void deny_global(const struct acl_fam *a)
{
	const struct h_fam *f = a->f;
	struct xlb_vip_counter vc;

	lab(f);
	acl_add(XLB_SCOPE_GLOBAL, XLB_ACL_DENY, a->net, a->plen);
	guard_counts(XLB_SCOPE_GLOBAL, f, 1, 0);
	h_vip_snap(VIP, &vc);
	expect("denied", f, a->in, f->vip, CLIENT_PORT, false);
	expect("denied, same prefix", f, a->in2, f->vip, CLIENT_PORT, false);
	expect("denied, other VIP", f, a->in, f->vip_b, CLIENT_PORT, false);
	expect("outside the prefix", f, a->in_wide, f->vip, CLIENT_PORT, true);
	h_check_vip(f->name, VIP, &vc, 1, H_ANY, 1, 2);
	h_vip_snap(VIP, &vc);
	cr_assert_eq(vc.acl_drops, 2, "%s: vip acl_drops %llu, want 2", f->name,
		     (unsigned long long)vc.acl_drops);
	cr_assert_eq(vc.rl_pps_drops + vc.rl_flow_drops, 0, "%s: rate-limit drops counted",
		     f->name);
}

Test(acl, deny_global_v4)
{
	deny_global(&fam4);
}

Test(acl, deny_global_v6)
{
	deny_global(&fam6);
}

/* A deleted entry stops denying, and the list's count goes back to 0. */
static void deny_deleted(const struct acl_fam *a)
{
	const struct h_fam *f = a->f;

	lab(f);
	acl_add(XLB_SCOPE_GLOBAL, XLB_ACL_DENY, a->net, a->plen);
	expect("denied", f, a->in, f->vip, CLIENT_PORT, false);
	nr_active(1);
	acl_del(XLB_SCOPE_GLOBAL, a->net, a->plen);
	guard_counts(XLB_SCOPE_GLOBAL, f, 0, 0);
	nr_active(0);
	expect("after the delete", f, a->in, f->vip, CLIENT_PORT, true);
}

Test(acl, deny_deleted_v4)
{
	deny_deleted(&fam4);
}

Test(acl, deny_deleted_v6)
{
	deny_deleted(&fam6);
}

/* An allow entry in the global list is an exception to a wider deny. */
static void global_exception(const struct acl_fam *a)
{
	const struct h_fam *f = a->f;

	lab(f);
	acl_add(XLB_SCOPE_GLOBAL, XLB_ACL_DENY, a->wide, a->wide_plen);
	acl_add(XLB_SCOPE_GLOBAL, XLB_ACL_ALLOW, a->net, a->plen);
	guard_counts(XLB_SCOPE_GLOBAL, f, 1, 1);
	expect("in the exception", f, a->in, f->vip, CLIENT_PORT, true);
	expect("in the wide deny", f, a->in_wide, f->vip, CLIENT_PORT, false);
	expect("in neither", f, a->out, f->vip, CLIENT_PORT, true);
}

Test(acl, global_allow_exception_v4)
{
	global_exception(&fam4);
}

Test(acl, global_allow_exception_v6)
{
	global_exception(&fam6);
}

/* A VIP's allow list admits only its prefixes, to that VIP only. */
static void allow_list(const struct acl_fam *a)
{
	const struct h_fam *f = a->f;
	struct xlb_vip_counter vc;

	lab(f);
	acl_add(VIP, XLB_ACL_ALLOW, a->net, a->plen);
	guard_counts(VIP, f, 0, 1);
	guard_counts(XLB_SCOPE_GLOBAL, f, 0, 0);
	nr_active(1);
	h_vip_snap(VIP, &vc);
	expect("listed", f, a->in, f->vip, CLIENT_PORT, true);
	expect("listed too", f, a->in2, f->vip, CLIENT_PORT, true);
	expect("not listed", f, a->in_wide, f->vip, CLIENT_PORT, false);
	expect("not listed", f, a->out, f->vip, CLIENT_PORT, false);
	h_check_vip(f->name, VIP, &vc, 2, H_ANY, 2, 2);
	expect("not listed, VIP without a list", f, a->out, f->vip_b, CLIENT_PORT, true);
	acl_del(VIP, a->net, a->plen);
	nr_active(0);
	expect("list emptied", f, a->out, f->vip, CLIENT_PORT + 1, true);
}

Test(acl, allow_list_v4)
{
	allow_list(&fam4);
}

Test(acl, allow_list_v6)
{
	allow_list(&fam6);
}

/* In a VIP's list the longest match decides: a deny inside an allow. */
static void allow_list_exception(const struct acl_fam *a)
{
	const struct h_fam *f = a->f;

	lab(f);
	acl_add(VIP, XLB_ACL_ALLOW, a->wide, a->wide_plen);
	acl_add(VIP, XLB_ACL_DENY, a->net, a->plen);
	guard_counts(VIP, f, 1, 1);
	expect("allowed around the hole", f, a->in_wide, f->vip, CLIENT_PORT, true);
	expect("in the hole", f, a->in, f->vip, CLIENT_PORT, false);
	expect("outside the list", f, a->out, f->vip, CLIENT_PORT, false);
}

Test(acl, allow_list_exception_v4)
{
	allow_list_exception(&fam4);
}

Test(acl, allow_list_exception_v6)
{
	allow_list_exception(&fam6);
}

/* A VIP list of deny entries only is no allow list: the rest pass. */
static void vip_deny_only(const struct acl_fam *a)
{
	const struct h_fam *f = a->f;

	lab(f);
	acl_add(VIP, XLB_ACL_DENY, a->net, a->plen);
	expect("denied for this VIP", f, a->in, f->vip, CLIENT_PORT, false);
	expect("allowed to the other VIP", f, a->in, f->vip_b, CLIENT_PORT, true);
	expect("others pass", f, a->out, f->vip, CLIENT_PORT, true);
}

Test(acl, vip_deny_only_v4)
{
	vip_deny_only(&fam4);
}

Test(acl, vip_deny_only_v6)
{
	vip_deny_only(&fam6);
}

/* The global deny list wins over a VIP's allow list. */
static void global_before_vip(const struct acl_fam *a)
{
	const struct h_fam *f = a->f;

	lab(f);
	acl_add(VIP, XLB_ACL_ALLOW, a->wide, a->wide_plen);
	acl_add(XLB_SCOPE_GLOBAL, XLB_ACL_DENY, a->net, a->plen);
	expect("globally denied, VIP-allowed", f, a->in, f->vip, CLIENT_PORT, false);
	expect("VIP-allowed", f, a->in_wide, f->vip, CLIENT_PORT, true);
}

Test(acl, global_deny_before_vip_allow_v4)
{
	global_before_vip(&fam4);
}

Test(acl, global_deny_before_vip_allow_v6)
{
	global_before_vip(&fam6);
}

/* Denying everything leaves the host's own traffic alone: packets for
 * other addresses pass untouched and are counted as not for a VIP. */
static void host_traffic(const struct acl_fam *a)
{
	const struct h_fam *f = a->f;
	static struct pkt in;
	struct pkt_spec s;

	lab(f);
	acl_add(XLB_SCOPE_GLOBAL, XLB_ACL_DENY, a->all, 0);
	udp(&s, f, a->in, f->not_vip, CLIENT_PORT);
	pkt_build(&in, &s);
	h_expect("not for a VIP", &in, XDP_PASS, &in, H_STATS([XLB_STAT_PASS_NOT_VIP] = 1));
	h_spec(&s, f, IPPROTO_TCP, f->not_vip, CLIENT_PORT, PORT);
	pkt_build(&in, &s);
	h_expect("not for a VIP, tcp", &in, XDP_PASS, &in, H_STATS([XLB_STAT_PASS_NOT_VIP] = 1));
	expect("to a VIP", f, f->client, f->vip, CLIENT_PORT, false);
}

Test(acl, host_traffic_never_judged_v4)
{
	host_traffic(&fam4);
}

Test(acl, host_traffic_never_judged_v6)
{
	host_traffic(&fam6);
}

/* Echo requests to a VIP address: answered unless the source is denied. */
static void echo(const struct acl_fam *a)
{
	const struct h_fam *f = a->f;
	static struct pkt in, want;
	struct pkt_spec s;

	lab(f);
	acl_add(XLB_SCOPE_GLOBAL, XLB_ACL_DENY, a->net, a->plen);
	h_spec(&s, f, f->icmp_proto, f->vip, 1, 1);
	s.flags = 0;
	s.icmp_type = f->echo_request;
	s.src = a->in;
	pkt_build(&in, &s);
	h_expect("echo from a denied source", &in, XDP_DROP, NULL, denied);
	s.src = a->out;
	pkt_build(&in, &s);
	pkt_expect_echo_reply(&want, &in);
	h_expect("echo from another source", &in, XDP_TX, &want,
		 H_STATS([XLB_STAT_TX_ECHO_REPLY] = 1));
}

Test(acl, echo_v4)
{
	echo(&fam4);
}

Test(acl, echo_v6)
{
	echo(&fam6);
}

/* An ICMP error is judged by its own source (the router), not by the
 * client of the flow it quotes. */
static void icmp_error(const struct acl_fam *a)
{
	const struct h_fam *f = a->f;
	static __u8 quote[QUOTE_MAX];
	static struct pkt in;
	struct pkt_spec q, err, flow;
	size_t len;

	lab(f);
	h_spec(&q, f, IPPROTO_UDP, a->in, PORT, CLIENT_PORT);
	q.src = f->vip;
	len = pkt_build_l3(quote, sizeof(quote), &q);
	h_spec(&err, f, f->icmp_proto, f->vip, 0, ERROR_MTU);
	err.flags = 0;
	err.src = f->router;
	err.icmp_type = f->family == XLB_AF_INET ? ICMP4_UNREACH : ICMP6_UNREACH;
	err.payload = quote;
	err.payload_len = len;
	udp(&flow, f, a->in, f->vip, CLIENT_PORT);

	acl_add(XLB_SCOPE_GLOBAL, XLB_ACL_DENY, a->net, a->plen);
	h_expect_ipip("error about a denied client, from a router", &err, f->be_a[0],
		      pkt_hash(&flow, true), XDP_TX,
		      H_STATS([XLB_STAT_FWD_TX] = 1, [XLB_STAT_EV_ICMP_ERROR] = 1));
	acl_add(XLB_SCOPE_GLOBAL, XLB_ACL_DENY, f->router, f->host_len);
	pkt_build(&in, &err);
	h_expect("error from a denied router", &in, XDP_DROP, NULL,
		 H_STATS([XLB_STAT_DROP_ACL] = 1));
}

Test(acl, icmp_error_by_sender_v4)
{
	icmp_error(&fam4);
}

Test(acl, icmp_error_by_sender_v6)
{
	icmp_error(&fam6);
}

/* Changing an entry's action moves it between the counts; adding it again
 * changes nothing. */
static void action_change(const struct acl_fam *a)
{
	const struct h_fam *f = a->f;

	lab(f);
	acl_add(VIP, XLB_ACL_DENY, a->net, a->plen);
	acl_add(VIP, XLB_ACL_DENY, a->net, a->plen);
	guard_counts(VIP, f, 1, 0);
	expect("denied", f, a->in, f->vip, CLIENT_PORT, false);
	acl_add(VIP, XLB_ACL_ALLOW, a->net, a->plen);
	guard_counts(VIP, f, 0, 1);
	expect("now allowed", f, a->in, f->vip, CLIENT_PORT, true);
	expect("now an allow list", f, a->out, f->vip, CLIENT_PORT, false);
}

Test(acl, action_change_v4)
{
	action_change(&fam4);
}

Test(acl, action_change_v6)
{
	action_change(&fam6);
}

/* Invalid rules are refused and change nothing. */
Test(acl, invalid_rules)
{
	struct xlb_acl_rule r;

	lab(H_FAM4);
	rule(&r, XLB_SCOPE_GLOBAL, XLB_ACL_DENY, "198.18.77.0", 24);
	cr_assert_eq(xlb_acl_rule__check(&r), 0, "a valid rule");
	rule(&r, XLB_SCOPE_GLOBAL, XLB_ACL_DENY, "198.18.77.5", 24);
	cr_assert_eq(xlb_acl_rule__check(&r), -EINVAL, "check: host bits set");
	cr_assert_eq(xlb_acl__add(&h_lab.m, &r), -EINVAL, "host bits set");
	rule(&r, XLB_SCOPE_GLOBAL, XLB_ACL_DENY, "198.18.77.0", 33);
	cr_assert_eq(xlb_acl__add(&h_lab.m, &r), -EINVAL, "IPv4 /33");
	rule(&r, XLB_SCOPE_GLOBAL, XLB_ACL_DENY, "2001:2::", 129);
	cr_assert_eq(xlb_acl__add(&h_lab.m, &r), -EINVAL, "IPv6 /129");
	rule(&r, XLB_MAX_VIPS, XLB_ACL_DENY, "198.18.77.0", 24);
	cr_assert_eq(xlb_acl__add(&h_lab.m, &r), -EINVAL, "scope past the VIPs");
	rule(&r, VIP, XLB_ACL_NONE, "198.18.77.0", 24);
	cr_assert_eq(xlb_acl_rule__check(&r), -EINVAL, "check: no action");
	cr_assert_eq(xlb_acl__add(&h_lab.m, &r), -EINVAL, "no action");
	rule(&r, VIP, XLB_ACL_DENY, "198.18.77.0", 24);
	cr_assert_eq(xlb_acl__del(&h_lab.m, &r), -ENOENT, "delete of a missing entry");
	guard_counts(XLB_SCOPE_GLOBAL, H_FAM4, 0, 0);
	guard_counts(VIP, H_FAM4, 0, 0);
	expect("nothing listed", H_FAM4, fam4.in, H_VIP4, CLIENT_PORT, true);
}

struct seen {
	int n;
	int found;
	struct xlb_acl_rule want;
};

static int count_rule(const struct xlb_acl_rule *r, void *arg)
{
	struct seen *s = arg;

	s->n++;
	if (r->scope == s->want.scope && r->family == s->want.family && r->plen == s->want.plen &&
	    r->action == s->want.action && !memcmp(&r->addr, &s->want.addr, sizeof(r->addr)))
		s->found++;
	return 0;
}

/* The walk lists every entry with its list, prefix and action; flushing a
 * VIP's list removes exactly that list. */
Test(acl, foreach_and_flush)
{
	struct seen s = {0};
	int err;

	lab(H_FAM4);
	acl_add(XLB_SCOPE_GLOBAL, XLB_ACL_DENY, fam4.net, fam4.plen);
	acl_add(VIP, XLB_ACL_ALLOW, fam4.wide, fam4.wide_plen);
	acl_add(VIP, XLB_ACL_DENY, fam4.net, fam4.plen);
	acl_add(VIP, XLB_ACL_ALLOW, fam6.wide, fam6.wide_plen);
	acl_add(VIP_B, XLB_ACL_ALLOW, fam6.net, fam6.plen);
	rule(&s.want, VIP, XLB_ACL_ALLOW, fam6.wide, fam6.wide_plen);
	err = xlb_acl__foreach(&h_lab.m, count_rule, &s);
	cr_assert_eq(err, 0, "foreach: %d", err);
	cr_assert(s.n == 5 && s.found == 1, "walk saw %d entries (%d matching), want 5 (1)", s.n,
		  s.found);

	err = xlb_acl__flush(&h_lab.m, VIP);
	cr_assert_eq(err, 0, "flush: %d", err);
	guard_counts(VIP, H_FAM4, 0, 0);
	guard_counts(VIP, H_FAM6, 0, 0);
	guard_counts(XLB_SCOPE_GLOBAL, H_FAM4, 1, 0);
	guard_counts(VIP_B, H_FAM6, 0, 1);
	memset(&s, 0, sizeof(s));
	err = xlb_acl__foreach(&h_lab.m, count_rule, &s);
	cr_assert(err == 0 && s.n == 2, "after the flush: %d entries (err %d), want 2", s.n, err);
	expect("VIP list flushed, global deny kept", H_FAM4, fam4.in, H_VIP4, CLIENT_PORT, false);
	expect("VIP list flushed", H_FAM4, fam4.out, H_VIP4, CLIENT_PORT, true);
}

/* Counts lost (a daemon that died between an entry and its count) are
 * rebuilt from the tries. */
Test(acl, recount)
{
	struct xlb_guard g;
	__u32 scope;
	int err;

	lab(H_FAM6);
	acl_add(VIP, XLB_ACL_ALLOW, fam6.net, fam6.plen);
	acl_add(XLB_SCOPE_GLOBAL, XLB_ACL_DENY, fam6.wide, fam6.wide_plen);
	for (scope = XLB_SCOPE_GLOBAL; scope <= VIP; scope++) {
		cr_assert_eq(xlb_guard__read(&h_lab.m, scope, &g), 0);
		memset(g.acl, 0, sizeof(g.acl));
		g.nr_active = 0;
		cr_assert_eq(xlb_guard__write(&h_lab.m, scope, &g), 0);
	}
	expect("counts lost: lists skipped", H_FAM6, fam6.out, H_VIP6, CLIENT_PORT, true);
	err = xlb_acl__recount(&h_lab.m);
	cr_assert_eq(err, 0, "recount: %d", err);
	guard_counts(VIP, H_FAM6, 0, 1);
	guard_counts(XLB_SCOPE_GLOBAL, H_FAM6, 1, 0);
	nr_active(2);
	expect("recounted: allow list back", H_FAM6, fam6.out, H_VIP6, CLIENT_PORT + 1, false);
	expect("recounted: deny back", H_FAM6, fam6.in_wide, H_VIP6, CLIENT_PORT, false);
}
