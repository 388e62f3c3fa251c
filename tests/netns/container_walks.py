#!/usr/bin/python3
"""Container platforms' rules, and which rule took each packet: Docker's, and kube-proxy's.

--generator docker:

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

--generator kube-proxy: kube-proxy is not in Debian, so its iptables mode's layout (as
kube-proxy 1.2x writes it: KUBE-SERVICES, KUBE-SVC-<hash> choosing an endpoint with
`-m statistic --mode random`, KUBE-SEP-<hash> DNAT, KUBE-MARK-MASQ's mark 0x4000 and
KUBE-POSTROUTING's MASQUERADE, filter KUBE-FORWARD and KUBE-SERVICES' REJECT for a service
without endpoints; chain names hashed as kube-proxy hashes them) is loaded with
iptables-restore. Two "pods" on S answer HTTP with their own address, so the client knows
which endpoint the kernel's random choice took: the walk must name that endpoint's DNAT.

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
import argparse, base64, collections, hashlib, json, os, random, re, signal, string, subprocess, sys, tempfile, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netnslib import sh, client_router_server, start_rsyslogd, stop_rsyslogd, write_conf, start_monitor, ipt_counters, wait_for_output, read_jsonl, CONNECT, dest_unreachs

ap = argparse.ArgumentParser()
ap.add_argument("--stack", choices=["legacy", "xtables"], required=True)
ap.add_argument("--generator", choices=["docker", "kube-proxy"], default="docker")
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
POD1, POD2, CLUSTER_IP, NOEP_IP, NODEPORT = "10.244.1.2", "10.244.1.3", "10.96.0.10", "10.96.0.11", 30080
KUBE_CONNS = [
    ("service cluster IP", C4, CLUSTER_IP, 80, "accept", ("filter", "KUBE-FORWARD", r"--mark 0x4000/0x4000 -j ACCEPT$")),
    ("service cluster IP", C4, CLUSTER_IP, 80, "accept", ("filter", "KUBE-FORWARD", r"--mark 0x4000/0x4000 -j ACCEPT$")),
    ("service node port", C4, RC4, NODEPORT, "accept", ("filter", "KUBE-FORWARD", r"--mark 0x4000/0x4000 -j ACCEPT$")),
    ("service without endpoints", C4, NOEP_IP, 80, "reject", ("filter", "KUBE-SERVICES", r"-j REJECT --reject-with icmp-port-unreachable$")),
    ("pod address directly", C4, POD1, 8080, "accept", ("filter", "FORWARD", "policy")),
]
# iptables-nft makes a built-in chain only when a rule or policy needs it: with Docker's rules
# alone there is no filter INPUT chain in the kernel (iptables-nft-save prints one all the
# same), so a packet for R itself meets no filter decision; the last policy it met was raw's
# (the static walk knows it from the nft snapshot beside the iptables one)
XTABLES_DECIDER = {"Docker host, port not published": ("raw", "PREROUTING", "policy")}
ROUNDS = 2
if args.generator == "kube-proxy":
    CONNS, ROUNDS = KUBE_CONNS, 3



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
        print("container-walks: kept", work)
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


def kube_chain(prefix, what):
    """a chain name as kube-proxy makes it: the prefix and 16 characters of base32(sha256)"""
    return prefix + base64.b32encode(hashlib.sha256(what.encode()).digest()).decode()[:16]


def kube_rules():
    """kube-proxy's iptables mode for service default/web (cluster IP, node port, two endpoints)
    and default/nosvc (no endpoints), pod network 10.244.0.0/16"""
    svc = kube_chain("KUBE-SVC-", "default/web:http" + "tcp")
    ext = kube_chain("KUBE-EXT-", "default/web:http" + "tcp")
    sep = [kube_chain("KUBE-SEP-", "default/web:http" + "tcp" + ep) for ep in (f"{POD1}:8080", f"{POD2}:8080")]
    web = '-m comment --comment "default/web:http'
    nat = [":KUBE-MARK-MASQ - [0:0]", ":KUBE-NODEPORTS - [0:0]", ":KUBE-POSTROUTING - [0:0]", ":KUBE-SERVICES - [0:0]",
           f":{svc} - [0:0]", f":{ext} - [0:0]", f":{sep[0]} - [0:0]", f":{sep[1]} - [0:0]",
           '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
           '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
           '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
           "-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000",
           f'-A KUBE-NODEPORTS -p tcp {web}" -m tcp --dport {NODEPORT} -j {ext}',
           "-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN",
           "-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0",
           '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
           f'-A KUBE-SERVICES -d {CLUSTER_IP}/32 -p tcp {web} cluster IP" -m tcp --dport 80 -j {svc}',
           '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" '
           "-m addrtype --dst-type LOCAL -j KUBE-NODEPORTS",
           f'-A {ext} -m comment --comment "masquerade traffic for default/web:http external destinations" -j KUBE-MARK-MASQ',
           f"-A {ext} -j {svc}",
           f'-A {svc} ! -s 10.244.0.0/16 -d {CLUSTER_IP}/32 -p tcp {web} cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ',
           f'-A {svc} -m comment --comment "default/web:http -> {POD1}:8080" -m statistic --mode random --probability 0.50000000000 -j {sep[0]}',
           f'-A {svc} -m comment --comment "default/web:http -> {POD2}:8080" -j {sep[1]}']
    for chain, ep in zip(sep, (POD1, POD2)):
        nat += [f"-A {chain} -s {ep}/32 {web}\" -j KUBE-MARK-MASQ",
                f"-A {chain} -p tcp {web}\" -m tcp -j DNAT --to-destination {ep}:8080"]
    flt = [":KUBE-EXTERNAL-SERVICES - [0:0]", ":KUBE-FIREWALL - [0:0]", ":KUBE-FORWARD - [0:0]", ":KUBE-NODEPORTS - [0:0]",
           ":KUBE-PROXY-FIREWALL - [0:0]", ":KUBE-SERVICES - [0:0]",
           '-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
           '-A INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS',
           '-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
           "-A INPUT -j KUBE-FIREWALL",
           '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
           '-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
           '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
           '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
           '-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
           '-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
           "-A OUTPUT -j KUBE-FIREWALL",
           '-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "block incoming localnet connections" '
           "-m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP",
           "-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP",
           '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT',
           '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
           f'-A KUBE-SERVICES -d {NOEP_IP}/32 -p tcp -m comment --comment "default/nosvc:http has no endpoints" -m tcp --dport 80 '
           "-j REJECT --reject-with icmp-port-unreachable"]
    return "*nat\n" + "\n".join(nat) + "\nCOMMIT\n*filter\n" + "\n".join(flt) + "\nCOMMIT\n"


# the pods: one HTTP answer per connection, naming the pod (bounded: 120 s, then it ends)
PODS = r"""
import socket, sys, threading, time
def serve(addr):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, 8080)); s.listen(16); s.settimeout(1.0)
    end = time.time() + 120
    while time.time() < end:
        try:
            c, _ = s.accept()
        except socket.timeout:
            continue
        c.settimeout(3)
        try:
            c.recv(256); c.sendall(b"HTTP/1.0 200 OK\r\nX-Endpoint: " + addr.encode() + b"\r\n\r\n")
        except OSError:
            pass
        c.close()
