// SPDX-License-Identifier: MIT
/*
 * xlb-prev OBJ NAME DEV: puts an earlier build of the forwarding program
 * (OBJ, built from the same source with other code generation, so its tag
 * differs) on DEV in place of the running one, sharing NAME's pinned maps —
 * the state an older xlbd leaves behind. The upgrade test then checks that
 * the current xlbd replaces it atomically instead of adopting it.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "loader.h"
#include "log.h"
#include "maps.h"
#include "rtnl.h"

#define PROG_NAME "xlb_xdp"
#define PROG_PIN  "prog"

/* Every map of obj takes the pinned map of the same name: all must exist. */
static int reuse_pins(struct bpf_object *obj, const char *dir)
{
	char path[PATH_MAX];
	struct bpf_map *map;
	int fd, err;

	bpf_object__for_each_map(map, obj)
	{
		if (bpf_map__is_internal(map))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, bpf_map__name(map)) >=
		    (int)sizeof(path))
			return -ENAMETOOLONG;
		fd = bpf_obj_get(path);
		if (fd < 0) {
			err = -errno;
			pr_warn("open %s: %s\n", path, strerror(-err));
			return err;
		}
		err = bpf_map__reuse_fd(map, fd);
		close(fd);
		if (err) {
			pr_warn("reuse %s: %s\n", path, strerror(-err));
			return err;
		}
	}
	return 0;
}

/* Replaces the program on ifindex with fd in one step and re-pins it. */
static int replace(int ifindex, int fd, const char *dir)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	char path[PATH_MAX];
	__u32 old_id = 0;
	int err;

	err = xlb_loader__attached_id(ifindex, &old_id);
	if (err)
		return err;
	opts.old_prog_fd = bpf_prog_get_fd_by_id(old_id);
	if (opts.old_prog_fd < 0) {
		err = -errno;
		pr_warn("open running program %u: %s\n", old_id, strerror(-err));
		return err;
	}
	err = bpf_xdp_attach(ifindex, fd, XDP_FLAGS_DRV_MODE | XDP_FLAGS_REPLACE, &opts);
	close(opts.old_prog_fd);
	if (err) {
		pr_warn("replace program %u: %s\n", old_id, strerror(-err));
		return err;
	}
	if (snprintf(path, sizeof(path), "%s/%s", dir, PROG_PIN) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	if (unlink(path) && errno != ENOENT)
		return -errno;
	if (bpf_obj_pin(fd, path))
		return -errno;
	return 0;
}

int main(int argc, char **argv)
{
	struct bpf_object *obj = NULL;
	struct bpf_program *prog;
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	struct rtnl_link link;
	char dir[PATH_MAX];
	int err;

	if (argc != 4) {
		fprintf(stderr, "usage: xlb-prev OBJ NAME DEV\n");
		return 2;
	}
	err = xlb_pin_dir(dir, sizeof(dir), argv[2]);
	if (!err)
		err = rtnl__link_by_name(argv[3], &link);
	if (err)
		return 1;
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		pr_warn("open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	err = reuse_pins(obj, dir);
	if (!err)
		err = bpf_object__load(obj);
	if (err)
		goto cleanup;
	prog = bpf_object__find_program_by_name(obj, PROG_NAME);
	if (!prog) {
		err = -ENOENT;
		goto cleanup;
	}
	err = replace(link.ifindex, bpf_program__fd(prog), dir);
	if (err)
		goto cleanup;
	err = bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len);
	if (!err)
		printf("%u\n", info.id);
cleanup:
	bpf_object__close(obj);
	return err ? 1 : 0;
}
