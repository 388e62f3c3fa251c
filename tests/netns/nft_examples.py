#!/usr/bin/python3
"""The nftables package's own example rulesets (/usr/share/doc/nftables/examples), traced.

The router namespace R loads an example as shipped (workstation.nft: an input chain that drops
what it does not know, ICMPv6 by sets; sets_and_maps.nft: defines, interface sets, an empty
named set and an empty verdict map, counters), R's interfaces named as the example expects
(eth0 .. eth3). A table of the test's own sets nftrace for the client's packets; `nft -a
monitor trace` prints the kernel's trace; `nfparse explain` walks it with the snapshot
(`nft -a list ruleset`). The examples log nothing: this is about walks.

Truth from the kernel and the client: what the client saw (ping answered, a reset, nothing),
and the examples' own counters (`counter` statements; `nft -a list ruleset` before and after
each packet). Checks: each walk's verdict is the client's; a drop is decided by the rule whose
counter moved; every rule step of the walk with a counter is one whose counter moved; the
static walk agrees with the traced one.

Everything created is deleted at the end, also on failure.
"""
import argparse, json, os, random, re, signal, string, subprocess, sys, tempfile, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netnslib import sh, client_router_server, start_monitor, CONNECT, dest_unreachs

ap = argparse.ArgumentParser()
ap.add_argument("--nfparse", required=True)
ap.add_argument("--examples", default="/usr/share/doc/nftables/examples")
args = ap.parse_args()

RUN = "".join(random.choice(string.ascii_lowercase) for _ in range(4))
NC, NR, NS = f"mnx-{RUN}-c", f"mnx-{RUN}-r", f"mnx-{RUN}-s"
IC, IS = f"xc{RUN}", f"xs{RUN}"
C4, RC4, S4, RS4 = "10.78.1.2", "10.78.1.1", "10.78.2.2", "10.78.2.1"
C6, RC6, S6, RS6 = "fd78:1::2", "fd78:1::1", "fd78:2::2", "fd78:2::1"
SPORT0 = random.randint(200, 600) * 64
created = []

# per example: (connection kind, proto, source, destination, port, the client's fate, what
# decides: "policy" or a pattern of the deciding rule's text)
EXAMPLES = {
    "workstation.nft": [
        ("ssh to the workstation", "tcp", C4, RC4, 22, "drop", r"^counter .*drop$"),
        ("ssh to the workstation, IPv6", "tcp", C6, RC6, 22, "drop", r"^counter .*drop$"),
        ("ping", "icmp", C4, RC4, 0, "drop", r"^counter .*drop$"),
        ("ping, IPv6", "icmpv6", C6, RC6, 0, "accept", r"icmpv6 type \{.*echo-request.* accept$"),
        ("forwarded (no forward chain)", "tcp", C4, S4, 80, "accept", None),
    ],
    "sets_and_maps.nft": [
        ("ssh, a port of $tcp_ports", "tcp", C4, RC4, 22, "accept", "policy"),
        ("a port not in $tcp_ports", "tcp", C4, RC4, 8080, "accept", "policy"),
    ],
}

TRACE_TABLE = f"""
table inet mnftrace {{
  chain pre {{ type filter hook prerouting priority -350;
    ip saddr {C4} meta nftrace set 1
    ip6 saddr {C6} meta nftrace set 1
  }}
}}
"""

PING = r"""
import socket, sys, time
fam, dst, ident = sys.argv[1], sys.argv[2], int(sys.argv[3])
if fam == "icmp":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP); t = 8
else:
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM, socket.IPPROTO_ICMPV6); t = 128
s.settimeout(1.0)
s.sendto(bytes([t, 0, 0, 0, 0, 0, 0, 1]) + ident.to_bytes(4, "big"), (dst, 0))
try:
    s.recv(64); print("answered")
except OSError:
    print("nothing")
"""

COUNTER = re.compile(r"counter packets (\d+) bytes \d+")
HANDLE = re.compile(r"# handle (\d+)$")

def counters():
    """handle -> packets of every rule with a counter in R's ruleset"""
    out = {}
    for line in sh("nft", "-a", "list", "ruleset", ns=NR).splitlines():
        m, h = COUNTER.search(line), HANDLE.search(line)
        if m and h:
            out[int(h.group(1))] = int(m.group(1))
    return out


def on_term(signum, frame):
    raise SystemExit(f"stopped by signal {signum}")


