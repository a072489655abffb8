// SPDX-License-Identifier: MIT
/*
 * The access log: samples from the ring buffer, named from the model,
 * written as JSON lines in one write() per batch. A batch is bounded, so a
 * busy ring never holds the loop: what is left is read on the next round.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/epoll.h>

#include <bpf/libbpf.h>

#include "access_log.h"
#include "addr.h"
#include "log.h"
#include "loop.h"
#include "netaddr.h"
#include "state.h"

#define ACCESS_LOG_MODE	    0640 /* client addresses: not for everyone */
#define ACCESS_LOG_BUF	    65536
#define ACCESS_LOG_BATCH    4096      /* samples read per loop round, at most */
#define ACCESS_LOG_STOP	    (-EAGAIN) /* from the callback: the batch is full */
#define NSEC_PER_SEC	    1000000000LL
#define NSEC_PER_USEC	    1000
#define ACCESS_LOG_TIME_FMT "%Y-%m-%dT%H:%M:%S"

struct xlb_access_log {
	struct xlb_loop *loop;
	struct ring_buffer *rb;
	int rb_fd; /* the ring buffer's epoll fd, in the loop */
	int fd;	   /* output */
	char *path;
	bool is_stdout;
	bool failing; /* the last write failed: logged once until one succeeds */
	const struct xlb_state *model;
	__u64 *lines;
	__u64 *errors;
	/* this round */
	__s64 mono_to_real;
	unsigned int left;    /* samples this round may still read */
	bool indexed;	      /* vip_of / be_of hold this round's model */
	__u32 stamp;	      /* this round's mark in vip_seen / be_seen */
	size_t used;	      /* bytes in buf */
	unsigned int pending; /* lines in buf */
	char buf[ACCESS_LOG_BUF];
	/* the model's entries by id, valid where *_seen[id] == stamp */
	const struct state_vip *vip_of[XLB_MAX_VIPS];
	const struct state_backend *be_of[XLB_MAX_BACKENDS];
	__u32 vip_seen[XLB_MAX_VIPS];
	__u32 be_seen[XLB_MAX_BACKENDS];
};

int xlb_access_log__clock_offset(__s64 *mono_to_real)
{
	struct timespec real, mono;

	if (clock_gettime(CLOCK_REALTIME, &real) || clock_gettime(CLOCK_MONOTONIC, &mono))
		return -errno;
	*mono_to_real = (real.tv_sec - mono.tv_sec) * NSEC_PER_SEC + (real.tv_nsec - mono.tv_nsec);
	return 0;
}

/* "2026-11-24T10:00:00.123456Z" of a CLOCK_MONOTONIC time. */
static int format_time(__u64 ktime_ns, __s64 mono_to_real, char *buf, size_t len)
{
	__s64 ns = (__s64)ktime_ns + mono_to_real;
	time_t sec = (time_t)(ns / NSEC_PER_SEC);
	long usec = (long)(ns % NSEC_PER_SEC) / NSEC_PER_USEC;
	struct tm tm;
	size_t n;
	int m;

	if (ns < 0 || !gmtime_r(&sec, &tm))
		return -EINVAL;
	n = strftime(buf, len, ACCESS_LOG_TIME_FMT, &tm);
	if (!n)
		return -ENOSPC;
	m = snprintf(buf + n, len - n, ".%06ldZ", usec);
	return m < 0 || (size_t)m >= len - n ? -ENOSPC : 0;
}

