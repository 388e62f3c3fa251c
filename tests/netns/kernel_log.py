#!/usr/bin/python3
"""Real kernel, real rsyslogd: the kernel prints LOG and TRACE lines for packets this test
sends between two network namespaces of its own; rsyslogd (imkmsg or imklog) runs them
through mmnetfilter; every parsed field is compared with what the test sent.

Usage: kernel_log.py --input imkmsg|imklog --module PATH --rsyslogd PATH
Needs root, iproute2, iptables (legacy), nftables and python3-scapy (Debian's python3).
Everything created (namespaces, veth, rules) is deleted at the end, also on failure;
net.netfilter.nf_log_all_netns is set for the run and restored.
"""
import argparse, json, os, random, select, signal, string, subprocess, sys, tempfile, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netnslib import sh, kmsg_open, kmsg_read, start_rsyslogd, stop_rsyslogd

ap = argparse.ArgumentParser()
ap.add_argument("--input", choices=["imkmsg", "imklog"], required=True)
ap.add_argument("--module", required=True)
ap.add_argument("--rsyslogd", default="/usr/sbin/rsyslogd")
args = ap.parse_args()

RUN = "".join(random.choice(string.ascii_lowercase) for _ in range(4))
NSA, NSB = f"mnf-{RUN}-a", f"mnf-{RUN}-b"
IFA, IFB = f"mnA{RUN}", f"mnB{RUN}"
A4, B4 = "10.77.0.1", "10.77.0.2"
A6, B6 = "fd77::1", "fd77::2"
UCHAIN = f"MNF{RUN}"
P = f"mnf{RUN}"  # marker in every prefix
PREFIX29 = (P + ":x:DROP:" + "z" * 29)[:29]


created = []
old_all_netns = open("/proc/sys/net/netfilter/nf_log_all_netns").read().strip()

def setup():
    for ns in (NSA, NSB):
        sh("ip", "netns", "add", ns); created.append(ns)
    sh("ip", "link", "add", IFA, "netns", NSA, "type", "veth", "peer", "name", IFB, "netns", NSB)
    for ns, ifc, a4, a6 in ((NSA, IFA, A4, A6), (NSB, IFB, B4, B6)):
        sh("ip", "addr", "add", a4 + "/24", "dev", ifc, ns=ns)
        sh("ip", "addr", "add", a6 + "/64", "dev", ifc, "nodad", ns=ns)
        sh("ip", "link", "set", ifc, "up", ns=ns)
        sh("ip", "link", "set", "lo", "up", ns=ns)
    open("/proc/sys/net/netfilter/nf_log_all_netns", "w").write("1")
    ipt = lambda *a: sh("iptables-legacy", *a, ns=NSB)
    # raw PREROUTING: TRACE first (rule 1, 2), then fragment logging
    ipt("-t", "raw", "-A", "PREROUTING", "-p", "icmp", "-j", "TRACE")
    ipt("-t", "raw", "-A", "PREROUTING", "-p", "tcp", "--dport", "5005", "-j", "TRACE")
    ipt("-t", "raw", "-A", "PREROUTING", "-f", "-j", "LOG", "--log-prefix", f"{P} frag: ")
    ipt("-t", "raw", "-A", "PREROUTING", "-p", "udp", "--dport", "6002", "-j", "LOG", "--log-prefix", f"{P} frag1: ")
    # filter INPUT: a jump into a user chain that returns (rule, return, policy TRACE lines)
    ipt("-N", UCHAIN)
    ipt("-A", UCHAIN, "-p", "icmp", "--icmp-type", "timestamp-request", "-j", "ACCEPT")
    ipt("-A", "INPUT", "-p", "icmp", "-j", UCHAIN)                                          # rule 1
    ipt("-A", "INPUT", "-p", "tcp", "--dport", "5001", "-j", "LOG", "--log-prefix", f"{P} t1 [a]: ",
        "--log-tcp-sequence", "--log-tcp-options", "--log-ip-options")                        # rule 2
    ipt("-A", "INPUT", "-p", "tcp", "--dport", "5002", "-j", "LOG", "--log-prefix", f"[{P}-t2-D]",
        "--log-macdecode")                                                                    # rule 3
    ipt("-A", "INPUT", "-p", "tcp", "--dport", "5003", "-j", "LOG")                          # rule 4, no prefix
    ipt("-A", "INPUT", "-p", "tcp", "--dport", "5004", "-j", "LOG", "--log-prefix", PREFIX29)  # rule 5
    ipt("-A", "INPUT", "-p", "udp", "--dport", "6001", "-j", "LOG", "--log-prefix", f"{P} udp: ")  # rule 6
    ipt("-A", "INPUT", "-p", "icmp", "--icmp-type", "echo-request", "-j", "LOG", "--log-prefix", f"{P} echo: ")  # rule 7
    ip6t = lambda *a: sh("ip6tables-legacy", *a, ns=NSB)
    ip6t("-A", "INPUT", "-p", "tcp", "--dport", "5006", "-j", "LOG", "--log-prefix", f"{P} v6tcp: ")
    ip6t("-A", "INPUT", "-p", "ipv6-icmp", "--icmpv6-type", "echo-request", "-j", "LOG", "--log-prefix", f"{P} v6echo: ")
    sh("nft", "-f", "-", ns=NSB, input=f"""
table inet mnf {{
  chain in {{ type filter hook input priority 10;
    tcp dport 5007 log prefix "{P} nft all: " level info flags all
    udp dport 6004 log
  }}
}}
table netdev mnfdev {{
  chain ing {{ type filter hook ingress device "{IFB}" priority 0;
    udp dport 6005 log prefix "{P} netdev: "
  }}
}}
table arp mnfarp {{
  chain in {{ type filter hook input priority 0; log prefix "{P} arp: "; }}
}}
""")
    ipta = lambda *a: sh("iptables-legacy", *a, ns=NSA)
    ipta("-A", "INPUT", "-p", "icmp", "--icmp-type", "destination-unreachable", "-j", "LOG",
         "--log-prefix", f"{P} unreach: ")
    ipta("-A", "OUTPUT", "-p", "tcp", "--dport", "5008", "-j", "LOG", "--log-prefix", f"{P} uid: ", "--log-uid")

