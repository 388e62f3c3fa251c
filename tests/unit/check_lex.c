/* The grammar: tables of kernel lines with what the record must hold. Expectations are
 * "d<depth>.<FIELD>=<value>" (value as text), "!d<depth>.<FIELD>" (absent) or
 * "bad:d<depth>.<FIELD>" (key seen, value did not decode). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include "suites.h"

static const char *const field_ids[] = {
#define X(id, key, sec, grp, name, kind) #id,
#include "parse/fields.def"
#undef X
};

static int field_by_id(const char *s, size_t n)
{
	for (int f = 0; f < NFP_F__COUNT; f++)
		if (strlen(field_ids[f]) == n && memcmp(field_ids[f], s, n) == 0)
			return f;
	return -1;
}

/* the value of a field as text, for comparison */
static void value_text(const struct nfp_record *r, const char *line, int d, int f, char *buf, size_t cap)
{
	const union nfp_value *v = &r->pkt[d].v[f];
	switch (nfp_fields[f].kind) {
	case NFP_K_STR:
	case NFP_K_MACRAW:
		snprintf(buf, cap, "%.*s", (int)v->s.len, line + v->s.off);
		break;
	case NFP_K_IP:
		inet_ntop(v->ip.family == 6 ? AF_INET6 : AF_INET, v->ip.a, buf, (socklen_t)cap);
		break;
	case NFP_K_MAC:
		snprintf(buf, cap, "%02x:%02x:%02x:%02x:%02x:%02x", v->mac[0], v->mac[1], v->mac[2], v->mac[3],
			 v->mac[4], v->mac[5]);
		break;
	case NFP_K_WORD:
		snprintf(buf, cap, "%s", v->u < NFP_W__COUNT ? nfp_words[v->u] : "?");
		break;
	default:
		snprintf(buf, cap, "%llu", (unsigned long long)v->u);
	}
}

static void check_expect(const struct nfp_record *r, const char *line, const char *e)
{
	int absent = 0, bad = 0, d, f;
	const char *p = e, *eq;
	char got[128];
	if (*p == '!') {
		absent = 1;
		p++;
	} else if (strncmp(p, "bad:", 4) == 0) {
		bad = 1;
		p += 4;
	}
	ck_assert_msg(p[0] == 'd' && (p[1] == '0' || p[1] == '1') && p[2] == '.', "bad expectation %s", e);
	d = p[1] - '0';
	p += 3;
	eq = strchr(p, '=');
	f = field_by_id(p, eq ? (size_t)(eq - p) : strlen(p));
	ck_assert_msg(f >= 0, "unknown field in %s", e);
	if (absent) {
		ck_assert_msg(!nfp_has(&r->pkt[d], (enum nfp_field)f), "%s: field present", e);
		return;
	}
	if (bad) {
		ck_assert_msg(nfp_bad(&r->pkt[d], (enum nfp_field)f) && !nfp_has(&r->pkt[d], (enum nfp_field)f),
			      "%s: not marked invalid", e);
		return;
	}
	ck_assert_msg(nfp_has(&r->pkt[d], (enum nfp_field)f), "%s: field missing", e);
	value_text(r, line, d, f, got, sizeof(got));
	ck_assert_msg(strcmp(got, eq + 1) == 0, "%s: got '%s'", e, got);
}

struct lex_case {
	const char *name;
	const char *line;
	enum nfp_type type;
	int truncated;
	const char *expect[24];
};

#define TCP4 "IN=eth0 OUT= MAC=00:11:22:33:44:55:66:77:88:99:aa:bb:08:00 SRC=192.0.2.1 DST=192.0.2.2 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=54321 DF PROTO=TCP SPT=40000 DPT=22 WINDOW=64240 RES=0x00 SYN URGP=0 "

