/* The text sink (sink.h): JSON text byte for byte as libfastjson prints the same tree with
 * FJSON_TO_STRING_PLAIN, written into the caller's buffer. Nothing beyond its capacity is
 * written; the length the document needs is counted all the same. The only JSON string
 * escaper and number writer of the project. */
#include <stdlib.h>
#include <string.h>
#include <json.h>
#include "emit/sink.h"
#include "nfp.h"

static inline void put(struct nfp_sink *o, const char *s, size_t n)
{
	if (o->n + n <= o->cap)
		memcpy(o->b + o->n, s, n);
	o->n += n;
}
static inline void putc1(struct nfp_sink *o, char c)
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
static void put_str_valid(struct nfp_sink *o, const char *s, size_t n);

/* bytes that are not well-formed UTF-8 are written as U+FFFD, as the tree sink does */
static void put_str(struct nfp_sink *o, const char *s, size_t n)
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

static void put_str_valid(struct nfp_sink *o, const char *s, size_t n)
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

static void put_i64(struct nfp_sink *o, int64_t sv)
{
	char d[24];
	size_t k = sizeof(d);
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


/* a member's name (plain words: nothing to escape), after a comma unless it is the first */
static void key(struct nfp_sink *o, const char *name)
{
	int d = o->depth;
	if (!o->first[d])
		putc1(o, ',');
	o->first[d] = 0;
	if (name == NULL || o->array[d])
		return;
	size_t n = strlen(name);
	if (o->n + n + 3 <= o->cap) {
		char *p = o->b + o->n;
		p[0] = '"';
		memcpy(p + 1, name, n);
		p[n + 1] = '"';
		p[n + 2] = ':';
		o->n += n + 3;
	} else {
		putc1(o, '"');
		put(o, name, n);
		PUTS(o, "\":");
	}
}

static void t_open(struct nfp_sink *o, const char *name, int array)
{
	if (o->depth > 0 || !o->first[0])
		key(o, name);
	else
		o->first[0] = 0; /* the document itself */
	putc1(o, array ? '[' : '{');
	if (o->depth < NFP_SINK_DEPTH)
		o->depth++;
	o->first[o->depth] = 1;
	o->array[o->depth] = (unsigned char)array;
}

static void t_close(struct nfp_sink *o)
{
	putc1(o, o->array[o->depth] ? ']' : '}');
	if (o->depth > 0)
		o->depth--;
}

static void t_str(struct nfp_sink *o, const char *name, const char *s, size_t n)
{
	key(o, name);
	put_str(o, s, n);
}

static void t_num(struct nfp_sink *o, const char *name, int64_t v)
{
	key(o, name);
	put_i64(o, v);
}

static void t_yes(struct nfp_sink *o, const char *name)
{
	key(o, name);
	PUTS(o, "true");
}

static const struct nfp_sink_ops text_ops = { t_open, t_close, t_str, t_num, t_yes };

void nfp_sink_text(struct nfp_sink *k, char *buf, size_t cap)
{
	memset(k, 0, sizeof(*k));
	k->ops = &text_ops;
	k->b = buf;
	k->cap = cap;
	k->first[0] = 1;
}
