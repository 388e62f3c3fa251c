#!/bin/bash
# Rule resolution inside a real rsyslogd (iptablesRules=), and the snapshot following its
# file: a changed file is used from the next second on, HUP reloads an unchanged-looking
# file, a broken file keeps the previous snapshot and is reported once, and changes while
# 20,000 messages flow lose nothing. Counters checked at the end.
. "$(dirname "$0")/lib.sh"

seed=$top_srcdir/tests/golden/seed
rules=$WORK/rules.v4
# three versions of the nat table, the same size, differing only in the rule the seed's walk ends at
for v in 1 2 3; do
	case $v in 1) ifc=qg-91757ded-c4 ;; 2) ifc=qg-22222222-c4 ;; 3) ifc=qg-33333333-c4 ;; esac
	sed "s/! -i qg-91757ded-c4 ! -o qg-91757ded-c4 -m conntrack/! -i $ifc ! -o $ifc -m conntrack/" \
		"$seed/iptables-save-nat.txt" > "$WORK/v$v"
done
cp "$WORK/v1" "$rules"
sed 's/^/<4>/' "$seed/trace-openstack.log" > "$WORK/walk.log" # 13 TRACE lines, as a router would send them
per=$(wc -l < "$WORK/walk.log")

{ conf_head; cat <<CONF
module(load="imptcp")
module(load="impstats" interval="1" format="json" log.syslog="off" log.file="$WORK/stats.log" resetCounters="off")
input(type="imptcp" port="0" listenPortFileName="$WORK/port" ruleset="r")
template(name="rule" type="list") {
	constant(value="{\"nf\":") property(name="\$!netfilter") constant(value="}\n")
}
template(name="line" type="string" string="%msg%\n")
ruleset(name="r") {
	action(type="mmnetfilter" iptablesRules="$rules")
	action(type="omfile" file="$WORK/out.jsonl" template="rule")
}
if \$programname == "rsyslogd" then action(type="omfile" file="$WORK/internal.log" template="line")
CONF
} > "$WORK/rsyslog.conf"

