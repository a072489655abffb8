// SPDX-License-Identifier: MIT
/*
 * The epoll loop. Each registered fd carries a handler whose address is the
 * epoll cookie, found by fd in an array (thousands of health checks come
 * and go: no list walk per change); a handler removed while a round of
 * events is being dispatched is parked on a retired list and freed after
 * the round, so a later event of the same round never reaches freed memory.
 * Timers of the loop's own (a short list) set epoll's timeout and run after
 * each round's events.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include <xlb/timeunit.h>

#define LOOP_MAX_EVENTS	 64
#define LOOP_INITIAL_FDS 64

struct xlb_loop_handler {
	int fd; /* -1 once removed */
	xlb_loop_cb cb;
	void *arg;
	struct xlb_loop_handler *next;
};

int xlb_loop__init(struct xlb_loop *loop)
{
	int err;

	memset(loop, 0, sizeof(*loop));
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		err = -errno;
		pr_warn("epoll_create1: %s\n", strerror(-err));
		return err;
	}
	return 0;
}

static void free_list(struct xlb_loop_handler *h)
{
	while (h) {
		struct xlb_loop_handler *next = h->next;

		free(h);
		h = next;
	}
}

void xlb_loop__fini(struct xlb_loop *loop)
{
	int fd;

	for (fd = 0; fd < loop->nr_fds; fd++)
		free(loop->by_fd[fd]);
	free(loop->by_fd);
	free_list(loop->retired);
	loop->by_fd = NULL;
	loop->nr_fds = 0;
	loop->retired = NULL;
	if (loop->epfd >= 0)
		close(loop->epfd);
	loop->epfd = -1;
}

static struct xlb_loop_handler *find(const struct xlb_loop *loop, int fd)
{
	return fd >= 0 && fd < loop->nr_fds ? loop->by_fd[fd] : NULL;
}

/* Room in by_fd for fd. */
static int reserve(struct xlb_loop *loop, int fd)
{
	struct xlb_loop_handler **by_fd;
	int n = loop->nr_fds ? loop->nr_fds : LOOP_INITIAL_FDS;

	while (n <= fd)
		n *= 2;
	if (n == loop->nr_fds)
		return 0;
	by_fd = realloc(loop->by_fd, (size_t)n * sizeof(*by_fd));
	if (!by_fd)
		return -ENOMEM;
	memset(by_fd + loop->nr_fds, 0, (size_t)(n - loop->nr_fds) * sizeof(*by_fd));
	loop->by_fd = by_fd;
	loop->nr_fds = n;
	return 0;
}

int xlb_loop__add(struct xlb_loop *loop, int fd, uint32_t events, xlb_loop_cb cb, void *arg)
{
	struct epoll_event ev = {.events = events};
	struct xlb_loop_handler *h;
	int err;

	if (fd < 0 || !cb || find(loop, fd))
		return -EINVAL;
	err = reserve(loop, fd);
	if (err)
		return err;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->fd = fd;
	h->cb = cb;
	h->arg = arg;
	ev.data.ptr = h;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		err = -errno;
		pr_warn("epoll_ctl add fd %d: %s\n", fd, strerror(-err));
		free(h);
		return err;
	}
	loop->by_fd[fd] = h;
	return 0;
}

int xlb_loop__mod(struct xlb_loop *loop, int fd, uint32_t events)
{
	struct xlb_loop_handler *h = find(loop, fd);
	struct epoll_event ev = {.events = events};
	int err;

	if (!h)
		return -ENOENT;
	ev.data.ptr = h;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fd, &ev)) {
		err = -errno;
		if (err != -ENOENT)
			pr_warn("epoll_ctl mod fd %d: %s\n", fd, strerror(-err));
		return err;
	}
	return 0;
}

/* Parks h until the end of the round (a later event of it may be queued). */
static void retire(struct xlb_loop *loop, struct xlb_loop_handler *h)
{
	loop->by_fd[h->fd] = NULL;
	h->fd = -1;
	h->next = loop->retired;
	loop->retired = h;
}

