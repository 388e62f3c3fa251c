#!/usr/bin/python3
"""imkmsg, the duplicate window's state file and kill -9: nothing lost, nothing written twice.

rsyslog 8.2302's imkmsg reads the whole kernel ring buffer again at every start; the dedup
window (dedup.stateFile, and dedup.sinkFile: the file the records are written to) is what keeps
a restart from writing the records of the buffer again. Here the kernel prints a LOG line for
each of N UDP datagrams (own namespace, loopback, a bounded paced sender), rsyslogd runs the
shipped kmsg snippet's chain (mmnetfilter dedup -> omfile) and is killed with SIGKILL at random
moments, and restarted at once, ROUNDS times, then stopped by its pid.

Truth: the kernel's counter of the LOG rule, and the records of ours read from /dev/kmsg by
this test (each names its datagram by its destination port). Counted by identity (the kernel's
sequence number, and the datagram): every datagram's line written exactly once.

Usage: kmsg_crash.py --module PATH --rsyslogd PATH [--rounds N] [--seed S] [--no-sink]
"""
import argparse, collections, json, os, random, signal, string, subprocess, sys, tempfile, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netnslib import sh, kmsg_open, kmsg_read, start_rsyslogd, stop_rsyslogd

ap = argparse.ArgumentParser()
ap.add_argument("--module", required=True)
ap.add_argument("--rsyslogd", default="/usr/sbin/rsyslogd")
ap.add_argument("--rounds", type=int, default=6)
ap.add_argument("--seed", type=int, default=None)
ap.add_argument("--keep", action="store_true", help="keep the work directory (printed)")
ap.add_argument("--no-sink", action="store_true", help="without dedup.sinkFile (to show what it adds)")
args = ap.parse_args()

seed = args.seed if args.seed is not None else random.randrange(1 << 30)
rnd = random.Random(seed)
RUN = "".join(random.choice(string.ascii_lowercase) for _ in range(5))
NS = f"mnf-{RUN}-k"
P = f"kc{RUN}"
PORT0 = 30000
RATE = 40  # datagrams per second: a round's lines stay far inside the kernel's ring buffer
created = []
old_all_netns = open("/proc/sys/net/netfilter/nf_log_all_netns").read().strip()

# the sender: inside the namespace, one datagram per number read from stdin
SENDER = r"""
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for line in sys.stdin:
    s.sendto(b"x", ("127.0.0.1", int(line)))
"""

def teardown():
    for ns in reversed(created):
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)
    open("/proc/sys/net/netfilter/nf_log_all_netns", "w").write(old_all_netns)

def on_term(*_):
    raise SystemExit(1)

