// SPDX-License-Identifier: MIT
/*
 * rtnetlink through libmnl: route lookups, managed neighbours, links, and the
 * forwarding sysctls, all in the caller's network namespace.
 *
 * A socket per call: xlbd calls these on configuration and health changes
 * only, and a fresh socket carries no state (sequence numbers, half-read
 * dumps) from one caller to the next.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <libmnl/libmnl.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include "log.h"
#include "rtnl.h"

/* Netlink caps a dump record at 32 KiB; a smaller buffer truncates. */
#define RTNL_BUF_SIZE	    32768
#define RTNL_RECV_TIMEOUT_S 5
#define RTNL_MAX_RECORDS    65536 /* bound on records read for one request */
#define RTNL_DUMP_TRIES	    3	  /* a dump interrupted by a change is retried */
#define IPV4_BITS	    32
#define IPV6_BITS	    128
#define IPV4_BYTES	    4
#define IPV6_BYTES	    16
#define VLAN_KIND	    "vlan"
#define FORWARDING_ON	    "1"
#define RT_TABLE_MAX_U8	    256 /* tables below fit rtm_table */

static const char *const forwarding_paths[] = {
	"/proc/sys/net/ipv4/conf/all/forwarding",
	"/proc/sys/net/ipv6/conf/all/forwarding",
};

/* What an address of an enum xlb_family looks like on the wire. */
struct rtnl_af {
	int af;
	unsigned int bytes;
	unsigned int bits;
};

static int rtnl_af(int family, struct rtnl_af *out)
{
	if (family == XLB_AF_INET) {
		*out = (struct rtnl_af){AF_INET, IPV4_BYTES, IPV4_BITS};
		return 0;
	}
	if (family == XLB_AF_INET6) {
		*out = (struct rtnl_af){AF_INET6, IPV6_BYTES, IPV6_BITS};
		return 0;
	}
	pr_warn("rtnl: bad address family %d\n", family);
	return -EAFNOSUPPORT;
}

static const char *addr_str(const struct rtnl_af *af, const struct xlb_addr *a, char *buf,
			    size_t len)
{
	if (!inet_ntop(af->af, a, buf, len))
		snprintf(buf, len, "?");
	return buf;
}

/* Expected type of each attribute we read; MNL_TYPE_UNSPEC = ignored. A
 * non-zero len requires exactly that many bytes (addresses). */
struct attr_policy {
	enum mnl_attr_data_type type;
	unsigned int len;
};

struct attr_table {
	const struct attr_policy *policy;
	unsigned int max;
	const struct nlattr **tb;
};

/* Stores each known attribute after checking its type and length; unknown
 * ones (a newer kernel's) are skipped. */
static int attr_cb(const struct nlattr *attr, void *data)
{
	const struct attr_table *t = data;
	unsigned int type = mnl_attr_get_type(attr);
	const struct attr_policy *p;
	int ret;

	if (mnl_attr_type_valid(attr, t->max) < 0)
		return MNL_CB_OK;
	p = &t->policy[type];
	if (p->type == MNL_TYPE_UNSPEC)
		return MNL_CB_OK;
	if (p->len)
		ret = mnl_attr_validate2(attr, p->type, p->len);
	else
		ret = mnl_attr_validate(attr, p->type);
	if (ret < 0) {
		pr_warn("rtnl: attribute %u: bad length %u\n", type,
			mnl_attr_get_payload_len(attr));
		return MNL_CB_ERROR;
	}
	t->tb[type] = attr;
	return MNL_CB_OK;
}

static int parse_attrs(const struct nlmsghdr *nlh, size_t hdrlen, const struct attr_policy *policy,
		       unsigned int max, const struct nlattr **tb)
{
	struct attr_table t = {policy, max, tb};

	if (nlh->nlmsg_len < mnl_nlmsg_size(hdrlen)) {
		pr_warn("rtnl: message type %u too short: %u bytes\n", nlh->nlmsg_type,
			nlh->nlmsg_len);
		errno = EINVAL;
		return MNL_CB_ERROR;
	}
	return mnl_attr_parse(nlh, hdrlen, attr_cb, &t);
}

