/* A packet the kernel hands over as bytes (NFLOG) written as the line the kernel's LOG target
 * prints for it (nf_log_syslog.c, logflags 0 unless asked: ../shared notes §1), so that one
 * parser reads both and a record from NFLOG is the record of its LOG twin by construction.
 *
 * Reads never go past what was copied (cap) nor past the packet's own length (len: what the
 * kernel's skb->len is, the IP header's length field); what the kernel could read and we were
 * not given is "TRUNCATED"/"INCOMPLETE" as where the kernel's read fails. No allocation; the
 * output is cut at out's size like the kernel's 1 KiB line buffer. */
#include <string.h>
#include "nfp.h"
#include "parse/textw.h"

/* %pI6: eight groups of four lowercase hex digits, never compressed */
static void ip6full(struct nfp_tw *w, const uint8_t *a)
{
	for (int i = 0; i < 16; i += 2) {
		if (i)
			tw_put(w, ":", 1);
		tw_hexn(w, (unsigned)a[i] << 8 | a[i + 1], 4, 0);
	}
}
/* the packet: cap bytes copied, len the packet's length */
struct pk {
	const uint8_t *d;
	size_t cap, len;
	unsigned flags;
};
/* skb_header_pointer: n bytes at off, or NULL */
static const uint8_t *at(const struct pk *p, size_t off, size_t n)
{
	if (off > p->len || n > p->len - off || off > p->cap || n > p->cap - off)
		return NULL;
	return p->d + off;
}
static void incomplete(struct nfp_tw *w, const struct pk *p, size_t off)
{
	tw_puts(w, "INCOMPLETE [");
	tw_dec(w, off <= p->len ? p->len - off : 0);
	tw_puts(w, " bytes] ");
}

/* TCP and UDP as nf_log_dump_{tcp,udp}_header; 1 when the line stops there */
static int tcp(struct nfp_tw *w, const struct pk *p, int fragment, size_t off)
{
	tw_puts(w, "PROTO=TCP ");
	if (fragment)
		return 0;
	const uint8_t *t = at(p, off, 20);
	if (t == NULL) {
		incomplete(w, p, off);
		return 1;
	}
	tw_kv(w, "SPT=", tw_be16(t));
	tw_kv(w, "DPT=", tw_be16(t + 2));
	if (p->flags & NFP_RENDER_TCPSEQ) {
		tw_kv(w, "SEQ=", tw_be32(t + 4));
		tw_kv(w, "ACK=", tw_be32(t + 8));
	}
	tw_kv(w, "WINDOW=", tw_be16(t + 14));
	/* the reserved bits of the data-offset byte; with AccECN the lowest is the AE flag */
	unsigned res = t[12] & (p->flags & NFP_RENDER_AE ? 0x0e : 0x0f);
	tw_puts(w, "RES=0x");
	tw_hexn(w, res << 2, 2, 0);
	tw_put(w, " ", 1);
	if ((p->flags & NFP_RENDER_AE) && (t[12] & 1))
		tw_puts(w, "AE ");
	static const char *const fl[8] = { "CWR ", "ECE ", "URG ", "ACK ", "PSH ", "RST ", "SYN ", "FIN " };
	for (int i = 0; i < 8; i++)
		if (t[13] & (0x80 >> i))
			tw_puts(w, fl[i]);
	tw_kv(w, "URGP=", tw_be16(t + 18));
	return 0;
}
static int udp(struct nfp_tw *w, const struct pk *p, unsigned proto, int fragment, size_t off)
{
	tw_puts(w, proto == 17 ? "PROTO=UDP " : "PROTO=UDPLITE ");
	if (fragment)
		return 0;
	const uint8_t *u = at(p, off, 8);
	if (u == NULL) {
		incomplete(w, p, off);
		return 1;
	}
	tw_kv(w, "SPT=", tw_be16(u));
	tw_kv(w, "DPT=", tw_be16(u + 2));
	tw_kv(w, "LEN=", tw_be16(u + 4));
	return 0;
}

static void uidgid(struct nfp_tw *w, const struct nfp_packet_meta *m)
{
	if ((m->flags & NFP_RENDER_UID) && m->has_uid) {
		tw_kv(w, "UID=", m->uid);
		tw_kv(w, "GID=", m->gid);
	}
}

