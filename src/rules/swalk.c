/* Packet views and static walks (src/rules/nfp_match.h): a record's or a what-if packet's
 * fields as the matcher sees them; the walk the kernel would make through a snapshot's base
 * chains; whether a rule can be reached at all; what follows a LOG rule.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include "rules/nfp_match.h"
#include "parse/parse_int.h"

/* ---- packet views ---- */
static void copy_if(char *d, const char *s, size_t n, uint32_t *known, uint32_t bit)
{
	if (n >= NFP_IFNAMSIZ)
		return;
	memcpy(d, s, n);
	d[n] = 0;
	*known |= bit;
}

/* record TCP flag bits (src/parse/fields.c order) -> header bits */
static const uint8_t rec_flag_bits[9] = { 0, NFP_TCP_CWR, NFP_TCP_ECE, NFP_TCP_URG, NFP_TCP_ACK,
					  NFP_TCP_PSH, NFP_TCP_RST, NFP_TCP_SYN, NFP_TCP_FIN };

void nfp_pview_of(const struct nfp_record *rec, const char *line, struct nfp_pview *pv)
{
	const struct nfp_pkt *p = &rec->pkt[0];
	int kernel = !nfp_has(p, NFP_F_TRACE_SOURCE) || p->v[NFP_F_TRACE_SOURCE].u == NFP_W_KERNEL;
	memset(pv, 0, sizeof(*pv));
	if (nfp_has(p, NFP_F_SRC)) {
		pv->family = p->v[NFP_F_SRC].ip.family;
		memcpy(pv->src, p->v[NFP_F_SRC].ip.a, 16);
		pv->known |= NFP_PV_FAMILY | NFP_PV_SRC;
	}
	if (nfp_has(p, NFP_F_DST) && (!(pv->known & NFP_PV_FAMILY) || p->v[NFP_F_DST].ip.family == pv->family)) {
		pv->family = p->v[NFP_F_DST].ip.family;
		memcpy(pv->dst, p->v[NFP_F_DST].ip.a, 16);
		pv->known |= NFP_PV_FAMILY | NFP_PV_DST;
	}
	if (nfp_has(p, NFP_F_PROTO)) {
		pv->proto = (uint8_t)p->v[NFP_F_PROTO].u;
		pv->known |= NFP_PV_PROTO;
	}
	if (nfp_has(p, NFP_F_TCP_SPT) && nfp_has(p, NFP_F_TCP_DPT)) {
		pv->sport = (uint16_t)p->v[NFP_F_TCP_SPT].u;
		pv->dport = (uint16_t)p->v[NFP_F_TCP_DPT].u;
		pv->known |= NFP_PV_PORTS;
		if (kernel || nfp_has(p, NFP_F_TCP_FLAGS)) { /* the kernel prints the flags that are set */
			uint64_t f = nfp_has(p, NFP_F_TCP_FLAGS) ? p->v[NFP_F_TCP_FLAGS].u : 0;
			for (unsigned b = 1; b < 9; b++)
				if (f & (1u << b))
					pv->tcp_flags |= rec_flag_bits[b];
			pv->known |= NFP_PV_FLAGS;
			if ((pv->tcp_flags & (NFP_TCP_SYN | NFP_TCP_ACK | NFP_TCP_RST | NFP_TCP_FIN)) == NFP_TCP_SYN) {
				pv->ct = NFP_CT_NEW;
				pv->known |= NFP_PV_CT;
				pv->ct_from = "a TCP SYN without ACK opens a connection: ct state new (unless its checksum was bad)";
			}
		}
	} else if (nfp_has(p, NFP_F_UDP_SPT) && nfp_has(p, NFP_F_UDP_DPT)) {
		pv->sport = (uint16_t)p->v[NFP_F_UDP_SPT].u;
		pv->dport = (uint16_t)p->v[NFP_F_UDP_DPT].u;
		pv->known |= NFP_PV_PORTS;
		/* conntrack marks a UDP datagram invalid for a length that disagrees with the IP
		 * header's (or a bad checksum, which no log line shows) */
		if (nfp_has(p, NFP_F_UDP_LEN) && nfp_has(p, NFP_F_IP_LEN) && !nfp_has(p, NFP_F_IP_OPT) &&
		    !nfp_has(p, NFP_F_EXTHDR) &&
		    p->v[NFP_F_UDP_LEN].u + (pv->family == 6 ? 40u : 20u) == p->v[NFP_F_IP_LEN].u) {
			pv->ct = NFP_CT_NEW | NFP_CT_ESTABLISHED | NFP_CT_RELATED | NFP_CT_UNTRACKED;
			pv->known |= NFP_PV_CT;
			pv->ct_from = "a UDP datagram whose lengths agree is not ct state invalid (unless its checksum was bad)";
		}
	}
	if (nfp_has(p, NFP_F_ICMP_TYPE)) {
		pv->icmp_type = (uint8_t)p->v[NFP_F_ICMP_TYPE].u;
		pv->icmp_code = nfp_has(p, NFP_F_ICMP_CODE) ? (uint8_t)p->v[NFP_F_ICMP_CODE].u : 0;
		pv->known |= NFP_PV_ICMP;
	}
	if (nfp_has(p, NFP_F_TTL) || nfp_has(p, NFP_F_HOPLIMIT)) {
		pv->ttl = (uint8_t)p->v[nfp_has(p, NFP_F_TTL) ? NFP_F_TTL : NFP_F_HOPLIMIT].u;
		pv->known |= NFP_PV_TTL;
	}
	if (nfp_has(p, NFP_F_IP_LEN)) {
		pv->len = (uint16_t)p->v[NFP_F_IP_LEN].u;
		pv->known |= NFP_PV_LEN;
	}
	if (nfp_has(p, NFP_F_MARK) || kernel) { /* the kernel prints MARK= only when it is not 0 */
		pv->mark = nfp_has(p, NFP_F_MARK) ? (uint32_t)p->v[NFP_F_MARK].u : 0;
		pv->known |= NFP_PV_MARK;
	}
	if (nfp_has(p, NFP_F_IN))
		copy_if(pv->in, line + p->v[NFP_F_IN].s.off, p->v[NFP_F_IN].s.len, &pv->known, NFP_PV_IN);
	if (nfp_has(p, NFP_F_OUT))
		copy_if(pv->out, line + p->v[NFP_F_OUT].s.off, p->v[NFP_F_OUT].s.len, &pv->known, NFP_PV_OUT);
	if (kernel && rec->type == NFP_LOG) { /* PHYSIN=/PHYSOUT= are printed whenever the packet is bridged */
		uint32_t k = 0;
		if (nfp_has(p, NFP_F_PHYSIN))
			copy_if(pv->physin, line + p->v[NFP_F_PHYSIN].s.off, p->v[NFP_F_PHYSIN].s.len, &k, NFP_PV_PHYS);
		if (nfp_has(p, NFP_F_PHYSOUT))
			copy_if(pv->physout, line + p->v[NFP_F_PHYSOUT].s.off, p->v[NFP_F_PHYSOUT].s.len, &k, NFP_PV_PHYS);
		pv->known |= NFP_PV_PHYS;
	}
	if (nfp_has(p, NFP_F_MAC)) { /* "dst:src:type" */
		const char *m = line + p->v[NFP_F_MAC].s.off;
		size_t n = p->v[NFP_F_MAC].s.len;
		if (n >= 35 && nfp_mac(m, 17, pv->mac_dst) == 17 && nfp_mac(m + 18, 17, pv->mac_src) == 17)
			pv->known |= NFP_PV_MACSRC | NFP_PV_MACDST;
	}
}

