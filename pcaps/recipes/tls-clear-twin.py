#!/usr/bin/env python3
"""tls-clear-twin.py CAP.pcap KEYLOG OUT.pcap: write the SIP that tshark
decrypts from a TLS capture as plain TCP (same times, addresses and
directions; port 5061 becomes 5081, so that it is not taken for TLS).
Used to check a TLS capture's expected verdict with a sipwatch that cannot
decrypt yet: `sipwatch -r OUT.pcap --json` must find the same problems.
Each TCP connection gets a SYN, SYN-ACK, ACK before its first message."""
import json
import socket
import struct
import subprocess
import sys

TLS_PORT, CLEAR_PORT = 5061, 5081


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def packet(src, sport, dst, dport, seq, ack, flags, payload=b""):
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload
    tsum = csum(s + d + struct.pack("!BBH", 0, 6, len(tcp)) + tcp)
    tcp = tcp[:16] + struct.pack("!H", tsum) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, s, d)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return b"\0" * 12 + b"\x08\x00" + ip + tcp


def keep_duplicates(pairs):
    """tshark -T json repeats a key for each instance of a protocol in a
    frame (two SIP messages in one segment): keep them all, in order."""
    obj = {}
    for k, v in pairs:
        if k.endswith("_raw") and k in obj:
            obj[k] = (obj[k] if isinstance(obj[k][0], list) else [obj[k]]) + [v]
        else:
            obj[k] = v
    return obj


def sip_chunks(layers):
    raw = layers.get("sip_raw")
    if raw is None:
        return []
    if isinstance(raw[0], str):
        raw = [raw]
    return [bytes.fromhex(r[0]) for r in raw]


def main():
    cap, keylog, out = sys.argv[1:4]
    js = subprocess.run(["tshark", "-n", "-o", "tls.keylog_file:" + keylog, "-r", cap, "-Y", "sip",
                         "-T", "json", "-x"], capture_output=True, text=True, check=True).stdout
    seq = {}
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))

        def emit(t, pkt):
            f.write(struct.pack("<IIII", int(t), int(round((t % 1) * 1e6)) % 1000000, len(pkt), len(pkt)))
            f.write(pkt)

        for fr in json.loads(js, object_pairs_hook=keep_duplicates):
            lay = fr["_source"]["layers"]
            t = float(lay["frame"]["frame.time_epoch"])
            src, dst = lay["ip"]["ip.src"], lay["ip"]["ip.dst"]
            sp, dp = int(lay["tcp"]["tcp.srcport"]), int(lay["tcp"]["tcp.dstport"])
            sp = CLEAR_PORT if sp == TLS_PORT else sp
            dp = CLEAR_PORT if dp == TLS_PORT else dp
            fwd, rev = (src, sp, dst, dp), (dst, dp, src, sp)
            if fwd not in seq:
                # the client is the side that is not on the SIP port
                cli, srv = (fwd, rev) if dp == CLEAR_PORT else (rev, fwd)
                seq[cli], seq[srv] = 1001, 5001
                emit(t - 0.0003, packet(*cli, 1000, 0, 0x02))
                emit(t - 0.0002, packet(*srv, 5000, 1001, 0x12))
                emit(t - 0.0001, packet(*cli, 1001, 5001, 0x10))
            for chunk in sip_chunks(lay):
                emit(t, packet(*fwd, seq[fwd], seq[rev], 0x18, chunk))
                seq[fwd] += len(chunk)


if __name__ == "__main__":
    main()
