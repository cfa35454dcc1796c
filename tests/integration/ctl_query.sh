#!/bin/sh
# ctl_query.sh: `reputectl query X --json` prints the same document through
# the API (a daemon running) and offline (--db on the daemon's store once
# it stopped): the same members at every level, and the same values but
# `generated` and the decayed weights (which move with the clock). Subjects:
# an address, a domain with Sender-ID evidence, a /24 and an address it
# covers, one never reported. Stops the daemon it starts by PID.
# Prints "N passed, N failed".
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
BUILD=${BUILD:-build}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
REPUTED=$TOP/$BUILD/reputed
CTL=$TOP/$BUILD/reputectl
. "$TOP/tests/lib/common.sh"
t_missing curl python3
t_tmpdir ctlquery; tmp=$TMP
API_PORT=$(free_port)
cat >"$tmp/reputed.conf" <<CONF
server:
	name: "reputed"
	directory: "$tmp/var"
	username: ""
dns:
	listen: 127.0.0.1@$(free_port)
	threads: 1
zone:
	name: bl.test
	kind: ip
api:
	listen: 127.0.0.1@$API_PORT
policy:
	min-origins: 1
	threshold: 0.5
CONF
t_reputed "$tmp/reputed.conf" "$tmp/log" "$API_PORT" ||
    { ko "reputed did not start"; cat "$tmp/log"; t_done; }
curl -sf -o "$tmp/ack" --data-binary '[
 {"ip":"192.0.2.7","category":"spam"},
 {"ip":"198.51.100.0/24","category":"botnet"},
 {"domain":"forged.example","category":"spam","client_ip":"192.0.2.9",
  "mail_from":"a@forged.example","spf_mail_from":"fail"},
 {"domain":"real.example","category":"phishing","client_ip":"192.0.2.10",
  "mail_from":"a@real.example","spf_mail_from":"pass"}]' \
    "http://127.0.0.1:$API_PORT/v1/reports" && ok "reports accepted" ||
    { ko "reports refused: $(cat "$tmp/ack")"; cat "$tmp/log"; t_done; }
SUBJECTS="192.0.2.7 198.51.100.0/24 198.51.100.77 forged.example real.example 203.0.113.1"
n=0
for s in $SUBJECTS; do
	n=$((n + 1))
	"$CTL" --api "127.0.0.1:$API_PORT" query "$s" --json >"$tmp/api.$n" 2>&1
done
stop_pids $pid
n=0
for s in $SUBJECTS; do
	n=$((n + 1))
	"$CTL" --db "$tmp/var" query "$s" --json >"$tmp/db.$n" 2>&1
	if out=$(python3 - "$tmp/api.$n" "$tmp/db.$n" 2>&1 <<'PY'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
def same(x, y, path):
    if isinstance(x, dict) and isinstance(y, dict):
        if set(x) != set(y):
            sys.exit("%s: members %s vs %s" % (path, sorted(x), sorted(y)))
        for k in x:
            if k != "generated" and not path.endswith("weight"):
                same(x[k], y[k], path + "." + k)
    elif isinstance(x, list) and isinstance(y, list):
        if len(x) != len(y):
            sys.exit("%s: %d vs %d entries" % (path, len(x), len(y)))
        for i, (p, q) in enumerate(zip(x, y)):
            same(p, q, "%s[%d]" % (path, i))
    elif x != y:
        sys.exit("%s: %r vs %r" % (path, x, y))
same(a, b, "")
print(len(a["reputons"]))
PY
	); then ok "$s: the same document with and without --db ($out reputon)"
	else ko "$s: $out"; fi
done
# the members the API documents, in both
if python3 -c '
import json, sys
for f in sys.argv[1:]:
    r = json.load(open(f))["reputons"][0]
    e = r["reputed"]["explanation"][0]
    assert "expires" in r and "expires" in e and "weight" in e, f
    assert "expires_at" not in e and "weight_now" not in e, f
' "$tmp/api.1" "$tmp/db.1"; then ok "expires and weight in both"
else ko "the documented members are missing"; fi
t_done
