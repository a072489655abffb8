#!/bin/bash
# shellcheck disable=SC2317 # test functions are called by run_tests, by name
# Health checks steering real traffic: xlbd on the lab (three backends with
# HTTP and TCP/UDP echo servers, plus HTTPS and gRPC health servers started
# here), checks configured through xlbctl. A backend whose check fails is
# taken out of its VIP's ring within fall x interval + one interval, new
# connections go to the others while the others' established connections
# are untouched, and it comes back after rise passes; for tcp, http, https
# (a CA made here: refused without `ca`, trusted with it), grpc and script
# checks (one that hangs is killed at its timeout). Backups take over when
# every primary is down and hand back; /health/ready flips to 503 and back;
# a VIP with no backend up drops and counts; fail-open keeps everyone; and
# health states survive a kill -9 restart (seeded, not reset to unknown).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

P=xlbt-hs-$$
# shellcheck source=tests/e2e/xlbd_lab.sh
. "$E2E_ROOT/tests/e2e/xlbd_lab.sh"

HC_SERVER=$E2E_ROOT/tests/e2e/hc_server.py
HTTP_VIP=$VIP4:$HTTP_PORT/tcp
ECHO_VIP=$VIP4:$ECHO_PORT/tcp
HTTPS_PORT=8443
GRPC_PORT=50051
READY_URL=http://127.0.0.1:9469/health/ready

RISE=2
FALL=3
# connect-level checks (a refused connection answers at once), and checks
# whose servers are Python programs doing TLS, HTTP/2 or a fork and exec,
# which a busy host can keep for a few hundred milliseconds
TIMING="interval 250ms timeout 200ms rise $RISE fall $FALL"
SLOW_TIMING="interval 500ms timeout 450ms rise $RISE fall $FALL"
# where only the verdict and its reason matter: room for slow handshakes
TLS_TIMING="interval 1s timeout 900ms rise 2 fall 2"
# the bounds the checks promise, in seconds (fall x interval + one interval,
# rise x interval + one interval), and what measuring adds (xlbd itself
# scheduled late on a busy host; the change time is read back from the
# time in state, in milliseconds)
limit() { awk -v i="$1" -v n="$2" 'BEGIN { print n * i + i }'; }
DOWN_LIMIT=$(limit 0.25 $FALL)
UP_LIMIT=$(limit 0.25 $RISE)
SLOW_DOWN_LIMIT=$(limit 0.5 $FALL)
SLOW_UP_LIMIT=$(limit 0.5 $RISE)
SLACK=0.2
TCP_PORT=8080 # a TCP listener on every backend's own address
WAIT=10     # bound on any wait for a state
SPREAD=30   # new connections per spread check
HELD=24     # connections held open across a change
NO_SEC=0.05 # a state that must not come: watched this often

FLIP=$E2E_TMP/flip.sh   # a script check whose verdict a file sets
FLIPS=$E2E_TMP/flips    # one file per backend address: the exit status
HANG=$E2E_TMP/hang.sh   # a script check that never ends
GROUPS_FILE=$E2E_TMP/hang.groups
PKI=$E2E_TMP/pki

suite_setup() {
	"$PYTHON" -c 'import grpc' || fail "python3-grpcio is missing (scripts/install-deps.sh)"
	xlb_lab_up
	make_certs
	make_scripts
	local i
	for ((i = 1; i <= NBACKENDS; i++)); do
		set_grpc "$i" SERVING
		bg_ns "$P-be$i" "$E2E_TMP/https$i.log" "$SERVER_SECONDS" "$PYTHON" "$HC_SERVER" \
			http "$(backend4 "$i")" $HTTPS_PORT "$E2E_TMP/https.json" \
			--tls "$PKI/srv.crt" "$PKI/srv.key"
		bg_ns "$P-be$i" "$E2E_TMP/grpc$i.log" "$SERVER_SECONDS" "$PYTHON" "$HC_SERVER" \
			grpc "$(backend4 "$i")" $GRPC_PORT "$E2E_TMP/grpc$i.json"
		start_tcpd "$i"
	done
	printf '%s\n' '{"paths": {"/health": {"status": 200, "body": "secure"}}}' >"$E2E_TMP/https.json"
	for ((i = 1; i <= NBACKENDS; i++)); do
		wait_until "$START_WAIT" listening "$i" $HTTPS_PORT
		wait_until "$START_WAIT" listening "$i" $GRPC_PORT
	done
}