static int parse_nested(const struct nlattr *nest, const struct attr_policy *policy,
			unsigned int max, const struct nlattr **tb)
{
	struct attr_table t = {policy, max, tb};

	return mnl_attr_parse_nested(nest, attr_cb, &t);
}

/* Sends req on a new socket and feeds every reply to cb until an ACK, the end
 * of a dump, or an error. Kernel errors are returned (-errno), not logged:
 * the caller knows which ones are expected. With strict, the kernel checks
 * the request's header strictly and filters a dump by it (table, protocol). */
static int rtnl_talk_opt(struct nlmsghdr *req, mnl_cb_t cb, void *data, bool strict)
{
	const int on = 1;
	struct timeval tv = {.tv_sec = RTNL_RECV_TIMEOUT_S};
	struct mnl_socket *nl;
	char buf[RTNL_BUF_SIZE];
	unsigned int portid, seq, i;
	ssize_t len;
	int ret, err = 0;

	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl) {
		err = -errno;
		pr_warn("rtnl: netlink socket: %s\n", strerror(-err));
		return err;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		pr_warn("rtnl: netlink bind: %s\n", strerror(-err));
		goto cleanup;
	}
	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		err = -errno;
		pr_warn("rtnl: SO_RCVTIMEO: %s\n", strerror(-err));
		goto cleanup;
	}
	if (strict && setsockopt(mnl_socket_get_fd(nl), SOL_NETLINK, NETLINK_GET_STRICT_CHK, &on,
				 sizeof(on)) < 0) {
		err = -errno;
		pr_warn("rtnl: NETLINK_GET_STRICT_CHK: %s\n", strerror(-err));
		goto cleanup;
	}
	portid = mnl_socket_get_portid(nl);
	seq = (unsigned int)time(NULL);
	req->nlmsg_seq = seq;
	if (mnl_socket_sendto(nl, req, req->nlmsg_len) < 0) {
		err = -errno;
		pr_warn("rtnl: netlink send: %s\n", strerror(-err));
		goto cleanup;
	}
	for (i = 0; i < RTNL_MAX_RECORDS; i++) {
		len = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (len < 0) {
			err = errno == EAGAIN ? -ETIMEDOUT : -errno;
			pr_warn("rtnl: netlink receive: %s\n", strerror(-err));
			goto cleanup;
		}
		ret = mnl_cb_run(buf, len, seq, portid, cb, data);
		if (ret < 0) {
			err = -errno;
			goto cleanup;
		}
		if (ret == MNL_CB_STOP)
			goto cleanup;
	}
	err = -E2BIG;
	pr_warn("rtnl: reply longer than %d records\n", RTNL_MAX_RECORDS);
cleanup:
	mnl_socket_close(nl);
	return err;
}

static int rtnl_talk(struct nlmsghdr *req, mnl_cb_t cb, void *data)
{
	return rtnl_talk_opt(req, cb, data, false);
}

static struct nlmsghdr *put_request(char *buf, int type, int flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	return nlh;
}

/* --- routes --- */

struct route_reply {
	struct rtnl_af af;
	unsigned char type;
	struct rtnl_nexthop *hops;
	size_t max, n;
	size_t dropped; /* live legs past max */
	int has_via;	/* a next hop of the other family */
	int has_nh_id;	/* a nexthop object the reply does not expand */
	int bad;	/* a malformed next hop */
};

/* One next hop: its device and gateway attributes (dst's own when none). */
static void route_hop(struct route_reply *r, int oif, const struct nlattr *gateway,
		      const struct nlattr *via)
{
	struct rtnl_nexthop *h;

	if (via) {
		r->has_via = 1;
		return;
	}
	if (r->n == r->max) {
		r->dropped++;
		return;
	}
	h = &r->hops[r->n++];
	memset(h, 0, sizeof(*h));
	h->ifindex = oif;
	h->has_gateway = gateway != NULL;
	if (gateway)
		memcpy(&h->via, mnl_attr_get_payload(gateway), r->af.bytes);
}

/* RTA_MULTIPATH: struct rtnexthop records, each followed by its own
 * attributes. Dead legs are skipped, as the kernel skips them. */
