// SPDX-License-Identifier: MIT
/* The BPF tests' lab: namespace, devices, program, maps, runs, counters. */
#include <errno.h>
#include <stdarg.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>
#include "xlb.skel.h"
#include "dataplane.h"
#include "maglev.h"
#include "rtnl.h"
#include "harness.h"

#define H_ADDR_STR  64
#define H_WORD_BITS 32
#define H_V4_BITS   32
#define H_V6_WORDS  4

const __u8 h_mac_a[PKT_MAC_LEN] = {0x02, 0x00, 0x00, 0x00, 0x00, 0xa0};
const __u8 h_mac_a_peer[PKT_MAC_LEN] = {0x02, 0x00, 0x00, 0x00, 0x00, 0xa1};
const __u8 h_mac_b[PKT_MAC_LEN] = {0x02, 0x00, 0x00, 0x00, 0x00, 0xb0};
const __u8 h_mac_b_peer[PKT_MAC_LEN] = {0x02, 0x00, 0x00, 0x00, 0x00, 0xb1};

struct h_lab h_lab;

#define H_ICMP_ECHO_REQUEST  8
#define H_ICMP_ECHO_REPLY    0
#define H_ICMP6_ECHO_REQUEST 128
#define H_ICMP6_ECHO_REPLY   129

const struct h_fam h_fams[2] = {
	{
		.family = XLB_AF_INET,
		.name = "ipv4",
		.client = H_CLIENT4,
		.router = H_ROUTER4,
		.vip = H_VIP4,
		.vip_b = H_VIP4_B,
		.not_vip = H_NOT_VIP4,
		.be_a = {H_BE4_A1, H_BE4_A2, H_BE4_A3, H_BE4_A4},
		.be_b = H_BE4_B1,
		.no_neigh = H_BE4_NO_NEIGH,
		.no_route = H_BE4_NO_ROUTE,
		.src = H_SRC4,
		.src_prefix = H_SRC4_PREFIX,
		.src_prefix_len = H_SRC4_PREFIX_LEN,
		.host_len = H_V4_BITS,
		.icmp_proto = IPPROTO_ICMP,
		.echo_request = H_ICMP_ECHO_REQUEST,
		.echo_reply = H_ICMP_ECHO_REPLY,
		.overhead = XLB_IPIP4_OVERHEAD,
	},
	{
		.family = XLB_AF_INET6,
		.name = "ipv6",
		.client = H_CLIENT6,
		.router = H_ROUTER6,
		.vip = H_VIP6,
		.vip_b = H_VIP6_B,
		.not_vip = H_NOT_VIP6,
		.be_a = {H_BE6_A1, H_BE6_A2, H_BE6_A3, H_BE6_A4},
		.be_b = H_BE6_B1,
		.no_neigh = H_BE6_NO_NEIGH,
		.no_route = H_BE6_NO_ROUTE,
		.src = H_SRC6,
		.src_prefix = H_SRC6_PREFIX,
		.src_prefix_len = H_SRC6_PREFIX_LEN,
		.host_len = H_V6_WORDS * H_WORD_BITS,
		.icmp_proto = IPPROTO_ICMPV6,
		.echo_request = H_ICMP6_ECHO_REQUEST,
		.echo_reply = H_ICMP6_ECHO_REPLY,
		.overhead = XLB_IPIP6_OVERHEAD,
	},
};

struct h_neigh_def {
	const char *addr;
	__u8 mac[PKT_MAC_LEN];
	const char *dev;
};

static const struct h_neigh_def h_neighs[] = {
	{H_BE4_A1, {0x02, 0x00, 0x00, 0x01, 0x04, 0x10}, H_IF_A},
	{H_BE4_A2, {0x02, 0x00, 0x00, 0x01, 0x04, 0x11}, H_IF_A},
	{H_BE4_A3, {0x02, 0x00, 0x00, 0x01, 0x04, 0x12}, H_IF_A},
	{H_BE4_A4, {0x02, 0x00, 0x00, 0x01, 0x04, 0x13}, H_IF_A},
	{H_BE4_B1, {0x02, 0x00, 0x00, 0x02, 0x04, 0x10}, H_IF_B},
	{H_BE6_A1, {0x02, 0x00, 0x00, 0x01, 0x06, 0x10}, H_IF_A},
	{H_BE6_A2, {0x02, 0x00, 0x00, 0x01, 0x06, 0x11}, H_IF_A},
	{H_BE6_A3, {0x02, 0x00, 0x00, 0x01, 0x06, 0x12}, H_IF_A},
	{H_BE6_A4, {0x02, 0x00, 0x00, 0x01, 0x06, 0x13}, H_IF_A},
	{H_BE6_B1, {0x02, 0x00, 0x00, 0x02, 0x06, 0x10}, H_IF_B},
};

