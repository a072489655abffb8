// SPDX-License-Identifier: MIT
/*
 * The health engine: the rise/fall state machine, the engine on a real loop
 * running real script checks (/bin/true, /bin/false, a sleep killed at its
 * timeout) and, on a loopback of the test's own, TCP and HTTP checks;
 * seeding, check option parsing with every bad-input error, status lists,
 * durations, and the gRPC health frames.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <criterion/criterion.h>

#include "grpc_codec.h"
#include "health.h"
#include "health_int.h"
#include "log.h"
#include "refuse_syscall.h"

#define MS		    XLB_NSEC_PER_MSEC
#define RUN_LIMIT_MS	    5000    /* every loop run stops by then */
#define FAST_INTERVAL	    "200ms" /* also the timeout: room for a busy host */
#define MAX_CHANGES	    16
#define TIMEOUT_MS	    50
#define TIMEOUT_SLACK_MS    150 /* scheduling on a busy test host */
#define JITTER_TARGETS	    40
#define JITTER_MIN_DISTINCT 30 /* distinct first-check milliseconds of 400 */
#define LONG_TEXT	    300
#define MANY_ARGS	    (XLB_CHECK_MAX_ARGS + 1)
#define BOUND_RUNNING	    3
#define BOUND_TARGETS	    9 /* each in flight half of its interval: 3x the bound */
#define BOUND_CHECK	    "script /bin/sleep arg 10 interval 200ms timeout 100ms fall 1"
#define BOUND_RUN_MS	    1500
#define BOUND_MIN_LATE_MS   50
#define SHORT_INTERVAL	    "20ms" /* its jitter spread, 1.25 ms, is below the tick */
#define SHORT_INTERVAL_NS   (20 * MS)
#define TICK_RUN_MS	    1000
#define TARGET_ADDR	    "198.18.0.2" /* every check's */
#define TARGET_ADDR_HEX	    0xc6120002
#define TARGET_PORT	    8080
#define HTTP_RUN_MS	    1000
#define HTTP_REPLY	    "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
#define TCP_STATE_TIME_WAIT 0x06 /* the "st" column of /proc/net/tcp */

/* State machine */

static int step_all(struct xlb_health_sm *sm, const char *results, uint32_t rise, uint32_t fall)
{
	int changes = 0;

	for (; *results; results++)
		changes += xlb_health_sm__step(sm, *results == '+', rise, fall);
	return changes;
}

Test(health_sm, up_after_exactly_rise_passes)
{
	struct xlb_health_sm sm = {};

	cr_assert_not(xlb_health_sm__step(&sm, true, 3, 3));
	cr_assert_not(xlb_health_sm__step(&sm, true, 3, 3));
	cr_assert_eq(sm.state, XLB_HEALTH_UNKNOWN);
	cr_assert(xlb_health_sm__step(&sm, true, 3, 3));
	cr_assert_eq(sm.state, XLB_HEALTH_UP);
	/* staying up is no change, and the counter stays bounded */
	cr_assert_not(xlb_health_sm__step(&sm, true, 3, 3));
	cr_assert_eq(sm.passes, 3);
}

Test(health_sm, down_after_exactly_fall_failures)
{
	struct xlb_health_sm sm = {};

	cr_assert_eq(step_all(&sm, "--", 2, 3), 0);
	cr_assert_eq(sm.state, XLB_HEALTH_UNKNOWN);
	cr_assert(xlb_health_sm__step(&sm, false, 2, 3));
	cr_assert_eq(sm.state, XLB_HEALTH_DOWN);
	cr_assert_eq(step_all(&sm, "-----", 2, 3), 0);
	cr_assert_eq(sm.failures, 3);
}

Test(health_sm, flapping_decides_nothing)
{
	struct xlb_health_sm sm = {};

	cr_assert_eq(step_all(&sm, "+-+-+-+-+-+-", 2, 2), 0);
	cr_assert_eq(sm.state, XLB_HEALTH_UNKNOWN);
	/* up, then failures interrupted by a pass never reach fall */
	cr_assert_eq(step_all(&sm, "++", 2, 3), 1);
	cr_assert_eq(step_all(&sm, "--+--+-+--+", 2, 3), 0);
	cr_assert_eq(sm.state, XLB_HEALTH_UP);
	/* down, then passes interrupted by a failure never reach rise */
	cr_assert_eq(step_all(&sm, "---", 2, 3), 1);
	cr_assert_eq(step_all(&sm, "+-+-+-", 2, 3), 0);
	cr_assert_eq(sm.state, XLB_HEALTH_DOWN);
	cr_assert_eq(step_all(&sm, "++", 2, 3), 1);
	cr_assert_eq(sm.state, XLB_HEALTH_UP);
}

Test(health_sm, rise_and_fall_of_one_follow_every_result)
{
	struct xlb_health_sm sm = {};

	cr_assert_eq(step_all(&sm, "+-+-", 1, 1), 4);
	cr_assert_eq(sm.state, XLB_HEALTH_DOWN);
}

/* The engine on a loop, with script checks */

struct run {
	struct xlb_loop loop;
	struct xlb_health_engine *h;
	int stopfd;
	int nr_changes;
	enum xlb_health changes[MAX_CHANGES];
	uint64_t decided[MAX_CHANGES];
	int nr_results;
	int nr_timeouts;
	uint64_t first_result_ns[JITTER_TARGETS];
	size_t max_running; /* checks in flight, the finishing one included */
	uint64_t max_late_ns;
	uint64_t sum_late_ns;
	int stop_after_changes; /* 0: run until the time limit */
	bool remove_on_change;
};

static void on_change(struct xlb_health_target *t, enum xlb_health state, uint64_t decided,
		      void *arg)
{
	struct run *r = arg;

	if (r->nr_changes < MAX_CHANGES) {
		r->changes[r->nr_changes] = state;
		r->decided[r->nr_changes] = decided;
	}
	r->nr_changes++;
	if (r->remove_on_change)
		xlb_health__remove(t);
	if (r->stop_after_changes && r->nr_changes >= r->stop_after_changes)
		xlb_loop__stop(&r->loop);
}

static void on_result(struct xlb_health_target *t, const struct xlb_check_result *res, void *arg)
{
	struct run *r = arg;
	intptr_t i = (intptr_t)xlb_health_target__user(t);

	if (i >= 0 && i < JITTER_TARGETS && !r->first_result_ns[i])
		r->first_result_ns[i] = res->at_ns;
	r->nr_results++;
	r->nr_timeouts += res->reason == XLB_CR_TIMEOUT;
	if (r->h->nr_running + 1 > r->max_running)
		r->max_running = r->h->nr_running + 1;
	if (res->late_ns > r->max_late_ns)
		r->max_late_ns = res->late_ns;
	r->sum_late_ns += res->late_ns;
}

static void on_stop(struct xlb_loop *loop, int fd, uint32_t events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	xlb_loop__stop(loop);
}

