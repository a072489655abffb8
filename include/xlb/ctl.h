/* SPDX-License-Identifier: MIT */
/*
 * The control protocol between xlbctl (or any client) and xlbd: netlink-format
 * messages (struct nlmsghdr + struct xlb_ctlmsg + struct nlattr TLVs) over an
 * AF_UNIX SOCK_SEQPACKET socket. docs/protocol.md is the prose version.
 *
 * - One SEQPACKET record carries one or more whole messages, never a part of
 *   one, and is at most XLB_CTL_RECORD_MAX bytes.
 * - nlmsg_type is an XLB_CMD_*; a reply to a request carries the request's
 *   type and nlmsg_seq.
 * - Requests set NLM_F_REQUEST, and NLM_F_ACK (non-dump) or NLM_F_DUMP (the
 *   *_GET commands except FLOW_GET and CONFIG_GET).
 * - A non-dump request gets zero or more data messages (FLOW_GET, CONFIG_GET)
 *   and then exactly one NLMSG_ERROR: error 0 is the ack. A failure is
 *   NLMSG_ERROR with -errno, the request's header (NLM_F_CAPPED: no payload)
 *   and, with NLM_F_ACK_TLVS, an NLMSGERR_ATTR_MSG string saying why.
 * - A dump gets data messages flagged NLM_F_MULTI and ends in NLMSG_DONE
 *   (payload: int 0), or in NLMSG_ERROR if it fails.
 * - A batch is XLB_CMD_BATCH_BEGIN, mutation requests, XLB_CMD_BATCH_END, in
 *   as many records as needed. Nothing is answered until BATCH_END; then one
 *   NLMSG_ERROR with BATCH_END's seq: 0 when every request was applied, or
 *   the error of the first failing request with that request's header (so
 *   its seq) embedded, and nothing applied.
 * - Attributes are host byte order except addresses (struct xlb_addr, network
 *   order, IPv4 in a[0], other words zero). Every attribute is validated for
 *   type, length and range; an unknown or misplaced attribute is refused.
 *
 * Changes after the first commit are additions only, listed here:
 *   - enum xlb_check_attr's members renamed XLB_CHECK_A_* (they clashed with
 *     check_spec.h's XLB_CHECK__MAX; nothing used them).
 *   - health checks: enum xlb_check_attr's members (XLB_A_CHECK on VIP_ADD,
 *     VIP_SET, BACKEND_ADD, BACKEND_SET and the VIP and backend dumps),
 *     XLB_A_FAIL_OPEN, XLB_A_CHECK_STATUS (enum xlb_check_status_attr),
 *     XLB_A_HEALTH_STATS (enum xlb_health_stats_attr, one more STATS_GET
 *     reply), enum xlb_ctl_check_type, XLB_SWAP_BUCKETS.
 *   - source ACL and rate limits: XLB_CMD_ACL_* and XLB_CMD_RATELIMIT_*,
 *     XLB_A_PREFIX_* .. XLB_A_FLOW_BUDGET (FLOW_BUDGET also on CONFIG_SET
 *     and CONFIG_GET), XLB_CNT_ACL_DROPS, XLB_CNT_RL_*_DROPS, XLB_RL_TOP_*.
 *   - scale-out: XLB_A_ANNOUNCE (VIP_ADD, VIP_SET, VIP_GET), XLB_A_ANNOUNCE_STATE
 *     (enum xlb_announce_state, VIP_GET), XLB_A_ANNOUNCE_TABLE (CONFIG_GET).
 *   - access log: XLB_A_SAMPLE_EVERY (CONFIG_SET, CONFIG_GET).
 */
#ifndef XLB_CTL_H
#define XLB_CTL_H

#include <linux/types.h>
#include <linux/netlink.h>
#include <xlb/abi.h>

/* Socket path: XLB_CTL_SOCK_DIR "/" NAME ".sock"; NAME defaults to the device. */
#define XLB_CTL_SOCK_DIR    "/run/xlb"
#define XLB_CTL_SOCK_SUFFIX ".sock"

