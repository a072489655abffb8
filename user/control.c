// SPDX-License-Identifier: MIT
/*
 * The control socket server. Per client: an output queue of whole records
 * (a client with queued output is not read from until it has taken them, so
 * one client's replies are bounded and never block the loop) and the batch
 * being collected. Every record is read whole or refused (MSG_TRUNC), and
 * every message's length is checked before it is read.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"
#include "log.h"

#define CTL_DIR_MODE	0700
#define CTL_SOCK_MODE	0600
#define CTL_SOCK_UMASK	0077
#define CTL_BACKLOG	16
#define CTL_MAX_CLIENTS 64
/* Records read per wake-up, so one busy client cannot starve the others. */
#define CTL_RECORDS_PER_WAKE 16
/* Replies a client may leave unread before it is dropped. */
#define CTL_OUT_MAX	  (64u << 20)
#define CTL_BATCH_INITIAL (16u << 10) /* bytes of a batch's first buffer */

struct ctl_out {
	struct ctl_out *next;
	size_t len;
	char data[];
};

struct ctl_client {
	struct ctl_client *next;
	struct ctl_server *srv;
	int fd;
	uid_t uid;
	struct ctl_out *head, *tail; /* whole records waiting to be sent */
	size_t queued;
	struct ctl_out *cur; /* record being filled */
	bool refused;	     /* peer not allowed: every request gets EPERM, then the door */
	bool dead;
	/* The open batch, if any: its requests as they came, decoded again at
	 * BATCH_END (a decoded request is kilobytes, most on the wire tens of
	 * bytes, and a batch may stay open as long as its client likes). */
	bool in_batch;
	char *raw;
	size_t raw_len, raw_cap, nr;
	struct nlmsghdr err_hdr; /* first request refused while collecting */
	struct xlb_ctl_err err;
};

struct ctl_server {
	struct xlb_loop *loop;
	struct ctl_handler h;
	int fd;
	uid_t allow_uid;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct ctl_client *clients;
	size_t nr_clients;
	__u64 errors; /* answers with an error, for /metrics */
	char rbuf[XLB_CTL_RECORD_MAX];
};

struct ctl_reply {
	struct ctl_client *c;
	const struct nlmsghdr *req;
	bool dump;
};

static void client_event(struct xlb_loop *loop, int fd, uint32_t events, void *arg);

/* ---- output ---- */

static int out_close_record(struct ctl_client *c)
{
	struct ctl_out *o = c->cur;

	if (!o || !o->len)
		return 0;
	c->cur = NULL;
	if (c->tail)
		c->tail->next = o;
	else
		c->head = o;
	c->tail = o;
	c->queued += o->len;
	if (c->queued > CTL_OUT_MAX) {
		pr_warn("control: client fd %d leaves %zu bytes unread: dropped\n", c->fd,
			c->queued);
		c->dead = true;
		return -ENOBUFS;
	}
	return 0;
}

/* Appends one encoded message to the record being filled. */
static int out_append(struct ctl_client *c, const void *msg, size_t len)
{
	if (c->dead)
		return -EPIPE;
	if (c->cur && c->cur->len + len > XLB_CTL_RECORD_MAX) {
		int err = out_close_record(c);

		if (err)
			return err;
	}
	if (!c->cur) {
		c->cur = malloc(sizeof(*c->cur) + XLB_CTL_RECORD_MAX);
		if (!c->cur)
			return -ENOMEM;
		c->cur->next = NULL;
		c->cur->len = 0;
	}
	memcpy(c->cur->data + c->cur->len, msg, len);
	c->cur->len += len;
	return 0;
}

static int out_error(struct ctl_client *c, const struct nlmsghdr *req, int err, const char *msg)
{
	char buf[XLB_CTL_MSG_MAX];
	int len = xlb_ctl__put_error(buf, sizeof(buf), req, err, msg);

	if (len < 0)
		return len;
	if (err)
		c->srv->errors++;
	return out_append(c, buf, (size_t)len);
}

/* The answer to a batch: BATCH_END's seq outside, the failing request's
 * header inside (xlb_ctl__put_error takes both from one header). */
