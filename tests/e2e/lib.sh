# Shared harness for end-to-end scenarios: a real rsyslogd in the foreground with its own
# config, pid file and work directory (never the system's), fed, waited for, stopped by pid.
# Scenarios source this file, then call start_rsyslogd / wait_lines / stop_rsyslogd.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
MODULE=${RSYSLOG_MODULE:-$top_builddir/.libs/mmnetfilter.so}
RSYSLOGD=${RSYSLOGD:-$(command -v rsyslogd || echo /usr/sbin/rsyslogd)}
NFPARSE=$top_builddir/nfparse
TEST_HOST=mmnf-test # rsyslogd's local host name in the tests (imfile messages carry it; nfparse --host)
TEST_NAME=$(basename "$0" .sh)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mmnf-$TEST_NAME.XXXXXX")
RS_PID=""
VALGRIND=${VALGRIND:-}

cleanup() {
	if [ -n "$RS_PID" ] && kill -0 "$RS_PID" 2>/dev/null; then
		kill -KILL "$RS_PID" 2>/dev/null
	fi
	if [ -z "${KEEP_WORK:-}" ]; then rm -rf "$WORK"; else echo "work dir kept: $WORK"; fi
}
trap cleanup EXIT

skip() { echo "SKIP $TEST_NAME: $*"; exit 77; }
fail() { echo "FAIL $TEST_NAME: $*"; [ -f "$WORK/rsyslogd.log" ] && tail -n 20 "$WORK/rsyslogd.log"; exit 1; }

[ -x "$RSYSLOGD" ] || skip "rsyslogd not installed (scripts/setup-debian.sh installs it)"
[ -f "$MODULE" ] || skip "module not built: $MODULE"
command -v python3 >/dev/null || skip "python3 missing"

# the common config head: own work directory, module by absolute path
conf_head() {
	cat <<CONF
global(workDirectory="$WORK" maxMessageSize="128k" localHostname="$TEST_HOST")
module(load="$MODULE")
CONF
}

# start_rsyslogd CONFFILE: foreground, own pid file; returns once the pid file exists
start_rsyslogd() {
	local conf=$1 i
	rm -f "$WORK/rsyslogd.pid"
	"$RSYSLOGD" -N1 -f "$conf" >"$WORK/check.log" 2>&1 || { cat "$WORK/check.log"; fail "config rejected by rsyslogd -N1"; }
	if [ -n "$VALGRIND" ]; then
		valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
			--log-file="$WORK/valgrind.log" \
			"$RSYSLOGD" -n -f "$conf" -i "$WORK/rsyslogd.pid" >"$WORK/rsyslogd.log" 2>&1 &
	else
		"$RSYSLOGD" -n -f "$conf" -i "$WORK/rsyslogd.pid" >"$WORK/rsyslogd.log" 2>&1 &
	fi
	RS_PID=$!
	for i in $(seq 1 600); do
		[ -s "$WORK/rsyslogd.pid" ] && return 0
		kill -0 "$RS_PID" 2>/dev/null || fail "rsyslogd exited at start"
		sleep 0.1
	done
	fail "rsyslogd did not write its pid file in 60 s"
}

# wait_lines FILE N [SECONDS]: until FILE has N lines (bounded in time)
wait_lines() {
	local f=$1 n=$2 t=${3:-60} i have=0
	for i in $(seq 1 $((t * 10))); do
		have=$( [ -f "$f" ] && wc -l <"$f" || echo 0)
		[ "$have" -ge "$n" ] && return 0
		kill -0 "$RS_PID" 2>/dev/null || fail "rsyslogd died"
		sleep 0.1
	done
	fail "$f has $have lines after ${t}s, expected $n"
}

# stop_rsyslogd: SIGTERM to its pid, wait for it; under valgrind the exit code is checked
stop_rsyslogd() {
	local rc=0 i
	kill -TERM "$RS_PID" 2>/dev/null
	for i in $(seq 1 600); do
		kill -0 "$RS_PID" 2>/dev/null || break
		sleep 0.1
	done
	wait "$RS_PID" || rc=$?
	RS_PID=""
	if [ -n "$VALGRIND" ] && [ "$rc" = 99 ]; then
		cat "$WORK/valgrind.log"; fail "valgrind reported errors"
	fi
	[ "$rc" = 0 ] || fail "rsyslogd exit code $rc"
}

# wait_file FILE [SECONDS]: until FILE exists and is not empty (a listener's port file)
wait_file() {
	local i
	for i in $(seq 1 $((${2:-10} * 10))); do [ -s "$1" ] && return 0; sleep 0.1; done
	fail "$1 did not appear in ${2:-10} s"
}

# send_tcp PORTFILE FILE: the file's bytes to 127.0.0.1:<port>, as a remote syslog sender would
send_tcp() {
	wait_file "$1"
	python3 - "$(cat "$1")" "$2" <<'PY'
import socket, sys
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10) as s:
    s.sendall(open(sys.argv[2], "rb").read())
