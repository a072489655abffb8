// SPDX-License-Identifier: MIT
/*
 * `xlbctl top`'s screen without a daemon or a terminal: snapshots made by
 * hand, rendered to lines; the first refresh shows counters and no rates,
 * the next the counters' change over the time between the two, "-" where a
 * counter went back or its object was re-created; drops by reason, only
 * those that dropped something, hidden when asked; backends under their
 * VIP; and `top`'s words in the grammar.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <criterion/criterion.h>

#include "addr.h"
#include "check_spec.h"
#include "cli.h"
#include "top_view.h"

#define FIELDS_MAX 16
#define FIELD_LEN  48
#define T0_NS	   (10 * XLB_NSEC_PER_SEC)
#define DT_NS	   (2 * XLB_NSEC_PER_SEC)
#define ARGS_MAX   16

static const char vip_a[] = "198.18.1.10:80/tcp";
static const char vip_b[] = "198.18.1.11:53/udp";

static void add_vip(struct xlb_top_snap *s, const char *key, __u32 id, __u64 packets, __u64 bytes,
		    __u64 new_flows, __u64 drops)
{
	struct xlb_ctl_msg m;

	memset(&m, 0, sizeof(m));
	cr_assert_eq(xlb_vip_key__parse(key, &m.vip.key), 0);
	m.vip.id = id;
	m.cnt.packets = packets;
	m.cnt.bytes = bytes;
	m.cnt.new_flows = new_flows;
	m.cnt.drops = drops;
	cr_assert_eq(xlb_msg_vec__push(&m, &s->vips), 0);
}

static void add_backend(struct xlb_top_snap *s, const char *key, const char *addr, __u32 id,
			__u64 packets, __u64 bytes)
{
	struct xlb_ctl_msg m;
	__u8 family;

	memset(&m, 0, sizeof(m));
	cr_assert_eq(xlb_vip_key__parse(key, &m.vip.key), 0);
	cr_assert_eq(xlb_addr__parse(addr, &m.be.addr, &family), 0);
	m.be.id = id;
	m.be.weight = 100;
	m.be.state = XLB_BE_ACTIVE;
	m.be.health = XLB_HEALTH_UP;
	m.cnt.packets = packets;
	m.cnt.bytes = bytes;
	cr_assert_eq(xlb_msg_vec__push(&m, &s->backends), 0);
}

static void add_stat(struct xlb_top_snap *s, __u32 id, const char *name, __u64 packets)
{
	struct xlb_ctl_msg m;

	memset(&m, 0, sizeof(m));
	m.stat.id = id;
	snprintf(m.stat.name, sizeof(m.stat.name), "%s", name);
	xlb_ctl_msg__set(&m, XLB_A_STAT_ID);
	m.cnt.packets = packets;
	cr_assert_eq(xlb_msg_vec__push(&m, &s->stats), 0);
}

/* The whitespace-separated words of the first line starting with prefix
 * (after leading blanks); returns their count, 0 if no line. */
static int row(const struct xlb_top_lines *l, const char *prefix, char f[FIELDS_MAX][FIELD_LEN])
{
	char copy[XLB_TOP_LINE_MAX], *save = NULL, *w;
	size_t i;
	int n = 0;

	for (i = 0; i < l->n; i++) {
		const char *t = l->text[i] + strspn(l->text[i], " ");

		if (strncmp(t, prefix, strlen(prefix)))
			continue;
		snprintf(copy, sizeof(copy), "%s", t);
		for (w = strtok_r(copy, " ", &save); w && n < FIELDS_MAX;
		     w = strtok_r(NULL, " ", &save))
			snprintf(f[n++], FIELD_LEN, "%s", w);
		return n;
	}
	return 0;
}

static bool has_line(const struct xlb_top_lines *l, const char *text)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strstr(l->text[i], text))
			return true;
	return false;
}

static void snaps(struct xlb_top_snap *prev, struct xlb_top_snap *cur)
{
	memset(prev, 0, sizeof(*prev));
	memset(cur, 0, sizeof(*cur));
	prev->at_ns = T0_NS;
	cur->at_ns = T0_NS + DT_NS;
}

static void free_all(struct xlb_top_snap *prev, struct xlb_top_snap *cur, struct xlb_top_lines *l)
{
	xlb_top_snap__free(prev);
	xlb_top_snap__free(cur);
	xlb_top_lines__free(l);
}

static const struct xlb_top_opts opts = {.interval_ns = XLB_NSEC_PER_SEC, .drops = true};

/* VIP row: Prot VIP mode up/total weight pkt/s bytes/s flows/s drops/s packets bytes */
enum {
	V_PROTO,
	V_NAME,
	V_MODE,
	V_UP,
	V_WEIGHT,
	V_PPS,
	V_BPS,
	V_FPS,
	V_DPS,
	V_PACKETS,
	V_BYTES
};
/* Backend row: -> addr state health weight pkt/s bytes/s - - packets bytes */
enum {
	B_ARROW,
	B_ADDR,
	B_STATE,
	B_HEALTH,
	B_WEIGHT,
	B_PPS,
	B_BPS,
	B_FPS,
	B_DPS,
	B_PACKETS
};

