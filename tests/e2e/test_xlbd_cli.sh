#!/bin/bash
# shellcheck disable=SC2317 # test functions are called by run_tests, by name
# xlbctl against a running xlbd on the lab, with real traffic: HTTP, TCP and
# UDP through the VIPs to servers on three backends that name themselves.
# Changes made from the CLI take effect on the traffic; a drained backend
# keeps its established connections and gets no new ones; removing a backend
# moves only its own connections; batches are all-or-nothing; `xlbctl save`
# recreates the same configuration in a fresh xlbd; every CLI error is one
# line, a non-zero exit, and changes nothing.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

P=xlbt-cli-$$
# shellcheck source=tests/e2e/xlbd_lab.sh
. "$E2E_ROOT/tests/e2e/xlbd_lab.sh"

SPREAD=60 # new connections per spread check: each backend gets ~20
HELD=24   # connections held open across a change: each backend holds ~8
REUSED_PORT0=46000 # source ports test_..._reused_port connects from
LARGE_BATCH=4000 # lines: ~400 KB of requests, several 64 KiB records (XLB_CTL_RECORD_MAX)

suite_setup() {
	xlb_lab_up
	# never handed out as ephemeral ports: a held connection on one of them
	# would make the test's connect from it fail
	client sysctl -q -w net.ipv4.ip_local_reserved_ports="$REUSED_PORT0-$((REUSED_PORT0 + HELD - 1))"
}
suite_cleanup() { xlb_lab_down; }

be_addr() { backend4 "${1#be}"; }

# every_backend TALLY: each backend answered at least once, nothing else did.
every_backend() {
	local i
	for ((i = 1; i <= NBACKENDS; i++)); do
		assert_gt "$(count_of "$1" "be$i")" 0 "be$i in $1:"
	done
	assert_eq "$(count_of "$1" other)" 0 "failed or foreign answers in $1:"
}

# all_but TALLY NAME: every answer came from a backend other than NAME.
all_but() {
	assert_eq "$(count_of "$1" "$2")" 0 "$2 answered new connections: $1"
	assert_eq "$(count_of "$1" other)" 0 "failed answers in $1:"
}

test_baseline_traffic_reaches_every_backend() {
	reset_config
	every_backend "$(http_ask "$SPREAD" "http://$VIP4:$HTTP_PORT/" | tally)"
	every_backend "$(http_ask "$SPREAD" "http://[$VIP6]:$HTTP_PORT/" | tally)"
	every_backend "$(tcp_ask "$VIP4" "$SPREAD" | tally)"
	every_backend "$(udp_ask "$VIP4" "$SPREAD" | tally)"
}

# A VIP that exists only once xlbctl adds it, and stops with `vip del`.
test_vip_added_by_cli_serves_traffic() {
	local vip=$VIP4_SPARE:$HTTP_PORT/tcp i t
	reset_config
	t=$(http_ask 3 "http://$VIP4_SPARE:$HTTP_PORT/" | tally)
	assert_eq "$(count_of "$t" other)" 3 "answers before the VIP exists: $t"
	ctl vip add "$VIP4_SPARE" port "$HTTP_PORT" proto tcp
	for ((i = 1; i <= NBACKENDS; i++)); do
		ctl backend add vip "$vip" addr "$(backend4 "$i")"
	done
	every_backend "$(http_ask "$SPREAD" "http://$VIP4_SPARE:$HTTP_PORT/" | tally)"
	ctl vip del "$vip"
	t=$(http_ask 3 "http://$VIP4_SPARE:$HTTP_PORT/" | tally)
	assert_eq "$(count_of "$t" other)" 3 "answers after vip del: $t"
}

# backend del: no more new connections or flows (HTTP and UDP); add: back.
test_backend_removed_gets_no_traffic() {
	reset_config
	ctl backend del vip "$VIP4:$HTTP_PORT/tcp" addr "$(backend4 2)"
	ctl backend del vip "$VIP4:$ECHO_PORT/udp" addr "$(backend4 2)"
	all_but "$(http_ask "$SPREAD" "http://$VIP4:$HTTP_PORT/" | tally)" be2
	all_but "$(udp_ask "$VIP4" "$SPREAD" | tally)" be2
	ctl backend add vip "$VIP4:$HTTP_PORT/tcp" addr "$(backend4 2)"
	ctl backend add vip "$VIP4:$ECHO_PORT/udp" addr "$(backend4 2)"
	every_backend "$(http_ask "$SPREAD" "http://$VIP4:$HTTP_PORT/" | tally)"
	every_backend "$(udp_ask "$VIP4" "$SPREAD" | tally)"
}

