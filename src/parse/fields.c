/* The field and flag tables: one row per token the kernel prints (see src/parse/fields.def). */
#include "nfp.h"
#include "parse/parse_int.h"

const struct nfp_field_info nfp_fields[NFP_F__COUNT] = {
#define X(id, k, sec, grp, nm, kd) \
	[NFP_F_##id] = { .key = k, .keylen = sizeof(k) - 1, .section = sec, .group = grp, \
			 .kind = kd, .name = nm, .namelen = sizeof(nm) - 1 },
#include "parse/fields.def"
#undef X
};

/* protocol ranges: header field widths (ports and ICMP type/code are 16 and 8 bits: a larger
 * value would alias a real one, e.g. in the Community ID hash) */
#define U8 0xffu
#define U16 0xffffu
#define U32 0xffffffffu
const uint64_t nfp_field_max[NFP_F__COUNT] = {
	[NFP_F_TRACE_RULE] = U32, [NFP_F_TRACE_HANDLE] = U32, [NFP_F_VPROTO] = U16, [NFP_F_VID] = 4095,
	[NFP_F_MACPROTO] = U16, [NFP_F_IP_LEN] = U16, [NFP_F_TOS] = U8, [NFP_F_PREC] = U8, [NFP_F_TTL] = U8,
	[NFP_F_IP_ID] = U16, [NFP_F_TC] = U8, [NFP_F_HOPLIMIT] = U8, [NFP_F_FLOWLBL] = 0xfffffu, [NFP_F_FRAG] = 0x1fffu,
	[NFP_F_FRAG_ID] = U32, [NFP_F_EXTHDR] = U8, [NFP_F_PRIORITY] = U8,
	[NFP_F_TCP_SPT] = U16, [NFP_F_TCP_DPT] = U16, [NFP_F_TCP_SEQ] = U32, [NFP_F_TCP_ACK] = U32,
	[NFP_F_WINDOW] = U16, [NFP_F_RES] = U8, [NFP_F_URGP] = U16,
	[NFP_F_UDP_SPT] = U16, [NFP_F_UDP_DPT] = U16, [NFP_F_UDP_LEN] = U16,
	[NFP_F_ICMP_TYPE] = U8, [NFP_F_ICMP_CODE] = U8, [NFP_F_ICMP_ID] = U16, [NFP_F_ICMP_SEQ] = U16,
	[NFP_F_PARAMETER] = U32, [NFP_F_POINTER] = U32, [NFP_F_MTU] = U32,
	[NFP_F_AH_SPI] = U32, [NFP_F_ESP_SPI] = U32, [NFP_F_HTYPE] = U16, [NFP_F_PTYPE] = U16, [NFP_F_OPCODE] = U16,
	[NFP_F_INCOMPLETE] = U16, [NFP_F_UID] = U32, [NFP_F_GID] = U32, [NFP_F_MARK] = U32,
};

_Static_assert(sizeof(nfp_fields) / sizeof(nfp_fields[0]) == NFP_F__COUNT,
	       "field table and enum disagree");
_Static_assert(NFP_F__COUNT <= 64 * NFP_PRESENT_WORDS, "presence bits too small");

const char *const nfp_words[NFP_W__COUNT] = {
	[NFP_W_RULE] = "rule", [NFP_W_RETURN] = "return", [NFP_W_POLICY] = "policy", [NFP_W_PACKET] = "packet",
	[NFP_W_CONNTRACK] = "conntrack", [NFP_W_KERNEL] = "kernel", [NFP_W_XTABLES] = "xtables-monitor",
	[NFP_W_NFT] = "nft-monitor", [NFP_W_INET] = "inet", [NFP_W_IP] = "ip", [NFP_W_ARP] = "arp",
	[NFP_W_NETDEV] = "netdev", [NFP_W_BRIDGE] = "bridge", [NFP_W_IP6] = "ip6",
};

/* family words in NFPROTO order: 1 inet, 2 ip, 3 arp, 5 netdev, 7 bridge, 10 ip6 */
static const struct {
	unsigned char nfproto, word;
} families[] = {
	{ 1, NFP_W_INET }, { 2, NFP_W_IP }, { 3, NFP_W_ARP }, { 5, NFP_W_NETDEV }, { 7, NFP_W_BRIDGE }, { 10, NFP_W_IP6 },
};

