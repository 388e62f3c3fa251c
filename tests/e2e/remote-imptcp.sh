#!/bin/bash
# Remote firewalls over TCP syslog (imptcp): rsyslog parses the syslog header, mmnetfilter
# finds the record in the message part, wherever the prefix ends. Two actions with other
# containers ($!fw and the local $.nf) show the container parameter. Explicit field checks.
. "$(dirname "$0")/lib.sh"

cat > "$WORK/input.log" <<'LINES'
<4>Jan  5 20:17:05 MainFirewall kernel: [LAN_LOCAL-default-A]IN=eth0.90 OUT= MAC=90:10:92:6e:ea:a7:90:10:73:ba:d6:77:08:00:45:fc:02:1c SRC=192.168.48.137 DST=81.2.69.143 LEN=540 TOS=0x1C PREC=0xE0 TTL=64 ID=27223 PROTO=UDP SPT=48689 DPT=48689 LEN=520 
<4>Apr 18 11:50:23 openstack-network kernel: [1038991.870985] TRACE: nat:quantum-l3-agent-POSTROUTING:rule:1 IN= OUT=br-ex SRC=10.0.0.4 DST=192.168.0.19 LEN=84 TOS=0x00 PREC=0x00 TTL=63 ID=0 DF PROTO=ICMP TYPE=8 CODE=0 ID=28976 SEQ=1 
<4>May 28 17:31:07 myHost kernel: [3125121.106700] Shorewall:net2fw:DROP:IN=eth1 OUT= MAC=00:02:b3:c7:2f:77:38:72:c0:6e:92:9c:08:00 SRC=1.2.3.4 DST=1.2.3.5 LEN=60 TOS=0x00 PREC=0x00 TTL=49 ID=6480 DF PROTO=TCP SPT=59088 DPT=8080 WINDOW=2920 RES=0x00 SYN URGP=0
<4>Jan 22 09:05:05 ubuntu-bionic kernel: [16571.459614] IN= OUT=lo SRC=2001:0db8:0000:0000:0000:0000:0000:0001 DST=2001:0db8:0000:0000:0000:0000:0000:0002 LEN=104 TC=0 HOPLIMIT=64 FLOWLBL=868225 PROTO=ICMPv6 TYPE=128 CODE=0 ID=3427 SEQ=1 
<4>Jan  8 03:37:09 fw kernel: DENY: IN=eth0 OUT= MAC=90:10:28:5f:62:24:90:10:18:5a:89:2a:08:00 SRC=192.168.2.71 DST=192.168.2.83 LEN=88 TOS=0x00 PREC=0x00 TTL=118 ID=21684 PROTO=ICMP TYPE=3 CODE=3 [SRC=192.168.2.83 DST=192.168.173.191 LEN=60 TOS=0x00 PREC=0x00 TTL=54 ID=0 DF PROTO=UDP SPT=21458 DPT=62936 LEN=40 ] 
<4>May  5 20:46:46 My-Office-Gateway kernel: L=126 ID=8698 DF PROTO=TCP SPT=88 DPT=51179 WINDOW=2053 RES=0x00 ACK URGP=0
<13>Nov 27 00:00:01 host sshd[123]: Accepted publickey for root from 192.0.2.1 port 22 ssh2
LINES
nin=$(wc -l < "$WORK/input.log")

{ conf_head; cat <<CONF
module(load="imptcp")
input(type="imptcp" port="0" listenPortFileName="$WORK/port" ruleset="r")
template(name="three" type="list") {
	constant(value="{\"msg\":\"") property(name="msg" format="json")
	constant(value="\",\"ok\":\"") property(name="parsesuccess")
	constant(value="\",\"all\":") property(name="\$!all-json")
	constant(value=",\"local\":{\"nf\":\"") property(name="\$.nf" format="json")
	constant(value="\"}}\n")
}
ruleset(name="r") {
	action(type="mmnetfilter")
	action(type="mmnetfilter" container="\$!fw")
	action(type="mmnetfilter" container="\$.nf")
	action(type="omfile" file="$WORK/out.jsonl" template="three")
}
CONF
} > "$WORK/rsyslog.conf"

start_rsyslogd "$WORK/rsyslog.conf"
send_tcp "$WORK/port" "$WORK/input.log"
wait_lines "$WORK/out.jsonl" "$nin"
stop_rsyslogd

python3 - "$WORK/out.jsonl" <<'PY' || fail "wrong fields"
import json, sys
out = [json.loads(l) for l in open(sys.argv[1])]
checks = [
    ("OK", {"type": "log", "prefix": "[LAN_LOCAL-default-A]", "in": "eth0.90", "ip.len": 540, "udp.len": 520,
            "ip.tos": 0x1c, "ip.prec": 0xe0, "mac.ethertype": 2048, "mac.raw": "90:10:92:6e:ea:a7:90:10:73:ba:d6:77:08:00:45:fc:02:1c"}),
    ("OK", {"type": "trace", "trace.table": "nat", "trace.chain": "quantum-l3-agent-POSTROUTING", "trace.type": "rule",
            "trace.rulenum": 1, "ip.id": 0, "icmp.id": 28976, "icmp.seq": 1, "ip.flags": ["DF"], "out": "br-ex"}),
    ("OK", {"prefix": "Shorewall:net2fw:DROP:", "tcp.flags": ["SYN"], "tcp.dpt": 8080, "ip.src": "1.2.3.4"}),
    ("OK", {"ip.version": 6, "ip.src": "2001:db8::1", "ip.flowlbl": 868225, "icmpv6.type": 128, "icmpv6.id": 3427}),
    ("OK", {"prefix": "DENY: ", "icmp.type": 3, "icmp.inner.ip.src": "192.168.2.83", "icmp.inner.udp.len": 40,
            "ip.len": 88, "ip.id": 21684, "icmp.inner.ip.id": 0}),
    ("OK", {"type": "fragment", "ip.id": 8698, "tcp.spt": 88, "unknown": ["L=126"]}),
    ("FAIL", None),
]
def get(d, path):
    for k in path.split("."):
        if not isinstance(d, dict) or k not in d: return KeyError(path)
        d = d[k]
    return d
bad = 0
assert len(out) == len(checks), (len(out), len(checks))
for i, (o, (ok, want)) in enumerate(zip(out, checks), 1):
    errs = []
    if o["ok"] != ok: errs.append(f"parsesuccess {o['ok']}")
    nf, fw = o["all"].get("netfilter"), o["all"].get("fw")
    local = json.loads(o["local"]["nf"]) if o["local"]["nf"] else None
    if want is None:
        if nf or fw or local: errs.append("container set on a non-record")
    else:
        if nf != fw or json.dumps(nf, sort_keys=True) != json.dumps(local, sort_keys=True):
            errs.append("containers $!netfilter, $!fw, $.nf differ")
        for k, v in want.items():
            if get(nf, k) != v: errs.append(f"{k}={get(nf, k)!r}, want {v!r}")
    if errs:
        bad += 1; print(f"line {i}: " + "; ".join(errs))
print(f"remote-imptcp: {len(out)} messages, {len(checks) - bad} right")
sys.exit(1 if bad else 0)
PY
echo "PASS $TEST_NAME"
