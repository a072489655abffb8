// SPDX-License-Identifier: MIT
/*
 * The model: VIPs and backends, their ids and generations, and the rules
 * that decide which backends a VIP's ring holds. No kernel calls here.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maglev.h"
#include "netaddr.h"
#include "state.h"

#define STATE_INITIAL_CAP 8

/* ---- id allocator ---- */

static int ids__init(struct state_ids *ids, __u32 max)
{
	__u32 id;

	memset(ids, 0, sizeof(*ids));
	ids->max = max;
	ids->gen = calloc(max, sizeof(*ids->gen));
	ids->used = calloc(max, sizeof(*ids->used));
	ids->fifo = calloc(max, sizeof(*ids->fifo));
	if (!ids->gen || !ids->used || !ids->fifo)
		return -ENOMEM;
	for (id = 1; id < max; id++)
		ids->fifo[ids->count++] = id;
	return 0;
}

static void ids__fini(struct state_ids *ids)
{
	free(ids->gen);
	free(ids->used);
	free(ids->fifo);
	memset(ids, 0, sizeof(*ids));
}

static int ids__clone(struct state_ids *dst, const struct state_ids *src)
{
	int err = ids__init(dst, src->max);

	if (err)
		return err;
	memcpy(dst->gen, src->gen, src->max * sizeof(*src->gen));
	memcpy(dst->used, src->used, src->max * sizeof(*src->used));
	memcpy(dst->fifo, src->fifo, src->max * sizeof(*src->fifo));
	dst->head = src->head;
	dst->count = src->count;
	return 0;
}

static int ids__alloc(struct state_ids *ids, __u32 *id)
{
	if (!ids->count)
		return -ENOSPC;
	*id = ids->fifo[ids->head];
	ids->head = (ids->head + 1) % ids->max;
	ids->count--;
	ids->used[*id] = true;
	ids->gen[*id]++;
	return 0;
}

static void ids__release(struct state_ids *ids, __u32 id)
{
	if (!id || id >= ids->max || !ids->used[id])
		return;
	ids->used[id] = false;
	ids->gen[id]++;
	ids->fifo[(ids->head + ids->count) % ids->max] = id;
	ids->count++;
}

int state__ids_restore_gen(struct state_ids *ids, __u32 id, __u32 gen)
{
	if (!id || id >= ids->max)
		return -ERANGE;
	ids->gen[id] = gen;
	return 0;
}

int state__ids_rebuild(struct state_ids *ids, const __u32 *order, size_t n)
{
	bool *queued = calloc(ids->max, sizeof(*queued));
	__u32 id;
	size_t i;

	if (!queued)
		return -ENOMEM;
	ids->head = 0;
	ids->count = 0;
	for (id = 1; id < ids->max; id++) {
		if (!ids->used[id] && !ids->gen[id]) {
			ids->fifo[ids->count++] = id;
			queued[id] = true;
		}
	}
	for (i = 0; i < n; i++) {
		id = order[i];
		if (id && id < ids->max && !ids->used[id] && !queued[id]) {
			ids->fifo[ids->count++] = id;
			queued[id] = true;
		}
	}
	for (id = 1; id < ids->max; id++) {
		if (!ids->used[id] && !queued[id])
			ids->fifo[ids->count++] = id;
	}
	free(queued);
	return 0;
}

/* ---- shared check specs ---- */

struct state_check *state__check_get(struct state_check *c)
{
	if (c)
		c->refs++;
	return c;
}

void state__check_put(struct state_check *c)
{
	if (c && !--c->refs)
		free(c);
}

/* ---- life ---- */

int state__init(struct xlb_state *s)
{
	int err;

	memset(s, 0, sizeof(*s));
	s->mtu = XLB_MTU_DEFAULT;
	err = ids__init(&s->vip_ids, XLB_MAX_VIPS);
	if (!err)
		err = ids__init(&s->be_ids, XLB_MAX_BACKENDS);
	if (err)
		state__fini(s);
	return err;
}

void state__fini(struct xlb_state *s)
{
	size_t i, j;

	for (i = 0; i < s->nr_vips; i++) {
		for (j = 0; j < s->vips[i].nr_be; j++)
			state__check_put(s->vips[i].be[j].check);
		state__check_put(s->vips[i].check);
		free(s->vips[i].be);
		state_acl__free(&s->vips[i].acl);
	}
	free(s->vips);
	state_acl__free(&s->acl);
	ids__fini(&s->vip_ids);
	ids__fini(&s->be_ids);
	memset(s, 0, sizeof(*s));
}

