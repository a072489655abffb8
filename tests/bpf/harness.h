/* SPDX-License-Identifier: MIT */
/*
 * The lab of every forwarding-program test: a network namespace of the
 * test's own with two veth pairs, forwarding on and permanent neighbours for
 * the backends (so bpf_fib_lookup succeeds and the expected MACs are known),
 * the program loaded through its skeleton, its maps written through
 * user/maps.h, a run helper and counter snapshots.
 *
 *   client ─► xa1 ═ xa0 (ingress, 198.18.1.1/24, 2001:2:0:1::1/64): backends A
 *                   xb0 (198.18.2.1/24, 2001:2:0:2::1/64) ═ xb1: backends B
 */
#ifndef XLB_TEST_HARNESS_H
#define XLB_TEST_HARNESS_H

#include <linux/types.h>
#include <xlb/abi.h>
#include "maps.h"
#include "pkt.h"

#define H_IF_A	    "xa0"
#define H_IF_A_PEER "xa1"
#define H_IF_B	    "xb0"
#define H_IF_B_PEER "xb1"

#define H_VIP4	   "198.18.100.1"
#define H_VIP4_B   "198.18.100.2"
#define H_VIP6	   "2001:2:0:100::1"
#define H_VIP6_B   "2001:2:0:100::2"
#define H_NOT_VIP4 "198.18.100.9"
#define H_NOT_VIP6 "2001:2:0:100::9"
#define H_CLIENT4  "198.18.50.2"
#define H_CLIENT6  "2001:2:0:50::2"
#define H_ROUTER4  "198.18.60.1"
#define H_ROUTER6  "2001:2:0:60::1"

/* Backends with a permanent neighbour: A* on xa0, B* on xb0. */
#define H_BE4_A1 "198.18.1.10"
#define H_BE4_A2 "198.18.1.11"
#define H_BE4_A3 "198.18.1.12"
#define H_BE4_A4 "198.18.1.13"
#define H_BE4_B1 "198.18.2.10"
#define H_BE6_A1 "2001:2:0:1::10"
#define H_BE6_A2 "2001:2:0:1::11"
#define H_BE6_A3 "2001:2:0:1::12"
#define H_BE6_A4 "2001:2:0:1::13"
#define H_BE6_B1 "2001:2:0:2::10"
/* On-link on xa0 but with no neighbour entry. */
#define H_BE4_NO_NEIGH "198.18.1.20"
#define H_BE6_NO_NEIGH "2001:2:0:1::20"
/* No route at all (the namespace has no default route). */
#define H_BE4_NO_ROUTE "198.19.200.1"
#define H_BE6_NO_ROUTE "2001:2:0:200::1"

/* Outer sources: fixed (xa0's own addresses) and prefixes. */
#define H_SRC4		  "198.18.1.1"
#define H_SRC6		  "2001:2:0:1::1"
#define H_SRC4_PREFIX	  "198.18.8.0"
#define H_SRC4_PREFIX_LEN 24
#define H_SRC6_PREFIX	  "2001:2:0:8::"
#define H_SRC6_PREFIX_LEN 64

#define H_MTU		 1500
#define H_FLOW_ENTRIES	 4096
#define H_MAX_BACKEND_ID 32
#define H_GEN		 1
#define H_ANY		 (-1) /* in an expectation: the counter may change by any amount */

/* Expected counter changes, by enum xlb_stat: H_STATS([XLB_STAT_FWD_TX] = 1). */
#define H_STATS(...) ((const long[XLB_STAT__MAX]){__VA_ARGS__})

#define H_NR_BE_A 4

/* The lab's addresses of one family, so a test runs for IPv4 and IPv6. */
struct h_fam {
	__u8 family;
	const char *name;
	const char *client;
	const char *router;
	const char *vip;
	const char *vip_b;
	const char *not_vip;
	const char *be_a[H_NR_BE_A];
	const char *be_b;
	const char *no_neigh;
	const char *no_route;
	const char *src;
	const char *src_prefix;
	unsigned int src_prefix_len;
	unsigned int host_len; /* 32 or 128 */
	__u8 icmp_proto;
	__u8 echo_request;
	__u8 echo_reply;
	__u8 overhead; /* ipip outer header */
};

extern const struct h_fam h_fams[2];
#define H_FAM4 (&h_fams[0])
#define H_FAM6 (&h_fams[1])

extern const __u8 h_mac_a[PKT_MAC_LEN], h_mac_a_peer[PKT_MAC_LEN];
extern const __u8 h_mac_b[PKT_MAC_LEN], h_mac_b_peer[PKT_MAC_LEN];

struct xlb_bpf;

struct h_lab {
	struct xlb_bpf *skel;
	struct xlb_maps m;
	int prog_fd;
	int if_a;
	int if_b;
	struct xlb_config cfg;
	/* The outer-source prefixes last configured ([0] IPv4, [1] IPv6). */
	struct xlb_addr src_base[2];
	unsigned int src_plen[2];
	struct xlb_backend be[H_MAX_BACKEND_ID]; /* as written, by id */
};

