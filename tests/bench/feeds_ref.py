#!/usr/bin/env python3
"""feeds_ref.py: the reference for feeds_bench: Python's email package
with a small ARF field extractor, doing what reputed's feed does for an
ARF report: find the message/feedback-report part, read Feedback-Type,
Source-IP (else the first Received hop outside the own hosts), the MAIL
FROM (Original-Mail-From, else Return-Path) and the From address; the
subject is the sender's domain (an auth-failure: the IP), as reputed
decides it. Same corpus, same timing loop.

    feeds_ref.py SECONDS [-o FILE] MESSAGE...
# Copyright (c) 2026 The reputed authors
SPDX-License-Identifier: ISC"""
import email, email.policy, ipaddress, re, sys, time
from email.utils import parseaddr

OWN = ".mailbox.example"
BRACKET = re.compile(r"\[(?:IPv6:)?([0-9A-Fa-f:.]+)\]")

def received_ip(msg):
    for v in msg.get_all("Received", []):
        v = " ".join(str(v).split())
        if not v.lower().startswith("from "):
            continue
        frm = v[5:].split(" by ")[0]
        m = BRACKET.search(frm)
        if not m:
            continue
        try:
            ip = ipaddress.ip_address(m.group(1))
        except ValueError:
            continue
        names = frm.replace("(", " ").split()
        if ip.is_loopback or any(n.lower().endswith(OWN) for n in names[:2]):
            continue
        return str(ip)
    return None

def domain(addr):
    a = parseaddr(addr)[1]
    return a.rsplit("@", 1)[1].lower() if "@" in a else None

def one(raw):
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    fb = returned = None
    for part in msg.walk():
        ct = part.get_content_type()
        if ct == "message/feedback-report":
            payload = part.get_payload()
            fb = payload[0] if isinstance(payload, list) else \
                email.message_from_string(payload)
        elif ct == "message/rfc822":
            payload = part.get_payload()
            returned = payload[0] if isinstance(payload, list) else None
            if returned is None or not returned.keys():
                returned = email.message_from_bytes(
                    part.get_payload(decode=True) or b"")
        elif ct == "text/rfc822-headers":
            returned = email.message_from_bytes(part.get_payload(decode=True))
    if fb is None:
        return None
    ftype = (fb.get("Feedback-Type") or "").strip().lower()
    ip = (fb.get("Source-IP") or "").strip()
    if not ip and returned is not None:
        ip = received_ip(returned)
    mfrom = fb.get("Original-Mail-From") or (
        returned.get("Return-Path") if returned is not None else None)
    pra = returned.get("From") if returned is not None else None
    if ftype == "auth-failure":
        return ip
    d = (domain(mfrom) if mfrom else None) or (domain(pra) if pra else None)
    return d or ip

def main():
    secs = float(sys.argv[1]); args = sys.argv[2:]; out = None
    if args[:1] == ["-o"]:
        out = args[1]; args = args[2:]
    msgs = [(a, open(a, "rb").read()) for a in args]
    if out:
        with open(out, "w") as f:
            for name, raw in msgs:
                f.write("%s %s\n" % (name.rsplit("/", 1)[-1], one(raw) or "-"))
    n = 0; t0 = time.monotonic(); c0 = time.process_time()
    while True:
        for _, raw in msgs:
            one(raw)
        n += len(msgs)
        wall = time.monotonic() - t0
        if wall >= secs:
            break
    cpu = time.process_time() - c0
    print("python email: %d messages in %.2f s: %.0f messages/s, %.0f per "
          "CPU second" % (n, wall, n / wall, n / cpu))

main()