sent=0
send() { # send COPIES [SECONDS]: COPIES times the walk, over one TCP connection, spread over SECONDS
	python3 - "$(cat "$WORK/port")" "$WORK/walk.log" "$1" "${2:-0}" <<'PY'
import socket, sys, time
walk, copies, secs = open(sys.argv[2], "rb").read(), int(sys.argv[3]), float(sys.argv[4])
chunks = 30 if secs > 0 else 1
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30) as s:
    for i in range(chunks):
        s.sendall(walk * (copies // chunks + (i < copies % chunks)))
        if secs > 0:
            time.sleep(secs / chunks)
PY
	sent=$((sent + $1 * per))
}
texts() { # texts FROM: the rule.text of every walk end from output line FROM on, counted
	tail -n "+$1" "$WORK/out.jsonl" | python3 -c '
import collections, json, sys
c = collections.Counter()
for l in sys.stdin:
    nf = json.loads(l)["nf"]
    if nf["trace"]["chain"] == "quantum-l3-agent-POSTROUTING":
        r = nf.get("rule", {})
        c[r["text"].split()[4] if "text" in r else "unresolved:" + r.get("unresolved", "-").replace(" ", "_")] += 1
print(" ".join(f"{k}={v}" for k, v in sorted(c.items())))'
}
loaded() { # the snapshots.loaded counter as impstats last wrote it (once a second)
	grep '"name": "mmnetfilter"' "$WORK/stats.log" 2>/dev/null | tail -n 1 |
		python3 -c 'import json, sys; l = sys.stdin.read(); print(json.loads(l[l.index("{"):])["snapshots.loaded"] if l else 0)'
}
reload_seen() { # after a file change: one walk, whose poll starts the background reload, then
	# wait (10 s at most) until the counter says the new snapshots are in use
	local before i
	before=$(loaded); sleep 1.2
	send 1; wait_lines "$WORK/out.jsonl" $sent
	for i in $(seq 1 100); do [ "$(loaded)" -gt "$before" ] && return 0; sleep 0.1; done
	fail "a changed file was not reloaded within 10 s"
}
expect() { # expect WHAT GOT WANT
	[ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
	echo "  $1: $2"
}

start_rsyslogd "$WORK/rsyslog.conf"
wait_file "$WORK/port"

# A: the loaded snapshot resolves every step it can, and says why for the others
send 10; wait_lines "$WORK/out.jsonl" $sent
expect "A start" "$(texts 1)" "qg-91757ded-c4=10"
python3 - "$WORK/out.jsonl" "$rules" <<'PY' || fail "resolution fields"
import json, sys
docs = [json.loads(l)["nf"] for l in open(sys.argv[1])][:13]
want = {  # step -> rule.text / target / unresolved
    "raw:PREROUTING:policy:2": ("unresolved", "table not in the snapshot"),
    "nat:PREROUTING:rule:1": ("target", "quantum-l3-agent-PREROUTING"),
    "nat:quantum-l3-agent-PREROUTING:return:4": ("target", "RETURN"),
    "nat:PREROUTING:policy:2": ("target", "ACCEPT"),
    "filter:FORWARD:policy:3": ("unresolved", "table not in the snapshot"),
    "nat:POSTROUTING:rule:1": ("text", "-A POSTROUTING -j quantum-l3-agent-POSTROUTING"),
    "nat:quantum-l3-agent-POSTROUTING:rule:1": ("text", "-A quantum-l3-agent-POSTROUTING ! -i qg-91757ded-c4 ! -o qg-91757ded-c4 -m conntrack ! --ctstate DNAT -j ACCEPT"),
}
bad, ids = 0, set()
for d in docs:
    t = d["trace"]; step = f'{t["table"]}:{t["chain"]}:{t["type"]}:{t["rulenum"]}'
    ids.add(t["packet"])
    if step in want:
        k, v = want[step]
        if d["rule"].get(k) != v:
            bad += 1; print("step", step, "rule", d["rule"], "want", k, v)
    if "text" in d["rule"] and d["rule"]["file"] != sys.argv[2]:
        bad += 1; print("file", d["rule"])
if len(ids) != 1:
    bad += 1; print("one walk, trace.packet values:", ids)
sys.exit(1 if bad else 0)
PY

# B: a changed file (replaced, as a save-and-rename does) is noticed by the next second's first
# message and loaded in the background (no worker loads it): used once it is swapped in
mv "$WORK/v2" "$rules.new" && mv "$rules.new" "$rules"
reload_seen
n0=$((sent + 1)); send 10; wait_lines "$WORK/out.jsonl" $sent
expect "B after file change" "$(texts $n0)" "qg-22222222-c4=10"

# C: the same size and mtime (written in place, mtime put back): unseen until HUP
cp -p "$rules" "$WORK/ref"
cat "$WORK/v3" > "$rules" && touch -r "$WORK/ref" "$rules"
sleep 1.2
n0=$((sent + 1)); send 2; wait_lines "$WORK/out.jsonl" $sent
expect "C no visible change" "$(texts $n0)" "qg-22222222-c4=2"
before=$(loaded)
kill -HUP "$RS_PID"
# HUP is handled by rsyslogd's main thread: wait until the counter says the reload is done
for i in $(seq 1 100); do [ "$(loaded)" -gt "$before" ] && break; sleep 0.1; done
[ "$(loaded)" -gt "$before" ] || fail "C: HUP did not reload the snapshots within 10 s"
n0=$((sent + 1)); send 2; wait_lines "$WORK/out.jsonl" $sent
expect "C after HUP" "$(texts $n0)" "qg-33333333-c4=2"

# D: a broken file keeps the previous snapshot; one error naming file and line
printf '*nat\n:PREROUTING ACCEPT [0:0]\n-A NOSUCHCHAIN -j ACCEPT\nCOMMIT\n' > "$WORK/broken"
mv "$WORK/broken" "$rules"
sleep 1.2
n0=$((sent + 1)); send 3; wait_lines "$WORK/out.jsonl" $sent
sleep 1.2
n1=$((sent + 1)); send 3; wait_lines "$WORK/out.jsonl" $sent
expect "D broken file" "$(texts $n0)" "qg-33333333-c4=6"
for i in $(seq 1 100); do grep -q "reloading ruleset snapshots failed" "$WORK/internal.log" "$WORK/rsyslogd.log" 2>/dev/null && break; sleep 0.1; done
# rsyslogd's own messages: to the internal.log action, or to stderr (rsyslogd.log) in -n mode
cat "$WORK/internal.log" "$WORK/rsyslogd.log" > "$WORK/own.log" 2>/dev/null
errs=$(grep -c "reloading ruleset snapshots failed" "$WORK/own.log" || true)
expect "D errors logged" "$errs" "1"
grep -q "failed, the previous ones stay in use: $rules:3: rule for chain 'NOSUCHCHAIN'" "$WORK/own.log" ||
	fail "the error does not name file and line: $(cat "$WORK/own.log")"

# E: changes while messages flow: nothing lost, every record resolved against some version
cp "$WORK/v1" "$rules.new" && mv "$rules.new" "$rules"
n0=$((sent + 1))
send 1500 3 & spid=$! # about 6,500 messages a second for 3 s
sleep 0.6; sed "s/qg-33333333-c4/qg-22222222-c4/g" "$WORK/v3" > "$rules.new" && mv "$rules.new" "$rules"
sleep 1.2; cp "$WORK/v3" "$rules.new" && mv "$rules.new" "$rules"; kill -HUP "$RS_PID"
wait $spid || fail "sender failed"
sent=$((sent + 1500 * per))
wait_lines "$WORK/out.jsonl" $sent 120
during=$(texts $n0)
echo "  E under load: $during"
python3 - "$during" <<'PY' || fail "E: records unresolved under reload: $during"
import sys
c = dict(kv.split("=") for kv in sys.argv[1].split())
ok = {"qg-91757ded-c4", "qg-22222222-c4", "qg-33333333-c4"}
sys.exit(0 if set(c) <= ok and sum(map(int, c.values())) == 1500 else 1)
PY
sleep 1.2
n0=$((sent + 1)); send 2; wait_lines "$WORK/out.jsonl" $sent
expect "E after the last swap" "$(texts $n0)" "qg-33333333-c4=2"

for i in $(seq 1 50); do
	grep -q "\"name\": *\"mmnetfilter\".*\"records.seen\": *$sent[,}]" "$WORK/stats.log" 2>/dev/null && break
	sleep 0.2
done
stop_rsyslogd
out=$(wc -l < "$WORK/out.jsonl")
expect "messages in = out" "$out" "$sent"
python3 - "$WORK/stats.log" "$sent" <<'PY' || fail "counters"
import json, sys
last = [json.loads(l[l.index("{"):]) for l in open(sys.argv[1]) if '"name": "mmnetfilter"' in l][-1]
n = int(sys.argv[2]); walks = n // 13
# per walk: raw policy and the 7 filter steps have no table in the snapshot; 5 nat steps resolve
want = {"records.seen": n, "rules.resolved": walks * 5, "rules.unresolved": walks * 8, "snapshots.reload_failed": 1}
bad = [k for k, v in want.items() if int(last.get(k, -1)) != v]
loaded = int(last.get("snapshots.loaded", 0))
print("  counters:", {k: last.get(k) for k in list(want) + ["snapshots.loaded"]})
# the start, B, C's HUP, and at least two in E (the poll sees one state a second, HUP forces one)
sys.exit(1 if bad or loaded < 5 else 0)
PY
echo "resolve-reload: $sent messages in and out; file change, HUP, broken file and reloads under load checked"
echo "PASS $TEST_NAME"
