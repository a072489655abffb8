// SPDX-License-Identifier: MIT
/*
 * Control messages: one table says each attribute's kind, range and field
 * in struct xlb_ctl_msg; another says which attributes each command allows
 * and requires. Encode and decode are both driven by them, so the two can
 * not disagree.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <libmnl/libmnl.h>

#include "ctl_msg.h"
#include "prefix.h"
#include "ratelimit.h"

_Static_assert(XLB_A__MAX <= 64, "attribute masks are one u64");

#define BIT(a)	(1ULL << (a))
#define VIP_KEY (BIT(XLB_A_FAMILY) | BIT(XLB_A_VIP_ADDR) | BIT(XLB_A_PORT) | BIT(XLB_A_PROTO))
#define BE_KEY	(VIP_KEY | BIT(XLB_A_BACKEND_ADDR))
#define FLOW_KEY                                                                                   \
	(BIT(XLB_A_FAMILY) | BIT(XLB_A_PROTO) | BIT(XLB_A_FLOW_SRC) | BIT(XLB_A_FLOW_SPORT) |      \
	 BIT(XLB_A_FLOW_DST) | BIT(XLB_A_FLOW_DPORT))
#define SOURCES                                                                                    \
	(BIT(XLB_A_SRC4_ADDR) | BIT(XLB_A_SRC4_PLEN) | BIT(XLB_A_SRC6_ADDR) | BIT(XLB_A_SRC6_PLEN))
#define VIP_OPTS (BIT(XLB_A_MODE) | BIT(XLB_A_CHECK) | BIT(XLB_A_FAIL_OPEN) | BIT(XLB_A_ANNOUNCE))
#define STAT_MSG (BIT(XLB_A_STAT_ID) | BIT(XLB_A_STAT_NAME) | BIT(XLB_A_COUNTERS))
#define PREFIX	 (BIT(XLB_A_PREFIX_FAMILY) | BIT(XLB_A_PREFIX_ADDR) | BIT(XLB_A_PREFIX_LEN))
#define RL_RATES (BIT(XLB_A_RL_PPS) | BIT(XLB_A_RL_FLOWS))
#define RL_SETTING                                                                                 \
	(RL_RATES | BIT(XLB_A_RL_PPS_BURST) | BIT(XLB_A_RL_FLOWS_BURST) | BIT(XLB_A_RL_PLEN4) |    \
	 BIT(XLB_A_RL_PLEN6))
#define SCOPE_REPLY (VIP_KEY | BIT(XLB_A_VIP_ID)) /* a VIP's list or setting; none: global */

#define IPV4_PLEN_MAX 32
#define ERRNO_MAX     4095 /* largest errno an NLMSG_ERROR may carry, as the kernel's MAX_ERRNO */
#define IPV6_PLEN_MAX 128

enum attr_kind {
	K_NONE = 0,
	K_U8,
	K_U16,
	K_U32,
	K_U64,
	K_ADDR,
	K_STR,
	K_COUNTERS,
	K_CHECK,
	K_CHECK_STATUS,
	K_HEALTH_STATS,
	K_BUCKETS, /* u64[XLB_SWAP_BUCKETS] */
	K_RANGES,  /* struct xlb_ctl_status_range[1..XLB_CHECK_MAX_RANGES] */
	K_ARGS,	   /* nested XLB_CHECK_ARG strings */
};

/* How a value is checked beyond its length. */
enum attr_check {
	C_RANGE = 0, /* min <= v <= max */
	C_FAMILY,    /* XLB_AF_INET or XLB_AF_INET6 */
	C_PROTO,     /* IPPROTO_TCP or IPPROTO_UDP */
	C_BITS,	     /* no bit outside max */
};

struct attr_pol {
	const char *name;
	enum attr_kind kind;
	enum attr_check check;
	size_t off; /* field in struct xlb_ctl_msg */
	__u64 min;
	__u64 max; /* C_RANGE: largest value; K_STR: size with NUL; C_BITS: mask */
};

#define F(field) offsetof(struct xlb_ctl_msg, field)

static const struct attr_pol attr_pols[XLB_A__MAX] = {
	[XLB_A_FAMILY] = {"family", K_U8, C_FAMILY, F(vip.key.family), 0, 0},
	[XLB_A_VIP_ADDR] = {"vip_addr", K_ADDR, C_RANGE, F(vip.key.addr), 0, 0},
	[XLB_A_PORT] = {"port", K_U16, C_RANGE, F(vip.key.port), 0, UINT16_MAX},
	[XLB_A_PROTO] = {"proto", K_U8, C_PROTO, F(vip.key.proto), 0, 0},
	[XLB_A_MODE] = {"mode", K_U8, C_RANGE, F(vip.mode), 0, XLB_MODE__MAX - 1},
	[XLB_A_VIP_ID] = {"vip_id", K_U32, C_RANGE, F(vip.id), 1, XLB_MAX_VIPS - 1},
	[XLB_A_BACKEND_ADDR] = {"backend_addr", K_ADDR, C_RANGE, F(be.addr), 0, 0},
	[XLB_A_BACKEND_PORT] = {"backend_port", K_U16, C_RANGE, F(be.port), 0, UINT16_MAX},
	[XLB_A_BACKEND_ID] = {"backend_id", K_U32, C_RANGE, F(be.id), 1, XLB_MAX_BACKENDS - 1},
	[XLB_A_GENERATION] = {"generation", K_U32, C_RANGE, F(be.generation), 0, UINT32_MAX},
	[XLB_A_WEIGHT] = {"weight", K_U32, C_RANGE, F(be.weight), 0, XLB_WEIGHT_MAX},
	[XLB_A_FLAGS] = {"flags", K_U32, C_BITS, F(be.flags), 0, XLB_BE_F_ALL},
	[XLB_A_FLAGS_MASK] = {"flags_mask", K_U32, C_BITS, F(be.flags_mask), 0, XLB_BE_F_ALL},
	[XLB_A_STATE] = {"state", K_U8, C_RANGE, F(be.state), 0, XLB_BE_DOWN},
	[XLB_A_HEALTH] = {"health", K_U8, C_RANGE, F(be.health), 0, XLB_HEALTH__MAX - 1},
	[XLB_A_COUNTERS] = {"counters", K_COUNTERS, C_RANGE, F(cnt), 0, 0},
	[XLB_A_CHECK] = {"check", K_CHECK, C_RANGE, F(check), 0, 0},
	[XLB_A_FLOW_SRC] = {"flow_src", K_ADDR, C_RANGE, F(flow.src), 0, 0},
	[XLB_A_FLOW_SPORT] = {"flow_sport", K_U16, C_RANGE, F(flow.sport), 0, UINT16_MAX},
	[XLB_A_FLOW_DST] = {"flow_dst", K_ADDR, C_RANGE, F(flow.dst), 0, 0},
	[XLB_A_FLOW_DPORT] = {"flow_dport", K_U16, C_RANGE, F(flow.dport), 0, UINT16_MAX},
	[XLB_A_FLOW_SOURCE] = {"flow_source", K_U8, C_RANGE, F(flow.source), XLB_FLOW_FROM_TABLE,
			       XLB_FLOW_SOURCE__MAX - 1},
	[XLB_A_STAT_ID] = {"stat_id", K_U32, C_RANGE, F(stat.id), 0, XLB_STAT__MAX - 1},
	[XLB_A_STAT_NAME] = {"stat_name", K_STR, C_RANGE, F(stat.name), 0, XLB_CTL_STAT_NAME_MAX},
	[XLB_A_MTU] = {"mtu", K_U32, C_RANGE, F(cfg.mtu), XLB_MTU_MIN, XLB_MTU_MAX},
	[XLB_A_SRC4_ADDR] = {"src4_addr", K_ADDR, C_RANGE, F(cfg.src4), 0, 0},
	[XLB_A_SRC4_PLEN] = {"src4_plen", K_U8, C_RANGE, F(cfg.src4_plen), 0, IPV4_PLEN_MAX},
	[XLB_A_SRC6_ADDR] = {"src6_addr", K_ADDR, C_RANGE, F(cfg.src6), 0, 0},
	[XLB_A_SRC6_PLEN] = {"src6_plen", K_U8, C_RANGE, F(cfg.src6_plen), 0, IPV6_PLEN_MAX},
	[XLB_A_IFNAME] = {"ifname", K_STR, C_RANGE, F(cfg.ifname), 0, IF_NAMESIZE},
	[XLB_A_XDP_MODE] = {"xdp_mode", K_U8, C_RANGE, F(cfg.xdp_mode), 0, XLB_XDP_MODE__MAX - 1},
	[XLB_A_ATTACHED] = {"attached", K_U8, C_RANGE, F(cfg.attached), 0, 1},
	[XLB_A_FAIL_OPEN] = {"fail_open", K_U8, C_RANGE, F(vip.fail_open), 0, 1},
	[XLB_A_CHECK_STATUS] = {"check_status", K_CHECK_STATUS, C_RANGE, F(hc), 0, 0},
	[XLB_A_HEALTH_STATS] = {"health_stats", K_HEALTH_STATS, C_RANGE, F(hst), 0, 0},
	[XLB_A_PREFIX_FAMILY] = {"prefix_family", K_U8, C_FAMILY, F(prefix.family), 0, 0},
	[XLB_A_PREFIX_ADDR] = {"prefix_addr", K_ADDR, C_RANGE, F(prefix.addr), 0, 0},
	[XLB_A_PREFIX_LEN] = {"prefix_len", K_U8, C_RANGE, F(prefix.plen), 0, IPV6_PLEN_MAX},
	[XLB_A_ACL_ACTION] = {"acl_action", K_U8, C_RANGE, F(prefix.action), XLB_ACL_DENY,
			      XLB_ACL_ALLOW},
	[XLB_A_RL_PPS] = {"rl_pps", K_U32, C_RANGE, F(rl.pps), 0, XLB_RL_RATE_MAX},
	[XLB_A_RL_PPS_BURST] = {"rl_pps_burst", K_U32, C_RANGE, F(rl.pps_burst), 1, UINT32_MAX},
	[XLB_A_RL_FLOWS] = {"rl_flows", K_U32, C_RANGE, F(rl.flows), 0, XLB_RL_RATE_MAX},
	[XLB_A_RL_FLOWS_BURST] = {"rl_flows_burst", K_U32, C_RANGE, F(rl.flows_burst), 1,
				  UINT32_MAX},
	[XLB_A_RL_PLEN4] = {"rl_plen4", K_U8, C_RANGE, F(rl.plen4), 0, IPV4_PLEN_MAX},
	[XLB_A_RL_PLEN6] = {"rl_plen6", K_U8, C_RANGE, F(rl.plen6), 0, IPV6_PLEN_MAX},
	[XLB_A_RL_TOP_MAX] = {"rl_top_max", K_U32, C_RANGE, F(rl.top_max), 1, XLB_RL_TOP_MAX},
	[XLB_A_RL_LAST_DROP_MS] = {"rl_last_drop_ms", K_U64, C_RANGE, F(rl.last_drop_ms), 0,
				   UINT64_MAX},
	[XLB_A_FLOW_BUDGET] = {"flow_budget", K_U32, C_RANGE, F(cfg.flow_budget), 0,
			       XLB_RL_RATE_MAX},
	[XLB_A_ANNOUNCE] = {"announce", K_U8, C_RANGE, F(vip.announce), 0, 1},
	[XLB_A_ANNOUNCE_STATE] = {"announce_state", K_U8, C_RANGE, F(vip.announce_state), 0,
				  XLB_ANNOUNCE__MAX - 1},
	[XLB_A_ANNOUNCE_TABLE] = {"announce_table", K_U32, C_RANGE, F(cfg.announce_table), 1,
				  UINT32_MAX},
	[XLB_A_SAMPLE_EVERY] = {"sample_every", K_U32, C_RANGE, F(cfg.sample_every), 0, UINT32_MAX},
};