int xlb_loop__del(struct xlb_loop *loop, int fd)
{
	struct xlb_loop_handler *h;
	int err = 0;

	h = find(loop, fd);
	if (!h)
		return -ENOENT;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL)) {
		err = -errno;
		if (err != -EBADF)
			pr_warn("epoll_ctl del fd %d: %s\n", fd, strerror(-err));
	}
	retire(loop, h);
	return err;
}

int xlb_loop__forget(struct xlb_loop *loop, int fd)
{
	struct xlb_loop_handler *h = find(loop, fd);

	if (!h)
		return -ENOENT;
	retire(loop, h);
	return 0;
}

uint64_t xlb_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * XLB_NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

void xlb_loop__timer_add(struct xlb_loop *loop, struct xlb_loop_timer *t, xlb_loop_timer_cb cb,
			 void *arg)
{
	memset(t, 0, sizeof(*t));
	t->cb = cb;
	t->arg = arg;
	t->next = loop->timers;
	if (loop->timers)
		loop->timers->prev = t;
	loop->timers = t;
}

void xlb_loop__timer_del(struct xlb_loop *loop, struct xlb_loop_timer *t)
{
	if (t->prev)
		t->prev->next = t->next;
	else if (loop->timers == t)
		loop->timers = t->next;
	if (t->next)
		t->next->prev = t->prev;
	t->prev = t->next = NULL;
	t->armed = false;
}

void xlb_loop_timer__arm(struct xlb_loop_timer *t, uint64_t due_ns)
{
	t->due_ns = due_ns;
	t->armed = true;
}

void xlb_loop_timer__disarm(struct xlb_loop_timer *t)
{
	t->armed = false;
}

/* How long epoll may sleep: timeout_ms, or less to wake for the earliest
 * timer. Fills *ts and returns it, or NULL for no limit. */
static struct timespec *wait_time(const struct xlb_loop *loop, int timeout_ms, struct timespec *ts)
{
	uint64_t wait = timeout_ms < 0 ? UINT64_MAX : (uint64_t)timeout_ms * XLB_NSEC_PER_MSEC;
	const struct xlb_loop_timer *t;
	uint64_t now = 0;

	for (t = loop->timers; t; t = t->next) {
		if (!t->armed)
			continue;
		if (!now)
			now = xlb_now_ns();
		if (t->due_ns <= now)
			wait = 0;
		else if (t->due_ns - now < wait)
			wait = t->due_ns - now;
	}
	if (wait == UINT64_MAX)
		return NULL;
	ts->tv_sec = (time_t)(wait / XLB_NSEC_PER_SEC);
	ts->tv_nsec = (long)(wait % XLB_NSEC_PER_SEC);
	return ts;
}

/* Runs the timers due now, each at most once a round (a callback that arms
 * its timer for the past runs again next round, after fresh events). The
 * scan starts over after every callback: a callback may delete any timer. */
static void run_timers(struct xlb_loop *loop)
{
	uint64_t now = xlb_now_ns();
	struct xlb_loop_timer *t;

	loop->round++;
	t = loop->timers;
	while (t) {
		if (!t->armed || t->due_ns > now || t->round == loop->round) {
			t = t->next;
			continue;
		}
		t->armed = false;
		t->round = loop->round;
		t->cb(loop, t, t->arg);
		t = loop->timers;
	}
}

/* epoll_pwait2 (Linux 5.11) sleeps to the nanosecond; where it is missing
 * (older kernels, valgrind) epoll_wait sleeps to the millisecond, rounded
 * up so that a timer is never woken for early. The events, or -errno. */
static int wait_events(struct xlb_loop *loop, struct epoll_event *events, const struct timespec *ts)
{
	uint64_t ms;
	int n;

	if (!loop->no_pwait2) {
		n = epoll_pwait2(loop->epfd, events, LOOP_MAX_EVENTS, ts, NULL);
		if (n >= 0)
			return n;
		if (errno != ENOSYS)
			return -errno;
		loop->no_pwait2 = true;
	}
	if (!ts) {
		n = epoll_wait(loop->epfd, events, LOOP_MAX_EVENTS, -1);
	} else {
		ms = (uint64_t)ts->tv_sec * XLB_MSEC_PER_SEC +
		     ((uint64_t)ts->tv_nsec + XLB_NSEC_PER_MSEC - 1) / XLB_NSEC_PER_MSEC;
		n = epoll_wait(loop->epfd, events, LOOP_MAX_EVENTS,
			       ms > INT_MAX ? INT_MAX : (int)ms);
	}
	return n < 0 ? -errno : n;
}

