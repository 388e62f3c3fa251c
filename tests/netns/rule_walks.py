#!/usr/bin/python3
"""Which rule took my packet, on a real kernel, for each firewall stack.

Three network namespaces of this test's own: client C -- router R -- server S (IPv4 and IPv6).
R forwards with DNAT (R:8080 -> S:80, R:8081 -> S:81) and SNAT, a FORWARD chain that jumps
into a user chain (DROP for port 81, RETURN for port 80), and policy DROP. Every rule carries
a comment naming its own position ("<table>-<chain>-<n>"), so the test knows independently
which rule sits where. C sends five packets; S counts what arrives.

  --stack legacy : iptables-legacy / ip6tables-legacy, raw-table TRACE -> kernel log -> imkmsg
  --stack xtables: iptables-nft, -j TRACE -> `xtables-monitor --trace` -> file -> imfile
  --stack nft    : native nft, meta nftrace set 1 -> `nft -a monitor trace` -> file -> imfile

rsyslogd runs mmnetfilter with the ruleset snapshot R's save command printed. Checks:
every trace step resolves (no guess, no unresolved), to the rule whose comment names the
step's table, chain and position; all steps of one packet share one trace.packet and packets
differ; and `nfparse explain --json` on the same lines gives each packet the verdict that
matches its fate at S (delivered = accept, not delivered = drop) and the deciding rule.

Everything created is deleted at the end, also on failure; nf_log_all_netns is restored.
"""
import argparse, collections, json, os, random, re, signal, string, subprocess, sys, tempfile, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netnslib import sh, client_router_server, kmsg_open, kmsg_read, start_rsyslogd, stop_rsyslogd, write_conf, start_monitor

ap = argparse.ArgumentParser()
ap.add_argument("--stack", choices=["legacy", "xtables", "nft"], required=True)
ap.add_argument("--module", required=True)
ap.add_argument("--nfparse", required=True)
ap.add_argument("--rsyslogd", default="/usr/sbin/rsyslogd")
args = ap.parse_args()

RUN = "".join(random.choice(string.ascii_lowercase) for _ in range(4))
NC, NR, NS = f"mnw-{RUN}-c", f"mnw-{RUN}-r", f"mnw-{RUN}-s"
IC, IRC, IS, IRS = f"wc{RUN}", f"wrc{RUN}", f"ws{RUN}", f"wrs{RUN}"
C4, RC4, S4, RS4 = "10.72.1.2", "10.72.1.1", "10.72.2.2", "10.72.2.1"
C6, RC6, S6, RS6 = "fd72:1::2", "fd72:1::1", "fd72:2::2", "fd72:2::1"


created = []
old_all_netns = open("/proc/sys/net/netfilter/nf_log_all_netns").read().strip()

def topology():
    client_router_server(created, (NC, NR, NS), (IC, IRC, IS, IRS), (C4, RC4, S4, RS4), (C6, RC6, S6, RS6))
    # S counts what arrives (its own legacy table: independent of R's stack)
    for tool, rules in (("iptables-legacy", [["-p", "tcp", "--dport", "80"], ["-p", "tcp", "--dport", "81"],
                                              ["-p", "icmp", "--icmp-type", "echo-request"]]),
                        ("ip6tables-legacy", [["-p", "tcp", "--dport", "80"], ["-p", "ipv6-icmp", "--icmpv6-type", "echo-request"]])):
        for r in rules:
            sh(tool, "-A", "INPUT", *r, ns=NS)

# R's rules for the iptables stacks: (table, chain, spec); comments are added in order
IPT_RULES = lambda fam: [
    ("raw", "PREROUTING", ["-p", "tcp", "--dport", "8080:8081", "-j", "TRACE"]),
    ("raw", "PREROUTING", ["-p", "icmp", "--icmp-type", "echo-request", "-j", "TRACE"] if fam == 4 else
                          ["-p", "ipv6-icmp", "--icmpv6-type", "echo-request", "-j", "TRACE"]),
    ("nat", "PREROUTING", ["-p", "tcp", "--dport", "8080", "-j", "DNAT", "--to-destination", f"{S4}:80" if fam == 4 else f"[{S6}]:80"]),
    ("nat", "PREROUTING", ["-p", "tcp", "--dport", "8081", "-j", "DNAT", "--to-destination", f"{S4}:81" if fam == 4 else f"[{S6}]:81"]),
    ("nat", "POSTROUTING", ["-o", IRS, "-j", "SNAT", "--to-source", RS4 if fam == 4 else RS6]),
    ("filter", "FORWARD", ["-j", "fwdchk"]),
    ("filter", "FORWARD", ["-p", "tcp", "--dport", "80", "-j", "ACCEPT"]),
    ("filter", "FORWARD", ["-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT"]),
    ("filter", "fwdchk", ["-p", "tcp", "--dport", "81", "-j", "DROP"]),
    ("filter", "fwdchk", ["-p", "tcp", "--dport", "80", "-j", "RETURN"]),
]

