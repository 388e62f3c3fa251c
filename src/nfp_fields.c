/* The field and flag tables: one row per token the kernel prints (see nfp_fields.def). */
#include "nfp.h"
#include "nfp_int.h"

const struct nfp_field_info nfp_fields[NFP_F__COUNT] = {
#define X(id, k, sec, grp, nm, kd) \
	[NFP_F_##id] = { .key = k, .keylen = sizeof(k) - 1, .section = sec, .group = grp, \
			 .kind = kd, .name = nm, .namelen = sizeof(nm) - 1 },
#include "nfp_fields.def"
#undef X
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
