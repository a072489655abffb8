// SPDX-License-Identifier: MIT
/*
 * xlbctl's grammar: one table of tokens per point of a command, and the
 * small functions that store each word into the request.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>

#include "addr.h"
#include "cli_token.h"

#define PLEN_V4 32
#define PLEN_V6 128

#define VIP_HELP   "ADDR:PORT/PROTO, e.g. 198.18.1.10:80/tcp or [2001:2:1::10]:80/tcp"
#define ADDR_HELP  "an IPv4 or IPv6 address"
#define CHECK_HELP "none | tcp | http | https | grpc | script PROGRAM, then options (check help)"
/* check_spec.c's error for an option of another check type */
#define CHECK_NOT_OPTION "is not an option of"

/* `check help`: the phrase's words (docs/health-checks.md has the whole story). */
static const char check_help[] =
	"check TYPE [OPTIONS], the last words of the command:\n"
	"  none                        no check of its own (a backend then inherits its VIP's)\n"
	"  tcp | http | https | grpc | script PROGRAM [arg WORD]...\n"
	"  interval DURATION           between checks' starts (2s)\n"
	"  timeout DURATION            a check's whole time, <= interval (1s)\n"
	"  rise N | fall N             passes / failures in a row to go up / down (2 / 3)\n"
	"  port PORT                   check this port, not the backend's\n"
	"  method M | path P | expect 200-299,301 | body TEXT | host NAME   (http, https)\n"
	"  ca FILE | sni NAME | insecure                                    (https, grpc tls)\n"
	"  tls | service NAME | host NAME                                   (grpc)\n";

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

/* Commands: the keyword that names one starts its request. */

static int cmd_vip_add(struct cli_state *st, const char *arg)
{
	(void)arg;
	return start(st, XLB_CMD_VIP_ADD, XLB_CLI_REQUEST);
}

static int cmd_vip_del(struct cli_state *st, const char *arg)
{
	(void)arg;
	return start(st, XLB_CMD_VIP_DEL, XLB_CLI_REQUEST);
}

static int cmd_vip_set(struct cli_state *st, const char *arg)
{
	(void)arg;
	return start(st, XLB_CMD_VIP_SET, XLB_CLI_REQUEST);
}

static int cmd_vip_show(struct cli_state *st, const char *arg)
{
	(void)arg;
	return start(st, XLB_CMD_VIP_GET, XLB_CLI_VIP_SHOW);
}

static int cmd_be_add(struct cli_state *st, const char *arg)
{
	(void)arg;
	return start(st, XLB_CMD_BACKEND_ADD, XLB_CLI_REQUEST);
}

static int cmd_be_del(struct cli_state *st, const char *arg)
{
	(void)arg;
	return start(st, XLB_CMD_BACKEND_DEL, XLB_CLI_REQUEST);
}

static int cmd_be_set(struct cli_state *st, const char *arg)
{
	(void)arg;
	return start(st, XLB_CMD_BACKEND_SET, XLB_CLI_REQUEST);
}

static int cmd_be_show(struct cli_state *st, const char *arg)
{
	(void)arg;
	return start(st, XLB_CMD_BACKEND_GET, XLB_CLI_BACKEND_SHOW);
}

static int cmd_flow_get(struct cli_state *st, const char *arg)
{
	(void)arg;
	return start(st, XLB_CMD_FLOW_GET, XLB_CLI_FLOW_GET);
}

static int cmd_stats(struct cli_state *st, const char *arg)
{
	(void)arg;
	return start(st, XLB_CMD_STATS_GET, XLB_CLI_STATS);
}

static int cmd_save(struct cli_state *st, const char *arg)
{
	(void)arg;
	return start(st, XLB_CMD_CONFIG_GET, XLB_CLI_SAVE);
}

static int cmd_attach(struct cli_state *st, const char *arg)
{
	(void)arg;
	return start(st, XLB_CMD_ATTACH, XLB_CLI_REQUEST);
}

static int cmd_detach(struct cli_state *st, const char *arg)
{
	(void)arg;
	return start(st, XLB_CMD_DETACH, XLB_CLI_REQUEST);
}

static int cmd_config_set(struct cli_state *st, const char *arg)
{
	(void)arg;
	return start(st, XLB_CMD_CONFIG_SET, XLB_CLI_REQUEST);
}

