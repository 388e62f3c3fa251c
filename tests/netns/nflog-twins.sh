#!/bin/bash
# imnetfilter: NFLOG events from the kernel, each equal to its LOG twin (text and record), per
# namespace, with the kernel's counters as truth and a flood counted exactly.
name=$(basename "$0" .sh)
tools="iptables-legacy nft ping"
. "$(dirname "$0")/prereq.sh"
im="${IMNETFILTER_MODULE:-$b/.libs/imnetfilter.so}"
[ -f "$im" ] || skip "imnetfilter.so not built (libnetfilter-log-dev missing at configure time)"
exec timeout 240 /usr/bin/python3 "$s/tests/netns/nflog_twins.py" --module "${RSYSLOG_MODULE:-$b/.libs/mmnetfilter.so}" \
	--input-module "$im" --rsyslogd "$RSYSLOGD_BIN"
