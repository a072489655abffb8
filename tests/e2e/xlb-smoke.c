// SPDX-License-Identifier: MIT
/*
 * xlb-smoke: sets the forwarding program up through the user/ library the
 * way xlbd does, for the end-to-end smoke test: load, attach and pin; config;
 * backends, rings, VIPs; tx ports; managed neighbours. Run in the lb's
 * namespace under `nsenter --net` (devmap ifindexes are the writer's).
 *
 *   xlb-smoke attach DEV NAME [--mode native|skb] [--mtu N] [--flows N] [--port N]
 *             --src PREFIX... --vip ADDR... --backend ADDR...
 *   xlb-smoke stats NAME      counters: "name packets bytes" lines, then
 *                             "backend ID ADDR packets bytes" lines
 *   xlb-smoke detach DEV NAME
 *
 * Every VIP is TCP on --port in mode ipip; every backend serves each VIP of
 * its family.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include <bpf/libbpf.h>

/* The generated skeleton casts its const ELF bytes. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-qual"
#include "xlb.skel.h"
#pragma GCC diagnostic pop
#include "addr.h"
#include "loader.h"
#include "log.h"
#include "maglev.h"
#include "maps.h"
#include "netaddr.h"
#include "rtnl.h"

#define EXIT_USAGE	2
#define MAX_ITEMS	16
#define SMOKE_MAX_LINKS 64
#define DEFAULT_PORT	80
#define DEFAULT_FLOWS	65536
#define BACKEND_WEIGHT	100
#define FIRST_GEN	1
#define IPV4_BITS	32
#define IPV6_BITS	128
#define MAX_PORT	65535
#define MAX_FLOWS	(1u << 24)

struct prefix {
	struct xlb_addr addr;
	__u8 family;
	unsigned int plen;
};

struct smoke {
	const char *dev;
	const char *name;
	enum xlb_attach_mode mode;
	unsigned long mtu;
	unsigned long flows;
	unsigned long port;
	struct prefix src[MAX_ITEMS], vip[MAX_ITEMS], backend[MAX_ITEMS];
	size_t nsrc, nvip, nbackend;
};

static int usage(void)
{
	fprintf(stderr, "usage: xlb-smoke attach DEV NAME [--mode native|skb] [--mtu N] "
			"[--flows N] [--port N] --src PREFIX... --vip ADDR... --backend ADDR...\n"
			"       xlb-smoke stats NAME\n"
			"       xlb-smoke detach DEV NAME\n");
	return EXIT_USAGE;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level != LIBBPF_WARN)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int add_prefix(struct prefix *list, size_t *n, const char *s, int full)
{
	struct prefix *p = &list[*n];

	if (*n == MAX_ITEMS) {
		pr_warn("too many addresses at '%s'\n", s);
		return -E2BIG;
	}
	if (xlb_prefix__parse(s, &p->addr, &p->family, &p->plen) ||
	    (full && p->plen != (p->family == XLB_AF_INET ? IPV4_BITS : IPV6_BITS))) {
		pr_warn("bad %s '%s'\n", full ? "address" : "prefix", s);
		return -EINVAL;
	}
	(*n)++;
	return 0;
}

static int parse_attach(int argc, char **argv, struct smoke *s)
{
	int i, err = 0;

	s->mode = XLB_ATTACH_NATIVE;
	s->port = DEFAULT_PORT;
	s->flows = DEFAULT_FLOWS;
	for (i = 0; i < argc && !err; i += 2) {
		const char *opt = argv[i], *val = argv[i + 1];

		if (i + 1 >= argc) {
			pr_warn("missing value after %s\n", opt);
			return -EINVAL;
		}
		if (!strcmp(opt, "--mode") && !strcmp(val, "native"))
			s->mode = XLB_ATTACH_NATIVE;
		else if (!strcmp(opt, "--mode") && !strcmp(val, "skb"))
			s->mode = XLB_ATTACH_SKB;
		else if (!strcmp(opt, "--mtu"))
			err = xlb_num__parse(val, XLB_MTU_MAX, &s->mtu);
		else if (!strcmp(opt, "--flows"))
			err = xlb_num__parse(val, MAX_FLOWS, &s->flows);
		else if (!strcmp(opt, "--port"))
			err = xlb_num__parse(val, MAX_PORT, &s->port);
		else if (!strcmp(opt, "--src"))
			err = add_prefix(s->src, &s->nsrc, val, 0);
		else if (!strcmp(opt, "--vip"))
			err = add_prefix(s->vip, &s->nvip, val, 1);
		else if (!strcmp(opt, "--backend"))
			err = add_prefix(s->backend, &s->nbackend, val, 1);
		else
			err = -EINVAL;
		if (err)
			pr_warn("bad option '%s %s'\n", opt, val);
	}
	if (!err && (!s->nsrc || !s->nvip || !s->nbackend)) {
		pr_warn("attach needs --src, --vip and --backend\n");
		err = -EINVAL;
	}
	return err;
}

static int write_config(const struct xlb_maps *m, const struct smoke *s)
{
	struct xlb_config cfg = {.mtu = (__u32)s->mtu};
	size_t i;
	int err;

	for (i = 0; i < s->nsrc; i++) {
		err = xlb_config__set_source(&cfg, s->src[i].family, &s->src[i].addr,
					     s->src[i].plen);
		if (err) {
			pr_warn("outer source %zu: %s\n", i, strerror(-err));
			return err;
		}
	}
	err = xlb_config__write(m, &cfg);
	if (err)
		pr_warn("write config: %s\n", strerror(-err));
	return err;
}

/* Backend ids are 1.. in the order given; each VIP's ring holds the
 * backends of its family. Backends and rings go in before the VIP, so the
 * program never sees a VIP without a ring. */