static int cmd_config_show(struct cli_state *st, const char *arg)
{
	(void)arg;
	return start(st, XLB_CMD_CONFIG_GET, XLB_CLI_CONFIG_SHOW);
}

/* `top`: the live view's refresh interval, and its text mode's count. */
#define TOP_INTERVAL_DEFAULT_NS (2 * XLB_NSEC_PER_SEC)
#define TOP_INTERVAL_MIN_NS	(100 * XLB_NSEC_PER_MSEC)
#define TOP_INTERVAL_MAX_NS	(3600 * XLB_NSEC_PER_SEC)
#define TOP_COUNT_MAX		1000000

static int cmd_top(struct cli_state *st, const char *arg)
{
	(void)arg;
	st->cmd->interval_ns = TOP_INTERVAL_DEFAULT_NS;
	return start(st, XLB_CMD_VIP_GET, XLB_CLI_TOP);
}

/* Values. */

static int given_twice(struct cli_state *st, const char *word)
{
	return xlb_ctl_err__set(st->e, -EINVAL, "\"%s\" given twice", word);
}

/* `vip add` and friends: ADDR (then port, proto) or ADDR:PORT/PROTO. */
static int arg_vip(struct cli_state *st, const char *arg)
{
	struct xlb_ctl_vip_key *k = &msg(st)->vip.key;

	if (!xlb_vip_key__parse(arg, k)) {
		xlb_ctl_msg__set_vip_key(msg(st));
		return 0;
	}
	if (xlb_addr__parse(arg, &k->addr, &k->family))
		return -EINVAL;
	xlb_ctl_msg__set(msg(st), XLB_A_FAMILY);
	xlb_ctl_msg__set(msg(st), XLB_A_VIP_ADDR);
	return 0;
}

/* `vip VIP` of the backend commands and filters: ADDR:PORT/PROTO only. */
static int opt_vip(struct cli_state *st, const char *arg)
{
	if (xlb_vip_key__parse(arg, &msg(st)->vip.key))
		return -EINVAL;
	xlb_ctl_msg__set_vip_key(msg(st));
	return 0;
}

static int opt_port(struct cli_state *st, const char *arg)
{
	unsigned long v;

	if (has(st, XLB_A_PORT))
		return given_twice(st, "port");
	if (xlb_num__parse(arg, UINT16_MAX, &v))
		return -EINVAL;
	msg(st)->vip.key.port = v;
	xlb_ctl_msg__set(msg(st), XLB_A_PORT);
	return 0;
}

static int opt_proto(struct cli_state *st, const char *arg)
{
	static const char *const names[] = {"tcp", "udp"};
	static const __u8 protos[] = {IPPROTO_TCP, IPPROTO_UDP};
	unsigned int i;
	int err;

	if (has(st, XLB_A_PROTO))
		return given_twice(st, "proto");
	err = cli_choose(st, "PROTO", arg, names, 2, &i);
	if (err)
		return err;
	msg(st)->vip.key.proto = protos[i];
	xlb_ctl_msg__set(msg(st), XLB_A_PROTO);
	return 0;
}

static int opt_mode(struct cli_state *st, const char *arg)
{
	static const char *const names[XLB_MODE__MAX] = {
		[XLB_MODE_IPIP] = "ipip",
		[XLB_MODE_L2DSR] = "l2dsr",
	};
	unsigned int i;
	int err;

	err = cli_choose(st, "MODE", arg, names, XLB_MODE__MAX, &i);
	if (err)
		return err;
	msg(st)->vip.mode = i;
	xlb_ctl_msg__set(msg(st), XLB_A_MODE);
	return 0;
}

/* The `check ...` phrase: as many words as are the check's options. */
static int rest_check(struct cli_state *st, int argc, char **argv)
{
	struct xlb_errmsg em = {};
	int consumed = 0, err;

	if (argc && !strcmp(argv[0], "help")) {
		fputs(check_help, st->help_out ? st->help_out : stdout);
		st->cmd->action = XLB_CLI_HELP;
		return argc;
	}
	err = xlb_check_spec__parse(&msg(st)->check, argc, argv, &consumed, &em);
	if (err)
		return xlb_ctl_err__set(st->e, err, "%s", em.text);
	/* The phrase ends at the first word that is not its type's option: if
	 * that word is another type's option, say so rather than leave it to
	 * the command ("check tcp path /x"). */
	if (consumed < argc) {
		struct xlb_check_spec spec;

		xlb_errmsg__clear(&em);
		if (xlb_check_spec__parse(&spec, consumed + 1, argv, NULL, &em) &&
		    strstr(em.text, CHECK_NOT_OPTION))
			return xlb_ctl_err__set(st->e, -EINVAL, "%s", em.text);
	}
	xlb_ctl_msg__set(msg(st), XLB_A_CHECK);
	return consumed;
}

