// SPDX-License-Identifier: MIT
/*
 * xlbctl's grammar for the source checks:
 *
 *   acl add|del deny|allow PREFIX [vip VIP]
 *   acl show [vip VIP]
 *   ratelimit set [vip VIP] [pps N [burst B]] [flows N [burst B]]
 *                 [prefix4 LEN] [prefix6 LEN]
 *   ratelimit del [vip VIP]
 *   ratelimit show [vip VIP]
 *   ratelimit top [count N]
 *
 * A `burst` belongs to the limit just before it.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "addr.h"
#include "cli_token.h"
#include "prefix.h"
#include "ratelimit.h"

#define VIP_HELP "ADDR:PORT/PROTO, e.g. 198.18.1.10:80/tcp or [2001:2:1::10]:80/tcp"

static struct xlb_ctl_msg *msg(struct cli_state *st)
{
	return &st->cmd->msg;
}

static bool has(struct cli_state *st, enum xlb_attr a)
{
	return xlb_ctl_msg__has(msg(st), a);
}

static int start(struct cli_state *st, enum xlb_cmd cmd, enum xlb_cli_action action)
{
	xlb_ctl_msg__init(msg(st), cmd);
	st->cmd->action = action;
	return 0;
}

static int given_twice(struct cli_state *st, const char *word)
{
	return xlb_ctl_err__set(st->e, -EINVAL, "\"%s\" given twice", word);
}

/* Commands. */

static int cmd_acl_add(struct cli_state *st, const char *arg)
{
	(void)arg;
	return start(st, XLB_CMD_ACL_ADD, XLB_CLI_REQUEST);
}

static int cmd_acl_del(struct cli_state *st, const char *arg)
{
	(void)arg;
	return start(st, XLB_CMD_ACL_DEL, XLB_CLI_REQUEST);
}

static int cmd_acl_show(struct cli_state *st, const char *arg)
{
	(void)arg;
	return start(st, XLB_CMD_ACL_GET, XLB_CLI_ACL_SHOW);
}

static int cmd_rl_set(struct cli_state *st, const char *arg)
{
	(void)arg;
	return start(st, XLB_CMD_RATELIMIT_SET, XLB_CLI_REQUEST);
}

static int cmd_rl_del(struct cli_state *st, const char *arg)
{
	(void)arg;
	return start(st, XLB_CMD_RATELIMIT_DEL, XLB_CLI_REQUEST);
}

static int cmd_rl_show(struct cli_state *st, const char *arg)
{
	(void)arg;
	return start(st, XLB_CMD_RATELIMIT_GET, XLB_CLI_RATELIMIT_SHOW);
}

static int cmd_rl_top(struct cli_state *st, const char *arg)
{
	(void)arg;
	start(st, XLB_CMD_RATELIMIT_TOP, XLB_CLI_RATELIMIT_TOP);
	msg(st)->rl.top_max = XLB_RL_TOP_DEFAULT;
	xlb_ctl_msg__set(msg(st), XLB_A_RL_TOP_MAX);
	return 0;
}

/* Values. */

static int opt_vip(struct cli_state *st, const char *arg)
{
	if (has(st, XLB_A_VIP_ADDR))
		return given_twice(st, "vip");
	if (xlb_vip_key__parse(arg, &msg(st)->vip.key))
		return -EINVAL;
	xlb_ctl_msg__set_vip_key(msg(st));
	return 0;
}

/* deny PREFIX / allow PREFIX: the action and the prefix, host bits refused. */
static int acl_prefix(struct cli_state *st, const char *arg, __u8 action)
{
	struct xlb_ctl_prefix *p = &msg(st)->prefix;
	unsigned int plen;

	if (xlb_prefix__parse(arg, &p->addr, &p->family, &plen))
		return -EINVAL;
	if (!xlb_prefix__is_clean(p->family, &p->addr, plen))
		return xlb_ctl_err__set(st->e, -EINVAL,
					"bad PREFIX \"%s\": bits set past /%u (host bits)", arg,
					plen);
	p->plen = (__u8)plen;
	p->action = action;
	xlb_ctl_msg__set(msg(st), XLB_A_PREFIX_FAMILY);
	xlb_ctl_msg__set(msg(st), XLB_A_PREFIX_ADDR);
	xlb_ctl_msg__set(msg(st), XLB_A_PREFIX_LEN);
	xlb_ctl_msg__set(msg(st), XLB_A_ACL_ACTION);
	return 0;
}

