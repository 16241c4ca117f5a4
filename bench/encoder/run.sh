#!/bin/sh
# bench/encoder/run.sh - skylapse-encoder against the ffmpeg command line,
# and (MODE=hdr) its exposure fusion against the middle exposure alone.
#
#   bench/encoder/run.sh [BIN_DIR]             (default build/bin; not part of make test)
#   MODE=hdr bench/encoder/run.sh [BIN_DIR]
#
# MODE=hdr: hdr_frames.c (built here against the sim camera's sources) makes
# profile d's brackets (EV -2, 0, +2) across a simulated sunset, sun +8 to
# -10 degrees, one slot every 2 minutes of sky time, at 2028x1520 (HDR_SIZE,
# HDR_STEP), and prints the fusion's own time a slot and scratch memory. The
# encoder then makes two 1920-wide videos of them: `fused` (the default: each
# slot's exposures fused) and `middle` (the EV 0 exposures alone, --no-hdr).
# Printed for each: the share of clipped highlights (luma >= 250) and crushed
# shadows (<= 5) over all frames, read back from the video at full range;
# wall and CPU time and peak RSS, and the fusion's cost a frame (the
# difference of CPU time, decoding of the two extra exposures included).
#
# Makes two sets of 120 synthetic 4056x3040 JPEG frames with FFmpeg's lavfi
# sources:
#   test    testsrc2 with temporal noise (shapes, text, gradients)
#   grain   static noise grains 3 source pixels wide (band-limited: noise at
#           1/3 size, upscaled bicubically) on a grey-blue sky darkening
#           frame by frame: detail near the resolution limit of a 1920-wide
#           video (1.4 output pixels a grain), like foliage or cloud texture
# and for each set, in the same run, encodes them to 1920-wide H.264 (CRF 23,
# preset medium):
#   ours    skylapse-encoder encode --input frames --output ours.mp4 --width 1920
#   ffmpeg  ffmpeg -framerate 30 -i frames/f_%04d.jpg -vf scale=1920:-2 -c:v libx264
#                  -preset medium -crf 23 -pix_fmt yuv420p ffmpeg.mp4
# and prints: the wall-time ratio (target <= 0.85); SSIM of each video against
# the source frames downscaled with Lanczos, uncompressed, in the video's own
# colour space (ours is BT.709 TV range, ffmpeg's keeps the JPEG's BT.601
# matrix at TV range; target ours >= ffmpeg's - 0.005); peak RSS against
# x264's own footprint, ffmpeg encoding the same frames already decoded (a
# y4m file, same settings; target <= footprint + 64 MB); and, on the first
# set, our peak RSS for 1000 frames against 120 (flat memory; the 1000 are
# the 120 repeated, by symbolic links).
#
# The two encoders run REPEAT times each (default 3), alternately, and the
# medians are compared, so that other work on the machine weighs on both; CPU
# seconds (user + system) are printed too, as the load-independent measure of
# the work each does.
#
# Environment: WORK (scratch folder, default a new one under /tmp, removed
# unless KEEP=1), SETS ("test grain"), FRAMES (120), LONG_FRAMES (1000; 0
# skips that run),
# REPEAT (3), THREADS (our decoding threads; default one per CPU).
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${1:-$ROOT/build/bin}
ENC=$BIN/skylapse-encoder
FRAMES=${FRAMES:-120}
LONG_FRAMES=${LONG_FRAMES:-1000}
KEEP=${KEEP:-0}
REPEAT=${REPEAT:-3}
THREADS=${THREADS:-0}

MODE=${MODE:-quality}
HDR_SIZE=${HDR_SIZE:-2028x1520}
HDR_STEP=${HDR_STEP:-2}

for tool in ffmpeg ffprobe /usr/bin/time python3; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is missing" >&2; exit 1; }
done
[ -x "$ENC" ] || { echo "bench: build first (make): no $ENC" >&2; exit 1; }

if [ -z "${WORK:-}" ]; then
	WORK=$(mktemp -d /tmp/skylapse-bench.XXXXXX)
	[ "$KEEP" = 1 ] || trap 'rm -rf "$WORK"' EXIT
