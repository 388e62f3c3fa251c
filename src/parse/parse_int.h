/* Internals shared by the parser pieces (not part of the API). */
#ifndef NFP_INT_H_INCLUDED
#define NFP_INT_H_INCLUDED
#include <string.h>
#include "nfp.h"

extern const unsigned char nfp_hex1[256];
/* value of a hex digit, 0xff for any other byte */
#define NFP_HEXVAL(c) ((unsigned char)(nfp_hex1[(unsigned char)(c)] - 1u))
#define NFP_ISDIGIT(c) ((unsigned)((unsigned char)(c) - (unsigned)'0') < 10u)

static inline void nfp_set(struct nfp_pkt *p, enum nfp_field f)
{
	p->present[f >> 6] |= (uint64_t)1 << (f & 63);
}
static inline void nfp_set_bad(struct nfp_pkt *p, enum nfp_field f)
{
	p->invalid[f >> 6] |= (uint64_t)1 << (f & 63);
}
/* a key whose value did not decode: keep the raw value for the "invalid" object */
static inline void nfp_put_bad(struct nfp_pkt *p, enum nfp_field f, size_t off, size_t len)
{
	p->v[f].s.off = (uint32_t)off;
	p->v[f].s.len = (uint32_t)len;
	nfp_set_bad(p, f);
}
static inline void nfp_put_slice(struct nfp_pkt *p, enum nfp_field f, size_t off, size_t len)
{
	p->v[f].s.off = (uint32_t)off;
	p->v[f].s.len = (uint32_t)len;
	nfp_set(p, f);
}
static inline void nfp_put_u(struct nfp_pkt *p, enum nfp_field f, uint64_t u)
{
	p->v[f].u = u;
	nfp_set(p, f);
}
/* tokens of the space-separated dialects (kernel lines, monitor lines) */
static inline size_t nfp_tok_end(const char *s, size_t i, size_t n)
{
	while (i < n && s[i] != ' ')
		i++;
	return i;
}
static inline size_t nfp_skip_sp(const char *s, size_t i, size_t n)
{
	while (i < n && s[i] == ' ')
		i++;
	return i;
}
/* the n bytes at s are the word w (a C string) */
static inline int nfp_word_is(const char *s, size_t n, const char *w)
{
	size_t wn = strlen(w);
	return n == wn && memcmp(s, w, wn) == 0;
}
/* a and b are equal ignoring ASCII case */
static inline int nfp_ieq(const char *a, size_t an, const char *b, size_t bn)
{
	if (an != bn)
		return 0;
	for (size_t i = 0; i < an; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
		x = (unsigned char)(x >= 'A' && x <= 'Z' ? x + 32 : x);
		y = (unsigned char)(y >= 'A' && y <= 'Z' ? y + 32 : y);
		if (x != y)
			return 0;
	}
	return 1;
}

/* a token the grammar has no place for: kept (at most NFP_MAX_UNKNOWN, then flagged) */
static inline void nfp_add_unknown(struct nfp_record *r, size_t off, size_t n)
{
	if (r->n_unknown < NFP_MAX_UNKNOWN) {
		r->unknown[r->n_unknown].off = (uint32_t)off;
		r->unknown[r->n_unknown].len = (uint32_t)n;
		r->n_unknown++;
	} else {
		r->flags |= NFP_R_UNKNOWN_OVF;
	}
}
/* the dialects' parsers (dialects.c holds the table nfp_parse walks) and the record's reset */
enum nfp_type nfp_kernel_parse(const char *line, size_t len, size_t start, struct nfp_record *rec);
void nfp_record_reset(struct nfp_record *rec);
/* JSON object name of a group; UDP and ICMP take the protocol's own name for UDPLITE/ICMPv6 */
const char *nfp_group_name(unsigned g, const struct nfp_pkt *p);
/* the first 14 bytes of a raw MAC= value (Ethernet dst, src, type) if it has them */
int nfp_mac_ether(const char *r, size_t n, uint8_t b[14]);
#endif