def main():
    signal.signal(signal.SIGTERM, on_term)
    work = tempfile.mkdtemp(prefix="mnf-kmsg-crash-")
    out = os.path.join(work, "out.jsonl")
    conf = os.path.join(work, "rsyslog.conf")
    sink = "" if args.no_sink else f' dedup.sinkFile="{out}"'
    # the chain of contrib/rsyslog.d/mmnetfilter-kmsg.conf, limited to this test's lines
    open(conf, "w").write(f"""
global(workDirectory="{work}")
module(load="{args.module}")
module(load="imkmsg")
template(name="t" type="list") {{
  constant(value="{{\\"msg\\":\\"") property(name="msg" format="json")
  constant(value="\\",\\"netfilter\\":") property(name="$!netfilter") constant(value="}}\\n")
}}
if $inputname == "imkmsg" and $syslogfacility-text == "kern" and $msg contains "{P} " then {{
  action(type="mmnetfilter" dedup="on" dedup.stateFile="nf.dedup"{sink})
  if $parsesuccess == "OK" then action(type="omfile" file="{out}" template="t")
}}
""")
    rs = sender = None
    kills = []
    try:
        sh("ip", "netns", "add", NS); created.append(NS)
        sh("ip", "link", "set", "lo", "up", ns=NS)
        open("/proc/sys/net/netfilter/nf_log_all_netns", "w").write("1")
        sh("iptables-legacy", "-A", "INPUT", "-p", "udp", "--dport", f"{PORT0}:{PORT0 + 9999}",
           "-j", "LOG", "--log-prefix", f"{P} ", ns=NS)
        kfd = kmsg_open()
        sender = subprocess.Popen(["ip", "netns", "exec", NS, "/usr/bin/python3", "-c", SENDER],
                                  stdin=subprocess.PIPE, text=True)
        rs = start_rsyslogd(args.rsyslogd, conf, work)
        n = 0
        kernel = []
        for r in range(args.rounds):
            # a round: datagrams at RATE/s for a random time (state saves come every 5 s), then
            # SIGKILL while they keep coming, and a restart
            until = time.time() + rnd.uniform(1.0, 11.0)
            while time.time() < until:
                print(PORT0 + n, file=sender.stdin, flush=True); n += 1
                time.sleep(1.0 / RATE)
            keys = 0
            st = os.path.join(work, "nf.dedup")
            if os.path.exists(st):
                keys = sum(1 for _ in open(st)) - 1
            rs.kill(); rs.wait()
            kills.append((n, keys))
            for _ in range(rnd.randrange(0, 8)):  # the kernel goes on printing meanwhile
                print(PORT0 + n, file=sender.stdin, flush=True); n += 1
                time.sleep(1.0 / RATE)
            os.unlink(os.path.join(work, "rsyslogd.pid"))
            rs = start_rsyslogd(args.rsyslogd, conf, work)
            kernel += [l for l in kmsg_read(kfd) if P in l]
        for _ in range(RATE):  # a last second of traffic after the last restart
            print(PORT0 + n, file=sender.stdin, flush=True); n += 1
            time.sleep(1.0 / RATE)
        sender.stdin.close(); sender.wait(timeout=10); sender = None
        # wait (bounded) until rsyslogd wrote as many lines as the kernel printed, then stop it
        deadline = time.time() + 20
        while time.time() < deadline:
            kernel += [l for l in kmsg_read(kfd) if P in l]
            have = sum(1 for _ in open(out)) if os.path.exists(out) else 0
            if len(kernel) >= n and have >= n:
                time.sleep(1.0)
                break
            time.sleep(0.3)
        kernel += [l for l in kmsg_read(kfd) if P in l]
        stop_rsyslogd(rs); rs = None
        counter = sh("iptables-legacy", "-L", "INPUT", "-v", "-x", "-n", ns=NS).splitlines()[2].split()[0]
        return check(out, n, int(counter), kernel, kills)
    finally:
        if sender is not None:
            sender.kill()
        if rs is not None:
            rs.kill()
        teardown()
        if args.keep:
            print("kmsg-crash: work directory kept:", work)
        else:
            subprocess.run(["rm", "-rf", work])

def check(out, n, counter, kernel, kills):
    errs = []
    if counter != n:
        errs.append(f"the LOG rule's counter is {counter}, {n} datagrams were sent")
    kports = collections.Counter(int(l.split("DPT=")[1].split()[0]) for l in kernel)
    if len(kports) != n or any(c != 1 for c in kports.values()):
        errs.append(f"/dev/kmsg held {len(kernel)} lines of ours for {n} datagrams (read by the test)")
    docs = []
    cut = 0
    for l in open(out) if os.path.exists(out) else []:
        try:
            docs.append(json.loads(l))
        except ValueError:
            cut += 1  # a line cut by the kill (omfile's write in progress)
    ports = collections.Counter(d["netfilter"]["udp"]["dpt"] for d in docs)
    ids = collections.Counter(d["netfilter"]["event_id"] for d in docs)
    lost = [p for p in range(PORT0, PORT0 + n) if p not in ports]
    twice = sum(c - 1 for c in ports.values() if c > 1)
    merged = len(ids) != len(ports)
    print(f"kmsg-crash: seed {seed}, {len(kills)} kill -9 (after datagram n, with k keys in the state "
          f"file): {' '.join(f'{a}/{b}' for a, b in kills)}; sink {'off' if args.no_sink else 'on'}")
    print(f"kmsg-crash: {n} datagrams, rule counter {counter}, kernel lines {len(kernel)}, written "
          f"{len(docs)} (+{cut} cut by a kill), lost {len(lost)}, written twice {twice}")
    if lost:
        errs.append(f"{len(lost)} datagrams' lines never written: {lost[:10]}")
    if twice:
        errs.append(f"{twice} lines written twice")
    if merged:
        errs.append("two datagrams share an identity")
    for e in errs:
        print("FAIL:", e)
    return 1 if errs else 0

if __name__ == "__main__":
    sys.exit(main())
