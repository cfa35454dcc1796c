#!/bin/sh
# monitoring.sh: the Prometheus alert rules and the Grafana dashboard
# (dist/prometheus, dist/grafana) against promtool and live daemons.
#  - `promtool check rules` accepts the rules; `promtool test rules` runs
#    reputed.rules.test.yml (each alert fires on its series, not before);
#  - the dashboard is JSON, every panel has queries, and every query is
#    PromQL that promtool accepts;
#  - every reputed_* metric the rules and the dashboard use is exported by
#    real daemons: two peered nodes (tests/integration/peer_lib.sh), one
#    with sender-id and smtpd-policy on, after a report, its flood and
#    DNS answers; reputed_peer_connected goes 1 -> 0 when the peer stops,
#    and reputed_origin_seq shows the peer's origin caught up.
# Prints "N passed, N failed" (", 1 skipped" without promtool).
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
if ! command -v promtool >/dev/null; then
	echo "SKIP: promtool is not installed (package prometheus; make deps installs it)"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/integration/peer_lib.sh"
RULES=$ROOT/dist/prometheus/reputed.rules.yml
DASH=$ROOT/dist/grafana/reputed.json
pl_init
t_missing python3 curl dig

promtool check rules "$RULES" >"$T/check" 2>&1 && ok "promtool check rules" ||
    ko "promtool check rules: $(cat "$T/check")"
(cd "$ROOT/dist/prometheus" && promtool test rules reputed.rules.test.yml) \
    >"$T/test" 2>&1 && ok "promtool test rules" || ko "promtool test rules: $(cat "$T/test")"

# The dashboard's queries, one a line ($variables made concrete).
python3 - "$DASH" >"$T/exprs" 2>"$T/json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
n = 0
for p in d["panels"]:
    if p["type"] == "row":
        continue
    if not p.get("targets"):
        sys.exit("panel without queries: " + p["title"])
    for t in p["targets"]:
        print(t["expr"].replace("$instance", ".*").replace("\n", " "))
        n += 1
if n < 20:
    sys.exit("only %d queries" % n)
PY
[ $? = 0 ] && ok "dashboard: JSON, $(wc -l <"$T/exprs") queries" ||
    ko "dashboard: $(cat "$T/json")"
{
	echo "groups:"; echo "  - name: dashboard"; echo "    rules:"
	i=0
	while read -r e; do
		i=$((i + 1))
		printf '      - record: dashboard_query_%d\n        expr: %s\n' \
		    "$i" "$(printf '%s' "$e" | python3 -c 'import json,sys; print(json.dumps(sys.stdin.read()))')"
	done <"$T/exprs"
} >"$T/dash.rules.yml"
promtool check rules "$T/dash.rules.yml" >"$T/dcheck" 2>&1 &&
    ok "dashboard: every query is valid PromQL" || ko "dashboard PromQL: $(cat "$T/dcheck")"

# Live daemons: n0 and n1 of one organisation, peered both ways.
pl_ports 8
set -- $(free_ports 2)
POLICY_PORT=$1; NOBODY_PORT=$2
pl_org orgA
pl_node 0 orgA; pl_node 1 orgA
pl_conf 0 1; pl_conf 1 0
printf 'sender-id:\n\tresolver: 127.0.0.1@%s\n\ttimeout: 200ms\nsmtpd-policy:\n\tlisten: 127.0.0.1@%s\n' \
    "$NOBODY_PORT" "$POLICY_PORT" >>"$T/n0/reputed.conf"
pl_start 0 && pl_start 1 || t_done
pl_wait 20 1 pl_peers_up 0 && ok "peered" || ko "not peered"
pl_report 0 198.51.100.7 && ok "report at n0" || ko "report"
pl_wait 20 127.0.0.2 pl_dig 1 198.51.100.7 && ok "listed at n1" || ko "not listed at n1"
pl_dig 0 198.51.100.7 >/dev/null
for i in 0 1; do curl -sf "$(pl_api $i)/metrics"; done >"$T/metrics"
sed -n 's/^\(reputed_[a-z0-9_]*\).*/\1/p' "$T/metrics" | sort -u >"$T/exported"
cat "$RULES" "$DASH" | grep -o 'reputed_[a-z0-9_]*' | sort -u >"$T/used"
[ "$(wc -l <"$T/used")" -ge 30 ] && ok "$(wc -l <"$T/used") metrics used" || ko "few metrics used"
for m in $(cat "$T/used"); do
	grep -qx "$m" "$T/exported" && ok || ko "$m is used but not exported"
done
origin0=$(curl -sf "$(pl_api 0)/metrics" | sed -n 's/^reputed_origin_seq{origin="\([0-9a-f]*\)"} [1-9].*/\1/p' | head -1)
seq1=$(curl -sf "$(pl_api 1)/metrics" | sed -n "s/^reputed_origin_seq{origin=\"$origin0\"} //p")
[ -n "$origin0" ] && [ "${seq1:-0}" -ge 1 ] && ok "n1 has n0's origin at seq $seq1 (no lag)" ||
    ko "reputed_origin_seq: n0 origin '$origin0', at n1 '$seq1'"
# An inbound session counts once n0 knows n1's key: pinned, or learned by
# its own connection (retried with backoff when n1 was not up yet).
pl_wait 30 1 pl_metric 0 'reputed_peer_connected{peer="n1"}' &&
    ok "n0: peer n1 connected 1" || ko "no reputed_peer_connected{peer=\"n1\"} 1"
pl_stop 1
pl_wait 20 0 pl_metric 0 'reputed_peer_connected{peer="n1"}' &&
    ok "n1 stopped: reputed_peer_connected 0 at n0" || ko "peer_connected stays 1"
pl_done
