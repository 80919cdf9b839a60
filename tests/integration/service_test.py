#!/usr/bin/env python3
"""sipwatch as a service: alert sinks (exec, JSON file, syslog over a local
socket), --check exit codes, repeat limits and storm summaries, a hanging
alert command, the configuration file, -Z, SIGHUP reopening the alert file,
and a live capture on lo fed by tcpreplay that raises the alert.
Usage: service_test.py SIPWATCH PCAPS_DIR SIPWATCH_GEN CASE  (exit 77 = skipped)"""
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

SIPWATCH, PCAPS, GEN, CASE = sys.argv[1:5]
TMP = tempfile.mkdtemp(prefix="sipwatch-svc-")
LOOP = os.path.join(PCAPS, "register-wrong-password-udp.pcap")
CLEAN = os.path.join(PCAPS, "register-401-200-udp.pcap")
REJECT = os.path.join(PCAPS, "register-403-udp.pcap")
NOTIFY = os.path.join(PCAPS, "refer-no-notify-udp.pcap")


def expect(cond, what):
    if not cond:
        print("FAILED:", what)
        sys.exit(1)


def run(args, timeout=60):
    return subprocess.run([SIPWATCH] + args, capture_output=True, text=True, timeout=timeout)


def json_lines(path):
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]


def case_exec_sink():
    out = os.path.join(TMP, "exec.txt")
    cmd = f'cat > "{TMP}/stdin-$$.json"; printf "%s|%s|%s|%s|%s\\n" "$SIPWATCH_EVENT" "$SIPWATCH_RULE" ' \
          f'"$SIPWATCH_SEVERITY" "$SIPWATCH_CALL_ID" "$SIPWATCH_SUMMARY" >> "{out}"'
    r = run(["-r", LOOP, "--no-ui", "--alert-exec", cmd])
    expect(r.returncode == 1, f"exit 1 with findings, got {r.returncode}: {r.stderr}")
    lines = open(out).read().splitlines()
    expect(len(lines) == 1, f"one alert for one auth loop, got {lines}")
    event, rule, sev, call_id, summary = lines[0].split("|", 4)
    expect((event, rule, sev) == ("opened", "auth-loop", "critical"), f"environment: {lines[0]}")
    expect(call_id and "challenged" in summary, f"Call-ID and summary in the environment: {lines[0]}")
    stdin_files = [f for f in os.listdir(TMP) if f.startswith("stdin-")]
    got = json.load(open(os.path.join(TMP, stdin_files[0])))
    expect(got["type"] == "alert" and got["event"] == "opened" and got["rule"] == "auth-loop"
           and got["call_id"] == call_id and "suggestion" in got, f"the finding as JSON on stdin: {got}")


def case_json_sink():
    path = os.path.join(TMP, "alerts.json")
    run(["-r", LOOP, "--no-ui", "--alert-json", path])
    run(["-r", REJECT, "--no-ui", "--alert-json", path])          # appended, not overwritten
    alerts = json_lines(path)
    expect([a["rule"] for a in alerts] == ["auth-loop", "auth-rejected"], f"two alerts appended: {alerts}")
    expect(all(a["event"] == "opened" and a["type"] == "alert" for a in alerts), "events")
    r = run(["-r", CLEAN, "--no-ui", "--alert-json", path])
    expect(len(json_lines(path)) == 2, "a healthy capture adds no alert")
    r = run(["-r", LOOP, "--no-ui", "--alert-json", "/nonexistent-dir/alerts.json"])
    expect(r.returncode == 3 and "alerts.json" in r.stderr, f"unwritable alert file: {r.returncode} {r.stderr}")