def teardown():
    for ns in created:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)
    open("/proc/sys/net/netfilter/nf_log_all_netns", "w").write(old_all_netns)

SENDER = r"""
import json, socket, sys, time
from scapy.all import IP, IPv6, TCP, UDP, ICMP, ICMPv6EchoRequest, IPOption_NOP, Raw, send, fragment, conf
conf.verb = 0
for p in json.loads(sys.argv[1]):
    k = p["kind"]
    if k == "tcp4":
        pkt = IP(dst=p["dst"], id=p["id"], ttl=p["ttl"], tos=p.get("tos", 0), options=[IPOption_NOP()] * p.get("nops", 0)) / TCP(
            sport=p["sport"], dport=p["dport"], seq=p["seq"], ack=p.get("ack", 0), flags=p["flags"],
            window=p["window"], urgptr=p.get("urgp", 0), options=[("MSS", 1460)] if p.get("mss") else [])
    elif k == "udp4":
        pkt = IP(dst=p["dst"], id=p["id"], ttl=p["ttl"], flags=p.get("ipflags", 0)) / UDP(sport=p["sport"], dport=p["dport"]) / Raw(b"u" * p["payload"])
    elif k == "icmp4":
        pkt = IP(dst=p["dst"], id=p["id"], ttl=p["ttl"]) / ICMP(id=p["icmpid"], seq=p["icmpseq"]) / Raw(b"p" * 8)
    elif k == "frag4":
        whole = IP(dst=p["dst"], id=p["id"], ttl=p["ttl"]) / UDP(sport=p["sport"], dport=p["dport"]) / Raw(b"f" * p["payload"])
        for f in fragment(whole, fragsize=p["fragsize"]):
            send(f)
        continue
    elif k == "tcp6":
        pkt = IPv6(dst=p["dst"], fl=p["fl"], hlim=p["hlim"]) / TCP(sport=p["sport"], dport=p["dport"], seq=p["seq"], flags=p["flags"], window=p["window"])
    elif k == "echo6":
        pkt = IPv6(dst=p["dst"], fl=p["fl"], hlim=p["hlim"]) / ICMPv6EchoRequest(id=p["icmpid"], seq=p["icmpseq"])
    elif k == "connect":
        s = socket.socket(); s.settimeout(2)
        try: s.connect((p["dst"], p["dport"]))
        except OSError: pass
        s.close(); continue
    send(pkt)
    time.sleep(0.02)
"""

