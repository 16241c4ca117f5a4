#!/usr/bin/env bash
# make systemd-check: the Pi's set-up run for real, under systemd, in a container standing in for the Pi.
#
# A Debian 12 (the debootstrap base of `make fresh-check` with systemd, dbus, openssh-server, sudo,
# a user `pi` with passwordless sudo as Raspberry Pi OS has, and the build packages of
# scripts/packages-pi.txt; made once in $SKYLAPSE_SYSTEMD_CACHE, default ~/.cache/skylapse-systemd)
# is copied and booted with `systemd-nspawn -b`, sharing this machine's network: its sshd listens on
# a free loopback port, with a key made for the run. Then, from a clean clone of the current commit:
#   - scripts/setup.sh --yes --start none writes the broker's users and camera-<id>.env, and a
#     mosquitto with them runs here on a free port;
#   - scripts/deploy-capture.sh logs in to the container over SSH, copies the sources, builds there
#     and installs the units, which systemd starts (--no-compat: port 8080 would be this machine's);
#   - `systemctl status skylapse-capture` is active: Type=notify, so the agent said READY=1, and
#     it is online on the broker; a capture request as the backend makes a frame (the simulated
#     camera, through a drop-in: the container has no camera);
#   - the watchdog: the agent is stopped with SIGSTOP, and systemd must kill and restart it
#     after WatchdogSec;
#   - `journalctl -u skylapse-capture` shows the agent's own lines;
#   - `systemctl reboot` in the container: it boots again and the agent comes back by itself;
#   - deploy-capture.sh --edge-broker: skylapse-edge-broker (mosquitto with broker/edge.conf) is
#     active, its bridge logs in to the server's broker as the camera, and a capture request
#     crosses it; then it is stopped again (it takes this machine's 1883, the network is shared).
# Needs root. Exit 0 when every step held.
set -euo pipefail
check=systemd-check keep_env=SKYLAPSE_SYSTEMD_CACHE,SKYLAPSE_FRESH_CACHE
# shellcheck source=scripts/check-common.sh
. "$(dirname "$0")/check-common.sh"
cache=${SKYLAPSE_SYSTEMD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/skylapse-systemd}
fresh=${SKYLAPSE_FRESH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/skylapse-fresh}
image=$cache/bookworm-pi
sys=$cache/run
camera=helios
backend=dagon
if ! command -v systemd-nspawn >/dev/null; then
	say "installing systemd-container (systemd-nspawn)"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd-container >/dev/null
fi
[ -x "$fresh/bookworm-minbase/usr/bin/make" ] || SKYLAPSE_FRESH_CACHE=$fresh "$root/scripts/fresh-check.sh" --base

# --- the Pi's system, made once ------------------------------------------------

if [ ! -x "$image/usr/sbin/mosquitto" ]; then
	say "making the Pi's system in $image (once; log: $cache/image.log)"
	mkdir -p "$cache"
	rm -rf "$image.tmp"
	cp -a "$fresh/bookworm-minbase" "$image.tmp"
	cp /etc/resolv.conf "$image.tmp/etc/resolv.conf"
	# the server's packages too, for setup.sh --start systemd (the test tools of packages.txt are not needed)
	packages="systemd systemd-sysv dbus openssh-server sudo ca-certificates curl git mosquitto mosquitto-clients
		libavcodec-dev libavformat-dev libswscale-dev libavutil-dev libexif-dev nodejs npm $(grep -v '^#' "$root/scripts/packages-pi.txt" | tr '\n' ' ')"
	# shellcheck disable=SC2016 # expanded inside
	chroot "$image.tmp" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
		sh -ec 'apt-get update -qq
			apt-get install -y -qq --no-install-recommends $1
			apt-get clean
			# not on the shared network while the Pi part runs: skylapse-broker replaces it
			systemctl disable mosquitto
			useradd --create-home --shell /bin/bash --groups video pi
			echo "pi ALL=(ALL) NOPASSWD:ALL" >/etc/sudoers.d/pi
			chmod 440 /etc/sudoers.d/pi' sh "$packages" >"$cache/image.log" 2>&1 ||
		{ tail -20 "$cache/image.log" >&2; fail "making the Pi's system"; }
	rm -rf "$image.tmp/var/lib/apt/lists/"*
	mv "$image.tmp" "$image"
fi

say "copying the Pi's system to $sys (left there for inspection)"
rm -rf "$sys"
cp -a "$image" "$sys"
work=$sys/../run-work
rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)
pids=()
booted=0

# --- the Pi's SSH, and the container booted ------------------------------------

