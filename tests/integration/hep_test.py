#!/usr/bin/env python3
"""HEP input and output (issue 13), one case per run:

  twins      each pcaps/hep-*.pcap with a .compare file gives the findings of
             the wire capture that file names (rule, severity, summary,
             count, endpoints, key) and the same call records
  password   the auth-key captures: the right --hep-password finds the
             auth-loop, a wrong one drops every packet as "auth"
  malformed  hep-malformed.pcap: the drops by reason, what decodes
  listen     three HEP agents (node ids 301-303, from 127.0.0.13-15) send the
             halves of a transfer to one --hep-listen: a REFER seen by one
             agent, its NOTIFY (sipfrag 503) by another; refer-failed is found
  tcp_listen the hep-kamailio-v3 packets over one TCP connection, in odd
             pieces, to --hep-listen tcp:...: the same findings as the file
  send       sipwatch -r FILE --hep-send to a UDP socket: every SIP message
             arrives as HEP with its addresses, time and bytes, and the
             finding as a log chunk with the Call-ID as correlation id
  sngrep_in  sngrep -H (sngrep as an agent) replaying a capture into
             --hep-listen: the findings of the capture itself
  sngrep_out sngrep -L receiving --hep-send: the messages sngrep writes
             equal the capture's (addresses, timestamps, bytes)
  send_tcp   --hep-send over TCP to a collector that starts late: connection
             failures counted, reconnected with back-off, nothing lost
  metrics    the HEP metrics of a HEP capture with --hep-send, linted by
             promtool (skipped without it)

Everything runs on 127.0.0.x, with process ids kept and time bounded.
Exit 77 = skipped (sngrep missing)."""
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FINDING_KEYS = ("rule", "severity", "summary", "count", "src", "dst", "key")


def run_json(sipwatch, args, timeout=120):
    r = subprocess.run([sipwatch, *args, "--json"], capture_output=True, text=True, timeout=timeout)
    if r.returncode not in (0, 1):
        raise SystemExit(f"sipwatch {' '.join(args)} exited {r.returncode}: {r.stderr}")
    lines = [json.loads(l) for l in r.stdout.splitlines() if l.strip()]
    return lines


def findings_of(lines):
    return sorted(tuple(str(f.get(k)) for k in FINDING_KEYS) for f in lines if f.get("type") == "finding")


def stats_of(lines):
    return lines[-1]


def wire_of(compare):
    with open(compare) as f:
        words = f.readline().split()
    return words[2]                                 # "# recipes/hep-compare.py WIRE HEP"


def case_twins(sipwatch, pcaps):
    failures = 0
    names = sorted(n[:-8] for n in os.listdir(pcaps) if n.startswith("hep-") and n.endswith(".compare"))
    for name in names:
        wire = os.path.join(pcaps, wire_of(os.path.join(pcaps, name + ".compare")))
        hep = run_json(sipwatch, ["-r", os.path.join(pcaps, name + ".pcap")])
        ref = run_json(sipwatch, ["-r", wire])
        same = findings_of(hep) == findings_of(ref)
        calls_hep = stats_of(hep).get("calls", {}).get("by_state")
        calls_ref = stats_of(ref).get("calls", {}).get("by_state")
        ok = same and calls_hep == calls_ref
        print(f"{'ok' if ok else 'MISMATCH':8} {name}: {len(findings_of(hep))} findings, calls {calls_hep} "
              f"(wire {os.path.basename(wire)}: {len(findings_of(ref))}, calls {calls_ref})")
        if not same:
            print("   HEP :", findings_of(hep))
            print("   wire:", findings_of(ref))
        failures += not ok
    if len(names) < 8:
        print(f"MISMATCH only {len(names)} .compare files")
        failures += 1
    return failures


def case_password(sipwatch, pcaps):
    failures = 0
    for name, packets in (("hep-kamailio-v3-authkey", 52), ("hep-sngrep-authkey", 32)):
        path = os.path.join(pcaps, name + ".pcap")
        good = run_json(sipwatch, ["-r", path, "--hep-password", "sipwatch-hep-key"])
        bad = run_json(sipwatch, ["-r", path, "--hep-password", "another-key"])
        rules_good = {f[0] for f in findings_of(good)}
        drops = stats_of(bad)["hep"]["dropped_by"]["auth"]
        ok = rules_good == {"auth-loop"} and not findings_of(bad) and drops == packets \
            and stats_of(bad)["sip_messages"] == 0
        print(f"{'ok' if ok else 'MISMATCH':8} {name}: right key {sorted(rules_good)}, "
              f"wrong key {drops} dropped (auth), {len(findings_of(bad))} findings")
        failures += not ok
    # v2 has no auth key: with a password it is refused
    v2 = run_json(sipwatch, ["-r", os.path.join(pcaps, "hep-kamailio-v2.pcap"), "--hep-password", "x"])
    ok = stats_of(v2)["hep"]["dropped_by"]["auth"] == 52
    print(f"{'ok' if ok else 'MISMATCH':8} hep-kamailio-v2 with a password: {stats_of(v2)['hep']['dropped_by']}")
    return failures + (not ok)


