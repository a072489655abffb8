/* SPDX-License-Identifier: MIT */
/*
 * xlbd's life: lock the instance, load and attach (or adopt) the program,
 * restore the running state or apply the config, serve the control socket
 * from one loop, and stop leaving the data plane forwarding. Every change
 * goes through xlbd__commit: state file first, then the maps, and back out
 * of both if the maps refuse.
 */
#ifndef XLB_DAEMON_H
#define XLB_DAEMON_H

#include <limits.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "announce.h"
#include "control.h"
#include "dataplane.h"
#include "loader.h"
#include "loop.h"
#include "maps.h"
#include "rates.h"
#include "state.h"

struct xlb_bpf;

struct xlbd_opts {
	const char *dev;
	const char *name;      /* NULL: the device's name */
	const char *config;    /* NULL: none */
	const char *sock_path; /* NULL: XLB_CTL_SOCK_DIR/NAME.sock */
	enum xlb_attach_mode mode;
	__u32 flow_entries; /* 0: the ABI default */
	uid_t allow_uid;    /* CTL_NO_UID: root only */
	/* the HTTP endpoint (/health...): http_len 0 means off */
	struct sockaddr_storage http_addr;
	socklen_t http_len;
	bool http_explicit; /* given with --http: failing to listen stops the start */
	/* VIP routes for BGP (docs/scale-out.md) */
	__u32 announce_table;	/* 0: VIPs are not announced */
	bool withdraw_on_stop;	/* a clean stop withdraws the announced routes */
	const char *access_log; /* NULL: none; "-": standard output */
};

struct health_sync;
struct health_sync_change;
struct xlb_http;
struct xlbd_metrics;
struct xlb_access_log;

/* Control-plane counters served by /metrics (docs/metrics.md); the code
 * that does the thing counts it. */
struct xlbd_counters {
	__u64 config_changes;	 /* control requests and reloads committed (a batch once) */
	__u64 access_log_lines;	 /* access-log lines written */
	__u64 access_log_errors; /* samples received but not written */
	/* rings rebuilt and swapped, by VIP id (a VIP new to the maps starts at 1) */
	__u64 ring_swaps[XLB_MAX_VIPS];
};

struct xlbd {
	struct xlbd_opts opt;
	char name[NAME_MAX];
	char sock_path[PATH_MAX];
	char state_path[PATH_MAX];
	char lock_path[PATH_MAX];
	int lock_fd;
	int ifindex;
	struct xlb_bpf *skel;
	struct xlb_maps maps;
	bool attached;
	enum xlb_attach_mode mode;
	struct xlb_state state;
	struct xlb_loop loop;
	int sig_fd;
	int timer_fd;
	unsigned long ticks;
	struct dataplane_nexthop_round nexthop_round; /* housekeeping's */
	struct ctl_server *ctl;
	struct xlb_rates *rates;
	struct health_sync *hs;
	struct xlb_http *http;
	struct xlb_announce announce;
	struct xlbd_counters counters;
	struct xlbd_metrics *metrics; /* /metrics' own state (metrics_xlbd.c) */
	struct xlb_access_log *alog;  /* --access-log (access_log.c) */
};

/* Names, paths and the instance lock (one xlbd per NAME): -EBUSY if another
 * xlbd holds it. */
int xlbd__init(struct xlbd *d, const struct xlbd_opts *o);
/* Startup (docs/operating.md): load, attach or adopt, restore or configure,
 * open the control socket. */
int xlbd__start(struct xlbd *d);
/* The loop, until SIGTERM or SIGINT. */
int xlbd__run(struct xlbd *d);
/* Closes everything; the program, its pins and the routes stay (the
 * announced ones too unless --withdraw-on-stop). */
void xlbd__fini(struct xlbd *d);

/* Makes next the running model (consumed on success, left to the caller on
 * failure). */
int xlbd__commit(struct xlbd *d, struct xlb_state *next, struct xlb_ctl_err *e);
/* Mutation requests, all-or-nothing (the control server's apply). */
int xlbd__apply(void *ctx, const struct xlb_ctl_msg *msgs, size_t n, size_t *failed,
		struct xlb_ctl_err *e);
/* Any other request (the control server's query), in query.c. */
int xlbd__query(void *ctx, const struct xlb_ctl_msg *req, struct ctl_reply *r,
		struct xlb_ctl_err *e);
/* The ACL, rate-limit and offender dumps, in query_guard.c. */
int xlbd__query_guard(struct xlbd *d, const struct xlb_ctl_msg *req, struct ctl_reply *r,
		      struct xlb_ctl_err *e);

/* SIGHUP: makes the running state what --config says, keeping the ids,
 * generations and health of what both have; a bad config changes nothing. */
int xlbd__reload(struct xlbd *d);

int xlbd__attach(struct xlbd *d, enum xlb_attach_mode mode, struct xlb_ctl_err *e);
/* Removes the program and its pins and the state file; the daemon keeps its
 * model and refuses changes until attached again. */
int xlbd__detach(struct xlbd *d, struct xlb_ctl_err *e);

/* The health-check hook: backends went up or down (the changes of one loop
 * round, in one commit); their VIPs' rings are rebuilt and swapped. A
 * backend gone since is skipped. Returns 1 when the maps changed, 0 when
 * nothing had to (or the program is detached: the model alone changes), or
 * -errno. */
int xlbd__set_health(struct xlbd *d, const struct health_sync_change *changes, size_t n);

/* The HTTP endpoint's routes: /health, /health/live, /health/ready
 * (health_http.c). */
int xlbd__http_routes(struct xlbd *d);

/* /metrics (metrics_xlbd.c): open makes its state and route (after the
 * HTTP endpoint is open), tick walks a slice of the flow table (each
 * housekeeping tick), close frees it (NULL-safe). */
int xlbd__metrics_open(struct xlbd *d);
void xlbd__metrics_tick(struct xlbd *d);
void xlbd__metrics_close(struct xlbd *d);

/* `xlbd --detach` with no daemon running: detach, unpin, forget the state. */
int xlbd__detach_offline(const struct xlbd_opts *o);

#endif /* XLB_DAEMON_H */