static int opt_fail_open(struct cli_state *st, const char *arg)
{
	if (has(st, XLB_A_FAIL_OPEN))
		return xlb_ctl_err__set(st->e, -EINVAL, "\"%s\" contradicts a word given before it",
					arg);
	msg(st)->vip.fail_open = !strcmp(arg, "fail-open");
	xlb_ctl_msg__set(msg(st), XLB_A_FAIL_OPEN);
	return 0;
}

/* `announce on|off`: whether the VIP's address may be announced. */
static int opt_announce(struct cli_state *st, const char *arg)
{
	static const char *const names[] = {"off", "on"};
	unsigned int i;
	int err;

	if (has(st, XLB_A_ANNOUNCE))
		return given_twice(st, "announce");
	err = cli_choose(st, "on|off", arg, names, 2, &i);
	if (err)
		return err;
	msg(st)->vip.announce = i;
	xlb_ctl_msg__set(msg(st), XLB_A_ANNOUNCE);
	return 0;
}

static int opt_top_interval(struct cli_state *st, const char *arg)
{
	uint64_t ns;

	if (xlb_duration__parse(arg, &ns) || ns < TOP_INTERVAL_MIN_NS || ns > TOP_INTERVAL_MAX_NS)
		return -EINVAL;
	st->cmd->interval_ns = ns;
	return 0;
}

static int opt_top_count(struct cli_state *st, const char *arg)
{
	unsigned long v;

	if (xlb_num__parse(arg, TOP_COUNT_MAX, &v) || !v)
		return -EINVAL;
	st->cmd->count = v;
	return 0;
}

static int need_vip_key(struct cli_state *st)
{
	if (!has(st, XLB_A_VIP_ADDR))
		return cli_missing(st, "ADDR");
	if (!has(st, XLB_A_PORT))
		return cli_missing(st, "port PORT");
	if (!has(st, XLB_A_PROTO))
		return cli_missing(st, "proto PROTO");
	return 0;
}

static int end_vip(struct cli_state *st, const char *arg)
{
	(void)arg;
	return need_vip_key(st);
}

static int end_vip_set(struct cli_state *st, const char *arg)
{
	int err = need_vip_key(st);

	(void)arg;
	if (!err && !has(st, XLB_A_MODE) && !has(st, XLB_A_CHECK) && !has(st, XLB_A_FAIL_OPEN) &&
	    !has(st, XLB_A_ANNOUNCE))
		return cli_missing(
			st, "mode MODE, check ..., fail-open, fail-closed or announce on|off");
	return err;
}

static int opt_addr(struct cli_state *st, const char *arg)
{
	return xlb_addr__parse(arg, &msg(st)->be.addr, &st->be_family) ? -EINVAL : 0;
}

static int opt_be_port(struct cli_state *st, const char *arg)
{
	unsigned long v;

	if (xlb_num__parse(arg, UINT16_MAX, &v))
		return -EINVAL;
	msg(st)->be.port = v;
	xlb_ctl_msg__set(msg(st), XLB_A_BACKEND_PORT);
	return 0;
}

static int opt_weight(struct cli_state *st, const char *arg)
{
	unsigned long v;

	if (xlb_num__parse(arg, XLB_WEIGHT_MAX, &v))
		return -EINVAL;
	msg(st)->be.weight = v;
	xlb_ctl_msg__set(msg(st), XLB_A_WEIGHT);
	return 0;
}

/* Flag keywords: each sets or clears one XLB_BE_F_* bit. */
struct flag_word {
	const char *word;
	__u32 bit;
	bool on;
};

static const struct flag_word flag_words[] = {
	{"drain", XLB_BE_F_DRAIN, true},     {"undrain", XLB_BE_F_DRAIN, false},
	{"backup", XLB_BE_F_BACKUP, true},   {"primary", XLB_BE_F_BACKUP, false},
	{"down", XLB_BE_F_ADMIN_DOWN, true}, {"up", XLB_BE_F_ADMIN_DOWN, false},
};

