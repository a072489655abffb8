// SPDX-License-Identifier: MIT
/* Mutation requests → model operations. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "request.h"

void request__vip_key(const struct xlb_ctl_vip_key *in, struct xlb_vip_key *out)
{
	memset(out, 0, sizeof(*out));
	out->addr = in->addr;
	out->port = htons(in->port);
	out->proto = in->proto;
	out->family = in->family;
}

static int backend_add(struct xlb_state *s, const struct xlb_vip_key *key,
		       const struct xlb_ctl_msg *m, struct xlb_errmsg *em)
{
	struct state_backend_spec spec = {
		.addr = m->be.addr,
		.port = htons(m->be.port),
		.family = key->family,
		.weight = XLB_WEIGHT_DEFAULT,
	};

	if (xlb_ctl_msg__has(m, XLB_A_WEIGHT))
		spec.weight = m->be.weight;
	if (xlb_ctl_msg__has(m, XLB_A_FLAGS))
		spec.flags = m->be.flags;
	/* With the add, not after it: a refused check must not leave the backend. */
	if (xlb_ctl_msg__has(m, XLB_A_CHECK))
		spec.check = &m->check;
	return state__backend_add(s, key, &spec, em);
}

static int backend_set(struct xlb_state *s, const struct xlb_vip_key *key,
		       const struct xlb_ctl_msg *m, struct xlb_errmsg *em)
{
	struct state_backend_change chg = {};
	struct state_backend *b = NULL, was = {};
	__u32 mask = XLB_BE_F_ALL;
	struct state_vip *v;
	int err;

	if (xlb_ctl_msg__has(m, XLB_A_WEIGHT)) {
		chg.set_weight = true;
		chg.weight = m->be.weight;
	}
	if (xlb_ctl_msg__has(m, XLB_A_FLAGS)) {
		if (xlb_ctl_msg__has(m, XLB_A_FLAGS_MASK))
			mask = m->be.flags_mask;
		chg.flags_set = m->be.flags & mask;
		chg.flags_clear = ~m->be.flags & mask;
	}
	v = state__vip_find(s, key);
	if (v)
		b = state__backend_find(v, key->family, &m->be.addr, htons(m->be.port));
	if (b)
		was = *b;
	err = state__backend_set(s, key, key->family, &m->be.addr, htons(m->be.port), &chg, em);
	if (err || !xlb_ctl_msg__has(m, XLB_A_CHECK))
		return err;
	err = state__backend_set_check(s, key, key->family, &m->be.addr, htons(m->be.port),
				       &m->check, em);
	/* A refused check is refused before it changes anything: the weight and
	 * flags just set go back, and the request changes nothing. */
	if (err)
		*b = was;
	return err;
}

/* VIP_ADD and VIP_SET: the options given. Only the check can be refused once
 * the VIP is found, before it changes anything: then the mode and flags set
 * before it go back, and a VIP_SET changes nothing. */
static int vip_opts(struct xlb_state *s, const struct xlb_vip_key *key, const struct xlb_ctl_msg *m,
		    struct xlb_errmsg *em)
{
	struct state_vip *v = state__vip_find(s, key);
	struct state_vip was = {};
	int err = 0;

	if (v)
		was = *v;
	if (m->cmd == XLB_CMD_VIP_SET && xlb_ctl_msg__has(m, XLB_A_MODE))
		err = state__vip_set_mode(s, key, m->vip.mode, em);
	if (!err && xlb_ctl_msg__has(m, XLB_A_FAIL_OPEN))
		err = state__vip_set_fail_open(s, key, m->vip.fail_open, em);
	if (!err && xlb_ctl_msg__has(m, XLB_A_CHECK))
		err = state__vip_set_check(s, key, &m->check, em);
	if (!err && xlb_ctl_msg__has(m, XLB_A_ANNOUNCE))
		err = state__vip_set_announce(s, key, m->vip.announce, em);
	if (err && v) {
		v->mode = was.mode;
		v->fail_open = was.fail_open;
		v->announce_off = was.announce_off;
	}
	return err;
}

/* A VIP whose options are refused is taken out again, its id with it. */
static int vip_add(struct xlb_state *s, const struct xlb_vip_key *key, const struct xlb_ctl_msg *m,
		   struct xlb_errmsg *em)
{
	struct xlb_errmsg undo = {};
	int err, undo_err;

	err = state__vip_add(s, key, xlb_ctl_msg__has(m, XLB_A_MODE) ? m->vip.mode : XLB_MODE_IPIP,
			     0, em);
	if (err)
		return err;
	err = vip_opts(s, key, m, em);
	if (!err)
		return 0;
	/* em keeps the refused option's reason, the one to report */
	undo_err = state__vip_del(s, key, &undo);
	return undo_err ? undo_err : err;
}

