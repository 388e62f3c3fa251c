#!/usr/bin/python3
"""firewalld's own rules (nftables backend), and which rule took each packet.

Debian's firewalld runs inside the router namespace R of this test (nsenter: only its network
namespace), on a private D-Bus system bus of the test's own and a private copy of its system
configuration (/etc/firewalld is read, never written) with LogDenied=all. Runtime settings
only, as an admin types them: R's client side in zone public (ssh allowed), its server side in
zone dmz, a rich rule that logs and drops one client. firewalld writes table inet firewalld;
a table of the test's own sets nftrace for the client's packets, `nft -a monitor trace` prints
the kernel's trace, and the kernel prints the LOG lines firewalld's log statements make
(prefixes such as "filter_IN_public_REJECT: ", and "FINAL_REJECT: ", which firewalld puts in
several chains).

Client C (two addresses, IPv4 and IPv6) connects, one connection at a time, each from its own
source port: to ssh (allowed; R answers with a reset), to a closed port (TCP and UDP, IPv4 and
IPv6: firewalld rejects and logs), as the blocked client (rich rule: logged, dropped), and to S
behind R (zone public to dmz: rejected and logged).

Truth from the kernel and the client, not from nfparse: what the client saw (a reset, an ICMP
reject, nothing), and the kernel's own trace of each packet (the rules it ran, by handle, in
order). Checks: each walk's verdict is the client's, decided by the rule the scenario names;
every LOG record resolves to the log rule (by handle) that the kernel's trace of the same
packet shows, and its fate is the client's (at least 95% resolve); the static walk agrees.

Everything created is deleted at the end, also on failure (firewalld, the bus, namespaces,
files); nf_log_all_netns is restored.
"""
import argparse, collections, json, os, random, re, shutil, signal, string, subprocess, sys, tempfile, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netnslib import sh, client_router_server, start_rsyslogd, stop_rsyslogd, write_conf, start_monitor, wait_for_output, read_jsonl, CONNECT, dest_unreachs

ap = argparse.ArgumentParser()
ap.add_argument("--module", required=True)
ap.add_argument("--nfparse", required=True)
ap.add_argument("--rsyslogd", default="/usr/sbin/rsyslogd")
ap.add_argument("--keep", action="store_true", help="keep the work directory (printed)")
args = ap.parse_args()

RUN = "".join(random.choice(string.ascii_lowercase) for _ in range(4))
NC, NR, NS = f"mnf-{RUN}-c", f"mnf-{RUN}-r", f"mnf-{RUN}-s"
IC, IRC, IS, IRS = f"fc{RUN}", f"frc{RUN}", f"fs{RUN}", f"frs{RUN}"
C4, RC4, S4, RS4 = "10.76.1.2", "10.76.1.1", "10.76.2.2", "10.76.2.1"
C4B = "10.76.1.3"
C6, RC6, S6, RS6 = "fd76:1::2", "fd76:1::1", "fd76:2::2", "fd76:2::1"
SPORT0 = random.randint(200, 600) * 64
created = []
old_all_netns = open("/proc/sys/net/netfilter/nf_log_all_netns").read().strip()

# (kind, proto, source, destination, port, the client's fate, decider: chain and rule pattern)
CONNS = [
    ("ssh, allowed by zone public", "tcp", C4, RC4, 22, "accept", ("filter_IN_public_allow", r"dport 22 .*accept")),
    ("closed port", "tcp", C4, RC4, 23, "reject", ("filter_IN_public", r"^reject")),
    ("closed port, IPv6", "tcp", C6, RC6, 23, "reject", ("filter_IN_public", r"^reject")),
    ("closed UDP port", "udp", C4, RC4, 5000, "reject", ("filter_IN_public", r"^reject")),
    ("blocked client (rich rule)", "tcp", C4B, RC4, 22, "drop", ("filter_IN_public_deny", r"10\.76\.1\.3 drop")),
    ("to S behind R (zone public to dmz)", "tcp", C4, S4, 80, "reject", ("filter_FWD_public", r"^reject")),
]
ROUNDS = 2
FATE = {"refused": "accept", "http": "accept", "connected": "accept", "rejected": "reject", "nothing": "drop"}

