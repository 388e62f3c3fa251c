#!/usr/bin/python3
"""Docker's own rules, a real container, and which rule took each packet.

Debian's dockerd (docker.io) runs inside the router namespace R of this test (nsenter: only
its network namespace, so that the host's firewall is never touched), with a data and exec
root of the test's own, and writes its chain layout there: DOCKER, DOCKER-USER,
DOCKER-ISOLATION-STAGE-1/2, the published port's DNAT and the filter rule that lets it in.
A container (an image imported from Debian's busybox-static, no registry) serves HTTP on a
published port 8080 -> 80. The admin's additions follow Docker's documentation: in DOCKER-USER
a blocked client, logged and dropped; at the end of FORWARD, a LOG with the same prefix for
what Docker's policy DROP is about to take. R's raw table traces every SYN from the client side.

  --stack legacy : dockerd's iptables is iptables-legacy (PATH); kernel TRACE -> imkmsg
  --stack xtables: iptables-nft; TRACE -> `xtables-monitor --trace` -> file -> imfile

Client C (two addresses) connects, one connection at a time, each from its own source port:
to the published port (allowed; blocked client), to the container's address directly (port 80
and an unpublished port), to a server S behind R (Docker's FORWARD policy drops it), to an
unpublished port of R itself. rsyslogd runs mmnetfilter with R's snapshots on the TRACE and
LOG lines.

Truth from the kernel and the client, not from nfparse: what the connect saw (an HTTP answer
from the container, a refusal from R, nothing), and `iptables-save -c` before and after each
connection. Checks: each traced walk's verdict is the connection's fate; the deciding rule's
counter moved for that connection (and for Docker's published port it is the ACCEPT in filter
DOCKER, never the DNAT or a nat policy); every step and every LOG record names a rule whose
counter moved for its connection; LOG records resolve (at least 95%) and their fate is the
connection's; the static walk (`explain --packet`) agrees with the traced one.

Everything created is deleted at the end, also on failure (container, dockerd and its
containerd, namespaces, files); nf_log_all_netns is restored.
"""
import argparse, collections, json, os, random, re, signal, string, subprocess, sys, tempfile, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netnslib import sh, client_router_server, start_rsyslogd, stop_rsyslogd, CONNECT

ap = argparse.ArgumentParser()
ap.add_argument("--stack", choices=["legacy", "xtables"], required=True)
ap.add_argument("--module", required=True)
ap.add_argument("--nfparse", required=True)
ap.add_argument("--rsyslogd", default="/usr/sbin/rsyslogd")
ap.add_argument("--keep", action="store_true", help="keep the work directory (printed)")
args = ap.parse_args()

RUN = "".join(random.choice(string.ascii_lowercase) for _ in range(4))
NC, NR, NS = f"mnd-{RUN}-c", f"mnd-{RUN}-r", f"mnd-{RUN}-s"
IC, IRC, IS, IRS = f"dc{RUN}", f"drc{RUN}", f"ds{RUN}", f"drs{RUN}"
C4, RC4, S4, RS4 = "10.75.1.2", "10.75.1.1", "10.75.2.2", "10.75.2.1"
C4B = "10.75.1.3"  # the client Docker's admin blocks
C6, RC6, S6, RS6 = "fd75:1::2", "fd75:1::1", "fd75:2::2", "fd75:2::1"
CONTAINER = "172.17.0.2"  # dockerd's first container on its default bridge
PREFIX = "docker-drop: "
SPORT0 = random.randint(200, 600) * 64  # each connection's own source port, apart from earlier runs'
created = []
old_all_netns = open("/proc/sys/net/netfilter/nf_log_all_netns").read().strip()

