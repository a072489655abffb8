// SPDX-License-Identifier: MIT
/*
 * xlbd's model without the kernel: id allocation and generations, batch
 * rollback through a clone, the backup rule, which backends a ring holds,
 * the error texts an operator reads, and the state file round trip.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "cli.h"
#include "config.h"
#include "dataplane.h"
#include "maglev.h"
#include "request.h"
#include "state.h"
#include "state_file.h"

#define VIP_PORT     80
#define BE_BASE	     "198.19.0."
#define TMP_TEMPLATE "/tmp/xlbt-state-XXXXXX"

static struct xlb_vip_key vip4(const char *addr, int port, int proto)
{
	struct xlb_vip_key k = {};

	cr_assert_eq(inet_pton(AF_INET, addr, &k.addr.a[0]), 1);
	k.port = htons((__u16)port);
	k.proto = (__u8)proto;
	k.family = XLB_AF_INET;
	return k;
}

static struct state_backend_spec be4(const char *addr, __u32 weight, __u32 flags)
{
	struct state_backend_spec b = {};

	cr_assert_eq(inet_pton(AF_INET, addr, &b.addr.a[0]), 1);
	b.family = XLB_AF_INET;
	b.weight = weight;
	b.flags = flags;
	return b;
}

/* The n-th backend address of the test range, 198.19.x.y. */
static struct state_backend_spec be_n(unsigned int n, __u32 weight)
{
	struct state_backend_spec b = {};

	b.addr.a[0] = htonl(0xc6130000u + 1 + n); /* 198.19.0.1 + n */
	b.family = XLB_AF_INET;
	b.weight = weight;
	return b;
}

static struct state_backend *find(struct xlb_state *s, const struct xlb_vip_key *k,
				  const char *addr)
{
	struct state_backend_spec b = be4(addr, 0, 0);
	struct state_vip *v = state__vip_find(s, k);

	cr_assert_not_null(v);
	return state__backend_find(v, XLB_AF_INET, &b.addr, 0);
}

static void add_be(struct xlb_state *s, const struct xlb_vip_key *k, const char *addr, __u32 weight,
		   __u32 flags)
{
	struct state_backend_spec b = be4(addr, weight, flags);
	struct xlb_errmsg e = {};

	cr_assert_eq(state__backend_add(s, k, &b, &e), 0, "%s: %s", addr, e.text);
}

Test(state, ids_from_one_generation_one)
{
	struct xlb_vip_key k = vip4("198.18.1.10", VIP_PORT, IPPROTO_TCP);
	struct xlb_state s;

	cr_assert_eq(state__init(&s), 0);
	cr_assert_eq(state__vip_add(&s, &k, XLB_MODE_IPIP, 0, NULL), 0);
	cr_assert_eq(state__vip_find(&s, &k)->id, 1);
	add_be(&s, &k, BE_BASE "11", 100, 0);
	add_be(&s, &k, BE_BASE "12", 100, 0);
	cr_assert_eq(find(&s, &k, BE_BASE "11")->id, 1);
	cr_assert_eq(find(&s, &k, BE_BASE "12")->id, 2);
	cr_assert_eq(find(&s, &k, BE_BASE "11")->generation, 1);
	state__fini(&s);
}

Test(state, freed_id_comes_back_last_with_new_generation)
{
	struct xlb_vip_key k = vip4("198.18.1.10", VIP_PORT, IPPROTO_TCP);
	struct state_backend_spec spec;
	struct state_backend *b;
	struct xlb_errmsg e = {};
	struct xlb_state s;
	unsigned int i;
	__u32 id, gen;

	cr_assert_eq(state__init(&s), 0);
	cr_assert_eq(state__vip_add(&s, &k, XLB_MODE_IPIP, 0, NULL), 0);
	add_be(&s, &k, BE_BASE "11", 100, 0);
	b = find(&s, &k, BE_BASE "11");
	id = b->id;
	gen = b->generation;
	cr_assert_eq(state__backend_del(&s, &k, XLB_AF_INET, &b->addr, 0, NULL), 0);
	cr_assert_eq(s.be_ids.gen[id], gen + 1, "release bumps the generation");

	/* Every other id is handed out before the freed one comes back. */
	for (i = 0; i < XLB_MAX_BACKENDS - 2; i++) {
		spec = be_n(100 + i, 1);
		cr_assert_eq(state__backend_add(&s, &k, &spec, &e), 0, "%u: %s", i, e.text);
		cr_assert_neq(s.vips[0].be[s.vips[0].nr_be - 1].id, id);
	}
	add_be(&s, &k, BE_BASE "11", 100, 0);
	b = find(&s, &k, BE_BASE "11");
	cr_assert_eq(b->id, id);
	cr_assert_eq(b->generation, gen + 2, "reuse bumps it again");

	spec = be_n(100 + XLB_MAX_BACKENDS, 1); /* an address not used above */
	cr_assert_eq(state__backend_add(&s, &k, &spec, &e), -ENOSPC);
	cr_assert(strstr(e.text, "no free backend id"), "%s", e.text);
	state__fini(&s);
}

Test(state, vip_del_releases_its_backends)
{
	struct xlb_vip_key k = vip4("198.18.1.10", VIP_PORT, IPPROTO_TCP);
	struct xlb_state s;

	cr_assert_eq(state__init(&s), 0);
	cr_assert_eq(state__vip_add(&s, &k, XLB_MODE_IPIP, 0, NULL), 0);
	add_be(&s, &k, BE_BASE "11", 100, 0);
	add_be(&s, &k, BE_BASE "12", 100, 0);
	cr_assert_eq(state__vip_del(&s, &k, NULL), 0);
	cr_assert_eq(s.nr_vips, 0);
	cr_assert_not(s.be_ids.used[1]);
	cr_assert_not(s.be_ids.used[2]);
	cr_assert_eq(s.be_ids.gen[1], 2);
	cr_assert_not(s.vip_ids.used[1]);
	state__fini(&s);
}

