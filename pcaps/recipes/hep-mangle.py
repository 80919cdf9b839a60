#!/usr/bin/env python3
"""hep-mangle.py: hostile HEP datagrams made from real ones.

  hep-mangle.py V3.pcap V2.pcap                 list the cases
  hep-mangle.py --send ADDR:PORT --from ADDR:PORT V3.pcap V2.pcap

Takes from V3.pcap the HEP v3 packets of the first registration kamailio
saw (REGISTER, 401, REGISTER with credentials, 200; picked by content,
on the first REGISTER's Call-ID) and the first HEP v2 packet of V2.pcap, and builds one datagram per case below: each
case changes one thing in a real packet (a length, a chunk, the magic).
The four v3 packets themselves are sent intact, or with an extra chunk
that a receiver must skip, so that what decodes is exactly one healthy
registration.  With --send the datagrams go, in order and 20 ms apart, over
UDP from --from to --send; one line per case is printed: frame number in
the capture (1-based, in order), expected outcome (decoded / dropped /
not-hep) and what was changed.
"""
import argparse
import importlib.util
import os
import random
import socket
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location(
    "hepdecode", os.path.join(HERE, "hep-decode.py"))
hd = importlib.util.module_from_spec(spec)
spec.loader.exec_module(hd)


def hep_datagrams(path, want_version):
    """[(raw datagram, decoded dict)] of the HEP packets of one version."""
    out = []
    for _n, _t, link, frame in hd.read_pcap(path):
        d = hd.udp_datagram(hd.ip_payload(link, frame))
        if d is None:
            continue
        h = hd.decode(d[4])
        if h and h["version"] == want_version:
            out.append((d[4], h))
    if not out:
        raise SystemExit(f"{path}: no HEP v{want_version} packets")
    return out


def header(payload, name):
    """Value of the first SIP header NAME (compact forms not needed here)."""
    for line in payload.split(b"\r\n")[1:]:
        if not line:
            break
        k, _, v = line.partition(b":")
        if k.strip().lower() == name.lower():
            return v.strip()
    return None


def registration(packets):
    """The first registration in the capture, by content (the HEP order of
    kamailio's packets is not the wire order): REGISTER without
    credentials, its 401, the REGISTER with credentials, its 200."""
    sip = [(raw, h["payload"]) for raw, h in packets if h["proto_type"] == 1]
    first = next(p for _r, p in sip if p.startswith(b"REGISTER "))
    cid = header(first, b"Call-ID")
    mine = [(r, p) for r, p in sip if header(p, b"Call-ID") == cid]
    pick = lambda test: next(r for r, p in mine if test(p))
    is_reg = lambda p: p.startswith(b"REGISTER ")
    return [
        pick(lambda p: is_reg(p) and header(p, b"Authorization") is None),
        pick(lambda p: p.startswith(b"SIP/2.0 401 ")),
        pick(lambda p: is_reg(p) and header(p, b"Authorization") is not None),
        pick(lambda p: p.startswith(b"SIP/2.0 200 ")),
    ]


def chunks(pkt):
    """[(vendor, type, body)] of a HEP v3 packet."""
    out, off, total = [], 6, struct.unpack("!H", pkt[4:6])[0]
    while off < total:
        v, t, ln = struct.unpack("!HHH", pkt[off:off + 6])
        out.append((v, t, pkt[off + 6:off + ln]))
        off += ln
    return out


def build(chs):
    """A HEP v3 packet from [(vendor, type, body)], lengths computed."""
    body = b"".join(struct.pack("!HHH", v, t, 6 + len(b)) + b for v, t, b in chs)
    return b"HEP3" + struct.pack("!H", 6 + len(body)) + body


def chunk_offset(pkt, ctype):
    off = 6
    for v, t, b in chunks(pkt):
        if v == 0 and t == ctype:
            return off
        off += 6 + len(b)
    raise KeyError(ctype)


def set_u16(pkt, off, value):
    return pkt[:off] + struct.pack("!H", value) + pkt[off + 2:]


