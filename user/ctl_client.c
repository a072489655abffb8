// SPDX-License-Identifier: MIT
/* Client side of the control socket (used by xlbctl and the tests). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include "ctl_client.h"

int xlb_ctl__sock_path(char *buf, size_t len, const char *name)
{
	int n;

	if (!*name || strchr(name, '/'))
		return -EINVAL;
	n = snprintf(buf, len, "%s/%s%s", XLB_CTL_SOCK_DIR, name, XLB_CTL_SOCK_SUFFIX);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

int xlb_ctl_client__connect(struct xlb_ctl_client *c, const char *path, struct xlb_ctl_err *e)
{
	struct timeval tv = {.tv_sec = XLB_CTL_CLIENT_TIMEOUT_S};
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int err;

	c->fd = -1;
	c->seq = 1;
	c->buf = NULL;
	if (strlen(path) >= sizeof(sun.sun_path))
		return xlb_ctl_err__set(e, -ENAMETOOLONG, "socket path too long: %s", path);
	memcpy(sun.sun_path, path, strlen(path) + 1);
	c->buf = malloc(XLB_CTL_RECORD_MAX);
	if (!c->buf)
		return xlb_ctl_err__set(e, -ENOMEM, "out of memory");
	c->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		err = -errno;
		xlb_ctl_err__set(e, err, "socket: %s", strerror(-err));
		goto cleanup;
	}
	if (setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		err = -errno;
		xlb_ctl_err__set(e, err, "SO_RCVTIMEO: %s", strerror(-err));
		goto cleanup;
	}
	if (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		err = -errno;
		xlb_ctl_err__set(e, err, "cannot connect to %s: %s", path, strerror(-err));
		goto cleanup;
	}
	return 0;
cleanup:
	xlb_ctl_client__close(c);
	return err;
}

void xlb_ctl_client__close(struct xlb_ctl_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->buf);
	c->buf = NULL;
}

static int send_record(struct xlb_ctl_client *c, size_t len, struct xlb_ctl_err *e)
{
	ssize_t n = send(c->fd, c->buf, len, MSG_NOSIGNAL);
	int err;

	if (n < 0) {
		err = -errno;
		return xlb_ctl_err__set(e, err, "sending to the daemon: %s", strerror(-err));
	}
	if ((size_t)n != len)
		return xlb_ctl_err__set(e, -EIO, "short send to the daemon (%zd of %zu)", n, len);
	return 0;
}

static int recv_record(struct xlb_ctl_client *c, size_t *len, struct xlb_ctl_err *e)
{
	struct iovec iov = {.iov_base = c->buf, .iov_len = XLB_CTL_RECORD_MAX};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n;
	int err;

	n = recvmsg(c->fd, &mh, 0);
	if (n < 0) {
		err = errno == EAGAIN ? -ETIMEDOUT : -errno;
		return xlb_ctl_err__set(e, err, "reading from the daemon: %s", strerror(-err));
	}
	if (n == 0)
		return xlb_ctl_err__set(e, -ECONNRESET, "the daemon closed the connection");
	if (mh.msg_flags & MSG_TRUNC)
		return xlb_ctl_err__set(e, -EMSGSIZE, "reply record over %d bytes",
					XLB_CTL_RECORD_MAX);
	*len = n;
	return 0;
}

/* What one reply message meant for the request waiting on it. */
enum reply_end {
	REPLY_MORE = 0,
	REPLY_DONE = 1,
};

static int handle_reply(const struct nlmsghdr *nlh, __u16 cmd, xlb_ctl_reply_fn fn, void *data,
			int *fn_err, __u32 *err_seq, struct xlb_ctl_err *e)
{
	struct xlb_ctl_msg m;
	int err;

	if (nlh->nlmsg_type == NLMSG_ERROR) {
		if (xlb_ctl__parse_error(nlh, err_seq, e))
			return xlb_ctl_err__set(e, -EBADMSG, "malformed error message");
		if (e->err && !e->msg[0])
			snprintf(e->msg, sizeof(e->msg), "%s", strerror(-e->err));
		return e->err ? e->err : REPLY_DONE;
	}
	if (nlh->nlmsg_type == NLMSG_DONE)
		return REPLY_DONE;
	if (nlh->nlmsg_type != cmd)
		return xlb_ctl_err__set(e, -EBADMSG, "reply of type %u to %s", nlh->nlmsg_type,
					xlb_cmd__name(cmd));
	err = xlb_ctl_msg__decode(nlh, XLB_CTL_REPLY, &m, e);
	if (err)
		return err;
	if (fn && !*fn_err)
		*fn_err = fn(&m, data);
	return REPLY_MORE;
}

