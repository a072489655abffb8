// SPDX-License-Identifier: MIT
/*
 * The control socket server, for real: a child process runs control.c in
 * xlbd's loop over a model (request.c, state.c; no maps), and the test
 * speaks to it through the real SEQPACKET socket, with ctl_client.c or raw
 * records. Socket and directory modes, acks and extended-ack errors, batches
 * spanning records (all-or-nothing), truncated and malformed records, a
 * client that does not read while another is served, peers refused.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/sockios.h>
#include <netinet/in.h>

#include <criterion/criterion.h>
#include <libmnl/libmnl.h>

#include "control.h"
#include "ctl_client.h"
#include "request.h"
#include "state.h"

#define TMP_TEMPLATE   "/tmp/xlbt-ctl-XXXXXX"
#define BIG_BATCH      3000 /* backend adds: several records' worth */
#define VIPS	       300
#define SLOW_DUMPS     100 /* VIP dumps requested and left unread */
#define NOBODY	       65534
#define RECV_TIMEOUT_S 10
#define OPEN_BATCH     20000	   /* requests of a batch left open */
#define OPEN_BATCH_MAX (16u << 20) /* what they may cost the server, bytes */
#define DRAIN_POLLS    1000	   /* 10 ms each */
#define DRAIN_POLL_US  10000
#define KIB	       1024

struct server {
	pid_t pid;
	char dir[sizeof(TMP_TEMPLATE)];
	char path[sizeof(TMP_TEMPLATE) + 32];
};

static struct xlb_state model;

static int apply(void *ctx, const struct xlb_ctl_msg *msgs, size_t n, size_t *failed,
		 struct xlb_ctl_err *e)
{
	struct xlb_state work;
	size_t i;
	int err;

	(void)ctx;
	if (state__clone(&work, &model))
		return xlb_ctl_err__set(e, -ENOMEM, "clone");
	for (i = 0; i < n; i++) {
		err = request__apply(&work, &msgs[i], e);
		if (err) {
			*failed = i;
			state__fini(&work);
			return err;
		}
	}
	state__move(&model, &work);
	return 0;
}

/* VIP_GET: one message per VIP, like the daemon. */
static int query(void *ctx, const struct xlb_ctl_msg *req, struct ctl_reply *r,
		 struct xlb_ctl_err *e)
{
	struct xlb_ctl_msg m;
	size_t i;
	int err;

	(void)ctx;
	if (req->cmd != XLB_CMD_VIP_GET)
		return xlb_ctl_err__set(e, -EOPNOTSUPP, "not here");
	for (i = 0; i < model.nr_vips; i++) {
		memset(&m, 0, sizeof(m));
		m.vip.key.addr = model.vips[i].key.addr;
		m.vip.key.port = ntohs(model.vips[i].key.port);
		m.vip.key.proto = model.vips[i].key.proto;
		m.vip.key.family = model.vips[i].key.family;
		m.vip.id = model.vips[i].id;
		xlb_ctl_msg__set_vip_key(&m);
		xlb_ctl_msg__set(&m, XLB_A_MODE);
		xlb_ctl_msg__set(&m, XLB_A_VIP_ID);
		err = ctl_reply__put(r, &m);
		if (err)
			return err;
	}
	return 0;
}

static void serve(const char *path, uid_t allow, int ready_fd)
{
	struct ctl_handler h = {.apply = apply, .query = query};
	struct ctl_server *srv;
	struct xlb_loop loop;
	char ok = 1;

	if (state__init(&model) || xlb_loop__init(&loop) ||
	    ctl_server__open(&srv, &loop, path, allow, &h))
		_exit(1);
	if (write(ready_fd, &ok, 1) != 1)
		_exit(1);
	xlb_loop__run(&loop);
	_exit(0);
}

