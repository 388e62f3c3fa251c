#!/usr/bin/env python3
"""mmnetfilter benchmark: one run, every figure side by side.

1. rsyslog pipelines over the same corpus, imfile -> [parser] -> omfile (message + $! as
   JSON): no parser, mmnormalize (liblognorm v2-iptables rulebase), mmnetfilter (native,
   ECS, and native resolving every record against a 421-rule iptables-save snapshot made
   by gen_ruleset.py), mmnetfilter with a lean fields= selection (about mmnormalize's field
   count), and the floor: a build of the module that attaches one fixed record's document to
   every message without parsing (bench/mmnetfilter_floor.so).
   Wall time until the last line is processed, CPU (user+sys) and peak RSS of rsyslogd;
   medians of RUNS; ratios to the pipeline without a parser; lines in = lines out checked.
2. The parser core alone (bench_parse: parse only, parse + JSON) and the CLIs: nfparse
   writing JSON lines vs lognormalizer with the same rulebase, lines/s and ratio; instruction
   counts per line from callgrind (machine-noise free).
3. Memory: rsyslogd RSS after 1x and 10x the corpus through mmnetfilter.
Usage: run.py --corpus FILE --builddir DIR [--runs N] [--mem-rounds N]
"""
import argparse, os, re, shutil, signal, statistics, subprocess, sys, tempfile, time

ap = argparse.ArgumentParser()
ap.add_argument("--corpus", required=True)
ap.add_argument("--builddir", required=True)
ap.add_argument("--runs", type=int, default=5)
ap.add_argument("--mem-rounds", type=int, default=10)
ap.add_argument("--rsyslogd", default=shutil.which("rsyslogd") or "/usr/sbin/rsyslogd")
ap.add_argument("--instr", action="store_true", help="with --only: also the instruction counts of those rows")
ap.add_argument("--only", help="comma-separated pipeline rows; with it only the pipeline table is printed (a quick look, not the benchmark)")
a = ap.parse_args()
here = os.path.dirname(os.path.abspath(__file__))
RULEBASE = os.path.join(here, "iptables.rb")
RULES = os.path.join(tempfile.mkdtemp(prefix="mnf-bench-rules-"), "rules.v4")
open(RULES, "w").write(subprocess.run([sys.executable, os.path.join(here, "gen_ruleset.py")], capture_output=True, text=True, check=True).stdout)
MODULE = os.path.join(a.builddir, ".libs", "mmnetfilter.so")
FLOOR = os.path.join(a.builddir, "bench", ".libs", "mmnetfilter_floor.so")
JEMALLOC = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"
# about the fields mmnormalize's v2-iptables rulebase gives (prefix, IN, OUT, SRC, DST, LEN, TTL,
# ID, PROTO, SPT, DPT, flags, WINDOW, ...), typed
LEAN = "prefix,interfaces,addresses,protocol,ports,ip.len,ip.ttl,ip.id,tcp.flags,tcp.window,udp.len,icmp.type,icmp.code,trace"
NLINES = sum(1 for _ in open(a.corpus, "rb"))
SENTINEL = "BENCH-END-OF-INPUT"

PARSERS = {
    "none": "",
    "mmnormalize": f'action(type="mmnormalize" rulebase="{RULEBASE}")',
    "mmnetfilter": 'action(type="mmnetfilter")',
    "mmnetfilter-fjson": 'action(type="mmnetfilter" serializer="libfastjson")',
    "mmnetfilter-ecs": 'action(type="mmnetfilter" schema="ecs")',
    "mmnetfilter+rules": f'action(type="mmnetfilter" iptablesRules="{RULES}" ip6tablesRules="{RULES}")',
    "mmnetfilter-lean": f'action(type="mmnetfilter" fields="{LEAN}")',
    "mmnetfilter-text": 'action(type="mmnetfilter" format="text")',
    "mmnetfilter-ecs-text": 'action(type="mmnetfilter" schema="ecs" format="text")',
    "floor": 'action(type="mmnetfilter")',
}

def proc_stat(pid):
    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    tck = os.sysconf("SC_CLK_TCK")
    return (int(parts[11]) + int(parts[12])) / tck  # utime + stime

def proc_mem(pid):
    d = {}
    for l in open(f"/proc/{pid}/status"):
        k, _, v = l.partition(":")
        if k in ("VmHWM", "VmRSS"):
            d[k] = int(v.split()[0])  # kB
    return d