Test(state, failed_batch_leaves_the_model_untouched)
{
	struct xlb_vip_key k = vip4("198.18.1.10", VIP_PORT, IPPROTO_TCP);
	struct xlb_vip_key k2 = vip4("198.18.1.11", VIP_PORT, IPPROTO_TCP);
	struct state_backend_spec dup = be4(BE_BASE "11", 100, 0);
	struct xlb_state s, work;
	struct xlb_errmsg e = {};

	cr_assert_eq(state__init(&s), 0);
	cr_assert_eq(state__vip_add(&s, &k, XLB_MODE_IPIP, 0, NULL), 0);
	add_be(&s, &k, BE_BASE "11", 100, 0);

	/* The daemon's batch: applied to a copy, kept only if all of it works. */
	cr_assert_eq(state__clone(&work, &s), 0);
	cr_assert_eq(state__vip_add(&work, &k2, XLB_MODE_IPIP, 0, NULL), 0);
	add_be(&work, &k2, BE_BASE "21", 100, 0);
	cr_assert_eq(state__backend_del(&work, &k, XLB_AF_INET, &dup.addr, 0, NULL), 0);
	add_be(&work, &k, BE_BASE "12", 100, 0);
	cr_assert_eq(state__backend_add(&work, &k2, &dup, &e), 0);
	cr_assert_eq(state__backend_add(&work, &k2, &dup, &e), -EEXIST);
	state__fini(&work);

	cr_assert_eq(s.nr_vips, 1);
	cr_assert_null(state__vip_find(&s, &k2));
	cr_assert_eq(s.vips[0].nr_be, 1);
	cr_assert_eq(find(&s, &k, BE_BASE "11")->id, 1);
	cr_assert_eq(find(&s, &k, BE_BASE "11")->generation, 1);
	cr_assert(s.be_ids.used[1]);
	cr_assert_not(s.be_ids.used[2], "ids taken by the failed batch are still free");
	cr_assert_eq(s.be_ids.gen[2], 0);
	/* The next id is the one the failed batch would have taken first. */
	add_be(&s, &k, BE_BASE "13", 100, 0);
	cr_assert_eq(find(&s, &k, BE_BASE "13")->id, 2);
	state__fini(&s);
}

Test(state, error_texts_name_the_problem)
{
	struct xlb_vip_key k = vip4("198.18.1.10", VIP_PORT, IPPROTO_TCP);
	struct xlb_vip_key unknown = vip4("198.18.1.99", VIP_PORT, IPPROTO_TCP);
	struct state_backend_spec heavy = be4(BE_BASE "12", XLB_WEIGHT_MAX + 1, 0);
	struct state_backend_spec dup = be4(BE_BASE "11", 100, 0);
	struct state_backend_spec v6 = {.family = XLB_AF_INET6, .weight = 1};
	struct xlb_errmsg e = {};
	struct xlb_state s;

	cr_assert_eq(state__init(&s), 0);
	cr_assert_eq(state__vip_add(&s, &k, XLB_MODE_IPIP, 0, NULL), 0);
	cr_assert_eq(state__vip_add(&s, &k, XLB_MODE_IPIP, 0, &e), -EEXIST);
	cr_assert_str_eq(e.text, "VIP 198.18.1.10:80/tcp exists");
	xlb_errmsg__clear(&e);
	cr_assert_eq(state__backend_add(&s, &unknown, &dup, &e), -ENOENT);
	cr_assert_str_eq(e.text, "unknown VIP 198.18.1.99:80/tcp");
	xlb_errmsg__clear(&e);
	add_be(&s, &k, BE_BASE "11", 100, 0);
	cr_assert_eq(state__backend_add(&s, &k, &dup, &e), -EEXIST);
	cr_assert_str_eq(e.text, "backend 198.19.0.11 exists");
	xlb_errmsg__clear(&e);
	cr_assert_eq(state__backend_add(&s, &k, &heavy, &e), -ERANGE);
	cr_assert(strstr(e.text, "weight out of range"), "%s", e.text);
	xlb_errmsg__clear(&e);
	v6.addr.a[0] = htonl(0x20010002);
	v6.addr.a[3] = htonl(1);
	cr_assert_eq(state__backend_add(&s, &k, &v6, &e), -EAFNOSUPPORT);
	xlb_errmsg__clear(&e);
	cr_assert_eq(state__backend_del(&s, &k, XLB_AF_INET, &heavy.addr, 0, &e), -ENOENT);
	cr_assert_str_eq(e.text, "unknown backend 198.19.0.12 in VIP 198.18.1.10:80/tcp");
	xlb_errmsg__clear(&e);
	cr_assert_eq(state__set_mtu(&s, XLB_MTU_MIN - 1, &e), -ERANGE);
	cr_assert(strstr(e.text, "mtu"), "%s", e.text);
	state__fini(&s);
}

Test(state, dataplane_states)
{
	struct state_backend b = {.weight = 10};

	cr_assert_eq(state__backend_dp_state(&b), XLB_BE_ACTIVE);
	b.health = XLB_HEALTH_UP;
	cr_assert_eq(state__backend_dp_state(&b), XLB_BE_ACTIVE);
	b.flags = XLB_BE_F_DRAIN;
	cr_assert_eq(state__backend_dp_state(&b), XLB_BE_DRAINING);
	b.flags = 0;
	b.weight = 0;
	cr_assert_eq(state__backend_dp_state(&b), XLB_BE_DRAINING, "weight 0 drains");
	b.weight = 10;
	b.flags = XLB_BE_F_ADMIN_DOWN | XLB_BE_F_DRAIN;
	cr_assert_eq(state__backend_dp_state(&b), XLB_BE_DOWN, "down beats drain");
	b.flags = 0;
	b.health = XLB_HEALTH_DOWN;
	cr_assert_eq(state__backend_dp_state(&b), XLB_BE_DOWN);
}

static size_t members(struct xlb_state *s, const struct xlb_vip_key *k, __u32 *ids)
{
	struct maglev_backend out[16];
	struct state_vip *v = state__vip_find(s, k);
	size_t n, i;

	cr_assert_leq(v->nr_be, 16);
	state__ring_members(v, out, &n);
	for (i = 0; i < n; i++)
		ids[i] = out[i].id;
	return n;
}

