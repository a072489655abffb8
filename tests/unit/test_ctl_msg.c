// SPDX-License-Identifier: MIT
/*
 * Control messages: every command's encode/decode round trip, requests and
 * replies; every validation error; records, errors and acks; and the client
 * against a small real server on a SOCK_SEQPACKET socket.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <libmnl/libmnl.h>
#include <criterion/criterion.h>

#include "ctl_client.h"
#include "ctl_msg.h"

#define BUF_SIZE    XLB_CTL_MSG_MAX
#define VIP_PORT    80
#define BE_PORT	    8080
#define BE_WEIGHT   250
#define BE_ID	    7
#define BE_GEN	    3
#define VIP_ID	    5
#define SRC_PORT    40000
#define TEST_MTU    1600
#define SRC4_PLEN   28
#define SRC6_PLEN   120
#define BIG_BATCH   5000 /* requests: several records' worth */
#define BAD_INDEX   4321 /* the request the test server refuses */
#define DUMP_COUNT  3000 /* dump replies: several records' worth */
#define COUNTER_VAL 123456789012ULL

static struct xlb_addr v4(unsigned int host)
{
	struct xlb_addr a = {0};

	a.a[0] = htonl((198u << 24 | 18u << 16) + host);
	return a;
}

static struct xlb_addr v6(unsigned int host)
{
	struct xlb_addr a = {0};

	a.a[0] = htonl(0x20010002);
	a.a[3] = htonl(host);
	return a;
}

static void vip_key(struct xlb_ctl_msg *m, int family)
{
	m->vip.key.family = family;
	m->vip.key.addr = family == XLB_AF_INET ? v4(10) : v6(0x10);
	m->vip.key.port = VIP_PORT;
	m->vip.key.proto = IPPROTO_TCP;
	xlb_ctl_msg__set_vip_key(m);
}

static void backend(struct xlb_ctl_msg *m, int family)
{
	vip_key(m, family);
	m->be.addr = family == XLB_AF_INET ? v4(0x100 + 11) : v6(0x11);
	xlb_ctl_msg__set(m, XLB_A_BACKEND_ADDR);
}

/* Encodes m, decodes it back as dir, and checks both sides agree. */
static void round_trip(const struct xlb_ctl_msg *m, enum xlb_ctl_dir dir, struct xlb_ctl_msg *out)
{
	char buf[BUF_SIZE];
	struct xlb_ctl_err e;
	int len, err;

	len = xlb_ctl_msg__encode(m, buf, sizeof(buf));
	cr_assert_gt(len, 0, "encode %s: %d", xlb_cmd__name(m->cmd), len);
	err = xlb_ctl_msg__decode((struct nlmsghdr *)buf, dir, out, &e);
	cr_assert_eq(err, 0, "decode %s: %d %s", xlb_cmd__name(m->cmd), err, e.msg);
	cr_assert_eq(out->cmd, m->cmd);
	cr_assert_eq(out->flags, m->flags);
	cr_assert_eq(out->seq, m->seq);
	cr_assert_eq(memcmp(out->has, m->has, sizeof(m->has)), 0, "%s: attribute set differs",
		     xlb_cmd__name(m->cmd));
}

/* Decodes buf as a request and expects err with text containing what. */
static void expect_refused(const void *buf, int err, const char *what)
{
	struct xlb_ctl_msg m;
	struct xlb_ctl_err e;
	int ret;

	ret = xlb_ctl_msg__decode(buf, XLB_CTL_REQUEST, &m, &e);
	cr_assert_eq(ret, err, "expected %d, got %d (%s)", err, ret, e.msg);
	cr_assert_eq(e.err, err);
	cr_assert_not_null(strstr(e.msg, what), "message \"%s\" lacks \"%s\"", e.msg, what);
}

static void expect_msg_refused(const struct xlb_ctl_msg *m, int err, const char *what)
{
	char buf[BUF_SIZE];

	cr_assert_gt(xlb_ctl_msg__encode(m, buf, sizeof(buf)), 0);
	expect_refused(buf, err, what);
}

/* A raw request header, for messages the encoder would not make. */
static struct nlmsghdr *raw(void *buf, __u16 cmd)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct xlb_ctlmsg *cm;

	nlh->nlmsg_type = cmd;
	nlh->nlmsg_flags = NLM_F_REQUEST | (xlb_cmd__is_dump(cmd) ? NLM_F_DUMP : NLM_F_ACK);
	cm = mnl_nlmsg_put_extra_header(nlh, sizeof(*cm));
	cm->version = XLB_CTL_VERSION;
	return nlh;
}

static void raw_vip_key(struct nlmsghdr *nlh)
{
	struct xlb_addr a = v4(10);

	mnl_attr_put_u8(nlh, XLB_A_FAMILY, XLB_AF_INET);
	mnl_attr_put(nlh, XLB_A_VIP_ADDR, sizeof(a), &a);
	mnl_attr_put_u16(nlh, XLB_A_PORT, VIP_PORT);
	mnl_attr_put_u8(nlh, XLB_A_PROTO, IPPROTO_TCP);
}

Test(round_trip, vip_requests)
{
	static const enum xlb_cmd cmds[] = {XLB_CMD_VIP_ADD, XLB_CMD_VIP_DEL, XLB_CMD_VIP_SET,
					    XLB_CMD_VIP_GET};
	struct xlb_ctl_msg m, out;
	unsigned int i, fam;

	for (fam = XLB_AF_INET; fam <= XLB_AF_INET6; fam += XLB_AF_INET6 - XLB_AF_INET) {
		for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
			xlb_ctl_msg__init(&m, cmds[i]);
			m.seq = i + 1;
			vip_key(&m, fam);
			if (cmds[i] == XLB_CMD_VIP_ADD || cmds[i] == XLB_CMD_VIP_SET) {
				m.vip.mode = XLB_MODE_L2DSR;
				xlb_ctl_msg__set(&m, XLB_A_MODE);
			}
			round_trip(&m, XLB_CTL_REQUEST, &out);
			cr_assert_eq(memcmp(&out.vip.key, &m.vip.key, sizeof(m.vip.key)), 0);
			cr_assert_eq(out.vip.mode, m.vip.mode);
		}
	}
}

Test(round_trip, vip_get_unfiltered_and_reply)
{
	struct xlb_ctl_msg m, out;

	xlb_ctl_msg__init(&m, XLB_CMD_VIP_GET);
	round_trip(&m, XLB_CTL_REQUEST, &out);
	cr_assert(out.flags & NLM_F_DUMP);

	memset(&m, 0, sizeof(m));
	m.cmd = XLB_CMD_VIP_GET;
	m.flags = NLM_F_MULTI;
	vip_key(&m, XLB_AF_INET6);
	m.vip.id = VIP_ID;
	m.cnt.packets = COUNTER_VAL;
	m.cnt.bytes = COUNTER_VAL * 2;
	m.cnt.new_flows = 3;
	m.cnt.drops = 4;
	m.cnt.pps = 5;
	m.cnt.bps = 6;
	m.cnt.present = (1U << XLB_CNT_PACKETS) | (1U << XLB_CNT_BYTES) |
			(1U << XLB_CNT_NEW_FLOWS) | (1U << XLB_CNT_DROPS) | (1U << XLB_CNT_PPS) |
			(1U << XLB_CNT_BPS);
	xlb_ctl_msg__set(&m, XLB_A_MODE);
	xlb_ctl_msg__set(&m, XLB_A_VIP_ID);
	xlb_ctl_msg__set(&m, XLB_A_COUNTERS);
	round_trip(&m, XLB_CTL_REPLY, &out);
	cr_assert_eq(out.vip.id, VIP_ID);
	cr_assert_eq(memcmp(&out.cnt, &m.cnt, sizeof(m.cnt)), 0);
}

Test(round_trip, backend_requests)
{
	struct xlb_ctl_msg m, out;

	xlb_ctl_msg__init(&m, XLB_CMD_BACKEND_ADD);
	backend(&m, XLB_AF_INET);
	m.be.port = BE_PORT;
	m.be.weight = BE_WEIGHT;
	m.be.flags = XLB_BE_F_BACKUP | XLB_BE_F_DRAIN;
	xlb_ctl_msg__set(&m, XLB_A_BACKEND_PORT);
	xlb_ctl_msg__set(&m, XLB_A_WEIGHT);
	xlb_ctl_msg__set(&m, XLB_A_FLAGS);
	round_trip(&m, XLB_CTL_REQUEST, &out);
	cr_assert_eq(memcmp(&out.be.addr, &m.be.addr, sizeof(m.be.addr)), 0);
	cr_assert_eq(out.be.port, BE_PORT);
	cr_assert_eq(out.be.weight, BE_WEIGHT);
	cr_assert_eq(out.be.flags, m.be.flags);

	xlb_ctl_msg__init(&m, XLB_CMD_BACKEND_ADD);
	backend(&m, XLB_AF_INET6);
	round_trip(&m, XLB_CTL_REQUEST, &out);
	cr_assert_eq(out.be.weight, XLB_WEIGHT_DEFAULT, "absent weight means the default");

	xlb_ctl_msg__init(&m, XLB_CMD_BACKEND_DEL);
	backend(&m, XLB_AF_INET6);
	round_trip(&m, XLB_CTL_REQUEST, &out);

	xlb_ctl_msg__init(&m, XLB_CMD_BACKEND_SET);
	backend(&m, XLB_AF_INET);
	m.be.flags = XLB_BE_F_DRAIN;
	m.be.flags_mask = XLB_BE_F_DRAIN | XLB_BE_F_ADMIN_DOWN;
	xlb_ctl_msg__set(&m, XLB_A_FLAGS);
	xlb_ctl_msg__set(&m, XLB_A_FLAGS_MASK);
	round_trip(&m, XLB_CTL_REQUEST, &out);
	cr_assert_eq(out.be.flags_mask, m.be.flags_mask);

	xlb_ctl_msg__init(&m, XLB_CMD_BACKEND_SET);
	backend(&m, XLB_AF_INET);
	m.be.flags = XLB_BE_F_ADMIN_DOWN;
	xlb_ctl_msg__set(&m, XLB_A_FLAGS);
	round_trip(&m, XLB_CTL_REQUEST, &out);
	cr_assert_eq(out.be.flags_mask, XLB_BE_F_ALL, "absent mask means every flag");

	xlb_ctl_msg__init(&m, XLB_CMD_BACKEND_GET);
	vip_key(&m, XLB_AF_INET);
	round_trip(&m, XLB_CTL_REQUEST, &out);
}

