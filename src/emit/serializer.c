/* Emit stage: a serializer for the documents the emitters build, attached to each document's
 * top object (nfp_json_live_attach). libfastjson prints a tree through one function call per
 * value, one printbuf call per piece of punctuation and vsnprintf per integer; this one walks
 * the same live tree and writes the same bytes with plain stores. It reads the tree at the
 * moment it is printed, so a document rsyslog has changed since (set, unset, a member added
 * by another action) prints as it is, exactly as libfastjson would print it.
 *
 * It relies on two things libfastjson does not promise as API:
 *  - struct fjson_object's layout, from libfastjson's installed json_object_private.h
 *    (configure checks that the header compiles with the members used here; without it this
 *    file builds to "off");
 *  - struct printbuf { char *buf; int bpos; int size; }, grown with realloc, which is not
 *    installed at all.
 * nfp_json_live_init() checks both before writing through them: what it reads through the
 * object layout must agree with libfastjson's public functions, and the print buffer must hold
 * the text libfastjson returned. Then it prints a test document both ways, in every flag form,
 * and turns itself on only if every byte agrees. Otherwise documents keep libfastjson's own
 * serializer and the reason is reported.
 * Flags it does not handle (pretty printing) go to libfastjson's serializer; so do values it
 * does not know (doubles, a value with a serializer of someone else's). */
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "emit/nfp_json.h"

#ifdef NFP_HAVE_FJSON_PRIVATE
#include <json_object_private.h>

struct pbuf { /* libfastjson's struct printbuf, checked at init */
	char *buf;
	int bpos;
	int size;
};

typedef int (*ser_fn)(struct fjson_object *, struct printbuf *, int, int);
static struct {
	ser_fn obj, arr, str, num, num64, boolean;
} def;
static int live_on;
static char live_why[160];
static pthread_once_t live_once = PTHREAD_ONCE_INIT;

/* room for n more bytes (and the terminator libfastjson adds): where they go, NULL if there
 * is none (as libfastjson does, a write that finds no memory is dropped). The buffer grows as
 * libfastjson grows it, but to at least 1 KiB at once: a document rarely needs more */
static char *grow(struct pbuf *p, size_t n)
{
	size_t min = (size_t)p->bpos + n + 1, ns;
	char *t;
	if (min > INT_MAX - 8)
		return NULL;
	ns = (size_t)p->size * 2;
	if (ns < min + 8 || ns > INT_MAX)
		ns = min + 8;
	if (ns < 1024)
		ns = 1024;
	if ((t = realloc(p->buf, ns)) == NULL)
		return NULL;
	p->buf = t;
	p->size = (int)ns;
	return p->buf + p->bpos;
}

static inline char *room(struct pbuf *p, size_t n)
{
	if ((size_t)(p->size - p->bpos) > n)
		return p->buf + p->bpos;
	return grow(p, n);
}

static inline void put(struct pbuf *p, const char *s, size_t n)
{
	char *w = room(p, n);
	if (w != NULL) {
		memcpy(w, s, n);
		p->bpos += (int)n;
	}
}
#define PUTS(p, lit) put((p), (lit), sizeof(lit) - 1)

/* libfastjson's escaping: control characters, '"', '\\' and '/'; a string ends at its NUL */
static const unsigned char esc_len[256] = {
	[0] = 1, [1 ... 7] = 6, ['\b'] = 2, ['\t'] = 2, ['\n'] = 2, [11] = 6, ['\f'] = 2, ['\r'] = 2,
	[14 ... 31] = 6, ['"'] = 2, ['\\'] = 2, ['/'] = 2,
};

/* the first byte at or after i that needs escaping (or is a NUL), n if none: eight bytes at
 * a time while none of them does (a byte below 0x20, '"', '\\' or '/') */
static inline size_t next_esc(const unsigned char *s, size_t i, size_t n)
{
	const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
	for (; i + 8 <= n; i += 8) {
		uint64_t w, q, b, l;
		memcpy(&w, s + i, 8);
		q = w ^ (ones * '"');
		b = w ^ (ones * '\\');
		l = w ^ (ones * '/');
		if ((((w - ones * 0x20) & ~w) | ((q - ones) & ~q) | ((b - ones) & ~b) | ((l - ones) & ~l)) & high)
			break;
	}
	while (i < n && esc_len[s[i]] == 0)
		i++;
	return i;
}

