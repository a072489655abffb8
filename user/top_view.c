// SPDX-License-Identifier: MIT
/* `xlbctl top`'s data and text: snapshots from xlbd, rates from their deltas. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>

#include "addr.h"
#include "check_spec.h"
#include "top_view.h"

#define LINES_INITIAL  64
#define PLAIN_RATE_MAX 100000.0 /* rates below are printed in full, above with K, M, G, T */
#define RATE_UNIT_STEP 1000.0
#define CELL_MAX       32
#define CLOCK_TEXT_MAX 16
#define DEV_TEXT_MAX   64

/* The table's columns; every row prints through ROW_FMT. */
#define ROW_FMT "%-4s %-40s %-9s %-7s %6s %9s %9s %9s %9s %14s %16s"
/* The drops block's rows. */
#define DROP_FMT "  %-28s %9s %14s"

/* Stats counters are grouped by their names' prefixes (user/maps.c). */
#define STAT_DROP_PREFIX "drop_"
#define STAT_FWD_PREFIX	 "fwd_"
#define STAT_PASS_PREFIX "pass_"
#define STAT_NEW_FLOW	 "new_flow"

static const char *const state_names[] = {
	[XLB_BE_UNUSED] = "unused",
	[XLB_BE_ACTIVE] = "active",
	[XLB_BE_DRAINING] = "draining",
	[XLB_BE_DOWN] = "down",
};
static const char *const health_names[XLB_HEALTH__MAX] = {
	[XLB_HEALTH_UNKNOWN] = "unknown",
	[XLB_HEALTH_UP] = "up",
	[XLB_HEALTH_DOWN] = "down",
};
static const char *const mode_names[XLB_MODE__MAX] = {
	[XLB_MODE_IPIP] = "ipip",
	[XLB_MODE_L2DSR] = "l2dsr",
};

#define NAME(tbl, i) ((i) < sizeof(tbl) / sizeof(tbl[0]) && tbl[i] ? tbl[i] : "?")

static __u64 now_ns(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC cannot fail with a valid pointer */
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * XLB_NSEC_PER_SEC + (__u64)ts.tv_nsec;
}

/* VIP key, then backend address and port: the order rows are shown in
 * and looked up by. */
static int cmp_key(const struct xlb_ctl_vip_key *ka, const struct xlb_ctl_vip_key *kb)
{
	int c;

	if (ka->family != kb->family)
		return ka->family < kb->family ? -1 : 1;
	c = memcmp(&ka->addr, &kb->addr, sizeof(ka->addr));
	if (c)
		return c;
	if (ka->port != kb->port)
		return ka->port < kb->port ? -1 : 1;
	if (ka->proto != kb->proto)
		return ka->proto < kb->proto ? -1 : 1;
	return 0;
}

static int cmp_row(const void *pa, const void *pb)
{
	const struct xlb_ctl_msg *a = pa, *b = pb;
	int c = cmp_key(&a->vip.key, &b->vip.key);

	if (c)
		return c;
	c = memcmp(&a->be.addr, &b->be.addr, sizeof(a->be.addr));
	if (c)
		return c;
	return (int)a->be.port - (int)b->be.port;
}

static void sort_rows(struct xlb_msg_vec *v)
{
	if (v->n)
		qsort(v->v, v->n, sizeof(v->v[0]), cmp_row);
}

static const struct xlb_ctl_msg *find_row(const struct xlb_msg_vec *v, const struct xlb_ctl_msg *m)
{
	if (!v->n)
		return NULL;
	return bsearch(m, v->v, v->n, sizeof(v->v[0]), cmp_row);
}

static int dump(struct xlb_ctl_client *c, enum xlb_cmd cmd, const struct xlb_ctl_msg *filter,
		struct xlb_msg_vec *out, struct xlb_ctl_err *e)
{
	struct xlb_ctl_msg req;
	int err;

	xlb_ctl_msg__init(&req, cmd);
	if (filter && xlb_ctl_msg__has(filter, XLB_A_VIP_ADDR)) {
		req.vip.key = filter->vip.key;
		xlb_ctl_msg__set_vip_key(&req);
	}
	err = xlb_ctl_client__request(c, &req, xlb_msg_vec__push, out, e);
	if (err && !e->msg[0])
		xlb_ctl_err__set(e, err, "%s: %s", xlb_cmd__name(cmd), strerror(-err));
	return err;
}

static int keep_one(const struct xlb_ctl_msg *m, void *data)
{
	*(struct xlb_ctl_msg *)data = *m;
	return 0;
}

