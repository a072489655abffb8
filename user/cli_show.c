// SPDX-License-Identifier: MIT
/* xlbctl's listings, through the one set of text/JSON output calls. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "addr.h"
#include "cli.h"
#include "cli_print.h"
#include "cli_show.h"

#define PLEN_V4 32
#define PLEN_V6 128

#define MS_PER_SEC	 1000ULL
#define SEC_PER_MIN	 60ULL
#define SEC_PER_HOUR	 3600ULL
#define SEC_PER_DAY	 86400ULL
#define US_PER_MS	 1000ULL
#define US_PER_SEC	 1000000ULL
#define SHORT_TEXT_MAX	 32
#define CHECK_WORDS_MAX	 XLB_CLI_LINE_MAX
#define LATENCY_DECIMALS 10 /* one decimal place */

static const char *const mode_names[XLB_MODE__MAX] = {
	[XLB_MODE_IPIP] = "ipip",
	[XLB_MODE_L2DSR] = "l2dsr",
};
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
/* Text column and JSON value of XLB_A_ANNOUNCE_STATE. */
static const char *const announce_words[XLB_ANNOUNCE__MAX] = {
	[XLB_ANNOUNCE_DISABLED] = "-",		[XLB_ANNOUNCE_ANNOUNCED] = "announced",
	[XLB_ANNOUNCE_WITHDRAWN] = "withdrawn", [XLB_ANNOUNCE_NOT_READY] = "not-ready",
	[XLB_ANNOUNCE_FAILED] = "failed",
};
static const char *const announce_names[XLB_ANNOUNCE__MAX] = {
	[XLB_ANNOUNCE_DISABLED] = "disabled",	[XLB_ANNOUNCE_ANNOUNCED] = "announced",
	[XLB_ANNOUNCE_WITHDRAWN] = "withdrawn", [XLB_ANNOUNCE_NOT_READY] = "not_ready",
	[XLB_ANNOUNCE_FAILED] = "failed",
};
static const char *const source_names[XLB_FLOW_SOURCE__MAX] = {
	[XLB_FLOW_FROM_TABLE] = "flow_table",
	[XLB_FLOW_FROM_RING] = "ring",
	[XLB_FLOW_FROM_RING_STALE] = "ring_stale",
};
static const struct {
	__u32 bit;
	const char *name;
} flag_names[] = {
	{XLB_BE_F_DRAIN, "drain"},
	{XLB_BE_F_BACKUP, "backup"},
	{XLB_BE_F_ADMIN_DOWN, "down"},
};

#define NAME(tbl, i) ((i) < sizeof(tbl) / sizeof(tbl[0]) && tbl[i] ? tbl[i] : "?")

int xlb_msg_vec__push(const struct xlb_ctl_msg *m, void *vec)
{
	struct xlb_msg_vec *v = vec;

	if (v->n == v->cap) {
		size_t cap = v->cap ? 2 * v->cap : 16;
		struct xlb_ctl_msg *p = reallocarray(v->v, cap, sizeof(*p));

		if (!p)
			return -ENOMEM;
		v->v = p;
		v->cap = cap;
	}
	v->v[v->n] = *m;
	v->n++;
	return 0;
}

void xlb_msg_vec__free(struct xlb_msg_vec *vec)
{
	free(vec->v);
	memset(vec, 0, sizeof(*vec));
}

static int cmp_key(const struct xlb_ctl_vip_key *a, const struct xlb_ctl_vip_key *b)
{
	int c;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	c = memcmp(&a->addr, &b->addr, sizeof(a->addr));
	if (c)
		return c;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	return a->proto - b->proto;
}

static int cmp_msg(const void *pa, const void *pb)
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

void xlb_msg_vec__sort(struct xlb_msg_vec *vec)
{
	if (vec->n)
		qsort(vec->v, vec->n, sizeof(vec->v[0]), cmp_msg);
}

/* Backend as written on the command line: ADDR, or ADDR:PORT if a port. */
static const char *backend_str(const struct xlb_ctl_msg *m, char *buf, size_t len)
{
	if (m->be.port)
		return xlb_endpoint__str(&m->be.addr, m->vip.key.family, m->be.port, buf, len);
	return xlb_addr__str(&m->be.addr, m->vip.key.family, buf, len);
}