fi
SETS=${SETS:-test grain}
mkdir -p "$WORK"
cd "$WORK"
echo "bench: scratch in $WORK, $(nproc) CPUs"

# graph NAME: the lavfi graph that makes set NAME
graph() {
	case $1 in
	test) echo "testsrc2=size=4056x3040:rate=30,noise=alls=10:allf=t" ;;
	grain) echo "color=c=0x6a7888:size=1352x1014:rate=30,noise=alls=16,trim=end_frame=1,scale=4056:3040:flags=bicubic,loop=loop=-1:size=1,eq=brightness=-0.002*n:eval=frame" ;;
	*) echo "bench: unknown set $1 (test, grain)" >&2; exit 1 ;;
	esac
}

# run LABEL CMD... : runs CMD under /usr/bin/time, appends "wall_s peak_kB
# user_s sys_s" to LABEL.time
run() {
	label=$1
	shift
	/usr/bin/time -a -f "%e %M %U %S" -o "$label.time" "$@" >"$label.out" 2>"$label.err" ||
		{ echo "bench: $label failed:" >&2; tail -5 "$label.err" >&2; exit 2; }
	# shellcheck disable=SC2046 # the four numbers become $1..$4
	set -- $(tail -1 "$label.time")
	echo "bench: $label: $1 s wall, $3 + $4 s CPU, $(($2 / 1024)) MB peak; load $(cut -d' ' -f1 /proc/loadavg)"
}

