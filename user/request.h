/* SPDX-License-Identifier: MIT */
/*
 * A mutation request (VIP / backend add, del, set; config set; ACL add, del;
 * rate limit set, del) applied to a model. Pure: the daemon applies a batch
 * to a copy of its model and commits the copy only if every request
 * succeeded; `xlbd -n` applies a config file to an empty model to check it.
 */
#ifndef XLB_REQUEST_H
#define XLB_REQUEST_H

#include "ctl_msg.h"
#include "state.h"

/* Returns 0 or -errno with e naming the problem (-EOPNOTSUPP for a
 * command that is not a mutation). */
int request__apply(struct xlb_state *s, const struct xlb_ctl_msg *m, struct xlb_ctl_err *e);

/* The model's key of a message's VIP (its port is host order). */
void request__vip_key(const struct xlb_ctl_vip_key *in, struct xlb_vip_key *out);

#endif /* XLB_REQUEST_H */