static const struct lex_case cases[] = {
	{ "seed TRACE via imklog", "[1038991.870985] TRACE: nat:quantum-l3-agent-POSTROUTING:rule:1 IN= OUT=br-ex SRC=10.0.0.4 DST=192.168.0.19 LEN=84 TOS=0x00 PREC=0x00 TTL=63 ID=0 DF PROTO=ICMP TYPE=8 CODE=0 ID=28976 SEQ=1 ",
	  NFP_TRACE, 0, { "d0.TRACE_TABLE=nat", "d0.TRACE_CHAIN=quantum-l3-agent-POSTROUTING", "d0.TRACE_TYPE=rule",
			  "d0.TRACE_RULE=1", "d0.IN=", "d0.OUT=br-ex", "!d0.MAC", "d0.IP_ID=0", "d0.ICMP_ID=28976",
			  "d0.ICMP_SEQ=1", "d0.IP_FLAGS=2", "d0.PROTO=1", "d0.PROTO_NAME=ICMP",
			  "d0.PREFIX=TRACE: nat:quantum-l3-agent-POSTROUTING:rule:1 " } },
	{ "TRACE policy, raw", "TRACE: raw:PREROUTING:policy:2 " TCP4, NFP_TRACE, 0,
	  { "d0.TRACE_TYPE=policy", "d0.TRACE_RULE=2", "d0.TCP_DPT=22" } },
	{ "TRACE return", "TRACE: filter:quantum-filter-top:return:2 " TCP4, NFP_TRACE, 0, { "d0.TRACE_TYPE=return" } },
	/* regressions of the hostile-input campaign (issue 10) */
	{ "D3: ICMP error quoting a non-first fragment: the outer fields after ] are read",
	  "IN=eth0 OUT= SRC=192.168.2.71 DST=192.168.2.83 LEN=88 TOS=0x00 PREC=0x00 TTL=118 ID=21684 PROTO=ICMP TYPE=3 CODE=4 "
	  "[SRC=192.168.2.83 DST=192.168.173.191 LEN=1500 TOS=0x00 PREC=0x00 TTL=54 ID=7 FRAG:100 PROTO=UDP ] MTU=1400 UID=0 GID=0 MARK=0x5 ",
	  NFP_LOG, 0, { "d1.FRAG=100", "!d1.UDP_SPT", "d0.MTU=1400", "d0.UID=0", "d0.GID=0", "d0.MARK=5" } },
	{ "D5: ports above 65535 are invalid", "x: IN=eth0 OUT= SRC=10.0.0.1 DST=10.0.0.2 LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=1 PROTO=TCP SPT=70000 DPT=65535 WINDOW=3 RES=0x00 SYN URGP=0 ",
	  NFP_LOG, 0, { "bad:d0.TCP_SPT", "d0.TCP_DPT=65535" } },
	{ "D5: ICMP type/code above 255 are invalid", "IN=eth0 OUT= SRC=10.0.0.1 DST=10.0.0.2 LEN=84 TOS=0x00 PREC=0x00 TTL=64 ID=1 PROTO=ICMP TYPE=256 CODE=300 ID=1 SEQ=1 ",
	  NFP_LOG, 0, { "bad:d0.ICMP_TYPE", "bad:d0.ICMP_CODE" } },
	{ "D5: TTL 256, UDP LEN 65536", "IN=eth0 OUT= SRC=10.0.0.1 DST=10.0.0.2 LEN=40 TOS=0x00 PREC=0x00 TTL=256 ID=1 PROTO=UDP SPT=1 DPT=2 LEN=65536 ",
	  NFP_LOG, 0, { "bad:d0.TTL", "bad:d0.UDP_LEN", "d0.UDP_SPT=1" } },
	{ "D6: IPv4 with leading zeros is no address", "IN=eth0 OUT= SRC=010.001.000.001 DST=10.0.0.2 LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=1 PROTO=UDP SPT=1 DPT=2 LEN=20 ",
	  NFP_LOG, 0, { "bad:d0.SRC", "d0.DST=10.0.0.2" } },
	{ "TRACE-looking prefix that is not one", "TRACE: nonsense " TCP4, NFP_LOG, 0,
	  { "d0.PREFIX=TRACE: nonsense ", "!d0.TRACE_TABLE" } },
	{ "IP LEN vs UDP LEN", "fw: IN=eth0 OUT= MAC= SRC=10.0.0.1 DST=10.0.0.2 LEN=540 TOS=0x1C PREC=0xE0 TTL=64 ID=27223 PROTO=UDP SPT=48689 DPT=53 LEN=520 ",
	  NFP_LOG, 0, { "d0.IP_LEN=540", "d0.UDP_LEN=520", "d0.TOS=28", "d0.PREC=224", "d0.MAC=", "!d0.IP_FLAGS" } },
	{ "TCP SEQ/ACK numbers vs ACK flag", "IN= OUT=lo SRC=127.0.0.1 DST=127.0.0.1 LEN=52 TOS=0x00 PREC=0x00 TTL=64 ID=1 DF PROTO=TCP SPT=1 DPT=2 SEQ=4294967295 ACK=17 WINDOW=512 RES=0x00 AE CWR ECE URG ACK PSH RST SYN FIN URGP=5 OPT (0101080A) UID=0 GID=0 MARK=0xd4 ",
	  NFP_LOG, 0, { "d0.TCP_SEQ=4294967295", "d0.TCP_ACK=17", "d0.TCP_FLAGS=511", "d0.URGP=5", "d0.TCP_OPT=0101080A",
			"d0.UID=0", "d0.GID=0", "d0.MARK=212", "d0.PREFIX=" } },
	{ "IPv4 options, CE MF, FRAG offset", "x IN=eth0 OUT= MAC= SRC=10.0.0.1 DST=10.0.0.2 LEN=1500 TOS=0x00 PREC=0x00 TTL=64 ID=7 CE MF FRAG:185 OPT (07270400) PROTO=UDP ",
	  NFP_LOG, 0, { "d0.IP_FLAGS=5", "d0.FRAG=185", "d0.IP_OPT=07270400", "d0.PROTO=17", "!d0.UDP_SPT" } },
	{ "ICMP error quotes the original packet", "DENY: IN=eth0 OUT= MAC=90:10:28:5f:62:24:90:10:18:5a:89:2a:08:00 SRC=192.168.2.71 DST=192.168.2.83 LEN=88 TOS=0x00 PREC=0x00 TTL=118 ID=21684 PROTO=ICMP TYPE=3 CODE=4 [SRC=192.168.2.83 DST=192.168.173.191 LEN=60 TOS=0x00 PREC=0x00 TTL=54 ID=0 DF PROTO=UDP SPT=21458 DPT=62936 LEN=40 ] MTU=1400 MARK=0x1 ",
	  NFP_LOG, 0, { "d0.SRC=192.168.2.71", "d1.SRC=192.168.2.83", "d0.IP_ID=21684", "d1.IP_ID=0", "d1.UDP_LEN=40",
			"d1.UDP_SPT=21458", "!d0.UDP_SPT", "d0.MTU=1400", "d0.MARK=1", "!d1.MARK", "d0.IP_LEN=88", "d1.IP_LEN=60" } },
	{ "ICMP error, inner TCP incomplete", "IN=eth0 OUT= MAC= SRC=10.0.0.1 DST=10.0.0.2 LEN=56 TOS=0x00 PREC=0xC0 TTL=64 ID=9 PROTO=ICMP TYPE=11 CODE=0 [SRC=10.0.0.2 DST=10.0.0.9 LEN=60 TOS=0x00 PREC=0x00 TTL=1 ID=3 DF PROTO=TCP INCOMPLETE [8 bytes] ] ",
	  NFP_LOG, 0, { "d1.INCOMPLETE=8", "!d0.INCOMPLETE", "d1.PROTO=6", "d0.ICMP_TYPE=11" } },
	{ "ICMP redirect gateway", "IN=eth0 OUT= MAC= SRC=10.0.0.1 DST=10.0.0.2 LEN=56 TOS=0x00 PREC=0x00 TTL=64 ID=9 PROTO=ICMP TYPE=5 CODE=1 GATEWAY=10.0.0.254 [SRC=10.0.0.2 DST=10.9.0.9 LEN=84 TOS=0x00 PREC=0x00 TTL=63 ID=3 PROTO=ICMP TYPE=8 CODE=0 ID=5 SEQ=6 ] ",
	  NFP_LOG, 0, { "d0.GATEWAY=10.0.0.254", "d1.ICMP_ID=5", "d1.ICMP_SEQ=6", "!d0.ICMP_ID" } },
	{ "ICMP parameter problem", "IN=eth0 OUT= MAC= SRC=10.0.0.1 DST=10.0.0.2 LEN=56 TOS=0x00 PREC=0x00 TTL=64 ID=9 PROTO=ICMP TYPE=12 CODE=0 PARAMETER=20 ",
	  NFP_LOG, 0, { "d0.PARAMETER=20" } },
	{ "IPv6 fully expanded, ICMPv6 echo", "IN= OUT=lo SRC=2001:0db8:0000:0000:0000:0000:0000:0001 DST=2001:0db8:0000:0000:0000:0000:0000:0002 LEN=104 TC=0 HOPLIMIT=64 FLOWLBL=868225 PROTO=ICMPv6 TYPE=128 CODE=0 ID=3427 SEQ=1 ",
	  NFP_LOG, 0, { "d0.SRC=2001:db8::1", "d0.FLOWLBL=868225", "d0.PROTO=58", "d0.ICMP_ID=3427", "!d0.IP_ID" } },
	{ "ICMPv6 parameter problem pointer + packet too big", "IN=eth0 OUT= MAC= SRC=fe80:0000:0000:0000:0000:0000:0000:0001 DST=fe80:0000:0000:0000:0000:0000:0000:0002 LEN=1280 TC=0 HOPLIMIT=255 FLOWLBL=0 PROTO=ICMPv6 TYPE=4 CODE=1 POINTER=00000028 [SRC=fe80:0000:0000:0000:0000:0000:0000:0002 DST=fe80:0000:0000:0000:0000:0000:0000:0003 LEN=1400 TC=0 HOPLIMIT=64 FLOWLBL=0 PROTO=UDP SPT=1 DPT=2 LEN=1360 ] ",
	  NFP_LOG, 0, { "d0.POINTER=40", "d1.UDP_DPT=2", "d1.SRC=fe80::2" } },
	{ "IPv6 fragment header and ext-header options", "IN=eth0 OUT= MAC= SRC=2001:0db8:0000:0000:0000:0000:0000:0001 DST=2001:0db8:0000:0000:0000:0000:0000:0002 LEN=1280 TC=0 HOPLIMIT=64 FLOWLBL=1 OPT ( FRAG:1232 INCOMPLETE ID:0000abcd ) PROTO=UDP ",
	  NFP_LOG, 0, { "d0.FRAG=1232", "d0.FRAG_MORE=1", "d0.FRAG_ID=43981", "!d0.UDP_SPT" } },
	{ "IPv6 ESP inside OPT wrapper ends the line", "IN=eth0 OUT= MAC= SRC=2001:0db8:0000:0000:0000:0000:0000:0001 DST=2001:0db8:0000:0000:0000:0000:0000:0002 LEN=120 TC=0 HOPLIMIT=64 FLOWLBL=0 OPT ( ESP SPI=0xcb886522 )",
	  NFP_LOG, 0, { "d0.ESP_SPI=3414713634" } },
	{ "IPv4 ESP and AH", "IN=eno1 OUT= MAC= SRC=192.168.110.116 DST=192.168.2.25 LEN=120 TOS=0x00 PREC=0x00 TTL=55 ID=0 DF PROTO=ESP SPI=0xcb886522",
	  NFP_LOG, 0, { "d0.ESP_SPI=3414713634", "d0.PROTO=50" } },
	{ "numeric protocols have no L4 part", "IN=eth0 OUT= MAC= SRC=10.0.0.1 DST=10.0.0.2 LEN=77 TOS=0x00 PREC=0x00 TTL=235 ID=24392 PROTO=132 ",
	  NFP_LOG, 0, { "d0.PROTO=132", "!d0.PROTO_NAME" } },
	{ "MACDECODE with VLAN", "v: IN=eth0 OUT= MACSRC=00:11:22:33:44:55 MACDST=66:77:88:99:aa:bb VPROTO=8100 VID=10 MACPROTO=0800 SRC=10.0.0.1 DST=10.0.0.2 LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=1 PROTO=UDP SPT=1 DPT=2 LEN=20 ",
	  NFP_LOG, 0, { "d0.MACSRC=00:11:22:33:44:55", "d0.VPROTO=33024", "d0.VID=10", "d0.MACPROTO=2048", "!d0.MAC" } },
	{ "ARP: MACSRC in header and payload", "a: IN=veth0 OUT= MACSRC=86:6c:92:ea:d6:73 MACDST=0e:3b:eb:86:73:76 MACPROTO=0806 ARP HTYPE=1 PTYPE=0x0800 OPCODE=2 MACSRC=86:6c:92:ea:d6:74 IPSRC=192.168.10.2 MACDST=0e:3b:eb:86:73:77 IPDST=192.168.10.1",
	  NFP_LOG, 0, { "d0.MACSRC=86:6c:92:ea:d6:73", "d0.ARP_MACSRC=86:6c:92:ea:d6:74", "d0.ARP_IPDST=192.168.10.1", "d0.OPCODE=2", "d0.PTYPE=2048" } },
	{ "bridge, other ethertype: header and MAC only", "IN=br0 OUT=br0 PHYSIN=veth1 PHYSOUT=veth2 MAC=ff:ff:ff:ff:ff:ff:00:11:22:33:44:55:88:cc ",
	  NFP_LOG, 0, { "d0.PHYSIN=veth1", "d0.PHYSOUT=veth2", "!d0.SRC" } },
	{ "SIT tunnel", "IN=sit1 OUT= MAC= TUNNEL=192.0.2.1->192.0.2.2 SRC=2001:0db8:0000:0000:0000:0000:0000:0001 DST=2001:0db8:0000:0000:0000:0000:0000:0002 LEN=80 TC=0 HOPLIMIT=64 FLOWLBL=0 PROTO=TCP SPT=1 DPT=2 WINDOW=1 RES=0x00 SYN URGP=0 ",
	  NFP_LOG, 0, { "d0.TUNNEL=192.0.2.1->192.0.2.2" } },
	{ "Ubiquiti prefix abuts IN=", "[WAN_LOCAL-default-D]" TCP4, NFP_LOG, 0, { "d0.PREFIX=[WAN_LOCAL-default-D]", "d0.IN=eth0" } },
	{ "Shorewall prefix with colons", "Shorewall:net2fw:DROP:" TCP4, NFP_LOG, 0, { "d0.PREFIX=Shorewall:net2fw:DROP:" } },
	{ "prefix holding '=', brackets and IN=/OUT= text", "a=b [x] IN=fake OUT=x " TCP4, NFP_LOG, 0,
	  { "d0.PREFIX=a=b [x] IN=fake OUT=x ", "d0.IN=eth0" } },
	{ "high-bit bytes in the prefix", "\xc3\xa9t\xe9: " TCP4, NFP_LOG, 0, { "d0.PREFIX=\xc3\xa9t\xe9: " } },
	{ "carriage return and no trailing space", "IN= OUT=lo SRC=127.0.0.1 DST=127.0.0.1 LEN=52 TOS=0x00 PREC=0x00 TTL=64 ID=1 PROTO=UDP SPT=1 DPT=2 LEN=32",
	  NFP_LOG, 0, { "d0.UDP_LEN=32" } },
	{ "vendor TOS=00 and MARK=0", "[S-1-A] IN=abc.123 OUT=abc.123 MAC= SRC=10.251.1.1 DST=10.251.1.1 LEN=32 TOS=00 PREC=0x00 TTL=63 ID=12345 PROTO=UDP SPT=9000 DPT=9000 LEN=12 MARK=0",
	  NFP_LOG, 0, { "d0.TOS=0", "d0.MARK=0" } },
	/* hostile */
	{ "repeated keys: the first wins, the rest are kept as unknown", "IN=eth0 OUT= MAC= SRC=10.0.0.1 DST=10.0.0.2 LEN=1 LEN=2 LEN=3 TOS=0x00 PREC=0x00 TTL=64 ID=1 PROTO=UDP SPT=1 DPT=2 LEN=9 ",
	  NFP_LOG, 0, { "d0.IP_LEN=1", "d0.UDP_LEN=9" } },
	/* printed but not decodable: invalid, and the line is not cut (as for overlong numbers) */
	{ "empty values", "IN=eth0 OUT= MAC= SRC= DST= LEN= TOS=0x00 PREC=0x00 TTL=64 ID=1 PROTO=UDP SPT=1 DPT=2 LEN=9 ",
	  NFP_LOG, 0, { "bad:d0.SRC", "bad:d0.DST", "bad:d0.IP_LEN" } },
	{ "overlong numbers", "IN=eth0 OUT= MAC= SRC=10.0.0.1 DST=10.0.0.2 LEN=99999999999999999999999 TOS=0x00 PREC=0x00 TTL=64 ID=1 PROTO=UDP SPT=1 DPT=2 LEN=9 ",
	  NFP_LOG, 0, { "bad:d0.IP_LEN", "d0.TTL=64" } },
	{ "protocol number above 255", "IN=eth0 OUT= MAC= SRC=10.0.0.1 DST=10.0.0.2 LEN=1 TOS=0x00 PREC=0x00 TTL=64 ID=1 PROTO=256 ",
	  NFP_LOG, 0, { "bad:d0.PROTO" } },
	{ "a second quoted packet is not nested", "IN=eth0 OUT= MAC= SRC=10.0.0.1 DST=10.0.0.2 LEN=56 TOS=0x00 PREC=0x00 TTL=64 ID=9 PROTO=ICMP TYPE=3 CODE=0 [SRC=10.0.0.2 DST=10.0.0.9 LEN=60 TOS=0x00 PREC=0x00 TTL=1 ID=3 PROTO=ICMP TYPE=3 CODE=0 [SRC=1.1.1.1 ] ] ",
	  NFP_LOG, 0, { "d1.SRC=10.0.0.2" } },
	{ "unclosed quoted packet", "IN=eth0 OUT= MAC= SRC=10.0.0.1 DST=10.0.0.2 LEN=56 TOS=0x00 PREC=0x00 TTL=64 ID=9 PROTO=ICMP TYPE=3 CODE=0 [SRC=10.0.0.2 DST=10.0.0.9 LEN=60 ",
	  NFP_LOG, 1, { "d1.IP_LEN=60" } },
	{ "OPT without its hex", "IN=eth0 OUT= MAC= SRC=10.0.0.1 DST=10.0.0.2 LEN=56 TOS=0x00 PREC=0x00 TTL=64 ID=9 OPT (0102", NFP_LOG, 1, { "bad:d0.IP_OPT" } },
	{ "kernel TRUNCATED", "IN=eth0 OUT= MAC= SRC=10.0.0.1 DST=10.0.0.2 LEN=56 TOS=0x00 PREC=0x00 TTL=64 ID=9 TRUNCATED", NFP_LOG, 1, { "d0.TTL=64" } },
	{ "router-split tail: a fragment", "L=126 ID=8698 DF PROTO=TCP SPT=88 DPT=51179 WINDOW=2053 RES=0x00 ACK URGP=0",
	  NFP_FRAGMENT, 0, { "d0.IP_ID=8698", "d0.TCP_SPT=88", "d0.TCP_FLAGS=16", "!d0.PREFIX" } },
	{ "ebtables --log dialect, IPv4", "br: IN=br0 OUT=br0 MAC source = 00:11:22:33:44:55 MAC dest = 66:77:88:99:aa:bb proto = 0x0800 IP SRC=10.0.0.1 IP DST=10.0.0.2, IP tos=0x10, IP proto=17 SPT=5 DPT=53",
	  NFP_EBT, 0, { "d0.MACSRC=00:11:22:33:44:55", "d0.MACPROTO=2048", "d0.TOS=16", "d0.PROTO=17", "d0.UDP_DPT=53" } },
	{ "ebtables --log dialect, ARP", "IN=br0 OUT=br0 MAC source = 00:11:22:33:44:55 MAC dest = ff:ff:ff:ff:ff:ff proto = 0x0806 ARP HTYPE=1, PTYPE=0x0800, OPCODE=1 ARP MAC SRC=00:11:22:33:44:55 ARP IP SRC=10.0.0.1 ARP MAC DST=00:00:00:00:00:00 ARP IP DST=10.0.0.2",
	  NFP_EBT, 0, { "d0.OPCODE=1", "d0.ARP_IPDST=10.0.0.2" } },
	{ "ebtables --log dialect, IPv6", "IN=br0 OUT=br0 MAC source = 00:11:22:33:44:55 MAC dest = 66:77:88:99:aa:bb proto = 0x86dd IPv6 SRC=2001:0db8:0000:0000:0000:0000:0000:0001 IPv6 DST=2001:0db8:0000:0000:0000:0000:0000:0002, IPv6 priority=0x0, Next Header=6 SPT=1 DPT=443",
	  NFP_EBT, 0, { "d0.SRC=2001:db8::1", "d0.PRIORITY=0", "d0.TCP_DPT=443" } },
	/* not netfilter */
	{ "plain text", "hello world", NFP_NONE, 0, { NULL } },
	{ "IN=/OUT= followed by other words", "iptables: IN=invalue OUT=outvalue x y", NFP_NONE, 0, { NULL } },
	{ "lower-case keys", "iptables: in=value", NFP_NONE, 0, { NULL } },
	{ "empty", "", NFP_NONE, 0, { NULL } },
	{ "PROTO= alone is no fragment", "ERROR PROTO=TCP", NFP_NONE, 0, { NULL } },
};

