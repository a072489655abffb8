// SPDX-License-Identifier: MIT
/*
 * Model → maps. Only differences are written; a ring is rebuilt only when
 * its members (ids, addresses, ports, weights) change, and then swapped in
 * one map update.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <linux/if_ether.h>

#include "dataplane.h"
#include "log.h"
#include "maglev.h"
#include "netaddr.h"
#include "rtnl.h"

/* Distinct egress devices remembered per ensure round. */
#define NEXTHOP_MAX_PORTS XLB_MAX_TX_PORTS

void dataplane__backend_entry(const struct state_backend *b, enum xlb_backend_state st,
			      struct xlb_backend *out)
{
	memset(out, 0, sizeof(*out));
	out->addr = b->addr;
	out->port = b->port;
	out->family = b->family;
	out->state = (__u8)st;
	out->generation = b->generation;
}

int dataplane__config_entry(const struct xlb_state *s, struct xlb_config *out)
{
	int err = 0;

	memset(out, 0, sizeof(*out));
	out->mtu = s->mtu;
	out->sample_every = s->sample_every;
	if (s->src4.set)
		err = xlb_config__set_source(out, XLB_AF_INET, &s->src4.addr, s->src4.plen);
	if (!err && s->src6.set)
		err = xlb_config__set_source(out, XLB_AF_INET6, &s->src6.addr, s->src6.plen);
	return err;
}

static bool members_equal(const struct maglev_backend *a, size_t na, const struct maglev_backend *b,
			  size_t nb)
{
	size_t i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++) {
		if (a[i].id != b[i].id || a[i].weight != b[i].weight || a[i].port != b[i].port ||
		    memcmp(&a[i].addr, &b[i].addr, sizeof(a[i].addr)))
			return false;
	}
	return true;
}

/* Work space of one sync: member lists and a ring, allocated once. */
struct sync_ctx {
	const struct xlb_maps *m;
	struct maglev_backend *mem_from;
	struct maglev_backend *mem_to;
	__u32 *ring;
	__u32 *cur_ring;
	const struct state_backend **from_be; /* from's backends by id */
	__u8 *from_st;			      /* their states (enum xlb_backend_state) */
	__u64 *swaps;			      /* ring swaps by VIP id, or NULL */
	struct xlb_errmsg *e;
};

static int ctx__init(struct sync_ctx *c, const struct xlb_maps *m, const struct xlb_state *from,
		     const struct xlb_state *to, struct xlb_errmsg *e)
{
	size_t i, j, max = 1;

	memset(c, 0, sizeof(*c));
	c->m = m;
	c->e = e;
	for (i = 0; from && i < from->nr_vips; i++)
		max = from->vips[i].nr_be > max ? from->vips[i].nr_be : max;
	for (i = 0; i < to->nr_vips; i++)
		max = to->vips[i].nr_be > max ? to->vips[i].nr_be : max;
	c->mem_from = calloc(max, sizeof(*c->mem_from));
	c->mem_to = calloc(max, sizeof(*c->mem_to));
	c->ring = malloc(sizeof(struct xlb_ring));
	c->cur_ring = from ? NULL : malloc(sizeof(struct xlb_ring));
	c->from_be = calloc(XLB_MAX_BACKENDS, sizeof(*c->from_be));
	c->from_st = calloc(XLB_MAX_BACKENDS, sizeof(*c->from_st));
	if (!c->mem_from || !c->mem_to || !c->ring || (!from && !c->cur_ring) || !c->from_be ||
	    !c->from_st)
		return xlb_errmsg__set(e, -ENOMEM, "out of memory");
	for (i = 0; from && i < from->nr_vips; i++) {
		const struct state_vip *v = &from->vips[i];
		bool open = state__vip_failing_open(v);

		for (j = 0; j < v->nr_be; j++) {
			c->from_be[v->be[j].id] = &v->be[j];
			c->from_st[v->be[j].id] = (__u8)state__backend_state(&v->be[j], open);
		}
	}
	return 0;
}