def main():
    signal.signal(signal.SIGTERM, on_term)
    work = tempfile.mkdtemp(prefix="mnx-")
    monp = None
    errs, figures = [], []
    try:
        # R's interfaces as the examples name them: eth0 towards C, eth2 towards S, and eth1,
        # eth3 (sets_and_maps.nft's other two) towards S as well
        client_router_server(created, (NC, NR, NS), (IC, "eth0", IS, "eth2"), (C4, RC4, S4, RS4), (C6, RC6, S6, RS6))
        for i in (1, 3):
            sh("ip", "link", "add", f"eth{i}", "netns", NR, "type", "veth", "peer", "name", f"x{i}{RUN}", "netns", NS)
        sh("sysctl", "-qw", "net.ipv4.ping_group_range=0 2147483647", ns=NC)
        n = 0
        for name, conns in EXAMPLES.items():
            sh("nft", "flush", "ruleset", ns=NR)
            if name == "sets_and_maps.nft":
                sh("nft", "add", "table", "ip", "filter", ns=NR)  # the example begins with "delete table filter"
            sh("nft", "-f", os.path.join(args.examples, name), ns=NR)
            sh("nft", "-f", "-", ns=NR, input=TRACE_TABLE)
            snap = os.path.join(work, name + ".ruleset")
            open(snap, "w").write(sh("nft", "-a", "list", "ruleset", ns=NR))
            mon = os.path.join(work, name + ".trace")
            monp = start_monitor(NR, mon, "nft", "-a", "monitor", "trace")
            time.sleep(0.5)
            results = []
            for kind, proto, src, dst, port, fate, decider in conns:
                n += 1
                before, unreach = counters(), dest_unreachs(NC)
                if proto.startswith("icmp"):
                    saw = sh("/usr/bin/python3", "-c", PING, proto, dst, str(SPORT0 + n), ns=NC).strip()
                else:
                    saw = sh("/usr/bin/python3", "-c", CONNECT, proto, src, dst, str(port), str(SPORT0 + n), ns=NC).strip()
                time.sleep(0.2)
                after = counters()
                if dest_unreachs(NC) > unreach:
                    saw = "rejected"
                results.append((kind, proto, src, dst, port, fate, decider, saw, SPORT0 + n,
                                {h: after[h] - before.get(h, 0) for h in after if after[h] != before.get(h, 0)}))
            time.sleep(0.5)
            monp.terminate(); monp.wait(timeout=10); monp = None
            figures.append(check(name, snap, mon, results, errs))
        for e in errs:
            print("  " + e)
        print(f"nft-examples: {'; '.join(figures)}; {len(errs)} problems")
        return 1 if errs else 0
    finally:
        if monp is not None:
            monp.kill()
        for ns in created:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        subprocess.run(["rm", "-rf", work])


FATE = {"answered": "accept", "http": "accept", "connected": "accept", "refused": "accept", "rejected": "reject", "nothing": "drop"}

def check(name, snap, mon, results, errs):
    ex = subprocess.run([args.nfparse, "explain", "--json", "-m", "--nft-rules", snap, mon], capture_output=True, text=True)
    if ex.returncode != 0:
        errs.append(f"{name}: explain failed: {ex.stderr.strip()}")
    walks = [json.loads(l) for l in ex.stdout.splitlines()]
    right = agree = counted = 0
    for kind, proto, src, dst, port, fate, decider, saw, sport, moved in results:
        if FATE.get(saw.split()[0]) != fate:
            errs.append(f"{name}, {kind}: the client saw {saw!r} (the example drops or accepts otherwise: {fate})")
        # this packet's walk: by its source port (TCP), by its ICMP type (one ping a family)
        if proto == "tcp":
            mine = [w for w in walks if f":{sport} -> " in w.get("summary", "")]
        else:
            icmp_type = " type 8 " if proto == "icmp" else " type 128 "
            mine = [w for w in walks if icmp_type in w.get("summary", "") + " "]
        if len(mine) != 1:
            errs.append(f"{name}, {kind}: {len(mine)} walks"); continue
        w = mine[0]
        d = w.get("decided_by", {})
        text = d.get("rule_text") or (d.get("rule") or {}).get("text", "")
        ok = w["verdict"] == fate
        if decider == "policy":
            ok = ok and d.get("type") == "policy"
        elif decider is not None:
            ok = ok and re.search(decider, text) is not None
            h = (d.get("rule") or {}).get("handle") or d.get("handle")
            if "counter" in text and moved.get(h, 0) < 1:
                errs.append(f"{name}, {kind}: decided by handle {h}, whose counter did not move ({moved})")
        if not ok:
            errs.append(f"{name}, {kind}: verdict {w['verdict']} by {d.get('chain')} {d.get('type')} {text!r}; the client saw {saw!r}")
        else:
            right += 1
        for st in w["steps"]:
            t = st.get("rule_text") or ""
            if st["type"] == "rule" and "counter" in t:
                counted += 1
            if st["type"] == "rule" and "counter" in t and moved.get(st.get("handle"), 0) < 1:
                errs.append(f"{name}, {kind}: step {st['chain']} #{st.get('handle')} {t!r}: its counter did not move")
        # the static walk of the same packet
        fwd = " out eth2" if dst == S4 else ""
        a = f"[{src}]:{sport} > [{dst}]:{port}" if ":" in src else f"{src}:{sport} > {dst}:{port}"
        pkt = f"tcp {a} in eth0{fwd} flags S" if proto == "tcp" else f"{proto} {src} > {dst} in eth0"
        sx = subprocess.run([args.nfparse, "explain", "--json", "--packet", pkt, "--nft-rules", snap], capture_output=True, text=True)
        if sx.returncode != 0:
            errs.append(f"{name}, {kind}: explain --packet: {sx.stderr.strip()}"); continue
        sw = json.loads(sx.stdout)["walks"][0]
        sd = sw["steps"][sw["decided_by_index"] - 1] if "decided_by_index" in sw else {}
        th = (d.get("rule") or {}).get("handle")
        if sw["verdict"] != w["verdict"] or (sd.get("type") == "policy") != (d.get("type") == "policy") or \
           (sd.get("type") != "policy" and sd.get("handle") != th):
            errs.append(f"{name}, {kind}: static walk {sw['verdict']} by {sd.get('chain')} #{sd.get('handle')}, traced {w['verdict']} by #{th}")
        else:
            agree += 1
    if counted == 0:
        errs.append(f"{name}: no step of a rule with a counter was checked")
    return f"{name}: walks right {right}/{len(results)}, static walks agreeing {agree}/{len(results)}, {counted} steps on counters that moved"


sys.exit(main())
