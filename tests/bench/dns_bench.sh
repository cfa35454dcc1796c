#!/bin/sh
# dns_bench.sh: reputed beside rbldnsd on the same data, side by side.
#
# Data (tests/bench/dns_bench.py gen): 1,000,000 IPv4 /32 + 20,000 CIDR
# ranges, 200,000 domains + 2,000 wildcards, reported by two origins so
# the default policy lists them; rbldnsd gets `reputectl export --format
# rbldnsd` of that store. Query files: 50% listed, 50% not. An origin
# counts at most quota-per-hour reports (3.6M by default) per hour of
# batch time, so each slice of IMPORT_SLICE lines has its own pair of
# keys (one pair below 3M subjects, four at 10M). Before measuring, the
# store must list every subject and the export hold every IPv4, IPv6
# and domain listing; else the bench stops (an earlier 10M run measured
# a store of 3.6M IPv4 listings: the quota had dropped the rest).
#
# Each mix (IPv4 A, domain A, a mix with TXT) runs dnsperf for 15 s against
# each server, alternating, three rounds; the table shows medians. Two
# reputed run side by side on copies of one store: as configured by default
# (answer cache on) and with `cache-size: 0`, so the table also shows what
# LMDB alone answers. A responder that looks nothing up (null_dns.c: the
# same recvmmsg/sendmmsg I/O, every answer NXDOMAIN) runs in the same
# rounds: the ceiling that the kernel and dnsperf leave on this machine. Then
# one run while 10,000 reports/s are applied through the API (reputed),
# beside rbldnsd reloading its files (its way of taking new data).
#
#   DNS_BENCH_DIR     data and stores (kept between runs; default
#                     /tmp/reputed-dns-bench; delete it to regenerate)
#   DNS_BENCH_SECONDS per dnsperf run (15)   DNS_BENCH_ROUNDS (3)
#   DNS_BENCH_SUBJECTS  a larger data set (issue 12), e.g. 10000000: 80%
#                     IPv4 /32, 2% prefixes /16../31, 8% IPv6, 9% domains,
#                     1% wildcards, in its own directory; the import time
#                     and rate of each key are printed
#   DNS_BENCH_THREADS reputed DNS workers (2, the daemon's default; on 2
#                     cores shared with dnsperf, 2 answered 4-10% more than
#                     1 at half the latency)
#   DNS_BENCH_CLIENTS dnsperf sockets (4): SO_REUSEPORT hashes each to a
#                     worker of reputed, anew at every run, so with 4 a run
#                     may give one worker all of them
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
REPUTED=$ROOT/$BUILD/reputed
REPUTECTL=$ROOT/$BUILD/reputectl
NULL_DNS=$ROOT/$BUILD/bench/null_dns
PY="python3 $ROOT/tests/bench/dns_bench.py"
SUBJECTS=${DNS_BENCH_SUBJECTS:-}
DIR=${DNS_BENCH_DIR:-/tmp/reputed-dns-bench${SUBJECTS:+-$SUBJECTS}}
export DNS_BENCH_SUBJECTS
SECS=${DNS_BENCH_SECONDS:-15}
ROUNDS=${DNS_BENCH_ROUNDS:-3}
THREADS=${DNS_BENCH_THREADS:-2}
CLIENTS=${DNS_BENCH_CLIENTS:-4}
. "$ROOT/tests/lib/common.sh"
BL=bl.reputed.example
DBL=dbl.reputed.example
for t in dnsperf rbldnsd mdb_stat mdb_copy; do
	command -v $t >/dev/null || { echo "dns_bench: $t is missing"; exit 1; }
done
for b in "$REPUTED" "$REPUTECTL" "$NULL_DNS"; do
	[ -x "$b" ] || { echo "dns_bench: $b is missing (make bench builds it)"; exit 1; }