static int out_batch_error(struct ctl_client *c, const struct nlmsghdr *end,
			   const struct nlmsghdr *failed, int err, const char *msg)
{
	char buf[XLB_CTL_MSG_MAX];
	int len = xlb_ctl__put_error(buf, sizeof(buf), failed, err, msg);

	if (len < 0)
		return len;
	c->srv->errors++;
	((struct nlmsghdr *)buf)->nlmsg_seq = end->nlmsg_seq;
	return out_append(c, buf, (size_t)len);
}

int ctl_reply__put(struct ctl_reply *r, struct xlb_ctl_msg *m)
{
	char buf[XLB_CTL_MSG_MAX];
	int len;

	m->cmd = r->req->nlmsg_type;
	m->seq = r->req->nlmsg_seq;
	m->flags = r->dump ? NLM_F_MULTI : 0;
	len = xlb_ctl_msg__encode(m, buf, sizeof(buf));
	if (len < 0) {
		pr_warn("control: reply to %s does not encode: %s\n",
			xlb_cmd__name(r->req->nlmsg_type), strerror(-len));
		return len;
	}
	return out_append(r->c, buf, (size_t)len);
}

static void client_update_events(struct ctl_client *c)
{
	uint32_t ev = c->head ? EPOLLOUT : EPOLLIN;
	int err = xlb_loop__mod(c->srv->loop, c->fd, ev);

	/* the loop says nothing of -ENOENT, which here would be a bug */
	if (err) {
		pr_warn("control: client fd %d: epoll: %s\n", c->fd, strerror(-err));
		c->dead = true;
	}
}

/* Sends queued records until the socket is full. */
static void client_flush(struct ctl_client *c)
{
	struct ctl_out *o;
	ssize_t n;

	if (out_close_record(c))
		return;
	while ((o = c->head)) {
		n = send(c->fd, o->data, o->len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR)
				continue;
			pr_debug("control: send to fd %d: %s\n", c->fd, strerror(errno));
			c->dead = true;
			return;
		}
		c->head = o->next;
		if (!c->head)
			c->tail = NULL;
		c->queued -= o->len;
		free(o);
	}
	client_update_events(c);
}

/* ---- batches ---- */

static void batch_reset(struct ctl_client *c)
{
	c->in_batch = false;
	c->nr = 0;
	/* a big batch's buffer is not kept for the client's next one */
	free(c->raw);
	c->raw = NULL;
	c->raw_len = 0;
	c->raw_cap = 0;
	memset(&c->err, 0, sizeof(c->err));
	memset(&c->err_hdr, 0, sizeof(c->err_hdr));
}

/* The first refusal of a batch is the one reported at BATCH_END. */
static void batch_refuse(struct ctl_client *c, const struct nlmsghdr *nlh,
			 const struct xlb_ctl_err *e)
{
	if (c->err.err)
		return;
	c->err = *e;
	c->err_hdr = *nlh;
}

static int batch_add(struct ctl_client *c, const struct nlmsghdr *nlh)
{
	size_t len = NLMSG_ALIGN(nlh->nlmsg_len);
	struct xlb_ctl_err e = {};

	if (c->err.err)
		return 0; /* already failed: consume the rest until BATCH_END */
	if (c->nr == XLB_CTL_BATCH_MAX) {
		xlb_ctl_err__set(&e, -E2BIG, "batch of more than %d requests", XLB_CTL_BATCH_MAX);
		batch_refuse(c, nlh, &e);
		return 0;
	}
	if (c->raw_cap - c->raw_len < len) {
		size_t cap = c->raw_cap ? c->raw_cap : CTL_BATCH_INITIAL;
		char *raw;

		while (cap - c->raw_len < len)
			cap *= 2;
		raw = realloc(c->raw, cap);
		if (!raw)
			return -ENOMEM;
		c->raw = raw;
		c->raw_cap = cap;
	}
	memcpy(c->raw + c->raw_len, nlh, nlh->nlmsg_len);
	memset(c->raw + c->raw_len + nlh->nlmsg_len, 0, len - nlh->nlmsg_len);
	c->raw_len += len;
	c->nr++;
	return 0;
}

/* The batch's requests decoded into *msgs, and their headers into *hdrs
 * (each was decoded once already, when it came). */
