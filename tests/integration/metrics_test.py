#!/usr/bin/env python3
"""The --metrics endpoint of the sipwatch binary.

usage: metrics_test.py SIPWATCH PCAPS_DIR CASE
  scrape        sipwatch -r register-wrong-password-udp.pcap --no-ui
                --metrics 127.0.0.1:PORT --metrics-linger 5: scrapes /metrics
                until the file is analysed, checks the values against the
                capture's known contents, lints the text with promtool check
                metrics, checks 404/405, and that sipwatch exits by itself
                once the linger is over.
  bad_address   a malformed --metrics address: one-line error, no analysis.
  port_in_use   --metrics on a port already bound: says so.
  slowloris     40 connections from one client (127.0.0.11) that send a
                request header one byte a second and never finish it: a
                scrape from another client (127.0.0.12) still answers
                promptly throughout, and the attacking client itself is
                served again shortly after it stops.
Exit 77 (skipped) when promtool is missing (scrape) or when this sipwatch
does not know --metrics / --metrics-linger yet."""
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

SKIP = 77
PCAP = "register-wrong-password-udp.pcap"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rejects_option(stderr, option):
    """True when sipwatch refused `option` itself as unknown."""
    low = stderr.lower()
    return option in stderr and any(w in low for w in ("unrecognized", "unknown option", "invalid option"))


def parse_exposition(text):
    """{(name, frozenset(labels)): value} for every sample line."""
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.fullmatch(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)', line)
        if not m:
            raise ValueError(f"unparsable sample line: {line!r}")
        labels = frozenset(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
        samples[(m.group(1), labels)] = float(m.group(3))
    return samples


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())))


def get(url, method="GET"):
    req = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, r.headers.get("Content-Type"), r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read().decode("utf-8", "replace")


def fail(msg, proc=None):
    print(f"FAIL: {msg}")
    if proc is not None:
        try:
            out, err = proc.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
        print(f"sipwatch exit {proc.returncode}\nstderr:\n{err}")
    return 1


