#!/bin/sh
# `nfparse explain` live, as an admin runs it (`nft monitor trace | nfparse explain ...`): the
# trace lines of the nft capture go in packet by packet through a pipe that stays open; each
# packet's walk must come out before the next packet's lines are written (settled by a drop at
# once, else after --idle seconds without a step), with the same text as the batch run gives.
s=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
b=${top_builddir:-$s}
exec python3 - "$s/tests/explain" "$b/nfparse" <<'PY'
import os, select, subprocess, sys, time
root, tool = sys.argv[1], sys.argv[2]
args = ["explain", "-m", "--nft-rules", os.path.join(root, "nft", "ruleset-a.nft"), "--idle", "0.5"]
lines = open(os.path.join(root, "nft", "monitor-a.log")).read().splitlines(True)
packets = []  # the capture's lines grouped by trace id, in order
for l in lines:
    tid = l.split()[2]
    if not packets or packets[-1][0] != tid:
        packets.append((tid, []))
    packets[-1][1].append(l)
batch = subprocess.run([tool] + args + [os.path.join(root, "nft", "monitor-a.log")], capture_output=True, text=True).stdout
want = [b for b in batch.split("\n\n") if b.strip()]
p = subprocess.Popen([tool] + args, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
fd = p.stdout.fileno()
got, bad, waits, pending = [], 0, [], b""
for i, (tid, ls) in enumerate(packets):
    t0 = time.time()
    p.stdin.write("".join(ls).encode()); p.stdin.flush()
    text = ""
    while time.time() - t0 < 10:  # its walk, while stdin stays open
        if b"\n\n" in pending:
            block, pending = pending.split(b"\n\n", 1)
            text = block.decode() + "\n\n"
            break
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            pending += os.read(fd, 65536)
    waits.append(time.time() - t0)
    if f"trace.packet {tid}" not in text:
        bad += 1; print(f"FAIL live: packet {i + 1} ({tid}) not told while the input stays open: {text!r}")
    got.append(text.strip())
p.stdin.close()
rest = (pending + p.stdout.read()).decode()
p.wait(10)
if rest.strip():
    bad += 1; print(f"FAIL live: told again at the end: {rest!r}")
if got != [w.strip() for w in want]:
    bad += 1; print("FAIL live: the walks differ from the batch run's")
print(f"explain live: {len(packets)} packets through an open pipe, each told within {max(waits):.2f} s (idle 0.5 s), same text as the batch run")
print(f"{1 if bad == 0 else 0} passed, {bad} failed")
sys.exit(1 if bad else 0)
PY
