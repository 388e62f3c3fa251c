/* Prefix rules: a site's own LOG prefix conventions, a line each (see nfp_enrich.h and
 * contrib/prefix-rules/netfilter.prefixes for the format). A pattern is literal text with
 * captures ({name}: one or more bytes, {name:num}: digits, {name:word}: [A-Za-z0-9_.],
 * {name:a|b|c}: one of the words listed) and '*' (any run, possibly empty); \* \{ \\ stand for the byte itself. It matches the whole prefix,
 * trailing spaces left out. Matching is linear in the prefix's length for a given pattern: one
 * table of "the rest of the pattern matches from here", filled from the end, then captures
 * taken as short as that table allows.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "enrich/nfp_enrich.h"

#define MAX_TOK 24
#define MAX_CAP 8
#define MAX_IN 256 /* longest prefix matched (nft allows 127 bytes, iptables 29) */

enum tok_kind { T_LIT, T_CAP, T_STAR };
enum cls { C_ANY, C_NUM, C_WORD, C_ALT };
struct tok {
	uint8_t kind, cls, cap; /* cap: capture index */
	uint16_t off, len;      /* T_LIT: the text in the rule's strings; C_ALT: the words, '|' between */
};
enum field { F_ACTION, F_TYPE, F_NAME, F_ID, F_RULESET, F_ZIN, F_ZOUT, F_VENDOR, F_GLUED, F_TAG0, F__COUNT = F_TAG0 + NFP_PREFIX_TAGS };
struct prule {
	struct tok t[MAX_TOK];
	unsigned ntok, ncap, line;
	char capname[MAX_CAP][16];
	uint16_t foff[F__COUNT], flen[F__COUNT]; /* value templates in strings; flen 0: not set */
	uint8_t fset[F__COUNT];
	int type; /* 0 not said, 1 allowed, 2 denied, 3 none */
	int vendor; /* 1: ubiquiti */
	int glued;  /* only a prefix without a trailing space */
};
struct nfp_prefix_rules {
	struct prule *r;
	unsigned n;
	char *strings; /* literals and templates */
	size_t used, cap;
	char *path;
};

static int fail(char *err, size_t errlen, const char *name, unsigned line, const char *what, const char *s, size_t n)
{
	snprintf(err, errlen, "%s:%u: %s%s%.*s%s", name, line, what, n ? " '" : "", (int)(n > 60 ? 60 : n), s, n ? "'" : "");
	return -1;
}

static long keep(struct nfp_prefix_rules *rs, const char *s, size_t n)
{
	if (rs->used + n > 65535)
		return -1;
	if (rs->used + n > rs->cap) {
		size_t nc = rs->cap ? rs->cap * 2 : 1024;
		while (nc < rs->used + n)
			nc *= 2;
		char *b = realloc(rs->strings, nc);
		if (b == NULL)
			return -1;
		rs->strings = b;
		rs->cap = nc;
	}
	memcpy(rs->strings + rs->used, s, n);
	rs->used += n;
	return (long)(rs->used - n);
}

/* a "quoted" or bare value at s[i..]: its text (quotes off, \" undone; other escapes are the
 * pattern's) into buf */
static size_t value(const char *s, size_t i, size_t n, char *buf, size_t cap, size_t *len, int *bad)
{
	size_t k = 0;
	*bad = 0;
	if (i < n && s[i] == '"') {
		for (i++; i < n && s[i] != '"'; i++) {
			if (s[i] == '\\' && i + 1 < n && s[i + 1] == '"') /* \" is a quote; other \ stay for the pattern */
				i++;
			else if (s[i] == '\\' && i + 1 < n && k < cap)
				buf[k++] = s[i++];
			if (k < cap)
				buf[k++] = s[i];
		}
		if (i >= n)
			*bad = 1;
		else
			i++;
	} else {
		while (i < n && s[i] != ' ' && s[i] != '\t') {
			if (k < cap)
				buf[k++] = s[i];
			i++;
		}
	}
	if (k >= cap)
		*bad = 2;
	*len = k;
	return i;
}

/* 1 if the n bytes at s hold w */
static int strstr_n(const char *s, size_t n, const char *w)
{
	size_t k = strlen(w);
	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(s + i, w, k) == 0)
			return 1;
	return 0;
}

