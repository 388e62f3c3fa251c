#!/bin/bash
# Delivery to Elasticsearch with the contrib configuration (server, port and paths adjusted):
# real rsyslogd -> mmnetfilter schema="ecs" -> omelasticsearch -> tests/es/esmock.py (or a real
# cluster: ES_URL=http://host:port, then the fault phases are skipped).
# Phases: plain delivery; per-item 429 for three bulk requests; dropped connections; a document
# the template rejects. Every record must end up accepted exactly once (or, the bad one, in the
# rejected file); nothing is lost.
. "$(dirname "$0")/lib.sh"
[ -f "$(dirname "$RSYSLOGD")/../lib/x86_64-linux-gnu/rsyslog/omelasticsearch.so" ] || ls /usr/lib/*/rsyslog/omelasticsearch.so >/dev/null 2>&1 ||
	skip "omelasticsearch not installed (apt-get install rsyslog-elasticsearch)"
command -v curl >/dev/null || skip "curl missing"

if [ -n "${ES_URL:-}" ]; then
	es=$ES_URL
	curl -fsS -XPUT "$es/_index_template/netfilter" -H 'Content-Type: application/json' \
		-d @"$top_srcdir/contrib/elasticsearch/netfilter-index-template.json" >/dev/null || fail "cannot install the template at $es"
else
	python3 "$top_srcdir/tests/es/esmock.py" --template "$top_srcdir/contrib/elasticsearch/netfilter-index-template.json" \
		--port-file "$WORK/esport" & ES_PID=$!
	trap 'kill $ES_PID 2>/dev/null; cleanup' EXIT
	wait_file "$WORK/esport"
	es=http://127.0.0.1:$(cat "$WORK/esport")
fi
host=${es#http://}; port=${host##*:}; host=${host%%:*}

# the contrib configuration, with this test's server, files and work directory
es_contrib_conf "$host" "$port"
cat > "$WORK/rsyslog.conf" <<CONF
global(workDirectory="$WORK")
include(file="$WORK/base.conf")
include(file="$WORK/es.conf")
module(load="imptcp")
input(type="imptcp" port="0" address="127.0.0.1" listenPortFileName="$WORK/port" ruleset="in" supportOctetCountedFraming="off")
ruleset(name="in") {
	# one line is given a field of the wrong type, as a stand-in for a mapping conflict
	if \$msg contains "MAPPING-CONFLICT" then {
		action(type="mmnetfilter" schema="ecs" container="\$!ecs")
		set \$!ecs!iptables!ttl = "not-a-number";
		action(type="omelasticsearch" server="$host" serverport="$port" esVersion.major="8"
		       searchIndex="logs-netfilter-default" bulkmode="on" writeoperation="create"
		       template="mmnetfilter_ecs" errorfile="$WORK/es-errors.json")
		stop
	}
	call netfilter_es
}
CONF
start_rsyslogd "$WORK/rsyslog.conf"
send() { send_tcp "$WORK/port" "$1"; } # send FILE: lines as remote syslog
count() { curl -fsS "$es/_mock/docs" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])' 2>/dev/null ||
	curl -fsS "$es/logs-netfilter-default/_count" | python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])'; }
wait_count() { # wait_count N SECONDS
	local i have=0
	for i in $(seq 1 $(($2 * 10))); do
		have=$(count); [ "$have" -ge "$1" ] && return 0
		kill -0 "$RS_PID" 2>/dev/null || fail "rsyslogd died"
		sleep 0.1
	done
	fail "Elasticsearch holds $have documents after ${2}s, expected $1"
}
# every record line is an event of its own, also two identical ones (Elastic's test file has a
# line once with and once without a syslog PRI): plain syslog carries no identity, so each
# message gets one when the module first reads it, kept through every retry of this rsyslogd
# (event.id is the _id: a bulk request sent again after a dropped connection adds nothing)
records() { cat "$1" >> "$WORK/sent"; "$NFPARSE" "$WORK/sent" | wc -l; }

g=$top_srcdir/tests/golden
cat "$g"/elastic/test-iptables-raw.log "$g"/formats/kernel.log > "$WORK/phase1.log"
n1=$(records "$WORK/phase1.log") # distinct records sent so far
send "$WORK/phase1.log"; wait_count "$n1" 30
echo "es-delivery: phase 1 (plain): $n1 records sent, $(count) documents accepted"

total=$n1
if [ -z "${ES_URL:-}" ]; then
	# the next three bulk requests: every item refused with 429 (es_rejected_execution_exception)
	curl -fsS -XPOST "$es/_mock/faults?item429=3" >/dev/null
	cp "$g/elastic/test-ubiquiti.log" "$WORK/phase2.log"
	total=$(records "$WORK/phase2.log"); n2=$((total - n1))
	send "$WORK/phase2.log"; wait_count "$total" 60
	echo "es-delivery: phase 2 (429 on every item of 3 bulk requests): $n2 records, all accepted after retries"
	curl -fsS -XPOST "$es/_mock/faults?item503=2" >/dev/null
	cp "$g/beats/ipv6.log" "$WORK/phase2b.log"
	prev=$total; total=$(records "$WORK/phase2b.log"); n2b=$((total - prev))
	send "$WORK/phase2b.log"; wait_count "$total" 60
	echo "es-delivery: phase 2b (503 on every item of 2 bulk requests): $n2b records, all accepted after retries"
	# the next two bulk requests: the connection dropped without an answer
	curl -fsS -XPOST "$es/_mock/faults?drop=2" >/dev/null
	cp "$g/seed/trace-openstack.log" "$WORK/phase3.log"
	prev=$total; total=$(records "$WORK/phase3.log"); n3=$((total - prev))
	send "$WORK/phase3.log"; wait_count "$total" 60
	echo "es-delivery: phase 3 (2 dropped connections): $n3 records, all accepted after the action resumed"
	# a whole-request 503 (no per-item answers): Debian 12's omelasticsearch takes it for a data
	# error and writes the batch to the errorfile without retrying (README); check that it is
	# there, i.e. kept, not silently gone
	curl -fsS -XPOST "$es/_mock/faults?status=503&requests=1" >/dev/null
	echo "<4>Nov 27 00:00:01 fw kernel: WHOLE-503: IN=eth0 OUT= MAC= SRC=192.0.2.3 DST=192.0.2.4 LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=2 PROTO=UDP SPT=3 DPT=4 LEN=20 " > "$WORK/phase5.log"
	send "$WORK/phase5.log"
	for i in $(seq 1 100); do grep -q WHOLE-503 "$WORK/es-errors.json" 2>/dev/null && break; sleep 0.1; done
	grep -q WHOLE-503 "$WORK/es-errors.json" || fail "a batch answered with a whole-request 503 is neither in Elasticsearch nor in the errorfile"
	echo "es-delivery: phase 5 (whole-request 503): the batch is in the errorfile, as documented"
fi
# a document the template rejects lands in the errorfile
echo "<4>Nov 27 00:00:00 fw kernel: MAPPING-CONFLICT: IN=eth0 OUT= MAC= SRC=192.0.2.1 DST=192.0.2.2 LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=1 PROTO=UDP SPT=1 DPT=2 LEN=20 " > "$WORK/phase4.log"
send "$WORK/phase4.log"
for i in $(seq 1 100); do grep -q MAPPING-CONFLICT "$WORK/es-errors.json" 2>/dev/null && break; sleep 0.1; done
sleep 1
stop_rsyslogd
grep -q 'MAPPING-CONFLICT' "$WORK/es-errors.json" || fail "the rejected document is not in the errorfile"
grep -q 'mapper_parsing_exception' "$WORK/es-errors.json" || fail "the errorfile does not say why"

have=$(count)
[ "$have" = "$total" ] || fail "Elasticsearch holds $have documents, $total records were sent (lost or duplicated)"
if [ -z "${ES_URL:-}" ]; then
	curl -fsS "$es/_mock/stats"; echo
	curl -fsS "$es/_mock/docs" | python3 -c '
import json, sys
sys.path.insert(0, sys.argv[1])
from esmock import validate
d = json.load(sys.stdin)["docs"]
tpl = json.load(open(sys.argv[2]))["template"]["mappings"]["properties"]
bad = [e for e in (validate(x, tpl) for x in d) if e]
print(f"es-delivery: {len(d)} stored documents re-checked against the template: {len(bad)} bad")
sys.exit(1 if bad else 0)' "$top_srcdir/tests/es" "$top_srcdir/contrib/elasticsearch/netfilter-index-template.json" || fail "stored documents break the template"
fi
echo "es-delivery: $total records sent, $have documents in Elasticsearch, 1 rejected document in the errorfile"
echo "PASS $TEST_NAME"
