#!/bin/bash
# journald in and out, for real: a journald of the test's own (private mount namespace), real
# kernel LOG lines it imports from /dev/kmsg, rsyslogd with the journald snippet (imjournal ->
# mmnetfilter -> omjournal), and journalctl finding the records by NETFILTER_* fields.
name=$(basename "$0" .sh)
tools="iptables-legacy unshare journalctl"
. "$(dirname "$0")/prereq.sh"
[ -x /lib/systemd/systemd-journald ] || skip "no /lib/systemd/systemd-journald (apt-get install systemd)"
ls /usr/lib/*/rsyslog/imjournal.so /usr/lib/*/rsyslog/omjournal.so >/dev/null 2>&1 || skip "rsyslog without imjournal/omjournal"
exec timeout 180 unshare -m --propagation private /usr/bin/python3 "$s/tests/netns/journald.py" \
	--module "${RSYSLOG_MODULE:-$b/.libs/mmnetfilter.so}" --rsyslogd "$RSYSLOGD_BIN" --contrib "$s/contrib/rsyslog.d"