# the connections: (kind, source address, destination, port, expected fate, expected decider)
# decider: (table, chain, rule text pattern) of the rule that decides, or (table, chain, "policy")
CONNS = [
    ("published port", C4, RC4, 8080, "accept", ("filter", "DOCKER", r"-j ACCEPT$")),
    ("published port, blocked client", C4B, RC4, 8080, "drop", ("filter", "DOCKER-USER", r"-j DROP$")),
    ("container address, its port", C4, CONTAINER, 80, "accept", ("filter", "DOCKER", r"-j ACCEPT$")),
    ("container address, port not published", C4, CONTAINER, 81, "drop", ("filter", "FORWARD", "policy")),
    ("server behind the Docker host", C4, S4, 80, "drop", ("filter", "FORWARD", "policy")),
    ("Docker host, port not published", C4, RC4, 8081, "accept", ("filter", "INPUT", "policy")),
]
# iptables-nft makes a built-in chain only when a rule or policy needs it: with Docker's rules
# alone there is no filter INPUT chain in the kernel (iptables-nft-save prints one all the
# same), so a packet for R itself meets no filter decision; the last policy it met was raw's
XTABLES_DECIDER = {"Docker host, port not published": ("raw", "PREROUTING", "policy")}
ROUNDS = 2



def teardown(work, dockerd):
    if dockerd is not None:
        docker(work, "rm", "-f", "web", check=False)
        dockerd.terminate()
        try:
            dockerd.wait(timeout=20)
        except subprocess.TimeoutExpired:
            dockerd.kill(); dockerd.wait()
    for ns in created:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)
    open("/proc/sys/net/netfilter/nf_log_all_netns", "w").write(old_all_netns)
    # a dockerd that died leaves its mounts: none may outlive the test
    for line in reversed(open("/proc/self/mounts").read().splitlines()):
        mnt = line.split()[1]
        if mnt.startswith(work + "/"):
            subprocess.run(["umount", "-l", mnt], capture_output=True)
    if args.keep:
        print("docker-walks: kept", work)
        subprocess.run(["rm", "-rf", os.path.join(work, "docker"), os.path.join(work, "rootfs")])
    else:
        subprocess.run(["rm", "-rf", work])


def docker(work, *a, check=True):
    r = subprocess.run(["/usr/bin/docker", "-H", f"unix://{work}/docker.sock"] + list(a), capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(f"docker {' '.join(a)}: {r.stderr.strip()}")
    return r.stdout


def start_dockerd(work):
    """dockerd in R's network namespace only, with the stack's iptables first in its PATH"""
    bindir = os.path.join(work, "bin")
    os.makedirs(bindir)
    flavour = "legacy" if args.stack == "legacy" else "nft"
    for t in ("iptables", "iptables-save", "iptables-restore", "ip6tables", "ip6tables-save", "ip6tables-restore"):
        os.symlink(f"/usr/sbin/{t.replace('tables', 'tables-' + flavour, 1)}", os.path.join(bindir, t))
    cfg = os.path.join(work, "daemon.json")
    open(cfg, "w").write("{}\n")
    env = dict(os.environ, PATH=f"{bindir}:/usr/sbin:/usr/bin:/sbin:/bin")
    d = subprocess.Popen(["nsenter", f"--net=/run/netns/{NR}", "dockerd", "--data-root", f"{work}/docker",
                          "--exec-root", f"{work}/docker-exec", "--pidfile", f"{work}/docker.pid",
                          "-H", f"unix://{work}/docker.sock", "--config-file", cfg, "--storage-driver", "vfs",
                          "--ip6tables=false"],
                         env=env, stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "dockerd.log"), "w"))
    deadline = time.time() + 40
    while time.time() < deadline:
        if d.poll() is not None:
            raise RuntimeError("dockerd exited: " + open(os.path.join(work, "dockerd.log")).read()[-600:])
        if docker(work, "info", "--format", "{{.ServerVersion}}", check=False).strip():
            return d
        time.sleep(0.5)
    raise RuntimeError("dockerd did not answer within 40 s")


