#!/usr/bin/env python3
"""Drives the sipwatch dashboard in a detached tmux session and reads the
screen with capture-pane: the header and the finding row, the detail view
(fix suggestion, call-flow ladder), the raw message and reference views,
the text and severity filters, pause, help, saving a pcap, a window resize,
and that quitting (or a signal, or losing the terminal) restores the
terminal; and the Calls view: every dialog listed, the search through the
messages, the whole flow of a call, filters, saving selected calls as a pcap
that tshark reads with the same SIP messages; a call's media (one-way audio).

usage: dashboard_test.py SIPWATCH PCAPS_DIR [80x24 | 200x50 | ascii | signal | hangup | truncated | calls | media]
Exit 0 = pass, 1 = fail, 77 = skipped (tmux not installed).
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

SKIP = 77


class Fail(Exception):
    pass


class Pane:
    def __init__(self, name, width, height, cwd):
        self.socket = name          # a private tmux server: never the user's
        self.name = name
        self.width = width
        self.height = height
        self.cwd = cwd

    def tmux(self, *args, check=True):
        r = subprocess.run(["tmux", "-L", self.socket, "-f", "/dev/null", *args], capture_output=True, text=True)
        if check and r.returncode != 0:
            raise Fail("tmux %s: %s" % (" ".join(args), r.stderr.strip()))
        return r.stdout

    def start(self, command, env):
        exports = " ".join("%s=%s" % (k, shlex_quote(v)) for k, v in env.items())
        self.tmux("new-session", "-d", "-s", self.name, "-x", str(self.width), "-y", str(self.height),
                  "-c", self.cwd, "env %s sh -c %s" % (exports, shlex_quote(command)))
        self.socket_path = self.tmux("display-message", "-p", "-t", self.name, "#{socket_path}",
                                     check=False).strip()
        # keep the window at the requested size whatever clients attach
        self.tmux("set-option", "-t", self.name, "window-size", "manual", check=False)
        self.tmux("resize-window", "-t", self.name, "-x", str(self.width), "-y", str(self.height), check=False)

    def screen(self):
        return self.tmux("capture-pane", "-p", "-t", self.name)

    def keys(self, *keys):
        self.tmux("send-keys", "-t", self.name, *keys)
        time.sleep(0.35)

    def literal(self, text):
        self.tmux("send-keys", "-t", self.name, "-l", text)
        time.sleep(0.35)

    def wait_for(self, *needles, timeout=10.0, absent=()):
        deadline = time.time() + timeout
        screen = ""
        while time.time() < deadline:
            screen = self.screen()
            if all(n in screen for n in needles) and not any(a in screen for a in absent):
                return screen
            time.sleep(0.1)
        raise Fail("timed out waiting for %r%s; screen:\n%s" % (
            needles, " without %r" % (absent,) if absent else "", screen))

    def alternate_on(self):
        return self.tmux("display-message", "-p", "-t", self.name, "#{alternate_on}").strip() == "1"

    def pane_pid(self):
        return int(self.tmux("display-message", "-p", "-t", self.name, "#{pane_pid}").strip())

    def kill(self):
        subprocess.run(["tmux", "-L", self.socket, "kill-session", "-t", self.name], capture_output=True)
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)
        if getattr(self, "socket_path", "") and os.path.basename(self.socket_path) == self.socket:
            try:
                os.unlink(self.socket_path)
            except OSError:
                pass


def shlex_quote(s):
    return "'" + s.replace("'", "'\"'\"'") + "'"


def line_with(screen, *words):
    for line in screen.splitlines():
        if all(w in line for w in words):
            return line
    return None


def expect(cond, what, screen=""):
    if not cond:
        raise Fail(what + ("\nscreen:\n" + screen if screen else ""))


def read_status(path, timeout=5.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if os.path.exists(path):
            with open(path) as f:
                text = f.read().strip()
            if text.startswith("EXIT="):
                return int(text[5:])
        time.sleep(0.1)
    raise Fail("sipwatch did not exit (no status file)")


def sipwatch_pid(pane):
    """The sipwatch process under the pane's shell."""
    shell = pane.pane_pid()
    deadline = time.time() + 5
    while time.time() < deadline:
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % entry) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                with open("/proc/%s/comm" % entry) as f:
                    comm = f.read().strip()
            except OSError:
                continue
            if int(fields[1]) == shell and comm == "sipwatch":
                return int(entry)
        time.sleep(0.1)
    raise Fail("cannot find the sipwatch process")


def pid_alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    except OSError:
        return False


# ---- scenarios ----------------------------------------------------------------------