/* Rates as the daemon measured them; "-" (and no JSON key) until it has. The
 * last column is not padded, so lines end without blanks. */
static void print_rate(const struct xlb_ctl_counters *c, enum xlb_cnt_attr a, const char *key,
		       bool last)
{
	__u64 v = a == XLB_CNT_BPS ? c->bps : c->pps;

	if (c->present & (1U << a))
		print_u64(PRINT_ANY, key, last ? " %llu" : " %-10llu", v);
	else
		print_string(PRINT_FP, NULL, last ? " %s" : " %-10s", "-");
}

static void print_flags(__u32 flags)
{
	char text[32] = "";
	size_t used = 0;
	unsigned int i;

	open_json_array("flags");
	for (i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++) {
		if (!(flags & flag_names[i].bit))
			continue;
		print_string(PRINT_JSON, NULL, NULL, flag_names[i].name);
		used += snprintf(text + used, sizeof(text) - used, "%s%s", used ? "," : "",
				 flag_names[i].name);
	}
	close_json_array();
	print_string(PRINT_FP, NULL, " %-18s", used ? text : "-");
}

static void print_vip_key(const struct xlb_ctl_vip_key *k)
{
	char buf[XLB_ADDR_STR_MAX];
	const char *proto = xlb_proto__name(k->proto);

	print_string(PRINT_JSON, "vip", NULL, xlb_vip_key__str(k, buf, sizeof(buf)));
	print_string(PRINT_JSON, "addr", NULL,
		     xlb_addr__str(&k->addr, k->family, buf, sizeof(buf)));
	print_u64(PRINT_JSON, "port", NULL, k->port);
	print_string(PRINT_JSON, "proto", NULL, proto ? proto : "?");
}

/* "850ms", "42s", "3m07s", "5h02m", "2d03h": a time in a state. */
static const char *age_str(__u64 ms, char *buf, size_t len)
{
	__u64 s = ms / MS_PER_SEC;

	if (s < 1)
		snprintf(buf, len, "%llums", ms);
	else if (s < SEC_PER_MIN)
		snprintf(buf, len, "%llus", s);
	else if (s < SEC_PER_HOUR)
		snprintf(buf, len, "%llum%02llus", s / SEC_PER_MIN, s % SEC_PER_MIN);
	else if (s < SEC_PER_DAY)
		snprintf(buf, len, "%lluh%02llum", s / SEC_PER_HOUR,
			 s % SEC_PER_HOUR / SEC_PER_MIN);
	else
		snprintf(buf, len, "%llud%02lluh", s / SEC_PER_DAY, s % SEC_PER_DAY / SEC_PER_HOUR);
	return buf;
}

/* "850us", "12.3ms", "1.2s": a check's duration. */
static const char *latency_str(__u64 us, char *buf, size_t len)
{
	if (us < US_PER_MS)
		snprintf(buf, len, "%lluus", us);
	else if (us < US_PER_SEC)
		snprintf(buf, len, "%llu.%llums", us / US_PER_MS,
			 us % US_PER_MS * LATENCY_DECIMALS / US_PER_MS);
	else
		snprintf(buf, len, "%llu.%llus", us / US_PER_SEC,
			 us % US_PER_SEC * LATENCY_DECIMALS / US_PER_SEC);
	return buf;
}

static bool hc_has(const struct xlb_ctl_check_status *hc, enum xlb_check_status_attr a)
{
	return hc->present & (1U << a);
}

/* A configured check's words (JSON only): the VIP's default or a backend's own. */
static void print_check_spec(const struct xlb_ctl_msg *m)
{
	char words[CHECK_WORDS_MAX];

	if (!xlb_ctl_msg__has(m, XLB_A_CHECK) || m->check.type == XLB_CHECK_NONE)
		return;
	if (!xlb_check_spec__format(&m->check, words, sizeof(words)))
		print_string(PRINT_JSON, "check_spec", NULL, words);
}