static void run_init(struct run *r)
{
	memset(r, 0, sizeof(*r));
	xlb_log_set_level(XLB_LOG_WARN); /* no line per state change */
	cr_assert_eq(xlb_loop__init(&r->loop), 0);
	cr_assert_eq(xlb_health__new(&r->loop, on_change, r, &r->h), 0);
	xlb_health__set_result_cb(r->h, on_result);
	r->stopfd = xlb_timerfd__open();
	cr_assert_geq(r->stopfd, 0);
	cr_assert_eq(xlb_loop__add(&r->loop, r->stopfd, EPOLLIN, on_stop, NULL), 0);
}

static void run_for(struct run *r, unsigned int ms)
{
	cr_assert_eq(xlb_timerfd__arm(r->stopfd, (uint64_t)ms * MS, 0), 0);
	cr_assert_eq(xlb_loop__run(&r->loop), 0);
}

static void run_fini(struct run *r)
{
	xlb_health__free(r->h);
	xlb_loop__del(&r->loop, r->stopfd);
	close(r->stopfd);
	xlb_loop__fini(&r->loop);
}

/* Adds a script check from words (after "check"). */
static struct xlb_health_target *add_check(struct run *r, intptr_t id, const char *words)
{
	struct xlb_health_target_conf conf = {
		.family = XLB_AF_INET,
		.port = TARGET_PORT,
		.user = (void *)id,
	};
	struct xlb_health_target *t = NULL;
	struct xlb_errmsg e = {};
	char buf[512], *argv[32], *tok, *save = NULL;
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", words);
	for (tok = strtok_r(buf, " ", &save); tok && argc < 32; tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	conf.addr.a[0] = htonl(TARGET_ADDR_HEX);
	snprintf(conf.vip, sizeof(conf.vip), "198.18.1.10:80/tcp");
	cr_assert_eq(xlb_check_spec__parse(&conf.spec, argc, argv, NULL, &e), 0, "%s: %s", words,
		     e.text);
	cr_assert_eq(xlb_health__add(r->h, &conf, &t, &e), 0, "%s", e.text);
	return t;
}

Test(health_engine, true_goes_up_after_rise)
{
	struct xlb_health_status st;
	struct xlb_health_target *t;
	struct run r;

	run_init(&r);
	r.stop_after_changes = 1;
	t = add_check(&r, 0, "script /bin/true interval " FAST_INTERVAL " rise 3");
	run_for(&r, RUN_LIMIT_MS);
	cr_assert_eq(r.nr_changes, 1);
	cr_assert_eq(r.changes[0], XLB_HEALTH_UP);
	xlb_health_target__status(t, &st);
	cr_assert_eq(st.state, XLB_HEALTH_UP);
	cr_assert_eq(st.checks, 3, "decided at the 3rd pass, not after %llu",
		     (unsigned long long)st.checks);
	cr_assert_eq(st.last.reason, XLB_CR_OK);
	cr_assert_str_eq(st.last.text, "ok");
	cr_assert_eq(st.since_ns, r.decided[0]);
	cr_assert_eq(st.last.at_ns, r.decided[0]);
	cr_assert_gt(st.last.latency_ns, 0);
	run_fini(&r);
}

Test(health_engine, false_goes_down_with_exit_status_and_output)
{
	struct xlb_health_status st;
	struct xlb_health_target *t;
	struct run r;

	run_init(&r);
	r.stop_after_changes = 1;
	t = add_check(&r, 0,
		      "script /bin/sh arg -c arg echo\tsaid\tno;exit\t3 interval " FAST_INTERVAL);
	run_for(&r, RUN_LIMIT_MS);
	cr_assert_eq(r.nr_changes, 1);
	cr_assert_eq(r.changes[0], XLB_HEALTH_DOWN);
	xlb_health_target__status(t, &st);
	cr_assert_eq(st.checks, XLB_CHECK_DEF_FALL);
	cr_assert_eq(st.last.reason, XLB_CR_EXIT);
	cr_assert_eq(st.last.code, 3);
	cr_assert_str_eq(st.last.text, "exit 3");
	/* sh splits on the tabs, which keeps this a single argv word here */
	cr_assert_str_eq(st.last.output, "said no");
	run_fini(&r);
}

Test(health_engine, seeded_up_stays_up_on_passes)
{
	struct xlb_health_status st;
	struct xlb_health_target *t;
	struct run r;

	run_init(&r);
	t = add_check(&r, 0, "script /bin/true interval " FAST_INTERVAL);
	xlb_health_target__seed(t, XLB_HEALTH_UP, 0);
	run_for(&r, 1000);
	xlb_health_target__status(t, &st);
	cr_assert_geq(st.checks, 3, "only %llu checks", (unsigned long long)st.checks);
	cr_assert_eq(r.nr_changes, 0);
	cr_assert_eq(st.state, XLB_HEALTH_UP);
	run_fini(&r);
}

Test(health_engine, seeded_up_goes_down_only_after_fall_fresh_failures)
{
	struct xlb_health_status st;
	struct xlb_health_target *t;
	struct run r;

	run_init(&r);
	r.stop_after_changes = 1;
	t = add_check(&r, 0, "script /bin/false interval " FAST_INTERVAL " fall 4");
	xlb_health_target__seed(t, XLB_HEALTH_UP, 0);
	run_for(&r, RUN_LIMIT_MS);
	xlb_health_target__status(t, &st);
	cr_assert_eq(r.nr_changes, 1);
	cr_assert_eq(r.changes[0], XLB_HEALTH_DOWN);
	cr_assert_eq(st.checks, 4);
	run_fini(&r);
}

Test(health_engine, seeded_down_comes_up_after_rise)
{
	struct xlb_health_status st;
	struct xlb_health_target *t;
	struct run r;

	run_init(&r);
	r.stop_after_changes = 1;
	t = add_check(&r, 0, "script /bin/true interval " FAST_INTERVAL);
	xlb_health_target__seed(t, XLB_HEALTH_DOWN, 1);
	xlb_health_target__status(t, &st);
	cr_assert_eq(st.state, XLB_HEALTH_DOWN);
	cr_assert_eq(st.since_ns, 1);
	run_for(&r, RUN_LIMIT_MS);
	xlb_health_target__status(t, &st);
	cr_assert_eq(r.changes[0], XLB_HEALTH_UP);
	cr_assert_eq(st.checks, XLB_CHECK_DEF_RISE);
	cr_assert_gt(st.since_ns, 1);
	run_fini(&r);
}

Test(health_engine, hanging_script_is_killed_at_its_timeout)
{
	struct xlb_health_status st;
	struct xlb_health_target *t;
	struct run r;

	run_init(&r);
	r.stop_after_changes = 1;
	t = add_check(&r, 0, "script /bin/sleep arg 10 interval 100ms timeout 50ms fall 1");
	run_for(&r, RUN_LIMIT_MS);
	xlb_health_target__status(t, &st);
	cr_assert_eq(r.nr_changes, 1);
	cr_assert_eq(st.last.reason, XLB_CR_TIMEOUT);
	cr_assert_str_eq(st.last.text, "timeout");
	cr_assert_geq(st.last.latency_ns, TIMEOUT_MS * MS);
	cr_assert_lt(st.last.latency_ns, (TIMEOUT_MS + TIMEOUT_SLACK_MS) * MS);
	/* the killed sleep waits to be reaped through the loop */
	cr_assert_not_null(r.h->orphans);
	xlb_health__remove(t);
	run_for(&r, 200);
	cr_assert_null(r.h->orphans, "the killed script was never reaped");
	run_fini(&r);
}

Test(health_engine, missing_program_is_a_result)
{
	struct xlb_health_status st;
	struct xlb_health_target *t;
	struct run r;

	run_init(&r);
	r.stop_after_changes = 1;
	t = add_check(&r, 0, "script /nonexistent/probe interval " FAST_INTERVAL " fall 1");
	run_for(&r, RUN_LIMIT_MS);
	xlb_health_target__status(t, &st);
	cr_assert_eq(st.last.reason, XLB_CR_SPAWN);
	cr_assert_str_eq(st.last.text, "spawn: No such file or directory");
	run_fini(&r);
}

Test(health_engine, on_change_may_remove_its_target)
{
	struct run r;

	run_init(&r);
	r.remove_on_change = true;
	r.stop_after_changes = 2;
	add_check(&r, 0, "script /bin/true interval " FAST_INTERVAL " rise 1");
	add_check(&r, 1, "script /bin/false interval " FAST_INTERVAL " fall 1");
	run_for(&r, RUN_LIMIT_MS);
	cr_assert_eq(r.nr_changes, 2);
	cr_assert(LIST_EMPTY(&r.h->targets));
	cr_assert_eq(r.h->nr_heap, 0);
	run_fini(&r);
}

Test(health_engine, new_spec_keeps_the_state_and_counts_again)
{
	struct xlb_check_spec spec;
	struct xlb_health_target *t;
	char *words[] = {"script", "/bin/true", "interval", FAST_INTERVAL};
	struct run r;

	run_init(&r);
	r.stop_after_changes = 1;
	t = add_check(&r, 0, "script /bin/false interval " FAST_INTERVAL " fall 1");
	run_for(&r, RUN_LIMIT_MS);
	cr_assert_eq(xlb_health_target__state(t), XLB_HEALTH_DOWN);
	cr_assert_eq(xlb_check_spec__parse(&spec, 4, words, NULL, NULL), 0);
	cr_assert_eq(xlb_health_target__set_spec(t, &spec, NULL), 0);
	cr_assert_eq(xlb_health_target__state(t), XLB_HEALTH_DOWN);
	r.stop_after_changes = 2;
	run_for(&r, RUN_LIMIT_MS);
	cr_assert_eq(r.nr_changes, 2);
	cr_assert_eq(r.changes[1], XLB_HEALTH_UP);
	run_fini(&r);
}

Test(health_engine, first_checks_are_spread_over_the_interval)
{
	struct xlb_health_target *t[JITTER_TARGETS];
	uint64_t now = xlb_now_ns();
	int i, j, distinct = 0;
	struct run r;

	run_init(&r);
	for (i = 0; i < JITTER_TARGETS; i++)
		t[i] = add_check(&r, i, "script /bin/true interval 400ms");
	for (i = 0; i < JITTER_TARGETS; i++) {
		cr_assert_geq(t[i]->due_ns, now);
		cr_assert_lt(t[i]->due_ns, xlb_now_ns() + 400 * MS);
		for (j = 0; j < i; j++)
			if (t[j]->due_ns / MS == t[i]->due_ns / MS)
				break;
		distinct += j == i;
	}
	cr_assert_geq(distinct, JITTER_MIN_DISTINCT, "%d targets due in %d distinct ms",
		      JITTER_TARGETS, distinct);
	/* and every one of them is checked (its result within a timeout more) */
	run_for(&r, 1000);
	for (i = 0; i < JITTER_TARGETS; i++)
		cr_assert_neq(r.first_result_ns[i], 0, "target %d never checked", i);
	run_fini(&r);
}

Test(health_engine, wakes_on_the_tick_grid)
{
	uint64_t tick, due, wake;
	struct run r;
	int i;

	run_init(&r);
	for (i = 0; i < JITTER_TARGETS; i++)
		add_check(&r, i, "script /bin/true interval " FAST_INTERVAL);
	tick = XLB_HEALTH_TICK_NS;
	cr_assert_lt(tick, 200 * MS / 16, "the interval's spread must not be the tick here");
	due = r.h->heap[0].due_ns;
	wake = r.h->timer.due_ns;
	cr_assert(r.h->timer.armed);
	cr_assert_eq(wake % tick, 0, "wakes at %llu, off the %llu ns grid",
		     (unsigned long long)wake, (unsigned long long)tick);
	cr_assert_geq(wake, due);
	cr_assert_lt(wake, due + tick);
	run_fini(&r);

	/* a short interval's spread is the tick: no check moves further than
	 * its jitter already moves it */
	run_init(&r);
	add_check(&r, 0, "script /bin/true interval " SHORT_INTERVAL " timeout 10ms");
	tick = SHORT_INTERVAL_NS / 16;
	cr_assert_lt(tick, XLB_HEALTH_TICK_NS);
	due = r.h->heap[0].due_ns;
	wake = r.h->timer.due_ns;
	cr_assert_eq(wake % tick, 0);
	cr_assert_geq(wake, due);
	cr_assert_lt(wake, due + tick);
	run_fini(&r);
}

/* This test process in a network namespace of its own, TARGET_ADDR on
 * its loopback. */
static void own_loopback(void)
{
	cr_assert_eq(unshare(CLONE_NEWNET), 0, "unshare: %s", strerror(errno));
	cr_assert_eq(system("ip link set lo up && ip addr add " TARGET_ADDR "/32 dev lo"), 0);
}

Test(health_engine, checks_due_within_a_tick_start_together)
{
	struct run r;
	int i;

	/* TCP checks refused at once on a loopback of the test's own: a start
	 * costs microseconds, so lateness is the tick's, not the checks' */
	own_loopback();
	run_init(&r);
	for (i = 0; i < JITTER_TARGETS; i++)
		add_check(&r, i, "tcp interval " FAST_INTERVAL);
	run_for(&r, TICK_RUN_MS);
	cr_assert_geq(r.nr_results, JITTER_TARGETS);
	/* due times spread evenly over a tick wait for its end: half a tick on
	 * average; a start at each due time would be a few us late */
	cr_assert_geq(r.sum_late_ns / (uint64_t)r.nr_results, XLB_HEALTH_TICK_NS / 4,
		      "%d checks started %llu ns after due on average", r.nr_results,
		      (unsigned long long)(r.sum_late_ns / (uint64_t)r.nr_results));
	run_fini(&r);
}

/* A one-request HTTP server on the test's loop: what its side of each
 * connection had received when the request became readable. */
struct http_server {
	int listen_fd;
	int requests;
	uint32_t bare_segments; /* received without data, the SYN included */
	int head_a, get_b;	/* requests whose line began "HEAD /a ", "GET /b " */
};

static void on_request(struct xlb_loop *loop, int fd, uint32_t events, void *arg)
{
	struct http_server *s = arg;
	struct tcp_info ti = {};
	socklen_t len = sizeof(ti);
	char buf[1024] = "";

	(void)events;
	if (read(fd, buf, sizeof(buf) - 1) > 0 &&
	    !getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len)) {
		s->requests++;
		s->bare_segments += ti.tcpi_segs_in - ti.tcpi_data_segs_in;
		s->head_a += !strncmp(buf, "HEAD /a ", strlen("HEAD /a "));
		s->get_b += !strncmp(buf, "GET /b ", strlen("GET /b "));
		cr_assert_eq(write(fd, HTTP_REPLY, strlen(HTTP_REPLY)),
			     (ssize_t)strlen(HTTP_REPLY));
	}
	xlb_loop__del(loop, fd);
	close(fd);
}