int state__clone(struct xlb_state *dst, const struct xlb_state *src)
{
	size_t i;
	int err;

	memset(dst, 0, sizeof(*dst));
	dst->mtu = src->mtu;
	dst->src4 = src->src4;
	dst->src6 = src->src6;
	dst->rl = src->rl;
	dst->flow_budget = src->flow_budget;
	dst->sample_every = src->sample_every;
	err = state_acl__copy(&dst->acl, &src->acl);
	if (!err)
		err = ids__clone(&dst->vip_ids, &src->vip_ids);
	if (!err)
		err = ids__clone(&dst->be_ids, &src->be_ids);
	if (err)
		goto cleanup;
	if (src->nr_vips) {
		dst->vips = calloc(src->nr_vips, sizeof(*dst->vips));
		if (!dst->vips) {
			err = -ENOMEM;
			goto cleanup;
		}
		dst->cap_vips = src->nr_vips;
	}
	for (i = 0; i < src->nr_vips; i++) {
		const struct state_vip *sv = &src->vips[i];
		struct state_vip *dv = &dst->vips[i];
		size_t j;

		*dv = *sv;
		state__check_get(dv->check);
		dv->be = NULL;
		dv->nr_be = 0;
		dv->cap_be = 0;
		dst->nr_vips++;
		err = state_acl__copy(&dv->acl, &sv->acl);
		if (err)
			goto cleanup;
		if (!sv->nr_be)
			continue;
		dv->be = malloc(sv->nr_be * sizeof(*dv->be));
		if (!dv->be) {
			err = -ENOMEM;
			goto cleanup;
		}
		memcpy(dv->be, sv->be, sv->nr_be * sizeof(*dv->be));
		for (j = 0; j < sv->nr_be; j++)
			state__check_get(dv->be[j].check);
		dv->nr_be = sv->nr_be;
		dv->cap_be = sv->nr_be;
	}
	return 0;
cleanup:
	state__fini(dst);
	return err;
}

void state__move(struct xlb_state *dst, struct xlb_state *src)
{
	state__fini(dst);
	*dst = *src;
	memset(src, 0, sizeof(*src));
}

/* ---- lookups ---- */

static bool vip_key_eq(const struct xlb_vip_key *a, const struct xlb_vip_key *b)
{
	return a->family == b->family && a->proto == b->proto && a->port == b->port &&
	       !memcmp(&a->addr, &b->addr, sizeof(a->addr));
}

struct state_vip *state__vip_find(const struct xlb_state *s, const struct xlb_vip_key *key)
{
	size_t i;

	for (i = 0; i < s->nr_vips; i++) {
		if (vip_key_eq(&s->vips[i].key, key))
			return &s->vips[i];
	}
	return NULL;
}

struct state_vip *state__vip_by_id(const struct xlb_state *s, __u32 id)
{
	size_t i;

	for (i = 0; i < s->nr_vips; i++) {
		if (s->vips[i].id == id)
			return &s->vips[i];
	}
	return NULL;
}

struct state_backend *state__backend_find(const struct state_vip *v, int family,
					  const struct xlb_addr *addr, __be16 port)
{
	size_t i;

	for (i = 0; i < v->nr_be; i++) {
		struct state_backend *b = &v->be[i];

		if (b->family == family && b->port == port &&
		    !memcmp(&b->addr, addr, sizeof(*addr)))
			return b;
	}
	return NULL;
}

struct state_backend *state__backend_by_id(const struct xlb_state *s, __u32 id,
					   struct state_vip **vip)
{
	size_t i, j;

	for (i = 0; i < s->nr_vips; i++) {
		for (j = 0; j < s->vips[i].nr_be; j++) {
			if (s->vips[i].be[j].id == id) {
				if (vip)
					*vip = &s->vips[i];
				return &s->vips[i].be[j];
			}
		}
	}
	return NULL;
}

/* ---- validation ---- */

static bool addr_valid(int family, const struct xlb_addr *a)
{
	if (family == XLB_AF_INET)
		return a->a[0] && !a->a[1] && !a->a[2] && !a->a[3];
	if (family == XLB_AF_INET6)
		return a->a[0] || a->a[1] || a->a[2] || a->a[3];
	return false;
}