static int batch_decode(struct ctl_client *c, struct xlb_ctl_msg **msgs,
			const struct nlmsghdr ***hdrs, struct xlb_ctl_err *e)
{
	struct xlb_ctl_iter it;
	const struct nlmsghdr *nlh;
	size_t i = 0;
	int ret;

	if (!c->nr)
		return 0; /* an empty batch: nothing to decode */
	*msgs = calloc(c->nr, sizeof(**msgs));
	*hdrs = calloc(c->nr, sizeof(**hdrs));
	if (!*msgs || !*hdrs)
		return xlb_ctl_err__set(e, -ENOMEM, "out of memory");
	xlb_ctl_iter__init(&it, c->raw, c->raw_len);
	while (i < c->nr && (ret = xlb_ctl_iter__next(&it, &nlh, e)) == 1) {
		ret = xlb_ctl_msg__decode(nlh, XLB_CTL_REQUEST, &(*msgs)[i], e);
		if (ret)
			return ret;
		(*hdrs)[i++] = nlh;
	}
	return i == c->nr ? 0 : xlb_ctl_err__set(e, -EIO, "batch buffer damaged");
}

static int batch_end(struct ctl_client *c, const struct nlmsghdr *end)
{
	const struct nlmsghdr **hdrs = NULL;
	struct xlb_ctl_msg *msgs = NULL;
	struct xlb_ctl_err e = {};
	size_t failed = 0;
	int err;

	if (c->err.err) {
		err = out_batch_error(c, end, &c->err_hdr, c->err.err, c->err.msg);
		goto cleanup;
	}
	err = batch_decode(c, &msgs, &hdrs, &e);
	if (err)
		failed = c->nr; /* no request to name: the batch's end is */
	else
		err = c->srv->h.apply(c->srv->h.ctx, msgs, c->nr, &failed, &e);
	if (err)
		err = out_batch_error(c, end, failed < c->nr ? hdrs[failed] : end, err, e.msg);
	else
		err = out_error(c, end, 0, NULL);
cleanup:
	free(msgs);
	free(hdrs);
	batch_reset(c);
	return err;
}

/* ---- requests ---- */

static int handle_query(struct ctl_client *c, const struct nlmsghdr *nlh,
			const struct xlb_ctl_msg *m)
{
	struct ctl_reply r = {.c = c, .req = nlh, .dump = xlb_cmd__is_dump(m->cmd)};
	struct xlb_ctl_err e = {};
	char buf[XLB_CTL_MSG_MAX];
	int err, len;

	err = c->srv->h.query(c->srv->h.ctx, m, &r, &e);
	if (err)
		return out_error(c, nlh, err, e.msg);
	if (!r.dump)
		return out_error(c, nlh, 0, NULL);
	len = xlb_ctl__put_done(buf, sizeof(buf), nlh);
	if (len < 0)
		return len;
	return out_append(c, buf, (size_t)len);
}

static int handle_message(struct ctl_client *c, const struct nlmsghdr *nlh)
{
	struct xlb_ctl_err e = {};
	struct xlb_ctl_msg m;
	size_t failed;
	int err;

	if (c->refused)
		return out_error(c, nlh, -EPERM, "permission denied: root only");
	err = xlb_ctl_msg__decode(nlh, XLB_CTL_REQUEST, &m, &e);
	if (err) {
		if (c->in_batch) {
			batch_refuse(c, nlh, &e);
			return 0;
		}
		return out_error(c, nlh, err, e.msg);
	}
	if (m.cmd == XLB_CMD_BATCH_BEGIN) {
		if (c->in_batch) {
			xlb_ctl_err__set(&e, -EINVAL, "batch_begin inside a batch");
			batch_refuse(c, nlh, &e);
			return 0;
		}
		batch_reset(c);
		c->in_batch = true;
		return 0;
	}
	if (m.cmd == XLB_CMD_BATCH_END) {
		if (!c->in_batch)
			return out_error(c, nlh, -EINVAL, "batch_end without batch_begin");
		return batch_end(c, nlh);
	}
	if (c->in_batch) {
		if (xlb_cmd__in_batch(m.cmd))
			return batch_add(c, nlh);
		xlb_ctl_err__set(&e, -EINVAL, "%s is not allowed in a batch", xlb_cmd__name(m.cmd));
		batch_refuse(c, nlh, &e);
		return 0;
	}
	if (xlb_cmd__in_batch(m.cmd)) {
		err = c->srv->h.apply(c->srv->h.ctx, &m, 1, &failed, &e);
		return out_error(c, nlh, err, e.msg);
	}
	return handle_query(c, nlh, &m);
}

