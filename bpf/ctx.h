/* SPDX-License-Identifier: MIT */
/*
 * The per-packet state handed from stage to stage. A stage returns an enum
 * xlb_stat verdict reason to end the packet, or XLB_NEXT to go on. Fields
 * are written by the stage that learns them; nothing reads a field before
 * its stage ran, so the struct is never cleared as a whole (the non-VIP
 * path pays for no more than it uses).
 */
#ifndef XLB_BPF_CTX_H
#define XLB_BPF_CTX_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <xlb/abi.h>

/* Returned by a stage that has not decided the packet's fate. */
#define XLB_NEXT (-1)
/* Returned by the VIP match for an echo request: answer it once the source
 * checks let it through. A return code rather than a field, so the verifier
 * keeps the echo path apart from the forwarding path. */
#define XLB_ECHO (-2)
/* Returned by the source checks for a packet that passed them and whose
 * source has a new-flow limit: check it after the flow-table lookup. */
#define XLB_NEXT_LIMIT_FLOWS (-3)

/* What the packet is, once its L4 is known; selects the VIP and flow logic. */
enum xlb_pkt_kind {
	XLB_PKT_FLOW = 0, /* TCP/UDP with ports: goes through the flow table */
	XLB_PKT_FRAG,	  /* fragment: no ports, address-only hash, no flow table */
	XLB_PKT_ICMP,	  /* ICMP (IPv4) or ICMPv6 (IPv6), not a fragment */
	XLB_PKT_ICMP_ERR, /* ICMP error steered to its quoted flow's backend */
	XLB_PKT_OTHER,	  /* any other L4 protocol */
};

/* What the flow table said about a packet. */
enum xlb_flow_state {
	XLB_FLOW_NONE = 0, /* not looked up (fragment) */
	XLB_FLOW_HIT,	   /* entry with a backend that keeps its flows */
	XLB_FLOW_MISS,	   /* no entry: a new flow */
	XLB_FLOW_STALE,	   /* entry whose backend is gone: rescheduled */
};

/* An outgoing Ethernet header: addresses and the optional 802.1Q tag. */
struct xlb_l2 {
	__u8 dst[ETH_ALEN];
	__u8 src[ETH_ALEN];
	__be16 tci; /* 802.1Q tag control, when tagged */
	__u8 tagged;
	__u8 pad;
};

/* The outer header of ipip mode; the IPv4 words feed its checksum. */
union xlb_outer {
	struct iphdr v4;
	__u16 v4_words[sizeof(struct iphdr) / sizeof(__u16)];
	struct ipv6hdr v6;
};

struct xlb_pkt {
	/* parse: where things are (packet pointers, valid until the packet
	 * is resized) */
	void *data;
	void *data_end;
	void *l3;
	void *l4;
	__u32 frame_len; /* data_end - data at entry: the counted bytes */
	__u16 l2_len;	 /* Ethernet header plus the tag, if any */
	__u16 l3_len;	 /* IPv4 tot_len, or 40 + IPv6 payload_len */
	__u16 l4_off;	 /* L4 header offset from l3 */
	__be16 vlan_tci; /* ingress tag, when vlan */
	__be16 ip_id;	 /* IPv4 identification */
	__u8 vlan;
	__u8 family;   /* enum xlb_family */
	__u8 proto;    /* L4 protocol (after IPv6 extension headers) */
	__u8 kind;     /* enum xlb_pkt_kind */
	__u8 tos;      /* IPv4 tos or IPv6 traffic class */
	__u8 ttl;      /* IPv4 ttl or IPv6 hop limit */
	__u8 df;       /* IPv4 don't-fragment bit */
	__u8 new_flow; /* a flow entry was written for this packet */
	__u8 flow;     /* enum xlb_flow_state */
	__u8 syn;      /* TCP SYN without ACK: a connection being opened */
	/* vip: the destination address's entry, then the VIP matched */
	struct xlb_vip_addr *va;
	struct xlb_vip vip;
	/* flow: the client's flow, its hash and backend */
	struct xlb_flow_key key;
	__u32 hash;
	__u32 backend_id;
	struct xlb_backend *be;
	/* forward: outer header, next hop, egress device */
	union xlb_outer outer;
	__u16 outer_len;	   /* 0 when nothing is pushed (l2dsr) */
	struct xlb_addr route_src; /* source given to the FIB lookup */
	struct xlb_l2 l2_out;
	__u32 egress_ifindex;
};

#endif /* XLB_BPF_CTX_H */
