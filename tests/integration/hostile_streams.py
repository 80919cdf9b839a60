#!/usr/bin/env python3
"""Hostile bytes on the decode path, from captures generated here (no big
files in the tree): each case writes a small pcap, runs sipwatch --json on
it and checks the stats and findings.
  huge_content_length   a TCP stream whose first message claims
                        Content-Length: 999999999, then 2,000 valid messages:
                        all 2,000 are seen, the bad header is counted.
  plain_sip_on_5061     plain-text SIP over TCP from client port 5061 is
                        parsed; a real TLS record on 5061 is still TLS.
  control_byte_in_reason  a 403 whose reason phrase holds ESC (on UDP and
                        TCP) is a response with its status: no false
                        "no final response" finding.
Usage: hostile_streams.py SIPWATCH CASE"""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

SIPWATCH, CASE = sys.argv[1:3]
TMP = tempfile.mkdtemp(prefix="sipwatch-hostile-")
CLIENT, SERVER = "10.9.0.1", "10.9.0.2"


def expect(cond, what):
    if not cond:
        print("FAILED:", what)
        sys.exit(1)


def ip_bytes(a):
    return bytes(int(x) for x in a.split("."))


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


class Pcap:
    """Ethernet/IPv4 frames with microsecond timestamps."""

    def __init__(self, path):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        self.t = 1_700_000_000.0
        self.ident = 0

    def ip(self, proto, src, dst, payload):
        self.ident = (self.ident + 1) & 0xffff
        hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), self.ident, 0, 64, proto, 0,
                          ip_bytes(src), ip_bytes(dst))
        hdr = hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]
        frame = b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00" + hdr + payload
        self.t += 0.001
        sec = int(self.t)
        self.f.write(struct.pack("<IIII", sec, int((self.t - sec) * 1e6), len(frame), len(frame)))
        self.f.write(frame)

    def udp(self, src, sport, dst, dport, data):
        self.ip(17, src, dst, struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data)

    def tcp(self, src, sport, dst, dport, seq, data, flags=0x18):
        self.ip(6, src, dst, struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 0x50, flags, 65535, 0, 0) + data)

    def close(self):
        self.f.close()


class TcpConn:
    """One connection's two directions, segments of at most 1400 bytes."""

    def __init__(self, pcap, cport, sport):
        self.p, self.ports = pcap, (cport, sport)
        self.seq = [1000, 5000]
        pcap.tcp(CLIENT, cport, SERVER, sport, self.seq[0] - 1, b"", flags=0x02)
        pcap.tcp(SERVER, sport, CLIENT, cport, self.seq[1] - 1, b"", flags=0x12)

    def send(self, data, from_server=False):
        d = 1 if from_server else 0
        src, dst = (SERVER, CLIENT) if from_server else (CLIENT, SERVER)
        sp, dp = (self.ports[1], self.ports[0]) if from_server else self.ports
        for i in range(0, len(data), 1400):
            chunk = data[i:i + 1400]
            self.p.tcp(src, sp, dst, dp, self.seq[d], chunk)
            self.seq[d] = (self.seq[d] + len(chunk)) & 0xffffffff


def request(method, n, transport="TCP", port=5070, body=b"", extra=""):
    return (f"{method} sip:bob@{SERVER} SIP/2.0\r\n"
            f"Via: SIP/2.0/{transport} {CLIENT}:{port};branch=z9hG4bK-{method.lower()}-{n}\r\n"
            f"From: <sip:alice@{CLIENT}>;tag=a{n}\r\nTo: <sip:bob@{SERVER}>\r\n"
            f"Call-ID: hostile-{n}@{CLIENT}\r\nCSeq: 1 {method}\r\nMax-Forwards: 70\r\n{extra}"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def response(req, code, reason, to_tag=True):
    """A response to request bytes `req` (Via, From, To, Call-ID, CSeq copied)."""
    lines = req.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]
    keep = [l for l in lines if l.split(b":", 1)[0].lower() in (b"via", b"from", b"to", b"call-id", b"cseq")]
    keep = [l + b";tag=srv" if to_tag and l.lower().startswith(b"to:") else l for l in keep]
    return b"SIP/2.0 " + str(code).encode() + b" " + reason + b"\r\n" + b"\r\n".join(keep) + \
        b"\r\nContent-Length: 0\r\n\r\n"


