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
# man pages: mandoc -T lint, and every keyword / subcommand documented
TEST_SCRIPTS += tests/dist/man.sh
DEB_PKGS += mandoc bash-completion

# make install also installs these (PREFIX, DESTDIR as for the binaries).
# The example config is installed only where there is none yet.
SYSCONFDIR ?= /etc
MANDIR ?= $(PREFIX)/share/man
UNITDIR ?= $(if $(filter /usr,$(PREFIX)),/lib,$(PREFIX)/lib)/systemd/system
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
DATADIR ?= $(PREFIX)/share/reputed
.PHONY: install-dist
install: install-dist
install-dist:
	install -d $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
	  $(DESTDIR)$(UNITDIR) $(DESTDIR)$(BASHCOMPDIR) \
	  $(DESTDIR)$(SYSCONFDIR)/reputed $(DESTDIR)$(DATADIR)
	install -m 644 dist/man/reputed.8 dist/man/reputectl.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 644 dist/man/reputed.conf.5 $(DESTDIR)$(MANDIR)/man5/
	sed 's|/usr/sbin/|$(PREFIX)/sbin/|g; s|/etc/reputed/|$(SYSCONFDIR)/reputed/|g' \
	  dist/reputed.service >$(DESTDIR)$(UNITDIR)/reputed.service
	chmod 644 $(DESTDIR)$(UNITDIR)/reputed.service
	install -m 644 dist/reputectl.bash $(DESTDIR)$(BASHCOMPDIR)/reputectl
	[ -e $(DESTDIR)$(SYSCONFDIR)/reputed/reputed.conf ] || \
	  install -m 644 dist/reputed.conf $(DESTDIR)$(SYSCONFDIR)/reputed/reputed.conf
	install -m 644 dist/reputed.conf $(DESTDIR)$(DATADIR)/reputed.conf.example
