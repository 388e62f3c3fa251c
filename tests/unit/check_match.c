/* The rule matcher and the static walk (src/rules/match.c, src/rules/swalk.c): one row per
 * match kind, for yes, no and unknown, on iptables-save and nft rule text. */
#include <stdio.h>
#include <stdlib.h>
#include "suites.h"
#include "rules/nfp_match.h"

#define Y NFP_YES
#define N NFP_NO
#define U NFP_UNKNOWN
#define P_SSH "tcp 10.0.0.4:40000 > 192.168.0.19:22 in eth0"
#define P_WEB "tcp 10.0.0.4:40000 > 192.168.0.19:80 in eth0 out eth1"
#define P_UDP "udp 10.0.0.4:5353 > 224.0.0.251:5353 in eth0"
#define P_V6 "tcp [fd00::1]:1234 > [fd00::2]:443 in wlan0 flags SA"
#define P_PING "icmp 10.0.0.5 > 10.0.0.1 in eth0"
#define P_PING6 "icmpv6 fd00::1 > fd00::2 in eth0 type 135"

static const struct {
	int nft;          /* 0: iptables-save rule (after "-A INPUT "), 1: nft rule */
	const char *rule;
	const char *pkt;
	enum nfp_tri want;
	const char *why;  /* UNKNOWN: the condition named, as a prefix */
} rows[] = {
	/* iptables */
	{ 0, "-p tcp -m tcp --dport 22 -j ACCEPT", P_SSH, Y, NULL },
	{ 0, "-p tcp -m tcp --dport 23 -j ACCEPT", P_SSH, N, NULL },
	{ 0, "-p udp -m udp --dport 22 -j ACCEPT", P_SSH, N, NULL },
	{ 0, "-p tcp -m tcp --dport 20:30 -j ACCEPT", P_SSH, Y, NULL },
	{ 0, "-p tcp -m tcp ! --dport 20:30 -j ACCEPT", P_SSH, N, NULL },
	{ 0, "-p tcp -m tcp --sport 1024: -j ACCEPT", P_SSH, Y, NULL },
	{ 0, "-p tcp -m multiport --dports 80,443,20:25 -j ACCEPT", P_SSH, Y, NULL },
	{ 0, "-p tcp -m multiport --dports 80,443 -j ACCEPT", P_SSH, N, NULL },
	{ 0, "-s 10.0.0.0/8 -j ACCEPT", P_SSH, Y, NULL },
	{ 0, "! -s 10.0.0.0/8 -j ACCEPT", P_SSH, N, NULL },
	{ 0, "-s 10.0.0.0/255.255.255.0 -j ACCEPT", P_SSH, Y, NULL },
	{ 0, "-s 192.168.0.0/16,10.0.0.4/32 -j ACCEPT", P_SSH, Y, NULL },
	{ 0, "-d 192.168.0.19/32 -j ACCEPT", P_SSH, Y, NULL },
	{ 0, "-s gateway.example -j ACCEPT", P_SSH, U, "-s" },
	{ 0, "-i eth+ -j ACCEPT", P_SSH, Y, NULL },
	{ 0, "-i wlan+ -j ACCEPT", P_SSH, N, NULL },
	{ 0, "! -i lo -j ACCEPT", P_SSH, Y, NULL },
	{ 0, "-o eth1 -j ACCEPT", P_WEB, Y, NULL },
	{ 0, "-o eth1 -j ACCEPT", P_SSH, N, NULL },
	{ 0, "-p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -j ACCEPT", P_SSH, Y, NULL },
	{ 0, "-p tcp -m tcp --syn -j ACCEPT", P_SSH, Y, NULL },
	{ 0, "-p tcp -m tcp ! --tcp-flags FIN,SYN,RST,ACK SYN -m conntrack --ctstate NEW -j DROP", P_SSH, N, NULL },
	{ 0, "-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT", P_SSH, N, NULL },
	{ 0, "-m conntrack --ctstate NEW -j ACCEPT", P_SSH, Y, NULL },
	/* SNAT/DNAT: conntrack's NAT status, known for a what-if packet of a new flow (no NAT yet) */
	{ 0, "-m conntrack --ctstate DNAT -j ACCEPT", P_SSH, N, NULL },
	{ 0, "-m conntrack ! --ctstate DNAT -j ACCEPT", P_SSH, Y, NULL },
	{ 0, "-m conntrack --ctstate NEW,DNAT -j ACCEPT", P_SSH, Y, NULL },
	{ 0, "-m conntrack --ctstate ESTABLISHED,SNAT -j ACCEPT", P_SSH, N, NULL },
	{ 0, "-m conntrack --ctstate DNAT -j ACCEPT", P_V6, U, "-m conntrack" }, /* established: its NAT not known */
	/* the reverse-path filter: a what-if packet passes it (said in the output) */
	{ 0, "-m rpfilter --invert -j DROP", P_SSH, N, NULL },
	{ 0, "-m rpfilter --loose -j ACCEPT", P_SSH, Y, NULL },
	{ 0, "-m state --state INVALID -j DROP", P_SSH, N, NULL },
	{ 0, "-m conntrack --ctstate INVALID -m limit --limit 3/min -j RETURN", P_SSH, N, NULL },
	{ 0, "-m conntrack --ctstate NEW -m limit --limit 3/min --limit-burst 10 -j LOG", P_SSH, U, "-m limit" },
	{ 0, "-m conntrack --ctstate NEW -m recent --update --seconds 30 --hitcount 6 --name DEFAULT --mask 255.255.255.255 --rsource -j DROP", P_SSH, U, "-m recent" },
	{ 0, "-m set --match-set blocked src -j DROP", P_SSH, U, "-m set" },
	{ 0, "-m connmark --mark 0x1 -j ACCEPT", P_SSH, U, "-m connmark" },
	{ 0, "-m mark --mark 0x1/0xff -j ACCEPT", P_SSH, N, NULL },
	{ 0, "-m mark --mark 0x0/0xff -j ACCEPT", P_SSH, Y, NULL },
	{ 0, "-p icmp -m icmp --icmp-type 8 -j ACCEPT", P_PING, Y, NULL },
	{ 0, "-p icmp -m icmp --icmp-type 3/4 -j ACCEPT", P_PING, N, NULL },
	{ 0, "-p icmp -m icmp --icmp-type echo-request -j ACCEPT", P_PING, Y, NULL },
	{ 0, "-p ipv6-icmp -m icmp6 --icmpv6-type 135 -j ACCEPT", P_PING6, Y, NULL },
	{ 0, "-m comment --comment \"allow -p udp\" -j ACCEPT", P_SSH, Y, NULL },
	{ 0, "-m addrtype --dst-type MULTICAST -j DROP", P_UDP, Y, NULL },
	{ 0, "-m addrtype --dst-type MULTICAST -j DROP", P_SSH, N, NULL },
	{ 0, "-m addrtype --dst-type LOCAL -j RETURN", P_SSH, U, "-m addrtype" },
	{ 0, "-m physdev --physdev-is-bridged -j ACCEPT", P_SSH, N, NULL },
	{ 0, "-m iprange --src-range 10.0.0.1-10.0.0.9 -j ACCEPT", P_SSH, Y, NULL },
	{ 0, "-m length --length 0:100 -j ACCEPT", P_SSH, U, "-m length" },
	{ 0, "-m ttl --ttl-gt 10 -j ACCEPT", P_SSH, U, "-m ttl" },
	{ 0, "-m pkttype --pkt-type broadcast -j DROP", P_SSH, U, "-m pkttype" },
	{ 0, "-m owner --uid-owner 1000 -j ACCEPT", P_SSH, U, "-m owner" },
	{ 0, "-p tcp -m tcp --dport 23 -m limit --limit 1/s -j ACCEPT", P_SSH, N, NULL }, /* a no decides before the unknown */
	{ 0, "-j ACCEPT", P_SSH, Y, NULL },
	/* nft */
	{ 1, "tcp dport 22 accept", P_SSH, Y, NULL },
	{ 1, "tcp dport != 22 accept", P_SSH, N, NULL },
	{ 1, "tcp dport { 22, 80, 8000-8100 } accept", P_WEB, Y, NULL },
	{ 1, "tcp dport { 23, 8000-8100 } accept", P_WEB, N, NULL },
	{ 1, "udp dport 22 accept", P_SSH, N, NULL },
	{ 1, "th dport 22 accept", P_SSH, Y, NULL },
	{ 1, "meta l4proto { tcp, udp } th dport 22 accept", P_SSH, Y, NULL },
	{ 1, "ip saddr 10.0.0.0/8 ip daddr 192.168.0.19 accept", P_SSH, Y, NULL },
	{ 1, "ip saddr != 10.0.0.0/8 accept", P_SSH, N, NULL },
	{ 1, "ip saddr 10.0.0.1-10.0.0.9 accept", P_SSH, Y, NULL },
	{ 1, "ip saddr @blocked drop", P_SSH, Y, NULL },
	{ 1, "ip saddr @blocked drop", P_PING, N, NULL },
	{ 1, "ip saddr @nosuch drop", P_SSH, U, "ip saddr" },
	{ 1, "ip6 saddr fd00::/64 accept", P_V6, Y, NULL },
	{ 1, "ip saddr 10.0.0.0/8 accept", P_V6, N, NULL },
	{ 1, "iifname \"eth0\" accept", P_SSH, Y, NULL },
	{ 1, "iifname \"eth*\" accept", P_SSH, Y, NULL },
	{ 1, "iifname { \"lo\", \"wlan0\" } accept", P_SSH, N, NULL },
	{ 1, "iif \"lo\" accept", P_SSH, N, NULL },
	{ 1, "oifname \"eth1\" accept", P_WEB, Y, NULL },
	{ 1, "ct state established,related accept", P_SSH, N, NULL },
	{ 1, "ct state { established, related } accept", P_V6, Y, NULL },
	{ 1, "ct state new accept", P_SSH, Y, NULL },
	{ 1, "ct status dnat accept", P_SSH, N, NULL },
	{ 1, "tcp dport 22 meta mark set meta mark | 0x00004000 accept", P_SSH, Y, NULL }, /* a statement, not a match */
	{ 1, "tcp dport 22 ct mark set mark or 0x1 counter accept", P_SSH, Y, NULL },
	{ 1, "ct status snat,dnat accept", P_SSH, N, NULL },
	{ 1, "ct status dnat accept", P_V6, U, "ct status" },
	{ 1, "meta nfproto ipv6 fib saddr . mark . iif oif missing drop", P_V6, N, NULL },
	{ 1, "fib saddr . iif oif missing drop", P_SSH, N, NULL },
	{ 1, "fib daddr type local accept", P_SSH, U, "fib" },
	{ 1, "ct state invalid drop", P_SSH, N, NULL },
	{ 1, "tcp flags syn accept", P_V6, Y, NULL },
	{ 1, "tcp flags == syn accept", P_V6, N, NULL },
	{ 1, "tcp flags & (fin|syn|rst|ack) == syn accept", P_SSH, Y, NULL },
	{ 1, "tcp flags & (fin|syn|rst|ack) != syn ct state new drop", P_SSH, N, NULL },
	{ 1, "tcp flags syn / fin,syn,rst,ack accept", P_V6, N, NULL },
	{ 1, "icmp type echo-request accept", P_PING, Y, NULL },
	{ 1, "icmp type { echo-reply, destination-unreachable } accept", P_PING, N, NULL },
	{ 1, "icmpv6 type { nd-neighbor-solicit, nd-router-advert } accept", P_PING6, Y, NULL },
	{ 1, "icmp type echo-request accept", P_PING6, N, NULL },
	{ 1, "meta nfproto ipv6 accept", P_V6, Y, NULL },
	{ 1, "meta mark 0x00000001 accept", P_SSH, N, NULL },
	{ 1, "meta mark & 0x0000ff00 == 0x00000000 accept", P_SSH, Y, NULL },
	{ 1, "meta pkttype broadcast drop", P_SSH, U, "meta pkttype" },
	{ 1, "fib daddr type local accept", P_SSH, U, "fib" },
	{ 1, "limit rate 5/second accept", P_SSH, U, "limit" },
	{ 1, "tcp dport 23 limit rate 5/second accept", P_SSH, N, NULL },
	{ 1, "counter packets 10 bytes 600 tcp dport 22 log prefix \"ssh \" level info accept", P_SSH, Y, NULL },
	{ 1, "tcp dport 22 ct state new counter packets 0 bytes 0 jump ssh comment \"to the ssh chain\"", P_SSH, Y, NULL },
	{ 1, "tcp dport vmap { 22 : accept, 23 : drop }", P_SSH, Y, NULL },
	{ 1, "ip protocol tcp tcp dport 22 meta mark set 0x1 accept", P_SSH, Y, NULL },
	{ 1, "ip protocol udp accept", P_SSH, N, NULL },
	{ 1, "ether saddr 00:11:22:33:44:55 accept", P_SSH, U, "ether saddr" },
	{ 1, "socket transparent 1 accept", P_SSH, U, "socket" },
};

