/* SPDX-License-Identifier: MIT */
/*
 * The health-check engine. It owns a set of targets (a backend's address and
 * port, with a check spec), runs their checks inside xlbd's one loop (TCP
 * sockets, libcurl's multi interface, child processes: never a thread, never
 * a blocking call), and keeps for each target a rise/fall state machine and
 * its last result. When a target's state changes it calls on_change, where
 * xlbd rebuilds the VIP's ring.
 */
#ifndef XLB_HEALTH_H
#define XLB_HEALTH_H

#include <stdint.h>
#include <xlb/abi.h>
#include <xlb/ctl.h> /* enum xlb_health: unknown, up, down */

#include "check_spec.h"
#include "loop.h"
#include "netaddr.h"

/* Why the last check passed or failed; the result's text has the details
 * ("http 503", "exit 3"). */
enum xlb_check_reason {
	XLB_CR_NONE = 0,	 /* no result yet */
	XLB_CR_OK,		 /* "ok" */
	XLB_CR_TIMEOUT,		 /* "timeout" */
	XLB_CR_CONN_REFUSED,	 /* "connect refused" */
	XLB_CR_CONN_RESET,	 /* "connection reset" */
	XLB_CR_UNREACHABLE,	 /* "host unreachable", "network unreachable" */
	XLB_CR_CONNECT,		 /* "connect: <errno text>" */
	XLB_CR_HTTP_STATUS,	 /* "http 503" */
	XLB_CR_BODY_MISMATCH,	 /* "body mismatch" */
	XLB_CR_EMPTY_REPLY,	 /* "empty reply" */
	XLB_CR_PROTOCOL,	 /* "protocol error", "http2 error" */
	XLB_CR_TLS_VERIFY,	 /* "tls: certificate verify failed" */
	XLB_CR_TLS_HANDSHAKE,	 /* "tls: handshake failed" */
	XLB_CR_GRPC_STATUS,	 /* "grpc status UNIMPLEMENTED" (grpc-status != 0) */
	XLB_CR_GRPC_NOT_SERVING, /* "grpc NOT_SERVING", "grpc SERVICE_UNKNOWN" */
	XLB_CR_GRPC_MALFORMED,	 /* "grpc: malformed response" */
	XLB_CR_EXIT,		 /* "exit 3" */
	XLB_CR_SIGNAL,		 /* "signal SEGV" */
	XLB_CR_SPAWN,		 /* "spawn: <errno text>" */
	XLB_CR_ERROR,		 /* anything else: "curl: ...", "internal: ..." */
	XLB_CR__MAX,
};

/* Checks in flight at most; more that fall due wait and start late. A
 * bound on the work a round can hold (libcurl 7.88 walks every connection
 * in flight at each one's end) and on file descriptors: without it a
 * moment of lag made checks time out, which kept more in flight, until
 * most failed. 1,024 is 5,000 checks/s at 200 ms each. */
#define XLB_HEALTH_MAX_RUNNING 1024

/* The engine wakes on a grid of this tick (or of the heap top's jitter
 * spread, interval/16, when smaller): checks and timeouts due within one
 * tick are handled in one wake-up, up to a tick late. At 5,000 checks/s a
 * wake-up per check was 15 % of xlbd's CPU (BENCHMARKS.md). */
#define XLB_HEALTH_TICK_NS (4 * XLB_NSEC_PER_MSEC)

#define XLB_CHECK_TEXT_LEN   64
#define XLB_CHECK_OUTPUT_LEN 256 /* a script's output, a TLS error's detail */

struct xlb_check_result {
	enum xlb_check_reason reason;
	int code;	     /* HTTP status, exit status, gRPC status, signal or errno */
	uint64_t at_ns;	     /* CLOCK_MONOTONIC when the result came */
	uint64_t latency_ns; /* from the check's start to its result */
	uint64_t late_ns;    /* from the check's due time to its start */
	char text[XLB_CHECK_TEXT_LEN];
	char output[XLB_CHECK_OUTPUT_LEN]; /* one line, control characters blanked */
};

