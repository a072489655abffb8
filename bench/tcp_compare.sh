#!/bin/bash
# TCP through the VIP: requests/s and latency (wrk --latency) against real
# HTTP backends (nginx), through xlb, nftables DNAT and HAProxy (mode tcp),
# beside a floor: the client talking to one backend directly through the
# lb's plain routing. Prints a Markdown table.
#
#   BUILD=build [TCP_SECONDS=3] [TCP_WARMUP=1] [TCP_ROUNDS=3] [TCP_CONNS=64] \
#       [TCP_THREADS=2] [TCP_DEBUG=1] bench/tcp_compare.sh
#
# The lab of scripts/lab.sh (namespaces xlbt-tcp<pid>-*, two backends with
# the decap program, each running nginx) is removed on exit, whatever
# happens; only the processes started here are killed. Every case has the
# same two backends (the floor: one), wrk's connections and threads, and
# runs in two modes: HTTP keep-alive (one connection carries many requests:
# the established path) and "Connection: close" (a new connection per
# request: the new-flow path). The cases are interleaved over TCP_ROUNDS
# rounds (the load of a shared machine changes within seconds); the table
# gives medians and each case's ratio to the floor run of its own round.
# wrk, nginx, the lb and the kernel share the machine's CPUs; nothing is
# pinned. Each run (TCP_SECONDS) is preceded by a warm-up (TCP_WARMUP), not
# counted. About 2.5 minutes at the defaults. Return paths:
#   direct   client -> lb routing -> backend 1 (its second port: nftables
#            DNAT's connections reach its port 80 with the same addresses);
#            replies routed back by the lb
#   xlb      client -> xlbd's XDP (ipip) -> decap on the backend -> nginx on
#            the VIP; replies from the VIP straight back through the lb's
#            kernel routing (direct server return, no conntrack)
#   nft      client -> DNAT to a backend (jhash of source address and port,
#            conntrack) in the lb's prerouting; replies routed to the lb,
#            which un-NATs them (conntrack)
#   haproxy  the client's connection ends in HAProxy on the lb; HAProxy
#            opens its own to a backend from the lb's address on that link,
#            and the backend answers it on-link
set -Eeuo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
export BUILD XLB_DECAP=$BUILD/xlb-decap
TCP_SECONDS=${TCP_SECONDS:-3}
TCP_WARMUP=${TCP_WARMUP:-1}
TCP_ROUNDS=${TCP_ROUNDS:-3}
TCP_CONNS=${TCP_CONNS:-64}
TCP_THREADS=${TCP_THREADS:-2}
XLBD=$BUILD/xlbd
XLBCTL=$BUILD/xlbctl
WRK=${WRK:-/usr/bin/wrk}
HAPROXY=${HAPROXY:-/usr/sbin/haproxy}
P=xlbt-tcp$$
NAME=$P-lb
NBACKENDS=2
VIP_XLB=198.18.1.10 # the lab's VIP, on the backends' loopbacks
VIP_NFT=198.18.1.20 # DNAT'ed by the lb
VIP_HAP=198.18.1.30 # on the lb's loopback, HAProxy's frontend
BE_NET=198.19.0.0/16
LB4=198.18.0.254
BE1=198.19.1.1
BE2=198.19.2.1
PORT=80
LIFETIME=600     # seconds: bound on every server started here
START_WAIT=10    # seconds: bound on any start
WRK_SLACK=15     # seconds wrk may take past its -d
PORTS="1024 65535" # ephemeral ports of the client and the lb: new connections
FLOOR="direct to one backend (floor)"
HAP_MAXCONN=4096 # far above TCP_CONNS; its fds fit the default limit

die() {
	echo "bench/tcp_compare.sh: $*" >&2
	exit 1
}

for b in "$XLB_DECAP" "$XLBD" "$XLBCTL" "$WRK" "$HAPROXY"; do
	[ -x "$b" ] || die "missing $b"
done

# shellcheck source=bench/http_backend.sh
. "$ROOT/bench/http_backend.sh"
[ -x "$HTTP_BACKEND_NGINX" ] || die "missing $HTTP_BACKEND_NGINX"