# weight 0 and drain: no new connections; weight back and undrain: again.
test_weight_zero_and_drain_take_no_new_flows() {
	local vip=$VIP4:$HTTP_PORT/tcp t
	reset_config
	ctl backend set vip "$vip" addr "$(backend4 1)" weight 0
	ctl backend set vip "$vip" addr "$(backend4 3)" drain
	assert_match "$(ctl backend show vip "$vip")" "$(backend4 3) +100 +draining" "vip show:"
	t=$(http_ask "$SPREAD" "http://$VIP4:$HTTP_PORT/" | tally)
	assert_eq "$(count_of "$t" be2)" "$SPREAD" "only be2 takes new connections: $t"
	ctl backend set vip "$vip" addr "$(backend4 1)" weight 100
	ctl backend set vip "$vip" addr "$(backend4 3)" undrain
	every_backend "$(http_ask "$SPREAD" "http://$VIP4:$HTTP_PORT/" | tally)"
}

# Connections held open across a drain keep exchanging data with their own
# backend (the drained one included); new ones avoid the drained backend.
test_drained_backend_keeps_established_connections() {
	local dir=$E2E_TMP/drain x moved
	reset_config
	hold_open "$dir" "$HELD"
	x=$(busiest_holder "$dir")
	ctl backend set vip "$VIP4:$ECHO_PORT/tcp" addr "$(be_addr "$x")" drain
	all_but "$(tcp_ask "$VIP4" "$SPREAD" | tally)" "$x"
	hold_release "$dir"
	moved=$(awk '$2 != $3' "$dir/result")
	assert_eq "$moved" "" "held connections that lost their backend across the drain:"
	assert_gt "$(awk -v x="$x" '$3 == x' "$dir/result" | wc -l)" 0 \
		"held connections still answered by drained $x:"
}

# A new connection is new even when its 4-tuple was seen before: a client
# that reuses a source port (every client does, sooner or later) must not be
# sent to a drained backend because a closed connection's flow entry is
# still in the flow table.
test_drained_backend_gets_no_new_connection_on_a_reused_port() {
	local ports x before after
	reset_config
	ports=$(seq "$REUSED_PORT0" $((REUSED_PORT0 + HELD - 1)))
	# shellcheck disable=SC2086
	before=$(client timeout "$ASK_SECONDS" "$PYTHON" "$CLIENT_PY" tcp-from "$VIP4" "$ECHO_PORT" $ports)
	# shellcheck disable=SC2086
	after=$(client timeout "$ASK_SECONDS" "$PYTHON" "$CLIENT_PY" tcp-from "$VIP4" "$ECHO_PORT" $ports)
	assert_eq "$after" "$before" "the same source ports, again, before any change:"
	x=$(awk '{ print $2 }' <<<"$before" | sort | uniq -c | sort -rn | awk 'NR == 1 { print $2 }')
	ctl backend set vip "$VIP4:$ECHO_PORT/tcp" addr "$(be_addr "$x")" drain
	# shellcheck disable=SC2086
	after=$(client timeout "$ASK_SECONDS" "$PYTHON" "$CLIENT_PY" tcp-from "$VIP4" "$ECHO_PORT" $ports)
	assert_eq "$(awk -v x="$x" '$2 == x || $2 == "ERROR"' <<<"$after" | wc -l)" 0 \
		"new connections (reused source ports) sent to drained $x or failed: $(tr '\n' ' ' <<<"$after")"
}

