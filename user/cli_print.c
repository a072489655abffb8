// SPDX-License-Identifier: MIT
/* Text and JSON through the same calls (see cli_print.h). */
#include <stdarg.h>
#include <string.h>

#include "cli_print.h"

#define JSON_DEPTH_MAX 16

static struct {
	FILE *out;
	bool json;
	unsigned int depth;
	bool not_first[JSON_DEPTH_MAX]; /* a value was printed at this depth */
} pr = {.depth = 0};

void print_start(FILE *out, bool json)
{
	memset(&pr, 0, sizeof(pr));
	pr.out = out;
	pr.json = json;
}

void print_end(void)
{
	if (pr.json)
		fputc('\n', pr.out);
	fflush(pr.out);
}

bool print_is_json(void)
{
	return pr.json;
}

static void json_escaped(const char *s)
{
	fputc('"', pr.out);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(pr.out, "\\%c", c);
		else if (c < ' ')
			fprintf(pr.out, "\\u%04x", c);
		else
			fputc(c, pr.out);
	}
	fputc('"', pr.out);
}

/* Comma and key before a JSON value. */
static void json_value_start(const char *key)
{
	if (pr.not_first[pr.depth])
		fputc(',', pr.out);
	pr.not_first[pr.depth] = true;
	if (key) {
		json_escaped(key);
		fputc(':', pr.out);
	}
}

static void json_open(const char *key, char c)
{
	if (!pr.json)
		return;
	json_value_start(key);
	fputc(c, pr.out);
	if (pr.depth + 1 < JSON_DEPTH_MAX)
		pr.depth++;
	pr.not_first[pr.depth] = false;
}

static void json_close(char c)
{
	if (!pr.json)
		return;
	if (pr.depth)
		pr.depth--;
	fputc(c, pr.out);
}

void open_json_object(const char *key)
{
	json_open(key, '{');
}

void close_json_object(void)
{
	json_close('}');
}

void open_json_array(const char *key)
{
	json_open(key, '[');
}

void close_json_array(void)
{
	json_close(']');
}

void print_string(enum print_type t, const char *key, const char *fmt, const char *value)
{
	if (pr.json) {
		if (!(t & PRINT_JSON))
			return;
		json_value_start(key);
		json_escaped(value);
	} else if (t & PRINT_FP) {
		fprintf(pr.out, fmt, value);
	}
}

void print_u64(enum print_type t, const char *key, const char *fmt, __u64 value)
{
	if (pr.json) {
		if (!(t & PRINT_JSON))
			return;
		json_value_start(key);
		fprintf(pr.out, "%llu", (unsigned long long)value);
	} else if (t & PRINT_FP) {
		fprintf(pr.out, fmt, (unsigned long long)value);
	}
}

void print_bool(enum print_type t, const char *key, const char *fmt, bool value)
{
	if (pr.json) {
		if (!(t & PRINT_JSON))
			return;
		json_value_start(key);
		fputs(value ? "true" : "false", pr.out);
	} else if (t & PRINT_FP) {
		fprintf(pr.out, fmt, value ? "yes" : "no");
	}
}

void print_text(const char *fmt, ...)
{
	va_list ap;

	if (pr.json)
		return;
	va_start(ap, fmt);
	vfprintf(pr.out, fmt, ap);
	va_end(ap);
}
