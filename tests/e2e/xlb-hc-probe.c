// SPDX-License-Identifier: MIT
/*
 * xlb-hc-probe: runs the health-check engine on its own loop for a bounded
 * time against the given targets and prints what it decides, for the e2e
 * health tests.
 *
 *   xlb-hc-probe [-v] -d DURATION target ADDR PORT [name N] [vip V]
 *                [seed up|down] check TYPE OPTIONS... [target ...]
 *
 * Lines (times are epoch seconds, to compare with `date +%s.%N`):
 *   change TIME NAME STATE TEXT
 *   result TIME NAME ok|fail LATENCY_MS TEXT | OUTPUT     (with -v)
 *   final NAME STATE CHECKS TEXT | OUTPUT
 *   stats TIME results N ok N late N late_max_ms X latency_max_ms X   (on SIGUSR1)
 * The stats are counted since the start, for bench/hc_cost.sh to take the
 * difference over a window; "late" is a check that started more than
 * LATE_NS after it was due.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "health.h"
#include "log.h"

#define MAX_TARGETS 8192 /* bench/hc_cost.sh probes up to thousands */
#define NAME_LEN    64
#define EXIT_USAGE  2
#define LATE_NS	    (100 * XLB_NSEC_PER_MSEC) /* a tenth of the default timeout */

struct probe_target {
	char name[NAME_LEN];
	struct xlb_health_target *t;
};

struct probe {
	struct xlb_loop loop;
	struct xlb_health_engine *h;
	struct probe_target targets[MAX_TARGETS];
	int nr_targets;
	bool verbose;
	uint64_t duration_ns;
	uint64_t results, ok, late, late_max_ns, latency_max_ns;
};

static void usage(void)
{
	fprintf(stderr, "usage: xlb-hc-probe [-v] -d DURATION target ADDR PORT [name N] [vip V] "
			"[seed up|down] check TYPE OPTIONS... [target ...]\n");
}

/* A monotonic time as epoch seconds. */
static double epoch_of(uint64_t mono_ns)
{
	struct timespec rt;
	double now_real;

	clock_gettime(CLOCK_REALTIME, &rt);
	now_real = (double)rt.tv_sec + (double)rt.tv_nsec / XLB_NSEC_PER_SEC;
	return now_real - (double)(xlb_now_ns() - mono_ns) / XLB_NSEC_PER_SEC;
}

static const char *name_of(struct xlb_health_target *t)
{
	return ((struct probe_target *)xlb_health_target__user(t))->name;
}

static void on_change(struct xlb_health_target *t, enum xlb_health state, uint64_t decided,
		      void *arg)
{
	struct xlb_health_status st;

	(void)arg;
	xlb_health_target__status(t, &st);
	printf("change %.3f %s %s %s\n", epoch_of(decided), name_of(t),
	       xlb_health_state__name(state), st.last.text);
}

static void on_result(struct xlb_health_target *t, const struct xlb_check_result *r, void *arg)
{
	struct probe *p = arg;

	p->results++;
	p->ok += r->reason == XLB_CR_OK;
	p->late += r->late_ns > LATE_NS;
	if (r->late_ns > p->late_max_ns)
		p->late_max_ns = r->late_ns;
	if (r->latency_ns > p->latency_max_ns)
		p->latency_max_ns = r->latency_ns;
	if (!p->verbose)
		return;
	printf("result %.3f %s %s %.1f %s | %s\n", epoch_of(r->at_ns), name_of(t),
	       r->reason == XLB_CR_OK ? "ok" : "fail", (double)r->latency_ns / XLB_NSEC_PER_MSEC,
	       r->text, r->output);
}

static void on_stop(struct xlb_loop *loop, int fd, uint32_t events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	xlb_loop__stop(loop);
}

static void print_stats(const struct probe *p)
{
	printf("stats %.3f results %llu ok %llu late %llu late_max_ms %.1f latency_max_ms %.1f\n",
	       epoch_of(xlb_now_ns()), (unsigned long long)p->results, (unsigned long long)p->ok,
	       (unsigned long long)p->late, (double)p->late_max_ns / XLB_NSEC_PER_MSEC,
	       (double)p->latency_max_ns / XLB_NSEC_PER_MSEC);
}

/* SIGUSR1 prints the stats; SIGINT and SIGTERM stop. */
static void on_signal(struct xlb_loop *loop, int fd, uint32_t events, void *arg)
{
	int signo;

	(void)events;
	while ((signo = xlb_signalfd__read(fd)) > 0) {
		if (signo == SIGUSR1)
			print_stats(arg);
		else
			xlb_loop__stop(loop);
	}
}

/* Index of the next "target" word at or after i, or argc. */
static int next_target(int argc, char **argv, int i)
{
	while (i < argc && strcmp(argv[i], "target"))
		i++;
	return i;
}