/* Version in struct xlb_ctlmsg; a daemon refuses other versions (EPROTO). */
#define XLB_CTL_VERSION 1

/* Largest SEQPACKET record either side sends or reads; well under the
 * ~212 KB the kernel accepts by default. A batch spans several records. */
#define XLB_CTL_RECORD_MAX 65536
/* Largest single message (header + attributes). */
#define XLB_CTL_MSG_MAX 8192
/* Most requests between BATCH_BEGIN and BATCH_END. */
#define XLB_CTL_BATCH_MAX 65536
/* Longest extended-ack text, terminating NUL included. */
#define XLB_CTL_ERRMSG_MAX 256

/* Backend weight range; 0 drains like `drain` (no new flows). */
#define XLB_WEIGHT_MAX	   65535
#define XLB_WEIGHT_DEFAULT 100

/* RATELIMIT_TOP: sources listed by default, and at most. */
#define XLB_RL_TOP_DEFAULT 20
#define XLB_RL_TOP_MAX	   10000

/* Fixed header after the nlmsghdr, like genlmsghdr. */
struct xlb_ctlmsg {
	__u8 version;	  /* XLB_CTL_VERSION */
	__u8 reserved[3]; /* zero */
};

/* nlmsg_type values; below NLMSG_MIN_TYPE are netlink's own (ERROR, DONE). */
enum xlb_cmd {
	XLB_CMD_VIP_ADD = NLMSG_MIN_TYPE, /* FAMILY VIP_ADDR PORT PROTO [MODE CHECK FAIL_OPEN] */
	XLB_CMD_VIP_DEL,		  /* FAMILY VIP_ADDR PORT PROTO; its backends go too */
	XLB_CMD_VIP_SET,		  /* VIP key, one or more of MODE CHECK FAIL_OPEN */
	XLB_CMD_VIP_GET,		  /* dump; [FAMILY VIP_ADDR PORT PROTO] filters one VIP */
	XLB_CMD_BACKEND_ADD, /* VIP key, BACKEND_ADDR [BACKEND_PORT WEIGHT FLAGS CHECK] */
	XLB_CMD_BACKEND_DEL, /* VIP key, BACKEND_ADDR [BACKEND_PORT] */
	XLB_CMD_BACKEND_SET, /* VIP key, BACKEND_ADDR [BACKEND_PORT WEIGHT FLAGS MASK CHECK] */
	XLB_CMD_BACKEND_GET, /* dump; [VIP key] filters one VIP's backends */
	XLB_CMD_FLOW_GET,    /* FAMILY FLOW_SRC FLOW_SPORT FLOW_DST FLOW_DPORT PROTO */
	XLB_CMD_STATS_GET,   /* dump: one message per enum xlb_stat, then HEALTH_STATS */
	XLB_CMD_CONFIG_SET,  /* [MTU] [SRC4_ADDR SRC4_PLEN] [SRC6_ADDR SRC6_PLEN] [FLOW_BUDGET]
			      * [SAMPLE_EVERY] */
	XLB_CMD_CONFIG_GET,  /* one reply: MTU, sources, FLOW_BUDGET, SAMPLE_EVERY, IFNAME,
			      * XDP_MODE, ATTACHED */
	XLB_CMD_ATTACH,	     /* [IFNAME] [XDP_MODE]: attach (or adopt) the program */
	XLB_CMD_DETACH,	     /* [IFNAME]: remove the program (only this does) */
	XLB_CMD_BATCH_BEGIN, /* no attributes */
	XLB_CMD_BATCH_END,   /* no attributes */

