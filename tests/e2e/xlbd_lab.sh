#!/bin/bash
# shellcheck disable=SC2034 # the variables are used by the sourcing suites
# The lab of the xlbd e2e suites (test_xlbd_cli.sh, test_restart.sh), sourced
# after lib.sh with P (the lab's prefix) set:
#   - scripts/lab.sh with NBACKENDS backends, VIPs $VIP4, $VIP4_SPARE, $VIP6
#     on their loopbacks (the spare one is in no config: tests add it);
#   - on every backend an HTTP server (backend_httpd.py, port $HTTP_PORT)
#     and a TCP/UDP echo server (backend_echo.py, port $ECHO_PORT) that
#     name the backend, the echo one counting numbered UDP datagrams;
#   - xlbd under nsenter in the lb namespace, instance $NAME, its control
#     socket $SOCK, its pid in $E2E_TMP/xlbd.pid.
# Every wait is bounded; xlb_lab_down removes everything, whatever state
# the daemon was left in.

NAME=$P-lb # the lab's convention: `lab.sh down` removes these pins too
XLBD=$BUILD/xlbd
XLBCTL=$BUILD/xlbctl
HTTPD=$E2E_ROOT/tests/e2e/backend_httpd.py
ECHOD=$E2E_ROOT/tests/e2e/backend_echo.py
CLIENT_PY=$E2E_ROOT/tests/e2e/e2e_client.py
# Debian's python3 (install-deps.sh): a version manager's shim on PATH costs
# a second or more per start on a loaded machine.
PYTHON=${PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}
NBACKENDS=3
VIP4=198.18.1.10
VIP4_SPARE=198.18.1.11
VIP6=2001:2:1::10
HTTP_PORT=80
ECHO_PORT=7000
LAB_MTU=1540
SRC4=198.18.0.240/28
SRC6=2001:2::f0/124
export LAB_VIP4="$VIP4 $VIP4_SPARE" LAB_VIP6=$VIP6
export LAB_LB_SRC4=$SRC4 LAB_LB_SRC6=$SRC6
SOCK=$E2E_TMP/ctl.sock
STATE=/run/xlb/$NAME.state
LOCK=/run/xlb/$NAME.lock
PINS=/sys/fs/bpf/xlb/$NAME
BASELINE=$E2E_TMP/baseline.conf
SERVER_SECONDS=900 # the servers' lifetime bound; cleanup kills them sooner
START_WAIT=10
STOP_WAIT=5
CURL_SECONDS=2
ASK_SECONDS=60 # bound on one batch of requests
HOLD_WAIT=60   # how long held connections wait for their go

backend4() { echo "198.19.$1.1"; }
backend6() { printf '2001:2:1%02d::1' "$1"; }
lb() { in_ns "$P-lb" "$@"; }
client() { in_ns "$P-client" "$@"; }
ctl() { "$XLBCTL" -s "$SOCK" "$@"; }

# The baseline configuration every test starts from.
write_baseline() {
	local i vip
	{
		echo "config set mtu $LAB_MTU"
		echo "config set source $SRC4"
		echo "config set source $SRC6"
		for vip in "$VIP4:$HTTP_PORT/tcp" "$VIP4:$ECHO_PORT/tcp" "$VIP4:$ECHO_PORT/udp"; do
			echo "vip add $vip mode ipip"
			for ((i = 1; i <= NBACKENDS; i++)); do
				echo "backend add vip $vip addr $(backend4 "$i") weight 100"
			done
		done
		echo "vip add [$VIP6]:$HTTP_PORT/tcp mode ipip"
		for ((i = 1; i <= NBACKENDS; i++)); do
			echo "backend add vip [$VIP6]:$HTTP_PORT/tcp addr $(backend6 "$i") weight 100"
		done
	} >"$BASELINE"
}

# Back to the baseline in one batch: every VIP deleted, the baseline added;
# first an xlbd running and attached, whatever a failed test left behind.
reset_config() {
	local batch=$E2E_TMP/reset.batch
	if xlbd_gone; then
		start_xlbd --config "$BASELINE"
	fi
	[ -n "$(prog_id)" ] || ctl attach
	{
		ctl save | awk '$1 == "vip" && $2 == "add" { print "vip del " $3 }'
		cat "$BASELINE"
	} >"$batch"
	ctl -b "$batch"
}

listening() {
	in_ns "$P-be$1" ss -Hltn "sport = :$2" | grep -q LISTEN
}

neigh_resolved() {
	lb ip neigh show "$1" | grep -q lladdr
}

# Starts xlbd with the given options (its pid in $E2E_TMP/xlbd.pid, killed
# on exit) and waits for its socket to answer.
start_xlbd() {
	local pid
	rm -f "$SOCK"
	# nsenter execs xlbd in place: $! is xlbd itself, for kill -9
	nsenter --net="/run/netns/$P-lb" "$XLBD" --dev lb-c --name "$NAME" --socket "$SOCK" "$@" \
		>>"$E2E_TMP/xlbd.log" 2>&1 &
	pid=$!
	echo "$pid" >>"$E2E_TMP/pids"
	echo "$pid" >"$E2E_TMP/xlbd.pid"
	wait_until "$START_WAIT" ctl config show || {
		tail -5 "$E2E_TMP/xlbd.log" >&2
		return 1
	}
}