echo "$camera" >"$sys/etc/hostname"
printf '127.0.1.1\t%s\n' "$camera" >>"$sys/etc/hosts"
ssh_port=$(free_port)
printf 'Port %s\nListenAddress 127.0.0.1\n' "$ssh_port" >"$sys/etc/ssh/sshd_config.d/skylapse-check.conf"
ssh-keygen -q -t ed25519 -N "" -f "$work/key"
install -d -m 700 -o 1000 -g 1000 "$sys/home/pi/.ssh"
install -m 600 -o 1000 -g 1000 "$work/key.pub" "$sys/home/pi/.ssh/authorized_keys"
printf '[127.0.0.1]:%s %s\n' "$ssh_port" "$(cut -d' ' -f1,2 "$sys/etc/ssh/ssh_host_ed25519_key.pub")" >"$work/known_hosts"
ssh_opts=(-p "$ssh_port" -i "$work/key" -o IdentitiesOnly=yes -o BatchMode=yes
	-o UserKnownHostsFile="$work/known_hosts" -o ConnectTimeout=5)
# shellcheck disable=SC2029 # the commands are the check's own, expanded here on purpose
pi() { ssh "${ssh_opts[@]}" pi@127.0.0.1 "$@"; }

# A reboot inside ends systemd-nspawn with 133: it is started again, as
# systemd-nspawn@.service does (RestartForceExitStatus=133).
boot_loop() {
	local rc n=0
	while :; do
		n=$((n + 1))
		echo "== boot $n" >>"$work/console.log"
		systemd-nspawn -q -D "$sys" -b -M skylapse-pi --register=no --keep-unit \
			--console=read-only </dev/null >>"$work/console.log" 2>&1 &
		echo $! >"$work/nspawn.pid"
		rc=0
		wait $! || rc=$?
		[ "$rc" -eq 133 ] || break
	done
	echo "== exit $rc" >>"$work/console.log"
}

finish() {
	local rc=$?
	set +e
	if [ "$booted" -eq 1 ]; then
		kill -TERM "$(cat "$work/nspawn.pid")" 2>/dev/null # an orderly poweroff of the container
		for _ in $(seq 60); do kill -0 "${pids[0]}" 2>/dev/null || break; sleep 0.5; done
		kill -KILL "$(cat "$work/nspawn.pid")" 2>/dev/null
	fi
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	[ "$rc" -eq 0 ] || say "left for inspection: $sys and $work (console: $work/console.log)"
	exit "$rc"
}
trap finish EXIT

boot_loop &
pids+=($!)
booted=1
sshd_up() { pi true 2>/dev/null; }
wait_for 90 "the container's sshd did not answer ($work/console.log)" sshd_up
pass "the container booted (systemd-nspawn -b) and its sshd answers on port $ssh_port"
pi 'systemctl is-system-running --wait' >"$work/system-state" 2>&1 || true
pass "systemd in the container: $(cat "$work/system-state")"

# --- the server's broker ------------------------------------------------------------

git clone -q --no-local "$root" "$work/src"
git -C "$work/src" checkout -q --detach "$commit"
server=$work/server
mqtt_port=$(free_port)
mkdir -p "$server"
printf 'SSH_KNOWN_HOSTS=%s\n' "$work/server-known-hosts" >"$server/.env"
"$work/src/scripts/setup.sh" --yes --start none --dir "$server" --server-ip 127.0.0.1 \
	--pi-host 127.0.0.1 --camera-id "$camera" --backend-name "$backend" \
	--ssh-key "$work/server-key" --mqtt-port "$mqtt_port" >"$work/setup.log" 2>&1 ||
	{ cat "$work/setup.log" >&2; fail "scripts/setup.sh --yes --start none"; }
cat >"$work/mosquitto.conf" <<EOF
user root
listener $mqtt_port 127.0.0.1
allow_anonymous false
password_file $server/data/broker/passwd
acl_file $server/data/broker/acl
EOF
mosquitto -c "$work/mosquitto.conf" >"$work/mosquitto.log" 2>&1 &
pids+=($!)
set -a
# shellcheck disable=SC1091 # written by setup.sh above
. "$server/.env"
set +a
online() { # the camera's retained availability says online
	mosquitto_sub -h 127.0.0.1 -p "$mqtt_port" -u readonly -P "$MQTT_READONLY_PASSWORD" \
		-t "skylapse/$camera/availability" --retained-only -C 1 -W 2 2>/dev/null | grep -qx online
}
pass "the server's broker users (setup.sh) and a mosquitto with them on port $mqtt_port"

# --- deploy-capture.sh into the container ------------------------------------------

