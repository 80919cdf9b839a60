#!/usr/bin/env python3
"""hep-compare.py: match the SIP carried in a HEP capture against the raw
wire capture of the same run.

  hep-compare.py WIRE.pcap HEP.pcap

Every SIP message of the wire capture (a UDP datagram on a non-HEP port)
is paired with a HEP message carrying the same bytes between the same
addresses and ports, for each agent (HEP node id) on its own.  Prints,
per agent, the pairs with the HEP time minus the wire time, then the wire
messages no HEP packet carries, the HEP messages not on the wire (and
whether they copy a paired one), and the messages whose HEP time order
differs from the wire order.  Exit status 0 when every message
pairs one to one, 1 otherwise.
"""
import importlib.util
import os
import signal
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location(
    "hepdecode", os.path.join(HERE, "hep-decode.py"))
hd = importlib.util.module_from_spec(spec)
spec.loader.exec_module(hd)


def messages(path, want_hep):
    """[(time, src, dst, payload, frame)] of the SIP in a capture: from the
    HEP chunks (want_hep; UDP or TCP HEP) or from the plain UDP datagrams."""
    out = []
    if want_hep:
        for n, h in hd.hep_messages(path):
            if isinstance(h, dict) and h["proto_type"] == 1:
                ts = h["ts_sec"] + h.get("ts_usec", 0) / 1e6
                out.append((ts, (h["src"], h["src_port"]),
                            (h["dst"], h["dst_port"]), h["payload"], n,
                            h.get("node_id", "none")))
        return out
    for n, t, link, frame in hd.read_pcap(path):
        try:
            d = hd.udp_datagram(hd.ip_payload(link, frame))
            if d is None or not d[4] or hd.decode(d[4]) is not None:
                continue
        except hd.Drop:
            continue
        out.append((t, (d[0], d[2]), (d[1], d[3]), d[4], n))
    return out


def compare(wire, hep):
    """Pair the wire messages with one agent's HEP messages and print the
    report; True when they pair one to one."""
    free = list(range(len(hep)))
    pairs, lone_wire = [], []
    for w in wire:
        best = None
        for i in free:
            h = hep[i]
            if h[1:4] == w[1:4] and (best is None or
                                      abs(h[0] - w[0]) < abs(hep[best][0] - w[0])):
                best = i
        if best is None:
            lone_wire.append(w)
        else:
            free.remove(best)
            pairs.append((w, hep[best]))
    for w, h in pairs:
        print(f"wire {w[4]:3} hep {h[4]:3} dt {1000 * (h[0] - w[0]):+8.3f} ms  "
              f"{hd.first_line(w[3])}")
    deltas = [h[0] - w[0] for w, h in pairs]
    if deltas:
        print(f"# {len(pairs)} pairs, HEP time - wire time: min "
              f"{1000 * min(deltas):+.3f} ms, max {1000 * max(deltas):+.3f} ms")
    for w in lone_wire:
        print(f"# only on the wire: frame {w[4]} {hd.first_line(w[3])}")
    for i in free:
        h = hep[i]
        near = [abs(h[0] - p[0]) for w, p in pairs if p[1:4] == h[1:4]]
        print(f"# only in HEP: frame {h[4]} {hd.first_line(h[3])} "
              f"(copy of a paired message: {'yes' if near else 'no'}, "
              f"{1000 * min(near, default=0):.3f} ms apart)")
    order = sorted(pairs, key=lambda p: p[1][0])
    moved = [p for k, p in enumerate(order) if p is not pairs[k]]
    print(f"# wire order vs HEP time order: {len(moved)} of {len(pairs)} "
          f"messages change place")
    for w, h in moved:
        print(f"#   wire frame {w[4]} {hd.first_line(w[3])}")
    return not lone_wire and not free


def main():
    wire, hep = messages(sys.argv[1], False), messages(sys.argv[2], True)
    ok = True
    for node in sorted({h[5] for h in hep}, key=str):
        print(f"# node {node}:")
        ok = compare(wire, [h for h in hep if h[5] == node]) and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    main()
