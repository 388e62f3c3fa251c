#!/usr/bin/python3
"""imnetfilter against the kernel's own LOG lines. Every packet this test sends is logged twice
in namespace B by the same rule position: once by LOG (iptables-legacy `-j LOG`, nft `log`)
and once by NFLOG (`-j NFLOG`, nft `log group`), with the same prefix. rsyslogd (root
namespace) reads the LOG lines with imkmsg and the NFLOG events with imnetfilter netns=B, runs
both through mmnetfilter, and the test checks:
  - every LOG line the kernel printed for us has exactly one NFLOG twin (the k-th LOG line of a
    prefix is the k-th NFLOG event of that prefix): the same text, and the same record;
  - events of namespace C (same group number, its own input) carry netns C and appear only
    there; namespace D (NFLOG rules, no input) appears nowhere;
  - the per-rule packet counters of the NFLOG rules (the kernel's truth) equal the events
    imnetfilter submitted, with nothing lost;
  - a flood with a small socket buffer: sent = received + lost (impstats), exactly.

Usage: nflog_twins.py --module PATH --input-module PATH --rsyslogd PATH
Everything created (namespaces, veth, rules) is deleted at the end, also on failure;
net.netfilter.nf_log_all_netns is set for the run and restored.
"""
import argparse, json, os, random, re, signal, string, subprocess, sys, tempfile, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netnslib import sh, kmsg_open, kmsg_read, start_rsyslogd, stop_rsyslogd

ap = argparse.ArgumentParser()
ap.add_argument("--module", required=True)
ap.add_argument("--input-module", required=True)
ap.add_argument("--rsyslogd", default="/usr/sbin/rsyslogd")
ap.add_argument("--flood", type=int, default=20000)
args = ap.parse_args()

RUN = "".join(random.choice(string.ascii_lowercase) for _ in range(4))
NSA, NSB, NSC, NSD = (f"mnf-{RUN}-{x}" for x in "abcd")
IFA, IFB, BR = f"mnA{RUN}", f"mnB{RUN}", f"mnR{RUN}"
A4, B4 = "10.78.0.1", "10.78.0.2"
A6, B6 = "fd78::1", "fd78::2"
P = f"nfl{RUN}"
GROUP = 7
created = []
old_all_netns = open("/proc/sys/net/netfilter/nf_log_all_netns").read().strip()


def setup():
    for ns in (NSA, NSB, NSC, NSD):
        sh("ip", "netns", "add", ns); created.append(ns)
    sh("ip", "link", "add", IFA, "netns", NSA, "type", "veth", "peer", "name", IFB, "netns", NSB)
    # B's side of the link is a port of a bridge (its address on the bridge): the bridge
    # family's hooks see the frames too
    sh("ip", "link", "add", BR, "type", "bridge", ns=NSB)
    sh("ip", "link", "set", IFB, "master", BR, "up", ns=NSB)
    for ns, ifc, a4, a6 in ((NSA, IFA, A4, A6), (NSB, BR, B4, B6)):
        sh("ip", "addr", "add", a4 + "/24", "dev", ifc, ns=ns)
        sh("ip", "addr", "add", a6 + "/64", "dev", ifc, "nodad", ns=ns)
        sh("ip", "link", "set", ifc, "up", ns=ns)
    for ns in (NSA, NSB, NSC, NSD):
        sh("ip", "link", "set", "lo", "up", ns=ns)
    open("/proc/sys/net/netfilter/nf_log_all_netns", "w").write("1")
    ipt = lambda *a: sh("iptables-legacy", *a, ns=NSB)
    # iptables: IPv4 from A in INPUT, one LOG and one NFLOG rule per kind, same prefix; a mark
    # on TCP to 5002 (MARK=)
    ipt("-t", "mangle", "-A", "PREROUTING", "-p", "tcp", "--dport", "5002", "-j", "MARK", "--set-mark", "0x2a")
    for pfx, match in ((f"{P} i4: ", ["-s", A4]),):
        ipt("-A", "INPUT", *match, "-j", "LOG", "--log-prefix", pfx)
        ipt("-A", "INPUT", *match, "-j", "NFLOG", "--nflog-group", str(GROUP), "--nflog-prefix", pfx)
    # nft: what B sends back (OUTPUT: no MAC), IPv6 both ways, ARP
    sh("nft", "-f", "-", ns=NSB, input=f"""
table ip t4 {{
  chain out {{ type filter hook output priority 0; ip daddr {A4} log prefix "{P} o4: " log group {GROUP} prefix "{P} o4: "; }}
}}
table ip6 t6 {{
  chain in {{ type filter hook input priority 0; ip6 saddr {A6} log prefix "{P} i6: " log group {GROUP} prefix "{P} i6: "; }}
  chain out {{ type filter hook output priority 0; ip6 daddr {A6} log prefix "{P} o6: " log group {GROUP} prefix "{P} o6: "; }}
}}
table arp ta {{
  chain in {{ type filter hook input priority 0; log prefix "{P} a: " log group {GROUP} prefix "{P} a: "; }}
}}
table bridge tb {{
  chain in {{ type filter hook input priority 0; ether saddr != 00:00:00:00:00:00 udp dport 6001 log prefix "{P} br: " log group {GROUP} prefix "{P} br: "; }}
}}
""")
    # C and D: their own loopback traffic logged to the same group number
    for ns, tag in ((NSC, "c"), (NSD, "d")):
        loopback_rules(ns, tag)


