#!/bin/bash
# LOG records of a ferm-generated ruleset on a real kernel, resolved and checked against the
# LOG rules' own packet counters (tests/netns/real_rulesets.py).
name=real-rulesets-ferm
tools="ferm iptables-legacy-save ip6tables-legacy-save"
. "$(dirname "$0")/prereq.sh"
exec timeout 150 /usr/bin/python3 "$s/tests/netns/real_rulesets.py" --generator ferm \
	--module "${RSYSLOG_MODULE:-$b/.libs/mmnetfilter.so}" --rsyslogd "$RSYSLOGD_BIN"
