// SPDX-License-Identifier: MIT
/*
 * The backend-side decapsulation program (bpf/decap.bpf.c) through
 * BPF_PROG_TEST_RUN: exact frames in, exact frames and verdicts out, and
 * every counter checked after each run. Self-contained: its packet builders
 * are its own (prefixed dp_).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/if_ether.h>
#include <linux/in.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-qual"
#include "decap.skel.h"
#pragma GCC diagnostic pop
#include "decap.h"

#define DP_MAX	       2048
#define DP_ETH_HLEN    14
#define DP_VLAN_HLEN   4
#define DP_IP4_HLEN    20
#define DP_IP6_HLEN    40
#define DP_TCP_HLEN    20
#define DP_TTL	       64
#define DP_VLAN_TCI    0x0064 /* VLAN 100, priority 0 */
#define DP_IP_DF       0x4000
#define DP_IP_MF       0x2000
#define DP_ECN_ECT0    0x2
#define DP_ECN_CE      0x3
#define DP_CLIENT_PORT 40000
#define DP_VIP_PORT    80
#define DP_TCP_SYN     0x02
#define DP_TCP_DOFF    (5 << 4)
#define DP_TCP_WINDOW  65535

/* The lab's addresses: the lb derives its outer source from a prefix. */
#define LB4_PREFIX   "198.18.0.240/28"
#define LB4_SRC	     "198.18.0.254"
#define LB4_OTHER    "198.18.0.1" /* outside the prefix */
#define LB6_PREFIX   "2001:2::/64"
#define LB6_SRC	     "2001:2::fe"
#define LB6_OTHER    "2001:2:5::fe"
#define BACKEND4     "198.19.1.1"
#define BACKEND6     "2001:2:101::1"
#define CLIENT4	     "198.18.0.1"
#define CLIENT6	     "2001:2::1"
#define VIP4	     "198.18.1.10"
#define VIP6	     "2001:2:1::10"
#define VIP4_UNKNOWN "198.18.1.11"
#define VIP6_UNKNOWN "2001:2:1::11"

static const __u8 dp_dmac[ETH_ALEN] = {0x02, 0, 0, 0, 0, 0x02};
static const __u8 dp_smac[ETH_ALEN] = {0x02, 0, 0, 0, 0, 0x01};
static const char dp_payload[] = "GET / HTTP/1.0\r\n\r\n";

struct dp_pkt {
	__u8 b[DP_MAX];
	size_t len;
};

static struct decap_bpf *skel;
static struct decap_maps maps;

static void dp_put(struct dp_pkt *p, const void *d, size_t n)
{
	cr_assert_leq(p->len + n, sizeof(p->b));
	memcpy(p->b + p->len, d, n);
	p->len += n;
}

static void dp_put16(struct dp_pkt *p, __u16 host)
{
	__u16 v = htons(host);

	dp_put(p, &v, sizeof(v));
}

static void dp_addr(const char *s, int af, void *out)
{
	cr_assert_eq(inet_pton(af, s, out), 1, "bad test address %s", s);
}

