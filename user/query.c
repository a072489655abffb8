// SPDX-License-Identifier: MIT
/*
 * The requests that read (VIP, backend and stats dumps, flow and config
 * get) or act on the program (attach, detach). Counters come from the maps,
 * rates from the housekeeping samples.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <xlb/hash.h>

#include "daemon.h"
#include "health_sync.h"
#include "log.h"
#include "netaddr.h"
#include "request.h"
#include <xlb/timeunit.h>

static void put_counters(struct xlb_ctl_msg *m, __u64 packets, __u64 bytes,
			 const struct rate_slot *rate)
{
	m->cnt.packets = packets;
	m->cnt.bytes = bytes;
	m->cnt.present |= (1u << XLB_CNT_PACKETS) | (1u << XLB_CNT_BYTES);
	if (rate && rate->valid) {
		m->cnt.pps = rate->pps;
		m->cnt.bps = rate->bps;
		m->cnt.present |= (1u << XLB_CNT_PPS) | (1u << XLB_CNT_BPS);
	}
	xlb_ctl_msg__set(m, XLB_A_COUNTERS);
}

static void put_vip_key(struct xlb_ctl_msg *m, const struct state_vip *v)
{
	m->vip.key.addr = v->key.addr;
	m->vip.key.port = ntohs(v->key.port);
	m->vip.key.proto = v->key.proto;
	m->vip.key.family = v->key.family;
	xlb_ctl_msg__set_vip_key(m);
}

/* The VIP a request names, or an error naming it. */
static struct state_vip *request_vip(struct xlbd *d, const struct xlb_ctl_msg *req,
				     struct xlb_ctl_err *e)
{
	char name[XLB_ADDRSTRLEN];
	struct xlb_vip_key key;
	struct state_vip *v;

	request__vip_key(&req->vip.key, &key);
	v = state__vip_find(&d->state, &key);
	if (!v) {
		if (xlb_vip_key__format(&key, name, sizeof(name)))
			strcpy(name, "?");
		xlb_ctl_err__set(e, -ENOENT, "unknown VIP %s", name);
	}
	return v;
}

static int put_vip(struct xlbd *d, struct ctl_reply *r, const struct state_vip *v)
{
	struct xlb_vip_counter c = {};
	struct xlb_ctl_msg m;
	int err;

	memset(&m, 0, sizeof(m));
	put_vip_key(&m, v);
	m.vip.mode = v->mode;
	m.vip.id = v->id;
	m.vip.fail_open = v->fail_open;
	m.vip.announce = !v->announce_off;
	m.vip.announce_state = (__u8)announce__vip_state(&d->announce, v, d->attached);
	xlb_ctl_msg__set(&m, XLB_A_MODE);
	xlb_ctl_msg__set(&m, XLB_A_VIP_ID);
	xlb_ctl_msg__set(&m, XLB_A_FAIL_OPEN);
	xlb_ctl_msg__set(&m, XLB_A_ANNOUNCE);
	xlb_ctl_msg__set(&m, XLB_A_ANNOUNCE_STATE);
	if (v->check) {
		m.check = v->check->spec;
		xlb_ctl_msg__set(&m, XLB_A_CHECK);
	}
	err = xlb_vip_stats__read(&d->maps, v->id, &c);
	if (!err) {
		put_counters(&m, c.packets, c.bytes, &d->rates->vip[v->id]);
		m.cnt.new_flows = c.new_flows;
		m.cnt.drops = c.drops;
		m.cnt.present |= (1u << XLB_CNT_NEW_FLOWS) | (1u << XLB_CNT_DROPS);
		m.cnt.acl_drops = c.acl_drops;
		m.cnt.rl_pps_drops = c.rl_pps_drops;
		m.cnt.rl_flow_drops = c.rl_flow_drops;
		m.cnt.present |= (1u << XLB_CNT_ACL_DROPS) | (1u << XLB_CNT_RL_PPS_DROPS) |
				 (1u << XLB_CNT_RL_FLOW_DROPS);
	}
	return ctl_reply__put(r, &m);
}

