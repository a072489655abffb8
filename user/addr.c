// SPDX-License-Identifier: MIT
/* Addresses, endpoints and VIP keys to and from text. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "addr.h"

#define IPV4_BITS 32
#define IPV6_BITS 128
#define DECIMAL	  10

int xlb_addr__parse(const char *s, struct xlb_addr *a, __u8 *family)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &a->a[0]) == 1) {
		*family = XLB_AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->a) == 1) {
		*family = XLB_AF_INET6;
		return 0;
	}
	return -EINVAL;
}

int xlb_num__parse(const char *s, unsigned long max, unsigned long *v)
{
	char *end;
	unsigned long n;

	/* strtoul accepts signs and spaces; a number here is digits only. */
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	n = strtoul(s, &end, DECIMAL);
	if (errno || *end || n > max)
		return -ERANGE;
	*v = n;
	return 0;
}

int xlb_prefix__parse(const char *s, struct xlb_addr *a, __u8 *family, unsigned int *plen)
{
	char buf[XLB_ADDR_STR_MAX];
	const char *slash = strchr(s, '/');
	unsigned long n;
	int err;

	if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf))
		return -EINVAL;
	if (slash)
		buf[slash - s] = '\0';
	err = xlb_addr__parse(buf, a, family);
	if (err)
		return err;
	*plen = *family == XLB_AF_INET ? IPV4_BITS : IPV6_BITS;
	if (!slash)
		return 0;
	err = xlb_num__parse(slash + 1, *plen, &n);
	if (err)
		return err;
	*plen = n;
	return 0;
}

int xlb_endpoint__parse(const char *s, struct xlb_addr *a, __u8 *family, __u16 *port)
{
	char buf[XLB_ADDR_STR_MAX];
	const char *host = buf, *colon;
	unsigned long n;
	int err;

	if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf))
		return -EINVAL;
	if (buf[0] == '[') {
		char *close = strchr(buf, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		*close = '\0';
		host = buf + 1;
		colon = close + 1;
	} else {
		char *c = strchr(buf, ':');

		/* An unbracketed IPv6 address has several colons. */
		if (!c || strchr(c + 1, ':'))
			return -EINVAL;
		*c = '\0';
		colon = c;
	}
	err = xlb_addr__parse(host, a, family);
	if (err)
		return err;
	if (buf[0] == '[' && *family != XLB_AF_INET6)
		return -EINVAL;
	err = xlb_num__parse(colon + 1, UINT16_MAX, &n);
	if (err)
		return err;
	*port = n;
	return 0;
}

const char *xlb_proto__name(__u8 proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	default:
		return NULL;
	}
}

int xlb_proto__parse(const char *s, __u8 *proto)
{
	if (!strcmp(s, "tcp")) {
		*proto = IPPROTO_TCP;
		return 0;
	}
	if (!strcmp(s, "udp")) {
		*proto = IPPROTO_UDP;
		return 0;
	}
	return -EINVAL;
}

int xlb_vip_key__parse(const char *s, struct xlb_ctl_vip_key *k)
{
	char buf[XLB_ADDR_STR_MAX];
	char *slash;
	int err;

	if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf))
		return -EINVAL;
	slash = strrchr(buf, '/');
	if (!slash)
		return -EINVAL;
	*slash = '\0';
	memset(k, 0, sizeof(*k));
	err = xlb_proto__parse(slash + 1, &k->proto);
	if (err)
		return err;
	return xlb_endpoint__parse(buf, &k->addr, &k->family, &k->port);
}

const char *xlb_addr__str(const struct xlb_addr *a, __u8 family, char *buf, size_t len)
{
	int af = family == XLB_AF_INET ? AF_INET : family == XLB_AF_INET6 ? AF_INET6 : 0;

	if (!af || !inet_ntop(af, a->a, buf, len))
		snprintf(buf, len, "?");
	return buf;
}

const char *xlb_endpoint__str(const struct xlb_addr *a, __u8 family, __u16 port, char *buf,
			      size_t len)
{
	char addr[INET6_ADDRSTRLEN];

	xlb_addr__str(a, family, addr, sizeof(addr));
	if (family == XLB_AF_INET6)
		snprintf(buf, len, "[%s]:%u", addr, port);
	else
		snprintf(buf, len, "%s:%u", addr, port);
	return buf;
}

const char *xlb_vip_key__str(const struct xlb_ctl_vip_key *k, char *buf, size_t len)
{
	char ep[XLB_ADDR_STR_MAX];
	const char *proto = xlb_proto__name(k->proto);

	xlb_endpoint__str(&k->addr, k->family, k->port, ep, sizeof(ep));
	snprintf(buf, len, "%s/%s", ep, proto ? proto : "?");
	return buf;
}
