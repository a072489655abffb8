#!/bin/bash
# shellcheck disable=SC2317 # test functions are called by run_tests, by name
# The health-check engine against real servers: a checker namespace runs
# xlb-hc-probe (the engine on its own loop, printing every result and state
# change) against backends in a second namespace: TCP listeners, HTTP and
# HTTPS servers (a test CA made here with openssl), a gRPC health server
# (python3-grpcio) and scripts. Each test stops or degrades a backend and
# checks that it goes down within fall x interval + one interval with the
# exact reason, and comes back after exactly rise passes.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

P=xlbt-hc-$$
C=$P-c # the checker
S=$P-s # the backends
C4=198.18.0.1
S4=198.18.0.2
C6=2001:2::1
S6=2001:2::2
PROBE=$BUILD/tests/e2e/xlb-hc-probe
SERVER=$E2E_ROOT/tests/e2e/hc_server.py
PY=/usr/bin/python3 # Debian's, which has python3-grpcio
SERVER_SECONDS=120
WAIT_SECONDS=10

INTERVAL=250ms
INTERVAL_S=0.25
RISE=2
FALL=3
TIMING="interval $INTERVAL timeout 200ms rise $RISE fall $FALL"
# where only the reason matters: room for slow TLS handshakes on a busy host
REASON_TIMING="interval 1s timeout 900ms rise 2 fall 2"
REASON_SECONDS=4
NO_PROXY_PORT=8097 # where the proxy variables point; nothing listens
# servers and checker ahead of whatever else keeps the host busy, so a
# late answer is the engine's fault, not the neighbours'
NICE="nice -n -5"
# the bounds the engine promises, in seconds
DOWN_LIMIT=$(awk -v i=$INTERVAL_S -v f=$FALL 'BEGIN { print f * i + i }')
UP_LIMIT=$(awk -v i=$INTERVAL_S -v r=$RISE 'BEGIN { print r * i + i }')

suite_setup() {
	need_root
	need_bin "$PROBE"
	"$PY" -c 'import grpc' || fail "python3-grpcio is missing (scripts/install-deps.sh)"
	ip netns add "$C"
	ip netns add "$S"
	ip link add hc0 netns "$C" type veth peer name hc1 netns "$S"
	ip -n "$C" addr add $C4/24 dev hc0
	ip -n "$S" addr add $S4/24 dev hc1
	ip -n "$C" addr add $C6/64 dev hc0 nodad
	ip -n "$S" addr add $S6/64 dev hc1 nodad
	ip -n "$C" link set lo up
	ip -n "$S" link set lo up
	ip -n "$C" link set hc0 up
	ip -n "$S" link set hc1 up
	# permanent neighbours: a first probe must not spend its short timeout
	# on neighbour discovery (IPv6's can take a second under load)
	local cmac smac
	cmac=$(ip -n "$C" -br link show hc0 | awk '{ print $3 }')
	smac=$(ip -n "$S" -br link show hc1 | awk '{ print $3 }')
	ip -n "$C" neigh replace $S4 lladdr "$smac" dev hc0 nud permanent
	ip -n "$C" neigh replace $S6 lladdr "$smac" dev hc0 nud permanent
	ip -n "$S" neigh replace $C4 lladdr "$cmac" dev hc1 nud permanent
	ip -n "$S" neigh replace $C6 lladdr "$cmac" dev hc1 nud permanent
	make_certs
}

suite_cleanup() {
	ip netns del "$C" 2>/dev/null || true
	ip netns del "$S" 2>/dev/null || true
}

# A CA and a server certificate for backend.test and the backend's address.
make_certs() {
	local d=$E2E_TMP/pki
	mkdir -p "$d"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$d/ca.key" -out "$d/ca.crt" -days 2 -subj /CN=xlb-test-ca \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$d/srv.key" -out "$d/srv.csr" -subj /CN=backend.test
	printf 'subjectAltName=DNS:backend.test,IP:%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
		$S4 >"$d/ext.cnf"
	openssl x509 -req -in "$d/srv.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial \
		-out "$d/srv.crt" -days 2 -extfile "$d/ext.cnf"
}

now() { date +%s.%N; }

# set_state FILE JSON: replaced in one rename, so a server never reads half.
set_state() {
	printf '%s\n' "$2" >"$1.tmp"
	mv "$1.tmp" "$1"
}

