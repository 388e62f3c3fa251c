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
echo "PASS $TEST_NAME"
