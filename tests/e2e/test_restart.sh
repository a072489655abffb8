#!/bin/bash
# shellcheck disable=SC2317 # test functions are called by run_tests, by name
# Restarting xlbd without loss (DESIGN §3, docs/operating.md), on the lab
# with real traffic: a numbered UDP stream from the client through the VIP,
# counted by the servers on the backends, and TCP connections held open.
#   - kill -9 in the middle of the stream, a new xlbd on the same device:
#     every packet arrives, every flow keeps its backend, the program is
#     adopted (same id), ids, generations and config come back as they were;
#   - SIGTERM leaves the data plane forwarding;
#   - which wins when the pinned state and --config disagree, exactly as
#     docs/operating.md says (the running state; the config when there is
#     none, or on SIGHUP, keeping the ids of what both have);
#   - only `xlbctl detach` and `xlbd --detach` remove the program.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

P=xlbt-rst-$$
# shellcheck source=tests/e2e/xlbd_lab.sh
. "$E2E_ROOT/tests/e2e/xlbd_lab.sh"

STREAM_PACKETS=20000 # numbered datagrams across a kill -9 and a restart
STREAM_RATE=2000     # per second: the stream lasts 10 s
STREAM_FLOWS=16      # source ports: flows spread over the backends
KILL_AFTER=3         # seconds into the stream
DEAD_FOR=1           # seconds with no xlbd at all
SHORT_PACKETS=3000   # the stream while xlbd is stopped
STREAM_SLACK=10      # seconds a stream may take beyond COUNT / RATE
COUNT_WAIT=5         # for the servers' counts to catch up
HELD=12
CHECK_REQUESTS=20

suite_setup() { xlb_lab_up; }
suite_cleanup() { xlb_lab_down; }

# The backends' identities and settings, without their counters.
identities() {
	ctl -j backend show | "$PYTHON" -c '
import json, sys
rows = []
for vip in json.load(sys.stdin):
    for b in vip["backends"]:
        for k in ("packets", "bytes", "pps", "bps"):
            b.pop(k, None)
        rows.append(vip["vip"] + " " + json.dumps(b, sort_keys=True))
print("\n".join(sorted(rows)))'
}

# snapshot DIR: the servers' counts now.
snapshot() {
	local i
	mkdir -p "$1"
	for ((i = 1; i <= NBACKENDS; i++)); do
		if [ -f "$E2E_TMP/count$i.json" ]; then
			cp "$E2E_TMP/count$i.json" "$1/be$i.json"
		else
			echo '{"total": 0, "unique": 0, "flows": {}}' >"$1/be$i.json"
		fi
	done
}

# stream_report BEFORE_DIR SENT_FILE: "received N unique N split N" since
# the snapshot: datagrams and distinct sequence numbers the servers got, and
# how many of the stream's flows reached more than one backend.
stream_report() {
	local after=$E2E_TMP/after.$RANDOM
	snapshot "$after"
	"$PYTHON" - "$1" "$after" "$2" "$NBACKENDS" <<-'EOP'
		import json, sys
		before, after, sent, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
		ports = [l.split()[1] for l in open(sent) if l.startswith("flow ")]
		received = unique = 0
		holders = {p: set() for p in ports}
		for i in range(1, n + 1):
		    b = json.load(open(f"{before}/be{i}.json"))
		    a = json.load(open(f"{after}/be{i}.json"))
		    received += a["total"] - b["total"]
		    unique += a["unique"] - b["unique"]
		    for key, count in a["flows"].items():
		        port = key.split()[-1]
		        if port in holders and count > b["flows"].get(key, 0):
		            holders[port].add(i)
		split = sum(1 for h in holders.values() if len(h) > 1)
		print(f"received {received} unique {unique} split {split}")
	EOP
}

log_lines() { wc -l <"$E2E_TMP/xlbd.log"; }

# logged_since N REGEX: a line of xlbd's log past its first N lines matches.
logged_since() {
	tail -n +"$(($1 + 1))" "$E2E_TMP/xlbd.log" | grep -q -- "$2" ||
		fail "xlbd never logged /$2/"
}

