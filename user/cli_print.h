/* SPDX-License-Identifier: MIT */
/*
 * One set of output calls for text and JSON, after iproute2's json_print:
 * each call names its JSON key and its text format, so `-j` can never drift
 * from the table. PRINT_FP prints only as text, PRINT_JSON only as JSON.
 */
#ifndef XLB_CLI_PRINT_H
#define XLB_CLI_PRINT_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

enum print_type {
	PRINT_FP = 1,
	PRINT_JSON = 2,
	PRINT_ANY = PRINT_FP | PRINT_JSON,
};

/* Where and how the following calls print. */
void print_start(FILE *out, bool json);
/* Ends the output (JSON: the final newline). */
void print_end(void);
bool print_is_json(void);

/* Containers exist only in JSON; key is NULL inside an array. */
void open_json_object(const char *key);
void close_json_object(void);
void open_json_array(const char *key);
void close_json_array(void);

void print_string(enum print_type t, const char *key, const char *fmt, const char *value);
void print_u64(enum print_type t, const char *key, const char *fmt, __u64 value);
void print_bool(enum print_type t, const char *key, const char *fmt, bool value);
/* Text only, printf-like: headers, separators, newlines. */
void print_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* XLB_CLI_PRINT_H */
