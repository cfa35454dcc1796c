# dist/: what a server installation needs beside the binaries: the example
# config, the systemd unit, man pages, bash completion, Grafana dashboard
# and Prometheus alert rules (debian/ packages them; docs/INSTALL.md).
# SPDX-License-Identifier: ISC
TEST_SCRIPTS += tests/dist/completion.sh
DEB_PKGS += bash-completion
