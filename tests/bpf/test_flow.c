// SPDX-License-Identifier: MIT
/*
 * Flow table and backend choice (SPEC-bpf.md 5, 8): entries, stickiness
 * across ring swaps, rescheduling, draining, no backend, family mismatch,
 * fragments.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <linux/bpf.h>
#include <criterion/criterion.h>
#include "harness.h"

#define VIP	    1
#define VIP_OTHER   2
#define BE1	    1
#define BE2	    2
#define BE3	    3
#define BE_UNUSED   9
#define PORT_HTTP   80
#define PORT_HTTPS  443
#define CLIENT_PORT 40000
#define OTHER_PORT  50000
#define MAX_TRIES   2000 /* client ports tried to find a flow with a wanted slot */
#define FRAG_OFF    100	 /* 8-byte units */
#define PAYLOAD	    64
#define DESC_LEN    128

TestSuite(flow, .init = h_setup, .fini = h_teardown);

static const long fwd_new[XLB_STAT__MAX] = {[XLB_STAT_FWD_TX] = 1, [XLB_STAT_EV_NEW_FLOW] = 1};
static const long fwd_hit[XLB_STAT__MAX] = {[XLB_STAT_FWD_TX] = 1};
static const long fwd_resched[XLB_STAT__MAX] = {
	[XLB_STAT_FWD_TX] = 1, [XLB_STAT_EV_RESCHEDULED] = 1};

/* Backends 1..n are f->be_a[0..n-1], all active. */
static void backends(const struct h_fam *f, __u32 n)
{
	__u32 id;

	for (id = 1; id <= n; id++)
		h_backend(id, f->be_a[id - 1], XLB_BE_ACTIVE, H_GEN);
}

static void flow_spec(struct pkt_spec *s, const struct h_fam *f, __u16 sport)
{
	h_spec(s, f, IPPROTO_TCP, f->vip, sport, PORT_HTTP);
}

/* Sends flow s and expects it at backend id with the given counters. */
static void expect_at(const char *what, const struct h_fam *f, const struct pkt_spec *s, __u32 id,
		      const long *stats)
{
	char desc[DESC_LEN];

	snprintf(desc, sizeof(desc), "%s: %s to backend %u", f->name, what, id);
	h_expect_ipip(desc, s, f->be_a[id - 1], pkt_hash(s, true), XDP_TX, stats);
}

static void expect_entry(const struct h_fam *f, const struct pkt_spec *s, __u32 id, __u32 gen)
{
	struct xlb_flow fl;

	cr_assert_eq(h_flow_get(s, &fl), 0, "%s: no flow entry", f->name);
	cr_assert(fl.backend_id == id && fl.generation == gen, "%s: flow {%u, %u}, want {%u, %u}",
		  f->name, fl.backend_id, fl.generation, id, gen);
}

static void entry(const struct h_fam *f)
{
	struct xlb_vip_counter vc;
	struct pkt_spec s;

	backends(f, 1);
	h_vip(f->vip, PORT_HTTP, IPPROTO_TCP, VIP, XLB_MODE_IPIP);
	h_ring_fill(VIP, BE1);
	flow_spec(&s, f, CLIENT_PORT);
	h_vip_snap(VIP, &vc);
	expect_at("first packet", f, &s, BE1, fwd_new);
	expect_entry(f, &s, BE1, H_GEN);
	expect_at("second packet", f, &s, BE1, fwd_hit);
	h_check_vip(f->name, VIP, &vc, 2, H_ANY, 1, 0);
}

Test(flow, entry_v4)
{
	entry(H_FAM4);
}

Test(flow, entry_v6)
{
	entry(H_FAM6);
}

/* A client port whose flow hashes to a slot where ring a has backend id_a
 * (0: any) and ring b does not have it (b NULL: anything). */
