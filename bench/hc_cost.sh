#!/bin/bash
# hc_cost.sh: the health-check engine's capacity (issue 4). For each case,
# tests/e2e/xlb-hc-probe (xlbd's engine, libxlb's health.c and its checks, on
# a loop of its own) checks N targets, each on an address of its own
# (198.18.192.1 onwards, a /19 on the loopback of a namespace of ours), port
# 80, all answered by bench/hc_httpd (one epoll loop, a fixed 200) in the
# same namespace. Over a window after a warm-up of one interval and a second,
# it reports: checks/s done against the N / interval expected, the share of
# results that were ok, the checks that started late (> 100 ms after due) and
# the worst lateness, the probe's CPU time (utime + stime from /proc/PID/stat)
# per second and per 1,000 checks/s, its RSS, and the server's CPU time.
# The probe counts results and lateness itself and prints them on SIGUSR1,
# sent at both ends of the window the CPU time is read over. Probe and
# server each run in a session of their own whose autogroup gets nice -20
# (HC_NICE), ahead of whatever else keeps a shared machine busy, for the
# minutes of the run: lateness should be the engine's, not the neighbours'.
# (With autogroups, Debian's default, nice alone only orders the processes
# of one session: a probe at nice -20 got a third of a CPU beside other
# sessions' load, fell behind, and collapsed into timeouts.) On a machine of
# two CPUs or more the probe runs on CPU 0 and the server on CPU 1, as
# bench/hc_xlbd.sh pins xlbd and the server: left to the scheduler, the two
# shared a CPU in some runs and not others, and the probe's CPU time moved
# by a quarter with it. Checks use xlbd's defaults but the interval:
# timeout 1s, rise 2, fall 3.
#
#   BUILD=build bench/hc_cost.sh [CASE ...]
#
# A CASE is TYPE:N:INTERVAL (TYPE http or tcp), TYPE:N (interval 2s, the
# default), or N (http, 2s). Default: 1000 2000 5000 tcp:5000 http:5000:1s.
# Prints Markdown table rows.
set -Eeuo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
PROBE=$BUILD/tests/e2e/xlb-hc-probe
SERVER=$BUILD/bench/hc_httpd
NS=xlbt-hc-$$
PREFIX=198.18.192.0/19 # every address of it is local on lo: 8,190 targets
NET_BASE=$((192 * 256)) # 198.18.192.0 as the two low octets
PORT=80
MAX_TARGETS=8000
DEF_INTERVAL=2 # seconds: xlbd's default
WINDOW=10      # seconds measured
SLACK=30       # seconds probe and server may run past the window, at most
WAIT_TRIES=100
FD_LIMIT=16384 # at most the hard limit here
NICE=${HC_NICE:--20}
# Starts a command (exec'd: the same pid) in a session and autogroup of its own.
# shellcheck disable=SC2016 # expanded by the bash it starts
AHEAD='echo "$0" >/proc/self/autogroup 2>/dev/null || true; exec nice -n "$0" "$@"'
CASES=("$@")
[ ${#CASES[@]} -gt 0 ] || CASES=(1000 2000 5000 tcp:5000 http:5000:1s)

for tool in "$PROBE" "$SERVER"; do
	[ -x "$tool" ] || {
		echo "hc_cost.sh: missing $tool" >&2
		exit 1
	}
done

# taskset CPU: runs the rest on CPU, when the machine has a second one
pin=()
pin_to() {
	if [ "$(nproc)" -ge 2 ]; then pin=(taskset -c "$1"); else pin=(); fi
}

tmp=$(mktemp -d /tmp/xlb-hc.XXXXXX)
srv_pid=
probe_pid=
stop_all() {
	[ -z "$probe_pid" ] || kill "$probe_pid" 2>/dev/null || true
	[ -z "$srv_pid" ] || kill "$srv_pid" 2>/dev/null || true
	[ -z "$probe_pid" ] || wait "$probe_pid" 2>/dev/null || true
	[ -z "$srv_pid" ] || wait "$srv_pid" 2>/dev/null || true
	probe_pid=
	srv_pid=
}
cleanup() {
	stop_all
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap "exit 143" TERM INT

ip netns add "$NS"
ip -n "$NS" link set lo up
ip -n "$NS" addr add "$PREFIX" dev lo
ulimit -n "$FD_LIMIT" 2>/dev/null || ulimit -n "$(ulimit -Hn)"

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# The probe's "stats" line: the value after word $1, of the $2-th such line.
stat_of() { awk -v k="$1" -v nth="$2" '$1 == "stats" && ++n == nth {
	for (i = 2; i < NF; i++) if ($i == k) print $(i + 1) }' "$tmp/probe.out"; }

# Waits until the probe has printed n stats lines.
wait_stats() {
	local i
	for ((i = 0; i < WAIT_TRIES; i++)); do
		[ "$(grep -c '^stats' "$tmp/probe.out")" -ge "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

run_case() {
	local type=$1 n=$2 interval=$3 warmup total i a args t0 t1 s0 s1 c0 c1 rss
	warmup=$((interval + 1))
	total=$((warmup + WINDOW + SLACK))
	args=() # no subshell per target: thousands of forks take minutes here
	for ((i = 0; i < n; i++)); do
		a=$((NET_BASE + 1 + i))
		args+=(target "198.18.$((a / 256)).$((a % 256))" "$PORT" name "t$i"
			check "$type" interval "${interval}s")
	done
	: >"$tmp/srv.out"
	pin_to 1
	setsid bash -c "$AHEAD" "$NICE" "${pin[@]}" nsenter --net="/run/netns/$NS" "$SERVER" \
		-d $((total + SLACK)) 0.0.0.0 $PORT >"$tmp/srv.out" 2>&1 &
	srv_pid=$!
	for ((i = 0; i < WAIT_TRIES; i++)); do
		grep -q listening "$tmp/srv.out" && break
		sleep 0.05
	done
	grep -q listening "$tmp/srv.out" || {
		echo "| $type | $n | ${interval} s | server did not start | | | | | | |"
		stop_all
		return
	}
	: >"$tmp/probe.out"
	pin_to 0
	setsid bash -c "$AHEAD" "$NICE" "${pin[@]}" nsenter --net="/run/netns/$NS" "$PROBE" -d "${total}s" "${args[@]}" \
		>"$tmp/probe.out" 2>"$tmp/probe.err" &
	probe_pid=$!
	for ((i = 0; i < WAIT_TRIES; i++)); do
		[ -s "$tmp/probe.out" ] && break # its first results: signals are handled
		sleep 0.05
	done
	sleep $warmup
	kill -USR1 "$probe_pid"
	t0=$(cpu_ticks "$probe_pid")
	s0=$(cpu_ticks "$srv_pid")
	c0=$(date +%s.%N)
	sleep $WINDOW
	kill -USR1 "$probe_pid"
	t1=$(cpu_ticks "$probe_pid")
	s1=$(cpu_ticks "$srv_pid")
	c1=$(date +%s.%N)
	rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$probe_pid/status")
	wait_stats 2 || true
	kill -TERM "$probe_pid" # it prints its final lines
	wait "$probe_pid" || true
	probe_pid=
	kill "$srv_pid" 2>/dev/null || true
	wait "$srv_pid" 2>/dev/null || true
	srv_pid=
	[ -z "${HC_KEEP:-}" ] || cp "$tmp/probe.out" "$HC_KEEP.$type.$n.$interval"
	[ "$(grep -c '^stats' "$tmp/probe.out")" -ge 2 ] || {
		echo "| $type | $n | ${interval} s | probe failed: $(head -c 200 "$tmp/probe.err") | | | | | | |"
		return
	}
	awk -v type="$type" -v n="$n" -v iv="$interval" -v hz="$(getconf CLK_TCK)" \
		-v t0="$t0" -v t1="$t1" -v s0="$s0" -v s1="$s1" -v c0="$c0" -v c1="$c1" \
		-v r0="$(stat_of results 1)" -v r1="$(stat_of results 2)" \
		-v o0="$(stat_of ok 1)" -v o1="$(stat_of ok 2)" \
		-v l0="$(stat_of late 1)" -v l1="$(stat_of late 2)" \
		-v lmax="$(stat_of late_max_ms 2)" -v rss="$rss" \
		-v e0="$(awk '$1 == "stats" { print $2; exit }' "$tmp/probe.out")" \
		-v e1="$(awk '$1 == "stats" { t = $2 } END { print t }' "$tmp/probe.out")" \
		-v up="$(awk '$1 == "final" && $3 == "up" { u++ } END { print u + 0 }' "$tmp/probe.out")" 'BEGIN {
		secs = c1 - c0
		cpu = (t1 - t0) / hz / secs
		srv = (s1 - s0) / hz / secs
		rate = (r1 - r0) / (e1 - e0) # by the probe clock: the shell may be late
		ok = r1 > r0 ? 100 * (o1 - o0) / (r1 - r0) : 0
		printf "| %s | %d | %d s | %.0f of %.0f | %.2f %% | %d (max %.0f ms) | %d of %d | %.3f | %.3f | %.1f | %.3f |\n",
			type, n, iv, rate, n / iv, ok, l1 - l0, lmax, up, n, cpu,
			rate ? cpu / (rate / 1000) : 0, rss / 1024, srv
	}'
}

for c in "${CASES[@]}"; do
	IFS=: read -r a b d <<<"$c"
	if [ -z "$b" ]; then
		type=http n=$a interval=$DEF_INTERVAL
	else
		type=$a n=$b interval=${d:-$DEF_INTERVAL}
	fi
	interval=${interval%s}
	case $type in http | tcp) ;; *)
		echo "hc_cost.sh: bad case $c (TYPE is http or tcp)" >&2
		exit 1
		;;
	esac
	[[ $n =~ ^[0-9]+$ && $n -ge 1 && $n -le $MAX_TARGETS && $interval =~ ^[0-9]+$ &&
		$interval -ge 1 ]] || {
		echo "hc_cost.sh: bad case $c (N up to $MAX_TARGETS, whole seconds)" >&2
		exit 1
	}
	run_case "$type" "$n" "$interval"
done