def container(work):
    root = os.path.join(work, "rootfs")
    os.makedirs(os.path.join(root, "bin"))
    subprocess.run(["cp", "/bin/busybox", os.path.join(root, "bin")], check=True)
    # Debian's busybox-static needs nothing more; the dynamic busybox, its libraries
    for lib in re.findall(r"(/\S+\.so[.\d]*) ", sh("sh", "-c", "ldd /bin/busybox || true")):
        dst = os.path.join(root, lib.lstrip("/"))
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        subprocess.run(["cp", "-L", lib, dst], check=True)
    os.makedirs(os.path.join(root, "www"))
    open(os.path.join(root, "www", "index.html"), "w").write("mmnetfilter\n")
    tar = subprocess.run(["tar", "-C", root, "-c", "."], capture_output=True, check=True).stdout
    r = subprocess.run(["/usr/bin/docker", "-H", f"unix://{work}/docker.sock", "import", "-", f"mnf-{RUN}/bb:1"], input=tar,
                       capture_output=True)
    if r.returncode != 0:
        raise RuntimeError("docker import: " + r.stderr.decode())
    docker(work, "run", "-d", "--name", "web", "-p", "8080:80", f"mnf-{RUN}/bb:1", "/bin/busybox", "httpd", "-f", "-p", "80", "-h", "/www")
    ip = docker(work, "inspect", "-f", "{{.NetworkSettings.IPAddress}}", "web").strip()
    if ip != CONTAINER:
        raise RuntimeError(f"the container got {ip}, the test expects {CONTAINER}")


RULE = re.compile(r"^(?:\[(\d+):\d+\] )?-A (\S+) ")
POLICY = re.compile(r"^:(\S+) (ACCEPT|DROP) \[(\d+):\d+\]")

def counters(save):
    """(table, chain, n) -> packets, (table, chain, 'policy') -> packets; and the rule texts"""
    out, texts, table, pos = {}, {}, None, collections.Counter()
    for line in sh(save, "-c", ns=NR).splitlines():
        if line.startswith("*"):
            table = line[1:]
            continue
        m = POLICY.match(line)
        if m:
            out[(table, m.group(1), "policy")] = int(m.group(3))
            continue
        m = RULE.match(line)
        if m:
            pos[(table, m.group(2))] += 1
            key = (table, m.group(2), pos[(table, m.group(2))])
            out[key] = int(m.group(1) or 0)
            texts[key] = re.sub(r"^\[\d+:\d+\] ", "", line)
    return out, texts


def on_term(signum, frame):
    raise SystemExit(f"stopped by signal {signum}")


