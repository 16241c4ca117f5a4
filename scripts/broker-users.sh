#!/bin/sh
# broker-users.sh - the production broker's users, passwords and ACL.
#
# The arguments describe the whole broker: its users are the primary
# backend, any other backends, the cameras, and the fixed service users
# encoder, transfer and readonly. Each run brings DIR in line with them:
#   DIR/passwd          mosquitto_passwd file: missing users are created with
#                       a random password (printed once, on stdout), users
#                       named in --password-for get that password, users no
#                       longer listed are removed, the others keep theirs;
#   DIR/acl             broker/acl.template filled in for these users;
#   DIR/mosquitto.conf  broker/mosquitto.prod.conf with @DATA_DIR@ = DIR,
#                       written only when absent (local edits survive).
# A running broker picks up passwd and acl on SIGHUP.
# Exit codes: 0 done, 1 bad usage, 2 a file could not be written.
set -eu
set -f # ids are split on spaces below; never expand them as file patterns

here=$(cd "$(dirname "$0")" && pwd)
broker_src="${here%/*}/broker"
services="encoder transfer readonly"
reserved="backend sync $services" # never a camera id nor a backend name

usage() {
	cat <<EOF
usage: $0 --backend NAME [--camera ID]... [options]

Writes the production broker's password file, ACL and config into DIR.

  --dir DIR                 broker directory (default /var/lib/skylapse/broker)
  --backend NAME            the primary backend (BACKEND_NAME); its MQTT user
                            is the only one allowed to send capture requests
  --secondary-backend NAME  another backend (repeatable): reads everything,
                            sends encode jobs, never captures
  --secondary-can-capture   let the other backends capture, through the
                            primary's relay (never to a camera directly)
  --camera ID               a camera (CAMERA_ID) and its MQTT user (repeatable)
  --root R                  topic root (default \$MQTT_TOPIC_ROOT or skylapse)
  --ha-prefix P             Home Assistant's discovery prefix (default
                            \$HA_DISCOVERY_PREFIX or homeassistant)
  --password-for USER=PASS  set USER's password (repeatable); users without
                            one keep theirs, new users get a random one
  --passwords-from FILE     USER=PASS lines, as --password-for; - reads stdin
  --template FILE           ACL template (default broker/acl.template)
  --owner USER              owner of the written files (default: mosquitto
                            when run as root and that user exists)
  --help                    this text

Users: every camera id, every backend name, and $services.
Ids match [a-z0-9_-]+ and cannot be one of: $reserved.
Passwords given with --password-for are visible to other local users in the
process list while this script runs; --passwords-from keeps them out of it
(mosquitto_passwd reads each one on its standard input). The files written
are mode 600.
EOF
}

die_usage() {
	echo "broker-users: $*" >&2
	echo "broker-users: try --help" >&2
	exit 1
}

die() {
	echo "broker-users: $*" >&2
	exit 2
}

valid_id() {
	case $1 in
	'' | *[!a-z0-9_-]*) return 1 ;;
	esac
	return 0
}

# True when word $1 is in the space-separated list $2.
in_list() {
	case " $2 " in
	*" $1 "*) return 0 ;;
	esac
	return 1
}

dir=/var/lib/skylapse/broker
backend=""
secondaries=""
secondary_capture="#" # the relay line of each secondary stays commented out
cameras=""
root=${MQTT_TOPIC_ROOT:-skylapse}
ha_prefix=${HA_DISCOVERY_PREFIX:-homeassistant}
passwords=""  # newline-separated USER=PASS
template="$broker_src/acl.template"
owner=""

need_arg() {
	[ "$2" -ge 2 ] || die_usage "$1 needs a value"
}

# An id given to $1, checked before it joins a space-separated list.
need_id() {
	valid_id "$2" || die_usage "$1 '$2' is not a valid id ([a-z0-9_-]+)"
	! in_list "$2" "$reserved" || die_usage "$1 '$2': $reserved are reserved names"
}

while [ $# -gt 0 ]; do
	case $1 in
	--dir) need_arg "$1" $#; dir=$2; shift 2 ;;
	--backend) need_arg "$1" $#; need_id "$1" "$2"; backend=$2; shift 2 ;;
	--secondary-backend) need_arg "$1" $#; need_id "$1" "$2"; secondaries="$secondaries $2"; shift 2 ;;
	--secondary-can-capture) secondary_capture="" ; shift ;;
	--camera) need_arg "$1" $#; need_id "$1" "$2"; cameras="$cameras $2"; shift 2 ;;
	--root) need_arg "$1" $#; root=$2; shift 2 ;;
	--ha-prefix) need_arg "$1" $#; ha_prefix=$2; shift 2 ;;
	--password-for)
		need_arg "$1" $#
		case $2 in
		?*=?*) ;;
		*) die_usage "--password-for wants USER=PASSWORD, got '$2'" ;;
		esac
		passwords="$passwords$2
"
		shift 2
		;;
	--passwords-from)
		need_arg "$1" $#
		if [ "$2" = - ]; then from=$(cat); else from=$(cat -- "$2") || die_usage "cannot read $2"; fi
		while IFS= read -r pair; do
			case $pair in
			'' | ?*=?*) ;;
			*) die_usage "$2: lines must read USER=PASSWORD" ;;
			esac
		done <<EOF
$from
EOF
		passwords="$passwords$from
"
		shift 2
		;;
	--template) need_arg "$1" $#; template=$2; shift 2 ;;
	--owner) need_arg "$1" $#; owner=$2; shift 2 ;;
	--help | -h) usage; exit 0 ;;
	*) die_usage "unknown argument '$1'" ;;
	esac
done

