/* SPDX-License-Identifier: MIT */
/*
 * Packets for the BPF tests: builders for the frames fed to the program and
 * for the exact frames expected back, computed here from the input and the
 * lab's facts, never read from the program's output.
 */
#ifndef XLB_TEST_PKT_H
#define XLB_TEST_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include <xlb/abi.h>

#define PKT_MAX		    4096
#define PKT_MAC_LEN	    6
#define PKT_ETH_HLEN	    14
#define PKT_VLAN_HLEN	    4
#define PKT_IP4_HLEN	    20
#define PKT_IP6_HLEN	    40
#define PKT_TCP_HLEN	    20
#define PKT_UDP_HLEN	    8
#define PKT_ICMP_HLEN	    8
#define PKT_TTL_DEFAULT	    64
#define PKT_MAX_EXT	    8
#define PKT_ETH_P_IP	    0x0800
#define PKT_ETH_P_IPV6	    0x86dd
#define PKT_ETH_P_8021Q	    0x8100
#define PKT_ETH_P_8021AD    0x88a8
#define PKT_ETH_P_ARP	    0x0806
#define PKT_IP_DF	    0x4000
#define PKT_IP_MF	    0x2000
#define PKT_FLOW_LABEL_MASK 0xfffffu
#define PKT_TCP_SYN	    0x02
#define PKT_TCP_ACK	    0x10

enum pkt_flags {
	PKT_DF = 1 << 0, /* IPv4 don't fragment */
	PKT_MF = 1 << 1, /* more fragments (IPv4 flag, or the IPv6 fragment header's M) */
};

struct pkt {
	__u8 data[PKT_MAX];
	size_t len;
};

/* A frame from a client to the load balancer's ingress device. */
struct pkt_spec {
	__u8 family;	 /* XLB_AF_INET, XLB_AF_INET6, or XLB_AF_NONE with ethertype */
	__u16 ethertype; /* non-IP frames: this ethertype then payload_len bytes */
	__u16 vlan_tci;	 /* 802.1Q tag control; 0 = untagged */
	const char *src;
	const char *dst;
	__u8 proto;
	__u16 sport; /* host order; ICMP: bytes 4-5 (echo id) */
	__u16 dport; /* host order; ICMP: bytes 6-7 (echo sequence, next-hop MTU) */
	__u8 icmp_type;
	__u8 icmp_code;
	__u8 tos; /* IPv4 tos or IPv6 traffic class */
	__u8 ttl; /* 0 = PKT_TTL_DEFAULT */
	__u32 flow_label;
	__u8 flags;	       /* enum pkt_flags */
	__u16 frag_off;	       /* 8-byte units; non-zero: no L4 header is written */
	__u8 opt_words;	       /* IPv4 options, 32-bit words of NOPs */
	__u8 ext[PKT_MAX_EXT]; /* IPv6 extension headers, in order */
	__u8 nr_ext;
	__u8 tcp_doff;	     /* 0 = 5 */
	__u8 tcp_flags;	     /* 0 = PKT_TCP_SYN */
	size_t payload_len;  /* bytes after the L4 header */
	const __u8 *payload; /* NULL: a counting pattern */
};

/* What the program is expected to have chosen for a forwarded packet. */
struct pkt_encap {
	__u8 dmac[PKT_MAC_LEN]; /* the backend's (or next hop's) neighbour entry */
	__u8 smac[PKT_MAC_LEN]; /* the egress device */
	__u16 vlan_tci;		/* egress tag; 0 = untagged */
	struct xlb_addr src;	/* outer source */
	struct xlb_addr dst;	/* backend */
	__u32 hash;		/* flow hash: IPv6 flow label */
};

int pkt_addr(const char *str, struct xlb_addr *a);

size_t pkt_build_l3(__u8 *buf, size_t cap, const struct pkt_spec *s);
void pkt_build(struct pkt *p, const struct pkt_spec *s);
/* L3 length for a TCP packet of the given total L3 size (MTU tests). */
size_t pkt_tcp_payload_for(const struct pkt_spec *s, size_t l3_len);

size_t pkt_l3_off(const struct pkt *p);
void pkt_flow_key(const struct pkt_spec *s, bool ports, struct xlb_flow_key *k);
__u32 pkt_hash(const struct pkt_spec *s, bool ports);

/* Mangling, for malformed inputs. */
void pkt_truncate(struct pkt *p, size_t len);
void pkt_ip4_set_tot_len(struct pkt *p, __u16 tot_len);
void pkt_ip4_refresh_csum(struct pkt *p);
void pkt_ip6_fit_plen(struct pkt *p);

/* Expected outputs. */
void pkt_expect_ipip(struct pkt *out, const struct pkt *in, const struct pkt_encap *e);
void pkt_expect_l2dsr(struct pkt *out, const struct pkt *in, const struct pkt_encap *e);
void pkt_expect_echo_reply(struct pkt *out, const struct pkt *in);
void pkt_expect_too_big(struct pkt *out, const struct pkt *in, __u32 mtu);

/* Asserts got == want byte for byte; on a difference prints every differing
 * offset with both bytes. */
void pkt_assert_eq(const char *desc, const struct pkt *got, const struct pkt *want);

#endif /* XLB_TEST_PKT_H */