/* "10.0.0.4:80", "[fd00::1]:80", "fd00::1", "10.0.0.4" */
static int endpoint(const char *s, size_t n, struct nfp_pview *pv, uint8_t *addr, uint16_t *port, int *has_port)
{
	size_t an = n, ao = 0;
	uint64_t v;
	int fam;
	*has_port = 0;
	if (n > 0 && s[0] == '[') {
		const char *rb = memchr(s, ']', n);
		if (rb == NULL)
			return -1;
		ao = 1;
		an = (size_t)(rb - s) - 1;
		if ((size_t)(rb - s) + 1 < n) {
			size_t po = (size_t)(rb - s) + 2;
			if (s[po - 1] != ':' || nfp_dec(s + po, n - po, 65535, &v) != n - po || po == n)
				return -1;
			*port = (uint16_t)v;
			*has_port = 1;
		}
	} else if (memchr(s, '.', n) != NULL && memchr(s, ':', n) != NULL) {
		const char *c = memchr(s, ':', n);
		an = (size_t)(c - s);
		if (nfp_dec(c + 1, n - an - 1, 65535, &v) != n - an - 1 || an + 1 == n)
			return -1;
		*port = (uint16_t)v;
		*has_port = 1;
	}
	memset(addr, 0, 16);
	if (nfp_ipv4(s + ao, an, addr) == an && an > 0)
		fam = 4;
	else if (nfp_ipv6(s + ao, an, addr) == an && an > 0)
		fam = 6;
	else
		return -1;
	if ((pv->known & NFP_PV_FAMILY) && pv->family != fam)
		return -1;
	pv->family = (uint8_t)fam;
	pv->known |= NFP_PV_FAMILY;
	return 0;
}

static int err_out(char *err, size_t errlen, const char *what, const char *s, size_t n)
{
	snprintf(err, errlen, "--packet: %s: '%.*s'", what, (int)(n > 60 ? 60 : n), s);
	return -1;
}

