// SPDX-License-Identifier: MIT
/*
 * xlbctl's grammar without a daemon: prefixes, ambiguity, unknown and
 * missing words, help, every error one line; batch files; `save` parsed
 * back into the same requests; text and JSON from the same calls; and the
 * real xlbctl binary exiting non-zero with nothing sent on bad input.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <criterion/criterion.h>

#include "addr.h"
#include "cli.h"
#include "cli_print.h"
#include "cli_show.h"
#include "cli_token.h"

#define MAX_ARGS   32
#define OUT_MAX	   8192
#define VIP_PORT   80
#define BE_WEIGHT  250
#define TEST_MTU   1600
#define SPLIT_MAX  8
#define XLBCTL_REL "../../xlbctl" /* from $BUILD/tests/unit to $BUILD */

struct parsed {
	int err;
	struct xlb_cli_cmd cmd;
	struct xlb_ctl_err e;
	char help[OUT_MAX];
};

/* Parses a command given as one string of words. */
static void parse(const char *line, struct parsed *p)
{
	char copy[XLB_CLI_LINE_MAX], *argv[MAX_ARGS];
	FILE *help;
	int argc;

	memset(p, 0, sizeof(*p));
	snprintf(copy, sizeof(copy), "%s", line);
	argc = xlb_cli__split(copy, argv, MAX_ARGS);
	cr_assert_geq(argc, 0);
	help = fmemopen(p->help, sizeof(p->help) - 1, "w");
	cr_assert_not_null(help);
	p->err = xlb_cli__parse(argc, argv, &p->cmd, help, &p->e);
	fclose(help);
}

static void expect_ok(const char *line, struct parsed *p)
{
	parse(line, p);
	cr_assert_eq(p->err, 0, "\"%s\": %s", line, p->e.msg);
}

/* An error: non-zero, one line, naming what. */
static void expect_error(const char *line, const char *what)
{
	struct parsed p;

	parse(line, &p);
	cr_assert_lt(p.err, 0, "\"%s\" was accepted", line);
	cr_assert_eq(p.e.err, p.err);
	cr_assert_null(strchr(p.e.msg, '\n'), "\"%s\": not one line: %s", line, p.e.msg);
	cr_assert_not_null(strstr(p.e.msg, what), "\"%s\": \"%s\" lacks \"%s\"", line, p.e.msg,
			   what);
}

static struct xlb_addr v4(const char *s)
{
	struct xlb_addr a;
	__u8 family;

	cr_assert_eq(xlb_addr__parse(s, &a, &family), 0);
	return a;
}

Test(grammar, full_words)
{
	struct parsed p;

	expect_ok("vip add 198.18.1.10 port 80 proto tcp mode l2dsr", &p);
	cr_assert_eq(p.cmd.action, XLB_CLI_REQUEST);
	cr_assert_eq(p.cmd.msg.cmd, XLB_CMD_VIP_ADD);
	cr_assert_eq(p.cmd.msg.vip.key.family, XLB_AF_INET);
	cr_assert_eq(p.cmd.msg.vip.key.port, VIP_PORT);
	cr_assert_eq(p.cmd.msg.vip.key.proto, IPPROTO_TCP);
	cr_assert_eq(p.cmd.msg.vip.mode, XLB_MODE_L2DSR);
	cr_assert(xlb_ctl_msg__has(&p.cmd.msg, XLB_A_MODE));
	cr_assert_eq(memcmp(&p.cmd.msg.vip.key.addr, &(struct xlb_addr){{htonl(0xc612010a)}},
			    sizeof(struct xlb_addr)),
		     0);

	expect_ok("vip add [2001:2:1::10]:443/udp", &p);
	cr_assert_eq(p.cmd.msg.vip.key.family, XLB_AF_INET6);
	cr_assert_eq(p.cmd.msg.vip.key.port, 443);
	cr_assert_eq(p.cmd.msg.vip.key.proto, IPPROTO_UDP);
	cr_assert_not(xlb_ctl_msg__has(&p.cmd.msg, XLB_A_MODE), "mode left to the daemon");

	expect_ok("vip add 198.18.1.11 port 0 proto udp", &p);
	cr_assert_eq(p.cmd.msg.vip.key.port, 0, "port 0: all ports");

	expect_ok("backend add vip [2001:2:1::10]:80/tcp addr 2001:2::11 port 8080 weight 250 "
		  "backup drain down",
		  &p);
	cr_assert_eq(p.cmd.msg.cmd, XLB_CMD_BACKEND_ADD);
	cr_assert_eq(p.cmd.msg.be.port, 8080);
	cr_assert_eq(p.cmd.msg.be.weight, BE_WEIGHT);
	cr_assert_eq(p.cmd.msg.be.flags, XLB_BE_F_BACKUP | XLB_BE_F_DRAIN | XLB_BE_F_ADMIN_DOWN);
	cr_assert_not(xlb_ctl_msg__has(&p.cmd.msg, XLB_A_FLAGS_MASK));

	expect_ok("backend set vip 198.18.1.10:80/tcp addr 198.19.0.11 undrain up primary", &p);
	cr_assert_eq(p.cmd.msg.be.flags, 0);
	cr_assert_eq(p.cmd.msg.be.flags_mask, XLB_BE_F_ALL);
	cr_assert(xlb_ctl_msg__has(&p.cmd.msg, XLB_A_FLAGS_MASK));
	cr_assert_not(xlb_ctl_msg__has(&p.cmd.msg, XLB_A_WEIGHT));

	expect_ok("backend set addr 198.19.0.11 vip 198.18.1.10:80/tcp weight 0", &p);
	cr_assert(xlb_ctl_msg__has(&p.cmd.msg, XLB_A_WEIGHT), "options in any order");
	cr_assert_not(xlb_ctl_msg__has(&p.cmd.msg, XLB_A_FLAGS));

	expect_ok("flow get 198.18.0.1:40000 198.18.1.10:80 tcp", &p);
	cr_assert_eq(p.cmd.action, XLB_CLI_FLOW_GET);
	cr_assert_eq(p.cmd.msg.flow.sport, 40000);
	cr_assert_eq(p.cmd.msg.flow.dport, VIP_PORT);

	expect_ok("config set mtu 1600 source 198.18.0.0/24", &p);
	cr_assert_eq(p.cmd.msg.cfg.mtu, TEST_MTU);
	cr_assert_eq(p.cmd.msg.cfg.src4_plen, 24);

	expect_ok("attach dev xlbt-lb0 mode skb", &p);
	cr_assert_str_eq(p.cmd.msg.cfg.ifname, "xlbt-lb0");
	cr_assert_eq(p.cmd.msg.cfg.xdp_mode, XLB_XDP_SKB);

	expect_ok("vip show", &p);
	cr_assert_eq(p.cmd.action, XLB_CLI_VIP_SHOW);
	expect_ok("stats", &p);
	cr_assert_eq(p.cmd.action, XLB_CLI_STATS);
	expect_ok("save", &p);
	cr_assert_eq(p.cmd.action, XLB_CLI_SAVE);
	expect_ok("detach", &p);
	cr_assert_eq(p.cmd.msg.cmd, XLB_CMD_DETACH);
}

Test(grammar, unambiguous_prefixes)
{
	struct parsed p;

	expect_ok("v a 198.18.1.10 po 80 pr t m l", &p);
	cr_assert_eq(p.cmd.msg.cmd, XLB_CMD_VIP_ADD);
	cr_assert_eq(p.cmd.msg.vip.key.proto, IPPROTO_TCP);
	cr_assert_eq(p.cmd.msg.vip.mode, XLB_MODE_L2DSR);

	expect_ok("b se v 198.18.1.10:80/tcp a 198.19.0.11 dr", &p);
	cr_assert_eq(p.cmd.msg.cmd, XLB_CMD_BACKEND_SET);
	cr_assert_eq(p.cmd.msg.be.flags, XLB_BE_F_DRAIN);

	expect_ok("st", &p);
	cr_assert_eq(p.cmd.action, XLB_CLI_STATS);
	expect_ok("sa", &p);
	cr_assert_eq(p.cmd.action, XLB_CLI_SAVE);
	expect_ok("f g 198.18.0.1:1 198.18.1.10:80 u", &p);
	cr_assert_eq(p.cmd.msg.vip.key.proto, IPPROTO_UDP);
	expect_ok("c sh", &p);
	cr_assert_eq(p.cmd.action, XLB_CLI_CONFIG_SHOW);
}

