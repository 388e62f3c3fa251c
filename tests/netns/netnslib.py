"""What the kernel scenarios share: running a command (in a namespace), reading the kernel's
own log records from /dev/kmsg from the moment the test starts, and the client -- router --
server namespaces of the rule scenarios."""
import collections, json, os, re, signal, subprocess, time

def sh(*cmd, ns=None, check=True, input=None):
    full = (["ip", "netns", "exec", ns] if ns else []) + list(cmd)
    r = subprocess.run(full, capture_output=True, text=True, input=input)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(full)}: {r.stderr.strip()}")
    return r.stdout

def kmsg_open():
    fd = os.open("/dev/kmsg", os.O_RDONLY | os.O_NONBLOCK)
    os.lseek(fd, 0, os.SEEK_END)
    return fd

def kmsg_read(fd):
    """the text of every record printed since the last call"""
    lines = []
    while True:
        try:
            rec = os.read(fd, 8192)
        except BlockingIOError:
            return lines
        except OSError:  # EPIPE: records overwritten before we read them
            continue
        lines.append(rec.decode("utf-8", "replace").partition(";")[2].split("\n", 1)[0])


def client_router_server(created, ns, ifs, a4, a6):
    """three namespaces of a test's own, client C -- router R -- server S, IPv4 and IPv6:
    ns = (C, R, S); ifs = (C's, R's towards C, S's, R's towards S); a4/a6 = the addresses in
    that order (/24, /64). R forwards; C and S route through it. Each namespace made is added
    to created at once, so a failure half-way leaves nothing the caller cannot delete."""
    nc, nr, nsrv = ns
    ic, irc, isrv, irs = ifs
    for n in ns:
        sh("ip", "netns", "add", n); created.append(n)
    sh("ip", "link", "add", ic, "netns", nc, "type", "veth", "peer", "name", irc, "netns", nr)
    sh("ip", "link", "add", isrv, "netns", nsrv, "type", "veth", "peer", "name", irs, "netns", nr)
    for n, ifc, x4, x6 in zip((nc, nr, nsrv, nr), ifs, a4, a6):
        sh("ip", "addr", "add", x4 + "/24", "dev", ifc, ns=n)
        sh("ip", "addr", "add", x6 + "/64", "dev", ifc, "nodad", ns=n)
        sh("ip", "link", "set", ifc, "up", ns=n)
    for n in ns:
        sh("ip", "link", "set", "lo", "up", ns=n)
    sh("ip", "route", "add", "default", "via", a4[1], ns=nc)
    sh("ip", "-6", "route", "add", "default", "via", a6[1], ns=nc)
    sh("ip", "route", "add", "default", "via", a4[3], ns=nsrv)
    sh("ip", "-6", "route", "add", "default", "via", a6[3], ns=nsrv)
    sh("sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1", ns=nr)