/* Starts a server on a socket in a fresh directory below a temporary one. */
static void server_start(struct server *s, uid_t allow)
{
	int p[2];
	char c;

	strcpy(s->dir, TMP_TEMPLATE);
	cr_assert_not_null(mkdtemp(s->dir));
	snprintf(s->path, sizeof(s->path), "%s/run/test.sock", s->dir);
	cr_assert_eq(pipe(p), 0);
	s->pid = fork();
	cr_assert_geq(s->pid, 0);
	if (!s->pid) {
		/* a failed assertion ends the test before server_stop: the
		 * server goes with it instead of holding the output open */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL))
			_exit(1);
		close(p[0]);
		serve(s->path, allow, p[1]);
	}
	close(p[1]);
	cr_assert_eq(read(p[0], &c, 1), 1, "server did not start");
	close(p[0]);
}

static void server_stop(struct server *s)
{
	char cmd[sizeof(s->dir) + 16];

	kill(s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", s->dir);
	cr_assert_eq(system(cmd), 0);
}

static void vip_msg(struct xlb_ctl_msg *m, enum xlb_cmd cmd, unsigned int i)
{
	xlb_ctl_msg__init(m, cmd);
	m->vip.key.family = XLB_AF_INET;
	m->vip.key.addr.a[0] = htonl(0xc6120100u + i); /* 198.18.1.0 + i */
	m->vip.key.port = 80;
	m->vip.key.proto = IPPROTO_TCP;
	xlb_ctl_msg__set_vip_key(m);
}

static void backend_msg(struct xlb_ctl_msg *m, unsigned int vip, unsigned int i)
{
	vip_msg(m, XLB_CMD_BACKEND_ADD, vip);
	m->be.addr.a[0] = htonl(0xc6130001u + i); /* 198.19.0.1 + i */
	xlb_ctl_msg__set(m, XLB_A_BACKEND_ADDR);
}

static void connect_client(struct xlb_ctl_client *c, const struct server *s)
{
	struct xlb_ctl_err e = {};

	cr_assert_eq(xlb_ctl_client__connect(c, s->path, &e), 0, "%s", e.msg);
}

static int count_cb(const struct xlb_ctl_msg *m, void *data)
{
	(void)m;
	(*(size_t *)data)++;
	return 0;
}

static size_t vip_count(struct xlb_ctl_client *c)
{
	struct xlb_ctl_err e = {};
	struct xlb_ctl_msg m;
	size_t n = 0;

	xlb_ctl_msg__init(&m, XLB_CMD_VIP_GET);
	cr_assert_eq(xlb_ctl_client__request(c, &m, count_cb, &n, &e), 0, "%s", e.msg);
	return n;
}

/* A raw client: records in, the first reply message out. */
static int raw_connect(const char *path)
{
	struct timeval tv = {.tv_sec = RECV_TIMEOUT_S};
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);

	cr_assert_geq(fd, 0);
	strcpy(sun.sun_path, path);
	cr_assert_eq(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0, "%s", strerror(errno));
	return fd;
}

static int raw_error(int fd, __u32 *seq)
{
	char buf[XLB_CTL_RECORD_MAX];
	struct xlb_ctl_err e = {};
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	ssize_t n = recv(fd, buf, sizeof(buf), 0);

	cr_assert_gt(n, 0, "no reply: %s", strerror(errno));
	cr_assert_eq(nlh->nlmsg_type, NLMSG_ERROR);
	cr_assert_eq(xlb_ctl__parse_error(nlh, seq, &e), 0);
	return e.err;
}

