// SPDX-License-Identifier: MIT
/* Packet builders and expected-packet builders for the BPF tests. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <criterion/criterion.h>
#include <xlb/hash.h>
#include "harness.h"

#define PKT_IP4_VERSION_IHL	   0x45
#define PKT_IP6_VERSION_SHIFT	   28
#define PKT_IP6_TC_SHIFT	   20
#define PKT_IP6_TC_MASK		   0xff
#define PKT_IP6_VERSION		   6
#define PKT_IP_ID		   0x1234
#define PKT_TCP_SEQ		   1
#define PKT_TCP_SYN		   0x02
#define PKT_TCP_WINDOW		   65535
#define PKT_TCP_DOFF_DEFAULT	   5
#define PKT_TCP_DOFF_SHIFT	   4
#define PKT_IP_OPT_NOP		   1
#define PKT_EXT_OPTS_LEN	   16 /* hop-by-hop, dest-opts: hdrlen 1 */
#define PKT_EXT_ROUTING_LEN	   8
#define PKT_EXT_FRAG_LEN	   8
#define PKT_EXT_AH_LEN		   16 /* hdrlen 2: (2 + 2) * 4 */
#define PKT_EXT_OPTS_HDRLEN	   1
#define PKT_EXT_AH_HDRLEN	   2
#define PKT_OPT_PADN		   1
#define PKT_FRAG_ID		   0x5678abcd
#define PKT_AH_SPI		   0x100
#define PKT_FRAG_OFF_SHIFT	   3
#define PKT_ICMP_TYPE_ECHO_REPLY   0
#define PKT_ICMP_TYPE_DEST_UNREACH 3
#define PKT_ICMP_CODE_FRAG_NEEDED  4
#define PKT_ICMP6_TYPE_PKT_TOO_BIG 2
#define PKT_ICMP6_TYPE_ECHO_REPLY  129
#define PKT_REPLY_TTL		   64
#define PKT_MAX_DIFFS		   48

static void put16(__u8 *b, __u16 v)
{
	b[0] = v >> 8;
	b[1] = v & 0xff;
}

static void put32(__u8 *b, __u32 v)
{
	put16(b, v >> 16);
	put16(b + 2, v & 0xffff);
}

static __u16 get16(const __u8 *b)
{
	return (__u16)(b[0] << 8 | b[1]);
}

static __u32 get32(const __u8 *b)
{
	return (__u32)get16(b) << 16 | get16(b + 2);
}

static __u32 csum_add(__u32 sum, const __u8 *b, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += get16(b + i);
	if (len & 1)
		sum += (__u32)b[len - 1] << 8;
	return sum;
}

static __u16 csum_fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* Sum of the IPv4 or IPv6 pseudo-header (addresses as in the L3 header). */
static __u32 csum_pseudo(__u8 family, const __u8 *src, const __u8 *dst, __u8 proto, size_t len)
{
	size_t alen = family == XLB_AF_INET ? 4 : 16;
	__u32 sum = 0;

	sum = csum_add(sum, src, alen);
	sum = csum_add(sum, dst, alen);
	sum += proto;
	sum += (__u32)(len >> 16) + (__u32)(len & 0xffff);
	return sum;
}

int pkt_addr(const char *str, struct xlb_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, str, &a->a[0]) == 1)
		return XLB_AF_INET;
	if (inet_pton(AF_INET6, str, a->a) == 1)
		return XLB_AF_INET6;
	return -1;
}

static size_t ext_len(__u8 type)
{
	switch (type) {
	case IPPROTO_ROUTING:
		return PKT_EXT_ROUTING_LEN;
	case IPPROTO_FRAGMENT:
		return PKT_EXT_FRAG_LEN;
	case IPPROTO_AH:
		return PKT_EXT_AH_LEN;
	default:
		return PKT_EXT_OPTS_LEN;
	}
}

static size_t l4_hdr_len(const struct pkt_spec *s)
{
	if (s->frag_off)
		return 0;
	switch (s->proto) {
	case IPPROTO_TCP:
		return PKT_TCP_HLEN;
	case IPPROTO_UDP:
		return PKT_UDP_HLEN;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return PKT_ICMP_HLEN;
	default:
		return 0;
	}
}

static size_t l3_hdr_len(const struct pkt_spec *s)
{
	size_t len = PKT_IP6_HLEN;
	int i;

	if (s->family == XLB_AF_INET)
		return PKT_IP4_HLEN + (size_t)s->opt_words * 4;
	for (i = 0; i < s->nr_ext; i++)
		len += ext_len(s->ext[i]);
	return len;
}

