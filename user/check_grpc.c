// SPDX-License-Identifier: MIT
/*
 * gRPC checks: grpc.health.v1.Health/Check as a plain HTTP/2 POST through
 * curl (prior knowledge for h2c, ALPN over TLS). The call's outcome is the
 * grpc-status header, which comes in the trailers of a normal answer and in
 * the headers of a "trailers-only" error; curl's header callback sees both.
 * Healthy only when the call succeeds and the answer says SERVING.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "check_curl.h"
#include "grpc_codec.h"

#define RESPONSE_CAP	 1024 /* a HealthCheckResponse is a handful of bytes */
#define REQUEST_CAP	 (XLB_GRPC_FRAME_HDR + 1 + 2 + XLB_CHECK_SERVICE_LEN)
#define GRPC_MESSAGE_LEN 128
#define HEADER_VALUE_LEN 32
#define HTTP_OK		 200
#define STATUS_NONE	 (-1L)

static const char hdr_status[] = "grpc-status:";
static const char hdr_message[] = "grpc-message:";

struct grpc_probe {
	struct xlb_curl_probe c; /* first: the curl request is at its start */
	uint8_t request[REQUEST_CAP];
	long grpc_status;
	char grpc_message[GRPC_MESSAGE_LEN];
};

/* Copies the header value after name (blanks and CRLF trimmed) into buf. */
static void header_value(const char *line, size_t len, size_t name_len, char *buf, size_t size)
{
	const char *v = line + name_len, *end = line + len;
	size_t n;

	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	n = (size_t)(end - v) < size - 1 ? (size_t)(end - v) : size - 1;
	memcpy(buf, v, n);
	buf[n] = '\0';
}

/* CURLOPT_HEADERFUNCTION: headers and trailers alike. */
static size_t on_header(char *line, size_t size, size_t nitems, void *arg)
{
	struct grpc_probe *g = arg;
	size_t len = size * nitems;
	char value[HEADER_VALUE_LEN], *end;
	long code;

	if (len > sizeof(hdr_status) - 1 &&
	    !strncasecmp(line, hdr_status, sizeof(hdr_status) - 1)) {
		header_value(line, len, sizeof(hdr_status) - 1, value, sizeof(value));
		code = strtol(value, &end, 10);
		g->grpc_status = value[0] && !*end && code >= 0 ? code : INT32_MAX;
	} else if (len > sizeof(hdr_message) - 1 &&
		   !strncasecmp(line, hdr_message, sizeof(hdr_message) - 1)) {
		header_value(line, len, sizeof(hdr_message) - 1, g->grpc_message,
			     sizeof(g->grpc_message));
	}
	return len;
}

