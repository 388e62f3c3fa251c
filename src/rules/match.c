/* The rule matcher: three-valued evaluation of iptables-save matches and nft expressions
 * against a packet view (src/rules/nfp_match.h). Every match kind is a row of a table with
 * the packet field it needs; a kind this file does not know, or a field the view lacks,
 * gives "unknown" and names itself.
 */
#include <string.h>
#include "rules/nfp_match.h"
#include "parse/parse_int.h"

/* ---- three-valued logic ---- */
static enum nfp_tri tri_not(enum nfp_tri t)
{
	return t == NFP_UNKNOWN ? NFP_UNKNOWN : t == NFP_YES ? NFP_NO : NFP_YES;
}

/* a conjunction being evaluated: the result so far and the first undecided condition */
struct conj {
	enum nfp_tri t;
	struct nfp_rs_str why;
};

static void conj_add(struct conj *c, enum nfp_tri t, const char *p, size_t n)
{
	if (t == NFP_NO)
		c->t = NFP_NO;
	else if (t == NFP_UNKNOWN && c->t == NFP_YES) {
		c->t = NFP_UNKNOWN;
		c->why.p = p;
		c->why.len = (uint32_t)n;
	}
}

/* ---- tokens: words, "quoted strings", and braces/commas as their own tokens in sets ---- */
static size_t ws(const char *s, size_t i, size_t n)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

static size_t word_end(const char *s, size_t i, size_t n)
{
	if (i < n && s[i] == '"') {
		for (i++; i < n; i++) {
			if (s[i] == '\\' && i + 1 < n)
				i++;
			else if (s[i] == '"')
				return i + 1;
		}
		return n;
	}
	while (i < n && s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
		i++;
	return i;
}

static int is(const char *s, size_t n, const char *w)
{
	return nfp_word_is(s, n, w);
}

static int unquote(const char **s, size_t *n)
{
	if (*n >= 2 && (*s)[0] == '"' && (*s)[*n - 1] == '"') {
		(*s)++;
		*n -= 2;
		return 1;
	}
	return 0;
}

/* ---- names of values ---- */
struct name_num {
	const char *name;
	uint16_t num;
};
static const struct name_num proto_names[] = {
	{ "tcp", 6 }, { "udp", 17 }, { "icmp", 1 }, { "ipv6-icmp", 58 }, { "icmpv6", 58 }, { "udplite", 136 },
	{ "esp", 50 }, { "ah", 51 }, { "sctp", 132 }, { "gre", 47 }, { "igmp", 2 }, { "dccp", 33 }, { "ipip", 4 },
	{ "ospf", 89 }, { "vrrp", 112 }, { "pim", 103 }, { "ipv6", 41 }, { "ipencap", 4 },
};
static const struct name_num icmp4_names[] = {
	{ "echo-reply", 0 }, { "destination-unreachable", 3 }, { "source-quench", 4 }, { "redirect", 5 },
	{ "echo-request", 8 }, { "router-advertisement", 9 }, { "router-solicitation", 10 }, { "time-exceeded", 11 },
	{ "parameter-problem", 12 }, { "timestamp-request", 13 }, { "timestamp-reply", 14 }, { "info-request", 15 },
	{ "info-reply", 16 }, { "address-mask-request", 17 }, { "address-mask-reply", 18 },
	{ "ping", 8 }, { "pong", 0 },
};
static const struct name_num icmp6_names[] = {
	{ "destination-unreachable", 1 }, { "packet-too-big", 2 }, { "time-exceeded", 3 }, { "parameter-problem", 4 },
	{ "echo-request", 128 }, { "echo-reply", 129 }, { "mld-listener-query", 130 }, { "mld-listener-report", 131 },
	{ "mld-listener-done", 132 }, { "mld-listener-reduction", 132 }, { "nd-router-solicit", 133 },
	{ "nd-router-advert", 134 }, { "nd-neighbor-solicit", 135 }, { "nd-neighbor-advert", 136 }, { "nd-redirect", 137 },
	{ "router-renumbering", 138 }, { "ind-neighbor-solicit", 141 }, { "ind-neighbor-advert", 142 },
	{ "mld2-listener-report", 143 }, { "router-solicitation", 133 }, { "router-advertisement", 134 },
	{ "neighbour-solicitation", 135 }, { "neighbour-advertisement", 136 }, { "neighbor-solicitation", 135 },
	{ "neighbor-advertisement", 136 }, { "ping", 128 }, { "pong", 129 },
};
#define CT_NAT_SHIFT 8 /* iptables' virtual states SNAT/DNAT: conntrack's NAT status bits, shifted */
static const struct name_num ct_names[] = {
	{ "new", NFP_CT_NEW }, { "established", NFP_CT_ESTABLISHED }, { "related", NFP_CT_RELATED },
	{ "invalid", NFP_CT_INVALID }, { "untracked", NFP_CT_UNTRACKED },
	{ "snat", (long)NFP_CTS_SNAT << CT_NAT_SHIFT }, { "dnat", (long)NFP_CTS_DNAT << CT_NAT_SHIFT },
};
static const struct name_num ctstatus_names[] = {
	{ "expected", NFP_CTS_EXPECTED }, { "seen-reply", NFP_CTS_SEEN_REPLY }, { "assured", NFP_CTS_ASSURED },
	{ "confirmed", NFP_CTS_CONFIRMED }, { "snat", NFP_CTS_SNAT }, { "dnat", NFP_CTS_DNAT }, { "dying", NFP_CTS_DYING },
};
static const struct name_num flag_names[] = {
	{ "fin", NFP_TCP_FIN }, { "syn", NFP_TCP_SYN }, { "rst", NFP_TCP_RST }, { "psh", NFP_TCP_PSH },
	{ "ack", NFP_TCP_ACK }, { "urg", NFP_TCP_URG }, { "ecn", NFP_TCP_ECE }, { "ece", NFP_TCP_ECE },
	{ "cwr", NFP_TCP_CWR }, { "all", 0xff }, { "none", 0 },
};
static const struct name_num nfproto_names[] = { { "ipv4", 4 }, { "ipv6", 6 } };
/* pkttype: what the view's link layer tells */
enum { PKT_HOST = 0, PKT_BROADCAST = 1, PKT_MULTICAST = 2, PKT_OTHER = 3 };
static const struct name_num pkttype_names[] = { { "host", PKT_HOST }, { "unicast", PKT_HOST },
	{ "broadcast", PKT_BROADCAST }, { "multicast", PKT_MULTICAST }, { "other", PKT_OTHER } };

#define NN(a) a, sizeof(a) / sizeof(a[0])

/* a number (decimal or 0x hex) or one of the names, case-insensitive; -1 if neither */
static long name_or_num(const char *s, size_t n, const struct name_num *t, size_t nt)
{
	uint64_t v;
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && nfp_hex(s + 2, n - 2, UINT32_MAX, &v) == n - 2)
		return (long)v;
	if (n > 0 && nfp_dec(s, n, UINT32_MAX, &v) == n)
		return (long)v;
	for (size_t i = 0; t != NULL && i < nt; i++)
		if (nfp_ieq(s, n, t[i].name, strlen(t[i].name)))
			return t[i].num;
	return -1;
}

/* "a,b,c" of names or numbers OR-ed together (ct states, TCP flags); -1 if one is neither */
static long name_bits(const char *s, size_t n, const struct name_num *t, size_t nt)
{
	long bits = 0;
	size_t i = 0;
	while (i < n) {
		size_t e = i;
		while (e < n && s[e] != ',' && s[e] != '|')
			e++;
		long v = name_or_num(s + i, e - i, t, nt);
		if (v < 0)
			return -1;
		bits |= v;
		i = e + 1;
	}
	return bits;
}