size_t pkt_tcp_payload_for(const struct pkt_spec *s, size_t l3_len)
{
	return l3_len - l3_hdr_len(s) - l4_hdr_len(s);
}

/* The L4 header and payload; the checksum is filled in by the caller. */
static size_t build_l4(__u8 *b, const struct pkt_spec *s)
{
	size_t hl = l4_hdr_len(s), i;

	memset(b, 0, hl);
	if (hl == PKT_TCP_HLEN && s->proto == IPPROTO_TCP) {
		put16(b, s->sport);
		put16(b + 2, s->dport);
		put32(b + 4, PKT_TCP_SEQ);
		b[12] = (s->tcp_doff ? s->tcp_doff : PKT_TCP_DOFF_DEFAULT) << PKT_TCP_DOFF_SHIFT;
		b[13] = PKT_TCP_SYN;
		put16(b + 14, PKT_TCP_WINDOW);
	} else if (hl == PKT_UDP_HLEN && s->proto == IPPROTO_UDP) {
		put16(b, s->sport);
		put16(b + 2, s->dport);
		put16(b + 4, (__u16)(PKT_UDP_HLEN + s->payload_len));
	} else if (hl == PKT_ICMP_HLEN) {
		b[0] = s->icmp_type;
		b[1] = s->icmp_code;
		put16(b + 4, s->sport);
		put16(b + 6, s->dport);
	}
	for (i = 0; i < s->payload_len; i++)
		b[hl + i] = s->payload ? s->payload[i] : (__u8)(i * 7 + 3);
	return hl + s->payload_len;
}

static void l4_csum(__u8 *l4, size_t len, const struct pkt_spec *s, const __u8 *src,
		    const __u8 *dst)
{
	size_t off;
	__u32 sum = 0;
	__u16 c;

	if (s->frag_off)
		return;
	switch (s->proto) {
	case IPPROTO_TCP:
		off = 16;
		break;
	case IPPROTO_UDP:
		off = 6;
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		off = 2;
		break;
	default:
		return;
	}
	if (len < off + 2)
		return;
	if (s->proto != IPPROTO_ICMP)
		sum = csum_pseudo(s->family, src, dst, s->proto, len);
	c = csum_fold(csum_add(sum, l4, len));
	if (s->proto == IPPROTO_UDP && c == 0)
		c = 0xffff;
	put16(l4 + off, c);
}

static size_t build_ip4(__u8 *b, const struct pkt_spec *s, size_t l4_len)
{
	size_t hl = l3_hdr_len(s);
	__u16 frag = s->frag_off;

	if (s->flags & PKT_DF)
		frag |= PKT_IP_DF;
	if (s->flags & PKT_MF)
		frag |= PKT_IP_MF;
	memset(b, 0, hl);
	b[0] = (__u8)(4 << 4 | hl / 4);
	b[1] = s->tos;
	put16(b + 2, (__u16)(hl + l4_len));
	put16(b + 4, PKT_IP_ID);
	put16(b + 6, frag);
	b[8] = s->ttl ? s->ttl : PKT_TTL_DEFAULT;
	b[9] = s->proto;
	memset(b + PKT_IP4_HLEN, PKT_IP_OPT_NOP, hl - PKT_IP4_HLEN);
	return hl;
}

static void build_ext(__u8 *b, __u8 type, __u8 next, const struct pkt_spec *s)
{
	size_t len = ext_len(type);

	memset(b, 0, len);
	b[0] = next;
	switch (type) {
	case IPPROTO_ROUTING:
		break;
	case IPPROTO_FRAGMENT:
		put16(b + 2, (__u16)(s->frag_off << PKT_FRAG_OFF_SHIFT | !!(s->flags & PKT_MF)));
		put32(b + 4, PKT_FRAG_ID);
		break;
	case IPPROTO_AH:
		b[1] = PKT_EXT_AH_HDRLEN;
		put32(b + 4, PKT_AH_SPI);
		put32(b + 8, 1);
		break;
	default:
		b[1] = PKT_EXT_OPTS_HDRLEN;
		b[2] = PKT_OPT_PADN;
		b[3] = (__u8)(len - 4);
		break;
	}
}

