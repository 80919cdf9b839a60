#!/usr/bin/env python3
"""hep-decode.py: list or count the SIP carried in HEP packets of a pcap.

A small reference decoder for the HEP test captures in pcaps/
(Debian's tshark 4.0 has no HEP dissector).  Reads a classic pcap
(Ethernet, Linux cooked v1/v2, raw IP or BSD loopback link types), takes
every UDP datagram whose payload starts with "HEP3" (HEP v3) or looks like
a HEP v1/v2 header, and decodes it.  TCP streams are put together by
sequence number and split into HEP v3 packets by their length field.
Anything that does not decode is counted as a drop with its reason;
nothing is guessed.

  hep-decode.py FILE.pcap               one line per HEP packet
  hep-decode.py --counts FILE.pcap      .expect lines (counts of the SIP)
  hep-decode.py --password PW ...       v3 packets whose auth key chunk
                                        is missing or differs are dropped

--counts keys: packets (frames), hep_packets (decoded), hep_version.V,
hep_node.ID, hep_dropped (not valid HEP), not_hep (UDP datagrams that are
not HEP at all), hep_payload_not_sip (payload type 1 that is not a SIP
start line), hep_unknown_chunks (skipped), sip_messages, requests.METHOD,
responses.CODE, hep_payload_type.T (payload types other than SIP).

Line format: frame, HEP version, HEP timestamp (UTC), transport,
src -> dst, node id, [auth key], payload type, SIP first line.
"""
import argparse
import datetime
import signal
import struct
import sys

CHUNK_NAMES = {
    1: "ip_family", 2: "ip_proto", 3: "ipv4_src", 4: "ipv4_dst",
    5: "ipv6_src", 6: "ipv6_dst", 7: "src_port", 8: "dst_port",
    9: "ts_sec", 10: "ts_usec", 11: "proto_type", 12: "node_id",
    13: "keepalive", 14: "auth_key", 15: "payload", 16: "payload_z",
    17: "correlation_id", 18: "vlan", 19: "group_id", 20: "src_mac",
    21: "dst_mac", 22: "node_name",
}
UINT_CHUNKS = {1: 1, 2: 1, 7: 2, 8: 2, 9: 4, 10: 4, 11: 1, 12: 4, 13: 2,
               18: 2}
TRANSPORTS = {17: "UDP", 6: "TCP", 132: "SCTP"}


class Drop(Exception):
    """A packet that is not valid HEP (reason in the message)."""


def read_pcap(path):
    """Yield (frame number, pcap time, link type, frame bytes)."""
    with open(path, "rb") as f:
        head = f.read(24)
        if len(head) < 24:
            raise SystemExit(f"{path}: not a pcap file")
        magic = head[:4]
        if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
            end = "<"
        elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
            end = ">"
        else:
            raise SystemExit(f"{path}: not a classic pcap file (pcapng?)")
        nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
        linktype = struct.unpack(end + "I", head[20:24])[0] & 0x0FFFFFFF
        n = 0
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return
            sec, frac, incl, _orig = struct.unpack(end + "IIII", rec)
            data = f.read(incl)
            n += 1
            yield n, sec + frac / (1e9 if nano else 1e6), linktype, data


def ip_payload(linktype, frame):
    """Return (ip packet bytes) from a frame, or None if not IPv4/IPv6."""
    if linktype == 1:                       # Ethernet
        off, etype = 14, struct.unpack("!H", frame[12:14])[0]
        while etype in (0x8100, 0x88A8):    # VLAN tags
            etype = struct.unpack("!H", frame[off + 2:off + 4])[0]
            off += 4
        return frame[off:] if etype in (0x0800, 0x86DD) else None
    if linktype == 113:                     # Linux cooked v1
        return frame[16:]
    if linktype == 276:                     # Linux cooked v2
        return frame[20:]
    if linktype in (101, 12, 14):           # raw IP
        return frame
    if linktype == 0:                       # BSD loopback
        return frame[4:]
    return None


