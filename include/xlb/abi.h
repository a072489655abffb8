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
#define XLB_ABI_VERSION 4

/* Maglev ring size: prime, and fixed, because the kernel refuses an inner
 * map whose value size differs from the template's. */
#define XLB_RING_SIZE 65537

#ifndef XLB_MAX_VIPS
#define XLB_MAX_VIPS 1024 /* VIP ids 1..XLB_MAX_VIPS-1; 0 means unset */
#endif
#ifndef XLB_MAX_BACKENDS
#define XLB_MAX_BACKENDS 16384 /* backend ids 1..XLB_MAX_BACKENDS-1 */
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
#ifndef XLB_ACL_ENTRIES
#define XLB_ACL_ENTRIES 65536 /* ACL prefixes per family, every list together */
#endif
#ifndef XLB_RL_ENTRIES
#define XLB_RL_ENTRIES 131072 /* sources (prefixes) with rate-limit state */
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
	/* Access log: one new flow in sample_every is sent to the samples ring
	 * buffer; 0 = off. */
	__u32 sample_every;
	__u32 pad;
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
	__u64 drops;	     /* every drop, including the three below */
	__u64 acl_drops;     /* XLB_STAT_DROP_ACL */
	__u64 rl_pps_drops;  /* XLB_STAT_DROP_RATELIMIT_PPS */
	__u64 rl_flow_drops; /* XLB_STAT_DROP_RATELIMIT_FLOWS */
};

/*
 * stats index. Every packet ends in exactly one verdict reason (the first
 * block); the events after XLB_STAT__VERDICTS are counted in addition.
 */
enum xlb_stat {
	XLB_STAT_PASS_NOT_IP = 0, /* not IPv4/IPv6 */
	XLB_STAT_PASS_NOT_VIP,	  /* IP, destination is no VIP address */
	XLB_STAT_PASS_MALFORMED,  /* malformed, not for a VIP address */
	XLB_STAT_PASS_ND,	  /* IPv6 ND from the link (hop limit 255) to a VIP address */
	XLB_STAT_DROP_MALFORMED,  /* malformed or truncated, for a VIP address */
	XLB_STAT_DROP_NO_VIP,	  /* VIP address, no VIP on this port/protocol */
	XLB_STAT_DROP_FRAG,	  /* fragment whose VIP is ambiguous */
	XLB_STAT_DROP_ICMP, /* ICMP to a VIP address: not echo, a usable error or ND from the link
			     */
	XLB_STAT_TX_ECHO_REPLY,	     /* echo request to a VIP address, answered */
	XLB_STAT_DROP_NO_BACKEND,    /* empty ring or no usable backend */
	XLB_STAT_DROP_FAMILY,	     /* backend family differs from the VIP's */
	XLB_STAT_DROP_NO_SOURCE,     /* no outer source address configured */
	XLB_STAT_TX_TOO_BIG,	     /* ICMP frag-needed / packet-too-big sent back */
	XLB_STAT_DROP_TOO_BIG,	     /* too big: IPv4 without DF, an ICMP error, IPv6 under 1320 */
	XLB_STAT_DROP_TOO_BIG_LIMIT, /* too big, its ICMP error over XLB_ICMP_ERR_RATE */
	XLB_STAT_DROP_NO_NEIGH,	     /* bpf_fib_lookup found no neighbour */
	XLB_STAT_DROP_FIB,	  /* bpf_fib_lookup failed otherwise (no route, forwarding off) */
	XLB_STAT_DROP_NO_TX_PORT, /* egress device missing from tx_ports */
	XLB_STAT_DROP_ADJUST,	  /* bpf_xdp_adjust_head/tail refused */
	XLB_STAT_FWD_TX,	  /* forwarded out of the ingress device */
	XLB_STAT_FWD_REDIRECT,	  /* forwarded out of another device */
	XLB_STAT_DROP_ACL,	  /* source denied by the global or the VIP's ACL */
	XLB_STAT_DROP_RATELIMIT_PPS,   /* source over its packet rate */
	XLB_STAT_DROP_RATELIMIT_FLOWS, /* source over its new-flow rate */
	XLB_STAT__VERDICTS,
	XLB_STAT_EV_NEW_FLOW = XLB_STAT__VERDICTS, /* flow table miss, ring lookup */
	XLB_STAT_EV_RESCHEDULED,		   /* flow's backend gone or down: chosen again */
	XLB_STAT_EV_ICMP_ERROR,			   /* ICMP error forwarded to its flow's backend */
	XLB_STAT_EV_FRAGMENT,			   /* fragment forwarded on an address-only hash */
	XLB_STAT_EV_VLAN,			   /* frame carried an 802.1Q tag */
	XLB_STAT_EV_FLOW_NOT_STORED, /* new flow past the insert budget: forwarded, not stored */
	XLB_STAT_EV_SAMPLED,	     /* new flow sent to the access log's ring buffer */
	XLB_STAT_EV_SAMPLE_LOST,     /* new flow chosen for the access log, ring buffer full */
	XLB_STAT__MAX,
};