def main():
    signal.signal(signal.SIGTERM, on_term)
    work = tempfile.mkdtemp(prefix=f"mnd-{args.stack}-")
    out, mon = os.path.join(work, "out.jsonl"), os.path.join(work, "monitor.log")
    conf = os.path.join(work, "rsyslog.conf")
    rs = monp = dockerd = None
    save = "iptables-legacy-save" if args.stack == "legacy" else "iptables-nft-save"
    ipt = "iptables-legacy" if args.stack == "legacy" else "iptables-nft"
    try:
        client_router_server(created, (NC, NR, NS), (IC, IRC, IS, IRS), (C4, RC4, S4, RS4), (C6, RC6, S6, RS6))
        sh("ip", "addr", "add", C4B + "/24", "dev", IC, ns=NC)
        open("/proc/sys/net/netfilter/nf_log_all_netns", "w").write("1")
        # a host that did not forward before Docker: dockerd turns forwarding on and sets
        # FORWARD's policy to DROP (it leaves the policy alone where forwarding was on)
        sh("sysctl", "-qw", "net.ipv4.ip_forward=0", ns=NR)
        dockerd = start_dockerd(work)
        container(work)
        # the admin's additions, as Docker's documentation puts them: DOCKER-USER first
        sh(ipt, "-I", "DOCKER-USER", "1", "-s", C4B, "-j", "LOG", "--log-prefix", PREFIX, ns=NR)
        sh(ipt, "-I", "DOCKER-USER", "2", "-s", C4B, "-j", "DROP", ns=NR)
        sh(ipt, "-A", "FORWARD", "-j", "LOG", "--log-prefix", PREFIX, ns=NR)
        sh(ipt, "-t", "raw", "-A", "PREROUTING", "-s", "10.75.1.0/24", "-p", "tcp", "--tcp-flags", "SYN,ACK", "SYN", "-j", "TRACE", ns=NR)
        snaps = {"iptablesRules": (save, "rules.v4")}
        if args.stack == "xtables":
            snaps["nftRules"] = ("nft -a list ruleset", "ruleset.nft")
        params, flags = "", []
        for p, (cmd, fn) in snaps.items():
            path = os.path.join(work, fn)
            open(path, "w").write(sh(*cmd.split(), ns=NR))
            params += f' {p}="{path}"'
            flags += ["--" + {"iptablesRules": "iptables-rules", "nftRules": "nft-rules"}[p], path]
        src = 'module(load="imkmsg")'
        sel = f'($inputname == "imkmsg" and $msg contains "{RUN}")'
        if args.stack == "xtables":
            open(mon, "w").close()
            src += f'\nmodule(load="imfile")\ninput(type="imfile" file="{mon}" tag="xtables-trace:" addMetadata="off")'
            sel += ' or $syslogtag == "xtables-trace:"'
            monp = subprocess.Popen(["ip", "netns", "exec", NR, "stdbuf", "-oL", "xtables-monitor", "--trace"],
                                    stdout=open(mon, "w"), stderr=subprocess.DEVNULL)
        open(conf, "w").write(f"""
global(workDirectory="{work}" localHostname="mnd-test")
module(load="{args.module}")
{src}
template(name="t" type="list") {{
  constant(value="{{\\"msg\\":\\"") property(name="msg" format="json")
  constant(value="\\",\\"all\\":") property(name="$!all-json") constant(value="}}\\n")
}}
if {sel} then {{
  action(type="mmnetfilter"{params})
  action(type="omfile" file="{out}" template="t")
}}
""")
        rs = start_rsyslogd(args.rsyslogd, conf, work)
        time.sleep(1.0)
        conns, deltas = [], []
        texts = None
        for r in range(ROUNDS):
            for i, (kind, src_a, dst, port, fate, decider) in enumerate(CONNS):
                sport = SPORT0 + r * len(CONNS) + i
                before, texts = counters(save)
                saw = sh("/usr/bin/python3", "-c", CONNECT, "tcp", src_a, dst, str(port), str(sport), ns=NC).strip()
                time.sleep(0.3)
                after, _ = counters(save)
                deltas.append({k: v - before.get(k, 0) for k, v in after.items()})
                conns.append((kind, sport, saw, fate, decider))
        if monp is not None:
            time.sleep(0.5)
            monp.terminate(); monp.wait(timeout=10); monp = None
        # everything the LOG and TRACE rules printed has reached the file (bounded wait)
        logged = sum(v for d in deltas for k, v in d.items() if k[2] != "policy" and " -j LOG " in texts.get(k, ""))
        deadline = time.time() + 30
        docs = []
        while time.time() < deadline:
            docs = [json.loads(l) for l in open(out)] if os.path.exists(out) else []
            logs = sum(1 for d in docs if (d["all"].get("netfilter") or {}).get("type") == "log")
            if logs >= logged and any((d["all"].get("netfilter") or {}).get("type") == "trace" for d in docs):
                time.sleep(1.0)
                break
            time.sleep(0.3)
        stop_rsyslogd(rs); rs = None
        docs = [json.loads(l) for l in open(out)] if os.path.exists(out) else []
        return check(docs, conns, deltas, texts, logged, flags, work)
    finally:
        if monp is not None:
            monp.kill()
        if rs is not None:
            rs.kill()
        teardown(work, dockerd)


def conn_of(nf, by_sport):
    """the connection a record belongs to: its packet's or the answer's port"""
    tcp = nf.get("tcp") or {}
    return tcp.get("spt") if tcp.get("spt") in by_sport else tcp.get("dpt")


