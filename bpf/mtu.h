/* SPDX-License-Identifier: MIT */
/*
 * Too big for the path to the backend once encapsulated: IPv4 with DF and
 * IPv6 get an ICMP "fragmentation needed" / ICMPv6 "packet too big" back to
 * the client, built in place of the packet (it quotes the packet's start),
 * within the CPU's budget of errors; IPv4 without DF, and IPv6 under an MTU
 * that leaves less than 1280 inside the outer header, are dropped.
 */
#ifndef XLB_BPF_MTU_H
#define XLB_BPF_MTU_H

#include <linux/icmpv6.h>
#include <linux/in.h>
#include "csum.h"
#include "ctx.h"
#include "eth.h"
#include "icmp.h"
#include "parse.h"
#include "ratelimit.h"

#define XLB_TOO_BIG4_HDRS (sizeof(struct iphdr) + XLB_ICMP_HDR_LEN)
#define XLB_TOO_BIG6_HDRS (sizeof(struct ipv6hdr) + XLB_ICMP_HDR_LEN)

/* Opens hdrs bytes between L2 and the IP packet, and keeps quote bytes of
 * the IP packet after them. All packet pointers are stale afterwards. */
static __always_inline int xlb_reply_resize(struct xdp_md *ctx, const struct xlb_pkt *pkt, int hdrs,
					    int quote)
{
	int len;

	if (bpf_xdp_adjust_head(ctx, -hdrs))
		return -1;
	len = ctx->data_end - ctx->data;
	if (bpf_xdp_adjust_tail(ctx, pkt->l2_len + hdrs + quote - len))
		return -1;
	return 0;
}

static __always_inline int xlb_too_big4(struct xdp_md *ctx, struct xlb_pkt *pkt, __u16 mtu)
{
	void *l3, *end;
	union xlb_outer ip = {};
	struct xlb_icmphdr *ic;
	struct xlb_l2 l2;
	int csum;

	if (xlb_eth_reply(pkt, &l2))
		return XLB_STAT_DROP_MALFORMED;
	ip.v4.version = XLB_IPV4_VERSION;
	ip.v4.ihl = XLB_IPV4_MIN_IHL;
	ip.v4.tot_len = bpf_htons(XLB_TOO_BIG4_HDRS + XLB_ICMP4_QUOTE);
	ip.v4.ttl = XLB_REPLY_TTL;
	ip.v4.protocol = IPPROTO_ICMP;
	ip.v4.saddr = pkt->key.dst.a[0];
	ip.v4.daddr = pkt->key.src.a[0];
	ip.v4.check = xlb_ipv4_csum(&ip);
	if (xlb_reply_resize(ctx, pkt, XLB_TOO_BIG4_HDRS, XLB_ICMP4_QUOTE))
		return XLB_STAT_DROP_ADJUST;
	end = (void *)(long)ctx->data_end;
	l3 = xlb_eth_write((void *)(long)ctx->data, end, &l2, bpf_htons(ETH_P_IP));
	if (!l3 || l3 + XLB_TOO_BIG4_HDRS > end)
		return XLB_STAT_DROP_ADJUST;
	__builtin_memcpy(l3, &ip.v4, sizeof(ip.v4));
	ic = l3 + sizeof(struct iphdr);
	ic->type = XLB_ICMP_DEST_UNREACH;
	ic->code = XLB_ICMP_FRAG_NEEDED;
	ic->checksum = 0;
	ic->unused = 0;
	ic->mtu = bpf_htons(mtu);
	csum = xlb_csum_packet(ic, end, XLB_ICMP_HDR_LEN + XLB_ICMP4_QUOTE, 0);
	if (csum < 0)
		return XLB_STAT_DROP_ADJUST;
	ic->checksum = csum;
	return XLB_STAT_TX_TOO_BIG;
}

