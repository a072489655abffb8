/* SPDX-License-Identifier: MIT */
/*
 * Parsing. Two stages: xlb_parse_l3 reads only as far as the destination
 * address (all a packet for another host pays for); xlb_parse_l4 reads the
 * rest of a packet to a VIP address. Helpers take a cursor and data_end and
 * check every read against data_end; lengths are also checked against the
 * IP header's own length.
 */
#ifndef XLB_BPF_PARSE_H
#define XLB_BPF_PARSE_H

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include "ctx.h"
#include "stats.h"

#define XLB_IPV4_VERSION       4
#define XLB_IPV6_VERSION       6
#define XLB_IPV4_MIN_IHL       5 /* 32-bit words */
#define XLB_WORD_BYTES	       4 /* unit of ihl, doff and the AH length */
#define XLB_TCP_MIN_DOFF       5
#define XLB_IP_MF	       0x2000 /* IPv4 frag_off: more fragments */
#define XLB_IP_DF	       0x4000 /* IPv4 frag_off: don't fragment */
#define XLB_IP_OFFSET	       0x1fff /* IPv4 frag_off: fragment offset */
#define XLB_IPV6_VERSION_SHIFT 28     /* version in the first IPv6 word */
#define XLB_IPV6_TC_SHIFT      20     /* traffic class in the first IPv6 word */
#define XLB_IPV6_TC_MASK       0xff
#define XLB_IPV6_OPT_UNIT      8 /* hop-by-hop, routing, dest-opts: (hdrlen + 1) * 8 */
#define XLB_IPV6_AH_BIAS       2 /* AH: (hdrlen + 2) * 4 */
#define XLB_ICMP_HDR_LEN       8 /* ICMP and ICMPv6 headers, echo and errors alike */

struct xlb_vlan_hdr {
	__be16 tci;
	__be16 proto;
};

struct xlb_ipv6_frag_hdr {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off;
	__be32 id;
};

/* Ethernet and at most one 802.1Q tag. Returns the ethertype after the tag
 * (network order), or -1 when the frame is too short. */
static __always_inline int xlb_parse_eth(void **pos, void *end, struct xlb_pkt *pkt)
{
	struct ethhdr *eth = *pos;
	struct xlb_vlan_hdr *vh;

	if ((void *)(eth + 1) > end)
		return -1;
	pkt->vlan = 0;
	pkt->vlan_tci = 0;
	pkt->l2_len = sizeof(*eth);
	*pos = eth + 1;
	if (eth->h_proto != bpf_htons(ETH_P_8021Q))
		return eth->h_proto;
	vh = *pos;
	if ((void *)(vh + 1) > end)
		return -1;
	pkt->vlan = 1;
	pkt->vlan_tci = vh->tci;
	pkt->l2_len += sizeof(*vh);
	*pos = vh + 1;
	return vh->proto;
}

/* Stage 1: Ethernet, the tag, and the fixed IP header (for its destination). */
static __always_inline int xlb_parse_l3(struct xdp_md *ctx, struct xlb_pkt *pkt)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	void *pos = data;
	int proto;

	pkt->frame_len = ctx->data_end - ctx->data;
	pkt->data = data;
	pkt->data_end = end;
	proto = xlb_parse_eth(&pos, end, pkt);
	if (proto < 0)
		return XLB_STAT_PASS_NOT_IP;
	if (pkt->vlan)
		xlb_stat_add(XLB_STAT_EV_VLAN, pkt->frame_len);
	pkt->l3 = pos;
	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = pos;

		if ((void *)(ip + 1) > end || ip->version != XLB_IPV4_VERSION ||
		    ip->ihl < XLB_IPV4_MIN_IHL)
			return XLB_STAT_PASS_MALFORMED;
		pkt->family = XLB_AF_INET;
		return XLB_NEXT;
	}
	if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = pos;

		if ((void *)(ip6 + 1) > end || ip6->version != XLB_IPV6_VERSION)
			return XLB_STAT_PASS_MALFORMED;
		pkt->family = XLB_AF_INET6;
		return XLB_NEXT;
	}
	return XLB_STAT_PASS_NOT_IP;
}

