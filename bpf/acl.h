/* SPDX-License-Identifier: MIT */
/*
 * ACL: the packet's source address against the global list, then against
 * the VIP's own list, in the LPM tries acl4 / acl6 (rules in
 * include/xlb/abi.h). Runs right after the VIP is chosen, so traffic for the
 * host itself never reaches it; a list with no entries of the packet's
 * family costs no trie lookup.
 */
#ifndef XLB_BPF_ACL_H
#define XLB_BPF_ACL_H

#include "maps.h"
#include "stats.h"

#define XLB_ACL4_KEY_BITS (XLB_ACL_SCOPE_BITS + 32)
#define XLB_ACL6_KEY_BITS (XLB_ACL_SCOPE_BITS + 128)

/* The action of the longest entry of scope's list matching the source. */
static __always_inline __u32 xlb_acl_match(struct xlb_guard_scratch *s, __u32 scope)
{
	struct xlb_acl_entry *e;

	if (s->family == XLB_AF_INET) {
		struct xlb_acl4_key *k = &s->acl.v4;

		k->prefixlen = XLB_ACL4_KEY_BITS;
		k->scope = scope;
		k->addr = s->src.a[0];
		e = bpf_map_lookup_elem(&acl4, k);
		xlb_lookup_site4(e);
	} else {
		struct xlb_acl6_key *k = &s->acl.v6;

		k->prefixlen = XLB_ACL6_KEY_BITS;
		k->scope = scope;
		__builtin_memcpy(&k->addr, &s->src, sizeof(k->addr));
		e = bpf_map_lookup_elem(&acl6, k);
		xlb_lookup_site6(e);
	}
	return e ? e->action : XLB_ACL_NONE;
}

/* Stage: the global list, then the VIP's (vip_id 0, an echo request: the
 * global list only). */
static __always_inline int xlb_acl(struct xlb_guard_scratch *s, __u32 vip_id)
{
	int i6 = s->family == XLB_AF_INET6;
	__u32 zero = XLB_SCOPE_GLOBAL;
	const struct xlb_acl_count *n;
	const struct xlb_guard *g;
	__u32 act;

	g = bpf_map_lookup_elem(&guard, &zero);
	if (g && g->acl[i6].deny && xlb_acl_match(s, XLB_SCOPE_GLOBAL) == XLB_ACL_DENY)
		return XLB_STAT_DROP_ACL;
	if (vip_id == XLB_SCOPE_GLOBAL)
		return XLB_NEXT;
	g = bpf_map_lookup_elem(&guard, &vip_id);
	if (!g)
		return XLB_NEXT;
	n = &g->acl[i6];
	if (!n->deny && !n->allow)
		return XLB_NEXT;
	act = xlb_acl_match(s, vip_id);
	if (act == XLB_ACL_DENY || (act == XLB_ACL_NONE && n->allow))
		return XLB_STAT_DROP_ACL;
	return XLB_NEXT;
}

#endif /* XLB_BPF_ACL_H */
