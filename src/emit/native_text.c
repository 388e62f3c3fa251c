/* Native schema written straight as JSON text: the same document nfp_to_json builds, member
 * for member and byte for byte as libfastjson prints it (FJSON_TO_STRING_PLAIN), without
 * building objects. For the command-line tool, where the text is all that is needed.
 * A unit test holds the two emitters equal over every corpus line. */
#include <stdlib.h>
#include <string.h>
#include "emit/nfp_json.h"
#include "parse/parse_int.h"

struct out {
	char *b;
	size_t n, cap;
	int repaired; /* a string was written with U+FFFD */
};

static inline void put(struct out *o, const char *s, size_t n)
{
	if (o->n + n <= o->cap)
		memcpy(o->b + o->n, s, n);
	o->n += n;
}
static inline void putc1(struct out *o, char c)
{
	if (o->n < o->cap)
		o->b[o->n] = c;
	o->n++;
}
#define PUTS(o, lit) put((o), (lit), sizeof(lit) - 1)

/* bytes libfastjson escapes: control characters, '"', '\\' and '/' */
static const unsigned char needs_esc[256] = {
	[0 ... 31] = 1, ['"'] = 1, ['\\'] = 1, ['/'] = 1,
};

/* libfastjson's string escaping; runs of plain bytes are copied whole. Like libfastjson, a
 * string ends at its first NUL byte (rsyslog escapes control characters on receipt by
 * default, so NUL is rare; the message text itself is never changed). */
static void put_str_valid(struct out *o, const char *s, size_t n);

/* bytes that are not well-formed UTF-8 are written as U+FFFD, as nfp_json_str does */
static void put_str(struct out *o, const char *s, size_t n)
{
	const char *nul = memchr(s, 0, n);
	if (nul != NULL)
		n = (size_t)(nul - s);
	if (nfp_utf8_valid(s, n) != n) {
		char small[768], *b = n <= sizeof(small) / 3 ? small : malloc(3 * n);
		o->repaired = 1;
		if (b == NULL) {
			put_str_valid(o, "", 0);
			return;
		}
		put_str_valid(o, b, nfp_utf8_repair(s, n, b));
		if (b != small)
			free(b);
		return;
	}
	put_str_valid(o, s, n);
}

static void put_str_valid(struct out *o, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t start = 0, i = 0;
	putc1(o, '"');
	for (;;) {
		while (i < n && !needs_esc[(unsigned char)s[i]])
			i++;
		put(o, s + start, i - start);
		if (i == n)
			break;
		unsigned char c = (unsigned char)s[i];
		const char *esc;
		char u[6];
		switch (c) {
		case '\b': esc = "\\b"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		case '\f': esc = "\\f"; break;
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '/': esc = "\\/"; break;
		default: esc = NULL;
		}
		if (esc != NULL) {
			put(o, esc, 2);
		} else {
			memcpy(u, "\\u00", 4);
			u[4] = hex[c >> 4];
			u[5] = hex[c & 15];
			put(o, u, 6);
		}
		start = ++i;
	}
	putc1(o, '"');
}