static int opt_flag(struct cli_state *st, const char *arg)
{
	struct xlb_ctl_backend *be = &msg(st)->be;
	unsigned int i;

	for (i = 0; i < sizeof(flag_words) / sizeof(flag_words[0]); i++) {
		const struct flag_word *f = &flag_words[i];

		if (strcmp(arg, f->word))
			continue;
		if (be->flags_mask & f->bit)
			return xlb_ctl_err__set(st->e, -EINVAL,
						"\"%s\" contradicts a word given before it",
						f->word);
		be->flags_mask |= f->bit;
		if (f->on)
			be->flags |= f->bit;
		return 0;
	}
	return -EINVAL;
}

static int need_backend(struct cli_state *st)
{
	char a[XLB_ADDR_STR_MAX];

	if (!has(st, XLB_A_VIP_ADDR))
		return cli_missing(st, "vip VIP");
	if (!st->be_family)
		return cli_missing(st, "addr ADDR");
	if (st->be_family != msg(st)->vip.key.family)
		return xlb_ctl_err__set(
			st->e, -EINVAL, "backend %s is IPv%u but the VIP is IPv%u",
			xlb_addr__str(&msg(st)->be.addr, st->be_family, a, sizeof(a)),
			st->be_family, msg(st)->vip.key.family);
	xlb_ctl_msg__set(msg(st), XLB_A_BACKEND_ADDR);
	return 0;
}

static int end_be_add(struct cli_state *st, const char *arg)
{
	int err = need_backend(st);

	(void)arg;
	if (err)
		return err;
	/* Adding starts from no flags: only the ones given are sent. */
	if (msg(st)->be.flags)
		xlb_ctl_msg__set(msg(st), XLB_A_FLAGS);
	msg(st)->be.flags_mask = 0;
	return 0;
}

static int end_be_del(struct cli_state *st, const char *arg)
{
	(void)arg;
	return need_backend(st);
}

static int end_be_set(struct cli_state *st, const char *arg)
{
	int err = need_backend(st);

	(void)arg;
	if (err)
		return err;
	if (msg(st)->be.flags_mask) {
		xlb_ctl_msg__set(msg(st), XLB_A_FLAGS);
		xlb_ctl_msg__set(msg(st), XLB_A_FLAGS_MASK);
	}
	if (!has(st, XLB_A_WEIGHT) && !has(st, XLB_A_FLAGS) && !has(st, XLB_A_CHECK))
		return cli_missing(st,
				   "weight, drain, undrain, up, down, backup, primary or check");
	return 0;
}

static int arg_flow_src(struct cli_state *st, const char *arg)
{
	struct xlb_ctl_msg *m = msg(st);

	if (xlb_endpoint__parse(arg, &m->flow.src, &m->vip.key.family, &m->flow.sport))
		return -EINVAL;
	xlb_ctl_msg__set(m, XLB_A_FAMILY);
	xlb_ctl_msg__set(m, XLB_A_FLOW_SRC);
	xlb_ctl_msg__set(m, XLB_A_FLOW_SPORT);
	return 0;
}

static int arg_flow_dst(struct cli_state *st, const char *arg)
{
	struct xlb_ctl_msg *m = msg(st);
	__u8 family;

	if (xlb_endpoint__parse(arg, &m->flow.dst, &family, &m->flow.dport))
		return -EINVAL;
	if (family != m->vip.key.family)
		return xlb_ctl_err__set(st->e, -EINVAL, "DST \"%s\" is IPv%u but SRC is IPv%u", arg,
					family, m->vip.key.family);
	xlb_ctl_msg__set(m, XLB_A_FLOW_DST);
	xlb_ctl_msg__set(m, XLB_A_FLOW_DPORT);
	return 0;
}

static int kw_flow_proto(struct cli_state *st, const char *arg)
{
	return opt_proto(st, arg);
}

static int opt_mtu(struct cli_state *st, const char *arg)
{
	unsigned long v;

	if (xlb_num__parse(arg, XLB_MTU_MAX, &v) || v < XLB_MTU_MIN)
		return -EINVAL;
	msg(st)->cfg.mtu = v;
	xlb_ctl_msg__set(msg(st), XLB_A_MTU);
	return 0;
}