PY
}

# a template writing msg, parsesuccess and the whole $! tree ({} when empty) as one JSON line
out_template() {
	cat <<'CONF'
template(name="nfjson" type="list") {
	constant(value="{\"msg\":\"") property(name="msg" format="json")
	constant(value="\",\"ok\":\"") property(name="parsesuccess")
	constant(value="\",\"all\":") property(name="$!all-json")
	constant(value="}\n")
}
CONF
}

# es_contrib_conf HOST PORT: the contrib base and Elasticsearch snippets as $WORK/base.conf and
# $WORK/es.conf, with this test's module, settings ($WORK/es: url), files, spool and a 1 s resume
# interval; plain HTTP (ES_TLS=1: HTTPS with the CA $WORK/tls/es-ca.pem, user mmnetfilter and
# the password $ES_PASSWORD)
es_contrib_conf() {
	# the snippet reads the cluster's settings from files (/etc/mmnetfilter/elasticsearch): the test's own
	local tls='s| tls.cacert="[^"]*"||; s| uid=`[^`]*`||; s| pwd=`[^`]*`||' scheme=http
	mkdir -p "$WORK/es"
	if [ -n "${ES_TLS:-}" ]; then
		tls=""; scheme=https
		printf %s "$ES_PASSWORD" > "$WORK/es/password"; printf %s "mmnetfilter" > "$WORK/es/user"; cp "$WORK/tls/es-ca.pem" "$WORK/es/ca.pem"
	fi
	printf %s "$scheme://$1:$2" > "$WORK/es/url"
	sed -e "s|/etc/mmnetfilter/elasticsearch/|$WORK/es/|g" -e "$tls" \
	    -e "s|/var/log/rsyslog-netfilter-es-errors.json|$WORK/es-errors.json|; s|/var/log/rsyslog-netfilter-es-rejected.json|$WORK/es-rejected.json|" \
	    -e "s|/var/spool/rsyslog/|$WORK/spool/|" -e "s|action.resumeInterval=\"5\"|action.resumeInterval=\"1\"|" \
	    "$top_srcdir/contrib/rsyslog.d/mmnetfilter-elasticsearch.conf" > "$WORK/es.conf"
	sed -e "s|module(load=\"mmnetfilter\")|module(load=\"$MODULE\")|" "$top_srcdir/contrib/rsyslog.d/mmnetfilter-base.conf" > "$WORK/base.conf"
}

# contrib_fixtures: what the contrib snippets name, in this test's directory: the ruleset
# snapshots the monitor units write before they start ($WORK/lib) and the certificates of the
# central, edge and Elasticsearch snippets ($WORK/tls)
contrib_fixtures() {
	mkdir -p "$WORK/log" "$WORK/spool" "$WORK/lib"
	cp "$top_srcdir/tests/explain/xtables/rules.v4" "$WORK/lib/rules.v4"
	cp "$top_srcdir/tests/golden/seed/iptables-save-nat.txt" "$WORK/lib/rules.v6"
	cp "$top_srcdir/tests/explain/nft/ruleset-a.nft" "$WORK/lib/ruleset.nft"
	sh "$top_srcdir/contrib/tls/mmnetfilter-make-certs" "$WORK/tls" central=central.example.org \
		edge=edge1.edge.example.org >/dev/null || fail "mmnetfilter-make-certs"
	cp "$WORK/tls/ca.pem" "$WORK/tls/es-ca.pem"
	# the Elasticsearch snippet's settings (server=`cat ...`, uid, pwd, tls.cacert)
	mkdir -p "$WORK/es"
	printf %s "https://localhost:9200" > "$WORK/es/url"; printf %s "mmnetfilter" > "$WORK/es/user"
	printf %s "fixture-password" > "$WORK/es/password"; cp "$WORK/tls/ca.pem" "$WORK/es/ca.pem"
}

# contrib_snippet NAME DIR: contrib/rsyslog.d/NAME as /etc/rsyslog.d would hold it, in DIR, with
# this test's module and its paths in place of /var/log, /var/spool/rsyslog, /var/lib/mmnetfilter
# and /etc/rsyslog.d/tls
contrib_snippet() {
	sed -e "s|module(load=\"mmnetfilter\")|module(load=\"$MODULE\")|" -e "s|/var/log/|$WORK/log/|g" \
	    -e "s|module(load=\"imnetfilter\")|module(load=\"${IMNETFILTER_MODULE:-$top_builddir/.libs/imnetfilter.so}\")|" \
	    -e "s|/var/spool/rsyslog/|$WORK/spool/|g" -e "s|/var/lib/mmnetfilter/|$WORK/lib/|g" -e "s|/etc/rsyslog.d/tls/|$WORK/tls/|g" \
	    -e "s|/etc/mmnetfilter/elasticsearch/|$WORK/es/|g" \
	    "$top_srcdir/contrib/rsyslog.d/$1" > "$2/$1"
}
