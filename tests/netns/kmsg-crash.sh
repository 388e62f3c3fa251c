#!/bin/bash
# imkmsg + the duplicate window's state file + kill -9 at random moments (real kernel LOG lines in
# a namespace of the test's own): every line written exactly once (tests/netns/kmsg_crash.py).
name=$(basename "$0" .sh)
tools="iptables-legacy"
. "$(dirname "$0")/prereq.sh"
exec timeout 240 /usr/bin/python3 "$s/tests/netns/kmsg_crash.py" --rounds "${ROUNDS:-6}" \
	--module "${RSYSLOG_MODULE:-$b/.libs/mmnetfilter.so}" --rsyslogd "$RSYSLOGD_BIN"