Test(grammar, ambiguous_words_list_the_choices)
{
	expect_error("s", "ambiguous word \"s\": stats, save");
	expect_error("backend s", "ambiguous word \"s\" in \"backend\": set, show");
	expect_error("vip s", "ambiguous word \"s\" in \"vip\": set, show");
	expect_error("backend add vip 198.18.1.10:80/tcp addr 198.19.0.11 d", "drain, down");
	expect_error("backend set vip 198.18.1.10:80/tcp addr 198.19.0.11 d",
		     "ambiguous word \"d\" in \"backend set\": drain, down");
	expect_error("backend set vip 198.18.1.10:80/tcp addr 198.19.0.11 p",
		     "ambiguous word \"p\" in \"backend set\": port, primary");
	expect_error("config s", "set, show");
}

Test(grammar, unknown_words)
{
	expect_error("foo", "unknown word \"foo\": expected vip, backend, flow, stats, save");
	expect_error("vip frob", "unknown word \"frob\" in \"vip\": expected add, del, set, show");
	expect_error("vip add 198.18.1.10 port 80 proto tcp colour red",
		     "unknown word \"colour\" in \"vip add\"");
	expect_error("vip add 198.18.1.10 port 80 proto sctp", "unknown PROTO \"sctp\"");
	expect_error("vip add 198.18.1.10 port 80 proto tcp mode gue", "unknown MODE \"gue\"");
	expect_error("flow get 198.18.0.1:1 198.18.1.10:80 icmp", "unknown word \"icmp\"");
	expect_error("stats now", "unknown word \"now\" in \"stats\"");
	expect_error("attach mode turbo", "unknown MODE \"turbo\": expected native, skb");
}

Test(grammar, bad_values)
{
	expect_error("vip add 198.18.1.999 port 80 proto tcp", "bad ADDR \"198.18.1.999\"");
	expect_error("vip add 198.18.1.10 port 65536 proto tcp", "bad PORT \"65536\"");
	expect_error("vip add 198.18.1.10 port -1 proto tcp", "bad PORT \"-1\"");
	expect_error("vip add 198.18.1.10 port 8o proto tcp", "bad PORT \"8o\"");
	expect_error("backend add vip 198.18.1.10:80/tcp addr 198.19.0.11 weight 65536",
		     "bad WEIGHT \"65536\": expected 0..65535");
	expect_error("backend add vip 198.18.1.10:80 addr 198.19.0.11",
		     "bad VIP \"198.18.1.10:80\"");
	expect_error("backend add vip 2001:2:1::10:80/tcp addr 2001:2::11",
		     "bad VIP \"2001:2:1::10:80/tcp\"");
	expect_error("backend add vip 198.18.1.10:80/tcp addr 2001:2::11",
		     "backend 2001:2::11 is IPv6 but the VIP is IPv4");
	expect_error("flow get 198.18.0.1:1 [2001:2::1]:80 tcp", "is IPv6 but SRC is IPv4");
	expect_error("config set mtu 1279", "bad MTU \"1279\"");
	expect_error("config set mtu 9217", "bad MTU \"9217\"");
	expect_error("config set source 198.18.0.0/33", "bad ADDR[/PLEN] \"198.18.0.0/33\"");
	expect_error("attach dev a-name-far-too-long", "bad IFNAME");
}

Test(grammar, missing_words)
{
	expect_error("vip", "missing word in \"vip\": expected add, del, set, show");
	expect_error("vip add", "missing ADDR in \"vip add\"");
	expect_error("vip add 198.18.1.10", "missing \"port PORT\" in \"vip add\"");
	expect_error("vip add 198.18.1.10 port 80", "missing \"proto PROTO\" in \"vip add\"");
	expect_error("vip add 198.18.1.10 port", "missing PORT after \"port\"");
	expect_error(
		"vip set 198.18.1.10:80/tcp",
		"missing \"mode MODE, check ..., fail-open, fail-closed or announce on|off\" in "
		"\"vip set\"");
	expect_error("backend add addr 198.19.0.11", "missing \"vip VIP\" in \"backend add\"");
	expect_error("backend add vip 198.18.1.10:80/tcp", "missing \"addr ADDR\"");
	expect_error("backend add vip 198.18.1.10:80/tcp addr 198.19.0.11 weight",
		     "missing WEIGHT after \"weight\": expected 0..65535");
	expect_error("backend set vip 198.18.1.10:80/tcp addr 198.19.0.11",
		     "missing \"weight, drain, undrain, up, down, backup, primary or check\"");
	expect_error("flow get 198.18.0.1:1", "missing DST:PORT in \"flow get\"");
	expect_error("flow get 198.18.0.1:1 198.18.1.10:80",
		     "missing word in \"flow get\": expected tcp, udp");
	expect_error("config set",
		     "missing \"mtu MTU, source ADDR[/PLEN], flow-budget N or sample N\"");
	expect_error("", "missing word: expected vip, backend");
}

Test(grammar, repeats_and_contradictions)
{
	expect_error("vip add 198.18.1.10 port 80 port 81 proto tcp", "\"port\" given twice");
	expect_error("vip add 198.18.1.10:80/tcp port 81", "\"port\" given twice");
	expect_error("backend add vip 198.18.1.10:80/tcp addr 198.19.0.11 weight 1 weight 2",
		     "\"weight\" given twice");
	expect_error("backend set vip 198.18.1.10:80/tcp addr 198.19.0.11 drain undrain",
		     "\"undrain\" contradicts");
	expect_error("backend set vip 198.18.1.10:80/tcp addr 198.19.0.11 up down",
		     "\"down\" contradicts");
}

Test(grammar, help_at_every_level)
{
	static const struct {
		const char *line;
		const char *words;
	} cases[] = {
		{"help", "backend"},
		{"vip help", "show"},
		{"vip add help", "ADDR"},
		{"vip add 198.18.1.10 help", "proto PROTO"},
		{"backend help", "set"},
		{"backend add help", "weight WEIGHT"},
		{"backend set vip 198.18.1.10:80/tcp help", "undrain"},
		{"backend add vip 198.18.1.10:80/tcp weight help", "0..65535"},
		{"flow get help", "SRC:PORT"},
		{"flow get 198.18.0.1:1 198.18.1.10:80 help", "udp"},
		{"config help", "set"},
		{"config set help", "source ADDR[/PLEN]"},
		{"attach help", "mode MODE"},
		{"stats help", "(end)"},
	};
	struct parsed p;

	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		expect_ok(cases[i].line, &p);
		cr_assert_eq(p.cmd.action, XLB_CLI_HELP, "%s", cases[i].line);
		cr_assert_not_null(strstr(p.help, cases[i].words), "\"%s\" help lacks %s: %s",
				   cases[i].line, cases[i].words, p.help);
	}
}

Test(grammar, split_words_and_comments)
{
	char line[] = "  vip\tadd 198.18.1.10   # a comment\n";
	char many[] = "a b c d e f g h i";
	char *argv[SPLIT_MAX];

	cr_assert_eq(xlb_cli__split(line, argv, SPLIT_MAX), 3);
	cr_assert_str_eq(argv[0], "vip");
	cr_assert_str_eq(argv[2], "198.18.1.10");
	cr_assert_eq(xlb_cli__split(many, argv, SPLIT_MAX), -E2BIG);
}

static FILE *text_file(const char *s)
{
	FILE *f = fmemopen((void *)(uintptr_t)s, strlen(s), "r");

	cr_assert_not_null(f);
	return f;
}

