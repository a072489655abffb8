#!/bin/bash
# `make demo`: xlb end to end on the netns lab of scripts/lab.sh, in well
# under a minute, and everything removed afterwards whatever happens:
#   1. the lab: a client, the xlb host, three backends running HTTP servers
#      (decap attached, the VIP on their loopback);
#   2. xlbd on the xlb host's client-facing interface with deploy/xlb.conf;
#   3. a few hundred HTTP requests through the VIP, and how they spread over
#      the backends, as the backends answered and as xlb counted them;
#   4. health checks: one backend's server stopped, the backend taken out
#      of the ring (no new connection reaches it), started again, back in;
#      a few lines of /metrics and /health/ready;
#   5. one backend drained: new connections avoid it while a connection
#      opened before the drain is still served by it.
# Only 198.18.0.0/15 and 2001:2::/48, only inside the lab's namespaces.
set -Eeuo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
export BUILD
XLBD=$BUILD/xlbd
XLBCTL=$BUILD/xlbctl
export XLB_DECAP=${XLB_DECAP:-$BUILD/xlb-decap}
LAB_SH=$ROOT/scripts/lab.sh
HTTPD=$ROOT/tests/e2e/backend_httpd.py
CONF=$ROOT/deploy/xlb.conf
# Debian's python3 (install-deps.sh): a version manager's shim on PATH costs
# a second or more per start on a loaded machine.
PYTHON=${PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}

P=xlbdemo
NAME=$P-lb # lab.sh's convention: `lab.sh down` removes these pins too
NBACKENDS=3
VIP4=198.18.1.10
VIP6=2001:2:1::10
PORT=80
CLIENT4=198.18.0.1
REQUESTS=300         # the spread
REQUESTS6=60         # the same over IPv6
DRAIN_REQUESTS=150   # new connections while one backend drains
REQUESTS_DOWN=60     # new connections while one backend is down
HTTP_ADDR=127.0.0.1:9469 # xlbd's HTTP endpoint (its default), in the lb's namespace
CURL_SECONDS=2       # one request
BATCH_SECONDS=30     # one batch of requests
SERVER_SECONDS=120   # the servers' lifetime bound; cleanup stops them sooner
SLOW_SECONDS=40      # the held connection's lifetime bound
WAIT_SECONDS=10      # any one readiness wait
POLL=0.1
POLLS_PER_SECOND=10
STOP_SECONDS=5
# The client's source ports: one range before the drain, another after it.
# xlb's flow table remembers closed connections' 4-tuples, and today a SYN
# that reuses one follows the entry, to a drained backend too (a data-plane
# bug, tests/e2e/test_xlbd_cli.sh reproduces it): fresh ports keep the demo
# about what draining is meant to do.
PORTS_BEFORE="32768 46999"
PORTS_AFTER="47000 60999"

START=$(date +%s)
# The terminal, kept: a signal may land while a command's output goes to a file.
exec 8>&1 9>&2
TMP=$(mktemp -d /tmp/xlb-demo.XXXXXX)
PIDS=()
SERVERS=() # backend number -> its HTTP server's pid
XLBD_PID=
LAB_MADE=

in_ns() {
	local ns=$1
	shift
	nsenter --net="/run/netns/$ns" "$@"
}
# bg_in NS CMD...: CMD started in NS's network in the background; $! is CMD
# itself (nsenter execs it; a shell function would put a subshell between).
bg_in() {
	local ns=$1
	shift
	nsenter --net="/run/netns/$ns" "$@" &
}
lb() { in_ns "$P-lb" "$@"; }
client() { in_ns "$P-client" "$@"; }
ctl() { "$XLBCTL" -n "$NAME" "$@"; }
backend4() { echo "198.19.$1.1"; }
backend6() { printf '2001:2:1%02d::1' "$1"; }

say() { printf '%s\n' "$*"; }
BOLD='' PLAIN=''
if [ -t 1 ]; then
	BOLD=$'\033[1m' PLAIN=$'\033[0m'
fi
step() { printf '\n%s== %s%s  (%d s)\n' "$BOLD" "$*" "$PLAIN" "$(($(date +%s) - START))"; }
indent() { sed 's/^/    /'; }
die() {
	say "demo: $*" >&2
	exit 1
}