	/* Source ACL and rate limits: a VIP key names a VIP's list or setting,
	 * none the global one (docs/ratelimit-acl.md). */
	XLB_CMD_ACL_ADD,       /* PREFIX_FAMILY PREFIX_ADDR PREFIX_LEN ACL_ACTION [VIP key] */
	XLB_CMD_ACL_DEL,       /* PREFIX_FAMILY PREFIX_ADDR PREFIX_LEN [ACL_ACTION] [VIP key] */
	XLB_CMD_ACL_GET,       /* dump; [VIP key] filters one VIP's list */
	XLB_CMD_RATELIMIT_SET, /* [VIP key] RL_PPS and/or RL_FLOWS [bursts RL_PLEN4 RL_PLEN6] */
	XLB_CMD_RATELIMIT_DEL, /* [VIP key] */
	XLB_CMD_RATELIMIT_GET, /* dump; [VIP key] filters one VIP's setting */
	XLB_CMD_RATELIMIT_TOP, /* dump; [RL_TOP_MAX]: the sources dropped most recently */
	XLB_CMD__MAX,
};

/* Top-level attributes: one flat namespace shared by every command. */
enum xlb_attr {
	XLB_A_UNSPEC,
	XLB_A_FAMILY,	    /* u8 enum xlb_family: 4 or 6; VIP, its backends, the flow */
	XLB_A_VIP_ADDR,	    /* struct xlb_addr (16 bytes) */
	XLB_A_PORT,	    /* u16 VIP port, 0 = all ports */
	XLB_A_PROTO,	    /* u8 IPPROTO_TCP or IPPROTO_UDP */
	XLB_A_MODE,	    /* u8 enum xlb_mode, < XLB_MODE__MAX; default ipip */
	XLB_A_VIP_ID,	    /* u32, reply only: the data plane's id */
	XLB_A_BACKEND_ADDR, /* struct xlb_addr, same family as the VIP */
	XLB_A_BACKEND_PORT, /* u16; 0 = the packet's own port (default) */
	XLB_A_BACKEND_ID,   /* u32, reply only */
	XLB_A_GENERATION,   /* u32, reply only: the backend id's generation */
	XLB_A_WEIGHT,	    /* u32 0..XLB_WEIGHT_MAX; default XLB_WEIGHT_DEFAULT */
	XLB_A_FLAGS,	    /* u32 XLB_BE_F_* values */
	XLB_A_FLAGS_MASK,   /* u32 XLB_BE_F_* bits FLAGS changes (BACKEND_SET); absent = all */
	XLB_A_STATE,	    /* u8 enum xlb_backend_state, reply only */
	XLB_A_HEALTH,	    /* u8 enum xlb_health, reply only */
	XLB_A_COUNTERS,	    /* nested enum xlb_cnt_attr: the object's counters, reply only */
	XLB_A_CHECK,	    /* nested enum xlb_check_attr: a VIP's or a backend's check */
	XLB_A_FLOW_SRC,	    /* struct xlb_addr: client address */
	XLB_A_FLOW_SPORT,   /* u16 client port */
	XLB_A_FLOW_DST,	    /* struct xlb_addr: destination (a VIP address) */
	XLB_A_FLOW_DPORT,   /* u16 destination port */
	XLB_A_FLOW_SOURCE,  /* u8 enum xlb_flow_source, reply only: why this backend */
	XLB_A_STAT_ID,	    /* u32 enum xlb_stat, STATS_GET reply */
	XLB_A_STAT_NAME,    /* NUL-terminated string, xlb_stat__name(), STATS_GET reply */
	XLB_A_MTU,	    /* u32 XLB_MTU_MIN..XLB_MTU_MAX */
	XLB_A_SRC4_ADDR,    /* struct xlb_addr: outer IPv4 source (base of the prefix) */
	XLB_A_SRC4_PLEN,    /* u8 0..32; 32 = fixed address; needs SRC4_ADDR */
	XLB_A_SRC6_ADDR,    /* struct xlb_addr: outer IPv6 source */
	XLB_A_SRC6_PLEN,    /* u8 0..128; needs SRC6_ADDR */
	XLB_A_IFNAME,	    /* NUL-terminated string, < IFNAMSIZ */
	XLB_A_XDP_MODE,	    /* u8 enum xlb_xdp_mode */
	XLB_A_ATTACHED,	    /* u8 0/1, CONFIG_GET reply: program attached */
	XLB_A_FAIL_OPEN,    /* u8 0/1: a VIP keeps all backends when all fail checks */
	XLB_A_CHECK_STATUS, /* nested enum xlb_check_status_attr, BACKEND_GET reply */
	XLB_A_HEALTH_STATS, /* nested enum xlb_health_stats_attr, STATS_GET reply */

