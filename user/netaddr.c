// SPDX-License-Identifier: MIT
/* Addresses and VIP keys as text. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "netaddr.h"

int xlb_addr__format(int family, const struct xlb_addr *addr, char *buf, size_t len)
{
	int af = family == XLB_AF_INET ? AF_INET : family == XLB_AF_INET6 ? AF_INET6 : 0;

	if (!af || !inet_ntop(af, addr->a, buf, (socklen_t)len))
		return -EINVAL;
	return 0;
}

int xlb_addr__parse_any(const char *s, int *family, struct xlb_addr *addr)
{
	memset(addr, 0, sizeof(*addr));
	if (inet_pton(AF_INET, s, &addr->a[0]) == 1) {
		*family = XLB_AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, addr->a) == 1) {
		*family = XLB_AF_INET6;
		return 0;
	}
	return -EINVAL;
}

/* "tcp", "udp", else "proto N" into buf. */
static const char *proto_name(int proto, char *buf, size_t len)
{
	if (proto == IPPROTO_TCP)
		return "tcp";
	if (proto == IPPROTO_UDP)
		return "udp";
	snprintf(buf, len, "proto%d", proto);
	return buf;
}

int xlb_vip_key__format(const struct xlb_vip_key *key, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN], p[sizeof("proto255")];
	int n;

	if (xlb_addr__format(key->family, &key->addr, a, sizeof(a)))
		return -EINVAL;
	n = snprintf(buf, len, key->family == XLB_AF_INET6 ? "[%s]:%u/%s" : "%s:%u/%s", a,
		     ntohs(key->port), proto_name(key->proto, p, sizeof(p)));
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}
