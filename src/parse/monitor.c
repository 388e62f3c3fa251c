/* The monitor dialects: trace events of nf_tables as user-space tools print them, for
 * iptables-nft and native nftables, where TRACE never reaches the kernel log.
 *
 *   xtables-monitor --trace (iptables 1.8.x):
 *     PACKET: <nfproto> <id> IN=<if> OUT=<if> MACSRC=.. MACDST=.. MACPROTO=0800 SRC=.. DST=.. LEN=..
 *             TOS=0x0 TTL=.. ID=..[ ]DF SPORT=.. DPORT=.. SYN ...
 *      TRACE: <nfproto> <id> <table>:<chain>:rule:0x<handle>:<VERDICT>  -4 -t <table> -A <chain> ...
 *      TRACE: <nfproto> <id> <table>:<chain>:policy:<VERDICT>
 *      TRACE: <nfproto> <id> <table>:<chain>:return:
 *   nft monitor trace (nftables 1.0.x; `nft -a` adds "# handle N" to rules):
 *     trace id <id> <family> <table> <chain> packet: iif "eth0" ether saddr .. ip saddr .. tcp dport 22 ...
 *     trace id <id> <family> <table> <chain> rule <rule text> (verdict <verdict>)
 *     trace id <id> <family> <table> <chain> policy <verdict>
 *     trace id <id> <family> <table> <chain> verdict <verdict>      (a chain's end: return)
 *     trace id <id> <family> <table> <chain> conntrack: ct ...
 *
 * Both become NFP_TRACE records: trace.source, trace.packet (the kernel's trace id),
 * trace.family/table/chain/type, trace.handle, trace.verdict, trace.rule_text; packet lines
 * fill the same header fields as kernel records (in, out, mac, ip, tcp, udp, icmp).
 * Formats were captured from Debian 12 (iptables 1.8.9, nftables 1.0.6, kernel 6.x).
 */
#include <string.h>
#include "nfp.h"
#include "parse/parse_int.h"

struct mon {
	const char *s;
	size_t len;
	struct nfp_record *rec;
	struct nfp_pkt *p;
	uint64_t pairs_seen; /* nft_pairs rows met so far: a row met again is a repeat */
};

static void unknown(struct mon *m, size_t off, size_t n)
{
	if (n > 0)
		nfp_add_unknown(m->rec, off, n);
}

/* "0:c:29:4f:8e:35" (ether_ntoa, no zero padding) or "00:0c:..." */
static size_t loose_mac(const char *s, size_t n, uint8_t out[6])
{
	size_t i = 0;
	for (int k = 0; k < 6; k++) {
		unsigned v = 0, d = 0;
		while (i < n && d < 2 && NFP_HEXVAL(s[i]) != 0xff)
			v = v << 4 | NFP_HEXVAL(s[i++]), d++;
		if (d == 0)
			return 0;
		out[k] = (uint8_t)v;
		if (k < 5) {
			if (i >= n || s[i] != ':')
				return 0;
			i++;
		}
	}
	return i;
}

static int put_ip(struct mon *m, enum nfp_field f, const char *v, size_t n, int fam)
{
	union nfp_value *val = &m->p->v[f];
	size_t c = fam == 6 ? nfp_ipv6(v, n, val->ip.a) : nfp_ipv4(v, n, val->ip.a);
	if (c != n || n == 0)
		return 0;
	val->ip.family = (uint8_t)fam;
	nfp_set(m->p, f);
	return 1;
}

static int put_dec(struct mon *m, enum nfp_field f, const char *v, size_t n, uint64_t max)
{
	uint64_t u;
	if (n == 0 || nfp_dec(v, n, max, &u) != n)
		return 0;
	nfp_put_u(m->p, f, u);
	return 1;
}

static int put_hex(struct mon *m, enum nfp_field f, const char *v, size_t n, uint64_t max)
{
	uint64_t u;
	if (n == 0 || nfp_hex(v, n, max, &u) != n)
		return 0;
	nfp_put_u(m->p, f, u);
	return 1;
}

static void set_proto(struct mon *m, unsigned proto)
{
	if (!nfp_has(m->p, NFP_F_PROTO))
		nfp_put_u(m->p, NFP_F_PROTO, proto);
}

/* ---- xtables-monitor ---- */

/* the KEY=VALUE words of a PACKET: line, and the nfp field each fills */
static const struct {
	const char *key;
	unsigned char field, how; /* how: 0 string, 1 dec, 2 hex, 3 ip4/6, 4 mac, 5 hex without 0x */
} xt_keys[] = {
	{ "IN", NFP_F_IN, 0 }, { "OUT", NFP_F_OUT, 0 }, { "MACSRC", NFP_F_MACSRC, 4 }, { "MACDST", NFP_F_MACDST, 4 },
	{ "MACPROTO", NFP_F_MACPROTO, 5 }, { "SRC", NFP_F_SRC, 3 }, { "DST", NFP_F_DST, 3 }, { "LEN", NFP_F_IP_LEN, 1 },
	{ "TOS", NFP_F_TOS, 2 }, { "TTL", NFP_F_TTL, 1 }, { "ID", NFP_F_IP_ID, 1 }, { "TC", NFP_F_TC, 1 },
	{ "HOPLIMIT", NFP_F_HOPLIMIT, 1 }, { "FLOWLBL", NFP_F_FLOWLBL, 1 }, { "MARK", NFP_F_MARK, 2 },
};