Test(top_view, first_refresh_counters_without_rates)
{
	struct xlb_top_snap prev, cur;
	struct xlb_top_lines l = {0};
	char f[FIELDS_MAX][FIELD_LEN];

	snaps(&prev, &cur);
	add_vip(&cur, vip_a, 1, 1000, 64000, 10, 2);
	add_backend(&cur, vip_a, "198.19.0.11", 7, 1000, 64000);
	cr_assert_eq(xlb_top__render(NULL, &cur, &opts, &l), 0);
	cr_assert_eq(row(&l, "TCP  198.18.1.10:80", f), 11);
	cr_assert_str_eq(f[V_PPS], "-");
	cr_assert_str_eq(f[V_BPS], "-");
	cr_assert_str_eq(f[V_FPS], "-");
	cr_assert_str_eq(f[V_PACKETS], "1000");
	cr_assert_str_eq(f[V_BYTES], "64000");
	cr_assert_str_eq(f[V_UP], "1/1");
	cr_assert_eq(row(&l, "-> 198.19.0.11", f), 11);
	cr_assert_str_eq(f[B_PPS], "-");
	cr_assert_str_eq(f[B_PACKETS], "1000");
	free_all(&prev, &cur, &l);
}

Test(top_view, rates_are_deltas_over_the_time_between)
{
	struct xlb_top_snap prev, cur;
	struct xlb_top_lines l = {0};
	char f[FIELDS_MAX][FIELD_LEN];

	snaps(&prev, &cur);
	add_vip(&prev, vip_a, 1, 1000, 64000, 10, 2);
	add_backend(&prev, vip_a, "198.19.0.11", 7, 500, 32000);
	/* 2 s later: +2000 packets, +200,000 bytes, +20 flows, no drop */
	add_vip(&cur, vip_a, 1, 3000, 264000, 30, 2);
	add_backend(&cur, vip_a, "198.19.0.11", 7, 1500, 3000032000ULL);
	cr_assert_eq(xlb_top__render(&prev, &cur, &opts, &l), 0);
	cr_assert_eq(row(&l, "TCP  198.18.1.10:80", f), 11);
	cr_assert_str_eq(f[V_PPS], "1000");
	cr_assert_str_eq(f[V_BPS], "100.0K");
	cr_assert_str_eq(f[V_FPS], "10");
	cr_assert_str_eq(f[V_DPS], "0");
	cr_assert_eq(row(&l, "-> 198.19.0.11", f), 11);
	cr_assert_str_eq(f[B_PPS], "500");
	cr_assert_str_eq(f[B_BPS], "1.5G");
	cr_assert_str_eq(f[B_FPS], "-");
	free_all(&prev, &cur, &l);
}

Test(top_view, no_rate_when_a_counter_goes_back_or_the_object_is_new)
{
	struct xlb_top_snap prev, cur;
	struct xlb_top_lines l = {0};
	char f[FIELDS_MAX][FIELD_LEN];

	snaps(&prev, &cur);
	add_vip(&prev, vip_a, 1, 5000, 64000, 10, 2);
	add_backend(&prev, vip_a, "198.19.0.11", 7, 500, 32000);
	add_backend(&prev, vip_a, "198.19.0.12", 8, 500, 32000);
	add_vip(&cur, vip_a, 1, 10, 640, 1, 0);			/* xlbd's maps were re-created */
	add_backend(&cur, vip_a, "198.19.0.11", 9, 600, 38400); /* re-added: a new id */
	add_backend(&cur, vip_a, "198.19.0.12", 8, 700, 44800);
	cr_assert_eq(xlb_top__render(&prev, &cur, &opts, &l), 0);
	cr_assert_eq(row(&l, "TCP  198.18.1.10:80", f), 11);
	cr_assert_str_eq(f[V_PPS], "-");
	cr_assert_str_eq(f[V_PACKETS], "10");
	cr_assert_eq(row(&l, "-> 198.19.0.11", f), 11);
	cr_assert_str_eq(f[B_PPS], "-");
	cr_assert_eq(row(&l, "-> 198.19.0.12", f), 11);
	cr_assert_str_eq(f[B_PPS], "100");
	free_all(&prev, &cur, &l);
}

