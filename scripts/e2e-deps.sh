#!/bin/sh
# What the browser end-to-end tests (tests/e2e/) need beyond the build:
# Debian's Chromium and the npm packages (playwright-core drives Chromium;
# no browser is downloaded from anywhere else). Installs only what is missing.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

if [ ! -x /usr/bin/chromium ]; then
	echo "skylapse: installing Debian's chromium for the browser tests" >&2
	if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -qq
	$sudo apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core
fi
# also installs playwright-core when node_modules is missing or stale
scripts/dashboard-vendor.sh
if [ ! -f node_modules/playwright-core/package.json ]; then
	npm ci --no-audit --no-fund --loglevel=error >&2
fi
