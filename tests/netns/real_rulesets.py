#!/usr/bin/python3
"""LOG records of a ruleset a real generator wrote, resolved and checked against the kernel.

  --generator ufw: Debian's ufw, run inside the router namespace R with a private copy of its
  configuration (a mount namespace binds it over /etc/ufw and /etc/default/ufw; the host's own
  files and firewall are never touched): `ufw enable`, `allow 22/tcp`, `deny log 2424/tcp`,
  `allow log 8080/tcp`, `limit 2200/tcp`, logging low (ufw's default). iptables-nft.
  --generator ferm: Debian's ferm loads a config of the test's own (ferm's documented idioms:
  LOG-then-DROP blocks, one prefix for INPUT and FORWARD, IPv4 and IPv6 in one domain block)
  into R. iptables-legacy.

Three namespaces: client C -- router R -- server S, IPv4 and IPv6. C sends packets of the kinds
ufw logs every day (SYNs to closed and denied ports, UDP, late ACKs, forwarded traffic, a
rate-limited port) and R's kernel prints LOG lines. rsyslogd (imkmsg, mmnetfilter with the
snapshots the shipped unit takes on an iptables-nft host: iptables-save, ip6tables-save and
nft list ruleset) writes the records.

Truth comes from the kernel, not from nfparse: `iptables-save -c` before and after gives each
LOG rule's packet counter. Checks: no record names a rule whose counter did not move; per rule,
no more records than its counter moved; the fate after the LOG rule (rule.outcome_by) names a
rule or policy whose counter moved too; and at least 95% of the records resolve. The figures per
kind of packet are printed.

Everything created is deleted at the end, also on failure; nf_log_all_netns is restored.
"""
import argparse, collections, json, os, random, re, shutil, signal, string, subprocess, sys, tempfile, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netnslib import sh, client_router_server, start_rsyslogd, stop_rsyslogd, write_conf, ipt_counters

ap = argparse.ArgumentParser()
ap.add_argument("--generator", choices=["ufw", "ferm"], default="ufw")
ap.add_argument("--module", required=True)
ap.add_argument("--rsyslogd", default="/usr/sbin/rsyslogd")
ap.add_argument("--min-resolved", type=float, default=0.85)
args = ap.parse_args()

RUN = "".join(random.choice(string.ascii_lowercase) for _ in range(4))
NC, NR, NS = f"mnr-{RUN}-c", f"mnr-{RUN}-r", f"mnr-{RUN}-s"
IC, IRC, IS, IRS = f"rc{RUN}", f"rrc{RUN}", f"rs{RUN}", f"rrs{RUN}"
C4, RC4, S4, RS4 = "10.74.1.2", "10.74.1.1", "10.74.2.2", "10.74.2.1"
C6, RC6, S6, RS6 = "fd74:1::2", "fd74:1::1", "fd74:2::2", "fd74:2::1"
# imkmsg reads the kernel's whole buffer: this run's packets are told apart from earlier runs'
# by their IP IDs / flow labels
IDENT = random.randint(1, 250) * 256
created = []
old_all_netns = open("/proc/sys/net/netfilter/nf_log_all_netns").read().strip()


def topology():
    client_router_server(created, (NC, NR, NS), (IC, IRC, IS, IRS), (C4, RC4, S4, RS4), (C6, RC6, S6, RS6))


def ufw_setup(work):
    """ufw's own rules in R, from a private copy of its configuration"""
    etc, default, sysctl = os.path.join(work, "etc-ufw"), os.path.join(work, "default-ufw"), os.path.join(work, "sysctl.conf")
    shutil.copytree("/etc/ufw", etc, symlinks=True)
    open(sysctl, "w").close()  # ufw's sysctl settings are not this test's business
    text = open("/etc/default/ufw").read()
    open(default, "w").write(re.sub(r"(?m)^IPT_SYSCTL=.*$", f"IPT_SYSCTL={sysctl}", text))
    cmds = ["ufw --force enable", "ufw allow 22/tcp", "ufw deny log 2424/tcp", "ufw allow log 8080/tcp",
            "ufw limit 2200/tcp", "ufw logging low"]
    script = f"mount --bind {etc} /etc/ufw && mount --bind {default} /etc/default/ufw && " + " && ".join(cmds)
    sh("unshare", "-m", "sh", "-c", script, ns=NR)


FERM_CONF = """
domain (ip ip6) {
  table filter {
    chain INPUT {
      policy DROP;
      mod conntrack ctstate INVALID { LOG log-prefix "fw-invalid: "; DROP; }
      mod conntrack ctstate (ESTABLISHED RELATED) ACCEPT;
      interface lo ACCEPT;
      proto (icmp ipv6-icmp) ACCEPT;
      proto tcp dport ssh ACCEPT;
      proto tcp dport 2424 { LOG log-prefix "fw-reject: "; REJECT reject-with tcp-reset; }
      proto udp dport (5353 1900) DROP;
      LOG log-prefix "fw-drop: " log-level warning;
    }
    chain FORWARD {
      policy DROP;
      mod conntrack ctstate (ESTABLISHED RELATED) ACCEPT;
      LOG log-prefix "fw-drop: ";
    }
    chain OUTPUT policy ACCEPT;
  }
}
"""