static __u16 find_port(const struct h_fam *f, __u16 from, const __u32 *a, __u32 id_a,
		       const __u32 *b)
{
	struct pkt_spec s;
	__u32 slot;
	__u16 port;

	for (port = from; port < from + MAX_TRIES; port++) {
		flow_spec(&s, f, port);
		slot = pkt_hash(&s, true) % XLB_RING_SIZE;
		if ((!id_a || a[slot] == id_a) && (!b || b[slot] != a[slot]))
			return port;
	}
	cr_assert_fail("no client port found");
	return 0;
}

/* The ring gains a backend: an established flow keeps its backend, a new
 * flow to a slot that moved goes to the new one. */
static void sticky(const struct h_fam *f)
{
	static const __u32 two[] = {BE1, BE2}, three[] = {BE1, BE2, BE3};
	struct pkt_spec old_flow, new_flow;
	__u32 *r1, *r2, slot;

	backends(f, 3);
	h_vip(f->vip, PORT_HTTP, IPPROTO_TCP, VIP, XLB_MODE_IPIP);
	r1 = h_ring_maglev(two, 2);
	r2 = h_ring_maglev(three, 3);
	flow_spec(&old_flow, f, find_port(f, CLIENT_PORT, r1, 0, r2));
	flow_spec(&new_flow, f, find_port(f, OTHER_PORT, r2, BE3, NULL));
	slot = pkt_hash(&old_flow, true) % XLB_RING_SIZE;

	h_ring_set(VIP, r1);
	expect_at("before the swap", f, &old_flow, r1[slot], fwd_new);
	h_ring_set(VIP, r2);
	expect_at("after the swap", f, &old_flow, r1[slot], fwd_hit);
	expect_at("new flow after the swap", f, &new_flow, BE3, fwd_new);
	expect_entry(f, &old_flow, r1[slot], H_GEN);
	free(r1);
	free(r2);
}

Test(flow, sticky_across_ring_swap_v4)
{
	sticky(H_FAM4);
}

Test(flow, sticky_across_ring_swap_v6)
{
	sticky(H_FAM6);
}

enum change {
	CHANGE_GENERATION,
	CHANGE_DOWN,
	CHANGE_UNUSED,
};

/* The flow's backend goes away: the flow moves to the ring's choice. */
static void reschedule(const struct h_fam *f, enum change how)
{
	struct xlb_vip_counter vc;
	struct pkt_spec s;

	backends(f, 2);
	h_vip(f->vip, PORT_HTTP, IPPROTO_TCP, VIP, XLB_MODE_IPIP);
	h_ring_fill(VIP, BE1);
	flow_spec(&s, f, CLIENT_PORT);
	expect_at("established", f, &s, BE1, fwd_new);
	h_ring_fill(VIP, BE2);
	expect_at("ring changed", f, &s, BE1, fwd_hit);
	if (how == CHANGE_GENERATION)
		h_backend(BE1, f->be_a[0], XLB_BE_ACTIVE, H_GEN + 1);
	else
		h_backend(BE1, f->be_a[0], how == CHANGE_DOWN ? XLB_BE_DOWN : XLB_BE_UNUSED, H_GEN);
	h_vip_snap(VIP, &vc);
	expect_at("backend gone", f, &s, BE2, fwd_resched);
	h_check_vip(f->name, VIP, &vc, 1, H_ANY, 1, 0);
	expect_entry(f, &s, BE2, H_GEN);
	expect_at("moved", f, &s, BE2, fwd_hit);
}

Test(flow, reschedule_generation_v4)
{
	reschedule(H_FAM4, CHANGE_GENERATION);
}

Test(flow, reschedule_generation_v6)
{
	reschedule(H_FAM6, CHANGE_GENERATION);
}

Test(flow, reschedule_down_v4)
{
	reschedule(H_FAM4, CHANGE_DOWN);
}

Test(flow, reschedule_down_v6)
{
	reschedule(H_FAM6, CHANGE_DOWN);
}

