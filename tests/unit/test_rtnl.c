// SPDX-License-Identifier: MIT
/*
 * rtnetlink against the kernel: every test makes its own network namespace
 * (unshare) with veth pairs; neighbour resolution needs a peer that answers,
 * so those tests move the far end into a named namespace of their own.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <criterion/criterion.h>
#include <libmnl/libmnl.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "rtnl.h"

#define CMD_MAX	     512
#define LINE_MAX_LEN 512
/* IPv6 often resolves on the second solicitation, 1 s after the first. */
#define NEIGH_WAIT_TRIES   250
#define NEIGH_WAIT_STEP_NS 20000000L /* 20 ms: 5 s in all */
#define XA_MTU		   1400
#define DEFAULT_MTU	   1500
#define LINKS_ROOM	   16

#define PEER_MAC "02:00:00:00:00:0b"
#define XA4	 "198.18.1.1"
#define PEER4	 "198.18.1.2"
#define XA6	 "2001:2:0:1::1"
#define PEER6	 "2001:2:0:1::2"

static char peer_ns[64];

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	char cmd[CMD_MAX];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	cr_assert_eq(rc, 0, "`%s` failed (%d)", cmd, rc);
}

static void enter_own_netns(void)
{
	cr_assert_eq(unshare(CLONE_NEWNET), 0, "unshare: %s", strerror(errno));
	sh("ip link set lo up");
}

static void remove_peer_ns(void)
{
	char cmd[CMD_MAX];

	if (!peer_ns[0])
		return;
	snprintf(cmd, sizeof(cmd), "ip netns del %s", peer_ns);
	if (system(cmd))
		fprintf(stderr, "could not remove namespace %s\n", peer_ns);
}

TestSuite(rtnl, .init = enter_own_netns, .fini = remove_peer_ns, .timeout = 30);

/* xa (198.18.1.1, 2001:2:0:1::1) <-> xb. With a peer namespace, xb lives
 * there with .2 and answers ARP / ND; else xb stays here, up, unaddressed. */
static void make_pair(int with_peer)
{
	sh("ip link add xa type veth peer name xb");
	sh("ip link set xb address " PEER_MAC);
	sh("ip link set xa mtu %d up", XA_MTU);
	sh("ip addr add " XA4 "/24 dev xa");
	sh("ip addr add " XA6 "/64 dev xa nodad");
	if (!with_peer) {
		sh("ip link set xb up");
		return;
	}
	snprintf(peer_ns, sizeof(peer_ns), "xlbt-rtnl-%d", getpid());
	sh("ip netns add %s", peer_ns);
	sh("ip link set xb netns %s", peer_ns);
	sh("ip -n %s link set xb up", peer_ns);
	sh("ip -n %s addr add " PEER4 "/24 dev xb", peer_ns);
	sh("ip -n %s addr add " PEER6 "/64 dev xb nodad", peer_ns);
}

/* A second pair, ya <-> yb, whose subnet holds the gateways. */
static void make_gateway_pair(void)
{
	sh("ip link add ya type veth peer name yb");
	sh("ip link set ya up");
	sh("ip link set yb up");
	sh("ip addr add 198.18.2.1/24 dev ya");
	sh("ip addr add 2001:2:0:2::1/64 dev ya nodad");
	sh("ip route add 198.19.7.0/24 via 198.18.2.254");
	sh("ip -6 route add 2001:2:0:7::/64 via 2001:2:0:2::fe");
}

static struct xlb_addr addr(int family, const char *s)
{
	struct xlb_addr a = {0};

	cr_assert_eq(inet_pton(family == XLB_AF_INET ? AF_INET : AF_INET6, s, &a), 1, "%s", s);
	return a;
}

static int ifindex(const char *name)
{
	int i = if_nametoindex(name);

	cr_assert_gt(i, 0, "no device %s", name);
	return i;
}

static void check_route(int family, const char *dst, const char *want_dev, const char *want_via)
{
	struct xlb_addr d = addr(family, dst), via, want = addr(family, want_via);
	int oif = 0;

	memset(&via, 0xaa, sizeof(via));
	cr_assert_eq(rtnl__route_get(family, &d, &oif, &via), 0, "route to %s", dst);
	cr_assert_eq(oif, ifindex(want_dev), "route to %s: ifindex %d", dst, oif);
	cr_assert_arr_eq(&via, &want, sizeof(via), "route to %s: wrong via", dst);
}

