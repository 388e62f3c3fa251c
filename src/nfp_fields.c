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
