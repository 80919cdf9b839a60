#!/usr/bin/env python3
"""Runs sipwatch --json on one capture from pcaps/ and checks its stats line
against the capture's .expect file (counts verified with tshark when the
capture was made; keys: packets, sip_messages, requests.METHOD,
responses.CODE, ip_fragments_reassembled, tcp_streams), and its findings
against the `finding RULE [SEVERITY]` lines (`finding none` = a healthy
capture; an `args ...` line adds sipwatch arguments for that capture): the set of rules that fired must be exactly the expected set, a
rule given a severity must have that as its worst, and the exit status 1
exactly when a finding is of warning severity or worse.

SIP over TLS: when NAME.keylog sits beside NAME.pcap, sipwatch gets it with
--tls-keylog. The comment lines `# tls_not_decrypted REASON N` and
`# tls_decrypted N` are checked against the stats' tls object; a capture
with a connection not decrypted must not get OK from --check."""
import json
import os
import re
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
            if key == "args":               # extra sipwatch arguments for this capture
                expect.setdefault("__args", []).extend(value.split())
                continue
            if key == "finding":
                expect.setdefault("__findings", set())
                words = value.split()
                if words[0] != "none":
                    expect["__findings"].add(words[0])
                    if len(words) > 1:      # "finding RULE SEVERITY": its worst severity
                        expect.setdefault("__severity", {})[words[0]] = words[1]
                continue
            expect[key] = int(value.split()[0])
    return expect


def load_tls_expect(path):
    """The `# tls_not_decrypted REASON N` and `# tls_decrypted N` comments."""
    want = {}
    with open(path) as f:
        for line in f:
            m = re.match(r"#\s*tls_not_decrypted\s+(\w+)\s+(\d+)", line)
            if m:
                want[m.group(1)] = int(m.group(2))
            m = re.match(r"#\s*tls_decrypted\s+(\d+)", line)
            if m:
                want["__decrypted"] = int(m.group(1))
    return want


def check_tls(sipwatch, pcap, keylog_args, stats, tls_want):
    """The TLS reasons, and --check never OK about what was not decrypted."""
    failures = 0
    tls = stats.get("tls", {})
    for reason, n in sorted(tls_want.items()):
        got = tls.get("decrypted") if reason == "__decrypted" else tls.get("not_decrypted", {}).get(reason)
        name = "tls.decrypted" if reason == "__decrypted" else f"tls.not_decrypted.{reason}"
        print(f"{'ok' if got == n else 'MISMATCH':8} {name:28} expected {n:6} got {got}")
        failures += got != n
    if any(v for k, v in tls_want.items() if k != "__decrypted"):
        chk = subprocess.run([sipwatch, "-r", pcap, "--check"] + keylog_args, capture_output=True, text=True,
                             timeout=120)
        ok = chk.returncode != 0 and not chk.stdout.startswith("SIPWATCH OK") and "TLS" in chk.stdout
        print(f"{'ok' if ok else 'MISMATCH':8} --check not OK               got {chk.returncode} {chk.stdout.strip()}")
        failures += not ok
    return failures


# HEP captures: .expect keys of recipes/hep-decode.py and where sipwatch's
# stats line has them (not_hep: UDP that is not HEP, no counter of its own).
HEP_KEYS = {"hep_packets": ("decoded",), "hep_dropped": ("dropped",),
            "hep_payload_not_sip": ("payload_not_sip",), "hep_unknown_chunks": ("unknown_chunks",),
            "hep_version": ("versions",), "hep_node": ("nodes",), "hep_payload_type": ("payload_types",)}


def actual_value(stats, key):
    group = key.split(".", 1)[0]
    if group in HEP_KEYS:
        hep = stats.get("hep", {})
        value = hep.get(HEP_KEYS[group][0], 0)
        return value.get(key.split(".", 1)[1], 0) if "." in key else value
    if "." in key:
        group, name = key.split(".", 1)
        return stats.get(group, {}).get(name, 0)
    return stats.get(key)


def main():
    sipwatch, pcap, expect_path = sys.argv[1:4]
    keylog = os.path.splitext(pcap)[0] + ".keylog"
    keylog_args = ["--tls-keylog", keylog] if os.path.exists(keylog) else []
    expect = load_expect(expect_path)
    extra = expect.pop("__args", [])
    run = subprocess.run([sipwatch, "-r", pcap, "--json"] + keylog_args + extra, capture_output=True, text=True,
                         timeout=120)
    if run.returncode not in (0, 1):
        print(f"sipwatch exited {run.returncode}: {run.stderr}")
        return 1
    lines = [json.loads(l) for l in run.stdout.splitlines() if l.strip()]
    stats = lines[-1]
    if stats.get("type") != "stats":
        print("last JSON line is not the stats line")
        return 1
    want_rules = expect.pop("__findings", None)
    want_severity = expect.pop("__severity", {})
    # Every request and response kind seen must be expected too.
    for group in ("requests", "responses"):
        for name in stats.get(group, {}):
            expect.setdefault(f"{group}.{name}", 0)
    failures = 0
    expect.pop("not_hep", None)
    for key, want in sorted(expect.items()):
        got = actual_value(stats, key)
        status = "ok" if got == want else "MISMATCH"
        if got != want:
            failures += 1
        print(f"{status:8} {key:28} expected {want:6} got {got}")
    findings = [l for l in lines if l.get("type") == "finding"]
    got_rules = {f["rule"] for f in findings}
    if want_rules is not None:
        ok = got_rules == want_rules
        print(f"{'ok' if ok else 'MISMATCH':8} findings                     expected {sorted(want_rules) or 'none'} "
              f"got {sorted(got_rules) or 'none'}")
        failures += not ok
        for f in findings:
            print(f"         [{f['severity']}] {f['rule']}: {f['summary']}")
    order = ["info", "warning", "critical"]
    for rule, sev in sorted(want_severity.items()):
        worst = max((order.index(f["severity"]) for f in findings if f["rule"] == rule), default=-1)
        got = order[worst] if worst >= 0 else "none"
        print(f"{'ok' if got == sev else 'MISMATCH':8} severity of {rule:16} expected {sev:8} got {got}")
        failures += got != sev
    serious = any(f["severity"] in ("warning", "critical") for f in findings)
    if run.returncode != (1 if serious else 0):
        print(f"MISMATCH exit status {run.returncode}, expected {1 if serious else 0}")
        failures += 1
    failures += check_tls(sipwatch, pcap, keylog_args, stats, load_tls_expect(expect_path))
    if stats.get("parse_errors"):
        print(f"MISMATCH parse_errors {stats['parse_errors']} (captures made by real SIP software parse cleanly)")
        failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