int xlb_loop__dispatch(struct xlb_loop *loop, int timeout_ms)
{
	struct epoll_event events[LOOP_MAX_EVENTS];
	struct timespec ts;
	int i, n;

	n = wait_events(loop, events, wait_time(loop, timeout_ms, &ts));
	if (n < 0) {
		if (n == -EINTR)
			return 0;
		pr_warn("epoll_wait: %s\n", strerror(-n));
		return n;
	}
	for (i = 0; i < n; i++) {
		struct xlb_loop_handler *h = events[i].data.ptr;

		if (h->fd < 0)
			continue;
		h->cb(loop, h->fd, events[i].events, h->arg);
	}
	run_timers(loop);
	free_list(loop->retired);
	loop->retired = NULL;
	return n;
}

int xlb_loop__run(struct xlb_loop *loop)
{
	int n;

	loop->stop = false;
	while (!loop->stop) {
		n = xlb_loop__dispatch(loop, -1);
		if (n < 0)
			return n;
	}
	return 0;
}

void xlb_loop__stop(struct xlb_loop *loop)
{
	loop->stop = true;
}

int xlb_signalfd__open(const sigset_t *set)
{
	int fd, err;

	if (sigprocmask(SIG_BLOCK, set, NULL)) {
		err = -errno;
		pr_warn("sigprocmask: %s\n", strerror(-err));
		return err;
	}
	fd = signalfd(-1, set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		pr_warn("signalfd: %s\n", strerror(-err));
		return err;
	}
	return fd;
}

int xlb_signalfd__read(int fd)
{
	struct signalfd_siginfo si;
	ssize_t n;
	int err;

	n = read(fd, &si, sizeof(si));
	if (n < 0) {
		err = -errno;
		if (err == -EAGAIN)
			return 0;
		pr_warn("read signalfd: %s\n", strerror(-err));
		return err;
	}
	if (n != sizeof(si))
		return -EIO;
	return (int)si.ssi_signo;
}

int xlb_timerfd__open(void)
{
	int fd, err;

	fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		pr_warn("timerfd_create: %s\n", strerror(-err));
		return err;
	}
	return fd;
}

static void ns_to_timespec(uint64_t ns, struct timespec *ts)
{
	ts->tv_sec = (time_t)(ns / XLB_NSEC_PER_SEC);
	ts->tv_nsec = (long)(ns % XLB_NSEC_PER_SEC);
}

int xlb_timerfd__arm(int fd, uint64_t first_ns, uint64_t interval_ns)
{
	struct itimerspec its = {};
	int err;

	/* it_value 0 disarms the timer: "now" is the smallest non-zero value */
	ns_to_timespec(first_ns ? first_ns : 1, &its.it_value);
	ns_to_timespec(interval_ns, &its.it_interval);
	if (timerfd_settime(fd, 0, &its, NULL)) {
		err = -errno;
		pr_warn("timerfd_settime: %s\n", strerror(-err));
		return err;
	}
	return 0;
}

int xlb_timerfd__disarm(int fd)
{
	struct itimerspec its = {};
	int err;

	if (timerfd_settime(fd, 0, &its, NULL)) {
		err = -errno;
		pr_warn("timerfd_settime: %s\n", strerror(-err));
		return err;
	}
	return 0;
}

int xlb_timerfd__read(int fd, uint64_t *expirations)
{
	ssize_t n;
	int err;

	*expirations = 0;
	n = read(fd, expirations, sizeof(*expirations));
	if (n < 0) {
		err = -errno;
		if (err == -EAGAIN)
			return 0;
		pr_warn("read timerfd: %s\n", strerror(-err));
		return err;
	}
	return n == sizeof(*expirations) ? 0 : -EIO;
}