static int write_services(const struct xlb_maps *m, const struct smoke *s)
{
	struct maglev_backend mb[MAX_ITEMS];
	__u32 *ring = calloc(XLB_RING_SIZE, sizeof(*ring));
	size_t i, j, n;
	int err = 0;

	if (!ring)
		return -ENOMEM;
	for (i = 0; i < s->nbackend && !err; i++) {
		struct xlb_backend be = {.addr = s->backend[i].addr,
					 .port = htons((__u16)s->port),
					 .family = s->backend[i].family,
					 .state = XLB_BE_ACTIVE,
					 .generation = FIRST_GEN};

		err = xlb_backend__write(m, (__u32)(i + 1), &be);
	}
	for (i = 0; i < s->nvip && !err; i++) {
		struct xlb_vip_key key = {.addr = s->vip[i].addr,
					  .port = htons((__u16)s->port),
					  .proto = IPPROTO_TCP,
					  .family = s->vip[i].family};
		struct xlb_vip vip = {.id = (__u32)(i + 1), .mode = XLB_MODE_IPIP};

		for (j = 0, n = 0; j < s->nbackend; j++) {
			if (s->backend[j].family != s->vip[i].family)
				continue;
			mb[n] = (struct maglev_backend){.id = (__u32)(j + 1),
							.addr = s->backend[j].addr,
							.port = htons((__u16)s->port),
							.family = s->backend[j].family,
							.weight = BACKEND_WEIGHT};
			n++;
		}
		err = maglev__build(mb, n, ring);
		if (!err)
			err = xlb_ring__swap(m, vip.id, ring);
		if (!err)
			err = xlb_vip__write(m, &key, &vip);
	}
	if (err)
		pr_warn("write VIPs and backends: %s\n", strerror(-err));
	free(ring);
	return err;
}

/* Every non-loopback link may be an egress: all go into tx_ports. */
static int write_tx_ports(const struct xlb_maps *m)
{
	struct rtnl_link links[SMOKE_MAX_LINKS];
	size_t i, n;
	int err;

	err = rtnl__links(links, SMOKE_MAX_LINKS, &n);
	for (i = 0; !err && i < n; i++)
		if (!links[i].loopback)
			err = xlb_tx_port__add(m, (__u32)links[i].ifindex);
	if (err)
		pr_warn("tx ports: %s\n", strerror(-err));
	return err;
}

