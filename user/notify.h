/* SPDX-License-Identifier: MIT */
/*
 * Service-manager notifications (sd_notify): READY once the program is
 * attached and the configuration applied, STOPPING when the daemon leaves.
 * Without $NOTIFY_SOCKET (not started by systemd) they do nothing.
 */
#ifndef XLB_NOTIFY_H
#define XLB_NOTIFY_H

int notify__ready(void);
int notify__stopping(void);

#endif /* XLB_NOTIFY_H */
