#!/usr/bin/env bash
# Prepare a fresh Debian 12 machine (as root) to build and test mmnetfilter:
#  - Debian packages: toolchain, autotools, rsyslog, libestr, libfastjson, Check, test tools;
#  - the rsyslog source matching the installed rsyslogd (Debian ships no headers package),
#    fetched with `apt-get source` from a deb-src entry for Debian's own archive and
#    configured once so that it has a real config.h.
# Idempotent: a second run only checks.  Usage: scripts/setup-debian.sh [DEPS_DIR]
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
deps=${1:-$top/.deps}
mkdir -p "$deps"

need_pkgs="build-essential autoconf automake libtool pkg-config libestr-dev libfastjson-dev
 zlib1g-dev check rsyslog dpkg-dev python3 iproute2 procps valgrind binutils
 iptables nftables python3-scapy rsyslog-elasticsearch curl clang libclang-rt-14-dev nettle-dev"
missing=""
for p in $need_pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done

# deb-src for Debian's own archive (the binary entry's host), so `apt-get source` works.
src_list=/etc/apt/sources.list.d/mmnetfilter-deb-src.sources
if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ && ! grep -qs '^deb-src' /etc/apt/sources.list; then
	cat > "$src_list" <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	updated=no
else
	updated=yes
fi

if [ -n "$missing" ] || [ "$updated" = no ] || ! ls -d "$deps"/rsyslog-8.*/ >/dev/null 2>&1; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
fi
if [ -n "$missing" ]; then
	echo "setup: installing:$missing"
	# rsyslog's postinst would start the system daemon; the project never uses it.
	printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
	rm -f /usr/sbin/policy-rc.d
fi

# The rsyslog source tree for the installed version.
srcdir=$(ls -d "$deps"/rsyslog-8.*/ 2>/dev/null | head -n1 || true)
if [ -z "$srcdir" ]; then
	(cd "$deps" && apt-get source -qq --download-only rsyslog >/dev/null 2>&1 || apt-get source --download-only rsyslog)
	(cd "$deps" && dpkg-source -x rsyslog_*.dsc >/dev/null)
	srcdir=$(ls -d "$deps"/rsyslog-8.*/ | head -n1)
fi
srcdir=${srcdir%/}
if [ ! -f "$srcdir/config.h" ]; then
	echo "setup: configuring rsyslog source in $srcdir (for config.h only)"
	(cd "$srcdir" && ./configure -q --disable-fmhttp --disable-libgcrypt --disable-uuid \
		--disable-libsystemd --disable-generate-man-pages >/dev/null)
fi
ln -sfn "$(basename "$srcdir")" "$deps/rsyslog-src"
echo "setup: rsyslog $(rsyslogd -v | head -n1 | awk '{print $2}' | tr -d ,) installed; source at $deps/rsyslog-src"
