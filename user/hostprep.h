/* SPDX-License-Identifier: MIT */
/*
 * What makes a host a direct-server-return backend: the VIPs on its loopback
 * (rtnetlink through libmnl) and ARP settings under which the host neither
 * answers nor announces those addresses on its real interfaces.
 */
#ifndef XLB_HOSTPREP_H
#define XLB_HOSTPREP_H

#include <xlb/abi.h>

/* Adds addr/plen to ifindex (like `ip addr add`); family is enum xlb_family.
 * An address already there is kept and counts as success. */
int hostprep__addr_add(int family, const struct xlb_addr *addr, unsigned int plen, int ifindex);

/* Sets a link administratively up (like `ip link set DEV up`). */
int hostprep__link_up(int ifindex);

/* arp_ignore=1 and arp_announce=2 on net.ipv4.conf.all and .lo of the
 * caller's network namespace (what IPVS direct routing asks of real servers). */
int hostprep__arp_dsr(void);

#endif /* XLB_HOSTPREP_H */
