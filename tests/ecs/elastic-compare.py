#!/usr/bin/env python3
"""Our ECS documents against Elastic's iptables integration's expected documents, field by
field, for every field Elastic sets, except the documented deviations below (and GeoIP/AS
data, which come from Elastic's test databases, not from the line).
Usage: elastic-compare.py NFPARSE GOLDEN_DIR [DOCS_FROM_RSYSLOG]
With DOCS_FROM_RSYSLOG (JSON lines, one document per corpus line in corpus order, as the module
wrote them with schema="ecs"), those are compared instead of nfparse's."""
import ipaddress, json, subprocess, sys

nfparse, golden = sys.argv[1], sys.argv[2]
from_rs = open(sys.argv[3]).read().splitlines() if len(sys.argv) > 3 else None
# fields that are not about the log line: pipeline metadata, GeoIP, the syslog envelope
IGNORE_PREFIX = ("@timestamp", "event.created", "event.original", "tags", "log.", "source.geo", "source.as",
                 "destination.geo", "destination.as", "ecs.version", "message")
# documented deviations (doc/elasticsearch.md): where Elastic is wrong, or reads the syslog envelope
DEVIATIONS = {
    # a MAC= longer than 14 bytes (VLAN device): Elastic takes the last two bytes as the EtherType
    ("iptables.ether_type", "MAC=90:10:92:6e:ea:a7:90:10:73:ba:d6:77:08:00:45:fc:02:1c"): "bytes 13-14 are the EtherType (0x0800); Elastic reads 0x021c",
    # the tag "DENY:" is the syslog tag in rsyslog, not the log prefix: no action can be read from the prefix
    ("event.action", "DENY: IN=eth0"): "syslog tag, not the kernel prefix",
    ("event.type", "DENY: IN=eth0"): "syslog tag, not the kernel prefix",
    # ICMP printed as a number with no TYPE/CODE: Elastic hashes it as type 0 (echo reply)
    ("network.community_id", "PROTO=1\n"): "no ICMP type on the line: no flow to hash",
    # a router's split line starting "L=126" or "TL=126": Elastic takes it for TTL=126
    ("iptables.ttl", " L=126"): "a cut token is not guessed",
    ("iptables.ttl", ": L=126"): "a cut token is not guessed",
    ("iptables.ttl", ": TL=126"): "a cut token is not guessed",
    # an ICMP echo id of 98765 in a vendor line: the field is 16 bits, the value goes to "invalid"
    ("iptables.icmp.id", "ID=98765"): "out of the field's 16-bit range: not a value",
}

def same_ip(a, b):
    """Elastic keeps the kernel's fully expanded IPv6 form; we write the canonical one"""
    try:
        if isinstance(a, list) and isinstance(b, list):
            return len(a) == len(b) and all(same_ip(x, y) for x, y in zip(a, b))
        return ipaddress.ip_address(a) == ipaddress.ip_address(b)
    except (ValueError, TypeError):
        return False

def flat(d, pre=""):
    out = {}
    for k, v in d.items():
        key = f"{pre}{k}"
        if isinstance(v, dict):
            out.update(flat(v, key + "."))
        else:
            out[key] = v
    return out

total = equal = dev = 0
bad = []
for log, exp in (("elastic/test-iptables-raw.log", "elastic/test-iptables-raw.log-expected.json"),
                 ("elastic/test-ubiquiti.log", "elastic/test-ubiquiti.log-expected.json")):
    lines = open(f"{golden}/{log}").read().splitlines()
    expected = json.load(open(f"{golden}/{exp}"))["expected"]
    if from_rs is not None:
        out, from_rs = from_rs[:len(lines)], from_rs[len(lines):]
    else:
        out = subprocess.run([nfparse, "-e", "-a", f"{golden}/{log}"], capture_output=True, text=True, check=True).stdout.splitlines()
    assert len(out) == len(lines) == len(expected), (log, len(out), len(lines), len(expected))
    for i, (line, o, e) in enumerate(zip(lines, out, expected), 1):
        doc = (json.loads(o) if o.strip() else None) or {}
        if from_rs is not None and doc.get("@timestamp") is not None:
            import re
            if not re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)$", doc["@timestamp"]):
                bad.append(f"{log}:{i}: @timestamp {doc['@timestamp']!r} is not RFC 3339 with an offset")
        ours = flat(doc)
        for k, v in flat(e).items():
            if k.startswith(IGNORE_PREFIX):
                continue
            total += 1
            got = ours.get(k, "<absent>")
            if got == v:
                equal += 1
                continue
            why = next((w for (f, frag), w in DEVIATIONS.items() if f == k and frag in line + "\n"), None)
            if why is None and (k.endswith(".ip") or k == "related.ip") and same_ip(got, v):
                why = "canonical IPv6 text form"
            if why:
                dev += 1
                continue
            bad.append(f"{log}:{i}: {k}: ours {got!r}, Elastic {v!r}")
for b in bad:
    print("  " + b)
print(f"elastic-compare: {total} Elastic fields compared: {equal} equal, {dev} documented deviations, {len(bad)} wrong")
print(f"{equal + dev} passed, {len(bad)} failed")
sys.exit(1 if bad else 0)
