#!/bin/bash
# Re-create every capture in pcaps/ and pcaps/pending/ (and its .expect),
# one recipe at a time (the HEP recipes last).
# Needs root (network namespaces, capture).  Usage: recipes/run-all.sh [NAME...]
set -euo pipefail
cd "$(dirname "$0")"
if [ $# -gt 0 ]; then
	list=("$@")
else
	list=()
	for f in *.sh; do
		case "$f" in lib.sh|lib-*.sh|run-all.sh|verify*.sh|expect.sh|tls-expect.sh|tls-verify.sh|hep-*.sh) continue ;; esac
		list+=("${f%.sh}")
	done
	# the HEP recipes last: they replay or mangle captures made above
	for f in hep-*.sh; do
		list+=("${f%.sh}")
	done
fi
rc=0
logs="$(mktemp -d /tmp/sipwatch-recipe-logs.XXXXXX)"
for n in "${list[@]}"; do
	echo "=== $n"
	if ! timeout 180 "./$n.sh" >"$logs/$n.log" 2>&1; then
		echo "FAILED: $n (log: $logs/$n.log)"
		rc=1
	fi
done
./verify.sh || rc=1
./verify-media.sh || rc=1
# TLS captures (pcaps/tls-*, checked with their key logs)
./tls-verify.sh || rc=1
./verify-hep.sh || rc=1
if [ $rc = 0 ]; then rm -rf "$logs"; else echo "logs kept in $logs"; fi
exit $rc
