/* ECS schema emitter: one parsed record -> an Elastic Common Schema 8 document, with
 * Elastic's iptables integration's iptables.* names for what ECS has no field for, and the
 * same namespace for what that integration drops. Built from the same record as the native
 * schema; the message's time, host and text come from the caller (rsyslog or nfparse). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "emit/nfp_json.h"
#include "parse/parse_int.h"

#define ECS_VERSION "8.16.0"

/* every member name is added once per object: the code below picks one source where the
 * kernel could print two */
#define put nfp_json_add

/* an object created on first use */
static struct fjson_object *lazy(struct fjson_object **slot, struct fjson_object *parent, const char *name)
{
	if (*slot == NULL) {
		*slot = fjson_object_new_object();
		put(parent, name, *slot);
	}
	return *slot;
}

static struct fjson_object *sl(const char *line, struct nfp_slice s)
{
	return nfp_json_str(line + s.off, s.len);
}

static struct fjson_object *ip(const union nfp_value *v)
{
	char b[NFP_IPSTR_MAX];
	return nfp_json_str(b, nfp_format_ip(v->ip.family, v->ip.a, b));
}

/* ECS MAC form: upper case, dash separated */
static struct fjson_object *ecs_mac(const uint8_t m[6])
{
	static const char hx[] = "0123456789ABCDEF";
	char b[17];
	for (int i = 0; i < 6; i++) {
		b[3 * i] = hx[m[i] >> 4];
		b[3 * i + 1] = hx[m[i] & 15];
		if (i < 5)
			b[3 * i + 2] = '-';
	}
	return nfp_json_str(b, 17);
}

static struct fjson_object *num(const struct nfp_pkt *p, enum nfp_field f)
{
	return nfp_has(p, f) ? fjson_object_new_int64((int64_t)p->v[f].u) : NULL;
}

static const char *transport_name(uint64_t proto)
{
	switch (proto) {
	case 1: return "icmp";
	case 2: return "igmp";
	case 4: return "ipv4";
	case 6: return "tcp";
	case 17: return "udp";
	case 33: return "dccp";
	case 41: return "ipv6";
	case 47: return "gre";
	case 50: return "esp";
	case 51: return "ah";
	case 58: return "ipv6-icmp";
	case 112: return "vrrp";
	case 132: return "sctp";
	case 136: return "udplite";
	default: return NULL;
	}
}

static struct fjson_object *flag_list(enum nfp_field f, uint64_t bits)
{
	struct fjson_object *a = fjson_object_new_array();
	for (unsigned i = 0; i < nfp_nflags; i++)
		if (nfp_flags[i].field == f && (bits >> nfp_flags[i].bit & 1u))
			fjson_object_array_add(a, fjson_object_new_string(nfp_flags[i].word));
	return a;
}

/* the quoted packet of an ICMP error, in ECS terms (no Community ID: it is not the flow) */
static struct fjson_object *inner_doc(const struct nfp_pkt *q)
{
	struct fjson_object *o = fjson_object_new_object(), *src = NULL, *dst = NULL, *net = NULL;
	uint64_t proto = nfp_has(q, NFP_F_PROTO) ? q->v[NFP_F_PROTO].u : 256;
	if (nfp_has(q, NFP_F_SRC))
		put(lazy(&src, o, "source"), "ip", ip(&q->v[NFP_F_SRC]));
	if (nfp_has(q, NFP_F_DST))
		put(lazy(&dst, o, "destination"), "ip", ip(&q->v[NFP_F_DST]));
	if (nfp_has(q, NFP_F_TCP_SPT) || nfp_has(q, NFP_F_UDP_SPT))
		put(lazy(&src, o, "source"), "port", num(q, nfp_has(q, NFP_F_TCP_SPT) ? NFP_F_TCP_SPT : NFP_F_UDP_SPT));
	if (nfp_has(q, NFP_F_TCP_DPT) || nfp_has(q, NFP_F_UDP_DPT))
		put(lazy(&dst, o, "destination"), "port", num(q, nfp_has(q, NFP_F_TCP_DPT) ? NFP_F_TCP_DPT : NFP_F_UDP_DPT));
	if (transport_name(proto) != NULL)
		put(lazy(&net, o, "network"), "transport", fjson_object_new_string(transport_name(proto)));
	if (proto < 256) {
		char b[20];
		put(lazy(&net, o, "network"), "iana_number", nfp_json_str(b, nfp_format_dec(proto, b)));
	}
	put(o, "ttl", num(q, NFP_F_TTL));
	put(o, "id", num(q, NFP_F_IP_ID));
	put(o, "length", num(q, NFP_F_IP_LEN));
	return o;
}

