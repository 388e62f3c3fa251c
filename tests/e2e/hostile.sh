#!/bin/bash
# The hostile corpus (tests/data/hostile-gen.py: the campaign's shapes D1-D8 and neighbours:
# invalid UTF-8, 50 KB keywords, repeated IN=, duplicate MAC keys, out-of-range values, cut and
# bit-flipped lines of every dialect) through a real rsyslogd: remote syslog over imptcp with
# octet-counted framing and over imudp, native and ECS containers. Checks: messages in = out
# per input, every output line valid UTF-8 and valid JSON without duplicate members, every ECS
# document accepted by the shipped template (strict, bounded keywords) as the test endpoint
# validates it. hostile-vg.sh runs it under valgrind.
. "$(dirname "$0")/lib.sh"

python3 "$top_srcdir/tests/data/hostile-gen.py" "${HOSTILE_LINES:-1600}" 7 > "$WORK/hostile.bin"
udp_port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

{ conf_head; cat <<CONF
module(load="imptcp")
module(load="imudp")
input(type="imptcp" port="0" address="127.0.0.1" listenPortFileName="$WORK/port" ruleset="r")
input(type="imudp" port="$udp_port" address="127.0.0.1" ruleset="r")
template(name="h" type="list") {
	constant(value="{\"in\":\"") property(name="inputname")
	constant(value="\",\"all\":") property(name="\$!all-json")
	constant(value="}\n")
}
ruleset(name="r" queue.type="LinkedList" queue.size="100000") {
	action(type="mmnetfilter" container="\$!nf")
	action(type="mmnetfilter" schema="ecs" container="\$!ecs")
	action(type="omfile" file="$WORK/out.jsonl" template="h")
}
CONF
} > "$WORK/rsyslog.conf"

start_rsyslogd "$WORK/rsyslog.conf"
wait_file "$WORK/port"
python3 - "$(cat "$WORK/port")" "$udp_port" "$WORK/hostile.bin" "$WORK/sent" "$WORK/out.jsonl" <<'PY'
import os, socket, sys, time
tcp_port, udp_port, path, sent, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
def written():
    try:
        with open(out, "rb") as f:
            return sum(1 for _ in f)
    except FileNotFoundError:
        return 0
def catch_up(n, secs=120):  # flow control for UDP: the receiver (maybe under valgrind) keeps up
    t = time.time() + secs
    while written() < n and time.time() < t:
        time.sleep(0.05)
lines = open(path, "rb").read().split(b"\n")[:-1]
head = b"<4>Nov 29 03:00:00 fw kernel: "
ntcp = nudp = 0
with socket.create_connection(("127.0.0.1", tcp_port), timeout=30) as t:
    for l in lines:   # octet-counted framing: "<length> <message>"
        m = head + l
        t.sendall(b"%d " % len(m) + m)
        ntcp += 1
catch_up(ntcp)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for l in lines:
    if len(l) <= 8000:  # UDP: the datagrams a router sends, 20 at a time once rsyslogd caught up
        u.sendto(head + l, ("127.0.0.1", udp_port))
        nudp += 1
        if nudp % 20 == 0:
            catch_up(ntcp + nudp)
open(sent, "w").write(f"{ntcp} {nudp}\n")
PY
read ntcp nudp < "$WORK/sent"
wait_lines "$WORK/out.jsonl" $((ntcp + nudp)) 120
sleep 0.5
stop_rsyslogd

python3 - "$WORK/out.jsonl" "$ntcp" "$nudp" "$top_srcdir" <<'PY' || fail "hostile corpus"
import collections, json, os, sys
out, ntcp, nudp, top = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
sys.path.insert(0, os.path.join(top, "tests", "es"))
from esmock import validate
props = json.load(open(os.path.join(top, "contrib", "elasticsearch", "netfilter-index-template.json")))["template"]["mappings"]["properties"]
bad, per_in, recs, repaired, ecs = [], collections.Counter(), 0, 0, 0
for i, raw in enumerate(open(out, "rb"), 1):
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        bad.append(f"line {i}: not UTF-8: {e}"); continue
    dups = []
    def hook(pairs):
        keys = [k for k, _ in pairs]
        dups.extend(k for k in set(keys) if keys.count(k) > 1)
        return dict(pairs)
    try:
        d = json.loads(text, object_pairs_hook=hook)
    except ValueError as e:
        bad.append(f"line {i}: not JSON: {e}"); continue
    if dups:
        bad.append(f"line {i}: duplicate members {sorted(set(dups))}")
    per_in[d["in"]] += 1
    nf, e = d["all"].get("nf"), d["all"].get("ecs")
    if nf is not None:
        recs += 1
        repaired += bool(nf.get("utf8_repaired"))
    if (nf is None) != (e is None):
        bad.append(f"line {i}: native and ECS disagree on being a record")
    if e is not None:
        ecs += 1
        if len(e.get("event", {}).get("id", "")) != 40:
            bad.append(f"line {i}: no 40-hex event.id")
        err = validate(e, props)
        if err:
            bad.append(f"line {i}: ECS refused: {err[0]}: {err[1][:200]}")
if per_in["imptcp"] != ntcp or per_in["imudp"] != nudp:
    bad.append(f"in: imptcp {ntcp}, imudp {nudp}; out: {dict(per_in)}")
for b in bad[:10]:
    print("  " + b)
print(f"hostile: imptcp {ntcp} in / {per_in['imptcp']} out, imudp {nudp} in / {per_in['imudp']} out; {recs} records "
      f"({repaired} with utf8_repaired), {ecs} ECS documents accepted by the template unless listed; {len(bad)} problems")
sys.exit(1 if bad else 0)
PY
echo "PASS $TEST_NAME"