Test(round_trip, backend_reply)
{
	struct xlb_ctl_msg m, out;

	memset(&m, 0, sizeof(m));
	m.cmd = XLB_CMD_BACKEND_GET;
	m.flags = NLM_F_MULTI;
	m.seq = 9;
	backend(&m, XLB_AF_INET6);
	m.be.port = BE_PORT;
	m.be.id = BE_ID;
	m.be.generation = BE_GEN;
	m.be.weight = 0;
	m.be.flags = XLB_BE_F_ALL;
	m.be.state = XLB_BE_DRAINING;
	m.be.health = XLB_HEALTH_DOWN;
	m.cnt.packets = 1;
	m.cnt.present = 1U << XLB_CNT_PACKETS;
	for (unsigned int a = XLB_A_BACKEND_PORT; a <= XLB_A_COUNTERS; a++)
		if (a != XLB_A_FLAGS_MASK)
			xlb_ctl_msg__set(&m, a);
	round_trip(&m, XLB_CTL_REPLY, &out);
	cr_assert_eq(out.be.id, BE_ID);
	cr_assert_eq(out.be.generation, BE_GEN);
	cr_assert_eq(out.be.state, XLB_BE_DRAINING);
	cr_assert_eq(out.be.health, XLB_HEALTH_DOWN);
	cr_assert_eq(out.cnt.packets, 1);
	cr_assert_eq(out.cnt.present, 1U << XLB_CNT_PACKETS);
}

Test(round_trip, flow_request_and_reply)
{
	struct xlb_ctl_msg m, out;

	xlb_ctl_msg__init(&m, XLB_CMD_FLOW_GET);
	m.vip.key.family = XLB_AF_INET;
	m.vip.key.proto = IPPROTO_UDP;
	m.flow.src = v4(1);
	m.flow.dst = v4(10);
	m.flow.sport = SRC_PORT;
	m.flow.dport = VIP_PORT;
	xlb_ctl_msg__set(&m, XLB_A_FAMILY);
	xlb_ctl_msg__set(&m, XLB_A_PROTO);
	xlb_ctl_msg__set(&m, XLB_A_FLOW_SRC);
	xlb_ctl_msg__set(&m, XLB_A_FLOW_DST);
	xlb_ctl_msg__set(&m, XLB_A_FLOW_SPORT);
	xlb_ctl_msg__set(&m, XLB_A_FLOW_DPORT);
	round_trip(&m, XLB_CTL_REQUEST, &out);
	cr_assert_eq(memcmp(&out.flow, &m.flow, sizeof(m.flow)), 0);

	m.flags = 0;
	m.flow.source = XLB_FLOW_FROM_RING_STALE;
	m.vip.key.addr = v4(10);
	m.vip.key.port = 0;
	m.vip.id = VIP_ID;
	m.be.addr = v4(0x111);
	m.be.id = BE_ID;
	m.be.generation = BE_GEN;
	m.be.state = XLB_BE_ACTIVE;
	for (unsigned int a = XLB_A_VIP_ADDR; a <= XLB_A_STATE; a++)
		if (a != XLB_A_MODE && a != XLB_A_WEIGHT && a != XLB_A_FLAGS &&
		    a != XLB_A_FLAGS_MASK)
			xlb_ctl_msg__set(&m, a);
	xlb_ctl_msg__set(&m, XLB_A_FLOW_SOURCE);
	round_trip(&m, XLB_CTL_REPLY, &out);
	cr_assert_eq(out.flow.source, XLB_FLOW_FROM_RING_STALE);
	cr_assert_eq(out.be.id, BE_ID);
}

Test(round_trip, stats_config_attach_batch)
{
	struct xlb_ctl_msg m, out;

	xlb_ctl_msg__init(&m, XLB_CMD_STATS_GET);
	round_trip(&m, XLB_CTL_REQUEST, &out);
	memset(&m, 0, sizeof(m));
	m.cmd = XLB_CMD_STATS_GET;
	m.flags = NLM_F_MULTI;
	m.stat.id = XLB_STAT_FWD_TX;
	strcpy(m.stat.name, "fwd_tx");
	m.cnt.present = (1U << XLB_CNT_PACKETS) | (1U << XLB_CNT_BYTES);
	m.cnt.packets = COUNTER_VAL;
	xlb_ctl_msg__set(&m, XLB_A_STAT_ID);
	xlb_ctl_msg__set(&m, XLB_A_STAT_NAME);
	xlb_ctl_msg__set(&m, XLB_A_COUNTERS);
	round_trip(&m, XLB_CTL_REPLY, &out);
	cr_assert_str_eq(out.stat.name, "fwd_tx");
	cr_assert_eq(out.cnt.packets, COUNTER_VAL);

	xlb_ctl_msg__init(&m, XLB_CMD_CONFIG_SET);
	m.cfg.mtu = TEST_MTU;
	m.cfg.src4 = v4(0x200);
	m.cfg.src4_plen = SRC4_PLEN;
	m.cfg.src6 = v6(0x200);
	xlb_ctl_msg__set(&m, XLB_A_MTU);
	xlb_ctl_msg__set(&m, XLB_A_SRC4_ADDR);
	xlb_ctl_msg__set(&m, XLB_A_SRC4_PLEN);
	xlb_ctl_msg__set(&m, XLB_A_SRC6_ADDR);
	round_trip(&m, XLB_CTL_REQUEST, &out);
	cr_assert_eq(out.cfg.mtu, TEST_MTU);
	cr_assert_eq(out.cfg.src4_plen, SRC4_PLEN);
	cr_assert_eq(out.cfg.src6_plen, 128, "a bare address is a /128");

	xlb_ctl_msg__init(&m, XLB_CMD_CONFIG_GET);
	round_trip(&m, XLB_CTL_REQUEST, &out);
	m.flags = 0;
	m.cfg.mtu = TEST_MTU;
	m.cfg.src6_plen = SRC6_PLEN;
	strcpy(m.cfg.ifname, "xlbt-veth0");
	m.cfg.xdp_mode = XLB_XDP_SKB;
	m.cfg.attached = 1;
	for (unsigned int a = XLB_A_MTU; a <= XLB_A_ATTACHED; a++)
		xlb_ctl_msg__set(&m, a);
	round_trip(&m, XLB_CTL_REPLY, &out);
	cr_assert_str_eq(out.cfg.ifname, "xlbt-veth0");
	cr_assert_eq(out.cfg.src6_plen, SRC6_PLEN);
	cr_assert_eq(out.cfg.attached, 1);

	xlb_ctl_msg__init(&m, XLB_CMD_ATTACH);
	strcpy(m.cfg.ifname, "eth0");
	m.cfg.xdp_mode = XLB_XDP_SKB;
	xlb_ctl_msg__set(&m, XLB_A_IFNAME);
	xlb_ctl_msg__set(&m, XLB_A_XDP_MODE);
	round_trip(&m, XLB_CTL_REQUEST, &out);
	xlb_ctl_msg__init(&m, XLB_CMD_DETACH);
	round_trip(&m, XLB_CTL_REQUEST, &out);
	xlb_ctl_msg__init(&m, XLB_CMD_BATCH_BEGIN);
	round_trip(&m, XLB_CTL_REQUEST, &out);
	xlb_ctl_msg__init(&m, XLB_CMD_BATCH_END);
	round_trip(&m, XLB_CTL_REQUEST, &out);
}

Test(validate, wrong_attribute_lengths)
{
	char buf[BUF_SIZE];
	struct nlmsghdr *nlh;
	struct xlb_addr a = v4(10);

	nlh = raw(buf, XLB_CMD_VIP_ADD);
	mnl_attr_put_u16(nlh, XLB_A_FAMILY, XLB_AF_INET);
	expect_refused(buf, -EINVAL, "family: wrong length 2");

	nlh = raw(buf, XLB_CMD_VIP_ADD);
	mnl_attr_put_u8(nlh, XLB_A_FAMILY, XLB_AF_INET);
	mnl_attr_put(nlh, XLB_A_VIP_ADDR, sizeof(__u32), &a);
	expect_refused(buf, -EINVAL, "vip_addr: wrong length 4");

	nlh = raw(buf, XLB_CMD_BACKEND_SET);
	raw_vip_key(nlh);
	mnl_attr_put_u16(nlh, XLB_A_WEIGHT, 1);
	expect_refused(buf, -EINVAL, "weight: wrong length 2");

	nlh = raw(buf, XLB_CMD_CONFIG_SET);
	mnl_attr_put_u64(nlh, XLB_A_MTU, TEST_MTU);
	expect_refused(buf, -EINVAL, "mtu: wrong length 8");

	nlh = raw(buf, XLB_CMD_ATTACH);
	mnl_attr_put(nlh, XLB_A_IFNAME, 4, "eth0");
	expect_refused(buf, -EINVAL, "ifname: not a NUL-terminated string");

	nlh = raw(buf, XLB_CMD_ATTACH);
	mnl_attr_put_strz(nlh, XLB_A_IFNAME, "a-name-far-too-long");
	expect_refused(buf, -EINVAL, "ifname: length 19 not in 1..15");
}

Test(validate, out_of_range_values)
{
	struct xlb_ctl_msg m;

	xlb_ctl_msg__init(&m, XLB_CMD_BACKEND_ADD);
	backend(&m, XLB_AF_INET);
	m.be.weight = XLB_WEIGHT_MAX + 1;
	xlb_ctl_msg__set(&m, XLB_A_WEIGHT);
	expect_msg_refused(&m, -ERANGE, "weight: 65536 out of range 0..65535");

	xlb_ctl_msg__init(&m, XLB_CMD_VIP_ADD);
	vip_key(&m, XLB_AF_INET);
	m.vip.mode = XLB_MODE__MAX;
	xlb_ctl_msg__set(&m, XLB_A_MODE);
	expect_msg_refused(&m, -ERANGE, "mode: 2 out of range");

	xlb_ctl_msg__init(&m, XLB_CMD_VIP_ADD);
	vip_key(&m, XLB_AF_INET);
	m.vip.key.proto = IPPROTO_ICMP;
	expect_msg_refused(&m, -EINVAL, "proto: 1 is not tcp (6) or udp (17)");

	xlb_ctl_msg__init(&m, XLB_CMD_VIP_ADD);
	vip_key(&m, XLB_AF_INET);
	m.vip.key.family = 5;
	expect_msg_refused(&m, -EINVAL, "family: 5 is not 4 or 6");

	xlb_ctl_msg__init(&m, XLB_CMD_BACKEND_ADD);
	backend(&m, XLB_AF_INET);
	m.be.flags = 0x80;
	xlb_ctl_msg__set(&m, XLB_A_FLAGS);
	expect_msg_refused(&m, -EINVAL, "flags: unknown bits 0x80");

	xlb_ctl_msg__init(&m, XLB_CMD_CONFIG_SET);
	m.cfg.mtu = XLB_MTU_MIN - 1;
	xlb_ctl_msg__set(&m, XLB_A_MTU);
	expect_msg_refused(&m, -ERANGE, "mtu: 1279 out of range 1280..9216");

	xlb_ctl_msg__init(&m, XLB_CMD_CONFIG_SET);
	m.cfg.src4 = v4(1);
	m.cfg.src4_plen = 33;
	xlb_ctl_msg__set(&m, XLB_A_SRC4_ADDR);
	xlb_ctl_msg__set(&m, XLB_A_SRC4_PLEN);
	expect_msg_refused(&m, -ERANGE, "src4_plen: 33 out of range 0..32");

	xlb_ctl_msg__init(&m, XLB_CMD_ATTACH);
	m.cfg.xdp_mode = XLB_XDP_MODE__MAX;
	xlb_ctl_msg__set(&m, XLB_A_XDP_MODE);
	expect_msg_refused(&m, -ERANGE, "xdp_mode: 2 out of range");
}

