/* SPDX-License-Identifier: MIT */
/*
 * The Maglev ring of a VIP: an inner array of one element holding the whole
 * ring, swapped by xlbd in one update. A slot holds a backend id; 0 is an
 * empty slot and never forwards.
 */
#ifndef XLB_BPF_MAGLEV_H
#define XLB_BPF_MAGLEV_H

#include "ctx.h"
#include "maps.h"

/* Keeps the compiler from knowing v's value: clang 14 deletes a bound check
 * that follows `% XLB_RING_SIZE`, and the verifier then refuses the access. */
#define xlb_opaque(v) asm volatile("" : "+r"(v))

/* The backend id in vip_id's ring for hash, or 0 when there is none. */
static __always_inline __u32 xlb_maglev_pick(__u32 vip_id, __u32 hash)
{
	struct xlb_ring *ring;
	__u32 zero = 0, idx;
	void *inner;

	inner = bpf_map_lookup_elem(&rings, &vip_id);
	if (!inner)
		return 0;
	ring = bpf_map_lookup_elem(inner, &zero);
	if (!ring)
		return 0;
	idx = hash % XLB_RING_SIZE;
	xlb_opaque(idx);
	if (idx >= XLB_RING_SIZE)
		return 0;
	return ring->backend_ids[idx];
}

#endif /* XLB_BPF_MAGLEV_H */