def case_malformed(sipwatch, pcaps):
    lines = run_json(sipwatch, ["-r", os.path.join(pcaps, "hep-malformed.pcap")])
    hep = stats_of(lines)["hep"]
    want = {"truncated": 5, "bad_length": 3, "bad_chunk": 2, "missing_chunk": 2, "bad_address": 2}
    got = {k: v for k, v in hep["dropped_by"].items() if v}
    ok = got == want and hep["decoded"] == 6 and hep["sip"] == 4 and hep["payload_types"] == {"100": 1} \
        and hep["unknown_chunks"] == 2 and not findings_of(lines)
    print(f"{'ok' if ok else 'MISMATCH':8} hep-malformed: dropped {got}, decoded {hep['decoded']}, sip {hep['sip']}")
    return 0 if ok else 1


# ---- live cases ---------------------------------------------------------------------------

def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def hep3(src, dst, sport, dport, ts, node, payload, proto=17, ptype=1, corr=None):
    def chunk(t, data):
        return struct.pack("!HHH", 0, t, 6 + len(data)) + data
    body = chunk(1, b"\x02") + chunk(2, bytes([proto]))
    body += chunk(3, socket.inet_aton(src)) + chunk(4, socket.inet_aton(dst))
    body += chunk(7, struct.pack("!H", sport)) + chunk(8, struct.pack("!H", dport))
    body += chunk(9, struct.pack("!I", int(ts))) + chunk(10, struct.pack("!I", int(round((ts % 1) * 1e6))))
    body += chunk(11, bytes([ptype])) + chunk(12, struct.pack("!I", node))
    if corr:
        body += chunk(17, corr.encode())
    body += chunk(15, payload)
    return b"HEP3" + struct.pack("!H", 6 + len(body)) + body


def parse_hep3(data):
    out, off = {"unknown": []}, 6
    total = struct.unpack("!H", data[4:6])[0]
    while off + 6 <= total:
        _v, t, ln = struct.unpack("!HHH", data[off:off + 6])
        out[t] = data[off + 6:off + ln]
        off += ln
    return out


def sip(first, call_id, cseq, method, branch, extra="", body=""):
    lines = [first, f"Via: SIP/2.0/UDP 127.0.0.21:5060;branch={branch}",
             "From: <sip:alice@example.com>;tag=a1", "To: <sip:bob@example.com>;tag=b1",
             f"Call-ID: {call_id}", f"CSeq: {cseq} {method}", "Max-Forwards: 70"]
    if extra:
        lines += extra.split("\n")
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


def start(args, log):
    return subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)


def stop(proc, timeout=10):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def bound(port, proto):
    """Whether a socket is bound (UDP) or listening (TCP) on port, from
    /proc/net (no dependence on ss or netstat being installed)."""
    want = ":%04X" % port
    for table in (proto, proto + "6"):
        try:
            with open("/proc/net/" + table) as f:
                next(f)
                for line in f:
                    cols = line.split()
                    if cols[1].endswith(want) and (proto == "udp" or cols[3] == "0A"):
                        return True
        except OSError:
            continue
    return False


def wait_bound(port, proto="udp", seconds=5):
    end = time.time() + seconds
    while time.time() < end:
        if bound(port, proto):
            return True
        time.sleep(0.05)
    return False


def listen_run(sipwatch, listen_args, feed, tmp, proto="udp", port=None):
    """Starts sipwatch --hep-listen, calls feed(port), stops sipwatch, returns its JSON lines."""
    port = port or free_port()
    out_path = os.path.join(tmp, "listen.out")
    with open(out_path, "w") as out:
        proc = subprocess.Popen([sipwatch, *[a.replace("PORT", str(port)) for a in listen_args], "--json",
                                 "--duration", "20"], stdout=out, stderr=subprocess.PIPE, text=True)
        try:
            if not wait_bound(port, proto):
                raise SystemExit("sipwatch did not bind its HEP port: " + (proc.stderr.read() if proc.poll() else ""))
            feed(port)
            time.sleep(0.5)
        finally:
            stop(proc)
    with open(out_path) as f:
        return [json.loads(l) for l in f if l.strip()]


