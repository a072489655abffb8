// SPDX-License-Identifier: MIT
/*
 * The access log's sampler (bpf/sample.h): which new flows reach the
 * samples ring buffer, with what fields, and what a full ring counts. The
 * ring is read with libbpf's ring_buffer__consume, as xlbd reads it.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <criterion/criterion.h>
#include "xlb.skel.h"
#include "access_log.h"
#include "harness.h"
#include "loop.h"
#include "state.h"

#define VIP	     7
#define BE1	     3
#define PORT_HTTP    80
#define PORT_DNS     53
#define CLIENT_PORT  40000
#define MAX_RECORDS  8192
#define NS_PER_SEC   1000000000ull
#define DESC_LEN     96
#define LOG_TEMPLATE "/tmp/xlbt-access-XXXXXX"
#define FILE_MAX     4096

TestSuite(sample, .init = h_setup, .fini = h_teardown);

/* The records read from the ring in one drain. */
struct drain {
	struct xlb_flow_sample rec[MAX_RECORDS];
	size_t n;
	size_t bad_size;
};

static struct drain got;

static int on_sample(void *ctx, void *data, size_t size)
{
	struct drain *d = ctx;

	if (size != sizeof(struct xlb_flow_sample)) {
		d->bad_size++;
		return 0;
	}
	if (d->n < MAX_RECORDS)
		memcpy(&d->rec[d->n], data, size);
	d->n++;
	return 0;
}

/* Reads every record waiting in the ring into `got`; returns their count. */
static size_t drain(void)
{
	struct ring_buffer *rb;
	int n;

	memset(&got, 0, sizeof(got));
	rb = ring_buffer__new(bpf_map__fd(h_lab.skel->maps.samples), on_sample, &got, NULL);
	cr_assert_not_null(rb, "ring_buffer__new: %s", strerror(errno));
	n = ring_buffer__consume(rb);
	ring_buffer__free(rb);
	cr_assert_geq(n, 0, "ring_buffer__consume: %d", n);
	cr_assert_eq(got.bad_size, 0, "%zu records of the wrong size", got.bad_size);
	cr_assert_eq((size_t)n, got.n, "consume said %d, callback saw %zu", n, got.n);
	return got.n;
}

static void set_sample_every(__u32 every)
{
	int err;

	h_lab.cfg.sample_every = every;
	err = xlb_config__write(&h_lab.m, &h_lab.cfg);
	cr_assert_eq(err, 0, "config write: %d", err);
}

/* A VIP for TCP and UDP on port 0 of f's VIP address, all to backend BE1. */
static void lab(const struct h_fam *f)
{
	h_backend(BE1, f->be_a[0], XLB_BE_ACTIVE, H_GEN);
	h_vip(f->vip, 0, IPPROTO_TCP, VIP, XLB_MODE_IPIP);
	h_vip(f->vip, 0, IPPROTO_UDP, VIP, XLB_MODE_IPIP);
	h_ring_fill(VIP, BE1);
}

/* Sends s and expects it forwarded to BE1 with the given counters. */
static void send_flow(const char *what, const struct h_fam *f, const struct pkt_spec *s,
		      const long *stats)
{
	char desc[DESC_LEN];

	snprintf(desc, sizeof(desc), "%s: %s", f->name, what);
	h_expect_ipip(desc, s, f->be_a[0], pkt_hash(s, true), XDP_TX, stats);
}