static const struct attr_pol cnt_pols[XLB_CNT__MAX] = {
	[XLB_CNT_PACKETS] = {"packets", K_U64, C_RANGE, offsetof(struct xlb_ctl_counters, packets),
			     0, UINT64_MAX},
	[XLB_CNT_BYTES] = {"bytes", K_U64, C_RANGE, offsetof(struct xlb_ctl_counters, bytes), 0,
			   UINT64_MAX},
	[XLB_CNT_NEW_FLOWS] = {"new_flows", K_U64, C_RANGE,
			       offsetof(struct xlb_ctl_counters, new_flows), 0, UINT64_MAX},
	[XLB_CNT_DROPS] = {"drops", K_U64, C_RANGE, offsetof(struct xlb_ctl_counters, drops), 0,
			   UINT64_MAX},
	[XLB_CNT_PPS] = {"pps", K_U64, C_RANGE, offsetof(struct xlb_ctl_counters, pps), 0,
			 UINT64_MAX},
	[XLB_CNT_BPS] = {"bps", K_U64, C_RANGE, offsetof(struct xlb_ctl_counters, bps), 0,
			 UINT64_MAX},
	[XLB_CNT_ACL_DROPS] = {"acl_drops", K_U64, C_RANGE,
			       offsetof(struct xlb_ctl_counters, acl_drops), 0, UINT64_MAX},
	[XLB_CNT_RL_PPS_DROPS] = {"rl_pps_drops", K_U64, C_RANGE,
				  offsetof(struct xlb_ctl_counters, rl_pps_drops), 0, UINT64_MAX},
	[XLB_CNT_RL_FLOW_DROPS] = {"rl_flow_drops", K_U64, C_RANGE,
				   offsetof(struct xlb_ctl_counters, rl_flow_drops), 0, UINT64_MAX},
};

#define CHST(field) offsetof(struct xlb_ctl_check_status, field)

static const struct attr_pol chst_pols[XLB_CHST__MAX] = {
	[XLB_CHST_TYPE] = {"type", K_U8, C_RANGE, CHST(type), 0, XLB_CTL_CHECK__MAX - 1},
	[XLB_CHST_INHERITED] = {"inherited", K_U8, C_RANGE, CHST(inherited), 0, 1},
	[XLB_CHST_IN_STATE_MS] = {"in_state_ms", K_U64, C_RANGE, CHST(in_state_ms), 0, UINT64_MAX},
	[XLB_CHST_CHECKS] = {"checks", K_U64, C_RANGE, CHST(checks), 0, UINT64_MAX},
	[XLB_CHST_PASSES] = {"passes", K_U32, C_RANGE, CHST(passes), 0, XLB_CHECK_MAX_COUNT},
	[XLB_CHST_FAILURES] = {"failures", K_U32, C_RANGE, CHST(failures), 0, XLB_CHECK_MAX_COUNT},
	[XLB_CHST_REASON] = {"reason", K_STR, C_RANGE, CHST(reason), 0, XLB_CTL_CHECK_REASON_MAX},
	[XLB_CHST_TEXT] = {"text", K_STR, C_RANGE, CHST(text), 0, XLB_CTL_CHECK_TEXT_MAX},
	[XLB_CHST_OUTPUT] = {"output", K_STR, C_RANGE, CHST(output), 0, XLB_CTL_CHECK_OUTPUT_MAX},
	[XLB_CHST_AGO_MS] = {"ago_ms", K_U64, C_RANGE, CHST(ago_ms), 0, UINT64_MAX},
	[XLB_CHST_LATENCY_US] = {"latency_us", K_U64, C_RANGE, CHST(latency_us), 0, UINT64_MAX},
};

#define HST(field) offsetof(struct xlb_ctl_health_stats, field)

static const struct attr_pol hst_pols[XLB_HST__MAX] = {
	[XLB_HST_TARGETS] = {"targets", K_U32, C_RANGE, HST(targets), 0, UINT32_MAX},
	[XLB_HST_RESULTS] = {"results", K_U64, C_RANGE, HST(results), 0, UINT64_MAX},
	[XLB_HST_CHANGES] = {"changes", K_U64, C_RANGE, HST(changes), 0, UINT64_MAX},
	[XLB_HST_SWAPS] = {"swaps", K_U64, C_RANGE, HST(swaps), 0, UINT64_MAX},
	[XLB_HST_SWAP_SUM_US] = {"swap_sum_us", K_U64, C_RANGE, HST(swap_sum_us), 0, UINT64_MAX},
	[XLB_HST_SWAP_MAX_US] = {"swap_max_us", K_U64, C_RANGE, HST(swap_max_us), 0, UINT64_MAX},
	[XLB_HST_SWAP_BUCKETS] = {"swap_buckets", K_BUCKETS, C_RANGE, HST(buckets), 0, 0},
};

/*
 * A check spec on the wire is decoded into this first (type, length and
 * range of each attribute), then turned into the CLI's words and parsed by
 * xlb_check_spec__parse, which applies every rule the command line does.
 */
struct wire_check {
	__u8 type;
	__u8 tls;
	__u8 insecure;
	__u16 port;
	__u32 rise;
	__u32 fall;
	__u64 interval_us;
	__u64 timeout_us;
	char method[XLB_CHECK_METHOD_LEN];
	char path[XLB_CHECK_PATH_LEN];
	struct xlb_status_range expect[XLB_CHECK_MAX_RANGES];
	__u8 nr_expect;
	char body[XLB_CHECK_BODY_LEN];
	char host[XLB_CHECK_NAME_LEN];
	char ca_file[XLB_CHECK_FILE_LEN];
	char sni[XLB_CHECK_NAME_LEN];
	char service[XLB_CHECK_SERVICE_LEN];
	char program[XLB_CHECK_FILE_LEN];
	char args[XLB_CHECK_ARGS_LEN]; /* NUL-separated */
	__u8 nr_args;
};

#define WC(field) offsetof(struct wire_check, field)
#define US_MAX	  (UINT64_MAX / 1000) /* microseconds that fit in nanoseconds */

