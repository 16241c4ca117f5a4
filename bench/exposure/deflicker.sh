#!/bin/sh
# bench/exposure/deflicker.sh [BIN_DIR]: does the encoder's deflicker help or
# fight profile h's ramp? Writes the sim's frames of the seed place's sunset
# (+10 to -18 deg) for h and for plain auto exposure (a) at 5 s and 60 s
# (run.sh --frames, 640x480, sidecars with mean_luma as the agent's), encodes
# each set with skylapse-encoder at 30 fps without and with --deflicker
# (window 15), and measures the videos' own mean luma per frame (ffmpeg's
# signalstats YAVG). Prints, per set: the largest and the 95th-percentile
# frame-to-frame change of the video's mean luma (%, of the earlier frame,
# counted as at least 1), and how far deflicker moved the video's luma from
# the plain encode (largest, in luma levels).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
BIN=${1:-$root/build/bin}
[ -x "$BIN/skylapse-encoder" ] || { echo "deflicker: build first (make)" >&2; exit 1; }
WORK=$(mktemp -d /tmp/skylapse-deflicker.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# yavg VIDEO: one mean luma per line, in frame order
yavg() {
	ffprobe -v error -f lavfi "movie=$1,signalstats" \
		-show_entries frame_tags=lavfi.signalstats.YAVG -of csv=p=0
}

printf '%-10s %-6s %7s %7s %7s %7s %9s\n' set frames "max %" "p95 %" "dfmax %" "dfp95 %" "moved"
for strategy in h a; do
	for interval in 5 60; do
		set_dir=$WORK/$strategy-$interval
		mkdir -p "$set_dir"
		sh "$here/run.sh" --frames "$set_dir" "$interval" "$strategy" >/dev/null
		"$BIN/skylapse-encoder" encode --input "$set_dir" --output "$WORK/plain.mp4" \
			--fps 30 --width 640 >/dev/null 2>&1
		"$BIN/skylapse-encoder" encode --input "$set_dir" --output "$WORK/deflicker.mp4" \
			--fps 30 --width 640 --deflicker >/dev/null 2>&1
		yavg "$WORK/plain.mp4" >"$WORK/plain.txt"
		yavg "$WORK/deflicker.mp4" >"$WORK/deflicker.txt"
		python3 - "$strategy $interval s" "$WORK/plain.txt" "$WORK/deflicker.txt" <<'PY'
import math, sys
name, plain, defl = sys.argv[1], sys.argv[2], sys.argv[3]
def load(p):
    return [float(l.split(",")[0]) for l in open(p) if l.strip()]
def steps(y):
    s = sorted(100 * abs(b - a) / max(a, 1) for a, b in zip(y, y[1:]))
    return s[-1], s[math.ceil(0.95 * len(s)) - 1]
p, d = load(plain), load(defl)
pm, pp = steps(p)
dm, dp = steps(d)
moved = max(abs(a - b) for a, b in zip(p, d))
print(f"{name:<10} {len(p):6d} {pm:7.2f} {pp:7.2f} {dm:7.2f} {dp:7.2f} {moved:9.2f}")
PY
	done
done