int nfp_pview_parse(const char *spec, struct nfp_pview *pv, char *err, size_t errlen)
{
	static const struct {
		const char *w;
		uint8_t num;
	} protos[] = { { "tcp", 6 }, { "udp", 17 }, { "icmp", 1 }, { "icmpv6", 58 }, { "sctp", 132 }, { "udplite", 136 },
		       { "esp", 50 }, { "ah", 51 }, { "gre", 47 } };
	size_t n = strlen(spec), i = 0, e;
	int stage = 0, hp, ct_given = 0, flags_given = 0, icmp_given = 0;
	memset(pv, 0, sizeof(*pv));
	pv->known = NFP_PV_MARK | NFP_PV_PHYS | NFP_PV_IN | NFP_PV_OUT; /* mark 0, not bridged, no interfaces */
	while ((i = nfp_skip_sp(spec, i, n)) < n) {
		e = nfp_tok_end(spec, i, n);
		const char *w = spec + i;
		size_t wn = e - i, vi = nfp_skip_sp(spec, e, n), ve = nfp_tok_end(spec, vi, n);
		const char *v = spec + vi;
		size_t vn = ve - vi;
		uint64_t num;
		if (stage == 0) { /* the protocol */
			int ok = 0;
			for (size_t k = 0; k < sizeof(protos) / sizeof(protos[0]); k++)
				if (nfp_word_is(w, wn, protos[k].w))
					pv->proto = protos[k].num, ok = 1;
			if (!ok && nfp_dec(w, wn, 255, &num) == wn && wn > 0)
				pv->proto = (uint8_t)num, ok = 1;
			if (!ok)
				return err_out(err, errlen, "expected a protocol (tcp, udp, icmp, icmpv6, or a number) first", w, wn);
			pv->known |= NFP_PV_PROTO;
			stage = 1;
			i = e;
			continue;
		}
		if (stage == 1 || stage == 3) { /* source, then destination */
			uint16_t port = 0;
			if (endpoint(w, wn, pv, stage == 1 ? pv->src : pv->dst, &port, &hp) != 0)
				return err_out(err, errlen, "not an address (a.b.c.d[:port] or [v6][:port], both of one family)", w, wn);
			pv->known |= stage == 1 ? NFP_PV_SRC : NFP_PV_DST;
			if (hp) {
				if (stage == 1)
					pv->sport = port;
				else
					pv->dport = port;
				pv->known |= NFP_PV_PORTS;
			}
			stage++;
			i = e;
			continue;
		}
		if (stage == 2) {
			if (!nfp_word_is(w, wn, ">"))
				return err_out(err, errlen, "expected '>' between source and destination", w, wn);
			stage = 3;
			i = e;
			continue;
		}
		if (vn == 0)
			return err_out(err, errlen, "a value is missing after", w, wn);
		if (nfp_word_is(w, wn, "in") || nfp_word_is(w, wn, "out") || nfp_word_is(w, wn, "physin") ||
		    nfp_word_is(w, wn, "physout")) {
			char *d = w[0] == 'i' ? pv->in : w[0] == 'o' ? pv->out : w[4] == 'i' ? pv->physin : pv->physout;
			if (vn >= NFP_IFNAMSIZ)
				return err_out(err, errlen, "interface name longer than 15 bytes", v, vn);
			memcpy(d, v, vn);
			d[vn] = 0;
		} else if (nfp_word_is(w, wn, "flags")) { /* S, SA, FA, R, P: or syn,ack */
			uint8_t f = 0;
			for (size_t k = 0; k < vn; k++) {
				static const char letters[] = "FSRPAUEC";
				const char *l = memchr(letters, v[k] & ~0x20, 8);
				if (l == NULL || v[k] == ',')
					return err_out(err, errlen, "flags are letters of FSRPAUEC (SYN: S, SYN-ACK: SA)", v, vn);
				f |= (uint8_t)(1u << (l - letters));
			}
			pv->tcp_flags = f;
			flags_given = 1;
		} else if (nfp_word_is(w, wn, "ct")) {
			static const struct {
				const char *w;
				uint8_t bit;
			} cts[] = { { "new", NFP_CT_NEW }, { "established", NFP_CT_ESTABLISHED }, { "related", NFP_CT_RELATED },
				    { "invalid", NFP_CT_INVALID }, { "untracked", NFP_CT_UNTRACKED } };
			for (size_t k = 0; k < sizeof(cts) / sizeof(cts[0]); k++)
				if (nfp_word_is(v, vn, cts[k].w))
					pv->ct = cts[k].bit, ct_given = 1;
			if (!ct_given)
				return err_out(err, errlen, "ct is one of new, established, related, invalid, untracked", v, vn);
			pv->known |= NFP_PV_CT;
		} else if (nfp_word_is(w, wn, "type")) { /* ICMP type[/code] */
			const char *sl = memchr(v, '/', vn);
			size_t tn = sl ? (size_t)(sl - v) : vn;
			uint64_t c = 0;
			if (nfp_dec(v, tn, 255, &num) != tn || tn == 0 || (sl && nfp_dec(sl + 1, vn - tn - 1, 255, &c) != vn - tn - 1))
				return err_out(err, errlen, "type is a number, with /code optionally", v, vn);
			pv->icmp_type = (uint8_t)num;
			pv->icmp_code = (uint8_t)c;
			icmp_given = 1;
		} else if (nfp_word_is(w, wn, "mark") || nfp_word_is(w, wn, "ttl") || nfp_word_is(w, wn, "len")) {
			if (!((vn > 2 && v[0] == '0' && v[1] == 'x' && nfp_hex(v + 2, vn - 2, UINT32_MAX, &num) == vn - 2) ||
			      nfp_dec(v, vn, UINT32_MAX, &num) == vn))
				return err_out(err, errlen, "not a number", v, vn);
			if (w[0] == 'm')
				pv->mark = (uint32_t)num;
			else if (w[0] == 't')
				pv->ttl = (uint8_t)num, pv->known |= NFP_PV_TTL;
			else
				pv->len = (uint16_t)num, pv->known |= NFP_PV_LEN;
		} else {
			return err_out(err, errlen, "unknown word (in, out, physin, physout, flags, ct, type, mark, ttl, len)", w, wn);
		}
		i = ve;
	}
	if (stage < 4)
		return err_out(err, errlen, "expected 'PROTO SRC > DST', e.g. 'tcp 10.0.0.4:40000 > 192.168.0.19:80 in eth0'",
			       spec, n);
	if (!pv->in[0] && !pv->out[0])
		return err_out(err, errlen, "say where the packet is: 'in IF' (to this host), 'out IF' (from it), or both "
					    "(forwarded)", spec, n);
	if (pv->proto == 6) {
		if (!flags_given)
			pv->tcp_flags = NFP_TCP_SYN;
		pv->known |= NFP_PV_FLAGS;
	}
	if (pv->proto == 1 || pv->proto == 58) {
		if (!icmp_given)
			pv->icmp_type = pv->proto == 1 ? 8 : 128; /* echo request */
		pv->known |= NFP_PV_ICMP;
	}
	if (!ct_given) {
		int est = pv->proto == 6 && (pv->tcp_flags & NFP_TCP_ACK);
		pv->ct = est ? NFP_CT_ESTABLISHED : NFP_CT_NEW;
		pv->known |= NFP_PV_CT;
		pv->ct_from = est ? "assumed: ct state established (a TCP packet with ACK; say 'ct ...' otherwise)"
				  : "assumed: ct state new (the first packet of its flow; say 'ct ...' otherwise)";
	}
	pv->known |= NFP_PV_RPF_OK;
	pv->rpf_from = "assumed: the source passes the reverse-path filter (rpfilter, fib saddr ... oif missing)";
	if (pv->ct == NFP_CT_NEW) { /* a new flow's status: no NAT yet (the walk adds what it does) */
		pv->ct_status = 0;
		pv->known |= NFP_PV_CTSTATUS;
	}
	return 0;
}