Test(state, ring_holds_active_primaries_only)
{
	struct xlb_vip_key k = vip4("198.18.1.10", VIP_PORT, IPPROTO_UDP);
	struct state_backend_change chg = {};
	__u32 ids[16];
	struct xlb_state s;

	cr_assert_eq(state__init(&s), 0);
	cr_assert_eq(state__vip_add(&s, &k, XLB_MODE_IPIP, 0, NULL), 0);
	add_be(&s, &k, BE_BASE "11", 100, 0);			/* 1 */
	add_be(&s, &k, BE_BASE "12", 100, XLB_BE_F_DRAIN);	/* 2 */
	add_be(&s, &k, BE_BASE "13", 0, 0);			/* 3 */
	add_be(&s, &k, BE_BASE "14", 100, XLB_BE_F_ADMIN_DOWN); /* 4 */
	add_be(&s, &k, BE_BASE "15", 100, 0);			/* 5 */
	add_be(&s, &k, BE_BASE "16", 100, XLB_BE_F_BACKUP);	/* 6 */
	cr_assert_eq(members(&s, &k, ids), 2);
	cr_assert_eq(ids[0], 1);
	cr_assert_eq(ids[1], 5);
	cr_assert_eq(state__set_health(&s, 5, XLB_HEALTH_DOWN), 1);
	cr_assert_eq(state__set_health(&s, 5, XLB_HEALTH_DOWN), 0, "no change");
	cr_assert_eq(members(&s, &k, ids), 1);
	cr_assert_eq(ids[0], 1);

	/* Undrain 2: it joins. */
	chg.flags_clear = XLB_BE_F_DRAIN;
	cr_assert_eq(state__backend_set(&s, &k, XLB_AF_INET, &find(&s, &k, BE_BASE "12")->addr, 0,
					&chg, NULL),
		     0);
	cr_assert_eq(members(&s, &k, ids), 2);
	cr_assert_eq(state__set_health(&s, 99, XLB_HEALTH_DOWN), -ENOENT);
	state__fini(&s);
}

Test(state, backups_only_while_no_primary_is_active)
{
	struct xlb_vip_key k = vip4("198.18.1.10", VIP_PORT, IPPROTO_TCP);
	struct state_backend_change drain = {.flags_set = XLB_BE_F_DRAIN};
	struct state_backend *p, *bk;
	__u32 ids[16];
	struct xlb_state s;

	cr_assert_eq(state__init(&s), 0);
	cr_assert_eq(state__vip_add(&s, &k, XLB_MODE_IPIP, 0, NULL), 0);
	add_be(&s, &k, BE_BASE "11", 100, 0);
	add_be(&s, &k, BE_BASE "12", 100, 0);
	add_be(&s, &k, BE_BASE "21", 100, XLB_BE_F_BACKUP);
	add_be(&s, &k, BE_BASE "22", 100, XLB_BE_F_BACKUP);
	bk = find(&s, &k, BE_BASE "21");
	cr_assert_eq(members(&s, &k, ids), 2);
	cr_assert_not(state__backend_in_ring(&s.vips[0], bk));

	cr_assert_eq(state__set_health(&s, 1, XLB_HEALTH_DOWN), 1);
	cr_assert_eq(members(&s, &k, ids), 1, "one primary left: still no backup");
	p = find(&s, &k, BE_BASE "12");
	cr_assert_eq(state__backend_set(&s, &k, XLB_AF_INET, &p->addr, 0, &drain, NULL), 0);
	cr_assert_eq(members(&s, &k, ids), 2, "no primary active: both backups");
	cr_assert_eq(ids[0], 3);
	cr_assert_eq(ids[1], 4);
	cr_assert(state__backend_in_ring(&s.vips[0], bk));

	/* A backup that is down stays out even then. */
	cr_assert_eq(state__set_health(&s, 4, XLB_HEALTH_DOWN), 1);
	cr_assert_eq(members(&s, &k, ids), 1);
	cr_assert_eq(ids[0], 3);

	/* The primary comes back: backups leave the ring. */
	cr_assert_eq(state__set_health(&s, 1, XLB_HEALTH_UP), 1);
	cr_assert_eq(members(&s, &k, ids), 1);
	cr_assert_eq(ids[0], 1);
	state__fini(&s);
}

Test(state, ring_built_from_members_names_only_them)
{
	struct xlb_vip_key k = vip4("198.18.1.10", VIP_PORT, IPPROTO_TCP);
	struct maglev_backend out[8];
	size_t n, i, count[8] = {};
	struct xlb_state s;
	__u32 *ring;

	cr_assert_eq(state__init(&s), 0);
	cr_assert_eq(state__vip_add(&s, &k, XLB_MODE_IPIP, 0, NULL), 0);
	add_be(&s, &k, BE_BASE "11", 100, 0);
	add_be(&s, &k, BE_BASE "12", 100, XLB_BE_F_DRAIN);
	add_be(&s, &k, BE_BASE "13", 300, 0);
	state__ring_members(&s.vips[0], out, &n);
	ring = malloc(sizeof(struct xlb_ring));
	cr_assert_not_null(ring);
	cr_assert_eq(maglev__build(out, n, ring), 0);
	for (i = 0; i < XLB_RING_SIZE; i++) {
		cr_assert(ring[i] == 1 || ring[i] == 3, "slot %zu holds %u", i, ring[i]);
		count[ring[i]]++;
	}
	/* Weights 100:300 give a quarter and three quarters, within a slot. */
	cr_assert_leq(labs((long)count[1] - XLB_RING_SIZE / 4), 1);
	free(ring);
	state__fini(&s);
}

Test(state, vip_readded_in_a_batch_gets_a_new_id)
{
	struct xlb_vip_key k = vip4("198.18.1.10", VIP_PORT, IPPROTO_TCP);
	struct xlb_state s;

	cr_assert_eq(state__init(&s), 0);
	cr_assert_eq(state__vip_add(&s, &k, XLB_MODE_IPIP, 0, NULL), 0);
	cr_assert_eq(state__vip_del(&s, &k, NULL), 0);
	cr_assert_eq(state__vip_add(&s, &k, XLB_MODE_L2DSR, 0, NULL), 0);
	cr_assert_eq(state__vip_find(&s, &k)->id, 2);
	cr_assert_eq(state__vip_find(&s, &k)->mode, XLB_MODE_L2DSR);
	state__fini(&s);
}

/* s through a state file of its own into r (initialised here). */
static void file_round_trip(const struct xlb_state *s, struct xlb_state *r)
{
	char path[] = TMP_TEMPLATE;
	int fd;

	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_eq(state_file__save(path, s), 0);
	cr_assert_eq(state__init(r), 0);
	cr_assert_eq(state_file__load(path, r), 0);
	unlink(path);
}