/* The settings given; one refused puts back those set before it. */
static int config_set(struct xlb_state *s, const struct xlb_ctl_msg *m, struct xlb_errmsg *em)
{
	const struct xlb_state was = *s;
	int err = 0;

	if (xlb_ctl_msg__has(m, XLB_A_MTU))
		err = state__set_mtu(s, m->cfg.mtu, em);
	if (!err && xlb_ctl_msg__has(m, XLB_A_SRC4_ADDR))
		err = state__set_source(s, XLB_AF_INET, &m->cfg.src4, m->cfg.src4_plen, em);
	if (!err && xlb_ctl_msg__has(m, XLB_A_SRC6_ADDR))
		err = state__set_source(s, XLB_AF_INET6, &m->cfg.src6, m->cfg.src6_plen, em);
	if (!err && xlb_ctl_msg__has(m, XLB_A_FLOW_BUDGET))
		err = state__set_flow_budget(s, m->cfg.flow_budget, em);
	if (!err && xlb_ctl_msg__has(m, XLB_A_SAMPLE_EVERY))
		err = state__set_sample(s, m->cfg.sample_every, em);
	if (err) {
		s->mtu = was.mtu;
		s->src4 = was.src4;
		s->src6 = was.src6;
		s->flow_budget = was.flow_budget;
		s->sample_every = was.sample_every;
	}
	return err;
}

/* A RATELIMIT_SET's setting; what it leaves out is a burst of one second's
 * rate and the default source prefix lengths. */
static void ratelimit_of(const struct xlb_ctl_msg *m, struct xlb_ratelimit *rl)
{
	xlb_ratelimit__init(rl);
	rl->pps = m->rl.pps;
	rl->flows = m->rl.flows;
	rl->pps_burst = xlb_ctl_msg__has(m, XLB_A_RL_PPS_BURST) ? m->rl.pps_burst : rl->pps;
	rl->flows_burst = xlb_ctl_msg__has(m, XLB_A_RL_FLOWS_BURST) ? m->rl.flows_burst : rl->flows;
	if (xlb_ctl_msg__has(m, XLB_A_RL_PLEN4))
		rl->plen4 = m->rl.plen4;
	if (xlb_ctl_msg__has(m, XLB_A_RL_PLEN6))
		rl->plen6 = m->rl.plen6;
}

/* ACL and rate-limit changes: a VIP's when the message names one, else
 * the global ones. */
static int guard_change(struct xlb_state *s, const struct xlb_vip_key *key,
			const struct xlb_ctl_msg *m, struct xlb_errmsg *em)
{
	const struct xlb_vip_key *k = xlb_ctl_msg__has(m, XLB_A_VIP_ADDR) ? key : NULL;
	const struct xlb_acl_rule r = {
		.family = m->prefix.family,
		.plen = m->prefix.plen,
		.action = m->prefix.action,
		.addr = m->prefix.addr,
	};
	struct xlb_ratelimit rl;

	switch (m->cmd) {
	case XLB_CMD_ACL_ADD:
		return state__acl_add(s, k, &r, em);
	case XLB_CMD_ACL_DEL:
		return state__acl_del(s, k, &r, xlb_ctl_msg__has(m, XLB_A_ACL_ACTION), em);
	case XLB_CMD_RATELIMIT_SET:
		ratelimit_of(m, &rl);
		return state__ratelimit_set(s, k, &rl, em);
	default:
		return state__ratelimit_del(s, k, em);
	}
}

int request__apply(struct xlb_state *s, const struct xlb_ctl_msg *m, struct xlb_ctl_err *e)
{
	struct xlb_errmsg em = {};
	struct xlb_vip_key key;
	int err;

	request__vip_key(&m->vip.key, &key);
	switch (m->cmd) {
	case XLB_CMD_VIP_ADD:
		err = vip_add(s, &key, m, &em);
		break;
	case XLB_CMD_VIP_DEL:
		err = state__vip_del(s, &key, &em);
		break;
	case XLB_CMD_VIP_SET:
		err = vip_opts(s, &key, m, &em);
		break;
	case XLB_CMD_BACKEND_ADD:
		err = backend_add(s, &key, m, &em);
		break;
	case XLB_CMD_BACKEND_DEL:
		err = state__backend_del(s, &key, key.family, &m->be.addr, htons(m->be.port), &em);
		break;
	case XLB_CMD_BACKEND_SET:
		err = backend_set(s, &key, m, &em);
		break;
	case XLB_CMD_CONFIG_SET:
		err = config_set(s, m, &em);
		break;
	case XLB_CMD_ACL_ADD:
	case XLB_CMD_ACL_DEL:
	case XLB_CMD_RATELIMIT_SET:
	case XLB_CMD_RATELIMIT_DEL:
		err = guard_change(s, &key, m, &em);
		break;
	default:
		return xlb_ctl_err__set(e, -EOPNOTSUPP, "%s is not a change",
					xlb_cmd__name(m->cmd));
	}
	if (err)
		return xlb_ctl_err__set(e, err, "%s", em.text[0] ? em.text : strerror(-err));
	return 0;
}
