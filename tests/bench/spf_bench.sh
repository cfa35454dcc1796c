#!/bin/sh
# Sender-ID evaluation speed (issue 3), all in one run:
#  1. reputed and pyspf (python3-spf) on the same cases through an
#     in-memory zone: the openspf RFC 7208 + RFC 4408 suites, and a
#     generated mix (include chains, redirects, macros, mx, a); the ratio.
#  2. reputed over libunbound against a local authoritative nsd serving the
#     mix zone on a loopback port, with 1, 100 and 1000 evaluations in
#     flight. nsd is started here and stopped by its PID; its response
#     rate limiting is off (it would throttle the NXDOMAIN answers).
# SPF_BENCH_SECONDS (default 3) is the time per in-memory measure. Both
# implementations run pinned to the same core when taskset exists.
: "${BUILD:=build}"
bench="$BUILD/bench/spf_bench"
pyspf="tests/bench/spf_pyspf.py"
doc=/usr/share/doc/python3-spf
secs=${SPF_BENCH_SECONDS:-3}
[ -x "$bench" ] || { echo "spf_bench: $bench not built"; exit 1; }
[ -r "$doc/rfc7208-tests.yml.gz" ] || { echo "python3-spf missing"; exit 1; }
pin=""
command -v taskset >/dev/null 2>&1 && pin="taskset -c 0"
tmp=$(mktemp -d)
nsd_pid=""
cleanup() {
	if [ -n "$nsd_pid" ]; then
		kill "$nsd_pid" 2>/dev/null
		wait "$nsd_pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

rate() { sed -n 's/.*: \([0-9]*\) evaluations\/s.*/\1/p' | head -1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0fx", (b > 0 ? a / b : 0) }'; }

echo "pyspf $(/usr/bin/python3 -c 'import spf; print(spf.__version__)'), $(/usr/bin/python3 --version)"
suites="$doc/rfc7208-tests.yml.gz $doc/rfc4408-tests.yml.gz"
# shellcheck disable=SC2086
r=$($pin "$bench" suite $suites -s "$secs"); echo "$r"
# shellcheck disable=SC2086
p=$($pin /usr/bin/python3 "$pyspf" "$secs" $suites); echo "$p"
echo "suites: reputed / pyspf = $(ratio "$(echo "$r" | rate)" "$(echo "$p" | rate)")"

r=$($pin "$bench" mix -n 500 -s "$secs" -y "$tmp/mix.yml" -z "$tmp/bench.example.zone")
echo "$r"
p=$($pin /usr/bin/python3 "$pyspf" "$secs" "$tmp/mix.yml"); echo "$p"
echo "mix: reputed / pyspf = $(ratio "$(echo "$r" | rate)" "$(echo "$p" | rate)")"

# A free loopback port for nsd.
port=""
for try in 1 2 3 4 5 6 7 8 9 10; do
	cand=$((20000 + ($$ * 7 + try * 131) % 30000))
	if ! ss -Hlun "sport = :$cand" 2>/dev/null | grep -q . &&
	    ! ss -Hltn "sport = :$cand" 2>/dev/null | grep -q .; then
		port=$cand
		break
	fi
done
[ -n "$port" ] || { echo "no free port for nsd"; exit 1; }
cat > "$tmp/nsd.conf" <<CONF
server:
	ip-address: 127.0.0.1@$port
	username: ""
	chroot: ""
	zonesdir: "$tmp"
	database: ""
	pidfile: "$tmp/nsd.pid"
	xfrdfile: "$tmp/xfrd.state"
	zonelistfile: "$tmp/zone.list"
	logfile: "$tmp/nsd.log"
	server-count: 1
	verbosity: 0
	rrl-ratelimit: 0
	rrl-whitelist-ratelimit: 0
remote-control:
	control-enable: no
zone:
	name: bench.example
	zonefile: bench.example.zone
CONF
nsd -d -c "$tmp/nsd.conf" >"$tmp/nsd.out" 2>&1 &
nsd_pid=$!
ready=""
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	if dig @127.0.0.1 -p "$port" bench.example SOA +short +time=1 +tries=1 \
	    2>/dev/null | grep -q hostmaster; then
		ready=1
		break
	fi
	sleep 0.25
done
[ -n "$ready" ] || { echo "nsd did not start:"; cat "$tmp/nsd.out" "$tmp/nsd.log" 2>/dev/null; exit 1; }
echo "nsd $(nsd -v 2>&1 | sed -n '1s/NSD version //p') on 127.0.0.1@$port (pid $nsd_pid), zone bench.example"
for c in 1 100 1000; do
	n=$((c == 1 ? 2000 : 20000))
	"$bench" unbound "127.0.0.1@$port" -n 500 -c "$c" -k "$n" || exit 1
done
