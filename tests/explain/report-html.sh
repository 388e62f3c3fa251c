#!/bin/bash
# nfparse report --html as a person sees it: a kern.log of ufw's own LOG lines (from
# tests/data/resolve/ufw-log.log, spread over an hour and over seven sources by this test),
# with ufw's rules. The truth is counted here from the lines themselves: the page must show the
# same records and drops ([UFW BLOCK]) per ten minutes, the same top source, port and counts,
# list the LOG rule whose prefix never occurs ([UFW LIMIT BLOCK]) as never hit, fetch nothing,
# and headless Chromium must render it (not blank, the drop colour present).
s=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
b=${top_builddir:-$s}
name=report-html
command -v chromium >/dev/null || { echo "FAIL $name: chromium missing (apt-get install chromium; scripts/setup-debian.sh does)"; exit 1; }
w=$(mktemp -d); trap 'rm -rf "$w"' EXIT
python3 - "$s/tests/data/resolve/ufw-log.log" "$w/kern.log" <<'PY'
import datetime, sys
lines = [l.rstrip("\n") for l in open(sys.argv[1]) if "IN=" in l]
t0 = datetime.datetime(2026, 12, 4, 9, 0, 0)
with open(sys.argv[2], "w") as f:
    for i in range(300):
        l = lines[(i * 7) % len(lines)].replace("SRC=10.74.1.2 ", f"SRC=10.74.1.{2 + (i * i) % 7} ")
        t = t0 + datetime.timedelta(seconds=12 * i + (i % 5) * 40)
        f.write(t.strftime("%b %e %H:%M:%S") + f" fw kernel: [{1000 + i}.000000] {l}\n")
PY
"$b/nfparse" report --html "$w/r.html" --iptables-rules "$s/tests/data/resolve/ufw.rules.v4" "$w/kern.log" 2> "$w/err" || { cat "$w/err"; exit 1; }
HOME=$w timeout 60 chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$w/profile" \
	--window-size=1100,1600 --screenshot="$w/r.png" "file://$w/r.html" > /dev/null 2>&1
HOME=$w timeout 60 chromium --headless=new --no-sandbox --disable-gpu --user-data-dir="$w/profile" \
	--dump-dom "file://$w/r.html" > "$w/r.dom" 2> /dev/null
exec python3 - "$w" "$s/tests/explain" <<'PY'
import collections, datetime, html, re, sys
w = sys.argv[1]
sys.path.insert(0, sys.argv[2])
from pagecheck import look
bad = n = 0
def check(ok, what):
    global bad, n
    n += 1
    if not ok:
        bad += 1
        print("FAIL report-html:", what)
# the truth, from the lines
recs = []
for l in open(f"{w}/kern.log"):
    t = datetime.datetime.strptime("2026 " + l[:15], "%Y %b %d %H:%M:%S")
    recs.append((t, "[UFW BLOCK]" in l, re.search(r"SRC=(\S+)", l).group(1), re.search(r"PROTO=(\w+) .*DPT=(\d+)", l)))
drops = sum(1 for r in recs if r[1])
buckets = collections.OrderedDict()
start = min(r[0] for r in recs).replace(minute=0, second=0)
for t, d, _, _ in sorted(recs):
    k = int((t - start).total_seconds() // 600)
    a = buckets.setdefault(k, [0, 0]); a[0] += 1; a[1] += d
srcs = collections.Counter(r[2] for r in recs)
ports = collections.Counter(f"{m.group(1).lower()}/{m.group(2)}" for _, _, _, m in recs if m)
page = open(f"{w}/r.html").read()
dom = open(f"{w}/r.dom").read()
text = html.unescape(re.sub(r"<[^>]+>", " ", dom))
check(f"{len(recs)} LOG records" in text and f"{drops} dropped" in text, f"summary: want {len(recs)} records, {drops} dropped")
got = [tuple(map(int, m)) for m in re.findall(r"<title>(\d+) records, (\d+) dropped</title>", dom)]
want = [tuple(buckets.get(k, [0, 0])) for k in range(max(buckets) + 1)]
check(got[:len(want)] == want and all(g == (0, 0) for g in got[len(want):]), f"ten-minute bars {got} != {want}")
top_src = re.search(r'id="top-sources".*?<td class="k">([^<]+)</td><td class="n">(\d+)', dom, re.S)
s0 = srcs.most_common(1)[0]
check(top_src and srcs[top_src.group(1)] == s0[1] and int(top_src.group(2)) == s0[1], f"top source {top_src and top_src.groups()} != {s0}")
top_port = re.search(r'id="top-ports".*?<td class="k">([^<]+)</td><td class="n">(\d+)', dom, re.S)
p0 = ports.most_common(1)[0]
check(top_port and int(top_port.group(2)) == p0[1] and ports[top_port.group(1)] == p0[1], f"top port {top_port and top_port.groups()} != {p0}")
never = re.search(r'id="never-hit".*?</section>', dom, re.S).group(0)
check("[UFW LIMIT BLOCK]" in html.unescape(never), "the [UFW LIMIT BLOCK] rule (no such line) is not listed as never hit")
check(never.count('class="never"') <= 5, "more LOG rules listed as never hit than can be (7 rules, 2 prefixes occur)")
rules = re.search(r'id="top-rules".*?</section>', dom, re.S).group(0)
check(sum(int(x) for x in re.findall(r'<td class="n">(\d+)</td><td class="n">\d+</td>', rules)) == len(recs),
      "the rules' records do not add up to the records")
ext = [u for u in re.findall(r"""(?:src|href)\s*=|url\(\s*['"]?https?:|https?://[^"\s<]+""", page)]
check(not ext and "<script" not in page and "<link" not in page, f"fetches from elsewhere: {ext[:3]}")
ink, px = look(f"{w}/r.png")
check(ink > 0.02 and len(px) > 8, f"the rendered page looks blank ({ink:.3f} inked, {len(px)} colours)")
check((187, 0, 0) in px, "the drop colour is not on the rendered page")
check((51, 85, 119) in px, "the records colour is not on the rendered page")
print(f"report-html: {len(recs)} records over {len(want)} ten-minute bars rendered by headless Chromium, {n} checks")
print(f"{n - bad} passed, {bad} failed")
sys.exit(1 if bad else 0)
PY
