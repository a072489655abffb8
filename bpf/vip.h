/* SPDX-License-Identifier: MIT */
/*
 * VIP lookup. First the destination address alone (the only lookup a packet
 * for another host pays for), then the VIP on that address: the exact port
 * if the address has port VIPs of the protocol, else its port-0 VIP.
 */
#ifndef XLB_BPF_VIP_H
#define XLB_BPF_VIP_H

#include <linux/in.h>
#include "ctx.h"
#include "maps.h"
#include "stats.h"

/* Stage 2: is the destination a VIP address? The key is read in place;
 * xlb_parse_l3 checked the fixed IP header is in the packet. */
static __always_inline int xlb_vip_addr_lookup(struct xlb_pkt *pkt)
{
	struct xlb_vip_addr *va;

	if (pkt->family == XLB_AF_INET) {
		struct iphdr *ip = pkt->l3;

		va = bpf_map_lookup_elem(&vip_addrs4, &ip->daddr);
		xlb_lookup_site4(va);
	} else {
		struct ipv6hdr *ip6 = pkt->l3;

		va = bpf_map_lookup_elem(&vip_addrs6, &ip6->daddr);
		xlb_lookup_site6(va);
	}
	pkt->va = va;
	return va ? XLB_NEXT : XLB_STAT_PASS_NOT_VIP;
}

/* The per-protocol slot of struct xlb_vip_addr, or -1 for other protocols. */
static __always_inline int xlb_l4_slot(__u8 proto)
{
	if (proto == IPPROTO_TCP)
		return XLB_SLOT_TCP;
	if (proto == IPPROTO_UDP)
		return XLB_SLOT_UDP;
	return -1;
}

/*
 * The VIP for (addr, port, proto) on address entry va: the exact port wins
 * over the port-0 VIP. Returns 0 and fills *vip, or -1 when there is none
 * (or its mode is one this program does not know).
 */
static __always_inline int xlb_vip_find(const struct xlb_vip_addr *va, const struct xlb_addr *addr,
					__be16 port, __u8 proto, __u8 family, struct xlb_vip *vip)
{
	struct xlb_vip_key key;
	struct xlb_vip *v = NULL;
	int slot = xlb_l4_slot(proto);

	if (slot < 0)
		return -1;
	if (va->nr_ports[slot]) {
		key.addr = *addr;
		key.port = port;
		key.proto = proto;
		key.family = family;
		v = bpf_map_lookup_elem(&vips, &key);
	}
	if (v && v->id)
		*vip = *v;
	else
		*vip = va->any_port[slot];
	if (!vip->id || vip->mode >= XLB_MODE__MAX)
		return -1;
	return 0;
}

/* A TCP/UDP packet with ports. */
static __always_inline int xlb_vip_match_flow(struct xlb_pkt *pkt)
{
	if (xlb_vip_find(pkt->va, &pkt->key.dst, pkt->key.dport, pkt->proto, pkt->family,
			 &pkt->vip))
		return XLB_STAT_DROP_NO_VIP;
	return XLB_NEXT;
}

/* A fragment: only the address's fragment VIP of the protocol, if any. */
static __always_inline int xlb_vip_match_frag(struct xlb_pkt *pkt)
{
	int slot = xlb_l4_slot(pkt->proto);

	if (slot < 0)
		return XLB_STAT_DROP_FRAG;
	pkt->vip = pkt->va->frag[slot];
	if (!pkt->vip.id || pkt->vip.mode >= XLB_MODE__MAX)
		return XLB_STAT_DROP_FRAG;
	return XLB_NEXT;
}

#endif /* XLB_BPF_VIP_H */
