#!/bin/sh
# peer_contained.sh: bad peers are contained. n0 and n1 peer normally; an
# authenticated but misbehaving peer (peer_evil.py, with a valid org A
# certificate) connects to n0 and sends a bad signature, a batch claiming
# another origin, an oversized frame, random bytes, replays, equivocating
# batches, or stops reading. Each time n0 closes that session only (with
# the right Goodbye), counts it, and keeps serving: its session with n1
# stays up, reports still flow, the API and DNS answer.
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
. "$(dirname "$0")/peer_lib.sh"
pl_init
EVIL="python3 $(dirname "$0")/peer_evil.py"
pl_ports 9
pl_org orgA
for i in 0 1 2; do pl_node $i orgA; done	# n2: the evil peer's identity
pl_conf 0
pl_conf 1 0
pl_start 0 && pl_start 1 || { pl_done; exit 1; }
pl_wait 10 1 pl_peers_up 0 || ko "n0-n1 not up"
evil() { $EVIL 127.0.0.1 "$PEER_0" "$T/n2/node.pem" "$T/n2/node.key" \
    "$T/orgA.pem" "$@" 2>&1; }

# Still serving: the n1 session up, a fresh report from n1 listed at n0.
k=0
serving() {
	k=$((k + 1))
	[ "$(pl_peers_up 0)" -ge 1 ] || { ko "$1: n0 lost its good peer"; return; }
	pl_report 1 "192.0.2.$((100 + k))" || ko "$1: report refused"
	if pl_wait 5 127.0.0.2 pl_dig 0 "192.0.2.$((100 + k))"; then ok; else
		ko "$1: n0 stopped applying reports"
	fi
}

r=$(evil badsig); [ "$r" = "goodbye 3" ] && ok || ko "badsig: $r"
serving badsig
r=$(evil otherorigin "$(pl_pin 1)"); [ "$r" = "goodbye 3" ] && ok || ko "otherorigin: $r"
serving otherorigin
r=$(evil oversized); [ "$r" = "goodbye 2" ] && ok || ko "oversized: $r"
serving oversized
r=$(evil garbage); case "$r" in "goodbye 2"|closed) ok ;; *) ko "garbage: $r" ;; esac
serving garbage
r=$(evil replay 50); [ "$r" = open ] && ok || ko "replay: $r"
d=$(curl -sf --max-time 5 "$(pl_api 0)/metrics" |
    awk '/reason="duplicate"/ {print $2}')
[ "${d:-0}" -ge 49 ] && ok || ko "replays not counted as duplicates ($d)"
serving replay
r=$(evil equivocate); [ "$r" = open ] && ok || ko "equivocate: $r"
e=$(pl_metric 0 reputed_peer_equivocations_total)
[ "${e:-0}" = 1 ] && ok || ko "equivocation not detected ($e)"
grep -q "equivocation" "$T/n0/log" && ok || ko "equivocation not logged"
# The proof reached n1, which blocked the origin too.
pl_wait 5 1 pl_metric 1 reputed_peer_equivocations_total && ok ||
    ko "n1 did not get the equivocation proof"
serving equivocate
b=$(pl_metric 0 reputed_peer_batches_dropped_total 2>/dev/null)
bad=$(curl -sf --max-time 5 "$(pl_api 0)/metrics" |
    awk '/reason="bad_signature"/ {print $2}')
[ "${bad:-0}" -ge 2 ] && ok || ko "bad signatures counted: $bad"

# A peer that stops reading while n0 floods: dropped, memory bounded.
# Anonymous memory only: LMDB's mapped pages are the store, not sessions.
rss() { eval "awk '/RssAnon/ {print \$2}' /proc/\$PID_0/status"; }
before=$(rss)
evil noread 40 >/dev/null &
epid=$!
PIDS="$PIDS $epid"
sleep 1
n=0
while [ "$(pl_metric 0 reputed_peer_dropped_slow_total)" = 0 ] && [ $n -lt 60 ]; do
	python3 -c '
import json, sys
n = int(sys.argv[1])
pad = "x" * 180
print("\n".join(json.dumps({"ip": "10.%d.%d.%d" % (n, i // 256, i % 256),
    "category": "spam", "client_ip": "10.%d.%d.%d" % (n, i // 256, i % 256),
    "helo": "h%d.%s.example" % (i, pad[:60]),
    "mail_from": "%s@%d.example" % (pad, i)}) for i in range(4096)))' $n |
	curl -sf --max-time 20 -H 'Content-Type: application/x-ndjson' \
	    --data-binary @- "$(pl_api 0)/v1/reports" >/dev/null || ko "bulk $n"
	n=$((n + 1))
done
s=$(pl_metric 0 reputed_peer_dropped_slow_total)
[ "${s:-0}" -ge 1 ] && ok || ko "the non-reading peer was not dropped"
grep -q "peer too slow" "$T/n0/log" && ok || ko "no 'too slow' in the log"
after=$(rss)
echo "n0 anonymous memory ${before} kB -> ${after} kB after $((n * 4096)) reports"
case "$BUILD" in
*asan*)	ok ;;	# ASan's quarantine keeps freed memory: no bound to check
*)	[ $((after - before)) -lt 60000 ] && ok || ko "n0 grew by $((after - before)) kB" ;;
esac
kill $epid 2>/dev/null
serving noread
pl_done