Test(batch, whole_file_or_nothing)
{
	struct xlb_cli_batch b;
	struct xlb_ctl_err e;
	FILE *f;

	f = text_file("# comment\n"
		      "\n"
		      "vip add 198.18.1.10 port 80 proto tcp\n"
		      "   # indented comment\n"
		      "backend add vip 198.18.1.10:80/tcp addr 198.19.0.11\n"
		      "config set mtu 1600\n");
	cr_assert_eq(xlb_cli_batch__parse(f, "good.conf", &b, &e), 0, "%s", e.msg);
	fclose(f);
	cr_assert_eq(b.n, 3);
	cr_assert_eq(b.lines[0], 3);
	cr_assert_eq(b.lines[1], 5);
	cr_assert_eq(b.lines[2], 6);
	cr_assert_eq(b.msgs[1].cmd, XLB_CMD_BACKEND_ADD);
	xlb_cli_batch__free(&b);

	f = text_file("vip add 198.18.1.10 port 80 proto tcp\n"
		      "backend add vip 198.18.1.10:80/tcp addr 198.19.0.11 weight 99999\n"
		      "vip add 198.18.1.11 port 80 proto tcp\n");
	cr_assert_lt(xlb_cli_batch__parse(f, "bad.conf", &b, &e), 0);
	fclose(f);
	cr_assert_eq(b.n, 0, "nothing kept from a bad file");
	cr_assert_null(b.msgs);
	cr_assert_not_null(strstr(e.msg, "bad.conf:2: bad WEIGHT \"99999\""), "%s", e.msg);

	f = text_file("vip add 198.18.1.10 port 80 proto tcp\nvip show\n");
	cr_assert_eq(xlb_cli_batch__parse(f, "show.conf", &b, &e), -EINVAL);
	fclose(f);
	cr_assert_not_null(strstr(e.msg, "show.conf:2: \"vip\" is not allowed in a batch"), "%s",
			   e.msg);

	f = text_file("detach\n");
	cr_assert_eq(xlb_cli_batch__parse(f, "d.conf", &b, &e), -EINVAL);
	fclose(f);
	cr_assert_not_null(strstr(e.msg, "d.conf:1:"), "%s", e.msg);
}

/* The reply messages a daemon would send for one VIP and two backends. */
static void sample_config(struct xlb_ctl_msg *cfg, struct xlb_msg_vec *vips,
			  struct xlb_msg_vec *bes)
{
	struct xlb_ctl_msg m;

	memset(cfg, 0, sizeof(*cfg));
	cfg->cmd = XLB_CMD_CONFIG_GET;
	cfg->cfg.mtu = TEST_MTU;
	cfg->cfg.src4 = v4("198.18.0.0");
	cfg->cfg.src4_plen = 28;
	xlb_ctl_msg__set(cfg, XLB_A_MTU);
	xlb_ctl_msg__set(cfg, XLB_A_SRC4_ADDR);
	xlb_ctl_msg__set(cfg, XLB_A_SRC4_PLEN);

	memset(&m, 0, sizeof(m));
	m.cmd = XLB_CMD_VIP_GET;
	cr_assert_eq(xlb_vip_key__parse("198.18.1.10:80/tcp", &m.vip.key), 0);
	xlb_ctl_msg__set_vip_key(&m);
	m.vip.mode = XLB_MODE_L2DSR;
	m.vip.id = 1;
	m.cnt.packets = 1234;
	m.cnt.pps = 17;
	m.cnt.present = (1U << XLB_CNT_PACKETS) | (1U << XLB_CNT_PPS);
	cr_assert_eq(xlb_msg_vec__push(&m, vips), 0);

	m.cmd = XLB_CMD_BACKEND_GET;
	m.be.addr = v4("198.19.0.12");
	m.be.weight = BE_WEIGHT;
	m.be.flags = XLB_BE_F_DRAIN | XLB_BE_F_BACKUP;
	m.be.state = XLB_BE_DRAINING;
	m.be.id = 2;
	m.cnt.packets = 99;
	cr_assert_eq(xlb_msg_vec__push(&m, bes), 0);
	m.be.addr = v4("198.19.0.11");
	m.be.port = 8080;
	m.be.weight = 1;
	m.be.flags = 0;
	m.be.state = XLB_BE_ACTIVE;
	m.be.id = 1;
	cr_assert_eq(xlb_msg_vec__push(&m, bes), 0);
	xlb_msg_vec__sort(bes);
}

Test(save, parses_back_into_the_same_config)
{
	struct xlb_msg_vec vips = {0}, bes = {0};
	struct xlb_ctl_msg cfg;
	struct xlb_cli_batch b;
	struct xlb_ctl_err e;
	char out[OUT_MAX] = "";
	FILE *f;

	sample_config(&cfg, &vips, &bes);
	f = fmemopen(out, sizeof(out) - 1, "w");
	xlb_show__save(f, &cfg, &vips, &bes);
	fclose(f);

	f = text_file(out);
	cr_assert_eq(xlb_cli_batch__parse(f, "saved", &b, &e), 0, "%s\n%s", e.msg, out);
	fclose(f);
	cr_assert_eq(b.n, 5, "%s", out);
	cr_assert_eq(b.msgs[0].cmd, XLB_CMD_CONFIG_SET);
	cr_assert_eq(b.msgs[0].cfg.mtu, TEST_MTU);
	cr_assert_eq(b.msgs[1].cmd, XLB_CMD_CONFIG_SET);
	cr_assert_eq(b.msgs[1].cfg.src4_plen, 28);
	cr_assert_eq(b.msgs[2].cmd, XLB_CMD_VIP_ADD);
	cr_assert_eq(memcmp(&b.msgs[2].vip.key, &vips.v[0].vip.key, sizeof(vips.v[0].vip.key)), 0);
	cr_assert_eq(b.msgs[2].vip.mode, XLB_MODE_L2DSR);
	for (unsigned int i = 0; i < 2; i++) {
		const struct xlb_ctl_msg *got = &b.msgs[3 + i], *want = &bes.v[i];

		cr_assert_eq(got->cmd, XLB_CMD_BACKEND_ADD);
		cr_assert_eq(memcmp(&got->be.addr, &want->be.addr, sizeof(want->be.addr)), 0);
		cr_assert_eq(got->be.port, want->be.port);
		cr_assert_eq(got->be.weight, want->be.weight);
		cr_assert_eq(got->be.flags, want->be.flags);
	}
	xlb_cli_batch__free(&b);
	xlb_msg_vec__free(&vips);
	xlb_msg_vec__free(&bes);
}

/* The sampling rate is saved right after the MTU and parses back; 0 (off)
 * is saved too, so a saved config turns sampling off where it was on. */
Test(save, sample_rate_parses_back)
{
	static const __u32 rates[] = {4, 0};
	struct xlb_msg_vec vips = {0}, bes = {0};
	struct xlb_ctl_msg cfg;
	struct xlb_cli_batch b;
	struct xlb_ctl_err e;
	char out[OUT_MAX], want[OUT_MAX];
	unsigned int i;
	FILE *f;

	for (i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		memset(out, 0, sizeof(out));
		memset(&cfg, 0, sizeof(cfg));
		cfg.cfg.mtu = TEST_MTU;
		cfg.cfg.sample_every = rates[i];
		xlb_ctl_msg__set(&cfg, XLB_A_SAMPLE_EVERY);
		f = fmemopen(out, sizeof(out) - 1, "w");
		xlb_show__save(f, &cfg, &vips, &bes);
		fclose(f);
		snprintf(want, sizeof(want), "config set mtu 1600\nconfig set sample %u\n",
			 rates[i]);
		cr_assert(strstr(out, want), "no \"%s\" in\n%s", want, out);
		f = text_file(out);
		cr_assert_eq(xlb_cli_batch__parse(f, "saved", &b, &e), 0, "%s\n%s", e.msg, out);
		fclose(f);
		cr_assert_eq(b.n, 2, "%s", out);
		cr_assert(xlb_ctl_msg__has(&b.msgs[1], XLB_A_SAMPLE_EVERY));
		cr_assert_eq(b.msgs[1].cfg.sample_every, rates[i]);
		xlb_cli_batch__free(&b);
	}
}

static void render(bool json, char *out, size_t len)
{
	struct xlb_msg_vec vips = {0}, bes = {0};
	struct xlb_ctl_msg cfg;
	FILE *f;

	sample_config(&cfg, &vips, &bes);
	memset(out, 0, len);
	f = fmemopen(out, len - 1, "w");
	print_start(f, json);
	xlb_show__vips(&vips, &bes);
	print_end();
	fclose(f);
	xlb_msg_vec__free(&vips);
	xlb_msg_vec__free(&bes);
}

