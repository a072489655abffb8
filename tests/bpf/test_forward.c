// SPDX-License-Identifier: MIT
/*
 * Encapsulation and next hop (SPEC-bpf.md 10-12): exact ipip and l2dsr
 * frames, XDP_TX vs redirect, outer sources, FIB failures, VLAN egress,
 * per-VIP and per-backend counters.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/bpf.h>
#include <criterion/criterion.h>
#include <bpf/bpf.h>
#include <linux/if_ether.h>
#include "dataplane.h"
#include "harness.h"
#include "rtnl.h"
#include "xlb.skel.h"

#define VIP_IPIP      1
#define VIP_DSR	      2
#define BE	      1
#define BE_OTHER      2
#define PORT_HTTP     80
#define PORT_HTTPS    443
#define CLIENT_PORT   40000
#define MAX_TRIES     1000 /* client ports tried to find a second outer source */
#define IN_TOS	      0x28
#define IN_TTL	      33
#define IN_FLOW_LABEL 0x12345
#define IN_TCI	      7
#define OUT_VID_A     42
#define OUT_VID_B     43
#define PAYLOAD	      100
#define NR_PACKETS    3
#define DESC_LEN      128

TestSuite(forward, .init = h_setup, .fini = h_teardown);

/* One ipip VIP (port 80) and one l2dsr VIP (port 443) on f's address, both
 * with every slot on backend. */
static void vips(const struct h_fam *f, const char *backend)
{
	h_backend(BE, backend, XLB_BE_ACTIVE, H_GEN);
	h_vip(f->vip, PORT_HTTP, IPPROTO_TCP, VIP_IPIP, XLB_MODE_IPIP);
	h_vip(f->vip, PORT_HTTPS, IPPROTO_TCP, VIP_DSR, XLB_MODE_L2DSR);
	h_ring_fill(VIP_IPIP, BE);
	h_ring_fill(VIP_DSR, BE);
}

/* A client packet with non-default tos, ttl and flow label, so the test sees
 * which outer fields are copied from the inner header. */
static void spec(struct pkt_spec *s, const struct h_fam *f, __u16 sport, __u16 dport)
{
	h_spec(s, f, IPPROTO_TCP, f->vip, sport, dport);
	s->tos = IN_TOS;
	s->ttl = IN_TTL;
	s->flow_label = IN_FLOW_LABEL;
	s->payload_len = PAYLOAD;
}

static void ipip_tx(const struct h_fam *f)
{
	struct xlb_vip_counter vc;
	struct xlb_counter bc;
	struct xlb_flow fl;
	struct pkt_spec s;
	struct pkt in;

	vips(f, f->be_a[0]);
	spec(&s, f, CLIENT_PORT, PORT_HTTP);
	pkt_build(&in, &s);
	h_vip_snap(VIP_IPIP, &vc);
	h_backend_snap(BE, &bc);
	h_expect_ipip(f->name, &s, f->be_a[0], pkt_hash(&s, true), XDP_TX,
		      H_STATS([XLB_STAT_FWD_TX] = 1, [XLB_STAT_EV_NEW_FLOW] = 1));
	h_check_vip(f->name, VIP_IPIP, &vc, 1, (long)in.len, 1, 0);
	h_check_backend(f->name, BE, &bc, 1, (long)in.len);
	cr_assert_eq(h_flow_get(&s, &fl), 0, "%s: no flow entry", f->name);
	cr_assert(fl.backend_id == BE && fl.generation == H_GEN, "%s: flow {%u, %u}", f->name,
		  fl.backend_id, fl.generation);
}

Test(forward, ipip_tx_v4)
{
	ipip_tx(H_FAM4);
}

Test(forward, ipip_tx_v6)
{
	ipip_tx(H_FAM6);
}

static void ipip_redirect(const struct h_fam *f)
{
	struct pkt_spec s;

	vips(f, f->be_b);
	h_tx_port(H_IF_B);
	spec(&s, f, CLIENT_PORT, PORT_HTTP);
	h_expect_ipip(f->name, &s, f->be_b, pkt_hash(&s, true), XDP_REDIRECT,
		      H_STATS([XLB_STAT_FWD_REDIRECT] = 1, [XLB_STAT_EV_NEW_FLOW] = 1));
}

Test(forward, ipip_redirect_v4)
{
	ipip_redirect(H_FAM4);
}

