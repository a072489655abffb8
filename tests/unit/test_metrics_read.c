// SPDX-License-Identifier: MIT
/*
 * What /metrics reads from the kernel, on real maps made here: per-CPU
 * arrays summed whole in batches (xlb_percpu__sum_all) against the values
 * written CPU by CPU, and the flow table counted by a walk spread over
 * steps (flow_count.c), exact on a map that holds still, published only
 * once complete, and started over for the next count.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>

#include "flow_count.h"
#include "maps.h"

#define ARRAY_ENTRIES 5000
#define FIELDS	      2
#define FLOWS	      3000
#define FLOW_CAP      8192
#define SMALL_BATCH   64
#define STEP_BUDGET   1000000000ULL /* 1 s: never the bound in these tests */
#define STEPS_MAX     1000

static __u64 value_of(__u32 key, int cpu, size_t field)
{
	return (__u64)key * 1000 + (__u64)cpu * 10 + field;
}

Test(metrics_read, percpu_sum_all_matches_each_cpu)
{
	int ncpu = libbpf_num_possible_cpus(), fd, cpu;
	__u64 *vals, *out;
	__u32 key;
	size_t f;

	cr_assert_gt(ncpu, 0);
	fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "t_percpu", sizeof(__u32),
			    FIELDS * sizeof(__u64), ARRAY_ENTRIES, NULL);
	cr_assert_geq(fd, 0, "bpf_map_create: %s", strerror(errno));
	vals = calloc((size_t)ncpu * FIELDS, sizeof(__u64));
	out = calloc((size_t)ARRAY_ENTRIES * FIELDS, sizeof(__u64));
	cr_assert(vals && out);
	/* every 7th key set, so zero and non-zero entries both appear */
	for (key = 0; key < ARRAY_ENTRIES; key += 7) {
		for (cpu = 0; cpu < ncpu; cpu++)
			for (f = 0; f < FIELDS; f++)
				vals[(size_t)cpu * FIELDS + f] = value_of(key, cpu, f);
		cr_assert_eq(bpf_map_update_elem(fd, &key, vals, BPF_ANY), 0);
	}
	memset(out, 0xff, (size_t)ARRAY_ENTRIES * FIELDS * sizeof(__u64));
	cr_assert_eq(xlb_percpu__sum_all(fd, ARRAY_ENTRIES, FIELDS, out), 0);
	for (key = 0; key < ARRAY_ENTRIES; key++)
		for (f = 0; f < FIELDS; f++) {
			__u64 want = 0;

			for (cpu = 0; key % 7 == 0 && cpu < ncpu; cpu++)
				want += value_of(key, cpu, f);
			cr_assert_eq(out[(size_t)key * FIELDS + f], want, "key %u field %zu", key,
				     f);
		}
	free(vals);
	free(out);
	close(fd);
}

/* A prefix of the array (fewer entries than it has) is read and summed. */
Test(metrics_read, percpu_sum_all_prefix)
{
	int ncpu = libbpf_num_possible_cpus(), fd, cpu;
	__u64 vals[FIELDS * 64] = {}, out[10 * FIELDS];
	__u32 key = 9;

	cr_assert(ncpu > 0 && ncpu <= 64);
	fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "t_prefix", sizeof(__u32),
			    FIELDS * sizeof(__u64), ARRAY_ENTRIES, NULL);
	cr_assert_geq(fd, 0);
	for (cpu = 0; cpu < ncpu; cpu++)
		vals[cpu * FIELDS] = 5;
	cr_assert_eq(bpf_map_update_elem(fd, &key, vals, BPF_ANY), 0);
	cr_assert_eq(xlb_percpu__sum_all(fd, 10, FIELDS, out), 0);
	cr_expect_eq(out[9 * FIELDS], (__u64)5 * ncpu);
	cr_expect_eq(out[0], 0);
	close(fd);
}

static int flow_map(void)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "t_flows", sizeof(struct xlb_flow_key),
				sizeof(struct xlb_flow), FLOW_CAP, NULL);

	cr_assert_geq(fd, 0, "bpf_map_create: %s", strerror(errno));
	return fd;
}

static void add_flows(int fd, __u32 from, __u32 n)
{
	struct xlb_flow_key k = {.family = XLB_AF_INET, .proto = 6};
	struct xlb_flow v = {.backend_id = 1};
	__u32 i;

	for (i = from; i < from + n; i++) {
		k.src.a[0] = i;
		cr_assert_eq(bpf_map_update_elem(fd, &k, &v, BPF_ANY), 0);
	}
}

/* Steps until a walk completes; returns the steps taken. */
static int walk(struct xlb_flow_count *fc)
{
	__u64 walks = fc->walks;
	int steps = 0;

	while (fc->walks == walks && steps < STEPS_MAX) {
		cr_assert_eq(flow_count__step(fc, STEP_BUDGET, 1), 0);
		steps++;
	}
	cr_assert_eq(fc->walks, walks + 1, "no walk completed in %d steps", STEPS_MAX);
	return steps;
}

Test(metrics_read, flow_count_walks_in_slices)
{
	struct xlb_flow_count fc;
	int fd = flow_map(), steps;

	add_flows(fd, 1, FLOWS);
	cr_assert_eq(flow_count__init(&fc, fd, SMALL_BATCH), 0);
	cr_expect_eq(fc.max, FLOW_CAP);
	/* one batch of 64 per step: the first step publishes nothing */
	cr_assert_eq(flow_count__step(&fc, STEP_BUDGET, 1), 0);
	cr_expect_eq(fc.last_ns, 0, "a count published before the walk ended");
	steps = walk(&fc) + 1;
	cr_expect_eq(fc.last, FLOWS);
	cr_expect_geq(steps, FLOWS / SMALL_BATCH, "the walk was not spread: %d steps", steps);
	cr_expect_neq(fc.last_ns, 0);
	/* the next walk starts over and sees the change */
	add_flows(fd, FLOWS + 1, 100);
	walk(&fc);
	cr_expect_eq(fc.last, FLOWS + 100);
	flow_count__fini(&fc);
	close(fd);
}

Test(metrics_read, flow_count_empty_and_refuses_other_maps)
{
	struct xlb_flow_count fc;
	int fd = flow_map(), other;

	cr_assert_eq(flow_count__init(&fc, fd, SMALL_BATCH), 0);
	walk(&fc);
	cr_expect_eq(fc.last, 0);
	flow_count__fini(&fc);
	other = bpf_map_create(BPF_MAP_TYPE_HASH, "t_other", sizeof(__u32), sizeof(__u32), 16,
			       NULL);
	cr_assert_geq(other, 0);
	cr_expect_eq(flow_count__init(&fc, other, SMALL_BATCH), -EINVAL);
	close(other);
	close(fd);
}