static void on_accept(struct xlb_loop *loop, int fd, uint32_t events, void *arg)
{
	int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	(void)events;
	if (c >= 0)
		cr_assert_eq(xlb_loop__add(loop, c, EPOLLIN, on_request, arg), 0);
}

/* The server on TARGET_ADDR:TARGET_PORT, on a loopback of the test's own,
 * answering on r's loop. */
static void http_server_start(struct http_server *s, struct run *r)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(TARGET_PORT)};
	int one = 1;

	memset(s, 0, sizeof(*s));
	own_loopback();
	sa.sin_addr.s_addr = htonl(TARGET_ADDR_HEX);
	s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	cr_assert_geq(s->listen_fd, 0);
	cr_assert_eq(setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
	cr_assert_eq(bind(s->listen_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(listen(s->listen_fd, SOMAXCONN), 0);
	cr_assert_eq(xlb_loop__add(&r->loop, s->listen_fd, EPOLLIN, on_accept, s), 0);
}

static void http_server_stop(struct http_server *s, struct run *r)
{
	xlb_loop__del(&r->loop, s->listen_fd);
	close(s->listen_fd);
}

/* One HTTP check against the server for HTTP_RUN_MS: more than one
 * request, and the target up. */
static void run_http_check(struct http_server *s, struct run *r)
{
	run_init(r);
	http_server_start(s, r);
	add_check(r, 0, "http interval " FAST_INTERVAL);
	run_for(r, HTTP_RUN_MS);
	cr_assert_gt(s->requests, 1);
	cr_assert_eq(r->nr_changes, 1, "%d changes", r->nr_changes);
	cr_assert_eq(r->changes[0], XLB_HEALTH_UP);
}

Test(health_engine, http_check_acks_the_handshake_with_its_request)
{
	struct http_server s;
	struct run r;

	run_http_check(&s, &r);
	/* the SYN alone: the handshake's last ACK came with the request (a
	 * bare ACK first is a packet more for every check a backend answers) */
	cr_assert_eq(s.bare_segments, (uint32_t)s.requests, "%u bare segments in %d requests",
		     s.bare_segments, s.requests);
	http_server_stop(&s, &r);
	run_fini(&r);
}

/* Sockets in TIME_WAIT in this process's network namespace. */
static int time_wait_sockets(void)
{
	FILE *f = fopen("/proc/net/tcp", "r");
	char line[256];
	unsigned int st;
	int n = 0;

	cr_assert(f, "/proc/net/tcp: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		n += sscanf(line, " %*d: %*x:%*x %*x:%*x %x", &st) == 1 &&
		     st == TCP_STATE_TIME_WAIT;
	fclose(f);
	return n;
}

Test(health_engine, http_check_ends_with_a_reset_and_no_time_wait)
{
	struct http_server s;
	struct run r;
	int time_wait;

	/* the server closes first, as the request asks; a FIN from the check
	 * would leave it a TIME_WAIT for every check */
	run_http_check(&s, &r);
	time_wait = time_wait_sockets();
	cr_assert_eq(time_wait, 0, "%d TIME_WAIT after %d requests", time_wait, s.requests);
	http_server_stop(&s, &r);
	run_fini(&r);
}

Test(health_engine, a_socket_the_loop_cannot_watch_fails_its_own_check_alone)
{
	struct http_server s;
	struct run r;

	/* every EPOLL_CTL_MOD refused, as a kernel short of memory would: the
	 * check's socket, added for its connect, cannot wait for the answer.
	 * A -1 from the socket callback made libcurl 7.88 fail every later
	 * transfer ("aborted by an application callback"); each check must
	 * instead time out on its own, and the next one try afresh */
	run_init(&r);
	http_server_start(&s, &r);
	refuse_syscall(__NR_epoll_ctl, EPOLL_CTL_MOD, ENOMEM);
	add_check(&r, 0, "http interval " FAST_INTERVAL);
	run_for(&r, HTTP_RUN_MS);
	cr_assert_gt(r.nr_results, 2, "%d results", r.nr_results);
	cr_assert_eq(r.nr_timeouts, r.nr_results, "%d timeouts of %d results", r.nr_timeouts,
		     r.nr_results);
	/* every check but perhaps the last connected and sent its request */
	cr_assert_geq(s.requests, r.nr_results, "%d requests in %d checks", s.requests,
		      r.nr_results);
	http_server_stop(&s, &r);
	run_fini(&r);
}

Test(health_engine, reused_easy_handles_keep_no_option_of_the_check_before)
{
	struct http_server s;
	struct run r;

	/* the two checks take turns with the engine's kept handles: HEAD
	 * (CURLOPT_NOBODY) left on one would turn the other's GET into HEAD */
	run_init(&r);
	http_server_start(&s, &r);
	add_check(&r, 0, "http path /a method HEAD interval " FAST_INTERVAL);
	add_check(&r, 1, "http path /b interval " FAST_INTERVAL);
	run_for(&r, HTTP_RUN_MS);
	cr_assert_gt(s.head_a, 1);
	cr_assert_gt(s.get_b, 1);
	cr_assert_eq(s.head_a + s.get_b, s.requests, "%d HEAD /a and %d GET /b of %d requests",
		     s.head_a, s.get_b, s.requests);
	http_server_stop(&s, &r);
	run_fini(&r);
}

Test(health_engine, checks_beyond_the_bound_wait_and_start_late)
{
	struct xlb_health_load load;
	struct run r;
	int i;

	run_init(&r);
	xlb_health__set_max_running(r.h, BOUND_RUNNING);
	for (i = 0; i < BOUND_TARGETS; i++)
		add_check(&r, i, BOUND_CHECK);
	run_for(&r, BOUND_RUN_MS);
	cr_assert_eq(r.max_running, BOUND_RUNNING, "%zu in flight at most, bound %d", r.max_running,
		     BOUND_RUNNING);
	for (i = 0; i < BOUND_TARGETS; i++)
		cr_assert_neq(r.first_result_ns[i], 0, "target %d never checked", i);
	cr_assert_geq(r.max_late_ns, BOUND_MIN_LATE_MS * MS, "no check waited (%llu ns at most)",
		      (unsigned long long)r.max_late_ns);
	xlb_health__load(r.h, &load);
	cr_assert_gt(load.waited, 0, "no wait counted");
	cr_assert_leq(load.running, BOUND_RUNNING);
	cr_assert_leq(load.running + load.waiting, BOUND_TARGETS);
	run_fini(&r);
}

Test(health_engine, without_the_bound_the_same_checks_overlap)
{
	struct xlb_health_load load;
	struct run r;
	int i;

	run_init(&r);
	for (i = 0; i < BOUND_TARGETS; i++)
		add_check(&r, i, BOUND_CHECK);
	run_for(&r, BOUND_RUN_MS);
	cr_assert_gt(r.max_running, BOUND_RUNNING, "%zu in flight at most", r.max_running);
	xlb_health__load(r.h, &load);
	cr_assert_eq(load.waited, 0, "%llu checks waited", (unsigned long long)load.waited);
	cr_assert_eq(load.waiting, 0);
	run_fini(&r);
}

Test(health_engine, add_refuses_what_cannot_be_checked)
{
	struct xlb_health_target_conf conf = {.family = XLB_AF_INET};
	struct xlb_health_target *t = NULL;
	struct xlb_errmsg e = {};
	struct run r;

	run_init(&r);
	xlb_check_spec__init(&conf.spec, XLB_CHECK_TCP);
	cr_assert_eq(xlb_health__add(r.h, &conf, &t, &e), -EINVAL);
	cr_assert_str_eq(e.text, "check: a tcp check of a port-0 backend needs 'port'");
	xlb_errmsg__clear(&e);
	conf.family = 0;
	conf.port = 80;
	cr_assert_eq(xlb_health__add(r.h, &conf, &t, &e), -EINVAL);
	cr_assert_str_eq(e.text, "check: bad address family 0");
	cr_assert_null(t);
	/* type none: held, never checked */
	conf.family = XLB_AF_INET6;
	xlb_check_spec__init(&conf.spec, XLB_CHECK_NONE);
	cr_assert_eq(xlb_health__add(r.h, &conf, &t, NULL), 0);
	run_for(&r, 50);
	cr_assert_eq(r.nr_results, 0);
	cr_assert_eq(xlb_health_target__state(t), XLB_HEALTH_UNKNOWN);
	run_fini(&r);
}

Test(health_result, output_is_one_bounded_line)
{
	struct xlb_check_result r = {};
	char big[LONG_TEXT];

	xlb_check_result__output(&r,
				 "a\tb\x01"
				 "c\r\n\n",
				 8);
	cr_assert_str_eq(r.output, "a b c");
	memset(big, 'x', sizeof(big));
	xlb_check_result__output(&r, big, sizeof(big));
	cr_assert_eq(strlen(r.output), XLB_CHECK_OUTPUT_LEN - 1);
	xlb_check_result__errno(&r, ECONNREFUSED);
	cr_assert_str_eq(r.text, "connect refused");
	cr_assert_eq(r.reason, XLB_CR_CONN_REFUSED);
	xlb_check_result__errno(&r, EHOSTUNREACH);
	cr_assert_str_eq(r.text, "host unreachable");
	cr_assert_str_eq(xlb_check_reason__name(XLB_CR_TLS_VERIFY), "tls_verify");
	cr_assert_str_eq(xlb_health_state__name(XLB_HEALTH_DOWN), "down");
}

/* Option parsing */

#define ARGV(...) ((char *[]){__VA_ARGS__})
#define ARGC(...) ((int)(sizeof((char *[]){__VA_ARGS__}) / sizeof(char *)))
#define PARSE(spec, e, ...)                                                                        \
	xlb_check_spec__parse(spec, ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), NULL, e)

Test(check_spec, defaults)
{
	struct xlb_check_spec s;

	cr_assert_eq(PARSE(&s, NULL, "check", "http"), 0);
	cr_assert_eq(s.type, XLB_CHECK_HTTP);
	cr_assert_eq(s.interval_ns, 2 * XLB_NSEC_PER_SEC);
	cr_assert_eq(s.timeout_ns, XLB_NSEC_PER_SEC);
	cr_assert_eq(s.rise, 2);
	cr_assert_eq(s.fall, 3);
	cr_assert_eq(s.port, 0);
	cr_assert_str_eq(s.method, "GET");
	cr_assert_str_eq(s.path, "/health");
	cr_assert_eq(s.nr_expect, 1);
	cr_assert_eq(s.expect[0].lo, 200);
	cr_assert_eq(s.expect[0].hi, 200);
	cr_assert_not(s.tls);
	cr_assert_eq(PARSE(&s, NULL, "https"), 0);
	cr_assert(s.tls);
	cr_assert_not(s.insecure);
}

Test(check_spec, every_option)
{
	struct xlb_check_spec s;
	char *argv[XLB_CHECK_MAX_ARGS + 2];

	cr_assert_eq(PARSE(&s, NULL, "check", "http", "path", "/health", "expect", "200-299",
			   "interval", "2s", "timeout", "1s", "rise", "2", "fall", "3", "port",
			   "8080", "host", "example.test"),
		     0);
	cr_assert_eq(s.expect[0].lo, 200);
	cr_assert_eq(s.expect[0].hi, 299);
	cr_assert_eq(s.port, 8080);
	cr_assert_str_eq(s.host, "example.test");

	cr_assert_eq(PARSE(&s, NULL, "http", "method", "head", "body", "all good", "expect",
			   "200,204,301-302"),
		     0);
	cr_assert_str_eq(s.method, "HEAD");
	cr_assert_str_eq(s.body, "all good");
	cr_assert_eq(s.nr_expect, 3);
	cr_assert(xlb_check_expect__match(&s, 204));
	cr_assert(xlb_check_expect__match(&s, 302));
	cr_assert_not(xlb_check_expect__match(&s, 203));

	cr_assert_eq(PARSE(&s, NULL, "https", "ca", "/etc/xlb/ca.pem", "sni", "backend.test"), 0);
	cr_assert_str_eq(s.ca_file, "/etc/xlb/ca.pem");
	cr_assert_str_eq(s.sni, "backend.test");
	cr_assert_eq(PARSE(&s, NULL, "https", "insecure"), 0);
	cr_assert(s.insecure);

	cr_assert_eq(PARSE(&s, NULL, "grpc", "service", "db.v1.Store", "tls", "ca", "/ca.pem"), 0);
	cr_assert(s.tls);
	cr_assert_str_eq(s.service, "db.v1.Store");
	cr_assert_eq(PARSE(&s, NULL, "grpc"), 0);
	cr_assert_not(s.tls);

	cr_assert_eq(PARSE(&s, NULL, "script", "/usr/lib/xlb/probe", "arg", "-v", "arg",
			   "two words", "timeout", "500ms"),
		     0);
	cr_assert_eq(xlb_check_spec__argv(&s, argv), 3);
	cr_assert_str_eq(argv[0], "/usr/lib/xlb/probe");
	cr_assert_str_eq(argv[1], "-v");
	cr_assert_str_eq(argv[2], "two words");
	cr_assert_null(argv[3]);
	cr_assert_eq(s.timeout_ns, 500 * MS);

	cr_assert_eq(PARSE(&s, NULL, "none"), 0);
	cr_assert_eq(s.type, XLB_CHECK_NONE);
	cr_assert_eq(PARSE(&s, NULL, "tcp", "port", "65535"), 0);
}

Test(check_spec, prefixes)
{
	struct xlb_check_spec s;

	cr_assert_eq(PARSE(&s, NULL, "gr", "serv", "x", "int", "300ms"), 0);
	cr_assert_eq(s.type, XLB_CHECK_GRPC);
	cr_assert_str_eq(s.service, "x");
	cr_assert_eq(s.interval_ns, 300 * MS);
	/* "in" cannot mean insecure, which only its full name turns on */
	cr_assert_eq(PARSE(&s, NULL, "https", "in", "5s"), 0);
	cr_assert_eq(s.interval_ns, 5 * XLB_NSEC_PER_SEC);
	cr_assert_not(s.insecure);
	/* an exact name wins over the longer names it begins */
	cr_assert_eq(PARSE(&s, NULL, "http", "pa", "/x"), 0);
	cr_assert_eq(s.type, XLB_CHECK_HTTP);
	cr_assert_str_eq(s.path, "/x");
}

Test(check_spec, short_interval_shortens_the_default_timeout)
{
	struct xlb_check_spec s;

	cr_assert_eq(PARSE(&s, NULL, "tcp", "interval", "200ms"), 0);
	cr_assert_eq(s.timeout_ns, 200 * MS);
	cr_assert_eq(PARSE(&s, NULL, "tcp", "interval", "200ms", "timeout", "150ms"), 0);
	cr_assert_eq(s.timeout_ns, 150 * MS);
}

Test(check_spec, stops_at_a_word_of_the_caller)
{
	struct xlb_check_spec s;
	char *words[] = {"check", "http", "path", "/x", "weight", "100"};
	char *words2[] = {"tcp", "path", "/x"};
	char *words3[] = {"http", "p", "1"};
	struct xlb_errmsg e = {};
	int used = -1;

	cr_assert_eq(xlb_check_spec__parse(&s, 6, words, &used, &e), 0);
	cr_assert_eq(used, 4);
	cr_assert_str_eq(s.path, "/x");
	cr_assert_eq(xlb_check_spec__parse(&s, 3, words2, &used, &e), 0);
	cr_assert_eq(used, 1);
	/* an ambiguous word is an error even so */
	cr_assert_eq(xlb_check_spec__parse(&s, 3, words3, &used, &e), -EINVAL);
	cr_assert_str_eq(e.text, "check: ambiguous 'p': port, path");
}

struct bad_case {
	int argc;
	char *argv[24];
	const char *error;
};

Test(check_spec, every_bad_input_names_the_bad_word)
{
	static char long_path[LONG_TEXT];
	static char *many_args[2 + 2 * MANY_ARGS];
	const struct bad_case cases[] = {
		{0, {}, "check: missing type (none, tcp, http, https, grpc, script)"},
		{1, {"check"}, "check: missing type (none, tcp, http, https, grpc, script)"},
		{1, {"htp"}, "check: unknown type 'htp' (none, tcp, http, https, grpc, script)"},
		{1, {"h"}, "check: ambiguous type 'h': http, https"},
		{3,
		 {"http", "pth", "/x"},
		 "check: unknown option 'pth' of http (interval, timeout, rise, fall, port, "
		 "method, path, expect, body, host)"},
		{3, {"tcp", "path", "/x"}, "check: 'path' is not an option of tcp checks"},
		{3,
		 {"none", "interval", "1s"},
		 "check: 'interval' is not an option of none checks"},
		{2, {"http", "p"}, "check: ambiguous 'p': port, path"},
		/* insecure is never taken from a prefix */
		{2,
		 {"https", "insec"},
		 "check: unknown option 'insec' of https (interval, timeout, rise, fall, port, "
		 "method, "
		 "path, expect, body, host, ca, sni, insecure)"},
		{2, {"http", "interval"}, "check: missing value after 'interval'"},
		{3, {"http", "interval", "2x"}, "check: bad interval '2x' (e.g. 500ms, 2s, 1m)"},
		{3,
		 {"http", "interval", "1.5s"},
		 "check: bad interval '1.5s' (e.g. 500ms, 2s, 1m)"},
		{3, {"http", "interval", "5ms"}, "check: interval '5ms' out of range 10ms..1h"},
		{3, {"http", "interval", "2h"}, "check: interval '2h' out of range 10ms..1h"},
		{3, {"http", "timeout", "0ms"}, "check: timeout '0ms' out of range 1ms..1h"},
		{3, {"http", "timeout", "3s"}, "check: timeout 3s exceeds interval 2s"},
		{3, {"http", "rise", "0"}, "check: bad rise '0' (1..1000)"},
		{3, {"http", "rise", "1001"}, "check: bad rise '1001' (1..1000)"},
		{3, {"http", "fall", "x"}, "check: bad fall 'x' (1..1000)"},
		{3, {"http", "fall", "-1"}, "check: bad fall '-1' (1..1000)"},
		{3, {"tcp", "port", "70000"}, "check: bad port '70000' (1..65535)"},
		{3, {"tcp", "port", "0"}, "check: bad port '0' (1..65535)"},
		{3,
		 {"http", "expect", "99"},
		 "check: bad expect '99' (statuses 100..599, e.g. 200-299,301; at most 8)"},
		{3,
		 {"http", "expect", "300-200"},
		 "check: bad expect '300-200' (statuses 100..599, e.g. 200-299,301; at most 8)"},
		{3, {"http", "method", "GE T"}, "check: bad method 'GE T'"},
		{3, {"http", "method", ""}, "check: bad method ''"},
		{3, {"http", "path", "health"}, "check: bad path 'health' (must start with /)"},
		{3, {"http", "path", "/a b"}, "check: bad path '/a b'"},
		{3, {"http", "body", ""}, "check: bad body ''"},
		{3, {"http", "host", "a b"}, "check: bad host 'a b'"},
		{3, {"https", "sni", "a:1"}, "check: bad sni 'a:1'"},
		{3, {"grpc", "service", "a b"}, "check: bad service 'a b'"},
		{5, {"http", "path", "/a", "path", "/b"}, "check: 'path' given twice"},
		{4,
		 {"https", "insecure", "ca", "/ca.pem"},
		 "check: 'insecure' and 'ca' exclude each other"},
		{3, {"grpc", "ca", "/ca.pem"}, "check: 'ca' needs 'tls' on a grpc check"},
		{2, {"grpc", "insecure"}, "check: 'insecure' needs 'tls' on a grpc check"},
		{1, {"script"}, "check: missing program after 'script'"},
		{2,
		 {"script", "probe.sh"},
		 "check: script program 'probe.sh' is not an absolute path"},
		{6,
		 {"script", "/bin/probe", "arg", "a", "arg", "b\nc"},
		 "check: script arg 2 holds a control character (a tab is the only one allowed)"},
	};
	struct xlb_check_spec s;
	struct xlb_errmsg e;
	size_t i;

	long_path[0] = '/';
	memset(long_path + 1, 'a', sizeof(long_path) - 2);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad_case *c = &cases[i];

		xlb_errmsg__clear(&e);
		cr_expect_eq(xlb_check_spec__parse(&s, c->argc, c->argv, NULL, &e), -EINVAL,
			     "case %zu (%s) was accepted", i, c->error);
		cr_expect_str_eq(e.text, c->error, "case %zu", i);
	}
	xlb_errmsg__clear(&e);
	cr_assert_eq(xlb_check_spec__parse(&s, 3, (char *[]){"http", "path", long_path}, NULL, &e),
		     -EINVAL);
	cr_assert(strstr(e.text, "check: path '/aaaa") && strstr(e.text, "longer than 255 bytes"),
		  "%s", e.text);
	/* more script arguments than fit */
	many_args[0] = "script";
	many_args[1] = "/bin/true";
	for (i = 0; i < MANY_ARGS; i++) {
		many_args[2 + 2 * i] = "arg";
		many_args[3 + 2 * i] = "x";
	}
	xlb_errmsg__clear(&e);
	cr_assert_eq(xlb_check_spec__parse(&s, 2 + 2 * MANY_ARGS, many_args, NULL, &e), -EINVAL);
	cr_assert_str_eq(e.text, "check: too many script arguments at 'x' (16, 512 bytes)");
}

/* Splits text in place into words the way format quotes them: blanks
 * separate, "..." groups, a backslash escapes inside quotes. */
static int split_words(char *text, char **words, int max)
{
	char *in = text, *out = text;
	int n = 0;

	while (*in && n < max) {
		while (*in == ' ')
			in++;
		if (!*in)
			break;
		words[n++] = out;
		if (*in == '"') {
			for (in++; *in && *in != '"'; in++) {
				if (*in == '\\' && in[1])
					in++;
				*out++ = *in;
			}
			if (*in)
				in++;
		} else {
			while (*in && *in != ' ')
				*out++ = *in++;
		}
		if (*in)
			in++;
		*out++ = '\0';
	}
	return n;
}

Test(check_spec, format_parses_back_to_the_same_spec)
{
	const char *cases[][16] = {
		{"http"},
		{"tcp", "interval", "200ms", "fall", "5", "port", "8081"},
		{"http", "method", "HEAD", "path", "/ready", "expect", "200-299,301", "body",
		 "all \"good\"", "host", "example.test", "interval", "1m", "timeout", "1500ms"},
		{"https", "ca", "/etc/ca dir/ca.pem", "sni", "backend.test", "rise", "1"},
		{"https", "insecure", "interval", "1h"},
		{"grpc", "service", "db", "tls", "sni", "b.test", "timeout", "1500us"},
		{"script", "/usr/lib/probe", "arg", "-c", "arg", "", "arg", "a b\\c"},
		{"none"},
	};
	struct xlb_check_spec a, b;
	char text[1024], *words[64];
	size_t i;
	int n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (n = 0; cases[i][n]; n++)
			words[n] = (char *)(uintptr_t)cases[i][n];
		cr_assert_eq(xlb_check_spec__parse(&a, n, words, NULL, NULL), 0, "case %zu", i);
		cr_assert_eq(xlb_check_spec__format(&a, text, sizeof(text)), 0);
		n = split_words(text, words, 64);
		cr_assert_geq(n, 1, "case %zu: '%s'", i, text);
		cr_assert_eq(xlb_check_spec__parse(&b, n, words, NULL, NULL), 0, "'%s'", text);
		cr_assert_eq(memcmp(&a, &b, sizeof(a)), 0, "case %zu changed: '%s'", i, text);
	}
	cr_assert_eq(xlb_check_spec__parse(&a, 1, (char *[]){"http"}, NULL, NULL), 0);
	cr_assert_eq(xlb_check_spec__format(&a, text, 4), -ENOSPC);
}