def loopback_rules(ns, tag):
    sh("nft", "-f", "-", ns=ns, input=f"""
table ip t {{
  chain out {{ type filter hook output priority 0; icmp type echo-request log group {GROUP} prefix "{P} {tag}: "; }}
}}
""")


def recreated_c(out):
    """namespace C deleted and made anew under its name (a container restarted): its input
    reads the new one, within its 5 s check (bounded: pings for 20 s at most)"""
    old = {d["nflog"].get("netns_inode") for d in read_out(out) if f"{P} c: " in d["msg"]}
    sh("ip", "netns", "del", NSC)
    time.sleep(1.0)
    sh("ip", "netns", "add", NSC)
    sh("ip", "link", "set", "lo", "up", ns=NSC)
    loopback_rules(NSC, "c2")
    t0 = time.time()
    while time.time() - t0 < 20:
        sh("ping", "-c", "1", "-W", "1", "127.0.0.1", ns=NSC, check=False)
        new = [d for d in read_out(out) if f"{P} c2: " in d["msg"]]
        if new:
            if any(d["nflog"].get("netns") != NSC or d["nflog"].get("netns_inode") in old for d in new):
                return [f"namespace C made anew: an event with {new[0]['nflog']} (the old inode: {old})"], None
            return [], time.time() - t0
        time.sleep(1.0)
    return ["namespace C deleted and made anew: its input read nothing of the new one within 20 s"], None


def teardown():
    for ns in created:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)
    open("/proc/sys/net/netfilter/nf_log_all_netns", "w").write(old_all_netns)


def on_term(*_):
    teardown()
    sys.exit(1)


