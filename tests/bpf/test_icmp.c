// SPDX-License-Identifier: MIT
/*
 * ICMP (SPEC-bpf.md 7, 9): echo replies, frag-needed / packet-too-big
 * replies and the MTU boundaries, ICMP errors steered to the backend of the
 * flow they quote, neighbour discovery passed to the host.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>
#include <xlb/timeunit.h>
#include "acl.h"
#include "harness.h"
#include "xlb.skel.h"

#define VIP_IPIP	     1
#define VIP_DSR		     2
#define VIP_B		     3
#define BE1		     1
#define BE2		     2
#define PORT_HTTP	     80
#define PORT_HTTPS	     443
#define PORT_OTHER	     81
#define CLIENT_PORT	     40000
#define ECHO_ID		     0x1234
#define ECHO_SEQ	     7
#define ECHO_PAYLOAD	     56
#define BUDGET_SPENT_NS	     (10 * XLB_NSEC_PER_SEC)
#define ECHO_TTL	     3	    /* what is left after the hops a request crossed */
#define TCI_PCP		     0x6007 /* priority 3, VLAN 7 */
#define SMALL_MTU	     1290
#define ERROR_MTU	     1400 /* next-hop MTU quoted in the errors clients' routers send */
#define QUOTE4		     (PKT_IP4_HLEN + 8) /* an IPv4 router quotes the header and 8 bytes */
#define QUOTE_MAX	     256
#define ICMP_ECHO_REPLY	     0
#define ICMP_TIMESTAMP	     13
#define ICMP_REDIRECT	     5
#define ICMP_DEST_UNREACH    3
#define ICMP_FRAG_NEEDED     4
#define ICMP_TIME_EXCEEDED   11
#define ICMP6_ECHO_REPLY     129
#define ICMP6_DEST_UNREACH   1
#define ICMP6_PKT_TOO_BIG    2
#define ICMP6_TIME_EXCEEDED  3
#define ICMP6_MLD_QUERY	     130
#define ICMP6_ROUTER_SOLICIT 133
#define ICMP6_ROUTER_ADVERT  134
#define ICMP6_NEIGH_SOLICIT  135
#define ICMP6_NEIGH_ADVERT   136
#define ICMP6_REDIRECT	     137
#define ND_HOP_LIMIT	     255 /* RFC 4861: anything else was forwarded, not on-link */
#define ND_PAYLOAD	     20	 /* reserved word + target address */
#define ICMP6_PRIVATE	     200
#define NR_ERRORS	     2
#define DESC_LEN	     128

static void setup(void)
{
	int i;

	h_setup();
	for (i = 0; i < 2; i++) {
		const struct h_fam *f = &h_fams[i];

		h_backend(BE1 + 2 * (__u32)i, f->be_a[0], XLB_BE_ACTIVE, H_GEN);
		h_backend(BE2 + 2 * (__u32)i, f->be_a[1], XLB_BE_ACTIVE, H_GEN);
	}
}

TestSuite(icmp, .init = setup, .fini = h_teardown);

/* Backend ids of f: BE1/BE2 for IPv4, 3/4 for IPv6. */
static __u32 be_id(const struct h_fam *f, __u32 id)
{
	return f->family == XLB_AF_INET ? id : id + 2;
}

static void vips(const struct h_fam *f)
{
	h_vip(f->vip, PORT_HTTP, IPPROTO_TCP, VIP_IPIP, XLB_MODE_IPIP);
	h_vip(f->vip, PORT_HTTPS, IPPROTO_TCP, VIP_DSR, XLB_MODE_L2DSR);
	h_ring_fill(VIP_IPIP, be_id(f, BE1));
	h_ring_fill(VIP_DSR, be_id(f, BE1));
}

static void icmp_spec(struct pkt_spec *s, const struct h_fam *f, const char *src, __u8 type)
{
	h_spec(s, f, f->icmp_proto, f->vip, 0, 0);
	s->src = src;
	s->flags = 0;
	s->icmp_type = type;
}

