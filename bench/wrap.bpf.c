// SPDX-License-Identifier: MIT
/*
 * The per-packet benchmark's wrapper and floors. BPF_PROG_TEST_RUN with
 * `repeat` hands each repetition the previous one's output (DESIGN §7), so
 * every repetition enters a wrapper that puts the frame back as it was
 * (length and header bytes), writes this repetition's flow (source address
 * and port), and tail-calls the program measured. The floors are reached
 * through the same wrapper, so every figure carries the same wrapper cost.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <xlb/abi.h>
#include <xlb/hash.h>
#include "wrap.h"

#define WRAP_COPY_WORDS (WRAP_COPY / sizeof(__u64))
/* The varying words lie in the restored headers. */
#define WRAP_OFF_MASK	(WRAP_COPY - 1)
#define WRAP_FLOOR_KEYS 16

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, WRAP_SLOT__MAX);
	__type(key, __u32);
	__type(value, __u32);
} targets SEC(".maps");

/* The parse floor's one lookup: IPv4 destinations (written by the bench). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, WRAP_FLOOR_KEYS);
	__type(key, __be32);
	__type(value, __u32);
} floor_dsts SEC(".maps");

/* The reference's flow table: xlb's key and value in an LRU hash of xlb's
 * default size (written by the bench). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, WRAP_REF_FLOWS);
	__type(key, struct xlb_flow_key);
	__type(value, struct xlb_flow);
} ref_flows SEC(".maps");

/* The reference's direct-mapped table: flow hash -> one slot holding key and
 * value in one cache line (written by the bench). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, WRAP_REF_FLOWS);
	__type(key, __u32);
	__type(value, struct wrap_slot_entry);
} ref_slots SEC(".maps");

/* Set by the bench before a run: the frame's first bytes and length, where
 * the varying words are, the flows rotated over and the step between two
 * repetitions' flows (coprime with nflows, so a run of nflows repetitions
 * visits each flow once, in an order the prefetcher cannot follow). */
__u64 frame[WRAP_COPY_WORDS];
__u32 frame_len;
__u32 addr_off;
__u32 port_off;
__u32 addr_base; /* host order */
__u32 port_base; /* host order */
__u32 nflows;
__u32 stride;
/* The next flow, and what went wrong or was seen (read by the bench). */
__u32 next;
__u64 restore_fails;
__u64 tail_call_fails;
__u64 floor_hits;
__u64 slot_matches;

/* The frame as the bench gave it, with this repetition's flow. */
static __always_inline int wrap_restore(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	int delta = (int)(end - data) - (int)frame_len;
	__u32 k = next, i, off;
	__u64 *w;

	if (delta && bpf_xdp_adjust_head(ctx, delta))
		return -1;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	if (data + WRAP_COPY > end)
		return -1;
	w = data;
#pragma unroll
	for (i = 0; i < WRAP_COPY_WORDS; i++)
		w[i] = frame[i];
	next = k + stride >= nflows ? k + stride - nflows : k + stride;
	off = addr_off & WRAP_OFF_MASK;
	if (data + off + sizeof(__be32) > end)
		return -1;
	*(__be32 *)(data + off) = bpf_htonl(addr_base + (k >> WRAP_PORT_BITS));
	off = port_off & WRAP_OFF_MASK;
	if (data + off + sizeof(__be16) > end)
		return -1;
	*(__be16 *)(data + off) = bpf_htons(port_base + (k & WRAP_PORT_MASK));
	return 0;
}

/* A wrapper: restore, then the program of slot (a constant key, so the
 * verifier makes the tail call a direct jump). */
#define WRAP(name, slot)                                                                           \
	SEC("xdp") int name(struct xdp_md *ctx)                                                    \
	{                                                                                          \
		if (wrap_restore(ctx)) {                                                           \
			restore_fails++;                                                           \
			return XDP_ABORTED;                                                        \
		}                                                                                  \
		bpf_tail_call(ctx, &targets, slot);                                                \
		tail_call_fails++;                                                                 \
		return XDP_ABORTED;                                                                \
	}

