/* The netfilter log line grammar: prefix, IN=/OUT= header, link layer, L3, L4, quoted
 * packet of ICMP errors, trailer. One pass over the tokens with a small state machine;
 * which key means which field is decided by src/parse/fields.def, not here. */
#include <stdint.h>
#include <string.h>
#include "nfp.h"
#include "parse/parse_int.h"


/* Key index: per lexer section, an open-addressing table of keys. A key's first 8 bytes, read as one 64-bit word, are what the table holds and
 * compares (longer keys compare their tail too). Flag words (DF, SYN, ...) have a table of
 * their own, since "ACK" is both a key and a flag in the TCP section. Built once at load
 * time, constant after. */
#define KEY_SLOTS 64
#define KEY_MAX 9 /* the longest key ("PARAMETER"); a unit test holds the field table to it */
struct key_ent {
	uint64_t k8;          /* the key's first 8 bytes, zero-padded */
	const char *key;      /* the whole key, for the bytes after the first 8 */
	unsigned char len;    /* 0: empty slot */
	unsigned char idx;    /* field number, or index into nfp_flags[] */
};
static struct key_ent key_tab[NFP_S__COUNT][KEY_SLOTS];
static struct key_ent flag_tab[NFP_S__COUNT][KEY_SLOTS];
static uint64_t key_mask[9]; /* the first n bytes of a word, in this machine's byte order */
static uint64_t key8[NFP_F__COUNT]; /* each field's key as key_pack makes it */

/* The key the kernel prints after a field's (its printk order), and the first key of a
 * transport section: a key token is first compared with the predicted one (one word), and
 * looked up only if that is not it. A hint only: what a token means does not depend on it. */
static unsigned char succ[NFP_F__COUNT];
static unsigned char sec_first[NFP_S__COUNT];
static const unsigned char succ_pairs[][2] = {
	{ NFP_F_IN, NFP_F_OUT }, { NFP_F_OUT, NFP_F_MAC }, { NFP_F_PHYSIN, NFP_F_PHYSOUT }, { NFP_F_PHYSOUT, NFP_F_MAC },
	{ NFP_F_MAC, NFP_F_SRC }, { NFP_F_MACSRC, NFP_F_MACDST }, { NFP_F_MACDST, NFP_F_MACPROTO },
	{ NFP_F_MACPROTO, NFP_F_SRC }, { NFP_F_SRC, NFP_F_DST }, { NFP_F_DST, NFP_F_IP_LEN }, { NFP_F_IP_LEN, NFP_F_TOS },
	{ NFP_F_TOS, NFP_F_PREC }, { NFP_F_PREC, NFP_F_TTL }, { NFP_F_TTL, NFP_F_IP_ID }, { NFP_F_IP_ID, NFP_F_PROTO },
	{ NFP_F_TC, NFP_F_HOPLIMIT }, { NFP_F_HOPLIMIT, NFP_F_FLOWLBL }, { NFP_F_FLOWLBL, NFP_F_PROTO },
	{ NFP_F_TCP_SPT, NFP_F_TCP_DPT }, { NFP_F_TCP_DPT, NFP_F_WINDOW }, { NFP_F_TCP_SEQ, NFP_F_TCP_ACK },
	{ NFP_F_TCP_ACK, NFP_F_WINDOW }, { NFP_F_WINDOW, NFP_F_RES }, { NFP_F_RES, NFP_F_URGP },
	{ NFP_F_UDP_SPT, NFP_F_UDP_DPT }, { NFP_F_UDP_DPT, NFP_F_UDP_LEN }, { NFP_F_ICMP_TYPE, NFP_F_ICMP_CODE },
	{ NFP_F_ICMP_CODE, NFP_F_ICMP_ID }, { NFP_F_ICMP_ID, NFP_F_ICMP_SEQ }, { NFP_F_HTYPE, NFP_F_PTYPE },
	{ NFP_F_PTYPE, NFP_F_OPCODE },
};

static inline unsigned key_hash(uint64_t k8, size_t kl)
{
	return (unsigned)(((k8 ^ kl) * 0x9E3779B97F4A7C15ull) >> 58) & (KEY_SLOTS - 1);
}

/* the first min(kl, 8) bytes of k as a word; avail = bytes readable from k */
static inline uint64_t key_pack(const char *k, size_t kl, size_t avail)
{
	uint64_t v = 0;
	if (avail >= 8) {
		memcpy(&v, k, 8);
	} else {
		char b[8] = { 0 };
		for (size_t i = 0; i < avail && i < 8; i++)
			b[i] = k[i];
		memcpy(&v, b, 8);
	}
	return v & key_mask[kl < 8 ? kl : 8];
}

static void key_insert(struct key_ent tab[KEY_SLOTS], const char *k, size_t kl, unsigned idx)
{
	uint64_t k8 = key_pack(k, kl, kl);
	unsigned h = key_hash(k8, kl);
	while (tab[h].len != 0)
		h = (h + 1) & (KEY_SLOTS - 1);
	tab[h].k8 = k8;
	tab[h].key = k;
	tab[h].len = (unsigned char)kl;
	tab[h].idx = (unsigned char)idx;
}

