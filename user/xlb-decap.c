// SPDX-License-Identifier: MIT
/*
 * xlb-decap: the backend side of xlb. Attaches the decapsulation program to
 * a device, shows its counters, and prepares a host to answer for VIPs by
 * direct server return (VIPs on the loopback, ARP kept quiet about them).
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "decap.h"
#include "hostprep.h"
#include "log.h"
#include "maps.h"
#include "netaddr.h"
#include "rtnl.h"

#define EXIT_USAGE 2
#define IPV4_BITS  32
#define IPV6_BITS  128
/* Room for the most entries the maps can hold, both families together. */
#define MAX_LBS	 (2 * XLB_DECAP_MAX_LBS)
#define MAX_VIPS (2 * XLB_DECAP_MAX_VIPS)

struct opts {
	const char *dev;
	const char *name;
	enum xlb_attach_mode mode;
	struct decap_prefix lbs[MAX_LBS];
	size_t nlbs;
	struct decap_prefix vips[MAX_VIPS];
	size_t nvips;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: xlb-decap attach DEV [--name NAME] [--mode native|skb] --lb PREFIX "
		   "[--lb PREFIX]... --vip ADDR [--vip ADDR]...\n"
		   "       xlb-decap detach DEV [--name NAME]\n"
		   "       xlb-decap stats DEV [--name NAME]\n"
		   "       xlb-decap prepare VIP...\n"
		   "NAME (default DEV) names the pins under " XLB_DECAP_PIN_ROOT "/.\n");
}

/* libbpf's own messages: warnings only, through our log. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level != LIBBPF_WARN)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int full_length(const struct decap_prefix *p)
{
	return p->plen == (p->family == XLB_AF_INET ? IPV4_BITS : IPV6_BITS);
}

/* Parses an --lb prefix or a --vip (or prepare) address into out. */
static int parse_addr_arg(const char *what, const char *s, int want_full, struct decap_prefix *out)
{
	if (decap_prefix__parse(s, out)) {
		pr_warn("bad %s '%s': want an IPv4 or IPv6 %s\n", what, s,
			want_full ? "address" : "prefix without host bits");
		return -EINVAL;
	}
	if (want_full && !full_length(out)) {
		pr_warn("bad %s '%s': want an address, not a prefix\n", what, s);
		return -EINVAL;
	}
	return 0;
}

/* DEV then options; config options (--mode, --lb, --vip) only for attach. */
static int parse_dev_opts(int argc, char **argv, int config, struct opts *o)
{
	char dir[PATH_MAX];
	int i, err;

	if (argc < 1 || argv[0][0] == '-') {
		pr_warn("missing device name\n");
		return -EINVAL;
	}
	o->dev = argv[0];
	o->name = argv[0];
	o->mode = XLB_ATTACH_NATIVE;
	for (i = 1; i < argc; i++) {
		const char *opt = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(opt, "--name") &&
		    !(config &&
		      (!strcmp(opt, "--mode") || !strcmp(opt, "--lb") || !strcmp(opt, "--vip")))) {
			pr_warn("unknown option '%s'\n", opt);
			return -EINVAL;
		}
		if (!val) {
			pr_warn("missing value after %s\n", opt);
			return -EINVAL;
		}
		i++;
		if (!strcmp(opt, "--name")) {
			o->name = val;
		} else if (!strcmp(opt, "--mode")) {
			if (!strcmp(val, "native")) {
				o->mode = XLB_ATTACH_NATIVE;
			} else if (!strcmp(val, "skb")) {
				o->mode = XLB_ATTACH_SKB;
			} else {
				pr_warn("unknown mode '%s': native or skb\n", val);
				return -EINVAL;
			}
		} else if (!strcmp(opt, "--lb")) {
			if (o->nlbs == MAX_LBS) {
				pr_warn("too many --lb\n");
				return -E2BIG;
			}
			err = parse_addr_arg("--lb", val, 0, &o->lbs[o->nlbs++]);
			if (err)
				return err;
		} else {
			if (o->nvips == MAX_VIPS) {
				pr_warn("too many --vip\n");
				return -E2BIG;
			}
			err = parse_addr_arg("--vip", val, 1, &o->vips[o->nvips++]);
			if (err)
				return err;
		}
	}
	if (decap_pin_dir(dir, sizeof(dir), o->name)) {
		pr_warn("bad name '%s'\n", o->name);
		return -EINVAL;
	}
	if (config && (!o->nlbs || !o->nvips)) {
		pr_warn("attach needs at least one --lb and one --vip\n");
		return -EINVAL;
	}
	return 0;
}

static int dev_ifindex(const char *dev, int *ifindex)
{
	struct rtnl_link link;
	int err;

	err = rtnl__link_by_name(dev, &link);
	if (err)
		return err; /* rtnl logged it */
	*ifindex = link.ifindex;
	return 0;
}

