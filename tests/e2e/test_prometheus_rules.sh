#!/bin/bash
# shellcheck disable=SC2317 # test functions are called by run_tests, by name
# shellcheck disable=SC2016 # $labels, backticks: literal text of the files read
# Monitoring files of deploy/: the Prometheus rules pass `promtool check
# rules` and their unit tests (every alert fires when it should and stays
# silent beside it); the example Prometheus configuration passes `promtool
# check config` and scrapes xlbd's default endpoint; the Grafana dashboard
# is valid JSON whose every query parses as PromQL; and every metric (and
# label) the rules, the dashboard and the queries of docs/operating.md name
# is one docs/metrics.md documents, so a renamed metric breaks this suite. The negative tests show each check can
# fail. No namespaces, no traffic: promtool and jq only.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

PROM_DIR=$E2E_ROOT/deploy/prometheus
RULES=$PROM_DIR/xlb.rules.yml
RULE_TESTS=$PROM_DIR/xlb.rules.test.yml
PROM_CONF=$PROM_DIR/prometheus.yml
DASHBOARD=$E2E_ROOT/deploy/grafana/xlb.json
OPERATING_DOC=$E2E_ROOT/docs/operating.md # its ```promql blocks: a query a line
METRICS_DOC=$E2E_ROOT/docs/metrics.md
XLBD_ENDPOINT=127.0.0.1:9469 # xlbd's default --http, as docs/metrics.md says
MIN_SCHEMA=36                # Grafana 9's dashboard schema
SEVERITIES='^(critical|warning|info)$'
# Metrics named by the rules that xlbd does not serve: Prometheus's own.
PROMETHEUS_METRICS="up"
# Grafana's variables, as the dashboard's queries use them, and what stands
# for them when a query is checked as PromQL.
RATE_WINDOW=5m
# The YAML files as JSON, read by jq (yq starts slowly: once each).
RULES_JSON=$E2E_TMP/rules.json
TESTS_JSON=$E2E_TMP/rule-tests.json
CONF_JSON=$E2E_TMP/prometheus.json

suite_setup() {
	local b
	for b in promtool jq yq; do
		command -v "$b" >/dev/null || fail "missing $b (make deps)"
	done
	yq . "$RULES" >"$RULES_JSON"
	yq . "$RULE_TESTS" >"$TESTS_JSON"
	yq . "$PROM_CONF" >"$CONF_JSON"
}

# The PromQL expressions of a rules file, one a line.
rule_exprs() {
	yq -r '.groups[].rules[].expr | gsub("\n"; " ")' "$1"
}

# The names a rules file records.
recorded_names() {
	jq -r '.groups[].rules[].record // empty' "$RULES_JSON"
}

# Every query of a dashboard, one a line: the panels' expressions and the
# series selectors of its label_values() variables.
dashboard_exprs() {
	jq -r '.. | objects | select(has("expr")) | .expr | gsub("\n"; " ")' "$1"
	jq -r '.templating.list[] | select(.type == "query") | .definition' "$1" |
		sed -E 's/^label_values\((.*),[[:space:]]*[a-zA-Z_]+\)$/\1/'
}

# The metrics docs/metrics.md documents, one a line; a histogram's series
# (_bucket, _sum, _count) with it.
documented_names() {
	local doc=$1
	sed -nE 's/^\| `([a-z_:][a-z0-9_:]*)[{`].*/\1/p' "$doc"
	sed -nE 's/^\| `([a-z_:][a-z0-9_:]*)[{`][^|]*\| histogram \|.*/\1/p' "$doc" |
		sed -e 'p' -e 's/$/_bucket/p' -e 's/_bucket$/_sum/p' -e 's/_sum$/_count/'
}

