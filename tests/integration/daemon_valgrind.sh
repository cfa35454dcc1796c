#!/bin/sh
# daemon_valgrind.sh: the daemon under valgrind's memcheck: start, reports
# through the API (good and bad), reputons, metrics, SIGHUP, SIGTERM. Any
# invalid access or definite leak fails (--error-exitcode). The store is
# kept small (store-size) since valgrind cannot map the 64 GiB default.
# Stops what it starts by PID. Prints "N passed, N failed".
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
BUILD=${BUILD:-build}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
REPUTED=$TOP/$BUILD/reputed
. "$TOP/tests/lib/common.sh"
pid=""
t_tmpdir vg; tmp=$TMP
t_on_exit() { stop_pids $pid; }
t_missing valgrind
API_PORT=$(free_port)
API=http://127.0.0.1:$API_PORT
cat >"$tmp/reputed.conf" <<CONF
server:
	directory: "$tmp/var"
	store-size: 64m
dns:
	listen: 127.0.0.1@$(free_port)
	threads: 1
zone:
	name: bl.test
	kind: ip
api:
	listen: 127.0.0.1@$API_PORT
CONF
valgrind -q --suppressions="$TOP/tests/valgrind.supp" --leak-check=full \
    --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
    --error-exitcode=99 "$REPUTED" -d -c "$tmp/reputed.conf" >"$tmp/log" 2>&1 &
pid=$!
up=no
for i in $(seq 1 100); do
	curl -sf "$API/metrics" >/dev/null 2>&1 && { up=yes; break; }
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.2
done
if [ $up = yes ]; then ok "started under valgrind"; else
	ko "did not start under valgrind"; cat "$tmp/log"
	echo "$pass passed, $fail failed"; exit 1
fi
curl -s -d '[{"ip":"192.0.2.1","category":"spam"},{"domain":"x.example","category":"fraud","client_ip":"192.0.2.3","spf_helo":"pass","helo":"mx.x.example"}]' "$API/v1/reports" | grep -q '"accepted":2' && ok "reports accepted" || ko "reports"
curl -s -d '{"ip":"192.0.2.1","category":"nope"}' "$API/v1/reports" | grep -q 'unknown category' && ok "bad report refused" || ko "bad report"
curl -s -H 'Content-Type: application/x-ndjson' --data-binary "$(printf '{"ip":"192.0.2.5","category":"ddos"}\nnot json\n')" "$API/v1/reports" | grep -q 'line 2' && ok "bad JSON line refused" || ko "bad JSON line"
curl -s "$API/v1/reputation/x.example" | grep -q '"rated":"x.example"' && ok "reputon" || ko "reputon"
curl -s "$API/v1/reputation/192.0.2.99" | grep -q '"reputons":\[\]' && ok "no data" || ko "no data"
curl -s "$API/metrics" | grep -q '^reputed_reports_committed_total 2$' && ok "metrics" || ko "metrics"
kill -HUP "$pid"; sleep 1
kill -TERM "$pid"; wait "$pid"; rc=$?; pid=""
if [ $rc = 0 ]; then ok "clean under memcheck, exit 0"; else
	ko "memcheck or exit status $rc"; tail -40 "$tmp/log"
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
