#!/bin/bash
# shellcheck disable=SC2317 # test functions are called by run_tests, by name
# `xlbctl top` against a running xlbd on the lab (tests/e2e/xlbd_lab.sh),
# driven in a tmux of the suite's own (-L) like an operator over SSH: a
# 160x50 pane, keys sent with send-keys, the screen read with capture-pane.
# Real UDP traffic through a VIP: the VIP and its backends are on screen,
# packets/s is non-zero and near the rate sent while it runs, the counters
# grow between two screens, and the rate falls to 0 once it stops; drops
# are listed by reason and `d` hides them; the view follows a resize and
# scrolls; `q`, Ctrl-C, SIGTERM and a daemon that goes away all end it with
# the terminal as it was (main screen, same stty modes); `count N` prints
# text without a terminal, and without it top refuses a pipe; an unknown
# VIP is refused before a screen is drawn.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

P=xlbt-top-$$
# shellcheck source=tests/e2e/xlbd_lab.sh
. "$E2E_ROOT/tests/e2e/xlbd_lab.sh"

TS=$P # the suite's own tmux servers (tmux -L): start_top makes one per test
SESSION=top
COLS=160
ROWS=50
UDP_VIP=$VIP4:$ECHO_PORT
RATE=200           # datagrams per second sent to the UDP VIP
STREAM_COUNT=2400  # 12 s of it
STREAM_FLOWS=8
STREAM_SECONDS=40  # bound on the sender
NO_VIP_PORT=9      # a port of the VIP address with no VIP: drop_no_vip
DROP_COUNT=50
SCREEN_WAIT=10     # seconds for the view to show something
RC_WAIT=5          # seconds for top to exit once told
APART=2            # seconds between two screens compared

suite_setup() {
	command -v tmux >/dev/null || fail "tmux is missing (scripts/install-deps.sh)"
	xlb_lab_up
}

suite_cleanup() {
	local ts
	if [ -f "$E2E_TMP/tmux.servers" ]; then
		while read -r ts; do
			tmux -L "$ts" kill-server 2>/dev/null || true
			# kill-server leaves its socket file behind
			rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$ts"
		done <"$E2E_TMP/tmux.servers"
	fi
	xlb_lab_down
}

tm() { tmux -L "$TS" "$@"; }
screen() { tm capture-pane -p -t "$SESSION"; }
shows() { screen | grep -qF -- "$1"; }
hides() { ! shows "$1"; }
alt_screen() { tm display-message -p -t "$SESSION" '#{alternate_on}'; }
top_pid() { cat "$E2E_TMP/top.pid"; }
top_rc() { sed -n 's/^rc=//p' "$E2E_TMP/top.rc"; }
top_ended() { test -s "$E2E_TMP/top.rc"; }

# run_top ARGS...: a fresh pane with a shell, its stty modes saved, then
# `xlbctl top ARGS` in it (pid in top.pid, exit status in top.rc).
run_top() {
	rm -f "$E2E_TMP/top.rc" "$E2E_TMP/top.pid" "$E2E_TMP/stty.before" "$E2E_TMP/stty.after"
	# a server of its own: a new session on one that is still exiting fails
	if [ -s "$E2E_TMP/tmux.servers" ]; then
		tmux -L "$(tail -1 "$E2E_TMP/tmux.servers")" kill-server 2>/dev/null || true
	fi
	TS=$P-$BASHPID
	echo "$TS" >>"$E2E_TMP/tmux.servers"
	tm new-session -d -s "$SESSION" -x "$COLS" -y "$ROWS" \
		"env PS1='$ ' bash --norc --noprofile"
	tm send-keys -t "$SESSION" "stty -g > $E2E_TMP/stty.before" Enter
	wait_until "$SCREEN_WAIT" test -s "$E2E_TMP/stty.before"
	tm send-keys -t "$SESSION" "bash -c 'echo \$\$ > $E2E_TMP/top.pid; exec $XLBCTL -s $SOCK top $*'; echo rc=\$? > $E2E_TMP/top.rc" Enter
}

# start_top ARGS...: run_top, until its table is on screen.
start_top() {
	run_top "$@"
	wait_until "$SCREEN_WAIT" shows "VIP / backend" || {
		screen >&2
		return 1
	}
	assert_eq "$(alt_screen)" 1 "alternate screen while top runs:"
}

