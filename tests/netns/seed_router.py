#!/usr/bin/python3
"""The case that started the project, rebuilt on a real kernel: the OpenStack router whose nat
table kept a VM's ping from being SNATed (tests/golden/seed/).

Three namespaces of this test's own: the VM (10.0.0.4), the router R with the seed's interface
names and MACs (tap5c42978b-ac towards the VM, br-ex with 192.168.0.15 and the floating
addresses towards the outside) and its nat table exactly as the admin saved it, and the outside
host 192.168.0.19, which has no route back to 10.0.0.0/24 (as on the real network). R traces
ICMP as the admin did (`-t raw -A PREROUTING -p icmp -j TRACE`, iptables-legacy); rsyslogd
(imkmsg, mmnetfilter with R's snapshot) writes the records; `nfparse explain` answers.

1. As in the seed: the VM pings 192.168.0.19 and gets no answer. Truth from the outside host's
   own counters: the echo request arrived from 10.0.0.4, not SNATed. The walk must say the
   ACCEPT of nat:quantum-l3-agent-POSTROUTING:rule:1 ended nat POSTROUTING, and name the SNAT
   rules it kept from running (float-snat's 192.168.0.16, snat's 192.168.0.15).
2. The admin's fix: that rule deleted, a new snapshot, a new ping. Truth: it arrives from
   192.168.0.16 (the floating address) and the VM gets its answer. The walk names the SNAT of
   quantum-l3-agent-float-snat.

Everything created is deleted at the end, also on failure; nf_log_all_netns is restored.
"""
import argparse, json, os, random, signal, string, subprocess, sys, tempfile, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netnslib import sh, start_rsyslogd, stop_rsyslogd, write_conf, ipt_counters, wait_for_output, read_jsonl

ap = argparse.ArgumentParser()
ap.add_argument("--module", required=True)
ap.add_argument("--nfparse", required=True)
ap.add_argument("--rules", required=True, help="the seed's iptables-save of the nat table")
ap.add_argument("--rsyslogd", default="/usr/sbin/rsyslogd")
args = ap.parse_args()

RUN = "".join(random.choice(string.ascii_lowercase) for _ in range(4))
NVM, NR, NX = f"mns-{RUN}-vm", f"mns-{RUN}-qrouter", f"mns-{RUN}-ext"
TAP, BREX = "tap5c42978b-ac", "br-ex"  # the seed's names (inside R: no clash with the host's)
# imkmsg reads the kernel's whole buffer, where earlier runs left the same addresses and names:
# this run's echo requests have a payload size of their own (and so an IP length)
PAYLOAD = random.randint(100, 1400)
created = []
old_all_netns = open("/proc/sys/net/netfilter/nf_log_all_netns").read().strip()


def topology():
    for n in (NVM, NR, NX):
        sh("ip", "netns", "add", n); created.append(n)
        sh("ip", "link", "set", "lo", "up", ns=n)
    sh("ip", "link", "add", "eth0", "netns", NVM, "address", "fa:16:3e:a4:49:14", "type", "veth",
       "peer", "name", TAP, "netns", NR, "address", "fa:16:3e:a7:0c:f3")
    sh("ip", "link", "add", BREX, "netns", NR, "type", "veth", "peer", "name", "eth0", "netns", NX)
    for n, ifc, addrs in ((NVM, "eth0", ["10.0.0.4/24"]), (NR, TAP, ["10.0.0.1/24"]),
                          (NR, BREX, ["192.168.0.15/24", "192.168.0.16/32", "192.168.0.17/32"]),
                          (NX, "eth0", ["192.168.0.19/24"])):
        for a in addrs:
            sh("ip", "addr", "add", a, "dev", ifc, ns=n)
        sh("ip", "link", "set", ifc, "up", ns=n)
    sh("ip", "route", "add", "default", "via", "10.0.0.1", ns=NVM)
    sh("sysctl", "-qw", "net.ipv4.ip_forward=1", ns=NR)
    # the outside host counts the echo requests by the source they arrive with
    for src in ("10.0.0.4", "192.168.0.16", "192.168.0.15"):
        sh("iptables-legacy", "-A", "INPUT", "-p", "icmp", "--icmp-type", "echo-request", "-s", src, ns=NX)


def arrived():
    c, _ = ipt_counters("iptables-legacy-save", NX)
    return {src: c[("filter", "INPUT", i + 1)] for i, src in enumerate(("10.0.0.4", "192.168.0.16", "192.168.0.15"))}


def ping():
    """one echo request from the VM; True when the answer came"""
    return subprocess.run(["ip", "netns", "exec", NVM, "ping", "-n", "-c", "1", "-W", "1", "-s", str(PAYLOAD), "192.168.0.19"],
                          capture_output=True).returncode == 0


def on_term(signum, frame):
    raise SystemExit(f"stopped by signal {signum}")


