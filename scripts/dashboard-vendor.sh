#!/usr/bin/env bash
# Puts the dashboard's third-party browser files in dashboard/vendor/.
#
# The dashboard is plain ES modules served as they are (no build step); the
# only outside code it loads is uPlot, which comes from npm (package.json,
# exact version, package-lock.json) and is copied here so that the bridge
# serves it from the LAN: no CDN, works offline. dashboard/vendor/ is not
# committed. `make` runs this; npm is only asked when node_modules is
# missing or older than the lock file.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

if [ ! -f node_modules/uplot/dist/uPlot.esm.js ] ||
	[ package-lock.json -nt node_modules/.package-lock.json ]; then
	if ! command -v npm >/dev/null 2>&1; then
		echo "skylapse: npm is missing (install Node.js 20 and npm) to fetch the dashboard's chart library" >&2
		exit 1
	fi
	echo "skylapse: installing npm packages (package-lock.json)" >&2
	npm ci --no-audit --no-fund --loglevel=error >&2
fi

mkdir -p dashboard/vendor
for f in uPlot.esm.js uPlot.min.css; do
	src=node_modules/uplot/dist/$f
	if ! cmp -s "$src" "dashboard/vendor/$f"; then
		cp "$src" "dashboard/vendor/$f.tmp"
		mv "dashboard/vendor/$f.tmp" "dashboard/vendor/$f"
	fi
done
cp node_modules/uplot/LICENSE dashboard/vendor/uPlot.LICENSE 2>/dev/null || true
# make compares this file's time with package-lock.json's
touch dashboard/vendor/uPlot.esm.js