def ipt_setup(suffix, fams):
    for fam, tool in ((4, "iptables" + suffix), (6, "ip6tables" + suffix)):
        if fam not in fams:
            continue
        sh(tool, "-N", "fwdchk", ns=NR)
        pos = collections.Counter()
        for table, chain, spec in IPT_RULES(fam):
            pos[(table, chain)] += 1
            sh(tool, "-t", table, "-A", chain, *spec, "-m", "comment", "--comment", f"{table}-{chain}-{pos[(table, chain)]}", ns=NR)
        sh(tool, "-P", "FORWARD", "DROP", ns=NR)

NFT_RULES = f"""
table ip raw4 {{
  chain pre {{ type filter hook prerouting priority raw;
    tcp dport 8080-8081 meta nftrace set 1 comment "raw4-pre-1"
    icmp type echo-request meta nftrace set 1 comment "raw4-pre-2"
  }}
}}
table ip6 raw6 {{
  chain pre {{ type filter hook prerouting priority raw;
    tcp dport 8080-8081 meta nftrace set 1 comment "raw6-pre-1"
    icmpv6 type echo-request meta nftrace set 1 comment "raw6-pre-2"
  }}
}}
table ip nat4 {{
  chain pre {{ type nat hook prerouting priority dstnat;
    tcp dport 8080 dnat to {S4}:80 comment "nat4-pre-1"
    tcp dport 8081 dnat to {S4}:81 comment "nat4-pre-2"
  }}
  chain post {{ type nat hook postrouting priority srcnat;
    oifname "{IRS}" snat to {RS4} comment "nat4-post-1"
  }}
}}
table ip6 nat6 {{
  chain pre {{ type nat hook prerouting priority dstnat;
    tcp dport 8080 dnat to [{S6}]:80 comment "nat6-pre-1"
    tcp dport 8081 dnat to [{S6}]:81 comment "nat6-pre-2"
  }}
  chain post {{ type nat hook postrouting priority srcnat;
    oifname "{IRS}" snat to {RS6} comment "nat6-post-1"
  }}
}}
table inet filter {{
  chain forward {{ type filter hook forward priority filter; policy drop;
    jump fwdchk comment "filter-forward-1"
    tcp dport 80 accept comment "filter-forward-2"
    ct state established,related accept comment "filter-forward-3"
  }}
  chain fwdchk {{
    tcp dport 81 drop comment "filter-fwdchk-1"
    tcp dport 80 return comment "filter-fwdchk-2"
  }}
}}
"""

# what C sends: (name, family, spec for the sender, fate at S: counter rule index or None)
PKTS = [
    ("tcp4-dnat-accept", 4, dict(kind="tcp4", dst=RC4, id=3101, sport=43101, dport=8080, seq=31010001), ("4", 0)),
    ("tcp4-dnat-drop", 4, dict(kind="tcp4", dst=RC4, id=3102, sport=43102, dport=8081, seq=31020002), ("4", 1)),
    ("icmp4-policy-drop", 4, dict(kind="icmp4", dst=S4, id=3103, icmpid=0x3103, icmpseq=1), ("4", 2)),
    ("tcp6-dnat-accept", 6, dict(kind="tcp6", dst=RC6, fl=0x3104, sport=43104, dport=8080, seq=31040004), ("6", 0)),
    ("icmp6-policy-drop", 6, dict(kind="echo6", dst=S6, fl=0x3105, icmpid=0x3105, icmpseq=1), ("6", 1)),
]
# the verdict each must get and the comment of the rule that decides it ("" = a policy)
# (a packet let through: the filter rule that did, never the SNAT rule or a nat policy)
EXPECT = {"tcp4-dnat-accept": ("accept", {"legacy": "filter-FORWARD-2", "xtables": "filter-FORWARD-2", "nft": "filter-forward-2"}),
          "tcp4-dnat-drop": ("drop", {"legacy": "filter-fwdchk-1", "xtables": "filter-fwdchk-1", "nft": "filter-fwdchk-1"}),
          "icmp4-policy-drop": ("drop", {"legacy": "", "xtables": "", "nft": ""}),
          "tcp6-dnat-accept": ("accept", {"legacy": "filter-FORWARD-2", "xtables": "filter-FORWARD-2", "nft": "filter-forward-2"}),
          "icmp6-policy-drop": ("drop", {"legacy": "", "xtables": "", "nft": ""})}