Test(rtnl, route_onlink)
{
	make_pair(0);
	make_gateway_pair();
	check_route(XLB_AF_INET, "198.18.1.77", "xa", "198.18.1.77");
	check_route(XLB_AF_INET6, "2001:2:0:1::77", "xa", "2001:2:0:1::77");
	check_route(XLB_AF_INET, "198.18.2.9", "ya", "198.18.2.9");
}

Test(rtnl, route_via_gateway)
{
	make_pair(0);
	make_gateway_pair();
	check_route(XLB_AF_INET, "198.19.7.7", "ya", "198.18.2.254");
	check_route(XLB_AF_INET6, "2001:2:0:7::7", "ya", "2001:2:0:2::fe");
}

Test(rtnl, route_none)
{
	struct xlb_addr d, via;
	int oif;

	make_pair(0);
	d = addr(XLB_AF_INET, "198.19.200.1");
	cr_assert_lt(rtnl__route_get(XLB_AF_INET, &d, &oif, &via), 0, "no route, yet found");
	d = addr(XLB_AF_INET6, "2001:2:0:200::1");
	cr_assert_lt(rtnl__route_get(XLB_AF_INET6, &d, &oif, &via), 0, "no route, yet found");
	/* Our own address: a local route, not a next hop. */
	d = addr(XLB_AF_INET, XA4);
	cr_assert_eq(rtnl__route_get(XLB_AF_INET, &d, &oif, &via), -EHOSTUNREACH);
}

/* The kernel's view of one neighbour on xa, as `ip neigh` prints it
 * ("LLADDR-and-flags STATE"), or "" when there is none. */
static void neigh_show_on(const char *a, const char *dev, char *line, size_t len)
{
	char cmd[CMD_MAX];
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ip neigh show to %s dev %s", a, dev);
	f = popen(cmd, "r");
	cr_assert_not_null(f);
	if (!fgets(line, len, f))
		line[0] = '\0';
	cr_assert_eq(pclose(f), 0, "%s", cmd);
}

static void neigh_show(const char *a, char *line, size_t len)
{
	neigh_show_on(a, "xa", line, len);
}

static int resolved(const char *line)
{
	return strstr(line, "REACHABLE") || strstr(line, "STALE") || strstr(line, "DELAY") ||
	       strstr(line, "PROBE");
}

/* Waits, bounded, for the kernel to resolve the entry without any traffic
 * of ours; returns its last line. */
static void wait_resolved(const char *a, char *line, size_t len)
{
	struct timespec step = {0, NEIGH_WAIT_STEP_NS};
	int i;

	for (i = 0; i < NEIGH_WAIT_TRIES; i++) {
		neigh_show(a, line, len);
		if (resolved(line))
			return;
		nanosleep(&step, NULL);
	}
}

static void check_managed_resolves(int family, const char *a)
{
	struct xlb_addr n = addr(family, a);
	char line[LINE_MAX_LEN];

	neigh_show(a, line, sizeof(line));
	cr_assert_str_empty(line, "entry before the test: %s", line);
	cr_assert_eq(rtnl__neigh_managed(family, &n, ifindex("xa")), 0);
	neigh_show(a, line, sizeof(line));
	cr_assert(strstr(line, " managed"), "%s: not managed: %s", a, line);
	wait_resolved(a, line, sizeof(line));
	cr_assert(resolved(line), "%s: not resolved: %s", a, line);
	cr_assert(strstr(line, "lladdr " PEER_MAC), "%s: wrong lladdr: %s", a, line);
	cr_assert(strstr(line, " managed"), "%s: no longer managed: %s", a, line);
}

Test(rtnl, neigh_managed_resolves_ipv4)
{
	make_pair(1);
	check_managed_resolves(XLB_AF_INET, PEER4);
}

Test(rtnl, neigh_managed_resolves_ipv6)
{
	make_pair(1);
	check_managed_resolves(XLB_AF_INET6, PEER6);
}

/* An operator's permanent entry survives both calls untouched. */
Test(rtnl, neigh_keeps_permanent)
{
	static const char *const addrs[] = {"198.18.1.3", "2001:2:0:1::3"};
	static const int families[] = {XLB_AF_INET, XLB_AF_INET6};
	char line[LINE_MAX_LEN];
	int i;

	make_pair(0);
	for (i = 0; i < 2; i++) {
		struct xlb_addr n = addr(families[i], addrs[i]);

		sh("ip neigh add %s lladdr 02:00:00:00:00:33 dev xa nud permanent", addrs[i]);
		cr_assert_eq(rtnl__neigh_managed(families[i], &n, ifindex("xa")), 0);
		neigh_show(addrs[i], line, sizeof(line));
		cr_assert(strstr(line, "lladdr 02:00:00:00:00:33") && strstr(line, "PERMANENT") &&
				  !strstr(line, "managed"),
			  "permanent entry changed: %s", line);
		cr_assert_eq(rtnl__neigh_delete(families[i], &n, ifindex("xa")), 0);
		neigh_show(addrs[i], line, sizeof(line));
		cr_assert(strstr(line, "PERMANENT"), "permanent entry deleted: %s", line);
	}
}

