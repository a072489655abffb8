/* SPDX-License-Identifier: MIT */
/* Addresses and VIP keys as text, for messages, logs and the state file. */
#ifndef XLB_NETADDR_H
#define XLB_NETADDR_H

#include <stddef.h>
#include <xlb/abi.h>

/* Long enough for "[IPv6]:port/proto" and an IPv6 prefix. */
#define XLB_ADDRSTRLEN 64

/* "198.18.0.1" or "2001:2::1"; family is enum xlb_family. 0 or -EINVAL. */
int xlb_addr__format(int family, const struct xlb_addr *addr, char *buf, size_t len);
/* Parses either family; sets *family to XLB_AF_INET or XLB_AF_INET6.
 * (addr.h's xlb_addr__parse is the CLI's, with a __u8 family.) */
int xlb_addr__parse_any(const char *s, int *family, struct xlb_addr *addr);
/* "198.18.1.10:80/tcp", "[2001:2::1]:0/udp". */
int xlb_vip_key__format(const struct xlb_vip_key *key, char *buf, size_t len);

#endif /* XLB_NETADDR_H */
