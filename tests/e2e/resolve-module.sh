#!/bin/bash
# The module resolves exactly as nfparse does (same core): kernel TRACE lines of the seed case,
# LOG lines, xtables-monitor and nft monitor captures, with all three snapshot parameters,
# over imptcp; every record's container equal to nfparse's document for the same message and
# host. resolve-module-vg.sh runs it under valgrind.
. "$(dirname "$0")/lib.sh"

ex=$top_srcdir/tests/explain
v4=$top_srcdir/tests/explain/xtables/rules.v4
nft=$top_srcdir/tests/explain/nft/ruleset-a.nft
seed=$top_srcdir/tests/golden/seed/iptables-save-nat.txt
# messages with a syslog header naming the host, as a router or a monitor unit would send them
{
	sed 's/^/<4>/' "$top_srcdir/tests/golden/seed/trace-openstack.log"
	for f in "$ex/xtables/monitor.log" "$ex/nft/monitor-a.log" "$top_srcdir/tests/data/resolve/kernel-log.log"; do
		sed 's/^/<4>Nov 29 03:24:31 fw1 kernel: /' "$f"
	done
} > "$WORK/input.log"
nin=$(wc -l < "$WORK/input.log")

{ conf_head; out_template; cat <<CONF
module(load="imptcp")
input(type="imptcp" port="0" listenPortFileName="$WORK/port" ruleset="r")
ruleset(name="r") {
	action(type="mmnetfilter" iptablesRules="$v4" ip6tablesRules="$seed" nftRules="$nft")
	action(type="omfile" file="$WORK/out.jsonl" template="nfjson")
}
CONF
} > "$WORK/rsyslog.conf"

start_rsyslogd "$WORK/rsyslog.conf"
send_tcp "$WORK/port" "$WORK/input.log"
wait_lines "$WORK/out.jsonl" "$nin" 120
stop_rsyslogd

python3 - "$WORK/out.jsonl" "$NFPARSE" "$v4" "$seed" "$nft" <<'PY' || fail "module and nfparse disagree"
import json, subprocess, sys
out = [json.loads(l) for l in open(sys.argv[1])]
nf, v4, v6, nft = sys.argv[2:6]
bad = resolved = unresolved = 0
hosts = ["openstack-network"] * 13 + ["fw1"] * (len(out) - 13)  # one worker: output in input order
for o, host in zip(out, hosts):
    want = subprocess.run([nf, "-m", "--host", host, "--iptables-rules", v4, "--ip6tables-rules", v6,
                           "--nft-rules", nft], input=o["msg"] + "\n", capture_output=True, text=True).stdout
    want = json.loads(want) if want.strip() else None
    got = o["all"].get("netfilter")
    if got != want:
        bad += 1
        if bad < 4: print("differs:", o["msg"][:100], "\n got ", json.dumps(got)[:300], "\n want", json.dumps(want)[:300])
    if got and "rule" in got:
        resolved += "unresolved" not in got["rule"]; unresolved += "unresolved" in got["rule"]
print(f"resolve-module: {len(out)} records, {resolved} resolved, {unresolved} unresolved, {bad} differ from nfparse")
sys.exit(1 if bad or resolved == 0 else 0)
PY
echo "PASS $TEST_NAME"