# The metric names in the PromQL read on stdin: what is left once quoted
# strings, label matchers, ranges and grouping lists are taken out, less
# function names (a word before "("), operators and numbers.
metric_names() {
	tr '\n' ' ' |
		sed -E -e 's/"[^"]*"//g' -e 's/\{[^}]*\}/ /g' -e 's/\[[^]]*\]/ /g' \
			-e 's/\b(by|without|on|ignoring|group_left|group_right)[[:space:]]*\([^)]*\)/ /g' \
			-e 's/\b[a-zA-Z_][a-zA-Z0-9_]*[[:space:]]*\(/ (/g' |
		grep -oE '[a-zA-Z_:][a-zA-Z0-9_:]*' |
		grep -vxE 'and|or|unless|bool|offset|group_left|group_right|Inf|NaN|inf|nan' | sort -u
}

# The label names docs/metrics.md documents, and those Prometheus adds
# (instance, job) or a histogram has (le).
documented_labels() {
	sed -nE 's/^\| `[a-z_:][a-z0-9_:]*\{([a-z_,]+)\}`.*/\1/p' "$1" | tr ',' '\n'
	printf '%s\n' instance job le
}

# The label names in the PromQL read on stdin: matchers and grouping lists.
label_names() {
	tr '\n' ' ' | sed -E 's/"[^"]*"/""/g' |
		grep -oE '\{[^}]*\}|\b(by|without|on|ignoring|group_left|group_right)[[:space:]]*\([^)]*\)' |
		sed -E 's/^[a-z_]+[[:space:]]*\(//; s/[{}()]//g; s/(=~|!~|!=|=)[[:space:]]*""//g' |
		sed -E 's/[, ]+/\n/g' | grep -v '^$' | sort -u
}

# Labels an alert's annotations or a panel's legend name: {{ $labels.X }},
# {{X}}.
template_labels() {
	grep -oE '\{\{ *(\$labels\.)?[a-zA-Z_]+ *\}\}' | sed -E 's/[{} ]//g; s/^\$labels\.//' |
		sort -u
}

# Prints the names among $2.. that are neither documented in DOC ($1), nor
# Prometheus's own, nor recorded by the rules: each one a broken query.
undocumented() {
	local doc=$1 known
	shift
	known=$(
		documented_names "$doc"
		tr ' ' '\n' <<<"$PROMETHEUS_METRICS"
		recorded_names
	)
	comm -23 <(printf '%s\n' "$@" | sort -u) <(sort -u <<<"$known")
}

test_metrics_doc_is_readable() {
	local n
	# the parser above reads the doc's tables: a reformatted doc must not
	# make every name "undocumented" or, worse, none
	n=$(documented_names "$METRICS_DOC" | wc -l)
	assert_gt "$n" 30 "documented names:"
	documented_names "$METRICS_DOC" | grep -qx xlb_backend_up
	documented_names "$METRICS_DOC" | grep -qx xlb_health_decision_to_swap_seconds_bucket
	documented_names "$METRICS_DOC" | grep -qx process_cpu_seconds_total
}

test_rules_check() {
	local out
	out=$(promtool check rules "$RULES" 2>&1) || fail "$out"
	grep -q SUCCESS <<<"$out" || fail "$out"
}

test_rules_unit_tests() {
	local out
	out=$(cd "$PROM_DIR" && promtool test rules "${RULE_TESTS##*/}" 2>&1) || fail "$out"
	grep -q SUCCESS <<<"$out" || fail "$out"
}