Test(flow, reschedule_unused_v4)
{
	reschedule(H_FAM4, CHANGE_UNUSED);
}

/* Drops one packet of s for no backend; event is the flow-table outcome. */
static void expect_no_backend(const char *what, const struct h_fam *f, const struct pkt_spec *s,
			      enum xlb_stat event)
{
	long stats[XLB_STAT__MAX] = {[XLB_STAT_DROP_NO_BACKEND] = 1};
	struct xlb_vip_counter vc;
	char desc[DESC_LEN];
	struct pkt in;

	stats[event] = 1;
	pkt_build(&in, s);
	snprintf(desc, sizeof(desc), "%s: %s", f->name, what);
	h_vip_snap(VIP, &vc);
	h_expect(desc, &in, XDP_DROP, NULL, stats);
	h_check_vip(desc, VIP, &vc, 0, 0, 0, 1);
}

/* A draining backend keeps its flows and gets no new ones. */
static void draining(const struct h_fam *f)
{
	struct pkt_spec old_flow, new_flow;

	backends(f, 2);
	h_vip(f->vip, PORT_HTTP, IPPROTO_TCP, VIP, XLB_MODE_IPIP);
	h_ring_fill(VIP, BE1);
	flow_spec(&old_flow, f, CLIENT_PORT);
	flow_spec(&new_flow, f, OTHER_PORT);
	expect_at("established", f, &old_flow, BE1, fwd_new);
	old_flow.tcp_flags = PKT_TCP_ACK;
	h_backend(BE1, f->be_a[0], XLB_BE_DRAINING, H_GEN);
	expect_at("draining", f, &old_flow, BE1, fwd_hit);
	expect_no_backend("new flow to a draining backend", f, &new_flow, XLB_STAT_EV_NEW_FLOW);
	h_ring_fill(VIP, BE2);
	expect_at("new flow, ring rebuilt", f, &new_flow, BE2, fwd_new);
	expect_at("draining, ring rebuilt", f, &old_flow, BE1, fwd_hit);
}

Test(flow, draining_v4)
{
	draining(H_FAM4);
}

Test(flow, draining_v6)
{
	draining(H_FAM6);
}

/* A new connection (SYN) reusing the tuple of a flow on a draining backend
 * goes through the ring; the old flow's other segments would have stayed. */
static void draining_syn_reuse(const struct h_fam *f)
{
	struct pkt_spec s;

	backends(f, 2);
	h_vip(f->vip, PORT_HTTP, IPPROTO_TCP, VIP, XLB_MODE_IPIP);
	h_ring_fill(VIP, BE1);
	flow_spec(&s, f, CLIENT_PORT);
	expect_at("established", f, &s, BE1, fwd_new);
	h_backend(BE1, f->be_a[0], XLB_BE_DRAINING, H_GEN);
	h_ring_fill(VIP, BE2);
	s.tcp_flags = PKT_TCP_ACK;
	expect_at("segment of the drained flow", f, &s, BE1, fwd_hit);
	s.tcp_flags = PKT_TCP_SYN;
	expect_at("SYN reusing the tuple", f, &s, BE2, fwd_resched);
	expect_entry(f, &s, BE2, H_GEN);
	s.tcp_flags = PKT_TCP_ACK;
	expect_at("the new connection", f, &s, BE2, fwd_hit);
}

Test(flow, draining_syn_reuse_v4)
{
	draining_syn_reuse(H_FAM4);
}

Test(flow, draining_syn_reuse_v6)
{
	draining_syn_reuse(H_FAM6);
}

/* A flow whose backend goes down while the ring still names it. */
static void down_in_ring(const struct h_fam *f)
{
	struct pkt_spec s;

	backends(f, 1);
	h_vip(f->vip, PORT_HTTP, IPPROTO_TCP, VIP, XLB_MODE_IPIP);
	h_ring_fill(VIP, BE1);
	flow_spec(&s, f, CLIENT_PORT);
	expect_at("established", f, &s, BE1, fwd_new);
	h_backend(BE1, f->be_a[0], XLB_BE_DOWN, H_GEN);
	expect_no_backend("down, still in the ring", f, &s, XLB_STAT_EV_RESCHEDULED);
}

