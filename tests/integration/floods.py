#!/usr/bin/env python3
"""Floods and hostile bytes, from small generated captures: a flood of
Call-IDs to a dead server must still be reported when flows.max evicts their
flows; a registration failure storm spread over more sources than the peer
table holds must be reported; escape sequences, BEL and invalid UTF-8 in
captured headers must reach no text sink raw, and JSON must keep every key.

usage: floods.py SIPWATCH CASE
       floods.py - gen-flood|gen-storm N OUT.pcap   (the benchmark's big captures)"""
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile

SIPWATCH, CASE = sys.argv[1], sys.argv[2]
TMP = tempfile.mkdtemp(prefix="sipwatch-flood-")
T0 = 1700000000


def expect(cond, what):
    if not cond:
        print("FAILED:", what)
        sys.exit(1)


def frame(src, sport, dst, dport, payload):
    udp = struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, bytes(src), bytes(dst))
    return b"\x00\x01\x02\x03\x04\x05\x00\x01\x02\x03\x04\x06\x08\x00" + ip + udp


def write_pcap(name, packets):
    """packets: (seconds since T0, frame bytes), in time order."""
    path = os.path.join(TMP, name)
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for t, fr in packets:
            sec = T0 + int(t)
            usec = int((t - int(t)) * 1e6)
            f.write(struct.pack("<IIII", sec, usec, len(fr), len(fr)) + fr)
    return path


def sip_request(method, callid, branch, cseq, frm, to, extra=b""):
    return (b"%s sip:%s@192.0.2.10 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-%s\r\n"
            b"From: <sip:%s@pbx.test>;tag=f%s\r\nTo: <sip:%s@pbx.test>\r\nCall-ID: %s\r\nCSeq: %d %s\r\n"
            b"%sContent-Length: 0\r\n\r\n" % (method, to, branch, frm, branch, to, callid, cseq, method, extra))


def run(args):
    return subprocess.run([SIPWATCH] + args, capture_output=True, timeout=300)


def json_lines(out):
    return [json.loads(l) for l in out.decode().splitlines() if l.strip()]


def flood_pcap(name, n, seconds=59.0):
    """n INVITEs with new Call-IDs in `seconds` to a server that never answers."""
    server = [192, 0, 2, 10]
    pkts = []
    for i in range(n):
        src = [10, 1 + (i >> 16), (i >> 8) & 0xFF, i & 0xFF]
        msg = sip_request(b"INVITE", b"flood-%d" % i, b"%d" % i, 1, b"u%d" % i, b"500")
        pkts.append((seconds * i / n, frame(src, 5060, server, 5060, msg)))
    return write_pcap(name, pkts)


def storm_pcap(name, n, seconds=130.0):
    """n sources, each a REGISTER with credentials refused with 403."""
    server = [192, 0, 2, 10]
    pkts = []
    for i in range(n):
        src = [10, 2 + (i >> 16), (i >> 8) & 0xFF, i & 0xFF]
        auth = b'Authorization: Digest username="u%d", realm="pbx.test", nonce="x", uri="sip:pbx.test", ' \
               b'response="%032d"\r\n' % (i, i)
        req = sip_request(b"REGISTER", b"reg-%d" % i, b"r%d" % i, 2, b"u%d" % i, b"u%d" % i, auth)
        resp = req.split(b"\r\n", 1)[1]
        resp = b"SIP/2.0 403 Forbidden\r\n" + resp.replace(auth, b"")
        t = seconds * i / n
        pkts.append((t, frame(src, 5060, server, 5060, req)))
        pkts.append((t + 0.002, frame(server, 5060, src, 5060, resp)))
    return write_pcap(name, pkts)


def case_flood_dead_server():
    # 3,000 INVITEs with new Call-IDs in 59 s to a server that never answers,
    # with room for 1,000 flows: two thirds of them are evicted while waiting.
    path = flood_pcap("flood.pcap", 3000)
    r = run(["-r", path, "--json", "--set", "flows.max=1000"])
    lines = json_lines(r.stdout)
    stats = lines[-1]
    tt = [l for l in lines if l["type"] == "finding" and l["rule"] == "transaction-timeout"
          and l["severity"] == "critical"]
    expect(tt, f"a dead server under a flood is reported: {[(l['rule'], l['severity']) for l in lines[:-1]]}")
    expect("192.0.2.10:5060" in tt[0]["summary"], tt[0]["summary"])
    expect(stats["correlator"]["flows_evicted"] > 0, "flows were evicted")
    expect(stats["correlator"]["transactions_evicted_pending"] >= 1900,
           f"evicted waiting transactions counted: {stats['correlator']['transactions_evicted_pending']}")
    expect(any("tracking limits" in s for s in stats["not_inspected"]), f"limits said: {stats['not_inspected']}")
    r = run(["-r", path, "--check", "--set", "flows.max=1000"])
    expect(r.returncode == 2 and b"CRITICAL" in r.stdout, f"--check: {r.stdout!r}")
    rep = run(["-r", path, "--report", "--set", "flows.max=1000"]).stdout.decode()
    expect("tracking limits were hit" in rep, "the report says the limits were hit")


