#!/bin/bash
# The central pipeline with real daemons on loopback: three edge rsyslogds (the edge snippet:
# two over RELP/TLS, one over TCP/TLS) -> a central rsyslogd (base + central + Elasticsearch
# snippets: certificate-checked inputs, disk-assisted queues, mmnetfilter, per-host files)
# -> esmock over HTTPS with a password. Through a central restart and an Elasticsearch outage
# every record arrives once, with its edge's host name, in the files and in Elasticsearch.
. "$(dirname "$0")/lib.sh"
for m in imrelp omrelp lmnsd_gtls omelasticsearch imfile; do
	ls /usr/lib/*/rsyslog/$m.so >/dev/null 2>&1 || skip "rsyslog module $m missing (apt-get install rsyslog-relp rsyslog-gnutls rsyslog-elasticsearch)"
done
command -v openssl >/dev/null || skip "openssl missing"
exec timeout 300 python3 "$top_srcdir/tests/e2e/relay.py" --module "$MODULE" --rsyslogd "$RSYSLOGD" \
	--top "$top_srcdir" --work "$WORK"
