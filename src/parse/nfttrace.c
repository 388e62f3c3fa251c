/* An nftables trace event (the netlink attributes `nft monitor trace` reads) written as the
 * lines `nft monitor trace` prints for it, so that the monitor parser (monitor.c) and the walks
 * read events from netlink and from the monitor's text alike. The rule's text is not in the
 * event (nft looks it up in its cache): given the text (the input module lists the ruleset over
 * netlink) the rule line is `nft -a monitor trace`'s "rule <text> # handle N (verdict V)",
 * without it nft's own form for a rule it does not know, "unknown rule handle N (verdict V)";
 * either way snapshots name the rule by its handle.
 * The packet line carries the headers the kernel sent, in nft's words for the fields the
 * monitor parser reads. No allocation; output cut at its size. */
#include <string.h>
#include "nfp.h"

struct w {
	char *o;
	size_t n, cap;
};

static void put(struct w *w, const char *s, size_t n)
{
	for (size_t i = 0; i < n && w->n + 1 < w->cap; i++)
		w->o[w->n++] = s[i];
}
static void puts_(struct w *w, const char *s)
{
	put(w, s, strlen(s));
}
static void dec(struct w *w, uint64_t v)
{
	char b[20];
	put(w, b, nfp_format_dec(v, b));
}
static void hex(struct w *w, uint64_t v)
{
	static const char d[] = "0123456789abcdef";
	char b[16];
	int k = 0;
	do {
		b[k++] = d[v & 15];
		v >>= 4;
	} while (v);
	puts_(w, "0x");
	while (k > 0)
		put(w, &b[--k], 1);
}
static void kv(struct w *w, const char *key, uint64_t v)
{
	puts_(w, key);
	dec(w, v);
	put(w, " ", 1);
}
static unsigned be16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static const char *family_word(unsigned f)
{
	switch (f) {
	case 1: return "inet";
	case 2: return "ip";
	case 3: return "arp";
	case 5: return "netdev";
	case 7: return "bridge";
	case 10: return "ip6";
	default: return "unknown";
	}
}

static void hdr(struct w *w, const struct nfp_nfttrace *t)
{
	static const char d[] = "0123456789abcdef";
	puts_(w, "trace id ");
	for (int i = 28; i >= 0; i -= 4)
		put(w, &d[(t->id >> i) & 15], 1);
	put(w, " ", 1);
	puts_(w, family_word(t->family));
	put(w, " ", 1);
	if (t->table != NULL) {
		put(w, t->table, strnlen(t->table, 256));
		put(w, " ", 1);
	}
	if (t->chain != NULL) {
		put(w, t->chain, strnlen(t->chain, 256));
		put(w, " ", 1);
	}
}

static void verdict(struct w *w, int32_t v, const char *target)
{
	static const char *const pos[5] = { "drop", "accept", "stolen", "queue", "repeat" };
	static const char *const neg[5] = { "continue", "break", "jump", "goto", "return" };
	if (v >= 0 && (v & 0xff) < 5)
		puts_(w, pos[v & 0xff]);
	else if (v < 0 && v >= -5)
		puts_(w, neg[-v - 1]);
	else
		dec(w, (uint32_t)v);
	if ((v == -3 || v == -4) && target != NULL) {
		put(w, " ", 1);
		put(w, target, strnlen(target, 256));
	}
}

static void quoted_if(struct w *w, const char *key, const char *name)
{
	puts_(w, key);
	put(w, "\"", 1);
	put(w, name, strnlen(name, 16));
	puts_(w, "\" ");
}

static const char *l4name(unsigned p)
{
	switch (p) {
	case 1: return "icmp";
	case 6: return "tcp";
	case 17: return "udp";
	case 50: return "esp";
	case 51: return "ah";
	case 58: return "ipv6-icmp";
	case 132: return "sctp";
	case 136: return "udplite";
	default: return NULL;
	}
}

