#!/usr/bin/python3
"""imnetfilter trace="on" against `nft -a monitor trace`: both read the same kernel trace events
of namespace B, one over netlink in rsyslogd (root namespace, netns=B), one as nft's text.
The test sends packets that walk B's ruleset (jumps, a return, accept, drop, policies) and checks:
  - every step nft printed has its twin from imnetfilter: same trace id, family, table, chain,
    kind, rule handle and verdict, in the same order per packet; and no step more;
  - packet lines: the same addresses, protocol and ports;
  - mmnetfilter, given B's `nft -a list ruleset` snapshot, names for every rule step the rule
    nft printed (text equal), so the walk from netlink is the walk from nft's text;
  - namespace C traces too, and its events do not reach the input of B.

Usage: nft_trace.py --module PATH --input-module PATH --rsyslogd PATH
"""
import argparse, json, os, random, re, signal, string, subprocess, sys, tempfile, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netnslib import sh, start_rsyslogd, stop_rsyslogd

ap = argparse.ArgumentParser()
ap.add_argument("--module", required=True)
ap.add_argument("--input-module", required=True)
ap.add_argument("--rsyslogd", default="/usr/sbin/rsyslogd")
args = ap.parse_args()

RUN = "".join(random.choice(string.ascii_lowercase) for _ in range(4))
NSA, NSB, NSC = (f"mnf-{RUN}-{x}" for x in "abc")
IFA, IFB = f"mnA{RUN}", f"mnB{RUN}"
A4, B4, A6, B6 = "10.79.0.1", "10.79.0.2", "fd79::1", "fd79::2"
created = []

RULESET = f"""
table inet tr{RUN} {{
  chain pre {{ type filter hook prerouting priority -300; policy accept;
    ip saddr {A4} meta nftrace set 1
    ip6 saddr {A6} meta l4proto ipv6-icmp icmpv6 type echo-request meta nftrace set 1
  }}
  chain svc {{
    tcp dport 5001 accept
    tcp dport 5002 drop
    udp dport 6001 return
    icmp type echo-request counter
  }}
  chain in {{ type filter hook input priority 0; policy accept;
    ip saddr {A4} jump svc
    ip6 saddr {A6} counter
    tcp dport 5003 reject
  }}
}}
"""


def setup():
    for ns in (NSA, NSB, NSC):
        sh("ip", "netns", "add", ns); created.append(ns)
    sh("ip", "link", "add", IFA, "netns", NSA, "type", "veth", "peer", "name", IFB, "netns", NSB)
    for ns, ifc, a4, a6 in ((NSA, IFA, A4, A6), (NSB, IFB, B4, B6)):
        sh("ip", "addr", "add", a4 + "/24", "dev", ifc, ns=ns)
        sh("ip", "addr", "add", a6 + "/64", "dev", ifc, "nodad", ns=ns)
        sh("ip", "link", "set", ifc, "up", ns=ns)
    for ns in (NSA, NSB, NSC):
        sh("ip", "link", "set", "lo", "up", ns=ns)
    sh("nft", "-f", "-", ns=NSB, input=RULESET)
    sh("nft", "-f", "-", ns=NSC, input=f"""
table ip c{RUN} {{
  chain out {{ type filter hook output priority 0; policy accept; meta l4proto icmp meta nftrace set 1; }}
}}
""")


def teardown():
    for ns in created:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


SENDER = r"""
import sys
from scapy.all import IP, IPv6, TCP, UDP, ICMP, ICMPv6EchoRequest, Raw, send, conf
conf.verb = 0
A4, B4, A6, B6 = sys.argv[1:5]
for p in [IP(src=A4, dst=B4) / TCP(sport=41001, dport=5001, flags="S"),
          IP(src=A4, dst=B4) / TCP(sport=41002, dport=5002, flags="S"),
          IP(src=A4, dst=B4) / TCP(sport=41003, dport=5003, flags="S"),
          IP(src=A4, dst=B4) / UDP(sport=41004, dport=6001) / Raw(b"u"),
          IP(src=A4, dst=B4) / ICMP(type=8, id=7, seq=1),
          IPv6(src=A6, dst=B6) / ICMPv6EchoRequest(id=8, seq=2)]:
    send(p)
"""


def steps_of(recs):
    """per trace id: the steps (table, chain, kind, handle, verdict) and the packet lines"""
    by = {}
    for r in recs:
        t = r["trace"]
        s = by.setdefault(t["packet"], {"steps": [], "pkts": []})
        if t["type"] == "packet":
            ip, l4 = r.get("ip", {}), r.get("tcp") or r.get("udp") or r.get("icmp") or {}
            s["pkts"].append((t["chain"], ip.get("src"), ip.get("dst"), ip.get("proto"),
                              l4.get("spt"), l4.get("dpt"), l4.get("type"), r.get("in"), r.get("out")))
        else:
            s["steps"].append((t["family"], t["table"], t["chain"], t["type"], t.get("handle"), t.get("verdict")))
    return by