stream_sent() { awk '$1 == "sent" { print $2 }' "$1"; }

# stream_start OUT COUNT: the numbered UDP stream, in the background.
stream_start() {
	bg_ns "$P-client" "$1" "$(($2 / STREAM_RATE + STREAM_SLACK))" \
		"$PYTHON" "$CLIENT_PY" udp-stream "$VIP4" "$ECHO_PORT" "$2" "$STREAM_RATE" "$STREAM_FLOWS"
}

stream_done() { [ -n "$(stream_sent "$1")" ]; }

# all_received BEFORE OUT: every datagram sent arrived, once.
all_received() {
	local sent
	sent=$(stream_sent "$2")
	[ "$(stream_report "$1" "$2")" = "received $sent unique $sent split 0" ]
}

# check_stream BEFORE OUT COUNT: the stream ended, all COUNT datagrams were
# sent and received once, and no flow changed backend.
check_stream() {
	wait_until "$(($3 / STREAM_RATE + STREAM_SLACK))" stream_done "$2" || cat "$2" >&2
	assert_eq "$(stream_sent "$2")" "$3" "datagrams sent:"
	wait_until "$COUNT_WAIT" all_received "$1" "$2" || true
	assert_eq "$(stream_report "$1" "$2")" "received $3 unique $3 split 0" "at the backends:"
}

# every_answer_ok TALLY: no request failed.
every_answer_ok() {
	assert_eq "$(count_of "$1" other)" 0 "failed requests: $1"
}

check_serving() {
	local t
	t=$(http_ask "$CHECK_REQUESTS" "http://$VIP4:$HTTP_PORT/" | tally)
	assert_eq "$(count_of "$t" other)" 0 "failed HTTP requests: $t"
}

test_kill9_restart_loses_nothing() {
	local prog saved ids lines before=$E2E_TMP/k9.before out=$E2E_TMP/k9.stream held=$E2E_TMP/k9.held
	reset_config
	prog=$(prog_id)
	[ -n "$prog" ] || fail "no program attached"
	saved=$(ctl save)
	ids=$(identities)
	hold_open "$held" "$HELD"
	snapshot "$before"
	lines=$(log_lines)
	stream_start "$out" "$STREAM_PACKETS"
	sleep "$KILL_AFTER"
	stop_xlbd KILL
	assert_eq "$(prog_id)" "$prog" "program while xlbd is dead:"
	sleep "$DEAD_FOR"
	start_xlbd --config "$BASELINE"
	logged_since "$lines" "adopted the running program"
	check_stream "$before" "$out" "$STREAM_PACKETS"
	hold_release "$held"
	assert_eq "$(awk '$2 != $3' "$held/result")" "" "held connections that changed backend:"
	assert_eq "$(prog_id)" "$prog" "program id (adopted, not re-attached):"
	assert_eq "$(ctl save)" "$saved" "config after the restart:"
	assert_eq "$(identities)" "$ids" "backend ids, generations, states:"
}

test_sigterm_leaves_the_data_plane_forwarding() {
	local prog before=$E2E_TMP/term.before out=$E2E_TMP/term.stream held=$E2E_TMP/term.held
	reset_config
	prog=$(prog_id)
	hold_open "$held" "$HELD"
	stop_xlbd TERM
	[ ! -e "$SOCK" ] || fail "the socket survived a clean stop"
	assert_eq "$(prog_id)" "$prog" "program after SIGTERM:"
	snapshot "$before"
	stream_start "$out" "$SHORT_PACKETS"
	check_stream "$before" "$out" "$SHORT_PACKETS"
	check_serving
	hold_release "$held"
	assert_eq "$(awk '$2 != $3' "$held/result")" "" "held connections that changed backend:"
	start_xlbd --config "$BASELINE"
	assert_eq "$(prog_id)" "$prog" "program after the restart:"
}

