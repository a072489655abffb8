#!/bin/bash
# shellcheck disable=SC2317 # test functions are called by run_tests, by name
# xlbd on the lab (scripts/lab.sh): the config reaches the pinned maps, real
# HTTP goes through the VIP, xlbctl changes take effect, errors name the
# problem, batches are all-or-nothing, a kill -9 and a restart adopt the
# running program with every id and generation unchanged while requests keep
# being answered, SIGTERM leaves the program forwarding, detach removes it,
# the socket is private (mode 0600, peers checked), and an IPv6 VIP on the
# host's own link keeps its neighbours (their unicast probes reach the host).
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

P=xlbt-xlbd-$$
NAME=$P-lb # the lab's convention: `lab.sh down` removes these pins too
XLBD=$BUILD/xlbd
XLBCTL=$BUILD/xlbctl
HTTPD=$E2E_ROOT/tests/e2e/backend_httpd.py
NBACKENDS=2
PORT=80
VIP4=198.18.1.10
EXTRA_VIP=198.18.1.20
LAB_MTU=1540
export LAB_VIP4=$VIP4
export LAB_LB_SRC4=198.18.0.240/28 LAB_LB_SRC6=2001:2::f0/124
SOCK=/run/xlb/$NAME.sock
STATE=/run/xlb/$NAME.state
ABI=$(sed -n 's/^#define XLB_ABI_VERSION \([0-9]*\).*/\1/p' "$E2E_ROOT/include/xlb/abi.h")
PINS=/sys/fs/bpf/xlb/$NAME/abi$ABI
CONF=$E2E_TMP/xlb.conf
SERVER_SECONDS=600 # the servers' lifetime bound; cleanup kills them sooner
START_WAIT=10
STOP_WAIT=5
CURL_SECONDS=5
STREAM_REQUESTS=40 # requests sent across a kill -9 and restart
STREAM_GAP=0.05
SPREAD_REQUESTS=12
CLIENT4=198.18.0.1
FLOW_PORT=40123 # fixed client ports, so their flows can be named
FLOW_PORTS=8
DRAIN_PORT=41000
DRAIN_PORTS=32
NEW_PORT=42000
ONLINK_VIP6=2001:2::10 # in the client's /64: on the link, not routed
NUD_RETRANS_MS=200     # the client's probe interval, 1 s by default
NUD_WAIT=10

backend4() { echo "198.19.$1.1"; }
lb() { in_ns "$P-lb" "$@"; }
client() { in_ns "$P-client" "$@"; }
ctl() { lb "$XLBCTL" -n "$NAME" "$@"; }

write_config() {
	cat >"$CONF" <<-EOC
		# the lab's xlb: one VIP, two backends
		config set mtu $LAB_MTU source $LAB_LB_SRC4
		config set source $LAB_LB_SRC6
		vip add $VIP4 port $PORT proto tcp
		backend add vip $VIP4:$PORT/tcp addr $(backend4 1) weight 100
		backend add vip $VIP4:$PORT/tcp addr $(backend4 2) weight 100
	EOC
}

# Starts xlbd (its pid in $E2E_TMP/xlbd.pid, killed on exit) and waits for
# its socket to answer.
start_xlbd() {
	local pid
	# nsenter execs xlbd in place: $! is xlbd itself, for kill -9
	nsenter --net="/run/netns/$P-lb" "$XLBD" --dev lb-c --name "$NAME" "$@" \
		>>"$E2E_TMP/xlbd.log" 2>&1 &
	pid=$!
	echo "$pid" >>"$E2E_TMP/pids"
	echo "$pid" >"$E2E_TMP/xlbd.pid"
	wait_until "$START_WAIT" ctl config show
}

xlbd_pid() { cat "$E2E_TMP/xlbd.pid"; }
xlbd_gone() { ! kill -0 "$(xlbd_pid)" 2>/dev/null; }

stop_xlbd() {
	kill -TERM "$(xlbd_pid)"
	wait_until "$STOP_WAIT" xlbd_gone
}

