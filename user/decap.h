/* SPDX-License-Identifier: MIT */
/*
 * The backend-side decapsulation program (bpf/decap.bpf.c) from user space:
 * load, pin, attach, adopt, detach; its allowed load balancers and VIPs; its
 * counters. Pins live under XLB_DECAP_PIN_ROOT/<name>/.
 */
#ifndef XLB_DECAP_USER_H
#define XLB_DECAP_USER_H

#include <stddef.h>
#include <xlb/decap.h>

#include "loader.h"

/* An address with a prefix length (the full length for a single address). */
struct decap_prefix {
	struct xlb_addr addr;
	__u8 family; /* enum xlb_family */
	__u8 plen;
};

/* File descriptors of the decap program's maps; -1 when not open. */
struct decap_maps {
	int lbs4;
	int lbs6;
	int vips4;
	int vips6;
	int stats;
};

/* XLB_DECAP_PIN_ROOT/<name> into buf; -EINVAL for a name with a '/'. */
int decap_pin_dir(char *buf, size_t len, const char *name);

/* "198.18.0.0/24", "2001:2::fe" (full length); host bits must be zero. */
int decap_prefix__parse(const char *s, struct decap_prefix *p);

/*
 * Makes the decap program of name the one on ifindex:
 * - nothing attached: load (sharing maps already pinned for name), pin maps
 *   and program, attach in mode; returns 0;
 * - the pinned program of name attached already: leave it; returns 1;
 * - any other program: -EBUSY.
 */
int decap__attach(const char *name, int ifindex, enum xlb_attach_mode mode);

/* Detaches the decap program from ifindex (-EBUSY if another program is
 * there) and removes name's pins. Returns 0, or 1 if there was nothing. */
int decap__detach(const char *name, int ifindex);

void decap_maps__init(struct decap_maps *m);
int decap_maps__open_pinned(struct decap_maps *m, const char *name);
void decap_maps__close(struct decap_maps *m);

/* Makes the allowed sets exactly these: new entries are added before stale
 * ones are removed, so a source or VIP kept across the change never drops. */
int decap_config__set(const struct decap_maps *m, const struct decap_prefix *lbs, size_t nlbs,
		      const struct decap_prefix *vips, size_t nvips);

/* A per-CPU counter summed over the possible CPUs. */
int decap_stats__read(const struct decap_maps *m, enum xlb_decap_stat idx, struct xlb_counter *out);
/* Name of a counter ("pass_decap"), for output and tests. */
const char *decap_stat__name(enum xlb_decap_stat idx);

#endif /* XLB_DECAP_USER_H */