listening() {
	in_ns "$S" ss -Hltn "sport = :$1" | grep -q .
}

# start_server PORT ARGS...: hc_server.py in the backends' namespace; prints
# its pid once it listens.
start_server() {
	local port=$1
	shift
	bg_ns "$S" "$E2E_TMP/server-$port.log" $SERVER_SECONDS $NICE "$PY" "$SERVER" "$@"
	wait_until $WAIT_SECONDS listening "$port" || {
		cat "$E2E_TMP/server-$port.log" >&2
		return 1
	}
	tail -n 1 "$E2E_TMP/pids"
}

stop_server() {
	kill "$1"
	wait_until $WAIT_SECONDS not_listening "$2"
}

not_listening() { ! listening "$1"; }

# start_probe OUT SECONDS TARGET-WORDS...: the engine in the checker's
# namespace for SECONDS; sets PROBE_PID.
start_probe() {
	local out=$1 secs=$2
	shift 2
	# not through in_ns: $! must be timeout itself, which passes SIGTERM on
	nsenter --net="/run/netns/$C" timeout $((secs + WAIT_SECONDS)) $NICE "$PROBE" -v \
		-d "${secs}s" "$@" >"$out" 2>"$out.err" &
	PROBE_PID=$!
}

# finish_probe OUT [now]: waits for the probe's end, or ends it now (it
# prints its final lines on SIGTERM too).
finish_probe() {
	[ "${2:-}" != now ] || kill -TERM "$PROBE_PID"
	wait "$PROBE_PID" || fail "xlb-hc-probe failed: $(cat "$1.err")"
}

# change_line OUT NAME STATE AFTER: the first change of NAME to STATE at or
# after the epoch time AFTER.
change_line() {
	awk -v n="$2" -v s="$3" -v t="$4" \
		'$1 == "change" && $3 == n && $4 == s && $2 >= t { print; exit }' "$1"
}

has_change() { [ -n "$(change_line "$@")" ]; }

# wait_change OUT NAME STATE AFTER: waits for that change, prints its time.
wait_change() {
	wait_until $WAIT_SECONDS has_change "$@" || {
		cat "$1" >&2
		return 1
	}
	change_line "$@" | awk '{ print $2 }'
}

# assert_reason OUT NAME STATE AFTER TEXT: the change's reason.
assert_reason() {
	local line
	line=$(change_line "$1" "$2" "$3" "$4")
	assert_eq "$(cut -d' ' -f5- <<<"$line")" "$5" "reason of $2 going $3:" || {
		awk -v n="$2" '$3 == n' "$1" >&2
		return 1
	}
}

# assert_within FROM TO LIMIT WHAT
assert_within() {
	awk -v a="$1" -v b="$2" -v l="$3" 'BEGIN { exit !(b - a <= l) }' ||
		fail "$4 took $(awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }')s, more than ${3}s"
}

# assert_rise OUT NAME FROM UPTIME: NAME went up at its RISE-th pass since
# FROM, the passes in a row.
assert_rise() {
	local seq
	seq=$(awk -v n="$2" -v a="$3" -v b="$4" \
		'$1 == "result" && $3 == n && $2 > a && $2 <= b { printf "%s ", $4 }' "$1")
	[[ $seq =~ (^|fail )(ok ){$RISE}$ ]] && [ "$(grep -o ok <<<"$seq" | wc -l)" -eq $RISE ] ||
		fail "$2: results from the recovery to up were '$seq', not $RISE passes in a row"
}

# down_then_up OUT NAME BREAK FIX REASON: waits for NAME to be up, runs
# BREAK, checks the down decision's time and reason, runs FIX, checks the
# up decision's time and the passes before it.
down_then_up() {
	local out=$1 name=$2 brk=$3 fix=$4 reason=$5 t0 t1 td tu
	wait_change "$out" "$name" up 0 >/dev/null
	t0=$(now)
	$brk
	td=$(wait_change "$out" "$name" down "$t0")
	assert_within "$t0" "$td" "$DOWN_LIMIT" "$name going down"
	assert_reason "$out" "$name" down "$t0" "$reason"
	t1=$(now)
	$fix
	tu=$(wait_change "$out" "$name" up "$td")
	assert_within "$(now_or "$t1")" "$tu" "$UP_LIMIT" "$name coming back"
	# counted from the down decision, on the probe's own clock: results
	# between it and the fix are failures, so the run of passes is the same
	assert_rise "$out" "$name" "$td" "$tu"
}