#define H_NR_NEIGHS (sizeof(h_neighs) / sizeof(h_neighs[0]))

static const char *const h_ip_cmds[] = {
	"link set lo up",
	"link add " H_IF_A " address 02:00:00:00:00:a0 type veth peer name " H_IF_A_PEER
	" address 02:00:00:00:00:a1",
	"link add " H_IF_B " address 02:00:00:00:00:b0 type veth peer name " H_IF_B_PEER
	" address 02:00:00:00:00:b1",
	"link set " H_IF_A " up",
	"link set " H_IF_A_PEER " up",
	"link set " H_IF_B " up",
	"link set " H_IF_B_PEER " up",
	"addr add 198.18.1.1/24 dev " H_IF_A,
	"addr add 2001:2:0:1::1/64 dev " H_IF_A " nodad",
	"addr add 198.18.2.1/24 dev " H_IF_B,
	"addr add 2001:2:0:2::1/64 dev " H_IF_B " nodad",
};

static void h_ip_batch(void)
{
	char mac[3 * PKT_MAC_LEN];
	FILE *f = popen("ip -batch -", "w");
	size_t i;
	int rc;

	cr_assert_not_null(f, "popen ip: %s", strerror(errno));
	for (i = 0; i < sizeof(h_ip_cmds) / sizeof(h_ip_cmds[0]); i++)
		fprintf(f, "%s\n", h_ip_cmds[i]);
	for (i = 0; i < H_NR_NEIGHS; i++) {
		const __u8 *m = h_neighs[i].mac;

		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
			 m[4], m[5]);
		fprintf(f, "neigh replace %s lladdr %s dev %s nud permanent\n", h_neighs[i].addr,
			mac, h_neighs[i].dev);
	}
	rc = pclose(f);
	cr_assert_eq(rc, 0, "ip -batch failed: status %d", rc);
}

static void h_write_file(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "open %s: %s", path, strerror(errno));
	cr_assert_gt(fputs(val, f), -1, "write %s", path);
	cr_assert_eq(fclose(f), 0, "close %s: %s", path, strerror(errno));
}

void h_forwarding(int on)
{
	const char *v = on ? "1\n" : "0\n";

	h_write_file("/proc/sys/net/ipv4/conf/all/forwarding", v);
	h_write_file("/proc/sys/net/ipv6/conf/all/forwarding", v);
}

/* libbpf 1.1 warns that it retries the ring template without BTF; that is
 * expected for a map-in-map inner map, and would bury real warnings. */