static __u16 dp_csum(const __u8 *d, size_t n)
{
	__u32 sum = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (__u32)(d[i] << 8 | d[i + 1]);
	if (n & 1)
		sum += (__u32)d[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* Ethernet, then an 802.1Q tag when vlan, then ethertype. */
static void dp_eth(struct dp_pkt *p, int vlan, __u16 ethertype)
{
	dp_put(p, dp_dmac, ETH_ALEN);
	dp_put(p, dp_smac, ETH_ALEN);
	if (vlan) {
		dp_put16(p, ETH_P_8021Q);
		dp_put16(p, DP_VLAN_TCI);
	}
	dp_put16(p, ethertype);
}

static void dp_ip4(struct dp_pkt *p, const char *src, const char *dst, __u8 proto,
		   size_t payload_len, __u8 tos, __u16 frag)
{
	__u8 h[DP_IP4_HLEN] = {0x45, tos};
	__u16 tot = htons((__u16)(DP_IP4_HLEN + payload_len));
	__u16 f = htons(frag);
	__u16 c;

	memcpy(h + 2, &tot, sizeof(tot));
	memcpy(h + 6, &f, sizeof(f));
	h[8] = DP_TTL;
	h[9] = proto;
	dp_addr(src, AF_INET, h + 12);
	dp_addr(dst, AF_INET, h + 16);
	c = htons(dp_csum(h, sizeof(h)));
	memcpy(h + 10, &c, sizeof(c));
	dp_put(p, h, sizeof(h));
}

static void dp_ip6(struct dp_pkt *p, const char *src, const char *dst, __u8 nexthdr,
		   size_t payload_len, __u8 tclass)
{
	__u8 h[DP_IP6_HLEN] = {(__u8)(0x60 | tclass >> 4), (__u8)(tclass << 4)};
	__u16 plen = htons((__u16)payload_len);

	memcpy(h + 4, &plen, sizeof(plen));
	h[6] = nexthdr;
	h[7] = DP_TTL;
	dp_addr(src, AF_INET6, h + 8);
	dp_addr(dst, AF_INET6, h + 24);
	dp_put(p, h, sizeof(h));
}

/* A client's TCP segment with a request; its checksum is never looked at. */
static void dp_tcp(struct dp_pkt *p)
{
	__u8 h[DP_TCP_HLEN] = {0};
	__u16 sport = htons(DP_CLIENT_PORT), dport = htons(DP_VIP_PORT), win = htons(DP_TCP_WINDOW);

	memcpy(h, &sport, sizeof(sport));
	memcpy(h + 2, &dport, sizeof(dport));
	h[12] = DP_TCP_DOFF;
	h[13] = DP_TCP_SYN;
	memcpy(h + 14, &win, sizeof(win));
	dp_put(p, h, sizeof(h));
	dp_put(p, dp_payload, sizeof(dp_payload) - 1);
}

static const size_t dp_l4_len = DP_TCP_HLEN + sizeof(dp_payload) - 1;

/* The inner packets: client → VIP. */
static void dp_inner4(struct dp_pkt *p, const char *vip, __u8 tos)
{
	dp_ip4(p, CLIENT4, vip, IPPROTO_TCP, dp_l4_len, tos, DP_IP_DF);
	dp_tcp(p);
}

static void dp_inner6(struct dp_pkt *p, const char *vip, __u8 tclass)
{
	dp_ip6(p, CLIENT6, vip, IPPROTO_TCP, dp_l4_len, tclass);
	dp_tcp(p);
}

/* Frames as the lb sends them: Ethernet, outer header, inner packet. */
static void dp_encap4(struct dp_pkt *p, int vlan, const char *lb, __u8 proto, __u8 tos,
		      const struct dp_pkt *inner)
{
	dp_eth(p, vlan, ETH_P_IP);
	dp_ip4(p, lb, BACKEND4, proto, inner->len, tos, DP_IP_DF);
	dp_put(p, inner->b, inner->len);
}

static void dp_encap6(struct dp_pkt *p, int vlan, const char *lb, __u8 nexthdr, __u8 tclass,
		      const struct dp_pkt *inner)
{
	dp_eth(p, vlan, ETH_P_IPV6);
	dp_ip6(p, lb, BACKEND6, nexthdr, inner->len, tclass);
	dp_put(p, inner->b, inner->len);
}

/* What the kernel must get: the same L2 header for the inner family, and
 * the inner packet byte for byte. */
static void dp_expect(struct dp_pkt *p, int vlan, __u16 ethertype, const struct dp_pkt *inner)
{
	dp_eth(p, vlan, ethertype);
	dp_put(p, inner->b, inner->len);
}

static void dp_hexdump(const char *what, const struct dp_pkt *p, size_t mark)
{
	char line[3 * DP_MAX + 1];
	size_t i, n = 0;

	for (i = 0; i < p->len; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, i == mark ? "[%02x]" : " %02x",
				      p->b[i]);
	cr_log_error("%s (%zu bytes):%s", what, p->len, line);
}

static void dp_assert_packet(const struct dp_pkt *got, const struct dp_pkt *want)
{
	size_t i, first = want->len < got->len ? want->len : got->len;

	for (i = 0; i < first; i++)
		if (got->b[i] != want->b[i]) {
			first = i;
			break;
		}
	if (got->len == want->len && first == want->len)
		return;
	dp_hexdump("got ", got, first);
	dp_hexdump("want", want, first);
	cr_assert_fail("output differs from offset %zu (lengths %zu/%zu)", first, got->len,
		       want->len);
}

/* Runs the program once on in; returns the verdict and fills out. */
static int dp_run(const struct dp_pkt *in, struct dp_pkt *out)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in->b, .data_size_in = (__u32)in->len,
		    .data_out = out->b, .data_size_out = sizeof(out->b), .repeat = 1);
	int err;

	err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.xlb_decap), &opts);
	cr_assert_eq(err, 0, "BPF_PROG_TEST_RUN: %s", strerror(-err));
	out->len = opts.data_size_out;
	return (int)opts.retval;
}

