#!/bin/bash
# shellcheck disable=SC2317 # test functions are called by run_tests, by name
# The shipped alert rules on a real xlbd: xlbd in a namespace of our own
# (one veth pair, no traffic), Debian's Prometheus beside it loading
# deploy/prometheus/prometheus.yml and xlb.rules.yml as shipped (only the
# scrape and evaluation intervals shortened). A backend whose check fails
# fires XlbBackendDown, a VIP whose only backend fails fires
# XlbVipNoBackend, with the labels xlbd really serves; nothing fires for
# the healthy backend, the serving VIP or the drop rate of an idle
# instance; once the backend answers, its alerts resolve. Every query of
# the Grafana dashboard answers from the real metrics. The
# namespace-free checks of the same files are in test_prometheus_rules.sh.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

NS=xlbt-pa-$$
NAME=$NS
DEV=v0
PEER=v1
XLBD=$BUILD/xlbd
SOCK=$E2E_TMP/ctl.sock
CONF=$E2E_TMP/xlb.conf
PROM_DIR=$E2E_ROOT/deploy/prometheus
PROM_PORT=19090
PROM_URL=http://127.0.0.1:$PROM_PORT
METRICS_URL=http://127.0.0.1:9469/metrics # xlbd's default endpoint
INTERVAL=2s                                # scrapes and rule evaluations
LB4=198.18.0.254
BAD4=198.18.0.7  # nothing there: its check times out
GOOD4=198.18.0.8 # no check: up
VIP_A=198.18.1.10
VIP_B=198.18.1.11 # only the failing backend
CHECK="check tcp port 80 interval 500ms timeout 300ms rise 1 fall 1"
XLBD_SECONDS=600
PROM_SECONDS=600
SERVER_SECONDS=300
START_WAIT=30
FIRE_WAIT=150 # XlbBackendDown's 1 m, plus scrapes, evaluations and a busy host
RESOLVE_WAIT=60
DASHBOARD=$E2E_ROOT/deploy/grafana/xlb.json
RATE_WINDOW=1m # for Grafana's $__rate_interval
RATE_SETTLE=8  # seconds: a few scrapes
# Dashboard queries that may rightly be empty here: no backend changes its
# health twice (xlbd serves every counter from the start, at 0).
EMPTY_OK='changes\(xlb_backend_up'
PYTHON=${PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}

lb() { in_ns "$NS" "$@"; }

# GET from Prometheus' API in our namespace: PATH [CURL ARGS...].
prom_get() {
	local path=$1
	shift
	lb curl -sf -m 2 "$@" "$PROM_URL$path"
}

# The alerts Prometheus holds, one a line: "STATE NAME vip=V backend=B";
# fails when Prometheus does not answer.
alerts() {
	local json
	json=$(prom_get /api/v1/alerts) || return 1
	jq -r '.data.alerts[] | "\(.state) \(.labels.alertname) vip=\(.labels.vip // "")" +
		" backend=\(.labels.backend // "")"' <<<"$json"
}

# has_alert PATTERN: an alert line matches the extended regex.
has_alert() {
	local a
	a=$(alerts) || return 1
	grep -qE "$1" <<<"$a"
}

# no_alert PATTERN: Prometheus answers, and no alert line matches.
no_alert() {
	local a
	a=$(alerts) || return 1
	! grep -qE "$1" <<<"$a"
}

# Every rule of the file loaded and evaluated without error.
rules_healthy() {
	local want=$1 json
	json=$(prom_get /api/v1/rules) || return 1
	[ "$(jq '[.data.groups[].rules[] | select(.health == "ok")] | length' <<<"$json")" = "$want" ]
}

xlbd_scraped() {
	local json
	json=$(prom_get /api/v1/query --get --data-urlencode 'query=up{job="xlb"}') || return 1
	jq -e '.data.result[0].value[1] == "1"' <<<"$json" >/dev/null
}

suite_setup() {
	need_root
	need_bin "$XLBD" "$(command -v prometheus)" "$(command -v promtool)"
	ip netns add "$NS"
	lb ip link set lo up
	ip link add "$DEV" netns "$NS" type veth peer name "$PEER" netns "$NS"
	lb ip link set "$DEV" up
	lb ip link set "$PEER" up
	lb ip addr add "$LB4/24" dev "$DEV"
	cat >"$CONF" <<-EOC
		config set mtu 1540 source 198.18.0.240/28
		vip add $VIP_A port 80 proto tcp
		backend add vip $VIP_A:80/tcp addr $BAD4 weight 100 $CHECK
		backend add vip $VIP_A:80/tcp addr $GOOD4 weight 100
		vip add $VIP_B port 80 proto tcp
		backend add vip $VIP_B:80/tcp addr $BAD4 weight 100 $CHECK
	EOC
	bg_ns "$NS" "$E2E_TMP/xlbd.log" "$XLBD_SECONDS" "$XLBD" --dev "$DEV" --name "$NAME" \
		--socket "$SOCK" --config "$CONF"
	wait_until "$START_WAIT" lb curl -sf -m 1 -o /dev/null "$METRICS_URL"
	# the shipped files, only the intervals shortened
	mkdir -p "$E2E_TMP/prom"
	cp "$PROM_DIR/xlb.rules.yml" "$E2E_TMP/prom/"
	sed -E "s/^(  (scrape|evaluation)_interval:) .*/\1 $INTERVAL/" "$PROM_DIR/prometheus.yml" \
		>"$E2E_TMP/prom/prometheus.yml"
	grep -q "scrape_interval: $INTERVAL" "$E2E_TMP/prom/prometheus.yml"
	bg_ns "$NS" "$E2E_TMP/prometheus.log" "$PROM_SECONDS" prometheus \
		--config.file="$E2E_TMP/prom/prometheus.yml" \
		--storage.tsdb.path="$E2E_TMP/prom/data" \
		--web.listen-address="127.0.0.1:$PROM_PORT"
	wait_until "$START_WAIT" lb curl -sf -m 1 -o /dev/null "$PROM_URL/-/ready"
}