/* Status lists and durations */

Test(check_expect, lists_and_ranges)
{
	struct xlb_status_range r[XLB_CHECK_MAX_RANGES];
	const char *bad[] = {"",	",",
			     "200,",	"abc",
			     "99",	"600",
			     "200-",	"-200",
			     "300-200", "2000",
			     "20 0",	"200-299-300",
			     "1,2",	"200,201,202,203,204,205,206,207,208"};
	uint8_t n = 0;
	size_t i;

	cr_assert_eq(xlb_check_expect__parse("200-299,301", r, &n), 0);
	cr_assert_eq(n, 2);
	cr_assert_eq(r[0].lo, 200);
	cr_assert_eq(r[0].hi, 299);
	cr_assert_eq(r[1].lo, 301);
	cr_assert_eq(r[1].hi, 301);
	cr_assert_eq(xlb_check_expect__parse("100-599", r, &n), 0);
	cr_assert_eq(xlb_check_expect__parse("200,201,202,203,204,205,206,207", r, &n), 0);
	cr_assert_eq(n, XLB_CHECK_MAX_RANGES);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = 99;
		cr_expect_eq(xlb_check_expect__parse(bad[i], r, &n), -EINVAL, "'%s' accepted",
			     bad[i]);
		cr_expect_eq(n, 99, "'%s' changed the count", bad[i]);
	}
}

