#!/bin/bash
# shellcheck disable=SC2317 # test functions are called by run_tests, by name
# Source rate limits and ACL end to end (docs/ratelimit-acl.md), on the lab
# with real traffic from several client addresses (extra addresses on the
# client's veth), counted by the UDP servers on the backends:
#   - one source flooding UDP far above its limit gets the limit through
#     (burst + rate x time, within 10 %), a second source under its limit
#     loses nothing, and `ratelimit top` and `stats` name the flooder;
#   - a denied prefix reaches nothing (UDP, HTTP, IPv4, IPv6) while the
#     host's own traffic from it is untouched; an allow list on a VIP admits
#     only its prefixes and leaves other VIPs alone;
#   - batches are all-or-nothing; `save` restores exactly; SIGHUP applies a
#     config's ACL and limits; deleting a VIP removes its entries from the
#     maps; past the flow-insert budget new flows are forwarded, not stored;
#   - after kill -9 the maps keep enforcing, and the restarted xlbd keeps
#     the same limits and ACL.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

P=xlbt-gd-$$
# shellcheck source=tests/e2e/xlbd_lab.sh
. "$E2E_ROOT/tests/e2e/xlbd_lab.sh"

SEND=$E2E_ROOT/tests/e2e/guard_send.py
# Client addresses besides the lab's own 198.18.0.1 / 2001:2::1.
FLOODER=198.18.0.2
QUIET=198.18.0.3
DENIED4=198.18.0.5   # in DENY4_NET
DENY4_NET=198.18.0.4/30
DENIED6=2001:2::5    # in DENY6_NET
DENY6_NET=2001:2::4/126
ALLOWED6=2001:2::2
LB_ADDR4=198.18.0.254 # the lb's own address on the client side (scripts/lab.sh)
CLOSED_PORT=9
CURL_REFUSED=7
RL_PPS=500            # the packet limit of the flood tests
RL_BURST=50
FLOOD_RATE=5000       # 10x the limit
FLOOD_COUNT=20000     # 4 s
FLOOD_MIN_RATE=1500   # what the sender must reach for the test to mean anything
QUIET_RATE=200        # under the limit
QUIET_COUNT=800       # 4 s, alongside the flood
SMALL_COUNT=100       # datagrams of a reachability check
SMALL_RATE=200
TOLERANCE_PCT=10
SEND_SLACK=10         # seconds a sender may take beyond COUNT / RATE
SETTLE_POLLS=40       # bound on waiting for the servers' counts to settle
SETTLE_POLL=0.3
ASKS=6                # HTTP requests that must all be answered
BLOCKED_ASKS=2        # requests that must all fail (each waits CURL_SECONDS)
BUDGET=1              # new flows stored per second per CPU
BUDGET_FLOWS=30

# Source ports: each send is its own flow, counted apart at the backends
# (kept in a file: callers run it in a subshell).
FIRST_PORT=41000
sport() {
	local f=$E2E_TMP/next-port n
	n=$(cat "$f" 2>/dev/null || echo "$FIRST_PORT")
	echo $((n + 1)) >"$f"
	echo $((n + 1))
}

suite_setup() {
	xlb_lab_up
	client ip addr add "$FLOODER/24" dev c-lb
	client ip addr add "$QUIET/24" dev c-lb
	client ip addr add "$DENIED4/24" dev c-lb
	client ip addr add "$ALLOWED6/64" dev c-lb nodad
	client ip addr add "$DENIED6/64" dev c-lb nodad
}
suite_cleanup() { xlb_lab_down; }