static const struct attr_pol check_pols[XLB_CHECK_A__MAX] = {
	[XLB_CHECK_A_TYPE] = {"type", K_U8, C_RANGE, WC(type), 0, XLB_CTL_CHECK__MAX - 1},
	[XLB_CHECK_A_INTERVAL_US] = {"interval_us", K_U64, C_RANGE, WC(interval_us), 1, US_MAX},
	[XLB_CHECK_A_TIMEOUT_US] = {"timeout_us", K_U64, C_RANGE, WC(timeout_us), 1, US_MAX},
	[XLB_CHECK_A_RISE] = {"rise", K_U32, C_RANGE, WC(rise), 1, XLB_CHECK_MAX_COUNT},
	[XLB_CHECK_A_FALL] = {"fall", K_U32, C_RANGE, WC(fall), 1, XLB_CHECK_MAX_COUNT},
	[XLB_CHECK_A_PORT] = {"port", K_U16, C_RANGE, WC(port), 1, UINT16_MAX},
	[XLB_CHECK_A_METHOD] = {"method", K_STR, C_RANGE, WC(method), 0, XLB_CHECK_METHOD_LEN},
	[XLB_CHECK_A_PATH] = {"path", K_STR, C_RANGE, WC(path), 0, XLB_CHECK_PATH_LEN},
	[XLB_CHECK_A_EXPECT] = {"expect", K_RANGES, C_RANGE, WC(expect), 0, 0},
	[XLB_CHECK_A_BODY] = {"body", K_STR, C_RANGE, WC(body), 0, XLB_CHECK_BODY_LEN},
	[XLB_CHECK_A_HOST] = {"host", K_STR, C_RANGE, WC(host), 0, XLB_CHECK_NAME_LEN},
	[XLB_CHECK_A_TLS] = {"tls", K_U8, C_RANGE, WC(tls), 0, 1},
	[XLB_CHECK_A_CA_FILE] = {"ca_file", K_STR, C_RANGE, WC(ca_file), 0, XLB_CHECK_FILE_LEN},
	[XLB_CHECK_A_SNI] = {"sni", K_STR, C_RANGE, WC(sni), 0, XLB_CHECK_NAME_LEN},
	[XLB_CHECK_A_INSECURE] = {"insecure", K_U8, C_RANGE, WC(insecure), 0, 1},
	[XLB_CHECK_A_SERVICE] = {"service", K_STR, C_RANGE, WC(service), 0, XLB_CHECK_SERVICE_LEN},
	[XLB_CHECK_A_PROGRAM] = {"program", K_STR, C_RANGE, WC(program), 0, XLB_CHECK_FILE_LEN},
	[XLB_CHECK_A_ARGS] = {"args", K_ARGS, C_RANGE, WC(args), 0, 0},
};

_Static_assert((int)XLB_CTL_CHECK_NONE == (int)XLB_CHECK_NONE &&
		       (int)XLB_CTL_CHECK_TCP == (int)XLB_CHECK_TCP &&
		       (int)XLB_CTL_CHECK_HTTP == (int)XLB_CHECK_HTTP &&
		       (int)XLB_CTL_CHECK_HTTPS == (int)XLB_CHECK_HTTPS &&
		       (int)XLB_CTL_CHECK_GRPC == (int)XLB_CHECK_GRPC &&
		       (int)XLB_CTL_CHECK_SCRIPT == (int)XLB_CHECK_SCRIPT &&
		       (int)XLB_CTL_CHECK__MAX == (int)XLB_CHECK__MAX,
	       "the protocol's check types are check_spec.h's");

/* What a command may and must carry, as a request and as a reply. */
struct cmd_rule {
	const char *name;
	bool dump;  /* answered by a dump */
	bool batch; /* allowed inside a batch */
	__u64 req_allow;
	__u64 req_need;
	__u64 req_one;	 /* a request must carry at least one of these (0: no rule) */
	__u64 rep_allow; /* 0: the command has no data replies */
	__u64 rep_need;
};

#define CMD(c) [(c)-XLB_CMD_VIP_ADD]

static const struct cmd_rule cmd_rules[XLB_CMD__MAX - XLB_CMD_VIP_ADD] = {
	CMD(XLB_CMD_VIP_ADD) = {"vip_add", false, true, VIP_KEY | VIP_OPTS, VIP_KEY, 0, 0, 0},
	CMD(XLB_CMD_VIP_DEL) = {"vip_del", false, true, VIP_KEY, VIP_KEY, 0, 0, 0},
	CMD(XLB_CMD_VIP_SET) = {"vip_set", false, true, VIP_KEY | VIP_OPTS, VIP_KEY, VIP_OPTS, 0,
				0},
	CMD(XLB_CMD_VIP_GET) = {"vip_get", true, false, VIP_KEY, 0, 0,
				VIP_KEY | VIP_OPTS | BIT(XLB_A_VIP_ID) | BIT(XLB_A_COUNTERS) |
					BIT(XLB_A_ANNOUNCE_STATE),
				VIP_KEY | BIT(XLB_A_MODE) | BIT(XLB_A_VIP_ID)},
	CMD(XLB_CMD_BACKEND_ADD) = {"backend_add", false, true,
				    BE_KEY | BIT(XLB_A_BACKEND_PORT) | BIT(XLB_A_WEIGHT) |
					    BIT(XLB_A_FLAGS) | BIT(XLB_A_CHECK),
				    BE_KEY, 0, 0, 0},
	CMD(XLB_CMD_BACKEND_DEL) = {"backend_del", false, true, BE_KEY | BIT(XLB_A_BACKEND_PORT),
				    BE_KEY, 0, 0, 0},
	CMD(XLB_CMD_BACKEND_SET) = {"backend_set", false, true,
				    BE_KEY | BIT(XLB_A_BACKEND_PORT) | BIT(XLB_A_WEIGHT) |
					    BIT(XLB_A_FLAGS) | BIT(XLB_A_FLAGS_MASK) |
					    BIT(XLB_A_CHECK),
				    BE_KEY, BIT(XLB_A_WEIGHT) | BIT(XLB_A_FLAGS) | BIT(XLB_A_CHECK),
				    0, 0},
	CMD(XLB_CMD_BACKEND_GET) = {"backend_get", true, false, VIP_KEY, 0, 0,
				    BE_KEY | BIT(XLB_A_BACKEND_PORT) | BIT(XLB_A_BACKEND_ID) |
					    BIT(XLB_A_GENERATION) | BIT(XLB_A_WEIGHT) |
					    BIT(XLB_A_FLAGS) | BIT(XLB_A_STATE) |
					    BIT(XLB_A_HEALTH) | BIT(XLB_A_COUNTERS) |
					    BIT(XLB_A_CHECK) | BIT(XLB_A_CHECK_STATUS),
				    BE_KEY | BIT(XLB_A_BACKEND_PORT) | BIT(XLB_A_BACKEND_ID) |
					    BIT(XLB_A_GENERATION) |
					    BIT(XLB_A_WEIGHT) | BIT(XLB_A_FLAGS) |
					    BIT(XLB_A_STATE)},
	CMD(XLB_CMD_FLOW_GET) = {"flow_get", false, false, FLOW_KEY, FLOW_KEY, 0,
				 FLOW_KEY | BIT(XLB_A_FLOW_SOURCE) | BIT(XLB_A_VIP_ADDR) |
					 BIT(XLB_A_PORT) | BIT(XLB_A_VIP_ID) |
					 BIT(XLB_A_BACKEND_ADDR) | BIT(XLB_A_BACKEND_PORT) |
					 BIT(XLB_A_BACKEND_ID) | BIT(XLB_A_GENERATION) |
					 BIT(XLB_A_STATE),
				 FLOW_KEY | BIT(XLB_A_FLOW_SOURCE)},
	/* a counter's message, or the health checks' (check_values tells) */
	CMD(XLB_CMD_STATS_GET) = {"stats_get", true, false, 0, 0, 0,
				  STAT_MSG | BIT(XLB_A_HEALTH_STATS), 0},
	CMD(XLB_CMD_CONFIG_SET) = {"config_set", false, true,
				   BIT(XLB_A_MTU) | SOURCES | BIT(XLB_A_FLOW_BUDGET) |
					   BIT(XLB_A_SAMPLE_EVERY),
				   0,
				   BIT(XLB_A_MTU) | BIT(XLB_A_SRC4_ADDR) | BIT(XLB_A_SRC6_ADDR) |
					   BIT(XLB_A_FLOW_BUDGET) | BIT(XLB_A_SAMPLE_EVERY),
				   0, 0},
	CMD(XLB_CMD_CONFIG_GET) = {"config_get", false, false, 0, 0, 0,
				   BIT(XLB_A_MTU) | SOURCES | BIT(XLB_A_IFNAME) |
					   BIT(XLB_A_XDP_MODE) | BIT(XLB_A_ATTACHED) |
					   BIT(XLB_A_FLOW_BUDGET) | BIT(XLB_A_ANNOUNCE_TABLE) |
					   BIT(XLB_A_SAMPLE_EVERY),
				   BIT(XLB_A_MTU)},
	CMD(XLB_CMD_ATTACH) = {"attach", false, false, BIT(XLB_A_IFNAME) | BIT(XLB_A_XDP_MODE), 0,
			       0, 0, 0},
	CMD(XLB_CMD_DETACH) = {"detach", false, false, BIT(XLB_A_IFNAME), 0, 0, 0, 0},
	CMD(XLB_CMD_BATCH_BEGIN) = {"batch_begin", false, false, 0, 0, 0, 0, 0},
	CMD(XLB_CMD_BATCH_END) = {"batch_end", false, false, 0, 0, 0, 0, 0},
	CMD(XLB_CMD_ACL_ADD) = {"acl_add", false, true, VIP_KEY | PREFIX | BIT(XLB_A_ACL_ACTION),
				PREFIX | BIT(XLB_A_ACL_ACTION), 0, 0, 0},
	CMD(XLB_CMD_ACL_DEL) = {"acl_del", false, true, VIP_KEY | PREFIX | BIT(XLB_A_ACL_ACTION),
				PREFIX, 0, 0, 0},
	CMD(XLB_CMD_ACL_GET) = {"acl_get", true, false, VIP_KEY, 0, 0,
				SCOPE_REPLY | PREFIX | BIT(XLB_A_ACL_ACTION),
				PREFIX | BIT(XLB_A_ACL_ACTION)},
	CMD(XLB_CMD_RATELIMIT_SET) = {"ratelimit_set", false, true, VIP_KEY | RL_SETTING, 0,
				      RL_RATES, 0, 0},
	CMD(XLB_CMD_RATELIMIT_DEL) = {"ratelimit_del", false, true, VIP_KEY, 0, 0, 0, 0},
	CMD(XLB_CMD_RATELIMIT_GET) = {"ratelimit_get", true, false, VIP_KEY, 0, 0,
				      SCOPE_REPLY | RL_SETTING,
				      RL_RATES | BIT(XLB_A_RL_PLEN4) | BIT(XLB_A_RL_PLEN6)},
	CMD(XLB_CMD_RATELIMIT_TOP) = {"ratelimit_top", true, false, BIT(XLB_A_RL_TOP_MAX), 0, 0,
				      SCOPE_REPLY | PREFIX | BIT(XLB_A_COUNTERS) |
					      BIT(XLB_A_RL_LAST_DROP_MS),
				      PREFIX | BIT(XLB_A_COUNTERS) | BIT(XLB_A_RL_LAST_DROP_MS)},
};

