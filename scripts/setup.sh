#!/bin/sh
# setup.sh - set up the Skylapse server: the seed guide's questions, .env,
# config, broker users, the SSH key for the transfer, and the stack started.
#
# Interactive by default, with the seed guide's prompts and defaults; every
# answer also has a flag, and --yes takes the flags (or the defaults) without
# asking. Safe to run again: the values of an existing .env are the defaults,
# passwords and unknown variables are kept, existing files are left alone.
#
# What it writes, in the project folder (--dir, default: this checkout):
#   data/images data/timelapses data/db data/broker/   folders (as in the seed)
#   .env                       the seed's variables plus the new ones (mode 600)
#   config/config.json         the seed's example, when there is none
#   data/broker/passwd, acl    broker users and ACL (scripts/broker-users.sh)
#   data/broker/camera-ID.env  the Pi's broker settings, for deploy-capture.sh
#   docker-compose.prod.yml    a link to docker/docker-compose.prod.yml
# Then it starts the stack: Docker Compose when a Docker engine answers, else
# systemd units, else it prints how (--start picks, --no-start skips).
# Exit codes: 0 done, 1 bad usage or answer, 2 a step failed.
#
# Piped into a shell, as the seed's quick start runs it in an empty folder
# (curl -fsSL .../scripts/setup.sh | bash), there is no checkout around it:
# it clones the project (SKYLAPSE_REPO, default the project's repository)
# into that folder first, then runs the clone's setup.sh with the same flags,
# its questions read from the terminal.
set -eu