mkdir -p "$work/src/data/broker"
cp "$server/data/broker/camera-$camera.env" "$work/src/data/broker/"
say "scripts/deploy-capture.sh 127.0.0.1 pi $backend (log: $work/deploy.log)"
"$work/src/scripts/deploy-capture.sh" 127.0.0.1 pi "$backend" --port "$ssh_port" \
	--identity "$work/key" --ssh-option "UserKnownHostsFile=$work/known_hosts" --no-compat \
	>"$work/deploy.log" 2>&1 || { tail -30 "$work/deploy.log" >&2; fail "scripts/deploy-capture.sh"; }
grep -q 'service: skylapse-capture installed and started' "$work/deploy.log" ||
	{ tail -30 "$work/deploy.log" >&2; fail "deploy-capture.sh did not install and start the unit"; }
pass "scripts/deploy-capture.sh over SSH: sources copied, built in the container, unit installed and started"

state() { # the unit's properties, one KEY=VALUE a line
	pi "systemctl show skylapse-capture -p ActiveState -p SubState -p Type -p MainPID -p NRestarts -p StatusText"
}
prop() { sed -n "s/^$1=//p" <<<"$2"; }
s=$(state)
[ "$(prop Type "$s")" = notify ] || fail "skylapse-capture is not Type=notify: $s"
[ "$(prop ActiveState "$s")/$(prop SubState "$s")" = active/running ] || fail "skylapse-capture is not running: $s"
pi 'systemctl --no-pager status skylapse-capture' >"$work/status.txt" 2>&1 ||
	{ cat "$work/status.txt" >&2; fail "systemctl status skylapse-capture"; }
pass "systemctl status skylapse-capture: active (running), Type=notify, so READY=1 was received"
wait_for 30 "the agent in the container is not online on the broker" online
pass "the agent is online on the broker (as its own user, from camera-$camera.env)"

# no camera in the container: the simulated one, as a drop-in
pi 'sudo sh -ec "mkdir -p /etc/systemd/system/skylapse-capture.service.d
printf \"[Service]\\nEnvironment=CAMERA_SOURCE=sim\\n\" >/etc/systemd/system/skylapse-capture.service.d/sim.conf
systemctl daemon-reload; systemctl restart skylapse-capture"' || fail "the simulated camera's drop-in"
mosquitto_pub -h 127.0.0.1 -p "$mqtt_port" -u "$backend" -P "$MQTT_PASSWORD" -q 1 \
	-t "skylapse/$camera/capture/request" \
	-m "{\"profile\": \"a\", \"backend_name\": \"$backend\", \"request_id\": \"systemd-check\"}"
has_frame() { pi 'find ~/skylapse-images -name "*.jpg" | grep -q .'; }
wait_for 30 "no frame in the container's ~/skylapse-images after a capture request" has_frame
pass "a capture request as $backend: the agent under systemd wrote a frame to ~/skylapse-images"

# --- the watchdog ---------------------------------------------------------------------

s=$(state)
pid=$(prop MainPID "$s")
restarts=$(prop NRestarts "$s")
watchdog=$(pi 'systemctl show skylapse-capture -p WatchdogUSec --value')
pi "sudo kill -STOP $pid"
say "agent $pid stopped with SIGSTOP; waiting for the watchdog ($watchdog)"
restarted() {
	local now
	now=$(state)
	[ "$(prop NRestarts "$now")" -gt "$restarts" ] && [ "$(prop MainPID "$now")" != "$pid" ] &&
		[ "$(prop ActiveState "$now")/$(prop SubState "$now")" = active/running ]
}
wait_for 120 "systemd did not restart the hung agent" restarted
pi "sudo journalctl -u skylapse-capture --no-pager" >"$work/journal.txt"
grep -q 'Watchdog timeout' "$work/journal.txt" || fail "the journal does not say the watchdog fired"
pass "a hung agent (SIGSTOP) was killed on its watchdog timeout ($watchdog) and restarted: new pid $(prop MainPID "$(state)")"
wait_for 30 "the restarted agent is not online on the broker" online

# --- the journal ---------------------------------------------------------------------

lines=$(grep -c 'skylapse-capture\[' "$work/journal.txt" || true)
[ "$lines" -gt 0 ] || fail "journalctl -u skylapse-capture shows none of the agent's lines"
pass "journalctl -u skylapse-capture: $lines lines of the agent, e.g. $(grep 'skylapse-capture\[' "$work/journal.txt" | tail -1 | cut -c1-120)"

# --- a reboot ------------------------------------------------------------------------

