// SPDX-License-Identifier: MIT
/*
 * Parsing and VIP matching (SPEC-bpf.md 1-4, 6): what passes untouched, what
 * is dropped as malformed, which VIP a packet matches.
 */
#include <stdio.h>
#include <netinet/in.h>
#include <linux/bpf.h>
#include <criterion/criterion.h>
#include "harness.h"

#define VIP4_TCP	   1
#define VIP6_TCP	   2
#define VIP4_UDP	   3
#define VIP6_UDP	   4
#define VIP_ANY		   5 /* port 0 on the second address */
#define VIP_EXACT	   6 /* port 80 on the second address */
#define BE4		   1
#define BE6		   2
#define BE_ANY		   3
#define BE_EXACT	   4
#define PORT_HTTP	   80
#define PORT_OTHER	   81
#define PORT_DNS	   53
#define PORT_HIGH	   65535
#define CLIENT_PORT	   40000
#define VLAN_TCI	   7
#define PAYLOAD		   32
#define KEEP_TCP	   10 /* bytes of a truncated TCP header */
#define KEEP_SHORT	   4  /* bytes of a truncated UDP / ICMP header */
#define KEEP_EXT	   10 /* bytes of a truncated extension header */
#define CUT_IP4		   19 /* one byte short of the IPv4 header */
#define CUT_IP6		   39 /* one byte short of the IPv6 header */
#define IHL_SHORT	   0x44
#define IHL_MAX		   0x4f
#define VERSION_6_IHL_5	   0x65
#define DOFF_SHORT	   4
#define DOFF_MAX	   15
#define IPPROTO_SCTP_	   132
#define ARP_LEN		   28
#define MIN_PAYLOAD	   46 /* an Ethernet frame's minimum payload */
#define ICMP_ECHO_REQUEST  8
#define ICMP6_ECHO_REQUEST 128

static void setup(void)
{
	h_setup();
	h_backend(BE4, H_BE4_A1, XLB_BE_ACTIVE, H_GEN);
	h_backend(BE6, H_BE6_A1, XLB_BE_ACTIVE, H_GEN);
	h_vip(H_VIP4, PORT_HTTP, IPPROTO_TCP, VIP4_TCP, XLB_MODE_IPIP);
	h_vip(H_VIP6, PORT_HTTP, IPPROTO_TCP, VIP6_TCP, XLB_MODE_IPIP);
	h_vip(H_VIP4, PORT_DNS, IPPROTO_UDP, VIP4_UDP, XLB_MODE_IPIP);
	h_vip(H_VIP6, PORT_DNS, IPPROTO_UDP, VIP6_UDP, XLB_MODE_IPIP);
	h_ring_fill(VIP4_TCP, BE4);
	h_ring_fill(VIP6_TCP, BE6);
	h_ring_fill(VIP4_UDP, BE4);
	h_ring_fill(VIP6_UDP, BE6);
}

TestSuite(parse, .init = setup, .fini = h_teardown);

/* Spec fields of a client packet; rows add the rest. */
#define C4(proto_, dst_, sport_, dport_)                                                           \
	.family = XLB_AF_INET, .src = H_CLIENT4, .dst = (dst_), .proto = (proto_),                 \
	.sport = (sport_), .dport = (dport_)
#define C6(proto_, dst_, sport_, dport_)                                                           \
	.family = XLB_AF_INET6, .src = H_CLIENT6, .dst = (dst_), .proto = (proto_),                \
	.sport = (sport_), .dport = (dport_)

static __u8 *l3(struct pkt *p)
{
	return p->data + pkt_l3_off(p);
}

static void cut_ip4(struct pkt *p)
{
	pkt_truncate(p, pkt_l3_off(p) + CUT_IP4);
}

static void cut_ip6(struct pkt *p)
{
	pkt_truncate(p, pkt_l3_off(p) + CUT_IP6);
}

static void ihl_short(struct pkt *p)
{
	l3(p)[0] = IHL_SHORT;
	pkt_ip4_refresh_csum(p);
}

