/* The legacy ebtables `--log` watcher (net/bridge/netfilter/ebt_log.c) prints its own
 * dialect after the IN=/OUT= header:
 *   MAC source = <mac> MAC dest = <mac> proto = 0x<hex4>
 *   [ IP SRC=<ip> IP DST=<ip>, IP tos=0x<hex>, IP proto=<n>[ SPT=<n> DPT=<n>]]
 *   [ IPv6 SRC=<ip6> IPv6 DST=<ip6>, IPv6 priority=0x<hex>, Next Header=<n>[ SPT= DPT=]]
 *   [ ARP HTYPE=<n>, PTYPE=0x<hex4>, OPCODE=<n>[ ARP MAC SRC=<mac> ARP IP SRC=<ip>
 *     ARP MAC DST=<mac> ARP IP DST=<ip>]]
 *   [ INCOMPLETE ... header]
 * Values land in the same fields as the LOG dialect's. */
#include <string.h>
#include "nfp.h"
#include "parse/parse_int.h"

struct ebt {
	const char *line;
	size_t len, pos;
	struct nfp_pkt *p;
};

static int lit(struct ebt *x, const char *s)
{
	size_t n = strlen(s);
	if (x->len - x->pos < n || memcmp(x->line + x->pos, s, n) != 0)
		return 0;
	x->pos += n;
	return 1;
}

/* value up to ',' ' ' or end, decoded into field f with the table's kind */
static int val(struct ebt *x, enum nfp_field f, uint64_t max)
{
	size_t b = x->pos, e = b;
	const char *v = x->line + b;
	uint64_t u;
	while (e < x->len && x->line[e] != ' ' && x->line[e] != ',')
		e++;
	x->pos = e;
	switch (nfp_fields[f].kind) {
	case NFP_K_MAC:
		if (nfp_mac(v, e - b, x->p->v[f].mac) != e - b)
			goto bad;
		nfp_set(x->p, f);
		return 1;
	case NFP_K_IP:
		if (e > b && nfp_ipv4(v, e - b, x->p->v[f].ip.a) == e - b)
			x->p->v[f].ip.family = 4;
		else if (e > b && nfp_ipv6(v, e - b, x->p->v[f].ip.a) == e - b)
			x->p->v[f].ip.family = 6;
		else
			goto bad;
		nfp_set(x->p, f);
		return 1;
	case NFP_K_HEX:
		if (e == b || nfp_hex(v, e - b, max, &u) != e - b)
			goto bad;
		nfp_put_u(x->p, f, u);
		return 1;
	default:
		if (e == b || nfp_dec(v, e - b, max, &u) != e - b)
			goto bad;
		nfp_put_u(x->p, f, u);
		return 1;
	}
bad:
	nfp_put_bad(x->p, f, b, e - b);
	return 0;
}

static int ports(struct ebt *x, uint64_t proto)
{
	enum nfp_field sp, dp;
	if (x->pos == x->len)
		return 1;
	if (proto == 6 || proto == 33 || proto == 132) {
		sp = NFP_F_TCP_SPT; /* TCP; SCTP and DCCP ports have no home of their own */
		dp = NFP_F_TCP_DPT;
	} else {
		sp = NFP_F_UDP_SPT;
		dp = NFP_F_UDP_DPT;
	}
	if (lit(x, " INCOMPLETE "))
		return 0;
	if (proto == 6 || proto == 17 || proto == 136)
		return lit(x, " SPT=") && val(x, sp, 65535) && lit(x, " DPT=") && val(x, dp, 65535);
	return 1;
}

int nfp_ebt_body(const char *line, size_t len, size_t pos, struct nfp_record *rec)
{
	struct ebt x = { line, len, pos, &rec->pkt[0] };
	uint64_t proto;

	while (x.len > x.pos && (line[x.len - 1] == ' ' || line[x.len - 1] == '\n'))
		x.len--;
	if (!(lit(&x, "MAC source = ") && val(&x, NFP_F_MACSRC, 0) && lit(&x, " MAC dest = ") &&
	      val(&x, NFP_F_MACDST, 0) && lit(&x, " proto = ") && val(&x, NFP_F_MACPROTO, 0xffff)))
		return 0;
	if (x.pos == x.len)
		return 1;
	if (lit(&x, " IP SRC=")) {
		if (!(val(&x, NFP_F_SRC, 0) && lit(&x, " IP DST=") && val(&x, NFP_F_DST, 0) &&
		      lit(&x, ", IP tos=") && val(&x, NFP_F_TOS, 0xff) && lit(&x, ", IP proto=") &&
		      val(&x, NFP_F_PROTO, 255)))
			return 0;
		proto = x.p->v[NFP_F_PROTO].u;
		return ports(&x, proto) && x.pos == x.len;
	}
	if (lit(&x, " IPv6 SRC=")) {
		if (!(val(&x, NFP_F_SRC, 0) && lit(&x, " IPv6 DST=") && val(&x, NFP_F_DST, 0) &&
		      lit(&x, ", IPv6 priority=") && val(&x, NFP_F_PRIORITY, 0xff) &&
		      lit(&x, ", Next Header=") && val(&x, NFP_F_PROTO, 255)))
			return 0;
		proto = x.p->v[NFP_F_PROTO].u;
		return ports(&x, proto) && x.pos == x.len;
	}
	if (lit(&x, " ARP HTYPE=")) {
		if (!(val(&x, NFP_F_HTYPE, 0xffff) && lit(&x, ", PTYPE=") && val(&x, NFP_F_PTYPE, 0xffff) &&
		      lit(&x, ", OPCODE=") && val(&x, NFP_F_OPCODE, 0xffff)))
			return 0;
		if (x.pos == x.len)
			return 1;
		return lit(&x, " ARP MAC SRC=") && val(&x, NFP_F_ARP_MACSRC, 0) && lit(&x, " ARP IP SRC=") &&
		       val(&x, NFP_F_ARP_IPSRC, 0) && lit(&x, " ARP MAC DST=") && val(&x, NFP_F_ARP_MACDST, 0) &&
		       lit(&x, " ARP IP DST=") && val(&x, NFP_F_ARP_IPDST, 0) && x.pos == x.len;
	}
	return 0; /* " INCOMPLETE ... header" or something else: what was read is kept */
}