__attribute__((constructor)) static void nfp_index_init(void)
{
	for (unsigned n = 0; n <= 8; n++) {
		unsigned char b[8] = { 0 };
		memset(b, 0xff, n);
		memcpy(&key_mask[n], b, 8);
	}
	for (unsigned f = 0; f < NFP_F__COUNT; f++) {
		const struct nfp_field_info *fi = &nfp_fields[f];
		if (fi->keylen == 0 || fi->section == NFP_S_NONE)
			continue;
		key_insert(key_tab[fi->section], fi->key, fi->keylen, f);
		if (fi->keylen <= 8)
			key8[f] = key_pack(fi->key, fi->keylen, fi->keylen);
	}
	for (unsigned i = 0; i < nfp_nflags; i++)
		key_insert(flag_tab[nfp_flags[i].section], nfp_flags[i].word, nfp_flags[i].len, i);
	memset(succ, NFP_F__COUNT, sizeof(succ));
	memset(sec_first, NFP_F__COUNT, sizeof(sec_first));
	for (size_t i = 0; i < sizeof(succ_pairs) / sizeof(succ_pairs[0]); i++)
		succ[succ_pairs[i][0]] = succ_pairs[i][1];
	sec_first[NFP_S_TCP] = NFP_F_TCP_SPT;
	sec_first[NFP_S_UDP] = NFP_F_UDP_SPT;
	sec_first[NFP_S_ICMP] = NFP_F_ICMP_TYPE;
	sec_first[NFP_S_AH] = NFP_F_AH_SPI;
	sec_first[NFP_S_ESP] = NFP_F_ESP_SPI;
	sec_first[NFP_S_ARP] = NFP_F_HTYPE;
}

/* index of the key k[0..kl) (1 to KEY_MAX bytes) in tab, -1 if none; k8 = key_pack of it */
static inline int key_find8(const struct key_ent tab[KEY_SLOTS], const char *k, size_t kl, uint64_t k8)
{
	unsigned h;
	for (h = key_hash(k8, kl); tab[h].len != 0; h = (h + 1) & (KEY_SLOTS - 1))
		if (tab[h].k8 == k8 && tab[h].len == kl && (kl <= 8 || memcmp(k + 8, tab[h].key + 8, kl - 8) == 0))
			return tab[h].idx;
	return -1;
}

/* the same, avail = bytes readable from k */
static inline int key_find(const struct key_ent tab[KEY_SLOTS], const char *k, size_t kl, size_t avail)
{
	return kl == 0 || kl > KEY_MAX ? -1 : key_find8(tab, k, kl, key_pack(k, kl, avail));
}

#define tok_is(t, tl, lit) ((tl) == sizeof(lit) - 1 && memcmp((t), (lit), sizeof(lit) - 1) == 0)

size_t nfp_kmsg_header(const char *s, size_t n, uint64_t *usec)
{
	size_t j = 0;
	int commas = 0;
	uint64_t us = 0;
	if (n == 0 || !NFP_ISDIGIT(s[0]))
		return 0;
	while (j < n && j < 64 && (NFP_ISDIGIT(s[j]) || s[j] == ',' || s[j] == '-' || s[j] == '+' || s[j] == 'c' ||
				   (commas >= 3 && s[j] != ';' && s[j] != ' '))) {
		if (commas == 2 && NFP_ISDIGIT(s[j]))
			us = us * 10 + (uint64_t)(s[j] - '0');
		commas += s[j++] == ',';
	}
	if (commas < 3 || j >= n || s[j] != ';')
		return 0;
	if (usec != NULL)
		*usec = us;
	return j + 1;
}

size_t nfp_skip_carrier(const char *line, size_t len)
{
	size_t i = 0, j;
	while (i < len && line[i] == ' ')
		i++;
	/* a /dev/kmsg record as read raw: "<prio>,<seq>,<usec>,<flags>[,...];" */
	i += nfp_kmsg_header(line + i, len - i, NULL);
	/* dmesg -x: "kern  :warn  : " (facility and level, padded) */
	if (i + 4 < len && memcmp(line + i, "kern ", 5) == 0) {
		j = i + 4;
		while (j < len && line[j] == ' ')
			j++;
		if (j < len && line[j] == ':') {
			size_t k = j + 1;
			while (k < len && line[k] >= 'a' && line[k] <= 'z')
				k++;
			while (k < len && line[k] == ' ')
				k++;
			if (k > j + 1 && k < len && line[k] == ':') {
				i = k + 1;
				while (i < len && line[i] == ' ')
					i++;
			}
		}
	}
	/* printk level as /proc/kmsg shows it: <N> */
	if (i + 2 < len && line[i] == '<' && NFP_ISDIGIT(line[i + 1])) {
		j = i + 1;
		while (j < len && j < i + 4 && NFP_ISDIGIT(line[j]))
			j++;
		if (j < len && line[j] == '>')
			i = j + 1;
	}
	/* kernel time stamp: [  179.000503] */
	if (i < len && line[i] == '[') {
		j = i + 1;
		while (j < len && line[j] == ' ')
			j++;
		size_t d = j;
		while (j < len && NFP_ISDIGIT(line[j]))
			j++;
		if (j > d && j < len && line[j] == '.') {
			size_t e = ++j;
			while (j < len && NFP_ISDIGIT(line[j]))
				j++;
			if (j > e && j < len && line[j] == ']') {
				i = j + 1;
				if (i < len && line[i] == ' ')
					i++;
			}
		}
	}
	/* CONFIG_PRINTK_CALLER: [T123] or [C1] */
	if (i + 3 < len && line[i] == '[' && (line[i + 1] == 'T' || line[i + 1] == 'C') && NFP_ISDIGIT(line[i + 2])) {
		j = i + 2;
		while (j < len && NFP_ISDIGIT(line[j]))
			j++;
		if (j < len && line[j] == ']') {
			i = j + 1;
			if (i < len && line[i] == ' ')
				i++;
		}
	}
	return i;
}

