#!/bin/bash
# metrics_scrape.sh: what a /metrics scrape costs at the size issue 6 names
# (1,000 VIPs x 10 backends, under 100 ms). xlbd runs on a veth in a
# namespace of ours with that config, loaded by one `xlbctl -b` batch (ten
# backend addresses on the link, shared by every VIP: ten neighbours);
# SCRAPES scrapes with curl from the same namespace, each timed by curl
# (time_total); the body's size and lines; `promtool check metrics` on one
# of them; and bench/percpu_read on the same maps: the counters read one
# object at a time against whole arrays.
#
#   BUILD=build bench/metrics_scrape.sh [VIPS [BACKENDS_PER_VIP]]
#
# SCRAPE_NICE (default 0) runs xlbd and curl at that nice value: -10 shows
# the scrape as on a host with nothing else to run.
#
# Prints Markdown table rows: the scrape (size, curl's time_total median,
# max and min in ms, xlbd's CPU ms per scrape, body MiB and lines,
# promtool's verdict, seconds the batch took to apply, the 1-minute load
# average), then a table of the read costs (way, syscalls, median ms).
set -Eeuo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
XLBD=$BUILD/xlbd
XLBCTL=$BUILD/xlbctl
READ=$BUILD/bench/percpu_read
VIPS=${1:-1000}
PER_VIP=${2:-10}
SCRAPES=20
NS=xlbt-msb-$$
NAME=$NS
PORT=19469
URL=http://127.0.0.1:$PORT/metrics
LINK4=198.19.0.1/24 # the backends' link
BE_BASE=11          # backends 198.19.0.11 ...
VIP_OCTET=100       # VIPs 198.18.100.1 ...
PER_OCTET=250       # VIPs per third octet
WAIT_TRIES=300      # 0.1 s each: the batch builds 1,000 rings
CURL_SECONDS=5
NICE=${SCRAPE_NICE:-0}

for tool in "$XLBD" "$XLBCTL" "$READ"; do
	[ -x "$tool" ] || {
		echo "metrics_scrape.sh: missing $tool" >&2
		exit 1
	}
done

tmp=$(mktemp -d /tmp/xlb-msb.XXXXXX)
sock=$tmp/ctl.sock
xlbd_pid=
cleanup() {
	if [ -n "$xlbd_pid" ]; then
		kill "$xlbd_pid" 2>/dev/null || true
		wait "$xlbd_pid" 2>/dev/null || true
	fi
	# the only way to remove the program, its pins and its state file
	if [ -e "/run/netns/$NS" ]; then
		nsenter --net="/run/netns/$NS" "$XLBD" --dev ms0 --name "$NAME" --detach \
			>/dev/null 2>&1 || true
	fi
	rm -f "/run/xlb/$NAME.lock" "/run/xlb/$NAME.state"
	ip netns del "$NS" 2>/dev/null || true
	# pins an xlbd left that could not be detached: the device went with
	# the namespace, so nothing uses them
	rm -rf "/sys/fs/bpf/xlb/$NAME"
	rm -rf "$tmp"
}
trap cleanup EXIT

in_ns() { nsenter --net="/run/netns/$NS" "$@"; }

ip netns add "$NS"
ip -n "$NS" link add ms0 type veth peer name ms1
ip -n "$NS" addr add "$LINK4" dev ms0
ip -n "$NS" link set lo up
ip -n "$NS" link set ms1 up
ip -n "$NS" link set ms0 up

{
	for ((i = 0; i < VIPS; i++)); do
		vip="198.18.$((VIP_OCTET + i / PER_OCTET)).$((i % PER_OCTET + 1)):80/tcp"
		echo "vip add $vip mode ipip"
		for ((j = 0; j < PER_VIP; j++)); do
			echo "backend add vip $vip addr 198.19.0.$((BE_BASE + j)) weight 100"
		done
	done
} >"$tmp/batch"

# nsenter execs xlbd in place: $! is xlbd itself
nsenter --net="/run/netns/$NS" nice -n "$NICE" "$XLBD" --dev ms0 --name "$NAME" --socket "$sock" \
	--http "127.0.0.1:$PORT" >"$tmp/xlbd.log" 2>&1 &
xlbd_pid=$!
for ((i = 0; i < WAIT_TRIES; i++)); do
	"$XLBCTL" -s "$sock" config show >/dev/null 2>&1 && break
	sleep 0.1
done
t0=$(date +%s.%N)
"$XLBCTL" -s "$sock" -b "$tmp/batch"
t1=$(date +%s.%N)


# xlbd's CPU time (utime + stime, clock ticks) around the scrapes
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$xlbd_pid/stat"; }
in_ns curl -sS -m "$CURL_SECONDS" -o /dev/null "$URL" # the first allocates
c0=$(cpu_ticks)
for ((i = 0; i < SCRAPES; i++)); do
	in_ns nice -n "$NICE" curl -sS -m "$CURL_SECONDS" -o "$tmp/body" -w '%{time_total}\n' "$URL"
done >"$tmp/times"
c1=$(cpu_ticks)
cpu_ms=$(awk -v c="$((c1 - c0))" -v hz="$(getconf CLK_TCK)" -v n="$SCRAPES" \
	'BEGIN { printf "%.0f", c * 1000 / hz / n }')
bytes=$(stat -c %s "$tmp/body")
lines=$(wc -l <"$tmp/body")
if out=$(promtool check metrics <"$tmp/body" 2>&1) && [ -z "$out" ]; then
	check="clean"
else
	check="$(head -c 80 <<<"$out")"
fi
sort -n "$tmp/times" | awk -v v="$VIPS" -v b="$PER_VIP" -v bytes="$bytes" -v lines="$lines" \
	-v check="$check" -v cpu="$cpu_ms" -v avg="$(cut -d' ' -f1 /proc/loadavg)" -v load="$(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }")" '
	{ t[NR] = $1 * 1000 }
	END {
		printf "| %d x %d | %.1f | %.1f | %.1f | %s | %.2f | %d | %s | %s | %s |\n", v, b,
			t[int((NR + 1) / 2)], t[NR], t[1], cpu, bytes / 1048576, lines, check, load, avg
	}'
echo
echo "| counters of $VIPS VIPs and $((VIPS * PER_VIP)) backends read | syscalls | median ms |"
echo "|---|---:|---:|"
"$READ" "/sys/fs/bpf/xlb/$NAME/abi$(awk '/define XLB_ABI_VERSION/ { print $3 }' \
	"$ROOT/include/xlb/abi.h")" "$VIPS" "$((VIPS * PER_VIP))"
