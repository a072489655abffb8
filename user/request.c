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

	int err;

	if (xlb_ctl_msg__has(m, XLB_A_WEIGHT))
		spec.weight = m->be.weight;
	if (xlb_ctl_msg__has(m, XLB_A_FLAGS))
		spec.flags = m->be.flags;
	err = state__backend_add(s, key, &spec, em);
	if (!err && xlb_ctl_msg__has(m, XLB_A_CHECK))
		err = state__backend_set_check(s, key, key->family, &m->be.addr, spec.port,
					       &m->check, em);
	return err;
}

static int backend_set(struct xlb_state *s, const struct xlb_vip_key *key,
		       const struct xlb_ctl_msg *m, struct xlb_errmsg *em)
{
	struct state_backend_change chg = {};
	__u32 mask = XLB_BE_F_ALL;
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
	err = state__backend_set(s, key, key->family, &m->be.addr, htons(m->be.port), &chg, em);
	if (!err && xlb_ctl_msg__has(m, XLB_A_CHECK))
		err = state__backend_set_check(s, key, key->family, &m->be.addr, htons(m->be.port),
					       &m->check, em);
	return err;
}

/* VIP_ADD and VIP_SET: the options given. */
static int vip_opts(struct xlb_state *s, const struct xlb_vip_key *key, const struct xlb_ctl_msg *m,
		    struct xlb_errmsg *em)
{
	int err = 0;

	if (m->cmd == XLB_CMD_VIP_SET && xlb_ctl_msg__has(m, XLB_A_MODE))
		err = state__vip_set_mode(s, key, m->vip.mode, em);
	if (!err && xlb_ctl_msg__has(m, XLB_A_FAIL_OPEN))
		err = state__vip_set_fail_open(s, key, m->vip.fail_open, em);
	if (!err && xlb_ctl_msg__has(m, XLB_A_CHECK))
		err = state__vip_set_check(s, key, &m->check, em);
	return err;
}

static int config_set(struct xlb_state *s, const struct xlb_ctl_msg *m, struct xlb_errmsg *em)
{
	int err = 0;

	if (xlb_ctl_msg__has(m, XLB_A_MTU))
		err = state__set_mtu(s, m->cfg.mtu, em);
	if (!err && xlb_ctl_msg__has(m, XLB_A_SRC4_ADDR))
		err = state__set_source(s, XLB_AF_INET, &m->cfg.src4, m->cfg.src4_plen, em);
	if (!err && xlb_ctl_msg__has(m, XLB_A_SRC6_ADDR))
		err = state__set_source(s, XLB_AF_INET6, &m->cfg.src6, m->cfg.src6_plen, em);
	return err;
}

int request__apply(struct xlb_state *s, const struct xlb_ctl_msg *m, struct xlb_ctl_err *e)
{
	struct xlb_errmsg em = {};
	struct xlb_vip_key key;
	int err;

	request__vip_key(&m->vip.key, &key);
	switch (m->cmd) {
	case XLB_CMD_VIP_ADD:
		err = state__vip_add(s, &key,
				     xlb_ctl_msg__has(m, XLB_A_MODE) ? m->vip.mode : XLB_MODE_IPIP,
				     0, &em);
		if (!err)
			err = vip_opts(s, &key, m, &em);
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
	default:
		return xlb_ctl_err__set(e, -EOPNOTSUPP, "%s is not a change",
					xlb_cmd__name(m->cmd));
	}
	if (err)
		return xlb_ctl_err__set(e, err, "%s", em.text[0] ? em.text : strerror(-err));
	return 0;
}
