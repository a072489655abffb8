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

/* s with each of the characters in special escaped; newline as \n.
 * special holds the newline too, so strcspn finds every run to copy. */
static void put_escaped(struct xlb_http_reply *r, const char *s, const char *special)
{
	size_t n;

	for (;;) {
		n = strcspn(s, special);
		put(r, s, n);
		s += n;
		if (!*s)
			return;
		put(r, *s == '\n' ? "\\n" : *s == '"' ? "\\\"" : "\\\\", 2);
		s++;
	}
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

/* The decimal digits of v at the end of buf[U64_DIGITS_MAX]; returns the
 * first. */
static char *format_u64(__u64 v, char *buf)
{
	char *p = buf + U64_DIGITS_MAX;

	do {
		*--p = (char)('0' + v % DECIMAL);
		v /= DECIMAL;
	} while (v);
	return p;
}

static char *copy(char *p, const char *s, size_t n)
{
	while (n--)
		*p++ = *s++;
	return p;
}

/* `name{l="v",...} value\n` in one reservation: a scrape writes ~100,000
 * of these, and a call per piece cost more than the bytes. */
static void sample(struct xlb_http_reply *r, const char *name, const struct xlb_metric_label *l,
		   size_t nl, const char *value, size_t vlen)
{
	size_t i, need, nlen = strlen(name);
	const char *v;
	char *p;

	need = nlen + sizeof("{} \n") + vlen;
	for (i = 0; i < nl; i++)
		need += strlen(l[i].name) + 2 * strlen(l[i].value) + sizeof("=\"\",");
	if (!reserve(r, need + 1))
		return;
	p = copy(r->body + r->len, name, nlen);
	for (i = 0; i < nl; i++) {
		*p++ = i ? ',' : '{';
		p = copy(p, l[i].name, strlen(l[i].name));
		*p++ = '=';
		*p++ = '"';
		for (v = l[i].value; *v; v++) {
			if (*v == '\\' || *v == '"' || *v == '\n')
				*p++ = '\\';
			*p++ = *v == '\n' ? 'n' : *v;
		}
		*p++ = '"';
	}
	if (nl)
		*p++ = '}';
	*p++ = ' ';
	p = copy(p, value, vlen);
	*p++ = '\n';
	*p = '\0';
	r->len = (size_t)(p - r->body);
}

void xlb_metrics__reserve(struct xlb_http_reply *r, size_t bytes)
{
	if (bytes > r->len)
		reserve(r, bytes - r->len);
}

void xlb_metrics__family(struct xlb_http_reply *r, const char *name, enum xlb_metric_type type,
			 const char *help)
{
	put(r, "# HELP ", sizeof("# HELP ") - 1);
	put_str(r, name);
	put(r, " ", 1);
	put_escaped(r, help, "\\\n");
	put(r, "\n# TYPE ", sizeof("\n# TYPE ") - 1);
	put_str(r, name);
	put(r, " ", 1);
	put_str(r, type_names[type]);
	put(r, "\n", 1);
}

void xlb_metrics__u64(struct xlb_http_reply *r, const char *name, const struct xlb_metric_label *l,
		      size_t nl, __u64 v)
{
	char buf[U64_DIGITS_MAX];
	const char *d = format_u64(v, buf);

	sample(r, name, l, nl, d, (size_t)(buf + sizeof(buf) - d));
}

void xlb_metrics__double(struct xlb_http_reply *r, const char *name,
			 const struct xlb_metric_label *l, size_t nl, double v)
{
	char buf[DOUBLE_MAX];

	format_double(v, buf, sizeof(buf));
	sample(r, name, l, nl, buf, strlen(buf));
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