int xlb_top_snap__fetch(struct xlb_ctl_client *c, const struct xlb_ctl_msg *filter,
			struct xlb_top_snap *s, struct xlb_ctl_err *e)
{
	struct xlb_ctl_msg req;
	int err;

	memset(s, 0, sizeof(*s));
	err = dump(c, XLB_CMD_VIP_GET, filter, &s->vips, e);
	if (err)
		goto cleanup;
	err = dump(c, XLB_CMD_BACKEND_GET, filter, &s->backends, e);
	if (err)
		goto cleanup;
	err = dump(c, XLB_CMD_STATS_GET, NULL, &s->stats, e);
	if (err)
		goto cleanup;
	s->at_ns = now_ns();
	xlb_ctl_msg__init(&req, XLB_CMD_CONFIG_GET);
	err = xlb_ctl_client__request(c, &req, keep_one, &s->cfg, e);
	if (err)
		goto cleanup;
	sort_rows(&s->vips);
	sort_rows(&s->backends);
	return 0;
cleanup:
	xlb_top_snap__free(s);
	return err;
}

void xlb_top_snap__free(struct xlb_top_snap *s)
{
	xlb_msg_vec__free(&s->vips);
	xlb_msg_vec__free(&s->backends);
	xlb_msg_vec__free(&s->stats);
}

void xlb_top_lines__free(struct xlb_top_lines *l)
{
	free(l->text);
	memset(l, 0, sizeof(*l));
}