	/* Source ACL, rate limits, flow-table protection. */
	XLB_A_PREFIX_FAMILY,   /* u8 enum xlb_family of PREFIX_ADDR; a VIP's own if with a VIP */
	XLB_A_PREFIX_ADDR,     /* struct xlb_addr: a source prefix, no bit set past PREFIX_LEN */
	XLB_A_PREFIX_LEN,      /* u8 0..32 (IPv4) or 0..128 (IPv6) */
	XLB_A_ACL_ACTION,      /* u8 enum xlb_acl_action: XLB_ACL_DENY or XLB_ACL_ALLOW */
	XLB_A_RL_PPS,	       /* u32 packets per second per source prefix, 0 = no limit */
	XLB_A_RL_PPS_BURST,    /* u32 packets at once; needs RL_PPS > 0; default RL_PPS */
	XLB_A_RL_FLOWS,	       /* u32 new flows per second per source prefix, 0 = no limit */
	XLB_A_RL_FLOWS_BURST,  /* u32 new flows at once; needs RL_FLOWS > 0; default RL_FLOWS */
	XLB_A_RL_PLEN4,	       /* u8 0..32: IPv4 sources counted per /PLEN4; default 32 */
	XLB_A_RL_PLEN6,	       /* u8 0..128: IPv6 sources counted per /PLEN6; default 64 */
	XLB_A_RL_TOP_MAX,      /* u32 1..XLB_RL_TOP_MAX replies; default XLB_RL_TOP_DEFAULT */
	XLB_A_RL_LAST_DROP_MS, /* u64, RATELIMIT_TOP reply: ms since the source's last drop */
	XLB_A_FLOW_BUDGET,     /* u32 new flows stored per second per CPU, 0 = no limit */

	/* Scale-out (docs/scale-out.md). */
	XLB_A_ANNOUNCE,	      /* u8 0/1: the VIP's address may be announced (default 1) */
	XLB_A_ANNOUNCE_STATE, /* u8 enum xlb_announce_state, VIP_GET reply */
	XLB_A_ANNOUNCE_TABLE, /* u32, CONFIG_GET reply: xlbd's --announce-table, absent if none */

	/* Access log (docs/operating.md). */
	XLB_A_SAMPLE_EVERY, /* u32 one new flow in N sampled for the access log, 0 = off */
	XLB_A__MAX,
};

/* XLB_A_FLAGS bits of a backend. */
#define XLB_BE_F_DRAIN	    0x1 /* no new flows, keeps its established ones */
#define XLB_BE_F_BACKUP	    0x2 /* gets traffic only while no primary is up */
#define XLB_BE_F_ADMIN_DOWN 0x4 /* down by the operator: its flows move */
#define XLB_BE_F_ALL	    (XLB_BE_F_DRAIN | XLB_BE_F_BACKUP | XLB_BE_F_ADMIN_DOWN)

/* Health as the checks see it (XLB_A_HEALTH). */
enum xlb_health {
	XLB_HEALTH_UNKNOWN = 0, /* no check configured, or no result yet */
	XLB_HEALTH_UP = 1,
	XLB_HEALTH_DOWN = 2,
	XLB_HEALTH__MAX,
};

/* Nested in XLB_A_COUNTERS. Sums over CPUs; rates are the daemon's average
 * over its last sampling interval and absent when it has none. */
enum xlb_cnt_attr {
	XLB_CNT_UNSPEC,
	XLB_CNT_PACKETS,   /* u64 */
	XLB_CNT_BYTES,	   /* u64 */
	XLB_CNT_NEW_FLOWS, /* u64, VIPs */
	XLB_CNT_DROPS,	   /* u64, VIPs */
	XLB_CNT_PPS,	   /* u64 packets per second */
	XLB_CNT_BPS,	   /* u64 bytes per second */

