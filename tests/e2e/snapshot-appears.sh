#!/bin/bash
# Snapshots on a real host's timeline: rsyslogd starts before the snapshot unit has written
# its file (a warning, records unresolved, nothing lost), the file appears and is loaded in
# the background once a message notices it; later the path becomes a FIFO (nothing ever writes to it): the workers
# go on without a stall, the previous snapshot stays and the failure is reported.
. "$(dirname "$0")/lib.sh"

seed=$top_srcdir/tests/golden/seed
rules=$WORK/later.v4
sed 's/^/<4>/' "$seed/trace-openstack.log" > "$WORK/walk.log" # 13 TRACE lines
per=$(wc -l < "$WORK/walk.log")

{ conf_head; cat <<CONF
global(processInternalMessages="on") # rsyslogd's own messages to this configuration
module(load="imptcp")
input(type="imptcp" port="0" listenPortFileName="$WORK/port" ruleset="r")
template(name="rule" type="list") {
	constant(value="{\"nf\":") property(name="\$!netfilter") constant(value="}\n")
}
template(name="line" type="string" string="%msg%\n")
ruleset(name="r") {
	action(type="mmnetfilter" iptablesRules="$rules")
	action(type="omfile" file="$WORK/out.jsonl" template="rule")
}
action(type="omfile" file="$WORK/internal.log" template="line") # the default ruleset: rsyslogd's own
CONF
} > "$WORK/rsyslog.conf"

sent=0
send() { # send COPIES: COPIES times the walk over one TCP connection
	python3 - "$(cat "$WORK/port")" "$WORK/walk.log" "$1" <<'PY'
import socket, sys
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30) as s:
    s.sendall(open(sys.argv[2], "rb").read() * int(sys.argv[3]))
PY
	sent=$((sent + $1 * per))
}
resolved() { # resolved FROM: how many records from output line FROM on name a rule of the file
	tail -n "+$1" "$WORK/out.jsonl" | python3 -c '
import json, sys
print(sum(1 for l in sys.stdin if "text" in json.loads(l)["nf"].get("rule", {})))'
}

start_rsyslogd "$WORK/rsyslog.conf"
wait_file "$WORK/port"

# A: no file yet: the records pass, none resolved, and the warning names the parameter
send 5; wait_lines "$WORK/out.jsonl" $sent
[ "$(resolved 1)" = 0 ] || fail "A: records resolved against a snapshot that does not exist"
for i in $(seq 1 50); do grep -q "parameter 'iptablesRules': $rules does not exist (yet)" "$WORK/internal.log" 2>/dev/null && break; sleep 0.1; done
grep -q "parameter 'iptablesRules': $rules does not exist (yet)" "$WORK/internal.log" || fail "A: no warning about the missing snapshot"
echo "  A: $sent records without the file: 0 resolved, warned"

# B: the unit writes it (write, then rename): used from the next second on
cp "$seed/iptables-save-nat.txt" "$rules.tmp" && mv "$rules.tmp" "$rules"
sleep 1.2
send 1; wait_lines "$WORK/out.jsonl" $sent # its poll starts the background load
for i in $(seq 1 100); do grep -q "ruleset snapshots reloaded" "$WORK/internal.log" && break; sleep 0.1; done
grep -q "ruleset snapshots reloaded" "$WORK/internal.log" || fail "B: the file appeared, but was not loaded within 10 s"
n0=$((sent + 1)); send 5; wait_lines "$WORK/out.jsonl" $sent
got=$(resolved $n0)
[ "$got" -gt 0 ] || fail "B: the file appeared, but no record resolved"
echo "  B: after the file appeared: $got of $((5 * per)) records resolved"

# C: the path becomes a FIFO nobody writes to: no worker waits on it (bounded: 10 s for
# 65 records), the snapshot loaded before stays, the failure is reported
rm "$rules" && mkfifo "$rules"
sleep 1.2
n0=$((sent + 1)); t0=$(date +%s.%N)
send 5; wait_lines "$WORK/out.jsonl" $sent 10
t1=$(date +%s.%N)
got=$(resolved $n0)
[ "$got" -gt 0 ] || fail "C: the previous snapshot was dropped"
for i in $(seq 1 100); do grep -q "not a regular file" "$WORK/internal.log" && break; sleep 0.1; done
grep -q "not a regular file" "$WORK/internal.log" || fail "C: the FIFO was not reported"
echo "  C: FIFO at the path: $((5 * per)) records out in $(python3 -c "print(f'{$t1 - $t0:.2f}')") s, $got resolved by the previous snapshot"
stop_rsyslogd
[ "$(wc -l < "$WORK/out.jsonl")" = "$sent" ] || fail "$sent sent, $(wc -l < "$WORK/out.jsonl") written"
echo "snapshot-appears: $sent records in, $sent out; a missing file warned and loaded when it appeared; a FIFO never read"
echo "PASS $TEST_NAME"
