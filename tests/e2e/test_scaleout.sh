#!/bin/bash
# shellcheck disable=SC2317 # test functions are called by run_tests, by name
# Scale-out (docs/scale-out.md): two xlb hosts behind a router, each
# announcing its ready VIPs by BGP, the router spreading flows over them by
# ECMP with layer-4 hashing.
#
#   client ── router (BIRD 2 with deploy/bird/router.conf: eBGP to both xlb
#     │         hosts, merge paths; fib_multipath_hash_policy=1)
#     ├── x1 (xlbd --announce-table 200; BIRD 2 with deploy/bird/bird.conf:
#     │       kernel table 200 → BGP, IPv4 and IPv6 sessions)
#     └── x2 (the same)
#   x1, x2, the router and three backends share a switch (a bridge): the
#   xlb hosts encapsulate to the backends, which answer the client through
#   the router (direct server return).
#
#   - each xlb host's table holds a route per ready VIP, the router a
#     two-path route to each, IPv4 and IPv6;
#   - flows from many source ports spread over both xlb hosts (>= 30 % each);
#   - 200 flows through x1 alone, then through x2 alone, reach the same
#     backends (100 %);
#   - a long-lived TCP connection survives its xlb host withdrawn
#     (`announce off`), then killed (kill -9, program detached);
#   - a VIP whose backends are all down is withdrawn on both hosts, and
#     comes back with a backend;
#   - kill -9 leaves the routes; a restart removes stray ones and restores
#     missing ones; a clean stop keeps them unless --withdraw-on-stop;
#   - the time from `announce off` to the last packet through the withdrawn
#     host, printed (and kept in BENCHMARKS.md).
# Only 198.18.0.0/15 and 2001:2::/48, inside this test's own namespaces
# (xlbt-so-PID-*); every wait is bounded; everything is removed on exit.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

P=xlbt-so-$$
XLBD=$BUILD/xlbd
XLBCTL=$BUILD/xlbctl
ECHOD=$E2E_ROOT/tests/e2e/backend_echo.py
CLIENT_PY=$E2E_ROOT/tests/e2e/e2e_client.py
PYTHON=${PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}
BIRD=${BIRD:-$(command -v bird || echo /usr/sbin/bird)}
BIRDC=${BIRDC:-$(command -v birdc || echo /usr/sbin/birdc)}

NBACKENDS=3
TABLE=200     # xlbd --announce-table, as deploy/bird/bird.conf imports it
RTPROT=245    # xlb's routes (user/announce.h XLB_RTPROT)
AS_XLB=65001 # deploy/bird/*.conf
HOLD=3       # BGP hold time of deploy/bird/*.conf, seconds
LAB_MTU=1540  # the switch: a full-size packet plus the IPv6 encapsulation

CLIENT4=198.18.0.1
ROUTER_C4=198.18.0.254
CLIENT6=2001:2::1
ROUTER_C6=2001:2::fe
ROUTER_SW4=198.19.0.254
VIP_A=198.18.1.10  # 7000/tcp and 7000/udp
VIP_B=198.18.1.11  # 7000/tcp: the one whose backends all go down
VIP_NET=198.18.1.0/24
VIP6=2001:2:a::10  # 7000/tcp
VIP6_NET=2001:2:a::/64
STRAY=198.18.1.99  # a route of xlb's protocol that matches no VIP
PORT=7000
SW_NET6=2001:2:ff

SERVER_SECONDS=900 # bound on the servers' and daemons' lives; cleanup kills them sooner
START_WAIT=10
BGP_WAIT=30        # a session's first establishment
ROUTE_WAIT=10      # a route change to reach the router
ASK_SECONDS=60
FLOWS=200
SPREAD_MIN=30      # percent of the flows each xlb host carries at least
TALK_INTERVAL=0.05 # seconds between two exchanges of the long-lived connection
TALK_AFTER=1       # seconds of talk on the new path before it is judged
STREAM_RATE=2000   # datagrams per second of the convergence stream
STREAM_FLOWS=64
STREAM_PACKETS=16000
WITHDRAW_AFTER=2   # seconds into the stream
POLL_QUIET=1       # seconds without a packet through the withdrawn host: moved
POLL_LIMIT=10      # seconds at most for the traffic to move
MONITOR_SECONDS=30 # bound on the route monitors of the convergence test
SPORT_BASE=20000   # source ports of the 200 flows sent through each host
TALK_SPORT=40001   # the long-lived connection's, used by nothing else
HELD=24            # connections held open across a host's withdrawal

exec 3>&1 # figures reach the terminal; the runner keeps the rest for failures