done
mkdir -p "$DIR" && cd "$DIR" || exit 1
# ---- data: generated once, then reused ----
IMPORT_SLICE=3000000	# lines per pair of keys: under the 3.6M quota
import_pair() { # FIRST LAST KEY_NUMBER: lines FIRST..LAST by keys N, N+1
	for key in k$3 k$(($3 + 1)); do	# (sh: no local; not k)
		"$REPUTECTL" keygen --out $key.key >/dev/null || return 1
		sed -n "$1,$2p;$2q" reports.jsonl | "$REPUTECTL" --db db \
		    report --key $key.key --jsonl >import.out 2>import.err
		rc=$?
		cat import.out
		[ $rc -eq 0 ] || { cat import.err; return 1; }
	done
}
if [ ! -f db.done ]; then
	rm -rf db rbl
	echo "generating the data set and ingesting it (once)..."
	$PY gen . || exit 1
	lines=$(wc -l <reports.jsonl) first=1 k=1
	while [ $first -le "$lines" ]; do
		import_pair $first $((first + IMPORT_SLICE - 1)) $k ||
		    { echo "dns_bench: the import failed"; exit 1; }
		first=$((first + IMPORT_SLICE)) k=$((k + 2))
	done
	touch db.done
fi
set -- $($PY counts)
WANT_IP4=$1 WANT_IP6=$2 WANT_DOM=$3
WANT_SUBJECTS=$((WANT_IP4 + WANT_IP6 + WANT_DOM))
listed=$("$REPUTECTL" --db db stats | awk '/^listed now/ {print $3}')
if [ "$listed" != "$WANT_SUBJECTS" ]; then
	echo "dns_bench: INVALID: the store lists $listed subjects, not" \
	    "$WANT_SUBJECTS; delete $DIR and run again"
	exit 1
fi

# the same store for the reputed without the answer cache (one daemon
# per store)
if [ ! -f db2.done ] || [ db.done -nt db2.done ]; then
	rm -rf db2 && mkdir db2 && mdb_copy db db2 || exit 1
	touch db2.done
fi

RP=$(free_port); RA=$(free_port); BP=$(free_port)
NP=$(free_port); NA=$(free_port); ZP=$(free_port)
cat >reputed.conf <<EOF
server:
	name: "bench"
	directory: "$DIR/db"
	sync: 0
	verbosity: 0
dns:
	listen: 127.0.0.1@$RP
	threads: $THREADS
	rrl-limit: 0
zone:
	name: $BL
	kind: ip
zone:
	name: $DBL
	kind: domain
	subdomains: yes
api:
	listen: 127.0.0.1@$RA
EOF
sed -e "s|$DIR/db\"|$DIR/db2\"|" -e "s|@$RP\$|@$NP|" -e "s|@$RA\$|@$NA|" \
    -e 's|^\(\tthreads: .*\)$|\1\n\tcache-size: 0|' reputed.conf >nocache.conf