/* Structural bits. The line is looked at in blocks of 64 bytes (at offsets 0, 64, ...):
 * for the block in hand, one bit per byte that is a space and one per '='. Tokens, their
 * first '=' and the gaps between them are then found with bit operations instead of a byte
 * loop. Bytes past the end count as spaces, so every token ends by len. */
#define SCAN_KEEP 8 /* the first blocks' bits are kept: the body is scanned twice */
struct scan {
	const char *line;
	size_t len;
	size_t base;      /* offset of the block in hand; (size_t)-64 before the first */
	uint64_t sp, eq;
	unsigned kept;    /* bit b: block b's bits are in ksp[b], keq[b] */
	uint64_t ksp[SCAN_KEEP], keq[SCAN_KEEP];
};

#if defined(__SSE2__)
#include <emmintrin.h>
static inline void block_bits(const char *p, uint64_t *sp, uint64_t *eq)
{
	const __m128i vs = _mm_set1_epi8(' '), ve = _mm_set1_epi8('=');
	uint64_t s = 0, e = 0;
	for (unsigned k = 0; k < 4; k++) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * k));
		s |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x, vs)) << (16 * k);
		e |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x, ve)) << (16 * k);
	}
	*sp = s;
	*eq = e;
}
#else
static inline void block_bits(const char *p, uint64_t *sp, uint64_t *eq)
{
	uint64_t s = 0, e = 0;
	for (unsigned k = 0; k < 64; k++) {
		s |= (uint64_t)(p[k] == ' ') << k;
		e |= (uint64_t)(p[k] == '=') << k;
	}
	*sp = s;
	*eq = e;
}
#endif

static inline void scan_init(struct scan *sc, const char *line, size_t len)
{
	sc->line = line;
	sc->len = len;
	sc->base = (size_t)0 - 64; /* i - base >= 64 for every i: nothing in hand */
	sc->kept = 0;
}

static void scan_load(struct scan *sc, size_t i)
{
	size_t base = i & ~(size_t)63, b = i >> 6;
	if (b < SCAN_KEEP && (sc->kept >> b & 1u)) {
		sc->sp = sc->ksp[b];
		sc->eq = sc->keq[b];
		sc->base = base;
		return;
	}
	if (sc->len - base < 64) {
		char pad[64];
		memset(pad, ' ', sizeof(pad));
		memcpy(pad, sc->line + base, sc->len - base);
		block_bits(pad, &sc->sp, &sc->eq);
	} else {
		block_bits(sc->line + base, &sc->sp, &sc->eq);
	}
	sc->base = base;
	if (b < SCAN_KEEP) {
		sc->ksp[b] = sc->sp;
		sc->keq[b] = sc->eq;
		sc->kept |= 1u << b;
	}
}

/* the first byte at or after i that is not a space, len if none */
static inline size_t scan_skip(struct scan *sc, size_t i)
{
	while (i < sc->len) {
		uint64_t m;
		if (i - sc->base >= 64)
			scan_load(sc, i);
		m = ~sc->sp >> (i & 63);
		if (m != 0)
			return i + (size_t)__builtin_ctzll(m);
		i = sc->base + 64;
	}
	return sc->len;
}

/* the end of the token at t (the next space, or len); *eq = its first '=', SIZE_MAX if none */
static inline size_t scan_token(struct scan *sc, size_t t, size_t *eq)
{
	size_t i = t;
	*eq = SIZE_MAX;
	while (i < sc->len) {
		uint64_t s, q;
		unsigned sh;
		if (i - sc->base >= 64)
			scan_load(sc, i);
		sh = (unsigned)(i & 63);
		s = sc->sp >> sh;
		q = sc->eq >> sh;
		if (s != 0) {
			unsigned k = (unsigned)__builtin_ctzll(s);
			q &= ((uint64_t)1 << k) - 1;
			if (*eq == SIZE_MAX && q != 0)
				*eq = i + (size_t)__builtin_ctzll(q);
			return i + k;
		}
		if (*eq == SIZE_MAX && q != 0)
			*eq = i + (size_t)__builtin_ctzll(q);
		i = sc->base + 64;
	}
	return sc->len;
}

/* Offset of the last "IN=<non-space>* OUT=" in [from, len), or len if none. The prefix
 * may abut it ("[WAN_LOCAL-default-D]IN="); PHYSIN= never precedes " OUT=". The '=' bits
 * of each block give the candidates (an '=' with " OUT" before it); for each, the token in
 * front is searched backwards for its last IN=. Tokens are disjoint, so each byte is looked
 * at a bounded number of times (a line of repeated "IN=" costs what a benign line of its
 * length costs). *neq = the number of '=' from `from` on, counted up to 3. */
