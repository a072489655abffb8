#!/bin/bash
# Builds the unit suites again with AddressSanitizer and UndefinedBehavior-
# Sanitizer into $BUILD/asan and runs them: a read past a buffer, a use after
# free, a leak or undefined behaviour fails the suite it happens in, even when
# the test's own assertions pass. Prints each suite's counts and ends with
# "N passed, N failed" over all their tests. (Criterion's own summary lines
# are not repeated: tests/run.sh would read the last of them as this one's.)
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
OUT=$BUILD/asan
REPORTS=$OUT/reports
SANITIZE="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
# Reports go to files, one per process: a leak is found as a test's worker
# exits, after the test has passed, and Criterion only warns of that.
export ASAN_OPTIONS=detect_leaks=1:log_path=$REPORTS/asan
export UBSAN_OPTIONS=print_stacktrace=1:log_path=$REPORTS/ubsan

suites=()
# test_cli runs the real xlbctl beside it, built the same way
tools=("$OUT/xlbctl")
for f in tests/unit/test_*.c; do
	t=${f##*/}
	suites+=("$OUT/tests/unit/${t%.c}")
done

mkdir -p "$OUT"
if ! make --no-print-directory -j"$(nproc)" BUILD="$OUT" CC="${CC:-gcc} $SANITIZE" \
	"${tools[@]}" "${suites[@]}" >"$OUT/build.log" 2>&1; then
	tail -n 30 "$OUT/build.log"
	echo "asan: build failed"
	echo "0 passed, 1 failed"
	exit 1
fi

passed=0
failed=0
for t in "${suites[@]}"; do
	rm -rf "$REPORTS"
	mkdir -p "$REPORTS"
	out=$("$t" --jobs=2 2>&1)
	rc=$?
	line=$(grep -aE 'Synthesis: Tested: [0-9]+' <<<"$out" | tail -1)
	if [ -z "$line" ]; then
		echo "$out" | tail -n 30
		echo "asan: ${t##*/} printed no summary (exit $rc)"
		failed=$((failed + 1))
		continue
	fi
	tested=$(sed -E 's/.*Tested: ([0-9]+).*/\1/' <<<"$line")
	f=$(sed -E 's/.*Failing: ([0-9]+).*/\1/' <<<"$line") # crashes among them
	reports=$(find "$REPORTS" -type f | wc -l)
	if [ "$reports" -gt 0 ]; then
		head -n 40 "$REPORTS"/*
		# a test that crashed on a report is failing already
		[ "$reports" -le "$f" ] || f=$reports
		[ "$f" -le "$tested" ] || f=$tested
	fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "asan: ${t##*/} exited $rc with no failure counted: counted as 1 failure"
		f=1
	fi
	echo "${t##*/}: $((tested - f)) passed, $f failed"
	passed=$((passed + tested - f))
	failed=$((failed + f))
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
