#!/bin/bash
# The shipped snapshot unit's own command (contrib/systemd/mmnetfilter-snapshot.service,
# ExecStart as written there, /var/lib/mmnetfilter moved into this test's directory), run in a
# network namespace of the test's own with iptables-nft rules (IPv4 only: no IPv6 rules) and a
# native nft table: its files load (rules.v6 empty: no rules), the trace snippet passes -N1 with
# them, and after a rule is added the unit writes the snapshot again by itself.
name=snapshot-unit
tools="iptables-nft iptables-nft-save ip6tables-nft-save nft bash"
. "$(dirname "$0")/prereq.sh"
RUN=$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')
NS=mns-$RUN
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mmnf-$name.XXXXXX")
pid=""
cleanup() {
	[ -n "$pid" ] && kill -- -"$pid" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL $name: $*"; exit 1; }

ip netns add "$NS" || fail "ip netns add"
ip netns exec "$NS" iptables-nft -A INPUT -p tcp --dport 22 -j LOG --log-prefix "ssh-in: " || fail "iptables-nft"
ip netns exec "$NS" iptables-nft -A INPUT -p tcp --dport 22 -j ACCEPT
ip netns exec "$NS" nft add table inet fw
ip netns exec "$NS" nft add chain inet fw input '{ type filter hook input priority 0; policy accept; }'
ip netns exec "$NS" nft add rule inet fw input tcp dport 9 log prefix '"port9: "' drop

cmd=$(sed -n 's/^ExecStart=//p' "$s/contrib/systemd/mmnetfilter-snapshot.service")
[ -n "$cmd" ] || fail "no ExecStart in the unit"
cmd=${cmd//\/var\/lib\/mmnetfilter/$WORK\/lib}
mkdir -p "$WORK/lib"
# the unit's command as systemd would run it (its quoting: one bash -c '...'), in its own
# process group (exec: $! is its leader) so that the monitor pipeline ends with it
eval "exec setsid ip netns exec $NS $cmd" > "$WORK/unit.log" 2>&1 &
pid=$!
for i in $(seq 1 100); do [ -s "$WORK/lib/ruleset.nft" ] && [ -e "$WORK/lib/rules.v6" ] && break; sleep 0.1; done
[ -s "$WORK/lib/ruleset.nft" ] || fail "no snapshot written: $(cat "$WORK/unit.log")"
[ -s "$WORK/lib/rules.v6" ] && grep -q -- '^-A' "$WORK/lib/rules.v6" && fail "rules.v6 has rules in a namespace without any"
grep -q 'ssh-in: ' "$WORK/lib/rules.v4" || fail "rules.v4 lacks the iptables-nft rule"
grep -q 'port9: ' "$WORK/lib/ruleset.nft" || fail "ruleset.nft lacks the nft rule"
"$b/nfparse" --iptables-rules "$WORK/lib/rules.v4" --ip6tables-rules "$WORK/lib/rules.v6" --nft-rules "$WORK/lib/ruleset.nft" /dev/null ||
	fail "the unit's files do not load"
# a LOG record of the iptables-nft rule: one rule, though both snapshots list it
line='ssh-in: IN=eth0 OUT= MAC=00:11:22:33:44:55:66:77:88:99:aa:bb:08:00 SRC=10.0.0.1 DST=10.0.0.2 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=1 DF PROTO=TCP SPT=4 DPT=22 WINDOW=1 RES=0x00 SYN URGP=0 '
got=$(printf '%s\n' "$line" | "$b/nfparse" -m --iptables-rules "$WORK/lib/rules.v4" --ip6tables-rules "$WORK/lib/rules.v6" \
	--nft-rules "$WORK/lib/ruleset.nft" | python3 -c 'import json, sys; r = json.loads(sys.stdin.read())["rule"]; print(r.get("text") or r)')
case $got in *"--log-prefix \"ssh-in: \""*) ;; *) fail "the LOG record did not resolve to the iptables-nft rule: $got" ;; esac
# the trace snippet with these files passes -N1
mkdir -p "$WORK/d"
for f in mmnetfilter-base.conf mmnetfilter-trace.conf; do
	sed -e "s|module(load=\"mmnetfilter\")|module(load=\"${RSYSLOG_MODULE:-$b/.libs/mmnetfilter.so}\")|" \
	    -e "s|/var/lib/mmnetfilter/|$WORK/lib/|g" -e "s|/var/log/|$WORK/log/|g" "$s/contrib/rsyslog.d/$f" > "$WORK/d/$f"
done
printf 'global(workDirectory="%s")\ninclude(file="%s/d/*.conf")\n' "$WORK" "$WORK" > "$WORK/rsyslog.conf"
"$RSYSLOGD_BIN" -N1 -f "$WORK/rsyslog.conf" > "$WORK/n1.log" 2>&1 || fail "the trace snippet with the unit's files: $(cat "$WORK/n1.log")"
# a change of the ruleset: the unit snapshots again by itself
before=$(stat -c %i "$WORK/lib/ruleset.nft")
ip netns exec "$NS" nft add rule inet fw input tcp dport 23 log prefix '"port23: "' drop
for i in $(seq 1 100); do grep -q 'port23: ' "$WORK/lib/ruleset.nft" 2>/dev/null && break; sleep 0.1; done
grep -q 'port23: ' "$WORK/lib/ruleset.nft" || fail "the added rule did not reach ruleset.nft within 10 s"
[ "$(stat -c %i "$WORK/lib/ruleset.nft")" != "$before" ] || fail "ruleset.nft was written in place, not replaced"
echo "snapshot-unit: the shipped unit's command wrote rules.v4 (iptables-nft), an empty rules.v6, ruleset.nft; they load, the LOG record resolves to one rule, -N1 passes; a new rule was snapshotted again in $((i / 10)).$((i % 10)) s"
echo "PASS $name"