START_TEST(test_match_rows)
{
	char text[1024], err[256];
	struct nfp_pview pv;
	struct nfp_rs_str why;
	struct nfp_ruleset *rs;
	if (rows[_i].nft)
		snprintf(text, sizeof(text),
			 "table inet t {\n\tset blocked {\n\t\ttype ipv4_addr\n\t\telements = { 10.0.0.3,\n\t\t\t10.0.0.4 }\n\t}\n"
			 "\tchain c {\n\t\ttype filter hook input priority filter; policy accept;\n\t\t%s\n\t}\n"
			 "\tchain ssh {\n\t}\n}\n", rows[_i].rule);
	else
		snprintf(text, sizeof(text), "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT %s\nCOMMIT\n", rows[_i].rule);
	rs = nfp_ruleset_parse(text, strlen(text), rows[_i].nft ? NFP_RS_NFT : NFP_RS_IPTABLES, "t", err, sizeof(err));
	ck_assert_msg(rs != NULL, "row %d: %s", _i, err);
	ck_assert_int_eq(nfp_pview_parse(rows[_i].pkt, &pv, err, sizeof(err)), 0);
	pv.hook = NFP_HOOK_IN;
	enum nfp_tri t = nfp_rule_match(rs, &rs->rules[0], &pv, 0, &why);
	ck_assert_msg(t == rows[_i].want, "row %d (%s): got %d want %d (why '%.*s')", _i, rows[_i].rule, t, rows[_i].want,
		      (int)why.len, why.p ? why.p : "");
	if (t == NFP_UNKNOWN)
		ck_assert_msg(why.len >= strlen(rows[_i].why) && memcmp(why.p, rows[_i].why, strlen(rows[_i].why)) == 0,
			      "row %d: why '%.*s' want '%s'", _i, (int)why.len, why.p, rows[_i].why);
	nfp_ruleset_free(rs);
}
END_TEST