static void ctx__fini(struct sync_ctx *c)
{
	free(c->mem_from);
	free(c->mem_to);
	free(c->ring);
	free(c->cur_ring);
	free(c->from_be);
	free(c->from_st);
}

static int sync_config(struct sync_ctx *c, const struct xlb_state *from, const struct xlb_state *to)
{
	struct xlb_config want, have;
	int err;

	err = dataplane__config_entry(to, &want);
	if (err)
		return xlb_errmsg__set(c->e, err, "outer source invalid");
	if (from) {
		err = dataplane__config_entry(from, &have);
		if (!err && !memcmp(&have, &want, sizeof(want)))
			return 0;
	} else if (!xlb_config__read(c->m, &have) && !memcmp(&have, &want, sizeof(want))) {
		return 0;
	}
	err = xlb_config__write(c->m, &want);
	if (err)
		return xlb_errmsg__set(c->e, err, "cannot write the config map");
	return 0;
}

static int write_backend(struct sync_ctx *c, __u32 id, const struct xlb_backend *want, bool compare)
{
	struct xlb_backend have;
	int err;

	if (compare && !xlb_backend__read(c->m, id, &have) && !memcmp(&have, want, sizeof(have)))
		return 0;
	err = xlb_backend__write(c->m, id, want);
	if (err)
		return xlb_errmsg__set(c->e, err, "cannot write backend %u", id);
	return 0;
}

/* New and changed backends: before any ring can name them. */
static int sync_backends_in(struct sync_ctx *c, const struct xlb_state *from,
			    const struct xlb_state *to)
{
	struct xlb_backend want, had;
	size_t i, j;
	int err;

	for (i = 0; i < to->nr_vips; i++) {
		bool open = state__vip_failing_open(&to->vips[i]);

		for (j = 0; j < to->vips[i].nr_be; j++) {
			const struct state_backend *b = &to->vips[i].be[j];
			const struct state_backend *ob = c->from_be[b->id];

			dataplane__backend_entry(b, state__backend_state(b, open), &want);
			if (ob) {
				dataplane__backend_entry(ob, c->from_st[b->id], &had);
				if (!memcmp(&had, &want, sizeof(want)))
					continue;
			}
			err = write_backend(c, b->id, &want, !from);
			if (err)
				return err;
		}
	}
	return 0;
}

/* Removed backends, last, once no ring names them: UNUSED with the
 * generation bumped at release, so their flows are rescheduled. */
static int sync_backends_out(struct sync_ctx *c, const struct xlb_state *from,
			     const struct xlb_state *to)
{
	struct xlb_backend want;
	size_t i, j;
	__u32 id;
	int err;

	if (from) {
		for (i = 0; i < from->nr_vips; i++) {
			for (j = 0; j < from->vips[i].nr_be; j++) {
				id = from->vips[i].be[j].id;
				if (to->be_ids.used[id])
					continue;
				memset(&want, 0, sizeof(want));
				want.state = XLB_BE_UNUSED;
				want.generation = to->be_ids.gen[id];
				err = write_backend(c, id, &want, false);
				if (err)
					return err;
			}
		}
		return 0;
	}
	/* Unknown starting point: every free id the model has seen. */
	for (id = 1; id < to->be_ids.max; id++) {
		if (to->be_ids.used[id] || !to->be_ids.gen[id])
			continue;
		memset(&want, 0, sizeof(want));
		want.state = XLB_BE_UNUSED;
		want.generation = to->be_ids.gen[id];
		err = write_backend(c, id, &want, true);
		if (err)
			return err;
	}
	return 0;
}

