#!/bin/sh
# `nfparse explain` golden tests: each case of tests/explain/cases run in tests/explain, the
# text compared line by line with <name>.txt and the --json output document by document
# (semantic equality) with <name>.json. Inputs are real captures (seed: the admin's case;
# xtables/ and nft/: xtables-monitor --trace and nft monitor trace on Debian 12 with the
# rulesets saved beside them). `run.sh --update` rewrites the expectations (review the diff).
s=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
b=${top_builddir:-$s}
exec python3 - "$s/tests/explain" "$b/nfparse" "${1:-}" <<'PY'
import json, os, shlex, subprocess, sys
root, tool, update = sys.argv[1], sys.argv[2], sys.argv[3] == "--update"
bad = n = 0
for line in open(os.path.join(root, "cases")):
    if not line.strip() or line.startswith("#"):
        continue
    name, args = (x.strip() for x in line.split("|", 1))
    args = shlex.split(args)
    for mode, ext in (([], ".txt"), (["--json"], ".json")):
        n += 1
        try:  # a walk's analysis is linear in the ruleset: minutes mean a search gone exponential
            r = subprocess.run([tool, "explain"] + mode + args, cwd=root, capture_output=True, text=True, timeout=120)
        except subprocess.TimeoutExpired:
            print(f"FAIL {name}{ext}: no answer within 120 s"); bad += 1; continue
        exp_path = os.path.join(root, name + ext)
        if r.returncode != 0:
            print(f"FAIL {name}{ext}: exit {r.returncode}: {r.stderr.strip()}"); bad += 1; continue
        if update:
            open(exp_path, "w").write(r.stdout)
        want = open(exp_path).read()
        if ext == ".json":
            got_d = [json.loads(l) for l in r.stdout.splitlines()]
            want_d = [json.loads(l) for l in want.splitlines()]
            ok = got_d == want_d
        else:
            ok = r.stdout == want
        if not ok:
            bad += 1
            print(f"FAIL {name}{ext}")
            import difflib
            sys.stdout.writelines(difflib.unified_diff(want.splitlines(True), r.stdout.splitlines(True), "expected", "got"))
print(f"explain: {n // 2} cases, text and JSON")
print(f"{n - bad} passed, {bad} failed")
sys.exit(1 if bad else 0)
PY