	XLB_CNT_ACL_DROPS,     /* u64, VIPs: dropped by the global or the VIP's ACL */
	XLB_CNT_RL_PPS_DROPS,  /* u64, VIPs and RATELIMIT_TOP: over the packet rate */
	XLB_CNT_RL_FLOW_DROPS, /* u64, VIPs and RATELIMIT_TOP: over the new-flow rate */
	XLB_CNT__MAX,
};

/* XLB_CHECK_A_TYPE: what a check does (docs/health-checks.md). */
enum xlb_ctl_check_type {
	XLB_CTL_CHECK_NONE = 0, /* no check: the backend counts as up */
	XLB_CTL_CHECK_TCP = 1,
	XLB_CTL_CHECK_HTTP = 2,
	XLB_CTL_CHECK_HTTPS = 3,
	XLB_CTL_CHECK_GRPC = 4,
	XLB_CTL_CHECK_SCRIPT = 5,
	XLB_CTL_CHECK__MAX,
};

/*
 * Nested in XLB_A_CHECK: one check spec. In a request, TYPE none removes
 * the check (a backend then inherits its VIP's). Options that are not the
 * type's are refused, as are values the CLI would refuse (ranges, timeout
 * over interval, 'ca' with 'insecure', ...). Strings are NUL-terminated.
 */
enum xlb_check_attr {
	XLB_CHECK_A_UNSPEC,
	XLB_CHECK_A_TYPE,	 /* u8 enum xlb_ctl_check_type; required */
	XLB_CHECK_A_INTERVAL_US, /* u64 microseconds, 10 ms .. 1 h; default 2 s */
	XLB_CHECK_A_TIMEOUT_US,	 /* u64 microseconds, 1 ms .. interval; default 1 s */
	XLB_CHECK_A_RISE,	 /* u32 1..1000 passes in a row to go up; default 2 */
	XLB_CHECK_A_FALL,	 /* u32 1..1000 failures in a row to go down; default 3 */
	XLB_CHECK_A_PORT,	 /* u16 1..65535: check this port, not the backend's */
	XLB_CHECK_A_METHOD,	 /* string < 16, letters: http(s) method; default GET */
	XLB_CHECK_A_PATH,	 /* string < 256 starting with '/'; default /health */
	XLB_CHECK_A_EXPECT,	 /* struct xlb_ctl_status_range[1..8]: accepted statuses */
	XLB_CHECK_A_BODY,	 /* string < 128: the body must contain it */
	XLB_CHECK_A_HOST,	 /* string < 256: Host header / :authority */
	XLB_CHECK_A_TLS,	 /* u8 0/1: grpc over TLS (https always is) */
	XLB_CHECK_A_CA_FILE,	 /* string < 256: CA file to verify against */
	XLB_CHECK_A_SNI,	 /* string < 256: TLS server name */
	XLB_CHECK_A_INSECURE,	 /* u8 0/1: do not verify the certificate */
	XLB_CHECK_A_SERVICE,	 /* string < 128: grpc service name */
	XLB_CHECK_A_PROGRAM,	 /* string < 256, an absolute path: the script */
	XLB_CHECK_A_ARGS,	 /* nested: the script's arguments, in order, each an
				  * XLB_CHECK_ARG string; at most 16, 512 bytes in all */
	XLB_CHECK_A__MAX,
};

/* Inside XLB_CHECK_A_ARGS: every attribute has this type. */
#define XLB_CHECK_ARG 1

/* XLB_CHECK_A_EXPECT: one range of HTTP statuses, both ends included. */
struct xlb_ctl_status_range {
	__u16 lo; /* 100..599 */
	__u16 hi; /* lo..599 */
};

