#!/bin/bash
# Trusted inputs: the shipped trace snippet (contrib/rsyslog.d/mmnetfilter-trace.conf, paths
# moved into this test's directory) admits monitor output only from the files the monitor units
# write, which only root can write. An unprivileged user's forged trace lines, with the units'
# own tags, through the syslog socket are not resolved as walks; the unit's own lines are.
. "$(dirname "$0")/lib.sh"
command -v setpriv >/dev/null && command -v logger >/dev/null || skip "setpriv or logger missing (util-linux, bsdutils)"
[ "$(id -u)" = 0 ] || skip "needs root (to run the forger as another user)"

contrib_fixtures
mkdir -p "$WORK/d" "$WORK/log/mmnetfilter" "$WORK/sock"
chmod 0750 "$WORK/log/mmnetfilter"
chmod 0711 "$WORK" "$WORK/sock" # the forger may reach the socket, as any local user reaches /dev/log
contrib_snippet mmnetfilter-base.conf "$WORK/d"
contrib_snippet mmnetfilter-trace.conf "$WORK/d"
{ conf_head | grep -v 'module(load="'"$MODULE"'")'; cat <<CONF
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="$WORK/sock/log" CreatePath="on")
include(file="$WORK/d/mmnetfilter-base.conf")
include(file="$WORK/d/mmnetfilter-trace.conf")
action(type="omfile" file="$WORK/rest.log") # everything else: where the forged lines end up
CONF
} > "$WORK/rsyslog.conf"

real='trace id 7a1b2c3d inet fw input rule tcp dport 22 log prefix "ssh-in: " accept (verdict accept)'
forged='trace id 66666666 inet fw input rule tcp dport 22 log prefix "ssh-in: " accept (verdict accept)'
: > "$WORK/log/mmnetfilter/nft-trace.log"
start_rsyslogd "$WORK/rsyslog.conf"
for tag in nft-trace xtables-trace; do
	setpriv --reuid=65534 --regid=65534 --clear-groups logger -u "$WORK/sock/log" -t "$tag" "$forged" ||
		fail "logger as nobody failed"
done
echo "$real" >> "$WORK/log/mmnetfilter/nft-trace.log" # what the unit appends
wait_lines "$WORK/log/netfilter-trace.jsonl" 1
wait_lines "$WORK/rest.log" 2
sleep 1
stop_rsyslogd
n=$(wc -l < "$WORK/log/netfilter-trace.jsonl")
[ "$n" = 1 ] || fail "netfilter-trace.jsonl has $n records, want 1: $(cat "$WORK/log/netfilter-trace.jsonl")"
grep -Eq '"packet": ?"7a1b2c3d"' "$WORK/log/netfilter-trace.jsonl" || fail "the unit's own line is missing"
! grep -q 66666666 "$WORK/log/netfilter-trace.jsonl" || fail "a forged line was admitted as monitor output"
[ "$(grep -c 66666666 "$WORK/rest.log")" = 2 ] || fail "the forged lines were lost: $(cat "$WORK/rest.log")"
echo "trusted-inputs: 2 forged trace lines (nft-trace, xtables-trace tags, as nobody, syslog socket) kept out of the walks; the unit's file line resolved"
echo "PASS $TEST_NAME"
