# Sourced by the kernel scenarios' wrappers: skip (saying why) where they cannot run, then take
# the lock that runs one kernel scenario at a time (they share net.netfilter.nf_log_all_netns,
# which each sets and restores, and imklog's destructive reads of /proc/kmsg).
# Needs: name (for SKIP lines) and tools (commands besides ip, each checked).
s=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
b=${top_builddir:-$s}
skip() { echo "SKIP $name: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, firewall rules)"
for t in ip $tools; do command -v "$t" >/dev/null || skip "$t missing (apt-get install iproute2 iptables nftables)"; done
/usr/bin/python3 -c 'import scapy' 2>/dev/null || skip "Debian's python3-scapy missing"
[ -w /proc/sys/net/netfilter/nf_log_all_netns ] || skip "no net.netfilter.nf_log_all_netns (kernel without nf_log)"
ip netns add "mnf-probe-$$" 2>/dev/null || skip "cannot create network namespaces here"
ip netns del "mnf-probe-$$"
exec 9>"${TMPDIR:-/tmp}/mmnetfilter-netns.lock"
flock -w 300 9 || skip "another kernel scenario holds the lock for 300 s"
RSYSLOGD_BIN=$(command -v rsyslogd || echo /usr/sbin/rsyslogd)
