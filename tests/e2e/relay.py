#!/usr/bin/python3
"""Edges -> central -> Elasticsearch, all real rsyslogd processes on loopback (relay.sh).

edge1 and edge3 forward over RELP with TLS, edge2 over syslog/TCP with TLS (ruleset
netfilter_forward_tcp of the edge snippet); each reads its "kernel log" from a file (imfile,
facility kern). The central rsyslogd runs the base, central and Elasticsearch snippets as
shipped, paths, ports and certificates rewritten, "call netfilter_es" uncommented; esmock
speaks HTTPS (the test CA) and requires a user and password.
Phase 1: all up. Phase 2: the central rsyslogd is stopped while the edges get more lines, then
started again. Phase 3: Elasticsearch is down while more lines arrive, then back. (A RELP edge
finds out that the central server's old connection is gone only with its next frames, or after
its timeout: phase 3 is that traffic.)
Then: each edge's records are in its own file, once each (ip.id 1..N), its other lines in
other.log, every one (lines that are no netfilter record do not enter the duplicate window: a
resend of one is written again, counted); Elasticsearch holds every record once (distinct event.id), with the
edge's host name (observer.hostname); a sender without a certificate delivers nothing; esmock refused no request
of rsyslog's for credentials but refuses one without them.
"""
import argparse, shutil, base64, collections, json, os, signal, socket, ssl, subprocess, sys, time, urllib.request

ap = argparse.ArgumentParser()
for a in ("--module", "--rsyslogd", "--top", "--work"):
    ap.add_argument(a, required=True)
args = ap.parse_args()
W, TOP = args.work, args.top
CONTRIB = os.path.join(TOP, "contrib")
PASSWORD = base64.b32encode(os.urandom(10)).decode()
EDGES = {"edge1": "netfilter_forward", "edge2": "netfilter_forward_tcp", "edge3": "netfilter_forward"}
PER_PHASE, OTHER_PER_PHASE = 100, 5
procs = {}


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p


RELP, TLS, ES = free_port(), free_port(), free_port()


def sub(text, pairs):
    for a, b in pairs:
        if a not in text:
            raise RuntimeError(f"snippet changed: {a!r} not found")
        text = text.replace(a, b)
    return text


def snippet(name):
    return open(os.path.join(CONTRIB, "rsyslog.d", name)).read()


def es_settings():
    """the one place the snippet, the reconciler's unit and mmnetfilter-es-setup read the cluster's
    settings from (/etc/mmnetfilter/elasticsearch), as this test's"""
    d = os.path.join(W, "es")
    os.makedirs(d, exist_ok=True)
    for name, value in (("url", f"https://localhost:{ES}"), ("user", "mmnetfilter"), ("password", PASSWORD)):
        open(os.path.join(d, name), "w").write(value)
    shutil.copy(f"{W}/tls/ca.pem", os.path.join(d, "ca.pem"))


def central_conf():
    d = os.path.join(W, "central")
    os.makedirs(os.path.join(d, "spool"), exist_ok=True)
    tls = [("/etc/rsyslog.d/tls/", f"{W}/tls/")]
    base = sub(snippet("mmnetfilter-base.conf"), [('module(load="mmnetfilter")', f'module(load="{args.module}")')])
    central = sub(snippet("mmnetfilter-central.conf"), tls + [
        ("/var/log/central/", f"{d}/log/"), ('port="2514"', f'port="{RELP}"'), ('port="6514"', f'port="{TLS}"'),
        ("# call netfilter_es", "call netfilter_es")])
    es = sub(snippet("mmnetfilter-elasticsearch.conf"), [
        ("/etc/mmnetfilter/elasticsearch/", f"{W}/es/"),
        ("/var/spool/rsyslog/", f"{d}/spool/"), ("/var/log/", f"{d}/log/"),
        ('action.resumeInterval="5"', 'action.resumeInterval="1"')])
    es_settings()
    conf = os.path.join(d, "rsyslog.conf")
    stats = f'module(load="impstats" interval="1" format="json" log.syslog="off" log.file="{d}/stats.log")\n'
    open(conf, "w").write(f'global(workDirectory="{d}" localHostname="central.example.org")\n' + stats
                          + "\n".join((base, central, es)))
    return conf