# Pinned maps and state file present: the running state wins over --config,
# and the log says so.
test_running_state_wins_over_config() {
	local saved ids lines v=$VIP4:$HTTP_PORT/tcp
	reset_config
	ctl backend set vip "$v" addr "$(backend4 1)" weight 5
	ctl backend set vip "$v" addr "$(backend4 3)" drain
	ctl vip del "$VIP4:$ECHO_PORT/udp"
	saved=$(ctl save)
	ids=$(identities)
	lines=$(log_lines)
	stop_xlbd KILL
	start_xlbd --config "$BASELINE"
	assert_eq "$(ctl save)" "$saved" "config after a restart with a disagreeing --config:"
	assert_eq "$(identities)" "$ids" "backends after the restart:"
	logged_since "$lines" "config $BASELINE not applied: running state adopted"
	assert_match "$(udp_ask "$VIP4" 1)" '^ERROR$' "the deleted UDP VIP came back:"
}

# "id generation" of each backend of VIP, by address.
backend_ids() {
	ctl -j backend show vip "$1" | "$PYTHON" -c '
import json, sys
for v in json.load(sys.stdin):
    for b in v["backends"]:
        print(b["addr"], b["id"], b["generation"])' | sort
}

# SIGHUP makes the running state what --config says, in one change; what
# both have keeps its ids and generations, and its flows their backends.
test_sighup_applies_the_config() {
	local expect ids held=$E2E_TMP/hup.held lines v=$VIP4:$HTTP_PORT/tcp
	reset_config
	expect=$(ctl save)
	ids=$(backend_ids "$v")
	ctl backend set vip "$v" addr "$(backend4 1)" weight 5
	ctl backend set vip "$v" addr "$(backend4 3)" drain
	ctl vip del "$VIP4:$ECHO_PORT/udp"
	stop_xlbd KILL
	start_xlbd --config "$BASELINE"
	[ "$(ctl save)" != "$expect" ] || fail "the restart applied the config"
	hold_open "$held" "$HELD"
	lines=$(log_lines)
	kill -HUP "$(xlbd_pid)"
	wait_until "$START_WAIT" logged_since "$lines" "config $BASELINE applied"
	assert_eq "$(ctl save)" "$expect" "config after SIGHUP:"
	assert_eq "$(backend_ids "$v")" "$ids" "ids and generations of $v after SIGHUP:"
	hold_release "$held"
	assert_eq "$(awk '$2 != $3' "$held/result")" "" "held connections that changed backend:"
	every_answer_ok "$(udp_ask "$VIP4" "$CHECK_REQUESTS" | tally)"
}

# No running state (after a detach): the config is applied.
test_config_applies_without_running_state() {
	local expect
	reset_config
	expect=$(ctl save)
	ctl backend set vip "$VIP4:$HTTP_PORT/tcp" addr "$(backend4 1)" weight 5
	stop_xlbd TERM
	lb "$XLBD" --dev lb-c --name "$NAME" --detach
	start_xlbd --config "$BASELINE"
	assert_eq "$(ctl save)" "$expect" "config after a fresh start:"
	check_serving
}

# A state file without pins is stale: ignored, the config applied.
test_stale_state_file_is_ignored() {
	local expect lines stale=$E2E_TMP/stale.state
	reset_config
	expect=$(ctl save)
	ctl vip del "$VIP4:$ECHO_PORT/udp"
	stop_xlbd TERM
	cp "$STATE" "$stale"
	lb "$XLBD" --dev lb-c --name "$NAME" --detach
	cp "$stale" "$STATE"
	lines=$(log_lines)
	start_xlbd --config "$BASELINE"
	assert_eq "$(ctl save)" "$expect" "config with a stale state file:"
	logged_since "$lines" "state file without pinned maps (stale): ignored"
	check_serving
}

