#!/usr/bin/python3
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
"""spf_pyspf.py: pyspf (python3-spf, `import spf`) on the same cases as
spf_bench, for the ratio in tests/bench/spf_bench.sh.

    spf_pyspf.py SECONDS FILE.yml[.gz]...

Loads openspf-style suites (the openspf ones, or the generated mix that
`spf_bench mix -y` writes), answers pyspf's DNS questions from the
scenario zones in memory, and evaluates every test, round after round,
for about SECONDS. Prints evaluations/s and how many results agree with
what each test expects.
"""
import gzip
import socket
import sys
import time

import spf
import yaml


def zone_of(zonedata):
    """name -> list of (type, value) in order, 'TIMEOUT' markers kept;
    SPF-type records also served as TXT where a name has no TXT entry."""
    zone = {}
    for name, entries in (zonedata or {}).items():
        out, spf_texts = [], []
        has_txt = any(isinstance(e, dict) and 'TXT' in e for e in entries)
        for e in entries:
            if e == 'TIMEOUT':
                out.append(('TIMEOUT', None))
                continue
            for rtype, value in e.items():
                if rtype in ('TXT', 'SPF'):
                    strings = value if isinstance(value, list) else [value]
                    value = tuple(s.encode('utf-8') for s in strings)
                    if rtype == 'TXT' and value == (b'NONE',):
                        continue
                    if rtype == 'SPF':
                        spf_texts.append(value)
                elif rtype == 'AAAA':
                    value = socket.inet_pton(socket.AF_INET6, value)
                elif rtype == 'MX':
                    value = (value[0], value[1])
                out.append((rtype, value))
        if not has_txt:
            out.extend(('TXT', v) for v in spf_texts)
        zone[name.lower().rstrip('.')] = out
    return zone


def make_lookup(cell):
    def lookup(name, qtype, strict=True, timeout=None, level=0):
        zone = cell[0]
        key = '.'.join(l for l in name.split('.') if l).lower()
        if any(len(l) > 63 for l in key.split('.')):
            raise spf.TempError('DNS label too long')
        entries = zone.get(key)
        if entries is None:
            return []
        answer, seen = [], False
        for rtype, value in entries:
            if rtype == 'TIMEOUT':
                if not seen:
                    raise spf.TempError('DNS timeout')
                break
            if rtype == qtype:
                seen = True
                answer.append(((name, rtype), value))
            elif rtype == 'CNAME' and level < 8 and qtype != 'CNAME':
                answer.append(((name, rtype), value))
                answer.extend(lookup(value, qtype, strict, timeout, level + 1))
        return answer
    return lookup


def load(path):
    opener = gzip.open if path.endswith('.gz') else open
    cases = []
    with opener(path, 'rb') as f:
        for doc in yaml.safe_load_all(f):
            zone = zone_of(doc.get('zonedata'))
            for name, t in doc['tests'].items():
                if 'headers' in t:
                    continue        # Sender ID: pyspf has no PRA
                want = t['result'] if isinstance(t['result'], list) \
                    else [t['result']]
                cases.append((zone, t['host'], t.get('mailfrom', ''),
                              t.get('helo', ''), want))
    return cases


def main():
    seconds = float(sys.argv[1])
    cases = []
    for path in sys.argv[2:]:
        cases.extend(load(path))
    cell = [None]
    spf.DNSLookup = make_lookup(cell)
    evals, agree, first = 0, 0, True
    start, cpu0 = time.perf_counter(), time.process_time()
    while True:
        for zone, host, mailfrom, helo, want in cases:
            cell[0] = zone
            q = spf.query(i=host, s=mailfrom, h=helo)
            q.set_default_explanation('DEFAULT')
            res = q.check()[0]
            res = {'unknown': 'permerror', 'error': 'temperror'}.get(res, res)
            if first and res in want:
                agree += 1
            evals += 1
        first = False
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            break
    cpu = time.process_time() - cpu0
    print('pyspf %s: %d cases, %d evaluations in %.2f s: %.0f evaluations/s,'
          ' %.0f per CPU second, %d of %d results as the tests expect' % (
              spf.__version__, len(cases), evals, elapsed, evals / elapsed,
              evals / cpu, agree, len(cases)))


if __name__ == '__main__':
    main()
