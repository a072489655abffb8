// SPDX-License-Identifier: MIT
/*
 * hc_httpd: the healthy backend of the health-check benchmark, fast enough
 * that the engine runs out before it does (a Python server answered fewer
 * than 5,000 new connections a second on this machine). One epoll loop
 * listens on NPORTS consecutive ports of ADDR (a wildcard address serves
 * every address the namespace holds), reads each request up to its blank
 * line and answers it with a fixed 200 and Connection: close; a connection
 * closed before a request (a TCP check) is counted and closed. It stops
 * after SECONDS, after MAX requests, or on SIGINT/SIGTERM, and prints
 * what it did.
 *
 *   hc_httpd -d SECONDS [-m MAX] [-b BACKLOG] ADDR PORT [NPORTS]
 *
 * Lines: "listening ADDR PORT NPORTS" once ready; at the end
 * "served REQUESTS accepted CONNECTIONS empty EMPTY errors ERRORS".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PORTS	16384
#define DEF_BACKLOG	4096
#define MAX_EVENTS	256
#define ACCEPT_BATCH	256 /* accepts per listener per event: others get a turn */
#define READ_BUF	4096
#define MAX_REQUEST	8192 /* a request without its blank line by then is dropped */
#define END_OF_HEAD	"\r\n\r\n"
#define END_OF_HEAD_LEN 4
#define LISTENER_TAG	(1ULL << 32) /* epoll data: the fd, tagged when a listener */
#define SIGNAL_TAG	(1ULL << 33)
#define FD_MASK		0xffffffffULL
#define MS_PER_SEC	1000
#define NS_PER_MS	1000000L
#define EXIT_USAGE	2
#define RESPONSE_TEXT	"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"

static const char response[] = RESPONSE_TEXT;

struct conn {
	uint16_t matched; /* bytes of END_OF_HEAD seen in a row */
	uint16_t bytes;	  /* bytes of the request read so far */
};

struct server {
	int epfd;
	int sigfd;
	struct conn *conns; /* by fd */
	size_t nr_conns;
	uint64_t max_requests;
	uint64_t served, accepted, empty, errors;
};

static void usage(void)
{
	fprintf(stderr, "usage: hc_httpd -d SECONDS [-m MAX] [-b BACKLOG] ADDR PORT [NPORTS]\n");
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * MS_PER_SEC + ts.tv_nsec / NS_PER_MS;
}

static int parse_addr(const char *text, uint16_t port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, text, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		*len = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, text, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		*len = sizeof(*sin6);
		return 0;
	}
	return -EINVAL;
}

static int listen_on(struct server *s, const char *addr, uint16_t port, int backlog)
{
	struct epoll_event ev = {.events = EPOLLIN};
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1, err;

	err = parse_addr(addr, port, &ss, &len);
	if (err)
		return err;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = -errno;
		fprintf(stderr, "hc_httpd: socket: %s\n", strerror(-err));
		return err;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&ss, len) || listen(fd, backlog)) {
		err = -errno;
		fprintf(stderr, "hc_httpd: %s port %u: %s\n", addr, port, strerror(-err));
		goto cleanup;
	}
	ev.data.u64 = LISTENER_TAG | (uint64_t)fd;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		err = -errno;
		fprintf(stderr, "hc_httpd: epoll_ctl: %s\n", strerror(-err));
		goto cleanup;
	}
	return 0;
cleanup:
	close(fd);
	return err;
}

static void conn_close(struct server *s, int fd)
{
	/* close() takes the fd out of the epoll set: nothing else shares it */
	close(fd);
	memset(&s->conns[fd], 0, sizeof(s->conns[fd]));
}

/* Reads what the client sent; answers once the head is complete. Returns
 * true while the connection waits for more. */
static bool conn_read(struct server *s, int fd)
{
	struct conn *c = &s->conns[fd];
	char buf[READ_BUF];
	ssize_t n, i;

	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EAGAIN)
			return true;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0)
				s->errors++;
			else if (!c->bytes)
				s->empty++;
			else
				s->errors++; /* closed half-way through a request */
			conn_close(s, fd);
			return false;
		}
		for (i = 0; i < n && c->matched < END_OF_HEAD_LEN; i++) {
			if (buf[i] == END_OF_HEAD[c->matched])
				c->matched++;
			else
				c->matched = buf[i] == END_OF_HEAD[0];
		}
		c->bytes = c->bytes + n > MAX_REQUEST ? MAX_REQUEST : (uint16_t)(c->bytes + n);
		if (c->matched == END_OF_HEAD_LEN)
			break;
		if (c->bytes >= MAX_REQUEST) {
			s->errors++;
			conn_close(s, fd);
			return false;
		}
	}
	/* a few dozen bytes into an empty socket buffer: one write does it */
	if (write(fd, response, sizeof(response) - 1) == (ssize_t)sizeof(response) - 1)
		s->served++;
	else
		s->errors++;
	conn_close(s, fd);
	return false;
}

