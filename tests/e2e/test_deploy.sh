#!/bin/bash
# shellcheck disable=SC2317 # test functions are called by run_tests, by name
# Deployment: the systemd units verify and their commands work as written
# (under the units' own capability bounding sets, in a namespace of our
# own); xlbd tells the service manager READY=1 only once attached and
# configured, STOPPING=1 on its way out; `make install` lays out the files
# and `make uninstall` removes them; the man pages render without warnings
# and cover the programs' options; the example configurations pass
# `xlbd -n`; and the per-host steps the Vagrant lab runs build a working
# lab when run host by host.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

P=xlbt-dep-$$
NS=$P-lb
NAME=$NS
DEV=v0         # xlbd's interface
PEER=v1        # its peer, in the same namespace
DDEV=xlbtd$$   # xlb-decap's interface: the unit names pins after it
DPEER=xlbtp$$
XLBD=$BUILD/xlbd
XLBCTL=$BUILD/xlbctl
SINK=$E2E_ROOT/tests/e2e/notify_sink.py
HTTPD=$E2E_ROOT/tests/e2e/backend_httpd.py
LAB_HOST=$E2E_ROOT/scripts/lab-host.sh
UNIT=$E2E_ROOT/deploy/systemd/xlbd@.service
DUNIT=$E2E_ROOT/deploy/systemd/xlb-decap@.service
ETC=$E2E_TMP/etc # stands for /etc/xlb in the units' commands
SOCK=$E2E_TMP/ctl.sock
NSOCK=$E2E_TMP/notify.sock
CONF=$ETC/$DEV.conf
PYTHON=${PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}
LB4=198.18.0.254
BACKEND4=198.18.0.7
EXTRA4=198.18.0.8
VIP4=198.18.1.10
FLOW="198.18.0.1:40000 $VIP4:80 tcp"
START_WAIT=15
STOP_WAIT=5
SINK_SECONDS=60
SERVER_SECONDS=120
CURL_SECONDS=3
REQUESTS=8
MAN_WIDTH=80
MAN_PAGES=(xlbd.8 xlbctl.8 xlb.conf.5 xlb-decap.8)
INSTALLED_PROGS=(xlbd xlbctl xlb-decap)
INSTALLED_UNITS=(xlbd@.service xlb-decap@.service)
MODE_PROG=755
MODE_DATA=644

lb() { in_ns "$NS" "$@"; }
ctl() { lb "$XLBCTL" -s "$SOCK" "$@"; }

# make in the tree, with none of an outer make's variables.
mk() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$E2E_ROOT" --no-print-directory \
		BUILD="$BUILD" "$@"
}

# The id of the XDP program on DEV of namespace NS ("none" if none).
prog_id_of() {
	ip -n "$1" -j link show dev "$2" | jq -r '.[0].xdp.prog.id // "none"'
}
prog_id() { prog_id_of "$NS" "$DEV"; }

write_config() {
	mkdir -p "$ETC"
	cat >"$CONF" <<-EOC
		config set mtu 1540 source 198.18.0.240/28
		vip add $VIP4 port 80 proto tcp
		backend add vip $VIP4:80/tcp addr $BACKEND4 weight 100
	EOC
}

# The unit's KEY= lines as this test runs them: our build for /usr/sbin,
# our directory for /etc/xlb, DEVICE for the instance.
unit_lines() {
	local unit=$1 key=$2 dev=$3
	sed -n "s/^$key=//p" "$unit" |
		sed -e "s|/usr/sbin/|$BUILD/|g" -e "s|/etc/xlb|$ETC|g" -e "s|%i|$dev|g"
}

