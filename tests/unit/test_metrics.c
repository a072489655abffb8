// SPDX-License-Identifier: MIT
/*
 * The Prometheus text writer, byte for byte: family headers, samples with
 * and without labels, label and help escaping, doubles and the special
 * values, and a histogram's cumulative buckets, +Inf, _sum and _count.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "metrics.h"

#define BIG_SAMPLES 10000

static void expect_body(struct xlb_http_reply *r, const char *want)
{
	cr_assert(!r->failed, "the writer failed");
	cr_assert(r->body, "empty body");
	cr_expect_eq(r->len, strlen(want), "length %zu, want %zu:\n%s", r->len, strlen(want),
		     r->body);
	cr_expect_str_eq(r->body, want);
	free(r->body);
}

Test(metrics, family_and_plain_samples)
{
	struct xlb_http_reply r = {};

	xlb_metrics__family(&r, "xlb_flows", XLB_METRIC_GAUGE, "entries in the flow table");
	xlb_metrics__u64(&r, "xlb_flows", NULL, 0, 0);
	xlb_metrics__family(&r, "xlb_config_changes_total", XLB_METRIC_COUNTER, "changes");
	xlb_metrics__u64(&r, "xlb_config_changes_total", NULL, 0, 18446744073709551615ULL);
	expect_body(&r, "# HELP xlb_flows entries in the flow table\n"
			"# TYPE xlb_flows gauge\n"
			"xlb_flows 0\n"
			"# HELP xlb_config_changes_total changes\n"
			"# TYPE xlb_config_changes_total counter\n"
			"xlb_config_changes_total 18446744073709551615\n");
}

Test(metrics, labels)
{
	struct xlb_http_reply r = {};
	struct xlb_metric_label l[] = {
		{"vip", "198.18.1.10:80/tcp"},
		{"backend", "[2001:2::11]:80"},
	};

	xlb_metrics__u64(&r, "xlb_backend_packets_total", l, 2, 1234);
	xlb_metrics__u64(&r, "xlb_vip_packets_total", l, 1, 7);
	expect_body(&r, "xlb_backend_packets_total{vip=\"198.18.1.10:80/tcp\","
			"backend=\"[2001:2::11]:80\"} 1234\n"
			"xlb_vip_packets_total{vip=\"198.18.1.10:80/tcp\"} 7\n");
}

Test(metrics, label_values_escaped)
{
	struct xlb_http_reply r = {};
	struct xlb_metric_label l[] = {
		{"a", "back\\slash"}, {"b", "say \"hi\""}, {"c", "two\nlines"},
		{"d", "\\\"\n"},      {"e", ""},
	};

	xlb_metrics__u64(&r, "m", l, 5, 1);
	expect_body(&r, "m{a=\"back\\\\slash\",b=\"say \\\"hi\\\"\",c=\"two\\nlines\","
			"d=\"\\\\\\\"\\n\",e=\"\"} 1\n");
}

Test(metrics, help_escaped_quotes_kept)
{
	struct xlb_http_reply r = {};

	/* HELP escapes backslash and newline only */
	xlb_metrics__family(&r, "m", XLB_METRIC_COUNTER, "a \"b\" c\\d\ne");
	expect_body(&r, "# HELP m a \"b\" c\\\\d\\ne\n# TYPE m counter\n");
}

Test(metrics, doubles)
{
	struct xlb_http_reply r = {};

	xlb_metrics__double(&r, "a", NULL, 0, 0.1);
	xlb_metrics__double(&r, "b", NULL, 0, 1700000000.25);
	xlb_metrics__double(&r, "c", NULL, 0, 2.5e-05);
	xlb_metrics__double(&r, "d", NULL, 0, INFINITY);
	xlb_metrics__double(&r, "e", NULL, 0, -INFINITY);
	xlb_metrics__double(&r, "f", NULL, 0, NAN);
	xlb_metrics__double(&r, "g", NULL, 0, 1.0 / 3.0);
	expect_body(&r, "a 0.1\n"
			"b 1700000000.25\n"
			"c 2.5e-05\n"
			"d +Inf\n"
			"e -Inf\n"
			"f NaN\n"
			"g 0.33333333333333331\n");
}

Test(metrics, histogram)
{
	static const double bounds[] = {0.001, 0.0025, 0.5};
	static const __u64 counts[] = {2, 0, 5, 1}; /* per bucket, the last above 0.5 */
	struct xlb_http_reply r = {};
	struct xlb_metric_label l[] = {{"vip", "198.18.1.10:80/tcp"}};

	xlb_metrics__family(&r, "xlb_health_check_duration_seconds", XLB_METRIC_HISTOGRAM,
			    "check durations");
	xlb_metrics__histogram(&r, "xlb_health_check_duration_seconds", l, 1, bounds, 3, counts,
			       1.75);
	expect_body(&r, "# HELP xlb_health_check_duration_seconds check durations\n"
			"# TYPE xlb_health_check_duration_seconds histogram\n"
			"xlb_health_check_duration_seconds_bucket{vip=\"198.18.1.10:80/"
			"tcp\",le=\"0.001\"} 2\n"
			"xlb_health_check_duration_seconds_bucket{vip=\"198.18.1.10:80/"
			"tcp\",le=\"0.0025\"} 2\n"
			"xlb_health_check_duration_seconds_bucket{vip=\"198.18.1.10:80/"
			"tcp\",le=\"0.5\"} 7\n"
			"xlb_health_check_duration_seconds_bucket{vip=\"198.18.1.10:80/"
			"tcp\",le=\"+Inf\"} 8\n"
			"xlb_health_check_duration_seconds_sum{vip=\"198.18.1.10:80/tcp\"} 1.75\n"
			"xlb_health_check_duration_seconds_count{vip=\"198.18.1.10:80/tcp\"} 8\n");
}

Test(metrics, histogram_without_labels)
{
	static const double bounds[] = {1};
	static const __u64 counts[] = {0, 0};
	struct xlb_http_reply r = {};

	xlb_metrics__histogram(&r, "h", NULL, 0, bounds, 1, counts, 0);
	expect_body(&r, "h_bucket{le=\"1\"} 0\n"
			"h_bucket{le=\"+Inf\"} 0\n"
			"h_sum 0\n"
			"h_count 0\n");
}

Test(metrics, histogram_too_many_labels_fails)
{
	static const double bounds[] = {1};
	static const __u64 counts[] = {0, 0};
	struct xlb_metric_label l[XLB_METRICS_HIST_LABELS + 1] = {};
	struct xlb_http_reply r = {};
	size_t i;

	for (i = 0; i < XLB_METRICS_HIST_LABELS + 1; i++)
		l[i] = (struct xlb_metric_label){"l", "v"};
	xlb_metrics__histogram(&r, "h", l, XLB_METRICS_HIST_LABELS + 1, bounds, 1, counts, 0);
	cr_expect(r.failed);
	free(r.body);
}

/* The body grows past its first allocation without losing a byte. */
Test(metrics, large_body)
{
	struct xlb_http_reply r = {};
	struct xlb_metric_label l[] = {{"i", "x"}};
	size_t i, lines = 0;
	char *p;

	for (i = 0; i < BIG_SAMPLES; i++)
		xlb_metrics__u64(&r, "m", l, 1, i);
	cr_assert(!r.failed);
	cr_expect_eq(r.len, strlen(r.body));
	for (p = r.body; (p = strchr(p, '\n')); p++)
		lines++;
	cr_expect_eq(lines, BIG_SAMPLES);
	cr_expect(strstr(r.body, "m{i=\"x\"} 9999\n") != NULL);
	free(r.body);
}
