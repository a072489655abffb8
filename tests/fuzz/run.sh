#!/bin/bash
# Builds the control-message fuzz target with libFuzzer and runs it for a
# bounded number of iterations and seconds, from the seeds in seeds/.
# Prints "1 passed, 0 failed" when nothing crashed, "0 passed, 1 failed"
# otherwise (the crashing input is kept under $BUILD/fuzz/).
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
RUNS=${FUZZ_RUNS:-200000}
MAX_TIME=${FUZZ_MAX_TIME:-60}
OUT=$BUILD/fuzz
BIN=$OUT/fuzz_ctl

mkdir -p "$OUT"
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
cp tests/fuzz/seeds/* "$corpus"/

if ! clang -g -O1 -std=gnu11 -D_GNU_SOURCE -Iinclude -Iuser \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	tests/fuzz/fuzz_ctl.c user/ctl_msg.c user/check_spec.c user/errmsg.c user/prefix.c -lmnl -o "$BIN"; then
	echo "fuzz: build failed"
	echo "0 passed, 1 failed"
	exit 1
fi

if "$BIN" -runs="$RUNS" -max_total_time="$MAX_TIME" -artifact_prefix="$OUT/" \
	-print_final_stats=1 "$corpus" 2>"$OUT/fuzz_ctl.log"; then
	tail -n 12 "$OUT/fuzz_ctl.log"
	echo "fuzz_ctl: no crash"
	echo "1 passed, 0 failed"
	exit 0
fi
tail -n 40 "$OUT/fuzz_ctl.log"
echo "fuzz_ctl: crashed; input saved under $OUT/"
echo "0 passed, 1 failed"
exit 1