# Every alert is unit-tested both ways: an eval where it fires and one
# where it must not.
test_every_alert_is_tested_both_ways() {
	local a fires silent
	for a in $(jq -r '.groups[].rules[].alert // empty' "$RULES_JSON"); do
		fires=$(jq -r --arg a "$a" '[.tests[].alert_rule_test[]? |
			select(.alertname == $a and ((.exp_alerts // []) | length) > 0)] | length' "$TESTS_JSON")
		silent=$(jq -r --arg a "$a" '[.tests[].alert_rule_test[]? |
			select(.alertname == $a and ((.exp_alerts // []) | length) == 0)] | length' "$TESTS_JSON")
		assert_gt "$fires" 0 "$a: tests where it fires:"
		assert_gt "$silent" 0 "$a: tests where it stays silent:"
	done
}

# Severity, summary, description; the annotations name the instance and,
# where the alert's series carry them, the VIP and the backend.
test_alerts_are_labelled_and_described() {
	local n=0 alert sev summary desc expr text
	while IFS=$'\t' read -r alert sev summary desc expr; do
		n=$((n + 1))
		assert_match "$sev" "$SEVERITIES" "$alert severity:"
		[ -n "$summary" ] || fail "$alert: no summary"
		[ -n "$desc" ] || fail "$alert: no description"
		text="$summary $desc"
		[[ $text == *'$labels.instance'* ]] || fail "$alert: instance not named"
		if [[ $expr == *xlb_vip_* || $expr == *xlb_backend_* ]]; then
			[[ $text == *'$labels.vip'* ]] || fail "$alert: VIP not named"
		fi
		if [[ $expr == *xlb_backend_* ]]; then
			[[ $text == *'$labels.backend'* ]] || fail "$alert: backend not named"
		fi
	done < <(jq -r '.groups[].rules[] | select(.alert) | [.alert, .labels.severity // "",
		.annotations.summary // "", .annotations.description // "", .expr] |
		map(gsub("[\t\n]"; " ")) | @tsv' "$RULES_JSON")
	assert_gt "$n" 4 "alerts:"
}

test_config_check() {
	local out
	# checks the rule file it loads too
	out=$(promtool check config "$PROM_CONF" 2>&1) || fail "$out"
	grep -q 'SUCCESS: 1 rule files found' <<<"$out" || fail "rules not loaded: $out"
}

test_config_scrapes_xlbd() {
	local job
	job=$(jq -c '.scrape_configs[] | select(.job_name == "xlb")' "$CONF_JSON")
	[ -n "$job" ] || fail "no job \"xlb\" (XlbTargetDown watches up{job=\"xlb\"})"
	jq -e --arg t "$XLBD_ENDPOINT" '[.static_configs[].targets[]] | index($t)' <<<"$job" >/dev/null ||
		fail "job xlb does not scrape $XLBD_ENDPOINT"
	assert_eq "$(jq -r '.metrics_path // "/metrics"' <<<"$job")" /metrics "metrics path:"
	grep -q "$XLBD_ENDPOINT" "$METRICS_DOC" || fail "metrics.md no longer says $XLBD_ENDPOINT"
	jq -r '.rule_files[]' "$CONF_JSON" | grep -qx "${RULES##*/}" || fail "rules not loaded"
}

test_dashboard_is_valid() {
	local schema ids uniq
	jq -e . "$DASHBOARD" >/dev/null || fail "not JSON"
	schema=$(jq -r .schemaVersion "$DASHBOARD")
	[ "$schema" -ge "$MIN_SCHEMA" ] || fail "schemaVersion $schema < $MIN_SCHEMA"
	jq -e '.uid and .title' "$DASHBOARD" >/dev/null || fail "no uid or title"
	# the variables: a Prometheus data source, then instance and VIP
	assert_eq "$(jq -r '[.templating.list[].name] | join(" ")' "$DASHBOARD")" \
		"datasource instance vip" "variables:"
	assert_eq "$(jq -r '.templating.list[0] | .type + " " + .query' "$DASHBOARD")" \
		"datasource prometheus" "datasource variable:"
	# every panel queries through the variable, not a data source of ours
	assert_eq "$(jq '[.panels[] | select(.type != "row") |
		select(.datasource.uid != "${datasource}")] | length' "$DASHBOARD")" 0 \
		"panels not on \${datasource}:"
	assert_eq "$(jq '[.panels[] | select(.type != "row") | select((.targets // []) | length == 0)] |
		length' "$DASHBOARD")" 0 "panels without a query:"
	ids=$(jq '[.panels[].id] | length' "$DASHBOARD")
	uniq=$(jq '[.panels[].id] | unique | length' "$DASHBOARD")
	assert_eq "$uniq" "$ids" "unique panel ids:"
	# VIP panels follow the variables
	assert_gt "$(jq '[.. | objects | .expr? // empty | select(test("vip=~\"\\$vip\""))] |
		length' "$DASHBOARD")" 10 "queries filtered by \$vip:"
}

# Shows what the dashboard must show, by the metric each panel reads.
test_dashboard_covers_the_metrics() {
	local names m
	names=$(dashboard_exprs "$DASHBOARD" | metric_names)
	for m in xlb_vip_packets_total xlb_vip_bytes_total xlb_vip_new_flows_total \
		xlb_backend_packets_total xlb_backend_up xlb_backend_state xlb_packets_total \
		xlb_vip_drops_total xlb_flows xlb_flows_max \
		xlb_health_decision_to_swap_seconds_bucket xlb_health_check_duration_seconds_bucket \
		process_cpu_seconds_total process_resident_memory_bytes; do
		grep -qx "$m" <<<"$names" || fail "no panel reads $m"
	done
	jq -r '.. | objects | .expr? // empty' "$DASHBOARD" | grep -q 'histogram_quantile(0.99' ||
		fail "no p99 of a histogram"
}

# Each query as PromQL, checked by promtool as a recording rule, Grafana's
# variables replaced by what they stand for.
check_dashboard_queries() {
	local dash=$1 rules=$E2E_TMP/dashboard-queries.yml
	jq --arg w "$RATE_WINDOW" '{groups: [{name: "dashboard", rules: [
		[.. | objects | select(has("expr")) | .expr] | to_entries[] |
		{record: "dashboard_query_\(.key)",
		 expr: (.value | gsub("\\$__rate_interval"; $w) | gsub("\\$(instance|vip)"; ".*"))}]}]}' \
		"$dash" >"$rules"
	! grep -q '\$' "$rules" || fail "a query uses an unknown variable: $(grep -o '\$[a-z_]*' "$rules")"
	promtool check rules "$rules" >/dev/null 2>"$E2E_TMP/promtool.err" ||
		fail "$(cat "$E2E_TMP/promtool.err")"
}

test_dashboard_queries_parse() {
	check_dashboard_queries "$DASHBOARD"
}

test_rule_metrics_are_documented() {
	local names bad
	mapfile -t names < <(rule_exprs "$RULES" | metric_names)
	assert_gt "${#names[@]}" 8 "metrics in the rules:"
	bad=$(undocumented "$METRICS_DOC" "${names[@]}")
	[ -z "$bad" ] || fail "not in docs/metrics.md: $bad"
}

test_dashboard_metrics_are_documented() {
	local names bad
	mapfile -t names < <(dashboard_exprs "$DASHBOARD" | metric_names)
	assert_gt "${#names[@]}" 20 "metrics in the dashboard:"
	bad=$(undocumented "$METRICS_DOC" "${names[@]}")
	[ -z "$bad" ] || fail "not in docs/metrics.md: $bad"
}

test_labels_are_documented() {
	local used bad
	used=$(
		{
			rule_exprs "$RULES"
			dashboard_exprs "$DASHBOARD"
			sed -n '/^```promql$/,/^```$/{/^```/d;p}' "$OPERATING_DOC"
		} | label_names
		jq -r '.groups[].rules[].annotations // {} | .[]' "$RULES_JSON" | template_labels
		jq -r '.. | objects | .legendFormat? // empty' "$DASHBOARD" | template_labels
	)
	grep -qx reason <<<"$used" || fail "label extraction found no 'reason': $used"
	grep -qx backend <<<"$used" || fail "label extraction found no 'backend': $used"
	bad=$(comm -23 <(sort -u <<<"$used") <(documented_labels "$METRICS_DOC" | sort -u))
	[ -z "$bad" ] || fail "labels not in docs/metrics.md: $bad"
}

# The queries "Reading the metrics" in docs/operating.md tells operators to
# run parse, and read documented metrics.
test_operating_doc_queries() {
	local rules=$E2E_TMP/doc-queries.yml names bad
	sed -n '/^```promql$/,/^```$/{/^```/d;/^$/d;p}' "$OPERATING_DOC" >"$E2E_TMP/doc-queries"
	assert_gt "$(wc -l <"$E2E_TMP/doc-queries")" 10 "queries in operating.md:"
	jq -R -s '{groups: [{name: "doc", rules: [split("\n")[] | select(length > 0)] |
		to_entries | map({record: "doc_query_\(.key)", expr: .value})}]}' \
		"$E2E_TMP/doc-queries" >"$rules"
	promtool check rules "$rules" >/dev/null 2>"$E2E_TMP/promtool.err" ||
		fail "$(cat "$E2E_TMP/promtool.err")"
	mapfile -t names < <(metric_names <"$E2E_TMP/doc-queries")
	bad=$(undocumented "$METRICS_DOC" "${names[@]}")
	[ -z "$bad" ] || fail "operating.md queries name metrics not in docs/metrics.md: $bad"
}

