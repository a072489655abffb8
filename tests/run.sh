#!/bin/bash
# Runs every test suite (Criterion binaries, shell suites, the fuzz run) and
# ends with one line "N passed, N failed" summing them all; exits non-zero if
# anything failed. A suite that dies without its summary counts as one failure.
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
export BUILD

total_pass=0
total_fail=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Adds a suite's counts, read from its output in $log.
tally() {
	local name=$1 rc=$2 pass fail line
	line=$(grep -aE 'Synthesis: Tested: [0-9]+' "$log" | tail -1)
	if [ -n "$line" ]; then
		pass=$(sed -E 's/.*Passing: ([0-9]+).*/\1/' <<<"$line")
		# a crashed test is among the failing ones ("Crashing" counts them again)
		fail=$(sed -E 's/.*Failing: ([0-9]+).*/\1/' <<<"$line")
	else
		line=$(grep -aE '^([A-Za-z]+: )?[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
		if [ -z "$line" ]; then
			echo "run.sh: $name printed no summary (exit $rc): counted as 1 failure"
			total_fail=$((total_fail + 1))
			return
		fi
		pass=$(sed -E 's/^([A-Za-z]+: )?([0-9]+) passed.*/\2/' <<<"$line")
		fail=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
	fi
	if [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then
		echo "run.sh: $name exited $rc with no failure counted: counted as 1 failure"
		fail=1
	fi
	total_pass=$((total_pass + pass))
	total_fail=$((total_fail + fail))
}

run_suite() {
	local name=$1
	shift
	echo "=== $name"
	"$@" >"$log" 2>&1
	local rc=$?
	cat "$log"
	tally "$name" "$rc"
}

for dir in unit bpf; do
	for t in "$BUILD/tests/$dir"/test_*; do
		[ -x "$t" ] || continue
		run_suite "$dir/$(basename "$t")" "$t" --jobs=2
	done
done

for t in tests/e2e/test_*.sh; do
	[ -f "$t" ] || continue
	run_suite "e2e/$(basename "$t")" bash "$t"
done

for t in tests/*/run.sh; do
	[ -f "$t" ] || continue
	run_suite "$(basename "$(dirname "$t")")" bash "$t"
done

echo
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ] && [ "$total_pass" -gt 0 ]
