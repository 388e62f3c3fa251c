#!/bin/bash
# kube-proxy's iptables-mode layout (loaded with iptables-restore: kube-proxy is not in Debian)
# with two pods answering on S, on the legacy stack: each walk names the endpoint that answered;
# verdicts, steps and static walks checked against the client and the counters
# (tests/netns/container_walks.py).
name=kube-proxy-walks-legacy
tools="nsenter iptables-legacy-restore iptables-nft-restore xtables-monitor"
. "$(dirname "$0")/prereq.sh"
exec timeout 240 /usr/bin/python3 "$s/tests/netns/container_walks.py" --generator kube-proxy --stack legacy --nfparse "$b/nfparse" \
	--module "${RSYSLOG_MODULE:-$b/.libs/mmnetfilter.so}" --rsyslogd "$RSYSLOGD_BIN"