static void ecs_str(void *ctx, const char *name, const char *s, size_t n)
{
	put((struct fjson_object *)ctx, name, nfp_json_str(s, n));
}

static void ecs_num(void *ctx, const char *name, uint64_t v)
{
	put((struct fjson_object *)ctx, name, fjson_object_new_int64((int64_t)v));
}

struct fjson_object *nfp_to_ecs(const struct nfp_record *rec, const char *line, const struct nfp_ecs_meta *m)
{
	return nfp_to_ecs_ex(rec, line, m, NULL);
}

/* one document being built: its record, the objects made on first use, and what several
 * sections read */
struct ecs {
	const struct nfp_record *rec;
	const struct nfp_pkt *p;
	const char *line;
	const struct nfp_ecs_meta *m;
	const struct nfp_extra *x;
	const struct nfp_resolution *res, *ok; /* any resolution; a resolved one */
	struct nfp_prefix_verdict vd;
	uint64_t proto;
	enum nfp_field sp, dp;                 /* the TCP or UDP ports */
	uint8_t eth[14];
	int have_eth;
	struct fjson_object *d, *src, *dst, *obs, *ing, *egr, *ingif, *egrif, *rule, *vlan;
};

static void ecs_event(struct ecs *c)
{
	const struct nfp_pkt *p = c->p;
	const struct nfp_ecs_meta *m = c->m;
	struct fjson_object *ev = fjson_object_new_object(), *types;
	nfp_prefix_verdict(c->line + p->v[NFP_F_PREFIX].s.off, nfp_has(p, NFP_F_PREFIX) ? p->v[NFP_F_PREFIX].s.len : 0, &c->vd);
	put(c->d, "event", ev);
	put(ev, "kind", fjson_object_new_string("event"));
	types = fjson_object_new_array();
	fjson_object_array_add(types, fjson_object_new_string("network"));
	put(ev, "category", types);
	types = fjson_object_new_array();
	if (c->vd.type)
		fjson_object_array_add(types, fjson_object_new_string(c->vd.type == 1 ? "allowed" : "denied"));
	fjson_object_array_add(types, fjson_object_new_string("connection"));
	put(ev, "type", types);
	if (c->vd.action[0]) {
		put(ev, "action", nfp_json_str(c->vd.action, strlen(c->vd.action)));
	} else if (c->ok != NULL) {
		/* the verdict the rule (or, for a LOG rule, the rule after it) gives */
		enum nfp_verdict v = c->ok->action != NULL ? (enum nfp_verdict)c->ok->action->verdict : c->ok->verdict;
		if (nfp_verdict_terminal(v) || v == NFP_V_RETURN)
			put(ev, "action", fjson_object_new_string(nfp_verdict_name(v)));
	}
	if (c->rec->type == NFP_TRACE)
		put(ev, "dataset", fjson_object_new_string("iptables.trace"));
	if (m != NULL && (m->digest != NULL || (m->timestamp != NULL && m->message != NULL))) {
		/* event.id: the record's identity (nfp_enrich.h), so that a record keeps its _id through
		 * every retry and replay (Elasticsearch answers a second "create" with 409, not a copy) */
		uint8_t h[20];
		char hex[40];
		if (m->digest != NULL)
			memcpy(h, m->digest, 20);
		else
			nfp_event_digest(m->hostname, m->hostname ? strlen(m->hostname) : 0, m->timestamp,
					 strlen(m->timestamp), m->message, m->message_len, h);
		for (int i = 0; i < 20; i++) {
			hex[2 * i] = "0123456789abcdef"[h[i] >> 4];
			hex[2 * i + 1] = "0123456789abcdef"[h[i] & 15];
		}
		put(ev, "id", fjson_object_new_string_len(hex, 40));
	}
}

