// SPDX-License-Identifier: MIT
/* Weighted Maglev: balance, minimal disruption, weights, determinism. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <criterion/criterion.h>

#include "maglev.h"
#include "state.h"

#define M		 XLB_RING_SIZE
#define PORT		 80
#define BALANCE_MAX	 1.02 /* largest share / mean share */
#define DISRUPTION_MAX	 0.01 /* entries moved needlessly / entries that could stay */
#define WEIGHT_TOLERANCE 0.02
#define BUILD_MS_MAX	 200.0 /* generous: xlbd rebuilds on every health change */
#define BUILD_REPEAT	 5
#define SHUFFLE_SEED	 12345u
#define NS_PER_MS	 1e6
#define MS_PER_S	 1e3

/* i-th IPv4 test address: 198.18.0.0/15 has room for 131072. */
/* A broken build can loop for ever: fail it instead. */
TestSuite(maglev, .timeout = 30);

static struct xlb_addr addr4(unsigned int i)
{
	struct xlb_addr a = {0};

	a.a[0] = htonl((198u << 24 | 18u << 16) + i + 1);
	return a;
}

/* i-th IPv6 test address in 2001:2::/48. */
static struct xlb_addr addr6(unsigned int i)
{
	struct xlb_addr a = {0};

	a.a[0] = htonl(0x20010002);
	a.a[3] = htonl(i + 1);
	return a;
}

static struct maglev_backend *make_backends(size_t n, int family)
{
	struct maglev_backend *b = calloc(n + 1, sizeof(*b));
	size_t i;

	cr_assert_not_null(b);
	for (i = 0; i < n; i++) {
		b[i].id = i + 1;
		b[i].family = family;
		b[i].addr = family == XLB_AF_INET ? addr4(i) : addr6(i);
		b[i].port = htons(PORT);
		b[i].weight = 1;
	}
	return b;
}

static __u32 *build(const struct maglev_backend *b, size_t n)
{
	__u32 *ring = malloc(sizeof(__u32) * M);

	cr_assert_not_null(ring);
	cr_assert_eq(maglev__build(b, n, ring), 0);
	return ring;
}

/* Slots per id; ids must be below max_id. Every slot must be owned. */
static void count_shares(const __u32 *ring, unsigned int *count, size_t max_id)
{
	size_t i;

	memset(count, 0, max_id * sizeof(*count));
	for (i = 0; i < M; i++) {
		cr_assert(ring[i] > 0 && ring[i] < max_id, "slot %zu owned by %u", i, ring[i]);
		count[ring[i]]++;
	}
}

static void check_balance(size_t n, int family)
{
	struct maglev_backend *b = make_backends(n, family);
	unsigned int *count = calloc(n + 1, sizeof(*count));
	__u32 *ring = build(b, n);
	unsigned int max = 0, min = M;
	double mean = (double)M / n;
	size_t i;

	count_shares(ring, count, n + 1);
	for (i = 1; i <= n; i++) {
		if (count[i] > max)
			max = count[i];
		if (count[i] < min)
			min = count[i];
	}
	cr_log_info("balance N=%zu: min %u max %u mean %.1f max/mean %.4f\n", n, min, max, mean,
		    max / mean);
	cr_assert(min > 0, "a backend got no slot");
	cr_assert_leq(max / mean, BALANCE_MAX, "N=%zu max/mean %.4f", n, max / mean);
	free(ring);
	free(count);
	free(b);
}

Test(maglev, balance_10)
{
	check_balance(10, XLB_AF_INET);
}

Test(maglev, balance_100)
{
	check_balance(100, XLB_AF_INET);
}

Test(maglev, balance_1000)
{
	check_balance(1000, XLB_AF_INET);
}

Test(maglev, balance_1000_ipv6)
{
	check_balance(1000, XLB_AF_INET6);
}

/* Backend `victim` (an index) removed: entries that it did not own should
 * keep their owner. */
static void check_remove(size_t n, size_t victim)
{
	struct maglev_backend *b = make_backends(n, XLB_AF_INET);
	__u32 *before = build(b, n), *after;
	__u32 gone = b[victim].id;
	size_t i, could_stay = 0, moved = 0;

	memmove(&b[victim], &b[victim + 1], (n - victim - 1) * sizeof(*b));
	after = build(b, n - 1);
	for (i = 0; i < M; i++) {
		cr_assert_neq(after[i], gone, "removed backend still in slot %zu", i);
		cr_assert_neq(after[i], 0);
		if (before[i] == gone)
			continue;
		could_stay++;
		if (after[i] != before[i])
			moved++;
	}
	cr_log_info("remove N=%zu: %zu of %zu moved (%.3f%%)\n", n, moved, could_stay,
		    100.0 * moved / could_stay);
	cr_assert_leq((double)moved / could_stay, DISRUPTION_MAX, "N=%zu moved %zu of %zu", n,
		      moved, could_stay);
	free(before);
	free(after);
	free(b);
}

