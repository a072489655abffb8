// SPDX-License-Identifier: MIT
/*
 * Targets by backend id. Each slot remembers the backend's generation (a
 * reused id is another backend) and holds a reference to the spec its
 * target runs: a model cloned for a change shares its specs, so an update
 * that changes no check costs a pointer comparison per backend. The
 * engine's state changes are queued and applied together once the loop's
 * round is over (a timerfd armed for "now"), in one commit. A commit that
 * fails (the state file cannot be written, the program is detached) keeps
 * them queued and is tried again: the engine reports a state only when it
 * changes, so a change dropped would leave the model behind for good.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "health_sync.h"
#include "log.h"
#include "netaddr.h"
#include <xlb/timeunit.h>

/* how long a failed commit of health changes waits to be tried again */
#define HS_RETRY_NS XLB_NSEC_PER_SEC

struct hs_slot {
	struct xlb_health_target *t;
	struct state_check *check; /* the spec t runs (a reference) */
	__u32 generation;
	__u32 epoch;		      /* the last update that saw the backend */
	__u32 vip_id;		      /* its VIP's, for the latency histograms */
	__u32 queued;		      /* 1 + the index of its queued change; 0: none */
	__u64 by_reason[XLB_CR__MAX]; /* results since the target was added */
};

/* A change waiting for the next commit. */
struct hs_pending {
	__u32 generation; /* of the backend it was decided for */
	__u64 decided_ns;
};

struct health_sync {
	struct xlb_health_engine *engine;
	struct xlb_loop *loop;
	health_sync_set_fn set;
	void *arg;
	int flush_fd; /* timerfd: the queued changes' commit */
	bool armed;   /* flush_fd is set to fire */
	bool failing; /* the last commit failed: its changes wait for a retry */
	size_t nr_pending;
	struct health_sync_change queued[XLB_MAX_BACKENDS];
	struct hs_pending pending[XLB_MAX_BACKENDS];
	struct hs_slot slots[XLB_MAX_BACKENDS];
	struct health_sync_latency latency[XLB_MAX_VIPS]; /* by VIP id */
	__u32 vip_epoch[XLB_MAX_VIPS];			  /* the last update that saw the VIP */
	__u32 epoch;
	__u32 targets;
	__u64 results;
	__u64 changes;
	__u64 swaps;
	__u64 swap_sum_us;
	__u64 swap_max_us;
	__u64 buckets[XLB_SWAP_BUCKETS];
};

static void record_swap(struct health_sync *hs, __u64 us)
{
	static const __u64 bounds[XLB_SWAP_BUCKETS - 1] = XLB_SWAP_BUCKET_BOUNDS_US;
	unsigned int i;

	for (i = 0; i < XLB_SWAP_BUCKETS - 1 && us > bounds[i]; i++)
		;
	hs->buckets[i]++;
	hs->swaps++;
	hs->swap_sum_us += us;
	if (us > hs->swap_max_us)
		hs->swap_max_us = us;
}

/* Keeps the first n queued changes for another commit after HS_RETRY_NS;
 * the failure is logged once, not at every retry. */
static void retry_later(struct health_sync *hs, size_t n, int err)
{
	size_t i;

	hs->nr_pending = n;
	for (i = 0; i < n; i++)
		hs->slots[hs->queued[i].backend_id].queued = (__u32)i + 1;
	if (!hs->failing)
		pr_warn("health: %zu changes (backend %u %s first) not applied: %s; "
			"retried every %llu s\n",
			n, hs->queued[0].backend_id, xlb_health_state__name(hs->queued[0].health),
			strerror(-err), (unsigned long long)(HS_RETRY_NS / XLB_NSEC_PER_SEC));
	hs->failing = true;
	if (!xlb_timerfd__arm(hs->flush_fd, HS_RETRY_NS, 0))
		hs->armed = true;
}

/* Applies the queued changes in one commit; a change whose backend has
 * gone (or whose id now names another backend) since is dropped. */
static void on_flush(struct xlb_loop *loop, int fd, uint32_t events, void *arg)
{
	struct health_sync *hs = arg;
	size_t i, n = 0;
	uint64_t expirations, now;
	int ret;

	(void)loop;
	(void)events;
	if (xlb_timerfd__read(fd, &expirations))
		return;
	hs->armed = false;
	for (i = 0; i < hs->nr_pending; i++) {
		__u32 id = hs->queued[i].backend_id;

		hs->slots[id].queued = 0;
		if (!hs->slots[id].t || hs->slots[id].generation != hs->pending[i].generation)
			continue;
		hs->queued[n] = hs->queued[i];
		hs->pending[n++] = hs->pending[i];
	}
	hs->nr_pending = 0;
	if (!n)
		return;
	/* the targets may be gone after this: the model's update can remove them */
	ret = hs->set(hs->arg, hs->queued, n);
	if (ret < 0) {
		retry_later(hs, n, ret);
		return;
	}
	if (hs->failing)
		pr_info("health: %zu changes applied after a failed commit\n", n);
	hs->failing = false;
	if (!ret)
		return;
	now = xlb_now_ns();
	for (i = 0; i < n; i++)
		record_swap(hs, (now - hs->pending[i].decided_ns) / XLB_NSEC_PER_USEC);
}

