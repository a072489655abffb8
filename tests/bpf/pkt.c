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
#define PKT_ADDR4_LEN		   4
#define PKT_ADDR6_LEN		   16
#define PKT_VERSION_SHIFT	   4 /* version in the first byte's high nibble */
#define PKT_IHL_MASK		   0xf
#define PKT_WORD		   4 /* unit of ihl and IPv4 options */
#define PKT_PATTERN_MUL		   7 /* payload byte i is i * 7 + 3: a shift shows */
#define PKT_PATTERN_ADD		   3

/* Byte offsets of the header fields written and read here. */
enum {
	IP4_TOS = 1,
	IP4_TOT_LEN = 2,
	IP4_ID = 4,
	IP4_FRAG = 6,
	IP4_TTL = 8,
	IP4_PROTO = 9,
	IP4_CSUM = 10,
	IP4_SADDR = 12,
	IP4_DADDR = 16,
	IP6_PLEN = 4,
	IP6_NEXT = 6,
	IP6_HOPS = 7,
	IP6_SADDR = 8,
	IP6_DADDR = 24,
	L4_SPORT = 0,
	L4_DPORT = 2,
	TCP_SEQ = 4,
	TCP_DOFF = 12,
	TCP_FLAGS = 13,
	TCP_WINDOW = 14,
	TCP_CSUM = 16,
	UDP_LEN = 4,
	UDP_CSUM = 6,
	ICMP_TYPE = 0,
	ICMP_CODE = 1,
	ICMP_CSUM = 2,
	ICMP_WORD1 = 4, /* echo id */
	ICMP_WORD2 = 6, /* echo sequence; next-hop MTU */
	ICMP6_MTU = 4,
	EXT_NEXT = 0,
	EXT_LEN = 1,
	EXT_OPT_TYPE = 2,
	EXT_OPT_LEN = 3,
	EXT_FRAG_OFF = 2,
	EXT_FRAG_ID = 4,
	EXT_AH_SPI = 4,
	EXT_AH_SEQ = 8,
	ETH_TYPE = 2 * PKT_MAC_LEN,
	VLAN_TCI = ETH_TYPE + 2,
};

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
	size_t alen = family == XLB_AF_INET ? PKT_ADDR4_LEN : PKT_ADDR6_LEN;
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
		return PKT_IP4_HLEN + (size_t)s->opt_words * PKT_WORD;
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
		put16(b + L4_SPORT, s->sport);
		put16(b + L4_DPORT, s->dport);
		put32(b + TCP_SEQ, PKT_TCP_SEQ);
		b[TCP_DOFF] = (s->tcp_doff ? s->tcp_doff : PKT_TCP_DOFF_DEFAULT)
			      << PKT_TCP_DOFF_SHIFT;
		b[TCP_FLAGS] = s->tcp_flags ? s->tcp_flags : PKT_TCP_SYN;
		put16(b + TCP_WINDOW, PKT_TCP_WINDOW);
	} else if (hl == PKT_UDP_HLEN && s->proto == IPPROTO_UDP) {
		put16(b + L4_SPORT, s->sport);
		put16(b + L4_DPORT, s->dport);
		put16(b + UDP_LEN, (__u16)(PKT_UDP_HLEN + s->payload_len));
	} else if (hl == PKT_ICMP_HLEN) {
		b[ICMP_TYPE] = s->icmp_type;
		b[ICMP_CODE] = s->icmp_code;
		put16(b + ICMP_WORD1, s->sport);
		put16(b + ICMP_WORD2, s->dport);
	}
	for (i = 0; i < s->payload_len; i++)
		b[hl + i] =
			s->payload ? s->payload[i] : (__u8)(i * PKT_PATTERN_MUL + PKT_PATTERN_ADD);
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
		off = TCP_CSUM;
		break;
	case IPPROTO_UDP:
		off = UDP_CSUM;
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		off = ICMP_CSUM;
		break;
	default:
		return;
	}
	if (len < off + sizeof(__u16))
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
	b[0] = (__u8)(XLB_AF_INET << PKT_VERSION_SHIFT | hl / PKT_WORD);
	b[IP4_TOS] = s->tos;
	put16(b + IP4_TOT_LEN, (__u16)(hl + l4_len));
	put16(b + IP4_ID, PKT_IP_ID);
	put16(b + IP4_FRAG, frag);
	b[IP4_TTL] = s->ttl ? s->ttl : PKT_TTL_DEFAULT;
	b[IP4_PROTO] = s->proto;
	memset(b + PKT_IP4_HLEN, PKT_IP_OPT_NOP, hl - PKT_IP4_HLEN);
	return hl;
}

