/* The text sink (sink.h): JSON text byte for byte as libfastjson prints the same tree with
 * FJSON_TO_STRING_PLAIN, written into the caller's buffer. Nothing beyond its capacity is
 * written; the length the document needs is counted all the same. The only JSON string
 * escaper and number writer of the project. */
#include <stdlib.h>
#include <string.h>
#include <json.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
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

/* a byte libfastjson escapes: "\n"-style, else "\u00XX" */
static void put_esc(struct nfp_sink *o, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
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
}

/* libfastjson's string escaping of well-formed UTF-8; runs of plain bytes are copied whole */
static void put_str_valid(struct nfp_sink *o, const char *s, size_t n)
{
	size_t start = 0, i = 0;
	putc1(o, '"');
	for (;;) {
		while (i < n && !needs_esc[(unsigned char)s[i]])
			i++;
		put(o, s + start, i - start);
		if (i == n)
			break;
		put_esc(o, (unsigned char)s[i]);
		start = ++i;
	}
	putc1(o, '"');
}

/* Like libfastjson, a string ends at its first NUL byte (rsyslog escapes control characters on
 * receipt by default, so NUL is rare; the message text itself is never changed); bytes that
 * are not well-formed UTF-8 are written as U+FFFD, as the tree sink does */
static void put_str_checked(struct nfp_sink *o, const char *s, size_t n)
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

/* bytes the one-pass path stops at: those escaped, and NUL and bytes >= 0x80 (which send the
 * string to put_str_checked) */
static const unsigned char special[256] = {
	[0 ... 31] = 1, ['"'] = 1, ['\\'] = 1, ['/'] = 1, [128 ... 255] = 1,
};

/* the first special byte at or after i, or n: sixteen bytes at a time where SSE2 is there
 * (a signed compare with 0x20 finds the control bytes and those >= 0x80 at once) */
static size_t plain_ascii(const char *s, size_t i, size_t n)
{
#ifdef __SSE2__
	const __m128i lo = _mm_set1_epi8(0x20), q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'), sl = _mm_set1_epi8('/');
	for (; i + 16 <= n; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(v, lo), _mm_cmpeq_epi8(v, q)),
					 _mm_or_si128(_mm_cmpeq_epi8(v, bs), _mm_cmpeq_epi8(v, sl)));
		unsigned bits = (unsigned)_mm_movemask_epi8(m);
		if (bits != 0)
			return i + (size_t)__builtin_ctz(bits);
	}
#endif
	while (i < n && !special[(unsigned char)s[i]])
		i++;
	return i;
}

/* A string member's value in one pass where it is ASCII without NUL (what the kernel prints);
 * else, from the start again, put_str_checked */
static void put_str(struct nfp_sink *o, const char *s, size_t n)
{
	size_t mark = o->n, start = 0, i = 0;
	putc1(o, '"');
	for (;;) {
		i = plain_ascii(s, i, n);
		put(o, s + start, i - start);
		if (i == n)
			break;
		unsigned char c = (unsigned char)s[i];
		if (c == 0 || c >= 0x80) {
			o->n = mark;
			put_str_checked(o, s, n);
			return;
		}
		put_esc(o, c);
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
