#!/usr/bin/env python3
"""make_corpus.py: writes the real-shaped feed test messages of
tests/data/feeds (the .want files beside them say what each must give).
Run once; the output is committed. Also used by tests/bench/feeds_bench.sh
(--bench DIR N) to write N varied messages for the benchmark.
# Copyright (c) 2026 The reputed authors
SPDX-License-Identifier: ISC"""
import base64, gzip, io, json, os, quopri, sys, zipfile

def arf(boundary, fb_fields, returned, returned_type="message/rfc822",
        returned_cte=None, fb_cte=None, top_extra=""):
    fb = "".join("%s: %s\n" % kv for kv in fb_fields)
    if fb_cte == "quoted-printable":
        fb = quopri.encodestring(fb.encode()).decode()
    if returned_cte == "base64":
        returned = base64.encodebytes(returned.encode()).decode()
    parts = [
        "Content-Type: text/plain; charset=us-ascii\n\n"
        "This is an email abuse report for a message received from you.\n",
        "Content-Type: message/feedback-report\n" +
        ("Content-Transfer-Encoding: %s\n" % fb_cte if fb_cte else "") +
        "\n" + fb,
        "Content-Type: %s\n" % returned_type +
        ("Content-Transfer-Encoding: %s\n" % returned_cte if returned_cte else "") +
        "Content-Disposition: inline\n\n" + returned,
    ]
    body = "".join("--%s\n%s\n" % (boundary, p) for p in parts)
    return ("From: feedback@fbl.mailbox.example\n"
            "To: fbl@isp.example\n"
            "Subject: complaint about message from 203.0.113.5\n"
            "Date: Mon, 7 Dec 2026 01:02:03 +0000\n"
            "Message-ID: <fbl.1@fbl.mailbox.example>\n"
            "MIME-Version: 1.0\n" + top_extra +
            "Content-Type: multipart/report; report-type=feedback-report;\n"
            "\tboundary=\"%s\"\n\n"
            "This is a multi-part message in MIME format.\n\n%s--%s--\n"
            % (boundary, body, boundary))

def spam(ip="203.0.113.5", sender="news@shop.example", received=None,
         extra=""):
    rec = received or (
        "Received: from out.shop.example (out.shop.example [%s])\n"
        "\tby mx1.mailbox.example with ESMTPS id 4f2a;\n"
        "\tSun, 6 Dec 2026 22:10:00 +0100\n" % ip)
    return (rec + "Return-Path: <%s>\n" % sender + extra +
            "From: \"Shop News\" <%s>\n"
            "To: victim@mailbox.example\n"
            "Subject: =?UTF-8?B?QmlnIHNhbGUh?=\n"
            "Date: Sun, 6 Dec 2026 22:09:58 +0100\n"
            "Message-ID: <m1@shop.example>\n\n"
            "Buy now. Personal data of the recipient: Jane Doe.\n" % sender)

def write(name, text, eol="\n"):
    data = text.replace("\n", eol).encode() if isinstance(text, str) else text
    with open(name, "wb") as f:
        f.write(data)

def xarf_mail(doc, legacy=False):
    js = base64.encodebytes(json.dumps(doc, indent=1).encode()).decode()
    return ("From: abuse-reports@cert.example\nTo: abuse@isp.example\n"
            "Subject: abuse report about 198.51.100.23\n"
            "X-XARF: PLAIN\nMIME-Version: 1.0\n"
            "Content-Type: multipart/mixed; boundary=\"xarf\"\n\n"
            "--xarf\nContent-Type: text/plain; charset=utf-8\n"
            "Content-Transfer-Encoding: quoted-printable\n\n"
            "Dear abuse team,=0Asee the attached report.\n"
            "--xarf\nContent-Type: application/json; name=\"xarf.json\"\n"
            "Content-Transfer-Encoding: base64\n"
            "Content-Disposition: attachment; filename=\"xarf.json\"\n\n"
            + js + "--xarf--\n")

XARF_SPAM = {"xarf_version": "4.0.0", "report_id": "r-1",
    "timestamp": "2026-12-06T21:10:00Z",
    "reporter": {"org": "CERT", "contact": "abuse@cert.example"},
    "source_identifier": "198.51.100.23", "source_port": 25,
    "category": "messaging", "type": "spam", "evidence_source": "spamtrap",
    "smtp_from": "bulk@mailer.example", "subject": "Win"}
