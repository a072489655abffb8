// SPDX-License-Identifier: MIT
/*
 * When checks run: a min-heap of the targets' due times (the next start
 * while idle, the deadline while running) behind one of the loop's timers,
 * so thousands of targets cost one timer and O(log n) per check; the timer
 * wakes on a grid of ticks, one wake-up for all that falls due within one;
 * the wait queue of checks due beyond the bound on those in flight; and
 * the jitter that spreads the checks of many targets.
 */
#include <errno.h>
#include <stdlib.h>

#include "health_int.h"

#define HEAP_INITIAL_CAP 64
/* Later checks are spread by +-interval/JITTER_DIVISOR (about 6%). */
#define JITTER_DIVISOR 16
#define SPLITMIX_GAMMA 0x9e3779b97f4a7c15ULL
#define SPLITMIX_MUL1  0xbf58476d1ce4e5b9ULL
#define SPLITMIX_MUL2  0x94d049bb133111ebULL
#define SPLITMIX_SHR1  30
#define SPLITMIX_SHR2  27
#define SPLITMIX_SHR3  31

static uint64_t rng_next(struct xlb_health_engine *h)
{
	uint64_t z = (h->rng += SPLITMIX_GAMMA);

	z = (z ^ (z >> SPLITMIX_SHR1)) * SPLITMIX_MUL1;
	z = (z ^ (z >> SPLITMIX_SHR2)) * SPLITMIX_MUL2;
	return z ^ (z >> SPLITMIX_SHR3);
}

static bool heap_less(const struct xlb_health_engine *h, size_t a, size_t b)
{
	return h->heap[a].due_ns < h->heap[b].due_ns;
}

static void heap_swap(struct xlb_health_engine *h, size_t a, size_t b)
{
	struct xlb_heap_slot s = h->heap[a];

	h->heap[a] = h->heap[b];
	h->heap[b] = s;
	h->heap[a].t->heap_idx = a;
	h->heap[b].t->heap_idx = b;
}

static void heap_sift(struct xlb_health_engine *h, size_t i)
{
	while (i > 0 && heap_less(h, i, (i - 1) / 2)) {
		heap_swap(h, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < h->nr_heap && heap_less(h, l, m))
			m = l;
		if (r < h->nr_heap && heap_less(h, r, m))
			m = r;
		if (m == i)
			break;
		heap_swap(h, i, m);
		i = m;
	}
}

void xlb_health_sched__remove(struct xlb_health_target *t)
{
	struct xlb_health_engine *h = t->h;
	size_t i = t->heap_idx;

	if (i == XLB_HEAP_NONE)
		return;
	t->heap_idx = XLB_HEAP_NONE;
	h->nr_heap--;
	if (i == h->nr_heap)
		return;
	h->heap[i] = h->heap[h->nr_heap];
	h->heap[i].t->heap_idx = i;
	heap_sift(h, i);
}

int xlb_health_sched__reserve(struct xlb_health_engine *h)
{
	struct xlb_heap_slot *heap;
	size_t cap;

	if (h->nr_targets < h->heap_cap)
		return 0;
	cap = h->heap_cap ? 2 * h->heap_cap : HEAP_INITIAL_CAP;
	heap = realloc(h->heap, cap * sizeof(*heap));
	if (!heap)
		return -ENOMEM;
	h->heap = heap;
	h->heap_cap = cap;
	return 0;
}

void xlb_health_sched__at(struct xlb_health_target *t, uint64_t due_ns)
{
	struct xlb_health_engine *h = t->h;

	t->due_ns = due_ns;
	if (t->heap_idx == XLB_HEAP_NONE) {
		t->heap_idx = h->nr_heap;
		h->heap[h->nr_heap++].t = t;
	}
	h->heap[t->heap_idx].due_ns = due_ns;
	heap_sift(h, t->heap_idx);
}

/* The earliest due time rounded up to the next tick (XLB_HEALTH_TICK_NS,
 * or the top's jitter spread when smaller, so that no check moves further
 * than its jitter already moves it): what falls due in between shares the
 * wake-up. */
static uint64_t wake_time(const struct xlb_health_engine *h)
{
	const struct xlb_heap_slot *top = &h->heap[0];
	/* never 0: a checked target's interval is at least 10 ms */
	uint64_t tick = top->t->conf.spec.interval_ns / JITTER_DIVISOR;

	if (tick > XLB_HEALTH_TICK_NS)
		tick = XLB_HEALTH_TICK_NS;
	return (top->due_ns + tick - 1) / tick * tick;
}

void xlb_health_sched__rearm(struct xlb_health_engine *h)
{
	if (!TAILQ_EMPTY(&h->waitq) && h->nr_running < h->max_running)
		xlb_loop_timer__arm(&h->timer, xlb_now_ns());
	else if (h->nr_heap)
		xlb_loop_timer__arm(&h->timer, wake_time(h));
	else
		xlb_loop_timer__disarm(&h->timer);
}

void xlb_health_sched__wait(struct xlb_health_target *t)
{
	struct xlb_health_engine *h = t->h;

	xlb_health_sched__remove(t);
	h->nr_waiting++;
	h->waited++;
	t->waiting = true;
	TAILQ_INSERT_TAIL(&h->waitq, t, wait_link);
}

void xlb_health_sched__unwait(struct xlb_health_target *t)
{
	struct xlb_health_engine *h = t->h;

	if (!t->waiting)
		return;
	h->nr_waiting--;
	TAILQ_REMOVE(&h->waitq, t, wait_link);
	t->waiting = false;
}

void xlb_health_sched__first(struct xlb_health_target *t)
{
	uint64_t interval = t->conf.spec.interval_ns;

	if (t->conf.spec.type == XLB_CHECK_NONE)
		return;
	xlb_health_sched__at(t, xlb_now_ns() + rng_next(t->h) % interval);
}

void xlb_health_sched__next(struct xlb_health_target *t, uint64_t now)
{
	uint64_t interval = t->conf.spec.interval_ns;
	uint64_t spread = interval / JITTER_DIVISOR;
	uint64_t due = t->started_ns + interval - spread + rng_next(t->h) % (2 * spread + 1);

	xlb_health_sched__at(t, due > now ? due : now);
}
