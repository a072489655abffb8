// SPDX-License-Identifier: MIT
/*
 * xlbd: the daemon of one xlb instance (one interface). Options, then the
 * daemon's life in order: init (lock), start (load, attach or adopt,
 * restore or configure), run (the loop), fini (the program stays).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "config.h"
#include "daemon.h"
#include "health.h"
#include "http.h"
#include "log.h"
#include "notify.h"

#ifndef XLB_VERSION
#define XLB_VERSION "unknown"
#endif

enum {
	OPT_ALLOW_UID = 0x100,
	OPT_FLOW_ENTRIES,
	OPT_HTTP,
	OPT_ANNOUNCE_TABLE,
	OPT_WITHDRAW_ON_STOP,
	OPT_ACCESS_LOG,
};

#define XLBD_STR(x)	  #x
#define XLBD_XSTR(x)	  XLBD_STR(x)
#define XLBD_HTTP_DEFAULT XLB_HTTP_DEFAULT_ADDR ":" XLBD_XSTR(XLB_HTTP_DEFAULT_PORT)
#define XLBD_HTTP_OFF	  "off"

static const struct option long_opts[] = {
	{"dev", required_argument, NULL, 'd'},
	{"name", required_argument, NULL, 'N'},
	{"config", required_argument, NULL, 'c'},
	{"mode", required_argument, NULL, 'm'},
	{"socket", required_argument, NULL, 's'},
	{"flow-entries", required_argument, NULL, OPT_FLOW_ENTRIES},
	{"allow-uid", required_argument, NULL, OPT_ALLOW_UID},
	{"http", required_argument, NULL, OPT_HTTP},
	{"announce-table", required_argument, NULL, OPT_ANNOUNCE_TABLE},
	{"withdraw-on-stop", no_argument, NULL, OPT_WITHDRAW_ON_STOP},
	{"access-log", required_argument, NULL, OPT_ACCESS_LOG},
	{"check", no_argument, NULL, 'n'},
	{"detach", no_argument, NULL, 'D'},
	{"verbose", no_argument, NULL, 'v'},
	{"version", no_argument, NULL, 'V'},
	{"help", no_argument, NULL, 'h'},
	{},
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xlbd --dev IFACE [--name NAME] [--config FILE] [--mode native|skb]\n"
		"            [--socket PATH] [--flow-entries N] [--allow-uid UID]\n"
		"            [--http ADDR:PORT|off] [--announce-table N [--withdraw-on-stop]]\n"
		"            [--access-log FILE|-] [-v]\n"
		"       xlbd -n --config FILE       check a config and exit\n"
		"       xlbd --dev IFACE [--name NAME] --detach\n"
		"                                   remove the program, its pins and state\n"
		"\n"
		"One xlbd per interface. NAME (default: IFACE) names the pins under\n"
		"%s/NAME/ and the socket %s/NAME%s.\n"
		"A restarted xlbd adopts the running program and its state; --config\n"
		"is applied only when there is no running state.\n"
		"--http serves /metrics, /health, /health/live and /health/ready (default %s).\n"
		"With --announce-table N, a route per ready VIP in table N (protocol %d)\n"
		"for BIRD or FRR to announce by BGP (docs/scale-out.md).\n"
		"--access-log appends a JSON line per sampled new flow to FILE (- for\n"
		"stdout; `xlbctl config set sample N` sets the rate); SIGHUP reopens it.\n",
		XLB_PIN_ROOT, XLB_CTL_SOCK_DIR, XLB_CTL_SOCK_SUFFIX, XLBD_HTTP_DEFAULT, XLB_RTPROT);
}

static int parse_ulong(const char *opt, const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 0);
	if (errno || !*s || *end || *out > max) {
		fprintf(stderr, "xlbd: %s: '%s' is not a number up to %lu\n", opt, s, max);
		return -EINVAL;
	}
	return 0;
}

/* --http ADDR:PORT or off; explicit says it was given (a failure to listen
 * then stops the start, where the default only warns). */
static int parse_http(const char *s, struct xlbd_opts *o, bool explicit)
{
	o->http_explicit = explicit;
	if (!strcmp(s, XLBD_HTTP_OFF)) {
		o->http_len = 0;
		return 0;
	}
	if (xlb_http__parse_addr(s, &o->http_addr, &o->http_len)) {
		fprintf(stderr, "xlbd: --http: '%s' is not ADDR:PORT, [ADDR6]:PORT or off\n", s);
		return -EINVAL;
	}
	return 0;
}

