#!/bin/bash
# End to end through veth: packets per second reaching the backends through
# xlb, against plain kernel forwarding, nftables DNAT and an XDP drop
# ceiling on the lb's interface, in one run. Prints a Markdown table.
#
#   BUILD=build [E2E_PACKETS=N] [E2E_PACKETS_1CPU=N] [E2E_FLOWS=N] [E2E_DEBUG=1] \
#       bench/e2e.sh
#
# The lab (scripts/lab.sh, namespaces xlbt-e2e<pid>-*, two backends with the
# decap program) is removed on exit, whatever happens. The generator
# (bench/livegen, BPF_PROG_TEST_RUN live frames) sends TCP SYNs over
# E2E_FLOWS flows from the client into the lb's lb-c, pinned to CPU 0; each
# case runs twice: "one CPU", lb-c's NAPI in the generator's softirq
# (E2E_PACKETS_1CPU packets), and "two CPUs", lb-c's NAPI threaded (so GRO
# on) and pinned to CPU 1 (E2E_PACKETS packets). Arrivals are counted
# at the same point for xlb and kernel forwarding: an XDP program on each
# backend's ingress that counts and drops (in place of the decap program, so
# that the backends' own stacks, sharing the two CPUs, are not what is
# measured); for the drop ceiling, on the lb's lb-c itself. E2E_DEBUG=1
# prints xlb's counters and lb-c's after the xlb cases.
set -Eeuo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
export BUILD XLB_DECAP=$BUILD/xlb-decap
E2E_PACKETS=${E2E_PACKETS:-50000000}
E2E_PACKETS_1CPU=${E2E_PACKETS_1CPU:-2000000}
E2E_FLOWS=${E2E_FLOWS:-50000}
LIVEGEN=$BUILD/bench/livegen
SMOKE=$BUILD/tests/e2e/xlb-smoke
P=xlbt-e2e$$
VIP=198.18.1.10
PORT=9
CLIENT=198.18.0.1
BE1=198.19.1.1
BE2=198.19.2.1
LB_SRC=198.18.0.240/28
GEN_CPU=0
NAPI_CPU=1
SINK_SECONDS=120
SETTLE=1 # seconds for the last frames to drain through the queues

die() {
	echo "bench/e2e.sh: $*" >&2
	exit 1
}

for b in "$LIVEGEN" "$SMOKE" "$XLB_DECAP"; do
	[ -x "$b" ] || die "missing $b"
done
[ "$(nproc)" -ge 2 ] || die "needs two CPUs (generator and lb apart)"

in_ns() {
	local ns=$1
	shift
	nsenter --net="/run/netns/$ns" "$@"
}

