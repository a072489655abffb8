// SPDX-License-Identifier: MIT
/*
 * The model's source ACL and rate limits: the global list and setting, each
 * VIP's own, and the flow-insert budget. Pure data like the rest of the
 * model; dataplane_guard.c writes them into the maps.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netaddr.h"
#include "prefix.h"
#include "state.h"

#define ACL_INITIAL_CAP 16

static const char *action_name(__u8 action)
{
	return action == XLB_ACL_DENY ? "deny" : action == XLB_ACL_ALLOW ? "allow" : "?";
}

/* "198.18.0.0/24" */
static const char *prefix_str(const struct xlb_acl_rule *r, char *buf, size_t len)
{
	char a[XLB_ADDRSTRLEN];

	if (xlb_addr__format(r->family, &r->addr, a, sizeof(a)))
		snprintf(buf, len, "?");
	else
		snprintf(buf, len, "%s/%u", a, r->plen);
	return buf;
}

/* "the global ACL" / "the ACL of VIP 198.18.1.10:80/tcp" */
static const char *list_name(const struct xlb_vip_key *key, char *buf, size_t len)
{
	char v[XLB_ADDRSTRLEN];

	if (!key)
		snprintf(buf, len, "the global ACL");
	else if (xlb_vip_key__format(key, v, sizeof(v)))
		snprintf(buf, len, "the ACL of a VIP");
	else
		snprintf(buf, len, "the ACL of VIP %s", v);
	return buf;
}

int state_acl__cmp(const struct xlb_acl_rule *a, const struct xlb_acl_rule *b)
{
	int c;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	c = memcmp(&a->addr, &b->addr, sizeof(a->addr));
	if (c)
		return c;
	return (int)a->plen - (int)b->plen;
}