# The time the fix took effect: FIX_DONE when the fix had to wait for a
# server to listen, else the time it started.
now_or() { echo "${FIX_DONE:-$1}"; }

HTTP_PID=
TCP_PORT=8080

restart_tcp() {
	HTTP_PID=$(start_server $TCP_PORT http $S4 $TCP_PORT "$E2E_TMP/tcp.json")
	FIX_DONE=$(now)
}
stop_tcp() { stop_server "$HTTP_PID" $TCP_PORT; }

test_tcp_refused_then_back() {
	local out=$E2E_TMP/tcp.out
	set_state "$E2E_TMP/tcp.json" '{"paths": {}}'
	HTTP_PID=$(start_server $TCP_PORT http $S4 $TCP_PORT "$E2E_TMP/tcp.json")
	start_probe "$out" 6 \
		target $S4 $TCP_PORT name v4 check tcp $TIMING \
		target $S6 8081 name v6-closed check tcp $TIMING \
		target $S4 9 name seeded-up seed up check tcp port $TCP_PORT $TIMING
	down_then_up "$out" v4 stop_tcp restart_tcp "connect refused"
	wait_change "$out" seeded-up up "$(change_line "$out" seeded-up down 0 | cut -d' ' -f2)" \
		>/dev/null
	finish_probe "$out" now
	# IPv6, and a port override on a seeded target
	[ -n "$(change_line "$out" v6-closed down 0)" ] || fail "v6-closed never went down"
	assert_reason "$out" v6-closed down 0 "connect refused"
	[ -n "$(change_line "$out" seeded-up down 0)" ] || fail "seeded-up did not go down with v4"
	[ "$(grep -c '^change [0-9.]* seeded-up up' "$out")" -ge 1 ] ||
		fail "seeded-up did not come back"
	kill "$HTTP_PID"
}

test_tcp_seed_is_kept() {
	local out=$E2E_TMP/seed.out
	set_state "$E2E_TMP/seed.json" '{"paths": {}}'
	HTTP_PID=$(start_server 8082 http $S4 8082 "$E2E_TMP/seed.json")
	start_probe "$out" 2 \
		target $S4 8082 name up-stays seed up check tcp $TIMING \
		target $S4 8083 name down-stays seed down check tcp $TIMING \
		target $S4 8082 name down-rises seed down check tcp $TIMING
	finish_probe "$out"
	kill "$HTTP_PID"
	# a seeded state changes only on fresh results that contradict it
	assert_eq "$(grep -c 'change [0-9.]* up-stays' "$out")" 0 "changes of up-stays:"
	assert_eq "$(grep -c 'change [0-9.]* down-stays' "$out")" 0 "changes of down-stays:"
	grep -q '^final up-stays up ' "$out" || fail "up-stays: $(grep 'final up-stays' "$out")"
	grep -q '^final down-stays down ' "$out" || fail "$(grep 'final down-stays' "$out")"
	has_change "$out" down-rises up 0 || fail "down-rises never came up"
	assert_rise "$out" down-rises 0 "$(change_line "$out" down-rises up 0 | awk '{ print $2 }')"
}

HTTP_STATE=

http_503() {
	set_state "$HTTP_STATE" '{"paths": {"/health": {"status": 503, "body": "maintenance"}}}'
}
http_200() {
	set_state "$HTTP_STATE" '{"paths": {"/health": {"status": 200, "body": "fine"}}}'
}

