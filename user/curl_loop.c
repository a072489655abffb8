// SPDX-License-Identifier: MIT
/*
 * The glue between libcurl's multi interface and the loop, as libcurl's
 * "multi_socket" API expects it: a socket callback that (de)registers fds,
 * a timer callback that arms one of the loop's timers (libcurl moves its
 * deadline several times a transfer: a store each, no system call; -1
 * disarms), and after every curl_multi_socket_action the finished transfers
 * read from curl_multi_info_read. Easy handles are kept for reuse, as many
 * as run at once at most: a new one costs more than a reset. A socket curl
 * stops watching is taken out of epoll by its close when curl closes it
 * next, as it does at the end of every check: an epoll_ctl fewer of the
 * twenty-odd system calls a check makes.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "check_spec.h"
#include "curl_loop.h"
#include "log.h"

/* Handles kept for reuse: the checks that run at once, about. More would
 * only hold memory (5,000 kept, one per target, cost 35 MiB of RSS). */
#define CURL_IDLE_MAX 256
/* Sockets curl stopped watching within one call into it: one, about */
#define CURL_UNWATCHED_MAX 64

struct xlb_curl_loop {
	struct xlb_loop *loop;
	CURLM *multi;
	struct xlb_loop_timer timer;
	bool global_init;
	CURL *idle[CURL_IDLE_MAX];
	int nr_idle;
	/* still in epoll though curl said CURL_POLL_REMOVE: closed before the
	 * call into curl returns, else taken out then */
	curl_socket_t unwatched[CURL_UNWATCHED_MAX];
	int nr_unwatched;
};

/* Drops s from the unwatched; false if it was not there. */
static bool rewatch(struct xlb_curl_loop *c, curl_socket_t s)
{
	int i;

	for (i = 0; i < c->nr_unwatched; i++) {
		if (c->unwatched[i] == s) {
			c->unwatched[i] = c->unwatched[--c->nr_unwatched];
			return true;
		}
	}
	return false;
}

/* After each call into curl: the unwatched sockets it kept open leave epoll. */
static void unwatch_open(struct xlb_curl_loop *c)
{
	while (c->nr_unwatched)
		xlb_loop__del(c->loop, c->unwatched[--c->nr_unwatched]);
}

/* Hands every finished transfer to its owner. */
static void finish(struct xlb_curl_loop *c)
{
	struct xlb_curl_req *req;
	char *priv;
	CURLMsg *msg;
	CURLcode rc;
	int left;

	while ((msg = curl_multi_info_read(c->multi, &left))) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		rc = msg->data.result; /* msg dies with the handle's removal */
		if (curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv) != CURLE_OK ||
		    !priv) {
			pr_warn("curl: finished transfer without an owner\n");
			curl_multi_remove_handle(c->multi, msg->easy_handle);
			continue;
		}
		req = (struct xlb_curl_req *)priv;
		req->done(req, rc);
	}
}

static void action(struct xlb_curl_loop *c, curl_socket_t s, int flags)
{
	CURLMcode mc;
	int running;

	mc = curl_multi_socket_action(c->multi, s, flags, &running);
	if (mc != CURLM_OK)
		pr_warn("curl_multi_socket_action: %s\n", curl_multi_strerror(mc));
	finish(c);
	unwatch_open(c);
}

static void on_socket_event(struct xlb_loop *loop, int fd, uint32_t events, void *arg)
{
	int flags = 0;

	(void)loop;
	if (events & (EPOLLIN | EPOLLHUP))
		flags |= CURL_CSELECT_IN;
	if (events & EPOLLOUT)
		flags |= CURL_CSELECT_OUT;
	if (events & EPOLLERR)
		flags |= CURL_CSELECT_ERR;
	action(arg, fd, flags);
}

static void on_timer_event(struct xlb_loop *loop, struct xlb_loop_timer *t, void *arg)
{
	(void)loop;
	(void)t;
	action(arg, CURL_SOCKET_TIMEOUT, 0);
}

/* CURLMOPT_SOCKETFUNCTION. socketp is non-NULL once the fd is in the loop. */
static int socket_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct xlb_curl_loop *c = userp;
	uint32_t events = 0;
	int err = 0;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		/* libcurl says so right before it closes a socket through
		 * on_close, which takes it out; or right after closing one itself
		 * (at a connect's timeout), and then del finds it gone (-EBADF) */
		if (socketp && c->nr_unwatched < CURL_UNWATCHED_MAX)
			c->unwatched[c->nr_unwatched++] = s;
		else if (socketp)
			xlb_loop__del(c->loop, s);
		return 0;
	}
	if (what & CURL_POLL_IN)
		events |= EPOLLIN;
	if (what & CURL_POLL_OUT)
		events |= EPOLLOUT;
	/* Never -1 back: libcurl 7.88 then fails every transfer of the multi
	 * handle from that call on. A socket left unwatched times its own
	 * transfer out, one check failed and retried, instead. */
	if (socketp) {
		err = xlb_loop__mod(c->loop, s, events);
		if (err) /* not left waiting for what libcurl no longer wants */
			xlb_loop__del(c->loop, s);
	} else {
		/* wanted again after CURL_POLL_REMOVE: still in epoll, unless
		 * libcurl closed it itself (it does, at a connect's timeout)
		 * and s is a new socket, which epoll does not know (-ENOENT).
		 * A new socket's number the loop still holds was closed, which
		 * took it out of epoll. */
		if (!rewatch(c, s) || xlb_loop__mod(c->loop, s, events)) {
			(void)xlb_loop__forget(c->loop, s);
			err = xlb_loop__add(c->loop, s, events, on_socket_event, c);
		}
		if (!err)
			curl_multi_assign(c->multi, s, c);
	}
	if (err)
		pr_warn("curl: socket %d left unwatched: %s\n", s, strerror(-err));
	return 0;
}

