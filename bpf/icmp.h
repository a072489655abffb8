/* SPDX-License-Identifier: MIT */
/*
 * ICMP and ICMPv6 to a VIP address. Echo requests are answered here, once
 * the ACL and the rate limit have let them through. Errors
 * (unreachable, time exceeded, parameter problem, packet too big) quote a
 * packet a backend sent from the VIP to a client: they are steered to the
 * backend that owns that flow. Neighbour discovery goes up to the host's
 * stack. Anything else is dropped.
 */
#ifndef XLB_BPF_ICMP_H
#define XLB_BPF_ICMP_H

#include <linux/icmpv6.h>
#include "csum.h"
#include "ctx.h"
#include "parse.h"
#include "stats.h"
#include "vip.h"

/* ICMP (IPv4) types and codes, and its header: <linux/icmp.h> pulls in
 * libc's socket headers, which a BPF object cannot include. */
#define XLB_ICMP_ECHOREPLY     0
#define XLB_ICMP_DEST_UNREACH  3
#define XLB_ICMP_FRAG_NEEDED   4 /* code of XLB_ICMP_DEST_UNREACH */
#define XLB_ICMP_ECHO	       8
#define XLB_ICMP_TIME_EXCEEDED 11
#define XLB_ICMP_PARAMETERPROB 12

/* ICMPv6 neighbour discovery (RFC 4861); <linux/icmpv6.h> has no names
 * for them outside the kernel. */
#define XLB_ND_ROUTER_SOLICIT 133
#define XLB_ND_ROUTER_ADVERT  134
#define XLB_ND_NEIGH_SOLICIT  135
#define XLB_ND_NEIGH_ADVERT   136
#define XLB_ND_REDIRECT	      137
#define XLB_ND_HOP_LIMIT      255 /* sent on the link, never forwarded */

struct xlb_icmphdr {
	__u8 type;
	__u8 code;
	__sum16 checksum;
	__be16 unused;
	__be16 mtu; /* next-hop MTU of XLB_ICMP_FRAG_NEEDED */
};

/* TTL / hop limit of what the program sends itself, as a host's stack
 * would: a reply does not inherit what is left of the request's. */
#define XLB_REPLY_TTL 64

/* Bytes of the quoted packet's L4 header an error must carry (RFC 792). */
#define XLB_ICMP_QUOTED_L4 8

struct xlb_l4_ports {
	__be16 source;
	__be16 dest;
};

/* Swaps addresses in place and turns the request into a reply. */
static __always_inline int xlb_icmp_echo_reply(struct xlb_pkt *pkt, __u8 reply_type)
{
	struct ethhdr *eth = pkt->data;
	struct xlb_icmphdr *ic = pkt->l4;
	__u8 mac[ETH_ALEN];
	__u16 old, new;

	if ((void *)(eth + 1) > pkt->data_end || pkt->l4 + XLB_ICMP_HDR_LEN > pkt->data_end)
		return XLB_STAT_DROP_MALFORMED;
	__builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, mac, ETH_ALEN);
	if (pkt->family == XLB_AF_INET) {
		struct iphdr *ip = pkt->l3;

		if ((void *)(ip + 1) > pkt->data_end)
			return XLB_STAT_DROP_MALFORMED;
		/* TTL shares a checksummed word with the protocol */
		__builtin_memcpy(&old, &ip->ttl, sizeof(old));
		ip->ttl = XLB_REPLY_TTL;
		__builtin_memcpy(&new, &ip->ttl, sizeof(new));
		ip->check = xlb_csum_replace16(ip->check, old, new);
		ip->saddr = pkt->key.dst.a[0];
		ip->daddr = pkt->key.src.a[0];
	} else {
		struct ipv6hdr *ip6 = pkt->l3;

		if ((void *)(ip6 + 1) > pkt->data_end)
			return XLB_STAT_DROP_MALFORMED;
		ip6->hop_limit = XLB_REPLY_TTL;
		__builtin_memcpy(&ip6->saddr, &pkt->key.dst, sizeof(ip6->saddr));
		__builtin_memcpy(&ip6->daddr, &pkt->key.src, sizeof(ip6->daddr));
	}
	/* Type and code share the checksum's first word; the pseudo-header
	 * of ICMPv6 does not change when its addresses swap. */
	__builtin_memcpy(&old, ic, sizeof(old));
	ic->type = reply_type;
	__builtin_memcpy(&new, ic, sizeof(new));
	ic->checksum = xlb_csum_replace16(ic->checksum, old, new);
	return XLB_STAT_TX_ECHO_REPLY;
}

/* Stage: the reply to an echo request that passed the source checks. The
 * request matches no VIP, so only the global ACL and limits apply to it. */
static __always_inline int xlb_icmp_echo(struct xlb_pkt *pkt)
{
	if (pkt->family == XLB_AF_INET)
		return xlb_icmp_echo_reply(pkt, XLB_ICMP_ECHOREPLY);
	return xlb_icmp_echo_reply(pkt, ICMPV6_ECHO_REPLY);
}

/* The flow of the IPv4 packet quoted by an error, reversed: the quote went
 * from the VIP to the client, the flow goes from the client to the VIP. */
