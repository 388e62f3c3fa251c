#!/bin/bash
# The seed case rebuilt on a real kernel: the OpenStack router's nat table as the admin saved it
# keeps a VM's ping from SNAT; explain names the rule, and the fix works (tests/netns/seed_router.py).
name=seed-router
tools="iptables-legacy iptables-legacy-save iptables-legacy-restore ping"
. "$(dirname "$0")/prereq.sh"
exec timeout 120 /usr/bin/python3 "$s/tests/netns/seed_router.py" --nfparse "$b/nfparse" \
	--rules "$s/tests/golden/seed/iptables-save-nat.txt" \
	--module "${RSYSLOG_MODULE:-$b/.libs/mmnetfilter.so}" --rsyslogd "$RSYSLOGD_BIN"
