#!/bin/bash
# hc_cost.sh: the health-check engine's cost against many HTTP backends
# (issue 4): tests/e2e/xlb-hc-probe checks N targets every second, and we
# report its CPU time (utime + stime from /proc/PID/stat over a window after
# a warm-up) per 1,000 checks/s, and its RSS. The backends are one asyncio
# server listening on N ports of one address, in a namespace of our own
# (the probe runs there too); it goes away on exit.
#
#   BUILD=build bench/hc_cost.sh [N ...]      (default: 500 1000)
#
# Prints Markdown table rows.
set -Eeuo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
PROBE=$BUILD/tests/e2e/xlb-hc-probe
NS=xlbt-hc-$$
ADDR=198.18.200.1
PORT_BASE=20000
WARMUP=5  # seconds before the window: every target checked once or more
WINDOW=10 # seconds measured
SLACK=5   # seconds the probe runs past the window
WAIT_TRIES=100
FD_LIMIT=16384 # at most the hard limit here; 1,000 targets need ~2,000
TIMING="interval 1s timeout 900ms rise 1 fall 1"
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(500 1000)

[ -x "$PROBE" ] || {
	echo "hc_cost.sh: missing $PROBE" >&2
	exit 1
}

tmp=$(mktemp -d /tmp/xlb-hc.XXXXXX)
srv_pid=
probe_pid=
cleanup() {
	[ -z "$probe_pid" ] || kill "$probe_pid" 2>/dev/null || true
	[ -z "$srv_pid" ] || kill "$srv_pid" 2>/dev/null || true
	wait 2>/dev/null || true
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap "exit 143" TERM INT

cat >"$tmp/srv.py" <<'EOF'
import asyncio, sys
addr, base, n, secs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
RESP = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
async def serve(r, w):
    try:
        await asyncio.wait_for(r.readuntil(b"\r\n\r\n"), 5)
        w.write(RESP)
        await w.drain()
    except Exception:
        pass
    w.close()
async def main():
    for p in range(base, base + n):
        await asyncio.start_server(serve, addr, p, backlog=64)
    print("listening", flush=True)
    await asyncio.sleep(secs)
asyncio.run(main())
EOF

ip netns add "$NS"
ip -n "$NS" link set lo up
ip -n "$NS" addr add "$ADDR/32" dev lo
ulimit -n "$FD_LIMIT" 2>/dev/null || ulimit -n "$(ulimit -Hn)"

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

for n in "${SIZES[@]}"; do
	total=$((WARMUP + WINDOW + SLACK))
	nsenter --net="/run/netns/$NS" python3 "$tmp/srv.py" $ADDR $PORT_BASE "$n" \
		$((total + SLACK)) >"$tmp/srv.out" 2>&1 &
	srv_pid=$!
	for ((i = 0; i < WAIT_TRIES; i++)); do
		grep -q listening "$tmp/srv.out" && break
		sleep 0.1
	done
	grep -q listening "$tmp/srv.out" || {
		echo "| $n | server did not start | | | | |"
		kill "$srv_pid"
		wait "$srv_pid" || true
		srv_pid=
		continue
	}
	args=()
	for ((i = 0; i < n; i++)); do
		args+=(target $ADDR $((PORT_BASE + i)) name "t$i" check http $TIMING)
	done
	nsenter --net="/run/netns/$NS" "$PROBE" -d "${total}s" "${args[@]}" \
		>"$tmp/probe.out" 2>"$tmp/probe.err" &
	probe_pid=$!
	sleep $WARMUP
	t0=$(cpu_ticks "$probe_pid")
	c0=$(date +%s.%N)
	sleep $WINDOW
	t1=$(cpu_ticks "$probe_pid")
	c1=$(date +%s.%N)
	rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$probe_pid/status")
	wait "$probe_pid" || true
	[ -z "${HC_KEEP:-}" ] || cp "$tmp/probe.out" "$HC_KEEP.$n"
	probe_pid=
	kill "$srv_pid" 2>/dev/null || true
	wait "$srv_pid" 2>/dev/null || true
	srv_pid=
	# final NAME STATE CHECKS ...: checks over the whole run, and how many up
	checks=$(awk '$1 == "final" { s += $4 } END { print s + 0 }' "$tmp/probe.out")
	up=$(awk '$1 == "final" && $3 == "up" { u++ } END { print u + 0 }' "$tmp/probe.out")
	awk -v n="$n" -v t0="$t0" -v t1="$t1" -v c0="$c0" -v c1="$c1" -v hz="$(getconf CLK_TCK)" \
		-v checks="$checks" -v total="$total" -v up="$up" -v rss="$rss" 'BEGIN {
		cpu = (t1 - t0) / hz / (c1 - c0)   # CPU s per s
		rate = checks / total               # checks per s over the run
		printf "| %d | %.0f | %d of %d | %.3f | %.3f | %.1f |\n", n, rate, up, n, cpu,
			rate ? cpu / (rate / 1000) : 0, rss / 1024
	}'
done