static void on_change(struct xlb_health_target *t, enum xlb_health state, uint64_t decided_ns,
		      void *arg)
{
	__u32 id = (__u32)(uintptr_t)xlb_health_target__user(t);
	struct health_sync *hs = arg;
	size_t i;

	hs->changes++;
	if (id >= XLB_MAX_BACKENDS)
		return;
	/* one queued change per backend id, the latest: the queue cannot
	 * overflow, however long commits fail */
	i = hs->slots[id].queued ? hs->slots[id].queued - 1 : hs->nr_pending++;
	hs->slots[id].queued = (__u32)i + 1;
	hs->queued[i].backend_id = id;
	hs->queued[i].health = state;
	hs->pending[i].generation = hs->slots[id].generation;
	hs->pending[i].decided_ns = decided_ns;
	/* a retry already armed takes this change along */
	if (hs->armed)
		return;
	if (xlb_timerfd__arm(hs->flush_fd, 0, 0))
		pr_warn("health: backend %u %s: commit not scheduled\n", id,
			xlb_health_state__name(state));
	else
		hs->armed = true;
}

static void record_latency(struct health_sync_latency *l, __u64 us)
{
	static const __u64 bounds[HS_LATENCY_BUCKETS - 1] = HS_LATENCY_BOUNDS_US;
	unsigned int i;

	for (i = 0; i < HS_LATENCY_BUCKETS - 1 && us > bounds[i]; i++)
		;
	l->buckets[i]++;
	l->count++;
	l->sum_us += us;
}

static void on_result(struct xlb_health_target *t, const struct xlb_check_result *r, void *arg)
{
	__u32 id = (__u32)(uintptr_t)xlb_health_target__user(t);
	struct health_sync *hs = arg;
	struct hs_slot *slot;

	hs->results++;
	if (id >= XLB_MAX_BACKENDS)
		return;
	slot = &hs->slots[id];
	if ((unsigned int)r->reason < XLB_CR__MAX)
		slot->by_reason[r->reason]++;
	if (slot->vip_id && slot->vip_id < XLB_MAX_VIPS)
		record_latency(&hs->latency[slot->vip_id], r->latency_ns / XLB_NSEC_PER_USEC);
}

int health_sync__new(struct xlb_loop *loop, health_sync_set_fn set, void *arg,
		     struct health_sync **out)
{
	struct health_sync *hs;
	int err;

	hs = calloc(1, sizeof(*hs));
	if (!hs)
		return -ENOMEM;
	hs->loop = loop;
	hs->set = set;
	hs->arg = arg;
	hs->flush_fd = xlb_timerfd__open();
	if (hs->flush_fd < 0) {
		err = hs->flush_fd;
		goto cleanup;
	}
	err = xlb_loop__add(loop, hs->flush_fd, EPOLLIN, on_flush, hs);
	if (err)
		goto cleanup;
	err = xlb_health__new(loop, on_change, hs, &hs->engine);
	if (err)
		goto cleanup;
	xlb_health__set_result_cb(hs->engine, on_result);
	*out = hs;
	return 0;
cleanup:
	if (hs->flush_fd >= 0) {
		xlb_loop__del(loop, hs->flush_fd);
		close(hs->flush_fd);
	}
	free(hs);
	return err;
}

static void slot_clear(struct health_sync *hs, struct hs_slot *slot)
{
	if (slot->t) {
		xlb_health__remove(slot->t);
		hs->targets--;
	}
	state__check_put(slot->check);
	memset(slot, 0, sizeof(*slot));
}

void health_sync__free(struct health_sync *hs)
{
	__u32 id;

	if (!hs)
		return;
	for (id = 0; id < XLB_MAX_BACKENDS; id++)
		slot_clear(hs, &hs->slots[id]);
	xlb_health__free(hs->engine);
	/* queued changes die here: the state file keeps the last committed
	 * states, and a restart's checks decide again */
	xlb_loop__del(hs->loop, hs->flush_fd);
	close(hs->flush_fd);
	free(hs);
}