test_http_status_then_back() {
	local out=$E2E_TMP/http.out
	HTTP_STATE=$E2E_TMP/http.json
	http_200
	HTTP_PID=$(start_server 8090 http $S4 8090 "$HTTP_STATE")
	start_probe "$out" 5 target $S4 8090 name web check http $TIMING
	FIX_DONE=
	down_then_up "$out" web http_503 http_200 "http 503"
	finish_probe "$out" now
	# every check was a connection of its own (and this request one more),
	# and told the server so ("Connection: close")
	local stats checks
	stats=$(in_ns "$C" curl -sS --noproxy '*' --max-time 5 http://$S4:8090/_stats)
	checks=$(grep -c '^result [0-9.]* web ' "$out")
	assert_eq "$stats" "connections $((checks + 1)) requests $checks closing $checks" "server saw"
	kill "$HTTP_PID"
	# the body of a failing answer is kept for show
	grep -q '^result [0-9.]* web fail [0-9.]* http 503 | maintenance$' "$out" ||
		fail "no 'http 503 | maintenance' result"
}

HTTP_PORT=8091

restart_http() {
	HTTP_PID=$(start_server $HTTP_PORT http $S4 $HTTP_PORT "$HTTP_STATE")
	FIX_DONE=$(now)
}
stop_http() { stop_server "$HTTP_PID" $HTTP_PORT; }

test_http_server_stopped() {
	local out=$E2E_TMP/http-stop.out
	HTTP_STATE=$E2E_TMP/http-stop.json
	http_200
	HTTP_PID=$(start_server $HTTP_PORT http $S4 $HTTP_PORT "$HTTP_STATE")
	start_probe "$out" 6 target $S4 $HTTP_PORT name web check http $TIMING
	down_then_up "$out" web stop_http restart_http "connect refused"
	finish_probe "$out" now
	kill "$HTTP_PID"
}

test_http_options() {
	local out=$E2E_TMP/http-opt.out st=$E2E_TMP/http-opt.json pid6
	set_state "$st" '{"paths": {
		"/health": {"status": 200, "body": "all good"},
		"/moved": {"status": 301, "body": "elsewhere"},
		"/found": {"status": 302, "body": "elsewhere"},
		"/ready": {"status": 200, "body": "state: starting"},
		"/slow": {"status": 200, "delay": 3},
		"/hosted": {"status": 200, "host": "example.test"}}}'
	HTTP_PID=$(start_server 8092 http $S4 8092 "$st")
	pid6=$(start_server 8094 http $S6 8094 "$st")
	# proxies in xlbd's environment are not used: nothing listens there
	http_proxy=http://$S4:$NO_PROXY_PORT HTTPS_PROXY=http://$S4:$NO_PROXY_PORT \
		ALL_PROXY=http://$S4:$NO_PROXY_PORT start_probe "$out" $REASON_SECONDS \
		target $S6 8094 name v6 check http $REASON_TIMING \
		target $S4 8092 name moved check http path /moved expect 200-299,301 $REASON_TIMING \
		target $S4 8092 name found check http path /found expect 200-299,301 $REASON_TIMING \
		target $S4 8092 name body-ok check http body good $REASON_TIMING \
		target $S4 8092 name body-bad check http path /ready body ready $REASON_TIMING \
		target $S4 8092 name slow check http path /slow $REASON_TIMING \
		target $S4 8092 name host-ok check http path /hosted host example.test $REASON_TIMING \
		target $S4 8092 name host-none check http path /hosted $REASON_TIMING \
		target $S4 8092 name head check http method HEAD $REASON_TIMING \
		target $S4 8092 name missing check http path /nope $REASON_TIMING \
		target $S6 8092 name v6-refused check http $REASON_TIMING \
		target $S4 1 name port-override check http port 8092 $REASON_TIMING
	finish_probe "$out"
	kill "$HTTP_PID" "$pid6"
	local want
	for want in "v6 up ok" "moved up ok" "found down http 302" "body-ok up ok" \
		"body-bad down body mismatch" "slow down timeout" "host-ok up ok" \
		"host-none down http 421" "head up ok" "missing down http 404" \
		"v6-refused down connect refused" "port-override up ok"; do
		set -- $want
		assert_reason "$out" "$1" "$2" 0 "${want#* * }"
	done
}