static int compile(struct nfp_prefix_rules *rs, struct prule *r, const char *p, size_t n, const char *name, char *err,
		   size_t errlen)
{
	size_t i = 0;
	while (n > 0 && p[n - 1] == ' ')
		n--;
	if (n == 0)
		return fail(err, errlen, name, r->line, "empty pattern", "", 0);
	while (i < n) {
		struct tok *t;
		if (r->ntok == MAX_TOK)
			return fail(err, errlen, name, r->line, "pattern has too many parts", p, n);
		t = &r->t[r->ntok];
		if (p[i] == '*') {
			t->kind = T_STAR;
			r->ntok++;
			i++;
			continue;
		}
		if (p[i] == '{') {
			const char *c = memchr(p + i, '}', n - i), *colon;
			size_t nl;
			if (c == NULL)
				return fail(err, errlen, name, r->line, "unclosed '{' in pattern", p, n);
			nl = (size_t)(c - (p + i + 1));
			colon = memchr(p + i + 1, ':', nl);
			t->kind = T_CAP;
			t->cls = C_ANY;
			if (colon != NULL) {
				size_t kl = (size_t)(c - colon - 1);
				if (kl == 3 && memcmp(colon + 1, "num", 3) == 0)
					t->cls = C_NUM;
				else if (kl == 4 && memcmp(colon + 1, "word", 4) == 0)
					t->cls = C_WORD;
				else if (kl > 2 && memchr(colon + 1, '|', kl) != NULL && colon[1] != '|' && colon[kl] != '|' &&
					 strstr_n(colon + 1, kl, "||") == 0) {
					long off = keep(rs, colon + 1, kl);
					if (off < 0)
						return fail(err, errlen, name, r->line, "out of memory", "", 0);
					t->cls = C_ALT;
					t->off = (uint16_t)off;
					t->len = (uint16_t)kl;
				} else {
					return fail(err, errlen, name, r->line, "capture kind is num or word, or words a|b|...", colon + 1, kl);
				}
				nl = (size_t)(colon - (p + i + 1));
			}
			if (nl == 0 || nl >= sizeof(r->capname[0]))
				return fail(err, errlen, name, r->line, "capture name of 1 to 15 bytes expected", p + i, (size_t)(c - p - i) + 1);
			if (r->ncap == MAX_CAP)
				return fail(err, errlen, name, r->line, "more than 8 captures", p, n);
			for (unsigned k = 0; k < r->ncap; k++)
				if (strlen(r->capname[k]) == nl && memcmp(r->capname[k], p + i + 1, nl) == 0)
					return fail(err, errlen, name, r->line, "capture named twice", p + i, nl + 2);
			memcpy(r->capname[r->ncap], p + i + 1, nl);
			r->capname[r->ncap][nl] = 0;
			t->cap = (uint8_t)r->ncap++;
			r->ntok++;
			i = (size_t)(c - p) + 1;
			continue;
		}
		char lit[512];
		size_t ln = 0;
		while (i < n && p[i] != '*' && p[i] != '{') { /* "\*", "\{", "\\": the byte itself */
			if (p[i] == '\\' && i + 1 < n)
				i++;
			lit[ln++] = p[i++];
		}
		long off = keep(rs, lit, ln);
		if (off < 0)
			return fail(err, errlen, name, r->line, "out of memory", "", 0);
		t->kind = T_LIT;
		t->off = (uint16_t)off;
		t->len = (uint16_t)ln;
		r->ntok++;
	}
	return 0;
}

/* a template's {names} must be captures of the pattern */
static int check_template(const struct prule *r, const char *v, size_t n, const char *name, char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i] != '{')
			continue;
		const char *c = memchr(v + i, '}', n - i);
		unsigned k;
		if (c == NULL)
			return fail(err, errlen, name, r->line, "unclosed '{' in value", v, n);
		size_t nl = (size_t)(c - v - i - 1);
		for (k = 0; k < r->ncap; k++)
			if (strlen(r->capname[k]) == nl && memcmp(r->capname[k], v + i + 1, nl) == 0)
				break;
		if (k == r->ncap)
			return fail(err, errlen, name, r->line, "no capture of that name in the pattern", v + i, nl + 2);
		i = (size_t)(c - v);
	}
	return 0;
}

