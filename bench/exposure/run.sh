#!/bin/sh
# bench/exposure/run.sh [BIN] [SEED]: builds exposure.c against the sim
# camera's sources and runs it (see exposure.c for what it prints). BIN is
# accepted like the other benches' and not needed: no daemon runs.
# bench/exposure/run.sh --frames DIR INTERVAL_S: writes profile h's frames of
# a sunset instead (bench/exposure/deflicker.sh uses them).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$here/../out
mkdir -p "$out"
make -s -C "$root" build/libskylapse.a
# shellcheck disable=SC2046 # pkg-config prints several flags: split on purpose
cc -O2 -std=c11 -D_GNU_SOURCE -DNDEBUG -I"$root/lib" -I"$root/agents/capture" \
	-o "$out/exposure" "$here/exposure.c" "$root"/agents/capture/camera*.c "$root/agents/capture/exposure.c" \
	"$root/agents/capture/exposure_run.c" \
	"$root/build/libskylapse.a" $(pkg-config --cflags --libs libturbojpeg jansson libcrypto) \
	-lpaho-mqtt3as -ldl -lpthread -lm
if [ "${1:-}" = --frames ]; then
	"$out/exposure" "$@"
else
	"$out/exposure" "${2:-1}"
fi
