#!/bin/sh
# store_backup.sh: backup and restore of a live store (issue 12), with
# real daemons. n0 takes reports from a client in a loop (one batch per
# request) while `reputectl backup --db` copies its store. The copy,
# restored as data.mdb of a new directory, is a consistent snapshot: a
# daemon started on it (n1) lists every IP of the batches it holds and
# none after (a prefix of the history), and once it peers with n0 it
# catches up to n0's digest (no batch of its differs). Then, with ingest
# stopped, a second backup restored (n2) has n0's digest and answers
# straight away.
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
. "$(dirname "$0")/peer_lib.sh"
pl_init
pl_ports 9
pl_org orgA
for i in 0 1 2; do pl_node $i orgA; done
pl_conf 0
pl_conf 2
pl_start 0 || { pl_done; exit 1; }

# Client: request k reports 10.0.k/8.k..., one batch per request.
ip_of() { echo "10.$(($1 / 250)).$(($1 % 250)).1"; }
(
	k=0
	while [ ! -f "$T/stop" ] && [ $k -lt 2000 ]; do
		curl -sf --max-time 5 -d "{\"ip\":\"$(ip_of $k)\",\"category\":\"spam\"}" \
		    "$(pl_api 0)/v1/reports" >/dev/null || break
		k=$((k + 1))
	done
	echo $k >"$T/sent"
) &
CLIENT=$!
sleep 2
"$CTL" backup --db "$T/n0" --out "$T/live.mdb" >"$T/bk.out" 2>&1 &&
	ok || ko "backup under ingest: $(cat "$T/bk.out")"
sleep 1
touch "$T/stop"; wait $CLIENT
sent=$(cat "$T/sent")
[ "$sent" -gt 20 ] && ok || ko "the client sent only $sent reports"

# restore the live backup, start n1 on it (no peer yet)
mv "$T/live.mdb" "$T/n1/data.mdb"
pl_conf 1
pl_start 1 || { pl_done; exit 1; }
n1=$(pl_digest 1 | cut -d' ' -f2)
[ "$n1" -gt 0 ] && [ "$n1" -lt "$sent" ] && ok ||
	ko "the live backup holds $n1 of $sent batches"
# the prefix: the first n1 reports listed, the next ones not
if [ "$(pl_dig 1 "$(ip_of $((n1 - 1)))")" = 127.0.0.2 ] &&
    [ "$(pl_dig 1 "$(ip_of 0)")" = 127.0.0.2 ] &&
    [ "$(pl_dig 1 "$(ip_of "$n1")")" = "" ]; then ok; else
	ko "not a prefix: $(ip_of $((n1 - 1))) '$(pl_dig 1 "$(ip_of $((n1 - 1)))")', $(ip_of "$n1") '$(pl_dig 1 "$(ip_of "$n1")")'"
fi
# n1 peers with n0: it catches up to the same digest
pl_stop 1
p=$(free_ports 3)	# new ports: the old ones may be taken meanwhile
DNS_1=$(pl_nth 1 "$p"); API_1=$(pl_nth 2 "$p"); PEER_1=$(pl_nth 3 "$p")
pl_conf 1 0
pl_start 1 || { pl_done; exit 1; }
d0=$(pl_digest 0)
if pl_wait 20 "$d0" pl_digest 1; then ok; else ko "n1 $(pl_digest 1) != n0 $d0"; fi

# quiescent: a second backup restores to n0's digest and answers
"$CTL" backup --db "$T/n0" --out "$T/n2/data.mdb" >/dev/null 2>&1 || ko "backup 2"
pl_start 2 || { pl_done; exit 1; }
if [ "$(pl_digest 2)" = "$d0" ]; then ok; else ko "n2 $(pl_digest 2) != n0 $d0"; fi
same=0
for k in 0 7 $((sent / 2)) $((sent - 1)) "$sent"; do
	[ "$(pl_dig 2 "$(ip_of "$k")")" = "$(pl_dig 0 "$(ip_of "$k")")" ] && same=$((same + 1))
done
[ $same -eq 5 ] && ok || ko "n2 answers differ from n0's ($same of 5 equal)"
pl_done
