/* SPDX-License-Identifier: MIT */
/*
 * Every map of the decapsulation program, declared once. All are pinned by
 * xlb-decap under XLB_DECAP_PIN_ROOT/<name>/; the program writes only the
 * counters.
 */
#ifndef XLB_BPF_DECAP_MAPS_H
#define XLB_BPF_DECAP_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <xlb/decap.h>

/* Load-balancer IPv4 source prefixes allowed to send encapsulated packets (xlb-decap). */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, XLB_DECAP_MAX_LBS);
	__type(key, struct xlb_decap_lb4_key);
	__type(value, __u32);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} decap_lbs4 SEC(".maps");

/* Load-balancer IPv6 source prefixes allowed to send encapsulated packets (xlb-decap). */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, XLB_DECAP_MAX_LBS);
	__type(key, struct xlb_decap_lb6_key);
	__type(value, __u32);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} decap_lbs6 SEC(".maps");

/* IPv4 VIP addresses an inner packet may be addressed to (xlb-decap). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XLB_DECAP_MAX_VIPS);
	__type(key, __be32);
	__type(value, __u32);
} decap_vips4 SEC(".maps");

/* IPv6 VIP addresses an inner packet may be addressed to (xlb-decap). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XLB_DECAP_MAX_VIPS);
	__type(key, struct xlb_in6);
	__type(value, __u32);
} decap_vips6 SEC(".maps");

/* enum xlb_decap_stat → packets, bytes (written by the program). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLB_DECAP_STAT__MAX);
	__type(key, __u32);
	__type(value, struct xlb_counter);
} decap_stats SEC(".maps");

#endif /* XLB_BPF_DECAP_MAPS_H */