Test(flow, down_still_in_ring_v4)
{
	down_in_ring(H_FAM4);
}

Test(flow, down_still_in_ring_v6)
{
	down_in_ring(H_FAM6);
}

static void no_backend(const struct h_fam *f)
{
	struct pkt_spec s;

	backends(f, 1);
	h_vip(f->vip, PORT_HTTP, IPPROTO_TCP, VIP, XLB_MODE_IPIP);
	flow_spec(&s, f, CLIENT_PORT);
	expect_no_backend("no ring", f, &s, XLB_STAT_EV_NEW_FLOW);
	h_ring_fill(VIP, 0);
	expect_no_backend("empty ring", f, &s, XLB_STAT_EV_NEW_FLOW);
	h_ring_fill(VIP, BE_UNUSED);
	expect_no_backend("ring of an unused id", f, &s, XLB_STAT_EV_NEW_FLOW);
	cr_assert_eq(h_flow_get(&s, &(struct xlb_flow){0}), -ENOENT, "flow entry written");
}

Test(flow, no_backend_v4)
{
	no_backend(H_FAM4);
}

Test(flow, no_backend_v6)
{
	no_backend(H_FAM6);
}

static void family_mismatch(const struct h_fam *f, const struct h_fam *other)
{
	struct pkt_spec s;
	struct pkt in;

	h_backend(BE1, other->be_a[0], XLB_BE_ACTIVE, H_GEN);
	h_vip(f->vip, PORT_HTTP, IPPROTO_TCP, VIP, XLB_MODE_IPIP);
	h_ring_fill(VIP, BE1);
	flow_spec(&s, f, CLIENT_PORT);
	pkt_build(&in, &s);
	h_expect(f->name, &in, XDP_DROP, NULL,
		 H_STATS([XLB_STAT_DROP_FAMILY] = 1, [XLB_STAT_EV_NEW_FLOW] = 1));
}

Test(flow, family_mismatch_v4)
{
	family_mismatch(H_FAM4, H_FAM6);
}

Test(flow, family_mismatch_v6)
{
	family_mismatch(H_FAM6, H_FAM4);
}

/* A fragment of s: the first (with its L4 header) or a later one. */
static void frag_spec(struct pkt_spec *s, const struct h_fam *f, __u16 sport, bool first)
{
	flow_spec(s, f, sport);
	s->payload_len = PAYLOAD;
	s->frag_off = first ? 0 : FRAG_OFF;
	s->flags = first ? PKT_MF : 0;
	if (f->family == XLB_AF_INET6) {
		s->ext[0] = IPPROTO_DSTOPTS;
		s->ext[1] = IPPROTO_FRAGMENT;
		s->nr_ext = 2;
	}
}

/* Fragments hash on addresses only: found through a flow whose full hash
 * picks another backend than its address-only hash. No flow entry. */