static const struct {
	const char *word;
	unsigned char bit; /* bit in nfp_flags order for TCP_FLAGS */
} tcp_flag_words[] = {
	{ "CWR", 1 }, { "ECE", 2 }, { "URG", 3 }, { "ACK", 4 }, { "PSH", 5 }, { "RST", 6 }, { "SYN", 7 }, { "FIN", 8 },
	{ "cwr", 1 }, { "ecn", 2 }, { "urg", 3 }, { "ack", 4 }, { "psh", 5 }, { "rst", 6 }, { "syn", 7 }, { "fin", 8 },
};

static int tcp_flag_bit(const char *w, size_t n)
{
	for (size_t i = 0; i < sizeof(tcp_flag_words) / sizeof(tcp_flag_words[0]); i++)
		if (nfp_word_is(w, n, tcp_flag_words[i].word))
			return tcp_flag_words[i].bit;
	return -1;
}

static int ip_flag_bit(const char *w, size_t n)
{
	return nfp_word_is(w, n, "CE") ? 0 : nfp_word_is(w, n, "DF") ? 1 : nfp_word_is(w, n, "MF") ? 2 : -1;
}

static void xt_packet(struct mon *m, size_t pos)
{
	const char *s = m->s;
	size_t n = m->len;
	int fam = 4, sport = -1, dport = -1; /* addresses: IPv6 when the text has ':' */
	size_t psp = 0, psl = 0, pdp = 0, pdl = 0;
	uint64_t tflags = 0;
	while ((pos = nfp_skip_sp(s, pos, n)) < n) {
		size_t e = nfp_tok_end(s, pos, n), eq = pos, done = 0;
		while (eq < e && s[eq] != '=')
			eq++;
		if (eq < e) {
			const char *k = s + pos, *v = s + eq + 1;
			size_t kl = eq - pos, vl = e - eq - 1;
			if (nfp_word_is(k, kl, "SPORT") || nfp_word_is(k, kl, "DPORT")) {
				uint64_t u;
				if (vl > 0 && nfp_dec(v, vl, 65535, &u) == vl) {
					*(k[0] == 'S' ? &sport : &dport) = (int)u;
					if (k[0] == 'S')
						psp = pos, psl = e - pos;
					else
						pdp = pos, pdl = e - pos;
					done = 1;
				}
			} else if (nfp_word_is(k, kl, "ID")) { /* iptables < 1.8.9 glue flags: "ID=45471DF" */
				size_t d = 0;
				while (d < vl && NFP_ISDIGIT(v[d]))
					d++;
				if (put_dec(m, NFP_F_IP_ID, v, d, 65535)) {
					int b = d < vl ? ip_flag_bit(v + d, vl - d) : -2;
					if (b >= 0)
						nfp_put_u(m->p, NFP_F_IP_FLAGS, m->p->v[NFP_F_IP_FLAGS].u | 1u << b);
					done = b != -1;
				}
			} else if (nfp_word_is(k, kl, "NFPROTO")) { /* the family again: typed when it agrees */
				uint64_t u;
				enum nfp_word fw;
				if (vl > 0 && nfp_dec(v, vl, 255, &u) == vl && (fw = nfp_family_word((unsigned)u)) != NFP_W__COUNT) {
					if (!nfp_has(m->p, NFP_F_TRACE_FAMILY))
						nfp_put_u(m->p, NFP_F_TRACE_FAMILY, fw);
					done = m->p->v[NFP_F_TRACE_FAMILY].u == fw;
				}
			} else if (nfp_word_is(k, kl, "LL")) { /* LL=0x<type> <hex>: the raw link-layer header */
				size_t h = nfp_skip_sp(s, e, n);
				unknown(m, pos, nfp_tok_end(s, h, n) - pos);
				pos = nfp_tok_end(s, h, n);
				continue;
			} else {
				for (size_t i = 0; i < sizeof(xt_keys) / sizeof(xt_keys[0]); i++) {
					if (!nfp_word_is(k, kl, xt_keys[i].key))
						continue;
					enum nfp_field f = (enum nfp_field)xt_keys[i].field;
					if (nfp_has(m->p, f))
						break; /* a repeated key: the first value stays, this one is unknown */
					switch (xt_keys[i].how) {
					case 0: nfp_put_slice(m->p, f, (size_t)(v - s), vl); done = 1; break;
					case 1: done = (size_t)put_dec(m, f, v, vl, UINT32_MAX); break;
					case 2:
					case 5: done = (size_t)put_hex(m, f, v, vl, UINT32_MAX); break;
					case 3:
						if (memchr(v, ':', vl) != NULL)
							fam = 6;
						done = (size_t)put_ip(m, f, v, vl, fam);
						break;
					case 4: done = loose_mac(v, vl, m->p->v[f].mac) == vl; if (done) nfp_set(m->p, f); break;
					}
					break;
				}
			}
		} else {
			int b = ip_flag_bit(s + pos, e - pos), t = tcp_flag_bit(s + pos, e - pos);
			if (b >= 0) {
				nfp_put_u(m->p, NFP_F_IP_FLAGS, m->p->v[NFP_F_IP_FLAGS].u | 1u << b);
				done = 1;
			} else if (t >= 0 && s[pos] >= 'A' && s[pos] <= 'Z') {
				tflags |= 1u << t;
				done = 1;
			}
		}
		if (!done)
			unknown(m, pos, e - pos);
		pos = e;
	}
	if (tflags != 0) {
		set_proto(m, 6);
		nfp_put_u(m->p, NFP_F_TCP_FLAGS, tflags);
		if (sport >= 0)
			nfp_put_u(m->p, NFP_F_TCP_SPT, (uint64_t)sport);
		if (dport >= 0)
			nfp_put_u(m->p, NFP_F_TCP_DPT, (uint64_t)dport);
	} else {
		/* ports without TCP flags: UDP, UDPLITE, SCTP or DCCP; the line does not say which */
		if (sport >= 0)
			unknown(m, psp, psl);
		if (dport >= 0)
			unknown(m, pdp, pdl);
	}
}