WRAP(wrap_xlb, WRAP_SLOT_XLB)
WRAP(wrap_tx, WRAP_SLOT_TX)
WRAP(wrap_parse, WRAP_SLOT_PARSE)
WRAP(wrap_flows, WRAP_SLOT_FLOWS)
WRAP(wrap_slots, WRAP_SLOT_SLOTS)

/* The wrapper's own cost: restore, no tail call. */
SEC("xdp")
int wrap_only(struct xdp_md *ctx)
{
	if (wrap_restore(ctx)) {
		restore_fails++;
		return XDP_ABORTED;
	}
	return XDP_TX;
}

/* Floor 1: nothing but the verdict. */
SEC("xdp")
int floor_tx(struct xdp_md *ctx)
{
	return XDP_TX;
}

/* Ethernet, IPv4 and TCP headers, checked: the TCP header, or NULL. */
static __always_inline struct tcphdr *floor_tcp(struct xdp_md *ctx, struct iphdr **ipp)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct tcphdr *th;
	struct iphdr *ip;

	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return NULL;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || ip->ihl < sizeof(*ip) / sizeof(__u32) ||
	    ip->protocol != IPPROTO_TCP)
		return NULL;
	th = (void *)ip + ip->ihl * sizeof(__u32);
	if ((void *)(th + 1) > end)
		return NULL;
	*ipp = ip;
	return th;
}

/* Floor 2: the headers parsed, one hash lookup of the destination, counted. */
SEC("xdp")
int floor_parse(struct xdp_md *ctx)
{
	struct iphdr *ip;

	if (!floor_tcp(ctx, &ip))
		return XDP_PASS;
	if (!bpf_map_lookup_elem(&floor_dsts, &ip->daddr))
		return XDP_PASS;
	floor_hits++;
	return XDP_TX;
}

/* The headers parsed into a flow key as xlb builds it, or -1. */
static __always_inline int floor_key(struct xdp_md *ctx, struct xlb_flow_key *k)
{
	struct tcphdr *th;
	struct iphdr *ip;

	th = floor_tcp(ctx, &ip);
	if (!th)
		return -1;
	__builtin_memset(k, 0, sizeof(*k));
	k->src.a[0] = ip->saddr;
	k->dst.a[0] = ip->daddr;
	k->sport = th->source;
	k->dport = th->dest;
	k->proto = IPPROTO_TCP;
	k->family = XLB_AF_INET;
	return 0;
}

/* Reference: the headers parsed, one lookup of the 5-tuple in a flow table
 * like xlb's, counted. What a flow-table lookup costs on its own. */
SEC("xdp")
int ref_flows_lookup(struct xdp_md *ctx)
{
	struct xlb_flow_key k;

	if (floor_key(ctx, &k) || !bpf_map_lookup_elem(&ref_flows, &k))
		return XDP_PASS;
	floor_hits++;
	return XDP_TX;
}

/* Reference: the same key in a direct-mapped table (an ARRAY indexed by the
 * flow hash, inlined by the verifier, no lock to insert): one cache line per
 * lookup instead of a bucket and an element. Counts lookups and matches. */
SEC("xdp")
int ref_slots_lookup(struct xdp_md *ctx)
{
	const __u64 *a, *b;
	struct wrap_slot_entry *e;
	struct xlb_flow_key k;
	__u32 idx, i, diff = 0;

	if (floor_key(ctx, &k))
		return XDP_PASS;
	idx = xlb_flow_hash(&k) & (WRAP_REF_FLOWS - 1);
	e = bpf_map_lookup_elem(&ref_slots, &idx);
	if (!e)
		return XDP_PASS;
	floor_hits++;
	a = (const __u64 *)&e->key;
	b = (const __u64 *)&k;
#pragma unroll
	for (i = 0; i < sizeof(k) / sizeof(__u64); i++)
		diff |= a[i] != b[i];
	slot_matches += !diff;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
