/* SPDX-License-Identifier: MIT */
/*
 * The grammar's building blocks, shared by the engine (cli_parse.c) and the
 * tables (cli_grammar.c). A table is an array of tokens ended by one whose
 * type is CLI_T_NONE.
 */
#ifndef XLB_CLI_TOKEN_H
#define XLB_CLI_TOKEN_H

#include "cli.h"

#define CLI_PATH_MAX 128
#define CLI_MAX_SEEN 32 /* option keywords remembered to refuse repeats */

enum cli_tok_type {
	CLI_T_NONE = 0, /* ends a table */
	CLI_T_KEYWORD,	/* a word, matched by unambiguous prefix */
	CLI_T_ARG,	/* a positional value, tried when no keyword matches */
	CLI_T_END,	/* the command may end here; fn checks and finishes it */
};

struct cli_state;

/* Stores a value (or notes a keyword); returns 0 or -errno, and may set
 * st->e->msg itself, else the engine says "bad VALUE". */
typedef int (*cli_fn)(struct cli_state *st, const char *arg);
/* For a keyword followed by a phrase of its own (`check http path /h ...`):
 * parses as many of the next words as belong to it and returns that count,
 * or -errno with st->e->msg set. The engine goes on with the words after. */
typedef int (*cli_rest_fn)(struct cli_state *st, int argc, char **argv);

struct cli_token {
	enum cli_tok_type type;
	const char *word;  /* keyword, or the ARG's placeholder ("ADDR") */
	const char *value; /* placeholder of the keyword's value ("WEIGHT"), or NULL */
	cli_fn fn;
	const struct cli_token *next; /* table after this token; NULL: stay */
	const char *help;	      /* for `help`, and the "expected" of a bad value */
	cli_rest_fn rest;	      /* keywords only: takes the phrase after the keyword */
};

struct cli_state {
	struct xlb_cli_cmd *cmd;
	struct xlb_ctl_err *e;
	FILE *help_out;
	char path[CLI_PATH_MAX]; /* the command's words so far, for messages */
	const struct cli_token *seen[CLI_MAX_SEEN];
	unsigned int nr_seen;
	__u8 be_family; /* family of `addr`, checked against the VIP's at the end */
};

/* The top-level table (cli_grammar.c). */
extern const struct cli_token cli_top[];
/* `acl ...` and `ratelimit ...` (cli_guard.c). */
extern const struct cli_token cli_t_acl[];
extern const struct cli_token cli_t_ratelimit[];
/* `config set flow-budget N` (cli_guard.c). */
int cli_opt_flow_budget(struct cli_state *st, const char *arg);

/* Runs the words through table (xlb_cli__parse runs cli_top). */
int cli_run(struct cli_state *st, const struct cli_token *table, int argc, char **argv);

/* Picks one of names[n] by unambiguous prefix into *idx; on failure sets
 * st->e->msg naming what (e.g. "PROTO") and the choices. */
int cli_choose(struct cli_state *st, const char *what, const char *word, const char *const *names,
	       unsigned int n, unsigned int *idx);
/* Error for a required part missing at the end: `missing "vip VIP" in "backend add"`. */
int cli_missing(struct cli_state *st, const char *what);

#endif /* XLB_CLI_TOKEN_H */
