#!/bin/sh
# Install the Debian packages named as arguments that are not installed yet.
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
missing=""
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "reputed needs these Debian packages:$missing" >&2
	echo "install them with: sudo apt-get install$missing" >&2
	exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# postfix (the MTA tests run their own instance): leave the system's mail
# service unconfigured, so installing it starts nothing.
case " $missing " in *" postfix "*)
	echo "postfix postfix/main_mailer_type select No configuration" |
	    debconf-set-selections 2>/dev/null || true ;;
esac
apt-get update -qq >/dev/null 2>&1 || true
apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
	{ echo "apt-get install failed for:$missing" >&2; exit 1; }