/* ---- walks ---- */
unsigned nfp_pview_hooks(const struct nfp_pview *pv, uint8_t hooks[3])
{
	int in = (pv->known & NFP_PV_IN) && pv->in[0], out = (pv->known & NFP_PV_OUT) && pv->out[0];
	unsigned n = 0;
	if (in)
		hooks[n++] = NFP_HOOK_PRE;
	if (in && out)
		hooks[n++] = NFP_HOOK_FWD;
	else if (in)
		hooks[n++] = NFP_HOOK_IN;
	else if (out)
		hooks[n++] = NFP_HOOK_OUT;
	if (out)
		hooks[n++] = NFP_HOOK_POST;
	return n;
}

int nfp_rs_chain_is_nat(const struct nfp_ruleset *rs, const struct nfp_rs_chain *c)
{
	if (rs->fmt == NFP_RS_IPTABLES) {
		const struct nfp_rs_str *t = &rs->tables[c->table].name;
		return nfp_word_is(t->p, t->len, "nat");
	}
	for (size_t i = 0; i + 8 <= c->decl.len; i++)
		if (memcmp(c->decl.p + i, "type nat", 8) == 0)
			return 1;
	return 0;
}

/* a base chain of this snapshot that sees the packet's family at all */
static int family_fits(const struct nfp_ruleset *rs, const struct nfp_rs_chain *c, const struct nfp_pview *pv)
{
	int tf = rs->tables[c->table].family;
	if (rs->fmt == NFP_RS_IPTABLES)
		return 1;
	if (!(pv->known & NFP_PV_FAMILY))
		return tf == 1 || tf == 2 || tf == 10;
	return tf == 1 || (tf == 2 && pv->family == 4) || (tf == 10 && pv->family == 6);
}

/* nat chains see only the first packet of a connection */
static int sees(const struct nfp_ruleset *rs, const struct nfp_rs_chain *c, const struct nfp_pview *pv)
{
	if (!family_fits(rs, c, pv))
		return 0;
	if ((pv->known & NFP_PV_CT) && !(pv->ct & NFP_CT_NEW) && nfp_rs_chain_is_nat(rs, c))
		return 0;
	return 1;
}

static const struct nfp_rs_chain *target_chain(const struct nfp_ruleset *rs, const struct nfp_rs_rule *r,
					       struct nfp_rs_str vmap)
{
	if (vmap.p == NULL)
		return r->jump ? &rs->chains[r->jump - 1] : NULL;
	size_t i = 0; /* "jump name" */
	while (i < vmap.len && vmap.p[i] != ' ')
		i++;
	while (i < vmap.len && vmap.p[i] == ' ')
		i++;
	return nfp_rs_chain(rs, &rs->tables[rs->chains[r->chain].table], vmap.p + i, vmap.len - i);
}

/* what the MARK-setting targets and statements do to the view: the mark is no longer known */
/* a number as rules print it (0x4000, 16384); -1 when it is none */
static long long mark_num(const char *s, size_t n)
{
	uint64_t v;
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return nfp_hex(s + 2, n - 2, UINT32_MAX, &v) == n - 2 ? (long long)v : -1;
	return nfp_dec(s, n, UINT32_MAX, &v) == n && n > 0 ? (long long)v : -1;
}

/* a rule that sets the packet's mark: the view's mark after it, where the rule says it from
 * the mark before ("-j MARK --set-xmark V/M": mark = (mark & ~M) ^ V, as iptables-save prints
 * every MARK; nft "meta mark set V", "meta mark set mark or|and|xor V"); unknown otherwise
 * (CONNMARK's restore, a map, an unknown mark before) */
