#!/bin/bash
# Kernel-made LOG/TRACE lines (own network namespaces) -> real rsyslogd -> mmnetfilter.
# INPUT=imkmsg (default) or imklog. Skips, saying why, where the kernel or a tool is missing.
s=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
b=${top_builddir:-$s}
name=$(basename "$0" .sh)
skip() { echo "SKIP $name: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, firewall rules)"
for t in ip iptables-legacy ip6tables-legacy nft; do command -v $t >/dev/null || skip "$t missing (apt-get install iproute2 iptables nftables)"; done
/usr/bin/python3 -c 'import scapy' 2>/dev/null || skip "Debian's python3-scapy missing"
[ -w /proc/sys/net/netfilter/nf_log_all_netns ] || skip "no net.netfilter.nf_log_all_netns (kernel without nf_log)"
ip netns add "mnf-probe-$$" 2>/dev/null || skip "cannot create network namespaces here"
ip netns del "mnf-probe-$$"
# one kernel scenario at a time: they share net.netfilter.nf_log_all_netns (each sets it and
# restores it) and imklog's destructive reads of /proc/kmsg
exec 9>"${TMPDIR:-/tmp}/mmnetfilter-netns.lock"
flock -w 300 9 || skip "another kernel scenario holds the lock for 300 s"
exec timeout 120 /usr/bin/python3 "$s/tests/netns/kernel_log.py" --input "${INPUT:-imkmsg}" \
	--module "${RSYSLOG_MODULE:-$b/.libs/mmnetfilter.so}" --rsyslogd "$(command -v rsyslogd || echo /usr/sbin/rsyslogd)"