/* Checks a config without touching anything: every bad line, or OK. */
static int check_config(const char *path)
{
	struct xlb_state s;
	unsigned int bad = 0;
	int err;

	err = state__init(&s);
	if (!err)
		err = config__load(path, &s, &bad);
	state__fini(&s);
	if (err)
		return EXIT_FAILURE;
	if (bad) {
		fprintf(stderr, "xlbd: %s: %u bad line%s\n", path, bad, bad == 1 ? "" : "s");
		return EXIT_FAILURE;
	}
	printf("configuration OK\n");
	return EXIT_SUCCESS;
}

/* Raises the soft limit on open files to the hard one: each check in flight
 * holds a socket (up to XLB_HEALTH_MAX_RUNNING), and systemd's soft default
 * is 1,024. A failure only leaves the limit as it was. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		pr_warn("setrlimit RLIMIT_NOFILE: %s\n", strerror(errno));
}

int main(int argc, char **argv)
{
	struct xlbd_opts o = {.allow_uid = CTL_NO_UID, .mode = XLB_ATTACH_NATIVE};
	bool check = false, detach = false;
	const char *why;
	unsigned long v;
	struct xlbd d;
	int opt, err;

	if (parse_http(XLBD_HTTP_DEFAULT, &o, false))
		return EXIT_FAILURE;
	while ((opt = getopt_long(argc, argv, "d:N:c:m:s:nDvVh", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			o.dev = optarg;
			break;
		case 'N':
			o.name = optarg;
			break;
		case 'c':
			o.config = optarg;
			break;
		case 'm':
			if (!strcmp(optarg, "native")) {
				o.mode = XLB_ATTACH_NATIVE;
			} else if (!strcmp(optarg, "skb")) {
				o.mode = XLB_ATTACH_SKB;
			} else {
				fprintf(stderr, "xlbd: --mode: '%s' is not native or skb\n",
					optarg);
				return EXIT_FAILURE;
			}
			break;
		case 's':
			o.sock_path = optarg;
			break;
		case OPT_FLOW_ENTRIES:
			if (parse_ulong("--flow-entries", optarg, UINT32_MAX, &v) || !v)
				return EXIT_FAILURE;
			o.flow_entries = (__u32)v;
			break;
		case OPT_HTTP:
			if (parse_http(optarg, &o, true))
				return EXIT_FAILURE;
			break;
		case OPT_ALLOW_UID:
			if (parse_ulong("--allow-uid", optarg, UINT32_MAX - 1, &v))
				return EXIT_FAILURE;
			o.allow_uid = (uid_t)v;
			break;
		case OPT_ANNOUNCE_TABLE:
			if (parse_ulong("--announce-table", optarg, UINT32_MAX, &v))
				return EXIT_FAILURE;
			if (announce__check_table(v, &why)) {
				fprintf(stderr, "xlbd: --announce-table %lu: %s\n", v, why);
				return EXIT_FAILURE;
			}
			o.announce_table = (__u32)v;
			break;
		case OPT_WITHDRAW_ON_STOP:
			o.withdraw_on_stop = true;
			break;
		case OPT_ACCESS_LOG:
			if (!*optarg) {
				fprintf(stderr, "xlbd: --access-log: a file or - is needed\n");
				return EXIT_FAILURE;
			}
			o.access_log = optarg;
			break;
		case 'n':
			check = true;
			break;
		case 'D':
			detach = true;
			break;
		case 'v':
			xlb_log_set_level(XLB_LOG_DEBUG);
			break;
		case 'V':
			printf("xlbd %s\n", XLB_VERSION);
			return EXIT_SUCCESS;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		default:
			usage(stderr);
			return EXIT_FAILURE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "xlbd: unexpected argument '%s'\n", argv[optind]);
		return EXIT_FAILURE;
	}
	if (check) {
		if (!o.config) {
			fprintf(stderr, "xlbd: -n needs --config FILE\n");
			return EXIT_FAILURE;
		}
		return check_config(o.config);
	}
	if (o.withdraw_on_stop && !o.announce_table) {
		fprintf(stderr, "xlbd: --withdraw-on-stop needs --announce-table N\n");
		return EXIT_FAILURE;
	}
	if (!o.dev) {
		fprintf(stderr, "xlbd: --dev IFACE is required\n");
		usage(stderr);
		return EXIT_FAILURE;
	}
	if (detach)
		return xlbd__detach_offline(&o) ? EXIT_FAILURE : EXIT_SUCCESS;

	raise_fd_limit();
	err = xlbd__init(&d, &o);
	if (!err)
		err = xlbd__start(&d);
	/* READY only now: attached (or adopted) and configured, socket open */
	if (!err)
		err = notify__ready();
	if (!err)
		err = xlbd__run(&d);
	if (!err)
		err = notify__stopping();
	xlbd__fini(&d);
	return err ? EXIT_FAILURE : EXIT_SUCCESS;
}
