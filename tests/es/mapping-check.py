#!/usr/bin/env python3
"""No member twice in an object, and every field the ECS emitter produces is mapped in the shipped index template, with a
matching type: ECS documents for every corpus line (golden files, hostile lines, the sample)
checked with the test endpoint's own validator. And the other way round: every field the
template maps is produced by some corpus line (so template and emitter cannot drift apart).
Usage: mapping-check.py NFPARSE TOP_SRCDIR"""
import glob, json, os, subprocess, sys
nfparse, top = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.join(top, "tests", "es"))
from esmock import validate

tpl = json.load(open(os.path.join(top, "contrib", "elasticsearch", "netfilter-index-template.json")))
props = tpl["template"]["mappings"]["properties"]

def leaves(p, pre=""):
    for k, v in p.items():
        if "properties" in v:
            yield from leaves(v["properties"], pre + k + ".")
        else:
            yield pre + k

def paths(d, pre=""):
    for k, v in d.items():
        if isinstance(v, dict):
            yield from paths(v, pre + k + ".")
        else:
            yield pre + k

runs = [(["-e", "-a"], f) for f in sorted(glob.glob(os.path.join(top, "tests", "golden", "*", "*.log")))]
runs += [(["-e", "-a", "-m"], os.path.join(top, "tests", "data", "hostile.log")),
         (["-e", "-a"], os.path.join(top, "contrib", "sample", "kern.log"))]
# records resolved against ruleset snapshots: the rule.* and iptables.rule.* fields
ex, rd = os.path.join(top, "tests", "explain"), os.path.join(top, "tests", "data", "resolve")
runs += [(["-e", "-a", "--iptables-rules", os.path.join(top, "tests", "golden", "seed", "iptables-save-nat.txt")],
          os.path.join(top, "tests", "golden", "seed", "trace-openstack.log")),
         (["-e", "-a", "-m", "--iptables-rules", os.path.join(ex, "xtables", "rules.v4")], os.path.join(ex, "xtables", "monitor.log")),
         (["-e", "-a", "-m", "--nft-rules", os.path.join(ex, "nft", "ruleset-a.nft")], os.path.join(ex, "nft", "monitor-a.log")),
         (["-e", "-a", "-m", "--iptables-rules", os.path.join(ex, "xtables", "rules.v4")], os.path.join(rd, "kernel-log.log")),
         (["-e", "-a", "-m", "--nft-rules", os.path.join(ex, "nft", "ruleset-a.nft")], os.path.join(rd, "kernel-log.log")),
         # ufw's own rules: inferred conntrack states, an ambiguity with its fate
         (["-e", "-a", "-m", "--iptables-rules", os.path.join(rd, "ufw.rules.v4")], os.path.join(rd, "ufw-log.log"))]
seen, docs, bad = set(), 0, []
for opts, f in runs:
    out = subprocess.run([nfparse] + opts + [f], capture_output=True, check=True).stdout.decode("utf-8", "surrogateescape")
    for i, line in enumerate(out.splitlines(), 1):
        dups = []
        def no_dups(pairs, dups=dups):
            keys = [k for k, _ in pairs]
            dups.extend(k for k in set(keys) if keys.count(k) > 1)
            return dict(pairs)
        d = json.loads(line, object_pairs_hook=no_dups)
        if dups:
            bad.append(f"{os.path.relpath(f, top)}:{i}: duplicate members {sorted(set(dups))}")
        if d is None:
            continue
        d.setdefault("@timestamp", "2026-11-27T00:00:00+00:00")  # the module sets it; nfparse has no clock
        docs += 1
        err = validate(d, props)
        if err:
            bad.append(f"{os.path.relpath(f, top)}:{i}: {err[0]}: {err[1]}")
        seen.update(paths(d))
# keywords beyond Lucene's 32,766-byte term limit (D7): a 40 KB prefix, interface name and TCP
# options string are accepted because every keyword has ignore_above; the endpoint refuses
# the same document where a keyword has none
big = ("P" * 40000 + ": IN=" + "e" * 40000 + " OUT= SRC=10.0.0.1 DST=10.0.0.2 LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=1 "
       "PROTO=TCP SPT=1 DPT=2 WINDOW=3 RES=0x00 SYN URGP=0 OPT (" + "01" * 20000 + ") \n")
d = json.loads(subprocess.run([nfparse, "-e", "-m"], input=big.encode(), capture_output=True, check=True).stdout)
d["@timestamp"] = "2026-11-27T00:00:00+00:00"
docs += 1
if validate(d, props):
    bad.append(f"40 KB keywords: {validate(d, props)}")
