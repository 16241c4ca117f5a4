#!/bin/sh
# bench/bridge/run.sh - skylapse-bridge under load (not part of `make test`).
#
#   bench/bridge/run.sh [BIN_DIR]     (default build/bin; run `make` first)
#
# 1. GET /status under wrk (2 threads, 50 connections, 10 s) in the same run
#    against (a) bench/bridge/mhd_min.c, a minimal libmicrohttpd server
#    answering the same bytes from memory with one thread (the bridge's
#    model), and (b) nginx serving the same JSON as a static file. Prints
#    requests/s, p99 latency and the ratios (target: bridge >= 0.9 x (a),
#    p99 < 10 ms). A 2-thread mhd_min is printed for reference. The servers
#    take turns for BENCH_ROUNDS rounds (default 3); medians are compared.
# 2. 1000 concurrent /events clients held open while 20 frames are
#    announced: errors, delivery and the bridge's memory per client.
#
# wrk and nginx are Debian packages installed here when missing; only this
# script needs them.
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${1:-$ROOT/build/bin}
WORK=$(mktemp -d /tmp/skylapse-bench-bridge.XXXXXX)
chmod 755 "$WORK" # nginx workers drop root and must read the file
PIDS=""
DURATION=${BENCH_DURATION:-10}
ROUNDS=${BENCH_ROUNDS:-3}
CLIENTS=${BENCH_SSE_CLIENTS:-1000}

cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

need() {
	missing=""
	for pkg in "$@"; do
		dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"
	done
	if [ -n "$missing" ]; then
		echo "bench: installing$missing (Debian)"
		SUDO=""
		[ "$(id -u)" -eq 0 ] || SUDO=sudo
		# shellcheck disable=SC2086 # a list of package names: split on purpose
		$SUDO apt-get install -y -q $missing >/dev/null
	fi
}
need wrk nginx-light

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_http() {
	i=0
	until curl -sf -o /dev/null "http://127.0.0.1:$1$2"; do
		i=$((i + 1))
		[ $i -lt 200 ] || { echo "bench: nothing answers on port $1" >&2; exit 2; }
		sleep 0.05
	done
}

start() { # name, then the command
	name=$1
	shift
	"$@" >"$WORK/$name.log" 2>&1 &
	PIDS="$PIDS $!"
	LAST_PID=$!
}

# --- the system: broker, one sim camera, the bridge --------------------------
BROKER=$(free_port)
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$BROKER" >"$WORK/mosquitto.conf"
start mosquitto mosquitto -c "$WORK/mosquitto.conf"
python3 - "$ROOT/config/config.json" "$WORK/config.json" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
c["capture"] = {"sim_width": 640, "sim_height": 480}
json.dump(c, open(sys.argv[2], "w"))
EOF
mkdir -p "$WORK/images/helios" "$WORK/timelapses"
export MQTT_URL="mqtt://127.0.0.1:$BROKER" SKYLAPSE_CONFIG="$WORK/config.json"
CAMERA_ID=helios CAMERA_SOURCE=sim IMAGES_DIR="$WORK/images/helios" PRIMARY_BACKEND=dagon \
	start capture "$BIN/skylapse-capture"
BRIDGE=$(free_port)
BACKEND_NAME=dagon IMAGES_DIR="$WORK/images" TIMELAPSES_DIR="$WORK/timelapses" \
	SKYLAPSE_LOG_LEVEL=warn start bridge "$BIN/skylapse-bridge" --port "$BRIDGE" --bind 127.0.0.1
BRIDGE_PID=$LAST_PID
wait_http "$BRIDGE" /health
i=0
until curl -s "http://127.0.0.1:$BRIDGE/health" | grep -q '"helios":"online"'; do
	i=$((i + 1))
	[ $i -lt 200 ] || { echo "bench: the camera never came online" >&2; exit 2; }
	sleep 0.05
done
curl -sf -X POST "http://127.0.0.1:$BRIDGE/capture" -d '{"profile":"a"}' >/dev/null
curl -sf "http://127.0.0.1:$BRIDGE/status" >"$WORK/status.json"
echo "bench: GET /status is $(wc -c <"$WORK/status.json") bytes"

# --- the baselines -------------------------------------------------------------
# shellcheck disable=SC2046 # pkg-config prints several flags: split on purpose
cc -O2 -o "$WORK/mhd_min" "$ROOT/bench/bridge/mhd_min.c" \
	$(pkg-config --cflags --libs libmicrohttpd) -lpthread
MHD1=$(free_port)
start mhd_min "$WORK/mhd_min" "$WORK/status.json" "$MHD1" 1
MHD2=$(free_port)
start mhd_min2 "$WORK/mhd_min" "$WORK/status.json" "$MHD2" 2
NGINX=$(free_port)
mkdir -p "$WORK/www" "$WORK/nginx"
cp "$WORK/status.json" "$WORK/www/status"
cat >"$WORK/nginx/nginx.conf" <<EOF
worker_processes auto;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
daemon off;
events { worker_connections 4096; }
http {
	access_log off;
	keepalive_requests 1000000;
	client_body_temp_path $WORK/nginx;
	proxy_temp_path $WORK/nginx;
	fastcgi_temp_path $WORK/nginx;
	uwsgi_temp_path $WORK/nginx;
	scgi_temp_path $WORK/nginx;
	server {
		listen 127.0.0.1:$NGINX;
		root $WORK/www;
		location = /status {
			default_type application/json;
			add_header Cache-Control no-store;
			add_header Access-Control-Allow-Origin *;
		}
	}
}
EOF
start nginx nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx"
wait_http "$MHD1" /status
wait_http "$MHD2" /status
wait_http "$NGINX" /status

# --- wrk -----------------------------------------------------------------------
# The machine is shared: the servers take turns, round after round, and the
# medians are compared, so a burst of load elsewhere hits all of them alike.
bench() { # name port: one wrk run, a line "name req/s p99" into results
	out=$(wrk -t2 -c50 -d"${DURATION}s" --latency "http://127.0.0.1:$2/status")
	rps=$(echo "$out" | awk '/^Requests\/sec:/ {print $2}')
	p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
	errs=$(echo "$out" | awk '/Non-2xx|Socket errors/ {print}' | tr '\n' ' ')
	echo "$1 $rps $p99" >>"$WORK/results"
	printf '  %-7s %10s req/s   p99 %9s  %s\n' "$1" "$rps" "$p99" "$errs"
}
echo "bench: wrk -t2 -c50 -d${DURATION}s GET /status, $ROUNDS rounds"
: >"$WORK/results"
r=1
while [ "$r" -le "$ROUNDS" ]; do
	echo "round $r"
	bench bridge "$BRIDGE"
	bench mhd1 "$MHD1"
	bench mhd2 "$MHD2"
	bench nginx "$NGINX"
	r=$((r + 1))
done
python3 "$ROOT/bench/bridge/summary.py" "$WORK/results"

# --- 1000 /events clients ------------------------------------------------------
python3 "$ROOT/bench/bridge/sse_clients.py" --port "$BRIDGE" --broker-port "$BROKER" \
	--pid "$BRIDGE_PID" --clients "$CLIENTS" --frames 20
