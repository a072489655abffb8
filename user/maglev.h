/* SPDX-License-Identifier: MIT */
/*
 * Weighted Maglev (Eisenbud et al., NSDI 2016). The ring depends only on the
 * set of (address, port, weight): the same set gives the same sequence of
 * (address, port), whatever the input order or the backends' ids.
 */
#ifndef XLB_MAGLEV_H
#define XLB_MAGLEV_H

#include <stddef.h>
#include <xlb/abi.h>

struct maglev_backend {
	__u32 id; /* written into the ring; never 0 */
	struct xlb_addr addr;
	__be16 port;
	__u8 family;  /* enum xlb_family */
	__u32 weight; /* 0 = not in the ring */
};

/* Fills ring[XLB_RING_SIZE] with backend ids; all zero when no backend has a
 * weight. Returns 0 or -errno (-EINVAL on an id 0, a duplicate address/port). */
int maglev__build(const struct maglev_backend *backends, size_t n, __u32 *ring);

#endif /* XLB_MAGLEV_H */
