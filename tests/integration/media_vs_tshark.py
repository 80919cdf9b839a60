#!/usr/bin/env python3
"""Per-stream RTP figures against tshark: for every capture in pcaps/ with a
NAME.rtp-streams file (the output of `tshark -q -z rtp,streams`, stored when
the capture was made), and, when a folder of public captures is given and
tshark is installed, for the public captures that carry RTP (tshark run
now), each stream tshark lists (source, destination, SSRC) must be in
sipwatch's --calls JSON `media` arrays with the same packet count and lost
count, and max and mean jitter within 0.01 ms (in a public capture, a
stream neither of whose ends any SIP message's SDP announces, found by
tshark's heuristic, is outside sipwatch's scope and skipped). Exits 77 (skipped) when the
public folder or tshark is absent."""
import glob
import json
import os
import re
import shutil
import subprocess
import sys

PUBLIC_WITH_RTP = ["heplify_rtp_rtcp_sip_ipv4_udp.pcap", "sngrep_aaa.pcap"]
ROW = re.compile(r"^\s*[\d.]+\s+[\d.]+\s+(\S+)\s+(\d+)\s+(\S+)\s+(\d+)\s+(0x[0-9A-Fa-f]+)\s+(.*?)\s+(\d+)\s+"
                 r"(-?\d+) \([-\d.]+%\)\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+([\d.]+)\s+([\d.]+)")


def endpoint(ip, port):
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def parse_streams(text):
    streams = {}
    for line in text.splitlines():
        m = ROW.match(line)
        if m:
            key = (endpoint(m[1], m[2]), endpoint(m[3], m[4]), "0x%08X" % int(m[5], 16))
            streams[key] = {"packets": int(m[7]), "lost": int(m[8]), "jitter_mean_ms": float(m[9]),
                            "jitter_max_ms": float(m[10])}
    return streams


def expect_args(pcap):
    args = []
    path = pcap[:-5] + ".expect"
    if os.path.exists(path):
        for line in open(path):
            if line.startswith("args "):
                args += line.split()[1:]
    return args


def sipwatch_streams(sipwatch, pcap):
    run = subprocess.run([sipwatch, "-r", pcap, "--calls", "--json"] + expect_args(pcap), capture_output=True,
                         text=True, timeout=300)
    streams = {}
    for line in run.stdout.splitlines():
        rec = json.loads(line)
        if rec.get("type") != "call":
            continue
        for s in rec.get("media", []):
            streams[(s["src"], s["dst"], s["ssrc"])] = s
    return streams


def announced_by_sip(pcap):
    """Endpoints (ip:port) the SDP of SIP messages announces, as tshark reads them."""
    out = subprocess.run(["tshark", "-n", "-r", pcap, "-Y", "sip && sdp", "-T", "fields", "-E", "aggregator=,",
                          "-e", "sdp.connection_info.address", "-e", "sdp.media.port"],
                         capture_output=True, text=True, timeout=300).stdout
    eps = set()
    for line in out.splitlines():
        cols = line.split("\t")
        if len(cols) == 2 and cols[0] and cols[1]:
            for port in cols[1].split(","):
                eps.add(endpoint(cols[0].split(",")[-1], port))
    return eps


def compare(name, want, got, announced=None):
    failures = 0
    for key, w in sorted(want.items()):
        g = got.get(key)
        if g is None and announced is not None and key[0] not in announced and key[1] not in announced:
            print(f"skipped  {name}: stream {key} is not announced in the SDP of any SIP message")
            continue
        if g is None:
            print(f"MISMATCH {name}: stream {key} missing from sipwatch")
            failures += 1
            continue
        bad = [f for f in ("packets", "lost") if g[f] != w[f]]
        bad += [f for f in ("jitter_mean_ms", "jitter_max_ms") if abs(g[f] - w[f]) > 0.01]
        status = "MISMATCH" if bad else "ok"
        print(f"{status:8} {name}: {key[0]} -> {key[1]} {key[2]}: packets {g['packets']}/{w['packets']} "
              f"lost {g['lost']}/{w['lost']} jitter mean {g['jitter_mean_ms']}/{w['jitter_mean_ms']} "
              f"max {g['jitter_max_ms']}/{w['jitter_max_ms']} (sipwatch/tshark)")
        failures += bool(bad)
    return failures


def main():
    sipwatch, pcaps = sys.argv[1], sys.argv[2]
    public = sys.argv[3] if len(sys.argv) > 3 else None
    failures = checked = 0
    if public is None:
        for ref in sorted(glob.glob(os.path.join(pcaps, "*.rtp-streams"))):
            pcap = ref[:-len(".rtp-streams")] + ".pcap"
            failures += compare(os.path.basename(pcap), parse_streams(open(ref).read()),
                                sipwatch_streams(sipwatch, pcap))
            checked += 1
        if checked == 0:
            print("no .rtp-streams files")
            return 1
    else:
        if not os.path.isdir(public) or not shutil.which("tshark"):
            print("public captures or tshark absent: skipped")
            return 77
        for name in PUBLIC_WITH_RTP:
            pcap = os.path.join(public, name)
            if not os.path.exists(pcap):
                continue
            out = subprocess.run(["tshark", "-n", "-r", pcap, "-q", "-o", "rtp.heuristic_rtp:TRUE", "-z",
                                  "rtp,streams"], capture_output=True, text=True, timeout=300).stdout
            failures += compare(name, parse_streams(out), sipwatch_streams(sipwatch, pcap), announced_by_sip(pcap))
            checked += 1
        if checked == 0:
            return 77
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
