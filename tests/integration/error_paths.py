#!/usr/bin/env python3
"""Error paths and input handling of the sipwatch command line: every bad
input gets a one-line message naming the problem and the documented exit
status; a truncated capture is analysed up to the cut and says so; standard
input and -c work. Usage: error_paths.py SIPWATCH PCAPS_DIR CASE"""
import json
import os
import struct
import subprocess
import sys
import tempfile

SIPWATCH, PCAPS, CASE = sys.argv[1], sys.argv[2], sys.argv[3]
GOOD = os.path.join(PCAPS, "register-401-200-udp.pcap")
TMP = tempfile.mkdtemp(prefix="sipwatch-test-")


def run(args, stdin=None):
    return subprocess.run([SIPWATCH] + args, input=stdin, capture_output=True, timeout=60)


def stats_of(result):
    lines = [l for l in result.stdout.decode().splitlines() if l.strip()]
    return json.loads(lines[-1])


def expect(cond, what):
    if not cond:
        print("FAILED:", what)
        sys.exit(1)


def one_line_error(result, status, *words):
    err = result.stderr.decode()
    expect(result.returncode == status, f"exit status {result.returncode}, wanted {status}; stderr: {err!r}")
    first = err.splitlines()[0] if err else ""
    expect(first.startswith("sipwatch: "), f"message should start with 'sipwatch: ': {err!r}")
    for w in words:
        expect(w.lower() in first.lower(), f"message should mention {w!r}: {first!r}")
    expect(result.stdout == b"", f"nothing on stdout on error, got {result.stdout[:80]!r}")


def write(name, data):
    path = os.path.join(TMP, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def pcap_header(linktype):
    return struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype)


def case_missing_file():
    r = run(["-r", os.path.join(TMP, "nope.pcap")])
    one_line_error(r, 3, "nope.pcap", "no such file")
    expect(r.stderr.decode().count("nope.pcap") == 1, f"the path once: {r.stderr!r}")


def case_corrupt_file():
    path = write("garbage.pcap", b"this is not a capture file at all" * 10)
    one_line_error(run(["-r", path]), 3, "garbage.pcap")


def case_empty_file():
    r = run(["-r", write("empty.pcap", b"")])
    one_line_error(r, 3, "empty.pcap", "empty")
    expect(b"tried to read" not in r.stderr, f"libpcap's header words: {r.stderr!r}")


def case_unknown_linktype():
    path = write("usb.pcap", pcap_header(189))      # LINKTYPE_USB_LINUX
    one_line_error(run(["-r", path]), 3, "link type")


def case_bad_filter():
    one_line_error(run(["-r", GOOD, "udp", "and", "and"]), 2, "filter")


def case_usage():
    one_line_error(run([]), 2, "-r")
    one_line_error(run(["-r", GOOD, "-i", "lo"]), 2, "not both")
    one_line_error(run(["-r", GOOD, "--frobnicate"]), 2, "frobnicate")
    one_line_error(run(["-r", GOOD, "-c", "many"]), 2, "count")
    one_line_error(run(["-r", GOOD, "-p", "70000"]), 2, "port")
    one_line_error(run(["-r"]), 2, "needs a value")
    for args in (["--frobnicate"], ["-r"], [], ["-r", GOOD, "--json", "--dump"]):
        r = run(args)
        expect(len(r.stderr.decode().splitlines()) == 1, f"{args}: one line, got {r.stderr!r}")
    r = run(["--help"])
    expect(r.returncode == 0 and b"-r, --read FILE" in r.stdout, "--help prints the usage")
    r = run(["--version"])
    expect(r.returncode == 0 and r.stdout.startswith(b"sipwatch "), "--version")