Test(maglev, remove_one_10)
{
	check_remove(10, 3);
}

Test(maglev, remove_one_100)
{
	check_remove(100, 42);
}

Test(maglev, remove_one_1000)
{
	check_remove(1000, 517);
}

/* One backend added: entries should move only to it. */
static void check_add(size_t n)
{
	struct maglev_backend *b = make_backends(n + 1, XLB_AF_INET);
	__u32 *before = build(b, n), *after = build(b, n + 1);
	__u32 added = b[n].id;
	size_t i, moved = 0, to_added = 0;

	for (i = 0; i < M; i++) {
		if (after[i] == added)
			to_added++;
		else if (after[i] != before[i])
			moved++;
	}
	cr_log_info("add N=%zu: %zu to the new one, %zu moved elsewhere (%.3f%%)\n", n, to_added,
		    moved, 100.0 * moved / M);
	cr_assert_geq(to_added, M / (n + 1) - 1, "new backend got %zu slots", to_added);
	cr_assert_leq((double)moved / M, DISRUPTION_MAX, "N=%zu moved %zu", n, moved);
	free(before);
	free(after);
	free(b);
}

Test(maglev, add_one_10)
{
	check_add(10);
}

Test(maglev, add_one_100)
{
	check_add(100);
}

Test(maglev, add_one_1000)
{
	check_add(1000);
}

/* Alternating weights 1 and 2: every weight-2 backend holds twice the mean
 * share of the weight-1 backends, within 2 %. */
Test(maglev, weight_two_gets_twice)
{
	const size_t n = 100;
	struct maglev_backend *b = make_backends(n, XLB_AF_INET);
	unsigned int count[101];
	double mean1 = 0;
	__u32 *ring;
	size_t i;

	for (i = 0; i < n; i++)
		b[i].weight = i % 2 ? 2 : 1;
	ring = build(b, n);
	count_shares(ring, count, n + 1);
	for (i = 0; i < n; i += 2)
		mean1 += count[b[i].id];
	mean1 /= n / 2;
	for (i = 0; i < n; i++) {
		double want = mean1 * b[i].weight;

		cr_assert(count[b[i].id] >= want * (1 - WEIGHT_TOLERANCE) &&
				  count[b[i].id] <= want * (1 + WEIGHT_TOLERANCE),
			  "backend %u weight %u: %u slots, want %.1f", b[i].id, b[i].weight,
			  count[b[i].id], want);
	}
	free(ring);
	free(b);
}

/* Large, uneven weights: shares follow them. Each backend is within one
 * slot of its turns, so within n slots of its exact share. */
Test(maglev, weights_proportional)
{
	static const __u32 weights[] = {1, 3, 10, 100, 1000, 25000};
	const size_t n = sizeof(weights) / sizeof(weights[0]);
	struct maglev_backend *b = make_backends(n, XLB_AF_INET6);
	unsigned int count[7];
	double total = 0;
	__u32 *ring;
	size_t i;

	for (i = 0; i < n; i++) {
		b[i].weight = weights[i];
		total += weights[i];
	}
	ring = build(b, n);
	count_shares(ring, count, n + 1);
	for (i = 0; i < n; i++) {
		double want = M * weights[i] / total;

		cr_assert(count[b[i].id] >= want - n && count[b[i].id] <= want + n,
			  "weight %u: %u slots, want %.1f", weights[i], count[b[i].id], want);
	}
	free(ring);
	free(b);
}

/* Weight 0 is the same as absent. */
Test(maglev, weight_zero_excluded)
{
	const size_t n = 50;
	struct maglev_backend *b = make_backends(n, XLB_AF_INET);
	__u32 *with, *without;

	b[7].weight = 0;
	with = build(b, n);
	memmove(&b[7], &b[8], (n - 8) * sizeof(*b));
	without = build(b, n - 1);
	cr_assert_arr_eq(with, without, sizeof(__u32) * M);
	free(with);
	free(without);
	free(b);
}

Test(maglev, deterministic)
{
	const size_t n = 100;
	struct maglev_backend *b = make_backends(n, XLB_AF_INET6);
	__u32 *r1 = build(b, n), *r2 = build(b, n);

	cr_assert_arr_eq(r1, r2, sizeof(__u32) * M);
	free(r1);
	free(r2);
	free(b);
}

/* Same set, shuffled, other ids, other weights scale: the same ring as a
 * sequence of (address, port). Ports differ per backend too. */
