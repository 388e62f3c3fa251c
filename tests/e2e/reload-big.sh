#!/bin/bash
# A kube-proxy-sized snapshot (40,000 chains, tests/perf/gen_kube.py) replaced twice while
# messages flow: every message comes out, and no worker waits for the loads (they run in the
# snapshot set's own thread). The stall is measured from outside: the output file is watched
# every 10 ms while the sender keeps a steady rate; the longest time with messages sent but
# none written is printed beside the load time of the same file, and must stay well under it.
. "$(dirname "$0")/lib.sh"

python3 "$top_srcdir/tests/perf/gen_kube.py" ipt 20000 > "$WORK/kube.v4"
sed 's/KUBE-SEP-0000000000000007/KUBE-SEP-0000000000000007/' "$WORK/kube.v4" > "$WORK/kube2.v4"
echo "# a comment: another file of the same rules" >> "$WORK/kube2.v4"
cp "$WORK/kube.v4" "$WORK/rules.v4"
t0=$(date +%s.%N); "$top_builddir/nfparse" --iptables-rules "$WORK/kube.v4" /dev/null; t1=$(date +%s.%N)
load=$(python3 -c "print(f'{$t1 - $t0:.3f}')")

{ conf_head; cat <<CONF
module(load="imptcp")
module(load="impstats" interval="1" format="json" log.syslog="off" log.file="$WORK/stats.log" resetCounters="off")
input(type="imptcp" port="0" listenPortFileName="$WORK/port" ruleset="r")
template(name="line" type="string" string="%msg%\n")
ruleset(name="r") {
	action(type="mmnetfilter" iptablesRules="$WORK/rules.v4")
	action(type="omfile" file="$WORK/out.log" template="line" asyncWriting="off" flushOnTXEnd="on")
}
CONF
} > "$WORK/rsyslog.conf"
start_rsyslogd "$WORK/rsyslog.conf"
wait_file "$WORK/port"

# 4 s at 2,000 messages a second; the file is replaced at 1 s and 2.5 s; the output watched
python3 - "$(cat "$WORK/port")" "$WORK" <<'PY' > "$WORK/result" || fail "$(cat "$WORK/result")"
import os, shutil, socket, sys, threading, time
port, w = int(sys.argv[1]), sys.argv[2]
line = b"<4>Dec  4 20:00:00 fw kernel: KUBE: IN=eth0 OUT= SRC=10.0.0.1 DST=10.96.0.7 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=1 DF PROTO=TCP SPT=1 DPT=80 WINDOW=1 RES=0x00 SYN URGP=0 \n"
sent = 0
gaps = []
stop = False
def watch():
    last_size, last_change, worst = 0, time.time(), 0.0
    out = os.path.join(w, "out.log")
    while not stop:
        size = os.path.getsize(out) if os.path.exists(out) else 0
        now = time.time()
        if size != last_size:
            last_size, last_change = size, now
        elif sent * len(line) > size:  # waiting with messages sent: a stall
            worst = max(worst, now - last_change)
        time.sleep(0.01)
    gaps.append(worst)
t = threading.Thread(target=watch); t.start()
with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
    t0 = time.time()
    for i in range(8000):
        s.sendall(line); sent += 1
        el = time.time() - t0
        if i == 2000:
            shutil.copy(os.path.join(w, "kube2.v4"), os.path.join(w, "rules.new")); os.rename(os.path.join(w, "rules.new"), os.path.join(w, "rules.v4"))
        if i == 5000:
            shutil.copy(os.path.join(w, "kube.v4"), os.path.join(w, "rules.new")); os.rename(os.path.join(w, "rules.new"), os.path.join(w, "rules.v4"))
        wait = (i + 1) / 2000 - el
        if wait > 0:
            time.sleep(wait)
deadline = time.time() + 60
while time.time() < deadline and (not os.path.exists(os.path.join(w, "out.log")) or
                                  sum(1 for _ in open(os.path.join(w, "out.log"), "rb")) < sent):
    time.sleep(0.05)
stop = True; t.join()
print(f"{sent} {gaps[0]:.3f}")
PY
read -r sent worst < "$WORK/result"
for i in $(seq 1 50); do grep -q '"snapshots.loaded": *3' "$WORK/stats.log" 2>/dev/null && break; sleep 0.2; done
stop_rsyslogd
out=$(wc -l < "$WORK/out.log")
[ "$out" = "$sent" ] || fail "$sent sent, $out written"
loaded=$(grep '"name": "mmnetfilter"' "$WORK/stats.log" | tail -n 1 | python3 -c 'import json, sys; l = sys.stdin.read(); print(json.loads(l[l.index("{"):])["snapshots.loaded"])')
[ "$loaded" -ge 3 ] || fail "the snapshot was loaded $loaded times, want 3 (start and two replacements)"
python3 -c "import sys; sys.exit(0 if $worst < max(0.25, $load / 2) else 1)" ||
	fail "the output stalled $worst s during the reloads (the load itself takes $load s)"
echo "reload-big: a 40,000-chain snapshot (loads in $load s) replaced twice under 2,000 messages/s: $sent in, $out out, loaded $loaded times; longest wait with messages pending $worst s"
echo "PASS $TEST_NAME"