def case_list_rules():
    r = run(["--list-rules", "--set", "auth-loop.challenges=5"])
    line = [l for l in r.stdout.decode().splitlines() if "auth-loop.challenges" in l]
    expect(r.returncode == 0 and line and line[0].split()[1] == "5", f"--set applies to --list-rules: {line}")
    one_line_error(run(["--list-rules", "--bogus"]), 2, "bogus")
    # the table sizes (size_t settings) take values past 32 bits' worth of units too
    r = run(["--list-rules", "--set", "evidence.max=500000", "--set", "flows.max=3000000"])
    got = {l.split()[0]: l.split()[1] for l in r.stdout.decode().splitlines() if l.split()[:1] in (["evidence.max"], ["flows.max"])}
    expect(got == {"evidence.max": "500000", "flows.max": "3000000"}, f"--set evidence.max, flows.max: {got}")
    one_line_error(run(["--list-rules", "--set", "evidence.max=0"]), 2, "evidence.max")
    rules = run(["--list-rules"]).stdout.decode()
    for rule in ("refer-notify-rejected", "destination-unreachable"):
        expect(rule in rules, f"{rule} listed")


def case_explain_width():
    def run_cols(cols):
        env = dict(os.environ, COLUMNS=str(cols))
        return subprocess.run([SIPWATCH, "--explain", "202", "401"], capture_output=True, timeout=60, env=env)
    wide = run_cols(200).stdout.decode()
    expect(any("202 Accepted" in l and "401 Unauthorized" in l for l in wide.splitlines()),
           "side by side at 200 columns")
    narrow = run_cols(80).stdout.decode()
    expect(not any("202 Accepted" in l and "401 Unauthorized" in l for l in narrow.splitlines()),
           "one after the other at 80 columns")
    expect(max(len(l) for l in narrow.splitlines()) <= 80, "fits 80 columns")


def tls_only_pcap():
    """A TCP connection to port 5061 carrying only TLS records: nothing to read."""
    def ip_tcp(src, dst, sport, dport, seq, flags, payload=b""):
        tcp = struct.pack(">HHIIBBHHH", sport, dport, seq, 0, 5 << 4, flags, 65535, 0, 0) + payload
        ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0, 64, 6, 0, bytes(src), bytes(dst))
        return b"\x00\x01\x02\x03\x04\x05\x00\x01\x02\x03\x04\x06\x08\x00" + ip + tcp
    a, b = [127, 0, 0, 11], [127, 0, 0, 10]
    hello = b"\x16\x03\x01\x00\x40" + b"\x01\x00\x00\x3c\x03\x03" + bytes(58)
    app = b"\x17\x03\x03\x00\x20" + bytes(range(32))
    frames = [ip_tcp(a, b, 40000, 5061, 1000, 0x02), ip_tcp(b, a, 5061, 40000, 5000, 0x12),
              ip_tcp(a, b, 40000, 5061, 1001, 0x18, hello), ip_tcp(a, b, 40000, 5061, 1001 + len(hello), 0x18, app)]
    data = pcap_header(1)
    for i, fr in enumerate(frames):
        data += struct.pack("<IIII", 1700000000, i * 1000, len(fr), len(fr)) + fr
    return write("tls-only.pcap", data)


def case_nothing_inspected():
    path = tls_only_pcap()
    r = run(["-r", path, "--check"])
    out = r.stdout.decode()
    expect(r.returncode == 3 and out.startswith("SIPWATCH UNKNOWN - "), f"--check UNKNOWN: {r.returncode} {out!r}")
    expect("TLS" in out and "tls_connections=1" in out, f"names the TLS connection: {out!r}")
    rep = run(["-r", path, "--report"]).stdout.decode()
    expect("No verdict" in rep and "No problems found" not in rep and "TLS connection" in rep, rep[:400])
    s = stats_of(run(["-r", path, "--json"]))
    expect(len(s["not_inspected"]) == 2, f"not_inspected: {s['not_inspected']}")
    # A clean capture: "No problems found." and nothing listed.
    rep = run(["-r", GOOD, "--report"]).stdout.decode()
    expect("No problems found." in rep and "Not inspected" not in rep, rep[:300])
    expect(stats_of(run(["-r", GOOD, "--json"]))["not_inspected"] == [], "nothing missed on a clean capture")
    # A truncated one says so first.
    data = open(GOOD, "rb").read()
    rep = run(["-r", write("cut2.pcap", data[: len(data) - 100]), "--report"]).stdout.decode()
    expect("Not inspected" in rep and "ends early" in rep, rep[:400])
    expect("Call-ID flows:" in rep and "tracked" in rep, "the flows line says what it counts")