static int route_multipath(struct route_reply *r, const struct nlattr *mp)
{
	const struct attr_policy policy[RTA_MAX + 1] = {
		[RTA_GATEWAY] = {MNL_TYPE_BINARY, r->af.bytes},
		[RTA_VIA] = {MNL_TYPE_BINARY, 0},
	};
	const char *p = mnl_attr_get_payload(mp);
	size_t left = mnl_attr_get_payload_len(mp);
	const struct rtnexthop *nh;
	struct attr_table t;
	size_t step;

	/* bounded by the attribute: each record takes at least its header */
	while (left >= sizeof(*nh)) {
		const struct nlattr *tb[RTA_MAX + 1] = {0};

		nh = (const struct rtnexthop *)p;
		if (nh->rtnh_len < sizeof(*nh) || nh->rtnh_len > left)
			return -EINVAL;
		t = (struct attr_table){policy, RTA_MAX, tb};
		if (mnl_attr_parse_payload(RTNH_DATA(nh), nh->rtnh_len - RTNH_LENGTH(0), attr_cb,
					   &t) < 0)
			return -EINVAL;
		if (!(nh->rtnh_flags & RTNH_F_DEAD))
			route_hop(r, nh->rtnh_ifindex, tb[RTA_GATEWAY], tb[RTA_VIA]);
		step = RTNH_ALIGN(nh->rtnh_len);
		if (step >= left)
			break;
		left -= step;
		p += step;
	}
	return 0;
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_reply *r = data;
	const struct nlattr *tb[RTA_MAX + 1] = {0};
	struct attr_policy policy[RTA_MAX + 1] = {
		[RTA_OIF] = {MNL_TYPE_U32, 0},	  [RTA_GATEWAY] = {MNL_TYPE_BINARY, r->af.bytes},
		[RTA_VIA] = {MNL_TYPE_BINARY, 0}, [RTA_MULTIPATH] = {MNL_TYPE_BINARY, 0},
		[RTA_NH_ID] = {MNL_TYPE_U32, 0},
	};
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_OK;
	if (parse_attrs(nlh, sizeof(*rtm), policy, RTA_MAX, tb) < 0)
		return MNL_CB_ERROR;
	r->type = rtm->rtm_type;
	if (tb[RTA_MULTIPATH]) {
		if (route_multipath(r, tb[RTA_MULTIPATH]))
			r->bad = 1;
	} else if (tb[RTA_OIF]) {
		route_hop(r, (int)mnl_attr_get_u32(tb[RTA_OIF]), tb[RTA_GATEWAY], tb[RTA_VIA]);
	}
	r->has_nh_id = tb[RTA_NH_ID] != NULL;
	return MNL_CB_OK;
}

/* One RTM_GETROUTE toward dst into r, with rtm_flags. */
static int route_request(struct route_reply *r, const struct xlb_addr *dst, unsigned int flags)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;

	nlh = put_request(buf, RTM_GETROUTE, NLM_F_ACK);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = r->af.af;
	rtm->rtm_dst_len = r->af.bits;
	rtm->rtm_flags = flags;
	mnl_attr_put(nlh, RTA_DST, r->af.bytes, dst);
	return rtnl_talk(nlh, route_cb, r);
}

