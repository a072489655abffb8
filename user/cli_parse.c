// SPDX-License-Identifier: MIT
/*
 * The grammar engine: walks the token tables of cli_grammar.c over the
 * words of one command. Keywords match by exact word or unambiguous prefix;
 * `help` lists the words valid where it stands.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli_token.h"

#define HELP_WORD   "help"
#define HELP_COL    24	/* column of the help text in `help` output */
#define CHOICES_MAX 256 /* room for a list of choices in a message */

static void path_add(struct cli_state *st, const char *word)
{
	size_t len = strlen(st->path);

	snprintf(st->path + len, sizeof(st->path) - len, "%s%s", len ? " " : "", word);
}

/* " in \"vip add\"" or nothing at the top. */
static const char *where(const struct cli_state *st, char *buf, size_t len)
{
	if (st->path[0])
		snprintf(buf, len, " in \"%s\"", st->path);
	else
		buf[0] = '\0';
	return buf;
}

/* "port, proto, mode, or the end of the command" */
static void expected(const struct cli_token *t, char *buf, size_t len)
{
	size_t used = 0;
	bool end = false;

	buf[0] = '\0';
	for (; t->type != CLI_T_NONE; t++) {
		if (t->type == CLI_T_END) {
			end = true;
			continue;
		}
		used += snprintf(buf + used, used < len ? len - used : 0, "%s%s", used ? ", " : "",
				 t->word);
	}
	if (end)
		snprintf(buf + used, used < len ? len - used : 0, "%sthe end of the command",
			 used ? ", or " : "");
}

static void print_help(struct cli_state *st, const struct cli_token *t)
{
	FILE *out = st->help_out ? st->help_out : stdout;

	fprintf(out, "xlbctl%s%s: valid here:\n", st->path[0] ? " " : "", st->path);
	for (; t->type != CLI_T_NONE; t++) {
		char head[CLI_PATH_MAX];

		if (t->type == CLI_T_END)
			snprintf(head, sizeof(head), "(end)");
		else
			snprintf(head, sizeof(head), "%s%s%s", t->word, t->value ? " " : "",
				 t->value ? t->value : "");
		fprintf(out, "  %-*s %s\n", HELP_COL, head, t->help ? t->help : "");
	}
}

static void print_value_help(struct cli_state *st, const struct cli_token *t)
{
	FILE *out = st->help_out ? st->help_out : stdout;

	fprintf(out, "%s %s: %s\n", t->word, t->value, t->help ? t->help : "");
	st->cmd->action = XLB_CLI_HELP;
}

int cli_missing(struct cli_state *st, const char *what)
{
	char w[CLI_PATH_MAX + 8];

	return xlb_ctl_err__set(st->e, -EINVAL, "missing \"%s\"%s", what, where(st, w, sizeof(w)));
}

int cli_choose(struct cli_state *st, const char *what, const char *word, const char *const *names,
	       unsigned int n, unsigned int *idx)
{
	char list[CHOICES_MAX] = "";
	unsigned int i, hits = 0, hit = 0;
	size_t used = 0, wlen = strlen(word);

	for (i = 0; i < n; i++) {
		if (!strcmp(word, names[i])) {
			*idx = i;
			return 0;
		}
		used += snprintf(list + used, used < sizeof(list) ? sizeof(list) - used : 0, "%s%s",
				 i ? ", " : "", names[i]);
		if (wlen && !strncmp(word, names[i], wlen)) {
			hits++;
			hit = i;
		}
	}
	if (hits == 1) {
		*idx = hit;
		return 0;
	}
	if (hits > 1) {
		used = 0;
		for (i = 0; i < n; i++)
			if (wlen && !strncmp(word, names[i], wlen))
				used += snprintf(list + used,
						 used < sizeof(list) ? sizeof(list) - used : 0,
						 "%s%s", used ? ", " : "", names[i]);
		return xlb_ctl_err__set(st->e, -EINVAL, "ambiguous %s \"%s\": %s", what, word,
					list);
	}
	return xlb_ctl_err__set(st->e, -EINVAL, "unknown %s \"%s\": expected %s", what, word, list);
}

/* Keyword matching: exact word first, else the one keyword it prefixes.
 * Returns the token, NULL when no keyword fits, or sets an ambiguity error. */