Test(control, socket_and_directory_are_private)
{
	struct server s;
	struct stat st;
	char dir[sizeof(s.path)];

	server_start(&s, CTL_NO_UID);
	cr_assert_eq(stat(s.path, &st), 0);
	cr_assert(S_ISSOCK(st.st_mode));
	cr_assert_eq(st.st_mode & 07777, 0600, "socket mode %o", st.st_mode & 07777);
	snprintf(dir, sizeof(dir), "%s/run", s.dir);
	cr_assert_eq(stat(dir, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0700, "directory mode %o", st.st_mode & 07777);
	server_stop(&s);
}

Test(control, acks_and_errors_with_text)
{
	struct xlb_ctl_client c;
	struct xlb_ctl_err e = {};
	struct xlb_ctl_msg m;
	struct server s;

	server_start(&s, CTL_NO_UID);
	connect_client(&c, &s);
	vip_msg(&m, XLB_CMD_VIP_ADD, 10);
	cr_assert_eq(xlb_ctl_client__request(&c, &m, NULL, NULL, &e), 0, "%s", e.msg);
	vip_msg(&m, XLB_CMD_VIP_ADD, 10);
	cr_assert_eq(xlb_ctl_client__request(&c, &m, NULL, NULL, &e), -EEXIST);
	cr_assert_str_eq(e.msg, "VIP 198.18.1.10:80/tcp exists");
	backend_msg(&m, 99, 1);
	cr_assert_eq(xlb_ctl_client__request(&c, &m, NULL, NULL, &e), -ENOENT);
	cr_assert_str_eq(e.msg, "unknown VIP 198.18.1.99:80/tcp");
	cr_assert_eq(vip_count(&c), 1);
	xlb_ctl_client__close(&c);
	server_stop(&s);
}

Test(control, batch_over_several_records_applies_whole)
{
	struct xlb_ctl_msg *reqs = calloc(BIG_BATCH + 1, sizeof(*reqs));
	struct xlb_ctl_client c;
	struct xlb_ctl_err e = {};
	struct server s;
	size_t failed, i;

	cr_assert_not_null(reqs);
	server_start(&s, CTL_NO_UID);
	connect_client(&c, &s);
	vip_msg(&reqs[0], XLB_CMD_VIP_ADD, 10);
	for (i = 1; i <= BIG_BATCH; i++)
		backend_msg(&reqs[i], 10, (unsigned int)i);
	cr_assert_eq(xlb_ctl_client__batch(&c, reqs, BIG_BATCH + 1, &failed, &e), 0, "%s", e.msg);
	cr_assert_eq(vip_count(&c), 1);
	xlb_ctl_client__close(&c);
	server_stop(&s);
	free(reqs);
}

Test(control, failed_batch_applies_nothing_and_names_the_request)
{
	struct xlb_ctl_msg reqs[4];
	struct xlb_ctl_client c;
	struct xlb_ctl_err e = {};
	struct server s;
	size_t failed = 0;

	server_start(&s, CTL_NO_UID);
	connect_client(&c, &s);
	vip_msg(&reqs[0], XLB_CMD_VIP_ADD, 10);
	vip_msg(&reqs[1], XLB_CMD_VIP_ADD, 11);
	backend_msg(&reqs[2], 12, 1); /* no such VIP */
	vip_msg(&reqs[3], XLB_CMD_VIP_ADD, 13);
	cr_assert_eq(xlb_ctl_client__batch(&c, reqs, 4, &failed, &e), -ENOENT);
	cr_assert_eq(failed, 2);
	cr_assert_str_eq(e.msg, "unknown VIP 198.18.1.12:80/tcp");
	cr_assert_eq(vip_count(&c), 0, "nothing of the batch applied");
	xlb_ctl_client__close(&c);
	server_stop(&s);
}

Test(control, truncated_record_is_refused)
{
	char *big = calloc(1, XLB_CTL_RECORD_MAX + 1);
	struct nlmsghdr *nlh = (struct nlmsghdr *)big;
	struct xlb_ctl_client c;
	struct server s;
	__u32 seq;
	int fd;

	cr_assert_not_null(big);
	server_start(&s, CTL_NO_UID);
	fd = raw_connect(s.path);
	nlh->nlmsg_len = XLB_CTL_RECORD_MAX + 1;
	nlh->nlmsg_type = XLB_CMD_VIP_ADD;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	cr_assert_eq(send(fd, big, XLB_CTL_RECORD_MAX + 1, 0), XLB_CTL_RECORD_MAX + 1);
	cr_assert_eq(raw_error(fd, &seq), -EMSGSIZE);
	/* and the connection still works */
	close(fd);
	connect_client(&c, &s);
	cr_assert_eq(vip_count(&c), 0);
	xlb_ctl_client__close(&c);
	server_stop(&s);
	free(big);
}

Test(control, malformed_message_is_refused)
{
	struct nlmsghdr nlh = {.nlmsg_len = 8, .nlmsg_type = XLB_CMD_VIP_ADD};
	struct server s;
	__u32 seq;
	int fd;

	server_start(&s, CTL_NO_UID);
	fd = raw_connect(s.path);
	/* a header claiming fewer bytes than a header */
	cr_assert_eq(send(fd, &nlh, sizeof(nlh), 0), (ssize_t)sizeof(nlh));
	cr_assert_eq(raw_error(fd, &seq), -EBADMSG);
	close(fd);
	server_stop(&s);
}

/* One client asks for many dumps and reads nothing; another is served
 * meanwhile, and the first still gets every reply once it reads. */
Test(control, slow_client_never_blocks_the_others)
{
	struct xlb_ctl_msg *reqs = calloc(VIPS, sizeof(*reqs));
	char *rec = malloc(XLB_CTL_RECORD_MAX);
	struct xlb_ctl_client fast;
	struct xlb_ctl_err e = {};
	struct nlmsghdr *nlh;
	size_t failed, len = 0, got = 0, i;
	struct server s;
	ssize_t n;
	int fd, r, rem;

	cr_assert_not_null(reqs);
	cr_assert_not_null(rec);
	server_start(&s, CTL_NO_UID);
	connect_client(&fast, &s);
	for (i = 0; i < VIPS; i++)
		vip_msg(&reqs[i], XLB_CMD_VIP_ADD, (unsigned int)i);
	cr_assert_eq(xlb_ctl_client__batch(&fast, reqs, VIPS, &failed, &e), 0, "%s", e.msg);

	fd = raw_connect(s.path);
	for (i = 0; i < SLOW_DUMPS; i++) {
		struct xlb_ctl_msg m;

		xlb_ctl_msg__init(&m, XLB_CMD_VIP_GET);
		m.seq = (__u32)i + 1;
		r = xlb_ctl_msg__encode(&m, rec + len, XLB_CTL_RECORD_MAX - len);
		cr_assert_gt(r, 0);
		len += (size_t)r;
	}
	cr_assert_eq(send(fd, rec, len, 0), (ssize_t)len);
	/* Served while the slow one's replies (about 100 x 300 messages) wait. */
	cr_assert_eq(vip_count(&fast), VIPS);
	while (got < SLOW_DUMPS) {
		n = recv(fd, rec, XLB_CTL_RECORD_MAX, 0);
		cr_assert_gt(n, 0, "after %zu dumps: %s", got, strerror(errno));
		rem = (int)n;
		for (nlh = (struct nlmsghdr *)rec; mnl_nlmsg_ok(nlh, rem);
		     nlh = mnl_nlmsg_next(nlh, &rem)) {
			cr_assert_neq(nlh->nlmsg_type, NLMSG_ERROR);
			if (nlh->nlmsg_type == NLMSG_DONE)
				got++;
		}
	}
	close(fd);
	xlb_ctl_client__close(&fast);
	server_stop(&s);
	free(reqs);
	free(rec);
}

/* A non-root peer is answered, so it can say why, and never served. */
/* The server's resident memory, in bytes. */
static long rss_of(pid_t pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld", &kib) == 1)
			break;
	fclose(f);
	cr_assert_gt(kib, 0);
	return kib * KIB;
}

/* Sends rec[0..len) and waits until the server has read all of it. */
static void send_drained(int fd, const char *rec, size_t len)
{
	int outq = -1, i;

	cr_assert_eq(send(fd, rec, len, 0), (ssize_t)len, "%s", strerror(errno));
	for (i = 0; i < DRAIN_POLLS; i++) {
		cr_assert_eq(ioctl(fd, SIOCOUTQ, &outq), 0);
		if (!outq)
			return;
		usleep(DRAIN_POLL_US);
	}
	cr_assert_fail("the server did not read the batch");
}

/* A batch left open holds its requests as they came on the wire, decoded
 * only at its end: 20,000 small requests were 62 MB of decoded messages in
 * the server, for as long as their client liked. */
Test(control, open_batch_holds_only_its_wire_bytes)
{
	char *rec = malloc(XLB_CTL_RECORD_MAX);
	struct xlb_ctl_msg m;
	size_t len = 0, i;
	struct server s;
	long before;
	__u32 seq;
	int fd, r;

	cr_assert_not_null(rec);
	server_start(&s, CTL_NO_UID);
	fd = raw_connect(s.path);
	xlb_ctl_msg__init(&m, XLB_CMD_BATCH_BEGIN);
	r = xlb_ctl_msg__encode(&m, rec, XLB_CTL_RECORD_MAX);
	cr_assert_gt(r, 0);
	send_drained(fd, rec, (size_t)r);
	before = rss_of(s.pid);
	for (i = 0; i < OPEN_BATCH; i++) {
		/* a rate limit set, then deletions of it: the second fails */
		xlb_ctl_msg__init(&m, i ? XLB_CMD_RATELIMIT_DEL : XLB_CMD_RATELIMIT_SET);
		if (!i) {
			m.rl.flows = OPEN_BATCH;
			xlb_ctl_msg__set(&m, XLB_A_RL_FLOWS);
		}
		m.seq = (__u32)i + 1;
		r = xlb_ctl_msg__encode(&m, rec + len, XLB_CTL_RECORD_MAX - len);
		if (r < 0) {
			send_drained(fd, rec, len);
			len = 0;
			r = xlb_ctl_msg__encode(&m, rec, XLB_CTL_RECORD_MAX);
		}
		cr_assert_gt(r, 0);
		len += (size_t)r;
	}
	send_drained(fd, rec, len);
	cr_assert_lt(rss_of(s.pid) - before, OPEN_BATCH_MAX,
		     "an open batch of %d requests: %ld bytes", OPEN_BATCH, rss_of(s.pid) - before);
	/* decoded at the end, each request's header still its own */
	xlb_ctl_msg__init(&m, XLB_CMD_BATCH_END);
	m.seq = OPEN_BATCH + 1;
	r = xlb_ctl_msg__encode(&m, rec, XLB_CTL_RECORD_MAX);
	cr_assert_gt(r, 0);
	cr_assert_eq(send(fd, rec, (size_t)r, 0), r);
	cr_assert_eq(raw_error(fd, &seq), -ENOENT);
	cr_assert_eq(seq, 3, "the failed request is the second deletion");
	close(fd);
	server_stop(&s);
	free(rec);
}

Test(control, non_root_peer_is_refused)
{
	struct xlb_ctl_client c;
	struct xlb_ctl_err e = {};
	struct xlb_ctl_msg m;
	struct server s;
	char dir[sizeof(s.path)];
	int status;
	pid_t pid;

	server_start(&s, CTL_NO_UID);
	snprintf(dir, sizeof(dir), "%s/run", s.dir);
	/* past the file modes, to reach the daemon's own check */
	cr_assert_eq(chmod(s.dir, 0711), 0);
	cr_assert_eq(chmod(dir, 0711), 0);
	cr_assert_eq(chmod(s.path, 0666), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (!pid) {
		if (setgid(NOBODY) || setuid(NOBODY))
			_exit(2);
		if (xlb_ctl_client__connect(&c, s.path, &e))
			_exit(3);
		vip_msg(&m, XLB_CMD_VIP_ADD, 10);
		if (xlb_ctl_client__request(&c, &m, NULL, NULL, &e) != -EPERM)
			_exit(4);
		_exit(strstr(e.msg, "permission denied") ? 0 : 5);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status));
	cr_assert_eq(WEXITSTATUS(status), 0, "child step %d", WEXITSTATUS(status));
	connect_client(&c, &s);
	cr_assert_eq(vip_count(&c), 0, "the refused request changed nothing");
	xlb_ctl_client__close(&c);
	server_stop(&s);
}