/* source, destination, related: the IP header (or the ARP payload), ports and MACs */
static void ecs_endpoints(struct ecs *c)
{
	const struct nfp_pkt *p = c->p;
	struct fjson_object *rel = NULL;
	enum nfp_field fs = NFP_F_SRC, fdst = NFP_F_DST;
	if (!nfp_has(p, NFP_F_SRC) && nfp_has(p, NFP_F_ARP_IPSRC)) {
		fs = NFP_F_ARP_IPSRC;
		fdst = NFP_F_ARP_IPDST;
	}
	/* related.ip holds the same string objects as source.ip and destination.ip (one more
	 * reference each: a value rsyslog later sets or unsets in one place stays in the other) */
	if (nfp_has(p, fs)) {
		struct fjson_object *a = ip(&p->v[fs]);
		put(lazy(&c->src, c->d, "source"), "ip", a);
		rel = fjson_object_new_array();
		if (a != NULL)
			fjson_object_array_add(rel, fjson_object_get(a));
	}
	if (nfp_has(p, fdst)) {
		struct fjson_object *a = ip(&p->v[fdst]);
		put(lazy(&c->dst, c->d, "destination"), "ip", a);
		if (rel == NULL)
			rel = fjson_object_new_array();
		if (a != NULL && (!nfp_has(p, fs) || p->v[fs].ip.family != p->v[fdst].ip.family ||
				  memcmp(p->v[fs].ip.a, p->v[fdst].ip.a, p->v[fs].ip.family == 6 ? 16 : 4) != 0))
			fjson_object_array_add(rel, fjson_object_get(a));
	}
	if (rel != NULL) {
		struct fjson_object *r = fjson_object_new_object();
		put(c->d, "related", r);
		put(r, "ip", rel);
	}
	if (nfp_has(p, c->sp))
		put(lazy(&c->src, c->d, "source"), "port", num(p, c->sp));
	if (nfp_has(p, c->dp))
		put(lazy(&c->dst, c->d, "destination"), "port", num(p, c->dp));
	/* the decoded Ethernet header (MACSRC=/MACDST=), else the raw MAC= split */
	if (nfp_has(p, NFP_F_MACSRC))
		put(lazy(&c->src, c->d, "source"), "mac", ecs_mac(p->v[NFP_F_MACSRC].mac));
	else if (c->have_eth)
		put(lazy(&c->src, c->d, "source"), "mac", ecs_mac(c->eth + 6));
	if (nfp_has(p, NFP_F_MACDST))
		put(lazy(&c->dst, c->d, "destination"), "mac", ecs_mac(p->v[NFP_F_MACDST].mac));
	else if (c->have_eth)
		put(lazy(&c->dst, c->d, "destination"), "mac", ecs_mac(c->eth));
}

