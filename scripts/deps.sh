#!/bin/sh
# Install the Debian packages of scripts/packages.txt that are missing.
# Uses apt-get as root, or sudo otherwise; does nothing when all are present.
set -eu
here=$(dirname "$0")
want=$(grep -v '^#' "$here/packages.txt" | grep -v '^$')
missing=""
for p in $want; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
# the dashboard's chart library comes from npm: any Node.js with npm will do
# (Debian's, or one installed another way), so it is checked by command
if ! command -v npm >/dev/null 2>&1; then
	missing="$missing nodejs npm"
fi
[ -z "$missing" ] && exit 0
echo "skylapse: installing Debian packages:$missing" >&2
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing
