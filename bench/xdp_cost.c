// SPDX-License-Identifier: MIT
/*
 * xdp_cost: the per-packet cost of xlb's XDP program on each path, beside
 * two floors measured in the same run, with BPF_PROG_TEST_RUN.
 *
 *   xdp_cost [-n PACKETS] [-r RUNS] [-c KEY,...]   (KEY: floor_parse, est_1m...)
 *
 * The flow-table variants (pcpuh_*: LRU_PERCPU_HASH, hash_*: HASH, the same
 * program over another map type) run only when named with -c.
 *
 * Every repetition enters bench/wrap.bpf.c, which restores the frame and
 * tail-calls the program measured, so a path that rewrites or encapsulates
 * sees the original packet each time. Figures are the kernel's own
 * `duration` (ns per repetition, timed inside the kernel), the median of
 * RUNS runs of PACKETS repetitions, the runs of all paths interleaved so
 * that noise from the rest of the machine falls on all of them alike; each
 * run is paired with a run of the parse+lookup floor just before it, and a
 * path's ratio is the median of its paired ratios. A run
 * counts only if xlb's verdict counters say every repetition took the path
 * measured; any other run is reported as failed, without a figure.
 *
 * Runs in a network namespace of its own (veth, neighbours, forwarding for
 * bpf_fib_lookup). Prints a Markdown table.
 */
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "xlb.skel.h"
#include "bench/wrap.skel.h"
#include "wrap.h"
#include <xlb/hash.h>
#include "acl.h"
#include "log.h"
#include "maglev.h"
#include "maps.h"
#include "ratelimit.h"

#define DEF_PACKETS  1000000u
#define DEF_RUNS     5
#define MAX_RUNS     51
#define EST_FLOWS    1000000u /* "1M flows" */
#define FRAME_MAX    128
#define PAYLOAD_TCP  10 /* IPv4 TCP frames of 64 bytes */
#define PAYLOAD_UDP  22 /* IPv4 UDP frames of 64 bytes */
#define TTL	     64
#define IP_DF	     0x4000
#define TCP_SYN	     0x02
#define TCP_ACK	     0x10
#define TCP_WINDOW   65535
#define TCP_DOFF     5
#define VIP_PORT     80
#define VIP_UDP_PORT 53
#define SPORT_BASE   10000
#define NR_BACKENDS  4
#define GEN	     1
#define MTU	     1500
#define STRIDE_NUM   618 /* the step between flows: ~0.618 n, coprime with n */
#define STRIDE_DEN   1000
#define BATCH	     65536
#define ACL_DECOYS   255 /* other denied /24s in the trie beside the client's */
#define LRU_LOCAL    128 /* LRU nodes a CPU may hold free (kernel LOCAL_FREE_TARGET) */
#define NS_BUF	     32
#define IP_CMD_LEN   160
#define MAX_CPUS     64 /* per-CPU values read back (LRU_PERCPU_HASH variant) */

/* Sources: 1M flows take 977 addresses (1024 ports each); range r starts at
 * RANGE4_BASE + r * 1024 (IPv4, up to 198.19.255.255) or at word r * 1024 of
 * RANGE6_PREFIX. */
#define RANGE4_BASE   0xc6128000u /* 198.18.128.0 */
#define RANGE_STEP    1024u
#define RANGE_FLOWS   (RANGE_STEP << WRAP_PORT_BITS)
#define RANGE_MAX     96
#define RANGE6_PREFIX "2001:2:0:50::"
#define ACL_CLIENT    0xc6123202u /* 198.18.50.2, in the denied 198.18.50.0/24 */
#define ACL_PREFIX    "198.18.50.0"
#define ACL_DECOY_NET 0xc6130000u /* 198.19.0.0: decoy /24s from here */
#define RL_CLIENT     0xc6123302u /* 198.18.51.2: rate limited, not denied */
#define ACL_PASS_DENY 256	  /* denied /24s (none the source's) on the passing path */
#define VIP4_ID	      1		  /* the IPv4 TCP VIP: its allow list */
#define RL_PASS_BURST 1000000u	  /* with XLB_RL_RATE_MAX: far above any test rate */

#define IF_LB	  "xa0"
#define IF_PEER	  "xa1"
#define VIP4	  "198.18.100.1"
#define VIP6	  "2001:2:0:100::1"
#define NOT_VIP4  "198.18.100.9"
#define SRC4	  "198.18.1.1"
#define SRC6	  "2001:2:0:1::1"
#define V4_BITS	  32
#define V6_BITS	  128
#define V4_PREFIX 24

static const __u8 mac_lb[ETH_ALEN] = {0x02, 0, 0, 0, 0, 0xa0};
static const __u8 mac_peer[ETH_ALEN] = {0x02, 0, 0, 0, 0, 0xa1};

static const char *const lab_cmds[] = {
	"link set lo up",
	"link add " IF_LB " address 02:00:00:00:00:a0 type veth peer name " IF_PEER
	" address 02:00:00:00:00:a1",
	"link set " IF_LB " up",
	"link set " IF_PEER " up",
	"addr add 198.18.1.1/24 dev " IF_LB,
	"addr add 2001:2:0:1::1/64 dev " IF_LB " nodad",
};

static const char *const backends4[NR_BACKENDS] = {"198.18.1.10", "198.18.1.11", "198.18.1.12",
						   "198.18.1.13"};
static const char *const backends6[NR_BACKENDS] = {"2001:2:0:1::10", "2001:2:0:1::11",
						   "2001:2:0:1::12", "2001:2:0:1::13"};

/* One xlb program with maps of its own, and the wrapper that calls it. */
enum inst_id {
	I_MAIN = 0,   /* 1M IPv4 flows established; the floors */
	I_V6,	      /* 1M IPv6 flows established */
	I_ROOM,	      /* emptied before every run */
	I_FULL,	      /* always full */
	I_GUARD,      /* an ACL and a rate limit */
	I_PCPU_EST,   /* per-CPU LRU (BPF_F_NO_COMMON_LRU): 1M IPv4 flows established */
	I_PCPU_ROOM,  /* per-CPU LRU, emptied before every run */
	I_ACL_PASS,   /* a global deny list and a VIP allow list, the source passing both */
	I_RL_PASS,    /* a global packet rate limit far above the test rate */
	I_PCPUH_EST,  /* LRU_PERCPU_HASH: 1M IPv4 flows established (variant) */
	I_PCPUH_ROOM, /* LRU_PERCPU_HASH, emptied before every run (variant) */
	I_HASH_EST,   /* plain HASH: 1M IPv4 flows established (variant) */
	I_HASH_ROOM,  /* plain HASH, emptied before every run (variant) */
	I__MAX,
};

struct inst {
	struct xlb_bpf *xlb;
	struct wrap_bpf *wrap;
	struct xlb_maps m;
	__u32 est_base; /* the range of its established flows */
};

