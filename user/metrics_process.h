/* SPDX-License-Identifier: MIT */
/*
 * The process_* metrics every Prometheus client library exports, for
 * xlbd itself, from /proc/self: CPU time, resident and virtual memory,
 * open file descriptors and their limit, start time.
 */
#ifndef XLB_METRICS_PROCESS_H
#define XLB_METRICS_PROCESS_H

#include "http.h"

/* When this process started, in seconds since the epoch. 0 or -errno. */
int metrics_process__start_time(double *out);
/* Writes the families; start_time from metrics_process__start_time. A
 * figure that cannot be read is left out. */
void metrics_process__write(struct xlb_http_reply *r, double start_time);

#endif /* XLB_METRICS_PROCESS_H */