suite_cleanup() { xlb_lab_down; }

# A CA, and a certificate for backend.test and the three backends' addresses.
make_certs() {
	mkdir -p "$PKI"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$PKI/ca.key" -out "$PKI/ca.crt" -days 2 -subj /CN=xlb-steer-ca \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$PKI/srv.key" -out "$PKI/srv.csr" -subj /CN=backend.test
	printf 'subjectAltName=DNS:backend.test,IP:%s,IP:%s,IP:%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
		"$(backend4 1)" "$(backend4 2)" "$(backend4 3)" >"$PKI/ext.cnf"
	openssl x509 -req -in "$PKI/srv.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" \
		-CAcreateserial -out "$PKI/srv.crt" -days 2 -extfile "$PKI/ext.cnf"
}

make_scripts() {
	mkdir -p "$FLIPS"
	cat >"$FLIP" <<-'EOF'
		#!/bin/sh
		s=$(cat "$1/$XLB_BACKEND_ADDR" 2>/dev/null || echo 0)
		echo "flip says $s for $XLB_VIP"
		exit "$s"
	EOF
	cat >"$HANG" <<-'EOF'
		#!/bin/sh
		echo $$ >>"$1"
		echo "hanging"
		sleep 300 &
		wait
	EOF
	chmod +x "$FLIP" "$HANG"
}

set_grpc() {
	printf '{"services": {"": "%s"}}\n' "$2" >"$E2E_TMP/grpc$1.json.tmp"
	mv "$E2E_TMP/grpc$1.json.tmp" "$E2E_TMP/grpc$1.json"
}

# flip I STATUS: backend I's script check exits with STATUS from now on.
flip() { echo "$2" >"$FLIPS/$(backend4 "$1")"; }
flip_all() {
	local i
	for ((i = 1; i <= NBACKENDS; i++)); do flip "$i" "$1"; done
}

now() { date +%s.%N; }

# The backend I of VIP as xlbctl -j shows it.
be_json() {
	ctl -j backend show vip "$1" |
		jq -c --arg a "$(backend4 "$2")" '.[0].backends[] | select(.addr == $a)'
}

# health VIP I: "up", "down" or "unknown".
health() { be_json "$1" "$2" | jq -r .health; }

is_health() { [ "$(health "$1" "$2")" = "$3" ]; }

# last_is VIP I TEXT: the last check's result.
last_is() { [ "$(be_json "$1" "$2" | jq -r .last)" = "$3" ]; }

# wait_health VIP I STATE: waits for it; prints when the change happened
# (epoch seconds: now less the time in state).
wait_health() {
	wait_until "$WAIT" is_health "$@" || {
		be_json "$1" "$2" >&2
		return 1
	}
	change_time "$1" "$2"
}

change_time() {
	local ms
	ms=$(be_json "$1" "$2" | jq -r .in_state_ms)
	awk -v n="$(now)" -v ms="$ms" 'BEGIN { printf "%.3f\n", n - ms / 1000 }'
}

# assert_within FROM TO LIMIT WHAT
assert_within() {
	awk -v a="$1" -v b="$2" -v l="$3" -v s="$SLACK" 'BEGIN { exit !(b - a <= l + s) }' ||
		fail "$4 took $(awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }')s, more than ${3}s"
}

all_up() {
	local vip=$1 i
	for ((i = 1; i <= NBACKENDS; i++)); do
		wait_health "$vip" "$i" up >/dev/null
	done
}

# every_backend TALLY / all_but TALLY NAME / only TALLY NAME
every_backend() {
	local i
	for ((i = 1; i <= NBACKENDS; i++)); do
		assert_gt "$(count_of "$1" "be$i")" 0 "be$i in $1:"
	done
	assert_eq "$(count_of "$1" other)" 0 "failed or foreign answers in $1:"
}
all_but() {
	assert_eq "$(count_of "$1" "$2")" 0 "$2 answered new connections: $1"
	assert_eq "$(count_of "$1" other)" 0 "failed answers in $1:"
}
only() {
	assert_eq "$(count_of "$1" "$2")" "$SPREAD" "not all answers from $2: $1"
}

http_spread() { http_ask "$SPREAD" "http://$VIP4:$HTTP_PORT/" | tally; }
tcp_spread() { tcp_ask "$VIP4" "$SPREAD" | tally; }

