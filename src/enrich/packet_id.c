/* trace.packet: which steps belong to one packet's walk (see nfp_enrich.h). */
#include <string.h>
#include "enrich/nfp_enrich.h"
#include "parse/parse_int.h"

static uint64_t mix(uint64_t h, uint64_t v)
{
	for (int i = 0; i < 8; i++) {
		h ^= (v >> (8 * i)) & 0xff;
		h *= 0x100000001b3ull;
	}
	return h;
}

/* the header fields NAT and routing leave alone: no addresses, ports, ICMP id (NAT's
 * "port"), TTL/hop limit, interfaces or MAC */
static const enum nfp_field invariant[] = {
	NFP_F_PROTO, NFP_F_IP_ID, NFP_F_IP_LEN, NFP_F_FLOWLBL, NFP_F_FRAG, NFP_F_FRAG_ID,
	NFP_F_TCP_SEQ, NFP_F_TCP_ACK, NFP_F_TCP_FLAGS, NFP_F_WINDOW, NFP_F_UDP_LEN,
	NFP_F_ICMP_TYPE, NFP_F_ICMP_CODE, NFP_F_ICMP_SEQ, NFP_F_ESP_SPI, NFP_F_AH_SPI,
};

size_t nfp_packet_id(const struct nfp_record *rec, const char *line, const char *host, size_t hostlen,
		     char out[NFP_PKTID_MAX])
{
	static const char hex[] = "0123456789abcdef";
	const struct nfp_pkt *p = &rec->pkt[0];
	uint64_t h = 0xcbf29ce484222325ull;
	if (rec->type != NFP_TRACE)
		return 0;
	if (nfp_has(p, NFP_F_TRACE_PACKET)) {
		struct nfp_slice s = p->v[NFP_F_TRACE_PACKET].s;
		size_t n = s.len < NFP_PKTID_MAX ? s.len : NFP_PKTID_MAX;
		memcpy(out, line + s.off, n);
		return n;
	}
	for (size_t i = 0; i < hostlen; i++)
		h = mix(h, (unsigned char)host[i]);
	h = mix(h, nfp_has(p, NFP_F_SRC) ? p->v[NFP_F_SRC].ip.family : 0);
	for (size_t i = 0; i < sizeof(invariant) / sizeof(invariant[0]); i++) {
		enum nfp_field f = invariant[i];
		h = mix(h, nfp_has(p, f) ? p->v[f].u + 1 : 0);
	}
	if (rec->depth_seen) /* an ICMP error: the packet it quotes */
		h = mix(h, nfp_has(&rec->pkt[1], NFP_F_IP_ID) ? rec->pkt[1].v[NFP_F_IP_ID].u + 1 : 0);
	for (int i = 0; i < NFP_PKTID_MAX; i++)
		out[i] = hex[(h >> (60 - 4 * i)) & 15];
	return NFP_PKTID_MAX;
}
