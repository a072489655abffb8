#!/bin/bash
# Builds every libFuzzer target (tests/fuzz/fuzz_NAME.c) and runs each from
# its seeds in seeds/NAME/, bounded by FUZZ_RUNS runs and FUZZ_MAX_TIME
# seconds. One line per target, then "N passed, N failed" counting targets;
# a target that does not build counts as failed. A crashing input is kept
# under $BUILD/fuzz/NAME/. Needs `make all` first: maps.c (which
# ratelimit.c's helpers pull in) includes the skeleton it writes to $BUILD.
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
RUNS=${FUZZ_RUNS:-200000}
MAX_TIME=${FUZZ_MAX_TIME:-20}
# An input running this long is a hang, reported as a failure.
INPUT_TIMEOUT=10
OUT=$BUILD/fuzz
OBJ=$OUT/obj
# shellcheck disable=SC2054 # the commas are -fsanitize's
CFLAGS=(-g -O1 -std=gnu11 -D_GNU_SOURCE -Iinclude -Iuser -isystem "$BUILD"
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined)

TARGETS=(ctl config state_file grpc)
# The user/*.c files each target links: its parser and what that calls.
declare -A SRCS=(
	[ctl]="ctl_msg check_spec errmsg prefix"
	[config]="config cli_parse cli_grammar cli_guard request state state_guard check_spec
		ctl_msg errmsg prefix addr netaddr ratelimit maps"
	[state_file]="state_file state state_guard check_spec cli_parse cli_grammar cli_guard
		ctl_msg errmsg prefix addr netaddr ratelimit maps"
	[grpc]="grpc_codec"
)
declare -A LIBS=([ctl]="-lmnl" [config]="-lmnl -lbpf" [state_file]="-lmnl -lbpf" [grpc]="")
# fuzz_config's `help` lines print the grammar to stdout: closed.
declare -A FLAGS=([ctl]="" [config]="-close_fd_mask=1" [state_file]="" [grpc]="")

# Corpora and the state files fuzz_state_file writes, in memory if possible.
work=$(mktemp -d -p /dev/shm xlb-fuzz.XXXXXX 2>/dev/null || mktemp -d)
trap 'rm -rf "$work"' EXIT
rm -rf "$OBJ"
mkdir -p "$OBJ"

# Compiles a source once into $OBJ; 0 if its object is there.
declare -A BUILT=()
compile() {
	local src=$1 log=$2 obj
	obj=$OBJ/$(basename "${src%.c}").o
	if [ -z "${BUILT[$src]:-}" ]; then
		if clang "${CFLAGS[@]}" -c "$src" -o "$obj" >>"$log" 2>&1; then
			BUILT[$src]=ok
		else
			BUILT[$src]=failed
		fi
	fi
	[ "${BUILT[$src]}" = ok ]
}

# Builds fuzz_$1 into $OUT; 0 on success, the errors in $OUT/fuzz_$1.build.log.
build() {
	local name=$1 log=$OUT/fuzz_$1.build.log objs=() s
	: >"$log"
	for s in tests/fuzz/fuzz_$name.c tests/fuzz/quiet_log.c ${SRCS[$name]}; do
		[[ $s == */* ]] || s=user/$s.c
		compile "$s" "$log" || return 1
		objs+=("$OBJ/$(basename "${s%.c}").o")
	done
	# shellcheck disable=SC2086 # LIBS holds several words
	clang "${CFLAGS[@]}" "${objs[@]}" ${LIBS[$name]} -o "$OUT/fuzz_$name" >>"$log" 2>&1
}

pass=0
fail=0
for name in "${TARGETS[@]}"; do
	bin=$OUT/fuzz_$name
	log=$OUT/fuzz_$name.log
	if ! build "$name"; then
		tail -n 20 "$OUT/fuzz_$name.build.log"
		echo "fuzz_$name: build failed"
		fail=$((fail + 1))
		continue
	fi
	mkdir -p "$work/corpus-$name" "$work/tmp-$name" "$OUT/$name"
	cp tests/fuzz/seeds/"$name"/* "$work/corpus-$name"/
	# shellcheck disable=SC2086 # FLAGS holds zero or more words
	if TMPDIR=$work/tmp-$name "$bin" -runs="$RUNS" -max_total_time="$MAX_TIME" \
		-timeout="$INPUT_TIMEOUT" -artifact_prefix="$OUT/$name/" -print_final_stats=1 \
		${FLAGS[$name]} "$work/corpus-$name" >"$log" 2>&1; then
		echo "fuzz_$name: no crash ($(grep -aE '^Done [0-9]+ runs' "$log" | tail -1))"
		pass=$((pass + 1))
	else
		tail -n 40 "$log"
		echo "fuzz_$name: failed; the input is saved under $OUT/$name/"
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
