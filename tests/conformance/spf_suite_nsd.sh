#!/bin/sh
# The whole openspf RFC 7208 suite (203 tests) over real DNS: each
# scenario served by a local nsd, each test through `reputectl spf
# --resolver` and libunbound (spf_suite_nsd.py says how). With a server
# named, libunbound answers none of its default local zones itself
# (RFC 6303 reverse zones, the documentation prefixes): the ptr and %{p}
# tests need those answered by the server. Prints "N passed, N failed".
BUILD=${BUILD:-build}
suite=/usr/share/doc/python3-spf/rfc7208-tests.yml.gz
[ -r "$suite" ] || { echo "$suite missing (python3-spf)"; echo "0 passed, 1 failed"; exit 1; }
command -v nsd >/dev/null || { echo "nsd missing"; echo "0 passed, 1 failed"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
port=""
for try in 1 2 3 4 5 6 7 8 9 10; do
	p=$((20000 + ($$ * 17 + try * 211) % 30000))
	if ! ss -Hlun "sport = :$p" 2>/dev/null | grep -q . &&
	    ! ss -Hltn "sport = :$p" 2>/dev/null | grep -q .; then
		port=$p
		break
	fi
done
[ -n "$port" ] || { echo "no free port"; echo "0 passed, 1 failed"; exit 1; }
/usr/bin/python3 "$(dirname "$0")/spf_suite_nsd.py" "$BUILD/reputectl" \
	"$suite" "$tmp" "$port"
