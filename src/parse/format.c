/* Address text forms without printf: the JSON emitters format thousands of these a second. */
#include "nfp.h"

static const char hexdig[] = "0123456789abcdef";

static size_t put_u8(unsigned v, char *o)
{
	size_t n = 0;
	if (v >= 100)
		o[n++] = (char)('0' + v / 100);
	if (v >= 10)
		o[n++] = (char)('0' + v / 10 % 10);
	o[n++] = (char)('0' + v % 10);
	return n;
}

static size_t put_v4(const uint8_t *a, char *o)
{
	size_t n = 0;
	for (int i = 0; i < 4; i++) {
		if (i)
			o[n++] = '.';
		n += put_u8(a[i], o + n);
	}
	return n;
}

size_t nfp_format_dec(uint64_t v, char *o)
{
	char d[20];
	size_t k = sizeof(d), n;
	do {
		d[--k] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	n = sizeof(d) - k;
	for (size_t i = 0; i < n; i++)
		o[i] = d[k + i];
	return n;
}

size_t nfp_format_mac(const uint8_t m[6], char *o)
{
	for (int i = 0; i < 6; i++) {
		o[3 * i] = hexdig[m[i] >> 4];
		o[3 * i + 1] = hexdig[m[i] & 15];
		if (i < 5)
			o[3 * i + 2] = ':';
	}
	return 17;
}

size_t nfp_format_ip(int family, const uint8_t *a, char *o)
{
	unsigned w[8];
	int best = -1, bestlen = 0, cur = -1, curlen = 0;
	size_t n = 0;

	if (family != 6)
		return put_v4(a, o);
	for (int i = 0; i < 8; i++)
		w[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
	/* the longest run of zero groups (at least two), the first of equal ones */
	for (int i = 0; i < 8; i++) {
		if (w[i] == 0) {
			if (cur < 0)
				cur = i, curlen = 0;
			curlen++;
			if (curlen > bestlen)
				best = cur, bestlen = curlen;
		} else {
			cur = -1;
		}
	}
	if (bestlen < 2)
		best = -1;
	for (int i = 0; i < 8; i++) {
		if (best >= 0 && i >= best && i < best + bestlen) {
			if (i == best)
				o[n++] = ':';
			continue;
		}
		if (i > 0)
			o[n++] = ':';
		/* IPv4-compatible (::a.b.c.d) and IPv4-mapped (::ffff:a.b.c.d) tails */
		if (i == 6 && best == 0 && (bestlen == 6 || (bestlen == 5 && w[5] == 0xffff)))
			return n + put_v4(a + 12, o + n);
		int started = 0;
		for (int sh = 12; sh >= 0; sh -= 4) {
			unsigned d = (w[i] >> sh) & 15;
			if (d || started || sh == 0) {
				o[n++] = hexdig[d];
				started = 1;
			}
		}
	}
	if (best >= 0 && best + bestlen == 8)
		o[n++] = ':';
	return n;
}