# Back to the baseline with no ACL, rate limit or flow budget: the VIPs go
# (and their lists and limits with them), then the global ones.
guard_reset() {
	local batch=$E2E_TMP/guard-reset.batch
	if xlbd_gone; then
		start_xlbd --config "$BASELINE"
	fi
	[ -n "$(prog_id)" ] || ctl attach
	{
		ctl save | awk '
			$1 == "vip" && $2 == "add" { print "vip del " $3 }
			$1 == "acl" && $2 == "add" && NF == 4 { print "acl del " $3 " " $4 }
			$1 == "ratelimit" && $2 == "set" && $3 != "vip" { print "ratelimit del" }'
		cat "$BASELINE"
		echo "config set flow-budget 0"
	} >"$batch"
	ctl -b "$batch"
}

# received SRC SPORT: datagrams of that flow counted by all the backends.
received() {
	local i f n=0 c
	for ((i = 1; i <= NBACKENDS; i++)); do
		f=$E2E_TMP/count$i.json
		[ -f "$f" ] || continue
		c=$(jq -r --arg k "$1 $2" '.flows[$k] // 0' "$f" 2>/dev/null || echo 0)
		n=$((n + c))
	done
	echo "$n"
}

# settled SRC SPORT: the flow's count once it stops changing.
settled() {
	local i a b
	a=$(received "$1" "$2")
	for ((i = 0; i < SETTLE_POLLS; i++)); do
		sleep "$SETTLE_POLL"
		b=$(received "$1" "$2")
		[ "$a" = "$b" ] && break
		a=$b
	done
	echo "$a"
}

# send_bg OUT SRC SPORT COUNT RATE [DST]: a paced UDP flow to the echo VIP.
send_bg() {
	bg_ns "$P-client" "$1" "$(($4 / $5 + SEND_SLACK))" \
		"$PYTHON" "$SEND" "$2" "$3" "${6:-$VIP4}" "$ECHO_PORT" "$4" "$5" "run$3"
}

sent_done() { grep -q '^elapsed ' "$1"; }
field() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }

# send_wait OUT COUNT RATE: the sender ended having sent everything.
send_wait() {
	wait_until "$(($2 / $3 + SEND_SLACK))" sent_done "$1" || cat "$1" >&2
	assert_eq "$(field "$1" sent)" "$2" "datagrams sent ($1):"
}

# reach SRC [DST]: how many of SMALL_COUNT datagrams from SRC arrive.
reach() {
	local out=$E2E_TMP/reach.$RANDOM port
	port=$(sport)
	send_bg "$out" "$1" "$port" "$SMALL_COUNT" "$SMALL_RATE" "${2:-}"
	send_wait "$out" "$SMALL_COUNT" "$SMALL_RATE"
	settled "$1" "$port"
}

# http_from N SRC URL: the backends answering N requests from SRC.
http_from() {
	local i
	for ((i = 0; i < $1; i++)); do
		client timeout "$ASK_SECONDS" curl -sS -g -m "$CURL_SECONDS" --interface "$2" "$3" 2>&1 ||
			true
	done
}

# served SRC URL: ASKS requests from SRC all answered by backends.
served() {
	local t
	t=$(http_from "$ASKS" "$1" "$2" | tally)
	assert_eq "$(count_of "$t" other)" 0 "HTTP from $1 to $2: $t"
}

# refused SRC URL: BLOCKED_ASKS requests from SRC all unanswered.
refused() {
	local t
	t=$(http_from "$BLOCKED_ASKS" "$1" "$2" | tally)
	assert_eq "$(count_of "$t" other)" "$BLOCKED_ASKS" "HTTP from $1 to $2: $t"
}