# Negative tests: each check above can fail.

test_broken_rules_fail_the_check() {
	local bad=$E2E_TMP/broken.rules.yml
	# an unbalanced parenthesis in one expression
	sed 's/expr: rate(xlb_vip_packets_total\[5m\])/expr: rate(xlb_vip_packets_total[5m]/' \
		"$RULES" >"$bad"
	! cmp -s "$RULES" "$bad" || fail "the break did not apply"
	if promtool check rules "$bad" >/dev/null 2>&1; then
		fail "promtool accepted a broken rule file"
	fi
	# a template error in an annotation
	sed 's/{{ $labels.backend }} of VIP/{{ $labels.backend of VIP/' "$RULES" >"$bad"
	! cmp -s "$RULES" "$bad" || fail "the break did not apply"
	if promtool check rules "$bad" >/dev/null 2>&1; then
		fail "promtool accepted a broken template"
	fi
}

# The unit tests catch a wrong alert: without its idle floor the drop-rate
# alert fires for the idle instance.
test_unit_tests_catch_a_broken_alert() {
	local dir=$E2E_TMP/mutant
	mkdir -p "$dir"
	cp "$RULE_TESTS" "$dir/"
	# the floor's comparison, the first "> 10" of the file
	sed '0,/) > 10$/s/) > 10$/) > 0/' "$RULES" >"$dir/${RULES##*/}"
	! cmp -s "$RULES" "$dir/${RULES##*/}" || fail "the break did not apply"
	promtool check rules "$dir/${RULES##*/}" >/dev/null
	if (cd "$dir" && promtool test rules "${RULE_TESTS##*/}") >"$E2E_TMP/mutant.log" 2>&1; then
		fail "the unit tests passed with the idle floor removed"
	fi
	grep -q 'lb2:9469' "$E2E_TMP/mutant.log" || fail "not the idle instance that fired: $(cat "$E2E_TMP/mutant.log")"
}