XARF_OLD = {"Version": "4", "ReporterInfo": {"ReporterOrg": "Net"},
    "Disclosure": True, "Report": {"ReportClass": "Activity",
    "ReportType": "Login-Attack", "Date": "2026-12-06T10:00:00+01:00",
    "SourceIp": "192.0.2.200", "SourcePort": 52111}}

def dmarc_mail(name, payload, ctype):
    b = base64.encodebytes(payload).decode()
    return ("From: noreply-dmarc@receiver.example\nTo: dmarc@example.com\n"
            "Subject: Report Domain: example.com Submitter: receiver.example\n"
            "MIME-Version: 1.0\n"
            "Content-Type: multipart/mixed; boundary=\"dm\"\n\n"
            "--dm\nContent-Type: text/plain\n\nDMARC aggregate report.\n"
            "--dm\nContent-Type: %s; name=\"%s\"\n"
            "Content-Transfer-Encoding: base64\n"
            "Content-Disposition: attachment; filename=\"%s\"\n\n%s--dm--\n"
            % (ctype, name, name, b))

def zinfo(name):
    zi = zipfile.ZipInfo(name, (2026, 1, 1, 0, 0, 0))
    zi.compress_type = zipfile.ZIP_DEFLATED
    return zi

def corpus():
    fb = [("Feedback-Type", "abuse"), ("User-Agent", "MailboxFBL/2.1"),
          ("Version", "1"), ("Original-Mail-From", "<news@shop.example>"),
          ("Original-Rcpt-To", "<victim@mailbox.example>"),
          ("Arrival-Date", "Sun, 6 Dec 2026 22:10:00 +0100"),
          ("Source-IP", "203.0.113.5"),
          ("Authentication-Results", "mx1.mailbox.example;\n\tspf=pass "
           "smtp.mailfrom=news@shop.example;\n\tsender-id=pass "
           "header.from=news@shop.example")]
    # CRLF, Source-IP, trusted Authentication-Results
    write("crlf-abuse.eml", arf("b1", fb, spam()), "\r\n")
    # CR only, no Source-IP: the Received chain with own hops on top
    nosrc = [f for f in fb if f[0] not in ("Source-IP",
             "Authentication-Results", "Original-Mail-From")]
    chain = ("Received: from mx1.mailbox.example (mx1.mailbox.example "
             "[198.51.100.10])\n\tby store3.mailbox.example; "
             "Sun, 6 Dec 2026 22:10:02 +0100\n"
             "Received: from filter (localhost [127.0.0.1])\n"
             "\tby mx1.mailbox.example; Sun, 6 Dec 2026 22:10:01 +0100\n"
             "Received: from bulk7.mailer.example (bulk7.mailer.example "
             "[IPv6:2001:db8:77::7])\n\tby mx1.mailbox.example with ESMTPS;"
             " Sun, 6 Dec 2026 22:10:00 +0100\n"
             "Received: from app.mailer.example ([10.1.1.1]) by "
             "bulk7.mailer.example; Sun, 6 Dec 2026 22:09:59 +0100\n")
    write("cr-received.eml", arf("b2", nosrc, spam(received=chain,
          sender="list@mailer.example")), "\r")
    # LF, returned message base64, feedback report quoted-printable
    write("b64-qp.eml", arf("b3", fb, spam(), returned_cte="base64",
          fb_cte="quoted-printable"))
    # forged Authentication-Results from an untrusted authserv-id
    forged = [f for f in fb if f[0] != "Authentication-Results"] + [
        ("Authentication-Results", "evil.example; spf=pass "
         "smtp.mailfrom=news@shop.example")]
    write("forged-ar.eml", arf("b4", forged, spam(extra=
          "Authentication-Results: evil.example; spf=pass "
          "smtp.mailfrom=news@shop.example\n")))
    # text/rfc822-headers, fraud with a Reported-URI -> phishing
    fr = [("Feedback-Type", "fraud"), ("User-Agent", "x/1"),
          ("Version", "1"), ("Source-IP", "192.0.2.99"),
          ("Reported-URI", "http://login.bank.example.phish.example/")]
    write("fraud-uri.eml", arf("b5", fr, spam(ip="192.0.2.99",
          sender="security@bank-alerts.example").split("\n\n")[0] + "\n",
          returned_type="text/rfc822-headers"))
    vi = [("Feedback-Type", "virus"), ("User-Agent", "x/1"), ("Version", "1"),
          ("Source-IP", "192.0.2.98")]
    write("virus.eml", arf("b6", vi, spam(ip="192.0.2.98", sender="<>")))
    ns = [("Feedback-Type", "not-spam"), ("User-Agent", "x/1"),
          ("Version", "1"), ("Source-IP", "192.0.2.97")]
    write("not-spam.eml", arf("b7", ns, spam(ip="192.0.2.97",
          sender="newsletter@friends.example")))
    oo = [("Feedback-Type", "opt-out"), ("User-Agent", "x/1"),
          ("Version", "1"), ("Source-IP", "192.0.2.96")]
    write("opt-out.eml", arf("b8", oo, spam()))
    nsub = [("Feedback-Type", "abuse"), ("User-Agent", "x/1"),
            ("Version", "1")]
    write("no-subject.eml", arf("b9", nsub, "Subject: hi\nTo: x@y.example"
          "\n\nbody\n"))
    write("not-a-report.eml", "From: friend@example.org\nTo: abuse@isp."
          "example\nSubject: hello\n\nJust saying hello.\n")
    deep = "x\n"
    for i in range(12):
        deep = ("Content-Type: multipart/mixed; boundary=\"d%d\"\n\n--d%d\n"
                "%s\n--d%d--\n" % (i, i, deep, i))
    write("deep-nesting.eml", "From: a@b.example\nMIME-Version: 1.0\n" + deep)
    bad = arf("b10", fb, spam(), returned_cte="base64").replace(
        "UmVjZWl2", "Um!!ZWl2", 1)
    write("broken-base64.eml", bad)
    write("xarf-spam.eml", xarf_mail(XARF_SPAM))
    write("xarf-old.json", json.dumps(XARF_OLD, indent=2) + "\n")
    x = dict(XARF_SPAM, category="copyright", type="p2p")
    write("xarf-copyright.json", json.dumps(x) + "\n")
    xml = open("dmarc-rfc7489.xml", "rb").read()
    write("dmarc-gzip.eml", dmarc_mail("receiver.example!example.com!"
          "1335571200!1335657599.xml.gz", gzip.compress(xml, mtime=0),
          "application/gzip"))
    zb = io.BytesIO()
    with zipfile.ZipFile(zb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zinfo("receiver.example!example.com!1.xml"),
                   open("dmarc-rfc9990.xml", "rb").read())
    write("dmarc-zip.eml", dmarc_mail("report.zip", zb.getvalue(),
          "application/zip"))
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zinfo("bomb.xml"), b"<feedback>" + b" " * (40 << 20) + b"</feedback>")
    write("zip-bomb.eml", dmarc_mail("bomb.zip", bomb.getvalue(),
          "application/zip"))
    write("gzip-bomb.xml.gz", gzip.compress(b"<feedback>" + b" " * (40 << 20)
          + b"</feedback>", mtime=0))

