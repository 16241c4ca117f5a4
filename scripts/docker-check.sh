#!/usr/bin/env bash
# make docker-check: the compose stack built and run for real, as the README's Docker guide runs it.
#
# A Docker engine of its own (Debian's docker.io: dockerd with its own data root, exec root and
# socket, stopped at the end) builds docker/Dockerfile from a clean clone of the current commit
# (committed work only). With no image registry reachable, the Dockerfile's base
# (debian:12-slim) is the debootstrap Debian 12 of `make fresh-check` imported with `docker
# import`, given what a networked machine has: the package proxy's CA certificates where one is
# in use, with NODE_EXTRA_CA_CERTS for npm. Then, in a new project folder: `scripts/setup.sh
# --yes --start none`, `docker-compose -f docker-compose.prod.yml build` and `up -d`; the broker,
# backend, frontend, scheduler, worker and transfer must come up (the bridges answer /health, the
# agents say online on the broker). A capture agent outside the containers
# (build/bin/skylapse-capture, simulated camera, the camera's broker login from
# data/broker/camera-<id>.env) stands in for the Pi, with an sshd on this machine's address
# serving its frames folder: a capture asked of the backend's REST API must reach
# data/images/<id>/ through the transfer container. Then the README's operations (ps, logs,
# restart, kill -s HUP broker, up -d, up -d --build) and `down`.
#
# Free ports throughout; nothing else of the machine is used. The engine's images are kept in
# $SKYLAPSE_DOCKER_CACHE (default ~/.cache/skylapse-docker) so that a second run reuses the
# build's layers; the run's folder (/tmp/skylapse-docker-check.*) is removed unless it failed.
# Needs root. Exit 0 when every step held.
set -euo pipefail
check=docker-check keep_env=SKYLAPSE_DOCKER_CACHE,SKYLAPSE_FRESH_CACHE,NODE_EXTRA_CA_CERTS
# shellcheck source=scripts/check-common.sh
. "$(dirname "$0")/check-common.sh"
cache=${SKYLAPSE_DOCKER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/skylapse-docker}
fresh=${SKYLAPSE_FRESH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/skylapse-fresh}
base_image=debian:12-slim
camera=helios
backend=dagon
[ -x "$root/build/bin/skylapse-capture" ] || fail "build/bin/skylapse-capture is missing: run make"
missing=""
command -v dockerd >/dev/null || missing="$missing docker.io"
command -v docker-compose >/dev/null || missing="$missing docker-compose"
command -v sshd >/dev/null || missing="$missing openssh-server"
if [ -n "$missing" ]; then
	say "installing$missing"
	# shellcheck disable=SC2086 # one word per package
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi
# docker.io's own client: the daemon's version, and the builder docker-compose also uses
docker=/usr/bin/docker
[ -x "$docker" ] || docker=$(command -v docker)
[ -x "$fresh/bookworm-minbase/usr/bin/make" ] || SKYLAPSE_FRESH_CACHE=$fresh "$root/scripts/fresh-check.sh" --base

work=$(mktemp -d /tmp/skylapse-docker-check.XXXXXX)
chmod 755 "$work"
proj=$work/skylapse # the compose project is named after this folder
export DOCKER_HOST=unix://$work/docker.sock
pids=()
ok=0

finish() {
	local rc=$?
	set +e
	if [ -f "$proj/docker-compose.prod.yml" ] && [ -S "$work/docker.sock" ]; then
		if [ "$ok" -eq 0 ]; then
			(cd "$proj" && docker-compose -f docker-compose.prod.yml logs --no-color --tail 30) \
				>"$work/compose.log" 2>&1
			say "the services' last lines: $work/compose.log"
		fi
		(cd "$proj" && docker-compose -f docker-compose.prod.yml down --timeout 10) >>"$work/down.log" 2>&1
	fi
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	if [ "$ok" -eq 1 ]; then
		rm -rf "$work"
	else
		say "left for inspection: $work"
	fi
	exit "$rc"
}
trap finish EXIT

# --- the engine --------------------------------------------------------------

mkdir -p "$cache"
say "starting dockerd (data $cache/data, socket $work/docker.sock)"
dockerd --data-root "$cache/data" --exec-root "$work/exec" --host "$DOCKER_HOST" \
	--pidfile "$work/dockerd.pid" >"$work/dockerd.log" 2>&1 &
pids+=($!)
wait_for 60 "dockerd did not answer ($work/dockerd.log)" "$docker" info >/dev/null 2>&1
pass "dockerd $("$docker" version --format '{{.Server.Version}}') answers on its own socket"