START_TEST(test_case)
{
	const struct lex_case *c = &cases[_i];
	struct nfp_record *r = parse_str(c->line);
	ck_assert_msg(r->type == c->type, "%s: type %d, want %d", c->name, r->type, c->type);
	ck_assert_msg(!!(r->flags & NFP_R_TRUNCATED) == c->truncated, "%s: truncated=%d", c->name,
		      !!(r->flags & NFP_R_TRUNCATED));
	for (int k = 0; k < 24 && c->expect[k] != NULL; k++)
		check_expect(r, c->line, c->expect[k]);
}
END_TEST

/* Every truncation point of complete lines: before " OUT=" is read the text is not a record;
 * from there on it is one, marked truncated, until the whole line is there. */
static const struct {
	const char *line;
	const char *also_whole; /* the line cut before this text is a whole kernel line too */
} whole_lines[] = {
	{ "fw: " TCP4, NULL },
	{ "[  179.000503] TRACE: raw:PREROUTING:policy:2 IN=tap5c42978b-ac OUT= MAC=fa:16:3e:a7:0c:f3:fa:16:3e:a4:49:14:08:00 SRC=10.0.0.4 DST=192.168.0.19 LEN=84 TOS=0x00 PREC=0x00 TTL=64 ID=0 DF PROTO=ICMP TYPE=8 CODE=0 ID=28976 SEQ=1 ", NULL },
	{ "IN=eth0 OUT= MAC= SRC=192.168.2.71 DST=192.168.2.83 LEN=88 TOS=0x00 PREC=0x00 TTL=118 ID=21684 PROTO=ICMP TYPE=3 CODE=3 [SRC=192.168.2.83 DST=192.168.173.191 LEN=60 TOS=0x00 PREC=0x00 TTL=54 ID=0 DF PROTO=UDP SPT=21458 DPT=62936 LEN=40 ] ", NULL },
	/* IPv6 + ESP without the IPOPT flag really ends after "FLOWLBL=<n> " */
	{ "IN= OUT=lo SRC=2001:0db8:0000:0000:0000:0000:0000:0001 DST=2001:0db8:0000:0000:0000:0000:0000:0002 LEN=104 TC=0 HOPLIMIT=64 FLOWLBL=868225 PROTO=ICMPv6 TYPE=128 CODE=0 ID=3427 SEQ=1 ", "PROTO=" },
};