for a in sys.argv[1:]:
    threading.Thread(target=serve, args=(a,), daemon=True).start()
print("ready", flush=True)
time.sleep(120)
"""


def kube_setup(ipt):
    """kube-proxy's rules in R; the pods' addresses on S, routed by R; the pods answering"""
    for pod in (POD1, POD2):
        sh("ip", "addr", "add", pod + "/32", "dev", IS, ns=NS)
    sh("ip", "route", "add", "10.244.1.0/24", "via", S4, ns=NR)
    sh("ip", "route", "add", "default", "via", S4, ns=NR)  # a node's way out (service addresses go there unless NATed)
    sh(ipt + "-restore", "--noflush", ns=NR, input=kube_rules())
    pods = subprocess.Popen(["ip", "netns", "exec", NS, "/usr/bin/python3", "-c", PODS, POD1, POD2],
                            stdout=subprocess.PIPE, text=True)
    if pods.stdout.readline().strip() != "ready":
        raise RuntimeError("the pods did not start")
    return pods


def on_term(signum, frame):
    raise SystemExit(f"stopped by signal {signum}")


def main():
    signal.signal(signal.SIGTERM, on_term)
    work = tempfile.mkdtemp(prefix=f"mnd-{args.stack}-")
    out, mon = os.path.join(work, "out.jsonl"), os.path.join(work, "monitor.log")
    conf = os.path.join(work, "rsyslog.conf")
    rs = monp = dockerd = pods = None
    save = "iptables-legacy-save" if args.stack == "legacy" else "iptables-nft-save"
    ipt = "iptables-legacy" if args.stack == "legacy" else "iptables-nft"
    try:
        client_router_server(created, (NC, NR, NS), (IC, IRC, IS, IRS), (C4, RC4, S4, RS4), (C6, RC6, S6, RS6))
        sh("ip", "addr", "add", C4B + "/24", "dev", IC, ns=NC)
        open("/proc/sys/net/netfilter/nf_log_all_netns", "w").write("1")
        if args.generator == "docker":
            # a host that did not forward before Docker: dockerd turns forwarding on and sets
            # FORWARD's policy to DROP (it leaves the policy alone where forwarding was on)
            sh("sysctl", "-qw", "net.ipv4.ip_forward=0", ns=NR)
            dockerd = start_dockerd(work)
            container(work)
            # the admin's additions, as Docker's documentation puts them: DOCKER-USER first
            sh(ipt, "-I", "DOCKER-USER", "1", "-s", C4B, "-j", "LOG", "--log-prefix", PREFIX, ns=NR)
            sh(ipt, "-I", "DOCKER-USER", "2", "-s", C4B, "-j", "DROP", ns=NR)
            sh(ipt, "-A", "FORWARD", "-j", "LOG", "--log-prefix", PREFIX, ns=NR)
        else:
            pods = kube_setup(ipt)
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
            src += f'\nmodule(load="imfile")\ninput(type="imfile" file="{mon}" tag="xtables-trace:" addMetadata="off")'
            sel += ' or $syslogtag == "xtables-trace:"'
            monp = start_monitor(NR, mon, "xtables-monitor", "--trace")
        write_conf(conf, work, "mnd-test", args.module, src, sel, params, out)
        rs = start_rsyslogd(args.rsyslogd, conf, work)
        time.sleep(1.0)
        conns, deltas = [], []
        texts = None
        for r in range(ROUNDS):
            for i, (kind, src_a, dst, port, fate, decider) in enumerate(CONNS):
                sport = SPORT0 + r * len(CONNS) + i
                before, texts = ipt_counters(save, NR)
                unreach = dest_unreachs(NC)
                saw = sh("/usr/bin/python3", "-c", CONNECT, "tcp", src_a, dst, str(port), str(sport), ns=NC).strip()
                if dest_unreachs(NC) > unreach:  # a REJECT's ICMP error reached C
                    saw = "rejected"
                time.sleep(0.3)
                after, _ = ipt_counters(save, NR)
                deltas.append({k: v - before.get(k, 0) for k, v in after.items()})
                conns.append((kind, sport, saw, fate, decider))
        if monp is not None:
            time.sleep(0.5)
            monp.terminate(); monp.wait(timeout=10); monp = None
        # everything the LOG and TRACE rules printed has reached the file (bounded wait)
        logged = sum(v for d in deltas for k, v in d.items() if k[2] != "policy" and " -j LOG " in texts.get(k, ""))
        kinds = lambda docs: [(d["all"].get("netfilter") or {}).get("type") for d in docs]
        wait_for_output(out, lambda docs: kinds(docs).count("log") >= logged and "trace" in kinds(docs), 30)
        stop_rsyslogd(rs); rs = None
        return check(read_jsonl(out), conns, deltas, texts, logged, flags, work)
    finally:
        if monp is not None:
            monp.kill()
        if rs is not None:
            rs.kill()
        if pods is not None:
            pods.kill(); pods.wait()
        teardown(work, dockerd)


def conn_of(nf, by_sport):
    """the connection a record belongs to: its packet's or the answer's port"""
    tcp = nf.get("tcp") or {}
    return tcp.get("spt") if tcp.get("spt") in by_sport else tcp.get("dpt")


def check(docs, conns, deltas, texts, logged, flags, work):
    errs = []
    by_sport = {c[1]: (i, c) for i, c in enumerate(conns)}
    # the client's side first: the fates the test expects are the ones that happened
    fates = {"http": "accept", "connected": "accept", "refused": "accept", "rejected": "reject", "nothing": "drop"}
    for kind, sport, saw, fate, _ in conns:
        # what is let through reaches its server, which answers HTTP (R itself answers with a reset)
        want_http = fate == "accept" and not kind.startswith("Docker host")
        if fates.get(saw.split()[0]) != fate or want_http and not saw.startswith("http"):
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
    endpoints = collections.Counter()
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
        # kube-proxy: the endpoint that answered is the one the walk's DNAT chose
        ep = saw.split()[1] if saw.startswith("http ") else None
        if args.generator == "kube-proxy" and ep and kind.startswith("service"):
            dnat = [st.get("rule", {}).get("text", "") for st in j["steps"] if "-j DNAT" in st.get("rule", {}).get("text", "")]
            if len(dnat) != 1 or f"--to-destination {ep}:" not in dnat[0]:
                errs.append(f"{kind}: {ep} answered, the walk's DNAT: {dnat}")
            else:
                endpoints[ep] += 1
        # the static walk of the same packet (what if), from the client side of R
        src = C4B if "blocked" in kind else C4
        target = [c for c in CONNS if c[0] == kind][0]
        # the route the admin knows: to the container (published or not) over docker0, to S
        # over R's other side, to R itself nowhere
        if args.generator == "kube-proxy":  # R routes everything but its own address towards S
            out = "" if target[2] == RC4 and target[3] != NODEPORT else f" out {IRS}"
        else:
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
        if sw["verdict"] != j["verdict"] or sk != key:
            errs.append(f"{kind}: static walk {sw['verdict']} by {sk}, traced {j['verdict']} by {key}")
        else:
            agree += 1
    for e in errs:
        print("  " + e)
    rate = logs_resolved / logs if logs else 1
    if rate < 0.95 or (args.generator == "docker" and logs == 0):
        errs.append(f"LOG records resolved: {logs_resolved} of {logs}")
    more = f", endpoints chosen {dict(endpoints)} (each the walk's DNAT)" if args.generator == "kube-proxy" else ""
    print(f"{args.generator}-walks {args.stack}: {len(conns)} connections ({sum(1 for c in conns if c[3] == 'accept')} let through), "
          f"{steps} steps, {resolved} resolved, walks right {len(conns) - sum(1 for e in errs if ': verdict' in e or 'decided by' in e)}/{len(conns)}, "
          f"static walks agreeing {agree}/{len(conns)}, LOG records {logs_resolved}/{logs} resolved{more}; {len(errs)} problems")
    return 1 if errs else 0


sys.exit(main())