Test(state, file_round_trip_keeps_ids_generations_and_order)
{
	struct xlb_vip_key k = vip4("198.18.1.10", VIP_PORT, IPPROTO_TCP);
	struct xlb_vip_key k6 = {.family = XLB_AF_INET6, .proto = IPPROTO_UDP};
	struct state_backend_spec b6 = {.family = XLB_AF_INET6, .weight = 7};
	struct xlb_addr src = {};
	struct state_backend *a, *b;
	struct xlb_state s, r;

	cr_assert_eq(state__init(&s), 0);
	cr_assert_eq(state__vip_add(&s, &k, XLB_MODE_IPIP, 0, NULL), 0);
	add_be(&s, &k, BE_BASE "11", 100, 0);
	add_be(&s, &k, BE_BASE "12", 5, XLB_BE_F_BACKUP | XLB_BE_F_DRAIN);
	add_be(&s, &k, BE_BASE "13", 100, 0);
	add_be(&s, &k, BE_BASE "14", 100, 0);
	cr_assert_eq(
		state__backend_del(&s, &k, XLB_AF_INET, &find(&s, &k, BE_BASE "13")->addr, 0, NULL),
		0);
	cr_assert_eq(
		state__backend_del(&s, &k, XLB_AF_INET, &find(&s, &k, BE_BASE "11")->addr, 0, NULL),
		0);
	cr_assert_eq(state__set_health(&s, 2, XLB_HEALTH_DOWN), 1);
	k6.addr.a[0] = htonl(0x20010002);
	k6.addr.a[3] = htonl(0x10);
	k6.port = htons(53);
	cr_assert_eq(state__vip_add(&s, &k6, XLB_MODE_L2DSR, 0, NULL), 0);
	b6.addr.a[0] = htonl(0x20010002);
	b6.addr.a[3] = htonl(0x11);
	b6.port = htons(5353);
	cr_assert_eq(state__backend_add(&s, &k6, &b6, NULL), 0);
	cr_assert_eq(state__set_mtu(&s, 1600, NULL), 0);
	src.a[0] = htonl(0xc6120000); /* 198.18.0.0/24 */
	cr_assert_eq(state__set_source(&s, XLB_AF_INET, &src, 24, NULL), 0);

	file_round_trip(&s, &r);

	cr_assert_eq(r.nr_vips, 2);
	cr_assert_eq(r.mtu, 1600);
	cr_assert(r.src4.set);
	cr_assert_eq(r.src4.plen, 24);
	cr_assert_not(r.src6.set);
	b = find(&r, &k, BE_BASE "12");
	cr_assert_eq(b->id, 2);
	cr_assert_eq(b->generation, 1);
	cr_assert_eq(b->weight, 5);
	cr_assert_eq(b->flags, XLB_BE_F_BACKUP | XLB_BE_F_DRAIN);
	cr_assert_eq(b->health, XLB_HEALTH_DOWN);
	a = &state__vip_find(&r, &k6)->be[0];
	cr_assert_eq(a->port, htons(5353));
	cr_assert_eq(state__vip_find(&r, &k6)->mode, XLB_MODE_L2DSR);
	cr_assert_eq(state__vip_find(&r, &k6)->id, state__vip_find(&s, &k6)->id);
	cr_assert_eq(r.be_ids.gen[3], 2);
	cr_assert_eq(r.be_ids.gen[1], 2);

	/* Both models hand out the same next ids: never-used first, then the
	 * freed ones in the order they were freed (3 before 1). */
	for (int i = 0; i < 3; i++) {
		__u32 want_id, got_id;
		struct state_backend_spec n = be_n(50 + (unsigned int)i, 1);

		cr_assert_eq(state__backend_add(&s, &k, &n, NULL), 0);
		cr_assert_eq(state__backend_add(&r, &k, &n, NULL), 0);
		want_id = s.vips[0].be[s.vips[0].nr_be - 1].id;
		got_id = state__vip_find(&r, &k)->be[state__vip_find(&r, &k)->nr_be - 1].id;
		cr_assert_eq(got_id, want_id);
	}
	state__fini(&s);
	state__fini(&r);
}

Test(state, damaged_file_is_refused)
{
	char path[] = TMP_TEMPLATE;
	struct xlb_state r;
	FILE *f;
	int fd;

	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	f = fdopen(fd, "w");
	fprintf(f, "xlb-state 1\nvip 1 198.18.1.10 80 6 0 0\nbackend 1 2 1 198.19.0.1 0 "
		   "70000 0 0\n");
	fclose(f);
	cr_assert_eq(state__init(&r), 0);
	cr_assert_eq(state_file__load(path, &r), -EINVAL);
	unlink(path);
	state__fini(&r);
	cr_assert_eq(state__init(&r), 0);
	cr_assert_eq(state_file__load("/nonexistent/xlbt.state", &r), -ENOENT);
	state__fini(&r);
}

Test(state, reconcile_keeps_identities_of_what_stays)
{
	struct xlb_vip_key k = vip4("198.18.1.10", VIP_PORT, IPPROTO_TCP);
	struct xlb_vip_key gone = vip4("198.18.1.11", VIP_PORT, IPPROTO_TCP);
	struct xlb_vip_key added = vip4("198.18.1.12", VIP_PORT, IPPROTO_UDP);
	struct state_backend *b11, *b13;
	struct xlb_errmsg e = {};
	struct xlb_state s, want;
	__u32 id11, gen11, id12;

	cr_assert_eq(state__init(&s), 0);
	cr_assert_eq(state__vip_add(&s, &k, XLB_MODE_IPIP, 0, NULL), 0);
	cr_assert_eq(state__vip_add(&s, &gone, XLB_MODE_IPIP, 0, NULL), 0);
	add_be(&s, &k, BE_BASE "11", 100, 0);
	add_be(&s, &k, BE_BASE "12", 100, 0);
	add_be(&s, &gone, BE_BASE "21", 100, 0);
	cr_assert_eq(state__set_health(&s, 1, XLB_HEALTH_DOWN), 1);
	id11 = find(&s, &k, BE_BASE "11")->id;
	gen11 = find(&s, &k, BE_BASE "11")->generation;
	id12 = find(&s, &k, BE_BASE "12")->id;

	/* The config, built on its own: other order, other ids. */
	cr_assert_eq(state__init(&want), 0);
	cr_assert_eq(state__vip_add(&want, &added, XLB_MODE_IPIP, 0, NULL), 0);
	cr_assert_eq(state__vip_add(&want, &k, XLB_MODE_L2DSR, 0, NULL), 0);
	add_be(&want, &k, BE_BASE "13", 10, 0);
	add_be(&want, &k, BE_BASE "11", 50, XLB_BE_F_DRAIN);
	add_be(&want, &added, BE_BASE "31", 100, 0);
	cr_assert_eq(state__set_mtu(&want, 1600, NULL), 0);

	cr_assert_eq(state__reconcile(&s, &want, &e), 0, "%s", e.text);
	cr_assert_eq(s.nr_vips, 2);
	cr_assert_null(state__vip_find(&s, &gone));
	cr_assert_not_null(state__vip_find(&s, &added));
	cr_assert_eq(state__vip_find(&s, &k)->mode, XLB_MODE_L2DSR);
	cr_assert_eq(state__vip_find(&s, &k)->nr_be, 2);
	b11 = find(&s, &k, BE_BASE "11");
	cr_assert_eq(b11->id, id11, "a backend that stays keeps its id");
	cr_assert_eq(b11->generation, gen11, "and its generation");
	cr_assert_eq(b11->health, XLB_HEALTH_DOWN, "and its health");
	cr_assert_eq(b11->weight, 50);
	cr_assert_eq(b11->flags, XLB_BE_F_DRAIN);
	cr_assert_null(find(&s, &k, BE_BASE "12"));
	cr_assert_not(s.be_ids.used[id12], "a removed backend's id is freed");
	b13 = find(&s, &k, BE_BASE "13");
	cr_assert_eq(b13->weight, 10);
	cr_assert_eq(s.mtu, 1600);
	state__fini(&want);
	state__fini(&s);
}