def transport(ip):
    """Return (proto, src, dst, sport, dport, payload, seq) of a UDP or TCP
    packet (seq None for UDP), None for anything else.  Raises Drop for IP
    fragments."""
    if not ip:
        return None
    ver = ip[0] >> 4
    if ver == 4:
        ihl = (ip[0] & 15) * 4
        proto = ip[9]
        if proto not in (6, 17):
            return None
        if struct.unpack("!H", ip[6:8])[0] & 0x3FFF:
            raise Drop("IP fragment (not reassembled by this decoder)")
        total = struct.unpack("!H", ip[2:4])[0]
        src, dst = fmt_ip(4, ip[12:16]), fmt_ip(4, ip[16:20])
        seg = ip[ihl:total]
    elif ver == 6:
        proto = ip[6]
        if proto not in (6, 17):
            return None
        src, dst = fmt_ip(6, ip[8:24]), fmt_ip(6, ip[24:40])
        seg = ip[40:40 + struct.unpack("!H", ip[4:6])[0]]
    else:
        return None
    if proto == 17:
        if len(seg) < 8:
            raise Drop("truncated UDP header")
        sport, dport, ulen = struct.unpack("!HHH", seg[:6])
        return "udp", src, dst, sport, dport, seg[8:ulen], None
    if len(seg) < 20:
        raise Drop("truncated TCP header")
    sport, dport, seq = struct.unpack("!HHI", seg[:8])
    return "tcp", src, dst, sport, dport, seg[(seg[12] >> 4) * 4:], seq


def udp_datagram(ip):
    """(src, dst, sport, dport, payload) of a UDP packet, else None."""
    t = transport(ip)
    return t[1:6] if t and t[0] == "udp" else None


def tcp_stream(segments):
    """Bytes of one TCP direction from [(seq, payload, frame)], in sequence
    order, each byte once (retransmitted bytes are skipped), and the frame
    that carried each byte."""
    data, frames, nxt = bytearray(), [], None
    for seq, payload, n in sorted(segments, key=lambda x: x[0]):
        if nxt is not None and seq > nxt:
            raise Drop(f"TCP stream has a gap of {seq - nxt} bytes")
        skip = 0 if nxt is None else min(len(payload), nxt - seq)
        data += payload[skip:]
        frames += [n] * (len(payload) - skip)
        nxt = seq + len(payload) if nxt is None else max(nxt, seq + len(payload))
    return bytes(data), frames


def tcp_messages(data, frames):
    """Split a TCP stream into HEP v3 packets by their length field:
    yields (frame of the last byte, packet dict or Drop)."""
    off = 0
    while off < len(data):
        if data[off:off + 4] != b"HEP3":
            yield frames[off], Drop(f"TCP stream: {len(data) - off} bytes "
                                    f"that are not HEP3 (stream given up)")
            return
        if len(data) - off < 6:
            yield frames[-1], Drop("TCP stream ends inside a HEP3 header")
            return
        total = struct.unpack("!H", data[off + 4:off + 6])[0]
        if total < 6:
            yield frames[off], Drop(f"TCP stream: HEP3 length {total} "
                                    f"(stream given up)")
            return
        if off + total > len(data):
            yield frames[-1], Drop("TCP stream ends inside a HEP3 packet")
            return
        try:
            yield frames[off + total - 1], decode_hep3(data[off:off + total])
        except Drop as why:
            yield frames[off + total - 1], why
        off += total


def hep_messages(path):
    """Yield (frame, item) for every HEP packet of a capture in frame
    order, item being a packet dict, a Drop, or ("not-hep", text) for a UDP
    datagram that is not HEP.  A HEP packet carried over TCP is placed at
    the frame that holds its last byte."""
    out, flows = [], {}
    for n, _t, link, frame in read_pcap(path):
        try:
            t = transport(ip_payload(link, frame))
            if t is None:
                continue
            if t[0] == "tcp":
                if t[5]:
                    flows.setdefault(t[1:5], []).append((t[6], t[5], n))
                continue
            h = decode(t[5])
            out.append((n, h if h is not None else
                        ("not-hep", f"{len(t[5])} bytes {t[1]}:{t[3]} -> "
                                    f"{t[2]}:{t[4]}")))
        except Drop as why:
            out.append((n, why))
        except (struct.error, IndexError) as why:
            out.append((n, Drop(f"malformed frame ({why})")))
    for segs in flows.values():
        try:
            data, frames = tcp_stream(segs)
            out.extend(tcp_messages(data, frames))
        except Drop as why:
            out.append((segs[0][2], why))
    out.sort(key=lambda x: x[0])
    return out


def fmt_ip(ver, raw):
    if ver == 4:
        return ".".join(str(b) for b in raw)
    words = [f"{w:x}" for w in struct.unpack("!8H", raw)]
    text = ":".join(words)
    # shortest form for the common ::1 case only; others stay long
    return "::1" if text == "0:0:0:0:0:0:0:1" else text