def case_listen(sipwatch, tmp):
    """A transfer seen by three agents: REFER (agent 301), its 202 (302),
    NOTIFY with a sipfrag 503 (303), then its 200 (301)."""
    t0 = 1764000000.0
    cid = "transfer-3-agents@127.0.0.21"
    a, b = ("127.0.0.21", 5060), ("127.0.0.22", 5060)
    msgs = [
        (301, "127.0.0.13", a, b, 0.0, sip("REFER sip:bob@127.0.0.22 SIP/2.0", cid, 5, "REFER", "z9hG4bK-r1",
                                          "Refer-To: <sip:carol@example.com>\nContact: <sip:alice@127.0.0.21>")),
        (302, "127.0.0.14", b, a, 0.010, sip("SIP/2.0 202 Accepted", cid, 5, "REFER", "z9hG4bK-r1")),
        (303, "127.0.0.15", b, a, 0.050, sip("NOTIFY sip:alice@127.0.0.21 SIP/2.0", cid, 7, "NOTIFY", "z9hG4bK-n1",
                                            "Event: refer\nSubscription-State: terminated;reason=noresource\n"
                                            "Content-Type: message/sipfrag;version=2.0",
                                            "SIP/2.0 503 Service Unavailable\r\n")),
        (301, "127.0.0.13", a, b, 0.060, sip("SIP/2.0 200 OK", cid, 7, "NOTIFY", "z9hG4bK-n1")),
        # the same NOTIFY exported by a second agent: a duplicate, not a retransmission
        (302, "127.0.0.14", b, a, 0.051, sip("NOTIFY sip:alice@127.0.0.21 SIP/2.0", cid, 7, "NOTIFY", "z9hG4bK-n1",
                                            "Event: refer\nSubscription-State: terminated;reason=noresource\n"
                                            "Content-Type: message/sipfrag;version=2.0",
                                            "SIP/2.0 503 Service Unavailable\r\n")),
    ]

    def feed(port):
        socks = {}
        for node, src_ip, s, d, dt, payload in msgs:
            sock = socks.get(src_ip)
            if not sock:
                sock = socks[src_ip] = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                sock.bind((src_ip, 0))
            sock.sendto(hep3(s[0], d[0], s[1], d[1], t0 + dt, node, payload), ("127.0.0.1", port))
            time.sleep(0.02)
        for s in socks.values():
            s.close()

    lines = listen_run(sipwatch, ["--hep-listen", "udp:127.0.0.1:PORT"], feed, tmp)
    st = stats_of(lines)
    rules = {f[0] for f in findings_of(lines)}
    agents = st["hep"]["agents"]
    ok = "refer-failed" in rules and agents == 3 and st["sip_messages"] == 5 \
        and st["correlator"]["duplicates"] == 1 and st["correlator"]["retransmissions"] == 0
    print(f"{'ok' if ok else 'MISMATCH':8} three agents: findings {sorted(rules)}, agents {agents}, "
          f"sip {st['sip_messages']}, duplicates {st['correlator']['duplicates']}")
    return 0 if ok else 1


def hep_packets_of(pcap):
    """The HEP3 packets of a pcap's UDP datagrams, in order (Ethernet/IPv4)."""
    out = []
    with open(pcap, "rb") as f:
        f.read(24)
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                break
            incl = struct.unpack("<IIII", rec)[2]
            frame = f.read(incl)
            ip = frame[14:]
            ihl = (ip[0] & 15) * 4
            payload = ip[ihl + 8:]
            if payload[:4] == b"HEP3":
                out.append(payload)
    return out


def case_tcp_listen(sipwatch, pcaps, tmp):
    packets = hep_packets_of(os.path.join(pcaps, "hep-kamailio-v3.pcap"))
    stream = b"".join(packets)

    def feed(port):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for i in range(0, len(stream), 333):
            s.sendall(stream[i:i + 333])
            time.sleep(0.002)
        time.sleep(0.3)
        s.close()

    lines = listen_run(sipwatch, ["--hep-listen", "tcp:127.0.0.1:PORT"], feed, tmp, proto="tcp")
    ref = run_json(sipwatch, ["-r", os.path.join(pcaps, "hep-kamailio-v3-wire.pcap")])
    st = stats_of(lines)
    ok = findings_of(lines) == findings_of(ref) and st["sip_messages"] == 52 and st["hep"]["decoded"] == 52
    print(f"{'ok' if ok else 'MISMATCH':8} HEP over TCP to --hep-listen: {st['sip_messages']} SIP, "
          f"findings {[f[0] for f in findings_of(lines)]} (wire {[f[0] for f in findings_of(ref)]})")
    return 0 if ok else 1