static int handle_record(struct ctl_client *c, const char *buf, size_t len)
{
	const struct nlmsghdr *nlh;
	struct xlb_ctl_iter it;
	struct xlb_ctl_err e = {};
	int ret, err;

	xlb_ctl_iter__init(&it, buf, len);
	while ((ret = xlb_ctl_iter__next(&it, &nlh, &e)) == 1) {
		err = handle_message(c, nlh);
		if (err)
			return err;
	}
	if (ret < 0) {
		/* The rest of the record cannot be framed; an open batch is
		 * spoiled, since some of its requests are lost. */
		if (c->in_batch && !c->err.err) {
			c->err = e;
			memset(&c->err_hdr, 0, sizeof(c->err_hdr));
		}
		return out_error(c, NULL, ret, e.msg);
	}
	return 0;
}

/* Reads whole records until the socket is empty, output is pending, or the
 * per-wake budget is spent. */
static void client_read(struct ctl_client *c)
{
	struct ctl_server *srv = c->srv;
	struct iovec iov = {.iov_base = srv->rbuf, .iov_len = sizeof(srv->rbuf)};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	struct xlb_ctl_err e;
	int i, err;
	ssize_t n;

	for (i = 0; i < CTL_RECORDS_PER_WAKE && !c->dead && !c->head; i++) {
		mh.msg_flags = 0;
		/* MSG_TRUNC: n is the record's real length, not what fitted */
		n = recvmsg(c->fd, &mh, MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				pr_debug("control: recv from fd %d: %s\n", c->fd, strerror(errno));
				c->dead = true;
			}
			break;
		}
		if (n == 0) {
			c->dead = true; /* peer closed */
			break;
		}
		if (mh.msg_flags & MSG_TRUNC) {
			xlb_ctl_err__set(&e, -EMSGSIZE, "record of %zd bytes is over the %d limit",
					 n, XLB_CTL_RECORD_MAX);
			if (c->in_batch && !c->err.err)
				c->err = e; /* the batch lost requests */
			err = out_error(c, NULL, e.err, e.msg);
		} else {
			err = handle_record(c, srv->rbuf, (size_t)n);
		}
		if (err == -ENOMEM || err == -ENOBUFS || err == -EPIPE)
			c->dead = true;
		client_flush(c);
		if (c->refused)
			c->dead = true;
	}
}

/* ---- clients ---- */

static void client_free(struct ctl_client *c)
{
	struct ctl_out *o;

	while ((o = c->head)) {
		c->head = o->next;
		free(o);
	}
	free(c->cur);
	free(c->raw);
	free(c);
}

static void client_drop(struct ctl_client *c)
{
	struct ctl_server *srv = c->srv;
	struct ctl_client **link;

	for (link = &srv->clients; *link; link = &(*link)->next) {
		if (*link == c) {
			*link = c->next;
			break;
		}
	}
	srv->nr_clients--;
	xlb_loop__del(srv->loop, c->fd);
	close(c->fd);
	client_free(c);
}

static void client_event(struct xlb_loop *loop, int fd, uint32_t events, void *arg)
{
	struct ctl_client *c = arg;

	(void)loop;
	(void)fd;
	if (events & EPOLLOUT)
		client_flush(c);
	if ((events & EPOLLIN) && !c->dead)
		client_read(c);
	if ((events & (EPOLLHUP | EPOLLERR)) && !(events & EPOLLIN))
		c->dead = true;
	if (c->dead)
		client_drop(c);
}