static int h_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level != LIBBPF_WARN || strstr(fmt, "Retrying without BTF"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void h_setup(void)
{
	struct bpf_program *prog;
	int err;

	memset(&h_lab, 0, sizeof(h_lab));
	libbpf_set_print(h_libbpf_print);
	cr_assert_eq(unshare(CLONE_NEWNET), 0, "unshare: %s", strerror(errno));
	h_ip_batch();
	h_forwarding(1);
	h_lab.if_a = (int)if_nametoindex(H_IF_A);
	h_lab.if_b = (int)if_nametoindex(H_IF_B);
	cr_assert(h_lab.if_a > 0 && h_lab.if_b > 0, "veths missing");

	h_lab.skel = xlb_bpf__open();
	cr_assert_not_null(h_lab.skel, "open skeleton: %s", strerror(errno));
	err = bpf_map__set_max_entries(h_lab.skel->maps.flows, H_FLOW_ENTRIES);
	cr_assert_eq(err, 0, "flows size: %d", err);
	err = xlb_bpf__load(h_lab.skel);
	cr_assert_eq(err, 0, "load: %d", err);
	prog = bpf_object__next_program(h_lab.skel->obj, NULL);
	cr_assert_not_null(prog, "no program");
	h_lab.prog_fd = bpf_program__fd(prog);
	xlb_maps__init(&h_lab.m);
	err = xlb_maps__from_skel(&h_lab.m, h_lab.skel);
	cr_assert_eq(err, 0, "maps: %d", err);

	h_lab.cfg.mtu = H_MTU;
	h_config_source(XLB_AF_INET, H_SRC4, H_V4_BITS);
	h_config_source(XLB_AF_INET6, H_SRC6, H_V6_WORDS * H_WORD_BITS);
}

void h_teardown(void)
{
	xlb_bpf__destroy(h_lab.skel);
	h_lab.skel = NULL;
}

/* Host bits of word i (network order) of a plen-long prefix. */
static __be32 h_hostmask(unsigned int plen, unsigned int word)
{
	unsigned int lo = word * H_WORD_BITS;

	if (plen >= lo + H_WORD_BITS)
		return 0;
	if (plen <= lo)
		return 0xffffffffu;
	return htonl((1u << (lo + H_WORD_BITS - plen)) - 1);
}

void h_config_source(int family, const char *addr, unsigned int plen)
{
	int i6 = family == XLB_AF_INET6;
	struct xlb_addr a = {0};
	unsigned int w;
	int err;

	if (addr)
		cr_assert_eq(pkt_addr(addr, &a), family, "bad source %s", addr);
	h_lab.src_base[i6] = a;
	h_lab.src_plen[i6] = plen;
	if (!i6) {
		h_lab.cfg.src4 = a.a[0];
		h_lab.cfg.src4_hostmask = addr ? h_hostmask(plen, 0) : 0;
	} else {
		for (w = 0; w < H_V6_WORDS; w++) {
			h_lab.cfg.src6.a[w] = a.a[w];
			h_lab.cfg.src6_hostmask.a[w] = addr ? h_hostmask(plen, w) : 0;
		}
	}
	err = xlb_config__write(&h_lab.m, &h_lab.cfg);
	cr_assert_eq(err, 0, "config write: %d", err);
}

void h_config_mtu(__u32 mtu)
{
	int err;

	h_lab.cfg.mtu = mtu;
	err = xlb_config__write(&h_lab.m, &h_lab.cfg);
	cr_assert_eq(err, 0, "config write: %d", err);
}

void h_outer_src(int family, __u32 hash, struct xlb_addr *out)
{
	int i6 = family == XLB_AF_INET6;
	unsigned int w, words = i6 ? H_V6_WORDS : 1;
	__be32 hm;

	memset(out, 0, sizeof(*out));
	for (w = 0; w < words; w++) {
		hm = h_hostmask(h_lab.src_plen[i6], w);
		out->a[w] = (h_lab.src_base[i6].a[w] & ~hm) | (hash & hm);
	}
}

void h_vip(const char *addr, __u16 port, __u8 proto, __u32 id, __u8 mode)
{
	struct xlb_vip_key k = {0};
	struct xlb_vip v = {.id = id, .mode = mode};
	int err;

	k.family = (__u8)pkt_addr(addr, &k.addr);
	cr_assert(k.family == XLB_AF_INET || k.family == XLB_AF_INET6, "bad vip %s", addr);
	k.port = htons(port);
	k.proto = proto;
	err = xlb_vip__write(&h_lab.m, &k, &v);
	cr_assert_eq(err, 0, "vip write %s:%u: %d", addr, port, err);
}

void h_backend(__u32 id, const char *addr, __u8 state, __u32 generation)
{
	struct xlb_backend b = {.state = state, .generation = generation};
	int err;

	cr_assert(id > 0 && id < H_MAX_BACKEND_ID);
	b.family = (__u8)pkt_addr(addr, &b.addr);
	err = xlb_backend__write(&h_lab.m, id, &b);
	cr_assert_eq(err, 0, "backend write %u: %d", id, err);
	h_lab.be[id] = b;
}

void h_ring_set(__u32 vip_id, const __u32 *ids)
{
	int err = xlb_ring__swap(&h_lab.m, vip_id, ids);

	cr_assert_eq(err, 0, "ring swap %u: %d", vip_id, err);
}

void h_ring_fill(__u32 vip_id, __u32 backend_id)
{
	__u32 *ids = malloc(sizeof(__u32) * XLB_RING_SIZE);
	size_t i;

	cr_assert_not_null(ids);
	for (i = 0; i < XLB_RING_SIZE; i++)
		ids[i] = backend_id;
	h_ring_set(vip_id, ids);
	free(ids);
}

__u32 *h_ring_maglev(const __u32 *ids, size_t n)
{
	struct maglev_backend mb[H_MAX_BACKEND_ID] = {0};
	__u32 *ring = malloc(sizeof(__u32) * XLB_RING_SIZE);
	size_t i;
	int err;

	cr_assert_not_null(ring);
	cr_assert_leq(n, H_MAX_BACKEND_ID);
	for (i = 0; i < n; i++) {
		mb[i].id = ids[i];
		mb[i].addr = h_lab.be[ids[i]].addr;
		mb[i].port = h_lab.be[ids[i]].port;
		mb[i].family = h_lab.be[ids[i]].family;
		mb[i].weight = 1;
	}
	err = maglev__build(mb, n, ring);
	cr_assert_eq(err, 0, "maglev build: %d", err);
	return ring;
}

void h_tx_port(const char *ifname)
{
	int err = xlb_tx_port__add(&h_lab.m, if_nametoindex(ifname));

	cr_assert_eq(err, 0, "tx port %s: %d", ifname, err);
}

void h_vlan_link(struct rtnl_link *l, const char *ifname, const char *lower, __u16 vid)
{
	memset(l, 0, sizeof(*l));
	snprintf(l->name, sizeof(l->name), "%s", ifname);
	l->ifindex = (int)if_nametoindex(ifname);
	l->up = 1;
	l->vlan_id = vid;
	l->vlan_proto = ETH_P_8021Q;
	l->link_ifindex = (int)if_nametoindex(lower);
	l->link_netnsid = -1;
}

/* Written as xlbd writes it, from the links netlink gives: ifname stands in
 * for a VLAN device on lower (the test kernel has no 8021q). */
void h_vlan_if(const char *ifname, const char *lower, __u16 vid)
{
	struct rtnl_link vlan, low;
	__u32 port = 0;
	int err;

	h_vlan_link(&vlan, ifname, lower, vid);
	cr_assert_eq(rtnl__link_by_name(lower, &low), 0, "link %s", lower);
	err = dataplane__egress_port(&h_lab.m, &vlan, &low, &port);
	cr_assert_eq(err, 0, "vlan if %s: %d", ifname, err);
	cr_assert_eq(port, if_nametoindex(lower), "vlan %s: port %u, want its lower %s", ifname,
		     port, lower);
}

void h_neigh(const char *addr, __u8 dmac[PKT_MAC_LEN], __u8 smac[PKT_MAC_LEN])
{
	size_t i;

	for (i = 0; i < H_NR_NEIGHS; i++) {
		if (strcmp(h_neighs[i].addr, addr))
			continue;
		memcpy(dmac, h_neighs[i].mac, PKT_MAC_LEN);
		memcpy(smac, strcmp(h_neighs[i].dev, H_IF_A) ? h_mac_b : h_mac_a, PKT_MAC_LEN);
		return;
	}
	cr_assert_fail("no neighbour for %s", addr);
}

void h_encap(struct pkt_encap *e, int family, const char *backend, __u32 hash, __u16 vlan_tci)
{
	memset(e, 0, sizeof(*e));
	h_neigh(backend, e->dmac, e->smac);
	e->vlan_tci = vlan_tci;
	e->hash = hash;
	h_outer_src(family, hash, &e->src);
	cr_assert_eq(pkt_addr(backend, &e->dst), family, "backend %s family", backend);
}

void h_spec(struct pkt_spec *s, const struct h_fam *f, __u8 proto, const char *dst, __u16 sport,
	    __u16 dport)
{
	memset(s, 0, sizeof(*s));
	s->family = f->family;
	s->src = f->client;
	s->dst = dst;
	s->proto = proto;
	s->sport = sport;
	s->dport = dport;
	if (f->family == XLB_AF_INET)
		s->flags = PKT_DF;
}

void h_run(const struct pkt *in, int *verdict, struct pkt *out)
{
	struct xdp_md ctx = {.data_end = (__u32)in->len, .ingress_ifindex = (__u32)h_lab.if_a};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in->data, .data_size_in = (__u32)in->len,
		    .data_out = out->data, .data_size_out = sizeof(out->data), .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);
	int err;

	err = bpf_prog_test_run_opts(h_lab.prog_fd, &opts);
	cr_assert_eq(err, 0, "test run: %d (%s)", err, strerror(-err));
	*verdict = (int)opts.retval;
	out->len = opts.data_size_out;
}