/* " TRACE: <nfproto> <id> table:chain:type:..." and "PACKET: <nfproto> <id> ..." */
static enum nfp_type xtables(struct mon *m, size_t pos, int packet)
{
	const char *s = m->s;
	size_t n = m->len, e, c1, c2, c3;
	uint64_t fam;
	enum nfp_word fw;
	pos = nfp_skip_sp(s, pos, n);
	e = nfp_tok_end(s, pos, n);
	if (e == pos || nfp_dec(s + pos, e - pos, 255, &fam) != e - pos)
		return NFP_NONE;
	pos = nfp_skip_sp(s, e, n);
	e = nfp_tok_end(s, pos, n);
	if (e - pos != 8 || nfp_hex(s + pos, 8, UINT32_MAX, &(uint64_t){ 0 }) != 8)
		return NFP_NONE;
	nfp_put_u(m->p, NFP_F_TRACE_SOURCE, NFP_W_XTABLES);
	nfp_put_slice(m->p, NFP_F_TRACE_PACKET, pos, 8);
	fw = nfp_family_word((unsigned)fam);
	if (fw != NFP_W__COUNT)
		nfp_put_u(m->p, NFP_F_TRACE_FAMILY, fw);
	pos = nfp_skip_sp(s, e, n);
	if (packet) {
		nfp_put_u(m->p, NFP_F_TRACE_TYPE, NFP_W_PACKET);
		xt_packet(m, pos);
		return NFP_TRACE;
	}
	e = nfp_tok_end(s, pos, n);
	for (c1 = pos; c1 < e && s[c1] != ':'; c1++)
		;
	for (c2 = c1 + 1; c2 < e && s[c2] != ':'; c2++)
		;
	for (c3 = c2 + 1; c3 < e && s[c3] != ':'; c3++)
		;
	if (c3 >= e || c1 == pos || c2 == c1 + 1)
		return NFP_NONE;
	nfp_put_slice(m->p, NFP_F_TRACE_TABLE, pos, c1 - pos);
	nfp_put_slice(m->p, NFP_F_TRACE_CHAIN, c1 + 1, c2 - c1 - 1);
	if (nfp_word_is(s + c2 + 1, c3 - c2 - 1, "rule")) {
		size_t h = c3 + 1, he;
		uint64_t handle;
		nfp_put_u(m->p, NFP_F_TRACE_TYPE, NFP_W_RULE);
		if (e - h > 2 && s[h] == '0' && s[h + 1] == 'x') {
			for (he = h + 2; he < e && s[he] != ':'; he++)
				;
			if (he > h + 2 && nfp_hex(s + h, he - h, UINT32_MAX, &handle) == he - h)
				nfp_put_u(m->p, NFP_F_TRACE_HANDLE, handle);
			h = he < e ? he + 1 : e;
		}
		if (e > h)
			nfp_put_slice(m->p, NFP_F_TRACE_VERDICT, h, e - h);
		pos = nfp_skip_sp(s, e, n);
		size_t te = n;
		while (te > pos && s[te - 1] == ' ')
			te--;
		if (te > pos)
			nfp_put_slice(m->p, NFP_F_TRACE_TEXT, pos, te - pos);
	} else if (nfp_word_is(s + c2 + 1, c3 - c2 - 1, "policy")) {
		nfp_put_u(m->p, NFP_F_TRACE_TYPE, NFP_W_POLICY);
		if (e > c3 + 1)
			nfp_put_slice(m->p, NFP_F_TRACE_VERDICT, c3 + 1, e - c3 - 1);
	} else if (nfp_word_is(s + c2 + 1, c3 - c2 - 1, "return")) {
		nfp_put_u(m->p, NFP_F_TRACE_TYPE, NFP_W_RETURN);
		if (e > c3 + 1)
			nfp_put_slice(m->p, NFP_F_TRACE_VERDICT, c3 + 1, e - c3 - 1);
	} else {
		return NFP_NONE;
	}
	for (pos = nfp_skip_sp(s, e, n); pos < n && !nfp_has(m->p, NFP_F_TRACE_TEXT); pos = nfp_skip_sp(s, e, n)) {
		e = nfp_tok_end(s, pos, n);
		unknown(m, pos, e - pos);
	}
	return NFP_TRACE;
}