sink_pids=""
cleanup() {
	local pid
	for pid in $sink_pids; do
		kill "$pid" 2>/dev/null || true
	done
	in_ns "$P-lb" "$SMOKE" detach lb-c "$P-lb" >/dev/null 2>&1 || true
	"$ROOT/scripts/lab.sh" down "$P" >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Runs the generator; prints "packets seconds".
send() {
	local mac
	mac=$(in_ns "$P-lb" ip -o link show lb-c | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
	in_ns "$P-client" taskset -c "$GEN_CPU" "$LIVEGEN" send c-lb "$mac" "$CLIENT" "$VIP" \
		"$PORT" "$pkts" "$E2E_FLOWS" | awk '{print $2, $3}'
}

# sinks_start NS:DEV:MODE...: a counting XDP program (MODE drop or pass) on
# each device.
sinks_start() {
	local nd ns dev mode i=0
	sink_pids=""
	for nd in "$@"; do
		i=$((i + 1))
		IFS=: read -r ns dev mode <<<"$nd"
		echo "$mode" >"$tmp/mode$i"
		# Not through in_ns: $! must be the sink itself (nsenter execs
		# it); it ends by itself after SINK_SECONDS at the latest.
		nsenter --net="/run/netns/$ns" "$LIVEGEN" sink "$dev" "$mode" "$SINK_SECONDS" \
			>"$tmp/sink$i" 2>&1 &
		sink_pids="$sink_pids $!"
		for _ in $(seq 50); do
			grep -q attached "$tmp/sink$i" && continue 2
			sleep 0.1
		done
		die "sink on $nd did not attach: $(cat "$tmp/sink$i")"
	done
}

# Stops the sinks; sets got to the packets the dropping ones counted. Not in
# a command substitution: the sinks are this shell's children to wait for.
sinks_stop() {
	local pid i=0 total=0 n
	for pid in $sink_pids; do
		i=$((i + 1))
		kill "$pid"
		wait "$pid" || true
		n=$(awk '$1 == "sink" {print $2}' "$tmp/sink$i")
		[ -n "$n" ] || die "sink $i failed: $(cat "$tmp/sink$i")"
		[ "$(cat "$tmp/mode$i")" != drop ] || total=$((total + n))
	done
	sink_pids=""
	got=$total
}

row() { # name packets seconds arrived ceiling_pps
	awk -v n="$1" -v p="$2" -v s="$3" -v a="$4" -v c="$5" 'BEGIN {
		r = a / s
		printf "| %s | %.2f | %d of %d | %.2f | %s |\n", n, p / s / 1e6, a, p, r / 1e6,
			(c > 0 ? sprintf("%.0f %%", 100 * r / c) : "100 %")
	}'
}

tmp=$(mktemp -d /tmp/xlb-e2e-bench.XXXXXX)
trap 'cleanup; rm -rf "$tmp"' EXIT

"$ROOT/scripts/lab.sh" up "$P" 2 >/dev/null
# Arrivals are counted by an XDP program on each backend's ingress that
# counts and drops: the backends' own stacks (which would run on the lb's
# CPU here) would otherwise be what is measured.
for i in 1 2; do
	in_ns "$P-be$i" "$XLB_DECAP" detach be-lb --name "$P-be$i" >/dev/null
done
BACKENDS="$P-be1:be-lb:drop $P-be2:be-lb:drop"
# GRO on lb-c for every case: a veth offers threaded NAPI only with it.
in_ns "$P-lb" ethtool -K lb-c gro on >/dev/null
# The kernel-forwarding cases route the VIP to backend 1 (xlb's cases do
# not look at routes to the VIP).
in_ns "$P-lb" ip route add "$VIP/32" via "$BE1"

# cases MODE PACKETS: the ceiling, xlb and kernel forwarding.
cases() {
	local mode=$1 ceiling
	pkts=$2

	# The ceiling: an XDP program on lb-c that counts and drops everything.
	sinks_start "$P-lb:lb-c:drop"
	read -r pk secs < <(send)
	sleep "$SETTLE"
	sinks_stop
	ceiling=$(awk -v a="$got" -v s="$secs" 'BEGIN {print a / s}')
	row "$mode: XDP drop (ceiling)" "$pk" "$secs" "$got" 0

	# xlb: ipip to both backends.
	# shellcheck disable=SC2086
	sinks_start $BACKENDS
	in_ns "$P-lb" "$SMOKE" attach lb-c "$P-lb" --mode native --src "$LB_SRC" --vip "$VIP" \
		--backend "$BE1" --backend "$BE2" --port "$PORT" >/dev/null 2>&1
	in_ns "$P-lb" ping -c1 -W1 "$BE1" >/dev/null 2>&1 || true
	in_ns "$P-lb" ping -c1 -W1 "$BE2" >/dev/null 2>&1 || true
	read -r pk secs < <(send)
	sleep "$SETTLE"
	sinks_stop
	row "$mode: xlb (ipip, 2 backends)" "$pk" "$secs" "$got" "$ceiling"
	if [ -n "${E2E_DEBUG:-}" ]; then
		in_ns "$P-lb" "$SMOKE" stats "$P-lb" | grep -v " 0 0$" >&2 || true
		in_ns "$P-lb" ethtool -S lb-c | grep -v ": 0$" >&2 || true
	fi
	in_ns "$P-lb" "$SMOKE" detach lb-c "$P-lb" >/dev/null

	# Kernel forwarding: an XDP_PASS program on lb-c, so the veth takes
	# the generator's frames as it does for xlb.
	# shellcheck disable=SC2086
	sinks_start $BACKENDS "$P-lb:lb-c:pass"
	read -r pk secs < <(send)
	sleep "$SETTLE"
	sinks_stop
	row "$mode: kernel forwarding (route to 1 backend)" "$pk" "$secs" "$got" "$ceiling"

	# nftables DNAT: a jhash of the source over both backends, conntrack
	# keeping each flow's choice; its drops reported beside its rate.
	nat_on
	# shellcheck disable=SC2086
	sinks_start $BACKENDS "$P-lb:lb-c:pass"
	drops=$(ct_drops)
	read -r pk secs < <(send)
	sleep "$SETTLE"
	sinks_stop
	drops=$(($(ct_drops) - drops))
	row "$mode: nftables DNAT (jhash, 2 backends; conntrack drops $drops)" "$pk" "$secs" \
		"$got" "$ceiling"
	nat_off
}

nat_on() {
	in_ns "$P-lb" nft -f - <<EOF
table ip xlbnat {
	chain pre {
		type nat hook prerouting priority -100; policy accept;
		ip daddr $VIP tcp dport $PORT dnat to jhash ip saddr . tcp sport mod 2 map { 0 : $BE1, 1 : $BE2 }
	}
}
EOF
}

nat_off() {
	in_ns "$P-lb" nft delete table ip xlbnat
}

# Conntrack's drops in the lb's namespace, summed over the CPUs (the
# drop, early_drop and insert_failed columns of /proc/net/stat).
ct_drops() {
	local names v i t=0
	{
		read -ra names
		while read -ra v; do
			for i in "${!names[@]}"; do
				case ${names[$i]} in
				drop | early_drop | insert_failed) t=$((t + 16#${v[$i]})) ;;
				esac
			done
		done
	} < <(in_ns "$P-lb" cat /proc/net/stat/nf_conntrack)
	echo "$t"
}

echo "| lb-c runs | generator Mpps | arrived | arrived Mpps | of the ceiling |"
echo "|---|---:|---:|---:|---:|"

# One CPU: the lb's NAPI runs in the generator's softirq on CPU 0, so each
# frame is taken as it is sent: what the two together cost per packet.
cases "one CPU" "$E2E_PACKETS_1CPU"

# Two CPUs (DESIGN §7): lb-c's NAPI threaded and pinned to CPU 1.
ip netns exec "$P-lb" sh -c 'echo 1 > /sys/class/net/lb-c/threaded'
napi=$(ps -eo pid,comm | awk '$2 ~ /^napi\/lb-c/ {print $1}')
[ -n "$napi" ] || die "no NAPI thread for lb-c"
for pid in $napi; do taskset -pc "$NAPI_CPU" "$pid" >/dev/null; done
cases "two CPUs" "$E2E_PACKETS"