def case_match():
    xfer = os.path.join(PCAPS, "refer-blind-transfer-udp.pcap")
    def calls(*args):
        r = run(["-r", xfer, "--calls", "--json"] + list(args))
        return [json.loads(l) for l in r.stdout.decode().splitlines() if '"type":"call"' in l]
    everything = calls()
    expect(len(everything) == 2 and all(c["state"] == "completed" for c in everything), f"two calls: {everything}")
    # The first call's REFER names carol in a header: a whole-message match keeps both.
    expect(len(calls("--match", "carol")) == 2, "carol appears in both calls' messages")
    only = calls("--match-field", "to", "--match", "^carol@")
    expect(len(only) == 1 and only[0]["to"].startswith("carol@"), f"To carol only: {only}")
    expect(calls("--match", "nobody-here") == [], "no call matches")
    dump = run(["-r", xfer, "--dump", "--match-field", "to", "--match", "^carol@"]).stdout.decode().splitlines()
    expect(dump and all("To: carol" in l or "From: carol" in l for l in dump), f"dump of carol's call: {dump[:3]}")
    loop = os.path.join(PCAPS, "register-wrong-password-udp.pcap")
    r = run(["-r", loop, "--json", "--match", "nobody-here"])
    expect(r.returncode == 0 and '"type":"finding"' not in r.stdout.decode(), "findings of unmatched calls left out")
    r = run(["-r", loop, "--json", "--match", "alice"])
    expect(r.returncode == 1 and '"auth-loop"' in r.stdout.decode(), "findings of matched calls kept")
    one_line_error(run(["-r", xfer, "--match", "("]), 2, "--match")
    one_line_error(run(["-r", xfer, "--match-field", "body"]), 2, "match-field")


def case_missing_interface():
    one_line_error(run(["-i", "sipwatch-no-such-if0"]), 3, "sipwatch-no-such-if0")


def case_truncated_file():
    data = open(GOOD, "rb").read()
    full = stats_of(run(["-r", GOOD, "--json"]))
    cut = write("cut.pcap", data[: len(data) - 100])
    r = run(["-r", cut, "--json"])
    expect(r.returncode == 0, f"truncated file still analysed, exit {r.returncode}")
    err = r.stderr.decode()
    expect("ends early" in err and "cut.pcap" in err, f"warning about the cut: {err!r}")
    s = stats_of(r)
    expect(s["truncated"] is True and s["capture_error"], "stats say truncated")
    expect(0 < s["packets"] < full["packets"], f"packets before the cut: {s['packets']} of {full['packets']}")
    expect(s["sip_messages"] == s["packets"], "every whole packet before the cut analysed")


def case_stdin():
    data = open(GOOD, "rb").read()
    a = stats_of(run(["-r", GOOD, "--json"]))
    b = stats_of(run(["-r", "-", "--json"], stdin=data))
    expect(b["source"] == "-", "source is '-'")
    for k in ("packets", "sip_messages", "requests", "responses"):
        expect(a[k] == b[k], f"{k} from stdin equals {k} from the file")


def case_count_and_filter():
    s = stats_of(run(["-r", GOOD, "-c", "2", "--json"]))
    expect(s["packets"] == 2, f"-c 2 reads 2 packets, got {s['packets']}")
    s = stats_of(run(["-r", GOOD, "--json", "tcp"]))
    expect(s["packets"] == 0 and s["filter"] == "tcp", "a trailing BPF filter applies")
    s = stats_of(run(["-r", GOOD, "--json", "-p", "5999"]))
    expect(s["packets"] == 0 and "port 5999" in s["filter"], "-p narrows the filter to that port")


