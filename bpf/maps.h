/* SPDX-License-Identifier: MIT */
/*
 * Every map of the forwarding program, declared once. All are pinned by
 * xlbd under XLB_PIN_ROOT/<name>/abi<N>/ and written only by xlbd; the
 * program writes the flow table and the counters.
 */
#ifndef XLB_BPF_MAPS_H
#define XLB_BPF_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <xlb/abi.h>

/*
 * Keep the IPv4 and the IPv6 map lookup of an if/else at call sites of their
 * own: put right after each lookup. clang merges two such lookups into one
 * call taking either map; the verifier then cannot inline the lookup or call
 * the map's own function, and goes through the generic helper's indirect
 * call (a retpoline on the test machines). The VIP-address lookup merged
 * that way made the non-VIP path 1.47x the parse+lookup floor instead of
 * 1.00x (BENCHMARKS.md). The two differ so they cannot be merged either;
 * a move to the same register emits no machine code.
 */
#define xlb_lookup_site4(v) asm volatile("%0 = %0" : "+r"(v))
#define xlb_lookup_site6(v) asm volatile("%0 = %0\n\t%0 = %0" : "+r"(v))

/* IPv4 VIP addresses → per-protocol shortcuts (written by xlbd). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XLB_MAX_VIP_ADDRS);
	__type(key, __be32);
	__type(value, struct xlb_vip_addr);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} vip_addrs4 SEC(".maps");

/* IPv6 VIP addresses → per-protocol shortcuts (written by xlbd). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XLB_MAX_VIP_ADDRS);
	__type(key, struct xlb_in6);
	__type(value, struct xlb_vip_addr);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} vip_addrs6 SEC(".maps");

/* (address, port, protocol) → VIP id and mode (written by xlbd). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XLB_MAX_VIPS);
	__type(key, struct xlb_vip_key);
	__type(value, struct xlb_vip);
} vips SEC(".maps");

/* VIP id → its Maglev ring: an inner array with one element holding the whole
 * ring; xlbd swaps a whole ring in one update of the outer slot. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, XLB_MAX_VIPS);
	__type(key, __u32);
	__array(
		values, struct {
			__uint(type, BPF_MAP_TYPE_ARRAY);
			__uint(max_entries, 1);
			__type(key, __u32);
			__uint(value_size, sizeof(struct xlb_ring));
		});
} rings SEC(".maps");

/* Backend id → address, state, generation (written by xlbd). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XLB_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct xlb_backend);
} backends SEC(".maps");

/* Client 5-tuple → backend id + generation (written by the program). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XLB_FLOW_ENTRIES);
	__type(key, struct xlb_flow_key);
	__type(value, struct xlb_flow);
} flows SEC(".maps");

/* Runtime settings, one element (written by xlbd). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xlb_config);
} config SEC(".maps");

/* Egress devices for redirect, keyed by ifindex (written by xlbd, from the
 * xlb host's own namespace: devmap ifindexes are the writer's). */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, XLB_MAX_TX_PORTS);
	__type(key, __u32);
	__type(value, struct bpf_devmap_val);
} tx_ports SEC(".maps");

/* VLAN device ifindex → lower device and tag (written by xlbd). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XLB_MAX_VLAN_IFS);
	__type(key, __u32);
	__type(value, struct xlb_vlan_if);
} vlan_ifs SEC(".maps");

/* enum xlb_stat → packets, bytes (written by the program). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLB_STAT__MAX);
	__type(key, __u32);
	__type(value, struct xlb_counter);
} stats SEC(".maps");

/* VIP id → packets, bytes, new flows, drops (written by the program). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLB_MAX_VIPS);
	__type(key, __u32);
	__type(value, struct xlb_vip_counter);
} vip_stats SEC(".maps");

/* Backend id → packets, bytes forwarded (written by the program). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XLB_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct xlb_counter);
} backend_stats SEC(".maps");

/* ACL scope + IPv4 source prefix → action (written by xlbd). */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, XLB_ACL_ENTRIES);
	__type(key, struct xlb_acl4_key);
	__type(value, struct xlb_acl_entry);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} acl4 SEC(".maps");

/* ACL scope + IPv6 source prefix → action (written by xlbd). */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, XLB_ACL_ENTRIES);
	__type(key, struct xlb_acl6_key);
	__type(value, struct xlb_acl_entry);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} acl6 SEC(".maps");

/* Scope (0 global, else VIP id) → ACL counts, rate limits, budget (written by xlbd). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XLB_MAX_VIPS);
	__type(key, __u32);
	__type(value, struct xlb_guard);
} guard SEC(".maps");

/* Masked source + scope → token buckets and drops (written by the program,
 * atomically: shared by every CPU). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XLB_RL_ENTRIES);
	__type(key, struct xlb_rl_key);
	__type(value, struct xlb_rl_state);
} rl_state SEC(".maps");

/* The source checks' per-packet scratch: the packet's source, the lookup
 * keys, and the setting chosen for the new-flow limit. */
struct xlb_guard_scratch {
	struct xlb_addr src; /* the packet's IP source */
	__u32 family;	     /* enum xlb_family */
	__u32 rl_scope;	     /* scope whose limits apply */
	__u32 rl_on;	     /* a rate-limit setting applies: rl is the source's key */
	__u32 pad;
	union {
		struct xlb_acl4_key v4;
		struct xlb_acl6_key v6;
	} acl;
	struct xlb_rl_key rl;
};

/* Per-CPU scratch of the ACL and rate-limit stages, kept off the nearly
 * full stack; a CPU runs one packet at a time (written by the program). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xlb_guard_scratch);
} guard_scratch SEC(".maps");

/* The flow-insert budget's state on each CPU (written by the program). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xlb_budget_state);
} flow_budget SEC(".maps");

/* The ICMP error budget's state on each CPU (written by the program). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xlb_budget_state);
} error_budget SEC(".maps");

/* Sampled new flows (struct xlb_flow_sample) for xlbd's access log (written
 * by the program, read by xlbd). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, XLB_SAMPLES_BYTES);
} samples SEC(".maps");

/* The sampler's place on one CPU: new flows seen since its last sample, and
 * the rate they count toward (a changed rate starts the count again). */
struct xlb_sample_state {
	__u32 seen;
	__u32 every;
};

/* The sampler's count on each CPU (written by the program). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xlb_sample_state);
} sample_state SEC(".maps");

#endif /* XLB_BPF_MAPS_H */
