#!/bin/bash
# Several worker threads on one mmnetfilter action (ruleset queue, 4 workers, small batches),
# 20,000+ messages: nothing lost, every container right, and the impstats counters equal
# nfparse's own counts of the same input. A second action (ECS, statsName="fw_ecs") in the same
# pipeline counts in its own impstats object: neither action's counts include the other's.
. "$(dirname "$0")/lib.sh"

for i in $(seq 1 150); do cat "$top_srcdir"/tests/golden/*/*.log; done > "$WORK/input.log"
nin=$(wc -l < "$WORK/input.log")
"$NFPARSE" -a -m -s --host "$TEST_HOST" "$WORK/input.log" > "$WORK/expected.jsonl" 2> "$WORK/nfparse.stats"

{ conf_head; out_template; cat <<CONF
module(load="impstats" interval="1" format="json" log.syslog="off" log.file="$WORK/stats.log" resetCounters="off")
module(load="imfile")
input(type="imfile" file="$WORK/input.log" tag="kern" addMetadata="off" ruleset="r")
ruleset(name="r" queue.type="LinkedList" queue.size="100000" queue.workerThreads="4"
        queue.workerThreadMinimumMessages="64" queue.dequeueBatchSize="32") {
	action(type="mmnetfilter")
	action(type="mmnetfilter" schema="ecs" container="\$!ecs" statsName="fw_ecs")
	action(type="omfile" file="$WORK/out.jsonl" template="nfjson")
}
CONF
} > "$WORK/rsyslog.conf"

start_rsyslogd "$WORK/rsyslog.conf"
wait_lines "$WORK/out.jsonl" "$nin" 120
# the counters reach the stats file on the next impstats interval
for i in $(seq 1 50); do
	grep -q "\"name\": *\"mmnetfilter\".*\"records.seen\": *$nin[,}]" "$WORK/stats.log" 2>/dev/null &&
		grep -q "\"name\": *\"fw_ecs\".*\"records.seen\": *$nin[,}]" "$WORK/stats.log" && break
	sleep 0.2
done
stop_rsyslogd

python3 - "$WORK/input.log" "$WORK/expected.jsonl" "$WORK/out.jsonl" "$WORK/stats.log" "$WORK/nfparse.stats" <<'PY' || fail "mismatch"
import collections, json, sys
enc = dict(encoding="utf-8", errors="surrogateescape")
inp = open(sys.argv[1], **enc, newline="").read().split("\n")[:-1]  # lines as rsyslog reads them (a CR stays)
exp = dict(zip(inp, (json.loads(l) for l in open(sys.argv[2], **enc))))
out = [json.loads(l) for l in open(sys.argv[3], **enc)]
bad = 0
if len(out) != len(inp):
    print(f"{len(inp)} in, {len(out)} out"); bad += 1
if collections.Counter(o["msg"] for o in out) != collections.Counter(inp):
    print("the set of messages out differs from the set in"); bad += 1
for o in out:
    if o["all"].get("netfilter") != exp[o["msg"]]:
        bad += 1
        if bad < 5: print("container differs for", o["msg"][:120])
def last_of(name):
    s = [json.loads(l[l.index("{"):]) for l in open(sys.argv[4]) if f'"name": "{name}"' in l]
    return s[-1] if s else {}
last, last_ecs = last_of("mmnetfilter"), last_of("fw_ecs")
ours = dict(kv.split("=") for kv in open(sys.argv[5]).read().split())
want = {"records.seen": int(ours["lines"]), "parsed.log": int(ours["log"]), "parsed.trace": int(ours["trace"]),
        "parsed.ebtables": int(ours["ebtables"]), "parsed.fragment": int(ours["fragment"]),
        "not_netfilter": int(ours["not_netfilter"]), "truncated": int(ours["truncated"])}
for k, v in want.items():
    for name, st in (("mmnetfilter", last), ("fw_ecs", last_ecs)):
        if int(st.get(k, -1)) != v:
            bad += 1; print(f"impstats {name} {k}={st.get(k)}, nfparse counted {v}")
for o in out:
    if ("ecs" in o["all"]) != ("netfilter" in o["all"]):
        bad += 1; print("native and ECS actions disagree on", o["msg"][:120]); break
print(f"workers-impstats: {len(inp)} in, {len(out)} out, counters {json.dumps({k: last.get(k) for k in want})}; "
      f"the ECS action's own object (fw_ecs) the same: {all(last_ecs.get(k) == last.get(k) for k in want)}; {bad} problems")
sys.exit(1 if bad else 0)
PY
echo "PASS $TEST_NAME"