# The id of the XDP program on the lb's client-side device (empty if none).
prog_id() {
	lb ip -j link show lb-c | jq -r '.[0].xdp.prog.id // empty'
}

# "addr id generation state" per backend, sorted: the identities a restart keeps.
identities() {
	ctl -j backend show |
		jq -r '.[].backends[] | "\(.addr) \(.id) \(.generation) \(.state)"' | sort
}

# Field of a pinned map's entry, via bpftool's formatted JSON.
map_field() {
	local map=$1 key=$2 field=$3
	# shellcheck disable=SC2086
	bpftool -j map lookup pinned "$PINS/$map" key $key | jq -r ".formatted.value.$field"
}

# Backend id as the 4 key bytes bpftool wants (little endian).
id_key() { printf '%d 0 0 0' "$1"; }

vip_count() {
	bpftool -j map dump pinned "$PINS/vips" | jq length
}

# Whether the pinned vips map holds addr:port (IPv4). bpftool shows the
# network-order fields as this little-endian host reads them.
vip_in_map() {
	local a b c d addr port
	IFS=. read -r a b c d <<<"$1"
	addr=$((d << 24 | c << 16 | b << 8 | a))
	port=$((($2 & 0xff) << 8 | $2 >> 8))
	bpftool -j map dump pinned "$PINS/vips" | jq -e --argjson a "$addr" --argjson p "$port" \
		'any(.[]; .formatted.key.addr.a[0] == $a and .formatted.key.port == $p)' >/dev/null
}

http_get() { client curl -sS -m "$CURL_SECONDS" "http://$VIP4:$PORT/"; }

listening() {
	in_ns "$P-be$1" ss -Hltn "sport = :$PORT" | grep -q LISTEN
}

neigh_resolved() {
	lb ip neigh show "$1" | grep -q lladdr
}

suite_setup() {
	local i
	need_root
	need_bin "$XLB_DECAP" "$XLBD" "$XLBCTL"
	"$LAB_SH" up "$P" "$NBACKENDS" --mtu "$LAB_MTU"
	# The fixed client ports are never handed out as ephemeral ones: another
	# test's connection on one of them leaves a flow the test then finds.
	client sysctl -q -w net.ipv4.ip_local_reserved_ports="$FLOW_PORT-$((FLOW_PORT + FLOW_PORTS - 1)),$DRAIN_PORT-$((DRAIN_PORT + DRAIN_PORTS - 1)),$NEW_PORT-$((NEW_PORT + SPREAD_REQUESTS - 1))"
	for ((i = 1; i <= NBACKENDS; i++)); do
		bg_ns "$P-be$i" "$E2E_TMP/httpd$i.log" "$SERVER_SECONDS" python3 "$HTTPD" "be$i" "$PORT"
	done
	write_config
	start_xlbd --config "$CONF"
	for ((i = 1; i <= NBACKENDS; i++)); do
		wait_until "$START_WAIT" listening "$i"
		# xlbd made the next hops managed neighbours: the kernel resolves them
		wait_until "$START_WAIT" neigh_resolved "$(backend4 "$i")"
	done
}

suite_cleanup() {
	if [ -f "$E2E_TMP/xlbd.pid" ]; then
		kill -TERM "$(xlbd_pid)" 2>/dev/null || true
		wait_until "$STOP_WAIT" xlbd_gone || kill -KILL "$(xlbd_pid)" 2>/dev/null || true
	fi
	lb "$XLBD" --dev lb-c --name "$NAME" --detach || true
	rm -f "/run/xlb/$NAME.lock" "$STATE" "$SOCK"
	"$LAB_SH" down "$P"
}