SENDER = r"""
import sys
from scapy.all import IP, IPv6, TCP, UDP, ICMP, ICMPv6EchoRequest, Raw, send, fragment, conf
conf.verb = 0
A4, B4, A6, B6 = sys.argv[1:5]
pk = [
    IP(src=A4, dst=B4, id=4101) / TCP(sport=40001, dport=5001, flags="S", window=1000),
    IP(src=A4, dst=B4, id=4102, tos=0xb8, flags="DF") / TCP(sport=40002, dport=5002, flags="PA", window=77, urgptr=3) / Raw(b"x" * 10),
    IP(src=A4, dst=B4, id=4103) / UDP(sport=40003, dport=6001) / Raw(b"hello"),
    IP(src=A4, dst=B4, id=4104) / ICMP(type=8, id=9, seq=3) / Raw(b"ping"),
    IP(src=A4, dst=B4, id=4105) / ICMP(type=13),
    IP(src=A4, dst=B4, id=4106, proto=47) / Raw(b"\x00" * 8),
    IPv6(src=A6, dst=B6, fl=12345, tc=0x20) / TCP(sport=40011, dport=5011, flags="S"),
    IPv6(src=A6, dst=B6) / UDP(sport=40012, dport=6012) / Raw(b"v6"),
    IPv6(src=A6, dst=B6) / ICMPv6EchoRequest(id=5, seq=6, data=b"abc"),
]
for p in pk:
    send(p)
for f in fragment(IP(src=A4, dst=B4, id=4107) / UDP(sport=40013, dport=6013) / Raw(b"y" * 1400), fragsize=600):
    send(f)
"""

FLOODER = r"""
import socket, sys, time
n, dst, port = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
t = time.time()
for i in range(n):
    s.sendto(b"f", (dst, port))
print(time.time() - t)
"""


def nflog_count(ns, pattern):
    """the kernel's packet counters of the NFLOG rules whose text has pattern"""
    total = 0
    for line in sh("iptables-legacy", "-nvxL", ns=ns).splitlines():
        if "NFLOG" in line and re.search(re.escape(pattern) + r"(\s|$)", line):
            total += int(line.split()[0])
    return total


def read_out(path):
    docs = [json.loads(l) for l in open(path)] if os.path.exists(path) else []
    for d in docs:
        d["nf"] = d["all"].get("netfilter")
        d["nflog"] = d["all"].get("nflog", {})
    return docs


def main():
    signal.signal(signal.SIGTERM, on_term)
    work = tempfile.mkdtemp(prefix="mnf-nflog-")
    out, stats = os.path.join(work, "out.jsonl"), os.path.join(work, "stats.log")
    conf = os.path.join(work, "rsyslog.conf")
    open(conf, "w").write(f"""
global(workDirectory="{work}")
module(load="impstats" interval="1" log.file="{stats}" log.syslog="off" format="json")
module(load="{args.module}")
module(load="imkmsg")
module(load="{args.input_module}")
input(type="imnetfilter" group="{GROUP}" netns="{NSB}" statsName="b")
input(type="imnetfilter" group="{GROUP}" netns="{NSC}" statsName="c")
input(type="imnetfilter" group="{GROUP + 1}" netns="{NSB}" statsName="flood" rcvBufSize="64k")
input(type="imnetfilter" group="{GROUP + 2}" netns="{NSB}" statsName="flood4m")
template(name="t" type="list") {{
  constant(value="{{\\"msg\\":\\"") property(name="msg" format="json")
  constant(value="\\",\\"input\\":\\"") property(name="inputname")
  constant(value="\\",\\"pri\\":\\"") property(name="pri")
  constant(value="\\",\\"ok\\":\\"") property(name="parsesuccess")
  constant(value="\\",\\"all\\":") property(name="$!all-json") constant(value="}}\\n")
}}
template(name="flood" type="string" string="%$!nflog!seq%\\n")
if $msg contains "{P} f: " then {{
  action(type="omfile" file="{out}.flood" template="flood")
  stop
}}
if $msg contains "{P} g: " then {{
  action(type="omfile" file="{out}.flood4m" template="flood")
  stop
}}
if $msg contains "{P}" then {{
  action(type="mmnetfilter")
  action(type="omfile" file="{out}" template="t")
}}
""")
    rs = None
    errs = []
    try:
        setup()
        kfd = kmsg_open()
        rs = start_rsyslogd(args.rsyslogd, conf, work)
        time.sleep(1.0)
        rs.send_signal(signal.SIGHUP)  # a HUP (logrotate's) leaves the inputs reading
        time.sleep(0.5)
        sh("/usr/bin/python3", "-c", SENDER, A4, B4, A6, B6, ns=NSA)
        for ns in (NSC, NSD):
            sh("ping", "-c", "2", "-i", "0.2", "-W", "1", "127.0.0.1", ns=ns, check=False)
        kernel = []
        deadline = time.time() + 30
        while time.time() < deadline:
            time.sleep(0.5)
            kernel += [l for l in kmsg_read(kfd) if P in l]
            docs = read_out(out)
            if kernel and sum(1 for d in docs if d["input"] == "imnetfilter") >= len(kernel) + 2:
                break
        docs = read_out(out)
        errs += check_twins(kernel, docs)
        errs += flood(out + ".flood", stats, GROUP + 1, "flood", 7777, "f", "64k")
        errs += flood(out + ".flood4m", stats, GROUP + 2, "flood4m", 7778, "g", "4m (default)")
        e, took = recreated_c(out)
        errs += e
        if took is not None:
            print(f"nflog-twins: namespace C deleted and made anew: its input read the new one after {took:.1f} s")
        stop_rsyslogd(rs)
        rs = None
    finally:
        if rs is not None:
            rs.kill()
        teardown()
        subprocess.run(["rm", "-rf", work])
    for e in errs:
        print("FAIL:", e)
    return 1 if errs else 0


