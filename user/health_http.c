// SPDX-License-Identifier: MIT
/*
 * xlbd's own health on its HTTP endpoint, for orchestrators and load
 * balancers in front of it: /health and /health/live answer 200 while the
 * loop runs; /health/ready answers 200 once the program is attached and
 * every VIP has a backend in its ring, else 503 with a JSON body naming
 * what fails (each failing VIP and its backends' states and last checks).
 */
#include <arpa/inet.h>
#include <stdio.h>

#include <microhttpd.h>

#include "daemon.h"
#include "health_sync.h"
#include "http.h"
#include "netaddr.h"

#define JSON_TYPE "application/json"

static void live(void *arg, struct xlb_http_reply *r)
{
	(void)arg;
	xlb_http_reply__printf(r, "ok\n");
}

/* Whether v's ring holds a backend: some backend is active (backups are in
 * the ring exactly when no primary is). */
static bool vip_serves(const struct state_vip *v)
{
	bool open = state__vip_failing_open(v);
	size_t i;

	for (i = 0; i < v->nr_be; i++)
		if (state__backend_state(&v->be[i], open) == XLB_BE_ACTIVE)
			return true;
	return false;
}

static const char *const be_states[] = {
	[XLB_BE_UNUSED] = "unused",
	[XLB_BE_ACTIVE] = "active",
	[XLB_BE_DRAINING] = "draining",
	[XLB_BE_DOWN] = "down",
};

static void failing_backend(struct xlbd *d, struct xlb_http_reply *r, const struct state_backend *b,
			    bool first)
{
	struct xlb_health_status st;
	char a[XLB_ADDRSTRLEN];
	enum xlb_backend_state s = state__backend_dp_state(b);

	if (xlb_addr__format(b->family, &b->addr, a, sizeof(a)))
		a[0] = '\0';
	xlb_http_reply__printf(r, "%s{\"addr\":", first ? "" : ",");
	xlb_http_reply__json_string(r, a);
	xlb_http_reply__printf(r, ",\"port\":%u,\"state\":\"%s\",\"health\":\"%s\"", ntohs(b->port),
			       be_states[s], xlb_health_state__name(b->health));
	if (b->flags & XLB_BE_F_ADMIN_DOWN)
		xlb_http_reply__printf(r, ",\"admin_down\":true");
	if (d->hs && health_sync__status(d->hs, b->id, &st) && st.last.reason != XLB_CR_NONE) {
		xlb_http_reply__printf(r, ",\"last\":");
		xlb_http_reply__json_string(r, st.last.text);
	}
	xlb_http_reply__printf(r, "}");
}

static void failing_vip(struct xlbd *d, struct xlb_http_reply *r, const struct state_vip *v,
			bool first)
{
	char name[XLB_ADDRSTRLEN];
	size_t i;

	if (xlb_vip_key__format(&v->key, name, sizeof(name)))
		name[0] = '\0';
	xlb_http_reply__printf(r, "%s{\"vip\":", first ? "" : ",");
	xlb_http_reply__json_string(r, name);
	xlb_http_reply__printf(r, ",\"reason\":\"%s\",\"backends\":[",
			       v->nr_be ? "no backend up" : "no backends");
	for (i = 0; i < v->nr_be; i++)
		failing_backend(d, r, &v->be[i], !i);
	xlb_http_reply__printf(r, "]}");
}

static void ready(void *arg, struct xlb_http_reply *r)
{
	struct xlbd *d = arg;
	unsigned int failing = 0;
	size_t i;

	r->content_type = JSON_TYPE;
	xlb_http_reply__printf(r, "{\"attached\":%s,\"vips\":%zu,\"failing\":[",
			       d->attached ? "true" : "false", d->state.nr_vips);
	for (i = 0; i < d->state.nr_vips; i++) {
		if (vip_serves(&d->state.vips[i]))
			continue;
		failing_vip(d, r, &d->state.vips[i], !failing);
		failing++;
	}
	xlb_http_reply__printf(r, "],\"ready\":%s}\n", d->attached && !failing ? "true" : "false");
	r->status = d->attached && !failing ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE;
}

int xlbd__http_routes(struct xlbd *d)
{
	int err;

	err = xlb_http__route(d->http, "/health", live, d);
	if (!err)
		err = xlb_http__route(d->http, "/health/live", live, d);
	if (!err)
		err = xlb_http__route(d->http, "/health/ready", ready, d);
	if (!err)
		err = xlbd__metrics_open(d);
	return err;
}