if [ ! -f rbl.done ] || [ db.done -nt rbl.done ]; then
	rm -rf rbl
	"$REPUTECTL" export --db db --conf reputed.conf --format rbldnsd \
	    --out rbl | grep -v '^serve' || exit 1
	chmod 755 rbl; chmod 644 rbl/*
	touch rbl.done
fi
# listings in the exported files: neither the header ($ lines, comments)
# nor the RFC 5782 test points (127.0.0.2, ::ffff:7f00:2, "test")
entries() { # FILE TEST-POINT
	awk -v t="$2" '!/^[#$]/ && NF && $1 != t {n++} END {print n + 0}' "$1"
}
got="$(entries rbl/$BL.ip4set 127.0.0.2) $(entries rbl/$BL.ip6trie \
    ::ffff:7f00:2) $(entries rbl/$DBL.dnset test)"
echo "export: IPv4, IPv6, domain listings: $got"
if [ "$got" != "$WANT_IP4 $WANT_IP6 $WANT_DOM" ]; then
	echo "dns_bench: INVALID: the export holds $got listings, not" \
	    "$WANT_IP4 $WANT_IP6 $WANT_DOM; delete $DIR/rbl.done and run again"
	exit 1
fi

# start_X: start-up seconds appended to SU_X, the PID in XPID and PIDS
SU_R=""; SU_B=""
start_reputed() {
	SU_R="$SU_R $($PY startup $RP reputed.pid "$REPUTED" -d -c reputed.conf)"
	RPID=$(cat reputed.pid); PIDS="$PIDS $RPID"
}
start_nocache() {
	$PY startup $NP nocache.pid "$REPUTED" -d -c nocache.conf >/dev/null
	NPID=$(cat nocache.pid); PIDS="$PIDS $NPID"
}
start_rbldnsd() { # $1: extra options
	SU_B="$SU_B $($PY startup $BP rbldnsd.pid rbldnsd -n -q $1 \
	    -r "$DIR/rbl" -b 127.0.0.1/$BP $BL:ip4set:$BL.ip4set \
	    $BL:ip6trie:$BL.ip6trie $DBL:dnset:$DBL.dnset)"
	BPID=$(cat rbldnsd.pid); PIDS="$PIDS $BPID"
}
rss_kb() { awk '/^VmRSS/ {print $2}' /proc/$1/status; }
# private memory (heap, caches): VmRSS less the file pages mapped (LMDB's
# pages are the kernel's page cache, shared and reclaimable)
anon_kb() { awk '/^RssAnon/ {print $2}' /proc/$1/status; }

# dnsperf -> "qps avg_ms max_ms lost". At most 100 queries outstanding:
# with 200, rbldnsd (which keeps the kernel's default receive buffer)
# drops part of the opening burst and dnsperf then waits 2 s on each.
perf() { # PORT FILE
	dnsperf -s 127.0.0.1 -p "$1" -d "$2" -l "$SECS" -c "$CLIENTS" -q 100 \
	    -t 2 2>/dev/null | awk '
	/Queries lost:/ {lost = $3}
	/Queries per second:/ {qps = $4}
	/Average Latency/ {avg = $4 * 1000; max = $8; sub(/\)/, "", max);
	    max = max * 1000}
	END {printf "%.0f %.3f %.1f %d\n", qps, avg, max, lost}'
}

echo "starting reputed (LMDB store) and rbldnsd (exported files)"
for k in 1 2 3; do	# three start-ups each, for the median
	[ $k -gt 1 ] && { stop_pids $RPID; stop_pids $BPID; }
	start_reputed; start_rbldnsd ""
done
echo "start-up s: reputed$SU_R, rbldnsd$SU_B"
case "$SU_R$SU_B" in *fail*) echo "a server did not start"; exit 1;; esac
start_nocache
"$NULL_DNS" $ZP & ZPID=$!; PIDS="$PIDS $ZPID"
# CPU seconds x 100 of a process, all its threads (/proc: clock ticks)
ticks() { awk '{print $14 + $15}' /proc/$1/stat; }

: >results
for round in $(seq 1 "$ROUNDS"); do
	for mix in ip dom mix; do
		for srv in reputed nocache rbldnsd null; do
			case $srv in reputed) port=$RP pid=$RPID;;
			nocache) port=$NP pid=$NPID;; null) port=$ZP pid=$ZPID;;
			*) port=$BP pid=$BPID;; esac
			t0=$(ticks $pid)
			r=$(perf $port q_$mix)
			cpu=$(($(ticks $pid) - t0))
			# the server's CPU microseconds per query: what a
			# loaded machine changes least
			r="$r $(echo $r | awk -v t=$cpu -v s=$SECS \
			    '{printf "%.2f", ($1 > 0 ? t * 10000 / ($1 * s) : 0)}')"
			echo "$round $mix $srv $r" >>results
			echo "round $round $mix $srv: qps avg_ms max_ms lost cpu_us/q = $r"
		done
	done
done
rss_r=$(rss_kb $RPID); rss_b=$(rss_kb $BPID); rss_n=$(rss_kb $NPID)
anon_r=$(anon_kb $RPID); anon_b=$(anon_kb $BPID); anon_n=$(anon_kb $NPID)
stop_pids $NPID

# ---- live data: 10,000 reports/s into reputed; rbldnsd reloading ----
$PY load $RA 10000 $SECS >load.out &
LPID=$!
live_r=$(perf $RP q_ip)
wait $LPID
applied=$(cat load.out)
stop_pids $BPID
start_rbldnsd "-c 1"
( for i in $(seq 1 $((SECS / 3))); do sleep 3; touch rbl/$BL.ip4set; done ) &
TPID=$!
live_b=$(perf $BP q_ip)
wait $TPID

# ---- bytes per listed IPv4 subject ----
# Allocated bytes, not the apparent size: at sync 0 the file is as
# large as the (sparse) map.
disk=$(du -B1 db/data.mdb | cut -f1)
psize=$(mdb_stat -e db | awk '/Page size/ {print $3}')
scores_pages=$(mdb_stat -s scores db | awk '/Branch pages|Leaf pages|Overflow pages/ {s += $3} END {print s}')
subjects=$WANT_SUBJECTS
ip4_bytes=$(stat -c %s rbl/$BL.ip4set)
ip4_entries=$WANT_IP4

# ---- the table ----
med() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
col() { # MIX SRV FIELD(4=qps 5=avg 6=max 7=lost 8=CPU us/query)
	awk -v m="$1" -v s="$2" -v f="$3" '$2 == m && $3 == s {print $f}' \
	    results | med
}
echo
echo "reputed vs rbldnsd, $ROUNDS rounds x ${SECS}s of dnsperf -c $CLIENTS -q 100," \
    "medians ($(nproc) cores, shared with dnsperf; reputed $THREADS DNS thread(s))"
echo "(no cache: reputed with cache-size: 0, every answer from LMDB;" \
    "no lookup: null_dns, the ceiling)"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "-"}'; }
printf '%-10s %-16s %10s %10s %10s %10s %7s %7s\n' mix metric reputed \
    rbldnsd "no cache" "no lookup" ratio "ratio nc"
for mix in ip dom mix; do
	case $mix in ip) name="IPv4 A";; dom) name="domain A";; mix) name="mix+TXT";; esac
	for f in 4 5 6 7 8; do
		case $f in 4) m="queries/s";; 5) m="avg latency ms";;
		6) m="max latency ms";; 7) m="lost queries";;
		8) m="CPU us/query";; esac
		a=$(col $mix reputed $f); b=$(col $mix rbldnsd $f)
		n=$(col $mix nocache $f); z=$(col $mix null $f)
		printf '%-10s %-16s %10s %10s %10s %10s %7s %7s\n' "$name" "$m" \
		    "$a" "$b" "$n" "$z" "$(ratio "$a" "$b")" "$(ratio "$n" "$b")"
	done
done
# On a shared machine the load moves between rounds: a ratio of the
# same round's runs (the servers alternate within a round) is steadier
# than a ratio of medians taken over different rounds.
paired() { # MIX SRV REF FIELD: median over rounds of SRV's / REF's
	awk -v m="$1" -v s="$2" -v r="$3" -v f="$4" \
	    '$2 == m && $3 == s {a[$1] = $f} $2 == m && $3 == r {b[$1] = $f}
	    END {for (k in a) if (b[k] > 0) printf "%.2f\n", a[k] / b[k]}' \
	    results | med
}
echo "the median of each round's ratios: queries/s reputed / rbldnsd," \
    "reputed / no lookup (the issue's goal: >= 1.0, >= 0.9); CPU per" \
    "query reputed / rbldnsd"
for mix in ip dom mix; do
	printf '  %-8s %5s %5s %5s\n' $mix \
	    "$(paired $mix reputed rbldnsd 4)" "$(paired $mix reputed null 4)" \
	    "$(paired $mix reputed rbldnsd 8)"
done
printf '%-27s %10s %10s\n' "start-up s (median of 3)" \
    "$(echo $SU_R | tr ' ' '\n' | med)" "$(echo $SU_B | tr ' ' '\n' | med)"
printf '%-27s %10s %10s %10s\n' "resident MB" "$((rss_r / 1024))" \
    "$((rss_b / 1024))" "$((rss_n / 1024))"
printf '%-27s %10s %10s %10s\n' "  of which private MB" "$((anon_r / 1024))" \
    "$((anon_b / 1024))" "$((anon_n / 1024))"
echo
echo "live data, IPv4 A (qps avg_ms max_ms lost):"
echo "  reputed while applying reports via the API: $live_r"
echo "    (reports applied, reports/s: $applied)"
echo "  rbldnsd reloading its ip4set every 3 s:     $live_b"
echo
echo "bytes per listed subject ($subjects subjects, each from 2 origins):"
echo "  reputed LMDB file, everything (batches, evidence, index): $((disk / subjects))"
echo "  reputed scores database alone (what DNS reads):           $((scores_pages * psize / subjects))"
echo "  reputed resident after the runs:                          $((rss_r * 1024 / subjects))"
echo "  rbldnsd ip4set text file per IPv4 entry:                  $((ip4_bytes / ip4_entries))"
echo "  rbldnsd resident per subject:                             $((rss_b * 1024 / subjects))"
