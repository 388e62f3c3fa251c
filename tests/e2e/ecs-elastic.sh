#!/bin/bash
# schema="ecs" in a real rsyslogd: Elastic's own test lines as remote syslog over TCP ->
# mmnetfilter -> the container as JSON lines (what a subtree template ships) -> omfile;
# every document compared field by field with Elastic's expected documents.
. "$(dirname "$0")/lib.sh"
g=$top_srcdir/tests/golden
cat "$g/elastic/test-iptables-raw.log" "$g/elastic/test-ubiquiti.log" > "$WORK/input.log"
nin=$(wc -l < "$WORK/input.log")
{ conf_head; cat <<CONF
module(load="imptcp")
input(type="imptcp" port="0" listenPortFileName="$WORK/port" ruleset="r" supportOctetCountedFraming="off")
template(name="ecsdoc" type="list") { property(name="\$!netfilter") constant(value="\n") }
ruleset(name="r") {
	action(type="mmnetfilter" schema="ecs")
	action(type="omfile" file="$WORK/out.jsonl" template="ecsdoc")
}
CONF
} > "$WORK/rsyslog.conf"
start_rsyslogd "$WORK/rsyslog.conf"
send_tcp "$WORK/port" "$WORK/input.log"
wait_lines "$WORK/out.jsonl" "$nin"
stop_rsyslogd
python3 "$top_srcdir/tests/ecs/elastic-compare.py" "$NFPARSE" "$g" "$WORK/out.jsonl" || fail "ECS documents differ from Elastic's"
echo "PASS $TEST_NAME"