Test(validate, addresses_and_families)
{
	struct xlb_ctl_msg m;

	xlb_ctl_msg__init(&m, XLB_CMD_VIP_ADD);
	vip_key(&m, XLB_AF_INET);
	m.vip.key.addr.a[3] = 1;
	expect_msg_refused(&m, -EINVAL, "vip_addr: not an IPv4 address");

	xlb_ctl_msg__init(&m, XLB_CMD_BACKEND_ADD);
	backend(&m, XLB_AF_INET);
	m.be.addr = v6(1);
	expect_msg_refused(&m, -EINVAL, "backend_addr: not an IPv4 address");

	xlb_ctl_msg__init(&m, XLB_CMD_BACKEND_ADD);
	backend(&m, XLB_AF_INET6);
	memset(&m.be.addr, 0, sizeof(m.be.addr));
	expect_msg_refused(&m, -EINVAL, "backend_addr: unspecified address");

	xlb_ctl_msg__init(&m, XLB_CMD_CONFIG_SET);
	m.cfg.src4 = v6(1);
	xlb_ctl_msg__set(&m, XLB_A_SRC4_ADDR);
	expect_msg_refused(&m, -EINVAL, "src4_addr: not an IPv4 address");

	xlb_ctl_msg__init(&m, XLB_CMD_CONFIG_SET);
	m.cfg.mtu = TEST_MTU;
	m.cfg.src6_plen = 64;
	xlb_ctl_msg__set(&m, XLB_A_MTU);
	xlb_ctl_msg__set(&m, XLB_A_SRC6_PLEN);
	expect_msg_refused(&m, -EINVAL, "src6_plen: needs src6_addr");
}

Test(validate, required_allowed_and_repeated_attributes)
{
	struct xlb_ctl_msg m;
	char buf[BUF_SIZE], what[64];
	struct nlmsghdr *nlh;

	xlb_ctl_msg__init(&m, XLB_CMD_VIP_ADD);
	vip_key(&m, XLB_AF_INET);
	xlb_ctl_msg__clear(&m, XLB_A_PORT);
	expect_msg_refused(&m, -EINVAL, "vip_add: missing attribute port");

	xlb_ctl_msg__init(&m, XLB_CMD_BACKEND_DEL);
	vip_key(&m, XLB_AF_INET);
	expect_msg_refused(&m, -EINVAL, "backend_del: missing attribute backend_addr");

	xlb_ctl_msg__init(&m, XLB_CMD_FLOW_GET);
	expect_msg_refused(&m, -EINVAL, "flow_get: missing attribute family");

	xlb_ctl_msg__init(&m, XLB_CMD_BACKEND_ADD);
	backend(&m, XLB_AF_INET);
	m.be.id = BE_ID;
	xlb_ctl_msg__set(&m, XLB_A_BACKEND_ID);
	expect_msg_refused(&m, -EINVAL, "backend_add: attribute backend_id not allowed");

	xlb_ctl_msg__init(&m, XLB_CMD_VIP_DEL);
	vip_key(&m, XLB_AF_INET);
	m.be.weight = 1;
	xlb_ctl_msg__set(&m, XLB_A_WEIGHT);
	expect_msg_refused(&m, -EINVAL, "vip_del: attribute weight not allowed");

	xlb_ctl_msg__init(&m, XLB_CMD_BACKEND_SET);
	backend(&m, XLB_AF_INET);
	expect_msg_refused(&m, -EINVAL, "backend_set: nothing to change");

	xlb_ctl_msg__init(&m, XLB_CMD_CONFIG_SET);
	expect_msg_refused(&m, -EINVAL, "config_set: nothing to change");

	xlb_ctl_msg__init(&m, XLB_CMD_BACKEND_SET);
	backend(&m, XLB_AF_INET);
	m.be.flags_mask = XLB_BE_F_DRAIN;
	m.be.weight = 1;
	xlb_ctl_msg__set(&m, XLB_A_WEIGHT);
	xlb_ctl_msg__set(&m, XLB_A_FLAGS_MASK);
	expect_msg_refused(&m, -EINVAL, "flags_mask: needs flags");

	xlb_ctl_msg__init(&m, XLB_CMD_BACKEND_GET);
	vip_key(&m, XLB_AF_INET);
	xlb_ctl_msg__clear(&m, XLB_A_PROTO);
	expect_msg_refused(&m, -EINVAL, "a filter needs family, address, port and protocol");

	nlh = raw(buf, XLB_CMD_VIP_ADD);
	raw_vip_key(nlh);
	mnl_attr_put_u16(nlh, XLB_A_PORT, VIP_PORT);
	expect_refused(buf, -EINVAL, "attribute port given twice");

	nlh = raw(buf, XLB_CMD_VIP_ADD);
	raw_vip_key(nlh);
	mnl_attr_put_u32(nlh, XLB_A__MAX, 1);
	snprintf(what, sizeof(what), "unknown attribute type %d", XLB_A__MAX);
	expect_refused(buf, -EINVAL, what);

	nlh = raw(buf, XLB_CMD_VIP_ADD);
	raw_vip_key(nlh);
	mnl_attr_put_u32(nlh, XLB_A_UNSPEC, 1);
	expect_refused(buf, -EINVAL, "unknown attribute type 0");
}

Test(validate, header_and_flags)
{
	char buf[BUF_SIZE];
	struct nlmsghdr *nlh;
	struct xlb_ctlmsg *cm;

	nlh = raw(buf, XLB_CMD_STATS_GET);
	nlh->nlmsg_type = XLB_CMD__MAX;
	expect_refused(buf, -EOPNOTSUPP, "unknown command");
	nlh->nlmsg_type = NLMSG_ERROR;
	expect_refused(buf, -EOPNOTSUPP, "unknown command 2");

	nlh = raw(buf, XLB_CMD_STATS_GET);
	cm = mnl_nlmsg_get_payload(nlh);
	cm->version = XLB_CTL_VERSION + 1;
	expect_refused(buf, -EPROTO, "protocol version 2, expected 1");
	cm->version = XLB_CTL_VERSION;
	cm->reserved[1] = 1;
	expect_refused(buf, -EINVAL, "reserved header bytes");

	nlh = raw(buf, XLB_CMD_STATS_GET);
	nlh->nlmsg_flags = NLM_F_DUMP;
	expect_refused(buf, -EINVAL, "NLM_F_REQUEST not set");
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	expect_refused(buf, -EINVAL, "is a dump, NLM_F_DUMP not set");

	nlh = raw(buf, XLB_CMD_DETACH);
	nlh->nlmsg_flags |= NLM_F_DUMP;
	expect_refused(buf, -EINVAL, "is not a dump, NLM_F_DUMP set");

	nlh = raw(buf, XLB_CMD_DETACH);
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN + 2;
	expect_refused(buf, -EINVAL, "shorter than its header");

	nlh = raw(buf, XLB_CMD_DETACH);
	nlh->nlmsg_len = XLB_CTL_MSG_MAX + NLMSG_ALIGNTO;
	expect_refused(buf, -EMSGSIZE, "over the 8192 limit");
}

Test(validate, malformed_attribute_stream)
{
	char buf[BUF_SIZE];
	struct nlmsghdr *nlh;
	struct nlattr *a;

	/* An attribute whose nla_len runs past the message. */
	nlh = raw(buf, XLB_CMD_ATTACH);
	a = mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put_u8(nlh, XLB_A_XDP_MODE, XLB_XDP_SKB);
	a->nla_len = 64;
	expect_refused(buf, -EINVAL, "attach: malformed attribute");

	/* Trailing bytes too short for an attribute header. */
	nlh = raw(buf, XLB_CMD_ATTACH);
	mnl_attr_put_u8(nlh, XLB_A_XDP_MODE, XLB_XDP_SKB);
	memset(mnl_nlmsg_get_payload_tail(nlh), 0, NLMSG_ALIGNTO);
	nlh->nlmsg_len += NLMSG_ALIGNTO;
	expect_refused(buf, -EINVAL, "attach: malformed attribute");

	/* nla_len below the attribute header. */
	nlh = raw(buf, XLB_CMD_ATTACH);
	a = mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put_u8(nlh, XLB_A_XDP_MODE, XLB_XDP_SKB);
	a->nla_len = 2;
	expect_refused(buf, -EINVAL, "attach: malformed attribute");
}

Test(validate, nested_counters_and_check)
{
	char buf[BUF_SIZE];
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	struct xlb_ctl_msg m;
	struct xlb_ctl_err e;

	nlh = raw(buf, XLB_CMD_BACKEND_ADD);
	raw_vip_key(nlh);
	{
		struct xlb_addr a = v4(0x111);

		mnl_attr_put(nlh, XLB_A_BACKEND_ADDR, sizeof(a), &a);
	}
	nest = mnl_attr_nest_start(nlh, XLB_A_CHECK);
	mnl_attr_put_u32(nlh, XLB_CHECK_A__MAX, 1);
	mnl_attr_nest_end(nlh, nest);
	expect_refused(buf, -EINVAL, "unknown check attribute type");

	/* A reply's counters: a u32 where a u64 belongs, an unknown counter. */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = XLB_CMD_STATS_GET;
	nlh->nlmsg_flags = NLM_F_MULTI;
	((struct xlb_ctlmsg *)mnl_nlmsg_put_extra_header(nlh, sizeof(struct xlb_ctlmsg)))->version =
		XLB_CTL_VERSION;
	mnl_attr_put_u32(nlh, XLB_A_STAT_ID, 0);
	mnl_attr_put_strz(nlh, XLB_A_STAT_NAME, "pass_not_ip");
	nest = mnl_attr_nest_start(nlh, XLB_A_COUNTERS);
	mnl_attr_put_u32(nlh, XLB_CNT_PACKETS, 1);
	mnl_attr_nest_end(nlh, nest);
	cr_assert_eq(xlb_ctl_msg__decode(nlh, XLB_CTL_REPLY, &m, &e), -EINVAL);
	cr_assert_not_null(strstr(e.msg, "counter packets: wrong length 4"), "%s", e.msg);

	nlh->nlmsg_len = (char *)nest - buf;
	nest = mnl_attr_nest_start(nlh, XLB_A_COUNTERS);
	mnl_attr_put_u64(nlh, XLB_CNT__MAX, 1);
	mnl_attr_nest_end(nlh, nest);
	cr_assert_eq(xlb_ctl_msg__decode(nlh, XLB_CTL_REPLY, &m, &e), -EINVAL);
	cr_assert_not_null(strstr(e.msg, "unknown counter type"), "%s", e.msg);

	/* A reply decoded as a request, and a request as a reply. */
	cr_assert_eq(xlb_ctl_msg__decode(nlh, XLB_CTL_REQUEST, &m, &e), -EINVAL);
	cr_assert_not_null(strstr(e.msg, "NLM_F_REQUEST not set"), "%s", e.msg);
	nlh = raw(buf, XLB_CMD_VIP_ADD);
	raw_vip_key(nlh);
	cr_assert_eq(xlb_ctl_msg__decode(nlh, XLB_CTL_REPLY, &m, &e), -EINVAL);
	cr_assert_not_null(strstr(e.msg, "reply with NLM_F_REQUEST set"), "%s", e.msg);
}

