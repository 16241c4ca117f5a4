#!/bin/sh
# bench/transfer/run.sh - skylapse-transfer against a plain rsync over SSH.
#
#   bench/transfer/run.sh [BIN_DIR]      (default build/bin; not part of make test)
#
# Starts a throw-away sshd on a free loopback port (keys made for the run),
# writes FRAMES (2000) frames of SIZE_KB (500) KB with their sidecars as the
# "Pi", then in the same run, after one warm-up run of each, ROUNDS (6) times
# each, in alternating order (every run starts with the disk synced):
#   plain  rsync -a -e "ssh -i KEY -p PORT ..." user@127.0.0.1:pi/ plain/
#   ours   skylapse-transfer --once   (pull, verify every frame's sha256,
#                                      nothing old enough to delete)
# and prints best and median wall times, the ratio of the total times (the
# figure: target <= 1.2; the two runs of a round are next to each other in
# time and half the rounds run ours first, so the machine's other load and
# order effects weigh on both alike), each round's ratio, and the CPU time
# used on the server side; then the time each side takes when there is
# nothing left to copy (connection, listing, start and exit).
# Then, with mosquitto and the agent running (interval 60 min), writes
# LAT_FRAMES (200) more frames at LAT_RATE (5) per second, announcing each on
# skylapse/<camera>/frames as the capture agent does, and prints the time
# from each announcement to the agent's "verified" log line: p50, p99, max.
#
# Environment: WORK (scratch folder, default a new one under /tmp, removed
# unless KEEP=1), FRAMES, SIZE_KB, ROUNDS, LAT_FRAMES, LAT_RATE.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${1:-$ROOT/build/bin}
for tool in rsync ssh ssh-keygen /usr/sbin/sshd mosquitto /usr/bin/python3; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is missing" >&2; exit 1; }
done
[ -x "$BIN/skylapse-transfer" ] || { echo "bench: build first (make): no $BIN/skylapse-transfer" >&2; exit 1; }
exec /usr/bin/python3 "$ROOT/bench/transfer/bench.py" "$BIN"
