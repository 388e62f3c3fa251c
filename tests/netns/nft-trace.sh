#!/bin/bash
# imnetfilter trace="on": nftables trace events from netlink, step for step what
# `nft -a monitor trace` prints for the same packets, rules named from a snapshot.
name=$(basename "$0" .sh)
tools="nft ping"
. "$(dirname "$0")/prereq.sh"
im="${IMNETFILTER_MODULE:-$b/.libs/imnetfilter.so}"
[ -f "$im" ] || skip "imnetfilter.so not built (libnetfilter-log-dev/libnftnl-dev missing at configure time)"
exec timeout 120 /usr/bin/python3 "$s/tests/netns/nft_trace.py" --module "${RSYSLOG_MODULE:-$b/.libs/mmnetfilter.so}" \
	--input-module "$im" --rsyslogd "$RSYSLOGD_BIN"
