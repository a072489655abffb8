#!/bin/bash
# `make bench`: runs every benchmark once, prints the results and writes them
# into BENCHMARKS.md between its "bench:begin" and "bench:end" markers (the
# rest of that file is prose kept by hand). Never part of `make test`.
#
#   BUILD=build bench/run.sh
#
# Settings (environment):
#   BENCH_PACKETS  repetitions per run of each XDP path   [1000000]
#   BENCH_RUNS     runs per path (the median is reported) [5]
#   BENCH_OUT      the file written                       [BENCHMARKS.md]
#   BENCH_TIMEOUT  seconds xdp_cost may take               [300]
#   E2E_PACKETS    packets of each end-to-end case         [50000000]
#   HC_TARGETS     health-check cases (bench/hc_cost.sh)  [1000 2000 5000 tcp:5000 http:5000:1s]
#   CP_RUNS        runs of each control-plane latency     [50]
#   TCP_ROUNDS     rounds of the wrk cases (median shown) [3]
# (the end-to-end run gets E2E_TIMEOUT, the wrk comparison TCP_TIMEOUT, the
# control-plane latencies CP_TIMEOUT, the control-plane and memory tools
# SHORT_TIMEOUT each), so the whole stays under 10 minutes once built.
# The XDP measurements run in a network namespace the tool makes for itself
# (unshare), which goes away with it: nothing is left behind.
set -Eeuo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
BENCH_PACKETS=${BENCH_PACKETS:-1000000}
BENCH_RUNS=${BENCH_RUNS:-5}
BENCH_OUT=${BENCH_OUT:-$ROOT/BENCHMARKS.md}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-300}
SHORT_TIMEOUT=60
E2E_TIMEOUT=120
TCP_TIMEOUT=200
CP_TIMEOUT=150
CP_RUNS=${CP_RUNS:-50}
TCP_ROUNDS=${TCP_ROUNDS:-3}
HC_TIMEOUT=180
HC_XLBD_TIMEOUT=150
METRICS_TIMEOUT=180
HC_TARGETS=${HC_TARGETS:-1000 2000 5000 tcp:5000 http:5000:1s}
E2E_PACKETS=${E2E_PACKETS:-50000000}
BEGIN='<!-- bench:begin -->'
END='<!-- bench:end -->'