test_https_verification() {
	local out=$E2E_TMP/https.out st=$E2E_TMP/https.json pki=$E2E_TMP/pki pid pid11
	set_state "$st" '{"paths": {"/health": {"status": 200, "body": "secure"}}}'
	pid=$(start_server 8443 http $S4 8443 "$st" --tls "$pki/srv.crt" "$pki/srv.key")
	pid11=$(start_server 8444 http $S4 8444 "$st" --tls "$pki/srv.crt" "$pki/srv.key" \
		--tls-max 1.1)
	start_probe "$out" $REASON_SECONDS \
		target $S4 8443 name no-ca check https $REASON_TIMING \
		target $S4 8443 name ca-sni check https ca "$pki/ca.crt" sni backend.test $REASON_TIMING \
		target $S4 8443 name ca-addr check https ca "$pki/ca.crt" $REASON_TIMING \
		target $S4 8443 name ca-host check https ca "$pki/ca.crt" host backend.test $REASON_TIMING \
		target $S4 8443 name wrong-name check https ca "$pki/ca.crt" sni other.test $REASON_TIMING \
		target $S4 8443 name insecure check https insecure $REASON_TIMING \
		target $S4 8444 name tls11 check https insecure $REASON_TIMING
	finish_probe "$out"
	kill "$pid" "$pid11"
	assert_reason "$out" no-ca down 0 "tls: certificate verify failed"
	assert_reason "$out" ca-sni up 0 "ok"
	assert_reason "$out" ca-addr up 0 "ok"
	assert_reason "$out" ca-host up 0 "ok"
	assert_reason "$out" wrong-name down 0 "tls: certificate verify failed"
	assert_reason "$out" insecure up 0 "ok"
	assert_reason "$out" tls11 down 0 "tls: handshake failed"
	grep -q '^final ca-sni up [0-9]* ok | secure$' "$out" || fail "$(grep 'final ca-sni' "$out")"
}

GRPC_STATE=
grpc_not_serving() { set_state "$GRPC_STATE" '{"services": {"": "NOT_SERVING"}}'; }
grpc_serving() { set_state "$GRPC_STATE" '{"services": {"": "SERVING"}}'; }

test_grpc_serving_flips() {
	local out=$E2E_TMP/grpc.out pid
	GRPC_STATE=$E2E_TMP/grpc.json
	grpc_serving
	pid=$(start_server 50051 grpc $S4 50051 "$GRPC_STATE")
	start_probe "$out" 5 target $S4 50051 name grpc check grpc $TIMING
	FIX_DONE=
	down_then_up "$out" grpc grpc_not_serving grpc_serving "grpc NOT_SERVING"
	finish_probe "$out" now
	kill "$pid"
}

test_grpc_services_and_tls() {
	local out=$E2E_TMP/grpc2.out st=$E2E_TMP/grpc2.json pki=$E2E_TMP/pki pid pids
	set_state "$st" '{"services": {"": "SERVING", "db": "NOT_SERVING", "cache": "SERVING",
		"odd": "SERVICE_UNKNOWN", "bad": "GARBAGE"}}'
	pid=$(start_server 50052 grpc $S4 50052 "$st")
	pids=$(start_server 50053 grpc $S4 50053 "$st" --tls "$pki/srv.crt" "$pki/srv.key")
	start_probe "$out" $REASON_SECONDS \
		target $S4 50052 name cache check grpc service cache $REASON_TIMING \
		target $S4 50052 name db check grpc service db $REASON_TIMING \
		target $S4 50052 name odd check grpc service odd $REASON_TIMING \
		target $S4 50052 name nope check grpc service nope $REASON_TIMING \
		target $S4 50052 name bad check grpc service bad $REASON_TIMING \
		target $S4 50053 name tls check grpc tls ca "$pki/ca.crt" sni backend.test $REASON_TIMING \
		target $S4 50053 name tls-no-ca check grpc tls $REASON_TIMING \
		target $S4 8093 name refused check grpc $REASON_TIMING
	finish_probe "$out"
	kill "$pid" "$pids"
	assert_reason "$out" cache up 0 "ok"
	assert_reason "$out" db down 0 "grpc NOT_SERVING"
	assert_reason "$out" odd down 0 "grpc SERVICE_UNKNOWN"
	assert_reason "$out" nope down 0 "grpc status NOT_FOUND"
	assert_reason "$out" bad down 0 "grpc: malformed response"
	assert_reason "$out" tls up 0 "ok"
	assert_reason "$out" tls-no-ca down 0 "tls: certificate verify failed"
	assert_reason "$out" refused down 0 "connect refused"
}

SCRIPT_STATE=
script_fail() { echo 1 >"$SCRIPT_STATE"; }
script_pass() { echo 0 >"$SCRIPT_STATE"; }