static int match_keyword(struct cli_state *st, const struct cli_token *table, const char *word,
			 const struct cli_token **tok)
{
	const struct cli_token *t, *hit = NULL;
	size_t wlen = strlen(word), used = 0;
	char list[CHOICES_MAX], w[CLI_PATH_MAX + 8];
	unsigned int hits = 0;

	*tok = NULL;
	for (t = table; t->type != CLI_T_NONE; t++) {
		if (t->type != CLI_T_KEYWORD)
			continue;
		if (!strcmp(word, t->word)) {
			*tok = t;
			return 0;
		}
		if (wlen && !strncmp(word, t->word, wlen)) {
			hits++;
			hit = t;
			used += snprintf(list + used, used < sizeof(list) ? sizeof(list) - used : 0,
					 "%s%s", used ? ", " : "", t->word);
		}
	}
	if (hits > 1)
		return xlb_ctl_err__set(st->e, -EINVAL, "ambiguous word \"%s\"%s: %s", word,
					where(st, w, sizeof(w)), list);
	*tok = hit;
	return 0;
}

static const struct cli_token *find_type(const struct cli_token *t, enum cli_tok_type type)
{
	for (; t->type != CLI_T_NONE; t++)
		if (t->type == type)
			return t;
	return NULL;
}

static int note_seen(struct cli_state *st, const struct cli_token *tok)
{
	unsigned int i;

	for (i = 0; i < st->nr_seen; i++)
		if (st->seen[i] == tok)
			return xlb_ctl_err__set(st->e, -EINVAL, "\"%s\" given twice", tok->word);
	if (st->nr_seen == CLI_MAX_SEEN)
		return xlb_ctl_err__set(st->e, -E2BIG, "too many words");
	st->seen[st->nr_seen++] = tok;
	return 0;
}

static int run_fn(struct cli_state *st, const struct cli_token *tok, const char *arg)
{
	const char *name = tok->type == CLI_T_ARG ? tok->word : tok->value;
	int err;

	st->e->msg[0] = '\0';
	err = tok->fn(st, arg);
	if (err && !st->e->msg[0])
		xlb_ctl_err__set(st->e, err, "bad %s \"%s\": expected %s", name, arg,
				 tok->help ? tok->help : name);
	st->e->err = err;
	return err;
}

static int err_or_default(struct cli_state *st, int err, const struct cli_token *tok)
{
	if (!st->e->msg[0])
		xlb_ctl_err__set(st->e, err, "bad words after \"%s\": expected %s", tok->word,
				 tok->help ? tok->help : tok->word);
	st->e->err = err;
	return err;
}

/* The words have run out in table: end the command or say what is missing. */
static int finish(struct cli_state *st, const struct cli_token *table)
{
	const struct cli_token *end = find_type(table, CLI_T_END);
	const struct cli_token *arg = find_type(table, CLI_T_ARG);
	char exp[CHOICES_MAX], w[CLI_PATH_MAX + 8];

	if (end)
		return end->fn ? run_fn(st, end, "") : 0;
	if (arg && !find_type(table, CLI_T_KEYWORD))
		return xlb_ctl_err__set(st->e, -EINVAL, "missing %s%s", arg->word,
					where(st, w, sizeof(w)));
	expected(table, exp, sizeof(exp));
	return xlb_ctl_err__set(st->e, -EINVAL, "missing word%s: expected %s",
				where(st, w, sizeof(w)), exp);
}

int cli_run(struct cli_state *st, const struct cli_token *table, int argc, char **argv)
{
	char exp[CHOICES_MAX], w[CLI_PATH_MAX + 8];
	const struct cli_token *tok;
	const char *arg;
	int i = 0, err;

	for (;;) {
		if (i == argc)
			return finish(st, table);
		if (!strcmp(argv[i], HELP_WORD)) {
			print_help(st, table);
			st->cmd->action = XLB_CLI_HELP;
			return 0;
		}
		err = match_keyword(st, table, argv[i], &tok);
		if (err)
			return err;
		if (!tok)
			tok = find_type(table, CLI_T_ARG);
		if (!tok) {
			expected(table, exp, sizeof(exp));
			return xlb_ctl_err__set(st->e, -EINVAL,
						"unknown word \"%s\"%s: expected %s", argv[i],
						where(st, w, sizeof(w)), exp);
		}
		arg = argv[i++];
		if (tok->type == CLI_T_KEYWORD) {
			arg = tok->word; /* the full keyword, whatever prefix was typed */
			err = note_seen(st, tok);
			if (err)
				return err;
			if (tok->value) {
				if (i == argc)
					return xlb_ctl_err__set(
						st->e, -EINVAL,
						"missing %s after \"%s\": expected %s", tok->value,
						tok->word, tok->help ? tok->help : tok->value);
				if (!strcmp(argv[i], HELP_WORD)) {
					print_value_help(st, tok);
					return 0;
				}
				arg = argv[i++];
			}
		}
		if (tok->fn) {
			err = run_fn(st, tok, arg);
			if (err)
				return err;
		}
		if (tok->type == CLI_T_KEYWORD && tok->rest) {
			st->e->msg[0] = '\0';
			err = tok->rest(st, argc - i, argv + i);
			if (err < 0)
				return err_or_default(st, err, tok);
			if (st->cmd->action == XLB_CLI_HELP)
				return 0; /* the phrase printed its own help */
			i += err;
		}
		if (tok->next) {
			if (tok->type == CLI_T_KEYWORD && !tok->value)
				path_add(st, tok->word);
			table = tok->next;
		}
	}
}