/* The health-check columns: the check in force, time in state, latency. */
static void print_check_cols(const struct xlb_ctl_msg *m)
{
	const struct xlb_ctl_check_status *hc = &m->hc;
	char buf[SHORT_TEXT_MAX];

	print_check_spec(m);
	if (!xlb_ctl_msg__has(m, XLB_A_CHECK_STATUS) || hc->type == XLB_CHECK_NONE) {
		print_string(PRINT_FP, NULL, " %-8s", "-");
		print_string(PRINT_FP, NULL, " %-6s", "-");
		print_string(PRINT_FP, NULL, " %-8s", "-");
		return;
	}
	if (hc_has(hc, XLB_CHST_IN_STATE_MS)) {
		print_string(PRINT_FP, NULL, " %-8s", age_str(hc->in_state_ms, buf, sizeof(buf)));
		print_u64(PRINT_JSON, "in_state_ms", NULL, hc->in_state_ms);
	} else {
		print_string(PRINT_FP, NULL, " %-8s", "-");
	}
	print_string(PRINT_ANY, "check", " %-6s", xlb_check_type__name(hc->type));
	print_bool(PRINT_JSON, "check_inherited", NULL, hc->inherited);
	if (hc_has(hc, XLB_CHST_LATENCY_US)) {
		print_string(PRINT_FP, NULL, " %-8s",
			     latency_str(hc->latency_us, buf, sizeof(buf)));
		print_u64(PRINT_JSON, "latency_us", NULL, hc->latency_us);
	} else {
		print_string(PRINT_FP, NULL, " %-8s", "-");
	}
	print_u64(PRINT_JSON, "checks", NULL, hc->checks);
	print_u64(PRINT_JSON, "passes", NULL, hc->passes);
	print_u64(PRINT_JSON, "failures", NULL, hc->failures);
	if (hc_has(hc, XLB_CHST_AGO_MS))
		print_u64(PRINT_JSON, "last_ago_ms", NULL, hc->ago_ms);
	if (hc_has(hc, XLB_CHST_REASON))
		print_string(PRINT_JSON, "last_reason", NULL, hc->reason);
}

/* The last column: the last check's result ("http 503 | maintenance"). */
static void print_last_result(const struct xlb_ctl_msg *m)
{
	const struct xlb_ctl_check_status *hc = &m->hc;

	if (!xlb_ctl_msg__has(m, XLB_A_CHECK_STATUS) || !hc_has(hc, XLB_CHST_TEXT)) {
		print_string(PRINT_FP, NULL, " %s", "-");
		return;
	}
	print_string(PRINT_ANY, "last", " %s", hc->text);
	if (hc_has(hc, XLB_CHST_OUTPUT))
		print_string(PRINT_ANY, "last_output", " | %s", hc->output);
}

static void print_backend_row(const struct xlb_ctl_msg *m)
{
	const struct xlb_ctl_backend *be = &m->be;
	char buf[XLB_ADDR_STR_MAX];

	open_json_object(NULL);
	print_string(PRINT_ANY, "backend", "  -> %-36s", backend_str(m, buf, sizeof(buf)));
	print_string(PRINT_JSON, "addr", NULL,
		     xlb_addr__str(&be->addr, m->vip.key.family, buf, sizeof(buf)));
	print_u64(PRINT_JSON, "port", NULL, be->port);
	print_u64(PRINT_JSON, "id", NULL, be->id);
	print_u64(PRINT_JSON, "generation", NULL, be->generation);
	print_u64(PRINT_ANY, "weight", " %-6llu", be->weight);
	print_string(PRINT_ANY, "state", " %-8s", NAME(state_names, be->state));
	print_string(PRINT_ANY, "health", " %-7s", NAME(health_names, be->health));
	print_check_cols(m);
	print_flags(be->flags);
	print_u64(PRINT_ANY, "packets", " %-12llu", m->cnt.packets);
	print_u64(PRINT_JSON, "bytes", NULL, m->cnt.bytes);
	print_rate(&m->cnt, XLB_CNT_PPS, "pps", false);
	print_rate(&m->cnt, XLB_CNT_BPS, "bps", false);
	print_last_result(m);
	print_text("\n");
	close_json_object();
}

static void print_backend_header(void)
{
	print_text("  -> %-36s %-6s %-8s %-7s %-8s %-6s %-8s %-18s %-12s %-10s %-10s %s\n",
		   "Backend", "Weight", "State", "Health", "For", "Check", "Latency", "Flags",
		   "Packets", "Pkt/s", "Bytes/s", "Last check");
}

