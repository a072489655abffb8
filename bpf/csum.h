/* SPDX-License-Identifier: MIT */
/*
 * Internet checksums (RFC 1071). Sums are kept in memory byte order, which
 * the one's-complement sum does not care about, so no swapping is needed.
 */
#ifndef XLB_BPF_CSUM_H
#define XLB_BPF_CSUM_H

#include <bpf/bpf_helpers.h>
#include "ctx.h"

/* bpf_csum_diff takes a constant size, a multiple of 4, at most this. */
#define XLB_CSUM_CHUNK 512
#define XLB_U16_BITS   16
#define XLB_U16_MASK   0xffff
#define XLB_U32_BITS   32

static __always_inline __u16 xlb_csum_fold(__u64 sum)
{
	sum = (sum & 0xffffffffULL) + (sum >> XLB_U32_BITS);
	sum = (sum & 0xffffffffULL) + (sum >> XLB_U32_BITS);
	sum = (sum & XLB_U16_MASK) + (sum >> XLB_U16_BITS);
	sum = (sum & XLB_U16_MASK) + (sum >> XLB_U16_BITS);
	return (__u16)~sum;
}

/* A 64-bit partial sum reduced to 32 bits, to seed bpf_csum_diff. */
static __always_inline __u32 xlb_csum_reduce(__u64 sum)
{
	sum = (sum & 0xffffffffULL) + (sum >> XLB_U32_BITS);
	sum = (sum & 0xffffffffULL) + (sum >> XLB_U32_BITS);
	return (__u32)sum;
}

/* Checksum of an IPv4 header built on the stack (check field zero). */
static __always_inline __sum16 xlb_ipv4_csum(const union xlb_outer *o)
{
	__u64 sum = 0;
	int i;

#pragma unroll
	for (i = 0; i < (int)(sizeof(o->v4_words) / sizeof(o->v4_words[0])); i++)
		sum += o->v4_words[i];
	return xlb_csum_fold(sum);
}

/* RFC 1624: the checksum after one 16-bit word changed from old to new. */
static __always_inline __sum16 xlb_csum_replace16(__sum16 check, __u16 old, __u16 new)
{
	__u64 sum = (__u16)~check;

	sum += (__u16)~old;
	sum += new;
	return xlb_csum_fold(sum);
}

/*
 * Folded checksum of len packet bytes at p, seeded with a partial sum. len
 * must be a compile-time constant and a multiple of 4: it is cut into
 * bpf_csum_diff calls of at most XLB_CSUM_CHUNK bytes. Returns the checksum
 * or -1 when the bytes are not all in the packet.
 */
static __always_inline int xlb_csum_packet(void *p, void *end, const __u32 len, __u32 seed)
{
	__s64 sum = seed;
	__u32 i;

	if (p + len > end)
		return -1;
#pragma unroll
	for (i = 0; i + XLB_CSUM_CHUNK <= len; i += XLB_CSUM_CHUNK) {
		sum = bpf_csum_diff(NULL, 0, p + i, XLB_CSUM_CHUNK, (__u32)sum);
		if (sum < 0)
			return -1;
	}
	if (len % XLB_CSUM_CHUNK) {
		sum = bpf_csum_diff(NULL, 0, p + i, len % XLB_CSUM_CHUNK, (__u32)sum);
		if (sum < 0)
			return -1;
	}
	return xlb_csum_fold((__u32)sum);
}

#endif /* XLB_BPF_CSUM_H */
