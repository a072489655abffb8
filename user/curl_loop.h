/* SPDX-License-Identifier: MIT */
/*
 * libcurl's multi interface driven by xlbd's loop: curl says which sockets to
 * watch and when to wake it (socket and timer callbacks); the loop reports
 * readiness back through curl_multi_socket_action. Transfers of any number
 * run in the one thread; each finished one is handed to its request's done.
 */
#ifndef XLB_CURL_LOOP_H
#define XLB_CURL_LOOP_H

#include <curl/curl.h>

#include "loop.h"

struct xlb_curl_loop;

/* Embedded in the caller's transfer state; set as the easy handle's
 * CURLOPT_PRIVATE by xlb_curl_loop__add. */
struct xlb_curl_req {
	/* The transfer ended with rc; done must remove the easy handle
	 * (xlb_curl_loop__remove) before anything else. */
	void (*done)(struct xlb_curl_req *req, CURLcode rc);
};

int xlb_curl_loop__new(struct xlb_loop *loop, struct xlb_curl_loop **out);
/* Transfers still added are abandoned (the caller cleans their handles). */
void xlb_curl_loop__free(struct xlb_curl_loop *c);

/* An easy handle with every option at its default but the close-socket
 * callback, which is the loop's: one put back earlier (curl_easy_reset),
 * else a new one. NULL when out of memory. */
CURL *xlb_curl_loop__easy(struct xlb_curl_loop *c);
/* Gives back an easy handle no longer added: kept for the next
 * xlb_curl_loop__easy while few are kept, else cleaned up. NULL is fine. */
void xlb_curl_loop__put(struct xlb_curl_loop *c, CURL *easy);

/* Starts a transfer; it begins on the loop's next round. 0 or -errno. */
int xlb_curl_loop__add(struct xlb_curl_loop *c, CURL *easy, struct xlb_curl_req *req);
/* Stops a transfer (finished or not); its sockets leave the loop. */
void xlb_curl_loop__remove(struct xlb_curl_loop *c, CURL *easy);

#endif /* XLB_CURL_LOOP_H */