static __always_inline int xlb_too_big6(struct xdp_md *ctx, struct xlb_pkt *pkt, __u32 mtu)
{
	const __u32 icmp_len = XLB_ICMP_HDR_LEN + XLB_ICMP6_QUOTE;
	__be32 word = bpf_htonl(XLB_IPV6_VERSION << XLB_IPV6_VERSION_SHIFT);
	struct icmp6hdr *ic;
	struct ipv6hdr *ip6;
	struct xlb_l2 l2;
	__u64 sum = 0;
	void *end;
	int csum, i;

	if (xlb_eth_reply(pkt, &l2))
		return XLB_STAT_DROP_MALFORMED;
	if (xlb_reply_resize(ctx, pkt, XLB_TOO_BIG6_HDRS, XLB_ICMP6_QUOTE))
		return XLB_STAT_DROP_ADJUST;
	end = (void *)(long)ctx->data_end;
	ip6 = xlb_eth_write((void *)(long)ctx->data, end, &l2, bpf_htons(ETH_P_IPV6));
	if (!ip6 || (void *)ip6 + XLB_TOO_BIG6_HDRS > end)
		return XLB_STAT_DROP_ADJUST;
	__builtin_memcpy(ip6, &word, sizeof(word));
	ip6->payload_len = bpf_htons(icmp_len);
	ip6->nexthdr = IPPROTO_ICMPV6;
	ip6->hop_limit = XLB_REPLY_TTL;
	__builtin_memcpy(&ip6->saddr, &pkt->key.dst, sizeof(ip6->saddr));
	__builtin_memcpy(&ip6->daddr, &pkt->key.src, sizeof(ip6->daddr));
	ic = (void *)(ip6 + 1);
	ic->icmp6_type = ICMPV6_PKT_TOOBIG;
	ic->icmp6_code = 0;
	ic->icmp6_cksum = 0;
	ic->icmp6_mtu = bpf_htonl(mtu);
	/* The pseudo-header: addresses, upper-layer length, next header. */
#pragma unroll
	for (i = 0; i < (int)(sizeof(pkt->key.src.a) / sizeof(pkt->key.src.a[0])); i++)
		sum += (__u64)pkt->key.src.a[i] + pkt->key.dst.a[i];
	sum += bpf_htonl(icmp_len);
	sum += bpf_htonl(IPPROTO_ICMPV6);
	csum = xlb_csum_packet(ic, end, icmp_len, xlb_csum_reduce(sum));
	if (csum < 0)
		return XLB_STAT_DROP_ADJUST;
	ic->icmp6_cksum = csum;
	return XLB_STAT_TX_TOO_BIG;
}

/* Stage: does the packet fit the MTU toward backends once encapsulated? */
static __always_inline int xlb_mtu_check(struct xdp_md *ctx, struct xlb_pkt *pkt,
					 const struct xlb_config *cfg)
{
	__u32 mtu = cfg->mtu ? cfg->mtu : XLB_MTU_DEFAULT;
	__u32 overhead = 0, advertised;

	if (mtu < XLB_MTU_MIN)
		mtu = XLB_MTU_MIN;
	if (mtu > XLB_MTU_MAX)
		mtu = XLB_MTU_MAX;
	if (pkt->vip.mode == XLB_MODE_IPIP)
		overhead = pkt->family == XLB_AF_INET ? XLB_IPIP4_OVERHEAD : XLB_IPIP6_OVERHEAD;
	if (pkt->l3_len + overhead <= mtu)
		return XLB_NEXT;
	/* Never an ICMP error about an ICMP error (RFC 1122, RFC 4443). */
	if (pkt->kind == XLB_PKT_ICMP_ERR)
		return XLB_STAT_DROP_TOO_BIG;
	advertised = mtu - overhead;
	if (pkt->family == XLB_AF_INET && !pkt->df)
		return XLB_STAT_DROP_TOO_BIG;
	/* Below IPv6's minimum the client cannot act on the error: xlbd
	 * refuses such an MTU; one kept from an older state is a counted drop. */
	if (pkt->family == XLB_AF_INET6 && advertised < XLB_IPV6_MIN_MTU)
		return XLB_STAT_DROP_TOO_BIG;
	if (xlb_error_budget_take())
		return XLB_STAT_DROP_TOO_BIG_LIMIT;
	if (pkt->family == XLB_AF_INET)
		return xlb_too_big4(ctx, pkt, advertised);
	return xlb_too_big6(ctx, pkt, advertised);
}

#endif /* XLB_BPF_MTU_H */