# --- the network --------------------------------------------------------

ns() { echo "$P-$1"; }
x_ns() { ns "x$1"; }
x_front4() { echo "198.18.1$1.2"; }  # x1: 198.18.11.2, x2: 198.18.12.2
r_front4() { echo "198.18.1$1.1"; }
x_front6() { echo "2001:2:1$1::2"; } # x1: 2001:2:11::2
r_front6() { echo "2001:2:1$1::1"; }
x_back4() { echo "198.19.0.1$1"; }   # x1: 198.19.0.11; its outer source
backend4() { echo "198.19.0.$1"; }
backend6() { echo "$SW_NET6::$1"; }
x_back6() { echo "$SW_NET6::1$1"; }

router() { in_ns "$(ns r)" "$@"; }
client() { in_ns "$(ns c)" "$@"; }
xh() {
	local i=$1
	shift
	in_ns "$(x_ns "$i")" "$@"
}
ctl() {
	local i=$1
	shift
	"$XLBCTL" -s "$E2E_TMP/x$i.sock" "$@"
}

add_ns() {
	ip netns add "$1"
	in_ns "$1" ip link set lo up
}

# add_veth NS1 DEV1 NS2 DEV2 [MTU]
add_veth() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"
	if [ -n "${5:-}" ]; then
		in_ns "$1" ip link set "$2" mtu "$5"
		in_ns "$3" ip link set "$4" mtu "$5"
	fi
	in_ns "$1" ip link set "$2" up
	in_ns "$3" ip link set "$4" up
}

# A port of the switch for NS's DEV.
add_sw_port() {
	add_veth "$(ns sw)" "$3" "$1" "$2" "$LAB_MTU"
	in_ns "$(ns sw)" ip link set "$3" master br0
}

no_rp_filter() {
	in_ns "$1" sysctl -q -w net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 >/dev/null
}

up_router() {
	local r i
	r=$(ns r)
	add_ns "$r"
	add_veth "$(ns c)" c-r "$r" r-c
	client ip addr add "$CLIENT4/24" dev c-r
	client ip -6 addr add "$CLIENT6/64" dev c-r nodad
	client ip route add "$VIP_NET" via "$ROUTER_C4"
	client ip -6 route add "$VIP6_NET" via "$ROUTER_C6"
	# a veth's partial checksums are never completed once XDP forwards the
	# frame (DESIGN §6): the client computes them itself
	client ethtool -K c-r tx off >/dev/null
	router ip addr add "$ROUTER_C4/24" dev r-c
	router ip -6 addr add "$ROUTER_C6/64" dev r-c nodad
	add_sw_port "$r" r-sw sw-r
	router ip addr add "$ROUTER_SW4/24" dev r-sw
	router ip -6 addr add "$SW_NET6::fe/64" dev r-sw nodad
	router sysctl -q -w net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 >/dev/null
	# ECMP by the 5-tuple: each flow sticks to one xlb host, flows spread
	router sysctl -q -w net.ipv4.fib_multipath_hash_policy=1 >/dev/null
	router sysctl -q -w net.ipv6.fib_multipath_hash_policy=1 >/dev/null
	# the backends' replies come from the VIPs, routed toward the xlb hosts
	no_rp_filter "$r"
	for i in 1 2; do
		add_veth "$r" "r-x$i" "$(x_ns "$i")" "x$i-r"
		router ip addr add "$(r_front4 "$i")/24" dev "r-x$i"
		router ip -6 addr add "$(r_front6 "$i")/64" dev "r-x$i" nodad
	done
}

up_xlb_host() {
	local i=$1 x
	x=$(x_ns "$i")
	xh "$i" ip addr add "$(x_front4 "$i")/24" dev "x$i-r"
	xh "$i" ip -6 addr add "$(x_front6 "$i")/64" dev "x$i-r" nodad
	add_sw_port "$x" "x$i-sw" "sw-x$i"
	xh "$i" ip addr add "$(x_back4 "$i")/24" dev "x$i-sw"
	xh "$i" ip -6 addr add "$(x_back6 "$i")/64" dev "x$i-sw" nodad
	# frames xlb redirects into x$i-sw are delivered by a peer with GRO on
	in_ns "$(ns sw)" ethtool -K "sw-x$i" gro on >/dev/null
	no_rp_filter "$x"
}