in_ns() {
	local ns=$1
	shift
	nsenter --net="/run/netns/$ns" "$@"
}
lb() { in_ns "$P-lb" "$@"; }
client() { in_ns "$P-client" "$@"; }
ctl() { "$XLBCTL" -s "$tmp/ctl.sock" "$@"; }

pids=""
xlbd_pid=""
hap_pid=""
cleanup() {
	local pid
	for pid in $hap_pid $xlbd_pid $pids; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in $hap_pid $xlbd_pid $pids; do
		wait "$pid" 2>/dev/null || true
	done
	if [ -e "/run/netns/$P-lb" ]; then
		lb "$XLBD" --dev lb-c --name "$NAME" --detach >/dev/null 2>&1 || true
	fi
	rm -f "/run/xlb/$NAME.state" "/run/xlb/$NAME.lock"
	"$ROOT/scripts/lab.sh" down "$P" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
tmp=$(mktemp -d /tmp/xlb-tcp-bench.XXXXXX)
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_for SECONDS CMD...: polls CMD every 0.1 s, fails after SECONDS.
wait_for() {
	local secs=$1 i
	shift
	for ((i = 0; i < secs * 10; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

neigh_resolved() { lb ip neigh show "$1" | grep -q lladdr; }

lab_up() {
	local i
	"$ROOT/scripts/lab.sh" up "$P" "$NBACKENDS" >/dev/null
	for i in $(seq "$NBACKENDS"); do
		http_backend_start "$P-be$i" "$tmp/nginx$i" "be$i" "$LIFETIME"
		pids="$pids $http_backend_pid"
	done
	for i in $(seq "$NBACKENDS"); do
		http_backend_wait "$P-be$i" "$START_WAIT" ||
			die "nginx did not start: $(cat "$tmp/nginx$i/out.log" "$tmp/nginx$i/error.log" 2>/dev/null)"
	done
	client ip route add "$BE_NET" via "$LB4"
	client sysctl -q -w net.ipv4.ip_local_port_range="$PORTS"
	lb sysctl -q -w net.ipv4.ip_local_port_range="$PORTS"
	lb ip addr add "$VIP_HAP/32" dev lo
}

# xlbd on the lb's lb-c with the lab's configuration (the VIP on port 80 to
# both backends, ipip); detached until its case.
xlbd_start() {
	"$ROOT/scripts/lab-host.sh" xlb-conf "$NBACKENDS" >"$tmp/xlb.conf"
	# nsenter execs xlbd in place: $! is xlbd itself
	nsenter --net="/run/netns/$P-lb" timeout "$LIFETIME" "$XLBD" --dev lb-c --name "$NAME" \
		--socket "$tmp/ctl.sock" --http off --config "$tmp/xlb.conf" >"$tmp/xlbd.log" 2>&1 &
	xlbd_pid=$!
	wait_for "$START_WAIT" ctl config show || die "xlbd did not start: $(tail -5 "$tmp/xlbd.log")"
	wait_for "$START_WAIT" neigh_resolved "$BE1" || die "no neighbour $BE1"
	wait_for "$START_WAIT" neigh_resolved "$BE2" || die "no neighbour $BE2"
	ctl detach >/dev/null
}

nft_on() {
	lb nft -f - <<EOF
table ip xlbtcp {
	chain pre {
		type nat hook prerouting priority -100; policy accept;
		ip daddr $VIP_NFT tcp dport $PORT dnat to jhash ip saddr . tcp sport mod 2 map { 0 : $BE1, 1 : $BE2 }
	}
}
EOF
}

nft_off() { lb nft delete table ip xlbtcp; }

hap_on() {
	cat >"$tmp/haproxy.cfg" <<EOF
global
	maxconn $HAP_MAXCONN
	nbthread $(nproc)
defaults
	mode tcp
	timeout connect 2s
	timeout client 60s
	timeout server 60s
frontend fe
	bind $VIP_HAP:$PORT
	default_backend be
backend be
	balance roundrobin
	server be1 $BE1:$PORT
	server be2 $BE2:$PORT
EOF
	nsenter --net="/run/netns/$P-lb" timeout "$LIFETIME" "$HAPROXY" -db -f "$tmp/haproxy.cfg" \
		>"$tmp/haproxy.log" 2>&1 &
	hap_pid=$!
	wait_for "$START_WAIT" sh -c "nsenter --net=/run/netns/$P-lb ss -Hltn 'sport = :$PORT' | grep -q LISTEN" ||
		die "haproxy did not start: $(cat "$tmp/haproxy.log")"
}

hap_off() {
	kill "$hap_pid"
	wait "$hap_pid" || true
	hap_pid=""
}

# wrk_run SECONDS URL [HEADER]: wrk's output.
wrk_run() {
	local secs=$1 url=$2
	shift 2
	client timeout "$((secs + WRK_SLACK))" "$WRK" -t "$TCP_THREADS" -c "$TCP_CONNS" -d "${secs}s" \
		--latency "$@" "$url"
}

# TCP_DEBUG=1: per run, the CPU time all CPUs spent busy (and in softirq)
# per request (the whole machine's), the lb's listen drops and the
# backends' TCP drops and TIME-WAIT events, on stderr.
# nstat's history is one file per user unless told: one per namespace.
client_nstat() { client env NSTAT_HISTORY="$tmp/nstat.client" nstat "$@"; }

debug_mark() {
	local i
	lb env NSTAT_HISTORY="$tmp/nstat.lb" nstat -n >/dev/null
	for i in $(seq "$NBACKENDS"); do
		in_ns "$P-be$i" env NSTAT_HISTORY="$tmp/nstat.be$i" nstat -n >/dev/null
	done
	read -r _ cpu0 < <(head -1 /proc/stat)
}

debug_show() {
	local cpu1
	read -r _ cpu1 < <(head -1 /proc/stat)
	awk -v n="$1" -v a="$cpu0" -v b="$cpu1" -v hz="$(getconf CLK_TCK)" '
		/^Requests\/sec:/ { rps = $2 }
		END {
			split(a, x, " "); split(b, y, " ")
			busy = (y[1] + y[2] + y[3] + y[6] + y[7]) - (x[1] + x[2] + x[3] + x[6] + x[7])
			sirq = y[7] - x[7]
			printf "%s: %.1f us busy per request (%.1f softirq)\n", n,
				1e6 * busy / hz / (rps * secs), 1e6 * sirq / hz / (rps * secs)
		}' secs="$TCP_SECONDS" "$tmp/wrk.out" >&2
	local i
	lb env NSTAT_HISTORY="$tmp/nstat.lb" nstat | sed 's/^/  lb /' | grep -E "Listen|Drop|Retrans|Overflow|Cookie" >&2 || true
	for i in $(seq "$NBACKENDS"); do
		in_ns "$P-be$i" env NSTAT_HISTORY="$tmp/nstat.be$i" nstat | sed "s/^/  be$i /" |
			grep -E "Listen|Drop|Overflow|Cookie|TW|PAWS|Challenge|Reset|AckSkipped" >&2 || true
	done
}

# measure MODE CASE URL [HEADER...]: a warm-up, then the run; appends
# "MODE|CASE|round|req/s|p50 ms|p99 ms|errors|SYN retransmits" to
# $tmp/rows (wrk's latency starts at the request: a connection whose SYN
# was lost shows in the rate and the retransmits, not in the latency).
measure() {
	local mode=$1 name=$2 url=$3
	shift 3
	wrk_run "$TCP_WARMUP" "$url" "$@" >/dev/null 2>&1 || true
	[ -z "${TCP_DEBUG:-}" ] || debug_mark
	client_nstat -n >/dev/null
	wrk_run "$TCP_SECONDS" "$url" "$@" >"$tmp/wrk.out" 2>&1 || true
	[ -z "${TCP_DEBUG:-}" ] || debug_show "$mode: $name"
	client_nstat -z TcpExtTCPSynRetrans >>"$tmp/wrk.out"
	awk -v m="$mode" -v n="$name" -v r="$round" '
		function ms(v) {
			if (v ~ /us$/) return v / 1000
			if (v ~ /ms$/) return v + 0
			if (v ~ /m$/) return v * 60000
			if (v ~ /s$/) return v * 1000
			return -1
		}
		$1 == "50%" { p50 = ms($2) }
		$1 == "99%" { p99 = ms($2) }
		$1 == "Requests/sec:" { rps = $2 }
		/Socket errors/ { gsub(/,/, ""); err += $4 + $6 + $8 + $10 }
		/Non-2xx/ { err += $NF }
		$1 == "TcpExtTCPSynRetrans" { synr = $2 }
		END {
			if (rps == "") rps = p50 = p99 = -1
			printf "%s|%s|%d|%.0f|%.3f|%.3f|%d|%d\n", m, n, r, rps, p50, p99, err, synr
		}' "$tmp/wrk.out" >>"$tmp/rows"
}

# cases MODE [HEADER...]: the four cases, one after the other.
cases() {
	local mode=$1
	shift
	measure "$mode" "$FLOOR" "http://$BE1:$HTTP_BACKEND_PORT2/" "$@"
	ctl attach >/dev/null
	measure "$mode" "xlb (XDP, ipip, direct server return)" "http://$VIP_XLB/" "$@"
	ctl detach >/dev/null
	nft_on
	measure "$mode" "nftables DNAT (jhash, conntrack)" "http://$VIP_NFT/" "$@"
	nft_off
	hap_on
	measure "$mode" "HAProxy $(hap_version) (mode tcp, $(nproc) threads)" "http://$VIP_HAP/" "$@"
	hap_off
}

hap_version() { "$HAPROXY" -v | awk 'NR == 1 { print $3 }'; }

# Per mode and case: medians over the rounds, the ratio being the median of
# each round's ratio to the floor run just before it in the same round.
print_table() {
	echo "| $TCP_CONNS connections, $TCP_THREADS threads | requests/s (median) | min–max | × direct | p50 ms | p99 ms | errors | SYN retransmits |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|"
	awk -F'|' -v floor="$FLOOR" '
		function median(list,   n, a, i, j, t) {
			n = split(list, a, " ")
			for (i = 2; i <= n; i++)
				for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
					t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
				}
			return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
		}
		function lo(list,   n, a, i, m) {
			n = split(list, a, " "); m = a[1]
			for (i = 2; i <= n; i++) if (a[i] + 0 < m + 0) m = a[i]
			return m
		}
		function hi(list,   n, a, i, m) {
			n = split(list, a, " "); m = a[1]
			for (i = 2; i <= n; i++) if (a[i] + 0 > m + 0) m = a[i]
			return m
		}
		{
			k = $1 ": " $2
			if (!(k in seen)) { seen[k] = 1; order[++nk] = k }
			if ($4 < 0) { failed[k]++; next }
			if ($2 == floor) base[$1, $3] = $4
			rps[k] = rps[k] " " $4; p50[k] = p50[k] " " $5; p99[k] = p99[k] " " $6
			if (base[$1, $3] > 0) ratio[k] = ratio[k] " " $4 / base[$1, $3]
			err[k] += $7
			synr[k] += $8
		}
		END {
			for (i = 1; i <= nk; i++) {
				k = order[i]
				if (rps[k] == "") { printf "| %s | failed | | | | | | |\n", k; continue }
				printf "| %s | %d | %d–%d | %.2f× | %.2f | %.2f | %d%s | %d |\n", k,
					median(rps[k]), lo(rps[k]), hi(rps[k]), median(ratio[k]),
					median(p50[k]), median(p99[k]), err[k],
					(failed[k] ? sprintf(" (%d runs failed)", failed[k]) : ""), synr[k]
			}
		}' "$tmp/rows"
}

lab_up
xlbd_start
: >"$tmp/rows"
# The cases interleaved round by round: the machine's load changes within
# seconds, and then falls on every case of a round.
for ((round = 1; round <= TCP_ROUNDS; round++)); do
	cases "keep-alive"
	cases "new connection each" -H "Connection: close"
done
print_table