static int cmd_attach(struct opts *o)
{
	struct decap_maps m;
	int ifindex, ret, err;

	err = dev_ifindex(o->dev, &ifindex);
	if (err)
		return err;
	err = xlb_bpffs__ensure();
	if (err)
		return err;
	ret = decap__attach(o->name, ifindex, o->mode);
	if (ret < 0)
		return ret;
	err = decap_maps__open_pinned(&m, o->name);
	if (err)
		return err;
	err = decap_config__set(&m, o->lbs, o->nlbs, o->vips, o->nvips);
	decap_maps__close(&m);
	if (err)
		return err;
	printf("%s decap on %s (%s): %zu lb prefixes, %zu VIPs\n",
	       ret == 1 ? "updated" : "attached", o->dev,
	       o->mode == XLB_ATTACH_SKB ? "skb" : "native", o->nlbs, o->nvips);
	return 0;
}

static int cmd_detach(const struct opts *o)
{
	int ifindex, ret, err;

	err = dev_ifindex(o->dev, &ifindex);
	if (err)
		return err;
	ret = decap__detach(o->name, ifindex);
	if (ret < 0)
		return ret;
	printf("%s\n", ret == 1 ? "nothing to detach" : "detached");
	return 0;
}

static int cmd_stats(const struct opts *o)
{
	char dir[PATH_MAX];
	struct xlb_counter c;
	struct decap_maps m;
	int i, err;

	err = decap_pin_dir(dir, sizeof(dir), o->name);
	if (err)
		return err;
	if (access(dir, F_OK)) {
		err = -errno;
		pr_warn("no decap program pinned at %s\n", dir);
		return err;
	}
	err = decap_maps__open_pinned(&m, o->name);
	if (err)
		return err;
	printf("%-18s %14s %16s\n", "counter", "packets", "bytes");
	for (i = 0; i < XLB_DECAP_STAT__MAX; i++) {
		err = decap_stats__read(&m, i, &c);
		if (err)
			break;
		printf("%-18s %14llu %16llu\n", decap_stat__name(i), (unsigned long long)c.packets,
		       (unsigned long long)c.bytes);
	}
	decap_maps__close(&m);
	return err;
}

static int parse_vips(int argc, char **argv, struct opts *o)
{
	int i, err;

	if (argc < 1) {
		pr_warn("prepare needs at least one VIP\n");
		return -EINVAL;
	}
	if (argc > MAX_VIPS) {
		pr_warn("too many VIPs\n");
		return -EINVAL;
	}
	for (i = 0; i < argc; i++) {
		err = parse_addr_arg("VIP", argv[i], 1, &o->vips[o->nvips++]);
		if (err)
			return err;
	}
	return 0;
}

static int cmd_prepare(const struct opts *o)
{
	struct rtnl_link lo;
	size_t i;
	int err;

	err = rtnl__link_by_name("lo", &lo);
	if (err)
		return err; /* rtnl logged it */
	err = hostprep__link_up(lo.ifindex);
	if (err)
		return err;
	for (i = 0; i < o->nvips; i++) {
		const struct decap_prefix *v = &o->vips[i];

		err = hostprep__addr_add(v->family, &v->addr, v->plen, lo.ifindex);
		if (err)
			return err;
	}
	err = hostprep__arp_dsr();
	if (err)
		return err;
	printf("prepared %zu VIPs on lo; arp_ignore=1, arp_announce=2\n", o->nvips);
	return 0;
}

int main(int argc, char **argv)
{
	struct opts *o;
	const char *cmd;
	int err, ret = EXIT_USAGE;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "help") || !strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
		usage(stdout);
		return EXIT_SUCCESS;
	}
	libbpf_set_print(libbpf_print);
	o = calloc(1, sizeof(*o));
	if (!o) {
		pr_warn("out of memory\n");
		return EXIT_FAILURE;
	}
	/* Input is checked whole before anything is changed. */
	if (!strcmp(cmd, "prepare")) {
		if (parse_vips(argc - 2, argv + 2, o))
			goto cleanup;
		err = cmd_prepare(o);
	} else if (!strcmp(cmd, "attach") || !strcmp(cmd, "detach") || !strcmp(cmd, "stats")) {
		if (parse_dev_opts(argc - 2, argv + 2, !strcmp(cmd, "attach"), o))
			goto cleanup;
		if (!strcmp(cmd, "attach"))
			err = cmd_attach(o);
		else if (!strcmp(cmd, "detach"))
			err = cmd_detach(o);
		else
			err = cmd_stats(o);
	} else {
		pr_warn("unknown command '%s'\n", cmd);
		usage(stderr);
		goto cleanup;
	}
	ret = err ? EXIT_FAILURE : EXIT_SUCCESS;
cleanup:
	free(o);
	return ret;
}