void h_snap(struct h_snap *s)
{
	int i, err;

	for (i = 0; i < XLB_STAT__MAX; i++) {
		err = xlb_stats__read(&h_lab.m, (enum xlb_stat)i, &s->s[i]);
		cr_assert_eq(err, 0, "stats read %d: %d", i, err);
	}
}

void h_check_stats(const char *desc, const struct h_snap *before, const long *exp, size_t frame_len)
{
	struct h_snap now;
	__u64 dp, db;
	int i, bad = 0;

	h_snap(&now);
	for (i = 0; i < XLB_STAT__MAX; i++) {
		dp = now.s[i].packets - before->s[i].packets;
		db = now.s[i].bytes - before->s[i].bytes;
		if (exp[i] == H_ANY)
			continue;
		if (dp != (__u64)exp[i] ||
		    (i < XLB_STAT__VERDICTS && frame_len && db != (__u64)exp[i] * frame_len)) {
			fprintf(stderr,
				"%s: stat %s: +%llu packets +%llu bytes, want +%ld packets\n", desc,
				xlb_stat__name((enum xlb_stat)i), (unsigned long long)dp,
				(unsigned long long)db, exp[i]);
			bad++;
		}
	}
	cr_assert_eq(bad, 0, "%s: %d counters differ from the expected ones", desc, bad);
}

