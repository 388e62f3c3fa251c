#!/usr/bin/env python3
"""Adversarial line shapes: the parser's cost must be linear in the line length for every
input. For each shape, one line of 64 KiB and one of 1 MiB through nfp_parse; the work is
counted in instructions (valgrind callgrind, exact and free of machine noise, not time), and
the 1 MiB line may cost at most 1.5x per byte what the 64 KiB line costs (a quadratic path
would cost 16x). Also: no shape may cost more than 100 instructions per byte (the bound on the
work one line can cause: 16 MiB, the longest line parsed, is then at most ~1.7e9 instructions).
Usage: adversarial.py BENCH_PARSE [--table]   (--table: print ns per byte too, for bench/run.py)"""
import os, re, subprocess, sys, tempfile, time

bp = sys.argv[1]
SHAPES = {
    "benign (repeated record)": lambda n: ("IN=eth0 OUT= MAC=00:11:22:33:44:55:66:77:88:99:aa:bb:08:00 SRC=10.0.0.1 DST=10.0.0.2 LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=1 PROTO=TCP SPT=1 DPT=2 WINDOW=3 RES=0x00 SYN URGP=0 " * (n // 160 + 1))[:n],
    "IN= repeated": lambda n: ("IN=" * (n // 3))[: n - 5] + " OUT=",
    "IN=x OUT= pairs": lambda n: ("IN=a OUT= " * (n // 10 + 1))[:n],
    "= repeated": lambda n: "IN=eth0 OUT= " + "=" * n,
    "[ repeated": lambda n: "IN=eth0 OUT= SRC=1.1.1.1 DST=2.2.2.2 LEN=1 TOS=0 PREC=0 TTL=1 ID=1 PROTO=ICMP TYPE=3 CODE=3 " + "[" * n,
    "OPT ( repeated": lambda n: "IN=eth0 OUT= SRC=1.1.1.1 DST=2.2.2.2 LEN=1 TOS=0 PREC=0 TTL=1 ID=1 " + "OPT ( " * (n // 6),
    "10,000+ tokens": lambda n: "IN=eth0 OUT= " + "A=1 " * (n // 4),
    "nft monitor pairs": lambda n: "trace id 1 ip t c packet: " + "ip ttl 1 " * (n // 9),
    "xtables PACKET": lambda n: "PACKET: 2 0deff553 " + "SRC=1.1.1.1 " * (n // 12),
    "TRACE header": lambda n: "TRACE: " + "a:" * (n // 2) + "rule:1 IN= OUT=",
}

def instructions(line):
    with tempfile.NamedTemporaryFile("w", delete=False) as f:
        f.write(line + "\n")
    out = tempfile.mktemp()
    subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", "--toggle-collect=nfp_parse",
                    bp, f.name, "1", "parse-only"], capture_output=True, check=True)
    tot = subprocess.run(["callgrind_annotate", out], capture_output=True, text=True).stdout
    os.unlink(out); os.unlink(f.name)
    return int(re.search(r"([\d,]+) \(100\.0%\)\s+PROGRAM TOTALS", tot).group(1).replace(",", ""))

def ns_per_byte(line):
    with tempfile.NamedTemporaryFile("w", delete=False) as f:
        f.write((line + "\n") * max(1, (8 << 20) // len(line)))
    best = 1e9
    for _ in range(3):
        t0 = time.perf_counter()
        subprocess.run([bp, f.name, "1", "parse-only"], capture_output=True, check=True)
        best = min(best, time.perf_counter() - t0)
    size = os.path.getsize(f.name); os.unlink(f.name)
    return best / size * 1e9

bad = 0
table = "--table" in sys.argv
print(f"{'shape':<26}{'instr/B 64KiB':>14}{'instr/B 1MiB':>14}{'ratio':>8}" + (f"{'ns/B 1MiB':>11}" if table else ""))
for name, f in SHAPES.items():
    small, big = f(64 << 10), f(1 << 20)
    a, b = instructions(small) / len(small), instructions(big) / len(big)
    ok = b <= 1.5 * a and b <= 100
    bad += not ok
    print(f"{name:<26}{a:14.1f}{b:14.1f}{b / a:8.2f}" + (f"{ns_per_byte(big):11.2f}" if table else "") + ("" if ok else "  NOT LINEAR / OVER BOUND"))
print(f"adversarial: {len(SHAPES)} shapes, 64 KiB and 1 MiB lines, {bad} not linear")
print(f"{len(SHAPES) - bad} passed, {bad} failed")
sys.exit(1 if bad else 0)