def edge_conf(name, ruleset):
    d = os.path.join(W, name)
    os.makedirs(d, exist_ok=True)
    edge = sub(snippet("mmnetfilter-edge.conf"), [
        ("/etc/rsyslog.d/tls/edge.", f"{W}/tls/{name}."), ("/etc/rsyslog.d/tls/", f"{W}/tls/"),
        ('target="central.example.org"', 'target="127.0.0.1"'), ('port="2514"', f'port="{RELP}"'),
        ('port="6514"', f'port="{TLS}"'), ('action.resumeInterval="5"', 'action.resumeInterval="1"'),
        ('timeout="30"', 'timeout="3"')])
    conf = os.path.join(d, "rsyslog.conf")
    open(conf, "w").write(f"""global(workDirectory="{d}" localHostname="{name}.edge.example.org")
module(load="imfile")
input(type="imfile" file="{d}/kern.log" tag="kernel:" facility="kern" severity="warning" ruleset="{ruleset}")
{edge}""")
    return conf


def start(name, conf):
    d = os.path.dirname(conf)
    r = subprocess.run([args.rsyslogd, "-N1", "-f", conf], capture_output=True, text=True)
    if r.returncode:
        raise RuntimeError(f"{name}: rsyslogd -N1: {r.stderr}")
    pidf = os.path.join(d, "rsyslogd.pid")
    if os.path.exists(pidf): os.unlink(pidf)
    procs[name] = subprocess.Popen([args.rsyslogd, "-n", "-f", conf, "-i", pidf], stdout=subprocess.DEVNULL,
                                   stderr=open(os.path.join(d, "rsyslogd.log"), "a"))
    for _ in range(100):
        if os.path.exists(pidf) and open(pidf).read().strip(): return
        time.sleep(0.1)
    raise RuntimeError(f"{name}: rsyslogd did not start")


def stop(name):
    p = procs.pop(name)
    p.send_signal(signal.SIGTERM)
    if p.wait(timeout=60) != 0:
        raise RuntimeError(f"{name}: rsyslogd exit code {p.returncode}")


def esmock_start():
    pf = os.path.join(W, "es.port")
    if os.path.exists(pf): os.unlink(pf)
    procs["esmock"] = subprocess.Popen([sys.executable, os.path.join(TOP, "tests/es/esmock.py"),
        "--template", os.path.join(CONTRIB, "elasticsearch/netfilter-index-template.json"), "--port-file", pf,
        "--port", str(ES), "--store", os.path.join(W, "es.store"), "--tls-cert", f"{W}/tls/es.pem",
        "--tls-key", f"{W}/tls/es.key", "--user", "mmnetfilter", "--password", PASSWORD],
        stderr=open(os.path.join(W, "esmock.log"), "a"))
    for _ in range(100):
        if os.path.exists(pf) and open(pf).read(): return
        time.sleep(0.05)
    raise RuntimeError("esmock did not start")


def es_get(path, auth=True):
    ctx = ssl.create_default_context(cafile=f"{W}/tls/ca.pem")
    req = urllib.request.Request(f"https://localhost:{ES}{path}")
    if auth:
        req.add_header("Authorization", "Basic " + base64.b64encode(f"mmnetfilter:{PASSWORD}".encode()).decode())
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)


seq = collections.Counter()


def feed(phase):
    for name in EDGES:
        with open(os.path.join(W, name, "kern.log"), "a") as f:
            for _ in range(PER_PHASE):
                seq[name] += 1
                i = seq[name]
                f.write(f"[{name} DROP] IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 SRC=198.51.100.{i % 250 + 1} "
                        f"DST=192.0.2.10 LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID={i} DF PROTO=TCP SPT={30000 + i} DPT=22 "
                        f"WINDOW=64240 RES=0x00 SYN URGP=0\n")
            for k in range(OTHER_PER_PHASE):
                f.write(f"{name} phase {phase} e1000e 0000:00:1f.6 eth0: NIC Link is Up {k}\n")


def count_lines(path):
    try:
        return sum(1 for _ in open(path))
    except FileNotFoundError:
        return 0


def host_file(name, f="netfilter.jsonl"):
    return os.path.join(W, "central", "log", f"{name}.edge.example.org", f)


