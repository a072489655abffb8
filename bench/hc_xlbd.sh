#!/bin/bash
# hc_xlbd.sh: xlbd itself checking many backends (issue 4), beside
# bench/hc_cost.sh's engine alone. xlbd runs on a veth in a namespace of
# ours with VIPS VIPs of PER backends each, every backend with an HTTP check
# at xlbd's defaults but the interval (2 s, xlbd's default, unless given),
# loaded by one `xlbctl -b` batch; the
# backends are addresses of 198.18.192.0/19 on the namespace's loopback,
# answered by bench/hc_httpd. It waits until every backend is up (or
# UP_SECONDS pass), then over a 10 s window reports: checks/s from xlbd's own
# result counter against the N / interval expected, state changes in the
# window (0 when nothing flaps), backends up at its end, xlbd's and the
# server's CPU time (utime + stime) per second, xlbd's RSS, and the seconds
# from the batch to every backend up. Of WINDOWS windows back to back, the
# row is the one of median xlbd CPU (state changes: all windows' sum), and
# it ends with every window's xlbd CPU beside the host's floor then:
# bench/host_floor, ns of CPU time per system call on xlbd's CPU, read at
# both ends of the window (this VM reports no steal time, and the host's
# load moved every figure here by a quarter from one minute to the next,
# the floor with them). xlbd
# and the server run in autogroups of their own at nice -20, as in
# hc_cost.sh, on CPUs of their own when there are two: left to the
# scheduler, they shared a CPU in some runs and not in others, and xlbd's
# CPU time changed by a quarter with it (waking the server on another CPU is
# an IPI, a paravirtual exit on this VM, paid inside xlbd's system calls).
#
#   BUILD=build bench/hc_xlbd.sh [VIPS [PER [INTERVAL]]]   (default: 1000 5 2)
#
# Prints one Markdown table row.
set -Eeuo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
XLBD=$BUILD/xlbd
XLBCTL=$BUILD/xlbctl
SERVER=$BUILD/bench/hc_httpd
FLOOR=$BUILD/bench/host_floor
VIPS=${1:-1000}
PER=${2:-5}
NS=xlbt-hcx-$$
NAME=$NS
PREFIX=198.18.192.0/19 # the backends: every address of it is local on lo
NET_BASE=$((192 * 256))
LINK4=198.19.0.1/24 # xlbd's device needs an address; nothing is sent on it
VIP_OCTET=100       # VIPs 198.18.100.1 ...
PER_OCTET=250
INTERVAL=${3:-2} # seconds
WINDOW=10
WINDOWS=3
XLBD_CPU=0
SERVER_CPU=1
UP_SECONDS=60
SERVER_SECONDS=200 # bounded; killed once the window is over
WAIT_TRIES=300     # 0.1 s each
FD_LIMIT=16384
NICE=${HC_NICE:--20}
# shellcheck disable=SC2016 # expanded by the bash it starts
AHEAD='echo "$0" >/proc/self/autogroup 2>/dev/null || true; exec nice -n "$0" "$@"'

for tool in "$XLBD" "$XLBCTL" "$SERVER" "$FLOOR"; do
	[ -x "$tool" ] || {
		echo "hc_xlbd.sh: missing $tool" >&2
		exit 1
	}
done
[ $((VIPS * PER)) -le 8000 ] || {
	echo "hc_xlbd.sh: at most 8,000 backends (the /19)" >&2
	exit 1
}

# taskset CPU: runs the rest on CPU, when the machine has a second one
pin=()
pin_to() {
	if [ "$(nproc)" -ge 2 ]; then pin=(taskset -c "$1"); else pin=(); fi
}

tmp=$(mktemp -d /tmp/xlb-hcx.XXXXXX)
sock=$tmp/ctl.sock
xlbd_pid=
srv_pid=
cleanup() {
	local p
	for p in "$xlbd_pid" "$srv_pid"; do
		[ -z "$p" ] || kill "$p" 2>/dev/null || true
	done
	for p in "$xlbd_pid" "$srv_pid"; do
		[ -z "$p" ] || wait "$p" 2>/dev/null || true
	done
	# the only way to remove the program, its pins and its state file
	if [ -e "/run/netns/$NS" ]; then
		nsenter --net="/run/netns/$NS" "$XLBD" --dev hx0 --name "$NAME" --detach \
			>/dev/null 2>&1 || true
	fi
	rm -f "/run/xlb/$NAME.lock" "/run/xlb/$NAME.state"
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "/sys/fs/bpf/xlb/$NAME" "$tmp"
}
trap cleanup EXIT
trap "exit 143" TERM INT

ip netns add "$NS"
ip -n "$NS" link add hx0 type veth peer name hx1
ip -n "$NS" addr add "$LINK4" dev hx0
ip -n "$NS" link set lo up
ip -n "$NS" link set hx1 up
ip -n "$NS" link set hx0 up
ip -n "$NS" addr add "$PREFIX" dev lo
ulimit -n "$FD_LIMIT" 2>/dev/null || ulimit -n "$(ulimit -Hn)"