static int slot_add(struct health_sync *hs, struct hs_slot *slot, const struct state_vip *v,
		    const struct state_backend *b, struct state_check *c)
{
	struct xlb_health_target_conf conf = {
		.family = b->family,
		.addr = b->addr,
		.port = state__backend_check_port(v, b),
		.spec = c->spec,
		.user = (void *)(uintptr_t)b->id,
	};
	struct xlb_errmsg em = {};
	int err;

	if (xlb_vip_key__format(&v->key, conf.vip, sizeof(conf.vip)))
		conf.vip[0] = '\0';
	err = xlb_health__add(hs->engine, &conf, &slot->t, &em);
	if (err) {
		pr_warn("health: backend %u: %s\n", b->id, em.text);
		return err;
	}
	hs->targets++;
	/* the last known state, until fresh results say otherwise */
	if (b->health != XLB_HEALTH_UNKNOWN)
		xlb_health_target__seed(slot->t, b->health, 0);
	slot->check = state__check_get(c);
	slot->generation = b->generation;
	return 0;
}

static int slot_update(struct health_sync *hs, struct hs_slot *slot, const struct state_vip *v,
		       const struct state_backend *b, struct state_check *c)
{
	struct xlb_errmsg em = {};
	int err;

	if (slot->t && slot->generation != b->generation)
		slot_clear(hs, slot);
	if (!c) {
		slot_clear(hs, slot);
		return 0;
	}
	if (!slot->t)
		return slot_add(hs, slot, v, b, c);
	if (slot->check == c)
		return 0;
	if (memcmp(&slot->check->spec, &c->spec, sizeof(c->spec))) {
		err = xlb_health_target__set_spec(slot->t, &c->spec, &em);
		if (err) {
			pr_warn("health: backend %u: %s\n", b->id, em.text);
			return err;
		}
	}
	state__check_put(slot->check);
	slot->check = state__check_get(c);
	return 0;
}

int health_sync__update(struct health_sync *hs, const struct xlb_state *s)
{
	int first = 0, err;
	size_t i, j;
	__u32 id;

	hs->epoch++;
	for (i = 0; i < s->nr_vips; i++) {
		const struct state_vip *v = &s->vips[i];

		for (j = 0; j < v->nr_be; j++) {
			const struct state_backend *b = &v->be[j];
			struct hs_slot *slot = &hs->slots[b->id];

			err = slot_update(hs, slot, v, b, state__backend_check(v, b, NULL));
			slot->epoch = hs->epoch;
			slot->vip_id = v->id;
			if (err && !first)
				first = err;
		}
	}
	for (id = 1; id < XLB_MAX_BACKENDS; id++)
		if (hs->slots[id].t && hs->slots[id].epoch != hs->epoch)
			slot_clear(hs, &hs->slots[id]);
	/* a VIP gone (its id may come back for another) forgets its latencies */
	for (i = 0; i < s->nr_vips; i++)
		if (s->vips[i].id < XLB_MAX_VIPS)
			hs->vip_epoch[s->vips[i].id] = hs->epoch;
	for (id = 1; id < XLB_MAX_VIPS; id++)
		if (hs->vip_epoch[id] != hs->epoch)
			memset(&hs->latency[id], 0, sizeof(hs->latency[id]));
	return first;
}

bool health_sync__status(const struct health_sync *hs, __u32 backend_id,
			 struct xlb_health_status *st)
{
	if (backend_id >= XLB_MAX_BACKENDS || !hs->slots[backend_id].t)
		return false;
	xlb_health_target__status(hs->slots[backend_id].t, st);
	return true;
}

void health_sync__stats(const struct health_sync *hs, struct xlb_ctl_health_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->targets = hs->targets;
	out->results = hs->results;
	out->changes = hs->changes;
	out->swaps = hs->swaps;
	out->swap_sum_us = hs->swap_sum_us;
	out->swap_max_us = hs->swap_max_us;
	memcpy(out->buckets, hs->buckets, sizeof(out->buckets));
}

void health_sync__load(const struct health_sync *hs, struct xlb_health_load *out)
{
	xlb_health__load(hs->engine, out);
}

const __u64 *health_sync__results(const struct health_sync *hs, __u32 backend_id)
{
	if (backend_id >= XLB_MAX_BACKENDS || !hs->slots[backend_id].t)
		return NULL;
	return hs->slots[backend_id].by_reason;
}

const struct health_sync_latency *health_sync__latency(const struct health_sync *hs, __u32 vip_id)
{
	if (vip_id >= XLB_MAX_VIPS || !hs->latency[vip_id].count)
		return NULL;
	return &hs->latency[vip_id];
}
