#!/bin/sh
# bench/capture/run.sh [BIN]: builds the TurboJPEG reference and runs bench.py.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../../build/bin}
out=$here/../out
mkdir -p "$out"
# shellcheck disable=SC2046 # pkg-config prints several flags: split on purpose
cc -O2 -o "$out/tj_rate" "$here/tj_rate.c" $(pkg-config --cflags --libs libturbojpeg)
SKYLAPSE_BIN=$bin /usr/bin/python3 "$here/bench.py" "$out/tj_rate"
