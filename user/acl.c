// SPDX-License-Identifier: MIT
/*
 * The ACL from user space. An entry is written before its list's count
 * says the list is in use, and a count drops before its entry goes, so the
 * program never consults a list whose entries are not there yet.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "acl.h"
#include "log.h"
#include "prefix.h"

/* A trie key of either family. */
union acl_key {
	struct xlb_acl4_key v4;
	struct xlb_acl6_key v6;
};

/* Rules collected by a walk (flush, recount). */
struct rule_list {
	struct xlb_acl_rule *r;
	size_t n;
	size_t cap;
};

#define RULE_LIST_MIN 64

/* A valid list and prefix (the action aside). */
static bool rule__where_valid(const struct xlb_acl_rule *r)
{
	return r->scope < XLB_MAX_VIPS && xlb_family__bits(r->family) &&
	       r->plen <= xlb_family__bits(r->family) &&
	       xlb_prefix__is_clean(r->family, &r->addr, r->plen);
}

static bool action__valid(__u8 action)
{
	return action == XLB_ACL_DENY || action == XLB_ACL_ALLOW;
}

int xlb_acl_rule__check(const struct xlb_acl_rule *r)
{
	return rule__where_valid(r) && action__valid(r->action) ? 0 : -EINVAL;
}

/* The trie and key of r's list and prefix; validates them (not action). */
static int rule__key(const struct xlb_maps *m, const struct xlb_acl_rule *r, union acl_key *k,
		     int *fd)
{
	if (!rule__where_valid(r))
		return -EINVAL;
	memset(k, 0, sizeof(*k));
	if (r->family == XLB_AF_INET) {
		k->v4.prefixlen = XLB_ACL_SCOPE_BITS + r->plen;
		k->v4.scope = r->scope;
		k->v4.addr = r->addr.a[0];
		*fd = m->acl4;
	} else {
		k->v6.prefixlen = XLB_ACL_SCOPE_BITS + r->plen;
		k->v6.scope = r->scope;
		memcpy(&k->v6.addr, &r->addr, sizeof(k->v6.addr));
		*fd = m->acl6;
	}
	return 0;
}

/* The count of action in the list of r's scope and family. */
static __u32 *count_of(struct xlb_guard *g, const struct xlb_acl_rule *r, __u8 action)
{
	struct xlb_acl_count *n = &g->acl[r->family == XLB_AF_INET6];

	return action == XLB_ACL_DENY ? &n->deny : &n->allow;
}

/* Moves one entry of r's list from action `from` to action `to` (either
 * may be XLB_ACL_NONE: an entry added or removed). */
static int count__move(const struct xlb_maps *m, const struct xlb_acl_rule *r, __u8 from, __u8 to)
{
	struct xlb_guard g;
	__u32 *n;
	int err;

	err = xlb_guard__read(m, r->scope, &g);
	if (err)
		return err;
	if (from != XLB_ACL_NONE) {
		n = count_of(&g, r, from);
		if (*n) /* a count that drifted to 0 stays there */
			(*n)--;
	}
	if (to != XLB_ACL_NONE)
		(*count_of(&g, r, to))++;
	return xlb_guard__update(m, r->scope, &g);
}

int xlb_acl__get(const struct xlb_maps *m, struct xlb_acl_rule *r)
{
	struct xlb_acl_entry e;
	union acl_key k;
	int fd, err;

	err = rule__key(m, r, &k, &fd);
	if (err)
		return err;
	if (bpf_map_lookup_elem(fd, &k, &e))
		return -errno;
	if (e.plen != r->plen)
		return -ENOENT; /* a shorter prefix around it, not the entry */
	r->action = (__u8)e.action;
	return 0;
}

int xlb_acl__add(const struct xlb_maps *m, const struct xlb_acl_rule *r)
{
	struct xlb_acl_entry e = {.action = r->action, .plen = r->plen};
	struct xlb_acl_rule old = *r;
	union acl_key k;
	int fd, err;

	if (!action__valid(r->action))
		return -EINVAL;
	err = rule__key(m, r, &k, &fd);
	if (err)
		return err;
	err = xlb_acl__get(m, &old);
	if (err == -ENOENT)
		old.action = XLB_ACL_NONE;
	else if (err)
		return err;
	if (old.action == r->action)
		return 0;
	if (bpf_map_update_elem(fd, &k, &e, BPF_ANY)) {
		err = -errno;
		pr_warn("add acl entry to list %u: %s\n", r->scope, strerror(-err));
		return err;
	}
	return count__move(m, r, old.action, r->action);
}