int xlb_ctl_err__set(struct xlb_ctl_err *e, int err, const char *fmt, ...)
{
	va_list ap;

	e->err = err;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return err;
}

static const struct cmd_rule *cmd_rule(unsigned int cmd)
{
	if (cmd < XLB_CMD_VIP_ADD || cmd >= XLB_CMD__MAX)
		return NULL;
	return &cmd_rules[cmd - XLB_CMD_VIP_ADD];
}

bool xlb_cmd__is_dump(enum xlb_cmd cmd)
{
	const struct cmd_rule *r = cmd_rule(cmd);

	return r && r->dump;
}

bool xlb_cmd__in_batch(enum xlb_cmd cmd)
{
	const struct cmd_rule *r = cmd_rule(cmd);

	return r && r->batch;
}

const char *xlb_cmd__name(unsigned int cmd)
{
	const struct cmd_rule *r = cmd_rule(cmd);

	return r ? r->name : "unknown";
}

const char *xlb_attr__name(unsigned int attr)
{
	if (attr == XLB_A_UNSPEC || attr >= XLB_A__MAX)
		return "unknown";
	return attr_pols[attr].name;
}

void xlb_ctl_msg__init(struct xlb_ctl_msg *m, enum xlb_cmd cmd)
{
	memset(m, 0, sizeof(*m));
	m->cmd = cmd;
	m->flags = NLM_F_REQUEST | (xlb_cmd__is_dump(cmd) ? NLM_F_DUMP : NLM_F_ACK);
}

bool xlb_ctl_msg__has(const struct xlb_ctl_msg *m, enum xlb_attr a)
{
	return a < XLB_A__MAX && (m->has[a / 64] & (1ULL << (a % 64)));
}

void xlb_ctl_msg__set(struct xlb_ctl_msg *m, enum xlb_attr a)
{
	if (a < XLB_A__MAX)
		m->has[a / 64] |= 1ULL << (a % 64);
}

void xlb_ctl_msg__clear(struct xlb_ctl_msg *m, enum xlb_attr a)
{
	if (a < XLB_A__MAX)
		m->has[a / 64] &= ~(1ULL << (a % 64));
}

void xlb_ctl_msg__set_vip_key(struct xlb_ctl_msg *m)
{
	xlb_ctl_msg__set(m, XLB_A_FAMILY);
	xlb_ctl_msg__set(m, XLB_A_VIP_ADDR);
	xlb_ctl_msg__set(m, XLB_A_PORT);
	xlb_ctl_msg__set(m, XLB_A_PROTO);
}

/* Encoding. */

static bool put_value(struct nlmsghdr *nlh, size_t limit, __u16 type, enum attr_kind kind,
		      const void *p)
{
	switch (kind) {
	case K_U8:
		return mnl_attr_put_u8_check(nlh, limit, type, *(const __u8 *)p);
	case K_U16:
		return mnl_attr_put_u16_check(nlh, limit, type, *(const __u16 *)p);
	case K_U32:
		return mnl_attr_put_u32_check(nlh, limit, type, *(const __u32 *)p);
	case K_U64:
		return mnl_attr_put_u64_check(nlh, limit, type, *(const __u64 *)p);
	case K_ADDR:
		return mnl_attr_put_check(nlh, limit, type, sizeof(struct xlb_addr), p);
	case K_STR:
		return mnl_attr_put_strz_check(nlh, limit, type, p);
	default:
		return false;
	}
}

static bool put_counters(struct nlmsghdr *nlh, size_t limit, const struct xlb_ctl_counters *c)
{
	struct nlattr *nest;
	unsigned int i;

	nest = mnl_attr_nest_start_check(nlh, limit, XLB_A_COUNTERS);
	if (!nest)
		return false;
	for (i = XLB_CNT_UNSPEC + 1; i < XLB_CNT__MAX; i++) {
		if (!(c->present & (1U << i)))
			continue;
		if (!put_value(nlh, limit, i, K_U64, (const char *)c + cnt_pols[i].off))
			return false;
	}
	mnl_attr_nest_end(nlh, nest);
	return true;
}

/* A nest of the fields of base whose bit is in present. */
static bool put_nested(struct nlmsghdr *nlh, size_t limit, __u16 type, const struct attr_pol *pols,
		       unsigned int max, const char *base, __u32 present)
{
	struct nlattr *nest;
	unsigned int i;
	bool ok;

	nest = mnl_attr_nest_start_check(nlh, limit, type);
	if (!nest)
		return false;
	for (i = 1; i < max; i++) {
		if (!(present & (1U << i)))
			continue;
		if (pols[i].kind == K_BUCKETS)
			ok = mnl_attr_put_check(nlh, limit, i, sizeof(__u64) * XLB_SWAP_BUCKETS,
						base + pols[i].off);
		else
			ok = put_value(nlh, limit, i, pols[i].kind, base + pols[i].off);
		if (!ok)
			return false;
	}
	mnl_attr_nest_end(nlh, nest);
	return true;
}

static bool is_web(const struct xlb_check_spec *s)
{
	return s->type == XLB_CHECK_HTTP || s->type == XLB_CHECK_HTTPS;
}

static bool put_str_if(struct nlmsghdr *nlh, size_t limit, __u16 type, const char *s)
{
	return !*s || mnl_attr_put_strz_check(nlh, limit, type, s);
}

static bool put_check_args(struct nlmsghdr *nlh, size_t limit, const struct xlb_check_spec *s)
{
	struct nlattr *nest;
	const char *p = s->args;
	__u8 i;

	nest = mnl_attr_nest_start_check(nlh, limit, XLB_CHECK_A_ARGS);
	if (!nest)
		return false;
	for (i = 0; i < s->nr_args; i++, p += strlen(p) + 1)
		if (!mnl_attr_put_strz_check(nlh, limit, XLB_CHECK_ARG, p))
			return false;
	mnl_attr_nest_end(nlh, nest);
	return true;
}

/* Every option of the spec's type, defaults included, so the receiver gets
 * exactly this spec whatever its own defaults. */