/* ---- addresses ---- */
static int prefix_eq(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;
	if (memcmp(a, b, full) != 0)
		return 0;
	return rest == 0 || ((a[full] ^ b[full]) & (uint8_t)(0xff00u >> rest)) == 0;
}

/* an address, "addr/len", "addr/dotted-mask" or "a-b" against addr of the family; UNKNOWN
 * when the text is none of these (a host name) */
static enum nfp_tri addr_in(const char *s, size_t n, int fam, const uint8_t *addr)
{
	uint8_t a[16] = { 0 }, b[16] = { 0 };
	size_t alen = fam == 4 ? 4 : 16, cut = 0;
	unquote(&s, &n);
	while (cut < n && s[cut] != '/' && s[cut] != '-')
		cut++;
	if ((fam == 4 ? nfp_ipv4(s, cut, a) : nfp_ipv6(s, cut, a)) != cut || cut == 0)
		return NFP_UNKNOWN;
	if (cut == n)
		return memcmp(a, addr, alen) == 0 ? NFP_YES : NFP_NO;
	if (s[cut] == '-') {
		size_t bl = n - cut - 1;
		if ((fam == 4 ? nfp_ipv4(s + cut + 1, bl, b) : nfp_ipv6(s + cut + 1, bl, b)) != bl || bl == 0)
			return NFP_UNKNOWN;
		return memcmp(addr, a, alen) >= 0 && memcmp(addr, b, alen) <= 0 ? NFP_YES : NFP_NO;
	}
	uint64_t bits;
	size_t ml = n - cut - 1;
	if (ml > 0 && nfp_dec(s + cut + 1, ml, alen * 8, &bits) == ml)
		return prefix_eq(addr, a, (unsigned)bits) ? NFP_YES : NFP_NO;
	if (fam == 4 && nfp_ipv4(s + cut + 1, ml, b) == ml && ml > 0) { /* dotted mask */
		for (int k = 0; k < 4; k++)
			if ((addr[k] & b[k]) != (a[k] & b[k]))
				return NFP_NO;
		return NFP_YES;
	}
	return NFP_UNKNOWN;
}

/* ---- interfaces: iptables "eth+", nft "eth*" ---- */
static enum nfp_tri iface_is(const char *pat, size_t pn, const char *name)
{
	size_t nn = strlen(name);
	unquote(&pat, &pn);
	if (pn > 0 && (pat[pn - 1] == '+' || pat[pn - 1] == '*'))
		return nn >= pn - 1 && memcmp(name, pat, pn - 1) == 0 ? NFP_YES : NFP_NO;
	return nn == pn && memcmp(name, pat, pn) == 0 ? NFP_YES : NFP_NO;
}

/* ---- numbers: "N", "a:b", ":b", "a:" (iptables) and "a-b" (nft) ---- */
static enum nfp_tri num_in(const char *s, size_t n, uint32_t v, const struct name_num *t, size_t nt)
{
	size_t cut = 0;
	long lo = name_or_num(s, n, t, nt), hi;
	if (lo >= 0) /* a number or a name (names may hold '-': "echo-request") */
		return (uint32_t)lo == v ? NFP_YES : NFP_NO;
	while (cut < n && s[cut] != ':' && !(s[cut] == '-' && cut > 0))
		cut++;
	if (cut == n)
		return NFP_UNKNOWN;
	lo = cut == 0 ? 0 : name_or_num(s, cut, t, nt);
	hi = cut + 1 == n ? 65535 : name_or_num(s + cut + 1, n - cut - 1, t, nt);
	if (lo < 0 || hi < 0)
		return NFP_UNKNOWN;
	return v >= (uint32_t)lo && v <= (uint32_t)hi ? NFP_YES : NFP_NO;
}

/* a comma list (iptables multiport, -s a,b): any element */
static enum nfp_tri any_of(const char *s, size_t n, enum nfp_tri (*one)(const char *, size_t, const void *),
			   const void *ctx)
{
	enum nfp_tri r = NFP_NO;
	size_t i = 0;
	while (i < n) {
		size_t e = i;
		while (e < n && s[e] != ',')
			e++;
		enum nfp_tri t = one(s + i, e - i, ctx);
		if (t == NFP_YES)
			return NFP_YES;
		if (t == NFP_UNKNOWN)
			r = NFP_UNKNOWN;
		i = e + 1;
	}
	return r;
}

/* ---- the packet's values, by selector ---- */
enum sel {
	SEL_NONE = 0,
	SEL_SRC, SEL_DST,       /* address of the selector's family */
	SEL_PROTO,              /* ip protocol / ip6 nexthdr / meta l4proto */
	SEL_SPORT, SEL_DPORT,   /* tcp/udp/th/sctp ports (the selector's protocol checked too) */
	SEL_ICMPTYPE, SEL_ICMPCODE,
	SEL_TCPFLAGS,
	SEL_CT,
	SEL_CTSTATUS,           /* a bit test, as tcp flags */
	SEL_MARK,
	SEL_IIF, SEL_OIF,
	SEL_LEN, SEL_TTL,
	SEL_NFPROTO,
	SEL_PKTTYPE,
	SEL_MACSRC, SEL_MACDST,
};

/* the link layer's verdict on pkttype: from the destination MAC, else the address */
static int pkttype_of(const struct nfp_pview *pv)
{
	if (pv->known & NFP_PV_MACDST) {
		static const uint8_t bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
		if (memcmp(pv->mac_dst, bc, 6) == 0)
			return PKT_BROADCAST;
		return (pv->mac_dst[0] & 1) ? PKT_MULTICAST : PKT_HOST;
	}
	return -1;
}

/* the view's value for a numeric selector; 0 = not known */
static int value_of(const struct nfp_pview *pv, enum sel s, uint32_t *v)
{
	switch (s) {
	case SEL_PROTO: *v = pv->proto; return (pv->known & NFP_PV_PROTO) != 0;
	case SEL_SPORT: *v = pv->sport; return (pv->known & NFP_PV_PORTS) != 0;
	case SEL_DPORT: *v = pv->dport; return (pv->known & NFP_PV_PORTS) != 0;
	case SEL_ICMPTYPE: *v = pv->icmp_type; return (pv->known & NFP_PV_ICMP) != 0;
	case SEL_ICMPCODE: *v = pv->icmp_code; return (pv->known & NFP_PV_ICMP) != 0;
	case SEL_TCPFLAGS: *v = pv->tcp_flags; return (pv->known & NFP_PV_FLAGS) != 0;
	case SEL_CT: *v = pv->ct; return (pv->known & NFP_PV_CT) && !(pv->ct & (pv->ct - 1)); /* one state */
	case SEL_CTSTATUS: *v = pv->ct_status; return (pv->known & NFP_PV_CTSTATUS) != 0;
	case SEL_MARK: *v = pv->mark; return (pv->known & NFP_PV_MARK) != 0;
	case SEL_LEN: *v = pv->len; return (pv->known & NFP_PV_LEN) != 0;
	case SEL_TTL: *v = pv->ttl; return (pv->known & NFP_PV_TTL) != 0;
	case SEL_NFPROTO: *v = pv->family; return (pv->known & NFP_PV_FAMILY) != 0;
	case SEL_PKTTYPE: {
		int t = pkttype_of(pv);
		*v = (uint32_t)t;
		return t >= 0;
	}
	default: return 0;
	}
}

/* what the selector implies of the packet besides its value: "tcp dport" is a TCP packet,
 * "ip saddr" an IPv4 one, "icmpv6 type" an ICMPv6 one */
struct selector {
	enum sel sel;
	uint8_t family;   /* 4 / 6 / 0 */
	uint8_t proto;    /* required protocol, 0: none; 255: any with ports (th) */
	const struct name_num *names;
	size_t nnames;
};