# The unit's CapabilityBoundingSet in setpriv's words (-all,+bpf,...).
unit_caps() {
	local caps c out="-all"
	caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$1")
	[ -n "$caps" ] || fail "no CapabilityBoundingSet in $1"
	for c in $caps; do
		c=${c#CAP_}
		out="$out,+${c,,}"
	done
	echo "$out"
}

# Runs CMD in our namespace within the capability bounding set CAPS, as
# systemd runs a root service with CapabilityBoundingSet.
in_caps() {
	local caps=$1
	shift
	nsenter --net="/run/netns/$NS" setpriv --bounding-set "$caps" --inh-caps=-all -- "$@"
}

# Runs one unit command line (systemd's $VAR expansion is the shell's here).
run_line() {
	local caps=$1 line=$2
	local -a argv
	eval "argv=($line)"
	in_caps "$caps" "${argv[@]}"
}

start_sink() {
	rm -f "$NSOCK" "$E2E_TMP/sink.log"
	"$PYTHON" "$SINK" "$NSOCK" "$SINK_SECONDS" sh -c \
		"ip -n $NS -j link show dev $DEV | jq -r '.[0].xdp.prog.id // \"none\"'" \
		>"$E2E_TMP/sink.log" 2>&1 &
	echo $! >>"$E2E_TMP/pids"
	wait_until "$START_WAIT" test -S "$NSOCK"
}

sink_has() { grep -q "^$1 " "$E2E_TMP/sink.log"; }

# The probe's output when notification $1 arrived.
sink_probe() { sed -n "s/^$1 probe=//p" "$E2E_TMP/sink.log" | head -1; }

# Starts xlbd (pid in $E2E_TMP/xlbd.pid) with NOTIFY_SOCKET set: CAPS
# ("" for all) then xlbd's argv.
start_xlbd() {
	local caps=$1 pid
	shift
	if [ -n "$caps" ]; then
		NOTIFY_SOCKET=$NSOCK nsenter --net="/run/netns/$NS" setpriv --bounding-set "$caps" \
			--inh-caps=-all -- "$@" >>"$E2E_TMP/xlbd.log" 2>&1 &
	else
		NOTIFY_SOCKET=$NSOCK nsenter --net="/run/netns/$NS" "$@" \
			>>"$E2E_TMP/xlbd.log" 2>&1 &
	fi
	pid=$!
	echo "$pid" >>"$E2E_TMP/pids"
	echo "$pid" >"$E2E_TMP/xlbd.pid"
}

xlbd_pid() { cat "$E2E_TMP/xlbd.pid"; }
xlbd_gone() { ! kill -0 "$(xlbd_pid)" 2>/dev/null; }

# Waits for xlbd (a child of this shell) to end; its status in XLBD_RC.
xlbd_wait() {
	wait_until "$STOP_WAIT" xlbd_gone
	XLBD_RC=0
	wait "$(xlbd_pid)" 2>/dev/null || XLBD_RC=$?
}

stop_xlbd() {
	[ -f "$E2E_TMP/xlbd.pid" ] || return 0
	kill -TERM "$(xlbd_pid)" 2>/dev/null || true
	wait_until "$STOP_WAIT" xlbd_gone || kill -KILL "$(xlbd_pid)" 2>/dev/null || true
}

# xlbd's plain argv for this test's instance.
xlbd_argv() {
	echo "$XLBD --dev $DEV --name $NAME --socket $SOCK --config $CONF"
}

# No xlbd, no program, no pins, no state: the next start is a fresh one.
fresh() {
	stop_xlbd
	lb "$XLBD" --dev "$DEV" --name "$NAME" --detach >/dev/null 2>&1 || true
	lb "$XLB_DECAP" detach "$DEV" --name "$P-foreign" >/dev/null 2>&1 || true
	rm -f "/run/xlb/$NAME.lock" "/run/xlb/$NAME.state" "$SOCK"
	write_config
}

suite_setup() {
	need_root
	need_bin "$XLBD" "$XLBCTL" "$XLB_DECAP"
	for b in systemd-analyze setpriv man jq; do
		command -v "$b" >/dev/null || fail "missing $b (make deps)"
	done
	ip netns add "$NS"
	lb ip link set lo up
	ip link add "$DEV" netns "$NS" type veth peer name "$PEER" netns "$NS"
	ip link add "$DDEV" netns "$NS" type veth peer name "$DPEER" netns "$NS"
	for d in "$DEV" "$PEER" "$DDEV" "$DPEER"; do
		lb ip link set "$d" up
	done
	lb ip addr add "$LB4/24" dev "$DEV"
	write_config
}

suite_cleanup() {
	local ns
	stop_xlbd
	[ ! -f "$E2E_TMP/x.pid" ] || kill -TERM "$(cat "$E2E_TMP/x.pid")" 2>/dev/null || true
	lb "$XLBD" --dev "$DEV" --name "$NAME" --detach || true
	lb "$XLB_DECAP" detach "$DDEV" || true
	rm -f "/run/xlb/$NAME.lock" "/run/xlb/$NAME.state"
	rm -rf "/sys/fs/bpf/xlb-decap/$DDEV" "/sys/fs/bpf/xlb-decap/$P-foreign"
	for ns in "$NS" "$P-c" "$P-x" "$P-b1" "$P-b2"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	rm -rf "/sys/fs/bpf/xlb/$NAME" "/sys/fs/bpf/xlb/$P-x" \
		"/sys/fs/bpf/xlb-decap/$P-b1" "/sys/fs/bpf/xlb-decap/$P-b2"
	rm -f "/run/xlb/$P-x.lock" "/run/xlb/$P-x.state"
}

test_units_verify() {
	local root=$E2E_TMP/vroot u out
	# Installed for real under a prefix of ours, so the units name
	# binaries and man pages that exist.
	mk install PREFIX="$root/usr" SYSCONFDIR="$root/etc" >/dev/null
	for u in "${INSTALLED_UNITS[@]}"; do
		out=$(MANPATH=$root/usr/share/man systemd-analyze verify \
			"$root/usr/lib/systemd/system/$u" 2>&1) || fail "$u: $out"
		[ -z "$out" ] || fail "$u: $out"
	done
}

test_install_and_uninstall() {
	local d=$E2E_TMP/dest want got f u
	mk install DESTDIR="$d" >/dev/null
	want=$(
		{
			printf 'usr/local/sbin/%s\n' "${INSTALLED_PROGS[@]}"
			printf 'usr/local/lib/systemd/system/%s\n' "${INSTALLED_UNITS[@]}"
			echo usr/local/lib/xlb/xlb.bpf.o
			echo usr/local/lib/xlb/decap.bpf.o
			echo usr/local/share/man/man5/xlb.conf.5
			printf 'usr/local/share/man/man8/%s\n' xlbd.8 xlbctl.8 xlb-decap.8
			echo usr/local/share/doc/xlb/README.md
			for f in "$E2E_ROOT"/docs/*.md; do
				echo "usr/local/share/doc/xlb/${f##*/}"
			done
			for f in "$E2E_ROOT"/deploy/prometheus/* "$E2E_ROOT"/deploy/grafana/*; do
				echo "usr/local/share/doc/xlb/examples/${f#"$E2E_ROOT"/deploy/}"
			done
			echo etc/xlb/xlb.conf.example
			echo etc/xlb/decap.env.example
		} | sort
	)
	got=$(cd "$d" && find . -type f | sed 's|^\./||' | sort)
	assert_eq "$got" "$want" "installed files:"
	for f in "${INSTALLED_PROGS[@]}"; do
		assert_eq "$(stat -c %a "$d/usr/local/sbin/$f")" "$MODE_PROG" "$f mode:"
	done
	assert_eq "$(stat -c %a "$d/etc/xlb/xlb.conf.example")" "$MODE_DATA" "example mode:"
	"$d/usr/local/sbin/xlbd" --version | grep -q '^xlbd ' || fail "installed xlbd does not run"
	readelf -h "$d/usr/local/lib/xlb/xlb.bpf.o" | grep -q 'Linux BPF' ||
		fail "xlb.bpf.o is not a BPF object"
	# The units name the installed binaries and docs.
	for u in "${INSTALLED_UNITS[@]}"; do
		if grep -E '^Exec' "$d/usr/local/lib/systemd/system/$u" | grep -v '/bin/kill' |
			grep -vq '=/usr/local/sbin/'; then
			fail "$u: a command outside /usr/local/sbin"
		fi
	done
	grep -q 'file:/usr/local/share/doc/xlb/' "$d/usr/local/lib/systemd/system/xlbd@.service" ||
		fail "xlbd@.service: docs path not rewritten"
	# An operator's own file stays; everything installed goes.
	echo "vip add $VIP4 port 80 proto tcp" >"$d/etc/xlb/eth0.conf"
	mk uninstall DESTDIR="$d" >/dev/null
	got=$(cd "$d" && find . -type f | sed 's|^\./||')
	assert_eq "$got" "etc/xlb/eth0.conf" "left after uninstall:"
	[ ! -e "$d/usr/local/lib/xlb" ] || fail "lib/xlb left behind"
	[ ! -e "$d/usr/local/share/doc/xlb" ] || fail "doc/xlb left behind"
}

test_man_pages_render_without_warnings() {
	local m out name
	for m in "${MAN_PAGES[@]}"; do
		out=$(MANWIDTH=$MAN_WIDTH man --warnings -l "$E2E_ROOT/docs/man/$m" 2>&1 >/dev/null)
		[ -z "$out" ] || fail "$m: $out"
		name=${m%.*}
		MANWIDTH=$MAN_WIDTH man -l "$E2E_ROOT/docs/man/$m" 2>/dev/null |
			grep -qE "^ +$name - " || fail "$m: no NAME line for $name"
	done
}

# The rendered section SECTION of page M, for checking what it names.
man_section() {
	MANWIDTH=200 man -l "$E2E_ROOT/docs/man/$1" 2>/dev/null | sed -n "/^$2\$/,/^[A-Z]/p"
}

test_man_pages_cover_the_programs() {
	local opts o words w sect
	# every long option xlbd's usage names
	opts=$("$XLBD" --help | grep -oE -- '--[a-z][a-z-]*' | sort -u)
	sect=$(man_section xlbd.8 OPTIONS)
	for o in $opts; do
		grep -qE -- "^ +(-[a-zA-Z], )?$o( |$)" <<<"$sect" || fail "xlbd.8 lacks $o"
	done
	# every xlb-decap command and option
	sect=$(man_section xlb-decap.8 COMMANDS)$'\n'$(man_section xlb-decap.8 OPTIONS)
	words=$("$XLB_DECAP" --help 2>&1 | sed -n 's/^.*xlb-decap \([a-z]*\) .*/\1/p')
	[ -n "$words" ] || fail "no commands in xlb-decap's usage"
	for w in $words $("$XLB_DECAP" --help 2>&1 | grep -oE -- '--[a-z]+' | sort -u); do
		grep -qE -- "^ +$w( |$)" <<<"$sect" || fail "xlb-decap.8 lacks $w"
	done
	# every top-level xlbctl command
	sect=$(man_section xlbctl.8 COMMANDS)
	words=$("$XLBCTL" help 2>&1 | sed -n 's/^  \([a-z]\{1,\}\) .*/\1/p')
	[ -n "$words" ] || fail "no commands in 'xlbctl help'"
	for w in $words; do
		grep -qE "^ +$w( |$)" <<<"$sect" ||
			fail "xlbctl.8 lacks the command '$w' (document it under COMMANDS)"
	done
}

# Every xlbctl example of xlbctl.8 parses: xlbctl checks a command before
# connecting, so a good one fails only at the (missing) socket.
test_man_examples_parse() {
	local line out n=0
	while read -r line; do
		[[ $line == xlbctl\ * ]] || continue
		[[ $line == *" -b "* || $line == *">"* ]] && continue
		line=${line#xlbctl }
		# shellcheck disable=SC2086 # the example's words
		out=$("$XLBCTL" -s "$E2E_TMP/none.sock" $line 2>&1 </dev/null) &&
			fail "'xlbctl $line' succeeded without a daemon"
		[[ $out == *"cannot connect"* ]] || fail "xlbctl.8 example 'xlbctl $line': $out"
		n=$((n + 1))
	done < <(man_section xlbctl.8 EXAMPLES | sed -e ':a' -e '/\\$/N; s/\\\n//; ta' |
		sed 's/^ *//; s/  */ /g')
	assert_gt "$n" 5 "examples checked:"
}

test_example_configs_pass_the_check() {
	local ex=$E2E_TMP/man-example.conf
	"$XLBD" -n --config "$E2E_ROOT/deploy/xlb.conf" | grep -qx 'configuration OK'
	man_section xlb.conf.5 EXAMPLE | sed '1d;$d' >"$ex"
	grep -q '^ *vip add' "$ex" || fail "no example in xlb.conf.5"
	"$XLBD" -n --config "$ex" | grep -qx 'configuration OK'
	"$LAB_HOST" xlb-conf 2 >"$E2E_TMP/lab.conf"
	"$XLBD" -n --config "$E2E_TMP/lab.conf" | grep -qx 'configuration OK'
}

test_ready_only_once_attached() {
	local id
	fresh
	start_sink
	# shellcheck disable=SC2046 # xlbd_argv is words
	start_xlbd "" $(xlbd_argv)
	wait_until "$START_WAIT" sink_has READY=1
	id=$(sink_probe READY=1)
	assert_match "$id" '^[0-9]+$' "program id when READY=1 arrived:"
	assert_eq "$(prog_id)" "$id" "program id:"
	ctl config show | grep -qx 'attached yes'
	ctl vip show | grep -q "$VIP4:80"
	! sink_has STOPPING=1 || fail "STOPPING=1 before a stop"
	kill -TERM "$(xlbd_pid)"
	wait_until "$STOP_WAIT" sink_has STOPPING=1
	xlbd_wait
	assert_eq "$XLBD_RC" 0 "xlbd exit status:"
	assert_eq "$(prog_id)" "$id" "program after the stop:"
}

test_no_ready_when_attach_is_refused() {
	fresh
	# a foreign XDP program on the interface: xlbd refuses to replace it
	lb "$XLB_DECAP" attach "$DEV" --name "$P-foreign" --lb 198.18.0.240/28 \
		--vip "$VIP4" >/dev/null
	start_sink
	# shellcheck disable=SC2046
	start_xlbd "" $(xlbd_argv)
	xlbd_wait
	assert_eq "$XLBD_RC" 1 "xlbd exit status:"
	grep -q 'foreign XDP program' "$E2E_TMP/xlbd.log" || fail "no refusal logged"
	sleep 0.5 # a datagram sent before the exit would be read by now
	! sink_has READY=1 || fail "READY=1 sent though the attach was refused"
	lb "$XLB_DECAP" detach "$DEV" --name "$P-foreign" >/dev/null
	# a bad config: nothing touched, no READY either
	fresh
	echo "vip add $VIP4 port 80 proto sctp" >>"$CONF"
	start_sink
	# shellcheck disable=SC2046
	start_xlbd "" $(xlbd_argv)
	xlbd_wait
	assert_eq "$XLBD_RC" 1 "xlbd exit status (bad config):"
	sleep 0.5
	! sink_has READY=1 || fail "READY=1 sent for a bad config"
	assert_eq "$(prog_id)" none "program after a bad config:"
}

test_ready_after_adopting_the_running_program() {
	local id
	fresh
	start_sink
	# shellcheck disable=SC2046
	start_xlbd "" $(xlbd_argv)
	wait_until "$START_WAIT" sink_has READY=1
	id=$(prog_id)
	kill -KILL "$(xlbd_pid)"
	wait_until "$STOP_WAIT" xlbd_gone
	start_sink
	# shellcheck disable=SC2046
	start_xlbd "" $(xlbd_argv)
	wait_until "$START_WAIT" sink_has READY=1
	assert_eq "$(sink_probe READY=1)" "$id" "program id at READY=1 after the restart:"
	grep -q 'adopted the running program' "$E2E_TMP/xlbd.log" || fail "not adopted"
}

# xlbd@.service's ExecStart, ExecReload and restart, within its own
# capability bounding set.
test_xlbd_unit_commands_under_its_capabilities() {
	local caps start id line
	local -a reload
	caps=$(unit_caps "$UNIT")
	start=$(unit_lines "$UNIT" ExecStart "$DEV")
	mapfile -t reload < <(unit_lines "$UNIT" ExecReload "$DEV")
	[ "${#reload[@]}" -gt 0 ] || fail "no ExecReload"
	export XLBD_OPTS="--name $NAME --socket $SOCK"
	fresh
	start_sink
	# shellcheck disable=SC2046,SC2086 # the unit's words
	start_xlbd "$caps" $(eval echo $start)
	wait_until "$START_WAIT" sink_has READY=1
	id=$(prog_id)
	# flow lookups open the rings' inner maps by id
	# shellcheck disable=SC2086 # FLOW is words
	ctl flow get $FLOW | grep -q "backend $BACKEND4"
	ctl backend add vip "$VIP4:80/tcp" addr "$EXTRA4" weight 100
	# a restart adopts the running program (opened by id)
	kill -TERM "$(xlbd_pid)"
	wait_until "$STOP_WAIT" sink_has STOPPING=1
	start_sink
	# shellcheck disable=SC2046,SC2086
	start_xlbd "$caps" $(eval echo $start)
	wait_until "$START_WAIT" sink_has READY=1
	assert_eq "$(prog_id)" "$id" "program after a restart:"
	ctl backend show | grep -q "$EXTRA4" || fail "running state not kept"
	# reload: the file becomes the running state ($EXTRA4 goes)
	export MAINPID
	MAINPID=$(xlbd_pid)
	for line in "${reload[@]}"; do
		run_line "$caps" "$line"
	done
	wait_until "$START_WAIT" sh -c "! $XLBCTL -s $SOCK backend show | grep -q $EXTRA4"
	# a bad file: the reload fails at its check, nothing changes
	echo "backend add vip $VIP4:80/tcp addr $EXTRA4 weight 70000" >>"$CONF"
	run_line "$caps" "${reload[0]}" >/dev/null 2>&1 && fail "reload accepted a bad file"
	ctl backend show | grep -q "$BACKEND4"
	assert_eq "$(xlbd_pid)" "$MAINPID" "xlbd after a failed reload:"
}

test_adopting_needs_cap_sys_admin() {
	local caps
	caps=$(unit_caps "$UNIT" | sed 's/,+sys_admin//')
	fresh
	start_sink
	# shellcheck disable=SC2046
	start_xlbd "$caps" $(xlbd_argv)
	wait_until "$START_WAIT" sink_has READY=1
	kill -TERM "$(xlbd_pid)"
	wait_until "$STOP_WAIT" xlbd_gone
	start_sink
	# shellcheck disable=SC2046
	start_xlbd "$caps" $(xlbd_argv)
	xlbd_wait
	assert_eq "$XLBD_RC" 1 "restart without CAP_SYS_ADMIN:"
	grep -q 'open attached program .*: Operation not permitted' "$E2E_TMP/xlbd.log" ||
		fail "not the by-id open that failed (if CAP_SYS_ADMIN is no longer needed, drop it from the units)"
}

# xlb-decap@.service's commands, within its bounding set, with the shipped
# example environment file.
test_decap_unit_commands_under_their_capabilities() {
	local caps line id
	caps=$(unit_caps "$DUNIT")
	mkdir -p "$ETC"
	cp "$E2E_ROOT/deploy/xlb-decap.env" "$ETC/decap-$DDEV.env"
	# the unit's EnvironmentFile, read as systemd would (KEY="value")
	set -a
	# shellcheck disable=SC1090,SC1091
	. "$ETC/decap-$DDEV.env"
	set +a
	while read -r line; do
		run_line "$caps" "$line" >/dev/null
	done < <(unit_lines "$DUNIT" ExecStart "$DDEV")
	id=$(prog_id_of "$NS" "$DDEV")
	assert_match "$id" '^[0-9]+$' "decap program:"
	lb ip -br addr show dev lo | grep -q "$VIP4/32" || fail "VIP not on lo"
	lb "$XLB_DECAP" stats "$DDEV" | grep -q pass_decap
	# reload with one more VIP: the same program, the new VIP on lo
	XLB_DECAP_VIPS="$XLB_DECAP_VIPS 198.18.1.11"
	XLB_DECAP_ATTACH="$XLB_DECAP_ATTACH --vip 198.18.1.11"
	while read -r line; do
		run_line "$caps" "$line" >/dev/null
	done < <(unit_lines "$DUNIT" ExecReload "$DDEV")
	assert_eq "$(prog_id_of "$NS" "$DDEV")" "$id" "decap program after a reload:"
	lb ip -br addr show dev lo | grep -q "198.18.1.11/32" || fail "new VIP not on lo"
	while read -r line; do
		run_line "$caps" "$line" >/dev/null
	done < <(unit_lines "$DUNIT" ExecStop "$DDEV")
	assert_eq "$(prog_id_of "$NS" "$DDEV")" none "decap program after stop:"
	[ ! -e "/sys/fs/bpf/xlb-decap/$DDEV" ] || fail "decap pins left after stop"
}

# The Vagrant lab's steps (vagrant/provision.sh) host by host: four
# namespaces stand for the VMs, with a VM's NIC names; lab-host.sh runs in
# each as provision.sh runs it, xlbd starts as its unit does.
test_vagrant_roles_build_a_working_lab() {
	local caps start i n ok4=0 ok6=0 out
	export LAB_BE_ROUTE4=198.18.0.0/24 LAB_BE_ROUTE6=2001:2::/64
	for n in c x b1 b2; do
		ip netns add "$P-$n"
		in_ns "$P-$n" ip link set lo up
	done
	ip link add eth1 netns "$P-c" type veth peer name eth1 netns "$P-x"
	ip link add eth2 netns "$P-x" type veth peer name eth1 netns "$P-b1"
	ip link add eth3 netns "$P-x" type veth peer name eth1 netns "$P-b2"
	for n in c b1 b2; do
		in_ns "$P-$n" ip link set eth1 up
	done
	for i in 1 2 3; do
		in_ns "$P-x" ip link set "eth$i" up
	done
	in_ns "$P-c" "$LAB_HOST" client eth1
	in_ns "$P-x" "$LAB_HOST" lb-front eth1
	in_ns "$P-x" "$LAB_HOST" lb-back eth2 1
	in_ns "$P-x" "$LAB_HOST" lb-back eth3 2
	for i in 1 2; do
		# pins named per backend: these namespaces share one bpffs
		in_ns "$P-b$i" "$LAB_HOST" backend eth1 "$i" "$P-b$i"
		bg_ns "$P-b$i" "$E2E_TMP/httpd$i.log" "$SERVER_SECONDS" "$PYTHON" "$HTTPD" "be$i" 80
	done
	mkdir -p "$ETC"
	"$LAB_HOST" xlb-conf 2 >"$ETC/eth1.conf"
	caps=$(unit_caps "$UNIT")
	start=$(unit_lines "$UNIT" ExecStart eth1)
	export XLBD_OPTS="--name $P-x --socket $E2E_TMP/x.sock"
	# shellcheck disable=SC2046,SC2086 # the unit's words
	nsenter --net="/run/netns/$P-x" setpriv --bounding-set "$caps" --inh-caps=-all -- \
		$(eval echo $start) >"$E2E_TMP/x.log" 2>&1 &
	echo $! >>"$E2E_TMP/pids"
	echo $! >"$E2E_TMP/x.pid"
	wait_until "$START_WAIT" test -S "$E2E_TMP/x.sock"
	# xlbd made the next hops managed neighbours: the kernel resolves them
	for n in 198.19.1.1 198.19.2.1 2001:2:101::1 2001:2:102::1; do
		wait_until "$START_WAIT" sh -c "ip -n $P-x neigh show $n | grep -q lladdr"
	done
	wait_until "$START_WAIT" sh -c "ss -N $P-b1 -Hltn 'sport = :80' | grep -q LISTEN"
	wait_until "$START_WAIT" sh -c "ss -N $P-b2 -Hltn 'sport = :80' | grep -q LISTEN"
	for ((i = 0; i < REQUESTS; i++)); do
		out=$(in_ns "$P-c" curl -sS -m "$CURL_SECONDS" "http://198.18.1.10/" 2>&1) &&
			[[ $out =~ ^be[12]$ ]] && ok4=$((ok4 + 1))
		out=$(in_ns "$P-c" curl -sS -m "$CURL_SECONDS" -g "http://[2001:2:1::10]/" 2>&1) &&
			[[ $out =~ ^be[12]$ ]] && ok6=$((ok6 + 1))
	done
	assert_eq "$ok4" "$REQUESTS" "IPv4 answers:"
	assert_eq "$ok6" "$REQUESTS" "IPv6 answers:"
}

run_tests "$@"
