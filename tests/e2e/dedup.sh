#!/bin/bash
# dedup="on": a record delivered twice (a transport's resend, a replay) is written once; two
# identical lines that are two events are both written. Over TCP syslog (imptcp), with a state
# file: 300 records carrying an edge's identity (RFC 5424 [mmnf@32473 id=...], as the edge
# snippet sends them; identity.edge="on"), 100 of them sent twice at once, then all 300 again
# after a restart (the window comes back from the state file) plus 100 new ones; and 25 pairs of
# byte-identical lines without an identity (two identical packets from a router): all 50
# written, none marked duplicate. A second action in the same ruleset with ECS shows the
# duplicate and the original share event.id, and each of a pair has its own. Then a damaged
# state file: reported once, the window starts empty.
. "$(dirname "$0")/lib.sh"

line() { # line N: a message with the identity an edge gave it, byte-identical when resent
	printf '<4>1 2026-11-29T06:%02d:%02d+00:00 edge1 kernel - - [mmnf@32473 id="EDGE%08d"] [DROP] IN=eth0 OUT= SRC=198.51.100.%d DST=192.0.2.1 LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=%d DF PROTO=TCP SPT=%d DPT=22 WINDOW=1 RES=0x00 SYN URGP=0\n' \
		$(( $1 / 60 % 60 )) $(( $1 % 60 )) "$1" $(( $1 % 250 + 1 )) "$1" $(( 20000 + $1 ))
}
twin() { # twin N: a plain syslog line (no identity), sent twice: two events
	printf '<4>Nov 29 07:00:%02d router kernel: [DROP] IN=eth0 OUT= SRC=203.0.113.9 DST=192.0.2.1 LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=%d DF PROTO=UDP SPT=5000 DPT=53 LEN=40\n' \
		$(( $1 % 60 )) $(( 1000 + $1 ))
}
for i in $(seq 1 300); do line "$i"; done > "$WORK/a.log"
{ cat "$WORK/a.log"; head -n 100 "$WORK/a.log"; for i in $(seq 1 25); do twin "$i"; twin "$i"; done; } > "$WORK/send1.log"
{ cat "$WORK/a.log"; for i in $(seq 301 400); do line "$i"; done; } > "$WORK/send2.log"

conf() { # conf STATEFILE
	{ conf_head; cat <<CONF
module(load="imptcp")
input(type="imptcp" port="0" listenPortFileName="$WORK/port" ruleset="r")
module(load="impstats" interval="1" format="json" log.syslog="off" log.file="$WORK/stats.log")
template(name="out" type="list") {
	constant(value="{\"ok\":\"") property(name="parsesuccess")
	constant(value="\",\"nf\":") property(name="\$!netfilter")
	constant(value=",\"id\":\"") property(name="\$!ecs!event!id")
	constant(value="\"}\n")
}
ruleset(name="r") {
	action(type="mmnetfilter" schema="ecs" container="\$!ecs" identity.edge="on")
	action(type="mmnetfilter" dedup="on" dedup.window="1000" dedup.stateFile="$1" statsName="nf" identity.edge="on")
	action(type="omfile" file="$WORK/all.jsonl" template="out")
	if \$!netfilter!type == "duplicate" then stop
	action(type="omfile" file="$WORK/out.jsonl" template="out")
}
CONF
	} > "$WORK/rsyslog.conf"
}
conf nf.dedup
start_rsyslogd "$WORK/rsyslog.conf"
send_tcp "$WORK/port" "$WORK/send1.log"
wait_lines "$WORK/all.jsonl" 450
stop_rsyslogd
[ -s "$WORK/nf.dedup" ] || fail "no state file written at shutdown"
rm -f "$WORK/port"
start_rsyslogd "$WORK/rsyslog.conf"
send_tcp "$WORK/port" "$WORK/send2.log"
wait_lines "$WORK/all.jsonl" 850
sleep 1.2   # one more impstats interval
stop_rsyslogd

python3 - "$WORK/all.jsonl" "$WORK/out.jsonl" "$WORK/stats.log" <<'PY' || fail "duplicates"
import collections, json, sys
allr = [json.loads(l) for l in open(sys.argv[1])]
out = [json.loads(l) for l in open(sys.argv[2])]
bad = []
ids = collections.Counter(r["nf"]["ip"]["id"] for r in out)
edge = {k: c for k, c in ids.items() if k <= 400}
if sorted(edge) != list(range(1, 401)) or any(c != 1 for c in edge.values()):
    bad.append(f"records written: {sum(edge.values())} for 400 distinct ({sum(1 for c in edge.values() if c > 1)} twice)")
twins = {k: c for k, c in ids.items() if k > 1000}
if sorted(twins) != list(range(1001, 1026)) or any(c != 2 for c in twins.values()):
    bad.append(f"identical lines without an identity: {sum(twins.values())} written, want 50 (25 pairs)")
if len({r["id"] for r in out if r["nf"]["ip"]["id"] > 1000}) != 50:
    bad.append("the lines of an identical pair share an event.id")
dups = [r for r in allr if r["nf"].get("type") == "duplicate"]
if len(dups) != 400 or any(r["ok"] != "FAIL" for r in dups):
    bad.append(f"{len(dups)} messages marked duplicate (want 400: 100 at once, 300 after the restart), all FAIL")
first = {r["id"]: r for r in out}
if any(r["id"] not in first or r["nf"]["event_id"] != r["id"] for r in dups):
    bad.append("a duplicate's event_id is not the event.id of a record written")
st = [json.loads(l[l.index("{"):]) for l in open(sys.argv[3]) if '"name": "nf"' in l]
if not st or int(st[-1]["records.duplicate"]) != 300:  # the counters of the second run
    bad.append(f"impstats records.duplicate = {st[-1].get('records.duplicate') if st else None}, want 300")
for b in bad: print("  " + b)
print(f"dedup: 850 messages (400 records with an edge identity, 100 sent twice at once, 300 again after a restart; "
      f"25 identical pairs without one) -> {len(out)} written, {len(dups)} marked duplicate; {len(bad)} problems")
sys.exit(1 if bad else 0)
PY

# a damaged state file: reported, the window starts empty, nothing is lost
printf 'garbage\n' > "$WORK/bad.dedup"
conf bad.dedup
rm -f "$WORK/port" "$WORK/out.jsonl" "$WORK/all.jsonl"
start_rsyslogd "$WORK/rsyslog.conf"
send_tcp "$WORK/port" "$WORK/a.log"
wait_lines "$WORK/out.jsonl" 300
stop_rsyslogd
grep -q "mmnetfilter: parameter 'dedup.stateFile': $WORK/bad.dedup: not a mmnetfilter dedup state file; the window starts with what was read before that" "$WORK/rsyslogd.log" ||
	{ cat "$WORK/rsyslogd.log"; fail "no message about the damaged state file"; }
[ "$(head -n 1 "$WORK/bad.dedup")" = "mmnetfilter-dedup 2" ] && [ "$(wc -l < "$WORK/bad.dedup")" = 301 ] ||
	fail "the damaged state file was not replaced by the window"
echo "dedup: a damaged state file is reported and replaced; its run wrote all 300 records"
echo "PASS $TEST_NAME"