static void ihl_max(struct pkt *p)
{
	l3(p)[0] = IHL_MAX;
	pkt_ip4_refresh_csum(p);
}

static void version6_in_ip4(struct pkt *p)
{
	l3(p)[0] = VERSION_6_IHL_5;
	pkt_ip4_refresh_csum(p);
}

static void version4_in_ip6(struct pkt *p)
{
	l3(p)[0] = (__u8)(4 << 4 | (l3(p)[0] & 0xf));
}

static void tot_len_below_ihl(struct pkt *p)
{
	pkt_ip4_set_tot_len(p, PKT_IP4_HLEN - 1);
}

static void tot_len_beyond_frame(struct pkt *p)
{
	pkt_ip4_set_tot_len(p, (__u16)(p->len - pkt_l3_off(p) + 1));
}

/* IPv4 and IPv6 packets whose L4 header is cut after keep bytes, with the
 * IP lengths telling the truth about it. */
static void trunc4(struct pkt *p, size_t keep)
{
	pkt_truncate(p, pkt_l3_off(p) + PKT_IP4_HLEN + keep);
	pkt_ip4_set_tot_len(p, (__u16)(PKT_IP4_HLEN + keep));
}

static void trunc6(struct pkt *p, size_t keep)
{
	pkt_truncate(p, pkt_l3_off(p) + PKT_IP6_HLEN + keep);
	pkt_ip6_fit_plen(p);
}

static void trunc_tcp4(struct pkt *p)
{
	trunc4(p, KEEP_TCP);
}

static void trunc_short4(struct pkt *p)
{
	trunc4(p, KEEP_SHORT);
}

static void trunc_tcp6(struct pkt *p)
{
	trunc6(p, KEEP_TCP);
}

static void trunc_short6(struct pkt *p)
{
	trunc6(p, KEEP_SHORT);
}

static void trunc_ext6(struct pkt *p)
{
	trunc6(p, KEEP_EXT);
}