# The pid of the server listening on PORT in backend I (one we started).
server_pid() {
	in_ns "$P-be$1" ss -Hltnp "sport = :$2" | sed -nE 's/.*pid=([0-9]+).*/\1/p' | head -n 1
}

not_listening() { ! listening "$1" "$2"; }

stop_server() {
	local pid
	pid=$(server_pid "$1" "$2")
	[ -n "$pid" ] || fail "nothing listens on be$1:$2"
	kill "$pid"
	wait_until "$WAIT" not_listening "$1" "$2"
}

start_httpd() {
	bg_ns "$P-be$1" "$E2E_TMP/httpd$1.again.log" "$SERVER_SECONDS" \
		"$PYTHON" "$HTTPD" "be$1" "$HTTP_PORT"
	wait_until "$WAIT" listening "$1" "$HTTP_PORT"
}

# A listener on backend I's own address (the echo servers listen on the
# VIPs only), for the TCP check.
start_tcpd() {
	bg_ns "$P-be$1" "$E2E_TMP/tcpd$1.log" "$SERVER_SECONDS" "$PYTHON" "$HC_SERVER" \
		http "$(backend4 "$1")" $TCP_PORT "$E2E_TMP/https.json"
	wait_until "$WAIT" listening "$1" $TCP_PORT
}

ready_status() { lb curl -s -o "$E2E_TMP/ready.json" -w '%{http_code}' -m 2 "$READY_URL"; }
ready_is() { [ "$(ready_status)" = "$1" ]; }

drops_no_backend() {
	ctl -j stats | jq '.counters[] | select(.name == "drop_no_backend") | .packets'
}

# An HTTP backend whose server stops: out of the ring within fall x interval
# + one interval (reason "connect refused"); new connections go to the
# others; connections held to the others (through the echo VIP, checked by
# HTTP on port 80) are untouched; back after rise passes.
test_http_server_stopped_taken_out_and_back() {
	local dir=$E2E_TMP/held t0 td t1 tu kept
	reset_config
	ctl vip set "$HTTP_VIP" check http path / $TIMING
	ctl vip set "$ECHO_VIP" check http port $HTTP_PORT path / $TIMING
	all_up "$HTTP_VIP"
	all_up "$ECHO_VIP"
	hold_open "$dir" "$HELD"
	t0=$(now)
	stop_server 2 $HTTP_PORT
	td=$(wait_health "$HTTP_VIP" 2 down)
	assert_within "$t0" "$td" "$DOWN_LIMIT" "be2 going down"
	assert_eq "$(be_json "$HTTP_VIP" 2 | jq -r .last)" "connect refused" "reason:"
	assert_eq "$(be_json "$HTTP_VIP" 2 | jq -r .state)" "down" "data-plane state:"
	wait_health "$ECHO_VIP" 2 down >/dev/null
	all_but "$(http_spread)" be2
	all_but "$(tcp_spread)" be2
	hold_release "$dir"
	kept=$(awk '$2 != "be2" && $2 != $3' "$dir/result")
	assert_eq "$kept" "" "held connections to the other backends that moved:"
	assert_gt "$(awk '$2 != "be2"' "$dir/result" | wc -l)" 0 "connections held by the others:"
	start_httpd 2
	t1=$(now) # fixed: listening
	tu=$(wait_health "$HTTP_VIP" 2 up)
	assert_within "$t1" "$tu" "$UP_LIMIT" "be2 coming back"
	assert_eq "$(be_json "$HTTP_VIP" 2 | jq -r .last)" "ok" "reason:"
	every_backend "$(http_spread)"
}

# An HTTP status outside `expect` takes a backend out too (reason http 503).
test_http_status_outside_expect() {
	reset_config
	ctl vip set "$HTTP_VIP" check http path / $TIMING
	all_up "$HTTP_VIP"
	ctl backend set vip "$HTTP_VIP" addr "$(backend4 3)" check http path / expect 500-599 $TIMING
	wait_health "$HTTP_VIP" 3 down >/dev/null
	assert_eq "$(be_json "$HTTP_VIP" 3 | jq -r .last)" "http 200" "reason:"
	assert_eq "$(be_json "$HTTP_VIP" 3 | jq -r .check_inherited)" "false" "own check:"
	all_but "$(http_spread)" be3
	# check none: back to the VIP's check, which passes
	ctl backend set vip "$HTTP_VIP" addr "$(backend4 3)" check none
	wait_health "$HTTP_VIP" 3 up >/dev/null
	assert_eq "$(be_json "$HTTP_VIP" 3 | jq -r .check_inherited)" "true" "inherited check:"
}