# /run is the container's own tmpfs: a file there is gone once it booted again
pi 'sudo touch /run/before-reboot'
pi 'sudo systemctl reboot' || true
rebooted() {
	pi 'test ! -e /run/before-reboot' 2>/dev/null
}
wait_for 120 "the container did not come back from its reboot ($work/console.log)" rebooted
active() { [ "$(pi 'systemctl is-active skylapse-capture' 2>/dev/null)" = active ]; }
wait_for 60 "skylapse-capture is not active after the reboot" active
wait_for 30 "the agent is not online on the broker after the reboot" online
pass "systemctl reboot in the container: it booted again, skylapse-capture active and online by itself"

# --- the edge broker: deploy-capture.sh --edge-broker ---------------------------------

! ss -ltnH "sport = :1883" | grep -q . || fail "port 1883 is taken here: the edge broker needs it"
edge_up() { # the bridge's link state, retained on the server's broker, says 1
	mosquitto_sub -h 127.0.0.1 -p "$mqtt_port" -u readonly -P "$MQTT_READONLY_PASSWORD" \
		-t "skylapse/$camera/edge" --retained-only -C 1 -W 2 2>/dev/null | grep -qx 1
}
say "scripts/deploy-capture.sh --edge-broker (log: $work/deploy-edge.log)"
"$work/src/scripts/deploy-capture.sh" 127.0.0.1 pi "$backend" --port "$ssh_port" \
	--identity "$work/key" --ssh-option "UserKnownHostsFile=$work/known_hosts" --no-compat \
	--edge-broker >"$work/deploy-edge.log" 2>&1 ||
	{ tail -30 "$work/deploy-edge.log" >&2; fail "scripts/deploy-capture.sh --edge-broker"; }
grep -q 'service: skylapse-edge-broker skylapse-capture installed and started' "$work/deploy-edge.log" ||
	{ tail -30 "$work/deploy-edge.log" >&2; fail "deploy-capture.sh --edge-broker did not start the units"; }
[ "$(pi 'systemctl show skylapse-edge-broker -p Type -p ActiveState --value' | tr '\n' ' ')" = "notify active " ] ||
	fail "skylapse-edge-broker is not active with Type=notify"
wait_for 60 "the edge broker's bridge is not linked to the server's broker" edge_up
wait_for 30 "the agent is not online on the server's broker through the edge broker" online
frames_before=$(pi 'find ~/skylapse-images -name "*.jpg" | wc -l')
mosquitto_pub -h 127.0.0.1 -p "$mqtt_port" -u "$backend" -P "$MQTT_PASSWORD" -q 1 \
	-t "skylapse/$camera/capture/request" \
	-m "{\"profile\": \"a\", \"backend_name\": \"$backend\", \"request_id\": \"systemd-check-edge\"}"
more_frames() { [ "$(pi 'find ~/skylapse-images -name "*.jpg" | wc -l')" -gt "$frames_before" ]; }
wait_for 30 "no new frame after a capture request through the edge broker" more_frames
pass "deploy-capture.sh --edge-broker: skylapse-edge-broker active (Type=notify), bridged as $camera, a capture request crossed it"
pi 'sudo systemctl disable --now skylapse-edge-broker' >/dev/null 2>&1 || fail "stopping skylapse-edge-broker"

# --- the server without Docker: setup.sh --start systemd -----------------------------

# In the same container, from the sources deploy-capture.sh copied there; its units bind
# this machine's 1883, 8082 and 3000 (the network is shared), so those must be free.
for p in 1883 8082 3000; do
	! ss -ltnH "sport = :$p" | grep -q . || fail "port $p is taken here: the server's units need it"
done
say "scripts/setup.sh --yes --start systemd in the container (log: $work/setup-systemd.log)"
pi "cd skylapse && NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt scripts/setup.sh --yes --start systemd \
	--pi-host 127.0.0.1 --camera-id $camera --backend-name $backend" >"$work/setup-systemd.log" 2>&1 ||
	{ tail -30 "$work/setup-systemd.log" >&2; fail "scripts/setup.sh --start systemd"; }
units="skylapse-broker skylapse-scheduler skylapse-encoder skylapse-bridge skylapse-frontend skylapse-transfer"
all_active() { [ "$(pi "systemctl is-active $units" | sort -u)" = active ]; }
wait_for 60 "not every server unit is active: $(pi "systemctl is-active $units" | tr '\n' ' ')" all_active
types=$(pi "systemctl show -p Type --value $units" | sort -u | tr -d '\n')
[ "$types" = notify ] || fail "the server's units are not all Type=notify: $types"
wait_for 30 "the bridge's /health on 8082 (under systemd)" health 8082
wait_for 30 "the frontend's /health on 3000 (under systemd)" health 3000
pass "scripts/setup.sh --start systemd: $units active (Type=notify), /health on 8082 and 3000"

check_passed