static const struct h_case pass_cases[] = {
	{"arp is not ip",
	 {.ethertype = PKT_ETH_P_ARP, .payload_len = ARP_LEN},
	 NULL,
	 XDP_PASS,
	 H_OUT_SAME,
	 NULL,
	 {[XLB_STAT_PASS_NOT_IP] = 1}},
	{"802.1ad outer tag is not parsed",
	 {.ethertype = PKT_ETH_P_8021AD, .payload_len = MIN_PAYLOAD},
	 NULL,
	 XDP_PASS,
	 H_OUT_SAME,
	 NULL,
	 {[XLB_STAT_PASS_NOT_IP] = 1}},
	{"a second 802.1Q tag is not parsed",
	 {.vlan_tci = VLAN_TCI, .ethertype = PKT_ETH_P_8021Q, .payload_len = MIN_PAYLOAD},
	 NULL,
	 XDP_PASS,
	 H_OUT_SAME,
	 NULL,
	 {[XLB_STAT_PASS_NOT_IP] = 1, [XLB_STAT_EV_VLAN] = 1}},
	{"ipv4 ethertype, no header",
	 {.ethertype = PKT_ETH_P_IP},
	 NULL,
	 XDP_PASS,
	 H_OUT_SAME,
	 NULL,
	 {[XLB_STAT_PASS_MALFORMED] = 1}},
	{"ipv4 tcp to another host",
	 {C4(IPPROTO_TCP, H_NOT_VIP4, CLIENT_PORT, PORT_HTTP)},
	 NULL,
	 XDP_PASS,
	 H_OUT_SAME,
	 NULL,
	 {[XLB_STAT_PASS_NOT_VIP] = 1}},
	{"ipv6 tcp to another host",
	 {C6(IPPROTO_TCP, H_NOT_VIP6, CLIENT_PORT, PORT_HTTP)},
	 NULL,
	 XDP_PASS,
	 H_OUT_SAME,
	 NULL,
	 {[XLB_STAT_PASS_NOT_VIP] = 1}},
	{"tagged ipv4 udp to another host",
	 {C4(IPPROTO_UDP, H_NOT_VIP4, CLIENT_PORT, PORT_DNS), .vlan_tci = VLAN_TCI},
	 NULL,
	 XDP_PASS,
	 H_OUT_SAME,
	 NULL,
	 {[XLB_STAT_PASS_NOT_VIP] = 1, [XLB_STAT_EV_VLAN] = 1}},
	{"ipv4 to another host, tot_len beyond the frame",
	 {C4(IPPROTO_TCP, H_NOT_VIP4, CLIENT_PORT, PORT_HTTP)},
	 tot_len_beyond_frame,
	 XDP_PASS,
	 H_OUT_SAME,
	 NULL,
	 {[XLB_STAT_PASS_NOT_VIP] = 1}},
	{"ipv6 icmpv6 to another host",
	 {C6(IPPROTO_ICMPV6, H_NOT_VIP6, 1, 1), .icmp_type = ICMP6_ECHO_REQUEST},
	 NULL,
	 XDP_PASS,
	 H_OUT_SAME,
	 NULL,
	 {[XLB_STAT_PASS_NOT_VIP] = 1}},
	{"ipv4 header truncated",
	 {C4(IPPROTO_TCP, H_VIP4, CLIENT_PORT, PORT_HTTP)},
	 cut_ip4,
	 XDP_PASS,
	 H_OUT_SAME,
	 NULL,
	 {[XLB_STAT_PASS_MALFORMED] = 1}},
	{"ipv4 ihl 4, to a VIP address",
	 {C4(IPPROTO_TCP, H_VIP4, CLIENT_PORT, PORT_HTTP)},
	 ihl_short,
	 XDP_PASS,
	 H_OUT_SAME,
	 NULL,
	 {[XLB_STAT_PASS_MALFORMED] = 1}},
	{"ipv4 ethertype, version 6",
	 {C4(IPPROTO_TCP, H_VIP4, CLIENT_PORT, PORT_HTTP)},
	 version6_in_ip4,
	 XDP_PASS,
	 H_OUT_SAME,
	 NULL,
	 {[XLB_STAT_PASS_MALFORMED] = 1}},
	{"ipv6 header truncated",
	 {C6(IPPROTO_TCP, H_VIP6, CLIENT_PORT, PORT_HTTP)},
	 cut_ip6,
	 XDP_PASS,
	 H_OUT_SAME,
	 NULL,
	 {[XLB_STAT_PASS_MALFORMED] = 1}},
	{"ipv6 ethertype, version 4",
	 {C6(IPPROTO_TCP, H_VIP6, CLIENT_PORT, PORT_HTTP)},
	 version4_in_ip6,
	 XDP_PASS,
	 H_OUT_SAME,
	 NULL,
	 {[XLB_STAT_PASS_MALFORMED] = 1}},
};

Test(parse, pass_untouched)
{
	h_run_cases(pass_cases, sizeof(pass_cases) / sizeof(pass_cases[0]));
}