static enum nfp_tri implied(const struct nfp_pview *pv, const struct selector *sl)
{
	enum nfp_tri t = NFP_YES;
	if (sl->family != 0) {
		if (!(pv->known & NFP_PV_FAMILY))
			t = NFP_UNKNOWN;
		else if (pv->family != sl->family)
			return NFP_NO;
	}
	if (sl->proto != 0) {
		if (!(pv->known & NFP_PV_PROTO))
			return NFP_UNKNOWN;
		if (sl->proto == 255 ? !(pv->proto == 6 || pv->proto == 17 || pv->proto == 132 || pv->proto == 33 ||
					 pv->proto == 136)
				     : pv->proto != sl->proto)
			return NFP_NO;
	}
	return t;
}

/* the packet's conntrack state among these states: pv->ct holds the states it can be in; the
 * virtual states SNAT/DNAT (iptables) are conntrack's NAT status bits */
static enum nfp_tri ct_in(const struct nfp_pview *pv, long states)
{
	enum nfp_tri st = NFP_NO, nat = NFP_NO;
	const uint32_t plain = (uint32_t)states & 0xffu, natbits = (uint32_t)states >> CT_NAT_SHIFT;
	if (states < 0)
		return NFP_UNKNOWN;
	if (plain != 0) {
		if (!(pv->known & NFP_PV_CT))
			st = NFP_UNKNOWN;
		else if ((pv->ct & plain) == pv->ct)
			st = NFP_YES;
		else
			st = (pv->ct & plain) == 0 ? NFP_NO : NFP_UNKNOWN;
	}
	if (natbits != 0)
		nat = !(pv->known & NFP_PV_CTSTATUS) ? NFP_UNKNOWN : (pv->ct_status & natbits) ? NFP_YES : NFP_NO;
	return st == NFP_YES || nat == NFP_YES ? NFP_YES : st == NFP_UNKNOWN || nat == NFP_UNKNOWN ? NFP_UNKNOWN : NFP_NO;
}

/* one element of a value: does the view's value for the selector equal / fall in it? */
static enum nfp_tri elem_eq(const struct nfp_pview *pv, const struct selector *sl, const char *s, size_t n)
{
	uint32_t v;
	switch (sl->sel) {
	case SEL_SRC:
	case SEL_DST: {
		uint32_t bit = sl->sel == SEL_SRC ? NFP_PV_SRC : NFP_PV_DST;
		if (!(pv->known & bit))
			return NFP_UNKNOWN;
		return addr_in(s, n, pv->family, sl->sel == SEL_SRC ? pv->src : pv->dst);
	}
	case SEL_IIF:
	case SEL_OIF: {
		uint32_t bit = sl->sel == SEL_IIF ? NFP_PV_IN : NFP_PV_OUT;
		if (!(pv->known & bit))
			return NFP_UNKNOWN;
		return iface_is(s, n, sl->sel == SEL_IIF ? pv->in : pv->out);
	}
	case SEL_MACSRC:
	case SEL_MACDST: {
		uint8_t m[6];
		uint32_t bit = sl->sel == SEL_MACSRC ? NFP_PV_MACSRC : NFP_PV_MACDST;
		if (nfp_mac(s, n, m) != n || n == 0)
			return NFP_UNKNOWN;
		if (!(pv->known & bit))
			return NFP_UNKNOWN;
		return memcmp(m, sl->sel == SEL_MACSRC ? pv->mac_src : pv->mac_dst, 6) == 0 ? NFP_YES : NFP_NO;
	}
	case SEL_CT:
		return ct_in(pv, name_bits(s, n, sl->names, sl->nnames));
	case SEL_TCPFLAGS: {
		long bits = name_bits(s, n, sl->names, sl->nnames);
		if (bits < 0 || !value_of(pv, sl->sel, &v))
			return NFP_UNKNOWN;
		/* flags: exactly these */
		return v == (uint32_t)bits ? NFP_YES : NFP_NO;
	}
	default:
		if (!value_of(pv, sl->sel, &v))
			return NFP_UNKNOWN;
		return num_in(s, n, v, sl->names, sl->nnames);
	}
}

/* ---- nft ---- */
static const struct nft_sel {
	const char *a, *b; /* b NULL: a one-word selector */
	struct selector s;
} nft_sels[] = {
	{ "ip", "saddr", { SEL_SRC, 4, 0, NULL, 0 } },
	{ "ip", "daddr", { SEL_DST, 4, 0, NULL, 0 } },
	{ "ip", "protocol", { SEL_PROTO, 4, 0, NN(proto_names) } },
	{ "ip", "length", { SEL_LEN, 4, 0, NULL, 0 } },
	{ "ip", "ttl", { SEL_TTL, 4, 0, NULL, 0 } },
	{ "ip6", "saddr", { SEL_SRC, 6, 0, NULL, 0 } },
	{ "ip6", "daddr", { SEL_DST, 6, 0, NULL, 0 } },
	{ "ip6", "nexthdr", { SEL_PROTO, 6, 0, NN(proto_names) } },
	{ "ip6", "hoplimit", { SEL_TTL, 6, 0, NULL, 0 } },
	{ "tcp", "sport", { SEL_SPORT, 0, 6, NULL, 0 } },
	{ "tcp", "dport", { SEL_DPORT, 0, 6, NULL, 0 } },
	{ "tcp", "flags", { SEL_TCPFLAGS, 0, 6, NN(flag_names) } },
	{ "udp", "sport", { SEL_SPORT, 0, 17, NULL, 0 } },
	{ "udp", "dport", { SEL_DPORT, 0, 17, NULL, 0 } },
	{ "udplite", "sport", { SEL_SPORT, 0, 136, NULL, 0 } },
	{ "udplite", "dport", { SEL_DPORT, 0, 136, NULL, 0 } },
	{ "sctp", "sport", { SEL_SPORT, 0, 132, NULL, 0 } },
	{ "sctp", "dport", { SEL_DPORT, 0, 132, NULL, 0 } },
	{ "dccp", "sport", { SEL_SPORT, 0, 33, NULL, 0 } },
	{ "dccp", "dport", { SEL_DPORT, 0, 33, NULL, 0 } },
	{ "th", "sport", { SEL_SPORT, 0, 255, NULL, 0 } },
	{ "th", "dport", { SEL_DPORT, 0, 255, NULL, 0 } },
	{ "icmp", "type", { SEL_ICMPTYPE, 4, 1, NN(icmp4_names) } },
	{ "icmp", "code", { SEL_ICMPCODE, 4, 1, NULL, 0 } },
	{ "icmpv6", "type", { SEL_ICMPTYPE, 6, 58, NN(icmp6_names) } },
	{ "icmpv6", "code", { SEL_ICMPCODE, 6, 58, NULL, 0 } },
	{ "meta", "l4proto", { SEL_PROTO, 0, 0, NN(proto_names) } },
	{ "meta", "nfproto", { SEL_NFPROTO, 0, 0, NN(nfproto_names) } },
	{ "meta", "mark", { SEL_MARK, 0, 0, NULL, 0 } },
	{ "meta", "iifname", { SEL_IIF, 0, 0, NULL, 0 } },
	{ "meta", "oifname", { SEL_OIF, 0, 0, NULL, 0 } },
	{ "meta", "iif", { SEL_IIF, 0, 0, NULL, 0 } },
	{ "meta", "oif", { SEL_OIF, 0, 0, NULL, 0 } },
	{ "meta", "pkttype", { SEL_PKTTYPE, 0, 0, NN(pkttype_names) } },
	{ "meta", "length", { SEL_LEN, 0, 0, NULL, 0 } },
	{ "ct", "state", { SEL_CT, 0, 0, NN(ct_names) } },
	{ "ct", "status", { SEL_CTSTATUS, 0, 0, NN(ctstatus_names) } },
	{ "ether", "saddr", { SEL_MACSRC, 0, 0, NULL, 0 } },
	{ "ether", "daddr", { SEL_MACDST, 0, 0, NULL, 0 } },
	{ "iifname", NULL, { SEL_IIF, 0, 0, NULL, 0 } },
	{ "oifname", NULL, { SEL_OIF, 0, 0, NULL, 0 } },
	{ "iif", NULL, { SEL_IIF, 0, 0, NULL, 0 } },
	{ "oif", NULL, { SEL_OIF, 0, 0, NULL, 0 } },
	{ "mark", NULL, { SEL_MARK, 0, 0, NULL, 0 } },
	{ "l4proto", NULL, { SEL_PROTO, 0, 0, NN(proto_names) } },
	{ "nfproto", NULL, { SEL_NFPROTO, 0, 0, NN(nfproto_names) } },
	{ "pkttype", NULL, { SEL_PKTTYPE, 0, 0, NN(pkttype_names) } },
};