test_script_exit_status() {
	local out=$E2E_TMP/script.out
	SCRIPT_STATE=$E2E_TMP/script.status
	script_pass
	start_probe "$out" 5 \
		target $S4 8080 name flip check script /bin/sh arg -c \
		arg "read s <$SCRIPT_STATE; echo status \$s; exit \$s" $TIMING \
		target $S4 8080 name three check script /bin/sh arg -c arg 'echo failing now; exit 3' \
		$TIMING \
		target $S4 8080 name missing check script /nonexistent/check $TIMING
	FIX_DONE=
	down_then_up "$out" flip script_fail script_pass "exit 1"
	finish_probe "$out" now
	assert_reason "$out" three down 0 "exit 3"
	grep -q '^final three down [0-9]* exit 3 | failing now$' "$out" ||
		fail "$(grep 'final three' "$out")"
	assert_reason "$out" missing down 0 "spawn: No such file or directory"
}

# The script's world: the promised environment, default signals, its own
# process group, stdin on /dev/null and no fd of the checker's.
test_script_environment() {
	local out=$E2E_TMP/script-env.out sh=$E2E_TMP/env.sh
	cat >"$sh" <<-'EOF'
		#!/bin/sh
		bad() { echo "$*"; exit 9; }
		[ "$XLB_BACKEND_ADDR" = 198.18.0.2 ] || bad "addr $XLB_BACKEND_ADDR"
		[ "$XLB_BACKEND_PORT" = 8080 ] || bad "port $XLB_BACKEND_PORT"
		[ "$XLB_CHECK_PORT" = 9090 ] || bad "check port $XLB_CHECK_PORT"
		[ "$XLB_VIP" = "198.18.1.10:80/tcp" ] || bad "vip $XLB_VIP"
		[ "$1" = "two words" ] || bad "argument '$1'"
		[ "$(readlink /proc/$$/fd/0)" = /dev/null ] || bad "stdin"
		# listed by a child into a file, so the shell holds no pipe meanwhile;
		# besides the script, the shell may keep a copy of its own stdout
		out=$(readlink /proc/$$/fd/2)
		fds=$(mktemp)
		ls -l /proc/$$/fd >"$fds"
		extra=$(awk -v s="$0" -v o="$out" \
			'/->/ && $(NF - 2) !~ /^[012]$/ && $NF != s && $NF != o' "$fds")
		rm -f "$fds"
		[ -z "$extra" ] || bad "inherited: $extra"
		ign=$(awk '$1 == "SigIgn:" { print $2 }' /proc/$$/status)
		[ $((0x$ign & ~0x180000000)) = 0 ] || bad "ignored $ign"
		[ "$(ps -o pgid= -p $$ | tr -d ' ')" = $$ ] || bad "process group"
		echo "all as promised"
	EOF
	chmod +x "$sh"
	# the shell clears its signal mask itself: awk shows the one it got
	# (glibc's posix_spawn leaves its two internal signals, 32 and 33, ignored)
	# (one line: a script arg may hold no newline)
	local signals='$1 == "SigBlk:" { b = $2 } $1 == "SigIgn:" { i = $2 }'
	signals+=' END { print "blocked", b, "ignored", i;'
	signals+=' exit !(b == "0000000000000000" &&'
	signals+=' (i == "0000000000000000" || i == "0000000180000000")) }'
	start_probe "$out" 3 target $S4 8080 name env vip 198.18.1.10:80/tcp \
		check script "$sh" arg "two words" port 9090 interval 1s timeout 900ms rise 1 \
		target $S4 8080 name signals \
		check script /usr/bin/awk arg "$signals" arg /proc/self/status interval 1s rise 1
	finish_probe "$out"
	grep -q '^final env up [0-9]* ok | all as promised$' "$out" ||
		fail "$(grep '^result [0-9.]* env' "$out" | tail -1)"
	grep -q '^final signals up [0-9]* ok | blocked 0\{16\} ignored' "$out" ||
		fail "$(grep '^result [0-9.]* signals' "$out" | tail -1)"
}

in_group() {
	ps -eo pgid=,pid=,stat=,args= | awk -v g="$1" '$1 == g'
}

# gone PGID: no live process is left in the group. A killed script's own
# children are reparented to pid 1 and reaped there; until then they are
# zombies, which are dead.
gone() {
	! ps -eo pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { found = 1 } END { exit !found }'
}

