// SPDX-License-Identifier: MIT
/* Prefix masks of IPv4 and IPv6 addresses, in network byte order. */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>

#include "prefix.h"

#define WORD_BITS 32
#define V6_WORDS  4

unsigned int xlb_family__bits(int family)
{
	if (family == XLB_AF_INET)
		return XLB_V4_BITS;
	if (family == XLB_AF_INET6)
		return XLB_V6_BITS;
	return 0;
}

/* The mask of the first bits bits of one word (bits may be <= 0 or >= 32). */
static __be32 word_mask(int bits)
{
	if (bits <= 0)
		return 0;
	if (bits >= WORD_BITS)
		return 0xffffffffu;
	return htonl(~((1u << (WORD_BITS - bits)) - 1));
}

int xlb_prefix__mask(int family, unsigned int plen, struct xlb_addr *mask)
{
	unsigned int bits = xlb_family__bits(family);
	int i;

	if (!bits || plen > bits)
		return -EINVAL;
	memset(mask, 0, sizeof(*mask));
	for (i = 0; i < (int)(bits / WORD_BITS); i++)
		mask->a[i] = word_mask((int)plen - i * WORD_BITS);
	return 0;
}

bool xlb_prefix__is_clean(int family, const struct xlb_addr *addr, unsigned int plen)
{
	struct xlb_addr mask;
	int i;

	if (xlb_prefix__mask(family, plen, &mask))
		return false;
	for (i = 0; i < V6_WORDS; i++)
		if (addr->a[i] & ~mask.a[i])
			return false;
	return true;
}