static void ecs_network(struct ecs *c)
{
	const struct nfp_pkt *p = c->p;
	struct fjson_object *net = fjson_object_new_object();
	char cid[NFP_CID_MAX];
	put(c->d, "network", net);
	if (transport_name(c->proto) != NULL)
		put(net, "transport", fjson_object_new_string(transport_name(c->proto)));
	if (c->proto < 256)
		put(net, "iana_number", nfp_json_str(cid, nfp_format_dec(c->proto, cid)));
	if (nfp_has(p, NFP_F_SRC))
		put(net, "type", fjson_object_new_string(p->v[NFP_F_SRC].ip.family == 6 ? "ipv6" : "ipv4"));
	if (nfp_has(p, NFP_F_SRC) && nfp_has(p, NFP_F_DST) && c->proto < 256) {
		struct nfp_flow fl = { .family = p->v[NFP_F_SRC].ip.family, .saddr = p->v[NFP_F_SRC].ip.a,
				       .daddr = p->v[NFP_F_DST].ip.a, .proto = (uint8_t)c->proto };
		if (nfp_has(p, c->sp) && nfp_has(p, c->dp)) {
			fl.has_ports = 1;
			fl.sport = (uint16_t)p->v[c->sp].u;
			fl.dport = (uint16_t)p->v[c->dp].u;
		} else if (nfp_has(p, NFP_F_ICMP_TYPE) && nfp_has(p, NFP_F_ICMP_CODE)) {
			fl.has_ports = 1;
			fl.sport = (uint16_t)p->v[NFP_F_ICMP_TYPE].u;
			fl.dport = (uint16_t)p->v[NFP_F_ICMP_CODE].u;
		}
		size_t cl = fl.family == p->v[NFP_F_DST].ip.family ? nfp_community_id(&fl, 0, 1, cid) : 0;
		if (cl > 0)
			put(net, "community_id", nfp_json_str(cid, cl));
	}
	if (nfp_has(p, NFP_F_VID))
		put(lazy(&c->vlan, net, "vlan"), "id", nfp_json_str(cid, nfp_format_dec(p->v[NFP_F_VID].u & 0xfff, cid)));
}

/* observer, and rule: the resolved rule, else what a vendor prefix names */
static void ecs_observer_rule(struct ecs *c)
{
	const struct nfp_pkt *p = c->p;
	const struct nfp_resolution *ok = c->ok;
	const char *line = c->line;
	if (c->m != NULL && c->m->hostname != NULL) {
		put(lazy(&c->obs, c->d, "observer"), "hostname", nfp_json_str(c->m->hostname, strlen(c->m->hostname)));
		put(c->obs, "name", nfp_json_str(c->m->hostname, strlen(c->m->hostname)));
	}
	if (nfp_has(p, NFP_F_IN) && p->v[NFP_F_IN].s.len > 0)
		put(lazy(&c->ingif, lazy(&c->ing, lazy(&c->obs, c->d, "observer"), "ingress"), "interface"), "name",
		    sl(line, p->v[NFP_F_IN].s));
	if (nfp_has(p, NFP_F_OUT) && p->v[NFP_F_OUT].s.len > 0)
		put(lazy(&c->egrif, lazy(&c->egr, lazy(&c->obs, c->d, "observer"), "egress"), "interface"), "name",
		    sl(line, p->v[NFP_F_OUT].s));
	if (ok != NULL && ok->chain != NULL) {
		const struct nfp_rs_table *t = &ok->rs->tables[ok->chain->table];
		char id[512];
		int n = snprintf(id, sizeof(id), "%.*s:%.*s:%u", (int)t->name.len, t->name.p, (int)ok->chain->name.len,
				 ok->chain->name.p, ok->number);
		c->rule = fjson_object_new_object();
		put(c->d, "rule", c->rule);
		put(c->rule, "id", nfp_json_str(id, n < (int)sizeof(id) ? (size_t)n : sizeof(id) - 1));
		put(c->rule, "name", nfp_json_str(ok->chain->name.p, ok->chain->name.len));
		put(c->rule, "ruleset", nfp_json_str(t->name.p, t->name.len));
		if (ok->text.len > 0)
			put(c->rule, "description", nfp_json_str(ok->text.p, ok->text.len));
	} else if (c->vd.rule_name != NULL)
		put(lazy(&c->rule, c->d, "rule"), "name", nfp_json_str(c->vd.rule_name, c->vd.rule_name_len));
	if (ok == NULL && c->vd.rule_id != NULL)
		put(lazy(&c->rule, c->d, "rule"), "id", nfp_json_str(c->vd.rule_id, c->vd.rule_id_len));
}

