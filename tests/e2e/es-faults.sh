#!/bin/bash
# Elasticsearch faults with the contrib configuration and Debian 12's omelasticsearch: every
# fault mode of the reliability campaign, one after the other while records flow, then the
# reconciler (contrib/elasticsearch/mmnetfilter-es-reconcile) over the spool. Per mode:
# records sent, indexed before and after reconciliation, duplicates, lost. Must end with
# indexed = sent and 0 duplicates in every mode.
. "$(dirname "$0")/lib.sh"
ls /usr/lib/*/rsyslog/omelasticsearch.so >/dev/null 2>&1 || skip "omelasticsearch not installed (apt-get install rsyslog-elasticsearch)"
command -v curl >/dev/null || skip "curl missing"
N=${ES_FAULT_RECORDS:-600}   # records per mode
tpl=$top_srcdir/contrib/elasticsearch/netfilter-index-template.json

es_start() { # es_start [PORT]: the test endpoint, documents kept in $WORK/es.store across restarts
	rm -f "$WORK/esport"
	python3 "$top_srcdir/tests/es/esmock.py" --template "$tpl" --port-file "$WORK/esport" --store "$WORK/es.store" \
		${1:+--port "$1"} > "$WORK/esmock.log" 2>&1 & ES_PID=$!
	wait_file "$WORK/esport"
}
es_start
trap 'kill -9 $ES_PID 2>/dev/null; cleanup' EXIT
port=$(cat "$WORK/esport"); es=http://127.0.0.1:$port

es_contrib_conf 127.0.0.1 "$port"
cat > "$WORK/rsyslog.conf" <<CONF
global(workDirectory="$WORK")
include(file="$WORK/base.conf")
include(file="$WORK/es.conf")
module(load="imptcp")
input(type="imptcp" port="0" address="127.0.0.1" listenPortFileName="$WORK/port" ruleset="in")
module(load="imfile")
input(type="imfile" file="$WORK/crash.log" tag="kernel:" facility="kern" addMetadata="on" ruleset="in")
ruleset(name="in") { call netfilter_es }
CONF
start_rsyslogd "$WORK/rsyslog.conf"
wait_file "$WORK/port"

send() { # send MODE RATE: N records tagged with the mode, at RATE per second
	python3 - "$(cat "$WORK/port")" "$1" "$N" "$2" <<'PY'
import socket, sys, time
port, mode, n, rate = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
    t0 = time.time()
    for i in range(n):
        s.sendall((f"<4>Nov 29 04:00:00 fw kernel: {mode}-{i}: IN=eth0 OUT= MAC=00:11:22:33:44:55:66:77:88:99:aa:bb:08:00 "
                   f"SRC=192.0.2.{i % 250 + 1} DST=198.51.100.7 LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID={i} PROTO=TCP "
                   f"SPT={1024 + i} DPT=22 WINDOW=1024 RES=0x00 SYN URGP=0 \n").encode())
        lag = t0 + (i + 1) / rate - time.time()
        if lag > 0:
            time.sleep(lag)
PY
}
fault() { curl -fsS -XPOST "$es/_mock/faults?$1" >/dev/null || fail "cannot set faults $1"; }
clear_faults() { fault "item429=0&item503=0&status=0&requests=0&body=0&drop=0"; }

modes="down whole429 whole503 html503 empty503 items429 restart"
for m in $modes; do
	case $m in
	down)     kill -9 $ES_PID; wait $ES_PID 2>/dev/null; send "$m" 300; sleep 1; es_start "$port" ;;
	whole429) fault "status=429&requests=6"; send "$m" 300; clear_faults ;;
	whole503) fault "status=503&requests=6"; send "$m" 300; clear_faults ;;
	html503)  fault "status=503&requests=6&body=1"; send "$m" 300; clear_faults ;;
	empty503) fault "status=503&requests=6&body=2"; send "$m" 300; clear_faults ;;
	items429) fault "item429=40"; send "$m" 1000; clear_faults ;;
	restart)  send "$m" 300 & sp=$!; sleep 0.8; kill -9 $ES_PID; wait $ES_PID 2>/dev/null; es_start "$port"; wait $sp ;;
	esac
	sleep 1
done
# quiet: the count stops moving (bounded)
last=-1
for i in $(seq 1 60); do
	have=$(curl -fsS "$es/_mock/docs" | python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])')
	[ "$have" = "$last" ] && break
	last=$have; sleep 1
done
curl -fsS "$es/_mock/docs" > "$WORK/before.json"
stop_rsyslogd
python3 "$top_srcdir/contrib/elasticsearch/mmnetfilter-es-reconcile" --url "$es" --spool "$WORK/spool/mmnetfilter-es" \
	--min-age 0 --max-runtime 60 --rejected "$WORK/es-rejected.json" > "$WORK/reconcile.log" 2>&1 || { cat "$WORK/reconcile.log"; fail "reconciler failed"; }
tail -n 1 "$WORK/reconcile.log"
curl -fsS "$es/_mock/docs" > "$WORK/after.json"
ls "$WORK/spool/mmnetfilter-es/"*.jsonl >/dev/null 2>&1 && fail "spool files left after reconciliation"

python3 - "$WORK/before.json" "$WORK/after.json" "$N" $modes <<'PY' || fail "loss or duplicates"
import collections, json, re, sys
before, after, n, modes = json.load(open(sys.argv[1]))["docs"], json.load(open(sys.argv[2]))["docs"], int(sys.argv[3]), sys.argv[4:]
def per_mode(docs):
    c = collections.Counter(re.match(r"(\w+)-(\d+):", d["message"]).groups() for d in docs)
    out = {}
    for m in modes:
        recs = [k for k in c if k[0] == m]
        out[m] = (len(recs), sum(v - 1 for k, v in c.items() if k[0] == m))
    return out
b, a = per_mode(before), per_mode(after)
bad = 0
print(f"{'fault':<10}{'sent':>6}{'indexed by rsyslog':>20}{'after reconcile':>17}{'duplicates':>12}{'lost':>6}")
for m in modes:
    lost = n - a[m][0]
    bad += lost != 0 or a[m][1] != 0
    print(f"{m:<10}{n:>6}{b[m][0]:>20}{a[m][0]:>17}{a[m][1]:>12}{lost:>6}")
print(f"es-faults: {len(modes)} fault modes, {n} records each: {'0 lost, 0 duplicates' if not bad else 'LOSS OR DUPLICATES'}")
sys.exit(1 if bad else 0)
PY

# A crash in a 503 storm, with the reconciler running as its service does (a pass every second
# here): records are appended to a file imfile reads (addMetadata: a line's identity is the
# file, its offset and its text) while every bulk request is answered 503; rsyslogd is killed
# (-9) in the middle, the storm ends, rsyslogd starts again and reads the file again (imfile
# had saved no position): every record must reach Elasticsearch once, and how long after the
# storm it took is measured.
python3 "$top_srcdir/contrib/elasticsearch/mmnetfilter-es-reconcile" --url "$es" --spool "$WORK/spool/mmnetfilter-es" \
	--min-age 2 --max-runtime 10 --watch 1 --rejected "$WORK/es-rejected.json" > "$WORK/watch.log" 2>&1 & WATCH_PID=$!
trap 'kill -9 $ES_PID $WATCH_PID 2>/dev/null; cleanup' EXIT
start_rsyslogd "$WORK/rsyslog.conf"
wait_file "$WORK/port"
# first a storm without a crash: what omelasticsearch drops (a whole-request 503 goes to its
# errorfile) the running reconciler sends from the spool; measured: how long after the storm
fault "status=503&requests=100000"
send storm 300
clear_faults
python3 - "$es" "$N" storm <<'PY' || fail "records of the storm lost or written twice"
import collections, json, re, sys, time, urllib.request
es, n, tag = sys.argv[1], int(sys.argv[2]), sys.argv[3]
t0, c = time.time(), collections.Counter()
while time.time() - t0 < 90:
    docs = json.load(urllib.request.urlopen(es + "/_mock/docs"))["docs"]
    c = collections.Counter(int(m.group(1)) for d in docs for m in [re.match(tag + r"-(\d+):", d["message"])] if m)
    if len(c) >= n:
        break
    time.sleep(0.5)
print(f"es-faults: a 503 storm, the reconciler running: {n} records, {len(c)} in Elasticsearch {time.time() - t0:.1f} s "
      f"after the storm, {sum(v - 1 for v in c.values())} duplicates, {n - len(c)} lost")
sys.exit(0 if len(c) == n and all(v == 1 for v in c.values()) else 1)
PY
fault "status=503&requests=100000"
python3 - "$WORK/crash.log" "$N" <<'PY' & APP=$!
import sys, time
path, n = sys.argv[1], int(sys.argv[2])
with open(path, "a", buffering=1) as f:
    for i in range(n):
        f.write(f"crash-{i}: IN=eth0 OUT= MAC=00:11:22:33:44:55:66:77:88:99:aa:bb:08:00 SRC=192.0.2.{i % 250 + 1} "
                f"DST=198.51.100.9 LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID={i} PROTO=TCP SPT={2048 + i} DPT=443 WINDOW=1024 "
                f"RES=0x00 SYN URGP=0\n")
        time.sleep(1 / 300)
PY
sleep 1
kill -9 "$RS_PID"; wait "$RS_PID" 2>/dev/null; RS_PID=""
wait $APP
clear_faults
start_rsyslogd "$WORK/rsyslog.conf"
t0=$(date +%s.%N)
python3 - "$es" "$N" <<'PY' || fail "records of the crash lost or written twice"
import collections, json, re, sys, time, urllib.request
es, n = sys.argv[1], int(sys.argv[2])
t0, c = time.time(), collections.Counter()
while time.time() - t0 < 90:
    docs = json.load(urllib.request.urlopen(es + "/_mock/docs"))["docs"]
    c = collections.Counter(int(m.group(1)) for d in docs for m in [re.match(r"crash-(\d+):", d["message"])] if m)
    if len(c) >= n:
        break
    time.sleep(0.5)
lag = time.time() - t0
dups = sum(v - 1 for v in c.values())
print(f"es-faults: crash (kill -9 of rsyslogd in a 503 storm, imfile read again, the reconciler running): "
      f"{n} records, {len(c)} in Elasticsearch {lag:.1f} s after the restart, {dups} duplicates, {n - len(c)} lost")
sys.exit(0 if len(c) == n and dups == 0 else 1)
PY
stop_rsyslogd
kill -TERM $WATCH_PID; wait $WATCH_PID 2>/dev/null
grep -q "^pending: " "$WORK/watch.log" || { cat "$WORK/watch.log"; fail "the watching reconciler reported nothing pending"; }
echo "es-faults: the watching reconciler: $(grep -c '^pending: ' "$WORK/watch.log") reports of what is pending, $(grep -h '^reconciled:' "$WORK/watch.log" | awk '{s += $4} END {print s + 0}') documents sent again"

# A spool line cut by a crash: kept (FILE.damaged) and reported unless Elasticsearch holds its
# document; a whole line is reconciled as ever; the spool file itself goes
sp=$WORK/spool/mmnetfilter-es/20261204-0000-0.jsonl
held=$(curl -fsS "$es/_mock/docs" | python3 -c 'import json, sys; print(json.load(sys.stdin)["docs"][0]["event"]["id"])')
{
	printf '{"event":{"id":"%s","kind":"event"},"message":"whole' "$(printf '%040d' 7)"; printf '"}\n'
	printf '{"event":{"id":"%s","kind":"ev\n' "$held"
	printf '{"event":{"id":"%s","kind":"ev\n' "$(printf '%040d' 9)"
	printf '{"mess\n'
} > "$sp"
rc=0
python3 "$top_srcdir/contrib/elasticsearch/mmnetfilter-es-reconcile" --url "$es" --spool "$WORK/spool/mmnetfilter-es" \
	--min-age 0 --max-runtime 10 --rejected "$WORK/es-rejected.json" > "$WORK/cut.log" 2>&1 || rc=$?
[ "$rc" = 75 ] || { cat "$WORK/cut.log"; fail "damaged spool lines: exit $rc, want 75"; }
[ ! -e "$sp" ] && [ "$(wc -l < "$sp.damaged")" = 2 ] && grep -q "$(printf '%040d' 9)" "$sp.damaged" &&
	! grep -q "$held" "$sp.damaged" || { cat "$WORK/cut.log"; fail "damaged spool lines not kept as expected"; }
grep -q "2 line(s) that are no whole document" "$WORK/cut.log" || { cat "$WORK/cut.log"; fail "damaged lines not reported"; }
echo "es-faults: a spool file with a whole line and three cut ones: the whole one reconciled, the cut one Elasticsearch holds accounted for, 2 kept in .damaged and reported (exit 75)"
echo "PASS $TEST_NAME"