# wait_for WHAT CMD...: polls CMD for at most WAIT_SECONDS.
wait_for() {
	local what=$1 i
	shift
	for ((i = 0; i < WAIT_SECONDS * POLLS_PER_SECOND; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep "$POLL"
	done
	die "timed out after ${WAIT_SECONDS}s waiting for $what"
}

alive() { kill -0 "$1" 2>/dev/null; }

cleanup() {
	local rc=$? pid i
	trap - EXIT INT TERM
	set +e
	exec 1>&8 2>&9
	step "cleaning up"
	if [ -n "$XLBD_PID" ] && alive "$XLBD_PID"; then
		kill -TERM "$XLBD_PID"
		for ((i = 0; i < STOP_SECONDS * POLLS_PER_SECOND; i++)); do
			alive "$XLBD_PID" || break
			sleep "$POLL"
		done
		if alive "$XLBD_PID"; then
			kill -KILL "$XLBD_PID"
			sleep "$POLL"
		fi
	fi
	for pid in "${PIDS[@]}"; do
		alive "$pid" && kill "$pid"
	done
	if [ -n "$LAB_MADE" ]; then
		# the one way to remove xlb's program, pins and state
		lb "$XLBD" --dev lb-c --name "$NAME" --detach >/dev/null 2>&1
		rm -f "/run/xlb/$NAME.lock" "/run/xlb/$NAME.state" "/run/xlb/$NAME.sock"
		"$LAB_SH" down "$P"
		say "    xlbd stopped, program detached, lab $P removed"
	fi
	rm -rf "$TMP"
	if [ "$rc" -eq 0 ]; then
		say "    demo done in $(($(date +%s) - START)) s"
	elif [ "$rc" -eq 130 ]; then
		say "    demo interrupted after $(($(date +%s) - START)) s" >&2
	else
		say "    demo FAILED (exit $rc) after $(($(date +%s) - START)) s" >&2
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

listening() { in_ns "$P-be$1" ss -Hltn "sport = :$PORT" | grep -q LISTEN; }
neigh_resolved() { lb ip neigh show "$1" | grep -q lladdr; }

# The backend names answering N new HTTP connections to URL, one a line.
ask() {
	local n=$1 url=$2 i urls=()
	for ((i = 0; i < n; i++)); do
		urls+=("$url?$i")
	done
	client timeout "$BATCH_SECONDS" curl -sS -m "$CURL_SECONDS" "${urls[@]}" 2>&1 || true
}

# Packets xlb sent to each backend of VIP: "ADDR PACKETS" lines.
xlb_packets() {
	ctl -j backend show vip "$1" | "$PYTHON" -c '
import json, sys
for vip in json.load(sys.stdin):
    for b in vip["backends"]:
        print(b["addr"], b["packets"])'
}

# spread FAMILY ANSWERS BEFORE AFTER: per backend, the answers it gave and
# the packets xlb sent it in between (one process: the demo stays quick on a
# loaded machine).
spread() {
	"$PYTHON" - "$@" "$NBACKENDS" <<-'EOP'
		import sys
		family, answers, before, after, n = sys.argv[1:6]
		def packets(path):
		    return {l.split()[0]: int(l.split()[1]) for l in open(path) if l.strip()}
		got = [l.strip() for l in open(answers) if l.strip()]
		pb, pa = packets(before), packets(after)
		print("    %-6s %-16s %8s %7s %14s" % ("backend", "address", "answers", "share", "xlb packets"))
		for i in range(1, int(n) + 1):
		    addr = f"198.19.{i}.1" if family == "4" else f"2001:2:1{i:02d}::1"
		    k = got.count(f"be{i}")
		    share = 100 * k // len(got) if got else 0
		    print("    %-6s %-16s %8d %6d%% %14d" % (f"be{i}", addr, k, share, pa.get(addr, 0) - pb.get(addr, 0)))
		failed = [a for a in got if not a.startswith("be")]
		if failed:
		    print(f"    {len(failed)} requests failed, e.g. {failed[0]}")
	EOP
}

setup() {
	local i
	[ "$(id -u)" -eq 0 ] || die "the demo builds network namespaces: run it as root"
	for i in "$XLBD" "$XLBCTL" "$XLB_DECAP"; do
		[ -x "$i" ] || die "missing $i: run \`make demo\` (it builds first)"
	done
	if ip netns list | grep -q "^$P-"; then
		die "a lab named $P exists (another demo running?); remove it with: scripts/lab.sh down $P"
	fi

	step "1. the lab: a client, the xlb host, $NBACKENDS backends (scripts/lab.sh)"
	LAB_MADE=1
	LAB_VIP4=$VIP4 LAB_VIP6=$VIP6 "$LAB_SH" up "$P" "$NBACKENDS" | indent
	client sysctl -q -w net.ipv4.ip_local_port_range="$PORTS_BEFORE"
	for ((i = 1; i <= NBACKENDS; i++)); do
		start_server "$i"
	done
	for ((i = 1; i <= NBACKENDS; i++)); do
		wait_for "be$i's HTTP server" listening "$i"
	done
	say "    HTTP servers on $VIP4:$PORT and [$VIP6]:$PORT of every backend, each answering its name"

	step "2. xlbd on $P-lb's lb-c with deploy/xlb.conf"
	say "    \$ xlbd --dev lb-c --name $NAME --config deploy/xlb.conf"
	# nsenter, not `ip netns exec`: the pins must land on the host's bpffs
	bg_in "$P-lb" "$XLBD" --dev lb-c --name "$NAME" --config "$CONF" >"$TMP/xlbd.log" 2>&1
	XLBD_PID=$!
	wait_for "xlbd's control socket" ctl config show
	for ((i = 1; i <= NBACKENDS; i++)); do
		wait_for "the next hop $(backend4 "$i")" neigh_resolved "$(backend4 "$i")"
	done
	grep -v 'Retrying without BTF' "$TMP/xlbd.log" | indent
	say "    \$ xlbctl save"
	ctl save | indent
}

traffic() {
	local vip=$VIP4:$PORT/tcp vip6=[$VIP6]:$PORT/tcp
	step "3. $REQUESTS HTTP requests to http://$VIP4/, each a new connection"
	xlb_packets "$vip" >"$TMP/p0"
	xlb_packets "$vip6" >"$TMP/q0"
	ask "$REQUESTS" "http://$VIP4:$PORT/" >"$TMP/answers4"
	xlb_packets "$vip" >"$TMP/p1"
	spread 4 "$TMP/answers4" "$TMP/p0" "$TMP/p1"
	say "    ($REQUESTS6 more over IPv6, to http://[$VIP6]/:)"
	ask "$REQUESTS6" "http://[$VIP6]:$PORT/" >"$TMP/answers6"
	xlb_packets "$vip6" >"$TMP/q1"
	spread 6 "$TMP/answers6" "$TMP/q0" "$TMP/q1"
	say "    Replies went straight from the backends to the client (direct server return):"
	say "    xlb counts only the client->server packets it encapsulated."
	say "    \$ xlbctl vip show"
	ctl vip show | indent
	say "    \$ xlbctl stats   (rows that are all zero left out)"
	ctl stats | awk '{
		num = 0; zero = 1
		for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) { num = 1; if ($i > 0) zero = 0 }
	} !(num && zero)' | indent
}

# Health of every backend: "VIP ADDR STATE HEALTH LAST-CHECK LATENCY" lines.
backend_health() {
	ctl -j backend show | "$PYTHON" -c '
import json, sys
for vip in json.load(sys.stdin):
    for b in vip["backends"]:
        print("%-24s %-16s state %-8s health %-7s last %-18s %s" % (vip["vip"], b["addr"],
              b["state"], b["health"], "\"%s\"" % b.get("last", "-"), b.get("latency_us", "-")))'
}
# health_is ADDR HEALTH: every backend at ADDR has that health.
health_is() {
	backend_health | awk -v a="$1" -v h="$2" '$2 == a { n++; if ($6 != h) bad++ }
		END { exit !(n && !bad) }'
}
all_up() { ! backend_health | awk '$6 != "up"' | grep -q .; }

start_server() {
	bg_in "$P-be$1" timeout "$SERVER_SECONDS" "$PYTHON" "$HTTPD" "be$1" "$PORT" \
		>>"$TMP/httpd$1.log" 2>&1
	SERVERS[$1]=$!
	PIDS+=($!)
}

metrics() { lb curl -sS -m "$CURL_SECONDS" "http://$HTTP_ADDR$1"; }

health() {
	local vip=$VIP4:$PORT/tcp down=$NBACKENDS addr
	addr=$(backend4 "$down")
	step "4. health checks: a backend's server stops, xlb takes it out, and back"
	say "    deploy/xlb.conf checks every backend: GET /health, every second, 2 to rise or fall."
	wait_for "every backend up" all_up
	say "    \$ xlbctl backend show   (in short: state, health, last check, latency in µs)"
	backend_health | indent
	say "    be$down's HTTP server is stopped..."
	kill "${SERVERS[$down]}"
	wait_for "be$down down" health_is "$addr" down
	backend_health | grep -F " $addr " | indent
	say "    $REQUESTS_DOWN new connections while be$down is down:"
	xlb_packets "$vip" >"$TMP/h0"
	ask "$REQUESTS_DOWN" "http://$VIP4:$PORT/" >"$TMP/answers_down"
	xlb_packets "$vip" >"$TMP/h1"
	spread 4 "$TMP/answers_down" "$TMP/h0" "$TMP/h1"
	grep -qx "be$down" "$TMP/answers_down" && die "be$down answered while down"
	say "    ...and started again:"
	start_server "$down"
	wait_for "be$down up" health_is "$addr" up
	backend_health | grep -F " $addr " | indent
	say "    Prometheus: http://$HTTP_ADDR/metrics on the xlb host (xlbd --http ADDR:PORT), e.g.:"
	metrics /metrics >"$TMP/metrics"
	grep -E "^xlb_backend_(up|packets_total)\{vip=\"$vip\"" "$TMP/metrics" | indent
	say "    $(grep -c '^xlb_' "$TMP/metrics") samples in all; readiness: \$ curl http://$HTTP_ADDR/health/ready"
	metrics /health/ready | indent
}

# One HTTP request sent in two halves: the request line now, the end of
# the headers once $TMP/go exists (bounded): a connection held open.
# shellcheck disable=SC2016 # expanded by the bash that runs it
SLOW_REQUEST='
exec 3<>"/dev/tcp/$1/$2" || exit 1
printf "GET /held HTTP/1.0\r\n" >&3
for ((i = 0; i < $4 * 10; i++)); do
	[ -e "$3/go" ] && break
	sleep 0.1
done
printf "Host: demo\r\n\r\n" >&3
timeout 5 cat <&3 | tail -1 >"$3/held.out"
'

held_port() {
	client ss -Htn state established "dst $VIP4:$PORT" | awk '{ split($3, a, ":"); print a[2] }' |
		head -1 | grep .
}

drain() {
	local vip=$VIP4:$PORT/tcp sport addr name answer
	step "5. draining a backend: new connections avoid it, established ones stay"
	bg_in "$P-client" timeout "$SLOW_SECONDS" bash -c "$SLOW_REQUEST" held "$VIP4" "$PORT" \
		"$TMP" "$((SLOW_SECONDS / 2))"
	PIDS+=($!)
	wait_for "the held connection" held_port
	sport=$(held_port)
	say "    A client opened a connection ($CLIENT4:$sport -> $VIP4:$PORT) and sent half a request."
	say "    \$ xlbctl flow get $CLIENT4:$sport $VIP4:$PORT tcp"
	ctl flow get "$CLIENT4:$sport" "$VIP4:$PORT" tcp | indent
	addr=$(ctl -j flow get "$CLIENT4:$sport" "$VIP4:$PORT" tcp |
		"$PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["backend"])')
	name=be${addr#198.19.}
	name=${name%.1}
	say "    \$ xlbctl backend set vip $vip addr $addr drain"
	ctl backend set vip "$vip" addr "$addr" drain
	ctl vip show "$vip" | indent
	say "    $DRAIN_REQUESTS new connections:"
	client sysctl -q -w net.ipv4.ip_local_port_range="$PORTS_AFTER"
	xlb_packets "$vip" >"$TMP/d0"
	ask "$DRAIN_REQUESTS" "http://$VIP4:$PORT/" >"$TMP/answers_drain"
	xlb_packets "$vip" >"$TMP/d1"
	spread 4 "$TMP/answers_drain" "$TMP/d0" "$TMP/d1"
	say "    The held connection now sends the rest of its request..."
	touch "$TMP/go"
	wait_for "the held connection's answer" test -s "$TMP/held.out"
	answer=$(cat "$TMP/held.out")
	say "    ...and is answered by: $answer"
	if [ "$answer" = "$name" ] && ! grep -qx "$name" "$TMP/answers_drain"; then
		say "    => drained $name ($addr) took none of the $DRAIN_REQUESTS new connections, and kept the one it had."
	else
		die "expected no new connection on $name and the held one answered by it (got '$answer')"
	fi
}

setup
traffic
health
drain