static const struct {
	const char *spec, *err;
} bad_packets[] = {
	{ "", "expected 'PROTO SRC > DST'" },
	{ "smtp 1.2.3.4 > 1.2.3.5 in eth0", "expected a protocol" },
	{ "tcp 1.2.3.4:80 1.2.3.5:80 in eth0", "expected '>'" },
	{ "tcp 1.2.3.4 > fd00::1 in eth0", "not an address" },
	{ "tcp 1.2.3.4 > 1.2.3.5", "say where the packet is" },
	{ "tcp 1.2.3.4 > 1.2.3.5 in", "a value is missing" },
	{ "tcp 1.2.3.4 > 1.2.3.5 in eth0 ct maybe", "ct is one of" },
	{ "tcp 1.2.3.4 > 1.2.3.5 in eth0 flags SYN,ACK", "flags are letters" },
	{ "tcp 1.2.3.4 > 1.2.3.5 in averyveryverylongname", "longer than 15" },
	{ "tcp 1.2.3.4 > 1.2.3.5 in eth0 color red", "unknown word" },
};

START_TEST(test_bad_packets)
{
	char err[256];
	struct nfp_pview pv;
	ck_assert_int_eq(nfp_pview_parse(bad_packets[_i].spec, &pv, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, bad_packets[_i].err) != NULL, "'%s': '%s'", bad_packets[_i].spec, err);
}
END_TEST