Test(check_expect, match)
{
	struct xlb_check_spec s;

	cr_assert_eq(PARSE(&s, NULL, "http", "expect", "200-299,301"), 0);
	cr_assert(xlb_check_expect__match(&s, 200));
	cr_assert(xlb_check_expect__match(&s, 250));
	cr_assert(xlb_check_expect__match(&s, 299));
	cr_assert(xlb_check_expect__match(&s, 301));
	cr_assert_not(xlb_check_expect__match(&s, 300));
	cr_assert_not(xlb_check_expect__match(&s, 302));
	cr_assert_not(xlb_check_expect__match(&s, 199));
	cr_assert_not(xlb_check_expect__match(&s, 0));
}

Test(duration, parse_and_format)
{
	const char *bad[] = {"",
			     "s",
			     "1.5s",
			     "-1s",
			     "2x",
			     "1 s",
			     "99999999999999999999s",
			     "18446744073709551615h"};
	uint64_t ns = 0;
	char buf[32];
	size_t i;

	cr_assert_eq(xlb_duration__parse("2s", &ns), 0);
	cr_assert_eq(ns, 2 * XLB_NSEC_PER_SEC);
	cr_assert_eq(xlb_duration__parse("3", &ns), 0);
	cr_assert_eq(ns, 3 * XLB_NSEC_PER_SEC);
	cr_assert_eq(xlb_duration__parse("500ms", &ns), 0);
	cr_assert_eq(ns, 500 * MS);
	cr_assert_eq(xlb_duration__parse("250us", &ns), 0);
	cr_assert_eq(ns, 250000);
	cr_assert_eq(xlb_duration__parse("2m", &ns), 0);
	cr_assert_eq(ns, 120 * XLB_NSEC_PER_SEC);
	cr_assert_eq(xlb_duration__parse("1h", &ns), 0);
	cr_assert_eq(ns, 3600 * XLB_NSEC_PER_SEC);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(xlb_duration__parse(bad[i], &ns), -EINVAL, "'%s' accepted", bad[i]);
	xlb_duration__format(1500 * MS, buf, sizeof(buf));
	cr_assert_str_eq(buf, "1500ms");
	xlb_duration__format(120 * XLB_NSEC_PER_SEC, buf, sizeof(buf));
	cr_assert_str_eq(buf, "2m");
	xlb_duration__format(7200 * XLB_NSEC_PER_SEC, buf, sizeof(buf));
	cr_assert_str_eq(buf, "2h");
	xlb_duration__format(90 * XLB_NSEC_PER_SEC, buf, sizeof(buf));
	cr_assert_str_eq(buf, "90s");
}