def cases(v3, v2):
    """[(expected, description, datagram)]"""
    reg, r401, reg_auth, r200 = v3
    rnd = random.Random(13)     # fixed seed: the same bytes on every run
    c = chunks(reg)
    without = lambda t: build([x for x in c if not (x[0] == 0 and x[1] == t)])
    pay = chunk_offset(reg, 15)
    src = chunk_offset(reg, 3)
    fam = chunk_offset(reg, 1)
    return [
        ("decoded", "intact HEP v3 REGISTER (kamailio, node 1010)", reg),
        ("dropped", "datagram cut to half its length (HEP3 length > datagram)",
         reg[:len(reg) // 2]),
        ("dropped", "datagram cut inside the first chunk header (10 bytes)",
         reg[:10]),
        ("dropped", "magic only: the 4 bytes HEP3", reg[:4]),
        ("dropped", "HEP3 total length 3 (less than its own header)",
         set_u16(reg, 4, 3)),
        ("dropped", "HEP3 total length 37: ends inside the destination "
         "address chunk", set_u16(reg, 4, 37)),
        ("dropped", "first chunk length 0 (a naive parser loops forever)",
         set_u16(reg, 6 + 4, 0)),
        ("dropped", "first chunk length 5 (less than a chunk header)",
         set_u16(reg, 6 + 4, 5)),
        ("dropped", "payload chunk length 65535 (past the end)",
         set_u16(reg, pay + 4, 65535)),
        ("dropped", "IPv4 source chunk of 2 bytes (length 8), total fixed",
         build([(v, t, b[:2] if (v, t) == (0, 3) else b) for v, t, b in c])),
        ("decoded", "intact HEP v3 401 with an unknown chunk 0/99 (8 bytes) "
         "before the payload: a receiver skips it",
         build([x for x in chunks(r401) if x[1] != 15] + [(0, 99, b"\x01" * 8)]
               + [x for x in chunks(r401) if x[1] == 15])),
        ("decoded", "intact HEP v3 REGISTER with credentials, with a vendor "
         "chunk 0x0002/0x0001 (a receiver skips it)",
         build([(2, 1, b"vendor")] + chunks(reg_auth))),
        ("dropped", "no payload chunk (removed, total fixed)", without(15)),
        ("dropped", "no source port chunk (removed, total fixed)", without(7)),
        ("dropped", "IP family 10 (IPv6) with IPv4 address chunks",
         reg[:fam + 6] + b"\x0a" + reg[fam + 7:]),
        ("dropped", "HEP3 total length 65535 in a 65507-byte datagram "
         "(largest UDP payload; the packet can never be complete)",
         set_u16(reg, 4, 65535) + bytes(65507 - len(reg))),
        ("decoded", "payload type 1 (SIP) carrying 200 random bytes: valid "
         "HEP, not SIP",
         build([(v, t, rnd.randbytes(200) if t == 15 else b) for v, t, b in c])),
        ("decoded", "payload type 100 (log) carrying JSON, with a correlation id "
         "chunk",
         build([(v, t, b) for v, t, b in c if t not in (11, 15)]
               + [(0, 11, b"\x64"), (0, 17, b"hep-malformed-test@sipwatch"),
                  (0, 15, b'{"event":"test","text":"log chunk"}')])),
        ("not-hep", "64 random bytes", rnd.randbytes(64)),
        ("not-hep", "empty datagram", b""),
        ("dropped", "HEP v2 header cut after 12 bytes (kamailio v2, node 1020)",
         v2[:12]),
        ("not-hep", "HEP v2 with header length 200 (fits no address family: not recognisable as HEP v2)", v2[:1] + b"\xc8" + v2[2:]),
        ("not-hep", "EEP3 magic (HEP's old name) on a valid v3 packet",
         b"EEP3" + reg[4:]),
        ("decoded", "intact HEP v3 200 OK (kamailio, node 1010): the "
         "receiver still works after all of the above", r200),
    ]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--send", help="ADDR:PORT of the collector")
    ap.add_argument("--from", dest="src", default="127.0.0.10:5070",
                    help="ADDR:PORT to send from")
    ap.add_argument("v3")
    ap.add_argument("v2")
    args = ap.parse_args()
    v3 = registration(hep_datagrams(args.v3, 3))
    v2 = hep_datagrams(args.v2, 2)[0][0]
    sock = None
    if args.send:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        addr, port = args.src.rsplit(":", 1)
        sock.bind((addr, int(port)))
        daddr, dport = args.send.rsplit(":", 1)
        dest = (daddr, int(dport))
    for n, (expect, what, data) in enumerate(cases(v3, v2), 1):
        print(f"frame {n:2} {expect:8} {len(data):5} bytes  {what}")
        if sock:
            sock.sendto(data, dest)
            time.sleep(0.02)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