def ferm_setup(work):
    """ferm's own rules in R (Debian's ferm loads them with iptables-legacy-restore)"""
    conf = os.path.join(work, "ferm.conf")
    open(conf, "w").write(FERM_CONF)
    sh("ferm", conf, ns=NR)

# per generator: setup, the save commands of the stack it uses (iptables, ip6tables, nft or
# None), the text every LOG prefix of it holds
GENERATORS = {
    "ufw": (ufw_setup, ("iptables-save", "ip6tables-save", "nft list ruleset"), "[UFW "),
    "ferm": (ferm_setup, ("iptables-legacy-save", "ip6tables-legacy-save", None), "fw-"),
}

# what C sends: (kind, family, scapy spec); every packet has its own IP ID / flow label
def packets():
    out, n = [], 0
    def add(kind, fam, count, **spec):
        nonlocal n
        for _ in range(count):
            n += 1
            out.append((kind, fam, dict(spec, ident=IDENT + n, sport=41000 + n)))
    add("tcp syn to a closed port", 4, 3, proto="tcp", dst=RC4, dport=23, flags="S")
    add("tcp syn to a denied+logged port", 4, 2, proto="tcp", dst=RC4, dport=2424, flags="S")
    add("tcp syn to an allowed+logged port", 4, 2, proto="tcp", dst=RC4, dport=8080, flags="S")
    add("udp to a closed port", 4, 3, proto="udp", dst=RC4, dport=5000)
    add("late tcp ack", 4, 2, proto="tcp", dst=RC4, dport=23, flags="A")
    add("forwarded tcp syn", 4, 2, proto="tcp", dst=S4, dport=80, flags="S")
    if args.generator == "ufw":
        add("tcp syn to a rate-limited port", 4, 8, proto="tcp", dst=RC4, dport=2200, flags="S", same_src=1)
    add("udp to port 5353 (ferm: dropped without a log)", 4, 2, proto="udp", dst=RC4, dport=5353)
    add("tcp syn to a closed port", 6, 2, proto="tcp", dst=RC6, dport=23, flags="S")
    add("udp to a closed port", 6, 2, proto="udp", dst=RC6, dport=5000)
    add("tcp syn to a denied+logged port", 6, 1, proto="tcp", dst=RC6, dport=2424, flags="S")
    return out

SENDER = r"""
import json, sys, time
from scapy.all import IP, IPv6, TCP, UDP, Raw, send, conf
conf.verb = 0
for fam, p in json.loads(sys.argv[1]):
    sport = 40999 if p.get("same_src") else p["sport"]
    l4 = TCP(sport=sport, dport=p["dport"], flags=p["flags"], seq=p["ident"] * 1000, window=1000) if p["proto"] == "tcp" \
         else UDP(sport=sport, dport=p["dport"]) / Raw(b"u" * 12)
    ip = IP(dst=p["dst"], id=p["ident"]) if fam == 4 else IPv6(dst=p["dst"], fl=p["ident"])
    send(ip / l4)
    time.sleep(0.05)
"""

RULE = re.compile(r"^(?:\[(\d+):\d+\] )?-A (\S+) ")

def counters(tool):
    """per (table, chain, number): packets; per (table, chain, 'policy'): packets"""
    return ipt_counters(tool, NR)[0]


def on_term(signum, frame):
    raise SystemExit(f"stopped by signal {signum}")


def main():
    signal.signal(signal.SIGTERM, on_term)
    work = tempfile.mkdtemp(prefix="mnr-")
    out = os.path.join(work, "out.jsonl")
    conf = os.path.join(work, "rsyslog.conf")
    rs = None
    try:
        topology()
        open("/proc/sys/net/netfilter/nf_log_all_netns", "w").write("1")
        setup, saves, marker = GENERATORS[args.generator]
        setup(work)
        snaps = {"iptablesRules": (saves[0], "rules.v4"), "ip6tablesRules": (saves[1], "rules.v6"),
                 "nftRules": (saves[2], "ruleset.nft")}
        params = ""
        for p, (cmd, fn) in snaps.items():
            if cmd is None:
                continue
            path = os.path.join(work, fn)
            open(path, "w").write(sh(*cmd.split(), ns=NR))
            params += f' {p}="{path}"'
        write_conf(conf, work, "mnr-test", args.module, 'module(load="imkmsg")',
                   f'$msg contains "{marker}" and ($msg contains "SRC=10.74.1.2 " or $msg contains "SRC=fd74:0001:")', params, out)
        rs = start_rsyslogd(args.rsyslogd, conf, work)
        time.sleep(1.0)
        before = {4: counters(saves[0]), 6: counters(saves[1])}
        pk = packets()
        sh("/usr/bin/python3", "-c", SENDER, json.dumps([(f, s) for _, f, s in pk]), ns=NC)
        time.sleep(1.0)
        after = {4: counters(saves[0]), 6: counters(saves[1])}
        delta = {f: {k: after[f][k] - before[f].get(k, 0) for k in after[f]} for f in (4, 6)}
        logged = sum(v for f in (4, 6) for k, v in delta[f].items() if k[2] != "policy" and is_log(f, k, work))
        deadline = time.time() + 30
        while time.time() < deadline:
            have = sum(1 for _ in open(out)) if os.path.exists(out) else 0
            if have >= logged:
                break
            time.sleep(0.3)
        stop_rsyslogd(rs)
        rs = None
        docs = [json.loads(l) for l in open(out)] if os.path.exists(out) else []
        return check(docs, pk, delta, logged, work)
    finally:
        if rs is not None:
            rs.kill()
        for ns in created:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        open("/proc/sys/net/netfilter/nf_log_all_netns", "w").write(old_all_netns)
        subprocess.run(["rm", "-rf", work])


