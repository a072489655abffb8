/* SPDX-License-Identifier: MIT */
/* Prefix masks of IPv4 and IPv6 addresses, in network byte order. */
#ifndef XLB_PREFIX_H
#define XLB_PREFIX_H

#include <stdbool.h>
#include <xlb/abi.h>

#define XLB_V4_BITS 32
#define XLB_V6_BITS 128

/* Address length in bits of a family (enum xlb_family), 0 if unknown. */
unsigned int xlb_family__bits(int family);
/* The mask of a plen-bit prefix (IPv4 in a[0], the other words zero);
 * -EINVAL for a bad family or length. */
int xlb_prefix__mask(int family, unsigned int plen, struct xlb_addr *mask);
/* True if addr has no bits set past plen (and, for IPv4, nothing past a[0]). */
bool xlb_prefix__is_clean(int family, const struct xlb_addr *addr, unsigned int plen);

#endif /* XLB_PREFIX_H */
