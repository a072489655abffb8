// SPDX-License-Identifier: MIT
/* The loop's own timers: order, re-arming, deletion from callbacks, and
 * epoll sleeping until the earliest one, with and without epoll_pwait2;
 * and fds forgotten (closed without an epoll_ctl) in the middle of a round. */
#include <errno.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <criterion/criterion.h>

#include "loop.h"
#include "refuse_syscall.h"
#include <xlb/timeunit.h>

#define NR_TIMERS     3
#define WAIT_MS	      30
#define WAIT_LIMIT_MS 2000 /* a busy host may wake late, never this late */
#define ROUNDS	      5
#define ODD_NS	      (XLB_NSEC_PER_MSEC / 2) /* a deadline between two milliseconds */

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
	xlb_loop_timer__arm(&f.t[2], now - XLB_NSEC_PER_MSEC);
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
	xlb_loop_timer__arm(&f.t[1], start + 10 * WAIT_MS * XLB_NSEC_PER_MSEC);
	xlb_loop_timer__arm(&f.t[0], start + WAIT_MS * XLB_NSEC_PER_MSEC);
	while (!f.nr)
		cr_assert_geq(xlb_loop__dispatch(&f.loop, -1), 0);
	took = xlb_now_ns() - start;
	cr_assert_eq(f.order[0], 0, "the later timer fired first");
	cr_assert_geq(took, WAIT_MS * XLB_NSEC_PER_MSEC, "woke %llu ns early",
		      WAIT_MS * XLB_NSEC_PER_MSEC - took);
	cr_assert_lt(took, WAIT_LIMIT_MS * XLB_NSEC_PER_MSEC, "slept %llu ns",
		     (unsigned long long)took);
	cr_assert_eq(f.nr, 1, "the later timer fired with the earlier one");
	teardown(&f);
}

Test(loop_timer, moving_a_deadline_later_delays_it)
{
	uint64_t start = xlb_now_ns();
	struct fired f;

	setup(&f);
	xlb_loop_timer__arm(&f.t[0], start);
	xlb_loop_timer__arm(&f.t[0], start + 10 * WAIT_LIMIT_MS * XLB_NSEC_PER_MSEC);
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

/* This test process's kernel, as far as it can tell, has no epoll_pwait2
 * (Linux < 5.11, or valgrind): a seccomp filter answers it with ENOSYS. */
static void hide_epoll_pwait2(void)
{
	refuse_syscall(__NR_epoll_pwait2, REFUSE_ANY_ARG1, ENOSYS);
}

Test(loop_timer, without_epoll_pwait2_timers_fire_late_never_early)
{
	uint64_t start, took;
	struct fired f;

	hide_epoll_pwait2();
	setup(&f);
	start = xlb_now_ns();
	/* epoll_wait sleeps whole milliseconds: rounded down, it would wake
	 * half a millisecond early and spin a round for nothing */
	xlb_loop_timer__arm(&f.t[0], start + WAIT_MS * XLB_NSEC_PER_MSEC + ODD_NS);
	cr_assert_eq(xlb_loop__dispatch(&f.loop, -1), 0);
	took = xlb_now_ns() - start;
	cr_assert(f.loop.no_pwait2, "epoll_pwait2 was not refused");
	cr_assert_eq(f.nr, 1, "the first wake-up came before the deadline");
	cr_assert_geq(took, WAIT_MS * XLB_NSEC_PER_MSEC + ODD_NS);
	cr_assert_lt(took, WAIT_LIMIT_MS * XLB_NSEC_PER_MSEC, "slept %llu ns",
		     (unsigned long long)took);
	teardown(&f);
}

/* Two readable eventfds in one round: whichever runs first forgets and
 * closes the other, whose queued event must then not run. */
struct pair {
	int fd[2];
	int calls[2];
	int closed; /* the number of the one closed */
};

static void on_readable(struct xlb_loop *loop, int fd, uint32_t events, void *arg)
{
	struct pair *p = arg;
	int me = fd == p->fd[1], other = !me;

	(void)events;
	p->calls[me]++;
	if (p->fd[other] >= 0) {
		cr_assert_eq(xlb_loop__forget(loop, p->fd[other]), 0);
		cr_assert_eq(close(p->fd[other]), 0);
		p->closed = p->fd[other];
		p->fd[other] = -1;
	}
}

Test(loop_fd, a_forgotten_fd_closed_in_a_round_gets_no_event_and_its_number_is_free)
{
	struct xlb_loop loop;
	struct pair p = {};
	int i, again, gone;

	cr_assert_eq(xlb_loop__init(&loop), 0);
	for (i = 0; i < 2; i++) {
		p.fd[i] = eventfd(1, EFD_CLOEXEC | EFD_NONBLOCK); /* readable now */
		cr_assert_geq(p.fd[i], 0);
		cr_assert_eq(xlb_loop__add(&loop, p.fd[i], EPOLLIN, on_readable, &p), 0);
	}
	cr_assert_eq(xlb_loop__dispatch(&loop, 0), 2, "both events in one round");
	cr_assert_eq(p.calls[0] + p.calls[1], 1, "%d and %d calls", p.calls[0], p.calls[1]);
	gone = p.fd[0] < 0 ? 0 : 1;
	/* the number comes back for the next fd, which the loop takes */
	again = eventfd(1, EFD_CLOEXEC | EFD_NONBLOCK);
	cr_assert_eq(again, p.closed);
	cr_assert_eq(xlb_loop__add(&loop, again, EPOLLIN, on_readable, &p), 0);
	cr_assert_eq(xlb_loop__forget(&loop, p.fd[!gone]), 0);
	cr_assert_eq(xlb_loop__forget(&loop, p.fd[!gone]), -ENOENT);
	cr_assert_eq(xlb_loop__del(&loop, again), 0);
	close(again);
	close(p.fd[!gone]);
	xlb_loop__fini(&loop);
}