START_TEST(test_every_truncation)
{
	const char *l = whole_lines[_i].line;
	size_t n = strlen(l), body_ready = (size_t)(strstr(l, " OUT=") - l) + 5;
	size_t whole_at = whole_lines[_i].also_whole ? (size_t)(strstr(l, whole_lines[_i].also_whole) - l) : SIZE_MAX;
	/* the kernel's trailing space is optional: the line minus it is complete too */
	for (size_t k = 0; k + 1 < n; k++) {
		/* an exact-size copy so that an over-read is caught by ASan/valgrind */
		char *cut = malloc(k ? k : 1);
		struct nfp_record *r;
		memcpy(cut, l, k);
		static struct nfp_record rec;
		r = &rec;
		nfp_parse(cut, k, r);
		if (k == whole_at)
			ck_assert_msg(r->type != NFP_NONE && !(r->flags & NFP_R_TRUNCATED), "line %d cut at %zu", _i, k);
		else if (k < body_ready)
			ck_assert_msg(r->type == NFP_NONE, "line %d cut at %zu: type %d", _i, k, r->type);
		else
			ck_assert_msg(r->type != NFP_NONE && (r->flags & NFP_R_TRUNCATED),
				      "line %d cut at %zu ('%.*s'): type %d, not marked truncated", _i, k,
				      (int)(k > 20 ? 20 : k), cut + (k > 20 ? k - 20 : 0), r->type);
		free(cut);
	}
	ck_assert(!(parse_str(l)->flags & NFP_R_TRUNCATED));
}
END_TEST