test_renamed_metric_or_label_is_caught() {
	local doc=$E2E_TMP/metrics.md names bad
	# a metric renamed in the rules
	mapfile -t names < <(rule_exprs "$RULES" | sed 's/xlb_backend_up/xlb_backend_healthy/g' |
		metric_names)
	bad=$(undocumented "$METRICS_DOC" "${names[@]}")
	assert_eq "$bad" xlb_backend_healthy "caught:"
	# or in the docs
	sed 's/`xlb_flows_max`/`xlb_flow_table_size`/' "$METRICS_DOC" >"$doc"
	mapfile -t names < <(dashboard_exprs "$DASHBOARD" | metric_names)
	bad=$(undocumented "$doc" "${names[@]}")
	assert_eq "$bad" xlb_flows_max "caught:"
	# a label renamed in the rules
	bad=$(comm -23 <(rule_exprs "$RULES" | sed 's/reason/why/g' | label_names) \
		<(documented_labels "$METRICS_DOC" | sort -u))
	assert_eq "$bad" why "caught label:"
}

test_broken_dashboard_query_is_caught() {
	local bad=$E2E_TMP/broken.json
	jq '(.panels[] | select(.type == "timeseries") | .targets[0].expr) |= sub("\\)$"; "")' \
		"$DASHBOARD" >"$bad"
	if (check_dashboard_queries "$bad") 2>/dev/null; then
		fail "a query with an unbalanced parenthesis passed"
	fi
}

run_tests "$@"