static int parse_line(struct nfp_prefix_rules *rs, const char *s, size_t n, unsigned line, const char *name, char *err,
		      size_t errlen)
{
	static const struct {
		const char *key;
		enum field f;
	} keys[] = { { "action", F_ACTION }, { "type", F_TYPE }, { "rule.name", F_NAME }, { "rule.id", F_ID },
		     { "rule.ruleset", F_RULESET }, { "zone.in", F_ZIN }, { "zone.out", F_ZOUT }, { "vendor", F_VENDOR },
		     { "glued", F_GLUED }, { "tag", F_TAG0 } };
	char buf[512];
	size_t i = 0, len;
	int bad;
	unsigned ntags = 0;
	struct prule *r;
	if (rs->n % 64 == 0) {
		struct prule *nr = realloc(rs->r, (rs->n + 64) * sizeof(*nr));
		if (nr == NULL)
			return fail(err, errlen, name, line, "out of memory", "", 0);
		rs->r = nr;
	}
	r = &rs->r[rs->n];
	memset(r, 0, sizeof(*r));
	r->line = line;
	if (s[0] != '"')
		return fail(err, errlen, name, line, "a rule starts with its \"pattern\" in double quotes", s, n);
	i = value(s, 0, n, buf, sizeof(buf), &len, &bad);
	if (bad)
		return fail(err, errlen, name, line, bad == 1 ? "unclosed '\"'" : "pattern longer than 511 bytes", s, n);
	if (compile(rs, r, buf, len, name, err, errlen) != 0)
		return -1;
	while (i < n) {
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i >= n)
			break;
		size_t ks = i, ke;
		while (i < n && s[i] != '=' && s[i] != ' ' && s[i] != '\t')
			i++;
		ke = i;
		if (i >= n || s[i] != '=')
			return fail(err, errlen, name, line, "expected key=value (action, type, rule.name, rule.id, rule.ruleset, zone.in, zone.out, vendor, glued, tag)",
				    s + ks, ke - ks);
		int f = -1;
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (strlen(keys[k].key) == ke - ks && memcmp(keys[k].key, s + ks, ke - ks) == 0)
				f = (int)keys[k].f;
		if (f < 0)
			return fail(err, errlen, name, line, "unknown key (action, type, rule.name, rule.id, rule.ruleset, zone.in, zone.out, vendor, glued, tag)",
				    s + ks, ke - ks);
		i = value(s, i + 1, n, buf, sizeof(buf), &len, &bad);
		if (bad)
			return fail(err, errlen, name, line, bad == 1 ? "unclosed '\"'" : "value longer than 511 bytes", s + ks, n - ks);
		if (len == 0)
			return fail(err, errlen, name, line, "empty value for", s + ks, ke - ks);
		if (f == F_TAG0) {
			if (ntags == NFP_PREFIX_TAGS)
				return fail(err, errlen, name, line, "more than 4 tags", s + ks, ke - ks);
			f = F_TAG0 + (int)ntags++;
		} else if (r->fset[f]) {
			return fail(err, errlen, name, line, "key given twice", s + ks, ke - ks);
		}
		if (f == F_TYPE) {
			if (len == 7 && memcmp(buf, "allowed", 7) == 0)
				r->type = 1;
			else if (len == 6 && memcmp(buf, "denied", 6) == 0)
				r->type = 2;
			else if (len == 4 && memcmp(buf, "none", 4) == 0)
				r->type = 3;
			else
				return fail(err, errlen, name, line, "type is allowed, denied or none", buf, len);
			r->fset[f] = 1;
			continue;
		}
		if (f == F_GLUED) { /* the prefix abuts IN= (no space): "[WAN_IN-10-A]IN=" */
			if (len == 3 && memcmp(buf, "yes", 3) == 0)
				r->glued = 1;
			else
				return fail(err, errlen, name, line, "glued is yes", buf, len);
			r->fset[f] = 1;
			continue;
		}
		if (f == F_VENDOR) { /* what else the vendor's fields say (ECS iptables.<vendor>) */
			if (len == 8 && memcmp(buf, "ubiquiti", 8) == 0)
				r->vendor = 1;
			else
				return fail(err, errlen, name, line, "vendor is ubiquiti", buf, len);
			r->fset[f] = 1;
			continue;
		}
		if (check_template(r, buf, len, name, err, errlen) != 0)
			return -1;
		long off = keep(rs, buf, len);
		if (off < 0)
			return fail(err, errlen, name, line, "out of memory", "", 0);
		r->foff[f] = (uint16_t)off;
		r->flen[f] = (uint16_t)len;
		r->fset[f] = 1;
	}
	rs->n++;
	return 0;
}