def main():
    signal.signal(signal.SIGTERM, on_term)
    work = tempfile.mkdtemp(prefix="mns-")
    out, conf, snap = (os.path.join(work, f) for f in ("out.jsonl", "rsyslog.conf", "rules.v4"))
    rs = None
    try:
        topology()
        open("/proc/sys/net/netfilter/nf_log_all_netns", "w").write("1")
        sh("iptables-legacy-restore", ns=NR, input=open(args.rules).read())
        sh("iptables-legacy", "-t", "raw", "-A", "PREROUTING", "-p", "icmp", "-j", "TRACE", ns=NR)
        open(snap, "w").write(sh("iptables-legacy-save", ns=NR))
        write_conf(conf, work, "openstack-network", args.module, 'module(load="imkmsg")',
                   f'$msg contains "{TAP}" and $msg contains "TRACE:" and $msg contains "SRC=10.0.0.4 " and $msg contains "LEN={PAYLOAD + 28} "',
                   f' iptablesRules="{snap}"', out)
        rs = start_rsyslogd(args.rsyslogd, conf, work)
        time.sleep(1.0)
        results = []
        for phase in ("as saved", "the ACCEPT deleted"):
            if phase != "as saved":
                sh("iptables-legacy", "-t", "nat", "-D", "quantum-l3-agent-POSTROUTING", "1", ns=NR)
                open(snap, "w").write(sh("iptables-legacy-save", ns=NR))
                # the module follows its snapshot file by itself from the first record after a
                # change (that record meets the old one: "stale snapshot"); a HUP reloads at once
                rs.send_signal(signal.SIGHUP)
                time.sleep(1.0)
            before = arrived()
            answered = ping()
            after = arrived()
            results.append((phase, answered, {k: after[k] - before[k] for k in after}))
        # wait until the TRACE lines of both pings were written
        wait_for_output(out, lambda recs: len({r["all"]["netfilter"]["trace"]["packet"] for r in recs
                                               if r["all"].get("netfilter")}) >= 2, 20)
        stop_rsyslogd(rs); rs = None
        return check(read_jsonl(out), results, snap, work)
    finally:
        if rs is not None:
            rs.kill()
        for n in created:
            subprocess.run(["ip", "netns", "del", n], capture_output=True)
        open("/proc/sys/net/netfilter/nf_log_all_netns", "w").write(old_all_netns)
        subprocess.run(["rm", "-rf", work])


def check(recs, results, snap, work):
    errs = []
    (p1, ans1, got1), (p2, ans2, got2) = results
    # the kernel's side first: what arrived, and whether the VM got its answer
    if ans1 or got1 != {"10.0.0.4": 1, "192.168.0.16": 0, "192.168.0.15": 0}:
        errs.append(f"{p1}: answered {ans1}, arrived by source {got1} (the seed: from 10.0.0.4, no answer)")
    if not ans2 or got2 != {"10.0.0.4": 0, "192.168.0.16": 1, "192.168.0.15": 0}:
        errs.append(f"{p2}: answered {ans2}, arrived by source {got2} (want: from 192.168.0.16, answered)")
    unresolved = [r["all"]["netfilter"] for r in recs if "unresolved" in r["all"]["netfilter"].get("rule", {"unresolved": 1})
                  and r["all"]["netfilter"]["trace"]["type"] != "packet"]
    if unresolved:
        errs.append(f"{len(unresolved)} steps unresolved, e.g. {unresolved[0]['trace']}: {unresolved[0].get('rule')}")
    # the walks, in the order the pings were sent
    msgs = os.path.join(work, "msgs.log")
    open(msgs, "w").write("".join(r["msg"] + "\n" for r in recs))
    saved = os.path.join(work, "saved.v4")
    open(saved, "w").write(open(args.rules).read())
    walks = []
    for rules in (saved, snap):  # the first ping against the rules as saved, the second as fixed
        ex = subprocess.run([args.nfparse, "explain", "--json", "-m", "--host", "openstack-network",
                             "--iptables-rules", rules, msgs], capture_output=True, text=True)
        walks.append([json.loads(l) for l in ex.stdout.splitlines()])
    if len(walks[0]) != 2:
        errs.append(f"explain found {len(walks[0])} walks, want the 2 pings'")
        return report(errs, results, walks)
    w1, w2 = walks[0][0], walks[1][1]
    post1 = [d for d in w1["decisions"] if (d["table"], d["chain"]) == ("nat", "POSTROUTING")]
    st1 = w1["steps"][post1[0]["step"] - 1] if post1 and "step" in post1[0] else {}
    if (st1.get("chain"), st1.get("rulenum")) != ("quantum-l3-agent-POSTROUTING", 1) or post1[0]["verdict"] != "accept":
        errs.append(f"{p1}: nat POSTROUTING decided by {st1.get('chain')}:{st1.get('rulenum')}, want quantum-l3-agent-POSTROUTING:1")
    kept = json.dumps(w1.get("never_run", []))
    for snat in ("--to-source 192.168.0.16", "--to-source 192.168.0.15"):
        if snat not in kept:
            errs.append(f"{p1}: the SNAT rule with {snat} is not among the rules the ACCEPT kept from running")
    if w1["verdict"] != "accept":
        errs.append(f"{p1}: verdict {w1['verdict']} (the request left R: accept)")
    post2 = [d for d in w2["decisions"] if (d["table"], d["chain"]) == ("nat", "POSTROUTING")]
    st2 = w2["steps"][post2[0]["step"] - 1] if post2 and "step" in post2[0] else {}
    if st2.get("chain") != "quantum-l3-agent-float-snat" or "--to-source 192.168.0.16" not in st2.get("rule", {}).get("text", ""):
        errs.append(f"{p2}: nat POSTROUTING decided by {st2.get('chain')} {st2.get('rule', {}).get('text')!r}, want float-snat's SNAT")
    return report(errs, results, walks)


def report(errs, results, walks):
    for e in errs:
        print("  " + e)
    print(f"seed-router: {'; '.join(f'{p}: answered {a}, arrived from {[k for k, v in g.items() if v]}' for p, a, g in results)}; "
          f"{len(errs)} problems")
    return 1 if errs else 0


sys.exit(main())
