/* SPDX-License-Identifier: MIT */
/*
 * The forwarding program's maps seen from user space: pinning and adopting
 * them, and every write xlbd makes (VIPs, backends, rings, config, devices).
 * Writes are ordered so the running program never sees a half-made VIP.
 */
#ifndef XLB_MAPS_H
#define XLB_MAPS_H

#include <stddef.h>
#include <xlb/abi.h>

struct xlb_bpf;

/* File descriptors of the forwarding program's maps; -1 when not open. */
struct xlb_maps {
	int vip_addrs4;
	int vip_addrs6;
	int vips;
	int rings;
	int backends;
	int flows;
	int config;
	int tx_ports;
	int vlan_ifs;
	int stats;
	int vip_stats;
	int backend_stats;
	int acl4;
	int acl6;
	int guard;
	int rl_state;
	int flow_budget;
};

/* XLB_PIN_ROOT/<name>/abi<XLB_ABI_VERSION> into buf. */
int xlb_pin_dir(char *buf, size_t len, const char *name);

/* Mounts bpffs on XLB_PIN_ROOT's parent if it is not a bpffs yet. */
int xlb_bpffs__ensure(void);

/* Before load: let the skeleton reuse every map already pinned for name, so a
 * new program shares the running one's state. Sets *reused to the count. */
int xlb_maps__reuse_pinned(struct xlb_bpf *skel, const char *name, int *reused);
/* After load: pin every map that is not pinned yet (the loader pins the
 * attached program as "prog"). */
int xlb_maps__pin(struct xlb_bpf *skel, const char *name);
/* Removes the pins of name (maps and program). */
int xlb_maps__unpin(const char *name);

void xlb_maps__init(struct xlb_maps *m);
/* Map fds of a loaded skeleton (not dup'ed: valid while skel lives). */
int xlb_maps__from_skel(struct xlb_maps *m, struct xlb_bpf *skel);
/* Opens the pinned maps of name (own fds: close with xlb_maps__close). */
int xlb_maps__open_pinned(struct xlb_maps *m, const char *name);
void xlb_maps__close(struct xlb_maps *m);

int xlb_config__read(const struct xlb_maps *m, struct xlb_config *cfg);
int xlb_config__write(const struct xlb_maps *m, const struct xlb_config *cfg);
/* Fills src/hostmask pairs of cfg from a prefix (plen 32/128 = fixed). */
int xlb_config__set_source(struct xlb_config *cfg, int family, const struct xlb_addr *addr,
			   unsigned int plen);

/* Adds or replaces a VIP, then refreshes its address's shortcuts. */
int xlb_vip__write(const struct xlb_maps *m, const struct xlb_vip_key *key,
		   const struct xlb_vip *vip);
/* Removes a VIP: address shortcuts first, then the VIP, then its ring. */
int xlb_vip__delete(const struct xlb_maps *m, const struct xlb_vip_key *key);

int xlb_backend__write(const struct xlb_maps *m, __u32 id, const struct xlb_backend *be);
int xlb_backend__read(const struct xlb_maps *m, __u32 id, struct xlb_backend *be);

/* Builds a new inner ring map from ids[XLB_RING_SIZE] and puts it in the
 * VIP's slot in one update: readers see the old ring or the new one. */
int xlb_ring__swap(const struct xlb_maps *m, __u32 vip_id, const __u32 *ids);
/* Copies the VIP's current ring into ids[XLB_RING_SIZE]; -ENOENT if none. */
int xlb_ring__read(const struct xlb_maps *m, __u32 vip_id, __u32 *ids);
int xlb_ring__clear(const struct xlb_maps *m, __u32 vip_id);

int xlb_tx_port__add(const struct xlb_maps *m, __u32 ifindex);
int xlb_tx_port__del(const struct xlb_maps *m, __u32 ifindex);
int xlb_vlan_if__set(const struct xlb_maps *m, __u32 ifindex, const struct xlb_vlan_if *v);
/* Removes every entry whose VLAN device is not among keep[n]; *removed
 * says how many went. */
int xlb_vlan_if__prune(const struct xlb_maps *m, const int *keep, size_t n, size_t *removed);

/* The ACL counts, rate limits and flow budget of a scope (XLB_SCOPE_GLOBAL
 * or a VIP id): read whole and written whole by user/acl.c and
 * user/ratelimit.c. */
int xlb_guard__read(const struct xlb_maps *m, __u32 scope, struct xlb_guard *g);
int xlb_guard__write(const struct xlb_maps *m, __u32 scope, const struct xlb_guard *g);
/* True if the scope has an ACL entry or a rate-limit setting. */
int xlb_guard__is_active(const struct xlb_guard *g);
/* Writes g (read from scope and changed) and keeps guard[0].nr_active, the
 * count of active scopes, in step with it. */
int xlb_guard__update(const struct xlb_maps *m, __u32 scope, struct xlb_guard *g);

/* Per-CPU counters summed over the possible CPUs. */
int xlb_stats__read(const struct xlb_maps *m, enum xlb_stat idx, struct xlb_counter *out);
int xlb_vip_stats__read(const struct xlb_maps *m, __u32 vip_id, struct xlb_vip_counter *out);
int xlb_backend_stats__read(const struct xlb_maps *m, __u32 id, struct xlb_counter *out);

/* Elements 0..nr-1 of a per-CPU array whose values are nfields __u64s,
 * each summed over the CPUs into out[id * nfields + field]: read in
 * batches (bpf_map_lookup_batch), a few syscalls for the whole array
 * instead of one per element. */
int xlb_percpu__sum_all(int fd, __u32 nr, size_t nfields, __u64 *out);

/* Name of a stats index ("pass_not_vip"), for logs, metrics and tests. */
const char *xlb_stat__name(enum xlb_stat idx);

#endif /* XLB_MAPS_H */