/*
 * ACL: LPM tries of source prefixes (acl4, acl6), one pair for every list.
 * The first 32 bits of a key's data are its scope, always matched in full:
 * XLB_SCOPE_GLOBAL for the global list, a VIP id for that VIP's list; so
 * prefixlen = 32 + the source prefix length. The longest match decides:
 *  - global list: DENY drops; ALLOW (an exception to a wider DENY) or no
 *    match goes on;
 *  - a VIP's list: DENY drops; ALLOW goes on; no match drops if the list
 *    has any ALLOW entry (it is an allow list), else goes on.
 */
#define XLB_SCOPE_GLOBAL   0
#define XLB_ACL_SCOPE_BITS 32

enum xlb_acl_action {
	XLB_ACL_NONE = 0, /* no entry matched */
	XLB_ACL_DENY = 1,
	XLB_ACL_ALLOW = 2,
};

struct xlb_acl4_key {
	__u32 prefixlen; /* XLB_ACL_SCOPE_BITS + prefix length */
	__u32 scope;	 /* XLB_SCOPE_GLOBAL or a VIP id, host order */
	__be32 addr;
};

struct xlb_acl6_key {
	__u32 prefixlen;
	__u32 scope;
	struct xlb_in6 addr;
};

/* acl4 / acl6 value. A lookup returns the longest match, so the entry
 * keeps its own prefix length: user space tells an exact hit from a
 * shorter prefix by it. */
struct xlb_acl_entry {
	__u32 action; /* enum xlb_acl_action */
	__u32 plen;   /* source prefix length (prefixlen - XLB_ACL_SCOPE_BITS) */
};

/* Entries of one list of one family; the program skips a list whose counts
 * are zero, so traffic to VIPs without a list pays for no trie lookup. */
struct xlb_acl_count {
	__u32 deny;
	__u32 allow;
};

/*
 * One rate limit as the generic cell rate algorithm (GCRA) keeps it: a token
 * bucket of `burst` tokens refilled at `rate` per second, stored as one
 * timestamp per source (see bpf/ratelimit.h). User space derives the two
 * nanosecond fields from rate and burst; the program reads only those.
 */
struct xlb_rl_limit {
	__u32 rate;	    /* per second; 0 = no limit */
	__u32 burst;	    /* tokens; >= 1 when rate is set */
	__u64 interval_ns;  /* 1 s / rate, rounded */
	__u64 tolerance_ns; /* burst * interval_ns */
};

/* A rate-limit setting: packets and new flows per source prefix. Sources are
 * aggregated by masking their address (an IPv6 attacker cannot walk a /64). */
struct xlb_rl_conf {
	struct xlb_rl_limit pps;
	struct xlb_rl_limit flows;
	__be32 mask4;	      /* IPv4 source mask (prefix of plen4 bits) */
	struct xlb_in6 mask6; /* IPv6 source mask (prefix of plen6 bits) */
	__u8 plen4;
	__u8 plen6;
	__u16 pad;
};