/* statements: words that act rather than match, and how to step over them */
enum stmt { ST_NONE = 0, ST_END, ST_SKIP1, ST_LOG, ST_COUNTER, ST_COMMENT, ST_UNKNOWN };
static const struct {
	const char *w;
	enum stmt st;
} nft_stmts[] = {
	{ "accept", ST_END }, { "drop", ST_END }, { "reject", ST_END }, { "queue", ST_END }, { "continue", ST_END },
	{ "return", ST_END }, { "jump", ST_END }, { "goto", ST_END }, { "dnat", ST_END }, { "snat", ST_END },
	{ "masquerade", ST_END }, { "redirect", ST_END }, { "tproxy", ST_END }, { "notrack", ST_SKIP1 },
	{ "log", ST_LOG }, { "counter", ST_COUNTER }, { "comment", ST_COMMENT }, { "limit", ST_UNKNOWN },
	{ "quota", ST_UNKNOWN }, { "fib", ST_UNKNOWN }, { "socket", ST_UNKNOWN }, { "rt", ST_UNKNOWN },
	{ "ipsec", ST_UNKNOWN }, { "osf", ST_UNKNOWN }, { "numgen", ST_UNKNOWN }, { "jhash", ST_UNKNOWN },
	{ "symhash", ST_UNKNOWN }, { "exthdr", ST_UNKNOWN }, { "update", ST_UNKNOWN }, { "add", ST_UNKNOWN },
	{ "synproxy", ST_END }, { "dup", ST_UNKNOWN }, { "fwd", ST_END }, { "flow", ST_UNKNOWN },
};

static const char *const relops[] = { "==", "!=", "eq", "ne", "<", ">", "<=", ">=", "lt", "gt", "le", "ge" };

/* the end of a value: a "{ ... }" set (nested braces, quotes) or one word */
static size_t value_end(const char *s, size_t i, size_t n)
{
	if (i < n && s[i] == '{') {
		int d = 0;
		for (; i < n; i++) {
			if (s[i] == '"') {
				i = word_end(s, i, n) - 1;
				continue;
			}
			d += s[i] == '{' ? 1 : s[i] == '}' ? -1 : 0;
			if (d == 0)
				return i + 1;
		}
		return n;
	}
	return word_end(s, i, n);
}

/* the elements of a set body "{ a, b-c, d }" (or a named set's "elements = { ... }"): any
 * equal; map elements "k : v" compare their key. UNKNOWN for concatenations. */
static enum nfp_tri set_has(const struct nfp_pview *pv, const struct selector *sl, const char *s, size_t n,
			    struct nfp_rs_str *val)
{
	enum nfp_tri r = NFP_NO;
	size_t i = 0;
	if (n > 0 && s[0] == '{')
		i = 1;
	while ((i = ws(s, i, n)) < n) {
		if (s[i] == ',' || s[i] == '}') {
			i++;
			continue;
		}
		size_t e = i;
		if (s[i] == '"') {
			e = word_end(s, i, n);
		} else {
			while (e < n && s[e] != ',' && s[e] != ' ' && s[e] != '}' && s[e] != '\n' && s[e] != '\t')
				e++;
		}
		size_t nx = ws(s, e, n);
		if (nx < n && s[nx] == '.')
			return NFP_UNKNOWN; /* a concatenation: not evaluated */
		enum nfp_tri t = elem_eq(pv, sl, s + i, e - i);
		size_t ve = nx, vs = nx;
		if (nx < n && s[nx] == ':') { /* a map element: the value follows */
			vs = ws(s, nx + 1, n);
			ve = vs;
			while (ve < n && s[ve] != ',' && s[ve] != '}' && s[ve] != '\n')
				ve++;
			while (ve > vs && s[ve - 1] == ' ')
				ve--;
		}
		if (t == NFP_YES) {
			if (val != NULL) {
				val->p = s + vs;
				val->len = (uint32_t)(ve - vs);
			}
			return NFP_YES;
		}
		if (t == NFP_UNKNOWN)
			r = NFP_UNKNOWN;
		i = ve > e ? ve : e;
	}
	return r;
}

/* a named set's elements: the text after "elements = " in its block */
static int named_elems(const struct nfp_ruleset *rs, const struct nfp_rs_rule *r, const char *name, size_t nl,
		       const char **p, size_t *n)
{
	const struct nfp_rs_set *set = nfp_rs_set(rs, rs->chains[r->chain].table, name, nl);
	if (set == NULL)
		return 0;
	const char *b = set->body.p;
	size_t bn = set->body.len;
	for (size_t i = 0; i + 10 < bn; i++) {
		if (memcmp(b + i, "elements =", 10) == 0) {
			size_t k = ws(b, i + 10, bn);
			*p = b + k;
			*n = value_end(b, k, bn) - k;
			return 1;
		}
	}
	*p = "{}"; /* a set without elements: empty */
	*n = 2;
	return 1;
}

struct nft_eval {
	const struct nfp_ruleset *rs;
	const struct nfp_rs_rule *r;
	const struct nfp_pview *pv;
	struct nfp_rs_str vmap;      /* the verdict a vmap gave (len 0: none) */
	int vmap_seen;
	enum nfp_tri vmap_known;
};

/* one "selector [op] value" relation */
static enum nfp_tri nft_relation(struct nft_eval *ev, const struct selector *sl, const char *s, size_t *pi, size_t n)
{
	const struct nfp_pview *pv = ev->pv;
	size_t i = ws(s, *pi, n), e = word_end(s, i, n);
	int neg = 0, cmp = 0, explicit_op = 0; /* cmp: -2 <, -1 <=, 1 >=, 2 >, 3 masked == */
	uint64_t mask = UINT64_MAX;
	int masked = 0;
	enum nfp_tri t;

