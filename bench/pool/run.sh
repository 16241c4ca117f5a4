#!/bin/sh
# bench/pool/run.sh - a pool of encoder workers against one worker.
#
#   bench/pool/run.sh [BIN_DIR]      (default build/bin; not part of make test)
#
# Makes FRAMES (90) synthetic SIZE (1920x1440) JPEG frames with sidecars in the
# server layout (FFmpeg's testsrc2), then, ROUNDS (2) times, alternately, starts
# mosquitto (the tests' harness, a free port) and N workers for each N of
# WORKERS ("1 3"), all on $share/encoders, sends JOBS (6) jobs of those frames
# at once (1280 wide, CRF 23, preset medium, different job ids) and times them
# from the first send to the last `done`. Prints each run (wall, jobs a
# minute, CPU seconds a job, how many jobs each worker ran), then the median
# throughput of each N and its ratio to the first N of WORKERS. Each worker
# runs with its defaults (decoding threads one per CPU, x264's own threads),
# so on a machine with fewer CPUs than workers the ratio shows what the pool
# costs or gains there, not the pool's reach on more cores.
#
# Environment: WORK (scratch folder, default a new one under /tmp, removed
# unless KEEP=1), FRAMES, SIZE, JOBS, WORKERS, ROUNDS.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${1:-$ROOT/build/bin}
for tool in mosquitto ffmpeg /usr/bin/python3; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is missing" >&2; exit 1; }
done
[ -x "$BIN/skylapse-encoder" ] || { echo "bench: build first (make): no $BIN/skylapse-encoder" >&2; exit 1; }
exec /usr/bin/python3 "$ROOT/bench/pool/bench.py" "$BIN"
