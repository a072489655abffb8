/* SPDX-License-Identifier: MIT */
/*
 * The human-readable half of an error: a line naming the problem ("unknown
 * VIP 198.18.1.99:80/tcp"), sent back to the requester as the extended-ack
 * text next to the errno, and printed by `xlbd -n` for a bad config line.
 */
#ifndef XLB_ERRMSG_H
#define XLB_ERRMSG_H

#define XLB_ERRMSG_LEN 160

struct xlb_errmsg {
	char text[XLB_ERRMSG_LEN];
};

/* Sets the text unless one is set already (the first, most precise cause
 * wins) and returns err, so `return xlb_errmsg__set(e, -EEXIST, ...)` reads
 * as one statement. e may be NULL. */
int xlb_errmsg__set(struct xlb_errmsg *e, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void xlb_errmsg__clear(struct xlb_errmsg *e);

#endif /* XLB_ERRMSG_H */