/* gRPC frames */

Test(grpc_codec, encodes_the_request)
{
	uint8_t buf[512], small[6];
	char service[201];

	cr_assert_eq(xlb_grpc__encode_check("", buf, sizeof(buf)), 5);
	cr_assert_eq(memcmp(buf, "\0\0\0\0\0", 5), 0);
	cr_assert_eq(xlb_grpc__encode_check("svc", buf, sizeof(buf)), 10);
	cr_assert_eq(memcmp(buf, "\0\0\0\0\x05\x0a\x03svc", 10), 0);
	memset(service, 'a', 200);
	service[200] = '\0';
	/* 200 needs a two-byte varint: 0xc8 0x01 */
	cr_assert_eq(xlb_grpc__encode_check(service, buf, sizeof(buf)), 5 + 3 + 200);
	cr_assert_eq(memcmp(buf, "\0\0\0\0\xcb\x0a\xc8\x01", 8), 0);
	cr_assert_eq(xlb_grpc__encode_check("svc", small, sizeof(small)), -ENOSPC);
	cr_assert_eq(xlb_grpc__encode_check("", small, 4), -ENOSPC);
}

struct frame {
	const char *what;
	size_t len;
	const char *bytes;
	int err;
	uint32_t status;
};

Test(grpc_codec, decodes_responses_and_refuses_malformed_ones)
{
	const struct frame frames[] = {
		{"serving", 7, "\0\0\0\0\x02\x08\x01", 0, XLB_GRPC_SERVING},
		{"not serving", 7, "\0\0\0\0\x02\x08\x02", 0, XLB_GRPC_NOT_SERVING},
		{"empty is UNKNOWN", 5, "\0\0\0\0\0", 0, XLB_GRPC_UNKNOWN},
		{"unknown fields skipped", 27,
		 "\0\0\0\0\x16\x10\x05\x1a\x02xy\x25\x01\x02\x03\x04\x29\x01\x02\x03\x04\x05\x06"
		 "\x07\x08"
		 "\x08\x01",
		 0, XLB_GRPC_SERVING},
		{"last one wins", 9, "\0\0\0\0\x04\x08\x02\x08\x01", 0, XLB_GRPC_SERVING},
		{"long varint", 16, "\0\0\0\0\x0b\x08\x81\x80\x80\x80\x80\x80\x80\x80\x80\x00", 0,
		 1},
		{"short header", 4, "\0\0\0\0", -EBADMSG, 0},
		{"nothing", 0, "", -EBADMSG, 0},
		{"compressed", 7, "\x01\0\0\0\x02\x08\x01", -EBADMSG, 0},
		{"length too long", 7, "\0\0\0\0\x03\x08\x01", -EBADMSG, 0},
		{"trailing bytes", 8, "\0\0\0\0\x02\x08\x01\x00", -EBADMSG, 0},
		{"truncated value", 6, "\0\0\0\0\x01\x08", -EBADMSG, 0},
		{"truncated varint", 7, "\0\0\0\0\x02\x08\xff", -EBADMSG, 0},
		{"varint of 11 bytes", 17,
		 "\0\0\0\0\x0c\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", -EBADMSG, 0},
		{"field 0", 7, "\0\0\0\0\x02\x00\x01", -EBADMSG, 0},
		{"status as bytes", 8, "\0\0\0\0\x03\x0a\x01\x01", -EBADMSG, 0},
		{"status as fixed32", 10, "\0\0\0\0\x05\x0d\x01\x00\x00\x00", -EBADMSG, 0},
		{"group start", 7, "\0\0\0\0\x02\x13\x01", -EBADMSG, 0},
		{"group end", 6, "\0\0\0\0\x01\x14", -EBADMSG, 0},
		{"wire type 6", 7, "\0\0\0\0\x02\x16\x01", -EBADMSG, 0},
		{"wire type 7", 7, "\0\0\0\0\x02\x0f\x01", -EBADMSG, 0},
		{"bytes past the end", 8, "\0\0\0\0\x03\x1a\x05\x01", -EBADMSG, 0},
		{"huge length", 16, "\0\0\0\0\x0b\x1a\xff\xff\xff\xff\xff\xff\xff\xff\x7f\x01",
		 -EBADMSG, 0},
		{"fixed32 cut", 8, "\0\0\0\0\x03\x15\x01\x02", -EBADMSG, 0},
		{"fixed64 cut", 10, "\0\0\0\0\x05\x11\x01\x02\x03\x04", -EBADMSG, 0},
	};
	uint32_t status;
	size_t i;

	for (i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
		const struct frame *f = &frames[i];

		status = 0xdead;
		cr_expect_eq(xlb_grpc__decode_check((const uint8_t *)f->bytes, f->len, &status),
			     f->err, "%s", f->what);
		if (!f->err)
			cr_expect_eq(status, f->status, "%s: status %u", f->what, status);
	}
}

Test(grpc_codec, names)
{
	cr_assert_str_eq(xlb_grpc_status__name(0), "OK");
	cr_assert_str_eq(xlb_grpc_status__name(5), "NOT_FOUND");
	cr_assert_str_eq(xlb_grpc_status__name(12), "UNIMPLEMENTED");
	cr_assert_str_eq(xlb_grpc_status__name(16), "UNAUTHENTICATED");
	cr_assert_null(xlb_grpc_status__name(17));
	cr_assert_null(xlb_grpc_status__name(-1));
	cr_assert_str_eq(xlb_grpc_serving__name(XLB_GRPC_NOT_SERVING), "NOT_SERVING");
	cr_assert_null(xlb_grpc_serving__name(4));
}