static int vip_key_check(const struct xlb_vip_key *key, struct xlb_errmsg *e)
{
	if (key->family != XLB_AF_INET && key->family != XLB_AF_INET6)
		return xlb_errmsg__set(e, -EAFNOSUPPORT, "VIP family %u not IPv4 or IPv6",
				       key->family);
	if (!addr_valid(key->family, &key->addr))
		return xlb_errmsg__set(e, -EINVAL, "VIP address invalid");
	if (key->proto != IPPROTO_TCP && key->proto != IPPROTO_UDP)
		return xlb_errmsg__set(e, -EPROTONOSUPPORT, "VIP protocol %u not tcp or udp",
				       key->proto);
	return 0;
}

static const char *vip_str(const struct xlb_vip_key *key, char *buf, size_t len)
{
	if (xlb_vip_key__format(key, buf, len))
		return "?";
	return buf;
}

static struct state_vip *vip_get(const struct xlb_state *s, const struct xlb_vip_key *key,
				 struct xlb_errmsg *e, int *err)
{
	char name[XLB_ADDRSTRLEN];
	struct state_vip *v;

	*err = vip_key_check(key, e);
	if (*err)
		return NULL;
	v = state__vip_find(s, key);
	if (!v)
		*err = xlb_errmsg__set(e, -ENOENT, "unknown VIP %s",
				       vip_str(key, name, sizeof(name)));
	return v;
}

static const char *backend_str(int family, const struct xlb_addr *addr, __be16 port, char *buf,
			       size_t len)
{
	char a[XLB_ADDRSTRLEN];

	if (xlb_addr__format(family, addr, a, sizeof(a)))
		return "?";
	if (!port)
		snprintf(buf, len, "%s", a); /* the packet's own port */
	else
		snprintf(buf, len, family == XLB_AF_INET6 ? "[%s]:%u" : "%s:%u", a, ntohs(port));
	return buf;
}

/* Whether the check knows its port without the backend's (scripts need none). */
static bool check_has_port(const struct xlb_check_spec *spec)
{
	return spec->port || spec->type == XLB_CHECK_SCRIPT || spec->type == XLB_CHECK_NONE;
}

/* A new shared spec, or NULL for none. */
static int check_new(const struct xlb_check_spec *spec, struct state_check **out,
		     struct xlb_errmsg *e)
{
	*out = NULL;
	if (!spec || spec->type == XLB_CHECK_NONE)
		return 0;
	if (spec->type < XLB_CHECK_NONE || spec->type >= XLB_CHECK__MAX)
		return xlb_errmsg__set(e, -EINVAL, "check type %d unknown", spec->type);
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return xlb_errmsg__set(e, -ENOMEM, "out of memory");
	(*out)->refs = 1;
	(*out)->spec = *spec;
	return 0;
}

/* The refusal of a check that would run on port 0: without a port of its
 * own, it takes the backend's, else the VIP's. */
static int check_port_missing(const struct xlb_check_spec *spec, const char *who,
			      struct xlb_errmsg *e)
{
	return xlb_errmsg__set(e, -EINVAL, "a %s check needs 'port': the VIP and %s have port 0",
			       xlb_check_type__name(spec->type), who);
}

/* ---- growth ---- */

static struct state_vip *vip_slot(struct xlb_state *s)
{
	if (s->nr_vips == s->cap_vips) {
		size_t cap = s->cap_vips ? s->cap_vips * 2 : STATE_INITIAL_CAP;
		struct state_vip *nv = realloc(s->vips, cap * sizeof(*nv));

		if (!nv)
			return NULL;
		s->vips = nv;
		s->cap_vips = cap;
	}
	return &s->vips[s->nr_vips];
}

static struct state_backend *backend_slot(struct state_vip *v)
{
	if (v->nr_be == v->cap_be) {
		size_t cap = v->cap_be ? v->cap_be * 2 : STATE_INITIAL_CAP;
		struct state_backend *nb = realloc(v->be, cap * sizeof(*nb));

		if (!nb)
			return NULL;
		v->be = nb;
		v->cap_be = cap;
	}
	return &v->be[v->nr_be];
}

/* ---- VIPs ---- */

/* An IPv6 packet in ipip needs 1280 bytes inside the outer header: with a
 * smaller MTU, clients told to send 1280 (IPv6's minimum) still would not
 * fit, a black hole. */
static int vip_mtu_fits(const struct xlb_vip_key *key, __u8 mode, __u32 mtu, struct xlb_errmsg *e)
{
	const __u32 need = XLB_IPV6_MIN_MTU + XLB_IPIP6_OVERHEAD;
	char name[XLB_ADDRSTRLEN];

	if (key->family != XLB_AF_INET6 || mode != XLB_MODE_IPIP || mtu >= need)
		return 0;
	return xlb_errmsg__set(e, -ERANGE,
			       "mtu %u too small for IPv6 VIP %s in mode ipip (needs %u: %u inside "
			       "the %u-byte outer header)",
			       mtu, vip_str(key, name, sizeof(name)), need, XLB_IPV6_MIN_MTU,
			       XLB_IPIP6_OVERHEAD);
}

