# dist/: what a server installation needs beside the binaries: the example
# config, the systemd unit, man pages, bash completion, Grafana dashboard
# and Prometheus alert rules (debian/ packages them; docs/INSTALL.md).
# Copyright (c) 2026 The reputed authors
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
	install -m 644 dist/grafana/reputed.json $(DESTDIR)$(DATADIR)/grafana-dashboard.json
	install -m 644 dist/prometheus/reputed.rules.yml $(DESTDIR)$(DATADIR)/prometheus-rules.yml

# make deb: the Debian package (debian/), built by dpkg-buildpackage in a
# copy of the tree's files under $(BUILD)/deb, so it never cleans this
# tree's build/; the .deb lands in $(BUILD)/deb/.
.PHONY: deb
deb:
	@sh .ci/deps.sh $(DEB_PKGS_PKG)
	rm -rf $(BUILD)/deb && mkdir -p $(BUILD)/deb/reputed
	if [ -e .git ]; then git ls-files -co --exclude-standard; else find . -path ./build -prune -o \
	  -path './build-*' -prune -o -type f -print; fi | \
	  tar -cf - -T - | tar -xf - -C $(BUILD)/deb/reputed
	cd $(BUILD)/deb/reputed && dpkg-buildpackage -us -uc -b -j2
	@ls $(BUILD)/deb/*.deb
# dashboard and alert rules: promtool check / test rules, live metrics
TEST_SCRIPTS += tests/dist/monitoring.sh
DEB_PKGS += prometheus
# the package build and its checks
DEB_PKGS_PKG = debhelper dpkg-dev fakeroot lintian adduser
DEB_PKGS += $(DEB_PKGS_PKG) devscripts
TEST_SCRIPTS += tests/dist/deb.sh
# every tracked source file names the ISC licence (LICENSE)
TEST_SCRIPTS += tests/dist/license.sh