static size_t build_ip6(__u8 *b, const struct pkt_spec *s, size_t l4_len)
{
	size_t hl = l3_hdr_len(s), off = PKT_IP6_HLEN;
	int i;

	put32(b, (__u32)PKT_IP6_VERSION << PKT_IP6_VERSION_SHIFT |
			 (__u32)s->tos << PKT_IP6_TC_SHIFT | (s->flow_label & PKT_FLOW_LABEL_MASK));
	put16(b + 4, (__u16)(hl - PKT_IP6_HLEN + l4_len));
	b[6] = s->nr_ext ? s->ext[0] : s->proto;
	b[7] = s->ttl ? s->ttl : PKT_TTL_DEFAULT;
	for (i = 0; i < s->nr_ext; i++) {
		build_ext(b + off, s->ext[i], i + 1 < s->nr_ext ? s->ext[i + 1] : s->proto, s);
		off += ext_len(s->ext[i]);
	}
	return hl;
}

size_t pkt_build_l3(__u8 *buf, size_t cap, const struct pkt_spec *s)
{
	struct xlb_addr src, dst;
	size_t hl = l3_hdr_len(s), l4_len;
	size_t alen = s->family == XLB_AF_INET ? 4 : 16;
	size_t saddr_off = s->family == XLB_AF_INET ? 12 : 8;

	cr_assert(s->family == XLB_AF_INET || s->family == XLB_AF_INET6);
	cr_assert_eq(pkt_addr(s->src, &src), s->family, "bad source %s", s->src);
	cr_assert_eq(pkt_addr(s->dst, &dst), s->family, "bad destination %s", s->dst);
	cr_assert_leq(hl + l4_hdr_len(s) + s->payload_len, cap, "packet too long");
	l4_len = build_l4(buf + hl, s);
	if (s->family == XLB_AF_INET)
		build_ip4(buf, s, l4_len);
	else
		build_ip6(buf, s, l4_len);
	memcpy(buf + saddr_off, src.a, alen);
	memcpy(buf + saddr_off + alen, dst.a, alen);
	l4_csum(buf + hl, l4_len, s, buf + saddr_off, buf + saddr_off + alen);
	if (s->family == XLB_AF_INET)
		put16(buf + 10, csum_fold(csum_add(0, buf, hl)));
	return hl + l4_len;
}

static size_t build_eth(__u8 *b, const __u8 *dmac, const __u8 *smac, __u16 tci, __u16 type)
{
	size_t off = 2 * PKT_MAC_LEN;

	memcpy(b, dmac, PKT_MAC_LEN);
	memcpy(b + PKT_MAC_LEN, smac, PKT_MAC_LEN);
	if (tci) {
		put16(b + off, PKT_ETH_P_8021Q);
		put16(b + off + 2, tci);
		off += PKT_VLAN_HLEN;
	}
	put16(b + off, type);
	return off + 2;
}

void pkt_build(struct pkt *p, const struct pkt_spec *s)
{
	__u16 type = s->ethertype;
	size_t off, i;

	if (!type)
		type = s->family == XLB_AF_INET ? PKT_ETH_P_IP : PKT_ETH_P_IPV6;
	memset(p, 0, sizeof(*p));
	/* client frames arrive from the ingress veth's peer, addressed to it */
	off = build_eth(p->data, h_mac_a, h_mac_a_peer, s->vlan_tci, type);
	if (s->family == XLB_AF_NONE) {
		for (i = 0; i < s->payload_len; i++)
			p->data[off + i] = (__u8)i;
		p->len = off + s->payload_len;
		return;
	}
	p->len = off + pkt_build_l3(p->data + off, sizeof(p->data) - off, s);
}

size_t pkt_l3_off(const struct pkt *p)
{
	if (get16(p->data + 2 * PKT_MAC_LEN) == PKT_ETH_P_8021Q)
		return PKT_ETH_HLEN + PKT_VLAN_HLEN;
	return PKT_ETH_HLEN;
}

void pkt_flow_key(const struct pkt_spec *s, bool ports, struct xlb_flow_key *k)
{
	memset(k, 0, sizeof(*k));
	cr_assert_eq(pkt_addr(s->src, &k->src), s->family);
	cr_assert_eq(pkt_addr(s->dst, &k->dst), s->family);
	if (ports) {
		k->sport = htons(s->sport);
		k->dport = htons(s->dport);
	}
	k->proto = s->proto;
	k->family = s->family;
}

__u32 pkt_hash(const struct pkt_spec *s, bool ports)
{
	struct xlb_flow_key k;

	pkt_flow_key(s, ports, &k);
	return xlb_flow_hash(&k);
}