/* ---- nft monitor trace ---- */

/* icmp / icmpv6 type and code names as nft prints them */
static const struct {
	const char *name;
	unsigned char v4, v6; /* 255: not a name of that family */
} icmp_types[] = {
	{ "echo-reply", 0, 129 }, { "destination-unreachable", 3, 1 }, { "source-quench", 4, 255 },
	{ "redirect", 5, 255 }, { "echo-request", 8, 128 }, { "router-advertisement", 9, 255 },
	{ "router-solicitation", 10, 255 }, { "time-exceeded", 11, 3 }, { "parameter-problem", 12, 4 },
	{ "timestamp-request", 13, 255 }, { "timestamp-reply", 14, 255 }, { "info-request", 15, 255 },
	{ "info-reply", 16, 255 }, { "address-mask-request", 17, 255 }, { "address-mask-reply", 18, 255 },
	{ "packet-too-big", 255, 2 }, { "mld-listener-query", 255, 130 }, { "mld-listener-report", 255, 131 },
	{ "mld-listener-done", 255, 132 }, { "mld-listener-reduction", 255, 132 }, { "nd-router-solicit", 255, 133 },
	{ "nd-router-advert", 255, 134 }, { "nd-neighbor-solicit", 255, 135 }, { "nd-neighbor-advert", 255, 136 },
	{ "nd-redirect", 255, 137 }, { "router-renumbering", 255, 138 }, { "ind-neighbor-solicit", 255, 141 },
	{ "ind-neighbor-advert", 255, 142 }, { "mld2-listener-report", 255, 143 },
};
static const struct {
	const char *name;
	unsigned char v4, v6;
} icmp_codes[] = {
	{ "net-unreachable", 0, 255 }, { "host-unreachable", 1, 255 }, { "prot-unreachable", 2, 255 },
	{ "port-unreachable", 3, 4 }, { "frag-needed", 4, 255 }, { "net-prohibited", 9, 255 },
	{ "host-prohibited", 10, 255 }, { "admin-prohibited", 13, 1 }, { "no-route", 255, 0 },
	{ "addr-unreachable", 255, 3 }, { "policy-fail", 255, 5 }, { "reject-route", 255, 6 },
};

static int icmp_name(int v6, int code, const char *w, size_t n)
{
	if (code) {
		for (size_t i = 0; i < sizeof(icmp_codes) / sizeof(icmp_codes[0]); i++)
			if (nfp_word_is(w, n, icmp_codes[i].name))
				return v6 ? icmp_codes[i].v6 : icmp_codes[i].v4;
	} else {
		for (size_t i = 0; i < sizeof(icmp_types) / sizeof(icmp_types[0]); i++)
			if (nfp_word_is(w, n, icmp_types[i].name))
				return v6 ? icmp_types[i].v6 : icmp_types[i].v4;
	}
	return 255;
}

static const struct {
	const char *name;
	unsigned char num;
} l4_names[] = { { "tcp", 6 }, { "udp", 17 }, { "icmp", 1 }, { "ipv6-icmp", 58 }, { "icmpv6", 58 },
		 { "udplite", 136 }, { "esp", 50 }, { "ah", 51 }, { "sctp", 132 }, { "dccp", 33 }, { "gre", 47 } };

/* "ip dscp <name>" / "ip ecn <name>": the two halves of the TOS / traffic class byte */
static const struct {
	const char *name;
	unsigned char v;
} dscp_names[] = {
	{ "cs0", 0 }, { "cs1", 8 }, { "cs2", 16 }, { "cs3", 24 }, { "cs4", 32 }, { "cs5", 40 }, { "cs6", 48 },
	{ "cs7", 56 }, { "af11", 10 }, { "af12", 12 }, { "af13", 14 }, { "af21", 18 }, { "af22", 20 }, { "af23", 22 },
	{ "af31", 26 }, { "af32", 28 }, { "af33", 30 }, { "af41", 34 }, { "af42", 36 }, { "af43", 38 }, { "va", 44 },
	{ "ef", 46 }, { "le", 1 },
}, ecn_names[] = { { "not-ect", 0 }, { "ect1", 1 }, { "ect0", 2 }, { "ce", 3 } };