def pipeline(name, corpus, out="out.jsonl", rounds=1, queue="", env=None, wrap=None):
    """one rsyslogd run; returns wall, cpu, peak rss (kB), lines out. queue: ruleset queue
    parameters; env: rsyslogd's environment additions (LD_PRELOAD)"""
    work = tempfile.mkdtemp(prefix=f"mnf-bench-{name}-")
    inp = os.path.join(work, "input.txt")
    outp = os.devnull if out is None else os.path.join(work, out)
    end = os.path.join(work, "end")
    conf = os.path.join(work, "rsyslog.conf")
    mods = 'module(load="mmnormalize")' if name == "mmnormalize" else ""
    if name.startswith("mmnetfilter"):
        mods = f'module(load="{MODULE}")'
    if name.startswith("floor"):
        mods = f'module(load="{FLOOR}")'
    open(conf, "w").write(f"""
global(workDirectory="{work}" maxMessageSize="64k")
module(load="imfile")
{mods}
template(name="j" type="list") {{
  constant(value="{{\\"msg\\":\\"") property(name="msg" format="json")
  constant(value="\\",\\"data\\":") property(name="$!all-json") constant(value="}}\\n")
}}
template(name="t" type="list") {{
  constant(value="{{\\"msg\\":\\"") property(name="msg" format="json")
  constant(value="\\",\\"data\\":{{\\"netfilter\\":") property(name="$!netfilter") constant(value="}}}}\\n")
}}
input(type="imfile" file="{inp}" tag="k" addMetadata="off" ruleset="r")
ruleset(name="r" {queue}) {{
  {PARSERS[name.split(':')[0]]}
  action(type="omfile" file="{outp}" template="{'t' if name.split(':')[0].endswith('-text') else 'j'}")
  if $msg == "{SENTINEL}" then action(type="omfile" file="{end}" template="j")
}}
""")
    pidf = os.path.join(work, "pid")
    rs = subprocess.Popen((wrap or []) + [a.rsyslogd, "-n", "-f", conf, "-i", pidf], stderr=subprocess.DEVNULL,
                          env=dict(os.environ, **(env or {})))
    while not os.path.exists(pidf):
        time.sleep(0.01)
    results = []
    t0 = time.time()
    for r in range(rounds):
        # hand the corpus to imfile (appending: imfile follows the file), then the sentinel
        with open(inp, "ab") as f:
            f.write(open(corpus, "rb").read())
            f.write(f"{SENTINEL}\n".encode())
        while True:
            if os.path.exists(end) and sum(1 for _ in open(end)) >= r + 1:
                break
            if rs.poll() is not None:
                raise RuntimeError(f"rsyslogd died ({name})")
            time.sleep(0.005)
        results.append((time.time() - t0, proc_stat(rs.pid), proc_mem(rs.pid)))
    rs.send_signal(signal.SIGTERM)
    rs.wait()
    if wrap is not None:  # keep the wrapper's files (callgrind's output) for the caller
        results.append(work)
        lines = sum(1 for _ in open(outp, "rb")) if out is not None else None
        return results, lines
    lines = None
    if out is not None:
        lines = sum(1 for _ in open(outp, "rb"))
    shutil.rmtree(work)
    return results, lines

def instructions(names, nlines=20000):
    """instructions per message of the whole rsyslogd process (callgrind; machine-noise free),
    the first nlines lines of the corpus, minus the pipeline without a parser"""
    sub = tempfile.mktemp(prefix="mnf-bench-instr-")
    with open(a.corpus, "rb") as f, open(sub, "wb") as g:
        for i, l in enumerate(f):
            if i >= nlines: break
            g.write(l)
    res = {}
    for n in ["none"] + [x for x in names if x != "none"]:
        cg = tempfile.mktemp(prefix="mnf-cg-")
        r, lines = pipeline(n, sub, wrap=["valgrind", "--tool=callgrind", f"--callgrind-out-file={cg}", "--trace-children=no"])
        shutil.rmtree(r[-1], ignore_errors=True)
        tot = subprocess.run(["callgrind_annotate", cg], capture_output=True, text=True).stdout
        m = re.search(r"([\d,]+) \(100\.0%\)\s+PROGRAM TOTALS", tot)
        res[n] = int(m.group(1).replace(",", "")) / nlines
        os.unlink(cg)
    os.unlink(sub)
    return res

def med(xs):
    return statistics.median(xs)

def fmt_ratio(x, base):
    return f"{x / base:.2f}x"

