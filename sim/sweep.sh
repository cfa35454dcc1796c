#!/bin/sh
# sweep.sh: one scenario over many seeds (and values of one definition),
# each run a separate reputesim process writing its JSON summary and
# JSON-lines series into OUT, spread by GNU parallel over the local cores
# (JOBS, default 2; TAG is added to the file names) or over machines (PARALLEL_OPTS="--sshlogin h1,h2
# --workdir ." with reputesim built in the same path there); then the
# medians and spreads: reputesim summary OUT. Each run has one thread
# (-j 1; parallel already gives every core a run of its own); a -j in the
# definitions overrides it.
#   sim/sweep.sh OUT SCENARIO SEEDS [NAME V1,V2,...] [-D X=Y]...
#   sim/sweep.sh build/sweep-k sim/scenarios/colluders.conf 5 K 1,2,3,4,5
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
BUILD=${BUILD:-build}
SIM=${SIM:-$BUILD/reputesim}
[ $# -ge 3 ] || { echo "usage: $0 OUT SCENARIO SEEDS [NAME V1,V2,...]" \
    "[-D X=Y]..." >&2; exit 2; }
out=$1 file=$2 seeds=$3; shift 3
name=_ values=-
if [ $# -ge 2 ] && [ "$1" != -D ]; then
	name=$1 values=$(echo "$2" | tr ',' ' '); shift 2
fi
mkdir -p "$out"
base=$(basename "$file" .conf)${TAG:-}
# shellcheck disable=SC2086
parallel -j "${JOBS:-2}" ${PARALLEL_OPTS:-} --halt never \
    "$SIM" -q -j 1 -s {1} $( [ "$name" != _ ] && echo "-D $name={2}" ) "$@" \
    -o "$out/$base-$name{2}-s{1}.json" -t "$out/$base-$name{2}-s{1}.jsonl" \
    "$file" ">" "$out/$base-$name{2}-s{1}.out" \
    ::: $(seq 1 "$seeds") ::: $values
"$SIM" summary "$out"