START_TEST(test_nul_bytes)
{
	static const char l[] = "IN=eth0 OUT= MAC= SRC=10.0.0.1\0 DST=10.0.0.2 LEN=1 TOS=0x00 PREC=0x00 TTL=6\0004 ID=1 PROTO=UDP SPT=1 DPT=2 LEN=9 ";
	struct nfp_record r;
	ck_assert_int_eq(nfp_parse(l, sizeof(l) - 1, &r), NFP_LOG);
	ck_assert(nfp_bad(&r.pkt[0], NFP_F_SRC));
	ck_assert(nfp_bad(&r.pkt[0], NFP_F_TTL));
	ck_assert(nfp_has(&r.pkt[0], NFP_F_UDP_LEN));
	/* a NUL inside an interface name is data, kept as it is */
	ck_assert_int_eq(nfp_parse("IN=e\0th0 OUT= MAC= ", 19, &r), NFP_LOG);
	ck_assert_int_eq(nfp_parse("\0\0\0\0", 4, &r), NFP_NONE);
}
END_TEST

START_TEST(test_64k_lines)
{
	size_t big = 64 * 1024, tl = strlen(TCP4);
	char *l = malloc(big + tl);
	struct nfp_record r;
	/* 64 KiB of prefix, then a record */
	memset(l, 'A', big);
	memcpy(l + big, TCP4, tl);
	ck_assert_int_eq(nfp_parse(l, big + tl, &r), NFP_LOG);
	ck_assert_uint_eq(r.pkt[0].v[NFP_F_PREFIX].s.len, big);
	ck_assert_uint_eq(r.pkt[0].v[NFP_F_TCP_DPT].u, 22);
	/* 64 KiB of garbage */
	ck_assert_int_eq(nfp_parse(l, big, &r), NFP_NONE);
	/* a record followed by 64 KiB of unknown tokens: capped, marked */
	memcpy(l, TCP4, tl);
	for (size_t i = tl; i + 2 <= big + tl; i += 2) {
		l[i] = 'Q';
		l[i + 1] = ' ';
	}
	ck_assert_int_eq(nfp_parse(l, big + tl, &r), NFP_LOG);
	ck_assert_uint_eq(r.n_unknown, NFP_MAX_UNKNOWN);
	ck_assert(r.flags & NFP_R_UNKNOWN_OVF);
	free(l);
}
END_TEST