SENDER = r"""
import json, sys, time
from scapy.all import IP, IPv6, TCP, ICMP, ICMPv6EchoRequest, Raw, send, conf
conf.verb = 0
for p in json.loads(sys.argv[1]):
    k = p["kind"]
    if k == "tcp4":
        pkt = IP(dst=p["dst"], id=p["id"]) / TCP(sport=p["sport"], dport=p["dport"], seq=p["seq"], flags="S", window=1000)
    elif k == "icmp4":
        pkt = IP(dst=p["dst"], id=p["id"]) / ICMP(id=p["icmpid"], seq=p["icmpseq"]) / Raw(b"w" * 8)
    elif k == "tcp6":
        pkt = IPv6(dst=p["dst"], fl=p["fl"]) / TCP(sport=p["sport"], dport=p["dport"], seq=p["seq"], flags="S", window=1000)
    else:
        pkt = IPv6(dst=p["dst"], fl=p["fl"]) / ICMPv6EchoRequest(id=p["icmpid"], seq=p["icmpseq"])
    send(pkt)
    time.sleep(0.05)
"""

def sent_pkts():
    return [p for p in PKTS if args.stack != "xtables" or p[1] == 4]

def counters():
    """S's INPUT packet counters, in rule order, per family"""
    out = {}
    for fam, tool in (("4", "iptables-legacy"), ("6", "ip6tables-legacy")):
        lines = sh(tool, "-L", "INPUT", "-v", "-x", "-n", ns=NS).splitlines()[2:]
        out[fam] = [int(l.split()[0]) for l in lines if l.strip()]
    return out



def on_term(signum, frame):
    raise SystemExit(f"stopped by signal {signum}")