# Removing a backend breaks its own connections only: the others, held open
# across the removal, are still answered by the backend they started with.
test_backend_removal_moves_only_its_own_flows() {
	local dir=$E2E_TMP/remove x kept broken
	reset_config
	hold_open "$dir" "$HELD"
	x=$(busiest_holder "$dir")
	ctl backend del vip "$VIP4:$ECHO_PORT/tcp" addr "$(be_addr "$x")"
	all_but "$(tcp_ask "$VIP4" "$SPREAD" | tally)" "$x"
	hold_release "$dir"
	kept=$(awk -v x="$x" '$2 != x && $2 != $3' "$dir/result")
	assert_eq "$kept" "" "connections of other backends that moved:"
	broken=$(awk -v x="$x" '$2 == x && $3 == x' "$dir/result")
	assert_eq "$broken" "" "connections still answered by removed $x:"
	assert_gt "$(awk -v x="$x" '$2 != x' "$dir/result" | wc -l)" 0 \
		"connections on the other backends:"
}

# A batch with one bad line changes nothing, whether the CLI (a parse error)
# or the daemon (a semantic one) finds it; the error names FILE:LINE.
test_batch_is_all_or_nothing() {
	local before out rc vip=$VIP4_SPARE:$HTTP_PORT/tcp
	local bad1=$E2E_TMP/parse.batch bad2=$E2E_TMP/daemon.batch good=$E2E_TMP/good.batch
	reset_config
	before=$(ctl save)
	cat >"$good" <<-EOB
		# a comment, then a blank line

		vip add $vip
		backend add vip $vip addr $(backend4 1) weight 50
		backend set vip $VIP4:$HTTP_PORT/tcp addr $(backend4 2) drain
	EOB
	{
		cat "$good"
		echo "backend add vip $vip addr $(backend4 2) weight 70000"
	} >"$bad1"
	{
		cat "$good"
		echo "backend add vip $vip addr $(backend4 1)"
	} >"$bad2"
	rc=0
	out=$(ctl -b "$bad1" 2>&1) || rc=$?
	[ "$rc" -ne 0 ] || fail "a batch with a bad weight succeeded"
	assert_match "$out" "^xlbctl: $bad1:6: .*70000" "parse error:"
	assert_eq "$(ctl save)" "$before" "config after a batch with a parse error:"
	rc=0
	out=$(ctl -b "$bad2" 2>&1) || rc=$?
	[ "$rc" -ne 0 ] || fail "a batch with a duplicate backend succeeded"
	assert_match "$out" "^xlbctl: $bad2:6: .*exists" "daemon error:"
	assert_eq "$(ctl save)" "$before" "config after a batch refused by the daemon:"
	# nothing of it reached the data plane either
	assert_eq "$(count_of "$(http_ask 3 "http://$VIP4_SPARE:$HTTP_PORT/" | tally)" other)" 3 \
		"answers from the VIP of a refused batch:"
	ctl -b "$good"
	assert_match "$(ctl save)" "backend add vip $vip addr $(backend4 1) weight 50" "good batch:"
	assert_eq "$(http_ask 5 "http://$VIP4_SPARE:$HTTP_PORT/" | tally | cut -d' ' -f1)" be1=5 \
		"the good batch's VIP:"
}

# A batch larger than one control record (it spans several) is still one
# all-or-nothing change, and its errors still name the right line.
test_large_batch_is_all_or_nothing() {
	local before out rc=0 i v=$VIP4:$HTTP_PORT/tcp batch=$E2E_TMP/large.batch
	reset_config
	before=$(ctl save)
	awk -v n="$LARGE_BATCH" -v b="$NBACKENDS" -v v="$v" 'BEGIN {
		for (i = 1; i <= n; i++)
			printf "backend set vip %s addr 198.19.%d.1 weight %d\n", v, i % b + 1, i % 200 + 1
	}' >"$batch"
	echo "backend set vip $v addr 198.19.9.1 weight 1" >>"$batch"
	out=$(ctl -b "$batch" 2>&1) || rc=$?
	[ "$rc" -ne 0 ] || fail "a large batch with an unknown backend succeeded"
	assert_match "$out" "^xlbctl: $batch:$((LARGE_BATCH + 1)): .*198.19.9.1" "error:"
	assert_eq "$(ctl save)" "$before" "config after the refused large batch:"
	sed -i '$d' "$batch"
	ctl -b "$batch"
	# the last line for each backend wins
	for ((i = LARGE_BATCH - NBACKENDS + 1; i <= LARGE_BATCH; i++)); do
		assert_match "$(ctl save)" \
			"addr $(backend4 $((i % NBACKENDS + 1))) weight $((i % 200 + 1))" "after the batch:"
	done
}