int xlb_acl__del(const struct xlb_maps *m, const struct xlb_acl_rule *r)
{
	struct xlb_acl_rule old = *r;
	union acl_key k;
	int fd, err;

	err = rule__key(m, r, &k, &fd);
	if (err)
		return err;
	err = xlb_acl__get(m, &old);
	if (err)
		return err;
	err = count__move(m, &old, old.action, XLB_ACL_NONE);
	if (err)
		return err;
	if (bpf_map_delete_elem(fd, &k) && errno != ENOENT) {
		err = -errno;
		pr_warn("delete acl entry from list %u: %s\n", r->scope, strerror(-err));
		return err;
	}
	return 0;
}

/* The rule of a trie key and value. */
static void rule__from_key(struct xlb_acl_rule *r, int family, const union acl_key *k,
			   const struct xlb_acl_entry *e)
{
	memset(r, 0, sizeof(*r));
	r->family = (__u8)family;
	r->action = (__u8)e->action;
	if (family == XLB_AF_INET) {
		r->scope = k->v4.scope;
		r->plen = (__u8)(k->v4.prefixlen - XLB_ACL_SCOPE_BITS);
		r->addr.a[0] = k->v4.addr;
	} else {
		r->scope = k->v6.scope;
		r->plen = (__u8)(k->v6.prefixlen - XLB_ACL_SCOPE_BITS);
		memcpy(&r->addr, &k->v6.addr, sizeof(k->v6.addr));
	}
}

/* Walks one trie; fn must not change it. */
static int foreach_in(int fd, int family, xlb_acl_fn fn, void *arg)
{
	union acl_key key, next;
	struct xlb_acl_entry e;
	struct xlb_acl_rule r;
	void *prev = NULL;
	int err;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &e))
			continue; /* removed meanwhile */
		rule__from_key(&r, family, &key, &e);
		err = fn(&r, arg);
		if (err)
			return err;
	}
	if (errno != ENOENT) {
		err = -errno;
		pr_warn("walk acl trie: %s\n", strerror(-err));
		return err;
	}
	return 0;
}

int xlb_acl__foreach(const struct xlb_maps *m, xlb_acl_fn fn, void *arg)
{
	int err = foreach_in(m->acl4, XLB_AF_INET, fn, arg);

	if (err)
		return err;
	return foreach_in(m->acl6, XLB_AF_INET6, fn, arg);
}

static int rule_list__push(const struct xlb_acl_rule *r, void *arg)
{
	struct rule_list *l = arg;
	struct xlb_acl_rule *grown;
	size_t cap;

	if (l->n == l->cap) {
		cap = l->cap ? l->cap * 2 : RULE_LIST_MIN;
		grown = realloc(l->r, cap * sizeof(*l->r));
		if (!grown)
			return -ENOMEM;
		l->r = grown;
		l->cap = cap;
	}
	l->r[l->n++] = *r;
	return 0;
}

int xlb_acl__flush(const struct xlb_maps *m, __u32 scope)
{
	struct rule_list l = {0};
	size_t i;
	int err;

	if (scope >= XLB_MAX_VIPS)
		return -EINVAL;
	err = xlb_acl__foreach(m, rule_list__push, &l);
	for (i = 0; !err && i < l.n; i++)
		if (l.r[i].scope == scope)
			err = xlb_acl__del(m, &l.r[i]);
	free(l.r);
	return err;
}

int xlb_acl__recount(const struct xlb_maps *m)
{
	struct xlb_acl_count(*want)[2] = calloc(XLB_MAX_VIPS, sizeof(*want));
	struct rule_list l = {0};
	struct xlb_guard g;
	__u32 scope, active = 0;
	size_t i;
	int err;

	if (!want)
		return -ENOMEM;
	err = xlb_acl__foreach(m, rule_list__push, &l);
	if (err)
		goto cleanup;
	for (i = 0; i < l.n; i++) {
		struct xlb_acl_count *n;

		if (l.r[i].scope >= XLB_MAX_VIPS)
			continue; /* not written by this library: never consulted */
		n = &want[l.r[i].scope][l.r[i].family == XLB_AF_INET6];
		if (l.r[i].action == XLB_ACL_DENY)
			n->deny++;
		else
			n->allow++;
	}
	for (scope = 0; scope < XLB_MAX_VIPS; scope++) {
		err = xlb_guard__read(m, scope, &g);
		if (err)
			goto cleanup;
		memcpy(g.acl, want[scope], sizeof(g.acl));
		active += (__u32)xlb_guard__is_active(&g);
		if (scope == XLB_SCOPE_GLOBAL)
			continue; /* written last, with the active count */
		err = xlb_guard__write(m, scope, &g);
		if (err)
			goto cleanup;
	}
	err = xlb_guard__read(m, XLB_SCOPE_GLOBAL, &g);
	if (err)
		goto cleanup;
	memcpy(g.acl, want[XLB_SCOPE_GLOBAL], sizeof(g.acl));
	g.nr_active = active;
	err = xlb_guard__write(m, XLB_SCOPE_GLOBAL, &g);
cleanup:
	free(l.r);
	free(want);
	return err;
}