def strip_carrier(msg):
    return re.sub(r"^\s*\[\s*\d+\.\d+\]\s*", "", msg)


def check_twins(kernel, docs):
    errs = []
    logs = [d for d in docs if d["input"] == "imkmsg"]
    nfl = [d for d in docs if d["input"] == "imnetfilter"]
    if not kernel:
        return ["the kernel printed no LOG line of ours"]
    if len(logs) != len(kernel):
        errs.append(f"kernel printed {len(kernel)} LOG lines of ours, imkmsg delivered {len(logs)}")
    by = {}
    for d in nfl:
        by.setdefault(d["msg"].split(":", 1)[0] + ":" + d["msg"].split(":", 1)[1][:3], []).append(d)
    kinds = {}
    pairs = 0
    for d in logs:
        key = d["msg"].split(":", 1)[0] + ":" + d["msg"].split(":", 1)[1][:3]
        k = kinds.get(key, 0)
        kinds[key] = k + 1
        twins = by.get(key, [])
        if k >= len(twins):
            errs.append(f"no NFLOG twin for LOG line: {d['msg'][:160]}")
            continue
        t = twins[k]
        if os.environ.get("NFLOG_SHOW"):
            print("LOG  ", strip_carrier(d["msg"]), "\nNFLOG", t["msg"], "\n     ", json.dumps(t["nf"])[:300])
        if t["ok"] != "OK" or d["ok"] != "OK" or not t["nf"]:
            errs.append(f"not parsed: LOG {d['ok']} NFLOG {t['ok']}: {t['msg'][:160]}")
        if strip_carrier(d["msg"]).rstrip() != t["msg"].rstrip():
            errs.append(f"text differs:\n  LOG   {strip_carrier(d['msg'])}\n  NFLOG {t['msg']}")
        elif d["nf"] != t["nf"]:
            errs.append(f"record differs for {t['msg'][:100]}:\n  LOG   {json.dumps(d['nf'], sort_keys=True)}\n"
                        f"  NFLOG {json.dumps(t['nf'], sort_keys=True)}")
        if t["nflog"].get("netns") != NSB or t["nflog"].get("group") != GROUP or t["pri"] != "4":
            errs.append(f"NFLOG metadata wrong: {t['nflog']} pri {t['pri']}")
        pairs += 1
    extra = sum(len(v) for k, v in by.items() if f"{P} c" not in k) - pairs
    if extra:
        errs.append(f"{extra} NFLOG events of B without a LOG twin")
    # namespace C: its own input, its own netns; D: nowhere
    cdocs = [d for d in nfl if f"{P} c: " in d["msg"]]
    if len(cdocs) != 2:
        errs.append(f"namespace C: {len(cdocs)} events, 2 pings sent")
    if any(d["nflog"].get("netns") != NSC for d in cdocs):
        errs.append("an event of namespace C does not say netns C")
    if any(f"{P} c: " in d["msg"] and d["nflog"].get("netns") != NSC for d in nfl) or \
       any(f"{P} d: " in d["msg"] for d in docs):
        errs.append("events of namespace D (no input) or C reached the wrong input")
    # the kernel's counters of B's NFLOG rule = events imnetfilter submitted
    kc = nflog_count(NSB, f"nflog-group {GROUP}")
    got = sum(1 for d in nfl if f"{P} i4: " in d["msg"])
    if kc != got:
        errs.append(f"kernel counted {kc} packets on B's NFLOG rule, imnetfilter delivered {got}")
    kinds_seen = sorted({re.sub(r".*PROTO=(\S+).*", r"\1", d["msg"]) if "PROTO=" in d["msg"] else "ARP" for d in nfl})
    hooks = sorted({k.split(" ", 1)[1].split(":")[0] for k in kinds})
    if hooks != ["a", "br", "i4", "i6", "o4", "o6"]:
        errs.append(f"LOG lines of rules {hooks}, want every rule of the setup (a br i4 i6 o4 o6)")
    print(f"nflog-twins: {pairs} LOG lines, each with its NFLOG twin (same text, same record); rules {hooks} "
          f"(arp, bridge, ip and ip6 input and output); kinds {kinds_seen}; "
          f"B's NFLOG rule counter {kc} = delivered {got}; namespace C {len(cdocs)} events, D none")
    return errs