TRACE_TABLE = """
table inet mnftrace {
  chain pre { type filter hook prerouting priority -350;
    ip saddr 10.76.1.0/24 meta nftrace set 1
    ip6 saddr fd76:1::/64 meta nftrace set 1
  }
}
"""


class Firewalld:
    """firewalld in R's network namespace on a private system bus"""
    def __init__(self, work):
        self.work, self.bus, self.fwd = work, None, None
        etc = os.path.join(work, "firewalld")
        shutil.copytree("/etc/firewalld", etc, symlinks=True)
        cf = os.path.join(etc, "firewalld.conf")
        text = open(cf).read()
        for k, v in (("LogDenied", "all"), ("FirewallBackend", "nftables")):
            text = re.sub(rf"(?m)^{k}=.*$", f"{k}={v}", text)
        open(cf, "w").write(text)
        sock = os.path.join(work, "bus")
        conf = os.path.join(work, "bus.conf")
        open(conf, "w").write(f"""<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>system</type><listen>unix:path={sock}</listen><auth>EXTERNAL</auth>
<policy context="default"><allow user="root"/><allow own="*"/><allow send_destination="*"/>
<allow receive_sender="*"/></policy></busconfig>
""")
        self.env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=f"unix:path={sock}")
        self.bus = subprocess.Popen(["dbus-daemon", f"--config-file={conf}", "--nofork"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(50):
            if os.path.exists(sock):
                break
            time.sleep(0.1)
        self.fwd = subprocess.Popen(["nsenter", f"--net=/run/netns/{NR}", "firewalld", "--nofork", "--nopid",
                                     "--system-config", etc, "--log-target", "file",
                                     "--log-file", os.path.join(work, "firewalld.log")],
                                    env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 40
        while time.time() < deadline:
            if self.fwd.poll() is not None:
                raise RuntimeError("firewalld exited: " + open(os.path.join(work, "firewalld.log")).read()[-600:])
            if self.cmd("--state", check=False).strip() == "running":
                return
            time.sleep(0.5)
        raise RuntimeError("firewalld is not running after 40 s")

    def cmd(self, *a, check=True):
        r = subprocess.run(["firewall-cmd"] + list(a), env=self.env, capture_output=True, text=True)
        if check and r.returncode != 0:
            raise RuntimeError(f"firewall-cmd {' '.join(a)}: {r.stderr.strip()}")
        return r.stdout

    def stop(self):
        for p in (self.fwd, self.bus):
            if p is not None and p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill(); p.wait()


def on_term(signum, frame):
    raise SystemExit(f"stopped by signal {signum}")


def main():
    signal.signal(signal.SIGTERM, on_term)
    work = tempfile.mkdtemp(prefix="mnf-firewalld-")
    out, mon = os.path.join(work, "out.jsonl"), os.path.join(work, "monitor.log")
    conf = os.path.join(work, "rsyslog.conf")
    rs = monp = fw = None
    try:
        client_router_server(created, (NC, NR, NS), (IC, IRC, IS, IRS), (C4, RC4, S4, RS4), (C6, RC6, S6, RS6))
        sh("ip", "addr", "add", C4B + "/24", "dev", IC, ns=NC)
        open("/proc/sys/net/netfilter/nf_log_all_netns", "w").write("1")
        fw = Firewalld(work)
        fw.cmd("--zone=public", f"--change-interface={IRC}")
        fw.cmd("--zone=dmz", f"--change-interface={IRS}")
        fw.cmd("--zone=public", f"--add-rich-rule=rule family=ipv4 source address={C4B} log prefix=\"fw-blocked: \" level=warning drop")
        sh("nft", "-f", "-", ns=NR, input=TRACE_TABLE)
        snap = os.path.join(work, "ruleset.nft")
        open(snap, "w").write(sh("nft", "-a", "list", "ruleset", ns=NR))
        flags = ["--nft-rules", snap]
        monp = start_monitor(NR, mon, "nft", "-a", "monitor", "trace")
        write_conf(conf, work, "mnf-test", args.module,
                   f'module(load="imkmsg")\nmodule(load="imfile")\ninput(type="imfile" file="{mon}" tag="nftrace:" addMetadata="off")',
                   f'($inputname == "imkmsg" and $msg contains "{RUN}") or $syslogtag == "nftrace:"', f' nftRules="{snap}"', out)
        rs = start_rsyslogd(args.rsyslogd, conf, work)
        time.sleep(1.0)  # the monitor subscribes, imfile starts
        conns = []
        for r in range(ROUNDS):
            for i, (kind, proto, src_a, dst, port, fate, decider) in enumerate(CONNS):
                sport = SPORT0 + r * len(CONNS) + i
                unreach = dest_unreachs(NC)
                saw = sh("/usr/bin/python3", "-c", CONNECT, proto, src_a, dst, str(port), str(sport), ns=NC).strip()
                if dest_unreachs(NC) > unreach:  # the reject's ICMP error reached C
                    saw = "rejected"
                conns.append((kind, sport, saw, fate, decider))
                time.sleep(0.2)
        time.sleep(1.0)
        monp.terminate(); monp.wait(timeout=10); monp = None
        # the monitor's lines and the kernel's LOG lines, all written (bounded)
        want = sum(1 for l in open(mon) if l.strip())
        wait_for_output(out, lambda docs: len(docs) >= want, 30)
        stop_rsyslogd(rs); rs = None
        return check(read_jsonl(out), conns, flags, work)
    finally:
        if monp is not None:
            monp.kill()
        if rs is not None:
            rs.kill()
        if fw is not None:
            fw.stop()
        for ns in created:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        open("/proc/sys/net/netfilter/nf_log_all_netns", "w").write(old_all_netns)
        if args.keep:
            print("firewalld-walks: kept", work)
        else:
            subprocess.run(["rm", "-rf", work])


def port_of(nf, by_sport):
    for p in ("tcp", "udp"):
        x = nf.get(p) or {}
        if x.get("spt") in by_sport:
            return x["spt"]
        if x.get("dpt") in by_sport:
            return x["dpt"]
    return None


def check(docs, conns, flags, work):
    errs = []
    by_sport = {c[1]: (i, c) for i, c in enumerate(conns)}
    for kind, sport, saw, fate, _ in conns:
        if FATE.get(saw) != fate:
            errs.append(f"{kind}: the client saw {saw!r} (the scenario expects {fate})")
    recs = [(d["msg"], d["all"].get("netfilter")) for d in docs]
    # the kernel's trace, per connection: its packet lines name the ports, its rule steps the
    # rules by handle; the log rules it ran are the truth for the LOG records
    pid_port, logged_by = {}, collections.defaultdict(list)
    for msg, nf in recs:
        if isinstance(nf, dict) and nf.get("type") == "trace" and nf["trace"].get("type") == "packet":
            p = port_of(nf, by_sport)
            if p is not None:
                pid_port[nf["trace"]["packet"]] = p
    steps = resolved = 0
    for msg, nf in recs:
        if not isinstance(nf, dict) or nf.get("type") != "trace" or nf["trace"].get("type") == "packet":
            continue
        t = nf["trace"]
        p = pid_port.get(t.get("packet"))
        if p is None:
            continue
        steps += 1
        rule = nf.get("rule") or {}
        if t["type"] == "rule":
            if not rule or "unresolved" in rule:
                errs.append(f"{by_sport[p][1][0]}: unresolved step {t}: {rule}"); continue
            resolved += 1
            if rule.get("handle") != t.get("handle"):
                errs.append(f"{by_sport[p][1][0]}: step handle {t.get('handle')} resolved to handle {rule.get('handle')}")
            if " log " in f" {t.get('rule_text', '')} ":
                logged_by[p].append((t["table"], t["chain"], t.get("handle")))
        else:
            resolved += 1
    logs = logs_resolved = 0
    for msg, nf in recs:
        if not isinstance(nf, dict) or nf.get("type") != "log":
            continue
        p = port_of(nf, by_sport)
        if p is None:
            continue
        i, (kind, _s, saw, fate, _d) = by_sport[p]
        logs += 1
        rule = nf.get("rule") or {}
        if not rule or "unresolved" in rule:
            errs.append(f"{kind}: LOG record {nf.get('prefix')!r} not resolved: {rule}")
            continue
        logs_resolved += 1
        got = (rule.get("table"), rule.get("chain"), rule.get("handle"))
        truth = logged_by.get(p, [])
        if not any(got[1:] == x[1:] and (got[0] or "").endswith(x[0].split()[-1]) for x in truth):
            errs.append(f"{kind}: LOG record {nf.get('prefix')!r} resolved to {got}; the kernel's trace ran the log rules {truth}")
        if rule.get("outcome") and rule["outcome"] != fate:
            errs.append(f"{kind}: LOG record's fate {rule['outcome']}, the client's {fate}")
    ex = subprocess.run([args.nfparse, "explain", "--json", "-m"] + flags +
                        [os.path.join(work, "monitor.log")], capture_output=True, text=True)
    if ex.returncode != 0:
        errs.append("nfparse explain failed: " + ex.stderr)
    walks = {}
    for j in map(json.loads, ex.stdout.splitlines()):
        p = pid_port.get(j["packet"])
        if p is not None:
            walks[p] = j
    agree = right = 0
    for i, (kind, sport, saw, fate, decider) in enumerate(conns):
        j = walks.get(sport)
        if j is None:
            errs.append(f"{kind}: no walk"); continue
        d = j.get("decided_by", {})
        text = d.get("rule_text") or d.get("rule", {}).get("text", "")
        ok = j["verdict"] == fate and d.get("chain") == decider[0] and re.search(decider[1], text) is not None
        if not ok:
            errs.append(f"{kind}: verdict {j['verdict']} by {d.get('chain')} {text!r}; the client's {fate}, want {decider}")
        else:
            right += 1
        target = [c for c in CONNS if c[0] == kind][0]
        proto, src, dst, port = target[1], target[2], target[3], target[4]
        fwd = f" out {IRS}" if dst == S4 else ""
        a = f"[{src}]:{sport} > [{dst}]:{port}" if ":" in src else f"{src}:{sport} > {dst}:{port}"
        pkt = f"{proto} {a} in {IRC}{fwd}" + (" flags S" if proto == "tcp" else "")
        sx = subprocess.run([args.nfparse, "explain", "--json", "--packet", pkt] + flags, capture_output=True, text=True)
        if sx.returncode != 0:
            errs.append(f"{kind}: explain --packet: {sx.stderr.strip()}"); continue
        sw = json.loads(sx.stdout)["walks"][0]
        sd = sw["steps"][sw["decided_by_index"] - 1] if "decided_by_index" in sw else {}
        if sw["verdict"] != j["verdict"] or sd.get("chain") != d.get("chain") or sd.get("handle") != (d.get("rule") or {}).get("handle"):
            errs.append(f"{kind}: static walk {sw['verdict']} by {sd.get('chain')} #{sd.get('handle')}, "
                        f"traced {j['verdict']} by {d.get('chain')} #{(d.get('rule') or {}).get('handle')}")
        else:
            agree += 1
    rate = logs_resolved / logs if logs else 0
    if logs == 0 or rate < 0.95:
        errs.append(f"LOG records resolved: {logs_resolved} of {logs}")
    for e in errs:
        print("  " + e)
    print(f"firewalld-walks: {len(conns)} connections, {steps} steps, {resolved} resolved, walks right {right}/{len(conns)}, "
          f"static walks agreeing {agree}/{len(conns)}, LOG records {logs_resolved}/{logs} resolved to the rule the kernel ran; "
          f"{len(errs)} problems")
    return 1 if errs else 0


sys.exit(main())