Test(rtnl, neigh_delete)
{
	struct xlb_addr n = addr(XLB_AF_INET, "198.18.1.4");
	char line[LINE_MAX_LEN];

	make_pair(0);
	cr_assert_eq(rtnl__neigh_managed(XLB_AF_INET, &n, ifindex("xa")), 0);
	neigh_show("198.18.1.4", line, sizeof(line));
	cr_assert(strstr(line, "managed"), "not created: %s", line);
	cr_assert_eq(rtnl__neigh_delete(XLB_AF_INET, &n, ifindex("xa")), 0);
	neigh_show("198.18.1.4", line, sizeof(line));
	cr_assert_str_empty(line, "still there: %s", line);
	cr_assert_eq(rtnl__neigh_delete(XLB_AF_INET, &n, ifindex("xa")), 0, "missing entry");
}

/* What xlbd does for a backend behind a router: the managed entry is the
 * router's, and it resolves. */
Test(rtnl, prepare_nexthop_via_gateway)
{
	struct xlb_addr backend = addr(XLB_AF_INET, "198.19.9.9");
	char line[LINE_MAX_LEN];
	int oif = 0;
	size_t n = 0;

	make_pair(1);
	sh("ip route add 198.19.9.0/24 via " PEER4);
	cr_assert_eq(rtnl__prepare_nexthops(XLB_AF_INET, &backend, &oif, 1, &n), 0);
	cr_assert_eq(n, 1);
	cr_assert_eq(oif, ifindex("xa"));
	neigh_show("198.19.9.9", line, sizeof(line));
	cr_assert_str_empty(line, "entry for the backend itself: %s", line);
	neigh_show(PEER4, line, sizeof(line));
	cr_assert(strstr(line, " managed"), "gateway not managed: %s", line);
	wait_resolved(PEER4, line, sizeof(line));
	cr_assert(resolved(line), "gateway not resolved: %s", line);
}

/* A multipath (ECMP) route: bpf_fib_lookup spreads flows over every leg,
 * so each leg's gateway gets its managed entry and each device comes back;
 * a plain lookup would have given one leg. */
static void multipath(int family, const char *backend_s, const char *gw_x, const char *gw_y)
{
	struct xlb_addr backend = addr(family, backend_s);
	int legs[RTNL_NEXTHOPS_MAX];
	char line[LINE_MAX_LEN];
	size_t n = 0;

	make_pair(0);
	make_gateway_pair();
	sh("ip %s route add %s/%d nexthop via %s dev xa nexthop via %s dev ya",
	   family == XLB_AF_INET ? "-4" : "-6", backend_s, family == XLB_AF_INET ? 24 : 64, gw_x,
	   gw_y);
	cr_assert_eq(rtnl__prepare_nexthops(family, &backend, legs, RTNL_NEXTHOPS_MAX, &n), 0);
	cr_assert_eq(n, 2, "%zu legs", n);
	cr_assert((legs[0] == ifindex("xa") && legs[1] == ifindex("ya")) ||
			  (legs[0] == ifindex("ya") && legs[1] == ifindex("xa")),
		  "legs %d %d", legs[0], legs[1]);
	neigh_show_on(gw_x, "xa", line, sizeof(line));
	cr_assert(strstr(line, " managed"), "first leg's gateway not managed: '%s'", line);
	neigh_show_on(gw_y, "ya", line, sizeof(line));
	cr_assert(strstr(line, " managed"), "second leg's gateway not managed: '%s'", line);
}

Test(rtnl, prepare_nexthops_every_leg_of_a_multipath_route_v4)
{
	multipath(XLB_AF_INET, "198.19.8.0", PEER4, "198.18.2.254");
}

Test(rtnl, prepare_nexthops_every_leg_of_a_multipath_route_v6)
{
	multipath(XLB_AF_INET6, "2001:2:0:8::", PEER6, "2001:2:0:2::fe");
}

/* A route through a nexthop object, as FRR installs them, on a kernel told
 * not to expand it in replies (nexthop_compat_mode 0): the leg the plain
 * lookup resolves to is prepared (the fib-match reply names only its id). */
