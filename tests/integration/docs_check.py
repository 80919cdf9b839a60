#!/usr/bin/env python3
"""Keeps the public interface documented: every option that `sipwatch --help`
lists, every top-level field of the JSON stats line, and every exit status
must appear in both README.md and man/sipwatch.8; the man page must pass
`mandoc -T lint` when mandoc is installed."""
import json
import os
import re
import shutil
import subprocess
import sys

SIPWATCH, ROOT = sys.argv[1], sys.argv[2]
readme = open(os.path.join(ROOT, "README.md")).read()
man_src = open(os.path.join(ROOT, "man", "sipwatch.8")).read()
man = man_src.replace("\\-", "-").replace("\\fB", "").replace("\\fR", "").replace("\\fI", "")

failures = []
help_text = subprocess.run([SIPWATCH, "--help"], capture_output=True, text=True).stdout
options = sorted(set(re.findall(r"(--[a-z][a-z-]+)", help_text)))
if len(options) < 10:
    failures.append(f"--help lists too few options: {options}")
for opt in options:
    if opt not in readme:
        failures.append(f"README.md does not mention {opt}")
    if opt not in man:
        failures.append(f"man/sipwatch.8 does not mention {opt}")

pcap = os.path.join(ROOT, "pcaps", "register-401-200-udp.pcap")
out = subprocess.run([SIPWATCH, "-r", pcap, "--json"], capture_output=True, text=True).stdout
stats = json.loads(out.splitlines()[-1])
for field in stats:
    if f"`{field}`" not in readme:
        failures.append(f"README.md does not document the JSON field {field}")
    if field not in man:
        failures.append(f"man/sipwatch.8 does not document the JSON field {field}")

for status in re.findall(r"(\d) [a-z]", help_text.split("Exit status:")[1]):
    if f"| {status} |" not in readme:
        failures.append(f"README.md does not document exit status {status}")
    if f".B {status}\n" not in man_src:
        failures.append(f"man/sipwatch.8 does not document exit status {status}")

if shutil.which("mandoc"):
    lint = subprocess.run(["mandoc", "-T", "lint", os.path.join(ROOT, "man", "sipwatch.8")],
                          capture_output=True, text=True)
    if lint.returncode != 0 or lint.stdout.strip() or lint.stderr.strip():
        failures.append("mandoc -T lint: " + (lint.stdout + lint.stderr).strip())

for f in failures:
    print("FAILED:", f)
print(f"checked {len(options)} options, {len(stats)} JSON fields")
sys.exit(1 if failures else 0)
