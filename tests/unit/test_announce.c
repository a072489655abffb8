// SPDX-License-Identifier: MIT
/*
 * VIP announcement against the kernel: every test makes its own network
 * namespace (unshare) and reads the routing table back with `ip route`, so
 * the code is checked by another tool than its own dump.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <criterion/criterion.h>

#include "announce.h"
#include "rtnl.h"
#include "state.h"

#define CMD_MAX	   512
#define OUT_MAX	   4096
#define TABLE	   200
#define TABLE_HIGH 100000 /* past 255: only RTA_TABLE can name it */
#define VIP_PORT   80
#define ALT_PORT   443
#define DUMP_ROOM  16

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

/* A command's output, blanks squeezed, lines joined by ';'. */
static void out(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void out(char *buf, size_t len, const char *fmt, ...)
{
	char cmd[CMD_MAX], line[CMD_MAX];
	size_t used = 0;
	va_list ap;
	FILE *p;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	buf[0] = '\0';
	while (fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = '\0';
		while (line[0] && line[strlen(line) - 1] == ' ')
			line[strlen(line) - 1] = '\0';
		used += snprintf(buf + used, len - used, "%s%s", used ? ";" : "", line);
		cr_assert_lt(used, len);
	}
	cr_assert_eq(pclose(p), 0, "`%s` failed", cmd);
}

/* Our routes in table, both families, as `ip route` prints them (an IPv6
 * table that never held a route does not exist: an error, and nothing). */
static void ours(char *buf, size_t len, unsigned int table)
{
	out(buf, len,
	    "ip -4 route show table %u proto %d; ip -6 route show table %u proto %d 2>/dev/null "
	    "|| true",
	    table, XLB_RTPROT, table, XLB_RTPROT);
}

static void enter_own_netns(void)
{
	cr_assert_eq(unshare(CLONE_NEWNET), 0, "unshare: %s", strerror(errno));
	sh("ip link set lo up");
}

TestSuite(announce, .init = enter_own_netns, .timeout = 30);

static struct rtnl_route route(const char *addr)
{
	struct rtnl_route r = {0};
	bool v6 = strchr(addr, ':');

	r.family = v6 ? XLB_AF_INET6 : XLB_AF_INET;
	cr_assert_eq(inet_pton(v6 ? AF_INET6 : AF_INET, addr, &r.dst), 1, "%s", addr);
	return r;
}

static struct xlb_vip_key vip(const char *addr, int port)
{
	struct rtnl_route r = route(addr);
	struct xlb_vip_key k = {};

	k.addr = r.dst;
	k.family = r.family;
	k.port = htons((__u16)port);
	k.proto = IPPROTO_TCP;
	return k;
}

static void add_vip(struct xlb_state *s, const struct xlb_vip_key *k)
{
	struct xlb_errmsg e = {};

	cr_assert_eq(state__vip_add(s, k, XLB_MODE_IPIP, 0, &e), 0, "%s", e.text);
}

static void add_be(struct xlb_state *s, const struct xlb_vip_key *k, const char *addr, __u32 flags)
{
	struct rtnl_route r = route(addr);
	struct state_backend_spec b = {
		.addr = r.dst, .family = r.family, .weight = 1, .flags = flags};
	struct xlb_errmsg e = {};

	cr_assert_eq(state__backend_add(s, k, &b, &e), 0, "%s: %s", addr, e.text);
}

static enum xlb_announce_state state_of(const struct xlb_announce *a, const struct xlb_state *s,
					const struct xlb_vip_key *k, bool attached)
{
	const struct state_vip *v = state__vip_find(s, k);

	cr_assert_not_null(v);
	return announce__vip_state(a, v, attached);
}

Test(announce, route_add_dump_del)
{
	struct rtnl_route r4 = route("198.18.1.10"), r6 = route("2001:2:1::10"), got[DUMP_ROOM];
	char buf[OUT_MAX];
	size_t n;

	cr_assert_eq(rtnl__route_add(&r4, TABLE, XLB_RTPROT), 0);
	cr_assert_eq(rtnl__route_add(&r6, TABLE, XLB_RTPROT), 0);
	cr_assert_eq(rtnl__route_add(&r4, TABLE, XLB_RTPROT), -EEXIST);
	ours(buf, sizeof(buf), TABLE);
	cr_assert_str_eq(
		buf, "blackhole 198.18.1.10;blackhole 2001:2:1::10 dev lo metric 1024 pref medium");
	/* nothing in main, where traffic is routed */
	out(buf, sizeof(buf), "ip -4 route show table main; ip -6 route show table main proto %d",
	    XLB_RTPROT);
	cr_assert_str_eq(buf, "");

	cr_assert_eq(rtnl__route_dump(TABLE, XLB_RTPROT, got, DUMP_ROOM, &n), 0);
	cr_assert_eq(n, 2);
	cr_assert_eq(got[0].family, XLB_AF_INET);
	cr_assert(!memcmp(&got[0].dst, &r4.dst, sizeof(r4.dst)));
	cr_assert_eq(got[1].family, XLB_AF_INET6);
	cr_assert(!memcmp(&got[1].dst, &r6.dst, sizeof(r6.dst)));

	cr_assert_eq(rtnl__route_del(&r4, TABLE, XLB_RTPROT), 0);
	cr_assert_eq(rtnl__route_del(&r4, TABLE, XLB_RTPROT), -ESRCH);
	cr_assert_eq(rtnl__route_del(&r6, TABLE, XLB_RTPROT), 0);
	ours(buf, sizeof(buf), TABLE);
	cr_assert_str_eq(buf, "");
}

/* Another protocol's routes, in the same table or another table of ours,
 * are neither listed nor removed. */
Test(announce, other_routes_untouched)
{
	struct rtnl_route r4 = route("198.18.1.10"), r6 = route("2001:2:1::10"), got[DUMP_ROOM];
	char buf[OUT_MAX];
	size_t n;

	sh("ip route add blackhole 198.18.1.10/32 table %d proto static", TABLE);
	sh("ip -6 route add blackhole 2001:2:1::10/128 table %d proto static", TABLE);
	sh("ip route add blackhole 198.18.1.11/32 table %d proto %d", TABLE + 1, XLB_RTPROT);
	cr_assert_eq(rtnl__route_dump(TABLE, XLB_RTPROT, got, DUMP_ROOM, &n), 0);
	cr_assert_eq(n, 0);
	cr_assert_eq(rtnl__route_del(&r4, TABLE, XLB_RTPROT), -ESRCH);
	cr_assert_eq(rtnl__route_del(&r6, TABLE, XLB_RTPROT), -ESRCH);
	cr_assert_eq(rtnl__route_add(&r4, TABLE, XLB_RTPROT), -EEXIST);
	out(buf, sizeof(buf), "ip route show table %d; ip -6 route show table %d", TABLE, TABLE);
	cr_assert_str_eq(buf, "blackhole 198.18.1.10 proto static;"
			      "blackhole 2001:2:1::10 dev lo proto static metric 1024 pref medium");
}

Test(announce, table_past_255)
{
	struct rtnl_route r4 = route("198.18.1.10"), got[DUMP_ROOM];
	char buf[OUT_MAX];
	size_t n;

	cr_assert_eq(rtnl__route_add(&r4, TABLE_HIGH, XLB_RTPROT), 0);
	ours(buf, sizeof(buf), TABLE_HIGH);
	cr_assert_str_eq(buf, "blackhole 198.18.1.10");
	/* table_high % 256 is another table: nothing there */
	cr_assert_eq(rtnl__route_dump(TABLE_HIGH % 256, XLB_RTPROT, got, DUMP_ROOM, &n), 0);
	cr_assert_eq(n, 0);
	cr_assert_eq(rtnl__route_dump(TABLE_HIGH, XLB_RTPROT, got, DUMP_ROOM, &n), 0);
	cr_assert_eq(n, 1);
	cr_assert_eq(rtnl__route_del(&r4, TABLE_HIGH, XLB_RTPROT), 0);
}

Test(announce, dump_room)
{
	struct rtnl_route got[1];
	size_t n;

	sh("ip route add blackhole 198.18.1.10/32 table %d proto %d", TABLE, XLB_RTPROT);
	sh("ip route add blackhole 198.18.1.11/32 table %d proto %d", TABLE, XLB_RTPROT);
	cr_assert_eq(rtnl__route_dump(TABLE, XLB_RTPROT, got, 1, &n), -ENOSPC);
	cr_assert_eq(n, 1);
}

/*
 * The ready VIPs' addresses are announced, each once; a VIP whose backends
 * are all out of its ring, or which is `announce off`, is not; leftovers of
 * ours are removed, other routes kept.
 */
Test(announce, sync_ready_vips)
{
	struct xlb_vip_key a = vip("198.18.1.10", VIP_PORT), a2 = vip("198.18.1.10", ALT_PORT),
			   down = vip("198.18.1.11", VIP_PORT), off = vip("198.18.1.12", VIP_PORT),
			   empty = vip("198.18.1.13", VIP_PORT), v6 = vip("2001:2:1::10", VIP_PORT);
	struct state_backend_change chg = {.flags_clear = XLB_BE_F_ADMIN_DOWN};
	struct rtnl_route up = route("198.19.0.1");
	struct xlb_errmsg e = {};
	struct xlb_announce an;
	struct xlb_state s;
	char buf[OUT_MAX];

	cr_assert_eq(state__init(&s), 0);
	add_vip(&s, &a);
	add_be(&s, &a, "198.19.0.1", 0);
	add_vip(&s, &a2); /* same address, no backend: the address stays announced */
	add_vip(&s, &down);
	add_be(&s, &down, "198.19.0.1", XLB_BE_F_ADMIN_DOWN);
	add_be(&s, &down, "198.19.0.2", XLB_BE_F_DRAIN);
	add_vip(&s, &off);
	add_be(&s, &off, "198.19.0.1", 0);
	cr_assert_eq(state__vip_set_announce(&s, &off, false, &e), 0);
	add_vip(&s, &empty);
	add_vip(&s, &v6);
	add_be(&s, &v6, "2001:2:2::1", 0);
	/* a leftover of ours, and somebody else's route */
	sh("ip route add blackhole 198.18.9.9/32 table %d proto %d", TABLE, XLB_RTPROT);
	sh("ip route add blackhole 198.18.9.8/32 table %d proto static", TABLE);

	cr_assert_eq(announce__init(&an, TABLE), 0);
	cr_assert_eq(announce__sync(&an, &s, true), 0);
	ours(buf, sizeof(buf), TABLE);
	cr_assert_str_eq(
		buf, "blackhole 198.18.1.10;blackhole 2001:2:1::10 dev lo metric 1024 pref medium");
	out(buf, sizeof(buf), "ip route show table %d proto static", TABLE);
	cr_assert_str_eq(buf, "blackhole 198.18.9.8");
	cr_assert_eq(state_of(&an, &s, &a, true), XLB_ANNOUNCE_ANNOUNCED);
	cr_assert_eq(state_of(&an, &s, &a2, true), XLB_ANNOUNCE_NOT_READY);
	cr_assert_eq(state_of(&an, &s, &down, true), XLB_ANNOUNCE_NOT_READY);
	cr_assert_eq(state_of(&an, &s, &off, true), XLB_ANNOUNCE_WITHDRAWN);
	cr_assert_eq(state_of(&an, &s, &empty, true), XLB_ANNOUNCE_NOT_READY);
	cr_assert_eq(state_of(&an, &s, &v6, true), XLB_ANNOUNCE_ANNOUNCED);

	/* a second sync changes nothing; `announce on` and a backend up add */
	cr_assert_eq(announce__sync(&an, &s, true), 0);
	cr_assert_eq(state__vip_set_announce(&s, &off, true, &e), 0);
	cr_assert_eq(state__backend_set(&s, &down, XLB_AF_INET, &up.dst, 0, &chg, &e), 0, "%s",
		     e.text);
	cr_assert_eq(announce__sync(&an, &s, true), 0);
	ours(buf, sizeof(buf), TABLE);
	cr_assert_str_eq(buf, "blackhole 198.18.1.10;blackhole 198.18.1.11;blackhole 198.18.1.12;"
			      "blackhole 2001:2:1::10 dev lo metric 1024 pref medium");
	cr_assert_eq(state_of(&an, &s, &down, true), XLB_ANNOUNCE_ANNOUNCED);

	/* detached: nothing is ready */
	cr_assert_eq(announce__sync(&an, &s, false), 0);
	ours(buf, sizeof(buf), TABLE);
	cr_assert_str_eq(buf, "");
	cr_assert_eq(state_of(&an, &s, &a, false), XLB_ANNOUNCE_NOT_READY);

	cr_assert_eq(announce__sync(&an, &s, true), 0);
	cr_assert_eq(announce__withdraw_all(&an), 0);
	ours(buf, sizeof(buf), TABLE);
	cr_assert_str_eq(buf, "");
	announce__fini(&an);
	state__fini(&s);
}

/* Somebody else's route to a ready VIP: ours cannot be added, which the
 * VIP's state says, and the next sync after it is gone adds it. */
Test(announce, sync_blocked_then_retried)
{
	struct xlb_vip_key a = vip("198.18.1.10", VIP_PORT);
	struct xlb_announce an;
	struct xlb_state s;
	char buf[OUT_MAX];

	cr_assert_eq(state__init(&s), 0);
	add_vip(&s, &a);
	add_be(&s, &a, "198.19.0.1", 0);
	sh("ip route add blackhole 198.18.1.10/32 table %d proto static", TABLE);
	cr_assert_eq(announce__init(&an, TABLE), 0);
	cr_assert_eq(announce__sync(&an, &s, true), -EEXIST);
	cr_assert_eq(state_of(&an, &s, &a, true), XLB_ANNOUNCE_FAILED);
	sh("ip route del 198.18.1.10/32 table %d proto static", TABLE);
	cr_assert_eq(announce__sync(&an, &s, true), 0);
	cr_assert_eq(state_of(&an, &s, &a, true), XLB_ANNOUNCE_ANNOUNCED);
	ours(buf, sizeof(buf), TABLE);
	cr_assert_str_eq(buf, "blackhole 198.18.1.10");
	announce__fini(&an);
	state__fini(&s);
}

/* A route removed by hand comes back at the next sync. */
Test(announce, sync_repairs)
{
	struct xlb_vip_key a = vip("198.18.1.10", VIP_PORT);
	struct xlb_announce an;
	struct xlb_state s;
	char buf[OUT_MAX];

	cr_assert_eq(state__init(&s), 0);
	add_vip(&s, &a);
	add_be(&s, &a, "198.19.0.1", 0);
	cr_assert_eq(announce__init(&an, TABLE), 0);
	cr_assert_eq(announce__sync(&an, &s, true), 0);
	sh("ip route del 198.18.1.10/32 table %d", TABLE);
	cr_assert_eq(announce__sync(&an, &s, true), 0);
	ours(buf, sizeof(buf), TABLE);
	cr_assert_str_eq(buf, "blackhole 198.18.1.10");
	announce__fini(&an);
	state__fini(&s);
}

Test(announce, disabled_does_nothing)
{
	struct xlb_vip_key a = vip("198.18.1.10", VIP_PORT);
	struct xlb_announce an;
	struct xlb_state s;

	cr_assert_eq(state__init(&s), 0);
	add_vip(&s, &a);
	add_be(&s, &a, "198.19.0.1", 0);
	sh("ip route add blackhole 198.18.9.9/32 table %d proto %d", TABLE, XLB_RTPROT);
	cr_assert_eq(announce__init(&an, 0), 0);
	cr_assert_eq(announce__sync(&an, &s, true), 0);
	cr_assert_eq(announce__withdraw_all(&an), 0);
	cr_assert_eq(state_of(&an, &s, &a, true), XLB_ANNOUNCE_DISABLED);
	sh("ip route show table %d proto %d | grep -q 198.18.9.9", TABLE, XLB_RTPROT);
	announce__fini(&an);
	state__fini(&s);
}

Test(announce, check_table)
{
	const char *why;

	cr_assert_eq(announce__check_table(TABLE, &why), 0);
	cr_assert_eq(announce__check_table(TABLE_HIGH, &why), 0);
	cr_assert_eq(announce__check_table(0, &why), -EINVAL);
	cr_assert_eq(announce__check_table(XLB_ANNOUNCE_TABLE_MAIN, &why), -EINVAL);
	cr_assert_not_null(why);
	cr_assert_eq(announce__check_table(XLB_ANNOUNCE_TABLE_LOCAL, &why), -EINVAL);
	cr_assert_eq(announce__check_table(XLB_ANNOUNCE_TABLE_DEFAULT, &why), -EINVAL);
	cr_assert_eq(announce__check_table(1UL << 32, &why), -EINVAL);
}
