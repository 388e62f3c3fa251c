#!/bin/sh
# The core's layout (doc/development.md, "Layout") holds: every source of src/ is in a stage folder (but
# src/nfp.h, the record every stage shares), and the stages call one way only,
#   parse -> rules -> enrich -> state -> emit
# a file may include the headers of its own and earlier stages, and each object of libnfp.a
# may use only symbols defined in its own or earlier stages (nm of the built archive). The
# command-line tool has no cycle: tools/input.c uses nothing of nfparse.c or explain.c, and
# explain.c nothing of nfparse.c. No function of src/ is longer than 150 lines.
s=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
b=${top_builddir:-$s}
exec python3 - "$s" "$b" <<'PY'
import glob, os, re, subprocess, sys
src, build = sys.argv[1], sys.argv[2]
order = ["parse", "rules", "enrich", "state", "emit"]
bad = []
stage_of = {}  # object base name -> stage
for p in sorted(glob.glob(os.path.join(src, "src", "**", "*"), recursive=True)):
    if os.path.isdir(p) or not p.endswith((".c", ".h", ".def")):
        continue  # build products beside the sources
    rel = os.path.relpath(p, os.path.join(src, "src"))
    parts = rel.split(os.sep)
    if rel == "nfp.h":
        continue
    if len(parts) != 2 or parts[0] not in order:
        bad.append("src/%s: not in a stage folder (%s)" % (rel, ", ".join(order)))
        continue
    st = parts[0]
    if p.endswith(".c"):
        base = parts[1][:-2]
        if base in stage_of:
            bad.append("src/%s: a second %s.c (object names must stay unique)" % (rel, base))
        stage_of[base] = st
    text = open(p, errors="replace").read()
    for inc in re.findall(r'^#include "([^"]+)"', text, re.M):
        t = inc.split("/")[0]
        if t in order and order.index(t) > order.index(st):
            bad.append("src/%s includes %s: %s comes after %s" % (rel, inc, t, st))
    lines = text.split("\n")
    start = None
    for i, l in enumerate(lines):
        if start is None and l.startswith("{") and i > 0:
            m = re.search(r"(\w+)\s*\(", " ".join(lines[max(0, i - 3):i]))
            start, name = i, (m.group(1) if m else "?")
        elif start is not None and l.startswith("}"):
            if i - start > 150:
                bad.append("src/%s:%d %s is %d lines (at most 150)" % (rel, start + 1, name, i - start))
            start = None

def nm(path):
    """{object: (defined symbols, undefined symbols)} of an archive or object"""
    out = subprocess.run(["nm", path], check=True, capture_output=True, text=True).stdout
    objs, cur = {}, os.path.basename(path)
    for l in out.splitlines():
        if l.endswith(":") and " " not in l:
            cur = l[:-1]
            continue
        f = l.split()
        if not f:
            continue
        d, u = objs.setdefault(cur, (set(), set()))
        if len(f) == 3 and f[1] in "TDRBC":
            d.add(f[2])
        elif len(f) == 2 and f[0] == "U":
            u.add(f[1])
    return objs

arch = os.path.join(build, ".libs", "libnfp.a")
if not os.path.exists(arch):
    print("layout: %s not built" % arch)
    sys.exit(1)
objs = nm(arch)
where = {}
for o, (d, _) in objs.items():
    base = re.sub(r"^libnfp_la-", "", o)[:-2]
    if base not in stage_of:
        bad.append("libnfp.a member %s: no source in a stage folder" % o)
        continue
    for sym in d:
        where[sym] = (stage_of[base], base)
checked = 0
for o, (_, u) in objs.items():
    base = re.sub(r"^libnfp_la-", "", o)[:-2]
    if base not in stage_of:
        continue
    st = stage_of[base]
    for sym in sorted(u):
        if sym in where:
            checked += 1
            t, tb = where[sym]
            if order.index(t) > order.index(st):
                bad.append("%s/%s.c uses %s of %s/%s.c: against the pipeline" % (st, base, sym, t, tb))

tools = {}
for name in ("nfparse", "input", "explain"):
    p = os.path.join(build, "tools", "nfparse-%s.o" % name)
    if not os.path.exists(p):
        bad.append("tools/%s.c: object %s not built" % (name, p))
        continue
    tools[name] = list(nm(p).values())[0]
if len(tools) == 3:
    for user, banned in (("input", ("nfparse", "explain")), ("explain", ("nfparse",))):
        for b_ in banned:
            used = tools[user][1] & tools[b_][0]
            if used:
                bad.append("tools/%s.c uses %s of tools/%s.c: a cycle" % (user, ", ".join(sorted(used)), b_))

for m in bad:
    print("layout: " + m)
print("layout: %d stage files, %d cross-file symbol uses checked, %d problems" % (len(stage_of), checked, len(bad)))
sys.exit(1 if bad else 0)
PY
