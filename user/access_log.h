/* SPDX-License-Identifier: MIT */
/*
 * xlbd's access log: the program's sampled new flows (the samples ring
 * buffer, bpf/sample.h) as one JSON line each, appended to a file or written
 * to standard output:
 *
 *   {"time":"2026-11-24T10:00:00.123456Z","client":"198.18.0.1:40000",
 *    "vip":"198.18.1.10:80/tcp","backend":"198.19.0.11:80","proto":"tcp"}
 *
 * The ring buffer is one more fd of xlbd's loop. VIP and backend are named
 * from xlbd's model by the ids the program recorded. The file is reopened
 * on request (SIGHUP, for logrotate); a line that cannot be written is
 * counted and dropped, never retried.
 */
#ifndef XLB_ACCESS_LOG_H
#define XLB_ACCESS_LOG_H

#include <stddef.h>
#include <time.h>
#include <linux/types.h>
#include <xlb/abi.h>

struct xlb_loop;
struct xlb_state;
struct xlb_access_log;

/* The path that means standard output. */
#define XLB_ACCESS_LOG_STDOUT "-"

/* Room for the longest line and its NUL. */
#define XLB_ACCESS_LOG_LINE_MAX 256

struct xlb_access_log_opts {
	const char *path;	       /* a file (appended to), or XLB_ACCESS_LOG_STDOUT */
	int samples_fd;		       /* the samples ring buffer map */
	const struct xlb_state *model; /* names VIPs and backends; read at each line */
	__u64 *lines;		       /* lines written */
	__u64 *errors;		       /* samples received but not written */
};

/* Opens the file and adds the ring buffer to loop. */
int xlb_access_log__open(struct xlb_access_log **alp, struct xlb_loop *loop,
			 const struct xlb_access_log_opts *o);
/* Opens the path again (after logrotate moved the file) and writes there
 * from now on; on failure the old file is kept. */
int xlb_access_log__reopen(struct xlb_access_log *al);
/* Reads whatever the ring buffer holds now (also what the loop does). */
int xlb_access_log__drain(struct xlb_access_log *al);
/* Removes it from the loop and closes the file (NULL-safe). */
void xlb_access_log__close(struct xlb_access_log *al);

struct state_vip;
struct state_backend;

/* The line of one sample, newline included, into buf. vip and be are the
 * model's entries of its ids (NULL if gone: the VIP is then named from the
 * packet, the backend null); mono_to_real is CLOCK_REALTIME -
 * CLOCK_MONOTONIC in ns. Returns the line's length or -ENOSPC. */
int xlb_access_log__format(const struct xlb_flow_sample *s, const struct state_vip *vip,
			   const struct state_backend *be, __s64 mono_to_real, char *buf,
			   size_t len);
/* CLOCK_REALTIME - CLOCK_MONOTONIC now, in ns. */
int xlb_access_log__clock_offset(__s64 *mono_to_real);

#endif /* XLB_ACCESS_LOG_H */
