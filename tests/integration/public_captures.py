#!/usr/bin/env python3
"""Optional check against third-party captures kept beside the project
(../shared/captures/public): sipwatch must run on each without a crash or
sanitizer report, and, when tshark is installed, count exactly the SIP
messages tshark counts. Exits 77 (ctest: skipped) when the folder is absent.

One documented difference: on the bit-flipped fuzz capture, tshark's
"Number of SIP messages" leaves out the messages its own dissector flags as
malformed, while sipwatch counts every message it recognises as SIP and
reports the ones libosip2 rejects as parse errors; there the comparison is
with the frames tshark's display filter `sip` matches."""
import glob
import json
import os
import re
import shutil
import subprocess
import sys

SIPWATCH, FOLDER = sys.argv[1], sys.argv[2]
# Verdicts known from the captures' index (INDEX.txt beside them): rules that
# must fire, and rules that must not.
MUST = {
    "ipfixprobe_sip.pcap": {"auth-loop", "scanner"},
    "sngrep_aaa.pcap": {"auth-loop", "auth-rejected"},
    "zeek_wireshark.pcap": {"auth-loop", "auth-rejected"},
    "ndpi_webex.pcap": {"transaction-timeout"},
    "heplify_erspan_sip_ipv4_udp.pcapng": {"refer-failed"},
    "ndpi_FAX-Call-t38-CA-TDM-SIP-FB-1.pcap": {"codec-mismatch"},     # T.38 re-offers refused with 488
}
MUST_NOT = {
    "heplify_erspan_sip_ipv4_udp.pcapng": {"refer-no-notify", "auth-loop", "refer-stalled"},
    "arkime_gtp-iphone.pcap": {"refer-no-notify", "auth-loop"},
    "ndpi_sip_hello.pcapng": {"auth-loop", "auth-rejected"},
    "heplify_sip_ipv4_tcp_retrans.pcap": {"auth-loop"},
    "suricata_sip-pattern-matching_sip.pcap": {"auth-loop"},
    "heplify_sip_tcp_websocket.pcap": {"auth-loop"},
}
DECODE_AS = {"heplify_sip_ipv4_tcp_fragmented.pcap": ["-d", "tcp.port==6060,sip"]}
BY_FRAMES = {"ndpi_fuzz-2006-06-26-2594.pcap"}


def tshark_count(path):
    name = os.path.basename(path)
    extra = DECODE_AS.get(name, [])
    if name in BY_FRAMES:
        out = subprocess.run(["tshark", "-r", path, "-Y", "sip", "-T", "fields", "-e", "frame.number"] + extra,
                             capture_output=True, text=True, timeout=120).stdout
        return len(out.split())
    out = subprocess.run(["tshark", "-r", path, "-q", "-z", "sip,stat"] + extra,
                         capture_output=True, text=True, timeout=120).stdout
    m = re.search(r"Number of SIP messages: (\d+)", out)
    return int(m.group(1)) if m else None


def main():
    if not os.path.isdir(FOLDER):
        print(f"skipped: {FOLDER} is absent")
        return 77
    files = sorted(glob.glob(os.path.join(FOLDER, "*.pcap")) + glob.glob(os.path.join(FOLDER, "*.pcapng")))
    have_tshark = shutil.which("tshark") is not None
    failures = 0
    for path in files:
        name = os.path.basename(path)
        r = subprocess.run([SIPWATCH, "-r", path, "--json"], capture_output=True, text=True, timeout=120)
        problem = None
        if r.returncode not in (0, 1) or "Sanitizer" in r.stderr or "runtime error" in r.stderr:
            problem = f"exit {r.returncode}: {r.stderr.strip()[:300]}"
        got = None
        rules = set()
        if not problem:
            lines = [json.loads(l) for l in r.stdout.splitlines()]
            got = lines[-1]["sip_messages"]
            rules = {l["rule"] for l in lines if l["type"] == "finding"}
            if MUST.get(name, set()) - rules:
                problem = f"missing findings {sorted(MUST[name] - rules)}"
            elif MUST_NOT.get(name, set()) & rules:
                problem = f"wrong findings {sorted(MUST_NOT[name] & rules)}"
            if have_tshark:
                want = tshark_count(path)
                if want != got and not problem:
                    problem = f"sip_messages {got}, tshark {want}"
        print(f"{'FAIL' if problem else 'ok':4} {name:60} {problem or got} {sorted(rules) if not problem else ''}")
        failures += problem is not None
    if not have_tshark:
        print("tshark not installed: counts not compared")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
