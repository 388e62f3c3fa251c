#!/bin/bash
# fields=: the module writes the selected fields only, exactly as nfparse --fields does (same
# core), for every corpus line through imfile.
. "$(dirname "$0")/lib.sh"
cat "$top_srcdir"/tests/golden/*/*.log > "$WORK/input.log"
nin=$(wc -l < "$WORK/input.log")
sel="addresses,ports,protocol,action,trace,ip.ttl,tcp.flags,icmp.type,icmp.code"
"$NFPARSE" -a -m --host "$TEST_HOST" --fields "$sel" "$WORK/input.log" > "$WORK/expected.jsonl"
{ conf_head; out_template; cat <<CONF
module(load="imfile")
input(type="imfile" file="$WORK/input.log" tag="kern" addMetadata="off" ruleset="r")
ruleset(name="r") {
	action(type="mmnetfilter" fields="$sel")
	action(type="omfile" file="$WORK/out.jsonl" template="nfjson")
}
CONF
} > "$WORK/rsyslog.conf"
start_rsyslogd "$WORK/rsyslog.conf"
wait_lines "$WORK/out.jsonl" "$nin"
stop_rsyslogd
python3 - "$WORK/out.jsonl" "$WORK/expected.jsonl" <<'PY' || fail "fields differ"
import json, sys
out = [json.loads(l)["all"].get("netfilter") for l in open(sys.argv[1], encoding="utf-8", errors="surrogateescape")]
exp = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8", errors="surrogateescape")]
bad = sum(a != b for a, b in zip(out, exp)) + abs(len(out) - len(exp))
allowed = {"type", "prefix", "ip", "tcp", "udp", "icmp", "icmpv6", "udplite", "trace", "arp", "rule", "truncated", "utf8_repaired", "invalid"}  # invalid: of selected fields
extra = sorted({k for d in out if d for k in d} - allowed)
print(f"fields: {len(out)} messages, {sum(1 for d in out if d)} records, {bad} differ from nfparse --fields, members outside the selection: {extra}")
sys.exit(1 if bad or extra else 0)
PY
echo "PASS $TEST_NAME"
