#!/bin/bash
# The contrib snippets, all of them together as /etc/rsyslog.d/ would hold them (module path
# and file locations adjusted), pass rsyslogd -N1.
. "$(dirname "$0")/lib.sh"
ls /usr/lib/*/rsyslog/omelasticsearch.so >/dev/null 2>&1 || skip "omelasticsearch not installed (apt-get install rsyslog-elasticsearch)"
mkdir -p "$WORK/rsyslog.d" "$WORK/log" "$WORK/lib"
# the snapshots the monitor units write before they start
cp "$top_srcdir/tests/explain/xtables/rules.v4" "$WORK/lib/rules.v4"
cp "$top_srcdir/tests/golden/seed/iptables-save-nat.txt" "$WORK/lib/rules.v6"
cp "$top_srcdir/tests/explain/nft/ruleset-a.nft" "$WORK/lib/ruleset.nft"
# the certificates the central, edge and Elasticsearch snippets name
sh "$top_srcdir/contrib/tls/mmnetfilter-make-certs" "$WORK/tls" central=central.example.org edge=edge1.edge.example.org >/dev/null ||
	fail "mmnetfilter-make-certs"
cp "$WORK/tls/ca.pem" "$WORK/tls/es-ca.pem"
for f in "$top_srcdir"/contrib/rsyslog.d/*.conf; do
	sed -e "s|module(load=\"mmnetfilter\")|module(load=\"$MODULE\")|" -e "s|/var/log/|$WORK/log/|g" -e "s|/var/spool/rsyslog/|$WORK/spool/|g" \
		-e "s|/var/lib/mmnetfilter/|$WORK/lib/|g" -e "s|/etc/rsyslog.d/tls/|$WORK/tls/|g" "$f" > "$WORK/rsyslog.d/$(basename "$f")"
done
printf 'global(workDirectory="%s")\ninclude(file="%s/rsyslog.d/*.conf")\n' "$WORK" "$WORK" > "$WORK/rsyslog.conf"
"$RSYSLOGD" -N1 -f "$WORK/rsyslog.conf" > "$WORK/check.out" 2>&1 || { cat "$WORK/check.out"; fail "contrib snippets rejected by rsyslogd -N1"; }
echo "contrib-configs: $(ls "$WORK/rsyslog.d" | wc -l) snippets pass rsyslogd -N1 together"
echo "PASS $TEST_NAME"