die() {
	echo "bench/run.sh: $*" >&2
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "run as root (BPF_PROG_TEST_RUN, network namespaces)"
for t in bench/xdp_cost bench/maglev_cost bench/map_memory bench/livegen bench/percpu_read \
	bench/hc_httpd tests/e2e/xlb-smoke tests/e2e/xlb-hc-probe xlb-decap xlbd xlbctl; do
	[ -x "$BUILD/$t" ] || die "missing $BUILD/$t (make bench builds it)"
done

tmp=$(mktemp -d /tmp/xlb-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

machine() {
	local cpu
	cpu=$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1)
	echo "Machine: ${cpu:-unknown CPU}, $(nproc) CPUs, kernel $(uname -r)," \
		"load average at start $(cut -d' ' -f1-3 /proc/loadavg)."
	echo "Build: $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)," \
		"$(date -u +%Y-%m-%d) UTC."
}

start=$(date +%s)
{
	echo "$BEGIN"
	echo
	machine
	echo
	echo "### Per-packet cost of the XDP program"
	echo
	echo "BPF_PROG_TEST_RUN through the restoring wrapper, the kernel's own \`duration\`;" \
		"median of $BENCH_RUNS runs of $BENCH_PACKETS packets, the paths' runs interleaved;" \
		"ratios: median of each run over a floor run just before it." \
		"Every run checked through xlb's verdict counters (all packets on the path shown)."
	echo
	timeout "$BENCH_TIMEOUT" "$BUILD/bench/xdp_cost" -n "$BENCH_PACKETS" -r "$BENCH_RUNS" ||
		echo "(xdp_cost failed: exit $?)"
	echo
	echo "### Control plane"
	echo
	echo "CPU time of the building thread (CLOCK_THREAD_CPUTIME_ID), median of 21."
	echo
	timeout "$SHORT_TIMEOUT" "$BUILD/bench/maglev_cost" || echo "(maglev_cost failed: exit $?)"
	echo
	echo "bench/cp_latency.sh, $CP_RUNS runs each, wall clock (p99: nearest rank):" \
		"from the check result that took a backend down (tcp check, interval 100 ms," \
		"fall 2, rise 2) to its ring swap, by xlbd's clock, one sample per change;" \
		"from the start of \`xlbctl backend add\` to the first new flow (one every" \
		"0.1 ms, a third for the new backend) at the added backend, by tcpdump's" \
		"timestamp there."
	echo
	BUILD=$BUILD CP_RUNS=$CP_RUNS timeout "$CP_TIMEOUT" "$ROOT/bench/cp_latency.sh" ||
		echo "(cp_latency.sh failed: exit $?)"
	echo
	echo "### Health checking"
	echo
	echo "bench/hc_cost.sh: xlb-hc-probe (xlbd's engine) checks N targets, each on an" \
		"address of its own, answered by bench/hc_httpd (one epoll loop, same namespace;" \
		"the probe on CPU 0, the server on CPU 1);" \
		"over 10 s after a warm-up of one interval + 1 s: checks/s done (of N / interval)," \
		"ok results, checks started > 100 ms after due (worst), CPU = utime + stime."
	echo
	echo "| check | targets | interval | checks/s (of expected) | ok | late (worst) | up at the end |" \
		"engine CPU s/s | CPU s/s per 1,000 checks/s | engine RSS MiB | server CPU s/s |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	BUILD=$BUILD timeout "$HC_TIMEOUT" "$ROOT/bench/hc_cost.sh" $HC_TARGETS ||
		echo "(hc_cost.sh failed: exit $?)"
	echo
	echo "bench/hc_xlbd.sh: xlbd itself, its backends' HTTP checks at 2 s (xlbd's default) and" \
		"1 s against bench/hc_httpd (xlbd on CPU 0, the server on CPU 1); checks/s from its" \
		"result counter once every backend is up, over three windows of 10 s: the window of" \
		"median xlbd CPU; then each window's xlbd CPU, in the order they ran, at the host's" \
		"floor then (bench/host_floor: ns of CPU time per system call on xlbd's CPU, read at" \
		"both ends of the window; ~1000 on a quiet host here, a quarter more on a busy one)."
	echo
	echo "| checker | backends | interval | checks/s (of expected) | changes in the windows |" \
		"up at the end | all up after (s) | xlbd CPU s/s | CPU s/s per 1,000 checks/s |" \
		"xlbd RSS MiB | server CPU s/s | xlbd CPU s/s at floor ns, each window |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
	for iv in 2 1; do
		BUILD=$BUILD timeout "$HC_XLBD_TIMEOUT" "$ROOT/bench/hc_xlbd.sh" 1000 5 "$iv" ||
			echo "(hc_xlbd.sh failed: exit $?)"
	done
	echo
	echo "### /metrics scrape"
	echo
	echo "bench/metrics_scrape.sh: xlbd with 1,000 VIPs x 10 backends (one \`xlbctl -b\` batch)," \
		"20 scrapes by curl from its namespace; xlbd's CPU time (utime + stime) per scrape;" \
		"then the counters read per object against whole arrays (bench/percpu_read)."
	echo
	echo "| config | median ms | max ms | min ms | xlbd CPU ms/scrape | MiB | lines | promtool | batch s | load |"
	echo "|---|---:|---:|---:|---:|---:|---:|---|---:|---:|"
	BUILD=$BUILD timeout "$METRICS_TIMEOUT" "$ROOT/bench/metrics_scrape.sh" ||
		echo "(metrics_scrape.sh failed: exit $?)"
	echo
	echo "### End to end through veth"
	echo
	echo "bench/e2e.sh: a live-frames generator (bench/livegen) on CPU 0 sends TCP SYNs" \
		"over 50,000 flows into the lb's veth; \"one CPU\": the lb's NAPI runs in the" \
		"generator's softirq (2M packets a case), \"two CPUs\": threaded, pinned to CPU 1" \
		"($E2E_PACKETS packets a case). Arrivals counted by an XDP counter on the" \
		"backends' ingress (on the lb's own interface for the drop ceiling), over the" \
		"generator's time."
	echo
	BUILD=$BUILD E2E_PACKETS=$E2E_PACKETS timeout "$E2E_TIMEOUT" "$ROOT/bench/e2e.sh" ||
		echo "(e2e.sh failed: exit $?)"
	echo
	echo "### TCP through the VIP"
	echo
	echo "bench/tcp_compare.sh: wrk --latency from the client to nginx on two backends" \
		"(one for the direct floor), 3 s a run after a 1 s warm-up, the cases" \
		"interleaved over $TCP_ROUNDS rounds (medians shown; × direct: median of each" \
		"round's ratio to its own direct run); wrk, nginx, the lb and the kernel share" \
		"the 2 CPUs."
	echo
	BUILD=$BUILD TCP_ROUNDS=$TCP_ROUNDS timeout "$TCP_TIMEOUT" "$ROOT/bench/tcp_compare.sh" ||
		echo "(tcp_compare.sh failed: exit $?)"
	echo
	echo "### Memory of the maps"
	echo
	echo 'As the kernel accounts it (fdinfo `memlock`), at the default sizes;' \
		'maps without preallocation (VIP addresses, ACL tries) grow with their entries.'
	echo
	timeout "$SHORT_TIMEOUT" "$BUILD/bench/map_memory" || echo "(map_memory failed: exit $?)"
	echo
	echo "$END"
} >"$tmp/block"

cat "$tmp/block"
if [ -f "$BENCH_OUT" ] && grep -qF "$BEGIN" "$BENCH_OUT" && grep -qF "$END" "$BENCH_OUT"; then
	# Replace the old block, keep the prose around it.
	awk -v b="$BEGIN" -v e="$END" -v f="$tmp/block" '
		$0 == b { while ((getline l < f) > 0) print l; skip = 1; next }
		$0 == e { skip = 0; next }
		!skip' "$BENCH_OUT" >"$tmp/out"
	cp "$tmp/out" "$BENCH_OUT"
else
	cat "$tmp/block" >>"$BENCH_OUT"
fi
echo
echo "bench/run.sh: wrote $BENCH_OUT in $(($(date +%s) - start)) s"