/* dscp/ecn value at v, for "ip" (TOS) or "ip6" (TC); both land in one field */
static int tos_part(struct mon *m, int v6, int ecn, const char *v, size_t n)
{
	enum nfp_field f = v6 ? NFP_F_TC : NFP_F_TOS;
	uint64_t x = 256, cur = nfp_has(m->p, f) ? m->p->v[f].u : 0;
	if (ecn) {
		for (size_t i = 0; i < sizeof(ecn_names) / sizeof(ecn_names[0]); i++)
			if (nfp_word_is(v, n, ecn_names[i].name))
				x = ecn_names[i].v;
	} else {
		for (size_t i = 0; i < sizeof(dscp_names) / sizeof(dscp_names[0]); i++)
			if (nfp_word_is(v, n, dscp_names[i].name))
				x = dscp_names[i].v;
	}
	/* a value without a name: decimal, or hex as nft prints an unnamed symbol ("0x1d") */
	if (x == 256 && n > 2 && v[0] == '0' && v[1] == 'x' && nfp_hex(v + 2, n - 2, ecn ? 3 : 63, &x) == n - 2)
		;
	else if (x == 256 && (n == 0 || nfp_dec(v, n, ecn ? 3 : 63, &x) != n))
		return 0;
	nfp_put_u(m->p, f, ecn ? (cur & ~3u) | x : (cur & 3u) | x << 2);
	return 1;
}

/* the "<proto> <field>" pairs of a packet: line */
enum how { H_IF, H_MAC, H_ETYPE, H_IP4, H_IP6, H_DEC, H_HEX, H_PROTO, H_ICMPT, H_ICMPC, H_TCPF, H_DSCP, H_ECN };
static const struct {
	const char *proto, *field;
	unsigned char f, how, l4; /* l4: the protocol the pair implies (0 = none) */
	uint32_t max;
} nft_pairs[] = {
	{ "ether", "saddr", NFP_F_MACSRC, H_MAC, 0, 0 }, { "ether", "daddr", NFP_F_MACDST, H_MAC, 0, 0 },
	{ "ether", "type", NFP_F_MACPROTO, H_ETYPE, 0, 0 }, { "vlan", "id", NFP_F_VID, H_DEC, 0, 4095 },
	{ "ip", "saddr", NFP_F_SRC, H_IP4, 0, 0 }, { "ip", "daddr", NFP_F_DST, H_IP4, 0, 0 },
	{ "ip", "ttl", NFP_F_TTL, H_DEC, 0, 255 }, { "ip", "id", NFP_F_IP_ID, H_DEC, 0, 65535 },
	{ "ip", "length", NFP_F_IP_LEN, H_DEC, 0, 65535 }, { "ip", "protocol", NFP_F_PROTO, H_PROTO, 0, 0 },
	{ "ip", "dscp", NFP_F_TOS, H_DSCP, 0, 0 }, { "ip", "ecn", NFP_F_TOS, H_ECN, 0, 0 },
	{ "ip6", "dscp", NFP_F_TC, H_DSCP, 0, 0 }, { "ip6", "ecn", NFP_F_TC, H_ECN, 0, 0 },
	{ "ip6", "saddr", NFP_F_SRC, H_IP6, 0, 0 }, { "ip6", "daddr", NFP_F_DST, H_IP6, 0, 0 },
	{ "ip6", "hoplimit", NFP_F_HOPLIMIT, H_DEC, 0, 255 }, { "ip6", "flowlabel", NFP_F_FLOWLBL, H_DEC, 0, 0xfffff },
	{ "ip6", "length", NFP_F_IP_LEN, H_DEC, 0, 65535 }, { "ip6", "nexthdr", NFP_F_PROTO, H_PROTO, 0, 0 },
	{ "tcp", "sport", NFP_F_TCP_SPT, H_DEC, 6, 65535 }, { "tcp", "dport", NFP_F_TCP_DPT, H_DEC, 6, 65535 },
	{ "tcp", "sequence", NFP_F_TCP_SEQ, H_DEC, 6, UINT32_MAX }, { "tcp", "ackseq", NFP_F_TCP_ACK, H_DEC, 6, UINT32_MAX },
	{ "tcp", "window", NFP_F_WINDOW, H_DEC, 6, 65535 }, { "tcp", "urgptr", NFP_F_URGP, H_DEC, 6, 65535 },
	{ "tcp", "flags", NFP_F_TCP_FLAGS, H_TCPF, 6, 0 },
	{ "udp", "sport", NFP_F_UDP_SPT, H_DEC, 17, 65535 }, { "udp", "dport", NFP_F_UDP_DPT, H_DEC, 17, 65535 },
	{ "udp", "length", NFP_F_UDP_LEN, H_DEC, 17, 65535 },
	{ "udplite", "sport", NFP_F_UDP_SPT, H_DEC, 136, 65535 }, { "udplite", "dport", NFP_F_UDP_DPT, H_DEC, 136, 65535 },
	{ "icmp", "type", NFP_F_ICMP_TYPE, H_ICMPT, 1, 0 }, { "icmp", "code", NFP_F_ICMP_CODE, H_ICMPC, 1, 0 },
	{ "icmp", "id", NFP_F_ICMP_ID, H_DEC, 1, 65535 }, { "icmp", "sequence", NFP_F_ICMP_SEQ, H_DEC, 1, 65535 },
	{ "icmp", "mtu", NFP_F_MTU, H_DEC, 1, 65535 }, { "icmp", "gateway", NFP_F_GATEWAY, H_IP4, 1, 0 },
	{ "icmpv6", "type", NFP_F_ICMP_TYPE, H_ICMPT, 58, 0 }, { "icmpv6", "code", NFP_F_ICMP_CODE, H_ICMPC, 58, 0 },
	{ "icmpv6", "id", NFP_F_ICMP_ID, H_DEC, 58, 65535 }, { "icmpv6", "sequence", NFP_F_ICMP_SEQ, H_DEC, 58, 65535 },
	{ "icmpv6", "mtu", NFP_F_MTU, H_DEC, 58, UINT32_MAX },
	{ "meta", "mark", NFP_F_MARK, H_HEX, 0, 0 },
};

