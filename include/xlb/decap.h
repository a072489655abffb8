/* SPDX-License-Identifier: MIT */
/*
 * The ABI of the backend-side decapsulation program (bpf/decap.bpf.c) shared
 * with user space (user/decap.c, xlb-decap): map keys and values, counters,
 * sizes. Fixed-width types only.
 */
#ifndef XLB_DECAP_H
#define XLB_DECAP_H

#include <linux/types.h>
#include "abi.h"

#ifndef XLB_DECAP_MAX_LBS
#define XLB_DECAP_MAX_LBS 256 /* load-balancer source prefixes per family */
#endif
#ifndef XLB_DECAP_MAX_VIPS
#define XLB_DECAP_MAX_VIPS 1024 /* VIP addresses per family */
#endif

/* Pin layout: XLB_DECAP_PIN_ROOT/<name>/<map or "prog">; name defaults to
 * the device's. */
#define XLB_DECAP_PIN_ROOT "/sys/fs/bpf/xlb-decap"
#define XLB_DECAP_PROG_PIN "prog"

/* decap_lbs4 key (LPM trie): prefixlen bits of the outer IPv4 source. */
struct xlb_decap_lb4_key {
	__u32 prefixlen;
	__be32 addr;
};

/* decap_lbs6 key (LPM trie): prefixlen bits of the outer IPv6 source. */
struct xlb_decap_lb6_key {
	__u32 prefixlen;
	struct xlb_in6 addr;
};

/* The value of every decap_lbs / decap_vips entry: its presence is what
 * counts; the word is reserved for flags. */
#define XLB_DECAP_ENTRY 1u

/*
 * decap_stats index. Every frame ends in exactly one verdict reason (the
 * first block: PASS_* before XLB_DECAP_STAT__FIRST_DROP pass, the others
 * drop); the events after XLB_DECAP_STAT__VERDICTS are counted in addition.
 */
enum xlb_decap_stat {
	XLB_DECAP_PASS_NOT_IP = 0,  /* neither IPv4 nor IPv6 (ARP, LLDP, ...) */
	XLB_DECAP_PASS_NOT_ENCAP,   /* IP, but not IPv4-in-IPv4 / IPv6-in-IPv6 */
	XLB_DECAP_PASS_SHORT,	    /* IP header too short to tell; the kernel drops it */
	XLB_DECAP_PASS_DECAP,	    /* decapsulated: the inner packet was passed up */
	XLB_DECAP_DROP_MALFORMED,   /* encapsulated, outer or inner header truncated or bad */
	XLB_DECAP_DROP_FRAGMENT,    /* encapsulated in a fragmented outer packet */
	XLB_DECAP_DROP_FAMILY,	    /* inner IP version is not the one the outer announces */
	XLB_DECAP_DROP_UNKNOWN_LB,  /* outer source is in no configured lb prefix */
	XLB_DECAP_DROP_UNKNOWN_VIP, /* inner destination is no configured VIP */
	XLB_DECAP_DROP_ECN,	    /* outer CE over a not-ECT inner packet (RFC 6040) */
	XLB_DECAP_DROP_ADJUST,	    /* bpf_xdp_adjust_head refused */
	XLB_DECAP_STAT__VERDICTS,
	XLB_DECAP_EV_VLAN = XLB_DECAP_STAT__VERDICTS, /* frame carried an 802.1Q tag */
	XLB_DECAP_EV_ECN_CE, /* outer CE mark copied into the inner header */
	XLB_DECAP_STAT__MAX,
};

#define XLB_DECAP_STAT__FIRST_DROP XLB_DECAP_DROP_MALFORMED

#endif /* XLB_DECAP_H */