static int kw_deny(struct cli_state *st, const char *arg)
{
	return acl_prefix(st, arg, XLB_ACL_DENY);
}

static int kw_allow(struct cli_state *st, const char *arg)
{
	return acl_prefix(st, arg, XLB_ACL_ALLOW);
}

static int end_acl(struct cli_state *st, const char *arg)
{
	const struct xlb_ctl_msg *m = msg(st);
	char buf[XLB_ADDR_STR_MAX];

	(void)arg;
	if (has(st, XLB_A_VIP_ADDR) && m->vip.key.family != m->prefix.family)
		return xlb_ctl_err__set(
			st->e, -EINVAL, "prefix %s/%u is IPv%u but the VIP is IPv%u",
			xlb_addr__str(&m->prefix.addr, m->prefix.family, buf, sizeof(buf)),
			m->prefix.plen, m->prefix.family, m->vip.key.family);
	return 0;
}

/* A rate: 0 (off) .. XLB_RL_RATE_MAX. */
static int rate(struct cli_state *st, const char *arg, enum xlb_attr a, const char *word,
		__u32 *out)
{
	unsigned long v;

	if (has(st, a))
		return given_twice(st, word);
	if (xlb_num__parse(arg, XLB_RL_RATE_MAX, &v))
		return -EINVAL;
	*out = (__u32)v;
	xlb_ctl_msg__set(msg(st), a);
	return 0;
}

static int burst(struct cli_state *st, const char *arg, enum xlb_attr a, __u32 limit, __u32 *out)
{
	unsigned long v;

	if (xlb_num__parse(arg, UINT32_MAX, &v) || !v)
		return -EINVAL;
	if (!limit)
		return xlb_ctl_err__set(st->e, -EINVAL, "\"burst %s\": the %s limit is 0 (off)",
					arg, a == XLB_A_RL_PPS_BURST ? "pps" : "flows");
	*out = (__u32)v;
	xlb_ctl_msg__set(msg(st), a);
	return 0;
}

static int opt_pps(struct cli_state *st, const char *arg)
{
	return rate(st, arg, XLB_A_RL_PPS, "pps", &msg(st)->rl.pps);
}

static int opt_flows(struct cli_state *st, const char *arg)
{
	return rate(st, arg, XLB_A_RL_FLOWS, "flows", &msg(st)->rl.flows);
}

static int opt_pps_burst(struct cli_state *st, const char *arg)
{
	return burst(st, arg, XLB_A_RL_PPS_BURST, msg(st)->rl.pps, &msg(st)->rl.pps_burst);
}

static int opt_flows_burst(struct cli_state *st, const char *arg)
{
	return burst(st, arg, XLB_A_RL_FLOWS_BURST, msg(st)->rl.flows, &msg(st)->rl.flows_burst);
}

static int plen(struct cli_state *st, const char *arg, enum xlb_attr a, unsigned long max,
		__u8 *out)
{
	unsigned long v;

	if (*arg == '/')
		arg++;
	if (xlb_num__parse(arg, max, &v))
		return -EINVAL;
	*out = (__u8)v;
	xlb_ctl_msg__set(msg(st), a);
	return 0;
}

static int opt_prefix4(struct cli_state *st, const char *arg)
{
	return plen(st, arg, XLB_A_RL_PLEN4, XLB_V4_BITS, &msg(st)->rl.plen4);
}

static int opt_prefix6(struct cli_state *st, const char *arg)
{
	return plen(st, arg, XLB_A_RL_PLEN6, XLB_V6_BITS, &msg(st)->rl.plen6);
}

static int end_rl_set(struct cli_state *st, const char *arg)
{
	(void)arg;
	if (!has(st, XLB_A_RL_PPS) && !has(st, XLB_A_RL_FLOWS))
		return cli_missing(st, "pps N or flows N");
	return 0;
}

static int opt_count(struct cli_state *st, const char *arg)
{
	unsigned long v;

	if (xlb_num__parse(arg, XLB_RL_TOP_MAX, &v) || !v)
		return -EINVAL;
	msg(st)->rl.top_max = (__u32)v;
	return 0;
}

int cli_opt_flow_budget(struct cli_state *st, const char *arg)
{
	unsigned long v;

	if (xlb_num__parse(arg, XLB_RL_RATE_MAX, &v))
		return -EINVAL;
	msg(st)->cfg.flow_budget = (__u32)v;
	xlb_ctl_msg__set(msg(st), XLB_A_FLOW_BUDGET);
	return 0;
}

/* The tables. */