/* s[0..n) as a JSON string at w (room for all of it); returns the length written */
static size_t esc_into(char *w, const unsigned char *s, size_t n)
{
	char *o = w;
	size_t k = 0;
	*o++ = '"';
	/* member names and most values are short and clean: copied as they are checked */
	if (n <= 24) {
		while (k < n && esc_len[s[k]] == 0) {
			o[k] = (char)s[k];
			k++;
		}
		if (k == n) {
			o[k] = '"';
			return k + 2;
		}
		o += k;
	}
	for (size_t i = k;;) {
		size_t j = next_esc(s, i, n);
		memcpy(o, s + i, j - i);
		o += j - i;
		if (j >= n || s[j] == 0)
			break;
		*o++ = '\\';
		switch (s[j]) {
		case '\b': *o++ = 'b'; break;
		case '\n': *o++ = 'n'; break;
		case '\r': *o++ = 'r'; break;
		case '\t': *o++ = 't'; break;
		case '\f': *o++ = 'f'; break;
		case '"': case '\\': case '/': *o++ = (char)s[j]; break;
		default:
			memcpy(o, "u00", 3);
			o[3] = "0123456789abcdef"[s[j] >> 4];
			o[4] = "0123456789abcdef"[s[j] & 15];
			o += 5;
		}
		i = j + 1;
	}
	*o++ = '"';
	return (size_t)(o - w);
}

/* the length esc_into writes */
static size_t esc_size(const unsigned char *s, size_t n)
{
	size_t len = 2;
	for (size_t i = 0;;) {
		size_t j = next_esc(s, i, n);
		len += j - i;
		if (j >= n || s[j] == 0)
			return len;
		len += esc_len[s[j]];
		i = j + 1;
	}
}

/* room enough for esc_into: short strings the worst case (every byte \u00XX), long ones
 * measured first */
static inline size_t esc_room(const unsigned char *s, size_t n)
{
	return n <= 256 ? 6 * n + 2 : esc_size(s, n);
}

static void put_str(struct pbuf *p, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	char *w = room(p, esc_room(s, n));
	if (w != NULL)
		p->bpos += (int)esc_into(w, s, n);
}

static void put_int(struct pbuf *p, int64_t v)
{
	static const char d2[] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
				 "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
				 "8081828384858687888990919293949596979899";
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, t = u;
	size_t len = v < 0, nd = 1;
	char *o, *w;
	while (t >= 10) {
		t /= 10;
		nd++;
	}
	len += nd;
	if ((o = room(p, len)) == NULL)
		return;
	if (v < 0)
		*o = '-';
	w = o + len; /* digits from the last one back */
	while (u >= 100) {
		unsigned r = (unsigned)(u % 100);
		u /= 100;
		w -= 2;
		memcpy(w, d2 + 2 * r, 2);
	}
	if (u >= 10) {
		w -= 2;
		memcpy(w, d2 + 2 * u, 2);
	} else {
		*--w = (char)('0' + u);
	}
	p->bpos += (int)len;
}

static int live_ser(struct fjson_object *o, struct printbuf *pb, int level, int flags);

static void put_value(struct pbuf *p, struct fjson_object *v, int level, int flags)
{
	ser_fn fn;
	if (v == NULL) {
		PUTS(p, "null");
		return;
	}
	fn = v->_to_json_string;
	if ((fn == def.num || fn == def.num64) && v->o_type == fjson_type_int) {
		put_int(p, v->o.c_int64);
	} else if (fn == def.str && v->o_type == fjson_type_string) {
		put_str(p, fjson_object_get_string(v), (size_t)fjson_object_get_string_len(v));
	} else if (fn == def.boolean && v->o_type == fjson_type_boolean) {
		if (v->o.c_boolean)
			PUTS(p, "true");
		else
			PUTS(p, "false");
	} else if ((fn == def.obj || fn == live_ser) && v->o_type == fjson_type_object) {
		live_ser(v, (struct printbuf *)(void *)p, level, flags);
	} else if (fn == def.arr && v->o_type == fjson_type_array) {
		size_t n = fjson_object_array_length(v);
		put(p, "[", 1);
		for (size_t i = 0; i < n; i++) {
			if (i > 0)
				put(p, ",", 1);
			if (flags & FJSON_TO_STRING_SPACED)
				put(p, " ", 1);
			put_value(p, fjson_object_array_get_idx(v, (int)i), level + 1, flags);
		}
		if (flags & FJSON_TO_STRING_SPACED)
			PUTS(p, " ]");
		else
			put(p, "]", 1);
	} else {
		fn(v, (struct printbuf *)(void *)p, level, flags); /* doubles, someone else's values */
	}
}