/* Reads records until the reply to seq ends. */
static int read_replies(struct xlb_ctl_client *c, __u32 seq, __u16 cmd, xlb_ctl_reply_fn fn,
			void *data, __u32 *err_seq, struct xlb_ctl_err *e)
{
	const struct nlmsghdr *nlh;
	struct xlb_ctl_iter it;
	int fn_err = 0, ret;
	size_t len = 0;

	for (;;) {
		ret = recv_record(c, &len, e);
		if (ret)
			return ret;
		xlb_ctl_iter__init(&it, c->buf, len);
		while ((ret = xlb_ctl_iter__next(&it, &nlh, e)) > 0) {
			if (nlh->nlmsg_seq != seq)
				return xlb_ctl_err__set(e, -EBADMSG,
							"reply for seq %u, expected %u",
							nlh->nlmsg_seq, seq);
			ret = handle_reply(nlh, cmd, fn, data, &fn_err, err_seq, e);
			if (ret < 0)
				return ret;
			if (ret == REPLY_DONE)
				return fn_err;
		}
		if (ret < 0)
			return ret;
	}
}

int xlb_ctl_client__request(struct xlb_ctl_client *c, struct xlb_ctl_msg *req, xlb_ctl_reply_fn fn,
			    void *data, struct xlb_ctl_err *e)
{
	int len, err;

	e->err = 0;
	e->msg[0] = '\0';
	req->seq = c->seq++;
	len = xlb_ctl_msg__encode(req, c->buf, XLB_CTL_RECORD_MAX);
	if (len < 0)
		return xlb_ctl_err__set(e, len, "%s: request too large", xlb_cmd__name(req->cmd));
	err = send_record(c, len, e);
	if (err)
		return err;
	return read_replies(c, req->seq, req->cmd, fn, data, NULL, e);
}

int xlb_ctl_client__batch(struct xlb_ctl_client *c, struct xlb_ctl_msg *reqs, size_t n,
			  size_t *failed, struct xlb_ctl_err *e)
{
	struct xlb_ctl_msg begin, end;
	size_t used = 0, i;
	__u32 first, err_seq = 0;
	int len, err;

	e->err = 0;
	e->msg[0] = '\0';
	*failed = n;
	if (n > XLB_CTL_BATCH_MAX)
		return xlb_ctl_err__set(e, -E2BIG, "batch of %zu requests, at most %d", n,
					XLB_CTL_BATCH_MAX);
	xlb_ctl_msg__init(&begin, XLB_CMD_BATCH_BEGIN);
	xlb_ctl_msg__init(&end, XLB_CMD_BATCH_END);
	first = c->seq;
	for (i = 0; i <= n + 1; i++) {
		struct xlb_ctl_msg *m = i == 0 ? &begin : i == n + 1 ? &end : &reqs[i - 1];

		m->seq = c->seq++;
		len = xlb_ctl_msg__encode(m, c->buf + used, XLB_CTL_RECORD_MAX - used);
		if (len == -EMSGSIZE && used) {
			/* This record is full: send it, start the next one. */
			err = send_record(c, used, e);
			if (err)
				return err;
			used = 0;
			len = xlb_ctl_msg__encode(m, c->buf, XLB_CTL_RECORD_MAX);
		}
		if (len < 0) {
			*failed = i ? i - 1 : n;
			return xlb_ctl_err__set(e, len, "%s: request too large",
						xlb_cmd__name(m->cmd));
		}
		used += len;
	}
	err = send_record(c, used, e);
	if (err)
		return err;
	err = read_replies(c, end.seq, XLB_CMD_BATCH_END, NULL, NULL, &err_seq, e);
	if (err && err_seq > first && err_seq - first - 1 < n)
		*failed = err_seq - first - 1;
	return err;
}
