// SPDX-License-Identifier: MIT
/*
 * The health engine: starts each target's check when the schedule
 * (health_sched.c) says it is due, times it out at its deadline, and feeds
 * each result to the target's rise/fall state machine. A change is reported
 * through on_change after everything else is done, so the callback may
 * remove the very target it is told about.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "curl_loop.h"
#include "health_int.h"
#include "log.h"

static const char *const state_names[XLB_HEALTH__MAX] = {
	[XLB_HEALTH_UNKNOWN] = "unknown",
	[XLB_HEALTH_UP] = "up",
	[XLB_HEALTH_DOWN] = "down",
};

static const char *const reason_names[XLB_CR__MAX] = {
	[XLB_CR_NONE] = "none",
	[XLB_CR_OK] = "ok",
	[XLB_CR_TIMEOUT] = "timeout",
	[XLB_CR_CONN_REFUSED] = "connect_refused",
	[XLB_CR_CONN_RESET] = "connection_reset",
	[XLB_CR_UNREACHABLE] = "unreachable",
	[XLB_CR_CONNECT] = "connect_error",
	[XLB_CR_HTTP_STATUS] = "http_status",
	[XLB_CR_BODY_MISMATCH] = "body_mismatch",
	[XLB_CR_EMPTY_REPLY] = "empty_reply",
	[XLB_CR_PROTOCOL] = "protocol_error",
	[XLB_CR_TLS_VERIFY] = "tls_verify",
	[XLB_CR_TLS_HANDSHAKE] = "tls_handshake",
	[XLB_CR_GRPC_STATUS] = "grpc_status",
	[XLB_CR_GRPC_NOT_SERVING] = "grpc_not_serving",
	[XLB_CR_GRPC_MALFORMED] = "grpc_malformed",
	[XLB_CR_EXIT] = "exit",
	[XLB_CR_SIGNAL] = "signal",
	[XLB_CR_SPAWN] = "spawn",
	[XLB_CR_ERROR] = "error",
};

const char *xlb_health_state__name(enum xlb_health state)
{
	return state >= 0 && state < XLB_HEALTH__MAX ? state_names[state] : "?";
}

const char *xlb_check_reason__name(enum xlb_check_reason reason)
{
	return reason >= 0 && reason < XLB_CR__MAX ? reason_names[reason] : "?";
}

bool xlb_health_sm__step(struct xlb_health_sm *sm, bool pass, uint32_t rise, uint32_t fall)
{
	if (pass) {
		sm->failures = 0;
		if (sm->passes < rise)
			sm->passes++;
		if (sm->state != XLB_HEALTH_UP && sm->passes >= rise) {
			sm->state = XLB_HEALTH_UP;
			return true;
		}
		return false;
	}
	sm->passes = 0;
	if (sm->failures < fall)
		sm->failures++;
	if (sm->state != XLB_HEALTH_DOWN && sm->failures >= fall) {
		sm->state = XLB_HEALTH_DOWN;
		return true;
	}
	return false;
}

/* Results */

void xlb_check_result__set(struct xlb_check_result *r, enum xlb_check_reason reason, int code,
			   const char *fmt, ...)
{
	va_list ap;

	memset(r, 0, sizeof(*r));
	r->reason = reason;
	r->code = code;
	va_start(ap, fmt);
	vsnprintf(r->text, sizeof(r->text), fmt, ap);
	va_end(ap);
}

void xlb_check_result__errno(struct xlb_check_result *r, int err)
{
	switch (err) {
	case ECONNREFUSED:
		xlb_check_result__set(r, XLB_CR_CONN_REFUSED, err, "connect refused");
		break;
	case ECONNRESET:
	case EPIPE:
		xlb_check_result__set(r, XLB_CR_CONN_RESET, err, "connection reset");
		break;
	case ETIMEDOUT:
		xlb_check_result__set(r, XLB_CR_TIMEOUT, err, "timeout");
		break;
	case EHOSTUNREACH:
		xlb_check_result__set(r, XLB_CR_UNREACHABLE, err, "host unreachable");
		break;
	case ENETUNREACH:
		xlb_check_result__set(r, XLB_CR_UNREACHABLE, err, "network unreachable");
		break;
	default:
		xlb_check_result__set(r, XLB_CR_CONNECT, err, "connect: %s", strerror(err));
		break;
	}
}