/* The rest of an IPv4 header: options, lengths, fragment bits. */
static __always_inline int xlb_parse_ipv4(struct xlb_pkt *pkt, void **pos)
{
	struct iphdr *ip = pkt->l3;
	__u32 hlen, tot;
	__u16 frag;

	if ((void *)(ip + 1) > pkt->data_end)
		return XLB_STAT_DROP_MALFORMED;
	hlen = ip->ihl * XLB_WORD_BYTES;
	tot = bpf_ntohs(ip->tot_len);
	if (hlen < sizeof(*ip) || tot < hlen || (void *)ip + tot > pkt->data_end)
		return XLB_STAT_DROP_MALFORMED;
	frag = bpf_ntohs(ip->frag_off);
	pkt->l3_len = tot;
	pkt->l4_off = hlen;
	pkt->proto = ip->protocol;
	pkt->tos = ip->tos;
	pkt->ttl = ip->ttl;
	pkt->df = !!(frag & XLB_IP_DF);
	pkt->ip_id = ip->id;
	pkt->kind = (frag & (XLB_IP_MF | XLB_IP_OFFSET)) ? XLB_PKT_FRAG : XLB_PKT_FLOW;
	pkt->key.src.a[0] = ip->saddr;
	pkt->key.dst.a[0] = ip->daddr;
	*pos = (void *)ip + hlen;
	return XLB_NEXT;
}

static __always_inline int xlb_ipv6_is_ext(__u8 nexthdr)
{
	return nexthdr == IPPROTO_HOPOPTS || nexthdr == IPPROTO_ROUTING ||
	       nexthdr == IPPROTO_DSTOPTS || nexthdr == IPPROTO_FRAGMENT || nexthdr == IPPROTO_AH;
}

/*
 * Walks up to XLB_MAX_IPV6_EXT_HDRS extension headers from *pos, adding
 * their length to *off. Stops after a fragment header: what follows it may
 * be another fragment's data. Returns the next protocol, or -1 when a header
 * is truncated or there are too many.
 */
static __always_inline int xlb_parse_ipv6_ext(struct xlb_pkt *pkt, void **pos, __u32 *off,
					      __u8 nexthdr)
{
	struct ipv6_opt_hdr *h;
	__u32 len;
	int i;

#pragma unroll
	for (i = 0; i < XLB_MAX_IPV6_EXT_HDRS; i++) {
		if (!xlb_ipv6_is_ext(nexthdr))
			return nexthdr;
		h = *pos;
		if ((void *)(h + 1) > pkt->data_end)
			return -1;
		if (nexthdr == IPPROTO_FRAGMENT)
			len = sizeof(struct xlb_ipv6_frag_hdr);
		else if (nexthdr == IPPROTO_AH)
			len = (h->hdrlen + XLB_IPV6_AH_BIAS) * XLB_WORD_BYTES;
		else
			len = (h->hdrlen + 1) * XLB_IPV6_OPT_UNIT;
		if (*pos + len > pkt->data_end)
			return -1;
		*pos += len;
		*off += len;
		if (nexthdr == IPPROTO_FRAGMENT) {
			pkt->kind = XLB_PKT_FRAG;
			return h->nexthdr;
		}
		nexthdr = h->nexthdr;
	}
	return xlb_ipv6_is_ext(nexthdr) ? -1 : nexthdr;
}