up_backend() {
	local i=$1 b
	b=$(ns "b$i")
	add_ns "$b"
	add_sw_port "$b" b-sw "sw-b$i"
	in_ns "$b" ip addr add "$(backend4 "$i")/24" dev b-sw
	in_ns "$b" ip -6 addr add "$(backend6 "$i")/64" dev b-sw nodad
	in_ns "$b" ip route add default via "$ROUTER_SW4"
	in_ns "$b" ip -6 route add default via "$SW_NET6::fe"
	in_ns "$b" "$XLB_DECAP" prepare "$VIP_A" "$VIP_B" "$VIP6" >/dev/null
	in_ns "$b" "$XLB_DECAP" attach b-sw --name "$b" --lb 198.19.0.0/24 --lb "$SW_NET6::/64" \
		--vip "$VIP_A" --vip "$VIP_B" --vip "$VIP6" >/dev/null
	bg_ns "$b" "$E2E_TMP/echo$i.log" "$SERVER_SECONDS" \
		"$PYTHON" "$ECHOD" "be$i" "$PORT" "$E2E_TMP/count$i.json" "$VIP_A" "$VIP_B" "$VIP6"
}

# The same configuration on both hosts but for the outer source, which is
# each host's own address on the switch.
write_config() {
	local i=$1 b vip
	{
		echo "config set mtu $LAB_MTU"
		echo "config set source $(x_back4 "$i")/32"
		echo "config set source $(x_back6 "$i")/128"
		for vip in "$VIP_A:$PORT/tcp" "$VIP_A:$PORT/udp" "$VIP_B:$PORT/tcp"; do
			echo "vip add $vip mode ipip"
			for ((b = 1; b <= NBACKENDS; b++)); do
				echo "backend add vip $vip addr $(backend4 "$b") weight 100"
			done
		done
		echo "vip add [$VIP6]:$PORT/tcp mode ipip"
		for ((b = 1; b <= NBACKENDS; b++)); do
			echo "backend add vip [$VIP6]:$PORT/tcp addr $(backend6 "$b") weight 100"
		done
	} >"$E2E_TMP/x$i.conf"
}

# BIRD runs the deploy/ examples as they are, logging to stderr; x2 gets
# x1's file with its own addresses.
write_bird_xlb() {
	sed -e 's/^log .*/log stderr all;/' -e "s/198\.18\.11\./198.18.1$1./g" \
		-e "s/2001:2:11::/2001:2:1$1::/g" "$E2E_ROOT/deploy/bird/bird.conf" >"$E2E_TMP/bird-x$1.conf"
}

write_bird_router() {
	sed 's/^log .*/log stderr all;/' "$E2E_ROOT/deploy/bird/router.conf" >"$E2E_TMP/bird-r.conf"
}

start_bird() {
	local where=$1 conf=$2 sock=$3
	bg_ns "$where" "$E2E_TMP/$(basename "$conf" .conf).log" "$SERVER_SECONDS" \
		"$BIRD" -f -c "$conf" -s "$sock" -P "$sock.pid"
	wait_until "$START_WAIT" "$BIRDC" -s "$sock" show status
}

bird_established() {
	"$BIRDC" -s "$1" show protocols "$2" | grep -q Established
}

# start_xlbd I [OPTIONS]: xlbd on host I, its pid in $E2E_TMP/xlbd$i.pid.
start_xlbd() {
	local i=$1 pid
	shift
	rm -f "$E2E_TMP/x$i.sock"
	# nsenter execs xlbd in place: $! is xlbd itself, for kill -9
	nsenter --net="/run/netns/$(x_ns "$i")" "$XLBD" --dev "x$i-r" --name "$(x_ns "$i")" \
		--socket "$E2E_TMP/x$i.sock" --announce-table "$TABLE" "$@" \
		>>"$E2E_TMP/xlbd$i.log" 2>&1 &
	pid=$!
	echo "$pid" >>"$E2E_TMP/pids"
	echo "$pid" >"$E2E_TMP/xlbd$i.pid"
	wait_until "$START_WAIT" ctl "$i" config show || {
		tail -5 "$E2E_TMP/xlbd$i.log" >&2
		return 1
	}
}

xlbd_gone() { ! kill -0 "$(cat "$E2E_TMP/xlbd$1.pid")" 2>/dev/null; }

# stop_xlbd I SIGNAL
stop_xlbd() {
	kill -"$2" "$(cat "$E2E_TMP/xlbd$1.pid")"
	wait_until "$START_WAIT" xlbd_gone "$1"
}

neigh_resolved() { xh "$1" ip neigh show "$2" | grep -q lladdr; }

