#!/usr/bin/env bash
# make demo: the whole system (scripts/run.sh) on today's sunset at the
# configured location, on a simulated clock running SKYLAPSE_DEMO_SPEED
# times faster (default 40): the sim camera shoots profile h ("Day to
# night") every 30 s of sky time from 20 minutes before sunset to an hour
# after, the scheduler closes the window and sends the encode job by itself,
# and the video appears in the dashboard, about three minutes after the start.
# Everything goes to SKYLAPSE_DATA (default ./data/demo); Ctrl-C stops it.
# SKYLAPSE_DEMO_EXIT=1 stops once the video is done (for tests).
set -euo pipefail
bin=${1:-build/bin}
root=$(cd "$(dirname "$0")/.." && pwd)
data=${SKYLAPSE_DATA:-$root/data/demo}
speed=${SKYLAPSE_DEMO_SPEED:-40}
camera=${CAMERA_ID:-helios}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

mkdir -p "$data/run"
cfg=$data/run/demo-config.json
# the project's location, one sunset window of profile h, small sim frames
jq '{location, pi,
     capture: {sim_width: 960, sim_height: 720},
     profiles: {h: {enabled: true}},
     schedules: {sunset: {type: "solar_relative", anchor: "sunset", offset_minutes: -20,
                          duration_minutes: 80, interval_seconds: 30, profile: "h",
                          timelapse: {fps: 30, width: 960}}}}' \
	"$root/config/config.json" >"$cfg"
zone=$(jq -r .location.timezone "$cfg")
date=$(TZ=$zone date +%F)
start=$(SKYLAPSE_CONFIG=$cfg "$bin/skylapse-scheduler" --plan "$date" |
	jq -r '.windows[] | select(.schedule == "sunset") | .start')
# the clock starts 10 s of sky time before the window
begin=$(date -u -d "@$(($(date -d "$start" +%s) - 10))" +%FT%TZ)
job="$camera-sunset-$date-h"
http_port=$(free_port)

anchor=$(date +%s)
export SKYLAPSE_CLOCK="$begin,speed=$speed,anchor=$anchor"
export SKYLAPSE_CONFIG=$cfg SKYLAPSE_DATA=$data BACKEND_PORT=$http_port CAMERA_ID=$camera
export SKYLAPSE_STATE_DIR=$data/state SKYLAPSE_MQTT_PORT=${SKYLAPSE_MQTT_PORT:-$(free_port)}
echo "demo: the sunset of $date at $(jq -r '.location | "\(.latitude), \(.longitude)"' "$cfg"), $speed times faster"
echo "demo: the clock starts at $begin (SKYLAPSE_CLOCK=$SKYLAPSE_CLOCK)"
setsid bash "$root/scripts/run.sh" "$bin" &
run=$!
stop() {
	trap - INT TERM EXIT
	kill -INT -- "-$run" 2>/dev/null || true
	wait "$run" 2>/dev/null || true
}
trap stop INT TERM EXIT

url=http://127.0.0.1:$http_port
deadline=$(($(date +%s) + 600))
state=""
while [ "$state" != "done" ]; do
	if [ "$(date +%s)" -gt "$deadline" ] || ! kill -0 "$run" 2>/dev/null; then
		echo "demo: no video after 10 minutes (job $job: ${state:-not seen}); see $data/run" >&2
		exit 1
	fi
	sleep 2 # a script's poll, not a test's synchronisation
	state=$(curl -fsS "$url/timelapses/$job" 2>/dev/null | jq -r .state 2>/dev/null || true)
	[ "$state" != failed ] || { echo "demo: the encode job $job failed" >&2; exit 1; }
done
cat <<MSG

demo: the sunset timelapse is made:
  Dashboard  $url/  (Timelapses)
  Video      $url/timelapses/$job/video
MSG
[ "${SKYLAPSE_DEMO_EXIT:-0}" = 1 ] && exit 0
echo "Press Ctrl-C to stop."
wait "$run" || true