def case_dump_format():
    r = run(["-r", GOOD, "--dump"])
    expect(r.returncode == 0, "dump runs")
    lines = r.stdout.decode().splitlines()
    expect(len(lines) == stats_of(run(["-r", GOOD, "--json"]))["sip_messages"], "one dump line per message")
    first = lines[0].split()
    expect(first[0].endswith("Z") and "T" in first[0], f"ISO time first: {lines[0]}")
    expect(first[2] == "->" and first[4] in ("UDP", "TCP"), f"src -> dst transport: {lines[0]}")
    expect("CSeq:" in lines[0] and "Call-ID:" in lines[0], f"CSeq and Call-ID: {lines[0]}")
    expect(lines[0].endswith("From: alice To: alice"), f"From and To users, for grep: {lines[0]}")


def case_json_stats_fields():
    s = stats_of(run(["-r", GOOD, "--json"]))
    for k in ("type", "packets", "bytes", "sip_messages", "parse_errors", "requests", "responses",
              "tcp_streams", "ip_fragments_reassembled", "kernel_drops", "first_packet", "last_packet"):
        expect(k in s, f"stats has {k}")
    expect(s["first_packet"] <= s["last_packet"], "first_packet <= last_packet")


def case_replay():
    """--replay paces a file by its timestamps and changes nothing else."""
    import time
    pcap = os.path.join(PCAPS, "refer-no-notify-udp.pcap")
    fast = stats_of(run(["-r", pcap, "--json"]))
    start = time.monotonic()
    paced = stats_of(run(["-r", pcap, "--json", "--replay=8"]))
    took = time.monotonic() - start
    span = fast["duration_s"]
    expect(span > 4, f"the capture spans some seconds: {span}")
    expect(took >= span / 8 * 0.8, f"paced: {took:.2f}s for {span:.1f}s of capture at 8x")
    for k in ("packets", "sip_messages", "requests", "responses"):
        expect(fast[k] == paced[k], f"{k} is the same when paced")
    r = run(["-i", "lo", "--replay"])
    expect(r.returncode == 2 and b"--replay" in r.stderr, "--replay is for files")


def case_live_capture():
    """Live on lo: sees SIP sent to a loopback port, stops promptly on SIGTERM."""
    import socket
    import time
    if os.geteuid() != 0:
        print("skipped: live capture needs root")
        sys.exit(77)
    port = 5000 + os.getpid() % 900 + 91
    proc = subprocess.Popen([SIPWATCH, "-i", "lo", "--json", "udp", "port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        time.sleep(1.0)
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for i in range(3):
            msg = (f"OPTIONS sip:probe@127.0.0.16:{port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.17;branch=z9hG4bK-{i}\r\n"
                   f"Call-ID: live-{i}\r\nCSeq: {i + 1} OPTIONS\r\nContent-Length: 0\r\n\r\n")
            sock.sendto(msg.encode(), ("127.0.0.16", port))
        time.sleep(0.5)
        start = time.monotonic()
        proc.terminate()
        out, err = proc.communicate(timeout=5)
        took = time.monotonic() - start
    finally:
        if proc.poll() is None:
            proc.kill()
    expect(proc.returncode == 0, f"exit {proc.returncode}: {err!r}")
    expect(took < 1.5, f"SIGTERM honoured within a second or so, took {took:.2f}s")
    s = json.loads(out.decode().splitlines()[-1])
    expect(s["live"] is True and s["sip_messages"] == 3, f"3 live SIP messages, got {s['sip_messages']}")
    expect(s["requests"].get("OPTIONS") == 3, "3 OPTIONS counted")


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}

if __name__ == "__main__":
    if CASE == "list":
        print(" ".join(CASES))
        sys.exit(0)
    CASES[CASE]()
    print("ok", CASE)