def wait_files(n, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if all(count_lines(host_file(e)) >= n for e in EDGES):
            return True
        time.sleep(0.2)
    return False


def es_count():
    st, r = es_get("/_mock/docs")
    return r["count"] if st == 200 else -1


def main():
    t0 = time.time()
    subprocess.run(["sh", os.path.join(CONTRIB, "tls/mmnetfilter-make-certs"), f"{W}/tls", "central=central.example.org",
                    "edge1=edge1.edge.example.org", "edge2=edge2.edge.example.org", "edge3=edge3.edge.example.org",
                    "es=localhost"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["cp", f"{W}/tls/ca.pem", f"{W}/tls/es-ca.pem"], check=True)
    esmock_start()
    cconf = central_conf()
    # the template and the pipeline, installed by mmnetfilter-es-setup from the same settings
    r = subprocess.run(["sh", os.path.join(CONTRIB, "elasticsearch/mmnetfilter-es-setup"), "--config-dir", f"{W}/es"],
                       capture_output=True, text=True, timeout=60)
    st, pl = es_get("/_ingest/pipeline/netfilter")
    if r.returncode != 0 or st != 200 or "netfilter" not in pl or "installed _index_template/netfilter" not in r.stdout:
        raise RuntimeError(f"mmnetfilter-es-setup: exit {r.returncode}: {r.stdout} {r.stderr}; the pipeline: {st}")
    start("central", cconf)
    econf = {e: edge_conf(e, r) for e, r in EDGES.items()}
    for e, c in econf.items():
        start(e, c)
    feed(1)
    if not wait_files(PER_PHASE):
        raise RuntimeError(f"phase 1: {[count_lines(host_file(e)) for e in EDGES]} records per edge, {PER_PHASE} sent")
    # a sender without a certificate, plain text to the TLS port: must deliver nothing
    with socket.create_connection(("127.0.0.1", TLS), timeout=5) as s:
        try:
            s.sendall(b"<4>Nov 29 06:00:00 rogue.edge.example.org kernel: [rogue DROP] IN=eth0 OUT= SRC=203.0.113.66 "
                      b"DST=192.0.2.10 LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=666 DF PROTO=TCP SPT=6666 DPT=22 WINDOW=1 RES=0x00 SYN URGP=0\n")
            s.recv(100)
        except OSError:
            pass
    # phase 2: the central server restarts while the edges go on
    stop("central")
    feed(2)
    time.sleep(2)
    start("central", cconf)
    # phase 3: Elasticsearch is down while records arrive (the edges' next frames also find
    # out that their old connections are gone: RELP then resends what was not acknowledged)
    procs.pop("esmock").terminate()
    feed(3)
    if not wait_files(3 * PER_PHASE, timeout=90):
        raise RuntimeError(f"phases 2+3: {[count_lines(host_file(e)) for e in EDGES]} records per edge, {3 * PER_PHASE} sent")
    time.sleep(2)  # omelasticsearch finds Elasticsearch down and holds the records
    esmock_start()
    total = len(EDGES) * 3 * PER_PHASE
    deadline = time.time() + 90
    while time.time() < deadline and es_count() < total:
        time.sleep(0.5)
    time.sleep(2)  # a duplicate would be there by now
    for e in EDGES:
        stop(e)
    stop("central")
    return check(t0)


def check(t0):
    errs = []
    n = 3 * PER_PHASE
    for e in EDGES:
        recs = [json.loads(l) for l in open(host_file(e))]
        ids = collections.Counter(r["netfilter"]["ip"]["id"] for r in recs)
        lost = [i for i in range(1, n + 1) if i not in ids]
        dup = [i for i, c in ids.items() if c > 1]
        hosts = {r["host"] for r in recs}
        prefixes = {r["netfilter"]["prefix"] for r in recs}
        if lost or dup or len(recs) != n:
            errs.append(f"{e}: file has {len(recs)} records; lost {lost[:10]}, twice {dup[:10]}")
        if hosts != {f"{e}.edge.example.org"} or prefixes != {f"[{e} DROP] "}:
            errs.append(f"{e}: hosts {hosts}, prefixes {prefixes}")
        other = open(host_file(e, "other.log")).read().splitlines()
        if len(set(other)) != 3 * OTHER_PER_PHASE:
            errs.append(f"{e}: other.log has {len(set(other))} distinct lines, {3 * OTHER_PER_PHASE} sent")
        print(f"relay: {e} ({'RELP/TLS' if EDGES[e] == 'netfilter_forward' else 'TCP/TLS'}): {n} records sent, "
              f"{len(recs)} in its file ({len(ids)} distinct, {len(dup)} duplicates, {len(lost)} lost), "
              f"{len(set(other))} other lines ({len(other) - len(set(other))} resent, written again)")
    if any("rogue" in l for root, _, fs in os.walk(os.path.join(W, "central", "log")) for f in fs for l in open(os.path.join(root, f))):
        errs.append("the sender without a certificate got a line through")
    st, r = es_get("/_mock/docs")
    docs = r["docs"]
    odd = [d for d in docs if "hostname" not in d.get("observer", {}) or "id" not in d.get("event", {})]
    if odd:
        errs.append(f"{len(odd)} documents without observer.hostname or event.id: {json.dumps(odd[0])[:300]}")
        docs = [d for d in docs if d not in odd]
    ids = collections.Counter(d["event"]["id"] for d in docs)
    per_host = collections.Counter(d["observer"]["hostname"] for d in docs)
    keys = collections.Counter((d["observer"]["hostname"], d["message"]) for d in docs)
    if len(docs) != len(EDGES) * n or len(ids) != len(docs) or any(c > 1 for c in keys.values()):
        errs.append(f"Elasticsearch: {len(docs)} documents, {len(ids)} distinct event.id, "
                    f"{sum(c - 1 for c in keys.values() if c > 1)} duplicate records; {len(EDGES) * n} sent")
    if per_host != {f"{e}.edge.example.org": n for e in EDGES}:
        errs.append(f"Elasticsearch documents per host: {dict(per_host)}")
    # the reconciler as its systemd unit runs it (HTTPS, the CA, user and password file) over the
    # central server's spool: every spooled document is already there, nothing to send again
    unit = open(os.path.join(CONTRIB, "systemd/mmnetfilter-es-reconcile.service")).read()
    argv = next(l for l in unit.splitlines() if l.startswith("ExecStart=")).split()[1:]
    argv = [x.replace("/usr/share/rsyslog-mmnetfilter/", f"{CONTRIB}/").replace("/etc/mmnetfilter/elasticsearch", f"{W}/es")
             .replace("/var/spool/rsyslog/", f"{W}/central/spool/") for x in argv]
    argv[argv.index("--min-age") + 1] = "0"
    w = argv.index("--watch")  # one pass here, not the service's loop
    del argv[w:w + 2]
    rec = subprocess.run(argv + ["--rejected", os.path.join(W, "rejected.json")], capture_output=True, text=True, timeout=120)
    if rec.returncode != 0 or f"reconciled: {len(EDGES) * n} documents, 0 sent again, 0 refused, 0 files kept" not in rec.stdout:
        errs.append(f"reconciler (HTTPS, password file): exit {rec.returncode}: {rec.stdout[-300:]} {rec.stderr[-300:]}")
    clog = open(os.path.join(W, "central", "rsyslogd.log")).read()
    if "omelasticsearch: we are suspending ourselfs due to server failure" not in clog:
        errs.append("omelasticsearch never found Elasticsearch down: the outage was not tested")
    st_unauth, _ = es_get("/", auth=False)
    _, stats = es_get("/_mock/stats")
    if st_unauth != 401:
        errs.append(f"esmock answered {st_unauth} to a request without credentials")
    if stats["unauthorized"] != 1:
        errs.append(f"esmock refused {stats['unauthorized'] - 1} requests of rsyslog's for credentials")
    procs.pop("esmock").terminate()
    dups = 0  # resends the central dedup window caught (the counters of both central runs)
    run = 0
    for l in open(os.path.join(W, "central", "stats.log")):
        if '"name": "netfilter_central"' in l and '"origin": "mmnetfilter"' in l:
            v = int(json.loads(l[l.index("{"):])["records.duplicate"])
            if v < run: dups += run  # a new process
            run = v
    dups += run
    print(f"relay: the central server's dedup window caught {dups} records the edges delivered twice")
    print(f"relay: Elasticsearch over HTTPS with a password, settings in one place (the snippet, the reconciler, mmnetfilter-es-setup installed template and pipeline): {len(docs)} documents ({len(ids)} distinct event.id, "
          f"{sum(c - 1 for c in keys.values() if c > 1)} duplicates), per host {dict(sorted(per_host.items()))}; "
          f"{stats['bulk_requests']} bulk requests; a request without credentials: {st_unauth}; "
          f"the reconciler over HTTPS with the unit's arguments: {rec.stdout.strip().splitlines()[-1] if rec.stdout.strip() else '?'}; "
          f"a sender without a certificate: nothing delivered; through a central restart and an Elasticsearch outage; "
          f"{time.time() - t0:.1f} s; {len(errs)} problems")
    for x in errs:
        print("  " + x)
    return 1 if errs else 0


rc = 1
try:
    rc = main()
except Exception as ex:
    print(f"relay: {ex}")
    for name in ("central", *EDGES):
        p = os.path.join(W, name, "rsyslogd.log")
        if os.path.exists(p): print(f"--- {name}\n" + open(p).read()[-1500:])
finally:
    for p in procs.values():
        p.kill(); p.wait()
print(("PASS" if rc == 0 else "FAIL") + " relay")
sys.exit(rc)
