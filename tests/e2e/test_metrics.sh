#!/bin/bash
# shellcheck disable=SC2317 # test functions are called by run_tests, by name
# xlbd's /metrics on the lab (three backends, xlbd_lab.sh), scraped by a real
# Prometheus (Debian's) that the suite starts in the lb namespace on a
# loopback port, scrape interval 1 s, its own storage in the suite's tmp
# dir. Checked: the content type and `promtool check metrics` on a scrape;
# every family of docs/metrics.md present; UDP datagrams sent through a VIP
# counted exactly, per backend (each backend's counter equals what its
# server received) and in total (what the client sent), read back through
# PromQL; xlb_backend_up going to 0 in Prometheus when a backend's server
# stops (and back), with the check results and durations; drops by reason
# (no VIP on the port, no backend, the VIP's ACL), exact; the control-plane
# counters (a batch counts once, refused requests, ring rebuilds); the
# sampled flow count; the process metrics; the VIPs' announcement.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

P=xlbt-mx-$$
# shellcheck source=tests/e2e/xlbd_lab.sh
. "$E2E_ROOT/tests/e2e/xlbd_lab.sh"

METRICS_URL=http://127.0.0.1:9469/metrics
PROM_PORT=19090
PROM_URL=http://127.0.0.1:$PROM_PORT
PROM_SECONDS=900 # Prometheus' lifetime bound; cleanup kills it sooner
PROM_WAIT=30     # its start (TSDB, first scrape) on a busy host
SCRAPE_WAIT=15   # a value to show up in Prometheus (1 s scrapes)
WAIT=10
UDP_VIP=$VIP4:$ECHO_PORT/udp
HTTP_VIP=$VIP4:$HTTP_PORT/tcp
DATAGRAMS=3000 # sent through the UDP VIP
RATE=1000      # per second: well within what the echo servers take
FLOWS=30       # source ports the datagrams come from, spread over the backends
NEW_FLOWS=40   # TCP connections for the flow count
TIMING="interval 250ms timeout 200ms rise 2 fall 2"

suite_setup() {
	need_bin "$(command -v prometheus)" "$(command -v promtool)"
	xlb_lab_up
	start_prometheus
}
suite_cleanup() { xlb_lab_down; }

start_prometheus() {
	local dir=$E2E_TMP/prom
	mkdir -p "$dir/data"
	cat >"$dir/prometheus.yml" <<-EOF
		global:
		  scrape_interval: 1s
		  scrape_timeout: 1s
		  evaluation_interval: 1s
		scrape_configs:
		  - job_name: xlbd
		    static_configs:
		      - targets: ['127.0.0.1:9469']
	EOF
	bg_ns "$P-lb" "$dir/log" "$PROM_SECONDS" prometheus --config.file="$dir/prometheus.yml" \
		--storage.tsdb.path="$dir/data" --web.listen-address="127.0.0.1:$PROM_PORT"
	wait_until "$PROM_WAIT" prom_is 'up{job="xlbd"}' 1 || {
		tail -5 "$dir/log" >&2
		return 1
	}
}

# The value of a PromQL expression (the first series' value; empty if none).
promq() {
	lb curl -sS -m 2 --get --data-urlencode "query=$1" "$PROM_URL/api/v1/query" |
		jq -r '.data.result[0].value[1] // empty'
}
prom_is() { [ "$(promq "$1")" = "$2" ]; }

# prom_wait EXPR VALUE: until Prometheus says so; says what it said last.
prom_wait() {
	wait_until "$SCRAPE_WAIT" prom_is "$1" "$2" || fail "$1: expected $2, got '$(promq "$1")'"
}

scrape() { lb curl -sS -m 5 "$METRICS_URL"; }

# metric FILE SAMPLE: the value of one sample (name with its labels, as
# written) in a saved scrape.
metric() { awk -v s="$2" '$1 == s { print $2 }' "$1"; }