# flood_check: FLOODER floods, QUIET sends under the limit, both at once;
# the flood gets burst + rate x its duration through, within TOLERANCE_PCT;
# the quiet source gets everything through.
flood_check() {
	local fout=$E2E_TMP/flood.$RANDOM qout=$E2E_TMP/quiet.$RANDOM fport qport
	local got want elapsed quiet
	fport=$(sport)
	qport=$(sport)
	send_bg "$fout" "$FLOODER" "$fport" "$FLOOD_COUNT" "$FLOOD_RATE"
	send_bg "$qout" "$QUIET" "$qport" "$QUIET_COUNT" "$QUIET_RATE"
	send_wait "$fout" "$FLOOD_COUNT" "$FLOOD_RATE"
	send_wait "$qout" "$QUIET_COUNT" "$QUIET_RATE"
	elapsed=$(field "$fout" elapsed)
	awk -v n="$FLOOD_COUNT" -v t="$elapsed" -v min="$FLOOD_MIN_RATE" 'BEGIN { exit !(n / t >= min) }' ||
		fail "the flood reached only $FLOOD_COUNT in ${elapsed}s: below $FLOOD_MIN_RATE/s"
	got=$(settled "$FLOODER" "$fport")
	quiet=$(settled "$QUIET" "$qport")
	want=$(awk -v b="$RL_BURST" -v r="$RL_PPS" -v t="$elapsed" 'BEGIN { printf "%d", b + r * t }')
	echo "flood: $FLOOD_COUNT sent in ${elapsed}s, $got arrived, $want expected; quiet: $quiet"
	awk -v g="$got" -v w="$want" -v p="$TOLERANCE_PCT" \
		'BEGIN { d = g - w; if (d < 0) d = -d; exit !(d * 100 <= w * p) }' ||
		fail "flooder got $got through, expected $want within $TOLERANCE_PCT %"
	assert_eq "$quiet" "$QUIET_COUNT" "quiet source's datagrams at the backends:"
}

stat_of() { ctl -j stats | jq -r --arg n "$1" '.counters[] | select(.name == $n) | .packets'; }
vip_stat() { ctl -j stats | jq -r --arg v "$1" --arg k "$2" '.vips[] | select(.vip == $v) | .[$k]'; }

test_flood_is_held_to_its_limit_and_a_quiet_source_loses_nothing() {
	local top
	guard_reset
	ctl ratelimit set pps "$RL_PPS" burst "$RL_BURST"
	flood_check
	top=$(ctl -j ratelimit top)
	assert_eq "$(jq -r '.[0].source' <<<"$top")" "$FLOODER/32" "first offender:"
	assert_gt "$(jq -r '.[0].pps_drops' <<<"$top")" 0 "its packet drops:"
	assert_eq "$(jq -r --arg s "$QUIET/32" '[.[] | select(.source == $s)] | length' <<<"$top")" \
		0 "the quiet source among the offenders:"
	assert_match "$(ctl ratelimit top)" "$FLOODER/32 +global" "ratelimit top:"
	assert_gt "$(stat_of drop_ratelimit_pps)" 0 "global drop_ratelimit_pps:"
	assert_gt "$(vip_stat "$VIP4:$ECHO_PORT/udp" rl_pps_drops)" 0 "the VIP's rl_pps_drops:"
}

# A VIP's own setting wins over the global one: exempt, then stricter.
test_vip_setting_overrides_the_global_one() {
	local v=$VIP4:$ECHO_PORT/udp
	guard_reset
	ctl ratelimit set pps 50 burst 1
	ctl ratelimit set vip "$v" pps "$RL_PPS" burst "$RL_BURST"
	assert_match "$(ctl ratelimit show)" "$v +$RL_PPS +$RL_BURST +off" "ratelimit show:"
	flood_check
	ctl ratelimit set vip "$v" pps 0 flows 0
	assert_eq "$(reach "$FLOODER")" "$SMALL_COUNT" "datagrams to an exempt VIP:"
	ctl ratelimit del vip "$v"
	assert_gt "$SMALL_COUNT" "$(reach "$FLOODER")" "datagrams under the global limit of 50/s:"
}