static __u64 mono_ns(void)
{
	struct timespec ts;

	cr_assert_eq(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
	return (__u64)ts.tv_sec * NS_PER_SEC + (__u64)ts.tv_nsec;
}

static void expect_record(const struct xlb_flow_sample *r, const struct h_fam *f,
			  const struct pkt_spec *s, __u64 t0, __u64 t1)
{
	struct xlb_addr src, dst;

	cr_assert_eq(pkt_addr(s->src, &src), f->family);
	cr_assert_eq(pkt_addr(s->dst, &dst), f->family);
	cr_assert(r->ktime_ns >= t0 && r->ktime_ns <= t1,
		  "%s: ktime %llu outside the run [%llu, %llu]", f->name,
		  (unsigned long long)r->ktime_ns, (unsigned long long)t0, (unsigned long long)t1);
	cr_assert_arr_eq(&r->src, &src, sizeof(src), "%s: source address differs", f->name);
	cr_assert_arr_eq(&r->dst, &dst, sizeof(dst), "%s: VIP address differs", f->name);
	cr_assert_eq(r->sport, htons(s->sport), "%s: sport %u", f->name, ntohs(r->sport));
	cr_assert_eq(r->dport, htons(s->dport), "%s: dport %u", f->name, ntohs(r->dport));
	cr_assert_eq(r->vip_id, VIP, "%s: vip id %u", f->name, r->vip_id);
	cr_assert_eq(r->backend_id, BE1, "%s: backend id %u", f->name, r->backend_id);
	cr_assert_eq(r->family, f->family, "%s: family %u", f->name, r->family);
	cr_assert_eq(r->proto, s->proto, "%s: proto %u", f->name, r->proto);
	cr_assert_eq(r->pad, 0, "%s: pad %u", f->name, r->pad);
}

static const long new_sampled[XLB_STAT__MAX] = {
	[XLB_STAT_FWD_TX] = 1, [XLB_STAT_EV_NEW_FLOW] = 1, [XLB_STAT_EV_SAMPLED] = 1};
static const long new_unsampled[XLB_STAT__MAX] = {
	[XLB_STAT_FWD_TX] = 1, [XLB_STAT_EV_NEW_FLOW] = 1};
static const long established[XLB_STAT__MAX] = {[XLB_STAT_FWD_TX] = 1};

/* sample_every 1: a new TCP flow and a new UDP flow each give one record
 * with every field exact; the TCP flow's next packet gives none. */
static void one_in_one(const struct h_fam *f)
{
	struct pkt_spec tcp, ack, udp;
	__u64 t0, t1;

	lab(f);
	set_sample_every(1);
	h_spec(&tcp, f, IPPROTO_TCP, f->vip, CLIENT_PORT, PORT_HTTP);
	t0 = mono_ns();
	send_flow("new TCP flow", f, &tcp, new_sampled);
	t1 = mono_ns();
	cr_assert_eq(drain(), 1, "%s: %zu records for one new TCP flow", f->name, got.n);
	expect_record(&got.rec[0], f, &tcp, t0, t1);

	ack = tcp;
	ack.tcp_flags = PKT_TCP_ACK;
	send_flow("established TCP flow", f, &ack, established);
	cr_assert_eq(drain(), 0, "%s: an established packet was sampled", f->name);

	h_spec(&udp, f, IPPROTO_UDP, f->vip, CLIENT_PORT + 1, PORT_DNS);
	t0 = mono_ns();
	send_flow("new UDP flow", f, &udp, new_sampled);
	t1 = mono_ns();
	cr_assert_eq(drain(), 1, "%s: %zu records for one new UDP flow", f->name, got.n);
	expect_record(&got.rec[0], f, &udp, t0, t1);
	send_flow("established UDP flow", f, &udp, established);
	cr_assert_eq(drain(), 0, "%s: an established datagram was sampled", f->name);
}

Test(sample, one_in_one_v4)
{
	one_in_one(H_FAM4);
}

Test(sample, one_in_one_v6)
{
	one_in_one(H_FAM6);
}

/* sample_every 0 (the default, and set back to it): nothing is sampled. */
Test(sample, off)
{
	const struct h_fam *f = H_FAM4;
	struct pkt_spec s;
	__u16 i;

	lab(f);
	for (i = 0; i < 4; i++) {
		if (i == 2) {
			set_sample_every(1);
			set_sample_every(0);
		}
		h_spec(&s, f, IPPROTO_TCP, f->vip, CLIENT_PORT + i, PORT_HTTP);
		send_flow("new flow, sampling off", f, &s, new_unsampled);
	}
	cr_assert_eq(drain(), 0, "records with sampling off");
}

/* Keeps this process on the CPU it runs on: the sampler counts per CPU. */
static void pin_cpu(void)
{
	cpu_set_t set;
	int cpu = sched_getcpu();

	cr_assert_geq(cpu, 0, "sched_getcpu: %s", strerror(errno));
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	cr_assert_eq(sched_setaffinity(0, sizeof(set), &set), 0, "sched_setaffinity: %s",
		     strerror(errno));
}

/* sample_every N over K new flows on one CPU: exactly the N-th, 2N-th...
 * flows, K/N records, each for the flow it names. */
static void one_in_n(__u32 every, __u16 flows)
{
	const struct h_fam *f = H_FAM4;
	struct pkt_spec s;
	size_t i, n;
	__u16 k;

	pin_cpu();
	lab(f);
	set_sample_every(every);
	for (k = 1; k <= flows; k++) {
		h_spec(&s, f, IPPROTO_TCP, f->vip, CLIENT_PORT + k, PORT_HTTP);
		send_flow("new flow", f, &s, k % every ? new_unsampled : new_sampled);
	}
	n = drain();
	cr_assert_eq(n, flows / every, "1 in %u over %u flows: %zu records", every, flows, n);
	for (i = 0; i < n; i++)
		cr_assert_eq(ntohs(got.rec[i].sport), CLIENT_PORT + (i + 1) * every,
			     "record %zu is port %u", i, ntohs(got.rec[i].sport));
}

Test(sample, one_in_four)
{
	one_in_n(4, 40);
}

Test(sample, one_in_seven)
{
	one_in_n(7, 50);
}

/* A new rate starts the count again: 1 in 4, three flows, then 1 in 2: the
 * second flow after the change is the sampled one. */
Test(sample, rate_change_restarts_count)
{
	const struct h_fam *f = H_FAM4;
	struct pkt_spec s;
	__u16 k;

	pin_cpu();
	lab(f);
	set_sample_every(4);
	for (k = 1; k <= 3; k++) {
		h_spec(&s, f, IPPROTO_TCP, f->vip, CLIENT_PORT + k, PORT_HTTP);
		send_flow("new flow at 1 in 4", f, &s, new_unsampled);
	}
	set_sample_every(2);
	h_spec(&s, f, IPPROTO_TCP, f->vip, CLIENT_PORT + 4, PORT_HTTP);
	send_flow("first new flow at 1 in 2", f, &s, new_unsampled);
	h_spec(&s, f, IPPROTO_TCP, f->vip, CLIENT_PORT + 5, PORT_HTTP);
	send_flow("second new flow at 1 in 2", f, &s, new_sampled);
	cr_assert_eq(drain(), 1, "%zu records", got.n);
	cr_assert_eq(ntohs(got.rec[0].sport), CLIENT_PORT + 5, "sampled port %u",
		     ntohs(got.rec[0].sport));
}

/* Nobody reads the ring: once full, samples are lost and counted as such,
 * the packets still forwarded; every sample counted as sent is in the ring. */
Test(sample, full_ring_counts_lost)
{
	/* Each record takes its size plus the ring's 8-byte header. */
	const size_t per_record = sizeof(struct xlb_flow_sample) + BPF_RINGBUF_HDR_SZ;
	const __u16 flows = (__u16)(XLB_SAMPLES_BYTES / per_record + 100);
	const struct h_fam *f = H_FAM4;
	struct h_snap before, after;
	struct pkt_spec s;
	__u64 sampled, lost;
	__u16 k;
	int verdict;
	static struct pkt in, out;

	lab(f);
	set_sample_every(1);
	h_snap(&before);
	for (k = 0; k < flows; k++) {
		h_spec(&s, f, IPPROTO_UDP, f->vip, (__u16)(CLIENT_PORT + k), PORT_DNS);
		pkt_build(&in, &s);
		h_run(&in, &verdict, &out);
		cr_assert_eq(verdict, XDP_TX, "flow %u: verdict %d", k, verdict);
	}
	h_snap(&after);
	sampled = after.s[XLB_STAT_EV_SAMPLED].packets - before.s[XLB_STAT_EV_SAMPLED].packets;
	lost = after.s[XLB_STAT_EV_SAMPLE_LOST].packets - before.s[XLB_STAT_EV_SAMPLE_LOST].packets;
	cr_assert_eq(after.s[XLB_STAT_FWD_TX].packets - before.s[XLB_STAT_FWD_TX].packets, flows);
	cr_assert_eq(sampled + lost, flows, "sampled %llu + lost %llu != %u flows",
		     (unsigned long long)sampled, (unsigned long long)lost, flows);
	cr_assert_geq(lost, 100, "only %llu lost", (unsigned long long)lost);
	cr_assert_eq(drain(), sampled, "%zu records in the ring, %llu counted as sampled", got.n,
		     (unsigned long long)sampled);

	/* Read, the ring takes samples again. */
	h_spec(&s, f, IPPROTO_UDP, f->vip, (__u16)(CLIENT_PORT + flows), PORT_DNS);
	send_flow("new flow after the ring was read", f, &s, new_sampled);
	cr_assert_eq(drain(), 1, "%zu records after the ring was read", got.n);
}

/* ---- xlbd's reader (user/access_log.c) on this program's ring ---- */

/* xlbd's side: a model naming VIP and BE1 as lab() made them, a loop, the
 * access log on the ring, its counters. */
struct reader {
	struct xlb_state model;
	struct xlb_loop loop;
	struct xlb_access_log *al;
	__u64 lines;
	__u64 errors;
	char path[sizeof(LOG_TEMPLATE)];
};

static void reader_open(struct reader *r, const struct h_fam *f, const char *path)
{
	struct state_backend b = {.weight = 1};
	struct xlb_vip_key k = {.proto = IPPROTO_TCP};
	struct xlb_access_log_opts o = {.samples_fd = bpf_map__fd(h_lab.skel->maps.samples),
					.model = &r->model,
					.lines = &r->lines,
					.errors = &r->errors};
	int fd;

	memset(r, 0, sizeof(*r));
	cr_assert_eq(state__init(&r->model), 0);
	k.family = (__u8)pkt_addr(f->vip, &k.addr);
	cr_assert_eq(state__vip_restore(&r->model, VIP, &k, XLB_MODE_IPIP, 0), 0);
	b.family = (__u8)pkt_addr(f->be_a[0], &b.addr);
	cr_assert_eq(state__backend_restore(&r->model, VIP, BE1, &b), 0);
	cr_assert_eq(xlb_loop__init(&r->loop), 0);
	if (!path) {
		memcpy(r->path, LOG_TEMPLATE, sizeof(LOG_TEMPLATE));
		fd = mkstemp(r->path);
		cr_assert_geq(fd, 0);
		close(fd);
		path = r->path;
	}
	o.path = path;
	cr_assert_eq(xlb_access_log__open(&r->al, &r->loop, &o), 0);
}

static void reader_close(struct reader *r)
{
	xlb_access_log__close(r->al);
	xlb_loop__fini(&r->loop);
	state__fini(&r->model);
	if (r->path[0])
		unlink(r->path);
}

static void slurp(const char *path, char *buf, size_t len)
{
	FILE *fp = fopen(path, "r");
	size_t n;

	cr_assert_not_null(fp, "open %s: %s", path, strerror(errno));
	n = fread(buf, 1, len - 1, fp);
	buf[n] = 0;
	fclose(fp);
}

static void new_tcp_flows(const struct h_fam *f, __u16 first, __u16 n)
{
	struct pkt_spec s;
	__u16 k;

	for (k = 0; k < n; k++) {
		h_spec(&s, f, IPPROTO_TCP, f->vip, (__u16)(first + k), PORT_HTTP);
		send_flow("new flow for the access log", f, &s, new_sampled);
	}
}

/* Samples become lines, named from the model (a port-0 VIP, a port-0
 * backend shown with the flow's port), read when the ring's fd is ready. */
Test(sample, access_log_lines_from_the_ring)
{
	const struct h_fam *f = H_FAM4;
	char text[FILE_MAX], want[XLB_ACCESS_LOG_LINE_MAX];
	struct reader r;
	const char *p;
	int i;

	lab(f);
	set_sample_every(1);
	reader_open(&r, f, NULL);
	new_tcp_flows(f, CLIENT_PORT, 3);
	cr_assert_eq(xlb_loop__dispatch(&r.loop, 1000), 1, "the ring's fd is not ready");
	cr_assert_eq(r.lines, 3, "%llu lines", (unsigned long long)r.lines);
	cr_assert_eq(r.errors, 0);
	slurp(r.path, text, sizeof(text));
	p = text;
	for (i = 0; i < 3; i++) {
		snprintf(want, sizeof(want),
			 "\"client\":\"%s:%d\",\"vip\":\"%s:0/tcp\",\"backend\":\"%s:%d\","
			 "\"proto\":\"tcp\"}\n",
			 f->client, CLIENT_PORT + i, f->vip, f->be_a[0], PORT_HTTP);
		p = strstr(p, want);
		cr_assert_not_null(p, "line %d: no '%s' in\n%s", i, want, text);
	}
	cr_assert_eq(xlb_access_log__drain(r.al), 0);
	cr_assert_eq(r.lines, 3, "lines written twice");
	reader_close(&r);
}

/* Reopen after a move: new lines go to a new file at the path. */
Test(sample, access_log_reopen_after_move)
{
	const struct h_fam *f = H_FAM6;
	char moved[sizeof(LOG_TEMPLATE) + 2], text[FILE_MAX];
	struct reader r;

	lab(f);
	set_sample_every(1);
	reader_open(&r, f, NULL);
	new_tcp_flows(f, CLIENT_PORT, 1);
	cr_assert_eq(xlb_access_log__drain(r.al), 0);
	snprintf(moved, sizeof(moved), "%s.1", r.path);
	cr_assert_eq(rename(r.path, moved), 0);
	cr_assert_eq(xlb_access_log__reopen(r.al), 0);
	new_tcp_flows(f, CLIENT_PORT + 1, 1);
	cr_assert_eq(xlb_access_log__drain(r.al), 0);
	cr_assert_eq(r.lines, 2);
	slurp(moved, text, sizeof(text));
	cr_assert_not_null(strstr(text, "]:40000\""), "first line not in the moved file:\n%s",
			   text);
	cr_assert_null(strstr(text, "]:40001\""), "second line in the moved file:\n%s", text);
	slurp(r.path, text, sizeof(text));
	cr_assert_not_null(strstr(text, "]:40001\""), "second line not in the new file:\n%s", text);
	cr_assert_null(strstr(text, "]:40000\""), "first line in the new file:\n%s", text);
	unlink(moved);
	reader_close(&r);
}

/* A write that fails (a full disk) loses the lines and counts them. */
Test(sample, access_log_write_errors_counted)
{
	const struct h_fam *f = H_FAM4;
	struct reader r;

	lab(f);
	set_sample_every(1);
	reader_open(&r, f, "/dev/full");
	new_tcp_flows(f, CLIENT_PORT, 2);
	cr_assert_eq(xlb_access_log__drain(r.al), 0);
	cr_assert_eq(r.lines, 0);
	cr_assert_eq(r.errors, 2, "%llu errors", (unsigned long long)r.errors);
	cr_assert_eq(drain(), 0, "samples left in the ring");
	reader_close(&r);
}
