#!/bin/sh
# Snapshot loading is linear in the ruleset's size, whatever the chain count: kube-proxy-shaped
# iptables-save and nft rulesets of N and 2N services (2 chains each) loaded by nfparse under
# callgrind (instruction counts: exact, not this machine's speed); doubling the ruleset must
# not much more than double the instructions (a search over the chains per rule or per
# declaration, as before, makes it 4x). The seconds of the largest are printed, not asserted.
s=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
b=${top_builddir:-$s}
command -v valgrind >/dev/null || { echo "SKIP ruleset-scale: valgrind not installed"; exit 77; }
exec python3 - "$s/tests/perf/gen_kube.py" "$b/nfparse" <<'PY'
import os, re, subprocess, sys, tempfile, time
gen, tool = sys.argv[1], sys.argv[2]
work = tempfile.mkdtemp(prefix="mnf-scale-")
opt = {"ipt": "--iptables-rules", "nft": "--nft-rules"}
def ruleset(fmt, n):
    p = os.path.join(work, f"{fmt}-{n}")
    with open(p, "w") as f:
        subprocess.run([sys.executable, gen, fmt, str(n)], stdout=f, check=True)
    return p
def instr(fmt, path):
    cg = os.path.join(work, "cg.out")
    subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={cg}", tool, opt[fmt], path, "/dev/null"],
                   capture_output=True, check=True)
    tot = subprocess.run(["callgrind_annotate", cg], capture_output=True, text=True).stdout
    return int(re.search(r"([\d,]+) \(100\.0%\)\s+PROGRAM TOTALS", tot).group(1).replace(",", ""))
bad = 0
for fmt in ("ipt", "nft"):
    a, b2 = instr(fmt, ruleset(fmt, 4000)), instr(fmt, ruleset(fmt, 8000))
    ratio = b2 / a
    print(f"ruleset-scale: {fmt} 8,000 / 16,000 chains: {a / 1e6:.1f} M / {b2 / 1e6:.1f} M instructions, x{ratio:.2f} for twice the ruleset")
    bad += ratio > 2.5
    big = ruleset(fmt, 20000)
    t0 = time.time()
    subprocess.run([tool, opt[fmt], big, "/dev/null"], check=True, capture_output=True)
    print(f"ruleset-scale: {fmt} 40,000 chains ({os.path.getsize(big) / 1e6:.1f} MB) loaded in {time.time() - t0:.2f} s here")
subprocess.run(["rm", "-rf", work])
print(f"ruleset-scale: {'not linear' if bad else 'linear'}")
sys.exit(1 if bad else 0)
PY
