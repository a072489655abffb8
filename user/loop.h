/* SPDX-License-Identifier: MIT */
/*
 * xlbd's one event loop: epoll over file descriptors, each registered with a
 * callback. Signals (signalfd), timers (timerfd), the control socket and its
 * clients, libcurl's sockets and libmicrohttpd's epoll fd all come through
 * here, so nothing in the daemon ever blocks waiting for one of them.
 */
#ifndef XLB_LOOP_H
#define XLB_LOOP_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

struct xlb_loop;
struct xlb_loop_handler;
struct xlb_loop_timer;

/* Called with the epoll events that fired (EPOLLIN, EPOLLOUT, ...). */
typedef void (*xlb_loop_cb)(struct xlb_loop *loop, int fd, uint32_t events, void *arg);
/* Called once the timer's due time has come; it is disarmed by then. */
typedef void (*xlb_loop_timer_cb)(struct xlb_loop *loop, struct xlb_loop_timer *t, void *arg);

/*
 * A deadline the loop keeps itself, without a file descriptor: arming or
 * moving it is a store, and the loop sleeps in epoll until the earliest one.
 * For deadlines that move at every event (libcurl's, the health engine's):
 * a timerfd_settime per move was a fifth of the health checks' CPU time.
 */
struct xlb_loop_timer {
	uint64_t due_ns; /* CLOCK_MONOTONIC, as xlb_now_ns() */
	bool armed;
	uint64_t round; /* the dispatch round it last fired in */
	xlb_loop_timer_cb cb;
	void *arg;
	struct xlb_loop_timer *prev, *next;
};

struct xlb_loop {
	int epfd;
	bool stop;
	struct xlb_loop_handler **by_fd;  /* registered, indexed by fd */
	int nr_fds;			  /* slots in by_fd */
	struct xlb_loop_handler *retired; /* removed during a dispatch round */
	struct xlb_loop_timer *timers;	  /* registered, armed or not: a few */
	uint64_t round;			  /* dispatch rounds so far */
	bool no_pwait2;			  /* the kernel lacks epoll_pwait2 */
};

/* CLOCK_MONOTONIC in ns: the clock of every deadline of the loop. */
uint64_t xlb_now_ns(void);

int xlb_loop__init(struct xlb_loop *loop);
/* Removes every handler (closing nothing: fds belong to their owners). */
void xlb_loop__fini(struct xlb_loop *loop);

/* Registers fd for events; cb(loop, fd, events, arg) runs when they fire. */
int xlb_loop__add(struct xlb_loop *loop, int fd, uint32_t events, xlb_loop_cb cb, void *arg);
/* Changes the events fd waits for (e.g. adds EPOLLOUT while output is
 * queued). -ENOENT, quietly, when fd is not registered, or no longer the
 * file that was (closed, and the number another file's). */
int xlb_loop__mod(struct xlb_loop *loop, int fd, uint32_t events);
/* Unregisters fd; safe from inside any callback, even for another fd of the
 * same round. The caller closes fd afterwards; an fd closed already (the
 * close took it out of the epoll set) is forgotten quietly, with -EBADF. */
int xlb_loop__del(struct xlb_loop *loop, int fd);
/* Unregisters fd without a system call, for a caller about to close it:
 * the close takes fd out of the epoll set, as no other descriptor shares
 * its open file (xlbd never forks; posix_spawn holds it until the child has
 * closed every fd beyond stdio and exec'd). As safe as del otherwise. */
int xlb_loop__forget(struct xlb_loop *loop, int fd);

/* Registers t, disarmed; cb(loop, t, arg) runs when it is due. */
void xlb_loop__timer_add(struct xlb_loop *loop, struct xlb_loop_timer *t, xlb_loop_timer_cb cb,
			 void *arg);
/* Unregisters t; safe from inside any callback, t's own included. */
void xlb_loop__timer_del(struct xlb_loop *loop, struct xlb_loop_timer *t);
/* Arms t for the absolute time due_ns (the past: the end of this round). */
void xlb_loop_timer__arm(struct xlb_loop_timer *t, uint64_t due_ns);
void xlb_loop_timer__disarm(struct xlb_loop_timer *t);

/* Dispatches events until xlb_loop__stop(); returns 0 or -errno. */
int xlb_loop__run(struct xlb_loop *loop);
/* One round: waits up to timeout_ms (-1: no limit), or until the earliest
 * armed timer, dispatches the fd events, then runs the timers that are due.
 * Returns the number of fd events, or -errno. */
int xlb_loop__dispatch(struct xlb_loop *loop, int timeout_ms);
void xlb_loop__stop(struct xlb_loop *loop);

/* A signalfd for the signals in set, which are blocked first so they arrive
 * only as events. Returns the fd or -errno. */
int xlb_signalfd__open(const sigset_t *set);
/* Reads one pending signal; returns its number, 0 if none, or -errno. */
int xlb_signalfd__read(int fd);

/* A non-blocking monotonic timerfd, disarmed. Returns the fd or -errno. */
int xlb_timerfd__open(void);
/* Arms the timer: first expiry after first_ns, then every interval_ns
 * (0 = once). first_ns 0 is armed as 1 ns, since 0 would disarm it. */
int xlb_timerfd__arm(int fd, uint64_t first_ns, uint64_t interval_ns);
int xlb_timerfd__disarm(int fd);
/* Consumes the expirations into *expirations (0 if none); 0 or -errno. */
int xlb_timerfd__read(int fd, uint64_t *expirations);

#endif /* XLB_LOOP_H */