#define KW(w, v, f, n, h)                                                                          \
	{                                                                                          \
		.type = CLI_T_KEYWORD, .word = w, .value = v, .fn = f, .next = n, .help = h        \
	}
#define END(f)                                                                                     \
	{                                                                                          \
		.type = CLI_T_END, .fn = f, .help = "the command may end here"                     \
	}
#define LAST                                                                                       \
	{                                                                                          \
		.type = CLI_T_NONE                                                                 \
	}

#define VIP_OPT(h) KW("vip", "VIP", opt_vip, NULL, h ": " VIP_HELP)
#define PREFIX_HELP                                                                                \
	"ADDR[/LEN], no bits set past LEN, e.g. 198.18.0.0/24 or 2001:2::/48; ADDR alone is one "  \
	"address"

static const struct cli_token t_acl_opts[] = {
	VIP_OPT("the VIP's own list (default: the global one)"),
	END(end_acl),
	LAST,
};
static const struct cli_token t_acl_change[] = {
	KW("deny", "PREFIX", kw_deny, t_acl_opts, "drop this source prefix: " PREFIX_HELP),
	KW("allow", "PREFIX", kw_allow, t_acl_opts,
	   "a VIP's allow list, or an exception to a wider deny: " PREFIX_HELP),
	LAST,
};
static const struct cli_token t_acl_show[] = {
	VIP_OPT("one VIP's list"),
	END(NULL),
	LAST,
};
const struct cli_token cli_t_acl[] = {
	KW("add", NULL, cmd_acl_add, t_acl_change, "deny|allow PREFIX [vip VIP]"),
	KW("del", NULL, cmd_acl_del, t_acl_change, "deny|allow PREFIX [vip VIP]"),
	KW("show", NULL, cmd_acl_show, t_acl_show, "the entries [of one VIP]"),
	LAST,
};

static const struct cli_token t_rl_set[];
static const struct cli_token t_rl_set_pps[];
static const struct cli_token t_rl_set_flows[];

#define RL_VIP_OPT	VIP_OPT("the VIP's own limits (default: the global ones)")
#define PPS_OPT		KW("pps", "N", opt_pps, t_rl_set_pps, "packets per second per source, 0 = off")
#define FLOWS_OPT	KW("flows", "N", opt_flows, t_rl_set_flows, "new flows per second per source")
#define PREFIX4_OPT	KW("prefix4", "LEN", opt_prefix4, NULL, "IPv4 sources counted per /LEN (32)")
#define PREFIX6_OPT	KW("prefix6", "LEN", opt_prefix6, NULL, "IPv6 sources counted per /LEN (64)")
#define BURST_OPT(f, h) KW("burst", "B", f, t_rl_set, h)

static const struct cli_token t_rl_set[] = {
	RL_VIP_OPT, PPS_OPT, FLOWS_OPT, PREFIX4_OPT, PREFIX6_OPT, END(end_rl_set), LAST,
};
static const struct cli_token t_rl_set_pps[] = {
	BURST_OPT(opt_pps_burst, "packets at once (default: one second's)"),
	RL_VIP_OPT,
	PPS_OPT,
	FLOWS_OPT,
	PREFIX4_OPT,
	PREFIX6_OPT,
	END(end_rl_set),
	LAST,
};
static const struct cli_token t_rl_set_flows[] = {
	BURST_OPT(opt_flows_burst, "new flows at once (default: one second's)"),
	RL_VIP_OPT,
	PPS_OPT,
	FLOWS_OPT,
	PREFIX4_OPT,
	PREFIX6_OPT,
	END(end_rl_set),
	LAST,
};
static const struct cli_token t_rl_vip[] = {
	VIP_OPT("the VIP's own limits (default: the global ones)"),
	END(NULL),
	LAST,
};
static const struct cli_token t_rl_top[] = {
	KW("count", "N", opt_count, NULL, "how many sources (default 20)"),
	END(NULL),
	LAST,
};
const struct cli_token cli_t_ratelimit[] = {
	KW("set", NULL, cmd_rl_set, t_rl_set,
	   "[vip VIP] pps N [burst B] flows N [burst B] [prefix4 LEN] [prefix6 LEN]"),
	KW("del", NULL, cmd_rl_del, t_rl_vip, "[vip VIP]: back to the global limits (or none)"),
	KW("show", NULL, cmd_rl_show, t_rl_vip, "the settings [of one VIP]"),
	KW("top", NULL, cmd_rl_top, t_rl_top, "the sources dropped most recently"),
	LAST,
};
