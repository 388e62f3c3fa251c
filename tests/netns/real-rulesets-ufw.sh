#!/bin/bash
# LOG records of Debian's ufw ruleset on a real kernel, resolved and checked against the LOG
# rules' own packet counters (tests/netns/real_rulesets.py).
name=real-rulesets-ufw
tools="ufw iptables-save ip6tables-save nft unshare"
. "$(dirname "$0")/prereq.sh"
exec timeout 150 /usr/bin/python3 "$s/tests/netns/real_rulesets.py" --generator ufw \
	--module "${RSYSLOG_MODULE:-$b/.libs/mmnetfilter.so}" --rsyslogd "$RSYSLOGD_BIN"