Test(show, text_and_json_carry_the_same_facts)
{
	static const char *const facts[] = {
		"198.19.0.11:8080", "198.19.0.12", "l2dsr", "draining", "drain",
		"backup",	    "1234",	   "250",   "17"};
	char text[OUT_MAX], json[OUT_MAX], cmd[OUT_MAX + 64];
	FILE *py;

	render(false, text, sizeof(text));
	render(true, json, sizeof(json));
	for (unsigned int i = 0; i < sizeof(facts) / sizeof(facts[0]); i++) {
		cr_assert_not_null(strstr(text, facts[i]), "text lacks %s:\n%s", facts[i], text);
		cr_assert_not_null(strstr(json, facts[i]), "JSON lacks %s:\n%s", facts[i], json);
	}
	cr_assert_not_null(strstr(text, "TCP  198.18.1.10:80"), "%s", text);
	cr_assert_not_null(strstr(json, "\"pps\":17"), "%s", json);
	cr_assert_null(strstr(json, "\"bps\""), "absent rates are not invented: %s", json);

	/* The JSON is JSON: python's parser accepts it. */
	snprintf(cmd, sizeof(cmd), "python3 -c 'import json,sys; json.load(sys.stdin)'");
	py = popen(cmd, "w");
	cr_assert_not_null(py);
	fputs(json, py);
	cr_assert_eq(pclose(py), 0, "not valid JSON: %s", json);
}

Test(grammar, check_phrase)
{
	struct parsed p;

	expect_ok("backend add vip 198.18.1.10:80/tcp addr 198.19.0.11 check http path /x "
		  "expect 200-299,301 interval 500ms",
		  &p);
	cr_assert(xlb_ctl_msg__has(&p.cmd.msg, XLB_A_CHECK));
	cr_assert_eq(p.cmd.msg.check.type, XLB_CHECK_HTTP);
	cr_assert_str_eq(p.cmd.msg.check.path, "/x");
	cr_assert_eq(p.cmd.msg.check.nr_expect, 2);
	cr_assert_eq(p.cmd.msg.check.interval_ns, 500 * 1000000ULL);
	cr_assert_eq(p.cmd.msg.check.timeout_ns, 500 * 1000000ULL, "timeout shortened to fit");

	/* the phrase ends at the first word that is not its own */
	expect_ok(
		"backend add vip 198.18.1.10:80/tcp addr 198.19.0.11 check tcp port 8080 weight 5",
		&p);
	cr_assert_eq(p.cmd.msg.check.port, 8080);
	cr_assert_eq(p.cmd.msg.be.weight, 5);
	cr_assert_not(xlb_ctl_msg__has(&p.cmd.msg, XLB_A_BACKEND_PORT), "port went to the check");

	expect_ok("backend set vip 198.18.1.10:80/tcp addr 198.19.0.11 check none", &p);
	cr_assert(xlb_ctl_msg__has(&p.cmd.msg, XLB_A_CHECK));
	cr_assert_eq(p.cmd.msg.check.type, XLB_CHECK_NONE);

	expect_ok("vip add 198.18.1.10 port 80 proto tcp fail-open check grpc tls service s", &p);
	cr_assert_eq(p.cmd.msg.vip.fail_open, 1);
	cr_assert_eq(p.cmd.msg.check.type, XLB_CHECK_GRPC);
	cr_assert(p.cmd.msg.check.tls);
	cr_assert_str_eq(p.cmd.msg.check.service, "s");

	expect_ok("vip set 198.18.1.10:80/tcp fail-closed", &p);
	cr_assert(xlb_ctl_msg__has(&p.cmd.msg, XLB_A_FAIL_OPEN));
	cr_assert_eq(p.cmd.msg.vip.fail_open, 0);
	cr_assert_not(xlb_ctl_msg__has(&p.cmd.msg, XLB_A_MODE));

	expect_ok("vip set 198.18.1.10:80/tcp check script /bin/check arg a arg b", &p);
	cr_assert_eq(p.cmd.msg.check.nr_args, 2);

	expect_error("backend add vip 198.18.1.10:80/tcp addr 198.19.0.11 check tcp path /x",
		     "check: 'path' is not an option of tcp checks");
	expect_error("backend add vip 198.18.1.10:80/tcp addr 198.19.0.11 check http interval 5x",
		     "check: bad interval '5x'");
	expect_error("backend add vip 198.18.1.10:80/tcp addr 198.19.0.11 check",
		     "check: missing type");
	expect_error("backend add vip 198.18.1.10:80/tcp addr 198.19.0.11 check http timeout 3s",
		     "check: timeout 3s exceeds interval 2s");
	expect_error("backend add vip 198.18.1.10:80/tcp addr 198.19.0.11 check https ins",
		     "unknown word \"ins\"");
	expect_error("vip set 198.18.1.10:80/tcp fail-open fail-closed",
		     "\"fail-closed\" contradicts a word given before it");
	expect_error("vip set 198.18.1.10:80/tcp fail", "ambiguous word \"fail\"");
	expect_error("vip add 198.18.1.10 port 80 proto tcp check tcp check http",
		     "\"check\" given twice");

	parse("backend add check help", &p);
	cr_assert_eq(p.err, 0, "%s", p.e.msg);
	cr_assert_eq(p.cmd.action, XLB_CLI_HELP);
	cr_assert_not_null(strstr(p.help, "interval DURATION"), "%s", p.help);
}

Test(grammar, split_quoted_words)
{
	char line[] = "a \"b c\" \"d\\\"e\\\\f\" \"\" g";
	char open_quote[] = "a \"b c";
	char glued[] = "\"a\"b";
	char *argv[SPLIT_MAX];

	cr_assert_eq(xlb_cli__split(line, argv, SPLIT_MAX), 5);
	cr_assert_str_eq(argv[1], "b c");
	cr_assert_str_eq(argv[2], "d\"e\\f");
	cr_assert_str_eq(argv[3], "");
	cr_assert_str_eq(argv[4], "g");
	cr_assert_eq(xlb_cli__split(open_quote, argv, SPLIT_MAX), -EINVAL);
	cr_assert_eq(xlb_cli__split(glued, argv, SPLIT_MAX), -EINVAL);
}

/* Checks with awkward words (blanks, quotes, an empty argument) survive
 * save and the batch reader. */
Test(save, checks_parse_back_the_same)
{
	static const char *const words[][12] = {
		{"http", "path", "/r", "body", "all \"good\" here", "host", "a.test", "interval",
		 "500ms", NULL},
		{"script", "/usr/bin/check db", "arg", "", "arg", "two words", "arg", "back\\slash",
		 "rise", "5", NULL},
	};
	struct xlb_msg_vec vips = {0}, bes = {0};
	struct xlb_ctl_msg cfg, want[2];
	struct xlb_cli_batch b;
	struct xlb_ctl_err e;
	struct xlb_errmsg em;
	char out[OUT_MAX] = "";
	unsigned int i;
	FILE *f;

	sample_config(&cfg, &vips, &bes);
	for (i = 0; i < 2; i++) {
		int n = 0;

		while (words[i][n])
			n++;
		memset(&em, 0, sizeof(em));
		cr_assert_eq(xlb_check_spec__parse(&want[i].check, n, (char **)(uintptr_t)words[i],
						   NULL, &em),
			     0, "%s", em.text);
	}
	vips.v[0].check = want[0].check;
	vips.v[0].vip.fail_open = 1;
	xlb_ctl_msg__set(&vips.v[0], XLB_A_CHECK);
	bes.v[1].check = want[1].check;
	xlb_ctl_msg__set(&bes.v[1], XLB_A_CHECK);
	f = fmemopen(out, sizeof(out) - 1, "w");
	xlb_show__save(f, &cfg, &vips, &bes);
	fclose(f);

	f = text_file(out);
	cr_assert_eq(xlb_cli_batch__parse(f, "saved", &b, &e), 0, "%s\n%s", e.msg, out);
	fclose(f);
	cr_assert_eq(b.n, 5, "%s", out);
	cr_assert_eq(b.msgs[2].vip.fail_open, 1, "%s", out);
	cr_assert_eq(memcmp(&b.msgs[2].check, &want[0].check, sizeof(want[0].check)), 0, "%s", out);
	cr_assert_not(xlb_ctl_msg__has(&b.msgs[3], XLB_A_CHECK), "%s", out);
	cr_assert_eq(memcmp(&b.msgs[4].check, &want[1].check, sizeof(want[1].check)), 0, "%s", out);
	xlb_cli_batch__free(&b);
	xlb_msg_vec__free(&vips);
	xlb_msg_vec__free(&bes);
}

