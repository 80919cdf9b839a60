#!/bin/bash
# Check every pcaps/tls-*.pcap (TLS captures) against its .expect: the
# file must open in tshark and the counts tshark gives when it decrypts with
# NAME.keylog must match (for a capture whose .expect says "# counts: without
# the key log", the counts without it).  Usage: recipes/tls-verify.sh
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.." || exit 1
rc=0
: >/tmp/sipwatch-tls-nokeys
for p in tls-*.pcap; do
	e="${p%.pcap}.expect"; k="${p%.pcap}.keylog"
	if ! tshark -r "$p" >/dev/null 2>&1; then
		echo "FAIL $p: tshark cannot read it"; rc=1; continue
	fi
	if [ ! -f "$e" ] || [ ! -f "$k" ]; then
		echo "FAIL $p: no $e or $k"; rc=1; continue
	fi
	grep -q '^# counts: without the key log' "$e" && k=/tmp/sipwatch-tls-nokeys
	mapfile -t findings < <(awk '$1=="finding" {print $2}' "$e")
	if diff <(grep -v '^#' "$e" | sed 's/[[:space:]]*#.*//' | grep .) \
		<("$here/tls-expect.sh" "$p" "$k" "${findings[@]}" | grep -v '^#') >/tmp/sipwatch-tls-verify.diff; then
		echo "ok   $p"
	else
		echo "FAIL $p:"; sed 's/^/     /' /tmp/sipwatch-tls-verify.diff; rc=1
	fi
done
rm -f /tmp/sipwatch-tls-verify.diff /tmp/sipwatch-tls-nokeys
exit $rc