struct nfp_prefix_rules *nfp_prefix_rules_parse(const char *text, size_t len, const char *name, char *err, size_t errlen)
{
	struct nfp_prefix_rules *rs = calloc(1, sizeof(*rs));
	size_t pos = 0;
	unsigned line = 0;
	if (rs == NULL || (rs->path = strdup(name)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		free(rs);
		return NULL;
	}
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t e = nl ? (size_t)(nl - text) : len, b = pos;
		line++;
		pos = e + 1;
		while (e > b && (text[e - 1] == ' ' || text[e - 1] == '\t' || text[e - 1] == '\r'))
			e--;
		while (b < e && (text[b] == ' ' || text[b] == '\t'))
			b++;
		if (b == e || text[b] == '#')
			continue;
		if (memchr(text + b, 0, e - b) != NULL) {
			fail(err, errlen, name, line, "NUL byte in the line", "", 0);
			nfp_prefix_rules_free(rs);
			return NULL;
		}
		if (parse_line(rs, text + b, e - b, line, name, err, errlen) != 0) {
			nfp_prefix_rules_free(rs);
			return NULL;
		}
	}
	return rs;
}

struct nfp_prefix_rules *nfp_prefix_rules_load(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t n = 0, cap = 0;
	struct nfp_prefix_rules *rs;
	if (f == NULL) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (n + 4096 > cap) {
			char *b = realloc(buf, cap = n + 65536);
			if (b == NULL || cap > (16u << 20)) {
				free(b ? b : buf);
				fclose(f);
				snprintf(err, errlen, "%s: %s", path, b ? "larger than 16 MiB" : "out of memory");
				return NULL;
			}
			buf = b;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	rs = nfp_prefix_rules_parse(buf ? buf : "", n, path, err, errlen);
	free(buf);
	return rs;
}

void nfp_prefix_rules_free(struct nfp_prefix_rules *rs)
{
	if (rs == NULL)
		return;
	free(rs->r);
	free(rs->strings);
	free(rs->path);
	free(rs);
}

unsigned nfp_prefix_rules_count(const struct nfp_prefix_rules *rs)
{
	return rs != NULL ? rs->n : 0;
}

static int in_cls(int cls, char c)
{
	if (cls == C_NUM)
		return c >= '0' && c <= '9';
	if (cls == C_WORD)
		return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '.';
	return 1;
}

/* the length of the first of k's words at s[i..] after which the rest matches (rest[]), 0 if none */
static size_t alt_at(const struct nfp_prefix_rules *rs, const struct tok *k, const char *s, size_t n, size_t i,
		     const uint8_t *rest)
{
	const char *w = rs->strings + k->off, *end = w + k->len;
	while (w < end) {
		const char *bar = memchr(w, '|', (size_t)(end - w));
		size_t wl = (size_t)((bar != NULL ? bar : end) - w);
		if (wl > 0 && i + wl <= n && memcmp(s + i, w, wl) == 0 && rest[i + wl])
			return wl;
		w += wl + 1;
	}
	return 0;
}

/* does rule r match s[0..n)? caps get each capture's [start, end) */
static int match(const struct nfp_prefix_rules *rs, const struct prule *r, const char *s, size_t n,
		 uint16_t caps[MAX_CAP][2])
{
	/* ok[t][i]: tokens t.. match s[i..n) (one bit per position) */
	static __thread uint8_t ok[MAX_TOK + 1][MAX_IN + 1];
	const struct tok *t0 = &r->t[0];
	if (n > MAX_IN)
		return 0;
	if (t0->kind == T_LIT && (t0->len > n || memcmp(rs->strings + t0->off, s, t0->len) != 0))
		return 0; /* most rules end here */
	for (size_t i = 0; i <= n; i++)
		ok[r->ntok][i] = i == n;
	for (int t = (int)r->ntok - 1; t >= 0; t--) {
		const struct tok *k = &r->t[t];
		for (size_t ii = n + 1; ii-- > 0;) {
			uint8_t v = 0;
			if (k->kind == T_LIT)
				v = ii + k->len <= n && memcmp(rs->strings + k->off, s + ii, k->len) == 0 && ok[t + 1][ii + k->len];
			else if (k->kind == T_STAR)
				v = ok[t + 1][ii] || (ii < n && ok[t][ii + 1]);
			else if (k->cls == C_ALT) /* one of the words */
				v = alt_at(rs, k, s, n, ii, ok[t + 1]) != 0;
			else /* one or more of the class */
				v = ii < n && in_cls(k->cls, s[ii]) && (ok[t + 1][ii + 1] || ok[t][ii + 1]);
			ok[t][ii] = v;
		}
	}
	if (!ok[0][0])
		return 0;
	/* captures as short as the rest allows */
	size_t i = 0;
	for (unsigned t = 0; t < r->ntok; t++) {
		const struct tok *k = &r->t[t];
		if (k->kind == T_LIT) {
			i += k->len;
		} else if (k->kind == T_STAR) {
			while (!ok[t + 1][i])
				i++;
		} else {
			size_t j = k->cls == C_ALT ? i + alt_at(rs, k, s, n, i, ok[t + 1]) : i + 1;
			while (!ok[t + 1][j])
				j++;
			caps[k->cap][0] = (uint16_t)i;
			caps[k->cap][1] = (uint16_t)j;
			i = j;
		}
	}
	return 1;
}

/* a template with its captures filled into v->store; the result's place there */
static void render(const struct nfp_prefix_rules *rs, const struct prule *r, enum field f, const char *s,
		   uint16_t caps[MAX_CAP][2], struct nfp_prefix_verdict *v, const char **out, size_t *outlen)
{
	const char *tp = rs->strings + r->foff[f];
	size_t tn = r->flen[f], start = v->store_used;
	for (size_t i = 0; i < tn; i++) {
		if (tp[i] == '{') {
			const char *c = memchr(tp + i, '}', tn - i);
			size_t nl = (size_t)(c - tp - i - 1);
			for (unsigned k = 0; k < r->ncap; k++) {
				if (strlen(r->capname[k]) == nl && memcmp(r->capname[k], tp + i + 1, nl) == 0) {
					size_t cl = (size_t)(caps[k][1] - caps[k][0]);
					if (v->store_used + cl <= sizeof(v->store)) {
						memcpy(v->store + v->store_used, s + caps[k][0], cl);
						v->store_used += cl;
					}
				}
			}
			i = (size_t)(c - tp);
		} else if (v->store_used < sizeof(v->store)) {
			v->store[v->store_used++] = tp[i];
		}
	}
	*out = v->store + start;
	*outlen = v->store_used - start;
}

unsigned nfp_prefix_rules_apply(const struct nfp_prefix_rules *rs, const char *p, size_t n, struct nfp_prefix_verdict *v)
{
	uint16_t caps[MAX_CAP][2];
	size_t raw = n;
	if (rs == NULL)
		return 0;
	while (n > 0 && p[n - 1] == ' ')
		n--;
	if (n == 0)
		return 0;
	for (unsigned k = 0; k < rs->n; k++) {
		const struct prule *r = &rs->r[k];
		const char *o;
		size_t ol;
		if ((r->glued && raw != n) || !match(rs, r, p, n, caps))
			continue;
		memset(v, 0, sizeof(*v));
		v->rule_line = r->line;
		if (r->fset[F_ACTION]) {
			render(rs, r, F_ACTION, p, caps, v, &o, &ol);
			size_t m = 0;
			for (size_t i = 0; i < ol && m + 1 < sizeof(v->action); i++)
				v->action[m++] = o[i] == ' ' ? '_' : (char)(o[i] >= 'A' && o[i] <= 'Z' ? o[i] | 0x20 : o[i]);
			v->action[m] = 0;
		}
		v->type = r->type == 3 ? 0 : r->type;
		if (r->fset[F_NAME])
			render(rs, r, F_NAME, p, caps, v, &v->rule_name, &v->rule_name_len);
		if (r->fset[F_ID])
			render(rs, r, F_ID, p, caps, v, &v->rule_id, &v->rule_id_len);
		if (r->fset[F_RULESET])
			render(rs, r, F_RULESET, p, caps, v, &v->ruleset, &v->ruleset_len);
		if (r->fset[F_ZIN])
			render(rs, r, F_ZIN, p, caps, v, &v->zone_in, &v->zone_in_len);
		if (r->fset[F_ZOUT])
			render(rs, r, F_ZOUT, p, caps, v, &v->zone_out, &v->zone_out_len);
		v->ubnt = r->vendor == 1;
		for (unsigned t = 0; t < NFP_PREFIX_TAGS && r->fset[F_TAG0 + t]; t++) {
			render(rs, r, (enum field)(F_TAG0 + t), p, caps, v, &v->tags[t], &v->tag_len[t]);
			v->ntags = t + 1;
		}
		return r->line;
	}
	return 0;
}

const char *nfp_prefix_rules_path(const struct nfp_prefix_rules *rs)
{
	return rs != NULL ? rs->path : "";
}