	if (e > i && s[i] == '&') { /* "& mask ==|!= value" (nft prints flags tests this way) */
		size_t mi = ws(s, e, n), me = value_end(s, mi, n);
		const char *ms = s + mi;
		size_t mn = me - mi;
		if (mi < n && s[mi] == '(') { /* "(fin|syn)" or "( fin | syn )": up to the ')' */
			size_t k = mi;
			while (k < n && s[k] != ')')
				k++;
			ms = s + mi + 1;
			mn = k - mi - 1;
			me = k < n ? k + 1 : n;
		}
		char tmp[128];
		size_t tn = 0;
		for (size_t k = 0; k < mn && tn < sizeof(tmp); k++)
			if (ms[k] != ' ')
				tmp[tn++] = ms[k];
		long m = name_bits(tmp, tn, sl->names, sl->nnames);
		masked = 1;
		mask = m < 0 ? 0 : (uint64_t)m;
		if (m < 0)
			masked = -1;
		i = ws(s, me, n);
		e = word_end(s, i, n);
	}
	for (size_t k = 0; k < sizeof(relops) / sizeof(relops[0]); k++) {
		if (is(s + i, e - i, relops[k])) {
			neg = k == 1 || k == 3;
			explicit_op = 1;
			cmp = (k == 4 || k == 8) ? -2 : (k == 5 || k == 9) ? 2 : (k == 6 || k == 10) ? -1 : (k == 7 || k == 11) ? 1 : 0;
			i = ws(s, e, n);
			break;
		}
	}
	if (i < n && is(s + i, word_end(s, i, n) - i, "vmap")) {
		size_t vi = ws(s, word_end(s, i, n), n), ve = value_end(s, vi, n);
		const char *vp = s + vi;
		size_t vn = ve - vi;
		*pi = ve;
		ev->vmap_seen = 1;
		if (vn > 0 && vp[0] == '@' && !named_elems(ev->rs, ev->r, vp + 1, vn - 1, &vp, &vn))
			return ev->vmap_known = NFP_UNKNOWN, NFP_YES;
		t = implied(pv, sl);
		if (t == NFP_YES)
			t = set_has(pv, sl, vp, vn, &ev->vmap);
		ev->vmap_known = t;
		return NFP_YES; /* the rule itself always matches; the vmap decides the verdict */
	}
	size_t ve = value_end(s, i, n);
	const char *vp = s + i;
	size_t vn = ve - i;
	*pi = ve;
	/* "syn / fin,syn,rst,ack": the flags under the mask equal the value */
	{
		size_t si = ws(s, ve, n);
		if (si < n && s[si] == '/' && word_end(s, si, n) == si + 1) {
			size_t mi = ws(s, si + 1, n), me = word_end(s, mi, n);
			long m = name_bits(s + mi, me - mi, sl->names, sl->nnames);
			masked = m < 0 ? -1 : 1;
			mask = m < 0 ? 0 : (uint64_t)m;
			*pi = me;
			cmp = 3; /* masked equality */
		}
	}
	if (vn == 0)
		return NFP_UNKNOWN;
	t = implied(pv, sl);
	if (t == NFP_NO)
		return neg ? NFP_UNKNOWN : NFP_NO; /* "tcp dport != 22" on UDP: the expression does not match either */
	if (vp[0] == '@') {
		const char *ep;
		size_t en;
		if (!named_elems(ev->rs, ev->r, vp + 1, vn - 1, &ep, &en))
			return NFP_UNKNOWN;
		enum nfp_tri h = set_has(pv, sl, ep, en, NULL);
		return t == NFP_UNKNOWN && h != NFP_UNKNOWN ? NFP_UNKNOWN : neg ? tri_not(h) : h;
	}
	if (vp[0] == '{') {
		enum nfp_tri h = set_has(pv, sl, vp, vn, NULL);
		if (t == NFP_UNKNOWN)
			return NFP_UNKNOWN;
		return neg ? tri_not(h) : h;
	}
	if (t == NFP_UNKNOWN)
		return NFP_UNKNOWN;
	if (masked != 0 || cmp != 0 || sl->sel == SEL_TCPFLAGS || sl->sel == SEL_CTSTATUS || sl->sel == SEL_MARK) {
		uint32_t v;
		long want;
		enum nfp_tri r;
		if (!value_of(pv, sl->sel, &v) || masked < 0)
			return NFP_UNKNOWN;
		want = sl->sel == SEL_TCPFLAGS || sl->sel == SEL_CTSTATUS ? name_bits(vp, vn, sl->names, sl->nnames)
									  : name_or_num(vp, vn, sl->names, sl->nnames);
		if (want < 0)
			return NFP_UNKNOWN;
		uint64_t mv = (uint64_t)v & mask, w = (uint64_t)want;
		if (cmp == -2)
			r = mv < w ? NFP_YES : NFP_NO;
		else if (cmp == -1)
			r = mv <= w ? NFP_YES : NFP_NO;
		else if (cmp == 1)
			r = mv >= w ? NFP_YES : NFP_NO;
		else if (cmp == 2)
			r = mv > w ? NFP_YES : NFP_NO;
		else if (masked || explicit_op || (sl->sel != SEL_TCPFLAGS && sl->sel != SEL_CTSTATUS))
			r = mv == w ? NFP_YES : NFP_NO;
		else /* "tcp flags syn,ack", "ct status dnat": any of them set (a bare value is a bit test) */
			r = (v & (uint32_t)w) ? NFP_YES : NFP_NO;
		return neg ? tri_not(r) : r;
	}
	/* a plain value, or a comma list (ct state established,related) */
	enum nfp_tri h = elem_eq(pv, sl, vp, vn);
	return neg ? tri_not(h) : h;
}

/* the end of a set statement's value: "0x1", "mark or 0x4000", "meta mark | 0x4000" (a
 * selector of one or two words, then binary operators and their operands) */
static size_t set_value_end(const char *s, size_t i, size_t n)
{
	static const char *const ops[] = { "|", "&", "^", "or", "and", "xor", "<<", ">>" };
	size_t e = value_end(s, i, n);
	if (is(s + i, e - i, "meta") || is(s + i, e - i, "ct"))
		e = value_end(s, ws(s, e, n), n);
	for (;;) {
		size_t o = ws(s, e, n), oe = word_end(s, o, n), k;
		for (k = 0; k < sizeof(ops) / sizeof(ops[0]) && !is(s + o, oe - o, ops[k]); k++)
			;
		if (o >= n || k == sizeof(ops) / sizeof(ops[0]))
			return e;
		e = value_end(s, ws(s, oe, n), n);
	}
}

/* "fib saddr . iif oif missing" and its variants: true when the reverse-path check fails */
static int rpf_fails_expr(const char *s, size_t n)
{
	static const char head[] = "fib saddr", tail[] = "oif missing";
	const size_t hl = sizeof(head) - 1, tl = sizeof(tail) - 1;
	while (n > 0 && s[n - 1] == ' ')
		n--;
	if (n < hl + tl || memcmp(s, head, hl) != 0 || memcmp(s + n - tl, tail, tl) != 0)
		return 0;
	for (size_t i = hl; i + 3 <= n - tl; i++)
		if (memcmp(s + i, "iif", 3) == 0)
			return 1;
	return 0;
}

