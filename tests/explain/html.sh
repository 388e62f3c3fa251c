#!/bin/bash
# explain --html as a person sees it: the page of a traced walk (the seed case), of what-if
# walks (a DNAT, a drop) and of LOG records (ufw's own rules) is written, holds nothing fetched
# from elsewhere, and headless Chromium (Debian's package) renders it: the PNG is not blank,
# shows the deciding step's colour, and the rendered DOM has the hook boxes the walk passed, the
# deciding step and the NAT rewrite.
s=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
b=${top_builddir:-$s}
name=explain-html
command -v chromium >/dev/null || { echo "FAIL $name: chromium missing (apt-get install chromium; scripts/setup-debian.sh does)"; exit 1; }
w=$(mktemp -d); trap 'rm -rf "$w"' EXIT
n=$b/nfparse
"$n" explain --html "$w/seed.html" --iptables-rules "$s/tests/golden/seed/iptables-save-nat.txt" "$s/tests/golden/seed/trace-openstack.log" > /dev/null || exit 1
"$n" explain --html "$w/whatif.html" --iptables-rules "$s/tests/explain/xtables/rules.v4" \
	--packet 'tcp 10.99.0.1:40000 > 10.99.0.2:2222 in vb' --packet 'icmp 10.99.0.5 > 10.99.0.2 in vb' > /dev/null || exit 1
"$n" explain -m --html "$w/log.html" --iptables-rules "$s/tests/data/resolve/ufw.rules.v4" "$s/tests/data/resolve/ufw-log.log" > /dev/null || exit 1
# headless Chromium as root needs --no-sandbox; its own profile in the test's directory
render() { # render PAGE: PAGE.png and PAGE.dom
	HOME=$w timeout 60 chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$w/profile" \
		--window-size=940,1400 --screenshot="$w/$1.png" "file://$w/$1.html" > /dev/null 2>&1
	HOME=$w timeout 60 chromium --headless=new --no-sandbox --disable-gpu --user-data-dir="$w/profile" \
		--dump-dom "file://$w/$1.html" > "$w/$1.dom" 2> /dev/null
}
for p in seed whatif log; do render $p; done
exec python3 - "$w" "$s/tests/explain" <<'PY'
import re, sys
w = sys.argv[1]
sys.path.insert(0, sys.argv[2])
from pagecheck import png
bad = n = 0
checks = {
    "seed": {"passed": ["PREROUTING", "FORWARD", "POSTROUTING"], "unused": ["INPUT", "OUTPUT"], "colour": (0, 119, 0),
             "text": ["nat:quantum-l3-agent-POSTROUTING:rule:1"]},
    "whatif": {"passed": ["PREROUTING", "INPUT"], "unused": ["FORWARD", "POSTROUTING"], "colour": (187, 0, 0),
               "text": ["DNAT --to-destination 10.99.0.2:22", "filter:mychain:rule:1"]},
    "log": {"passed": ["INPUT"], "unused": ["FORWARD", "OUTPUT"], "colour": (187, 0, 0), "text": ["filter:INPUT:policy"]},
}
for page, want in checks.items():
    html = open(f"{w}/{page}.html").read()
    n += 1
    ext = [u for u in re.findall(r"""(?:src|href)\s*=|url\(\s*['"]?https?:|https?://[^"\s<]+""", html) if u != "http://www.w3.org/2000/svg"]
    if ext or "<script" in html or "<link" in html:
        bad += 1; print(f"FAIL {page}: fetches from elsewhere: {ext[:3]}")
    n += 1
    try:
        width, height, bpp, rows = png(f"{w}/{page}.png")
    except Exception as e:
        bad += 1; print(f"FAIL {page}: no PNG rendered ({e})"); continue
    px = set(); ink = 0
    for r in rows[::2]:
        for x in range(0, len(r), bpp * 2):
            c = tuple(r[x:x + 3]); px.add(c)
            ink += c != (255, 255, 255)
    total = len(rows[::2]) * (width // 2)
    if ink < total * 0.02 or len(px) < 8:
        bad += 1; print(f"FAIL {page}: the rendered page looks blank ({ink} of {total} pixels inked, {len(px)} colours)")
    n += 1
    if want["colour"] not in px:
        bad += 1; print(f"FAIL {page}: the deciding step's colour {want['colour']} is not on the page")
    dom = open(f"{w}/{page}.dom").read()
    for h in want["passed"]:
        n += 1
        if not re.search(rf'class="hook passed" id="hook-{h}"', dom):
            bad += 1; print(f"FAIL {page}: hook {h} not drawn as passed")
    for h in want["unused"]:
        n += 1
        if not re.search(rf'class="hook unused" id="hook-{h}"', dom):
            bad += 1; print(f"FAIL {page}: hook {h} not drawn as unused")
    n += 1
    if 'class="step decider"' not in dom:
        bad += 1; print(f"FAIL {page}: no deciding step in the picture")
    for t in want["text"]:
        n += 1
        if t not in dom:
            bad += 1; print(f"FAIL {page}: {t!r} not on the page")
print(f"explain-html: 3 pages rendered by headless Chromium, {n} checks")
print(f"{n - bad} passed, {bad} failed")
sys.exit(1 if bad else 0)
PY