# --- check the arguments before touching anything ---
[ -n "$backend" ] || die_usage "--backend NAME is required"
users=""
for u in $backend $secondaries $cameras; do
	! in_list "$u" "$users" || die_usage "'$u' is named twice"
	users="$users $u"
done
users="${users# } $services"

case $root in
'' | /* | */ | *//* | *[!A-Za-z0-9._/-]*)
	die_usage "--root '$root': use letters, digits, '.', '_', '-' and inner '/'" ;;
esac
case $ha_prefix in
'' | /* | */ | *//* | *[!A-Za-z0-9._/-]*)
	die_usage "--ha-prefix '$ha_prefix': use letters, digits, '.', '_', '-' and inner '/'" ;;
esac
case $dir in
*[!A-Za-z0-9._/+-]*) die_usage "--dir '$dir': use a plain path (letters, digits, . _ / + -)" ;;
esac
[ -r "$template" ] || die_usage "cannot read the ACL template $template"

while IFS= read -r pair; do
	[ -n "$pair" ] || continue
	in_list "${pair%%=*}" "$users" ||
		die_usage "--password-for names '${pair%%=*}', which is not one of the users: $users"
done <<EOF
$passwords
EOF

command -v mosquitto_passwd >/dev/null 2>&1 ||
	die "mosquitto_passwd not found (Debian package mosquitto)"

if [ -z "$owner" ] && [ "$(id -u)" -eq 0 ] && id mosquitto >/dev/null 2>&1; then
	owner=mosquitto
fi

umask 077
mkdir -p "$dir" || die "cannot create $dir"
dir=$(cd "$dir" && pwd)
passwd="$dir/passwd"

# --- password file ---
password_given() {
	while IFS= read -r pair; do
		if [ "${pair%%=*}" = "$1" ]; then
			printf '%s\n' "${pair#*=}"
			return 0
		fi
	done <<EOF
$passwords
EOF
}

has_user() {
	[ -f "$passwd" ] && grep -q "^$1:" "$passwd"
}

random_password() {
	LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c 24
}

# The password goes in on stdin (mosquitto_passwd's prompt, twice), never
# on its command line; the prompts go to stdout, which is kept for the
# random passwords.
set_password() {
	create=-c
	[ ! -f "$passwd" ] || create=""
	# shellcheck disable=SC2086
	printf '%s\n%s\n' "$2" "$2" | mosquitto_passwd $create "$passwd" "$1" >/dev/null ||
		die "mosquitto_passwd failed for $1"
}

for u in $users; do
	pass=$(password_given "$u")
	if [ -n "$pass" ]; then
		set_password "$u" "$pass"
	elif ! has_user "$u"; then
		pass=$(random_password)
		set_password "$u" "$pass"
		printf '%s %s\n' "$u" "$pass"
	fi
done

existing=$(cut -d: -f1 "$passwd") # read in full: -D rewrites the file
for u in $existing; do
	if ! in_list "$u" "$users"; then
		mosquitto_passwd -D "$passwd" "$u" || die "mosquitto_passwd -D failed for $u"
		echo "broker-users: removed user $u" >&2
	fi
done

# --- ACL: repeat the #@each blocks, then fill in the names ---
awk -v cameras="$cameras" -v secondaries="$secondaries" -v capture="$secondary_capture" \
	-v root="$root" -v ha="$ha_prefix" -v backend="$backend" -v src="$template" '
BEGIN {
	print "# Generated by scripts/broker-users.sh from " src "."
	print "# Edit the template and re-run the script rather than this file."
	print ""
}
function emit(line) {
	gsub(/@ROOT@/, root, line)
	gsub(/@HA@/, ha, line)
	gsub(/@BACKEND@/, backend, line)
	gsub(/@CAPTURE@/, capture, line)
	print line
}
# placeholder_ha gets the name as Home Assistant device ids spell it ('-' -> '_')
function flush(names, placeholder, placeholder_ha,    n, list, i, j, line, ha) {
	n = split(names, list, " ")
	for (i = 1; i <= n; i++) {
		ha = list[i]
		gsub(/-/, "_", ha)
		for (j = 1; j <= nblock; j++) {
			line = block[j]
			gsub(placeholder_ha, ha, line)
			gsub(placeholder, list[i], line)
			emit(line)
		}
	}
}
/^#@doc$/ { kind = "doc"; nblock = 0; next }
/^#@each camera$/ { kind = "camera"; nblock = 0; next }
/^#@each secondary$/ { kind = "secondary"; nblock = 0; next }
/^#@end$/ {
	if (kind == "camera") flush(cameras, "@CAMERA@", "@CAMERA_HA@")
	else if (kind == "secondary") flush(secondaries, "@SECONDARY@", "@SECONDARY_HA@")
	kind = ""
	next
}
kind != "" { block[++nblock] = $0; next }
{ emit($0) }
' "$template" >"$dir/acl.tmp" || die "cannot write $dir/acl"
mv "$dir/acl.tmp" "$dir/acl" || die "cannot write $dir/acl"

# --- concrete broker config, once ---
if [ ! -f "$dir/mosquitto.conf" ]; then
	sed -e "s|@DATA_DIR@|$dir|g" -e "s|@BROKER_DIR@|$broker_src|g" \
		"$broker_src/mosquitto.prod.conf" >"$dir/mosquitto.conf.tmp" ||
		die "cannot write $dir/mosquitto.conf"
	mv "$dir/mosquitto.conf.tmp" "$dir/mosquitto.conf" || die "cannot write $dir/mosquitto.conf"
	echo "broker-users: wrote $dir/mosquitto.conf" >&2
fi

if [ -n "$owner" ]; then
	chown "$owner" "$dir" "$passwd" "$dir/acl" "$dir/mosquitto.conf" ||
		die "cannot give $dir to $owner"
fi
echo "broker-users: $dir: users $users; topic root $root" >&2
