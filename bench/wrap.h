/* SPDX-License-Identifier: MIT */
/*
 * What the benchmark's wrapper (bench/wrap.bpf.c) and its driver
 * (bench/xdp_cost.c) agree on.
 */
#ifndef XLB_BENCH_WRAP_H
#define XLB_BENCH_WRAP_H

#include <xlb/abi.h>

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

/* A slot of the reference direct-mapped flow table: the key, the value and
 * padding to one cache line. */
#define WRAP_SLOT_PAD 2
struct wrap_slot_entry {
	struct xlb_flow_key key;
	struct xlb_flow flow;
	__u64 pad[WRAP_SLOT_PAD];
};

/* The programs a wrapper can tail-call, by slot of its `targets` map. */
enum wrap_slot {
	WRAP_SLOT_XLB = 0, /* xlb_xdp */
	WRAP_SLOT_TX,	   /* floor_tx */
	WRAP_SLOT_PARSE,   /* floor_parse */
	WRAP_SLOT_FLOWS,   /* ref_flows_lookup */
	WRAP_SLOT_SLOTS,   /* ref_slots_lookup */
	WRAP_SLOT__MAX,
};

#endif /* XLB_BENCH_WRAP_H */