static int vip_dump(struct xlbd *d, const struct xlb_ctl_msg *req, struct ctl_reply *r,
		    struct xlb_ctl_err *e)
{
	const struct state_vip *one;
	size_t i;
	int err;

	if (xlb_ctl_msg__has(req, XLB_A_VIP_ADDR)) {
		one = request_vip(d, req, e);
		return one ? put_vip(d, r, one) : e->err;
	}
	for (i = 0; i < d->state.nr_vips; i++) {
		err = put_vip(d, r, &d->state.vips[i]);
		if (err)
			return xlb_ctl_err__set(e, err, "dump interrupted");
	}
	return 0;
}

static __u64 ms_since(__u64 now, __u64 then)
{
	return now > then ? (now - then) / XLB_NSEC_PER_MSEC : 0;
}

/* The backend's check: its own spec (for save), and the status of the one
 * in force (its own or its VIP's). */
static void put_check(struct xlbd *d, struct xlb_ctl_msg *m, const struct state_vip *v,
		      const struct state_backend *b)
{
	struct xlb_ctl_check_status *hc = &m->hc;
	const struct state_check *c;
	struct xlb_health_status st;
	bool inherited;
	__u64 now;

	if (b->check) {
		m->check = b->check->spec;
		xlb_ctl_msg__set(m, XLB_A_CHECK);
	}
	c = state__backend_check(v, b, &inherited);
	if (!c)
		return;
	hc->type = (__u8)c->spec.type;
	hc->inherited = inherited;
	hc->present = (1U << XLB_CHST_TYPE) | (1U << XLB_CHST_INHERITED);
	xlb_ctl_msg__set(m, XLB_A_CHECK_STATUS);
	if (!d->hs || !health_sync__status(d->hs, b->id, &st))
		return;
	now = xlb_now_ns();
	hc->in_state_ms = ms_since(now, st.since_ns);
	hc->checks = st.checks;
	hc->passes = st.passes;
	hc->failures = st.failures;
	hc->present |= (1U << XLB_CHST_IN_STATE_MS) | (1U << XLB_CHST_CHECKS) |
		       (1U << XLB_CHST_PASSES) | (1U << XLB_CHST_FAILURES);
	if (st.last.reason == XLB_CR_NONE)
		return;
	snprintf(hc->reason, sizeof(hc->reason), "%s", xlb_check_reason__name(st.last.reason));
	snprintf(hc->text, sizeof(hc->text), "%s", st.last.text);
	hc->ago_ms = ms_since(now, st.last.at_ns);
	hc->latency_us = st.last.latency_ns / XLB_NSEC_PER_USEC;
	hc->present |=
		(1U << XLB_CHST_REASON) | (1U << XLB_CHST_AGO_MS) | (1U << XLB_CHST_LATENCY_US);
	if (hc->text[0])
		hc->present |= 1U << XLB_CHST_TEXT;
	if (st.last.output[0]) {
		snprintf(hc->output, sizeof(hc->output), "%s", st.last.output);
		hc->present |= 1U << XLB_CHST_OUTPUT;
	}
}

