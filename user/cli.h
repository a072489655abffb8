/* SPDX-License-Identifier: MIT */
/*
 * xlbctl's command language, parsed without a daemon: argv (or a batch
 * file's lines) into the request it stands for. The grammar is tables of
 * tokens (cli_grammar.c) run by one engine (cli_parse.c): unambiguous
 * prefixes accepted, ambiguous ones refused with the choices, `help` at
 * every level, and every error one line naming the bad word.
 */
#ifndef XLB_CLI_H
#define XLB_CLI_H

#include <stdio.h>
#include "ctl_msg.h"

/* What xlbctl does with a parsed command. */
enum xlb_cli_action {
	XLB_CLI_NONE = 0,
	XLB_CLI_HELP,	      /* help was printed; nothing to send */
	XLB_CLI_REQUEST,      /* send msg, expect an ack */
	XLB_CLI_VIP_SHOW,     /* msg is a VIP_GET; backends are dumped too */
	XLB_CLI_BACKEND_SHOW, /* msg is a BACKEND_GET */
	XLB_CLI_FLOW_GET,     /* msg is a FLOW_GET */
	XLB_CLI_STATS,	      /* STATS_GET, VIP_GET and BACKEND_GET dumps */
	XLB_CLI_SAVE,	      /* CONFIG_GET, VIP_GET and BACKEND_GET, printed as a batch */
	XLB_CLI_CONFIG_SHOW,  /* msg is a CONFIG_GET */

	XLB_CLI_ACL_SHOW,	/* msg is an ACL_GET */
	XLB_CLI_RATELIMIT_SHOW, /* msg is a RATELIMIT_GET */
	XLB_CLI_RATELIMIT_TOP,	/* msg is a RATELIMIT_TOP */
	XLB_CLI_TOP,		/* VIP_GET and BACKEND_GET (msg's VIP filters), STATS_GET,
				 * CONFIG_GET, every interval_ns */
};

struct xlb_cli_cmd {
	enum xlb_cli_action action;
	struct xlb_ctl_msg msg;
	__u64 interval_ns; /* top: between two refreshes */
	__u32 count;	   /* top: refreshes printed as text; 0 = the live view */
};

/* Parses one command (argv holds its words, without "xlbctl" and options).
 * `help` prints to help_out. Returns 0 or -errno with e->msg one line. */
int xlb_cli__parse(int argc, char **argv, struct xlb_cli_cmd *cmd, FILE *help_out,
		   struct xlb_ctl_err *e);

/* Most words on one batch line, and the longest line. */
#define XLB_CLI_MAX_WORDS 64
#define XLB_CLI_LINE_MAX  4096

/* Splits line in place into words at blanks; a word starting with '#'
 * starts a comment. A word in double quotes may hold blanks, and \" and \\
 * inside stand for " and \ (what `save` writes for such values). Returns
 * the word count, -E2BIG (more than max) or -EINVAL (an unterminated quote). */
int xlb_cli__split(char *line, char **argv, int max);
/* "too many words" or "unterminated quoted word". */
const char *xlb_cli__split_error(int err);

/* The requests of a batch file and the line each came from. */
struct xlb_cli_batch {
	struct xlb_ctl_msg *msgs;
	unsigned int *lines;
	size_t n;
	size_t cap;
};

/* Reads every line of f (named name in messages) into b: each must be a
 * command allowed in a batch. The first bad line fails the whole file with
 * e->msg "NAME:LINE: why". Returns 0 or -errno. */
int xlb_cli_batch__parse(FILE *f, const char *name, struct xlb_cli_batch *b, struct xlb_ctl_err *e);
void xlb_cli_batch__free(struct xlb_cli_batch *b);

#endif /* XLB_CLI_H */
