/* SPDX-License-Identifier: MIT */
/*
 * Units of time, one definition for user/ and bpf/: unsigned 64-bit like the
 * nanoseconds of CLOCK_MONOTONIC they are mostly applied to.
 */
#ifndef XLB_TIMEUNIT_H
#define XLB_TIMEUNIT_H

#define XLB_NSEC_PER_USEC 1000ULL
#define XLB_NSEC_PER_MSEC 1000000ULL
#define XLB_NSEC_PER_SEC  1000000000ULL
#define XLB_MSEC_PER_SEC  1000ULL

#endif /* XLB_TIMEUNIT_H */