test_script_killed_at_timeout() {
	local out=$E2E_TMP/script-hang.out sh=$E2E_TMP/hang.sh groups=$E2E_TMP/hang.groups
	local g lat
	cat >"$sh" <<-'EOF'
		#!/bin/sh
		echo $$ >>"$1"
		sleep 300 &
		echo "hanging"
		wait
	EOF
	chmod +x "$sh"
	: >"$groups"
	start_probe "$out" 3 target $S4 8080 name hang \
		check script "$sh" arg "$groups" interval 400ms timeout 200ms rise 1 fall 2
	wait_until $WAIT_SECONDS grep -q '^result [0-9.]* hang fail' "$out"
	# the first group is killed at its timeout, while the engine runs on
	g=$(head -n 1 "$groups")
	wait_until 2 gone "$g" || fail "group $g lives on: $(in_group "$g")"
	kill -0 "$PROBE_PID" || fail "the probe is gone too early"
	finish_probe "$out"
	assert_reason "$out" hang down 0 "timeout"
	grep -q '^final hang down [0-9]* timeout | hanging$' "$out" ||
		fail "$(grep 'final hang' "$out")"
	# killed at the timeout: no result took much longer than 200 ms
	lat=$(awk '$1 == "result" { if ($5 > m) m = $5 } END { print m + 0 }' "$out")
	awk -v l="$lat" 'BEGIN { exit !(l >= 200 && l < 350) }' || fail "latency ${lat}ms"
	[ "$(wc -l <"$groups")" -ge 3 ] || fail "only $(wc -l <"$groups") runs"
	while read -r g; do
		gone "$g" || fail "group $g survived: $(in_group "$g")"
	done <"$groups"
}

CHURN_PORT=8095 # answered by bench/hc_httpd
DROP_PORT=8096  # dropped by nftables in the backends' namespace
CHURN_TARGETS=100
CHURN_SECONDS=6

# Checks timing out by the thousand beside healthy ones. At a connect's
# timeout libcurl closes the socket itself, then says CURL_POLL_REMOVE, and
# a socket it opens next in the same call may take the number (the engine
# saw it a few times a second here): a healthy check must never pay for it
# (without the fallback in curl_loop.c, libcurl took the refused socket for
# an abort and failed every transfer after it: three runs of five).
test_timeouts_beside_healthy_checks() {
	local out=$E2E_TMP/churn.out args=() i ok bad dropped other engine
	bg_ns "$S" "$E2E_TMP/churn-srv.log" $SERVER_SECONDS "$BUILD/bench/hc_httpd" \
		-d $SERVER_SECONDS $S4 $CHURN_PORT
	wait_until $WAIT_SECONDS listening $CHURN_PORT
	in_ns "$S" nft -f - <<-EOF
		table inet xlbt_churn {
			chain input {
				type filter hook input priority 0
				tcp dport $DROP_PORT drop
			}
		}
	EOF
	for ((i = 0; i < CHURN_TARGETS; i++)); do
		args+=(target "$S4" "$CHURN_PORT" name "ok$i" check http interval 250ms timeout 250ms
			target "$S4" "$DROP_PORT" name "drop$i" check http interval 50ms timeout 20ms)
	done
	start_probe "$out" $CHURN_SECONDS "${args[@]}"
	finish_probe "$out"
	in_ns "$S" nft delete table inet xlbt_churn
	ok=$(awk '$1 == "result" && $3 ~ /^ok/ && $4 == "ok"' "$out" | wc -l)
	bad=$(awk '$1 == "result" && $3 ~ /^ok/ && $4 != "ok"' "$out")
	dropped=$(awk '$1 == "result" && $3 ~ /^drop/ && $6 == "timeout"' "$out" | wc -l)
	other=$(awk '$1 == "result" && $3 ~ /^drop/ && $6 != "timeout"' "$out" | wc -l)
	assert_eq "$(grep -c . <<<"$bad" || true)" 0 "healthy checks failed: $(head -3 <<<"$bad")" ||
		return 1
	assert_gt "$ok" $((CHURN_TARGETS * CHURN_SECONDS * 2)) "healthy results" || return 1
	assert_gt "$dropped" $((CHURN_TARGETS * CHURN_SECONDS * 10)) "timeouts" || return 1
	assert_eq "$other" 0 "dropped checks ending otherwise than in a timeout" || return 1
	# nothing on stderr but the state changes
	engine=$(grep -v ': health: .* port [0-9]* \(up\|down\): ' "$out.err" || true)
	assert_eq "$(grep -c . <<<"$engine" || true)" 0 "lines of the engine's: $(head -3 <<<"$engine")"
}

run_tests "$@"