/* Every counter: want_idx (and each listed event) counted once with bytes,
 * every other one zero. */
static void dp_assert_counters(enum xlb_decap_stat want_idx, size_t bytes, unsigned int events)
{
	struct xlb_counter c;
	int i;

	for (i = 0; i < XLB_DECAP_STAT__MAX; i++) {
		int hit = i == (int)want_idx || (i >= XLB_DECAP_STAT__VERDICTS &&
						 (events & (1u << (i - XLB_DECAP_STAT__VERDICTS))));

		cr_assert_eq(decap_stats__read(&maps, i, &c), 0);
		cr_assert_eq(c.packets, hit ? 1 : 0, "counter %s: %llu packets, want %d",
			     decap_stat__name(i), (unsigned long long)c.packets, hit);
		cr_assert_eq(c.bytes, hit ? bytes : 0, "counter %s: %llu bytes, want %zu",
			     decap_stat__name(i), (unsigned long long)c.bytes, hit ? bytes : 0);
	}
}

#define EV(x) (1u << ((x)-XLB_DECAP_STAT__VERDICTS))

/* A frame that must pass untouched or decapsulated into want. */
static void dp_check_pass(const struct dp_pkt *in, const struct dp_pkt *want,
			  enum xlb_decap_stat reason, unsigned int events)
{
	struct dp_pkt out = {0};

	cr_assert_eq(dp_run(in, &out), XDP_PASS);
	dp_assert_packet(&out, want);
	dp_assert_counters(reason, in->len, events);
}

static void dp_check_drop(const struct dp_pkt *in, enum xlb_decap_stat reason, unsigned int events)
{
	struct dp_pkt out = {0};

	cr_assert_eq(dp_run(in, &out), XDP_DROP, "want XDP_DROP for %s", decap_stat__name(reason));
	dp_assert_counters(reason, in->len, events);
}

static void dp_prefix(const char *s, struct decap_prefix *p)
{
	cr_assert_eq(decap_prefix__parse(s, p), 0, "bad test prefix %s", s);
}

static void setup(void)
{
	struct decap_prefix lbs[2], vips[2];
	int err;

	skel = decap_bpf__open_and_load();
	cr_assert_not_null(skel, "load decap program: %s", strerror(errno));
	maps.lbs4 = bpf_map__fd(skel->maps.decap_lbs4);
	maps.lbs6 = bpf_map__fd(skel->maps.decap_lbs6);
	maps.vips4 = bpf_map__fd(skel->maps.decap_vips4);
	maps.vips6 = bpf_map__fd(skel->maps.decap_vips6);
	maps.stats = bpf_map__fd(skel->maps.decap_stats);
	dp_prefix(LB4_PREFIX, &lbs[0]);
	dp_prefix(LB6_PREFIX, &lbs[1]);
	dp_prefix(VIP4, &vips[0]);
	dp_prefix(VIP6, &vips[1]);
	err = decap_config__set(&maps, lbs, 2, vips, 2);
	cr_assert_eq(err, 0, "decap_config__set: %s", strerror(-err));
}

