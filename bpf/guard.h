/* SPDX-License-Identifier: MIT */
/*
 * The source checks, ACL then rate limits, as two global BPF functions. The
 * verifier checks a global function once, on its own, and its caller sees
 * only an int: the checks' branches never multiply the states of the
 * forwarding path. Inlined, they made the verifier walk that path hundreds
 * of times (430k instructions instead of about 80k). The price is a call
 * per VIP packet while anything is configured (none otherwise), and one more
 * for a packet that may open a flow under a new-flow limit.
 */
#ifndef XLB_BPF_GUARD_H
#define XLB_BPF_GUARD_H

#include <linux/in.h>
#include <linux/tcp.h>
#include "acl.h"
#include "parse.h"
#include "ratelimit.h"

/* Largest L2 header before the IP header: Ethernet and one 802.1Q tag. */
#define XLB_GUARD_MAX_L3_OFF (sizeof(struct ethhdr) + sizeof(struct xlb_vlan_hdr))
/* Bound of the L4 header's offset, for the verifier: no frame is longer. */
#define XLB_GUARD_MAX_L4_OFF XLB_MTU_MAX

/* Hides v's value from clang, so it checks and uses one register: it would
 * otherwise bound one zero-extended copy of an argument and add another,
 * which the verifier refuses. */
#define xlb_guard_opaque(v) asm volatile("" : "+r"(v))

/* The source checks' scratch on this CPU (see its map). */
static __always_inline struct xlb_guard_scratch *xlb_guard_scratch_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&guard_scratch, &zero);
}

/* Copies the packet's IP source into s: the sender, which for an ICMP error
 * is the reporting router, not the quoted flow's client. */
static __always_inline int xlb_guard_source(struct xdp_md *ctx, __u32 l3_off, __u32 family,
					    struct xlb_guard_scratch *s)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u64 off = l3_off;

	xlb_guard_opaque(off);
	if (off > XLB_GUARD_MAX_L3_OFF)
		return -1;
	if (family == XLB_AF_INET) {
		const struct iphdr *ip = data + off;

		if ((void *)(ip + 1) > end)
			return -1;
		s->src.a[0] = ip->saddr;
		s->src.a[1] = 0;
		s->src.a[2] = 0;
		s->src.a[3] = 0;
	} else {
		const struct ipv6hdr *ip6 = data + off;

		if ((void *)(ip6 + 1) > end)
			return -1;
		__builtin_memcpy(&s->src, &ip6->saddr, sizeof(s->src));
	}
	s->family = family;
	return 0;
}

/* Whether any source check is configured: if not, VIP traffic skips them
 * (and the calls) altogether. */
static __always_inline int xlb_guard_active(void)
{
	__u32 zero = XLB_SCOPE_GLOBAL;
	const struct xlb_guard *g = bpf_map_lookup_elem(&guard, &zero);

	return g && g->nr_active;
}

/*
 * The ACL, then the packet rate limit, of a packet to vip_id (0 for an echo
 * request) whose IP header (of family) starts at l3_off: a verdict reason,
 * XLB_NEXT, or XLB_NEXT_LIMIT_FLOWS when the source also has a new-flow
 * limit (then xlb_guard_flow runs after the flow-table lookup).
 */
__noinline int xlb_guard_packet(struct xdp_md *ctx, __u32 l3_off, __u32 family, __u32 vip_id)
{
	struct xlb_guard_scratch *s = xlb_guard_scratch_get();
	int ret;

	if (!s)
		return XLB_NEXT;
	if (xlb_guard_source(ctx, l3_off, family, s))
		return XLB_STAT_DROP_MALFORMED;
	ret = xlb_acl(s, vip_id);
	if (ret == XLB_NEXT)
		ret = xlb_ratelimit(s, vip_id);
	return ret;
}

/* A TCP SYN without ACK at l4_off: a connection attempt, new even when the
 * flow table knows its tuple. */
static __always_inline int xlb_tcp_syn(struct xdp_md *ctx, __u32 l4_off)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	const struct tcphdr *th;
	__u64 off = l4_off;

	xlb_guard_opaque(off);
	if (off > XLB_GUARD_MAX_L4_OFF)
		return 0;
	th = data + off;
	if ((void *)(th + 1) > end)
		return 0;
	return th->syn && !th->ack;
}

/*
 * The new-flow limit of a TCP/UDP packet, after the flow-table lookup
 * (missed: the table had no entry), when xlb_guard_packet returned
 * XLB_NEXT_LIMIT_FLOWS for the same packet just before, on this CPU. A
 * packet opens a flow when it missed or is a TCP SYN; its L4 header starts
 * at l4_off.
 */
__noinline int xlb_guard_flow(struct xdp_md *ctx, __u32 l4_off, __u32 proto, __u32 missed)
{
	struct xlb_guard_scratch *s = xlb_guard_scratch_get();
	const struct xlb_rl_limit *l;

	if (!s)
		return XLB_NEXT;
	l = xlb_rl_flows_limit(s);
	if (!l)
		return XLB_NEXT;
	if (!missed && (proto != IPPROTO_TCP || !xlb_tcp_syn(ctx, l4_off)))
		return XLB_NEXT;
	return xlb_ratelimit_flows(s, l);
}

#endif /* XLB_BPF_GUARD_H */