/* A frame of one flow, its source to be varied by the wrapper. */
struct spec {
	__u8 family;
	__u8 proto;
	__u8 tcp_flags;
	const char *dst;
	__u16 dport;
};

enum wrap_kind {
	W_XLB = 0,
	W_TX,
	W_PARSE,
	W_FLOWS,
	W_SLOTS,
	W_ONLY,
};

enum src_kind {
	SRC_EST = 0, /* the instance's established range */
	SRC_FRESH,   /* a range never sent before, each run */
	SRC_ACL,     /* the denied client */
	SRC_RL,	     /* the rate-limited client */
};

struct bench_case {
	const char *key;
	const char *name;
	enum inst_id inst;
	enum wrap_kind wrap;
	struct spec spec;
	enum src_kind src;
	__u32 nflows; /* 0: as many as packets */
	int clear;    /* empty the flow table before each run */
	int prewarm;  /* one packet before each run (takes the rate limit's token) */
	int stat;     /* the verdict reason of every packet (xlb), or -1 */
	int new_flow; /* every packet opens a flow and is stored */
	double target;
	int variant; /* a flow-table variant: runs only when named with -c */
	__u32 ns[MAX_RUNS];
	double ratio[MAX_RUNS]; /* to the floor run paired with it */
	int nr_ok;
	char why[160];
};

#define TCP_ACK_TO(d, p)                                                                           \
	{                                                                                          \
		XLB_AF_INET, IPPROTO_TCP, TCP_ACK, d, p                                            \
	}
#define TCP6_ACK_TO(d, p)                                                                          \
	{                                                                                          \
		XLB_AF_INET6, IPPROTO_TCP, TCP_ACK, d, p                                           \
	}
#define TCP_SYN_TO(d, p)                                                                           \
	{                                                                                          \
		XLB_AF_INET, IPPROTO_TCP, TCP_SYN, d, p                                            \
	}
#define UDP_TO(d, p)                                                                               \
	{                                                                                          \
		XLB_AF_INET, IPPROTO_UDP, 0, d, p                                                  \
	}

enum {
	C_TX = 0,
	C_PARSE,
	C_WRAP,
	C_REF_FLOWS,
	C_REF_SLOTS,
	C_NONVIP,
	C_EST1,
	C_ACL_PASS,
	C_RL_PASS,
	C_EST1M,
	C_SYN_ROOM,
	C_SYN_FULL,
	C_UDP_ROOM,
	C_ACL,
	C_RL,
	C_EST6_1,
	C_EST6_1M,
	C_PCPU_EST1M,
	C_PCPU_SYN_ROOM,
	C_PCPUH_EST1M,
	C_PCPUH_SYN_ROOM,
	C_HASH_EST1M,
	C_HASH_SYN_ROOM,
	C__MAX,
};

static struct bench_case cases[C__MAX] = {
	[C_TX] = {"floor_tx", "floor: return XDP_TX", I_MAIN, W_TX, TCP_ACK_TO(VIP4, VIP_PORT),
		  SRC_EST, 1, 0, 0, -1, 0, 0},
	[C_PARSE] = {"floor_parse", "floor: parse Eth/IPv4/TCP + 1 hash lookup", I_MAIN, W_PARSE,
		     TCP_ACK_TO(VIP4, VIP_PORT), SRC_EST, 1, 0, 0, -1, 0, 0},
	[C_WRAP] = {"wrapper", "wrapper alone (restore, no call)", I_MAIN, W_ONLY,
		    TCP_ACK_TO(VIP4, VIP_PORT), SRC_EST, 1, 0, 0, -1, 0, 0},
	[C_REF_FLOWS] = {"ref_flows_1m", "reference: parse + 1 lookup among 1M flows (xlb's table)",
			 I_MAIN, W_FLOWS, TCP_ACK_TO(VIP4, VIP_PORT), SRC_EST, EST_FLOWS, 0, 0, -1,
			 0, 0},
	[C_REF_SLOTS] = {"ref_slots_1m",
			 "reference: parse + 1 lookup among 1M flows (direct-mapped array)", I_MAIN,
			 W_SLOTS, TCP_ACK_TO(VIP4, VIP_PORT), SRC_EST, EST_FLOWS, 0, 0, -1, 0, 0},
	[C_NONVIP] = {"nonvip", "non-VIP: pass", I_MAIN, W_XLB, TCP_ACK_TO(NOT_VIP4, VIP_PORT),
		      SRC_EST, 1, 0, 0, XLB_STAT_PASS_NOT_VIP, 0, 1.4},
	[C_EST1] = {"est_1", "TCP ACK, established, 1 flow", I_MAIN, W_XLB,
		    TCP_ACK_TO(VIP4, VIP_PORT), SRC_EST, 1, 0, 0, XLB_STAT_FWD_TX, 0, 0},
	[C_ACL_PASS] = {"acl_pass",
			"TCP ACK, established, 1 flow: ACL on, passed (256 denies, allow)",
			I_ACL_PASS, W_XLB, TCP_ACK_TO(VIP4, VIP_PORT), SRC_EST, 1, 0, 0,
			XLB_STAT_FWD_TX, 0, 0},
	[C_RL_PASS] = {"rl_pass", "TCP ACK, established, 1 flow: rate limit on, admitted",
		       I_RL_PASS, W_XLB, TCP_ACK_TO(VIP4, VIP_PORT), SRC_EST, 1, 0, 0,
		       XLB_STAT_FWD_TX, 0, 0},
	[C_EST1M] = {"est_1m", "TCP ACK, established, 1M flows", I_MAIN, W_XLB,
		     TCP_ACK_TO(VIP4, VIP_PORT), SRC_EST, EST_FLOWS, 0, 0, XLB_STAT_FWD_TX, 0, 4.5},
	[C_SYN_ROOM] = {"syn_room", "TCP SYN, new flow, table with room", I_ROOM, W_XLB,
			TCP_SYN_TO(VIP4, VIP_PORT), SRC_FRESH, 0, 1, 0, XLB_STAT_FWD_TX, 1, 9},
	[C_SYN_FULL] = {"syn_full", "TCP SYN, new flow, full table (evicts)", I_FULL, W_XLB,
			TCP_SYN_TO(VIP4, VIP_PORT), SRC_FRESH, 0, 0, 0, XLB_STAT_FWD_TX, 1, 13},
	[C_UDP_ROOM] = {"udp_room", "UDP, new flow, table with room", I_ROOM, W_XLB,
			UDP_TO(VIP4, VIP_UDP_PORT), SRC_FRESH, 0, 1, 0, XLB_STAT_FWD_TX, 1, 0},
	[C_ACL] = {"acl_drop", "ACL drop (global deny, 256 prefixes)", I_GUARD, W_XLB,
		   TCP_ACK_TO(VIP4, VIP_PORT), SRC_ACL, 1, 0, 0, XLB_STAT_DROP_ACL, 0, 0},
	[C_RL] = {"rl_drop", "rate-limited drop (packets/s per source)", I_GUARD, W_XLB,
		  TCP_ACK_TO(VIP4, VIP_PORT), SRC_RL, 1, 0, 1, XLB_STAT_DROP_RATELIMIT_PPS, 0, 0},
	[C_EST6_1] = {"est6_1", "IPv6 TCP ACK, established, 1 flow", I_V6, W_XLB,
		      TCP6_ACK_TO(VIP6, VIP_PORT), SRC_EST, 1, 0, 0, XLB_STAT_FWD_TX, 0, 0},
	[C_EST6_1M] = {"est6_1m", "IPv6 TCP ACK, established, 1M flows", I_V6, W_XLB,
		       TCP6_ACK_TO(VIP6, VIP_PORT), SRC_EST, EST_FLOWS, 0, 0, XLB_STAT_FWD_TX, 0,
		       0},
	[C_PCPU_EST1M] = {"pcpu_est_1m", "per-CPU LRU table: TCP ACK, established, 1M flows",
			  I_PCPU_EST, W_XLB, TCP_ACK_TO(VIP4, VIP_PORT), SRC_EST, EST_FLOWS, 0, 0,
			  XLB_STAT_FWD_TX, 0, 0},
	[C_PCPU_SYN_ROOM] = {"pcpu_syn_room", "per-CPU LRU table: TCP SYN, new flow, room",
			     I_PCPU_ROOM, W_XLB, TCP_SYN_TO(VIP4, VIP_PORT), SRC_FRESH, 0, 1, 0,
			     XLB_STAT_FWD_TX, 1, 0},
	[C_PCPUH_EST1M] = {"pcpuh_est_1m", "LRU_PERCPU_HASH table: TCP ACK, established, 1M flows",
			   I_PCPUH_EST, W_XLB, TCP_ACK_TO(VIP4, VIP_PORT), SRC_EST, EST_FLOWS, 0, 0,
			   XLB_STAT_FWD_TX, 0, 0, 1},
	[C_PCPUH_SYN_ROOM] = {"pcpuh_syn_room", "LRU_PERCPU_HASH table: TCP SYN, new flow, room",
			      I_PCPUH_ROOM, W_XLB, TCP_SYN_TO(VIP4, VIP_PORT), SRC_FRESH, 0, 1, 0,
			      XLB_STAT_FWD_TX, 1, 0, 1},
	[C_HASH_EST1M] = {"hash_est_1m", "HASH table: TCP ACK, established, 1M flows", I_HASH_EST,
			  W_XLB, TCP_ACK_TO(VIP4, VIP_PORT), SRC_EST, EST_FLOWS, 0, 0,
			  XLB_STAT_FWD_TX, 0, 0, 1},
	[C_HASH_SYN_ROOM] = {"hash_syn_room", "HASH table: TCP SYN, new flow, room", I_HASH_ROOM,
			     W_XLB, TCP_SYN_TO(VIP4, VIP_PORT), SRC_FRESH, 0, 1, 0, XLB_STAT_FWD_TX,
			     1, 0, 1},
};

