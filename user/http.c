// SPDX-License-Identifier: MIT
/*
 * libmicrohttpd in external-epoll mode: MHD_USE_EPOLL without an internal
 * thread gives one epoll fd that becomes readable whenever MHD has work;
 * the loop watches it and calls MHD_run, and a timerfd armed from
 * MHD_get_timeout wakes MHD for its connection timeouts. Routes are a small
 * table of exact paths.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <microhttpd.h>

#include "addr.h"
#include "http.h"
#include "log.h"
#include <xlb/timeunit.h>

#define HTTP_ROUTES_MAX	    16
#define HTTP_PATH_MAX	    64
#define HTTP_CONN_MAX	    64 /* probes and scrapers, not the world */
#define HTTP_IDLE_SECONDS   10
#define HTTP_BODY_INITIAL   256
#define HTTP_LOG_MAX	    256
#define HTTP_TEXT	    "text/plain; charset=utf-8"
#define JSON_CONTROL_LIMIT  0x20 /* bytes below are escaped as \u00XX */
#define HTTP_NOT_FOUND_BODY "not found\n"

struct http_route {
	char path[HTTP_PATH_MAX];
	xlb_http_fn fn;
	void *arg;
};

struct xlb_http {
	struct xlb_loop *loop;
	struct MHD_Daemon *mhd;
	int epfd; /* MHD's own; closed by MHD */
	int timerfd;
	struct http_route routes[HTTP_ROUTES_MAX];
	size_t nr_routes;
};

/* Replies */

static bool reply_reserve(struct xlb_http_reply *r, size_t more)
{
	size_t cap;
	char *body;

	if (r->failed)
		return false;
	if (r->len + more < r->cap)
		return true;
	cap = r->cap ? r->cap : HTTP_BODY_INITIAL;
	while (cap <= r->len + more)
		cap *= 2;
	body = realloc(r->body, cap);
	if (!body) {
		r->failed = true;
		return false;
	}
	r->body = body;
	r->cap = cap;
	return true;
}

void xlb_http_reply__printf(struct xlb_http_reply *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !reply_reserve(r, (size_t)n + 1))
		return;
	va_start(ap, fmt);
	vsnprintf(r->body + r->len, r->cap - r->len, fmt, ap);
	va_end(ap);
	r->len += (size_t)n;
}

void xlb_http_reply__json_string(struct xlb_http_reply *r, const char *s)
{
	xlb_http_reply__printf(r, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			xlb_http_reply__printf(r, "\\%c", c);
		else if (c < JSON_CONTROL_LIMIT)
			xlb_http_reply__printf(r, "\\u%04x", c);
		else
			xlb_http_reply__printf(r, "%c", c);
	}
	xlb_http_reply__printf(r, "\"");
}

/* Requests */

static const struct http_route *route_find(const struct xlb_http *h, const char *path)
{
	size_t i;

	for (i = 0; i < h->nr_routes; i++)
		if (!strcmp(h->routes[i].path, path))
			return &h->routes[i];
	return NULL;
}

static enum MHD_Result respond(struct MHD_Connection *conn, struct xlb_http_reply *r)
{
	static char empty[1];
	struct MHD_Response *resp;
	enum MHD_Result ret;

	/* MHD frees the body with free() once sent */
	if (r->body)
		resp = MHD_create_response_from_buffer(r->len, r->body, MHD_RESPMEM_MUST_FREE);
	else
		resp = MHD_create_response_from_buffer(0, empty, MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		free(r->body);
		return MHD_NO;
	}
	r->body = NULL;
	if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				    r->content_type ? r->content_type : HTTP_TEXT) != MHD_YES ||
	    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") != MHD_YES) {
		MHD_destroy_response(resp);
		return MHD_NO;
	}
	ret = MHD_queue_response(conn, r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct xlb_http_reply r = {.status = MHD_HTTP_OK};
	const struct http_route *route;
	struct xlb_http *h = cls;

	/* answered at once, on the headers: no route reads a body */
	(void)version;
	(void)upload;
	(void)upload_size;
	(void)con_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD)) {
		r.status = MHD_HTTP_METHOD_NOT_ALLOWED;
		xlb_http_reply__printf(&r, "GET or HEAD only\n");
	} else if (!(route = route_find(h, url))) {
		r.status = MHD_HTTP_NOT_FOUND;
		xlb_http_reply__printf(&r, HTTP_NOT_FOUND_BODY);
	} else {
		route->fn(route->arg, &r);
	}
	if (r.failed) {
		free(r.body);
		memset(&r, 0, sizeof(r));
		r.status = MHD_HTTP_INTERNAL_SERVER_ERROR;
	}
	return respond(conn, &r);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[HTTP_LOG_MAX];

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	pr_debug("http: %s", line);
}