static bool put_check(struct nlmsghdr *nlh, size_t limit, const struct xlb_check_spec *s)
{
	struct xlb_ctl_status_range r[XLB_CHECK_MAX_RANGES];
	struct nlattr *nest;
	bool ok = true;
	__u8 i;

	nest = mnl_attr_nest_start_check(nlh, limit, XLB_A_CHECK);
	if (!nest || !mnl_attr_put_u8_check(nlh, limit, XLB_CHECK_A_TYPE, (__u8)s->type))
		return false;
	if (s->type != XLB_CHECK_NONE) {
		ok = mnl_attr_put_u64_check(nlh, limit, XLB_CHECK_A_INTERVAL_US,
					    s->interval_ns / XLB_NSEC_PER_USEC) &&
		     mnl_attr_put_u64_check(nlh, limit, XLB_CHECK_A_TIMEOUT_US,
					    s->timeout_ns / XLB_NSEC_PER_USEC) &&
		     mnl_attr_put_u32_check(nlh, limit, XLB_CHECK_A_RISE, s->rise) &&
		     mnl_attr_put_u32_check(nlh, limit, XLB_CHECK_A_FALL, s->fall) &&
		     (!s->port || mnl_attr_put_u16_check(nlh, limit, XLB_CHECK_A_PORT, s->port));
	}
	if (ok && is_web(s)) {
		for (i = 0; i < s->nr_expect && i < XLB_CHECK_MAX_RANGES; i++) {
			r[i].lo = s->expect[i].lo;
			r[i].hi = s->expect[i].hi;
		}
		ok = mnl_attr_put_strz_check(nlh, limit, XLB_CHECK_A_METHOD, s->method) &&
		     mnl_attr_put_strz_check(nlh, limit, XLB_CHECK_A_PATH, s->path) &&
		     mnl_attr_put_check(nlh, limit, XLB_CHECK_A_EXPECT, i * sizeof(r[0]), r);
	}
	if (ok && s->type != XLB_CHECK_NONE) {
		ok = put_str_if(nlh, limit, XLB_CHECK_A_BODY, s->body) &&
		     put_str_if(nlh, limit, XLB_CHECK_A_HOST, s->host) &&
		     (s->type != XLB_CHECK_GRPC || !s->tls ||
		      mnl_attr_put_u8_check(nlh, limit, XLB_CHECK_A_TLS, 1)) &&
		     put_str_if(nlh, limit, XLB_CHECK_A_CA_FILE, s->ca_file) &&
		     put_str_if(nlh, limit, XLB_CHECK_A_SNI, s->sni) &&
		     (!s->insecure || mnl_attr_put_u8_check(nlh, limit, XLB_CHECK_A_INSECURE, 1)) &&
		     put_str_if(nlh, limit, XLB_CHECK_A_SERVICE, s->service);
	}
	if (ok && s->type == XLB_CHECK_SCRIPT)
		ok = mnl_attr_put_strz_check(nlh, limit, XLB_CHECK_A_PROGRAM, s->program) &&
		     (!s->nr_args || put_check_args(nlh, limit, s));
	if (!ok)
		return false;
	mnl_attr_nest_end(nlh, nest);
	return true;
}

int xlb_ctl_msg__encode(const struct xlb_ctl_msg *m, void *buf, size_t size)
{
	size_t limit = size < XLB_CTL_MSG_MAX ? size : XLB_CTL_MSG_MAX;
	struct xlb_ctlmsg *cm;
	struct nlmsghdr *nlh;
	unsigned int a;
	bool ok;

	if (limit < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*cm)))
		return -EMSGSIZE;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = m->cmd;
	nlh->nlmsg_flags = m->flags;
	nlh->nlmsg_seq = m->seq;
	cm = mnl_nlmsg_put_extra_header(nlh, sizeof(*cm));
	cm->version = XLB_CTL_VERSION;

	for (a = XLB_A_UNSPEC + 1; a < XLB_A__MAX; a++) {
		const struct attr_pol *p = &attr_pols[a];
		const char *field = (const char *)m + p->off;

		if (!xlb_ctl_msg__has(m, a))
			continue;
		if (p->kind == K_COUNTERS)
			ok = put_counters(nlh, limit, &m->cnt);
		else if (p->kind == K_CHECK)
			ok = put_check(nlh, limit, &m->check);
		else if (p->kind == K_CHECK_STATUS)
			ok = put_nested(nlh, limit, a, chst_pols, XLB_CHST__MAX, field,
					m->hc.present);
		else if (p->kind == K_HEALTH_STATS)
			ok = put_nested(nlh, limit, a, hst_pols, XLB_HST__MAX, field,
					m->hst.present);
		else
			ok = put_value(nlh, limit, a, p->kind, field);
		if (!ok)
			return -EMSGSIZE;
	}
	return nlh->nlmsg_len;
}

/* Decoding. */

/* True when [start, start + len) is a whole sequence of well-formed
 * attributes: libmnl's iteration silently stops at a malformed one. */
static bool attrs_whole(const void *start, size_t len)
{
	size_t off = 0;

	while (off < len) {
		const struct nlattr *a = (const void *)((const char *)start + off);

		if (len - off < sizeof(*a))
			return false;
		if (a->nla_len < sizeof(*a) || a->nla_len > len - off)
			return false;
		off += MNL_ALIGN(a->nla_len);
	}
	return true;
}

struct decode_ctx {
	const struct attr_pol *pols;
	unsigned int max;
	const char *space; /* "attribute", "counter", ... for messages */
	char *base;	   /* struct the pols' offsets point into */
	__u64 seen;
	struct xlb_ctl_msg *m;
	struct xlb_ctl_err *e;
};

static int check_value(const struct attr_pol *p, __u64 v, struct decode_ctx *c)
{
	switch (p->check) {
	case C_FAMILY:
		if (v == XLB_AF_INET || v == XLB_AF_INET6)
			return 0;
		return xlb_ctl_err__set(c->e, -EINVAL, "%s %s: %llu is not 4 or 6", c->space,
					p->name, (unsigned long long)v);
	case C_PROTO:
		if (v == IPPROTO_TCP || v == IPPROTO_UDP)
			return 0;
		return xlb_ctl_err__set(c->e, -EINVAL, "%s %s: %llu is not tcp (6) or udp (17)",
					c->space, p->name, (unsigned long long)v);
	case C_BITS:
		if (!(v & ~p->max))
			return 0;
		return xlb_ctl_err__set(c->e, -EINVAL, "%s %s: unknown bits 0x%llx", c->space,
					p->name, (unsigned long long)(v & ~p->max));
	default:
		if (v >= p->min && v <= p->max)
			return 0;
		return xlb_ctl_err__set(c->e, -ERANGE, "%s %s: %llu out of range %llu..%llu",
					c->space, p->name, (unsigned long long)v,
					(unsigned long long)p->min, (unsigned long long)p->max);
	}
}

static int decode_cb(const struct nlattr *attr, void *data);
static int decode_check(const struct nlattr *attr, struct decode_ctx *c);

static int decode_nested(const struct nlattr *attr, struct decode_ctx *outer,
			 const struct attr_pol *pols, unsigned int max, const char *space,
			 char *base, __u64 *seen)
{
	struct decode_ctx c = {
		.pols = pols,
		.max = max,
		.space = space,
		.base = base,
		.m = outer->m,
		.e = outer->e,
	};

	if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0)
		return xlb_ctl_err__set(outer->e, -EINVAL, "%s %s: malformed nest", outer->space,
					outer->pols[mnl_attr_get_type(attr)].name);
	if (!attrs_whole(mnl_attr_get_payload(attr), mnl_attr_get_payload_len(attr)))
		return xlb_ctl_err__set(outer->e, -EINVAL, "%s %s: malformed nested attribute",
					outer->space, outer->pols[mnl_attr_get_type(attr)].name);
	if (mnl_attr_parse_nested(attr, decode_cb, &c) != MNL_CB_OK)
		return outer->e->err;
	*seen = c.seen;
	return 0;
}

static int decode_scalar(const struct nlattr *attr, const struct attr_pol *p, char *field,
			 struct decode_ctx *c)
{
	static const enum mnl_attr_data_type mnl_types[] = {
		[K_U8] = MNL_TYPE_U8,
		[K_U16] = MNL_TYPE_U16,
		[K_U32] = MNL_TYPE_U32,
		[K_U64] = MNL_TYPE_U64,
	};
	__u64 v;
	int err;

	if (mnl_attr_validate(attr, mnl_types[p->kind]) < 0)
		return xlb_ctl_err__set(c->e, -EINVAL, "%s %s: wrong length %u", c->space, p->name,
					(unsigned int)mnl_attr_get_payload_len(attr));
	switch (p->kind) {
	case K_U8:
		v = mnl_attr_get_u8(attr);
		break;
	case K_U16:
		v = mnl_attr_get_u16(attr);
		break;
	case K_U32:
		v = mnl_attr_get_u32(attr);
		break;
	default:
		v = mnl_attr_get_u64(attr);
		break;
	}
	err = check_value(p, v, c);
	if (err)
		return err;
	switch (p->kind) {
	case K_U8:
		*(__u8 *)field = v;
		break;
	case K_U16:
		*(__u16 *)field = v;
		break;
	case K_U32:
		*(__u32 *)field = v;
		break;
	default:
		memcpy(field, &v, sizeof(v));
		break;
	}
	return 0;
}

static int decode_ranges(const struct nlattr *attr, const struct attr_pol *p, struct wire_check *w,
			 struct decode_ctx *c)
{
	const struct xlb_ctl_status_range *r = mnl_attr_get_payload(attr);
	size_t len = mnl_attr_get_payload_len(attr), i;

	if (!len || len % sizeof(*r) || len / sizeof(*r) > XLB_CHECK_MAX_RANGES)
		return xlb_ctl_err__set(c->e, -EINVAL,
					"%s %s: length %zu is not 1..%d ranges of %zu bytes",
					c->space, p->name, len, XLB_CHECK_MAX_RANGES, sizeof(*r));
	for (i = 0; i < len / sizeof(*r); i++) {
		w->expect[i].lo = r[i].lo;
		w->expect[i].hi = r[i].hi;
	}
	w->nr_expect = (__u8)i;
	return 0;
}

/* The script's arguments: XLB_CHECK_ARG strings (empty ones too), in order. */
static int decode_args(const struct nlattr *attr, const struct attr_pol *p, struct wire_check *w,
		       struct decode_ctx *c)
{
	const struct nlattr *a;
	size_t used = 0, len;