static int sync_ring(struct sync_ctx *c, const struct state_vip *ov, const struct state_vip *v)
{
	char name[XLB_ADDRSTRLEN];
	size_t n_from = 0, n_to = 0;
	int err;

	state__ring_members(v, c->mem_to, &n_to);
	if (ov) {
		state__ring_members(ov, c->mem_from, &n_from);
		if (members_equal(c->mem_from, n_from, c->mem_to, n_to))
			return 0;
	}
	err = maglev__build(c->mem_to, n_to, c->ring);
	if (err) {
		xlb_vip_key__format(&v->key, name, sizeof(name));
		return xlb_errmsg__set(c->e, err, "cannot build the ring of VIP %s", name);
	}
	/* Restart: the running ring is very likely the same; leave it then. */
	if (c->cur_ring && !xlb_ring__read(c->m, v->id, c->cur_ring) &&
	    !memcmp(c->cur_ring, c->ring, sizeof(struct xlb_ring)))
		return 0;
	err = xlb_ring__swap(c->m, v->id, c->ring);
	if (err) {
		xlb_vip_key__format(&v->key, name, sizeof(name));
		return xlb_errmsg__set(c->e, err, "cannot swap the ring of VIP %s", name);
	}
	/* a VIP the maps did not know (or a reused id) counts from its first */
	if (c->swaps)
		c->swaps[v->id] = ov ? c->swaps[v->id] + 1 : 1;
	return 0;
}

static int sync_vips_in(struct sync_ctx *c, const struct xlb_state *from,
			const struct xlb_state *to)
{
	char name[XLB_ADDRSTRLEN];
	struct xlb_vip want, have;
	size_t i;
	int err;

	for (i = 0; i < to->nr_vips; i++) {
		const struct state_vip *v = &to->vips[i];
		const struct state_vip *ov = from ? state__vip_find(from, &v->key) : NULL;

		/* A VIP deleted and added again in one batch has a new id. */
		if (ov && ov->id != v->id)
			ov = NULL;
		err = sync_ring(c, ov, v);
		if (err)
			return err;
		memset(&want, 0, sizeof(want));
		want.id = v->id;
		want.mode = v->mode;
		want.flags = v->flags;
		if (ov && ov->mode == v->mode && ov->flags == v->flags)
			continue;
		if (!from && !bpf_map_lookup_elem(c->m->vips, &v->key, &have) &&
		    !memcmp(&have, &want, sizeof(want)))
			continue;
		err = xlb_vip__write(c->m, &v->key, &want);
		if (err) {
			xlb_vip_key__format(&v->key, name, sizeof(name));
			return xlb_errmsg__set(c->e, err, "cannot write VIP %s", name);
		}
	}
	return 0;
}

static int delete_vip(struct sync_ctx *c, const struct xlb_vip_key *key)
{
	char name[XLB_ADDRSTRLEN];
	int err = xlb_vip__delete(c->m, key);

	if (err && err != -ENOENT) {
		xlb_vip_key__format(key, name, sizeof(name));
		return xlb_errmsg__set(c->e, err, "cannot delete VIP %s", name);
	}
	return 0;
}