import copy
strict = copy.deepcopy(props)
def unbound(o):
    if isinstance(o, dict):
        o.pop("ignore_above", None)
        for v in o.values(): unbound(v)
unbound(strict)
if not validate(d, strict) or validate(d, strict)[0] != "illegal_argument_exception":
    bad.append("the endpoint accepts a 40 KB keyword without ignore_above")
def unbounded_keywords(p, pre=""):
    for k, v in p.items():
        if "properties" in v:
            yield from unbounded_keywords(v["properties"], pre + k + ".")
        elif v.get("type") == "keyword" and "ignore_above" not in v:
            yield pre + k
unbounded = list(unbounded_keywords(props))
if unbounded:
    bad.append(f"keywords without ignore_above: {unbounded}")
# fields that need the message's own time (the module has it, nfparse does not): produced and
# checked against the template through a real rsyslogd in tests/e2e/hostile.sh
MODULE_ONLY = {"event.id"}
# enrichment a SIEM adds (the shipped ingest pipeline's GeoIP/ASN, event.module/dataset, host,
# data stream, agent, tags): mapped, so a document carrying it is taken, and typed
ENRICHMENT = {f for f in leaves(props) if f.split(".")[0] in ("host", "data_stream", "agent", "tags")
              or f.startswith(("source.geo.", "destination.geo.", "source.as.", "destination.as."))
              or f in ("event.module", "event.ingested")}
enriched = json.loads(subprocess.run([nfparse, "-e", "-m"], input=open(os.path.join(top, "tests", "data", "prefixes",
        "real-lines.log")).read().splitlines()[4].split("|", 3)[3].encode(), capture_output=True, check=True).stdout)
enriched.update({"@timestamp": "2026-12-04T10:00:00+00:00", "tags": ["ufw"], "host": {"name": "fw1", "ip": ["192.0.2.1"]},
                 "data_stream": {"type": "logs", "dataset": "netfilter", "namespace": "default"}})
enriched["event"].update({"module": "iptables", "dataset": "iptables.log", "ingested": "2026-12-04T10:00:01Z"})
for side in ("source", "destination"):
    enriched[side]["geo"] = {"location": {"lat": 52.5, "lon": 13.4}, "country_iso_code": "DE", "city_name": "Berlin"}
    enriched[side]["as"] = {"number": 64496, "organization": {"name": "Example AS"}}
docs += 1
if validate(enriched, props):  # everything mapped: taken even by a strict reading
    bad.append(f"an enriched document: {validate(enriched, props)}")
dyn = tpl["template"]["mappings"].get("dynamic", True)
extra = dict(enriched, labels={"site": "berlin"})
if validate(extra, props, "", dyn):  # a field nobody mapped: the template takes it (dynamic)
    bad.append(f"a document with an unmapped enrichment field: {validate(extra, props, '', dyn)}")
wrong = json.loads(json.dumps(enriched)); wrong["iptables"]["no_such_field"] = 1
if not validate(wrong, props, "", dyn):  # our own namespace stays exact
    bad.append("iptables.* takes a field the emitter does not write (it must stay strict)")
# the shipped ingest pipeline: processors Elasticsearch has, writing fields the template maps
pipe = json.load(open(os.path.join(top, "contrib", "elasticsearch", "netfilter-ingest-pipeline.json")))
mapped = set(leaves(props))
for pr in pipe["processors"]:
    (kind, conf), = pr.items()
    if kind not in ("set", "geoip", "rename"):
        bad.append(f"ingest pipeline: processor {kind} is not one this check knows")
    target = conf.get("target_field", conf.get("field"))
    if kind == "geoip":
        if not any(f.startswith(target + ".") for f in mapped):
            bad.append(f"ingest pipeline: {target}.* is not mapped")
    elif kind != "geoip" and target not in mapped and not target.startswith(("source.as.", "destination.as.")):
        bad.append(f"ingest pipeline: {target} is not mapped")
    elif kind == "rename" and target not in mapped:
        bad.append(f"ingest pipeline: {target} is not mapped")
unproduced = sorted(set(leaves(props)) - seen - MODULE_ONLY - ENRICHMENT)
for b in bad:
    print("  " + b)
for u in unproduced:
    print(f"  mapped but never produced by the corpus: {u}")
print(f"mapping-check: {docs} ECS documents, {len(seen)} distinct fields, all checked against the template: "
      f"{len(bad)} rejected; {len(unproduced)} mapped fields never produced")
print(f"{docs - len(bad)} passed, {len(bad) + len(unproduced)} failed")
sys.exit(1 if bad or unproduced else 0)