static enum nfp_tri nft_match(const struct nfp_ruleset *rs, const struct nfp_rs_rule *r, const struct nfp_pview *pv,
			      unsigned flags, struct nfp_rs_str *why, struct nfp_rs_str *vmap)
{
	const char *s = r->text.p;
	size_t n = r->text.len, i = 0;
	struct conj c = { NFP_YES, { NULL, 0 } };
	struct nft_eval ev = { rs, r, pv, { NULL, 0 }, 0, NFP_YES };

	while ((i = ws(s, i, n)) < n) {
		size_t e = word_end(s, i, n), e2, j;
		const struct selector *sl = NULL;
		size_t si = i;
		enum stmt st = ST_NONE;
		for (size_t k = 0; k < sizeof(nft_stmts) / sizeof(nft_stmts[0]); k++)
			if (is(s + i, e - i, nft_stmts[k].w))
				st = nft_stmts[k].st;
		if (st == ST_END)
			break;
		if (st == ST_LOG && (flags & NFP_MATCH_UPTO_LOG))
			break;
		if (st == ST_LOG || st == ST_COUNTER || st == ST_COMMENT || st == ST_SKIP1) {
			/* step over the statement's own words: "log prefix "x" level warn", "counter packets 1 bytes 2" */
			static const char *const args[] = { "prefix", "level", "flags", "group", "snaplen", "queue-threshold",
							    "packets", "bytes", "name" };
			i = e;
			if (st == ST_COMMENT) {
				i = word_end(s, ws(s, i, n), n);
				continue;
			}
			for (;;) {
				size_t a = ws(s, i, n), ae = word_end(s, a, n), k, hit = 0;
				for (k = 0; k < sizeof(args) / sizeof(args[0]); k++)
					hit |= is(s + a, ae - a, args[k]);
				if (!hit)
					break;
				i = word_end(s, ws(s, ae, n), n);
				if (is(s + a, ae - a, "flags")) /* "flags tcp sequence,options" */
					while (i < n && s[i - 1] == ',')
						i = word_end(s, ws(s, i, n), n);
			}
			continue;
		}
		j = ws(s, e, n);
		e2 = word_end(s, j, n);
		if (is(s + i, e - i, "meta") || is(s + i, e - i, "ct")) { /* "meta nftrace set 1", "ct mark set 0x1" */
			size_t a = ws(s, e2, n), ae = word_end(s, a, n);
			if (is(s + a, ae - a, "set")) {
				i = set_value_end(s, ws(s, ae, n), n);
				continue;
			}
		}
		for (size_t k = 0; k < sizeof(nft_sels) / sizeof(nft_sels[0]); k++) {
			if (!is(s + i, e - i, nft_sels[k].a))
				continue;
			if (nft_sels[k].b == NULL) {
				sl = &nft_sels[k].s;
				j = e;
				break;
			}
			if (is(s + j, e2 - j, nft_sels[k].b)) {
				sl = &nft_sels[k].s;
				j = e2;
				break;
			}
		}
		if (sl != NULL) {
			size_t a = ws(s, j, n), ae = word_end(s, a, n);
			if (is(s + a, ae - a, "set")) { /* "meta mark set 1": a statement */
				i = set_value_end(s, ws(s, ae, n), n);
				continue;
			}
			size_t before = j;
			enum nfp_tri t = nft_relation(&ev, sl, s, &j, n);
			conj_add(&c, t, s + si, j - si);
			i = j > before ? j : before + 1;
			if (c.t == NFP_NO)
				break;
			continue;
		}
		/* not a selector this table knows: an unknown condition up to the next known word */
		{
			size_t k = e;
			for (;;) {
				size_t a = ws(s, k, n), ae;
				int known = 0;
				if (a >= n)
					break;
				ae = value_end(s, a, n);
				for (size_t q = 0; q < sizeof(nft_stmts) / sizeof(nft_stmts[0]) && !known; q++)
					known = is(s + a, ae - a, nft_stmts[q].w) && nft_stmts[q].st != ST_UNKNOWN;
				for (size_t q = 0; q < sizeof(nft_sels) / sizeof(nft_sels[0]) && !known; q++)
					known = is(s + a, ae - a, nft_sels[q].a) && nft_sels[q].b != NULL &&
						!is(s + a, ae - a, "ip") && !is(s + a, ae - a, "meta");
				if (known)
					break;
				k = ae;
			}
			/* the reverse-path filter, "fib saddr . [mark .] iif oif missing": the source's
			 * route back is not known from a packet; a what-if packet is taken to pass it */
			if ((pv->known & NFP_PV_RPF_OK) && is(s + i, e - i, "fib") && rpf_fails_expr(s + si, k - si))
				conj_add(&c, NFP_NO, s + si, k - si);
			else
				conj_add(&c, NFP_UNKNOWN, s + si, e - si);
			i = k;
			if (c.t == NFP_NO)
				break;
		}
	}
	if (why != NULL)
		*why = c.why;
	if (vmap != NULL) {
		*vmap = ev.vmap;
		if (ev.vmap_seen && ev.vmap_known != NFP_YES && c.t == NFP_YES) {
			vmap->len = 0;
			vmap->p = ev.vmap_known == NFP_NO ? "" : NULL; /* "": no element (continue); NULL: not known */
		}
	}
	return c.t;
}

/* ---- iptables ---- */
enum ipt_kind {
	IK_UNKNOWN = 0, IK_PROTO, IK_SRC, IK_DST, IK_IN, IK_OUT, IK_SPORT, IK_DPORT, IK_SPORTS, IK_DPORTS, IK_PORTS,
	IK_TCPFLAGS, IK_SYN, IK_ICMP4, IK_ICMP6, IK_CTSTATE, IK_MARK, IK_COMMENT, IK_PHYSIN, IK_PHYSOUT,
	IK_PHYSBRIDGED, IK_PHYSISIN, IK_PHYSISOUT, IK_SRCRANGE, IK_DSTRANGE, IK_LENGTH, IK_TTLEQ, IK_TTLLT, IK_TTLGT,
	IK_MACSRC, IK_PKTTYPE, IK_ADDRTYPE_DST, IK_ADDRTYPE_SRC, IK_FLAG0, IK_ARG1,
};
static const struct {
	const char *opt;
	enum ipt_kind kind;
	const char *module; /* the -m it belongs to, NULL: any */
} ipt_opts[] = {
	{ "-p", IK_PROTO, NULL }, { "--protocol", IK_PROTO, NULL }, { "-s", IK_SRC, NULL }, { "--source", IK_SRC, NULL },
	{ "-d", IK_DST, NULL }, { "--destination", IK_DST, NULL }, { "-i", IK_IN, NULL }, { "--in-interface", IK_IN, NULL },
	{ "-o", IK_OUT, NULL }, { "--out-interface", IK_OUT, NULL },
	{ "--sport", IK_SPORT, NULL }, { "--source-port", IK_SPORT, NULL }, { "--dport", IK_DPORT, NULL },
	{ "--destination-port", IK_DPORT, NULL }, { "--sports", IK_SPORTS, NULL }, { "--source-ports", IK_SPORTS, NULL },
	{ "--dports", IK_DPORTS, NULL }, { "--destination-ports", IK_DPORTS, NULL }, { "--ports", IK_PORTS, NULL },
	{ "--tcp-flags", IK_TCPFLAGS, NULL }, { "--syn", IK_SYN, NULL }, { "--icmp-type", IK_ICMP4, NULL },
	{ "--icmpv6-type", IK_ICMP6, NULL }, { "--ctstate", IK_CTSTATE, "conntrack" }, { "--state", IK_CTSTATE, "state" },
	{ "--mark", IK_MARK, "mark" }, { "--comment", IK_COMMENT, NULL }, { "--physdev-in", IK_PHYSIN, NULL },
	{ "--physdev-out", IK_PHYSOUT, NULL }, { "--physdev-is-bridged", IK_PHYSBRIDGED, NULL },
	{ "--physdev-is-in", IK_PHYSISIN, NULL }, { "--physdev-is-out", IK_PHYSISOUT, NULL },
	{ "--src-range", IK_SRCRANGE, NULL }, { "--dst-range", IK_DSTRANGE, NULL }, { "--length", IK_LENGTH, "length" },
	{ "--ttl-eq", IK_TTLEQ, NULL }, { "--ttl-lt", IK_TTLLT, NULL }, { "--ttl-gt", IK_TTLGT, NULL },
	{ "--hl-eq", IK_TTLEQ, NULL }, { "--hl-lt", IK_TTLLT, NULL }, { "--hl-gt", IK_TTLGT, NULL },
	{ "--mac-source", IK_MACSRC, NULL }, { "--pkt-type", IK_PKTTYPE, NULL },
	{ "--dst-type", IK_ADDRTYPE_DST, "addrtype" }, { "--src-type", IK_ADDRTYPE_SRC, "addrtype" },
	/* options without a value: unknown, but known to take none */
	{ "--rcheck", IK_FLAG0, NULL }, { "--update", IK_FLAG0, NULL }, { "--set", IK_FLAG0, NULL },
	{ "--remove", IK_FLAG0, NULL }, { "--rttl", IK_FLAG0, NULL }, { "--reap", IK_FLAG0, NULL },
	{ "--limit-iface-in", IK_FLAG0, NULL }, { "--limit-iface-out", IK_FLAG0, NULL }, { "--strict", IK_FLAG0, NULL },
	{ "--transparent", IK_FLAG0, NULL }, { "--nowildcard", IK_FLAG0, NULL }, { "--restore-skmark", IK_FLAG0, NULL },
	{ "-f", IK_FLAG0, NULL }, { "--fragment", IK_FLAG0, NULL }, { "--loose", IK_FLAG0, NULL },
	{ "--validmark", IK_FLAG0, NULL }, { "--accept-local", IK_FLAG0, NULL }, { "--invert", IK_FLAG0, NULL },
	{ "--return-nomatch", IK_FLAG0, NULL }, { "--socket-exists", IK_FLAG0, NULL }, { "--kerneltz", IK_FLAG0, NULL },
};

