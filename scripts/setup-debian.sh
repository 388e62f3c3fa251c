#!/usr/bin/env bash
# Prepare a Debian 12 machine (as root) to build mmnetfilter, and to test it:
#  - Debian packages: what the build needs (SETUP_FOR=demo: only that; SETUP_FOR=package: that and
#    debhelper, lintian), and by default also what the tests need (rsyslog-elasticsearch,
#    rsyslog-relp, rsyslog-gnutls, iptables, nftables, scapy, valgrind, clang, ...);
#  - the rsyslog source of the installed rsyslogd's exact version (Debian ships no headers
#    package), configured once so that it has a real config.h.
# Changes only what it must: packages are installed by name from the machine's configured
# archives; the source package is fetched through a private apt state (source entries derived
# from the machine's own "deb" entries, in a temporary directory: /etc/apt is not touched); an
# admin's /usr/sbin/policy-rc.d is left alone, ours (only while apt runs) is removed even on
# failure. Idempotent: a second run only checks. Usage: scripts/setup-debian.sh [DEPS_DIR]
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
deps=${1:-$top/.deps}
mkdir -p "$deps"

build_pkgs="build-essential autoconf automake libtool pkg-config libestr-dev libfastjson-dev
 zlib1g-dev check rsyslog dpkg-dev python3 nettle-dev libnetfilter-log-dev libnftnl-dev libmnl-dev libnftables-dev"
test_pkgs="iproute2 procps valgrind binutils iptables nftables python3-scapy rsyslog-elasticsearch curl
 clang libclang-rt-14-dev rsyslog-relp rsyslog-gnutls openssl systemd iputils-ping ufw ferm chromium
 docker.io firewalld"
# a busybox for the Docker scenario's container image: the static one, unless the machine has
# one already (the two packages conflict: an admin's busybox stays)
dpkg-query -W -f='${Status}' busybox 2>/dev/null | grep -q 'install ok installed' || test_pkgs="$test_pkgs busybox-static"
package_pkgs="debhelper lintian fakeroot"
need_pkgs=$build_pkgs
case ${SETUP_FOR:-test} in
demo) ;;
package) need_pkgs="$need_pkgs $package_pkgs" ;;
*) need_pkgs="$need_pkgs $package_pkgs $test_pkgs" ;;
esac
missing=""
for p in $need_pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done

tmp=$(mktemp -d)
ours_policy=""
cleanup() {
	[ -n "$ours_policy" ] && rm -f /usr/sbin/policy-rc.d
	rm -rf "$tmp"
}
trap cleanup EXIT

if [ -n "$missing" ]; then
	echo "setup: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# rsyslog's postinst would start the system daemon; the project never uses it. An admin's
	# own policy-rc.d stays as it is.
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && ours_policy=1
	fi
	# ferm (a test's rule generator, run only inside its namespaces) must not ask to load its
	# rules at boot: answered before it is installed, and only when it is not installed yet
	case " $missing " in *" ferm "*) echo "ferm ferm/enable boolean false" | debconf-set-selections ;; esac
	had_containerd=$(dpkg-query -W -f='${Status}' containerd 2>/dev/null | grep -c 'install ok installed' || true)
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
	# docker.io and firewalld (tests' rule generators, run only inside their namespaces) and the containerd docker
	# brought would start at the next boot on a systemd host and write the host's firewall: the
	# units this run installed are disabled; an admin's own stay as they are
	if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
		case " $missing " in *" docker.io "*) systemctl disable -q docker.service docker.socket 2>/dev/null || true ;; esac
		case " $missing " in *" firewalld "*) systemctl disable -q firewalld.service 2>/dev/null || true ;; esac
		[ "$had_containerd" = 0 ] && systemctl disable -q containerd.service 2>/dev/null || true
	fi
	[ -n "$ours_policy" ] && rm -f /usr/sbin/policy-rc.d && ours_policy=""
fi

# The rsyslog source tree of the installed version.
srcdir=$(ls -d "$deps"/rsyslog-8.*/ 2>/dev/null | head -n1 || true)
if [ -z "$srcdir" ]; then
	version=$(dpkg-query -W -f='${source:Version}' rsyslog)
	# deb-src entries: the machine's own deb entries (deb822 .sources and one-line .list), as source
	mkdir -p "$tmp/parts" "$tmp/lists/partial"
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk 'BEGIN { RS = ""; ORS = "\n\n" } /(^|\n)Types:[^\n]*deb([ \t\n]|$)/ && !/(^|\n)Enabled: *no/ {
			sub(/Types:[^\n]*/, "Types: deb-src"); print }' "$f" > "$tmp/parts/$(basename "$f")"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' "$f" > "$tmp/parts/$(basename "$f").list"
	done
	apt_private=(-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$tmp/parts"
		-o Dir::State::Lists="$tmp/lists" -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=)
	apt-get "${apt_private[@]}" update -qq
	# the exact Debian revision if the archive serves it, else the newest one of the same
	# upstream release that it serves (configure checks the upstream version against rsyslogd's)
	got=""
	for v in "$version" $(apt-cache "${apt_private[@]}" showsrc rsyslog | sed -n 's/^Version: //p' | sort -rV | uniq); do
		case $v in "${version%%-*}"-*) ;; *) continue ;; esac
		if (cd "$deps" && apt-get "${apt_private[@]}" source -qq --download-only "rsyslog=$v" >/dev/null 2>&1); then
			got=$v
			break
		fi
		rm -f "$deps"/rsyslog_*
	done
	[ -n "$got" ] || { echo "setup: no source package of rsyslog ${version%%-*} could be fetched" >&2; exit 1; }
	[ "$got" = "$version" ] || echo "setup: rsyslog source $got (the archive does not serve $version; same upstream release)"
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
