#!/usr/bin/env python3
"""A deterministic hostile corpus for the real-rsyslogd regression (tests/e2e/hostile.sh):
the shapes of the hostile-input campaign (issue 10) and their neighbours. Lines are bytes
(invalid UTF-8 included), no NUL and no newline inside, each at most 60,000 bytes (so that
one fits a UDP datagram). Usage: hostile-gen.py [COUNT] [SEED] > hostile.bin"""
import random, sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
rnd = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 7)
R = rnd.randrange

TCP = b"SRC=192.0.2.1 DST=192.0.2.2 LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=1 PROTO=TCP SPT=1 DPT=22 WINDOW=3 RES=0x00 SYN URGP=0 "
SEED = [b"TRACE: nat:quantum-l3-agent-POSTROUTING:rule:1 IN= OUT=br-ex SRC=10.0.0.4 DST=192.168.0.19 LEN=84 TOS=0x00 PREC=0x00 TTL=63 ID=0 DF PROTO=ICMP TYPE=8 CODE=0 ID=28976 SEQ=1 ",
        b"[UFW BLOCK] IN=eth0 OUT= MAC=00:11:22:33:44:55:66:77:88:99:aa:bb:08:00 " + TCP,
        b" TRACE: 2 0deff553 filter:INPUT:rule:0x6:DROP  -4 -t filter -A INPUT -p tcp -m tcp --dport 9 -j REJECT",
        b"trace id 9059a2a7 ip filter INPUT packet: iif \"vb\" ether saddr 62:56:5a:9f:1f:b4 ip saddr 10.99.0.1 ip daddr 10.99.0.2 ip ttl 64 tcp dport 2222 tcp flags == syn ",
        b"br: IN=br0 OUT=br0 MAC source = 02:00:00:00:00:01 MAC dest = ff:ff:ff:ff:ff:ff proto = 0x0806 ARP HTYPE=1, PTYPE=0x0800, OPCODE=1 ARP MAC SRC=02:00:00:00:00:01 ARP IP SRC=10.99.0.1 ARP MAC DST=00:00:00:00:00:00 ARP IP DST=10.99.0.2"]

def junk(k):
    """bytes a remote sender could put anywhere: high bytes, overlong forms, controls, JSON specials"""
    pool = [b"\xff", b"\xfe", b"\xc0\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x80", b"\xe2\x82", b"\x01",
            b"\x7f", b"\t", b'"', b"\\", b"/", b"\xc3\xa9", b"\xf0\x9f\x94\xa5", b"=", b"[", b"]", b"(", b")"]
    return b"".join(rnd.choice(pool) if R(3) else bytes([R(0x21, 0x7f)]) for _ in range(k))

def line(i):
    k = i % 16
    if k == 0:
        return junk(R(1, 40)) + b" IN=eth0 OUT= " + TCP                      # D4: prefix
    if k == 1:
        return b"x: IN=e" + junk(R(1, 12)) + b" OUT= " + TCP + junk(R(1, 8)) + b"=1 "  # D4: interface, unknown
    if k == 2:
        return b"P" * R(20000, 50000) + b": IN=eth0 OUT= " + TCP                # D7: long keyword
    if k == 3:
        return b"IN=" * R(2000, 19000) + b" OUT="                                # D1
    if k == 4:
        return b"IN=eth0 OUT= MAC=00:11:22:33:44:55:66:77:88:99:aa:bb:08:00 MACSRC=de:ad:be:ef:00:01 MACDST=de:ad:be:ef:00:02 " + TCP  # D2
    if k == 5:
        return (b"IN=eth0 OUT= SRC=192.168.2.71 DST=192.168.2.83 LEN=88 TOS=0x00 PREC=0x00 TTL=118 ID=21684 PROTO=ICMP TYPE=3 CODE=4 "
                b"[SRC=192.168.2.83 DST=192.168.173.191 LEN=1500 TOS=0x00 PREC=0x00 TTL=54 ID=7 FRAG:100 PROTO=UDP ] MTU=1400 UID=0 GID=0 MARK=0x5 ")  # D3
    if k == 6:
        return b"x: IN=eth0 OUT= SRC=10.0.0.1 DST=10.0.0.2 LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=1 PROTO=TCP SPT=%d DPT=%d WINDOW=3 RES=0x00 SYN URGP=0 " % (R(65536, 10**6), R(0, 70000))  # D5
    if k == 7:
        return b"x: IN=eth0 OUT= SRC=010.001.000.%03d DST=10.0.0.2 LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=1 PROTO=UDP SPT=1 DPT=2 LEN=20 " % R(1, 255)  # D6
    if k == 8:
        s = rnd.choice(SEED)
        return s[:R(1, len(s))]                                                  # cut anywhere
    if k == 9:
        s = bytearray(rnd.choice(SEED))
        for _ in range(R(1, 6)):
            s[R(len(s))] = R(1, 256) if R(2) else 0x20
        return bytes(s).replace(b"\x00", b"\x01").replace(b"\n", b" ")       # bytes flipped
    if k == 10:
        return b"IN=eth0 OUT= " + b"OPT (" + b"0" * R(100, 30000) + b") " + b"=" * R(1, 5000)
    if k == 11:
        return b"IN=eth0 OUT= " + b" ".join(b"K%d=%s" % (j, junk(2)) for j in range(R(10, 3000)))
    if k == 12:
        return b"trace id " + junk(8) + b" inet " + junk(5) + b" c rule " + junk(R(1, 200)) + b" (verdict " + junk(3) + b")"
    if k == 13:
        return b"PACKET: 2 0deff553 IN=" + junk(6) + b" MACSRC=0:c:29:4f:8e:35 SRC=10.0.0.1 DST=10.0.0.2 LEN=60 TOS=0x0 TTL=64 ID=45471DF SPORT=99999 DPORT=1 SYN"
    if k == 14:
        return b"TRACE: " + b"a:" * R(1, 3000) + b"rule:1 IN= OUT=lo " + TCP
    return b"br: IN=br0 OUT=br0 MAC source = 02:00:00:00:00:01 MAC dest = 02:00:00:00:00:02 proto = 0x86dd IPv6 SRC=fd00:0000:0000:0000:0000:0000:0000:0001 IPv6 DST=" + junk(R(1, 30)) + b", IPv6 priority=0x0, Next Header=6 SPT=40000 DPT=22"

out = sys.stdout.buffer
for i in range(n):
    l = line(i).replace(b"\n", b" ").replace(b"\r", b" ").replace(b"\x00", b"\x01")[:60000]
    out.write(l + b"\n")