static void apply_mark(const struct nfp_ruleset *rs, const struct nfp_rs_rule *r, struct nfp_pview *pv)
{
	const char *t = r->target.len ? r->target.p : r->text.p, *x = r->text.p, *p;
	size_t n = r->target.len ? r->target.len : r->text.len, xn = r->text.len;
	long long v = -1, m = -1;
	if (rs->fmt == NFP_RS_IPTABLES) {
		if (nfp_word_is(t, n, "CONNMARK")) {
			if (memmem(x, xn, "--restore-mark", 14) != NULL)
				pv->known &= ~NFP_PV_MARK;
			return; /* the connection's mark only */
		}
		if (!nfp_word_is(t, n, "MARK"))
			return;
		if ((p = memmem(x, xn, "--set-xmark ", 12)) != NULL) {
			const char *a = p + 12, *e = a, *sl;
			while (e < x + xn && *e != ' ')
				e++;
			sl = memchr(a, '/', (size_t)(e - a));
			v = mark_num(a, (size_t)((sl ? sl : e) - a));
			m = sl ? mark_num(sl + 1, (size_t)(e - sl - 1)) : 0xffffffffLL;
		}
		if (v < 0 || m < 0 || !(pv->known & NFP_PV_MARK)) {
			pv->known &= ~NFP_PV_MARK;
			return;
		}
		pv->mark = (pv->mark & ~(uint32_t)m) ^ (uint32_t)v;
		return;
	}
	if ((p = memmem(x, xn, "mark set ", 9)) == NULL || (p - x >= 3 && memcmp(p - 3, "ct ", 3) == 0))
		return; /* no mark set, or the connection's ("ct mark set") */
	{
		const char *a = p + 9, *end = x + xn, *w[4];
		size_t wl[4], nw = 0;
		while (a < end && nw < 4) { /* up to four words: "V" or "mark|meta mark OP V" */
			const char *e = a;
			while (e < end && *e != ' ')
				e++;
			w[nw] = a, wl[nw++] = (size_t)(e - a);
			a = e;
			while (a < end && *a == ' ')
				a++;
		}
		size_t k = nw > 0 && nfp_word_is(w[0], wl[0], "meta") ? 1 : 0;
		if (nw > 0 && (v = mark_num(w[0], wl[0])) >= 0) { /* "mark set 0x1" */
			pv->mark = (uint32_t)v;
			pv->known |= NFP_PV_MARK;
			return;
		}
		if (nw >= k + 3 && nfp_word_is(w[k], wl[k], "mark") && (pv->known & NFP_PV_MARK) &&
		    (v = mark_num(w[k + 2], wl[k + 2])) >= 0) { /* "mark set mark or 0x4000" */
			const char *op = w[k + 1];
			size_t ol = wl[k + 1];
			if (nfp_word_is(op, ol, "or") || nfp_word_is(op, ol, "|")) {
				pv->mark |= (uint32_t)v;
				return;
			}
			if (nfp_word_is(op, ol, "and") || nfp_word_is(op, ol, "&")) {
				pv->mark &= (uint32_t)v;
				return;
			}
			if (nfp_word_is(op, ol, "xor") || nfp_word_is(op, ol, "^")) {
				pv->mark ^= (uint32_t)v;
				return;
			}
		}
	}
	pv->known &= ~NFP_PV_MARK;
}

/* a NAT rule's rewrite, applied to the view so that later rules see the packet as the kernel
 * does ("-j DNAT --to-destination 10.0.0.2:80", "dnat to 10.0.0.2:80", "snat ip to 1.2.3.4");
 * what cannot be read (ranges, maps, masquerade's address) makes that part unknown */
static void nat_rewrite(const struct nfp_ruleset *rs, const struct nfp_rs_rule *r, struct nfp_pview *pv)
{
	const char *t = r->text.p, *v = NULL;
	size_t n = r->text.len, vn = 0;
	int dst = -1;
	for (size_t i = 0; i < n; i++) {
		static const struct {
			const char *w;
			int dst;
		} keys[] = { { "--to-destination ", 1 }, { "--to-source ", 0 }, { "dnat to ", 1 }, { "snat to ", 0 },
			     { "dnat ip to ", 1 }, { "snat ip to ", 0 }, { "dnat ip6 to ", 1 }, { "snat ip6 to ", 0 },
			     { "--to-ports ", 2 }, { "redirect to :", 2 }, { "MASQUERADE", 3 }, { "masquerade", 3 } };
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]) && v == NULL; k++) {
			size_t kl = strlen(keys[k].w);
			if (n - i >= kl && memcmp(t + i, keys[k].w, kl) == 0) {
				v = t + i + kl;
				vn = 0;
				while (i + kl + vn < n && t[i + kl + vn] != ' ')
					vn++;
				dst = keys[k].dst;
			}
		}
		if (v != NULL)
			break;
	}
	(void)rs;
	if (v == NULL)
		return;
	pv->ct_status |= dst == 0 || dst == 3 ? NFP_CTS_SNAT : NFP_CTS_DNAT; /* conntrack's status says so */
	if (dst == 3) { /* masquerade: the outgoing interface's address */
		pv->known &= ~NFP_PV_SRC;
		return;
	}
	if (dst == 2) { /* redirect: to this host, the port given */
		uint64_t port;
		pv->known &= ~NFP_PV_DST;
		if (nfp_dec(v, vn, 65535, &port) == vn && vn > 0)
			pv->dport = (uint16_t)port;
		else
			pv->known &= ~NFP_PV_PORTS;
		return;
	}
	uint8_t a[16] = { 0 };
	size_t an = vn, po = 0, ao = 0;
	uint64_t port = 0;
	int has_port = 0;
	if (vn > 0 && v[0] == '[') { /* [v6]:port */
		const char *rb = memchr(v, ']', vn);
		if (rb != NULL) {
			ao = 1;
			an = (size_t)(rb - v) - 1;
			po = (size_t)(rb - v) + 1;
		}
	} else if (pv->family == 4) {
		const char *c = memchr(v, ':', vn);
		if (c != NULL)
			an = (size_t)(c - v), po = an;
	}
	if (po > 0 && po < vn && v[po] == ':') {
		has_port = nfp_dec(v + po + 1, vn - po - 1, 65535, &port) == vn - po - 1 && vn > po + 1;
		if (!has_port)
			pv->known &= ~NFP_PV_PORTS;
	}
	int ok = an > 0 && (pv->family == 4 ? nfp_ipv4(v + ao, an, a) == an : nfp_ipv6(v + ao, an, a) == an);
	uint8_t *addr = dst ? pv->dst : pv->src;
	if (ok)
		memcpy(addr, a, 16);
	else
		pv->known &= ~(uint32_t)(dst ? NFP_PV_DST : NFP_PV_SRC);
	if (has_port) {
		if (dst)
			pv->dport = (uint16_t)port;
		else
			pv->sport = (uint16_t)port;
	}
}