Test(maglev, independent_of_order_and_ids)
{
	const size_t n = 300;
	struct maglev_backend *a = make_backends(n, XLB_AF_INET);
	struct maglev_backend *s = malloc(n * sizeof(*s));
	const struct maglev_backend **by_id_a = calloc(n + 1, sizeof(*by_id_a));
	const struct maglev_backend **by_id_s = calloc(n * 2 + 1, sizeof(*by_id_s));
	unsigned int seed = SHUFFLE_SEED;
	__u32 *ra, *rs;
	size_t i;

	cr_assert(s && by_id_a && by_id_s);
	for (i = 0; i < n; i++) {
		a[i].port = htons(PORT + i % 3);
		a[i].weight = 1 + i % 4;
	}
	memcpy(s, a, n * sizeof(*s));
	for (i = n - 1; i > 0; i--) {
		size_t j = rand_r(&seed) % (i + 1);
		struct maglev_backend t = s[i];

		s[i] = s[j];
		s[j] = t;
	}
	for (i = 0; i < n; i++) {
		s[i].id = n + 1 + i;
		by_id_a[a[i].id] = &a[i];
		by_id_s[s[i].id] = &s[i];
	}
	cr_assert_neq(s[0].id, a[0].id);
	ra = build(a, n);
	rs = build(s, n);
	for (i = 0; i < M; i++) {
		const struct maglev_backend *x = by_id_a[ra[i]], *y = by_id_s[rs[i]];

		cr_assert(x && y, "slot %zu unowned", i);
		cr_assert(!memcmp(&x->addr, &y->addr, sizeof(x->addr)) && x->port == y->port,
			  "slot %zu differs", i);
	}
	free(ra);
	free(rs);
	free(by_id_a);
	free(by_id_s);
	free(s);
	free(a);
}

/*
 * Two xlb hosts with the same configuration, each building from its own
 * model as xlbd does (state__ring_members, then maglev__build): host A
 * gets the backends in one order; host B in the reverse order, after other
 * VIPs and backends came and went, so its VIP and backend ids all differ.
 * A drained and a backup backend are out of both rings. The rings must be
 * the same sequence of (address, port): what lets xlb hosts behind ECMP
 * pick the same backend for a flow without sharing anything.
 */
#define HOST_BACKENDS 60
#define HOST_DECOYS   26 /* odd: no backend gets the same id on both hosts */

struct host {
	struct xlb_state s;
	struct xlb_vip_key key;
	__u32 *ring;
};

static struct state_backend_spec host_backend(int family, unsigned int i)
{
	struct state_backend_spec b = {
		.addr = family == XLB_AF_INET ? addr4(i) : addr6(i),
		.port = htons(PORT + i % 3),
		.family = family,
		.weight = 1 + i % 5,
	};

	if (i == 7)
		b.flags = XLB_BE_F_DRAIN;
	if (i == 11)
		b.flags = XLB_BE_F_BACKUP;
	return b;
}

static void host_add(struct host *h, int family, unsigned int i)
{
	struct state_backend_spec b = host_backend(family, i);
	struct xlb_errmsg e = {};

	cr_assert_eq(state__backend_add(&h->s, &h->key, &b, &e), 0, "%s", e.text);
}

static void host_build(struct host *h)
{
	struct maglev_backend m[HOST_BACKENDS];
	const struct state_vip *v = state__vip_find(&h->s, &h->key);
	size_t n;

	cr_assert_not_null(v);
	state__ring_members(v, m, &n);
	cr_assert_eq(n, HOST_BACKENDS - 2, "drained and backup backends are out");
	h->ring = malloc(sizeof(__u32) * M);
	cr_assert_not_null(h->ring);
	cr_assert_eq(maglev__build(m, n, h->ring), 0);
}

