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
#include "parse/textw.h"

/* "0x" and v in lower-case hex, as nft prints a mark or an unnamed value */
static void hex0x(struct nfp_tw *w, uint64_t v)
{
	tw_puts(w, "0x");
	tw_hexn(w, v, 1, 0);
}

static void hdr(struct nfp_tw *w, const struct nfp_nfttrace *t)
{
	static const char d[] = "0123456789abcdef";
	tw_puts(w, "trace id ");
	for (int i = 28; i >= 0; i -= 4)
		tw_put(w, &d[(t->id >> i) & 15], 1);
	tw_put(w, " ", 1);
	enum nfp_word fw = nfp_family_word(t->family);
	tw_puts(w, fw != NFP_W__COUNT ? nfp_words[fw] : "unknown");
	tw_put(w, " ", 1);
	if (t->table != NULL) {
		tw_put(w, t->table, strnlen(t->table, 256));
		tw_put(w, " ", 1);
	}
	if (t->chain != NULL) {
		tw_put(w, t->chain, strnlen(t->chain, 256));
		tw_put(w, " ", 1);
	}
}

static void verdict(struct nfp_tw *w, int32_t v, const char *target)
{
	static const char *const pos[5] = { "drop", "accept", "stolen", "queue", "repeat" };
	static const char *const neg[5] = { "continue", "break", "jump", "goto", "return" };
	if (v >= 0 && (v & 0xff) < 5)
		tw_puts(w, pos[v & 0xff]);
	else if (v < 0 && v >= -5)
		tw_puts(w, neg[-v - 1]);
	else
		tw_dec(w, (uint32_t)v);
	if ((v == -3 || v == -4) && target != NULL) {
		tw_put(w, " ", 1);
		tw_put(w, target, strnlen(target, 256));
	}
}

