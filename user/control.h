/* SPDX-License-Identifier: MIT */
/*
 * The control socket: AF_UNIX SOCK_SEQPACKET, mode 0600, peers checked with
 * SO_PEERCRED. It frames and validates messages (include/xlb/ctl.h), collects
 * batches across records, queues replies per client and sends them as the
 * client reads them, so a slow client never blocks the loop. What a request
 * means is the handler's business.
 */
#ifndef XLB_CONTROL_H
#define XLB_CONTROL_H

#include <stddef.h>
#include <sys/types.h>

#include "ctl_msg.h"
#include "loop.h"

struct ctl_server;
struct ctl_reply;

struct ctl_handler {
	/* Mutations (the batch commands), all-or-nothing: on failure *failed
	 * is the index of the request that failed. */
	int (*apply)(void *ctx, const struct xlb_ctl_msg *msgs, size_t n, size_t *failed,
		     struct xlb_ctl_err *e);
	/* Any other request: data messages through ctl_reply__put. The server
	 * ends a dump with NLMSG_DONE and acks anything else. */
	int (*query)(void *ctx, const struct xlb_ctl_msg *req, struct ctl_reply *r,
		     struct xlb_ctl_err *e);
	void *ctx;
};

#define CTL_NO_UID ((uid_t)-1)

/* Listens on path (its directory is created 0700 if missing); allow_uid may
 * connect besides root (CTL_NO_UID: root only). */
int ctl_server__open(struct ctl_server **srvp, struct xlb_loop *loop, const char *path,
		     uid_t allow_uid, const struct ctl_handler *h);
/* Drops every client, stops listening and removes the socket file. */
void ctl_server__close(struct ctl_server *srv);
/* Requests answered with an error (NLMSG_ERROR, errno not 0) and clients
 * refused, since open; 0 for NULL. */
__u64 ctl_server__errors(const struct ctl_server *srv);

/* Queues m as a reply to the request being answered: type and seq are the
 * request's, NLM_F_MULTI is set for a dump. */
int ctl_reply__put(struct ctl_reply *r, struct xlb_ctl_msg *m);

#endif /* XLB_CONTROL_H */
