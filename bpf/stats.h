/* SPDX-License-Identifier: MIT */
/*
 * Counters and the verdict of each reason. Every packet is counted under
 * exactly one verdict reason; events (EV_*) are counted in addition. All
 * counters are per-CPU: plain increments.
 */
#ifndef XLB_BPF_STATS_H
#define XLB_BPF_STATS_H

#include "ctx.h"
#include "maps.h"

static __always_inline void xlb_stat_add(__u32 idx, __u32 bytes)
{
	struct xlb_counter *c = bpf_map_lookup_elem(&stats, &idx);

	if (c) {
		c->packets++;
		c->bytes += bytes;
	}
}

/* The XDP action that a verdict reason stands for. */
static __always_inline int xlb_verdict(int reason)
{
	switch (reason) {
	case XLB_STAT_PASS_NOT_IP:
	case XLB_STAT_PASS_NOT_VIP:
	case XLB_STAT_PASS_MALFORMED:
	case XLB_STAT_PASS_ND:
		return XDP_PASS;
	case XLB_STAT_TX_ECHO_REPLY:
	case XLB_STAT_TX_TOO_BIG:
	case XLB_STAT_FWD_TX:
		return XDP_TX;
	case XLB_STAT_FWD_REDIRECT:
		return XDP_REDIRECT;
	default:
		return XDP_DROP;
	}
}

static __always_inline int xlb_forwarded(int reason)
{
	return reason == XLB_STAT_FWD_TX || reason == XLB_STAT_FWD_REDIRECT;
}

/* A VIP's share of its drops that the source checks made. */
static __always_inline void xlb_vip_account_guard(struct xlb_vip_counter *vc, int reason)
{
	if (reason == XLB_STAT_DROP_ACL)
		vc->acl_drops++;
	else if (reason == XLB_STAT_DROP_RATELIMIT_PPS)
		vc->rl_pps_drops++;
	else if (reason == XLB_STAT_DROP_RATELIMIT_FLOWS)
		vc->rl_flow_drops++;
}

/*
 * Per-VIP and per-backend outcome of a packet that matched a VIP: forwarded
 * ones count to both, anything else (ACL, rate limit, no backend, too big,
 * no route...) is one of the VIP's drops.
 */
static __always_inline void xlb_vip_account(const struct xlb_pkt *pkt, int reason)
{
	__u32 vip_id = pkt->vip.id;
	struct xlb_vip_counter *vc;
	struct xlb_counter *bc;
	__u32 be_id;

	vc = bpf_map_lookup_elem(&vip_stats, &vip_id);
	if (!vc)
		return;
	vc->new_flows += pkt->new_flow;
	if (!xlb_forwarded(reason)) {
		vc->drops++;
		xlb_vip_account_guard(vc, reason);
		return;
	}
	vc->packets++;
	vc->bytes += pkt->frame_len;
	/* counted once forwarded: one dropped later on is only its drop */
	if (pkt->kind == XLB_PKT_FRAG)
		xlb_stat_add(XLB_STAT_EV_FRAGMENT, pkt->frame_len);
	else if (pkt->kind == XLB_PKT_ICMP_ERR)
		xlb_stat_add(XLB_STAT_EV_ICMP_ERROR, pkt->frame_len);
	be_id = pkt->backend_id;
	bc = bpf_map_lookup_elem(&backend_stats, &be_id);
	if (bc) {
		bc->packets++;
		bc->bytes += pkt->frame_len;
	}
}

#endif /* XLB_BPF_STATS_H */