# what the test sends, and what the parsed record must hold (dotted paths into $!netfilter)
PKTS = [
    dict(kind="tcp4", dst=B4, id=1001, ttl=61, tos=0x10, nops=4, sport=41001, dport=5001, seq=123456789, flags="S", window=1234, mss=1,
         _match={"prefix": f"{P} t1 [a]: "},
         _want={"in": IFB, "out": "", "ip.src": A4, "ip.dst": B4, "ip.id": 1001, "ip.ttl": 61, "ip.tos": 0x10, "ip.proto": 6,
                "ip.len": 48, "ip.opt": "01010101", "tcp.spt": 41001, "tcp.dpt": 5001, "tcp.seq": 123456789, "tcp.ack": 0, "tcp.flags": ["SYN"],
                "tcp.window": 1234, "tcp.opt": "020405B4", "mac.ethertype": 2048}),
    dict(kind="tcp4", dst=B4, id=1002, ttl=62, sport=41002, dport=5002, seq=5, ack=777, flags="SA", window=100,
         _match={"prefix": f"[{P}-t2-D]"},
         _want={"ip.id": 1002, "tcp.flags": ["ACK", "SYN"], "tcp.spt": 41002, "mac.ethertype": 2048, "mac.src": "@MACA", "mac.dst": "@MACB", "!tcp.seq": 1}),
    dict(kind="tcp4", dst=B4, id=1003, ttl=63, sport=41003, dport=5003, seq=6, flags="FPU", window=7, urgp=5,
         _match={"prefix": "", "in": IFB, "tcp.dpt": 5003},
         _want={"tcp.flags": ["URG", "PSH", "FIN"], "tcp.urgp": 5, "tcp.window": 7, "ip.id": 1003}),
    dict(kind="tcp4", dst=B4, id=1004, ttl=64, sport=41004, dport=5004, seq=7, flags="R", window=0,
         _match={"prefix": PREFIX29}, _want={"tcp.flags": ["RST"], "ip.id": 1004}),
    dict(kind="udp4", dst=B4, id=1005, ttl=40, ipflags="DF", sport=40001, dport=6001, payload=20,
         _match={"prefix": f"{P} udp: "},
         _want={"udp.spt": 40001, "udp.dpt": 6001, "udp.len": 28, "ip.len": 48, "ip.flags": ["DF"], "ip.ttl": 40, "ip.proto_name": "UDP"}),
    dict(kind="icmp4", dst=B4, id=4242, ttl=33, icmpid=7, icmpseq=3,
         _match={"prefix": f"{P} echo: "},
         _want={"icmp.type": 8, "icmp.code": 0, "icmp.id": 7, "icmp.seq": 3, "ip.id": 4242, "ip.ttl": 33}),
    dict(kind="frag4", dst=B4, id=2222, ttl=50, sport=40002, dport=6002, payload=100, fragsize=32,
         _match={"prefix": f"{P} frag1: "},
         _want={"ip.flags": ["MF"], "ip.id": 2222, "udp.spt": 40002, "udp.dpt": 6002, "udp.len": 108, "!ip.frag": 1}),
    dict(kind="tcp4", dst=B4, id=1005, ttl=60, sport=41005, dport=5005, seq=99, flags="S", window=512, mss=1,
         _match={"trace.table": "raw", "trace.chain": "PREROUTING", "tcp.dpt": 5005},
         _want={"type": "trace", "trace.type": "policy", "trace.rulenum": 5, "tcp.seq": 99, "tcp.opt": "020405B4", "in": IFB}),
    dict(kind="tcp6", dst=B6, fl=12345, hlim=55, sport=41006, dport=5006, seq=1, flags="S", window=300,
         _match={"prefix": f"{P} v6tcp: "},
         _want={"ip.version": 6, "ip.src": A6, "ip.dst": B6, "ip.flowlbl": 12345, "ip.hoplimit": 55, "ip.tc": 0,
                "ip.len": 60, "tcp.dpt": 5006, "tcp.flags": ["SYN"], "ip.proto_name": "TCP"}),
    dict(kind="echo6", dst=B6, fl=777, hlim=9, icmpid=0x99, icmpseq=5,
         _match={"prefix": f"{P} v6echo: "},
         _want={"ip.version": 6, "ip.flowlbl": 777, "ip.hoplimit": 9, "icmpv6.type": 128, "icmpv6.id": 0x99, "icmpv6.seq": 5, "ip.proto": 58}),
    dict(kind="tcp4", dst=B4, id=1007, ttl=44, sport=41007, dport=5007, seq=42, flags="S", window=9, mss=1,
         _match={"prefix": f"{P} nft all: "},
         _want={"mac.src": "@MACA", "mac.dst": "@MACB", "mac.ethertype": 2048, "!mac.raw": 1, "tcp.seq": 42, "tcp.opt": "020405B4", "ip.id": 1007}),
    dict(kind="udp4", dst=B4, id=1008, ttl=30, sport=40004, dport=6004, payload=4,
         _match={"prefix": "", "in": IFB, "udp.dpt": 6004}, _want={"udp.spt": 40004, "udp.len": 12, "ip.id": 1008, "mac.raw": "@MACRAW"}),
    dict(kind="udp4", dst=B4, id=1009, ttl=31, sport=40005, dport=6005, payload=4,
         _match={"prefix": f"{P} netdev: "}, _want={"udp.spt": 40005, "in": IFB, "ip.id": 1009}),
    dict(kind="udp4", dst=B4, id=1010, ttl=32, sport=40777, dport=7777, payload=10,
         _match={"prefix": f"{P} unreach: ", "icmp.inner.udp.dpt": 7777},
         _want={"in": IFA, "ip.src": B4, "ip.dst": A4, "icmp.type": 3, "icmp.code": 3, "icmp.inner.ip.src": A4,
                "icmp.inner.ip.dst": B4, "icmp.inner.ip.id": 1010, "icmp.inner.udp.spt": 40777, "icmp.inner.udp.dpt": 7777,
                "icmp.inner.udp.len": 18, "!icmp.inner.ip.flags": 1}),
    dict(kind="connect", dst=B4, dport=5008,
         _match={"prefix": f"{P} uid: "}, _want={"uid": 0, "gid": 0, "out": IFA, "in": "", "tcp.dpt": 5008, "tcp.flags": ["SYN"], "!mac": 1}),
]
# TRACE walk of the ICMP echo through raw PREROUTING and filter INPUT with the user chain
TRACE_WALK = [("raw", "PREROUTING", "policy", 5), ("filter", "INPUT", "rule", 1), ("filter", UCHAIN, "return", 2),
              ("filter", "INPUT", "rule", 7), ("filter", "INPUT", "policy", 8)]

