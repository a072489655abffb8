/* SPDX-License-Identifier: MIT */
/*
 * Between the health engine (health.c) and the check types (check_*.c): the
 * engine starts a check and owns its deadline; the check type reports one
 * result through xlb_health__result(), or is cancelled and reports nothing.
 */
#ifndef XLB_HEALTH_INT_H
#define XLB_HEALTH_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include "health.h"

struct xlb_curl_loop;
struct xlb_script_probe;

struct xlb_check_ops {
	/* Starts t's check. The result comes later through
	 * xlb_health__result(), or already before start returns; a start that
	 * fails returns -errno and reports nothing. */
	int (*start)(struct xlb_health_target *t);
	/* Stops t's running check and frees its state; reports nothing. At a
	 * timeout r is the result to be reported, where the check may leave
	 * what it has seen (a script's output); otherwise r is NULL. */
	void (*cancel)(struct xlb_health_target *t, struct xlb_check_result *r);
};

extern const struct xlb_check_ops xlb_check_tcp_ops;
extern const struct xlb_check_ops xlb_check_http_ops; /* http and https */
extern const struct xlb_check_ops xlb_check_grpc_ops;
extern const struct xlb_check_ops xlb_check_script_ops;

/* The rise/fall counter of one target. */
struct xlb_health_sm {
	enum xlb_health state;
	uint32_t passes;
	uint32_t failures;
};

/* Counts one result; returns true when it changed the state. */
bool xlb_health_sm__step(struct xlb_health_sm *sm, bool pass, uint32_t rise, uint32_t fall);

/* The due time sits beside the pointer so that sifting compares without
 * reading every target on the path (a cache miss each, at 5,000 targets). */
struct xlb_heap_slot {
	uint64_t due_ns;
	struct xlb_health_target *t;
};

struct xlb_health_engine {
	struct xlb_loop *loop;
	xlb_health_change_cb on_change;
	xlb_health_result_cb on_result;
	void *arg;
	struct xlb_loop_timer timer; /* the heap's earliest due time */
	size_t nr_running;	     /* checks in flight */
	size_t max_running;	     /* XLB_HEALTH_MAX_RUNNING unless set */
	size_t nr_waiting;
	uint64_t waited; /* checks that waited for a slot, ever */
	/* due while max_running were in flight: started, oldest first, as
	 * others end */
	TAILQ_HEAD(, xlb_health_target) waitq;
	struct xlb_heap_slot *heap; /* min-heap on due_ns */
	size_t nr_heap;
	size_t heap_cap;
	uint64_t rng;
	LIST_HEAD(, xlb_health_target) targets; /* all of them, for free */
	size_t nr_targets;
	struct xlb_curl_loop *curl;
	struct xlb_script_probe *orphans; /* scripts killed at their timeout, not reaped yet */
};

#define XLB_HEAP_NONE ((size_t)-1)

struct xlb_health_target {
	struct xlb_health_engine *h;
	struct xlb_health_target_conf conf;
	struct xlb_health_sm sm;
	uint64_t since_ns;
	uint64_t checks;
	struct xlb_check_result last;
	/* scheduling: due_ns is the next start while idle, the deadline while
	 * running */
	size_t heap_idx;
	uint64_t due_ns;
	uint64_t started_ns;
	uint64_t late_ns; /* the running check started this long after due */
	bool running;
	bool waiting; /* in the engine's wait queue, out of the heap */
	TAILQ_ENTRY(xlb_health_target) wait_link;
	void *probe;			    /* the check type's state while running */
	LIST_ENTRY(xlb_health_target) link; /* in the engine's targets */
};

/* The schedule (health_sched.c). */

/* Room in the heap for every target (call before adding one). 0 or -ENOMEM. */
int xlb_health_sched__reserve(struct xlb_health_engine *h);
/* Puts t in the heap at due_ns, or moves it there. */
void xlb_health_sched__at(struct xlb_health_target *t, uint64_t due_ns);
/* Takes t out of the heap, if it is in. */
void xlb_health_sched__remove(struct xlb_health_target *t);
/* The first check: at a random point of one interval from now (none for a
 * target without a check). */
void xlb_health_sched__first(struct xlb_health_target *t);
/* The next check: one interval after this one started, give or take the
 * jitter, and never before now. */
void xlb_health_sched__next(struct xlb_health_target *t, uint64_t now);
/* Moves t from the heap to the end of the wait queue (due while
 * max_running checks are in flight). */
void xlb_health_sched__wait(struct xlb_health_target *t);
/* Takes t out of the wait queue, if it is in. */
void xlb_health_sched__unwait(struct xlb_health_target *t);
/* Arms the engine's timer: now when a check waits and a slot is free (it
 * starts once back in the loop), else at the earliest due time on the tick
 * grid; disarms it when nothing is due. */
void xlb_health_sched__rearm(struct xlb_health_engine *h);

/* Kills and forgets the scripts killed at their timeout that have not been
 * reaped yet (engine teardown). */
void xlb_check_script__free_orphans(struct xlb_health_engine *h);

/* Reports the running check's result (the check type has freed its state). */
void xlb_health__result(struct xlb_health_target *t, struct xlb_check_result *r);

/* Fills r's reason, code and text; clears the rest. */
void xlb_check_result__set(struct xlb_check_result *r, enum xlb_check_reason reason, int code,
			   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Sets the reason for a failed connect or socket error err (positive errno). */
void xlb_check_result__errno(struct xlb_check_result *r, int err);
/* Copies len bytes of text into r->output as one printable line. */
void xlb_check_result__output(struct xlb_check_result *r, const char *text, size_t len);

/* The port a check connects to: the spec's override or the target's. */
uint16_t xlb_health_target__check_port(const struct xlb_health_target *t);
/* The target's address and check port as a sockaddr. */
socklen_t xlb_health_target__sockaddr(const struct xlb_health_target *t,
				      struct sockaddr_storage *ss);

#endif /* XLB_HEALTH_INT_H */
