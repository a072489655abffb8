/* SPDX-License-Identifier: MIT */
/*
 * What the HTTP, HTTPS and gRPC checks share: one easy handle per check set
 * up for a fresh connection to the target's address (the URL keeps the name
 * for Host and SNI; CURLOPT_CONNECT_TO gives curl the address, so it never
 * resolves a name), TLS 1.2 or newer with verification on unless asked,
 * the response body kept up to a bound, and curl's errors as check reasons.
 */
#ifndef XLB_CHECK_CURL_H
#define XLB_CHECK_CURL_H

#include <stdbool.h>
#include <curl/curl.h>

#include "curl_loop.h"
#include "health_int.h"

#define XLB_CURL_URL_LEN (XLB_CHECK_NAME_LEN + XLB_CHECK_PATH_LEN + 32)

struct xlb_curl_probe {
	struct xlb_curl_req req;
	struct xlb_health_target *t;
	CURL *easy;
	bool added; /* in the curl loop */
	struct curl_slist *headers;
	struct curl_slist *connect_to;
	char errbuf[CURL_ERROR_SIZE];
	char url[XLB_CURL_URL_LEN];
	char *body; /* the first body_cap bytes of the response body */
	size_t body_len;
	size_t body_cap;
};

/* Sets up p for a request to t's check port at path over http or https;
 * done gets the finished transfer. 0 or -errno. */
int xlb_curl_probe__init(struct xlb_curl_probe *p, struct xlb_health_target *t, const char *path,
			 size_t body_cap, void (*done)(struct xlb_curl_req *req, CURLcode rc));
/* Adds a request header line ("te: trailers"). 0 or -ENOMEM. */
int xlb_curl_probe__header(struct xlb_curl_probe *p, const char *line);
/* Hands the request to the curl loop. 0 or -errno. */
int xlb_curl_probe__start(struct xlb_curl_probe *p);
/* Stops the transfer if it runs and frees everything but p itself. */
void xlb_curl_probe__fini(struct xlb_curl_probe *p);
/* Maps a transfer error to a check result; false when rc is CURLE_OK. */
bool xlb_curl_probe__failed(struct xlb_curl_probe *p, CURLcode rc, struct xlb_check_result *r);

#endif /* XLB_CHECK_CURL_H */