def get(d, path):
    for k in path.split("."):
        if not isinstance(d, dict) or k not in d:
            return KeyError
        d = d[k]
    return d

def mac_of(ns, ifc):
    return sh("cat", f"/sys/class/net/{ifc}/address", ns=ns).strip()



def on_term(signum, frame):
    raise SystemExit(f"stopped by signal {signum}")  # so that teardown() runs

def main():
    signal.signal(signal.SIGTERM, on_term)
    work = tempfile.mkdtemp(prefix=f"mnf-netns-{args.input}-")
    out = os.path.join(work, "out.jsonl")
    conf = os.path.join(work, "rsyslog.conf")
    load = 'module(load="imkmsg")' if args.input == "imkmsg" else 'module(load="imklog" permitnonkernelfacility="on")'
    open(conf, "w").write(f"""
global(workDirectory="{work}")
module(load="{args.module}")
{load}
template(name="t" type="list") {{
  constant(value="{{\\"msg\\":\\"") property(name="msg" format="json")
  constant(value="\\",\\"ok\\":\\"") property(name="parsesuccess")
  constant(value="\\",\\"nf\\":") property(name="$!all-json") constant(value="}}\\n")
}}
if $msg contains "{RUN}" then {{
  action(type="mmnetfilter")
  action(type="omfile" file="{out}" template="t")
}}
""")
    rs = None
    try:
        setup()
        macs = {"@MACA": mac_of(NSA, IFA), "@MACB": mac_of(NSB, IFB)}
        macs["@MACRAW"] = f"{macs['@MACB']}:{macs['@MACA']}:08:00"
        kfd = kmsg_open()
        rs = start_rsyslogd(args.rsyslogd, conf, work)
        time.sleep(0.5)
        spec = [{k: v for k, v in p.items() if not k.startswith("_")} for p in PKTS]
        sh("/usr/bin/python3", "-c", SENDER, json.dumps(spec), ns=NSA)
        # the kernel's own record of what it printed for us, and rsyslogd's output: wait until
        # both agree in count (bounded), then stop rsyslogd by its pid
        kernel = []
        deadline = time.time() + 30
        while time.time() < deadline:
            time.sleep(0.5)
            kernel += [l for l in kmsg_read(kfd) if RUN in l]
            have = sum(1 for _ in open(out)) if os.path.exists(out) else 0
            if kernel and have >= len(kernel):
                time.sleep(0.5)
                kernel += [l for l in kmsg_read(kfd) if RUN in l]
                have = sum(1 for _ in open(out))
                if have >= len(kernel): break
        stop_rsyslogd(rs)
        rs = None
        docs = [json.loads(l) for l in open(out)]
        return check(docs, kernel, macs)
    finally:
        if rs is not None:
            rs.kill()
        teardown()
        subprocess.run(["rm", "-rf", work])