def start_rsyslogd(rsyslogd, conf, work):
    """rsyslogd in the foreground with the test's own config and pid file ("-N1" first: a config it
    refuses is the test's fault, said so); returns once the pid file is there (bounded)"""
    r = subprocess.run([rsyslogd, "-N1", "-f", conf], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("rsyslogd -N1 rejects the test config: " + r.stderr)
    pidf = os.path.join(work, "rsyslogd.pid")
    rs = subprocess.Popen([rsyslogd, "-n", "-f", conf, "-i", pidf], stdout=subprocess.DEVNULL,
                          stderr=open(os.path.join(work, "rsyslogd.log"), "w"))
    for _ in range(100):
        if os.path.exists(pidf):
            break
        time.sleep(0.1)
    return rs

def write_conf(conf, work, host, module, inputs, sel, params, out):
    """the rsyslogd config of a rule scenario: its inputs; the messages the condition sel admits
    go through mmnetfilter (action parameters params) into out, a JSON line each with the
    message text ("msg") and the whole tree ("all")"""
    open(conf, "w").write(f"""
global(workDirectory="{work}" localHostname="{host}")
module(load="{module}")
{inputs}
template(name="t" type="list") {{
  constant(value="{{\\"msg\\":\\"") property(name="msg" format="json")
  constant(value="\\",\\"all\\":") property(name="$!all-json") constant(value="}}\\n")
}}
if {sel} then {{
  action(type="mmnetfilter"{params})
  action(type="omfile" file="{out}" template="t")
}}
""")


# a monitor (nft monitor trace, xtables-monitor --trace) in a namespace, line-buffered as the
# contrib units run it (a stopped monitor leaves no half line), its output into the file mon
def start_monitor(ns, mon, *cmd):
    open(mon, "w").close()
    return subprocess.Popen(["ip", "netns", "exec", ns, "stdbuf", "-oL"] + list(cmd), stdout=open(mon, "w"),
                            stderr=subprocess.DEVNULL)


def read_jsonl(path):
    """the JSON lines rsyslogd wrote so far (none when the file is not there yet)"""
    return [json.loads(l) for l in open(path)] if os.path.exists(path) else []


def wait_for_output(path, done, seconds):
    """wait (bounded) until done(the records written so far) holds, then a second more for what
    is on its way; the records then"""
    deadline = time.time() + seconds
    while time.time() < deadline:
        if done(read_jsonl(path)):
            time.sleep(1.0)
            break
        time.sleep(0.3)
    return read_jsonl(path)


def stop_rsyslogd(rs):
    """SIGTERM to it, and its exit code must be 0"""
    rs.send_signal(signal.SIGTERM)
    rc = rs.wait(timeout=20)
    if rc != 0:
        raise RuntimeError(f"rsyslogd exit code {rc}")


# One connection from a client namespace, what the client saw: "http" (an HTTP answer),
# "connected", "refused" (a reset, or ICMP port unreachable for UDP: the host's own answer),
# "rejected" (an ICMP error a firewall sends: host/admin prohibited), "nothing" (dropped).
# argv: proto (tcp|udp) source destination port source-port. One SYN (or datagram) per call:
# the wait is below TCP's first retransmission (1 s).
CONNECT = r"""
import errno, socket, sys
proto, src, dst, dport, sport = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((src, sport))
s.settimeout(0.8)
try:
    s.connect((dst, dport))
    if proto == "udp":
        s.send(b"mmnetfilter")
        s.recv(64)
        print("connected"); sys.exit()
except ConnectionRefusedError:
    print("refused"); sys.exit()
except socket.timeout:
    print("nothing"); sys.exit()
except OSError as e:
    print("rejected" if e.errno in (errno.EHOSTUNREACH, errno.EACCES, errno.ENETUNREACH, errno.EPERM)
          else "error " + errno.errorcode.get(e.errno, str(e))); sys.exit()
s.settimeout(3)
s.sendall(b"GET / HTTP/1.0\r\n\r\n")
got = s.recv(256)
ep = [l[12:].decode() for l in got.split(b"\r\n") if l.startswith(b"X-Endpoint: ")]
print(("http " + " ".join(ep)).strip() if got.startswith(b"HTTP/") else "connected")
s.close()
"""


def dest_unreachs(ns):
    """the ICMP and ICMPv6 destination-unreachable errors namespace ns has received: how a
    client tells a firewall's reject (Linux takes ICMPv6 "administratively prohibited" as a
    soft error while connecting, and ICMP port unreachable looks like a reset to connect)"""
    n = 0
    for line in sh("cat", "/proc/net/snmp6", ns=ns).splitlines():
        if line.split()[:1] == ["Icmp6InDestUnreachs"]:
            n += int(line.split()[1])
    hdr = [l.split() for l in sh("cat", "/proc/net/snmp", ns=ns).splitlines() if l.startswith("Icmp:")]
    if len(hdr) == 2:
        n += int(hdr[1][hdr[0].index("InDestUnreachs")])
    return n


_RULE = re.compile(r"^(?:\[(\d+):\d+\] )?-A (\S+) ")
_POLICY = re.compile(r"^:(\S+) (ACCEPT|DROP) \[(\d+):\d+\]")

def ipt_counters(save, ns):
    """the kernel's packet counters by `SAVE -c` in namespace ns: {(table, chain, n): packets,
    (table, chain, "policy"): packets}, and the rules' texts by (table, chain, n)"""
    out, texts, table, pos = {}, {}, None, collections.Counter()
    for line in sh(save, "-c", ns=ns).splitlines():
        if line.startswith("*"):
            table = line[1:]
            continue
        m = _POLICY.match(line)
        if m:
            out[(table, m.group(1), "policy")] = int(m.group(3))
            continue
        m = _RULE.match(line)
        if m:
            pos[(table, m.group(2))] += 1
            key = (table, m.group(2), pos[(table, m.group(2))])
            out[key] = int(m.group(1) or 0)
            texts[key] = re.sub(r"^\[\d+:\d+\] ", "", line)
    return out, texts
