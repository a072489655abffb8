// SPDX-License-Identifier: MIT
/*
 * TCP checks: a non-blocking connect in the loop. The socket becomes
 * writable when the handshake ends either way; SO_ERROR tells which. The
 * connection is closed at once, which is all a listener needs to see.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "health_int.h"
#include "log.h"

struct tcp_probe {
	struct xlb_health_target *t;
	int fd;
};

static void tcp_close(struct tcp_probe *p)
{
	if (p->fd >= 0) {
		xlb_loop__del(p->t->h->loop, p->fd);
		close(p->fd);
	}
	free(p);
}

static void on_writable(struct xlb_loop *loop, int fd, uint32_t events, void *arg)
{
	struct tcp_probe *p = arg;
	struct xlb_health_target *t = p->t;
	struct xlb_check_result r;
	socklen_t len = sizeof(int);
	int soerr = 0;

	(void)loop;
	(void)events;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len))
		soerr = errno;
	if (soerr)
		xlb_check_result__errno(&r, soerr);
	else
		xlb_check_result__set(&r, XLB_CR_OK, 0, "ok");
	t->probe = NULL;
	tcp_close(p);
	xlb_health__result(t, &r);
}

static int tcp_start(struct xlb_health_target *t)
{
	struct xlb_check_result r;
	struct sockaddr_storage ss;
	struct tcp_probe *p;
	bool at_once = false;
	socklen_t sslen;
	int err;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->t = t;
	sslen = xlb_health_target__sockaddr(t, &ss);
	p->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd < 0) {
		err = -errno;
		pr_warn("health: socket: %s\n", strerror(-err));
		goto cleanup;
	}
	if (connect(p->fd, (struct sockaddr *)&ss, sslen) && errno != EINPROGRESS) {
		/* refused or unreachable at once: a result, not a failure to start */
		xlb_check_result__errno(&r, errno);
		at_once = true;
		err = 0;
		goto cleanup;
	}
	err = xlb_loop__add(t->h->loop, p->fd, EPOLLOUT, on_writable, p);
	if (err)
		goto cleanup;
	t->probe = p;
	return 0;
cleanup:
	if (p->fd >= 0)
		close(p->fd);
	free(p);
	if (at_once)
		xlb_health__result(t, &r);
	return err;
}

static void tcp_cancel(struct xlb_health_target *t, struct xlb_check_result *r)
{
	(void)r;
	if (t->probe)
		tcp_close(t->probe);
	t->probe = NULL;
}

const struct xlb_check_ops xlb_check_tcp_ops = {
	.start = tcp_start,
	.cancel = tcp_cancel,
};
