#!/bin/sh
# daemon_metrics.sh: GET /metrics is valid Prometheus text. Two peered
# nodes (real TLS on loopback); node 0 also evaluates Sender-ID (against a
# resolver that never answers) and serves the smtpd-policy protocol, so
# every producer of metrics is on its page: API, store, batcher, DNS,
# peers, Sender-ID, feeds, policy. After a report, a DNS query and a
# policy request, `promtool check metrics` (Debian's prometheus) must
# accept the page with no complaint, and every sample must belong to a
# family with both # HELP and # TYPE; the same page without its HELP lines
# must be refused, which shows the check can fail. Stops what it starts
# by PID. Prints "N passed, N failed".
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
. "$(dirname "$0")/peer_lib.sh"
t_missing promtool curl dig python3
pl_init
pl_ports 6
pl_org orgA
pl_node 0 orgA
pl_node 1 orgA
pl_conf 0 1
pl_conf 1 0
POL_PORT=$(free_port)
cat >>"$T/n0/reputed.conf" <<CONF
sender-id:
	resolver: 127.0.0.1@$(free_port)
	timeout: 200ms
smtpd-policy:
	listen: 127.0.0.1@$POL_PORT
CONF
pl_start 0 && pl_start 1 || { t_summary; exit 1; }
API0=$(pl_api 0)
curl -sf -o /dev/null --data-binary '[{"ip":"192.0.2.1","category":"spam"},
 {"domain":"x.example","category":"spam","client_ip":"192.0.2.3",
  "mail_from":"a@x.example","helo":"mx.x.example"}]' "$API0/v1/reports" &&
    ok || ko "reports refused"
dig @127.0.0.1 -p "$DNS_0" 1.2.0.192.$ZONE A +time=2 +tries=1 >/dev/null
printf 'request=smtpd_access_policy\nclient_address=192.0.2.1\n\n' |
    python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=3)
s.sendall(sys.stdin.buffer.read()); s.recv(4096)' "$POL_PORT" ||
    ko "policy request"
pl_wait 10 1 pl_peers_up 1 || true
curl -sf "$API0/metrics" >"$T/metrics" || ko "GET /metrics"
for family in reputed_reports_committed_total reputed_store_bytes \
    reputed_dns_queries_total reputed_peers_up reputed_senderid_reports_total \
    reputed_feed_reports_total reputed_policy_requests_total; do
	grep -q "^$family" "$T/metrics" && ok || ko "no $family on the page"
done
if promtool check metrics <"$T/metrics" >"$T/promtool" 2>&1; then ok
else ko "promtool check metrics:"; head -20 "$T/promtool"; fi
if python3 - "$T/metrics" <<'PY'; then ok; else ko "a family without HELP or TYPE"; fi
import re, sys
help, typ, bad = set(), set(), []
for line in open(sys.argv[1]):
    m = re.match(r"# (HELP|TYPE) (\S+)", line)
    if m:
        (help if m.group(1) == "HELP" else typ).add(m.group(2))
    elif line.strip():
        name = re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line).group(0)
        base = re.sub(r"_(bucket|sum|count)$", "", name)
        if base in typ and base in help:    # a histogram's series
            name = base
        if name not in help or name not in typ:
            bad.append(name)
if bad:
    sys.exit("no HELP or TYPE: " + " ".join(sorted(set(bad))))
PY
grep -v '^# HELP' "$T/metrics" >"$T/nohelp"
if promtool check metrics <"$T/nohelp" >/dev/null 2>&1; then
	ko "promtool accepts a page without HELP: the check proves nothing"
else ok; fi
pl_done
