#!/usr/bin/env python3
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
"""peer_latency.py API_URL DNS_PORT ZONE N: end-to-end propagation.

For each of N reports: submit it at the first node's API (in a thread, as
the POST answers only after the commit) and poll the last node's DNSBL over
UDP every millisecond until the IP is listed. Prints p50, p90, p99 and max
in milliseconds: submission to listed answer, batching included."""
import random, socket, struct, sys, threading, time, urllib.request

def query(sock, port, name):
    qid = random.randrange(65536)
    q = struct.pack(">HHHHHH", qid, 0, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\0" + struct.pack(">HH", 1, 1)
    sock.sendto(q, ("127.0.0.1", port))
    while True:     # skip late answers to earlier queries
        try:
            r, _ = sock.recvfrom(4096)
        except socket.timeout:
            return False
        rid, flags, _, an = struct.unpack(">HHHH", r[:8])
        if rid == qid:
            return (flags & 0xf) == 0 and an > 0

def submit(url, ip):
    body = ('{"ip":"%s","category":"spam","confidence":100}' % ip).encode()
    urllib.request.urlopen(url + "/v1/reports", body, timeout=10).read()

def main():
    url, port, zone, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(0.05)
    lat = []
    base = random.randrange(1, 200)
    for i in range(n):
        ip = "198.18.%d.%d" % (base, i % 250 + 1) if i < 250 else \
             "198.19.%d.%d" % (i // 250, i % 250 + 1)
        name = ".".join(reversed(ip.split("."))) + "." + zone
        t0 = time.monotonic()
        th = threading.Thread(target=submit, args=(url, ip))
        th.start()
        while not query(sock, port, name):
            if time.monotonic() - t0 > 10:
                print("timeout for", ip)
                break
            time.sleep(0.001)
        lat.append((time.monotonic() - t0) * 1000)
        th.join()
        time.sleep(random.random() * 0.05)   # arrive at random batch phases
    lat.sort()
    pct = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
    print("propagation over the line, %d reports: p50 %.1f ms, p90 %.1f ms, "
          "p99 %.1f ms, max %.1f ms" % (n, pct(0.5), pct(0.9), pct(0.99), lat[-1]))

main()
