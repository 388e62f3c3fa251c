#!/usr/bin/env python3
"""Deterministic benchmark corpus: kernel message texts as imkmsg delivers them (no syslog
header), one per line. Mix (fractions of all lines): ~10% non-netfilter kernel lines, ~5%
TRACE, and LOG lines: TCP with and without SEQ/ACK/OPT, UDP, ICMP echo, ICMP errors with the
quoted packet, IPv6 TCP/UDP/ICMPv6; prefixes varied, empty included.
Usage: gen_corpus.py [LINES] [SEED] > corpus.txt"""
import random, sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
rnd = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 42)
R = rnd.randrange

PREFIXES = ["", "[UFW BLOCK] ", "[UFW ALLOW] ", "iptables DROP_INPUT: ", "filter_IN_public_REJECT: ",
            "Shorewall:net2fw:DROP:", "[WAN_LOCAL-default-D]", "[LAN_IN-2000-A]", "fw-in: ", "calico-packet: ",
            "nft drop: ", "SFW2-INext-DROP-DEFLT "]
NONNF = ["usb 1-1: new high-speed USB device number {n} using xhci_hcd",
         "EXT4-fs (sda1): mounted filesystem with ordered data mode. Quota mode: none.",
         "audit: type=1400 audit({n}.123:42): apparmor=\"DENIED\" operation=\"open\" profile=\"snap\" name=\"/proc/{n}\" pid={n} comm=\"x\"",
         "e1000e 0000:00:19.0 eth0: NIC Link is Up 1000 Mbps Full Duplex, Flow Control: Rx/Tx",
         "TCP: request_sock_TCP: Possible SYN flooding on port {n}. Sending cookies.",
         "nf_conntrack: table full, dropping packet"]
IFS = ["eth0", "eth1", "enp3s0", "wlan0", "br-lan", "eth0.90"]
TCPFLAGS = [["SYN"], ["ACK"], ["ACK", "PSH"], ["ACK", "FIN"], ["RST"], ["ACK", "RST"], ["CWR", "ECE", "SYN"]]

def mac():
    return ":".join(f"{R(256):02x}" for _ in range(6))
def ip4():
    return f"{R(1, 224)}.{R(256)}.{R(256)}.{R(1, 255)}"
def ip6():
    return ":".join(f"{R(65536):04x}" if i in (0, 7, 6) else ("0000" if i in (2, 3) else f"{R(65536):04x}") for i in range(8))

def hdr(v6=False):
    i = rnd.choice(IFS)
    if R(10) == 0:
        return f"IN= OUT={i} "
    return f"IN={i} OUT= MAC={mac()}:{mac()}:{'86:dd' if v6 else '08:00'} "

def ip4hdr(ln, proto):
    df = "DF " if R(3) else ""
    return f"SRC={ip4()} DST={ip4()} LEN={ln} TOS=0x00 PREC=0x00 TTL={R(1, 256)} ID={R(65536)} {df}PROTO={proto} "

def tcp(seqack=False, opt=False):
    s = f"SPT={R(1, 65536)} DPT={rnd.choice([22, 80, 443, 445, 3389, R(1, 65536)])} "
    if seqack:
        s += f"SEQ={R(2**32)} ACK={R(2**32)} "
    s += f"WINDOW={R(65536)} RES=0x00 {' '.join(rnd.choice(TCPFLAGS))} URGP=0 "
    if opt:
        s += "OPT (020405B40402080A" + f"{R(2**32):08X}" + "0000000001030307) "
    return s

def log_line():
    k = R(100)
    if k < 45:
        sa, op = R(3) == 0, R(4) == 0
        return hdr() + ip4hdr(40 + (12 if op else 0), "TCP") + tcp(sa, op)
    if k < 63:
        return hdr() + ip4hdr(R(29, 1500), "UDP") + f"SPT={R(1, 65536)} DPT={rnd.choice([53, 123, 137, 1900, 5353])} LEN={R(9, 1480)} "
    if k < 73:
        return hdr() + ip4hdr(84, "ICMP") + f"TYPE=8 CODE=0 ID={R(65536)} SEQ={R(1, 100)} "
    if k < 80:
        inner = ip4hdr(R(40, 100), "UDP").rstrip() + f" SPT={R(1, 65536)} DPT={R(1, 65536)} LEN={R(9, 80)} "
        return hdr() + ip4hdr(R(56, 576), "ICMP") + f"TYPE=3 CODE={rnd.choice([1, 3, 10, 13])} [{inner}] "
    if k < 90:
        return hdr(True) + f"SRC={ip6()} DST={ip6()} LEN={R(60, 1500)} TC=0 HOPLIMIT={rnd.choice([1, 64, 255])} FLOWLBL={R(2**20)} PROTO=TCP " + tcp(R(3) == 0)
    if k < 96:
        return hdr(True) + f"SRC={ip6()} DST={ip6()} LEN={R(48, 600)} TC=0 HOPLIMIT=255 FLOWLBL={R(2**20)} PROTO=UDP SPT={R(1, 65536)} DPT=5353 LEN={R(9, 500)} "
    return hdr(True) + f"SRC={ip6()} DST={ip6()} LEN=104 TC=0 HOPLIMIT=64 FLOWLBL={R(2**20)} PROTO=ICMPv6 TYPE=128 CODE=0 ID={R(65536)} SEQ={R(1, 50)} "

TRACE = [("raw", "PREROUTING", "policy", 2), ("nat", "PREROUTING", "rule", 1), ("filter", "FORWARD", "rule", 3),
         ("filter", "INPUT", "policy", 7), ("nat", "quantum-l3-agent-POSTROUTING", "rule", 1), ("mangle", "FORWARD", "return", 4)]
out = sys.stdout
for i in range(n):
    k = R(100)
    if k < 10:
        out.write(rnd.choice(NONNF).format(n=R(100000)) + "\n")
    elif k < 15:
        t = rnd.choice(TRACE)
        out.write(f"TRACE: {t[0]}:{t[1]}:{t[2]}:{t[3]} " + log_line() + "\n")
    else:
        out.write(rnd.choice(PREFIXES) + log_line() + "\n")