/* dump_ipv4_packet: off where the header starts (0 outer, else the quoted packet) */
static void ipv4(struct nfp_tw *w, const struct pk *p, const struct nfp_packet_meta *m, size_t off)
{
	const uint8_t *h = at(p, off, 20);
	if (h == NULL) {
		tw_puts(w, "TRUNCATED");
		return;
	}
	unsigned ihl = (h[0] & 15) * 4u, frag = tw_be16(h + 6), proto = h[9];
	int fragment = (frag & 0x1fff) != 0;
	size_t l4 = off + ihl;
	tw_puts(w, "SRC=");
	tw_ip(w, 4, h + 12);
	tw_puts(w, " DST=");
	tw_ip(w, 4, h + 16);
	tw_put(w, " ", 1);
	tw_kv(w, "LEN=", tw_be16(h + 2));
	tw_puts(w, "TOS=0x");
	tw_hexn(w, h[1] & 0x1e, 2, 1);
	tw_puts(w, " PREC=0x");
	tw_hexn(w, h[1] & 0xe0, 2, 1);
	tw_put(w, " ", 1);
	tw_kv(w, "TTL=", h[8]);
	tw_kv(w, "ID=", tw_be16(h + 4));
	if (frag & 0x8000)
		tw_puts(w, "CE ");
	if (frag & 0x4000)
		tw_puts(w, "DF ");
	if (frag & 0x2000)
		tw_puts(w, "MF ");
	if (fragment) {
		tw_puts(w, "FRAG:");
		tw_dec(w, frag & 0x1fff);
		tw_put(w, " ", 1);
	}
	switch (proto) {
	case 6:
		if (tcp(w, p, fragment, l4))
			return;
		break;
	case 17:
	case 136:
		if (udp(w, p, proto, fragment, l4))
			return;
		break;
	case 1: {
		/* the least the kernel wants to see of each type before it prints more */
		static const uint8_t need[19] = { [0] = 4, [3] = 28, [4] = 28, [5] = 28, [8] = 4, [11] = 28,
						  [12] = 28, [13] = 20, [14] = 20, [17] = 12, [18] = 12 };
		tw_puts(w, "PROTO=ICMP ");
		if (fragment)
			break;
		const uint8_t *c = at(p, l4, 8);
		if (c == NULL) {
			incomplete(w, p, l4);
			break;
		}
		tw_kv(w, "TYPE=", c[0]);
		tw_kv(w, "CODE=", c[1]);
		if (c[0] <= 18 && need[c[0]] && (l4 > p->len || p->len - l4 < need[c[0]])) {
			incomplete(w, p, l4);
			break;
		}
		switch (c[0]) {
		case 0:
		case 8:
			tw_kv(w, "ID=", tw_be16(c + 4));
			tw_kv(w, "SEQ=", tw_be16(c + 6));
			break;
		case 12:
			tw_kv(w, "PARAMETER=", c[4]);
			break;
		case 5:
			tw_puts(w, "GATEWAY=");
			tw_ip(w, 4, c + 4);
			tw_put(w, " ", 1);
			/* fall through */
		case 3:
		case 4:
		case 11:
			if (off == 0) { /* one level of quoting */
				tw_put(w, "[", 1);
				ipv4(w, p, m, l4 + 8);
				tw_puts(w, "] ");
			}
			if (c[0] == 3 && c[1] == 4)
				tw_kv(w, "MTU=", tw_be16(c + 6));
			break;
		}
		break;
	}
	case 51: {
		if (fragment)
			break;
		tw_puts(w, "PROTO=AH ");
		const uint8_t *a = at(p, l4, 12);
		if (a == NULL) {
			incomplete(w, p, l4);
			break;
		}
		tw_puts(w, "SPI=0x");
		tw_hexn(w, tw_be32(a + 4), 1, 0);
		tw_put(w, " ", 1);
		break;
	}
	case 50: {
		tw_puts(w, "PROTO=ESP ");
		if (fragment)
			break;
		const uint8_t *e = at(p, l4, 8);
		if (e == NULL) {
			incomplete(w, p, l4);
			break;
		}
		tw_puts(w, "SPI=0x");
		tw_hexn(w, tw_be32(e), 1, 0);
		tw_put(w, " ", 1);
		break;
	}
	default:
		tw_kv(w, "PROTO=", proto);
	}
	if (off == 0) {
		uidgid(w, m);
		if (m->mark) {
			tw_puts(w, "MARK=0x");
			tw_hexn(w, m->mark, 1, 0);
			tw_put(w, " ", 1);
		}
	}
}

