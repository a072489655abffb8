// SPDX-License-Identifier: MIT
/*
 * The exposition format by hand: a scrape of 1,000 VIPs x 10 backends is
 * ~100,000 lines, so samples are appended with memcpy and a small integer
 * formatter rather than one printf each.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

#define BODY_INITIAL   4096
#define U64_DIGITS_MAX 20
#define DOUBLE_MAX     32 /* "%.17g" of any double, with room */
#define DOUBLE_SHORT   15 /* digits that print most doubles exactly */
#define DOUBLE_EXACT   17 /* digits that print any double exactly */
#define NAME_MAX_LEN   128
#define DECIMAL	       10

static const char *const type_names[] = {
	[XLB_METRIC_COUNTER] = "counter",
	[XLB_METRIC_GAUGE] = "gauge",
	[XLB_METRIC_HISTOGRAM] = "histogram",
};

/* Room for more bytes; like http.c's printf, a failure marks the reply. */
static bool reserve(struct xlb_http_reply *r, size_t more)
{
	size_t cap;
	char *body;

	if (r->failed)
		return false;
	if (r->len + more < r->cap)
		return true;
	cap = r->cap ? r->cap : BODY_INITIAL;
	while (cap <= r->len + more)
		cap *= 2;
	body = realloc(r->body, cap);
	if (!body) {
		r->failed = true;
		return false;
	}
	r->body = body;
	r->cap = cap;
	return true;
}

static void put(struct xlb_http_reply *r, const char *s, size_t n)
{
	if (!reserve(r, n + 1))
		return;
	memcpy(r->body + r->len, s, n);
	r->len += n;
	r->body[r->len] = '\0';
}

static void put_str(struct xlb_http_reply *r, const char *s)
{
	put(r, s, strlen(s));
}

/* s with each of the characters in special escaped; newline as \n. */
static void put_escaped(struct xlb_http_reply *r, const char *s, const char *special)
{
	const char *run = s;

	for (; *s; s++) {
		if (*s != '\n' && !strchr(special, *s))
			continue;
		put(r, run, (size_t)(s - run));
		put(r, *s == '\n' ? "\\n" : *s == '"' ? "\\\"" : "\\\\", 2);
		run = s + 1;
	}
	put(r, run, (size_t)(s - run));
}

static void put_u64(struct xlb_http_reply *r, __u64 v)
{
	char buf[U64_DIGITS_MAX];
	size_t i = sizeof(buf);

	do {
		buf[--i] = (char)('0' + v % DECIMAL);
		v /= DECIMAL;
	} while (v);
	put(r, buf + i, sizeof(buf) - i);
}

/* The shortest of %.15g and %.17g that reads back as v; Prometheus'
 * spellings of the infinities and NaN. */
static void format_double(double v, char *buf, size_t len)
{
	if (isnan(v)) {
		snprintf(buf, len, "NaN");
		return;
	}
	if (isinf(v)) {
		snprintf(buf, len, "%s", v > 0 ? "+Inf" : "-Inf");
		return;
	}
	snprintf(buf, len, "%.*g", DOUBLE_SHORT, v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, len, "%.*g", DOUBLE_EXACT, v);
}

static void put_double(struct xlb_http_reply *r, double v)
{
	char buf[DOUBLE_MAX];

	format_double(v, buf, sizeof(buf));
	put_str(r, buf);
}

static void put_labels(struct xlb_http_reply *r, const struct xlb_metric_label *l, size_t nl)
{
	size_t i;

	if (!nl)
		return;
	put(r, "{", 1);
	for (i = 0; i < nl; i++) {
		if (i)
			put(r, ",", 1);
		put_str(r, l[i].name);
		put(r, "=\"", 2);
		put_escaped(r, l[i].value, "\\\"");
		put(r, "\"", 1);
	}
	put(r, "}", 1);
}

void xlb_metrics__family(struct xlb_http_reply *r, const char *name, enum xlb_metric_type type,
			 const char *help)
{
	put(r, "# HELP ", sizeof("# HELP ") - 1);
	put_str(r, name);
	put(r, " ", 1);
	put_escaped(r, help, "\\");
	put(r, "\n# TYPE ", sizeof("\n# TYPE ") - 1);
	put_str(r, name);
	put(r, " ", 1);
	put_str(r, type_names[type]);
	put(r, "\n", 1);
}

void xlb_metrics__u64(struct xlb_http_reply *r, const char *name, const struct xlb_metric_label *l,
		      size_t nl, __u64 v)
{
	put_str(r, name);
	put_labels(r, l, nl);
	put(r, " ", 1);
	put_u64(r, v);
	put(r, "\n", 1);
}

void xlb_metrics__double(struct xlb_http_reply *r, const char *name,
			 const struct xlb_metric_label *l, size_t nl, double v)
{
	put_str(r, name);
	put_labels(r, l, nl);
	put(r, " ", 1);
	put_double(r, v);
	put(r, "\n", 1);
}

void xlb_metrics__histogram(struct xlb_http_reply *r, const char *name,
			    const struct xlb_metric_label *l, size_t nl, const double *bounds,
			    size_t nb, const __u64 *counts, double sum)
{
	struct xlb_metric_label bl[XLB_METRICS_HIST_LABELS + 1];
	char sample[NAME_MAX_LEN], le[DOUBLE_MAX];
	__u64 cum = 0;
	size_t i;

	if (nl > XLB_METRICS_HIST_LABELS) {
		r->failed = true;
		return;
	}
	if ((size_t)snprintf(sample, sizeof(sample), "%s_bucket", name) >= sizeof(sample)) {
		r->failed = true; /* a longer name is a bug of the caller's */
		return;
	}
	if (nl)
		memcpy(bl, l, nl * sizeof(*l));
	bl[nl].name = "le";
	bl[nl].value = le;
	for (i = 0; i <= nb; i++) {
		cum += counts[i];
		if (i < nb)
			format_double(bounds[i], le, sizeof(le));
		else
			snprintf(le, sizeof(le), "+Inf");
		xlb_metrics__u64(r, sample, bl, nl + 1, cum);
	}
	snprintf(sample, sizeof(sample), "%s_sum", name);
	xlb_metrics__double(r, sample, l, nl, sum);
	snprintf(sample, sizeof(sample), "%s_count", name);
	xlb_metrics__u64(r, sample, l, nl, cum);
}