int rtnl__route_nexthops(int family, const struct xlb_addr *dst, struct rtnl_nexthop *hops,
			 size_t max, size_t *n)
{
	struct route_reply r = {.hops = hops, .max = max};
	char str[INET6_ADDRSTRLEN];
	size_t i;
	int err;

	*n = 0;
	err = rtnl_af(family, &r.af);
	if (err)
		return err;
	/* the route as the FIB holds it: every leg of a multipath route, where
	 * a plain lookup resolves one (bpf_fib_lookup hashes flows over all) */
	err = route_request(&r, dst, RTM_F_FIB_MATCH);
	if (!err && !r.n && !r.has_via && r.has_nh_id) {
		/* a nexthop object, not expanded (nexthop_compat_mode 0): the
		 * plain lookup still names the leg it resolves to */
		r = (struct route_reply){.af = r.af, .hops = hops, .max = max};
		err = route_request(&r, dst, 0);
	}
	if (err) {
		pr_warn("rtnl: route to %s: %s\n", addr_str(&r.af, dst, str, sizeof(str)),
			strerror(-err));
		return err;
	}
	if (r.type != RTN_UNICAST || r.bad || (!r.n && !r.has_via)) {
		pr_warn("rtnl: route to %s: no unicast next hop (type %u)\n",
			addr_str(&r.af, dst, str, sizeof(str)), r.type);
		return -EHOSTUNREACH;
	}
	if (!r.n) {
		/* IPv4 over an IPv6 next hop: its neighbour is of the other
		 * family, which xlb does not manage. */
		pr_warn("rtnl: route to %s: next hop of another family\n",
			addr_str(&r.af, dst, str, sizeof(str)));
		return -EAFNOSUPPORT;
	}
	if (r.dropped)
		pr_warn("rtnl: route to %s: %zu legs, the first %zu prepared\n",
			addr_str(&r.af, dst, str, sizeof(str)), r.n + r.dropped, r.n);
	for (i = 0; i < r.n; i++)
		if (!hops[i].has_gateway)
			memcpy(&hops[i].via, dst, r.af.bytes); /* on-link */
	*n = r.n;
	return 0;
}

int rtnl__route_get(int family, const struct xlb_addr *dst, int *ifindex, struct xlb_addr *via)
{
	struct rtnl_nexthop hops[RTNL_NEXTHOPS_MAX];
	size_t n;
	int err;

	err = rtnl__route_nexthops(family, dst, hops, RTNL_NEXTHOPS_MAX, &n);
	if (err)
		return err;
	*ifindex = hops[0].ifindex;
	*via = hops[0].via;
	return 0;
}

/* --- neighbours --- */

struct neigh_reply {
	struct rtnl_af af;
	int found;
	__u16 state;
	__u32 ext_flags;
};

static int neigh_cb(const struct nlmsghdr *nlh, void *data)
{
	struct neigh_reply *r = data;
	const struct nlattr *tb[NDA_MAX + 1] = {0};
	const struct attr_policy policy[NDA_MAX + 1] = {
		[NDA_DST] = {MNL_TYPE_BINARY, r->af.bytes},
		[NDA_FLAGS_EXT] = {MNL_TYPE_U32, 0},
	};
	const struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != RTM_NEWNEIGH)
		return MNL_CB_OK;
	if (parse_attrs(nlh, sizeof(*ndm), policy, NDA_MAX, tb) < 0)
		return MNL_CB_ERROR;
	r->found = 1;
	r->state = ndm->ndm_state;
	r->ext_flags = tb[NDA_FLAGS_EXT] ? mnl_attr_get_u32(tb[NDA_FLAGS_EXT]) : 0;
	return MNL_CB_OK;
}

static struct nlmsghdr *put_neigh(char *buf, int type, int flags, const struct rtnl_af *af,
				  const struct xlb_addr *addr, int ifindex)
{
	struct nlmsghdr *nlh = put_request(buf, type, flags);
	struct ndmsg *ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));

	ndm->ndm_family = af->af;
	ndm->ndm_ifindex = ifindex;
	mnl_attr_put(nlh, NDA_DST, af->bytes, addr);
	return nlh;
}

/* The entry for addr on ifindex, if any: r->found is 0 when there is none. */
static int neigh_get(struct neigh_reply *r, const struct xlb_addr *addr, int ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], str[INET6_ADDRSTRLEN];
	int err;

	err = rtnl_talk(put_neigh(buf, RTM_GETNEIGH, NLM_F_ACK, &r->af, addr, ifindex), neigh_cb,
			r);
	if (err == -ENOENT)
		return 0;
	if (err)
		pr_warn("rtnl: neighbour %s ifindex %d: %s\n",
			addr_str(&r->af, addr, str, sizeof(str)), ifindex, strerror(-err));
	return err;
}