static void teardown(void)
{
	decap_bpf__destroy(skel);
}

TestSuite(decap, .init = setup, .fini = teardown);

Test(decap, ipip4_from_lb_to_vip_is_decapsulated)
{
	struct dp_pkt inner = {0}, in = {0}, want = {0};

	dp_inner4(&inner, VIP4, 0);
	dp_encap4(&in, 0, LB4_SRC, IPPROTO_IPIP, 0, &inner);
	dp_expect(&want, 0, ETH_P_IP, &inner);
	dp_check_pass(&in, &want, XLB_DECAP_PASS_DECAP, 0);
}

Test(decap, ip6ip6_from_lb_to_vip_is_decapsulated)
{
	struct dp_pkt inner = {0}, in = {0}, want = {0};

	dp_inner6(&inner, VIP6, 0);
	dp_encap6(&in, 0, LB6_SRC, IPPROTO_IPV6, 0, &inner);
	dp_expect(&want, 0, ETH_P_IPV6, &inner);
	dp_check_pass(&in, &want, XLB_DECAP_PASS_DECAP, 0);
}

Test(decap, any_source_in_the_lb_prefix_is_accepted)
{
	struct dp_pkt inner = {0}, in = {0}, want = {0};

	dp_inner4(&inner, VIP4, 0);
	dp_encap4(&in, 0, "198.18.0.241", IPPROTO_IPIP, 0, &inner);
	dp_expect(&want, 0, ETH_P_IP, &inner);
	dp_check_pass(&in, &want, XLB_DECAP_PASS_DECAP, 0);
}

Test(decap, vlan_tag_is_kept_ipv4)
{
	struct dp_pkt inner = {0}, in = {0}, want = {0};

	dp_inner4(&inner, VIP4, 0);
	dp_encap4(&in, 1, LB4_SRC, IPPROTO_IPIP, 0, &inner);
	dp_expect(&want, 1, ETH_P_IP, &inner);
	dp_check_pass(&in, &want, XLB_DECAP_PASS_DECAP, EV(XLB_DECAP_EV_VLAN));
}

Test(decap, vlan_tag_is_kept_ipv6)
{
	struct dp_pkt inner = {0}, in = {0}, want = {0};

	dp_inner6(&inner, VIP6, 0);
	dp_encap6(&in, 1, LB6_SRC, IPPROTO_IPV6, 0, &inner);
	dp_expect(&want, 1, ETH_P_IPV6, &inner);
	dp_check_pass(&in, &want, XLB_DECAP_PASS_DECAP, EV(XLB_DECAP_EV_VLAN));
}

Test(decap, unknown_lb_source_is_dropped_ipv4)
{
	struct dp_pkt inner = {0}, in = {0};

	dp_inner4(&inner, VIP4, 0);
	dp_encap4(&in, 0, LB4_OTHER, IPPROTO_IPIP, 0, &inner);
	dp_check_drop(&in, XLB_DECAP_DROP_UNKNOWN_LB, 0);
}

Test(decap, unknown_lb_source_is_dropped_ipv6)
{
	struct dp_pkt inner = {0}, in = {0};

	dp_inner6(&inner, VIP6, 0);
	dp_encap6(&in, 0, LB6_OTHER, IPPROTO_IPV6, 0, &inner);
	dp_check_drop(&in, XLB_DECAP_DROP_UNKNOWN_LB, 0);
}