# Pins without a state file: the config is applied, what it lacks leaves
# the maps, and no backend's generation goes backwards.
test_pins_without_state_file_start_from_config() {
	local expect gens before after
	reset_config
	expect=$(ctl save)
	ctl vip del "$VIP4:$ECHO_PORT/udp"
	ctl vip add "$VIP4_SPARE:$HTTP_PORT/tcp"
	ctl backend add vip "$VIP4_SPARE:$HTTP_PORT/tcp" addr "$(backend4 1)"
	gens=$E2E_TMP/gens
	ctl -j backend show | "$PYTHON" -c '
import json, sys
for v in json.load(sys.stdin):
    for b in v["backends"]:
        print(b["id"], b["generation"])' | sort -n >"$gens.before"
	stop_xlbd KILL
	rm -f "$STATE"
	start_xlbd --config "$BASELINE"
	assert_eq "$(ctl save)" "$expect" "config with pins but no state file:"
	ctl -j backend show | "$PYTHON" -c '
import json, sys
for v in json.load(sys.stdin):
    for b in v["backends"]:
        print(b["id"], b["generation"])' | sort -n >"$gens.after"
	before=$(join "$gens.before" "$gens.after" | awk '$3 < $2')
	assert_eq "$before" "" "backends whose generation went backwards (id old new):"
	after=$(count_of "$(http_ask 3 "http://$VIP4_SPARE:$HTTP_PORT/" | tally)" other)
	assert_eq "$after" 3 "answers from a VIP the config does not have:"
	check_serving
}

# kill -9 and SIGTERM left the program (above); `xlbctl detach` removes it,
# `xlbctl attach` brings it back, `xlbd --detach` removes it for good.
test_only_detach_removes_the_program() {
	local t
	reset_config
	ctl detach
	assert_eq "$(prog_id)" "" "program after xlbctl detach:"
	[ ! -e "$PINS" ] || fail "pins left after xlbctl detach"
	t=$(http_ask 3 "http://$VIP4:$HTTP_PORT/" | tally)
	assert_eq "$(count_of "$t" other)" 3 "answers through a detached lb: $t"
	ctl attach
	[ -n "$(prog_id)" ] || fail "no program after xlbctl attach"
	check_serving
	stop_xlbd TERM
	[ -n "$(prog_id)" ] || fail "SIGTERM removed the program"
	lb "$XLBD" --dev lb-c --name "$NAME" --detach
	assert_eq "$(prog_id)" "" "program after xlbd --detach:"
	[ ! -e "$PINS" ] || fail "pins left after xlbd --detach"
	[ ! -e "$STATE" ] || fail "state file left after xlbd --detach"
	start_xlbd --config "$BASELINE"
	check_serving
}

PREV_OBJ=$BUILD/tests/e2e/xlb-prev.bpf.o # the same source, other code generation
PREV_TOOL=$BUILD/tests/e2e/xlb-prev

# An older build on the device, sharing the pinned maps (what an earlier
# xlbd leaves behind): a new xlbd replaces it in one step (XDP_FLAGS_REPLACE)
# under a stream and losing nothing; the same build started again adopts.
test_upgrade_replaces_an_older_build_atomically() {
	local cur old new lines before=$E2E_TMP/up.before out=$E2E_TMP/up.stream held=$E2E_TMP/up.held
	reset_config
	cur=$(prog_id)
	stop_xlbd TERM
	old=$(lb "$PREV_TOOL" "$PREV_OBJ" "$NAME" lb-c) || fail "the older build did not install"
	assert_eq "$(prog_id)" "$old" "program after installing the older build:"
	[ "$old" != "$cur" ] || fail "the older build kept program id $cur"
	check_serving
	hold_open "$held" "$HELD"
	snapshot "$before"
	lines=$(log_lines)
	stream_start "$out" "$SHORT_PACKETS"
	sleep 1
	start_xlbd --config "$BASELINE"
	logged_since "$lines" "replaced the running program (upgrade)"
	new=$(prog_id)
	[ -n "$new" ] && [ "$new" != "$old" ] || fail "program id after the upgrade: '$new' (older build $old)"
	check_stream "$before" "$out" "$SHORT_PACKETS"
	hold_release "$held"
	assert_eq "$(awk '$2 != $3' "$held/result")" "" "held connections that changed backend:"
	lines=$(log_lines)
	stop_xlbd KILL
	start_xlbd --config "$BASELINE"
	logged_since "$lines" "adopted the running program"
	assert_eq "$(prog_id)" "$new" "program id after restarting the same build:"
}

run_tests "$@"