int state__vip_add(struct xlb_state *s, const struct xlb_vip_key *key, __u8 mode, __u8 flags,
		   struct xlb_errmsg *e)
{
	char name[XLB_ADDRSTRLEN];
	struct state_vip *v;
	__u32 id;
	int err;

	err = vip_key_check(key, e);
	if (err)
		return err;
	if (mode >= XLB_MODE__MAX)
		return xlb_errmsg__set(e, -EINVAL, "mode %u out of range", mode);
	err = vip_mtu_fits(key, mode, s->mtu, e);
	if (err)
		return err;
	if (state__vip_find(s, key))
		return xlb_errmsg__set(e, -EEXIST, "VIP %s exists",
				       vip_str(key, name, sizeof(name)));
	v = vip_slot(s);
	if (!v)
		return xlb_errmsg__set(e, -ENOMEM, "out of memory");
	if (ids__alloc(&s->vip_ids, &id))
		return xlb_errmsg__set(e, -ENOSPC, "no free VIP id (at most %u VIPs)",
				       XLB_MAX_VIPS - 1);
	s->nr_vips++;
	memset(v, 0, sizeof(*v));
	v->id = id;
	v->key = *key;
	v->mode = mode;
	v->flags = flags;
	return 0;
}

static void vip_release_backends(struct xlb_state *s, struct state_vip *v)
{
	size_t i;

	for (i = 0; i < v->nr_be; i++) {
		ids__release(&s->be_ids, v->be[i].id);
		state__check_put(v->be[i].check);
	}
	free(v->be);
	v->be = NULL;
	v->nr_be = 0;
	v->cap_be = 0;
}

int state__vip_del(struct xlb_state *s, const struct xlb_vip_key *key, struct xlb_errmsg *e)
{
	struct state_vip *v;
	size_t idx;
	int err;

	v = vip_get(s, key, e, &err);
	if (!v)
		return err;
	vip_release_backends(s, v);
	state__check_put(v->check);
	state_acl__free(&v->acl);
	ids__release(&s->vip_ids, v->id);
	idx = (size_t)(v - s->vips);
	memmove(v, v + 1, (s->nr_vips - idx - 1) * sizeof(*v));
	s->nr_vips--;
	return 0;
}

int state__vip_set_mode(struct xlb_state *s, const struct xlb_vip_key *key, __u8 mode,
			struct xlb_errmsg *e)
{
	struct state_vip *v;
	int err;

	v = vip_get(s, key, e, &err);
	if (!v)
		return err;
	if (mode >= XLB_MODE__MAX)
		return xlb_errmsg__set(e, -EINVAL, "mode %u out of range", mode);
	err = vip_mtu_fits(key, mode, s->mtu, e);
	if (err)
		return err;
	v->mode = mode;
	return 0;
}

int state__vip_set_announce(struct xlb_state *s, const struct xlb_vip_key *key, bool on,
			    struct xlb_errmsg *e)
{
	struct state_vip *v;
	int err;

	v = vip_get(s, key, e, &err);
	if (!v)
		return err;
	v->announce_off = !on;
	return 0;
}

/* ---- backends ---- */

