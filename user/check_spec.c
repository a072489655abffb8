// SPDX-License-Identifier: MIT
/*
 * Check specs as words. The grammar is a table of option keywords, each
 * naming the check types it belongs to, so "path on a tcp check" is told
 * apart from a word that is no option at all, and the error lists the
 * valid words of the type at hand.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_spec.h"
#include <xlb/timeunit.h>

#define SEC_PER_MIN	  60ULL
#define SEC_PER_HOUR	  3600ULL
#define PORT_MAX	  65535
#define EXPECT_TEXT_MAX	  64 /* "100-599," x 8 */
#define DURATION_TEXT_MAX 24
#define LIST_TEXT_MAX	  120  /* the valid words in an error line */
#define ASCII_PRINT_FIRST 0x21 /* '!' */
#define ASCII_PRINT_LAST  0x7e /* '~' */
#define ASCII_SPACE	  0x20
#define ASCII_DEL	  0x7f

#define TYPE_BIT(t) (1u << (t))
#define TYPES_ALL                                                                                  \
	(TYPE_BIT(XLB_CHECK_TCP) | TYPE_BIT(XLB_CHECK_HTTP) | TYPE_BIT(XLB_CHECK_HTTPS) |          \
	 TYPE_BIT(XLB_CHECK_GRPC) | TYPE_BIT(XLB_CHECK_SCRIPT))
#define TYPES_WEB (TYPE_BIT(XLB_CHECK_HTTP) | TYPE_BIT(XLB_CHECK_HTTPS))
#define TYPES_TLS (TYPE_BIT(XLB_CHECK_HTTPS) | TYPE_BIT(XLB_CHECK_GRPC))
/* Matched only when spelled out: turning verification off is never a guess. */
#define EXACT_ONLY (1u << 31)

static const char *const type_names[XLB_CHECK__MAX] = {
	[XLB_CHECK_NONE] = "none",   [XLB_CHECK_TCP] = "tcp",	[XLB_CHECK_HTTP] = "http",
	[XLB_CHECK_HTTPS] = "https", [XLB_CHECK_GRPC] = "grpc", [XLB_CHECK_SCRIPT] = "script",
};

enum opt_id {
	OPT_INTERVAL,
	OPT_TIMEOUT,
	OPT_RISE,
	OPT_FALL,
	OPT_PORT,
	OPT_METHOD,
	OPT_PATH,
	OPT_EXPECT,
	OPT_BODY,
	OPT_HOST,
	OPT_TLS,
	OPT_CA,
	OPT_SNI,
	OPT_INSECURE,
	OPT_SERVICE,
	OPT_ARG,
	OPT__MAX,
};

struct opt {
	const char *name;
	unsigned int types; /* TYPE_BIT()s it belongs to */
	bool has_value;
	bool repeats;
};

static const struct opt opts[OPT__MAX] = {
	[OPT_INTERVAL] = {"interval", TYPES_ALL, true, false},
	[OPT_TIMEOUT] = {"timeout", TYPES_ALL, true, false},
	[OPT_RISE] = {"rise", TYPES_ALL, true, false},
	[OPT_FALL] = {"fall", TYPES_ALL, true, false},
	[OPT_PORT] = {"port", TYPES_ALL, true, false},
	[OPT_METHOD] = {"method", TYPES_WEB, true, false},
	[OPT_PATH] = {"path", TYPES_WEB, true, false},
	[OPT_EXPECT] = {"expect", TYPES_WEB, true, false},
	[OPT_BODY] = {"body", TYPES_WEB, true, false},
	[OPT_HOST] = {"host", TYPES_WEB | TYPE_BIT(XLB_CHECK_GRPC), true, false},
	[OPT_TLS] = {"tls", TYPE_BIT(XLB_CHECK_GRPC), false, false},
	[OPT_CA] = {"ca", TYPES_TLS, true, false},
	[OPT_SNI] = {"sni", TYPES_TLS, true, false},
	[OPT_INSECURE] = {"insecure", TYPES_TLS | EXACT_ONLY, false, false},
	[OPT_SERVICE] = {"service", TYPE_BIT(XLB_CHECK_GRPC), true, false},
	[OPT_ARG] = {"arg", TYPE_BIT(XLB_CHECK_SCRIPT), true, true},
};

