#!/bin/bash
# Check the HEP captures in pcaps/ (hep-*.pcap):
#  - NAME-wire.pcap: its .expect counts match tshark/capinfos now (as
#    verify.sh does for pcaps/);
#  - the HEP captures: their .expect counts match what recipes/hep-decode.py
#    --counts prints now (with the options named on the .expect's first line);
#  - NAME.compare: recipes/hep-compare.py (the command on its first line)
#    prints the same now, i.e. the HEP messages pair with the wire ones;
#  - NAME.cases (hep-malformed): each frame decodes, drops or is not HEP as
#    the case says.
# Usage: recipes/verify-hep.sh   (exit status 1 on mismatch)
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.." || exit 1
rc=0
diffs="$(mktemp /tmp/sipwatch-verify-hep.XXXXXX)"
counts() { grep -v '^#' "$1" | sed 's/[[:space:]]*#.*//' | grep . | grep -v '^finding '; }
for p in hep-*.pcap; do
	n="${p%.pcap}"
	if ! tshark -r "$p" >/dev/null 2>&1; then
		echo "FAIL $p: tshark cannot read it"; rc=1; continue
	fi
	if [ ! -f "$n.expect" ]; then
		echo "FAIL $p: no $n.expect"; rc=1; continue
	fi
	case "$n" in
	*-wire)
		diff <(counts "$n.expect") \
			<("$here/expect.sh" "$p" none | grep -v '^#' | grep -v '^finding ') >"$diffs"
		;;
	*)
		opts="$(head -1 "$n.expect" | sed -n 's/^# decoded with recipes\/hep-decode.py --counts *//p')"
		# shellcheck disable=SC2086  # the options are plain words
		diff <(counts "$n.expect") <(python3 "$here/hep-decode.py" --counts $opts "$p" 2>/dev/null) >"$diffs"
		;;
	esac
	if [ -s "$diffs" ]; then
		echo "FAIL $p (.expect):"; sed 's/^/     /' "$diffs"; rc=1; continue
	fi
	if [ -f "$n.compare" ]; then
		cmd="$(head -1 "$n.compare" | sed 's/^# //')"
		# shellcheck disable=SC2086
		if ! diff <(tail -n +2 "$n.compare") <(python3 $cmd) >"$diffs"; then
			echo "FAIL $p (.compare):"; sed 's/^/     /' "$diffs"; rc=1; continue
		fi
	fi
	if [ -f "$n.cases" ]; then
		want="$(awk '$1=="frame" {print $2, $3}' "$n.cases")"
		got="$(python3 "$here/hep-decode.py" "$p" 2>/dev/null | awk '{
			v = ($2 == "DROP") ? "dropped" : ($2 == "NOT-HEP") ? "not-hep" : "decoded"
			print $1, v }')"
		if ! diff <(echo "$want") <(echo "$got") >"$diffs"; then
			echo "FAIL $p (.cases):"; sed 's/^/     /' "$diffs"; rc=1; continue
		fi
	fi
	echo "ok   $p"
done
rm -f "$diffs"
exit $rc
