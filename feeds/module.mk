# feeds/: the outside world <-> reports (Sender-ID, ARF, JSON lines, export).
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
CORE_SRCS += feeds/jsonl.c

# Sender-ID: SPF (RFC 7208), Sender ID / PRA (RFC 4406, 4407), resolvers.
CORE_SRCS += feeds/spf.c feeds/spf_record.c feeds/spf_macro.c \
	feeds/spf_run.c feeds/spf_suite.c feeds/senderid.c feeds/pra.c \
	feeds/rfc5322.c feeds/resolver.c feeds/resolver_mem.c \
	feeds/resolver_unbound.c feeds/resolver_wire.c feeds/mta_verdict.c
UNIT_TESTS += tests/unit/spf_test.c tests/unit/pra_test.c
TEST_SCRIPTS += tests/conformance/spf_suites.sh tests/conformance/spf_unbound.sh \
	tests/conformance/spf_suite_nsd.sh
FUZZERS += tests/fuzz/spf_record_fuzz.c tests/fuzz/spf_macro_fuzz.c \
	tests/fuzz/rfc5322_fuzz.c tests/fuzz/spf_wire_fuzz.c
BENCH_SRCS += tests/bench/spf_bench.c
BENCH_SCRIPTS += tests/bench/spf_bench.sh
# python3-spf: the openspf suites and pyspf for the benchmark;
# nsd: the local authoritative server of the libunbound benchmark.
DEB_PKGS += python3-spf python3-yaml nsd zlib1g-dev
LIBS += -lz
# Abuse-report feeds (issue 14): MIME, ARF, X-ARF, DMARC aggregate reports.
# libxml2 reads DMARC XML; zlib and libzip unpack its gzip / zip attachments.
PKGS += libxml-2.0 libzip
CORE_SRCS += feeds/mime.c feeds/arf.c feeds/xarf.c feeds/dmarc.c \
	feeds/complaint.c feeds/smime.c
DEB_PKGS += libxml2-dev libzip-dev
UNIT_TESTS += tests/unit/feeds_test.c tests/unit/attest_test.c
FUZZERS += tests/fuzz/mime_fuzz.c tests/fuzz/feed_fuzz.c tests/fuzz/smime_fuzz.c \
	tests/fuzz/attest_fuzz.c
DAEMON_SRCS += node/api_feeds.c
CORE_SRCS += node/feed_sign.c node/attest.c
CTL_SRCS += node/ctl/ctl_ingest.c
TEST_SCRIPTS += tests/integration/feeds_api.sh tests/integration/feeds_ingest.sh
BENCH_SRCS += tests/bench/feeds_bench.c
BENCH_SCRIPTS += tests/bench/feeds_bench.sh
BENCH_SRCS += tests/bench/attest_bench.c
BENCH_SCRIPTS += tests/bench/attest_bench.sh
TEST_SCRIPTS += tests/integration/feeds_smime.sh tests/integration/feeds_senderid.sh \
	tests/integration/feeds_attest.sh