print(f"corpus: {a.corpus}: {NLINES} lines, {os.path.getsize(a.corpus) / 1e6:.1f} MB; rsyslogd {subprocess.run([a.rsyslogd, '-v'], capture_output=True, text=True).stdout.split()[1]}; {os.cpu_count()} CPUs")
print()
print(f"== rsyslog pipeline (imfile -> parser -> omfile, JSON out), medians of {a.runs} runs, run order interleaved ==")
names = list(PARSERS) if not a.only else ["none"] + [n for n in a.only.split(",") if n != "none"]
samples = {n: [] for n in names}
for r in range(a.runs):
    for n in names:
        res, lines = pipeline(n, a.corpus)
        want = NLINES + 1  # + sentinel
        if lines != want:
            print(f"  {n}: {lines} lines out for {want} in: LOST MESSAGES"); sys.exit(1)
        wall, cpu, mem = res[0]
        samples[n].append((wall, cpu, mem["VmHWM"]))
base_w = med(s[0] for s in samples["none"])
base_c = med(s[1] for s in samples["none"])
print(f"{'pipeline':<22}{'wall s':>8}{'CPU s':>8}{'peak RSS MB':>13}{'wall/none':>11}{'CPU/none':>10}{'msg/s':>10}{'CPU us/msg added':>18}")
for n in names:
    w = med(s[0] for s in samples[n]); c = med(s[1] for s in samples[n]); m = med(s[2] for s in samples[n])
    added = (c - base_c) / NLINES * 1e6
    print(f"{n:<22}{w:8.2f}{c:8.2f}{m / 1024:13.1f}{fmt_ratio(w, base_w):>11}{fmt_ratio(c, base_c):>10}{NLINES / w:10.0f}{added:18.2f}")
print("lines in = lines out: checked for every run")

def paired(a_, b_):
    """CPU of row a_ over row b_, run by run (the two ran next to each other): median and range"""
    r = sorted(x[1] / y[1] for x, y in zip(samples[a_], samples[b_]))
    return f"{statistics.median(r):.2f}x ({r[0]:.2f}-{r[-1]:.2f})"
pairs = [(x, y) for x, y in (("mmnetfilter", "mmnormalize"), ("mmnetfilter", "floor"), ("mmnetfilter-lean", "mmnormalize"),
                             ("mmnetfilter-text", "mmnormalize"), ("mmnetfilter-ecs-text", "mmnormalize"),
                             ("mmnetfilter-ecs", "mmnetfilter"), ("mmnetfilter-fjson", "mmnetfilter")) if x in samples and y in samples]
if pairs:
    print("CPU ratios of runs side by side (median, range over the runs): " +
          ", ".join(f"{x}/{y} {paired(x, y)}" for x, y in pairs))

def print_instr(names):
    print()
    print("== instructions per message, whole rsyslogd process (callgrind, first 20,000 lines; noise-free) ==")
    ir = instructions(names)
    base = ir["none"]
    print(f"{'pipeline':<22}{'instr/msg':>12}{'added':>10}{'added/mmnormalize':>19}")
    for n in ["none"] + [x for x in names if x != "none"]:
        print(f"{n:<22}{ir[n]:12.0f}{ir[n] - base:10.0f}" + (f"{(ir[n] - base) / (ir['mmnormalize'] - base):18.2f}x" if "mmnormalize" in ir and n != "none" else ""))
    return ir

if a.only:
    if a.instr:
        print_instr(names)
    sys.exit(0)
mnorm_c = med(s[1] for s in samples["mmnormalize"])
native_c = med(s[1] for s in samples["mmnetfilter"])
floor_c = med(s[1] for s in samples["floor"])
lean_c = med(s[1] for s in samples["mmnetfilter-lean"])
ecs_c = med(s[1] for s in samples["mmnetfilter-ecs"])
print(f"targets (CPU, medians): native/mmnormalize {native_c / mnorm_c:.2f}x (<= 1.0), native/floor {native_c / floor_c:.2f}x "
      f"(<= 1.05), lean/mmnormalize {lean_c / mnorm_c:.2f}x (<= 0.7), ECS/native {ecs_c / native_c:.2f}x (<= 1.3); "
      f"CPU us/msg above no parser: floor {(floor_c - base_c) / NLINES * 1e6:.2f}, native {(native_c - base_c) / NLINES * 1e6:.2f}, "
      f"mmnormalize {(mnorm_c - base_c) / NLINES * 1e6:.2f}")
