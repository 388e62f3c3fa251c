#!/bin/bash
# A central server resolving each firewall's lines against that firewall's own snapshots
# (rulesDir=DIR: DIR/<host>/rules.v4 ...): two routers with different nat tables send the
# same traced walk over TCP syslog; each walk's decisive step names its own host's rule. A
# third host without a directory falls back to the action's iptablesRules; a fourth host's
# directory changes while rsyslogd runs and its new snapshot is used.
. "$(dirname "$0")/lib.sh"

seed=$top_srcdir/tests/golden/seed
for v in 1 2 3 4; do
	case $v in 1) ifc=qg-91757ded-c4 ;; 2) ifc=qg-22222222-c4 ;; 3) ifc=qg-33333333-c4 ;; 4) ifc=qg-44444444-c4 ;; esac
	sed "s/! -i qg-91757ded-c4 ! -o qg-91757ded-c4 -m conntrack/! -i $ifc ! -o $ifc -m conntrack/" \
		"$seed/iptables-save-nat.txt" > "$WORK/v$v"
done
mkdir -p "$WORK/hosts/fw-a" "$WORK/hosts/fw-b" "$WORK/hosts/fw-d"
cp "$WORK/v1" "$WORK/hosts/fw-a/rules.v4"
cp "$WORK/v2" "$WORK/hosts/fw-b/rules.v4"
cp "$WORK/v1" "$WORK/hosts/fw-d/rules.v4"
: > "$WORK/hosts/fw-b/rules.v6" # fw-b has no IPv6 rules: an empty file

{ conf_head; cat <<CONF
module(load="imptcp")
input(type="imptcp" port="0" listenPortFileName="$WORK/port" ruleset="r")
template(name="rule" type="list") {
	constant(value="{\"host\":\"") property(name="hostname") constant(value="\",\"nf\":")
	property(name="\$!netfilter") constant(value="}\n")
}
ruleset(name="r") {
	action(type="mmnetfilter" rulesDir="$WORK/hosts" iptablesRules="$WORK/v3")
	action(type="omfile" file="$WORK/out.jsonl" template="rule")
}
CONF
} > "$WORK/rsyslog.conf"

sent=0
send() { # send HOST...: the seed's 13-line walk from each host, as its syslog would send it
	python3 - "$(cat "$WORK/port")" "$seed/trace-openstack.log" "$@" <<'PY'
import socket, sys
walk = [l.rstrip("\n").split(" kernel: ", 1)[1] for l in open(sys.argv[2]) if l.strip()]  # the message text
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30) as s:
    for host in sys.argv[3:]:
        s.sendall("".join(f"<4>Dec  4 20:00:00 {host} kernel: {l}\n" for l in walk).encode())
PY
	sent=$((sent + 13 * $#))
}
verdicts() { # verdicts FROM: per host, the interface named by the rule of the walk's end
	tail -n "+$1" "$WORK/out.jsonl" | python3 -c '
import collections, json, sys
c = collections.Counter()
for l in sys.stdin:
    d = json.loads(l); nf = d["nf"]
    if nf["trace"]["chain"] == "quantum-l3-agent-POSTROUTING":
        r = nf.get("rule", {})
        c[d["host"] + ":" + (r["text"].split()[4] if "text" in r else "unresolved")] += 1
print(" ".join(f"{k}={v}" for k, v in sorted(c.items())))'
}

start_rsyslogd "$WORK/rsyslog.conf"
wait_file "$WORK/port"
send fw-a fw-b fw-c fw-d; wait_lines "$WORK/out.jsonl" $sent
got=$(verdicts 1)
want="fw-a:qg-91757ded-c4=1 fw-b:qg-22222222-c4=1 fw-c:qg-33333333-c4=1 fw-d:qg-91757ded-c4=1"
[ "$got" = "$want" ] || fail "per-host resolution: got '$got', want '$want'"
echo "  each host's own snapshot: $got"

# fw-d's snapshot is rewritten (as an edge's push would): used once loaded in the background
cp "$WORK/v4" "$WORK/hosts/fw-d/rules.v4.new" && mv "$WORK/hosts/fw-d/rules.v4.new" "$WORK/hosts/fw-d/rules.v4"
sleep 1.2
n0=$((sent + 1))
for i in $(seq 1 50); do
	send fw-d; wait_lines "$WORK/out.jsonl" $sent
	[ "$(verdicts $((sent - 12)))" = "fw-d:qg-44444444-c4=1" ] && break
	sleep 0.2
done
[ "$(verdicts $((sent - 12)))" = "fw-d:qg-44444444-c4=1" ] || fail "fw-d's new snapshot was not used: $(verdicts $n0)"
n1=$((sent + 1)); send fw-a fw-b; wait_lines "$WORK/out.jsonl" $sent
got=$(verdicts $n1)
[ "$got" = "fw-a:qg-91757ded-c4=1 fw-b:qg-22222222-c4=1" ] || fail "the others changed with fw-d: $got"
echo "  fw-d's snapshot replaced: used after $(( (sent - n0 + 1) / 13 - 1 )) walk(s); fw-a and fw-b unchanged"
stop_rsyslogd
[ "$(wc -l < "$WORK/out.jsonl")" = "$sent" ] || fail "$sent sent, $(wc -l < "$WORK/out.jsonl") written"
echo "rules-per-host: $sent records from 4 hosts, each resolved against its own snapshots (or the action's)"
echo "PASS $TEST_NAME"
