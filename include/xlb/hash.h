/* SPDX-License-Identifier: MIT */
/*
 * The flow hash, shared by the XDP program (ring index, outer source) and
 * xlbctl (`flow get` predicts the backend the program would pick). Both sides
 * must compute the same value, so it is defined once, here.
 *
 * MurmurHash3's 32-bit block mix and finaliser over the key's words: no
 * helper call, no table, a few multiplies per word.
 */
#ifndef XLB_HASH_H
#define XLB_HASH_H

#include <linux/types.h>
#include "abi.h"

#define XLB_HASH_SEED 0x786c6221u /* "xlb!" */
#define XLB_MURMUR_C1 0xcc9e2d51u
#define XLB_MURMUR_C2 0x1b873593u
#define XLB_MURMUR_R1 15
#define XLB_MURMUR_R2 13
#define XLB_MURMUR_M  5u
#define XLB_MURMUR_N  0xe6546b64u
#define XLB_FMIX_C1   0x85ebca6bu
#define XLB_FMIX_C2   0xc2b2ae35u

static inline __u32 xlb_rotl32(__u32 x, int r)
{
	return (x << r) | (x >> (32 - r));
}

static inline __u32 xlb_hash_word(__u32 h, __u32 k)
{
	k *= XLB_MURMUR_C1;
	k = xlb_rotl32(k, XLB_MURMUR_R1);
	k *= XLB_MURMUR_C2;
	h ^= k;
	h = xlb_rotl32(h, XLB_MURMUR_R2);
	return h * XLB_MURMUR_M + XLB_MURMUR_N;
}

static inline __u32 xlb_hash_final(__u32 h)
{
	h ^= h >> 16;
	h *= XLB_FMIX_C1;
	h ^= h >> 13;
	h *= XLB_FMIX_C2;
	h ^= h >> 16;
	return h;
}

/* Hash of a flow. Fragments hash with ports zeroed (addresses only). */
static inline __u32 xlb_flow_hash(const struct xlb_flow_key *k)
{
	__u32 h = XLB_HASH_SEED;

	h = xlb_hash_word(h, k->src.a[0]);
	h = xlb_hash_word(h, k->src.a[1]);
	h = xlb_hash_word(h, k->src.a[2]);
	h = xlb_hash_word(h, k->src.a[3]);
	h = xlb_hash_word(h, k->dst.a[0]);
	h = xlb_hash_word(h, k->dst.a[1]);
	h = xlb_hash_word(h, k->dst.a[2]);
	h = xlb_hash_word(h, k->dst.a[3]);
	h = xlb_hash_word(h, ((__u32)k->sport << 16) | k->dport);
	h = xlb_hash_word(h, k->proto);
	return xlb_hash_final(h);
}

#endif /* XLB_HASH_H */