/* Health checks in the model */

static struct xlb_check_spec check_of(enum xlb_check_type type, __u16 port)
{
	struct xlb_check_spec c;

	xlb_check_spec__init(&c, type);
	c.port = port;
	if (type == XLB_CHECK_SCRIPT)
		strcpy(c.program, "/bin/true");
	return c;
}

Test(state, backends_inherit_the_vip_check_unless_they_have_their_own)
{
	struct xlb_vip_key k = vip4("198.18.1.10", VIP_PORT, IPPROTO_TCP);
	struct xlb_check_spec http = check_of(XLB_CHECK_HTTP, 0), tcp = check_of(XLB_CHECK_TCP, 0);
	struct state_backend *a, *b;
	struct state_vip *v;
	struct xlb_state s, copy;
	bool inherited;

	cr_assert_eq(state__init(&s), 0);
	cr_assert_eq(state__vip_add(&s, &k, XLB_MODE_IPIP, 0, NULL), 0);
	add_be(&s, &k, BE_BASE "11", 100, 0);
	add_be(&s, &k, BE_BASE "12", 100, 0);
	v = state__vip_find(&s, &k);
	a = find(&s, &k, BE_BASE "11");
	b = find(&s, &k, BE_BASE "12");
	cr_assert_null(state__backend_check(v, a, &inherited), "no check by default");

	cr_assert_eq(state__vip_set_check(&s, &k, &http, NULL), 0);
	cr_assert_eq(state__backend_set_check(&s, &k, XLB_AF_INET, &b->addr, 0, &tcp, NULL), 0);
	cr_assert_eq(state__backend_check(v, a, &inherited)->spec.type, XLB_CHECK_HTTP);
	cr_assert(inherited);
	cr_assert_eq(state__backend_check(v, b, &inherited)->spec.type, XLB_CHECK_TCP);
	cr_assert_not(inherited);
	cr_assert_eq(state__backend_check_port(v, a), VIP_PORT, "a port-0 backend: the VIP's");

	/* a clone shares the specs, and outlives its source */
	cr_assert_eq(state__clone(&copy, &s), 0);
	cr_assert_eq(state__vip_find(&copy, &k)->check, v->check);
	cr_assert_eq(v->check->refs, 2);
	state__fini(&s);
	v = state__vip_find(&copy, &k);
	cr_assert_eq(v->check->refs, 1);
	cr_assert_eq(v->check->spec.type, XLB_CHECK_HTTP);

	/* health is kept across a spec change, reset when no check is left */
	a = find(&copy, &k, BE_BASE "11");
	b = find(&copy, &k, BE_BASE "12");
	cr_assert_eq(state__set_health(&copy, a->id, XLB_HEALTH_DOWN), 1);
	cr_assert_eq(state__set_health(&copy, b->id, XLB_HEALTH_DOWN), 1);
	cr_assert_eq(state__vip_set_check(&copy, &k, &tcp, NULL), 0);
	cr_assert_eq(a->health, XLB_HEALTH_DOWN, "another spec decides later");
	cr_assert_eq(state__vip_set_check(&copy, &k, NULL, NULL), 0);
	cr_assert_eq(a->health, XLB_HEALTH_UNKNOWN, "no check left: counts as up");
	cr_assert_eq(b->health, XLB_HEALTH_DOWN, "its own check still runs");
	tcp.type = XLB_CHECK_NONE;
	cr_assert_eq(state__backend_set_check(&copy, &k, XLB_AF_INET, &b->addr, 0, &tcp, NULL), 0);
	cr_assert_null(b->check);
	cr_assert_eq(b->health, XLB_HEALTH_UNKNOWN);
	state__fini(&copy);
}

Test(state, a_check_without_a_port_is_refused_where_none_is_known)
{
	struct xlb_vip_key k = vip4("198.18.1.10", 0, IPPROTO_TCP);
	struct xlb_check_spec tcp = check_of(XLB_CHECK_TCP, 0);
	struct xlb_check_spec script = check_of(XLB_CHECK_SCRIPT, 0);
	struct state_backend_spec b = be4(BE_BASE "11", 100, 0);
	struct xlb_errmsg e = {};
	struct xlb_state s;

	cr_assert_eq(state__init(&s), 0);
	cr_assert_eq(state__vip_add(&s, &k, XLB_MODE_IPIP, 0, NULL), 0);
	cr_assert_eq(state__backend_add(&s, &k, &b, NULL), 0);
	cr_assert_eq(state__vip_set_check(&s, &k, &tcp, &e), -EINVAL);
	cr_assert_not_null(strstr(e.text, "a tcp check needs 'port'"), "%s", e.text);
	cr_assert_eq(state__vip_set_check(&s, &k, &script, NULL), 0, "scripts need no port");
	tcp.port = 22;
	cr_assert_eq(state__vip_set_check(&s, &k, &tcp, NULL), 0);
	state__fini(&s);
}

/* A config line refused half-way leaves the model as it was (the lines
 * fuzz_config found applied in part: a backend added before its check was
 * refused, a weight, a mode and fail-open set before theirs, an mtu set
 * before the source). `xlbd -n` then reports only the bad line itself. */
