#!/bin/sh
# bench/fleet/run.sh [BIN]: many sim cameras through one broker, scheduler and bridge
# (see fleet.py). Knobs: SKYLAPSE_FLEET_CAMERAS (fleet sizes, run in turn; default
# "100"), SKYLAPSE_FLEET_MINUTES (counting time per size; default 10),
# SKYLAPSE_FLEET_INTERVAL (s between frames of a camera; default 5),
# SKYLAPSE_FLEET_SSE (/events clients; default 20), SKYLAPSE_FLEET_BROKER_CONF (lines
# added to broker/mosquitto.conf). Not run by bench/run.sh (10 min).
# Scaling: SKYLAPSE_FLEET_CAMERAS="100 200 400" SKYLAPSE_FLEET_MINUTES=2 bench/fleet/run.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
SKYLAPSE_BIN=${1:-$here/../../build/bin} exec /usr/bin/python3 "$here/fleet.py"
