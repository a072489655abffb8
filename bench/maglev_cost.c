// SPDX-License-Identifier: MIT
/*
 * maglev_cost: user-space costs of a backend change. The weighted Maglev
 * build of one ring (XLB_RING_SIZE slots) for 10, 100 and 1,000 backends of
 * equal weights and of weights 1-4, and the swap of a built ring into a
 * loaded program's map (a new inner map, its 256 KiB written, the VIP's
 * slot replaced: xlb_ring__swap, as xlbd does it). Medians of RUNS, in CPU
 * time of the thread (CLOCK_THREAD_CPUTIME_ID, system time included): time
 * spent waiting for the CPU on a shared machine is not the build's.
 *
 *   maglev_cost [-r RUNS]
 *
 * Prints a Markdown table.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <bpf/libbpf.h>
#include "xlb.skel.h"
#include "log.h"
#include "maglev.h"
#include "maps.h"

#define DEF_RUNS      21
#define MAX_RUNS      201
#define MAX_BACKENDS  1000
#define BACKEND_NET   0xc6130000u /* 198.19.0.0: backends from here */
#define BACKEND_PORT  80
#define SWAP_VIP      1
#define SWAP_FLOWS    1024 /* the flow table is not used here: keep it small */
#define NS_PER_MS     1e6
#define NS_PER_SEC    1000000000ull
#define BUILD_TARGET  5.0 /* ms, 100 backends (issue 7) */
#define TARGET_AT     100
#define WEIGHT_SPREAD 4 /* weights 1..4, so the weighted path is exercised */

static const unsigned int sizes[] = {10, 100, 1000};
#define NR_SIZES (sizeof(sizes) / sizeof(sizes[0]))

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (__u64)ts.tv_sec * NS_PER_SEC + (__u64)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

static void print_row(const char *what, __u64 *ns, int n, const char *target)
{
	qsort(ns, (size_t)n, sizeof(ns[0]), cmp_u64);
	printf("| %s | %.3f | %.3f–%.3f | %s |\n", what, ns[n / 2] / NS_PER_MS, ns[0] / NS_PER_MS,
	       ns[n - 1] / NS_PER_MS, target);
}

/* n backends on consecutive addresses, of weight 1 or (mixed) of weights
 * 1..WEIGHT_SPREAD. */
static void backends_make(struct maglev_backend *b, unsigned int n, int mixed)
{
	unsigned int i;

	memset(b, 0, sizeof(*b) * n);
	for (i = 0; i < n; i++) {
		b[i].id = i + 1;
		b[i].addr.a[0] = htonl(BACKEND_NET + i + 1);
		b[i].port = htons(BACKEND_PORT);
		b[i].family = XLB_AF_INET;
		b[i].weight = mixed ? i % WEIGHT_SPREAD + 1 : 1;
	}
}

static int bench_builds(int runs, __u32 *ring)
{
	static struct maglev_backend b[MAX_BACKENDS];
	__u64 ns[MAX_RUNS], t;
	char what[80], target[32];
	size_t s;
	int r, err, mixed;

	for (s = 0; s < 2 * NR_SIZES; s++) {
		mixed = s >= NR_SIZES;
		backends_make(b, sizes[s % NR_SIZES], mixed);
		for (r = 0; r < runs; r++) {
			t = now_ns();
			err = maglev__build(b, sizes[s % NR_SIZES], ring);
			ns[r] = now_ns() - t;
			if (err) {
				fprintf(stderr, "maglev_cost: build: %s\n", strerror(-err));
				return err;
			}
		}
		snprintf(what, sizeof(what), "Maglev build, %u backends, %s", sizes[s % NR_SIZES],
			 mixed ? "weights 1–4" : "equal weights");
		if (sizes[s % NR_SIZES] == TARGET_AT)
			snprintf(target, sizeof(target), "≤ %.0f ms", BUILD_TARGET);
		else
			snprintf(target, sizeof(target), "–");
		print_row(what, ns, runs, target);
	}
	return 0;
}

static int bench_swap(int runs, const __u32 *ring)
{
	struct xlb_bpf *skel;
	struct xlb_maps m;
	__u64 ns[MAX_RUNS], t;
	int r, err;

	skel = xlb_bpf__open();
	if (!skel)
		return -errno;
	err = bpf_map__set_max_entries(skel->maps.flows, SWAP_FLOWS);
	if (!err)
		err = xlb_bpf__load(skel);
	xlb_maps__init(&m);
	if (!err)
		err = xlb_maps__from_skel(&m, skel);
	for (r = 0; !err && r < runs; r++) {
		t = now_ns();
		err = xlb_ring__swap(&m, SWAP_VIP, ring);
		ns[r] = now_ns() - t;
	}
	if (!err)
		print_row("ring swap into the map (xlb_ring__swap)", ns, runs, "–");
	else
		fprintf(stderr, "maglev_cost: swap: %s\n", strerror(-err));
	xlb_bpf__destroy(skel);
	return err;
}

static int quiet_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level != LIBBPF_WARN || strstr(fmt, "Retrying without BTF"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

int main(int argc, char **argv)
{
	int opt, runs = DEF_RUNS, err;
	__u32 *ring;

	while ((opt = getopt(argc, argv, "r:")) != -1) {
		if (opt != 'r') {
			fprintf(stderr, "usage: maglev_cost [-r RUNS]\n");
			return 2;
		}
		runs = atoi(optarg);
	}
	if (runs < 1 || runs > MAX_RUNS) {
		fprintf(stderr, "maglev_cost: RUNS must be 1..%d\n", MAX_RUNS);
		return 2;
	}
	libbpf_set_print(quiet_libbpf);
	ring = calloc(XLB_RING_SIZE, sizeof(*ring));
	if (!ring)
		return 1;
	printf("| operation | ms (median) | min–max | target |\n");
	printf("|---|---:|---:|---:|\n");
	err = bench_builds(runs, ring);
	if (!err)
		err = bench_swap(runs, ring);
	free(ring);
	return err ? 1 : 0;
}