static int put_backend(struct xlbd *d, struct ctl_reply *r, const struct state_vip *v,
		       const struct state_backend *b, bool failing_open)
{
	struct xlb_counter c = {};
	struct xlb_ctl_msg m;

	memset(&m, 0, sizeof(m));
	put_vip_key(&m, v);
	m.be.addr = b->addr;
	m.be.port = ntohs(b->port);
	m.be.id = b->id;
	m.be.generation = b->generation;
	m.be.weight = b->weight;
	m.be.flags = b->flags;
	m.be.state = (__u8)state__backend_state(b, failing_open);
	m.be.health = b->health;
	xlb_ctl_msg__set(&m, XLB_A_BACKEND_ADDR);
	xlb_ctl_msg__set(&m, XLB_A_BACKEND_PORT);
	xlb_ctl_msg__set(&m, XLB_A_BACKEND_ID);
	xlb_ctl_msg__set(&m, XLB_A_GENERATION);
	xlb_ctl_msg__set(&m, XLB_A_WEIGHT);
	xlb_ctl_msg__set(&m, XLB_A_FLAGS);
	xlb_ctl_msg__set(&m, XLB_A_STATE);
	xlb_ctl_msg__set(&m, XLB_A_HEALTH);
	put_check(d, &m, v, b);
	if (!xlb_backend_stats__read(&d->maps, b->id, &c))
		put_counters(&m, c.packets, c.bytes, &d->rates->backend[b->id]);
	return ctl_reply__put(r, &m);
}

static int backend_dump(struct xlbd *d, const struct xlb_ctl_msg *req, struct ctl_reply *r,
			struct xlb_ctl_err *e)
{
	const struct state_vip *one = NULL;
	size_t i, j;
	int err;

	if (xlb_ctl_msg__has(req, XLB_A_VIP_ADDR)) {
		one = request_vip(d, req, e);
		if (!one)
			return e->err;
	}
	for (i = 0; i < d->state.nr_vips; i++) {
		const struct state_vip *v = &d->state.vips[i];
		bool open = state__vip_failing_open(v);

		if (one && one != v)
			continue;
		for (j = 0; j < v->nr_be; j++) {
			err = put_backend(d, r, v, &v->be[j], open);
			if (err)
				return xlb_ctl_err__set(e, err, "dump interrupted");
		}
	}
	return 0;
}

static int stats_dump(struct xlbd *d, struct ctl_reply *r, struct xlb_ctl_err *e)
{
	struct xlb_counter c;
	struct xlb_ctl_msg m;
	int idx, err;

	for (idx = 0; idx < XLB_STAT__MAX; idx++) {
		err = xlb_stats__read(&d->maps, idx, &c);
		if (err)
			return xlb_ctl_err__set(e, err, "cannot read counter %s",
						xlb_stat__name(idx));
		memset(&m, 0, sizeof(m));
		m.stat.id = (__u32)idx;
		snprintf(m.stat.name, sizeof(m.stat.name), "%s", xlb_stat__name(idx));
		xlb_ctl_msg__set(&m, XLB_A_STAT_ID);
		xlb_ctl_msg__set(&m, XLB_A_STAT_NAME);
		put_counters(&m, c.packets, c.bytes, &d->rates->stat[idx]);
		err = ctl_reply__put(r, &m);
		if (err)
			return xlb_ctl_err__set(e, err, "dump interrupted");
	}
	/* last: the health checks as a whole */
	memset(&m, 0, sizeof(m));
	if (d->hs)
		health_sync__stats(d->hs, &m.hst);
	m.hst.present = (1U << XLB_HST__MAX) - 2; /* every attribute but UNSPEC */
	xlb_ctl_msg__set(&m, XLB_A_HEALTH_STATS);
	err = ctl_reply__put(r, &m);
	if (err)
		return xlb_ctl_err__set(e, err, "dump interrupted");
	return 0;
}

/* The VIP a packet of this flow matches: its port first, then port 0. */
static const struct state_vip *flow_vip(struct xlbd *d, const struct xlb_ctl_msg *req)
{
	struct xlb_vip_key key = {
		.addr = req->flow.dst,
		.port = htons(req->flow.dport),
		.proto = req->vip.key.proto,
		.family = req->vip.key.family,
	};
	const struct state_vip *v = state__vip_find(&d->state, &key);

	if (v)
		return v;
	key.port = 0;
	return state__vip_find(&d->state, &key);
}