Test(decap, unknown_vip_is_dropped_ipv4)
{
	struct dp_pkt inner = {0}, in = {0};

	dp_inner4(&inner, VIP4_UNKNOWN, 0);
	dp_encap4(&in, 0, LB4_SRC, IPPROTO_IPIP, 0, &inner);
	dp_check_drop(&in, XLB_DECAP_DROP_UNKNOWN_VIP, 0);
}

Test(decap, unknown_vip_is_dropped_ipv6)
{
	struct dp_pkt inner = {0}, in = {0};

	dp_inner6(&inner, VIP6_UNKNOWN, 0);
	dp_encap6(&in, 1, LB6_SRC, IPPROTO_IPV6, 0, &inner);
	dp_check_drop(&in, XLB_DECAP_DROP_UNKNOWN_VIP, EV(XLB_DECAP_EV_VLAN));
}

Test(decap, truncated_outer_ipv4_is_dropped)
{
	struct dp_pkt inner = {0}, in = {0};

	dp_inner4(&inner, VIP4, 0);
	dp_encap4(&in, 0, LB4_SRC, IPPROTO_IPIP, 0, &inner);
	in.len = DP_ETH_HLEN + DP_IP4_HLEN - 4; /* cut before the destination */
	dp_check_drop(&in, XLB_DECAP_DROP_MALFORMED, 0);
}

Test(decap, outer_ipv4_longer_than_frame_is_dropped)
{
	struct dp_pkt inner = {0}, in = {0};

	dp_inner4(&inner, VIP4, 0);
	dp_encap4(&in, 0, LB4_SRC, IPPROTO_IPIP, 0, &inner);
	in.len -= 1; /* the outer tot_len now claims one byte more */
	dp_check_drop(&in, XLB_DECAP_DROP_MALFORMED, 0);
}

Test(decap, truncated_outer_ipv6_is_dropped)
{
	struct dp_pkt inner = {0}, in = {0};

	dp_inner6(&inner, VIP6, 0);
	dp_encap6(&in, 0, LB6_SRC, IPPROTO_IPV6, 0, &inner);
	in.len = DP_ETH_HLEN + DP_IP6_HLEN - 8;
	dp_check_drop(&in, XLB_DECAP_DROP_MALFORMED, 0);
}

/* The outer header is whole and consistent; the inner one is cut short. */
Test(decap, truncated_inner_ipv4_is_dropped)
{
	struct dp_pkt inner = {0}, in = {0};

	dp_inner4(&inner, VIP4, 0);
	inner.len = DP_IP4_HLEN - 4;
	dp_encap4(&in, 0, LB4_SRC, IPPROTO_IPIP, 0, &inner);
	dp_check_drop(&in, XLB_DECAP_DROP_MALFORMED, 0);
}

Test(decap, truncated_inner_ipv6_is_dropped)
{
	struct dp_pkt inner = {0}, in = {0};

	dp_inner6(&inner, VIP6, 0);
	inner.len = DP_IP6_HLEN - 4;
	dp_encap6(&in, 0, LB6_SRC, IPPROTO_IPV6, 0, &inner);
	dp_check_drop(&in, XLB_DECAP_DROP_MALFORMED, 0);
}

/* The inner header is whole but claims more than the outer carries. */
Test(decap, inner_ipv4_longer_than_outer_payload_is_dropped)
{
	struct dp_pkt inner = {0}, in = {0};

	dp_inner4(&inner, VIP4, 0);
	inner.len -= 1;
	dp_encap4(&in, 0, LB4_SRC, IPPROTO_IPIP, 0, &inner);
	dp_check_drop(&in, XLB_DECAP_DROP_MALFORMED, 0);
}

Test(decap, inner_ipv6_longer_than_outer_payload_is_dropped)
{
	struct dp_pkt inner = {0}, in = {0};

	dp_inner6(&inner, VIP6, 0);
	inner.len -= 1;
	dp_encap6(&in, 0, LB6_SRC, IPPROTO_IPV6, 0, &inner);
	dp_check_drop(&in, XLB_DECAP_DROP_MALFORMED, 0);
}

