/* SPDX-License-Identifier: MIT */
/*
 * The flow table and backend choice. A flow keeps its backend while the
 * backend's generation matches and it is active, or draining (but for a new
 * SYN on the same tuple); otherwise (or
 * for a new flow) the Maglev ring chooses an active backend and the flow
 * table remembers it, unless this CPU's insert budget is spent; a new flow
 * may be sampled for the access log (sample.h). Fragments
 * skip the table (no ports); ICMP errors read it but never write it.
 */
#ifndef XLB_BPF_FLOW_H
#define XLB_BPF_FLOW_H

#include <xlb/hash.h>
#include "ctx.h"
#include "maglev.h"
#include "maps.h"
#include "ratelimit.h"
#include "sample.h"
#include "stats.h"

static __always_inline struct xlb_backend *xlb_backend_get(__u32 id)
{
	return bpf_map_lookup_elem(&backends, &id);
}

/* The flow's remembered backend (pkt->be), if it still keeps its flows;
 * pkt->flow says what the table held. */
static __always_inline void xlb_flow_lookup(struct xlb_pkt *pkt)
{
	struct xlb_backend *be;
	struct xlb_flow *f;

	f = bpf_map_lookup_elem(&flows, &pkt->key);
	if (!f) {
		pkt->flow = XLB_FLOW_MISS;
		if (pkt->kind == XLB_PKT_FLOW)
			xlb_stat_add(XLB_STAT_EV_NEW_FLOW, pkt->frame_len);
		return;
	}
	be = xlb_backend_get(f->backend_id);
	/* A SYN on a draining backend's entry is a new connection reusing an
	 * old tuple: it must not follow the entry to the drained backend. */
	if (be && be->generation == f->generation &&
	    (be->state == XLB_BE_ACTIVE || (be->state == XLB_BE_DRAINING && !pkt->syn))) {
		pkt->flow = XLB_FLOW_HIT;
		pkt->backend_id = f->backend_id;
		pkt->be = be;
		return;
	}
	pkt->flow = XLB_FLOW_STALE;
	if (pkt->kind == XLB_PKT_FLOW)
		xlb_stat_add(XLB_STAT_EV_RESCHEDULED, pkt->frame_len);
}

/* A backend from the ring; a new flow (not a fragment, not an ICMP error)
 * is remembered in the flow table. */
static __always_inline int xlb_flow_schedule(struct xlb_pkt *pkt)
{
	struct xlb_backend *be;
	struct xlb_flow f;
	__u32 id;

	id = xlb_maglev_pick(pkt->vip.id, pkt->hash);
	be = id ? xlb_backend_get(id) : NULL;
	if (!be || be->state != XLB_BE_ACTIVE)
		return XLB_STAT_DROP_NO_BACKEND;
	pkt->backend_id = id;
	pkt->be = be;
	if (be->family != pkt->family)
		return XLB_STAT_DROP_FAMILY;
	if (pkt->kind == XLB_PKT_FLOW) {
		if (pkt->flow == XLB_FLOW_MISS)
			xlb_sample_flow(pkt);
		/* Past this CPU's insert budget a new flow is forwarded but not
		 * stored, so a flood of new flows cannot evict the established
		 * ones. Such a flow is not pinned: each of its packets goes
		 * through the ring again, and a ring change can move it. */
		if (pkt->flow == XLB_FLOW_MISS && xlb_flow_budget_take()) {
			xlb_stat_add(XLB_STAT_EV_FLOW_NOT_STORED, pkt->frame_len);
			return XLB_NEXT;
		}
		f.backend_id = id;
		f.generation = be->generation;
		/* A failed insert only costs the next packet a ring lookup. */
		pkt->new_flow = !bpf_map_update_elem(&flows, &pkt->key, &f, BPF_ANY);
	}
	return XLB_NEXT;
}

/* Stage: the flow hash and what the flow table knows of the flow. */
static __always_inline int xlb_flow_find(struct xlb_pkt *pkt)
{
	pkt->hash = xlb_flow_hash(&pkt->key);
	pkt->be = NULL;
	if (pkt->kind != XLB_PKT_FRAG)
		xlb_flow_lookup(pkt);
	return XLB_NEXT;
}

/* Stage: the packet's backend (pkt->be): the flow's own, or the ring's. */
static __always_inline int xlb_flow_assign(struct xlb_pkt *pkt)
{
	struct xlb_backend *be = pkt->be;

	if (be)
		return be->family == pkt->family ? XLB_NEXT : XLB_STAT_DROP_FAMILY;
	return xlb_flow_schedule(pkt);
}

#endif /* XLB_BPF_FLOW_H */
