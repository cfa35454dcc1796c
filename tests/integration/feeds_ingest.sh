#!/bin/sh
# feeds_ingest.sh: reputectl ingest offline (--db DIR --key FILE, as
# `report --db` does) over the feed test messages: the exit status (0 for
# reports or a stated skip, 1 when one is refused), the totals line, the
# reports stored and queryable, --dry-run storing nothing, --maildir with
# a state file handling each message once, and the size limit.
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
. "$(dirname "$0")/../lib/common.sh"
t_tmpdir feeds_ingest; T=$TMP
CTL=${BUILD:-build}/reputectl
D=tests/data/feeds
opts="--own-host .mailbox.example --authserv-id mx1.mailbox.example --own-domain example.com"

"$CTL" keygen --out "$T/k.key" >/dev/null || ko keygen
# shellcheck disable=SC2086
out=$("$CTL" --db "$T/db" ingest --key "$T/k.key" $opts "$D/crlf-abuse.eml" \
    "$D/xarf-spam.eml" "$D/opt-out.eml" "$D/dmarc-zip.eml" 2>&1)
if [ $? = 0 ] && echo "$out" | grep -q '^ingest: 4 message(s): 3 gave 3 report(s), 1 skipped, 0 refused, 0 not handed on (ignored-type 1)$' &&
    echo "$out" | grep -q '^applied 3 reports in 1 batches'; then ok; else ko "offline: $out"; fi
if "$CTL" --db "$T/db" query shop.example | grep -q 'spam'; then ok; else
	ko "shop.example not in the store"; fi
if "$CTL" --db "$T/db" query 198.51.100.23 | grep -q '1 report'; then ok; else
	ko "198.51.100.23 not in the store"; fi
# a refused message: exit 1, the others still stored
# shellcheck disable=SC2086
out=$("$CTL" --db "$T/db" ingest --key "$T/k.key" $opts --verbose \
    "$D/not-a-report.eml" "$D/virus.eml" 2>&1)
if [ $? = 1 ] && echo "$out" | grep -q '^not-a-report.eml: .* refused not-a-report' &&
    echo "$out" | grep -q '^virus.eml: arf 1 report(s)'; then ok; else ko "refused: $out"; fi
if "$CTL" --db "$T/db" query 192.0.2.98 | grep -q 'malware'; then ok; else
	ko "virus report not stored next to a refused message"; fi
# --dry-run: the report objects, nothing stored
before=$("$CTL" --db "$T/db" stats | grep '^reports')
out=$("$CTL" --db "$T/db" ingest --dry-run "$D/rfc6591-b.eml" 2>&1)
if echo "$out" | grep -q '"category":"phishing","client_ip":"192.0.2.1","confidence":50,"ip":"192.0.2.1"' &&
    [ "$("$CTL" --db "$T/db" stats | grep '^reports')" = "$before" ]; then ok; else
	ko "dry-run: $out"; fi
# maildir with a state file: each message once, the maildir untouched
mkdir -p "$T/md/new" "$T/md/cur" "$T/md/tmp"
cp "$D/crlf-abuse.eml" "$T/md/new/a"; cp "$D/b64-qp.eml" "$T/md/cur/b:2,S"
out=$("$CTL" --db "$T/db" ingest --key "$T/k.key" --maildir "$T/md" \
    --state "$T/state" 2>&1)
if echo "$out" | grep -q '^ingest: 2 message(s): 2 gave' && [ -f "$T/md/new/a" ] &&
    [ "$(sort "$T/state" | tr '\n' ' ')" = "a b:2,S " ]; then ok; else ko "state: $out"; fi
out=$("$CTL" --db "$T/db" ingest --key "$T/k.key" --maildir "$T/md" \
    --state "$T/state" 2>&1)
if echo "$out" | grep -q '^ingest: 0 message(s)'; then ok; else ko "state twice: $out"; fi
# the size limit, from standard input
out=$(head -c 3000 /dev/zero | tr '\0' a | "$CTL" --db "$T/db" ingest --dry-run \
    --max-size 2048 - 2>&1)
if [ $? = 1 ] && echo "$out" | grep -q 'too-big'; then ok; else ko "max-size: $out"; fi
t_done