test_socket_is_private() {
	assert_eq "$(stat -c %a "$SOCK")" 600 "socket mode:"
	assert_eq "$(stat -c %a /run/xlb)" 700 "socket directory mode:"
	assert_eq "$(stat -c %a "$STATE")" 600 "state file mode:"
	local out rc=0
	out=$(lb setpriv --reuid=65534 --regid=65534 --clear-groups "$XLBCTL" -n "$NAME" \
		config show 2>&1) && fail "uid 65534 connected: $out"
	# Past the file modes, the daemon checks the peer itself (SO_PEERCRED).
	chmod 0711 /run/xlb
	chmod 0666 "$SOCK"
	out=$(lb setpriv --reuid=65534 --regid=65534 --clear-groups "$XLBCTL" -n "$NAME" \
		config show 2>&1) || rc=$?
	chmod 0600 "$SOCK"
	chmod 0700 /run/xlb
	[ "$rc" -ne 0 ] || fail "uid 65534 was served: $out"
	assert_match "$out" "permission denied: root only" "non-root peer:"
}

test_config_reaches_the_pinned_maps() {
	local id
	vip_in_map "$VIP4" "$PORT" || fail "VIP $VIP4:$PORT not in $PINS/vips"
	for id in 1 2; do
		assert_eq "$(map_field backends "$(id_key "$id")" state)" 1 "backend $id state:"
		assert_eq "$(map_field backends "$(id_key "$id")" generation)" 1 "backend $id gen:"
	done
	assert_eq "$(map_field config "0 0 0 0" mtu)" "$LAB_MTU" "config mtu:"
	# both egress devices toward the backends are redirect targets
	assert_eq "$(bpftool -j map dump pinned "$PINS/tx_ports" | jq length)" 2 "tx_ports:"
}

test_http_through_the_vip_reaches_both_backends() {
	local n body seen=""
	for ((n = 0; n < SPREAD_REQUESTS; n++)); do
		body=$(http_get)
		seen="$seen $body"
	done
	[[ " $seen " == *" be1 "* ]] || fail "be1 answered none of:$seen"
	[[ " $seen " == *" be2 "* ]] || fail "be2 answered none of:$seen"
}

test_cli_changes_take_effect() {
	local id gen
	ctl vip add "$EXTRA_VIP" port 8080 proto udp
	vip_in_map "$EXTRA_VIP" 8080 || fail "added VIP not in the map"
	ctl backend add vip "$EXTRA_VIP:8080/udp" addr "$(backend4 1)" weight 10
	id=$(ctl -j backend show vip "$EXTRA_VIP:8080/udp" | jq -r '.[0].backends[0].id')
	assert_eq "$(map_field backends "$(id_key "$id")" state)" 1 "new backend:"
	ctl backend set vip "$EXTRA_VIP:8080/udp" addr "$(backend4 1)" drain
	assert_eq "$(map_field backends "$(id_key "$id")" state)" 2 "drained backend:"
	ctl backend set vip "$EXTRA_VIP:8080/udp" addr "$(backend4 1)" down
	assert_eq "$(map_field backends "$(id_key "$id")" state)" 3 "admin-down backend:"
	gen=$(map_field backends "$(id_key "$id")" generation)
	ctl backend del vip "$EXTRA_VIP:8080/udp" addr "$(backend4 1)"
	assert_eq "$(map_field backends "$(id_key "$id")" state)" 0 "removed backend:"
	assert_eq "$(map_field backends "$(id_key "$id")" generation)" $((gen + 1)) "removed gen:"
	ctl vip del "$EXTRA_VIP:8080/udp"
	! vip_in_map "$EXTRA_VIP" 8080 || fail "deleted VIP still in the map"
}

