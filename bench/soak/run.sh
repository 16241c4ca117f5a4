#!/bin/sh
# bench/soak/run.sh [BIN]: the whole stack for SKYLAPSE_SOAK_MINUTES (default 30);
# see soak.py. Not run by bench/run.sh (it takes half an hour).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
SKYLAPSE_BIN=${1:-$here/../../build/bin} exec /usr/bin/python3 "$here/soak.py" \
	"${SKYLAPSE_SOAK_MINUTES:-30}"
