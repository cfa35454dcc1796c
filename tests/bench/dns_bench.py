#!/usr/bin/env python3
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
"""dns_bench.py: helpers of dns_bench.sh (deterministic data, load, timing).

  gen DIR          reports.jsonl (1,000,000 IPv4 /32, 20,000 CIDR ranges,
                   200,000 domains, 2,000 wildcards) and dnsperf query
                   files q_ip, q_dom, q_mix (50% listed, 50% not)
  startup PORT PID-FILE CMD...   runs CMD, prints the seconds until it
                   answers a SOA query on 127.0.0.1:PORT, writes its PID
  load PORT RATE SECONDS         posts RATE reports/s to the API on
                   127.0.0.1:PORT (JSON lines, 10 requests a second)
  counts           the listings the export must hold: "IP4 IP6 DOMAINS"
                   (every subject of reports.jsonl is distinct)
"""
import json, os, random, socket, struct, subprocess, sys, time

N_IP, N_CIDR, N_DOM, N_WILD = 1000000, 20000, 200000, 2000
N_IP6 = 0
# DNS_BENCH_SUBJECTS (issue 12): a larger set, in the same proportions,
# with prefixes of mixed lengths /16../31 and IPv6 (a tenth of the /32s)
SUBJECTS = int(os.environ.get("DNS_BENCH_SUBJECTS", "0"))
if SUBJECTS:
    N_IP = SUBJECTS * 80 // 100
    N_CIDR = SUBJECTS * 2 // 100
    N_IP6 = SUBJECTS * 8 // 100
    N_WILD = SUBJECTS // 100
    N_DOM = SUBJECTS - N_IP - N_CIDR - N_IP6 - N_WILD
K = 2654435761                 # odd: i -> i*K mod 2^26 is a bijection
IP_BASE = 20 << 24             # listed /32s live in 20.0.0.0/6
CIDR_BASE = 40 << 24           # listed ranges in 40.0.0.0/8
BL, DBL = "bl.reputed.example", "dbl.reputed.example"


def ip_listed(i):
    a = IP_BASE + (i * K) % (1 << 26)
    return "%d.%d.%d.%d" % (a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255)