static void judge(struct grpc_probe *g, struct xlb_check_result *r)
{
	struct xlb_curl_probe *p = &g->c;
	long status = 0, version = 0;
	uint32_t serving;
	const char *name;

	if (curl_easy_getinfo(p->easy, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK ||
	    curl_easy_getinfo(p->easy, CURLINFO_HTTP_VERSION, &version) != CURLE_OK) {
		xlb_check_result__set(r, XLB_CR_ERROR, 0, "internal: curl_easy_getinfo");
		return;
	}
	if (version != CURL_HTTP_VERSION_2_0) {
		xlb_check_result__set(r, XLB_CR_PROTOCOL, 0, "grpc: no http/2");
		return;
	}
	if (status != HTTP_OK) {
		xlb_check_result__set(r, XLB_CR_HTTP_STATUS, (int)status, "http %ld", status);
		return;
	}
	if (g->grpc_status == STATUS_NONE) {
		xlb_check_result__set(r, XLB_CR_GRPC_MALFORMED, 0, "grpc: no grpc-status");
		return;
	}
	if (g->grpc_status != XLB_GRPC_STATUS_OK) {
		name = xlb_grpc_status__name(g->grpc_status);
		if (name)
			xlb_check_result__set(r, XLB_CR_GRPC_STATUS, (int)g->grpc_status,
					      "grpc status %s", name);
		else
			xlb_check_result__set(r, XLB_CR_GRPC_STATUS, (int)g->grpc_status,
					      "grpc status %ld", g->grpc_status);
		xlb_check_result__output(r, g->grpc_message, strlen(g->grpc_message));
		return;
	}
	if (xlb_grpc__decode_check((const uint8_t *)p->body, p->body_len, &serving)) {
		xlb_check_result__set(r, XLB_CR_GRPC_MALFORMED, 0, "grpc: malformed response");
		return;
	}
	name = xlb_grpc_serving__name(serving);
	if (serving == XLB_GRPC_SERVING)
		xlb_check_result__set(r, XLB_CR_OK, (int)serving, "ok");
	else if (name)
		xlb_check_result__set(r, XLB_CR_GRPC_NOT_SERVING, (int)serving, "grpc %s", name);
	else
		xlb_check_result__set(r, XLB_CR_GRPC_NOT_SERVING, (int)serving, "grpc status %u",
				      serving);
}

static void grpc_done(struct xlb_curl_req *req, CURLcode rc)
{
	struct grpc_probe *g = (struct grpc_probe *)req;
	struct xlb_health_target *t = g->c.t;
	struct xlb_check_result r;

	if (!xlb_curl_probe__failed(&g->c, rc, &r))
		judge(g, &r);
	xlb_curl_probe__fini(&g->c);
	free(g);
	xlb_health__result(t, &r);
}

static int set_request(struct grpc_probe *g)
{
	const struct xlb_check_spec *s = &g->c.t->conf.spec;
	char line[HEADER_VALUE_LEN];
	CURLcode rc = CURLE_OK;
	int n, err = 0;

	n = xlb_grpc__encode_check(s->service, g->request, sizeof(g->request));
	if (n < 0)
		return n;
	rc |= curl_easy_setopt(g->c.easy, CURLOPT_HTTP_VERSION,
			       (long)CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE);
	rc |= curl_easy_setopt(g->c.easy, CURLOPT_POST, 1L);
	rc |= curl_easy_setopt(g->c.easy, CURLOPT_POSTFIELDS, g->request);
	rc |= curl_easy_setopt(g->c.easy, CURLOPT_POSTFIELDSIZE, (long)n);
	rc |= curl_easy_setopt(g->c.easy, CURLOPT_HEADERFUNCTION, on_header);
	rc |= curl_easy_setopt(g->c.easy, CURLOPT_HEADERDATA, g);
	if (rc != CURLE_OK)
		return -EINVAL;
	/* the server may give up when we would: "m" is milliseconds */
	snprintf(line, sizeof(line), "grpc-timeout: %llum",
		 (unsigned long long)(s->timeout_ns / XLB_NSEC_PER_MSEC));
	err = err ?: xlb_curl_probe__header(&g->c, "content-type: application/grpc");
	err = err ?: xlb_curl_probe__header(&g->c, "te: trailers");
	err = err ?: xlb_curl_probe__header(&g->c, line);
	err = err ?: xlb_curl_probe__header(&g->c, "Accept:"); /* curl's default, removed */
	return err;
}

static int grpc_start(struct xlb_health_target *t)
{
	struct grpc_probe *g;
	int err;

	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->grpc_status = STATUS_NONE;
	err = xlb_curl_probe__init(&g->c, t, XLB_GRPC_HEALTH_PATH, RESPONSE_CAP, grpc_done);
	if (err)
		goto cleanup;
	err = set_request(g);
	if (err)
		goto cleanup;
	err = xlb_curl_probe__start(&g->c);
	if (err)
		goto cleanup;
	t->probe = g;
	return 0;
cleanup:
	xlb_curl_probe__fini(&g->c);
	free(g);
	return err;
}

static void grpc_cancel(struct xlb_health_target *t, struct xlb_check_result *r)
{
	struct grpc_probe *g = t->probe;

	(void)r;
	if (!g)
		return;
	xlb_curl_probe__fini(&g->c);
	free(g);
	t->probe = NULL;
}

const struct xlb_check_ops xlb_check_grpc_ops = {
	.start = grpc_start,
	.cancel = grpc_cancel,
};