# The UDP datagrams an echo server counted (0 before the first).
echo_count() {
	local f=$E2E_TMP/count$1.json
	[ -s "$f" ] || {
		echo 0
		return
	}
	jq -r .total "$f"
}

be_label() { echo "$(backend4 "$1"):0"; }

test_scrape_format_and_promtool() {
	local body=$E2E_TMP/scrape.txt hdr=$E2E_TMP/scrape.hdr out
	lb curl -sS -m 5 -D "$hdr" -o "$body" "$METRICS_URL"
	assert_match "$(tr -d '\r' <"$hdr" | grep -i '^content-type:')" \
		'^[Cc]ontent-[Tt]ype: text/plain; version=0\.0\.4$' "content type:"
	out=$(promtool check metrics <"$body" 2>&1) || fail "promtool check metrics failed: $out"
	assert_eq "$out" "" "promtool check metrics says:"
}

# Every family docs/metrics.md names is served (# TYPE line), but those that
# need something this lab has not done yet: announcing is off, no check has
# run, and the flow count needs a first complete walk (a tick).
test_every_documented_family_served() {
	local body=$E2E_TMP/families.txt name missing=""
	wait_until "$WAIT" sh -c "nsenter --net=/run/netns/$P-lb curl -sS -m 2 $METRICS_URL |
		grep -q '^# TYPE xlb_flows gauge'"
	scrape >"$body"
	for name in $(grep -oE '^\| `(xlb|process)_[a-z_]+' "$E2E_ROOT/docs/metrics.md" |
		sed 's/^| `//' | sort -u); do
		case $name in xlb_vip_announced) continue ;; esac
		grep -q "^# TYPE $name " "$body" || missing="$missing $name"
	done
	assert_eq "$missing" "" "families missing:"
	assert_eq "$(metric "$body" xlb_attached)" 1 "xlb_attached:"
	# a few checks, far below the bound: none ever waited
	assert_eq "$(metric "$body" xlb_health_checks_waiting)" 0 "checks waiting:"
	assert_eq "$(metric "$body" xlb_health_checks_waited_total)" 0 "checks that waited:"
	assert_match "$(grep '^xlb_build_info{' "$body")" \
		'^xlb_build_info\{version="[^"]+",abi="[0-9]+"\} 1$' "build info:"
	assert_eq "$(metric "$body" "xlb_vip_serving{vip=\"$UDP_VIP\"}")" 1 "serving:"
	assert_eq "$(metric "$body" "xlb_backend_state{vip=\"$UDP_VIP\",backend=\"$(be_label 1)\",state=\"active\"}")" \
		1 "be1 active:"
	assert_eq "$(metric "$body" "xlb_backend_weight{vip=\"$UDP_VIP\",backend=\"$(be_label 1)\"}")" \
		100 "be1 weight:"
}

# Datagrams through the UDP VIP, one packet each: xlb's per-backend counters
# (read back through PromQL) move by exactly what each backend's server
# received, and together by exactly what the client sent.
test_udp_counted_per_backend_in_prometheus() {
	local i sent before=() got=() total_before vip_before sum=0 out
	for ((i = 1; i <= NBACKENDS; i++)); do
		before[i]=$(promq "xlb_backend_packets_total{vip=\"$UDP_VIP\",backend=\"$(be_label "$i")\"}")
		got[i]=$(echo_count "$i")
		[ -n "${before[i]}" ] || fail "no series for be$i in Prometheus"
	done
	total_before=$(promq "sum(xlb_backend_packets_total{vip=\"$UDP_VIP\"})")
	vip_before=$(promq "xlb_vip_packets_total{vip=\"$UDP_VIP\"}")
	out=$(client timeout "$ASK_SECONDS" "$PYTHON" "$CLIENT_PY" udp-stream "$VIP4" "$ECHO_PORT" \
		"$DATAGRAMS" "$RATE" "$FLOWS")
	sent=$(awk '$1 == "sent" { print $2 }' <<<"$out")
	assert_eq "$sent" "$DATAGRAMS" "datagrams sent:"
	prom_wait "sum(xlb_backend_packets_total{vip=\"$UDP_VIP\"}) - $total_before" "$sent"
	prom_wait "xlb_vip_packets_total{vip=\"$UDP_VIP\"} - $vip_before" "$sent"
	# the servers write their counts every 0.2 s
	wait_until "$WAIT" sh -c "jq -s 'map(.total) | add' $E2E_TMP/count[1-$NBACKENDS].json |
		grep -qx $((got[1] + got[2] + got[3] + sent))"
	for ((i = 1; i <= NBACKENDS; i++)); do
		local delta=$(($(echo_count "$i") - got[i]))
		assert_gt "$delta" 0 "be$i received none of the $FLOWS flows:"
		prom_wait "xlb_backend_packets_total{vip=\"$UDP_VIP\",backend=\"$(be_label "$i")\"} - ${before[i]}" \
			"$delta"
		sum=$((sum + delta))
	done
	assert_eq "$sum" "$sent" "the backends together:"
}