/* a static walk through raw, nat and filter with a jump, a return and a policy */
static const char walk_rules[] =
	"*raw\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp -j CT --notrack\nCOMMIT\n"
	"*nat\n:PREROUTING ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n"
	"-A PREROUTING -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.1.0.2:80\n"
	"-A POSTROUTING -o eth1 -j MASQUERADE\nCOMMIT\n"
	"*filter\n:FORWARD DROP [0:0]\n:chk - [0:0]\n"
	"-A FORWARD -j chk\n-A FORWARD -p tcp -m tcp --dport 80 -j ACCEPT\n"
	"-A chk -p tcp -m tcp --dport 81 -j DROP\n-A chk -m limit --limit 1/s -j RETURN\nCOMMIT\n";

START_TEST(test_static_walk)
{
	char err[256];
	struct nfp_ruleset *rs = nfp_ruleset_parse(walk_rules, strlen(walk_rules), NFP_RS_IPTABLES, "w", err, sizeof(err));
	struct nfp_pview pv;
	static struct nfp_swalk w;
	ck_assert_ptr_nonnull(rs);
	ck_assert_int_eq(nfp_pview_parse("tcp 10.0.0.4:4000 > 10.1.0.2:80 in eth0 out eth1", &pv, err, sizeof(err)), 0);
	nfp_swalk(rs, &pv, &w);
	/* raw CT (continue), raw policy, nat PREROUTING policy, filter chk limit RETURN (assumed),
	 * FORWARD rule 2 ACCEPT, nat POSTROUTING MASQUERADE */
	ck_assert_int_eq(w.verdict, NFP_V_ACCEPT);
	ck_assert_uint_eq(w.assumed, 1);
	ck_assert_int_ge(w.decider, 0);
	ck_assert_ptr_nonnull(w.step[w.decider].rule);
	ck_assert_uint_eq(w.step[w.decider].rule->number, 2); /* FORWARD's ACCEPT, not the nat rule */
	ck_assert(w.step[w.decider].rule->text.p[3] == 'F');
	ck_assert_int_eq(nfp_pview_parse("tcp 10.0.0.4:4000 > 10.1.0.2:81 in eth0 out eth1", &pv, err, sizeof(err)), 0);
	nfp_swalk(rs, &pv, &w);
	ck_assert_int_eq(w.verdict, NFP_V_DROP);
	ck_assert_uint_eq(w.step[w.decider].rule->number, 1);
	ck_assert_int_eq(nfp_pview_parse("udp 10.0.0.4:4000 > 10.1.0.2:53 in eth0 out eth1", &pv, err, sizeof(err)), 0);
	nfp_swalk(rs, &pv, &w);
	ck_assert_int_eq(w.verdict, NFP_V_DROP); /* the FORWARD policy */
	ck_assert_ptr_null(w.step[w.decider].rule);
	nfp_ruleset_free(rs);
}
END_TEST