test_errors_name_the_problem() {
	local out
	out=$(ctl backend add vip 198.18.1.99:80/tcp addr "$(backend4 1)" 2>&1) &&
		fail "unknown VIP accepted"
	assert_match "$out" "unknown VIP 198.18.1.99:80/tcp" "unknown VIP:"
	out=$(ctl backend add vip "$VIP4:$PORT/tcp" addr "$(backend4 1)" 2>&1) &&
		fail "duplicate backend accepted"
	assert_match "$out" "backend $(backend4 1) exists" "duplicate:"
	out=$(ctl backend set vip "$VIP4:$PORT/tcp" addr "$(backend4 1)" weight 70000 2>&1) &&
		fail "weight 70000 accepted"
	assert_match "$out" "WEIGHT" "weight:"
	out=$(ctl vip add "$VIP4" port "$PORT" proto tcp 2>&1) && fail "duplicate VIP accepted"
	assert_match "$out" "VIP $VIP4:$PORT/tcp exists" "duplicate VIP:"
}

test_batch_is_all_or_nothing() {
	local before batch=$E2E_TMP/bad.batch out
	before=$(vip_count)
	cat >"$batch" <<-EOB
		vip add $EXTRA_VIP port 443 proto tcp
		backend add vip $EXTRA_VIP:443/tcp addr $(backend4 2)
		backend add vip 198.18.1.99:443/tcp addr $(backend4 2)
	EOB
	out=$(ctl -b "$batch" 2>&1) && fail "a batch with an unknown VIP was applied"
	assert_match "$out" "unknown VIP 198.18.1.99:443/tcp" "batch error:"
	assert_eq "$(vip_count)" "$before" "VIPs after the failed batch:"
	! vip_in_map "$EXTRA_VIP" 443 || fail "first line of a failed batch applied"
	# the same batch without its bad line applies whole
	sed -i '$d' "$batch"
	ctl -b "$batch"
	vip_in_map "$EXTRA_VIP" 443 || fail "good batch not applied"
	ctl vip del "$EXTRA_VIP:443/tcp"
}

test_check_config() {
	local out bad=$E2E_TMP/bad.conf
	out=$("$XLBD" -n --config "$CONF")
	assert_eq "$out" "configuration OK" "good config:"
	printf 'vip add %s port 80 proto tcp\nvip frob\nbackend add vip %s:80/tcp addr %s weight 99999\n' \
		"$VIP4" "$VIP4" "$(backend4 1)" >"$bad"
	out=$("$XLBD" -n --config "$bad" 2>&1) && fail "bad config passed"
	assert_match "$out" "bad.conf:2: .*frob" "line 2:"
	assert_match "$out" "bad.conf:3: " "line 3:"
	assert_match "$out" "2 bad lines" "count:"
}

# "source backend" of `xlbctl flow get` for the client's port $1.
flow_of() {
	ctl -j flow get "$CLIENT4:$1" "$VIP4:$PORT" tcp |
		jq -r 'if type == "array" then .[0] else . end | "\(.source) \(.backend)"'
}

