#!/bin/bash
# firewalld's own nftables rules (firewalld in a namespace of the test's own, on a private D-Bus
# and a private copy of its configuration): walks, LOG records and static walks checked against
# what the client saw and the kernel's own trace (tests/netns/firewalld_walks.py).
name=firewalld-walks
tools="firewalld firewall-cmd dbus-daemon nsenter nft stdbuf"
. "$(dirname "$0")/prereq.sh"
exec timeout 240 /usr/bin/python3 "$s/tests/netns/firewalld_walks.py" --nfparse "$b/nfparse" \
	--module "${RSYSLOG_MODULE:-$b/.libs/mmnetfilter.so}" --rsyslogd "$RSYSLOGD_BIN"
