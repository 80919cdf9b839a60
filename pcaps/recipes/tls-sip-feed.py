#!/usr/bin/env python3
"""Drive openssl s_server/s_client pairs so that real TLS connections carry
scripted SIP text, for the sipwatch TLS test captures.

Each connection is one `openssl s_server -naccept 1` and one `openssl
s_client` (which writes the NSS key log with -keylogfile).  SIP messages are
written to the stdin of the side that sends them, one write per message, with
the scripted delay before each.  A line "K" written to a non-quiet s_server
makes it send a TLS 1.3 KeyUpdate that asks the peer to update too.

Run inside the recipe's network namespace:
  tls-sip-feed.py --cert C --key K --keylog F --scenario register-loop,call-refer \
      [--openssl-client ARGS] [--openssl-server ARGS] [--keyupdate] [--hold S]
      [--pause-after-handshake DIR] [--plain]
Scenarios (one TLS connection each, in order): register-loop (5 x REGISTER
-> 401), call-refer (call, REFER -> 202, no NOTIFY, BYE after --hold s),
call (healthy call).
--plain sends the same SIP over plain TCP to port 5081 (no openssl), to
check the verdicts sipwatch gives on the clear text.
Every child is started with its PID kept, and stopped by that PID.
"""
import argparse
import os
import shlex
import socket
import subprocess
import sys
import time

REGISTRAR = ("127.0.0.10", 5061)
BOB = ("127.0.0.12", 5061)
ALICE_IP = "127.0.0.11"