const char *xlb_check_type__name(enum xlb_check_type type)
{
	return type >= 0 && type < XLB_CHECK__MAX ? type_names[type] : "?";
}

void xlb_check_spec__init(struct xlb_check_spec *spec, enum xlb_check_type type)
{
	memset(spec, 0, sizeof(*spec));
	spec->type = type;
	spec->interval_ns = XLB_CHECK_DEF_INTERVAL_NS;
	spec->timeout_ns = XLB_CHECK_DEF_TIMEOUT_NS;
	spec->rise = XLB_CHECK_DEF_RISE;
	spec->fall = XLB_CHECK_DEF_FALL;
	snprintf(spec->method, sizeof(spec->method), "%s", XLB_CHECK_DEF_METHOD);
	snprintf(spec->path, sizeof(spec->path), "%s", XLB_CHECK_DEF_PATH);
	spec->expect[0].lo = XLB_CHECK_DEF_STATUS;
	spec->expect[0].hi = XLB_CHECK_DEF_STATUS;
	spec->nr_expect = 1;
	spec->tls = type == XLB_CHECK_HTTPS;
}

int xlb_duration__parse(const char *s, uint64_t *ns)
{
	static const struct {
		const char *suffix;
		uint64_t ns;
	} units[] = {
		{"", XLB_NSEC_PER_SEC},
		{"us", XLB_NSEC_PER_USEC},
		{"ms", XLB_NSEC_PER_MSEC},
		{"s", XLB_NSEC_PER_SEC},
		{"m", SEC_PER_MIN * XLB_NSEC_PER_SEC},
		{"h", SEC_PER_HOUR * XLB_NSEC_PER_SEC},
	};
	unsigned long long v;
	char *end;
	size_t i;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].suffix))
			continue;
		if (v > UINT64_MAX / units[i].ns)
			return -EINVAL;
		*ns = v * units[i].ns;
		return 0;
	}
	return -EINVAL;
}

void xlb_duration__format(uint64_t ns, char *buf, size_t len)
{
	if (ns && ns % (SEC_PER_HOUR * XLB_NSEC_PER_SEC) == 0)
		snprintf(buf, len, "%lluh",
			 (unsigned long long)(ns / (SEC_PER_HOUR * XLB_NSEC_PER_SEC)));
	else if (ns && ns % (SEC_PER_MIN * XLB_NSEC_PER_SEC) == 0)
		snprintf(buf, len, "%llum",
			 (unsigned long long)(ns / (SEC_PER_MIN * XLB_NSEC_PER_SEC)));
	else if (ns % XLB_NSEC_PER_SEC == 0)
		snprintf(buf, len, "%llus", (unsigned long long)(ns / XLB_NSEC_PER_SEC));
	else if (ns % XLB_NSEC_PER_MSEC == 0)
		snprintf(buf, len, "%llums", (unsigned long long)(ns / XLB_NSEC_PER_MSEC));
	else
		snprintf(buf, len, "%lluus", (unsigned long long)(ns / XLB_NSEC_PER_USEC));
}

static int parse_status(const char *s, const char *end, uint16_t *out)
{
	unsigned long v = 0;

	if (s == end)
		return -EINVAL;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > XLB_HTTP_STATUS_MAX)
			return -EINVAL;
	}
	if (v < XLB_HTTP_STATUS_MIN)
		return -EINVAL;
	*out = (uint16_t)v;
	return 0;
}