/* A word starting with '#' would start a comment where save's words are
 * read back (a batch or config line, the state file): it is quoted. */
Test(save, a_word_starting_with_a_hash_is_quoted)
{
	static const char *const words[][SPLIT_MAX] = {
		{"http", "body", "#ok"},
		{"script", "/bin/check", "arg", "#1"},
	};
	struct xlb_check_spec want, got;
	char line[XLB_CLI_LINE_MAX], *argv[SPLIT_MAX];
	unsigned int i;
	int argc, n;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		n = 0;
		while (words[i][n])
			n++;
		cr_assert_eq(
			xlb_check_spec__parse(&want, n, (char **)(uintptr_t)words[i], NULL, NULL),
			0);
		cr_assert_eq(xlb_check_spec__format(&want, line, sizeof(line)), 0);
		argc = xlb_cli__split(line, argv, SPLIT_MAX);
		cr_assert_eq(argc, n, "\"%s\" split into %d words", line, argc);
		cr_assert_eq(xlb_check_spec__parse(&got, argc, argv, NULL, NULL), 0, "%s", line);
		cr_assert_eq(memcmp(&want, &got, sizeof(want)), 0, "%s", line);
	}
}

Test(show, check_state_reason_time_and_latency)
{
	static const char *const facts[] = {"http 503", "maintenance", "3m25s", "4.3ms", "unknown"};
	struct xlb_msg_vec vips = {0}, bes = {0};
	struct xlb_ctl_check_status *hc;
	struct xlb_ctl_msg cfg;
	char text[OUT_MAX], json[OUT_MAX];
	FILE *f;
	int k;

	for (k = 0; k < 2; k++) {
		sample_config(&cfg, &vips, &bes);
		hc = &bes.v[1].hc;
		hc->type = XLB_CTL_CHECK_HTTP;
		hc->in_state_ms = 205123;
		hc->latency_us = 4321;
		strcpy(hc->text, "http 503");
		strcpy(hc->reason, "http_status");
		strcpy(hc->output, "maintenance");
		hc->present = (1U << XLB_CHST__MAX) - 2;
		xlb_ctl_msg__set(&bes.v[1], XLB_A_CHECK_STATUS);
		bes.v[0].be.health = XLB_HEALTH_UNKNOWN;
		memset(k ? json : text, 0, OUT_MAX);
		f = fmemopen(k ? json : text, OUT_MAX - 1, "w");
		print_start(f, k);
		xlb_show__backends(&bes);
		print_end();
		fclose(f);
		xlb_msg_vec__free(&vips);
		xlb_msg_vec__free(&bes);
	}
	for (unsigned int i = 0; i < sizeof(facts) / sizeof(facts[0]); i++)
		cr_assert_not_null(strstr(text, facts[i]), "text lacks %s:\n%s", facts[i], text);
	cr_assert_not_null(strstr(json, "\"last\":\"http 503\""), "%s", json);
	cr_assert_not_null(strstr(json, "\"last_reason\":\"http_status\""), "%s", json);
	cr_assert_not_null(strstr(json, "\"in_state_ms\":205123"), "%s", json);
	cr_assert_not_null(strstr(json, "\"latency_us\":4321"), "%s", json);
	cr_assert_not_null(strstr(json, "\"check\":\"http\""), "%s", json);
	cr_assert_not_null(strstr(text, "Last check"), "%s", text);
}

/* Runs the real xlbctl with args against a listening socket; returns its
 * exit status and stderr, and whether it connected. */