/* Under a VIP's row: its default check and fail-open, when set. */
static void print_vip_options(const struct xlb_ctl_msg *v)
{
	char words[CHECK_WORDS_MAX];
	bool check = xlb_ctl_msg__has(v, XLB_A_CHECK) && v->check.type != XLB_CHECK_NONE &&
		     !xlb_check_spec__format(&v->check, words, sizeof(words));

	print_bool(PRINT_JSON, "fail_open", NULL, v->vip.fail_open);
	print_check_spec(v);
	if (!check && !v->vip.fail_open)
		return;
	print_text("     %s%s%s%s\n", check ? "check " : "", check ? words : "",
		   check && v->vip.fail_open ? ", " : "", v->vip.fail_open ? "fail-open" : "");
}

void xlb_show__vips(const struct xlb_msg_vec *vips, const struct xlb_msg_vec *backends)
{
	size_t i, j;

	print_text("%-4s %-36s %-6s %-10s %-12s %-10s %s\n", "Prot", "VIP", "Mode", "Announce",
		   "Packets", "Pkt/s", "Bytes/s");
	print_backend_header();
	open_json_array(NULL);
	for (i = 0; i < vips->n; i++) {
		const struct xlb_ctl_msg *v = &vips->v[i];
		char ep[XLB_ADDR_STR_MAX];

		open_json_object(NULL);
		print_vip_key(&v->vip.key);
		print_text("%-4s %-36s", v->vip.key.proto == IPPROTO_TCP ? "TCP" : "UDP",
			   xlb_endpoint__str(&v->vip.key.addr, v->vip.key.family, v->vip.key.port,
					     ep, sizeof(ep)));
		print_string(PRINT_ANY, "mode", " %-6s", NAME(mode_names, v->vip.mode));
		print_bool(PRINT_JSON, "announce", NULL, v->vip.announce);
		print_string(PRINT_FP, NULL, " %-10s", NAME(announce_words, v->vip.announce_state));
		print_string(PRINT_JSON, "announce_state", NULL,
			     NAME(announce_names, v->vip.announce_state));
		print_u64(PRINT_JSON, "id", NULL, v->vip.id);
		print_u64(PRINT_ANY, "packets", " %-12llu", v->cnt.packets);
		print_u64(PRINT_JSON, "bytes", NULL, v->cnt.bytes);
		print_u64(PRINT_JSON, "new_flows", NULL, v->cnt.new_flows);
		print_u64(PRINT_JSON, "drops", NULL, v->cnt.drops);
		print_rate(&v->cnt, XLB_CNT_PPS, "pps", false);
		print_rate(&v->cnt, XLB_CNT_BPS, "bps", true);
		print_text("\n");
		print_vip_options(v);
		open_json_array("backends");
		for (j = 0; j < backends->n; j++)
			if (!cmp_key(&backends->v[j].vip.key, &v->vip.key))
				print_backend_row(&backends->v[j]);
		close_json_array();
		close_json_object();
	}
	close_json_array();
}

void xlb_show__backends(const struct xlb_msg_vec *backends)
{
	const struct xlb_ctl_vip_key *last = NULL;
	char buf[XLB_ADDR_STR_MAX];
	size_t i;

	print_text("%-4s %s\n", "Prot", "VIP");
	print_backend_header();
	open_json_array(NULL);
	for (i = 0; i < backends->n; i++) {
		const struct xlb_ctl_msg *m = &backends->v[i];

		/* One JSON object per VIP, as in the text and in `vip show`. */
		if (!last || cmp_key(last, &m->vip.key)) {
			if (last) {
				close_json_array();
				close_json_object();
			}
			print_text("%-4s %s\n", m->vip.key.proto == IPPROTO_TCP ? "TCP" : "UDP",
				   xlb_endpoint__str(&m->vip.key.addr, m->vip.key.family,
						     m->vip.key.port, buf, sizeof(buf)));
			open_json_object(NULL);
			print_string(PRINT_JSON, "vip", NULL,
				     xlb_vip_key__str(&m->vip.key, buf, sizeof(buf)));
			open_json_array("backends");
			last = &m->vip.key;
		}
		print_backend_row(m);
	}
	if (last) {
		close_json_array();
		close_json_object();
	}
	close_json_array();
}

static void print_counter_row(const char *name, const struct xlb_ctl_counters *c)
{
	open_json_object(NULL);
	print_string(PRINT_ANY, "name", "%-24s", name);
	print_u64(PRINT_ANY, "packets", " %-14llu", c->packets);
	print_u64(PRINT_ANY, "bytes", " %llu", c->bytes);
	print_text("\n");
	close_json_object();
}

