/* SPDX-License-Identifier: MIT */
/*
 * xlbd's health checks: the engine's targets kept in step with the model
 * (one per backend that has a check, its own or its VIP's), and each state
 * change the engine decides handed to the daemon, which rebuilds and swaps
 * that VIP's ring. The time from the deciding result to the swap is kept as
 * a histogram for `xlbctl stats` and the metrics.
 */
#ifndef XLB_HEALTH_SYNC_H
#define XLB_HEALTH_SYNC_H

#include <stdbool.h>
#include <stddef.h>

#include "ctl_msg.h"
#include "health.h"
#include "loop.h"
#include "state.h"

struct health_sync;

/* Check durations, from start to result, per VIP: bucket upper bounds in
 * microseconds (1 ms ... 10 s); the last bucket has none. */
#define HS_LATENCY_BUCKETS 14
#define HS_LATENCY_BOUNDS_US                                                                       \
	{                                                                                          \
		1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000,   \
			5000000, 10000000                                                          \
	}

struct health_sync_latency {
	__u64 buckets[HS_LATENCY_BUCKETS]; /* results per bucket (not cumulative) */
	__u64 count;
	__u64 sum_us;
};

/* One health change the engine decided. */
struct health_sync_change {
	__u32 backend_id;
	enum xlb_health health;
};

/* Applies health changes to the model and the maps, all in one commit.
 * Returns 1 when they reached the maps (a ring or backend entry was
 * swapped), 0 when nothing had to change, or -errno. The changes of one
 * loop round come together: thousands of backends going up at once cost
 * one commit, not one each (which kept 5,000 from ever settling). */
typedef int (*health_sync_set_fn)(void *arg, const struct health_sync_change *changes, size_t n);

int health_sync__new(struct xlb_loop *loop, health_sync_set_fn set, void *arg,
		     struct health_sync **out);
/* Stops every check. NULL-safe. */
void health_sync__free(struct health_sync *hs);

/* Makes the targets follow s: a new target is seeded with its backend's
 * recorded health (so a restarted xlbd starts from the last known states),
 * a changed spec replaces the running one (the state is kept), a gone
 * backend's target is removed. Returns 0 or the first -errno (the other
 * backends are still done). */
int health_sync__update(struct health_sync *hs, const struct xlb_state *s);

/* The check status of a backend: false if it has no target. */
bool health_sync__status(const struct health_sync *hs, __u32 backend_id,
			 struct xlb_health_status *st);
/* Counts and the decision-to-swap histogram. */
void health_sync__stats(const struct health_sync *hs, struct xlb_ctl_health_stats *out);
/* The engine's checks in flight and waiting (xlb_health__load). */
void health_sync__load(const struct health_sync *hs, struct xlb_health_load *out);
/* A backend's check results by reason (XLB_CR__MAX counts, since its check
 * was added); NULL if it has no check. */
const __u64 *health_sync__results(const struct health_sync *hs, __u32 backend_id);
/* The check durations of a VIP's backends; NULL before any result. */
const struct health_sync_latency *health_sync__latency(const struct health_sync *hs, __u32 vip_id);

#endif /* XLB_HEALTH_SYNC_H */