def check(docs, conns, deltas, texts, logged, flags, work):
    errs = []
    by_sport = {c[1]: (i, c) for i, c in enumerate(conns)}
    # the client's side first: the fates the test expects are the ones that happened
    for kind, sport, saw, fate, _ in conns:
        got = "accept" if saw in ("http", "refused") else "drop"
        if got != fate or (kind.endswith("its port") or kind == "published port") and saw != "http":
            errs.append(f"{kind}: the client saw {saw!r} (the scenario expects {fate})")
    recs = [(d["msg"], d["all"].get("netfilter")) for d in docs]
    # xtables-monitor prints the packet in PACKET lines, its steps in TRACE lines: by trace id
    pid_port = {}
    for _, nf in recs:
        if isinstance(nf, dict) and nf.get("type") == "trace" and nf["trace"].get("type") == "packet":
            port = conn_of(nf, by_sport)
            if port in by_sport:
                pid_port[nf["trace"]["packet"]] = port
    # iptables-nft keeps no packet counters for policies (iptables-nft-save prints [0:0])
    policy_counted = args.stack == "legacy"
    steps = resolved = 0
    logs = logs_resolved = 0
    for msg, nf in recs:
        if not isinstance(nf, dict):
            if "TRACE" in msg or "IN=" in msg:
                errs.append(f"not parsed: {msg[:100]}")
            continue
        sp = conn_of(nf, by_sport)
        if sp not in by_sport and nf.get("type") == "trace":
            sp = pid_port.get(nf["trace"].get("packet"))
        if sp not in by_sport:
            continue  # another flow's (imkmsg reads what earlier runs left in the kernel's buffer)
        i, (kind, *_rest) = by_sport[sp]
        rule = nf.get("rule") or {}
        if nf["type"] == "trace":
            t = nf["trace"]
            if t["type"] == "packet":
                continue
            steps += 1
            if not rule or "unresolved" in rule:
                errs.append(f"{kind}: unresolved step {t}: {rule}")
                continue
            resolved += 1
            key = (rule["table"], rule["chain"], "policy" if t["type"] == "policy" else rule["number"])
            if t["type"] != "policy" and t["type"] != "return" and deltas[i].get(key, 0) <= 0:
                errs.append(f"{kind}: step {t['table']}:{t['chain']}:{t.get('rulenum')} names {key}, whose counter did not move")
            if t["type"] == "return" and rule.get("text") and deltas[i].get(key, 0) <= 0:
                errs.append(f"{kind}: return step names the rule {key}, whose counter did not move")
        elif nf["type"] == "log":
            logs += 1
            if "unresolved" in rule or not rule:
                continue
            logs_resolved += 1
            key = (rule["table"], rule["chain"], rule["number"])
            if deltas[i].get(key, 0) <= 0 or " -j LOG " not in texts.get(key, ""):
                errs.append(f"{kind}: LOG record resolved to {key} ({texts.get(key)!r}), its counter did not move")
            if rule.get("outcome") and rule["outcome"] != conns[i][3]:
                errs.append(f"{kind}: LOG record's fate {rule['outcome']}, the connection's {conns[i][3]}")
            by = rule.get("outcome_by")
            if by:
                t_, c_, n_ = by.split(":")
                k2 = (t_, c_, "policy" if n_ == "policy" else int(n_))
                if deltas[i].get(k2, 0) <= 0:
                    errs.append(f"{kind}: LOG record's fate by {by}, whose counter did not move")
    if logs != logged:
        errs.append(f"the LOG rules' counters moved by {logged}, rsyslogd wrote {logs} LOG records")
    # the walks, from nfparse explain over the same lines
    msgs = os.path.join(work, "msgs.log")
    open(msgs, "w").write("".join(m + "\n" for m, nf in recs if isinstance(nf, dict) and nf.get("type") == "trace"))
    ex = subprocess.run([args.nfparse, "explain", "--json", "-m", "--host", "mnd-test"] + flags + [msgs], capture_output=True, text=True)
    if ex.returncode != 0:
        errs.append("nfparse explain failed: " + ex.stderr)
    walks = {}
    for j in map(json.loads, ex.stdout.splitlines()):
        m = re.search(r":(\d+) -> ", j.get("summary", ""))
        if m and int(m.group(1)) in by_sport:
            if int(m.group(1)) in walks:
                errs.append(f"two walks for the connection from port {m.group(1)}")
            walks[int(m.group(1))] = j
    agree = 0
    for i, (kind, sport, saw, fate, decider) in enumerate(conns):
        if args.stack == "xtables":
            decider = XTABLES_DECIDER.get(kind, decider)
        j = walks.get(sport)
        if j is None:
            errs.append(f"{kind}: no walk"); continue
        if j["verdict"] != fate:
            errs.append(f"{kind}: verdict {j['verdict']}, the client saw {saw!r}")
        d = j.get("decided_by", {})
        r = d.get("rule", {})
        if decider[2] == "policy":
            ok = d.get("type") == "policy" and (d.get("table"), d.get("chain")) == decider[:2]
            key = (d.get("table"), d.get("chain"), "policy")
        else:
            ok = (r.get("table"), r.get("chain")) == decider[:2] and re.search(decider[2], r.get("text", "")) is not None
            key = (r.get("table"), r.get("chain"), r.get("number"))
        if not ok:
            errs.append(f"{kind}: decided by {d.get('table')}:{d.get('chain')}:{d.get('type')} {r.get('text')!r}, want {decider}")
        if deltas[i].get(key, 0) <= 0 and (key[2] != "policy" or policy_counted):
            errs.append(f"{kind}: decided by {key}, whose counter did not move")
        # the static walk of the same packet (what if), from the client side of R
        src = C4B if "blocked" in kind else C4
        target = [c for c in CONNS if c[0] == kind][0]
        # the route the admin knows: to the container (published or not) over docker0, to S
        # over R's other side, to R itself nowhere
        out = {CONTAINER: " out docker0", S4: f" out {IRS}"}.get(target[2], " out docker0" if target[3] == 8080 else "")
        pkt = f"tcp {src}:{sport} > {target[2]}:{target[3]} in {IRC}{out} flags S"
        sx = subprocess.run([args.nfparse, "explain", "--json", "--packet", pkt] + flags, capture_output=True, text=True)
        if sx.returncode != 0:
            errs.append(f"{kind}: explain --packet: {sx.stderr.strip()}"); continue
        sw = [w for w in json.loads(sx.stdout)["walks"] if w["snapshot"] == flags[1]]
        if not sw:
            errs.append(f"{kind}: no static walk through {flags[1]}"); continue
        sw = sw[0]
        sd = sw["steps"][sw["decided_by_index"] - 1] if "decided_by_index" in sw else {}
        sk = (sd.get("table"), sd.get("chain"), "policy" if sd.get("type") == "policy" else sd.get("number"))
        if sw["verdict"] != j["verdict"] or sk != key and kind not in (XTABLES_DECIDER if args.stack == "xtables" else {}):
            errs.append(f"{kind}: static walk {sw['verdict']} by {sk}, traced {j['verdict']} by {key}")
        else:
            agree += 1  # (on xtables, the packet for R: the same verdict; the snapshot's filter INPUT is not in the kernel)
    for e in errs:
        print("  " + e)
    rate = logs_resolved / logs if logs else 0
    if rate < 0.95:
        errs.append(f"LOG records resolved: {logs_resolved} of {logs}")
    print(f"docker-walks {args.stack}: {len(conns)} connections ({sum(1 for c in conns if c[3] == 'accept')} let through), "
          f"{steps} steps, {resolved} resolved, walks right {len(conns) - sum(1 for e in errs if ': verdict' in e or 'decided by' in e)}/{len(conns)}, "
          f"static walks agreeing {agree}/{len(conns)}, LOG records {logs_resolved}/{logs} resolved; {len(errs)} problems")
    return 1 if errs else 0


sys.exit(main())