def decode_hep3(data):
    """Decode a HEP v3 packet into a dict of chunks (raises Drop)."""
    if len(data) < 6:
        raise Drop("HEP3 header truncated")
    total = struct.unpack("!H", data[4:6])[0]
    if total > len(data):
        raise Drop(f"HEP3 length {total} > datagram {len(data)}")
    if total < 6:
        raise Drop(f"HEP3 length {total} < header")
    out, off, unknown = {"version": 3}, 6, []
    while off < total:
        if total - off < 6:
            raise Drop(f"chunk header truncated at offset {off}")
        vendor, ctype, clen = struct.unpack("!HHH", data[off:off + 6])
        if clen < 6:
            raise Drop(f"chunk {vendor}/{ctype} length {clen} at offset "
                       f"{off} is shorter than a chunk header")
        if off + clen > total:
            raise Drop(f"chunk {vendor}/{ctype} length {clen} at offset "
                       f"{off} outside the packet ({total})")
        body = data[off + 6:off + clen]
        off += clen
        if vendor != 0 or ctype not in CHUNK_NAMES:
            unknown.append(f"{vendor}/{ctype}")
            continue
        if ctype in UINT_CHUNKS:
            size = UINT_CHUNKS[ctype]
            if len(body) != size:
                raise Drop(f"chunk {CHUNK_NAMES[ctype]} has {len(body)} "
                           f"bytes, expected {size}")
            out[CHUNK_NAMES[ctype]] = int.from_bytes(body, "big")
        elif ctype in (3, 4):
            if len(body) != 4:
                raise Drop(f"chunk {CHUNK_NAMES[ctype]} has {len(body)} bytes")
            out[CHUNK_NAMES[ctype]] = fmt_ip(4, body)
        elif ctype in (5, 6):
            if len(body) != 16:
                raise Drop(f"chunk {CHUNK_NAMES[ctype]} has {len(body)} bytes")
            out[CHUNK_NAMES[ctype]] = fmt_ip(6, body)
        else:
            out[CHUNK_NAMES[ctype]] = body
    if unknown:
        out["unknown_chunks"] = unknown
    for need in ("ip_family", "ip_proto", "src_port", "dst_port", "ts_sec",
                 "proto_type"):
        if need not in out:
            raise Drop(f"mandatory chunk {need} missing")
    if "payload" not in out and "payload_z" not in out:
        raise Drop("no payload chunk")
    fam = out["ip_family"]
    keys = ("ipv4_src", "ipv4_dst") if fam == 2 else ("ipv6_src", "ipv6_dst")
    if fam not in (2, 10) or keys[0] not in out or keys[1] not in out:
        raise Drop(f"address chunks missing for family {fam}")
    out["src"], out["dst"] = out[keys[0]], out[keys[1]]
    return out


def decode_hep12(data):
    """Decode a HEP v1/v2 packet (raises Drop).  Ports are network byte
    order; the v2 time header (seconds, microseconds, capture id) is in
    the sender's byte order (little endian from x86 agents such as
    kamailio), so it is read little endian."""
    if len(data) < 8:
        raise Drop("HEP v1/v2 header truncated")
    ver, hlen, fam, proto = data[0], data[1], data[2], data[3]
    sport, dport = struct.unpack("!HH", data[4:8])
    alen = 4 if fam == 2 else 16 if fam == 10 else 0
    if not alen:
        raise Drop(f"HEP v{ver}: unknown address family {fam}")
    if hlen != 8 + 2 * alen or len(data) < hlen:
        raise Drop(f"HEP v{ver}: header length {hlen} does not fit family "
                   f"{fam} / datagram {len(data)}")
    out = {"version": ver, "ip_family": fam, "ip_proto": proto,
           "src_port": sport, "dst_port": dport,
           "src": fmt_ip(4 if fam == 2 else 6, data[8:8 + alen]),
           "dst": fmt_ip(4 if fam == 2 else 6, data[8 + alen:8 + 2 * alen]),
           "proto_type": 1}
    off = hlen
    if ver == 2:
        if len(data) < off + 12:
            raise Drop("HEP v2 time header truncated")
        sec, usec, node = struct.unpack("<IIH", data[off:off + 10])
        out.update(ts_sec=sec, ts_usec=usec, node_id=node)
        off += 12       # 10 bytes of fields + 2 bytes of struct padding
    out["payload"] = data[off:]
    return out


def decode(data):
    """HEP v3 or v1/v2 by its first bytes; None if it is not HEP at all."""
    if data[:4] == b"HEP3":
        return decode_hep3(data)
    if len(data) >= 8 and data[0] in (1, 2) and data[2] in (2, 10) \
            and data[1] in (16, 40):
        return decode_hep12(data)
    return None


def first_line(payload):
    line = payload.split(b"\r\n", 1)[0].split(b"\n", 1)[0]
    return line.decode("utf-8", "replace")


