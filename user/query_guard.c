// SPDX-License-Identifier: MIT
/*
 * The dumps of the source checks: ACL entries and rate-limit settings from
 * the model (what the operator said), offenders from the rate-limit state
 * table (what the program did).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "netaddr.h"
#include "request.h"
#include <xlb/timeunit.h>

/* The VIP a dump filters on (NULL: every scope), or an error naming it. */
static int filter_vip(struct xlbd *d, const struct xlb_ctl_msg *req, const struct state_vip **v,
		      struct xlb_ctl_err *e)
{
	char name[XLB_ADDRSTRLEN];
	struct xlb_vip_key key;

	*v = NULL;
	if (!xlb_ctl_msg__has(req, XLB_A_VIP_ADDR))
		return 0;
	request__vip_key(&req->vip.key, &key);
	*v = state__vip_find(&d->state, &key);
	if (*v)
		return 0;
	if (xlb_vip_key__format(&key, name, sizeof(name)))
		snprintf(name, sizeof(name), "?");
	return xlb_ctl_err__set(e, -ENOENT, "unknown VIP %s", name);
}

/* The VIP key and id of a scope's reply; nothing for the global scope. */
static void put_scope(struct xlb_ctl_msg *m, const struct state_vip *v)
{
	if (!v)
		return;
	m->vip.key.addr = v->key.addr;
	m->vip.key.port = ntohs(v->key.port);
	m->vip.key.proto = v->key.proto;
	m->vip.key.family = v->key.family;
	m->vip.id = v->id;
	xlb_ctl_msg__set_vip_key(m);
	xlb_ctl_msg__set(m, XLB_A_VIP_ID);
}

static void put_prefix(struct xlb_ctl_msg *m, __u8 family, const struct xlb_addr *addr, __u8 plen)
{
	m->prefix.family = family;
	m->prefix.addr = *addr;
	m->prefix.plen = plen;
	xlb_ctl_msg__set(m, XLB_A_PREFIX_FAMILY);
	xlb_ctl_msg__set(m, XLB_A_PREFIX_ADDR);
	xlb_ctl_msg__set(m, XLB_A_PREFIX_LEN);
}

static int acl_list_dump(struct ctl_reply *r, const struct state_acl *l, const struct state_vip *v)
{
	struct xlb_ctl_msg m;
	size_t i;
	int err;

	for (i = 0; i < l->n; i++) {
		memset(&m, 0, sizeof(m));
		put_scope(&m, v);
		put_prefix(&m, l->r[i].family, &l->r[i].addr, l->r[i].plen);
		m.prefix.action = l->r[i].action;
		xlb_ctl_msg__set(&m, XLB_A_ACL_ACTION);
		err = ctl_reply__put(r, &m);
		if (err)
			return err;
	}
	return 0;
}

/* Writes one scope's part of a dump: v's, or the global one when v is NULL. */
typedef int (*scope_put_fn)(struct xlbd *d, struct ctl_reply *r, const struct state_vip *v);

/* A dump of the VIP the request names, or of the global scope and then every
 * VIP's. */
static int scopes_dump(struct xlbd *d, const struct xlb_ctl_msg *req, struct ctl_reply *r,
		       struct xlb_ctl_err *e, scope_put_fn put)
{
	const struct state_vip *one;
	size_t i;
	int err;

	err = filter_vip(d, req, &one, e);
	if (err)
		return err;
	err = put(d, r, one);
	for (i = 0; !one && !err && i < d->state.nr_vips; i++)
		err = put(d, r, &d->state.vips[i]);
	return err ? xlb_ctl_err__set(e, err, "dump interrupted") : 0;
}

static int put_acl_scope(struct xlbd *d, struct ctl_reply *r, const struct state_vip *v)
{
	return acl_list_dump(r, v ? &v->acl : &d->state.acl, v);
}

