/* SPDX-License-Identifier: MIT */
/*
 * Next hop: the kernel's FIB and neighbour tables give the egress device and
 * MAC addresses toward the backend. A VLAN device found there is replaced by
 * its lower device and tag (vlan_ifs): bpf_fib_lookup names the VLAN device
 * and leaves its VLAN fields zero.
 */
#ifndef XLB_BPF_FIB_H
#define XLB_BPF_FIB_H

#include <bpf/bpf_endian.h>
#include "ctx.h"
#include "eth.h"
#include "maps.h"

/* Address families of bpf_fib_lookup: the socket API's, which the uapi
 * headers a BPF object can include do not define. */
#ifndef AF_INET
#define AF_INET 2
#endif
#ifndef AF_INET6
#define AF_INET6 10
#endif

/* The egress device and the tag the frame needs on it. */
static __always_inline void xlb_fib_egress(struct xlb_pkt *pkt, __u32 ifindex)
{
	struct xlb_vlan_if *vif = bpf_map_lookup_elem(&vlan_ifs, &ifindex);

	if (vif) {
		pkt->egress_ifindex = vif->lower_ifindex;
		pkt->l2_out.tagged = 1;
		pkt->l2_out.tci = bpf_htons(vif->vlan_id & XLB_VLAN_VID_MASK);
	} else {
		pkt->egress_ifindex = ifindex;
		pkt->l2_out.tagged = 0;
		pkt->l2_out.tci = 0;
	}
}

/* Stage: route from route_src to the backend, for the outer length. */
static __always_inline int xlb_fib_resolve(struct xdp_md *ctx, struct xlb_pkt *pkt)
{
	struct bpf_fib_lookup p;
	long rc;

	__builtin_memset(&p, 0, sizeof(p));
	p.ifindex = ctx->ingress_ifindex;
	p.tot_len = pkt->l3_len + pkt->outer_len;
	if (pkt->family == XLB_AF_INET) {
		p.family = AF_INET;
		p.tos = pkt->tos;
		p.ipv4_src = pkt->route_src.a[0];
		p.ipv4_dst = pkt->be->addr.a[0];
	} else {
		p.family = AF_INET6;
		__builtin_memcpy(p.ipv6_src, &pkt->route_src, sizeof(p.ipv6_src));
		__builtin_memcpy(p.ipv6_dst, &pkt->be->addr, sizeof(p.ipv6_dst));
	}
	rc = bpf_fib_lookup(ctx, &p, sizeof(p), 0);
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH)
		return XLB_STAT_DROP_NO_NEIGH;
	if (rc != BPF_FIB_LKUP_RET_SUCCESS)
		return XLB_STAT_DROP_FIB;
	__builtin_memcpy(pkt->l2_out.dst, p.dmac, ETH_ALEN);
	__builtin_memcpy(pkt->l2_out.src, p.smac, ETH_ALEN);
	xlb_fib_egress(pkt, p.ifindex);
	return XLB_NEXT;
}

#endif /* XLB_BPF_FIB_H */