static void echo(const struct h_fam *f, __u16 tci)
{
	static struct pkt in, want;
	struct pkt_spec s;

	vips(f);
	icmp_spec(&s, f, f->client, f->echo_request);
	s.sport = ECHO_ID;
	s.dport = ECHO_SEQ;
	s.payload_len = ECHO_PAYLOAD;
	s.vlan_tci = tci;
	s.ttl = ECHO_TTL;
	pkt_build(&in, &s);
	pkt_expect_echo_reply(&want, &in);
	h_expect(f->name, &in, XDP_TX, &want,
		 H_STATS([XLB_STAT_TX_ECHO_REPLY] = 1, [XLB_STAT_EV_VLAN] = tci ? 1 : 0));
}

Test(icmp, echo_v4)
{
	echo(H_FAM4, 0);
}

Test(icmp, echo_v6)
{
	echo(H_FAM6, 0);
}

Test(icmp, echo_tagged_v4)
{
	echo(H_FAM4, TCI_PCP);
}

Test(icmp, echo_tagged_v6)
{
	echo(H_FAM6, TCI_PCP);
}

/* ICMP to a VIP address that is neither an echo request nor an error. */
static void other_icmp(const struct h_fam *f, const __u8 *types, size_t n)
{
	struct pkt_spec s;
	struct pkt in;
	char desc[DESC_LEN];
	size_t i;

	vips(f);
	for (i = 0; i < n; i++) {
		icmp_spec(&s, f, f->client, types[i]);
		s.payload_len = ECHO_PAYLOAD;
		pkt_build(&in, &s);
		snprintf(desc, sizeof(desc), "%s type %u", f->name, types[i]);
		h_expect(desc, &in, XDP_DROP, NULL, H_STATS([XLB_STAT_DROP_ICMP] = 1));
	}
}

Test(icmp, other_types_dropped_v4)
{
	static const __u8 types[] = {ICMP_ECHO_REPLY, ICMP_REDIRECT, ICMP_TIMESTAMP};

	other_icmp(H_FAM4, types, sizeof(types));
}

Test(icmp, other_types_dropped_v6)
{
	static const __u8 types[] = {ICMP6_ECHO_REPLY, ICMP6_MLD_QUERY, ICMP6_PRIVATE};

	other_icmp(H_FAM6, types, sizeof(types));
}

/* The global ACL denies f's router. */
static void deny_router(const struct h_fam *f)
{
	struct xlb_acl_rule r = {.scope = XLB_SCOPE_GLOBAL, .action = XLB_ACL_DENY};

	r.family = (__u8)pkt_addr(f->router, &r.addr);
	r.plen = (__u8)f->host_len;
	cr_assert_eq(xlb_acl__add(&h_lab.m, &r), 0);
}

/* Neighbour discovery to a VIP address is the host's own, as it would be
 * without xlb: a VIP on the link is probed with unicast solicitations. It
 * passes untouched, even from a source the global ACL denies, when it comes
 * from the link (hop limit 255); from further away it is an ICMP drop. */
