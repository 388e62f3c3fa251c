#!/usr/bin/env python3
"""A test Elasticsearch endpoint for the delivery tests (no Elasticsearch can be installed on
these machines). Faithful where rsyslog's omelasticsearch depends on it:
  GET /                 cluster info with a version
  GET /_cat/health      omelasticsearch's connection check
  PUT /_index_template/N   stores a composable template (the shipped one is loaded at start)
  PUT /_ingest/pipeline/N  stores an ingest pipeline (a processors list); GET of either returns it
  POST /_bulk, /<index>/_bulk   NDJSON bodies; "create"/"index" actions; per-item results in the
                        real response shape; documents checked against the matching template's
                        mappings ("dynamic": "strict": an unmapped field is a per-item 400
                        strict_dynamic_mapping_exception, a wrong type a per-item 400
                        mapper_parsing_exception, a keyword over Lucene's 32,766-byte term
                        limit without ignore_above a 400 illegal_argument_exception);
                        "create" of an existing _id is a 409.
  POST /<index>/_search   {"query": {"ids": {"values": [...]}}}: which of these _ids are stored
  POST /<index>/_refresh
Fault switches (POST /_mock/faults?item429=N&item503=N&status=503&requests=N&body=0|1|2&drop=N):
the next N bulk requests get every item answered 429 es_rejected_execution_exception (or 503
unavailable_shards_exception), or the whole request answered with an HTTP status and a JSON
error (body=0), an HTML page as a proxy sends it (body=1) or an empty body (body=2), or the
connection dropped without an answer.
--store FILE: every acknowledged document is written there before the answer, and read back
at start: a restart (even kill -9) loses nothing it acknowledged.
GET /_mock/docs: {"count": n, "docs": [...]} of everything stored; GET /_mock/stats.
--tls-cert FILE --tls-key FILE: HTTPS only. --user U --password P and/or --api-key ID:KEY: every
request must carry those credentials (Authorization: Basic / ApiKey), as Elasticsearch 8 with
security on: otherwise 401 security_exception with WWW-Authenticate (counted: "unauthorized").
Usage: esmock.py --template FILE --port-file FILE [--port 0] [--store FILE] [--tls-cert F --tls-key F]
                 [--user U --password P] [--api-key ID:KEY]
The validation is importable: validate(doc, mappings) -> None or (type, reason).
"""
import argparse, base64, hmac, ipaddress, json, re, ssl, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse, parse_qs

DATE = re.compile(r"^\d{4}-\d\d-\d\d(T\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)?)?$")

def check_leaf(path, v, m):
    t = m.get("type")
    vals = v if isinstance(v, list) else [v]
    for x in vals:
        ok = True
        if t == "ip":
            try:
                ipaddress.ip_address(x) if isinstance(x, str) else (_ for _ in ()).throw(ValueError())
            except ValueError:
                ok = False
        elif t == "long":
            ok = isinstance(x, int) and not isinstance(x, bool) and -2**63 <= x < 2**63
        elif t == "keyword":
            ok = isinstance(x, str)
            # Lucene's limit on one term: a longer keyword is refused unless ignore_above
            # makes Elasticsearch skip indexing it (the value stays in _source)
            if ok and len(x.encode("utf-8")) > 32766 and not ("ignore_above" in m and len(x) > m["ignore_above"]):
                return ("illegal_argument_exception",
                        f"Document contains at least one immense term in field=\"{path}\" (whose UTF8 encoding is longer than the max length 32766)")
        elif t in ("text", "match_only_text"):
            ok = isinstance(x, str)
        elif t == "date":
            ok = isinstance(x, str) and DATE.match(x) is not None
        elif t == "boolean":
            ok = isinstance(x, bool)
        if not ok:
            return ("mapper_parsing_exception", f"failed to parse field [{path}] of type [{t}] in document: value {x!r}")
    return None