enum nfp_word nfp_family_word(unsigned nfproto)
{
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (families[i].nfproto == nfproto)
			return (enum nfp_word)families[i].word;
	return NFP_W__COUNT;
}

int nfp_family_proto(enum nfp_word w)
{
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (families[i].word == w)
			return families[i].nfproto;
	return -1;
}

/* Bare words, in the order the kernel prints them (bit order = print order). */
const struct nfp_flag_info nfp_flags[] = {
	{ "CE",  2, NFP_S_IP,  NFP_F_IP_FLAGS,  0 },
	{ "DF",  2, NFP_S_IP,  NFP_F_IP_FLAGS,  1 },
	{ "MF",  2, NFP_S_IP,  NFP_F_IP_FLAGS,  2 },
	{ "AE",  2, NFP_S_TCP, NFP_F_TCP_FLAGS, 0 },
	{ "CWR", 3, NFP_S_TCP, NFP_F_TCP_FLAGS, 1 },
	{ "ECE", 3, NFP_S_TCP, NFP_F_TCP_FLAGS, 2 },
	{ "URG", 3, NFP_S_TCP, NFP_F_TCP_FLAGS, 3 },
	{ "ACK", 3, NFP_S_TCP, NFP_F_TCP_FLAGS, 4 },
	{ "PSH", 3, NFP_S_TCP, NFP_F_TCP_FLAGS, 5 },
	{ "RST", 3, NFP_S_TCP, NFP_F_TCP_FLAGS, 6 },
	{ "SYN", 3, NFP_S_TCP, NFP_F_TCP_FLAGS, 7 },
	{ "FIN", 3, NFP_S_TCP, NFP_F_TCP_FLAGS, 8 },
};
const unsigned nfp_nflags = sizeof(nfp_flags) / sizeof(nfp_flags[0]);

static const struct {
	const char *name;
	unsigned char len;
	unsigned char num;
} protos[] = {
	{ "TCP", 3, 6 }, { "UDP", 3, 17 }, { "ICMP", 4, 1 }, { "ICMPv6", 6, 58 },
	{ "UDPLITE", 7, 136 }, { "ESP", 3, 50 }, { "AH", 2, 51 },
};

int nfp_proto_by_name(const char *s, size_t n)
{
	for (unsigned i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (protos[i].len == n && __builtin_memcmp(protos[i].name, s, n) == 0)
			return protos[i].num;
	return -1;
}

static const char *const group_names[NFP_G__COUNT] = {
	[NFP_G_TOP] = "", [NFP_G_TRACE] = "trace", [NFP_G_MAC] = "mac", [NFP_G_IP] = "ip",
	[NFP_G_TCP] = "tcp", [NFP_G_UDP] = "udp", [NFP_G_ICMP] = "icmp", [NFP_G_AH] = "ah",
	[NFP_G_ESP] = "esp", [NFP_G_ARP] = "arp",
};

const char *nfp_group_name(unsigned g, const struct nfp_pkt *p)
{
	uint64_t proto = nfp_has(p, NFP_F_PROTO) ? p->v[NFP_F_PROTO].u : 0;
	if (g == NFP_G_UDP && proto == 136)
		return "udplite";
	if (g == NFP_G_ICMP && proto == 58)
		return "icmpv6";
	return group_names[g];
}

const char *nfp_type_name(enum nfp_type t)
{
	switch (t) {
	case NFP_LOG: return "log";
	case NFP_TRACE: return "trace";
	case NFP_EBT: return "ebtables";
	case NFP_FRAGMENT: return "fragment";
	case NFP_NONE: break;
	}
	return "none";
}

/* nft family words as the monitor and `nft list ruleset` print them */
static const struct {
	const char *word;
	unsigned char nfproto;
} nft_families[] = {
	{ "ip", 2 }, { "ip6", 10 }, { "inet", 1 }, { "arp", 3 }, { "bridge", 7 }, { "netdev", 5 },
};

int nfp_nft_family(const char *w, size_t n)
{
	for (size_t i = 0; i < sizeof(nft_families) / sizeof(nft_families[0]); i++)
		if (nfp_word_is(w, n, nft_families[i].word))
			return nft_families[i].nfproto;
	return -1;
}
