#!/bin/sh
# bench/transfer/run.sh - skylapse-transfer against a plain rsync over SSH.
#
#   bench/transfer/run.sh [BIN_DIR]      (default build/bin; not part of make test)
#
# Needs root: it runs in a network namespace of its own (unshare --net), where
# the "Pi" is a second namespace joined by a veth pair (10.213.0.1 and .2,
# inside these namespaces only) that tc shapes to RATE (100mbit) each way, as
# the Pi reaches the server over 100 Mbit Ethernet or Wi-Fi. A throw-away
# sshd (keys made for the run) listens there and on loopback; mosquitto on
# loopback. Both namespaces end with the run.
#
# Over each network, the shaped link (SHAPED_FRAMES, 500 frames) and
# loopback unlimited (FRAMES, 2000), frames of SIZE_KB (500) KB with their
# sidecars are written as the "Pi", then after one warm-up run of each,
# ROUNDS (6) times each, in alternating order (every run starts with the
# disk synced):
#   plain  rsync -a -e "ssh -i KEY -p PORT ..." user@HOST:pi/ plain/
#   ours   skylapse-transfer --once   (pull, verify every frame's sha256,
#                                      nothing old enough to delete)
# It prints each run, then the figure: the median over the rounds of ours /
# plain (the two runs of a round are next to each other in time and half
# the rounds run ours first, so the machine's other load and order effects
# weigh on both alike; target over the shaped link: at most 1.05), and the
# time each side takes when there is nothing left to copy. Then, with the
# agent running (interval 60 min) over the shaped link, it writes LAT_FRAMES
# (200) more frames at LAT_RATE (5) per second, announcing each on
# skylapse/<camera>/frames as the capture agent does, and prints the time
# from each announcement to the agent's "verified" log line: p50, p99, max.
#
# Environment: WORK (scratch folder, default a new one under /tmp, removed
# unless KEEP=1), RATE, SHAPED_FRAMES, FRAMES, SIZE_KB, ROUNDS, LAT_FRAMES,
# LAT_RATE.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${1:-$ROOT/build/bin}
for tool in rsync ssh ssh-keygen /usr/sbin/sshd mosquitto /usr/bin/python3 ip tc unshare nsenter; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is missing" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (network namespaces, tc)" >&2; exit 1; }
[ -x "$BIN/skylapse-transfer" ] || { echo "bench: build first (make): no $BIN/skylapse-transfer" >&2; exit 1; }
exec unshare --net /usr/bin/python3 "$ROOT/bench/transfer/bench.py" "$BIN"