struct runner {
	const struct nfp_ruleset *rs;
	struct nfp_pview *pv;
	struct nfp_swalk *w;   /* steps go here (NULL: not kept) */
	int strict;            /* an unknown condition that matters stops the run; 2: only whether the
				* walk ends is asked, so an undecided terminal rule is passed over
				* (matched or not, the walk ends either there or later) */
	unsigned budget;       /* rules looked at, at most */
	const struct nfp_rs_rule *decided; /* strict runs: the rule that ended the chain */
	const struct nfp_rs_chain *policy;
	const struct nfp_rs_rule *const *given; /* rules known to have matched (a LOG rule, the jumps to it): */
	unsigned ngiven;                        /* a rule with the very same match text matches too */
};

static void add_step(struct runner *ru, const struct nfp_rs_chain *c, const struct nfp_rs_rule *r, enum nfp_verdict v,
		     enum nfp_tri m, struct nfp_rs_str why)
{
	struct nfp_swalk *w = ru->w;
	if (w == NULL)
		return;
	if (w->n >= NFP_SWALK_MAX) {
		w->truncated = 1;
		return;
	}
	struct nfp_swalk_step *s = &w->step[w->n++];
	s->chain = c;
	s->rule = r;
	s->verdict = v;
	s->match = m;
	s->why = why;
	s->hook = ru->pv->hook;
	if (m == NFP_UNKNOWN)
		w->assumed++;
}

#define MAX_DEPTH 64
struct frame {
	const struct nfp_rs_chain *c;
	uint32_t next;
};

/* run from chain stack[depth-1] at its .next until the base chain ends: the verdict of this
 * base chain (accept, drop, reject, queue, or unknown) */