/* The health checks' summary: results, changes, and how long a decision
 * took to reach the rings (a histogram of decision-to-swap times). */
static void print_health_stats(const struct xlb_ctl_health_stats *h)
{
	static const __u64 bounds[XLB_SWAP_BUCKETS - 1] = XLB_SWAP_BUCKET_BOUNDS_US;
	char le[SHORT_TEXT_MAX + 2], t[SHORT_TEXT_MAX];
	unsigned int i;

	open_json_object("health");
	print_u64(PRINT_ANY, "targets", "\nHealth checks: %llu backends checked", h->targets);
	print_u64(PRINT_ANY, "results", ", %llu results", h->results);
	print_u64(PRINT_ANY, "changes", ", %llu changes\n", h->changes);
	print_u64(PRINT_ANY, "swaps", "Decision to swap: %llu swaps", h->swaps);
	print_u64(PRINT_JSON, "swap_sum_us", NULL, h->swap_sum_us);
	print_u64(PRINT_JSON, "swap_max_us", NULL, h->swap_max_us);
	if (h->swaps) {
		print_string(PRINT_FP, NULL, ", mean %s",
			     latency_str(h->swap_sum_us / h->swaps, t, sizeof(t)));
		print_string(PRINT_FP, NULL, ", max %s", latency_str(h->swap_max_us, t, sizeof(t)));
	}
	print_text("\n");
	open_json_array("swap_buckets");
	for (i = 0; i < XLB_SWAP_BUCKETS; i++) {
		/* the last bucket: over the last bound */
		bool last = i == XLB_SWAP_BUCKETS - 1;

		snprintf(le, sizeof(le), "%s%s",
			 last ? ">" : "<=", latency_str(bounds[last ? i - 1 : i], t, sizeof(t)));
		open_json_object(NULL);
		print_string(PRINT_ANY, "le", "  %-10s", le);
		print_u64(PRINT_ANY, "count", " %llu\n", h->buckets[i]);
		close_json_object();
	}
	close_json_array();
	close_json_object();
}

void xlb_show__stats(const struct xlb_msg_vec *stats, const struct xlb_msg_vec *vips,
		     const struct xlb_msg_vec *backends)
{
	const struct xlb_ctl_health_stats *health = NULL;
	char buf[XLB_ADDR_STR_MAX];
	size_t i;

	open_json_object(NULL);
	print_text("%-24s %-14s %s\n", "Counter", "Packets", "Bytes");
	open_json_array("counters");
	for (i = 0; i < stats->n; i++) {
		if (xlb_ctl_msg__has(&stats->v[i], XLB_A_HEALTH_STATS)) {
			health = &stats->v[i].hst;
			continue;
		}
		print_counter_row(stats->v[i].stat.name, &stats->v[i].cnt);
	}
	close_json_array();
	if (health)
		print_health_stats(health);

	print_text("\n%-36s %-14s %-16s %-12s %-12s %-12s %-12s %s\n", "VIP", "Packets", "Bytes",
		   "New flows", "Drops", "ACL drops", "PPS drops", "Flow drops");
	open_json_array("vips");
	for (i = 0; i < vips->n; i++) {
		const struct xlb_ctl_msg *v = &vips->v[i];

		open_json_object(NULL);
		print_string(PRINT_ANY, "vip", "%-36s",
			     xlb_vip_key__str(&v->vip.key, buf, sizeof(buf)));
		print_u64(PRINT_ANY, "packets", " %-14llu", v->cnt.packets);
		print_u64(PRINT_ANY, "bytes", " %-16llu", v->cnt.bytes);
		print_u64(PRINT_ANY, "new_flows", " %-12llu", v->cnt.new_flows);
		print_u64(PRINT_ANY, "drops", " %-12llu", v->cnt.drops);
		print_u64(PRINT_ANY, "acl_drops", " %-12llu", v->cnt.acl_drops);
		print_u64(PRINT_ANY, "rl_pps_drops", " %-12llu", v->cnt.rl_pps_drops);
		print_u64(PRINT_ANY, "rl_flow_drops", " %llu", v->cnt.rl_flow_drops);
		print_text("\n");
		close_json_object();
	}
	close_json_array();

	print_text("\n%-36s %-36s %-14s %s\n", "VIP", "Backend", "Packets", "Bytes");
	open_json_array("backends");
	for (i = 0; i < backends->n; i++) {
		const struct xlb_ctl_msg *b = &backends->v[i];

		open_json_object(NULL);
		print_string(PRINT_ANY, "vip", "%-36s",
			     xlb_vip_key__str(&b->vip.key, buf, sizeof(buf)));
		print_string(PRINT_ANY, "backend", " %-36s", backend_str(b, buf, sizeof(buf)));
		print_u64(PRINT_JSON, "id", NULL, b->be.id);
		print_u64(PRINT_ANY, "packets", " %-14llu", b->cnt.packets);
		print_u64(PRINT_ANY, "bytes", " %llu", b->cnt.bytes);
		print_text("\n");
		close_json_object();
	}
	close_json_array();
	close_json_object();
}