Test(forward, ipip_redirect_v6)
{
	ipip_redirect(H_FAM6);
}

/* Runs one client packet to port that must be dropped (or passed) for reason. */
static void expect_drop(const struct h_fam *f, __u16 port, int verdict, enum xlb_stat reason)
{
	long stats[XLB_STAT__MAX] = {[XLB_STAT_EV_NEW_FLOW] = H_ANY};
	char desc[DESC_LEN];
	struct pkt_spec s;
	struct pkt in;

	stats[reason] = 1;
	spec(&s, f, CLIENT_PORT, port);
	pkt_build(&in, &s);
	snprintf(desc, sizeof(desc), "%s: %s", f->name, xlb_stat__name(reason));
	h_expect(desc, &in, verdict, NULL, stats);
}

static void no_tx_port(const struct h_fam *f)
{
	vips(f, f->be_b);
	expect_drop(f, PORT_HTTP, XDP_DROP, XLB_STAT_DROP_NO_TX_PORT);
	expect_drop(f, PORT_HTTPS, XDP_DROP, XLB_STAT_DROP_NO_TX_PORT);
}

Test(forward, no_tx_port_v4)
{
	no_tx_port(H_FAM4);
}

Test(forward, no_tx_port_v6)
{
	no_tx_port(H_FAM6);
}

/* l2dsr needs no outer source: the frame keeps the client's addresses. */
static void l2dsr(const struct h_fam *f, const char *backend, int verdict, enum xlb_stat reason)
{
	long stats[XLB_STAT__MAX] = {[XLB_STAT_EV_NEW_FLOW] = 1};
	struct xlb_vip_counter vc;
	struct xlb_counter bc;
	struct pkt_spec s;
	struct pkt in;

	stats[reason] = 1;
	vips(f, backend);
	h_tx_port(H_IF_B);
	h_config_source(f->family, NULL, 0);
	spec(&s, f, CLIENT_PORT, PORT_HTTPS);
	pkt_build(&in, &s);
	h_vip_snap(VIP_DSR, &vc);
	h_backend_snap(BE, &bc);
	h_expect_l2dsr(f->name, &s, backend, verdict, stats);
	h_check_vip(f->name, VIP_DSR, &vc, 1, (long)in.len, 1, 0);
	h_check_backend(f->name, BE, &bc, 1, (long)in.len);
}

Test(forward, l2dsr_tx_v4)
{
	l2dsr(H_FAM4, H_FAM4->be_a[0], XDP_TX, XLB_STAT_FWD_TX);
}

Test(forward, l2dsr_tx_v6)
{
	l2dsr(H_FAM6, H_FAM6->be_a[0], XDP_TX, XLB_STAT_FWD_TX);
}

Test(forward, l2dsr_redirect_v4)
{
	l2dsr(H_FAM4, H_FAM4->be_b, XDP_REDIRECT, XLB_STAT_FWD_REDIRECT);
}

Test(forward, l2dsr_redirect_v6)
{
	l2dsr(H_FAM6, H_FAM6->be_b, XDP_REDIRECT, XLB_STAT_FWD_REDIRECT);
}

/* Two flows from a prefix get different outer sources, each exactly
 * base | (hash & hostmask). */
static void source_prefix(const struct h_fam *f)
{
	struct xlb_addr a1, a2;
	struct pkt_spec s1, s2;
	__u16 port;

	vips(f, f->be_a[0]);
	h_config_source(f->family, f->src_prefix, f->src_prefix_len);
	spec(&s1, f, CLIENT_PORT, PORT_HTTP);
	h_outer_src(f->family, pkt_hash(&s1, true), &a1);
	for (port = CLIENT_PORT + 1; port < CLIENT_PORT + MAX_TRIES; port++) {
		spec(&s2, f, port, PORT_HTTP);
		h_outer_src(f->family, pkt_hash(&s2, true), &a2);
		if (memcmp(&a1, &a2, sizeof(a1)))
			break;
	}
	cr_assert_lt(port, CLIENT_PORT + MAX_TRIES, "no second source found");
	h_expect_ipip("first flow", &s1, f->be_a[0], pkt_hash(&s1, true), XDP_TX,
		      H_STATS([XLB_STAT_FWD_TX] = 1, [XLB_STAT_EV_NEW_FLOW] = 1));
	h_expect_ipip("second flow", &s2, f->be_a[0], pkt_hash(&s2, true), XDP_TX,
		      H_STATS([XLB_STAT_FWD_TX] = 1, [XLB_STAT_EV_NEW_FLOW] = 1));
}

