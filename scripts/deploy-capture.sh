#!/bin/sh
# deploy-capture.sh - put the capture agent on a Raspberry Pi, as in the seed guide:
#
#   ./scripts/deploy-capture.sh helios.local pi dagon
#
# From this checkout, over SSH: checks the Pi answers, copies the sources
# (rsync, else tar), installs the Debian packages of scripts/packages-pi.txt,
# builds and installs skylapse-capture, its libcamera plugin and
# skylapse-bridge (for the seed's HTTP calls on port 8080), lists the camera,
# checks the GPU memory split (gpu_mem=256), writes the systemd units with
# Environment="PRIMARY_BACKEND=<primary_backend>" and the broker settings of
# data/broker/camera-<id>.env (written by setup.sh on the server), starts them
# and prints how to verify. With --edge-broker the Pi also runs its own
# mosquitto (broker/edge.conf, skylapse-edge-broker.service) bridged to the
# server's broker with the camera's user; the agent and the compatibility
# API then talk to it on 127.0.0.1 (for a Pi on flaky Wi-Fi: see README,
# "Edge broker"). Every remote step is a script sent to `sh -s`;
# --dry-run prints them instead (passwords masked). Steps the Pi cannot do
# (no systemd, no vcgencmd) are reported, never pretended.
# Exit codes: 0 deployed, 1 bad usage, 2 a step failed or the service could
# not be installed.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=${here%/*}

usage() {
	cat <<EOF
usage: $0 <pi_host> <pi_user> <primary_backend> [options]

  <primary_backend>     the only backend whose capture requests the Pi runs;
                        it MUST equal BACKEND_NAME in the server's .env
  --dry-run             print every remote command instead of running it
  --port N              SSH port of the Pi (default 22)
  --identity FILE       SSH private key (default: ssh's own)
  --ssh-option OPT      extra ssh option, as ssh -o OPT (repeatable)
  --camera ID           camera id (default: the broker settings' CAMERA_ID,
                        else the first label of pi_host)
  --broker-env FILE     broker settings (default data/broker/camera-<id>.env)
  --broker URL          broker URL, instead of the file's MQTT_URL
  --remote-dir DIR      sources on the Pi, relative to its home or absolute
                        (default skylapse)
  --prefix DIR          where the programs are installed on the Pi
                        (default /usr/local)
  --images-dir DIR      the frames folder on the Pi, absolute (default
                        ~/skylapse-images; the server's PI_SOURCE)
  --no-compat           skip the port 8080 compatibility API
  --edge-broker         run a mosquitto on the Pi, bridged to the server's
                        broker; the agent talks to it on 127.0.0.1
  --help                this text
EOF
}

die_usage() {
	echo "deploy-capture: $*" >&2
	echo "deploy-capture: try --help" >&2
	exit 1
}

die() {
	echo "deploy-capture: $*" >&2
	exit 2
}

# q VALUE: VALUE quoted for a POSIX shell.
q() {
	printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

plain() { # a value used unquoted in ssh and rsync command lines
	case $2 in '' | *[!A-Za-z0-9._/~:@%+=,-]*) die_usage "$1 '$2': use letters, digits and . _ / ~ : @ % + = , -" ;; esac
}

dry=0
port=22
identity=""
ssh_extra=""
camera=""
broker_env=""
broker_url=""
rdir=skylapse
prefix=/usr/local
images=""
compat=1
edge=0
npos=0

need_arg() {
	[ "$2" -ge 2 ] || die_usage "$1 needs a value"
}

while [ $# -gt 0 ]; do
	case $1 in
	--dry-run) dry=1; shift ;;
	--port) need_arg "$1" $#; port=$2; shift 2 ;;
	--identity) need_arg "$1" $#; plain "$1" "$2"; identity=$2; shift 2 ;;
	--ssh-option) need_arg "$1" $#; plain "$1" "$2"; ssh_extra="$ssh_extra -o $2"; shift 2 ;;
	--camera) need_arg "$1" $#; camera=$2; shift 2 ;;
	--broker-env) need_arg "$1" $#; broker_env=$2; shift 2 ;;
	--broker) need_arg "$1" $#; broker_url=$2; shift 2 ;;
	--remote-dir) need_arg "$1" $#; rdir=$2; shift 2 ;;
	--prefix) need_arg "$1" $#; prefix=$2; shift 2 ;;
	--images-dir) need_arg "$1" $#; images=$2; shift 2 ;;
	--no-compat) compat=0; shift ;;
	--edge-broker) edge=1; shift ;;
	--help | -h) usage; exit 0 ;;
	-*) die_usage "unknown option '$1'" ;;
	*)
		npos=$((npos + 1))
		case $npos in
		1) pi_host=$1 ;;
		2) pi_user=$1 ;;
		3) primary=$1 ;;
		*) die_usage "unexpected argument '$1'" ;;
		esac
		shift
		;;
	esac