if ! "$docker" image inspect "$base_image" >/dev/null 2>&1; then
	say "importing $fresh/bookworm-minbase as $base_image"
	cas=()
	for f in /usr/local/share/ca-certificates/*.crt; do [ -f "$f" ] && cas+=("${f#/}"); done
	# this machine's CA certificates in place of those the base was made with
	tar -C "$fresh/bookworm-minbase" -c --exclude=./etc/resolv.conf --exclude=./etc/hosts \
		--exclude=./usr/local/share/ca-certificates . -C / "${cas[@]}" | "$docker" import \
		--change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' - "$base_image" >/dev/null ||
		fail "docker import of $fresh/bookworm-minbase"
fi
pass "base image $base_image: the debootstrap Debian 12, imported"

git clone -q --no-local "$root" "$work/src"
git -C "$work/src" checkout -q --detach "$commit"

# --- the Pi's end: its frames folder and an sshd -----------------------------

ip=$(hostname -I | awk '{print $1}')
[ -n "$ip" ] || fail "this machine has no address the containers could reach"
pi_images=$work/pi/skylapse-images
ssh_dir=$work/pi/ssh
ssh_port=$(free_port)
mkdir -p "$pi_images" "$ssh_dir" /run/sshd
for k in host_key client_key; do ssh-keygen -q -t ed25519 -N "" -f "$ssh_dir/$k"; done
cp "$ssh_dir/client_key.pub" "$ssh_dir/authorized_keys"
printf '[%s]:%s %s\n' "$ip" "$ssh_port" "$(cut -d' ' -f1,2 "$ssh_dir/host_key.pub")" >"$ssh_dir/known_hosts"
# the containers' user (uid 1000) reads the key and the known hosts
chown 1000:1000 "$ssh_dir/client_key" "$ssh_dir/known_hosts"
cat >"$ssh_dir/sshd_config" <<EOF
Port $ssh_port
ListenAddress $ip
HostKey $ssh_dir/host_key
AuthorizedKeysFile $ssh_dir/authorized_keys
StrictModes no
PermitRootLogin yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PidFile none
EOF
/usr/sbin/sshd -D -e -f "$ssh_dir/sshd_config" >"$work/sshd.log" 2>&1 &
pids+=($!)

# --- setup.sh and docker-compose up ------------------------------------------

mqtt_port=$(free_port)
backend_port=$(free_port)
frontend_port=$(free_port)
mkdir -p "$proj"
# kept by setup.sh: the known hosts (it has no flag for them) and the TLS port's
printf 'SSH_KNOWN_HOSTS=%s\nMQTTS_PORT=%s\n' "$ssh_dir/known_hosts" "$(free_port)" >"$proj/.env"
"$work/src/scripts/setup.sh" --yes --start none --dir "$proj" --server-ip "$ip" \
	--pi-host "$ip" --pi-user root --pi-ssh-port "$ssh_port" --pi-source "$pi_images/" \
	--camera-id "$camera" --backend-name "$backend" --ssh-key "$ssh_dir/client_key" \
	--mqtt-port "$mqtt_port" --backend-port "$backend_port" --frontend-port "$frontend_port" \
	>"$work/setup.log" 2>&1 || { cat "$work/setup.log" >&2; fail "scripts/setup.sh --yes --start none"; }
pass "scripts/setup.sh --yes --start none wrote .env, the broker users and camera-$camera.env"

cd "$proj"
# the image, built as `up -d --build` builds it (docker-compose's builder, whose layer cache
# a later `up -d --build` reuses; the docker CLI's would not be)
say "docker-compose -f docker-compose.prod.yml build: $commit (log: $work/build.log)"
docker-compose -f docker-compose.prod.yml build >"$work/build.log" 2>&1 ||
	{ tail -30 "$work/build.log" >&2; fail "docker-compose -f docker-compose.prod.yml build"; }
pass "docker-compose -f docker-compose.prod.yml build: docker/Dockerfile on the imported base"
docker-compose -f docker-compose.prod.yml up -d >"$work/up.log" 2>&1 ||
	{ cat "$work/up.log" >&2; fail "docker-compose -f docker-compose.prod.yml up -d"; }
pass "docker-compose -f docker-compose.prod.yml up -d"

running() { # every service's container is running
	local s
	for s in broker backend frontend scheduler worker transfer; do
		[ "$("$docker" inspect -f '{{.State.Running}}' "skylapse_${s}_1" 2>/dev/null)" = true ] || return 1
	done
}
set -a
# shellcheck disable=SC1091 # written by setup.sh above
. ./.env
set +a
online() { # topic: its retained availability says online
	mosquitto_sub -h 127.0.0.1 -p "$mqtt_port" -u readonly -P "$MQTT_READONLY_PASSWORD" \
		-t "$1" --retained-only -C 1 -W 2 2>/dev/null | grep -qx online
}
wait_for 120 "not every service's container is running" running
wait_for 60 "the backend's /health (8082 in the container)" health "$backend_port"
wait_for 30 "the frontend's /health (3000 in the container)" health "$frontend_port"
pass "broker, backend, frontend, scheduler, worker and transfer running; backend and frontend answer /health"
wait_for 30 "the scheduler is not online on the broker" online "skylapse/backend/$backend/availability"
wait_for 30 "the worker is not online on the broker" online "skylapse/encoder/worker-1/availability"
pass "the scheduler and the worker are online on the broker"

# --- a frame through the stack -----------------------------------------------

set -a
# shellcheck disable=SC1090 # written by setup.sh above
. "data/broker/camera-$camera.env"
set +a
# the server's configuration, with small simulated frames
python3 -c 'import json, sys; c = json.load(open(sys.argv[1])); c["capture"] = {"sim_width": 320, "sim_height": 240}; print(json.dumps(c))' \
	config/config.json >"$work/pi/config.json"
CAMERA_SOURCE=sim IMAGES_DIR=$pi_images SKYLAPSE_CONFIG=$work/pi/config.json \
	SKYLAPSE_STATE_DIR=$work/pi/state "$root/build/bin/skylapse-capture" >"$work/capture.log" 2>&1 &
pids+=($!)
wait_for 30 "the capture agent outside the containers is not online" online "skylapse/$camera/availability"
pass "the capture agent (the Pi's stand-in) is online through the broker's published port"

answer=$(curl -fsS -X POST "http://127.0.0.1:$backend_port/capture" -H 'Content-Type: application/json' \
	-d "{\"profile\": \"a\", \"camera\": \"$camera\"}") || fail "POST /capture to the backend"
frame=$(printf '%s' "$answer" | python3 -c 'import json,sys; print(json.load(sys.stdin)["frames"][0]["path"])') ||
	fail "POST /capture answered without a frame: $answer"
[ -s "$pi_images/${frame#"$camera"/}" ] || fail "the frame $frame is not in the Pi's folder $pi_images"
pass "POST /capture to the backend: the agent captured $frame into the Pi's folder"
wait_for 90 "the transfer did not bring $frame to data/images" test -s "data/images/$frame"
pass "the transfer container pulled it over SSH into data/images/$frame"

# --- the README's operations -------------------------------------------------

compose() { docker-compose -f docker-compose.prod.yml "$@" >"$work/op.log" 2>&1 || { cat "$work/op.log" >&2; fail "docker-compose -f docker-compose.prod.yml $*"; }; }
compose ps
[ "$(grep -c ' Up' "$work/op.log")" -eq 6 ] || { cat "$work/op.log" >&2; fail "ps does not list six services up"; }
# `logs -f` follows for ever: without -f, the same lines
for s in "" backend frontend transfer worker; do
	compose logs --no-color $s
	grep -q "skylapse-" "$work/op.log" || { cat "$work/op.log" >&2; fail "logs $s shows none of the programs' lines"; }
done
compose restart backend scheduler
wait_for 60 "the backend's /health after restart backend scheduler" health "$backend_port"
wait_for 30 "the scheduler is not online after restart" online "skylapse/backend/$backend/availability"
compose restart frontend
compose restart
wait_for 60 "the backend's /health after restart" health "$backend_port"
wait_for 30 "the frontend's /health after restart" health "$frontend_port"
wait_for 30 "the worker is not online after restart" online "skylapse/encoder/worker-1/availability"
compose kill -s HUP broker
wait_for 30 "the broker after kill -s HUP (its users)" online "skylapse/$camera/availability"
compose up -d
compose up -d --build
wait_for 60 "the backend's /health after up -d --build" health "$backend_port"
pass "ps (six services up); logs of all, backend, frontend, transfer, worker; restart backend scheduler, frontend, all; kill -s HUP broker; up -d; up -d --build"

compose down --timeout 10
[ -z "$("$docker" ps -aq --filter label=com.docker.compose.project=skylapse)" ] || fail "containers left after down"
pass "docker-compose -f docker-compose.prod.yml down: no container left"
rm -f "$proj/docker-compose.prod.yml" # nothing left for finish to bring down

ok=1
check_passed