static const struct h_case drop_cases[] = {
	{"ipv4 ihl 15 beyond the packet",
	 {C4(IPPROTO_TCP, H_VIP4, CLIENT_PORT, PORT_HTTP)},
	 ihl_max,
	 XDP_DROP,
	 H_OUT_NONE,
	 NULL,
	 {[XLB_STAT_DROP_MALFORMED] = 1}},
	{"ipv4 tot_len below the header",
	 {C4(IPPROTO_TCP, H_VIP4, CLIENT_PORT, PORT_HTTP)},
	 tot_len_below_ihl,
	 XDP_DROP,
	 H_OUT_NONE,
	 NULL,
	 {[XLB_STAT_DROP_MALFORMED] = 1}},
	{"ipv4 tot_len beyond the frame",
	 {C4(IPPROTO_TCP, H_VIP4, CLIENT_PORT, PORT_HTTP)},
	 tot_len_beyond_frame,
	 XDP_DROP,
	 H_OUT_NONE,
	 NULL,
	 {[XLB_STAT_DROP_MALFORMED] = 1}},
	{"ipv4 tcp header truncated",
	 {C4(IPPROTO_TCP, H_VIP4, CLIENT_PORT, PORT_HTTP)},
	 trunc_tcp4,
	 XDP_DROP,
	 H_OUT_NONE,
	 NULL,
	 {[XLB_STAT_DROP_MALFORMED] = 1}},
	{"ipv4 tcp doff 4",
	 {C4(IPPROTO_TCP, H_VIP4, CLIENT_PORT, PORT_HTTP), .tcp_doff = DOFF_SHORT},
	 NULL,
	 XDP_DROP,
	 H_OUT_NONE,
	 NULL,
	 {[XLB_STAT_DROP_MALFORMED] = 1}},
	{"ipv4 tcp doff beyond the packet",
	 {C4(IPPROTO_TCP, H_VIP4, CLIENT_PORT, PORT_HTTP), .tcp_doff = DOFF_MAX},
	 NULL,
	 XDP_DROP,
	 H_OUT_NONE,
	 NULL,
	 {[XLB_STAT_DROP_MALFORMED] = 1}},
	{"ipv4 udp header truncated",
	 {C4(IPPROTO_UDP, H_VIP4, CLIENT_PORT, PORT_DNS)},
	 trunc_short4,
	 XDP_DROP,
	 H_OUT_NONE,
	 NULL,
	 {[XLB_STAT_DROP_MALFORMED] = 1}},
	{"ipv4 icmp header truncated",
	 {C4(IPPROTO_ICMP, H_VIP4, 1, 1), .icmp_type = ICMP_ECHO_REQUEST},
	 trunc_short4,
	 XDP_DROP,
	 H_OUT_NONE,
	 NULL,
	 {[XLB_STAT_DROP_MALFORMED] = 1}},
	{"ipv6 tcp header truncated",
	 {C6(IPPROTO_TCP, H_VIP6, CLIENT_PORT, PORT_HTTP)},
	 trunc_tcp6,
	 XDP_DROP,
	 H_OUT_NONE,
	 NULL,
	 {[XLB_STAT_DROP_MALFORMED] = 1}},
	{"ipv6 udp header truncated",
	 {C6(IPPROTO_UDP, H_VIP6, CLIENT_PORT, PORT_DNS)},
	 trunc_short6,
	 XDP_DROP,
	 H_OUT_NONE,
	 NULL,
	 {[XLB_STAT_DROP_MALFORMED] = 1}},
	{"ipv6 icmpv6 header truncated",
	 {C6(IPPROTO_ICMPV6, H_VIP6, 1, 1), .icmp_type = ICMP6_ECHO_REQUEST},
	 trunc_short6,
	 XDP_DROP,
	 H_OUT_NONE,
	 NULL,
	 {[XLB_STAT_DROP_MALFORMED] = 1}},
	{"ipv6 extension header truncated",
	 {C6(IPPROTO_TCP, H_VIP6, CLIENT_PORT, PORT_HTTP), .ext = {IPPROTO_DSTOPTS}, .nr_ext = 1},
	 trunc_ext6,
	 XDP_DROP,
	 H_OUT_NONE,
	 NULL,
	 {[XLB_STAT_DROP_MALFORMED] = 1}},
	{"ipv6 seven extension headers",
	 {C6(IPPROTO_TCP, H_VIP6, CLIENT_PORT, PORT_HTTP),
	  .ext = {IPPROTO_HOPOPTS, IPPROTO_DSTOPTS, IPPROTO_ROUTING, IPPROTO_DSTOPTS, IPPROTO_AH,
		  IPPROTO_DSTOPTS, IPPROTO_DSTOPTS},
	  .nr_ext = 7},
	 NULL,
	 XDP_DROP,
	 H_OUT_NONE,
	 NULL,
	 {[XLB_STAT_DROP_MALFORMED] = 1}},
	{"ipv4 tcp to a port without a VIP",
	 {C4(IPPROTO_TCP, H_VIP4, CLIENT_PORT, PORT_OTHER)},
	 NULL,
	 XDP_DROP,
	 H_OUT_NONE,
	 NULL,
	 {[XLB_STAT_DROP_NO_VIP] = 1}},
	{"ipv4 udp to a port without a VIP",
	 {C4(IPPROTO_UDP, H_VIP4, CLIENT_PORT, PORT_HTTP)},
	 NULL,
	 XDP_DROP,
	 H_OUT_NONE,
	 NULL,
	 {[XLB_STAT_DROP_NO_VIP] = 1}},
	{"ipv4 gre to a VIP address",
	 {C4(IPPROTO_GRE, H_VIP4, 0, 0), .payload_len = PAYLOAD},
	 NULL,
	 XDP_DROP,
	 H_OUT_NONE,
	 NULL,
	 {[XLB_STAT_DROP_NO_VIP] = 1}},
	{"ipv6 tcp to a port without a VIP",
	 {C6(IPPROTO_TCP, H_VIP6, CLIENT_PORT, PORT_OTHER)},
	 NULL,
	 XDP_DROP,
	 H_OUT_NONE,
	 NULL,
	 {[XLB_STAT_DROP_NO_VIP] = 1}},
	{"ipv6 sctp to a VIP address",
	 {C6(IPPROTO_SCTP_, H_VIP6, 0, 0), .payload_len = PAYLOAD},
	 NULL,
	 XDP_DROP,
	 H_OUT_NONE,
	 NULL,
	 {[XLB_STAT_DROP_NO_VIP] = 1}},
};

