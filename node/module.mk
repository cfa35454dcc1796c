# node/: the daemon (reputed) and the CLI (reputectl).
CTL_SRCS += node/reputectl.c
DAEMON_SRCS += node/reputed.c