struct ipt_ctx {
	const struct nfp_pview *pv;
	enum sel sel;
};

static enum nfp_tri ipt_port1(const char *s, size_t n, const void *ctx)
{
	const struct ipt_ctx *c = ctx;
	uint32_t v;
	if (!value_of(c->pv, c->sel, &v))
		return NFP_UNKNOWN;
	return num_in(s, n, v, NULL, 0);
}

static enum nfp_tri ipt_addr1(const char *s, size_t n, const void *ctx)
{
	const struct ipt_ctx *c = ctx;
	uint32_t bit = c->sel == SEL_SRC ? NFP_PV_SRC : NFP_PV_DST;
	if (!(c->pv->known & bit))
		return NFP_UNKNOWN;
	return addr_in(s, n, c->pv->family, c->sel == SEL_SRC ? c->pv->src : c->pv->dst);
}

static enum nfp_tri ipt_addrtype1(const char *s, size_t n, const void *ctx)
{
	const struct ipt_ctx *c = ctx;
	const struct nfp_pview *pv = c->pv;
	int mc, bc = 0;
	if (!(pv->known & NFP_PV_DST) || c->sel != SEL_DST)
		return NFP_UNKNOWN;
	mc = pv->family == 4 ? (pv->dst[0] & 0xf0) == 0xe0 : pv->dst[0] == 0xff;
	if (pv->family == 4 && memcmp(pv->dst, "\xff\xff\xff\xff", 4) == 0)
		bc = 1;
	if (nfp_ieq(s, n, "MULTICAST", 9))
		return mc ? NFP_YES : (pv->family == 6 || bc) ? NFP_NO : NFP_NO;
	if (nfp_ieq(s, n, "BROADCAST", 9)) {
		if (bc)
			return NFP_YES;
		/* IPv6 has none; a frame sent to a unicast MAC was not a broadcast */
		if (pv->family == 6 || mc || ((pv->known & NFP_PV_MACDST) && !(pv->mac_dst[0] & 1)))
			return NFP_NO;
		return NFP_UNKNOWN;
	}
	if (nfp_ieq(s, n, "LOCAL", 5)) {
		if (mc || bc)
			return NFP_NO;
		/* delivered to this host and neither multicast nor broadcast: one of its own addresses
		 * (IPv6 has no broadcast; an IPv4 frame sent to a unicast MAC was not a broadcast) */
		if (pv->hook == NFP_HOOK_IN && pv->family == 6)
			return NFP_YES;
		if (pv->hook == NFP_HOOK_IN && (pv->known & NFP_PV_MACDST) && !(pv->mac_dst[0] & 1))
			return NFP_YES;
		if (pv->hook == NFP_HOOK_FWD)
			return NFP_NO;
		return NFP_UNKNOWN;
	}
	if (nfp_ieq(s, n, "UNICAST", 7))
		return mc || bc ? NFP_NO : pv->family == 6 ? NFP_YES : NFP_UNKNOWN;
	return NFP_UNKNOWN;
}

/* one option of an iptables rule's match part against the packet; *ve: the end of its values
 * (--tcp-flags has two) */
static enum nfp_tri ipt_option(enum ipt_kind k, const char *s, size_t n, size_t vi, size_t *ve, const struct nfp_pview *pv)
{
	const char *v = s + vi;
	size_t vn = *ve - vi;
	enum nfp_tri t = NFP_UNKNOWN;
	struct ipt_ctx cx = { pv, SEL_NONE };
	switch (k) {
	case IK_PROTO: {
		long p = name_or_num(v, vn, NN(proto_names));
		if (is(v, vn, "all") || p == 0)
			t = NFP_YES;
		else if (p > 0 && (pv->known & NFP_PV_PROTO))
			t = pv->proto == (uint8_t)p ? NFP_YES : NFP_NO;
		break;
	}
	case IK_SRC:
	case IK_DST:
		cx.sel = k == IK_SRC ? SEL_SRC : SEL_DST;
		t = any_of(v, vn, ipt_addr1, &cx);
		break;
	case IK_IN:
	case IK_OUT:
		if (pv->known & (k == IK_IN ? NFP_PV_IN : NFP_PV_OUT))
			t = iface_is(v, vn, k == IK_IN ? pv->in : pv->out);
		break;
	case IK_SPORT: case IK_DPORT: case IK_SPORTS: case IK_DPORTS:
		cx.sel = (k == IK_SPORT || k == IK_SPORTS) ? SEL_SPORT : SEL_DPORT;
		t = any_of(v, vn, ipt_port1, &cx);
		break;
	case IK_PORTS: {
		enum nfp_tri a, b;
		cx.sel = SEL_SPORT;
		a = any_of(v, vn, ipt_port1, &cx);
		cx.sel = SEL_DPORT;
		b = any_of(v, vn, ipt_port1, &cx);
		t = (a == NFP_YES || b == NFP_YES) ? NFP_YES : (a == NFP_NO && b == NFP_NO) ? NFP_NO : NFP_UNKNOWN;
		break;
	}
	case IK_TCPFLAGS: {
		size_t ci = ws(s, *ve, n), ce = word_end(s, ci, n);
		long m = name_bits(v, vn, NN(flag_names)), cmp = name_bits(s + ci, ce - ci, NN(flag_names));
		*ve = ce;
		if (m >= 0 && cmp >= 0 && (pv->known & NFP_PV_FLAGS))
			t = (pv->tcp_flags & m) == cmp ? NFP_YES : NFP_NO;
		break;
	}
	case IK_SYN:
		if (pv->known & NFP_PV_FLAGS)
			t = (pv->tcp_flags & (NFP_TCP_SYN | NFP_TCP_RST | NFP_TCP_ACK | NFP_TCP_FIN)) == NFP_TCP_SYN ? NFP_YES
														  : NFP_NO;
		break;
	case IK_ICMP4:
	case IK_ICMP6: {
		size_t sl = 0;
		long ty, code = -1;
		while (sl < vn && v[sl] != '/')
			sl++;
		ty = is(v, vn, "any") ? -2 : name_or_num(v, sl, k == IK_ICMP4 ? icmp4_names : icmp6_names,
						     k == IK_ICMP4 ? sizeof(icmp4_names) / sizeof(icmp4_names[0])
								   : sizeof(icmp6_names) / sizeof(icmp6_names[0]));
		if (sl < vn)
			code = name_or_num(v + sl + 1, vn - sl - 1, NULL, 0);
		if (ty == -2)
			t = NFP_YES;
		else if (ty >= 0 && (pv->known & NFP_PV_ICMP) && (pv->known & NFP_PV_PROTO))
			t = pv->proto != (k == IK_ICMP4 ? 1 : 58) ? NFP_NO
			    : pv->icmp_type != ty		  ? NFP_NO
			    : code >= 0 && pv->icmp_code != code ? NFP_NO
								  : NFP_YES;
		break;
	}
	case IK_CTSTATE:
		t = ct_in(pv, name_bits(v, vn, NN(ct_names)));
		break;
	case IK_MARK: {
		size_t sl = 0;
		uint64_t want, m = UINT32_MAX;
		while (sl < vn && v[sl] != '/')
			sl++;
		long w = name_or_num(v, sl, NULL, 0);
		if (sl < vn) {
			long mm = name_or_num(v + sl + 1, vn - sl - 1, NULL, 0);
			m = mm < 0 ? 0 : (uint64_t)mm;
			if (mm < 0)
				w = -1;
		}
		want = (uint64_t)w;
		if (w >= 0 && (pv->known & NFP_PV_MARK))
			t = ((pv->mark & m) == want) ? NFP_YES : NFP_NO;
		break;
	}
	case IK_COMMENT:
		t = NFP_YES;
		break;
	case IK_PHYSIN:
	case IK_PHYSOUT:
		if (pv->known & NFP_PV_PHYS)
			t = iface_is(v, vn, k == IK_PHYSIN ? pv->physin : pv->physout);
		break;
	case IK_PHYSBRIDGED:
	case IK_PHYSISIN:
	case IK_PHYSISOUT:
		if (pv->known & NFP_PV_PHYS)
			t = k == IK_PHYSISIN ? (pv->physin[0] ? NFP_YES : NFP_NO)
			    : k == IK_PHYSISOUT ? (pv->physout[0] ? NFP_YES : NFP_NO)
			    : (pv->physin[0] && pv->physout[0]) ? NFP_YES : NFP_NO;
		break;
	case IK_SRCRANGE:
	case IK_DSTRANGE:
		cx.sel = k == IK_SRCRANGE ? SEL_SRC : SEL_DST;
		t = ipt_addr1(v, vn, &cx);
		break;
	case IK_LENGTH:
		if (pv->known & NFP_PV_LEN)
			t = num_in(v, vn, pv->len, NULL, 0);
		break;
	case IK_TTLEQ:
	case IK_TTLLT:
	case IK_TTLGT: {
		long w = name_or_num(v, vn, NULL, 0);
		if (w >= 0 && (pv->known & NFP_PV_TTL))
			t = (k == IK_TTLEQ ? pv->ttl == w : k == IK_TTLLT ? pv->ttl < w : pv->ttl > w) ? NFP_YES : NFP_NO;
		break;
	}
	case IK_MACSRC: {
		uint8_t m[6];
		if (nfp_mac(v, vn, m) == vn && vn > 0 && (pv->known & NFP_PV_MACSRC))
			t = memcmp(m, pv->mac_src, 6) == 0 ? NFP_YES : NFP_NO;
		break;
	}
	case IK_PKTTYPE: {
		long w = name_or_num(v, vn, NN(pkttype_names));
		int pt = pkttype_of(pv);
		if (w >= 0 && pt >= 0)
			t = pt == w ? NFP_YES : NFP_NO;
		break;
	}
	case IK_ADDRTYPE_DST:
	case IK_ADDRTYPE_SRC:
		cx.sel = k == IK_ADDRTYPE_DST ? SEL_DST : SEL_SRC;
		t = any_of(v, vn, ipt_addrtype1, &cx);
		break;
	default:
		t = NFP_UNKNOWN;
	}
	return t;
}