def check(docs, kernel, macs):
    errs = []
    # every kernel line of ours arrived, exactly once, marked OK, text unchanged
    texts = [d["msg"] for d in docs]
    if args.input == "imklog":
        stamped = [t for t in texts if t.lstrip().startswith("[")]
        if len(stamped) != len(texts): errs.append(f"imklog: {len(texts) - len(stamped)} messages without the [secs.usecs] stamp")
    if len(docs) != len(kernel):
        errs.append(f"kernel printed {len(kernel)} lines of ours, rsyslogd wrote {len(docs)}")
    for t in kernel:
        if not any(x.endswith(t.rstrip()) or x.rstrip().endswith(t.rstrip()) for x in texts):
            errs.append(f"kernel line not in the output: {t[:120]}")
    # our netfilter lines are records; the other kernel lines naming our interfaces (scapy's
    # "entered promiscuous mode") must pass through untouched
    for d in docs:
        if "OUT=" in d["msg"]:
            if d["ok"] != "OK" or "netfilter" not in d["nf"]:
                errs.append(f"not parsed: {d['msg'][:160]}")
        elif d["ok"] != "FAIL" or "netfilter" in d["nf"]:
            errs.append(f"not a netfilter line, yet parsed: {d['msg'][:160]}")
    recs = [d["nf"]["netfilter"] for d in docs if "netfilter" in d["nf"]]
    for r in recs:
        if r.get("truncated") or r.get("unknown") or r.get("invalid"):
            errs.append(f"kernel line parsed with truncated/unknown/invalid: {json.dumps(r)[:300]}")
    for p in PKTS:
        cands = [r for r in recs if all(get(r, k) == v for k, v in p["_match"].items())]
        if not cands:
            errs.append(f"no record for {p['_match']}"); continue
        for k, v in p["_want"].items():
            if k.startswith("!"):
                if get(cands[0], k[1:]) is not KeyError: errs.append(f"{p['_match']}: {k[1:]} present")
                continue
            v = macs.get(v, v) if isinstance(v, str) else v
            if get(cands[0], k) != v:
                errs.append(f"{p['_match']}: {k} = {get(cands[0], k)!r}, sent {v!r}")
    # non-first fragments: offsets in 8-byte units, no UDP header
    fp = next(p for p in PKTS if p["kind"] == "frag4")
    sent = [k * fp["fragsize"] // 8 for k in range(1, -(-(8 + fp["payload"]) // fp["fragsize"]))]
    frags = sorted(r["ip"]["frag"] for r in recs if r.get("prefix") == f"{P} frag: ")
    if frags != sent:
        errs.append(f"fragment offsets {frags}, sent {sent}")
    if any("udp" in r for r in recs if r.get("prefix") == f"{P} frag: "):
        errs.append("non-first fragment has a UDP part")
    # TRACE: the walk of the echo request
    walk = [(r["trace"]["table"], r["trace"]["chain"], r["trace"]["type"], r["trace"]["rulenum"])
            for r in recs if r.get("type") == "trace" and r.get("icmp", {}).get("id") == 7]
    for step in TRACE_WALK:
        if step not in walk: errs.append(f"TRACE step {step} missing (walk: {walk})")
    # ARP via the nft arp family
    arps = [r for r in recs if r.get("prefix") == f"{P} arp: "]
    if not any(get(r, "arp.ipsrc") in (A4, B4) and get(r, "arp.ptype") == 0x800 and get(r, "arp.htype") == 1 for r in arps):
        errs.append(f"no ARP record with our addresses ({len(arps)} ARP records)")
    for e in errs:
        print("  " + e)
    ntrace = sum(1 for r in recs if r.get("type") == "trace")
    nnf = sum(1 for t in kernel if "OUT=" in t)
    print(f"netns {args.input}: {len(kernel)} kernel lines of ours ({nnf} netfilter), {len(docs)} through rsyslogd ({ntrace} TRACE, {len(arps)} ARP, "
          f"{len(frags)} fragments); {len(PKTS)} packet kinds checked field by field; {len(errs)} problems")
    return 1 if errs else 0

sys.exit(main())