/* iptables.tcp, .udp, .icmp, .arp */
static void ecs_protocols(const struct ecs *c, struct fjson_object *ipt)
{
	const struct nfp_pkt *p = c->p;
	if (nfp_has(p, NFP_F_WINDOW) || nfp_has(p, NFP_F_TCP_FLAGS) || nfp_has(p, NFP_F_RES)) {
		struct fjson_object *t = fjson_object_new_object();
		put(ipt, "tcp", t);
		if (nfp_has(p, NFP_F_TCP_FLAGS))
			put(t, "flags", flag_list(NFP_F_TCP_FLAGS, p->v[NFP_F_TCP_FLAGS].u));
		put(t, "window", num(p, NFP_F_WINDOW));
		put(t, "reserved_bits", num(p, NFP_F_RES));
		put(t, "seq", num(p, NFP_F_TCP_SEQ));
		put(t, "ack", num(p, NFP_F_TCP_ACK));
		put(t, "urgent_pointer", num(p, NFP_F_URGP));
		if (nfp_has(p, NFP_F_TCP_OPT))
			put(t, "options", sl(c->line, p->v[NFP_F_TCP_OPT].s));
	}
	if (nfp_has(p, NFP_F_UDP_LEN)) {
		struct fjson_object *u = fjson_object_new_object();
		put(ipt, "udp", u);
		put(u, "length", num(p, NFP_F_UDP_LEN));
	}
	if (nfp_has(p, NFP_F_ICMP_TYPE)) {
		struct fjson_object *ic = fjson_object_new_object();
		put(ipt, "icmp", ic);
		put(ic, "type", num(p, NFP_F_ICMP_TYPE));
		put(ic, "code", num(p, NFP_F_ICMP_CODE));
		put(ic, "id", num(p, NFP_F_ICMP_ID));
		put(ic, "seq", num(p, NFP_F_ICMP_SEQ));
		put(ic, "parameter", num(p, nfp_has(p, NFP_F_PARAMETER) ? NFP_F_PARAMETER : NFP_F_POINTER));
		if (nfp_has(p, NFP_F_GATEWAY))
			put(ic, "redirect", ip(&p->v[NFP_F_GATEWAY]));
		put(ic, "mtu", num(p, NFP_F_MTU));
		if (c->rec->depth_seen)
			put(ic, "inner", inner_doc(&c->rec->pkt[1]));
	}
	if (nfp_has(p, NFP_F_HTYPE)) {
		struct fjson_object *a = fjson_object_new_object();
		put(ipt, "arp", a);
		put(a, "htype", num(p, NFP_F_HTYPE));
		put(a, "ptype", num(p, NFP_F_PTYPE));
		put(a, "opcode", num(p, NFP_F_OPCODE));
		if (nfp_has(p, NFP_F_ARP_MACSRC))
			put(a, "sender_mac", ecs_mac(p->v[NFP_F_ARP_MACSRC].mac));
		if (nfp_has(p, NFP_F_ARP_MACDST))
			put(a, "target_mac", ecs_mac(p->v[NFP_F_ARP_MACDST].mac));
	}
}

/* iptables.trace: a trace step and its walk's trace.packet */
static void ecs_trace(const struct ecs *c, struct fjson_object *ipt)
{
	const struct nfp_pkt *p = c->p;
	const char *line = c->line;
	struct fjson_object *t = fjson_object_new_object();
	char id[NFP_PKTID_MAX];
	put(ipt, "trace", t);
	if (nfp_has(p, NFP_F_TRACE_TABLE)) /* monitors' packet lines have none */
		put(t, "table", sl(line, p->v[NFP_F_TRACE_TABLE].s));
	if (nfp_has(p, NFP_F_TRACE_CHAIN))
		put(t, "chain", sl(line, p->v[NFP_F_TRACE_CHAIN].s));
	put(t, "type", fjson_object_new_string(nfp_words[p->v[NFP_F_TRACE_TYPE].u]));
	put(t, "rule_number", num(p, NFP_F_TRACE_RULE));
	if (nfp_has(p, NFP_F_TRACE_SOURCE))
		put(t, "source", fjson_object_new_string(nfp_words[p->v[NFP_F_TRACE_SOURCE].u]));
	if (nfp_has(p, NFP_F_TRACE_FAMILY))
		put(t, "family", fjson_object_new_string(nfp_words[p->v[NFP_F_TRACE_FAMILY].u]));
	put(t, "handle", num(p, NFP_F_TRACE_HANDLE));
	if (nfp_has(p, NFP_F_TRACE_VERDICT))
		put(t, "verdict", sl(line, p->v[NFP_F_TRACE_VERDICT].s));
	if (nfp_has(p, NFP_F_TRACE_TEXT))
		put(t, "rule_text", sl(line, p->v[NFP_F_TRACE_TEXT].s));
	size_t idn = nfp_packet_id(c->rec, line, c->x ? c->x->host : NULL, c->x ? c->x->hostlen : 0, id);
	put(t, "packet", nfp_json_str(id, idn));
}

