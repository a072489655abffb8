// SPDX-License-Identifier: MIT
/*
 * xlbctl: the operator's command line for xlbd. Parses the command (or a
 * whole batch file) before connecting, so bad input sends nothing, then
 * speaks the control protocol of include/xlb/ctl.h.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "cli.h"
#include "cli_print.h"
#include "cli_show.h"
#include "cli_top.h"
#include "ctl_client.h"

#define SOCK_PATH_MAX sizeof(((struct sockaddr_un *)0)->sun_path)

struct opts {
	bool json;
	const char *batch;
	const char *name;
	const char *socket;
};

static void usage(FILE *out)
{
	fprintf(out, "usage: xlbctl [-j] [-n NAME | -s SOCKET] COMMAND...\n"
		     "       xlbctl [-n NAME | -s SOCKET] -b FILE\n"
		     "  -j, --json           JSON output\n"
		     "  -b, --batch FILE     apply FILE's commands all-or-nothing ('-': stdin)\n"
		     "  -n, --name NAME      the xlb instance (socket " XLB_CTL_SOCK_DIR
		     "/NAME" XLB_CTL_SOCK_SUFFIX ")\n"
		     "  -s, --socket PATH    the control socket\n"
		     "commands: vip, backend, flow, stats, save, attach, detach, config, acl,\n"
		     "ratelimit, top;\n"
		     "`xlbctl help` or `xlbctl WORD... help` lists the words valid there.\n");
}

/* The only *.sock in XLB_CTL_SOCK_DIR, when -n and -s are not given. */
static int find_socket(char *path, size_t len, struct xlb_ctl_err *e)
{
	size_t slen = strlen(XLB_CTL_SOCK_SUFFIX);
	char names[XLB_CTL_ERRMSG_MAX / 2] = "";
	unsigned int found = 0;
	struct dirent *d;
	DIR *dir;

	dir = opendir(XLB_CTL_SOCK_DIR);
	if (!dir)
		return xlb_ctl_err__set(e, -ENOENT, "no xlbd running (no %s); use -n or -s",
					XLB_CTL_SOCK_DIR);
	while ((d = readdir(dir))) {
		size_t n = strlen(d->d_name);

		if (n <= slen || strcmp(d->d_name + n - slen, XLB_CTL_SOCK_SUFFIX))
			continue;
		if (!found++)
			snprintf(path, len, "%s/%s", XLB_CTL_SOCK_DIR, d->d_name);
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%.*s",
			 found > 1 ? ", " : "", (int)(n - slen), d->d_name);
	}
	closedir(dir);
	if (!found)
		return xlb_ctl_err__set(e, -ENOENT, "no xlbd running (no socket in %s)",
					XLB_CTL_SOCK_DIR);
	if (found > 1)
		return xlb_ctl_err__set(e, -EINVAL, "several xlb instances (%s): pick one with -n",
					names);
	return 0;
}

static int connect_daemon(const struct opts *o, struct xlb_ctl_client *c, struct xlb_ctl_err *e)
{
	char path[SOCK_PATH_MAX];
	int err;

	if (o->socket)
		snprintf(path, sizeof(path), "%s", o->socket);
	else if (o->name) {
		err = xlb_ctl__sock_path(path, sizeof(path), o->name);
		if (err)
			return xlb_ctl_err__set(e, err, "bad instance name \"%s\"", o->name);
	} else {
		err = find_socket(path, sizeof(path), e);
		if (err)
			return err;
	}
	return xlb_ctl_client__connect(c, path, e);
}

/* Dumps cmd (filtered like filter, if given) into out, sorted. */
static int dump(struct xlb_ctl_client *c, enum xlb_cmd cmd, const struct xlb_ctl_msg *filter,
		struct xlb_msg_vec *out, struct xlb_ctl_err *e)
{
	struct xlb_ctl_msg req;
	int err;

	xlb_ctl_msg__init(&req, cmd);
	if (filter && xlb_ctl_msg__has(filter, XLB_A_VIP_ADDR)) {
		req.vip.key = filter->vip.key;
		xlb_ctl_msg__set_vip_key(&req);
	}
	err = xlb_ctl_client__request(c, &req, xlb_msg_vec__push, out, e);
	if (err && !e->msg[0])
		xlb_ctl_err__set(e, err, "%s", strerror(-err));
	if (!err)
		xlb_msg_vec__sort(out);
	return err;
}

static int keep_one(const struct xlb_ctl_msg *m, void *data)
{
	*(struct xlb_ctl_msg *)data = *m;
	return 0;
}