def main_flow(pane, status, cwd, ascii_mode):
    w, h = pane.width, pane.height
    screen = pane.wait_for("auth-loop", "analysed")
    # header: source, counters, open findings by severity
    expect("register-wrong-password-udp.pcap" in screen, "header names the file", screen)
    expect(line_with(screen, "Packets 32", "SIP 32") is not None, "packet and SIP counts in the header", screen)
    expect(line_with(screen, "Open findings:", "1 critical") is not None, "open findings by severity", screen)
    expect("Drops 0" in screen, "drops in the header", screen)
    # the finding row
    row = line_with(screen, "auth-loop", "open")
    expect(row is not None and ("CRIT" in row) and " 16 " in row, "finding row with severity, count, state", screen)
    expect("REGISTER for alice" in row, "finding row shows the summary", screen)
    # the key bar and the preview of the fix
    expect(line_with(screen, "Enter", "Filter", "Quit") is not None, "key bar", screen)
    expect("What to do" in screen, "preview of the fix under the table", screen)
    expect(len(screen.splitlines()[0]) <= w, "no line wider than the window")

    # detail view: suggestion and call-flow ladder
    pane.keys("Enter")
    screen = pane.wait_for("What to do", "Call flow")
    expect("password" in screen, "the suggestion mentions the password", screen)
    # the whole flow of the call: the first row at its time, the others as
    # the time since the message before
    expect(line_with(screen, "22:50:49.1", "REGISTER") is not None, "the first row's time", screen)
    reg = line_with(screen, "+0.0", "REGISTER", "credentials")
    chal = line_with(screen, "+0.0", "401", "challenge")
    expect(reg is not None and chal is not None, "ladder rows for REGISTER and 401", screen)
    if ascii_mode:
        expect("->|" in reg and "|<-" in chal, "ASCII arrows", screen)
        expect("\u2500" not in screen and "\u25ba" not in screen, "no UTF-8 line drawing in ASCII mode", screen)
    else:
        expect("\u25ba" in reg and "\u25c4" in chal, "UTF-8 arrows", screen)
    expect(line_with(screen, "127.0.0.11:5071", "127.0.0.10:5070") is not None, "endpoint columns", screen)

    # Tab shows more of the suggestion
    pane.keys("Tab")
    screen = pane.wait_for("fail2ban" if h >= 30 else "password")
    pane.keys("Tab")

    # raw text of the second message (the 401), then its reference entry
    pane.keys("Down")
    pane.keys("Enter")
    screen = pane.wait_for("SIP/2.0 401 Unauthorized", "WWW-Authenticate")
    expect("message 2 of 32" in screen, "raw view title (every message of the call)", screen)
    pane.keys("e")
    screen = pane.wait_for("Reference: 401", "What to do")
    pane.keys("Escape")
    pane.wait_for("SIP/2.0 401 Unauthorized")
    pane.keys("n")
    pane.wait_for("message 3 of 32", "Authorization")
    pane.keys("Escape")
    pane.wait_for("Call flow")
    pane.keys("Escape")
    screen = pane.wait_for("SUMMARY", "auth-loop")

    # text filter: nothing matches, then cleared
    pane.keys("/")
    pane.wait_for("Filter:")
    pane.literal("zzzz")
    screen = pane.wait_for("No finding matches")
    expect(line_with(screen, "auth-loop", "open") is None, "the row is filtered out", screen)
    pane.keys("Enter")
    screen = pane.wait_for("No finding matches", "zzzz")
    pane.keys("Escape")
    screen = pane.wait_for("auth-loop", absent=("No finding matches",))
    expect(line_with(screen, "auth-loop", "open") is not None, "the row is back after clearing", screen)
    pane.keys("/")
    pane.literal("ALICE")
    pane.keys("Enter")
    screen = pane.wait_for("text \"ALICE\"")
    expect(line_with(screen, "auth-loop", "open") is not None, "case-insensitive text filter", screen)
    pane.keys("Escape")

    # severity/rule filter cycle
    pane.keys("f")
    screen = pane.wait_for("critical only")
    expect(line_with(screen, "auth-loop", "open") is not None, "critical filter keeps the row", screen)
    pane.keys("f")
    pane.wait_for("warning only", "No finding matches")
    pane.keys("Escape")
    pane.wait_for("auth-loop", absent=("No finding matches",))

    # pause
    pane.keys("p")
    pane.wait_for("PAUSED")
    pane.keys("p")
    pane.wait_for("auth-loop", absent=("PAUSED",))

    # help
    pane.keys("?")
    screen = pane.wait_for("dashboard: keys", "filter by text")
    pane.keys("Escape")
    pane.wait_for("SUMMARY")

    # save the finding's packets
    pane.keys("s")
    pane.wait_for("Saved")
    saved = os.path.join(cwd, "sipwatch-finding-1.pcap")
    expect(os.path.exists(saved), "pcap written to the current directory")
    with open(saved, "rb") as f:
        magic = f.read(4)
    expect(magic in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d"),
           "the saved file is a pcap")

    # resize: still renders, at the new size
    nw, nh = (140, 45) if w < 140 else (90, 26)
    pane.tmux("resize-window", "-t", pane.name, "-x", str(nw), "-y", str(nh))
    pane.width, pane.height = nw, nh
    time.sleep(0.5)
    screen = pane.wait_for("auth-loop", "Open findings:", "SUMMARY")
    lines = screen.splitlines()
    expect(max(len(l) for l in lines) <= nw, "fits the new width", screen)
    expect(any("Quit" in l for l in lines[-3:]), "key bar at the bottom after resize", screen)
    pane.keys("Enter")
    pane.wait_for("Call flow", "REGISTER")
    pane.keys("Escape")
    pane.tmux("resize-window", "-t", pane.name, "-x", str(w), "-y", str(h))
    pane.width, pane.height = w, h
    time.sleep(0.3)
    pane.wait_for("auth-loop", "SUMMARY")

    # quit: status 0, terminal restored
    pane.keys("q")
    code = read_status(status)
    expect(code == 0, "user quit exits with status 0, got %d" % code)
    screen = pane.wait_for("SIPWATCH-DONE")
    expect(not pane.alternate_on(), "alternate screen left", screen)
    expect("SUMMARY" not in screen and "Call flow" not in screen, "no dashboard left on the screen", screen)


