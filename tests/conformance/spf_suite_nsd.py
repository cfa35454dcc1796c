#!/usr/bin/python3
# spf_suite_nsd.py: the whole openspf RFC 7208 suite over real DNS. Each
# scenario's zonedata becomes a root zone served by a local nsd (one nsd per
# scenario, started here and stopped by its PID), and each test runs
# `reputectl spf --resolver 127.0.0.1:PORT` through libunbound, as an MTA's
# check would. The expected results and explanations are the suite's.
#
# TIMEOUT markers: a name whose records all come after the marker becomes
# a CNAME into a zone that nsd has no data for and answers with SERVFAIL
# (libunbound passes that on: temperror, what a timeout gives; a CNAME,
# not a zone cut, so the names below it still answer). A name with records
# before the marker keeps them (the suite never asks it for another type).
#
# usage: spf_suite_nsd.py REPUTECTL SUITE.yml[.gz] TMPDIR PORT
# Prints FAIL lines and "N passed, N failed".
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
import gzip
import os
import signal
import subprocess
import sys
import time

import yaml

ASKED = ("TXT", "A", "AAAA", "MX", "PTR", "CNAME")
TIMEOUT_TARGET = "name.timeout."


def label_escape(name):
    out = []
    for ch in name.encode("latin-1", "replace"):
        c = chr(ch)
        if c.isalnum() or c in "-_.":
            out.append(c)
        else:
            out.append("\\%03d" % ch)
    return "".join(out)


def txt_strings(value):
    """A TXT value (string or list of strings) as zone-file strings."""
    parts = value if isinstance(value, list) else [value]
    out = []
    for part in parts:
        data = str(part).encode("utf-8")
        chunks = [data[i:i + 255] for i in range(0, len(data), 255)] or [b""]
        for chunk in chunks:
            s = "".join(
                chr(b) if 0x20 <= b < 0x7F and chr(b) not in '"\\'
                else "\\%03d" % b for b in chunk)
            out.append('"%s"' % s)
    return " ".join(out) or '""'	# no strings at all: one empty one


def zone_records(name, entries):
    """(records, timeout_zone) for one name of the zonedata."""
    recs, seen_timeout, before = [], False, 0
    has_txt = any(isinstance(e, dict) and "TXT" in e for e in entries)
    owner = label_escape(name.rstrip(".")) + "."
    for e in entries:
        if e == "TIMEOUT":
            seen_timeout = True
            continue
        for rtype, value in e.items():
            if rtype == "TXT" and value == "NONE":
                continue
            if rtype == "SPF":
                if has_txt:
                    continue
                rtype = "TXT"	# the suite's auto-duplication to TXT
            if rtype not in ASKED:
                continue
            if not seen_timeout:
                before += 1
            if rtype == "TXT":
                rdata = txt_strings(value)
            elif rtype == "MX":
                rdata = "%s %s." % (value[0], label_escape(str(value[1]).rstrip(".")))
            elif rtype in ("PTR", "CNAME"):
                rdata = label_escape(str(value).rstrip(".")) + "."
            else:
                rdata = str(value)
            recs.append("%s 60 IN %s %s" % (owner, rtype, rdata))
    if seen_timeout and before == 0:	# every question times out
        return ["%s 60 IN CNAME %s" % (owner, TIMEOUT_TARGET)], True
    return recs, False


def write_scenario(doc, tmp, port):
    records = []
    for name, entries in (doc.get("zonedata") or {}).items():
        records += zone_records(str(name), entries or [])[0]
    with open(os.path.join(tmp, "root.zone"), "w") as f:
        f.write(". 60 IN SOA ns.root. hostmaster.root. 1 3600 600 86400 60\n")
        f.write(". 60 IN NS ns.root.\nns.root. 60 IN A 127.0.0.1\n")
        f.write("\n".join(records) + "\n")
    conf = """server:
	ip-address: 127.0.0.1@%d
	username: ""
	chroot: ""
	zonesdir: "%s"
	database: ""
	pidfile: "%s/nsd.pid"
	xfrdfile: "%s/xfrd.state"
	zonelistfile: "%s/zone.list"
	logfile: "%s/nsd.log"
	server-count: 1
	verbosity: 0
	rrl-ratelimit: 0
remote-control:
	control-enable: no
zone:
	name: "."
	zonefile: root.zone
""" % (port, tmp, tmp, tmp, tmp, tmp)
    # A zone without its file: nsd answers SERVFAIL for every name in it.
    conf += 'zone:\n\tname: "timeout."\n\tzonefile: "missing.zone"\n'
    with open(os.path.join(tmp, "nsd.conf"), "w") as f:
        f.write(conf)


def nsd_start(tmp, port):
    for f in ("zone.list", "xfrd.state"):
        try:
            os.unlink(os.path.join(tmp, f))
        except FileNotFoundError:
            pass
    out = open(os.path.join(tmp, "nsd.out"), "w")
    p = subprocess.Popen(["nsd", "-d", "-c", os.path.join(tmp, "nsd.conf")],
                         stdout=out, stderr=subprocess.STDOUT)
    for _ in range(40):
        r = subprocess.run(["dig", "@127.0.0.1", "-p", str(port), ".", "SOA",
                            "+short", "+time=1", "+tries=1"],
                           capture_output=True, text=True)
        if r.stdout.strip():
            return p
        time.sleep(0.25)
    nsd_stop(p)
    return None


def nsd_stop(p):
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(timeout=3)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def explanation(t):
    """The suite's DEFAULT stands for the checker's own default text."""
    e = t["explanation"]
    return "SPF fail - not authorized" if e == "DEFAULT" else e


def run_test(ctl, port, name, t):
    expect = t["result"] if isinstance(t["result"], list) else [t["result"]]
    cmd = [ctl, "spf", "--ip", str(t["host"]), "--mail-from",
           str(t.get("mailfrom", "")), "--helo", str(t.get("helo", "")),
           "--resolver", "127.0.0.1:%d" % port, "--timeout", "2000"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    lines = r.stdout.split("\n")
    got = lines[0] if lines else ""
    why = None
    if got not in expect:
        why = "result %s, expected %s (%s)" % (got, "/".join(expect),
                                              r.stderr.strip())
    elif "explanation" in t and got == "fail" and \
            (len(lines) < 2 or lines[1] != explanation(t)):
        why = "explanation '%s', expected '%s'" % (
            lines[1] if len(lines) > 1 else "", t["explanation"])
    if why:
        print("FAIL %s: %s" % (name, why))
    return why is None


def main():
    ctl, suite, tmp, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    opener = gzip.open if suite.endswith(".gz") else open
    with opener(suite, "rt") as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    passed = failed = 0
    for doc in docs:
        write_scenario(doc, tmp, port)
        p = nsd_start(tmp, port)
        if p is None:
            print("FAIL scenario %s: nsd did not start:" % doc["description"])
            sys.stdout.write(open(os.path.join(tmp, "nsd.out")).read())
            failed += len(doc["tests"])
            continue
        try:
            for name, t in doc["tests"].items():
                if run_test(ctl, port, name, t):
                    passed += 1
                else:
                    failed += 1
        finally:
            nsd_stop(p)
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