# A TCP check of the echo VIP's backends (on port 8080): the listener stops,
# the backend leaves; it returns.
test_tcp_check() {
	local t0 td t1 tu
	reset_config
	ctl vip set "$ECHO_VIP" check tcp port $TCP_PORT $TIMING
	all_up "$ECHO_VIP"
	t0=$(now)
	stop_server 3 $TCP_PORT
	td=$(wait_health "$ECHO_VIP" 3 down)
	assert_within "$t0" "$td" "$DOWN_LIMIT" "be3 going down"
	assert_eq "$(be_json "$ECHO_VIP" 3 | jq -r .last)" "connect refused" "reason:"
	all_but "$(tcp_spread)" be3
	start_tcpd 3
	t1=$(now)
	tu=$(wait_health "$ECHO_VIP" 3 up)
	assert_within "$t1" "$tu" "$UP_LIMIT" "be3 coming back"
	every_backend "$(tcp_spread)"
}

# HTTPS against a certificate of a CA made here: without `ca` verification
# fails and every backend is down (the VIP drops, counted); with it, all up.
test_https_needs_the_ca() {
	local before
	reset_config
	ctl vip set "$HTTP_VIP" check https port $HTTPS_PORT $TLS_TIMING
	wait_health "$HTTP_VIP" 1 down >/dev/null
	wait_health "$HTTP_VIP" 2 down >/dev/null
	wait_health "$HTTP_VIP" 3 down >/dev/null
	wait_until "$WAIT" last_is "$HTTP_VIP" 1 "tls: certificate verify failed" ||
		fail "reason: $(be_json "$HTTP_VIP" 1 | jq -r .last)"
	before=$(drops_no_backend)
	assert_eq "$(http_ask 3 "http://$VIP4:$HTTP_PORT/" | tally | awk '{ print $NF }')" \
		"other=3" "answers with every backend down:"
	assert_gt "$(drops_no_backend)" "$before" "drop_no_backend:"
	ctl vip set "$HTTP_VIP" check https port $HTTPS_PORT ca "$PKI/ca.crt" sni backend.test \
		$TLS_TIMING
	all_up "$HTTP_VIP"
	assert_eq "$(be_json "$HTTP_VIP" 1 | jq -r .last)" "ok" "reason:"
	every_backend "$(http_spread)"
}

# gRPC health: NOT_SERVING takes a backend out, SERVING brings it back.
test_grpc_serving_flips() {
	local t0 td t1 tu
	reset_config
	ctl vip set "$HTTP_VIP" check grpc port $GRPC_PORT $SLOW_TIMING
	all_up "$HTTP_VIP"
	t0=$(now)
	set_grpc 1 NOT_SERVING
	td=$(wait_health "$HTTP_VIP" 1 down)
	assert_within "$t0" "$td" "$SLOW_DOWN_LIMIT" "be1 going down"
	assert_eq "$(be_json "$HTTP_VIP" 1 | jq -r .last)" "grpc NOT_SERVING" "reason:"
	all_but "$(http_spread)" be1
	t1=$(now)
	set_grpc 1 SERVING
	tu=$(wait_health "$HTTP_VIP" 1 up)
	assert_within "$t1" "$tu" "$SLOW_UP_LIMIT" "be1 coming back"
	every_backend "$(http_spread)"
}

# A script's exit status decides; its output is kept for show.
test_script_check() {
	local t0 td
	reset_config
	flip_all 0
	ctl vip set "$HTTP_VIP" check script "$FLIP" arg "$FLIPS" $SLOW_TIMING
	all_up "$HTTP_VIP"
	t0=$(now)
	flip 2 3
	td=$(wait_health "$HTTP_VIP" 2 down)
	assert_within "$t0" "$td" "$SLOW_DOWN_LIMIT" "be2 going down"
	assert_eq "$(be_json "$HTTP_VIP" 2 | jq -r .last)" "exit 3" "reason:"
	assert_eq "$(be_json "$HTTP_VIP" 2 | jq -r .last_output)" "flip says 3 for $HTTP_VIP" "output:"
	all_but "$(http_spread)" be2
	flip 2 0
	wait_health "$HTTP_VIP" 2 up >/dev/null
	every_backend "$(http_spread)"
	# the saved config gives the same check back
	ctl save | grep -qF "vip add $HTTP_VIP mode ipip check script $FLIP arg $FLIPS interval 500ms timeout 450ms" ||
		fail "save: $(ctl save | grep "vip add $HTTP_VIP")"
}