void xlb_show__flow(const struct xlb_ctl_msg *f)
{
	static const char *const why[XLB_FLOW_SOURCE__MAX] = {
		[XLB_FLOW_FROM_TABLE] = "from the flow table",
		[XLB_FLOW_FROM_RING] = "predicted by the ring (no flow entry yet)",
		[XLB_FLOW_FROM_RING_STALE] = "predicted by the ring (flow entry's backend is gone "
					     "or down)",
	};
	const char *proto = xlb_proto__name(f->vip.key.proto);
	__u8 fam = f->vip.key.family;
	char buf[XLB_ADDR_STR_MAX];

	open_json_object(NULL);
	print_string(PRINT_ANY, "src", "%s",
		     xlb_endpoint__str(&f->flow.src, fam, f->flow.sport, buf, sizeof(buf)));
	print_string(PRINT_ANY, "dst", " -> %s",
		     xlb_endpoint__str(&f->flow.dst, fam, f->flow.dport, buf, sizeof(buf)));
	print_string(PRINT_ANY, "proto", " %s:", proto ? proto : "?");
	if (xlb_ctl_msg__has(f, XLB_A_VIP_ADDR))
		print_string(PRINT_JSON, "vip", NULL,
			     xlb_vip_key__str(&f->vip.key, buf, sizeof(buf)));
	if (xlb_ctl_msg__has(f, XLB_A_BACKEND_ADDR)) {
		print_string(PRINT_ANY, "backend", " backend %s", backend_str(f, buf, sizeof(buf)));
		print_u64(PRINT_ANY, "backend_id", " (id %llu", f->be.id);
		print_u64(PRINT_ANY, "generation", ", generation %llu", f->be.generation);
		print_string(PRINT_ANY, "state", ", %s)", NAME(state_names, f->be.state));
	} else {
		print_text(" no backend (empty ring)");
	}
	print_string(PRINT_JSON, "source", NULL, NAME(source_names, f->flow.source));
	print_string(PRINT_FP, NULL, ", %s\n", NAME(why, f->flow.source));
	close_json_object();
}

void xlb_show__config(const struct xlb_ctl_msg *c)
{
	char buf[XLB_ADDR_STR_MAX];

	open_json_object(NULL);
	print_u64(PRINT_ANY, "mtu", "mtu %llu\n", c->cfg.mtu);
	if (xlb_ctl_msg__has(c, XLB_A_FLOW_BUDGET))
		print_u64(PRINT_ANY, "flow_budget", "flow-budget %llu\n", c->cfg.flow_budget);
	if (xlb_ctl_msg__has(c, XLB_A_SAMPLE_EVERY))
		print_u64(PRINT_ANY, "sample", "sample %llu\n", c->cfg.sample_every);
	if (xlb_ctl_msg__has(c, XLB_A_SRC4_ADDR)) {
		print_string(PRINT_ANY, "source4", "source %s",
			     xlb_addr__str(&c->cfg.src4, XLB_AF_INET, buf, sizeof(buf)));
		print_u64(PRINT_ANY, "source4_plen", "/%llu\n", c->cfg.src4_plen);
	}
	if (xlb_ctl_msg__has(c, XLB_A_SRC6_ADDR)) {
		print_string(PRINT_ANY, "source6", "source %s",
			     xlb_addr__str(&c->cfg.src6, XLB_AF_INET6, buf, sizeof(buf)));
		print_u64(PRINT_ANY, "source6_plen", "/%llu\n", c->cfg.src6_plen);
	}
	if (xlb_ctl_msg__has(c, XLB_A_IFNAME))
		print_string(PRINT_ANY, "dev", "dev %s\n", c->cfg.ifname);
	if (xlb_ctl_msg__has(c, XLB_A_XDP_MODE))
		print_string(PRINT_ANY, "xdp_mode", "xdp mode %s\n",
			     c->cfg.xdp_mode == XLB_XDP_SKB ? "skb" : "native");
	if (xlb_ctl_msg__has(c, XLB_A_ATTACHED))
		print_bool(PRINT_ANY, "attached", "attached %s\n", c->cfg.attached);
	if (xlb_ctl_msg__has(c, XLB_A_ANNOUNCE_TABLE))
		print_u64(PRINT_ANY, "announce_table", "announce table %llu\n",
			  c->cfg.announce_table);
	close_json_object();
}