static int opt_source(struct cli_state *st, const char *arg)
{
	struct xlb_ctl_config *c = &msg(st)->cfg;
	struct xlb_addr a;
	unsigned int plen;
	__u8 family;

	if (xlb_prefix__parse(arg, &a, &family, &plen))
		return -EINVAL;
	if (family == XLB_AF_INET) {
		c->src4 = a;
		c->src4_plen = plen;
		xlb_ctl_msg__set(msg(st), XLB_A_SRC4_ADDR);
		xlb_ctl_msg__set(msg(st), XLB_A_SRC4_PLEN);
	} else {
		c->src6 = a;
		c->src6_plen = plen;
		xlb_ctl_msg__set(msg(st), XLB_A_SRC6_ADDR);
		xlb_ctl_msg__set(msg(st), XLB_A_SRC6_PLEN);
	}
	return 0;
}

/* `sample N`: the access log's one new flow in N; 0 is off. */
static int opt_sample(struct cli_state *st, const char *arg)
{
	unsigned long v;

	if (xlb_num__parse(arg, UINT32_MAX, &v))
		return -EINVAL;
	msg(st)->cfg.sample_every = (__u32)v;
	xlb_ctl_msg__set(msg(st), XLB_A_SAMPLE_EVERY);
	return 0;
}

static int end_config_set(struct cli_state *st, const char *arg)
{
	(void)arg;
	if (!has(st, XLB_A_MTU) && !has(st, XLB_A_SRC4_ADDR) && !has(st, XLB_A_SRC6_ADDR) &&
	    !has(st, XLB_A_FLOW_BUDGET) && !has(st, XLB_A_SAMPLE_EVERY))
		return cli_missing(st, "mtu MTU, source ADDR[/PLEN], flow-budget N or sample N");
	return 0;
}

static int opt_dev(struct cli_state *st, const char *arg)
{
	struct xlb_ctl_config *c = &msg(st)->cfg;

	if (!*arg || strlen(arg) >= sizeof(c->ifname) || strchr(arg, '/'))
		return -EINVAL;
	memcpy(c->ifname, arg, strlen(arg) + 1);
	xlb_ctl_msg__set(msg(st), XLB_A_IFNAME);
	return 0;
}

static int opt_xdp_mode(struct cli_state *st, const char *arg)
{
	static const char *const names[XLB_XDP_MODE__MAX] = {
		[XLB_XDP_NATIVE] = "native",
		[XLB_XDP_SKB] = "skb",
	};
	unsigned int i;
	int err;

	err = cli_choose(st, "MODE", arg, names, XLB_XDP_MODE__MAX, &i);
	if (err)
		return err;
	msg(st)->cfg.xdp_mode = i;
	xlb_ctl_msg__set(msg(st), XLB_A_XDP_MODE);
	return 0;
}

/* The tables, innermost first. */

#define KW(w, v, f, n, h)                                                                          \
	{                                                                                          \
		.type = CLI_T_KEYWORD, .word = w, .value = v, .fn = f, .next = n, .help = h        \
	}
#define ARG(name, f, n, h)                                                                         \
	{                                                                                          \
		.type = CLI_T_ARG, .word = name, .fn = f, .next = n, .help = h                     \
	}
#define END(f)                                                                                     \
	{                                                                                          \
		.type = CLI_T_END, .fn = f, .help = "the command may end here"                     \
	}
#define LAST                                                                                       \
	{                                                                                          \
		.type = CLI_T_NONE                                                                 \
	}

static const struct cli_token t_end[] = {END(NULL), LAST};

#define CHECK_OPT(h)                                                                               \
	{                                                                                          \
		.type = CLI_T_KEYWORD, .word = "check", .rest = rest_check, .help = h              \
	}
#define FAIL_OPEN_OPT                                                                              \
	KW("fail-open", NULL, opt_fail_open, NULL,                                                 \
	   "keep every backend in the ring when all fail their checks")
#define FAIL_CLOSED_OPT                                                                            \
	KW("fail-closed", NULL, opt_fail_open, NULL,                                               \
	   "an empty ring when all fail their checks (the default)")
