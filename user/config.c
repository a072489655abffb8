// SPDX-License-Identifier: MIT
/* The config file, line by line, so that every bad line is reported. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "log.h"
#include "request.h"

int config__line(struct xlb_state *s, char *line, struct xlb_ctl_err *e)
{
	char *argv[XLB_CLI_MAX_WORDS];
	struct xlb_cli_cmd cmd;
	int argc, err;

	argc = xlb_cli__split(line, argv, XLB_CLI_MAX_WORDS);
	if (argc < 0)
		return xlb_ctl_err__set(e, argc, "%s", xlb_cli__split_error(argc));
	if (!argc)
		return 0;
	err = xlb_cli__parse(argc, argv, &cmd, NULL, e);
	if (err)
		return err;
	if (cmd.action != XLB_CLI_REQUEST || !xlb_cmd__in_batch(cmd.msg.cmd))
		return xlb_ctl_err__set(e, -EINVAL,
					"\"%s%s%s\" is not a change: a config holds changes only",
					argv[0], argc > 1 ? " " : "", argc > 1 ? argv[1] : "");
	return request__apply(s, &cmd.msg, e);
}

int config__load(const char *path, struct xlb_state *s, unsigned int *bad)
{
	char line[XLB_CLI_LINE_MAX];
	unsigned int lineno = 0;
	struct xlb_ctl_err e;
	size_t len;
	FILE *f;
	int err = 0;

	*bad = 0;
	f = fopen(path, "re");
	if (!f) {
		err = -errno;
		pr_warn("%s: %s\n", path, strerror(-err));
		return err;
	}
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		memset(&e, 0, sizeof(e));
		len = strlen(line);
		if (len == sizeof(line) - 1 && line[len - 1] != '\n' && !feof(f)) {
			pr_warn("%s:%u: line longer than %d bytes\n", path, lineno,
				XLB_CLI_LINE_MAX - 1);
			(*bad)++;
			/* skip the rest of the over-long line */
			while (fgets(line, sizeof(line), f) && !strchr(line, '\n'))
				;
			continue;
		}
		if (config__line(s, line, &e)) {
			pr_warn("%s:%u: %s\n", path, lineno, e.msg);
			(*bad)++;
		}
	}
	if (ferror(f)) {
		err = -EIO;
		pr_warn("%s: read error\n", path);
	}
	fclose(f);
	return err;
}