	if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0 ||
	    !attrs_whole(mnl_attr_get_payload(attr), mnl_attr_get_payload_len(attr)))
		return xlb_ctl_err__set(c->e, -EINVAL, "%s %s: malformed nest", c->space, p->name);
	mnl_attr_for_each_nested(a, attr)
	{
		if (mnl_attr_get_type(a) != XLB_CHECK_ARG)
			return xlb_ctl_err__set(c->e, -EINVAL, "%s %s: unknown type %u", c->space,
						p->name, mnl_attr_get_type(a));
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0 ||
		    strlen(mnl_attr_get_str(a)) + 1 != mnl_attr_get_payload_len(a))
			return xlb_ctl_err__set(c->e, -EINVAL, "%s %s: not a NUL-terminated string",
						c->space, p->name);
		len = mnl_attr_get_payload_len(a);
		if (w->nr_args == XLB_CHECK_MAX_ARGS || used + len > sizeof(w->args))
			return xlb_ctl_err__set(c->e, -EINVAL, "%s %s: over %d or %zu bytes",
						c->space, p->name, XLB_CHECK_MAX_ARGS,
						sizeof(w->args));
		memcpy(w->args + used, mnl_attr_get_str(a), len);
		used += len;
		w->nr_args++;
	}
	return 0;
}

#define CHECK_WORDS_MAX	 64
#define CHECK_WORDS_SIZE 4096
#define NUM_TEXT_MAX	 24
/* every range the wire can carry, checked or not: two u16 and a comma each */
#define EXPECT_TEXT_MAX (XLB_CHECK_MAX_RANGES * sizeof("65535-65535,"))

/* Words for xlb_check_spec__parse, copied into one buffer. */
struct words {
	char *argv[CHECK_WORDS_MAX];
	int n;
	size_t used;
	char buf[CHECK_WORDS_SIZE];
};

static void word(struct words *w, const char *s)
{
	size_t len = strlen(s) + 1;

	/* sized for the longest spec: never full */
	if (w->n == CHECK_WORDS_MAX || w->used + len > sizeof(w->buf))
		return;
	memcpy(w->buf + w->used, s, len);
	w->argv[w->n++] = w->buf + w->used;
	w->used += len;
}

static void word_pair(struct words *w, bool given, const char *key, const char *value)
{
	if (!given)
		return;
	word(w, key);
	word(w, value);
}

static void word_num(struct words *w, bool given, const char *key, const char *fmt,
		     unsigned long long v)
{
	char num[NUM_TEXT_MAX];

	snprintf(num, sizeof(num), fmt, v);
	word_pair(w, given, key, num);
}

/* The wire's check as the CLI's words, then parsed as the CLI parses it. */
static int check_from_wire(const struct wire_check *wc, __u64 seen, struct xlb_check_spec *spec,
			   struct xlb_ctl_err *e)
{
	static const __u64 script_only = BIT(XLB_CHECK_A_PROGRAM) | BIT(XLB_CHECK_A_ARGS);
	struct xlb_errmsg em = {};
	char expect[EXPECT_TEXT_MAX];
	struct words *w;
	const char *a;
	size_t used = 0;
	__u8 i;
	int err;

	if (!(seen & BIT(XLB_CHECK_A_TYPE)))
		return xlb_ctl_err__set(e, -EINVAL, "check attribute type missing");
	if (wc->type != XLB_CHECK_SCRIPT && (seen & script_only))
		return xlb_ctl_err__set(e, -EINVAL, "check: '%s' is not an option of %s checks",
					seen & BIT(XLB_CHECK_A_PROGRAM) ? "program" : "arg",
					xlb_check_type__name(wc->type));
	if (wc->type == XLB_CHECK_SCRIPT && !(seen & BIT(XLB_CHECK_A_PROGRAM)))
		return xlb_ctl_err__set(e, -EINVAL, "check: missing program after 'script'");
	w = calloc(1, sizeof(*w));
	if (!w)
		return xlb_ctl_err__set(e, -ENOMEM, "out of memory");
	word(w, xlb_check_type__name(wc->type));
	if (wc->type == XLB_CHECK_SCRIPT) {
		word(w, wc->program);
		for (i = 0, a = wc->args; i < wc->nr_args; i++, a += strlen(a) + 1)
			word_pair(w, true, "arg", a);
	}
	word_num(w, seen & BIT(XLB_CHECK_A_INTERVAL_US), "interval", "%lluus", wc->interval_us);
	word_num(w, seen & BIT(XLB_CHECK_A_TIMEOUT_US), "timeout", "%lluus", wc->timeout_us);
	word_num(w, seen & BIT(XLB_CHECK_A_RISE), "rise", "%llu", wc->rise);
	word_num(w, seen & BIT(XLB_CHECK_A_FALL), "fall", "%llu", wc->fall);
	word_num(w, seen & BIT(XLB_CHECK_A_PORT), "port", "%llu", wc->port);
	word_pair(w, seen & BIT(XLB_CHECK_A_METHOD), "method", wc->method);
	word_pair(w, seen & BIT(XLB_CHECK_A_PATH), "path", wc->path);
	expect[0] = '\0';
	for (i = 0; i < wc->nr_expect && used < sizeof(expect); i++)
		used += (size_t)snprintf(expect + used, sizeof(expect) - used, "%s%u-%u",
					 i ? "," : "", wc->expect[i].lo, wc->expect[i].hi);
	word_pair(w, seen & BIT(XLB_CHECK_A_EXPECT), "expect", expect);
	word_pair(w, seen & BIT(XLB_CHECK_A_BODY), "body", wc->body);
	word_pair(w, seen & BIT(XLB_CHECK_A_HOST), "host", wc->host);
	if (wc->tls)
		word(w, "tls");
	word_pair(w, seen & BIT(XLB_CHECK_A_CA_FILE), "ca", wc->ca_file);
	word_pair(w, seen & BIT(XLB_CHECK_A_SNI), "sni", wc->sni);
	if (wc->insecure)
		word(w, "insecure");
	word_pair(w, seen & BIT(XLB_CHECK_A_SERVICE), "service", wc->service);
	err = xlb_check_spec__parse(spec, w->n, w->argv, NULL, &em);
	free(w);
	if (err)
		return xlb_ctl_err__set(e, err, "%s", em.text);
	return 0;
}

static int decode_check(const struct nlattr *attr, struct decode_ctx *c)
{
	struct wire_check *wc;
	__u64 seen;
	int err;

	wc = calloc(1, sizeof(*wc));
	if (!wc)
		return xlb_ctl_err__set(c->e, -ENOMEM, "out of memory");
	err = decode_nested(attr, c, check_pols, XLB_CHECK_A__MAX, "check attribute", (char *)wc,
			    &seen);
	if (!err)
		err = check_from_wire(wc, seen, &c->m->check, c->e);
	free(wc);
	return err;
}

static int decode_attr(const struct nlattr *attr, unsigned int type, struct decode_ctx *c)
{
	const struct attr_pol *p = &c->pols[type];
	char *field = c->base + p->off;
	size_t len;
	__u64 seen;
	int err;

	switch (p->kind) {
	case K_ADDR:
		if (mnl_attr_validate2(attr, MNL_TYPE_BINARY, sizeof(struct xlb_addr)) < 0)
			return xlb_ctl_err__set(c->e, -EINVAL, "%s %s: wrong length %u", c->space,
						p->name,
						(unsigned int)mnl_attr_get_payload_len(attr));
		memcpy(field, mnl_attr_get_payload(attr), sizeof(struct xlb_addr));
		return 0;
	case K_STR:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
			return xlb_ctl_err__set(c->e, -EINVAL, "%s %s: not a NUL-terminated string",
						c->space, p->name);
		len = strlen(mnl_attr_get_str(attr));
		if (len + 1 != mnl_attr_get_payload_len(attr) || len + 1 > p->max || !len)
			return xlb_ctl_err__set(c->e, -EINVAL, "%s %s: length %zu not in 1..%llu",
						c->space, p->name, len,
						(unsigned long long)p->max - 1);
		memcpy(field, mnl_attr_get_str(attr), len + 1);
		return 0;
	case K_COUNTERS:
		err = decode_nested(attr, c, cnt_pols, XLB_CNT__MAX, "counter", field, &seen);
		if (err)
			return err;
		c->m->cnt.present = seen;
		return 0;
	case K_CHECK:
		return decode_check(attr, c);
	case K_CHECK_STATUS:
		err = decode_nested(attr, c, chst_pols, XLB_CHST__MAX, "check status", field,
				    &seen);
		if (err)
			return err;
		c->m->hc.present = seen;
		return 0;
	case K_HEALTH_STATS:
		err = decode_nested(attr, c, hst_pols, XLB_HST__MAX, "health stat", field, &seen);
		if (err)
			return err;
		c->m->hst.present = seen;
		return 0;
	case K_BUCKETS:
		if (mnl_attr_validate2(attr, MNL_TYPE_BINARY, sizeof(__u64) * XLB_SWAP_BUCKETS) < 0)
			return xlb_ctl_err__set(c->e, -EINVAL, "%s %s: wrong length %u", c->space,
						p->name,
						(unsigned int)mnl_attr_get_payload_len(attr));
		memcpy(field, mnl_attr_get_payload(attr), sizeof(__u64) * XLB_SWAP_BUCKETS);
		return 0;
	case K_RANGES:
		return decode_ranges(attr, p, (struct wire_check *)c->base, c);
	case K_ARGS:
		return decode_args(attr, p, (struct wire_check *)c->base, c);
	default:
		return decode_scalar(attr, p, field, c);
	}
}