/* Health checks: specs as the CLI parses them go over the wire and come
 * back the same; the wire refuses what the CLI refuses. */

static void spec_of(const char *line, struct xlb_check_spec *spec)
{
	/* outlives the loop: a compound literal in it would not */
	char copy[1024], two_words[] = "two words", *argv[64], *p;
	struct xlb_errmsg em = {};
	int argc = 0;

	snprintf(copy, sizeof(copy), "%s", line);
	for (p = strtok(copy, " "); p; p = strtok(NULL, " "))
		argv[argc++] = strcmp(p, "<sp>") ? p : two_words;
	cr_assert_eq(xlb_check_spec__parse(spec, argc, argv, NULL, &em), 0, "%s: %s", line,
		     em.text);
}

Test(check, every_type_round_trips)
{
	static const char *const specs[] = {
		"none",
		"tcp",
		"tcp port 5432 interval 250ms timeout 200ms rise 1 fall 7",
		"http",
		"http method head path /ready expect 200-299,301,404 body ok host example.test "
		"interval 1500ms timeout 1s rise 4 fall 5 port 8080",
		"https ca /etc/xlb/ca.pem sni api.internal",
		"https insecure path /h",
		"grpc",
		"grpc tls ca /ca.pem sni backend.test service payments.v1.Ledger host h.test",
		"script /usr/local/bin/check",
		"script /bin/sh arg -c arg <sp> arg --flag interval 5s timeout 3s",
	};
	struct xlb_ctl_msg m, out;
	unsigned int i;

	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		xlb_ctl_msg__init(&m, i % 2 ? XLB_CMD_BACKEND_ADD : XLB_CMD_BACKEND_SET);
		backend(&m, XLB_AF_INET);
		spec_of(specs[i], &m.check);
		xlb_ctl_msg__set(&m, XLB_A_CHECK);
		round_trip(&m, XLB_CTL_REQUEST, &out);
		cr_assert_eq(memcmp(&out.check, &m.check, sizeof(m.check)), 0, "%s changed",
			     specs[i]);
	}
	/* an empty argument is an argument */
	xlb_ctl_msg__init(&m, XLB_CMD_BACKEND_ADD);
	backend(&m, XLB_AF_INET);
	xlb_check_spec__init(&m.check, XLB_CHECK_SCRIPT);
	strcpy(m.check.program, "/bin/true");
	m.check.nr_args = 2; /* "" and "x" */
	memcpy(m.check.args, "\0x", 3);
	xlb_ctl_msg__set(&m, XLB_A_CHECK);
	round_trip(&m, XLB_CTL_REQUEST, &out);
	cr_assert_eq(out.check.nr_args, 2);
	cr_assert_str_eq(out.check.args + 1, "x");
}

Test(check, vip_default_and_fail_open)
{
	struct xlb_ctl_msg m, out;

	xlb_ctl_msg__init(&m, XLB_CMD_VIP_SET);
	vip_key(&m, XLB_AF_INET6);
	m.vip.fail_open = 1;
	xlb_ctl_msg__set(&m, XLB_A_FAIL_OPEN);
	round_trip(&m, XLB_CTL_REQUEST, &out);
	cr_assert_eq(out.vip.fail_open, 1);

	xlb_ctl_msg__init(&m, XLB_CMD_VIP_ADD);
	vip_key(&m, XLB_AF_INET);
	spec_of("http path /x", &m.check);
	xlb_ctl_msg__set(&m, XLB_A_CHECK);
	round_trip(&m, XLB_CTL_REQUEST, &out);
	cr_assert_str_eq(out.check.path, "/x");

	/* a VIP reply carries both */
	memset(&m, 0, sizeof(m));
	m.cmd = XLB_CMD_VIP_GET;
	m.flags = NLM_F_MULTI;
	vip_key(&m, XLB_AF_INET);
	m.vip.id = VIP_ID;
	xlb_ctl_msg__set(&m, XLB_A_MODE);
	xlb_ctl_msg__set(&m, XLB_A_VIP_ID);
	xlb_ctl_msg__set(&m, XLB_A_FAIL_OPEN);
	spec_of("grpc service s", &m.check);
	xlb_ctl_msg__set(&m, XLB_A_CHECK);
	round_trip(&m, XLB_CTL_REPLY, &out);
	cr_assert_eq(memcmp(&out.check, &m.check, sizeof(m.check)), 0);

	/* VIP_SET needs something to change */
	xlb_ctl_msg__init(&m, XLB_CMD_VIP_SET);
	vip_key(&m, XLB_AF_INET);
	expect_msg_refused(&m, -EINVAL, "vip_set: nothing to change");
}

Test(check, status_and_health_stats_replies)
{
	struct xlb_ctl_msg m, out;
	unsigned int i;

	memset(&m, 0, sizeof(m));
	m.cmd = XLB_CMD_BACKEND_GET;
	m.flags = NLM_F_MULTI;
	backend(&m, XLB_AF_INET);
	m.be.id = BE_ID;
	for (i = XLB_A_BACKEND_PORT; i <= XLB_A_STATE; i++)
		if (i != XLB_A_FLAGS_MASK)
			xlb_ctl_msg__set(&m, i);
	m.hc.type = XLB_CTL_CHECK_HTTP;
	m.hc.inherited = 1;
	m.hc.in_state_ms = 12345;
	m.hc.checks = 77;
	m.hc.passes = 2;
	m.hc.failures = 0;
	strcpy(m.hc.reason, "http_status");
	strcpy(m.hc.text, "http 503");
	strcpy(m.hc.output, "maintenance");
	m.hc.ago_ms = 99;
	m.hc.latency_us = 4321;
	m.hc.present = (1U << XLB_CHST__MAX) - 2;
	xlb_ctl_msg__set(&m, XLB_A_CHECK_STATUS);
	round_trip(&m, XLB_CTL_REPLY, &out);
	cr_assert_eq(memcmp(&out.hc, &m.hc, sizeof(m.hc)), 0);

	memset(&m, 0, sizeof(m));
	m.cmd = XLB_CMD_STATS_GET;
	m.flags = NLM_F_MULTI;
	m.hst.targets = 3;
	m.hst.results = COUNTER_VAL;
	m.hst.changes = 5;
	m.hst.swaps = 4;
	m.hst.swap_sum_us = 1000;
	m.hst.swap_max_us = 600;
	m.hst.buckets[2] = 3;
	m.hst.buckets[XLB_SWAP_BUCKETS - 1] = 1;
	m.hst.present = (1U << XLB_HST__MAX) - 2;
	xlb_ctl_msg__set(&m, XLB_A_HEALTH_STATS);
	round_trip(&m, XLB_CTL_REPLY, &out);
	cr_assert_eq(memcmp(&out.hst, &m.hst, sizeof(m.hst)), 0);

	/* a stats reply is one counter or the summary, not both */
	m.stat.id = 0;
	strcpy(m.stat.name, "pass_not_ip");
	m.cnt.present = 1U << XLB_CNT_PACKETS;
	xlb_ctl_msg__set(&m, XLB_A_STAT_ID);
	xlb_ctl_msg__set(&m, XLB_A_STAT_NAME);
	xlb_ctl_msg__set(&m, XLB_A_COUNTERS);
	{
		char buf[BUF_SIZE];
		struct xlb_ctl_err e;

		cr_assert_gt(xlb_ctl_msg__encode(&m, buf, sizeof(buf)), 0);
		cr_assert_eq(xlb_ctl_msg__decode((void *)buf, XLB_CTL_REPLY, &out, &e), -EINVAL);
		cr_assert_not_null(strstr(e.msg, "health_stats alone"), "%s", e.msg);
	}
	/* a status in a request */
	xlb_ctl_msg__init(&m, XLB_CMD_BACKEND_SET);
	backend(&m, XLB_AF_INET);
	m.be.weight = 1;
	xlb_ctl_msg__set(&m, XLB_A_WEIGHT);
	m.hc.present = 1U << XLB_CHST_TYPE;
	xlb_ctl_msg__set(&m, XLB_A_CHECK_STATUS);
	expect_msg_refused(&m, -EINVAL, "attribute check_status not allowed");
}

/* A BACKEND_ADD whose check nest gets what put() writes. */
typedef void (*check_put_fn)(struct nlmsghdr *nlh);

static void expect_check_refused(check_put_fn put, int err, const char *what)
{
	char buf[BUF_SIZE];
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	struct xlb_addr a = v4(0x111);

	nlh = raw(buf, XLB_CMD_BACKEND_ADD);
	raw_vip_key(nlh);
	mnl_attr_put(nlh, XLB_A_BACKEND_ADDR, sizeof(a), &a);
	nest = mnl_attr_nest_start(nlh, XLB_A_CHECK);
	put(nlh);
	mnl_attr_nest_end(nlh, nest);
	expect_refused(buf, err, what);
}

static void put_tcp(struct nlmsghdr *nlh)
{
	mnl_attr_put_u8(nlh, XLB_CHECK_A_TYPE, XLB_CTL_CHECK_TCP);
}

static void put_http(struct nlmsghdr *nlh)
{
	mnl_attr_put_u8(nlh, XLB_CHECK_A_TYPE, XLB_CTL_CHECK_HTTP);
}

static void c_no_type(struct nlmsghdr *nlh)
{
	mnl_attr_put_u32(nlh, XLB_CHECK_A_RISE, 2);
}
static void c_bad_type(struct nlmsghdr *nlh)
{
	mnl_attr_put_u8(nlh, XLB_CHECK_A_TYPE, XLB_CTL_CHECK__MAX);
}
static void c_type_u32(struct nlmsghdr *nlh)
{
	mnl_attr_put_u32(nlh, XLB_CHECK_A_TYPE, XLB_CTL_CHECK_TCP);
}
static void c_path_on_tcp(struct nlmsghdr *nlh)
{
	put_tcp(nlh);
	mnl_attr_put_strz(nlh, XLB_CHECK_A_PATH, "/x");
}
static void c_timeout_over_interval(struct nlmsghdr *nlh)
{
	put_tcp(nlh);
	mnl_attr_put_u64(nlh, XLB_CHECK_A_INTERVAL_US, 500000);
	mnl_attr_put_u64(nlh, XLB_CHECK_A_TIMEOUT_US, 600000);
}
static void c_short_interval(struct nlmsghdr *nlh)
{
	put_tcp(nlh);
	mnl_attr_put_u64(nlh, XLB_CHECK_A_INTERVAL_US, 999);
}
static void c_rise_zero(struct nlmsghdr *nlh)
{
	put_tcp(nlh);
	mnl_attr_put_u32(nlh, XLB_CHECK_A_RISE, 0);
}
static void c_port_zero(struct nlmsghdr *nlh)
{
	put_tcp(nlh);
	mnl_attr_put_u16(nlh, XLB_CHECK_A_PORT, 0);
}
static void c_expect_odd(struct nlmsghdr *nlh)
{
	put_http(nlh);
	mnl_attr_put(nlh, XLB_CHECK_A_EXPECT, 3, "abc");
}
static void c_expect_range(struct nlmsghdr *nlh)
{
	struct xlb_ctl_status_range r = {.lo = 99, .hi = 200};

	put_http(nlh);
	mnl_attr_put(nlh, XLB_CHECK_A_EXPECT, sizeof(r), &r);
}
static void c_expect_backwards(struct nlmsghdr *nlh)
{
	struct xlb_ctl_status_range r = {.lo = 300, .hi = 200};

	put_http(nlh);
	mnl_attr_put(nlh, XLB_CHECK_A_EXPECT, sizeof(r), &r);
}
/* values no status has, in the most ranges: their text once overran the
 * buffer the parser's words were built in */