so_up() {
	local i
	need_root
	need_bin "$XLB_DECAP" "$XLBD" "$XLBCTL" "$BIRD" "$BIRDC"
	[ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" = bpf_fs ] || mount -t bpf bpf /sys/fs/bpf
	add_ns "$(ns c)"
	# the long-lived connection's port is never an ephemeral one: another
	# connection on it would leave a flow on either xlb host
	client sysctl -q -w net.ipv4.ip_local_reserved_ports="$TALK_SPORT"
	add_ns "$(ns sw)"
	in_ns "$(ns sw)" ip link add br0 type bridge mcast_snooping 0
	in_ns "$(ns sw)" ip link set br0 mtu "$LAB_MTU" up
	for i in 1 2; do
		add_ns "$(x_ns "$i")"
	done
	up_router
	for i in 1 2; do
		up_xlb_host "$i"
	done
	for ((i = 1; i <= NBACKENDS; i++)); do
		up_backend "$i"
	done
	write_bird_router
	start_bird "$(ns r)" "$E2E_TMP/bird-r.conf" "$E2E_TMP/bird-r.ctl"
	for i in 1 2; do
		write_config "$i"
		write_bird_xlb "$i"
		start_bird "$(x_ns "$i")" "$E2E_TMP/bird-x$i.conf" "$E2E_TMP/bird-x$i.ctl"
		start_xlbd "$i" --config "$E2E_TMP/x$i.conf"
	done
	for i in 1 2; do
		wait_until "$BGP_WAIT" bird_established "$E2E_TMP/bird-r.ctl" "xlb${i}_v4"
		wait_until "$BGP_WAIT" bird_established "$E2E_TMP/bird-r.ctl" "xlb${i}_v6"
	done
	for ((i = 1; i <= NBACKENDS; i++)); do
		wait_until "$START_WAIT" neigh_resolved 1 "$(backend4 "$i")"
		wait_until "$START_WAIT" neigh_resolved 2 "$(backend4 "$i")"
	done
	wait_until "$ROUTE_WAIT" paths_are "$VIP_A" "$(x_front4 1) $(x_front4 2)"
	wait_until "$ROUTE_WAIT" paths_are "$VIP_B" "$(x_front4 1) $(x_front4 2)"
	wait_until "$ROUTE_WAIT" paths_are "$VIP6" "$(x_front6 1) $(x_front6 2)"
}

so_down() {
	local i
	for i in 1 2; do
		if [ -f "$E2E_TMP/xlbd$i.pid" ] && ! xlbd_gone "$i"; then
			stop_xlbd "$i" TERM || stop_xlbd "$i" KILL || true
		fi
		xh "$i" "$XLBD" --dev "x$i-r" --name "$(x_ns "$i")" --detach || true
		rm -f "/run/xlb/$(x_ns "$i").lock" "/run/xlb/$(x_ns "$i").state"
		rm -rf -- "/sys/fs/bpf/xlb/$(x_ns "$i")"
	done
	for ((i = 1; i <= NBACKENDS; i++)); do
		in_ns "$(ns "b$i")" "$XLB_DECAP" detach b-sw --name "$(ns "b$i")" >/dev/null 2>&1 || true
		rm -rf -- "/sys/fs/bpf/xlb-decap/$(ns "b$i")"
	done
	# the daemons (BIRD, servers) die with the runner's kill of bg_ns pids
	for i in c r sw x1 x2 $(seq -f 'b%g' 1 "$NBACKENDS"); do
		ip netns del "$(ns "$i")" 2>/dev/null || true
	done
}

suite_setup() { so_up; }
suite_cleanup() { so_down; }

# --- what the router and the hosts say ------------------------------------

# The router's next hops toward ADDR (IPv4 or IPv6), sorted,
# space-separated ("" if none).
router_paths() {
	local family=-4 plen=32
	[[ $1 == *:* ]] && family=-6 plen=128
	router ip -j "$family" route show "$1/$plen" |
		jq -r '.[] | (.gateway // empty), (.nexthops[]?.gateway // empty)' | sort | xargs
}

paths_are() { [ "$(router_paths "$1")" = "$2" ]; }

# Our routes in host I's table, sorted ("" if none).
host_routes() {
	{
		xh "$1" ip -4 route show table "$TABLE" proto "$RTPROT"
		xh "$1" ip -6 route show table "$TABLE" proto "$RTPROT" 2>/dev/null || true
	} | awk '{ print $2 }' | sort | xargs
}

routes_are() { [ "$(host_routes "$1")" = "$2" ]; }

# announce I on|off: for every VIP of $VIP_A (the route is per address).
announce() {
	local batch=$E2E_TMP/announce$1.batch
	printf 'vip set %s announce %s\n' "$VIP_A:$PORT/tcp" "$2" "$VIP_A:$PORT/udp" "$2" >"$batch"
	ctl "$1" -b "$batch"
}

# The announce state of VIP (ADDR:PORT/PROTO) on host I.
announce_state() {
	ctl "$1" -j vip show "$2" | jq -r '.[0].announce_state'
}

# A counter of VIP on host I: packets or new_flows.
vip_counter() {
	ctl "$1" -j vip show "$2" | jq -r ".[0].$3"
}

tcp_from() {
	client timeout "$ASK_SECONDS" "$PYTHON" "$CLIENT_PY" tcp-from "$VIP_A" "$PORT" "$@"
}

both_announce() {
	announce 1 on
	announce 2 on
	wait_until "$ROUTE_WAIT" paths_are "$VIP_A" "$(x_front4 1) $(x_front4 2)"
}

# --- the tests ------------------------------------------------------------------

test_routes_in_tables_and_router() {
	local all="$VIP_A $VIP_B $VIP6"
	assert_eq "$(host_routes 1)" "$all" "x1's table:"
	assert_eq "$(host_routes 2)" "$all" "x2's table:"
	assert_eq "$(router_paths "$VIP_A")" "$(x_front4 1) $(x_front4 2)" "router toward $VIP_A:"
	assert_eq "$(router_paths "$VIP_B")" "$(x_front4 1) $(x_front4 2)" "router toward $VIP_B:"
	assert_eq "$(router_paths "$VIP6")" "$(x_front6 1) $(x_front6 2)" "router toward $VIP6:"
	"$BIRDC" -s "$E2E_TMP/bird-r.ctl" show route "$VIP_A/32" all | grep -q "BGP.as_path: $AS_XLB" ||
		fail "BIRD on the router has no BGP route to $VIP_A"
	assert_eq "$(announce_state 1 "$VIP_A:$PORT/tcp")" announced "x1 $VIP_A:"
	assert_eq "$(ctl 1 -j config show | jq -r .announce_table)" "$TABLE" "announce table:"
	# nothing outside the table: the hosts forward as before
	assert_eq "$(xh 1 ip route show table main proto "$RTPROT")" "" "x1's main table:"
}

test_ipv6_vip_through_both_hosts() {
	local answers n1 n2 v="[$VIP6]:$PORT/tcp"
	n1=$(vip_counter 1 "$v" new_flows)
	n2=$(vip_counter 2 "$v" new_flows)
	answers=$(client timeout "$ASK_SECONDS" "$PYTHON" "$CLIENT_PY" tcp-ask "$VIP6" "$PORT" 40)
	assert_eq "$(grep -cv '^be[0-9]$' <<<"$answers" || true)" 0 "failed IPv6 connections:"
	[ "$(vip_counter 1 "$v" new_flows)" -gt "$n1" ] || fail "no IPv6 flow through x1"
	[ "$(vip_counter 2 "$v" new_flows)" -gt "$n2" ] || fail "no IPv6 flow through x2"
}

test_flows_spread_over_both_hosts() {
	local v=$VIP_A:$PORT/tcp a1 a2 b1 b2 n1 n2 answers errors
	both_announce
	a1=$(vip_counter 1 "$v" new_flows)
	a2=$(vip_counter 2 "$v" new_flows)
	answers=$(client timeout "$ASK_SECONDS" "$PYTHON" "$CLIENT_PY" tcp-ask "$VIP_A" "$PORT" "$FLOWS")
	errors=$(grep -cv '^be[0-9]$' <<<"$answers" || true)
	assert_eq "$errors" 0 "connections that failed:"
	b1=$(vip_counter 1 "$v" new_flows)
	b2=$(vip_counter 2 "$v" new_flows)
	n1=$((b1 - a1))
	n2=$((b2 - a2))
	echo "flows: x1 $n1, x2 $n2"
	[ $((n1 + n2)) -ge "$FLOWS" ] || fail "only $((n1 + n2)) new flows counted for $FLOWS"
	[ $((n1 * 100)) -ge $((FLOWS * SPREAD_MIN)) ] || fail "x1 carried $n1 of $FLOWS flows"
	[ $((n2 * 100)) -ge $((FLOWS * SPREAD_MIN)) ] || fail "x2 carried $n2 of $FLOWS flows"
	echo "scale-out: $FLOWS flows spread x1 $n1, x2 $n2" >&3
}

# only_through I: the other host withdrawn, the router sends all to host I.
only_through() {
	local other=$((3 - $1))
	announce "$1" on
	wait_until "$ROUTE_WAIT" paths_are "$VIP_A" "$(x_front4 1) $(x_front4 2)"
	announce "$other" off
	wait_until "$ROUTE_WAIT" paths_are "$VIP_A" "$(x_front4 "$1")"
	assert_eq "$(announce_state "$other" "$VIP_A:$PORT/tcp")" withdrawn "x$other's state:"
}

# sports_through I OUT: the 200 flows through host I alone; checks that
# host I counted them all and the other none.
sports_through() {
	local i=$1 other=$((3 - $1)) v=$VIP_A:$PORT/tcp a b c d
	only_through "$i"
	a=$(vip_counter "$i" "$v" new_flows)
	c=$(vip_counter "$other" "$v" new_flows)
	# shellcheck disable=SC2046 # the ports are words
	tcp_from $(seq "$SPORT_BASE" $((SPORT_BASE + FLOWS - 1))) >"$2"
	b=$(vip_counter "$i" "$v" new_flows)
	d=$(vip_counter "$other" "$v" new_flows)
	[ $((b - a)) -ge "$FLOWS" ] || fail "x$i counted $((b - a)) new flows for $FLOWS"
	assert_eq "$((d - c))" 0 "new flows through the withdrawn x$other:"
	assert_eq "$(awk '$2 !~ /^be[0-9]$/' "$2")" "" "failed connections through x$i:"
}

test_same_backend_through_either_host() {
	local one=$E2E_TMP/through1 two=$E2E_TMP/through2 same
	sports_through 1 "$one"
	sports_through 2 "$two"
	both_announce
	assert_eq "$(wc -l <"$one")" "$FLOWS" "flows through x1:"
	same=$(join "$one" "$two" | awk '$2 == $3' | wc -l)
	echo "same backend through x1 and x2: $same of $FLOWS"
	assert_eq "$same" "$FLOWS" "flows that reached the same backend through either host:"
	echo "scale-out: $same of $FLOWS flows reach the same backend through x1 alone and x2 alone" >&3
}

# hold_open DIR: $HELD TCP connections to $VIP_A, held open until DIR/go;
# DIR/ready has "SPORT BACKEND" of each, DIR/result "SPORT BEFORE AFTER".
hold_open() {
	mkdir -p "$1"
	bg_ns "$(ns c)" "$1/log" "$ASK_SECONDS" "$PYTHON" "$CLIENT_PY" hold "$VIP_A" "$PORT" "$HELD" \
		"$1" "$ASK_SECONDS"
	wait_until "$START_WAIT" test -s "$1/ready"
}

# holds I SPORT: host I's flow table has the client's connection from SPORT.
holds() {
	ctl "$1" -j flow get "$CLIENT4:$2" "$VIP_A:$PORT" tcp | jq -e '.source == "flow_table"' >/dev/null
}

test_connection_survives_host_withdrawn_and_killed() {
	local dir=$E2E_TMP/talk held=$E2E_TMP/held sport=$TALK_SPORT backend h other result moved
	both_announce
	mkdir -p "$dir"
	bg_ns "$(ns c)" "$dir/out" "$ASK_SECONDS" "$PYTHON" "$CLIENT_PY" talk "$VIP_A" "$PORT" \
		"$dir" "$ASK_SECONDS" "$TALK_INTERVAL" "$sport"
	wait_until "$START_WAIT" test -s "$dir/ready"
	read -r _ backend <"$dir/ready"
	if holds 1 "$sport"; then h=1; else h=2; fi
	other=$((3 - h))
	holds "$h" "$sport" || fail "no xlb host holds the connection from port $sport"
	holds "$other" "$sport" && fail "both xlb hosts hold the connection from port $sport"
	echo "connection from $sport: x$h, $backend"
	# and more connections, held open: the ones on x$h move too
	hold_open "$held"
	moved=$(while read -r p _; do holds "$h" "$p" && echo "$p"; done <"$held/ready" | wc -l)
	announce "$h" off
	wait_until "$ROUTE_WAIT" paths_are "$VIP_A" "$(x_front4 "$other")"
	wait_until "$START_WAIT" holds "$other" "$sport"
	# x$h truly out: its daemon killed, its program gone
	stop_xlbd "$h" KILL
	xh "$h" "$XLBD" --dev "x$h-r" --name "$(x_ns "$h")" --announce-table "$TABLE" --detach
	sleep "$TALK_AFTER"
	touch "$held/go"
	wait_until "$ASK_SECONDS" test -s "$held/result"
	assert_eq "$(awk '$2 != $3' "$held/result")" "" "held connections that changed backend or broke:"
	touch "$dir/stop"
	wait_until "$START_WAIT" test -s "$dir/done"
	result=$(cat "$dir/done")
	echo "talk: $result"
	assert_match "$result" "failed 0 backends $backend\$" "the connection:"
	assert_eq "$(ctl "$other" -j flow get "$CLIENT4:$sport" "$VIP_A:$PORT" tcp | jq -r .backend)" \
		"$(backend4 "${backend#be}")" "x$other's flow entry:"
	echo "scale-out: connections on x$h kept their backends through x$h's withdrawal and death: a busy one ($result), $moved of $HELD held ones" >&3
	# back as it was: a fresh start (the program was removed) announces again
	start_xlbd "$h" --config "$E2E_TMP/x$h.conf"
	wait_until "$ROUTE_WAIT" paths_are "$VIP_A" "$(x_front4 1) $(x_front4 2)"
}

# all_down I up|down: every backend of $VIP_B on host I.
all_backends() {
	local b batch=$E2E_TMP/down$1.batch
	: >"$batch"
	for ((b = 1; b <= NBACKENDS; b++)); do
		echo "backend set vip $VIP_B:$PORT/tcp addr $(backend4 "$b") $2" >>"$batch"
	done
	ctl "$1" -b "$batch"
}

test_vip_without_backends_withdrawn_on_both() {
	local v=$VIP_B:$PORT/tcp answers
	all_backends 1 down
	all_backends 2 down
	wait_until "$ROUTE_WAIT" paths_are "$VIP_B" ""
	assert_eq "$(announce_state 1 "$v")" not_ready "x1's state of $v:"
	assert_eq "$(announce_state 2 "$v")" not_ready "x2's state of $v:"
	"$BIRDC" -s "$E2E_TMP/bird-r.ctl" show route "$VIP_B/32" | grep -q "$VIP_B" &&
		fail "BIRD on the router still has $VIP_B"
	assert_eq "$(host_routes 1)" "$VIP_A $VIP6" "x1's table:"
	# $VIP_A is untouched
	assert_eq "$(router_paths "$VIP_A")" "$(x_front4 1) $(x_front4 2)" "router toward $VIP_A:"

	ctl 1 backend set vip "$v" addr "$(backend4 2)" up
	ctl 2 backend set vip "$v" addr "$(backend4 2)" up
	wait_until "$ROUTE_WAIT" paths_are "$VIP_B" "$(x_front4 1) $(x_front4 2)"
	assert_eq "$(announce_state 1 "$v")" announced "x1's state of $v:"
	answers=$(client timeout "$ASK_SECONDS" "$PYTHON" "$CLIENT_PY" tcp-ask "$VIP_B" "$PORT" 10 | sort -u | xargs)
	assert_eq "$answers" be2 "answers from $VIP_B:"
	all_backends 1 up
	all_backends 2 up
}

test_kill9_keeps_routes_restart_reconciles() {
	local all="$VIP_A $VIP_B $VIP6" lines
	both_announce
	stop_xlbd 1 KILL
	assert_eq "$(host_routes 1)" "$all" "x1's table after kill -9:"
	sleep "$HOLD"
	assert_eq "$(router_paths "$VIP_A")" "$(x_front4 1) $(x_front4 2)" "router after kill -9:"
	# what a restart must repair: a stray route of ours, a missing one
	xh 1 ip route add blackhole "$STRAY/32" table "$TABLE" proto "$RTPROT"
	xh 1 ip route del "$VIP_B/32" table "$TABLE" proto "$RTPROT"
	lines=$(wc -l <"$E2E_TMP/xlbd1.log")
	start_xlbd 1 --config "$E2E_TMP/x1.conf"
	wait_until "$ROUTE_WAIT" routes_are 1 "$all"
	tail -n +"$((lines + 1))" "$E2E_TMP/xlbd1.log" | grep -q "running state adopted" ||
		fail "x1 did not adopt its running state"
	wait_until "$ROUTE_WAIT" paths_are "$VIP_B" "$(x_front4 1) $(x_front4 2)"
}

test_clean_stop_keeps_routes_unless_told() {
	local all="$VIP_A $VIP_B $VIP6"
	stop_xlbd 1 TERM
	assert_eq "$(host_routes 1)" "$all" "x1's table after a clean stop:"
	start_xlbd 1 --withdraw-on-stop
	stop_xlbd 1 TERM
	assert_eq "$(host_routes 1)" "" "x1's table after a stop with --withdraw-on-stop:"
	wait_until "$ROUTE_WAIT" paths_are "$VIP_A" "$(x_front4 2)"
	start_xlbd 1
	wait_until "$ROUTE_WAIT" routes_are 1 "$all"
	wait_until "$ROUTE_WAIT" paths_are "$VIP_A" "$(x_front4 1) $(x_front4 2)"
}

now() { date +%s.%N; }
# since T0 T1 SECONDS: T1 is at least SECONDS after T0.
since() { awk -v a="$1" -v b="$2" -v s="$3" 'BEGIN { exit !(b - a >= s) }'; }
ms_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%d\n", (b - a) * 1000 }'; }

# monitor NAME NS: `ip monitor route` in NS, timestamped, into mon-NAME.log.
monitor() {
	bg_ns "$2" "$E2E_TMP/mon-$1.log" "$MONITOR_SECONDS" ip -tshort monitor route
}

# event_time NAME WORD...: the time of the first route event of monitor NAME
# whose words after the timestamp start with WORD...
event_time() {
	local log=$E2E_TMP/mon-$1.log line
	shift
	line=$(awk -v want="$*" '{ t = $1; $1 = ""; sub(/^ /, ""); if (index($0, want) == 1) { print t; exit } }' "$log")
	[ -n "$line" ] || return 1
	line=${line#[}
	date -d "${line%]}" +%s.%N
}

# The time from `announce off` on x1 to the router moving the traffic off
# x1, under a stream of many flows: xlbd's route out of its table, BIRD's
# withdrawal, the router's BIRD replacing its ECMP route. The route events
# are timestamped by the kernel's notifications (ip monitor); the traffic
# is checked to have left x1 by x1's counters, and none lost.
test_convergence_from_announce_off() {
	local v=$VIP_A:$PORT/udp out=$E2E_TMP/conv.stream t0 t_x1 t_router t_last last c now_t
	local before sent received i x1_ms router_ms last_ms
	both_announce
	before=0
	for ((i = 1; i <= NBACKENDS; i++)); do
		[ -f "$E2E_TMP/count$i.json" ] && before=$((before + $(jq .total "$E2E_TMP/count$i.json")))
	done
	monitor x1 "$(x_ns 1)"
	monitor r "$(ns r)"
	bg_ns "$(ns c)" "$out" $((STREAM_PACKETS / STREAM_RATE + 10)) \
		"$PYTHON" "$CLIENT_PY" udp-stream "$VIP_A" "$PORT" "$STREAM_PACKETS" "$STREAM_RATE" "$STREAM_FLOWS"
	sleep "$WITHDRAW_AFTER"
	last=$(vip_counter 1 "$v" packets)
	t0=$(now)
	announce 1 off
	# x1 forwards until the router moves the flows: wait for its counter to
	# stay still
	t_last=$t0
	while :; do
		now_t=$(now)
		c=$(vip_counter 1 "$v" packets)
		if [ "$c" != "$last" ]; then
			last=$c
			t_last=$now_t
		fi
		since "$t_last" "$now_t" "$POLL_QUIET" && break
		since "$t0" "$now_t" "$POLL_LIMIT" && fail "x1 still forwarding after ${POLL_LIMIT}s"
	done
	t_x1=$(event_time x1 Deleted blackhole "$VIP_A" table "$TABLE") ||
		fail "no removal of $VIP_A from x1's table seen"
	t_router=$(event_time r "$VIP_A" via "$(x_front4 2)") ||
		fail "no single-path route to $VIP_A seen on the router"
	x1_ms=$(ms_between "$t0" "$t_x1")
	router_ms=$(ms_between "$t0" "$t_router")
	last_ms=$(ms_between "$t0" "$t_last")
	wait_until $((STREAM_PACKETS / STREAM_RATE + 10)) grep -q '^sent' "$out"
	sent=$(awk '$1 == "sent" { print $2 }' "$out")
	sleep 1 # the servers write their counts every 0.2 s
	received=0
	for ((i = 1; i <= NBACKENDS; i++)); do
		received=$((received + $(jq .total "$E2E_TMP/count$i.json")))
	done
	received=$((received - before))
	echo "convergence: x1's route removed +${x1_ms} ms, router's route +${router_ms} ms, x1's counter last moved by the poll at +${last_ms} ms; sent $sent received $received"
	assert_eq "$received" "$sent" "datagrams across the withdrawal:"
	echo "scale-out: announce off -> router moved the traffic in ${router_ms} ms (x1's route out of its table ${x1_ms} ms), $sent datagrams over $STREAM_FLOWS flows, none lost" >&3
	announce 1 on
	wait_until "$ROUTE_WAIT" paths_are "$VIP_A" "$(x_front4 1) $(x_front4 2)"
}

run_tests "$@"