static const enum xlb_attr flow_reply_attrs[] = {
	XLB_A_FAMILY,	    XLB_A_PROTO,	XLB_A_FLOW_SRC,	  XLB_A_FLOW_SPORT, XLB_A_FLOW_DST,
	XLB_A_FLOW_DPORT,   XLB_A_FLOW_SOURCE,	XLB_A_VIP_ADDR,	  XLB_A_PORT,	    XLB_A_VIP_ID,
	XLB_A_BACKEND_ADDR, XLB_A_BACKEND_PORT, XLB_A_BACKEND_ID, XLB_A_GENERATION, XLB_A_STATE,
};

/* Which backend a flow goes to, and why: the flow table if it holds a
 * valid entry, else the ring's choice for the flow's hash, as the program
 * computes them. */
static int flow_get(struct xlbd *d, const struct xlb_ctl_msg *req, struct ctl_reply *r,
		    struct xlb_ctl_err *e)
{
	struct xlb_flow_key key = {
		.src = req->flow.src,
		.dst = req->flow.dst,
		.sport = htons(req->flow.sport),
		.dport = htons(req->flow.dport),
		.proto = req->vip.key.proto,
		.family = req->vip.key.family,
	};
	char name[XLB_ADDRSTRLEN];
	const struct state_backend *b = NULL;
	struct state_vip *bv = NULL;
	const struct state_vip *v;
	struct xlb_backend be;
	struct xlb_flow f;
	struct xlb_ctl_msg m;
	__u32 *ring = NULL, id;
	__u8 source;
	size_t i;
	int err;

	v = flow_vip(d, req);
	if (!v) {
		if (xlb_addr__format(key.family, &key.dst, name, sizeof(name)))
			strcpy(name, "?");
		return xlb_ctl_err__set(e, -ENOENT, "no VIP for %s port %u", name, req->flow.dport);
	}
	source = XLB_FLOW_FROM_RING;
	if (!bpf_map_lookup_elem(d->maps.flows, &key, &f)) {
		source = XLB_FLOW_FROM_RING_STALE;
		if (!xlb_backend__read(&d->maps, f.backend_id, &be) &&
		    be.generation == f.generation &&
		    (be.state == XLB_BE_ACTIVE || be.state == XLB_BE_DRAINING)) {
			source = XLB_FLOW_FROM_TABLE;
			b = state__backend_by_id(&d->state, f.backend_id, &bv);
		}
	}
	if (source != XLB_FLOW_FROM_TABLE) {
		ring = malloc(sizeof(struct xlb_ring));
		if (!ring)
			return xlb_ctl_err__set(e, -ENOMEM, "out of memory");
		err = xlb_ring__read(&d->maps, v->id, ring);
		id = err ? 0 : ring[xlb_flow_hash(&key) % XLB_RING_SIZE];
		free(ring);
		if (!id)
			return xlb_ctl_err__set(e, -ENOENT, "VIP has no active backend");
		b = state__backend_by_id(&d->state, id, &bv);
	}
	if (!b)
		return xlb_ctl_err__set(e, -ESTALE, "backend unknown to xlbd");
	memset(&m, 0, sizeof(m));
	m.vip.key = req->vip.key;
	m.flow = req->flow;
	m.flow.source = source;
	m.vip.key.addr = v->key.addr;
	m.vip.key.port = ntohs(v->key.port);
	m.vip.id = v->id;
	m.be.addr = b->addr;
	m.be.port = ntohs(b->port);
	m.be.id = b->id;
	m.be.generation = b->generation;
	m.be.state = (__u8)state__backend_state(b, state__vip_failing_open(bv));
	for (i = 0; i < sizeof(flow_reply_attrs) / sizeof(flow_reply_attrs[0]); i++)
		xlb_ctl_msg__set(&m, flow_reply_attrs[i]);
	return ctl_reply__put(r, &m);
}