def msg(start, headers, body=""):
    """A SIP message with CRLF line ends and a correct Content-Length."""
    raw = body.encode()
    lines = [start] + headers + ["Content-Length: %d" % len(raw)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + raw


def register_loop(lport, rounds=5):
    """REGISTER -> 401, then rounds-1 times REGISTER + wrong credentials ->
    401 with a fresh nonce: one Call-ID, CSeq 1..rounds."""
    steps = []
    frm = "From: <sip:alice@example.test>;tag=a1f3c9"
    to = "To: <sip:alice@example.test>"
    cid = "Call-ID: 7d0c5e1a-reg-loop@127.0.0.11"
    for n in range(1, rounds + 1):
        via = "Via: SIP/2.0/TLS %s:%d;rport;branch=z9hG4bK-reg%d;alias" % (ALICE_IP, lport, n)
        cseq = "CSeq: %d REGISTER" % n
        req = [via, "Max-Forwards: 70", frm, to, cid, cseq,
               "Contact: <sip:alice@%s:%d;transport=tls>;expires=3600" % (ALICE_IP, lport)]
        if n > 1:
            req.append('Authorization: Digest username="alice", realm="example.test", '
                       'nonce="5f1e%04d", uri="sip:example.test", response="%032x", algorithm=MD5'
                       % (n - 1, 0x5eed0000 + n))
        req += ["Expires: 3600", "User-Agent: tls-sip-feed"]
        steps.append((0.2, "c", msg("REGISTER sip:example.test SIP/2.0", req)))
        rsp = [via.replace("rport", "rport=%d" % lport) + ";received=" + ALICE_IP, frm,
               to + ";tag=reg%d" % n, cid, cseq,
               'WWW-Authenticate: Digest realm="example.test", nonce="5f1e%04d", algorithm=MD5' % n,
               "Server: tls-sip-feed"]
        steps.append((0.05, "s", msg("SIP/2.0 401 Unauthorized", rsp)))
    return steps


SDP = ("v=0\r\no=- 1 1 IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\n"
       "m=audio {port} RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=sendrecv\r\n")


def call_refer(lport, hold=35.0):
    """alice (TLS client) calls bob (TLS server): INVITE/100/180/200/ACK; bob
    sends REFER (to carol) -> 202 Accepted; alice never sends NOTIFY; hold
    seconds after the 202 bob ends the call: BYE -> 200."""
    cid = "Call-ID: 3f9b2c11-call-refer@127.0.0.11"
    a_uri = "<sip:alice@%s:%d;transport=tls>" % (ALICE_IP, lport)
    b_uri = "<sip:bob@%s:%d;transport=tls>" % BOB
    f_a = "From: <sip:alice@example.test>;tag=al1ce"
    t_b = "To: <sip:bob@example.test>"
    t_b2 = t_b + ";tag=b0b"
    via_a = "Via: SIP/2.0/TLS %s:%d;rport;branch=z9hG4bK-inv1;alias" % (ALICE_IP, lport)
    via_a_r = via_a.replace("rport", "rport=%d" % lport) + ";received=" + ALICE_IP
    inv = [via_a, "Max-Forwards: 70", f_a, t_b, cid, "CSeq: 10 INVITE", "Contact: " + a_uri,
           "Allow: INVITE, ACK, BYE, CANCEL, REFER, NOTIFY, OPTIONS", "Content-Type: application/sdp"]
    sdp_a = SDP.format(ip=ALICE_IP, port=10000)
    sdp_b = SDP.format(ip=BOB[0], port=10002)
    s = []
    s.append((0.3, "c", msg("INVITE sip:bob@%s:%d;transport=tls SIP/2.0" % BOB, inv, sdp_a)))
    s.append((0.02, "s", msg("SIP/2.0 100 Trying", [via_a_r, f_a, t_b, cid, "CSeq: 10 INVITE"])))
    s.append((0.3, "s", msg("SIP/2.0 180 Ringing", [via_a_r, f_a, t_b2, cid, "CSeq: 10 INVITE",
                                                     "Contact: " + b_uri])))
    s.append((1.0, "s", msg("SIP/2.0 200 OK", [via_a_r, f_a, t_b2, cid, "CSeq: 10 INVITE",
                                                "Contact: " + b_uri,
                                                "Allow: INVITE, ACK, BYE, CANCEL, REFER, NOTIFY, OPTIONS",
                                                "Content-Type: application/sdp"], sdp_b)))
    via_ack = "Via: SIP/2.0/TLS %s:%d;rport;branch=z9hG4bK-ack1;alias" % (ALICE_IP, lport)
    s.append((0.05, "c", msg("ACK sip:bob@%s:%d;transport=tls SIP/2.0" % BOB,
                             [via_ack, "Max-Forwards: 70", f_a, t_b2, cid, "CSeq: 10 ACK"])))
    # bob -> alice, in the dialog, over alice's connection
    f_b = "From: <sip:bob@example.test>;tag=b0b"
    t_a = "To: <sip:alice@example.test>;tag=al1ce"
    via_b = "Via: SIP/2.0/TLS %s:%d;branch=z9hG4bK-ref1" % BOB
    ruri = "sip:alice@%s:%d;transport=tls SIP/2.0" % (ALICE_IP, lport)
    s.append((2.0, "s", msg("REFER " + ruri, [via_b, "Max-Forwards: 70", f_b, t_a, cid, "CSeq: 20 REFER",
                                              "Contact: " + b_uri, "Refer-To: <sip:carol@example.test>",
                                              "Referred-By: <sip:bob@example.test>"])))
    s.append((0.05, "c", msg("SIP/2.0 202 Accepted", [via_b, f_b, t_a, cid, "CSeq: 20 REFER",
                                                      "Contact: " + a_uri])))
    via_b2 = "Via: SIP/2.0/TLS %s:%d;branch=z9hG4bK-bye1" % BOB
    s.append((hold, "s", msg("BYE " + ruri, [via_b2, "Max-Forwards: 70", f_b, t_a, cid, "CSeq: 21 BYE"])))
    s.append((0.05, "c", msg("SIP/2.0 200 OK", [via_b2, f_b, t_a, cid, "CSeq: 21 BYE"])))
    return s


def call_plain(lport):
    """A healthy call: INVITE/100/180/200/ACK, 2 s later alice hangs up:
    BYE -> 200."""
    s = call_refer(lport)[:5]
    cid = "Call-ID: 3f9b2c11-call-refer@127.0.0.11"
    via = "Via: SIP/2.0/TLS %s:%d;rport;branch=z9hG4bK-bye2;alias" % (ALICE_IP, lport)
    hdr = [via, "Max-Forwards: 70", "From: <sip:alice@example.test>;tag=al1ce",
           "To: <sip:bob@example.test>;tag=b0b", cid, "CSeq: 11 BYE"]
    s.append((2.0, "c", msg("BYE sip:bob@%s:%d;transport=tls SIP/2.0" % BOB, hdr)))
    hdr[0] = via.replace("rport", "rport=%d" % lport) + ";received=" + ALICE_IP
    s.append((0.05, "s", msg("SIP/2.0 200 OK", hdr[:1] + hdr[2:])))
    return s


class TlsPair:
    """One s_server (-naccept 1) and one s_client connected to it."""

    def __init__(self, a, server, lport, logdir, tag):
        self.procs = []
        self.logs = []
        srv = ["openssl", "s_server", "-accept", "%s:%d" % server, "-naccept", "1",
               "-cert", a.cert, "-key", a.key] + shlex.split(a.openssl_server)
        if not a.keyupdate:
            srv.append("-quiet")
        cli = ["openssl", "s_client", "-connect", "%s:%d" % server, "-bind", "%s:%d" % (ALICE_IP, lport),
               "-nocommands", "-keylogfile", a.keylog] + shlex.split(a.openssl_client)
        self.server = self._start(srv, "%s/%s-server.log" % (logdir, tag))
        self._wait_listen(server)
        self.client = self._start(cli, "%s/%s-client.log" % (logdir, tag))
        time.sleep(1.0)

    def _start(self, argv, log):
        f = open(log, "wb")
        self.logs.append(f)
        p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=f, stderr=subprocess.STDOUT)
        self.procs.append(p)
        return p

    @staticmethod
    def _wait_listen(addr):
        """Wait until s_server listens (a probe connection would use up its
        single accept, so look at the socket table instead)."""
        for _ in range(50):
            out = subprocess.run(["ss", "-Hltn", "src", "%s:%d" % addr],
                                 capture_output=True, text=True).stdout
            if out.strip():
                return
            time.sleep(0.1)
        raise SystemExit("s_server does not listen on %s:%d" % addr)

    def send(self, side, data):
        p = self.client if side == "c" else self.server
        p.stdin.write(data)
        p.stdin.flush()

    def close(self):
        """EOF on s_client's stdin: close_notify, FIN; s_server then exits."""
        self.client.stdin.close()
        for p in (self.client, self.server):
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.terminate()
                p.wait(timeout=5)
        for f in self.logs:
            f.close()

    def kill(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()


class PlainPair:
    """Same SIP over plain TCP (for checking the expected verdict)."""

    def __init__(self, a, server, lport, logdir, tag):
        ls = socket.socket()
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(server)
        ls.listen(1)
        self.c = socket.socket()
        self.c.bind((ALICE_IP, lport))
        self.c.connect(server)
        self.s, _ = ls.accept()
        ls.close()

    def send(self, side, data):
        (self.c if side == "c" else self.s).sendall(data)

    def close(self):
        self.c.close()
        self.s.close()

    def kill(self):
        pass


def wait_go(d):
    """Tell the recipe the handshake is over, wait until it started capturing."""
    open(os.path.join(d, "ready"), "w").close()
    for _ in range(300):
        if os.path.exists(os.path.join(d, "go")):
            return
        time.sleep(0.1)
    raise SystemExit("no go from the recipe")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--keylog")
    ap.add_argument("--logdir", default=".")
    ap.add_argument("--scenario", default="register-loop,call-refer")
    ap.add_argument("--openssl-client", default="")
    ap.add_argument("--openssl-server", default="")
    ap.add_argument("--keyupdate", action="store_true",
                    help="s_server not quiet; 'K' after the REFER's 202 (KeyUpdate, update_requested)")
    ap.add_argument("--hold", type=float, default=35.0)
    ap.add_argument("--plain", action="store_true")
    ap.add_argument("--pause-after-handshake", metavar="DIR",
                    help="after the first connection's handshake create DIR/ready "
                         "and wait (up to 30 s) for DIR/go before any SIP")
    a = ap.parse_args()
    pair_cls = PlainPair if a.plain else TlsPair
    global REGISTRAR, BOB
    if a.plain:      # sipwatch takes port 5061 for TLS: use 5081 in clear
        REGISTRAR, BOB = (REGISTRAR[0], 5081), (BOB[0], 5081)
    plan = {"register-loop": (REGISTRAR, 40001, register_loop),
            "call-refer": (BOB, 40002, lambda p: call_refer(p, a.hold)),
            "call": (BOB, 40002, call_plain)}
    pause = a.pause_after_handshake
    for name in a.scenario.split(","):
        server, lport, build = plan[name]
        steps = build(lport)
        pair = pair_cls(a, server, lport, a.logdir, name)
        try:
            if pause:
                wait_go(pause)
                pause = None
            for i, (delay, side, data) in enumerate(steps):
                time.sleep(delay)
                pair.send(side, data)
                if a.keyupdate and name == "call-refer" and data.startswith(b"SIP/2.0 202"):
                    time.sleep(1.0)
                    pair.send("s", b"K\n")
                    print("KeyUpdate requested by s_server", file=sys.stderr)
            time.sleep(0.5)
            pair.close()
        finally:
            pair.kill()
        print("%s: %d SIP messages sent" % (name, len(steps)), file=sys.stderr)


if __name__ == "__main__":
    main()
