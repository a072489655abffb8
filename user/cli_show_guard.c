// SPDX-License-Identifier: MIT
/* xlbctl's listings of the source checks, and their part of `save`. */
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "cli_print.h"
#include "cli_show.h"

#define SCOPE_GLOBAL "global"
#define MS_PER_SEC   1000

static bool scoped(const struct xlb_ctl_msg *m)
{
	return xlb_ctl_msg__has(m, XLB_A_VIP_ADDR);
}

/* "global", the VIP ("198.18.1.10:80/tcp"), or "vip#ID" for a VIP since
 * removed (offenders only). */
static const char *scope_str(const struct xlb_ctl_msg *m, char *buf, size_t len)
{
	if (scoped(m))
		return xlb_vip_key__str(&m->vip.key, buf, len);
	if (xlb_ctl_msg__has(m, XLB_A_VIP_ID))
		snprintf(buf, len, "vip#%u", m->vip.id);
	else
		snprintf(buf, len, SCOPE_GLOBAL);
	return buf;
}

static const char *prefix_str(const struct xlb_ctl_prefix *p, char *buf, size_t len)
{
	char a[XLB_ADDR_STR_MAX];

	snprintf(buf, len, "%s/%u", xlb_addr__str(&p->addr, p->family, a, sizeof(a)), p->plen);
	return buf;
}

static int cmp_scope(const struct xlb_ctl_msg *a, const struct xlb_ctl_msg *b)
{
	const struct xlb_ctl_vip_key *x = &a->vip.key, *y = &b->vip.key;
	int c;

	if (scoped(a) != scoped(b))
		return scoped(a) ? 1 : -1;
	if (!scoped(a))
		return 0;
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	c = memcmp(&x->addr, &y->addr, sizeof(x->addr));
	if (c)
		return c;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return (int)x->proto - (int)y->proto;
}

static int cmp_entry(const void *pa, const void *pb)
{
	const struct xlb_ctl_msg *a = pa, *b = pb;
	int c = cmp_scope(a, b);

	if (c)
		return c;
	if (a->prefix.family != b->prefix.family)
		return a->prefix.family < b->prefix.family ? -1 : 1;
	c = memcmp(&a->prefix.addr, &b->prefix.addr, sizeof(a->prefix.addr));
	if (c)
		return c;
	return (int)a->prefix.plen - (int)b->prefix.plen;
}

static void sort(struct xlb_msg_vec *v)
{
	if (v->n)
		qsort(v->v, v->n, sizeof(v->v[0]), cmp_entry);
}

static const char *action_name(__u8 action)
{
	return action == XLB_ACL_DENY ? "deny" : action == XLB_ACL_ALLOW ? "allow" : "?";
}

/* The scope as JSON keys: "scope" always, "vip" for a VIP's. */
static void print_scope(const struct xlb_ctl_msg *m, const char *fmt)
{
	char buf[XLB_ADDR_STR_MAX];

	print_string(PRINT_JSON, "scope", NULL, scoped(m) ? "vip" : SCOPE_GLOBAL);
	if (scoped(m))
		print_string(PRINT_JSON, "vip", NULL,
			     xlb_vip_key__str(&m->vip.key, buf, sizeof(buf)));
	print_string(PRINT_FP, NULL, fmt, scope_str(m, buf, sizeof(buf)));
}

void xlb_show__acl(struct xlb_msg_vec *acls)
{
	char buf[XLB_ADDR_STR_MAX];
	size_t i;

	sort(acls);
	print_text("%-6s %-44s %s\n", "Action", "Prefix", "Scope");
	open_json_array(NULL);
	for (i = 0; i < acls->n; i++) {
		const struct xlb_ctl_msg *m = &acls->v[i];

		open_json_object(NULL);
		print_string(PRINT_ANY, "action", "%-6s", action_name(m->prefix.action));
		print_string(PRINT_ANY, "prefix", " %-44s",
			     prefix_str(&m->prefix, buf, sizeof(buf)));
		print_scope(m, " %s");
		print_text("\n");
		close_json_object();
	}
	close_json_array();
}

/* A rate (JSON: the number, 0 = off) and its burst ("-" when off). */
static void print_limit(const char *key, const char *bkey, __u32 rate, __u32 burst)
{
	print_u64(PRINT_JSON, key, NULL, rate);
	if (!rate) {
		print_string(PRINT_FP, NULL, " %-10s", "off");
		print_string(PRINT_FP, NULL, " %-10s", "-");
		return;
	}
	print_u64(PRINT_FP, NULL, " %-10llu", rate);
	print_u64(PRINT_ANY, bkey, " %-10llu", burst);
}

