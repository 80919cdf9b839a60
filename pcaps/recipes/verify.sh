#!/bin/bash
# Check that every pcaps/*.pcap opens with tshark and that its .expect counts
# match what tshark/capinfos report now (finding lines are taken from the
# .expect itself); the TLS captures are tls-verify.sh's.  Usage: recipes/verify.sh   (exit status 1 on mismatch)
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.."
rc=0
for p in *.pcap; do
	case "$p" in tls-*) continue ;; esac	# with their key logs: tls-verify.sh
	e="${p%.pcap}.expect"
	if ! tshark -r "$p" >/dev/null 2>&1; then
		echo "FAIL $p: tshark cannot read it"; rc=1; continue
	fi
	if [ ! -f "$e" ]; then
		echo "FAIL $p: no $e"; rc=1; continue
	fi
	mapfile -t findings < <(awk '$1=="finding" {$1=""; sub(/^ /, ""); print}' "$e")
	if diff <(grep -v '^#' "$e" | sed 's/[[:space:]]*#.*//' | grep .) \
		<("$here/expect.sh" "$p" "${findings[@]}" | grep -v '^#') >/tmp/sipwatch-verify.diff; then
		echo "ok   $p"
	else
		echo "FAIL $p:"; sed 's/^/     /' /tmp/sipwatch-verify.diff; rc=1
	fi
done
rm -f /tmp/sipwatch-verify.diff
exit $rc
