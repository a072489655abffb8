// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the config file (and xlbctl's words): every line of
 * the input through config__line, the loader's own code (split, parse,
 * apply), onto one model. A refused line must say why, and must leave the
 * model as it found it: `xlbd -n` reports every bad line, and a line that
 * half-applies makes the lines after it fail for the wrong reason.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "state.h"

static bool ids_equal(const struct state_ids *a, const struct state_ids *b)
{
	return a->max == b->max && a->head == b->head && a->count == b->count &&
	       !memcmp(a->gen, b->gen, a->max * sizeof(*a->gen)) &&
	       !memcmp(a->used, b->used, a->max * sizeof(*a->used)) &&
	       !memcmp(a->fifo, b->fifo, a->max * sizeof(*a->fifo));
}

/* The same check: the same shared spec (the snapshot takes references), or an
 * equal one. */
static bool check_equal(const struct state_check *a, const struct state_check *b)
{
	if (a == b)
		return true;
	return a && b && !memcmp(&a->spec, &b->spec, sizeof(a->spec));
}

static bool acl_equal(const struct state_acl *a, const struct state_acl *b)
{
	size_t i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (state_acl__cmp(&a->r[i], &b->r[i]) || a->r[i].action != b->r[i].action)
			return false;
	return true;
}

static bool ratelimit_equal(const struct state_ratelimit *a, const struct state_ratelimit *b)
{
	return a->set == b->set && (!a->set || state_ratelimit__equal(&a->rl, &b->rl));
}

static bool source_equal(const struct state_source *a, const struct state_source *b)
{
	return a->set == b->set &&
	       (!a->set || (a->plen == b->plen && !memcmp(&a->addr, &b->addr, sizeof(a->addr))));
}

static bool backend_equal(const struct state_backend *a, const struct state_backend *b)
{
	return a->id == b->id && a->generation == b->generation &&
	       !memcmp(&a->addr, &b->addr, sizeof(a->addr)) && a->port == b->port &&
	       a->family == b->family && a->health == b->health && a->weight == b->weight &&
	       a->flags == b->flags && check_equal(a->check, b->check);
}

static bool vip_equal(const struct state_vip *a, const struct state_vip *b)
{
	size_t i;

	if (a->id != b->id || a->key.family != b->key.family || a->key.port != b->key.port ||
	    a->key.proto != b->key.proto ||
	    memcmp(&a->key.addr, &b->key.addr, sizeof(a->key.addr)) || a->mode != b->mode ||
	    a->flags != b->flags || a->fail_open != b->fail_open ||
	    a->announce_off != b->announce_off || !check_equal(a->check, b->check) ||
	    !acl_equal(&a->acl, &b->acl) || !ratelimit_equal(&a->rl, &b->rl) ||
	    a->nr_be != b->nr_be)
		return false;
	for (i = 0; i < a->nr_be; i++)
		if (!backend_equal(&a->be[i], &b->be[i]))
			return false;
	return true;
}

/* Every field of the model, the id allocators included. */
static bool state_equal(const struct xlb_state *a, const struct xlb_state *b)
{
	size_t i;

	if (a->nr_vips != b->nr_vips || a->mtu != b->mtu || a->flow_budget != b->flow_budget ||
	    a->sample_every != b->sample_every || !source_equal(&a->src4, &b->src4) ||
	    !source_equal(&a->src6, &b->src6) || !acl_equal(&a->acl, &b->acl) ||
	    !ratelimit_equal(&a->rl, &b->rl) || !ids_equal(&a->vip_ids, &b->vip_ids) ||
	    !ids_equal(&a->be_ids, &b->be_ids))
		return false;
	for (i = 0; i < a->nr_vips; i++)
		if (!vip_equal(&a->vips[i], &b->vips[i]))
			return false;
	return true;
}

/*
 * A copy of the model to compare with after a refused line. Not
 * state__clone: its allocator setup walks every backend id, once per line,
 * and cut the fuzzer to a hundred inputs a second. The checks are shared
 * (with a reference each) as a clone shares them.
 */
