// SPDX-License-Identifier: MIT
/*
 * percpu_read: what reading xlb's per-CPU counter arrays costs, one
 * syscall per object (bpf_map_lookup_elem, what xlbctl stats and the rates
 * do) against whole arrays (bpf_map_lookup_batch, what /metrics does), on
 * the pinned maps of a running instance.
 *
 *   percpu_read PIN_DIR VIPS BACKENDS
 *
 * Reads ids 1..VIPS of vip_stats and 1..BACKENDS of backend_stats per
 * object, then both arrays whole; median of RUNS rounds each. Prints
 * Markdown table rows.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xlb/abi.h>

#define RUNS	     21
#define NSEC_PER_SEC 1000000000ULL
#define NSEC_PER_MS  1e6
#define DECIMAL	     10

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * NSEC_PER_SEC + (unsigned long long)ts.tv_nsec;
}

static int cmp_ull(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a, y = *(const unsigned long long *)b;

	return x < y ? -1 : x > y;
}

static int open_map(const char *dir, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return bpf_obj_get(path);
}

/* One lookup per id 1..n: 0 or -errno. */
static int per_object(int fd, __u32 n, void *val)
{
	__u32 id;

	for (id = 1; id <= n; id++)
		if (bpf_map_lookup_elem(fd, &id, val))
			return -errno;
	return 0;
}

/* The whole array in batches of up to max: calls made, or -errno. */
static int whole(int fd, __u32 max, void *keys, void *vals)
{
	__u32 next, count, done = 0;
	int calls = 0, err;

	while (done < max) {
		count = max - done;
		err = bpf_map_lookup_batch(fd, done ? &done : NULL, &next, keys, vals, &count,
					   NULL);
		calls++;
		if (err && errno != ENOENT)
			return -errno;
		if (err || !count)
			break;
		done = next;
	}
	return calls;
}

static double median_ms(unsigned long long *t)
{
	qsort(t, RUNS, sizeof(*t), cmp_ull);
	return (double)t[RUNS / 2] / NSEC_PER_MS;
}

/* One round of each way; calls of the whole read in *calls. 0 or -errno. */
static int round_once(int vfd, int bfd, __u32 nv, __u32 nb, void *keys, void *vals,
		      unsigned long long *t_obj, unsigned long long *t_all, int *calls)
{
	unsigned long long t0 = now_ns();
	int err, c1, c2;

	err = per_object(vfd, nv, vals);
	if (!err)
		err = per_object(bfd, nb, vals);
	*t_obj = now_ns() - t0;
	if (err)
		return err;
	t0 = now_ns();
	c1 = whole(vfd, XLB_MAX_VIPS, keys, vals);
	c2 = c1 < 0 ? c1 : whole(bfd, XLB_MAX_BACKENDS, keys, vals);
	*t_all = now_ns() - t0;
	if (c1 < 0 || c2 < 0)
		return c1 < 0 ? c1 : c2;
	*calls = c1 + c2;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long long t_obj[RUNS], t_all[RUNS];
	int ncpu = libbpf_num_possible_cpus(), vfd, bfd, calls = 0, err = 0, r;
	void *keys, *vals;
	__u32 nv, nb;

	if (argc != 4) {
		fprintf(stderr, "usage: percpu_read PIN_DIR VIPS BACKENDS\n");
		return 2;
	}
	nv = (__u32)strtoul(argv[2], NULL, DECIMAL);
	nb = (__u32)strtoul(argv[3], NULL, DECIMAL);
	if (ncpu <= 0 || nv >= XLB_MAX_VIPS || nb >= XLB_MAX_BACKENDS) {
		fprintf(stderr, "percpu_read: bad counts\n");
		return 2;
	}
	vfd = open_map(argv[1], "vip_stats");
	bfd = open_map(argv[1], "backend_stats");
	keys = calloc(XLB_MAX_BACKENDS, sizeof(__u32));
	vals = calloc((size_t)XLB_MAX_BACKENDS * ncpu, sizeof(struct xlb_vip_counter));
	if (vfd < 0 || bfd < 0 || !keys || !vals) {
		fprintf(stderr, "percpu_read: cannot open the maps in %s\n", argv[1]);
		return 1;
	}
	for (r = 0; r < RUNS && !err; r++)
		err = round_once(vfd, bfd, nv, nb, keys, vals, &t_obj[r], &t_all[r], &calls);
	if (err) {
		fprintf(stderr, "percpu_read: %s\n", strerror(-err));
		return 1;
	}
	printf("| per object (bpf_map_lookup_elem) | %u | %.2f |\n", nv + nb, median_ms(t_obj));
	printf("| whole arrays (bpf_map_lookup_batch, %d entries) | %d | %.2f |\n",
	       XLB_MAX_VIPS + XLB_MAX_BACKENDS, calls, median_ms(t_all));
	free(keys);
	free(vals);
	return 0;
}
