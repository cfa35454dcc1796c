#!/usr/bin/env python3
# faults_hub.py: an Ethernet hub with faults, for faults_netns.sh. Used
# where the kernel has no netem qdisc (sch_netem); it does at the frame
# level what `tc qdisc ... netem delay 50ms 20ms loss 2%` does, with the
# reordering that jitter brings.
#
#   faults_hub.py PREFIX N DOWNFILE READYFILE [DELAY_MS JITTER_MS LOSS_PCT]
#
# Creates N TAP devices PREFIX0 .. PREFIX(N-1) (the caller moves each into
# a network namespace and gives it an address). Every frame read from one
# port goes to the port that owns its destination MAC (learned), or to
# every other port when unknown or broadcast, each copy dropped with
# probability LOSS_PCT % and otherwise delayed DELAY_MS +- JITTER_MS
# (uniform), so frames overtake each other. DOWNFILE holds the numbers of
# ports whose link is cut (frames to and from them are dropped); it is
# read again every 50 ms. Writes READYFILE when the ports exist; runs until
# SIGTERM, then prints its counters.
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
import fcntl
import heapq
import os
import random
import select
import signal
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000


def tap(name):
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(),
                                           IFF_TAP | IFF_NO_PI))
    return fd


def main():
    prefix, n, downfile, ready = (sys.argv[1], int(sys.argv[2]), sys.argv[3],
                                  sys.argv[4])
    delay, jitter, loss = ((float(x) for x in sys.argv[5:8])
                           if len(sys.argv) > 7 else (50.0, 20.0, 2.0))
    fds = [tap("%s%d" % (prefix, i)) for i in range(n)]
    port_of = {fd: i for i, fd in enumerate(fds)}
    macs = {}
    down = set()
    queue = []  # (due, seq, port, frame)
    seq = 0
    stats = {"in": 0, "out": 0, "lost": 0, "cut": 0}
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    with open(ready, "w") as f:
        f.write("ready\n")
    next_read = 0.0
    while not stop:
        now = time.monotonic()
        if now >= next_read:
            next_read = now + 0.05
            try:
                with open(downfile) as f:
                    down = {int(x) for x in f.read().split()}
            except (OSError, ValueError):
                down = set()
        timeout = 0.05
        if queue:
            timeout = max(0.0, min(timeout, queue[0][0] - now))
        try:
            readable, _, _ = select.select(fds, [], [], timeout)
        except InterruptedError:
            continue
        now = time.monotonic()
        for fd in readable:
            while True:
                try:
                    frame = os.read(fd, 65536)
                except BlockingIOError:
                    break
                except OSError:
                    break
                src = port_of[fd]
                stats["in"] += 1
                if len(frame) < 14:
                    continue
                macs[frame[6:12]] = src
                dst = macs.get(frame[0:6])
                ports = [dst] if dst is not None and dst != src else \
                    [p for p in range(n) if p != src]
                for p in ports:
                    if src in down or p in down:
                        stats["cut"] += 1
                        continue
                    if random.random() * 100 < loss:
                        stats["lost"] += 1
                        continue
                    due = now + (delay + random.uniform(-jitter, jitter)) / 1000
                    seq += 1
                    heapq.heappush(queue, (due, seq, p, frame))
        while queue and queue[0][0] <= now:
            _, _, p, frame = heapq.heappop(queue)
            try:
                os.write(fds[p], frame)
                stats["out"] += 1
            except OSError:
                pass  # the port is down in its namespace
    print("hub: %d frames in, %d out, %d lost, %d cut" %
          (stats["in"], stats["out"], stats["lost"], stats["cut"]))


main()
