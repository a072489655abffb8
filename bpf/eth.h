/* SPDX-License-Identifier: MIT */
/*
 * Writing Ethernet headers: a new one (with an optional 802.1Q tag) in front
 * of an IP header, and the address swap of a reply sent back where a frame
 * came from.
 */
#ifndef XLB_BPF_ETH_H
#define XLB_BPF_ETH_H

#include <bpf/bpf_endian.h>
#include "ctx.h"
#include "parse.h"

#define XLB_VLAN_VID_MASK 0x0fff

static __always_inline __u16 xlb_l2_len(const struct xlb_l2 *l2)
{
	return sizeof(struct ethhdr) + (l2->tagged ? sizeof(struct xlb_vlan_hdr) : 0);
}

/* Writes l2 at data for an L3 of ethertype proto. Returns the L3 start, or
 * NULL when the frame is too short. */
static __always_inline void *xlb_eth_write(void *data, void *end, const struct xlb_l2 *l2,
					   __be16 proto)
{
	struct ethhdr *eth = data;
	struct xlb_vlan_hdr *vh;

	if ((void *)(eth + 1) > end)
		return NULL;
	__builtin_memcpy(eth->h_dest, l2->dst, ETH_ALEN);
	__builtin_memcpy(eth->h_source, l2->src, ETH_ALEN);
	if (!l2->tagged) {
		eth->h_proto = proto;
		return eth + 1;
	}
	vh = (void *)(eth + 1);
	if ((void *)(vh + 1) > end)
		return NULL;
	eth->h_proto = bpf_htons(ETH_P_8021Q);
	vh->tci = l2->tci;
	vh->proto = proto;
	return vh + 1;
}

/* The L2 header of a reply to the received frame: addresses swapped, the
 * ingress tag kept. Read before the frame is resized. */
static __always_inline int xlb_eth_reply(const struct xlb_pkt *pkt, struct xlb_l2 *l2)
{
	struct ethhdr *eth = pkt->data;

	if ((void *)(eth + 1) > pkt->data_end)
		return -1;
	__builtin_memcpy(l2->dst, eth->h_source, ETH_ALEN);
	__builtin_memcpy(l2->src, eth->h_dest, ETH_ALEN);
	l2->tagged = pkt->vlan;
	l2->tci = pkt->vlan_tci;
	return 0;
}

static __always_inline __be16 xlb_eth_proto(__u8 family)
{
	return family == XLB_AF_INET ? bpf_htons(ETH_P_IP) : bpf_htons(ETH_P_IPV6);
}

#endif /* XLB_BPF_ETH_H */
