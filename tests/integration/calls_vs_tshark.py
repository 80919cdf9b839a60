#!/usr/bin/env python3
"""Checks sipwatch's call records against tshark: for every INVITE call in
each capture (a Call-ID with an INVITE without To tag), the final status of
its latest initial INVITE as a tshark field dump gives it must equal the
`final_status` of sipwatch's --calls record. Captures: pcaps/*.pcap, and the
folder of third-party captures instead when given (skipped when absent).

usage: calls_vs_tshark.py SIPWATCH PCAPS_DIR [PUBLIC_DIR]"""
import glob
import json
import os
import shutil
import subprocess
import sys

DECODE_AS = {"heplify_sip_ipv4_tcp_fragmented.pcap": ["-d", "tcp.port==6060,sip"]}


def tshark_calls(path):
    fields = ["sip.Call-ID", "sip.Method", "sip.CSeq.method", "sip.CSeq.seq", "sip.Status-Code", "sip.to.tag"]
    cmd = ["tshark", "-n", "-r", path, "-Y", "sip", "-T", "fields", "-E", "separator=\t", "-E", "occurrence=f"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd + DECODE_AS.get(os.path.basename(path), []), capture_output=True, text=True,
                         timeout=300).stdout
    initial, finals = {}, {}
    for line in out.splitlines():
        cols = (line.split("\t") + [""] * 6)[:6]
        call_id, method, cseq_method, cseq, status, to_tag = cols
        if not call_id or not cseq.isdigit():
            continue
        if method == "INVITE" and not to_tag:
            initial[call_id] = max(initial.get(call_id, 0), int(cseq))
        elif status and cseq_method == "INVITE" and int(status) >= 200:
            # The latest final decides, but a call answered on one branch of a
            # fork stays answered whatever the other branches say.
            prev = finals.setdefault(call_id, {}).get(int(cseq))
            if not (prev and 200 <= prev < 300):
                finals[call_id][int(cseq)] = int(status)
    return {cid: finals.get(cid, {}).get(cseq) for cid, cseq in initial.items()}


def sipwatch_calls(sipwatch, path):
    r = subprocess.run([sipwatch, "-r", path, "--json", "--calls"], capture_output=True, text=True, timeout=300)
    calls = {}
    for line in r.stdout.splitlines():
        d = json.loads(line)
        if d.get("type") == "call" and d["method"] == "INVITE":
            calls[d["call_id"]] = d["final_status"]     # the last record of a Call-ID wins
    return calls


def main():
    if not shutil.which("tshark"):
        print("tshark is not installed: skipped")
        return 77
    sipwatch, pcaps = sys.argv[1], sys.argv[2]
    files = sorted(glob.glob(os.path.join(pcaps, "*.pcap")))
    # HEP captures: tshark 4.0 has no HEP dissector; their wire twins are checked
    # here, and hep_test.py compares each HEP capture's calls with its twin's.
    files = [f for f in files if not (os.path.basename(f).startswith("hep-") and not f.endswith("-wire.pcap"))]
    if len(sys.argv) > 3:               # the third-party captures only
        if not os.path.isdir(sys.argv[3]):
            print(f"skipped: {sys.argv[3]} is absent")
            return 77
        files = sorted(glob.glob(os.path.join(sys.argv[3], "*.pcap*")))
    failures = 0
    for path in files:
        want, got = tshark_calls(path), sipwatch_calls(sipwatch, path)
        problems = []
        for cid, status in sorted(want.items()):
            if cid not in got:
                problems.append(f"no call record for {cid[:40]}")
            elif got[cid] != status:
                problems.append(f"{cid[:40]}: final status {got[cid]}, tshark {status}")
        extra = set(got) - set(want)
        if extra:
            problems.append(f"{len(extra)} INVITE calls tshark does not see")
        print(f"{'FAIL' if problems else 'ok':4} {os.path.basename(path):58} {len(want)} INVITE calls "
              f"{'; '.join(problems[:3])}")
        failures += bool(problems)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
