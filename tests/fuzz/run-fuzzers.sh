#!/usr/bin/env bash
# run-fuzzers.sh: run each libFuzzer target of a fuzz build for a bounded
# time, two at a time; any crash, leak, timeout or broken property fails.
#
#	run-fuzzers.sh BUILD_DIR SECONDS WORK_DIR [TARGET...]
#
# Each target starts from its committed seed corpus (tests/fuzz/corpus/
# NAME/, only read) and WORK_DIR/NAME/ (where new inputs go, kept between
# runs by ./run soak); its log is WORK_DIR/NAME.log, a crashing input
# WORK_DIR/crash-NAME-*.  The last line is "fuzz: N passed, M failed".
set -uo pipefail

build=$1 seconds=$2 work=$3
shift 3
src=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
targets=("$@")
if ((${#targets[@]} == 0)); then
	mapfile -t targets < <(find "$src/corpus" -mindepth 1 -maxdepth 1 \
	    -type d -printf '%f\n' | LC_ALL=C sort)
fi
jobs=${FUZZ_JOBS:-$(nproc)}
mkdir -p "$work"

one() {
	local name=$1 bin=$build/tests/fuzz/fuzz-$1 log=$work/$1.log
	local -a dict=()
	mkdir -p "$work/$name"
	if [[ ! -x $bin ]]; then
		echo "fuzz-$name: not built ($bin)" >"$log"
		return 1
	fi
	[[ -f $src/dict/$name.dict ]] && dict=(-dict="$src/dict/$name.dict")
	# -close_fd_mask=2: the service's own log lines stay quiet;
	# libFuzzer's reports still come (it keeps its own stderr).
	"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 -close_fd_mask=2 "${dict[@]}" \
	    -artifact_prefix="$work/crash-$name-" \
	    "$work/$name" "$src/corpus/$name" >"$log" 2>&1 </dev/null
}

pass=0 fail=0
declare -A pid_of=()
for name in "${targets[@]}"; do
	while (($(jobs -rp | wc -l) >= jobs)); do
		wait -n || true
	done
	one "$name" &
	pid_of[$name]=$!
done
for name in "${targets[@]}"; do
	log=$work/$name.log
	if wait "${pid_of[$name]}"; then
		runs=$(awk '/stat::number_of_executed_units:/ { print $2 }' "$log")
		cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
		printf 'fuzz-%s: %s runs in %ss, %s, no crash\n' "$name" \
		    "${runs:-?}" "$seconds" "${cov:-cov: ?}"
		pass=$((pass + 1))
	else
		printf 'fuzz-%s: FAILED (log %s):\n' "$name" "$log"
		grep -E -A12 'ERROR|property broken|SUMMARY' "$log" | head -40
		ls "$work"/crash-"$name"-* 2>/dev/null
		fail=$((fail + 1))
	fi
done
printf 'fuzz: %d passed, %d failed\n' "$pass" "$fail"
((fail == 0))
