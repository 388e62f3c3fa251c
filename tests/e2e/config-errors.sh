#!/bin/bash
# Configuration checks with `rsyslogd -N1`: a good config passes; each mistake is rejected
# (exit 1) with a message naming the parameter.
. "$(dirname "$0")/lib.sh"
pass=0

check() { # check NAME EXPECT_RC REGEX ACTION_PARAMS
	local name=$1 want=$2 re=$3 params=$4 rc=0
	# a complete config: the only possible error is ours
	{ conf_head; echo "action(type=\"mmnetfilter\" $params)"; echo "action(type=\"omfile\" file=\"$WORK/out\")"; } > "$WORK/$name.conf"
	"$RSYSLOGD" -N1 -f "$WORK/$name.conf" > "$WORK/$name.out" 2>&1 || rc=$?
	[ "$rc" = "$want" ] || { cat "$WORK/$name.out"; fail "$name: exit $rc, want $want"; }
	if [ -n "$re" ]; then
		grep -Eq "$re" "$WORK/$name.out" || { cat "$WORK/$name.out"; fail "$name: no message matching /$re/"; }
	fi
	pass=$((pass + 1))
}

check defaults 0 "" ''
check all-params 0 "" 'container="$!fw" schema="native" userawmsg="off"'
check ecs 0 "" 'schema="ecs"'
check local-container 0 "" 'container="$.nf"'
check global-container 0 "" 'container="$/nf"'
check unknown-param 1 "parameter 'contianer' not known" 'contianer="$!x"'
check bad-container 1 "mmnetfilter: parameter 'container'.*'msg'" 'container="msg"'
check empty-container 1 "mmnetfilter: parameter 'container'" 'container=""'
check bad-schema 1 "mmnetfilter: parameter 'schema': unknown value 'xml' \(supported: native, ecs\)" 'schema="xml"'
check bad-serializer 1 "mmnetfilter: parameter 'serializer': unknown value 'jansson' \(supported: fast, libfastjson\)" 'serializer="jansson"'
check serializer-fjson 0 "" 'serializer="libfastjson"'
check bad-format 1 "mmnetfilter: parameter 'format': unknown value 'xml' \(supported: tree, text\)" 'format="xml"'
check format-text 0 "" 'format="text" schema="ecs"'
check bad-binary 1 "userawmsg" 'userawmsg="maybe"'
# ruleset snapshots: loaded at config time, so -N1 names the parameter, the file and the line
seed=$top_srcdir/tests/golden/seed/iptables-save-nat.txt
printf 'table inet t {\n\tchain c {\n\t\ttype filter hook input priority 0; policy maybe;\n\t}\n}\n' > "$WORK/bad.nft"
printf '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j ACCEPT\n' > "$WORK/cut.v4"
check rules-ok 0 "" "iptablesRules=\"$seed\" ip6tablesRules=\"$seed\" nftRules=\"$top_srcdir/tests/explain/nft/ruleset-a.nft\""
check rules-missing 1 "mmnetfilter: parameter 'iptablesrules': $WORK/nope: cannot open" "iptablesRules=\"$WORK/nope\""
check rules-bad-nft 1 "mmnetfilter: parameter 'nftrules': $WORK/bad.nft:3: chain 'c': policy 'maybe'" "nftRules=\"$WORK/bad.nft\""
check rules-cut 1 "mmnetfilter: parameter 'ip6tablesrules': $WORK/cut.v4:4: table 'filter' has no COMMIT" "ip6tablesRules=\"$WORK/cut.v4\""
check rules-wrong-format 1 "mmnetfilter: parameter 'nftrules': $seed:1: not an 'nft list ruleset' line" "nftRules=\"$seed\""
check fields-ok 0 "" 'fields="addresses, ports,protocol,action,ip.ttl,trace,tcp.flags"'
check fields-unknown 1 "mmnetfilter: parameter 'fields': unknown field name 'ip.tll'" 'fields="ip.src,ip.tll"'
check fields-ecs 1 "mmnetfilter: parameter 'fields' selects fields of schema=.native." 'schema="ecs" fields="ip.src"'
check rules-empty-name 1 "mmnetfilter: parameter 'iptablesrules': empty file name" 'iptablesRules=""'
check stats-name 0 "" 'statsName="fw_native"'
check stats-name-empty 1 "mmnetfilter: parameter 'statsName': empty name" 'statsName=""'
# two actions with one counters name
check stats-name-twice 1 "mmnetfilter: parameter 'statsName': 'fw' is already the counters' name" \
	'statsName="fw") action(type="mmnetfilter" statsName="fw"'
check dedup 0 "" 'dedup="on" dedup.window="1000" dedup.stateFile="nf.dedup"'
check dedup-window-range 1 "mmnetfilter: parameter 'dedup.window': 5 is out of range" 'dedup="on" dedup.window="5"'
check dedup-window-alone 1 "mmnetfilter: parameter 'dedup.window' needs dedup=.on." 'dedup.window="1000"'
check dedup-state-alone 1 "mmnetfilter: parameter 'dedup.stateFile' needs dedup=.on." 'dedup.stateFile="x"'
check dedup-state-empty 1 "mmnetfilter: parameter 'dedup.stateFile': empty file name" 'dedup="on" dedup.stateFile=""'
# a module built for another rsyslog release refuses to load, naming both versions
mod_other=$top_builddir/tests/e2e/.libs/mmnetfilter_otherver.so
if [ -f "$mod_other" ]; then
	running=$("$RSYSLOGD" -v | sed -n '1s/^rsyslogd *\([0-9.]*\).*/\1/p')
	MODULE=$mod_other check other-version 1 "mmnetfilter: this module was built for rsyslog 8\.1901\.0, but the running rsyslogd is $running" ''
else
	echo "config-errors: no $mod_other (make check builds it); version check case not run"
fi
echo "config-errors: $pass cases"
echo "PASS $TEST_NAME"