gone() {
	! ps -eo pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { found = 1 } END { exit !found }'
}

# A script that hangs is killed (its whole process group) at the timeout:
# the backend goes down with reason "timeout", the others are not held up.
test_hanging_script_killed_at_timeout() {
	local g lat
	reset_config
	: >"$GROUPS_FILE"
	ctl vip set "$HTTP_VIP" check http path / $TIMING
	all_up "$HTTP_VIP"
	ctl backend set vip "$HTTP_VIP" addr "$(backend4 1)" \
		check script "$HANG" arg "$GROUPS_FILE" interval 400ms timeout 200ms rise 1 fall 2
	wait_health "$HTTP_VIP" 1 down >/dev/null
	assert_eq "$(be_json "$HTTP_VIP" 1 | jq -r .last)" "timeout" "reason:"
	assert_eq "$(be_json "$HTTP_VIP" 1 | jq -r .last_output)" "hanging" "output:"
	lat=$(be_json "$HTTP_VIP" 1 | jq -r .latency_us)
	awk -v l="$lat" 'BEGIN { exit !(l >= 200000 && l < 350000) }' || fail "latency ${lat}us"
	g=$(head -n 1 "$GROUPS_FILE")
	wait_until 2 gone "$g" || fail "group $g lives on"
	is_health "$HTTP_VIP" 2 up || fail "be2 is not up"
	all_but "$(http_spread)" be1
	ctl backend set vip "$HTTP_VIP" addr "$(backend4 1)" check none
	wait_health "$HTTP_VIP" 1 up >/dev/null
	while read -r g; do
		wait_until 2 gone "$g" || fail "group $g survived"
	done <"$GROUPS_FILE"
}

# Backups serve only while no primary is up, and hand back when one is.
test_backup_takes_over_and_hands_back() {
	reset_config
	flip_all 0
	ctl backend set vip "$HTTP_VIP" addr "$(backend4 3)" backup
	ctl vip set "$HTTP_VIP" check script "$FLIP" arg "$FLIPS" $SLOW_TIMING
	all_up "$HTTP_VIP"
	all_but "$(http_spread)" be3
	flip 1 1
	wait_health "$HTTP_VIP" 1 down >/dev/null
	all_but "$(http_spread)" be3
	flip 2 1
	wait_health "$HTTP_VIP" 2 down >/dev/null
	only "$(http_spread)" be3
	flip 2 0
	wait_health "$HTTP_VIP" 2 up >/dev/null
	only "$(http_spread)" be2
	flip_all 0
}

# /health/ready: 200 while every VIP has a backend up; 503 with the failing
# VIP and its backends in JSON once one has none; 200 again after.
test_ready_flips() {
	reset_config
	flip_all 0
	assert_eq "$(lb curl -s -m 2 http://127.0.0.1:9469/health/live)" "ok" "/health/live:"
	assert_eq "$(lb curl -s -m 2 http://127.0.0.1:9469/health)" "ok" "/health:"
	ctl vip set "$HTTP_VIP" check script "$FLIP" arg "$FLIPS" $SLOW_TIMING
	all_up "$HTTP_VIP"
	assert_eq "$(ready_status)" 200 "/health/ready with every VIP served:"
	assert_eq "$(jq -r .ready "$E2E_TMP/ready.json")" true "ready:"
	flip_all 1
	wait_until "$WAIT" ready_is 503
	assert_eq "$(jq -r '.failing[0].vip' "$E2E_TMP/ready.json")" "$HTTP_VIP" "failing VIP:"
	assert_eq "$(jq -r '.failing | length' "$E2E_TMP/ready.json")" 1 "failing VIPs:"
	assert_eq "$(jq -r '.failing[0].backends[0].last' "$E2E_TMP/ready.json")" "exit 1" "why:"
	flip 3 0
	wait_until "$WAIT" ready_is 200
	flip_all 0
}

