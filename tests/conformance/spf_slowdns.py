#!/usr/bin/python3
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
"""spf_slowdns.py LISTEN_PORT UPSTREAM_PORT DELAY_SECONDS

A UDP DNS proxy on 127.0.0.1 that passes each query to a server on
127.0.0.1:UPSTREAM_PORT and sends the answer back DELAY_SECONDS late, so
that tests/conformance/spf_unbound.sh can check the resolver's per-query
timeout and the evaluation's elapsed-time limit against real, slow DNS.
Prints "ready" once it listens; runs until killed.
"""
import socket
import sys
import threading
import time


def relay(sock, query, client, upstream, delay):
    up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    up.settimeout(5)
    try:
        up.sendto(query, ('127.0.0.1', upstream))
        answer, _ = up.recvfrom(65535)
    except OSError:
        return
    finally:
        up.close()
    time.sleep(delay)
    sock.sendto(answer, client)


def main():
    listen, upstream, delay = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(('127.0.0.1', listen))
    print('ready', flush=True)
    while True:
        query, client = sock.recvfrom(65535)
        threading.Thread(target=relay, daemon=True,
                         args=(sock, query, client, upstream, delay)).start()


if __name__ == '__main__':
    main()