# A backend whose HTTP server stops: xlb_backend_up goes to 0 in Prometheus,
# the others stay 1; the results say why and the durations are recorded;
# back to 1 once the server runs again.
test_backend_up_drops_when_server_stopped() {
	local i pid changes body=$E2E_TMP/checks.txt out
	changes=$(promq xlb_health_changes_total)
	ctl vip set "$HTTP_VIP" check http path / $TIMING
	for ((i = 1; i <= NBACKENDS; i++)); do
		prom_wait "xlb_backend_up{vip=\"$HTTP_VIP\",backend=\"$(be_label "$i")\"}" 1
	done
	pid=$(in_ns "$P-be2" ss -Hltnp "sport = :$HTTP_PORT" | sed -nE 's/.*pid=([0-9]+).*/\1/p' | head -n 1)
	# bg_ns started it under timeout: its parent is in our pid list
	[ -n "$pid" ] && grep -qx "$(ps -o ppid= -p "$pid" | tr -d ' ')" "$E2E_TMP/pids" ||
		fail "be2's server is not one we started"
	kill "$pid"
	prom_wait "xlb_backend_up{vip=\"$HTTP_VIP\",backend=\"$(be_label 2)\"}" 0
	prom_wait "xlb_backend_up{vip=\"$HTTP_VIP\",backend=\"$(be_label 1)\"}" 1
	prom_wait "xlb_backend_up{vip=\"$HTTP_VIP\",backend=\"$(be_label 3)\"}" 1
	prom_wait "xlb_backend_state{vip=\"$HTTP_VIP\",backend=\"$(be_label 2)\",state=\"down\"}" 1
	prom_wait "xlb_health_checks_total{vip=\"$HTTP_VIP\",backend=\"$(be_label 2)\",result=\"connect_refused\"} > bool 0" 1
	prom_wait "xlb_health_changes_total - ${changes:-0} > bool 0" 1
	prom_wait "xlb_health_check_duration_seconds_count{vip=\"$HTTP_VIP\"} > bool 0" 1
	prom_wait "xlb_health_decision_to_swap_seconds_count > bool 0" 1
	bg_ns "$P-be2" "$E2E_TMP/httpd2.again.log" "$SERVER_SECONDS" "$PYTHON" "$HTTPD" be2 "$HTTP_PORT"
	prom_wait "xlb_backend_up{vip=\"$HTTP_VIP\",backend=\"$(be_label 2)\"}" 1
	# the histograms and results pass promtool too
	scrape >"$body"
	out=$(promtool check metrics <"$body" 2>&1) || fail "promtool check metrics failed: $out"
	assert_eq "$out" "" "promtool check metrics says:"
	ctl vip set "$HTTP_VIP" check none
}