# cli_error EXPECTED_REGEX ARGS...: one line on stderr matching, nothing on
# stdout, a non-zero exit, the configuration unchanged.
cli_error() {
	local want=$1 before out err rc=0
	shift
	before=$(ctl save)
	ctl "$@" >"$E2E_TMP/out" 2>"$E2E_TMP/err" || rc=$?
	out=$(cat "$E2E_TMP/out")
	err=$(cat "$E2E_TMP/err")
	[ "$rc" -ne 0 ] || fail "xlbctl $* exited 0"
	assert_eq "$out" "" "stdout of xlbctl $*:"
	assert_eq "$(wc -l <"$E2E_TMP/err")" 1 "stderr lines of xlbctl $* ($err):"
	assert_match "$err" "$want" "xlbctl $*:"
	assert_eq "$(ctl save)" "$before" "config after xlbctl $*:"
}

test_cli_errors_are_one_line_and_change_nothing() {
	local v=$VIP4:$HTTP_PORT/tcp b1
	b1=$(backend4 1)
	reset_config
	cli_error 'unknown word "frob".*add, del, set, show' vip frob
	cli_error 'unknown word "frob"' frob
	cli_error 'ambiguous word "s": stats, save' s
	cli_error 'ambiguous word "d".*drain, down' backend set vip "$v" addr "$b1" d
	cli_error 'missing PORT after "port"' vip add "$VIP4_SPARE" port
	cli_error 'missing "proto PROTO"' vip add "$VIP4_SPARE" port 80
	cli_error 'missing.*addr' backend add vip "$v"
	cli_error 'unknown VIP 198.18.1.99:80/tcp' backend add vip 198.18.1.99:80/tcp addr "$b1"
	cli_error 'unknown VIP 198.18.1.99:80/tcp' vip del 198.18.1.99:80/tcp
	cli_error "backend $b1 exists" backend add vip "$v" addr "$b1"
	cli_error "VIP $v exists" vip add "$v"
	cli_error 'bad WEIGHT "70000"' backend set vip "$v" addr "$b1" weight 70000
	cli_error 'bad WEIGHT "-1"' backend add vip "$v" addr 198.19.9.1 weight -1
	cli_error "unknown backend 198.19.9.1" backend set vip "$v" addr 198.19.9.1 weight 5
	cli_error 'unknown PROTO "sctp"' vip add "$VIP4_SPARE" port 80 proto sctp
	cli_error 'bad ADDR "198.18.1"' vip add 198.18.1 port 80 proto tcp
	cli_error 'IPv6 but the VIP is IPv4' backend add vip "$v" addr "$(backend6 1)"
	cli_error '"undrain" contradicts' backend set vip "$v" addr "$b1" drain undrain
}

# `xlbctl save` of a varied configuration, given to a fresh xlbd (program,
# pins and state removed), recreates exactly that configuration.
test_save_restore_round_trip() {
	local saved=$E2E_TMP/saved.conf v=$VIP4:$HTTP_PORT/tcp
	reset_config
	ctl backend set vip "$v" addr "$(backend4 1)" weight 7
	ctl backend set vip "$v" addr "$(backend4 2)" drain
	ctl backend set vip "$v" addr "$(backend4 3)" backup
	ctl backend add vip "$v" addr 198.19.9.1 weight 3 down
	ctl vip add "$VIP4_SPARE" port 0 proto udp mode l2dsr
	ctl backend add vip "$VIP4_SPARE:0/udp" addr "$(backend4 2)" port 5353 weight 65535
	ctl config set mtu 1500
	ctl save >"$saved"
	stop_xlbd TERM
	lb "$XLBD" --dev lb-c --name "$NAME" --detach
	assert_eq "$(prog_id)" "" "program after xlbd --detach:"
	start_xlbd --config "$saved"
	assert_eq "$(ctl save)" "$(cat "$saved")" "save of the restored xlbd:"
	# and it serves: be1 is the only primary taking new connections
	assert_eq "$(http_ask 5 "http://$VIP4:$HTTP_PORT/" | tally | cut -d' ' -f1)" be1=5 \
		"answers of the restored config:"
}

run_tests "$@"
