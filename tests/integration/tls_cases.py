#!/usr/bin/env python3
"""SIP over TLS, the cases the capture checks do not cover:
  keyupdate_derived   the KeyUpdate capture with its key log stripped of
                      OpenSSL's *_TRAFFIC_SECRET_N lines: sipwatch derives the
                      next keys itself and still reads all 19 messages
  no_key_in_output    no secret from the key log appears in any output
                      (report, JSON, dump, calls, check, stderr)
  bad_keylog          an unreadable key log is an input error
  live_late_key       live on lo: Python's ssl (keylog_filename) carries SIP;
                      the key reaches the watched key log only after the first
                      records, which are held and decrypted when it comes
Usage: tls_cases.py SIPWATCH PCAPS_DIR CASE"""
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

SIPWATCH, PCAPS, CASE = sys.argv[1:4]


def expect(cond, what):
    if not cond:
        print("FAIL:", what)
        sys.exit(1)


def stats_of(out):
    return json.loads(out.splitlines()[-1])


def case_keyupdate_derived():
    name = os.path.join(PCAPS, "tls-v13-aes256gcm-keyupdate")
    with open(name + ".keylog") as f:
        lines = f.readlines()
    kept = [l for l in lines if not re.match(r"\w+_TRAFFIC_SECRET_N ", l)]
    expect(len(kept) == len(lines) - 2, f"two _N lines in the key log ({len(lines) - len(kept)})")
    with tempfile.NamedTemporaryFile("w", suffix=".keylog", delete=False) as k:
        k.writelines(kept)
    try:
        r = subprocess.run([SIPWATCH, "-r", name + ".pcap", "--json", "--tls-keylog", k.name],
                           capture_output=True, text=True, timeout=60)
    finally:
        os.unlink(k.name)
    s = stats_of(r.stdout)
    expect(s["sip_messages"] == 19, f"19 SIP messages, got {s['sip_messages']}")
    expect(s["tls"]["key_updates"] == 2 and s["tls"]["decrypted"] == 2, f"tls: {s['tls']}")
    expect(s["tls"]["keylog"]["ignored"] == 3, f"only EXPORTER_SECRET and the comment ignored: {s['tls']['keylog']}")


def case_no_key_in_output():
    secrets = set()
    for k in os.listdir(PCAPS):
        if k.startswith("tls-") and k.endswith(".keylog"):
            with open(os.path.join(PCAPS, k)) as f:
                for line in f:
                    parts = line.split()
                    if len(parts) == 3 and not line.startswith("#"):
                        secrets.add(parts[2].lower())
    expect(len(secrets) > 20, f"secrets found in the key logs: {len(secrets)}")
    outputs = 0
    for cap in ("tls-kamailio", "tls-v12-aes128gcm", "tls-no-key"):
        base = os.path.join(PCAPS, cap)
        for mode in (["--report"], ["--json"], ["--dump"], ["--calls", "--json"], ["--check"]):
            r = subprocess.run([SIPWATCH, "-r", base + ".pcap", "--tls-keylog", base + ".keylog"] + mode,
                               capture_output=True, text=True, timeout=60)
            text = (r.stdout + r.stderr).lower()
            for s in secrets:
                expect(s[:16] not in text, f"a secret's start appears in {cap} {mode}")
            outputs += 1
    print(f"{outputs} outputs checked against {len(secrets)} secrets")


def case_bad_keylog():
    r = subprocess.run([SIPWATCH, "-r", os.path.join(PCAPS, "tls-kamailio.pcap"), "--json", "--tls-keylog",
                        "/nonexistent/sipwatch.keylog"], capture_output=True, text=True, timeout=60)
    expect(r.returncode == 3 and "--tls-keylog" in r.stderr, f"exit 3 and a message: {r.returncode} {r.stderr!r}")


def make_cert(tmp):
    key, crt = os.path.join(tmp, "k.pem"), os.path.join(tmp, "c.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", key, "-out", crt, "-subj", "/CN=sipwatch-test.invalid", "-days", "1"],
                   check=True, capture_output=True, timeout=30)
    return key, crt


def sip(method_or_status, cseq):
    head = f"{method_or_status} sip:bob@127.0.0.18 SIP/2.0" if not method_or_status.isdigit() \
        else f"SIP/2.0 {method_or_status} OK"
    return (f"{head}\r\nVia: SIP/2.0/TLS 127.0.0.19;branch=z9hG4bK-live{cseq}\r\nFrom: <sip:alice@127.0.0.19>;tag=a\r\n"
            f"To: <sip:bob@127.0.0.18>\r\nCall-ID: tls-live-{cseq}\r\nCSeq: {cseq} OPTIONS\r\n"
            f"Content-Length: 0\r\n\r\n").encode()


def case_live_late_key():
    if os.geteuid() != 0:
        print("skipped: live capture needs root")
        sys.exit(77)
    if not shutil.which("openssl"):
        print("skipped: no openssl command")
        sys.exit(77)
    tmp = tempfile.mkdtemp(prefix="sipwatch-tls-live-")
    try:
        live_late_key(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def live_late_key(tmp):
    key, crt = make_cert(tmp)
    watched, written = os.path.join(tmp, "watched.keylog"), os.path.join(tmp, "client.keylog")
    open(watched, "w").close()
    port = 6000 + os.getpid() % 900
    srv_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    srv_ctx.load_cert_chain(crt, key)
    listener = socket.create_server(("127.0.0.18", port))
    answered = []

    def serve():
        conn, _ = listener.accept()
        with srv_ctx.wrap_socket(conn, server_side=True) as s:
            buf = b""
            while len(answered) < 3:
                data = s.recv(4096)
                if not data:
                    break
                buf += data
                while b"\r\n\r\n" in buf:
                    _, buf = buf.split(b"\r\n\r\n", 1)
                    answered.append(1)
                    s.sendall(sip("200", len(answered)))
    proc = subprocess.Popen([SIPWATCH, "-i", "lo", "--json", "--tls-keylog", watched, "tcp", "port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    th = threading.Thread(target=serve, daemon=True)
    try:
        time.sleep(1.0)
        th.start()
        cli_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        cli_ctx.check_hostname = False
        cli_ctx.verify_mode = ssl.CERT_NONE
        cli_ctx.keylog_filename = written
        with socket.create_connection(("127.0.0.18", port), source_address=("127.0.0.19", 0)) as raw:
            with cli_ctx.wrap_socket(raw) as c:
                for i in (1, 2):
                    c.sendall(sip("OPTIONS", i))
                    c.recv(4096)
                time.sleep(1.0)                 # records held: the key is not in the watched file yet
                shutil.copyfile(written, watched)
                time.sleep(1.0)                 # the housekeeping tick reads it
                c.sendall(sip("OPTIONS", 3))
                c.recv(4096)
                time.sleep(0.5)
        th.join(timeout=5)
        proc.terminate()
        out, err = proc.communicate(timeout=10)
    finally:
        listener.close()
        if proc.poll() is None:
            proc.kill()
    s = stats_of(out.decode())
    tls = s["tls"]
    print(f"sip_messages {s['sip_messages']} tls {tls}")
    expect(s["sip_messages"] == 6, f"6 SIP messages decrypted live, got {s['sip_messages']}")
    expect(tls["decrypted"] == 1 and tls["late_keys"] == 1, f"decrypted late: {tls}")
    expect(s["transports"].get("TLS") == 6, f"marked as TLS: {s['transports']}")


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}

if __name__ == "__main__":
    CASES[CASE]()
    print("ok", CASE)
