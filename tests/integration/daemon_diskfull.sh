#!/bin/sh
# daemon_diskfull.sh: a node whose disk fills. For each sync level (0, 1,
# 2) a real daemon keeps its store on a 12 MB tmpfs of its own (store-size
# 256m, far past what the disk holds) with a 6 MB pad file beside it.
# Reports are posted until the disk is full. The daemon must refuse them
# with a clear error ("No space left on device", 503) and count it
# (reputed_store_no_space_total, reputed_store_full), never crash (at
# sync 0 it used to die of SIGBUS: MDB_WRITEMAP over a sparse file),
# keep answering DNS from what it holds, and take reports again once the
# pad is removed. Needs root (mount); skips otherwise.
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
BUILD=${BUILD:-build}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
REPUTED=$TOP/$BUILD/reputed
. "$TOP/tests/lib/common.sh"
t_missing curl python3 dig
skip() { echo "SKIP: $*"; echo "0 passed, 0 failed, 1 skipped"; exit 0; }
t_tmpdir diskfull
MNT=""
t_on_exit() {
	stop_pids $PIDS
	PIDS=""
	[ -n "$MNT" ] && umount "$MNT" 2>/dev/null
}
mkdir -p "$TMP/probe"
mount -t tmpfs -o size=1m tmpfs "$TMP/probe" 2>/dev/null ||
    skip "cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN)"
umount "$TMP/probe"

dig_a() { # the A record of an IPv4 address in bl.test
	r=$(echo "$1" | awk -F. '{print $4"."$3"."$2"."$1}')
	dig +short +time=1 +tries=2 -p "$DNS_PORT" @127.0.0.1 "$r.bl.test" A 2>/dev/null | head -1
}
metric() { curl -sf --max-time 5 "$API/metrics" | awk -v n="$1" '$1 == n {print $2}'; }
post() { # post BODY-FILE -> "CODE BODY"
	curl -s --max-time 60 -o "$TMP/out" -w '%{http_code}' \
	    --data-binary @"$1" "$API/v1/reports"
	printf ' '; head -c 300 "$TMP/out"
}
# reports N BASE -> a JSON array of N reports of distinct addresses
reports() {
	python3 -c '
import sys
n, b = int(sys.argv[1]), int(sys.argv[2])
sys.stdout.write("[" + ",".join(
    "{\"ip\":\"10.%d.%d.%d\",\"category\":\"spam\"}" %
    ((b + i) >> 16 & 255, (b + i) >> 8 & 255, (b + i) & 255)
    for i in range(n)) + "]")' "$1" "$2"
}

for sync in 0 1 2; do
	MNT="$TMP/disk$sync"
	mkdir -p "$MNT"
	mount -t tmpfs -o size=12m,mode=0755 tmpfs "$MNT" || { ko "mount"; continue; }
	DNS_PORT=$(free_port); API_PORT=$(free_port)
	API=http://127.0.0.1:$API_PORT
	cat >"$TMP/reputed$sync.conf" <<CONF
server:
	directory: "$MNT"
	username: ""
	pidfile: "$TMP/reputed$sync.pid"
	sync: $sync
	store-size: 256m
dns:
	listen: 127.0.0.1@$DNS_PORT
	rrl-limit: 0
zone:
	name: bl.test
	kind: ip
api:
	listen: 127.0.0.1@$API_PORT
policy:
	min-origins: 1
	threshold: 0.5
CONF
	"$REPUTED" -d -c "$TMP/reputed$sync.conf" >"$TMP/log$sync" 2>&1 &
	pid=$!
	PIDS="$PIDS $pid"
	for _ in $(seq 1 100); do
		curl -sf "$API/metrics" >/dev/null 2>&1 && break; sleep 0.05
	done
	echo '[{"ip":"192.0.2.1","category":"spam","confidence":100}]' >"$TMP/one"
	r=$(post "$TMP/one")
	case "$r" in "200 "*) ok ;; *) ko "sync $sync: first report: $r" ;; esac
	[ -n "$(dig_a 192.0.2.1)" ] && ok || ko "sync $sync: 192.0.2.1 not listed"
	dd if=/dev/zero of="$MNT/pad" bs=1M count=6 2>/dev/null

	# Fill the disk: 4000 reports a request until one is refused.
	full=""
	for k in $(seq 0 40); do
		reports 4000 $((k * 4000)) >"$TMP/many"
		r=$(post "$TMP/many")
		case "$r" in
		"200 "*) ;;
		*) full="$r"; break ;;
		esac
		kill -0 "$pid" 2>/dev/null || break
	done
	if ! kill -0 "$pid" 2>/dev/null; then
		ko "sync $sync: the daemon died filling the disk: $(tail -2 "$TMP/log$sync")"
		wait "$pid" 2>/dev/null; echo "exit status $?"
		umount "$MNT"; MNT=""
		continue
	fi
	ok
	echo "sync $sync: after $k requests: $full"
	case "$full" in
	"503 "*[Nn]"o space left on device"*) ok ;;
	*) ko "sync $sync: the disk filled without a clear error: ${full:-never refused}" ;;
	esac
	n=$(metric reputed_store_no_space_total)
	[ "${n:-0}" -ge 1 ] && ok || ko "sync $sync: no-space counter $n"
	[ "$(metric reputed_store_full)" = 1 ] && ok || ko "sync $sync: full gauge not 1"
	# DNS still answers from what is stored; refused again, still alive.
	[ -n "$(dig_a 192.0.2.1)" ] && ok || ko "sync $sync: DNS stopped answering on a full disk"
	r=$(post "$TMP/many")
	case "$r" in "503 "*) ok ;; *) ko "sync $sync: a second try on the full disk: $r" ;; esac
	kill -0 "$pid" 2>/dev/null && ok || ko "sync $sync: died on the second try"

	# Room again: reports are taken and served.
	rm -f "$MNT/pad"
	echo '[{"ip":"192.0.2.99","category":"spam","confidence":100}]' >"$TMP/one"
	r=$(post "$TMP/one")
	case "$r" in "200 "*) ok ;; *) ko "sync $sync: after freeing space: $r" ;; esac
	[ -n "$(dig_a 192.0.2.99)" ] && ok || ko "sync $sync: 192.0.2.99 not listed after freeing space"
	[ "$(metric reputed_store_full)" = 0 ] && ok || ko "sync $sync: full gauge stays 1"
	stop_pids "$pid"
	umount "$MNT" && MNT=""
done
t_done
