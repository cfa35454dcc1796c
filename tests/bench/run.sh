#!/bin/sh
# Runs each benchmark script given as an argument with sh, one after the
# other, under a header; a script that fails is reported and the others
# still run. Scripts find the bench programs under $BUILD/bench/.
#   BUILD=build sh tests/bench/run.sh tests/bench/a.sh tests/bench/b.sh
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
: "${BUILD:=build}"
export BUILD
failed=""
echo "== reputed bench: $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -m)," \
	"$(nproc) cores, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)"
for s in "$@"; do
	echo
	echo "== $s"
	if ! sh "$s"; then
		echo "!! $s failed"
		failed="$failed $s"
	fi
done
echo
if [ -n "$failed" ]; then
	echo "bench scripts failed:$failed"
	exit 1
fi
echo "bench done"