static bool source_set(const struct xlb_ctl_msg *c, enum xlb_attr a, const struct xlb_addr *addr)
{
	return xlb_ctl_msg__has(c, a) && (addr->a[0] | addr->a[1] | addr->a[2] | addr->a[3]);
}

/* " check WORDS": last on its line, since the phrase takes every word it can. */
static void save_check(FILE *out, const struct xlb_ctl_msg *m)
{
	char words[CHECK_WORDS_MAX];

	if (!xlb_ctl_msg__has(m, XLB_A_CHECK) || m->check.type == XLB_CHECK_NONE)
		return;
	if (xlb_check_spec__format(&m->check, words, sizeof(words)))
		fprintf(out, " # check too long to save");
	else
		fprintf(out, " check %s", words);
}

void xlb_show__save(FILE *out, const struct xlb_ctl_msg *cfg, const struct xlb_msg_vec *vips,
		    const struct xlb_msg_vec *backends)
{
	char buf[XLB_ADDR_STR_MAX], vip[XLB_ADDR_STR_MAX];
	size_t i, j;

	fprintf(out, "# xlb configuration, written by `xlbctl save`; load with xlbctl -b\n");
	fprintf(out, "config set mtu %u\n", cfg->cfg.mtu);
	if (xlb_ctl_msg__has(cfg, XLB_A_SAMPLE_EVERY))
		fprintf(out, "config set sample %u\n", cfg->cfg.sample_every);
	if (source_set(cfg, XLB_A_SRC4_ADDR, &cfg->cfg.src4))
		fprintf(out, "config set source %s/%u\n",
			xlb_addr__str(&cfg->cfg.src4, XLB_AF_INET, buf, sizeof(buf)),
			cfg->cfg.src4_plen);
	if (source_set(cfg, XLB_A_SRC6_ADDR, &cfg->cfg.src6))
		fprintf(out, "config set source %s/%u\n",
			xlb_addr__str(&cfg->cfg.src6, XLB_AF_INET6, buf, sizeof(buf)),
			cfg->cfg.src6_plen);
	for (i = 0; i < vips->n; i++) {
		const struct xlb_ctl_msg *v = &vips->v[i];

		xlb_vip_key__str(&v->vip.key, vip, sizeof(vip));
		fprintf(out, "vip add %s mode %s", vip, NAME(mode_names, v->vip.mode));
		if (v->vip.fail_open)
			fprintf(out, " fail-open");
		if (xlb_ctl_msg__has(v, XLB_A_ANNOUNCE) && !v->vip.announce)
			fprintf(out, " announce off");
		save_check(out, v);
		fprintf(out, "\n");
		for (j = 0; j < backends->n; j++) {
			const struct xlb_ctl_msg *b = &backends->v[j];
			unsigned int f;

			if (cmp_key(&b->vip.key, &v->vip.key))
				continue;
			fprintf(out, "backend add vip %s addr %s", vip,
				xlb_addr__str(&b->be.addr, b->vip.key.family, buf, sizeof(buf)));
			if (b->be.port)
				fprintf(out, " port %u", b->be.port);
			fprintf(out, " weight %u", b->be.weight);
			for (f = 0; f < sizeof(flag_names) / sizeof(flag_names[0]); f++)
				if (b->be.flags & flag_names[f].bit)
					fprintf(out, " %s", flag_names[f].name);
			save_check(out, b);
			fprintf(out, "\n");
		}
	}
}
