#!/bin/sh
# Prefix rules (src/enrich/prefixrules.c) through nfparse: every real line of
# tests/data/prefixes/real-lines.log gives its ECS event.action, rule.name and rule.ruleset with
# the shipped contrib/prefix-rules/netfilter.prefixes (built-in conventions included); native
# records carry prefix_rule; a site's rule wins over a built-in one; a bad rules file is refused
# with its file and line.
s=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
b=${top_builddir:-$s}
exec python3 - "$b/nfparse" "$s/contrib/prefix-rules/netfilter.prefixes" "$s/tests/data/prefixes/real-lines.log" <<'PY'
import json, os, subprocess, sys, tempfile
tool, rules, data = sys.argv[1:4]
bad = n = 0
def ecs(line, rules_file, native=False):
    r = subprocess.run([tool] + ([] if native else ["-e"]) + (["--prefix-rules", rules_file] if rules_file else []), input=line + "\n",
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(r.stderr)
    return json.loads(r.stdout)
for line in open(data):
    line = line.rstrip("\n")
    if not line or line.startswith("#"):
        continue
    n += 1
    act, name, ruleset, text = line.split("|", 3)
    # the shipped file loaded, and built in (no --prefix-rules): the same answer
    for rf in (rules, None):
        d = ecs(text, rf)
        got = (d.get("event", {}).get("action", "-"), d.get("rule", {}).get("name", "-"), d.get("rule", {}).get("ruleset", "-"))
        if got != (act, name, ruleset):
            bad += 1
            print(f"FAIL {text[:70]} ({'loaded' if rf else 'built in'}): got {got}, want {(act, name, ruleset)}")
# native: the matching rule, its tags and line
with tempfile.TemporaryDirectory() as t:
    site = os.path.join(t, "site.prefixes")
    open(site, "w").write('# a site\n"[UFW {what}]"  action=ufw_{what} type=denied rule.name="ufw {what}" tag=site tag=ufw\n'
                          '"[fw-{zone:word}-deny]" action=deny type=denied rule.name="{zone}" rule.ruleset=site\n')
    n += 2
    line = "[fw-wan-deny] IN=eth0 OUT= SRC=192.0.2.1 DST=192.0.2.2 LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=1 PROTO=TCP SPT=1 DPT=2 WINDOW=1 RES=0x00 SYN URGP=0"
    nat = ecs(line, site, native=True)
    want = {"action": "deny", "type": "denied", "rule_name": "wan", "ruleset": "site", "line": 3}
    if nat.get("prefix_rule") != want:
        bad += 1; print(f"FAIL native prefix_rule: {nat.get('prefix_rule')}, want {want}")
    d = ecs("[UFW BLOCK] " + line[line.index("IN="):], site)  # the site's rule wins over the built-in one
    if (d["event"].get("action"), d.get("tags"), d.get("rule", {}).get("name")) != ("ufw_block", ["site", "ufw"], "ufw BLOCK"):
        bad += 1; print(f"FAIL site rule over built-in: {d['event'].get('action')} {d.get('tags')} {d.get('rule')}")
    # mistakes: refused, naming file and line
    for text, msg in (('"x" colour=red', ":1: unknown key"), ('x action=drop', ":1: a rule starts with its \"pattern\""),
                      ('# c\n"{a" action=drop', ":2: unclosed '{' in pattern"), ('"a" rule.name="{b}"', ":1: no capture of that name"),
                      ('"{a:hex}"', ":1: capture kind is num or word"), ('"a" type=maybe', ":1: type is allowed, denied or none"),
                      ('"a" tag=1 tag=2 tag=3 tag=4 tag=5', ":1: more than 4 tags"), ('"a', ":1: unclosed '\"'"),
                      ('"{a:x||y}"', ":1: capture kind is num or word, or words a|b"),
                      ('"a" vendor=cisco', ":1: vendor is ubiquiti"), ('"a" glued=no', ":1: glued is yes")):
        n += 1
        f = os.path.join(t, "bad.prefixes")
        open(f, "w").write(text + "\n")
        r = subprocess.run([tool, "--prefix-rules", f, "/dev/null"], capture_output=True, text=True)
        if r.returncode != 2 or f"nfparse: --prefix-rules: {f}{msg}" not in r.stderr:
            bad += 1; print(f"FAIL bad rules {text!r}: exit {r.returncode}: {r.stderr.strip()}")
lines = open(data).read().splitlines()
conv = sum(1 for i, l in enumerate(lines) if l and not l.startswith("#") and i > 0 and lines[i - 1].startswith("#"))
print(f"prefix-rules: {n} cases (real lines from {conv} sources, native, precedence, 11 mistakes)")
print(f"{n - bad} passed, {bad} failed")
sys.exit(1 if bad else 0)
PY