def run(pcap, *extra):
    r = subprocess.run([SIPWATCH, "-r", pcap, "--json", *extra], capture_output=True, text=True, timeout=120)
    expect(r.returncode in (0, 1), f"sipwatch exit {r.returncode}: {r.stderr}")
    lines = [json.loads(l) for l in r.stdout.splitlines()]
    return lines[-1], [l for l in lines if l.get("type") == "finding"]


def case_huge_content_length():
    path = os.path.join(TMP, "huge.pcap")
    p = Pcap(path)
    c = TcpConn(p, 40000, 5060)
    bad = request("INVITE", 0, extra="Content-Type: application/sdp\r\n").replace(
        b"Content-Length: 0", b"Content-Length: 999999999") + b"v=0\r\no=- 1 1 IN IP4 10.9.0.1\r\n"
    stream = bad + b"".join(request("OPTIONS", n) for n in range(1, 2001))
    c.send(stream)
    p.close()
    stats, _ = run(path)
    expect(stats["requests"].get("OPTIONS") == 2000 and stats["sip_messages"] == 2000,
           f"all 2000 messages after the huge Content-Length seen: {stats['sip_messages']} {stats['requests']}")
    expect(stats["decode"]["content_length_over_max"] == 1 and stats["decode"]["oversize_messages"] == 1,
           f"the huge Content-Length counted: {stats['decode']}")
    expect(stats["tcp"]["skipped_bytes"] >= len(bad), f"what was skipped is counted: {stats['tcp']}")
    print(f"2000 of 2000 seen, {stats['tcp']['skipped_bytes']} bytes skipped")


def case_plain_sip_on_5061():
    path = os.path.join(TMP, "p5061.pcap")
    p = Pcap(path)
    c = TcpConn(p, 5061, 5060)                  # a client that happens to use source port 5061
    inv = request("INVITE", 1, port=5061)
    c.send(inv)
    c.send(response(inv, 100, b"Trying", to_tag=False), from_server=True)
    c.send(response(inv, 486, b"Busy Here"), from_server=True)
    ack = request("ACK", 1, port=5061).replace(b"CSeq: 1 ACK", b"CSeq: 1 ACK")
    c.send(ack)
    t = TcpConn(p, 40001, 5061)                 # real TLS: a ClientHello record
    t.send(bytes([0x16, 0x03, 0x01, 0x00, 0x2f, 0x01, 0x00, 0x00, 0x2b, 0x03, 0x03]) + bytes(43))
    p.close()
    stats, _ = run(path)
    expect(stats["sip_messages"] == 4 and stats["requests"].get("INVITE") == 1 and
           stats["responses"].get("486") == 1, f"plain SIP from port 5061 parsed: {stats['sip_messages']}")
    expect(stats["tcp"]["tls_connections"] == 1 and stats["tcp"]["sip_connections"] == 1,
           f"only the real TLS connection is TLS: {stats['tcp']}")


def control_reason_pcap(path, transport):
    p = Pcap(path)
    inv = request("INVITE", 7, transport=transport)
    answers = [response(inv, 403, b"Forbidden \x1b[2J\x1b]0;x\x07")]
    ack = request("ACK", 7, transport=transport)
    if transport == "UDP":
        p.udp(CLIENT, 5070, SERVER, 5060, inv)
        for a in answers:
            p.udp(SERVER, 5060, CLIENT, 5070, a)
        p.udp(CLIENT, 5070, SERVER, 5060, ack)
    else:
        c = TcpConn(p, 40002, 5060)
        c.send(inv)
        for a in answers:
            c.send(a, from_server=True)
        c.send(ack)
    p.t += 40                                   # long past the 32 s transaction timeout
    p.udp(CLIENT, 5071, SERVER, 5060, request("OPTIONS", 8, transport="UDP", port=5071))
    p.close()


def case_control_byte_in_reason():
    for transport in ("UDP", "TCP"):
        path = os.path.join(TMP, f"esc-{transport}.pcap")
        control_reason_pcap(path, transport)
        stats, findings = run(path)
        expect(stats["responses"].get("403") == 1 and stats["decode"]["non_sip_payloads"] == 0,
               f"{transport}: the 403 with ESC in its reason is a response: {stats['responses']} {stats['decode']}")
        timeouts = [f for f in findings if f["rule"] == "transaction-timeout" and "hostile-7" in f.get("call_id", "")]
        expect(not timeouts, f"{transport}: no false 'no final response' finding: {timeouts}")


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}

if __name__ == "__main__":
    try:
        CASES[CASE]()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    print("ok", CASE)