/* The rest of an IPv6 header: payload length and extension headers. */
static __always_inline int xlb_parse_ipv6(struct xlb_pkt *pkt, void **pos)
{
	struct ipv6hdr *ip6 = pkt->l3;
	__u32 off = sizeof(*ip6), tot, word;
	int nexthdr;

	if ((void *)(ip6 + 1) > pkt->data_end)
		return XLB_STAT_DROP_MALFORMED;
	tot = sizeof(*ip6) + bpf_ntohs(ip6->payload_len);
	if ((void *)ip6 + tot > pkt->data_end)
		return XLB_STAT_DROP_MALFORMED;
	__builtin_memcpy(&word, ip6, sizeof(word));
	pkt->l3_len = tot;
	pkt->tos = (bpf_ntohl(word) >> XLB_IPV6_TC_SHIFT) & XLB_IPV6_TC_MASK;
	pkt->ttl = ip6->hop_limit;
	pkt->df = 0;
	pkt->kind = XLB_PKT_FLOW;
	__builtin_memcpy(&pkt->key.src, &ip6->saddr, sizeof(pkt->key.src));
	__builtin_memcpy(&pkt->key.dst, &ip6->daddr, sizeof(pkt->key.dst));
	*pos = ip6 + 1;
	nexthdr = xlb_parse_ipv6_ext(pkt, pos, &off, ip6->nexthdr);
	if (nexthdr < 0 || off > tot)
		return XLB_STAT_DROP_MALFORMED;
	pkt->proto = nexthdr;
	pkt->l4_off = off;
	return XLB_NEXT;
}

/* The L4 header: TCP (with its options), UDP, or the family's ICMP. */
static __always_inline int xlb_parse_l4_hdr(struct xlb_pkt *pkt, void *pos)
{
	__u8 icmp = pkt->family == XLB_AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	void *end = pkt->data_end;
	__u32 len;

	if (pkt->proto == IPPROTO_TCP) {
		struct tcphdr *th = pos;

		if ((void *)(th + 1) > end || th->doff < XLB_TCP_MIN_DOFF)
			return XLB_STAT_DROP_MALFORMED;
		len = th->doff * XLB_WORD_BYTES;
		pkt->key.sport = th->source;
		pkt->key.dport = th->dest;
		pkt->syn = th->syn && !th->ack;
	} else if (pkt->proto == IPPROTO_UDP) {
		struct udphdr *uh = pos;

		if ((void *)(uh + 1) > end)
			return XLB_STAT_DROP_MALFORMED;
		len = sizeof(*uh);
		pkt->key.sport = uh->source;
		pkt->key.dport = uh->dest;
	} else if (pkt->proto == icmp) {
		if (pos + XLB_ICMP_HDR_LEN > end)
			return XLB_STAT_DROP_MALFORMED;
		len = XLB_ICMP_HDR_LEN;
		pkt->kind = XLB_PKT_ICMP;
	} else {
		pkt->kind = XLB_PKT_OTHER;
		return XLB_NEXT;
	}
	if (pkt->l4_off + len > pkt->l3_len)
		return XLB_STAT_DROP_MALFORMED;
	return XLB_NEXT;
}

/* Stage 3: the rest of a packet to a VIP address, down to its L4 header.
 * Fragments stop at the IP layer: all fragments of a datagram must hash
 * alike, and only the first has ports. */
static __always_inline int xlb_parse_l4(struct xlb_pkt *pkt)
{
	void *pos = pkt->l3;
	int ret;

	__builtin_memset(&pkt->key, 0, sizeof(pkt->key));
	pkt->new_flow = 0;
	pkt->syn = 0;
	pkt->flow = XLB_FLOW_NONE;
	if (pkt->family == XLB_AF_INET)
		ret = xlb_parse_ipv4(pkt, &pos);
	else
		ret = xlb_parse_ipv6(pkt, &pos);
	if (ret != XLB_NEXT)
		return ret;
	pkt->key.proto = pkt->proto;
	pkt->key.family = pkt->family;
	pkt->l4 = pos;
	if (pkt->kind == XLB_PKT_FRAG)
		return XLB_NEXT;
	return xlb_parse_l4_hdr(pkt, pos);
}

#endif /* XLB_BPF_PARSE_H */