def flood(path, stats, group, name, port, tag, buf):
    """n datagrams as fast as python sends them to a port with an NFLOG rule of its own: the
    kernel's counter of that rule = what arrived + what imnetfilter counted lost"""
    errs = []
    n = args.flood
    sh("iptables-legacy", "-A", "INPUT", "-p", "udp", "--dport", str(port), "-j", "NFLOG", "--nflog-group",
       str(group), "--nflog-prefix", f"{P} {tag}: ", ns=NSB)
    t0 = time.time()
    secs = float(sh("/usr/bin/python3", "-c", FLOODER, str(n), B4, str(port), ns=NSA).strip())
    # a loss is known from the gap before the next packet of the group: one more, once the
    # reader has drained what the kernel queued (what was written stops growing; bounded)
    seen = -1
    for _ in range(60):
        time.sleep(0.5)
        now = sum(1 for _ in open(path)) if os.path.exists(path) else 0
        if now == seen and now > 0:
            break
        seen, drained = now, time.time()
    sh("/usr/bin/python3", "-c", FLOODER, "1", B4, str(port), ns=NSA)
    kc = nflog_count(NSB, f"nflog-group {group}")
    got = lost = 0
    deadline = time.time() + 60
    while time.time() < deadline:
        time.sleep(1.5)
        got = sum(1 for _ in open(path)) if os.path.exists(path) else 0
        last = {}
        for l in open(stats):
            try:
                j = json.loads(l[l.index("{"):])
            except ValueError:
                continue
            if j.get("name") == f"imnetfilter({name})":
                last = j
        lost = int(last.get("lost", 0))
        if got + lost >= kc and int(last.get("events", 0)) + lost >= kc:
            break
    # the time until the flood's records were written, from the first datagram
    done = drained - t0
    if got + lost != kc:
        errs.append(f"flood {name}: kernel counted {kc}, received {got} + lost {lost} = {got + lost}")
    print(f"nflog-flood rcvBufSize {buf}: {n} datagrams (+1 once drained) sent in {secs:.2f} s ({n / secs:.0f}/s), kernel NFLOG "
          f"counter {kc}, written to a file {got} (the flood's {seen} within {done:.1f} s of the first datagram: "
          f"at least {seen / done if done > 0 else 0:.0f}/s), lost (sequence gaps) {lost}, socket overruns {last.get('overruns', 0)}")
    return errs


if __name__ == "__main__":
    sys.exit(main())