static void build_ext(__u8 *b, __u8 type, __u8 next, const struct pkt_spec *s)
{
	size_t len = ext_len(type);

	memset(b, 0, len);
	b[EXT_NEXT] = next;
	switch (type) {
	case IPPROTO_ROUTING:
		break;
	case IPPROTO_FRAGMENT:
		put16(b + EXT_FRAG_OFF,
		      (__u16)(s->frag_off << PKT_FRAG_OFF_SHIFT | !!(s->flags & PKT_MF)));
		put32(b + EXT_FRAG_ID, PKT_FRAG_ID);
		break;
	case IPPROTO_AH:
		b[EXT_LEN] = PKT_EXT_AH_HDRLEN;
		put32(b + EXT_AH_SPI, PKT_AH_SPI);
		put32(b + EXT_AH_SEQ, 1);
		break;
	default:
		b[EXT_LEN] = PKT_EXT_OPTS_HDRLEN;
		b[EXT_OPT_TYPE] = PKT_OPT_PADN;
		b[EXT_OPT_LEN] = (__u8)(len - EXT_OPT_LEN - 1);
		break;
	}
}

static size_t build_ip6(__u8 *b, const struct pkt_spec *s, size_t l4_len)
{
	size_t hl = l3_hdr_len(s), off = PKT_IP6_HLEN;
	int i;

	put32(b, (__u32)PKT_IP6_VERSION << PKT_IP6_VERSION_SHIFT |
			 (__u32)s->tos << PKT_IP6_TC_SHIFT | (s->flow_label & PKT_FLOW_LABEL_MASK));
	put16(b + IP6_PLEN, (__u16)(hl - PKT_IP6_HLEN + l4_len));
	b[IP6_NEXT] = s->nr_ext ? s->ext[0] : s->proto;
	b[IP6_HOPS] = s->ttl ? s->ttl : PKT_TTL_DEFAULT;
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
	size_t alen = s->family == XLB_AF_INET ? PKT_ADDR4_LEN : PKT_ADDR6_LEN;
	size_t saddr_off = s->family == XLB_AF_INET ? IP4_SADDR : IP6_SADDR;

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
		put16(buf + IP4_CSUM, csum_fold(csum_add(0, buf, hl)));
	return hl + l4_len;
}

static size_t build_eth(__u8 *b, const __u8 *dmac, const __u8 *smac, __u16 tci, __u16 type)
{
	size_t off = ETH_TYPE;

	memcpy(b, dmac, PKT_MAC_LEN);
	memcpy(b + PKT_MAC_LEN, smac, PKT_MAC_LEN);
	if (tci) {
		put16(b + off, PKT_ETH_P_8021Q);
		put16(b + VLAN_TCI, tci);
		off += PKT_VLAN_HLEN;
	}
	put16(b + off, type);
	return off + sizeof(__u16);
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
	if (get16(p->data + ETH_TYPE) == PKT_ETH_P_8021Q)
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
	size_t hl = (size_t)(ip[0] & PKT_IHL_MASK) * PKT_WORD;

	if (ip + hl > p->data + p->len)
		hl = (size_t)(p->data + p->len - ip);
	put16(ip + IP4_CSUM, 0);
	put16(ip + IP4_CSUM, csum_fold(csum_add(0, ip, hl)));
}

void pkt_ip4_set_tot_len(struct pkt *p, __u16 tot_len)
{
	put16(p->data + pkt_l3_off(p) + IP4_TOT_LEN, tot_len);
	pkt_ip4_refresh_csum(p);
}

void pkt_ip6_fit_plen(struct pkt *p)
{
	size_t off = pkt_l3_off(p);

	put16(p->data + off + IP6_PLEN, (__u16)(p->len - off - PKT_IP6_HLEN));
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
	if (inner[0] >> PKT_VERSION_SHIFT == XLB_AF_INET) {
		off = out_eth(out, e, PKT_ETH_P_IP);
		o = out->data + off;
		o[0] = PKT_IP4_VERSION_IHL;
		o[IP4_TOS] = inner[IP4_TOS];
		put16(o + IP4_TOT_LEN, get16(inner + IP4_TOT_LEN) + PKT_IP4_HLEN);
		put16(o + IP4_FRAG, get16(inner + IP4_FRAG) & PKT_IP_DF);
		if (!(get16(inner + IP4_FRAG) & PKT_IP_DF))
			memcpy(o + IP4_ID, inner + IP4_ID, sizeof(__u16));
		o[IP4_TTL] = inner[IP4_TTL];
		o[IP4_PROTO] = IPPROTO_IPIP;
		memcpy(o + IP4_SADDR, &e->src.a[0], PKT_ADDR4_LEN);
		memcpy(o + IP4_DADDR, &e->dst.a[0], PKT_ADDR4_LEN);
		put16(o + IP4_CSUM, csum_fold(csum_add(0, o, PKT_IP4_HLEN)));
		off += PKT_IP4_HLEN;
	} else {
		__u32 tc = get32(inner) >> PKT_IP6_TC_SHIFT & PKT_IP6_TC_MASK;

		off = out_eth(out, e, PKT_ETH_P_IPV6);
		o = out->data + off;
		put32(o, (__u32)PKT_IP6_VERSION << PKT_IP6_VERSION_SHIFT | tc << PKT_IP6_TC_SHIFT |
				 (e->hash & PKT_FLOW_LABEL_MASK));
		put16(o + IP6_PLEN, get16(inner + IP6_PLEN) + PKT_IP6_HLEN);
		o[IP6_NEXT] = IPPROTO_IPV6;
		o[IP6_HOPS] = inner[IP6_HOPS];
		memcpy(o + IP6_SADDR, e->src.a, PKT_ADDR6_LEN);
		memcpy(o + IP6_DADDR, e->dst.a, PKT_ADDR6_LEN);
		off += PKT_IP6_HLEN;
	}
	memcpy(out->data + off, inner, inner_len);
	out->len = off + inner_len;
}