Test(icmp, neighbour_discovery_passed_v6)
{
	static const __u8 types[] = {ICMP6_ROUTER_SOLICIT, ICMP6_ROUTER_ADVERT, ICMP6_NEIGH_SOLICIT,
				     ICMP6_NEIGH_ADVERT, ICMP6_REDIRECT};
	struct pkt_spec s;
	struct pkt in;
	char desc[DESC_LEN];
	size_t i;

	vips(H_FAM6);
	deny_router(H_FAM6);
	icmp_spec(&s, H_FAM6, H_FAM6->router, H_FAM6->echo_request);
	s.payload_len = ECHO_PAYLOAD;
	pkt_build(&in, &s);
	h_expect("echo from the denied router", &in, XDP_DROP, NULL,
		 H_STATS([XLB_STAT_DROP_ACL] = 1));
	for (i = 0; i < sizeof(types); i++) {
		icmp_spec(&s, H_FAM6, H_FAM6->router, types[i]);
		s.ttl = ND_HOP_LIMIT;
		s.payload_len = ND_PAYLOAD;
		pkt_build(&in, &s);
		snprintf(desc, sizeof(desc), "type %u", types[i]);
		h_expect(desc, &in, XDP_PASS, &in, H_STATS([XLB_STAT_PASS_ND] = 1));
		/* forwarded on the way: not from the link, and denied */
		s.ttl = ND_HOP_LIMIT - 1;
		pkt_build(&in, &s);
		snprintf(desc, sizeof(desc), "type %u, hop limit %u", types[i], ND_HOP_LIMIT - 1);
		h_expect(desc, &in, XDP_DROP, NULL, H_STATS([XLB_STAT_DROP_ICMP] = 1));
	}
}

/* A TCP packet of l3_len bytes to port (DF set for IPv4 when df). */
static void big_spec(struct pkt_spec *s, const struct h_fam *f, __u16 sport, __u16 port,
		     size_t l3_len, bool df)
{
	h_spec(s, f, IPPROTO_TCP, f->vip, sport, port);
	if (!df)
		s->flags = 0;
	s->payload_len = pkt_tcp_payload_for(s, l3_len);
}

/* The first packet longer than fits is answered with the exact error. */
static void expect_too_big(const char *what, const struct h_fam *f, __u16 port, size_t l3_len,
			   __u16 tci, __u32 mtu)
{
	static struct pkt in, want;
	struct pkt_spec s;
	char desc[DESC_LEN];

	big_spec(&s, f, CLIENT_PORT + 1, port, l3_len, true);
	s.vlan_tci = tci;
	pkt_build(&in, &s);
	pkt_expect_too_big(&want, &in, mtu);
	snprintf(desc, sizeof(desc), "%s: %s, %zu bytes", f->name, what, l3_len);
	h_expect(desc, &in, XDP_TX, &want,
		 H_STATS([XLB_STAT_TX_TOO_BIG] = 1, [XLB_STAT_EV_NEW_FLOW] = H_ANY,
			 [XLB_STAT_EV_VLAN] = tci ? 1 : 0));
}

/* ipip: the largest packet that fits is forwarded, one byte more is not. */
static void too_big_ipip(const struct h_fam *f, __u32 cfg_mtu, __u32 mtu, __u32 reply_mtu)
{
	struct pkt_spec s;
	size_t fits = mtu - f->overhead;

	vips(f);
	h_config_mtu(cfg_mtu);
	big_spec(&s, f, CLIENT_PORT, PORT_HTTP, fits, true);
	h_expect_ipip("largest that fits", &s, f->be_a[0], pkt_hash(&s, true), XDP_TX,
		      H_STATS([XLB_STAT_FWD_TX] = 1, [XLB_STAT_EV_NEW_FLOW] = 1));
	expect_too_big("ipip", f, PORT_HTTP, fits + 1, 0, reply_mtu);
}

Test(icmp, frag_needed_v4)
{
	too_big_ipip(H_FAM4, H_MTU, H_MTU, H_MTU - XLB_IPIP4_OVERHEAD);
}

Test(icmp, packet_too_big_v6)
{
	too_big_ipip(H_FAM6, H_MTU, H_MTU, H_MTU - XLB_IPIP6_OVERHEAD);
}

Test(icmp, mtu_default_v4)
{
	too_big_ipip(H_FAM4, 0, XLB_MTU_DEFAULT, XLB_MTU_DEFAULT - XLB_IPIP4_OVERHEAD);
}

Test(icmp, mtu_default_v6)
{
	too_big_ipip(H_FAM6, 0, XLB_MTU_DEFAULT, XLB_MTU_DEFAULT - XLB_IPIP6_OVERHEAD);
}

