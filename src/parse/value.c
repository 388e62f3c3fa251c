/* Typed value decoders. Each takes (pointer, length), reads nothing beyond it, and returns
 * the bytes consumed, 0 = "not this" (no partial result is stored then). Locale-free. */
#include <string.h>
#include "nfp.h"
#include "parse/parse_int.h"

/* hex digit value + 1, 0 for anything else (see NFP_HEXVAL) */
const unsigned char nfp_hex1[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5,
	['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
	['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
	['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

size_t nfp_dec(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;
	/* 19 digits cannot overflow 64 bits: check the range once at the end */
	while (i < n && i < 19 && NFP_ISDIGIT(s[i]))
		v = v * 10 + (uint64_t)((unsigned char)s[i++] - '0');
	if (i == 0)
		return 0;
	if (i < n && NFP_ISDIGIT(s[i])) {
		/* a 20th digit: only if it still fits; any 21st never does */
		unsigned d = (unsigned)((unsigned char)s[i] - '0');
		if (v > (UINT64_MAX - d) / 10 || (i + 1 < n && NFP_ISDIGIT(s[i + 1])))
			return 0;
		v = v * 10 + d;
		i++;
	}
	if (v > max)
		return 0;
	*out = v;
	return i;
}

size_t nfp_hex(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0, start;
	if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		i = 2;
	start = i;
	while (i < n && NFP_HEXVAL(s[i]) != 0xff) {
		unsigned d = NFP_HEXVAL(s[i]);
		if (v > (max >> 4) || (v << 4) > max - d)
			return 0;
		v = (v << 4) | d;
		i++;
	}
	if (i == start)
		return 0;
	*out = v;
	return i;
}

size_t nfp_ipv4(const char *s, size_t n, uint8_t out[4])
{
	uint8_t a[4];
	size_t i = 0;
	for (int part = 0; part < 4; part++) {
		unsigned v, d;
		if (part > 0) {
			if (i >= n || s[i] != '.')
				return 0;
			i++;
		}
		if (i >= n || (v = (unsigned)((unsigned char)s[i] - '0')) > 9)
			return 0;
		i++;
		if (i < n && (d = (unsigned)((unsigned char)s[i] - '0')) <= 9) {
			/* the kernel prints %pI4: no leading zeros. "010" is refused as inet_pton refuses
			 * it (inet_aton would read it as octal 8): an address that reads two ways is none */
			if (v == 0)
				return 0;
			v = v * 10 + d;
			i++;
			if (i < n && (d = (unsigned)((unsigned char)s[i] - '0')) <= 9) {
				v = v * 10 + d;
				i++;
				if (v > 255)
					return 0;
			}
		}
		a[part] = (uint8_t)v;
	}
	if (i < n && (NFP_ISDIGIT(s[i]) || s[i] == '.'))
		return 0; /* 1.2.3.4567 or 1.2.3.4.5 */
	memcpy(out, a, 4);
	return i;
}

/* full (kernel %pI6) and compressed forms, with an optional dotted-quad tail */
size_t nfp_ipv6(const char *s, size_t n, uint8_t out[16])
{
	uint8_t a[16];
	size_t i = 0;
	int nw = 0, gap = -1;

	if (n >= 2 && s[0] == ':' && s[1] == ':') {
		gap = 0;
		i = 2;
	} else if (n >= 1 && s[0] == ':') {
		return 0;
	}
	while (i < n && nw < 8) {
		size_t j = i;
		unsigned v = 0;
		while (j < n && j - i < 4 && NFP_HEXVAL(s[j]) != 0xff)
			v = (v << 4) | NFP_HEXVAL(s[j++]);
		if (j == i)
			break;
		if (j < n && s[j] == '.' && nw <= 6) { /* embedded IPv4 */
			size_t c = nfp_ipv4(s + i, n - i, a + 2 * nw);
			if (c == 0)
				return 0;
			i += c;
			nw += 2;
			goto done;
		}
		if (j < n && NFP_HEXVAL(s[j]) != 0xff)
			return 0; /* more than 4 hex digits */
		a[2 * nw] = (uint8_t)(v >> 8);
		a[2 * nw + 1] = (uint8_t)v;
		nw++;
		i = j;
		if (i < n && s[i] == ':') {
			if (i + 1 < n && s[i + 1] == ':') {
				if (gap >= 0)
					return 0; /* two "::" */
				gap = nw;
				i += 2;
				continue;
			}
			if (nw == 8)
				return 0;
			i++;
			if (i >= n || NFP_HEXVAL(s[i]) == 0xff)
				return 0; /* trailing single ':' */
			continue;
		}
		break;
	}
done:
	if (gap < 0) {
		if (nw != 8)
			return 0;
	} else {
		int tail = nw - gap;
		if (nw > 7)
			return 0;
		memmove(a + 16 - 2 * tail, a + 2 * gap, (size_t)(2 * tail));
		memset(a + 2 * gap, 0, (size_t)(16 - 2 * nw));
	}
	if (i < n && (s[i] == ':' || s[i] == '.' || NFP_HEXVAL(s[i]) != 0xff))
		return 0;
	memcpy(out, a, 16);
	return i;
}

size_t nfp_mac(const char *s, size_t n, uint8_t out[6])
{
	uint8_t m[6];
	if (n < 17)
		return 0;
	for (int k = 0; k < 6; k++) {
		const char *p = s + 3 * k;
		unsigned hi = NFP_HEXVAL(p[0]), lo = NFP_HEXVAL(p[1]);
		if (hi == 0xff || lo == 0xff || (k < 5 && p[2] != ':'))
			return 0;
		m[k] = (uint8_t)(hi << 4 | lo);
	}
	if (n > 17 && (s[17] == ':' || NFP_HEXVAL(s[17]) != 0xff))
		return 0;
	memcpy(out, m, 6);
	return 17;
}

int nfp_mac_ether(const char *r, size_t n, uint8_t b[14])
{
	size_t nb = 0;
	if (n == 0 || nfp_machex(r, n, &nb) != n || nb < 14)
		return 0;
	for (int i = 0; i < 14; i++)
		b[i] = (uint8_t)(NFP_HEXVAL(r[3 * i]) << 4 | NFP_HEXVAL(r[3 * i + 1]));
	return 1;
}

size_t nfp_machex(const char *s, size_t n, size_t *nbytes)
{
	size_t i = 0, k = 0;
	while (i + 2 <= n && NFP_HEXVAL(s[i]) != 0xff && NFP_HEXVAL(s[i + 1]) != 0xff) {
		k++;
		i += 2;
		/* a ':' belongs to the value only if a whole pair follows it */
		if (i + 3 <= n && s[i] == ':' && NFP_HEXVAL(s[i + 1]) != 0xff && NFP_HEXVAL(s[i + 2]) != 0xff)
			i++;
		else
			break;
	}
	if (k == 0)
		return 0;
	*nbytes = k;
	return i;
}
