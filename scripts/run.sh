#!/usr/bin/env bash
# make run: the whole system on this machine, the embedded default.
# A private mosquitto on loopback, every agent that exists, the simulated
# camera. Frames go to ./data/images/<camera> (the server layout, so no
# transfer is needed on one machine). Ctrl-C stops all of it cleanly.
set -euo pipefail
bin=${1:-build/bin}
root=$(cd "$(dirname "$0")/.." && pwd)
data=${SKYLAPSE_DATA:-$root/data}
port=${SKYLAPSE_MQTT_PORT:-1883}
camera=${CAMERA_ID:-helios}
backend=${BACKEND_NAME:-dagon}
http_port=${BACKEND_PORT:-8082}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# a port in use (another broker, another make run) is replaced by a free one
if port_busy "$port"; then port=$(free_port); fi
if port_busy "$http_port"; then http_port=$(free_port); fi
mkdir -p "$data/images/$camera" "$data/timelapses" "$data/run"
sed "s/^listener 1883 /listener $port /" "$root/broker/mosquitto.conf" >"$data/run/mosquitto.conf"

pids=()
stop() {
	trap - INT TERM EXIT
	echo
	echo "skylapse: stopping"
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill -TERM "${pids[i]}" 2>/dev/null || true; done
	wait || true
}
trap stop INT TERM EXIT

# the broker's own lines go to a file, not among the agents'
mosquitto -c "$data/run/mosquitto.conf" >"$data/run/mosquitto.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do port_busy "$port" && break; sleep 0.1; done

export MQTT_URL="mqtt://127.0.0.1:$port" CAMERA_ID="$camera" BACKEND_NAME="$backend"
export PRIMARY_BACKEND="${PRIMARY_BACKEND:-$backend}" SKYLAPSE_CONFIG="${SKYLAPSE_CONFIG:-$root/config/config.json}"
export IMAGES_DIR="$data/images" TIMELAPSES_DIR="$data/timelapses" BACKEND_PORT="$http_port"

IMAGES_DIR="$data/images/$camera" CAMERA_SOURCE=sim "$bin/skylapse-capture" &
pids+=($!)
for prog in skylapse-scheduler skylapse-encoder skylapse-bridge; do
	if [ -x "$bin/$prog" ]; then
		"$bin/$prog" &
		pids+=($!)
	fi
done

cat <<MSG

Skylapse is running: camera '$camera', backend '$backend'.
  Dashboard and REST API  http://127.0.0.1:$http_port/
  Broker                  mqtt://127.0.0.1:$port (its log: $data/run/mosquitto.log)
  Frames                  $data/images/$camera
  Videos                  $data/timelapses
Try, in another terminal:
  curl -s http://127.0.0.1:$http_port/status
  mosquitto_sub -p $port -t 'skylapse/#' -v
  mosquitto_pub -p $port -t skylapse/$camera/capture/request -q 1 \\
    -m '{"profile": "A", "backend_name": "$backend", "request_id": "r1"}'
Press Ctrl-C to stop.

MSG
wait -n || true