def case_scrape(sipwatch, pcaps):
    promtool = shutil.which("promtool")
    if not promtool:
        print("SKIP: promtool not installed (Debian package prometheus)")
        return SKIP
    port = free_port()
    linger = 5
    cmd = [sipwatch, "-r", f"{pcaps}/{PCAP}", "--no-ui", "--json",
           "--metrics", f"127.0.0.1:{port}", "--metrics-linger", str(linger)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}/metrics"

    # Scrape until the analysis has reached the end of the file.
    deadline = time.monotonic() + 30
    body = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out, err = proc.communicate()
            for opt in ("--metrics-linger", "--metrics"):
                if rejects_option(err, opt):
                    print(f"SKIP: this sipwatch does not know {opt} yet: {err.strip()}")
                    return SKIP
            print(f"FAIL: sipwatch exited {proc.returncode} before /metrics said the file was done\n{err}")
            return 1
        try:
            status, ctype, text = get(url)
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.05)
            continue
        if status != 200:
            return fail(f"GET /metrics: status {status}", proc)
        if ctype != "text/plain; version=0.0.4; charset=utf-8":
            return fail(f"GET /metrics: Content-Type {ctype!r}", proc)
        samples = parse_exposition(text)
        if value(samples, "sipwatch_input_finished") == 1:
            body = text
            break
        time.sleep(0.05)
    if body is None:
        return fail("no scrape with sipwatch_input_finished 1 within 30 s", proc)
    scraped_at = time.monotonic()

    lint = subprocess.run([promtool, "check", "metrics"], input=body, capture_output=True, text=True)
    if lint.returncode != 0:
        return fail(f"promtool check metrics:\n{lint.stdout}{lint.stderr}\n--- body ---\n{body}", proc)

    s = parse_exposition(body)
    want = {
        ("sipwatch_up", ()): 1,
        ("sipwatch_packets_total", ()): 32,
        ("sipwatch_sip_messages_total", ()): 32,
        ("sipwatch_sip_requests_total", (("method", "REGISTER"),)): 16,
        ("sipwatch_sip_requests_total", (("method", "INVITE"),)): 0,
        ("sipwatch_sip_requests_total", (("method", "OTHER"),)): 0,
        ("sipwatch_sip_responses_total", (("class", "4xx"),)): 16,
        ("sipwatch_sip_responses_total", (("class", "2xx"),)): 0,
        ("sipwatch_sip_parse_errors_total", ()): 0,
        ("sipwatch_kernel_drops_total", ()): 0,
        ("sipwatch_alerts_failed_total", ()): 0,
        ("sipwatch_calls_total", (("state", "answered"),)): 0,     # a REGISTER loop: no INVITE call
        ("sipwatch_post_dial_delay_seconds_count", ()): 0,
    }
    errors = []
    for (name, labels), v in want.items():
        got = value(s, name, **dict(labels))
        if got != v:
            errors.append(f"{name}{dict(labels) or ''}: got {got}, want {v}")
    for name in ("sipwatch_interface_drops_total", "sipwatch_retransmissions_total",
                 "sipwatch_flows_evicted_total", "sipwatch_active_dialogs",
                 "sipwatch_pending_transactions", "sipwatch_active_flows",
                 "sipwatch_alerts_sent_total", "sipwatch_alerts_suppressed_total"):
        if value(s, name) is None:
            errors.append(f"{name}: missing")
    clock = value(s, "sipwatch_capture_clock_seconds")
    if clock is None or clock < 1e9:
        errors.append(f"sipwatch_capture_clock_seconds: {clock} is not a Unix time")
    open_by_rule = {}
    for (name, labels), v in s.items():
        if name == "sipwatch_findings_open":
            d = dict(labels)
            open_by_rule[d["rule"]] = open_by_rule.get(d["rule"], 0) + v
            if d["severity"] not in ("info", "warning", "critical"):
                errors.append(f"findings_open: severity {d['severity']!r}")
    if len(open_by_rule) < 10 or sum(1 for (n, _) in s if n == "sipwatch_findings_open") != 3 * len(open_by_rule):
        errors.append(f"findings_open: not every rule x severity listed: {sorted(open_by_rule)}")
    if open_by_rule.get("auth-loop", 0) < 1:
        errors.append("findings_open: no open auth-loop finding")
    others = {r: v for r, v in open_by_rule.items() if r != "auth-loop" and v}
    if others:
        errors.append(f"findings_open: unexpected open findings {others}")
    if errors:
        return fail("; ".join(errors) + f"\n--- body ---\n{body}", proc)

    status, _, _ = get(f"http://127.0.0.1:{port}/")
    if status != 404:
        return fail(f"GET /: status {status}, want 404", proc)
    status, _, _ = get(url, method="POST")
    if status != 405:
        return fail(f"POST /metrics: status {status}, want 405", proc)

    # The linger is over after `linger` seconds: sipwatch exits by itself.
    try:
        out, err = proc.communicate(timeout=linger + 15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return fail(f"sipwatch still running {linger + 15} s after the file was analysed (--metrics-linger {linger})")
    if proc.returncode != 1:
        print(f"FAIL: exit status {proc.returncode}, want 1 (auth-loop is critical)\n{err}")
        return 1
    if '"auth-loop"' not in out:
        print("FAIL: the JSON output lacks the auth-loop finding")
        return 1
    took = time.monotonic() - scraped_at
    print(f"ok: scraped, promtool clean, exited {took:.1f} s after the file was done")
    return 0


def run_expect_error(sipwatch, pcaps, metrics_arg, needle):
    cmd = [sipwatch, "-r", f"{pcaps}/{PCAP}", "--no-ui", "--json", "--metrics", metrics_arg]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if rejects_option(run.stderr, "--metrics"):
        print(f"SKIP: this sipwatch does not know --metrics yet: {run.stderr.strip()}")
        return SKIP
    lines = [l for l in run.stderr.splitlines() if l.strip()]
    if run.returncode in (0, 1):
        print(f"FAIL: --metrics {metrics_arg}: exit status {run.returncode}, want an error\n{run.stderr}")
        return 1
    if len(lines) != 1 or needle not in lines[0]:
        print(f"FAIL: --metrics {metrics_arg}: want one stderr line containing {needle!r}, got:\n{run.stderr}")
        return 1
    if '"type": "stats"' in run.stdout or '"type":"stats"' in run.stdout:
        print("FAIL: the capture was analysed despite the bad --metrics")
        return 1
    print(f"ok: exit {run.returncode}: {lines[0]}")
    return 0


def case_bad_address(sipwatch, pcaps):
    for arg, needle in (("1.2.3:9260", "not a numeric IPv4 address"),
                        ("127.0.0.1:99999", "bad port"),
                        ("::1:9260", "brackets")):
        rc = run_expect_error(sipwatch, pcaps, arg, needle)
        if rc:
            return rc
    return 0


def case_port_in_use(sipwatch, pcaps):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        return run_expect_error(sipwatch, pcaps, f"127.0.0.1:{port}", "already in use")


ATTACKER, SCRAPER, SERVER = "127.0.0.11", "127.0.0.12", "127.0.0.10"


def scrape_from(src, port, timeout=2.0):
    """Status of GET /metrics from source address src, or the error."""
    try:
        with socket.create_connection((SERVER, port), timeout=timeout, source_address=(src, 0)) as c:
            c.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            data = b""
            while b"\r\n" not in data:
                chunk = c.recv(4096)
                if not chunk:
                    break
                data += chunk
            return data.split(b"\r\n", 1)[0].decode(errors="replace") or "connection closed"
    except OSError as e:
        return f"error: {e}"


def open_slow(port, n):
    socks = []
    for _ in range(n):
        try:
            c = socket.create_connection((SERVER, port), timeout=2, source_address=(ATTACKER, 0))
            c.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
            socks.append(c)
        except OSError:
            pass
    return socks


def case_slowloris(sipwatch, pcaps):
    port = free_port()
    cmd = [sipwatch, "-r", f"{pcaps}/{PCAP}", "--no-ui", "--metrics", f"{SERVER}:{port}",
           "--metrics-linger", "60"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    socks = []
    try:
        deadline = time.monotonic() + 10
        while scrape_from(SCRAPER, port) != "HTTP/1.1 200 OK":
            if time.monotonic() > deadline or proc.poll() is not None:
                return fail("the endpoint never answered before the attack", proc)
            time.sleep(0.1)
        socks = open_slow(port, 40)
        failures, scrapes = [], 0
        end = time.monotonic() + 12
        while time.monotonic() < end:
            for c in list(socks):       # one more header byte a second keeps each one busy
                try:
                    c.send(b"X")
                except OSError:
                    socks.remove(c)
            t0 = time.monotonic()
            status = scrape_from(SCRAPER, port)
            scrapes += 1
            if status != "HTTP/1.1 200 OK" or time.monotonic() - t0 > 1.5:
                failures.append(f"{status} after {time.monotonic() - t0:.1f}s")
            time.sleep(max(0.0, 1.0 - (time.monotonic() - t0)))
        held = len(socks)
        for c in socks:
            c.close()
        socks = []
        if failures:
            return fail(f"{len(failures)} of {scrapes} scrapes failed during the attack "
                        f"({held} slow connections still open): {failures[:3]}", proc)
        deadline = time.monotonic() + 5
        while scrape_from(ATTACKER, port) != "HTTP/1.1 200 OK":
            if time.monotonic() > deadline:
                return fail("the attacking client is not served again 5 s after it stopped", proc)
            time.sleep(0.2)
        print(f"ok: {scrapes} scrapes answered during 40 slow connections ({held} still open at the end)")
        return 0
    finally:
        for c in socks:
            c.close()
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        return 2
    sipwatch, pcaps, case = sys.argv[1:4]
    cases = {"scrape": case_scrape, "bad_address": case_bad_address, "port_in_use": case_port_in_use,
             "slowloris": case_slowloris}
    if case not in cases:
        print(f"unknown case {case}")
        return 2
    return cases[case](sipwatch, pcaps)


if __name__ == "__main__":
    sys.exit(main())