Test(forward, source_prefix_v4)
{
	source_prefix(H_FAM4);
}

Test(forward, source_prefix_v6)
{
	source_prefix(H_FAM6);
}

static void no_source(const struct h_fam *f)
{
	vips(f, f->be_a[0]);
	h_config_source(f->family, NULL, 0);
	expect_drop(f, PORT_HTTP, XDP_DROP, XLB_STAT_DROP_NO_SOURCE);
}

Test(forward, no_source_v4)
{
	no_source(H_FAM4);
}

Test(forward, no_source_v6)
{
	no_source(H_FAM6);
}

static void no_neigh(const struct h_fam *f)
{
	vips(f, f->no_neigh);
	expect_drop(f, PORT_HTTP, XDP_DROP, XLB_STAT_DROP_NO_NEIGH);
	expect_drop(f, PORT_HTTPS, XDP_DROP, XLB_STAT_DROP_NO_NEIGH);
}

Test(forward, no_neigh_v4)
{
	no_neigh(H_FAM4);
}

Test(forward, no_neigh_v6)
{
	no_neigh(H_FAM6);
}

static void forwarding_off(const struct h_fam *f)
{
	vips(f, f->be_a[0]);
	h_forwarding(0);
	expect_drop(f, PORT_HTTP, XDP_DROP, XLB_STAT_DROP_FIB);
	expect_drop(f, PORT_HTTPS, XDP_DROP, XLB_STAT_DROP_FIB);
}

Test(forward, forwarding_off_v4)
{
	forwarding_off(H_FAM4);
}

Test(forward, forwarding_off_v6)
{
	forwarding_off(H_FAM6);
}

static void no_route(const struct h_fam *f)
{
	h_backend(BE, f->no_route, XLB_BE_ACTIVE, H_GEN);
	h_vip(f->vip, PORT_HTTP, IPPROTO_TCP, VIP_IPIP, XLB_MODE_IPIP);
	h_ring_fill(VIP_IPIP, BE);
	expect_drop(f, PORT_HTTP, XDP_DROP, XLB_STAT_DROP_FIB);
}

Test(forward, no_route_v4)
{
	no_route(H_FAM4);
}

Test(forward, no_route_v6)
{
	no_route(H_FAM6);
}

/* A packet sent toward a device listed in vlan_ifs leaves tagged with its
 * VLAN id, whatever tag it came in with. */
static void vlan_out(const struct h_fam *f, const char *backend, const char *dev, __u16 vid,
		     __u16 in_tci, int verdict, enum xlb_stat reason)
{
	long stats[XLB_STAT__MAX] = {[XLB_STAT_EV_NEW_FLOW] = 1};
	static struct pkt in, want;
	struct pkt_encap e;
	struct pkt_spec s;
	char desc[DESC_LEN];

	stats[reason] = 1;
	stats[XLB_STAT_EV_VLAN] = in_tci ? 1 : 0;
	vips(f, backend);
	h_tx_port(H_IF_B);
	h_vlan_if(dev, dev, vid);
	spec(&s, f, CLIENT_PORT, PORT_HTTP);
	s.vlan_tci = in_tci;
	pkt_build(&in, &s);
	h_encap(&e, f->family, backend, pkt_hash(&s, true), vid);
	pkt_expect_ipip(&want, &in, &e);
	snprintf(desc, sizeof(desc), "%s: tci %u to vid %u", f->name, in_tci, vid);
	h_expect(desc, &in, verdict, &want, stats);
}

Test(forward, vlan_egress_v4)
{
	vlan_out(H_FAM4, H_BE4_A1, H_IF_A, OUT_VID_A, 0, XDP_TX, XLB_STAT_FWD_TX);
}

Test(forward, vlan_egress_tagged_in_v4)
{
	vlan_out(H_FAM4, H_BE4_A1, H_IF_A, OUT_VID_A, IN_TCI, XDP_TX, XLB_STAT_FWD_TX);
}

Test(forward, vlan_egress_v6)
{
	vlan_out(H_FAM6, H_BE6_A1, H_IF_A, OUT_VID_A, IN_TCI, XDP_TX, XLB_STAT_FWD_TX);
}