void xlb_check_result__output(struct xlb_check_result *r, const char *text, size_t len)
{
	size_t i, n = len < sizeof(r->output) - 1 ? len : sizeof(r->output) - 1;

	/* one line for `show`: trailing newlines dropped, control bytes blanked */
	while (n && (text[n - 1] == '\n' || text[n - 1] == '\r'))
		n--;
	for (i = 0; i < n; i++)
		r->output[i] = (unsigned char)text[i] < ' ' || text[i] == 0x7f ? ' ' : text[i];
	r->output[n] = '\0';
}

/* Targets' addresses */

uint16_t xlb_health_target__check_port(const struct xlb_health_target *t)
{
	return t->conf.spec.port ? t->conf.spec.port : t->conf.port;
}

socklen_t xlb_health_target__sockaddr(const struct xlb_health_target *t,
				      struct sockaddr_storage *ss)
{
	uint16_t port = htons(xlb_health_target__check_port(t));
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	if (t->conf.family == XLB_AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = port;
		memcpy(&sin->sin_addr, &t->conf.addr.a[0], sizeof(sin->sin_addr));
		return sizeof(*sin);
	}
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = port;
	memcpy(&sin6->sin6_addr, t->conf.addr.a, sizeof(sin6->sin6_addr));
	return sizeof(*sin6);
}

static const struct xlb_check_ops *ops_of(enum xlb_check_type type)
{
	switch (type) {
	case XLB_CHECK_TCP:
		return &xlb_check_tcp_ops;
	case XLB_CHECK_HTTP:
	case XLB_CHECK_HTTPS:
		return &xlb_check_http_ops;
	case XLB_CHECK_GRPC:
		return &xlb_check_grpc_ops;
	case XLB_CHECK_SCRIPT:
		return &xlb_check_script_ops;
	default:
		return NULL;
	}
}

static void log_change(const struct xlb_health_target *t)
{
	char addr[XLB_ADDRSTRLEN] = "?";

	if (xlb_addr__format(t->conf.family, &t->conf.addr, addr, sizeof(addr)))
		addr[0] = '\0';
	pr_info("health: %s port %u %s: %s\n", addr, xlb_health_target__check_port(t),
		xlb_health_state__name(t->sm.state), t->last.text);
}

void xlb_health__result(struct xlb_health_target *t, struct xlb_check_result *r)
{
	struct xlb_health_engine *h = t->h;
	uint64_t now = xlb_now_ns();
	bool changed;

	r->at_ns = now;
	r->latency_ns = now - t->started_ns;
	r->late_ns = t->late_ns;
	if (t->running)
		h->nr_running--;
	t->running = false;
	t->probe = NULL;
	t->last = *r;
	t->checks++;
	changed = xlb_health_sm__step(&t->sm, r->reason == XLB_CR_OK, t->conf.spec.rise,
				      t->conf.spec.fall);
	if (changed)
		t->since_ns = now;
	xlb_health_sched__next(t, now);
	xlb_health_sched__rearm(h);
	if (h->on_result)
		h->on_result(t, &t->last, h->arg);
	if (!changed)
		return;
	log_change(t);
	/* last: the callback may remove t */
	if (h->on_change)
		h->on_change(t, t->sm.state, now, h->arg);
}

static void start_check(struct xlb_health_target *t, uint64_t now)
{
	const struct xlb_check_ops *ops = ops_of(t->conf.spec.type);
	struct xlb_health_engine *h = t->h;
	struct xlb_check_result r;
	int err;

	t->running = true;
	h->nr_running++;
	t->late_ns = now > t->due_ns ? now - t->due_ns : 0;
	t->started_ns = now;
	xlb_health_sched__at(t, now + t->conf.spec.timeout_ns);
	err = ops->start(t);
	if (err) {
		xlb_check_result__set(&r, XLB_CR_ERROR, -err, "internal: %s", strerror(-err));
		xlb_health__result(t, &r);
	}
	/* t may be gone here: a check that ends at once reports from start */
}

