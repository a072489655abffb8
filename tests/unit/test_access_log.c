// SPDX-License-Identifier: MIT
/*
 * The access log's lines (user/access_log.c): every field from a sample and
 * the model's entries, IPv6 in brackets, a port-0 backend, a VIP or backend
 * gone from the model, the monotonic-to-wall time conversion.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>

#include "access_log.h"
#include "state.h"

#define WALL_2026_11_24_10H 1795514400LL /* 2026-11-24T10:00:00Z */
#define NS		    1000000000LL
#define KTIME		    (5 * NS + 123456789) /* 5.123456789 s after boot */
/* so that KTIME is 2026-11-24T10:00:00.123456789Z */
#define OFFSET (WALL_2026_11_24_10H * NS - 5 * NS)

static void addr_of(const char *s, __u8 family, struct xlb_addr *a)
{
	memset(a, 0, sizeof(*a));
	cr_assert_eq(inet_pton(family == XLB_AF_INET ? AF_INET : AF_INET6, s, a->a), 1, "%s", s);
}

static void sample(struct xlb_flow_sample *s, __u8 family, const char *src, __u16 sport,
		   const char *dst, __u16 dport, __u8 proto)
{
	memset(s, 0, sizeof(*s));
	s->ktime_ns = KTIME;
	addr_of(src, family, &s->src);
	addr_of(dst, family, &s->dst);
	s->sport = htons(sport);
	s->dport = htons(dport);
	s->vip_id = 1;
	s->backend_id = 2;
	s->family = family;
	s->proto = proto;
}

static void vip(struct state_vip *v, __u8 family, const char *addr, __u16 port, __u8 proto)
{
	memset(v, 0, sizeof(*v));
	v->id = 1;
	addr_of(addr, family, &v->key.addr);
	v->key.port = htons(port);
	v->key.proto = proto;
	v->key.family = family;
}

static void backend(struct state_backend *b, __u8 family, const char *addr, __u16 port)
{
	memset(b, 0, sizeof(*b));
	b->id = 2;
	addr_of(addr, family, &b->addr);
	b->port = htons(port);
	b->family = family;
}

static void expect_line(const struct xlb_flow_sample *s, const struct state_vip *v,
			const struct state_backend *b, const char *want)
{
	char buf[XLB_ACCESS_LOG_LINE_MAX];
	int n;

	n = xlb_access_log__format(s, v, b, OFFSET, buf, sizeof(buf));
	cr_assert_eq(n, (int)strlen(want), "length %d, want %zu: %s", n, strlen(want), buf);
	cr_assert_str_eq(buf, want);
}

Test(access_log, ipv4_tcp)
{
	struct xlb_flow_sample s;
	struct state_vip v;
	struct state_backend b;

	sample(&s, XLB_AF_INET, "198.18.0.1", 40000, "198.18.1.10", 80, IPPROTO_TCP);
	vip(&v, XLB_AF_INET, "198.18.1.10", 80, IPPROTO_TCP);
	backend(&b, XLB_AF_INET, "198.19.0.11", 8080);
	expect_line(&s, &v, &b,
		    "{\"time\":\"2026-11-24T10:00:00.123456Z\",\"client\":\"198.18.0.1:40000\","
		    "\"vip\":\"198.18.1.10:80/tcp\",\"backend\":\"198.19.0.11:8080\","
		    "\"proto\":\"tcp\"}\n");
}

/* IPv6 in brackets; a port-0 VIP keeps its own name; a port-0 backend is
 * shown with the port the flow goes to (the packet's). */
Test(access_log, ipv6_udp_port0)
{
	struct xlb_flow_sample s;
	struct state_vip v;
	struct state_backend b;

	sample(&s, XLB_AF_INET6, "2001:2::1", 5353, "2001:2:0:100::1", 53, IPPROTO_UDP);
	vip(&v, XLB_AF_INET6, "2001:2:0:100::1", 0, IPPROTO_UDP);
	backend(&b, XLB_AF_INET6, "2001:2:0:1::10", 0);
	expect_line(&s, &v, &b,
		    "{\"time\":\"2026-11-24T10:00:00.123456Z\",\"client\":\"[2001:2::1]:5353\","
		    "\"vip\":\"[2001:2:0:100::1]:0/udp\",\"backend\":\"[2001:2:0:1::10]:53\","
		    "\"proto\":\"udp\"}\n");
}

/* Removed since the sample: the VIP is named from the packet, the backend
 * is null (still valid JSON). */
Test(access_log, gone_from_model)
{
	struct xlb_flow_sample s;

	sample(&s, XLB_AF_INET, "198.18.0.1", 40000, "198.18.1.10", 443, IPPROTO_TCP);
	expect_line(&s, NULL, NULL,
		    "{\"time\":\"2026-11-24T10:00:00.123456Z\",\"client\":\"198.18.0.1:40000\","
		    "\"vip\":\"198.18.1.10:443/tcp\",\"backend\":null,\"proto\":\"tcp\"}\n");
}

Test(access_log, buffer_too_small)
{
	struct xlb_flow_sample s;
	char buf[32];

	sample(&s, XLB_AF_INET, "198.18.0.1", 40000, "198.18.1.10", 80, IPPROTO_TCP);
	cr_assert_eq(xlb_access_log__format(&s, NULL, NULL, OFFSET, buf, sizeof(buf)), -ENOSPC);
}

/* The offset is the one the clocks have now: a sample taken now is now. */
Test(access_log, clock_offset)
{
	struct timespec mono, real;
	__s64 off, now_real, got;

	cr_assert_eq(xlb_access_log__clock_offset(&off), 0);
	cr_assert_eq(clock_gettime(CLOCK_MONOTONIC, &mono), 0);
	cr_assert_eq(clock_gettime(CLOCK_REALTIME, &real), 0);
	now_real = real.tv_sec * NS + real.tv_nsec;
	got = mono.tv_sec * NS + mono.tv_nsec + off;
	cr_assert(got <= now_real && now_real - got < NS / 10, "offset off by %lld ns",
		  (long long)(now_real - got));
}
