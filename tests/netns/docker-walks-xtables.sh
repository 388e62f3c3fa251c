#!/bin/bash
# Docker's own rules (dockerd in a namespace of the test's own, a real container with a
# published port) on the xtables stack: walks, LOG records and static walks checked against the
# client's fate and the rules' counters (tests/netns/container_walks.py).
name=docker-walks-xtables
tools="dockerd containerd runc nsenter busybox iptables-legacy-save iptables-nft-save xtables-monitor"
. "$(dirname "$0")/prereq.sh"
[ -x /usr/bin/docker ] || skip "Debian's docker client /usr/bin/docker missing (apt-get install docker.io)"
exec timeout 240 /usr/bin/python3 "$s/tests/netns/container_walks.py" --generator docker --stack xtables --nfparse "$b/nfparse" \
	--module "${RSYSLOG_MODULE:-$b/.libs/mmnetfilter.so}" --rsyslogd "$RSYSLOGD_BIN"