suite_cleanup() {
	local pid
	# xlbd first (its pins are removed by --detach below)
	while read -r pid; do
		kill "$pid" 2>/dev/null || true
	done <"$E2E_TMP/pids"
	sleep 1
	lb "$XLBD" --dev "$DEV" --name "$NAME" --detach || true
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "/sys/fs/bpf/xlb/$NAME"
	rm -f "/run/xlb/$NAME.lock" "/run/xlb/$NAME.state"
}

test_target_scraped_with_the_rules_loaded() {
	local n
	n=$(grep -cE '^ +- (alert|record):' "$PROM_DIR/xlb.rules.yml")
	assert_gt "$n" 10 "rules in the file:"
	wait_until "$START_WAIT" xlbd_scraped
	wait_until "$START_WAIT" rules_healthy "$n"
}

test_backend_down_and_vip_without_backend_fire() {
	wait_until "$FIRE_WAIT" has_alert "^firing XlbBackendDown vip=$VIP_A:80/tcp backend=$BAD4:"
	wait_until "$FIRE_WAIT" has_alert "^firing XlbVipNoBackend vip=$VIP_B:80/tcp "
	has_alert "^firing XlbBackendDown vip=$VIP_B:80/tcp backend=$BAD4:" ||
		fail "no XlbBackendDown for $BAD4 under $VIP_B: $(alerts)"
	# nothing for the healthy backend or the VIP it serves, nor for drops
	no_alert "backend=$GOOD4:" || fail "an alert for the healthy backend: $(alerts)"
	no_alert "XlbVipNoBackend vip=$VIP_A:" || fail "$VIP_A has a backend: $(alerts)"
	no_alert "DropRate" || fail "a drop-rate alert on an idle instance: $(alerts)"
	no_alert "XlbTargetDown|XlbNotAttached" || fail "$(alerts)"
}

# Every query of the Grafana dashboard, as Grafana would send it (its
# variables at "All"), answers without error from the real metrics, and
# each returns series (a panel reading a metric xlbd does not serve would
# be empty).
test_dashboard_queries_answer() {
	local expr json n=0 empty=()
	wait_until "$START_WAIT" xlbd_scraped
	# rates need two scrapes in their window
	sleep "$RATE_SETTLE"
	while read -r expr; do
		json=$(prom_get /api/v1/query --get --data-urlencode "query=$expr") ||
			fail "query refused: $expr"
		assert_eq "$(jq -r .status <<<"$json")" success "status of $expr:"
		n=$((n + 1))
		[ "$(jq '.data.result | length' <<<"$json")" -gt 0 ] || empty+=("$expr")
	done < <(jq -r --arg w "$RATE_WINDOW" '.. | objects | select(has("expr")) | .expr |
		gsub("\\$__rate_interval"; $w) | gsub("\\$(instance|vip)"; ".*")' "$DASHBOARD")
	assert_gt "$n" 30 "queries:"
	printf 'empty: %s\n' "${empty[@]}"
	assert_eq "$(printf '%s\n' "${empty[@]}" | grep -cvE "$EMPTY_OK")" 0 "queries with no series:"
	# the variables' own queries find this instance and both VIPs
	json=$(prom_get /api/v1/series --get --data-urlencode 'match[]=xlb_vip_serving')
	assert_eq "$(jq '[.data[].vip] | unique | length' <<<"$json")" 2 "VIPs for \$vip:"
}

test_alerts_resolve_when_the_backend_answers() {
	wait_until "$FIRE_WAIT" has_alert "^firing XlbBackendDown vip=$VIP_A:80/tcp backend=$BAD4:"
	# the backend's address here, and a listener on it: its check passes
	lb ip addr add "$BAD4/32" dev "$PEER"
	bg_ns "$NS" "$E2E_TMP/server.log" "$SERVER_SECONDS" "$PYTHON" -m http.server \
		--bind "$BAD4" 80
	wait_until "$RESOLVE_WAIT" no_alert "XlbBackendDown|XlbVipNoBackend"
}

run_tests "$@"
