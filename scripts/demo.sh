#!/usr/bin/env bash
# The main job on bundled sample data: set up, build and install, then a real rsyslogd
# (foreground, own config, pid file and work directory) receives contrib/sample/kern.log as
# remote syslog over TCP, runs mmnetfilter with the contrib JSON-lines template, and writes
# the enriched records; this script prints them. Non-netfilter lines go to a plain file.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
SETUP_FOR=demo bash "$top/scripts/build.sh" # the demo installs what the build needs, not the test tools

export top_srcdir=$top top_builddir=$top KEEP_WORK=1
. "$top/tests/e2e/lib.sh"
sample=$top/contrib/sample/kern.log

cat > "$WORK/rsyslog.conf" <<CONF
global(workDirectory="$WORK")
module(load="imptcp")
include(file="$top/contrib/rsyslog.d/mmnetfilter-base.conf")
input(type="imptcp" address="127.0.0.1" port="0" listenPortFileName="$WORK/port" ruleset="netfilter")
ruleset(name="netfilter") {
	action(type="mmnetfilter" iptablesRules="$top/contrib/sample/iptables-save-nat.txt")
	if \$parsesuccess == "OK" then {
		action(type="omfile" file="$WORK/netfilter.jsonl" template="mmnetfilter_jsonl")
	} else {
		action(type="omfile" file="$WORK/other.log")
	}
}
CONF
start_rsyslogd "$WORK/rsyslog.conf"
send_tcp "$WORK/port" "$sample"
nin=$(wc -l < "$sample")
for i in $(seq 1 300); do
	n=$(cat "$WORK/netfilter.jsonl" "$WORK/other.log" 2>/dev/null | wc -l)
	[ "$n" -ge "$nin" ] && break
	sleep 0.1
done
stop_rsyslogd

echo "=== which rule took the traced ping: nfparse explain over the same lines and the nat table ==="
"$top/nfparse" explain --iptables-rules "$top/contrib/sample/iptables-save-nat.txt" "$sample"
echo "=== $nin lines sent: $(wc -l < "$WORK/netfilter.jsonl") netfilter records, $(wc -l < "$WORK/other.log") other messages ==="
echo "=== the seed case's last TRACE line as rsyslogd stored it, pretty-printed ==="
grep 'quantum-l3-agent-POSTROUTING:rule:1' "$WORK/netfilter.jsonl" | python3 -m json.tool
echo "=== $WORK/other.log (not netfilter: passed through unchanged) ==="
cat "$WORK/other.log"
echo "=== $WORK/netfilter.jsonl (one document per netfilter record) ==="
cat "$WORK/netfilter.jsonl"