static void dscp_ecn(struct w *w, const char *fam, unsigned tc)
{
	static const struct { const char *n; unsigned v; } names[] = {
		{ "cs0", 0 }, { "cs1", 8 }, { "cs2", 16 }, { "cs3", 24 }, { "cs4", 32 }, { "cs5", 40 }, { "cs6", 48 },
		{ "cs7", 56 }, { "af11", 10 }, { "af12", 12 }, { "af13", 14 }, { "af21", 18 }, { "af22", 20 },
		{ "af23", 22 }, { "af31", 26 }, { "af32", 28 }, { "af33", 30 }, { "af41", 34 }, { "af42", 36 },
		{ "af43", 38 }, { "va", 44 }, { "ef", 46 }, { "le", 1 },
	};
	static const char *const ecn[4] = { "not-ect", "ect1", "ect0", "ce" };
	unsigned d = tc >> 2;
	puts_(w, fam);
	puts_(w, " dscp ");
	size_t i;
	for (i = 0; i < sizeof(names) / sizeof(names[0]) && names[i].v != d; i++)
		;
	if (i < sizeof(names) / sizeof(names[0]))
		puts_(w, names[i].n);
	else
		hex(w, d);
	put(w, " ", 1);
	puts_(w, fam);
	puts_(w, " ecn ");
	puts_(w, ecn[tc & 3]);
	put(w, " ", 1);
}

static void icmp_type(struct w *w, const char *key, unsigned v, int v6)
{
	const char *n = NULL;
	if (!v6)
		n = v == 0 ? "echo-reply" : v == 3 ? "destination-unreachable" : v == 8 ? "echo-request" :
		    v == 11 ? "time-exceeded" : NULL;
	else
		n = v == 1 ? "destination-unreachable" : v == 2 ? "packet-too-big" : v == 3 ? "time-exceeded" :
		    v == 128 ? "echo-request" : v == 129 ? "echo-reply" : NULL;
	puts_(w, key);
	if (n != NULL)
		puts_(w, n);
	else
		dec(w, v);
	put(w, " ", 1);
}

/* the transport header as nft words (what of it the kernel sent) */
static void transport(struct w *w, unsigned proto, const uint8_t *th, size_t n)
{
	if (th == NULL)
		return;
	if ((proto == 6 || proto == 17 || proto == 136) && n >= 4) {
		const char *k = proto == 6 ? "tcp" : proto == 17 ? "udp" : "udplite";
		puts_(w, k);
		puts_(w, " sport ");
		dec(w, be16(th));
		put(w, " ", 1);
		puts_(w, k);
		puts_(w, " dport ");
		dec(w, be16(th + 2));
		put(w, " ", 1);
	}
	if (proto == 6 && n >= 16) {
		static const char *const fl[8] = { "cwr", "ecn", "urg", "ack", "psh", "rst", "syn", "fin" };
		int first = 1;
		puts_(w, "tcp flags == ");
		for (int i = 0; i < 8; i++) {
			/* nft lists them from fin up: fin syn rst psh ack urg ecn cwr */
			int bit = 7 - i;
			if (th[13] & (1u << (7 - bit))) {
				if (!first)
					puts_(w, " | ");
				puts_(w, fl[bit]);
				first = 0;
			}
		}
		if (first)
			puts_(w, "0x0");
		put(w, " ", 1);
		kv(w, "tcp window ", be16(th + 14));
	}
	if (proto == 17 && n >= 6)
		kv(w, "udp length ", be16(th + 4));
	if ((proto == 1 || proto == 58) && n >= 2) {
		const char *k = proto == 1 ? "icmp" : "icmpv6";
		char key[16];
		size_t kl = strlen(k);
		memcpy(key, k, kl);
		memcpy(key + kl, " type ", 7);
		icmp_type(w, key, th[0], proto == 58);
		puts_(w, k);
		puts_(w, " code ");
		dec(w, th[1]);
		put(w, " ", 1);
		if (n >= 8 && (proto == 1 ? (th[0] == 0 || th[0] == 8) : (th[0] == 128 || th[0] == 129))) {
			puts_(w, k);
			puts_(w, " id ");
			dec(w, be16(th + 4));
			put(w, " ", 1);
			puts_(w, k);
			puts_(w, " sequence ");
			dec(w, be16(th + 6));
			put(w, " ", 1);
		}
	}
}

