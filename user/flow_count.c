// SPDX-License-Identifier: MIT
/*
 * The hash map's batch lookup walks bucket by bucket and hands back the
 * next bucket as a token, so a walk can stop between any two calls and
 * resume later. A bucket is never split: -ENOSPC says one holds more than
 * a batch (never seen with LRU hash's short chains); the walk is then
 * abandoned and started over.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <xlb/abi.h>

#include "flow_count.h"
#include "health.h" /* xlb_now_ns */
#include "log.h"

int flow_count__init(struct xlb_flow_count *fc, int fd, __u32 batch)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int err;

	memset(fc, 0, sizeof(*fc));
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		err = -errno;
		pr_warn("flow count: map info: %s\n", strerror(-err));
		return err;
	}
	if (info.key_size != sizeof(struct xlb_flow_key) ||
	    info.value_size != sizeof(struct xlb_flow) || !batch)
		return -EINVAL;
	fc->fd = fd;
	fc->max = info.max_entries;
	fc->batch = batch;
	fc->keys = calloc(batch, sizeof(struct xlb_flow_key));
	fc->values = calloc(batch, sizeof(struct xlb_flow));
	if (!fc->keys || !fc->values) {
		flow_count__fini(fc);
		return -ENOMEM;
	}
	return 0;
}

void flow_count__fini(struct xlb_flow_count *fc)
{
	free(fc->keys);
	free(fc->values);
	fc->keys = fc->values = NULL;
}

static void walk_done(struct xlb_flow_count *fc)
{
	fc->last = fc->seen;
	fc->last_ns = xlb_now_ns();
	fc->walks++;
	fc->walking = false;
}

int flow_count__step(struct xlb_flow_count *fc, __u64 budget_ns, unsigned int max_calls)
{
	__u64 start = xlb_now_ns();
	unsigned int calls;
	__u32 next, count;
	int err;

	for (calls = 0; calls < max_calls; calls++) {
		if (calls && xlb_now_ns() - start >= budget_ns)
			break;
		if (!fc->walking)
			fc->seen = 0;
		count = fc->batch;
		/* no token: the walk starts at the first bucket */
		err = bpf_map_lookup_batch(fc->fd, fc->walking ? &fc->token : NULL, &next, fc->keys,
					   fc->values, &count, NULL);
		err = err ? -errno : 0;
		if (err && err != -ENOENT) {
			fc->walking = false;
			pr_debug("flow count: batch lookup: %s; starting over\n", strerror(-err));
			return err;
		}
		fc->walking = true;
		fc->seen += count;
		fc->token = next;
		if (err == -ENOENT) {
			walk_done(fc);
			return 0;
		}
	}
	return 0;
}