int xlb_access_log__format(const struct xlb_flow_sample *s, const struct state_vip *vip,
			   const struct state_backend *be, __s64 mono_to_real, char *buf,
			   size_t len)
{
	char when[sizeof("2026-11-24T10:00:00.123456Z") + 8];
	char client[XLB_ADDR_STR_MAX], vname[XLB_ADDR_STR_MAX], ep[XLB_ADDR_STR_MAX];
	char bname[XLB_ADDR_STR_MAX + 2];
	char proto_buf[sizeof("255")];
	struct xlb_vip_key key;
	const char *proto;
	int n;

	if (format_time(s->ktime_ns, mono_to_real, when, sizeof(when)))
		snprintf(when, sizeof(when), "?");
	xlb_endpoint__str(&s->src, s->family, ntohs(s->sport), client, sizeof(client));
	if (vip) {
		key = vip->key;
	} else {
		memset(&key, 0, sizeof(key));
		key.addr = s->dst;
		key.port = s->dport;
		key.proto = s->proto;
		key.family = s->family;
	}
	if (xlb_vip_key__format(&key, vname, sizeof(vname)))
		snprintf(vname, sizeof(vname), "?");
	/* a port-0 backend gets the packet's own port */
	if (be) {
		xlb_endpoint__str(&be->addr, be->family, ntohs(be->port ? be->port : s->dport), ep,
				  sizeof(ep));
		snprintf(bname, sizeof(bname), "\"%s\"", ep);
	} else {
		snprintf(bname, sizeof(bname), "null");
	}
	proto = xlb_proto__name(s->proto);
	if (!proto) {
		snprintf(proto_buf, sizeof(proto_buf), "%u", s->proto);
		proto = proto_buf;
	}
	n = snprintf(buf, len,
		     "{\"time\":\"%s\",\"client\":\"%s\",\"vip\":\"%s\",\"backend\":%s,"
		     "\"proto\":\"%s\"}\n",
		     when, client, vname, bname, proto);
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	return n;
}

/* This round's index of the model by id, made at its first sample. */
static void index_model(struct xlb_access_log *al)
{
	const struct xlb_state *m = al->model;
	size_t i, j;

	if (++al->stamp == 0) { /* wrapped: no stale mark may match */
		memset(al->vip_seen, 0, sizeof(al->vip_seen));
		memset(al->be_seen, 0, sizeof(al->be_seen));
		al->stamp = 1;
	}
	for (i = 0; i < m->nr_vips; i++) {
		const struct state_vip *v = &m->vips[i];

		if (v->id < XLB_MAX_VIPS) {
			al->vip_of[v->id] = v;
			al->vip_seen[v->id] = al->stamp;
		}
		for (j = 0; j < v->nr_be; j++) {
			if (v->be[j].id < XLB_MAX_BACKENDS) {
				al->be_of[v->be[j].id] = &v->be[j];
				al->be_seen[v->be[j].id] = al->stamp;
			}
		}
	}
	al->indexed = true;
}

/* Writes the batch; the lines that did not make it are counted as errors. */
static void flush(struct xlb_access_log *al)
{
	unsigned int written = 0;
	size_t off = 0, i;
	ssize_t n;
	int err = 0;

	if (!al->used)
		return;
	/* each pass writes something or stops */
	while (off < al->used) {
		n = write(al->fd, al->buf + off, al->used - off);
		if (n <= 0) {
			err = n < 0 ? -errno : -EIO;
			break;
		}
		off += (size_t)n;
	}
	/* a line counts as written once its newline is */
	for (i = 0; i < off; i++)
		written += al->buf[i] == '\n';
	*al->lines += written;
	*al->errors += al->pending - written;
	if (err && !al->failing)
		pr_warn("access log %s: %s: %u lines lost\n", al->path, strerror(-err),
			al->pending - written);
	al->failing = err != 0;
	al->used = 0;
	al->pending = 0;
}