static int run_command(struct xlb_ctl_client *c, struct xlb_cli_cmd *cmd, struct xlb_ctl_err *e)
{
	struct xlb_msg_vec vips = {0}, bes = {0}, stats = {0};
	struct xlb_msg_vec acls = {0}, rls = {0};
	struct xlb_ctl_msg one;
	int err = 0;

	switch (cmd->action) {
	case XLB_CLI_REQUEST:
		err = xlb_ctl_client__request(c, &cmd->msg, NULL, NULL, e);
		break;
	case XLB_CLI_VIP_SHOW:
		err = dump(c, XLB_CMD_VIP_GET, &cmd->msg, &vips, e);
		if (!err)
			err = dump(c, XLB_CMD_BACKEND_GET, &cmd->msg, &bes, e);
		if (!err)
			xlb_show__vips(&vips, &bes);
		break;
	case XLB_CLI_BACKEND_SHOW:
		err = dump(c, XLB_CMD_BACKEND_GET, &cmd->msg, &bes, e);
		if (!err)
			xlb_show__backends(&bes);
		break;
	case XLB_CLI_STATS:
		err = dump(c, XLB_CMD_STATS_GET, NULL, &stats, e);
		if (!err)
			err = dump(c, XLB_CMD_VIP_GET, NULL, &vips, e);
		if (!err)
			err = dump(c, XLB_CMD_BACKEND_GET, NULL, &bes, e);
		if (!err)
			xlb_show__stats(&stats, &vips, &bes);
		break;
	case XLB_CLI_ACL_SHOW:
		err = dump(c, XLB_CMD_ACL_GET, &cmd->msg, &acls, e);
		if (!err)
			xlb_show__acl(&acls);
		break;
	case XLB_CLI_RATELIMIT_SHOW:
		err = dump(c, XLB_CMD_RATELIMIT_GET, &cmd->msg, &rls, e);
		if (!err)
			xlb_show__ratelimits(&rls);
		break;
	case XLB_CLI_RATELIMIT_TOP: /* in the daemon's order, not sorted */
		err = xlb_ctl_client__request(c, &cmd->msg, xlb_msg_vec__push, &rls, e);
		if (!err)
			xlb_show__top(&rls);
		break;
	case XLB_CLI_TOP:
		if (print_is_json())
			err = xlb_ctl_err__set(e, -EINVAL, "top has no JSON (vip show -j has)");
		else
			err = xlb_cli_top__run(c, cmd, e);
		break;
	case XLB_CLI_FLOW_GET:
	case XLB_CLI_CONFIG_SHOW:
	case XLB_CLI_SAVE:
		memset(&one, 0, sizeof(one));
		err = xlb_ctl_client__request(c, &cmd->msg, keep_one, &one, e);
		if (err)
			break;
		if (cmd->action == XLB_CLI_FLOW_GET) {
			xlb_show__flow(&one);
			break;
		}
		if (cmd->action == XLB_CLI_CONFIG_SHOW) {
			xlb_show__config(&one);
			break;
		}
		err = dump(c, XLB_CMD_VIP_GET, NULL, &vips, e);
		if (!err)
			err = dump(c, XLB_CMD_BACKEND_GET, NULL, &bes, e);
		if (!err)
			err = dump(c, XLB_CMD_RATELIMIT_GET, NULL, &rls, e);
		if (!err)
			err = dump(c, XLB_CMD_ACL_GET, NULL, &acls, e);
		if (!err) {
			xlb_show__save(stdout, &one, &vips, &bes);
			xlb_show__save_guard(stdout, &one, &rls, &acls);
		}
		break;
	default:
		break;
	}
	xlb_msg_vec__free(&vips);
	xlb_msg_vec__free(&bes);
	xlb_msg_vec__free(&stats);
	xlb_msg_vec__free(&acls);
	xlb_msg_vec__free(&rls);
	return err;
}

static int run_batch(const struct opts *o, struct xlb_ctl_err *e)
{
	struct xlb_ctl_client c = {.fd = -1};
	struct xlb_cli_batch b;
	size_t failed;
	FILE *f;
	int err;

	f = strcmp(o->batch, "-") ? fopen(o->batch, "r") : stdin;
	if (!f) {
		err = -errno;
		return xlb_ctl_err__set(e, err, "%s: %s", o->batch, strerror(-err));
	}
	err = xlb_cli_batch__parse(f, o->batch, &b, e);
	if (f != stdin)
		fclose(f);
	if (err)
		return err;
	if (!b.n)
		goto cleanup;
	err = connect_daemon(o, &c, e);
	if (err)
		goto cleanup;
	err = xlb_ctl_client__batch(&c, b.msgs, b.n, &failed, e);
	if (err && failed < b.n) {
		char why[XLB_CTL_ERRMSG_MAX];

		snprintf(why, sizeof(why), "%s", e->msg);
		xlb_ctl_err__set(e, err, "%s:%u: %s (nothing applied)", o->batch, b.lines[failed],
				 why);
	}
cleanup:
	xlb_ctl_client__close(&c);
	xlb_cli_batch__free(&b);
	return err;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},	{"batch", required_argument, NULL, 'b'},
		{"name", required_argument, NULL, 'n'}, {"socket", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},	{NULL, 0, NULL, 0},
	};
	int c;

	/* '+': stop at the first command word, which may look like an option. */
	while ((c = getopt_long(argc, argv, "+jb:n:s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o->json = true;
			break;
		case 'b':
			o->batch = optarg;
			break;
		case 'n':
			o->name = optarg;
			break;
		case 's':
			o->socket = optarg;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct xlb_ctl_client c = {.fd = -1};
	struct xlb_ctl_err e = {0};
	struct opts o = {0};
	struct xlb_cli_cmd cmd;
	int err;

	err = parse_opts(argc, argv, &o);
	if (err)
		return err > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	if (o.batch) {
		if (optind != argc) {
			fprintf(stderr, "xlbctl: -b takes no command words (\"%s\")\n",
				argv[optind]);
			return EXIT_FAILURE;
		}
		err = run_batch(&o, &e);
		goto out;
	}
	if (optind == argc) {
		usage(stderr);
		return EXIT_FAILURE;
	}
	err = xlb_cli__parse(argc - optind, argv + optind, &cmd, stdout, &e);
	if (err || cmd.action == XLB_CLI_HELP)
		goto out;
	err = connect_daemon(&o, &c, &e);
	if (err)
		goto out;
	print_start(stdout, o.json);
	err = run_command(&c, &cmd, &e);
	print_end();
out:
	xlb_ctl_client__close(&c);
	if (err) {
		fprintf(stderr, "xlbctl: %s\n", e.msg[0] ? e.msg : strerror(-err));
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}