static int decode_cb(const struct nlattr *attr, void *data)
{
	struct decode_ctx *c = data;
	unsigned int type = mnl_attr_get_type(attr);

	if (type == 0 || type >= c->max || !c->pols || !c->pols[type].kind) {
		xlb_ctl_err__set(c->e, -EINVAL, "unknown %s type %u", c->space, type);
		return MNL_CB_ERROR;
	}
	if (c->seen & BIT(type)) {
		xlb_ctl_err__set(c->e, -EINVAL, "%s %s given twice", c->space, c->pols[type].name);
		return MNL_CB_ERROR;
	}
	if (decode_attr(attr, type, c))
		return MNL_CB_ERROR;
	c->seen |= BIT(type);
	return MNL_CB_OK;
}

static int check_header(const struct nlmsghdr *nlh, enum xlb_ctl_dir dir,
			const struct cmd_rule **rule, struct xlb_ctl_err *e)
{
	const struct xlb_ctlmsg *cm;
	const struct cmd_rule *r;
	__u16 dump = nlh->nlmsg_flags & NLM_F_DUMP;

	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*cm)))
		return xlb_ctl_err__set(e, -EINVAL,
					"message of %u bytes is shorter than its header",
					nlh->nlmsg_len);
	if (nlh->nlmsg_len > XLB_CTL_MSG_MAX)
		return xlb_ctl_err__set(e, -EMSGSIZE, "message of %u bytes is over the %u limit",
					nlh->nlmsg_len, XLB_CTL_MSG_MAX);
	if (nlh->nlmsg_len % NLMSG_ALIGNTO)
		return xlb_ctl_err__set(e, -EINVAL, "nlmsg_len %u is not a multiple of %u",
					nlh->nlmsg_len, NLMSG_ALIGNTO);
	r = cmd_rule(nlh->nlmsg_type);
	if (!r)
		return xlb_ctl_err__set(e, -EOPNOTSUPP, "unknown command %u", nlh->nlmsg_type);
	cm = mnl_nlmsg_get_payload(nlh);
	if (cm->version != XLB_CTL_VERSION)
		return xlb_ctl_err__set(e, -EPROTO, "protocol version %u, expected %u", cm->version,
					XLB_CTL_VERSION);
	if (cm->reserved[0] || cm->reserved[1] || cm->reserved[2])
		return xlb_ctl_err__set(e, -EINVAL, "reserved header bytes are not zero");
	if (dir == XLB_CTL_REQUEST) {
		if (!(nlh->nlmsg_flags & NLM_F_REQUEST))
			return xlb_ctl_err__set(e, -EINVAL, "%s: NLM_F_REQUEST not set", r->name);
		if (r->dump && dump != NLM_F_DUMP)
			return xlb_ctl_err__set(e, -EINVAL, "%s: is a dump, NLM_F_DUMP not set",
						r->name);
		if (!r->dump && dump)
			return xlb_ctl_err__set(e, -EINVAL, "%s: is not a dump, NLM_F_DUMP set",
						r->name);
	} else {
		if (nlh->nlmsg_flags & NLM_F_REQUEST)
			return xlb_ctl_err__set(e, -EINVAL, "%s: reply with NLM_F_REQUEST set",
						r->name);
		if (!r->rep_allow)
			return xlb_ctl_err__set(e, -EINVAL, "%s: has no reply data", r->name);
	}
	*rule = r;
	return 0;
}

static int check_attr_sets(const struct cmd_rule *r, enum xlb_ctl_dir dir, __u64 seen,
			   struct xlb_ctl_err *e)
{
	__u64 allow = dir == XLB_CTL_REQUEST ? r->req_allow : r->rep_allow;
	__u64 need = dir == XLB_CTL_REQUEST ? r->req_need : r->rep_need;
	unsigned int a;

	for (a = XLB_A_UNSPEC + 1; a < XLB_A__MAX; a++) {
		if ((seen & BIT(a)) && !(allow & BIT(a)))
			return xlb_ctl_err__set(e, -EINVAL, "%s: attribute %s not allowed%s",
						r->name, attr_pols[a].name,
						dir == XLB_CTL_REPLY ? " in a reply" : "");
		if ((need & BIT(a)) && !(seen & BIT(a)))
			return xlb_ctl_err__set(e, -EINVAL, "%s: missing attribute %s", r->name,
						attr_pols[a].name);
	}
	if (dir == XLB_CTL_REQUEST && r->req_one && !(seen & r->req_one))
		return xlb_ctl_err__set(e, -EINVAL, "%s: nothing to change", r->name);
	/* Filters of the dumps name a whole VIP or nothing. */
	if (dir == XLB_CTL_REQUEST && r->dump && (seen & VIP_KEY) && (seen & VIP_KEY) != VIP_KEY)
		return xlb_ctl_err__set(e, -EINVAL,
					"%s: a filter needs family, address, port and "
					"protocol",
					r->name);
	/* So do the optional VIPs of the ACL and rate-limit changes. */
	if (dir == XLB_CTL_REQUEST && (r->req_allow & VIP_KEY) == VIP_KEY &&
	    !(r->req_need & VIP_KEY) && (seen & VIP_KEY) && (seen & VIP_KEY) != VIP_KEY)
		return xlb_ctl_err__set(
			e, -EINVAL, "%s: a VIP needs family, address, port and protocol", r->name);
	return 0;
}

static bool addr_fits_family(const struct xlb_addr *a, __u8 family)
{
	return family == XLB_AF_INET6 || (!a->a[1] && !a->a[2] && !a->a[3]);
}

static bool addr_is_zero(const struct xlb_addr *a)
{
	return !(a->a[0] | a->a[1] | a->a[2] | a->a[3]);
}

/* A source prefix: of its family, no bit past its length, a VIP's family. */
static int check_prefix(const struct xlb_ctl_msg *m, __u64 seen, struct xlb_ctl_err *e)
{
	const struct xlb_ctl_prefix *p = &m->prefix;

	if (!(seen & BIT(XLB_A_PREFIX_ADDR)))
		return 0;
	if (!(seen & BIT(XLB_A_PREFIX_FAMILY)) || !(seen & BIT(XLB_A_PREFIX_LEN)))
		return xlb_ctl_err__set(
			e, -EINVAL, "attribute prefix_addr: needs prefix_family and prefix_len");
	if (!addr_fits_family(&p->addr, p->family))
		return xlb_ctl_err__set(e, -EINVAL, "attribute prefix_addr: not an IPv4 address");
	if (p->plen > xlb_family__bits(p->family))
		return xlb_ctl_err__set(e, -ERANGE, "attribute prefix_len: %u over %u", p->plen,
					xlb_family__bits(p->family));
	if (!xlb_prefix__is_clean(p->family, &p->addr, p->plen))
		return xlb_ctl_err__set(e, -EINVAL, "attribute prefix_addr: bits set past /%u",
					p->plen);
	if ((seen & BIT(XLB_A_FAMILY)) && p->family != m->vip.key.family)
		return xlb_ctl_err__set(e, -EINVAL,
					"attribute prefix_family: an IPv%u prefix on an IPv%u VIP",
					p->family, m->vip.key.family);
	return 0;
}

/* A burst needs its limit's rate. */
static int check_burst(__u32 rate, enum xlb_attr battr, __u64 seen, struct xlb_ctl_err *e)
{
	if ((seen & BIT(battr)) && !rate)
		return xlb_ctl_err__set(e, -EINVAL, "attribute %s: needs a rate above 0",
					attr_pols[battr].name);
	return 0;
}

/* The ACL and rate-limit attributes agree. A rate-limit setting's defaults
 * are the daemon's (request.c: a config line never passes through here). */
static int check_guard_values(struct xlb_ctl_msg *m, __u64 seen, enum xlb_ctl_dir dir,
			      struct xlb_ctl_err *e)
{
	int err;

	err = check_prefix(m, seen, e);
	if (!err)
		err = check_burst(m->rl.pps, XLB_A_RL_PPS_BURST, seen, e);
	if (!err)
		err = check_burst(m->rl.flows, XLB_A_RL_FLOWS_BURST, seen, e);
	if (!err && dir == XLB_CTL_REQUEST && m->cmd == XLB_CMD_RATELIMIT_TOP &&
	    !(seen & BIT(XLB_A_RL_TOP_MAX)))
		m->rl.top_max = XLB_RL_TOP_DEFAULT;
	return err;
}

/* Addresses agree with the family and are specified; sources and flags are
 * consistent; defaults filled for what a request left out. */
static int check_values(struct xlb_ctl_msg *m, __u64 seen, enum xlb_ctl_dir dir,
			struct xlb_ctl_err *e)
{
	static const unsigned int fam_addrs[] = {XLB_A_VIP_ADDR, XLB_A_BACKEND_ADDR, XLB_A_FLOW_SRC,
						 XLB_A_FLOW_DST};
	const struct xlb_addr *addrs[] = {&m->vip.key.addr, &m->be.addr, &m->flow.src,
					  &m->flow.dst};
	unsigned int i;

