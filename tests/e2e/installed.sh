#!/bin/bash
# After `make install`, the module loads by name from rsyslog's module directory
# (module(load="mmnetfilter")) and parses a message.
. "$(dirname "$0")/lib.sh"
moddir=$(sed -n 's/^moddir = //p' "$top_builddir/Makefile")
[ -f "$moddir/mmnetfilter.so" ] || skip "not installed in $moddir (run 'make install' first)"
cmp -s "$moddir/mmnetfilter.so" "$MODULE" || echo "note: installed module differs from the build tree's (stale install?)"

echo 'fw: IN=eth0 OUT= MAC= SRC=192.0.2.1 DST=192.0.2.2 LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=1 PROTO=UDP SPT=1 DPT=2 LEN=20 ' > "$WORK/input.log"
{ echo "global(workDirectory=\"$WORK\")"; echo 'module(load="mmnetfilter")'; out_template; cat <<CONF
module(load="imfile")
input(type="imfile" file="$WORK/input.log" tag="k" addMetadata="off" ruleset="r")
ruleset(name="r") { action(type="mmnetfilter") action(type="omfile" file="$WORK/out.jsonl" template="nfjson") }
CONF
} > "$WORK/rsyslog.conf"
start_rsyslogd "$WORK/rsyslog.conf"
wait_lines "$WORK/out.jsonl" 1
stop_rsyslogd
grep -q '"ok":"OK".*"udp": { "spt": 1, "dpt": 2, "len": 20 }' "$WORK/out.jsonl" || { cat "$WORK/out.jsonl"; fail "installed module did not parse"; }
echo "PASS $TEST_NAME ($moddir/mmnetfilter.so)"