xlbd_pid() { cat "$E2E_TMP/xlbd.pid"; }
xlbd_gone() { ! kill -0 "$(xlbd_pid)" 2>/dev/null; }

# stop_xlbd SIGNAL: sends it and waits for xlbd to be gone.
stop_xlbd() {
	kill -"$1" "$(xlbd_pid)"
	wait_until "$STOP_WAIT" xlbd_gone
}

# The id of the XDP program on the lb's client-side device (empty if none).
prog_id() {
	lb ip -j -d link show lb-c | "$PYTHON" -c '
import json, sys
print(json.load(sys.stdin)[0].get("xdp", {}).get("prog", {}).get("id", ""))'
}

xlb_lab_up() {
	local i
	need_root
	need_bin "$XLB_DECAP" "$XLBD" "$XLBCTL"
	"$LAB_SH" up "$P" "$NBACKENDS" --mtu "$LAB_MTU"
	for ((i = 1; i <= NBACKENDS; i++)); do
		bg_ns "$P-be$i" "$E2E_TMP/httpd$i.log" "$SERVER_SECONDS" \
			"$PYTHON" "$HTTPD" "be$i" "$HTTP_PORT"
		# shellcheck disable=SC2086
		bg_ns "$P-be$i" "$E2E_TMP/echo$i.log" "$SERVER_SECONDS" \
			"$PYTHON" "$ECHOD" "be$i" "$ECHO_PORT" "$E2E_TMP/count$i.json" $LAB_VIP4 $LAB_VIP6
	done
	write_baseline
	start_xlbd --config "$BASELINE"
	for ((i = 1; i <= NBACKENDS; i++)); do
		wait_until "$START_WAIT" listening "$i" "$HTTP_PORT"
		wait_until "$START_WAIT" listening "$i" "$ECHO_PORT"
		# xlbd made the next hops managed neighbours: the kernel resolves them
		wait_until "$START_WAIT" neigh_resolved "$(backend4 "$i")"
		wait_until "$START_WAIT" neigh_resolved "$(backend6 "$i")"
	done
}

xlb_lab_down() {
	if [ -f "$E2E_TMP/xlbd.pid" ] && ! xlbd_gone; then
		stop_xlbd TERM || stop_xlbd KILL || true
	fi
	# the only way to remove the program, its pins and the state file
	lb "$XLBD" --dev lb-c --name "$NAME" --detach || true
	rm -f "$LOCK" "$STATE" "$SOCK"
	"$LAB_SH" down "$P"
}

# The backends answering N new HTTP connections to URL, one name a line.
http_ask() {
	local n=$1 url=$2 i urls=()
	for ((i = 0; i < n; i++)); do
		urls+=("$url?$i")
	done
	client timeout "$ASK_SECONDS" curl -sS -m "$CURL_SECONDS" "${urls[@]}" 2>&1 || true
}

# The backends answering N new TCP connections / UDP flows to the echo port.
tcp_ask() { client timeout "$ASK_SECONDS" "$PYTHON" "$CLIENT_PY" tcp-ask "$1" "$ECHO_PORT" "$2"; }
udp_ask() { client timeout "$ASK_SECONDS" "$PYTHON" "$CLIENT_PY" udp-ask "$1" "$ECHO_PORT" "$2"; }

# "be1=N be2=N be3=N other=N" of a list of answers on stdin.
tally() {
	awk -v n="$NBACKENDS" '
		{ if ($1 ~ /^be[0-9]+$/ && substr($1, 3) + 0 <= n) c[$1]++; else c["other"]++ }
		END {
			for (i = 1; i <= n; i++) printf "be%d=%d ", i, c["be" i]
			printf "other=%d\n", c["other"]
		}'
}

# count_of TALLY NAME: one count of a tally.
count_of() {
	local w
	for w in $1; do
		[ "${w%%=*}" = "$2" ] && echo "${w#*=}" && return 0
	done
	echo 0
}

# hold_open DIR N: N TCP connections to the echo VIP, held open in the
# background until hold_release DIR; DIR/ready says who holds each.
hold_open() {
	local dir=$1
	mkdir -p "$dir"
	bg_ns "$P-client" "$dir/log" "$((HOLD_WAIT + ASK_SECONDS))" \
		"$PYTHON" "$CLIENT_PY" hold "$VIP4" "$ECHO_PORT" "$2" "$dir" "$HOLD_WAIT"
	wait_until "$START_WAIT" test -s "$dir/ready" || {
		cat "$dir/log" >&2
		return 1
	}
}

# hold_release DIR: each held connection exchanges a line; DIR/result has
# "SPORT BEFORE AFTER" per connection.
hold_release() {
	touch "$1/go"
	wait_until "$ASK_SECONDS" test -s "$1/result" || {
		cat "$1/log" >&2
		return 1
	}
}

# The backend holding the most of the held connections of DIR.
busiest_holder() {
	awk '{ print $2 }' "$1/ready" | sort | uniq -c | sort -rn | awk 'NR == 1 { print $2 }'
}
