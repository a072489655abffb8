#!/bin/bash
# Control-plane latency, p50 and p99 over CP_RUNS runs each. Prints a
# Markdown table.
#
#   BUILD=build [CP_RUNS=50] [CP_RATE=10000] bench/cp_latency.sh
#
# About 100 s at the defaults on a loaded 2-CPU machine.
#
# 1. From a backend's last failed check to the ring swap: xlbd's own
#    measure (the engine's clock when the deciding result arrived, to the
#    swap's return), read one sample at a time: each run causes exactly one
#    change and the difference of the histogram's sum (`xlbctl -j stats`,
#    health.swap_sum_us) before and after it is that change's time. A check
#    fails through a rule on the backend answering its SYN with a reset
#    (connect refused); removing the rule brings the backend back, the same
#    measure the other way.
# 2. From an xlbctl change to the data plane: from the start of
#    `xlbctl backend add` (bash's clock, just before it is started) to the
#    first datagram reaching the added backend (tcpdump's kernel timestamp on
#    its interface), while the client sends a new UDP flow every
#    1/CP_RATE s (bench/newflows.py), a third of which the new ring gives the
#    new backend; then `backend del` for the next run. Beside it, the time
#    xlbctl took to return.
# The lab of scripts/lab.sh (namespaces xlbt-cpl<pid>-*, three backends with
# the decap program and nginx) is removed on exit, whatever happens; only the
# processes started here are killed.
set -Eeuo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
export BUILD XLB_DECAP=$BUILD/xlb-decap
CP_RUNS=${CP_RUNS:-50}
CP_RATE=${CP_RATE:-10000}
XLBD=$BUILD/xlbd
XLBCTL=$BUILD/xlbctl
TCPDUMP=${TCPDUMP:-/usr/bin/tcpdump}
PYTHON=${PYTHON:-/usr/bin/python3}
P=xlbt-cpl$$
NAME=$P-lb
NBACKENDS=3
VIP=198.18.1.10
HTTP_PORT=80
UDP_PORT=9000
TCP_VIP=$VIP:$HTTP_PORT/tcp
UDP_VIP=$VIP:$UDP_PORT/udp
BE1=198.19.1.1
BE2=198.19.2.1
BE3=198.19.3.1
SRC_FIRST=198.18.0.10 # the new flows' sources: 198.18.0.10-.209
SRC_COUNT=200
CHECK="tcp interval 100ms timeout 90ms rise 2 fall 2"
LIFETIME=600    # seconds: bound on every process started here
START_WAIT=10   # seconds: bound on any start
CHANGE_WAIT=5   # seconds: bound on one health change or one first packet
GAP=0.05        # seconds between a backend del and the next run
SENDER_SLACK=60 # seconds the sender runs past the runs' expected length

die() {
	echo "bench/cp_latency.sh: $*" >&2
	exit 1
}

for b in "$XLB_DECAP" "$XLBD" "$XLBCTL" "$TCPDUMP" "$PYTHON"; do
	[ -x "$b" ] || die "missing $b"
done
command -v jq >/dev/null || die "missing jq"

# shellcheck source=bench/http_backend.sh
. "$ROOT/bench/http_backend.sh"
[ -x "$HTTP_BACKEND_NGINX" ] || die "missing $HTTP_BACKEND_NGINX"

in_ns() {
	local ns=$1
	shift
	nsenter --net="/run/netns/$ns" "$@"
}
lb() { in_ns "$P-lb" "$@"; }
ctl() { "$XLBCTL" -s "$tmp/ctl.sock" "$@"; }

