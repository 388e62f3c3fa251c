#!/bin/bash
# prefixRules following its file inside a real rsyslogd: a changed file is used from the next
# second on, a broken one keeps the rules in use and is reported once (naming the parameter,
# file and line), HUP reloads a file that looks unchanged.
. "$(dirname "$0")/lib.sh"
rules=$WORK/site.prefixes
put() { # put ACTION: the site's one rule, with that action (replaced, as a save-and-rename does)
	printf '# the site\n"[site-{zone:word}]" action=%s type=denied rule.name="{zone}" rule.ruleset=site\n' "$1" > "$rules.new"
	mv "$rules.new" "$rules"
}
put deny
{ conf_head; cat <<CONF
module(load="imptcp")
input(type="imptcp" port="0" listenPortFileName="$WORK/port" ruleset="r")
template(name="act" type="string" string="%\$!ecs!event!action% %\$!ecs!rule!name%\n")
template(name="line" type="string" string="%msg%\n")
ruleset(name="r") {
	action(type="mmnetfilter" schema="ecs" container="\$!ecs" prefixRules="$rules")
	action(type="omfile" file="$WORK/out.txt" template="act")
}
if \$programname == "rsyslogd" then action(type="omfile" file="$WORK/internal.log" template="line")
CONF
} > "$WORK/rsyslog.conf"
start_rsyslogd "$WORK/rsyslog.conf"
wait_file "$WORK/port"
n=0
one() { # one ZONE: a LOG line with the site's prefix; the action it got
	n=$((n + 1))
	printf '<4>Dec  4 10:00:00 fw kernel: [site-%s]IN=eth0 OUT= SRC=192.0.2.1 DST=192.0.2.2 LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=%d PROTO=TCP SPT=1 DPT=2 WINDOW=1 RES=0x00 SYN URGP=0\n' "$1" "$n" |
		python3 -c 'import socket, sys; s = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); s.sendall(sys.stdin.buffer.read()); s.close()' "$(cat "$WORK/port")"
	wait_lines "$WORK/out.txt" $n
	tail -n 1 "$WORK/out.txt"
}
expect() { [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"; echo "  $1: $2"; }
expect "at start" "$(one wan)" "deny wan"
put drop; sleep 1.2
one wan >/dev/null # the first message of a new second notices the change
expect "after the file changed" "$(one lan)" "drop lan"
printf '"[site-{zone:word}]" colour=red\n' > "$rules.new" && mv "$rules.new" "$rules"; sleep 1.2
one wan >/dev/null; sleep 1.2; one wan >/dev/null
expect "a broken file" "$(one dmz)" "drop dmz"
said() { cat "$WORK/internal.log" "$WORK/rsyslogd.log" 2>/dev/null | grep -c "$1"; } # rsyslogd's own messages
for i in $(seq 1 50); do [ "$(said "prefixRules.*reloading failed")" -gt 0 ] && break; sleep 0.1; done
c=$(said "mmnetfilter: parameter 'prefixRules': reloading failed, the previous rules stay in use: $rules:1: unknown key")
expect "reported" "$c time(s)" "1 time(s)"
put accept; sleep 1.2
one wan >/dev/null
expect "a good file again" "$(one wan)" "accept wan"
# the same size, inode and mtime (written in place, mtime put back): unseen until HUP
cp -p "$rules" "$WORK/ref"
sed 's/action=accept/action=reject/' "$rules" > "$WORK/v" && cat "$WORK/v" > "$rules" && touch -r "$WORK/ref" "$rules"
sleep 1.2; one wan >/dev/null
expect "no visible change" "$(one wan)" "accept wan"
r0=$(said "prefix rules reloaded")
kill -HUP "$RS_PID"
for i in $(seq 1 50); do [ "$(said "prefix rules reloaded")" -gt "$r0" ] && break; sleep 0.1; done
expect "after HUP" "$(one wan)" "reject wan"
stop_rsyslogd
echo "prefix-reload: a changed file used from the next second, a broken one reported once with file and line (the rules in use stay), HUP reloads"
echo "PASS $TEST_NAME"
