#!/bin/bash
# Real-kernel rule resolution for one firewall stack (STACK=legacy|xtables|nft), through a
# real rsyslogd with the module. Skips, saying why, where the kernel or a tool is missing.
s=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
b=${top_builddir:-$s}
name=rule-walks-${STACK:?}
skip() { echo "SKIP $name: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, firewall rules)"
case $STACK in
legacy) tools="iptables-legacy ip6tables-legacy iptables-legacy-save ip6tables-legacy-save" ;;
xtables) tools="iptables-nft iptables-nft-save xtables-monitor nft stdbuf" ;;
nft) tools="nft stdbuf" ;;
esac
for t in ip iptables-legacy $tools; do command -v $t >/dev/null || skip "$t missing (apt-get install iproute2 iptables nftables)"; done
/usr/bin/python3 -c 'import scapy' 2>/dev/null || skip "Debian's python3-scapy missing"
[ -w /proc/sys/net/netfilter/nf_log_all_netns ] || skip "no net.netfilter.nf_log_all_netns (kernel without nf_log)"
ip netns add "mnw-probe-$$" 2>/dev/null || skip "cannot create network namespaces here"
ip netns del "mnw-probe-$$"
# one kernel scenario at a time (shared sysctl, kernel log)
exec 9>"${TMPDIR:-/tmp}/mmnetfilter-netns.lock"
flock -w 300 9 || skip "another kernel scenario holds the lock for 300 s"
exec timeout 150 /usr/bin/python3 "$s/tests/netns/rule_walks.py" --stack "$STACK" \
	--module "${RSYSLOG_MODULE:-$b/.libs/mmnetfilter.so}" --nfparse "$b/nfparse" \
	--rsyslogd "$(command -v rsyslogd || echo /usr/sbin/rsyslogd)"
