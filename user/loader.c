// SPDX-License-Identifier: MIT
/*
 * The forwarding program's life: open, size, share pinned maps, load, pin,
 * attach or adopt, upgrade in place, detach. Attached once with
 * bpf_xdp_attach: this kernel refuses the freplace loads libxdp's
 * multi-program dispatcher needs.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xlb.skel.h"
#include "loader.h"
#include "log.h"
#include "maps.h"

#define PROG_PIN "prog"

int xlb_loader__load(struct xlb_bpf **skelp, const char *name, __u32 flow_entries)
{
	struct xlb_bpf *skel;
	int err, reused = 0;

	*skelp = NULL;
	skel = xlb_bpf__open();
	if (!skel) {
		err = -errno;
		pr_warn("open BPF skeleton: %s\n", strerror(-err));
		return err;
	}
	if (flow_entries) {
		err = bpf_map__set_max_entries(skel->maps.flows, flow_entries);
		if (err)
			goto cleanup;
	}
	err = xlb_maps__reuse_pinned(skel, name, &reused);
	if (err)
		goto cleanup;
	if (reused)
		pr_info("%s: adopting %d pinned maps\n", name, reused);
	err = xlb_bpf__load(skel);
	if (err) {
		pr_warn("load BPF program: %s\n", strerror(-err));
		goto cleanup;
	}
	err = xlb_maps__pin(skel, name);
	if (err)
		goto cleanup;
	*skelp = skel;
	return 0;
cleanup:
	xlb_bpf__destroy(skel);
	return err;
}

/* The attached program's id and the mode it runs in (0 if none). */
static int attached(int ifindex, __u32 *prog_id, __u32 *flags)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int err;

	err = bpf_xdp_query(ifindex, 0, &q);
	if (err) {
		pr_warn("query XDP on ifindex %d: %s\n", ifindex, strerror(-err));
		return err;
	}
	*prog_id = q.prog_id;
	*flags = q.attach_mode == XDP_ATTACHED_SKB ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
	return 0;
}

int xlb_loader__attached_id(int ifindex, __u32 *prog_id)
{
	__u32 flags;

	return attached(ifindex, prog_id, &flags);
}

static int prog_info(int fd, struct bpf_prog_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	if (bpf_obj_get_info_by_fd(fd, info, &len))
		return -errno;
	return 0;
}

/* Pins fd as name's program, replacing an older pin. */
static int prog__pin(int fd, const char *name)
{
	char dir[PATH_MAX], path[PATH_MAX + sizeof(PROG_PIN) + 1];
	int err;

	err = xlb_pin_dir(dir, sizeof(dir), name);
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/%s", dir, PROG_PIN);
	if (unlink(path) && errno != ENOENT) {
		err = -errno;
		pr_warn("unpin %s: %s\n", path, strerror(-err));
		return err;
	}
	if (bpf_obj_pin(fd, path)) {
		err = -errno;
		pr_warn("pin %s: %s\n", path, strerror(-err));
		return err;
	}
	return 0;
}

int xlb_loader__attach(struct xlb_bpf *skel, const char *name, int ifindex,
		       enum xlb_attach_mode mode)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	struct bpf_prog_info cur, mine;
	int fd = bpf_program__fd(skel->progs.xlb_xdp);
	__u32 id, flags = mode == XLB_ATTACH_SKB ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
	__u32 cur_flags;
	int old_fd = -1, err, ret = 0;

	err = attached(ifindex, &id, &cur_flags);
	if (err)
		return err;
	if (!id) {
		err = bpf_xdp_attach(ifindex, fd, flags | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
		if (err) {
			pr_warn("attach XDP to ifindex %d: %s\n", ifindex, strerror(-err));
			return err;
		}
		err = prog__pin(fd, name);
		return err;
	}
	old_fd = bpf_prog_get_fd_by_id(id);
	if (old_fd < 0) {
		err = -errno;
		pr_warn("open attached program %u: %s\n", id, strerror(-err));
		return err;
	}
	err = prog_info(old_fd, &cur);
	if (!err)
		err = prog_info(fd, &mine);
	if (err)
		goto cleanup;
	if (strcmp(cur.name, mine.name)) {
		pr_warn("ifindex %d runs a foreign XDP program '%s' (id %u)\n", ifindex, cur.name,
			id);
		err = -EBUSY;
		goto cleanup;
	}
	if (memcmp(cur.tag, mine.tag, sizeof(cur.tag)) == 0) {
		/* Same build: keep the running program, never re-attach. */
		err = prog__pin(old_fd, name);
		ret = 1;
		goto cleanup;
	}
	/* Another build: swap it in one step; packets see old or new. */
	opts.old_prog_fd = old_fd;
	err = bpf_xdp_attach(ifindex, fd, cur_flags | XDP_FLAGS_REPLACE, &opts);
	if (err) {
		pr_warn("replace XDP program %u on ifindex %d: %s\n", id, ifindex, strerror(-err));
		goto cleanup;
	}
	err = prog__pin(fd, name);
	ret = 2;
cleanup:
	close(old_fd);
	return err ? err : ret;
}

int xlb_loader__detach(int ifindex)
{
	__u32 id, flags;
	int err;

	err = attached(ifindex, &id, &flags);
	if (err || !id)
		return err;
	err = bpf_xdp_detach(ifindex, flags, NULL);
	if (err)
		pr_warn("detach XDP from ifindex %d: %s\n", ifindex, strerror(-err));
	return err;
}
