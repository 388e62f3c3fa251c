/* UTF-8 for the emitters: every document is valid UTF-8 JSON, whatever the line held.
 * Prefixes, interface names and unknown tokens come from remote senders as raw bytes; a
 * string that is not well-formed UTF-8 (RFC 3629 / Unicode table 3-7: no overlong forms, no
 * surrogates, nothing above U+10FFFF) is written with each byte of an ill-formed sequence
 * replaced by U+FFFD, and the record says so (utf8_repaired). The message text itself is
 * never changed. */
#include <stdint.h>
#include <string.h>
#include "nfp.h"
#include "parse/parse_int.h"

size_t nfp_utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < n) {
		unsigned c;
		size_t k;
		unsigned lo = 0x80, hi = 0xbf;
		if (i + 8 <= n) { /* eight ASCII bytes at a time */
			uint64_t w;
			memcpy(&w, s + i, 8);
			if ((w & 0x8080808080808080ull) == 0) {
				i += 8;
				continue;
			}
		}
		c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			k = 1;
		} else if (c >= 0xe0 && c <= 0xef) {
			k = 2;
			if (c == 0xe0)
				lo = 0xa0; /* no overlong */
			else if (c == 0xed)
				hi = 0x9f; /* no surrogates */
		} else if (c >= 0xf0 && c <= 0xf4) {
			k = 3;
			if (c == 0xf0)
				lo = 0x90;
			else if (c == 0xf4)
				hi = 0x8f; /* <= U+10FFFF */
		} else {
			return i;
		}
		if (i + k >= n)
			return i; /* cut short */
		if (s[i + 1] < lo || s[i + 1] > hi)
			return i;
		for (size_t j = 2; j <= k; j++)
			if (s[i + j] < 0x80 || s[i + j] > 0xbf)
				return i;
		i += k + 1;
	}
	return n;
}

size_t nfp_utf8_repair(const char *s, size_t n, char *out)
{
	size_t o = 0, i = 0;
	while (i < n) {
		size_t ok = nfp_utf8_valid(s + i, n - i);
		memcpy(out + o, s + i, ok);
		o += ok;
		i += ok;
		if (i < n) { /* one byte of an ill-formed sequence */
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	return o;
}