# A batch of three changes counts once; a refused request counts as a
# control error and changes nothing; adding a backend rebuilds its VIP's
# ring once.
test_control_plane_counters() {
	local a=$E2E_TMP/a.txt b=$E2E_TMP/b.txt batch=$E2E_TMP/batch
	local rb="xlb_vip_ring_rebuilds_total{vip=\"$UDP_VIP\"}"
	scrape >"$a"
	printf '%s\n' "backend add vip $UDP_VIP addr 198.19.1.1 port 9 weight 100" \
		"backend set vip $UDP_VIP addr 198.19.1.1 port 9 weight 50" \
		"vip add $VIP4_SPARE:9/udp" >"$batch"
	ctl -b "$batch"
	! ctl vip del "$VIP4_SPARE:99/udp" 2>/dev/null || fail "deleting an unknown VIP succeeded"
	scrape >"$b"
	assert_eq "$(($(metric "$b" xlb_config_changes_total) - $(metric "$a" xlb_config_changes_total)))" \
		1 "config changes:"
	assert_eq "$(($(metric "$b" xlb_control_errors_total) - $(metric "$a" xlb_control_errors_total)))" \
		1 "control errors:"
	assert_eq "$(($(metric "$b" "$rb") - $(metric "$a" "$rb")))" 1 "ring rebuilds of $UDP_VIP:"
	assert_eq "$(metric "$b" "xlb_backend_weight{vip=\"$UDP_VIP\",backend=\"198.19.1.1:9\"}")" \
		50 "the new backend's weight:"
	ctl -b <(printf '%s\n' "backend del vip $UDP_VIP addr 198.19.1.1 port 9" \
		"vip del $VIP4_SPARE:9/udp")
}

# udp_send ADDR PORT N: N datagrams from 10 flows; checks they all left.
udp_send() {
	local out
	out=$(client timeout "$ASK_SECONDS" "$PYTHON" "$CLIENT_PY" udp-stream "$1" "$2" "$3" "$RATE" 10)
	assert_eq "$(awk '$1 == "sent" { print $2 }' <<<"$out")" "$3" "datagrams sent to $1:$2:"
}

# delta A B SAMPLE: how much a sample grew between two saved scrapes (a
# sample absent from A counts from 0).
delta() { echo $(($(metric "$2" "$3") - $(metric "$1" "$3" | grep . || echo 0))); }

# Drops by reason, exactly: datagrams to a VIP address on a port with no
# VIP (drop no_vip), to a VIP without backends (drop no_backend; the VIP's
# "other" drops; not serving), and from a source the VIP's ACL denies
# (drop acl; the VIP's "acl" drops); the forwarded ones are fwd packets.
test_drops_by_reason() {
	local a=$E2E_TMP/d0.txt b=$E2E_TMP/d1.txt spare=$VIP4_SPARE:9/udp n=200
	local pk='xlb_packets_total{action="drop",reason=' src
	src=$(client ip -4 -br addr show c-lb | awk '{ print $3 }' | cut -d/ -f1)
	ctl vip add "$spare"
	scrape >"$a"
	udp_send "$VIP4_SPARE" 9 $n
	udp_send "$VIP4" 9999 $n
	ctl acl add deny "$src" vip "$UDP_VIP"
	udp_send "$VIP4" "$ECHO_PORT" $n
	ctl acl del deny "$src" vip "$UDP_VIP"
	scrape >"$b"
	ctl vip del "$spare"
	assert_eq "$(delta "$a" "$b" "${pk}\"no_backend\"}")" $n "drop no_backend:"
	assert_eq "$(delta "$a" "$b" "${pk}\"no_vip\"}")" $n "drop no_vip:"
	assert_eq "$(delta "$a" "$b" "${pk}\"acl\"}")" $n "drop acl:"
	assert_eq "$(delta "$a" "$b" "xlb_vip_drops_total{vip=\"$spare\",reason=\"other\"}")" $n \
		"the spare VIP's other drops:"
	assert_eq "$(delta "$a" "$b" "xlb_vip_drops_total{vip=\"$UDP_VIP\",reason=\"acl\"}")" $n \
		"the UDP VIP's ACL drops:"
	assert_eq "$(delta "$a" "$b" "xlb_vip_drops_total{vip=\"$UDP_VIP\",reason=\"other\"}")" 0 \
		"the UDP VIP's other drops:"
	assert_eq "$(metric "$b" "xlb_vip_serving{vip=\"$spare\"}")" 0 "the spare VIP serving:"
	assert_eq "$(delta "$a" "$b" "xlb_vip_packets_total{vip=\"$UDP_VIP\"}")" 0 \
		"forwarded while denied:"
}