int xlb_check_expect__parse(const char *s, struct xlb_status_range *ranges, uint8_t *nr)
{
	struct xlb_status_range r[XLB_CHECK_MAX_RANGES];
	uint8_t n = 0;

	for (;;) {
		const char *comma = strchr(s, ',');
		const char *end = comma ? comma : s + strlen(s);
		const char *dash = memchr(s, '-', (size_t)(end - s));

		if (n == XLB_CHECK_MAX_RANGES)
			return -EINVAL;
		if (parse_status(s, dash ? dash : end, &r[n].lo))
			return -EINVAL;
		r[n].hi = r[n].lo;
		if (dash && parse_status(dash + 1, end, &r[n].hi))
			return -EINVAL;
		if (r[n].hi < r[n].lo)
			return -EINVAL;
		n++;
		if (!comma)
			break;
		s = comma + 1;
	}
	memcpy(ranges, r, n * sizeof(r[0]));
	*nr = n;
	return 0;
}

bool xlb_check_expect__match(const struct xlb_check_spec *spec, long status)
{
	uint8_t i;

	for (i = 0; i < spec->nr_expect; i++)
		if (status >= spec->expect[i].lo && status <= spec->expect[i].hi)
			return true;
	return false;
}

/* Index of the keyword word names exactly or by a unique prefix among the
 * names whose bit is in mask; -ENOENT if none, -EAGAIN if several. */
static int lookup(const char *word, const char *const *names, const unsigned int *masks,
		  unsigned int mask, int n)
{
	size_t len = strlen(word);
	int i, found = -ENOENT;

	if (!len)
		return -ENOENT;
	for (i = 0; i < n; i++) {
		if (!(masks[i] & mask) || strncmp(names[i], word, len))
			continue;
		if (!names[i][len])
			return i;
		if (masks[i] & EXACT_ONLY)
			continue;
		found = found == -ENOENT ? i : -EAGAIN;
	}
	return found;
}

/* "a, b, c" for the keywords in mask that start with prefix. */
static void list_words(char *buf, size_t len, const char *const *names, const unsigned int *masks,
		       unsigned int mask, int n, const char *prefix)
{
	size_t used = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < n && used < len; i++) {
		if (!(masks[i] & mask) || strncmp(names[i], prefix, strlen(prefix)) ||
		    (*prefix && (masks[i] & EXACT_ONLY)))
			continue;
		used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
					 names[i]);
	}
}

struct opt_table {
	const char *names[OPT__MAX];
	unsigned int masks[OPT__MAX];
};

static void opt_table(struct opt_table *t)
{
	int i;

	for (i = 0; i < OPT__MAX; i++) {
		t->names[i] = opts[i].name;
		t->masks[i] = opts[i].types;
	}
}

static int parse_type(const char *word, enum xlb_check_type *type, struct xlb_errmsg *e)
{
	unsigned int masks[XLB_CHECK__MAX];
	char list[LIST_TEXT_MAX];
	int i;

	for (i = 0; i < XLB_CHECK__MAX; i++)
		masks[i] = 1;
	i = lookup(word, type_names, masks, 1, XLB_CHECK__MAX);
	if (i == -EAGAIN) {
		list_words(list, sizeof(list), type_names, masks, 1, XLB_CHECK__MAX, word);
		return xlb_errmsg__set(e, -EINVAL, "check: ambiguous type '%s': %s", word, list);
	}
	if (i < 0) {
		list_words(list, sizeof(list), type_names, masks, 1, XLB_CHECK__MAX, "");
		return xlb_errmsg__set(e, -EINVAL, "check: unknown type '%s' (%s)", word, list);
	}
	*type = (enum xlb_check_type)i;
	return 0;
}

static bool chars_in(const char *s, int first, int last)
{
	for (; *s; s++)
		if ((unsigned char)*s < first || (unsigned char)*s > last)
			return false;
	return true;
}

/* True when s holds an ASCII control character other than allowed. */
static bool has_control(const char *s, char allowed)
{
	for (; *s; s++)
		if (*s != allowed && ((unsigned char)*s < ASCII_SPACE || *s == ASCII_DEL))
			return true;
	return false;
}

static bool is_hostname(const char *s)
{
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:[]",
			    *s))
			return false;
	return true;
}