	for (i = 0; i < sizeof(fam_addrs) / sizeof(fam_addrs[0]); i++) {
		if (!(seen & BIT(fam_addrs[i])))
			continue;
		if (!addr_fits_family(addrs[i], m->vip.key.family))
			return xlb_ctl_err__set(e, -EINVAL, "attribute %s: not an IPv4 address",
						attr_pols[fam_addrs[i]].name);
		if (addr_is_zero(addrs[i]))
			return xlb_ctl_err__set(e, -EINVAL, "attribute %s: unspecified address",
						attr_pols[fam_addrs[i]].name);
	}
	if ((seen & BIT(XLB_A_SRC4_ADDR)) && !addr_fits_family(&m->cfg.src4, XLB_AF_INET))
		return xlb_ctl_err__set(e, -EINVAL, "attribute src4_addr: not an IPv4 address");
	if ((seen & BIT(XLB_A_SRC4_PLEN)) && !(seen & BIT(XLB_A_SRC4_ADDR)))
		return xlb_ctl_err__set(e, -EINVAL, "attribute src4_plen: needs src4_addr");
	if ((seen & BIT(XLB_A_SRC6_PLEN)) && !(seen & BIT(XLB_A_SRC6_ADDR)))
		return xlb_ctl_err__set(e, -EINVAL, "attribute src6_plen: needs src6_addr");
	if ((seen & BIT(XLB_A_SRC4_ADDR)) && !(seen & BIT(XLB_A_SRC4_PLEN)))
		m->cfg.src4_plen = IPV4_PLEN_MAX;
	if ((seen & BIT(XLB_A_SRC6_ADDR)) && !(seen & BIT(XLB_A_SRC6_PLEN)))
		m->cfg.src6_plen = IPV6_PLEN_MAX;

	if ((seen & BIT(XLB_A_FLAGS_MASK)) && !(seen & BIT(XLB_A_FLAGS)))
		return xlb_ctl_err__set(e, -EINVAL, "attribute flags_mask: needs flags");
	if ((seen & BIT(XLB_A_FLAGS_MASK)) && (m->be.flags & ~m->be.flags_mask))
		return xlb_ctl_err__set(e, -EINVAL, "attribute flags: bits outside flags_mask");
	if ((seen & BIT(XLB_A_FLAGS)) && !(seen & BIT(XLB_A_FLAGS_MASK)))
		m->be.flags_mask = XLB_BE_F_ALL;
	/* A stats reply is one counter, or the health checks' summary alone. */
	if (dir == XLB_CTL_REPLY && m->cmd == XLB_CMD_STATS_GET &&
	    (seen & BIT(XLB_A_HEALTH_STATS) ? seen != BIT(XLB_A_HEALTH_STATS)
					    : (seen & STAT_MSG) != STAT_MSG))
		return xlb_ctl_err__set(e, -EINVAL,
					"stats_get: a reply carries stat_id, stat_name and "
					"counters, or health_stats alone");
	if (dir == XLB_CTL_REQUEST && m->cmd == XLB_CMD_BACKEND_ADD && !(seen & BIT(XLB_A_WEIGHT)))
		m->be.weight = XLB_WEIGHT_DEFAULT;
	return check_guard_values(m, seen, dir, e);
}

int xlb_ctl_msg__decode(const struct nlmsghdr *nlh, enum xlb_ctl_dir dir, struct xlb_ctl_msg *m,
			struct xlb_ctl_err *e)
{
	const size_t hdr = MNL_ALIGN(sizeof(struct xlb_ctlmsg));
	struct decode_ctx c = {
		.pols = attr_pols,
		.max = XLB_A__MAX,
		.space = "attribute",
		.base = (char *)m,
		.m = m,
		.e = e,
	};
	const struct cmd_rule *r = NULL;
	unsigned int a;
	int err;

	memset(m, 0, sizeof(*m));
	e->err = 0;
	e->msg[0] = '\0';
	err = check_header(nlh, dir, &r, e);
	if (err)
		return err;
	m->cmd = nlh->nlmsg_type;
	m->flags = nlh->nlmsg_flags;
	m->seq = nlh->nlmsg_seq;
	if (!attrs_whole((const char *)mnl_nlmsg_get_payload(nlh) + hdr,
			 nlh->nlmsg_len - MNL_NLMSG_HDRLEN - hdr))
		return xlb_ctl_err__set(e, -EINVAL, "%s: malformed attribute", r->name);
	if (mnl_attr_parse(nlh, hdr, decode_cb, &c) != MNL_CB_OK)
		return e->err;
	for (a = XLB_A_UNSPEC + 1; a < XLB_A__MAX; a++)
		if (c.seen & BIT(a))
			xlb_ctl_msg__set(m, a);
	err = check_attr_sets(r, dir, c.seen, e);
	if (err)
		return err;
	return check_values(m, c.seen, dir, e);
}

/* Records. */

void xlb_ctl_iter__init(struct xlb_ctl_iter *it, const void *buf, size_t len)
{
	it->buf = buf;
	it->len = len;
	it->off = 0;
}

int xlb_ctl_iter__next(struct xlb_ctl_iter *it, const struct nlmsghdr **nlh, struct xlb_ctl_err *e)
{
	size_t rem = it->len - it->off;
	const struct nlmsghdr *h;

	if (!rem)
		return 0;
	if (rem < sizeof(*h))
		return xlb_ctl_err__set(e, -EBADMSG, "truncated message header (%zu bytes left)",
					rem);
	h = (const void *)(it->buf + it->off);
	if (h->nlmsg_len < sizeof(*h))
		return xlb_ctl_err__set(e, -EBADMSG, "nlmsg_len %u is shorter than the header",
					h->nlmsg_len);
	if (h->nlmsg_len > rem)
		return xlb_ctl_err__set(e, -EBADMSG, "nlmsg_len %u is past the record (%zu left)",
					h->nlmsg_len, rem);
	if (h->nlmsg_len % NLMSG_ALIGNTO)
		return xlb_ctl_err__set(e, -EBADMSG, "nlmsg_len %u is not a multiple of %u",
					h->nlmsg_len, NLMSG_ALIGNTO);
	it->off += h->nlmsg_len;
	*nlh = h;
	return 1;
}

/* Errors, acks and the end of dumps. */

int xlb_ctl__put_error(void *buf, size_t size, const struct nlmsghdr *req, int err, const char *msg)
{
	struct nlmsghdr *nlh;
	struct nlmsgerr *ne;
	char text[XLB_CTL_ERRMSG_MAX];

	if (size < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*ne)))
		return -EMSGSIZE;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_flags = NLM_F_CAPPED;
	nlh->nlmsg_seq = req ? req->nlmsg_seq : 0;
	ne = mnl_nlmsg_put_extra_header(nlh, sizeof(*ne));
	ne->error = err;
	if (req)
		ne->msg = *req;
	if (err && msg && *msg) {
		snprintf(text, sizeof(text), "%s", msg);
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
		if (!mnl_attr_put_strz_check(nlh, size, NLMSGERR_ATTR_MSG, text))
			return -EMSGSIZE;
	}
	return nlh->nlmsg_len;
}

int xlb_ctl__put_done(void *buf, size_t size, const struct nlmsghdr *req)
{
	struct nlmsghdr *nlh;
	int *status;

	if (size < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*status)))
		return -EMSGSIZE;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_flags = NLM_F_MULTI;
	nlh->nlmsg_seq = req->nlmsg_seq;
	status = mnl_nlmsg_put_extra_header(nlh, sizeof(*status));
	*status = 0;
	return nlh->nlmsg_len;
}

static int ext_ack_cb(const struct nlattr *attr, void *data)
{
	struct xlb_ctl_err *e = data;

	if (mnl_attr_get_type(attr) != NLMSGERR_ATTR_MSG)
		return MNL_CB_OK; /* other ext-ack attributes are not used */
	if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
		return MNL_CB_ERROR;
	snprintf(e->msg, sizeof(e->msg), "%s", mnl_attr_get_str(attr));
	return MNL_CB_OK;
}

int xlb_ctl__parse_error(const struct nlmsghdr *nlh, __u32 *req_seq, struct xlb_ctl_err *e)
{
	const struct nlmsgerr *ne;
	size_t off = MNL_ALIGN(sizeof(*ne));

	e->err = 0;
	e->msg[0] = '\0';
	if (nlh->nlmsg_type != NLMSG_ERROR || nlh->nlmsg_len < MNL_NLMSG_HDRLEN + off)
		return -EBADMSG;
	ne = mnl_nlmsg_get_payload(nlh);
	if (ne->error > 0 || ne->error < -ERRNO_MAX)
		return -EBADMSG;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (ne->msg.nlmsg_len < MNL_NLMSG_HDRLEN)
			return -EBADMSG;
		off += MNL_ALIGN(ne->msg.nlmsg_len - MNL_NLMSG_HDRLEN);
	}
	if (off > nlh->nlmsg_len - MNL_NLMSG_HDRLEN)
		return -EBADMSG;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		if (!attrs_whole((const char *)ne + off, nlh->nlmsg_len - MNL_NLMSG_HDRLEN - off))
			return -EBADMSG;
		if (mnl_attr_parse(nlh, off, ext_ack_cb, e) != MNL_CB_OK)
			return -EBADMSG;
	}
	e->err = ne->error;
	if (req_seq)
		*req_seq = ne->msg.nlmsg_seq;
	return 0;
}
