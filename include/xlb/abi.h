/* SPDX-License-Identifier: MIT */
/*
 * The ABI shared by the XDP programs (bpf/) and user space (user/): map
 * key/value layouts, enums and sizes. Fixed-width types only; each
 * definition exists here and nowhere else.
 */
#ifndef XLB_ABI_H
#define XLB_ABI_H

#include <linux/types.h>

/* Bumped on any layout change: the pin path carries it, so an incompatible
 * build never adopts maps written by another. */
#define XLB_ABI_VERSION 1

/* Maglev ring size: prime, and fixed, because the kernel refuses an inner
 * map whose value size differs from the template's. */
#define XLB_RING_SIZE 65537

#ifndef XLB_MAX_VIPS
#define XLB_MAX_VIPS 1024 /* VIP ids 1..XLB_MAX_VIPS-1; 0 means unset */
#endif
#ifndef XLB_MAX_BACKENDS
#define XLB_MAX_BACKENDS 4096 /* backend ids 1..XLB_MAX_BACKENDS-1 */
#endif
#ifndef XLB_FLOW_ENTRIES
#define XLB_FLOW_ENTRIES 1048576 /* default; user space may resize before load */
#endif
#ifndef XLB_MAX_VIP_ADDRS
#define XLB_MAX_VIP_ADDRS XLB_MAX_VIPS
#endif
#ifndef XLB_MAX_TX_PORTS
#define XLB_MAX_TX_PORTS 64
#endif
#ifndef XLB_MAX_VLAN_IFS
#define XLB_MAX_VLAN_IFS 64
#endif

/* Bounds of the parser's loops. */
#define XLB_MAX_IPV6_EXT_HDRS 6

/* The MTU toward backends is validated into this range: at least the IPv6
 * minimum, so a fixed-size quote always fits in an ICMP error. */
#define XLB_MTU_MIN	1280
#define XLB_MTU_MAX	9216
#define XLB_MTU_DEFAULT 1500

/* Quoted bytes in generated ICMP errors: the most that keeps the error within
 * 576 (IPv4, RFC 1812) or 1280 (IPv6, RFC 4443) bytes. Packets that trigger
 * an error are always longer than this, since the MTU is >= XLB_MTU_MIN. */
#define XLB_ICMP4_QUOTE	 548
#define XLB_ICMP6_QUOTE	 1232
#define XLB_IPV6_MIN_MTU 1280

#define XLB_IPIP4_OVERHEAD 20 /* outer IPv4 header */
#define XLB_IPIP6_OVERHEAD 40 /* outer IPv6 header */

enum xlb_family {
	XLB_AF_NONE = 0,
	XLB_AF_INET = 4,
	XLB_AF_INET6 = 6,
};

/* An IPv4 or IPv6 address in network byte order. IPv4 uses a[0]; the other
 * words are zero so keys compare equal byte for byte. */
struct xlb_addr {
	__be32 a[4];
};

/* Forwarding modes, per VIP. Room is left for gue and nat. */
enum xlb_mode {
	XLB_MODE_IPIP = 0,  /* IPv4-in-IPv4 / IPv6-in-IPv6, direct server return */
	XLB_MODE_L2DSR = 1, /* destination MAC rewrite only */
	XLB_MODE__MAX,
};

/* VIPs match TCP or UDP; these index the per-protocol slots of an address. */
enum xlb_l4_slot {
	XLB_SLOT_TCP = 0,
	XLB_SLOT_UDP = 1,
	XLB_SLOT__MAX,
};

/* vips key: address, port (0 = all ports), IPPROTO_TCP or IPPROTO_UDP. */
struct xlb_vip_key {
	struct xlb_addr addr;
	__be16 port;
	__u8 proto;
	__u8 family; /* enum xlb_family */
};

/* vips value, and the port-0 / fragment shortcuts of struct xlb_vip_addr. */
struct xlb_vip {
	__u32 id;   /* index into rings, vip_stats, vip_conf; 0 = none */
	__u8 mode;  /* enum xlb_mode */
	__u8 flags; /* XLB_VIP_F_* */
	__u16 pad;
};

/* vip_addrs4 / vip_addrs6 value: one entry per VIP address, so that a packet
 * for any other address leaves after one lookup. */
struct xlb_vip_addr {
	struct xlb_vip any_port[XLB_SLOT__MAX]; /* port-0 VIP of the protocol */
	struct xlb_vip frag[XLB_SLOT__MAX];	/* VIP for fragments, if unambiguous */
	__u32 nr_ports[XLB_SLOT__MAX];		/* VIPs with a specific port */
};

struct xlb_in6 {
	__be32 a[4];
};

enum xlb_backend_state {
	XLB_BE_UNUSED = 0,   /* free id: nothing may forward here */
	XLB_BE_ACTIVE = 1,   /* in the ring, keeps its flows */
	XLB_BE_DRAINING = 2, /* out of the ring, keeps its flows */
	XLB_BE_DOWN = 3,     /* out of the ring, its flows are rescheduled */
};