static int put_ratelimit(struct ctl_reply *r, const struct state_ratelimit *rl,
			 const struct state_vip *v)
{
	struct xlb_ctl_msg m;

	if (!rl->set)
		return 0;
	memset(&m, 0, sizeof(m));
	put_scope(&m, v);
	m.rl.pps = rl->rl.pps;
	m.rl.pps_burst = rl->rl.pps_burst;
	m.rl.flows = rl->rl.flows;
	m.rl.flows_burst = rl->rl.flows_burst;
	m.rl.plen4 = rl->rl.plen4;
	m.rl.plen6 = rl->rl.plen6;
	xlb_ctl_msg__set(&m, XLB_A_RL_PPS);
	xlb_ctl_msg__set(&m, XLB_A_RL_FLOWS);
	xlb_ctl_msg__set(&m, XLB_A_RL_PLEN4);
	xlb_ctl_msg__set(&m, XLB_A_RL_PLEN6);
	/* a burst belongs to a limit that is on */
	if (m.rl.pps)
		xlb_ctl_msg__set(&m, XLB_A_RL_PPS_BURST);
	if (m.rl.flows)
		xlb_ctl_msg__set(&m, XLB_A_RL_FLOWS_BURST);
	return ctl_reply__put(r, &m);
}

static int put_ratelimit_scope(struct xlbd *d, struct ctl_reply *r, const struct state_vip *v)
{
	return put_ratelimit(r, v ? &v->rl : &d->state.rl, v);
}

static int put_offender(struct xlbd *d, struct ctl_reply *r, const struct xlb_rl_offender *o)
{
	const struct state_vip *v = NULL;
	struct xlb_ctl_msg m;

	memset(&m, 0, sizeof(m));
	if (o->scope != XLB_SCOPE_GLOBAL) {
		v = state__vip_by_id(&d->state, o->scope);
		if (v) {
			put_scope(&m, v);
		} else { /* a VIP removed since: its id alone */
			m.vip.id = o->scope;
			xlb_ctl_msg__set(&m, XLB_A_VIP_ID);
		}
	}
	put_prefix(&m, o->family, &o->prefix, o->plen);
	m.cnt.rl_pps_drops = o->pps_drops;
	m.cnt.rl_flow_drops = o->flow_drops;
	m.cnt.present = (1u << XLB_CNT_RL_PPS_DROPS) | (1u << XLB_CNT_RL_FLOW_DROPS);
	xlb_ctl_msg__set(&m, XLB_A_COUNTERS);
	m.rl.last_drop_ms = o->ago_ns / XLB_NSEC_PER_MSEC;
	xlb_ctl_msg__set(&m, XLB_A_RL_LAST_DROP_MS);
	return ctl_reply__put(r, &m);
}

static int top_dump(struct xlbd *d, const struct xlb_ctl_msg *req, struct ctl_reply *r,
		    struct xlb_ctl_err *e)
{
	struct xlb_rl_offender *top;
	int n, i, err = 0;

	top = calloc(req->rl.top_max, sizeof(*top));
	if (!top)
		return xlb_ctl_err__set(e, -ENOMEM, "out of memory");
	n = xlb_ratelimit__top(&d->maps, top, req->rl.top_max);
	if (n < 0)
		err = xlb_ctl_err__set(e, n, "cannot read the rate-limit state: %s", strerror(-n));
	for (i = 0; !err && i < n; i++) {
		err = put_offender(d, r, &top[i]);
		if (err)
			xlb_ctl_err__set(e, err, "dump interrupted");
	}
	free(top);
	return err;
}

int xlbd__query_guard(struct xlbd *d, const struct xlb_ctl_msg *req, struct ctl_reply *r,
		      struct xlb_ctl_err *e)
{
	switch (req->cmd) {
	case XLB_CMD_ACL_GET:
		return scopes_dump(d, req, r, e, put_acl_scope);
	case XLB_CMD_RATELIMIT_GET:
		return scopes_dump(d, req, r, e, put_ratelimit_scope);
	case XLB_CMD_RATELIMIT_TOP:
		return top_dump(d, req, r, e);
	default:
		return xlb_ctl_err__set(e, -EOPNOTSUPP, "%s not supported",
					xlb_cmd__name(req->cmd));
	}
}
