#!/usr/bin/env python3
"""SIP over TLS throughput: the same SIP traffic written as three captures,
plain TCP, TLS 1.2 (ECDHE-RSA-AES128-GCM-SHA256) and TLS 1.3
(TLS_AES_256_GCM_SHA384), the TLS made by OpenSSL (Python's ssl module over
memory BIOs, key log from keylog_filename), then sipwatch -r --json on each
(best of --runs), with its SIP message count checked. Prints a Markdown table.

usage: bench/tls-throughput.py [--sipwatch build/sipwatch] [--messages 100000]
       [--connections 50] [--runs 5] [--keep DIR [--reuse]]
(--reuse measures the captures a previous run left in --keep DIR.)"""
import argparse
import json
import os
import shutil
import ssl
import struct
import subprocess
import sys
import tempfile
import time

MSS = 1448


class Pcap:
    """Ethernet/IPv4/TCP frames, one capture; connections get their own ports."""

    def __init__(self, path):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
        self.t = 1_700_000_000_000_000

    def frame(self, src, dst, sport, dport, seq, ack, flags, payload=b""):
        tcp = struct.pack(">HHIIBBHHH", sport, dport, seq & 0xffffffff, ack & 0xffffffff, 5 << 4, flags,
                          65535, 0, 0) + payload
        ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, bytes(src), bytes(dst))
        fr = b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00" + ip + tcp
        self.t += 20
        self.f.write(struct.pack("<IIII", self.t // 1_000_000, self.t % 1_000_000, len(fr), len(fr)) + fr)

    def close(self):
        self.f.close()


class Conn:
    """One TCP connection in a capture: SYN handshake, then data both ways."""

    def __init__(self, pcap, k):
        self.p = pcap
        self.ep = ([10, 0, k // 250, k % 250 + 1], 40000 + k % 20000), ([10, 1, 0, 1], 5061)
        self.seq = [1000, 5000]
        c, s = self.ep
        pcap.frame(c[0], s[0], c[1], s[1], self.seq[0] - 1, 0, 0x02)
        pcap.frame(s[0], c[0], s[1], c[1], self.seq[1] - 1, self.seq[0], 0x12)

    def send(self, d, data):
        a, b = self.ep[d], self.ep[1 - d]
        for i in range(0, len(data), MSS):
            piece = data[i:i + MSS]
            self.p.frame(a[0], b[0], a[1], b[1], self.seq[d], self.seq[1 - d], 0x18, piece)
            self.seq[d] += len(piece)


def sip_messages(conn_no, count):
    """A connection's SIP: calls of INVITE 100 180 200 ACK BYE 200 (d=0 client)."""
    sdp = ("v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n"
           "m=audio 10000 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n")
    n = 0
    call = 0
    while n < count:
        cid = f"bench-{conn_no}-{call}@10.0.0.1"

        def msg(first, method, cseq, body="", tag=True):
            return (f"{first}\r\nVia: SIP/2.0/TLS 10.0.0.1:40000;branch=z9hG4bK-{conn_no}-{call}-{method}\r\n"
                    f"From: <sip:alice@example.invalid>;tag=a{call}\r\n"
                    f"To: <sip:bob@example.invalid>{';tag=b' + str(call) if tag else ''}\r\n"
                    f"Call-ID: {cid}\r\nCSeq: {cseq} {method}\r\nContact: <sip:alice@10.0.0.1:40000;transport=tls>\r\n"
                    f"User-Agent: sipwatch-bench\r\nContent-Length: {len(body)}\r\n"
                    + ("Content-Type: application/sdp\r\n" if body else "") + f"\r\n{body}").encode()
        seq = [(0, msg("INVITE sip:bob@example.invalid SIP/2.0", "INVITE", 1, sdp, tag=False)),
               (1, msg("SIP/2.0 100 Trying", "INVITE", 1, tag=False)),
               (1, msg("SIP/2.0 180 Ringing", "INVITE", 1)),
               (1, msg("SIP/2.0 200 OK", "INVITE", 1, sdp)),
               (0, msg("ACK sip:bob@example.invalid SIP/2.0", "ACK", 1)),
               (0, msg("BYE sip:bob@example.invalid SIP/2.0", "BYE", 2)),
               (1, msg("SIP/2.0 200 OK", "BYE", 2))]
        for d, m in seq:
            if n < count:
                yield d, m
                n += 1
        call += 1


def pump(conn, d, obj_out, peer_in, peer):
    data = obj_out.read()
    if data:
        conn.send(d, data)
        peer_in.write(data)
        try:
            while peer.read(65536):
                pass
        except (ssl.SSLWantReadError, ssl.SSLZeroReturnError):
            pass


def tls_pair(version, cert, key, keylog):
    cctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    cctx.check_hostname = False
    cctx.verify_mode = ssl.CERT_NONE
    cctx.keylog_filename = keylog
    cctx.minimum_version = cctx.maximum_version = version
    if version == ssl.TLSVersion.TLSv1_2:
        cctx.set_ciphers("ECDHE-RSA-AES128-GCM-SHA256")
    sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    sctx.load_cert_chain(cert, key)
    return cctx, sctx


def handshake(conn, c, s, bios):
    cin, cout, sin, sout = bios
    for _ in range(20):
        done = 0
        for obj in (c, s):
            try:
                obj.do_handshake()
                done += 1
            except ssl.SSLWantReadError:
                pass
            pump(conn, 0, cout, sin, s) if obj is c else pump(conn, 1, sout, cin, c)
        if done == 2:
            return
    raise RuntimeError("TLS handshake did not finish")


def write_capture(path, mode, args, cert=None, key=None, keylog=None):
    pcap = Pcap(path)
    per_conn = args.messages // args.connections
    total = 0
    for k in range(args.connections):
        conn = Conn(pcap, k)
        if mode == "tcp":
            for d, m in sip_messages(k, per_conn):
                conn.send(d, m)
                total += 1
            continue
        version = ssl.TLSVersion.TLSv1_2 if mode == "tls12" else ssl.TLSVersion.TLSv1_3
        cctx, sctx = tls_pair(version, cert, key, keylog)
        bios = [ssl.MemoryBIO() for _ in range(4)]
        c = cctx.wrap_bio(bios[0], bios[1], server_hostname="sipwatch-test.invalid")
        s = sctx.wrap_bio(bios[2], bios[3], server_side=True)
        handshake(conn, c, s, bios)
        ends = [(c, bios[1], bios[2], s), (s, bios[3], bios[0], c)]
        for d, m in sip_messages(k, per_conn):
            obj, out, peer_in, peer = ends[d]
            obj.write(m)
            pump(conn, d, out, peer_in, peer)
            total += 1
    pcap.close()
    return total


def measure(sipwatch, cap, keylog, runs):
    best, stats = None, None
    for _ in range(runs):
        args = [sipwatch, "-r", cap, "--json", "--threads", "0"] + (["--tls-keylog", keylog] if keylog else [])
        t0 = time.perf_counter()
        r = subprocess.run(args, capture_output=True, text=True)
        took = time.perf_counter() - t0
        stats = json.loads(r.stdout.splitlines()[-1])
        best = took if best is None or took < best else best
    return best, stats


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sipwatch", default="build/sipwatch")
    ap.add_argument("--messages", type=int, default=100000)
    ap.add_argument("--connections", type=int, default=50)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--keep")
    ap.add_argument("--reuse", action="store_true")
    args = ap.parse_args()
    tmp = args.keep or tempfile.mkdtemp(prefix="sipwatch-tls-bench-")
    os.makedirs(tmp, exist_ok=True)
    key, cert = os.path.join(tmp, "key.pem"), os.path.join(tmp, "cert.pem")
    if not (args.reuse and os.path.exists(cert)):
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                        "-subj", "/CN=sipwatch-test.invalid", "-days", "1"], check=True, capture_output=True)
    rows = []
    for mode in ("tcp", "tls12", "tls13"):
        cap = os.path.join(tmp, f"{mode}.pcap")
        keylog = os.path.join(tmp, f"{mode}.keylog") if mode != "tcp" else None
        if args.reuse and os.path.exists(cap):
            n = args.messages // args.connections * args.connections
        else:
            if keylog and os.path.exists(keylog):
                os.unlink(keylog)
            n = write_capture(cap, mode, args, cert, key, keylog)
        took, stats = measure(args.sipwatch, cap, keylog, args.runs)
        size = os.path.getsize(cap)
        ok = stats["sip_messages"] == n
        rows.append((mode, n, size, took, stats, ok))
    print(f"| capture | SIP messages | file MB | sipwatch s (best of {args.runs}) | messages/s | MB/s | "
          "vs plain TCP | decrypted connections |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    base = rows[0][3]
    for mode, n, size, took, stats, ok in rows:
        tls = stats.get("tls", {})
        dec = f"{tls.get('decrypted', 0)}/{tls.get('connections', 0)}" if mode != "tcp" else "-"
        print(f"| {mode} | {stats['sip_messages']}{'' if ok else ' (expected ' + str(n) + ')'} | "
              f"{size / 1e6:.1f} | {took:.3f} | {n / took:,.0f} | {size / 1e6 / took:.1f} | "
              f"{took / base:.2f}x | {dec} |")
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if all(r[5] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