int rtnl__neigh_managed(int family, const struct xlb_addr *addr, int ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], str[INET6_ADDRSTRLEN];
	struct neigh_reply r = {0};
	struct nlmsghdr *nlh;
	int err;

	err = rtnl_af(family, &r.af);
	if (err)
		return err;
	err = neigh_get(&r, addr, ifindex);
	if (err)
		return err;
	/* The kernel strips NUD_PERMANENT from an entry made managed, and an
	 * operator's static entry must survive; a managed one is done. */
	if (r.found && ((r.state & (NUD_PERMANENT | NUD_NOARP)) || (r.ext_flags & NTF_EXT_MANAGED)))
		return 0;

	/* What `ip neigh replace ADDR dev DEV managed` sends: no lladdr, state
	 * NONE; the kernel resolves it and keeps it resolved. */
	nlh = put_neigh(buf, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE | NLM_F_ACK, &r.af, addr,
			ifindex);
	mnl_attr_put_u32(nlh, NDA_FLAGS_EXT, NTF_EXT_MANAGED);
	err = rtnl_talk(nlh, neigh_cb, &r);
	if (err)
		pr_warn("rtnl: managed neighbour %s ifindex %d: %s\n",
			addr_str(&r.af, addr, str, sizeof(str)), ifindex, strerror(-err));
	return err;
}

/* Removes the entry only if it is managed: a static or learnt entry is not
 * xlb's to remove. A missing entry is not an error. */
int rtnl__neigh_delete(int family, const struct xlb_addr *addr, int ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], str[INET6_ADDRSTRLEN];
	struct neigh_reply r = {0};
	int err;

	err = rtnl_af(family, &r.af);
	if (err)
		return err;
	err = neigh_get(&r, addr, ifindex);
	if (err)
		return err;
	if (!r.found || !(r.ext_flags & NTF_EXT_MANAGED))
		return 0;
	err = rtnl_talk(put_neigh(buf, RTM_DELNEIGH, NLM_F_ACK, &r.af, addr, ifindex), neigh_cb,
			&r);
	if (err == -ENOENT)
		return 0;
	if (err)
		pr_warn("rtnl: delete neighbour %s ifindex %d: %s\n",
			addr_str(&r.af, addr, str, sizeof(str)), ifindex, strerror(-err));
	return err;
}

int rtnl__prepare_nexthops(int family, const struct xlb_addr *backend, int *ifindexes, size_t max,
			   size_t *n)
{
	struct rtnl_nexthop hops[RTNL_NEXTHOPS_MAX];
	size_t nhops, i;
	int err, first = 0;

	*n = 0;
	err = rtnl__route_nexthops(family, backend, hops, RTNL_NEXTHOPS_MAX, &nhops);
	if (err)
		return err;
	/* every leg that can be prepared is; the first failure is reported */
	for (i = 0; i < nhops; i++) {
		err = rtnl__neigh_managed(family, &hops[i].via, hops[i].ifindex);
		if (err) {
			first = first ? first : err;
			continue;
		}
		if (*n < max)
			ifindexes[(*n)++] = hops[i].ifindex;
	}
	return first;
}

/* --- links --- */

static int link_vlan(const struct nlattr *linkinfo, struct rtnl_link *out)
{
	const struct nlattr *info[IFLA_INFO_MAX + 1] = {0};
	const struct nlattr *vlan[IFLA_VLAN_MAX + 1] = {0};
	static const struct attr_policy info_policy[IFLA_INFO_MAX + 1] = {
		[IFLA_INFO_KIND] = {MNL_TYPE_NUL_STRING, 0},
		[IFLA_INFO_DATA] = {MNL_TYPE_NESTED, 0},
	};
	static const struct attr_policy vlan_policy[IFLA_VLAN_MAX + 1] = {
		[IFLA_VLAN_ID] = {MNL_TYPE_U16, 0},
		[IFLA_VLAN_PROTOCOL] = {MNL_TYPE_U16, 0},
	};

	if (parse_nested(linkinfo, info_policy, IFLA_INFO_MAX, info) < 0)
		return -EINVAL;
	if (!info[IFLA_INFO_KIND] || strcmp(mnl_attr_get_str(info[IFLA_INFO_KIND]), VLAN_KIND))
		return 0;
	if (info[IFLA_INFO_DATA] &&
	    parse_nested(info[IFLA_INFO_DATA], vlan_policy, IFLA_VLAN_MAX, vlan) < 0)
		return -EINVAL;
	if (!vlan[IFLA_VLAN_ID]) {
		pr_warn("rtnl: link %d: VLAN device without a VLAN id\n", out->ifindex);
		return -EINVAL;
	}
	out->vlan_id = mnl_attr_get_u16(vlan[IFLA_VLAN_ID]);
	/* network order on the wire; 802.1Q when a kernel does not say */
	out->vlan_proto = vlan[IFLA_VLAN_PROTOCOL]
				  ? ntohs(mnl_attr_get_u16(vlan[IFLA_VLAN_PROTOCOL]))
				  : ETH_P_8021Q;
	return 0;
}