def case_flood_answered_server():
    # The same flood answered at once: no timeout, though flows are evicted.
    server = [192, 0, 2, 10]
    pkts = []
    n = 3000
    for i in range(n):
        src = [10, 1, (i >> 8) & 0xFF, i & 0xFF]
        req = sip_request(b"OPTIONS", b"busy-%d" % i, b"%d" % i, 1, b"u%d" % i, b"500")
        resp = req.replace(b"OPTIONS sip:500@192.0.2.10 SIP/2.0", b"SIP/2.0 200 OK", 1)
        t = 59.0 * i / n
        pkts.append((t, frame(src, 5060, server, 5060, req)))
        pkts.append((t + 0.001, frame(server, 5060, src, 5060, resp)))
    path = write_pcap("busy.pcap", pkts)
    lines = json_lines(run(["-r", path, "--json", "--set", "flows.max=1000"]).stdout)
    expect(not [l for l in lines if l["type"] == "finding"], f"no finding: {lines[:-1]}")


def case_registration_storm():
    # 20,000 sources (more than the peer table's 16,384), each a REGISTER
    # with credentials refused with 403, over two minutes: per-source counts
    # are lost, the capture-wide minute is not.
    path = storm_pcap("storm.pcap", 20000)
    lines = json_lines(run(["-r", path, "--json"]).stdout)
    stats = lines[-1]
    expect(stats["correlator"]["peers_evicted"] > 0, "the peer table did evict")
    dist = [l for l in lines if l["type"] == "finding" and l["rule"] == "scanner" and l["key"] == "distributed"]
    expect(dist, f"distributed storm reported, got {len(lines) - 1} other findings")
    expect(dist[0]["severity"] == "critical", dist[0]["severity"])
    others = [l for l in lines if l["type"] == "finding" and l["rule"] == "auth-rejected"]
    expect(len(others) <= 2 * 300, f"a storm is one finding, not one per Call-ID: {len(others)} auth-rejected")
    srcs = dist[0]["details"]["sources_per_minute"]
    expect(5000 <= srcs <= 15000, f"about 9,000 sources a minute, estimated {srcs}")


HOSTILE_UA = b"friendly-scanner \x1b]0;OWNED\x07\x1b[2J\xff\xfe\xc3"
HOSTILE_CALLID = b"evil-\xff\xfe-\x1b[31m-id"


def hostile_pcap():
    server = [192, 0, 2, 10]
    src = [198, 51, 100, 7]
    pkts = []
    for i in range(3):
        req = sip_request(b"OPTIONS", HOSTILE_CALLID + b"%d" % i, b"h%d" % i, 1, b"100", b"100",
                          b"User-Agent: " + HOSTILE_UA + b"\r\n")
        pkts.append((i * 0.5, frame(src, 5060, server, 5060, req)))
    return write_pcap("hostile.pcap", pkts)


def clean(data, what):
    for bad in (b"\x1b", b"\x07", b"\xff", b"\xfe"):
        expect(bad not in data, f"{what} passes {bad!r} through: {data[:300]!r}")
    data.decode("utf-8")        # valid UTF-8, or this raises


def case_hostile_text():
    path = hostile_pcap()
    r = run(["-r", path, "--json"])
    clean(r.stdout, "--json")
    lines = json_lines(r.stdout)
    findings = [l for l in lines if l["type"] == "finding"]
    expect(findings, "the scanner finding is there")
    for f in findings:
        expect(f.get("summary") and "summary" in f and "call_id" in f, f"keys kept: {sorted(f)}")
        expect(f["call_id"] and f["call_id"].startswith("evil-"), f"call_id kept: {f['call_id']!r}")
    for args, what in ((["--report"], "--report"), (["--dump"], "--dump"), (["--check"], "--check")):
        clean(run(["-r", path] + args).stdout, what)
    alerts = os.path.join(TMP, "alerts.json")
    run(["-r", path, "--no-ui", "--alert-json", alerts, "--alert-severity", "info"])
    with open(alerts, "rb") as f:
        data = f.read()
    clean(data, "--alert-json")
    for line in data.decode().splitlines():
        expect("summary" in json.loads(line), "alert keeps its summary")
    # syslog lines and the alert command's SIPWATCH_* variables.
    sock_path = os.path.join(TMP, "log.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    srv.bind(sock_path)
    srv.settimeout(5)
    env_out = os.path.join(TMP, "env.txt")
    run(["-r", path, "--no-ui", "--alert-severity", "info", "--syslog", "--syslog-socket", sock_path,
         "--alert-exec", "env | grep ^SIPWATCH_ >> " + env_out])
    clean(srv.recv(8192), "syslog")
    srv.close()
    with open(env_out, "rb") as f:
        env = f.read()
    expect(b"SIPWATCH_SUMMARY=" in env and b"SIPWATCH_CALL_ID=evil-" in env, f"exec variables: {env[:200]!r}")
    clean(env, "--alert-exec variables")


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}

if __name__ == "__main__":
    if CASE in ("gen-flood", "gen-storm"):         # for bench/floods.sh: gen-flood|gen-storm N OUT
        TMP = os.path.dirname(os.path.abspath(sys.argv[4]))
        (flood_pcap if CASE == "gen-flood" else storm_pcap)(os.path.basename(sys.argv[4]), int(sys.argv[3]))
        sys.exit(0)
    if CASE not in CASES:
        print(__doc__)
        sys.exit(2)
    CASES[CASE]()
    print("ok", CASE)
