#!/bin/sh
# dns_rbldnsd.sh: `reputectl export --format rbldnsd` writes data files
# that rbldnsd really loads (ip4set, ip6trie, dnset), and rbldnsd then
# answers the same as reputed (A and TXT) for a sample of names. Also the
# master-file export parses with nsd-checkzone.
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
. "$(dirname "$0")/dns_lib.sh"

dns_setup "	rrl-limit: 0" ""
R=$(free_port)
chmod 755 "$TMP"
# export from the live store (LMDB readers never block the daemon)
if "$REPUTECTL" export --db "$TMP/var" --conf "$TMP/reputed.conf" \
    --format rbldnsd --out "$TMP/rbl" >"$TMP/export.out" 2>&1; then ok; else
	ko "export rbldnsd"; cat "$TMP/export.out"
fi
check "export counts" "bl.reputed.example: 11 listings" \
    "$(grep '^bl' "$TMP/export.out")"
chmod 644 "$TMP"/rbl/*
rbldnsd -n -q -r "$TMP/rbl" -b 127.0.0.1/$R \
    $BL:ip4set:$BL.ip4set $BL:ip6trie:$BL.ip6trie $DBL:dnset:$DBL.dnset \
    $WL:ip4set:$WL.ip4set $WL:ip6trie:$WL.ip6trie $WL:dnset:$WL.dnset \
    >"$TMP/rbldnsd.log" 2>&1 &
PIDS="$PIDS $!"
if wait_dns "$R" 10; then ok; else
	ko "rbldnsd did not start"; cat "$TMP/rbldnsd.log"; dns_done
fi
check "rbldnsd loaded without complaint" "" \
    "$(grep -i 'invalid\|error' "$TMP/rbldnsd.log")"

short() { dig @127.0.0.1 -p "$1" "$2" "$3" +norec +short +time=2 2>/dev/null | sort; }
same() { # A and TXT equal; rcode equal for full names (rbldnsd has no ENTs)
	for t in A TXT; do
		check "rbldnsd $1 $t" "$(short $DNS_PORT $1 $t)" "$(short $R $1 $t)"
	done
	[ -n "$2" ] && check "rbldnsd status $1" \
	    "$(status 127.0.0.1 $DNS_PORT $1 A)" "$(status 127.0.0.1 $R $1 A)"
}
for n in $DATA_NAMES; do same $n.$BL rc; done
for n in spam1.example.com spam2.example.com x.spam1.example.com \
    a.b.wild.example.net mail.sub.example.org clean.example.com test invalid; do
	same $n.$DBL rc
done
for n in 1.0.9.10 2.0.0.127 1.0.1.10; do same $n.$WL rc; done

# the master file: nsd-checkzone parses it, with the listings in it
for z in $BL $DBL; do
	"$REPUTECTL" export --db "$TMP/var" --conf "$TMP/reputed.conf" \
	    --format zone --zone $z --out "$TMP/$z.zone" >/dev/null 2>&1 &&
	    ok || ko "export zone $z"
	if nsd-checkzone $z "$TMP/$z.zone" >"$TMP/check" 2>&1; then ok; else
		ko "nsd-checkzone $z: $(cat "$TMP/check")"
	fi
done
check "zone file has the /24 wildcard" 2 "$(grep -c '^\*\.2\.2\.10' "$TMP/$BL.zone")"
dns_done