print(f"the live-tree serializer: native with serializer=\"libfastjson\" / native {med(s[1] for s in samples['mmnetfilter-fjson']) / native_c:.2f}x CPU")
text_c = med(s[1] for s in samples["mmnetfilter-text"])
ecs_text_c = med(s[1] for s in samples["mmnetfilter-ecs-text"])
print(f"targets, the text sink (format=\"text\", CPU medians): native/mmnormalize {text_c / mnorm_c:.2f}x (<= 0.5), "
      f"ECS/mmnormalize {ecs_text_c / mnorm_c:.2f}x (<= 0.6); CPU us/msg above no parser: native text "
      f"{(text_c - base_c) / NLINES * 1e6:.2f}, ECS text {(ecs_text_c - base_c) / NLINES * 1e6:.2f}")

if shutil.which("valgrind") and shutil.which("callgrind_annotate"):
    ir = print_instr(["mmnormalize", "mmnetfilter", "mmnetfilter-fjson", "floor", "mmnetfilter-lean", "mmnetfilter-ecs",
                      "mmnetfilter-text", "mmnetfilter-ecs-text"])
    print(f"targets (instructions, whole process): native/mmnormalize {ir['mmnetfilter'] / ir['mmnormalize']:.2f}x (<= 1.0), "
          f"native/floor {ir['mmnetfilter'] / ir['floor']:.2f}x (<= 1.05), lean/mmnormalize {ir['mmnetfilter-lean'] / ir['mmnormalize']:.2f}x "
          f"(<= 0.7; added instructions only: {(ir['mmnetfilter-lean'] - ir['none']) / (ir['mmnormalize'] - ir['none']):.2f}x), "
          f"ECS/native {ir['mmnetfilter-ecs'] / ir['mmnetfilter']:.2f}x (<= 1.3), text native/mmnormalize "
          f"{ir['mmnetfilter-text'] / ir['mmnormalize']:.2f}x (<= 0.5), text ECS/mmnormalize {ir['mmnetfilter-ecs-text'] / ir['mmnormalize']:.2f}x (<= 0.6)")
else:
    print("(valgrind not installed: no instruction counts)")

print()
print("== tuning knobs users control (native pipeline, same corpus; medians of max(3, RUNS/2) runs, interleaved with the default) ==")
knobs = [("default (main queue, batch 32)", "", None),
         ("ruleset queue, dequeueBatchSize 256", 'queue.type="LinkedList" queue.dequeueBatchSize="256"', None),
         ("ruleset queue, dequeueBatchSize 1024", 'queue.type="LinkedList" queue.dequeueBatchSize="1024"', None),
         ("ruleset queue, 2 worker threads", 'queue.type="LinkedList" queue.workerThreads="2" queue.dequeueBatchSize="256"', None)]
if os.path.exists(JEMALLOC):
    knobs.append(("jemalloc preloaded (LD_PRELOAD)", "", {"LD_PRELOAD": JEMALLOC}))
