#!/bin/sh
# bench/run.sh [BIN]: every benchmark in turn (each prints ratios against a
# reference measured in the same run). Not part of make test.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
for b in "$here"/*/run.sh; do
	case "$b" in */soak/run.sh | */fleet/run.sh) continue ;; esac # long: run them on their own
	echo "== $(basename "$(dirname "$b")")"
	"$b" "$@"
done