/* Copies a string option after checking its length and characters. */
static int set_text(char *dst, size_t size, const char *name, const char *v, bool ok,
		    struct xlb_errmsg *e)
{
	if (!*v || !ok)
		return xlb_errmsg__set(e, -EINVAL, "check: bad %s '%s'", name, v);
	if (strlen(v) >= size)
		return xlb_errmsg__set(e, -EINVAL, "check: %s '%.32s...' longer than %zu bytes",
				       name, v, size - 1);
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

static int set_duration(uint64_t *dst, const char *name, const char *v, uint64_t min, uint64_t max,
			struct xlb_errmsg *e)
{
	char lo[DURATION_TEXT_MAX], hi[DURATION_TEXT_MAX];
	uint64_t ns;

	if (xlb_duration__parse(v, &ns))
		return xlb_errmsg__set(e, -EINVAL, "check: bad %s '%s' (e.g. 500ms, 2s, 1m)", name,
				       v);
	if (ns < min || ns > max) {
		xlb_duration__format(min, lo, sizeof(lo));
		xlb_duration__format(max, hi, sizeof(hi));
		return xlb_errmsg__set(e, -EINVAL, "check: %s '%s' out of range %s..%s", name, v,
				       lo, hi);
	}
	*dst = ns;
	return 0;
}

static int set_number(uint32_t *dst, const char *name, const char *v, unsigned long max,
		      struct xlb_errmsg *e)
{
	unsigned long n;
	char *end;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (*v < '0' || *v > '9' || *end || errno || n < 1 || n > max)
		return xlb_errmsg__set(e, -EINVAL, "check: bad %s '%s' (1..%lu)", name, v, max);
	*dst = (uint32_t)n;
	return 0;
}

static int set_method(struct xlb_check_spec *spec, const char *v, struct xlb_errmsg *e)
{
	size_t i, len = strlen(v);

	if (!len || len >= sizeof(spec->method))
		return xlb_errmsg__set(e, -EINVAL, "check: bad method '%s'", v);
	for (i = 0; i < len; i++) {
		char c = v[i];

		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c < 'A' || c > 'Z')
			return xlb_errmsg__set(e, -EINVAL, "check: bad method '%s'", v);
		spec->method[i] = c;
	}
	spec->method[len] = '\0';
	return 0;
}

static int add_arg(struct xlb_check_spec *spec, const char *v, struct xlb_errmsg *e)
{
	size_t used = 0, len = strlen(v);
	uint8_t i;

	/* A newline would end the state file's record early, a carriage return
	 * split the word there on reading; a tab is kept by save's quotes. */
	if (has_control(v, '\t'))
		return xlb_errmsg__set(e, -EINVAL,
				       "check: script arg %u holds a control character (a tab is "
				       "the only one allowed)",
				       (unsigned int)spec->nr_args + 1);
	for (i = 0; i < spec->nr_args; i++)
		used += strlen(spec->args + used) + 1;
	if (spec->nr_args == XLB_CHECK_MAX_ARGS || used + len + 1 > sizeof(spec->args))
		return xlb_errmsg__set(
			e, -EINVAL, "check: too many script arguments at '%.32s' (%d, %zu bytes)",
			v, XLB_CHECK_MAX_ARGS, sizeof(spec->args));
	memcpy(spec->args + used, v, len + 1);
	spec->nr_args++;
	return 0;
}

static int set_option(struct xlb_check_spec *spec, enum opt_id id, const char *v,
		      struct xlb_errmsg *e)
{
	uint32_t n;
	int err;