void pkt_expect_l2dsr(struct pkt *out, const struct pkt *in, const struct pkt_encap *e)
{
	size_t l3 = pkt_l3_off(in), off;

	memset(out, 0, sizeof(*out));
	off = out_eth(out, e, get16(in->data + l3 - sizeof(__u16)));
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
	if (ip[0] >> PKT_VERSION_SHIFT == XLB_AF_INET) {
		hl = (size_t)(ip[0] & PKT_IHL_MASK) * PKT_WORD;
		len = get16(ip + IP4_TOT_LEN) - hl;
		swap_bytes(ip + IP4_SADDR, ip + IP4_DADDR, PKT_ADDR4_LEN);
		ip[IP4_TTL] = PKT_REPLY_TTL;
		put16(ip + IP4_CSUM, 0);
		put16(ip + IP4_CSUM, csum_fold(csum_add(0, ip, hl)));
		icmp = ip + hl;
		icmp[ICMP_TYPE] = PKT_ICMP_TYPE_ECHO_REPLY;
		put16(icmp + ICMP_CSUM, 0);
		put16(icmp + ICMP_CSUM, csum_fold(csum_add(0, icmp, len)));
		return;
	}
	len = get16(ip + IP6_PLEN);
	swap_bytes(ip + IP6_SADDR, ip + IP6_DADDR, PKT_ADDR6_LEN);
	ip[IP6_HOPS] = PKT_REPLY_TTL;
	icmp = ip + PKT_IP6_HLEN;
	icmp[ICMP_TYPE] = PKT_ICMP6_TYPE_ECHO_REPLY;
	put16(icmp + ICMP_CSUM, 0);
	put16(icmp + ICMP_CSUM, csum_fold(csum_add(csum_pseudo(XLB_AF_INET6, ip + IP6_SADDR,
							       ip + IP6_DADDR, IPPROTO_ICMPV6, len),
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
	memcpy(out->data + ETH_TYPE, in->data + ETH_TYPE, l3 - ETH_TYPE);
	o = out->data + l3;
	if (inner[0] >> PKT_VERSION_SHIFT == XLB_AF_INET) {
		quote = XLB_ICMP4_QUOTE;
		o[0] = PKT_IP4_VERSION_IHL;
		put16(o + IP4_TOT_LEN, PKT_IP4_HLEN + PKT_ICMP_HLEN + quote);
		o[IP4_TTL] = PKT_REPLY_TTL;
		o[IP4_PROTO] = IPPROTO_ICMP;
		memcpy(o + IP4_SADDR, inner + IP4_DADDR, PKT_ADDR4_LEN);
		memcpy(o + IP4_DADDR, inner + IP4_SADDR, PKT_ADDR4_LEN);
		put16(o + IP4_CSUM, csum_fold(csum_add(0, o, PKT_IP4_HLEN)));
		icmp = o + PKT_IP4_HLEN;
		icmp[ICMP_TYPE] = PKT_ICMP_TYPE_DEST_UNREACH;
		icmp[ICMP_CODE] = PKT_ICMP_CODE_FRAG_NEEDED;
		put16(icmp + ICMP_WORD2, (__u16)mtu);
		memcpy(icmp + PKT_ICMP_HLEN, inner, quote);
		put16(icmp + ICMP_CSUM, csum_fold(csum_add(0, icmp, PKT_ICMP_HLEN + quote)));
		off = l3 + PKT_IP4_HLEN + PKT_ICMP_HLEN + quote;
	} else {
		quote = XLB_ICMP6_QUOTE;
		put32(o, (__u32)PKT_IP6_VERSION << PKT_IP6_VERSION_SHIFT);
		put16(o + IP6_PLEN, PKT_ICMP_HLEN + quote);
		o[IP6_NEXT] = IPPROTO_ICMPV6;
		o[IP6_HOPS] = PKT_REPLY_TTL;
		memcpy(o + IP6_SADDR, inner + IP6_DADDR, PKT_ADDR6_LEN);
		memcpy(o + IP6_DADDR, inner + IP6_SADDR, PKT_ADDR6_LEN);
		icmp = o + PKT_IP6_HLEN;
		icmp[ICMP_TYPE] = PKT_ICMP6_TYPE_PKT_TOO_BIG;
		put32(icmp + ICMP6_MTU, mtu);
		memcpy(icmp + PKT_ICMP_HLEN, inner, quote);
		put16(icmp + ICMP_CSUM,
		      csum_fold(csum_add(csum_pseudo(XLB_AF_INET6, o + IP6_SADDR, o + IP6_DADDR,
						     IPPROTO_ICMPV6, PKT_ICMP_HLEN + quote),
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
