/* SPDX-License-Identifier: MIT */
/*
 * A writer of the Prometheus text exposition format 0.0.4 into an HTTP
 * reply: a family's # HELP and # TYPE once, then its samples, each
 * `name{label="value",...} value`. Label values are escaped (backslash,
 * double quote, newline); histograms come out as cumulative _bucket
 * samples with le, the +Inf bucket, _sum and _count. The caller writes a
 * family's samples together, right after its header.
 */
#ifndef XLB_METRICS_H
#define XLB_METRICS_H

#include <stddef.h>
#include <linux/types.h>

#include "http.h"

#define XLB_METRICS_CONTENT_TYPE "text/plain; version=0.0.4"

enum xlb_metric_type {
	XLB_METRIC_COUNTER,
	XLB_METRIC_GAUGE,
	XLB_METRIC_HISTOGRAM,
};

struct xlb_metric_label {
	const char *name;  /* [a-zA-Z_][a-zA-Z0-9_]*: not checked */
	const char *value; /* any UTF-8: escaped */
};

/* Room for a body of bytes at once (e.g. the last scrape's size), so a
 * large one is not copied at every doubling. */
void xlb_metrics__reserve(struct xlb_http_reply *r, size_t bytes);

/* # HELP (help escaped) and # TYPE of the family name. */
void xlb_metrics__family(struct xlb_http_reply *r, const char *name, enum xlb_metric_type type,
			 const char *help);

/* One sample with nl labels (none: no braces). */
void xlb_metrics__u64(struct xlb_http_reply *r, const char *name, const struct xlb_metric_label *l,
		      size_t nl, __u64 v);
void xlb_metrics__double(struct xlb_http_reply *r, const char *name,
			 const struct xlb_metric_label *l, size_t nl, double v);

/* The samples of one histogram: nb increasing upper bounds, counts[nb + 1]
 * observations per bucket (not cumulative; the last is above every
 * bound), sum of the observations. Writes name_bucket{...,le="B"} for each
 * bound and "+Inf", name_sum and name_count. nl is at most
 * XLB_METRICS_HIST_LABELS. */
#define XLB_METRICS_HIST_LABELS 7
void xlb_metrics__histogram(struct xlb_http_reply *r, const char *name,
			    const struct xlb_metric_label *l, size_t nl, const double *bounds,
			    size_t nb, const __u64 *counts, double sum);

#endif /* XLB_METRICS_H */
