/* SPDX-License-Identifier: MIT */
/*
 * The outer header of ipip mode (IPv4-in-IPv4, IPv6-in-IPv6), built on the
 * stack before the packet is resized; l2dsr pushes nothing. The outer
 * source is the configured address, or a per-flow address of the configured
 * prefix (base | hash & hostmask) to spread flows over the backends' queues.
 */
#ifndef XLB_BPF_ENCAP_H
#define XLB_BPF_ENCAP_H

#include <linux/in.h>
#include <bpf/bpf_endian.h>
#include "csum.h"
#include "ctx.h"
#include "parse.h"

#define XLB_IPV6_FLOW_LABEL_MASK 0xfffff

static __always_inline int xlb_encap4_prepare(struct xlb_pkt *pkt, const struct xlb_config *cfg)
{
	struct iphdr *o = &pkt->outer.v4;

	if (!cfg->src4)
		return XLB_STAT_DROP_NO_SOURCE;
	__builtin_memset(&pkt->outer, 0, sizeof(pkt->outer));
	o->version = XLB_IPV4_VERSION;
	o->ihl = XLB_IPV4_MIN_IHL;
	o->tos = pkt->tos;
	o->tot_len = bpf_htons(pkt->l3_len + sizeof(*o));
	o->frag_off = pkt->df ? bpf_htons(XLB_IP_DF) : 0;
	/* A packet that may be fragmented needs an ID (RFC 6864): the
	 * client's, unique per its flow, not one 0 for every client. */
	o->id = pkt->df ? 0 : pkt->ip_id;
	o->ttl = pkt->ttl;
	o->protocol = IPPROTO_IPIP;
	o->saddr = cfg->src4 | (pkt->hash & cfg->src4_hostmask);
	o->daddr = pkt->be->addr.a[0];
	o->check = xlb_ipv4_csum(&pkt->outer);
	pkt->outer_len = sizeof(*o);
	__builtin_memset(&pkt->route_src, 0, sizeof(pkt->route_src));
	pkt->route_src.a[0] = o->saddr;
	return XLB_NEXT;
}

static __always_inline int xlb_encap6_prepare(struct xlb_pkt *pkt, const struct xlb_config *cfg)
{
	struct ipv6hdr *o = &pkt->outer.v6;
	__be32 word, any = 0;
	int i;

#pragma unroll
	for (i = 0; i < (int)(sizeof(cfg->src6.a) / sizeof(cfg->src6.a[0])); i++) {
		any |= cfg->src6.a[i];
		pkt->route_src.a[i] = cfg->src6.a[i] | (pkt->hash & cfg->src6_hostmask.a[i]);
	}
	if (!any)
		return XLB_STAT_DROP_NO_SOURCE;
	word = bpf_htonl(XLB_IPV6_VERSION << XLB_IPV6_VERSION_SHIFT |
			 (__u32)pkt->tos << XLB_IPV6_TC_SHIFT |
			 (pkt->hash & XLB_IPV6_FLOW_LABEL_MASK));
	__builtin_memcpy(o, &word, sizeof(word));
	o->payload_len = bpf_htons(pkt->l3_len);
	o->nexthdr = IPPROTO_IPV6;
	o->hop_limit = pkt->ttl;
	__builtin_memcpy(&o->saddr, &pkt->route_src, sizeof(o->saddr));
	__builtin_memcpy(&o->daddr, &pkt->be->addr, sizeof(o->daddr));
	pkt->outer_len = sizeof(*o);
	return XLB_NEXT;
}

/* Stage: what goes in front of the packet, and the source to route from. */
static __always_inline int xlb_encap_prepare(struct xlb_pkt *pkt, const struct xlb_config *cfg)
{
	if (pkt->vip.mode == XLB_MODE_L2DSR) {
		pkt->outer_len = 0;
		pkt->route_src = pkt->key.src;
		return XLB_NEXT;
	}
	if (pkt->family == XLB_AF_INET)
		return xlb_encap4_prepare(pkt, cfg);
	return xlb_encap6_prepare(pkt, cfg);
}

#endif /* XLB_BPF_ENCAP_H */
