#!/bin/sh
# Runs the libFuzzer targets built by tests/fuzz/fuzz.mk, one at a time.
#
#   run.sh fuzz SECONDS BIN...  fuzz each for SECONDS, from its corpus in
#                               tests/fuzz/corpus/NAME (read only); new inputs
#                               go to build/fuzz/corpus/NAME, crashes to
#                               build/fuzz/crashes/; prints executions per target
#   run.sh replay 0 BIN...      run every corpus file once (regressions)
#
# Exits 1 when any target crashed or failed, after running all of them.
set -u
mode=$1 seconds=$2
shift 2
here=$(dirname "$0")
failed=0 files=0 targets=$#
mkdir -p build/fuzz/logs
for bin in "$@"; do
	name=$(basename "$bin")
	corpus="$here/corpus/$name"
	log="build/fuzz/logs/$name.$mode.log"
	if [ "$mode" = replay ]; then
		set -- "$corpus"/*
		if [ ! -e "$1" ]; then
			echo "fuzz-replay: $name has no corpus in $corpus" >&2
			failed=1
			continue
		fi
		files=$((files + $#))
		if ! "$bin" "$@" >"$log" 2>&1; then
			echo "fuzz-replay: $name FAILED (log: $log)" >&2
			tail -n 40 "$log" >&2
			failed=1
		fi
		continue
	fi
	mkdir -p "build/fuzz/corpus/$name" build/fuzz/crashes
	"$bin" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="build/fuzz/crashes/$name-" \
		"build/fuzz/corpus/$name" "$corpus" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	if [ "$rc" -eq 0 ]; then
		echo "fuzz: $name: ${execs:-?} executions in ${seconds} s, no crash"
	else
		echo "fuzz: $name: CRASHED after ${execs:-?} executions (log: $log)"
		grep -m 3 -E 'ERROR:|runtime error|Test unit written' "$log"
		failed=1
	fi
done
if [ "$mode" = replay ]; then
	[ "$failed" -eq 0 ] && echo "fuzz-replay: $targets targets, $files corpus files, every one ran clean"
fi
exit $failed
