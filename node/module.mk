# node/: the daemon (reputed) and the CLI (reputectl).
CTL_SRCS += node/reputectl.c
DAEMON_SRCS += node/reputed.c
# peers: PKI, the gossip core (sans-I/O) and its libevent/TLS shell.
CORE_SRCS += node/pki.c
CTL_SRCS += node/ctl_pki.c
UNIT_TESTS += tests/unit/pki_test.c
# dns
CORE_SRCS += node/dns.c node/dns_xfr.c node/dns_rrl.c

# daemon: config, logging, batcher and local API (the daemon engineer)
CORE_SRCS += node/log.c node/conf.c node/batcher.c
UNIT_TESTS += tests/unit/dns_test.c
