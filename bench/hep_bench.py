#!/usr/bin/env python3
"""HEP input rate (issue 13): how fast sipwatch analyses SIP that arrives as
HEP, compared with the same SIP read off the wire.

1. sipwatch-gen writes N messages (default profile); the same messages are
   wrapped in HEP3 (addresses, ports and time from each packet, node id 2001)
   into a second capture. Both are read with -r --json: wall time, messages
   per second, and whether the findings agree.
2. Live: the HEP packets are sent over UDP on loopback, as fast as one
   python process can, to `sipwatch --hep-listen`; sent, received, decoded,
   dropped (queue full) and lost in the socket buffer (RcvbufErrors of
   /proc/net/snmp) are counted.

usage: bench/hep_bench.py [BUILD_DIR] [--messages N] [--rate PER_SECOND]
       (default build/, 200000 messages, sent as fast as possible)
Loopback only; sipwatch is started with its PID kept and stopped by it."""
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def read_pcap(path):
    with open(path, "rb") as f:
        head = f.read(24)
        end = "<" if head[:4] == b"\xd4\xc3\xb2\xa1" else ">"
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return
            sec, usec, incl, orig = struct.unpack(end + "IIII", rec)
            yield sec, usec, f.read(incl)


def chunk(t, data):
    return struct.pack("!HHH", 0, t, 6 + len(data)) + data


def to_hep(sec, usec, frame):
    ip = frame[14:]
    if len(ip) < 28 or ip[0] >> 4 != 4 or ip[9] != 17:
        return None
    ihl = (ip[0] & 15) * 4
    sport, dport, ulen = struct.unpack("!HHH", ip[ihl:ihl + 6])
    payload = ip[ihl + 8:ihl + ulen]
    body = (chunk(1, b"\x02") + chunk(2, b"\x11") + chunk(3, ip[12:16]) + chunk(4, ip[16:20]) +
            chunk(7, struct.pack("!H", sport)) + chunk(8, struct.pack("!H", dport)) +
            chunk(9, struct.pack("!I", sec)) + chunk(10, struct.pack("!I", usec)) + chunk(11, b"\x01") +
            chunk(12, struct.pack("!I", 2001)) + chunk(15, payload))
    return b"HEP3" + struct.pack("!H", 6 + len(body)) + body


def udp_frame(payload):
    udp = struct.pack("!HHHH", 5070, 9060, 8 + len(payload), 0) + payload
    iph = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                      bytes([127, 0, 0, 10]), bytes([127, 0, 0, 16]))
    return b"\0" * 6 + b"\x02" + b"\0" * 5 + b"\x08\x00" + iph + udp


def run_file(sipwatch, path):
    t0 = time.time()
    r = subprocess.run([sipwatch, "-r", path, "--json"], capture_output=True, text=True)
    dt = time.time() - t0
    lines = [json.loads(l) for l in r.stdout.splitlines() if l.strip()]
    rules = sorted((f["rule"], f["count"]) for f in lines if f["type"] == "finding")
    return dt, lines[-1], rules


def rcvbuf_errors():
    with open("/proc/net/snmp") as f:
        rows = [l.split() for l in f if l.startswith("Udp:")]
    return int(rows[1][rows[0].index("RcvbufErrors")])


def live(sipwatch, packets, rate=0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    out = tempfile.NamedTemporaryFile(delete=False)
    proc = subprocess.Popen([sipwatch, "--hep-listen", f"127.0.0.1:{port}", "--json", "--duration", "600"],
                            stdout=out, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        before = rcvbuf_errors()
        tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        tx.bind(("127.0.0.13", 0))
        t0 = time.time()
        for i, p in enumerate(packets):
            tx.sendto(p, ("127.0.0.1", port))
            if rate and i % 500 == 499:
                ahead = t0 + (i + 1) / rate - time.time()
                if ahead > 0:
                    time.sleep(ahead)
        dt = time.time() - t0
        time.sleep(2)
        lost = rcvbuf_errors() - before
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    with open(out.name) as f:
        stats = [json.loads(l) for l in f if l.strip()][-1]
    os.unlink(out.name)
    return dt, stats, lost


def main():
    args = sys.argv[1:]
    n = 200000
    if "--messages" in args:
        i = args.index("--messages")
        n = int(args[i + 1])
        del args[i:i + 2]
    rate = 0
    if "--rate" in args:
        i = args.index("--rate")
        rate = int(args[i + 1])
        del args[i:i + 2]
    build = args[0] if args else os.path.join(ROOT, "build")
    sipwatch, gen = os.path.join(build, "sipwatch"), os.path.join(build, "bench", "sipwatch-gen")
    tmp = tempfile.mkdtemp(prefix="sw-hep-bench-")
    raw, hep = os.path.join(tmp, "raw.pcap"), os.path.join(tmp, "hep.pcap")
    subprocess.run([gen, "-o", raw, "-n", str(n)], check=True, capture_output=True)
    packets = []
    with open(hep, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
        for sec, usec, frame in read_pcap(raw):
            h = to_hep(sec, usec, frame)
            if h is None:
                continue
            packets.append(h)
            fr = udp_frame(h)
            f.write(struct.pack("<IIII", sec, usec, len(fr), len(fr)) + fr)
    t_raw, s_raw, f_raw = run_file(sipwatch, raw)
    t_hep, s_hep, f_hep = run_file(sipwatch, hep)
    print(f"messages: {n}")
    print(f"-r wire capture: {t_raw:6.2f} s  {s_raw['sip_messages'] / t_raw:10.0f} msg/s")
    print(f"-r HEP capture:  {t_hep:6.2f} s  {s_hep['sip_messages'] / t_hep:10.0f} msg/s  "
          f"(HEP decoded {s_hep['hep']['decoded']}, dropped {s_hep['hep']['dropped']})")
    print(f"findings equal: {f_raw == f_hep} ({len(f_raw)} findings)")
    dt, st, lost = live(sipwatch, packets, rate)
    h = st["hep"]
    print(f"--hep-listen: sent {len(packets)} in {dt:.2f} s ({len(packets) / dt:.0f}/s), received {h['received']}, "
          f"decoded {h['decoded']}, queue-full drops {h['dropped_by']['queue_full']}, "
          f"socket-full drops {h['dropped_by']['socket_full']} (RcvbufErrors {lost}), SIP analysed {st['sip_messages']}")
    for p in (raw, hep):
        os.unlink(p)
    os.rmdir(tmp)


if __name__ == "__main__":
    main()
