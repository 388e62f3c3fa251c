#!/bin/bash
# The Debian packages, for real (root; run by scripts/test.sh after make check, as it installs
# and removes packages):
#  1. scripts/package.sh builds rsyslog-mmnetfilter and nfparse (dpkg-buildpackage -b -us -uc,
#     lintian with no errors or warnings); the module package depends on exactly the installed
#     rsyslog version;
#  2. dpkg -i; Debian's own /etc/rsyslog.conf (copied, paths rewritten into this test's
#     directory: work directory, include directory, /var/log, the /dev/log socket) with the
#     packaged mmnetfilter-base.conf and mmnetfilter-kmsg.conf passes rsyslogd -N1 and, run
#     by a private rsyslogd (own pid file), turns real kernel LOG lines (pings between two
#     network namespaces of the test) read by imklog into records;
#  3. restart: pings before, while rsyslogd is stopped, and after its restart: every one is
#     in netfilter.jsonl (and the stock kern.log) exactly once; then the same with imkmsg in
#     place of imklog (it replays the ring buffer at every start): netfilter.jsonl once each;
#  4. dpkg -r, dpkg -P: nothing of the packages is left.
# A module that `make install` put in rsyslog's directory before is restored afterwards.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
name=package
skip() { echo "SKIP $name: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root (dpkg -i)"
for p in rsyslog-mmnetfilter nfparse; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q ' installed' &&
		skip "$p is already installed on this machine (not the test's: left alone)"
done
[ -f /etc/rsyslog.conf ] || skip "no /etc/rsyslog.conf (Debian's rsyslog package installs it)"
WORK=$(mktemp -d /tmp/mmnf-package.XXXXXX)
RUN=$(tr -dc a-z < /dev/urandom | head -c 4)
NSA=mnf-$RUN-a NSB=mnf-$RUN-b
moddir=$(dirname "$(ls /usr/lib/*/rsyslog/imuxsock.so | head -n1)")
installed=""
rspid=""
old_all_netns=""
for m in mmnetfilter imnetfilter; do [ -e "$moddir/$m.so" ] && cp -p "$moddir/$m.so" "$WORK/saved-$m.so"; done
cleanup() {
	[ -n "$rspid" ] && kill "$rspid" 2>/dev/null && sleep 0.5
	[ -n "$installed" ] && dpkg -P rsyslog-mmnetfilter nfparse >/dev/null 2>&1
	for m in mmnetfilter imnetfilter; do
		[ -e "$WORK/saved-$m.so" ] && [ ! -e "$moddir/$m.so" ] && cp -p "$WORK/saved-$m.so" "$moddir/$m.so"
	done
	ip netns del "$NSA" 2>/dev/null; ip netns del "$NSB" 2>/dev/null
	[ -n "$old_all_netns" ] && echo "$old_all_netns" > /proc/sys/net/netfilter/nf_log_all_netns
	rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL $name: $*"; [ -f "$WORK/rsyslogd.log" ] && tail -n 20 "$WORK/rsyslogd.log"; exit 1; }

# 1. build
bash "$top/scripts/package.sh" "$WORK/dist" > "$WORK/package.log" 2>&1 || { cat "$WORK/package.log"; fail "scripts/package.sh"; }
grep '^package: ' "$WORK/package.log"
mod_deb=$(ls "$WORK"/dist/rsyslog-mmnetfilter_*.deb) cli_deb=$(ls "$WORK"/dist/nfparse_*.deb)
want="rsyslog (= $(dpkg-query -W -f='${Version}' rsyslog))"
dpkg-deb -f "$mod_deb" Depends | grep -qF "$want" || fail "rsyslog-mmnetfilter does not depend on $want"
want="libfastjson4 (= $(dpkg-query -W -f='${Version}' libfastjson4))" # the fast serializer's layout
dpkg-deb -f "$mod_deb" Depends | grep -qF "$want" || fail "rsyslog-mmnetfilter does not depend on $want"

# 2. install; Debian's rsyslog.conf with the packaged snippets
installed=1
dpkg -i "$mod_deb" "$cli_deb" > "$WORK/dpkg-i.log" 2>&1 || { cat "$WORK/dpkg-i.log"; fail "dpkg -i"; }
[ -f "$moddir/mmnetfilter.so" ] && dpkg -S "$moddir/mmnetfilter.so" | grep -q '^rsyslog-mmnetfilter:' || fail "module not owned by rsyslog-mmnetfilter"
dpkg -L rsyslog-mmnetfilter | grep -q '\.la$' && fail "the package installs a libtool archive"
# the NFLOG input, loaded by name from the package
[ -f "$moddir/imnetfilter.so" ] && dpkg -S "$moddir/imnetfilter.so" | grep -q '^rsyslog-mmnetfilter:' || fail "imnetfilter.so not in rsyslog-mmnetfilter"
printf 'module(load="imnetfilter")\ninput(type="imnetfilter" group="9")\naction(type="omfile" file="%s/x")\n' "$WORK" > "$WORK/im.conf"
rsyslogd -N1 -f "$WORK/im.conf" > "$WORK/im.log" 2>&1 || { cat "$WORK/im.log"; fail "the packaged imnetfilter does not load"; }
for l in libnetfilter-log1 libnftnl11 libmnl0 libnftables1; do
	dpkg-deb -f "$mod_deb" Depends | grep -q "$l" || fail "rsyslog-mmnetfilter does not depend on $l (imnetfilter)"
done
/usr/bin/nfparse --version | grep -q '^nfparse ' || fail "nfparse --version"
man -w nfparse >/dev/null 2>&1 || [ -f /usr/share/man/man1/nfparse.1.gz ] || fail "no nfparse(1)"
share=/usr/share/rsyslog-mmnetfilter
mkdir -p "$WORK/rsyslog.d" "$WORK/log" "$WORK/spool"
sed -e "s|^module(load=\"imuxsock\")|module(load=\"imuxsock\" SysSock.Name=\"$WORK/dev-log\")|" \
    -e "s|^\$WorkDirectory .*|\$WorkDirectory $WORK/spool|" -e "s|^\$IncludeConfig .*|\$IncludeConfig $WORK/rsyslog.d/*.conf|" \
    -e "s|/var/log/|$WORK/log/|g" /etc/rsyslog.conf > "$WORK/rsyslog.conf"
grep -q "SysSock.Name=\"$WORK/dev-log\"" "$WORK/rsyslog.conf" || fail "this /etc/rsyslog.conf does not load imuxsock as Debian's does"
for s in base kmsg; do
	sed -e "s|/var/log/|$WORK/log/|g" "$share/rsyslog.d/mmnetfilter-$s.conf" > "$WORK/rsyslog.d/mmnetfilter-$s.conf"
done
rsyslogd -N1 -f "$WORK/rsyslog.conf" > "$WORK/n1.log" 2>&1 || { cat "$WORK/n1.log"; fail "Debian's rsyslog.conf + packaged snippets rejected by -N1"; }
echo "package: installed; Debian's rsyslog.conf with the packaged base and kmsg snippets passes rsyslogd -N1 (module loaded by name from $moddir)"

# 3. real kernel lines, and a restart
kernel=yes why=""
command -v iptables-legacy >/dev/null || { kernel=""; why="iptables-legacy missing"; }
[ -w /proc/sys/net/netfilter/nf_log_all_netns ] || { kernel=""; why="no net.netfilter.nf_log_all_netns"; }
[ -n "$kernel" ] && { ip netns add "$NSA" 2>/dev/null || { kernel=""; why="cannot create network namespaces"; }; }
if [ -z "$kernel" ]; then
	echo "package: kernel part not run: $why"
else
	exec 9>"${TMPDIR:-/tmp}/mmnetfilter-netns.lock"
	flock -w 300 9 || fail "another kernel scenario holds the lock for 300 s"
	ip netns add "$NSB"
	ip link add "mpA$RUN" netns "$NSA" type veth peer name "mpB$RUN" netns "$NSB"
	ip -n "$NSA" addr add 10.78.0.1/24 dev "mpA$RUN"; ip -n "$NSA" link set "mpA$RUN" up
	ip -n "$NSB" addr add 10.78.0.2/24 dev "mpB$RUN"; ip -n "$NSB" link set "mpB$RUN" up
	old_all_netns=$(cat /proc/sys/net/netfilter/nf_log_all_netns)
	echo 1 > /proc/sys/net/netfilter/nf_log_all_netns
	out=$WORK/log/netfilter.jsonl
	start() {
		rm -f "$WORK/rsyslogd.pid"
		rsyslogd -n -f "$WORK/rsyslog.conf" -i "$WORK/rsyslogd.pid" >> "$WORK/rsyslogd.log" 2>&1 &
		rspid=$!
		for _ in $(seq 100); do [ -s "$WORK/rsyslogd.pid" ] && break; sleep 0.1; done
		[ -s "$WORK/rsyslogd.pid" ] || fail "rsyslogd did not start"
		sleep 0.5
	}
	stop() {
		kill -TERM "$(cat "$WORK/rsyslogd.pid")"
		for _ in $(seq 100); do kill -0 "$rspid" 2>/dev/null || break; sleep 0.1; done
		kill -0 "$rspid" 2>/dev/null && fail "rsyslogd did not stop"
		wait "$rspid" 2>/dev/null; rspid=""
	}
	ping_ttls() { # one echo request per TTL (each packet told apart by it)
		for t in "$@"; do ip netns exec "$NSA" ping -n -q -c 1 -W 1 -t "$t" 10.78.0.2 >/dev/null || fail "ping (ttl $t) got no answer"; done
	}
	wait_count() { # wait_count MARK N: N records with MARK in netfilter.jsonl (20 s at most)
		for _ in $(seq 200); do [ "$(grep -c "$1" "$out" 2>/dev/null)" -ge "$2" ] && return 0; sleep 0.1; done
		return 1
	}
	# restart_run INPUT MARK TTL0: the stock config with kernel input INPUT; 10 pings (TTL0..+9)
	# before, 10 while rsyslogd is stopped, 10 after its restart; each must be one record
	restart_run() {
		local input=$1 mark=$2 t0=$3
		sed -i -E "s/^module\(load=\"im(klog|kmsg)\"\)/module(load=\"$input\")/" "$WORK/rsyslog.conf"
		grep -q "^module(load=\"$input\")" "$WORK/rsyslog.conf" || fail "could not set the stock config's kernel input to $input"
		ip netns exec "$NSB" iptables-legacy -R INPUT 1 -p icmp --icmp-type echo-request -j LOG --log-prefix "$mark: "
		start
		ping_ttls $(seq "$t0" $((t0 + 9)))
		wait_count "$mark" 10 || fail "$input, before the restart: $(grep -c "$mark" "$out" 2>/dev/null) of 10 records"
		stop
		ping_ttls $(seq $((t0 + 10)) $((t0 + 19)))   # while rsyslogd is down: they wait in the ring buffer
		start
		ping_ttls $(seq $((t0 + 20)) $((t0 + 29)))
		wait_count "$mark" 30 || true
		sleep 1                                       # anything written twice would be there by now
		stop
		python3 - "$out" "$WORK/log/kern.log" "$mark" "$t0" "$input" <<'PY' || fail "$input: records lost or duplicated across the restart"
import collections, json, sys
out, kern, mark, t0, inp = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
sent = range(t0, t0 + 30)
recs = [json.loads(l) for l in open(out) if mark in l]
ttls = collections.Counter(r["netfilter"]["ip"]["ttl"] for r in recs)
bad = [f"ttl {t}: {ttls.get(t, 0)} records" for t in sent if ttls.get(t, 0) != 1]
bad += [f"ttl {t}: not sent" for t in ttls if t not in sent]
for r in recs:
    n = r["netfilter"]
    if n.get("type") != "log" or n.get("prefix") != mark + ": " or n["ip"]["src"] != "10.78.0.1" or n["icmp"]["type"] != 8:
        bad.append(f"record differs from the packet sent: {json.dumps(n)[:200]}")
kl = [l for l in open(kern) if mark in l]
# Debian's own kern.log rule has no window: imklog hands out each line once, imkmsg replays
if inp == "imklog" and (len(kl) != 30 or len(set(kl)) != 30):
    bad.append(f"stock kern.log: {len(kl)} lines of ours ({len(set(kl))} distinct), 30 sent")
if inp == "imkmsg" and len(kl) <= 30:
    bad.append(f"kern.log has {len(kl)} lines for the 30 pings: imkmsg replayed nothing, the window was not put to the test")
for b in bad: print("  " + b)
print(f"package: real kernel lines via {inp}, Debian's rsyslog.conf + packaged snippets: 30 pings (10 before, 10 while "
      f"rsyslogd was stopped, 10 after its restart) -> {len(recs)} records, {len(ttls)} distinct, "
      f"{sum(v - 1 for v in ttls.values() if v > 1)} duplicates, {sum(1 for t in sent if t not in ttls)} lost; "
      f"Debian's kern.log rule: {len(kl)} lines")
sys.exit(1 if bad else 0)
PY
	}
	ip netns exec "$NSB" iptables-legacy -A INPUT -j ACCEPT   # rule 1: each run puts its LOG rule there
	restart_run imklog "mnfpkg$RUN" 10
	# imkmsg reads the whole ring buffer again at every start: the kmsg snippet's dedup window
	# (boot id + kernel sequence number) writes each record once; kern.log shows the replay
	restart_run imkmsg "mnfpkk$RUN" 40
fi

# 4. remove, purge: nothing left
files=$(dpkg -L rsyslog-mmnetfilter nfparse | sort -u)
dpkg -r rsyslog-mmnetfilter nfparse > "$WORK/dpkg-r.log" 2>&1 || { cat "$WORK/dpkg-r.log"; fail "dpkg -r"; }
[ ! -e "$moddir/mmnetfilter.so" ] || fail "the module is still there after dpkg -r"
dpkg -P rsyslog-mmnetfilter nfparse > "$WORK/dpkg-p.log" 2>&1 || { cat "$WORK/dpkg-p.log"; fail "dpkg -P"; }
installed=""
left=0
for f in $files; do
	[ -f "$f" ] || [ -L "$f" ] || continue; echo "  left after purge: $f"; left=$((left + 1))
done
for d in /usr/share/rsyslog-mmnetfilter /usr/share/doc/rsyslog-mmnetfilter /usr/share/doc/nfparse; do
	[ ! -e "$d" ] || { echo "  left after purge: $d"; left=$((left + 1)); }
done
dpkg-query -W -f='${Status}\n' rsyslog-mmnetfilter nfparse 2>/dev/null | grep -q installed && left=$((left + 1))
[ "$left" = 0 ] || fail "$left things of the packages left after dpkg -P"
echo "package: dpkg -r and dpkg -P leave none of the packages' $(echo "$files" | wc -l) paths (files and directories of their own)"
echo "PASS $name"
