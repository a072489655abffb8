/* SPDX-License-Identifier: MIT */
/*
 * What the benchmark's wrapper (bench/wrap.bpf.c) and its driver
 * (bench/xdp_cost.c) agree on.
 */
#ifndef XLB_BENCH_WRAP_H
#define XLB_BENCH_WRAP_H

/* Header bytes the wrapper restores before every repetition: at least
 * every byte a measured path rewrites (the Ethernet header, overwritten by
 * the outer header's tail). No frame is shorter. */
#define WRAP_COPY 64
/* Flow number k is sent from source address base + (k >> WRAP_PORT_BITS),
 * source port base + (k & WRAP_PORT_MASK). */
#define WRAP_PORT_BITS 10
#define WRAP_PORT_MASK ((1u << WRAP_PORT_BITS) - 1)
/* Entries of the reference flow table (xlb's default size). */
#define WRAP_REF_FLOWS 1048576

/* The programs a wrapper can tail-call, by slot of its `targets` map. */
enum wrap_slot {
	WRAP_SLOT_XLB = 0, /* xlb_xdp */
	WRAP_SLOT_TX,	   /* floor_tx */
	WRAP_SLOT_PARSE,   /* floor_parse */
	WRAP_SLOT_FLOWS,   /* ref_flows */
	WRAP_SLOT__MAX,
};

#endif /* XLB_BENCH_WRAP_H */