#define XLB_GUARD_F_RATELIMIT (1u << 0) /* this scope has a rate-limit setting */

/*
 * guard value, indexed by scope: guard[XLB_SCOPE_GLOBAL] holds the global
 * settings, guard[vip id] a VIP's own. A VIP with XLB_GUARD_F_RATELIMIT uses
 * its own rl (and its own buckets, keyed by its id) instead of the global
 * one; a VIP without uses the global rl, whose buckets are shared by every
 * such VIP (a global limit is per source across them). Written by user space.
 */
struct xlb_guard {
	__u32 flags; /* XLB_GUARD_F_* */
	/* guard[XLB_SCOPE_GLOBAL] only: scopes with an ACL entry or a
	 * rate-limit setting; while 0 the program skips the source checks. */
	__u32 nr_active;
	struct xlb_acl_count acl[2]; /* [0] IPv4, [1] IPv6 entries of the scope's list */
	struct xlb_rl_conf rl;
	/* guard[XLB_SCOPE_GLOBAL] only: new flow-table inserts per second on
	 * each CPU (rate 0 = unlimited); past it new flows are forwarded but
	 * not stored. */
	struct xlb_rl_limit flow_budget;
};

/* rl_state key: a masked source address in the scope whose limits apply. */
struct xlb_rl_key {
	struct xlb_addr prefix; /* address & the scope's mask */
	__u32 scope;		/* XLB_SCOPE_GLOBAL or the VIP id */
	__u8 family;		/* enum xlb_family */
	__u8 plen;		/* prefix length of the mask */
	__u16 pad;
};

/* rl_state value: the source's two buckets and its drops, written by the
 * program with atomics (every CPU shares an entry). The drop fields feed
 * `xlbctl ratelimit top`. Times are bpf_ktime_get_ns (CLOCK_MONOTONIC). */
struct xlb_rl_state {
	__u64 pps_tat;	 /* GCRA theoretical arrival time of the packet limit */
	__u64 flows_tat; /* same, of the new-flow limit */
	__u64 pps_drops;
	__u64 flow_drops;
	__u64 last_drop_ns;
};

/* ICMP errors the program sends (frag needed, packet too big), per CPU
 * (RFC 4443 2.4(f)), as the kernel's own icmp_msgs_per_sec and _burst:
 * a flood of oversized packets from forged sources is not reflected. */
#ifndef XLB_ICMP_ERR_RATE
#define XLB_ICMP_ERR_RATE 1000 /* per second */
#endif
#ifndef XLB_ICMP_ERR_BURST
#define XLB_ICMP_ERR_BURST 50
#endif

/* flow_budget and error_budget value (per CPU): the budget's GCRA time on
 * that CPU. */
struct xlb_budget_state {
	__u64 tat;
};

/* samples ring buffer record: one sampled new flow, for the access log.
 * Addresses and ports in network order, as on the wire. */
struct xlb_flow_sample {
	__u64 ktime_ns; /* bpf_ktime_get_ns (CLOCK_MONOTONIC) */
	struct xlb_addr src;
	struct xlb_addr dst; /* the VIP address */
	__be16 sport;
	__be16 dport;
	__u32 vip_id;
	__u32 backend_id;
	__u8 family; /* enum xlb_family */
	__u8 proto;  /* IPPROTO_TCP, IPPROTO_UDP, ... */
	__u16 pad;
};

#ifndef XLB_SAMPLES_BYTES
#define XLB_SAMPLES_BYTES (256 * 1024) /* samples ring buffer: ~4,000 records */
#endif

/* Pin layout: XLB_PIN_ROOT/<name>/abi<XLB_ABI_VERSION>/<map or "prog">. */
#define XLB_PIN_ROOT "/sys/fs/bpf/xlb"

#endif /* XLB_ABI_H */
