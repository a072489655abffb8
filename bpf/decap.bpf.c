// SPDX-License-Identifier: MIT
/*
 * Backend-side XDP program: strips the outer header xlb adds (IPv4-in-IPv4,
 * IPv6-in-IPv6) from packets sent by a configured load balancer to a
 * configured VIP, and passes the inner packet to the kernel, which delivers
 * it to the VIP held on the loopback. A backend then needs no tunnel module.
 * Other encapsulated packets are dropped; everything else passes untouched.
 */
#include <stddef.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <xlb/decap.h>

#include "decap_maps.h"

#define IPV4_VERSION	 4
#define IPV6_VERSION	 6
#define IPV4_IHL_MIN	 5
#define IPV4_IHL_UNIT	 4 /* ihl counts 32-bit words */
#define IPV4_MF		 0x2000
#define IPV4_OFFSET	 0x1fff
#define IPV4_PREFIX_BITS 32
#define IPV6_PREFIX_BITS 128

/* ECN field: the low two bits of the IPv4 TOS / IPv6 traffic class. */
#define ECN_MASK    0x3
#define ECN_NOT_ECT 0x0
#define ECN_CE	    0x3
/* IPv6 keeps the traffic class's low nibble in the top of flow_lbl[0]. */
#define IPV6_TCLASS_LOW_SHIFT 4

/* struct vlan_hdr is not in the uapi headers. */
struct vlan_tag {
	__be16 tci;
	__be16 encap_proto;
};

/* Ethernet and the one 802.1Q tag that may follow it, saved across
 * bpf_xdp_adjust_head. */
struct l2_hdr {
	struct ethhdr eth;
	struct vlan_tag vlan;
};

struct l2_info {
	void *l3;
	__be16 proto; /* ethertype of the L3 header */
	int vlan;     /* a tag is present */
};

static __always_inline void count(__u32 idx, __u64 bytes)
{
	struct xlb_counter *c = bpf_map_lookup_elem(&decap_stats, &idx);

	if (c) {
		c->packets++;
		c->bytes += bytes;
	}
}

static __always_inline int parse_l2(void *data, void *end, struct l2_info *l2)
{
	struct ethhdr *eth = data;
	struct vlan_tag *tag;

	if ((void *)(eth + 1) > end)
		return -1;
	l2->l3 = eth + 1;
	l2->proto = eth->h_proto;
	l2->vlan = 0;
	if (eth->h_proto != bpf_htons(ETH_P_8021Q))
		return 0;
	tag = l2->l3;
	if ((void *)(tag + 1) > end)
		return -1;
	l2->l3 = tag + 1;
	l2->proto = tag->encap_proto;
	l2->vlan = 1;
	return 0;
}

static __always_inline int lb4_known(__be32 saddr)
{
	struct xlb_decap_lb4_key key = {.prefixlen = IPV4_PREFIX_BITS, .addr = saddr};

	return bpf_map_lookup_elem(&decap_lbs4, &key) != NULL;
}

static __always_inline int lb6_known(const struct in6_addr *saddr)
{
	struct xlb_decap_lb6_key key = {.prefixlen = IPV6_PREFIX_BITS};

	__builtin_memcpy(&key.addr, saddr, sizeof(key.addr));
	return bpf_map_lookup_elem(&decap_lbs6, &key) != NULL;
}

/* RFC 1624 incremental update of a checksum over one changed 16-bit word. */
static __always_inline __u16 csum_replace(__u16 check, __u16 old, __u16 new)
{
	__u32 sum = (__u16)~check + (__u16)~old + (__u32) new;

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

/* RFC 6040 decapsulation, as Linux tunnels do it: an outer CE mark is copied
 * into an ECN-capable inner packet, and a not-ECT inner packet under CE is
 * dropped (its sender would never learn of the congestion). */
static __always_inline int ecn4(struct iphdr *outer, struct iphdr *inner, __u64 bytes)
{
	__u16 old;

	if ((outer->tos & ECN_MASK) != ECN_CE || (inner->tos & ECN_MASK) == ECN_CE)
		return 0;
	if ((inner->tos & ECN_MASK) == ECN_NOT_ECT)
		return -1;
	old = *(__u16 *)inner;
	inner->tos |= ECN_CE;
	inner->check = csum_replace(inner->check, old, *(__u16 *)inner);
	count(XLB_DECAP_EV_ECN_CE, bytes);
	return 0;
}

static __always_inline int ecn6(struct ipv6hdr *outer, struct ipv6hdr *inner, __u64 bytes)
{
	__u8 outer_ecn = (outer->flow_lbl[0] >> IPV6_TCLASS_LOW_SHIFT) & ECN_MASK;
	__u8 inner_ecn = (inner->flow_lbl[0] >> IPV6_TCLASS_LOW_SHIFT) & ECN_MASK;

	if (outer_ecn != ECN_CE || inner_ecn == ECN_CE)
		return 0;
	if (inner_ecn == ECN_NOT_ECT)
		return -1;
	inner->flow_lbl[0] |= ECN_CE << IPV6_TCLASS_LOW_SHIFT;
	count(XLB_DECAP_EV_ECN_CE, bytes);
	return 0;
}

/* Removes outer_len bytes after the L2 header, which moves up unchanged but
 * for its (innermost) ethertype, now the inner packet's. */
static __always_inline enum xlb_decap_stat strip(struct xdp_md *ctx, int vlan, __u32 outer_len,
						 __be16 inner_proto)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct l2_hdr hdr;

	/* The frame holds L2, the outer and at least an inner fixed header,
	 * so the longest L2 header is always readable. */
	if (data + sizeof(hdr) > end)
		return XLB_DECAP_DROP_MALFORMED;
	__builtin_memcpy(&hdr, data, sizeof(hdr));
	if (vlan)
		hdr.vlan.encap_proto = inner_proto;
	else
		hdr.eth.h_proto = inner_proto;

	if (bpf_xdp_adjust_head(ctx, outer_len))
		return XLB_DECAP_DROP_ADJUST;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	if (data + sizeof(hdr) > end)
		return XLB_DECAP_DROP_ADJUST;
	if (vlan)
		__builtin_memcpy(data, &hdr, sizeof(hdr));
	else
		__builtin_memcpy(data, &hdr.eth, sizeof(hdr.eth));
	return XLB_DECAP_PASS_DECAP;
}