# bench_set NAME LONG: makes set NAME's frames in NAME/ and measures them there,
# with a flat-memory run of LONG frames when LONG > 0
bench_set() {
	set_name=$1
	long=$2
	mkdir -p "$WORK/$set_name/frames"
	cd "$WORK/$set_name"
	if [ ! -f "frames/f_$(printf %04d "$FRAMES").jpg" ]; then
		echo "bench: $set_name: making $FRAMES frames of 4056x3040"
		ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i "$(graph "$set_name")" \
			-frames:v "$FRAMES" -q:v 3 frames/f_%04d.jpg
	fi
	echo "bench: $set_name: frames: $(du -sm frames | cut -f1) MB, $(find frames -name "*.jpg" | wc -l) files"

	# --- the two encoders, same frames, same run, alternately ------------------------
	rm -f ours.time ffmpeg.time x264.time long.time
	i=0
	while [ "$i" -lt "$REPEAT" ]; do
		run ours "$ENC" encode --input frames --output ours.mp4 --width 1920 --crf 23 \
			--preset medium --threads "$THREADS"
		run ffmpeg ffmpeg -nostdin -hide_banner -loglevel error -y -framerate 30 \
			-i frames/f_%04d.jpg -vf scale=1920:-2 -c:v libx264 -preset medium -crf 23 \
			-pix_fmt yuv420p ffmpeg.mp4
		i=$((i + 1))
	done

	SIZE=$(ffprobe -v error -select_streams v:0 -show_entries stream=width,height \
		-of csv=p=0:s=x ours.mp4)
	W=${SIZE%x*}
	H=${SIZE#*x}

	# --- references: the source downscaled with Lanczos, uncompressed ----------------
	# at the videos' 30 fps, so that the SSIM filter pairs frame n with frame n
	# ffmpeg's video keeps the JPEG matrix (BT.601) at TV range; ours is BT.709:
	# the matrix change goes through RGB because swscale does not change it
	# between two YUV formats.
	ffmpeg -nostdin -hide_banner -loglevel error -y -framerate 30 -i frames/f_%04d.jpg \
		-vf "scale=$W:$H:flags=lanczos,format=yuv420p" ref601.y4m
	ffmpeg -nostdin -hide_banner -loglevel error -y -framerate 30 -i frames/f_%04d.jpg \
		-vf "scale=$W:$H:flags=lanczos,format=gbrp,scale=out_color_matrix=bt709:out_range=tv,format=yuv420p" \
		ref709.y4m

	ssim() {
		ffmpeg -nostdin -hide_banner -i "$1" -i "$2" -lavfi "[0:v][1:v]ssim" -f null - 2>&1 |
			sed -n 's/.*SSIM Y:\([0-9.]*\).* All:\([0-9.]*\).*/\2 \1/p' | tail -1
	}
	SSIM_OURS=$(ssim ours.mp4 ref709.y4m)
	SSIM_FF=$(ssim ffmpeg.mp4 ref601.y4m)

	# --- x264's own footprint: the same frames already decoded ---------------------------
	run x264 ffmpeg -nostdin -hide_banner -loglevel error -y -i ref601.y4m -c:v libx264 \
		-preset medium -crf 23 -pix_fmt yuv420p x264.mp4

	# --- flat memory: 1000 frames ------------------------------------------------------
	if [ "$long" -gt 0 ]; then
		rm -rf long
		mkdir long
		i=0
		while [ "$i" -lt "$LONG_FRAMES" ]; do
			ln -s "../frames/f_$(printf %04d $((i % FRAMES + 1))).jpg" "long/f_$(printf %05d "$i").jpg"
			i=$((i + 1))
		done
		run long "$ENC" encode --input long --output long.mp4 --width 1920 --crf 23 \
			--preset medium --threads "$THREADS"
	fi

	# --- figures --------------------------------------------------------------------------
	python3 - "$SSIM_OURS" "$SSIM_FF" "$long" "$FRAMES" "$set_name" <<-'EOF'
	import json, subprocess, sys

	def t(label):
	    """Median wall time, peak RSS (MB, the largest) and median CPU seconds of
	    the runs of LABEL."""
	    runs = [line.split() for line in open(f"{label}.time") if line.strip()
	            and not line.startswith("Command")]
	    walls = sorted(float(r[0]) for r in runs)
	    cpus = sorted(float(r[2]) + float(r[3]) for r in runs)
	    return walls[len(walls) // 2], max(int(r[1]) for r in runs) / 1024.0, cpus[len(cpus) // 2]

	def probe(path):
	    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-count_frames",
	                          "-show_entries", "stream=codec_name,width,height,pix_fmt,r_frame_rate,"
	                          "nb_read_frames,color_space", "-show_entries", "format=size",
	                          "-of", "json", path], capture_output=True, text=True, check=True)
	    j = json.loads(out.stdout)
	    s = j["streams"][0]
	    return (f'{s["codec_name"]} {s["width"]}x{s["height"]} {s["pix_fmt"]} '
	            f'{s["r_frame_rate"]} fps, {s["nb_read_frames"]} frames, '
	            f'{s.get("color_space", "unknown")}, {int(j["format"]["size"]) / 1e6:.2f} MB')

	ours_all, ours_y = map(float, sys.argv[1].split())
	ff_all, ff_y = map(float, sys.argv[2].split())
	long_frames, frames, set_name = int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
	(ow, orss, ocpu), (fw, frss, fcpu), (xw, xrss, _) = t("ours"), t("ffmpeg"), t("x264")

	def verdict(ok):
	    return "ok" if ok else "MISSED"

	print()
	print(f"set {set_name}:")
	print(f"ours:   {probe('ours.mp4')}")
	print(f"ffmpeg: {probe('ffmpeg.mp4')}")
	print()
	print(f"wall time      ours {ow:7.2f} s   ffmpeg {fw:7.2f} s   ratio {ow / fw:.3f}"
	      f"   (target <= 0.85: {verdict(ow / fw <= 0.85)}; medians)")
	print(f"CPU time       ours {ocpu:7.2f} s   ffmpeg {fcpu:7.2f} s   ratio {ocpu / fcpu:.3f}")
	print(f"SSIM (All)     ours {ours_all:.5f}   ffmpeg {ff_all:.5f}   diff {ours_all - ff_all:+.5f}"
	      f"   (target >= -0.005: {verdict(ours_all >= ff_all - 0.005)})")
	print(f"SSIM (Y)       ours {ours_y:.5f}   ffmpeg {ff_y:.5f}   diff {ours_y - ff_y:+.5f}")
	print(f"peak RSS       ours {orss:7.1f} MB   ffmpeg CLI {frss:7.1f} MB   x264 alone (y4m) {xrss:7.1f} MB"
	      f"   ours - x264 {orss - xrss:+.1f} MB   (target <= +64: {verdict(orss - xrss <= 64)})")
	if long_frames > 0:
	    lw, lrss, _ = t("long")
	    print(f"flat memory    {frames} frames {orss:7.1f} MB   {long_frames} frames {lrss:7.1f} MB"
	          f"   ratio {lrss / orss:.3f}   ({long_frames} frames took {lw:.1f} s)")
	EOF
}