# fail-open: when every backend fails its check, all stay in the ring.
test_fail_open_keeps_everyone() {
	reset_config
	flip_all 0
	ctl vip set "$HTTP_VIP" fail-open check script "$FLIP" arg "$FLIPS" $SLOW_TIMING
	all_up "$HTTP_VIP"
	flip 1 1
	wait_health "$HTTP_VIP" 1 down >/dev/null
	all_but "$(http_spread)" be1
	flip_all 1
	wait_health "$HTTP_VIP" 2 down >/dev/null
	wait_health "$HTTP_VIP" 3 down >/dev/null
	every_backend "$(http_spread)"
	ctl vip set "$HTTP_VIP" fail-closed
	assert_eq "$(http_ask 3 "http://$VIP4:$HTTP_PORT/" | tally | awk '{ print $NF }')" \
		"other=3" "answers with every backend down, fail-closed:"
	flip_all 0
}

# Admin down and drain win over a passing check.
test_admin_down_overrides_health() {
	reset_config
	flip_all 0
	ctl vip set "$HTTP_VIP" check script "$FLIP" arg "$FLIPS" $SLOW_TIMING
	all_up "$HTTP_VIP"
	ctl backend set vip "$HTTP_VIP" addr "$(backend4 1)" down
	ctl backend set vip "$HTTP_VIP" addr "$(backend4 2)" drain
	is_health "$HTTP_VIP" 1 up || fail "be1's check should still pass"
	only "$(http_spread)" be3
}

# kill -9 and a new xlbd: it starts from the recorded states (a down
# backend stays out, an up one stays in, nothing is unknown) and changes
# them only on fresh results.
test_states_survive_restart() {
	local t
	reset_config
	flip_all 0
	ctl vip set "$HTTP_VIP" check script "$FLIP" arg "$FLIPS" interval 1s timeout 500ms rise 3 fall 3
	all_up "$HTTP_VIP"
	flip 2 1
	wait_health "$HTTP_VIP" 2 down >/dev/null
	flip 2 0 # passing again, but rise 3 takes 3 s: longer than the restart
	stop_xlbd KILL
	start_xlbd
	t=$(ctl -j backend show vip "$HTTP_VIP" | jq -r '[.[0].backends[].health] | join(" ")')
	assert_eq "$t" "up down up" "health right after the restart:"
	all_but "$(http_spread)" be2
	wait_health "$HTTP_VIP" 2 up >/dev/null
	every_backend "$(http_spread)"
}

# A health change that cannot be committed (a directory stands where the
# state file is written) is kept and tried again each second, not lost: the
# engine reports a state only when it changes, so a dropped change left the
# backend up, and served, for as long as it kept failing.
not_applied() { grep -c 'not applied' "$E2E_TMP/xlbd.log" || true; }
more_not_applied() { [ "$(not_applied)" -gt "$1" ]; }
test_change_not_committed_is_retried() {
	local before
	reset_config
	flip_all 0
	ctl vip set "$HTTP_VIP" check script "$FLIP" arg "$FLIPS" $SLOW_TIMING
	all_up "$HTTP_VIP"
	before=$(not_applied)
	trap 'rmdir "$STATE" 2>/dev/null || true' EXIT
	rm -f "$STATE"
	mkdir "$STATE"
	flip 2 1
	wait_until "$WAIT" more_not_applied "$before"
	last_is "$HTTP_VIP" 2 "exit 1" || fail "be2's check should fail"
	is_health "$HTTP_VIP" 2 up || fail "be2 changed without a commit"
	rmdir "$STATE"
	wait_health "$HTTP_VIP" 2 down >/dev/null
	all_but "$(http_spread)" be2
	[ -f "$STATE" ] || fail "no state file written"
	grep -q 'changes applied after a failed commit' "$E2E_TMP/xlbd.log" ||
		fail "no line for the retried commit"
	flip_all 0
	wait_health "$HTTP_VIP" 2 up >/dev/null
}

# Decision-to-swap times are counted in `xlbctl stats`.
test_swap_times_in_stats() {
	local s
	s=$(ctl -j stats)
	assert_gt "$(jq .health.changes <<<"$s")" 0 "changes:"
	assert_gt "$(jq .health.swaps <<<"$s")" 0 "swaps:"
	assert_eq "$(jq '[.health.swap_buckets[].count] | add' <<<"$s")" "$(jq .health.swaps <<<"$s")" \
		"histogram total:"
	ctl stats | grep -q '^Decision to swap: ' || fail "no decision-to-swap line"
}

run_tests "$@"
