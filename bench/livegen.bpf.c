// SPDX-License-Identifier: MIT
/*
 * The end-to-end benchmark's XDP programs. gen: the traffic generator, run
 * by BPF_PROG_TEST_RUN in live-frames mode; each frame gets the next flow's
 * source port and leaves by XDP_TX, which that mode turns into a transmit
 * on the device named in the run's context. sink_pass / sink_drop: the
 * counters where arrivals are counted (the backends' ingress, the lb's for
 * the drop ceiling), and what the lb's interface runs for kernel
 * forwarding.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define GEN_FRAME	64 /* bytes of every frame sent */
#define GEN_FRAME_WORDS (GEN_FRAME / sizeof(__u64))
#define GEN_OFF_MASK	(GEN_FRAME - 1)

/* Set by the tool before a run: the frame, where its source port is, the
 * flows rotated over and the first port. */
__u64 frame[GEN_FRAME_WORDS];
__u32 port_off;
__u32 nflows;
__u32 port_base;
/* The next flow. */
__u32 next;

/* Packets a sink saw, per CPU (read by the tool). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} sink_count SEC(".maps");

/* Live-frames mode resets a frame's pointers between uses, not its bytes,
 * and a frame comes back from the lb rewritten (encapsulated, or its MACs
 * and TTL forwarded): every frame is written whole before it is sent. */
SEC("xdp")
int gen(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u32 off = port_off & GEN_OFF_MASK, k = next, i;
	__u64 *w = data;

	if (data + GEN_FRAME > end)
		return XDP_ABORTED;
#pragma unroll
	for (i = 0; i < GEN_FRAME_WORDS; i++)
		w[i] = frame[i];
	if (data + off + sizeof(__be16) > end)
		return XDP_ABORTED;
	next = k + 1 >= nflows ? 0 : k + 1;
	*(__be16 *)(data + off) = bpf_htons(port_base + k);
	return XDP_TX;
}

static __always_inline void sink_add(void)
{
	__u32 zero = 0;
	__u64 *c = bpf_map_lookup_elem(&sink_count, &zero);

	if (c)
		(*c)++;
}

SEC("xdp")
int sink_pass(struct xdp_md *ctx)
{
	sink_add();
	return XDP_PASS;
}

/* Counts and drops IPv4; passes the rest (ARP, so neighbours resolve). */
SEC("xdp")
int sink_drop(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	sink_add();
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