static void *dup_mem(const void *p, size_t n)
{
	void *d = malloc(n ? n : 1);

	if (!d)
		abort();
	if (n) /* an empty list's array is NULL */
		memcpy(d, p, n);
	return d;
}

/* Into buffers kept for the process: fresh ones on every line cost a page
 * fault per page, more than the copy. */
static __u32 vip_gen[XLB_MAX_VIPS], vip_fifo[XLB_MAX_VIPS];
static bool vip_used[XLB_MAX_VIPS];
static __u32 be_gen[XLB_MAX_BACKENDS], be_fifo[XLB_MAX_BACKENDS];
static bool be_used[XLB_MAX_BACKENDS];

static void snapshot_ids(struct state_ids *d, const struct state_ids *s, __u32 *gen, bool *used,
			 __u32 *fifo, __u32 max)
{
	if (s->max != max)
		abort(); /* state__init's sizes */
	*d = *s;
	d->gen = memcpy(gen, s->gen, max * sizeof(*gen));
	d->used = memcpy(used, s->used, max * sizeof(*used));
	d->fifo = memcpy(fifo, s->fifo, max * sizeof(*fifo));
}

static void snapshot_acl(struct state_acl *d, const struct state_acl *s)
{
	*d = *s;
	d->r = dup_mem(s->r, s->n * sizeof(*s->r));
}

static void snapshot(struct xlb_state *d, const struct xlb_state *s)
{
	size_t i, j;

	*d = *s;
	snapshot_ids(&d->vip_ids, &s->vip_ids, vip_gen, vip_used, vip_fifo, XLB_MAX_VIPS);
	snapshot_ids(&d->be_ids, &s->be_ids, be_gen, be_used, be_fifo, XLB_MAX_BACKENDS);
	snapshot_acl(&d->acl, &s->acl);
	d->vips = dup_mem(s->vips, s->nr_vips * sizeof(*s->vips));
	for (i = 0; i < s->nr_vips; i++) {
		struct state_vip *v = &d->vips[i];

		state__check_get(v->check);
		snapshot_acl(&v->acl, &s->vips[i].acl);
		v->be = dup_mem(s->vips[i].be, v->nr_be * sizeof(*v->be));
		for (j = 0; j < v->nr_be; j++)
			state__check_get(v->be[j].check);
	}
}

static void snapshot_free(struct xlb_state *d)
{
	size_t i, j;

	for (i = 0; i < d->nr_vips; i++) {
		struct state_vip *v = &d->vips[i];

		state__check_put(v->check);
		for (j = 0; j < v->nr_be; j++)
			state__check_put(v->be[j].check);
		free(v->be);
		free(v->acl.r);
	}
	free(d->vips);
	free(d->acl.r);
}

/* One line as config__load hands it over: its newline kept, at most a
 * buffer's worth (a longer line is refused before parsing), and ending at a
 * NUL if it has one (fgets stores it, strlen stops there). */
static void one_line(struct xlb_state *s, const uint8_t *p, size_t len)
{
	static char line[XLB_CLI_LINE_MAX];
	struct xlb_state before;
	struct xlb_ctl_err e;

	if (len > sizeof(line) - 1)
		return;
	memcpy(line, p, len);
	line[len] = '\0';
	snapshot(&before, s);
	memset(&e, 0, sizeof(e));
	if (config__line(s, line, &e)) {
		if (!e.msg[0] || e.err >= 0)
			abort(); /* every refusal says why */
		if (!state_equal(s, &before))
			abort(); /* a refused line changes nothing */
	}
	snapshot_free(&before);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size, *nl;
	struct xlb_state s;

	if (state__init(&s))
		abort();
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		one_line(&s, p, (size_t)((nl ? nl + 1 : end) - p));
		p = nl ? nl + 1 : end;
	}
	state__fini(&s);
	return 0;
}