static void c_expect_huge(struct nlmsghdr *nlh)
{
	struct xlb_ctl_status_range r[XLB_CHECK_MAX_RANGES];
	size_t i;

	for (i = 0; i < XLB_CHECK_MAX_RANGES; i++)
		r[i] = (struct xlb_ctl_status_range){.lo = UINT16_MAX, .hi = UINT16_MAX};
	put_http(nlh);
	mnl_attr_put(nlh, XLB_CHECK_A_EXPECT, sizeof(r), r);
}
static void c_method(struct nlmsghdr *nlh)
{
	put_http(nlh);
	mnl_attr_put_strz(nlh, XLB_CHECK_A_METHOD, "G3T");
}
static void c_path_relative(struct nlmsghdr *nlh)
{
	put_http(nlh);
	mnl_attr_put_strz(nlh, XLB_CHECK_A_PATH, "health");
}
static void c_path_unterminated(struct nlmsghdr *nlh)
{
	put_http(nlh);
	mnl_attr_put(nlh, XLB_CHECK_A_PATH, 2, "/x");
}
static void c_path_long(struct nlmsghdr *nlh)
{
	char p[XLB_CHECK_PATH_LEN + 1];

	memset(p, 'a', sizeof(p) - 1);
	p[0] = '/';
	p[sizeof(p) - 1] = '\0';
	put_http(nlh);
	mnl_attr_put_strz(nlh, XLB_CHECK_A_PATH, p);
}
static void c_tls_on_https(struct nlmsghdr *nlh)
{
	mnl_attr_put_u8(nlh, XLB_CHECK_A_TYPE, XLB_CTL_CHECK_HTTPS);
	mnl_attr_put_u8(nlh, XLB_CHECK_A_TLS, 1);
}
static void c_insecure_and_ca(struct nlmsghdr *nlh)
{
	mnl_attr_put_u8(nlh, XLB_CHECK_A_TYPE, XLB_CTL_CHECK_HTTPS);
	mnl_attr_put_u8(nlh, XLB_CHECK_A_INSECURE, 1);
	mnl_attr_put_strz(nlh, XLB_CHECK_A_CA_FILE, "/ca.pem");
}
static void c_ca_without_tls(struct nlmsghdr *nlh)
{
	mnl_attr_put_u8(nlh, XLB_CHECK_A_TYPE, XLB_CTL_CHECK_GRPC);
	mnl_attr_put_strz(nlh, XLB_CHECK_A_CA_FILE, "/ca.pem");
}
static void c_script_no_program(struct nlmsghdr *nlh)
{
	mnl_attr_put_u8(nlh, XLB_CHECK_A_TYPE, XLB_CTL_CHECK_SCRIPT);
}
static void c_program_on_http(struct nlmsghdr *nlh)
{
	put_http(nlh);
	mnl_attr_put_strz(nlh, XLB_CHECK_A_PROGRAM, "/bin/true");
}
static void c_program_relative(struct nlmsghdr *nlh)
{
	mnl_attr_put_u8(nlh, XLB_CHECK_A_TYPE, XLB_CTL_CHECK_SCRIPT);
	mnl_attr_put_strz(nlh, XLB_CHECK_A_PROGRAM, "bin/true");
}
static void c_args_bad_type(struct nlmsghdr *nlh)
{
	struct nlattr *args;

	mnl_attr_put_u8(nlh, XLB_CHECK_A_TYPE, XLB_CTL_CHECK_SCRIPT);
	mnl_attr_put_strz(nlh, XLB_CHECK_A_PROGRAM, "/bin/true");
	args = mnl_attr_nest_start(nlh, XLB_CHECK_A_ARGS);
	mnl_attr_put_strz(nlh, XLB_CHECK_ARG + 1, "x");
	mnl_attr_nest_end(nlh, args);
}
static void c_args_too_many(struct nlmsghdr *nlh)
{
	struct nlattr *args;
	int i;

	mnl_attr_put_u8(nlh, XLB_CHECK_A_TYPE, XLB_CTL_CHECK_SCRIPT);
	mnl_attr_put_strz(nlh, XLB_CHECK_A_PROGRAM, "/bin/true");
	args = mnl_attr_nest_start(nlh, XLB_CHECK_A_ARGS);
	for (i = 0; i <= XLB_CHECK_MAX_ARGS; i++)
		mnl_attr_put_strz(nlh, XLB_CHECK_ARG, "x");
	mnl_attr_nest_end(nlh, args);
}
static void c_twice(struct nlmsghdr *nlh)
{
	put_tcp(nlh);
	mnl_attr_put_u32(nlh, XLB_CHECK_A_FALL, 2);
	mnl_attr_put_u32(nlh, XLB_CHECK_A_FALL, 3);
}
static void c_unknown(struct nlmsghdr *nlh)
{
	put_tcp(nlh);
	mnl_attr_put_u8(nlh, XLB_CHECK_A__MAX, 1);
}