test_denied_prefix_reaches_nothing() {
	local drops rc
	guard_reset
	ctl acl add deny "$DENY4_NET"
	ctl acl add deny "$DENY6_NET"
	assert_eq "$(reach "$DENIED4")" 0 "datagrams from a denied source:"
	assert_eq "$(reach "$QUIET")" "$SMALL_COUNT" "datagrams from another source:"
	refused "$DENIED4" "http://$VIP4:$HTTP_PORT/"
	served "$QUIET" "http://$VIP4:$HTTP_PORT/"
	refused "$DENIED6" "http://[$VIP6]:$HTTP_PORT/"
	served "$ALLOWED6" "http://[$VIP6]:$HTTP_PORT/"
	# the host's own traffic is never judged: the lb's kernel refuses a
	# connection to a closed port (curl's 7), it does not vanish (28)
	rc=0
	client curl -s -m "$CURL_SECONDS" --interface "$DENIED4" "http://$LB_ADDR4:$CLOSED_PORT/" ||
		rc=$?
	assert_eq "$rc" "$CURL_REFUSED" "curl from a denied source to the lb's own address:"
	drops=$(stat_of drop_acl)
	assert_gt "$drops" 0 "global drop_acl:"
	assert_gt "$(vip_stat "$VIP4:$ECHO_PORT/udp" acl_drops)" 0 "the VIP's acl_drops:"
	ctl acl del deny "$DENY4_NET"
	assert_eq "$(reach "$DENIED4")" "$SMALL_COUNT" "datagrams once the entry is gone:"
}

test_allow_list_admits_only_its_prefixes() {
	local v=$VIP4:$HTTP_PORT/tcp v6="[$VIP6]:$HTTP_PORT/tcp"
	guard_reset
	ctl acl add allow "$QUIET/32" vip "$v"
	ctl acl add allow "$ALLOWED6" vip "$v6"
	assert_match "$(ctl acl show vip "$v")" "allow +$QUIET/32 +$v" "acl show:"
	served "$QUIET" "http://$VIP4:$HTTP_PORT/"
	refused "$FLOODER" "http://$VIP4:$HTTP_PORT/"
	refused 198.18.0.1 "http://$VIP4:$HTTP_PORT/"
	served "$ALLOWED6" "http://[$VIP6]:$HTTP_PORT/"
	refused "$DENIED6" "http://[$VIP6]:$HTTP_PORT/"
	# the other VIPs have no list
	assert_eq "$(reach "$FLOODER")" "$SMALL_COUNT" "datagrams to another VIP:"
	assert_eq "$(count_of "$(tcp_ask "$VIP4" "$ASKS" | tally)" other)" 0 "TCP to another VIP:"
	cli_error 'IPv6 but the VIP is IPv4' acl add allow 2001:2::/64 vip "$v"
	cli_error 'unknown VIP 198.18.1.99:80/tcp' acl add allow "$QUIET" vip 198.18.1.99:80/tcp
	cli_error "$QUIET/32 is in the ACL of VIP $v already" acl add deny "$QUIET" vip "$v"
	cli_error "is an allow entry" acl del deny "$QUIET" vip "$v"
	cli_error 'bits set past /24' acl add deny 198.18.0.1/24
}

# cli_error EXPECTED_REGEX ARGS...: one line on stderr, nothing on stdout,
# a non-zero exit, the configuration unchanged.
cli_error() {
	local want=$1 before err rc=0
	shift
	before=$(ctl save)
	ctl "$@" >"$E2E_TMP/out" 2>"$E2E_TMP/err" || rc=$?
	err=$(cat "$E2E_TMP/err")
	[ "$rc" -ne 0 ] || fail "xlbctl $* exited 0"
	assert_eq "$(cat "$E2E_TMP/out")" "" "stdout of xlbctl $*:"
	assert_eq "$(wc -l <"$E2E_TMP/err")" 1 "stderr lines of xlbctl $* ($err):"
	assert_match "$err" "$want" "xlbctl $*:"
	assert_eq "$(ctl save)" "$before" "config after xlbctl $*:"
}