void h_vip_snap(__u32 vip_id, struct xlb_vip_counter *c)
{
	int err = xlb_vip_stats__read(&h_lab.m, vip_id, c);

	cr_assert_eq(err, 0, "vip stats %u: %d", vip_id, err);
}

static void h_check_delta(const char *desc, const char *what, __u64 before, __u64 now, long want)
{
	if (want == H_ANY)
		return;
	cr_assert_eq(now - before, (__u64)want, "%s: %s changed by %llu, want %ld", desc, what,
		     (unsigned long long)(now - before), want);
}

void h_check_vip(const char *desc, __u32 vip_id, const struct xlb_vip_counter *before, long packets,
		 long bytes, long new_flows, long drops)
{
	struct xlb_vip_counter now;

	h_vip_snap(vip_id, &now);
	h_check_delta(desc, "vip packets", before->packets, now.packets, packets);
	h_check_delta(desc, "vip bytes", before->bytes, now.bytes, bytes);
	h_check_delta(desc, "vip new flows", before->new_flows, now.new_flows, new_flows);
	h_check_delta(desc, "vip drops", before->drops, now.drops, drops);
}

void h_backend_snap(__u32 id, struct xlb_counter *c)
{
	int err = xlb_backend_stats__read(&h_lab.m, id, c);

	cr_assert_eq(err, 0, "backend stats %u: %d", id, err);
}

void h_check_backend(const char *desc, __u32 id, const struct xlb_counter *before, long packets,
		     long bytes)
{
	struct xlb_counter now;

	h_backend_snap(id, &now);
	h_check_delta(desc, "backend packets", before->packets, now.packets, packets);
	h_check_delta(desc, "backend bytes", before->bytes, now.bytes, bytes);
}

void h_expect(const char *desc, const struct pkt *in, int verdict, const struct pkt *want,
	      const long *stats)
{
	static struct pkt out;
	struct h_snap before;
	int got;

	h_snap(&before);
	h_run(in, &got, &out);
	cr_assert_eq(got, verdict, "%s: verdict %d, want %d", desc, got, verdict);
	if (want)
		pkt_assert_eq(desc, &out, want);
	h_check_stats(desc, &before, stats, in->len);
}

void h_expect_ipip(const char *desc, const struct pkt_spec *s, const char *backend, __u32 hash,
		   int verdict, const long *stats)
{
	static struct pkt in, want;
	struct pkt_encap e;

	pkt_build(&in, s);
	h_encap(&e, s->family, backend, hash, 0);
	pkt_expect_ipip(&want, &in, &e);
	h_expect(desc, &in, verdict, &want, stats);
}

void h_expect_l2dsr(const char *desc, const struct pkt_spec *s, const char *backend, int verdict,
		    const long *stats)
{
	static struct pkt in, want;
	struct pkt_encap e;

	pkt_build(&in, s);
	memset(&e, 0, sizeof(e));
	h_neigh(backend, e.dmac, e.smac);
	pkt_expect_l2dsr(&want, &in, &e);
	h_expect(desc, &in, verdict, &want, stats);
}

int h_flow_get(const struct pkt_spec *s, struct xlb_flow *f)
{
	struct xlb_flow_key k;

	pkt_flow_key(s, true, &k);
	if (bpf_map_lookup_elem(h_lab.m.flows, &k, f))
		return -errno;
	return 0;
}

void h_run_cases(const struct h_case *cases, size_t n)
{
	static struct pkt in, want;
	struct pkt_encap e;
	const struct h_case *c;
	size_t i;

	for (i = 0; i < n; i++) {
		c = &cases[i];
		pkt_build(&in, &c->in);
		if (c->mangle)
			c->mangle(&in);
		switch (c->out) {
		case H_OUT_SAME:
			want = in;
			break;
		case H_OUT_IPIP:
			h_encap(&e, c->in.family, c->backend, pkt_hash(&c->in, true), 0);
			pkt_expect_ipip(&want, &in, &e);
			break;
		case H_OUT_L2DSR:
			memset(&e, 0, sizeof(e));
			h_neigh(c->backend, e.dmac, e.smac);
			pkt_expect_l2dsr(&want, &in, &e);
			break;
		case H_OUT_NONE:
			break;
		}
		h_expect(c->desc, &in, c->verdict, c->out == H_OUT_NONE ? NULL : &want, c->stats);
	}
}