/* Nested in XLB_A_CHECK_STATUS (BACKEND_GET replies of checked backends). */
enum xlb_check_status_attr {
	XLB_CHST_UNSPEC,
	XLB_CHST_TYPE,	      /* u8 enum xlb_ctl_check_type: the check in force */
	XLB_CHST_INHERITED,   /* u8 0/1: the VIP's check, not the backend's own */
	XLB_CHST_IN_STATE_MS, /* u64: time since the health state last changed */
	XLB_CHST_CHECKS,      /* u64: results since the check was set up */
	XLB_CHST_PASSES,      /* u32: passes in a row (up to rise) */
	XLB_CHST_FAILURES,    /* u32: failures in a row (up to fall) */
	XLB_CHST_REASON,      /* string: the last result's stable name ("http_status") */
	XLB_CHST_TEXT,	      /* string: the last result ("http 503", "connect refused") */
	XLB_CHST_OUTPUT,      /* string: a script's output, a body's start, a TLS detail */
	XLB_CHST_AGO_MS,      /* u64: time since the last result */
	XLB_CHST_LATENCY_US,  /* u64: the last check's duration */
	XLB_CHST__MAX,
};

#define XLB_CTL_CHECK_REASON_MAX 32  /* XLB_CHST_REASON, NUL included */
#define XLB_CTL_CHECK_TEXT_MAX	 64  /* XLB_CHST_TEXT */
#define XLB_CTL_CHECK_OUTPUT_MAX 256 /* XLB_CHST_OUTPUT */

/* Decision-to-swap histogram buckets: upper bounds in microseconds; the last
 * bucket has none. */
#define XLB_SWAP_BUCKETS 12
#define XLB_SWAP_BUCKET_BOUNDS_US                                                                  \
	{                                                                                          \
		100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000               \
	}

/* Nested in XLB_A_HEALTH_STATS: the health checks as a whole. */
enum xlb_health_stats_attr {
	XLB_HST_UNSPEC,
	XLB_HST_TARGETS,      /* u32: backends being checked */
	XLB_HST_RESULTS,      /* u64: check results */
	XLB_HST_CHANGES,      /* u64: health changes decided by the checks */
	XLB_HST_SWAPS,	      /* u64: changes applied to the maps (the histogram's count) */
	XLB_HST_SWAP_SUM_US,  /* u64: decision-to-swap times, summed */
	XLB_HST_SWAP_MAX_US,  /* u64: the longest decision-to-swap time */
	XLB_HST_SWAP_BUCKETS, /* u64[XLB_SWAP_BUCKETS]: changes per bucket (not cumulative) */
	XLB_HST__MAX,
};

/* XLB_A_FLOW_SOURCE: how FLOW_GET found the backend. */
enum xlb_flow_source {
	XLB_FLOW_FROM_TABLE = 1,      /* an entry in the flow table, still valid */
	XLB_FLOW_FROM_RING = 2,	      /* no entry: the VIP's ring predicts this backend */
	XLB_FLOW_FROM_RING_STALE = 3, /* entry's backend gone or down: the ring's choice */
	XLB_FLOW_SOURCE__MAX,
};

/* XLB_A_ANNOUNCE_STATE: a VIP's route (docs/scale-out.md). A route is per
 * address: the address stays announced while another VIP of it is ready. */
enum xlb_announce_state {
	XLB_ANNOUNCE_DISABLED = 0,  /* xlbd runs without --announce-table */
	XLB_ANNOUNCE_ANNOUNCED = 1, /* its route is in the table */
	XLB_ANNOUNCE_WITHDRAWN = 2, /* `announce off` */
	XLB_ANNOUNCE_NOT_READY = 3, /* detached, or no backend in its ring */
	XLB_ANNOUNCE_FAILED = 4,    /* ready, but the route could not be added: retried */
	XLB_ANNOUNCE__MAX,
};

/* XLB_A_XDP_MODE. */
enum xlb_xdp_mode {
	XLB_XDP_NATIVE = 0, /* driver mode, the default */
	XLB_XDP_SKB = 1,    /* generic mode */
	XLB_XDP_MODE__MAX,
};

#endif /* XLB_CTL_H */