Test(check, wire_refuses_what_the_cli_refuses)
{
	static const struct {
		check_put_fn put;
		const char *what;
	} cases[] = {
		/* an attribute out of its own range is -ERANGE, as everywhere */
		{c_no_type, "check attribute type missing"},
		{c_bad_type, "check attribute type: 6 out of range 0..5"},
		{c_type_u32, "check attribute type: wrong length 4"},
		{c_path_on_tcp, "check: 'path' is not an option of tcp checks"},
		{c_timeout_over_interval, "check: timeout 600ms exceeds interval 500ms"},
		{c_short_interval, "check: interval '999us' out of range 10ms..1h"},
		{c_rise_zero, "check attribute rise: 0 out of range 1..1000"},
		{c_port_zero, "check attribute port: 0 out of range"},
		{c_expect_odd, "check attribute expect: length 3 is not 1..8 ranges"},
		{c_expect_range, "check: bad expect '99-200'"},
		{c_expect_backwards, "check: bad expect '300-200'"},
		{c_expect_huge, "check: bad expect '65535-65535,65535-65535,"},
		{c_method, "check: bad method 'G3T'"},
		{c_path_relative, "check: bad path 'health' (must start with /)"},
		{c_path_unterminated, "check attribute path: not a NUL-terminated string"},
		{c_path_long, "check attribute path: length 256 not in 1..255"},
		{c_tls_on_https, "check: 'tls' is not an option of https checks"},
		{c_insecure_and_ca, "check: 'insecure' and 'ca' exclude each other"},
		{c_ca_without_tls, "check: 'ca' needs 'tls' on a grpc check"},
		{c_script_no_program, "check: missing program after 'script'"},
		{c_program_on_http, "check: 'program' is not an option of http checks"},
		{c_program_relative, "check: script program 'bin/true' is not an absolute path"},
		{c_args_bad_type, "check attribute args: unknown type 2"},
		{c_args_too_many, "check attribute args: over 16"},
		{c_twice, "check attribute fall given twice"},
		{c_unknown, "unknown check attribute type"},
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_check_refused(cases[i].put,
				     strstr(cases[i].what, "check attribute") &&
						     strstr(cases[i].what, "out of range")
					     ? -ERANGE
					     : -EINVAL,
				     cases[i].what);
}

Test(record, iterates_and_refuses_lies)
{
	char buf[BUF_SIZE];
	const struct nlmsghdr *nlh;
	struct xlb_ctl_iter it;
	struct xlb_ctl_msg m;
	struct xlb_ctl_err e;
	int len1, len2;

	xlb_ctl_msg__init(&m, XLB_CMD_STATS_GET);
	len1 = xlb_ctl_msg__encode(&m, buf, sizeof(buf));
	xlb_ctl_msg__init(&m, XLB_CMD_DETACH);
	len2 = xlb_ctl_msg__encode(&m, buf + len1, sizeof(buf) - len1);
	xlb_ctl_iter__init(&it, buf, len1 + len2);
	cr_assert_eq(xlb_ctl_iter__next(&it, &nlh, &e), 1);
	cr_assert_eq(nlh->nlmsg_type, XLB_CMD_STATS_GET);
	cr_assert_eq(xlb_ctl_iter__next(&it, &nlh, &e), 1);
	cr_assert_eq(nlh->nlmsg_type, XLB_CMD_DETACH);
	cr_assert_eq(xlb_ctl_iter__next(&it, &nlh, &e), 0);

	/* Truncated header: fewer bytes left than an nlmsghdr. */
	xlb_ctl_iter__init(&it, buf, len1 + sizeof(struct nlmsghdr) - 1);
	cr_assert_eq(xlb_ctl_iter__next(&it, &nlh, &e), 1);
	cr_assert_eq(xlb_ctl_iter__next(&it, &nlh, &e), -EBADMSG);
	cr_assert_not_null(strstr(e.msg, "truncated message header"), "%s", e.msg);

	/* nlmsg_len past the record, shorter than a header, unaligned. */
	xlb_ctl_iter__init(&it, buf, len1 - 1);
	cr_assert_eq(xlb_ctl_iter__next(&it, &nlh, &e), -EBADMSG);
	cr_assert_not_null(strstr(e.msg, "past the record"), "%s", e.msg);
	((struct nlmsghdr *)buf)->nlmsg_len = 4;
	xlb_ctl_iter__init(&it, buf, len1);
	cr_assert_eq(xlb_ctl_iter__next(&it, &nlh, &e), -EBADMSG);
	cr_assert_not_null(strstr(e.msg, "shorter than the header"), "%s", e.msg);
	((struct nlmsghdr *)buf)->nlmsg_len = len1 - 1;
	xlb_ctl_iter__init(&it, buf, len1);
	cr_assert_eq(xlb_ctl_iter__next(&it, &nlh, &e), -EBADMSG);
	cr_assert_not_null(strstr(e.msg, "not a multiple of 4"), "%s", e.msg);
}

Test(record, errors_acks_and_done)
{
	char buf[BUF_SIZE], req[BUF_SIZE];
	struct xlb_ctl_msg m;
	struct xlb_ctl_err e;
	__u32 seq = 0;
	int len;

	xlb_ctl_msg__init(&m, XLB_CMD_VIP_ADD);
	m.seq = 77;
	cr_assert_gt(xlb_ctl_msg__encode(&m, req, sizeof(req)), 0);

	len = xlb_ctl__put_error(buf, sizeof(buf), (struct nlmsghdr *)req, -EEXIST,
				 "VIP 198.18.0.10:80/tcp exists");
	cr_assert_gt(len, 0);
	cr_assert_eq(((struct nlmsghdr *)buf)->nlmsg_seq, 77);
	cr_assert_eq(xlb_ctl__parse_error((struct nlmsghdr *)buf, &seq, &e), 0);
	cr_assert_eq(e.err, -EEXIST);
	cr_assert_eq(seq, 77);
	cr_assert_str_eq(e.msg, "VIP 198.18.0.10:80/tcp exists");

	len = xlb_ctl__put_error(buf, sizeof(buf), (struct nlmsghdr *)req, 0, NULL);
	cr_assert_gt(len, 0);
	cr_assert_eq(xlb_ctl__parse_error((struct nlmsghdr *)buf, &seq, &e), 0);
	cr_assert_eq(e.err, 0);
	cr_assert_str_eq(e.msg, "");

	len = xlb_ctl__put_error(buf, sizeof(buf), NULL, -EBADMSG, "broken record");
	cr_assert_gt(len, 0);
	cr_assert_eq(((struct nlmsghdr *)buf)->nlmsg_seq, 0);

	cr_assert_eq(xlb_ctl__put_error(buf, NLMSG_HDRLEN, NULL, -EINVAL, "x"), -EMSGSIZE);

	len = xlb_ctl__put_done(buf, sizeof(buf), (struct nlmsghdr *)req);
	cr_assert_gt(len, 0);
	cr_assert_eq(((struct nlmsghdr *)buf)->nlmsg_type, NLMSG_DONE);
	cr_assert(((struct nlmsghdr *)buf)->nlmsg_flags & NLM_F_MULTI);

	/* A positive errno or a short error message is refused. */
	xlb_ctl__put_error(buf, sizeof(buf), (struct nlmsghdr *)req, -EINVAL, NULL);
	((struct nlmsgerr *)mnl_nlmsg_get_payload((struct nlmsghdr *)buf))->error = EINVAL;
	cr_assert_eq(xlb_ctl__parse_error((struct nlmsghdr *)buf, &seq, &e), -EBADMSG);
	((struct nlmsghdr *)buf)->nlmsg_len = NLMSG_HDRLEN;
	cr_assert_eq(xlb_ctl__parse_error((struct nlmsghdr *)buf, &seq, &e), -EBADMSG);
}

Test(record, encode_bounds)
{
	char buf[BUF_SIZE];
	struct xlb_ctl_msg m;

	xlb_ctl_msg__init(&m, XLB_CMD_BACKEND_ADD);
	backend(&m, XLB_AF_INET6);
	cr_assert_eq(xlb_ctl_msg__encode(&m, buf, NLMSG_HDRLEN), -EMSGSIZE);
	cr_assert_eq(xlb_ctl_msg__encode(&m, buf, NLMSG_HDRLEN + 24), -EMSGSIZE);
	cr_assert_gt(xlb_ctl_msg__encode(&m, buf, sizeof(buf)), 0);
}

/* A server for the client tests: answers per its mode, on a real socket. */
enum server_mode {
	SERVE_DUMP,	/* DUMP_COUNT replies to a VIP_GET dump, then DONE */
	SERVE_BATCH,	/* collects a batch, refuses request BAD_INDEX */
	SERVE_TRUNCATE, /* one reply record larger than XLB_CTL_RECORD_MAX */
};

struct server {
	int lfd;
	enum server_mode mode;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	size_t batch_msgs;    /* requests seen inside the batch */
	unsigned int records; /* records received */
};

static void send_reply(int fd, const void *buf, size_t len)
{
	cr_assert_eq(send(fd, buf, len, 0), (ssize_t)len);
}

static void serve_dump(int fd, const struct nlmsghdr *req)
{
	char *out = malloc(XLB_CTL_RECORD_MAX);
	struct xlb_ctl_msg m;
	size_t used = 0;
	int len;

	cr_assert_not_null(out);
	for (unsigned int i = 0; i < DUMP_COUNT; i++) {
		memset(&m, 0, sizeof(m));
		m.cmd = XLB_CMD_VIP_GET;
		m.flags = NLM_F_MULTI;
		m.seq = req->nlmsg_seq;
		vip_key(&m, XLB_AF_INET);
		m.vip.key.port = i;
		m.vip.id = i % (XLB_MAX_VIPS - 1) + 1;
		xlb_ctl_msg__set(&m, XLB_A_MODE);
		xlb_ctl_msg__set(&m, XLB_A_VIP_ID);
		len = xlb_ctl_msg__encode(&m, out + used, XLB_CTL_RECORD_MAX - used);
		if (len == -EMSGSIZE) {
			send_reply(fd, out, used);
			used = 0;
			len = xlb_ctl_msg__encode(&m, out, XLB_CTL_RECORD_MAX);
		}
		cr_assert_gt(len, 0);
		used += len;
	}
	len = xlb_ctl__put_done(out + used, XLB_CTL_RECORD_MAX - used, req);
	cr_assert_gt(len, 0);
	send_reply(fd, out, used + len);
	free(out);
}

static void *server_main(void *arg)
{
	struct server *s = arg;
	char *in = malloc(XLB_CTL_RECORD_MAX), out[BUF_SIZE];
	const struct nlmsghdr *nlh, *bad = NULL;
	struct nlmsghdr bad_hdr;
	struct xlb_ctl_iter it;
	struct xlb_ctl_msg m;
	struct xlb_ctl_err e;
	bool in_batch = false;
	int fd, len;
	ssize_t n;

	cr_assert_not_null(in);
	fd = accept(s->lfd, NULL, NULL);
	cr_assert_geq(fd, 0);
	while ((n = recv(fd, in, XLB_CTL_RECORD_MAX, 0)) > 0) {
		s->records++;
		xlb_ctl_iter__init(&it, in, n);
		while (xlb_ctl_iter__next(&it, &nlh, &e) > 0) {
			cr_assert_eq(xlb_ctl_msg__decode(nlh, XLB_CTL_REQUEST, &m, &e), 0, "%s",
				     e.msg);
			if (s->mode == SERVE_DUMP) {
				serve_dump(fd, nlh);
			} else if (s->mode == SERVE_TRUNCATE) {
				char *big = calloc(1, XLB_CTL_RECORD_MAX + NLMSG_ALIGNTO);

				cr_assert_not_null(big);
				send_reply(fd, big, XLB_CTL_RECORD_MAX + NLMSG_ALIGNTO);
				free(big);
			} else if (m.cmd == XLB_CMD_BATCH_BEGIN) {
				in_batch = true;
			} else if (m.cmd == XLB_CMD_BATCH_END) {
				cr_assert(in_batch);
				len = xlb_ctl__put_error(out, sizeof(out), nlh, -ENOENT,
							 "no such VIP");
				/* The error names the refused request, under END's seq. */
				((struct nlmsgerr *)mnl_nlmsg_get_payload((void *)out))->msg =
					bad_hdr;
				send_reply(fd, out, len);
			} else if (s->batch_msgs++ == BAD_INDEX) {
				bad_hdr = *nlh;
				bad = &bad_hdr;
			}
		}
	}
	cr_assert(s->mode != SERVE_BATCH || bad);
	close(fd);
	free(in);
	return NULL;
}

static void server_start(struct server *s, enum server_mode mode, pthread_t *th)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};

	memset(s, 0, sizeof(*s));
	s->mode = mode;
	snprintf(s->path, sizeof(s->path), "/tmp/xlbt-ctl-%d.sock", getpid());
	memcpy(sun.sun_path, s->path, sizeof(s->path));
	unlink(s->path);
	s->lfd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	cr_assert_geq(s->lfd, 0);
	cr_assert_eq(bind(s->lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	cr_assert_eq(listen(s->lfd, 1), 0);
	cr_assert_eq(pthread_create(th, NULL, server_main, s), 0);
}

static void server_stop(struct server *s, pthread_t th)
{
	pthread_join(th, NULL);
	close(s->lfd);
	unlink(s->path);
}

static int count_reply(const struct xlb_ctl_msg *m, void *data)
{
	unsigned int *n = data;

	cr_assert_eq(m->vip.key.port, *n, "replies in order");
	(*n)++;
	return 0;
}

Test(client, dump_spanning_records)
{
	struct xlb_ctl_client c;
	struct xlb_ctl_msg req;
	struct xlb_ctl_err e;
	struct server s;
	unsigned int n = 0;
	pthread_t th;

	server_start(&s, SERVE_DUMP, &th);
	cr_assert_eq(xlb_ctl_client__connect(&c, s.path, &e), 0, "%s", e.msg);
	xlb_ctl_msg__init(&req, XLB_CMD_VIP_GET);
	cr_assert_eq(xlb_ctl_client__request(&c, &req, count_reply, &n, &e), 0, "%s", e.msg);
	cr_assert_eq(n, DUMP_COUNT);
	xlb_ctl_client__close(&c);
	server_stop(&s, th);
}

Test(client, batch_spanning_records_names_the_failing_request)
{
	struct xlb_ctl_msg *reqs = calloc(BIG_BATCH, sizeof(*reqs));
	struct xlb_ctl_client c;
	struct xlb_ctl_err e;
	struct server s;
	size_t failed;
	pthread_t th;

	cr_assert_not_null(reqs);
	for (unsigned int i = 0; i < BIG_BATCH; i++) {
		xlb_ctl_msg__init(&reqs[i], XLB_CMD_BACKEND_ADD);
		backend(&reqs[i], XLB_AF_INET6);
		reqs[i].be.port = i;
		xlb_ctl_msg__set(&reqs[i], XLB_A_BACKEND_PORT);
	}
	server_start(&s, SERVE_BATCH, &th);
	cr_assert_eq(xlb_ctl_client__connect(&c, s.path, &e), 0, "%s", e.msg);
	cr_assert_eq(xlb_ctl_client__batch(&c, reqs, BIG_BATCH, &failed, &e), -ENOENT);
	cr_assert_eq(failed, BAD_INDEX);
	cr_assert_str_eq(e.msg, "no such VIP");
	xlb_ctl_client__close(&c);
	server_stop(&s, th);
	cr_assert_gt(s.records, 1, "a big batch spans several records");
	cr_assert_eq(s.batch_msgs, BIG_BATCH);
	free(reqs);
}

Test(client, truncated_record_is_refused)
{
	struct xlb_ctl_client c;
	struct xlb_ctl_msg req;
	struct xlb_ctl_err e;
	struct server s;
	pthread_t th;

	server_start(&s, SERVE_TRUNCATE, &th);
	cr_assert_eq(xlb_ctl_client__connect(&c, s.path, &e), 0, "%s", e.msg);
	xlb_ctl_msg__init(&req, XLB_CMD_STATS_GET);
	cr_assert_eq(xlb_ctl_client__request(&c, &req, NULL, NULL, &e), -EMSGSIZE);
	cr_assert_not_null(strstr(e.msg, "reply record over"), "%s", e.msg);
	xlb_ctl_client__close(&c);
	server_stop(&s, th);
}

Test(client, no_daemon)
{
	struct xlb_ctl_client c;
	struct xlb_ctl_err e;
	char path[64];

	snprintf(path, sizeof(path), "/tmp/xlbt-ctl-none-%d.sock", getpid());
	cr_assert_eq(xlb_ctl_client__connect(&c, path, &e), -ENOENT);
	cr_assert_not_null(strstr(e.msg, "cannot connect"), "%s", e.msg);
	cr_assert_eq(xlb_ctl__sock_path(path, sizeof(path), "xlbt0"), 0);
	cr_assert_str_eq(path, "/run/xlb/xlbt0.sock");
	cr_assert_eq(xlb_ctl__sock_path(path, sizeof(path), "../x"), -EINVAL);
}

/* Source ACL and rate limits. */

#define ACL_PLEN4  24
#define ACL_PLEN6  64
#define RL_PPS	   1000
#define RL_BURST   2000
#define RL_FLOWS   100
#define RL_PLEN4   24
#define RL_PLEN6   48
#define RL_DROPS   4242
#define RL_AGO_MS  1500
#define RL_TOP	   50
#define BUDGET	   30000
#define BAD_ACTION 3

/* A source prefix of family: 198.18.7.0/24 or 2001:2:0:7::/64. */
static void prefix(struct xlb_ctl_msg *m, int family)
{
	m->prefix.family = family;
	m->prefix.plen = family == XLB_AF_INET ? ACL_PLEN4 : ACL_PLEN6;
	m->prefix.addr = family == XLB_AF_INET ? v4(7 << 8) : v6(0);
	if (family == XLB_AF_INET6)
		m->prefix.addr.a[1] = htonl(7);
	xlb_ctl_msg__set(m, XLB_A_PREFIX_FAMILY);
	xlb_ctl_msg__set(m, XLB_A_PREFIX_ADDR);
	xlb_ctl_msg__set(m, XLB_A_PREFIX_LEN);
}

static void acl_entry(struct xlb_ctl_msg *m, enum xlb_cmd cmd, int family, __u8 action)
{
	xlb_ctl_msg__init(m, cmd);
	prefix(m, family);
	m->prefix.action = action;
	xlb_ctl_msg__set(m, XLB_A_ACL_ACTION);
}

Test(round_trip, acl_requests)
{
	struct xlb_ctl_msg m, out;
	unsigned int fam, scoped;

	for (fam = XLB_AF_INET; fam <= XLB_AF_INET6; fam += XLB_AF_INET6 - XLB_AF_INET) {
		for (scoped = 0; scoped < 2; scoped++) {
			acl_entry(&m, XLB_CMD_ACL_ADD, fam, XLB_ACL_ALLOW);
			if (scoped)
				vip_key(&m, fam);
			round_trip(&m, XLB_CTL_REQUEST, &out);
			cr_assert_eq(out.prefix.family, fam);
			cr_assert_eq(out.prefix.plen, m.prefix.plen);
			cr_assert_eq(out.prefix.action, XLB_ACL_ALLOW);
			cr_assert_eq(
				memcmp(&out.prefix.addr, &m.prefix.addr, sizeof(m.prefix.addr)), 0);
			cr_assert_eq(xlb_ctl_msg__has(&out, XLB_A_VIP_ADDR), scoped);

			/* del: the action is optional */
			acl_entry(&m, XLB_CMD_ACL_DEL, fam, XLB_ACL_DENY);
			xlb_ctl_msg__clear(&m, XLB_A_ACL_ACTION);
			if (scoped)
				vip_key(&m, fam);
			round_trip(&m, XLB_CTL_REQUEST, &out);
			cr_assert_not(xlb_ctl_msg__has(&out, XLB_A_ACL_ACTION));
		}
	}
	xlb_ctl_msg__init(&m, XLB_CMD_ACL_GET);
	cr_assert_eq(m.flags & NLM_F_DUMP, NLM_F_DUMP, "acl_get is a dump");
	round_trip(&m, XLB_CTL_REQUEST, &out);
	vip_key(&m, XLB_AF_INET);
	round_trip(&m, XLB_CTL_REQUEST, &out);
	cr_assert(xlb_cmd__in_batch(XLB_CMD_ACL_ADD) && xlb_cmd__in_batch(XLB_CMD_ACL_DEL));
	cr_assert_not(xlb_cmd__in_batch(XLB_CMD_ACL_GET));
}

Test(round_trip, ratelimit_requests)
{
	struct xlb_ctl_msg m, out;

	xlb_ctl_msg__init(&m, XLB_CMD_RATELIMIT_SET);
	vip_key(&m, XLB_AF_INET6);
	m.rl = (struct xlb_ctl_ratelimit){.pps = RL_PPS,
					  .pps_burst = RL_BURST,
					  .flows = RL_FLOWS,
					  .flows_burst = 1,
					  .plen4 = RL_PLEN4,
					  .plen6 = RL_PLEN6};
	xlb_ctl_msg__set(&m, XLB_A_RL_PPS);
	xlb_ctl_msg__set(&m, XLB_A_RL_PPS_BURST);
	xlb_ctl_msg__set(&m, XLB_A_RL_FLOWS);
	xlb_ctl_msg__set(&m, XLB_A_RL_FLOWS_BURST);
	xlb_ctl_msg__set(&m, XLB_A_RL_PLEN4);
	xlb_ctl_msg__set(&m, XLB_A_RL_PLEN6);
	round_trip(&m, XLB_CTL_REQUEST, &out);
	cr_assert_eq(memcmp(&out.rl, &m.rl, sizeof(m.rl)), 0);

	/* a rate alone: the rest is left to the daemon's defaults */
	xlb_ctl_msg__init(&m, XLB_CMD_RATELIMIT_SET);
	m.rl.pps = RL_PPS;
	xlb_ctl_msg__set(&m, XLB_A_RL_PPS);
	round_trip(&m, XLB_CTL_REQUEST, &out);
	cr_assert_eq(out.rl.pps, RL_PPS);
	cr_assert_not(xlb_ctl_msg__has(&out, XLB_A_RL_PPS_BURST));
	cr_assert_not(xlb_ctl_msg__has(&out, XLB_A_RL_PLEN4));

	/* an exemption: both limits off */
	xlb_ctl_msg__init(&m, XLB_CMD_RATELIMIT_SET);
	vip_key(&m, XLB_AF_INET);
	xlb_ctl_msg__set(&m, XLB_A_RL_PPS);
	xlb_ctl_msg__set(&m, XLB_A_RL_FLOWS);
	round_trip(&m, XLB_CTL_REQUEST, &out);
	cr_assert_eq(out.rl.pps_burst + out.rl.flows_burst, 0);

	xlb_ctl_msg__init(&m, XLB_CMD_RATELIMIT_DEL);
	round_trip(&m, XLB_CTL_REQUEST, &out);
	vip_key(&m, XLB_AF_INET);
	round_trip(&m, XLB_CTL_REQUEST, &out);
	xlb_ctl_msg__init(&m, XLB_CMD_RATELIMIT_GET);
	round_trip(&m, XLB_CTL_REQUEST, &out);
	xlb_ctl_msg__init(&m, XLB_CMD_RATELIMIT_TOP);
	round_trip(&m, XLB_CTL_REQUEST, &out);
	cr_assert_eq(out.rl.top_max, XLB_RL_TOP_DEFAULT);
	m.rl.top_max = RL_TOP;
	xlb_ctl_msg__set(&m, XLB_A_RL_TOP_MAX);
	round_trip(&m, XLB_CTL_REQUEST, &out);
	cr_assert_eq(out.rl.top_max, RL_TOP);

	xlb_ctl_msg__init(&m, XLB_CMD_CONFIG_SET);
	m.cfg.flow_budget = BUDGET;
	xlb_ctl_msg__set(&m, XLB_A_FLOW_BUDGET);
	round_trip(&m, XLB_CTL_REQUEST, &out);
	cr_assert_eq(out.cfg.flow_budget, BUDGET);
}

/* A reply message of cmd (no request flags). */
static void reply(struct xlb_ctl_msg *m, enum xlb_cmd cmd)
{
	memset(m, 0, sizeof(*m));
	m->cmd = cmd;
	m->flags = NLM_F_MULTI;
}

Test(round_trip, guard_replies)
{
	struct xlb_ctl_msg m, out;

	reply(&m, XLB_CMD_ACL_GET);
	prefix(&m, XLB_AF_INET);
	m.prefix.action = XLB_ACL_DENY;
	xlb_ctl_msg__set(&m, XLB_A_ACL_ACTION);
	round_trip(&m, XLB_CTL_REPLY, &out);
	vip_key(&m, XLB_AF_INET);
	m.vip.id = VIP_ID;
	xlb_ctl_msg__set(&m, XLB_A_VIP_ID);
	round_trip(&m, XLB_CTL_REPLY, &out);
	cr_assert_eq(out.vip.id, VIP_ID);

	reply(&m, XLB_CMD_RATELIMIT_GET);
	m.rl.pps = RL_PPS;
	m.rl.pps_burst = RL_BURST;
	m.rl.plen4 = RL_PLEN4;
	m.rl.plen6 = RL_PLEN6;
	xlb_ctl_msg__set(&m, XLB_A_RL_PPS);
	xlb_ctl_msg__set(&m, XLB_A_RL_PPS_BURST);
	xlb_ctl_msg__set(&m, XLB_A_RL_FLOWS);
	xlb_ctl_msg__set(&m, XLB_A_RL_PLEN4);
	xlb_ctl_msg__set(&m, XLB_A_RL_PLEN6);
	round_trip(&m, XLB_CTL_REPLY, &out);
	cr_assert_eq(out.rl.pps_burst, RL_BURST);
	cr_assert_eq(out.rl.flows_burst, 0, "no default burst in a reply");

	reply(&m, XLB_CMD_RATELIMIT_TOP);
	prefix(&m, XLB_AF_INET6);
	m.cnt.rl_pps_drops = RL_DROPS;
	m.cnt.rl_flow_drops = COUNTER_VAL;
	m.cnt.present = (1u << XLB_CNT_RL_PPS_DROPS) | (1u << XLB_CNT_RL_FLOW_DROPS);
	xlb_ctl_msg__set(&m, XLB_A_COUNTERS);
	m.rl.last_drop_ms = RL_AGO_MS;
	xlb_ctl_msg__set(&m, XLB_A_RL_LAST_DROP_MS);
	m.vip.id = VIP_ID; /* a VIP removed since: its id alone */
	xlb_ctl_msg__set(&m, XLB_A_VIP_ID);
	round_trip(&m, XLB_CTL_REPLY, &out);
	cr_assert_eq(out.cnt.rl_pps_drops, RL_DROPS);
	cr_assert_eq(out.cnt.rl_flow_drops, COUNTER_VAL);
	cr_assert_eq(out.cnt.present, m.cnt.present);
	cr_assert_eq(out.rl.last_drop_ms, RL_AGO_MS);

	reply(&m, XLB_CMD_VIP_GET);
	vip_key(&m, XLB_AF_INET);
	m.vip.id = VIP_ID;
	xlb_ctl_msg__set(&m, XLB_A_VIP_ID);
	xlb_ctl_msg__set(&m, XLB_A_MODE);
	m.cnt.acl_drops = 1;
	m.cnt.rl_pps_drops = 2;
	m.cnt.rl_flow_drops = 3;
	m.cnt.present = (1u << XLB_CNT_ACL_DROPS) | (1u << XLB_CNT_RL_PPS_DROPS) |
			(1u << XLB_CNT_RL_FLOW_DROPS);
	xlb_ctl_msg__set(&m, XLB_A_COUNTERS);
	round_trip(&m, XLB_CTL_REPLY, &out);
	cr_assert_eq(out.cnt.acl_drops + out.cnt.rl_pps_drops + out.cnt.rl_flow_drops, 6);

	reply(&m, XLB_CMD_CONFIG_GET);
	m.flags = 0;
	m.cfg.mtu = TEST_MTU;
	m.cfg.flow_budget = BUDGET;
	xlb_ctl_msg__set(&m, XLB_A_MTU);
	xlb_ctl_msg__set(&m, XLB_A_FLOW_BUDGET);
	round_trip(&m, XLB_CTL_REPLY, &out);
	cr_assert_eq(out.cfg.flow_budget, BUDGET);
}

Test(refused, acl_entries)
{
	struct xlb_ctl_msg m;

	acl_entry(&m, XLB_CMD_ACL_ADD, XLB_AF_INET, XLB_ACL_DENY);
	m.prefix.addr.a[0] |= htonl(1);
	expect_msg_refused(&m, -EINVAL, "prefix_addr: bits set past /24");

	acl_entry(&m, XLB_CMD_ACL_ADD, XLB_AF_INET, XLB_ACL_DENY);
	m.prefix.addr.a[2] = htonl(1);
	expect_msg_refused(&m, -EINVAL, "prefix_addr: not an IPv4 address");

	acl_entry(&m, XLB_CMD_ACL_ADD, XLB_AF_INET, XLB_ACL_DENY);
	m.prefix.plen = 33;
	expect_msg_refused(&m, -ERANGE, "prefix_len: 33 over 32");

	acl_entry(&m, XLB_CMD_ACL_ADD, XLB_AF_INET6, XLB_ACL_DENY);
	m.prefix.plen = 129;
	expect_msg_refused(&m, -ERANGE, "prefix_len: 129 out of range");

	acl_entry(&m, XLB_CMD_ACL_ADD, XLB_AF_INET, BAD_ACTION);
	expect_msg_refused(&m, -ERANGE, "acl_action: 3 out of range 1..2");

	acl_entry(&m, XLB_CMD_ACL_ADD, XLB_AF_INET6, XLB_ACL_ALLOW);
	vip_key(&m, XLB_AF_INET);
	expect_msg_refused(&m, -EINVAL, "an IPv6 prefix on an IPv4 VIP");

	acl_entry(&m, XLB_CMD_ACL_ADD, XLB_AF_INET, XLB_ACL_ALLOW);
	xlb_ctl_msg__clear(&m, XLB_A_ACL_ACTION);
	expect_msg_refused(&m, -EINVAL, "acl_add: missing attribute acl_action");

	acl_entry(&m, XLB_CMD_ACL_DEL, XLB_AF_INET, XLB_ACL_ALLOW);
	xlb_ctl_msg__clear(&m, XLB_A_PREFIX_LEN);
	expect_msg_refused(&m, -EINVAL, "acl_del: missing attribute prefix_len");

	acl_entry(&m, XLB_CMD_ACL_ADD, XLB_AF_INET, XLB_ACL_ALLOW);
	vip_key(&m, XLB_AF_INET);
	xlb_ctl_msg__clear(&m, XLB_A_PORT);
	expect_msg_refused(&m, -EINVAL, "acl_add: a VIP needs family, address, port and protocol");

	acl_entry(&m, XLB_CMD_ACL_ADD, XLB_AF_INET, XLB_ACL_ALLOW);
	m.rl.pps = 1;
	xlb_ctl_msg__set(&m, XLB_A_RL_PPS);
	expect_msg_refused(&m, -EINVAL, "acl_add: attribute rl_pps not allowed");

	xlb_ctl_msg__init(&m, XLB_CMD_ACL_GET);
	vip_key(&m, XLB_AF_INET);
	xlb_ctl_msg__clear(&m, XLB_A_PROTO);
	expect_msg_refused(&m, -EINVAL, "acl_get: a filter needs");

	/* the VIP_ID of a reply is never a request's */
	acl_entry(&m, XLB_CMD_ACL_ADD, XLB_AF_INET, XLB_ACL_ALLOW);
	m.vip.id = VIP_ID;
	xlb_ctl_msg__set(&m, XLB_A_VIP_ID);
	expect_msg_refused(&m, -EINVAL, "attribute vip_id not allowed");
}

static void rl_set(struct xlb_ctl_msg *m, __u32 pps)
{
	xlb_ctl_msg__init(m, XLB_CMD_RATELIMIT_SET);
	m->rl.pps = pps;
	xlb_ctl_msg__set(m, XLB_A_RL_PPS);
}

Test(refused, ratelimit_values)
{
	struct xlb_ctl_msg m;

	rl_set(&m, 0);
	m.rl.pps_burst = RL_BURST;
	xlb_ctl_msg__set(&m, XLB_A_RL_PPS_BURST);
	expect_msg_refused(&m, -EINVAL, "rl_pps_burst: needs a rate above 0");

	rl_set(&m, RL_PPS);
	m.rl.flows_burst = RL_BURST;
	xlb_ctl_msg__set(&m, XLB_A_RL_FLOWS_BURST);
	expect_msg_refused(&m, -EINVAL, "rl_flows_burst: needs a rate above 0");

	rl_set(&m, RL_PPS);
	m.rl.pps_burst = 0;
	xlb_ctl_msg__set(&m, XLB_A_RL_PPS_BURST);
	expect_msg_refused(&m, -ERANGE, "rl_pps_burst: 0 out of range");

	rl_set(&m, 1000000001);
	expect_msg_refused(&m, -ERANGE, "rl_pps: 1000000001 out of range 0..1000000000");

	rl_set(&m, RL_PPS);
	m.rl.plen4 = 33;
	xlb_ctl_msg__set(&m, XLB_A_RL_PLEN4);
	expect_msg_refused(&m, -ERANGE, "rl_plen4: 33 out of range");

	rl_set(&m, RL_PPS);
	m.rl.plen6 = 129;
	xlb_ctl_msg__set(&m, XLB_A_RL_PLEN6);
	expect_msg_refused(&m, -ERANGE, "rl_plen6: 129 out of range");

	xlb_ctl_msg__init(&m, XLB_CMD_RATELIMIT_SET);
	vip_key(&m, XLB_AF_INET);
	expect_msg_refused(&m, -EINVAL, "ratelimit_set: nothing to change");

	xlb_ctl_msg__init(&m, XLB_CMD_RATELIMIT_DEL);
	vip_key(&m, XLB_AF_INET);
	xlb_ctl_msg__clear(&m, XLB_A_FAMILY);
	expect_msg_refused(&m, -EINVAL, "ratelimit_del: a VIP needs");

	xlb_ctl_msg__init(&m, XLB_CMD_RATELIMIT_TOP);
	xlb_ctl_msg__set(&m, XLB_A_RL_TOP_MAX);
	expect_msg_refused(&m, -ERANGE, "rl_top_max: 0 out of range 1..10000");
	m.rl.top_max = XLB_RL_TOP_MAX + 1;
	expect_msg_refused(&m, -ERANGE, "rl_top_max: 10001 out of range");

	xlb_ctl_msg__init(&m, XLB_CMD_RATELIMIT_TOP);
	xlb_ctl_msg__set(&m, XLB_A_RL_LAST_DROP_MS);
	expect_msg_refused(&m, -EINVAL, "attribute rl_last_drop_ms not allowed");

	xlb_ctl_msg__init(&m, XLB_CMD_CONFIG_SET);
	m.cfg.flow_budget = 1000000001;
	xlb_ctl_msg__set(&m, XLB_A_FLOW_BUDGET);
	expect_msg_refused(&m, -ERANGE, "flow_budget: 1000000001 out of range");
}

/* Scale-out (docs/scale-out.md): `announce` on VIP_ADD and VIP_SET, the
 * announce state in VIP replies, the table in CONFIG_GET's; states and
 * tables are the daemon's to say, never a request's. */
Test(round_trip, announce)
{
	struct xlb_ctl_msg m, out;
	char buf[BUF_SIZE];
	struct nlmsghdr *nlh;

	xlb_ctl_msg__init(&m, XLB_CMD_VIP_SET);
	vip_key(&m, XLB_AF_INET);
	xlb_ctl_msg__set(&m, XLB_A_ANNOUNCE);
	round_trip(&m, XLB_CTL_REQUEST, &out);
	cr_assert_eq(out.vip.announce, 0, "announce off alone is a change");

	xlb_ctl_msg__init(&m, XLB_CMD_VIP_ADD);
	vip_key(&m, XLB_AF_INET6);
	m.vip.announce = 1;
	xlb_ctl_msg__set(&m, XLB_A_ANNOUNCE);
	round_trip(&m, XLB_CTL_REQUEST, &out);
	cr_assert_eq(out.vip.announce, 1);

	memset(&m, 0, sizeof(m));
	m.cmd = XLB_CMD_VIP_GET;
	m.flags = NLM_F_MULTI;
	vip_key(&m, XLB_AF_INET);
	m.vip.id = VIP_ID;
	m.vip.announce = 1;
	m.vip.announce_state = XLB_ANNOUNCE_FAILED;
	xlb_ctl_msg__set(&m, XLB_A_MODE);
	xlb_ctl_msg__set(&m, XLB_A_VIP_ID);
	xlb_ctl_msg__set(&m, XLB_A_ANNOUNCE);
	xlb_ctl_msg__set(&m, XLB_A_ANNOUNCE_STATE);
	round_trip(&m, XLB_CTL_REPLY, &out);
	cr_assert_eq(out.vip.announce_state, XLB_ANNOUNCE_FAILED);

	memset(&m, 0, sizeof(m));
	m.cmd = XLB_CMD_CONFIG_GET;
	m.cfg.mtu = XLB_MTU_MIN;
	m.cfg.announce_table = 100000;
	xlb_ctl_msg__set(&m, XLB_A_MTU);
	xlb_ctl_msg__set(&m, XLB_A_ANNOUNCE_TABLE);
	round_trip(&m, XLB_CTL_REPLY, &out);
	cr_assert_eq(out.cfg.announce_table, 100000);

	nlh = raw(buf, XLB_CMD_VIP_SET);
	raw_vip_key(nlh);
	mnl_attr_put_u8(nlh, XLB_A_ANNOUNCE, 2);
	expect_refused(buf, -ERANGE, "announce");

	nlh = raw(buf, XLB_CMD_VIP_SET);
	raw_vip_key(nlh);
	mnl_attr_put_u8(nlh, XLB_A_ANNOUNCE_STATE, XLB_ANNOUNCE_ANNOUNCED);
	expect_refused(buf, -EINVAL, "announce_state");

	nlh = raw(buf, XLB_CMD_CONFIG_SET);
	mnl_attr_put_u32(nlh, XLB_A_ANNOUNCE_TABLE, 200);
	expect_refused(buf, -EINVAL, "announce_table");
}