static size_t find_body(struct scan *sc, size_t from, size_t *neq)
{
	const char *line = sc->line;
	size_t best = sc->len, n = 0;
	uint64_t carry = 0; /* the previous block's last 4 space bits */
	for (size_t i = from; i < sc->len; i = sc->base + 64) {
		uint64_t m;
		scan_load(sc, i);
		m = sc->eq & (~(uint64_t)0 << (i & 63));
		for (uint64_t k = m; k != 0 && n < 3; k &= k - 1)
			n++;
		/* candidates: an '=' with a space four bytes before it (" OUT=") */
		m &= sc->sp << 4 | carry;
		carry = sc->sp >> 60;
		for (; m != 0; m &= m - 1) {
			size_t q = sc->base + (size_t)__builtin_ctzll(m), v, t;
			if (q < from + 4 || line[q - 3] != 'O' || line[q - 2] != 'U' || line[q - 1] != 'T')
				continue;
			v = q - 4; /* the space before OUT= */
			for (t = v; t > from && line[t - 1] != ' '; t--)
				;
			for (size_t r = v >= t + 3 ? v - 3 + 1 : t; r-- > t;) {
				if (line[r] == 'I' && line[r + 1] == 'N' && line[r + 2] == '=' &&
				    !(r >= from + 4 && memcmp(line + r - 4, "PHYS", 4) == 0)) {
					best = r;
					break;
				}
			}
		}
	}
	*neq = n; /* counted up to 3 */
	return best;
}

struct lexer {
	const char *line;
	size_t len;
	struct scan sc;
	struct nfp_record *rec;
	unsigned sec;       /* current section */
	unsigned depth;     /* 0 outer, 1 inside [ ... ] */
	unsigned opt6;      /* inside an IPv6 "OPT ( ... )" wrapper */
	unsigned spi_ret;   /* AH/ESP inside the IPv6 wrapper: back to NFP_S_IP after SPI= */
	int stop;           /* grammar says the line ends here */
	unsigned pred;      /* the key expected next (succ[]), NFP_F__COUNT if none */
	int stop_outer;     /* stop as it was when the quoted packet opened */
};

static void add_unknown(struct lexer *lx, size_t off, size_t n)
{
	nfp_add_unknown(lx->rec, off, n);
}

static unsigned l4_section(uint64_t proto)
{
	switch (proto) {
	case 6: return NFP_S_TCP;
	case 17: case 136: return NFP_S_UDP;
	case 1: case 58: return NFP_S_ICMP;
	case 51: return NFP_S_AH;
	case 50: return NFP_S_ESP;
	default: return NFP_S_L4;
	}
}

/* the whole of s[0..n) is hex pairs joined by ':' (what nfp_machex(s, n) == n says, a pair
 * at a time) */
static inline int machex_whole(const char *s, size_t n)
{
	if (n < 2 || n % 3 != 2)
		return 0;
	for (size_t i = 0;; i += 3) {
		if ((NFP_HEXVAL(s[i]) | NFP_HEXVAL(s[i + 1])) > 15)
			return 0;
		if (i + 2 == n)
			return 1;
		if (s[i + 2] != ':')
			return 0;
	}
}

/* decode the value of field f; 1 = stored, 0 = did not decode */
static int put_value(struct lexer *lx, struct nfp_pkt *p, int f, size_t voff, size_t vl)
{
	const char *v = lx->line + voff;
	uint64_t u;
	switch (nfp_fields[f].kind) {
	case NFP_K_STR:
		nfp_put_slice(p, (enum nfp_field)f, voff, vl);
		return 1;
	case NFP_K_DEC:
		if (vl - 1 < 18) { /* 1 to 18 digits cannot overflow: the common case, inline */
			u = 0;
			for (size_t i = 0; i < vl; i++) {
				unsigned d = (unsigned)((unsigned char)v[i] - '0');
				if (d > 9)
					return 0;
				u = u * 10 + d;
			}
			if (u > (nfp_field_max[f] ? nfp_field_max[f] : INT64_MAX))
				return 0;
		} else if (vl == 0 || nfp_dec(v, vl, nfp_field_max[f] ? nfp_field_max[f] : INT64_MAX, &u) != vl) {
			return 0;
		}
		nfp_put_u(p, (enum nfp_field)f, u);
		return 1;
	case NFP_K_HEX:
		if (vl == 0 || nfp_hex(v, vl, nfp_field_max[f] ? nfp_field_max[f] : INT64_MAX, &u) != vl)
			return 0;
		nfp_put_u(p, (enum nfp_field)f, u);
		return 1;
	case NFP_K_IP:
		if (vl > 0 && nfp_ipv4(v, vl, p->v[f].ip.a) == vl) {
			p->v[f].ip.family = 4;
		} else if (vl > 0 && nfp_ipv6(v, vl, p->v[f].ip.a) == vl) {
			p->v[f].ip.family = 6;
		} else {
			return 0;
		}
		nfp_set(p, (enum nfp_field)f);
		return 1;
	case NFP_K_MAC:
		if (nfp_mac(v, vl, p->v[f].mac) != vl)
			return 0;
		nfp_set(p, (enum nfp_field)f);
		return 1;
	case NFP_K_MACRAW:
		if (vl != 0 && !machex_whole(v, vl))
			return 0;
		nfp_put_slice(p, (enum nfp_field)f, voff, vl);
		return 1;
	case NFP_K_PROTO: {
		int num = nfp_proto_by_name(v, vl);
		if (num >= 0) {
			u = (uint64_t)num;
			nfp_put_slice(p, NFP_F_PROTO_NAME, voff, vl);
		} else if (vl == 0 || nfp_dec(v, vl, 255, &u) != vl) {
			return 0;
		}
		nfp_put_u(p, NFP_F_PROTO, u);
		/* the kernel prints a number only for protocols it has no decoder for */
		lx->sec = num >= 0 ? l4_section(u) : NFP_S_L4;
		/* a non-first fragment carries no L4 header: after PROTO= only what the kernel
		 * prints of every packet (UID/GID, MARK) */
		if (nfp_has(p, NFP_F_FRAG) && p->v[NFP_F_FRAG].u != 0)
			lx->sec = NFP_S_L4;
		return 1;
	}
	default:
		return 0;
	}
}