#define PORT_OPT      KW("port", "PORT", opt_port, NULL, "0..65535, 0 = all ports")
#define PROTO_OPT     KW("proto", "PROTO", opt_proto, NULL, "tcp or udp")
#define MODE_OPT      KW("mode", "MODE", opt_mode, NULL, "ipip (default) or l2dsr")
#define ANNOUNCE_OPT  KW("announce", "on|off", opt_announce, NULL, "off withdraws its route")
#define VIP_ARG(next) ARG("ADDR", arg_vip, next, ADDR_HELP " or " VIP_HELP)

static const struct cli_token t_vip_add_opts[] = {
	PORT_OPT,     PROTO_OPT,
	MODE_OPT,     FAIL_OPEN_OPT,
	ANNOUNCE_OPT, CHECK_OPT("the check of backends without their own: " CHECK_HELP),
	END(end_vip), LAST,
};
static const struct cli_token t_vip_del_opts[] = {PORT_OPT, PROTO_OPT, END(end_vip), LAST};
static const struct cli_token t_vip_set_opts[] = {
	PORT_OPT,
	PROTO_OPT,
	MODE_OPT,
	FAIL_OPEN_OPT,
	FAIL_CLOSED_OPT,
	ANNOUNCE_OPT,
	CHECK_OPT("the check of backends without their own: " CHECK_HELP),
	END(end_vip_set),
	LAST,
};
static const struct cli_token t_vip_add[] = {VIP_ARG(t_vip_add_opts), LAST};
static const struct cli_token t_vip_del[] = {VIP_ARG(t_vip_del_opts), LAST};
static const struct cli_token t_vip_set[] = {VIP_ARG(t_vip_set_opts), LAST};
static const struct cli_token t_vip_show[] = {
	ARG("VIP", opt_vip, t_end, "show one VIP: " VIP_HELP),
	END(NULL),
	LAST,
};

static const struct cli_token t_vip[] = {
	KW("add", NULL, cmd_vip_add, t_vip_add,
	   "add a VIP: ADDR port PORT proto PROTO [mode MODE] [announce on|off]"),
	KW("del", NULL, cmd_vip_del, t_vip_del, "remove a VIP and its backends"),
	KW("set", NULL, cmd_vip_set, t_vip_set, "change a VIP's mode, check, fail-open, announce"),
	KW("show", NULL, cmd_vip_show, t_vip_show, "VIPs, backends, counters, rates"),
	LAST,
};

#define BE_VIP_OPT     KW("vip", "VIP", opt_vip, NULL, VIP_HELP)
#define BE_ADDR_OPT    KW("addr", "ADDR", opt_addr, NULL, ADDR_HELP)
#define BE_PORT_OPT    KW("port", "PORT", opt_be_port, NULL, "0..65535, 0 = the packet's own")
#define WEIGHT_OPT     KW("weight", "WEIGHT", opt_weight, NULL, "0..65535")
#define FLAG_OPT(w, h) KW(w, NULL, opt_flag, NULL, h)

static const struct cli_token t_be_add[] = {
	BE_VIP_OPT,
	BE_ADDR_OPT,
	BE_PORT_OPT,
	WEIGHT_OPT,
	FLAG_OPT("backup", "only used while no primary backend is up"),
	FLAG_OPT("drain", "takes no new flows"),
	FLAG_OPT("down", "administratively down"),
	CHECK_OPT("its own health check: " CHECK_HELP),
	END(end_be_add),
	LAST,
};

static const struct cli_token t_be_del[] = {
	BE_VIP_OPT, BE_ADDR_OPT, BE_PORT_OPT, END(end_be_del), LAST,
};

static const struct cli_token t_be_set[] = {
	BE_VIP_OPT,
	BE_ADDR_OPT,
	BE_PORT_OPT,
	WEIGHT_OPT,
	FLAG_OPT("drain", "take no new flows, keep established ones"),
	FLAG_OPT("undrain", "take new flows again"),
	FLAG_OPT("down", "administratively down: its flows move"),
	FLAG_OPT("up", "administratively up"),
	FLAG_OPT("backup", "only used while no primary backend is up"),
	FLAG_OPT("primary", "not a backup"),
	CHECK_OPT("its own health check (none: the VIP's): " CHECK_HELP),
	END(end_be_set),
	LAST,
};

static const struct cli_token t_be_show[] = {BE_VIP_OPT, END(NULL), LAST};