static void nexthop_object(int family, const char *net, const char *gw)
{
	struct xlb_addr backend = addr(family, net);
	char line[LINE_MAX_LEN];
	size_t n = 0;
	int leg = 0;

	make_pair(0);
	sh("sysctl -q -w net.ipv4.nexthop_compat_mode=0");
	sh("ip nexthop add id 1 via %s dev xa", gw);
	sh("ip %s route add %s/%d nhid 1", family == XLB_AF_INET ? "-4" : "-6", net,
	   family == XLB_AF_INET ? 24 : 64);
	cr_assert_eq(rtnl__prepare_nexthops(family, &backend, &leg, 1, &n), 0);
	cr_assert_eq(n, 1);
	cr_assert_eq(leg, ifindex("xa"));
	neigh_show(gw, line, sizeof(line));
	cr_assert(strstr(line, " managed"), "gateway not managed: '%s'", line);
}

Test(rtnl, prepare_nexthops_nexthop_object_v4)
{
	nexthop_object(XLB_AF_INET, "198.19.6.0", PEER4);
}

Test(rtnl, prepare_nexthops_nexthop_object_v6)
{
	nexthop_object(XLB_AF_INET6, "2001:2:0:6::", PEER6);
}

static const struct rtnl_link *find_link(const struct rtnl_link *l, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(l[i].name, name))
			return &l[i];
	return NULL;
}

Test(rtnl, links)
{
	struct rtnl_link links[LINKS_ROOM];
	const struct rtnl_link *xa, *xb, *lo;
	size_t n = 0;

	make_pair(0);
	sh("ip link set xb down");
	cr_assert_eq(rtnl__links(links, LINKS_ROOM, &n), 0);
	cr_assert_eq(n, 3, "links: %zu, want lo, xa, xb", n);
	xa = find_link(links, n, "xa");
	xb = find_link(links, n, "xb");
	lo = find_link(links, n, "lo");
	cr_assert(xa && xb && lo);
	cr_assert_eq(xa->ifindex, ifindex("xa"));
	cr_assert_eq(xa->mtu, XA_MTU);
	cr_assert(xa->up && !xa->loopback);
	cr_assert_eq(xa->vlan_id, -1);
	cr_assert_eq(xa->link_ifindex, 0);
	cr_assert_eq(xb->ifindex, ifindex("xb"));
	cr_assert_eq(xb->mtu, DEFAULT_MTU);
	cr_assert(!xb->up);
	cr_assert(lo->loopback && lo->up);

	cr_assert_eq(rtnl__links(links, 2, &n), -ENOSPC);
	cr_assert_eq(n, 2);
}

Test(rtnl, link_by_name)
{
	struct rtnl_link l;

	make_pair(0);
	memset(&l, 0, sizeof(l));
	cr_assert_eq(rtnl__link_by_name("xa", &l), 0);
	cr_assert_str_eq(l.name, "xa");
	cr_assert_eq(l.ifindex, ifindex("xa"));
	cr_assert_eq(l.mtu, XA_MTU);
	cr_assert(l.up);
	cr_assert_eq(rtnl__link_by_name("xlbt-nosuch", &l), -ENODEV);
}

Test(rtnl, link_by_index)
{
	struct rtnl_link l;

	make_pair(0);
	memset(&l, 0, sizeof(l));
	cr_assert_eq(rtnl__link_by_index(ifindex("xa"), &l), 0);
	cr_assert_str_eq(l.name, "xa");
	cr_assert_eq(l.mtu, XA_MTU);
	cr_assert_eq(l.vlan_id, -1, "a veth is no VLAN device");
	cr_assert_eq(rtnl__link_by_index(INT32_MAX, &l), -ENODEV);
	cr_assert_eq(rtnl__link_by_index(0, &l), -EINVAL);
}

/* The test kernel has no 8021q: a VLAN link message is made by hand. */
static struct nlmsghdr *link_msg(char *buf, const char *kind, int vlan_attr_bytes)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	struct nlattr *info, *data;

	nlh->nlmsg_type = RTM_NEWLINK;
	ifi->ifi_index = 9;
	ifi->ifi_flags = IFF_UP;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "eth0.42");
	mnl_attr_put_u32(nlh, IFLA_MTU, DEFAULT_MTU);
	mnl_attr_put_u32(nlh, IFLA_LINK, 7);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
	if (vlan_attr_bytes) {
		data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
		if (vlan_attr_bytes == sizeof(__u16))
			mnl_attr_put_u16(nlh, IFLA_VLAN_ID, 42);
		else
			mnl_attr_put_u32(nlh, IFLA_VLAN_ID, 42);
		mnl_attr_nest_end(nlh, data);
	}
	mnl_attr_nest_end(nlh, info);
	return nlh;
}