/* KEY=VALUE token at [t, t+tl), its first '=' at eq. Returns 0 if the grammar has no place
 * for it, 1 if the value was stored, 2 if the key is known but its value did not decode */
static int key_token(struct lexer *lx, size_t t, size_t tl, size_t eq)
{
	const char *s = lx->line + t;
	struct nfp_pkt *p = &lx->rec->pkt[lx->depth];
	size_t kl, voff, vl;
	uint64_t k8;
	unsigned pf;
	int f;

	if (eq <= t)
		return 0;
	kl = eq - t;
	voff = t + kl + 1;
	vl = tl - kl - 1;
	if (kl > KEY_MAX)
		return 0;
	k8 = key_pack(s, kl, lx->len - t);
	pf = lx->pred;
	if (pf < NFP_F__COUNT && k8 == key8[pf] && kl == nfp_fields[pf].keylen &&
	    (nfp_fields[pf].section == lx->sec || (pf == NFP_F_SRC && lx->sec == NFP_S_HDR))) {
		/* what the lookups below would find: keys are unique in a section, and SRC is no
		 * header key */
		f = (int)pf;
		if (pf == NFP_F_SRC)
			lx->sec = NFP_S_IP;
	} else {
		f = key_find8(key_tab[lx->sec], s, kl, k8);
		if (f < 0 && lx->sec == NFP_S_HDR) {
			f = key_find8(key_tab[NFP_S_IP], s, kl, k8);
			if (f == NFP_F_SRC)
				lx->sec = NFP_S_IP;
			else
				f = -1;
		}
		if (f < 0 && lx->depth == 0)
			f = key_find8(key_tab[NFP_S_ANY0], s, kl, k8);
	}
	if (f < 0 || nfp_has(p, (enum nfp_field)f))
		return 0; /* unknown here, or repeated: kept as an unknown token */
	int stored = put_value(lx, p, f, voff, vl);
	if (!stored)
		nfp_put_bad(p, (enum nfp_field)f, voff, vl);
	lx->pred = f == NFP_F_PROTO ? sec_first[lx->sec] : succ[f];
	if (lx->spi_ret && (f == NFP_F_AH_SPI || f == NFP_F_ESP_SPI)) {
		lx->sec = NFP_S_IP;
		lx->spi_ret = 0;
	}
	return stored ? 1 : 2;
}

/* Words without '=' that the grammar knows. Returns the position after what it consumed,
 * or 0 if the word is not one of them. */
