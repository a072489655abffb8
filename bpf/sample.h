/* SPDX-License-Identifier: MIT */
/*
 * The access log's sampler: one new flow in config.sample_every (0 = off)
 * is written to the samples ring buffer once its backend is chosen. Each
 * CPU counts its own new flows, so the N-th, 2N-th... new flow a CPU sees
 * after the rate was set is sampled, without atomics or a random draw.
 * Only the new-flow path calls it; established flows never pay for it.
 */
#ifndef XLB_BPF_SAMPLE_H
#define XLB_BPF_SAMPLE_H

#include "ctx.h"
#include "maps.h"
#include "stats.h"

/* True when this new flow is the one in `every` this CPU must sample. */
static __always_inline int xlb_sample_due(__u32 every)
{
	struct xlb_sample_state *st;
	__u32 zero = 0;

	st = bpf_map_lookup_elem(&sample_state, &zero);
	if (!st)
		return 0;
	if (st->every != every) {
		st->every = every;
		st->seen = 0;
	}
	if (++st->seen < every)
		return 0;
	st->seen = 0;
	return 1;
}

/* Stage (new flows only, backend chosen): sample the flow if it is due. A
 * full ring buffer loses the sample and counts it. */
static __always_inline void xlb_sample_flow(const struct xlb_pkt *pkt)
{
	struct xlb_flow_sample *s;
	struct xlb_config *cfg;
	__u32 zero = 0, every;

	cfg = bpf_map_lookup_elem(&config, &zero);
	if (!cfg)
		return;
	every = cfg->sample_every;
	if (!every || !xlb_sample_due(every))
		return;
	s = bpf_ringbuf_reserve(&samples, sizeof(*s), 0);
	if (!s) {
		xlb_stat_add(XLB_STAT_EV_SAMPLE_LOST, pkt->frame_len);
		return;
	}
	s->ktime_ns = bpf_ktime_get_ns();
	s->src = pkt->key.src;
	s->dst = pkt->key.dst;
	s->sport = pkt->key.sport;
	s->dport = pkt->key.dport;
	s->vip_id = pkt->vip.id;
	s->backend_id = pkt->backend_id;
	s->family = pkt->key.family;
	s->proto = pkt->key.proto;
	s->pad = 0;
	bpf_ringbuf_submit(s, 0);
	xlb_stat_add(XLB_STAT_EV_SAMPLED, pkt->frame_len);
}

#endif /* XLB_BPF_SAMPLE_H */