START_TEST(test_reuse_resets)
{
	struct nfp_record r;
	const char *a = "fw: " TCP4, *b = "IN= OUT=lo SRC=127.0.0.1 DST=127.0.0.1 LEN=52 TOS=0x00 PREC=0x00 TTL=64 ID=1 PROTO=UDP SPT=1 DPT=2 LEN=32";
	nfp_parse(a, strlen(a), &r);
	nfp_parse(b, strlen(b), &r);
	ck_assert(!nfp_has(&r.pkt[0], NFP_F_TCP_DPT));
	ck_assert(!nfp_has(&r.pkt[0], NFP_F_MAC));
	ck_assert_uint_eq(r.n_unknown, 0);
}
END_TEST

/* monitor lines follow the LOG rule: a field printed twice keeps its first value, the
 * repeat goes to unknown (nft monitor trace and xtables-monitor alike) */
START_TEST(test_monitor_repeats)
{
	static const char nft[] = "trace id 1 inet fw input packet: iif \"eth0\" ip saddr 10.0.0.1 ip daddr 10.0.0.2 "
				  "ip saddr 10.9.9.9 ip protocol tcp ip protocol udp tcp sport 1 tcp dport 2 iif \"eth1\" "
				  "meta mark 0x1 meta mark 0x2";
	static const char xt[] = "PACKET: 2 0427ffe5 IN=eth0 OUT= SRC=1.1.1.1 DST=2.2.2.2 SRC=3.3.3.3 LEN=60 TOS=0x0 TTL=64 "
				 "ID=1 MARK=0x1 MARK=0x2 SPORT=1 DPORT=2 SYN";
	struct nfp_record *r = parse_str(nft);
	const struct nfp_pkt *p = &r->pkt[0];
	ck_assert_int_eq(r->type, NFP_TRACE);
	ck_assert_uint_eq(p->v[NFP_F_SRC].ip.a[3], 1);
	ck_assert_uint_eq(p->v[NFP_F_PROTO].u, 6);
	ck_assert(p->v[NFP_F_IN].s.len == 4 && memcmp(nft + p->v[NFP_F_IN].s.off, "eth0", 4) == 0);
	ck_assert_uint_eq(p->v[NFP_F_MARK].u, 1);
	ck_assert_uint_eq(r->n_unknown, 4); /* ip saddr, ip protocol, iif, meta mark: once each */
	ck_assert(r->unknown[0].len == 17 && memcmp(nft + r->unknown[0].off, "ip saddr 10.9.9.9", 17) == 0);
	r = parse_str(xt);
	p = &r->pkt[0];
	ck_assert_int_eq(r->type, NFP_TRACE);
	ck_assert_uint_eq(p->v[NFP_F_SRC].ip.a[0], 1);
	ck_assert_uint_eq(p->v[NFP_F_MARK].u, 1);
	ck_assert_uint_eq(r->n_unknown, 2);
}
END_TEST

Suite *lex_suite(void)
{
	Suite *s = suite_create("lex");
	TCase *tc = tcase_create("grammar");
	tcase_add_loop_test(tc, test_case, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_loop_test(tc, test_every_truncation, 0, (int)(sizeof(whole_lines) / sizeof(whole_lines[0])));
	tcase_add_test(tc, test_nul_bytes);
	tcase_add_test(tc, test_64k_lines);
	tcase_add_test(tc, test_reuse_resets);
	tcase_add_test(tc, test_monitor_repeats);
	suite_add_tcase(s, tc);
	return s;
}
