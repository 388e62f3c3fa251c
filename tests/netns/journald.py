#!/usr/bin/python3
"""journald round trip (run by journald.sh inside a private mount namespace, as root).

A journald of our own: private directories bound over /run/systemd, /run/log and
/var/log/journal, a drop-in that makes it import the kernel log from the current end of
/dev/kmsg. The kernel prints LOG lines for TCP SYNs to port 22 between two network namespaces
of the test. rsyslogd runs the contrib snippets mmnetfilter-base.conf + mmnetfilter-journald.conf
(imjournal in, omjournal out). journalctl must then find every SYN, once, by
NETFILTER_SRC=... NETFILTER_DPT=22, with the right fields; across a restart of rsyslogd (SYNs
sent before, while it is stopped, after); never a forged line a user process (root, or an
unprivileged user) wrote to the journal; and no entry of ours read back in a loop.
"""
import argparse, json, os, random, signal, string, struct, subprocess, sys, tempfile, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netnslib import sh

ap = argparse.ArgumentParser()
ap.add_argument("--module", required=True)
ap.add_argument("--rsyslogd", default="/usr/sbin/rsyslogd")
ap.add_argument("--contrib", required=True)
args = ap.parse_args()

RUN = "".join(random.choice(string.ascii_lowercase) for _ in range(4))
NSA, NSB, IFA, IFB = f"mnj-{RUN}-a", f"mnj-{RUN}-b", f"mjA{RUN}", f"mjB{RUN}"
A4, B4 = "10.79.0.1", "10.79.0.2"
MARK = f"mnfjd{RUN}"
SPORTS = [list(range(41000 + 8 * k, 41008 + 8 * k)) for k in range(3)]  # before, while down, after
work = tempfile.mkdtemp(prefix="mnf-journald-")
procs, created = {}, []
old_all_netns = open("/proc/sys/net/netfilter/nf_log_all_netns").read().strip()


def private_journal():
    for d in ("/run/systemd", "/run/log", "/var/log/journal"):
        src = os.path.join(work, d.strip("/").replace("/", "-"))
        os.makedirs(src)
        subprocess.run(["mount", "-n", "--bind", src, d], check=True)
    os.makedirs("/run/systemd/journald.conf.d")
    open("/run/systemd/journald.conf.d/zz-test.conf", "w").write(
        "[Journal]\nStorage=volatile\nAudit=\nReadKMsg=yes\nForwardToSyslog=no\nForwardToWall=no\n"
        "RateLimitBurst=0\n")
    # start the kernel import after the current end of the ring buffer
    fd = os.open("/dev/kmsg", os.O_RDONLY | os.O_NONBLOCK)
    last = 0
    while True:
        try:
            rec = os.read(fd, 8192)
        except BlockingIOError:
            break
        except OSError:  # EPIPE: overwritten while reading
            continue
        last = int(rec.split(b",", 2)[1])
    os.close(fd)
    os.makedirs("/run/systemd/journal", exist_ok=True)
    open("/run/systemd/journal/kernel-seqnum", "wb").write(struct.pack("=Q", last + 1))
    env = dict(os.environ, SYSTEMD_LOG_TARGET="console")
    procs["journald"] = subprocess.Popen(["/lib/systemd/systemd-journald"], env=env,
                                         stdout=subprocess.DEVNULL, stderr=open(f"{work}/journald.log", "w"))
    for _ in range(100):
        if os.path.exists("/run/systemd/journal/socket"):
            return
        time.sleep(0.05)
    raise RuntimeError("journald did not create its socket")


def network():
    for ns in (NSA, NSB):
        sh("ip", "netns", "add", ns); created.append(ns)
    sh("ip", "link", "add", IFA, "netns", NSA, "type", "veth", "peer", "name", IFB, "netns", NSB)
    for ns, ifc, a in ((NSA, IFA, A4), (NSB, IFB, B4)):
        sh("ip", "addr", "add", a + "/24", "dev", ifc, ns=ns)
        sh("ip", "link", "set", ifc, "up", ns=ns)
    open("/proc/sys/net/netfilter/nf_log_all_netns", "w").write("1")
    sh("iptables-legacy", "-A", "INPUT", "-p", "tcp", "--dport", "22", "-j", "LOG", "--log-prefix", f"{MARK}: ", ns=NSB)


