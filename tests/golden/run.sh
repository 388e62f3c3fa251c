#!/bin/sh
# Golden tests: every tests/golden/*/*.log through `nfparse -a`, compared document by
# document (semantic JSON equality, one line out per line in) with the .json beside it.
# Expected files were checked by hand against the kernel format; `run.sh --update` rewrites
# them from the current output (review the diff before committing).
s=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
b=${top_builddir:-$s}
update=${1:-}
exec python3 - "$s/tests/golden" "$b/nfparse" "$update" <<'PY'
import glob, json, os, subprocess, sys
root, tool, update = sys.argv[1], sys.argv[2], sys.argv[3] == "--update"
files = sorted(glob.glob(os.path.join(root, "*", "*.log")))
bad = docs = records = 0
for log in files:
    out = subprocess.run([tool, "-a", log], check=True, capture_output=True, text=True).stdout.splitlines()
    nin = sum(1 for _ in open(log, encoding="utf-8", errors="surrogateescape"))
    exp_path = log[:-4] + ".json"
    if update:
        open(exp_path, "w").write("\n".join(out) + "\n")
    if not os.path.exists(exp_path):
        print(f"FAIL {log}: no expected file {exp_path}"); bad += 1; continue
    exp = open(exp_path).read().splitlines()
    if len(out) != nin or len(exp) != nin:
        print(f"FAIL {log}: {nin} lines in, {len(out)} out, {len(exp)} expected"); bad += 1; continue
    for i, (o, e) in enumerate(zip(out, exp), 1):
        docs += 1
        got, want = json.loads(o), json.loads(e)
        records += got is not None
        if got != want:
            bad += 1
            print(f"FAIL {os.path.relpath(log, root)}:{i}\n  got:  {json.dumps(got, sort_keys=True)}\n  want: {json.dumps(want, sort_keys=True)}")
print(f"golden: {len(files)} files, {docs} lines, {records} records")
print(f"{docs - bad} passed, {bad} failed")
sys.exit(1 if bad else 0)
PY