int state__backend_add(struct xlb_state *s, const struct xlb_vip_key *key,
		       const struct state_backend_spec *spec, struct xlb_errmsg *e)
{
	char name[XLB_ADDRSTRLEN];
	struct state_check *c = NULL;
	struct state_backend *b;
	struct state_vip *v;
	__u32 id;
	int err;

	v = vip_get(s, key, e, &err);
	if (!v)
		return err;
	if (!addr_valid(spec->family, &spec->addr))
		return xlb_errmsg__set(e, -EINVAL, "backend address invalid");
	if (spec->family != key->family)
		return xlb_errmsg__set(e, -EAFNOSUPPORT,
				       "backend family differs from the VIP's (IPv%u VIP)",
				       key->family);
	if (spec->weight > XLB_WEIGHT_MAX)
		return xlb_errmsg__set(e, -ERANGE, "weight out of range (0..%u)", XLB_WEIGHT_MAX);
	if (spec->flags & ~XLB_BE_F_ALL)
		return xlb_errmsg__set(e, -EINVAL, "unknown backend flags %#x",
				       spec->flags & ~XLB_BE_F_ALL);
	if (state__backend_find(v, spec->family, &spec->addr, spec->port))
		return xlb_errmsg__set(
			e, -EEXIST, "backend %s exists",
			backend_str(spec->family, &spec->addr, spec->port, name, sizeof(name)));
	/* the VIP's check runs on the backend only when it has none of its own */
	if (!spec->check && v->check && !spec->port && !v->key.port &&
	    !check_has_port(&v->check->spec))
		return xlb_errmsg__set(e, -EINVAL,
				       "the VIP's %s check needs 'port' for a port-0 backend of a "
				       "port-0 VIP",
				       xlb_check_type__name(v->check->spec.type));
	if (spec->check && !spec->port && !v->key.port && !check_has_port(spec->check))
		return check_port_missing(spec->check, "the backend", e);
	err = check_new(spec->check, &c, e);
	if (err)
		return err;
	b = backend_slot(v);
	if (!b) {
		err = xlb_errmsg__set(e, -ENOMEM, "out of memory");
		goto cleanup;
	}
	if (ids__alloc(&s->be_ids, &id)) {
		err = xlb_errmsg__set(e, -ENOSPC, "no free backend id (at most %u backends)",
				      XLB_MAX_BACKENDS - 1);
		goto cleanup;
	}
	v->nr_be++;
	memset(b, 0, sizeof(*b));
	b->id = id;
	b->generation = s->be_ids.gen[id];
	b->addr = spec->addr;
	b->port = spec->port;
	b->family = spec->family;
	b->weight = spec->weight;
	b->flags = spec->flags;
	b->health = XLB_HEALTH_UNKNOWN;
	b->check = c;
	return 0;
cleanup:
	state__check_put(c);
	return err;
}

static struct state_backend *backend_get(const struct xlb_state *s, const struct xlb_vip_key *key,
					 int family, const struct xlb_addr *addr, __be16 port,
					 struct state_vip **vp, struct xlb_errmsg *e, int *err)
{
	char name[XLB_ADDRSTRLEN], vname[XLB_ADDRSTRLEN];
	struct state_backend *b;

	*vp = vip_get(s, key, e, err);
	if (!*vp)
		return NULL;
	b = state__backend_find(*vp, family, addr, port);
	if (!b)
		*err = xlb_errmsg__set(e, -ENOENT, "unknown backend %s in VIP %s",
				       backend_str(family, addr, port, name, sizeof(name)),
				       vip_str(key, vname, sizeof(vname)));
	return b;
}

int state__backend_del(struct xlb_state *s, const struct xlb_vip_key *key, int family,
		       const struct xlb_addr *addr, __be16 port, struct xlb_errmsg *e)
{
	struct state_backend *b;
	struct state_vip *v;
	size_t idx;
	int err;

	b = backend_get(s, key, family, addr, port, &v, e, &err);
	if (!b)
		return err;
	ids__release(&s->be_ids, b->id);
	state__check_put(b->check);
	idx = (size_t)(b - v->be);
	memmove(b, b + 1, (v->nr_be - idx - 1) * sizeof(*b));
	v->nr_be--;
	return 0;
}

int state__backend_set(struct xlb_state *s, const struct xlb_vip_key *key, int family,
		       const struct xlb_addr *addr, __be16 port,
		       const struct state_backend_change *chg, struct xlb_errmsg *e)
{
	struct state_backend *b;
	struct state_vip *v;
	int err;

	b = backend_get(s, key, family, addr, port, &v, e, &err);
	if (!b)
		return err;
	if (chg->set_weight && chg->weight > XLB_WEIGHT_MAX)
		return xlb_errmsg__set(e, -ERANGE, "weight out of range (0..%u)", XLB_WEIGHT_MAX);
	if ((chg->flags_set | chg->flags_clear) & ~XLB_BE_F_ALL)
		return xlb_errmsg__set(e, -EINVAL, "unknown backend flags %#x",
				       (chg->flags_set | chg->flags_clear) & ~XLB_BE_F_ALL);
	if (chg->flags_set & chg->flags_clear)
		return xlb_errmsg__set(e, -EINVAL, "a flag both set and cleared");
	if (chg->set_weight)
		b->weight = chg->weight;
	b->flags = (b->flags | chg->flags_set) & ~chg->flags_clear;
	return 0;
}

/* ---- health checks ---- */

__u16 state__backend_check_port(const struct state_vip *v, const struct state_backend *b)
{
	return ntohs(b->port ? b->port : v->key.port);
}

