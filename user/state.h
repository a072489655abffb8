/* SPDX-License-Identifier: MIT */
/*
 * xlbd's model of what it forwards: VIPs, their backends, the runtime
 * settings, and the id allocators. Pure data: nothing here touches the
 * kernel, so every rule (ids, generations, backups, ring membership) is
 * tested without it. dataplane.c writes a model into the maps; state_file.c
 * saves and restores what the maps cannot hold.
 *
 * Changes are made to a copy (state__clone) and committed by swapping, so a
 * batch that fails half-way leaves the running model untouched.
 */
#ifndef XLB_STATE_H
#define XLB_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <xlb/abi.h>
#include <xlb/ctl.h>

#include "acl.h"
#include "check_spec.h"
#include "errmsg.h"
#include "ratelimit.h"

struct maglev_backend;

/* A health-check spec shared by every model that holds it (a model is
 * cloned for each change, and a spec is ~2 KiB): never changed once made,
 * freed with its last reference. */
struct state_check {
	unsigned int refs;
	struct xlb_check_spec spec;
};

/* An ACL list, the global one or a VIP's: its rules sorted by family,
 * address and prefix length (state_acl__cmp). The rules' scope field is
 * unused: the list's owner is its scope. */
struct state_acl {
	struct xlb_acl_rule *r;
	size_t n;
	size_t cap;
};

/* A rate-limit setting, the global one or a VIP's. */
struct state_ratelimit {
	bool set;
	struct xlb_ratelimit rl;
};

/* Backend flags, weights and health are the control protocol's own
 * (XLB_BE_F_*, XLB_WEIGHT_*, enum xlb_health): the model stores what the
 * operator said, in the operator's terms. Health XLB_HEALTH_UNKNOWN (no check
 * configured, or no result yet) counts as up. */

struct state_backend {
	__u32 id; /* index into the backends map, 1..XLB_MAX_BACKENDS-1 */
	__u32 generation;
	struct xlb_addr addr;
	__be16 port;
	__u8 family; /* enum xlb_family, same as the VIP's */
	__u8 health; /* enum xlb_health */
	__u32 weight;
	__u32 flags;		   /* XLB_BE_F_* */
	struct state_check *check; /* its own check; NULL: its VIP's, if any */
};

struct state_vip {
	__u32 id; /* index into rings, vip_stats; 1..XLB_MAX_VIPS-1 */
	struct xlb_vip_key key;
	__u8 mode; /* enum xlb_mode */
	__u8 flags;
	bool fail_open;		   /* all backends failing their checks: keep them all */
	struct state_check *check; /* the check of backends without their own */
	struct state_backend *be;
	size_t nr_be;
	size_t cap_be;
	struct state_acl acl;	   /* its own list (an allow list if any entry allows) */
	struct state_ratelimit rl; /* its own limits, replacing the global ones */
	bool announce_off;	   /* `announce off`: its address is not announced for it */
};

/* Ids 1..max-1, handed out oldest-freed first so an id comes back as late as
 * possible; gen[id] is bumped on every allocation and every release, so a
 * flow that recorded the old generation never follows a reused id. */
struct state_ids {
	__u32 max;
	__u32 *gen;
	bool *used;
	__u32 *fifo; /* free ids */
	__u32 head;
	__u32 count;
};

/* Outer source of encapsulated packets, per family: a prefix (plen 32/128 =
 * one fixed address). */
struct state_source {
	bool set;
	struct xlb_addr addr;
	__u8 plen;
};

struct xlb_state {
	struct state_vip *vips;
	size_t nr_vips;
	size_t cap_vips;
	struct state_ids vip_ids;
	struct state_ids be_ids;
	__u32 mtu;
	struct state_source src4;
	struct state_source src6;
	struct state_acl acl;	   /* the global list */
	struct state_ratelimit rl; /* the limits of VIPs without their own */
	__u32 flow_budget;	   /* new flows stored per second per CPU; 0 = no limit */
	__u32 sample_every;	   /* access log: one new flow in N sampled; 0 = off */
};

/* What a request gives for a backend. */
struct state_backend_spec {
	struct xlb_addr addr;
	__be16 port;
	__u8 family;
	__u32 weight;
	__u32 flags;
	const struct xlb_check_spec *check; /* its own check; NULL: its VIP's */
};

/* A change to a backend: only the parts marked are applied. */
struct state_backend_change {
	bool set_weight;
	__u32 weight;
	__u32 flags_set;
	__u32 flags_clear;
};

