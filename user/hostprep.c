// SPDX-License-Identifier: MIT
/*
 * A DSR backend's host settings: VIP addresses on the loopback through
 * rtnetlink (libmnl), and the ARP sysctls that keep the host from answering
 * ARP for them on its real interfaces. /proc/sys/net is the caller's
 * network namespace's, so this works under `nsenter --net`.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include <libmnl/libmnl.h>

#include "hostprep.h"
#include "log.h"

#define IPV4_BITS    32
#define IPV6_BITS    128
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Reply to ARP only for addresses of the interface the request came in on. */
#define ARP_IGNORE_OTHER_IFACE "1"
/* Announce only the best local address of the target's subnet. */
#define ARP_ANNOUNCE_BEST_LOCAL "2"

static const char *const arp_sysctls[][2] = {
	{"/proc/sys/net/ipv4/conf/all/arp_ignore", ARP_IGNORE_OTHER_IFACE},
	{"/proc/sys/net/ipv4/conf/lo/arp_ignore", ARP_IGNORE_OTHER_IFACE},
	{"/proc/sys/net/ipv4/conf/all/arp_announce", ARP_ANNOUNCE_BEST_LOCAL},
	{"/proc/sys/net/ipv4/conf/lo/arp_announce", ARP_ANNOUNCE_BEST_LOCAL},
};

/* Sends one request and waits for its acknowledgement; -errno of a
 * negative one. The caller logs, knowing what was asked. */
static int rtnl_request(struct nlmsghdr *nlh)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl;
	unsigned int portid;
	ssize_t n;
	int err = 0;

	nl = mnl_socket_open(NETLINK_ROUTE);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto cleanup;
	}
	portid = mnl_socket_get_portid(nl);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		err = -errno;
		goto cleanup;
	}
	n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (n < 0) {
		err = -errno;
		goto cleanup;
	}
	if (mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, portid, NULL, NULL) < 0)
		err = -errno;
cleanup:
	mnl_socket_close(nl);
	return err;
}

int hostprep__addr_add(int family, const struct xlb_addr *addr, unsigned int plen, int ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	size_t alen = family == XLB_AF_INET ? sizeof(addr->a[0]) : sizeof(addr->a);
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	int err;

	if ((family != XLB_AF_INET && family != XLB_AF_INET6) ||
	    plen > (family == XLB_AF_INET ? IPV4_BITS : IPV6_BITS))
		return -EINVAL;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK;
	nlh->nlmsg_seq = (unsigned int)time(NULL);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = family == XLB_AF_INET ? AF_INET : AF_INET6;
	ifa->ifa_prefixlen = (unsigned char)plen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (unsigned int)ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, alen, addr->a);
	mnl_attr_put(nlh, IFA_ADDRESS, alen, addr->a);
	if (family == XLB_AF_INET6)
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);

	err = rtnl_request(nlh);
	if (err == -EEXIST)
		return 0;
	if (err)
		pr_warn("add address to ifindex %d: %s\n", ifindex, strerror(-err));
	return err;
}

int hostprep__link_up(int ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	int err;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = (unsigned int)time(NULL);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_change = IFF_UP;
	ifi->ifi_flags = IFF_UP;

	err = rtnl_request(nlh);
	if (err)
		pr_warn("set ifindex %d up: %s\n", ifindex, strerror(-err));
	return err;
}

static int write_sysctl(const char *path, const char *value)
{
	size_t len = strlen(value);
	int fd, err = 0;
	ssize_t n;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		pr_warn("open %s: %s\n", path, strerror(-err));
		return err;
	}
	n = write(fd, value, len);
	if (n != (ssize_t)len) {
		err = n < 0 ? -errno : -EIO;
		pr_warn("write %s: %s\n", path, strerror(-err));
	}
	close(fd);
	return err;
}

int hostprep__arp_dsr(void)
{
	size_t i;
	int err;

	for (i = 0; i < ARRAY_LEN(arp_sysctls); i++) {
		err = write_sysctl(arp_sysctls[i][0], arp_sysctls[i][1]);
		if (err)
			return err;
	}
	return 0;
}
