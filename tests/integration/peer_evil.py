#!/usr/bin/env python3
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
"""peer_evil.py: a misbehaving peer for peer_contained.sh and others.

Connects to a reputed node over TLS 1.3 with a valid node certificate,
says Hello, then does one bad thing and reports what the node did:

  peer_evil.py HOST PORT CERT KEY CA MODE [ARG]

MODE: badsig | otherorigin KEYHEX | oversized | garbage | replay N |
      equivocate | noread SECONDS | good | split PORT2 | flood N
flood: sends batches 1..N of 100 spam reports each (about 10.SEQ.x.y, or
FIRST.SEQ.x.y with a second argument FIRST),
all made at the same moment (one hour of batch time), and stays up 8 s.
split: also connects to PORT2 on HOST and sends batch 1 reporting
192.0.2.80 to the first node and a batch 1 reporting 192.0.2.81 to the
second at the same moment (an equivocation on two paths); prints both
outcomes.
Prints one line: "goodbye REASON", "closed", "open" (still up after the
act), or for noread the bytes it never read.
Protobuf is encoded by hand (the schema is proto/reputed.proto); batches
are signed with the openssl command line (Ed25519, raw input)."""
import os, socket, ssl, subprocess, sys, tempfile, time

def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7f
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)

def field(num, wt, payload):
    key = varint((num << 3) | wt)
    if wt == 0:
        return key + varint(payload)
    return key + varint(len(payload)) + payload

def frame(num, msg):
    body = field(num, 2, msg)
    return len(body).to_bytes(4, "big") + body

def hello(key, name=b"evil"):
    return frame(1, field(1, 0, 1) + field(2, 2, key) + field(4, 2, name))

def report(ip, now):
    subj = field(1, 2, bytes(ip))
    return (field(1, 2, subj) + field(2, 0, 1) + field(3, 0, 90) +
            field(4, 0, now) + field(5, 0, 3600))

def batch(origin, seq, ips, now):
    b = field(1, 2, origin) + field(2, 0, seq) + field(3, 0, now)
    for ip in ips:
        b += field(4, 2, report(ip, now))
    return b

def sign(keyfile, data):
    with tempfile.NamedTemporaryFile() as f:
        f.write(b"reputed-batch-v1\x00" + data)
        f.flush()
        return subprocess.run(["openssl", "pkeyutl", "-sign", "-rawin",
                               "-inkey", keyfile, "-in", f.name],
                              check=True, capture_output=True).stdout

def signed(keyfile, b):
    return field(1, 2, b) + field(2, 2, sign(keyfile, b))

def pubkey(certfile):
    der = subprocess.run(["openssl", "x509", "-in", certfile, "-noout",
                          "-pubkey"], check=True, capture_output=True).stdout
    raw = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "DER"],
                         input=der, check=True, capture_output=True).stdout
    return raw[-32:]

def connect(host, port, cert, key, ca):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.check_hostname = False
    ctx.load_verify_locations(ca)
    ctx.load_cert_chain(cert, key)
    s = socket.create_connection((host, int(port)), timeout=10)
    return ctx.wrap_socket(s)

def outcome(s, wait=3.0):
    """Reads frames until the link closes or wait passes."""
    s.settimeout(wait)
    buf = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            buf += d
            while len(buf) >= 4:
                n = int.from_bytes(buf[:4], "big")
                if len(buf) < 4 + n:
                    break
                body, buf = buf[4:4 + n], buf[4 + n:]
                if body[:1] == b"\x32":        # field 6: Goodbye
                    g = body[2:]
                    reason = g[1] if g[:1] == b"\x08" else 0
                    return "goodbye %d" % reason
    except (socket.timeout, TimeoutError):
        return "open"
    except (ssl.SSLError, OSError):
        pass
    return "closed"

def main():
    host, port, cert, key, ca, mode = sys.argv[1:7]
    arg = sys.argv[7] if len(sys.argv) > 7 else None
    me = pubkey(cert)
    now = int(time.time() * 1000)
    s = connect(host, port, cert, key, ca)
    s.sendall(hello(me))
    if mode == "split":
        s2 = connect(host, arg, cert, key, ca)
        s2.sendall(hello(me))
        a = frame(2, signed(key, batch(me, 1, [[192, 0, 2, 80]], now)))
        b = frame(2, signed(key, batch(me, 1, [[192, 0, 2, 81]], now)))
        s.sendall(a)
        s2.sendall(b)
        print(outcome(s, 1.5), outcome(s2, 1.5))
        return
    if mode == "badsig":
        sb = bytearray(signed(key, batch(me, 1, [[192, 0, 2, 66]], now)))
        sb[-1] ^= 1
        s.sendall(frame(2, bytes(sb)))
    elif mode == "otherorigin":
        other = bytes.fromhex(arg)
        s.sendall(frame(2, signed(key, batch(other, 1, [[192, 0, 2, 67]], now))))
    elif mode == "oversized":
        s.sendall((1 << 30).to_bytes(4, "big") + b"\x12" * 64)
    elif mode == "garbage":
        s.sendall(os.urandom(4096))
    elif mode == "replay":
        sb = signed(key, batch(me, 1, [[192, 0, 2, 68]], now))
        for _ in range(int(arg)):
            s.sendall(frame(2, sb))
    elif mode == "equivocate":
        s.sendall(frame(2, signed(key, batch(me, 1, [[192, 0, 2, 69]], now))))
        s.sendall(frame(2, signed(key, batch(me, 1, [[192, 0, 2, 70]], now))))
    elif mode == "flood":
        first = int(sys.argv[8]) if len(sys.argv) > 8 else 10
        for seq in range(1, int(arg) + 1):
            ips = [[first, seq, i // 256, i % 256] for i in range(100)]
            s.sendall(frame(2, signed(key, batch(me, seq, ips, now))))
        print(outcome(s, 8.0))
        return
    elif mode == "noread":
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        time.sleep(float(arg))
        print("slept")
        return
    print(outcome(s))

main()