static struct inst insts[I__MAX];
static int ifindex;
static __u32 packets = DEF_PACKETS;
static int runs = DEF_RUNS;
static const char *only; /* comma-separated case keys, or all */
static int next_range;
static struct xlb_addr range6_prefix;

/* libbpf's warning that it retries the ring template without BTF is
 * expected for a map-in-map inner map. */
static int quiet_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level != LIBBPF_WARN || strstr(fmt, "Retrying without BTF"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int write_file(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");
	int err = 0;

	if (!f) {
		err = -errno;
		pr_warn("open %s: %s\n", path, strerror(-err));
		return err;
	}
	if (fputs(val, f) < 0)
		err = -EIO;
	if (fclose(f) && !err)
		err = -errno;
	if (err)
		pr_warn("write %s: %s\n", path, strerror(-err));
	return err;
}

/* A namespace of our own: one veth (the lb's ingress), forwarding on and a
 * permanent neighbour for every backend, so bpf_fib_lookup succeeds. */
static int lab_up(void)
{
	char cmd[IP_CMD_LEN];
	FILE *f;
	size_t i;
	int err;

	if (unshare(CLONE_NEWNET)) {
		err = -errno;
		pr_warn("unshare: %s\n", strerror(-err));
		return err;
	}
	f = popen("ip -batch -", "w");
	if (!f) {
		err = -errno;
		pr_warn("popen ip: %s\n", strerror(-err));
		return err;
	}
	for (i = 0; i < sizeof(lab_cmds) / sizeof(lab_cmds[0]); i++)
		fprintf(f, "%s\n", lab_cmds[i]);
	for (i = 0; i < NR_BACKENDS; i++) {
		snprintf(cmd, sizeof(cmd), "lladdr 02:00:00:01:04:%02zx dev %s nud permanent", i,
			 IF_LB);
		fprintf(f, "neigh replace %s %s\n", backends4[i], cmd);
		fprintf(f, "neigh replace %s %s\n", backends6[i], cmd);
	}
	if (pclose(f)) {
		pr_warn("ip -batch failed\n");
		return -EIO;
	}
	err = write_file("/proc/sys/net/ipv4/conf/all/forwarding", "1\n");
	if (!err)
		err = write_file("/proc/sys/net/ipv6/conf/all/forwarding", "1\n");
	if (err)
		return err;
	ifindex = (int)if_nametoindex(IF_LB);
	return ifindex > 0 ? 0 : -ENODEV;
}

static int parse_addr(const char *s, struct xlb_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a) == 1)
		return XLB_AF_INET;
	if (inet_pton(AF_INET6, s, a) == 1)
		return XLB_AF_INET6;
	return -EINVAL;
}

