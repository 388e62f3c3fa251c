/* A bounded text writer for the renderers of kernel data (packet.c, nfttrace.c): bytes past
 * the buffer's size are dropped, one byte is kept for the caller's NUL. No allocation. */
#ifndef NFP_TEXTW_H_INCLUDED
#define NFP_TEXTW_H_INCLUDED
#include <string.h>
#include "nfp.h"

struct nfp_tw {
	char *o;
	size_t n, cap;
};

static inline void tw_put(struct nfp_tw *w, const char *s, size_t n)
{
	for (size_t i = 0; i < n && w->n + 1 < w->cap; i++)
		w->o[w->n++] = s[i];
}
static inline void tw_puts(struct nfp_tw *w, const char *s)
{
	tw_put(w, s, strlen(s));
}
static inline void tw_dec(struct nfp_tw *w, uint64_t v)
{
	char b[20];
	tw_put(w, b, nfp_format_dec(v, b));
}
/* v in hex, at least digits digits, upper or lower case, no 0x */
static inline void tw_hexn(struct nfp_tw *w, uint64_t v, int digits, int upper)
{
	static const char lo[] = "0123456789abcdef", up[] = "0123456789ABCDEF";
	char b[16];
	int k = 0;
	do {
		b[k++] = (upper ? up : lo)[v & 15];
		v >>= 4;
	} while (v || k < digits);
	while (k > 0)
		tw_put(w, &b[--k], 1);
}
/* "KEY<decimal> " */
static inline void tw_kv(struct nfp_tw *w, const char *key, uint64_t v)
{
	tw_puts(w, key);
	tw_dec(w, v);
	tw_put(w, " ", 1);
}
static inline void tw_ip(struct nfp_tw *w, int family, const uint8_t *a)
{
	char b[NFP_IPSTR_MAX];
	tw_put(w, b, nfp_format_ip(family, a, b));
}
static inline void tw_mac(struct nfp_tw *w, const uint8_t *m)
{
	char b[NFP_MACSTR_MAX];
	tw_put(w, b, nfp_format_mac(m, b));
}
static inline unsigned tw_be16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}
static inline uint32_t tw_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
#endif