static void put_i64(struct out *o, uint64_t v)
{
	char d[24];
	size_t k = sizeof(d);
	int64_t sv = (int64_t)v; /* as nfp_to_json: json int64 */
	int neg = sv < 0;
	uint64_t u = neg ? (uint64_t)0 - (uint64_t)sv : (uint64_t)sv;
	do {
		d[--k] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (neg)
		d[--k] = '-';
	put(o, d + k, sizeof(d) - k);
}

/* member names are the schema's own plain words: nothing to escape */
static void put_keyn(struct out *o, int *first, const char *name, size_t n)
{
	if (o->n + n + 4 <= o->cap) {
		char *d = o->b + o->n;
		size_t k = 0;
		if (!*first)
			d[k++] = ',';
		d[k++] = '"';
		memcpy(d + k, name, n);
		k += n;
		d[k++] = '"';
		d[k++] = ':';
		o->n += k;
	} else {
		if (!*first)
			putc1(o, ',');
		put_str(o, name, n);
		putc1(o, ':');
	}
	*first = 0;
}

static void put_key(struct out *o, int *first, const char *name)
{
	put_keyn(o, first, name, strlen(name));
}

static void put_value(struct out *o, const struct nfp_pkt *p, unsigned f, const char *line)
{
	const union nfp_value *v = &p->v[f];
	char buf[NFP_IPSTR_MAX];
	switch (nfp_fields[f].kind) {
	case NFP_K_STR:
		put_str(o, line + v->s.off, v->s.len);
		break;
	case NFP_K_DEC:
	case NFP_K_HEX:
	case NFP_K_PROTO:
		put_i64(o, v->u);
		break;
	case NFP_K_IP:
		put_str(o, buf, nfp_format_ip(v->ip.family, v->ip.a, buf));
		break;
	case NFP_K_MAC:
		put_str(o, buf, nfp_format_mac(v->mac, buf));
		break;
	case NFP_K_FLAGS: {
		int first = 1;
		putc1(o, '[');
		for (unsigned i = 0; i < nfp_nflags; i++)
			if (nfp_flags[i].field == f && (v->u >> nfp_flags[i].bit & 1u)) {
				if (!first)
					putc1(o, ',');
				first = 0;
				put_str(o, nfp_flags[i].word, nfp_flags[i].len);
			}
		putc1(o, ']');
		break;
	}
	case NFP_K_BOOL:
		PUTS(o, "true");
		break;
	case NFP_K_WORD: {
		const char *w = v->u < NFP_W__COUNT ? nfp_words[v->u] : "";
		put_str(o, w, strlen(w));
		break;
	}
	default:
		PUTS(o, "null");
	}
}

/* MAC= raw: the string, and the Ethernet split where there is one, without the parts the
 * line prints by themselves (as src/emit/native_tree.c) */
static void put_macraw(struct out *o, int *first, const char *line, struct nfp_slice s, const struct nfp_pkt *p)
{
	uint8_t b[14];
	char buf[NFP_MACSTR_MAX];
	put_key(o, first, "raw");
	put_str(o, line + s.off, s.len);
	if (!nfp_mac_ether(line + s.off, s.len, b))
		return;
	if (!nfp_has(p, NFP_F_MACDST)) {
		put_key(o, first, "dst");
		put_str(o, buf, nfp_format_mac(b, buf));
	}
	if (!nfp_has(p, NFP_F_MACSRC)) {
		put_key(o, first, "src");
		put_str(o, buf, nfp_format_mac(b + 6, buf));
	}
	if (!nfp_has(p, NFP_F_MACPROTO)) {
		put_key(o, first, "ethertype");
		put_i64(o, (uint64_t)(b[12] << 8 | b[13]));
	}
}

/* a kernel TRACE record's computed trace.packet, written when its trace object closes */
struct pid {
	const char *s;
	size_t n;
};

static void put_pkt(struct out *o, int *tfirst, const struct nfp_record *rec, int depth, const char *line,
		    const struct pid *pid, const struct nfp_select *sel);

static void put_inner(struct out *o, int *gfirst, const struct nfp_record *rec, const char *line)
{
	int ifirst = 1;
	put_key(o, gfirst, "inner");
	putc1(o, '{');
	put_pkt(o, &ifirst, rec, 1, line, NULL, NULL);
	putc1(o, '}');
}

static void close_group(struct out *o, unsigned open, int *gfirst, const struct pid *pid)
{
	if (open == NFP_G_TRACE && pid != NULL && pid->n > 0) {
		put_key(o, gfirst, "packet");
		put_str(o, pid->s, pid->n);
	}
	putc1(o, '}');
}

/* members of one packet into the currently open object (top or inner) */
static void put_pkt(struct out *o, int *tfirst, const struct nfp_record *rec, int depth, const char *line,
		    const struct pid *pid, const struct nfp_select *sel)
{
	const struct nfp_pkt *p = &rec->pkt[depth];
	unsigned open = NFP_G_TOP;
	int gfirst = 1, any_bad = 0, inner_done = 0;

	int with_inner = depth == 0 && rec->depth_seen && (sel == NULL || sel->inner);
	for (unsigned f = nfp_next_set(p, 0); f < NFP_F__COUNT; f = nfp_next_set(p, f + 1)) {
		const struct nfp_field_info *fi = &nfp_fields[f];
		if (!nfp_selected(sel, f) && !(sel->invalid && !nfp_has(p, (enum nfp_field)f)))
			continue;
		if (!nfp_has(p, (enum nfp_field)f)) {
			any_bad = 1;
			continue;
		}
		if (fi->group != open) {
			if (open != NFP_G_TOP) {
				if (open == NFP_G_ICMP && with_inner) {
					put_inner(o, &gfirst, rec, line);
					inner_done = 1;
				}
				close_group(o, open, &gfirst, pid);
			}
			open = fi->group;
			if (open != NFP_G_TOP) {
				put_key(o, tfirst, nfp_group_name(open, p));
				putc1(o, '{');
				gfirst = 1;
				if (open == NFP_G_IP && nfp_has(p, NFP_F_SRC)) {
					put_key(o, &gfirst, "version");
					put_i64(o, p->v[NFP_F_SRC].ip.family);
				}
			}
		}
		if (fi->kind == NFP_K_MACRAW) {
			put_macraw(o, &gfirst, line, p->v[f].s, p);
			continue;
		}
		put_keyn(o, open == NFP_G_TOP ? tfirst : &gfirst, fi->name, fi->namelen);
		put_value(o, p, f, line);
	}
	if (open != NFP_G_TOP) {
		if (open == NFP_G_ICMP && with_inner) {
			put_inner(o, &gfirst, rec, line);
			inner_done = 1;
		}
		close_group(o, open, &gfirst, pid);
	}
	if (any_bad) {
		int bfirst = 1;
		put_key(o, tfirst, "invalid");
		putc1(o, '{');
		for (unsigned f = 0; f < NFP_F__COUNT; f++)
			if (nfp_bad(p, (enum nfp_field)f) && !nfp_has(p, (enum nfp_field)f) &&
			    (nfp_selected(sel, f) || sel->invalid)) {
				const struct nfp_field_info *fi = &nfp_fields[f];
				put_key(o, &bfirst, fi->keylen ? fi->key : fi->name);
				put_str(o, line + p->v[f].s.off, p->v[f].s.len);
			}
		putc1(o, '}');
	}
	/* a quoted packet with no ICMP object to hold it goes to the top (as src/emit/native_tree.c) */
	if (with_inner && !inner_done)
		put_inner(o, tfirst, rec, line);
}

struct text_sink {
	struct out *o;
	int first;
};

static void sink_str(void *ctx, const char *name, const char *s, size_t n)
{
	struct text_sink *k = ctx;
	put_key(k->o, &k->first, name);
	put_str(k->o, s, n);
}

static void sink_num(void *ctx, const char *name, uint64_t v)
{
	struct text_sink *k = ctx;
	put_key(k->o, &k->first, name);
	put_i64(k->o, v);
}

size_t nfp_to_json_text(const struct nfp_record *rec, const char *line, char *buf, size_t cap)
{
	return nfp_to_json_text_ex(rec, line, NULL, buf, cap);
}

size_t nfp_to_json_text_ex(const struct nfp_record *rec, const char *line, const struct nfp_extra *x, char *buf,
			   size_t cap)
{
	struct out o = { buf, 0, cap, 0 };
	int first = 1;
	const char *t;
	char id[NFP_PKTID_MAX];
	struct pid pid = { id, 0 };

	if (rec->type == NFP_NONE)
		return 0;
	const struct nfp_select *sel = x != NULL ? x->sel : NULL;
	if (rec->type == NFP_TRACE && !nfp_has(&rec->pkt[0], NFP_F_TRACE_PACKET) && (sel == NULL || sel->packet))
		pid.n = nfp_packet_id(rec, line, x ? x->host : NULL, x ? x->hostlen : 0, id);
	putc1(&o, '{');
	put_key(&o, &first, "type");
	t = nfp_type_name(rec->type);
	put_str(&o, t, strlen(t));
	put_pkt(&o, &first, rec, 0, line, &pid, sel);
	if (x != NULL && x->res != NULL && x->res->status != NFP_RES_NONE && (sel == NULL || sel->rule)) {
		struct text_sink k = { &o, 1 };
		struct nfp_rule_sink rk = { sink_str, sink_num, &k };
		put_key(&o, &first, "rule");
		putc1(&o, '{');
		nfp_rule_members(x->res, &rk);
		putc1(&o, '}');
	}
	if (rec->flags & NFP_R_TRUNCATED) {
		put_key(&o, &first, "truncated");
		PUTS(&o, "true");
	}
	if (rec->n_unknown > 0 && (sel == NULL || sel->unknown)) {
		put_key(&o, &first, "unknown");
		putc1(&o, '[');
		for (unsigned i = 0; i < rec->n_unknown; i++) {
			if (i)
				putc1(&o, ',');
			put_str(&o, line + rec->unknown[i].off, rec->unknown[i].len);
		}
		if (rec->flags & NFP_R_UNKNOWN_OVF)
			PUTS(&o, ",\"...\"");
		putc1(&o, ']');
	}
	if (o.repaired) {
		put_key(&o, &first, "utf8_repaired");
		PUTS(&o, "true");
	}
	putc1(&o, '}');
	return o.n;
}