# Before a flow exists, xlbd predicts its backend from the ring with the
# program's own hash; the request then goes there, and the flow table says
# so. Several ports, so a wrong prediction cannot pass by luck.
test_flow_get_predicts_then_finds_the_flow() {
	local port before body after
	for ((port = FLOW_PORT; port < FLOW_PORT + FLOW_PORTS; port++)); do
		before=$(flow_of "$port")
		assert_match "$before" "^ring " "port $port before the request:"
		body=$(client curl -sS -m "$CURL_SECONDS" --local-port "$port" \
			"http://$VIP4:$PORT/")
		assert_eq "${before#ring }" "$(backend4 "${body#be}")" "port $port predicted:"
		after=$(flow_of "$port")
		assert_eq "$after" "flow_table ${before#ring }" "port $port after the request:"
	done
}

# A drained backend takes no new flow but keeps the ones it has.
test_drained_backend_keeps_its_flows_takes_no_new_ones() {
	local port be1 n body
	be1=$(backend4 1)
	for ((port = DRAIN_PORT; port < DRAIN_PORT + DRAIN_PORTS; port++)); do
		[ "$(flow_of "$port")" = "ring $be1" ] && break
	done
	[ "$port" -lt $((DRAIN_PORT + DRAIN_PORTS)) ] || fail "no port of be1's in $DRAIN_PORTS"
	body=$(client curl -sS -m "$CURL_SECONDS" --local-port "$port" "http://$VIP4:$PORT/")
	assert_eq "$body" be1 "before the drain:"
	ctl backend set vip "$VIP4:$PORT/tcp" addr "$be1" drain
	assert_eq "$(flow_of "$port")" "flow_table $be1" "be1's flow after the drain:"
	# ports no earlier flow used: each connection is a new flow
	for ((n = 0; n < SPREAD_REQUESTS; n++)); do
		body=$(client curl -sS -m "$CURL_SECONDS" --local-port $((NEW_PORT + n)) \
			"http://$VIP4:$PORT/")
		assert_eq "$body" be2 "new connection $n during the drain:"
	done
	ctl backend set vip "$VIP4:$PORT/tcp" addr "$be1" undrain
}

# Requests every STREAM_GAP seconds; the count of failures lands in $1.
request_stream() {
	local out=$1 n failed=0
	for ((n = 0; n < STREAM_REQUESTS; n++)); do
		http_get >/dev/null 2>&1 || failed=$((failed + 1))
		sleep "$STREAM_GAP"
	done
	echo "$failed" >"$out"
}

# The client's neighbour entry of an on-link IPv6 VIP: its NUD state.
onlink_state() {
	client ip -j -6 neigh show "$ONLINK_VIP6" dev c-lb | jq -r '.[0].state[0] // "NONE"'
}

stat_packets() {
	ctl -j stats | jq -r --arg n "$1" '.counters[] | select(.name == $n) | .packets'
}

# A VIP on the xlb host's own link, as IPVS users place them: the host
# answers for it, and its neighbours' unicast probes (NUD) must reach the
# host through the program, or the client's entry fails after each probe.
test_onlink_ipv6_vip_keeps_its_neighbours() {
	local mac nd0 state
	# the test runs in a subshell: gone on any exit, failed or not
	trap onlink_remove EXIT
	lb ip -6 addr add "$ONLINK_VIP6/128" dev lb-c nodad
	ctl vip add "$ONLINK_VIP6" port "$PORT" proto tcp
	mac=$(lb ip -j link show lb-c | jq -r '.[0].address')
	client sysctl -q -w net.ipv6.neigh.c-lb.delay_first_probe_time=1
	client sysctl -q -w net.ipv6.neigh.c-lb.retrans_time_ms="$NUD_RETRANS_MS"
	nd0=$(stat_packets pass_nd)
	# stale: the next packet sent (any: one datagram) makes the client
	# probe the VIP unicast
	client ip -6 neigh replace "$ONLINK_VIP6" lladdr "$mac" dev c-lb nud stale
	client python3 -c 'import socket, sys
socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).sendto(b"x", (sys.argv[1], 9))' "$ONLINK_VIP6"
	wait_until "$NUD_WAIT" onlink_probed || true
	state=$(onlink_state)
	assert_eq "$state" REACHABLE "client's entry of the on-link VIP after its probe:"
	assert_gt "$(stat_packets pass_nd)" "$nd0" "pass_nd:"
}

onlink_remove() {
	ctl vip del "[$ONLINK_VIP6]:$PORT/tcp" 2>/dev/null || true
	lb ip -6 addr del "$ONLINK_VIP6/128" dev lb-c 2>/dev/null || true
	client ip -6 neigh del "$ONLINK_VIP6" dev c-lb 2>/dev/null || true
}

onlink_probed() {
	case $(onlink_state) in REACHABLE | FAILED) return 0 ;; *) return 1 ;; esac
}

