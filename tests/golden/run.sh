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
# One member per key, everywhere: every document nfparse writes (native and ECS) for the
# golden corpora, the hostile and monitor inputs and every line cut short, with no object
# holding a key twice (json.loads would keep the last one silently)
def unique(pairs):
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("duplicate keys: " + ", ".join(sorted({k for k in keys if keys.count(k) > 1})))
    return dict(pairs)
src = os.path.dirname(root)  # tests/
extra = sorted(glob.glob(os.path.join(src, "data", "*.log")) + glob.glob(os.path.join(src, "data", "*", "*.log")) +
               glob.glob(os.path.join(src, "explain", "*", "*.log")))
cut = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"mnf-golden-cut-{os.getpid()}.log")
with open(cut, "wb") as f:  # every line of the hostile and monitor inputs, cut every 25 bytes
    for x in extra:
        for l in open(x, "rb"):
            l = l.rstrip(b"\n")
            for k in range(0, len(l), 25):
                f.write(l[:k] + b"\n")
dupdocs = 0
for log in files + extra + [cut]:
    for mode in (["-a"], ["-a", "-e"]):
        for i, o in enumerate(subprocess.run([tool] + mode + [log], capture_output=True, text=True, errors="surrogateescape").stdout.splitlines(), 1):
            dupdocs += 1
            try:
                json.loads(o, object_pairs_hook=unique)
            except ValueError as e:
                bad += 1
                print(f"FAIL {os.path.relpath(log, src)}:{i} ({' '.join(mode)}): {e}")
os.unlink(cut)
print(f"golden: {dupdocs} documents checked for keys written twice")
# every input form admins feed nfparse (kern.log, RFC 3339, dmesg, dmesg -x, raw /dev/kmsg,
# journalctl -o short / short-precise / short-iso / json, CRLF): one and the same record
forms = [json.loads(l) for l in subprocess.run([tool, "-a", os.path.join(root, "forms", "input-forms.log")], capture_output=True,
                                               text=True).stdout.splitlines()]
if len(forms) != 10 or any(d != forms[0] for d in forms) or forms[0] is None:
    bad += 1
    print(f"FAIL forms: {len(forms)} documents, not one record in every form")
print(f"golden: {len(files)} files, {docs} lines, {records} records")
print(f"{docs - bad} passed, {bad} failed")
sys.exit(1 if bad else 0)
PY
