/* SPDX-License-Identifier: MIT */
/*
 * Writing the model into the forwarding program's maps. A sync compares the
 * model the maps hold with the one they should hold and writes only what
 * differs, in an order that never lets a packet see a half-made VIP:
 * settings, then new and changed backends, then new and changed ACL entries
 * and rate limits, then rings (each swapped whole), then VIP entries, then
 * removed VIPs, then removed ACL entries and rate limits, then removed
 * backends.
 */
#ifndef XLB_DATAPLANE_H
#define XLB_DATAPLANE_H

#include <stdbool.h>

#include "errmsg.h"
#include "maps.h"
#include "state.h"

/*
 * Makes the maps hold to, given they hold from. from NULL means "unknown":
 * every entry is compared with what the maps actually hold, and whatever the
 * model does not know (stale VIPs, backends) is removed — the restart path.
 * On failure the maps are part-way: sync back (to -> from) to undo.
 */
int dataplane__sync(const struct xlb_maps *m, const struct xlb_state *from,
		    const struct xlb_state *to, struct xlb_errmsg *e);
/* The same, counting each VIP's ring swaps in swaps[VIP id] (XLB_MAX_VIPS
 * entries): a VIP new to the maps starts at 1, so a reused id starts over. */
int dataplane__sync_counted(const struct xlb_maps *m, const struct xlb_state *from,
			    const struct xlb_state *to, __u64 *swaps, struct xlb_errmsg *e);

/* The source ACL, rate limits and flow budget (dataplane_guard.c), the
 * parts of dataplane__sync around the VIP entries: _in adds and changes
 * (before VIP entries are written), _out removes (after removed VIPs are
 * gone). With from NULL they compare with the maps, and _out also removes
 * what the model lacks and recounts the ACL lists. */
int dataplane__sync_guard_in(const struct xlb_maps *m, const struct xlb_state *from,
			     const struct xlb_state *to, struct xlb_errmsg *e);
int dataplane__sync_guard_out(const struct xlb_maps *m, const struct xlb_state *from,
			      const struct xlb_state *to, struct xlb_errmsg *e);

/* The backends map entry for a model backend in state st
 * (state__backend_state). */
void dataplane__backend_entry(const struct state_backend *b, enum xlb_backend_state st,
			      struct xlb_backend *out);
/* The config map entry for a model's settings. */
int dataplane__config_entry(const struct xlb_state *s, struct xlb_config *out);

/* Route lookup and managed neighbour for the next hop of every backend of
 * to that from lacks (from NULL: every backend), and its egress device in
 * tx_ports (a VLAN device's lower one, and its tag in vlan_ifs). Failures
 * are logged and counted in *failed; housekeeping tries again. */
int dataplane__ensure_nexthops(const struct xlb_maps *m, const struct xlb_state *from,
			       const struct xlb_state *to, unsigned int *failed);
/* Housekeeping's round over the backends' next hops, spread over its ticks:
 * each lookup is a netlink round trip, thousands at once a stall of the
 * loop. Zeroed to start. */
struct dataplane_nexthop_round {
	size_t cursor;		     /* the next backend, in VIP order */
	int ports[XLB_MAX_TX_PORTS]; /* route devices met this round, each looked up once */
	size_t nports;
	unsigned int failed; /* backends that failed this round */
	bool changed; /* backends came in since it began: it may not have met their devices */
};

/* The same for count backends of s from the round's cursor on, wrapping.
 * A round that ends without a failure, and with no backend added since it
 * began, drops the vlan_ifs entries of VLAN devices no route met. */
int dataplane__ensure_nexthops_some(const struct xlb_maps *m, const struct xlb_state *s,
				    struct dataplane_nexthop_round *r, size_t count,
				    unsigned int *failed);

/* The device the program redirects to for a route leaving by link: link
 * itself, or for a VLAN device (on which XDP cannot send) its lower device,
 * given as lower, with the tag written to vlan_ifs. -EOPNOTSUPP for a tag
 * the program cannot push: 802.1ad, stacked VLANs, a lower device in
 * another namespace. */
struct rtnl_link;
int dataplane__egress_port(const struct xlb_maps *m, const struct rtnl_link *link,
			   const struct rtnl_link *lower, __u32 *port);

/* Before a sync from NULL: merges the maps' generations into s (the larger
 * wins, and an id the maps use but s does not gets a fresh generation), so
 * no flow recorded before the restart can match a reused id. */
int dataplane__adopt_generations(const struct xlb_maps *m, struct xlb_state *s);

#endif /* XLB_DATAPLANE_H */