def main():
    signal.signal(signal.SIGTERM, on_term)
    work = tempfile.mkdtemp(prefix=f"mnw-{args.stack}-")
    out, mon = os.path.join(work, "out.jsonl"), os.path.join(work, "monitor.log")
    conf = os.path.join(work, "rsyslog.conf")
    rs = monp = None
    try:
        topology()
        if args.stack == "legacy":
            open("/proc/sys/net/netfilter/nf_log_all_netns", "w").write("1")
            ipt_setup("-legacy", (4, 6))
            # S traces what reaches it too: its kernel TRACE lines mix with R's in the one
            # kernel log, with the same packets' IP IDs and flow labels (explain keeps them apart)
            for tool, specs in (("iptables-legacy", (["-p", "tcp", "--dport", "80"], ["-p", "icmp", "--icmp-type", "echo-request"], ["-p", "udp", "--dport", "9"])),
                                ("ip6tables-legacy", (["-p", "tcp", "--dport", "80"], ["-p", "ipv6-icmp", "--icmpv6-type", "echo-request"], ["-p", "udp", "--dport", "9"]))):
                for spec in specs:
                    sh(tool, "-t", "raw", "-A", "PREROUTING", *spec, "-j", "TRACE", ns=NS)
            snaps = {"iptablesRules": ("iptables-legacy-save", "rules.v4"), "ip6tablesRules": ("ip6tables-legacy-save", "rules.v6")}
        elif args.stack == "xtables":
            # IPv4 only: xtables-monitor 1.8.9 (Debian 12) aborts on ip6 nat rules ("Parsing
            # nftables rule failed") and echoes ip6 rules without their matches
            ipt_setup("-nft", (4,))
            snaps = {"iptablesRules": ("iptables-nft-save", "rules.v4"), "nftRules": ("nft -a list ruleset", "ruleset.nft")}
        else:
            sh("nft", "-f", "-", ns=NR, input=NFT_RULES)
            snaps = {"nftRules": ("nft -a list ruleset", "ruleset.nft")}
        params, flags = "", []
        for p, (cmd, fn) in snaps.items():
            path = os.path.join(work, fn)
            open(path, "w").write(sh(*cmd.split(), ns=NR))
            params += f' {p}="{path}"'
            flags += ["--" + {"iptablesRules": "iptables-rules", "ip6tablesRules": "ip6tables-rules", "nftRules": "nft-rules"}[p], path]
        if args.stack == "legacy":
            src = 'module(load="imkmsg")'
            sel = f'$msg contains "{RUN}"'
        else:
            src = f'module(load="imfile")\ninput(type="imfile" file="{mon}" tag="nftrace:" addMetadata="off")'
            sel = "$syslogtag == \"nftrace:\""
            monp = start_monitor(NR, mon, *(["xtables-monitor", "--trace"] if args.stack == "xtables" else ["nft", "-a", "monitor", "trace"]))
        write_conf(conf, work, "mnw-test", args.module, src, sel, params, out)
        kfd = kmsg_open()
        rs = start_rsyslogd(args.rsyslogd, conf, work)
        time.sleep(1.0)  # the monitor subscribes, imfile starts
        before = counters()
        sh("/usr/bin/python3", "-c", SENDER, json.dumps([p[2] for p in sent_pkts()]), ns=NC)
        time.sleep(1.0)
        after = counters()
        if monp is not None:
            monp.terminate(); monp.wait(timeout=10); monp = None
        # wait until rsyslogd wrote every line the source printed (bounded)
        source = []
        deadline = time.time() + 30
        while time.time() < deadline:
            if args.stack == "legacy":
                source += [l for l in kmsg_read(kfd) if RUN in l]
            else:
                source = [l for l in open(mon).read().splitlines() if l.strip()]
            have = sum(1 for _ in open(out)) if os.path.exists(out) else 0
            if source and have >= len(source):
                break
            time.sleep(0.3)
        stop_rsyslogd(rs)
        rs = None
        docs = [json.loads(l) for l in open(out)] if os.path.exists(out) else []
        for d in docs:
            d["nf"] = d.pop("all").get("netfilter")
        fate = {name: after[f][i] - before[f][i] for name, _, _, (f, i) in sent_pkts()}
        return check(docs, source, fate, flags, work)
    finally:
        if monp is not None:
            monp.kill()
        if rs is not None:
            rs.kill()
        for ns in created:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        open("/proc/sys/net/netfilter/nf_log_all_netns", "w").write(old_all_netns)
        subprocess.run(["rm", "-rf", work])

COMMENT = re.compile(r'comment "?([a-zA-Z0-9]+-[a-zA-Z0-9]+-[0-9]+)"?')

