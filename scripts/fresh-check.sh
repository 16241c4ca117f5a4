#!/usr/bin/env bash
# make fresh-check: the README's two commands on a fresh Debian 12, as a new user runs them.
#
# A clean clone of the current commit (committed work only) goes into a copy of a
# `debootstrap --variant=minbase bookworm` system that has nothing added but `make`. It is
# entered in its own PID and mount namespaces (the network is the host's: apt and npm need it),
# where `make test` runs and then `make run`, which must bring up the broker, the capture agent,
# the scheduler, the encoder and the bridge.
#
# Given to the fresh system, as a networked machine has them: /etc/hosts and /etc/resolv.conf,
# a root folder readable by all, and the CA certificates of a package proxy where one is in use
# (/usr/local/share/ca-certificates/*.crt, with NODE_EXTRA_CA_CERTS when the host sets it).
# Nothing of the project's own set-up is.
#
# The base system is made once and kept in $SKYLAPSE_FRESH_CACHE (default
# ~/.cache/skylapse-fresh); each run works on a new copy, left in place for inspection until the
# next run. Needs root (debootstrap, namespaces). Exit 0 when both commands held.
# `fresh-check.sh --base` only makes the base system (docker-check and systemd-check start from it).
set -euo pipefail
check=fresh-check keep_env=SKYLAPSE_FRESH_CACHE,SKYLAPSE_FRESH_MIRROR,NODE_EXTRA_CA_CERTS
# shellcheck source=scripts/check-common.sh
. "$(dirname "$0")/check-common.sh"
cache=${SKYLAPSE_FRESH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/skylapse-fresh}
base=$cache/bookworm-minbase
sys=$cache/run
mirror=${SKYLAPSE_FRESH_MIRROR:-http://deb.debian.org/debian}


# the network settings and proxy CA a networked Debian machine would have
give_network() {
	cp /etc/resolv.conf "$1/etc/resolv.conf"
	printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$1/etc/hosts"
	chmod 755 "$1"
	if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
		mkdir -p "$1/usr/local/share/ca-certificates"
		cp /usr/local/share/ca-certificates/*.crt "$1/usr/local/share/ca-certificates/"
	fi
}

if [ ! -x "$base/usr/bin/make" ]; then
	command -v debootstrap >/dev/null || {
		say "installing debootstrap"
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap
	}
	say "making the base system in $base (once)"
	rm -rf "$base.tmp" && mkdir -p "$cache"
	debootstrap --variant=minbase bookworm "$base.tmp" "$mirror" >"$cache/debootstrap.log" 2>&1 ||
		{ tail -20 "$cache/debootstrap.log" >&2; exit 1; }
	give_network "$base.tmp"
	chroot "$base.tmp" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
		sh -c 'apt-get update -qq && apt-get install -y -qq --no-install-recommends make && apt-get clean' \
		>>"$cache/debootstrap.log" 2>&1 || { tail -20 "$cache/debootstrap.log" >&2; exit 1; }
	rm -rf "$base.tmp/var/lib/apt/lists/"*
	mv "$base.tmp" "$base"
fi

if [ "${1:-}" = --base ]; then
	say "the base system is in $base"
	exit 0
fi

say "copying the base system to $sys"
rm -rf "$sys"
cp -a "$base" "$sys"
give_network "$sys"
git clone -q --no-local "$root" "$sys/root/skylapse"
git -C "$sys/root/skylapse" checkout -q --detach "$commit"

# what runs inside: the two commands, then a look at what `make run` brought up
cat >"$sys/root/fresh-check-inside.sh" <<'INSIDE'
set -u
cd /root/skylapse
echo "== make test"
make test
test_rc=$?
echo "== make test exited $test_rc"
echo "== make run"
SKYLAPSE_MQTT_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export SKYLAPSE_MQTT_PORT
setsid make run >/root/make-run.log 2>&1 &
run_pid=$!
want="skylapse/helios/availability skylapse/backend/dagon/availability skylapse/encoder/+"
up=""
for _ in $(seq 120); do
	seen=$(mosquitto_sub -p "$SKYLAPSE_MQTT_PORT" -t skylapse/+/availability \
		-t skylapse/backend/+/availability -t skylapse/encoder/+/availability \
		--retained-only -v -W 1 2>/dev/null | awk '$2 == "online" {print $1}' | sort | tr '\n' ' ')
	health=$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8082/health || true)
	case "$seen" in
	*skylapse/backend/dagon/availability*skylapse/encoder/*skylapse/helios/availability*)
		[ "$health" = 200 ] && { up=yes; break; } ;;
	esac
	kill -0 "$run_pid" 2>/dev/null || break
	sleep 0.5
done
echo "== make run: online on the broker: ${seen:-nothing}; bridge /health: ${health:-no answer}"
kill -INT -- "-$run_pid" 2>/dev/null
wait "$run_pid"
if [ -z "$up" ]; then
	echo "== make run did not bring everything up (wanted $want and /health 200); its log:"
	cat /root/make-run.log
fi
[ "$test_rc" -eq 0 ] && [ -n "$up" ]
INSIDE

say "entering the fresh system (its own PID and mount namespaces); log: $cache/run.log"
set +e
# shellcheck disable=SC2016 # expanded by the inner shell
unshare --pid --mount --fork --propagation private /bin/sh -euc '
	sys=$1
	mount --bind "$sys" "$sys" # a root that is a mount point, as on a machine (ip netns needs it)
	mount -t proc proc "$sys/proc"
	mount --rbind /sys "$sys/sys"
	mount --rbind /dev "$sys/dev"
	mount -t tmpfs -o mode=1777 tmpfs "$sys/dev/shm"
	mount -t tmpfs -o mode=1777 tmpfs "$sys/tmp"
	exec chroot "$sys" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		${2:+NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt} \
		/bin/bash /root/fresh-check-inside.sh
' fresh-check "$sys" "${NODE_EXTRA_CA_CERTS:-}" 2>&1 | tee "$cache/run.log"
rc=${PIPESTATUS[0]}
set -e
if [ "$rc" -eq 0 ]; then
	say "PASSED: make test and make run on a fresh Debian 12 ($commit)"
else
	say "FAILED (exit $rc): see $cache/run.log"
fi
exit "$rc"