size_t nfp_nfttrace_packet(const struct nfp_nfttrace *t, char *out, size_t cap)
{
	struct w w = { out, 0, cap };
	if (cap == 0)
		return 0;
	out[0] = '\0';
	if (t->ll == NULL && t->nh == NULL)
		return 0;
	hdr(&w, t);
	puts_(&w, "packet: ");
	if (t->iif != NULL && t->iif[0])
		quoted_if(&w, "iif ", t->iif);
	if (t->oif != NULL && t->oif[0])
		quoted_if(&w, "oif ", t->oif);
	if (t->ll != NULL && t->ll_len >= 14 && t->iiftype == 1) { /* Ethernet */
		char m[NFP_MACSTR_MAX];
		puts_(&w, "ether saddr ");
		put(&w, m, nfp_format_mac(t->ll + 6, m));
		puts_(&w, " ether daddr ");
		put(&w, m, nfp_format_mac(t->ll, m));
		put(&w, " ", 1);
	}
	const uint8_t *h = t->nh;
	size_t n = t->nh_len;
	char a[NFP_IPSTR_MAX];
	if (h != NULL && t->nfproto == 2 && n >= 20) {
		puts_(&w, "ip saddr ");
		put(&w, a, nfp_format_ip(4, h + 12, a));
		puts_(&w, " ip daddr ");
		put(&w, a, nfp_format_ip(4, h + 16, a));
		put(&w, " ", 1);
		dscp_ecn(&w, "ip", h[1]);
		kv(&w, "ip ttl ", h[8]);
		kv(&w, "ip id ", be16(h + 4));
		puts_(&w, "ip protocol ");
		if (l4name(h[9]) != NULL && h[9] != 58)
			puts_(&w, l4name(h[9]));
		else
			dec(&w, h[9]);
		put(&w, " ", 1);
		kv(&w, "ip length ", be16(h + 2));
		if ((be16(h + 6) & 0x1fff) == 0)
			transport(&w, h[9], t->th, t->th_len);
	} else if (h != NULL && t->nfproto == 10 && n >= 40) {
		uint32_t first = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
		puts_(&w, "ip6 saddr ");
		put(&w, a, nfp_format_ip(6, h + 8, a));
		puts_(&w, " ip6 daddr ");
		put(&w, a, nfp_format_ip(6, h + 24, a));
		put(&w, " ", 1);
		dscp_ecn(&w, "ip6", (first >> 20) & 0xff);
		kv(&w, "ip6 hoplimit ", h[7]);
		kv(&w, "ip6 flowlabel ", first & 0xfffff);
		puts_(&w, "ip6 nexthdr ");
		if (l4name(h[6]) != NULL)
			puts_(&w, l4name(h[6]));
		else
			dec(&w, h[6]);
		put(&w, " ", 1);
		kv(&w, "ip6 length ", be16(h + 4));
		/* the transport header the kernel found (after any extension headers) */
		transport(&w, t->th_proto ? t->th_proto : h[6], t->th, t->th_len);
	}
	if (t->has_mark && t->mark) {
		puts_(&w, "meta mark ");
		hex(&w, t->mark);
		put(&w, " ", 1);
	}
	out[w.n] = '\0';
	return w.n;
}

size_t nfp_nfttrace_step(const struct nfp_nfttrace *t, char *out, size_t cap)
{
	struct w w = { out, 0, cap };
	if (cap == 0)
		return 0;
	hdr(&w, t);
	switch (t->type) {
	case 3: /* a rule */
		if (t->rule_text != NULL && t->rule_len > 0) {
			puts_(&w, "rule ");
			put(&w, t->rule_text, t->rule_len);
			puts_(&w, " # handle ");
		} else {
			puts_(&w, "unknown rule handle ");
		}
		dec(&w, t->handle);
		puts_(&w, " (verdict ");
		verdict(&w, t->verdict, t->jump_target);
		put(&w, ")", 1);
		break;
	case 1: /* the chain's policy */
		puts_(&w, "policy ");
		verdict(&w, t->has_policy ? (int32_t)t->policy : t->verdict, t->jump_target);
		put(&w, " ", 1);
		break;
	default: /* 2: the end of a chain that was called */
		if (t->has_verdict) {
			puts_(&w, "verdict ");
			verdict(&w, t->verdict, t->jump_target);
			put(&w, " ", 1);
		}
		break;
	}
	if (t->type != 3 && t->has_mark && t->mark) {
		puts_(&w, "meta mark ");
		hex(&w, t->mark);
		put(&w, " ", 1);
	}
	out[w.n] = '\0';
	return w.n;
}