Test(forward, vlan_egress_redirect_v4)
{
	vlan_out(H_FAM4, H_BE4_B1, H_IF_B, OUT_VID_B, 0, XDP_REDIRECT, XLB_STAT_FWD_REDIRECT);
}

Test(forward, vlan_egress_redirect_v6)
{
	vlan_out(H_FAM6, H_BE6_B1, H_IF_B, OUT_VID_B, IN_TCI, XDP_REDIRECT, XLB_STAT_FWD_REDIRECT);
}

/* What xlbd does with the egress device of a backend's route: a plain
 * device is the port itself and gets no vlan_ifs entry; a VLAN device the
 * program cannot tag for is refused, and writes nothing. */
Test(forward, vlan_egress_port_refusals)
{
	struct rtnl_link plain, vlan, stacked;
	__u32 port = 0, a = if_nametoindex(H_IF_A);
	struct xlb_vlan_if v;

	cr_assert_eq(rtnl__link_by_name(H_IF_A, &plain), 0);
	cr_assert_eq(dataplane__egress_port(&h_lab.m, &plain, NULL, &port), 0);
	cr_assert_eq(port, a);
	h_vlan_link(&vlan, H_IF_A, H_IF_B, OUT_VID_A);
	vlan.vlan_proto = ETH_P_8021AD;
	cr_assert_eq(dataplane__egress_port(&h_lab.m, &vlan, &plain, &port), -EOPNOTSUPP,
		     "802.1ad");
	h_vlan_link(&vlan, H_IF_A, H_IF_B, OUT_VID_A);
	vlan.link_netnsid = 1;
	cr_assert_eq(dataplane__egress_port(&h_lab.m, &vlan, &plain, &port), -EOPNOTSUPP,
		     "lower device in another namespace");
	h_vlan_link(&vlan, H_IF_A, H_IF_B, OUT_VID_A);
	cr_assert_eq(dataplane__egress_port(&h_lab.m, &vlan, NULL, &port), -ENODEV, "no lower");
	cr_assert_eq(dataplane__egress_port(&h_lab.m, &vlan, &plain, &port), -ENODEV,
		     "lower is not the link's");
	h_vlan_link(&stacked, H_IF_B, H_IF_A, OUT_VID_B);
	h_vlan_link(&vlan, H_IF_A, H_IF_B, OUT_VID_A);
	cr_assert_eq(dataplane__egress_port(&h_lab.m, &vlan, &stacked, &port), -EOPNOTSUPP,
		     "stacked VLAN");
	cr_assert_eq(bpf_map_lookup_elem(bpf_map__fd(h_lab.skel->maps.vlan_ifs), &a, &v), -ENOENT,
		     "a refused or plain link left a vlan_ifs entry");
}

/* Several packets of one flow count to their VIP and backend only. */
static void counters(const struct h_fam *f)
{
	struct xlb_vip_counter vc, vc_other;
	struct xlb_counter bc, bc_other;
	struct pkt_spec s;
	struct pkt in;
	int i;

	vips(f, f->be_a[0]);
	h_backend(BE_OTHER, f->be_a[1], XLB_BE_ACTIVE, H_GEN);
	spec(&s, f, CLIENT_PORT, PORT_HTTP);
	pkt_build(&in, &s);
	h_vip_snap(VIP_IPIP, &vc);
	h_vip_snap(VIP_DSR, &vc_other);
	h_backend_snap(BE, &bc);
	h_backend_snap(BE_OTHER, &bc_other);
	for (i = 0; i < NR_PACKETS; i++)
		h_expect_ipip(f->name, &s, f->be_a[0], pkt_hash(&s, true), XDP_TX,
			      H_STATS([XLB_STAT_FWD_TX] = 1, [XLB_STAT_EV_NEW_FLOW] = i == 0));
	h_check_vip(f->name, VIP_IPIP, &vc, NR_PACKETS, NR_PACKETS * (long)in.len, 1, 0);
	h_check_vip(f->name, VIP_DSR, &vc_other, 0, 0, 0, 0);
	h_check_backend(f->name, BE, &bc, NR_PACKETS, NR_PACKETS * (long)in.len);
	h_check_backend(f->name, BE_OTHER, &bc_other, 0, 0);
}

Test(forward, counters_v4)
{
	counters(H_FAM4);
}

Test(forward, counters_v6)
{
	counters(H_FAM6);
}
