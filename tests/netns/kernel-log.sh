#!/bin/bash
# Kernel-made LOG/TRACE lines (own network namespaces) -> real rsyslogd -> mmnetfilter.
# INPUT=imkmsg (default) or imklog. Skips, saying why, where the kernel or a tool is missing.
name=$(basename "$0" .sh)
tools="iptables-legacy ip6tables-legacy nft"
. "$(dirname "$0")/prereq.sh"
exec timeout 120 /usr/bin/python3 "$s/tests/netns/kernel_log.py" --input "${INPUT:-imkmsg}" \
	--module "${RSYSLOG_MODULE:-$b/.libs/mmnetfilter.so}" --rsyslogd "$RSYSLOGD_BIN"
