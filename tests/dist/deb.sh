#!/bin/sh
# deb.sh: the Debian package, built, checked and installed as an operator
# would: `make deb` (dpkg-buildpackage -us -uc -b in a copy of the tree);
# lintian with no error or warning (the info tags allowed are listed in
# LINTIAN_INFO and explained in docs/INSTALL.md); `dpkg -i`; the system
# user, the state directory, the conffile, the enabled unit; `reputed -n
# -c /etc/reputed/reputed.conf`; `systemd-analyze verify` of the installed
# unit (man pages included); `mandoc -T lint` of the installed pages; the
# installed daemon started as the reputed user on the packaged config
# (ports moved to free ones) says READY=1, writes its key to
# /var/lib/reputed and answers; bash completion found; `dpkg -r` keeps
# the config, `dpkg --purge` removes it and the state. Needs root (dpkg
# -i); one package test at a time on the machine (flock).
# Prints "N passed, N failed" (", 1 skipped" where it cannot run).
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
BUILD=${BUILD:-build}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
LINTIAN_INFO="package-supports-alternative-init-but-no-init.d-script"
skip() {
	echo "SKIP: $1"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
}
[ "$(id -u)" = 0 ] || skip "not root: dpkg -i needs root"
for t in dpkg-buildpackage dh lintian fakeroot; do
	command -v $t >/dev/null || skip "$t is not installed (make deps installs it)"
done
. "$TOP/tests/lib/common.sh"
t_tmpdir deb
t_missing python3 curl
LOCK=/tmp/reputed-deb-test.lock

start=$(date +%s)
if (cd "$TOP" && make --no-print-directory BUILD="$BUILD" deb) \
    >"$TMP/build.log" 2>&1; then
	ok "make deb ($(($(date +%s) - start)) s)"
else
	ko "make deb"; tail -30 "$TMP/build.log"; t_done
fi
DEB=$(ls "$TOP/$BUILD"/deb/reputed_*.deb)
CHANGES=$(ls "$TOP/$BUILD"/deb/reputed_*.changes)

lintian -I --tag-display-limit 0 "$CHANGES" 2>/dev/null >"$TMP/lintian"
grep -E '^[EW]: ' "$TMP/lintian" >"$TMP/lintian.ew"
[ -s "$TMP/lintian.ew" ] && ko "lintian: $(cat "$TMP/lintian.ew")" ||
    ok "lintian: no error, no warning"
grep '^I: ' "$TMP/lintian" | while read -r _ _ tag _; do
	case " $LINTIAN_INFO " in *" $tag "*) ;; *) echo "unexplained: $tag" ;; esac
done >"$TMP/lintian.i"
[ -s "$TMP/lintian.i" ] && ko "lintian info tags: $(cat "$TMP/lintian.i")" ||
    ok "lintian: only the explained info tags"

# dpkg waits for nobody: retry while apt or another dpkg holds its lock.
dpkg_retry() {
	for _ in $(seq 60); do
		dpkg "$@" >"$TMP/dpkg.log" 2>&1 && return 0
		grep -q "lock" "$TMP/dpkg.log" || break
		sleep 2
	done
	cat "$TMP/dpkg.log"; return 1
}

exec 9>"$LOCK"
flock -w 600 9 || { ko "another package test held $LOCK for 10 minutes"; t_done; }
t_on_exit() { dpkg --purge reputed >/dev/null 2>&1; }

dpkg_retry -i "$DEB" && ok "dpkg -i" || { ko "dpkg -i"; t_done; }
getent passwd reputed | grep -q ':/var/lib/reputed:' && ok "system user reputed" ||
    ko "no system user reputed with home /var/lib/reputed"
uid=$(id -u reputed 2>/dev/null)
[ -n "$uid" ] && [ "$uid" -lt 1000 ] && ok "reputed is a system uid ($uid)" ||
    ko "uid '$uid'"
[ "$(stat -c '%U %a' /var/lib/reputed 2>/dev/null)" = "reputed 750" ] &&
    ok "/var/lib/reputed reputed 0750" ||
    ko "/var/lib/reputed: $(stat -c '%U %a' /var/lib/reputed 2>&1)"
dpkg-query -W -f='${Conffiles}\n' reputed | grep -q /etc/reputed/reputed.conf &&
    ok "conffile /etc/reputed/reputed.conf" || ko "not a conffile"
[ -L /etc/systemd/system/multi-user.target.wants/reputed.service ] &&
    ok "unit enabled" || ko "unit not enabled"
