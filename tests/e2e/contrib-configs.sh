#!/bin/bash
# The contrib snippets, all of them together as /etc/rsyslog.d/ would hold them (module path
# and file locations adjusted), pass rsyslogd -N1.
. "$(dirname "$0")/lib.sh"
ls /usr/lib/*/rsyslog/omelasticsearch.so >/dev/null 2>&1 || skip "omelasticsearch not installed (apt-get install rsyslog-elasticsearch)"
mkdir -p "$WORK/rsyslog.d"
contrib_fixtures
for f in "$top_srcdir"/contrib/rsyslog.d/*.conf; do
	contrib_snippet "$(basename "$f")" "$WORK/rsyslog.d"
done
printf 'global(workDirectory="%s")\ninclude(file="%s/rsyslog.d/*.conf")\n' "$WORK" "$WORK" > "$WORK/rsyslog.conf"
"$RSYSLOGD" -N1 -f "$WORK/rsyslog.conf" > "$WORK/check.out" 2>&1 || { cat "$WORK/check.out"; fail "contrib snippets rejected by rsyslogd -N1"; }
echo "contrib-configs: $(ls "$WORK/rsyslog.d" | wc -l) snippets pass rsyslogd -N1 together"
echo "PASS $TEST_NAME"