/* an object, as libfastjson's object serializer prints it */
static int live_ser(struct fjson_object *o, struct printbuf *pb, int level, int flags)
{
	struct pbuf *p = (struct pbuf *)(void *)pb;
	struct fjson_object_iterator it, end;
	int first = 1;
	if (flags & ~FJSON_TO_STRING_SPACED)
		return def.obj(o, pb, level, flags); /* pretty forms: libfastjson's own */
	put(p, "{", 1);
	it = fjson_object_iter_begin(o);
	end = fjson_object_iter_end(o);
	for (; !fjson_object_iter_equal(&it, &end); fjson_object_iter_next(&it)) {
		const unsigned char *k = (const unsigned char *)fjson_object_iter_peek_name(&it);
		size_t kl = strlen((const char *)k);
		char *w = room(p, esc_room(k, kl) + 4), *c = w; /* and ",", " ", ":", " " */
		if (w == NULL)
			return 0;
		if (!first)
			*c++ = ',';
		first = 0;
		if (flags & FJSON_TO_STRING_SPACED)
			*c++ = ' ';
		c += esc_into(c, k, kl);
		*c++ = ':';
		if (flags & FJSON_TO_STRING_SPACED)
			*c++ = ' ';
		p->bpos += (int)(c - w);
		put_value(p, fjson_object_iter_peek_value(&it), level + 1, flags);
	}
	if (flags & FJSON_TO_STRING_SPACED)
		PUTS(p, " }");
	else
		put(p, "}", 1);
	return 0;
}

/* a document with every kind of value and every escape, in nested objects and arrays */
static struct fjson_object *test_doc(void)
{
	struct fjson_object *d = fjson_object_new_object(), *in = fjson_object_new_object(),
			    *a = fjson_object_new_array(), *e = fjson_object_new_array();
	char all[128];
	for (int i = 1; i < 128; i++)
		all[i - 1] = (char)i;
	all[127] = 0;
	fjson_object_object_add(d, "s", fjson_object_new_string("plain"));
	fjson_object_object_add(d, "esc/\"k\"", fjson_object_new_string(all));
	fjson_object_object_add(d, "utf8", fjson_object_new_string("\xc3\xa9\xe2\x82\xac\xef\xbf\xbd"));
	fjson_object_object_add(d, "long", fjson_object_new_string("a string longer than the thirty-two bytes kept inline"));
	fjson_object_object_add(d, "empty", fjson_object_new_string(""));
	fjson_object_object_add(d, "i0", fjson_object_new_int(0));
	fjson_object_object_add(d, "imin", fjson_object_new_int64(INT64_MIN));
	fjson_object_object_add(d, "imax", fjson_object_new_int64(INT64_MAX));
	fjson_object_object_add(d, "ineg", fjson_object_new_int(-1234567));
	fjson_object_object_add(d, "i99", fjson_object_new_int(99));
	fjson_object_object_add(d, "t", fjson_object_new_boolean(1));
	fjson_object_object_add(d, "f", fjson_object_new_boolean(0));
	fjson_object_object_add(d, "dbl", fjson_object_new_double(2.5));
	fjson_object_object_add(d, "null", NULL);
	fjson_object_array_add(a, fjson_object_new_string("SYN"));
	fjson_object_array_add(a, fjson_object_new_int(7));
	fjson_object_array_add(a, NULL);
	fjson_object_array_add(a, fjson_object_new_object());
	fjson_object_object_add(in, "arr", a);
	fjson_object_object_add(in, "none", e);
	fjson_object_object_add(in, "obj", fjson_object_new_object());
	fjson_object_object_add(d, "inner", in);
	fjson_object_object_add(d, "gone", fjson_object_new_int(1));
	fjson_object_object_del(d, "gone"); /* a deleted member leaves a hole the iterator skips */
	return d;
}

static int self_test(void)
{
	static const int forms[] = { FJSON_TO_STRING_PLAIN, FJSON_TO_STRING_SPACED, FJSON_TO_STRING_PRETTY };
	struct fjson_object *probe = fjson_object_new_object(), *d = NULL, *wrap = NULL;
	const char *s;
	struct pbuf *pb;
	int ok = 0;

	if (probe == NULL)
		return snprintf(live_why, sizeof(live_why), "out of memory"), 0;
	/* the printbuf layout, read only: libfastjson's buffer holds the text it returned */
	fjson_object_object_add(probe, "k", fjson_object_new_string("v"));
	s = fjson_object_to_json_string_ext(probe, FJSON_TO_STRING_PLAIN);
	pb = (struct pbuf *)(void *)probe->_pb;
	if (s == NULL || pb == NULL || pb->buf != s || pb->bpos != (int)strlen(s) || pb->size <= pb->bpos) {
		snprintf(live_why, sizeof(live_why), "libfastjson's print buffer is not laid out as expected");
		goto out;
	}
	/* the same document, printed by libfastjson and by us, nested in a parent as rsyslog's
	 * "$!" tree holds our container, and on its own as "$!container" is printed */
	d = test_doc();
	wrap = fjson_object_new_object();
	if (d == NULL || wrap == NULL)
		goto out;
	fjson_object_object_add(wrap, "before", fjson_object_new_int(1));
	fjson_object_object_add(wrap, "doc", fjson_object_get(d));
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		for (int nested = 0; nested < 2; nested++) {
			struct fjson_object *top = nested ? wrap : d;
			char *want;
			d->_to_json_string = def.obj;
			if ((s = fjson_object_to_json_string_ext(top, forms[i])) == NULL || (want = strdup(s)) == NULL)
				goto out;
			d->_to_json_string = live_ser;
			s = fjson_object_to_json_string_ext(top, forms[i]);
			d->_to_json_string = def.obj;
			if (s == NULL || strcmp(s, want) != 0) {
				snprintf(live_why, sizeof(live_why), "its output differs from libfastjson's (form %d)", forms[i]);
				free(want);
				goto out;
			}
			free(want);
		}
	}
	ok = 1;