test_kill9_restart_adopts_the_running_program() {
	local prog ids stream=$E2E_TMP/stream.failed other=$E2E_TMP/other.conf
	prog=$(prog_id)
	[ -n "$prog" ] || fail "no program attached"
	ids=$(identities)
	request_stream "$stream" &
	local spid=$!
	kill -KILL "$(xlbd_pid)"
	wait_until "$STOP_WAIT" xlbd_gone
	assert_eq "$(prog_id)" "$prog" "program while xlbd is dead:"
	# A config that disagrees with the running state: the running state wins.
	printf 'vip add %s port 81 proto tcp\n' "$VIP4" >"$other"
	start_xlbd --config "$other"
	wait "$spid"
	assert_eq "$(prog_id)" "$prog" "program id after restart (adopted, not re-attached):"
	assert_eq "$(identities)" "$ids" "backend ids/generations/states:"
	! vip_in_map "$VIP4" 81 || fail "the config won over the running state"
	grep -q "not applied: running state adopted (SIGHUP applies it)" "$E2E_TMP/xlbd.log" ||
		fail "no log line about the config not applied"
	assert_eq "$(cat "$stream")" 0 "requests failed across kill -9 and restart:"
}

test_sigterm_leaves_the_program_forwarding() {
	local prog
	prog=$(prog_id)
	stop_xlbd
	assert_eq "$(prog_id)" "$prog" "program after SIGTERM:"
	[ -e "$PINS/vips" ] || fail "pins removed by SIGTERM"
	[ ! -e "$SOCK" ] || fail "socket left behind"
	assert_match "$(http_get)" '^be[0-9]+$' "request with xlbd stopped:"
	start_xlbd --config "$CONF"
	assert_eq "$(prog_id)" "$prog" "program after restart:"
}

# SIGHUP makes the running state what the config says; what stays keeps
# its id and generation.
test_sighup_applies_the_config() {
	local weights be1 conf_copy=$E2E_TMP/xlb.conf.orig
	be1=$(identities | grep "^$(backend4 1) ")
	cp "$CONF" "$conf_copy"
	sed -i "s|addr $(backend4 2) weight 100|addr $(backend4 2) weight 50|" "$CONF"
	echo "vip add $EXTRA_VIP port $PORT proto tcp" >>"$CONF"
	kill -HUP "$(xlbd_pid)"
	wait_until "$START_WAIT" vip_in_map "$EXTRA_VIP" "$PORT"
	assert_eq "$(identities | grep "^$(backend4 1) ")" "$be1" "be1 across the reload:"
	weights=$(ctl -j backend show vip "$VIP4:$PORT/tcp" |
		jq -r '[.[].backends[].weight | tostring] | join(" ")')
	assert_eq "$weights" "100 50" "weights after the reload:"
	cp "$conf_copy" "$CONF"
	kill -HUP "$(xlbd_pid)"
	wait_until "$START_WAIT" vip_gone "$EXTRA_VIP" "$PORT"
	assert_eq "$(identities | grep "^$(backend4 1) ")" "$be1" "be1 after the second reload:"
}

vip_gone() { ! vip_in_map "$@"; }

test_detach_and_attach() {
	ctl detach
	assert_eq "$(prog_id)" "" "program after xlbctl detach:"
	[ ! -e "$PINS" ] || fail "pins left after detach"
	[ ! -e "$STATE" ] || fail "state file left after detach"
	ctl vip add "$EXTRA_VIP" port 80 proto tcp 2>/dev/null && fail "change accepted while detached"
	ctl attach
	[ -n "$(prog_id)" ] || fail "no program after xlbctl attach"
	vip_in_map "$VIP4" "$PORT" || fail "maps not restored on attach"
	assert_match "$(http_get)" '^be[0-9]+$' "request after attach:"
}

test_xlbd_detach_removes_program_and_pins() {
	local out
	out=$(lb "$XLBD" --dev lb-c --name "$NAME" --detach 2>&1) &&
		fail "--detach ran beside a running xlbd"
	assert_match "$out" "another xlbd" "--detach while running:"
	stop_xlbd
	lb "$XLBD" --dev lb-c --name "$NAME" --detach
	assert_eq "$(prog_id)" "" "program after xlbd --detach:"
	[ ! -e "$PINS" ] || fail "pins left after --detach"
	[ ! -e "$STATE" ] || fail "state file left after --detach"
}

run_tests "$@"
