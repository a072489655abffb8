// SPDX-License-Identifier: MIT
/* Rates from successive counter samples. */
#include <time.h>

#include "rates.h"

#define NSEC_PER_SEC 1000000000ULL

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * NSEC_PER_SEC + (__u64)ts.tv_nsec;
}

static __u64 per_second(__u64 delta, __u64 dt_ns)
{
	return (__u64)((double)delta * NSEC_PER_SEC / (double)dt_ns);
}

/* A counter that went backwards belongs to a reused id: start over. */
static void slot_update(struct rate_slot *r, __u64 packets, __u64 bytes, __u64 at)
{
	if (r->at_ns && at > r->at_ns && packets >= r->packets && bytes >= r->bytes) {
		r->pps = per_second(packets - r->packets, at - r->at_ns);
		r->bps = per_second(bytes - r->bytes, at - r->at_ns);
		r->valid = true;
	} else {
		r->valid = false;
	}
	r->packets = packets;
	r->bytes = bytes;
	r->at_ns = at;
}

int rates__sample(struct xlb_rates *r, const struct xlb_maps *m, const struct xlb_state *s)
{
	struct xlb_vip_counter vc;
	struct xlb_counter c;
	__u64 at = now_ns();
	size_t i, j;
	int idx, err;

	for (idx = 0; idx < XLB_STAT__MAX; idx++) {
		err = xlb_stats__read(m, idx, &c);
		if (err)
			return err;
		slot_update(&r->stat[idx], c.packets, c.bytes, at);
	}
	for (i = 0; i < s->nr_vips; i++) {
		const struct state_vip *v = &s->vips[i];

		err = xlb_vip_stats__read(m, v->id, &vc);
		if (err)
			return err;
		slot_update(&r->vip[v->id], vc.packets, vc.bytes, at);
		for (j = 0; j < v->nr_be; j++) {
			err = xlb_backend_stats__read(m, v->be[j].id, &c);
			if (err)
				return err;
			slot_update(&r->backend[v->be[j].id], c.packets, c.bytes, at);
		}
	}
	return 0;
}