static size_t word_token(struct lexer *lx, size_t t, size_t tl)
{
	const char *line = lx->line, *s = line + t;
	size_t len = lx->len, e = t + tl;
	struct nfp_record *r = lx->rec;
	struct nfp_pkt *p = &r->pkt[lx->depth];
	uint64_t u;
	int fl;

	fl = key_find(flag_tab[lx->sec], s, tl, len - t);
	if (fl >= 0) {
		const struct nfp_flag_info *fi = &nfp_flags[fl];
		if (!nfp_has(p, (enum nfp_field)fi->field))
			nfp_put_u(p, (enum nfp_field)fi->field, 0);
		p->v[fi->field].u |= 1u << fi->bit;
		return e;
	}
	if (lx->sec == NFP_S_IP && tl > 5 && memcmp(s, "FRAG:", 5) == 0) {
		if (nfp_dec(s + 5, tl - 5, 65535, &u) == tl - 5)
			nfp_put_u(p, NFP_F_FRAG, u);
		else
			nfp_put_bad(p, NFP_F_FRAG, t + 5, tl - 5);
		return e;
	}
	if (lx->sec == NFP_S_IP && tl > 3 && memcmp(s, "ID:", 3) == 0) {
		if (nfp_hex(s + 3, tl - 3, UINT32_MAX, &u) == tl - 3)
			nfp_put_u(p, NFP_F_FRAG_ID, u);
		else
			nfp_put_bad(p, NFP_F_FRAG_ID, t + 3, tl - 3);
		return e;
	}
	if (tok_is(s, tl, "OPT") && (lx->sec == NFP_S_IP || lx->sec == NFP_S_TCP)) {
		size_t a = nfp_skip_sp(line, e, len), b;
		if (a >= len) {
			r->flags |= NFP_R_TRUNCATED;
			return len;
		}
		b = nfp_tok_end(line, a, len);
		if (line[a] != '(')
			return 0;
		if (b - a == 1 && lx->sec == NFP_S_IP) { /* IPv6 "OPT ( ... )" */
			lx->opt6 = 1;
			return b;
		}
		if (b - a == 11 && memcmp(line + a, "(TRUNCATED)", 11) == 0) {
			r->flags |= NFP_R_TRUNCATED;
			lx->stop = 1;
			return b;
		}
		enum nfp_field f = lx->sec == NFP_S_IP ? NFP_F_IP_OPT : NFP_F_TCP_OPT;
		if (line[b - 1] != ')' || b - a < 2) {
			nfp_put_bad(p, f, a, b - a);
			r->flags |= NFP_R_TRUNCATED;
			return b;
		}
		size_t hl = b - a - 2, nb = 0;
		for (nb = 0; nb < hl && NFP_HEXVAL(line[a + 1 + nb]) != 0xff; nb++)
			;
		if (nb != hl || (hl & 1))
			nfp_put_bad(p, f, a, b - a);
		else
			nfp_put_slice(p, f, a + 1, hl);
		return b;
	}
	if (lx->opt6 && tok_is(s, tl, ")")) {
		lx->opt6 = 0;
		return e;
	}
	if (tok_is(s, tl, "INCOMPLETE")) {
		size_t a = nfp_skip_sp(line, e, len), b;
		if (a < len && line[a] == '[') {
			/* INCOMPLETE [<n> bytes] : the L4 header could not be read */
			b = nfp_tok_end(line, a, len);
			if (b - a > 1 && nfp_dec(line + a + 1, b - a - 1, UINT32_MAX, &u) == b - a - 1) {
				size_t c = nfp_skip_sp(line, b, len), d = nfp_tok_end(line, c, len);
				if (d - c == 6 && memcmp(line + c, "bytes]", 6) == 0) {
					nfp_put_u(p, NFP_F_INCOMPLETE, u);
					/* an unreadable TCP/UDP/ICMPv6 header ends the line, not even UID/MARK
					 * follow; after IPv4's ICMP, AH and ESP they do */
					if (lx->depth == 0 && nfp_has(p, NFP_F_PROTO) &&
					    (p->v[NFP_F_PROTO].u == 1 || p->v[NFP_F_PROTO].u == 50 ||
					     p->v[NFP_F_PROTO].u == 51))
						lx->sec = NFP_S_L4;
					else if (lx->depth == 0)
						lx->stop = 1;
					else
						lx->sec = NFP_S_L4; /* only "]" follows */
					return d;
				}
				if (d >= len)
					r->flags |= NFP_R_TRUNCATED;
			} else if (b >= len) {
				r->flags |= NFP_R_TRUNCATED;
			}
			nfp_put_bad(p, NFP_F_INCOMPLETE, a, b - a);
			return b;
		}
		if (lx->sec == NFP_S_IP) { /* IPv6 fragment header, M bit set */
			nfp_put_u(p, NFP_F_FRAG_MORE, 1);
			return e;
		}
		return 0;
	}
	if (tok_is(s, tl, "TRUNCATED")) {
		r->flags |= NFP_R_TRUNCATED;
		lx->stop = 1;
		return e;
	}
	if (lx->sec == NFP_S_IP && tok_is(s, tl, "Unknown")) {
		/* "Unknown Ext Hdr <n>": the line ends */
		size_t a = nfp_skip_sp(line, e, len), b = nfp_tok_end(line, a, len);
		size_t c = nfp_skip_sp(line, b, len), d = nfp_tok_end(line, c, len);
		size_t g = nfp_skip_sp(line, d, len), h = nfp_tok_end(line, g, len);
		if (tok_is(line + a, b - a, "Ext") && tok_is(line + c, d - c, "Hdr") &&
		    h > g && nfp_dec(line + g, h - g, 255, &u) == h - g) {
			nfp_put_u(p, NFP_F_EXTHDR, u);
			lx->stop = 1;
			return h;
		}
		return 0;
	}
	if (lx->sec == NFP_S_IP && lx->opt6 && tok_is(s, tl, "AH")) {
		lx->sec = NFP_S_AH;
		lx->spi_ret = 1;
		return e;
	}
	if (lx->sec == NFP_S_IP && lx->opt6 && tok_is(s, tl, "ESP")) {
		lx->sec = NFP_S_ESP;
		lx->spi_ret = 1;
		return e;
	}
	if (lx->sec == NFP_S_HDR && lx->depth == 0 && tok_is(s, tl, "ARP")) {
		lx->sec = NFP_S_ARP;
		return e;
	}
	return 0;
}