/* The loop's side */

/* Arms the timer for MHD's next timeout, or disarms it if there is none. */
static void rearm(struct xlb_http *h)
{
	MHD_UNSIGNED_LONG_LONG ms;

	if (MHD_get_timeout(h->mhd, &ms) == MHD_YES) {
		if (xlb_timerfd__arm(h->timerfd, (uint64_t)ms * XLB_NSEC_PER_MSEC, 0))
			pr_debug("http: timer not armed\n");
	} else if (xlb_timerfd__disarm(h->timerfd)) {
		pr_debug("http: timer not disarmed\n");
	}
}

static void run(struct xlb_http *h)
{
	if (MHD_run(h->mhd) != MHD_YES)
		pr_debug("http: MHD_run failed\n");
	rearm(h);
}

static void on_epoll(struct xlb_loop *loop, int fd, uint32_t events, void *arg)
{
	(void)loop;
	(void)fd;
	(void)events;
	run(arg);
}

static void on_timer(struct xlb_loop *loop, int fd, uint32_t events, void *arg)
{
	uint64_t n;

	(void)loop;
	(void)events;
	if (xlb_timerfd__read(fd, &n))
		return;
	run(arg);
}

int xlb_http__open(struct xlb_loop *loop, const struct sockaddr *addr, socklen_t len,
		   struct xlb_http **out)
{
	unsigned int flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	const union MHD_DaemonInfo *info;
	struct xlb_http *h;
	int err;

	if (len < sizeof(sa_family_t))
		return -EINVAL;
	if (addr->sa_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->loop = loop;
	h->epfd = -1;
	h->timerfd = -1;
	errno = 0;
	h->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h, MHD_OPTION_SOCK_ADDR, addr,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned int)HTTP_CONN_MAX,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)HTTP_IDLE_SECONDS,
				  MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_END);
	if (!h->mhd) {
		err = errno ? -errno : -EIO;
		pr_warn("http: cannot listen: %s\n", strerror(-err));
		goto cleanup;
	}
	info = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (!info) {
		err = -EIO;
		pr_warn("http: no epoll fd from libmicrohttpd\n");
		goto cleanup;
	}
	h->epfd = info->epoll_fd;
	h->timerfd = xlb_timerfd__open();
	if (h->timerfd < 0) {
		err = h->timerfd;
		goto cleanup;
	}
	err = xlb_loop__add(loop, h->epfd, EPOLLIN, on_epoll, h);
	if (!err)
		err = xlb_loop__add(loop, h->timerfd, EPOLLIN, on_timer, h);
	if (err)
		goto cleanup;
	rearm(h);
	*out = h;
	return 0;
cleanup:
	xlb_http__close(h);
	return err;
}

int xlb_http__route(struct xlb_http *h, const char *path, xlb_http_fn fn, void *arg)
{
	struct http_route *r;

	if (route_find(h, path))
		return -EEXIST;
	if (h->nr_routes == HTTP_ROUTES_MAX)
		return -ENOSPC;
	if (strlen(path) >= HTTP_PATH_MAX || path[0] != '/')
		return -EINVAL;
	r = &h->routes[h->nr_routes++];
	snprintf(r->path, sizeof(r->path), "%s", path);
	r->fn = fn;
	r->arg = arg;
	return 0;
}

void xlb_http__close(struct xlb_http *h)
{
	if (!h)
		return;
	if (h->epfd >= 0)
		xlb_loop__del(h->loop, h->epfd); /* ENOENT if never added: fine */
	if (h->timerfd >= 0) {
		xlb_loop__del(h->loop, h->timerfd);
		close(h->timerfd);
	}
	if (h->mhd)
		MHD_stop_daemon(h->mhd);
	free(h);
}

int xlb_http__parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct xlb_addr a;
	__u8 family;
	__u16 port;

	if (xlb_endpoint__parse(s, &a, &family, &port) || !port)
		return -EINVAL;
	memset(ss, 0, sizeof(*ss));
	if (family == XLB_AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, &a.a[0], sizeof(sin->sin_addr));
		*len = sizeof(*sin);
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, a.a, sizeof(sin6->sin6_addr));
		*len = sizeof(*sin6);
	}
	return 0;
}