static enum nfp_verdict run(struct runner *ru, struct frame *stack, unsigned depth)
{
	const struct nfp_ruleset *rs = ru->rs;
	static const struct nfp_rs_str none = { NULL, 0 };
	while (depth > 0) {
		struct frame *f = &stack[depth - 1];
		const struct nfp_rs_chain *c = f->c;
		if (ru->budget == 0) {
			if (ru->w)
				ru->w->truncated = 1;
			return NFP_V_UNKNOWN;
		}
		ru->budget--;
		if (f->next >= c->n) { /* the end of the chain */
			if (depth == 1 && c->policy.len > 0) {
				add_step(ru, c, NULL, (enum nfp_verdict)c->policy_verdict, NFP_YES, none);
				ru->policy = c;
				return (enum nfp_verdict)c->policy_verdict;
			}
			add_step(ru, c, NULL, NFP_V_RETURN, NFP_YES, none);
			if (depth == 1) /* a walk that started in a chain only jumped to: its caller is not known */
				return NFP_V_UNKNOWN;
			depth--;
			continue;
		}
		const struct nfp_rs_rule *r = &rs->rules[c->first + f->next++];
		struct nfp_rs_str why = { NULL, 0 }, vm = { NULL, 0 };
		enum nfp_tri m = nfp_rule_match(rs, r, ru->pv, 0, &why);
		enum nfp_verdict v = (enum nfp_verdict)r->verdict;
		for (unsigned g = 0; m == NFP_UNKNOWN && g < ru->ngiven; g++) {
			/* LOG then DROP with the same matches: what let the LOG rule match lets this one */
			const struct nfp_rs_rule *q = ru->given[g];
			if (r->chain == q->chain && r->match.len == q->match.len && memcmp(r->match.p, q->match.p, r->match.len) == 0)
				m = NFP_YES;
		}
		if (m == NFP_NO)
			continue;
		if (v == NFP_V_UNKNOWN && rs->fmt == NFP_RS_NFT && m == NFP_YES) { /* a verdict map */
			if (nfp_rule_vmap(rs, r, ru->pv, &vm))
				v = vm.len == 0 ? NFP_V_CONTINUE : nfp_verdict_of_word(vm.p, vm.len);
		}
		if (ru->strict == 2 && m == NFP_UNKNOWN && nfp_verdict_terminal(v))
			continue;
		if (ru->strict && m == NFP_UNKNOWN && v != NFP_V_CONTINUE && v != NFP_V_NONE)
			return NFP_V_UNKNOWN;
		add_step(ru, c, r, v, m, why);
		switch (v) {
		case NFP_V_NONE:
		case NFP_V_CONTINUE:
			apply_mark(rs, r, ru->pv);
			continue;
		case NFP_V_NAT:
			nat_rewrite(rs, r, ru->pv);
			ru->decided = r;
			return v;
		case NFP_V_ACCEPT:
		case NFP_V_DROP:
		case NFP_V_REJECT:
		case NFP_V_QUEUE:
			ru->decided = r;
			return v;
		case NFP_V_RETURN:
			if (depth == 1) {
				if (c->policy.len == 0)
					return NFP_V_UNKNOWN;
				add_step(ru, c, NULL, (enum nfp_verdict)c->policy_verdict, NFP_YES, none);
				ru->policy = c;
				return (enum nfp_verdict)c->policy_verdict;
			}
			depth--;
			continue;
		case NFP_V_JUMP:
		case NFP_V_GOTO: {
			const struct nfp_rs_chain *j = target_chain(rs, r, vm);
			if (j == NULL)
				return NFP_V_UNKNOWN;
			if (v == NFP_V_GOTO && depth > 1) {
				stack[depth - 1].c = j; /* the goto'd chain returns to this chain's caller */
				stack[depth - 1].next = 0;
				continue;
			}
			if (depth >= MAX_DEPTH) {
				if (ru->w)
					ru->w->truncated = 1;
				return NFP_V_UNKNOWN;
			}
			/* a jump, or a goto from a base chain (the chain's end then is the policy's) */
			stack[depth].c = j;
			stack[depth].next = 0;
			depth++;
			continue;
		}
		default:
			return NFP_V_UNKNOWN;
		}
	}
	return NFP_V_UNKNOWN;
}

/* the base chains of a hook, by priority (then file order) */
static unsigned base_chains(const struct nfp_ruleset *rs, const struct nfp_pview *pv, uint8_t hook,
			    const struct nfp_rs_chain **out, unsigned max)
{
	unsigned n = 0;
	for (uint32_t i = 0; i < rs->nchains && n < max; i++) {
		const struct nfp_rs_chain *c = &rs->chains[i];
		if (!(c->base & hook) || !sees(rs, c, pv))
			continue;
		unsigned k = n++;
		while (k > 0 && out[k - 1]->prio > c->prio) {
			out[k] = out[k - 1];
			k--;
		}
		out[k] = c;
	}
	return n;
}

void nfp_swalk(const struct nfp_ruleset *rs, struct nfp_pview *pv, struct nfp_swalk *w)
{
	uint8_t hooks[3];
	unsigned nh = nfp_pview_hooks(pv, hooks);
	struct runner ru = { rs, pv, w, 0, 100000, NULL, NULL, NULL, 0 };
	struct frame stack[MAX_DEPTH];
	int last_accept = -1, last_any_accept = -1;
	w->n = w->assumed = 0;
	w->truncated = 0;
	w->verdict = NFP_V_ACCEPT;
	w->decider = -1;
	for (unsigned h = 0; h < nh; h++) {
		const struct nfp_rs_chain *bases[64];
		unsigned nb = base_chains(rs, pv, hooks[h], bases, 64);
		pv->hook = hooks[h];
		for (unsigned b = 0; b < nb; b++) {
			unsigned before = w->n;
			stack[0].c = bases[b];
			stack[0].next = 0;
			enum nfp_verdict v = run(&ru, stack, 1);
			int last = w->n > before ? (int)w->n - 1 : -1;
			if (v == NFP_V_ACCEPT || v == NFP_V_NAT) {
				if (last >= 0 && !nfp_rs_chain_is_nat(rs, bases[b]))
					last_accept = last;
				if (last >= 0)
					last_any_accept = last;
				continue;
			}
			w->verdict = v;
			w->decider = last;
			return;
		}
	}
	w->decider = last_accept >= 0 ? last_accept : last_any_accept;
}

/* ---- reachability ---- */
/* does a jump into chain c surely end the packet's walk there (a terminal verdict with every
 * condition on the way decided), so that nothing after the jump runs? */
static int surely_ends(const struct nfp_ruleset *rs, const struct nfp_rs_chain *c, struct nfp_pview *pv, unsigned *budget)
{
	struct frame stack[MAX_DEPTH];
	struct nfp_pview copy = *pv;
	unsigned give = *budget < 4096 ? *budget : 4096;
	struct runner ru = { rs, &copy, NULL, 2, give, NULL, NULL, NULL, 0 };
	stack[0].c = c;
	stack[0].next = 0;
	enum nfp_verdict v = run(&ru, stack, 1);
	*budget -= give - ru.budget;
	return v == NFP_V_ACCEPT || v == NFP_V_DROP || v == NFP_V_REJECT || v == NFP_V_NAT || v == NFP_V_QUEUE;
}