Test(state, a_refused_request_changes_nothing)
{
	static const char *const setup[] = {
		"vip add 198.18.1.10 port 0 proto tcp",
		"backend add vip 198.18.1.10:0/tcp addr " BE_BASE "11 weight 100",
	};
	static const char *const refused[] = {
		"backend add vip 198.18.1.10:0/tcp addr " BE_BASE "12 check tcp",
		"backend set vip 198.18.1.10:0/tcp addr " BE_BASE "11 weight 7 check tcp",
		"vip set 198.18.1.10:0/tcp mode l2dsr fail-open check tcp",
		"config set mtu 1600 source 0.0.0.0",
	};
	char line[XLB_CLI_LINE_MAX];
	struct xlb_ctl_err e;
	struct state_vip *v;
	struct xlb_state s;
	size_t i;

	cr_assert_eq(state__init(&s), 0);
	for (i = 0; i < sizeof(setup) / sizeof(setup[0]); i++) {
		snprintf(line, sizeof(line), "%s", setup[i]);
		cr_assert_eq(config__line(&s, line, &e), 0, "%s: %s", setup[i], e.msg);
	}
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		snprintf(line, sizeof(line), "%s", refused[i]);
		memset(&e, 0, sizeof(e));
		cr_assert_lt(config__line(&s, line, &e), 0, "%s was accepted", refused[i]);
		cr_assert(e.msg[0], "%s: no reason given", refused[i]);
	}
	cr_assert_eq(s.nr_vips, 1);
	v = &s.vips[0];
	cr_assert_eq(v->nr_be, 1, "a backend whose check was refused stayed");
	cr_assert_eq(s.be_ids.count, XLB_MAX_BACKENDS - 2, "its id stayed taken");
	cr_assert_eq(v->be[0].weight, 100);
	cr_assert_null(v->be[0].check);
	cr_assert_eq(v->mode, XLB_MODE_IPIP);
	cr_assert_not(v->fail_open);
	cr_assert_null(v->check);
	cr_assert_eq(s.mtu, XLB_MTU_DEFAULT);
	cr_assert_not(s.src4.set);
	state__fini(&s);
}

/* A VIP added with an option that is refused is not left behind: a check
 * of a type this build does not know (the wire allows any byte). */
Test(state, a_refused_vip_add_leaves_no_vip)
{
	struct xlb_ctl_msg m;
	struct xlb_ctl_err e = {};
	struct xlb_state s;

	cr_assert_eq(state__init(&s), 0);
	xlb_ctl_msg__init(&m, XLB_CMD_VIP_ADD);
	m.vip.key.family = XLB_AF_INET;
	cr_assert_eq(inet_pton(AF_INET, "198.18.1.10", &m.vip.key.addr.a[0]), 1);
	m.vip.key.port = VIP_PORT;
	m.vip.key.proto = IPPROTO_TCP;
	xlb_ctl_msg__set_vip_key(&m);
	m.check.type = XLB_CHECK__MAX;
	xlb_ctl_msg__set(&m, XLB_A_CHECK);
	cr_assert_eq(request__apply(&s, &m, &e), -EINVAL);
	cr_assert_not_null(strstr(e.msg, "unknown"), "%s", e.msg);
	cr_assert_eq(s.nr_vips, 0, "the VIP stayed");
	cr_assert_eq(s.vip_ids.count, XLB_MAX_VIPS - 1, "its id stayed taken");
	m.check.type = XLB_CHECK_NONE;
	cr_assert_eq(request__apply(&s, &m, &e), 0, "%s", e.msg);
	cr_assert_eq(s.nr_vips, 1);
	state__fini(&s);
}

static void lines(struct xlb_state *s, const char *const *l, size_t n)
{
	char line[XLB_CLI_LINE_MAX];
	struct xlb_ctl_err e;
	size_t i;

	cr_assert_eq(state__init(s), 0);
	for (i = 0; i < n; i++) {
		snprintf(line, sizeof(line), "%s", l[i]);
		cr_assert_eq(config__line(s, line, &e), 0, "%s: %s", l[i], e.msg);
	}
}

/* A port-0 VIP whose check gains a port, and a port-0 backend that needs
 * it: a reload (reconcile) applies the check before adding the backend
 * (added first, the running port-less check refused it, and a valid config
 * could not be loaded over that state). A backend with a check of its own
 * does not need the VIP's to have a port. */
Test(state, reconcile_orders_a_vip_check_that_ports_need)
{
	static const char *const running[] = {
		"vip add 198.18.1.20 port 0 proto tcp check tcp",
		"backend add vip 198.18.1.20:0/tcp addr " BE_BASE "21 port 8080",
	};
	static const char *const wanted[] = {
		"vip add 198.18.1.20 port 0 proto tcp check tcp port 80",
		"backend add vip 198.18.1.20:0/tcp addr " BE_BASE "22",
	};
	char own[] = "backend add vip 198.18.1.20:0/tcp addr " BE_BASE "23 check tcp port 81";
	struct xlb_state s, want;
	struct xlb_errmsg em = {};
	struct xlb_ctl_err e;
	struct state_vip *v;

	lines(&s, running, sizeof(running) / sizeof(running[0]));
	cr_assert_eq(config__line(&s, own, &e), 0, "%s", e.msg);
	lines(&want, wanted, sizeof(wanted) / sizeof(wanted[0]));
	cr_assert_eq(state__reconcile(&s, &want, &em), 0, "%s", em.text);
	v = &s.vips[0];
	cr_assert_eq(v->check->spec.port, 80);
	cr_assert_eq(v->nr_be, 1);
	cr_assert_eq(v->be[0].port, 0, "the port-0 backend (.22) is the one left");
	cr_assert_null(v->be[0].check);
	state__fini(&want);
	state__fini(&s);
}

Test(state, fail_open_keeps_every_backend_when_all_fail)
{
	struct xlb_vip_key k = vip4("198.18.1.10", VIP_PORT, IPPROTO_TCP);
	struct maglev_backend out[4];
	struct xlb_errmsg e = {};
	struct state_vip *v;
	struct xlb_state s;
	size_t n;

	cr_assert_eq(state__init(&s), 0);
	cr_assert_eq(state__vip_add(&s, &k, XLB_MODE_IPIP, 0, NULL), 0);
	add_be(&s, &k, BE_BASE "11", 100, 0);
	add_be(&s, &k, BE_BASE "12", 100, 0);
	add_be(&s, &k, BE_BASE "13", 100, XLB_BE_F_ADMIN_DOWN);
	v = state__vip_find(&s, &k);
	cr_assert_eq(state__set_health(&s, v->be[0].id, XLB_HEALTH_DOWN), 1);
	cr_assert_eq(state__set_health(&s, v->be[1].id, XLB_HEALTH_DOWN), 1);
	state__ring_members(v, out, &n);
	cr_assert_eq(n, 0, "fail-closed: an empty ring");
	cr_assert_not(state__vip_failing_open(v));

	cr_assert_eq(state__vip_set_fail_open(&s, &k, true, &e), 0);
	cr_assert(state__vip_failing_open(v));
	state__ring_members(v, out, &n);
	cr_assert_eq(n, 2, "fail-open: the failing backends, not the admin-down one");
	cr_assert_eq(state__backend_state(&v->be[0], true), XLB_BE_ACTIVE);
	cr_assert_eq(state__backend_state(&v->be[2], true), XLB_BE_DOWN);

	/* one passing again: only it */
	cr_assert_eq(state__set_health(&s, v->be[1].id, XLB_HEALTH_UP), 1);
	cr_assert_not(state__vip_failing_open(v));
	state__ring_members(v, out, &n);
	cr_assert_eq(n, 1);
	cr_assert_eq(out[0].id, v->be[1].id);
	state__fini(&s);
}