static __always_inline int xlb_icmp_quote4(struct xlb_pkt *pkt)
{
	struct iphdr *in = pkt->l4 + XLB_ICMP_HDR_LEN;
	struct xlb_l4_ports *ports;
	__u32 hlen;

	if ((void *)(in + 1) > pkt->data_end || in->version != XLB_IPV4_VERSION ||
	    in->ihl < XLB_IPV4_MIN_IHL || (bpf_ntohs(in->frag_off) & XLB_IP_OFFSET))
		return -1;
	/* The quote left the VIP the error is addressed to, or it is forged. */
	if (in->saddr != pkt->key.dst.a[0])
		return -1;
	hlen = in->ihl * XLB_WORD_BYTES;
	ports = (void *)in + hlen;
	if ((void *)ports + XLB_ICMP_QUOTED_L4 > pkt->data_end ||
	    pkt->l4_off + XLB_ICMP_HDR_LEN + hlen + XLB_ICMP_QUOTED_L4 > pkt->l3_len)
		return -1;
	__builtin_memset(&pkt->key, 0, sizeof(pkt->key));
	pkt->key.src.a[0] = in->daddr;
	pkt->key.dst.a[0] = in->saddr;
	pkt->key.sport = ports->dest;
	pkt->key.dport = ports->source;
	pkt->key.proto = in->protocol;
	pkt->key.family = XLB_AF_INET;
	return 0;
}

/* Same for IPv6; the quoted header's extension headers are not walked. */
static __always_inline int xlb_icmp_quote6(struct xlb_pkt *pkt)
{
	struct ipv6hdr *in = pkt->l4 + XLB_ICMP_HDR_LEN;
	struct xlb_l4_ports *ports;
	__u32 diff = 0;
	int i;

	if ((void *)(in + 1) > pkt->data_end || in->version != XLB_IPV6_VERSION)
		return -1;
#pragma unroll
	for (i = 0; i < (int)(sizeof(pkt->key.dst.a) / sizeof(pkt->key.dst.a[0])); i++)
		diff |= in->saddr.in6_u.u6_addr32[i] ^ pkt->key.dst.a[i];
	if (diff)
		return -1;
	ports = (void *)(in + 1);
	if ((void *)ports + XLB_ICMP_QUOTED_L4 > pkt->data_end ||
	    pkt->l4_off + XLB_ICMP_HDR_LEN + sizeof(*in) + XLB_ICMP_QUOTED_L4 > pkt->l3_len)
		return -1;
	__builtin_memset(&pkt->key, 0, sizeof(pkt->key));
	__builtin_memcpy(&pkt->key.src, &in->daddr, sizeof(pkt->key.src));
	__builtin_memcpy(&pkt->key.dst, &in->saddr, sizeof(pkt->key.dst));
	pkt->key.sport = ports->dest;
	pkt->key.dport = ports->source;
	pkt->key.proto = in->nexthdr;
	pkt->key.family = XLB_AF_INET6;
	return 0;
}

/* The VIP that sent the quoted packet: its address, port and protocol. */
static __always_inline int xlb_icmp_steer(struct xlb_pkt *pkt)
{
	struct xlb_vip_addr *va;

	if (pkt->family == XLB_AF_INET)
		va = bpf_map_lookup_elem(&vip_addrs4, &pkt->key.dst.a[0]);
	else
		va = bpf_map_lookup_elem(&vip_addrs6, &pkt->key.dst);
	if (!va ||
	    xlb_vip_find(va, &pkt->key.dst, pkt->key.dport, pkt->key.proto, pkt->family, &pkt->vip))
		return XLB_STAT_DROP_ICMP;
	pkt->kind = XLB_PKT_ICMP_ERR;
	return XLB_NEXT;
}

static __always_inline int xlb_icmp4(struct xlb_pkt *pkt, __u8 type)
{
	switch (type) {
	case XLB_ICMP_ECHO:
		return XLB_ECHO; /* answered by xlb_icmp_echo */
	case XLB_ICMP_DEST_UNREACH:
	case XLB_ICMP_TIME_EXCEEDED:
	case XLB_ICMP_PARAMETERPROB:
		return xlb_icmp_quote4(pkt) ? XLB_STAT_DROP_ICMP : xlb_icmp_steer(pkt);
	default:
		return XLB_STAT_DROP_ICMP;
	}
}

static __always_inline int xlb_icmp6(struct xlb_pkt *pkt, __u8 type)
{
	switch (type) {
	case ICMPV6_ECHO_REQUEST:
		return XLB_ECHO; /* answered by xlb_icmp_echo */
	case ICMPV6_DEST_UNREACH:
	case ICMPV6_PKT_TOOBIG:
	case ICMPV6_TIME_EXCEED:
	case ICMPV6_PARAMPROB:
		return xlb_icmp_quote6(pkt) ? XLB_STAT_DROP_ICMP : xlb_icmp_steer(pkt);
	/* The host answers for a VIP address on its link: a neighbour's
	 * reachability probes come unicast to it, before any source check.
	 * Only from the link (hop limit 255, RFC 4861): the stack would drop
	 * any other, and the ACL must not be bypassed from afar. */
	case XLB_ND_ROUTER_SOLICIT:
	case XLB_ND_ROUTER_ADVERT:
	case XLB_ND_NEIGH_SOLICIT:
	case XLB_ND_NEIGH_ADVERT:
	case XLB_ND_REDIRECT:
		return pkt->ttl == XLB_ND_HOP_LIMIT ? XLB_STAT_PASS_ND : XLB_STAT_DROP_ICMP;
	default:
		return XLB_STAT_DROP_ICMP;
	}
}

/* Stage: an ICMP message to a VIP address (not a fragment). */
static __always_inline int xlb_icmp(struct xlb_pkt *pkt)
{
	__u8 *type = pkt->l4;

	if ((void *)(type + 1) > pkt->data_end)
		return XLB_STAT_DROP_MALFORMED;
	if (pkt->family == XLB_AF_INET)
		return xlb_icmp4(pkt, *type);
	return xlb_icmp6(pkt, *type);
}

#endif /* XLB_BPF_ICMP_H */