static __always_inline enum xlb_decap_stat decap4(struct xdp_md *ctx, struct l2_info *l2,
						  __u64 bytes)
{
	void *end = (void *)(long)ctx->data_end;
	struct iphdr *outer = l2->l3;
	struct iphdr *inner;
	__u32 outer_hlen, outer_len, inner_len;
	__be32 vip;

	if ((void *)&outer->protocol + sizeof(outer->protocol) > end)
		return XLB_DECAP_PASS_SHORT;
	if (outer->protocol != IPPROTO_IPIP)
		return XLB_DECAP_PASS_NOT_ENCAP;
	if ((void *)(outer + 1) > end || outer->version != IPV4_VERSION ||
	    outer->ihl < IPV4_IHL_MIN)
		return XLB_DECAP_DROP_MALFORMED;
	outer_hlen = outer->ihl * IPV4_IHL_UNIT;
	outer_len = bpf_ntohs(outer->tot_len);
	if (outer_len < outer_hlen + sizeof(*inner) || (void *)outer + outer_len > end)
		return XLB_DECAP_DROP_MALFORMED;
	if (outer->frag_off & bpf_htons(IPV4_MF | IPV4_OFFSET))
		return XLB_DECAP_DROP_FRAGMENT;
	if (!lb4_known(outer->saddr))
		return XLB_DECAP_DROP_UNKNOWN_LB;

	inner = (void *)outer + outer_hlen;
	if ((void *)(inner + 1) > end)
		return XLB_DECAP_DROP_MALFORMED;
	if (inner->version != IPV4_VERSION)
		return XLB_DECAP_DROP_FAMILY;
	inner_len = bpf_ntohs(inner->tot_len);
	if (inner->ihl < IPV4_IHL_MIN || inner_len < inner->ihl * IPV4_IHL_UNIT ||
	    inner_len > outer_len - outer_hlen)
		return XLB_DECAP_DROP_MALFORMED;
	vip = inner->daddr;
	if (!bpf_map_lookup_elem(&decap_vips4, &vip))
		return XLB_DECAP_DROP_UNKNOWN_VIP;
	if (ecn4(outer, inner, bytes))
		return XLB_DECAP_DROP_ECN;
	return strip(ctx, l2->vlan, outer_hlen, bpf_htons(ETH_P_IP));
}

static __always_inline enum xlb_decap_stat decap6(struct xdp_md *ctx, struct l2_info *l2,
						  __u64 bytes)
{
	void *end = (void *)(long)ctx->data_end;
	struct ipv6hdr *outer = l2->l3;
	struct ipv6hdr *inner;
	__u32 outer_plen;
	struct xlb_in6 vip;

	if ((void *)&outer->nexthdr + sizeof(outer->nexthdr) > end)
		return XLB_DECAP_PASS_SHORT;
	if (outer->nexthdr != IPPROTO_IPV6)
		return XLB_DECAP_PASS_NOT_ENCAP;
	if ((void *)(outer + 1) > end || outer->version != IPV6_VERSION)
		return XLB_DECAP_DROP_MALFORMED;
	outer_plen = bpf_ntohs(outer->payload_len);
	if (outer_plen < sizeof(*inner) || (void *)(outer + 1) + outer_plen > end)
		return XLB_DECAP_DROP_MALFORMED;
	if (!lb6_known(&outer->saddr))
		return XLB_DECAP_DROP_UNKNOWN_LB;

	inner = outer + 1;
	if ((void *)(inner + 1) > end)
		return XLB_DECAP_DROP_MALFORMED;
	if (inner->version != IPV6_VERSION)
		return XLB_DECAP_DROP_FAMILY;
	if (bpf_ntohs(inner->payload_len) > outer_plen - sizeof(*inner))
		return XLB_DECAP_DROP_MALFORMED;
	__builtin_memcpy(&vip, &inner->daddr, sizeof(vip));
	if (!bpf_map_lookup_elem(&decap_vips6, &vip))
		return XLB_DECAP_DROP_UNKNOWN_VIP;
	if (ecn6(outer, inner, bytes))
		return XLB_DECAP_DROP_ECN;
	return strip(ctx, l2->vlan, sizeof(*outer), bpf_htons(ETH_P_IPV6));
}

static __always_inline enum xlb_decap_stat decap(struct xdp_md *ctx, __u64 bytes)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct l2_info l2;

	if (parse_l2(data, end, &l2) < 0)
		return XLB_DECAP_PASS_SHORT;
	if (l2.vlan)
		count(XLB_DECAP_EV_VLAN, bytes);
	if (l2.proto == bpf_htons(ETH_P_IP))
		return decap4(ctx, &l2, bytes);
	if (l2.proto == bpf_htons(ETH_P_IPV6))
		return decap6(ctx, &l2, bytes);
	return XLB_DECAP_PASS_NOT_IP;
}

SEC("xdp")
int xlb_decap(struct xdp_md *ctx)
{
	__u64 bytes = (void *)(long)ctx->data_end - (void *)(long)ctx->data;
	enum xlb_decap_stat reason = decap(ctx, bytes);

	count(reason, bytes);
	return reason < XLB_DECAP_STAT__FIRST_DROP ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