Test(icmp, frag_needed_small_mtu_v4)
{
	too_big_ipip(H_FAM4, SMALL_MTU, SMALL_MTU, SMALL_MTU - XLB_IPIP4_OVERHEAD);
}

/* IPv6 never advertises below its minimum MTU, and an error the client
 * could not act on is not sent: too big is dropped and counted. */
Test(icmp, packet_too_big_below_minimum_dropped_v6)
{
	static const size_t lens[] = {SMALL_MTU - XLB_IPIP6_OVERHEAD + 1, XLB_IPV6_MIN_MTU,
				      ERROR_MTU};
	struct pkt_spec s;
	struct pkt in;
	size_t i;

	vips(H_FAM6);
	h_config_mtu(SMALL_MTU);
	big_spec(&s, H_FAM6, CLIENT_PORT, PORT_HTTP, SMALL_MTU - XLB_IPIP6_OVERHEAD, true);
	h_expect_ipip("largest that fits", &s, H_FAM6->be_a[0], pkt_hash(&s, true), XDP_TX,
		      H_STATS([XLB_STAT_FWD_TX] = 1, [XLB_STAT_EV_NEW_FLOW] = 1));
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		big_spec(&s, H_FAM6, CLIENT_PORT + 1, PORT_HTTP, lens[i], true);
		pkt_build(&in, &s);
		h_expect("below the IPv6 minimum", &in, XDP_DROP, NULL,
			 H_STATS([XLB_STAT_DROP_TOO_BIG] = 1, [XLB_STAT_EV_NEW_FLOW] = H_ANY));
	}
}

/* Every CPU's ICMP error budget: its GCRA time set to tat. */
static void error_budget_set(__u64 tat)
{
	int n = libbpf_num_possible_cpus(), fd = bpf_map__fd(h_lab.skel->maps.error_budget), i;
	struct xlb_budget_state *v;
	__u32 zero = 0;

	cr_assert_gt(n, 0);
	v = calloc((size_t)n, sizeof(*v));
	cr_assert_not_null(v);
	for (i = 0; i < n; i++)
		v[i].tat = tat;
	cr_assert_eq(bpf_map_update_elem(fd, &zero, v, BPF_ANY), 0);
	free(v);
}

/* The latest GCRA time of the CPUs' ICMP error budgets. */
static __u64 error_budget_get(void)
{
	int n = libbpf_num_possible_cpus(), fd = bpf_map__fd(h_lab.skel->maps.error_budget), i;
	struct xlb_budget_state *v;
	__u32 zero = 0;
	__u64 max = 0;

	cr_assert_gt(n, 0);
	v = calloc((size_t)n, sizeof(*v));
	cr_assert_not_null(v);
	cr_assert_eq(bpf_map_lookup_elem(fd, &zero, v), 0);
	for (i = 0; i < n; i++)
		max = v[i].tat > max ? v[i].tat : max;
	free(v);
	return max;
}