static int prepare_neighbours(const struct smoke *s)
{
	int err, ifindexes[RTNL_NEXTHOPS_MAX];
	size_t i, n;

	for (i = 0; i < s->nbackend; i++) {
		err = rtnl__prepare_nexthops(s->backend[i].family, &s->backend[i].addr, ifindexes,
					     RTNL_NEXTHOPS_MAX, &n);
		if (err) {
			pr_warn("next hop of backend %zu: %s\n", i + 1, strerror(-err));
			return err;
		}
	}
	return 0;
}

static int cmd_attach(const struct smoke *s)
{
	struct xlb_bpf *skel = NULL;
	struct rtnl_link link;
	struct xlb_maps m;
	int err, ret;

	err = rtnl__link_by_name(s->dev, &link);
	if (err)
		return err; /* rtnl logged it */
	err = xlb_bpffs__ensure();
	if (!err)
		err = sysctl__enable_forwarding();
	if (!err)
		err = xlb_loader__load(&skel, s->name, (__u32)s->flows);
	if (err)
		return err;
	ret = xlb_loader__attach(skel, s->name, link.ifindex, s->mode);
	if (ret < 0) {
		err = ret;
		goto cleanup;
	}
	err = xlb_maps__from_skel(&m, skel);
	if (!err)
		err = write_config(&m, s);
	if (!err)
		err = write_services(&m, s);
	if (!err)
		err = write_tx_ports(&m);
	if (!err)
		err = prepare_neighbours(s);
	if (!err)
		printf("xlb on %s (%s): %zu VIPs, %zu backends\n", s->dev,
		       ret == 0 ? "attached" : "adopted", s->nvip, s->nbackend);
cleanup:
	/* The attachment and the pinned maps outlive the skeleton. */
	xlb_bpf__destroy(skel);
	return err;
}

static int cmd_stats(const char *name)
{
	char addr[XLB_ADDRSTRLEN];
	struct xlb_counter c;
	struct xlb_backend be;
	struct xlb_maps m;
	__u32 id;
	int i, err;

	err = xlb_maps__open_pinned(&m, name);
	if (err)
		return err;
	for (i = 0; i < XLB_STAT__MAX && !err; i++) {
		err = xlb_stats__read(&m, i, &c);
		if (!err)
			printf("%s %llu %llu\n", xlb_stat__name(i), (unsigned long long)c.packets,
			       (unsigned long long)c.bytes);
	}
	for (id = 1; id < XLB_MAX_BACKENDS && !err; id++) {
		if (xlb_backend__read(&m, id, &be) || be.state == XLB_BE_UNUSED)
			continue;
		err = xlb_backend_stats__read(&m, id, &c);
		if (!err && !xlb_addr__format(be.family, &be.addr, addr, sizeof(addr)))
			printf("backend %u %s %llu %llu\n", id, addr, (unsigned long long)c.packets,
			       (unsigned long long)c.bytes);
	}
	xlb_maps__close(&m);
	return err;
}

static int cmd_detach(const char *dev, const char *name)
{
	struct rtnl_link link;
	int err;

	err = rtnl__link_by_name(dev, &link);
	if (err)
		return err; /* rtnl logged it */
	err = xlb_loader__detach(link.ifindex);
	if (!err)
		err = xlb_maps__unpin(name);
	return err;
}

int main(int argc, char **argv)
{
	static struct smoke s;
	const char *cmd = argc > 1 ? argv[1] : "";

	libbpf_set_print(libbpf_print);
	if (!strcmp(cmd, "attach") && argc >= 4) {
		s.dev = argv[2];
		s.name = argv[3];
		if (parse_attach(argc - 4, argv + 4, &s))
			return EXIT_USAGE;
		return cmd_attach(&s) ? EXIT_FAILURE : EXIT_SUCCESS;
	}
	if (!strcmp(cmd, "stats") && argc == 3)
		return cmd_stats(argv[2]) ? EXIT_FAILURE : EXIT_SUCCESS;
	if (!strcmp(cmd, "detach") && argc == 4)
		return cmd_detach(argv[2], argv[3]) ? EXIT_FAILURE : EXIT_SUCCESS;
	return usage();
}
