/* SPDX-License-Identifier: MIT */
/*
 * VIP announcement, for several xlb hosts behind ECMP routers
 * (docs/scale-out.md): a blackhole host route (/32, /128) per address of a
 * ready VIP, in a routing table of the operator's choosing, with a protocol
 * number of xlb's own. The host's routing daemon takes the table (BIRD's
 * kernel protocol with `learn`, FRR's `ip import-table`) and announces it by
 * BGP. No rule consults the table: the routes change nothing this host
 * forwards; they are a signal to the routing daemon.
 *
 * xlbd is the only writer of its protocol's routes in its table: a sync
 * removes every such route that no ready VIP wants, so a restart after
 * kill -9 converges on the running state.
 */
#ifndef XLB_ANNOUNCE_H
#define XLB_ANNOUNCE_H

#include <stdbool.h>
#include <stddef.h>
#include <xlb/ctl.h>

#include "rtnl.h"
#include "state.h"

/* rtm_protocol of xlb's routes. In the "user" range past every number
 * iproute2, BIRD and FRR use; name it for `ip route` with
 * `echo "245 xlb" > /etc/iproute2/rt_protos.d/xlb.conf`. */
#define XLB_RTPROT 245

/* Tables xlb refuses: unspec, default, main and local route real traffic. */
#define XLB_ANNOUNCE_TABLE_DEFAULT 253
#define XLB_ANNOUNCE_TABLE_MAIN	   254
#define XLB_ANNOUNCE_TABLE_LOCAL   255

struct xlb_announce {
	__u32 table;		 /* 0: announcing is off */
	struct rtnl_route *have; /* our routes in the table after the last sync, sorted */
	size_t nr_have;
	struct rtnl_route *buf; /* room for a dump and the wanted set */
	size_t cap;
};

/* table 0 leaves announcing off (every call then does nothing). */
int announce__init(struct xlb_announce *a, __u32 table);
void announce__fini(struct xlb_announce *a);
/* An operator's table number: 1..2^32-1 but not 253, 254 or 255. Returns
 * 0 or -EINVAL with why (a constant string). */
int announce__check_table(unsigned long table, const char **why);

/* What `xlbctl vip show` says of v (attached: the program is). */
enum xlb_announce_state announce__vip_state(const struct xlb_announce *a, const struct state_vip *v,
					    bool attached);

/* Makes the table hold one route per address of a ready VIP of s, and no
 * other of ours (none at all while detached). Every difference is
 * attempted; returns 0 or the first error (the next sync retries). */
int announce__sync(struct xlb_announce *a, const struct xlb_state *s, bool attached);
/* Removes every route of ours from the table (--withdraw-on-stop). */
int announce__withdraw_all(struct xlb_announce *a);

#endif /* XLB_ANNOUNCE_H */
