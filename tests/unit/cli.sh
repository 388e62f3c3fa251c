#!/bin/sh
# nfparse's command line: one version everywhere (debian/changelog's), and a message and an exit
# status for every bad argument (a directory, a missing file, a bad option, --fields with -e).
s=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
b=${top_builddir:-$s}
n=$b/nfparse
bad=0 cases=0
want=$(sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' "$s/debian/changelog")
check() { # check NAME EXIT STDERR-REGEX CMD...
	name=$1 want_rc=$2 re=$3; shift 3
	cases=$((cases + 1))
	err=$("$@" 2>&1 >/dev/null); rc=$?
	if [ "$rc" != "$want_rc" ] || ! printf '%s\n' "$err" | grep -Eq "$re"; then
		echo "FAIL cli $name: exit $rc (want $want_rc), stderr: $err"; bad=$((bad + 1))
	fi
}
[ "$("$n" --version)" = "nfparse $want" ] || { echo "FAIL cli: --version says '$("$n" --version)', debian/changelog $want"; bad=$((bad + 1)); }
[ -f "$b/doc/nfparse.1" ] && ! grep -q "mmnetfilter $want" "$b/doc/nfparse.1" && { echo "FAIL cli: the man page's version is not $want"; bad=$((bad + 1)); }
check directory 1 "nfparse: /: is a directory" "$n" /
check missing 1 "nfparse: /nonexistent/x: No such file or directory" "$n" /nonexistent/x
check bad-option 2 "usage" "$n" --no-such-option
check ecs-fields 2 "nfparse: --fields selects fields of the native schema" "$n" -e --fields ip.src /dev/null
check bad-fields 2 "nfparse: --fields: unknown field name" "$n" --fields no.such /dev/null
check rules-missing 2 "nfparse: /nonexistent/r: cannot open" "$n" --iptables-rules /nonexistent/r /dev/null
check rules-fifo 2 "not a regular file" "$n" --nft-rules /dev/zero /dev/null
check explain-directory 1 "nfparse explain: /: is a directory" "$n" explain /
# @timestamp from the line's own time: RFC 3339 as written, RFC 3164 in the year it was read in
# (the last one for a line dated ahead: December's lines read in January), the journal's
# microseconds; none for a line without a time (dmesg)
cases=$((cases + 1))
got=$(NFPARSE_NOW=1767225600 TZ=UTC0 "$n" -a -e "$s/tests/golden/forms/input-forms.log" | python3 -c '
import json, sys
print(" ".join(str((json.loads(l) or {}).get("@timestamp")) for l in sys.stdin))')
exp="2025-12-04T20:00:00+00:00 2026-12-04T20:00:00.123456+00:00 None None None 2025-12-04T20:00:00+00:00 2025-12-04T20:00:00.123456+00:00 2026-12-04T20:00:00+0000 2025-12-04T20:00:00.123456Z 2025-12-04T20:00:00+00:00"
[ "$got" = "$exp" ] || { echo "FAIL cli timestamps: $got"; bad=$((bad + 1)); }
# event.id: two identical lines are two events (the second gets its own id), and reading the
# file again gives the same ids
cases=$((cases + 1))
twin='<4>Dec  4 20:00:00 fw kernel: [DROP] IN=eth0 OUT= SRC=192.0.2.1 DST=192.0.2.2 LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=7 PROTO=UDP SPT=1 DPT=2 LEN=20'
printf '%s\n%s\n%s\n' "$twin" "$twin" "$twin" > "${TMPDIR:-/tmp}/nfp-cli-twins.$$"
ids() { NFPARSE_NOW=1767225600 "$n" -e "${TMPDIR:-/tmp}/nfp-cli-twins.$$" | python3 -c 'import json, sys; print(" ".join(json.loads(l)["event"]["id"] for l in sys.stdin))'; }
a=$(ids); b=$(ids)
rm -f "${TMPDIR:-/tmp}/nfp-cli-twins.$$"
[ "$(echo "$a" | tr ' ' '\n' | sort -u | wc -l)" = 3 ] && [ "$a" = "$b" ] || { echo "FAIL cli event.id of identical lines: $a / $b"; bad=$((bad + 1)); }
echo "cli: $cases cases and the version ($want)"
echo "$((cases + 1 - bad)) passed, $bad failed"
[ "$bad" = 0 ]