/* marks set on the way (kube-proxy's 0x4000) are what later rules see; a connection's mark is not
 * the packet's */
static const char mark_rules_ipt[] =
	"*nat\n:PREROUTING ACCEPT [0:0]\n:MASQ - [0:0]\n"
	"-A PREROUTING -p tcp -m tcp --dport 80 -j MASQ\n-A MASQ -j MARK --set-xmark 0x4000/0x4000\nCOMMIT\n"
	"*filter\n:FORWARD DROP [0:0]\n"
	"-A FORWARD -m mark --mark 0x4000/0x4000 -j ACCEPT\nCOMMIT\n";
static const char mark_rules_nft[] = /* as nft list ruleset prints it */
	"table inet t {\n"
	"\tchain pre {\n\t\ttype filter hook prerouting priority filter; policy accept;\n"
	"\t\tct mark set 0x00000001\n"
	"\t\ttcp dport 80 meta mark set meta mark | 0x00004000\n"
	"\t}\n\n"
	"\tchain fwd {\n\t\ttype filter hook forward priority filter; policy drop;\n"
	"\t\tmeta mark 0x00000001 drop\n"
	"\t\tmeta mark & 0x00004000 == 0x00004000 accept\n"
	"\t}\n"
	"}\n";

START_TEST(test_static_walk_marks)
{
	char err[256];
	struct nfp_pview pv;
	static struct nfp_swalk w;
	struct nfp_ruleset *rs = nfp_ruleset_parse(mark_rules_ipt, strlen(mark_rules_ipt), NFP_RS_IPTABLES, "m", err, sizeof(err));
	ck_assert_ptr_nonnull(rs);
	ck_assert_int_eq(nfp_pview_parse("tcp 10.0.0.4:4000 > 10.1.0.2:80 in eth0 out eth1", &pv, err, sizeof(err)), 0);
	nfp_swalk(rs, &pv, &w);
	ck_assert_int_eq(w.verdict, NFP_V_ACCEPT);
	ck_assert_uint_eq(w.assumed, 0);
	ck_assert_int_eq(nfp_pview_parse("tcp 10.0.0.4:4000 > 10.1.0.2:81 in eth0 out eth1", &pv, err, sizeof(err)), 0);
	nfp_swalk(rs, &pv, &w);
	ck_assert_int_eq(w.verdict, NFP_V_DROP); /* no mark: the policy */
	nfp_ruleset_free(rs);
	rs = nfp_ruleset_parse(mark_rules_nft, strlen(mark_rules_nft), NFP_RS_NFT, "m", err, sizeof(err));
	ck_assert_ptr_nonnull(rs);
	ck_assert_int_eq(nfp_pview_parse("tcp 10.0.0.4:4000 > 10.1.0.2:80 in eth0 out eth1", &pv, err, sizeof(err)), 0);
	nfp_swalk(rs, &pv, &w);
	ck_assert_int_eq(w.verdict, NFP_V_ACCEPT); /* the ct mark left the packet's alone */
	ck_assert_uint_eq(w.assumed, 0);
	nfp_ruleset_free(rs);
}
END_TEST