def main():
    signal.signal(signal.SIGTERM, lambda *_: (teardown(), sys.exit(1)))
    work = tempfile.mkdtemp(prefix="mnf-nfttrace-")
    out, mon, snap = (os.path.join(work, f) for f in ("out.jsonl", "monitor.txt", "ruleset.nft"))
    conf = os.path.join(work, "rsyslog.conf")
    rs = mproc = None
    errs = []
    try:
        setup()
        open(snap, "w").write(sh("nft", "-a", "list", "ruleset", ns=NSB))
        open(conf, "w").write(f"""
global(workDirectory="{work}")
module(load="{args.module}")
module(load="{args.input_module}")
input(type="imnetfilter" trace="on" netns="{NSB}" ruleset="t")
template(name="t" type="list") {{
  constant(value="{{\\"msg\\":\\"") property(name="msg" format="json")
  constant(value="\\",\\"input\\":\\"") property(name="inputname")
  constant(value="\\",\\"all\\":") property(name="$!all-json") constant(value="}}\\n")
}}
ruleset(name="t") {{
  action(type="mmnetfilter" nftRules="{snap}")
  action(type="omfile" file="{out}" template="t")
}}
""")
        mproc = subprocess.Popen(["ip", "netns", "exec", NSB, "nft", "-a", "monitor", "trace"],
                                 stdout=open(mon, "w"), stderr=subprocess.DEVNULL)
        rs = start_rsyslogd(args.rsyslogd, conf, work)
        time.sleep(1.0)
        sh("/usr/bin/python3", "-c", SENDER, A4, B4, A6, B6, ns=NSA)
        sh("ping", "-c", "2", "-i", "0.2", "-W", "1", "127.0.0.1", ns=NSC, check=False)
        # both sides have settled when their line counts stop growing (bounded)
        last = (-1, -1)
        for _ in range(40):
            time.sleep(0.5)
            now = (sum(1 for _ in open(mon)), sum(1 for _ in open(out)) if os.path.exists(out) else 0)
            if now == last and now[0] > 0:
                break
            last = now
        mproc.terminate(); mproc.wait(timeout=10); mproc = None
        stop_rsyslogd(rs); rs = None
        monlines = [l.rstrip("\n") for l in open(mon) if l.startswith("trace id ")]
        parsed = subprocess.run([os.path.join(os.path.dirname(args.module), "..", "nfparse")],
                                input="\n".join(monlines) + "\n", capture_output=True, text=True).stdout
        ref = [json.loads(l) for l in parsed.splitlines() if l.strip()]
        docs = [json.loads(l) for l in open(out)]
        if os.environ.get("NFT_TRACE_SHOW"):
            print("\n".join(monlines[:8]))
            print("\n".join(d["msg"] for d in docs[:8]))
        errs += check(monlines, ref, docs)
    finally:
        if mproc is not None:
            mproc.kill()
        if rs is not None:
            rs.kill()
        teardown()
        subprocess.run(["rm", "-rf", work])
    for e in errs:
        print("FAIL:", e)
    return 1 if errs else 0


def check(monlines, ref, docs):
    errs = []
    recs = [d["all"].get("netfilter") for d in docs]
    if any(r is None or r.get("type") != "trace" for r in recs):
        errs.append("a message from the trace input is no trace record")
        recs = [r for r in recs if r and r.get("type") == "trace"]
    if any(f"c{RUN}" in d["msg"] for d in docs):
        errs.append("events of namespace C reached the input of namespace B")
    if not ref:
        return errs + ["nft monitor trace printed nothing"]
    a, b = steps_of(ref), steps_of(recs)
    nsteps = sum(len(v["steps"]) for v in a.values())
    for tid, v in a.items():
        w = b.get(tid)
        if w is None:
            errs.append(f"trace {tid}: nft printed {len(v['steps'])} steps, imnetfilter none")
            continue
        if v["steps"] != w["steps"]:
            errs.append(f"trace {tid}: steps differ\n  nft  {v['steps']}\n  ours {w['steps']}")
        if v["pkts"] != w["pkts"]:
            errs.append(f"trace {tid}: packet lines differ\n  nft  {v['pkts']}\n  ours {w['pkts']}")
    extra = set(b) - set(a)
    if extra:
        errs.append(f"imnetfilter has traces nft did not print: {sorted(extra)}")
    # the rules named from the snapshot are the rules nft printed
    texts = {}
    for l in monlines:
        m = re.match(r"trace id (\S+) \S+ \S+ (\S+) rule (.*) # handle (\d+) \(verdict", l)
        if m:
            texts[int(m.group(4))] = m.group(3).strip()
    named = 0
    for r in recs:
        t = r["trace"]
        if t["type"] != "rule":
            continue
        rule = r.get("rule") or {}
        got = rule.get("text")
        if got is None or texts.get(t.get("handle")) is None or got.strip() != texts[t["handle"]]:
            errs.append(f"rule handle {t.get('handle')}: snapshot named {got!r}, nft printed {texts.get(t.get('handle'))!r}")
        else:
            named += 1
    # the step lines themselves: with the rules' text listed over netlink, nft -a's own lines
    # (counter values aside: nft printed its cache's, the listing has later ones)
    norm = lambda l: re.sub(r"counter packets \d+ bytes \d+", "counter", l.rstrip())
    theirs = [norm(l) for l in monlines if " packet: " not in l]
    ours = [norm(d["msg"]) for d in docs if " packet: " not in d["msg"]]
    same_lines = sum(1 for l in theirs if l in ours)
    if sorted(theirs) != sorted(ours):
        errs.append("step lines differ from nft -a monitor trace:\n  " +
                    "\n  ".join(sorted(set(theirs) ^ set(ours))[:10]))
    verdicts = sorted({s[5] for v in a.values() for s in v["steps"] if s[5]})
    print(f"nft-trace: {len(a)} traced packets, {nsteps} steps printed by nft -a monitor trace, each with its "
          f"netlink twin (table, chain, kind, handle, verdict; packet fields; {same_lines} step lines byte-equal, "
          f"rule text listed over netlink); {named} rule steps named from the "
          f"snapshot as nft printed them; verdicts {verdicts}; namespace C kept out")
    return errs


if __name__ == "__main__":
    sys.exit(main())
