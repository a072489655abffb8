/* SPDX-License-Identifier: MIT */
/*
 * The ACL from user space: the global list and each VIP's list of source
 * prefixes in the acl4 / acl6 tries (matching rules in include/xlb/abi.h),
 * and the per-list entry counts in guard[] that let the program skip an
 * empty list. Only xlbd writes them; each call is one consistent change.
 */
#ifndef XLB_ACL_H
#define XLB_ACL_H

#include <xlb/abi.h>
#include "maps.h"

/* One ACL entry. */
struct xlb_acl_rule {
	__u32 scope;	      /* XLB_SCOPE_GLOBAL, or the VIP id whose list it is in */
	__u8 family;	      /* XLB_AF_INET or XLB_AF_INET6 */
	__u8 plen;	      /* prefix length, up to 32 or 128 */
	__u8 action;	      /* XLB_ACL_DENY or XLB_ACL_ALLOW */
	struct xlb_addr addr; /* the prefix; no bits set past plen */
};

/* 0 if r could be added (scope, family, length, action, no host bits), else
 * -EINVAL; writes nothing, so a batch can be checked whole first. */
int xlb_acl_rule__check(const struct xlb_acl_rule *r);
/* Adds r, or changes the action of the same prefix in the same list.
 * -EINVAL: bad scope, family, length or action, or host bits set. */
int xlb_acl__add(const struct xlb_maps *m, const struct xlb_acl_rule *r);
/* Removes the entry of r's scope, family and prefix (r->action is not
 * compared); -ENOENT if there is none. */
int xlb_acl__del(const struct xlb_maps *m, const struct xlb_acl_rule *r);
/* Looks up the entry of r's scope, family and prefix: fills r->action. */
int xlb_acl__get(const struct xlb_maps *m, struct xlb_acl_rule *r);

typedef int (*xlb_acl_fn)(const struct xlb_acl_rule *r, void *arg);
/* Calls fn for every entry of every list (IPv4 first); a non-zero return
 * from fn stops the walk and is returned. */
int xlb_acl__foreach(const struct xlb_maps *m, xlb_acl_fn fn, void *arg);
/* Removes every entry of one list: a VIP's, before its id is reused. */
int xlb_acl__flush(const struct xlb_maps *m, __u32 scope);
/* Recomputes every list's counts from the tries, and the count of active
 * scopes: after adopting maps left by a daemon that may have died between
 * an entry and its count. */
int xlb_acl__recount(const struct xlb_maps *m);

#endif /* XLB_ACL_H */
