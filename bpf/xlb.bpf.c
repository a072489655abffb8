// SPDX-License-Identifier: MIT
/*
 * xlb's XDP forwarding program: parse → VIP address → L4 → VIP → ACL →
 * packet rate limit → flow table → new-flow rate limit → Maglev → MTU →
 * encapsulation → next hop → send. Each stage lives in the
 * header named for it and returns a verdict reason (enum xlb_stat) or
 * XLB_NEXT; this file only chains them and counts the verdict.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "ctx.h"
#include "encap.h"
#include "fib.h"
#include "flow.h"
#include "guard.h"
#include "icmp.h"
#include "maps.h"
#include "mtu.h"
#include "parse.h"
#include "stats.h"
#include "vip.h"
#include "xmit.h"

/* The VIP of a packet to a VIP address, by what the packet is. */
static __always_inline int xlb_match(struct xlb_pkt *pkt)
{
	switch (pkt->kind) {
	case XLB_PKT_FLOW:
		return xlb_vip_match_flow(pkt);
	case XLB_PKT_FRAG:
		return xlb_vip_match_frag(pkt);
	case XLB_PKT_ICMP:
		return xlb_icmp(pkt);
	default:
		return XLB_STAT_DROP_NO_VIP;
	}
}

/* From a backend's choice to the frame on the wire. */
static __always_inline int xlb_forward(struct xdp_md *ctx, struct xlb_pkt *pkt)
{
	struct xlb_config *cfg;
	__u32 zero = 0;
	int ret;

	cfg = bpf_map_lookup_elem(&config, &zero);
	if (!cfg)
		return XLB_STAT_DROP_NO_SOURCE;
	ret = xlb_mtu_check(ctx, pkt, cfg);
	if (ret == XLB_NEXT)
		ret = xlb_encap_prepare(pkt, cfg);
	if (ret == XLB_NEXT)
		ret = xlb_fib_resolve(ctx, pkt);
	if (ret == XLB_NEXT)
		ret = xlb_xmit(ctx, pkt);
	return ret;
}

/* The source checks, when any is configured: a verdict, XLB_NEXT, or
 * XLB_NEXT_LIMIT_FLOWS. An echo request has no VIP (vip_id 0). */
static __always_inline int xlb_guard(struct xdp_md *ctx, struct xlb_pkt *pkt, __u32 vip_id)
{
	if (!xlb_guard_active())
		return XLB_NEXT;
	return xlb_guard_packet(ctx, pkt->l2_len, pkt->family, vip_id);
}

/* An echo request to a VIP address, answered if its source may be. */
static __always_inline int xlb_echo(struct xdp_md *ctx, struct xlb_pkt *pkt)
{
	int ret;

	ret = xlb_guard(ctx, pkt, XLB_SCOPE_GLOBAL);
	if (ret == XLB_NEXT || ret == XLB_NEXT_LIMIT_FLOWS)
		ret = xlb_icmp_echo(pkt);
	return ret;
}

/* The new-flow limit, for a packet that may open a flow: one that missed
 * the flow table, or any TCP segment (it may be a SYN). */
static __always_inline int xlb_flow_guard(struct xdp_md *ctx, struct xlb_pkt *pkt)
{
	if (pkt->kind != XLB_PKT_FLOW)
		return XLB_NEXT;
	if (pkt->flow != XLB_FLOW_MISS && pkt->proto != IPPROTO_TCP)
		return XLB_NEXT;
	return xlb_guard_flow(ctx, pkt->l2_len + pkt->l4_off, pkt->proto,
			      pkt->flow == XLB_FLOW_MISS);
}

/*
 * A packet matched to a VIP: source checks (VIP traffic only: the host's own
 * never gets here), backend, forwarding, per-VIP accounting.
 */
static __always_inline int xlb_deliver(struct xdp_md *ctx, struct xlb_pkt *pkt)
{
	int limit_flows, ret;

	ret = xlb_guard(ctx, pkt, pkt->vip.id);
	limit_flows = ret == XLB_NEXT_LIMIT_FLOWS;
	if (limit_flows)
		ret = XLB_NEXT;
	if (ret == XLB_NEXT)
		ret = xlb_flow_find(pkt);
	if (ret == XLB_NEXT && limit_flows)
		ret = xlb_flow_guard(ctx, pkt);
	if (ret == XLB_NEXT)
		ret = xlb_flow_assign(pkt);
	if (ret == XLB_NEXT)
		ret = xlb_forward(ctx, pkt);
	xlb_vip_account(pkt, ret);
	return ret;
}

SEC("xdp")
int xlb_xdp(struct xdp_md *ctx)
{
	struct xlb_pkt pkt;
	int ret;

	ret = xlb_parse_l3(ctx, &pkt);
	if (ret == XLB_NEXT)
		ret = xlb_vip_addr_lookup(&pkt);
	if (ret == XLB_NEXT)
		ret = xlb_parse_l4(&pkt);
	if (ret == XLB_NEXT)
		ret = xlb_match(&pkt);
	if (ret == XLB_NEXT)
		ret = xlb_deliver(ctx, &pkt);
	else if (ret == XLB_ECHO)
		ret = xlb_echo(ctx, &pkt);
	xlb_stat_add(ret, pkt.frame_len);
	return xlb_verdict(ret);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