Test(decap, ipv6_inside_ipip_is_dropped)
{
	struct dp_pkt inner = {0}, in = {0};

	dp_inner6(&inner, VIP6, 0);
	dp_encap4(&in, 0, LB4_SRC, IPPROTO_IPIP, 0, &inner);
	dp_check_drop(&in, XLB_DECAP_DROP_FAMILY, 0);
}

Test(decap, ipv4_inside_ip6ip6_is_dropped)
{
	struct dp_pkt inner = {0}, in = {0};

	dp_inner4(&inner, VIP4, 0);
	dp_encap6(&in, 0, LB6_SRC, IPPROTO_IPV6, 0, &inner);
	dp_check_drop(&in, XLB_DECAP_DROP_FAMILY, 0);
}

Test(decap, fragmented_outer_is_dropped)
{
	struct dp_pkt inner = {0}, in = {0};
	__u16 frag = htons(DP_IP_MF);

	dp_inner4(&inner, VIP4, 0);
	dp_encap4(&in, 0, LB4_SRC, IPPROTO_IPIP, 0, &inner);
	/* MF set; the checksum is not what is being tested. */
	memcpy(in.b + DP_ETH_HLEN + 6, &frag, sizeof(frag));
	dp_check_drop(&in, XLB_DECAP_DROP_FRAGMENT, 0);
}

Test(decap, plain_ipv4_passes_untouched)
{
	struct dp_pkt in = {0};

	dp_eth(&in, 0, ETH_P_IP);
	dp_inner4(&in, VIP4, 0);
	dp_check_pass(&in, &in, XLB_DECAP_PASS_NOT_ENCAP, 0);
}

Test(decap, plain_ipv6_passes_untouched)
{
	struct dp_pkt in = {0};

	dp_eth(&in, 1, ETH_P_IPV6);
	dp_inner6(&in, VIP6, 0);
	dp_check_pass(&in, &in, XLB_DECAP_PASS_NOT_ENCAP, EV(XLB_DECAP_EV_VLAN));
}

/* IPv6-in-IPv4 is not xlb's encapsulation: the host's own tunnels keep it. */
Test(decap, ipv6_in_ipv4_passes_untouched)
{
	struct dp_pkt inner = {0}, in = {0};

	dp_inner6(&inner, VIP6, 0);
	dp_encap4(&in, 0, LB4_SRC, IPPROTO_IPV6, 0, &inner);
	dp_check_pass(&in, &in, XLB_DECAP_PASS_NOT_ENCAP, 0);
}

Test(decap, arp_passes_untouched)
{
	static const __u8 arp[28] = {0, 1, 8, 0, 6, 4, 0, 1}; /* request header */
	struct dp_pkt in = {0};

	dp_eth(&in, 0, ETH_P_ARP);
	dp_put(&in, arp, sizeof(arp));
	dp_check_pass(&in, &in, XLB_DECAP_PASS_NOT_IP, 0);
}

Test(decap, short_ip_header_passes_to_the_kernel)
{
	struct dp_pkt in = {0};
	static const __u8 part[8] = {0x45};

	dp_eth(&in, 0, ETH_P_IP);
	dp_put(&in, part, sizeof(part));
	dp_check_pass(&in, &in, XLB_DECAP_PASS_SHORT, 0);
}

/* RFC 6040: an outer CE mark reaches an ECN-capable inner packet, whose
 * IPv4 checksum stays right. */
Test(decap, outer_ce_is_copied_into_ect_inner_ipv4)
{
	struct dp_pkt inner = {0}, marked = {0}, in = {0}, want = {0};

	dp_inner4(&inner, VIP4, DP_ECN_ECT0);
	dp_inner4(&marked, VIP4, DP_ECN_CE);
	dp_encap4(&in, 0, LB4_SRC, IPPROTO_IPIP, DP_ECN_CE, &inner);
	dp_expect(&want, 0, ETH_P_IP, &marked);
	dp_check_pass(&in, &want, XLB_DECAP_PASS_DECAP, EV(XLB_DECAP_EV_ECN_CE));
}