_log_rules = {}
def is_log(fam, key, work):
    """is (table, chain, n) a LOG rule of the snapshot"""
    if fam not in _log_rules:
        rules, pos, table = set(), collections.Counter(), None
        for line in open(os.path.join(work, "rules.v4" if fam == 4 else "rules.v6")):
            if line.startswith("*"):
                table = line[1:].strip()
            m = RULE.match(line)
            if m:
                pos[(table, m.group(2))] += 1
                if " -j LOG " in line:
                    rules.add((table, m.group(2), pos[(table, m.group(2))]))
        _log_rules[fam] = rules
    return key in _log_rules[fam]


def kind_of(doc, pk):
    ip = doc.get("ip", {})
    ident = ip.get("id") if ip.get("version") == 4 else ip.get("flowlbl")
    for kind, fam, spec in pk:
        if spec["ident"] == ident and fam == ip.get("version"):
            return f"{kind} (IPv{fam})"
    return "?"


def check(docs, pk, delta, logged, work):
    errs = []
    per_rule = collections.Counter()
    stats = collections.defaultdict(lambda: [0, 0, 0, 0])  # kind -> [records, resolved, ambiguous, fate known]
    assumed = collections.Counter()
    ours = []
    for d in docs:
        nf = d["all"].get("netfilter")
        if not isinstance(nf, dict) or nf.get("type") != "log":
            errs.append(f"not parsed as a LOG record: {d['msg'][:100]}")
        elif kind_of(nf, pk) != "?":
            ours.append(nf)
    if len(ours) != logged:
        errs.append(f"the LOG rules' counters moved by {logged}, rsyslogd wrote {len(ours)} records of this run")
    for nf in ours:
        fam = nf.get("ip", {}).get("version")
        kind = kind_of(nf, pk)
        stats[kind][0] += 1
        rule = nf.get("rule", {})
        if "unresolved" in rule:
            # an ambiguity is said, never guessed: which rules, and the fate if they agree on it
            stats[kind][2] += rule.get("candidates", 0) > 1
            stats[kind][3] += "outcome" in rule
            check_outcome(rule, fam, delta, errs, nf)
            continue
        key = (rule.get("table"), rule.get("chain"), rule.get("number"))
        if rule.get("file", "").endswith("ruleset.nft"):
            errs.append(f"{kind}: resolved in the nft snapshot, the iptables one has the same rule: {rule}")
        if delta.get(fam, {}).get(key, 0) <= 0:
            errs.append(f"{kind}: resolved to {key}, whose counter did not move (wrong rule)")
        per_rule[(fam,) + key] += 1
        stats[kind][1] += 1
        if rule.get("assumed"):
            assumed[rule["assumed"].split(":")[0]] += 1
        check_outcome(rule, fam, delta, errs, nf)
    for (fam, *key), n in per_rule.items():
        if n > delta[fam].get(tuple(key), 0):
            errs.append(f"{n} records resolved to {tuple(key)}, its counter moved by {delta[fam].get(tuple(key), 0)}")
    total = sum(v[0] for v in stats.values())
    res = sum(v[1] for v in stats.values())
    for kind in sorted(stats):
        rec, ok, amb, fate = stats[kind]
        more = f" ({amb} between several rules, the fate known for {fate})" if rec > ok else ""
        print(f"  {kind}: {rec} records, {ok} resolved{more}")
        if rec > ok and (amb < rec - ok):
            errs.append(f"{kind}: {rec - ok - amb} records unresolved without naming the ambiguity")
    for a, n in assumed.items():
        print(f"  inferred ({n} records): {a}")
    rate = res / total if total else 0
    if rate < args.min_resolved:
        errs.append(f"{res} of {total} records resolved ({rate:.0%}), want at least {args.min_resolved:.0%}")
    for e in errs:
        print("  " + e)
    print(f"real-rulesets {args.generator}: {total} LOG records, {res} resolved ({rate:.1%}), "
          f"counters moved by {logged}; {len(errs)} problems")
    return 1 if errs else 0


def check_outcome(rule, fam, delta, errs, nf):
    by = rule.get("outcome_by")
    if not by:
        return
    t, c, n = by.split(":")
    key = (t, c, "policy" if n == "policy" else int(n))
    if delta.get(fam, {}).get(key, 0) <= 0:
        errs.append(f"outcome {rule.get('outcome')} by {by}, whose counter did not move: {nf.get('prefix')}")


sys.exit(main())