# expect_restored RC: top exited with RC, the pane is back on its main
# screen and the tty's modes are those from before.
expect_restored() {
	wait_until "$RC_WAIT" top_ended || {
		screen >&2
		return 1
	}
	assert_eq "$(top_rc)" "$1" "top's exit status:"
	assert_eq "$(alt_screen)" 0 "alternate screen after top:"
	tm send-keys -t "$SESSION" "stty -g > $E2E_TMP/stty.after" Enter
	wait_until "$SCREEN_WAIT" test -s "$E2E_TMP/stty.after"
	assert_eq "$(cat "$E2E_TMP/stty.after")" "$(cat "$E2E_TMP/stty.before")" "stty modes:"
}

quit_top() {
	tm send-keys -t "$SESSION" q
	expect_restored 0
}

# "PPS PACKETS BACKEND_PPS_SUM BACKENDS" of the VIP row PROTO ADDR:PORT of
# a screen on stdin (PPS "-" before the first rate).
vip_figures() {
	awk -v p="$1" -v v="$2" '
		$1 == p && $2 == v { on = 1; pps = $6; pk = $10; next }
		on && $1 == "->" { n++; if ($6 ~ /^[0-9]+$/) s += $6; next }
		on { exit }
		END { print pps, pk, s + 0, n + 0 }'
}

udp_pps() { screen | vip_figures UDP "$UDP_VIP" | awk '{ print $1 }'; }
# a whole refresh of traffic: within half of the rate sent (a paced sender)
udp_flowing() {
	local pps
	pps=$(udp_pps)
	[[ $pps =~ ^[0-9]+$ ]] && [ "$pps" -gt $((RATE / 2)) ] && [ "$pps" -lt $((RATE * 3 / 2)) ]
}
udp_still() { [ "$(udp_pps)" = 0 ]; }

# stream COUNT: COUNT datagrams at RATE/s to the UDP VIP, in the background.
stream() {
	bg_ns "$P-client" "$E2E_TMP/stream.log" "$STREAM_SECONDS" \
		"$PYTHON" "$CLIENT_PY" udp-stream "$VIP4" "$ECHO_PORT" "$1" "$RATE" "$STREAM_FLOWS"
}
stream_done() { grep -q '^sent ' "$E2E_TMP/stream.log"; }

test_shows_vips_backends_and_rates() {
	local a b i
	reset_config
	start_top interval 1
	for a in "TCP  $VIP4:$HTTP_PORT" "TCP  $VIP4:$ECHO_PORT" "UDP  $UDP_VIP" \
		"TCP  [$VIP6]:$HTTP_PORT" "every 1s"; do
		shows "$a" || fail "no '$a' on screen: $(screen)"
	done
	for ((i = 1; i <= NBACKENDS; i++)); do
		shows "-> $(backend4 "$i") " || fail "no backend $(backend4 "$i"): $(screen)"
		shows "-> $(backend6 "$i") " || fail "no backend $(backend6 "$i"): $(screen)"
	done
	stream "$STREAM_COUNT"
	wait_until "$SCREEN_WAIT" udp_flowing || fail "packets/s not near $RATE: $(screen)"
	a=$(screen | vip_figures UDP "$UDP_VIP")
	assert_gt "$(awk '{ print $1 }' <<<"$a")" 0 "packets/s of $a:"
	assert_gt "$(awk '{ print $3 }' <<<"$a")" 0 "the backends' packets/s in $a:"
	assert_eq "$(awk '{ print $4 }' <<<"$a")" "$NBACKENDS" "backend rows under the VIP in $a:"
	sleep "$APART"
	b=$(screen | vip_figures UDP "$UDP_VIP")
	assert_gt "$(awk '{ print $2 }' <<<"$b")" "$(awk '{ print $2 }' <<<"$a")" "packets, $a then $b:"
	assert_gt "$(awk '{ print $1 }' <<<"$b")" 0 "packets/s of $b:"
	# the sender stops by itself: the rate follows it down
	wait_until "$STREAM_SECONDS" stream_done
	wait_until "$SCREEN_WAIT" udp_still || fail "packets/s after the traffic: $(screen)"
	quit_top
}