def tshark_sip(path, call_ids=None):
    """(Call-ID, CSeq, status) of every SIP message tshark reads in path."""
    r = subprocess.run(["tshark", "-r", path, "-Y", "sip", "-T", "fields", "-e", "sip.Call-ID", "-e", "sip.CSeq",
                        "-e", "sip.Status-Code"], capture_output=True, text=True)
    rows = [tuple(l.split("\t")) for l in r.stdout.splitlines() if l.strip()]
    return sorted(x for x in rows if call_ids is None or x[0] in call_ids)


def calls_flow(pane, status, cwd, pcap):
    """The Calls view on a capture of 15 INVITEs refused with 503."""
    pane.wait_for("analysed")
    pane.keys("Tab")
    screen = pane.wait_for("Calls: 15", "Start", "Method")
    rows = [l for l in screen.splitlines() if "INVITE" in l and "failed 503" in l]
    expect(len(rows) == 15, "every dialog listed with its outcome (15 rows)", screen)
    expect("127.0.0.14" in rows[0], "source and destination of each call", screen)
    # search every message's text for one Call-ID
    pane.keys("/")
    pane.wait_for("Search messages:")
    pane.literal("7-771@")
    pane.keys("Enter")
    screen = pane.wait_for("Calls: 1 of 15", "search \"7-771@\"")
    pane.keys("Enter")
    screen = pane.wait_for("Call flow (whole call): 3 messages", "7-771@")
    expect(line_with(screen, "INVITE", "\u25ba") is not None and line_with(screen, "503") is not None
           and line_with(screen, "ACK") is not None, "every message of the call in the flow", screen)
    expect("Outcome: failed 503" in screen, "the call's outcome", screen)
    pane.keys("Escape")
    pane.keys("Escape")
    pane.wait_for("Calls: 15", absent=("search",))
    # filters
    pane.keys("f")
    pane.literal("state:answered")
    pane.keys("Enter")
    pane.wait_for("Calls: 0 of 15", "No call matches")
    pane.keys("f")
    pane.keys("C-u")
    pane.literal("method:invite status:5xx")
    pane.keys("Enter")
    pane.wait_for("Calls: 15", "filter")
    pane.keys("Escape")
    # select two calls and save them; a second save never overwrites the first
    pane.keys("End")
    pane.keys("Space")
    pane.keys("Up")
    pane.keys("Up")
    pane.keys("Space")
    pane.wait_for("2 selected")
    pane.keys("s")
    screen = pane.wait_for("Saved 6 messages of 2 calls to")
    saved = sorted(f for f in os.listdir(cwd) if f.startswith("sipwatch-2-calls-") and f.endswith(".pcap"))
    expect(len(saved) == 1, "one pcap written: %s" % saved, screen)
    got = tshark_sip(os.path.join(cwd, saved[0]))
    ids = {g[0] for g in got}
    expect(len(ids) == 2 and got == tshark_sip(pcap, ids), "tshark reads the same SIP messages: %s" % got, screen)
    pane.keys("s")
    pane.wait_for("-2.pcap")
    pane.keys("S")
    pane.wait_for(".txt")
    texts = [f for f in os.listdir(cwd) if f.endswith(".txt")]
    expect(len(texts) == 1 and "INVITE sip:" in open(os.path.join(cwd, texts[0])).read(), "text save", screen)
    pane.keys("q")
    expect(read_status(status) == 0, "quit")