void pkt_truncate(struct pkt *p, size_t len)
{
	cr_assert_leq(len, p->len);
	p->len = len;
}

void pkt_ip4_refresh_csum(struct pkt *p)
{
	__u8 *ip = p->data + pkt_l3_off(p);
	size_t hl = (size_t)(ip[0] & 0xf) * 4;

	if (ip + hl > p->data + p->len)
		hl = (size_t)(p->data + p->len - ip);
	put16(ip + 10, 0);
	put16(ip + 10, csum_fold(csum_add(0, ip, hl)));
}

void pkt_ip4_set_tot_len(struct pkt *p, __u16 tot_len)
{
	put16(p->data + pkt_l3_off(p) + 2, tot_len);
	pkt_ip4_refresh_csum(p);
}

void pkt_ip6_fit_plen(struct pkt *p)
{
	size_t off = pkt_l3_off(p);

	put16(p->data + off + 4, (__u16)(p->len - off - PKT_IP6_HLEN));
}

static size_t out_eth(struct pkt *out, const struct pkt_encap *e, __u16 type)
{
	return build_eth(out->data, e->dmac, e->smac, e->vlan_tci, type);
}

void pkt_expect_ipip(struct pkt *out, const struct pkt *in, const struct pkt_encap *e)
{
	size_t l3 = pkt_l3_off(in), inner_len = in->len - l3, off;
	const __u8 *inner = in->data + l3;
	__u8 *o;

	memset(out, 0, sizeof(*out));
	if (inner[0] >> 4 == 4) {
		off = out_eth(out, e, PKT_ETH_P_IP);
		o = out->data + off;
		o[0] = PKT_IP4_VERSION_IHL;
		o[1] = inner[1];
		put16(o + 2, get16(inner + 2) + PKT_IP4_HLEN);
		put16(o + 6, get16(inner + 6) & PKT_IP_DF);
		o[8] = inner[8];
		o[9] = IPPROTO_IPIP;
		memcpy(o + 12, &e->src.a[0], 4);
		memcpy(o + 16, &e->dst.a[0], 4);
		put16(o + 10, csum_fold(csum_add(0, o, PKT_IP4_HLEN)));
		off += PKT_IP4_HLEN;
	} else {
		__u32 tc = get32(inner) >> PKT_IP6_TC_SHIFT & PKT_IP6_TC_MASK;

		off = out_eth(out, e, PKT_ETH_P_IPV6);
		o = out->data + off;
		put32(o, (__u32)PKT_IP6_VERSION << PKT_IP6_VERSION_SHIFT | tc << PKT_IP6_TC_SHIFT |
				 (e->hash & PKT_FLOW_LABEL_MASK));
		put16(o + 4, get16(inner + 4) + PKT_IP6_HLEN);
		o[6] = IPPROTO_IPV6;
		o[7] = inner[7];
		memcpy(o + 8, e->src.a, 16);
		memcpy(o + 24, e->dst.a, 16);
		off += PKT_IP6_HLEN;
	}
	memcpy(out->data + off, inner, inner_len);
	out->len = off + inner_len;
}

void pkt_expect_l2dsr(struct pkt *out, const struct pkt *in, const struct pkt_encap *e)
{
	size_t l3 = pkt_l3_off(in), off;

	memset(out, 0, sizeof(*out));
	off = out_eth(out, e, get16(in->data + l3 - 2));
	memcpy(out->data + off, in->data + l3, in->len - l3);
	out->len = off + in->len - l3;
}

static void swap_bytes(__u8 *a, __u8 *b, size_t len)
{
	__u8 t;
	size_t i;

	for (i = 0; i < len; i++) {
		t = a[i];
		a[i] = b[i];
		b[i] = t;
	}
}

void pkt_expect_echo_reply(struct pkt *out, const struct pkt *in)
{
	size_t l3 = pkt_l3_off(in), hl, len;
	__u8 *ip, *icmp;

	*out = *in;
	swap_bytes(out->data, out->data + PKT_MAC_LEN, PKT_MAC_LEN);
	ip = out->data + l3;
	if (ip[0] >> 4 == 4) {
		hl = (size_t)(ip[0] & 0xf) * 4;
		len = get16(ip + 2) - hl;
		swap_bytes(ip + 12, ip + 16, 4);
		icmp = ip + hl;
		icmp[0] = PKT_ICMP_TYPE_ECHO_REPLY;
		put16(icmp + 2, 0);
		put16(icmp + 2, csum_fold(csum_add(0, icmp, len)));
		return;
	}
	len = get16(ip + 4);
	swap_bytes(ip + 8, ip + 24, 16);
	icmp = ip + PKT_IP6_HLEN;
	icmp[0] = PKT_ICMP6_TYPE_ECHO_REPLY;
	put16(icmp + 2, 0);
	put16(icmp + 2,
	      csum_fold(csum_add(csum_pseudo(XLB_AF_INET6, ip + 8, ip + 24, IPPROTO_ICMPV6, len),
				 icmp, len)));
}

