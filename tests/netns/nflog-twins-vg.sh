#!/bin/bash
# nflog-twins with rsyslogd (imnetfilter, mmnetfilter) under valgrind memcheck: the same checks,
# and no memory error or definite leak of ours (tests/netns/imnetfilter.supp names the two
# reports that are libnfnetlink's and rsyslog core's). A smaller flood: valgrind is slow.
name=$(basename "$0" .sh)
tools="iptables-legacy nft ping valgrind"
. "$(dirname "$0")/prereq.sh"
im="${IMNETFILTER_MODULE:-$b/.libs/imnetfilter.so}"
[ -f "$im" ] || skip "imnetfilter.so not built (libnetfilter-log-dev missing at configure time)"
w=$(mktemp -d); trap 'rm -rf "$w"' EXIT
cat > "$w/rsyslogd" <<WRAP
#!/bin/sh
exec valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=3 \
	--suppressions="$s/tests/netns/imnetfilter.supp" --log-file="$w/vg.%p" "$RSYSLOGD_BIN" "\$@"
WRAP
chmod +x "$w/rsyslogd"
timeout 600 /usr/bin/python3 "$s/tests/netns/nflog_twins.py" --module "${RSYSLOG_MODULE:-$b/.libs/mmnetfilter.so}" \
	--input-module "$im" --rsyslogd "$w/rsyslogd" --flood 2000
rc=$?
for f in "$w"/vg.*; do [ -s "$f" ] && { echo "valgrind ($f):"; cat "$f"; }; done
[ $rc = 0 ] && echo "nflog-twins-vg: rsyslogd with imnetfilter under valgrind: no error, no definite leak"
exit $rc
