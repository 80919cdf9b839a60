#!/usr/bin/env python3
"""hep-tcp-split.py: send real HEP v3 packets over one TCP connection with
write boundaries that do not follow the packets.

  hep-tcp-split.py --send ADDR:PORT --from ADDR HEP.pcap

Takes every HEP v3 packet of HEP.pcap (UDP or TCP), joins them into one
stream, and writes it in pieces of 700 bytes with TCP_NODELAY, 5 ms apart,
so that most segments end inside a HEP packet and some hold the end of one
packet and the start of the next.  Then it writes a HEP3 header that
claims 65535 bytes, 100 bytes of it, and closes the connection: a stream
that ends inside a packet.  Prints the piece boundaries.
"""
import argparse
import importlib.util
import os
import socket
import struct
import time

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location(
    "hepdecode", os.path.join(HERE, "hep-decode.py"))
hd = importlib.util.module_from_spec(spec)
spec.loader.exec_module(hd)

PIECE = 700


def raw_hep3(path):
    """The raw bytes of every HEP v3 packet in a capture (UDP datagrams)."""
    out = []
    for _n, _t, link, frame in hd.read_pcap(path):
        d = hd.udp_datagram(hd.ip_payload(link, frame))
        if d and d[4][:4] == b"HEP3":
            out.append(d[4][:struct.unpack("!H", d[4][4:6])[0]])
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--send", required=True)
    ap.add_argument("--from", dest="src", required=True)
    ap.add_argument("pcap")
    args = ap.parse_args()
    packets = raw_hep3(args.pcap)
    stream = b"".join(packets)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.bind((args.src, 0))
    addr, port = args.send.rsplit(":", 1)
    s.connect((addr, int(port)))
    print(f"# {len(packets)} HEP v3 packets, {len(stream)} bytes, "
          f"written in pieces of {PIECE} bytes")
    for off in range(0, len(stream), PIECE):
        s.sendall(stream[off:off + PIECE])
        time.sleep(0.005)
    tail = b"HEP3" + struct.pack("!H", 65535) + bytes(94)
    s.sendall(tail)
    print(f"# then {len(tail)} bytes: a HEP3 header claiming 65535 bytes, "
          f"and the connection is closed")
    time.sleep(0.1)
    s.close()


if __name__ == "__main__":
    main()