/* iptables.ubiquiti, and the zones an EdgeOS/VyOS rule set name gives */
static void ecs_ubiquiti(struct ecs *c, struct fjson_object *ipt)
{
	const struct nfp_prefix_verdict *vd = &c->vd;
	struct fjson_object *u = fjson_object_new_object();
	put(ipt, "ubiquiti", u);
	put(u, "rule_set", nfp_json_str(vd->rule_name, vd->rule_name_len));
	put(u, "rule_number", nfp_json_str(vd->rule_id, vd->rule_id_len));
	if (vd->zone_split) {
		/* "<in>-<out>": the zones, for Elastic's names and ECS's */
		const char *in = vd->rule_name, *out = vd->rule_name + vd->zone_split + 1;
		int inl = (int)vd->zone_split, outl = (int)(vd->rule_name_len - vd->zone_split - 1);
		put(u, "input_zone", nfp_json_str(in, inl));
		put(u, "output_zone", nfp_json_str(out, outl));
		put(lazy(&c->ing, lazy(&c->obs, c->d, "observer"), "ingress"), "zone", nfp_json_str(in, inl));
		put(lazy(&c->egr, lazy(&c->obs, c->d, "observer"), "egress"), "zone", nfp_json_str(out, outl));
	}
}

/* iptables.*: Elastic's names first, then ours */
static void ecs_iptables(struct ecs *c)
{
	const struct nfp_pkt *p = c->p;
	const char *line = c->line;
	struct fjson_object *ipt = fjson_object_new_object();
	put(c->d, "iptables", ipt);
	if (nfp_has(p, NFP_F_PREFIX)) {
		struct nfp_slice ps = p->v[NFP_F_PREFIX].s;
		while (ps.len > 0 && line[ps.off + ps.len - 1] == ' ')
			ps.len--;
		if (ps.len > 0)
			put(ipt, "prefix", sl(line, ps));
	}
	if (nfp_has(p, NFP_F_IN))
		put(ipt, "input_device", sl(line, p->v[NFP_F_IN].s));
	if (nfp_has(p, NFP_F_OUT))
		put(ipt, "output_device", sl(line, p->v[NFP_F_OUT].s));
	if (nfp_has(p, NFP_F_PHYSIN))
		put(ipt, "physical_input_device", sl(line, p->v[NFP_F_PHYSIN].s));
	if (nfp_has(p, NFP_F_PHYSOUT))
		put(ipt, "physical_output_device", sl(line, p->v[NFP_F_PHYSOUT].s));
	if (nfp_has(p, NFP_F_MACPROTO))
		put(ipt, "ether_type", num(p, NFP_F_MACPROTO));
	else if (c->have_eth)
		put(ipt, "ether_type", fjson_object_new_int(c->eth[12] << 8 | c->eth[13]));
	put(ipt, "length", num(p, NFP_F_IP_LEN));
	/* Elastic's names for the IPv6 traffic class and hop limit too */
	put(ipt, "tos", num(p, nfp_has(p, NFP_F_TOS) ? NFP_F_TOS : NFP_F_TC));
	put(ipt, "precedence_bits", num(p, NFP_F_PREC));
	put(ipt, "ttl", num(p, nfp_has(p, NFP_F_TTL) ? NFP_F_TTL : NFP_F_HOPLIMIT));
	put(ipt, "id", num(p, NFP_F_IP_ID));
	if (nfp_has(p, NFP_F_IP_FLAGS))
		put(ipt, "fragment_flags", flag_list(NFP_F_IP_FLAGS, p->v[NFP_F_IP_FLAGS].u));
	put(ipt, "fragment_offset", num(p, NFP_F_FRAG));
	put(ipt, "flow_label", num(p, NFP_F_FLOWLBL));
	ecs_protocols(c, ipt);
	put(ipt, "incomplete_bytes", num(p, NFP_F_INCOMPLETE));
	put(ipt, "spi", num(p, nfp_has(p, NFP_F_ESP_SPI) ? NFP_F_ESP_SPI : NFP_F_AH_SPI));
	put(ipt, "uid", num(p, NFP_F_UID));
	put(ipt, "gid", num(p, NFP_F_GID));
	put(ipt, "mark", num(p, NFP_F_MARK));
	if (c->rec->type == NFP_TRACE)
		ecs_trace(c, ipt);
	if (c->res != NULL) {
		struct fjson_object *r = fjson_object_new_object();
		struct nfp_rule_sink k = { ecs_str, ecs_num, r };
		put(ipt, "rule", r);
		nfp_rule_members(c->res, &k);
	}
	if (c->vd.ubnt)
		ecs_ubiquiti(c, ipt);
	if (c->rec->flags & NFP_R_TRUNCATED)
		put(ipt, "truncated", fjson_object_new_boolean(1));
	if (nfp_json_repaired()) /* a string of this document was written with U+FFFD */
		put(ipt, "utf8_repaired", fjson_object_new_boolean(1));
	if (c->rec->type == NFP_FRAGMENT)
		put(ipt, "fragment_of_line", fjson_object_new_boolean(1));
}