/* Refuses a peer: one error record, best effort, then the door. */
static void refuse(int fd, int err, const char *why)
{
	char buf[XLB_CTL_MSG_MAX];
	int len = xlb_ctl__put_error(buf, sizeof(buf), NULL, err, why);

	if (len > 0 && send(fd, buf, (size_t)len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		pr_debug("control: refusal not sent: %s\n", strerror(errno));
	close(fd);
}

static void accept_event(struct xlb_loop *loop, int lfd, uint32_t events, void *arg)
{
	struct ctl_server *srv = arg;
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	struct ctl_client *c;
	int fd;

	(void)loop;
	(void)events;
	fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ECONNABORTED)
			pr_warn("control: accept: %s\n", strerror(errno));
		return;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen)) {
		pr_warn("control: SO_PEERCRED: %s\n", strerror(errno));
		close(fd);
		return;
	}
	if (srv->nr_clients >= CTL_MAX_CLIENTS) {
		pr_warn("control: more than %d clients: pid %d refused\n", CTL_MAX_CLIENTS,
			cred.pid);
		srv->errors++;
		refuse(fd, -EUSERS, "too many clients");
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->fd = fd;
	c->srv = srv;
	c->uid = cred.uid;
	/* Answered, so the client can say why, but never served. */
	c->refused = cred.uid != 0 && cred.uid != srv->allow_uid;
	if (c->refused)
		pr_warn("control: uid %u (pid %d) refused\n", cred.uid, cred.pid);
	if (xlb_loop__add(srv->loop, fd, EPOLLIN, client_event, c)) {
		close(fd);
		free(c);
		return;
	}
	c->next = srv->clients;
	srv->clients = c;
	srv->nr_clients++;
}

/* ---- the listener ---- */

static int ensure_dir(const char *path)
{
	char copy[PATH_MAX];
	const char *dir;
	int err;

	if (strlen(path) >= sizeof(copy))
		return -ENAMETOOLONG;
	strcpy(copy, path);
	dir = dirname(copy);
	if (mkdir(dir, CTL_DIR_MODE) && errno != EEXIST) {
		err = -errno;
		pr_warn("mkdir %s: %s\n", dir, strerror(-err));
		return err;
	}
	return 0;
}

int ctl_server__open(struct ctl_server **srvp, struct xlb_loop *loop, const char *path,
		     uid_t allow_uid, const struct ctl_handler *h)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct ctl_server *srv;
	mode_t old_mask;
	int err;

	*srvp = NULL;
	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	srv = calloc(1, sizeof(*srv));
	if (!srv)
		return -ENOMEM;
	srv->loop = loop;
	srv->h = *h;
	srv->allow_uid = allow_uid;
	strcpy(srv->path, path);
	strcpy(sun.sun_path, path);
	srv->fd = -1;
	err = ensure_dir(path);
	if (err)
		goto cleanup;
	/* The caller holds the instance lock: a socket file here is stale. */
	if (unlink(path) && errno != ENOENT) {
		err = -errno;
		pr_warn("unlink %s: %s\n", path, strerror(-err));
		goto cleanup;
	}
	srv->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (srv->fd < 0) {
		err = -errno;
		pr_warn("control socket: %s\n", strerror(-err));
		goto cleanup;
	}
	/* No window in which the socket exists with a looser mode. */
	old_mask = umask(CTL_SOCK_UMASK);
	err = bind(srv->fd, (struct sockaddr *)&sun, sizeof(sun)) ? -errno : 0;
	umask(old_mask);
	if (err) {
		pr_warn("bind %s: %s\n", path, strerror(-err));
		goto cleanup;
	}
	if (chmod(path, CTL_SOCK_MODE) || listen(srv->fd, CTL_BACKLOG)) {
		err = -errno;
		pr_warn("listen on %s: %s\n", path, strerror(-err));
		goto cleanup;
	}
	err = xlb_loop__add(loop, srv->fd, EPOLLIN, accept_event, srv);
	if (err)
		goto cleanup;
	*srvp = srv;
	return 0;
cleanup:
	if (srv->fd >= 0) {
		close(srv->fd);
		unlink(path);
	}
	free(srv);
	return err;
}

void ctl_server__close(struct ctl_server *srv)
{
	if (!srv)
		return;
	while (srv->clients)
		client_drop(srv->clients);
	xlb_loop__del(srv->loop, srv->fd);
	close(srv->fd);
	if (unlink(srv->path) && errno != ENOENT)
		pr_warn("unlink %s: %s\n", srv->path, strerror(errno));
	free(srv);
}

__u64 ctl_server__errors(const struct ctl_server *srv)
{
	return srv ? srv->errors : 0;
}