/usr/sbin/reputed -n -c /etc/reputed/reputed.conf 2>"$TMP/n" &&
    ok "reputed -n -c /etc/reputed/reputed.conf" || ko "reputed -n: $(cat "$TMP/n")"
if command -v systemd-analyze >/dev/null; then
	systemd-analyze verify /lib/systemd/system/reputed.service \
	    >"$TMP/verify" 2>&1 && ok "systemd-analyze verify (installed, man pages too)" ||
	    ko "systemd-analyze verify: $(cat "$TMP/verify")"
fi
if command -v mandoc >/dev/null; then
	for p in man8/reputed.8 man8/reputectl.8 man5/reputed.conf.5; do
		mandoc -T lint -W warning /usr/share/man/$p.gz >"$TMP/lint" 2>&1 &&
		    ok "mandoc -T lint $p (installed)" || ko "lint $p: $(cat "$TMP/lint")"
	done
fi
command -v man >/dev/null && { man -w reputed.conf >/dev/null 2>&1 &&
    ok "man -w reputed.conf" || ko "man reputed.conf not found"; }
if [ -r /usr/share/bash-completion/bash_completion ]; then
	bash -c '. /usr/share/bash-completion/bash_completion
	    _completion_loader reputectl; complete -p reputectl' 2>/dev/null |
	    grep -q _reputectl && ok "bash completion loads" || ko "bash completion"
fi

# Installed again (an upgrade to the same version): the operator's edit
# of the config stays, the user and the state directory too.
echo "# edited by the operator" >>/etc/reputed/reputed.conf
dpkg_retry -i "$DEB" && ok "dpkg -i again" || ko "dpkg -i again"
tail -1 /etc/reputed/reputed.conf | grep -q "edited by the operator" &&
    ok "the edited config kept" || ko "the edited config replaced"
[ "$(id -u reputed 2>/dev/null)" = "$uid" ] && ok "same user" || ko "user changed"

# The installed daemon as the unit runs it: the reputed user, -d, the
# packaged config (on free ports), NOTIFY_SOCKET.
set -- $(free_ports 2)
sed -e "s|127.0.0.1@5353|127.0.0.1@$1|" -e "s|127.0.0.1@8053|127.0.0.1@$2|" \
    /etc/reputed/reputed.conf >"$TMP/reputed.conf"
chmod 755 "$TMP"; chmod 644 "$TMP/reputed.conf"
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1])
s.settimeout(30)
print(s.recv(4096).decode().split("\n")[0], flush=True)' "$TMP/notify" >"$TMP/ready" &
lpid=$!; PIDS="$PIDS $lpid"
for _ in $(seq 50); do [ -S "$TMP/notify" ] && break; sleep 0.1; done
chmod 777 "$TMP/notify"
NOTIFY_SOCKET=$TMP/notify setpriv --reuid=reputed --regid=reputed --init-groups \
    /usr/sbin/reputed -d -c "$TMP/reputed.conf" >"$TMP/log" 2>&1 &
dpid=$!; PIDS="$PIDS $dpid"
wait "$lpid"
[ "$(cat "$TMP/ready")" = READY=1 ] && ok "installed reputed, as user reputed: READY=1" ||
    { ko "no READY=1"; cat "$TMP/log"; }
curl -sf -d '{"ip":"192.0.2.9","category":"spam"}' "http://127.0.0.1:$2/v1/reports" \
    >/dev/null && ok "takes a report" || ko "report"
[ "$(stat -c %U /var/lib/reputed/node.key 2>/dev/null)" = reputed ] &&
    ok "node key made in /var/lib/reputed" || ko "no node key"
kill "$dpid"; wait "$dpid" && ok "stops, exit 0" || ko "stop"

dpkg_retry -r reputed && ok "dpkg -r" || ko "dpkg -r"
[ ! -e /usr/sbin/reputed ] && [ -e /etc/reputed/reputed.conf ] &&
    ok "removed: binary gone, config kept" || ko "after dpkg -r"
dpkg_retry --purge reputed && ok "dpkg --purge" || ko "dpkg --purge"
[ ! -e /etc/reputed/reputed.conf ] && [ ! -e /var/lib/reputed ] &&
    ! [ -e /etc/systemd/system/multi-user.target.wants/reputed.service ] &&
    ok "purged: config, state and unit link gone" || ko "after purge"
echo "package test: $(($(date +%s) - start)) s"
t_done