def media_flow(pane, status):
    """The Calls view marks a call whose audio went one way, and its detail
    shows both SDPs and the one RTP stream."""
    pane.wait_for("analysed")
    pane.keys("Tab")
    screen = pane.wait_for("Calls: 1", "Media")
    row = line_with(screen, "INVITE", "alice", "bob")
    expect(row is not None and "1-way" in row and row.lstrip().startswith("!"), "the call marked 1-way", screen)
    pane.keys("Enter")
    screen = pane.wait_for("Media:", "SDP caller", "SDP callee", "RTP from caller")
    expect(line_with(screen, "RTP from caller", "PCMU", "MOS") is not None, "the stream's codec and MOS", screen)
    expect("RTP from callee" not in screen, "no stream from the callee", screen)
    expect("one-way-audio" in screen, "the finding named on the call", screen)
    pane.keys("q")
    expect(read_status(status) == 0, "quit")


def signal_flow(pane, status, hangup):
    pane.wait_for("auth-loop", "analysed")
    pid = sipwatch_pid(pane)
    if hangup:
        # the terminal goes away (lost SSH session): it must exit, not spin
        pane.kill()
        deadline = time.time() + 5
        while time.time() < deadline and pid_alive(pid):
            time.sleep(0.1)
        expect(not pid_alive(pid), "sipwatch still running after its terminal went away")
        return
    os.kill(pid, 15)
    read_status(status)
    screen = pane.wait_for("SIPWATCH-DONE")
    expect(not pane.alternate_on(), "alternate screen left after SIGTERM", screen)
    expect("SUMMARY" not in screen, "no dashboard left on the screen after SIGTERM", screen)


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    sipwatch, pcaps = os.path.abspath(sys.argv[1]), sys.argv[2]
    mode = sys.argv[3] if len(sys.argv) > 3 else "80x24"
    if not shutil.which("tmux"):
        print("tmux is not installed: skipped")
        return SKIP
    width, height = (200, 50) if mode in ("200x50", "calls") else (80, 24)
    pcap = os.path.abspath(os.path.join(pcaps, "register-wrong-password-udp.pcap"))
    if mode == "calls":
        pcap = os.path.abspath(os.path.join(pcaps, "server-503-burst-udp.pcap"))
    if mode == "media":
        pcap = os.path.abspath(os.path.join(pcaps, "media-one-way-audio.pcap"))
        width, height = 170, 45
    cwd = tempfile.mkdtemp(prefix="sw-dashboard-")
    status = os.path.join(cwd, "status")
    name = "swdash%d%s" % (os.getpid(), mode.replace("x", "_"))
    pane = Pane(name, width, height, cwd)
    env = {"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    args = ""
    if mode == "ascii":
        env.update({"LANG": "C", "LC_ALL": "C", "NO_COLOR": "1", "TERM": "screen"})
    if mode == "truncated":
        data = open(pcap, "rb").read()
        pcap = os.path.join(cwd, "cut.pcap")
        with open(pcap, "wb") as f:
            f.write(data[: len(data) - 100])
    command = "%s -r %s%s; echo EXIT=$? > %s; echo SIPWATCH-DONE; sleep 60" % (
        shlex_quote(sipwatch), shlex_quote(pcap), args, shlex_quote(status))
    try:
        pane.start(command, env)
        if mode in ("signal", "hangup"):
            signal_flow(pane, status, mode == "hangup")
        elif mode == "calls":
            calls_flow(pane, status, cwd, pcap)
        elif mode == "media":
            media_flow(pane, status)
        elif mode == "truncated":
            # The warning that the file is cut is in the header, as in the report.
            pane.wait_for("analysed", "Not inspected", "capture file truncated")
            pane.keys("q")
            read_status(status)
        else:
            main_flow(pane, status, cwd, mode == "ascii")
    except Fail as e:
        print("FAIL (%s): %s" % (mode, e))
        return 1
    finally:
        pane.kill()
        shutil.rmtree(cwd, ignore_errors=True)
    print("ok (%s)" % mode)
    return 0


if __name__ == "__main__":
    sys.exit(main())