static __u16 csum16(const void *p, size_t len)
{
	const __u8 *b = p;
	__u32 sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (__u32)(b[i] << 8 | b[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((__u16)~sum);
}

struct frame {
	__u8 data[FRAME_MAX];
	__u32 len;
	__u32 addr_off; /* the source address word the wrapper varies */
	__u32 port_off; /* the source port */
};

/* The frame of spec s from source word src (host order), port SPORT_BASE. */
static void frame_build(struct frame *fr, const struct spec *s, __u32 src)
{
	__u8 *p = fr->data;
	__u32 l3, l4, payload = s->proto == IPPROTO_UDP ? PAYLOAD_UDP : PAYLOAD_TCP;
	__u32 l4_len = (s->proto == IPPROTO_UDP ? sizeof(struct udphdr) : sizeof(struct tcphdr));
	struct xlb_addr dst;
	struct ethhdr *eth;

	memset(fr, 0, sizeof(*fr));
	parse_addr(s->dst, &dst);
	eth = (struct ethhdr *)p;
	memcpy(eth->h_dest, mac_lb, ETH_ALEN);
	memcpy(eth->h_source, mac_peer, ETH_ALEN);
	l3 = sizeof(*eth);
	if (s->family == XLB_AF_INET) {
		struct iphdr *ip = (struct iphdr *)(p + l3);

		eth->h_proto = htons(ETH_P_IP);
		ip->version = 4;
		ip->ihl = sizeof(*ip) / sizeof(__u32);
		ip->tot_len = htons((__u16)(sizeof(*ip) + l4_len + payload));
		ip->frag_off = htons(IP_DF);
		ip->ttl = TTL;
		ip->protocol = s->proto;
		ip->saddr = htonl(src);
		ip->daddr = dst.a[0];
		ip->check = csum16(ip, sizeof(*ip));
		fr->addr_off = l3 + offsetof(struct iphdr, saddr);
		l4 = l3 + sizeof(*ip);
	} else {
		struct ipv6hdr *ip6 = (struct ipv6hdr *)(p + l3);

		eth->h_proto = htons(ETH_P_IPV6);
		ip6->version = 6;
		ip6->payload_len = htons((__u16)(l4_len + payload));
		ip6->nexthdr = s->proto;
		ip6->hop_limit = TTL;
		memcpy(&ip6->saddr, &range6_prefix, sizeof(ip6->saddr));
		ip6->saddr.s6_addr32[3] = htonl(src);
		memcpy(&ip6->daddr, &dst, sizeof(ip6->daddr));
		fr->addr_off = l3 + offsetof(struct ipv6hdr, saddr) + 3 * sizeof(__u32);
		l4 = l3 + sizeof(*ip6);
	}
	fr->port_off = l4;
	if (s->proto == IPPROTO_UDP) {
		struct udphdr *uh = (struct udphdr *)(p + l4);

		uh->source = htons(SPORT_BASE);
		uh->dest = htons(s->dport);
		uh->len = htons((__u16)(l4_len + payload));
	} else {
		struct tcphdr *th = (struct tcphdr *)(p + l4);

		th->source = htons(SPORT_BASE);
		th->dest = htons(s->dport);
		th->doff = TCP_DOFF;
		th->syn = !!(s->tcp_flags & TCP_SYN);
		th->ack = !!(s->tcp_flags & TCP_ACK);
		th->window = htons(TCP_WINDOW);
	}
	fr->len = l4 + l4_len + payload;
}

static __u32 gcd(__u32 a, __u32 b)
{
	while (b) {
		__u32 t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* A step through n flows that visits each once per n steps, far apart. */
static __u32 stride_for(__u32 n)
{
	__u32 s = (__u32)((__u64)n * STRIDE_NUM / STRIDE_DEN);

	if (n <= 1)
		return 0;
	while (gcd(s, n) != 1)
		s++;
	return s;
}

/* The wrapper's frame, and its flows: nflows from src, visited in steps
 * of stride (0: stride_for(nflows)). */
static void wrap_set(struct wrap_bpf *w, const struct frame *fr, __u32 src, __u32 nflows,
		     __u32 stride)
{
	memcpy(w->bss->frame, fr->data, WRAP_COPY);
	w->bss->frame_len = fr->len;
	w->bss->addr_off = fr->addr_off;
	w->bss->port_off = fr->port_off;
	w->bss->addr_base = src;
	w->bss->port_base = SPORT_BASE;
	w->bss->nflows = nflows;
	w->bss->stride = stride && nflows > 1 ? stride : stride_for(nflows);
	w->bss->next = 0;
}

static int prog_of(const struct inst *in, enum wrap_kind k)
{
	switch (k) {
	case W_XLB:
		return bpf_program__fd(in->wrap->progs.wrap_xlb);
	case W_TX:
		return bpf_program__fd(in->wrap->progs.wrap_tx);
	case W_PARSE:
		return bpf_program__fd(in->wrap->progs.wrap_parse);
	case W_FLOWS:
		return bpf_program__fd(in->wrap->progs.wrap_flows);
	case W_SLOTS:
		return bpf_program__fd(in->wrap->progs.wrap_slots);
	default:
		return bpf_program__fd(in->wrap->progs.wrap_only);
	}
}

/* repeat repetitions of prog on the frame the wrapper holds. */
static int test_run(int prog, const struct frame *fr, __u32 repeat, __u32 *retval, __u32 *ns)
{
	struct xdp_md ctx = {.data_end = fr->len, .ingress_ifindex = (__u32)ifindex};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = fr->data, .data_size_in = fr->len,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = repeat);
	int err;

	err = bpf_prog_test_run_opts(prog, &opts);
	if (err) {
		pr_warn("test run: %s\n", strerror(-err));
		return err;
	}
	*retval = opts.retval;
	*ns = opts.duration;
	return 0;
}

/* What xlb counted: every verdict reason and event, and the VIPs' stored
 * new flows. */
struct snap {
	__u64 stat[XLB_STAT__MAX];
	__u64 stored;
};

static int snap_take(const struct inst *in, struct snap *s)
{
	struct xlb_vip_counter vc;
	struct xlb_counter c;
	__u32 vip;
	int i, err;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < XLB_STAT__MAX; i++) {
		err = xlb_stats__read(&in->m, (enum xlb_stat)i, &c);
		if (err)
			return err;
		s->stat[i] = c.packets;
	}
	for (vip = 1; vip <= 3; vip++) {
		err = xlb_vip_stats__read(&in->m, vip, &vc);
		if (err)
			return err;
		s->stored += vc.new_flows;
	}
	return 0;
}

/* Checks that each of n packets ended in stat, opened a flow (new) or not,
 * and was stored when it did. Returns 0 or -1 with a reason in why. */
static int snap_check(const struct snap *a, const struct snap *b, __u32 n, int stat, int new,
		      char *why, size_t len)
{
	__u64 verdicts = 0, want_new = new ? n : 0;
	int i;

	for (i = 0; i < XLB_STAT__VERDICTS; i++)
		verdicts += b->stat[i] - a->stat[i];
	if (b->stat[stat] - a->stat[stat] != n || verdicts != n) {
		snprintf(why, len, "%s: %llu of %u packets (%llu verdicts)",
			 xlb_stat__name((enum xlb_stat)stat),
			 (unsigned long long)(b->stat[stat] - a->stat[stat]), n,
			 (unsigned long long)verdicts);
		return -1;
	}
	if (b->stat[XLB_STAT_EV_NEW_FLOW] - a->stat[XLB_STAT_EV_NEW_FLOW] != want_new ||
	    b->stored - a->stored != want_new ||
	    b->stat[XLB_STAT_EV_FLOW_NOT_STORED] != a->stat[XLB_STAT_EV_FLOW_NOT_STORED]) {
		snprintf(why, len, "new flows %llu, stored %llu, want %llu",
			 (unsigned long long)(b->stat[XLB_STAT_EV_NEW_FLOW] -
					      a->stat[XLB_STAT_EV_NEW_FLOW]),
			 (unsigned long long)(b->stored - a->stored), (unsigned long long)want_new);
		return -1;
	}
	return 0;
}

/* n packets of spec from src through xlb, each checked as stat / new. */
static int run_checked(struct inst *in, const struct spec *s, __u32 src, __u32 nflows, __u32 stride,
		       __u32 n, int stat, int new, __u32 *ns, char *why, size_t len)
{
	struct snap a, b;
	struct frame fr;
	__u32 retval;
	int err;

	frame_build(&fr, s, src);
	wrap_set(in->wrap, &fr, src, nflows, stride);
	in->wrap->bss->restore_fails = 0;
	in->wrap->bss->tail_call_fails = 0;
	err = snap_take(in, &a);
	if (!err)
		err = test_run(prog_of(in, W_XLB), &fr, n, &retval, ns);
	if (!err)
		err = snap_take(in, &b);
	if (err) {
		snprintf(why, len, "run failed: %s", strerror(-err));
		return -1;
	}
	if (in->wrap->bss->restore_fails || in->wrap->bss->tail_call_fails) {
		snprintf(why, len, "wrapper: %llu restores, %llu tail calls failed",
			 (unsigned long long)in->wrap->bss->restore_fails,
			 (unsigned long long)in->wrap->bss->tail_call_fails);
		return -1;
	}
	return snap_check(&a, &b, n, stat, new, why, len);
}

/* Source addresses for n flows that no earlier run used. */
static int range_take(__u32 n, __u32 *base)
{
	int r = next_range;

	next_range += (int)((n + RANGE_FLOWS - 1) / RANGE_FLOWS);
	if (next_range > RANGE_MAX) {
		pr_warn("out of source ranges\n");
		return -ENOSPC;
	}
	*base = RANGE4_BASE + (__u32)r * RANGE_STEP;
	return 0;
}

/* VIPs (TCP 80 and UDP 53 on one IPv4 address, TCP 80 on IPv6), four
 * backends of each family on the ingress link, Maglev rings, outer source,
 * MTU. */
static int inst_config(struct inst *in)
{
	static const struct {
		const char *addr;
		__u16 port;
		__u8 proto;
		__u32 id;
	} vips[] = {{VIP4, VIP_PORT, IPPROTO_TCP, 1},
		    {VIP4, VIP_UDP_PORT, IPPROTO_UDP, 2},
		    {VIP6, VIP_PORT, IPPROTO_TCP, 3}};
	struct maglev_backend mb[NR_BACKENDS];
	__u32 *ring = calloc(XLB_RING_SIZE, sizeof(*ring));
	struct xlb_config cfg = {.mtu = MTU};
	struct xlb_backend be;
	struct xlb_addr a;
	size_t i, j;
	int err;

	if (!ring)
		return -ENOMEM;
	parse_addr(SRC4, &a);
	err = xlb_config__set_source(&cfg, XLB_AF_INET, &a, V4_BITS);
	parse_addr(SRC6, &a);
	if (!err)
		err = xlb_config__set_source(&cfg, XLB_AF_INET6, &a, V6_BITS);
	if (!err)
		err = xlb_config__write(&in->m, &cfg);
	for (i = 0; !err && i < sizeof(vips) / sizeof(vips[0]); i++) {
		struct xlb_vip_key k = {.port = htons(vips[i].port), .proto = vips[i].proto};
		struct xlb_vip v = {.id = vips[i].id, .mode = XLB_MODE_IPIP};
		int v6 = strchr(vips[i].addr, ':') != NULL;

		k.family = (__u8)parse_addr(vips[i].addr, &k.addr);
		err = xlb_vip__write(&in->m, &k, &v);
		for (j = 0; !err && j < NR_BACKENDS; j++) {
			memset(&be, 0, sizeof(be));
			be.family = (__u8)parse_addr(v6 ? backends6[j] : backends4[j], &be.addr);
			be.state = XLB_BE_ACTIVE;
			be.generation = GEN;
			mb[j] = (struct maglev_backend){.id = (__u32)(v6 * NR_BACKENDS + j + 1),
							.addr = be.addr,
							.family = be.family,
							.weight = 1};
			err = xlb_backend__write(&in->m, mb[j].id, &be);
		}
		if (!err)
			err = maglev__build(mb, NR_BACKENDS, ring);
		if (!err)
			err = xlb_ring__swap(&in->m, vips[i].id, ring);
	}
	free(ring);
	return err;
}

/* xlb with its flow table of flow_entries, flow_flags and type (0: as
 * declared). */
static int inst_open(struct inst *in, __u32 flow_entries, __u32 flow_flags, enum bpf_map_type type)
{
	__u32 slot, fd, one = 1;
	struct xlb_addr vip;
	int err;

	in->xlb = xlb_bpf__open();
	if (!in->xlb)
		return -errno;
	err = bpf_map__set_max_entries(in->xlb->maps.flows, flow_entries);
	if (!err && type)
		err = bpf_map__set_type(in->xlb->maps.flows, type);
	if (!err && flow_flags)
		err = bpf_map__set_map_flags(in->xlb->maps.flows,
					     bpf_map__map_flags(in->xlb->maps.flows) | flow_flags);
	if (!err)
		err = xlb_bpf__load(in->xlb);
	if (err)
		return err;
	xlb_maps__init(&in->m);
	err = xlb_maps__from_skel(&in->m, in->xlb);
	if (err)
		return err;
	in->wrap = wrap_bpf__open_and_load();
	if (!in->wrap)
		return -errno;
	slot = WRAP_SLOT_XLB;
	fd = (__u32)bpf_program__fd(in->xlb->progs.xlb_xdp);
	err = bpf_map_update_elem(bpf_map__fd(in->wrap->maps.targets), &slot, &fd, BPF_ANY);
	slot = WRAP_SLOT_TX;
	fd = (__u32)bpf_program__fd(in->wrap->progs.floor_tx);
	if (!err)
		err = bpf_map_update_elem(bpf_map__fd(in->wrap->maps.targets), &slot, &fd, BPF_ANY);
	slot = WRAP_SLOT_PARSE;
	fd = (__u32)bpf_program__fd(in->wrap->progs.floor_parse);
	if (!err)
		err = bpf_map_update_elem(bpf_map__fd(in->wrap->maps.targets), &slot, &fd, BPF_ANY);
	slot = WRAP_SLOT_FLOWS;
	fd = (__u32)bpf_program__fd(in->wrap->progs.ref_flows_lookup);
	if (!err)
		err = bpf_map_update_elem(bpf_map__fd(in->wrap->maps.targets), &slot, &fd, BPF_ANY);
	slot = WRAP_SLOT_SLOTS;
	fd = (__u32)bpf_program__fd(in->wrap->progs.ref_slots_lookup);
	if (!err)
		err = bpf_map_update_elem(bpf_map__fd(in->wrap->maps.targets), &slot, &fd, BPF_ANY);
	parse_addr(VIP4, &vip);
	if (!err)
		err = bpf_map_update_elem(bpf_map__fd(in->wrap->maps.floor_dsts), &vip.a[0], &one,
					  BPF_ANY);
	if (err) {
		err = -errno;
		pr_warn("wrapper maps: %s\n", strerror(-err));
		return err;
	}
	return inst_config(in);
}

/* Entries in the flow table, by batches. */
static long flows_count(const struct inst *in)
{
	static struct xlb_flow_key keys[BATCH];
	static struct xlb_flow vals[BATCH * MAX_CPUS]; /* per-CPU values */
	__u64 batch = 0;
	long total = 0;
	int first = 1, err;

	for (;;) {
		__u32 count = BATCH;

		err = bpf_map_lookup_batch(in->m.flows, first ? NULL : &batch, &batch, keys, vals,
					   &count, NULL);
		first = 0;
		total += count;
		if (err)
			return errno == ENOENT ? total : -errno;
	}
}

static int flows_clear(const struct inst *in)
{
	static struct xlb_flow_key keys[BATCH];
	static struct xlb_flow vals[BATCH * MAX_CPUS];
	__u64 batch = 0;
	int first = 1, err;

	for (;;) {
		__u32 count = BATCH;

		err = bpf_map_lookup_and_delete_batch(in->m.flows, first ? NULL : &batch, &batch,
						      keys, vals, &count, NULL);
		first = 0;
		if (err) {
			err = errno == ENOENT ? 0 : -errno;
			break;
		}
	}
	if (!err && flows_count(in))
		err = -EEXIST;
	if (err)
		pr_warn("clear flows: %s\n", strerror(-err));
	return err;
}

/*
 * n flows from in->est_base opened (SYN); with warm, each then looked up once more, so the
 * timed runs see flows that have been used before, as established ones.
 * Opened in order (stride 1) and timed in steps of ~0.618 n: a table filled
 * in the order it is read would lay its entries out in that order, and the
 * prefetcher would hide most of the cost of reading them.
 */
static int inst_fill_at(struct inst *in, __u8 family, __u32 n, int warm)
{
	struct spec syn = {family, IPPROTO_TCP, TCP_SYN, family == XLB_AF_INET ? VIP4 : VIP6,
			   VIP_PORT};
	struct spec ack = syn;
	char why[160];
	__u32 ns;

	ack.tcp_flags = TCP_ACK;
	if (run_checked(in, &syn, in->est_base, n, 1, n, XLB_STAT_FWD_TX, 1, &ns, why,
			sizeof(why)) ||
	    (warm && run_checked(in, &ack, in->est_base, n, 0, n, XLB_STAT_FWD_TX, 0, &ns, why,
				 sizeof(why)))) {
		pr_warn("fill: %s\n", why);
		return -EIO;
	}
	return 0;
}

/* As inst_fill_at, from source addresses no earlier run used. */
static int inst_fill(struct inst *in, __u8 family, __u32 n, int warm)
{
	if (range_take(n, &in->est_base))
		return -ENOSPC;
	return inst_fill_at(in, family, n, warm);
}

/* Entries one CPU can fill: a per-CPU LRU (BPF_F_NO_COMMON_LRU) splits
 * them between the CPUs. */
static long flows_per_cpu(const struct inst *in)
{
	long cap = bpf_map__max_entries(in->xlb->maps.flows);

	if (bpf_map__map_flags(in->xlb->maps.flows) & BPF_F_NO_COMMON_LRU)
		return cap / libbpf_num_possible_cpus();
	return cap;
}

/* Full: more new flows than one CPU's entries, each stored by evicting the
 * oldest. Not full (checked): the full-table path reports a failure. */
static int inst_fill_full(struct inst *in)
{
	long cap = flows_per_cpu(in), count;
	int err;

	err = inst_fill(in, XLB_AF_INET, (__u32)(cap + cap / 8), 0);
	if (err)
		return err;
	count = flows_count(in);
	fprintf(stderr, "xdp_cost: full table: %ld entries, %ld per CPU\n", count, cap);
	if (count < cap - LRU_LOCAL * libbpf_num_possible_cpus())
		snprintf(cases[C_SYN_FULL].why, sizeof(cases[C_SYN_FULL].why),
			 "table not full: %ld of %ld", count, cap);
	return 0;
}

static int inst_guard(struct inst *in)
{
	struct xlb_acl_rule r = {.family = XLB_AF_INET, .plen = V4_PREFIX, .action = XLB_ACL_DENY};
	struct xlb_ratelimit rl;
	int i, err;

	parse_addr(ACL_PREFIX, &r.addr);
	err = xlb_acl__add(&in->m, &r);
	for (i = 0; !err && i < ACL_DECOYS; i++) {
		r.addr.a[0] = htonl(ACL_DECOY_NET + ((__u32)i << (V4_BITS - V4_PREFIX)));
		err = xlb_acl__add(&in->m, &r);
	}
	xlb_ratelimit__init(&rl);
	rl.pps = 1;
	rl.pps_burst = 1;
	if (!err)
		err = xlb_ratelimit__set(&in->m, XLB_SCOPE_GLOBAL, &rl);
	return err;
}

/* Checks on, every packet passing them: ACL_PASS_DENY /24s denied in the
 * global list, none holding the source (from RANGE4_BASE, outside
 * ACL_DECOY_NET), and an allow list on the TCP VIP with the source's /24;
 * then the one established flow. */
static int inst_acl_pass(struct inst *in)
{
	struct xlb_acl_rule r = {.family = XLB_AF_INET, .plen = V4_PREFIX, .action = XLB_ACL_DENY};
	int i, err = 0;

	for (i = 0; !err && i < ACL_PASS_DENY; i++) {
		r.addr.a[0] = htonl(ACL_DECOY_NET + ((__u32)i << (V4_BITS - V4_PREFIX)));
		err = xlb_acl__add(&in->m, &r);
	}
	if (!err && range_take(1, &in->est_base))
		err = -ENOSPC;
	if (err)
		return err;
	r.scope = VIP4_ID;
	r.action = XLB_ACL_ALLOW;
	r.addr.a[0] = htonl(in->est_base & ~((1u << (V4_BITS - V4_PREFIX)) - 1));
	err = xlb_acl__add(&in->m, &r);
	return err ? err : inst_fill_at(in, XLB_AF_INET, 1, 1);
}

/* A global packet limit per source far above what one source sends here
 * (a token every nanosecond), so every packet is admitted. */
static int inst_rl_pass(struct inst *in)
{
	struct xlb_ratelimit rl;
	int err;

	xlb_ratelimit__init(&rl);
	rl.pps = XLB_RL_RATE_MAX;
	rl.pps_burst = RL_PASS_BURST;
	err = xlb_ratelimit__set(&in->m, XLB_SCOPE_GLOBAL, &rl);
	return err ? err : inst_fill(in, XLB_AF_INET, 1, 1);
}

static int run_floor(struct bench_case *c, __u32 *ns);

/* Flow k of the established range from base, as xlb keys it. */
static void ref_key(__u32 base, __u32 k, const struct xlb_addr *vip, struct xlb_flow_key *key)
{
	memset(key, 0, sizeof(*key));
	key->src.a[0] = htonl(base + (k >> WRAP_PORT_BITS));
	key->dst.a[0] = vip->a[0];
	key->sport = htons((__u16)(SPORT_BASE + (k & WRAP_PORT_MASK)));
	key->dport = htons(VIP_PORT);
	key->proto = IPPROTO_TCP;
	key->family = XLB_AF_INET;
}

/* The LRU reference holds I_MAIN's established flows, as xlb's table. */
static int ref_flows_fill(struct inst *in, const struct xlb_addr *vip)
{
	static struct xlb_flow_key keys[BATCH];
	static struct xlb_flow vals[BATCH];
	__u32 k, i, count;

	for (k = 0; k < EST_FLOWS; k += count) {
		count = EST_FLOWS - k < BATCH ? EST_FLOWS - k : BATCH;
		for (i = 0; i < count; i++) {
			ref_key(in->est_base, k + i, vip, &keys[i]);
			vals[i] = (struct xlb_flow){.backend_id = 1, .generation = GEN};
		}
		if (bpf_map_update_batch(bpf_map__fd(in->wrap->maps.ref_flows), keys, vals, &count,
					 NULL)) {
			pr_warn("ref flows: %s\n", strerror(errno));
			return -errno;
		}
	}
	return 0;
}

/* The direct-mapped reference: each flow in the slot of its hash, a later
 * flow replacing an earlier one in the same slot. */
static int ref_slots_fill(struct inst *in, const struct xlb_addr *vip)
{
	struct wrap_slot_entry *slots = calloc(WRAP_REF_FLOWS, sizeof(*slots));
	__u32 *idx = calloc(WRAP_REF_FLOWS, sizeof(*idx));
	__u32 k, used = 0, count = WRAP_REF_FLOWS;
	struct xlb_flow_key key;
	int err = 0;

	if (!slots || !idx) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (k = 0; k < EST_FLOWS; k++) {
		struct wrap_slot_entry *e;

		ref_key(in->est_base, k, vip, &key);
		e = &slots[xlb_flow_hash(&key) & (WRAP_REF_FLOWS - 1)];
		used += !e->key.family;
		e->key = key;
		e->flow = (struct xlb_flow){.backend_id = 1, .generation = GEN};
	}
	for (k = 0; k < WRAP_REF_FLOWS; k++)
		idx[k] = k;
	if (bpf_map_update_batch(bpf_map__fd(in->wrap->maps.ref_slots), idx, slots, &count, NULL)) {
		err = -errno;
		pr_warn("ref slots: %s\n", strerror(-err));
		goto cleanup;
	}
	fprintf(stderr, "xdp_cost: direct-mapped reference keeps %u of %u flows\n", used,
		EST_FLOWS);
cleanup:
	free(idx);
	free(slots);
	return err;
}

static int run_floor(struct bench_case *c, __u32 *ns);

/* The references' tables, then one untimed pass over each: every entry
 * used once before, like xlb's established flows. */
static int ref_fill(struct inst *in)
{
	struct xlb_addr vip;
	__u32 ns;
	int err;

	parse_addr(VIP4, &vip);
	err = ref_flows_fill(in, &vip);
	if (!err)
		err = ref_slots_fill(in, &vip);
	if (err)
		return err;
	if (run_floor(&cases[C_REF_FLOWS], &ns) || run_floor(&cases[C_REF_SLOTS], &ns)) {
		pr_warn("references: %s%s\n", cases[C_REF_FLOWS].why, cases[C_REF_SLOTS].why);
		return -EIO;
	}
	return 0;
}

static int selected(const struct bench_case *c);

/* Does a selected path run on instance i? */
static int inst_used(enum inst_id i)
{
	int c;

	for (c = 0; c < C__MAX; c++) {
		if (cases[c].inst == i && selected(&cases[c]))
			return 1;
	}
	return 0;
}

/* Each instance used: loaded, then brought to the state its paths need. A
 * per-CPU LRU splits its entries between the CPUs (DESIGN §2): it gets
 * XLB_FLOW_ENTRIES for each, so one CPU's share holds what the common
 * table holds. */
static int setup(void)
{
	__u32 pcpu_cap = XLB_FLOW_ENTRIES * (__u32)libbpf_num_possible_cpus();
	enum inst_id i;
	int err = 0;

	for (i = 0; !err && i < I__MAX; i++) {
		struct inst *in = &insts[i];

		if (!inst_used(i))
			continue;
		if (i == I_PCPU_EST || i == I_PCPU_ROOM)
			err = inst_open(in, pcpu_cap, BPF_F_NO_COMMON_LRU, 0);
		else if (i == I_PCPUH_EST || i == I_PCPUH_ROOM)
			err = inst_open(in, XLB_FLOW_ENTRIES, 0, BPF_MAP_TYPE_LRU_PERCPU_HASH);
		else if (i == I_HASH_EST || i == I_HASH_ROOM)
			err = inst_open(in, XLB_FLOW_ENTRIES, 0, BPF_MAP_TYPE_HASH);
		else
			err = inst_open(in, XLB_FLOW_ENTRIES, 0, 0);
		if (err)
			break;
		switch (i) {
		case I_MAIN:
		case I_PCPU_EST:
		case I_PCPUH_EST:
		case I_HASH_EST:
			err = inst_fill(in, XLB_AF_INET, EST_FLOWS, 1);
			if (!err && i == I_MAIN &&
			    (selected(&cases[C_REF_FLOWS]) || selected(&cases[C_REF_SLOTS])))
				err = ref_fill(in);
			break;
		case I_V6:
			err = inst_fill(in, XLB_AF_INET6, EST_FLOWS, 1);
			break;
		case I_ROOM:
		case I_PCPU_ROOM:
		case I_PCPUH_ROOM:
		case I_HASH_ROOM:
			/* Every run then starts from a table emptied after use,
			 * as every run after the first would: a fresh table
			 * hands out entries in memory order, faster to write. */
			err = inst_fill(in, XLB_AF_INET, EST_FLOWS, 0);
			break;
		case I_FULL:
			err = inst_fill_full(in);
			break;
		case I_GUARD:
			err = inst_guard(in);
			break;
		case I_ACL_PASS:
			err = inst_acl_pass(in);
			break;
		case I_RL_PASS:
			err = inst_rl_pass(in);
			break;
		default:
			break;
		}
	}
	return err;
}

/* One run of a floor or of the wrapper alone. */
static int run_floor(struct bench_case *c, __u32 *ns)
{
	struct inst *in = &insts[c->inst];
	__u64 hits = in->wrap->bss->floor_hits;
	struct frame fr;
	__u32 retval;
	int err;

	frame_build(&fr, &c->spec, in->est_base);
	wrap_set(in->wrap, &fr, in->est_base, c->nflows, 0);
	in->wrap->bss->restore_fails = 0;
	in->wrap->bss->tail_call_fails = 0;
	err = test_run(prog_of(in, c->wrap), &fr, packets, &retval, ns);
	if (err) {
		snprintf(c->why, sizeof(c->why), "run failed: %s", strerror(-err));
		return -1;
	}
	if (retval != XDP_TX || in->wrap->bss->restore_fails || in->wrap->bss->tail_call_fails ||
	    ((c->wrap == W_PARSE || c->wrap == W_FLOWS || c->wrap == W_SLOTS) &&
	     in->wrap->bss->floor_hits - hits != packets)) {
		snprintf(c->why, sizeof(c->why), "verdict %u, %llu lookups hit of %u", retval,
			 (unsigned long long)(in->wrap->bss->floor_hits - hits), packets);
		return -1;
	}
	return 0;
}

static int case_source(const struct bench_case *c, __u32 nflows, __u32 *src)
{
	switch (c->src) {
	case SRC_FRESH:
		return range_take(nflows, src);
	case SRC_ACL:
		*src = ACL_CLIENT;
		return 0;
	case SRC_RL:
		*src = RL_CLIENT;
		return 0;
	default:
		*src = insts[c->inst].est_base;
		return 0;
	}
}

static int run_case(struct bench_case *c, __u32 *ns)
{
	struct inst *in = &insts[c->inst];
	__u32 src, nflows = c->nflows ? c->nflows : packets;
	char why[sizeof(c->why)];
	struct frame fr;
	__u32 retval;

	if (c->wrap != W_XLB)
		return run_floor(c, ns);
	if (c->why[0])
		return -1;
	if (c->clear && flows_clear(in)) {
		snprintf(c->why, sizeof(c->why), "could not empty the flow table");
		return -1;
	}
	if (case_source(c, nflows, &src)) {
		snprintf(c->why, sizeof(c->why), "out of source addresses");
		return -1;
	}
	if (c->prewarm) {
		frame_build(&fr, &c->spec, src);
		wrap_set(in->wrap, &fr, src, 1, 0);
		if (test_run(prog_of(in, W_XLB), &fr, 1, &retval, ns))
			return -1;
	}
	if (run_checked(in, &c->spec, src, nflows, 0, packets, c->stat, c->new_flow, ns, why,
			sizeof(why))) {
		memcpy(c->why, why, sizeof(why));
		return -1;
	}
	return 0;
}

static int selected(const struct bench_case *c)
{
	size_t n = strlen(c->key);
	const char *p = only;

	/* The floor every ratio is taken against always runs. */
	if (c == &cases[C_PARSE])
		return 1;
	if (!only)
		return !c->variant;
	while ((p = strstr(p, c->key))) {
		if ((p == only || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return 1;
		p += n;
	}
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Sorts the case's runs and ratios: medians in the middle. */
static __u32 median(struct bench_case *c)
{
	qsort(c->ns, (size_t)c->nr_ok, sizeof(c->ns[0]), cmp_u32);
	qsort(c->ratio, (size_t)c->nr_ok, sizeof(c->ratio[0]), cmp_double);
	return c->ns[c->nr_ok / 2];
}

static int report(void)
{
	int i, bad = 0, floor = cases[C_PARSE].nr_ok == runs;

	printf("| path | ns/packet (median) | min–max | × parse+lookup floor | target | "
	       "met |\n");
	printf("|---|---:|---:|---:|---:|:-:|\n");
	for (i = 0; i < C__MAX; i++) {
		struct bench_case *c = &cases[i];
		double ratio;
		__u32 med;

		if (!selected(c))
			continue;
		if (c->nr_ok != runs || !floor) {
			printf("| %s | failed: %s | | | | |\n", c->name, c->why);
			bad++;
			continue;
		}
		med = median(c);
		ratio = c->ratio[c->nr_ok / 2];
		printf("| %s | %u | %u–%u | %.2f× | ", c->name, med, c->ns[0], c->ns[c->nr_ok - 1],
		       ratio);
		if (c->target)
			printf("≤ %.1f× | %s |\n", c->target,
			       ratio <= c->target ? "yes" : "**no**");
		else
			printf("– | |\n");
	}
	return bad;
}

/* An LRU_PERCPU_HASH entry holds its value only on the CPU that stored it:
 * that variant's fills and runs must all run on one CPU. */
static int pin_for_variants(void)
{
	cpu_set_t set;
	int err;

	if (!selected(&cases[C_PCPUH_EST1M]) && !selected(&cases[C_PCPUH_SYN_ROOM]))
		return 0;
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		err = -errno;
		pr_warn("pin to CPU 0: %s\n", strerror(-err));
		return err;
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: xdp_cost [-n PACKETS] [-r RUNS] [-c KEY,...]\n");
}

int main(int argc, char **argv)
{
	int opt, r, i, err;

	while ((opt = getopt(argc, argv, "n:r:c:")) != -1) {
		switch (opt) {
		case 'c':
			only = optarg;
			break;
		case 'n':
			packets = (__u32)strtoul(optarg, NULL, 0);
			break;
		case 'r':
			runs = atoi(optarg);
			break;
		default:
			usage();
			return 2;
		}
	}
	if (!packets || runs < 1 || runs > MAX_RUNS) {
		usage();
		return 2;
	}
	libbpf_set_print(quiet_libbpf);
	parse_addr(RANGE6_PREFIX, &range6_prefix);
	err = pin_for_variants();
	if (!err)
		err = lab_up();
	if (!err)
		err = setup();
	if (err) {
		fprintf(stderr, "xdp_cost: setup failed: %s\n", strerror(-err));
		return 1;
	}
	/*
	 * Round-robin: run r of every path, then run r + 1. Each path's run
	 * is paired with a run of the floor just before it, and its ratio is
	 * the median of the paired ratios: the load of a shared machine
	 * changes within seconds, and then falls on both figures of a pair.
	 */
	for (r = 0; r < runs; r++) {
		for (i = 0; i < C__MAX; i++) {
			struct bench_case *c = &cases[i];
			__u32 ns, floor_ns;

			if (!selected(c))
				continue;
			if (c != &cases[C_PARSE] && run_floor(&cases[C_PARSE], &floor_ns))
				continue;
			if (run_case(c, &ns))
				continue;
			c->ratio[c->nr_ok] = c == &cases[C_PARSE] ? 1 : (double)ns / floor_ns;
			c->ns[c->nr_ok++] = ns;
		}
	}
	return report() ? 1 : 0;
}