/* fields a complete record of this shape must have */
static int complete_pkt(const struct nfp_pkt *p, int outer, const struct nfp_record *r, int trail_sp)
{
	static const enum nfp_field v4[] = { NFP_F_DST, NFP_F_IP_LEN, NFP_F_TOS, NFP_F_PREC,
					     NFP_F_TTL, NFP_F_IP_ID, NFP_F_PROTO };
	static const enum nfp_field v6[] = { NFP_F_DST, NFP_F_IP_LEN, NFP_F_TC, NFP_F_HOPLIMIT,
					     NFP_F_FLOWLBL };
	static const enum nfp_field tcp[] = { NFP_F_TCP_SPT, NFP_F_TCP_DPT, NFP_F_WINDOW,
					      NFP_F_RES, NFP_F_URGP };
	static const enum nfp_field udp[] = { NFP_F_UDP_SPT, NFP_F_UDP_DPT, NFP_F_UDP_LEN };
	static const enum nfp_field arp[] = { NFP_F_HTYPE, NFP_F_PTYPE, NFP_F_OPCODE };
	const enum nfp_field *need = NULL;
	size_t nneed = 0, i;
	int v6pkt;

	if (nfp_has(p, NFP_F_HTYPE) || nfp_bad(p, NFP_F_HTYPE)) {
		for (i = 0; i < 3; i++)
			if (!nfp_has(p, arp[i]))
				return 0;
		return 1;
	}
	if (r->type == NFP_FRAGMENT && outer) {
		/* the head of the line is elsewhere: only the L4 part can be judged */
		v6pkt = nfp_has(p, NFP_F_TC) || nfp_has(p, NFP_F_FLOWLBL);
	} else {
		if (!nfp_has(p, NFP_F_SRC) && !nfp_bad(p, NFP_F_SRC))
			return 0;
		/* a value that did not decode was printed: the line goes on, it is not cut there */
		if (nfp_has(p, NFP_F_SRC))
			v6pkt = p->v[NFP_F_SRC].ip.family == 6;
		else if (nfp_has(p, NFP_F_DST))
			v6pkt = p->v[NFP_F_DST].ip.family == 6;
		else
			v6pkt = nfp_has(p, NFP_F_TC) || nfp_has(p, NFP_F_FLOWLBL) || nfp_bad(p, NFP_F_TC) || nfp_bad(p, NFP_F_FLOWLBL);
		need = v6pkt ? v6 : v4;
		nneed = v6pkt ? sizeof(v6) / sizeof(v6[0]) : sizeof(v4) / sizeof(v4[0]);
		for (i = 0; i < nneed; i++)
			if (!nfp_has(p, need[i]) && !nfp_bad(p, need[i]))
				return 0;
	}
	/* IPv6 with ESP (no IPOPT flag) ends right after FLOWLBL= and its space; a line that
	 * ends there without the space was cut (or its carrier dropped the space: then the
	 * record is marked truncated where it need not be, the safer error) */
	if (v6pkt && outer && !nfp_has(p, NFP_F_PROTO) && !nfp_bad(p, NFP_F_PROTO) && !nfp_has(p, NFP_F_FRAG) &&
	    !nfp_has(p, NFP_F_ESP_SPI) && !nfp_has(p, NFP_F_AH_SPI) && !nfp_has(p, NFP_F_EXTHDR) && !trail_sp)
		return 0;
	if (!nfp_has(p, NFP_F_PROTO_NAME) || nfp_has(p, NFP_F_INCOMPLETE) ||
	    (nfp_has(p, NFP_F_FRAG) && p->v[NFP_F_FRAG].u != 0))
		return 1;
	switch (p->v[NFP_F_PROTO].u) {
	case 6: need = tcp; nneed = 5; break;
	case 17: case 136: need = udp; nneed = 3; break;
	case 50: return nfp_has(p, NFP_F_ESP_SPI) || nfp_bad(p, NFP_F_ESP_SPI);
	case 51: return nfp_has(p, NFP_F_AH_SPI) || nfp_bad(p, NFP_F_AH_SPI);
	case 1: case 58: {
		uint64_t ty;
		if ((!nfp_has(p, NFP_F_ICMP_TYPE) && !nfp_bad(p, NFP_F_ICMP_TYPE)) ||
		    (!nfp_has(p, NFP_F_ICMP_CODE) && !nfp_bad(p, NFP_F_ICMP_CODE)))
			return 0;
		if (!nfp_has(p, NFP_F_ICMP_TYPE))
			return 1; /* an invalid type: what must follow it is not known */
		ty = p->v[NFP_F_ICMP_TYPE].u;
		if (ty == (v6pkt ? 128u : 0u) || ty == (v6pkt ? 129u : 8u))
			return nfp_has(p, NFP_F_ICMP_ID) && nfp_has(p, NFP_F_ICMP_SEQ);
		if (outer && (v6pkt ? (ty >= 1 && ty <= 4) : (ty == 3 || ty == 4 || ty == 5 || ty == 11)))
			return r->depth_seen != 0;
		return 1;
	}
	default:
		return 1;
	}
	for (i = 0; i < nneed; i++)
		if (!nfp_has(p, need[i]) && !nfp_bad(p, need[i]))
			return 0;
	return 1;
}

/* Bridge/netdev lines for an ethertype the logger does not decode end after MAC=. With
 * IPv4, IPv6 or ARP in the Ethernet header more must follow: such a line was cut. */
static int l2_only_line(const char *line, struct nfp_slice mac)
{
	uint8_t b[14];
	unsigned et;
	if (!nfp_mac_ether(line + mac.off, mac.len, b))
		return 0;
	et = (unsigned)(b[12] << 8 | b[13]);
	return et != 0x0800 && et != 0x86dd && et != 0x0806 && et != 0x8035;
}

void nfp_record_reset(struct nfp_record *rec)
{
	rec->type = NFP_NONE;
	rec->flags = 0;
	rec->depth_seen = 0;
	rec->n_unknown = 0;
	memset(rec->pkt[0].present, 0, sizeof(rec->pkt[0].present) * 2);
	memset(rec->pkt[1].present, 0, sizeof(rec->pkt[1].present) * 2);
}

/* a tail of a line a router's syslog split off: known L3/L4 keys, PROTO= among them */
static size_t find_fragment(const char *line, size_t from, size_t len)
{
	size_t pos = from, first = len;
	int known = 0, proto = 0;
	while ((pos = nfp_skip_sp(line, pos, len)) < len) {
		size_t e = nfp_tok_end(line, pos, len);
		const char *eq = memchr(line + pos, '=', e - pos);
		if (eq != NULL && eq > line + pos) {
			size_t kl = (size_t)(eq - line - pos);
			size_t av = len - pos;
			if (key_find(key_tab[NFP_S_IP], line + pos, kl, av) >= 0 ||
			    key_find(key_tab[NFP_S_TCP], line + pos, kl, av) >= 0 ||
			    key_find(key_tab[NFP_S_UDP], line + pos, kl, av) >= 0) {
				if (first == len)
					first = pos;
				known++;
				if (kl == 5 && memcmp(line + pos, "PROTO", 5) == 0)
					proto = 1;
			}
		}
		pos = e;
	}
	return (proto && known >= 3) ? first : len;
}

