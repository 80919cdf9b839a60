#!/usr/bin/env python3
"""SIP over TLS against tshark: on every pcaps/tls-*.pcap, sipwatch with
--tls-keylog NAME.keylog must count the same SIP messages (in all, by request
method and by response status) as `tshark -o tls.keylog_file:NAME.keylog -q
-z sip,stat`. A capture whose connections sipwatch reports as an unsupported
suite (tshark decrypts CBC, sipwatch does not) is compared with tshark
without the key log instead. Skipped (77) without tshark.
Usage: tls_vs_tshark.py SIPWATCH PCAPS_DIR"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys


def tshark_counts(pcap, keylog):
    args = ["tshark", "-r", pcap, "-q", "-z", "sip,stat"]
    if keylog:
        args[1:1] = ["-o", f"tls.keylog_file:{keylog}"]
    out = subprocess.run(args, capture_output=True, text=True, timeout=300).stdout
    total = re.search(r"Number of SIP messages: (\d+)", out)
    counts = {"sip_messages": int(total.group(1)) if total else 0}
    for code, n in re.findall(r"^\s*SIP (\d{3}) .*?:\s+(\d+) Packets", out, re.M):
        counts[f"responses.{code}"] = counts.get(f"responses.{code}", 0) + int(n)
    in_methods = False
    for line in out.splitlines():
        if "List of SIP Request methods" in line:
            in_methods = True
            continue
        m = re.match(r"^\s+([A-Z]+)\s+:\s+(\d+) Packets", line)
        if in_methods and m:
            counts[f"requests.{m.group(1)}"] = int(m.group(2))
        elif in_methods and line.startswith("*"):
            in_methods = False
    return counts


def sipwatch_counts(sipwatch, pcap, keylog):
    r = subprocess.run([sipwatch, "-r", pcap, "--json", "--tls-keylog", keylog], capture_output=True, text=True,
                       timeout=300)
    stats = json.loads(r.stdout.splitlines()[-1])
    counts = {"sip_messages": stats["sip_messages"]}
    for k, v in stats.get("requests", {}).items():
        counts[f"requests.{k}"] = v
    for k, v in stats.get("responses", {}).items():
        counts[f"responses.{k}"] = v
    return counts, stats.get("tls", {})


def main():
    sipwatch, pcaps = sys.argv[1:3]
    if not shutil.which("tshark"):
        print("tshark not installed: skipped")
        return 77
    captures = sorted(glob.glob(os.path.join(pcaps, "tls-*.pcap")))
    if not captures:
        print(f"no tls-*.pcap in {pcaps}")
        return 1
    failures = 0
    for pcap in captures:
        keylog = pcap[:-5] + ".keylog"
        if not os.path.exists(keylog):
            print(f"MISMATCH {os.path.basename(pcap)}: no key log")
            failures += 1
            continue
        ours, tls = sipwatch_counts(sipwatch, pcap, keylog)
        unsupported = tls.get("not_decrypted", {}).get("unsupported", 0)
        theirs = tshark_counts(pcap, None if unsupported else keylog)
        keys = sorted(set(ours) | set(theirs))
        bad = [f"{k}: sipwatch {ours.get(k, 0)} tshark {theirs.get(k, 0)}" for k in keys
               if ours.get(k, 0) != theirs.get(k, 0)]
        note = " (unsupported suite: against tshark without the key log)" if unsupported else ""
        if bad:
            failures += 1
            print(f"MISMATCH {os.path.basename(pcap)}{note}: " + "; ".join(bad))
        else:
            print(f"ok       {os.path.basename(pcap)}: {ours['sip_messages']} SIP messages{note}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