done
[ "$npos" -eq 3 ] || { usage >&2; exit 1; }

plain "pi_host" "$pi_host"
plain "pi_user" "$pi_user"
case $primary in '' | *[!a-z0-9_-]*) die_usage "primary_backend '$primary' must match [a-z0-9_-]+" ;; esac
case $port in '' | *[!0-9]*) die_usage "--port '$port' is not a number" ;; esac
# ~/x is the same as x: ssh and rsync start in the Pi user's home
rdir=${rdir#\~/}
plain "--remote-dir" "$rdir"
plain "--prefix" "$prefix"
case $prefix in /*) ;; *) die_usage "--prefix '$prefix' must be absolute" ;; esac
if [ -n "$images" ]; then
	plain "--images-dir" "$images"
	case $images in /*) ;; *) die_usage "--images-dir '$images' must be absolute" ;; esac
fi

# --- the broker settings of this camera --------------------------------------

# KEY's value in file $2 (read as text, never sourced).
env_get() {
	sed -n "s/^$1=//p" "$2" | tail -n 1
}

if [ -z "$camera" ] && [ -z "$broker_env" ]; then
	case $pi_host in
	*[!0-9.]*) camera=$(printf '%s' "${pi_host%%.*}" | tr '[:upper:]' '[:lower:]' | tr -c 'a-z0-9_-' '-') ;;
	*)
		# an address: the one camera the server set up, if there is one
		set -- "$root"/data/broker/camera-*.env
		if [ "$#" -ne 1 ] || [ ! -f "$1" ]; then die_usage "$pi_host is an address: give --camera ID"; fi
		broker_env=$1
		;;
	esac
fi
[ -n "$broker_env" ] || broker_env=$root/data/broker/camera-$camera.env

mqtt_user="" mqtt_pass="" topic_root="" ha_prefix=""
if [ -f "$broker_env" ]; then
	[ -n "$camera" ] || camera=$(env_get CAMERA_ID "$broker_env")
	[ -n "$broker_url" ] || broker_url=$(env_get MQTT_URL "$broker_env")
	mqtt_user=$(env_get MQTT_USERNAME "$broker_env")
	mqtt_pass=$(env_get MQTT_PASSWORD "$broker_env")
	topic_root=$(env_get MQTT_TOPIC_ROOT "$broker_env")
	ha_prefix=$(env_get HA_DISCOVERY_PREFIX "$broker_env")
	acl_primary=$(env_get PRIMARY_BACKEND "$broker_env")
	if [ -n "$acl_primary" ] && [ "$acl_primary" != "$primary" ]; then
		echo "deploy-capture: warning: the server was set up for backend '$acl_primary'; its broker lets only" >&2
		echo "  that backend send capture requests. Run scripts/setup.sh --backend-name $primary there too." >&2
	fi
elif [ -z "$broker_url" ]; then
	msg="no broker settings: $broker_env is missing. Copy it from the server
  (scp <server>:<skylapse>/data/broker/camera-$camera.env data/broker/), or give --broker URL"
	[ "$dry" -eq 1 ] || die "$msg"
	echo "deploy-capture: warning: $msg" >&2
	broker_url="mqtt://<server>:1883"
fi
case $camera in '' | *[!a-z0-9_-]*) die_usage "camera id '$camera' must match [a-z0-9_-]+ (--camera)" ;; esac
case $broker_url in mqtt://* | mqtts://*) ;; *) die_usage "broker URL '$broker_url' must start with mqtt:// or mqtts://" ;; esac
[ "$broker_url" = "mqtt://<server>:1883" ] || plain "broker URL" "$broker_url"
plain "MQTT_USERNAME" "${mqtt_user:-x}"
case $mqtt_pass in *[!A-Za-z0-9._~+=-]*) die_usage "MQTT_PASSWORD in $broker_env: use letters, digits and . _ ~ + = -" ;; esac
topic_dir=${topic_root:-skylapse}

# The agent's broker: the server's, or with --edge-broker the Pi's own, whose
# bridge logs in to the server's as the camera (the agent needs no password).
agent_url=$broker_url
edge_address=""
if [ "$edge" -eq 1 ]; then
	plain "MQTT_TOPIC_ROOT" "$topic_dir"
	plain "HA_DISCOVERY_PREFIX" "${ha_prefix:=homeassistant}"
	agent_url=mqtt://127.0.0.1:1883
	edge_address=${broker_url#*://}
	edge_tls="#" # bridge_capath stays commented out
	case $broker_url in mqtts://*) edge_tls="" ;; esac
	case $edge_address in
	*:*) ;;
	*) edge_address=$edge_address:$([ -n "$edge_tls" ] && echo 1883 || echo 8883) ;;
	esac
fi

# --- running things on the Pi ------------------------------------------------

target=$pi_user@$pi_host
ssh_opts="-p $port -o BatchMode=yes -o ConnectTimeout=10"
[ -z "$identity" ] || ssh_opts="$ssh_opts -i $identity -o IdentitiesOnly=yes"
ssh_opts="$ssh_opts$ssh_extra"
step_no=0

step() {
	step_no=$((step_no + 1))
	printf '\ndeploy-capture: [%s] %s\n' "$step_no" "$*"
}

# remote SCRIPT: runs SCRIPT with sh on the Pi (sent on stdin, so nothing of
# it shows in the Pi's process list); --dry-run prints it. Returns its status.
remote() {
	if [ "$dry" -eq 1 ]; then
		printf "+ ssh %s %s sh -s <<'REMOTE'\n%s\nREMOTE\n" "$ssh_opts" "$target" "$1"
		return 0
	fi
	# shellcheck disable=SC2086 # ssh_opts holds plain words
	printf '%s\n' "$1" | ssh $ssh_opts "$target" sh -s
}

# Root on the Pi without a password prompt (no terminal here): sudo -n, which
# Raspberry Pi OS's first user may run; nothing when logged in as root.
# shellcheck disable=SC2016 # expanded on the Pi
sudo_line='if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo -n"; fi'

d=$(q "$rdir")
p=$(q "$prefix")
programs="skylapse-capture skylapse-bridge"
[ "$compat" -eq 1 ] || programs="skylapse-capture"

# --- 1. reachable ------------------------------------------------------------

step "checking that $target answers over SSH (port $port)"
check_script="echo \"host: \$(hostname) (\$(uname -m)), user \$(id -un)\"
echo \"home: \$HOME\"
mkdir -p $d
if command -v rsync >/dev/null 2>&1; then echo 'rsync: yes'; else echo 'rsync: no'; fi"
if [ "$dry" -eq 1 ]; then
	remote "$check_script"
	has_rsync=yes
	# a Debian user's home; the real run asks the Pi
	if [ "$pi_user" = root ]; then home=/root; else home=/home/$pi_user; fi
else
	if ! info=$(remote "$check_script"); then
		echo "deploy-capture: cannot log in to $target with a key (ssh BatchMode)." >&2
		echo "  Check the Pi is on the network, then set up the key: ssh-copy-id -p $port $target" >&2
		exit 2
	fi
	printf '%s\n' "$info" | grep -v '^rsync:\|^home:'
	has_rsync=$(printf '%s\n' "$info" | sed -n 's/^rsync: //p')
	home=$(printf '%s\n' "$info" | sed -n 's/^home: //p')
fi
# the Pi's folders: frames in ~/skylapse-images (PI_SOURCE on the server)
case $rdir in /*) adir=$rdir ;; *) adir=$home/$rdir ;; esac
[ -n "$images" ] || images=$home/skylapse-images

# --- 2. sources --------------------------------------------------------------

excludes="/build/ /data/ /node_modules/ /.git /.env /bench/out/ /tests/e2e/screenshots/ __pycache__/ /~/ /docker-compose.prod.yml"
step "copying the sources to $target:$rdir"
if [ "$has_rsync" = yes ] && command -v rsync >/dev/null 2>&1; then
	set -f
	ex=""
	for e in $excludes; do ex="$ex --exclude=$e"; done
	set +f
	if [ "$dry" -eq 1 ]; then
		printf '+ rsync -a --delete%s -e "ssh %s" %s/ %s:%s/\n' "$ex" "$ssh_opts" "$root" "$target" "$rdir"
	else
		# shellcheck disable=SC2086 # plain words
		rsync -a --delete $ex -e "ssh $ssh_opts" "$root/" "$target:$rdir/" || die "rsync to $target failed"
	fi
else
	set -f
	ex=""
	for e in $excludes; do
		case $e in /*) ex="$ex --exclude=.${e%/}" ;; *) ex="$ex --exclude=${e%/}" ;; esac
	done
	set +f
	if [ "$dry" -eq 1 ]; then
		printf '+ tar -C %s -cf -%s . | ssh %s %s tar -xf - -C %s\n' "$root" "$ex" "$ssh_opts" "$target" "$d"
	else
		# shellcheck disable=SC2086 # plain words
		tar -C "$root" -cf - $ex . | ssh $ssh_opts "$target" tar -xf - -C "$d" ||
			die "copying with tar over ssh failed"
	fi
fi

# --- 3. packages ---------------------------------------------------------------

edge_packages=""
[ "$edge" -eq 0 ] || edge_packages=mosquitto # the edge broker
step "installing the missing packages of scripts/packages-pi.txt${edge_packages:+ and $edge_packages}"
remote "set -e
cd $d
$sudo_line
if ! command -v dpkg-query >/dev/null 2>&1; then
	echo 'packages: not a Debian system; install the packages of scripts/packages-pi.txt by hand'
	exit 0
fi
missing=''
for pkg in \$(grep -v '^#' scripts/packages-pi.txt) $edge_packages; do
	dpkg-query -W -f='\${Status}' \"\$pkg\" 2>/dev/null | grep -q 'install ok installed' || missing=\"\$missing \$pkg\"
done
if [ -z \"\$missing\" ]; then
	echo 'packages: all present'
	exit 0
fi
echo \"packages: installing\$missing\"
\$SUDO apt-get update -qq
\$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \$missing" ||
	die "installing packages on $target failed (sudo without a password is needed)"

# --- 4. build and install ------------------------------------------------------

build_targets=$(for x in $programs; do printf 'build/bin/%s ' "$x"; done)
build_targets=${build_targets% }
step "building and installing $programs on $target (prefix $prefix)"
remote "set -e
cd $d
$sudo_line
# the packages were handled above: the Makefile must not run scripts/deps.sh
mkdir -p build && touch build/.deps-ok
targets='$build_targets'
if pkg-config --exists libcamera; then
	targets=\"\$targets build/lib/skylapse/camera-libcamera.so\"
else
	echo 'warning: libcamera-dev is missing: no camera plugin (only the sim and dir sources)'
fi
make -s -j\"\$(nproc)\" \$targets
if mkdir -p $p 2>/dev/null && [ -w $p ]; then SUDO=''; fi
\$SUDO make -s install-bin PREFIX=$p INSTALL_PROGRAMS='$programs'
echo \"installed: \$(ls $p/bin | grep '^skylapse-' | tr '\\n' ' ')\"" ||
	die "the build on $target failed"

# --- 5. camera -------------------------------------------------------------------

step "looking for the camera (skylapse-capture --list-cameras --source libcamera)"
camera_ok=yes
remote "SKYLAPSE_CONFIG=$(q "$adir/config/config.json") $prefix/bin/skylapse-capture --list-cameras --source libcamera" ||
	camera_ok=no
if [ "$camera_ok" = no ]; then
	echo "deploy-capture: warning: no camera found. Check the ribbon cable and 'libcamera-hello --list-cameras';"
	echo "  the agent starts anyway, reports camera_ready: false and retries every 30 s."
fi

# --- 6. GPU memory -------------------------------------------------------------

step "checking the GPU memory split (vcgencmd get_mem gpu, at least 256 MB)"
gpu=ok
remote "$sudo_line
if ! command -v vcgencmd >/dev/null 2>&1; then
	echo 'gpu: vcgencmd is not installed here (not Raspberry Pi OS?): memory split not checked'
	exit 3
fi
mem=\$(vcgencmd get_mem gpu | tr -cd '0-9')
echo \"gpu: \${mem:-?} MB\"
[ -n \"\$mem\" ] && [ \"\$mem\" -lt 256 ] || exit 0
cfg=/boot/firmware/config.txt
[ -f \"\$cfg\" ] || cfg=/boot/config.txt
\$SUDO sed -i '/^gpu_mem=/d' \"\$cfg\"
echo 'gpu_mem=256' | \$SUDO tee -a \"\$cfg\" >/dev/null
echo \"gpu: set gpu_mem=256 in \$cfg\"
exit 4" || gpu=$?
case $gpu in
ok | 0) gpu=ok ;;
3) gpu=unavailable ;;
4) gpu=reboot ;;
*) die "the GPU memory step failed on $target" ;;
esac

# --- 7. systemd units --------------------------------------------------------------

# The Pi's settings: identity and broker URL in the units (systemctl show
# lists them), the password in /etc/skylapse/skylapse.env, mode 600.
env_file() { # $1: the password to write
	printf 'CAMERA_ID=%s\n' "$camera"
	if [ "$edge" -eq 0 ]; then
		[ -z "$mqtt_user" ] || printf 'MQTT_USERNAME=%s\n' "$mqtt_user"
		[ -z "$1" ] || printf 'MQTT_PASSWORD=%s\n' "$1"
	fi
	[ -z "$topic_root" ] || printf 'MQTT_TOPIC_ROOT=%s\n' "$topic_root"
}
units="skylapse-capture"
[ "$compat" -eq 0 ] || units="$units skylapse-bridge-pi"
[ "$edge" -eq 0 ] || units="skylapse-edge-broker $units"

# broker/edge.conf for this camera (without its header, which names the
# placeholders); $1: the password to write. An anonymous server: no login.
edge_conf() {
	echo "# Written by scripts/deploy-capture.sh --edge-broker from broker/edge.conf,"
	echo "# which says what each line is for."
	sed -e '1,/^$/d' \
		-e "s|@DATA_DIR@|/var/lib/skylapse-edge-broker|" \
		-e "s|@ADDRESS@|$edge_address|" \
		-e "s|@USERNAME@|$mqtt_user|" \
		-e "s|@PASSWORD@|$1|" \
		-e "s|^@TLS@|$edge_tls|" \
		-e "s|@CAMERA_HA@|$(printf '%s' "$camera" | tr - _)|g" \
		-e "s|@CAMERA@|$camera|g" \
		-e "s|@ROOT@|$topic_dir|g" \
		-e "s|@HA@|$ha_prefix|g" \
		"$root/broker/edge.conf" |
		if [ -n "$mqtt_user" ]; then cat; else grep -v '^remote_username \|^remote_password '; fi
}

# A unit of config/systemd as this Pi needs it.
render_unit() {
	sed -e "s|^User=pi\$|User=$pi_user|" \
		-e "s|/usr/local/bin/|$prefix/bin/|" \
		-e "s|^Documentation=file:/usr/local/|Documentation=file:$prefix/|" \
		-e "s|^ReadWritePaths=-/home/pi/skylapse-images\$|ReadWritePaths=-$images|" \
		-e "s|^Environment=\"PRIMARY_BACKEND=.*\"\$|Environment=\"PRIMARY_BACKEND=$primary\"|" \
		-e "s|^Environment=\"MQTT_URL=.*\"\$|Environment=\"MQTT_URL=$agent_url\"|" \
		-e "s|^Environment=\"CAMERA_ID=.*\"\$|Environment=\"CAMERA_ID=$camera\"|" \
		-e "s|^Environment=\"IMAGES_DIR=.*\"\$|Environment=\"IMAGES_DIR=$images\"|" \
		-e "s|^Environment=\"SKYLAPSE_CONFIG=.*\"\$|Environment=\"SKYLAPSE_CONFIG=$adir/config/config.json\"|" \
		"$root/config/systemd/$1.service"
}

# The remote script of the last step: the units and the settings file are
# written into the sources' build/systemd/ (kept, for reference), then
# installed when systemd runs there. $1: the password to write.
units_script() {
	# shellcheck disable=SC2016 # $out is the Pi's
	printf 'set -e\n%s\nout=%s/build/systemd\nmkdir -p "$out" %s\n' "$sudo_line" "$(q "$adir")" "$(q "$images")"
	for u in $units; do
		printf "cat >\"\$out/%s.service\" <<'UNIT'\n%s\nUNIT\n" "$u" "$(render_unit "$u")"
	done
	printf "(umask 077 && cat >\"\$out/skylapse.env\" <<'ENV'\n%s\nENV\n)\n" "$(env_file "$1")"
	[ "$edge" -eq 0 ] ||
		printf "(umask 077 && cat >\"\$out/edge-broker.conf\" <<'CONF'\n%s\nCONF\n)\n" "$(edge_conf "$1")"
	cat <<SCRIPT
echo "units: written to \$out: $units"
if [ ! -d /run/systemd/system ] || ! command -v systemctl >/dev/null 2>&1; then
	echo "systemd: not running on \$(hostname): the units were not installed nor started"
	exit 3
fi
\$SUDO install -d -m 755 /etc/skylapse
\$SUDO install -m 600 "\$out/skylapse.env" /etc/skylapse/skylapse.env
SCRIPT
	[ "$edge" -eq 0 ] || cat <<SCRIPT
# the edge broker: the camera's password readable by mosquitto only; Debian's
# own mosquitto.service would take the same port
\$SUDO install -m 640 -g mosquitto "\$out/edge-broker.conf" /etc/skylapse/edge-broker.conf
\$SUDO systemctl disable --now mosquitto.service 2>/dev/null || true
SCRIPT
	cat <<SCRIPT
for u in $units; do
	\$SUDO install -m 644 "\$out/\$u.service" /etc/systemd/system/
done
\$SUDO systemctl daemon-reload
\$SUDO systemctl enable $units
# Type=notify: restart returns once the agent said READY=1 (or failed)
\$SUDO systemctl restart $units
systemctl --no-pager --lines=5 status $units
SCRIPT
}

step "writing the systemd units (PRIMARY_BACKEND=$primary, broker $agent_url${edge_address:+ bridged to $edge_address}) and starting them"
service=started
if [ "$dry" -eq 1 ]; then
	remote "$(units_script "${mqtt_pass:+********}")"
else
	remote "$(units_script "$mqtt_pass")" || service=$?
fi
case $service in
started | 0) service=started ;;
3) service=unavailable ;;
*) die "installing or starting the units on $target failed (journalctl -u skylapse-capture on the Pi says why)" ;;
esac

# --- how to verify -------------------------------------------------------------------

sshp=""
[ "$port" = 22 ] || sshp=" -p $port"
printf '\ndeploy-capture: summary for %s (camera %s, PRIMARY_BACKEND=%s)\n' "$pi_host" "$camera" "$primary"
if [ "$dry" -eq 1 ]; then
	echo "  dry run: nothing was run on $pi_host"
else
	echo "  camera:  $([ "$camera_ok" = yes ] && echo detected || echo 'not detected')"
	case $gpu in
	ok) echo "  gpu:     memory split ok" ;;
	unavailable) echo "  gpu:     vcgencmd unavailable: not checked" ;;
	reboot) echo "  gpu:     gpu_mem=256 set: REBOOT NEEDED: ssh$sshp $target 'sudo reboot'" ;;
	esac
	case $service in
	started) echo "  service: $units installed and started" ;;
	unavailable) echo "  service: systemd unavailable on $pi_host: units written to $rdir/build/systemd/, not installed" ;;
	esac
fi
cat <<EOF

Verify:
  ssh$sshp $target 'sudo systemctl status skylapse-capture'
  ssh$sshp $target 'sudo journalctl -u skylapse-capture -f'
  ssh$sshp $target 'sudo systemctl show skylapse-capture | grep PRIMARY_BACKEND'
  curl http://$pi_host:8080/status
EOF
[ "$edge" -eq 0 ] || cat <<EOF
  ssh$sshp $target 'sudo journalctl -u skylapse-edge-broker'
  mosquitto_sub -h <server> -u readonly -P <MQTT_READONLY_PASSWORD> -t '$topic_dir/$camera/edge' -v   # 1: bridged
EOF
cat <<EOF
  mosquitto_sub -h <server> -u readonly -P <MQTT_READONLY_PASSWORD> -t '$topic_dir/$camera/#' -v
EOF
[ "$dry" -eq 1 ] || [ "$service" = started ] || exit 2
