// SPDX-License-Identifier: MIT
/*
 * Model → maps for the source checks: the ACL tries, the rate-limit settings
 * and the flow-insert budget, through user/acl.c and user/ratelimit.c. The
 * maps are keyed by scope (0 or a VIP id), so the model's lists are compared
 * scope by scope: a VIP deleted and another given its id in one change is
 * one scope whose entries change. Additions and changes go in before the
 * VIP entries (a new VIP's allow list is there before its first packet),
 * removals after the removed VIPs are gone.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane.h"
#include "log.h"
#include "netaddr.h"

/* A rule of scope's list as the library takes it. */
static struct xlb_acl_rule scoped(const struct xlb_acl_rule *r, __u32 scope)
{
	struct xlb_acl_rule out = *r;

	out.scope = scope;
	return out;
}

static int acl_error(struct xlb_errmsg *e, int err, const char *what, const struct xlb_acl_rule *r)
{
	char a[XLB_ADDRSTRLEN];

	if (xlb_addr__format(r->family, &r->addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	return xlb_errmsg__set(e, err, "cannot %s ACL entry %s/%u of scope %u", what, a, r->plen,
			       r->scope);
}

/* Adds or changes the entries of one scope's list that the maps lack. */
static int acl_in(const struct xlb_maps *m, const struct state_acl *have,
		  const struct state_acl *want, __u32 scope, bool compare_maps,
		  struct xlb_errmsg *e)
{
	const struct xlb_acl_rule *old;
	struct xlb_acl_rule r, cur;
	size_t i;
	int err;

	for (i = 0; i < want->n; i++) {
		r = scoped(&want->r[i], scope);
		if (compare_maps) {
			cur = r;
			if (!xlb_acl__get(m, &cur) && cur.action == r.action)
				continue;
		} else {
			old = state_acl__find(have, &r);
			if (old && old->action == r.action)
				continue;
		}
		err = xlb_acl__add(m, &r);
		if (err)
			return acl_error(e, err, "add", &r);
	}
	return 0;
}

static int ratelimit_in(const struct xlb_maps *m, const struct state_ratelimit *have,
			const struct state_ratelimit *want, __u32 scope, bool compare_maps,
			struct xlb_errmsg *e)
{
	struct xlb_ratelimit cur;
	int err;

	if (!want->set)
		return 0;
	if (compare_maps) {
		if (!xlb_ratelimit__get(m, scope, &cur) && state_ratelimit__equal(&cur, &want->rl))
			return 0;
	} else if (have && have->set && state_ratelimit__equal(&have->rl, &want->rl)) {
		return 0;
	}
	err = xlb_ratelimit__set(m, scope, &want->rl);
	if (err)
		return xlb_errmsg__set(e, err, "cannot set the rate limit of scope %u", scope);
	return 0;
}

static int budget_sync(const struct xlb_maps *m, const struct xlb_state *from,
		       const struct xlb_state *to, struct xlb_errmsg *e)
{
	__u32 cur;
	int err;

	if (from && from->flow_budget == to->flow_budget)
		return 0;
	if (!from && !xlb_flow_budget__get(m, &cur) && cur == to->flow_budget)
		return 0;
	err = xlb_flow_budget__set(m, to->flow_budget);
	if (err)
		return xlb_errmsg__set(e, err, "cannot set the flow budget");
	return 0;
}

/* Every scope of to in turn: the global one, then each VIP's. */
static int scope_in(const struct xlb_maps *m, const struct xlb_state *from,
		    const struct state_acl *acl, const struct state_ratelimit *rl, __u32 scope,
		    struct xlb_errmsg *e)
{
	const struct state_acl *have_acl = from ? state__acl_of(from, scope) : NULL;
	const struct state_ratelimit *have_rl = from ? state__ratelimit_of(from, scope) : NULL;
	int err;

	err = acl_in(m, have_acl, acl, scope, !from, e);
	if (!err)
		err = ratelimit_in(m, have_rl, rl, scope, !from, e);
	return err;
}

int dataplane__sync_guard_in(const struct xlb_maps *m, const struct xlb_state *from,
			     const struct xlb_state *to, struct xlb_errmsg *e)
{
	size_t i;
	int err;

	err = scope_in(m, from, &to->acl, &to->rl, XLB_SCOPE_GLOBAL, e);
	for (i = 0; !err && i < to->nr_vips; i++)
		err = scope_in(m, from, &to->vips[i].acl, &to->vips[i].rl, to->vips[i].id, e);
	if (!err)
		err = budget_sync(m, from, to, e);
	return err;
}

/* Removes r unless to's list of its scope holds its prefix. */
static int acl_out_one(const struct xlb_maps *m, const struct xlb_state *to,
		       const struct xlb_acl_rule *r, struct xlb_errmsg *e)
{
	int err;

	if (state_acl__find(state__acl_of(to, r->scope), r))
		return 0;
	err = xlb_acl__del(m, r);
	if (err && err != -ENOENT)
		return acl_error(e, err, "delete", r);
	return 0;
}

static int ratelimit_out_one(const struct xlb_maps *m, const struct xlb_state *to, __u32 scope,
			     struct xlb_errmsg *e)
{
	const struct state_ratelimit *want = state__ratelimit_of(to, scope);
	int err;

	if (want && want->set)
		return 0;
	err = xlb_ratelimit__del(m, scope);
	if (err && err != -ENOENT)
		return xlb_errmsg__set(e, err, "cannot delete the rate limit of scope %u", scope);
	return 0;
}

static int scope_out(const struct xlb_maps *m, const struct xlb_state *to,
		     const struct state_acl *acl, const struct state_ratelimit *rl, __u32 scope,
		     struct xlb_errmsg *e)
{
	struct xlb_acl_rule r;
	size_t i;
	int err;

	for (i = 0; i < acl->n; i++) {
		r = scoped(&acl->r[i], scope);
		err = acl_out_one(m, to, &r, e);
		if (err)
			return err;
	}
	return rl->set ? ratelimit_out_one(m, to, scope, e) : 0;
}

/* Entries found in the maps, to remove after the walk. */
struct rule_vec {
	struct xlb_acl_rule *r;
	size_t n;
	size_t cap;
};

static int rule_vec__push(const struct xlb_acl_rule *r, void *arg)
{
	struct rule_vec *v = arg;
	struct xlb_acl_rule *grown;
	size_t cap;

	if (v->n == v->cap) {
		cap = v->cap ? v->cap * 2 : 64;
		grown = realloc(v->r, cap * sizeof(*v->r));
		if (!grown)
			return -ENOMEM;
		v->r = grown;
		v->cap = cap;
	}
	v->r[v->n++] = *r;
	return 0;
}

/* Unknown starting point (a restart): whatever the maps hold that to lacks
 * goes, then every list's count is recomputed from the tries. */
static int sync_out_maps(const struct xlb_maps *m, const struct xlb_state *to, struct xlb_errmsg *e)
{
	struct rule_vec found = {0};
	__u32 scope;
	size_t i;
	int err;

	err = xlb_acl__foreach(m, rule_vec__push, &found);
	if (err)
		xlb_errmsg__set(e, err, "cannot read the ACL");
	for (i = 0; !err && i < found.n; i++)
		if (found.r[i].scope < XLB_MAX_VIPS) /* others are never consulted */
			err = acl_out_one(m, to, &found.r[i], e);
	free(found.r);
	for (scope = XLB_SCOPE_GLOBAL; !err && scope < XLB_MAX_VIPS; scope++)
		err = ratelimit_out_one(m, to, scope, e);
	if (err)
		return err;
	err = xlb_acl__recount(m);
	if (err)
		return xlb_errmsg__set(e, err, "cannot recount the ACL");
	return 0;
}

int dataplane__sync_guard_out(const struct xlb_maps *m, const struct xlb_state *from,
			      const struct xlb_state *to, struct xlb_errmsg *e)
{
	size_t i;
	int err;

	if (!from)
		return sync_out_maps(m, to, e);
	err = scope_out(m, to, &from->acl, &from->rl, XLB_SCOPE_GLOBAL, e);
	for (i = 0; !err && i < from->nr_vips; i++)
		err = scope_out(m, to, &from->vips[i].acl, &from->vips[i].rl, from->vips[i].id, e);
	return err;
}