_Static_assert(sizeof(nft_pairs) / sizeof(nft_pairs[0]) <= 64, "pairs_seen has a bit per row");

/* one "<proto> <field> <value>" of a packet: line at pos; returns the end, 0 if not one */
static size_t nft_pair(struct mon *m, size_t pos)
{
	const char *s = m->s;
	size_t n = m->len, pe = nfp_tok_end(s, pos, n), fpos = nfp_skip_sp(s, pe, n), fe = nfp_tok_end(s, fpos, n);
	size_t vpos = nfp_skip_sp(s, fe, n), ve = nfp_tok_end(s, vpos, n);
	for (size_t i = 0; i < sizeof(nft_pairs) / sizeof(nft_pairs[0]); i++) {
		if (!nfp_word_is(s + pos, pe - pos, nft_pairs[i].proto) || !nfp_word_is(s + fpos, fe - fpos, nft_pairs[i].field))
			continue;
		enum nfp_field f = (enum nfp_field)nft_pairs[i].f;
		const char *v = s + vpos;
		size_t vl = ve - vpos;
		int ok = 0, v6 = nft_pairs[i].l4 == 58;
		if (m->pairs_seen >> i & 1u) {
			unknown(m, pos, ve - pos); /* a repeated field: the first value stays (as in LOG lines) */
			return ve;
		}
		m->pairs_seen |= (uint64_t)1 << i;
		switch ((enum how)nft_pairs[i].how) {
		case H_MAC: ok = loose_mac(v, vl, m->p->v[f].mac) == vl; if (ok) nfp_set(m->p, f); break;
		case H_ETYPE: {
			unsigned et = nfp_word_is(v, vl, "ip") ? 0x0800 : nfp_word_is(v, vl, "ip6") ? 0x86dd : nfp_word_is(v, vl, "arp") ? 0x0806
				    : nfp_word_is(v, vl, "vlan") ? 0x8100 : 0;
			if (et) {
				nfp_put_u(m->p, f, et);
				ok = 1;
			} else {
				ok = put_hex(m, f, v, vl, 65535);
			}
			break;
		}
		case H_IP4: ok = put_ip(m, f, v, vl, 4); break;
		case H_IP6: ok = put_ip(m, f, v, vl, 6); break;
		case H_DEC: ok = put_dec(m, f, v, vl, nft_pairs[i].max); break;
		case H_HEX: ok = put_hex(m, f, v, vl, UINT32_MAX); break;
		case H_PROTO:
			for (size_t k = 0; k < sizeof(l4_names) / sizeof(l4_names[0]); k++)
				if (nfp_word_is(v, vl, l4_names[k].name)) {
					nfp_put_u(m->p, NFP_F_PROTO, l4_names[k].num);
					ok = 1;
				}
			if (!ok)
				ok = put_dec(m, NFP_F_PROTO, v, vl, 255);
			break;
		case H_ICMPT:
		case H_ICMPC: {
			int c = icmp_name(v6, nft_pairs[i].how == H_ICMPC, v, vl);
			if (c != 255) {
				nfp_put_u(m->p, f, (uint64_t)c);
				ok = 1;
			} else {
				ok = put_dec(m, f, v, vl, 255);
			}
			break;
		}
		case H_TCPF: { /* "flags == syn | ack" or "flags syn,ack" */
			uint64_t bits = 0;
			size_t k = vpos, ke;
			if (nfp_word_is(v, vl, "==")) {
				k = nfp_skip_sp(s, ve, n);
			}
			for (;;) {
				ke = nfp_tok_end(s, k, n);
				size_t a = k;
				while (a < ke) { /* words joined by ',' or '|' */
					size_t b = a;
					while (b < ke && s[b] != ',' && s[b] != '|')
						b++;
					int bit = tcp_flag_bit(s + a, b - a);
					uint64_t x;
					if (bit < 0 && b - a > 2 && s[a] == '0' && s[a + 1] == 'x' &&
					    nfp_hex(s + a + 2, b - a - 2, 0xff, &x) == b - a - 2) {
						/* the header's byte, as nft prints flags it has no name for ("0x0": none) */
						for (int wb = 0; wb < 8; wb++)
							if (x & (1u << wb))
								bits |= 1u << (8 - wb); /* FIN (bit 0 on the wire) is 8 here */
					} else if (bit < 0 && b > a) {
						return 0;
					}
					if (bit >= 0)
						bits |= 1u << bit;
					a = b + 1;
				}
				size_t nx = nfp_skip_sp(s, ke, n), nxe = nfp_tok_end(s, nx, n);
				if (nxe - nx == 1 && s[nx] == '|') {
					k = nfp_skip_sp(s, nxe, n);
					continue;
				}
				ve = ke;
				break;
			}
			nfp_put_u(m->p, f, bits);
			ok = 1;
			break;
		}
		case H_DSCP:
		case H_ECN: ok = tos_part(m, f == NFP_F_TC, nft_pairs[i].how == H_ECN, v, vl); break;
		case H_IF: break;
		}
		if (!ok)
			return 0;
		if (nft_pairs[i].l4)
			set_proto(m, nft_pairs[i].l4);
		return ve;
	}
	return 0;
}

