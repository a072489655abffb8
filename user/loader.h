/* SPDX-License-Identifier: MIT */
/*
 * The forwarding program's life: open the skeleton, size and share its maps,
 * load, pin, attach (or adopt the program already attached), detach.
 * On this kernel libxdp cannot build its dispatcher (no freplace), so the
 * program is attached once with bpf_xdp_attach and never re-attached.
 */
#ifndef XLB_LOADER_H
#define XLB_LOADER_H

#include <linux/types.h>

struct xlb_bpf;

enum xlb_attach_mode {
	XLB_ATTACH_NATIVE = 0,
	XLB_ATTACH_SKB = 1,
};

/* Opens the skeleton, sets the flow table's size (0 = the ABI default),
 * reuses the maps already pinned for name, loads, and pins the rest. */
int xlb_loader__load(struct xlb_bpf **skelp, const char *name, __u32 flow_entries);

/*
 * Makes skel's program the one on ifindex:
 * - nothing attached: attach; returns 0;
 * - the pinned program of name attached: leave it (adopt); returns 1;
 * - another xlb program (an older build): replace it atomically with
 *   XDP_FLAGS_REPLACE and the old fd; returns 2;
 * - a foreign program: -EBUSY.
 */
int xlb_loader__attach(struct xlb_bpf *skel, const char *name, int ifindex,
		       enum xlb_attach_mode mode);

/* Removes whatever xlb program is on ifindex. */
int xlb_loader__detach(int ifindex);

/* The id of the program attached to ifindex (0 if none). */
int xlb_loader__attached_id(int ifindex, __u32 *prog_id);

#endif /* XLB_LOADER_H */
