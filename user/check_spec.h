/* SPDX-License-Identifier: MIT */
/*
 * What a health check does, as a plain fixed-size struct (copyable, so a
 * backend can inherit its VIP's check by assignment), and its text form:
 * the CLI words `check http path /health expect 200-299 interval 2s ...`
 * parsed with one-line errors naming the bad word, and printed back in the
 * same words for `xlbctl save` and `show`.
 */
#ifndef XLB_CHECK_SPEC_H
#define XLB_CHECK_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "errmsg.h"
#include <xlb/timeunit.h>

enum xlb_check_type {
	XLB_CHECK_NONE = 0, /* no check: the backend counts as up */
	XLB_CHECK_TCP,
	XLB_CHECK_HTTP,
	XLB_CHECK_HTTPS,
	XLB_CHECK_GRPC,
	XLB_CHECK_SCRIPT,
	XLB_CHECK__MAX,
};

#define XLB_CHECK_DEF_INTERVAL_NS (2 * XLB_NSEC_PER_SEC)
#define XLB_CHECK_DEF_TIMEOUT_NS  (1 * XLB_NSEC_PER_SEC)
#define XLB_CHECK_DEF_RISE	  2
#define XLB_CHECK_DEF_FALL	  3
#define XLB_CHECK_DEF_METHOD	  "GET"
#define XLB_CHECK_DEF_PATH	  "/health"
#define XLB_CHECK_DEF_STATUS	  200

#define XLB_CHECK_MIN_INTERVAL_NS (10 * XLB_NSEC_PER_MSEC)
#define XLB_CHECK_MAX_INTERVAL_NS (3600 * XLB_NSEC_PER_SEC)
#define XLB_CHECK_MIN_TIMEOUT_NS  (1 * XLB_NSEC_PER_MSEC)
#define XLB_CHECK_MAX_COUNT	  1000 /* rise and fall */

#define XLB_CHECK_METHOD_LEN  16
#define XLB_CHECK_PATH_LEN    256
#define XLB_CHECK_NAME_LEN    256 /* Host header, SNI name */
#define XLB_CHECK_FILE_LEN    256 /* CA file, script program */
#define XLB_CHECK_BODY_LEN    128
#define XLB_CHECK_SERVICE_LEN 128
#define XLB_CHECK_ARGS_LEN    512 /* script arguments, NUL-separated */
#define XLB_CHECK_MAX_ARGS    16
#define XLB_CHECK_MAX_RANGES  8
#define XLB_HTTP_STATUS_MIN   100
#define XLB_HTTP_STATUS_MAX   599

/* An accepted HTTP status range, both ends included. */
struct xlb_status_range {
	uint16_t lo;
	uint16_t hi;
};

struct xlb_check_spec {
	enum xlb_check_type type;
	uint64_t interval_ns;
	uint64_t timeout_ns;
	uint32_t rise;
	uint32_t fall;
	uint16_t port; /* 0: the target's own port */

	/* http, https */
	char method[XLB_CHECK_METHOD_LEN];
	char path[XLB_CHECK_PATH_LEN];
	struct xlb_status_range expect[XLB_CHECK_MAX_RANGES];
	uint8_t nr_expect;
	char body[XLB_CHECK_BODY_LEN]; /* substring the body must hold; "" = any */
	char host[XLB_CHECK_NAME_LEN]; /* Host header (and SNI unless sni is set) */

	/* https, grpc with tls */
	bool tls; /* https always; grpc when asked for */
	bool insecure;
	char ca_file[XLB_CHECK_FILE_LEN]; /* "" = the system's CAs */
	char sni[XLB_CHECK_NAME_LEN];	  /* "" = host, else the address */

	/* grpc */
	char service[XLB_CHECK_SERVICE_LEN];

	/* script: program (absolute path) and its arguments after argv[0] */
	char program[XLB_CHECK_FILE_LEN];
	char args[XLB_CHECK_ARGS_LEN];
	uint8_t nr_args;
};

/* The defaults of a type: interval 2s, timeout 1s, rise 2, fall 3; GET
 * /health expecting 200. */
void xlb_check_spec__init(struct xlb_check_spec *spec, enum xlb_check_type type);

/*
 * Parses check words: an optional leading "check", the type, then options in
 * any order. Keywords accept an unambiguous prefix. With consumed NULL every
 * word must belong to the check; otherwise parsing stops at the first word
 * that is no option of the type and *consumed counts the words taken. Returns
 * 0 or -EINVAL with a one-line reason in e naming the bad word.
 */
int xlb_check_spec__parse(struct xlb_check_spec *spec, int argc, char *const *argv, int *consumed,
			  struct xlb_errmsg *e);

/* The words that parse back to spec (defaults left out), e.g.
 * "http path /ready expect 200-299,301 interval 500ms". 0 or -ENOSPC. */
int xlb_check_spec__format(const struct xlb_check_spec *spec, char *buf, size_t len);

/* Parses "200", "200-299,301"; 0 or -EINVAL. */
int xlb_check_expect__parse(const char *s, struct xlb_status_range *ranges, uint8_t *nr);
bool xlb_check_expect__match(const struct xlb_check_spec *spec, long status);

/* "500ms", "2s", "1m", or a bare number of seconds; 0 or -EINVAL. */
int xlb_duration__parse(const char *s, uint64_t *ns);
/* The shortest exact form: "2s", "1500ms", "1m". */
void xlb_duration__format(uint64_t ns, char *buf, size_t len);

/* Fills argv with pointers into spec: program, args, NULL; argv needs
 * XLB_CHECK_MAX_ARGS + 2 slots. Returns the number of words. */
int xlb_check_spec__argv(struct xlb_check_spec *spec, char **argv);

const char *xlb_check_type__name(enum xlb_check_type type);

#endif /* XLB_CHECK_SPEC_H */