if [ ! -f "$(dirname "$0")/broker-users.sh" ]; then
	repo=${SKYLAPSE_REPO:-https://github.com/nicholasmparker/skylapse.git}
	if [ -f scripts/setup.sh ] && [ -f scripts/broker-users.sh ]; then
		echo "setup: using the checkout in $PWD" >&2
	elif [ -z "$(ls -A .)" ]; then
		command -v git >/dev/null 2>&1 ||
			{ echo "setup: git is needed to fetch $repo (apt-get install git)" >&2; exit 2; }
		echo "setup: fetching $repo into $PWD" >&2
		git clone --quiet --depth 1 "$repo" . ||
			{ echo "setup: cannot clone $repo" >&2; exit 2; }
	else
		echo "setup: $PWD is neither empty nor a Skylapse checkout; run it in an empty folder" \
			"(mkdir -p ~/skylapse && cd ~/skylapse)" >&2
		exit 1
	fi
	if (exec </dev/tty) 2>/dev/null; then exec sh scripts/setup.sh "$@" </dev/tty; fi
	exec sh scripts/setup.sh "$@" </dev/null
fi

here=$(cd "$(dirname "$0")" && pwd)
src=${here%/*}

usage() {
	cat <<EOF
usage: $0 [options]

Sets up the Skylapse server in DIR (default: $src).
Without --yes it asks the seed guide's questions; the flags give the defaults.

  --pi-host HOST            Pi hostname or IP (PI_HOST, default helios.local)
  --pi-port N               Pi HTTP port (PI_PORT, default 8080)
  --pi-user USER            Pi SSH username (PI_USER, default: your user name)
  --pi-source DIR           frames folder on the Pi (PI_SOURCE, default ~/skylapse-images/)
  --backend-port N          REST API port (BACKEND_PORT, default 8082)
  --frontend-port N         dashboard port (FRONTEND_PORT, default 3000)
  --server-ip ADDR          this server's address, for URLs (default: detected)
  --transfer-interval MIN   minutes between transfers (default 5)
  --delete-after DAYS       days frames stay on the Pi (default 1)
  --backend-name NAME       this backend's name (BACKEND_NAME, default: host name)
  --camera-id ID            the Pi's camera id (CAMERA_ID, default: from --pi-host)
  --secondary-backend NAME  another backend allowed on the broker (repeatable);
                            it reads everything but cannot capture
  --secondary-can-capture   let those backends capture (through this one)
  --pi-ssh-port N           SSH port of the Pi (PI_SSH_PORT, default 22)
  --mqtt-port N             broker port published on this server (default 1883)
  --ssh-key FILE            transfer's private key (SSH_KEY, default ~/.ssh/id_ed25519)
  --api-token TOKEN         require this token for changes over REST (API_TOKEN)
  --dir DIR                 project folder for .env, data/ and config/
  --yes, -y                 do not ask; use flags, the existing .env, defaults
  --ssh-keygen              create the SSH key when there is none (asked otherwise)
  --start MODE              auto (default), docker, systemd or none
  --no-start                same as --start none
  --systemd-root DIR        with --start systemd: write the units, /etc/skylapse
                            and the broker files under DIR; install nothing
  --help                    this text
EOF
}

die_usage() {
	echo "setup: $*" >&2
	echo "setup: try --help" >&2
	exit 1
}

die() {
	echo "setup: $*" >&2
	exit 2
}

say() {
	printf '%s\n' "$*"
}

# --- validation: each prints the problem and fails -------------------------

v_port() {
	case $1 in '' | *[!0-9]*) echo "'$1' is not a port number"; return 1 ;; esac
	if [ "$1" -lt 1 ] || [ "$1" -gt 65535 ]; then echo "port $1 is outside 1..65535"; return 1; fi
}
v_host() {
	case $1 in '' | *[!A-Za-z0-9.:_-]*) echo "'$1' is not a host name or address"; return 1 ;; esac
}
v_user() {
	case $1 in '' | [!a-z_]* | *[!A-Za-z0-9._-]*) echo "'$1' is not a user name"; return 1 ;; esac
}
v_path() {
	case $1 in '' | *[!A-Za-z0-9._/~+-]*) echo "'$1': use a plain path (letters, digits, . _ / ~ + -)"; return 1 ;; esac
}
v_minutes() {
	case $1 in '' | *[!0-9]*) echo "'$1' is not a whole number of minutes"; return 1 ;; esac
	if [ "$1" -lt 1 ] || [ "$1" -gt 10080 ]; then echo "$1 minutes is outside 1..10080"; return 1; fi
}
v_days() {
	case $1 in '' | .* | *.*.* | *[!0-9.]* | *.) echo "'$1' is not a number of days"; return 1 ;; esac
}
v_id() {
	case $1 in '' | *[!a-z0-9_-]*) echo "'$1' must match [a-z0-9_-]+"; return 1 ;; esac
	case $1 in
	backend | encoder | transfer | readonly) echo "'$1' is reserved (backend, encoder, transfer, readonly)"; return 1 ;;
	esac
}
v_token() {
	case $1 in *[!A-Za-z0-9._~+/=-]*) echo "the token may use letters, digits and . _ ~ + / = -"; return 1 ;; esac
}
v_mode() {
	case $1 in auto | docker | systemd | none) ;; *) echo "'$1' is not auto, docker, systemd or none"; return 1 ;; esac
}

# --- flags -------------------------------------------------------------------

dir=$src
yes=0
keygen=0
start=auto
sysroot=""
secondaries=""
secondary_capture=""
# flag values; empty = not given
f_pi_host="" f_pi_port="" f_pi_user="" f_pi_source="" f_backend_port="" f_frontend_port=""
f_server_ip="" f_interval="" f_delete="" f_backend="" f_camera="" f_ssh_port="" f_mqtt_port=""
f_ssh_key="" f_token=""

need_arg() {
	[ "$2" -ge 2 ] || die_usage "$1 needs a value"
}

while [ $# -gt 0 ]; do
	case $1 in
	--pi-host) need_arg "$1" $#; f_pi_host=$2; shift 2 ;;
	--pi-port) need_arg "$1" $#; f_pi_port=$2; shift 2 ;;
	--pi-user) need_arg "$1" $#; f_pi_user=$2; shift 2 ;;
	--pi-source) need_arg "$1" $#; f_pi_source=$2; shift 2 ;;
	--backend-port) need_arg "$1" $#; f_backend_port=$2; shift 2 ;;
	--frontend-port) need_arg "$1" $#; f_frontend_port=$2; shift 2 ;;
	--server-ip) need_arg "$1" $#; f_server_ip=$2; shift 2 ;;
	--transfer-interval) need_arg "$1" $#; f_interval=$2; shift 2 ;;
	--delete-after) need_arg "$1" $#; f_delete=$2; shift 2 ;;
	--backend-name) need_arg "$1" $#; f_backend=$2; shift 2 ;;
	--camera-id) need_arg "$1" $#; f_camera=$2; shift 2 ;;
	--secondary-backend)
		need_arg "$1" $#
		msg=$(v_id "$2") || die_usage "--secondary-backend: $msg"
		secondaries="$secondaries $2"
		shift 2
		;;
	--secondary-can-capture) secondary_capture=1; shift ;;
	--pi-ssh-port) need_arg "$1" $#; f_ssh_port=$2; shift 2 ;;
	--mqtt-port) need_arg "$1" $#; f_mqtt_port=$2; shift 2 ;;
	--ssh-key) need_arg "$1" $#; f_ssh_key=$2; shift 2 ;;
	--api-token) need_arg "$1" $#; f_token=$2; shift 2 ;;
	--dir) need_arg "$1" $#; dir=$2; shift 2 ;;
	--yes | -y) yes=1; shift ;;
	--ssh-keygen) keygen=1; shift ;;
	--start) need_arg "$1" $#; start=$2; shift 2 ;;
	--no-start) start=none; shift ;;
	--systemd-root) need_arg "$1" $#; sysroot=$2; shift 2 ;;
	--help | -h) usage; exit 0 ;;
	*) die_usage "unknown argument '$1'" ;;
	esac
done
msg=$(v_mode "$start") || die_usage "--start: $msg"
if [ -n "$sysroot" ]; then
	[ "$start" = systemd ] || die_usage "--systemd-root goes with --start systemd"
	mkdir -p "$sysroot" || die "cannot create $sysroot"
	sysroot=$(cd "$sysroot" && pwd)
fi

mkdir -p "$dir" || die "cannot create $dir"
dir=$(cd "$dir" && pwd)
envfile=$dir/.env

# --- defaults: built in, then the existing .env, then the flags ------------

# The existing .env, read once into old_KEY variables (the last KEY wins,
# quotes removed) and its keys in order into $kept. Read as text, never
# sourced: PI_SOURCE=~/... must stay as written. Only the shell's own read
# is used (no process per line: this also runs on slow boards).
kept=""
if [ -f "$envfile" ]; then
	while IFS= read -r line || [ -n "$line" ]; do
		case $line in
		[A-Za-z_]*=*) ;;
		*) continue ;;
		esac
		k=${line%%=*}
		case $k in *[!A-Za-z0-9_]*) continue ;; esac
		v=${line#*=}
		case $v in
		\"*\") v=${v#\"}; v=${v%\"} ;;
		\'*\') v=${v#\'}; v=${v%\'} ;;
		esac
		eval "old_$k=\$v"
		case "$kept " in *" $k "*) ;; *) kept="$kept $k" ;; esac
	done <"$envfile"
fi
# old KEY: its value in the existing .env, or nothing.
old() {
	eval "printf '%s\\n' \"\${old_$1:-}\""
}

# $1 if given, else $2 if given, else $3.
pick() {
	if [ -n "$1" ]; then printf '%s\n' "$1"; elif [ -n "$2" ]; then printf '%s\n' "$2"; else printf '%s\n' "$3"; fi
}

detect_ip() {
	ip=$(hostname -I 2>/dev/null | awk '{print $1}') || ip=""
	[ -n "$ip" ] || ip=$(ip -4 route get 1.1.1.1 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p') || ip=""
	printf '%s\n' "${ip:-127.0.0.1}"
}

# A host name as an id: helios.local -> helios; an address gives $2.
host_id() {
	case $1 in
	*[!0-9.]* | '')
		id=$(printf '%s' "${1%%.*}" | tr '[:upper:]' '[:lower:]' | tr -c 'a-z0-9_-' '-')
		case $id in '' | backend | encoder | transfer | readonly) id=$2 ;; esac
		printf '%s\n' "$id"
		;;
	*) printf '%s\n' "$2" ;;
	esac
}

me=$(id -un)
old_url=$(old BACKEND_URL)
old_ip=""
if [ -n "$old_url" ]; then
	old_ip=${old_url#*://}
	old_ip=${old_ip%%:*}
	old_ip=${old_ip%%/*}
fi

PI_HOST=$(pick "$f_pi_host" "$(old PI_HOST)" helios.local)
PI_PORT=$(pick "$f_pi_port" "$(old PI_PORT)" 8080)
PI_USER=$(pick "$f_pi_user" "$(old PI_USER)" "$me")
# shellcheck disable=SC2088 # the Pi's home, expanded there
PI_SOURCE=$(pick "$f_pi_source" "$(old PI_SOURCE)" "~/skylapse-images/")
BACKEND_PORT=$(pick "$f_backend_port" "$(old BACKEND_PORT)" 8082)
FRONTEND_PORT=$(pick "$f_frontend_port" "$(old FRONTEND_PORT)" 3000)
SERVER_IP=$(pick "$f_server_ip" "$old_ip" "$(detect_ip)")
TRANSFER_INTERVAL_MINUTES=$(pick "$f_interval" "$(old TRANSFER_INTERVAL_MINUTES)" 5)
DELETE_AFTER_DAYS=$(pick "$f_delete" "$(old DELETE_AFTER_DAYS)" 1)
BACKEND_NAME=$(pick "$f_backend" "$(old BACKEND_NAME)" "$(host_id "$(hostname -s 2>/dev/null || hostname)" server)")

# --- the seed guide's questions --------------------------------------------

# ask VAR QUESTION VALIDATOR: shows the current value as the default; an
# empty answer (or the end of the input) keeps it; a bad answer is explained
# and asked again.
ask() {
	cur=""
	eval "cur=\$$1"
	while :; do
		printf '%s [%s]: ' "$2" "$cur"
		if ! IFS= read -r ans; then
			echo
			ans=""
			eof=1
		else
			eof=0
		fi
		ans=$(printf '%s' "$ans" | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//')
		[ -n "$ans" ] || ans=$cur
		if msg=$($3 "$ans"); then
			eval "$1=\$ans"
			return 0
		fi
		echo "  $msg"
		[ "$eof" -eq 0 ] || return 0
	done
}

if [ "$yes" -eq 0 ]; then
	say "Skylapse server set-up (Enter keeps the value in brackets)."
	ask PI_HOST "Pi hostname" v_host
	ask PI_PORT "Pi port" v_port
	ask PI_USER "Pi SSH username" v_user
	ask PI_SOURCE "Pi source directory" v_path
	ask BACKEND_PORT "Backend port" v_port
	ask FRONTEND_PORT "Frontend port" v_port
	ask SERVER_IP "Server IP" v_host
	ask TRANSFER_INTERVAL_MINUTES "Transfer interval (minutes)" v_minutes
	ask DELETE_AFTER_DAYS "Delete after (days)" v_days
	ask BACKEND_NAME "Backend name (must match PRIMARY_BACKEND on the Pi)" v_id
fi

CAMERA_ID=$(pick "$f_camera" "$(old CAMERA_ID)" "$(host_id "$PI_HOST" pi)")
PI_SSH_PORT=$(pick "$f_ssh_port" "$(old PI_SSH_PORT)" 22)
MQTT_PORT=$(pick "$f_mqtt_port" "$(old MQTT_PORT)" 1883)
MQTT_TOPIC_ROOT=$(pick "" "$(old MQTT_TOPIC_ROOT)" skylapse)
SSH_KEY=$(pick "$f_ssh_key" "$(old SSH_KEY)" "$HOME/.ssh/id_ed25519")
SSH_KNOWN_HOSTS=$(pick "" "$(old SSH_KNOWN_HOSTS)" "$HOME/.ssh/known_hosts")
API_TOKEN=$(pick "$f_token" "$(old API_TOKEN)" "")
[ "$(old SECONDARY_CAN_CAPTURE)" != true ] || secondary_capture=1
secondaries=$(printf '%s %s' "$(old SECONDARY_BACKENDS | tr ',' ' ')" "$secondaries" |
	tr ' ' '\n' | awk 'NF && !seen[$0]++' | tr '\n' ' ')
secondaries=${secondaries% }

# every value, whichever way it came, is checked before anything is written
check() {
	msg=$($2 "$3") || die_usage "$1: $msg"
}
check "Pi hostname (--pi-host)" v_host "$PI_HOST"
check "Pi port (--pi-port)" v_port "$PI_PORT"
check "Pi SSH username (--pi-user)" v_user "$PI_USER"
check "Pi source directory (--pi-source)" v_path "$PI_SOURCE"
check "Backend port (--backend-port)" v_port "$BACKEND_PORT"
check "Frontend port (--frontend-port)" v_port "$FRONTEND_PORT"
check "Server IP (--server-ip)" v_host "$SERVER_IP"
check "Transfer interval (--transfer-interval)" v_minutes "$TRANSFER_INTERVAL_MINUTES"
check "Delete after (--delete-after)" v_days "$DELETE_AFTER_DAYS"
check "Backend name (--backend-name)" v_id "$BACKEND_NAME"
check "Camera id (--camera-id)" v_id "$CAMERA_ID"
check "Pi SSH port (--pi-ssh-port)" v_port "$PI_SSH_PORT"
check "MQTT port (--mqtt-port)" v_port "$MQTT_PORT"
check "SSH key (--ssh-key)" v_path "$SSH_KEY"
check "SSH known hosts" v_path "$SSH_KNOWN_HOSTS"
check "API token (--api-token)" v_token "$API_TOKEN"
for b in $secondaries; do
	[ "$b" != "$BACKEND_NAME" ] || die_usage "--secondary-backend $b is this backend's own name"
	[ "$b" != "$CAMERA_ID" ] || die_usage "--secondary-backend $b is the camera's id"
done
[ "$BACKEND_NAME" != "$CAMERA_ID" ] ||
	die_usage "the backend name and the camera id are both '$CAMERA_ID': give --camera-id"
[ "$BACKEND_PORT" != "$FRONTEND_PORT" ] ||
	die_usage "the backend and frontend ports are both $BACKEND_PORT"

# passwords: kept from the .env, else new
random_password() {
	LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c 24
}
keep_or_new() {
	v=$(old "$1")
	case $v in
	'' | *[!A-Za-z0-9._~+=-]*) random_password ;;
	*) printf '%s\n' "$v" ;;
	esac
}
# the .env's passwords before this run: only new or changed ones are set
old_pw="$BACKEND_NAME=$(old MQTT_PASSWORD) $CAMERA_ID=$(old MQTT_CAMERA_PASSWORD)
encoder=$(old MQTT_ENCODER_PASSWORD) transfer=$(old MQTT_TRANSFER_PASSWORD)
readonly=$(old MQTT_READONLY_PASSWORD)"
MQTT_PASSWORD=$(keep_or_new MQTT_PASSWORD)
MQTT_CAMERA_PASSWORD=$(keep_or_new MQTT_CAMERA_PASSWORD)
MQTT_ENCODER_PASSWORD=$(keep_or_new MQTT_ENCODER_PASSWORD)
MQTT_TRANSFER_PASSWORD=$(keep_or_new MQTT_TRANSFER_PASSWORD)
MQTT_READONLY_PASSWORD=$(keep_or_new MQTT_READONLY_PASSWORD)

uid=$(id -u)
gid=$(id -g)
if [ "$uid" -eq 0 ]; then
	# containers never run as root: the data then belongs to uid 1000
	uid=$(pick "" "$(old SKYLAPSE_UID)" 1000)
	gid=$(pick "" "$(old SKYLAPSE_GID)" 1000)
fi

# --- 1. folders ----------------------------------------------------------------

umask 077
for d in data/images data/images/"$CAMERA_ID" data/timelapses data/db data/broker data/broker/conf.d config; do
	mkdir -p "$dir/$d" || die "cannot create $dir/$d"
done
chmod 755 "$dir/data" "$dir/data/images" "$dir/data/images/$CAMERA_ID" "$dir/data/timelapses" \
	"$dir/data/db" "$dir/config" 2>/dev/null || true
if [ "$(id -u)" -eq 0 ]; then
	# the containers write here as SKYLAPSE_UID, never as root
	chown "$uid:$gid" "$dir/data/images" "$dir/data/images/$CAMERA_ID" "$dir/data/timelapses" \
		"$dir/data/db" "$dir/data/broker" "$dir/data/broker/conf.d" || die "cannot give $dir/data to $uid:$gid"
fi
say "setup: folders in $dir/data: images timelapses db broker"

# --- 2. .env -------------------------------------------------------------------

known=" PI_HOST PI_PORT PI_USER PI_SOURCE BACKEND_PORT BACKEND_URL BACKEND_NAME FRONTEND_PORT \
VITE_BACKEND_URL TRANSFER_INTERVAL_MINUTES DELETE_AFTER_DAYS MQTT_URL MQTT_PORT MQTT_USERNAME \
MQTT_PASSWORD MQTT_TOPIC_ROOT CAMERA_ID PI_SSH_PORT SSH_KEY SSH_KNOWN_HOSTS API_TOKEN \
TRANSFER_ENABLED SECONDARY_BACKENDS SECONDARY_CAN_CAPTURE MQTT_CAMERA_PASSWORD MQTT_ENCODER_PASSWORD \
MQTT_TRANSFER_PASSWORD MQTT_READONLY_PASSWORD SKYLAPSE_UID SKYLAPSE_GID SKYLAPSE_SRC "

write_env() {
	cat <<EOF
# Skylapse server settings, written by scripts/setup.sh. Run it again to
# change them (these values become its defaults), or edit and then run
# docker-compose -f docker-compose.prod.yml up -d. Every variable: config/env.example.

# Pi Connection
PI_HOST=$PI_HOST
PI_PORT=$PI_PORT
PI_USER=$PI_USER
PI_SOURCE=$PI_SOURCE
PI_SSH_PORT=$PI_SSH_PORT
CAMERA_ID=$CAMERA_ID

# Backend Configuration
BACKEND_PORT=$BACKEND_PORT
BACKEND_URL=http://$SERVER_IP:$BACKEND_PORT
BACKEND_NAME=$BACKEND_NAME
API_TOKEN=$API_TOKEN

# Frontend Configuration (the dashboard, served by the backend on this port too)
FRONTEND_PORT=$FRONTEND_PORT
VITE_BACKEND_URL=http://$SERVER_IP:$BACKEND_PORT

# Transfer Service
TRANSFER_INTERVAL_MINUTES=$TRANSFER_INTERVAL_MINUTES
DELETE_AFTER_DAYS=$DELETE_AFTER_DAYS
TRANSFER_ENABLED=$(pick "" "$(old TRANSFER_ENABLED)" true)
SSH_KEY=$SSH_KEY
SSH_KNOWN_HOSTS=$SSH_KNOWN_HOSTS

# Broker (MQTT). The backend logs in as BACKEND_NAME; the other users'
# passwords are below. The Pi's settings are in data/broker/camera-$CAMERA_ID.env.
MQTT_URL=mqtt://localhost:$MQTT_PORT
MQTT_PORT=$MQTT_PORT
MQTT_TOPIC_ROOT=$MQTT_TOPIC_ROOT
MQTT_USERNAME=$BACKEND_NAME
MQTT_PASSWORD=$MQTT_PASSWORD
MQTT_CAMERA_PASSWORD=$MQTT_CAMERA_PASSWORD
MQTT_ENCODER_PASSWORD=$MQTT_ENCODER_PASSWORD
MQTT_TRANSFER_PASSWORD=$MQTT_TRANSFER_PASSWORD
MQTT_READONLY_PASSWORD=$MQTT_READONLY_PASSWORD
SECONDARY_BACKENDS=$(printf '%s' "$secondaries" | tr ' ' ',')
SECONDARY_CAN_CAPTURE=${secondary_capture:+true}

# Docker: the containers' user (owner of ./data and of the SSH key)
SKYLAPSE_UID=$uid
SKYLAPSE_GID=$gid
EOF
	if [ "$dir" != "$src" ]; then
		printf '# the Skylapse sources (Docker build context)\nSKYLAPSE_SRC=%s\n' "$src"
	fi
	# variables this script does not manage, kept as they were
	first=1
	for k in $kept; do
		case $known in *" $k "*) continue ;; esac
		if [ "$first" -eq 1 ]; then
			printf '\n# kept from the previous .env\n'
			first=0
		fi
		printf '%s=%s\n' "$k" "$(old "$k")"
	done
}

write_env >"$envfile.tmp" || die "cannot write $envfile"
chmod 600 "$envfile.tmp"
mv "$envfile.tmp" "$envfile" || die "cannot write $envfile"
say "setup: wrote $envfile"

# --- 3. config.json --------------------------------------------------------

config=$dir/config/config.json
if [ -f "$config" ]; then
	say "setup: keeping $config"
else
	cp "$src/config/config.json" "$config" || die "cannot write $config"
	chmod 644 "$config"
	say "setup: wrote $config (the seed's example: set location for your sunrise and sunset)"
fi
if [ -x "$src/build/bin/skylapse-scheduler" ]; then
	if ! "$src/build/bin/skylapse-scheduler" --check --config "$config" >/dev/null 2>"$dir/data/.check"; then
		cat "$dir/data/.check" >&2
		rm -f "$dir/data/.check"
		die "$config has problems (above)"
	fi
	rm -f "$dir/data/.check"
fi

# --- 4. broker users, ACL, and the Pi's broker settings ------------------------

# The arguments of broker-users.sh for broker folder $1, files owned by $2
# (when given); the passwords go on its stdin (broker_passwords).
broker_args() {
	printf '%s\n' --dir "$1" --backend "$BACKEND_NAME" --camera "$CAMERA_ID" --root "$MQTT_TOPIC_ROOT"
	printf '%s\n' --passwords-from -
	[ -z "$(old HA_DISCOVERY_PREFIX)" ] || printf '%s\n' --ha-prefix "$(old HA_DISCOVERY_PREFIX)"
	for b in $secondaries; do printf '%s\n' --secondary-backend "$b"; done
	[ -z "$secondary_capture" ] || printf '%s\n' --secondary-can-capture
	[ -z "$2" ] || printf '%s\n' --owner "$2"
}

# USER=PASSWORD lines for broker-users.sh's --passwords-from -: only for a
# password that is new, changed, or whose user is not yet in password file
# $1 (when readable); the others keep their hash.
broker_passwords() {
	for pair in "$BACKEND_NAME=$MQTT_PASSWORD" "$CAMERA_ID=$MQTT_CAMERA_PASSWORD" \
		"encoder=$MQTT_ENCODER_PASSWORD" "transfer=$MQTT_TRANSFER_PASSWORD" \
		"readonly=$MQTT_READONLY_PASSWORD"; do
		case " $(printf '%s' "$old_pw" | tr '\n' ' ') " in
		*" $pair "*) [ -r "$1" ] && grep -q "^${pair%%=*}:" "$1" && continue ;;
		esac
		printf '%s\n' "$pair"
	done
}

# Runs scripts/broker-users.sh for broker folder $1 with every user, the
# files owned by $2 when given; the words of broker_args carry no blanks,
# so they split safely.
broker_users() {
	# shellcheck disable=SC2046
	broker_passwords "$1/passwd" | "$src/scripts/broker-users.sh" $(broker_args "$1" "$2")
}

users_done=0
if command -v mosquitto_passwd >/dev/null 2>&1; then
	# run as root, the files go to the containers' user (else to mosquitto)
	if [ "$(id -u)" -eq 0 ]; then owner="$uid:$gid"; else owner=""; fi
	broker_users "$dir/data/broker" "$owner" || die "scripts/broker-users.sh failed"
	users_done=1
else
	say "setup: mosquitto_passwd is not installed here: the broker users are written in a container when the stack starts"
fi

camera_env=$dir/data/broker/camera-$CAMERA_ID.env
cat >"$camera_env.tmp" <<EOF
# Broker settings of camera $CAMERA_ID, read by scripts/deploy-capture.sh
# (copy this file to data/broker/ of the checkout you deploy from).
MQTT_URL=mqtt://$SERVER_IP:$MQTT_PORT
MQTT_USERNAME=$CAMERA_ID
MQTT_PASSWORD=$MQTT_CAMERA_PASSWORD
MQTT_TOPIC_ROOT=$MQTT_TOPIC_ROOT
CAMERA_ID=$CAMERA_ID
PRIMARY_BACKEND=$BACKEND_NAME
EOF
# Home Assistant's settings, when .env has them, go to the Pi as well
for v in HA_DISCOVERY_PREFIX HA_DISCOVERY; do
	[ -z "$(old $v)" ] || printf '%s=%s\n' "$v" "$(old $v)" >>"$camera_env.tmp"
done
chmod 600 "$camera_env.tmp"
mv "$camera_env.tmp" "$camera_env"
say "setup: wrote $camera_env"

# --- 5. the compose file where the seed guide's commands look for it -----------

link=$dir/docker-compose.prod.yml
if [ ! -e "$link" ] && [ ! -L "$link" ]; then
	if [ "$dir" = "$src" ]; then target=docker/docker-compose.prod.yml; else target=$src/docker/docker-compose.prod.yml; fi
	ln -s "$target" "$link" || die "cannot link $link"
	say "setup: linked $link -> $target"
fi

# --- 6. the SSH key of the transfer ----------------------------------------

yes_no() { # question default(y|n)
	[ "$yes" -eq 0 ] || { [ "$2" = y ]; return; }
	printf '%s [%s]: ' "$1" "$(if [ "$2" = y ]; then echo Y/n; else echo y/N; fi)"
	IFS= read -r a || a=""
	case ${a:-$2} in [yY]*) return 0 ;; *) return 1 ;; esac
}

say ""
say "SSH set-up for the transfer (passwordless access to the Pi's frames):"
if [ -f "$SSH_KEY" ]; then
	say "  key: $SSH_KEY (exists)"
elif [ "$keygen" -eq 1 ] || yes_no "  No key at $SSH_KEY. Create one now with ssh-keygen?" n; then
	mkdir -p "$(dirname "$SSH_KEY")" && chmod 700 "$(dirname "$SSH_KEY")"
	# no passphrase: the transfer runs unattended (ssh BatchMode)
	ssh-keygen -q -t ed25519 -N "" -C "skylapse-transfer" -f "$SSH_KEY" </dev/null ||
		die "ssh-keygen failed"
	say "  key: created $SSH_KEY"
else
	say "  # Generate SSH key if you don't have one (no passphrase: the transfer runs unattended)"
	say "  ssh-keygen -t ed25519 -C \"skylapse-transfer\" -f $SSH_KEY"
fi
[ -e "$SSH_KNOWN_HOSTS" ] || { mkdir -p "$(dirname "$SSH_KNOWN_HOSTS")" && : >"$SSH_KNOWN_HOSTS"; }
port_opt=""
[ "$PI_SSH_PORT" = 22 ] || port_opt=" -p $PI_SSH_PORT"
say "  # Copy key to Pi"
say "  ssh-copy-id -i $SSH_KEY.pub$port_opt $PI_USER@$PI_HOST"
say "  # Test connection (also records the Pi's host key in $SSH_KNOWN_HOSTS)"
say "  ssh$port_opt $PI_USER@$PI_HOST 'ls $PI_SOURCE'"
case $PI_HOST in
*.local)
	say "  Note: containers cannot resolve .local (mDNS) names; if the transfer reports"
	say "  'unreachable', answer the Pi's IP address for the Pi hostname."
	;;
esac

# --- 7. start --------------------------------------------------------------------

compose=""
if docker compose version >/dev/null 2>&1; then
	compose="docker compose"
elif command -v docker-compose >/dev/null 2>&1; then
	compose="docker-compose"
fi

if [ "$start" = auto ]; then
	if [ -n "$compose" ] && docker info >/dev/null 2>&1; then
		start=docker
	elif [ -d /run/systemd/system ]; then
		start=systemd
	else
		start=none
	fi
fi

start_docker() {
	[ -n "$compose" ] || die "neither 'docker compose' nor docker-compose is installed"
	[ -f "$SSH_KEY" ] || die "$SSH_KEY does not exist: create it first (see above), or Docker makes a folder there"
	cd "$dir"
	if [ "$users_done" -eq 0 ]; then
		# shellcheck disable=SC2046
		broker_passwords "$dir/data/broker/passwd" |
			$compose -f docker-compose.prod.yml run --rm -T --no-deps broker \
			/usr/local/share/skylapse/scripts/broker-users.sh $(broker_args /var/lib/skylapse/broker "") ||
			die "writing the broker users in a container failed"
	fi
	$compose -f docker-compose.prod.yml up -d --build || die "docker compose up failed"
	$compose -f docker-compose.prod.yml ps
}

if [ "$(id -u)" -eq 0 ] || [ -n "$sysroot" ]; then sudo=""; else sudo="sudo"; fi

# put FILE MODE: stdin into FILE (as root when needed), created with MODE.
put() {
	# shellcheck disable=SC2016 # $1 and $2 of the inner sh
	$sudo sh -c 'umask 077 && cat >"$1.tmp" && chmod "$2" "$1.tmp" && mv "$1.tmp" "$1"' sh "$1" "$2"
}

# The server without Docker: the programs installed (make install), the
# units of config/systemd with a drop-in each for this folder's data and
# user, the settings in /etc/skylapse, the broker's files in
# /var/lib/skylapse/broker. With --systemd-root DIR, every file goes under
# DIR instead and nothing is built, installed or started.
start_systemd() {
	r=$sysroot
	owner=${SUDO_USER:-$(id -un)}
	group=$(id -gn "$owner")
	if [ -z "$r" ]; then
		make -C "$src" || die "make failed"
		$sudo make -C "$src" install PREFIX=/usr/local || die "make install failed"
	fi
	$sudo install -d -m 755 "$r/etc/skylapse" "$r/etc/systemd/system"
	{
		grep -v '^SKYLAPSE_\|^MQTT_URL=\|^MQTT_[A-Z]*_PASSWORD=' "$envfile"
		printf '\n# this machine (setup.sh --start systemd)\n'
		printf 'MQTT_URL=mqtt://localhost:%s\nSKYLAPSE_CONFIG=%s\n' "$MQTT_PORT" "$config"
		printf 'IMAGES_DIR=%s\nTIMELAPSES_DIR=%s\nSKYLAPSE_STATE_DIR=%s\n' \
			"$dir/data/images" "$dir/data/timelapses" "$dir/data/db"
	} | put "$r/etc/skylapse/skylapse.env" 600
	printf 'MQTT_USERNAME=encoder\nMQTT_PASSWORD=%s\n' "$MQTT_ENCODER_PASSWORD" |
		put "$r/etc/skylapse/encoder.env" 600
	printf 'MQTT_USERNAME=transfer\nMQTT_PASSWORD=%s\n' "$MQTT_TRANSFER_PASSWORD" |
		put "$r/etc/skylapse/transfer.env" 600
	if [ ! -f "$r/etc/skylapse/config.json" ]; then
		# the units' default SKYLAPSE_CONFIG; skylapse.env points at this folder's
		$sudo ln -s "$config" "$r/etc/skylapse/config.json"
	fi
	broker=$r/var/lib/skylapse/broker
	# shellcheck disable=SC2046
	broker_passwords "$broker/passwd" | $sudo "$src/scripts/broker-users.sh" $(broker_args "$broker" "") ||
		die "scripts/broker-users.sh failed"
	units="skylapse-broker skylapse-scheduler skylapse-encoder skylapse-bridge skylapse-frontend skylapse-transfer"
	for u in $units; do
		put "$r/etc/systemd/system/$u.service" 644 <"$src/config/systemd/$u.service"
	done
	for u in skylapse-scheduler skylapse-encoder skylapse-bridge skylapse-frontend skylapse-transfer; do
		$sudo install -d -m 755 "$r/etc/systemd/system/$u.service.d"
		printf '# written by scripts/setup.sh: this folder'"'"'s data and user\n[Service]\nUser=%s\nGroup=%s\nReadWritePaths=%s %s %s\n' \
			"$owner" "$group" "$dir/data/images" "$dir/data/timelapses" "$dir/data/db" |
			put "$r/etc/systemd/system/$u.service.d/setup.conf" 644
	done
	if [ -n "$r" ]; then
		say "setup: systemd files written under $r (nothing installed or started)"
		return 0
	fi
	$sudo systemctl daemon-reload
	# shellcheck disable=SC2086
	$sudo systemctl enable --now $units || die "systemctl enable --now failed"
	# shellcheck disable=SC2086
	systemctl --no-pager status $units || true
}

case $start in
docker) start_docker ;;
systemd) start_systemd ;;
none)
	say ""
	say "Not started (--no-start, or neither a Docker engine nor systemd answered). To start:"
	say "  cd $dir && docker-compose -f docker-compose.prod.yml up -d --build    # with Docker"
	say "  $0 --dir $dir --yes --start systemd                                  # without"
	;;
esac

say ""
say "Skylapse server '$BACKEND_NAME' is set up."
say "  Frontend:        http://$SERVER_IP:$FRONTEND_PORT"
say "  Backend API:     http://$SERVER_IP:$BACKEND_PORT"
say "  Backend Health:  http://$SERVER_IP:$BACKEND_PORT/health"
say "  Backend Status:  http://$SERVER_IP:$BACKEND_PORT/status"
say "  Broker:          mqtt://$SERVER_IP:$MQTT_PORT (Home Assistant: user readonly, MQTT_READONLY_PASSWORD in .env)"
camera_opt=""
[ "$(host_id "$PI_HOST" "")" = "$CAMERA_ID" ] || camera_opt=" --camera $CAMERA_ID"
say "Next, the Pi (from a checkout holding data/broker/camera-$CAMERA_ID.env):"
say "  ./scripts/deploy-capture.sh $PI_HOST $PI_USER $BACKEND_NAME$camera_opt"