static int add_line(struct xlb_top_lines *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int add_line(struct xlb_top_lines *l, const char *fmt, ...)
{
	va_list ap;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : LINES_INITIAL;
		char(*p)[XLB_TOP_LINE_MAX] = reallocarray(l->text, cap, sizeof(*p));

		if (!p)
			return -ENOMEM;
		l->text = p;
		l->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(l->text[l->n], XLB_TOP_LINE_MAX, fmt, ap);
	va_end(ap);
	l->n++;
	return 0;
}

/* What the rates of one refresh are computed against. */
struct rate_ctx {
	__u64 dt_ns; /* 0: no previous refresh, no rates */
};

/* A counter's rate into buf: "-" without a previous value, or when the
 * counter went back (its object was re-created, or xlbd's maps were). */
static const char *rate_str(const struct rate_ctx *rc, bool had, __u64 then, __u64 now, char *buf,
			    size_t len)
{
	static const char units[] = "KMGT";
	double v;
	size_t u;

	if (!rc->dt_ns || !had || now < then)
		return "-";
	v = (double)(now - then) * XLB_NSEC_PER_SEC / (double)rc->dt_ns;
	if (v < PLAIN_RATE_MAX) {
		snprintf(buf, len, "%.0f", v);
		return buf;
	}
	for (u = 0; u < sizeof(units) - 2 && v / RATE_UNIT_STEP >= RATE_UNIT_STEP; u++)
		v /= RATE_UNIT_STEP;
	snprintf(buf, len, "%.1f%c", v / RATE_UNIT_STEP, units[u]);
	return buf;
}

static bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static const struct xlb_ctl_msg *find_stat(const struct xlb_top_snap *s, __u32 id)
{
	size_t i;

	for (i = 0; s && i < s->stats.n; i++)
		if (xlb_ctl_msg__has(&s->stats.v[i], XLB_A_STAT_ID) && s->stats.v[i].stat.id == id)
			return &s->stats.v[i];
	return NULL;
}

/* Sums of the stats counters whose names start with prefix, now and at
 * the previous refresh (had: every one of them was there then). */
struct stat_sum {
	__u64 now;
	__u64 then;
	bool had;
};

static struct stat_sum sum_stats(const struct xlb_top_snap *prev, const struct xlb_top_snap *cur,
				 const char *prefix, bool exact)
{
	struct stat_sum sum = {.had = prev != NULL};
	size_t i;

	for (i = 0; i < cur->stats.n; i++) {
		const struct xlb_ctl_msg *m = &cur->stats.v[i], *p;
		const char *name = m->stat.name;

		if (!xlb_ctl_msg__has(m, XLB_A_STAT_ID))
			continue;
		if (exact ? strcmp(name, prefix) : !starts_with(name, prefix))
			continue;
		sum.now += m->cnt.packets;
		p = find_stat(prev, m->stat.id);
		if (p)
			sum.then += p->cnt.packets;
		else
			sum.had = false;
	}
	return sum;
}

static int render_title(const struct xlb_top_snap *cur, const struct xlb_top_opts *o,
			struct xlb_top_lines *out)
{
	char every[CELL_MAX], clock_text[CLOCK_TEXT_MAX] = "", dev[DEV_TEXT_MAX];
	const struct xlb_ctl_config *cfg = &cur->cfg.cfg;
	struct tm tm;
	time_t t;

	xlb_duration__format(o->interval_ns, every, sizeof(every));
	t = time(NULL);
	if (localtime_r(&t, &tm))
		strftime(clock_text, sizeof(clock_text), "%H:%M:%S", &tm);
	snprintf(dev, sizeof(dev), "%s (%s, %s)", cfg->ifname[0] ? cfg->ifname : "?",
		 cfg->attached ? "attached" : "detached",
		 cfg->xdp_mode == XLB_XDP_SKB ? "skb" : "native");
	return add_line(out, "xlb top   dev %s   every %s   %s%s", dev, every, clock_text,
			o->keys ? "   keys: q quit, d drops, arrows/PgUp/PgDn scroll" : "");
}

static int render_summary(const struct xlb_top_snap *prev, const struct xlb_top_snap *cur,
			  const struct rate_ctx *rc, struct xlb_top_lines *out)
{
	struct stat_sum fwd = sum_stats(prev, cur, STAT_FWD_PREFIX, false);
	struct stat_sum drop = sum_stats(prev, cur, STAT_DROP_PREFIX, false);
	struct stat_sum pass = sum_stats(prev, cur, STAT_PASS_PREFIX, false);
	struct stat_sum flows = sum_stats(prev, cur, STAT_NEW_FLOW, true);
	char f[CELL_MAX], d[CELL_MAX], p[CELL_MAX], n[CELL_MAX];
	size_t i, active = 0;

	for (i = 0; i < cur->backends.n; i++)
		if (cur->backends.v[i].be.state == XLB_BE_ACTIVE)
			active++;
	return add_line(out,
			"VIPs %zu   backends %zu (%zu active)   forwarded %s pkt/s   dropped %s "
			"pkt/s   passed %s pkt/s   new flows %s/s",
			cur->vips.n, cur->backends.n, active,
			rate_str(rc, fwd.had, fwd.then, fwd.now, f, sizeof(f)),
			rate_str(rc, drop.had, drop.then, drop.now, d, sizeof(d)),
			rate_str(rc, pass.had, pass.then, pass.now, p, sizeof(p)),
			rate_str(rc, flows.had, flows.then, flows.now, n, sizeof(n)));
}

/* Every drop reason of the program that has dropped something. */
static int render_drops(const struct xlb_top_snap *prev, const struct xlb_top_snap *cur,
			const struct rate_ctx *rc, struct xlb_top_lines *out)
{
	char r[CELL_MAX], total[CELL_MAX];
	unsigned int shown = 0;
	size_t i;
	int err;

	err = add_line(out, DROP_FMT, "Drops by reason (all VIPs)", "Pkt/s", "Packets");
	for (i = 0; !err && i < cur->stats.n; i++) {
		const struct xlb_ctl_msg *m = &cur->stats.v[i], *p;

		if (!xlb_ctl_msg__has(m, XLB_A_STAT_ID) ||
		    !starts_with(m->stat.name, STAT_DROP_PREFIX) || !m->cnt.packets)
			continue;
		p = find_stat(prev, m->stat.id);
		snprintf(total, sizeof(total), "%llu", m->cnt.packets);
		err = add_line(out, DROP_FMT, m->stat.name + strlen(STAT_DROP_PREFIX),
			       rate_str(rc, p != NULL, p ? p->cnt.packets : 0, m->cnt.packets, r,
					sizeof(r)),
			       total);
		shown++;
	}
	if (!err && !shown)
		err = add_line(out, "  (no drops)");
	return err ? err : add_line(out, "%s", "");
}

/* v's row; its backends are be[0..n). */
static int render_vip(const struct xlb_top_snap *prev, const struct xlb_ctl_msg *v,
		      const struct xlb_ctl_msg *be, size_t n, const struct rate_ctx *rc,
		      struct xlb_top_lines *out)
{
	const struct xlb_ctl_msg *p = prev ? find_row(&prev->vips, v) : NULL;
	const struct xlb_ctl_counters *c = &v->cnt, *pc;
	char name[XLB_ADDR_STR_MAX], up[CELL_MAX], pkt[CELL_MAX], byt[CELL_MAX];
	char fl[CELL_MAX], dr[CELL_MAX], packets[CELL_MAX], bytes[CELL_MAX];
	size_t i, active = 0;

	if (p && p->vip.id != v->vip.id)
		p = NULL;
	pc = p ? &p->cnt : NULL;
	for (i = 0; i < n; i++)
		if (be[i].be.state == XLB_BE_ACTIVE)
			active++;
	snprintf(up, sizeof(up), "%zu/%zu", active, n);
	snprintf(packets, sizeof(packets), "%llu", c->packets);
	snprintf(bytes, sizeof(bytes), "%llu", c->bytes);
	return add_line(
		out, ROW_FMT, v->vip.key.proto == IPPROTO_TCP ? "TCP" : "UDP",
		xlb_endpoint__str(&v->vip.key.addr, v->vip.key.family, v->vip.key.port, name,
				  sizeof(name)),
		NAME(mode_names, v->vip.mode), up, "-",
		rate_str(rc, pc != NULL, pc ? pc->packets : 0, c->packets, pkt, sizeof(pkt)),
		rate_str(rc, pc != NULL, pc ? pc->bytes : 0, c->bytes, byt, sizeof(byt)),
		rate_str(rc, pc != NULL, pc ? pc->new_flows : 0, c->new_flows, fl, sizeof(fl)),
		rate_str(rc, pc != NULL, pc ? pc->drops : 0, c->drops, dr, sizeof(dr)), packets,
		bytes);
}

static int render_backend(const struct xlb_top_snap *prev, const struct xlb_ctl_msg *b,
			  const struct rate_ctx *rc, struct xlb_top_lines *out)
{
	const struct xlb_ctl_msg *p = prev ? find_row(&prev->backends, b) : NULL;
	const struct xlb_ctl_counters *c = &b->cnt, *pc;
	char addr[XLB_ADDR_STR_MAX], name[XLB_ADDR_STR_MAX + CELL_MAX], weight[CELL_MAX];
	char pkt[CELL_MAX], byt[CELL_MAX], packets[CELL_MAX], bytes[CELL_MAX];

	if (p && p->be.id != b->be.id)
		p = NULL;
	pc = p ? &p->cnt : NULL;
	if (b->be.port)
		xlb_endpoint__str(&b->be.addr, b->vip.key.family, b->be.port, addr, sizeof(addr));
	else
		xlb_addr__str(&b->be.addr, b->vip.key.family, addr, sizeof(addr));
	snprintf(name, sizeof(name), "-> %s", addr);
	snprintf(weight, sizeof(weight), "%u", b->be.weight);
	snprintf(packets, sizeof(packets), "%llu", c->packets);
	snprintf(bytes, sizeof(bytes), "%llu", c->bytes);
	/* backends have no new-flow or drop counters of their own */
	return add_line(
		out, ROW_FMT, "", name, NAME(state_names, b->be.state),
		NAME(health_names, b->be.health), weight,
		rate_str(rc, pc != NULL, pc ? pc->packets : 0, c->packets, pkt, sizeof(pkt)),
		rate_str(rc, pc != NULL, pc ? pc->bytes : 0, c->bytes, byt, sizeof(byt)), "-", "-",
		packets, bytes);
}

int xlb_top__render(const struct xlb_top_snap *prev, const struct xlb_top_snap *cur,
		    const struct xlb_top_opts *o, struct xlb_top_lines *out)
{
	struct rate_ctx rc = {0};
	size_t i, j = 0;
	int err;

	if (prev && cur->at_ns > prev->at_ns)
		rc.dt_ns = cur->at_ns - prev->at_ns;
	out->n = 0;
	err = render_title(cur, o, out);
	if (!err)
		err = render_summary(prev, cur, &rc, out);
	if (!err)
		err = add_line(out, "%s", "");
	if (!err && o->drops)
		err = render_drops(prev, cur, &rc, out);
	if (!err)
		err = add_line(out, ROW_FMT, "Prot", "VIP / backend", "State", "Health", "Weight",
			       "Pkt/s", "Bytes/s", "Flows/s", "Drops/s", "Packets", "Bytes");
	out->fixed = out->n;
	for (i = 0; !err && i < cur->vips.n; i++) {
		const struct xlb_ctl_msg *v = &cur->vips.v[i], *be = cur->backends.v;
		size_t first, k;

		/* both lists are sorted by VIP key: walk the backends along */
		while (j < cur->backends.n && cmp_key(&be[j].vip.key, &v->vip.key) < 0)
			j++;
		first = j;
		while (j < cur->backends.n && !cmp_key(&be[j].vip.key, &v->vip.key))
			j++;
		err = render_vip(prev, v, be + first, j - first, &rc, out);
		for (k = first; !err && k < j; k++)
			err = render_backend(prev, &be[k], &rc, out);
	}
	if (!err && !cur->vips.n)
		err = add_line(out, "  (no VIPs)");
	return err;
}
