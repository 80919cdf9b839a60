#!/usr/bin/env python3
"""End to end on generated traffic: sipwatch-gen writes a capture with a
known set of auth loops and lost NOTIFYs hidden among normal traffic
(challenged registrations, 407-challenged calls, completed transfers,
keepalives); sipwatch must report exactly that set: every injected problem
under its rule and Call-ID, and nothing else of warning severity or worse.
Usage: generated_verdicts.py SIPWATCH SIPWATCH_GEN MESSAGES"""
import json
import os
import subprocess
import sys
import tempfile

SIPWATCH, GEN, MESSAGES = sys.argv[1], sys.argv[2], sys.argv[3]
tmp = tempfile.mkdtemp(prefix="sipwatch-gen-")
pcap, manifest = os.path.join(tmp, "gen.pcap"), os.path.join(tmp, "gen.json")
subprocess.run([GEN, "-o", pcap, "-n", MESSAGES, "-c", "300", "-s", "7", "--auth-loops", "4",
                "--lost-notifies", "4", "--manifest", manifest], check=True, capture_output=True)
problems = json.load(open(manifest))["problems"]
want = {(p["type"], p["call_id"]) for p in problems}
run = subprocess.run([SIPWATCH, "-r", pcap, "--json"], capture_output=True, text=True, timeout=600)
lines = [json.loads(l) for l in run.stdout.splitlines()]
findings = [l for l in lines if l["type"] == "finding"]
got = {(f["rule"], f["call_id"]) for f in findings if f["severity"] in ("warning", "critical")}
stats = lines[-1]
print(f"{stats['sip_messages']} messages, {stats['correlator']['flows']} flows, "
      f"{len(want)} problems injected, {len(findings)} findings")
failed = False
for w in sorted(want - got):
    print("MISSING", w)
    failed = True
for g in sorted(got - want):
    print("UNEXPECTED", g)
    failed = True
if stats["sip_messages"] != int(MESSAGES):
    print("MISMATCH sip_messages", stats["sip_messages"])
    failed = True
if run.returncode != 1:
    print("MISMATCH exit status", run.returncode)
    failed = True
sys.exit(1 if failed else 0)