static int config_get(struct xlbd *d, struct ctl_reply *r)
{
	struct xlb_ctl_msg m;

	memset(&m, 0, sizeof(m));
	m.cfg.mtu = d->state.mtu;
	xlb_ctl_msg__set(&m, XLB_A_MTU);
	m.cfg.flow_budget = d->state.flow_budget;
	xlb_ctl_msg__set(&m, XLB_A_FLOW_BUDGET);
	m.cfg.sample_every = d->state.sample_every;
	xlb_ctl_msg__set(&m, XLB_A_SAMPLE_EVERY);
	if (d->state.src4.set) {
		m.cfg.src4 = d->state.src4.addr;
		m.cfg.src4_plen = d->state.src4.plen;
		xlb_ctl_msg__set(&m, XLB_A_SRC4_ADDR);
		xlb_ctl_msg__set(&m, XLB_A_SRC4_PLEN);
	}
	if (d->state.src6.set) {
		m.cfg.src6 = d->state.src6.addr;
		m.cfg.src6_plen = d->state.src6.plen;
		xlb_ctl_msg__set(&m, XLB_A_SRC6_ADDR);
		xlb_ctl_msg__set(&m, XLB_A_SRC6_PLEN);
	}
	snprintf(m.cfg.ifname, sizeof(m.cfg.ifname), "%s", d->opt.dev);
	m.cfg.xdp_mode = d->mode == XLB_ATTACH_SKB ? XLB_XDP_SKB : XLB_XDP_NATIVE;
	m.cfg.attached = d->attached;
	xlb_ctl_msg__set(&m, XLB_A_IFNAME);
	xlb_ctl_msg__set(&m, XLB_A_XDP_MODE);
	xlb_ctl_msg__set(&m, XLB_A_ATTACHED);
	if (d->announce.table) {
		m.cfg.announce_table = d->announce.table;
		xlb_ctl_msg__set(&m, XLB_A_ANNOUNCE_TABLE);
	}
	return ctl_reply__put(r, &m);
}

/* One xlbd serves one device: naming another is a mistake worth saying. */
static int check_ifname(struct xlbd *d, const struct xlb_ctl_msg *req, struct xlb_ctl_err *e)
{
	if (xlb_ctl_msg__has(req, XLB_A_IFNAME) && strcmp(req->cfg.ifname, d->opt.dev))
		return xlb_ctl_err__set(e, -EINVAL, "this xlbd serves %s, not %s", d->opt.dev,
					req->cfg.ifname);
	return 0;
}

int xlbd__query(void *ctx, const struct xlb_ctl_msg *req, struct ctl_reply *r,
		struct xlb_ctl_err *e)
{
	struct xlbd *d = ctx;
	enum xlb_attach_mode mode = d->mode;
	int err;

	switch (req->cmd) {
	case XLB_CMD_VIP_GET:
		return vip_dump(d, req, r, e);
	case XLB_CMD_BACKEND_GET:
		return backend_dump(d, req, r, e);
	case XLB_CMD_STATS_GET:
		return stats_dump(d, r, e);
	case XLB_CMD_FLOW_GET:
		return flow_get(d, req, r, e);
	case XLB_CMD_ACL_GET:
	case XLB_CMD_RATELIMIT_GET:
	case XLB_CMD_RATELIMIT_TOP:
		return xlbd__query_guard(d, req, r, e);
	case XLB_CMD_CONFIG_GET:
		return config_get(d, r);
	case XLB_CMD_ATTACH:
		err = check_ifname(d, req, e);
		if (err)
			return err;
		if (xlb_ctl_msg__has(req, XLB_A_XDP_MODE))
			mode = req->cfg.xdp_mode == XLB_XDP_SKB ? XLB_ATTACH_SKB
								: XLB_ATTACH_NATIVE;
		return xlbd__attach(d, mode, e);
	case XLB_CMD_DETACH:
		err = check_ifname(d, req, e);
		return err ? err : xlbd__detach(d, e);
	default:
		return xlb_ctl_err__set(e, -EOPNOTSUPP, "%s not supported",
					xlb_cmd__name(req->cmd));
	}
}