/* Index of r's prefix in l, or where it would go (*found false). */
static size_t acl_search(const struct state_acl *l, const struct xlb_acl_rule *r, bool *found)
{
	size_t lo = 0, hi = l->n, mid;
	int c;

	*found = false;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = state_acl__cmp(&l->r[mid], r);
		if (!c) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct xlb_acl_rule *state_acl__find(const struct state_acl *l, const struct xlb_acl_rule *r)
{
	bool found;
	size_t i;

	if (!l || !l->n)
		return NULL;
	i = acl_search(l, r, &found);
	return found ? &l->r[i] : NULL;
}

int state_acl__copy(struct state_acl *dst, const struct state_acl *src)
{
	memset(dst, 0, sizeof(*dst));
	if (!src->n)
		return 0;
	dst->r = malloc(src->n * sizeof(*dst->r));
	if (!dst->r)
		return -ENOMEM;
	memcpy(dst->r, src->r, src->n * sizeof(*dst->r));
	dst->n = src->n;
	dst->cap = src->n;
	return 0;
}

void state_acl__free(struct state_acl *l)
{
	free(l->r);
	memset(l, 0, sizeof(*l));
}

static int acl_insert(struct state_acl *l, size_t at, const struct xlb_acl_rule *r)
{
	struct xlb_acl_rule *grown;
	size_t cap;

	if (l->n == l->cap) {
		cap = l->cap ? l->cap * 2 : ACL_INITIAL_CAP;
		grown = realloc(l->r, cap * sizeof(*l->r));
		if (!grown)
			return -ENOMEM;
		l->r = grown;
		l->cap = cap;
	}
	memmove(&l->r[at + 1], &l->r[at], (l->n - at) * sizeof(*l->r));
	l->r[at] = *r;
	l->r[at].scope = XLB_SCOPE_GLOBAL;
	l->n++;
	return 0;
}

/* Entries of family in every list: the tries hold XLB_ACL_ENTRIES each. */
static size_t acl_entries(const struct xlb_state *s, __u8 family)
{
	size_t i, j, n = 0;

	for (i = 0; i < s->acl.n; i++)
		n += s->acl.r[i].family == family;
	for (i = 0; i < s->nr_vips; i++)
		for (j = 0; j < s->vips[i].acl.n; j++)
			n += s->vips[i].acl.r[j].family == family;
	return n;
}

/* The VIP of key (NULL: none asked), or an error naming it. */
static int vip_of(const struct xlb_state *s, const struct xlb_vip_key *key, struct state_vip **v,
		  struct xlb_errmsg *e)
{
	char name[XLB_ADDRSTRLEN];

	*v = NULL;
	if (!key)
		return 0;
	*v = state__vip_find(s, key);
	if (*v)
		return 0;
	if (xlb_vip_key__format(key, name, sizeof(name)))
		snprintf(name, sizeof(name), "?");
	return xlb_errmsg__set(e, -ENOENT, "unknown VIP %s", name);
}

/* Checks r's prefix (the action aside) for the list of VIP v (or none). */
static int rule_check(const struct state_vip *v, const struct xlb_acl_rule *r, struct xlb_errmsg *e)
{
	unsigned int bits = xlb_family__bits(r->family);
	char p[XLB_ADDRSTRLEN + 8];

	if (!bits)
		return xlb_errmsg__set(e, -EAFNOSUPPORT, "ACL family %u not IPv4 or IPv6",
				       r->family);
	if (r->plen > bits)
		return xlb_errmsg__set(e, -ERANGE, "ACL prefix length %u over %u", r->plen, bits);
	if (!xlb_prefix__is_clean(r->family, &r->addr, r->plen))
		return xlb_errmsg__set(e, -EINVAL, "ACL prefix %s has bits set past /%u",
				       prefix_str(r, p, sizeof(p)), r->plen);
	if (v && v->key.family != r->family)
		return xlb_errmsg__set(e, -EAFNOSUPPORT, "IPv%u prefix %s on an IPv%u VIP",
				       r->family, prefix_str(r, p, sizeof(p)), v->key.family);
	return 0;
}

int state__acl_add(struct xlb_state *s, const struct xlb_vip_key *key, const struct xlb_acl_rule *r,
		   struct xlb_errmsg *e)
{
	char p[XLB_ADDRSTRLEN + 8], l[XLB_ADDRSTRLEN + 32];
	struct state_vip *v;
	struct state_acl *list;
	bool found;
	size_t at;
	int err;

	err = vip_of(s, key, &v, e);
	if (!err)
		err = rule_check(v, r, e);
	if (err)
		return err;
	if (r->action != XLB_ACL_DENY && r->action != XLB_ACL_ALLOW)
		return xlb_errmsg__set(e, -EINVAL, "ACL action %u not deny or allow", r->action);
	list = v ? &v->acl : &s->acl;
	at = acl_search(list, r, &found);
	if (found)
		return xlb_errmsg__set(e, -EEXIST, "%s is in %s already (%s)",
				       prefix_str(r, p, sizeof(p)), list_name(key, l, sizeof(l)),
				       action_name(list->r[at].action));
	if (acl_entries(s, r->family) >= XLB_ACL_ENTRIES)
		return xlb_errmsg__set(e, -ENOSPC, "the ACL holds %u IPv%u prefixes at most",
				       XLB_ACL_ENTRIES, r->family);
	err = acl_insert(list, at, r);
	if (err)
		return xlb_errmsg__set(e, err, "out of memory");
	return 0;
}

int state__acl_del(struct xlb_state *s, const struct xlb_vip_key *key, const struct xlb_acl_rule *r,
		   bool match_action, struct xlb_errmsg *e)
{
	char p[XLB_ADDRSTRLEN + 8], l[XLB_ADDRSTRLEN + 32];
	struct state_vip *v;
	struct state_acl *list;
	bool found;
	size_t at;
	int err;

	err = vip_of(s, key, &v, e);
	if (!err)
		err = rule_check(v, r, e);
	if (err)
		return err;
	list = v ? &v->acl : &s->acl;
	at = acl_search(list, r, &found);
	if (!found)
		return xlb_errmsg__set(e, -ENOENT, "%s is not in %s", prefix_str(r, p, sizeof(p)),
				       list_name(key, l, sizeof(l)));
	if (match_action && list->r[at].action != r->action)
		return xlb_errmsg__set(e, -ENOENT, "%s is %s entry of %s, not %s",
				       prefix_str(r, p, sizeof(p)),
				       list->r[at].action == XLB_ACL_ALLOW ? "an allow" : "a deny",
				       list_name(key, l, sizeof(l)), action_name(r->action));
	memmove(&list->r[at], &list->r[at + 1], (list->n - at - 1) * sizeof(*list->r));
	list->n--;
	return 0;
}

/* One limit: a rate of 0 is off and takes no burst; else burst >= 1. */
static int limit_check(const char *what, __u32 rate, __u32 burst, struct xlb_errmsg *e)
{
	if (rate > XLB_RL_RATE_MAX)
		return xlb_errmsg__set(e, -ERANGE, "%s %u over the maximum %u", what, rate,
				       XLB_RL_RATE_MAX);
	if (rate && !burst)
		return xlb_errmsg__set(e, -EINVAL, "%s burst must be at least 1", what);
	if (!rate && burst)
		return xlb_errmsg__set(e, -EINVAL, "%s burst %u without a %s rate", what, burst,
				       what);
	return 0;
}

int state__ratelimit_set(struct xlb_state *s, const struct xlb_vip_key *key,
			 const struct xlb_ratelimit *rl, struct xlb_errmsg *e)
{
	struct state_vip *v;
	int err;

	err = vip_of(s, key, &v, e);
	if (!err)
		err = limit_check("pps", rl->pps, rl->pps_burst, e);
	if (!err)
		err = limit_check("flows", rl->flows, rl->flows_burst, e);
	if (err)
		return err;
	if (rl->plen4 > XLB_V4_BITS || rl->plen6 > XLB_V6_BITS)
		return xlb_errmsg__set(e, -ERANGE, "source prefix lengths /%u, /%u over /%u, /%u",
				       rl->plen4, rl->plen6, XLB_V4_BITS, XLB_V6_BITS);
	err = xlb_ratelimit__check(rl);
	if (err)
		return xlb_errmsg__set(e, err, "invalid rate limit");
	if (v) {
		v->rl.set = true;
		v->rl.rl = *rl;
	} else {
		s->rl.set = true;
		s->rl.rl = *rl;
	}
	return 0;
}

int state__ratelimit_del(struct xlb_state *s, const struct xlb_vip_key *key, struct xlb_errmsg *e)
{
	char name[XLB_ADDRSTRLEN];
	struct state_ratelimit *rl;
	struct state_vip *v;
	int err;

	err = vip_of(s, key, &v, e);
	if (err)
		return err;
	rl = v ? &v->rl : &s->rl;
	if (!rl->set) {
		if (!v)
			return xlb_errmsg__set(e, -ENOENT, "no global rate limit");
		xlb_vip_key__format(key, name, sizeof(name));
		return xlb_errmsg__set(e, -ENOENT, "no rate limit of VIP %s", name);
	}
	memset(rl, 0, sizeof(*rl));
	return 0;
}

int state__set_flow_budget(struct xlb_state *s, __u32 per_sec, struct xlb_errmsg *e)
{
	if (per_sec > XLB_RL_RATE_MAX)
		return xlb_errmsg__set(e, -ERANGE, "flow budget %u over the maximum %u", per_sec,
				       XLB_RL_RATE_MAX);
	s->flow_budget = per_sec;
	return 0;
}

const struct state_acl *state__acl_of(const struct xlb_state *s, __u32 scope)
{
	const struct state_vip *v;

	if (scope == XLB_SCOPE_GLOBAL)
		return &s->acl;
	v = state__vip_by_id(s, scope);
	return v ? &v->acl : NULL;
}

const struct state_ratelimit *state__ratelimit_of(const struct xlb_state *s, __u32 scope)
{
	const struct state_vip *v;

	if (scope == XLB_SCOPE_GLOBAL)
		return &s->rl;
	v = state__vip_by_id(s, scope);
	return v ? &v->rl : NULL;
}

bool state_ratelimit__equal(const struct xlb_ratelimit *a, const struct xlb_ratelimit *b)
{
	return a->pps == b->pps && a->pps_burst == b->pps_burst && a->flows == b->flows &&
	       a->flows_burst == b->flows_burst && a->plen4 == b->plen4 && a->plen6 == b->plen6;
}

/* Makes *dst a copy of src, replacing what it held. */
static int acl_replace(struct state_acl *dst, const struct state_acl *src)
{
	struct state_acl copy;
	int err;

	err = state_acl__copy(&copy, src);
	if (err)
		return err;
	state_acl__free(dst);
	*dst = copy;
	return 0;
}

int state__reconcile_guard(struct xlb_state *s, const struct xlb_state *want, struct xlb_errmsg *e)
{
	struct state_vip *v;
	size_t i;

	if (acl_replace(&s->acl, &want->acl))
		return xlb_errmsg__set(e, -ENOMEM, "out of memory");
	s->rl = want->rl;
	s->flow_budget = want->flow_budget;
	for (i = 0; i < want->nr_vips; i++) {
		v = state__vip_find(s, &want->vips[i].key);
		if (!v)
			return xlb_errmsg__set(e, -ENOENT, "VIP missing after reconcile");
		if (acl_replace(&v->acl, &want->vips[i].acl))
			return xlb_errmsg__set(e, -ENOMEM, "out of memory");
		v->rl = want->vips[i].rl;
	}
	return 0;
}