def case_send(sipwatch, pcaps, tmp):
    pcap = os.path.join(pcaps, "register-wrong-password-udp.pcap")
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.18", 0))
    rx.settimeout(0.5)
    port = rx.getsockname()[1]
    r = subprocess.run([sipwatch, "-r", pcap, "--json", "--hep-send", f"udp:127.0.0.18:{port}", "--hep-id", "777",
                        "--hep-password", "k3y"], capture_output=True, text=True, timeout=60)
    got = []
    while True:
        try:
            got.append(rx.recv(70000))
        except socket.timeout:
            break
    rx.close()
    dump = subprocess.run([sipwatch, "-r", pcap, "--dump"], capture_output=True, text=True).stdout.splitlines()
    sipmsgs = [parse_hep3(p) for p in got if parse_hep3(p).get(11) == b"\x01"]
    logs = [parse_hep3(p) for p in got if parse_hep3(p).get(11) == bytes([100])]
    ok = len(sipmsgs) == len(dump) == 32 and all(m.get(12) == struct.pack("!I", 777) and m.get(14) == b"k3y"
                                                  for m in sipmsgs)
    # first message: time and addresses as in the capture
    first = sipmsgs[0] if sipmsgs else {}
    ts = struct.unpack("!I", first.get(9, b"\0\0\0\0"))[0] + struct.unpack("!I", first.get(10, b"\0\0\0\0"))[0] / 1e6
    want = dump[0].split()[0] if dump else ""
    got_time = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + f".{int(round((ts % 1) * 1e6)):06d}Z"
    ok = ok and got_time == want and socket.inet_ntoa(first.get(3, b"\0" * 4)) == dump[0].split()[1].split(":")[0]
    log_ok = bool(logs) and json.loads(logs[0][15]).get("rule") == "auth-loop" and logs[0].get(17)
    ok = ok and log_ok and r.returncode in (0, 1)
    print(f"{'ok' if ok else 'MISMATCH':8} --hep-send: {len(sipmsgs)} SIP (capture {len(dump)}), {len(logs)} log "
          f"chunks; first at {got_time} (capture {want})")
    return 0 if ok else 1


def sngrep_ok():
    return shutil.which("sngrep") is not None


def case_sngrep_in(sipwatch, pcaps, tmp):
    if not sngrep_ok():
        print("sngrep not installed")
        return 77
    pcap = os.path.join(pcaps, "register-no-response-udp.pcap")
    rc = os.path.join(tmp, "sngreprc")
    with open(rc, "w") as f:
        f.write("set eep.send.id 2030\n")

    def feed(port):
        subprocess.run(["sngrep", "-F", "-f", rc, "-N", "-q", "-I", pcap, "-H", f"udp:127.0.0.1:{port}"],
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=30)

    lines = listen_run(sipwatch, ["--hep-listen", "PORT"], feed, tmp)
    ref = run_json(sipwatch, ["-r", pcap])
    st = stats_of(lines)
    ok = findings_of(lines) == findings_of(ref) and st["hep"]["nodes"] == {"133038080": 13}
    print(f"{'ok' if ok else 'MISMATCH':8} sngrep -H into --hep-listen: {st['sip_messages']} SIP, nodes "
          f"{st['hep']['nodes']}, findings {[f[0] for f in findings_of(lines)]} (file {[f[0] for f in findings_of(ref)]})")
    if findings_of(lines) != findings_of(ref):
        print("   HEP :", findings_of(lines))
        print("   file:", findings_of(ref))
    return 0 if ok else 1


def case_sngrep_out(sipwatch, pcaps, tmp):
    if not sngrep_ok():
        print("sngrep not installed")
        return 77
    pcap = os.path.join(pcaps, "register-wrong-password-udp.pcap")
    out = os.path.join(tmp, "sngrep-out.pcap")
    port = free_port()
    log = open(os.path.join(tmp, "sngrep.log"), "w")
    proc = start(["sngrep", "-N", "-q", "-L", f"udp:127.0.0.1:{port}", "-O", out], log)
    try:
        if not wait_bound(port):
            print("sngrep did not bind")
            return 1
        subprocess.run([sipwatch, "-r", pcap, "--json", "--hep-send", f"udp:127.0.0.1:{port}"],
                       capture_output=True, timeout=60)
        time.sleep(1.0)
    finally:
        stop(proc)
        log.close()
    if not os.path.exists(out):
        print("MISMATCH sngrep wrote nothing")
        return 1
    got = subprocess.run([sipwatch, "-r", out, "--dump"], capture_output=True, text=True).stdout.splitlines()
    want = subprocess.run([sipwatch, "-r", pcap, "--dump"], capture_output=True, text=True).stdout.splitlines()
    ok = got == want
    print(f"{'ok' if ok else 'MISMATCH':8} --hep-send into sngrep -L: {len(got)} messages written by sngrep, "
          f"{len(want)} in the capture, {'equal' if ok else 'different'} (time, addresses, first line, keys)")
    if not ok:
        for a, b in zip(got, want):
            if a != b:
                print("   sngrep :", a)
                print("   capture:", b)
                break
    return 0 if ok else 1