/* backends value, indexed by backend id (0 = unset). */
struct xlb_backend {
	struct xlb_addr addr;
	__be16 port;	  /* part of the backend's identity; used by nat later */
	__u8 family;	  /* enum xlb_family: same as its VIP's */
	__u8 state;	  /* enum xlb_backend_state */
	__u32 generation; /* bumped when the id is reused or the backend removed */
};

/* flows key: the client's 5-tuple toward the VIP. */
struct xlb_flow_key {
	struct xlb_addr src;
	struct xlb_addr dst;
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 family;
	__u16 pad;
};

/* flows value: the flow is valid while the backend's generation matches and
 * its state keeps flows. */
struct xlb_flow {
	__u32 backend_id;
	__u32 generation;
};

/* The value of each ring's single-element inner array. */
struct xlb_ring {
	__u32 backend_ids[XLB_RING_SIZE];
};

/* config: one element, written by xlbd, read by every packet. Lives in a
 * pinned map so a restarted or upgraded program sees the same settings. */
struct xlb_config {
	__u32 mtu; /* largest L3 packet toward backends, outer header included */
	__u32 flags;
	/* Outer source: base | (flow hash & hostmask), so a prefix spreads
	 * flows over the backends' receive queues and a /32 or /128 is fixed. */
	__be32 src4;
	__be32 src4_hostmask;
	struct xlb_addr src6;
	struct xlb_addr src6_hostmask;
};

/* vlan_ifs value, keyed by a VLAN device's ifindex: bpf_fib_lookup names the
 * VLAN device and zeroes the VLAN fields, so the program needs this map. */
struct xlb_vlan_if {
	__u32 lower_ifindex;
	__u16 vlan_id;
	__u16 pad;
};

struct xlb_counter {
	__u64 packets;
	__u64 bytes;
};

struct xlb_vip_counter {
	__u64 packets;
	__u64 bytes;
	__u64 new_flows;
	__u64 drops;
};

/*
 * stats index. Every packet ends in exactly one verdict reason (the first
 * block); the events after XLB_STAT__VERDICTS are counted in addition.
 */
enum xlb_stat {
	XLB_STAT_PASS_NOT_IP = 0, /* not IPv4/IPv6 */
	XLB_STAT_PASS_NOT_VIP,	  /* IP, destination is no VIP address */
	XLB_STAT_PASS_MALFORMED,  /* malformed, not for a VIP address */
	XLB_STAT_DROP_MALFORMED,  /* malformed or truncated, for a VIP address */
	XLB_STAT_DROP_NO_VIP,	  /* VIP address, no VIP on this port/protocol */
	XLB_STAT_DROP_FRAG,	  /* fragment whose VIP is ambiguous */
	XLB_STAT_DROP_ICMP,	/* ICMP to a VIP address that is neither echo nor a usable error */
	XLB_STAT_TX_ECHO_REPLY, /* echo request to a VIP address, answered */
	XLB_STAT_DROP_NO_BACKEND, /* empty ring or no usable backend */
	XLB_STAT_DROP_FAMILY,	  /* backend family differs from the VIP's */
	XLB_STAT_DROP_NO_SOURCE,  /* no outer source address configured */
	XLB_STAT_TX_TOO_BIG,	  /* ICMP frag-needed / packet-too-big sent back */
	XLB_STAT_DROP_TOO_BIG,	  /* too big once encapsulated, IPv4 without DF */
	XLB_STAT_DROP_NO_NEIGH,	  /* bpf_fib_lookup found no neighbour */
	XLB_STAT_DROP_FIB,	  /* bpf_fib_lookup failed otherwise (no route, forwarding off) */
	XLB_STAT_DROP_NO_TX_PORT, /* egress device missing from tx_ports */
	XLB_STAT_DROP_ADJUST,	  /* bpf_xdp_adjust_head/tail refused */
	XLB_STAT_FWD_TX,	  /* forwarded out of the ingress device */
	XLB_STAT_FWD_REDIRECT,	  /* forwarded out of another device */
	XLB_STAT__VERDICTS,
	XLB_STAT_EV_NEW_FLOW = XLB_STAT__VERDICTS, /* flow table miss, ring lookup */
	XLB_STAT_EV_RESCHEDULED,		   /* flow's backend gone or down: chosen again */
	XLB_STAT_EV_ICMP_ERROR,			   /* ICMP error steered to its flow's backend */
	XLB_STAT_EV_FRAGMENT,			   /* fragment forwarded on an address-only hash */
	XLB_STAT_EV_VLAN,			   /* frame carried an 802.1Q tag */
	XLB_STAT__MAX,
};

/* Pin layout: XLB_PIN_ROOT/<name>/abi<XLB_ABI_VERSION>/<map or "prog">. */
#define XLB_PIN_ROOT "/sys/fs/bpf/xlb"

#endif /* XLB_ABI_H */
