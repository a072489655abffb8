// SPDX-License-Identifier: MIT
/*
 * HTTP and HTTPS checks: one request on a fresh connection; healthy when the
 * status is in the expected list and, if asked, the body holds the expected
 * text. The body is kept only up to a bound: enough for the match, or for a
 * line of detail in `show` when there is nothing to match.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check_curl.h"

#define BODY_MATCH_CAP 16384 /* where a body substring is looked for */

static void http_done(struct xlb_curl_req *req, CURLcode rc)
{
	struct xlb_curl_probe *p = (struct xlb_curl_probe *)req;
	struct xlb_health_target *t = p->t;
	const struct xlb_check_spec *s = &t->conf.spec;
	struct xlb_check_result r;
	long status = 0;

	if (!xlb_curl_probe__failed(p, rc, &r)) {
		if (curl_easy_getinfo(p->easy, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK)
			status = 0;
		if (!xlb_check_expect__match(s, status))
			xlb_check_result__set(&r, XLB_CR_HTTP_STATUS, (int)status, "http %ld",
					      status);
		else if (s->body[0] && !memmem(p->body, p->body_len, s->body, strlen(s->body)))
			xlb_check_result__set(&r, XLB_CR_BODY_MISMATCH, (int)status,
					      "body mismatch");
		else
			xlb_check_result__set(&r, XLB_CR_OK, (int)status, "ok");
		xlb_check_result__output(&r, p->body, p->body_len);
	}
	xlb_curl_probe__fini(p);
	free(p);
	xlb_health__result(t, &r);
}

static int set_method(struct xlb_curl_probe *p, const char *method)
{
	if (!strcmp(method, "GET"))
		return 0;
	if (!strcmp(method, "HEAD"))
		return curl_easy_setopt(p->easy, CURLOPT_NOBODY, 1L) == CURLE_OK ? 0 : -EINVAL;
	return curl_easy_setopt(p->easy, CURLOPT_CUSTOMREQUEST, method) == CURLE_OK ? 0 : -EINVAL;
}

static int http_start(struct xlb_health_target *t)
{
	const struct xlb_check_spec *s = &t->conf.spec;
	struct xlb_curl_probe *p;
	int err;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	err = xlb_curl_probe__init(p, t, s->path,
				   s->body[0] ? BODY_MATCH_CAP : XLB_CHECK_OUTPUT_LEN, http_done);
	if (err)
		goto cleanup;
	err = set_method(p, s->method);
	if (err)
		goto cleanup;
	/* every check is a connection of its own: the server may close once
	 * it has answered, so the RST that ends the check (check_curl.c)
	 * meets a socket it has let go; libcurl drops the header for HTTP/2,
	 * where it is not allowed */
	err = xlb_curl_probe__header(p, "Connection: close");
	if (err)
		goto cleanup;
	/* plain HTTP sends its one request in one write, which Nagle never
	 * holds: a syscall a check saved (TLS and HTTP/2 write several) */
	if (!s->tls && curl_easy_setopt(p->easy, CURLOPT_TCP_NODELAY, 0L) != CURLE_OK) {
		err = -EINVAL;
		goto cleanup;
	}
	err = xlb_curl_probe__start(p);
	if (err)
		goto cleanup;
	t->probe = p;
	return 0;
cleanup:
	xlb_curl_probe__fini(p);
	free(p);
	return err;
}

static void http_cancel(struct xlb_health_target *t, struct xlb_check_result *r)
{
	struct xlb_curl_probe *p = t->probe;

	(void)r;
	if (!p)
		return;
	xlb_curl_probe__fini(p);
	free(p);
	t->probe = NULL;
}

const struct xlb_check_ops xlb_check_http_ops = {
	.start = http_start,
	.cancel = http_cancel,
};