def bench(outdir, n):
    """n varied messages: ARF abuse in three shapes, auth-failure, X-ARF."""
    os.makedirs(outdir, exist_ok=True)
    for i in range(n):
        ip = "203.0.%d.%d" % (i // 250 % 250, i % 250 + 1)
        snd = "news%d@shop%d.example" % (i, i % 97)
        fb = [("Feedback-Type", "abuse"), ("User-Agent", "MailboxFBL/2.1"),
              ("Version", "1"), ("Original-Mail-From", "<%s>" % snd),
              ("Original-Rcpt-To", "<victim%d@mailbox.example>" % i),
              ("Arrival-Date", "Sun, 6 Dec 2026 22:10:00 +0100")]
        k = i % 4
        if k == 0:
            fb.append(("Source-IP", ip))
            text = arf("bb%d" % i, fb, spam(ip=ip, sender=snd))
        elif k == 1:
            text = arf("bb%d" % i, fb, spam(ip=ip, sender=snd),
                       returned_cte="base64").replace("\n", "\r\n")
        elif k == 2:
            fb.append(("Source-IP", ip))
            text = arf("bb%d" % i, fb, spam(ip=ip, sender=snd).split(
                "\n\n")[0] + "\n", returned_type="text/rfc822-headers",
                fb_cte="quoted-printable")
        else:
            fb[0] = ("Feedback-Type", "auth-failure")
            fb.append(("Source-IP", ip))
            text = arf("bb%d" % i, fb, spam(ip=ip, sender=snd))
        write(os.path.join(outdir, "m%06d.eml" % i), text)

if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--bench":
        bench(sys.argv[2], int(sys.argv[3]))
    else:
        os.chdir(os.path.dirname(os.path.abspath(__file__)))
        corpus()