test_batch_is_all_or_nothing() {
	local before out rc v=$VIP4:$HTTP_PORT/tcp good=$E2E_TMP/guard-good.batch bad=$E2E_TMP/guard-bad.batch
	guard_reset
	before=$(ctl save)
	cat >"$good" <<-EOB
		ratelimit set pps 1000 burst 100 flows 100
		ratelimit set vip $v pps 0 flows 0
		acl add deny $DENY4_NET
		acl add allow $QUIET vip $v
		config set flow-budget 5000
	EOB
	for last in "acl add allow $QUIET vip 198.18.1.99:80/tcp" "acl add deny $DENY4_NET" \
		"ratelimit del vip $VIP4_SPARE:80/tcp" "acl del allow $FLOODER/32"; do
		{
			cat "$good"
			echo "$last"
		} >"$bad"
		rc=0
		out=$(ctl -b "$bad" 2>&1) || rc=$?
		[ "$rc" -ne 0 ] || fail "a batch ending in '$last' succeeded"
		assert_match "$out" "^xlbctl: $bad:6: .*nothing applied" "error of '$last':"
		assert_eq "$(ctl save)" "$before" "config after the batch ending in '$last':"
	done
	assert_eq "$(reach "$DENIED4")" "$SMALL_COUNT" "datagrams from $DENIED4 after refused batches:"
	{
		cat "$good"
		echo "ratelimit set pps 10 burst 0"
	} >"$bad"
	rc=0
	out=$(ctl -b "$bad" 2>&1) || rc=$?
	[ "$rc" -ne 0 ] || fail "a batch with a zero burst succeeded"
	assert_match "$out" "^xlbctl: $bad:6: bad B \"0\"" "parse error:"
	ctl -b "$good"
	out=$(ctl save)
	assert_match "$out" "ratelimit set pps 1000 burst 100 flows 100 burst 100 prefix4 32 prefix6 64" \
		"save:"
	assert_match "$out" "acl add allow $QUIET/32 vip $v" "save:"
	assert_match "$out" "config set flow-budget 5000" "save:"
	assert_eq "$(reach "$DENIED4")" 0 "datagrams from $DENIED4 after the good batch:"
}

# `save` of a varied configuration, given to a fresh xlbd, recreates it.
test_save_restore_round_trip() {
	local saved=$E2E_TMP/guard-saved.conf v=$VIP4:$HTTP_PORT/tcp
	guard_reset
	ctl ratelimit set pps 1000 burst 2000 flows 100 burst 50 prefix4 24 prefix6 48
	ctl ratelimit set vip "$v" pps 300 prefix6 56
	ctl ratelimit set vip "[$VIP6]:$HTTP_PORT/tcp" pps 0 flows 0
	ctl acl add deny "$DENY4_NET"
	ctl acl add allow "$DENIED4"
	ctl acl add deny "$DENY6_NET"
	ctl acl add allow "$QUIET" vip "$v"
	ctl acl add deny 198.18.0.0/16 vip "$VIP4:$ECHO_PORT/udp"
	ctl acl add allow "$QUIET" vip "$VIP4:$ECHO_PORT/udp"
	ctl config set flow-budget 12345
	ctl save >"$saved"
	stop_xlbd TERM
	lb "$XLBD" --dev lb-c --name "$NAME" --detach
	start_xlbd --config "$saved"
	assert_eq "$(ctl save)" "$(cat "$saved")" "save of the restored xlbd:"
	assert_eq "$(reach "$QUIET")" "$SMALL_COUNT" "datagrams from the allowed exception:"
	assert_eq "$(reach "$FLOODER")" 0 "datagrams from the VIP's denied /16:"
}

