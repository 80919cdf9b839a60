#!/usr/bin/env python3
"""Runs two sipwatch binaries on the same captures and shows every difference
in their findings and stats lines: the check that a refactoring changed
nothing an operator sees. Captures: pcaps/*.pcap and, when present,
../shared/captures/public/*.pcap*, or the files given with --captures.

usage: tests/compare_verdicts.py OLD_SIPWATCH NEW_SIPWATCH [--captures FILE...]
       [--ignore FIELD,...]   (stats or finding fields to leave out, e.g. correlator.peers)
Exit 0 when nothing differs, 1 otherwise."""
import argparse
import glob
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(binary, capture):
    r = subprocess.run([binary, "-r", capture, "--json"], capture_output=True, text=True, timeout=600)
    lines = [json.loads(l) for l in r.stdout.splitlines() if l.strip()]
    return r.returncode, lines


def flatten(obj, prefix=""):
    out = {}
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.update(flatten(v, f"{prefix}{k}."))
    else:
        out[prefix[:-1]] = obj
    return out


def compare(name, old, new, ignore):
    diffs = []
    (rc_a, a), (rc_b, b) = old, new
    if rc_a != rc_b:
        diffs.append(f"exit status {rc_a} -> {rc_b}")
    fa = [flatten(l) for l in a if l.get("type") == "finding"]
    fb = [flatten(l) for l in b if l.get("type") == "finding"]
    if len(fa) != len(fb):
        diffs.append(f"{len(fa)} findings -> {len(fb)}")
    for i, (x, y) in enumerate(zip(fa, fb)):
        for k in sorted(set(x) | set(y)):
            if k in ignore or x.get(k) == y.get(k):
                continue
            diffs.append(f"finding {i + 1} {k}: {str(x.get(k))[:120]!r} -> {str(y.get(k))[:120]!r}")
    sa = flatten(a[-1]) if a else {}
    sb = flatten(b[-1]) if b else {}
    for k in sorted(set(sa) | set(sb)):
        if k in ignore or sa.get(k) == sb.get(k):
            continue
        diffs.append(f"stats {k}: {sa.get(k)!r} -> {sb.get(k)!r}")
    for d in diffs:
        print(f"{name}: {d}")
    return not diffs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--captures", nargs="*")
    ap.add_argument("--ignore", default="source")
    args = ap.parse_args()
    ignore = set(args.ignore.split(",")) if args.ignore else set()
    captures = args.captures
    if not captures:
        captures = sorted(glob.glob(os.path.join(ROOT, "pcaps", "*.pcap")))
        public = os.path.join(ROOT, "..", "shared", "captures", "public")
        captures += sorted(glob.glob(os.path.join(public, "*.pcap")) + glob.glob(os.path.join(public, "*.pcapng")))
    same = 0
    for c in captures:
        same += compare(os.path.basename(c), run(args.old, c), run(args.new, c), ignore)
    print(f"{same} of {len(captures)} captures identical")
    return 0 if same == len(captures) else 1


if __name__ == "__main__":
    sys.exit(main())