int rtnl__link_parse(const struct nlmsghdr *nlh, struct rtnl_link *out)
{
	const struct nlattr *tb[IFLA_MAX + 1] = {0};
	static const struct attr_policy policy[IFLA_MAX + 1] = {
		[IFLA_IFNAME] = {MNL_TYPE_NUL_STRING, 0}, [IFLA_MTU] = {MNL_TYPE_U32, 0},
		[IFLA_LINK] = {MNL_TYPE_U32, 0},	  [IFLA_LINKINFO] = {MNL_TYPE_NESTED, 0},
		[IFLA_LINK_NETNSID] = {MNL_TYPE_U32, 0},
	};
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	int err;

	if (nlh->nlmsg_type != RTM_NEWLINK) {
		pr_warn("rtnl: message type %u is not a link\n", nlh->nlmsg_type);
		return -EINVAL;
	}
	if (parse_attrs(nlh, sizeof(*ifi), policy, IFLA_MAX, tb) < 0)
		return -EINVAL;
	if (!tb[IFLA_IFNAME] || mnl_attr_get_payload_len(tb[IFLA_IFNAME]) > IFNAMSIZ) {
		pr_warn("rtnl: link %d: missing or overlong name\n", ifi->ifi_index);
		return -EINVAL;
	}
	memset(out, 0, sizeof(*out));
	out->ifindex = ifi->ifi_index;
	strcpy(out->name, mnl_attr_get_str(tb[IFLA_IFNAME]));
	out->mtu = tb[IFLA_MTU] ? mnl_attr_get_u32(tb[IFLA_MTU]) : 0;
	out->up = !!(ifi->ifi_flags & IFF_UP);
	out->loopback = !!(ifi->ifi_flags & IFF_LOOPBACK);
	out->vlan_id = -1;
	out->link_netnsid = -1;
	if (tb[IFLA_LINKINFO]) {
		err = link_vlan(tb[IFLA_LINKINFO], out);
		if (err)
			return err;
	}
	/* IFLA_LINK of a veth names its peer, maybe in another namespace:
	 * only a VLAN's lower device is of use. */
	if (out->vlan_id >= 0 && tb[IFLA_LINK])
		out->link_ifindex = mnl_attr_get_u32(tb[IFLA_LINK]);
	if (out->vlan_id >= 0 && tb[IFLA_LINK_NETNSID])
		out->link_netnsid = (int)mnl_attr_get_u32(tb[IFLA_LINK_NETNSID]);
	return 0;
}

struct link_dump {
	struct rtnl_link *out;
	size_t max;
	size_t n;
	size_t seen;
};

static int link_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_dump *d = data;
	struct rtnl_link link;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	if (rtnl__link_parse(nlh, &link) < 0) {
		errno = EINVAL;
		return MNL_CB_ERROR;
	}
	/* Past max, keep reading so the dump ends cleanly; report it after. */
	if (d->n < d->max)
		d->out[d->n++] = link;
	d->seen++;
	return MNL_CB_OK;
}

int rtnl__links(struct rtnl_link *out, size_t max, size_t *n)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct link_dump d = {out, max, 0, 0};
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	int err = -EINTR, i;

	for (i = 0; i < RTNL_DUMP_TRIES && err == -EINTR; i++) {
		d.n = d.seen = 0;
		nlh = put_request(buf, RTM_GETLINK, NLM_F_DUMP);
		ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
		ifi->ifi_family = AF_UNSPEC;
		err = rtnl_talk(nlh, link_dump_cb, &d);
	}
	*n = d.n;
	if (err) {
		pr_warn("rtnl: link dump: %s\n", strerror(-err));
		return err;
	}
	if (d.seen > max) {
		pr_warn("rtnl: %zu links, room for %zu\n", d.seen, max);
		return -ENOSPC;
	}
	return 0;
}