# glibc keeps 7 freed chunks per size per thread in its cache by default; a message's
# document frees about 30 of one size (libfastjson's objects) at once
knobs.append(("glibc malloc: tcache_count=512 (GLIBC_TUNABLES)", "", {"GLIBC_TUNABLES": "glibc.malloc.tcache_count=512"}))
knobs.append(("serializer=\"libfastjson\" (not the live-tree one)", "", None))
print(f"{'setting':<44}{'wall s':>8}{'CPU s':>8}{'CPU/default':>13}")
kres = {}
for r in range(max(3, a.runs // 2)):
    for label, q, env in knobs:
        res, lines = pipeline("mmnetfilter-fjson" if label.startswith("serializer") else "mmnetfilter", a.corpus, queue=q, env=env)
        if lines != NLINES + 1:
            print(f"  {label}: {lines} lines out: LOST MESSAGES"); sys.exit(1)
        kres.setdefault(label, []).append(res[0][:2])
kd = med(c for _, c in kres[knobs[0][0]])
for label, _, _ in knobs:
    w = med(x for x, _ in kres[label]); c = med(y for _, y in kres[label])
    print(f"{label:<44}{w:8.2f}{c:8.2f}{c / kd:12.2f}x")

print()
print("== parser core alone and the command-line tools, same message bodies ==")
bp = subprocess.run([os.path.join(a.builddir, "bench", "bench_parse"), a.corpus, "3"], capture_output=True, text=True, check=True,
                    env=dict(os.environ, BENCH_RULES=RULES)).stdout
d = dict(kv.split("=") for kv in bp.split())
def timed(cmd, stdin):
    best = 1e9
    for _ in range(3):
        t0 = time.time()
        subprocess.run(cmd, stdin=open(stdin, "rb"), stdout=subprocess.DEVNULL, check=True)
        best = min(best, time.time() - t0)
    return best
t_nf = timed([os.path.join(a.builddir, "nfparse"), "-m"], a.corpus)
t_ln = timed(["lognormalizer", "-r", RULEBASE, "-e", "json"], a.corpus)
ln = subprocess.run(["lognormalizer", "-r", RULEBASE, "-e", "json", "-U"], stdin=open(a.corpus, "rb"),
                    capture_output=True, text=True)
m = re.search(r"(\d+) unparsable entries", ln.stdout + ln.stderr)
ln_unparsed = int(m.group(1)) if m else 0
nrec = int(d["records"])
print(f"{'what':<44}{'lines/s':>12}{'ratio':>10}")
print(f"{'core: nfp_parse only (bench_parse)':<44}{float(d['parse_only_lines_per_s']):12.0f}")
print(f"{'core: parse + libfastjson object':<44}{float(d['parse_object_lines_per_s']):12.0f}")
print(f"{'core: parse + libfastjson object + its text':<44}{float(d['parse_json_lines_per_s']):12.0f}")
print(f"{'core: parse + text sink, native':<44}{float(d['parse_text_lines_per_s']):12.0f}   (target >= 5,000,000)")
print(f"{'core: parse + text sink, ECS':<44}{float(d['parse_ecs_text_lines_per_s']):12.0f}")
if "parse_json_live_lines_per_s" in d:
    print(f"{'core: the same, text by the live serializer':<44}{float(d['parse_json_live_lines_per_s']):12.0f}")
print(f"{'core: parse + resolve (' + d['rules'] + ' rules)':<44}{float(d['parse_resolve_lines_per_s']):12.0f}")
print(f"resolution alone: {float(d['resolve_ns_per_record']):.1f} ns per record ({d['resolved']} resolved, {d['unresolved']} unresolved: "
      "LOG records without a matching prefix, TRACE steps whose rule does not fit the packet)")
print(f"{'nfparse -m (JSON lines to a pipe)':<44}{NLINES / t_nf:12.0f}{fmt_ratio(t_ln, t_nf):>10}")
print(f"{'lognormalizer -e json, v2-iptables rulebase':<44}{NLINES / t_ln:12.0f}{'1.00x':>10}")
print(f"records: mmnetfilter {nrec} of {NLINES} lines; lognormalizer parsed {NLINES - ln_unparsed} "
      f"({100 * (NLINES - ln_unparsed) / nrec:.0f}% of the netfilter records; every line with OPT (...) and every ICMP error is rejected)")

# instruction counts (callgrind): the same 20,000 lines, parse only
sub = tempfile.mktemp(prefix="mnf-bench-20k-")
with open(a.corpus, "rb") as f, open(sub, "wb") as g:
    for i, l in enumerate(f):
        if i >= 20000: break
        g.write(l)
if shutil.which("valgrind"):
    cg = tempfile.mktemp(prefix="mnf-cg-")
    subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={cg}", "--toggle-collect=nfp_parse",
                    os.path.join(a.builddir, "bench", "bench_parse"), sub, "1", "parse-only"], capture_output=True, check=True)
    tot = subprocess.run(["callgrind_annotate", cg], capture_output=True, text=True).stdout
    m = re.search(r"([\d,]+) \(100\.0%\)\s+PROGRAM TOTALS", tot)
    if m:
        ir = int(m.group(1).replace(",", ""))
        print(f"callgrind: nfp_parse = {ir / 20000:.0f} instructions per line (the first 20,000 lines)")
    os.unlink(cg)
os.unlink(sub)

print()
print("== cost per byte on adversarial lines (tests/perf/adversarial.py: instructions are exact, ns are this machine's) ==")
adv = subprocess.run([sys.executable, os.path.join(here, "..", "tests", "perf", "adversarial.py"),
                      os.path.join(a.builddir, "bench", "bench_parse"), "--table"], capture_output=True, text=True)
print(adv.stdout.rstrip())

print()
print(f"== memory: rsyslogd with mmnetfilter, output to /dev/null, RSS after 1x and {a.mem_rounds}x the corpus ==")
res, _ = pipeline("mmnetfilter:mem", a.corpus, out=None, rounds=a.mem_rounds)
first, last = res[0], res[-1]
print(f"after {NLINES} messages: RSS {first[2]['VmRSS'] / 1024:.1f} MB, peak {first[2]['VmHWM'] / 1024:.1f} MB; "
      f"after {NLINES * a.mem_rounds} messages: RSS {last[2]['VmRSS'] / 1024:.1f} MB, peak {last[2]['VmHWM'] / 1024:.1f} MB; "
      f"peak growth {(last[2]['VmHWM'] - first[2]['VmHWM']) / 1024:+.1f} MB (RSS between batches moves with the allocator's free lists)")