/* can the packet reach position k (0-based) of chain c, coming in at one of the hooks? */
static enum nfp_tri reach(const struct nfp_ruleset *rs, const struct nfp_rs_chain *c, uint32_t k, struct nfp_pview *pv,
			  uint8_t hooks, unsigned depth, unsigned *budget)
{
	enum nfp_tri best = NFP_NO;
	uint8_t saved = pv->hook;
	if (depth > MAX_DEPTH || *budget == 0)
		return NFP_UNKNOWN;
	pv->hook = (uint8_t)((c->hooks & hooks) && !((c->hooks & hooks) & ((c->hooks & hooks) - 1)) ? (c->hooks & hooks) : 0);
	/* a rule before it that surely matches and ends the chain closes the way */
	for (uint32_t i = 0; i < k && i < c->n; i++) {
		const struct nfp_rs_rule *q = &rs->rules[c->first + i];
		enum nfp_verdict v = (enum nfp_verdict)q->verdict;
		if (*budget == 0)
			break;
		(*budget)--;
		if (v == NFP_V_NONE || v == NFP_V_CONTINUE || v == NFP_V_UNKNOWN)
			continue;
		if (nfp_rule_match(rs, q, pv, 0, NULL) != NFP_YES)
			continue;
		/* a jump closes the way only when the chain it enters surely ends the walk */
		if (v == NFP_V_JUMP && !(q->jump != 0 && surely_ends(rs, &rs->chains[q->jump - 1], pv, budget)))
			continue;
		pv->hook = saved;
		return NFP_NO;
	}
	if ((c->base & hooks) && sees(rs, c, pv)) {
		pv->hook = saved;
		return NFP_YES;
	}
	for (uint32_t i = 0; i < c->ncallers && best != NFP_YES; i++) {
		const struct nfp_rs_rule *q = &rs->rules[rs->callers[c->callers + i]];
		const struct nfp_rs_chain *qc = &rs->chains[q->chain];
		enum nfp_tri m, r;
		if (!(qc->hooks & hooks))
			continue;
		pv->hook = (uint8_t)((qc->hooks & hooks) && !((qc->hooks & hooks) & ((qc->hooks & hooks) - 1)) ? (qc->hooks & hooks) : 0);
		m = nfp_rule_match(rs, q, pv, 0, NULL);
		if (m == NFP_NO)
			continue;
		r = reach(rs, qc, q->number - 1, pv, hooks, depth + 1, budget);
		if (r == NFP_NO)
			continue;
		best = (m == NFP_YES && r == NFP_YES) ? NFP_YES : NFP_UNKNOWN;
	}
	pv->hook = saved;
	return best;
}

enum nfp_tri nfp_rule_reachable(const struct nfp_ruleset *rs, const struct nfp_rs_rule *r, struct nfp_pview *pv,
				uint8_t hooks)
{
	unsigned budget = 20000;
	return reach(rs, &rs->chains[r->chain], r->number - 1, pv, hooks, 0, &budget);
}

/* ---- after a LOG rule ---- */
int nfp_after_log(const struct nfp_ruleset *rs, const struct nfp_rs_rule *log, struct nfp_pview *pv,
		  enum nfp_verdict *verdict, const struct nfp_rs_rule **rule, const struct nfp_rs_chain **policy)
{
	struct frame up[MAX_DEPTH], stack[MAX_DEPTH];
	const struct nfp_rs_rule *given[MAX_DEPTH + 1];
	unsigned n = 0, ng = 1, budget = 20000;
	const struct nfp_rs_chain *c = &rs->chains[log->chain];
	/* "log prefix "x" drop": the rule's own verdict first (it matches: it logged) */
	uint32_t next = log->verdict == NFP_V_NONE || log->verdict == NFP_V_CONTINUE ? log->number : log->number - 1;
	*rule = NULL;
	*policy = NULL;
	*verdict = NFP_V_UNKNOWN;
	given[0] = log;
	/* the way back up: each chain entered from exactly one rule that can match */
	for (;;) {
		if (n >= MAX_DEPTH)
			return 0;
		up[n].c = c;
		up[n].next = next;
		n++;
		if (c->base)
			break;
		const struct nfp_rs_rule *from = NULL;
		for (uint32_t i = 0; i < c->ncallers; i++) {
			const struct nfp_rs_rule *q = &rs->rules[rs->callers[c->callers + i]];
			if (nfp_rule_match(rs, q, pv, 0, NULL) == NFP_NO ||
			    reach(rs, &rs->chains[q->chain], q->number - 1, pv, 0x1f, 0, &budget) == NFP_NO)
				continue;
			if (from != NULL)
				return 0; /* called from several places: where it returns to is not known */
			from = q;
		}
		if (from == NULL || from->verdict == NFP_V_GOTO)
			return 0;
		c = &rs->chains[from->chain];
		next = from->number;
		given[ng++] = from; /* it jumped here: its matches held */
	}
	for (unsigned i = 0; i < n; i++)
		stack[i] = up[n - 1 - i];
	struct runner ru = { rs, pv, NULL, 1, 100000, NULL, NULL, given, ng };
	enum nfp_verdict v = run(&ru, stack, n);
	if (v == NFP_V_UNKNOWN)
		return 0;
	*verdict = v;
	*rule = ru.policy ? NULL : ru.decided;
	*policy = ru.policy;
	return ru.decided != NULL || ru.policy != NULL;
}