def validate(doc, props, prefix="", dynamic="strict"):
    """props: a mappings "properties" object; dynamic: the object's setting ("strict": every
    field must be mapped; true/false: an unmapped one is taken, mapped dynamically or kept in
    _source only), inherited by inner objects unless they say otherwise"""
    if not isinstance(doc, dict):
        return ("mapper_parsing_exception", f"object mapping for [{prefix or '_doc'}] tried to parse a non-object")
    for k, v in doc.items():
        path = prefix + k
        m = props.get(k)
        if m is None:
            if str(dynamic).lower() != "strict":
                continue
            return ("strict_dynamic_mapping_exception",
                    f"mapping set to strict, dynamic introduction of [{k}] within [{prefix[:-1] or '_doc'}] is not allowed")
        if "properties" in m:
            err = validate(v, m["properties"], path + ".", m.get("dynamic", dynamic))
        else:
            err = check_leaf(path, v, m)
        if err:
            return err
    return None

TEMPLATE_KEYS = {"index_patterns", "composed_of", "template", "priority", "version", "_meta", "data_stream",
                 "allow_auto_create", "ignore_missing_component_templates"}
TEMPLATE_BODY_KEYS = {"settings", "mappings", "aliases", "lifecycle"}

def template_error(t):
    """what Elasticsearch 8.11 would refuse in a composable index template, or None"""
    bad = set(t) - TEMPLATE_KEYS or set(t.get("template", {})) - TEMPLATE_BODY_KEYS
    if bad:
        return f"unknown key {sorted(bad)[0]!r} in the index template"
    if not isinstance(t.get("index_patterns"), list) or not t["index_patterns"]:
        return "index_patterns must be a non-empty list"
    life = t.get("template", {}).get("lifecycle")
    if life is not None:
        if set(life) - {"data_retention", "enabled", "downsampling"}:
            return "unknown key in lifecycle"
        if "data_retention" in life and not re.fullmatch(r"\d+(d|h|m|s|ms|micros|nanos)", str(life["data_retention"])):
            return f"failed to parse data_retention [{life['data_retention']}]"
        if "data_stream" not in t:
            return "a lifecycle needs a data stream template"
    return None

class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.templates = {}
        self.pipelines = {}
        self.docs = {}        # (index, id) -> doc
        self.order = []
        self.seq = 0
        self.faults = {"item429": 0, "item503": 0, "status": 0, "requests": 0, "body": 0, "drop": 0}
        self.store = None
        self.stats = {"bulk_requests": 0, "items": 0, "created": 0, "rejected_400": 0, "conflict_409": 0,
                      "item_429": 0, "whole_status": 0, "dropped": 0, "unauthorized": 0}
        self.credentials = []  # accepted Authorization header values; empty: no authentication

    def mappings_for(self, index):
        best = None
        for t in self.templates.values():
            for pat in t.get("index_patterns", []):
                if re.fullmatch(pat.replace(".", r"\.").replace("*", ".*"), index):
                    if best is None or t.get("priority", 0) > best.get("priority", 0):
                        best = t
        mp = (best or {}).get("template", {}).get("mappings", {})
        return (mp.get("properties"), mp.get("dynamic", True)) if mp.get("properties") is not None else None

