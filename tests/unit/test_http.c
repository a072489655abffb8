// SPDX-License-Identifier: MIT
/*
 * The HTTP endpoint (libmicrohttpd driven by xlbd's loop) against a real
 * client socket in a network namespace of the test's own: routes, 404,
 * 405, HEAD, JSON escaping, no thread of its own, the route table's
 * limits, and the address option's parsing.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <criterion/criterion.h>

#include "http.h"
#include "loop.h"

#define TEST_ADDR      "198.18.0.1"
#define TEST_PORT      19469
#define REPLY_MAX      4096
#define ROUNDS_MAX     500 /* loop rounds per request, 10 ms each at most */
#define ROUND_MS       10
#define HTTP_UNAVAIL   503
#define ROUTES_MAX     16
#define SHELL_LINE_MAX 256

static void sh(const char *fmt, ...)
{
	char cmd[SHELL_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
}

/* A namespace of the test's own, with TEST_ADDR on its loopback. */
static void own_netns(void)
{
	cr_assert_eq(unshare(CLONE_NEWNET), 0, "unshare: %s", strerror(errno));
	sh("ip link set lo up");
	sh("ip addr add " TEST_ADDR "/32 dev lo");
}

static struct xlb_http *open_http(struct xlb_loop *loop)
{
	struct sockaddr_storage ss;
	struct xlb_http *h;
	socklen_t len;
	char addr[] = TEST_ADDR ":19469";

	cr_assert_eq(xlb_loop__init(loop), 0);
	cr_assert_eq(xlb_http__parse_addr(addr, &ss, &len), 0);
	cr_assert_eq(xlb_http__open(loop, (struct sockaddr *)&ss, len, &h), 0);
	return h;
}

/* Sends a raw request and runs the loop until the server closes: the
 * whole reply (headers and body) in out. */
static void request(struct xlb_loop *loop, const char *method, const char *path, char *out)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(TEST_PORT)};
	char req[SHELL_LINE_MAX];
	size_t got = 0;
	ssize_t n;
	int fd, i, len;

	inet_pton(AF_INET, TEST_ADDR, &sin.sin_addr);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	cr_assert_geq(fd, 0);
	cr_assert(connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 || errno == EINPROGRESS);
	len = snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
		       method, path);
	for (i = 0; i < ROUNDS_MAX; i++) {
		cr_assert_geq(xlb_loop__dispatch(loop, ROUND_MS), 0);
		if (send(fd, req, (size_t)len, MSG_NOSIGNAL) == len)
			break;
	}
	cr_assert_lt(i, ROUNDS_MAX, "request not sent");
	for (i = 0; i < ROUNDS_MAX; i++) {
		cr_assert_geq(xlb_loop__dispatch(loop, ROUND_MS), 0);
		n = recv(fd, out + got, REPLY_MAX - 1 - got, 0);
		if (n == 0)
			break;
		if (n > 0)
			got += (size_t)n;
		else
			cr_assert_eq(errno, EAGAIN, "recv: %s", strerror(errno));
	}
	cr_assert_lt(i, ROUNDS_MAX, "no complete reply");
	out[got] = '\0';
	close(fd);
}

static int status_of(const char *reply)
{
	int status = 0;

	cr_assert_eq(sscanf(reply, "HTTP/1.1 %d", &status), 1, "%s", reply);
	return status;
}

static const char *body_of(const char *reply)
{
	const char *b = strstr(reply, "\r\n\r\n");

	cr_assert_not_null(b, "%s", reply);
	return b + 4;
}

static void say_ok(void *arg, struct xlb_http_reply *r)
{
	(*(int *)arg)++;
	xlb_http_reply__printf(r, "ok\n");
}

static void say_json(void *arg, struct xlb_http_reply *r)
{
	(void)arg;
	r->status = HTTP_UNAVAIL;
	r->content_type = "application/json";
	xlb_http_reply__printf(r, "{\"why\":");
	xlb_http_reply__json_string(r, "a \"quoted\"\tback\\slash");
	xlb_http_reply__printf(r, "}\n");
}