n=0
for ((i = 0; i < VIPS; i++)); do
	vip="198.18.$((VIP_OCTET + i / PER_OCTET)).$((i % PER_OCTET + 1)):80/tcp"
	echo "vip add $vip mode ipip"
	for ((j = 0; j < PER; j++)); do
		a=$((NET_BASE + 1 + n))
		n=$((n + 1))
		echo "backend add vip $vip addr 198.18.$((a / 256)).$((a % 256)) weight 100" \
			"check http interval ${INTERVAL}s"
	done
done >"$tmp/batch"

pin_to $SERVER_CPU
setsid bash -c "$AHEAD" "$NICE" "${pin[@]}" nsenter --net="/run/netns/$NS" "$SERVER" \
	-d $SERVER_SECONDS 0.0.0.0 80 >"$tmp/srv.out" 2>&1 &
srv_pid=$!
pin_to $XLBD_CPU
setsid bash -c "$AHEAD" "$NICE" "${pin[@]}" nsenter --net="/run/netns/$NS" "$XLBD" --dev hx0 \
	--name "$NAME" --socket "$sock" >"$tmp/xlbd.log" 2>&1 &
xlbd_pid=$!
for ((i = 0; i < WAIT_TRIES; i++)); do
	"$XLBCTL" -s "$sock" config show >/dev/null 2>&1 && break
	sleep 0.1
done
"$XLBCTL" -s "$sock" -b "$tmp/batch"
b0=$(date +%s.%N)

# 0 when xlbd does not answer in time (a busy xlbd did not, before commits
# were batched)
stat_of() {
	local v
	v=$("$XLBCTL" -s "$sock" -j stats 2>/dev/null | jq -r ".health.$1") || v=0
	echo "${v:-0}"
}
ups() {
	local v
	v=$("$XLBCTL" -s "$sock" -j backend show 2>/dev/null |
		jq '[.[].backends[] | select(.health == "up")] | length') || v=0
	echo "${v:-0}"
}
up_after=
deadline=$(($(date +%s) + UP_SECONDS))
while [ "$(date +%s)" -lt $deadline ]; do
	if [ "$(ups)" -eq "$n" ]; then
		up_after=$(awk -v a="$b0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
		break
	fi
	sleep 1
done

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# the host's floor on xlbd's CPU now: ns of CPU time per system call
floor() {
	pin_to $XLBD_CPU
	"${pin[@]}" "$FLOOR"
}
# window: one line "checks/s xlbd-CPU changes server-CPU floor" over WINDOW
# s, the floor the mean of its readings at both ends
window() {
	local r0 h0 t0 s0 c0 r1 h1 t1 s1 c1 f0 f1
	f0=$(floor)
	r0=$(stat_of results)
	h0=$(stat_of changes)
	t0=$(ticks "$xlbd_pid")
	s0=$(ticks "$srv_pid")
	c0=$(date +%s.%N)
	sleep $WINDOW
	r1=$(stat_of results)
	h1=$(stat_of changes)
	t1=$(ticks "$xlbd_pid")
	s1=$(ticks "$srv_pid")
	c1=$(date +%s.%N)
	f1=$(floor)
	awk -v hz="$(getconf CLK_TCK)" -v r0="$r0" -v r1="$r1" -v h0="$h0" -v h1="$h1" \
		-v t0="$t0" -v t1="$t1" -v s0="$s0" -v s1="$s1" -v c0="$c0" -v c1="$c1" \
		-v f0="$f0" -v f1="$f1" 'BEGIN {
		secs = c1 - c0
		printf "%f %f %d %f %f\n", (r1 - r0) / secs, (t1 - t0) / hz / secs, h1 - h0,
			(s1 - s0) / hz / secs, (f0 + f1) / 2
	}'
}
for ((w = 0; w < WINDOWS; w++)); do
	window
done >"$tmp/windows"
rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$xlbd_pid/status")
up=$(ups)

# the windows in the order they ran, after the row's own figures
w=$(awk '{ printf "%s%.3f at %.0f", (NR > 1 ? ", " : ""), $2, $5 }' "$tmp/windows")
sort -g -k2,2 "$tmp/windows" | awk -v n="$n" -v vips="$VIPS" -v per="$PER" -v iv="$INTERVAL" \
	-v rss="$rss" -v up="$up" -v up_after="${up_after:-not within $UP_SECONDS s}" -v w="$w" '
	{ rate[NR] = $1; cpu[NR] = $2; changes += $3; srv[NR] = $4 }
	END {
		m = int((NR + 1) / 2)
		printf "| xlbd, http | %d (%d VIPs x %d) | %d s | %.0f of %.0f | %d | %d of %d | %s | %.3f | %.3f | %.1f | %.3f | %s |\n",
			n, vips, per, iv, rate[m], n / iv, changes, up, n, up_after, cpu[m],
			rate[m] ? cpu[m] / (rate[m] / 1000) : 0, rss / 1024, srv[m], w
	}'
