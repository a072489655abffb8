// SPDX-License-Identifier: MIT
/*
 * xlbd's /metrics (docs/metrics.md). A scrape reads each per-CPU counter
 * array whole in batches (at 1,000 VIPs x 10 backends ~2 ms, against
 * 30-70 ms one object at a time; BENCHMARKS.md), then writes family by
 * family from the model.
 * The flow table is too big to walk in a scrape: the housekeeping tick
 * walks a slice of it (flow_count.c) and the scrape shows the last count.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "control.h"
#include "daemon.h"
#include "flow_count.h"
#include "health_sync.h"
#include "log.h"
#include "metrics.h"
#include "metrics_process.h"
#include "netaddr.h"

#define FLOW_WALK_BATCH	    2048    /* entries per batch lookup: ~0.7 ms on a full table */
#define FLOW_WALK_CALLS	    64	    /* batch lookups per tick at most */
#define FLOW_WALK_BUDGET_NS 5000000 /* and none started after 5 ms of a tick */
#define USEC_PER_SEC	    1e6
#define NSEC_PER_SEC	    1e9
#define U64S(type)	    (sizeof(type) / sizeof(__u64))
#define STAT_NAME_MAX	    64
#define BODY_SLACK_DIV	    8 /* room for 1/8 more than the last body */
#define STRINGIFY_(x)	    #x
#define STRINGIFY(x)	    STRINGIFY_(x)

struct xlbd_metrics {
	struct xlb_vip_counter *vip;
	struct xlb_counter *be;
	struct xlb_counter stats[XLB_STAT__MAX];
	char (*vip_name)[XLB_ADDRSTRLEN]; /* labels of the scrape, by model order */
	char (*be_name)[XLB_ADDRSTRLEN];
	size_t names_cap;
	size_t be_names_cap;
	struct xlb_flow_count flows;
	bool flows_ok;
	size_t last_len; /* the last scrape's body: the next one's first allocation */
	double start_time;
	double swap_bounds[XLB_SWAP_BUCKETS - 1];
	double latency_bounds[HS_LATENCY_BUCKETS - 1];
};

static int read_counters(struct xlbd *d, struct xlbd_metrics *mx)
{
	int err;

	err = xlb_percpu__sum_all(d->maps.stats, XLB_STAT__MAX, U64S(struct xlb_counter),
				  (__u64 *)mx->stats);
	if (!err)
		err = xlb_percpu__sum_all(d->maps.vip_stats, XLB_MAX_VIPS,
					  U64S(struct xlb_vip_counter), (__u64 *)mx->vip);
	if (!err)
		err = xlb_percpu__sum_all(d->maps.backend_stats, XLB_MAX_BACKENDS,
					  U64S(struct xlb_counter), (__u64 *)mx->be);
	return err;
}