static void two_hosts(int family)
{
	struct xlb_vip_key decoy_key;
	struct xlb_errmsg e = {};
	struct host a = {}, b = {};
	const struct state_backend *x, *y;
	unsigned int i, same_ids = 0;

	a.key.family = family;
	a.key.addr = family == XLB_AF_INET ? addr4(100000) : addr6(100000);
	a.key.port = htons(PORT);
	a.key.proto = IPPROTO_TCP;
	b.key = a.key;
	decoy_key = a.key;
	decoy_key.port = htons(PORT + 1);

	cr_assert_eq(state__init(&a.s), 0);
	cr_assert_eq(state__vip_add(&a.s, &a.key, XLB_MODE_IPIP, 0, &e), 0);
	for (i = 0; i < HOST_BACKENDS; i++)
		host_add(&a, family, i);

	cr_assert_eq(state__init(&b.s), 0);
	cr_assert_eq(state__vip_add(&b.s, &decoy_key, XLB_MODE_IPIP, 0, &e), 0);
	for (i = 0; i < HOST_DECOYS; i++) {
		struct state_backend_spec d = host_backend(family, HOST_BACKENDS + i);

		cr_assert_eq(state__backend_add(&b.s, &decoy_key, &d, &e), 0, "%s", e.text);
	}
	cr_assert_eq(state__vip_add(&b.s, &b.key, XLB_MODE_IPIP, 0, &e), 0);
	for (i = HOST_BACKENDS; i-- > 0;)
		host_add(&b, family, i);
	cr_assert_eq(state__vip_del(&b.s, &decoy_key, &e), 0);

	cr_assert_neq(state__vip_find(&a.s, &a.key)->id, state__vip_find(&b.s, &b.key)->id);
	for (i = 0; i < HOST_BACKENDS; i++) {
		struct state_backend_spec k = host_backend(family, i);

		x = state__backend_find(state__vip_find(&a.s, &a.key), family, &k.addr, k.port);
		y = state__backend_find(state__vip_find(&b.s, &b.key), family, &k.addr, k.port);
		cr_assert(x && y);
		same_ids += x->id == y->id;
	}
	cr_assert_eq(same_ids, 0, "every backend has another id on host B");

	host_build(&a);
	host_build(&b);
	for (i = 0; i < M; i++) {
		x = state__backend_by_id(&a.s, a.ring[i], NULL);
		y = state__backend_by_id(&b.s, b.ring[i], NULL);
		cr_assert(x && y, "slot %u unowned", i);
		cr_assert(!memcmp(&x->addr, &y->addr, sizeof(x->addr)) && x->port == y->port,
			  "slot %u: host A and host B pick other backends", i);
	}
	free(a.ring);
	free(b.ring);
	state__fini(&a.s);
	state__fini(&b.s);
}

Test(maglev, two_hosts_same_config_ipv4)
{
	two_hosts(XLB_AF_INET);
}

Test(maglev, two_hosts_same_config_ipv6)
{
	two_hosts(XLB_AF_INET6);
}

Test(maglev, empty_is_all_zero)
{
	struct maglev_backend *b = make_backends(3, XLB_AF_INET);
	__u32 *ring = malloc(sizeof(__u32) * M);
	size_t i;

	cr_assert_not_null(ring);
	memset(ring, 0xff, sizeof(__u32) * M);
	cr_assert_eq(maglev__build(NULL, 0, ring), 0);
	for (i = 0; i < M; i++)
		cr_assert_eq(ring[i], 0, "slot %zu", i);

	memset(ring, 0xff, sizeof(__u32) * M);
	for (i = 0; i < 3; i++)
		b[i].weight = 0;
	cr_assert_eq(maglev__build(b, 3, ring), 0);
	for (i = 0; i < M; i++)
		cr_assert_eq(ring[i], 0, "slot %zu (all weights 0)", i);
	free(ring);
	free(b);
}

Test(maglev, bad_input)
{
	const size_t n = 20;
	struct maglev_backend *b = make_backends(n, XLB_AF_INET);
	__u32 *ring = malloc(sizeof(__u32) * M);

	cr_assert_not_null(ring);
	b[5].id = 0;
	cr_assert_eq(maglev__build(b, n, ring), -EINVAL, "id 0 accepted");
	b[5].weight = 0;
	cr_assert_eq(maglev__build(b, n, ring), -EINVAL, "id 0 accepted at weight 0");
	b[5].id = 6;
	b[5].weight = 1;

	/* Same address and port, apart in the input, other ids. */
	b[15].addr = b[2].addr;
	cr_assert_eq(maglev__build(b, n, ring), -EINVAL, "duplicate accepted");
	/* Same address, other port: two backends. */
	b[15].port = htons(PORT + 1);
	cr_assert_eq(maglev__build(b, n, ring), 0);

	b[3].family = 5;
	cr_assert_eq(maglev__build(b, n, ring), -EINVAL, "bad family accepted");
	free(ring);
	free(b);
}

static double build_ms(size_t n)
{
	struct maglev_backend *b = make_backends(n, XLB_AF_INET);
	__u32 *ring = malloc(sizeof(__u32) * M);
	struct timespec t0, t1;
	double ms;
	int i;

	cr_assert_not_null(ring);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < BUILD_REPEAT; i++)
		cr_assert_eq(maglev__build(b, n, ring), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = ((t1.tv_sec - t0.tv_sec) * MS_PER_S + (t1.tv_nsec - t0.tv_nsec) / NS_PER_MS) /
	     BUILD_REPEAT;
	free(ring);
	free(b);
	return ms;
}

Test(maglev, build_time)
{
	static const size_t sizes[] = {10, 100, 1000};
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		double ms = build_ms(sizes[i]);

		cr_log_info("build N=%zu: %.2f ms\n", sizes[i], ms);
		cr_assert_leq(ms, BUILD_MS_MAX, "N=%zu took %.2f ms", sizes[i], ms);
	}
}
