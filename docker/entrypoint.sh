#!/bin/sh
# Entry point of the Skylapse image: checks what each service needs from the
# host before starting it, so a missing step of scripts/setup.sh is named
# instead of surfacing as a crash loop. Then it execs the command, so the
# program itself receives SIGTERM from `docker-compose stop`.
set -eu

fail() {
	echo "skylapse-entrypoint: $*" >&2
	exit 1
}

case ${1:-} in
mosquitto)
	dir=/var/lib/skylapse/broker
	for f in passwd acl; do
		[ -r "$dir/$f" ] || fail "$dir/$f is missing or unreadable: run scripts/setup.sh on the host (it writes data/broker/$f)"
	done
	;;
skylapse-transfer)
	# Docker creates a directory where a bind-mounted file is missing
	for f in "${SSH_KEY:-}" "${SSH_KNOWN_HOSTS:-}"; do
		[ -z "$f" ] || { [ -f "$f" ] && [ -r "$f" ]; } ||
			fail "$f is not a file readable by uid $(id -u): check SSH_KEY and SSH_KNOWN_HOSTS in .env (see README, SSH set-up)"
	done
	;;
esac
[ -n "${MQTT_PASSWORD:-}" ] || [ "${1:-}" = mosquitto ] ||
	echo "skylapse-entrypoint: MQTT_PASSWORD is empty; the production broker refuses anonymous clients" >&2
exec "$@"