Test(state, file_keeps_checks_and_fail_open)
{
	struct xlb_vip_key k = vip4("198.18.1.10", VIP_PORT, IPPROTO_TCP);
	struct xlb_check_spec http = check_of(XLB_CHECK_HTTP, 8080), script;
	struct state_backend *b;
	struct xlb_state s, r;
	struct xlb_errmsg e = {};
	char *argv[] = {"script", "/usr/bin/my check", "arg", "", "arg", "a \"b\" c", NULL};

	strcpy(http.body, "all good");
	cr_assert_eq(xlb_check_spec__parse(&script, 6, argv, NULL, &e), 0, "%s", e.text);
	cr_assert_eq(state__init(&s), 0);
	cr_assert_eq(state__vip_add(&s, &k, XLB_MODE_IPIP, 0, NULL), 0);
	cr_assert_eq(state__vip_set_check(&s, &k, &http, NULL), 0);
	cr_assert_eq(state__vip_set_fail_open(&s, &k, true, NULL), 0);
	add_be(&s, &k, BE_BASE "11", 100, 0);
	add_be(&s, &k, BE_BASE "12", 100, 0);
	b = find(&s, &k, BE_BASE "12");
	cr_assert_eq(state__backend_set_check(&s, &k, XLB_AF_INET, &b->addr, 0, &script, NULL), 0);
	cr_assert_eq(state__set_health(&s, b->id, XLB_HEALTH_DOWN), 1);
	cr_assert_eq(state__set_health(&s, find(&s, &k, BE_BASE "11")->id, XLB_HEALTH_UP), 1);

	file_round_trip(&s, &r);
	cr_assert(state__vip_find(&r, &k)->fail_open);
	cr_assert_eq(memcmp(&state__vip_find(&r, &k)->check->spec, &http, sizeof(http)), 0);
	b = find(&r, &k, BE_BASE "12");
	cr_assert_not_null(b->check);
	cr_assert_eq(memcmp(&b->check->spec, &script, sizeof(script)), 0);
	cr_assert_eq(b->health, XLB_HEALTH_DOWN, "health as recorded");
	cr_assert_eq(find(&r, &k, BE_BASE "11")->health, XLB_HEALTH_UP);
	cr_assert_null(find(&r, &k, BE_BASE "11")->check);
	state__fini(&s);
	state__fini(&r);
}

Test(state, reconcile_changes_checks_and_keeps_health)
{
	struct xlb_vip_key k = vip4("198.18.1.10", VIP_PORT, IPPROTO_TCP);
	struct xlb_check_spec http = check_of(XLB_CHECK_HTTP, 0), tcp = check_of(XLB_CHECK_TCP, 0);
	struct xlb_state s, want;
	struct xlb_errmsg e = {};
	struct state_backend *b;

	cr_assert_eq(state__init(&s), 0);
	cr_assert_eq(state__init(&want), 0);
	cr_assert_eq(state__vip_add(&s, &k, XLB_MODE_IPIP, 0, NULL), 0);
	cr_assert_eq(state__vip_set_check(&s, &k, &http, NULL), 0);
	add_be(&s, &k, BE_BASE "11", 100, 0);
	cr_assert_eq(state__set_health(&s, find(&s, &k, BE_BASE "11")->id, XLB_HEALTH_DOWN), 1);

	cr_assert_eq(state__vip_add(&want, &k, XLB_MODE_IPIP, 0, NULL), 0);
	cr_assert_eq(state__vip_set_check(&want, &k, &tcp, NULL), 0);
	cr_assert_eq(state__vip_set_fail_open(&want, &k, true, NULL), 0);
	add_be(&want, &k, BE_BASE "11", 100, 0);

	cr_assert_eq(state__reconcile(&s, &want, &e), 0, "%s", e.text);
	cr_assert_eq(state__vip_find(&s, &k)->check->spec.type, XLB_CHECK_TCP);
	cr_assert(state__vip_find(&s, &k)->fail_open);
	b = find(&s, &k, BE_BASE "11");
	cr_assert_eq(b->health, XLB_HEALTH_DOWN, "kept until the new check decides");
	state__fini(&s);
	state__fini(&want);
}

/* `announce off` (docs/scale-out.md): kept by the state file, made what the
 * config says by a reload, and a VIP is ready only with a backend in its
 * ring and announce on. */
Test(state, announce_off_saved_reloaded_and_ready)
{
	struct xlb_vip_key k = vip4("198.18.1.10", VIP_PORT, IPPROTO_TCP),
			   k2 = vip4("198.18.1.11", VIP_PORT, IPPROTO_TCP),
			   unknown = vip4("198.18.1.12", VIP_PORT, IPPROTO_TCP);
	struct xlb_errmsg e = {};
	struct xlb_state s, r, want;

	cr_assert_eq(state__init(&s), 0);
	cr_assert_eq(state__vip_add(&s, &k, XLB_MODE_IPIP, 0, NULL), 0);
	cr_assert_eq(state__vip_add(&s, &k2, XLB_MODE_IPIP, 0, NULL), 0);
	cr_assert_not(state__vip_ready(state__vip_find(&s, &k)), "no backend");
	add_be(&s, &k, BE_BASE "11", 10, XLB_BE_F_ADMIN_DOWN);
	cr_assert_not(state__vip_ready(state__vip_find(&s, &k)), "its backend is down");
	add_be(&s, &k, BE_BASE "12", 10, 0);
	add_be(&s, &k2, BE_BASE "11", 10, 0);
	cr_assert(state__vip_ready(state__vip_find(&s, &k)));
	cr_assert_eq(state__vip_set_announce(&s, &k, false, &e), 0);
	cr_assert_not(state__vip_ready(state__vip_find(&s, &k)), "announce off");
	cr_assert_eq(state__vip_set_announce(&s, &unknown, false, &e), -ENOENT);
	cr_assert_not_null(strstr(e.text, "198.18.1.12"), "%s", e.text);

	file_round_trip(&s, &r);
	cr_assert(state__vip_find(&r, &k)->announce_off);
	cr_assert_not(state__vip_find(&r, &k2)->announce_off);

	/* the config has both VIPs announced */
	cr_assert_eq(state__init(&want), 0);
	cr_assert_eq(state__vip_add(&want, &k, XLB_MODE_IPIP, 0, NULL), 0);
	cr_assert_eq(state__vip_add(&want, &k2, XLB_MODE_IPIP, 0, NULL), 0);
	cr_assert_eq(state__vip_set_announce(&want, &k2, false, &e), 0);
	cr_assert_eq(state__reconcile(&r, &want, &e), 0, "%s", e.text);
	cr_assert_not(state__vip_find(&r, &k)->announce_off);
	cr_assert(state__vip_find(&r, &k2)->announce_off);
	state__fini(&want);
	state__fini(&r);
	state__fini(&s);
}

