# peer_lib.sh: shared helpers of the peer_*.sh tests (sourced, not run).
# Real daemons, real TLS, loopback only. Every daemon a test starts is
# recorded and stopped by PID on exit.
#
#   pl_init                  temp dir $T, binaries, the exit trap
#   pl_ports N               N free TCP ports on 127.0.0.1 -> $PORTS
#   pl_org NAME              an organisation CA: $T/NAME.key, $T/NAME.pem
#   pl_node I ORG [opts]     node I: key and cert from ORG's CA, ports
#   pl_conf I PEERS...       writes node I's config; PEERS are "J" or "J:pin"
#   pl_start I / pl_stop I / pl_kill I
#   pl_signer NAME ORG [..]  a P-256 S/MIME signer certified by ORG's CA:
#                            $T/desk/NAME.key, $T/desk/NAME.pem
#   pl_report I IP           POST a spam report at node I
#   pl_dig I IP              the A record of IP in node I's zone
#   pl_digest I              the batch-set digest of node I
#   ok / ko MSG / pl_done
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
BUILD=${BUILD:-build}
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$ROOT/tests/lib/common.sh"
REPUTED=$ROOT/$BUILD/reputed
CTL=$ROOT/$BUILD/reputectl
ZONE=bl.test

pl_init() {
	t_tmpdir peer_test; T=$TMP
}

pl_ports() { PORTS=$(free_ports "$1"); }

# The Kth word of a list.
pl_nth() { echo "$2" | tr ' ' '\n' | sed -n "$1p"; }

pl_org() {
	"$CTL" ca new --key "$T/$1.key" --cert "$T/$1.pem" --org "$1" \
	    --cn "$1 CA" >/dev/null || ko "ca new $1"
}

# pl_node I ORG [extra cert issue options]: three ports per node
# (dns, api, peering) from $PORTS.
pl_node() {
	i=$1; org=$2; shift 2
	mkdir -p "$T/n$i"
	"$CTL" keygen --out "$T/n$i/node.key" >/dev/null || ko "keygen n$i"
	"$CTL" cert issue --ca-key "$T/$org.key" --ca-cert "$T/$org.pem" \
	    --node-key "$T/n$i/node.key" --cn "n$i" --org "$org" \
	    --out "$T/n$i/node.pem" "$@" >/dev/null || ko "cert issue n$i"
	eval "DNS_$i=$(pl_nth $((3 * i + 1)) "$PORTS")"
	eval "API_$i=$(pl_nth $((3 * i + 2)) "$PORTS")"
	eval "PEER_$i=$(pl_nth $((3 * i + 3)) "$PORTS")"
	eval "ANCHORS_$i=\"$T/$org.pem\""
}

pl_pin() { "$CTL" cert pin "$T/n$1/node.pem"; }

# pl_signer NAME ORG [cert signer options]: an abuse desk's S/MIME
# signer (subject O=ORG, CN=NAME), its P-256 key and certificate made by
# `reputectl cert signer` with ORG's CA.
pl_signer() {
	name=$1; org=$2; shift 2
	D=$T/desk
	mkdir -p "$D"
	"$CTL" cert signer --ca-key "$T/$org.key" --ca-cert "$T/$org.pem" \
	    --key "$D/$name.key" --out "$D/$name.pem" --cn "$name" \
	    --email "$name@$org.example" "$@" >/dev/null || ko "signer $name"
}