static void time_out(struct xlb_health_target *t)
{
	const struct xlb_check_ops *ops = ops_of(t->conf.spec.type);
	struct xlb_check_result r;

	xlb_check_result__set(&r, XLB_CR_TIMEOUT, 0, "timeout");
	ops->cancel(t, &r);
	xlb_health__result(t, &r);
}

static void on_timer(struct xlb_loop *loop, struct xlb_loop_timer *timer, void *arg)
{
	struct xlb_health_engine *h = arg;
	uint64_t now;

	(void)loop;
	(void)timer;
	now = xlb_now_ns();
	while (!TAILQ_EMPTY(&h->waitq) && h->nr_running < h->max_running) {
		struct xlb_health_target *t = TAILQ_FIRST(&h->waitq);

		xlb_health_sched__unwait(t);
		start_check(t, xlb_now_ns());
	}
	/* every step moves the top's due time past now or out of the heap,
	 * so this ends */
	while (h->nr_heap && h->heap[0].due_ns <= now) {
		struct xlb_health_target *t = h->heap[0].t;

		if (t->running)
			time_out(t);
		else if (h->nr_running >= h->max_running)
			xlb_health_sched__wait(t);
		else
			start_check(t, xlb_now_ns()); /* starts may take a while */
	}
	xlb_health_sched__rearm(h);
}

/* The engine */

int xlb_health__new(struct xlb_loop *loop, xlb_health_change_cb on_change, void *arg,
		    struct xlb_health_engine **out)
{
	struct xlb_health_engine *h;
	int err;

	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->loop = loop;
	h->on_change = on_change;
	h->arg = arg;
	h->max_running = XLB_HEALTH_MAX_RUNNING;
	TAILQ_INIT(&h->waitq);
	LIST_INIT(&h->targets);
	if (getrandom(&h->rng, sizeof(h->rng), GRND_NONBLOCK) != sizeof(h->rng))
		h->rng = xlb_now_ns(); /* jitter needs spread, not secrecy */
	err = xlb_curl_loop__new(loop, &h->curl);
	if (err) {
		free(h);
		return err;
	}
	xlb_loop__timer_add(loop, &h->timer, on_timer, h);
	*out = h;
	return 0;
}

void xlb_health__set_result_cb(struct xlb_health_engine *h, xlb_health_result_cb on_result)
{
	h->on_result = on_result;
}

void xlb_health__load(const struct xlb_health_engine *h, struct xlb_health_load *out)
{
	out->running = h->nr_running;
	out->waiting = h->nr_waiting;
	out->waited = h->waited;
}

void xlb_health__set_max_running(struct xlb_health_engine *h, size_t max_running)
{
	h->max_running = max_running ? max_running : 1;
	xlb_health_sched__rearm(h); /* a raised bound lets waiting checks start at once */
}

static void stop_check(struct xlb_health_target *t)
{
	if (t->running) {
		ops_of(t->conf.spec.type)->cancel(t, NULL);
		t->h->nr_running--;
	}
	t->running = false;
	xlb_health_sched__unwait(t);
	t->probe = NULL;
	xlb_health_sched__remove(t);
}

void xlb_health__free(struct xlb_health_engine *h)
{
	if (!h)
		return;
	while (!LIST_EMPTY(&h->targets))
		xlb_health__remove(LIST_FIRST(&h->targets));
	xlb_check_script__free_orphans(h);
	xlb_loop__timer_del(h->loop, &h->timer);
	xlb_curl_loop__free(h->curl);
	free(h->heap);
	free(h);
}