Test(rtnl, link_parse_vlan)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct rtnl_link l;

	cr_assert_eq(rtnl__link_parse(link_msg(buf, "vlan", sizeof(__u16)), &l), 0);
	cr_assert_str_eq(l.name, "eth0.42");
	cr_assert_eq(l.ifindex, 9);
	cr_assert_eq(l.vlan_id, 42);
	cr_assert_eq(l.link_ifindex, 7);
	cr_assert(l.up && !l.loopback);

	/* Another kind's IFLA_LINK is not a lower device. */
	cr_assert_eq(rtnl__link_parse(link_msg(buf, "veth", 0), &l), 0);
	cr_assert_eq(l.vlan_id, -1);
	cr_assert_eq(l.link_ifindex, 0);

	cr_assert_eq(rtnl__link_parse(link_msg(buf, "vlan", 0), &l), -EINVAL, "no VLAN id");
	cr_assert_eq(rtnl__link_parse(link_msg(buf, "vlan", sizeof(__u32)), &l), -EINVAL,
		     "4-byte VLAN id accepted");
}

/* The tag protocol (802.1Q unless the message says) and a lower device in
 * another namespace: what decides whether the program can send for it. */
Test(rtnl, link_parse_vlan_protocol_and_namespace)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct nlattr *info, *data;
	struct rtnl_link l;

	cr_assert_eq(rtnl__link_parse(link_msg(buf, "vlan", sizeof(__u16)), &l), 0);
	cr_assert_eq(l.vlan_proto, ETH_P_8021Q);
	cr_assert_eq(l.link_netnsid, -1);

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "eth0.42");
	mnl_attr_put_u32(nlh, IFLA_LINK, 7);
	mnl_attr_put_u32(nlh, IFLA_LINK_NETNSID, 3);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "vlan");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u16(nlh, IFLA_VLAN_ID, 42);
	mnl_attr_put_u16(nlh, IFLA_VLAN_PROTOCOL, htons(ETH_P_8021AD));
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	cr_assert_eq(rtnl__link_parse(nlh, &l), 0);
	cr_assert_eq(l.vlan_proto, ETH_P_8021AD, "protocol 0x%x", l.vlan_proto);
	cr_assert_eq(l.link_netnsid, 3);
	cr_assert_eq(l.link_ifindex, 7);
}

Test(rtnl, link_parse_rejects_bad_lengths)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	struct rtnl_link l;

	nlh->nlmsg_type = RTM_NEWLINK;
	ifi->ifi_index = 3;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "xa");
	mnl_attr_put_u16(nlh, IFLA_MTU, DEFAULT_MTU);
	cr_assert_eq(rtnl__link_parse(nlh, &l), -EINVAL, "2-byte MTU accepted");

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	mnl_attr_put(nlh, IFLA_IFNAME, 2, "xa"); /* not NUL-terminated */
	cr_assert_eq(rtnl__link_parse(nlh, &l), -EINVAL, "unterminated name accepted");

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_len = mnl_nlmsg_size(sizeof(*ifi) / 2);
	cr_assert_eq(rtnl__link_parse(nlh, &l), -EINVAL, "short message accepted");
}

static int read_sysctl(const char *path)
{
	char buf[16] = {0};
	int fd = open(path, O_RDONLY);

	cr_assert_geq(fd, 0, "%s", path);
	cr_assert_gt(read(fd, buf, sizeof(buf) - 1), 0, "%s", path);
	close(fd);
	return atoi(buf);
}

static void write_sysctl(const char *path, const char *v)
{
	int fd = open(path, O_WRONLY);

	cr_assert_geq(fd, 0, "%s", path);
	cr_assert_eq(write(fd, v, strlen(v)), (ssize_t)strlen(v), "%s", path);
	close(fd);
}

Test(rtnl, forwarding)
{
	static const char *const paths[] = {
		"/proc/sys/net/ipv4/conf/all/forwarding",
		"/proc/sys/net/ipv6/conf/all/forwarding",
		"/proc/sys/net/ipv4/conf/xa/forwarding",
		"/proc/sys/net/ipv6/conf/xa/forwarding",
	};
	size_t i;

	make_pair(0);
	write_sysctl(paths[0], "0");
	write_sysctl(paths[1], "0");
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		cr_assert_eq(read_sysctl(paths[i]), 0, "%s not reset", paths[i]);
	cr_assert_eq(sysctl__enable_forwarding(), 0);
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		cr_assert_eq(read_sysctl(paths[i]), 1, "%s", paths[i]);
}
