#!/usr/bin/env python3
"""Runs sipwatch --json on one capture from pcaps/ and checks its stats line
against the capture's .expect file (counts verified with tshark when the
capture was made). Keys: packets, sip_messages, requests.METHOD,
responses.CODE, ip_fragments_reassembled, tcp_streams; `finding` lines are
checked by the diagnosis tests."""
import json
import subprocess
import sys


def load_expect(path):
    expect = {}
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            key, value = line.split(None, 1)
            if key == "finding":
                continue
            expect[key] = int(value.split()[0])
    return expect


def actual_value(stats, key):
    if "." in key:
        group, name = key.split(".", 1)
        return stats.get(group, {}).get(name, 0)
    return stats.get(key)


def main():
    sipwatch, pcap, expect_path = sys.argv[1:4]
    run = subprocess.run([sipwatch, "-r", pcap, "--json"], capture_output=True, text=True, timeout=120)
    if run.returncode not in (0, 1):
        print(f"sipwatch exited {run.returncode}: {run.stderr}")
        return 1
    lines = [json.loads(l) for l in run.stdout.splitlines() if l.strip()]
    stats = lines[-1]
    if stats.get("type") != "stats":
        print("last JSON line is not the stats line")
        return 1
    expect = load_expect(expect_path)
    # Every request and response kind seen must be expected too.
    for group in ("requests", "responses"):
        for name in stats.get(group, {}):
            expect.setdefault(f"{group}.{name}", 0)
    failures = 0
    for key, want in sorted(expect.items()):
        got = actual_value(stats, key)
        status = "ok" if got == want else "MISMATCH"
        if got != want:
            failures += 1
        print(f"{status:8} {key:28} expected {want:6} got {got}")
    if stats.get("parse_errors"):
        print(f"MISMATCH parse_errors {stats['parse_errors']} (captures made by real SIP software parse cleanly)")
        failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