static const struct cli_token t_backend[] = {
	KW("add", NULL, cmd_be_add, t_be_add,
	   "add a backend: vip VIP addr ADDR [port PORT] [weight W] [backup] [drain] [down] "
	   "[check ...]"),
	KW("del", NULL, cmd_be_del, t_be_del, "remove a backend: vip VIP addr ADDR"),
	KW("set", NULL, cmd_be_set, t_be_set, "change weight, drain, up/down, backup, check"),
	KW("show", NULL, cmd_be_show, t_be_show, "backends [of one VIP]"),
	LAST,
};

static const struct cli_token t_flow_proto[] = {
	KW("tcp", NULL, kw_flow_proto, t_end, "TCP"),
	KW("udp", NULL, kw_flow_proto, t_end, "UDP"),
	LAST,
};
static const struct cli_token t_flow_dst[] = {
	ARG("DST:PORT", arg_flow_dst, t_flow_proto, "the VIP address and port"),
	LAST,
};
static const struct cli_token t_flow_get[] = {
	ARG("SRC:PORT", arg_flow_src, t_flow_dst, "the client's address and port"),
	LAST,
};
static const struct cli_token t_flow[] = {
	KW("get", NULL, cmd_flow_get, t_flow_get, "SRC:PORT DST:PORT tcp|udp: its backend and why"),
	LAST,
};

static const struct cli_token t_config_set[] = {
	KW("mtu", "MTU", opt_mtu, NULL, "1280..9216, toward the backends"),
	KW("source", "ADDR[/PLEN]", opt_source, NULL, "outer source address or prefix"),
	KW("flow-budget", "N", cli_opt_flow_budget, NULL,
	   "new flows stored per second per CPU, 0 = no limit"),
	KW("sample", "N", opt_sample, NULL, "access log: one new flow in N, 0 = off"),
	END(end_config_set),
	LAST,
};
static const struct cli_token t_config[] = {
	KW("set", NULL, cmd_config_set, t_config_set,
	   "mtu MTU | source ADDR[/PLEN] | flow-budget N | sample N"),
	KW("show", NULL, cmd_config_show, t_end, "the running settings"),
	LAST,
};

static const struct cli_token t_attach[] = {
	KW("dev", "IFNAME", opt_dev, NULL, "the interface (default: xlbd's)"),
	KW("mode", "MODE", opt_xdp_mode, NULL, "native (default) or skb"),
	END(NULL),
	LAST,
};
static const struct cli_token t_detach[] = {
	KW("dev", "IFNAME", opt_dev, NULL, "the interface (default: xlbd's)"),
	END(NULL),
	LAST,
};

static const struct cli_token t_top[] = {
	KW("interval", "SECS", opt_top_interval, NULL,
	   "between refreshes: seconds, or 500ms, 2s, 1m (100ms..1h, default 2s)"),
	KW("vip", "VIP", opt_vip, NULL, "only this VIP: " VIP_HELP),
	KW("count", "N", opt_top_count, NULL, "print N refreshes as text, then exit"),
	END(NULL),
	LAST,
};

const struct cli_token cli_top[] = {
	KW("vip", NULL, NULL, t_vip, "virtual services: add, del, set, show"),
	KW("backend", NULL, NULL, t_backend, "backends of a VIP: add, del, set, show"),
	KW("flow", NULL, NULL, t_flow, "which backend a flow goes to, and why"),
	KW("stats", NULL, cmd_stats, t_end, "verdict counters, per VIP and backend"),
	KW("save", NULL, cmd_save, t_end, "the running configuration, as a batch"),
	KW("attach", NULL, cmd_attach, t_attach, "attach the XDP program"),
	KW("detach", NULL, cmd_detach, t_detach, "remove the XDP program (traffic stops)"),
	KW("config", NULL, NULL, t_config,
	   "mtu, outer source, flow budget, access-log sampling: set, show"),
	KW("acl", NULL, NULL, cli_t_acl, "source prefixes denied or allowed: add, del, show"),
	KW("ratelimit", NULL, NULL, cli_t_ratelimit,
	   "per-source packet and new-flow limits: set, del, show, top"),
	KW("top", NULL, cmd_top, t_top,
	   "live view of VIPs, backends, rates and drops: [interval SECS] [vip VIP] [count N]"),
	LAST,
};
