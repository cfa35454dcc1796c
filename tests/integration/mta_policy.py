#!/usr/bin/python3
# mta_policy.py: the client side of mta_policy.sh. Speaks Postfix's policy
# protocol to reputed's smtpd-policy listener and checks each answer.
# usage: mta_policy.py HOST:PORT|/unix/path   (prints "N passed, N failed")
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
import socket
import sys
import threading
import time

passed = failed = 0


def check(name, ok, got=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL %s: %s" % (name, got))


def connect(where):
    if where.startswith("/"):
        s = socket.socket(socket.AF_UNIX)
        s.connect(where)
        return s
    host, port = where.rsplit(":", 1)
    return socket.create_connection((host, int(port)), timeout=10)


def request(**a):
    a.setdefault("protocol_state", "RCPT")
    a.setdefault("instance", "i%d" % time.monotonic_ns())
    lines = ["request=smtpd_access_policy"]
    lines += ["%s=%s" % kv for kv in a.items()]
    return ("\n".join(lines) + "\n\n").encode()


pending = {}	# socket -> bytes read past the last answer


def read_answer(s):
    buf = pending.pop(s, b"")
    while b"\n\n" not in buf:
        d = s.recv(4096)
        if not d:
            return "(closed)"
        buf += d
    answer, rest = buf.split(b"\n\n", 1)
    pending[s] = rest
    return answer.decode()


def ask(s, **a):
    s.sendall(request(**a))
    return read_answer(s)


def closed_after(where, data, wait=3):
    s = connect(where)
    s.settimeout(wait)
    try:
        s.sendall(data)
        return s.recv(100) == b""
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False
    finally:
        s.close()


def main():
    where = sys.argv[1]
    s = connect(where)
    a = ask(s, client_address="192.0.2.66", helo_name="x.example",
            sender="a@spf.example")
    check("listed client rejected with the zone and TXT",
          a.startswith("action=554 5.7.1 Service unavailable; client host "
                       "[192.0.2.66] blocked using bl.reputed.example; "
                       "192.0.2.66: 1 reports from 1 origins"), a)
    a = ask(s, client_address="192.0.2.1", helo_name="mx.spf.example",
            sender="a@spf.example", instance="m1")
    check("pass prepends Received-SPF",
          a.startswith("action=PREPEND Received-SPF: pass (mx.isp.example: "
                       "domain of a@spf.example designates 192.0.2.1 as "
                       "permitted sender) client-ip=192.0.2.1; "
                       "envelope-from=\"a@spf.example\"; helo=mx.spf.example; "
                       "receiver=mx.isp.example; identity=mailfrom"), a)
    a = ask(s, client_address="192.0.2.1", helo_name="mx.spf.example",
            sender="a@spf.example", instance="m1")
    check("second recipient of one message: DUNNO", a == "action=DUNNO", a)
    a = ask(s, client_address="192.0.2.9", helo_name="x.example",
            sender="a@spf.example")
    check("fail rejected with the domain's explanation",
          a == "action=550 5.7.23 SPF fail for mailfrom spf.example: "
               "192.0.2.9 is not one of spf.example's senders", a)
    a = ask(s, client_address="192.0.2.1", helo_name="x.example",
            sender="a@listed.spf.example")
    check("listed sender domain that passed SPF rejected",
          a.startswith("action=554 5.7.1 Service unavailable; sender domain "
                       "of a@listed.spf.example blocked using "
                       "dbl.reputed.example; listed.spf.example: "), a)
    a = ask(s, client_address="192.0.2.9", helo_name="x.example",
            sender="a@forged.spf.example")
    check("listed domain that failed SPF: a forgery, SPF decides",
          a.startswith("action=550 5.7.23 SPF fail"), a)
    a = ask(s, client_address="192.0.2.1", helo_name="mx.spf.example",
            sender="")
    check("null sender: the HELO identity",
          "Received-SPF: pass" in a and "identity=helo" in a, a)
    a = ask(s, client_address="192.0.2.1", helo_name="x.example",
            sender="a@soft.spf.example")
    check("softfail marked", a.startswith(
        "action=PREPEND Received-SPF: softfail"), a)
    a = ask(s, client_address="192.0.2.1", helo_name="x.example",
            sender="a@broken.spf.example")
    check("temperror: defer_if_permit",
          a.startswith("action=DEFER_IF_PERMIT 4.7.24 SPF temperror"), a)
    # pipelined: three requests in one write, answered in order
    s.sendall(request(client_address="192.0.2.66", sender="a@spf.example",
                      helo_name="x.example") +
              request(client_address="192.0.2.9", sender="a@spf.example",
                      helo_name="x.example") +
              request(client_address="192.0.2.1", sender="a@spf.example",
                      helo_name="x.example"))
    got = [read_answer(s)[:17] for _ in range(3)]
    check("pipelined requests answered in order",
          got == ["action=554 5.7.1 ", "action=550 5.7.23",
                  "action=PREPEND Re"], got)
    s.close()
    # limits: each closes the connection, the service goes on
    check("a request that is not smtpd_access_policy closes",
          closed_after(where, b"request=other\n\n"))
    check("a line without = closes", closed_after(
        where, b"request=smtpd_access_policy\nnoequals\n\n"))
    check("an over-long line closes", closed_after(
        where, b"request=smtpd_access_policy\nx=" + b"y" * 5000 + b"\n\n"))
    check("a request past the size limit closes before it ends",
          closed_after(where, b"x=" + b"y" * 300000))
    check("too many attributes close", closed_after(
        where, b"request=smtpd_access_policy\n" + b"a=b\n" * 200 + b"\n"))
    s = connect(where)
    s.settimeout(5)
    t0 = time.monotonic()
    idle = s.recv(10) == b""
    check("an idle connection is closed after idle-timeout (2s)",
          idle and 1.5 < time.monotonic() - t0 < 4.5,
          "%.1fs" % (time.monotonic() - t0))
    s.close()
    # many connections at once, many requests each
    results, errors = [], []

    def worker(n):
        try:
            c = connect(where)
            for i in range(20):
                ip = "192.0.2.1" if i % 2 else "192.0.2.9"
                results.append(ask(c, client_address=ip,
                                   helo_name="x.example",
                                   sender="u%d@spf.example" % n)[:17])
            c.close()
        except Exception as e:	# noqa: BLE001 (reported below)
            errors.append(str(e))
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(100)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check("100 connections x 20 requests all answered",
          len(results) == 2000 and not errors and
          results.count("action=550 5.7.23") == 1000,
          "%d answers, %d errors %s" % (len(results), len(errors), errors[:2]))
    s = connect(where)
    a = ask(s, client_address="192.0.2.66", helo_name="x", sender="")
    check("still serving after all that", a.startswith("action=554"), a)
    s.close()
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