static __u64 monotonic_ns(void)
{
	struct timespec ts;

	cr_assert_eq(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	return (__u64)ts.tv_sec * XLB_NSEC_PER_SEC + (__u64)ts.tv_nsec;
}

/* The errors the program sends come out of a budget per CPU (RFC 4443
 * 2.4(f)): each takes one interval of it; a spent budget is a counted drop. */
static void too_big_limited(const struct h_fam *f)
{
	const __u64 interval = XLB_NSEC_PER_SEC / XLB_ICMP_ERR_RATE;
	size_t big = H_MTU - f->overhead + 1;
	struct pkt_spec s;
	struct pkt in;
	__u64 before, after, tat;

	vips(f);
	h_config_mtu(H_MTU);
	error_budget_set(0);
	before = monotonic_ns();
	expect_too_big("budget left", f, PORT_HTTP, big, 0, H_MTU - f->overhead);
	after = monotonic_ns();
	tat = error_budget_get();
	cr_assert(tat >= before + interval && tat <= after + interval,
		  "%s: budget time %llu, want %llu..%llu", f->name, (unsigned long long)tat,
		  (unsigned long long)(before + interval), (unsigned long long)(after + interval));
	/* spent for the next ten seconds, whatever the host's pace */
	error_budget_set(monotonic_ns() + BUDGET_SPENT_NS);
	big_spec(&s, f, CLIENT_PORT + 1, PORT_HTTP, big, true);
	pkt_build(&in, &s);
	h_expect("budget spent", &in, XDP_DROP, NULL,
		 H_STATS([XLB_STAT_DROP_TOO_BIG_LIMIT] = 1, [XLB_STAT_EV_NEW_FLOW] = H_ANY));
}

Test(icmp, too_big_errors_limited_v4)
{
	too_big_limited(H_FAM4);
}

Test(icmp, too_big_errors_limited_v6)
{
	too_big_limited(H_FAM6);
}

/* At 1320 (1280 inside the outer header) the error still goes out. */
Test(icmp, packet_too_big_at_the_minimum_v6)
{
	const __u32 mtu = XLB_IPV6_MIN_MTU + XLB_IPIP6_OVERHEAD;

	too_big_ipip(H_FAM6, mtu, mtu, XLB_IPV6_MIN_MTU);
}

Test(icmp, too_big_without_df_v4)
{
	struct pkt_spec s;
	struct pkt in;

	vips(H_FAM4);
	big_spec(&s, H_FAM4, CLIENT_PORT, PORT_HTTP, H_MTU - XLB_IPIP4_OVERHEAD + 1, false);
	pkt_build(&in, &s);
	h_expect("no DF", &in, XDP_DROP, NULL,
		 H_STATS([XLB_STAT_DROP_TOO_BIG] = 1, [XLB_STAT_EV_NEW_FLOW] = H_ANY));
}

Test(icmp, too_big_tagged_v4)
{
	vips(H_FAM4);
	expect_too_big("tagged", H_FAM4, PORT_HTTP, H_MTU - XLB_IPIP4_OVERHEAD + 1, TCI_PCP,
		       H_MTU - XLB_IPIP4_OVERHEAD);
}

Test(icmp, too_big_tagged_v6)
{
	vips(H_FAM6);
	expect_too_big("tagged", H_FAM6, PORT_HTTP, H_MTU - XLB_IPIP6_OVERHEAD + 1, TCI_PCP,
		       H_MTU - XLB_IPIP6_OVERHEAD);
}

/* l2dsr adds nothing: the MTU itself is the limit. */
static void too_big_l2dsr(const struct h_fam *f)
{
	struct pkt_spec s;

	vips(f);
	big_spec(&s, f, CLIENT_PORT, PORT_HTTPS, H_MTU, true);
	h_expect_l2dsr("l2dsr largest that fits", &s, f->be_a[0], XDP_TX,
		       H_STATS([XLB_STAT_FWD_TX] = 1, [XLB_STAT_EV_NEW_FLOW] = 1));
	expect_too_big("l2dsr", f, PORT_HTTPS, H_MTU + 1, 0, H_MTU);
}

Test(icmp, too_big_l2dsr_v4)
{
	too_big_l2dsr(H_FAM4);
}

Test(icmp, too_big_l2dsr_v6)
{
	too_big_l2dsr(H_FAM6);
}

/* An error from a router to the VIP, quoting what the backend sent from
 * from:sport to the client's cport. */
static void error_spec(struct pkt_spec *s, __u8 *quote, const struct h_fam *f, __u8 type, __u8 code,
		       const char *from, __u8 proto, __u16 sport, __u16 cport)
{
	struct pkt_spec q;
	size_t len;

	h_spec(&q, f, proto, f->client, sport, cport);
	q.src = from;
	len = pkt_build_l3(quote, QUOTE_MAX, &q);
	icmp_spec(s, f, f->router, type);
	s->icmp_code = code;
	s->dport = ERROR_MTU;
	s->payload = quote;
	s->payload_len = f->family == XLB_AF_INET ? QUOTE4 : len;
}

/* The client's flow that a quote of VIP:80 -> client:cport belongs to. */
static void owning_flow(struct pkt_spec *s, const struct h_fam *f, __u16 cport)
{
	h_spec(s, f, IPPROTO_TCP, f->vip, cport, PORT_HTTP);
}

/* With a flow: the error goes to the flow's backend, not the ring's. */
static void error_with_flow(const struct h_fam *f, __u8 type, __u8 code)
{
	static __u8 quote[QUOTE_MAX];
	struct pkt_spec flow, err;

	vips(f);
	h_config_source(f->family, f->src_prefix, f->src_prefix_len);
	owning_flow(&flow, f, CLIENT_PORT);
	h_expect_ipip("the flow", &flow, f->be_a[0], pkt_hash(&flow, true), XDP_TX,
		      H_STATS([XLB_STAT_FWD_TX] = 1, [XLB_STAT_EV_NEW_FLOW] = 1));
	h_ring_fill(VIP_IPIP, be_id(f, BE2));
	error_spec(&err, quote, f, type, code, f->vip, IPPROTO_TCP, PORT_HTTP, CLIENT_PORT);
	h_expect_ipip("its error", &err, f->be_a[0], pkt_hash(&flow, true), XDP_TX,
		      H_STATS([XLB_STAT_FWD_TX] = 1, [XLB_STAT_EV_ICMP_ERROR] = 1));
}

Test(icmp, error_with_flow_v4)
{
	error_with_flow(H_FAM4, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED);
}

Test(icmp, error_with_flow_v6)
{
	error_with_flow(H_FAM6, ICMP6_PKT_TOO_BIG, 0);
}

/* Without a flow: the ring's choice for the flow's hash; no entry made. */
static void error_without_flow(const struct h_fam *f, const __u8 *types)
{
	static const __u32 ids4[] = {BE1, BE2}, ids6[] = {BE1 + 2, BE2 + 2};
	static __u8 quote[QUOTE_MAX];
	struct pkt_spec flow, err;
	__u32 *ring, id;
	char desc[DESC_LEN];
	int i;

	vips(f);
	h_config_source(f->family, f->src_prefix, f->src_prefix_len);
	ring = h_ring_maglev(f->family == XLB_AF_INET ? ids4 : ids6, 2);
	h_ring_set(VIP_IPIP, ring);
	for (i = 0; i < NR_ERRORS; i++) {
		owning_flow(&flow, f, (__u16)(CLIENT_PORT + i));
		id = ring[pkt_hash(&flow, true) % XLB_RING_SIZE];
		error_spec(&err, quote, f, types[i], 0, f->vip, IPPROTO_TCP, PORT_HTTP,
			   (__u16)(CLIENT_PORT + i));
		snprintf(desc, sizeof(desc), "%s type %u", f->name, types[i]);
		h_expect_ipip(desc, &err, f->be_a[id - be_id(f, BE1)], pkt_hash(&flow, true),
			      XDP_TX,
			      H_STATS([XLB_STAT_FWD_TX] = 1, [XLB_STAT_EV_ICMP_ERROR] = 1,
				      [XLB_STAT_EV_NEW_FLOW] = H_ANY));
		cr_assert_eq(h_flow_get(&flow, &(struct xlb_flow){0}), -ENOENT, "%s: entry", desc);
	}
	free(ring);
}

Test(icmp, error_without_flow_v4)
{
	static const __u8 types[NR_ERRORS] = {ICMP_DEST_UNREACH, ICMP_TIME_EXCEEDED};

	error_without_flow(H_FAM4, types);
}

Test(icmp, error_without_flow_v6)
{
	static const __u8 types[NR_ERRORS] = {ICMP6_DEST_UNREACH, ICMP6_TIME_EXCEEDED};

	error_without_flow(H_FAM6, types);
}

/* Errors quoting a packet that no VIP of this host sent. */
static void error_unknown(const struct h_fam *f)
{
	static __u8 quote[QUOTE_MAX];
	struct pkt_spec err;
	struct pkt in;
	__u8 type = f->family == XLB_AF_INET ? ICMP_DEST_UNREACH : ICMP6_DEST_UNREACH;

	vips(f);
	error_spec(&err, quote, f, type, 0, f->not_vip, IPPROTO_TCP, PORT_HTTP, CLIENT_PORT);
	pkt_build(&in, &err);
	h_expect("quote from another address", &in, XDP_DROP, NULL,
		 H_STATS([XLB_STAT_DROP_ICMP] = 1));
	error_spec(&err, quote, f, type, 0, f->vip, IPPROTO_TCP, PORT_OTHER, CLIENT_PORT);
	pkt_build(&in, &err);
	h_expect("quote from a port without a VIP", &in, XDP_DROP, NULL,
		 H_STATS([XLB_STAT_DROP_ICMP] = 1));
	error_spec(&err, quote, f, type, 0, f->vip, IPPROTO_UDP, PORT_HTTP, CLIENT_PORT);
	pkt_build(&in, &err);
	h_expect("quote of udp, tcp VIP only", &in, XDP_DROP, NULL,
		 H_STATS([XLB_STAT_DROP_ICMP] = 1));
	/* another VIP's flow, in an error sent to this one: forged */
	h_vip(f->vip_b, PORT_HTTP, IPPROTO_TCP, VIP_B, XLB_MODE_IPIP);
	h_ring_fill(VIP_B, be_id(f, BE1));
	error_spec(&err, quote, f, type, 0, f->vip_b, IPPROTO_TCP, PORT_HTTP, CLIENT_PORT);
	pkt_build(&in, &err);
	h_expect("quote from another VIP", &in, XDP_DROP, NULL, H_STATS([XLB_STAT_DROP_ICMP] = 1));
}

Test(icmp, error_unknown_v4)
{
	error_unknown(H_FAM4);
}

Test(icmp, error_unknown_v6)
{
	error_unknown(H_FAM6);
}

/* No error is sent about an error (RFC 1122 4.2.2 / RFC 4443 2.4): an ICMP
 * error too big to forward is dropped, not answered with frag-needed, and
 * counted as that drop only, not as an error forwarded. */
static void error_too_big(const struct h_fam *f, __u8 type)
{
	static __u8 quote[PKT_MAX];
	size_t iph = f->family == XLB_AF_INET ? PKT_IP4_HLEN : PKT_IP6_HLEN;
	size_t l3_len = H_MTU - f->overhead + 1;
	struct pkt_spec q, err;
	struct pkt in;

	vips(f);
	h_spec(&q, f, IPPROTO_TCP, f->client, PORT_HTTP, CLIENT_PORT);
	q.src = f->vip;
	q.payload_len = pkt_tcp_payload_for(&q, l3_len - iph - PKT_ICMP_HLEN);
	icmp_spec(&err, f, f->router, type);
	err.dport = ERROR_MTU;
	err.payload = quote;
	err.payload_len = pkt_build_l3(quote, sizeof(quote), &q);
	pkt_build(&in, &err);
	cr_assert_eq(in.len, PKT_ETH_HLEN + l3_len);
	h_expect(f->name, &in, XDP_DROP, NULL, H_STATS([XLB_STAT_DROP_TOO_BIG] = 1));
}

Test(icmp, error_too_big_dropped_v4)
{
	error_too_big(H_FAM4, ICMP_DEST_UNREACH);
}

Test(icmp, error_too_big_dropped_v6)
{
	error_too_big(H_FAM6, ICMP6_PKT_TOO_BIG);
}