S = State()

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, code, obj, ctype="application/json"):
        body = (json.dumps(obj) if not isinstance(obj, (bytes, str)) else obj)
        body = body.encode() if isinstance(body, str) else body
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def authorized(self):
        """Elasticsearch 8 with security on: no or wrong credentials are a 401"""
        if not S.credentials:
            return True
        got = self.headers.get("Authorization", "")
        if any(hmac.compare_digest(got, c) for c in S.credentials):
            return True
        self.body()
        with S.lock:
            S.stats["unauthorized"] += 1
        reason = ("unable to authenticate user for REST request [%s]" if got else
                  "missing authentication credentials for REST request [%s]") % self.path
        body = json.dumps({"error": {"root_cause": [{"type": "security_exception", "reason": reason}],
                                     "type": "security_exception", "reason": reason}, "status": 401}).encode()
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="security" charset="UTF-8"')
        self.send_header("WWW-Authenticate", "ApiKey")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        return False

    def do_GET(self):
        if not self.authorized():
            return
        u = urlparse(self.path)
        if u.path == "/":
            return self.reply(200, {"name": "esmock", "cluster_name": "mmnetfilter-test",
                                    "version": {"number": "8.11.0", "build_flavor": "default", "lucene_version": "9.8.0"},
                                    "tagline": "You Know, for Search"})
        if u.path == "/_cat/health":
            return self.reply(200, "1700000000 00:00:00 mmnetfilter-test green 1 1 1 1 0 0 0 0 - 100.0%\n", "text/plain")
        if u.path == "/_mock/docs":
            with S.lock:
                return self.reply(200, {"count": len(S.order), "docs": [S.docs[k] for k in S.order]})
        if u.path.startswith("/_index_template/") and u.path.rsplit("/", 1)[1] in S.templates:
            n = u.path.rsplit("/", 1)[1]
            return self.reply(200, {"index_templates": [{"name": n, "index_template": S.templates[n]}]})
        if u.path.startswith("/_ingest/pipeline/") and u.path.rsplit("/", 1)[1] in S.pipelines:
            n = u.path.rsplit("/", 1)[1]
            return self.reply(200, {n: S.pipelines[n]})
        if u.path == "/_mock/stats":
            with S.lock:
                return self.reply(200, S.stats)
        self.reply(404, {"error": {"type": "resource_not_found_exception"}, "status": 404})

    def do_PUT(self):
        if not self.authorized():
            return
        u = urlparse(self.path)
        if u.path.startswith("/_index_template/"):
            t = json.loads(self.body())
            err = template_error(t)
            if err:
                return self.reply(400, {"error": {"type": "x_content_parse_exception", "reason": err}, "status": 400})
            S.templates[u.path.rsplit("/", 1)[1]] = t
            return self.reply(200, {"acknowledged": True})
        if u.path.startswith("/_ingest/pipeline/"):
            p = json.loads(self.body())
            if not isinstance(p.get("processors"), list) or not all(isinstance(x, dict) and len(x) == 1 for x in p["processors"]):
                return self.reply(400, {"error": {"type": "parse_exception", "reason": "[processors] required property is missing"}, "status": 400})
            S.pipelines[u.path.rsplit("/", 1)[1]] = p
            return self.reply(200, {"acknowledged": True})
        self.reply(404, {"status": 404})

    def do_POST(self):
        if not self.authorized():
            return
        u = urlparse(self.path)
        if u.path == "/_mock/faults":
            self.body()
            q = {k: int(v[0]) for k, v in parse_qs(u.query).items()}
            with S.lock:
                S.faults.update(q)
            return self.reply(200, S.faults)
        if u.path.endswith("/_refresh"):
            self.body()
            return self.reply(200, {"_shards": {"total": 1, "successful": 1, "failed": 0}})
        if u.path.endswith("/_search"):
            q = json.loads(self.body() or b"{}")
            index = u.path[1:-len("/_search")]
            ids = q.get("query", {}).get("ids", {}).get("values", [])
            with S.lock:
                hits = [{"_index": index, "_id": i} for i in ids if (index, i) in S.docs]
            return self.reply(200, {"took": 1, "timed_out": False, "hits": {"total": {"value": len(hits), "relation": "eq"}, "hits": hits}})
        if not u.path.endswith("/_bulk"):
            return self.reply(404, {"status": 404})
        raw = self.body()
        with S.lock:
            S.stats["bulk_requests"] += 1
            f = S.faults
            if f["drop"] > 0:
                f["drop"] -= 1
                S.stats["dropped"] += 1
                self.close_connection = True
                self.connection.shutdown(2)
                return
            if f["requests"] > 0 and f["status"]:
                f["requests"] -= 1
                S.stats["whole_status"] += 1
                st = f["status"]
                if f["body"] == 1:
                    return self.reply(st, f"<html><head><title>{st} Service Temporarily Unavailable</title></head><body>"
                                          f"<center><h1>{st} Service Temporarily Unavailable</h1></center><hr><center>nginx</center></body></html>\n",
                                      "text/html")
                if f["body"] == 2:
                    return self.reply(st, b"", "text/plain")
                return self.reply(st, {"error": {"type": "es_rejected_execution_exception" if st == 429 else "unavailable_shards_exception",
                                                 "reason": "injected by esmock"}, "status": st})
            reject_all = 0
            for st in (429, 503):
                if f[f"item{st}"] > 0 and not reject_all:
                    f[f"item{st}"] -= 1
                    reject_all = st
        default_index = u.path[1:-len("/_bulk")] or None
        lines = [l for l in raw.split(b"\n") if l.strip()]
        items, errors, i = [], False, 0
        while i < len(lines):
            action = json.loads(lines[i]); i += 1
            op = next(iter(action))
            meta = action[op]
            index = meta.get("_index", default_index)
            doc = json.loads(lines[i]) if op != "delete" else None
            i += 1
            with S.lock:
                S.stats["items"] += 1
                S.seq += 1
                _id = meta.get("_id") or f"mock{S.seq}"
                res = {"_index": index, "_id": _id}
                if reject_all:
                    res.update(status=reject_all, error={"type": "es_rejected_execution_exception" if reject_all == 429
                                                         else "unavailable_shards_exception", "reason": "injected by esmock"})
                    S.stats[f"item_{reject_all}"] = S.stats.get(f"item_{reject_all}", 0) + 1
                else:
                    mp = S.mappings_for(index)
                    err = validate(doc, mp[0], "", mp[1]) if mp is not None else None
                    if err:
                        res.update(status=400, error={"type": err[0], "reason": err[1]})
                        S.stats["rejected_400"] += 1
                    elif op == "create" and (index, _id) in S.docs:
                        res.update(status=409, error={"type": "version_conflict_engine_exception",
                                                      "reason": f"[{_id}]: version conflict, document already exists"})
                        S.stats["conflict_409"] += 1
                    else:
                        new = (index, _id) not in S.docs
                        S.docs[(index, _id)] = doc
                        if new:
                            S.order.append((index, _id))
                        if S.store is not None:  # before the answer: acknowledged means stored
                            S.store.write(json.dumps({"_index": index, "_id": _id, "doc": doc}) + "\n")
                            S.store.flush()
                        S.stats["created"] += 1
                        res.update(_version=1, result="created" if new else "updated", status=201 if new else 200,
                                   _shards={"total": 1, "successful": 1, "failed": 0}, _seq_no=S.seq, _primary_term=1)
            errors |= res["status"] >= 300
            items.append({op: res})
        self.reply(200, {"took": 1, "errors": errors, "items": items})

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--template", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--store")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--user")
    ap.add_argument("--password")
    ap.add_argument("--api-key")
    a = ap.parse_args()
    if a.user is not None:
        S.credentials.append("Basic " + base64.b64encode(f"{a.user}:{a.password or ''}".encode()).decode())
    if a.api_key:
        S.credentials.append("ApiKey " + base64.b64encode(a.api_key.encode()).decode())
    S.templates["netfilter"] = json.load(open(a.template))
    err = template_error(S.templates["netfilter"])
    if err:
        raise SystemExit(f"esmock: {a.template}: {err}")
    if a.store:
        try:
            for l in open(a.store):
                try:
                    r = json.loads(l)
                except ValueError:
                    continue  # a line cut by kill -9 was never acknowledged
                k = (r["_index"], r["_id"])
                if k not in S.docs:
                    S.order.append(k)
                S.docs[k] = r["doc"]
        except FileNotFoundError:
            pass
        S.store = open(a.store, "a")
    ThreadingHTTPServer.allow_reuse_address = True  # a restart on the same port
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), H)
    srv.daemon_threads = True
    if a.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls_cert, a.tls_key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    with open(a.port_file, "w") as f:
        f.write(str(srv.server_address[1]))
    srv.serve_forever()

if __name__ == "__main__":
    main()
