#!/usr/bin/env python3
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
"""api_bench.py: reports/s through reputed's local API (POST /v1/reports),
each request answered only after its store commit. Usage:
  api_bench.py HOST PORT CLIENTS REPORTS_PER_REQUEST SECONDS
Prints one line: clients, batch size, requests, reports/s, p50/p99 latency."""
import http.client, json, sys, threading, time

host, port = sys.argv[1], int(sys.argv[2])
clients, per, seconds = int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
lat, lock, stop = [], threading.Lock(), time.time() + seconds
errors = [0]

def worker(w):
    conn = http.client.HTTPConnection(host, port)
    n = 0
    while time.time() < stop:
        body = json.dumps([{"ip": "10.%d.%d.%d" % (w, (n * per + i) // 250 % 250,
                            (n * per + i) % 250 + 1), "category": "spam"}
                           for i in range(per)])
        t = time.time()
        conn.request("POST", "/v1/reports", body,
                     {"Content-Type": "application/json"})
        r = conn.getresponse()
        r.read()
        with lock:
            if r.status == 200:
                lat.append(time.time() - t)
            else:
                errors[0] += 1
        n += 1

t0 = time.time()
ts = [threading.Thread(target=worker, args=(w,)) for w in range(clients)]
for t in ts: t.start()
for t in ts: t.join()
el = time.time() - t0
lat.sort()
p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000 if lat else 0
print("%3d clients x %4d reports/request: %6d requests, %8.0f reports/s, "
      "latency p50 %5.1f ms p99 %5.1f ms, errors %d" %
      (clients, per, len(lat), len(lat) * per / el, p(0.5), p(0.99), errors[0]))
