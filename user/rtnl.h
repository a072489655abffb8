/* SPDX-License-Identifier: MIT */
/*
 * rtnetlink through libmnl: routes, managed neighbours and links of the
 * caller's network namespace (device facts come from netlink, never from
 * /sys/class/net, which under `nsenter --net` shows the host's devices).
 */
#ifndef XLB_RTNL_H
#define XLB_RTNL_H

#include <stddef.h>
#include <xlb/abi.h>

/* Legs of a route kept: a multipath route's beyond them are not prepared. */
#define RTNL_NEXTHOPS_MAX 16

struct rtnl_nexthop {
	int ifindex;
	int has_gateway;
	struct xlb_addr via; /* the gateway, or dst itself when on-link */
};

/* The next hops of the route toward dst as the FIB holds it: one, or every
 * live leg of a multipath route (up to max); for a nexthop object the
 * kernel does not expand (nexthop_compat_mode 0), the leg its lookup picks.
 * family is enum xlb_family. */
int rtnl__route_nexthops(int family, const struct xlb_addr *dst, struct rtnl_nexthop *hops,
			 size_t max, size_t *n);
/* The first of them: egress ifindex and gateway. */
int rtnl__route_get(int family, const struct xlb_addr *dst, int *ifindex, struct xlb_addr *via);

/* Ensures a kernel-managed neighbour entry for addr on ifindex (like
 * `ip neigh replace ADDR dev DEV managed`): resolved and kept resolved without
 * traffic, so bpf_fib_lookup finds it. An existing resolved entry is kept. */
int rtnl__neigh_managed(int family, const struct xlb_addr *addr, int ifindex);
int rtnl__neigh_delete(int family, const struct xlb_addr *addr, int ifindex);

/* Route lookup + a managed neighbour on every next hop of the route; their
 * egress devices in ifindexes[max], *n of them. What xlbd does for every
 * backend. A leg that fails is left out and its error returned, the
 * others still prepared. */
int rtnl__prepare_nexthops(int family, const struct xlb_addr *backend, int *ifindexes, size_t max,
			   size_t *n);

struct rtnl_link {
	int ifindex;
	char name[16];
	unsigned int mtu;
	int up;
	int loopback;
	int vlan_id;	  /* -1 unless a VLAN device */
	int vlan_proto;	  /* a VLAN device's tag protocol, host order (ETH_P_8021Q) */
	int link_ifindex; /* lower device of a VLAN device, else 0 */
	int link_netnsid; /* namespace of that lower device if another, else -1 */
};
/* Dumps the namespace's links into out[max]; sets *n. */
int rtnl__links(struct rtnl_link *out, size_t max, size_t *n);
int rtnl__link_by_name(const char *name, struct rtnl_link *out);
int rtnl__link_by_index(int ifindex, struct rtnl_link *out);
/* One RTM_NEWLINK message into *out, every attribute checked; -EINVAL when
 * malformed. What the three calls above use, exposed for tests (the test
 * kernel has no VLAN devices to dump). */
struct nlmsghdr;
int rtnl__link_parse(const struct nlmsghdr *nlh, struct rtnl_link *out);

/* A host route of one protocol in one table: what xlb announces. */
struct rtnl_route {
	__u8 family; /* enum xlb_family */
	struct xlb_addr dst;
};

/* Adds a blackhole host route (/32 or /128) to dst in table with protocol
 * proto; -EEXIST if the table has a route to dst already (anyone's). */
int rtnl__route_add(const struct rtnl_route *r, __u32 table, __u8 proto);
/* Removes the host route to dst of protocol proto from table; a route of
 * another protocol is never touched. -ESRCH if there is none. */
int rtnl__route_del(const struct rtnl_route *r, __u32 table, __u8 proto);
/* The host routes of protocol proto in table, both families, into
 * out[max]; sets *n. -ENOSPC (with *n = max) if there are more. */
int rtnl__route_dump(__u32 table, __u8 proto, struct rtnl_route *out, size_t max, size_t *n);

/* IPv4 and IPv6 forwarding on (bpf_fib_lookup needs it). */
int sysctl__enable_forwarding(void);

#endif /* XLB_RTNL_H */