static int check_conf(const struct xlb_health_target_conf *conf, struct xlb_errmsg *e)
{
	const struct xlb_check_spec *s = &conf->spec;

	if (conf->family != XLB_AF_INET && conf->family != XLB_AF_INET6)
		return xlb_errmsg__set(e, -EINVAL, "check: bad address family %d", conf->family);
	if (s->type < XLB_CHECK_NONE || s->type >= XLB_CHECK__MAX)
		return xlb_errmsg__set(e, -EINVAL, "check: bad type %d", s->type);
	if (s->type == XLB_CHECK_NONE)
		return 0;
	if (s->interval_ns < XLB_CHECK_MIN_INTERVAL_NS || !s->timeout_ns ||
	    s->timeout_ns > s->interval_ns || !s->rise || !s->fall)
		return xlb_errmsg__set(e, -EINVAL, "check: bad interval, timeout, rise or fall");
	if (s->type != XLB_CHECK_SCRIPT && !s->port && !conf->port)
		return xlb_errmsg__set(e, -EINVAL,
				       "check: a %s check of a port-0 backend needs 'port'",
				       xlb_check_type__name(s->type));
	if (s->type == XLB_CHECK_SCRIPT && s->program[0] != '/')
		return xlb_errmsg__set(e, -EINVAL, "check: script program is not an absolute path");
	return 0;
}

int xlb_health__add(struct xlb_health_engine *h, const struct xlb_health_target_conf *conf,
		    struct xlb_health_target **out, struct xlb_errmsg *e)
{
	struct xlb_health_target *t;
	int err;

	err = check_conf(conf, e);
	if (err)
		return err;
	err = xlb_health_sched__reserve(h);
	if (err)
		return xlb_errmsg__set(e, err, "check: out of memory");
	t = calloc(1, sizeof(*t));
	if (!t)
		return xlb_errmsg__set(e, -ENOMEM, "check: out of memory");
	t->h = h;
	t->conf = *conf;
	t->heap_idx = XLB_HEAP_NONE;
	t->since_ns = xlb_now_ns();
	LIST_INSERT_HEAD(&h->targets, t, link);
	h->nr_targets++;
	xlb_health_sched__first(t);
	xlb_health_sched__rearm(h);
	if (out)
		*out = t;
	return 0;
}

void xlb_health__remove(struct xlb_health_target *t)
{
	struct xlb_health_engine *h;

	if (!t)
		return;
	h = t->h;
	stop_check(t);
	LIST_REMOVE(t, link);
	h->nr_targets--;
	free(t);
	xlb_health_sched__rearm(h);
}

int xlb_health_target__set_spec(struct xlb_health_target *t, const struct xlb_check_spec *spec,
				struct xlb_errmsg *e)
{
	struct xlb_health_target_conf conf = t->conf;
	int err;

	conf.spec = *spec;
	err = check_conf(&conf, e);
	if (err)
		return err;
	stop_check(t);
	t->conf.spec = *spec;
	t->sm.passes = 0;
	t->sm.failures = 0;
	xlb_health_sched__first(t);
	xlb_health_sched__rearm(t->h);
	return 0;
}

void xlb_health_target__seed(struct xlb_health_target *t, enum xlb_health state, uint64_t since_ns)
{
	t->sm.state = state;
	t->sm.passes = 0;
	t->sm.failures = 0;
	t->since_ns = since_ns ? since_ns : xlb_now_ns();
}

void xlb_health_target__status(const struct xlb_health_target *t, struct xlb_health_status *st)
{
	st->state = t->sm.state;
	st->since_ns = t->since_ns;
	st->passes = t->sm.passes;
	st->failures = t->sm.failures;
	st->checks = t->checks;
	st->last = t->last;
}

enum xlb_health xlb_health_target__state(const struct xlb_health_target *t)
{
	return t->sm.state;
}

const struct xlb_health_target_conf *xlb_health_target__conf(const struct xlb_health_target *t)
{
	return &t->conf;
}

void *xlb_health_target__user(const struct xlb_health_target *t)
{
	return t->conf.user;
}