/* dump_ipv6_packet */
static void ipv6(struct nfp_tw *w, const struct pk *p, const struct nfp_packet_meta *m, size_t off, int recurse)
{
	const uint8_t *h = at(p, off, 40);
	if (h == NULL) {
		tw_puts(w, "TRUNCATED");
		return;
	}
	uint32_t first = tw_be32(h);
	tw_puts(w, "SRC=");
	ip6full(w, h + 8);
	tw_puts(w, " DST=");
	ip6full(w, h + 24);
	tw_put(w, " ", 1);
	tw_kv(w, "LEN=", tw_be16(h + 4) + 40u);
	tw_kv(w, "TC=", (first & 0x0ff00000) >> 20);
	tw_kv(w, "HOPLIMIT=", h[7]);
	tw_kv(w, "FLOWLBL=", first & 0x000fffff);
	int fragment = 0;
	size_t ptr = off + 40;
	unsigned cur = h[6];
	/* the extension headers the kernel walks (nf_ip6_ext_hdr), NONE (59) ending the walk */
	while (cur == 0 || cur == 43 || cur == 44 || cur == 50 || cur == 51 || cur == 60) {
		const uint8_t *e = at(p, ptr, 2);
		size_t hl;
		if (e == NULL) {
			tw_puts(w, "TRUNCATED");
			return;
		}
		switch (cur) {
		case 44: {
			tw_puts(w, "FRAG:");
			const uint8_t *f = at(p, ptr, 8);
			if (f == NULL) {
				tw_puts(w, "TRUNCATED ");
				return;
			}
			tw_dec(w, tw_be16(f + 2) & 0xfff8);
			tw_put(w, " ", 1);
			if (f[3] & 1)
				tw_puts(w, "INCOMPLETE ");
			tw_puts(w, "ID:");
			tw_hexn(w, tw_be32(f + 4), 8, 0);
			tw_put(w, " ", 1);
			if (tw_be16(f + 2) & 0xfff8)
				fragment = 1;
			hl = 8;
			break;
		}
		case 0:
		case 43:
		case 60:
			if (fragment)
				return;
			hl = ((size_t)e[1] + 1) << 3;
			break;
		case 51:
			hl = ((size_t)e[1] + 2) << 2;
			break;
		default: /* ESP: nothing more can be read */
			return;
		}
		cur = e[0];
		ptr += hl;
	}
	switch (cur) {
	case 6:
		if (tcp(w, p, fragment, ptr))
			return;
		break;
	case 17:
	case 136:
		if (udp(w, p, cur, fragment, ptr))
			return;
		break;
	case 58: {
		tw_puts(w, "PROTO=ICMPv6 ");
		if (fragment)
			break;
		const uint8_t *c = at(p, ptr, 8);
		if (c == NULL) {
			incomplete(w, p, ptr);
			return;
		}
		tw_kv(w, "TYPE=", c[0]);
		tw_kv(w, "CODE=", c[1]);
		switch (c[0]) {
		case 128:
		case 129:
			tw_kv(w, "ID=", tw_be16(c + 4));
			tw_kv(w, "SEQ=", tw_be16(c + 6));
			break;
		case 4:
			tw_puts(w, "POINTER=");
			tw_hexn(w, tw_be32(c + 4), 8, 0);
			tw_put(w, " ", 1);
			/* fall through */
		case 1:
		case 2:
		case 3:
			if (recurse) {
				tw_put(w, "[", 1);
				ipv6(w, p, m, ptr + 8, 0);
				tw_puts(w, "] ");
			}
			if (c[0] == 2)
				tw_kv(w, "MTU=", tw_be32(c + 4));
			break;
		}
		break;
	}
	default:
		tw_kv(w, "PROTO=", cur);
	}
	if (recurse) {
		uidgid(w, m);
		if (m->mark) {
			tw_puts(w, "MARK=0x");
			tw_hexn(w, m->mark, 1, 0);
			tw_put(w, " ", 1);
		}
	}
}

/* dump_arp_packet: no trailing space */
static void arp(struct nfp_tw *w, const struct pk *p)
{
	const uint8_t *a = at(p, 0, 8);
	if (a == NULL) {
		tw_puts(w, "TRUNCATED");
		return;
	}
	tw_puts(w, "ARP HTYPE=");
	tw_dec(w, tw_be16(a));
	tw_puts(w, " PTYPE=0x");
	tw_hexn(w, tw_be16(a + 2), 4, 0);
	tw_puts(w, " OPCODE=");
	tw_dec(w, tw_be16(a + 6));
	if (tw_be16(a) != 1 || a[4] != 6 || a[5] != 4)
		return;
	const uint8_t *b = at(p, 8, 20);
	if (b == NULL) {
		tw_puts(w, " INCOMPLETE [");
		tw_dec(w, p->len >= 8 ? p->len - 8 : 0);
		tw_puts(w, " bytes]");
		return;
	}
	tw_puts(w, " MACSRC=");
	tw_mac(w, b);
	tw_puts(w, " IPSRC=");
	tw_ip(w, 4, b + 6);
	tw_puts(w, " MACDST=");
	tw_mac(w, b + 10);
	tw_puts(w, " IPDST=");
	tw_ip(w, 4, b + 16);
}