def case_syslog():
    path = os.path.join(TMP, "log.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    srv.bind(path)
    srv.settimeout(5)
    r = run(["-r", LOOP, "--no-ui", "--syslog=local3", "--syslog-socket", path])
    expect(r.returncode == 1, f"exit {r.returncode}: {r.stderr}")
    msg = srv.recv(4096).decode()
    # local3 (19) * 8 + LOG_CRIT (2) = 154
    expect(msg.startswith("<154>") and "sipwatch[" in msg and "opened auth-loop [critical]" in msg,
           f"syslog line: {msg!r}")
    # No syslog daemon at all: counted as failed, the analysis still completes.
    r = run(["-r", LOOP, "--no-ui", "--json", "--syslog", "--syslog-socket", os.path.join(TMP, "none.sock")])
    stats = json.loads(r.stdout.splitlines()[-1])
    expect(stats["alerts"]["failed"] == 1 and stats["sip_messages"] == 32, f"failed sink counted: {stats['alerts']}")


def case_check():
    for pcap, code, word in ((CLEAN, 0, "OK"), (NOTIFY, 1, "WARNING"), (LOOP, 2, "CRITICAL"),
                             (os.path.join(TMP, "missing.pcap"), 3, "UNKNOWN")):
        r = run(["-r", pcap, "--check"])
        lines = r.stdout.splitlines()
        expect(r.returncode == code, f"{os.path.basename(pcap)}: exit {r.returncode}, wanted {code}")
        expect(len(lines) == 1 and lines[0].startswith(f"SIPWATCH {word} - "), f"status line: {lines}")
        if code in (0, 1, 2):
            expect("|" in lines[0] and "critical=" in lines[0] and "sip_messages=" in lines[0], f"perfdata: {lines}")
    r = run(["-r", LOOP, "--check"])
    expect("1 auth-loop" in r.stdout, f"names the problem: {r.stdout}")


def generated(n, loops):
    pcap = os.path.join(TMP, f"gen-{n}-{loops}.pcap")
    subprocess.run([GEN, "-o", pcap, "-n", str(n), "-c", "200", "-s", "3", "--auth-loops", str(loops)],
                   check=True, capture_output=True)
    return pcap


def case_storm_and_repeat():
    pcap = generated(20000, 8)
    path = os.path.join(TMP, "storm.json")
    r = run(["-r", pcap, "--no-ui", "--json", "--alert-json", path, "--alert-storm", "2"])
    findings = [json.loads(l) for l in r.stdout.splitlines() if '"finding"' in l]
    loops = [f for f in findings if f["rule"] == "auth-loop"]
    expect(len(loops) == 8, f"8 auth loops found, got {len(loops)}")
    alerts = json_lines(path)
    opened = [a for a in alerts if a["event"] == "opened" and a["rule"] == "auth-loop"]
    storms = [a for a in alerts if a["event"] == "storm" and a["rule"] == "auth-loop"]
    expect(storms, f"a storm summary for auth-loop: {[a['event'] for a in alerts]}")
    held = sum(s["count"] for s in storms)
    expect(len(opened) + held == 8, f"every loop either alerted or counted in a storm: {len(opened)} + {held}")
    stats = json.loads(r.stdout.splitlines()[-1])["alerts"]
    expect(stats["storms"] == len(storms) and stats["suppressed"] >= held, f"stats: {stats}")
    # Updates of one finding within the repeat interval are held back.
    path2 = os.path.join(TMP, "repeat.json")
    r = run(["-r", LOOP, "--no-ui", "--json", "--alert-json", path2])
    stats = json.loads(r.stdout.splitlines()[-1])["alerts"]
    expect(len(json_lines(path2)) == 1 and stats["suppressed"] > 0, f"repeats held back: {stats}")
    path3 = os.path.join(TMP, "repeat0.json")
    run(["-r", LOOP, "--no-ui", "--alert-json", path3, "--alert-repeat", "0"])
    expect(len(json_lines(path3)) > 1, "with --alert-repeat 0 every update alerts")


def case_hanging_exec():
    start = time.monotonic()
    r = run(["-r", LOOP, "--no-ui", "--json", "--alert-exec", "sleep 60", "--alert-timeout", "1"], timeout=30)
    took = time.monotonic() - start
    stats = json.loads(r.stdout.splitlines()[-1])
    expect(took < 8, f"a hanging command does not hold the analysis: {took:.1f}s")
    expect(stats["sip_messages"] == 32 and stats["alerts"]["exec_killed"] == 1 and stats["alerts"]["failed"] >= 1,
           f"killed and counted: {stats['alerts']}")


class SyslogServer:
    """A local syslog socket read on a thread (this machine's datagram queue
    may be as short as 10)."""

    def __init__(self, name):
        self.path = os.path.join(TMP, name)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(0.2)
        self.lines, self.running = [], True
        self.thread = threading.Thread(target=self.read, daemon=True)
        self.thread.start()

    def read(self):
        while self.running:
            try:
                self.lines.append(self.sock.recv(4096).decode(errors="replace"))
            except socket.timeout:
                pass

    def stop(self):
        self.running = False
        self.thread.join()
        return self.lines


def dropped_lines(stderr):
    return [l for l in stderr.splitlines() if "alerts dropped" in l]


def case_independent_sinks():
    """A hung --alert-exec holds back neither syslog nor the JSON file; what
    the command's queue never delivered is counted and said once on exit."""
    pcap = generated(20000, 120)
    srv = SyslogServer("hang.sock")
    path = os.path.join(TMP, "hang.json")
    start = time.monotonic()
    r = run(["-r", pcap, "--no-ui", "--json", "--alert-storm", "100000", "--syslog", "--syslog-socket", srv.path,
             "--alert-json", path, "--alert-exec", "sleep 60", "--alert-timeout", "30"], timeout=60)
    took = time.monotonic() - start
    stats = json.loads(r.stdout.splitlines()[-1])["alerts"]
    expect(took < 10, f"the run ends promptly despite a hung command: {took:.1f}s")
    expect(stats["queued"] == 120, f"120 alerts decided: {stats}")
    expect(len(json_lines(path)) == 120, f"the JSON file has every alert: {len(json_lines(path))}")
    got = srv.stop()
    expect(len(got) == 120 and stats["failed"] == 120, f"syslog got every alert: {len(got)}, {stats}")
    expect(stats["dropped"] == 119 and stats["dropped_by_sink"] == {"syslog": 0, "json": 0, "exec": 119}
           and stats["exec_killed"] == 1, f"the command's backlog counted as dropped: {stats}")
    lines = dropped_lines(r.stderr)
    expect(len(lines) == 1 and "exec 119 (0 queue full, 119 still queued at exit)" in lines[0],
           f"said once on exit: {r.stderr!r}")
    # More alerts than a queue holds: the command's queue overflows, the file's does not.
    pcap = generated(40000, 1300)
    path = os.path.join(TMP, "hang-full.json")
    r = run(["-r", pcap, "--no-ui", "--json", "--alert-storm", "100000", "--alert-json", path,
             "--alert-exec", "sleep 60", "--alert-timeout", "30"], timeout=60)
    stats = json.loads(r.stdout.splitlines()[-1])["alerts"]
    expect(len(json_lines(path)) == 1300, f"the JSON file has all 1300: {len(json_lines(path))}")
    by = stats["dropped_by_sink"]
    expect(by["json"] == 0 and by["exec"] == 1299 and stats["dropped"] == 1299, f"per-sink drops: {stats}")
    lines = dropped_lines(r.stderr)
    m = re.search(r"exec 1299 \((\d+) queue full, (\d+) still queued at exit\)", lines[0] if lines else "")
    expect(len(lines) == 1 and m and int(m.group(1)) >= 275 and int(m.group(2)) <= 1024,
           f"queue-full and exit drops said: {r.stderr!r}")


def case_sigterm_drops_counted():
    """SIGTERM while a hung command holds its queue: the other sinks are
    current, the exit is prompt, the backlog is counted and said."""
    pcap = generated(20000, 120)              # 100 s of capture time, replayed 20 times faster
    path = os.path.join(TMP, "term.json")
    p = subprocess.Popen([SIPWATCH, "-r", pcap, "--replay=20", "--no-ui", "--json", "--alert-storm", "100000",
                          "--alert-json", path, "--alert-exec", "sleep 60", "--alert-timeout", "30"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(2.5)
        expect(os.path.exists(path) and len(json_lines(path)) >= 10, "alerts reach the file while running")
        t0 = time.monotonic()
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=15)
        expect(time.monotonic() - t0 < 4, f"SIGTERM exits promptly: {time.monotonic() - t0:.1f}s")
    finally:
        if p.poll() is None:
            p.kill()
    stats = json.loads(out.splitlines()[-1])["alerts"]
    n = len(json_lines(path))
    expect(0 < n < 120 and stats["queued"] == n, f"every decided alert is in the file: {n} of {stats}")
    expect(stats["dropped_by_sink"]["exec"] == n - 1 and stats["dropped"] == n - 1, f"backlog counted: {stats}")
    lines = dropped_lines(err)
    expect(len(lines) == 1 and f"exec {n - 1} (0 queue full, {n - 1} still queued at exit)" in lines[0],
           f"said once: {err!r}")


def case_alert_json_full_disk():
    """A full disk for --alert-json: every failure counted, said once."""
    if not os.path.exists("/dev/full"):
        print("skipped: no /dev/full")
        sys.exit(77)
    pcap = generated(20000, 120)
    r = run(["-r", pcap, "--no-ui", "--json", "--alert-storm", "100000", "--alert-json", "/dev/full"])
    stats = json.loads(r.stdout.splitlines()[-1])["alerts"]
    expect(stats["queued"] == 120 and stats["failed"] == 120 and stats["sent"] == 0, f"counted: {stats}")
    said = [l for l in r.stderr.splitlines() if "/dev/full" in l]
    expect(len(said) == 1 and "No space left on device" in said[0], f"said once on stderr: {r.stderr!r}")


def case_config_file():
    conf = os.path.join(TMP, "sipwatch.conf")
    path = os.path.join(TMP, "conf-alerts.json")
    with open(conf, "w") as f:
        f.write(f"# sipwatch test configuration\nalert-json = {path}\nset = auth-loop.challenges=50\n"
                "no-ui\nfilter = udp\n")
    r = run(["--config", conf, "-r", LOOP, "--json"])
    lines = [json.loads(l) for l in r.stdout.splitlines()]
    expect(not [l for l in lines if l["type"] == "finding" and l["rule"] == "auth-loop"],
           "the configured threshold applies (no auth-loop below 50 challenges)")
    expect(lines[-1]["filter"] == "udp", f"the configured filter applies: {lines[-1]['filter']}")
    r = run(["--config", conf, "-r", LOOP, "--json", "--set", "auth-loop.challenges=3"])
    expect(any('"auth-loop"' in l for l in r.stdout.splitlines()), "the command line overrides the file")
    expect([a for a in json_lines(path) if a["rule"] == "auth-loop"], "alert sink from the file")
    with open(conf, "a") as f:
        f.write("frobnicate = 1\n")
    r = run(["--config", conf, "-r", LOOP])
    expect(r.returncode == 2 and "sipwatch.conf:6" in r.stderr and "frobnicate" in r.stderr,
           f"an unknown setting names file and line: {r.stderr}")


def case_drop_privileges():
    if os.geteuid() != 0:
        print("skipped: needs root")
        sys.exit(77)
    user = "nobody"
    path = os.path.join(TMP, "z-alerts.json")
    os.chmod(TMP, 0o777)
    r = run(["-r", LOOP, "--no-ui", "-Z", user, "--alert-json", path])
    expect(r.returncode == 1, f"runs as {user}: {r.returncode} {r.stderr}")
    expect(os.stat(path).st_uid == pwd.getpwnam(user).pw_uid, "the alert file is created after dropping root")
    r = run(["-r", LOOP, "--no-ui", "-Z", "no-such-user-sipwatch"])
    expect(r.returncode == 4 and "no such user" in r.stderr, f"unknown user: {r.returncode} {r.stderr}")


def live(args):
    return subprocess.Popen([SIPWATCH, "-i", "lo", "--no-ui"] + args, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def replay(pcap):
    subprocess.run(["tcpreplay", "-q", "-i", "lo", "--topspeed", pcap], check=True, capture_output=True)


def need_live():
    if os.geteuid() != 0 or not shutil.which("tcpreplay"):
        print("skipped: needs root and tcpreplay")
        sys.exit(77)


def case_live_replay_alert():
    need_live()
    path = os.path.join(TMP, "live.json")
    p = live(["--alert-json", path, "--json", "udp", "port", "5070", "or", "udp", "port", "5071"])
    try:
        time.sleep(1)
        replay(LOOP)
        deadline = time.time() + 10
        while time.time() < deadline and not (os.path.exists(path) and json_lines(path)):
            time.sleep(0.2)
        expect(os.path.exists(path) and json_lines(path)[0]["rule"] == "auth-loop",
               "the live capture raised the alert while running")
        t0 = time.monotonic()
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=5)
        expect(time.monotonic() - t0 < 1.5, "SIGTERM exits within a second or so")
        stats = json.loads(out.splitlines()[-1])
        expect(stats["live"] and stats["sip_messages"] >= 32, f"live stats: {stats['sip_messages']}")
    finally:
        if p.poll() is None:
            p.kill()


def case_live_check_duration():
    need_live()
    p = subprocess.Popen([SIPWATCH, "-i", "lo", "--check", "--duration", "3", "udp", "port", "5070", "or", "udp",
                          "port", "5071"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1)
        replay(LOOP)
        out, err = p.communicate(timeout=10)
    finally:
        if p.poll() is None:
            p.kill()
    expect(p.returncode == 2, f"live --check exits CRITICAL after --duration: {p.returncode} {err}")
    expect(out.startswith("SIPWATCH CRITICAL - 1 auth-loop |"), f"status line: {out!r}")


def case_sighup_reopens():
    need_live()
    path = os.path.join(TMP, "rotate.json")
    p = live(["--alert-json", path, "udp", "port", "5070", "or", "udp", "port", "5071"])
    try:
        time.sleep(1)
        replay(LOOP)
        deadline = time.time() + 10
        while time.time() < deadline and not (os.path.exists(path) and json_lines(path)):
            time.sleep(0.2)
        expect(os.path.exists(path), "first alert written")
        os.rename(path, path + ".1")                    # logrotate moves the file
        p.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        expect(p.poll() is None, "SIGHUP does not stop a headless run")
        replay(REJECT)
        deadline = time.time() + 10
        while time.time() < deadline and not os.path.exists(path):
            time.sleep(0.2)
        expect(os.path.exists(path) and json_lines(path)[0]["rule"] == "auth-rejected",
               "after SIGHUP the next alert goes to a new file")
        expect(len(json_lines(path + ".1")) == 1, "the rotated file keeps its alert")
    finally:
        p.send_signal(signal.SIGTERM)
        try:
            p.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()


def unit_settings(path):
    """{(section, key): [values...]} of a systemd unit file."""
    settings, section = {}, None
    for raw in open(path):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            continue
        key, _, value = line.partition("=")
        settings.setdefault((section, key.strip()), []).append(value.strip())
    return settings


def case_systemd_stop():
    """systemctl stop sends SIGTERM; with findings open sipwatch then exits 1,
    which the unit must count as a clean exit (SuccessExitStatus)."""
    unit = os.path.join(os.path.dirname(PCAPS), "packaging", "sipwatch.service")
    settings = unit_settings(unit)
    ok_codes = {"0"} | {tok for v in settings.get(("Service", "SuccessExitStatus"), []) for tok in v.split()}
    expect("1" in ok_codes, f"SuccessExitStatus of {unit} does not include 1: {sorted(ok_codes)}")
    if shutil.which("systemd-analyze"):
        local = os.path.join(TMP, "sipwatch.service")
        exec_start = settings[("Service", "ExecStart")][0]
        with open(unit) as src, open(local, "w") as dst:
            dst.write(src.read().replace(exec_start.split()[0], SIPWATCH))
        v = subprocess.run(["systemd-analyze", "verify", "--man=no", local], capture_output=True, text=True)
        expect(v.returncode == 0 and not (v.stdout + v.stderr).strip(),
               f"systemd-analyze verify: {v.returncode} {v.stdout}{v.stderr}")
    # The stop itself: SIGTERM while findings are open.
    pcap = generated(20000, 8)
    p = subprocess.Popen([SIPWATCH, "-r", pcap, "--replay=20", "--no-ui"], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(3)
        expect(p.poll() is None, "still running when stopped")
        p.send_signal(signal.SIGTERM)
        p.communicate(timeout=10)
    finally:
        if p.poll() is None:
            p.kill()
    expect(p.returncode == 1, f"SIGTERM with open findings exits 1 (the premise): {p.returncode}")
    expect(str(p.returncode) in ok_codes, f"exit {p.returncode} is a clean stop for the unit: {sorted(ok_codes)}")


def case_example_config():
    conf = os.path.join(os.path.dirname(PCAPS), "packaging", "sipwatch.conf")
    r = run(["--config", conf, "--list-rules"])
    expect(r.returncode == 0, f"the shipped example configuration parses: {r.stderr}")
    expect("auth-loop" in r.stdout, "and lists the rules")


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}

if __name__ == "__main__":
    try:
        CASES[CASE]()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    print("ok", CASE)