/* CURLOPT_CLOSESOCKETFUNCTION: libcurl's every close of a socket. */
static int on_close(void *clientp, curl_socket_t s)
{
	struct xlb_curl_loop *c = clientp;

	/* -ENOENT: a socket closed before it was ever watched */
	(void)rewatch(c, s);
	(void)xlb_loop__forget(c->loop, s);
	return close(s);
}

/* CURLMOPT_TIMERFUNCTION: must not call into curl, only arm the timer. */
static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct xlb_curl_loop *c = userp;

	(void)multi;
	if (timeout_ms < 0)
		xlb_loop_timer__disarm(&c->timer);
	else
		xlb_loop_timer__arm(&c->timer,
				    xlb_now_ns() + (uint64_t)timeout_ms * XLB_NSEC_PER_MSEC);
	return 0;
}

int xlb_curl_loop__new(struct xlb_loop *loop, struct xlb_curl_loop **out)
{
	struct xlb_curl_loop *c;
	CURLcode rc;
	int err;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->loop = loop;
	xlb_loop__timer_add(loop, &c->timer, on_timer_event, c);
	rc = curl_global_init(CURL_GLOBAL_DEFAULT);
	if (rc != CURLE_OK) {
		err = -EIO;
		pr_warn("curl_global_init: %s\n", curl_easy_strerror(rc));
		goto cleanup;
	}
	c->global_init = true;
	c->multi = curl_multi_init();
	if (!c->multi) {
		err = -ENOMEM;
		pr_warn("curl_multi_init failed\n");
		goto cleanup;
	}
	/* every check is a connection of its own: never multiplex them */
	if (curl_multi_setopt(c->multi, CURLMOPT_PIPELINING, CURLPIPE_NOTHING) != CURLM_OK ||
	    curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, socket_cb) != CURLM_OK ||
	    curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c) != CURLM_OK ||
	    curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, timer_cb) != CURLM_OK ||
	    curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c) != CURLM_OK) {
		err = -EINVAL;
		pr_warn("curl_multi_setopt failed\n");
		goto cleanup;
	}
	*out = c;
	return 0;
cleanup:
	xlb_curl_loop__free(c);
	return err;
}

void xlb_curl_loop__free(struct xlb_curl_loop *c)
{
	if (!c)
		return;
	unwatch_open(c);
	while (c->nr_idle)
		curl_easy_cleanup(c->idle[--c->nr_idle]);
	if (c->multi)
		curl_multi_cleanup(c->multi);
	xlb_loop__timer_del(c->loop, &c->timer);
	if (c->global_init)
		curl_global_cleanup();
	free(c);
}

CURL *xlb_curl_loop__easy(struct xlb_curl_loop *c)
{
	CURL *easy = c->nr_idle ? c->idle[--c->nr_idle] : curl_easy_init();

	if (!easy)
		return NULL;
	if (curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, on_close) != CURLE_OK ||
	    curl_easy_setopt(easy, CURLOPT_CLOSESOCKETDATA, c) != CURLE_OK) {
		curl_easy_cleanup(easy);
		return NULL;
	}
	return easy;
}

void xlb_curl_loop__put(struct xlb_curl_loop *c, CURL *easy)
{
	if (!easy)
		return;
	if (c->nr_idle == CURL_IDLE_MAX) {
		curl_easy_cleanup(easy);
		return;
	}
	curl_easy_reset(easy);
	c->idle[c->nr_idle++] = easy;
}

int xlb_curl_loop__add(struct xlb_curl_loop *c, CURL *easy, struct xlb_curl_req *req)
{
	CURLMcode mc;

	if (curl_easy_setopt(easy, CURLOPT_PRIVATE, req) != CURLE_OK)
		return -EINVAL;
	/* curl answers through timer_cb with 0 ms: the transfer starts once
	 * the caller is back in the loop, never inside it */
	mc = curl_multi_add_handle(c->multi, easy);
	if (mc != CURLM_OK) {
		pr_warn("curl_multi_add_handle: %s\n", curl_multi_strerror(mc));
		return mc == CURLM_OUT_OF_MEMORY ? -ENOMEM : -EINVAL;
	}
	return 0;
}

void xlb_curl_loop__remove(struct xlb_curl_loop *c, CURL *easy)
{
	CURLMcode mc;

	mc = curl_multi_remove_handle(c->multi, easy);
	if (mc != CURLM_OK)
		pr_warn("curl_multi_remove_handle: %s\n", curl_multi_strerror(mc));
	unwatch_open(c);
}