# pl_conf I PEER... : PEER is J (connect to node J) or J:HEX (with a pin).
pl_conf() {
	i=$1; shift
	eval "dns=\$DNS_$i api=\$API_$i peer=\$PEER_$i anchors=\$ANCHORS_$i"
	{
		printf 'server:\n\tname: "n%s"\n\tdirectory: "%s"\n' "$i" "$T/n$i"
		printf '\tusername: ""\n\tpidfile: "%s"\n' "$T/n$i/reputed.pid"
		printf '\tkey-file: "node.key"\n\tcert-file: "node.pem"\n'
		printf '\tsync: 0\n\tverbosity: %s\n' "${VERBOSITY:-1}"
		printf 'dns:\n\tlisten: 127.0.0.1@%s\n\trrl-limit: 0\n' "$dns"
		printf 'zone:\n\tname: %s\n\tkind: ip\n' "$ZONE"
		printf 'api:\n\tlisten: 127.0.0.1@%s\n' "$api"
		printf 'peering:\n\tlisten: 127.0.0.1@%s\n' "$peer"
		for a in $anchors; do printf '\ttrust-anchor: "%s"\n' "$a"; done
		[ -n "$CRL" ] && printf '\tcrl: "%s"\n' "$CRL"
		for p in "$@"; do
			j=${p%%:*}; pin=${p#*:}
			eval "pp=\$PEER_$j"
			if [ "$pin" != "$p" ]; then
				printf '\tpeer: n%s 127.0.0.1@%s pin %s\n' "$j" "$pp" "$pin"
			else
				printf '\tpeer: n%s 127.0.0.1@%s\n' "$j" "$pp"
			fi
		done
		printf 'policy:\n\tmin-orgs: %s\n\tthreshold: 0.5\n' "${MIN_ORGS:-1}"
		[ -n "$QUOTA" ] && printf '\tquota-per-hour: %s\n' "$QUOTA"
		[ -n "$QUOTA_BLOCK" ] &&
		    printf '\tquota-block-factor: %s\n' "$QUOTA_BLOCK"
		[ -n "$ORG_QUOTA" ] &&
		    printf '\tquota-per-org-hour: %s\n' "$ORG_QUOTA"
	} >"$T/n$i/reputed.conf"
}

pl_api() { eval "echo http://127.0.0.1:\$API_$1"; }

pl_start() {
	"$REPUTED" -d -c "$T/n$1/reputed.conf" >>"$T/n$1/log" 2>&1 &
	eval "PID_$1=$!"
	PIDS="$PIDS $!"
	for _ in $(seq 1 100); do
		curl -sf --max-time 5 "$(pl_api "$1")/v1/digest" >/dev/null 2>&1 && return 0
		kill -0 "$!" 2>/dev/null || break
		sleep 0.05
	done
	ko "n$1 did not start"; tail -5 "$T/n$1/log"
	return 1
}

pl_stop() {
	eval "p=\$PID_$1"
	kill "$p" 2>/dev/null
	for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || return 0; sleep 0.1; done
	kill -9 "$p" 2>/dev/null
}

pl_kill() { eval "kill -9 \$PID_$1"; eval "wait \$PID_$1" 2>/dev/null; }

pl_report() {
	curl -sf --max-time 5 -d "{\"ip\":\"$2\",\"category\":\"spam\",\"confidence\":100}" \
	    "$(pl_api "$1")/v1/reports" >/dev/null
}

# 198.51.100.7 -> 7.100.51.198.bl.test
pl_rev() { echo "$1" | awk -F. '{print $4"."$3"."$2"."$1}'; }

pl_dig() {
	eval "port=\$DNS_$1"
	dig +short +time=1 +tries=1 -p "$port" @127.0.0.1 \
	    "$(pl_rev "$2").$ZONE" A 2>/dev/null | head -1
}

pl_digest() {
	curl -sf --max-time 5 "$(pl_api "$1")/v1/digest" | python3 -c \
	    'import json,sys; d=json.load(sys.stdin); print(d["digest"], d["batches"])'
}

pl_metric() { # pl_metric I NAME -> value (first match)
	curl -sf --max-time 5 "$(pl_api "$1")/metrics" | awk -v n="$2" '$1 == n {print $2; exit}'
}

pl_peers_up() { pl_metric "$1" reputed_peers_up; }

# Waits until cmd prints want (up to secs).
pl_wait() { # pl_wait SECS WANT CMD...
	secs=$1; want=$2; shift 2
	end=$(($(date +%s) + secs))
	while [ "$(date +%s)" -le "$end" ]; do
		[ "$("$@")" = "$want" ] && return 0
		sleep 0.1
	done
	return 1
}

pl_done() { t_summary; }