def case_send_tcp(sipwatch, pcaps, tmp):
    import threading
    pcap = os.path.join(pcaps, "register-wrong-password-udp.pcap")
    port = free_port()
    got = bytearray()

    def collector():
        time.sleep(0.6)                 # sipwatch is already trying
        srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("127.0.0.1", port))
        srv.listen(1)
        srv.settimeout(10)
        try:
            conn, _ = srv.accept()
            conn.settimeout(3)
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                got.extend(data)
        except OSError:
            pass
        srv.close()

    t = threading.Thread(target=collector)
    t.start()
    r = subprocess.run([sipwatch, "-r", pcap, "--json", "--hep-send", f"tcp:127.0.0.1:{port}"],
                       capture_output=True, text=True, timeout=60)
    t.join(timeout=20)
    st = json.loads(r.stdout.splitlines()[-1])["hep"]["send"]
    packets, off = 0, 0
    while off + 6 <= len(got) and got[off:off + 4] == b"HEP3":
        off += struct.unpack("!H", got[off + 4:off + 6])[0]
        packets += 1
    ok = st["connect_failures"] >= 1 and st["connects"] == 1 and st["sent"] == packets == \
        st["messages"] + st["findings"] and st["messages"] == 32 and off == len(got)
    print(f"{'ok' if ok else 'MISMATCH':8} --hep-send tcp to a late collector: {st}; collector got {packets} packets")
    return 0 if ok else 1


def case_metrics(sipwatch, pcaps, tmp):
    if not shutil.which("promtool"):
        print("promtool not installed")
        return 77
    import urllib.request
    port, sink = free_port(), free_port()
    proc = subprocess.Popen([sipwatch, "-r", os.path.join(pcaps, "hep-two-agents.pcap"), "--json",
                             "--hep-send", f"udp:127.0.0.18:{sink}", "--metrics", f"127.0.0.1:{port}",
                             "--metrics-linger", "5"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        text = ""
        for _ in range(50):
            time.sleep(0.1)
            try:
                text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2).read().decode()
            except OSError:
                continue
            if "sipwatch_hep_decoded_total 104" in text and "sipwatch_hep_sent_total 0" not in text:
                break
    finally:
        stop(proc)
    lint = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True)
    values = dict(l.split() for l in text.splitlines() if l.startswith("sipwatch_hep"))
    ok = lint.returncode == 0 and values.get("sipwatch_hep_decoded_total") == "104" and \
        values.get("sipwatch_hep_agents") == "2" and values.get("sipwatch_hep_sent_total") == "118"
    print(f"{'ok' if ok else 'MISMATCH':8} HEP metrics: {values}; promtool {lint.returncode} {lint.stdout.strip()}")
    return 0 if ok else 1


def main():
    sipwatch, pcaps, case = sys.argv[1:4]
    tmp = os.environ.get("TMPDIR", "/tmp")
    tmp = os.path.join(tmp, f"sw-hep-{case}-{os.getpid()}")
    os.makedirs(tmp, exist_ok=True)
    try:
        cases = {
            "twins": lambda: case_twins(sipwatch, pcaps),
            "password": lambda: case_password(sipwatch, pcaps),
            "malformed": lambda: case_malformed(sipwatch, pcaps),
            "listen": lambda: case_listen(sipwatch, tmp),
            "tcp_listen": lambda: case_tcp_listen(sipwatch, pcaps, tmp),
            "send": lambda: case_send(sipwatch, pcaps, tmp),
            "sngrep_in": lambda: case_sngrep_in(sipwatch, pcaps, tmp),
            "sngrep_out": lambda: case_sngrep_out(sipwatch, pcaps, tmp),
            "metrics": lambda: case_metrics(sipwatch, pcaps, tmp),
            "send_tcp": lambda: case_send_tcp(sipwatch, pcaps, tmp),
        }
        rc = cases[case]()
        return 77 if rc == 77 else (1 if rc else 0)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