def describe(n, h):
    ts = h.get("ts_sec")
    when = "-"
    if ts is not None:
        when = datetime.datetime.fromtimestamp(
            ts + h.get("ts_usec", 0) / 1e6, datetime.timezone.utc
        ).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    tr = TRANSPORTS.get(h["ip_proto"], str(h["ip_proto"]))
    src = f"{h['src']}:{h['src_port']}" if h["ip_family"] == 2 \
        else f"[{h['src']}]:{h['src_port']}"
    dst = f"{h['dst']}:{h['dst_port']}" if h["ip_family"] == 2 \
        else f"[{h['dst']}]:{h['dst_port']}"
    extra = ""
    if "auth_key" in h:
        extra += f" auth={h['auth_key'].decode('utf-8', 'replace')!r}"
    if "correlation_id" in h:
        extra += f" corr={h['correlation_id'].decode('utf-8', 'replace')}"
    if "unknown_chunks" in h:
        extra += " unknown=" + ",".join(h["unknown_chunks"])
    body = h.get("payload", b"")
    text = first_line(body) if h["proto_type"] == 1 else \
        f"({len(body)} bytes)"
    return (f"{n:4} HEPv{h['version']} {when} {tr} {src} -> {dst} "
            f"node={h.get('node_id', '-')}{extra} type={h['proto_type']} "
            f"{text}")


def sip_kind(payload):
    """('request', METHOD) / ('response', CODE) / None for a SIP payload."""
    line = first_line(payload)
    words = line.split(" ")
    if line.startswith("SIP/2.0 ") and len(words) >= 2 and words[1].isdigit():
        return "response", int(words[1])
    if len(words) >= 3 and words[-1] == "SIP/2.0":
        return "request", words[0]
    return None


class Tally:
    """Counts for --counts."""

    def __init__(self):
        self.hep = self.unknown_chunks = self.not_hep = self.non_sip = 0
        self.drops, self.nodes, self.versions = {}, {}, {}
        self.requests, self.responses, self.other_types = {}, {}, {}

    def add(self, h):
        inc = lambda d, k: d.__setitem__(k, d.get(k, 0) + 1)
        self.hep += 1
        self.unknown_chunks += len(h.get("unknown_chunks", []))
        inc(self.versions, h["version"])
        inc(self.nodes, h.get("node_id", "none"))
        if h["proto_type"] != 1:
            inc(self.other_types, h["proto_type"])
            return
        kind = sip_kind(h.get("payload", b""))
        if kind is None:
            self.non_sip += 1
        else:
            inc(self.requests if kind[0] == "request" else self.responses,
                kind[1])

    def lines(self, frames):
        yield f"packets {frames}"
        yield f"hep_packets {self.hep}"
        for v in sorted(self.versions):
            yield f"hep_version.{v} {self.versions[v]}"
        for node in sorted(self.nodes, key=str):
            yield f"hep_node.{node} {self.nodes[node]}"
        yield f"hep_dropped {sum(self.drops.values())}"
        if self.not_hep:
            yield f"not_hep {self.not_hep}"
        if self.non_sip:
            yield f"hep_payload_not_sip {self.non_sip}"
        if self.unknown_chunks:
            yield f"hep_unknown_chunks {self.unknown_chunks}"
        sip = sum(self.requests.values()) + sum(self.responses.values())
        yield f"sip_messages {sip}"
        for m, c in self.requests.items():           # order of appearance
            yield f"requests.{m} {c}"
        for code in sorted(self.responses):
            yield f"responses.{code} {self.responses[code]}"
        for t in sorted(self.other_types):
            yield f"hep_payload_type.{t} {self.other_types[t]}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--counts", action="store_true",
                    help="print .expect lines instead of the listing")
    ap.add_argument("--password", help="required HEP v3 auth key")
    ap.add_argument("pcap")
    args = ap.parse_args()
    tally = Tally()
    for n, item in hep_messages(args.pcap):
        if isinstance(item, tuple):
            tally.not_hep += 1
            if not args.counts:
                print(f"{n:4} NOT-HEP {item[1]}")
            continue
        if isinstance(item, dict) and args.password is not None and \
                item["version"] == 3 and \
                item.get("auth_key", b"").rstrip(b"\0") != args.password.encode():
            item = Drop("auth key wrong" if "auth_key" in item
                        else "auth key missing")
        if isinstance(item, Drop):
            reason = str(item)
            tally.drops[reason] = tally.drops.get(reason, 0) + 1
            if not args.counts:
                print(f"{n:4} DROP {reason}")
            continue
        tally.add(item)
        if not args.counts:
            print(describe(n, item))
    if args.counts:
        frames = sum(1 for _ in read_pcap(args.pcap))
        for line in tally.lines(frames):
            print(line)
    for reason, c in sorted(tally.drops.items()):
        print(f"# dropped {c}: {reason}", file=sys.stderr)


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    main()
