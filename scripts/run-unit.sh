#!/bin/sh
# Runs each cmocka test binary given as an argument, letting each print its
# own summary; exits 1 if any failed, after running all of them.
failed=0
for t in "$@"; do
	case "$t" in *.so) continue ;; esac
	echo "== $t"
	"$t" || failed=1
done
exit $failed
