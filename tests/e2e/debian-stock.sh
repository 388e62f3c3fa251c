#!/bin/bash
# The contrib snippets dropped into /etc/rsyslog.d next to Debian's unmodified /etc/rsyslog.conf
# (copied into this test's own tree, paths rewritten: work directory, include directory, log
# files): each snippet with the base one, and all together, pass rsyslogd -N1 there.
. "$(dirname "$0")/lib.sh"
[ -f /etc/rsyslog.conf ] || skip "no /etc/rsyslog.conf (Debian's rsyslog package installs it)"
ls /usr/lib/*/rsyslog/omelasticsearch.so >/dev/null 2>&1 || skip "omelasticsearch not installed (apt-get install rsyslog-elasticsearch)"
grep -q 'module(load="imklog")' /etc/rsyslog.conf || echo "note: this /etc/rsyslog.conf does not load imklog as Debian's does"
contrib_fixtures
stock() { # stock DIR: Debian's rsyslog.conf including DIR/*.conf
	sed -e "s|^\$WorkDirectory .*|\$WorkDirectory $WORK/spool|" -e "s|^\$IncludeConfig .*|\$IncludeConfig $1/*.conf|" \
	    -e "s|/var/log/|$WORK/log/|g" /etc/rsyslog.conf
}
n=0
for set in kmsg remote elasticsearch trace journald central edge "kmsg remote elasticsearch trace journald central"; do
	d="$WORK/d$n"; mkdir -p "$d"
	contrib_snippet mmnetfilter-base.conf "$d"
	for s in $set; do contrib_snippet "mmnetfilter-$s.conf" "$d"; done
	stock "$d" > "$WORK/rsyslog-$n.conf"
	"$RSYSLOGD" -N1 -f "$WORK/rsyslog-$n.conf" > "$WORK/check-$n.log" 2>&1 ||
		{ cat "$WORK/check-$n.log"; fail "Debian's rsyslog.conf with mmnetfilter-base.conf + {$set} rejected by -N1"; }
	n=$((n + 1))
done
echo "debian-stock: Debian's rsyslog.conf with the base snippet and each of kmsg, remote, elasticsearch, trace, journald, central, edge, and all but edge together: $n configurations pass rsyslogd -N1"
echo "PASS $TEST_NAME"
