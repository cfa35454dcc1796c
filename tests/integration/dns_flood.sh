#!/bin/sh
# dns_flood.sh: bad input and abuse. Response-rate limiting first: a burst
# from one client gets at most about rrl-limit full answers a second, the
# rest truncated (TC, so a real resolver retries over TCP) or dropped, and
# never more bytes out than in. Then a flood of random and mutated packets
# over UDP and TCP on loopback (bounded: 40,000 packets or 8 s), after
# which the server must still be alive and answer correctly.
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
. "$(dirname "$0")/dns_lib.sh"

dns_setup "	rrl-limit: 100" ""
P=$DNS_PORT

rrl=$(python3 - "$P" <<'EOF'
import socket, struct, sys, time
port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
q = struct.pack(">HHHHHH", 7, 0, 1, 0, 0, 0) + \
    b"\x012\x010\x010\x03127\x02bl\x07reputed\x07example\x00\x00\x10\x00\x01"
n = 1000
t0 = time.time()
for i in range(n):
    s.sendto(q, ("127.0.0.1", port))
full = tc = 0; bytes_out = 0
s.settimeout(0.5)
try:
    while True:
        r = s.recv(4096); bytes_out += len(r)
        if r[2] & 2: tc += 1
        elif (r[6] << 8 | r[7]) > 0: full += 1
except socket.timeout:
    pass
elapsed = time.time() - t0
# at most two one-second windows were touched
print("ok" if full <= 100 * (int(elapsed) + 2) and tc >= 200 and
      bytes_out <= n * len(q) else "bad", full, tc, bytes_out, n * len(q))
EOF
)
case "$rrl" in ok*) ok ;; *) ko "RRL: $rrl (verdict full tc bytes-out bytes-in)" ;; esac
sleep 1.1

flood=$(python3 - "$P" <<'EOF'
import os, random, socket, struct, sys, time
port = int(sys.argv[1]); rnd = random.Random(5782)
dst = ("127.0.0.1", port)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.setblocking(False)
def name(labels):
    return b"".join(bytes([len(l)]) + l for l in labels) + b"\0"
base = struct.pack(">HHHHHH", 1, 0x100, 1, 0, 0, 1) + \
    name([b"1", b"0", b"1", b"10", b"bl", b"reputed", b"example"]) + \
    b"\x00\x01\x00\x01" + b"\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00"
def packet():
    k = rnd.randrange(6)
    if k == 0:
        return os.urandom(rnd.randrange(0, 600))
    if k == 1:  # mutated valid query
        b = bytearray(base)
        for _ in range(rnd.randrange(1, 8)):
            b[rnd.randrange(len(b))] = rnd.randrange(256)
        return bytes(b[:rnd.randrange(len(b) + 1)])
    if k == 2:  # compression pointers everywhere
        return struct.pack(">HHHHHH", 2, 0, 1, 3, 3, 3) + bytes(
            rnd.choice([0xc0, 0x0c, 0x3f, 0xff, 0x01]) for _ in range(200))
    if k == 3:  # valid header, random counts and a long tail
        return struct.pack(">HHHHHH", 3, rnd.randrange(65536), 1,
            rnd.randrange(65536), rnd.randrange(65536),
            rnd.randrange(65536)) + os.urandom(rnd.randrange(2000))
    if k == 4:  # random labels in the zone
        labels = [os.urandom(rnd.randrange(1, 64)) for _ in range(rnd.randrange(1, 6))]
        return struct.pack(">HHHHHH", 4, 0, 1, 0, 0, 0) + name(labels + [
            b"dbl", b"reputed", b"example"])[:255] + b"\x00\x10\x00\x01"
    return base[:12] + b"\x3f" * 300
sent = 0; t0 = time.time()
while sent < 40000 and time.time() - t0 < 8:
    try:
        s.sendto(packet(), dst); sent += 1
    except (BlockingIOError, OSError):
        time.sleep(0.001)
    if sent % 500 == 0:
        try:
            while s.recv(65536): pass
        except (BlockingIOError, OSError):
            pass
# TCP: garbage, short frames, a frame longer than its data, early closes
for i in range(200):
    try:
        c = socket.create_connection(dst, timeout=1)
        c.sendall(os.urandom(rnd.randrange(0, 3000)) if i % 3 else
                  b"\x00\x30" + base[:20])
        c.close()
    except OSError:
        pass
print(sent)
EOF
)
check "flood sent" 1 "$([ "${flood:-0}" -ge 1000 ] && echo 1 || echo "$flood")"
sleep 1.1
kill -0 "$REPUTED_PID" 2>/dev/null && ok || ko "reputed died in the flood"
short() { dig @127.0.0.1 -p $P "$1" "$2" +norec +short +time=2 2>/dev/null; }
check "test point after" 127.0.0.2 "$(short 2.0.0.127.$BL A)"
check "listed after" 127.0.0.2 "$(short 1.0.1.10.$BL A)"
check "NXDOMAIN after" NXDOMAIN "$(status 127.0.0.1 $P 4.0.1.10.$BL A)"
check "domain after" 1 "$(short spam1.example.com.$DBL TXT | grep -c spam1)"
check "TCP after" 127.0.0.2 "$(dig @127.0.0.1 -p $P 1.0.1.10.$BL A +tcp +short)"
check "no sanitizer report" "" "$(grep -l 'ERROR: AddressSanitizer\|runtime error' \
    "$TMP/reputed.log")"
dns_done
