#!/bin/sh
# Bulk import (issue 12): `reputectl --db DIR report --jsonl` of
# IMPORT_SUBJECTS IPv4 subjects (default 1,200,000) reported by two keys
# (2.4M reports, every subject listed), one file per key. Prints wall and
# CPU seconds and reports/s on each; the machine may be shared, so the CPU
# rate is the steadier figure. The store and inputs live under /tmp and
# are removed.
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
: "${BUILD:=build}"
: "${IMPORT_SUBJECTS:=1200000}"
ctl="$BUILD/reputectl"
[ -x "$ctl" ] || { echo "import_bench: $ctl not built"; exit 1; }
. "$(dirname "$0")/../lib/common.sh"
t_tmpdir import_bench; dir=$TMP
"$ctl" keygen --out "$dir/a.key" >/dev/null &&
"$ctl" keygen --out "$dir/b.key" >/dev/null || exit 1
python3 - "$dir" "$IMPORT_SUBJECTS" <<'PY' || exit 1
import sys, time
d, n = sys.argv[1], int(sys.argv[2])
# observed within the last hour: a report already past its TTL by its
# origin's clock (the batch's created_at, now) is not kept (MODEL.md,
# Retention), and an import of those would measure nothing
t = int(time.time() * 1000) - 3600 * 1000
for k in ("a", "b"):
    with open(f"{d}/{k}.jsonl", "w") as f:
        for i in range(n):
            f.write('{"ip":"10.%d.%d.%d","category":"spam","observed_at":%d,'
                    '"ttl":604800}\n' % ((i >> 16) & 255, (i >> 8) & 255,
                                         i & 255, t + i))
PY
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
total=0
for k in a b; do
	out=$( { /usr/bin/time -f "%e %U %S" "$ctl" --db "$dir/db" report \
		--key "$dir/$k.key" --jsonl < "$dir/$k.jsonl"; } 2>&1) || {
		echo "import failed: $out"; exit 1; }
	echo "$out" | awk -v n="$IMPORT_SUBJECTS" -v k="$k" '
	    /applied/ { line = $0 }
	    NF == 3 && $1 ~ /^[0-9.]+$/ { w = $1; c = $2 + $3 }
	    END { printf "key %s: %d reports, %.1f s wall (%.0f/s), " \
		"%.1f s CPU (%.0f/s)\n", k, n, w, n / w, c, n / c
		print "  " line }'
done
echo "store: $(du -sk "$dir/db" | cut -f1) KiB on disk"
"$ctl" --db "$dir/db" stats 2>&1 | sed 's/^/  /'
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
