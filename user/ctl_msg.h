/* SPDX-License-Identifier: MIT */
/*
 * Control messages (include/xlb/ctl.h) as plain C structs: encode with
 * libmnl's put helpers, decode with an attribute callback that checks every
 * attribute's type, length and range, then which attributes the command
 * allows and requires. xlbd and xlbctl both use this file.
 *
 * Changes after the first commit are additions only, listed here:
 *   - health checks: xlb_ctl_msg.check (XLB_A_CHECK decoded into a check
 *     spec, replacing the raw be.check pointer), .hc (XLB_A_CHECK_STATUS),
 *     .hst (XLB_A_HEALTH_STATS), vip.fail_open.
 *   - source ACL and rate limits: .prefix, .rl, cfg.flow_budget, and the
 *     guard drop counters in cnt.
 *   - scale-out: vip.announce, vip.announce_state, cfg.announce_table.
 */
#ifndef XLB_CTL_MSG_H
#define XLB_CTL_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <net/if.h>
#include <linux/netlink.h>
#include <xlb/ctl.h>

#include "check_spec.h"

#define XLB_CTL_STAT_NAME_MAX 64 /* XLB_A_STAT_NAME, NUL included */
#define XLB_CTL_HAS_WORDS     ((XLB_A__MAX + 63) / 64)

/* A failure and the extended-ack text that goes with it. */
struct xlb_ctl_err {
	int err; /* -errno, 0 = none */
	char msg[XLB_CTL_ERRMSG_MAX];
};