struct state_check *state__backend_check(const struct state_vip *v, const struct state_backend *b,
					 bool *inherited)
{
	if (inherited)
		*inherited = !b->check && v->check;
	return b->check ? b->check : v->check;
}

static bool check_same(const struct state_check *c, const struct xlb_check_spec *spec)
{
	bool none = !spec || spec->type == XLB_CHECK_NONE;

	if (!c || none)
		return !c && none;
	return !memcmp(&c->spec, spec, sizeof(*spec));
}

/* What a check change leaves: an unchecked backend's health is unknown. */
static void checks_changed(struct state_vip *v)
{
	size_t i;

	for (i = 0; i < v->nr_be; i++)
		if (!state__backend_check(v, &v->be[i], NULL))
			v->be[i].health = XLB_HEALTH_UNKNOWN;
}

/* A check without a port of its own takes the backend's (or the VIP's): refuse
 * one that would be left with port 0. b NULL: the VIP's check, inherited by
 * every backend without one of its own. */
static int check_port_known(const struct state_vip *v, const struct state_backend *b,
			    const struct xlb_check_spec *spec, struct xlb_errmsg *e)
{
	size_t i;

	if (!spec || check_has_port(spec))
		return 0;
	for (i = 0; i < v->nr_be; i++) {
		const struct state_backend *x = &v->be[i];

		if ((b ? x == b : !x->check) && !state__backend_check_port(v, x))
			return check_port_missing(spec, b ? "the backend" : "its backends", e);
	}
	return 0;
}

/* Puts a new check (or none) in slot, v's or one of its backends'. */
static int check_replace(struct state_vip *v, struct state_check **slot,
			 const struct xlb_check_spec *spec, struct xlb_errmsg *e)
{
	struct state_check *c;
	int err;

	err = check_new(spec, &c, e);
	if (err)
		return err;
	state__check_put(*slot);
	*slot = c;
	checks_changed(v);
	return 0;
}

int state__vip_set_check(struct xlb_state *s, const struct xlb_vip_key *key,
			 const struct xlb_check_spec *spec, struct xlb_errmsg *e)
{
	struct state_vip *v;
	int err;

	v = vip_get(s, key, e, &err);
	if (!v)
		return err;
	if (check_same(v->check, spec))
		return 0;
	err = check_port_known(v, NULL, spec, e);
	return err ? err : check_replace(v, &v->check, spec, e);
}

int state__backend_set_check(struct xlb_state *s, const struct xlb_vip_key *key, int family,
			     const struct xlb_addr *addr, __be16 port,
			     const struct xlb_check_spec *spec, struct xlb_errmsg *e)
{
	struct state_backend *b;
	struct state_vip *v;
	int err;

	b = backend_get(s, key, family, addr, port, &v, e, &err);
	if (!b)
		return err;
	if (check_same(b->check, spec))
		return 0;
	err = check_port_known(v, b, spec, e);
	return err ? err : check_replace(v, &b->check, spec, e);
}

int state__vip_set_fail_open(struct xlb_state *s, const struct xlb_vip_key *key, bool on,
			     struct xlb_errmsg *e)
{
	struct state_vip *v;
	int err;

	v = vip_get(s, key, e, &err);
	if (!v)
		return err;
	v->fail_open = on;
	return 0;
}

int state__set_health(struct xlb_state *s, __u32 backend_id, enum xlb_health health)
{
	struct state_backend *b = state__backend_by_id(s, backend_id, NULL);

	if (!b)
		return -ENOENT;
	if ((unsigned int)health >= XLB_HEALTH__MAX)
		return -EINVAL;
	if (b->health == health)
		return 0;
	b->health = health;
	return 1;
}

/* ---- settings ---- */

int state__set_mtu(struct xlb_state *s, __u32 mtu, struct xlb_errmsg *e)
{
	size_t i;
	int err;

	if (mtu < XLB_MTU_MIN || mtu > XLB_MTU_MAX)
		return xlb_errmsg__set(e, -ERANGE, "mtu %u out of range (%u..%u)", mtu, XLB_MTU_MIN,
				       XLB_MTU_MAX);
	for (i = 0; i < s->nr_vips; i++) {
		err = vip_mtu_fits(&s->vips[i].key, s->vips[i].mode, mtu, e);
		if (err)
			return err;
	}
	s->mtu = mtu;
	return 0;
}

int state__set_sample(struct xlb_state *s, __u32 every, struct xlb_errmsg *e)
{
	(void)e; /* every value is valid: 0 is off, N one in N */
	s->sample_every = every;
	return 0;
}