test_drops_by_reason_and_d_toggles_them() {
	reset_config
	client timeout "$STREAM_SECONDS" "$PYTHON" "$CLIENT_PY" udp-stream "$VIP4" "$NO_VIP_PORT" \
		"$DROP_COUNT" "$RATE" 1 >/dev/null
	start_top interval 1
	shows "Drops by reason" || fail "no drops block: $(screen)"
	screen | grep -qE '^  no_vip +[0-9-]+ +[0-9]+' || fail "no no_vip drops: $(screen)"
	tm send-keys -t "$SESSION" d
	wait_until "$SCREEN_WAIT" hides "Drops by reason"
	shows "UDP  $UDP_VIP" || fail "the table went with the drops: $(screen)"
	tm send-keys -t "$SESSION" d
	wait_until "$SCREEN_WAIT" shows "Drops by reason"
	quit_top
}

# A small window: the view is cut to it and says how many rows are hidden;
# End shows the last backend (the IPv6 VIP's, sorted last).
test_follows_resize_and_scrolls() {
	local last
	last="-> $(backend6 "$NBACKENDS") "
	reset_config
	start_top interval 1
	tm resize-window -t "$SESSION" -x 100 -y 16
	wait_until "$SCREEN_WAIT" shows "more rows" || fail "no 'more rows': $(screen)"
	hides "$last" || fail "'$last' shown in 16 rows: $(screen)"
	[ "$(screen | awk '{ n = length($0) > n ? length($0) : n } END { print n }')" -le 100 ] ||
		fail "lines wider than the window: $(screen)"
	tm send-keys -t "$SESSION" End
	wait_until "$SCREEN_WAIT" shows "$last" || fail "End did not scroll: $(screen)"
	tm send-keys -t "$SESSION" Home
	wait_until "$SCREEN_WAIT" hides "$last"
	tm resize-window -t "$SESSION" -x "$COLS" -y "$ROWS"
	wait_until "$SCREEN_WAIT" shows "$last"
	quit_top
}

test_ctrl_c_restores_terminal() {
	reset_config
	start_top
	tm send-keys -t "$SESSION" C-c
	expect_restored 0
}

test_sigterm_restores_terminal() {
	reset_config
	start_top
	kill -TERM "$(top_pid)"
	expect_restored 0
}

# count N: text without a terminal; the first refresh has counters only,
# the next rates; `vip` keeps one VIP.
test_count_prints_text_for_one_vip() {
	local out
	reset_config
	out=$(ctl top count 2 interval 500ms vip "$UDP_VIP/udp" </dev/null)
	assert_eq "$(grep -c '^xlb top' <<<"$out")" 2 "refreshes printed:"
	assert_eq "$(grep -c "^UDP  $UDP_VIP " <<<"$out")" 2 "the VIP's rows:"
	! grep -q "^TCP " <<<"$out" || fail "other VIPs printed: $out"
	assert_eq "$(grep "^UDP " <<<"$out" | head -1 | awk '{ print $6 }')" - "first rate:"
	assert_match "$(grep "^UDP " <<<"$out" | tail -1 | awk '{ print $6 }')" '^[0-9]+$' "second rate:"
	assert_eq "$(grep -c -- "^ *-> " <<<"$out")" $((2 * NBACKENDS)) "backend rows:"
}

test_refuses_without_terminal() {
	local out rc=0
	out=$(ctl top 2>"$E2E_TMP/top.err" </dev/null) || rc=$?
	assert_gt "$rc" 0 "exit status:"
	assert_eq "$out" "" "stdout:"
	grep -q "not a terminal" "$E2E_TMP/top.err" || fail "error: $(cat "$E2E_TMP/top.err")"
	ctl top count 1 >/dev/null </dev/null
	ctl -j top count 1 >/dev/null 2>&1 && fail "-j top succeeded"
	true
}

# A VIP xlbd does not know: said on the plain terminal, no screen drawn.
test_unknown_vip_is_refused_before_the_screen() {
	reset_config
	run_top vip "$VIP4_SPARE:$HTTP_PORT/tcp"
	expect_restored 1
	shows "xlbctl: unknown VIP $VIP4_SPARE:$HTTP_PORT" || fail "no error line: $(screen)"
	hides "VIP / backend" || fail "a screen was drawn: $(screen)"
}

# xlbd goes away under a running top: an error, the terminal back.
test_daemon_gone_restores_terminal() {
	reset_config
	start_top interval 1
	stop_xlbd TERM
	expect_restored 1
	shows "xlbctl: " || fail "no error line: $(screen)"
	start_xlbd --config "$BASELINE"
}

run_tests "$@"