struct link_get {
	struct rtnl_link *out;
	int found;
};

static int link_get_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_get *g = data;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	if (rtnl__link_parse(nlh, g->out) < 0) {
		errno = EINVAL;
		return MNL_CB_ERROR;
	}
	g->found = 1;
	return MNL_CB_OK;
}

/* RTM_GETLINK of one link, by name (name set) or by index. */
static int link_get(const char *name, int ifindex, struct rtnl_link *out)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct link_get g = {out, 0};
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	int err;

	nlh = put_request(buf, RTM_GETLINK, NLM_F_ACK);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = name ? 0 : ifindex;
	if (name)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	err = rtnl_talk(nlh, link_get_cb, &g);
	if (!err && !g.found)
		err = -ENODEV;
	return err;
}

int rtnl__link_by_index(int ifindex, struct rtnl_link *out)
{
	int err;

	if (ifindex <= 0) {
		pr_warn("rtnl: bad link index %d\n", ifindex);
		return -EINVAL;
	}
	err = link_get(NULL, ifindex, out);
	if (err)
		pr_warn("rtnl: link %d: %s\n", ifindex, strerror(-err));
	return err;
}

int rtnl__link_by_name(const char *name, struct rtnl_link *out)
{
	int err;

	if (!name || !*name || strlen(name) >= IFNAMSIZ) {
		pr_warn("rtnl: bad link name\n");
		return -EINVAL;
	}
	err = link_get(name, 0, out);
	if (err)
		pr_warn("rtnl: link %s: %s\n", name, strerror(-err));
	return err;
}

/* --- announced routes --- */

/* Fills the header shared by adding, removing and dumping xlb's routes.
 * Tables past 255 exist only as RTA_TABLE; it is always sent. */
static struct nlmsghdr *put_route(char *buf, int type, int flags, const struct rtnl_af *af,
				  __u32 table, __u8 proto)
{
	struct nlmsghdr *nlh = put_request(buf, type, flags);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

	rtm->rtm_family = af->af;
	rtm->rtm_table = table < RT_TABLE_MAX_U8 ? table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = proto;
	return nlh;
}

static struct nlmsghdr *put_host_route(char *buf, int type, int flags, const struct rtnl_af *af,
				       const struct rtnl_route *r, __u32 table, __u8 proto)
{
	struct nlmsghdr *nlh = put_route(buf, type, flags, af, table, proto);
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

	rtm->rtm_dst_len = af->bits;
	mnl_attr_put(nlh, RTA_DST, af->bytes, &r->dst);
	mnl_attr_put_u32(nlh, RTA_TABLE, table);
	return nlh;
}

int rtnl__route_add(const struct rtnl_route *r, __u32 table, __u8 proto)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], str[INET6_ADDRSTRLEN];
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	struct rtnl_af af;
	int err;

	err = rtnl_af(r->family, &af);
	if (err)
		return err;
	/* A blackhole: no device, no next hop, nothing for the kernel to
	 * forward by even if the table were consulted; BIRD and FRR import
	 * it like any other route. */
	nlh = put_host_route(buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK, &af, r,
			     table, proto);
	rtm = mnl_nlmsg_get_payload(nlh);
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_BLACKHOLE;
	err = rtnl_talk(nlh, NULL, NULL);
	if (err)
		pr_warn("rtnl: add route %s/%u table %u: %s\n",
			addr_str(&af, &r->dst, str, sizeof(str)), af.bits, table, strerror(-err));
	return err;
}

int rtnl__route_del(const struct rtnl_route *r, __u32 table, __u8 proto)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], str[INET6_ADDRSTRLEN];
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	struct rtnl_af af;
	int err;

	err = rtnl_af(r->family, &af);
	if (err)
		return err;
	/* Scope "nowhere" and type unspec match any route to dst; the
	 * protocol makes the kernel skip everybody else's. */
	nlh = put_host_route(buf, RTM_DELROUTE, NLM_F_ACK, &af, r, table, proto);
	rtm = mnl_nlmsg_get_payload(nlh);
	rtm->rtm_scope = RT_SCOPE_NOWHERE;
	err = rtnl_talk(nlh, NULL, NULL);
	if (err && err != -ESRCH)
		pr_warn("rtnl: delete route %s/%u table %u: %s\n",
			addr_str(&af, &r->dst, str, sizeof(str)), af.bits, table, strerror(-err));
	return err;
}

