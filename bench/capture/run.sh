#!/bin/sh
# bench/capture/run.sh [BIN]: builds the TurboJPEG reference and runs bench.py.
# LOAD=N runs it on a loaded machine: N busy loops (one per CPU makes the
# agent and the reference share every CPU) for the whole run.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../../build/bin}
out=$here/../out
mkdir -p "$out"
# shellcheck disable=SC2046 # pkg-config prints several flags: split on purpose
cc -O2 -o "$out/tj_rate" "$here/tj_rate.c" $(pkg-config --cflags --libs libturbojpeg)
cc -O2 -o "$out/store_floor" "$here/store_floor.c"
hogs=
trap 'kill $hogs 2>/dev/null || true' EXIT
for _ in $(seq "${LOAD:-0}"); do
	sh -c 'while :; do :; done' &
	hogs="$hogs $!"
done
SKYLAPSE_BIN=$bin /usr/bin/python3 "$here/bench.py" "$out/tj_rate" "$out/store_floor"