int xlb_cli__parse(int argc, char **argv, struct xlb_cli_cmd *cmd, FILE *help_out,
		   struct xlb_ctl_err *e)
{
	struct cli_state st = {.cmd = cmd, .e = e, .help_out = help_out};

	memset(cmd, 0, sizeof(*cmd));
	e->err = 0;
	e->msg[0] = '\0';
	return cli_run(&st, cli_top, argc, argv);
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* A quoted word from p (at its opening quote) into the same bytes:
 * returns the byte after the closing quote, or NULL if there is none. */
static char *unquote(char *p)
{
	char *out = p;

	for (p++; *p && *p != '"'; p++) {
		if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
			p++;
		*out++ = *p;
	}
	if (*p != '"')
		return NULL;
	*out = '\0';
	return p + 1;
}

int xlb_cli__split(char *line, char **argv, int max)
{
	int argc = 0;
	char *p = line;

	for (;;) {
		while (is_blank(*p))
			p++;
		if (!*p || *p == '#')
			return argc;
		if (argc == max)
			return -E2BIG;
		argv[argc++] = p;
		if (*p == '"') {
			p = unquote(p);
			if (!p || (*p && !is_blank(*p)))
				return -EINVAL;
			if (*p)
				p++;
			continue;
		}
		while (*p && !is_blank(*p))
			p++;
		if (*p)
			*p++ = '\0';
	}
}

const char *xlb_cli__split_error(int err)
{
	return err == -E2BIG ? "too many words" : "unterminated quoted word";
}

static int batch_add(struct xlb_cli_batch *b, const struct xlb_ctl_msg *m, unsigned int line)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 64;
		struct xlb_ctl_msg *msgs = reallocarray(b->msgs, cap, sizeof(*msgs));
		unsigned int *lines;

		if (!msgs)
			return -ENOMEM;
		b->msgs = msgs;
		lines = reallocarray(b->lines, cap, sizeof(*lines));
		if (!lines)
			return -ENOMEM;
		b->lines = lines;
		b->cap = cap;
	}
	b->msgs[b->n] = *m;
	b->lines[b->n] = line;
	b->n++;
	return 0;
}

/* Parses one line; 0 with nothing added for blanks and comments. */
static int batch_line(struct xlb_cli_batch *b, char *line, unsigned int lineno,
		      struct xlb_ctl_err *e)
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
		return xlb_ctl_err__set(e, -EINVAL, "\"%s\" is not allowed in a batch", argv[0]);
	err = batch_add(b, &cmd.msg, lineno);
	if (err)
		return xlb_ctl_err__set(e, err, "out of memory");
	return 0;
}

int xlb_cli_batch__parse(FILE *f, const char *name, struct xlb_cli_batch *b, struct xlb_ctl_err *e)
{
	char line[XLB_CLI_LINE_MAX], why[XLB_CTL_ERRMSG_MAX];
	unsigned int lineno = 0;
	int err;

	memset(b, 0, sizeof(*b));
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			err = xlb_ctl_err__set(e, -E2BIG, "%s:%u: line longer than %d bytes", name,
					       lineno, XLB_CLI_LINE_MAX - 1);
			goto cleanup;
		}
		err = batch_line(b, line, lineno, e);
		if (err) {
			snprintf(why, sizeof(why), "%s", e->msg);
			xlb_ctl_err__set(e, err, "%s:%u: %s", name, lineno, why);
			goto cleanup;
		}
	}
	if (ferror(f)) {
		err = xlb_ctl_err__set(e, -EIO, "%s: read error", name);
		goto cleanup;
	}
	return 0;
cleanup:
	xlb_cli_batch__free(b);
	return err;
}

void xlb_cli_batch__free(struct xlb_cli_batch *b)
{
	free(b->msgs);
	free(b->lines);
	memset(b, 0, sizeof(*b));
}