/* "198.19.0.11:80", "[2001:2::11]:80". */
static void backend_name(const struct state_backend *b, char *buf, size_t len)
{
	char a[XLB_ADDRSTRLEN];

	if (xlb_addr__format(b->family, &b->addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	snprintf(buf, len, b->family == XLB_AF_INET6 ? "[%s]:%u" : "%s:%u", a, ntohs(b->port));
}

/* The label values of this scrape: VIPs in model order, then their
 * backends in the same order (be_name runs over every VIP's list). */
static int make_names(struct xlbd *d, struct xlbd_metrics *mx)
{
	size_t i, j, k = 0, nbe = 0;
	void *p;

	for (i = 0; i < d->state.nr_vips; i++)
		nbe += d->state.vips[i].nr_be;
	if (d->state.nr_vips > mx->names_cap) {
		p = realloc(mx->vip_name, d->state.nr_vips * sizeof(*mx->vip_name));
		if (!p)
			return -ENOMEM;
		mx->vip_name = p;
		mx->names_cap = d->state.nr_vips;
	}
	if (nbe > mx->be_names_cap) {
		p = realloc(mx->be_name, nbe * sizeof(*mx->be_name));
		if (!p)
			return -ENOMEM;
		mx->be_name = p;
		mx->be_names_cap = nbe;
	}
	for (i = 0; i < d->state.nr_vips; i++) {
		const struct state_vip *v = &d->state.vips[i];

		if (xlb_vip_key__format(&v->key, mx->vip_name[i], XLB_ADDRSTRLEN))
			snprintf(mx->vip_name[i], XLB_ADDRSTRLEN, "?");
		for (j = 0; j < v->nr_be; j++)
			backend_name(&v->be[j], mx->be_name[k++], XLB_ADDRSTRLEN);
	}
	return 0;
}

/* ---- per VIP ---- */

enum vip_metric {
	VM_PACKETS,
	VM_BYTES,
	VM_NEW_FLOWS,
	VM_REBUILDS,
};

static __u64 vip_value(struct xlbd *d, const struct state_vip *v, enum vip_metric m)
{
	const struct xlb_vip_counter *c = &d->metrics->vip[v->id];

	switch (m) {
	case VM_PACKETS:
		return c->packets;
	case VM_BYTES:
		return c->bytes;
	case VM_NEW_FLOWS:
		return c->new_flows;
	case VM_REBUILDS:
		return d->counters.ring_swaps[v->id];
	}
	return 0;
}

static void vip_counter(struct xlbd *d, struct xlb_http_reply *r, const char *name,
			const char *help, enum vip_metric m)
{
	struct xlb_metric_label l[1] = {{"vip", NULL}};
	size_t i;

	xlb_metrics__family(r, name, XLB_METRIC_COUNTER, help);
	for (i = 0; i < d->state.nr_vips; i++) {
		l[0].value = d->metrics->vip_name[i];
		xlb_metrics__u64(r, name, l, 1, vip_value(d, &d->state.vips[i], m));
	}
}

static void vip_drops(struct xlbd *d, struct xlb_http_reply *r)
{
	static const char name[] = "xlb_vip_drops_total";
	struct xlb_metric_label l[2] = {{"vip", NULL}, {"reason", NULL}};
	__u64 named;
	size_t i;

	xlb_metrics__family(r, name, XLB_METRIC_COUNTER,
			    "Packets for the VIP dropped, by reason (other: every drop but ACL "
			    "and rate limits).");
	for (i = 0; i < d->state.nr_vips; i++) {
		const struct xlb_vip_counter *c = &d->metrics->vip[d->state.vips[i].id];

		l[0].value = d->metrics->vip_name[i];
		l[1].value = "acl";
		xlb_metrics__u64(r, name, l, 2, c->acl_drops);
		l[1].value = "ratelimit_pps";
		xlb_metrics__u64(r, name, l, 2, c->rl_pps_drops);
		l[1].value = "ratelimit_flows";
		xlb_metrics__u64(r, name, l, 2, c->rl_flow_drops);
		named = c->acl_drops + c->rl_pps_drops + c->rl_flow_drops;
		l[1].value = "other";
		xlb_metrics__u64(r, name, l, 2, c->drops > named ? c->drops - named : 0);
	}
}

/* Whether v's ring holds a backend: some backend is active (backups are
 * in the ring exactly when no primary is). */
static bool vip_serving(const struct state_vip *v)
{
	bool open = state__vip_failing_open(v);
	size_t i;

	for (i = 0; i < v->nr_be; i++)
		if (state__backend_state(&v->be[i], open) == XLB_BE_ACTIVE)
			return true;
	return false;
}

static void vip_gauges(struct xlbd *d, struct xlb_http_reply *r)
{
	struct xlb_metric_label l[1] = {{"vip", NULL}};
	size_t i;

	xlb_metrics__family(r, "xlb_vip_serving", XLB_METRIC_GAUGE,
			    "1 while the VIP's ring holds a backend.");
	for (i = 0; i < d->state.nr_vips; i++) {
		l[0].value = d->metrics->vip_name[i];
		xlb_metrics__u64(r, "xlb_vip_serving", l, 1, vip_serving(&d->state.vips[i]));
	}
	if (!d->announce.table)
		return;
	xlb_metrics__family(r, "xlb_vip_announced", XLB_METRIC_GAUGE,
			    "1 while xlbd announces the VIP's route.");
	for (i = 0; i < d->state.nr_vips; i++) {
		enum xlb_announce_state st =
			announce__vip_state(&d->announce, &d->state.vips[i], d->attached);

		l[0].value = d->metrics->vip_name[i];
		xlb_metrics__u64(r, "xlb_vip_announced", l, 1, st == XLB_ANNOUNCE_ANNOUNCED);
	}
}

static void check_durations(struct xlbd *d, struct xlb_http_reply *r)
{
	static const char name[] = "xlb_health_check_duration_seconds";
	struct xlb_metric_label l[1] = {{"vip", NULL}};
	const struct health_sync_latency *lat;
	size_t i;

	xlb_metrics__family(r, name, XLB_METRIC_HISTOGRAM,
			    "Health-check durations of the VIP's backends, start to result.");
	for (i = 0; d->hs && i < d->state.nr_vips; i++) {
		lat = health_sync__latency(d->hs, d->state.vips[i].id);
		if (!lat)
			continue;
		l[0].value = d->metrics->vip_name[i];
		xlb_metrics__histogram(r, name, l, 1, d->metrics->latency_bounds,
				       HS_LATENCY_BUCKETS - 1, lat->buckets,
				       (double)lat->sum_us / USEC_PER_SEC);
	}
}

/* ---- per backend ---- */

enum be_metric {
	BM_PACKETS,
	BM_BYTES,
	BM_UP,
	BM_WEIGHT,
};

/* Up: health up, or no check to say otherwise; never while admin down. */
static bool backend_up(const struct state_vip *v, const struct state_backend *b)
{
	if (b->flags & XLB_BE_F_ADMIN_DOWN)
		return false;
	if (b->health == XLB_HEALTH_UNKNOWN)
		return !state__backend_check(v, b, NULL);
	return b->health == XLB_HEALTH_UP;
}

static __u64 be_value(struct xlbd *d, const struct state_vip *v, const struct state_backend *b,
		      enum be_metric m)
{
	switch (m) {
	case BM_PACKETS:
		return d->metrics->be[b->id].packets;
	case BM_BYTES:
		return d->metrics->be[b->id].bytes;
	case BM_UP:
		return backend_up(v, b);
	case BM_WEIGHT:
		return b->flags & XLB_BE_F_DRAIN ? 0 : b->weight;
	}
	return 0;
}

static void be_family(struct xlbd *d, struct xlb_http_reply *r, const char *name,
		      enum xlb_metric_type type, const char *help, enum be_metric m)
{
	struct xlb_metric_label l[2] = {{"vip", NULL}, {"backend", NULL}};
	size_t i, j, k = 0;

	xlb_metrics__family(r, name, type, help);
	for (i = 0; i < d->state.nr_vips; i++) {
		const struct state_vip *v = &d->state.vips[i];

		l[0].value = d->metrics->vip_name[i];
		for (j = 0; j < v->nr_be; j++) {
			l[1].value = d->metrics->be_name[k++];
			xlb_metrics__u64(r, name, l, 2, be_value(d, v, &v->be[j], m));
		}
	}
}

static const char *const be_state_names[] = {
	[XLB_BE_ACTIVE] = "active",
	[XLB_BE_DRAINING] = "draining",
	[XLB_BE_DOWN] = "down",
};

static void be_states(struct xlbd *d, struct xlb_http_reply *r)
{
	static const char name[] = "xlb_backend_state";
	struct xlb_metric_label l[3] = {{"vip", NULL}, {"backend", NULL}, {"state", NULL}};
	enum xlb_backend_state st, s;
	size_t i, j, k = 0;

	xlb_metrics__family(r, name, XLB_METRIC_GAUGE,
			    "1 for the backend's data-plane state (active, draining, down).");
	for (i = 0; i < d->state.nr_vips; i++) {
		const struct state_vip *v = &d->state.vips[i];
		bool open = state__vip_failing_open(v);

		l[0].value = d->metrics->vip_name[i];
		for (j = 0; j < v->nr_be; j++) {
			l[1].value = d->metrics->be_name[k++];
			st = state__backend_state(&v->be[j], open);
			for (s = XLB_BE_ACTIVE; s <= XLB_BE_DOWN; s++) {
				l[2].value = be_state_names[s];
				xlb_metrics__u64(r, name, l, 3, st == s);
			}
		}
	}
}

static void check_results(struct xlbd *d, struct xlb_http_reply *r)
{
	static const char name[] = "xlb_health_checks_total";
	struct xlb_metric_label l[3] = {{"vip", NULL}, {"backend", NULL}, {"result", NULL}};
	const __u64 *by;
	size_t i, j, k = 0;
	int reason;

	xlb_metrics__family(r, name, XLB_METRIC_COUNTER,
			    "Health-check results by outcome (one appears once it happened).");
	for (i = 0; i < d->state.nr_vips; i++) {
		const struct state_vip *v = &d->state.vips[i];

		l[0].value = d->metrics->vip_name[i];
		for (j = 0; j < v->nr_be; j++, k++) {
			by = d->hs ? health_sync__results(d->hs, v->be[j].id) : NULL;
			if (!by)
				continue;
			l[1].value = d->metrics->be_name[k];
			for (reason = XLB_CR_OK; reason < XLB_CR__MAX; reason++) {
				if (!by[reason])
					continue;
				l[2].value = xlb_check_reason__name(reason);
				xlb_metrics__u64(r, name, l, 3, by[reason]);
			}
		}
	}
}

/* ---- the data plane as a whole ---- */

static void packets(struct xlbd *d, struct xlb_http_reply *r)
{
	struct xlb_metric_label l[2] = {{"action", NULL}, {"reason", NULL}};
	char action[STAT_NAME_MAX];
	const char *us;
	int i;

	xlb_metrics__family(r, "xlb_packets_total", XLB_METRIC_COUNTER,
			    "Packets the program saw, by verdict (action) and its reason.");
	for (i = 0; i < XLB_STAT__VERDICTS; i++) {
		/* "drop_no_backend": action drop, reason no_backend */
		snprintf(action, sizeof(action), "%s", xlb_stat__name(i));
		us = strchr(action, '_');
		if (!us)
			continue;
		action[us - action] = '\0';
		l[0].value = action;
		l[1].value = us + 1;
		xlb_metrics__u64(r, "xlb_packets_total", l, 2, d->metrics->stats[i].packets);
	}
	xlb_metrics__family(r, "xlb_events_total", XLB_METRIC_COUNTER,
			    "Things the program counted besides the verdicts.");
	for (i = XLB_STAT__VERDICTS; i < XLB_STAT__MAX; i++) {
		l[0].name = "event";
		l[0].value = xlb_stat__name(i);
		xlb_metrics__u64(r, "xlb_events_total", l, 1, d->metrics->stats[i].packets);
	}
}

static void flows(struct xlbd *d, struct xlb_http_reply *r)
{
	const struct xlb_flow_count *fc = &d->metrics->flows;

	if (!d->metrics->flows_ok)
		return;
	if (fc->last_ns) {
		xlb_metrics__family(r, "xlb_flows", XLB_METRIC_GAUGE,
				    "Entries in the flow table, sampled: the last complete walk.");
		xlb_metrics__u64(r, "xlb_flows", NULL, 0, fc->last);
		xlb_metrics__family(r, "xlb_flows_sample_age_seconds", XLB_METRIC_GAUGE,
				    "Age of the last complete count of the flow table.");
		xlb_metrics__double(r, "xlb_flows_sample_age_seconds", NULL, 0,
				    (double)(xlb_now_ns() - fc->last_ns) / NSEC_PER_SEC);
	}
	xlb_metrics__family(r, "xlb_flows_max", XLB_METRIC_GAUGE, "Capacity of the flow table.");
	xlb_metrics__u64(r, "xlb_flows_max", NULL, 0, fc->max);
}

/* ---- the control plane ---- */

static void control_plane(struct xlbd *d, struct xlb_http_reply *r)
{
	struct xlb_ctl_health_stats hs = {};
	struct xlb_health_load load = {};
	struct xlb_metric_label l[2];

	if (d->hs) {
		health_sync__stats(d->hs, &hs);
		health_sync__load(d->hs, &load);
	}
	xlb_metrics__family(r, "xlb_health_decision_to_swap_seconds", XLB_METRIC_HISTOGRAM,
			    "Time from the check result that decided a backend's state to the "
			    "ring swap that applied it.");
	xlb_metrics__histogram(r, "xlb_health_decision_to_swap_seconds", NULL, 0,
			       d->metrics->swap_bounds, XLB_SWAP_BUCKETS - 1, hs.buckets,
			       (double)hs.swap_sum_us / USEC_PER_SEC);
	xlb_metrics__family(r, "xlb_health_changes_total", XLB_METRIC_COUNTER,
			    "Backend health changes decided by the checks.");
	xlb_metrics__u64(r, "xlb_health_changes_total", NULL, 0, hs.changes);
	xlb_metrics__family(r, "xlb_health_checks_running", XLB_METRIC_GAUGE,
			    "Health checks in flight.");
	xlb_metrics__u64(r, "xlb_health_checks_running", NULL, 0, load.running);
	xlb_metrics__family(r, "xlb_health_checks_waiting", XLB_METRIC_GAUGE,
			    "Health checks due but waiting for one in flight to end.");
	xlb_metrics__u64(r, "xlb_health_checks_waiting", NULL, 0, load.waiting);
	xlb_metrics__family(r, "xlb_health_checks_waited_total", XLB_METRIC_COUNTER,
			    "Health checks that started late, having waited for one in flight "
			    "to end.");
	xlb_metrics__u64(r, "xlb_health_checks_waited_total", NULL, 0, load.waited);
	xlb_metrics__family(r, "xlb_config_changes_total", XLB_METRIC_COUNTER,
			    "Changes committed (a batch counts once; reloads included).");
	xlb_metrics__u64(r, "xlb_config_changes_total", NULL, 0, d->counters.config_changes);
	xlb_metrics__family(r, "xlb_control_errors_total", XLB_METRIC_COUNTER,
			    "Control-socket requests refused with an error.");
	xlb_metrics__u64(r, "xlb_control_errors_total", NULL, 0, ctl_server__errors(d->ctl));
	xlb_metrics__family(r, "xlb_access_log_lines_total", XLB_METRIC_COUNTER,
			    "Access-log lines written.");
	xlb_metrics__u64(r, "xlb_access_log_lines_total", NULL, 0, d->counters.access_log_lines);
	xlb_metrics__family(r, "xlb_access_log_errors_total", XLB_METRIC_COUNTER,
			    "Access-log samples received but not written.");
	xlb_metrics__u64(r, "xlb_access_log_errors_total", NULL, 0, d->counters.access_log_errors);
	xlb_metrics__family(r, "xlb_attached", XLB_METRIC_GAUGE,
			    "1 while the program is attached.");
	xlb_metrics__u64(r, "xlb_attached", NULL, 0, d->attached);
	l[0] = (struct xlb_metric_label){"version", XLB_VERSION};
	l[1] = (struct xlb_metric_label){"abi", STRINGIFY(XLB_ABI_VERSION)};
	xlb_metrics__family(r, "xlb_build_info", XLB_METRIC_GAUGE,
			    "xlb's version and ABI; always 1.");
	xlb_metrics__u64(r, "xlb_build_info", l, 2, 1);
}

static void serve(void *arg, struct xlb_http_reply *r)
{
	struct xlbd *d = arg;
	struct xlbd_metrics *mx = d->metrics;
	int err;

	r->content_type = XLB_METRICS_CONTENT_TYPE;
	xlb_metrics__reserve(r, mx->last_len + mx->last_len / BODY_SLACK_DIV);
	err = read_counters(d, mx);
	if (!err)
		err = make_names(d, mx);
	if (err) {
		r->failed = true; /* answered 500: a partial scrape would lie */
		return;
	}
	vip_counter(d, r, "xlb_vip_packets_total", "Packets forwarded to a backend.", VM_PACKETS);
	vip_counter(d, r, "xlb_vip_bytes_total", "Bytes of those packets, as received.", VM_BYTES);
	vip_counter(d, r, "xlb_vip_new_flows_total", "Flows that were not in the flow table.",
		    VM_NEW_FLOWS);
	vip_drops(d, r);
	vip_gauges(d, r);
	vip_counter(d, r, "xlb_vip_ring_rebuilds_total",
		    "Times the VIP's ring was rebuilt and swapped.", VM_REBUILDS);
	check_durations(d, r);
	be_family(d, r, "xlb_backend_packets_total", XLB_METRIC_COUNTER,
		  "Packets sent to the backend.", BM_PACKETS);
	be_family(d, r, "xlb_backend_bytes_total", XLB_METRIC_COUNTER,
		  "Bytes of those packets, before encapsulation.", BM_BYTES);
	be_family(d, r, "xlb_backend_up", XLB_METRIC_GAUGE,
		  "1 while the backend's health is up (or it has no check).", BM_UP);
	be_family(d, r, "xlb_backend_weight", XLB_METRIC_GAUGE,
		  "Configured weight (0 while drained).", BM_WEIGHT);
	be_states(d, r);
	check_results(d, r);
	packets(d, r);
	flows(d, r);
	control_plane(d, r);
	metrics_process__write(r, mx->start_time);
	mx->last_len = r->len;
}

static void bounds_seconds(const __u64 *us, size_t n, double *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = (double)us[i] / USEC_PER_SEC;
}

static int metrics_new(struct xlbd *d, struct xlbd_metrics **out)
{
	static const __u64 swap_us[XLB_SWAP_BUCKETS - 1] = XLB_SWAP_BUCKET_BOUNDS_US;
	static const __u64 lat_us[HS_LATENCY_BUCKETS - 1] = HS_LATENCY_BOUNDS_US;
	struct xlbd_metrics *mx;
	int err;

	mx = calloc(1, sizeof(*mx));
	if (!mx)
		return -ENOMEM;
	mx->vip = calloc(XLB_MAX_VIPS, sizeof(*mx->vip));
	mx->be = calloc(XLB_MAX_BACKENDS, sizeof(*mx->be));
	if (!mx->vip || !mx->be) {
		err = -ENOMEM;
		goto cleanup;
	}
	bounds_seconds(swap_us, XLB_SWAP_BUCKETS - 1, mx->swap_bounds);
	bounds_seconds(lat_us, HS_LATENCY_BUCKETS - 1, mx->latency_bounds);
	err = metrics_process__start_time(&mx->start_time);
	if (err)
		goto cleanup;
	/* without a count the scrape leaves the flow gauges out */
	mx->flows_ok = !flow_count__init(&mx->flows, d->maps.flows, FLOW_WALK_BATCH);
	*out = mx;
	return 0;
cleanup:
	d->metrics = mx;
	xlbd__metrics_close(d);
	return err;
}

int xlbd__metrics_open(struct xlbd *d)
{
	int err;

	err = metrics_new(d, &d->metrics);
	if (err) {
		pr_warn("%s: metrics: %s\n", d->name, strerror(-err));
		return err;
	}
	err = xlb_http__route(d->http, "/metrics", serve, d);
	if (err) {
		pr_warn("%s: /metrics: %s\n", d->name, strerror(-err));
		xlbd__metrics_close(d);
	}
	return err;
}

void xlbd__metrics_tick(struct xlbd *d)
{
	struct xlbd_metrics *mx = d->metrics;

	/* an error is logged where it happens; the walk starts over */
	if (mx && mx->flows_ok && d->attached &&
	    flow_count__step(&mx->flows, FLOW_WALK_BUDGET_NS, FLOW_WALK_CALLS))
		pr_debug("%s: flow count restarted\n", d->name);
}

void xlbd__metrics_close(struct xlbd *d)
{
	struct xlbd_metrics *mx = d->metrics;

	if (!mx)
		return;
	flow_count__fini(&mx->flows);
	free(mx->vip);
	free(mx->be);
	free(mx->vip_name);
	free(mx->be_name);
	free(mx);
	d->metrics = NULL;
}
