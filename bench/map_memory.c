// SPDX-License-Identifier: MIT
/*
 * map_memory: the kernel memory of xlb's maps, as the kernel accounts it
 * (the `memlock` line of each map's fdinfo), at the default sizes, and at
 * the scale the sizes allow: every VIP id with its Maglev ring.
 *
 *   map_memory
 *
 * Prints a Markdown table: each map with its entries and bytes, one ring,
 * and the totals.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xlb/abi.h>
#include "xlb.skel.h"

#define LINE_LEN 128
#define PATH_LEN 64
#define MIB	 (1024.0 * 1024.0)

/* The kernel's memory of the map behind fd, or -errno. */
static long long fd_memlock(int fd)
{
	char path[PATH_LEN], line[LINE_LEN];
	long long bytes = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "memlock: %lld", &bytes) == 1)
			break;
	}
	fclose(f);
	return bytes;
}

static int quiet_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level != LIBBPF_WARN || strstr(fmt, "Retrying without BTF"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* One ring as xlbd makes it (user/maps.c xlb_ring__swap). */
static long long ring_memlock(void)
{
	long long bytes;
	int fd;

	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "xlb_ring", sizeof(__u32), sizeof(struct xlb_ring),
			    1, NULL);
	if (fd < 0)
		return -errno;
	bytes = fd_memlock(fd);
	close(fd);
	return bytes;
}

int main(void)
{
	long long bytes, total = 0, ring;
	struct bpf_map *map;
	struct xlb_bpf *skel;
	int err;

	libbpf_set_print(quiet_libbpf);
	skel = xlb_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "map_memory: load: %s\n", strerror(errno));
		return 1;
	}
	printf("| map | entries | MiB |\n|---|---:|---:|\n");
	bpf_object__for_each_map(map, skel->obj)
	{
		if (bpf_map__is_internal(map))
			continue;
		bytes = fd_memlock(bpf_map__fd(map));
		if (bytes < 0) {
			fprintf(stderr, "map_memory: %s: %s\n", bpf_map__name(map),
				strerror((int)-bytes));
			continue;
		}
		total += bytes;
		printf("| %s | %u | %.1f |\n", bpf_map__name(map), bpf_map__max_entries(map),
		       bytes / MIB);
	}
	ring = ring_memlock();
	err = ring < 0;
	if (!err) {
		printf("| one Maglev ring (inner map, per VIP) | %u slots | %.2f |\n",
		       XLB_RING_SIZE, ring / MIB);
		printf("| **total, no VIP** | | **%.1f** |\n", total / MIB);
		printf("| **total, %d VIPs with a ring** | | **%.1f** |\n", XLB_MAX_VIPS - 1,
		       (total + ring * (XLB_MAX_VIPS - 1)) / MIB);
	}
	xlb_bpf__destroy(skel);
	return err;
}