Test(parse, drop_malformed_and_no_vip)
{
	h_run_cases(drop_cases, sizeof(drop_cases) / sizeof(drop_cases[0]));
}

#define FWD                                                                                        \
	{                                                                                          \
		[XLB_STAT_FWD_TX] = 1, [XLB_STAT_EV_NEW_FLOW] = 1                                  \
	}

static const struct h_case fwd_cases[] = {
	{"ipv4 tcp to a VIP",
	 {C4(IPPROTO_TCP, H_VIP4, CLIENT_PORT, PORT_HTTP), .flags = PKT_DF},
	 NULL,
	 XDP_TX,
	 H_OUT_IPIP,
	 H_BE4_A1,
	 FWD},
	{"ipv4 udp to a VIP",
	 {C4(IPPROTO_UDP, H_VIP4, CLIENT_PORT, PORT_DNS), .payload_len = PAYLOAD},
	 NULL,
	 XDP_TX,
	 H_OUT_IPIP,
	 H_BE4_A1,
	 FWD},
	{"ipv6 tcp to a VIP",
	 {C6(IPPROTO_TCP, H_VIP6, CLIENT_PORT, PORT_HTTP)},
	 NULL,
	 XDP_TX,
	 H_OUT_IPIP,
	 H_BE6_A1,
	 FWD},
	{"ipv6 udp to a VIP",
	 {C6(IPPROTO_UDP, H_VIP6, CLIENT_PORT, PORT_DNS), .payload_len = PAYLOAD},
	 NULL,
	 XDP_TX,
	 H_OUT_IPIP,
	 H_BE6_A1,
	 FWD},
	{"ipv4 with options",
	 {C4(IPPROTO_TCP, H_VIP4, CLIENT_PORT + 1, PORT_HTTP), .opt_words = 2},
	 NULL,
	 XDP_TX,
	 H_OUT_IPIP,
	 H_BE4_A1,
	 FWD},
	{"ipv6 six extension headers",
	 {C6(IPPROTO_TCP, H_VIP6, CLIENT_PORT + 1, PORT_HTTP),
	  .ext = {IPPROTO_HOPOPTS, IPPROTO_DSTOPTS, IPPROTO_ROUTING, IPPROTO_DSTOPTS, IPPROTO_AH,
		  IPPROTO_DSTOPTS},
	  .nr_ext = 6, .payload_len = PAYLOAD},
	 NULL,
	 XDP_TX,
	 H_OUT_IPIP,
	 H_BE6_A1,
	 FWD},
	{"ipv6 authentication header",
	 {C6(IPPROTO_UDP, H_VIP6, CLIENT_PORT + 2, PORT_DNS), .ext = {IPPROTO_AH}, .nr_ext = 1},
	 NULL,
	 XDP_TX,
	 H_OUT_IPIP,
	 H_BE6_A1,
	 FWD},
	{"tagged ipv4 tcp to a VIP, sent untagged",
	 {C4(IPPROTO_TCP, H_VIP4, CLIENT_PORT + 2, PORT_HTTP), .vlan_tci = VLAN_TCI},
	 NULL,
	 XDP_TX,
	 H_OUT_IPIP,
	 H_BE4_A1,
	 {[XLB_STAT_FWD_TX] = 1, [XLB_STAT_EV_NEW_FLOW] = 1, [XLB_STAT_EV_VLAN] = 1}},
};

