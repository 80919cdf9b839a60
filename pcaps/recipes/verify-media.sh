#!/bin/bash
# Check the media captures in pcaps/: each opens with tshark, its
# .expect counts match what tshark/capinfos report now (finding lines are
# taken from the .expect itself), and its .rtp-streams file is what the
# tshark command on its first line prints now.
# Usage: recipes/verify-media.sh   (exit status 1 on mismatch)
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.." || exit 1
rc=0
diffs="$(mktemp /tmp/sipwatch-verify-media.XXXXXX)"
for p in media-*.pcap; do
	n="${p%.pcap}"
	if ! tshark -r "$p" >/dev/null 2>&1; then
		echo "FAIL $p: tshark cannot read it"; rc=1; continue
	fi
	if [ ! -f "$n.expect" ] || [ ! -f "$n.rtp-streams" ]; then
		echo "FAIL $p: no $n.expect or $n.rtp-streams"; rc=1; continue
	fi
	mapfile -t findings < <(awk '$1=="finding" {sub(/^finding[ \t]+/, ""); print}' "$n.expect")
	if ! diff <(grep -v '^#' "$n.expect" | grep -v '^args ' | sed 's/[[:space:]]*#.*//' | grep .) \
		<("$here/expect.sh" "$p" "${findings[@]}" | grep -v '^#') >"$diffs"; then
		echo "FAIL $p (.expect):"; sed 's/^/     /' "$diffs"; rc=1; continue
	fi
	cmd="$(head -1 "$n.rtp-streams" | sed 's/^# //')"
	case "$cmd" in
	"tshark -n -r $p "*) ;;
	*) echo "FAIL $p: first line of $n.rtp-streams is not its tshark command"; rc=1; continue ;;
	esac
	# the command line holds only plain words (no quoting needed)
	if ! diff <(tail -n +2 "$n.rtp-streams") <($cmd 2>/dev/null) >"$diffs"; then
		echo "FAIL $p (.rtp-streams):"; sed 's/^/     /' "$diffs"; rc=1; continue
	fi
	echo "ok   $p"
done
rm -f "$diffs"
exit $rc