static int parse_target(struct probe *p, int argc, char **argv, int i)
{
	struct probe_target *pt = &p->targets[p->nr_targets];
	enum xlb_health seed = XLB_HEALTH_UNKNOWN;
	struct xlb_health_target_conf conf = {};
	struct xlb_errmsg e = {};
	int end = next_target(argc, argv, i + 1), err;

	if (p->nr_targets == MAX_TARGETS || i + 2 >= end)
		return -EINVAL;
	if (inet_pton(AF_INET, argv[i + 1], &conf.addr.a[0]) == 1)
		conf.family = XLB_AF_INET;
	else if (inet_pton(AF_INET6, argv[i + 1], conf.addr.a) == 1)
		conf.family = XLB_AF_INET6;
	else
		return -EINVAL;
	conf.port = (uint16_t)atoi(argv[i + 2]);
	snprintf(pt->name, sizeof(pt->name), "%s:%s", argv[i + 1], argv[i + 2]);
	for (i += 3; i < end && strcmp(argv[i], "check"); i += 2) {
		if (i + 1 >= end)
			return -EINVAL;
		if (!strcmp(argv[i], "name"))
			snprintf(pt->name, sizeof(pt->name), "%s", argv[i + 1]);
		else if (!strcmp(argv[i], "vip"))
			snprintf(conf.vip, sizeof(conf.vip), "%s", argv[i + 1]);
		else if (!strcmp(argv[i], "seed"))
			seed = !strcmp(argv[i + 1], "up") ? XLB_HEALTH_UP : XLB_HEALTH_DOWN;
		else
			return -EINVAL;
	}
	err = xlb_check_spec__parse(&conf.spec, end - i, argv + i, NULL, &e);
	if (!err) {
		conf.user = pt;
		err = xlb_health__add(p->h, &conf, &pt->t, &e);
	}
	if (err) {
		fprintf(stderr, "xlb-hc-probe: %s: %s\n", pt->name, e.text);
		return err;
	}
	if (seed != XLB_HEALTH_UNKNOWN)
		xlb_health_target__seed(pt->t, seed, 0);
	p->nr_targets++;
	return end;
}

static void print_finals(struct probe *p)
{
	struct xlb_health_status st;
	int i;

	for (i = 0; i < p->nr_targets; i++) {
		xlb_health_target__status(p->targets[i].t, &st);
		printf("final %s %s %llu %s | %s\n", p->targets[i].name,
		       xlb_health_state__name(st.state), (unsigned long long)st.checks,
		       st.last.text, st.last.output);
	}
}

int main(int argc, char **argv)
{
	struct probe p = {.duration_ns = 0};
	int timerfd = -1, sigfd = -1, i, opt, err;
	sigset_t sigs;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* as a daemon does; the e2e test checks scripts do not inherit it */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		return 1;
	while ((opt = getopt(argc, argv, "+vd:")) != -1) {
		if (opt == 'v') {
			p.verbose = true;
		} else if (opt == 'd' && !xlb_duration__parse(optarg, &p.duration_ns)) {
			continue;
		} else {
			usage();
			return EXIT_USAGE;
		}
	}
	if (!p.duration_ns || optind >= argc || strcmp(argv[optind], "target")) {
		usage();
		return EXIT_USAGE;
	}
	err = xlb_loop__init(&p.loop);
	if (err)
		return 1;
	/* blocked before the targets are read: thousands take a while, and
	 * an early SIGUSR1 must not kill the probe */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGUSR1);
	err = sigfd = xlb_signalfd__open(&sigs);
	if (err < 0)
		goto cleanup;
	err = xlb_health__new(&p.loop, on_change, &p, &p.h);
	if (err)
		goto cleanup;
	xlb_health__set_result_cb(p.h, on_result);
	for (i = optind; i < argc;) {
		i = parse_target(&p, argc, argv, i);
		if (i < 0) {
			err = i;
			usage();
			goto cleanup;
		}
	}
	err = timerfd = xlb_timerfd__open();
	if (err < 0)
		goto cleanup;
	err = xlb_timerfd__arm(timerfd, p.duration_ns, 0);
	if (!err)
		err = xlb_loop__add(&p.loop, timerfd, EPOLLIN, on_stop, NULL);
	if (!err)
		err = xlb_loop__add(&p.loop, sigfd, EPOLLIN, on_signal, &p);
	if (!err)
		err = xlb_loop__run(&p.loop);
	if (!err)
		print_finals(&p);
cleanup:
	xlb_health__free(p.h);
	if (timerfd >= 0)
		close(timerfd);
	if (sigfd >= 0)
		close(sigfd);
	xlb_loop__fini(&p.loop);
	return err ? 1 : 0;
}
