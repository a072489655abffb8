/* SPDX-License-Identifier: MIT */
/*
 * Addresses, prefixes and VIP keys as text, the way xlbctl writes them and
 * xlbd reports them: 198.18.1.10, 2001:2::10, 198.18.1.10:80,
 * [2001:2:1::10]:80, 198.18.1.10:80/tcp, [2001:2:1::10]:80/udp.
 */
#ifndef XLB_ADDR_H
#define XLB_ADDR_H

#include <stddef.h>
#include <xlb/abi.h>
#include "ctl_msg.h"

/* Room for the longest "[v6]:65535/tcp" and its NUL. */
#define XLB_ADDR_STR_MAX 64

/* An IPv4 or IPv6 address (no brackets, no port). Sets *family. */
int xlb_addr__parse(const char *s, struct xlb_addr *a, __u8 *family);
/* ADDR[/PLEN]; *plen is the full length when no prefix is given. */
int xlb_prefix__parse(const char *s, struct xlb_addr *a, __u8 *family, unsigned int *plen);
/* ADDR:PORT or [V6ADDR]:PORT. */
int xlb_endpoint__parse(const char *s, struct xlb_addr *a, __u8 *family, __u16 *port);
/* ADDR:PORT/PROTO or [V6ADDR]:PORT/PROTO, PROTO tcp or udp. */
int xlb_vip_key__parse(const char *s, struct xlb_ctl_vip_key *k);
/* A decimal number in [0, max], the whole string. */
int xlb_num__parse(const char *s, unsigned long max, unsigned long *v);
/* "tcp" / "udp" <-> IPPROTO_*; NULL / -EINVAL otherwise. */
const char *xlb_proto__name(__u8 proto);
int xlb_proto__parse(const char *s, __u8 *proto);

/* Formatting: each returns buf ("?" in it if the family is unknown). */
const char *xlb_addr__str(const struct xlb_addr *a, __u8 family, char *buf, size_t len);
/* ADDR:PORT, IPv6 in brackets. */
const char *xlb_endpoint__str(const struct xlb_addr *a, __u8 family, __u16 port, char *buf,
			      size_t len);
const char *xlb_vip_key__str(const struct xlb_ctl_vip_key *k, char *buf, size_t len);

#endif /* XLB_ADDR_H */