Test(top_view, backends_follow_their_vip)
{
	struct xlb_top_snap prev, cur;
	struct xlb_top_lines l = {0};
	size_t i;

	snaps(&prev, &cur);
	add_vip(&cur, vip_a, 1, 0, 0, 0, 0);
	add_vip(&cur, vip_b, 2, 0, 0, 0, 0);
	add_backend(&cur, vip_a, "198.19.0.11", 7, 0, 0);
	add_backend(&cur, vip_a, "198.19.0.12", 8, 0, 0);
	add_backend(&cur, vip_b, "198.19.0.13", 9, 0, 0);
	cr_assert_eq(xlb_top__render(NULL, &cur, &opts, &l), 0);
	cr_assert_eq(l.n - l.fixed, 5);
	i = l.fixed;
	cr_assert(strstr(l.text[i++], "198.18.1.10:80"));
	cr_assert(strstr(l.text[i++], "-> 198.19.0.11"));
	cr_assert(strstr(l.text[i++], "-> 198.19.0.12"));
	cr_assert(strstr(l.text[i++], "UDP  198.18.1.11:53"));
	cr_assert(strstr(l.text[i++], "-> 198.19.0.13"));
	free_all(&prev, &cur, &l);
}

Test(top_view, drops_by_reason_and_totals)
{
	struct xlb_top_snap prev, cur;
	struct xlb_top_opts no_drops = opts;
	struct xlb_top_lines l = {0};
	char f[FIELDS_MAX][FIELD_LEN];

	snaps(&prev, &cur);
	add_stat(&prev, 4, "drop_no_vip", 1);
	add_stat(&prev, 20, "drop_acl", 0);
	add_stat(&prev, 18, "fwd_redirect", 100);
	add_stat(&cur, 4, "drop_no_vip", 5);
	add_stat(&cur, 20, "drop_acl", 0);
	add_stat(&cur, 18, "fwd_redirect", 700);
	cr_assert_eq(xlb_top__render(&prev, &cur, &opts, &l), 0);
	cr_assert(has_line(&l, "Drops by reason"));
	cr_assert_eq(row(&l, "no_vip", f), 3);
	cr_assert_str_eq(f[1], "2");
	cr_assert_str_eq(f[2], "5");
	cr_assert_eq(row(&l, "acl", f), 0, "a reason that dropped nothing is listed");
	cr_assert(has_line(&l, "forwarded 300 pkt/s"));
	cr_assert(has_line(&l, "dropped 2 pkt/s"));
	cr_assert(has_line(&l, "(no VIPs)"));

	no_drops.drops = false;
	cr_assert_eq(xlb_top__render(&prev, &cur, &no_drops, &l), 0);
	cr_assert_not(has_line(&l, "Drops by reason"));
	cr_assert_eq(row(&l, "no_vip", f), 0);
	free_all(&prev, &cur, &l);
}

static int parse(const char *line, struct xlb_cli_cmd *cmd, struct xlb_ctl_err *e)
{
	char copy[XLB_CLI_LINE_MAX], *argv[ARGS_MAX];
	int argc;

	snprintf(copy, sizeof(copy), "%s", line);
	argc = xlb_cli__split(copy, argv, ARGS_MAX);
	cr_assert_geq(argc, 0);
	return xlb_cli__parse(argc, argv, cmd, stdout, e);
}

Test(top_view, grammar)
{
	struct xlb_cli_cmd cmd;
	struct xlb_ctl_err e;

	cr_assert_eq(parse("top", &cmd, &e), 0, "%s", e.msg);
	cr_assert_eq(cmd.action, XLB_CLI_TOP);
	cr_assert_eq(cmd.interval_ns, 2 * XLB_NSEC_PER_SEC);
	cr_assert_eq(cmd.count, 0);
	cr_assert_not(xlb_ctl_msg__has(&cmd.msg, XLB_A_VIP_ADDR));

	cr_assert_eq(parse("top i 500ms v 198.18.1.10:80/tcp c 3", &cmd, &e), 0, "%s", e.msg);
	cr_assert_eq(cmd.interval_ns, 500 * XLB_NSEC_PER_MSEC);
	cr_assert_eq(cmd.count, 3);
	cr_assert(xlb_ctl_msg__has(&cmd.msg, XLB_A_VIP_ADDR));
	cr_assert_eq(cmd.msg.vip.key.port, 80);

	cr_assert_eq(parse("top interval 1", &cmd, &e), 0, "%s", e.msg);
	cr_assert_eq(cmd.interval_ns, XLB_NSEC_PER_SEC);

	cr_assert_neq(parse("top interval 50ms", &cmd, &e), 0);
	cr_assert(strstr(e.msg, "bad SECS \"50ms\""), "%s", e.msg);
	cr_assert_neq(parse("top interval 2h", &cmd, &e), 0);
	cr_assert_neq(parse("top count 0", &cmd, &e), 0);
	cr_assert(strstr(e.msg, "bad N \"0\""), "%s", e.msg);
	cr_assert_neq(parse("top vip 198.18.1.10", &cmd, &e), 0);
	cr_assert_neq(parse("top interval 1 interval 2", &cmd, &e), 0);
	cr_assert_neq(parse("top colour", &cmd, &e), 0);
	cr_assert(strstr(e.msg, "unknown word \"colour\""), "%s", e.msg);
}