static int sync_vips_out(struct sync_ctx *c, const struct xlb_state *from,
			 const struct xlb_state *to)
{
	struct xlb_vip_key key, next;
	const struct state_vip *v;
	void *prev = NULL;
	size_t i;
	int err;

	if (from) {
		for (i = 0; i < from->nr_vips; i++) {
			v = state__vip_find(to, &from->vips[i].key);
			if (v && v->id == from->vips[i].id)
				continue;
			if (v) /* same key, new id: the entry was rewritten above */
				err = xlb_ring__clear(c->m, from->vips[i].id);
			else
				err = delete_vip(c, &from->vips[i].key);
			if (err)
				return err;
		}
		return 0;
	}
	/* Unknown starting point: any VIP in the map that the model lacks. */
	while (bpf_map_get_next_key(c->m->vips, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (state__vip_find(to, &key))
			continue;
		err = delete_vip(c, &key);
		if (err)
			return err;
		prev = NULL; /* the walk restarts: the deleted key is gone */
	}
	return 0;
}

int dataplane__sync(const struct xlb_maps *m, const struct xlb_state *from,
		    const struct xlb_state *to, struct xlb_errmsg *e)
{
	return dataplane__sync_counted(m, from, to, NULL, e);
}

int dataplane__sync_counted(const struct xlb_maps *m, const struct xlb_state *from,
			    const struct xlb_state *to, __u64 *swaps, struct xlb_errmsg *e)
{
	struct sync_ctx c;
	int err;

	err = ctx__init(&c, m, from, to, e);
	c.swaps = swaps;
	if (!err)
		err = sync_config(&c, from, to);
	if (!err)
		err = sync_backends_in(&c, from, to);
	if (!err)
		err = dataplane__sync_guard_in(m, from, to, e);
	if (!err)
		err = sync_vips_in(&c, from, to);
	if (!err)
		err = sync_vips_out(&c, from, to);
	if (!err)
		err = dataplane__sync_guard_out(m, from, to, e);
	if (!err)
		err = sync_backends_out(&c, from, to);
	ctx__fini(&c);
	return err;
}

int dataplane__egress_port(const struct xlb_maps *m, const struct rtnl_link *link,
			   const struct rtnl_link *lower, __u32 *port)
{
	struct xlb_vlan_if v = {};
	int err;

	if (link->vlan_id < 0) {
		*port = (__u32)link->ifindex;
		return 0;
	}
	/* the program pushes one 802.1Q tag and redirects in this namespace */
	if (link->vlan_proto != ETH_P_8021Q) {
		pr_warn("next hop on %s: VLAN protocol 0x%04x, only 802.1Q is sent\n", link->name,
			link->vlan_proto);
		return -EOPNOTSUPP;
	}
	if (link->link_netnsid >= 0) {
		pr_warn("next hop on %s: its lower device is in another namespace\n", link->name);
		return -EOPNOTSUPP;
	}
	if (!lower || lower->ifindex != link->link_ifindex) {
		pr_warn("next hop on %s: lower device %d unknown\n", link->name,
			link->link_ifindex);
		return -ENODEV;
	}
	if (lower->vlan_id >= 0) {
		pr_warn("next hop on %s: stacked on VLAN %s, one tag is sent\n", link->name,
			lower->name);
		return -EOPNOTSUPP;
	}
	v.lower_ifindex = (__u32)lower->ifindex;
	v.vlan_id = (__u16)link->vlan_id;
	err = xlb_vlan_if__set(m, (__u32)link->ifindex, &v);
	if (err) {
		pr_warn("vlan_ifs %s: %s\n", link->name, strerror(-err));
		return err;
	}
	*port = (__u32)lower->ifindex;
	return 0;
}

/* The device the program sends on for a route leaving by ifindex. */
static int nexthop_port(const struct xlb_maps *m, int ifindex, __u32 *port)
{
	struct rtnl_link link, lower;
	int err;

	err = rtnl__link_by_index(ifindex, &link);
	if (err)
		return err;
	/* refused before a lower device in another namespace is looked up */
	if (link.vlan_id < 0 || link.vlan_proto != ETH_P_8021Q || link.link_netnsid >= 0)
		return dataplane__egress_port(m, &link, NULL, port);
	err = rtnl__link_by_index(link.link_ifindex, &lower);
	return dataplane__egress_port(m, &link, err ? NULL : &lower, port);
}

/* The egress device ifindex in tx_ports, once per round (ports, *nports):
 * 0, or -errno when it could not be added. */
static int nexthop_add_port(const struct xlb_maps *m, int ifindex, int *ports, size_t *nports)
{
	__u32 port;
	size_t k;
	int err;

	for (k = 0; k < *nports && ports[k] != ifindex; k++)
		;
	if (k < *nports || *nports == NEXTHOP_MAX_PORTS)
		return 0;
	ports[(*nports)++] = ifindex;
	err = nexthop_port(m, ifindex, &port);
	if (err)
		return err;
	err = xlb_tx_port__add(m, port);
	if (err)
		pr_warn("tx port %u: %s\n", port, strerror(-err));
	return err;
}

/* One backend's next hops, managed neighbours and egress ports; -errno if
 * any leg or port failed (rtnl and nexthop_add_port log why). */
static int nexthop_ensure(const struct xlb_maps *m, const struct state_backend *b, int *ports,
			  size_t *nports)
{
	int legs[RTNL_NEXTHOPS_MAX], err;
	size_t k, nlegs;

	err = rtnl__prepare_nexthops(b->family, &b->addr, legs, RTNL_NEXTHOPS_MAX, &nlegs);
	for (k = 0; k < nlegs; k++)
		if (nexthop_add_port(m, legs[k], ports, nports))
			err = -EIO;
	return err;
}

int dataplane__ensure_nexthops(const struct xlb_maps *m, const struct xlb_state *from,
			       const struct xlb_state *s, unsigned int *failed)
{
	int ports[NEXTHOP_MAX_PORTS];
	size_t i, j, nports = 0;

	*failed = 0;
	for (i = 0; i < s->nr_vips; i++) {
		for (j = 0; j < s->vips[i].nr_be; j++) {
			const struct state_backend *b = &s->vips[i].be[j];

			if (from && from->be_ids.used[b->id] &&
			    from->be_ids.gen[b->id] == b->generation)
				continue;
			/* housekeeping retries a failure */
			if (nexthop_ensure(m, b, ports, &nports))
				(*failed)++;
		}
	}
	return 0;
}

static void nexthop_round_reset(struct dataplane_nexthop_round *r)
{
	r->nports = 0;
	r->failed = 0;
	r->changed = false;
}

/* A round ends: vlan_ifs entries of devices no route met are dropped, only
 * after a round that met every backend's (no failure, no backend added). */
static void nexthop_round_end(const struct xlb_maps *m, struct dataplane_nexthop_round *r)
{
	size_t removed;
	int err;

	if (!r->failed && !r->changed) {
		err = xlb_vlan_if__prune(m, r->ports, r->nports, &removed);
		if (err)
			pr_warn("vlan_ifs: %s\n", strerror(-err));
		else if (removed)
			pr_info("vlan_ifs: %zu VLAN devices no route uses any more\n", removed);
	}
	nexthop_round_reset(r);
}

int dataplane__ensure_nexthops_some(const struct xlb_maps *m, const struct xlb_state *s,
				    struct dataplane_nexthop_round *r, size_t count,
				    unsigned int *failed)
{
	size_t i, j, n, total = 0;

	*failed = 0;
	for (i = 0; i < s->nr_vips; i++)
		total += s->vips[i].nr_be;
	if (r->cursor >= total) { /* backends went since the last call */
		r->cursor = 0;
		nexthop_round_reset(r);
	}
	if (!total)
		return 0;
	if (count > total)
		count = total;
	/* the cursor-th backend, in VIP order */
	for (i = 0, j = r->cursor; j >= s->vips[i].nr_be; i++)
		j -= s->vips[i].nr_be;
	for (n = 0; n < count; n++, j++) {
		/* total > 0: some VIP ahead has a backend */
		while (j >= s->vips[i].nr_be) {
			j = 0;
			i = (i + 1) % s->nr_vips;
		}
		if (nexthop_ensure(m, &s->vips[i].be[j], r->ports, &r->nports)) {
			(*failed)++;
			r->failed++;
		}
		if (++r->cursor == total) {
			nexthop_round_end(m, r);
			r->cursor = 0;
		}
	}
	return 0;
}

int dataplane__adopt_generations(const struct xlb_maps *m, struct xlb_state *s)
{
	struct state_backend *b;
	struct xlb_backend have;
	__u32 id, *gen;
	int err;

	for (id = 1; id < s->be_ids.max; id++) {
		err = xlb_backend__read(m, id, &have);
		if (err) {
			pr_warn("read backend %u: %s\n", id, strerror(-err));
			return err;
		}
		gen = &s->be_ids.gen[id];
		if (have.generation > *gen) {
			pr_warn("backend %u: generation %u in the map, %u saved: keeping %u\n", id,
				have.generation, *gen, have.generation);
			*gen = have.generation;
			b = state__backend_by_id(s, id, NULL);
			if (b)
				b->generation = have.generation;
		}
		/* In use in the map, unknown to the model: retire it. */
		if (!s->be_ids.used[id] && have.state != XLB_BE_UNUSED && *gen == have.generation)
			(*gen)++;
	}
	return 0;
}
