# node/: the daemon (reputed) and the CLI (reputectl).
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
CTL_SRCS += node/ctl/reputectl.c
DAEMON_SRCS += node/reputed.c
# peers: PKI, the gossip core (sans-I/O) and its libevent/TLS shell.
CORE_SRCS += node/peer/pki.c node/peer/gossip.c
CTL_SRCS += node/ctl/ctl_pki.c
DAEMON_SRCS += node/peer/peer.c
TEST_SCRIPTS += tests/integration/peer_line.sh tests/integration/peer_ring.sh \
	tests/integration/peer_refused.sh tests/integration/peer_contained.sh \
	tests/integration/peer_revoke.sh tests/integration/peer_slowloris.sh \
	tests/integration/peer_prune.sh \
	tests/integration/peer_reload.sh tests/integration/daemon_limits.sh \
	tests/integration/daemon_diskfull.sh tests/integration/faults_netns.sh
# organisations are the unit of trust (issue 11)
TEST_SCRIPTS += tests/integration/peer_orgs.sh tests/integration/peer_equivocation.sh \
	tests/integration/peer_quota.sh tests/integration/peer_flood.sh \
	tests/integration/peer_orgquota.sh
UNIT_TESTS += tests/unit/pki_test.c tests/unit/gossip_test.c tests/unit/collect_test.c
FUZZERS += tests/fuzz/gossip_fuzz.c tests/fuzz/session_fuzz.c
BENCH_SCRIPTS += tests/bench/peer_bench.sh
DEB_PKGS += curl openssl
# dns
CORE_SRCS += node/dns/dns.c node/dns/dns_xfr.c node/dns/dns_rrl.c node/dns/dns_cache.c \
	node/dns/zone_export.c
CTL_SRCS += node/ctl/ctl_export.c
DAEMON_SRCS += node/dns/dns_server.c
LIBS += $(shell pkg-config --libs libevent_pthreads 2>/dev/null)
UNIT_TESTS += tests/unit/dns_test.c
TEST_SCRIPTS += tests/integration/dns_dig.sh tests/integration/dns_unbound.sh \
	tests/integration/dns_nsd.sh tests/integration/dns_rbldnsd.sh \
	tests/integration/dns_flood.sh
DEB_PKGS += dnsutils knot-dnsutils unbound nsd rbldnsd dnsperf curl python3
FUZZERS += tests/fuzz/dns_msg_fuzz.c
BENCH_SRCS += tests/bench/null_dns.c
BENCH_SCRIPTS += tests/bench/dns_bench.sh

# daemon: config, logging, batcher and local API (the daemon engineer)
CORE_SRCS += node/log.c node/conf.c node/batcher.c node/batcher_event.c node/prom.c \
	node/reputon.c
TEST_SCRIPTS += tests/integration/ctl_query.sh tests/integration/daemon_metrics.sh \
	tests/integration/ctl_options.sh
# promtool (daemon_metrics.sh checks /metrics with it)
DEB_PKGS += prometheus
DAEMON_SRCS += node/api.c node/retention.c
UNIT_TESTS += tests/unit/conf_test.c tests/unit/batcher_test.c \
	tests/unit/jsonl_test.c
TEST_SCRIPTS += tests/integration/daemon_conf.sh tests/integration/daemon_api.sh \
	tests/integration/daemon_valgrind.sh
FUZZERS += tests/fuzz/conf_fuzz.c tests/fuzz/jsonl_fuzz.c
DEB_PKGS += curl
BENCH_SCRIPTS += tests/bench/api_bench.sh
BENCH_SRCS += tests/bench/rate_post.c
BENCH_SCRIPTS += tests/bench/batch_bench.sh
CTL_SRCS += node/ctl/ctl_spf.c node/ctl/ctl_message.c
# sender-id: the node evaluates SPF / Sender ID of local reports (issue 3)
CORE_SRCS += node/mailcheck.c
UNIT_TESTS += tests/unit/mailcheck_test.c
TEST_SCRIPTS += tests/integration/daemon_senderid.sh
# mta: the Postfix policy service (issue 15; node/mta/, docs/MTA.md)
CORE_SRCS += node/mta/mta_conf.c node/mta/policy.c node/mta/policy_lookup.c
DAEMON_SRCS += node/mta/policy_server.c node/mta/api_message.c
TEST_SCRIPTS += tests/integration/mta_policy.sh tests/integration/mta_postfix.sh
# postfix, swaks: the real-MTA test; libmilter-dev: reputed-milter;
# postfix-policyd-spf-python: the reference in the policy benchmark.
DEB_PKGS += postfix swaks libmilter-dev postfix-policyd-spf-python
UNIT_TESTS += tests/unit/policy_test.c tests/unit/mta_verdict_test.c
FUZZERS += tests/fuzz/policy_fuzz.c tests/fuzz/mta_verdict_fuzz.c
BENCH_SRCS += tests/bench/policy_bench.c
BENCH_SCRIPTS += tests/bench/policy_bench.sh
# reputed-milter: its own program (node/mta/milter.c, libmilter)
all: $(BUILD)/reputed-milter
tests: $(BUILD)/reputed-milter
$(BUILD)/reputed-milter: $(BUILD)/node/mta/milter.o $(BUILD)/libreputed.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(BUILD)/node/mta/milter.o $(BUILD)/libreputed.a $(LIBS) -lmilter
install: install-milter
.PHONY: install-milter
install-milter: $(BUILD)/reputed-milter
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(MANDIR)/man8
	install -m 755 $(BUILD)/reputed-milter $(DESTDIR)$(PREFIX)/sbin/reputed-milter
	install -m 644 dist/man/reputed-milter.8 $(DESTDIR)$(MANDIR)/man8/