static void nft_packet(struct mon *m, size_t pos)
{
	const char *s = m->s;
	size_t n = m->len;
	while ((pos = nfp_skip_sp(s, pos, n)) < n) {
		size_t e = nfp_tok_end(s, pos, n), r;
		if (nfp_word_is(s + pos, e - pos, "iif") || nfp_word_is(s + pos, e - pos, "oif")) {
			size_t v = nfp_skip_sp(s, e, n), ve = nfp_tok_end(s, v, n);
			if (ve - v >= 2 && s[v] == '"' && s[ve - 1] == '"') {
				enum nfp_field f = s[pos] == 'i' ? NFP_F_IN : NFP_F_OUT;
				if (nfp_has(m->p, f))
					unknown(m, pos, ve - pos); /* repeated: the first stays */
				else
					nfp_put_slice(m->p, f, v + 1, ve - v - 2);
				pos = ve;
				continue;
			}
		}
		if ((r = nft_pair(m, pos)) != 0) {
			pos = r;
			continue;
		}
		unknown(m, pos, e - pos);
		pos = e;
	}
}

/* "trace id <id> <family> <table> <chain> <kind> ..." from just after "trace id " */
static enum nfp_type nft(struct mon *m, size_t pos)
{
	const char *s = m->s;
	size_t n = m->len, e, t[4], te[4];
	int fam;
	for (int i = 0; i < 4; i++) {
		pos = nfp_skip_sp(s, pos, n);
		t[i] = pos;
		te[i] = pos = nfp_tok_end(s, pos, n);
		if (te[i] == t[i])
			return NFP_NONE;
	}
	if (nfp_hex(s + t[0], te[0] - t[0], UINT32_MAX, &(uint64_t){ 0 }) != te[0] - t[0] ||
	    (fam = nfp_nft_family(s + t[1], te[1] - t[1])) < 0)
		return NFP_NONE;
	nfp_put_u(m->p, NFP_F_TRACE_SOURCE, NFP_W_NFT);
	nfp_put_slice(m->p, NFP_F_TRACE_PACKET, t[0], te[0] - t[0]);
	nfp_put_u(m->p, NFP_F_TRACE_FAMILY, nfp_family_word((unsigned)fam));
	nfp_put_slice(m->p, NFP_F_TRACE_TABLE, t[2], te[2] - t[2]);
	pos = nfp_skip_sp(s, pos, n);
	e = nfp_tok_end(s, pos, n);
	/* the chain, then the kind word */
	nfp_put_slice(m->p, NFP_F_TRACE_CHAIN, t[3], te[3] - t[3]);
	if (nfp_word_is(s + pos, e - pos, "packet:")) {
		nfp_put_u(m->p, NFP_F_TRACE_TYPE, NFP_W_PACKET);
		nft_packet(m, e);
		return NFP_TRACE;
	}
	if (nfp_word_is(s + pos, e - pos, "conntrack:")) {
		nfp_put_u(m->p, NFP_F_TRACE_TYPE, NFP_W_CONNTRACK);
		for (pos = nfp_skip_sp(s, e, n); pos < n; pos = nfp_skip_sp(s, e, n))
			unknown(m, pos, (e = nfp_tok_end(s, pos, n)) - pos);
		return NFP_TRACE;
	}
	if (nfp_word_is(s + pos, e - pos, "policy") || nfp_word_is(s + pos, e - pos, "verdict")) {
		size_t v = nfp_skip_sp(s, e, n), ve = nfp_tok_end(s, v, n);
		nfp_put_u(m->p, NFP_F_TRACE_TYPE, s[pos] == 'p' ? NFP_W_POLICY : NFP_W_RETURN);
		if (ve > v)
			nfp_put_slice(m->p, NFP_F_TRACE_VERDICT, v, ve - v);
		/* "verdict jump x" / "verdict goto x": the chain belongs to the verdict */
		if (nfp_word_is(s + v, ve - v, "jump") || nfp_word_is(s + v, ve - v, "goto")) {
			size_t c = nfp_skip_sp(s, ve, n), ce = nfp_tok_end(s, c, n);
			if (ce > c)
				nfp_put_slice(m->p, NFP_F_TRACE_VERDICT, v, ce - v), ve = ce;
		}
		for (pos = nfp_skip_sp(s, ve, n); pos < n; pos = nfp_skip_sp(s, e, n)) {
			e = nfp_tok_end(s, pos, n);
			size_t vv = nfp_skip_sp(s, e, n), vve = nfp_tok_end(s, vv, n);
			uint64_t mk;
			if (nfp_word_is(s + pos, e - pos, "meta") && nfp_word_is(s + vv, vve - vv, "mark")) {
				size_t x = nfp_skip_sp(s, vve, n), xe = nfp_tok_end(s, x, n);
				if (xe > x && nfp_hex(s + x, xe - x, UINT32_MAX, &mk) == xe - x) {
					nfp_put_u(m->p, NFP_F_MARK, mk);
					e = xe;
					continue;
				}
			}
			unknown(m, pos, e - pos);
		}
		return NFP_TRACE;
	}
	if (nfp_word_is(s + pos, e - pos, "rule") || nfp_word_is(s + pos, e - pos, "unknown")) {
		size_t b = nfp_skip_sp(s, e, n), end = n, vp;
		uint64_t h;
		nfp_put_u(m->p, NFP_F_TRACE_TYPE, NFP_W_RULE);
		while (end > b && s[end - 1] == ' ')
			end--;
		/* "(verdict <v>)" at the end */
		if (end > b && s[end - 1] == ')') {
			for (vp = end - 1; vp > b && s[vp] != '('; vp--)
				;
			if (s[vp] == '(' && end - vp > 10 && memcmp(s + vp, "(verdict ", 9) == 0) {
				nfp_put_slice(m->p, NFP_F_TRACE_VERDICT, vp + 9, end - 1 - vp - 9);
				end = vp;
				while (end > b && s[end - 1] == ' ')
					end--;
			}
		}
		if (s[pos] == 'u') { /* "unknown rule handle N" */
			size_t r = nfp_tok_end(s, b, n), hh = nfp_skip_sp(s, r, n), hv = nfp_skip_sp(s, nfp_tok_end(s, hh, n), n);
			size_t hve = nfp_tok_end(s, hv, n);
			if (!nfp_word_is(s + b, r - b, "rule") || !nfp_word_is(s + hh, nfp_tok_end(s, hh, n) - hh, "handle"))
				return NFP_NONE;
			if (nfp_dec(s + hv, hve - hv, UINT32_MAX, &h) == hve - hv)
				nfp_put_u(m->p, NFP_F_TRACE_HANDLE, h);
			return NFP_TRACE;
		}
		/* "... # handle N" (nft -a) */
		for (size_t k = end; k > b + 9; k--) {
			if (s[k - 1] == '#' && end - k > 8 && memcmp(s + k, " handle ", 8) == 0) {
				if (nfp_dec(s + k + 8, end - k - 8, UINT32_MAX, &h) == end - k - 8) {
					nfp_put_u(m->p, NFP_F_TRACE_HANDLE, h);
					end = k - 1;
					while (end > b && s[end - 1] == ' ')
						end--;
				}
				break;
			}
		}
		if (end > b)
			nfp_put_slice(m->p, NFP_F_TRACE_TEXT, b, end - b);
		return NFP_TRACE;
	}
	return NFP_NONE;
}

enum nfp_type nfp_monitor_parse(const char *line, size_t len, size_t pos, struct nfp_record *rec)
{
	struct mon m = { line, len, rec, &rec->pkt[0], 0 };
	enum nfp_type t = NFP_NONE;
	pos = nfp_skip_sp(line, pos, len);
	if (len - pos > 8 && memcmp(line + pos, "PACKET: ", 8) == 0)
		t = xtables(&m, pos + 8, 1);
	else if (len - pos > 7 && memcmp(line + pos, "TRACE: ", 7) == 0)
		t = xtables(&m, pos + 7, 0);
	else if (len - pos > 9 && memcmp(line + pos, "trace id ", 9) == 0)
		t = nft(&m, pos + 9);
	rec->type = t;
	return t;
}