/* Sets err and formats msg; returns err so callers can `return xlb_ctl_err__set(...)`. */
int xlb_ctl_err__set(struct xlb_ctl_err *e, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* VIP identity: XLB_A_FAMILY, XLB_A_VIP_ADDR, XLB_A_PORT, XLB_A_PROTO. */
struct xlb_ctl_vip_key {
	struct xlb_addr addr;
	__u16 port;  /* host order, 0 = all ports */
	__u8 proto;  /* IPPROTO_TCP / IPPROTO_UDP */
	__u8 family; /* enum xlb_family */
};

/* XLB_A_COUNTERS; present has bit (1 << XLB_CNT_*) per attribute seen. */
struct xlb_ctl_counters {
	__u64 packets;
	__u64 bytes;
	__u64 new_flows;
	__u64 drops;
	__u64 pps;
	__u64 bps;
	__u32 present;
	__u64 acl_drops;     /* XLB_CNT_ACL_DROPS */
	__u64 rl_pps_drops;  /* XLB_CNT_RL_PPS_DROPS */
	__u64 rl_flow_drops; /* XLB_CNT_RL_FLOW_DROPS */
};

struct xlb_ctl_vip {
	struct xlb_ctl_vip_key key;
	__u8 mode;	     /* XLB_A_MODE */
	__u8 fail_open;	     /* XLB_A_FAIL_OPEN */
	__u8 announce;	     /* XLB_A_ANNOUNCE */
	__u8 announce_state; /* XLB_A_ANNOUNCE_STATE */
	__u32 id;	     /* XLB_A_VIP_ID */
};

struct xlb_ctl_backend {
	struct xlb_addr addr; /* XLB_A_BACKEND_ADDR; family is the VIP's */
	__u16 port;	      /* XLB_A_BACKEND_PORT */
	__u32 id;	      /* XLB_A_BACKEND_ID */
	__u32 generation;     /* XLB_A_GENERATION */
	__u32 weight;	      /* XLB_A_WEIGHT */
	__u32 flags;	      /* XLB_A_FLAGS */
	__u32 flags_mask;     /* XLB_A_FLAGS_MASK */
	__u8 state;	      /* XLB_A_STATE */
	__u8 health;	      /* XLB_A_HEALTH */
};

/* XLB_A_CHECK_STATUS; present has bit (1 << XLB_CHST_*) per attribute seen. */
struct xlb_ctl_check_status {
	__u8 type;	/* enum xlb_ctl_check_type */
	__u8 inherited; /* 0/1 */
	__u32 passes;
	__u32 failures;
	__u64 in_state_ms;
	__u64 checks;
	__u64 ago_ms;
	__u64 latency_us;
	char reason[XLB_CTL_CHECK_REASON_MAX];
	char text[XLB_CTL_CHECK_TEXT_MAX];
	char output[XLB_CTL_CHECK_OUTPUT_MAX];
	__u32 present;
};

/* XLB_A_HEALTH_STATS; present as above (1 << XLB_HST_*). */
struct xlb_ctl_health_stats {
	__u32 targets;
	__u64 results;
	__u64 changes;
	__u64 swaps;
	__u64 swap_sum_us;
	__u64 swap_max_us;
	__u64 buckets[XLB_SWAP_BUCKETS];
	__u32 present;
};

/* FLOW_GET: family and protocol are vip.key's. */
struct xlb_ctl_flow {
	struct xlb_addr src; /* XLB_A_FLOW_SRC */
	struct xlb_addr dst; /* XLB_A_FLOW_DST */
	__u16 sport;	     /* XLB_A_FLOW_SPORT */
	__u16 dport;	     /* XLB_A_FLOW_DPORT */
	__u8 source;	     /* XLB_A_FLOW_SOURCE */
};

struct xlb_ctl_stat {
	__u32 id;			  /* XLB_A_STAT_ID */
	char name[XLB_CTL_STAT_NAME_MAX]; /* XLB_A_STAT_NAME */
};

struct xlb_ctl_config {
	__u32 mtu;		  /* XLB_A_MTU */
	struct xlb_addr src4;	  /* XLB_A_SRC4_ADDR */
	struct xlb_addr src6;	  /* XLB_A_SRC6_ADDR */
	__u8 src4_plen;		  /* XLB_A_SRC4_PLEN; decode sets 32 when only the address came */
	__u8 src6_plen;		  /* XLB_A_SRC6_PLEN; decode sets 128 likewise */
	__u8 xdp_mode;		  /* XLB_A_XDP_MODE */
	__u8 attached;		  /* XLB_A_ATTACHED */
	char ifname[IF_NAMESIZE]; /* XLB_A_IFNAME */
	__u32 flow_budget;	  /* XLB_A_FLOW_BUDGET */
	__u32 announce_table;	  /* XLB_A_ANNOUNCE_TABLE */
	__u32 sample_every;	  /* XLB_A_SAMPLE_EVERY */
};

/* A source prefix: an ACL entry, or a rate-limited source. */
struct xlb_ctl_prefix {
	struct xlb_addr addr; /* XLB_A_PREFIX_ADDR */
	__u8 family;	      /* XLB_A_PREFIX_FAMILY */
	__u8 plen;	      /* XLB_A_PREFIX_LEN */
	__u8 action;	      /* XLB_A_ACL_ACTION */
};

/* A rate-limit setting; RATELIMIT_TOP's count and age (decode sets
 * XLB_RL_TOP_DEFAULT when a request has none). What a RATELIMIT_SET leaves
 * out is the daemon's to fill (request.c). */
struct xlb_ctl_ratelimit {
	__u32 pps;	    /* XLB_A_RL_PPS */
	__u32 pps_burst;    /* XLB_A_RL_PPS_BURST */
	__u32 flows;	    /* XLB_A_RL_FLOWS */
	__u32 flows_burst;  /* XLB_A_RL_FLOWS_BURST */
	__u8 plen4;	    /* XLB_A_RL_PLEN4 */
	__u8 plen6;	    /* XLB_A_RL_PLEN6 */
	__u32 top_max;	    /* XLB_A_RL_TOP_MAX */
	__u64 last_drop_ms; /* XLB_A_RL_LAST_DROP_MS */
};

/*
 * One message of any command, request or reply. has[] has a bit per
 * enum xlb_attr present: decode sets it for every attribute received,
 * encode puts exactly the attributes whose bit is set.
 */
struct xlb_ctl_msg {
	__u16 cmd;   /* enum xlb_cmd, or NLMSG_ERROR / NLMSG_DONE */
	__u16 flags; /* NLM_F_* */
	__u32 seq;
	__u64 has[XLB_CTL_HAS_WORDS];
	struct xlb_ctl_vip vip;
	struct xlb_ctl_backend be;
	struct xlb_ctl_flow flow;
	struct xlb_ctl_stat stat;
	struct xlb_ctl_config cfg;
	struct xlb_ctl_counters cnt;
	/* XLB_A_CHECK: a VIP's or a backend's check, as the CLI parses it (so
	 * the wire and the command line refuse exactly the same things) */
	struct xlb_check_spec check;
	struct xlb_ctl_check_status hc;
	struct xlb_ctl_health_stats hst;
	struct xlb_ctl_prefix prefix;
	struct xlb_ctl_ratelimit rl;
};

/* Direction a message is decoded as: requests carry NLM_F_REQUEST and may
 * not carry reply-only attributes; replies are the daemon's data messages. */
enum xlb_ctl_dir {
	XLB_CTL_REQUEST,
	XLB_CTL_REPLY,
};

/* Zeroes m and sets cmd and the usual request flags for it (NLM_F_REQUEST,
 * plus NLM_F_DUMP for dump commands, else NLM_F_ACK). */
void xlb_ctl_msg__init(struct xlb_ctl_msg *m, enum xlb_cmd cmd);
bool xlb_ctl_msg__has(const struct xlb_ctl_msg *m, enum xlb_attr a);
void xlb_ctl_msg__set(struct xlb_ctl_msg *m, enum xlb_attr a);
void xlb_ctl_msg__clear(struct xlb_ctl_msg *m, enum xlb_attr a);
/* Sets the four VIP-key attributes from vip.key. */
void xlb_ctl_msg__set_vip_key(struct xlb_ctl_msg *m);

/* True for the commands answered with a dump (NLM_F_DUMP). */
bool xlb_cmd__is_dump(enum xlb_cmd cmd);
/* True for the commands allowed between BATCH_BEGIN and BATCH_END. */
bool xlb_cmd__in_batch(enum xlb_cmd cmd);
/* "vip_add", ...; "unknown" outside the enum. */
const char *xlb_cmd__name(unsigned int cmd);
/* "weight", ...; "unknown" outside the enum. */
const char *xlb_attr__name(unsigned int attr);

/* Writes m as one message into buf[size]; returns its length (nlmsg_len) or
 * -EMSGSIZE if it does not fit in size or XLB_CTL_MSG_MAX. */
int xlb_ctl_msg__encode(const struct xlb_ctl_msg *m, void *buf, size_t size);

/* Decodes one message (its nlmsg_len already checked against the record,
 * see xlb_ctl_iter__next) into m. Checks the header, the version, every
 * attribute's type, length and range, duplicates, and the command's allowed
 * and required attributes for dir. Returns 0 or -errno with e->msg set. */
int xlb_ctl_msg__decode(const struct nlmsghdr *nlh, enum xlb_ctl_dir dir, struct xlb_ctl_msg *m,
			struct xlb_ctl_err *e);

/* Walks the messages of one received record. */
struct xlb_ctl_iter {
	const char *buf;
	size_t len;
	size_t off;
};

void xlb_ctl_iter__init(struct xlb_ctl_iter *it, const void *buf, size_t len);
/* Returns 1 with *nlh set, 0 at the end of the record, or -EBADMSG with
 * e->msg set for a truncated header or an nlmsg_len that is too short, too
 * long, unaligned or past the record; the rest of the record is then
 * unusable. */
int xlb_ctl_iter__next(struct xlb_ctl_iter *it, const struct nlmsghdr **nlh, struct xlb_ctl_err *e);

/* Writes NLMSG_ERROR answering req (NULL: a record too broken to name a
 * request; seq 0) into buf[size]: err 0 is an ack, else -errno with msg (may
 * be NULL or empty) as NLMSGERR_ATTR_MSG. Returns the length or -EMSGSIZE. */
int xlb_ctl__put_error(void *buf, size_t size, const struct nlmsghdr *req, int err,
		       const char *msg);
/* Writes NLMSG_DONE ending a dump of req. Returns the length or -EMSGSIZE. */
int xlb_ctl__put_done(void *buf, size_t size, const struct nlmsghdr *req);
/* Reads an NLMSG_ERROR: e->err (0 = ack), e->msg (extended-ack text, empty
 * if none) and the seq of the request it names. Returns 0 or -EBADMSG. */
int xlb_ctl__parse_error(const struct nlmsghdr *nlh, __u32 *req_seq, struct xlb_ctl_err *e);

#endif /* XLB_CTL_MSG_H */