def syns(ports):
    code = ("import socket, sys\n"
            "for p in sys.argv[2:]:\n"
            "    s = socket.socket(); s.settimeout(2)\n"
            "    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
            "    s.bind(('', int(p))); s.connect_ex((sys.argv[1], 22)); s.close()\n")
    sh("/usr/bin/python3", "-c", code, B4, *map(str, ports), ns=NSA)


def rsyslog_conf():
    conf = os.path.join(work, "rsyslog.conf")
    parts = [f'global(workDirectory="{work}" processInternalMessages="on")']
    for name in ("mmnetfilter-base.conf", "mmnetfilter-journald.conf"):
        text = open(os.path.join(args.contrib, name)).read()
        text = text.replace('module(load="mmnetfilter")', f'module(load="{args.module}")')
        # a fresh journal: read it from its start (with "on", entries written while imjournal
        # starts could be skipped; the state file carries a restart either way)
        text = text.replace('IgnorePreviousMessages="on"', 'IgnorePreviousMessages="off"')
        parts.append(text)
    open(conf, "w").write("\n".join(parts))
    r = subprocess.run([args.rsyslogd, "-N1", "-f", conf], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("rsyslogd -N1: " + r.stderr)
    return conf


def start(conf):
    pidf = os.path.join(work, "rsyslogd.pid")
    if os.path.exists(pidf): os.unlink(pidf)
    procs["rsyslogd"] = subprocess.Popen([args.rsyslogd, "-n", "-f", conf, "-i", pidf], stdout=subprocess.DEVNULL,
                                         stderr=open(f"{work}/rsyslogd.log", "a"))
    for _ in range(100):
        if os.path.exists(pidf) and open(pidf).read().strip(): break
        time.sleep(0.1)
    time.sleep(0.5)


def stop():
    p = procs.pop("rsyslogd")
    os.kill(int(open(os.path.join(work, "rsyslogd.pid")).read()), signal.SIGTERM)
    if p.wait(timeout=20) != 0:
        raise RuntimeError(f"rsyslogd exit code {p.returncode}")


def journal(*match):
    r = subprocess.run(["journalctl", "-D", "/run/log/journal", "-o", "json", "--no-pager", *match],
                       capture_output=True, text=True)
    return [json.loads(l) for l in r.stdout.splitlines() if l.strip()]


def ours(n, timeout=20):
    deadline = time.time() + timeout
    while True:
        got = [e for e in journal("SYSLOG_IDENTIFIER=mmnetfilter", f"NETFILTER_SRC={A4}", "NETFILTER_DPT=22")
               if MARK in e.get("MESSAGE", "")]
        if len(got) >= n or time.time() > deadline:
            return got
        time.sleep(0.2)


def main():
    t0 = time.time()
    private_journal()
    network()
    conf = rsyslog_conf()
    start(conf)
    syns(SPORTS[0])
    # a user process writes a firewall-looking line to the journal: not a kernel entry
    forged = f"{MARK}: IN={IFB} OUT= MAC= SRC={A4} DST={B4} LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=1 DF PROTO=TCP SPT=40999 DPT=22 WINDOW=1 RES=0x00 SYN URGP=0"
    # (by root, and by an unprivileged user: the journal's _TRANSPORT and _UID are its own, not the writer's)
    nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    for who in ([], nobody):
        subprocess.run(who + ["logger", "--journald"], input=f"MESSAGE={forged}\nSYSLOG_IDENTIFIER=kernel\n", text=True, check=True)
        subprocess.run(who + ["systemd-cat", "-t", "kernel", "echo", forged], check=True)
    first = ours(8)
    stop()
    syns(SPORTS[1])
    time.sleep(0.5)
    start(conf)
    syns(SPORTS[2])
    got = ours(24)
    time.sleep(1.5)  # a duplicate or a loop would show by now
    stop()
    got = ours(24, timeout=0)
    kern = [e for e in journal("_TRANSPORT=kernel") if MARK in e.get("MESSAGE", "")]
    allours = [e for e in journal("SYSLOG_IDENTIFIER=mmnetfilter") if MARK in e.get("MESSAGE", "")]
    forgeries = [e for e in journal("SYSLOG_IDENTIFIER=kernel") if "SPT=40999" in e.get("MESSAGE", "") and e.get("_TRANSPORT") != "kernel"]
    errs = []
    want = [p for ps in SPORTS for p in ps]
    spt = sorted(int(e["NETFILTER_SPT"]) for e in got)
    if len(first) != 8: errs.append(f"before the restart: {len(first)} of 8 entries")
    if spt != want:
        lost = sorted(set(want) - set(spt)); dup = sorted(p for p in set(spt) if spt.count(p) > 1)
        errs.append(f"source ports found: {len(spt)} entries for {len(want)} SYNs; lost {lost}, twice {dup}")
    if len(kern) != len(want): errs.append(f"journald imported {len(kern)} kernel lines of ours, {len(want)} SYNs sent")
    if len(forgeries) != 4: errs.append(f"the 4 forged lines: {len(forgeries)} in the journal (the check needs them there)")
    if sorted(e.get("_UID") for e in forgeries) != ["0", "0", "65534", "65534"]:
        errs.append(f"the forged lines' _UID: {sorted(e.get('_UID') for e in forgeries)}, want two by root and two by nobody")
    if len(allours) != len(got): errs.append(f"{len(allours)} mmnetfilter entries with our marker, {len(got)} SYN records: forged or looped entries")
    for e in got:
        w = {"NETFILTER_TYPE": "log", "NETFILTER_PREFIX": f"{MARK}: ", "NETFILTER_IN": IFB, "NETFILTER_OUT": "",
             "NETFILTER_SRC": A4, "NETFILTER_DST": B4, "NETFILTER_PROTO": "TCP", "NETFILTER_DPT": "22", "NETFILTER_TTL": "64",
             "NETFILTER_LEN": "60"}
        for k, v in w.items():
            if e.get(k) != v:
                errs.append(f"{k}={e.get(k)!r}, want {v!r} (SPT {e.get('NETFILTER_SPT')})"); break
        if "SYN" not in json.loads(e.get("NETFILTER_TCP_FLAGS", "[]")):
            errs.append(f"NETFILTER_TCP_FLAGS={e.get('NETFILTER_TCP_FLAGS')!r}")
        if "NETFILTER_ICMP_TYPE" in e or "NETFILTER_TRACE_TABLE" in e:
            errs.append("a field of a part the record does not have")
    for x in errs[:20]:
        print("  " + x)
    print(f"journald: {len(want)} SYNs (8 before, 8 while rsyslogd was stopped, 8 after its restart) -> journald {len(kern)} "
          f"kernel entries -> imjournal -> mmnetfilter -> omjournal: journalctl NETFILTER_SRC={A4} NETFILTER_DPT=22 finds "
          f"{len(got)} ({len(set(spt))} distinct, {len(spt) - len(set(spt))} duplicates, {len(set(want) - set(spt))} lost); "
          f"{len(forgeries)} forged user lines in the journal (2 by root, 2 by an unprivileged user): {len(allours) - len(got)} entries; "
          f"{time.time() - t0:.1f} s; {len(errs)} problems")
    return 1 if errs else 0


def on_term(signum, frame):
    raise SystemExit(f"stopped by signal {signum}")


signal.signal(signal.SIGTERM, on_term)
rc = 1
try:
    rc = main()
except Exception as e:
    print(f"journald: {e}")
    for f in ("rsyslogd.log", "journald.log"):
        p = os.path.join(work, f)
        if os.path.exists(p): print(f"--- {f}\n" + open(p).read()[-2000:])
finally:
    for p in procs.values():
        p.kill(); p.wait()
    for ns in created:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)
    open("/proc/sys/net/netfilter/nf_log_all_netns", "w").write(old_all_netns)
    for d in ("/var/log/journal", "/run/log", "/run/systemd"):
        subprocess.run(["umount", "-n", "-l", d], capture_output=True)
    subprocess.run(["rm", "-rf", work])
print(("PASS" if rc == 0 else "FAIL") + " journald")
sys.exit(rc)
