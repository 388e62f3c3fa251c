/* The enrich stage's one entry: what a record gains beyond its fields, computed before any
 * emitter runs (see nfp_enrich.h, struct nfp_facts). */
#include <string.h>
#include "enrich/nfp_enrich.h"
#include "parse/parse_int.h"

/* Community ID v1 of the record's flow (ports, or ICMP type and code), base64 */
static size_t community_id(const struct nfp_pkt *p, char out[NFP_CID_MAX])
{
	enum nfp_field sp = nfp_has(p, NFP_F_TCP_SPT) ? NFP_F_TCP_SPT : NFP_F_UDP_SPT;
	enum nfp_field dp = nfp_has(p, NFP_F_TCP_DPT) ? NFP_F_TCP_DPT : NFP_F_UDP_DPT;
	uint64_t proto = nfp_has(p, NFP_F_PROTO) ? p->v[NFP_F_PROTO].u : 256;
	if (!nfp_has(p, NFP_F_SRC) || !nfp_has(p, NFP_F_DST) || proto >= 256 ||
	    p->v[NFP_F_SRC].ip.family != p->v[NFP_F_DST].ip.family)
		return 0;
	struct nfp_flow fl = { .family = p->v[NFP_F_SRC].ip.family, .saddr = p->v[NFP_F_SRC].ip.a,
			       .daddr = p->v[NFP_F_DST].ip.a, .proto = (uint8_t)proto };
	if (nfp_has(p, sp) && nfp_has(p, dp)) {
		fl.has_ports = 1;
		fl.sport = (uint16_t)p->v[sp].u;
		fl.dport = (uint16_t)p->v[dp].u;
	} else if (nfp_has(p, NFP_F_ICMP_TYPE) && nfp_has(p, NFP_F_ICMP_CODE)) {
		fl.has_ports = 1;
		fl.sport = (uint16_t)p->v[NFP_F_ICMP_TYPE].u;
		fl.dport = (uint16_t)p->v[NFP_F_ICMP_CODE].u;
	}
	return nfp_community_id(&fl, 0, 1, out);
}

void nfp_enrich(const struct nfp_record *rec, const char *line, const struct nfp_origin *o, unsigned want,
		struct nfp_facts *f)
{
	const struct nfp_pkt *p = &rec->pkt[0];
	f->packet_len = f->community_id_len = 0;
	f->has_event_id = 0;
	if (want & NFP_FACT_PACKET)
		f->packet_len = nfp_packet_id(rec, line, o ? o->host : NULL, o ? o->hostlen : 0, f->packet);
	if (want & NFP_FACT_PREFIX) {
		const char *pp = line + p->v[NFP_F_PREFIX].s.off;
		size_t pn = nfp_has(p, NFP_F_PREFIX) ? p->v[NFP_F_PREFIX].s.len : 0;
		/* the site's own rules first, then the conventions built in */
		if (o == NULL || o->prules == NULL || pn == 0 || !nfp_prefix_rules_apply(o->prules, pp, pn, &f->prefix))
			nfp_prefix_verdict(pp, pn, &f->prefix);
	}
	if (want & NFP_FACT_COMMUNITY_ID)
		f->community_id_len = community_id(p, f->community_id);
	if ((want & NFP_FACT_EVENT_ID) && o != NULL && (o->digest != NULL || (o->time != NULL && o->message != NULL))) {
		/* the record's identity, so that a record keeps its _id through every retry and replay */
		uint8_t h[20];
		if (o->digest != NULL)
			memcpy(h, o->digest, 20);
		else
			nfp_event_digest(o->sender, o->sender ? strlen(o->sender) : 0, o->time, strlen(o->time), o->message, o->message_len, h);
		for (int i = 0; i < 20; i++) {
			f->event_id[2 * i] = "0123456789abcdef"[h[i] >> 4];
			f->event_id[2 * i + 1] = "0123456789abcdef"[h[i] & 15];
		}
		f->has_event_id = 1;
	}
}
