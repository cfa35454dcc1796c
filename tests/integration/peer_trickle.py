#!/usr/bin/env python3
# peer_trickle.py: a slow-handshake client for peer_slowloris.sh. Opens
# CONNS connections to HOST:PORT from ADDRS source addresses (127.0.0.2,
# 127.0.0.3, ...), round robin, and sends on each a real TLS 1.3
# ClientHello one byte every INTERVAL seconds, for SECONDS seconds. Then
# prints one line:
#   connected N refused_at_once N closed_later N longest S open_at_end N
# refused_at_once: closed by the server within 1 s of connecting;
# longest: the longest time (s) the server kept one of them open.
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
import socket
import ssl
import sys
import time


def client_hello():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_hostname="peer")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()


def main():
    host, port, addrs, conns, seconds, interval = (
        sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]),
        float(sys.argv[5]), float(sys.argv[6]))
    hello = client_hello()
    links = []  # [sock, opened, bytes_sent, closed_at]
    refused = 0
    for i in range(conns):
        s = socket.socket()
        s.bind(("127.0.0.%d" % (2 + i % addrs), 0))
        s.settimeout(2)
        try:
            s.connect((host, port))
        except OSError:
            refused += 1
            s.close()
            continue
        s.setblocking(False)
        links.append([s, time.monotonic(), 0, None])
    start = time.monotonic()
    next_send = start
    while time.monotonic() < start + seconds:
        now = time.monotonic()
        send = now >= next_send
        if send:
            next_send = now + interval
        for l in links:
            if l[3] is not None:
                continue
            try:
                if l[0].recv(4096) == b"":
                    l[3] = now
                    continue
            except BlockingIOError:
                pass
            except OSError:
                l[3] = now
                continue
            if send and l[2] < len(hello):
                try:
                    l[0].send(hello[l[2]:l[2] + 1])
                    l[2] += 1
                except BlockingIOError:
                    pass
                except OSError:
                    l[3] = now
        time.sleep(0.05)
    at_once = sum(1 for l in links
                  if l[3] is not None and l[3] - max(l[1], start) < 1)
    later = sum(1 for l in links
                if l[3] is not None and l[3] - max(l[1], start) >= 1)
    end = time.monotonic()
    longest = max([(l[3] if l[3] is not None else end) - l[1]
                   for l in links] or [0])
    still = sum(1 for l in links if l[3] is None)
    print("connected %d refused_at_once %d closed_later %d longest %.1f "
          "open_at_end %d" % (len(links), at_once + refused, later, longest,
                              still))
    for l in links:
        l[0].close()


main()
