#!/bin/bash
# Every corpus line (kernel lines, syslog files, hostile lines) through imfile -> mmnetfilter
# -> omfile. Per line: the container equals what nfparse makes of the same text, parse
# success is OK exactly for records, other lines pass unchanged, count in = count out.
. "$(dirname "$0")/lib.sh"

cat "$top_srcdir"/tests/golden/*/*.log "$top_srcdir"/tests/data/*.log > "$WORK/input.log"
nin=$(wc -l < "$WORK/input.log")
"$NFPARSE" -a -m --host "$TEST_HOST" "$WORK/input.log" > "$WORK/expected.jsonl"

{ conf_head; out_template; cat <<CONF
module(load="imfile")
input(type="imfile" file="$WORK/input.log" tag="kern" addMetadata="off" ruleset="r")
ruleset(name="r") {
	action(type="mmnetfilter")
	action(type="omfile" file="$WORK/out.jsonl" template="nfjson")
}
CONF
} > "$WORK/rsyslog.conf"

start_rsyslogd "$WORK/rsyslog.conf"
wait_lines "$WORK/out.jsonl" "$nin"
stop_rsyslogd

python3 - "$WORK/input.log" "$WORK/expected.jsonl" "$WORK/out.jsonl" <<'PY' || fail "output differs"
import json, sys
inp = open(sys.argv[1], encoding="utf-8", errors="surrogateescape").read().splitlines()
exp = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8", errors="surrogateescape")]
out = [json.loads(l) for l in open(sys.argv[3], encoding="utf-8", errors="surrogateescape")]
bad = 0
assert len(inp) == len(exp) == len(out), (len(inp), len(exp), len(out))
for i, (line, e, o) in enumerate(zip(inp, exp, out), 1):
    nf = o["all"].get("netfilter")
    why = None
    if e is None:
        if o["ok"] != "FAIL" or nf is not None: why = "non-record got a container or OK"
        elif o["msg"] != line: why = "non-record message changed"
    else:
        if o["ok"] != "OK": why = "record not marked OK"
        elif nf != e: why = "container differs from nfparse"
    if why:
        bad += 1
        print(f"line {i}: {why}\n  in:  {line[:200]}\n  got: {json.dumps(o)[:400]}\n  exp: {json.dumps(e)[:400]}")
recs = sum(e is not None for e in exp)
print(f"corpus-imfile: {len(inp)} lines in, {len(out)} out, {recs} records, {len(inp)-recs} passed through; {bad} wrong")
sys.exit(1 if bad else 0)
PY

# The live-tree serializer (serializer="fast", the default) writes what libfastjson writes:
# the same corpus through two rulesets that differ only in serializer=, native and ECS
# containers, printed as "$!all-json" (spaced) and "$!netfilter"/"$!ecs" (the container
# alone): the two output files are equal byte for byte
cp "$WORK/input.log" "$WORK/input1.log"; cp "$WORK/input.log" "$WORK/input2.log" # new files: imfile keeps its place in input.log
cp "$WORK/input.log" "$WORK/input3.log"
{ conf_head; cat <<CONF
module(load="imfile")
template(name="both" type="list") {
	property(name="\$!all-json") constant(value="\n")
	property(name="\$!netfilter") constant(value="|") property(name="\$!ecs") constant(value="\n")
}
global(processInternalMessages="on") # rsyslogd's own messages here, not to the system's journal
action(type="omfile" file="$WORK/internal.log") # the default ruleset: only rsyslogd's own messages come here
input(type="imfile" file="$WORK/input1.log" tag="kern" addMetadata="off" ruleset="fast")
input(type="imfile" file="$WORK/input2.log" tag="kern" addMetadata="off" ruleset="fjson")
input(type="imfile" file="$WORK/input3.log" tag="kern" addMetadata="off" ruleset="text")
template(name="parts" type="list") {
	property(name="\$!netfilter") constant(value="|") property(name="\$!ecs") constant(value="\n")
}
ruleset(name="text") {
	action(type="mmnetfilter" format="text")
	action(type="mmnetfilter" container="\$!ecs" schema="ecs" format="text")
	action(type="omfile" file="$WORK/text.txt" template="parts")
}
ruleset(name="fast") {
	action(type="mmnetfilter")
	action(type="mmnetfilter" container="\$!ecs" schema="ecs")
	action(type="omfile" file="$WORK/fast.txt" template="both")
}
ruleset(name="fjson") {
	action(type="mmnetfilter" serializer="libfastjson")
	action(type="mmnetfilter" container="\$!ecs" schema="ecs" serializer="libfastjson")
	action(type="omfile" file="$WORK/fjson.txt" template="both")
}
CONF
} > "$WORK/rsyslog2.conf"
start_rsyslogd "$WORK/rsyslog2.conf"
wait_lines "$WORK/fast.txt" $((2 * nin))
wait_lines "$WORK/fjson.txt" $((2 * nin))
wait_lines "$WORK/text.txt" "$nin"
stop_rsyslogd
grep -q '"ecs": { "version"' "$WORK/fast.txt" || fail "no ECS documents in the output"
# the two rulesets receive each line at their own time: @timestamp and event.id (a hash
# that includes it) are the only values that may differ, so they are blanked in both
for f in fast fjson; do
	sed -E 's/"@timestamp": "[^"]*"/"@timestamp": "T"/g; s/"id": "[0-9a-f]{40}"/"id": "H"/g' "$WORK/$f.txt" > "$WORK/$f.cmp"
done
[ "$(grep -c '"@timestamp": "T"' "$WORK/fast.cmp")" -gt 100 ] || fail "the ECS documents' time was not found"
# where the build has libfastjson's private header the fast path must really be on (its
# load-time checks, the version among them, pass): else this comparison would compare
# libfastjson with itself
if grep -q '^am__append_[0-9]* = -DNFP_HAVE_FJSON_PRIVATE' "$top_builddir/Makefile" 2>/dev/null; then
	[ -s "$WORK/internal.log" ] || fail "rsyslogd's own messages did not reach internal.log"
	! grep -h 'serializer="fast" is off' "$WORK/internal.log" ||
		fail "the fast serializer is expected on (built with libfastjson's private header) but is off"
fi
cmp "$WORK/fast.cmp" "$WORK/fjson.cmp" || { diff "$WORK/fast.cmp" "$WORK/fjson.cmp" | head -5; fail "serializer=\"fast\" and serializer=\"libfastjson\" wrote different text"; }
echo "serializers: $(wc -l < "$WORK/fast.txt") lines from each, equal byte for byte apart from the blanked @timestamp and event.id"
# format="text": the container holds the document's text (the text sink); the same documents
# as the tree's, native and ECS (rsyslog prints a tree spaced, the text is plain: compared as JSON)
python3 - "$WORK/fjson.txt" "$WORK/text.txt" <<'PY' || fail 'format="text" wrote other documents than the tree'
import json, re, sys
tree = open(sys.argv[1], encoding="utf-8", errors="surrogateescape").read().split("\n")[1::2]
text = open(sys.argv[2], encoding="utf-8", errors="surrogateescape").read().split("\n")[:-1]
def docs(l):
    l = re.sub(r'"@timestamp": ?"[^"]*"', '"@timestamp":"T"', l)
    l = re.sub(r'"id": ?"[0-9a-f]{40}"', '"id":"H"', l)
    return [json.loads(x) if x else None for x in l.split("|", 1)]
bad = sum(1 for a, b in zip(tree, text) if docs(a) != docs(b))
recs = sum(1 for b in text if b.startswith("{"))
print(f'format="text": {len(text)} lines, {recs} with documents, {bad} differing from the tree\'s')
sys.exit(1 if bad or len(text) != len(tree) or recs < 100 else 0)
PY
echo "PASS $TEST_NAME"
