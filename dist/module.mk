# dist/: what a server installation needs beside the binaries: the example
# config, the systemd unit, man pages, bash completion, Grafana dashboard
# and Prometheus alert rules (debian/ packages them; docs/INSTALL.md).
# SPDX-License-Identifier: ISC
TEST_SCRIPTS += tests/dist/completion.sh
DEB_PKGS += bash-completion
# sd_notify(3) readiness for the Type=notify unit
DAEMON_SRCS += node/notify.c
TEST_SCRIPTS += tests/dist/notify.sh
# the unit: systemd-analyze verify / security, the sandbox against strace
TEST_SCRIPTS += tests/dist/systemd.sh
DEB_PKGS += systemd strace dnsutils curl python3