int state__set_source(struct xlb_state *s, int family, const struct xlb_addr *addr,
		      unsigned int plen, struct xlb_errmsg *e)
{
	unsigned int max = family == XLB_AF_INET ? 32 : 128;
	struct state_source *src = family == XLB_AF_INET ? &s->src4 : &s->src6;

	if (family != XLB_AF_INET && family != XLB_AF_INET6)
		return xlb_errmsg__set(e, -EAFNOSUPPORT, "source family %d not IPv4 or IPv6",
				       family);
	if (!addr_valid(family, addr))
		return xlb_errmsg__set(e, -EINVAL, "source address invalid");
	if (!plen || plen > max)
		return xlb_errmsg__set(e, -ERANGE, "source prefix length %u out of range (1..%u)",
				       plen, max);
	src->set = true;
	src->addr = *addr;
	src->plen = (__u8)plen;
	return 0;
}

/* ---- reload ---- */

static int reconcile_backends(struct xlb_state *s, const struct state_vip *wv, struct xlb_errmsg *e)
{
	struct state_backend_change chg = {.set_weight = true};
	struct state_vip *v = state__vip_find(s, &wv->key);
	const struct state_backend *wb;
	struct state_backend *b;
	size_t i;
	int err;

	for (i = 0; i < v->nr_be;) {
		b = &v->be[i];
		if (state__backend_find(wv, b->family, &b->addr, b->port)) {
			i++;
			continue;
		}
		err = state__backend_del(s, &v->key, b->family, &b->addr, b->port, e);
		if (err)
			return err;
	}
	for (i = 0; i < wv->nr_be; i++) {
		struct state_backend_spec spec;
		const struct xlb_check_spec *check;

		wb = &wv->be[i];
		check = wb->check ? &wb->check->spec : NULL;
		if (!state__backend_find(v, wb->family, &wb->addr, wb->port)) {
			/* added with its check */
			spec = (struct state_backend_spec){.addr = wb->addr,
							   .port = wb->port,
							   .family = wb->family,
							   .weight = wb->weight,
							   .flags = wb->flags,
							   .check = check};
			err = state__backend_add(s, &wv->key, &spec, e);
		} else {
			chg.weight = wb->weight;
			chg.flags_set = wb->flags;
			chg.flags_clear = XLB_BE_F_ALL & ~wb->flags;
			err = state__backend_set(s, &wv->key, wb->family, &wb->addr, wb->port, &chg,
						 e);
			if (!err)
				err = state__backend_set_check(s, &wv->key, wb->family, &wb->addr,
							       wb->port, check, e);
		}
		if (err)
			return err;
		v = state__vip_find(s, &wv->key); /* an add may move the array */
	}
	return 0;
}

int state__reconcile(struct xlb_state *s, const struct xlb_state *want, struct xlb_errmsg *e)
{
	size_t i;
	int err;

	for (i = 0; i < s->nr_vips;) {
		if (state__vip_find(want, &s->vips[i].key)) {
			i++;
			continue;
		}
		err = state__vip_del(s, &s->vips[i].key, e);
		if (err)
			return err;
	}
	/* The larger MTU while VIPs change: want's VIPs all fit want's MTU,
	 * and those kept fit the running one. */
	if (want->mtu > s->mtu)
		s->mtu = want->mtu;
	for (i = 0; i < want->nr_vips; i++) {
		const struct state_vip *wv = &want->vips[i];
		const struct xlb_check_spec *want_check = wv->check ? &wv->check->spec : NULL;
		bool port_first = !want_check || check_has_port(want_check);

		if (state__vip_find(s, &wv->key))
			err = state__vip_set_mode(s, &wv->key, wv->mode, e);
		else
			err = state__vip_add(s, &wv->key, wv->mode, wv->flags, e);
		if (!err)
			err = state__vip_set_fail_open(s, &wv->key, wv->fail_open, e);
		if (!err)
			err = state__vip_set_announce(s, &wv->key, !wv->announce_off, e);
		/* A check with a port of its own goes first: port-0 backends may
		 * need it. One without goes after the backends, which may gain
		 * the ports it needs. */
		if (!err && port_first)
			err = state__vip_set_check(s, &wv->key, want_check, e);
		if (!err)
			err = reconcile_backends(s, wv, e);
		if (!err && !port_first)
			err = state__vip_set_check(s, &wv->key, want_check, e);
		if (err)
			return err;
	}
	s->mtu = want->mtu;
	s->src4 = want->src4;
	s->src6 = want->src6;
	s->sample_every = want->sample_every;
	return state__reconcile_guard(s, want, e);
}