out:
	fjson_object_put(probe);
	fjson_object_put(d);
	fjson_object_put(wrap);
	return ok;
}

/* Before anything is written through the private layout: what it reads must be what
 * libfastjson's public functions say (type, integer, boolean), and every kind of value must
 * have a serializer of its own. A library whose objects are laid out otherwise fails here. */
static int layout_agrees(struct fjson_object *o, struct fjson_object *a, struct fjson_object *s,
			 struct fjson_object *n, struct fjson_object *n64, struct fjson_object *b)
{
	struct fjson_object *const all[] = { o, a, s, n, n64, b };
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (all[i]->o_type != fjson_object_get_type(all[i]) || all[i]->_to_json_string == NULL)
			return 0;
	return n64->o.c_int64 == fjson_object_get_int64(n64) && n->o.c_int64 == fjson_object_get_int64(n) &&
	       (b->o.c_boolean != 0) == (fjson_object_get_boolean(b) != 0) && o->_to_json_string != a->_to_json_string &&
	       o->_to_json_string != s->_to_json_string && s->_to_json_string != n->_to_json_string &&
	       n->_to_json_string != b->_to_json_string;
}

/* The private layout is read only under the libfastjson release the module was compiled
 * against: another one (an upgrade without a rebuild) may lay its objects out otherwise, and
 * the checks below would read at the old offsets. */
int nfp_json_live_version_ok(const char *running, char *why, size_t cap)
{
	if (running != NULL && strcmp(running, NFP_FJSON_BUILT) == 0)
		return 1;
	snprintf(why, cap, "libfastjson %s is running, the module was built against %s", running ? running : "(unknown)",
		 NFP_FJSON_BUILT);
	return 0;
}

static void live_init_once(void)
{
	struct fjson_object *o = fjson_object_new_object(), *a = fjson_object_new_array(), *s = fjson_object_new_string("x"),
			    *n = fjson_object_new_int(-7), *n64 = fjson_object_new_int64(INT64_C(0x123456789abcdef)),
			    *b = fjson_object_new_boolean(1);
	if (!nfp_json_live_version_ok(fjson_version(), live_why, sizeof(live_why))) {
		/* off: live_why says why */
	} else if (o && a && s && n && n64 && b && !layout_agrees(o, a, s, n, n64, b)) {
		snprintf(live_why, sizeof(live_why), "libfastjson's objects are not laid out as its header says");
	} else if (o && a && s && n && n64 && b) {
		def.obj = o->_to_json_string;
		def.arr = a->_to_json_string;
		def.str = s->_to_json_string;
		def.num = n->_to_json_string;
		def.num64 = n64->_to_json_string;
		def.boolean = b->_to_json_string;
		live_on = self_test();
	} else {
		snprintf(live_why, sizeof(live_why), "out of memory");
	}
	fjson_object_put(o);
	fjson_object_put(a);
	fjson_object_put(s);
	fjson_object_put(n);
	fjson_object_put(n64);
	fjson_object_put(b);
}

int nfp_json_live_init(const char **why)
{
	pthread_once(&live_once, live_init_once);
	if (why != NULL)
		*why = live_on ? NULL : live_why;
	return live_on;
}

void nfp_json_live_attach(struct fjson_object *o)
{
	if (live_on && o != NULL && o->_to_json_string == def.obj)
		o->_to_json_string = live_ser;
}

#else /* no json_object_private.h */

int nfp_json_live_version_ok(const char *running, char *why, size_t cap)
{
	(void)running;
	snprintf(why, cap, "built without libfastjson's json_object_private.h");
	return 0;
}

int nfp_json_live_init(const char **why)
{
	if (why != NULL)
		*why = "built without libfastjson's json_object_private.h";
	return 0;
}

void nfp_json_live_attach(struct fjson_object *o)
{
	(void)o;
}
#endif