/* What a target is and how to check it. */
struct xlb_health_target_conf {
	int family; /* enum xlb_family */
	struct xlb_addr addr;
	uint16_t port;		  /* host order; the check's port unless spec.port is set */
	char vip[XLB_ADDRSTRLEN]; /* "198.18.1.10:80/tcp", for scripts' XLB_VIP */
	struct xlb_check_spec spec;
	void *user; /* the caller's object (xlbd: its backend) */
};

/* A target's state as `xlbctl backend show` prints it. */
struct xlb_health_status {
	enum xlb_health state;
	uint64_t since_ns; /* CLOCK_MONOTONIC of the last change (or the seed) */
	uint32_t passes;   /* consecutive, up to rise */
	uint32_t failures; /* consecutive, up to fall */
	uint64_t checks;   /* results since added */
	struct xlb_check_result last;
};

struct xlb_health_engine;
struct xlb_health_target;

/* Called from the loop when a target's state changes; decided_ns is the
 * CLOCK_MONOTONIC time of the result that decided it. The callback may add,
 * remove or seed targets (this one included), but not free the engine. */
typedef void (*xlb_health_change_cb)(struct xlb_health_target *t, enum xlb_health state,
				     uint64_t decided_ns, void *arg);

/* Called for every check result (before any on_change it causes), e.g. for
 * latency metrics. It must not add, remove or seed targets. */
typedef void (*xlb_health_result_cb)(struct xlb_health_target *t, const struct xlb_check_result *r,
				     void *arg);

int xlb_health__new(struct xlb_loop *loop, xlb_health_change_cb on_change, void *arg,
		    struct xlb_health_engine **out);
/* Sets (or clears, with NULL) the per-result callback; it gets the same arg. */
void xlb_health__set_result_cb(struct xlb_health_engine *h, xlb_health_result_cb on_result);
/* How loaded the engine is: checks in flight, checks due and waiting for
 * one of them to end, and how many ever waited. */
struct xlb_health_load {
	size_t running;
	size_t waiting;
	uint64_t waited;
};

void xlb_health__load(const struct xlb_health_engine *h, struct xlb_health_load *out);
/* Sets how many checks may be in flight at once (at least 1; the default
 * is XLB_HEALTH_MAX_RUNNING). */
void xlb_health__set_max_running(struct xlb_health_engine *h, size_t max_running);
/* Stops every check (killing running scripts' process groups) and frees all
 * targets. NULL-safe. */
void xlb_health__free(struct xlb_health_engine *h);

/* Starts checking a target: its first check comes after a random part of one
 * interval, so targets added together spread out. State: unknown. A target
 * with check type none is held but never checked. 0 or -errno, with a line
 * in e (may be NULL). */
int xlb_health__add(struct xlb_health_engine *h, const struct xlb_health_target_conf *conf,
		    struct xlb_health_target **out, struct xlb_errmsg *e);
/* Stops the target's check (a running one is cancelled) and frees it. */
void xlb_health__remove(struct xlb_health_target *t);
/* Replaces the check spec: a running check is cancelled, the counters start
 * over, the state is kept. 0 or -EINVAL. */
int xlb_health_target__set_spec(struct xlb_health_target *t, const struct xlb_check_spec *spec,
				struct xlb_errmsg *e);

/* Sets the state without calling on_change, e.g. to the state recorded
 * before a restart; only fresh results change it afterwards. since_ns 0
 * means now. Counters start over. */
void xlb_health_target__seed(struct xlb_health_target *t, enum xlb_health state, uint64_t since_ns);

void xlb_health_target__status(const struct xlb_health_target *t, struct xlb_health_status *st);
enum xlb_health xlb_health_target__state(const struct xlb_health_target *t);
const struct xlb_health_target_conf *xlb_health_target__conf(const struct xlb_health_target *t);
void *xlb_health_target__user(const struct xlb_health_target *t);

/* "unknown", "up", "down". */
const char *xlb_health_state__name(enum xlb_health state);
/* A stable identifier for JSON and metric labels: "ok", "timeout",
 * "connect_refused", "http_status", ... */
const char *xlb_check_reason__name(enum xlb_check_reason reason);

#endif /* XLB_HEALTH_H */