# New TCP flows show in the sampled count within a few housekeeping ticks;
# the capacity is the flows map's.
test_flow_count_sampled() {
	local body=$E2E_TMP/flows.txt max
	tcp_ask "$VIP4" "$NEW_FLOWS" >/dev/null
	wait_until "$WAIT" sh -c "nsenter --net=/run/netns/$P-lb curl -sS -m 2 $METRICS_URL |
		awk '\$1 == \"xlb_flows\" && \$2 >= $NEW_FLOWS { ok = 1 } END { exit !ok }'"
	scrape >"$body"
	max=$(bpftool -j map show pinned "$PINS"/abi*/flows | jq -r .max_entries)
	assert_eq "$(metric "$body" xlb_flows_max)" "$max" "flows max:"
	assert_match "$(metric "$body" xlb_flows_sample_age_seconds)" '^(0|0\.[0-9]+|[1-2](\.[0-9]+)?)(e-[0-9]+)?$' \
		"sample age (at most 2 ticks):"
}

# process_*: xlbd's own figures.
test_process_metrics() {
	local body=$E2E_TMP/proc.txt pid start fds
	pid=$(xlbd_pid)
	scrape >"$body"
	start=$(($(date +%s) - $(ps -o etimes= -p "$pid")))
	awk -v s="$(metric "$body" process_start_time_seconds)" -v e="$start" \
		'BEGIN { d = s - e; exit !(d < 2 && d > -2) }' ||
		fail "start time $(metric "$body" process_start_time_seconds), ps says $start"
	fds=$(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 | wc -l)
	awk -v m="$(metric "$body" process_open_fds)" -v f="$fds" \
		'BEGIN { d = m - f; exit !(d < 3 && d > -3) }' ||
		fail "open fds $(metric "$body" process_open_fds), /proc says $fds"
	assert_gt "$(metric "$body" process_resident_memory_bytes)" 1000000 "rss:"
	assert_eq "$(metric "$body" process_max_fds)" "$(awk '/^Max open files/ { print $4 }' "/proc/$pid/limits")" \
		"max fds:"
}

# With --announce-table, xlb_vip_announced follows the VIP's route: 1 while
# announced, 0 after `announce off`; without it the family is absent. Last:
# it restarts xlbd (the running state is adopted).
test_vip_announced() {
	local body=$E2E_TMP/ann.txt table=100 s="xlb_vip_announced{vip=\"$UDP_VIP\"}"
	scrape >"$body"
	! grep -q '^# TYPE xlb_vip_announced ' "$body" || fail "announced served without a table"
	stop_xlbd TERM
	start_xlbd --announce-table $table
	wait_until "$WAIT" sh -c "nsenter --net=/run/netns/$P-lb curl -sS -m 2 $METRICS_URL |
		grep -qxF '$s 1'"
	lb ip route show table $table | grep -q "^blackhole $VIP4 " || fail "no route for $VIP4"
	ctl vip set "$UDP_VIP" announce off
	scrape >"$body"
	assert_eq "$(metric "$body" "$s")" 0 "announced after announce off:"
	assert_eq "$(metric "$body" "xlb_vip_announced{vip=\"$HTTP_VIP\"}")" 1 "the HTTP VIP:"
	ctl vip set "$UDP_VIP" announce on
	stop_xlbd TERM
	lb ip route flush table $table protocol 245
	start_xlbd
}

run_tests "$@"
