/* SPDX-License-Identifier: MIT */
/*
 * Counting the flow table's entries without stalling xlbd's loop: a walk
 * of the LRU hash in batches (bpf_map_lookup_batch), a bounded slice per
 * housekeeping tick, resumed at the next; the count of the last complete
 * walk is published with the time it ended. The table changes during a
 * walk, so the count is a sample (documented as such in docs/metrics.md).
 */
#ifndef XLB_FLOW_COUNT_H
#define XLB_FLOW_COUNT_H

#include <stdbool.h>
#include <linux/types.h>

struct xlb_flow_count {
	int fd;	       /* the flows map (not owned) */
	__u32 max;     /* its capacity */
	__u32 batch;   /* entries per lookup */
	void *keys;    /* batch * key size */
	void *values;  /* batch * value size */
	__u32 token;   /* where the walk resumes (the kernel's bucket) */
	bool walking;  /* false: the next step starts a walk */
	__u64 seen;    /* entries so far in this walk */
	__u64 last;    /* entries of the last complete walk */
	__u64 last_ns; /* CLOCK_MONOTONIC when it ended; 0 = none yet */
	__u64 walks;   /* complete walks */
};

/* fd is a hash map of struct xlb_flow_key -> struct xlb_flow; batch is the
 * entries read per syscall. 0 or -errno. */
int flow_count__init(struct xlb_flow_count *fc, int fd, __u32 batch);
void flow_count__fini(struct xlb_flow_count *fc);
/* Reads batches until budget_ns has passed or max_calls were made (or the
 * walk ended: the count is then published and the next step starts over).
 * 0 or -errno (the walk then starts over next time). */
int flow_count__step(struct xlb_flow_count *fc, __u64 budget_ns, unsigned int max_calls);

#endif /* XLB_FLOW_COUNT_H */