void xlb_show__ratelimits(struct xlb_msg_vec *rls)
{
	size_t i;

	sort(rls);
	print_text("%-36s %-10s %-10s %-10s %-10s %-7s %s\n", "Scope", "Pkt/s", "Burst", "Flows/s",
		   "Burst", "Prefix4", "Prefix6");
	open_json_array(NULL);
	for (i = 0; i < rls->n; i++) {
		const struct xlb_ctl_msg *m = &rls->v[i];

		open_json_object(NULL);
		print_scope(m, "%-36s");
		print_limit("pps", "pps_burst", m->rl.pps, m->rl.pps_burst);
		print_limit("flows", "flows_burst", m->rl.flows, m->rl.flows_burst);
		print_u64(PRINT_ANY, "prefix4", " /%-6llu", m->rl.plen4);
		print_u64(PRINT_ANY, "prefix6", " /%llu", m->rl.plen6);
		print_text("\n");
		close_json_object();
	}
	close_json_array();
}

void xlb_show__top(const struct xlb_msg_vec *top)
{
	char buf[XLB_ADDR_STR_MAX], ago[XLB_ADDR_STR_MAX];
	size_t i;

	print_text("%-44s %-36s %-12s %-12s %s\n", "Source", "Scope", "PPS drops", "Flow drops",
		   "Last drop");
	open_json_array(NULL);
	for (i = 0; i < top->n; i++) {
		const struct xlb_ctl_msg *m = &top->v[i];

		open_json_object(NULL);
		print_string(PRINT_ANY, "source", "%-44s",
			     prefix_str(&m->prefix, buf, sizeof(buf)));
		print_string(PRINT_JSON, "scope", NULL,
			     xlb_ctl_msg__has(m, XLB_A_VIP_ID) ? "vip" : SCOPE_GLOBAL);
		if (xlb_ctl_msg__has(m, XLB_A_VIP_ID))
			print_u64(PRINT_JSON, "vip_id", NULL, m->vip.id);
		if (scoped(m))
			print_string(PRINT_JSON, "vip", NULL,
				     xlb_vip_key__str(&m->vip.key, buf, sizeof(buf)));
		print_string(PRINT_FP, NULL, " %-36s", scope_str(m, buf, sizeof(buf)));
		print_u64(PRINT_ANY, "pps_drops", " %-12llu", m->cnt.rl_pps_drops);
		print_u64(PRINT_ANY, "flow_drops", " %-12llu", m->cnt.rl_flow_drops);
		print_u64(PRINT_JSON, "last_drop_ms", NULL, m->rl.last_drop_ms);
		snprintf(ago, sizeof(ago), "%llu.%03llus ago",
			 (unsigned long long)(m->rl.last_drop_ms / MS_PER_SEC),
			 (unsigned long long)(m->rl.last_drop_ms % MS_PER_SEC));
		print_string(PRINT_FP, NULL, " %s", ago);
		print_text("\n");
		close_json_object();
	}
	close_json_array();
}

/* " vip VIP" for a VIP's line, nothing for a global one. */
static const char *vip_words(const struct xlb_ctl_msg *m, char *buf, size_t len)
{
	char v[XLB_ADDR_STR_MAX];

	if (!scoped(m))
		return "";
	snprintf(buf, len, " vip %s", xlb_vip_key__str(&m->vip.key, v, sizeof(v)));
	return buf;
}

void xlb_show__save_guard(FILE *out, const struct xlb_ctl_msg *cfg, struct xlb_msg_vec *rls,
			  struct xlb_msg_vec *acls)
{
	char vip[XLB_ADDR_STR_MAX + 8], buf[XLB_ADDR_STR_MAX];
	size_t i;

	fprintf(out, "config set flow-budget %u\n", cfg->cfg.flow_budget);
	sort(rls);
	for (i = 0; i < rls->n; i++) {
		const struct xlb_ctl_msg *m = &rls->v[i];

		fprintf(out, "ratelimit set%s pps %u", vip_words(m, vip, sizeof(vip)), m->rl.pps);
		if (m->rl.pps)
			fprintf(out, " burst %u", m->rl.pps_burst);
		fprintf(out, " flows %u", m->rl.flows);
		if (m->rl.flows)
			fprintf(out, " burst %u", m->rl.flows_burst);
		fprintf(out, " prefix4 %u prefix6 %u\n", m->rl.plen4, m->rl.plen6);
	}
	sort(acls);
	for (i = 0; i < acls->n; i++) {
		const struct xlb_ctl_msg *m = &acls->v[i];

		fprintf(out, "acl add %s %s%s\n", action_name(m->prefix.action),
			prefix_str(&m->prefix, buf, sizeof(buf)), vip_words(m, vip, sizeof(vip)));
	}
}
