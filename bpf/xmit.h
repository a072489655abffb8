/* SPDX-License-Identifier: MIT */
/*
 * Sending: one bpf_xdp_adjust_head makes room for the outgoing Ethernet
 * header, tag and outer header (or removes the ingress tag), then the frame
 * leaves by XDP_TX on the ingress device or by redirect through tx_ports.
 */
#ifndef XLB_BPF_XMIT_H
#define XLB_BPF_XMIT_H

#include "ctx.h"
#include "eth.h"
#include "maps.h"

/* Writes the outer header (ipip) after the new L2 header. */
static __always_inline int xlb_xmit_push(struct xdp_md *ctx, struct xlb_pkt *pkt)
{
	void *end = (void *)(long)ctx->data_end;
	void *l3;

	l3 = xlb_eth_write((void *)(long)ctx->data, end, &pkt->l2_out, xlb_eth_proto(pkt->family));
	if (!l3)
		return -1;
	if (!pkt->outer_len)
		return 0;
	if (pkt->family == XLB_AF_INET) {
		if (l3 + sizeof(pkt->outer.v4) > end)
			return -1;
		__builtin_memcpy(l3, &pkt->outer.v4, sizeof(pkt->outer.v4));
	} else {
		if (l3 + sizeof(pkt->outer.v6) > end)
			return -1;
		__builtin_memcpy(l3, &pkt->outer.v6, sizeof(pkt->outer.v6));
	}
	return 0;
}

/* Stage: resize, write the headers, send. */
static __always_inline int xlb_xmit(struct xdp_md *ctx, struct xlb_pkt *pkt)
{
	int delta = (int)pkt->l2_len - xlb_l2_len(&pkt->l2_out) - pkt->outer_len;

	if (delta && bpf_xdp_adjust_head(ctx, delta))
		return XLB_STAT_DROP_ADJUST;
	if (xlb_xmit_push(ctx, pkt))
		return XLB_STAT_DROP_ADJUST;
	if (pkt->egress_ifindex == ctx->ingress_ifindex)
		return XLB_STAT_FWD_TX;
	if (bpf_redirect_map(&tx_ports, pkt->egress_ifindex, 0) == XDP_REDIRECT)
		return XLB_STAT_FWD_REDIRECT;
	return XLB_STAT_DROP_NO_TX_PORT;
}

#endif /* XLB_BPF_XMIT_H */