static void fragments(const struct h_fam *f)
{
	static const __u32 three[] = {BE1, BE2, BE3};
	static const long fwd_frag[XLB_STAT__MAX] = {
		[XLB_STAT_FWD_TX] = 1, [XLB_STAT_EV_FRAGMENT] = 1};
	struct pkt_spec s;
	__u32 *ring, hash0, id0;
	__u16 port;
	char desc[DESC_LEN];
	int first;

	backends(f, 3);
	h_vip(f->vip, PORT_HTTP, IPPROTO_TCP, VIP, XLB_MODE_IPIP);
	ring = h_ring_maglev(three, 3);
	h_ring_set(VIP, ring);
	h_config_source(f->family, f->src_prefix, f->src_prefix_len);
	flow_spec(&s, f, CLIENT_PORT);
	hash0 = pkt_hash(&s, false);
	id0 = ring[hash0 % XLB_RING_SIZE];
	for (port = CLIENT_PORT; port < CLIENT_PORT + MAX_TRIES; port++) {
		flow_spec(&s, f, port);
		if (ring[pkt_hash(&s, true) % XLB_RING_SIZE] != id0)
			break;
	}
	cr_assert_lt(port, CLIENT_PORT + MAX_TRIES, "no port found");
	for (first = 1; first >= 0; first--) {
		frag_spec(&s, f, port, first);
		snprintf(desc, sizeof(desc), "%s %s fragment", f->name, first ? "first" : "later");
		h_expect_ipip(desc, &s, f->be_a[id0 - 1], hash0, XDP_TX, fwd_frag);
		cr_assert_eq(h_flow_get(&s, &(struct xlb_flow){0}), -ENOENT, "%s: flow entry",
			     desc);
	}
	free(ring);
}

Test(flow, fragments_v4)
{
	fragments(H_FAM4);
}

Test(flow, fragments_v6)
{
	fragments(H_FAM6);
}

static void expect_drop_frag(const char *what, const struct h_fam *f, struct pkt_spec *s)
{
	char desc[DESC_LEN];
	struct pkt in;

	pkt_build(&in, s);
	snprintf(desc, sizeof(desc), "%s: %s", f->name, what);
	h_expect(desc, &in, XDP_DROP, NULL, H_STATS([XLB_STAT_DROP_FRAG] = 1));
}

/* Fragments whose VIP the address and protocol do not tell. */
static void fragments_dropped(const struct h_fam *f)
{
	struct pkt_spec s;

	backends(f, 1);
	h_vip(f->vip, PORT_HTTP, IPPROTO_TCP, VIP, XLB_MODE_IPIP);
	h_ring_fill(VIP, BE1);
	frag_spec(&s, f, CLIENT_PORT, true);
	s.proto = IPPROTO_UDP;
	expect_drop_frag("udp fragment, tcp VIP only", f, &s);
	frag_spec(&s, f, CLIENT_PORT, false);
	s.proto = f->icmp_proto;
	expect_drop_frag("icmp fragment", f, &s);
	h_vip(f->vip, PORT_HTTPS, IPPROTO_TCP, VIP_OTHER, XLB_MODE_IPIP);
	h_ring_fill(VIP_OTHER, BE1);
	frag_spec(&s, f, CLIENT_PORT, true);
	expect_drop_frag("first fragment, two tcp VIPs", f, &s);
	frag_spec(&s, f, CLIENT_PORT, false);
	expect_drop_frag("later fragment, two tcp VIPs", f, &s);
}

Test(flow, fragments_ambiguous_v4)
{
	fragments_dropped(H_FAM4);
}

Test(flow, fragments_ambiguous_v6)
{
	fragments_dropped(H_FAM6);
}

/* A port-0 VIP takes every fragment of its protocol. */
static void fragments_port_zero(const struct h_fam *f)
{
	static const long fwd_frag[XLB_STAT__MAX] = {
		[XLB_STAT_FWD_TX] = 1, [XLB_STAT_EV_FRAGMENT] = 1};
	struct pkt_spec s;

	backends(f, 1);
	h_vip(f->vip, 0, IPPROTO_UDP, VIP, XLB_MODE_IPIP);
	h_ring_fill(VIP, BE1);
	frag_spec(&s, f, CLIENT_PORT, false);
	s.proto = IPPROTO_UDP;
	h_expect_ipip(f->name, &s, f->be_a[0], pkt_hash(&s, false), XDP_TX, fwd_frag);
}

Test(flow, fragments_port_zero_v4)
{
	fragments_port_zero(H_FAM4);
}

Test(flow, fragments_port_zero_v6)
{
	fragments_port_zero(H_FAM6);
}