Test(parse, forward_parsed)
{
	h_run_cases(fwd_cases, sizeof(fwd_cases) / sizeof(fwd_cases[0]));
}

/* Forwards one packet to port and checks it went to backend through vip_id. */
static void expect_vip(const struct h_fam *f, __u8 proto, __u16 port, __u32 vip_id,
		       const char *backend)
{
	struct xlb_vip_counter before;
	struct pkt_spec s;
	struct pkt in;
	char desc[128];

	h_spec(&s, f, proto, f->vip_b, CLIENT_PORT, port);
	pkt_build(&in, &s);
	snprintf(desc, sizeof(desc), "%s port %u to vip %u", f->name, port, vip_id);
	h_vip_snap(vip_id, &before);
	h_expect_ipip(desc, &s, backend, pkt_hash(&s, true), XDP_TX,
		      H_STATS([XLB_STAT_FWD_TX] = 1, [XLB_STAT_EV_NEW_FLOW] = 1));
	h_check_vip(desc, vip_id, &before, 1, (long)in.len, 1, 0);
}

static void port_zero(const struct h_fam *f)
{
	static const __u16 ports[] = {1, PORT_HTTP, PORT_HIGH};
	struct pkt_spec s;
	struct pkt in;
	size_t i;

	h_backend(BE_ANY, f->be_a[1], XLB_BE_ACTIVE, H_GEN);
	h_vip(f->vip_b, 0, IPPROTO_TCP, VIP_ANY, XLB_MODE_IPIP);
	h_ring_fill(VIP_ANY, BE_ANY);
	for (i = 0; i < sizeof(ports) / sizeof(ports[0]); i++)
		expect_vip(f, IPPROTO_TCP, ports[i], VIP_ANY, f->be_a[1]);
	/* the port-0 VIP is TCP only */
	h_spec(&s, f, IPPROTO_UDP, f->vip_b, CLIENT_PORT, PORT_DNS);
	pkt_build(&in, &s);
	h_expect("udp to a tcp port-0 VIP", &in, XDP_DROP, NULL,
		 H_STATS([XLB_STAT_DROP_NO_VIP] = 1));
}

Test(parse, port_zero_vip_v4)
{
	port_zero(H_FAM4);
}

Test(parse, port_zero_vip_v6)
{
	port_zero(H_FAM6);
}

static void exact_wins(const struct h_fam *f)
{
	h_backend(BE_ANY, f->be_a[1], XLB_BE_ACTIVE, H_GEN);
	h_backend(BE_EXACT, f->be_a[2], XLB_BE_ACTIVE, H_GEN);
	h_vip(f->vip_b, 0, IPPROTO_TCP, VIP_ANY, XLB_MODE_IPIP);
	h_vip(f->vip_b, PORT_HTTP, IPPROTO_TCP, VIP_EXACT, XLB_MODE_IPIP);
	h_ring_fill(VIP_ANY, BE_ANY);
	h_ring_fill(VIP_EXACT, BE_EXACT);
	expect_vip(f, IPPROTO_TCP, PORT_HTTP, VIP_EXACT, f->be_a[2]);
	expect_vip(f, IPPROTO_TCP, PORT_OTHER, VIP_ANY, f->be_a[1]);
}

Test(parse, exact_port_wins_v4)
{
	exact_wins(H_FAM4);
}

Test(parse, exact_port_wins_v6)
{
	exact_wins(H_FAM6);
}
