#!/bin/sh
# daemon_limits.sh: the API refuses what does nothing, as JSON. A real
# daemon; a retraction of an index past the end of its batch, of the same
# id twice, or of a report retracted already is a 400 that spends no seq
# (the count of committed batches does not move); an over-large request
# body is a JSON 413, not evhttp's HTML page.
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
BUILD=${BUILD:-build}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
REPUTED=$TOP/$BUILD/reputed
. "$TOP/tests/lib/common.sh"
t_missing curl python3
t_tmpdir limits
DNS_PORT=$(free_port); API_PORT=$(free_port)
API=http://127.0.0.1:$API_PORT
mkdir -p "$TMP/var"
cat >"$TMP/reputed.conf" <<CONF
server:
	directory: "$TMP/var"
	username: ""
	pidfile: "$TMP/reputed.pid"
	sync: 1
dns:
	listen: 127.0.0.1@$DNS_PORT
zone:
	name: bl.test
	kind: ip
api:
	listen: 127.0.0.1@$API_PORT
CONF
"$REPUTED" -d -c "$TMP/reputed.conf" >"$TMP/log" 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 1 100); do
	curl -sf "$API/metrics" >/dev/null 2>&1 && break; sleep 0.05
done

batches() {
	curl -sf "$API/metrics" | awk '$1 == "reputed_batches_committed_total" {print $2}'
}
post() { # post PATH BODY -> "CODE BODY"
	curl -s -o "$TMP/out" -w '%{http_code}' --data-binary "$2" "$API$1"
	printf ' '; cat "$TMP/out"
}
retract() { post /v1/retractions "{\"ids\":$1}"; }

r=$(post /v1/reports '[{"ip":"198.51.100.1","category":"spam"},{"ip":"198.51.100.2","category":"spam"}]')
seq=$(echo "$r" | sed -n 's/.*"ids": *\[\[\([0-9]*\),0\].*/\1/p')
[ -n "$seq" ] && ok || { ko "report: $r"; t_done; }
b0=$(batches)

r=$(retract "[[$seq,2]]")
case "$r" in "400 "*"past the end"*) ok ;; *) ko "index past the end: $r" ;; esac
r=$(retract "[[$seq,0],[$seq,0]]")
case "$r" in "400 "*"named twice"*) ok ;; *) ko "the same id twice: $r" ;; esac
[ "$(batches)" = "$b0" ] && ok || ko "a refused retraction spent a seq ($(batches) != $b0)"

r=$(retract "[[$seq,0]]")
case "$r" in "200 "*'"retracted":1'*) ok ;; *) ko "a good retraction: $r" ;; esac
b1=$(batches)
[ "$b1" = $((b0 + 1)) ] && ok || ko "a good retraction: batches $b0 -> $b1"
r=$(retract "[[$seq,0]]")
case "$r" in "400 "*"retracted already"*) ok ;; *) ko "retracting again: $r" ;; esac
r=$(retract "[[$seq,1],[$seq,0]]")
case "$r" in "400 "*) ok ;; *) ko "one good id beside a retracted one: $r" ;; esac
[ "$(batches)" = "$b1" ] && ok || ko "a second retraction spent a seq"
r=$(retract "[[$seq,1]]")
case "$r" in "200 "*) ok ;; *) ko "the other report: $r" ;; esac

# 9 MiB of body: over the 8 MiB limit.
python3 -c 'import sys; sys.stdout.write("[" + " " * (9 << 20) + "]")' >"$TMP/big"
code=$(curl -s -o "$TMP/out" -D "$TMP/hdr" -w '%{http_code}' \
    --data-binary @"$TMP/big" "$API/v1/reports")
[ "$code" = 413 ] && ok || ko "over-large body: $code"
grep -qi '^content-type: application/json' "$TMP/hdr" && ok ||
    ko "over-large body not answered in JSON: $(grep -i content-type "$TMP/hdr")"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert "error" in d' \
    "$TMP/out" 2>/dev/null && ok || ko "over-large body: $(head -c 200 "$TMP/out")"
curl -sf "$API/metrics" >/dev/null && ok || ko "API gone after the large body"
t_done
