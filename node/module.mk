# node/: the daemon (reputed) and the CLI (reputectl).
CTL_SRCS += node/reputectl.c
DAEMON_SRCS += node/reputed.c
# peers: PKI, the gossip core (sans-I/O) and its libevent/TLS shell.
CORE_SRCS += node/pki.c
CTL_SRCS += node/ctl_pki.c
UNIT_TESTS += tests/unit/pki_test.c