int state__init(struct xlb_state *s);
void state__fini(struct xlb_state *s);
/* Deep copy of src into dst (dst uninitialised). */
int state__clone(struct xlb_state *dst, const struct xlb_state *src);
/* Replaces *dst by *src, which is consumed. */
void state__move(struct xlb_state *dst, struct xlb_state *src);

struct state_vip *state__vip_find(const struct xlb_state *s, const struct xlb_vip_key *key);
struct state_vip *state__vip_by_id(const struct xlb_state *s, __u32 id);
struct state_backend *state__backend_find(const struct state_vip *v, int family,
					  const struct xlb_addr *addr, __be16 port);
struct state_backend *state__backend_by_id(const struct xlb_state *s, __u32 id,
					   struct state_vip **vip);

/* Each returns 0 or -errno with e naming the problem. */
int state__vip_add(struct xlb_state *s, const struct xlb_vip_key *key, __u8 mode, __u8 flags,
		   struct xlb_errmsg *e);
int state__vip_del(struct xlb_state *s, const struct xlb_vip_key *key, struct xlb_errmsg *e);
int state__vip_set_mode(struct xlb_state *s, const struct xlb_vip_key *key, __u8 mode,
			struct xlb_errmsg *e);
/* `announce on|off` (docs/scale-out.md): off withdraws the VIP's route. */
int state__vip_set_announce(struct xlb_state *s, const struct xlb_vip_key *key, bool on,
			    struct xlb_errmsg *e);
/* Whether v wants its address announced: announce on, and a backend in its
 * ring (a VIP that cannot take a new flow is not worth a route). */
bool state__vip_ready(const struct state_vip *v);
/* Adds a backend with its own check, if spec has one, in one step: a check
 * refused leaves no backend behind. */
int state__backend_add(struct xlb_state *s, const struct xlb_vip_key *key,
		       const struct state_backend_spec *spec, struct xlb_errmsg *e);
int state__backend_del(struct xlb_state *s, const struct xlb_vip_key *key, int family,
		       const struct xlb_addr *addr, __be16 port, struct xlb_errmsg *e);
int state__backend_set(struct xlb_state *s, const struct xlb_vip_key *key, int family,
		       const struct xlb_addr *addr, __be16 port,
		       const struct state_backend_change *chg, struct xlb_errmsg *e);
int state__set_mtu(struct xlb_state *s, __u32 mtu, struct xlb_errmsg *e);
int state__set_source(struct xlb_state *s, int family, const struct xlb_addr *addr,
		      unsigned int plen, struct xlb_errmsg *e);
/* The access log's sampling rate: one new flow in every (0 = off). */
int state__set_sample(struct xlb_state *s, __u32 every, struct xlb_errmsg *e);

/* Makes s say what want says (VIPs, backends, weights, flags, checks, settings)
 * while keeping the ids, generations and health of every VIP and backend
 * both have, so flows to unchanged backends never move: reloading a config
 * into a running instance. */
int state__reconcile(struct xlb_state *s, const struct xlb_state *want, struct xlb_errmsg *e);

/* The health-check hook: marks a backend up or down. Returns 1 if its state
 * changed, 0 if not, -ENOENT for an unknown id. */
int state__set_health(struct xlb_state *s, __u32 backend_id, enum xlb_health health);

/* Health checks. spec NULL (or type none) removes the VIP's default check
 * or the backend's own (which then inherits the VIP's). A backend left
 * without any check has its health reset to unknown (counts as up); one
 * whose check changes keeps its health until the new check decides. */
int state__vip_set_check(struct xlb_state *s, const struct xlb_vip_key *key,
			 const struct xlb_check_spec *spec, struct xlb_errmsg *e);
int state__backend_set_check(struct xlb_state *s, const struct xlb_vip_key *key, int family,
			     const struct xlb_addr *addr, __be16 port,
			     const struct xlb_check_spec *spec, struct xlb_errmsg *e);
int state__vip_set_fail_open(struct xlb_state *s, const struct xlb_vip_key *key, bool on,
			     struct xlb_errmsg *e);
/* The check b runs: its own, else its VIP's, else NULL (*inherited says
 * which; may be NULL). */
struct state_check *state__backend_check(const struct state_vip *v, const struct state_backend *b,
					 bool *inherited);
/* The port b's checks go to unless the spec names one: b's, else the VIP's
 * (a port-0 backend gets the packets' own port). 0 if both are 0. */