void pkt_expect_too_big(struct pkt *out, const struct pkt *in, __u32 mtu)
{
	size_t l3 = pkt_l3_off(in), off, quote;
	const __u8 *inner = in->data + l3;
	__u8 *o, *icmp;

	memset(out, 0, sizeof(*out));
	/* MACs swapped, tag and ethertype kept */
	memcpy(out->data, in->data + PKT_MAC_LEN, PKT_MAC_LEN);
	memcpy(out->data + PKT_MAC_LEN, in->data, PKT_MAC_LEN);
	memcpy(out->data + 2 * PKT_MAC_LEN, in->data + 2 * PKT_MAC_LEN, l3 - 2 * PKT_MAC_LEN);
	o = out->data + l3;
	if (inner[0] >> 4 == 4) {
		quote = XLB_ICMP4_QUOTE;
		o[0] = PKT_IP4_VERSION_IHL;
		put16(o + 2, PKT_IP4_HLEN + PKT_ICMP_HLEN + quote);
		o[8] = PKT_REPLY_TTL;
		o[9] = IPPROTO_ICMP;
		memcpy(o + 12, inner + 16, 4);
		memcpy(o + 16, inner + 12, 4);
		put16(o + 10, csum_fold(csum_add(0, o, PKT_IP4_HLEN)));
		icmp = o + PKT_IP4_HLEN;
		icmp[0] = PKT_ICMP_TYPE_DEST_UNREACH;
		icmp[1] = PKT_ICMP_CODE_FRAG_NEEDED;
		put16(icmp + 6, (__u16)mtu);
		memcpy(icmp + PKT_ICMP_HLEN, inner, quote);
		put16(icmp + 2, csum_fold(csum_add(0, icmp, PKT_ICMP_HLEN + quote)));
		off = l3 + PKT_IP4_HLEN + PKT_ICMP_HLEN + quote;
	} else {
		quote = XLB_ICMP6_QUOTE;
		put32(o, (__u32)PKT_IP6_VERSION << PKT_IP6_VERSION_SHIFT);
		put16(o + 4, PKT_ICMP_HLEN + quote);
		o[6] = IPPROTO_ICMPV6;
		o[7] = PKT_REPLY_TTL;
		memcpy(o + 8, inner + 24, 16);
		memcpy(o + 24, inner + 8, 16);
		icmp = o + PKT_IP6_HLEN;
		icmp[0] = PKT_ICMP6_TYPE_PKT_TOO_BIG;
		put32(icmp + 4, mtu);
		memcpy(icmp + PKT_ICMP_HLEN, inner, quote);
		put16(icmp + 2,
		      csum_fold(csum_add(csum_pseudo(XLB_AF_INET6, o + 8, o + 24, IPPROTO_ICMPV6,
						     PKT_ICMP_HLEN + quote),
					 icmp, PKT_ICMP_HLEN + quote)));
		off = l3 + PKT_IP6_HLEN + PKT_ICMP_HLEN + quote;
	}
	cr_assert_leq(l3 + quote, in->len, "input shorter than the quote");
	out->len = off;
}

void pkt_assert_eq(const char *desc, const struct pkt *got, const struct pkt *want)
{
	size_t n = got->len < want->len ? got->len : want->len, i, diffs = 0;

	for (i = 0; i < n; i++) {
		if (got->data[i] == want->data[i])
			continue;
		if (diffs++ < PKT_MAX_DIFFS)
			fprintf(stderr, "%s: offset %zu: got 0x%02x, want 0x%02x\n", desc, i,
				got->data[i], want->data[i]);
	}
	if (got->len != want->len)
		fprintf(stderr, "%s: length: got %zu, want %zu\n", desc, got->len, want->len);
	cr_assert(diffs == 0 && got->len == want->len,
		  "%s: output differs from the expected packet (%zu bytes differ, lengths %zu/%zu)",
		  desc, diffs, got->len, want->len);
}