/* One lab per test process (Criterion forks each test). */
extern struct h_lab h_lab;

/* Fixtures: namespace, veths, neighbours, forwarding, program, default
 * config (MTU H_MTU, sources H_SRC4/32 and H_SRC6/128). */
void h_setup(void);
void h_teardown(void);

void h_forwarding(int on);

/* Config: outer source (plen 0 with addr NULL = none) and MTU. */
void h_config_source(int family, const char *addr, unsigned int plen);
void h_config_mtu(__u32 mtu);
/* The outer source the program must use for a hash, from the configured
 * base and prefix length (computed here, not from the config map). */
void h_outer_src(int family, __u32 hash, struct xlb_addr *out);

void h_vip(const char *addr, __u16 port, __u8 proto, __u32 id, __u8 mode);
void h_backend(__u32 id, const char *addr, __u8 state, __u32 generation);
void h_ring_fill(__u32 vip_id, __u32 backend_id);
void h_ring_set(__u32 vip_id, const __u32 *ids);
/* Maglev ring (weights 1) of the given backends as written with
 * h_backend; returns a malloc'ed XLB_RING_SIZE array. */
__u32 *h_ring_maglev(const __u32 *ids, size_t n);
void h_tx_port(const char *ifname);
/* vlan_ifs written through xlbd's own dataplane__egress_port. */
void h_vlan_if(const char *ifname, const char *lower, __u16 vid);
/* A VLAN link as netlink would give it, ifname standing in for the device. */
struct rtnl_link;
void h_vlan_link(struct rtnl_link *l, const char *ifname, const char *lower, __u16 vid);

/* The neighbour MAC of a lab backend and the MAC of its device. */
void h_neigh(const char *addr, __u8 dmac[PKT_MAC_LEN], __u8 smac[PKT_MAC_LEN]);
/* Encapsulation expected for a packet hashed to hash, sent to backend addr. */
void h_encap(struct pkt_encap *e, int family, const char *backend, __u32 hash, __u16 vlan_tci);

/* A packet of family f from its client to dst (IPv4: DF set). */
void h_spec(struct pkt_spec *s, const struct h_fam *f, __u8 proto, const char *dst, __u16 sport,
	    __u16 dport);

/* Runs the program on a frame received on xa0. */
void h_run(const struct pkt *in, int *verdict, struct pkt *out);

struct h_snap {
	struct xlb_counter s[XLB_STAT__MAX];
};

void h_snap(struct h_snap *s);
/* Asserts that every stat changed by exactly exp[stat] packets (0 if not
 * listed, or H_ANY), and every verdict stat by exp[stat] * frame_len bytes. */
void h_check_stats(const char *desc, const struct h_snap *before, const long *exp,
		   size_t frame_len);

/* Per-VIP and per-backend counters. */
void h_vip_snap(__u32 vip_id, struct xlb_vip_counter *c);
void h_check_vip(const char *desc, __u32 vip_id, const struct xlb_vip_counter *before, long packets,
		 long bytes, long new_flows, long drops);
void h_backend_snap(__u32 id, struct xlb_counter *c);
void h_check_backend(const char *desc, __u32 id, const struct xlb_counter *before, long packets,
		     long bytes);

/* One packet: snapshot, run, and assert verdict, output (want NULL: not
 * compared; for XDP_PASS pass the input) and counters. */
void h_expect(const char *desc, const struct pkt *in, int verdict, const struct pkt *want,
	      const long *stats);

/* A packet that must be forwarded to backend by ipip (or l2dsr) with the
 * given hash: builds the expected frame and runs h_expect. */
void h_expect_ipip(const char *desc, const struct pkt_spec *s, const char *backend, __u32 hash,
		   int verdict, const long *stats);
void h_expect_l2dsr(const char *desc, const struct pkt_spec *s, const char *backend, int verdict,
		    const long *stats);

/* The flow entry of a spec's 5-tuple: 0, or -ENOENT. */
int h_flow_get(const struct pkt_spec *s, struct xlb_flow *f);

/* A table row: what one input must produce. */
enum h_out {
	H_OUT_NONE = 0, /* not compared (drops) */
	H_OUT_SAME,	/* untouched (passes) */
	H_OUT_IPIP,	/* encapsulated toward .backend with the full 5-tuple hash */
	H_OUT_L2DSR,	/* MAC rewrite toward .backend */
};

struct h_case {
	const char *desc;
	struct pkt_spec in;
	void (*mangle)(struct pkt *p);
	int verdict;
	enum h_out out;
	const char *backend;
	long stats[XLB_STAT__MAX];
};

void h_run_cases(const struct h_case *cases, size_t n);

#endif /* XLB_TEST_HARNESS_H */