Test(decap, outer_ce_is_copied_into_ect_inner_ipv6)
{
	struct dp_pkt inner = {0}, marked = {0}, in = {0}, want = {0};

	dp_inner6(&inner, VIP6, DP_ECN_ECT0);
	dp_inner6(&marked, VIP6, DP_ECN_CE);
	dp_encap6(&in, 0, LB6_SRC, IPPROTO_IPV6, DP_ECN_CE, &inner);
	dp_expect(&want, 0, ETH_P_IPV6, &marked);
	dp_check_pass(&in, &want, XLB_DECAP_PASS_DECAP, EV(XLB_DECAP_EV_ECN_CE));
}

Test(decap, outer_ce_over_not_ect_inner_is_dropped)
{
	struct dp_pkt inner = {0}, in = {0};

	dp_inner4(&inner, VIP4, 0);
	dp_encap4(&in, 0, LB4_SRC, IPPROTO_IPIP, DP_ECN_CE, &inner);
	dp_check_drop(&in, XLB_DECAP_DROP_ECN, 0);
}

/* decap_config__set makes the sets exactly the given ones: a VIP left out
 * is no longer decapsulated, a new one is. */
Test(decap, config_set_replaces_the_allowed_sets)
{
	struct dp_pkt inner = {0}, in = {0}, out = {0};
	struct decap_prefix lbs[1], vips[1];

	dp_prefix(LB4_PREFIX, &lbs[0]);
	dp_prefix(VIP4_UNKNOWN, &vips[0]);
	cr_assert_eq(decap_config__set(&maps, lbs, 1, vips, 1), 0);

	dp_inner4(&inner, VIP4, 0);
	dp_encap4(&in, 0, LB4_SRC, IPPROTO_IPIP, 0, &inner);
	cr_assert_eq(dp_run(&in, &out), XDP_DROP, "a removed VIP must no longer pass");

	memset(&inner, 0, sizeof(inner));
	memset(&in, 0, sizeof(in));
	dp_inner4(&inner, VIP4_UNKNOWN, 0);
	dp_encap4(&in, 0, LB4_SRC, IPPROTO_IPIP, 0, &inner);
	cr_assert_eq(dp_run(&in, &out), XDP_PASS, "an added VIP must pass");

	memset(&inner, 0, sizeof(inner));
	memset(&in, 0, sizeof(in));
	dp_inner6(&inner, VIP6, 0);
	dp_encap6(&in, 0, LB6_SRC, IPPROTO_IPV6, 0, &inner);
	cr_assert_eq(dp_run(&in, &out), XDP_DROP, "the removed IPv6 lb prefix must no longer pass");
}

Test(decap, prefix_parse_rejects_bad_input)
{
	struct decap_prefix p;

	cr_assert_eq(decap_prefix__parse("198.18.0.0/33", &p), -EINVAL);
	cr_assert_eq(decap_prefix__parse("198.18.0.1/24", &p), -EINVAL, "host bits set");
	cr_assert_eq(decap_prefix__parse("198.18.0.0/", &p), -EINVAL);
	cr_assert_eq(decap_prefix__parse("2001:2::/129", &p), -EINVAL);
	cr_assert_eq(decap_prefix__parse("vip", &p), -EINVAL);
	cr_assert_eq(decap_prefix__parse("2001:2::/48", &p), 0);
	cr_assert_eq(p.family, XLB_AF_INET6);
	cr_assert_eq(p.plen, 48);
	cr_assert_eq(decap_prefix__parse("198.18.1.10", &p), 0);
	cr_assert_eq(p.plen, 32);
}