/* The access log's sampling rate: kept by clone and the state file (absent
 * from the file while off), taken from the config by a reload, and written
 * into the config map's entry. */
Test(state, sample_rate_saved_reloaded_and_in_the_config_entry)
{
	char path[] = TMP_TEMPLATE;
	struct xlb_state s, c, r, want;
	struct xlb_config cfg;
	struct xlb_errmsg e = {};
	char text[512] = "";
	FILE *f;
	int fd;

	cr_assert_eq(state__init(&s), 0);
	cr_assert_eq(s.sample_every, 0, "off by default");
	cr_assert_eq(state__set_sample(&s, 4, &e), 0);
	cr_assert_eq(state__clone(&c, &s), 0);
	cr_assert_eq(c.sample_every, 4);
	cr_assert_eq(dataplane__config_entry(&c, &cfg), 0);
	cr_assert_eq(cfg.sample_every, 4);

	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_eq(state_file__save(path, &s), 0);
	cr_assert_eq(state__init(&r), 0);
	cr_assert_eq(state_file__load(path, &r), 0);
	cr_assert_eq(r.sample_every, 4);

	/* a config without `config set sample` turns it off on reload */
	cr_assert_eq(state__init(&want), 0);
	cr_assert_eq(state__reconcile(&r, &want, &e), 0, "%s", e.text);
	cr_assert_eq(r.sample_every, 0);
	cr_assert_eq(state_file__save(path, &r), 0);
	f = fopen(path, "r");
	cr_assert_not_null(f);
	cr_assert_gt(fread(text, 1, sizeof(text) - 1, f), 0);
	fclose(f);
	unlink(path);
	cr_assert_null(strstr(text, "sample"), "off is not written:\n%s", text);
	state__fini(&want);
	state__fini(&r);
	state__fini(&c);
	state__fini(&s);
}

/* An IPv6 VIP in ipip needs an MTU of 1320 (1280 inside the outer header):
 * each side of the pair is refused while the other holds, whatever comes
 * first, and a reload may cross from one allowed pair to another. */
Test(state, ipv6_ipip_needs_an_mtu_of_1320)
{
	static const char *const l2dsr[] = {
		"config set mtu 1300",
		"vip add 2001:2::10 port 80 proto tcp mode l2dsr",
	};
	static const char *const ipip[] = {
		"config set mtu 1500",
		"vip add 2001:2::10 port 80 proto tcp mode ipip",
	};
	static const char *const refused[] = {
		"vip set [2001:2::10]:80/tcp mode ipip",
		"vip add 2001:2::11 port 80 proto tcp",
		"config set mtu 1319",
	};
	char line[XLB_CLI_LINE_MAX];
	struct xlb_state s, want;
	struct xlb_errmsg em = {};
	struct xlb_ctl_err e;
	size_t i;

	lines(&s, l2dsr, sizeof(l2dsr) / sizeof(l2dsr[0]));
	for (i = 0; i < 2; i++) {
		snprintf(line, sizeof(line), "%s", refused[i]);
		cr_assert_eq(config__line(&s, line, &e), -ERANGE, "%s was accepted", refused[i]);
		cr_assert(strstr(e.msg, "mtu 1300 too small for IPv6 VIP") && strstr(e.msg, "1320"),
			  "%s", e.msg);
	}
	cr_assert_eq(s.nr_vips, 1);
	cr_assert_eq(s.vips[0].mode, XLB_MODE_L2DSR);

	lines(&want, ipip, sizeof(ipip) / sizeof(ipip[0]));
	snprintf(line, sizeof(line), "%s", refused[2]);
	cr_assert_eq(config__line(&want, line, &e), -ERANGE, "%s was accepted", refused[2]);
	cr_assert(strstr(e.msg, "2001:2::10"), "%s", e.msg);
	cr_assert_eq(want.mtu, 1500);
	cr_assert_eq(state__set_mtu(&want, 1320, &em), 0, "%s", em.text);
	cr_assert_eq(state__set_mtu(&want, 1500, &em), 0, "%s", em.text);

	cr_assert_eq(state__reconcile(&s, &want, &em), 0, "%s", em.text);
	cr_assert_eq(s.mtu, 1500);
	cr_assert_eq(s.vips[0].mode, XLB_MODE_IPIP);
	state__fini(&want);
	lines(&want, l2dsr, sizeof(l2dsr) / sizeof(l2dsr[0]));
	cr_assert_eq(state__reconcile(&s, &want, &em), 0, "%s", em.text);
	cr_assert_eq(s.mtu, 1300);
	cr_assert_eq(s.vips[0].mode, XLB_MODE_L2DSR);
	state__fini(&want);
	state__fini(&s);
}

/* A state file written before the rule (mtu 1300 with an IPv6 ipip VIP)
 * still loads: a restart never loses the running state over it. */
Test(state, file_from_before_the_mtu_rule_loads)
{
	static const char *const l2dsr[] = {
		"config set mtu 1300",
		"vip add 2001:2::10 port 80 proto tcp mode l2dsr",
	};
	struct xlb_state s, r;

	lines(&s, l2dsr, sizeof(l2dsr) / sizeof(l2dsr[0]));
	s.vips[0].mode = XLB_MODE_IPIP; /* what an older xlbd allowed */
	file_round_trip(&s, &r);
	cr_assert_eq(r.mtu, 1300);
	cr_assert_eq(r.nr_vips, 1);
	cr_assert_eq(r.vips[0].mode, XLB_MODE_IPIP);
	state__fini(&r);
	state__fini(&s);
}