static void quoted_if(struct nfp_tw *w, const char *key, const char *name)
{
	tw_puts(w, key);
	tw_put(w, "\"", 1);
	tw_put(w, name, strnlen(name, 16));
	tw_puts(w, "\" ");
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

static void dscp_ecn(struct nfp_tw *w, const char *fam, unsigned tc)
{
	static const struct { const char *n; unsigned v; } names[] = {
		{ "cs0", 0 }, { "cs1", 8 }, { "cs2", 16 }, { "cs3", 24 }, { "cs4", 32 }, { "cs5", 40 }, { "cs6", 48 },
		{ "cs7", 56 }, { "af11", 10 }, { "af12", 12 }, { "af13", 14 }, { "af21", 18 }, { "af22", 20 },
		{ "af23", 22 }, { "af31", 26 }, { "af32", 28 }, { "af33", 30 }, { "af41", 34 }, { "af42", 36 },
		{ "af43", 38 }, { "va", 44 }, { "ef", 46 }, { "le", 1 },
	};
	static const char *const ecn[4] = { "not-ect", "ect1", "ect0", "ce" };
	unsigned d = tc >> 2;
	tw_puts(w, fam);
	tw_puts(w, " dscp ");
	size_t i;
	for (i = 0; i < sizeof(names) / sizeof(names[0]) && names[i].v != d; i++)
		;
	if (i < sizeof(names) / sizeof(names[0]))
		tw_puts(w, names[i].n);
	else
		hex0x(w, d);
	tw_put(w, " ", 1);
	tw_puts(w, fam);
	tw_puts(w, " ecn ");
	tw_puts(w, ecn[tc & 3]);
	tw_put(w, " ", 1);
}

/* "<proto> <field> <decimal> " */
static void field(struct nfp_tw *w, const char *proto, const char *name, uint64_t v)
{
	tw_puts(w, proto);
	tw_put(w, " ", 1);
	tw_puts(w, name);
	tw_put(w, " ", 1);
	tw_dec(w, v);
	tw_put(w, " ", 1);
}

/* an ICMP/ICMPv6 type by nft's name where it has one the monitor parser reads, else its number */
static void icmp_type(struct nfp_tw *w, const char *proto, unsigned v, int v6)
{
	const char *n = NULL;
	if (!v6)
		n = v == 0 ? "echo-reply" : v == 3 ? "destination-unreachable" : v == 8 ? "echo-request" :
		    v == 11 ? "time-exceeded" : NULL;
	else
		n = v == 1 ? "destination-unreachable" : v == 2 ? "packet-too-big" : v == 3 ? "time-exceeded" :
		    v == 128 ? "echo-request" : v == 129 ? "echo-reply" : NULL;
	if (n == NULL) {
		field(w, proto, "type", v);
		return;
	}
	tw_puts(w, proto);
	tw_puts(w, " type ");
	tw_puts(w, n);
	tw_put(w, " ", 1);
}

/* the transport header as nft words (what of it the kernel sent) */
static void transport(struct nfp_tw *w, unsigned proto, const uint8_t *th, size_t n)
{
	if (th == NULL)
		return;
	if ((proto == 6 || proto == 17 || proto == 136) && n >= 4) {
		const char *k = proto == 6 ? "tcp" : proto == 17 ? "udp" : "udplite";
		field(w, k, "sport", tw_be16(th));
		field(w, k, "dport", tw_be16(th + 2));
	}
	if (proto == 6 && n >= 16) {
		/* nft lists them from the lowest bit up */
		static const char *const fl[8] = { "fin", "syn", "rst", "psh", "ack", "urg", "ecn", "cwr" };
		int first = 1;
		tw_puts(w, "tcp flags == ");
		for (int i = 0; i < 8; i++) {
			if (th[13] & (1u << i)) {
				if (!first)
					tw_puts(w, " | ");
				tw_puts(w, fl[i]);
				first = 0;
			}
		}
		if (first)
			tw_puts(w, "0x0");
		tw_put(w, " ", 1);
		tw_kv(w, "tcp window ", tw_be16(th + 14));
	}
	if (proto == 17 && n >= 6)
		tw_kv(w, "udp length ", tw_be16(th + 4));
	if ((proto == 1 || proto == 58) && n >= 2) {
		const char *k = proto == 1 ? "icmp" : "icmpv6";
		icmp_type(w, k, th[0], proto == 58);
		field(w, k, "code", th[1]);
		if (n >= 8 && (proto == 1 ? (th[0] == 0 || th[0] == 8) : (th[0] == 128 || th[0] == 129))) {
			field(w, k, "id", tw_be16(th + 4));
			field(w, k, "sequence", tw_be16(th + 6));
		}
	}
}

size_t nfp_nfttrace_packet(const struct nfp_nfttrace *t, char *out, size_t cap)
{
	struct nfp_tw w = { out, 0, cap };
	if (cap == 0)
		return 0;
	out[0] = '\0';
	if (t->ll == NULL && t->nh == NULL)
		return 0;
	hdr(&w, t);
	tw_puts(&w, "packet: ");
	if (t->iif != NULL && t->iif[0])
		quoted_if(&w, "iif ", t->iif);
	if (t->oif != NULL && t->oif[0])
		quoted_if(&w, "oif ", t->oif);
	if (t->ll != NULL && t->ll_len >= 14 && t->iiftype == 1) { /* Ethernet */
		tw_puts(&w, "ether saddr ");
		tw_mac(&w, t->ll + 6);
		tw_puts(&w, " ether daddr ");
		tw_mac(&w, t->ll);
		tw_put(&w, " ", 1);
	}
	const uint8_t *h = t->nh;
	size_t n = t->nh_len;
	if (h != NULL && t->nfproto == 2 && n >= 20) {
		tw_puts(&w, "ip saddr ");
		tw_ip(&w, 4, h + 12);
		tw_puts(&w, " ip daddr ");
		tw_ip(&w, 4, h + 16);
		tw_put(&w, " ", 1);
		dscp_ecn(&w, "ip", h[1]);
		tw_kv(&w, "ip ttl ", h[8]);
		tw_kv(&w, "ip id ", tw_be16(h + 4));
		tw_puts(&w, "ip protocol ");
		if (l4name(h[9]) != NULL && h[9] != 58)
			tw_puts(&w, l4name(h[9]));
		else
			tw_dec(&w, h[9]);
		tw_put(&w, " ", 1);
		tw_kv(&w, "ip length ", tw_be16(h + 2));
		if ((tw_be16(h + 6) & 0x1fff) == 0)
			transport(&w, h[9], t->th, t->th_len);
	} else if (h != NULL && t->nfproto == 10 && n >= 40) {
		uint32_t first = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
		tw_puts(&w, "ip6 saddr ");
		tw_ip(&w, 6, h + 8);
		tw_puts(&w, " ip6 daddr ");
		tw_ip(&w, 6, h + 24);
		tw_put(&w, " ", 1);
		dscp_ecn(&w, "ip6", (first >> 20) & 0xff);
		tw_kv(&w, "ip6 hoplimit ", h[7]);
		tw_kv(&w, "ip6 flowlabel ", first & 0xfffff);
		tw_puts(&w, "ip6 nexthdr ");
		if (l4name(h[6]) != NULL)
			tw_puts(&w, l4name(h[6]));
		else
			tw_dec(&w, h[6]);
		tw_put(&w, " ", 1);
		tw_kv(&w, "ip6 length ", tw_be16(h + 4));
		/* the transport header the kernel found, read as the IPv6 header's next header says */
		transport(&w, h[6], t->th, t->th_len);
	}
	if (t->has_mark && t->mark) {
		tw_puts(&w, "meta mark ");
		hex0x(&w, t->mark);
		tw_put(&w, " ", 1);
	}
	out[w.n] = '\0';
	return w.n;
}

size_t nfp_nfttrace_step(const struct nfp_nfttrace *t, char *out, size_t cap)
{
	struct nfp_tw w = { out, 0, cap };
	if (cap == 0)
		return 0;
	hdr(&w, t);
	switch (t->type) {
	case 3: /* a rule */
		if (t->rule_text != NULL && t->rule_len > 0) {
			tw_puts(&w, "rule ");
			tw_put(&w, t->rule_text, t->rule_len);
			tw_puts(&w, " # handle ");
		} else {
			tw_puts(&w, "unknown rule handle ");
		}
		tw_dec(&w, t->handle);
		tw_puts(&w, " (verdict ");
		verdict(&w, t->verdict, t->jump_target);
		tw_put(&w, ")", 1);
		break;
	case 1: /* the chain's policy */
		tw_puts(&w, "policy ");
		verdict(&w, t->has_policy ? (int32_t)t->policy : t->verdict, t->jump_target);
		tw_put(&w, " ", 1);
		break;
	default: /* 2: the end of a chain that was called */
		if (t->has_verdict) {
			tw_puts(&w, "verdict ");
			verdict(&w, t->verdict, t->jump_target);
			tw_put(&w, " ", 1);
		}
		break;
	}
	if (t->type != 3 && t->has_mark && t->mark) {
		tw_puts(&w, "meta mark ");
		hex0x(&w, t->mark);
		tw_put(&w, " ", 1);
	}
	out[w.n] = '\0';
	return w.n;
}