struct route_dump {
	struct rtnl_af af;
	__u32 table;
	__u8 proto;
	struct rtnl_route *out;
	size_t max;
	size_t n;
	size_t seen;
};

static int route_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_dump *d = data;
	const struct nlattr *tb[RTA_MAX + 1] = {0};
	const struct attr_policy policy[RTA_MAX + 1] = {
		[RTA_DST] = {MNL_TYPE_BINARY, d->af.bytes},
		[RTA_TABLE] = {MNL_TYPE_U32, 0},
	};
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct rtnl_route r = {0};
	__u32 table;

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_OK;
	if (parse_attrs(nlh, sizeof(*rtm), policy, RTA_MAX, tb) < 0) {
		errno = EINVAL;
		return MNL_CB_ERROR;
	}
	/* The kernel filters by table and protocol under strict checking;
	 * checked again here, so that a kernel that does not filter is no
	 * danger to other people's routes. */
	table = tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	if (rtm->rtm_family != d->af.af || table != d->table || rtm->rtm_protocol != d->proto ||
	    rtm->rtm_dst_len != d->af.bits || !tb[RTA_DST])
		return MNL_CB_OK;
	r.family = d->af.af == AF_INET ? XLB_AF_INET : XLB_AF_INET6;
	memcpy(&r.dst, mnl_attr_get_payload(tb[RTA_DST]), d->af.bytes);
	if (d->n < d->max)
		d->out[d->n++] = r;
	d->seen++;
	return MNL_CB_OK;
}

static int route_dump_family(int family, struct route_dump *d)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	size_t n = d->n, seen = d->seen;
	int err, i;

	err = rtnl_af(family, &d->af);
	if (err)
		return err;
	err = -EINTR; /* a dump interrupted by a change is retried */
	for (i = 0; i < RTNL_DUMP_TRIES && err == -EINTR; i++) {
		d->n = n;
		d->seen = seen;
		nlh = put_route(buf, RTM_GETROUTE, NLM_F_DUMP, &d->af, d->table, d->proto);
		mnl_attr_put_u32(nlh, RTA_TABLE, d->table);
		err = rtnl_talk_opt(nlh, route_dump_cb, d, true);
	}
	return err;
}

int rtnl__route_dump(__u32 table, __u8 proto, struct rtnl_route *out, size_t max, size_t *n)
{
	struct route_dump d = {.table = table, .proto = proto, .out = out, .max = max};
	int err;

	err = route_dump_family(XLB_AF_INET, &d);
	if (!err)
		err = route_dump_family(XLB_AF_INET6, &d);
	*n = d.n;
	if (err) {
		pr_warn("rtnl: route dump of table %u: %s\n", table, strerror(-err));
		return err;
	}
	if (d.seen > max) {
		pr_warn("rtnl: %zu routes in table %u, room for %zu\n", d.seen, table, max);
		return -ENOSPC;
	}
	return 0;
}

/* --- sysctls --- */

/* /proc/sys/net shows the namespace of the process that opens it: the
 * caller's. Writing "all" also sets every device and "default". */
int sysctl__enable_forwarding(void)
{
	size_t i;

	for (i = 0; i < sizeof(forwarding_paths) / sizeof(forwarding_paths[0]); i++) {
		const char *path = forwarding_paths[i];
		ssize_t len;
		int fd, err;

		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0) {
			err = -errno;
			pr_warn("sysctl: open %s: %s\n", path, strerror(-err));
			return err;
		}
		len = write(fd, FORWARDING_ON, strlen(FORWARDING_ON));
		err = len < 0 ? -errno : 0;
		if (!err && (size_t)len != strlen(FORWARDING_ON))
			err = -EIO;
		if (close(fd) < 0 && !err)
			err = -errno;
		if (err) {
			pr_warn("sysctl: write %s: %s\n", path, strerror(-err));
			return err;
		}
	}
	return 0;
}