# bench_hdr: MODE=hdr (see the top)
bench_hdr() {
	mkdir -p "$WORK/hdr/frames" "$WORK/hdr/middle"
	cd "$WORK/hdr"
	make -s -C "$ROOT" build/libskylapse.a
	# shellcheck disable=SC2046 # pkg-config prints several flags: split on purpose
	cc -O2 -std=c11 -D_GNU_SOURCE -DNDEBUG -I"$ROOT/lib" -I"$ROOT/agents/capture" \
		-I"$ROOT/encoder" -o hdr_frames "$ROOT/bench/encoder/hdr_frames.c" \
		"$ROOT"/agents/capture/camera*.c "$ROOT/encoder/fuse.c" "$ROOT/build/libskylapse.a" \
		$(pkg-config --cflags --libs libturbojpeg jansson libcrypto) \
		-lpaho-mqtt3as -ldl -lpthread -lm
	rm -f frames/*.jpg middle/*.jpg ./*.time
	./hdr_frames frames "${HDR_SIZE%x*}" "${HDR_SIZE#*x}" "$HDR_STEP" >fuse.txt
	for f in frames/*_bracket1.jpg; do
		ln -s "../$f" "middle/$(basename "$f")"
	done
	echo "bench: hdr: $(find middle -name '*.jpg' | wc -l) slots of 3 exposures at $HDR_SIZE"
	run middle "$ENC" encode --input middle --output middle.mp4 --width 1920 --no-hdr \
		--threads "$THREADS"
	run fused "$ENC" encode --input frames --output fused.mp4 --width 1920 --threads "$THREADS"
	python3 - <<-'EOF'
	import subprocess

	def shares(path):
	    raw = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", path, "-vf",
	                          "scale=out_range=full,format=gray", "-f", "rawvideo", "-"],
	                         capture_output=True, check=True).stdout
	    hist = [0] * 256
	    for v in raw:
	        hist[v] += 1
	    n = len(raw)
	    return 100 * sum(hist[250:]) / n, 100 * sum(hist[:6]) / n, sum(i * c for i, c in enumerate(hist)) / n

	def t(label):
	    r = open(f"{label}.time").read().split()
	    return float(r[0]), int(r[1]) / 1024, float(r[2]) + float(r[3])

	fuse = dict(line.split() for line in open("fuse.txt"))
	slots = int(fuse["slots"])
	print()
	print(f"hdr: {slots} slots, profile d (EV -2, 0, +2), sun +8 to -10 deg, 1920-wide H.264")
	print(f"{'':8} {'clipped >=250':>14} {'crushed <=5':>12} {'mean luma':>10} {'wall s':>8} {'CPU s':>8} {'peak MB':>8}")
	for label in ("middle", "fused"):
	    c, k, m = shares(f"{label}.mp4")
	    w, rss, cpu = t(label)
	    print(f"{label:8} {c:13.2f}% {k:11.2f}% {m:10.1f} {w:8.2f} {cpu:8.2f} {rss:8.1f}")
	(_, _, c0), (_, _, c1) = t("middle"), t("fused")
	print(f"fusion a frame: {1000 * (c1 - c0) / slots:.0f} ms CPU in the encoder (two more decodes "
	      f"included); fusion alone {fuse['fuse_ms_median']} ms at {fuse['size']}, "
	      f"{fuse['fuse_scratch_mb']} MB scratch a thread")
	EOF
}

if [ "$MODE" = hdr ]; then
	bench_hdr
	exit 0
fi

for set_name in $SETS; do
	graph "$set_name" >/dev/null
done
long=$LONG_FRAMES
for set_name in $SETS; do
	bench_set "$set_name" "$long"
	long=0
done
