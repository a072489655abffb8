/* SPDX-License-Identifier: MIT */
/*
 * xlbd's HTTP endpoint (libmicrohttpd): /health, /health/live,
 * /health/ready, and whatever other routes are registered (the metrics add
 * /metrics). MHD runs without a thread of its own: its epoll fd is one more
 * fd of xlbd's loop and its timeouts come from a timerfd, so serving never
 * blocks the loop and needs no locking.
 */
#ifndef XLB_HTTP_H
#define XLB_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "loop.h"

#define XLB_HTTP_DEFAULT_ADDR "127.0.0.1"
#define XLB_HTTP_DEFAULT_PORT 9469

struct xlb_http;

/* What a route answers: status and body (text by default). */
struct xlb_http_reply {
	unsigned int status;	  /* 200 unless the route says otherwise */
	const char *content_type; /* "text/plain; charset=utf-8" unless set */
	char *body;
	size_t len;
	size_t cap;
	bool failed; /* out of memory while writing the body: answered 500 */
};

/* Appends to the body. */
void xlb_http_reply__printf(struct xlb_http_reply *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string, quotes included. */
void xlb_http_reply__json_string(struct xlb_http_reply *r, const char *s);

/* Fills the reply to a GET (or HEAD) of the route's path. */
typedef void (*xlb_http_fn)(void *arg, struct xlb_http_reply *r);

/* Listens on addr (e.g. 127.0.0.1:9469) from the loop. 0 or -errno. */
int xlb_http__open(struct xlb_loop *loop, const struct sockaddr *addr, socklen_t len,
		   struct xlb_http **out);
/* Answers GET path with fn; paths are exact ("/health/ready"). 0 or -errno
 * (-ENOSPC: the table is full, -EEXIST: the path has a route). */
int xlb_http__route(struct xlb_http *h, const char *path, xlb_http_fn fn, void *arg);
/* Closes the listener and every connection. NULL-safe. */
void xlb_http__close(struct xlb_http *h);

/* "ADDR:PORT" ("[ADDR]:PORT" for IPv6) into a socket address. 0 or -EINVAL. */
int xlb_http__parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *len);

#endif /* XLB_HTTP_H */
