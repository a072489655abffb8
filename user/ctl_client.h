/* SPDX-License-Identifier: MIT */
/*
 * The client end of the control socket: connect, send a request or a batch
 * (split into records of at most XLB_CTL_RECORD_MAX), read the replies until
 * the ack, NLMSG_DONE or an error, and hand back -errno with the daemon's
 * extended-ack text.
 */
#ifndef XLB_CTL_CLIENT_H
#define XLB_CTL_CLIENT_H

#include <stddef.h>
#include "ctl_msg.h"

/* A daemon that has not answered by then is reported as -ETIMEDOUT. */
#define XLB_CTL_CLIENT_TIMEOUT_S 30

struct xlb_ctl_client {
	int fd;
	__u32 seq; /* next request's nlmsg_seq */
	char *buf; /* XLB_CTL_RECORD_MAX bytes for records sent and received */
};

/* XLB_CTL_SOCK_DIR/name.sock into buf. */
int xlb_ctl__sock_path(char *buf, size_t len, const char *name);

int xlb_ctl_client__connect(struct xlb_ctl_client *c, const char *path, struct xlb_ctl_err *e);
void xlb_ctl_client__close(struct xlb_ctl_client *c);

/* Called for every data message of a reply; a negative return is kept and
 * returned once the rest of the reply has been read. */
typedef int (*xlb_ctl_reply_fn)(const struct xlb_ctl_msg *m, void *data);

/* Sends req (its seq is assigned here) and reads its replies. Returns 0, or
 * -errno with e->msg saying why (the daemon's text when it sent one). */
int xlb_ctl_client__request(struct xlb_ctl_client *c, struct xlb_ctl_msg *req, xlb_ctl_reply_fn fn,
			    void *data, struct xlb_ctl_err *e);

/* Sends reqs[0..n) between BATCH_BEGIN and BATCH_END, as many records as
 * needed, and reads the one answer. On a failure *failed is the index of
 * the request the daemon refused (n when it names none). */
int xlb_ctl_client__batch(struct xlb_ctl_client *c, struct xlb_ctl_msg *reqs, size_t n,
			  size_t *failed, struct xlb_ctl_err *e);

#endif /* XLB_CTL_CLIENT_H */
