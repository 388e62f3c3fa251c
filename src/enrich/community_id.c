/* Community ID v1 (the flow hash of Zeek, Suricata, Arkime, Elastic): SHA-1 over
 * seed | saddr | daddr | proto | 0 | sport | dport (big-endian), endpoints ordered unless the
 * flow is one-way, ICMP types mapped to "ports". Own SHA-1 (FIPS 180-4), no library. */
#include <string.h>
#include "nfp.h"

#ifdef NFP_WITH_NETTLE
/* nettle's SHA-1 (Debian's libnettle8): 8x faster than the portable one below, no global
 * state; the portable one stays for builds without nettle and is tested against the same
 * Community ID vectors (the sanitizer build of scripts/test.sh uses it) */
#include <nettle/sha1.h>
void nfp_sha1(const uint8_t *p, size_t n, uint8_t out[20])
{
	struct sha1_ctx c;
	sha1_init(&c);
	sha1_update(&c, n, p);
	sha1_digest(&c, SHA1_DIGEST_SIZE, out);
}
#else
/* the portable SHA-1 (FIPS 180-4) */
struct sha1 {
	uint32_t h[5];
	uint64_t bytes;
	uint8_t blk[64];
	size_t n;
};

static uint32_t rol(uint32_t x, int k)
{
	return x << k | x >> (32 - k);
}

static void sha1_block(struct sha1 *c, const uint8_t *p)
{
	uint32_t w[80], a = c->h[0], b = c->h[1], d = c->h[3], e = c->h[4], cc = c->h[2];
	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 80; i++)
		w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	for (int i = 0; i < 80; i++) {
		uint32_t f, k, t;
		if (i < 20) {
			f = (b & cc) | (~b & d);
			k = 0x5a827999u;
		} else if (i < 40) {
			f = b ^ cc ^ d;
			k = 0x6ed9eba1u;
		} else if (i < 60) {
			f = (b & cc) | (b & d) | (cc & d);
			k = 0x8f1bbcdcu;
		} else {
			f = b ^ cc ^ d;
			k = 0xca62c1d6u;
		}
		t = rol(a, 5) + f + e + k + w[i];
		e = d;
		d = cc;
		cc = rol(b, 30);
		b = a;
		a = t;
	}
	c->h[0] += a;
	c->h[1] += b;
	c->h[2] += cc;
	c->h[3] += d;
	c->h[4] += e;
}

static void sha1_update(struct sha1 *c, const uint8_t *p, size_t n)
{
	c->bytes += n;
	while (n > 0) {
		size_t k = 64 - c->n < n ? 64 - c->n : n;
		memcpy(c->blk + c->n, p, k);
		c->n += k;
		p += k;
		n -= k;
		if (c->n == 64) {
			sha1_block(c, c->blk);
			c->n = 0;
		}
	}
}

static void sha1_final(struct sha1 *c, uint8_t out[20])
{
	uint64_t bits = c->bytes * 8;
	uint8_t pad = 0x80, zero = 0, len[8];
	sha1_update(c, &pad, 1);
	while (c->n != 56)
		sha1_update(c, &zero, 1);
	for (int i = 0; i < 8; i++)
		len[i] = (uint8_t)(bits >> (56 - 8 * i));
	sha1_update(c, len, 8);
	for (int i = 0; i < 5; i++) {
		out[4 * i] = (uint8_t)(c->h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(c->h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(c->h[i] >> 8);
		out[4 * i + 3] = (uint8_t)c->h[i];
	}
}

void nfp_sha1(const uint8_t *p, size_t n, uint8_t out[20])
{
	struct sha1 c = { { 0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u, 0xc3d2e1f0u }, 0, { 0 }, 0 };
	sha1_update(&c, p, n);
	sha1_final(&c, out);
}
#endif

/* ICMP / ICMPv6 types with a counterpart: the flow is two-way */
static int icmp_counterpart(int v6, unsigned type, unsigned *other)
{
	static const unsigned char v4[][2] = { { 8, 0 }, { 13, 14 }, { 15, 16 }, { 10, 9 }, { 17, 18 } };
	static const unsigned char v6map[][2] = { { 128, 129 }, { 130, 131 }, { 133, 134 }, { 135, 136 }, { 139, 140 }, { 144, 145 } };
	const unsigned char(*m)[2] = v6 ? v6map : v4;
	size_t n = v6 ? sizeof(v6map) / sizeof(v6map[0]) : sizeof(v4) / sizeof(v4[0]);
	for (size_t i = 0; i < n; i++) {
		if (m[i][0] == type) {
			*other = m[i][1];
			return 1;
		}
		if (m[i][1] == type) {
			*other = m[i][0];
			return 1;
		}
	}
	return 0;
}

size_t nfp_community_id(const struct nfp_flow *fl, uint16_t seed, int base64, char *out)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint8_t buf[2 + 16 + 16 + 2 + 4], dig[20];
	size_t alen = fl->family == 6 ? 16 : 4, n = 0, o = 0;
	const uint8_t *a1 = fl->saddr, *a2 = fl->daddr;
	unsigned p1 = fl->sport, p2 = fl->dport;
	int ports = fl->proto == 6 || fl->proto == 17 || fl->proto == 132 || fl->proto == 1 || fl->proto == 58;
	int one_way = 0;

	if (ports && !fl->has_ports)
		return 0; /* a flow of these protocols is defined by its ports: none here */
	if (fl->proto == 1 || fl->proto == 58) {
		unsigned other;
		if (icmp_counterpart(fl->proto == 58, fl->sport, &other)) {
			p2 = other;
		} else {
			p2 = fl->dport; /* the code */
			one_way = 1;
		}
	}
	if (!one_way) {
		int c = memcmp(a1, a2, alen);
		if (c > 0 || (c == 0 && ports && p1 > p2)) {
			const uint8_t *t = a1;
			unsigned tp = p1;
			a1 = a2;
			a2 = t;
			p1 = p2;
			p2 = tp;
		}
	}
	buf[n++] = (uint8_t)(seed >> 8);
	buf[n++] = (uint8_t)seed;
	memcpy(buf + n, a1, alen);
	n += alen;
	memcpy(buf + n, a2, alen);
	n += alen;
	buf[n++] = fl->proto;
	buf[n++] = 0;
	if (ports) {
		buf[n++] = (uint8_t)(p1 >> 8);
		buf[n++] = (uint8_t)p1;
		buf[n++] = (uint8_t)(p2 >> 8);
		buf[n++] = (uint8_t)p2;
	}
	nfp_sha1(buf, n, dig);
	out[o++] = '1';
	out[o++] = ':';
	if (!base64) {
		for (int i = 0; i < 20; i++) {
			out[o++] = "0123456789abcdef"[dig[i] >> 4];
			out[o++] = "0123456789abcdef"[dig[i] & 15];
		}
		return o;
	}
	for (int i = 0; i < 21; i += 3) {
		uint32_t v = (uint32_t)dig[i] << 16 | (uint32_t)(i + 1 < 20 ? dig[i + 1] : 0) << 8 | (i + 2 < 20 ? dig[i + 2] : 0);
		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = i + 1 < 20 ? b64[v >> 6 & 63] : '=';
		out[o++] = i + 2 < 20 ? b64[v & 63] : '=';
	}
	return o;
}