static int on_sample(void *ctx, void *data, size_t size)
{
	struct xlb_access_log *al = ctx;
	const struct xlb_flow_sample *s = data;
	const struct state_vip *vip = NULL;
	const struct state_backend *be = NULL;
	int n;

	if (size < sizeof(*s)) {
		(*al->errors)++;
		return 0;
	}
	if (!al->indexed)
		index_model(al);
	if (s->vip_id < XLB_MAX_VIPS && al->vip_seen[s->vip_id] == al->stamp)
		vip = al->vip_of[s->vip_id];
	if (s->backend_id < XLB_MAX_BACKENDS && al->be_seen[s->backend_id] == al->stamp)
		be = al->be_of[s->backend_id];
	if (sizeof(al->buf) - al->used < XLB_ACCESS_LOG_LINE_MAX)
		flush(al);
	n = xlb_access_log__format(s, vip, be, al->mono_to_real, al->buf + al->used,
				   XLB_ACCESS_LOG_LINE_MAX);
	if (n < 0) {
		(*al->errors)++;
	} else {
		al->used += (size_t)n;
		al->pending++;
	}
	return --al->left ? 0 : ACCESS_LOG_STOP;
}

int xlb_access_log__drain(struct xlb_access_log *al)
{
	int n, err;

	err = xlb_access_log__clock_offset(&al->mono_to_real);
	if (err) {
		pr_warn("access log: clock: %s\n", strerror(-err));
		return err;
	}
	al->left = ACCESS_LOG_BATCH;
	al->indexed = false;
	n = ring_buffer__consume(al->rb);
	flush(al);
	if (n < 0 && n != ACCESS_LOG_STOP) {
		pr_warn("access log: reading the samples: %s\n", strerror(-n));
		return n;
	}
	return 0;
}

static void on_ready(struct xlb_loop *loop, int fd, uint32_t events, void *arg)
{
	(void)loop;
	(void)fd;
	(void)events;
	/* logged where it fails; the next round tries again */
	if (xlb_access_log__drain(arg))
		pr_debug("access log: drain failed\n");
}

static int open_output(const char *path)
{
	int fd, err;

	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, ACCESS_LOG_MODE);
	if (fd < 0) {
		err = -errno;
		pr_warn("access log %s: %s\n", path, strerror(-err));
		return err;
	}
	return fd;
}

int xlb_access_log__open(struct xlb_access_log **alp, struct xlb_loop *loop,
			 const struct xlb_access_log_opts *o)
{
	struct xlb_access_log *al;
	int err;

	*alp = NULL;
	al = calloc(1, sizeof(*al));
	if (!al)
		return -ENOMEM;
	al->fd = al->rb_fd = -1;
	al->loop = loop;
	al->model = o->model;
	al->lines = o->lines;
	al->errors = o->errors;
	al->path = strdup(o->path);
	if (!al->path) {
		err = -ENOMEM;
		goto cleanup;
	}
	al->is_stdout = !strcmp(o->path, XLB_ACCESS_LOG_STDOUT);
	al->fd = al->is_stdout ? STDOUT_FILENO : open_output(o->path);
	if (al->fd < 0) {
		err = al->fd;
		goto cleanup;
	}
	al->rb = ring_buffer__new(o->samples_fd, on_sample, al, NULL);
	if (!al->rb) {
		err = -errno;
		pr_warn("access log: samples ring buffer: %s\n", strerror(-err));
		goto cleanup;
	}
	err = xlb_loop__add(loop, ring_buffer__epoll_fd(al->rb), EPOLLIN, on_ready, al);
	if (err)
		goto cleanup;
	al->rb_fd = ring_buffer__epoll_fd(al->rb);
	*alp = al;
	return 0;
cleanup:
	xlb_access_log__close(al);
	return err;
}

int xlb_access_log__reopen(struct xlb_access_log *al)
{
	int fd;

	if (!al || al->is_stdout)
		return 0;
	fd = open_output(al->path);
	if (fd < 0)
		return fd;
	close(al->fd);
	al->fd = fd;
	al->failing = false;
	return 0;
}

void xlb_access_log__close(struct xlb_access_log *al)
{
	if (!al)
		return;
	if (al->rb_fd >= 0 && xlb_loop__del(al->loop, al->rb_fd))
		pr_debug("access log: not in the loop\n");
	ring_buffer__free(al->rb);
	if (al->fd >= 0 && !al->is_stdout)
		close(al->fd);
	free(al->path);
	free(al);
}