static unsigned int threads(void)
{
	unsigned int n = 0;
	struct dirent *e;
	DIR *d = opendir("/proc/self/task");

	cr_assert_not_null(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

Test(http, routes_statuses_and_methods)
{
	char reply[REPLY_MAX];
	struct xlb_loop loop;
	struct xlb_http *h;
	unsigned int before;
	int calls = 0;

	own_netns();
	before = threads();
	h = open_http(&loop);
	cr_assert_eq(threads(), before, "libmicrohttpd runs in the loop, not in a thread");
	cr_assert_eq(xlb_http__route(h, "/health", say_ok, &calls), 0);
	cr_assert_eq(xlb_http__route(h, "/health/ready", say_json, NULL), 0);

	request(&loop, "GET", "/health", reply);
	cr_assert_eq(status_of(reply), 200, "%s", reply);
	cr_assert_str_eq(body_of(reply), "ok\n");
	cr_assert_not_null(strcasestr(reply, "Content-Type: text/plain"), "%s", reply);
	cr_assert_eq(calls, 1);

	request(&loop, "GET", "/health/ready", reply);
	cr_assert_eq(status_of(reply), HTTP_UNAVAIL);
	cr_assert_str_eq(body_of(reply), "{\"why\":\"a \\\"quoted\\\"\\u0009back\\\\slash\"}\n");
	cr_assert_not_null(strcasestr(reply, "Content-Type: application/json"), "%s", reply);

	request(&loop, "HEAD", "/health", reply);
	cr_assert_eq(status_of(reply), 200);
	cr_assert_str_eq(body_of(reply), "", "HEAD: no body");

	request(&loop, "GET", "/health/", reply);
	cr_assert_eq(status_of(reply), 404, "paths are exact");
	request(&loop, "GET", "/nope", reply);
	cr_assert_eq(status_of(reply), 404);
	request(&loop, "POST", "/health", reply);
	cr_assert_eq(status_of(reply), 405);
	cr_assert_eq(calls, 2, "only GET and HEAD reach the route");
	xlb_http__close(h);
	xlb_loop__fini(&loop);
}

Test(http, route_table_limits)
{
	struct xlb_loop loop;
	struct xlb_http *h;
	char path[32];
	int i, calls = 0;

	own_netns();
	h = open_http(&loop);
	cr_assert_eq(xlb_http__route(h, "/a", say_ok, &calls), 0);
	cr_assert_eq(xlb_http__route(h, "/a", say_ok, &calls), -EEXIST);
	cr_assert_eq(xlb_http__route(h, "relative", say_ok, &calls), -EINVAL);
	for (i = 1; i < ROUTES_MAX; i++) {
		snprintf(path, sizeof(path), "/r%d", i);
		cr_assert_eq(xlb_http__route(h, path, say_ok, &calls), 0);
	}
	cr_assert_eq(xlb_http__route(h, "/one-more", say_ok, &calls), -ENOSPC);
	xlb_http__close(h);
	xlb_loop__fini(&loop);
}

Test(http, a_busy_address_is_refused)
{
	struct xlb_loop loop;
	struct xlb_http *h, *h2;
	struct sockaddr_storage ss;
	socklen_t len;
	char addr[] = TEST_ADDR ":19469";

	own_netns();
	h = open_http(&loop);
	cr_assert_eq(xlb_http__parse_addr(addr, &ss, &len), 0);
	cr_assert_eq(xlb_http__open(&loop, (struct sockaddr *)&ss, len, &h2), -EADDRINUSE);
	xlb_http__close(h);
	xlb_loop__fini(&loop);
}

Test(http, addresses)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char v4[] = "127.0.0.1:9469", v6[] = "[2001:2::1]:80", noport[] = "198.18.0.1",
	     zero[] = "198.18.0.1:0", name[] = "localhost:80";

	cr_assert_eq(xlb_http__parse_addr(v4, &ss, &len), 0);
	cr_assert_eq(ss.ss_family, AF_INET);
	cr_assert_eq(ntohs(((struct sockaddr_in *)&ss)->sin_port), 9469);
	cr_assert_eq(xlb_http__parse_addr(v6, &ss, &len), 0);
	cr_assert_eq(ss.ss_family, AF_INET6);
	cr_assert_eq(len, sizeof(struct sockaddr_in6));
	cr_assert_eq(xlb_http__parse_addr(noport, &ss, &len), -EINVAL);
	cr_assert_eq(xlb_http__parse_addr(zero, &ss, &len), -EINVAL);
	cr_assert_eq(xlb_http__parse_addr(name, &ss, &len), -EINVAL);
}
