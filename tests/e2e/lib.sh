#!/bin/bash
# The e2e test runner, sourced by tests/e2e/test_*.sh:
#
#   . "$(dirname "$0")/lib.sh"
#   suite_setup()   { ...; }   optional: once before the tests; if it fails,
#                              every test is counted failed
#   suite_cleanup() { ...; }   optional: on exit, failed or not (trap)
#   test_something() { ...; }  one behaviour each; run in definition order,
#                              each in its own subshell under `set -e`
#   run_tests "$@"             prints PASS/FAIL per test and last
#                              "N passed, N failed"; non-zero exit on a failure
#
# Tests may name some to run: `bash test_smoke.sh test_ipv4_request`.
# Processes started with bg_ns are killed on exit; every wait is bounded.
set -u

E2E_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$E2E_ROOT/$BUILD ;; esac
export BUILD
XLB_DECAP=${XLB_DECAP:-$BUILD/xlb-decap}
export XLB_DECAP
export LAB_SH=$E2E_ROOT/scripts/lab.sh
E2E_TMP=$(mktemp -d /tmp/xlb-e2e.XXXXXX)
E2E_POLL=0.1 # seconds between two checks of wait_until
E2E_POLLS_PER_SECOND=10

# Runs a command in a namespace's network only (host mounts kept, so pins
# made there stay on the host's bpffs).
in_ns() {
	local ns=$1
	shift
	nsenter --net="/run/netns/$ns" "$@"
}

# bg_ns NS LOG SECONDS CMD...: starts CMD in NS, output to LOG, killed after
# SECONDS at the latest and on exit.
bg_ns() {
	local ns=$1 log=$2 secs=$3
	shift 3
	nsenter --net="/run/netns/$ns" timeout "$secs" "$@" >"$log" 2>&1 &
	echo $! >>"$E2E_TMP/pids"
}

# wait_until SECONDS CMD...: polls CMD until it succeeds; fails after SECONDS.
wait_until() {
	local secs=$1 i
	shift
	for ((i = 0; i < secs * E2E_POLLS_PER_SECOND; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep "$E2E_POLL"
	done
	echo "timed out after ${secs}s waiting for: $*" >&2
	return 1
}

fail() {
	echo "  $*" >&2
	return 1
}

assert_eq() {
	[ "$1" = "$2" ] || fail "${3:-} expected '$2', got '$1'"
}

assert_match() {
	[[ $1 =~ $2 ]] || fail "${3:-} '$1' does not match /$2/"
}

# assert_gt A B [MSG]: integers, A > B.
assert_gt() {
	[ "$1" -gt "$2" ] || fail "${3:-} expected more than $2, got $1"
}

need_root() {
	[ "$(id -u)" -eq 0 ] || fail "e2e tests run as root"
}

need_bin() {
	local b
	for b in "$@"; do
		[ -x "$b" ] || fail "missing $b (make it first)"
	done
}

e2e_cleanup() {
	local pid
	trap - EXIT INT TERM
	if declare -F suite_cleanup >/dev/null; then
		suite_cleanup >"$E2E_TMP/cleanup.log" 2>&1 ||
			{
				echo "cleanup:" >&2
				cat "$E2E_TMP/cleanup.log" >&2
			}
	fi
	if [ -f "$E2E_TMP/pids" ]; then
		while read -r pid; do
			kill "$pid" 2>/dev/null || true
		done <"$E2E_TMP/pids"
	fi
	rm -rf "$E2E_TMP"
}

# The test functions of the calling script, in the order they are defined.
e2e_tests() {
	grep -oE '^test_[A-Za-z0-9_]+\(\)' "$0" | tr -d '()'
}

run_tests() {
	local passed=0 failed=0 t rc tests
	trap e2e_cleanup EXIT
	trap 'exit 130' INT TERM
	if [ $# -gt 0 ]; then
		tests="$*"
	else
		tests=$(e2e_tests)
	fi
	if declare -F suite_setup >/dev/null; then
		(
			set -e
			suite_setup
		) >"$E2E_TMP/setup.log" 2>&1
		rc=$?
		if [ $rc -ne 0 ]; then
			echo "setup failed (exit $rc):"
			cat "$E2E_TMP/setup.log"
			for t in $tests; do
				echo "FAIL $t (no setup)"
				failed=$((failed + 1))
			done
			echo "$passed passed, $failed failed"
			exit 1
		fi
	fi
	for t in $tests; do
		declare -F "$t" >/dev/null || {
			echo "FAIL $t (no such test)"
			failed=$((failed + 1))
			continue
		}
		(
			set -e
			"$t"
		) >"$E2E_TMP/test.log" 2>&1
		rc=$?
		if [ $rc -eq 0 ]; then
			echo "PASS $t"
			passed=$((passed + 1))
		else
			echo "FAIL $t"
			sed 's/^/    /' "$E2E_TMP/test.log"
			failed=$((failed + 1))
		fi
	done
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit $?
}