pids=""
cleanup() {
	local pid
	for pid in $pids; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in $pids; do
		wait "$pid" 2>/dev/null || true
	done
	if [ -e "/run/netns/$P-lb" ]; then
		lb "$XLBD" --dev lb-c --name "$NAME" --detach >/dev/null 2>&1 || true
	fi
	rm -f "/run/xlb/$NAME.state" "/run/xlb/$NAME.lock"
	"$ROOT/scripts/lab.sh" down "$P" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
tmp=$(mktemp -d /tmp/xlb-cp-bench.XXXXXX)
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_for SECONDS CMD...: polls CMD every 0.01 s, fails after SECONDS.
wait_for() {
	local secs=$1 i
	shift
	for ((i = 0; i < secs * 100; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.01
	done
	return 1
}

neigh_resolved() { lb ip neigh show "$1" | grep -q lladdr; }

write_conf() {
	cat <<EOF
config set mtu 1540
config set source 198.18.0.240/28
vip add $TCP_VIP mode ipip check $CHECK
backend add vip $TCP_VIP addr $BE1 weight 100
backend add vip $TCP_VIP addr $BE2 weight 100
vip add $UDP_VIP mode ipip
backend add vip $UDP_VIP addr $BE1 weight 100
backend add vip $UDP_VIP addr $BE2 weight 100
EOF
}

lab_up() {
	local i
	"$ROOT/scripts/lab.sh" up "$P" "$NBACKENDS" >/dev/null
	for i in $(seq "$NBACKENDS"); do
		http_backend_start "$P-be$i" "$tmp/nginx$i" "be$i" "$LIFETIME"
		pids="$pids $http_backend_pid"
		# The new flows end here, after the capture point: no port
		# unreachable back to sources nobody holds.
		in_ns "$P-be$i" nft -f - <<EOF
table ip xlbcpl {
	chain in {
		type filter hook input priority 0; policy accept;
		udp dport $UDP_PORT drop
	}
}
EOF
	done
	for i in $(seq "$NBACKENDS"); do
		http_backend_wait "$P-be$i" "$START_WAIT" || die "nginx did not start in be$i"
	done
	write_conf >"$tmp/xlb.conf"
	nsenter --net="/run/netns/$P-lb" timeout "$LIFETIME" "$XLBD" --dev lb-c --name "$NAME" \
		--socket "$tmp/ctl.sock" --http off --config "$tmp/xlb.conf" >"$tmp/xlbd.log" 2>&1 &
	pids="$pids $!"
	wait_for "$START_WAIT" ctl config show || die "xlbd did not start: $(tail -5 "$tmp/xlbd.log")"
	wait_for "$START_WAIT" neigh_resolved "$BE1" || die "no neighbour $BE1"
	wait_for "$START_WAIT" neigh_resolved "$BE2" || die "no neighbour $BE2"
}

# "swaps sum_us" of the health checks.
health_counts() { ctl -j stats | jq -r '"\(.health.swaps) \(.health.swap_sum_us)"'; }

# health_change STATE COUNT: waits until xlbd has logged backend 2's
# change to STATE COUNT times (the log, not a query: a query would hold
# xlbd's loop while a change comes), then reads the counts once (the swap is
# done by then: the change is logged before it, in the same turn of the
# loop); sets swaps and sum.
health_change() {
	local state=$1 count=$2 i
	for ((i = 0; i < CHANGE_WAIT * 100; i++)); do
		if [ "$(grep -c "health: $BE2 port $HTTP_PORT $state" "$tmp/xlbd.log")" -ge "$count" ]; then
			read -r swaps sum < <(health_counts)
			return 0
		fi
		sleep 0.01
	done
	die "no health change to $state within ${CHANGE_WAIT}s"
}

be2_checks() { # refuse|accept
	if [ "$1" = refuse ]; then
		in_ns "$P-be2" nft -f - <<EOF
table ip xlbcpl_refuse {
	chain in {
		type filter hook input priority 0; policy accept;
		tcp dport $HTTP_PORT reject with tcp reset
	}
}
EOF
	else
		in_ns "$P-be2" nft delete table ip xlbcpl_refuse
	fi
}

health_runs() {
	local run s0 sum0
	# both backends up first (rise 2)
	wait_for "$START_WAIT" grep -q "health: $BE1 port $HTTP_PORT up" "$tmp/xlbd.log" ||
		die "$BE1 not up"
	health_change up 1
	for ((run = 1; run <= CP_RUNS; run++)); do
		s0=$swaps sum0=$sum
		be2_checks refuse
		health_change down "$run"
		[ "$swaps" -eq $((s0 + 1)) ] || die "health: $((swaps - s0)) swaps in one change"
		echo "$((sum - sum0))" >>"$tmp/down"
		s0=$swaps sum0=$sum
		be2_checks accept
		health_change up $((run + 1))
		[ "$swaps" -eq $((s0 + 1)) ] || die "health: $((swaps - s0)) swaps in one change"
		echo "$((sum - sum0))" >>"$tmp/up"
	done
}

# One capture on be3 for every run (a start per run would cost more than
# what is measured): the datagrams' kernel timestamps, one a line.
capture_start() {
	nsenter --net="/run/netns/$P-be3" timeout "$((CP_RUNS + SENDER_SLACK))" "$TCPDUMP" -i be-lb \
		-n -l -tt --immediate-mode "udp dst port $UDP_PORT or ip proto 4" \
		>"$tmp/cap.out" 2>"$tmp/cap.err" &
	pids="$pids $!"
	wait_for "$START_WAIT" grep -q "listening on" "$tmp/cap.err" ||
		die "tcpdump did not start: $(cat "$tmp/cap.err")"
}

# first_after T: the time of be3's first datagram after T, once there is one.
first_after() {
	local i t
	for ((i = 0; i < CHANGE_WAIT * 100; i++)); do
		t=$(awk -v t0="$1" '$1 + 0 > t0 + 0 { print $1; exit }' "$tmp/cap.out")
		[ -z "$t" ] || {
			echo "$t"
			return 0
		}
		sleep 0.01
	done
	return 1
}

ctl_runs() {
	local run t0 t1 tp
	capture_start
	nsenter --net="/run/netns/$P-client" timeout "$((CP_RUNS + SENDER_SLACK))" "$PYTHON" \
		"$ROOT/bench/newflows.py" "$VIP" "$UDP_PORT" "$CP_RATE" "$((CP_RUNS + SENDER_SLACK))" \
		"$SRC_FIRST" "$SRC_COUNT" >"$tmp/sender.log" 2>&1 &
	sender_pid=$!
	pids="$pids $sender_pid"
	for ((run = 1; run <= CP_RUNS; run++)); do
		t0=$EPOCHREALTIME
		ctl backend add vip "$UDP_VIP" addr "$BE3" weight 100
		t1=$EPOCHREALTIME
		tp=$(first_after "$t0") || die "no datagram at be3 within ${CHANGE_WAIT}s"
		awk -v a="$t0" -v b="$tp" 'BEGIN { printf "%.0f\n", (b - a) * 1e6 }' >>"$tmp/ctl_first"
		awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f\n", (b - a) * 1e6 }' >>"$tmp/ctl_ret"
		ctl backend del vip "$UDP_VIP" addr "$BE3"
		# what was on its way to be3 arrives before the next run's start
		sleep "$GAP"
	done
	kill "$sender_pid" 2>/dev/null || true
}

# row NAME FILE: p50, p99 (nearest rank), min, max of the µs in FILE, in ms.
row() {
	sort -n "$2" | awk -v n="$1" '
		{ v[NR] = $1 }
		END {
			if (NR == 0) { printf "| %s | 0 | | | | |\n", n; exit }
			i50 = int((50 * NR + 99) / 100); i99 = int((99 * NR + 99) / 100)
			printf "| %s | %d | %.2f | %.2f | %.2f | %.2f |\n", n, NR,
				v[i50] / 1000, v[i99] / 1000, v[1] / 1000, v[NR] / 1000
		}'
}

lab_up
: >"$tmp/down"
: >"$tmp/up"
: >"$tmp/ctl_first"
: >"$tmp/ctl_ret"
health_runs
ctl_runs
echo "| from → to | runs | p50 ms | p99 ms | min ms | max ms |"
echo "|---|---:|---:|---:|---:|---:|"
row "a backend's last failed check → the ring swap without it (xlbd's clock)" "$tmp/down"
row "its last passed check (rise) → the ring swap with it back" "$tmp/up"
row "\`xlbctl backend add\` started → its first new flow at the new backend" "$tmp/ctl_first"
row "\`xlbctl backend add\` started → returned" "$tmp/ctl_ret"