def cidr_plan(n):
    """How many prefixes of each length /16../31 (SUBJECTS): an equal
    share each, but at most 2^(len-7) of a length, so that the k-th one
    of a length, at 40.0.0.0 + k * 2^(33-len), stays distinct inside
    40.0.0.0/6 (prefixes of different lengths nest). Returns [(len,
    first j, count)]."""
    plan, left, first = [], n, 0
    for idx, plen in enumerate(range(16, 32)):
        cnt = min(left // (16 - idx), 1 << (plen - 7))
        plan.append((plen, first, cnt))
        first += cnt
        left -= cnt
    return plan


CIDR_PLAN = cidr_plan(N_CIDR) if SUBJECTS else []


def cidr(j):
    if SUBJECTS:
        # (an earlier plen = 16 + j % 16 over 40.0.0.0 + j * 256 masked
        # its bits away: 19% of the 10M set's prefixes were duplicates)
        for plen, first, cnt in CIDR_PLAN:
            if j < first + cnt:
                a = (40 << 24) + ((j - first) << (33 - plen))
                return "%d.%d.%d.%d/%d" % (a >> 24, (a >> 16) & 255,
                                           (a >> 8) & 255, a & 255,
                                           plen), a, 32 - plen
        raise ValueError("prefix %d of %d" % (j, N_CIDR))
    # 19,000 /24s and 1,000 /20s (off the octet boundary)
    if j < 19000:
        a = CIDR_BASE + (j << 8)
        return "%d.%d.%d.0/24" % (a >> 24, (a >> 16) & 255, (a >> 8) & 255), a, 8
    a = CIDR_BASE + (0x50 << 16) + ((j - 19000) << 12)
    return "%d.%d.%d.0/20" % (a >> 24, (a >> 16) & 255, (a >> 8) & 255), a, 12


def dom(i):
    return "n%d.bench%d.com" % (i, i % 997)


def rev(a):
    return "%d.%d.%d.%d" % (a & 255, (a >> 8) & 255, (a >> 16) & 255, a >> 24)


def gen(d):
    with open(os.path.join(d, "reports.jsonl"), "w") as f:
        for i in range(N_IP):
            f.write('{"ip":"%s","category":"spam"}\n' % ip_listed(i))
        for j in range(N_CIDR):
            f.write('{"ip":"%s","category":"botnet"}\n' % cidr(j)[0])
        for i in range(N_DOM):
            f.write('{"domain":"%s","category":"phishing"}\n' % dom(i))
        for j in range(N_WILD):
            f.write('{"domain":"*.w%d.net","category":"spam"}\n' % j)
        for i in range(N_IP6):
            f.write('{"ip":"2001:db8:%x:%x::%x","category":"spam"}\n' %
                    (i >> 16, i & 0xffff, i % 251 + 1))
    rnd = random.Random(5782)

    def q_ip():
        r = rnd.random()
        if r < 0.4:
            a = IP_BASE + (rnd.randrange(N_IP) * K) % (1 << 26)
        elif r < 0.5:
            _, base, bits = cidr(rnd.randrange(N_CIDR))
            a = base + rnd.randrange(1 << bits)
        else:          # not listed: 60.0.0.0/6
            a = (60 << 24) + rnd.randrange(1 << 26)
        return rev(a) + "." + BL

    def q_dom():
        r = rnd.random()
        if r < 0.4:
            n = dom(rnd.randrange(N_DOM))
        elif r < 0.5:
            n = "h%d.w%d.net" % (rnd.randrange(1000), rnd.randrange(N_WILD))
        elif r < 0.75:  # not listed, under the TLD of the listed ones
            n = "n%d.clean%d.com" % (rnd.randrange(10 ** 6), rnd.randrange(997))
        else:           # not listed, under a TLD with no listing
            n = "n%d.clean%d.org" % (rnd.randrange(10 ** 6), rnd.randrange(997))
        return n + "." + DBL

    n = 200000
    with open(os.path.join(d, "q_ip"), "w") as f:
        for _ in range(n):
            f.write(q_ip() + " A\n")
    with open(os.path.join(d, "q_dom"), "w") as f:
        for _ in range(n):
            f.write(q_dom() + " A\n")
    with open(os.path.join(d, "q_mix"), "w") as f:
        for _ in range(n):
            name = q_ip() if rnd.random() < 0.5 else q_dom()
            f.write(name + (" TXT\n" if rnd.random() < 0.5 else " A\n"))


def soa_query(zone):
    q = struct.pack(">HHHHHH", 0x5353, 0, 1, 0, 0, 0)
    for l in zone.split("."):
        q += bytes([len(l)]) + l.encode()
    return q + b"\0\x00\x06\x00\x01"


def startup(port, pidfile, cmd):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.01)
    q = soa_query(BL)
    t0 = time.time()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                         stderr=open(pidfile + ".log", "w"))
    with open(pidfile, "w") as f:
        f.write(str(p.pid))
    while time.time() - t0 < 120:
        s.sendto(q, ("127.0.0.1", port))
        try:
            if s.recv(4096):
                print("%.3f" % (time.time() - t0))
                return
        except socket.timeout:
            pass
        if p.poll() is not None:
            break
    print("fail")


def load(port, rate, seconds):
    per = max(1, rate // 10)
    sent = 0
    t0 = time.time()
    i = 0
    while time.time() - t0 < seconds:
        body = "".join('{"ip":"70.%d.%d.%d","category":"spam"}\n' %
                       ((i + k) >> 16 & 255, (i + k) >> 8 & 255, (i + k) & 255)
                       for k in range(per))
        i += per
        req = ("POST /v1/reports HTTP/1.1\r\nHost: x\r\n"
               "Content-Type: application/x-ndjson\r\n"
               "Content-Length: %d\r\nConnection: close\r\n\r\n%s" %
               (len(body), body)).encode()
        try:
            c = socket.create_connection(("127.0.0.1", port), timeout=5)
            c.sendall(req)
            resp = c.recv(4096)
            c.close()
            if b"accepted" in resp:
                sent += per
        except OSError:
            pass
        next_t = t0 + i / rate
        delay = next_t - time.time()
        if delay > 0:
            time.sleep(delay)
    print("%d %.0f" % (sent, sent / (time.time() - t0)))


def counts():
    print(N_IP + N_CIDR, N_IP6, N_DOM + N_WILD)


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(sys.argv[2])
    elif sys.argv[1] == "counts":
        counts()
    elif sys.argv[1] == "startup":
        startup(int(sys.argv[2]), sys.argv[3], sys.argv[4:])
    elif sys.argv[1] == "load":
        load(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]))