	switch (id) {
	case OPT_INTERVAL:
		return set_duration(&spec->interval_ns, "interval", v, XLB_CHECK_MIN_INTERVAL_NS,
				    XLB_CHECK_MAX_INTERVAL_NS, e);
	case OPT_TIMEOUT:
		return set_duration(&spec->timeout_ns, "timeout", v, XLB_CHECK_MIN_TIMEOUT_NS,
				    XLB_CHECK_MAX_INTERVAL_NS, e);
	case OPT_RISE:
		return set_number(&spec->rise, "rise", v, XLB_CHECK_MAX_COUNT, e);
	case OPT_FALL:
		return set_number(&spec->fall, "fall", v, XLB_CHECK_MAX_COUNT, e);
	case OPT_PORT:
		err = set_number(&n, "port", v, PORT_MAX, e);
		spec->port = (uint16_t)n;
		return err;
	case OPT_METHOD:
		return set_method(spec, v, e);
	case OPT_PATH:
		if (v[0] != '/')
			return xlb_errmsg__set(e, -EINVAL,
					       "check: bad path '%s' (must start with /)", v);
		return set_text(spec->path, sizeof(spec->path), "path", v,
				chars_in(v, ASCII_PRINT_FIRST, ASCII_PRINT_LAST), e);
	case OPT_EXPECT:
		if (xlb_check_expect__parse(v, spec->expect, &spec->nr_expect))
			return xlb_errmsg__set(e, -EINVAL,
					       "check: bad expect '%s' (statuses %d..%d, e.g. "
					       "200-299,301; at most %d)",
					       v, XLB_HTTP_STATUS_MIN, XLB_HTTP_STATUS_MAX,
					       XLB_CHECK_MAX_RANGES);
		return 0;
	case OPT_BODY:
		return set_text(spec->body, sizeof(spec->body), "body", v,
				chars_in(v, ASCII_SPACE, ASCII_DEL - 1), e);
	case OPT_HOST:
		return set_text(spec->host, sizeof(spec->host), "host", v, is_hostname(v), e);
	case OPT_TLS:
		spec->tls = true;
		return 0;
	case OPT_CA:
		return set_text(spec->ca_file, sizeof(spec->ca_file), "ca", v,
				chars_in(v, ASCII_SPACE, ASCII_DEL - 1), e);
	case OPT_SNI:
		return set_text(spec->sni, sizeof(spec->sni), "sni", v,
				is_hostname(v) && !strchr(v, ':'), e);
	case OPT_INSECURE:
		spec->insecure = true;
		return 0;
	case OPT_SERVICE:
		return set_text(spec->service, sizeof(spec->service), "service", v,
				chars_in(v, ASCII_PRINT_FIRST, ASCII_PRINT_LAST), e);
	case OPT_ARG:
		return add_arg(spec, v, e);
	case OPT__MAX:
		break;
	}
	return -EINVAL;
}

static int set_program(struct xlb_check_spec *spec, int argc, char *const *argv, int i,
		       struct xlb_errmsg *e)
{
	if (i >= argc)
		return xlb_errmsg__set(e, -EINVAL, "check: missing program after 'script'");
	if (argv[i][0] != '/')
		return xlb_errmsg__set(
			e, -EINVAL, "check: script program '%s' is not an absolute path", argv[i]);
	return set_text(spec->program, sizeof(spec->program), "program", argv[i],
			chars_in(argv[i], ASCII_SPACE, ASCII_DEL - 1), e);
}

/* Rules that span options: checked once all words are read. */
static int validate(struct xlb_check_spec *spec, const bool *seen, struct xlb_errmsg *e)
{
	char t[DURATION_TEXT_MAX], iv[DURATION_TEXT_MAX];

	if (spec->timeout_ns > spec->interval_ns) {
		if (seen[OPT_TIMEOUT]) {
			xlb_duration__format(spec->timeout_ns, t, sizeof(t));
			xlb_duration__format(spec->interval_ns, iv, sizeof(iv));
			return xlb_errmsg__set(e, -EINVAL, "check: timeout %s exceeds interval %s",
					       t, iv);
		}
		/* a short interval alone shortens the default timeout */
		spec->timeout_ns = spec->interval_ns;
	}
	if (spec->insecure && spec->ca_file[0])
		return xlb_errmsg__set(e, -EINVAL, "check: 'insecure' and 'ca' exclude each other");
	if (spec->type == XLB_CHECK_GRPC && !spec->tls &&
	    (seen[OPT_CA] || seen[OPT_SNI] || seen[OPT_INSECURE]))
		return xlb_errmsg__set(e, -EINVAL, "check: '%s' needs 'tls' on a grpc check",
				       seen[OPT_CA]    ? "ca"
				       : seen[OPT_SNI] ? "sni"
						       : "insecure");
	return 0;
}