# The config file holds ACL and limits too; SIGHUP applies them, and takes
# them away when the file no longer has them.
test_sighup_applies_acl_and_limits() {
	local conf=$E2E_TMP/hup.conf
	guard_reset
	cp "$BASELINE" "$conf"
	stop_xlbd TERM
	start_xlbd --config "$conf"
	{
		cat "$BASELINE"
		echo "acl add deny $DENY4_NET"
		echo "ratelimit set vip $VIP4:$ECHO_PORT/udp pps 700 burst 70"
	} >"$conf"
	kill -HUP "$(xlbd_pid)"
	wait_until "$START_WAIT" eval "ctl acl show | grep -q '$DENY4_NET'"
	assert_match "$(ctl ratelimit show)" "$VIP4:$ECHO_PORT/udp +700 +70" "limits after SIGHUP:"
	assert_eq "$(reach "$DENIED4")" 0 "datagrams from the denied prefix:"
	cp "$BASELINE" "$conf"
	kill -HUP "$(xlbd_pid)"
	wait_until "$START_WAIT" eval "! ctl acl show | grep -q '$DENY4_NET'"
	assert_eq "$(ctl ratelimit show | wc -l)" 1 "limits after the second SIGHUP (header only):"
	assert_eq "$(reach "$DENIED4")" "$SMALL_COUNT" "datagrams once the config lost the entry:"
}

# entries MAP: elements in one of the pinned maps.
entries() { lb bpftool -j map dump pinned "$(echo "$PINS"/abi*/"$1")" | jq length; }
# Scopes with a rate-limit setting in the guard map.
limited_scopes() {
	lb bpftool -j map dump pinned "$(echo "$PINS"/abi*/guard)" |
		jq '[.[] | select(.formatted.value.flags != 0)] | length'
}

test_vip_deletion_removes_its_entries_from_the_maps() {
	local v=$VIP4_SPARE:$HTTP_PORT/tcp
	guard_reset
	assert_eq "$(entries acl4)" 0 "acl4 entries at the start:"
	ctl vip add "$v"
	ctl acl add allow "$QUIET" vip "$v"
	ctl acl add deny "$DENY4_NET" vip "$v"
	ctl ratelimit set vip "$v" pps 10
	assert_eq "$(entries acl4)" 2 "acl4 entries of the VIP:"
	assert_eq "$(limited_scopes)" 1 "scopes with a rate limit:"
	ctl vip del "$v"
	assert_eq "$(entries acl4)" 0 "acl4 entries after vip del:"
	assert_eq "$(limited_scopes)" 0 "scopes with a rate limit after vip del:"
	assert_eq "$(ctl acl show | wc -l)" 1 "acl show after vip del (header only):"
}

# Past the per-CPU insert budget new flows are still forwarded by the ring,
# but not stored: counted as flow_not_stored.
test_flows_past_the_budget_are_forwarded_not_stored() {
	local before t
	guard_reset
	ctl config set flow-budget "$BUDGET"
	assert_match "$(ctl config show)" "flow-budget $BUDGET" "config show:"
	before=$(stat_of flow_not_stored)
	t=$(udp_ask "$VIP4" "$BUDGET_FLOWS" | tally)
	assert_eq "$(count_of "$t" other)" 0 "unanswered new flows past the budget: $t"
	assert_gt "$(stat_of flow_not_stored)" "$before" "flow_not_stored:"
}

# kill -9: the pinned maps keep enforcing with no daemon, and the new xlbd
# adopts the same limits and ACL.
test_kill9_keeps_limits_and_acl() {
	local acl rl
	guard_reset
	ctl ratelimit set pps "$RL_PPS" burst "$RL_BURST"
	ctl acl add deny "$DENY4_NET"
	acl=$(ctl -j acl show)
	rl=$(ctl -j ratelimit show)
	stop_xlbd KILL
	flood_check
	assert_eq "$(reach "$DENIED4")" 0 "datagrams from the denied prefix, no xlbd:"
	start_xlbd --config "$BASELINE"
	assert_eq "$(ctl -j acl show)" "$acl" "acl after the restart:"
	assert_eq "$(ctl -j ratelimit show)" "$rl" "limits after the restart:"
	assert_eq "$(entries acl4)" 1 "acl4 entries after the restart:"
	flood_check
	assert_eq "$(reach "$DENIED4")" 0 "datagrams from the denied prefix after the restart:"
}

run_tests "$@"