static int run_xlbctl(const char *const *args, char *err, size_t errlen, bool *connected)
{
	char self[512], bin[600], sock[108];
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	const char *argv[MAX_ARGS];
	int lfd, pipefd[2], status, n = 0;
	struct pollfd pfd;
	ssize_t len;
	pid_t pid;

	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	cr_assert_gt(len, 0);
	self[len] = '\0';
	snprintf(bin, sizeof(bin), "%s/%s", dirname(self), XLBCTL_REL);
	cr_assert_eq(access(bin, X_OK), 0, "%s not built", bin);

	snprintf(sock, sizeof(sock), "/tmp/xlbt-cli-%d.sock", getpid());
	memcpy(sun.sun_path, sock, sizeof(sock));
	unlink(sock);
	lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0);
	cr_assert_geq(lfd, 0);
	cr_assert_eq(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	cr_assert_eq(listen(lfd, 1), 0);

	argv[n++] = bin;
	argv[n++] = "-s";
	argv[n++] = sock;
	for (; *args; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	cr_assert_eq(pipe(pipefd), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (!pid) {
		dup2(pipefd[1], STDERR_FILENO);
		execv(bin, (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	close(pipefd[1]);
	len = read(pipefd[0], err, errlen - 1);
	err[len > 0 ? len : 0] = '\0';
	close(pipefd[0]);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	pfd = (struct pollfd){.fd = lfd, .events = POLLIN};
	*connected = poll(&pfd, 1, 0) > 0;
	close(lfd);
	unlink(sock);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

Test(binary, bad_input_one_line_nonzero_nothing_sent)
{
	static const char *const cases[][8] = {
		{"vip", "add", "198.18.1.10", "port", "80", NULL},
		{"s", NULL},
		{"backend", "add", "vip", "198.18.1.10:80/tcp", "addr", "198.19.0.11", "weight",
		 "70000"},
		{"nonsense", NULL},
		{"flow", "get", "198.18.0.1:1", NULL},
	};
	char err[OUT_MAX];
	bool connected;

	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = run_xlbctl(cases[i], err, sizeof(err), &connected);

		cr_assert_neq(rc, 0, "case %u exited 0", i);
		cr_assert_not(connected, "case %u connected to the daemon", i);
		cr_assert_eq(strchr(err, '\n'), err + strlen(err) - 1, "case %u: not one line: %s",
			     i, err);
		cr_assert_eq(strncmp(err, "xlbctl: ", strlen("xlbctl: ")), 0, "%s", err);
	}
}

Test(binary, bad_batch_names_file_and_line_and_sends_nothing)
{
	char path[64], err[OUT_MAX];
	const char *args[] = {"-b", path, NULL};
	bool connected;
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/xlbt-cli-%d.batch", getpid());
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("vip add 198.18.1.10 port 80 proto tcp\n# fine so far\nvip add 198.18.1.11 port 80 "
	      "proto tcp mode bogus\n",
	      f);
	fclose(f);
	cr_assert_neq(run_xlbctl(args, err, sizeof(err), &connected), 0);
	unlink(path);
	cr_assert_not(connected);
	cr_assert_not_null(strstr(err, ":3: unknown MODE \"bogus\""), "%s", err);
	cr_assert_eq(strchr(err, '\n'), err + strlen(err) - 1, "not one line: %s", err);
}

/* A keyword whose phrase its own parser reads (how `check ...` plugs in):
 * it takes words up to "end" and the table goes on after them. */
static int rest_words;

static int take_until_end(struct cli_state *st, int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		if (!strcmp(argv[i], "end")) {
			rest_words = i;
			return i + 1;
		}
	return xlb_ctl_err__set(st->e, -EINVAL, "phrase without \"end\"");
}

static int set_weight(struct cli_state *st, const char *arg)
{
	st->cmd->msg.be.weight = atoi(arg);
	return 0;
}

static const struct cli_token t_phrase[] = {
	{.type = CLI_T_KEYWORD, .word = "check", .rest = take_until_end, .help = "a phrase"},
	{.type = CLI_T_KEYWORD, .word = "weight", .value = "W", .fn = set_weight, .help = "n"},
	{.type = CLI_T_END},
	{.type = CLI_T_NONE},
};

Test(grammar, keyword_with_a_phrase_of_its_own)
{
	char w0[] = "check", w1[] = "http", w2[] = "path", w3[] = "/h", w4[] = "end",
	     w5[] = "weight", w6[] = "7";
	char *argv[] = {w0, w1, w2, w3, w4, w5, w6};
	struct xlb_cli_cmd cmd = {0};
	struct xlb_ctl_err e = {0};
	struct cli_state st = {.cmd = &cmd, .e = &e};

	cr_assert_eq(cli_run(&st, t_phrase, 7, argv), 0, "%s", e.msg);
	cr_assert_eq(rest_words, 3);
	cr_assert_eq(cmd.msg.be.weight, 7, "the words after the phrase are parsed");
	memset(&st, 0, sizeof(st));
	st.cmd = &cmd;
	st.e = &e;
	cr_assert_eq(cli_run(&st, t_phrase, 4, argv), -EINVAL);
	cr_assert_str_eq(e.msg, "phrase without \"end\"");
}

/* Source ACL, rate limits and the flow budget. */

#define RL_PPS	 1000
#define RL_BURST 2000
#define RL_FLOWS 100
#define RL_FB	 50
#define RL_P4	 24
#define RL_P6	 48
#define RL_TOP	 5
#define BUDGET	 5000

Test(grammar, acl_ratelimit_and_budget)
{
	struct parsed p;
	struct xlb_ctl_msg *m = &p.cmd.msg;

	expect_ok("acl add deny 198.18.7.0/24", &p);
	cr_assert_eq(p.cmd.action, XLB_CLI_REQUEST);
	cr_assert_eq(m->cmd, XLB_CMD_ACL_ADD);
	cr_assert_eq(m->prefix.family, XLB_AF_INET);
	cr_assert_eq(m->prefix.plen, 24);
	cr_assert_eq(m->prefix.action, XLB_ACL_DENY);
	cr_assert_eq(m->prefix.addr.a[0], v4("198.18.7.0").a[0]);
	cr_assert(xlb_ctl_msg__has(m, XLB_A_ACL_ACTION));
	cr_assert_not(xlb_ctl_msg__has(m, XLB_A_VIP_ADDR), "the global list");

	expect_ok("acl add allow 2001:2::/48 vip [2001:2:1::10]:80/tcp", &p);
	cr_assert_eq(m->prefix.family, XLB_AF_INET6);
	cr_assert_eq(m->prefix.plen, 48);
	cr_assert_eq(m->prefix.action, XLB_ACL_ALLOW);
	cr_assert(xlb_ctl_msg__has(m, XLB_A_VIP_ADDR));
	cr_assert_eq(m->vip.key.port, VIP_PORT);

	expect_ok("acl d al 198.18.0.3", &p);
	cr_assert_eq(m->cmd, XLB_CMD_ACL_DEL);
	cr_assert_eq(m->prefix.plen, 32, "an address alone is a /32");
	cr_assert_eq(m->prefix.action, XLB_ACL_ALLOW);

	expect_ok("acl show vip 198.18.1.10:80/tcp", &p);
	cr_assert_eq(p.cmd.action, XLB_CLI_ACL_SHOW);
	cr_assert_eq(m->cmd, XLB_CMD_ACL_GET);
	cr_assert(xlb_ctl_msg__has(m, XLB_A_VIP_ADDR));

	expect_ok("ratelimit set vip 198.18.1.10:80/tcp pps 1000 burst 2000 flows 100 burst 50 "
		  "prefix4 24 prefix6 48",
		  &p);
	cr_assert_eq(m->cmd, XLB_CMD_RATELIMIT_SET);
	cr_assert_eq(m->rl.pps, RL_PPS);
	cr_assert_eq(m->rl.pps_burst, RL_BURST);
	cr_assert_eq(m->rl.flows, RL_FLOWS);
	cr_assert_eq(m->rl.flows_burst, RL_FB);
	cr_assert_eq(m->rl.plen4, RL_P4);
	cr_assert_eq(m->rl.plen6, RL_P6);
	cr_assert(xlb_ctl_msg__has(m, XLB_A_VIP_ADDR));

	/* each burst belongs to the limit before it; missing ones are the daemon's */
	expect_ok("ratelimit set flows 100 burst 50 pps 1000", &p);
	cr_assert_eq(m->rl.flows_burst, RL_FB);
	cr_assert(xlb_ctl_msg__has(m, XLB_A_RL_FLOWS_BURST));
	cr_assert_not(xlb_ctl_msg__has(m, XLB_A_RL_PPS_BURST));
	cr_assert_not(xlb_ctl_msg__has(m, XLB_A_RL_PLEN4));

	expect_ok("ratelimit set vip 198.18.1.10:80/tcp pps 0 flows 0", &p);
	cr_assert(xlb_ctl_msg__has(m, XLB_A_RL_PPS) && xlb_ctl_msg__has(m, XLB_A_RL_FLOWS));
	cr_assert_eq(m->rl.pps + m->rl.flows, 0);

	expect_ok("ratelimit d", &p);
	cr_assert_eq(m->cmd, XLB_CMD_RATELIMIT_DEL);
	expect_ok("ratelimit sh vip [2001:2:1::10]:80/tcp", &p);
	cr_assert_eq(p.cmd.action, XLB_CLI_RATELIMIT_SHOW);
	expect_ok("ratelimit top", &p);
	cr_assert_eq(p.cmd.action, XLB_CLI_RATELIMIT_TOP);
	cr_assert_eq(m->rl.top_max, XLB_RL_TOP_DEFAULT);
	expect_ok("ratelimit top count 5", &p);
	cr_assert_eq(m->rl.top_max, RL_TOP);

	expect_ok("config set flow-budget 5000", &p);
	cr_assert_eq(m->cmd, XLB_CMD_CONFIG_SET);
	cr_assert_eq(m->cfg.flow_budget, BUDGET);
	cr_assert(xlb_ctl_msg__has(m, XLB_A_FLOW_BUDGET));
	expect_ok("config set flow-budget 0", &p);
	cr_assert(xlb_ctl_msg__has(m, XLB_A_FLOW_BUDGET), "0: no limit, still a change");

	expect_ok("config set sample 4", &p);
	cr_assert_eq(m->cmd, XLB_CMD_CONFIG_SET);
	cr_assert_eq(m->cfg.sample_every, 4);
	cr_assert(xlb_ctl_msg__has(m, XLB_A_SAMPLE_EVERY));
	cr_assert_not(xlb_ctl_msg__has(m, XLB_A_MTU));
	expect_ok("config set sa 0", &p);
	cr_assert(xlb_ctl_msg__has(m, XLB_A_SAMPLE_EVERY), "0: off, still a change");
	cr_assert_eq(m->cfg.sample_every, 0);
	expect_ok("config set mtu 1600 sample 4294967295", &p);
	cr_assert_eq(m->cfg.sample_every, UINT32_MAX);
	cr_assert_eq(m->cfg.mtu, 1600);
}

Test(grammar, acl_ratelimit_and_budget_errors)
{
	expect_error("acl add deny 198.18.0.1/24",
		     "bad PREFIX \"198.18.0.1/24\": bits set past /24");
	expect_error("acl add deny 2001:2::1/64", "bits set past /64");
	expect_error("acl add deny 198.18.0.0/33", "bad PREFIX \"198.18.0.0/33\"");
	expect_error("acl add deny 198.18.0", "bad PREFIX \"198.18.0\"");
	expect_error("acl add deny", "missing PREFIX after \"deny\"");
	expect_error("acl add", "missing word in \"acl add\": expected deny, allow");
	expect_error("acl add permit 198.18.0.0/24", "unknown word \"permit\"");
	expect_error("acl add allow 2001:2::/64 vip 198.18.1.10:80/tcp",
		     "prefix 2001:2::/64 is IPv6 but the VIP is IPv4");
	expect_error("acl add deny 198.18.0.0/24 vip 198.18.1.10", "bad VIP \"198.18.1.10\"");
	expect_error("acl add deny 198.18.0.0/24 vip 198.18.1.10:80/tcp vip 198.18.1.10:81/tcp",
		     "\"vip\" given twice");
	expect_error("acl show vip", "missing VIP after \"vip\"");
	expect_error("acl frob", "unknown word \"frob\" in \"acl\"");
	expect_error("ratelimit set", "missing \"pps N or flows N\" in \"ratelimit set\"");
	expect_error("ratelimit set vip 198.18.1.10:80/tcp", "missing \"pps N or flows N\"");
	expect_error("ratelimit set pps 10 burst 0", "bad B \"0\"");
	expect_error("ratelimit set pps 0 burst 5", "the pps limit is 0 (off)");
	expect_error("ratelimit set flows 0 burst 5", "the flows limit is 0 (off)");
	expect_error("ratelimit set pps 1000000001", "bad N \"1000000001\"");
	expect_error("ratelimit set pps -1", "bad N \"-1\"");
	expect_error("ratelimit set pps 5 pps 6", "\"pps\" given twice");
	expect_error("ratelimit set flows 5 burst 1 flows 6", "\"flows\" given twice");
	expect_error("ratelimit set pps 5 burst 2 burst 3", "unknown word \"burst\"");
	expect_error("ratelimit set burst 3", "unknown word \"burst\"");
	expect_error("ratelimit set p 5",
		     "ambiguous word \"p\" in \"ratelimit set\": pps, prefix4, "
		     "prefix6");
	expect_error("ratelimit set pps 5 prefix4 33", "bad LEN \"33\"");
	expect_error("ratelimit set pps 5 prefix6 129", "bad LEN \"129\"");
	expect_error("ratelimit set pps 5 prefix4", "missing LEN after \"prefix4\"");
	expect_error("ratelimit top count 0", "bad N \"0\"");
	expect_error("ratelimit top count 10001", "bad N \"10001\"");
	expect_error("ratelimit top count 1 count 2", "\"count\" given twice");
	expect_error("ratelimit del vip", "missing VIP after \"vip\"");
	expect_error("ratelimit del 198.18.1.10:80/tcp", "unknown word \"198.18.1.10:80/tcp\"");
	expect_error("ratelimit frob", "unknown word \"frob\" in \"ratelimit\"");
	expect_error("config set flow-budget -1", "bad N \"-1\"");
	expect_error("config set flow-budget 1000000001", "bad N \"1000000001\"");
	expect_error("config set sample -1", "bad N \"-1\"");
	expect_error("config set sample 4294967296", "bad N \"4294967296\"");
	expect_error("config set sample", "missing N after \"sample\"");
	expect_error("config set sample 2 sample 3", "\"sample\" given twice");
	expect_error("config set s 1", "ambiguous word \"s\" in \"config set\": source, sample");
}

/* A reply of cmd for the save and show tests. */
static void guard_msg(struct xlb_ctl_msg *m, enum xlb_cmd cmd, const char *vip)
{
	memset(m, 0, sizeof(*m));
	m->cmd = cmd;
	if (!vip)
		return;
	cr_assert_eq(xlb_vip_key__parse(vip, &m->vip.key), 0);
	xlb_ctl_msg__set_vip_key(m);
}

static void guard_acl(struct xlb_msg_vec *v, const char *vip, const char *prefix, __u8 action)
{
	struct xlb_ctl_msg m;
	unsigned int plen;

	guard_msg(&m, XLB_CMD_ACL_GET, vip);
	cr_assert_eq(xlb_prefix__parse(prefix, &m.prefix.addr, &m.prefix.family, &plen), 0);
	m.prefix.plen = plen;
	m.prefix.action = action;
	cr_assert_eq(xlb_msg_vec__push(&m, v), 0);
}

static void guard_sample(struct xlb_ctl_msg *cfg, struct xlb_msg_vec *rls, struct xlb_msg_vec *acls)
{
	struct xlb_ctl_msg m;

	memset(cfg, 0, sizeof(*cfg));
	cfg->cfg.flow_budget = BUDGET;
	xlb_ctl_msg__set(cfg, XLB_A_FLOW_BUDGET);
	/* out of order: the listing and save sort them */
	guard_msg(&m, XLB_CMD_RATELIMIT_GET, "198.18.1.10:80/tcp");
	m.rl = (struct xlb_ctl_ratelimit){.plen4 = 32, .plen6 = 64}; /* exempt */
	cr_assert_eq(xlb_msg_vec__push(&m, rls), 0);
	guard_msg(&m, XLB_CMD_RATELIMIT_GET, NULL);
	m.rl = (struct xlb_ctl_ratelimit){.pps = RL_PPS,
					  .pps_burst = RL_BURST,
					  .flows = RL_FLOWS,
					  .flows_burst = RL_FB,
					  .plen4 = RL_P4,
					  .plen6 = RL_P6};
	cr_assert_eq(xlb_msg_vec__push(&m, rls), 0);
	guard_acl(acls, "198.18.1.10:80/tcp", "198.18.0.3/32", XLB_ACL_ALLOW);
	guard_acl(acls, NULL, "2001:2::4/126", XLB_ACL_DENY);
	guard_acl(acls, NULL, "198.18.0.4/30", XLB_ACL_DENY);
	guard_acl(acls, NULL, "198.18.0.5/32", XLB_ACL_ALLOW);
}

Test(save, guard_parses_back_into_the_same_requests)
{
	struct xlb_msg_vec rls = {0}, acls = {0};
	struct xlb_ctl_msg cfg;
	struct xlb_cli_batch b;
	struct xlb_ctl_err e;
	char out[OUT_MAX] = "";
	const struct xlb_ctl_msg *m;
	FILE *f;

	guard_sample(&cfg, &rls, &acls);
	f = fmemopen(out, sizeof(out) - 1, "w");
	xlb_show__save_guard(f, &cfg, &rls, &acls);
	fclose(f);
	cr_assert_str_eq(out, "config set flow-budget 5000\n"
			      "ratelimit set pps 1000 burst 2000 flows 100 burst 50 prefix4 24 "
			      "prefix6 48\n"
			      "ratelimit set vip 198.18.1.10:80/tcp pps 0 flows 0 prefix4 32 "
			      "prefix6 64\n"
			      "acl add deny 198.18.0.4/30\n"
			      "acl add allow 198.18.0.5/32\n"
			      "acl add deny 2001:2::4/126\n"
			      "acl add allow 198.18.0.3/32 vip 198.18.1.10:80/tcp\n");

	f = text_file(out);
	cr_assert_eq(xlb_cli_batch__parse(f, "saved", &b, &e), 0, "%s\n%s", e.msg, out);
	fclose(f);
	cr_assert_eq(b.n, 7, "%s", out);
	cr_assert_eq(b.msgs[0].cfg.flow_budget, BUDGET);
	m = &b.msgs[1];
	cr_assert_eq(m->cmd, XLB_CMD_RATELIMIT_SET);
	cr_assert_eq(memcmp(&m->rl, &rls.v[0].rl, sizeof(m->rl)), 0, "global limits");
	m = &b.msgs[2];
	cr_assert_eq(memcmp(&m->vip.key, &rls.v[1].vip.key, sizeof(m->vip.key)), 0);
	cr_assert_eq(m->rl.pps + m->rl.flows, 0, "the exemption");
	for (unsigned int i = 0; i < acls.n; i++) {
		m = &b.msgs[3 + i];
		cr_assert_eq(m->cmd, XLB_CMD_ACL_ADD);
		cr_assert_eq(memcmp(&m->prefix, &acls.v[i].prefix, sizeof(m->prefix)), 0,
			     "entry %u", i);
		cr_assert_eq(xlb_ctl_msg__has(m, XLB_A_VIP_ADDR),
			     xlb_ctl_msg__has(&acls.v[i], XLB_A_VIP_ADDR));
	}
	xlb_cli_batch__free(&b);
	xlb_msg_vec__free(&rls);
	xlb_msg_vec__free(&acls);
}

/* The three guard listings, as text or JSON. */
static void render_guard(bool json, char *out, size_t len)
{
	struct xlb_msg_vec rls = {0}, acls = {0}, top = {0};
	struct xlb_ctl_msg cfg, m;
	FILE *f;

	guard_sample(&cfg, &rls, &acls);
	guard_msg(&m, XLB_CMD_RATELIMIT_TOP, NULL);
	cr_assert_eq(xlb_prefix__parse("198.18.0.2", &m.prefix.addr, &m.prefix.family,
				       &(unsigned int){0}),
		     0);
	m.prefix.plen = 32;
	m.cnt.rl_pps_drops = 35907;
	m.rl.last_drop_ms = 2853;
	cr_assert_eq(xlb_msg_vec__push(&m, &top), 0);
	memset(out, 0, len);
	f = fmemopen(out, len - 1, "w");
	print_start(f, json);
	open_json_array(NULL);
	xlb_show__acl(&acls);
	xlb_show__ratelimits(&rls);
	xlb_show__top(&top);
	close_json_array();
	print_end();
	fclose(f);
	xlb_msg_vec__free(&rls);
	xlb_msg_vec__free(&acls);
	xlb_msg_vec__free(&top);
}

Test(show, guard_text_and_json_carry_the_same_facts)
{
	static const char *const facts[] = {"198.18.0.4/30", "2001:2::4/126", "deny",
					    "allow",	     "global",	      "198.18.1.10:80/tcp",
					    "2000",	     "198.18.0.2/32", "35907"};
	char text[OUT_MAX], json[OUT_MAX];
	FILE *py;

	render_guard(false, text, sizeof(text));
	render_guard(true, json, sizeof(json));
	for (unsigned int i = 0; i < sizeof(facts) / sizeof(facts[0]); i++) {
		cr_assert_not_null(strstr(text, facts[i]), "text lacks %s:\n%s", facts[i], text);
		cr_assert_not_null(strstr(json, facts[i]), "JSON lacks %s:\n%s", facts[i], json);
	}
	cr_assert_not_null(strstr(text, "2.853s ago"), "%s", text);
	cr_assert_not_null(strstr(text, "off"), "an exemption reads as off: %s", text);
	cr_assert_not_null(strstr(json, "\"last_drop_ms\":2853"), "%s", json);
	cr_assert_not_null(strstr(json, "\"pps\":0"), "%s", json);
	py = popen("python3 -c 'import json,sys; json.load(sys.stdin)'", "w");
	cr_assert_not_null(py);
	fputs(json, py);
	cr_assert_eq(pclose(py), 0, "not valid JSON: %s", json);
}

Test(binary, guard_bad_input_one_line_nonzero_nothing_sent)
{
	static const char *const cases[][12] = {
		{"acl", "add", "deny", "198.18.0.1/24", NULL},
		{"acl", "add", "allow", "2001:2::/64", "vip", "198.18.1.10:80/tcp", NULL},
		{"ratelimit", "set", "pps", "0", "burst", "5", NULL},
		{"ratelimit", "set", NULL},
		{"ratelimit", "top", "count", "0", NULL},
		{"config", "set", "flow-budget", "x", NULL},
	};
	char err[OUT_MAX];
	bool connected;

	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = run_xlbctl(cases[i], err, sizeof(err), &connected);

		cr_assert_neq(rc, 0, "case %u exited 0", i);
		cr_assert_not(connected, "case %u connected to the daemon", i);
		cr_assert_eq(strchr(err, '\n'), err + strlen(err) - 1, "case %u: not one line: %s",
			     i, err);
		cr_assert_eq(strncmp(err, "xlbctl: ", strlen("xlbctl: ")), 0, "%s", err);
	}
}

/* `announce on|off` (docs/scale-out.md): parsed on vip add and vip set,
 * shown in both outputs, and saved only when off (on is the default). */
Test(grammar, announce)
{
	struct xlb_msg_vec vips = {0}, bes = {0};
	char out[OUT_MAX] = "", json[OUT_MAX] = "";
	struct xlb_ctl_msg cfg = {0};
	struct xlb_cli_batch b;
	struct xlb_ctl_err e;
	struct parsed p;
	FILE *f;

	expect_ok("vip set 198.18.1.10:80/tcp announce off", &p);
	cr_assert_eq(p.cmd.msg.cmd, XLB_CMD_VIP_SET);
	cr_assert(xlb_ctl_msg__has(&p.cmd.msg, XLB_A_ANNOUNCE));
	cr_assert_not(xlb_ctl_msg__has(&p.cmd.msg, XLB_A_MODE));
	cr_assert_eq(p.cmd.msg.vip.announce, 0);
	expect_ok("vip set 198.18.1.10:80/tcp ann on", &p);
	cr_assert_eq(p.cmd.msg.vip.announce, 1);
	expect_ok("vip add 198.18.1.10 port 80 proto tcp announce off", &p);
	cr_assert(xlb_ctl_msg__has(&p.cmd.msg, XLB_A_ANNOUNCE));
	cr_assert_eq(p.cmd.msg.vip.announce, 0);
	expect_ok("vip add 198.18.1.10 port 80 proto tcp", &p);
	cr_assert_not(xlb_ctl_msg__has(&p.cmd.msg, XLB_A_ANNOUNCE), "left to the daemon");
	expect_error("vip set 198.18.1.10:80/tcp announce maybe", "maybe");
	expect_error("vip set 198.18.1.10:80/tcp announce off announce on", "given twice");
	expect_error("vip set 198.18.1.10:80/tcp announce", "missing on|off");

	cfg.cfg.mtu = TEST_MTU;
	cfg.cfg.announce_table = 200;
	xlb_ctl_msg__set(&cfg, XLB_A_MTU);
	xlb_ctl_msg__set(&cfg, XLB_A_ANNOUNCE_TABLE);
	memset(&p.cmd.msg, 0, sizeof(p.cmd.msg));
	cr_assert_eq(xlb_vip_key__parse("198.18.1.10:80/tcp", &p.cmd.msg.vip.key), 0);
	xlb_ctl_msg__set_vip_key(&p.cmd.msg);
	p.cmd.msg.vip.announce_state = XLB_ANNOUNCE_WITHDRAWN;
	xlb_ctl_msg__set(&p.cmd.msg, XLB_A_ANNOUNCE);
	xlb_ctl_msg__set(&p.cmd.msg, XLB_A_ANNOUNCE_STATE);
	cr_assert_eq(xlb_msg_vec__push(&p.cmd.msg, &vips), 0);
	cr_assert_eq(xlb_vip_key__parse("198.18.1.11:80/tcp", &p.cmd.msg.vip.key), 0);
	p.cmd.msg.vip.announce = 1;
	p.cmd.msg.vip.announce_state = XLB_ANNOUNCE_NOT_READY;
	cr_assert_eq(xlb_msg_vec__push(&p.cmd.msg, &vips), 0);

	f = fmemopen(out, sizeof(out) - 1, "w");
	print_start(f, false);
	xlb_show__vips(&vips, &bes);
	xlb_show__config(&cfg);
	print_end();
	fclose(f);
	cr_assert_not_null(strstr(out, "Announce"), "%s", out);
	cr_assert_not_null(strstr(out, "withdrawn"), "%s", out);
	cr_assert_not_null(strstr(out, "not-ready"), "%s", out);
	cr_assert_not_null(strstr(out, "announce table 200"), "%s", out);
	f = fmemopen(json, sizeof(json) - 1, "w");
	print_start(f, true);
	xlb_show__vips(&vips, &bes);
	print_end();
	fclose(f);
	cr_assert_not_null(strstr(json, "\"announce\":false,\"announce_state\":\"withdrawn\""),
			   "%s", json);
	cr_assert_not_null(strstr(json, "\"announce\":true,\"announce_state\":\"not_ready\""), "%s",
			   json);

	memset(out, 0, sizeof(out));
	f = fmemopen(out, sizeof(out) - 1, "w");
	xlb_show__save(f, &cfg, &vips, &bes);
	fclose(f);
	cr_assert_not_null(strstr(out, "vip add 198.18.1.10:80/tcp mode ipip announce off\n"), "%s",
			   out);
	cr_assert_not_null(strstr(out, "vip add 198.18.1.11:80/tcp mode ipip\n"), "%s", out);
	f = text_file(out);
	cr_assert_eq(xlb_cli_batch__parse(f, "saved", &b, &e), 0, "%s\n%s", e.msg, out);
	fclose(f);
	cr_assert_eq(b.n, 3, "%s", out);
	cr_assert(xlb_ctl_msg__has(&b.msgs[1], XLB_A_ANNOUNCE));
	cr_assert_eq(b.msgs[1].vip.announce, 0);
	cr_assert_not(xlb_ctl_msg__has(&b.msgs[2], XLB_A_ANNOUNCE));
	xlb_cli_batch__free(&b);
	xlb_msg_vec__free(&vips);
}