/* The kernel's own dialect (LOG, legacy TRACE, ebtables --log inside it) from start, the
 * text after the carrier marks; rec was reset by the caller. */
enum nfp_type nfp_kernel_parse(const char *line, size_t len, size_t start, struct nfp_record *rec)
{
	struct lexer lx; /* members one by one: the scan's kept blocks need no zeroing */
	size_t body, pos, neq;
	struct nfp_pkt *p0 = &rec->pkt[0];
	int last_bad = 0;

	lx.line = line;
	lx.len = len;
	lx.rec = rec;
	lx.sec = NFP_S_HDR;
	lx.depth = lx.opt6 = lx.spi_ret = 0;
	lx.stop = lx.stop_outer = 0;
	lx.pred = NFP_F_IN;
	scan_init(&lx.sc, line, len);
	body = find_body(&lx.sc, start, &neq);
	if (body == len) {
		/* a fragment has at least three KEY=VALUE tokens */
		size_t fr = neq >= 3 ? find_fragment(line, start, len) : len;
		if (fr == len)
			return NFP_NONE;
		for (pos = start; pos < fr; pos = nfp_skip_sp(line, nfp_tok_end(line, pos, len), len))
			add_unknown(&lx, pos, nfp_tok_end(line, pos, len) - pos);
		rec->type = NFP_FRAGMENT;
		lx.sec = NFP_S_IP;
		body = fr;
	} else {
		rec->type = NFP_LOG;
		nfp_put_slice(p0, NFP_F_PREFIX, start, body - start);
		if (body - start > 7 && memcmp(line + start, "TRACE: ", 7) == 0 &&
		    nfp_trace_hdr(line + start + 7, body - start - 7, (uint32_t)(start + 7), p0) > 0)
			rec->type = NFP_TRACE;
	}

	for (pos = body; (pos = scan_skip(&lx.sc, pos)) < len;) {
		size_t t = pos, tl, next, eq, e = scan_token(&lx.sc, pos, &eq);
		tl = e - pos;

		if (lx.depth == 1 && tok_is(line + t, tl, "]")) {
			lx.depth = 0;
			lx.sec = NFP_S_ICMP;
			lx.opt6 = 0;
			lx.stop = lx.stop_outer; /* a quoted non-first fragment ends the quote, not the line */
			pos = e;
			continue;
		}
		if (lx.depth == 0 && lx.sec == NFP_S_ICMP && tl > 1 && line[t] == '[' && eq != SIZE_MAX &&
		    !rec->depth_seen) {
			lx.stop_outer = lx.stop;
			lx.depth = 1;
			rec->depth_seen = 1;
			lx.sec = NFP_S_IP;
			lx.pred = NFP_F_SRC;
			t++;
			tl--;
		}
		if (lx.stop) {
			add_unknown(&lx, t, tl);
			pos = e;
			continue;
		}
		if (rec->type == NFP_LOG && lx.sec == NFP_S_HDR && nfp_has(p0, NFP_F_OUT) &&
		    len - t >= 13 && memcmp(line + t, "MAC source = ", 13) == 0) {
			rec->type = NFP_EBT;
			if (!nfp_ebt_body(line, len, t, rec))
				rec->flags |= NFP_R_TRUNCATED;
			return rec->type;
		}
		if (eq != SIZE_MAX) {
			int kt = key_token(&lx, t, tl, eq);
			if (kt != 0) {
				last_bad = kt == 2;
				pos = e;
				continue;
			}
		}
		next = word_token(&lx, t, tl);
		if (next != 0) {
			last_bad = 0;
			pos = next;
			continue;
		}
		/* the header is IN= OUT= and then a link-layer or L3 token: else not ours,
		 * unless the line was cut inside that token */
		if (rec->type == NFP_LOG && lx.sec == NFP_S_HDR && !nfp_has(p0, NFP_F_MAC) &&
		    !nfp_has(p0, NFP_F_MACSRC) && !nfp_has(p0, NFP_F_PHYSIN) && !nfp_has(p0, NFP_F_PHYSOUT) &&
		    !nfp_bad(p0, NFP_F_MAC) && e < len) {
			nfp_record_reset(rec);
			return NFP_NONE;
		}
		add_unknown(&lx, t, tl);
		last_bad = 1;
		pos = e;
	}

	/* a line that does not end in a space and whose last token did not decode was cut */
	if (last_bad && line[len - 1] != ' ')
		rec->flags |= NFP_R_TRUNCATED;

	/* completeness: a cut line is marked, never guessed */
	if (lx.depth == 1 || lx.opt6)
		rec->flags |= NFP_R_TRUNCATED;
	if (!(rec->flags & NFP_R_TRUNCATED)) {
		int trail_sp = line[len - 1] == ' ';
		/* bridge/netdev, other ethertype: the header and an Ethernet MAC= only */
		int l2_only = lx.sec == NFP_S_HDR && nfp_has(p0, NFP_F_MAC) && l2_only_line(line, p0->v[NFP_F_MAC].s);
		if (!lx.stop && !l2_only && !complete_pkt(p0, 1, rec, trail_sp))
			rec->flags |= NFP_R_TRUNCATED;
		if (rec->depth_seen && !complete_pkt(&rec->pkt[1], 0, rec, trail_sp))
			rec->flags |= NFP_R_TRUNCATED;
	}
	return rec->type;
}