static void on_listener(struct server *s, int lfd)
{
	struct epoll_event ev = {.events = EPOLLIN};
	int i, fd;

	for (i = 0; i < ACCEPT_BATCH; i++) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				s->errors++;
			return;
		}
		if ((size_t)fd >= s->nr_conns) {
			s->errors++; /* beyond RLIMIT_NOFILE: cannot happen */
			close(fd);
			continue;
		}
		s->accepted++;
		/* the request is often there already: no epoll round for it */
		if (!conn_read(s, fd))
			continue;
		ev.data.u64 = (uint64_t)fd;
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev)) {
			s->errors++;
			conn_close(s, fd);
		}
	}
}

static int serve(struct server *s, long deadline_ms)
{
	struct epoll_event evs[MAX_EVENTS];
	int i, n;
	long left;

	while ((left = deadline_ms - now_ms()) > 0 &&
	       (!s->max_requests || s->served < s->max_requests)) {
		n = epoll_wait(s->epfd, evs, MAX_EVENTS, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "hc_httpd: epoll_wait: %s\n", strerror(errno));
			return -errno;
		}
		for (i = 0; i < n; i++) {
			uint64_t tag = evs[i].data.u64;
			int fd = (int)(tag & FD_MASK);

			if (tag & SIGNAL_TAG)
				return 0;
			if (tag & LISTENER_TAG)
				on_listener(s, fd);
			else
				conn_read(s, fd);
		}
	}
	return 0;
}

static int open_signals(struct server *s)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = SIGNAL_TAG};
	sigset_t sigs;

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &sigs, NULL))
		return -errno;
	s->sigfd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s->sigfd < 0)
		return -errno;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->sigfd, &ev))
		return -errno;
	return 0;
}

struct args {
	const char *addr;
	long seconds;
	long port;
	int nports;
	int backlog;
	uint64_t max_requests;
};

static int parse_args(int argc, char **argv, struct args *a)
{
	int opt;

	while ((opt = getopt(argc, argv, "d:m:b:")) != -1) {
		if (opt == 'd')
			a->seconds = atol(optarg);
		else if (opt == 'm')
			a->max_requests = strtoull(optarg, NULL, 0);
		else if (opt == 'b')
			a->backlog = atoi(optarg);
		else
			return -EINVAL;
	}
	if (a->seconds <= 0 || a->backlog <= 0 || argc - optind < 2 || argc - optind > 3)
		return -EINVAL;
	a->addr = argv[optind];
	a->port = atol(argv[optind + 1]);
	if (argc - optind == 3)
		a->nports = atoi(argv[optind + 2]);
	if (a->port <= 0 || a->nports <= 0 || a->nports > MAX_PORTS ||
	    a->port + a->nports - 1 > UINT16_MAX)
		return -EINVAL;
	return 0;
}

int main(int argc, char **argv)
{
	struct args a = {.backlog = DEF_BACKLOG, .nports = 1};
	struct server s = {.epfd = -1, .sigfd = -1};
	struct rlimit rl;
	int i, err;

	if (parse_args(argc, argv, &a)) {
		usage();
		return EXIT_USAGE;
	}
	s.max_requests = a.max_requests;
	if (getrlimit(RLIMIT_NOFILE, &rl)) {
		perror("hc_httpd: getrlimit");
		return 1;
	}
	s.nr_conns = rl.rlim_cur;
	s.conns = calloc(s.nr_conns, sizeof(*s.conns));
	s.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (!s.conns || s.epfd < 0) {
		perror("hc_httpd: setup");
		err = -ENOMEM;
		goto cleanup;
	}
	err = open_signals(&s);
	if (err) {
		fprintf(stderr, "hc_httpd: signals: %s\n", strerror(-err));
		goto cleanup;
	}
	for (i = 0; i < a.nports; i++) {
		err = listen_on(&s, a.addr, (uint16_t)(a.port + i), a.backlog);
		if (err)
			goto cleanup;
	}
	printf("listening %s %ld %d\n", a.addr, a.port, a.nports);
	fflush(stdout);
	err = serve(&s, now_ms() + a.seconds * MS_PER_SEC);
	printf("served %llu accepted %llu empty %llu errors %llu\n", (unsigned long long)s.served,
	       (unsigned long long)s.accepted, (unsigned long long)s.empty,
	       (unsigned long long)s.errors);
cleanup:
	/* the listeners and connections close with the process */
	free(s.conns);
	return err ? 1 : 0;
}