static enum nfp_tri ipt_match(const struct nfp_rs_rule *r, const struct nfp_pview *pv, struct nfp_rs_str *why)
{
	const char *s = r->match.len ? r->match.p : r->text.p;
	size_t n = r->match.len ? r->match.len : r->text.len, i = 0;
	struct conj c = { NFP_YES, { NULL, 0 } };
	const char *mod = NULL; /* the current -m module's name */
	size_t modn = 0, modi = 0;
	int neg = 0;
	if (r->target.len == 0)
		n = r->text.len;
	/* "-A CHAIN" */
	i = word_end(s, ws(s, 0, n), n);
	i = word_end(s, ws(s, i, n), n);
	while ((i = ws(s, i, n)) < n) {
		size_t e = word_end(s, i, n), vi, ve, oi = i;
		enum ipt_kind k = IK_UNKNOWN;
		int found = 0;
		if (is(s + i, e - i, "!")) {
			neg = 1;
			i = e;
			continue;
		}
		if (is(s + i, e - i, "-m") || is(s + i, e - i, "--match")) {
			modi = i;
			vi = ws(s, e, n);
			ve = word_end(s, vi, n);
			mod = s + vi;
			modn = ve - vi;
			i = ve;
			neg = 0;
			if (is(mod, modn, "rpfilter")) { /* a condition of its own: the source's route back */
				int inv = 0;
				for (size_t q = ws(s, ve, n); q < n && !(s[q] == '-' && (s[q + 1] == 'm' || s[q + 1] == 'j' || s[q + 1] == 'g'));
				     q = ws(s, word_end(s, q, n), n))
					inv |= is(s + q, word_end(s, q, n) - q, "--invert");
				if (pv->known & NFP_PV_RPF_OK)
					conj_add(&c, inv ? NFP_NO : NFP_YES, NULL, 0);
				else
					conj_add(&c, NFP_UNKNOWN, s + modi, ve - modi);
				if (c.t == NFP_NO)
					break;
			}
			continue;
		}
		if (is(s + i, e - i, "-j") || is(s + i, e - i, "-g") || is(s + i, e - i, "--jump") ||
		    is(s + i, e - i, "--goto"))
			break;
		for (size_t q = 0; q < sizeof(ipt_opts) / sizeof(ipt_opts[0]); q++) {
			if (is(s + i, e - i, ipt_opts[q].opt)) {
				if (ipt_opts[q].module != NULL && !(mod != NULL && is(mod, modn, ipt_opts[q].module)))
					continue; /* "--mark" of connmark, "--state" of another module */
				k = ipt_opts[q].kind;
				found = 1;
				break;
			}
		}
		/* an option's value: the next word (none for flags; two for --tcp-flags) */
		vi = ws(s, e, n);
		ve = word_end(s, vi, n);
		if (k == IK_SYN || k == IK_FLAG0 || k == IK_PHYSBRIDGED || k == IK_PHYSISIN || k == IK_PHYSISOUT)
			ve = vi = e;
		else if (!found) {
			/* an option of a module not evaluated: its values up to the next option */
			size_t q = e;
			for (;;) {
				size_t a = ws(s, q, n);
				if (a >= n || s[a] == '-' || s[a] == '!')
					break;
				q = word_end(s, a, n);
			}
			vi = e;
			ve = q;
		}
		enum nfp_tri t = k == IK_FLAG0 && mod != NULL && is(mod, modn, "rpfilter") ? NFP_YES : ipt_option(k, s, n, vi, &ve, pv);
		if (neg)
			t = tri_not(t);
		if (t == NFP_UNKNOWN) /* name the module when there is one, else the option */
			conj_add(&c, t, mod != NULL && k != IK_SRC && k != IK_DST && k != IK_PROTO ? s + modi : s + oi,
				 mod != NULL && k != IK_SRC && k != IK_DST && k != IK_PROTO ? (size_t)(mod + modn - (s + modi))
											      : e - oi);
		else
			conj_add(&c, t, NULL, 0);
		neg = 0;
		i = ve > e ? ve : e;
		if (c.t == NFP_NO)
			break;
	}
	if (why != NULL)
		*why = c.why;
	return c.t;
}

enum nfp_tri nfp_rule_match(const struct nfp_ruleset *rs, const struct nfp_rs_rule *r, const struct nfp_pview *pv,
			    unsigned flags, struct nfp_rs_str *why)
{
	struct nfp_rs_str w = { NULL, 0 };
	enum nfp_tri t = rs->fmt == NFP_RS_NFT ? nft_match(rs, r, pv, flags, &w, NULL) : ipt_match(r, pv, &w);
	if (why != NULL)
		*why = w;
	return t;
}

int nfp_rule_vmap(const struct nfp_ruleset *rs, const struct nfp_rs_rule *r, const struct nfp_pview *pv,
		  struct nfp_rs_str *verdict)
{
	struct nfp_rs_str v = { NULL, 0 };
	verdict->p = NULL;
	verdict->len = 0;
	if (rs->fmt != NFP_RS_NFT || nft_match(rs, r, pv, 0, NULL, &v) != NFP_YES || v.p == NULL)
		return 0;
	*verdict = v;
	return 1;
}