int xlb_check_spec__parse(struct xlb_check_spec *spec, int argc, char *const *argv, int *consumed,
			  struct xlb_errmsg *e)
{
	bool seen[OPT__MAX] = {};
	char list[LIST_TEXT_MAX];
	enum xlb_check_type type = XLB_CHECK_NONE;
	struct opt_table t;
	unsigned int mask;
	int i = 0, id, err;

	opt_table(&t);
	if (i < argc && !strcmp(argv[i], "check"))
		i++;
	if (i >= argc)
		return xlb_errmsg__set(
			e, -EINVAL, "check: missing type (none, tcp, http, https, grpc, script)");
	err = parse_type(argv[i++], &type, e);
	if (err)
		return err;
	xlb_check_spec__init(spec, type);
	mask = TYPE_BIT(type);
	if (type == XLB_CHECK_SCRIPT) {
		err = set_program(spec, argc, argv, i++, e);
		if (err)
			return err;
	}
	for (; i < argc; i++) {
		const char *word = argv[i];

		id = lookup(word, t.names, t.masks, mask, OPT__MAX);
		if (id == -EAGAIN) {
			list_words(list, sizeof(list), t.names, t.masks, mask, OPT__MAX, word);
			return xlb_errmsg__set(e, -EINVAL, "check: ambiguous '%s': %s", word, list);
		}
		if (id < 0 && lookup(word, t.names, t.masks, TYPES_ALL, OPT__MAX) >= 0 && !consumed)
			return xlb_errmsg__set(e, -EINVAL,
					       "check: '%s' is not an option of %s checks", word,
					       type_names[type]);
		if (id < 0 && consumed)
			break;
		if (id < 0) {
			list_words(list, sizeof(list), t.names, t.masks, mask, OPT__MAX, "");
			return xlb_errmsg__set(e, -EINVAL, "check: unknown option '%s' of %s (%s)",
					       word, type_names[type], *list ? list : "none");
		}
		if (seen[id] && !opts[id].repeats)
			return xlb_errmsg__set(e, -EINVAL, "check: '%s' given twice",
					       opts[id].name);
		seen[id] = true;
		if (opts[id].has_value && i + 1 >= argc)
			return xlb_errmsg__set(e, -EINVAL, "check: missing value after '%s'", word);
		err = set_option(spec, (enum opt_id)id, opts[id].has_value ? argv[++i] : NULL, e);
		if (err)
			return err;
	}
	err = validate(spec, seen, e);
	if (err)
		return err;
	if (consumed)
		*consumed = i;
	return 0;
}

int xlb_check_spec__argv(struct xlb_check_spec *spec, char **argv)
{
	char *p = spec->args;
	int i, n = 0;

	argv[n++] = spec->program;
	for (i = 0; i < spec->nr_args && i < XLB_CHECK_MAX_ARGS; i++) {
		argv[n++] = p;
		p += strlen(p) + 1;
	}
	argv[n] = NULL;
	return n;
}

/* Appends " word", quoted when it holds a blank, a quote or a backslash, is
 * empty, or starts with '#' (a comment, unquoted), so the batch reader and
 * the state file split it back into one word. */
static int put_word(char *buf, size_t len, size_t *used, const char *prefix, const char *word)
{
	bool quote = !*word || *word == '#' || strpbrk(word, " \t\"\\'");
	size_t n = *used;

	n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? " " : "", prefix);
	if (!quote) {
		n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s", word);
	} else {
		n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "\"");
		for (; *word; word++)
			n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%c",
					      *word == '"' || *word == '\\' ? "\\" : "", *word);
		n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "\"");
	}
	*used = n;
	return n < len ? 0 : -ENOSPC;
}