/* ---- what the data plane sees ---- */

enum xlb_backend_state state__backend_state(const struct state_backend *b, bool failing_open)
{
	if ((b->flags & XLB_BE_F_ADMIN_DOWN) || (b->health == XLB_HEALTH_DOWN && !failing_open))
		return XLB_BE_DOWN;
	if ((b->flags & XLB_BE_F_DRAIN) || !b->weight)
		return XLB_BE_DRAINING;
	return XLB_BE_ACTIVE;
}

enum xlb_backend_state state__backend_dp_state(const struct state_backend *b)
{
	return state__backend_state(b, false);
}

bool state__vip_failing_open(const struct state_vip *v)
{
	bool any = false;
	size_t i;

	if (!v->fail_open)
		return false;
	for (i = 0; i < v->nr_be; i++) {
		if (v->be[i].flags & XLB_BE_F_ADMIN_DOWN)
			continue;
		if (v->be[i].health != XLB_HEALTH_DOWN)
			return false;
		any = true;
	}
	return any;
}

static bool primary_active(const struct state_vip *v, bool failing_open)
{
	size_t i;

	for (i = 0; i < v->nr_be; i++) {
		if (!(v->be[i].flags & XLB_BE_F_BACKUP) &&
		    state__backend_state(&v->be[i], failing_open) == XLB_BE_ACTIVE)
			return true;
	}
	return false;
}

bool state__backend_in_ring(const struct state_vip *v, const struct state_backend *b)
{
	bool open = state__vip_failing_open(v);

	if (state__backend_state(b, open) != XLB_BE_ACTIVE)
		return false;
	if (!(b->flags & XLB_BE_F_BACKUP))
		return true;
	return !primary_active(v, open);
}

bool state__vip_ready(const struct state_vip *v)
{
	size_t i;

	if (v->announce_off)
		return false;
	for (i = 0; i < v->nr_be; i++)
		if (state__backend_in_ring(v, &v->be[i]))
			return true;
	return false;
}

void state__ring_members(const struct state_vip *v, struct maglev_backend *out, size_t *n)
{
	bool open = state__vip_failing_open(v);
	bool backups = !primary_active(v, open);
	size_t i;

	*n = 0;
	for (i = 0; i < v->nr_be; i++) {
		const struct state_backend *b = &v->be[i];

		if (state__backend_state(b, open) != XLB_BE_ACTIVE)
			continue;
		if (!!(b->flags & XLB_BE_F_BACKUP) != backups)
			continue;
		out[*n].id = b->id;
		out[*n].addr = b->addr;
		out[*n].port = b->port;
		out[*n].family = b->family;
		out[*n].weight = b->weight;
		(*n)++;
	}
}

/* ---- restore ---- */

int state__vip_restore(struct xlb_state *s, __u32 id, const struct xlb_vip_key *key, __u8 mode,
		       __u8 flags)
{
	struct state_vip *v;
	int err;

	if (!id || id >= s->vip_ids.max || s->vip_ids.used[id] || state__vip_find(s, key))
		return -EEXIST;
	err = vip_key_check(key, NULL);
	if (err)
		return err;
	v = vip_slot(s);
	if (!v)
		return -ENOMEM;
	s->nr_vips++;
	s->vip_ids.used[id] = true;
	memset(v, 0, sizeof(*v));
	v->id = id;
	v->key = *key;
	v->mode = mode;
	v->flags = flags;
	return 0;
}

int state__backend_restore(struct xlb_state *s, __u32 vip_id, __u32 id,
			   const struct state_backend *b)
{
	struct state_vip *v = state__vip_by_id(s, vip_id);
	struct state_backend *slot;

	if (!v)
		return -ENOENT;
	if (!id || id >= s->be_ids.max || s->be_ids.used[id] ||
	    state__backend_find(v, b->family, &b->addr, b->port))
		return -EEXIST;
	if (b->family != v->key.family || !addr_valid(b->family, &b->addr) ||
	    b->weight > XLB_WEIGHT_MAX || (b->flags & ~XLB_BE_F_ALL))
		return -EINVAL;
	slot = backend_slot(v);
	if (!slot)
		return -ENOMEM;
	v->nr_be++;
	s->be_ids.used[id] = true;
	s->be_ids.gen[id] = b->generation;
	*slot = *b;
	slot->id = id;
	slot->check = NULL; /* set afterwards: a reference is the model's own */
	return 0;
}