static void name(struct nfp_tw *w, const char *s)
{
	if (s != NULL)
		tw_put(w, s, strnlen(s, 16));
}

size_t nfp_packet_render(const struct nfp_packet_meta *m, const uint8_t *pkt, size_t cap, char *out, size_t outcap)
{
	struct nfp_tw w = { out, 0, outcap };
	if (outcap == 0)
		return 0;
	tw_put(&w, m->prefix, m->prefix != NULL ? strnlen(m->prefix, m->prefix_max) : 0);
	/* bridge hooks: NFLOG names the bridge as the device and the port as the physical one;
	 * LOG prints the port (the packet's own device there) and no PHYS*= */
	struct nfp_packet_meta b;
	if (m->family == 7) {
		b = *m;
		if (b.physin != NULL && b.physin[0])
			b.in = b.physin;
		if (b.physout != NULL && b.physout[0])
			b.out = b.physout;
		b.physin = b.physout = NULL;
		m = &b;
	}
	tw_puts(&w, "IN=");
	name(&w, m->in);
	tw_puts(&w, " OUT=");
	name(&w, m->out);
	tw_put(&w, " ", 1);
	if (m->physin != NULL && m->physin[0] && (m->in == NULL || strncmp(m->physin, m->in, 16) != 0)) {
		tw_puts(&w, "PHYSIN=");
		name(&w, m->physin);
		tw_put(&w, " ", 1);
	}
	if (m->physout != NULL && m->physout[0] && (m->out == NULL || strncmp(m->physout, m->out, 16) != 0)) {
		tw_puts(&w, "PHYSOUT=");
		name(&w, m->physout);
		tw_put(&w, " ", 1);
	}
	/* what the packet is: the hook's family, or for bridge and netdev hooks the ethertype */
	int kind = m->family == 2 ? 4 : m->family == 10 ? 6 : m->family == 3 ? 3 : 0;
	if (kind == 0)
		kind = m->ethertype == 0x0800 ? 4 : m->ethertype == 0x86dd ? 6 :
		       (m->ethertype == 0x0806 || m->ethertype == 0x8035) ? 3 : 0;
	/* the link header: only with an input device, never on ARP lines */
	if (kind != 3 && m->in != NULL && m->in[0]) {
		tw_puts(&w, "MAC=");
		for (size_t i = 0; i < m->hwhdr_len; i++) {
			if (i)
				tw_put(&w, ":", 1);
			tw_hexn(&w, m->hwhdr[i], 2, 0);
		}
		tw_put(&w, " ", 1);
	}
	size_t len = cap;
	const uint8_t *h = pkt;
	/* the packet's own length, as the kernel's skb holds it (trimmed to the header's length) */
	if (kind == 4 && cap >= 4)
		len = tw_be16(h + 2);
	else if (kind == 6 && cap >= 6)
		len = tw_be16(h + 4) + 40u;
	struct pk p = { pkt, cap, len, m->flags };
	if (kind == 4)
		ipv4(&w, &p, m, 0);
	else if (kind == 6)
		ipv6(&w, &p, m, 0, 1);
	else if (kind == 3)
		arp(&w, &p);
	out[w.n] = '\0';
	return w.n;
}

unsigned nfp_render_flags_of(const char *release)
{
	uint64_t maj = 0, min = 0;
	size_t n = release != NULL ? strlen(release) : 0, a = nfp_dec(release, n, 999, &maj), b = 0;
	if (a > 0 && a < n && release[a] == '.')
		b = nfp_dec(release + a + 1, n - a - 1, 999, &min);
	if (a == 0 || b == 0)
		return 0;
	return (maj > 6 || (maj == 6 && min >= 18)) ? NFP_RENDER_AE : 0;
}

uint32_t nfp_seq_lost(struct nfp_seq *s, uint32_t seq)
{
	uint32_t gap = s->have ? seq - s->next : 0;
	s->have = 1;
	s->next = seq + 1;
	return gap < 0x80000000u ? gap : 0; /* behind: numbering started again (a new binding) */
}