__u16 state__backend_check_port(const struct state_vip *v, const struct state_backend *b);
/* A reference to c (NULL-safe), and its release. */
struct state_check *state__check_get(struct state_check *c);
void state__check_put(struct state_check *c);

/* The data-plane state of a backend: DOWN (admin down or unhealthy),
 * DRAINING (drain flag or weight 0), else ACTIVE. */
enum xlb_backend_state state__backend_dp_state(const struct state_backend *b);
/* The same within its VIP: with failing_open (state__vip_failing_open) a
 * backend down by its checks counts as healthy. */
enum xlb_backend_state state__backend_state(const struct state_backend *b, bool failing_open);
/* A fail-open VIP whose every backend (administratively down ones aside)
 * is down by its checks: it keeps them all, rather than an empty ring. */
bool state__vip_failing_open(const struct state_vip *v);
/* Whether b is in its VIP's ring: ACTIVE, and either a primary or a backup
 * of a VIP whose primaries are all out of the ring. */
bool state__backend_in_ring(const struct state_vip *v, const struct state_backend *b);
/* The ring's members as Maglev input, in the VIP's order; out has room for
 * v->nr_be entries. Sets *n. */
void state__ring_members(const struct state_vip *v, struct maglev_backend *out, size_t *n);

/* Restoring a saved model: claim exact ids, as they were. */
int state__vip_restore(struct xlb_state *s, __u32 id, const struct xlb_vip_key *key, __u8 mode,
		       __u8 flags);
int state__backend_restore(struct xlb_state *s, __u32 vip_id, __u32 id,
			   const struct state_backend *b);
/* Sets the generation of a free id (kept across restarts). */
int state__ids_restore_gen(struct state_ids *ids, __u32 id, __u32 gen);
/* Rebuilds the free list from the used flags: never-used ids (generation 0)
 * first, in order, then the ids of order[n] (released ones, oldest first),
 * then any other free id. */
int state__ids_rebuild(struct state_ids *ids, const __u32 *order, size_t n);

/*
 * Source ACL and rate limits (state_guard.c). key names a VIP, or is NULL
 * for the global list and setting. Each returns 0 or -errno with e naming
 * the problem; the rules are include/xlb/abi.h's and docs/ratelimit-acl.md's.
 */
/* Adds r's prefix with r's action; -EEXIST if the list has the prefix. */
int state__acl_add(struct xlb_state *s, const struct xlb_vip_key *key, const struct xlb_acl_rule *r,
		   struct xlb_errmsg *e);
/* Removes r's prefix; with match_action only if its action is r's. */
int state__acl_del(struct xlb_state *s, const struct xlb_vip_key *key, const struct xlb_acl_rule *r,
		   bool match_action, struct xlb_errmsg *e);
int state__ratelimit_set(struct xlb_state *s, const struct xlb_vip_key *key,
			 const struct xlb_ratelimit *rl, struct xlb_errmsg *e);
/* -ENOENT if the VIP (or the global scope) has no setting. */
int state__ratelimit_del(struct xlb_state *s, const struct xlb_vip_key *key, struct xlb_errmsg *e);
int state__set_flow_budget(struct xlb_state *s, __u32 per_sec, struct xlb_errmsg *e);

/* The list and setting of a scope (XLB_SCOPE_GLOBAL or a VIP id); NULL if
 * no VIP has that id. */
const struct state_acl *state__acl_of(const struct xlb_state *s, __u32 scope);
const struct state_ratelimit *state__ratelimit_of(const struct xlb_state *s, __u32 scope);
/* The entry of r's family, address and length in l, or NULL. */
const struct xlb_acl_rule *state_acl__find(const struct state_acl *l, const struct xlb_acl_rule *r);
/* Order of a list: family, address, prefix length. */
int state_acl__cmp(const struct xlb_acl_rule *a, const struct xlb_acl_rule *b);
bool state_ratelimit__equal(const struct xlb_ratelimit *a, const struct xlb_ratelimit *b);

/* For state.c: a list's copy (dst overwritten, empty on failure), its
 * release, and the guard part of state__reconcile. */
int state_acl__copy(struct state_acl *dst, const struct state_acl *src);
void state_acl__free(struct state_acl *l);
int state__reconcile_guard(struct xlb_state *s, const struct xlb_state *want, struct xlb_errmsg *e);

#endif /* XLB_STATE_H */