struct fjson_object *nfp_to_ecs_ex(const struct nfp_record *rec, const char *line, const struct nfp_ecs_meta *m,
				   const struct nfp_extra *x)
{
	const struct nfp_pkt *p = &rec->pkt[0];
	struct ecs c = { .rec = rec, .p = p, .line = line, .m = m, .x = x };
	struct fjson_object *ecs;

	if (rec->type == NFP_NONE || (c.d = fjson_object_new_object()) == NULL)
		return NULL;
	c.res = x != NULL && x->res != NULL && x->res->status != NFP_RES_NONE ? x->res : NULL;
	c.ok = c.res != NULL && c.res->status == NFP_RES_RESOLVED ? c.res : NULL;
	c.proto = nfp_has(p, NFP_F_PROTO) ? p->v[NFP_F_PROTO].u : 256;
	c.sp = nfp_has(p, NFP_F_TCP_SPT) ? NFP_F_TCP_SPT : NFP_F_UDP_SPT;
	c.dp = nfp_has(p, NFP_F_TCP_DPT) ? NFP_F_TCP_DPT : NFP_F_UDP_DPT;
	c.have_eth = nfp_has(p, NFP_F_MAC) && nfp_mac_ether(line + p->v[NFP_F_MAC].s.off, p->v[NFP_F_MAC].s.len, c.eth);
	nfp_json_repaired_reset();
	if (m != NULL && m->timestamp != NULL)
		put(c.d, "@timestamp", fjson_object_new_string(m->timestamp));
	if (m != NULL && m->message != NULL)
		put(c.d, "message", nfp_json_str(m->message, m->message_len));
	ecs = fjson_object_new_object();
	put(c.d, "ecs", ecs);
	put(ecs, "version", fjson_object_new_string(ECS_VERSION));
	ecs_event(&c);
	ecs_endpoints(&c);
	ecs_network(&c);
	ecs_observer_rule(&c);
	ecs_iptables(&c);
	return c.d;
}