/* an iptables-nft host: iptables-nft-save prints filter INPUT, the kernel (nft) has no such chain */
static const char nftsave_ipt[] =
	"# Generated by iptables-nft-save v1.8.9 (nf_tables) on Sat Dec  5 02:35:03 2026\n"
	"*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n"
	"*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n"
	"-A FORWARD -p tcp -m tcp --dport 80 -j ACCEPT\nCOMMIT\n";
static const char nftsave_nft[] =
	"table ip raw {\n\tchain PREROUTING {\n\t\ttype filter hook prerouting priority raw; policy accept;\n\t}\n}\n"
	"table ip filter {\n\tchain FORWARD {\n\t\ttype filter hook forward priority filter; policy drop;\n"
	"\t\ttcp dport 80 counter packets 0 bytes 0 accept\n\t}\n}\n";

START_TEST(test_absent_builtins)
{
	char err[256];
	struct nfp_pview pv;
	static struct nfp_swalk w;
	struct nfp_ruleset *ipt = nfp_ruleset_parse(nftsave_ipt, strlen(nftsave_ipt), NFP_RS_IPTABLES, "v4", err, sizeof(err));
	struct nfp_ruleset *nft = nfp_ruleset_parse(nftsave_nft, strlen(nftsave_nft), NFP_RS_NFT, "nft", err, sizeof(err));
	ck_assert_ptr_nonnull(ipt);
	ck_assert_ptr_nonnull(nft);
	ck_assert_uint_eq(nfp_rs_absent_builtins(ipt, nft, 2), 3); /* raw OUTPUT, filter INPUT and OUTPUT */
	ck_assert_uint_eq(nfp_rs_absent_builtins(ipt, nft, 2), 0); /* once */
	ck_assert_int_eq(nfp_pview_parse("tcp 10.0.0.4:4000 > 10.0.0.1:22 in eth0", &pv, err, sizeof(err)), 0);
	nfp_swalk(ipt, &pv, &w);
	ck_assert_int_eq(w.verdict, NFP_V_ACCEPT);
	ck_assert_int_ge(w.decider, 0);
	ck_assert(w.step[w.decider].chain->name.p[0] == 'P'); /* raw PREROUTING's policy: no filter INPUT */
	nfp_ruleset_free(ipt);
	/* a legacy snapshot is left as it is */
	ipt = nfp_ruleset_parse(nftsave_ipt + 80, strlen(nftsave_ipt) - 80, NFP_RS_IPTABLES, "v4", err, sizeof(err));
	ck_assert_ptr_nonnull(ipt);
	ck_assert_uint_eq(nfp_rs_absent_builtins(ipt, nft, 2), 0);
	nfp_ruleset_free(ipt);
	nfp_ruleset_free(nft);
}
END_TEST

Suite *match_suite(void)
{
	Suite *s = suite_create("match");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, test_match_rows, 0, sizeof(rows) / sizeof(rows[0]));
	tcase_add_loop_test(tc, test_bad_packets, 0, sizeof(bad_packets) / sizeof(bad_packets[0]));
	tcase_add_test(tc, test_static_walk);
	tcase_add_test(tc, test_static_walk_marks);
	tcase_add_test(tc, test_absent_builtins);
	suite_add_tcase(s, tc);
	return s;
}