def check(docs, source, fate, flags, work):
    errs = []
    if len(docs) != len(source):
        errs.append(f"the source printed {len(source)} lines, rsyslogd wrote {len(docs)}")
    recs = [d["nf"] for d in docs if isinstance(d.get("nf"), dict) and d["nf"].get("type") == "trace"]
    # the kernel also names our interfaces in other lines ("entered promiscuous mode"): those
    # pass through; every line that is a trace must be a record
    missed = [d["msg"] for d in docs if d.get("nf") is None and ("TRACE:" in d["msg"] or "trace id" in d["msg"])]
    if missed:
        errs.append(f"{len(missed)} trace lines not parsed, e.g. {missed[0][:120]}")
    steps = resolved = s_steps = 0
    walks = collections.defaultdict(list)
    for r in recs:
        t = r["trace"]
        if IS in (r.get("in"), r.get("out")):
            # S's own steps (legacy): its rules are not in R's snapshot; none may name one of R's
            s_steps += 1
            if r.get("rule") and "unresolved" not in r["rule"]:
                errs.append(f"a step in S named a rule of R's snapshot: {t} -> {r['rule'].get('text')!r}")
            continue
        walks[t["packet"]].append(r)
        if t["type"] == "packet":
            continue
        steps += 1
        rule = r.get("rule", {})
        if "unresolved" in rule or not rule:
            errs.append(f"unresolved step {t}: {rule}")
            continue
        resolved += 1
        if t["type"] == "rule":
            m = COMMENT.search(rule.get("text", ""))
            want = f'{t["table"]}-{t["chain"]}-{t.get("rulenum", rule["number"])}'
            if not m or m.group(1) != want:
                errs.append(f"step {t['table']}:{t['chain']}:{t.get('rulenum')}: rule.text {rule.get('text')!r}, installed there: {want}")
            if "rule_text" in t:  # the monitor's own echo names the same rule
                m2 = COMMENT.search(t["rule_text"])
                if not m2 or m2.group(1) != (m.group(1) if m else None):
                    errs.append(f"monitor echoed {t['rule_text']!r}, resolved to {rule.get('text')!r}")
        elif t["type"] == "policy" and rule.get("target", "").lower() not in ("accept", "drop"):
            errs.append(f"policy step {t}: target {rule.get('target')}")
    # walks: one trace.packet per sent packet, told apart by IP ID (IPv4) / flow label (IPv6)
    key_of = {}
    for name, fam, spec, _ in sent_pkts():
        key_of[("id", spec["id"]) if fam == 4 else ("fl", spec["fl"])] = name
    pkt_walk = collections.defaultdict(set)
    for pid, rs_ in walks.items():
        for r in rs_:
            ip = r.get("ip", {})
            k = ("id", ip.get("id")) if ip.get("version") == 4 else ("fl", ip.get("flowlbl"))
            if k in key_of:
                pkt_walk[key_of[k]].add(pid)
    for name, *_ in sent_pkts():
        if len(pkt_walk[name]) != 1:
            errs.append(f"{name}: trace.packet values {sorted(pkt_walk[name])} (want exactly one)")
    # the verdicts, from nfparse explain over the same lines
    msgs = os.path.join(work, "msgs.log")
    open(msgs, "w").write("".join(d["msg"] + "\n" for d in docs))
    # the module mixes the host (rsyslogd's local name here) into kernel TRACE walks' trace.packet
    ex = subprocess.run([args.nfparse, "explain", "--json", "-m", "--host", "mnw-test"] + flags + [msgs], capture_output=True, text=True)
    if ex.returncode != 0:
        errs.append("nfparse explain failed: " + ex.stderr)
    # R's walk of each packet (it came in on R's side towards C); S's walks of the same packets
    # share their trace.packet and are told apart by their steps
    alljs = list(map(json.loads, ex.stdout.splitlines()))
    explained = {j["packet"]: j for j in alljs if f"in {IRC}" in j.get("summary", "")}
    for pid, rs_ in walks.items():
        j = explained.get(pid)
        n_r = sum(1 for r in rs_ if r["trace"]["type"] != "packet")
        if j is not None and len(j["steps"]) != n_r:
            errs.append(f"walk {pid}: explain has {len(j['steps'])} steps, R traced {n_r} (S's steps mixed in?)")
    s_walks = sum(1 for j in alljs if f"in {IS}" in j.get("summary", ""))
    for name, *_ in sent_pkts():
        want_v, deciders = EXPECT[name]
        got = [explained.get(pid) for pid in pkt_walk[name]]
        if len(got) != 1 or got[0] is None:
            errs.append(f"{name}: explain has no walk"); continue
        j = got[0]
        delivered = fate[name] > 0
        if (j["verdict"] == "accept") != delivered or j["verdict"] != want_v:
            errs.append(f"{name}: verdict {j['verdict']}, delivered at S: {delivered}, expected {want_v}")
        d = j.get("decided_by", {})
        want_c = deciders[args.stack]
        m = COMMENT.search(d.get("rule", {}).get("text", ""))
        if want_c and (not m or m.group(1) != want_c):
            errs.append(f"{name}: decided by {d.get('rule', {}).get('text')!r}, want the rule {want_c}")
        if not want_c and d.get("type") != "policy":
            errs.append(f"{name}: decided by {d}, want the chain policy")
    # static walks (explain --packet, no TRACE): the same verdict as the traced walk, and every
    # traced rule step, in order, among the static walk's steps
    static_ok = 0
    for name, fam, spec, _ in sent_pkts():
        proto = {"tcp4": "tcp", "tcp6": "tcp", "icmp4": "icmp", "echo6": "icmpv6"}[spec["kind"]]
        src, dst = (C4, spec["dst"]) if fam == 4 else (f"[{C6}]", f"[{spec['dst']}]")
        if "sport" in spec:
            src, dst = f"{src}:{spec['sport']}", f"{dst}:{spec['dport']}"
        elif fam == 6:
            src, dst = src[1:-1], dst[1:-1]
        pkt = f"{proto} {src} > {dst} in {IRC} out {IRS}"
        ex = subprocess.run([args.nfparse, "explain", "--json", "--packet", pkt] + flags, capture_output=True, text=True)
        if ex.returncode != 0:
            errs.append(f"{name}: explain --packet failed: {ex.stderr.strip()}"); continue
        j = json.loads(ex.stdout)
        traced = [explained.get(pid) for pid in pkt_walk[name]]
        if len(traced) != 1 or traced[0] is None:
            continue
        t = traced[0]
        # the snapshot of the packet's family (iptables) or the nft one
        walks_ = [w for w in j["walks"] if w["snapshot"] in flags]
        w = walks_[0] if walks_ else None
        if w is None:
            errs.append(f"{name}: the static walk has no snapshot"); continue
        if w["verdict"] != t["verdict"]:
            errs.append(f"{name}: static walk verdict {w['verdict']}, traced {t['verdict']}")
        st = [(x["table"], x["chain"], x.get("number")) for x in w["steps"] if x["type"] == "rule"]
        tr = [(x["table"], x["chain"], x.get("rulenum") or x.get("rule", {}).get("number")) for x in t["steps"] if x["type"] == "rule"]
        sd = w["steps"][w["decided_by_index"] - 1] if "decided_by_index" in w else {}
        td = t.get("decided_by", {})
        sdk = (sd.get("table"), sd.get("chain"), sd.get("number"), sd.get("type"))
        tdk = (td.get("table"), td.get("chain"), td.get("rulenum") or td.get("rule", {}).get("number"), td.get("type"))
        if sdk[3] == "policy":
            tdk = tdk[:2] + (None, tdk[3])
        if sdk != tdk:
            errs.append(f"{name}: the static walk is decided by {sdk}, the traced one by {tdk}")
        it = iter(st)
        if not all(step in it for step in tr):
            errs.append(f"{name}: traced rule steps {tr} are not in the static walk {st} in order")
        else:
            static_ok += 1
    stale_note = f"; static walks agreeing with the traced ones: {static_ok}/{len(sent_pkts())}"
    if args.stack == "legacy":
        stale_note += f"; S's own TRACE: {s_steps} steps in {s_walks} walks of their own, none naming a rule"
        if s_steps == 0 or s_walks == 0:
            errs.append(f"S's TRACE lines: {s_steps} steps, {s_walks} walks (want both > 0)")
    # a stale snapshot (the DROP rule of fwdchk deleted since): no step may name a rule other
    # than the one installed at its position; the ones that cannot be placed say so
    if args.stack == "legacy":
        v4 = flags[flags.index("--iptables-rules") + 1]
        stale = os.path.join(work, "stale.v4")
        open(stale, "w").writelines(l for l in open(v4) if "filter-fwdchk-1" not in l)
        sflags = list(flags)
        sflags[sflags.index(v4)] = stale
        ex = subprocess.run([args.nfparse, "explain", "--json", "-m", "--host", "mnw-test"] + sflags + [msgs], capture_output=True, text=True)
        wrong = unres = ok = 0
        for j in map(json.loads, ex.stdout.splitlines()):
            for st in j["steps"]:
                rule = st.get("rule", {})
                if "unresolved" in rule:
                    unres += 1
                elif st["type"] == "rule":
                    m = COMMENT.search(rule.get("text", ""))
                    if m and m.group(1) == f'{st["table"]}-{st["chain"]}-{st["rulenum"]}':
                        ok += 1
                    else:
                        wrong += 1
                        errs.append(f"stale snapshot named a wrong rule: step {st['table']}:{st['chain']}:{st['rulenum']} -> {rule.get('text')}")
        if unres == 0:
            errs.append("stale snapshot: no step was reported unresolved")
        stale_note += f"; stale snapshot: {ok} rule steps right, {unres} unresolved, {wrong} wrong"
    for e in errs:
        print("  " + e)
    print(f"rule-walks {args.stack}: {len(source)} lines, {steps} steps, {resolved} resolved, "
          f"{len(walks)} packets walked ({len(sent_pkts())} sent: {sum(1 for v in fate.values() if v)} delivered), "
          f"verdicts {[explained[p]['verdict'] for n, *_ in sent_pkts() for p in pkt_walk[n] if p in explained]}{stale_note}; {len(errs)} problems")
    return 1 if errs else 0

sys.exit(main())
