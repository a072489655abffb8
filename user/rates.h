/* SPDX-License-Identifier: MIT */
/*
 * Packet and byte rates, from counters sampled by the housekeeping timer:
 * the average over the last interval, per VIP, per backend and per global
 * counter. A rate is valid once an object has been sampled twice.
 */
#ifndef XLB_RATES_H
#define XLB_RATES_H

#include <stdbool.h>
#include <xlb/abi.h>

#include "maps.h"
#include "state.h"

struct rate_slot {
	__u64 packets;
	__u64 bytes;
	__u64 pps;
	__u64 bps;
	__u64 at_ns; /* when packets/bytes were read; 0 = never */
	bool valid;
};

struct xlb_rates {
	struct rate_slot vip[XLB_MAX_VIPS];
	struct rate_slot backend[XLB_MAX_BACKENDS];
	struct rate_slot stat[XLB_STAT__MAX];
};

/* Reads the counters of every object of s and updates the rates. */
int rates__sample(struct xlb_rates *r, const struct xlb_maps *m, const struct xlb_state *s);

#endif /* XLB_RATES_H */