static void format_expect(const struct xlb_check_spec *spec, char *buf, size_t len)
{
	size_t used = 0;
	uint8_t i;

	buf[0] = '\0';
	for (i = 0; i < spec->nr_expect && used < len; i++) {
		const struct xlb_status_range *r = &spec->expect[i];

		if (r->lo == r->hi)
			used += (size_t)snprintf(buf + used, len - used, "%s%u", i ? "," : "",
						 r->lo);
		else
			used += (size_t)snprintf(buf + used, len - used, "%s%u-%u", i ? "," : "",
						 r->lo, r->hi);
	}
}

int xlb_check_spec__format(const struct xlb_check_spec *spec, char *buf, size_t len)
{
	char v[XLB_CHECK_NAME_LEN], dv[EXPECT_TEXT_MAX];
	struct xlb_check_spec d;
	const char *p;
	size_t used = 0;
	int err = 0;
	uint8_t i;

	if (!len)
		return -ENOSPC;
	buf[0] = '\0';
	xlb_check_spec__init(&d, spec->type);
	if (d.timeout_ns > spec->interval_ns)
		d.timeout_ns = spec->interval_ns; /* what parsing gives without "timeout" */
	err |= put_word(buf, len, &used, "", xlb_check_type__name(spec->type));
	if (spec->type == XLB_CHECK_SCRIPT) {
		err |= put_word(buf, len, &used, "", spec->program);
		for (i = 0, p = spec->args; i < spec->nr_args; i++, p += strlen(p) + 1)
			err |= put_word(buf, len, &used, "arg ", p);
	}
	if (strcmp(spec->method, d.method) && (TYPES_WEB & TYPE_BIT(spec->type)))
		err |= put_word(buf, len, &used, "method ", spec->method);
	if (strcmp(spec->path, d.path) && (TYPES_WEB & TYPE_BIT(spec->type)))
		err |= put_word(buf, len, &used, "path ", spec->path);
	format_expect(spec, v, sizeof(v));
	format_expect(&d, dv, sizeof(dv));
	if (strcmp(v, dv) && (TYPES_WEB & TYPE_BIT(spec->type)))
		err |= put_word(buf, len, &used, "expect ", v);
	if (spec->body[0])
		err |= put_word(buf, len, &used, "body ", spec->body);
	if (spec->host[0])
		err |= put_word(buf, len, &used, "host ", spec->host);
	if (spec->tls && spec->type == XLB_CHECK_GRPC)
		err |= put_word(buf, len, &used, "", "tls");
	if (spec->ca_file[0])
		err |= put_word(buf, len, &used, "ca ", spec->ca_file);
	if (spec->sni[0])
		err |= put_word(buf, len, &used, "sni ", spec->sni);
	if (spec->insecure)
		err |= put_word(buf, len, &used, "", "insecure");
	if (spec->service[0])
		err |= put_word(buf, len, &used, "service ", spec->service);
	if (spec->type == XLB_CHECK_NONE)
		return err ? -ENOSPC : 0;
	if (spec->interval_ns != d.interval_ns) {
		xlb_duration__format(spec->interval_ns, v, sizeof(v));
		err |= put_word(buf, len, &used, "interval ", v);
	}
	if (spec->timeout_ns != d.timeout_ns) {
		xlb_duration__format(spec->timeout_ns, v, sizeof(v));
		err |= put_word(buf, len, &used, "timeout ", v);
	}
	if (spec->rise != d.rise) {
		snprintf(v, sizeof(v), "%u", spec->rise);
		err |= put_word(buf, len, &used, "rise ", v);
	}
	if (spec->fall != d.fall) {
		snprintf(v, sizeof(v), "%u", spec->fall);
		err |= put_word(buf, len, &used, "fall ", v);
	}
	if (spec->port) {
		snprintf(v, sizeof(v), "%u", spec->port);
		err |= put_word(buf, len, &used, "port ", v);
	}
	return err ? -ENOSPC : 0;
}
