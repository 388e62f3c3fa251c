#!/bin/bash
# Real-kernel rule resolution for one firewall stack (STACK=legacy|xtables|nft), through a
# real rsyslogd with the module. Skips, saying why, where the kernel or a tool is missing.
name=rule-walks-${STACK:?}
case $STACK in
legacy) tools="iptables-legacy ip6tables-legacy iptables-legacy-save ip6tables-legacy-save" ;;
xtables) tools="iptables-legacy iptables-nft iptables-nft-save xtables-monitor nft stdbuf" ;;
nft) tools="iptables-legacy nft stdbuf" ;;
esac
. "$(dirname "$0")/prereq.sh"
exec timeout 150 /usr/bin/python3 "$s/tests/netns/rule_walks.py" --stack "$STACK" \
	--module "${RSYSLOG_MODULE:-$b/.libs/mmnetfilter.so}" --nfparse "$b/nfparse" --rsyslogd "$RSYSLOGD_BIN"
