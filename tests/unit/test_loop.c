// SPDX-License-Identifier: MIT
/* The loop's own timers: order, re-arming, deletion from callbacks, and
 * epoll sleeping until the earliest one. */
#include <criterion/criterion.h>

#include "loop.h"

#define MS	      1000000ULL
#define NR_TIMERS     3
#define WAIT_MS	      30
#define WAIT_LIMIT_MS 2000 /* a busy host may wake late, never this late */
#define ROUNDS	      5

struct fired {
	struct xlb_loop loop;
	struct xlb_loop_timer t[NR_TIMERS];
	int order[NR_TIMERS * ROUNDS];
	int nr;
	int rearm_past;		     /* re-arms its own timer this many times */
	struct xlb_loop_timer *kill; /* deleted by the first callback */
};

static void on_fire(struct xlb_loop *loop, struct xlb_loop_timer *t, void *arg)
{
	struct fired *f = arg;

	f->order[f->nr++] = (int)(t - f->t);
	if (f->kill) {
		xlb_loop__timer_del(loop, f->kill);
		f->kill = NULL;
	}
	if (f->rearm_past) {
		f->rearm_past--;
		xlb_loop_timer__arm(t, 1);
	}
}

static void setup(struct fired *f)
{
	int i;

	memset(f, 0, sizeof(*f));
	cr_assert_eq(xlb_loop__init(&f->loop), 0);
	for (i = 0; i < NR_TIMERS; i++)
		xlb_loop__timer_add(&f->loop, &f->t[i], on_fire, f);
}

static void teardown(struct fired *f)
{
	int i;

	for (i = 0; i < NR_TIMERS; i++)
		xlb_loop__timer_del(&f->loop, &f->t[i]);
	xlb_loop__fini(&f->loop);
}

Test(loop_timer, due_timers_fire_once_each_and_disarmed_ones_never)
{
	uint64_t now = xlb_now_ns();
	struct fired f;

	setup(&f);
	xlb_loop_timer__arm(&f.t[0], now);
	xlb_loop_timer__arm(&f.t[2], now - MS);
	/* armed, then disarmed: never fires */
	xlb_loop_timer__arm(&f.t[1], now);
	xlb_loop_timer__disarm(&f.t[1]);
	cr_assert_eq(xlb_loop__dispatch(&f.loop, 0), 0, "no fd events");
	cr_assert_eq(f.nr, 2);
	cr_assert_eq(xlb_loop__dispatch(&f.loop, 0), 0);
	cr_assert_eq(f.nr, 2, "a fired timer is disarmed");
	teardown(&f);
}

Test(loop_timer, epoll_sleeps_until_the_earliest_timer)
{
	uint64_t start = xlb_now_ns(), took;
	struct fired f;

	setup(&f);
	xlb_loop_timer__arm(&f.t[1], start + 10 * WAIT_MS * MS);
	xlb_loop_timer__arm(&f.t[0], start + WAIT_MS * MS);
	while (!f.nr)
		cr_assert_geq(xlb_loop__dispatch(&f.loop, -1), 0);
	took = xlb_now_ns() - start;
	cr_assert_eq(f.order[0], 0, "the later timer fired first");
	cr_assert_geq(took, WAIT_MS * MS, "woke %llu ns early", WAIT_MS * MS - took);
	cr_assert_lt(took, WAIT_LIMIT_MS * MS, "slept %llu ns", (unsigned long long)took);
	cr_assert_eq(f.nr, 1, "the later timer fired with the earlier one");
	teardown(&f);
}

Test(loop_timer, moving_a_deadline_later_delays_it)
{
	uint64_t start = xlb_now_ns();
	struct fired f;

	setup(&f);
	xlb_loop_timer__arm(&f.t[0], start);
	xlb_loop_timer__arm(&f.t[0], start + 10 * WAIT_LIMIT_MS * MS);
	cr_assert_eq(xlb_loop__dispatch(&f.loop, WAIT_MS), 0);
	cr_assert_eq(f.nr, 0, "the first deadline still fired");
	teardown(&f);
}

Test(loop_timer, rearmed_for_the_past_runs_once_a_round)
{
	struct fired f;
	int i;

	setup(&f);
	f.rearm_past = ROUNDS;
	xlb_loop_timer__arm(&f.t[0], 1);
	for (i = 1; i <= ROUNDS; i++) {
		cr_assert_eq(xlb_loop__dispatch(&f.loop, 0), 0);
		cr_assert_eq(f.nr, i, "round %d ran it %d times", i, f.nr);
	}
	cr_assert_eq(xlb_loop__dispatch(&f.loop, 0), 0);
	cr_assert_eq(f.nr, ROUNDS + 1);
	cr_assert_eq(xlb_loop__dispatch(&f.loop, 0), 0);
	cr_assert_eq(f.nr, ROUNDS + 1, "it fires after its re-arms run out");
	teardown(&f);
}

Test(loop_timer, a_callback_may_delete_another_due_timer)
{
	struct fired f;
	int i;

	setup(&f);
	for (i = 0; i < NR_TIMERS; i++)
		xlb_loop_timer__arm(&f.t[i], 1);
	/* the list runs newest first: t[2] fires first and deletes t[1] */
	f.kill = &f.t[1];
	cr_assert_eq(xlb_loop__dispatch(&f.loop, 0), 0);
	cr_assert_eq(f.nr, 2);
	cr_assert_eq(f.order[0], 2);
	cr_assert_eq(f.order[1], 0, "the deleted timer fired");
	teardown(&f);
}
