# check-common.sh - what make fresh-check, docker-check and systemd-check share; sourced.
#
# Set before sourcing: `check`, the check's name for its lines, and `keep_env`, the
# variables (comma-separated) kept when the script runs itself again under sudo: every check
# needs root. Gives say, pass and fail (a failed step ends the check), the steps passed
# (check_passed prints them), free_port, wait_for, health, and `commit`: the commit the check
# clones, with a line when uncommitted changes are left out of it.
# shellcheck shell=bash disable=SC2154 # check and keep_env are the sourcing script's
if [ "$(id -u)" -ne 0 ]; then
	exec sudo --preserve-env="$keep_env" "$0" "$@"
fi
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
t0=$SECONDS
passed=()

say() { printf '%s: %s\n' "$check" "$*" >&2; }
pass() {
	passed+=("$*")
	say "ok ($((SECONDS - t0))s): $*"
}
fail() {
	say "FAILED ($((SECONDS - t0))s): $*"
	exit 1
}
check_passed() {
	say "PASSED in $((SECONDS - t0))s ($commit):"
	for p in "${passed[@]}"; do say "  $p"; done
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("", 0)); print(s.getsockname()[1])'
}
wait_for() { # seconds, what failed, then the command that must succeed
	local limit=$((SECONDS + $1)) what=$2
	shift 2
	until "$@"; do
		[ "$SECONDS" -lt "$limit" ] || fail "$what"
		sleep 0.5
	done
}
health() { # port: a bridge's /health answers with the broker connected
	curl -fsS "http://127.0.0.1:$1/health" 2>/dev/null | grep -q '"mqtt": *"connected"'
}

commit=$(git -C "$root" rev-parse HEAD)
if [ -n "$(git -C "$root" status --porcelain --untracked-files=no)" ]; then
	say "uncommitted changes are not checked: what is checked is a clone of $commit"
fi
