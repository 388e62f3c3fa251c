/* ECS schema emitter: one parsed record -> an Elastic Common Schema 8 document, with
 * Elastic's iptables integration's iptables.* names for what ECS has no field for, and the
 * same namespace for what that integration drops. Built from the same record as the native
 * schema; the message's time, host and text come from the caller (rsyslog or nfparse).
 * Written into a sink (sink.h) in the order the document is printed: a tree for rsyslog, or
 * text. It renders the record and the facts the enrich stage found for it (what the prefix
 * says happened, Community ID, identity, trace.packet); each object is opened only where it
 * has a member. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "emit/nfp_json.h"
#include "emit/sink.h"
#include "parse/parse_int.h"

#define ECS_VERSION "8.16.0"

/* ECS MAC form: upper case, dash separated */
static void mac(struct nfp_sink *k, const char *name, const uint8_t m[6])
{
	static const char hx[] = "0123456789ABCDEF";
	char b[17];
	for (int i = 0; i < 6; i++) {
		b[3 * i] = hx[m[i] >> 4];
		b[3 * i + 1] = hx[m[i] & 15];
		if (i < 5)
			b[3 * i + 2] = '-';
	}
	nfp_sink_str(k, name, b, 17);
}

static void ip(struct nfp_sink *k, const char *name, const union nfp_value *v)
{
	char b[NFP_IPSTR_MAX];
	nfp_sink_str(k, name, b, nfp_format_ip(v->ip.family, v->ip.a, b));
}

static void sl(struct nfp_sink *k, const char *name, const char *line, struct nfp_slice s)
{
	nfp_sink_str(k, name, line + s.off, s.len);
}

static void word(struct nfp_sink *k, const char *name, const char *w)
{
	nfp_sink_str(k, name, w, strlen(w));
}

/* a number field, where the record has it */
static void num(struct nfp_sink *k, const char *name, const struct nfp_pkt *p, enum nfp_field f)
{
	if (nfp_has(p, f))
		nfp_sink_num(k, name, (int64_t)p->v[f].u);
}

/* a decimal as a string (ECS keyword fields) */
static void dec(struct nfp_sink *k, const char *name, uint64_t v)
{
	char b[20];
	nfp_sink_str(k, name, b, nfp_format_dec(v, b));
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

static void flag_list(struct nfp_sink *k, const char *name, enum nfp_field f, uint64_t bits)
{
	nfp_sink_array(k, name);
	for (unsigned i = 0; i < nfp_nflags; i++)
		if (nfp_flags[i].field == f && (bits >> nfp_flags[i].bit & 1u))
			nfp_sink_str(k, NULL, nfp_flags[i].word, nfp_flags[i].len);
	nfp_sink_close(k);
}

/* one document: its record, and what several parts read */
struct ecs {
	struct nfp_sink *k;
	const struct nfp_record *rec;
	const struct nfp_pkt *p;
	const char *line;
	const struct nfp_ecs_meta *m;
	const struct nfp_extra *x;
	const struct nfp_resolution *res, *ok; /* any resolution; a resolved one */
	const struct nfp_facts *fx;            /* the enrich stage's */
	struct nfp_prefix_verdict vd;
	uint64_t proto;
	enum nfp_field sp, dp;                 /* the TCP or UDP ports */
	enum nfp_field fs, fdst;               /* the addresses: IP header, or the ARP payload */
	uint8_t eth[14];
	int have_eth;
};

/* source or destination of packet p: address, port, MAC (mac_or_null: the decoded one, or the
 * raw MAC= split, or none) */
static void endpoint(struct nfp_sink *k, const struct nfp_pkt *p, const char *name, enum nfp_field a, enum nfp_field port,
		     const uint8_t *mac_or_null)
{
	if (!nfp_has(p, a) && !nfp_has(p, port) && mac_or_null == NULL)
		return;
	nfp_sink_open(k, name);
	if (nfp_has(p, a))
		ip(k, "ip", &p->v[a]);
	num(k, "port", p, port);
	if (mac_or_null != NULL)
		mac(k, "mac", mac_or_null);
	nfp_sink_close(k);
}

/* the quoted packet of an ICMP error, in ECS terms (no Community ID: it is not the flow) */
static void inner_doc(struct nfp_sink *k, const struct nfp_pkt *q)
{
	uint64_t proto = nfp_has(q, NFP_F_PROTO) ? q->v[NFP_F_PROTO].u : 256;
	enum nfp_field sp = nfp_has(q, NFP_F_TCP_SPT) ? NFP_F_TCP_SPT : NFP_F_UDP_SPT;
	enum nfp_field dp = nfp_has(q, NFP_F_TCP_DPT) ? NFP_F_TCP_DPT : NFP_F_UDP_DPT;
	nfp_sink_open(k, "inner");
	endpoint(k, q, "source", NFP_F_SRC, sp, NULL);
	endpoint(k, q, "destination", NFP_F_DST, dp, NULL);
	if (transport_name(proto) != NULL || proto < 256) {
		nfp_sink_open(k, "network");
		if (transport_name(proto) != NULL)
			word(k, "transport", transport_name(proto));
		if (proto < 256)
			dec(k, "iana_number", proto);
		nfp_sink_close(k);
	}
	num(k, "ttl", q, NFP_F_TTL);
	num(k, "id", q, NFP_F_IP_ID);
	num(k, "length", q, NFP_F_IP_LEN);
	nfp_sink_close(k);
}

static void ecs_event(struct ecs *c)
{
	struct nfp_sink *k = c->k;
	nfp_sink_open(k, "event");
	word(k, "kind", "event");
	nfp_sink_array(k, "category");
	word(k, NULL, "network");
	nfp_sink_close(k);
	nfp_sink_array(k, "type");
	if (c->vd.type)
		word(k, NULL, c->vd.type == 1 ? "allowed" : "denied");
	word(k, NULL, "connection");
	nfp_sink_close(k);
	if (c->vd.action[0]) {
		word(k, "action", c->vd.action);
	} else if (c->res != NULL && c->res->outcome != NFP_V_NONE) {
		/* a LOG record: the fate the rules after it decide (also when several rules could
		 * have logged it and all lead there) */
		word(k, "action", nfp_verdict_name(c->res->outcome));
	} else if (c->ok != NULL) {
		/* the verdict the rule (or, for a LOG rule, the rule after it) gives */
		enum nfp_verdict v = c->ok->action != NULL ? (enum nfp_verdict)c->ok->action->verdict : c->ok->verdict;
		if (nfp_verdict_terminal(v) || v == NFP_V_RETURN)
			word(k, "action", nfp_verdict_name(v));
	}
	if (c->rec->type == NFP_TRACE)
		word(k, "dataset", "iptables.trace");
	if (c->fx->has_event_id) /* the record's identity: its _id through every retry and replay */
		nfp_sink_str(k, "id", c->fx->event_id, 40);
	nfp_sink_close(k);
}

/* source, destination, related */
static void ecs_endpoints(struct ecs *c)
{
	const struct nfp_pkt *p = c->p;
	struct nfp_sink *k = c->k;
	/* the decoded Ethernet header (MACSRC=/MACDST=), else the raw MAC= split */
	endpoint(k, p, "source", c->fs, c->sp,
		 nfp_has(p, NFP_F_MACSRC) ? p->v[NFP_F_MACSRC].mac : c->have_eth ? c->eth + 6 : NULL);
	endpoint(k, p, "destination", c->fdst, c->dp,
		 nfp_has(p, NFP_F_MACDST) ? p->v[NFP_F_MACDST].mac : c->have_eth ? c->eth : NULL);
	if (nfp_has(p, c->fs) || nfp_has(p, c->fdst)) {
		nfp_sink_open(k, "related");
		nfp_sink_array(k, "ip");
		if (nfp_has(p, c->fs))
			ip(k, NULL, &p->v[c->fs]);
		if (nfp_has(p, c->fdst) &&
		    (!nfp_has(p, c->fs) || p->v[c->fs].ip.family != p->v[c->fdst].ip.family ||
		     memcmp(p->v[c->fs].ip.a, p->v[c->fdst].ip.a, p->v[c->fs].ip.family == 6 ? 16 : 4) != 0))
			ip(k, NULL, &p->v[c->fdst]);
		nfp_sink_close(k);
		nfp_sink_close(k);
	}
}

static void ecs_network(struct ecs *c)
{
	const struct nfp_pkt *p = c->p;
	struct nfp_sink *k = c->k;
	nfp_sink_open(k, "network");
	if (transport_name(c->proto) != NULL)
		word(k, "transport", transport_name(c->proto));
	if (c->proto < 256)
		dec(k, "iana_number", c->proto);
	if (nfp_has(p, NFP_F_SRC))
		word(k, "type", p->v[NFP_F_SRC].ip.family == 6 ? "ipv6" : "ipv4");
	if (c->fx->community_id_len > 0)
		nfp_sink_str(k, "community_id", c->fx->community_id, c->fx->community_id_len);
	if (nfp_has(p, NFP_F_VID)) {
		nfp_sink_open(k, "vlan");
		dec(k, "id", p->v[NFP_F_VID].u & 0xfff);
		nfp_sink_close(k);
	}
	nfp_sink_close(k);
}

/* observer.ingress / .egress: the interface, and the zone an EdgeOS/VyOS rule set names */
static void direction(struct ecs *c, const char *name, enum nfp_field dev, const char *zone, int zlen)
{
	const struct nfp_pkt *p = c->p;
	struct nfp_sink *k = c->k;
	int has_dev = nfp_has(p, dev) && p->v[dev].s.len > 0;
	if (!has_dev && zone == NULL)
		return;
	nfp_sink_open(k, name);
	if (has_dev) {
		nfp_sink_open(k, "interface");
		sl(k, "name", c->line, p->v[dev].s);
		nfp_sink_close(k);
	}
	if (zone != NULL)
		nfp_sink_str(k, "zone", zone, (size_t)zlen);
	nfp_sink_close(k);
}

static void ecs_observer(struct ecs *c)
{
	const struct nfp_pkt *p = c->p;
	const struct nfp_prefix_verdict *vd = &c->vd;
	struct nfp_sink *k = c->k;
	const char *host = c->m != NULL ? c->m->hostname : NULL;
	const char *in = NULL, *out = NULL;
	int inl = 0, outl = 0;
	if (vd->zone_in != NULL && vd->zone_out != NULL) {
		in = vd->zone_in, out = vd->zone_out;
		inl = (int)vd->zone_in_len, outl = (int)vd->zone_out_len;
	}
	if (host == NULL && in == NULL && !(nfp_has(p, NFP_F_IN) && p->v[NFP_F_IN].s.len > 0) &&
	    !(nfp_has(p, NFP_F_OUT) && p->v[NFP_F_OUT].s.len > 0))
		return;
	nfp_sink_open(k, "observer");
	if (host != NULL) {
		word(k, "hostname", host);
		word(k, "name", host);
	}
	direction(c, "ingress", NFP_F_IN, in, inl);
	direction(c, "egress", NFP_F_OUT, out, outl);
	nfp_sink_close(k);
}

/* rule: the resolved rule, else what a vendor prefix names */
static void ecs_rule(struct ecs *c)
{
	const struct nfp_resolution *ok = c->ok;
	struct nfp_sink *k = c->k;
	if (ok != NULL && ok->chain != NULL) {
		const struct nfp_rs_table *t = &ok->rs->tables[ok->chain->table];
		char id[512];
		int n = snprintf(id, sizeof(id), "%.*s:%.*s:%u", (int)t->name.len, t->name.p, (int)ok->chain->name.len,
				 ok->chain->name.p, ok->number);
		nfp_sink_open(k, "rule");
		nfp_sink_str(k, "id", id, n < (int)sizeof(id) ? (size_t)n : sizeof(id) - 1);
		nfp_sink_str(k, "name", ok->chain->name.p, ok->chain->name.len);
		nfp_sink_str(k, "ruleset", t->name.p, t->name.len);
		if (ok->text.len > 0)
			nfp_sink_str(k, "description", ok->text.p, ok->text.len);
		nfp_sink_close(k);
	} else if (c->vd.rule_name != NULL || (ok == NULL && c->vd.rule_id != NULL) || c->vd.ruleset != NULL) {
		nfp_sink_open(k, "rule");
		if (c->vd.rule_name != NULL)
			nfp_sink_str(k, "name", c->vd.rule_name, c->vd.rule_name_len);
		if (ok == NULL && c->vd.rule_id != NULL)
			nfp_sink_str(k, "id", c->vd.rule_id, c->vd.rule_id_len);
		if (c->vd.ruleset != NULL)
			nfp_sink_str(k, "ruleset", c->vd.ruleset, c->vd.ruleset_len);
		nfp_sink_close(k);
	}
	if (c->vd.ntags > 0) { /* a site's prefix rule's tags */
		nfp_sink_array(k, "tags");
		for (unsigned t = 0; t < c->vd.ntags; t++)
			nfp_sink_str(k, NULL, c->vd.tags[t], c->vd.tag_len[t]);
		nfp_sink_close(k);
	}
}

/* The iptables.* namespace as data: Elastic's names first, then ours; one row per member, in
 * the order they are written, nested objects as runs of rows with their object's name. A row
 * takes the first of its fields the record has (ALT: IPv6's name for the same thing); an object
 * is written where its OPEN fields (a mask of NFP_F_*, at most 3) show the header was printed. */
enum ecs_kind { E_NUM, E_STR, E_FLAGS, E_IP, E_MAC, E_ETHERTYPE, E_INNER };
static const struct ecs_row {
	const char *object;          /* NULL: iptables itself */
	const char *name;
	unsigned char kind;          /* enum ecs_kind */
	unsigned short f, alt;       /* NFP_F_*; alt 0: none */
} ipt_rows[] = {
	{ NULL, "input_device", E_STR, NFP_F_IN, 0 },
	{ NULL, "output_device", E_STR, NFP_F_OUT, 0 },
	{ NULL, "physical_input_device", E_STR, NFP_F_PHYSIN, 0 },
	{ NULL, "physical_output_device", E_STR, NFP_F_PHYSOUT, 0 },
	{ NULL, "ether_type", E_ETHERTYPE, NFP_F_MACPROTO, 0 }, /* else the raw MAC='s */
	{ NULL, "length", E_NUM, NFP_F_IP_LEN, 0 },
	{ NULL, "tos", E_NUM, NFP_F_TOS, NFP_F_TC }, /* Elastic's names for IPv6's traffic class, hop limit */
	{ NULL, "precedence_bits", E_NUM, NFP_F_PREC, 0 },
	{ NULL, "ttl", E_NUM, NFP_F_TTL, NFP_F_HOPLIMIT },
	{ NULL, "id", E_NUM, NFP_F_IP_ID, 0 },
	{ NULL, "fragment_flags", E_FLAGS, NFP_F_IP_FLAGS, 0 },
	{ NULL, "fragment_offset", E_NUM, NFP_F_FRAG, 0 },
	{ NULL, "flow_label", E_NUM, NFP_F_FLOWLBL, 0 },
	{ "tcp", "flags", E_FLAGS, NFP_F_TCP_FLAGS, 0 },
	{ "tcp", "window", E_NUM, NFP_F_WINDOW, 0 },
	{ "tcp", "reserved_bits", E_NUM, NFP_F_RES, 0 },
	{ "tcp", "seq", E_NUM, NFP_F_TCP_SEQ, 0 },
	{ "tcp", "ack", E_NUM, NFP_F_TCP_ACK, 0 },
	{ "tcp", "urgent_pointer", E_NUM, NFP_F_URGP, 0 },
	{ "tcp", "options", E_STR, NFP_F_TCP_OPT, 0 },
	{ "udp", "length", E_NUM, NFP_F_UDP_LEN, 0 },
	{ "icmp", "type", E_NUM, NFP_F_ICMP_TYPE, 0 },
	{ "icmp", "code", E_NUM, NFP_F_ICMP_CODE, 0 },
	{ "icmp", "id", E_NUM, NFP_F_ICMP_ID, 0 },
	{ "icmp", "seq", E_NUM, NFP_F_ICMP_SEQ, 0 },
	{ "icmp", "parameter", E_NUM, NFP_F_PARAMETER, NFP_F_POINTER },
	{ "icmp", "redirect", E_IP, NFP_F_GATEWAY, 0 },
	{ "icmp", "mtu", E_NUM, NFP_F_MTU, 0 },
	{ "icmp", "inner", E_INNER, 0, 0 },       /* the quoted packet of an ICMP error */
	{ "arp", "htype", E_NUM, NFP_F_HTYPE, 0 },
	{ "arp", "ptype", E_NUM, NFP_F_PTYPE, 0 },
	{ "arp", "opcode", E_NUM, NFP_F_OPCODE, 0 },
	{ "arp", "sender_mac", E_MAC, NFP_F_ARP_MACSRC, 0 },
	{ "arp", "target_mac", E_MAC, NFP_F_ARP_MACDST, 0 },
	{ NULL, "incomplete_bytes", E_NUM, NFP_F_INCOMPLETE, 0 },
	{ NULL, "spi", E_NUM, NFP_F_ESP_SPI, NFP_F_AH_SPI },
	{ NULL, "uid", E_NUM, NFP_F_UID, 0 },
	{ NULL, "gid", E_NUM, NFP_F_GID, 0 },
	{ NULL, "mark", E_NUM, NFP_F_MARK, 0 },
};

/* the fields whose presence writes a nested object (what printed the header) */
static const struct {
	const char *object;
	unsigned short open[3];
} ipt_objects[] = {
	{ "tcp", { NFP_F_WINDOW, NFP_F_TCP_FLAGS, NFP_F_RES } },
	{ "udp", { NFP_F_UDP_LEN, NFP_F_UDP_LEN, NFP_F_UDP_LEN } },
	{ "icmp", { NFP_F_ICMP_TYPE, NFP_F_ICMP_TYPE, NFP_F_ICMP_TYPE } },
	{ "arp", { NFP_F_HTYPE, NFP_F_HTYPE, NFP_F_HTYPE } },
};

static int object_shown(const struct nfp_pkt *p, const char *object)
{
	for (size_t i = 0; i < sizeof(ipt_objects) / sizeof(ipt_objects[0]); i++)
		if (strcmp(ipt_objects[i].object, object) == 0)
			return nfp_has(p, ipt_objects[i].open[0]) || nfp_has(p, ipt_objects[i].open[1]) ||
			       nfp_has(p, ipt_objects[i].open[2]);
	return 0;
}

/* one row of ipt_rows, if the record has what it names */
static void ipt_row(const struct ecs *c, const struct ecs_row *r)
{
	const struct nfp_pkt *p = c->p;
	struct nfp_sink *k = c->k;
	enum nfp_field f = (enum nfp_field)(r->alt != 0 && !nfp_has(p, (enum nfp_field)r->f) ? r->alt : r->f);
	if (r->kind == E_INNER) {
		if (c->rec->depth_seen)
			inner_doc(k, &c->rec->pkt[1]);
		return;
	}
	if (r->kind == E_ETHERTYPE && !nfp_has(p, f)) {
		if (c->have_eth)
			nfp_sink_num(k, r->name, c->eth[12] << 8 | c->eth[13]);
		return;
	}
	if (!nfp_has(p, f))
		return;
	switch ((enum ecs_kind)r->kind) {
	case E_NUM:
	case E_ETHERTYPE: nfp_sink_num(k, r->name, (int64_t)p->v[f].u); break;
	case E_STR: sl(k, r->name, c->line, p->v[f].s); break;
	case E_FLAGS: flag_list(k, r->name, f, p->v[f].u); break;
	case E_IP: ip(k, r->name, &p->v[f]); break;
	case E_MAC: mac(k, r->name, p->v[f].mac); break;
	case E_INNER: break;
	}
}

/* the rows of ipt_rows, nested objects opened where the record shows their header */
static void ipt_table(const struct ecs *c)
{
	const char *open = NULL;
	int shown = 0;
	for (size_t i = 0; i < sizeof(ipt_rows) / sizeof(ipt_rows[0]); i++) {
		const struct ecs_row *r = &ipt_rows[i];
		if (r->object != open && (r->object == NULL || open == NULL || strcmp(r->object, open) != 0)) {
			if (open != NULL && shown)
				nfp_sink_close(c->k);
			open = r->object;
			shown = open != NULL && object_shown(c->p, open);
			if (shown)
				nfp_sink_open(c->k, open);
		}
		if (open == NULL || shown)
			ipt_row(c, r);
	}
	if (open != NULL && shown)
		nfp_sink_close(c->k);
}

/* iptables.trace: a trace step and its walk's trace.packet */
static void ecs_trace(const struct ecs *c)
{
	const struct nfp_pkt *p = c->p;
	const char *line = c->line;
	struct nfp_sink *k = c->k;
	nfp_sink_open(k, "trace");
	if (nfp_has(p, NFP_F_TRACE_TABLE)) /* monitors' packet lines have none */
		sl(k, "table", line, p->v[NFP_F_TRACE_TABLE].s);
	if (nfp_has(p, NFP_F_TRACE_CHAIN))
		sl(k, "chain", line, p->v[NFP_F_TRACE_CHAIN].s);
	word(k, "type", nfp_words[p->v[NFP_F_TRACE_TYPE].u]);
	num(k, "rule_number", p, NFP_F_TRACE_RULE);
	if (nfp_has(p, NFP_F_TRACE_SOURCE))
		word(k, "source", nfp_words[p->v[NFP_F_TRACE_SOURCE].u]);
	if (nfp_has(p, NFP_F_TRACE_FAMILY))
		word(k, "family", nfp_words[p->v[NFP_F_TRACE_FAMILY].u]);
	num(k, "handle", p, NFP_F_TRACE_HANDLE);
	if (nfp_has(p, NFP_F_TRACE_VERDICT))
		sl(k, "verdict", line, p->v[NFP_F_TRACE_VERDICT].s);
	if (nfp_has(p, NFP_F_TRACE_TEXT))
		sl(k, "rule_text", line, p->v[NFP_F_TRACE_TEXT].s);
	nfp_sink_str(k, "packet", c->fx->packet, c->fx->packet_len);
	nfp_sink_close(k);
}

/* iptables.ubiquiti: an EdgeOS/VyOS rule set, number and zones */
static void ecs_ubiquiti(const struct ecs *c)
{
	const struct nfp_prefix_verdict *vd = &c->vd;
	struct nfp_sink *k = c->k;
	nfp_sink_open(k, "ubiquiti");
	nfp_sink_str(k, "rule_set", vd->rule_name, vd->rule_name_len);
	nfp_sink_str(k, "rule_number", vd->rule_id, vd->rule_id_len);
	if (vd->zone_in != NULL)
		nfp_sink_str(k, "input_zone", vd->zone_in, vd->zone_in_len);
	if (vd->zone_out != NULL)
		nfp_sink_str(k, "output_zone", vd->zone_out, vd->zone_out_len);
	nfp_sink_close(k);
}

/* iptables.*: Elastic's names first, then ours */
static void ecs_iptables(const struct ecs *c)
{
	const struct nfp_pkt *p = c->p;
	const char *line = c->line;
	struct nfp_sink *k = c->k;
	nfp_sink_open(k, "iptables");
	if (nfp_has(p, NFP_F_PREFIX)) {
		struct nfp_slice ps = p->v[NFP_F_PREFIX].s;
		while (ps.len > 0 && line[ps.off + ps.len - 1] == ' ')
			ps.len--;
		if (ps.len > 0)
			sl(k, "prefix", line, ps);
	}
	ipt_table(c);
	if (c->rec->type == NFP_TRACE)
		ecs_trace(c);
	if (c->res != NULL) {
		nfp_sink_open(k, "rule");
		nfp_rule_members(c->res, k);
		nfp_sink_close(k);
	}
	if (c->vd.ubnt)
		ecs_ubiquiti(c);
	if (c->rec->flags & NFP_R_TRUNCATED)
		nfp_sink_yes(k, "truncated");
	if (k->repaired) /* a string of this document was written with U+FFFD */
		nfp_sink_yes(k, "utf8_repaired");
	if (c->rec->type == NFP_FRAGMENT)
		nfp_sink_yes(k, "fragment_of_line");
	nfp_sink_close(k);
}

int nfp_ecs(struct nfp_sink *k, const struct nfp_record *rec, const char *line, const struct nfp_ecs_meta *m,
	    const struct nfp_extra *x, const struct nfp_facts *fx)
{
	const struct nfp_pkt *p = &rec->pkt[0];
	struct ecs c = { .k = k, .rec = rec, .p = p, .line = line, .m = m, .x = x, .fx = fx, .vd = fx->prefix };

	if (rec->type == NFP_NONE)
		return 0;
	c.res = x != NULL && x->res != NULL && x->res->status != NFP_RES_NONE ? x->res : NULL;
	c.ok = c.res != NULL && c.res->status == NFP_RES_RESOLVED ? c.res : NULL;
	c.proto = nfp_has(p, NFP_F_PROTO) ? p->v[NFP_F_PROTO].u : 256;
	c.sp = nfp_has(p, NFP_F_TCP_SPT) ? NFP_F_TCP_SPT : NFP_F_UDP_SPT;
	c.dp = nfp_has(p, NFP_F_TCP_DPT) ? NFP_F_TCP_DPT : NFP_F_UDP_DPT;
	c.fs = NFP_F_SRC, c.fdst = NFP_F_DST;
	if (!nfp_has(p, NFP_F_SRC) && nfp_has(p, NFP_F_ARP_IPSRC))
		c.fs = NFP_F_ARP_IPSRC, c.fdst = NFP_F_ARP_IPDST;
	c.have_eth = nfp_has(p, NFP_F_MAC) && nfp_mac_ether(line + p->v[NFP_F_MAC].s.off, p->v[NFP_F_MAC].s.len, c.eth);
	nfp_sink_open(k, NULL);
	if (m != NULL && m->timestamp != NULL)
		word(k, "@timestamp", m->timestamp);
	if (m != NULL && m->message != NULL)
		nfp_sink_str(k, "message", m->message, m->message_len);
	nfp_sink_open(k, "ecs");
	word(k, "version", ECS_VERSION);
	nfp_sink_close(k);
	ecs_event(&c);
	ecs_endpoints(&c);
	ecs_network(&c);
	ecs_observer(&c);
	ecs_rule(&c);
	ecs_iptables(&c);
	nfp_sink_close(k);
	return 1;
}

struct fjson_object *nfp_to_ecs(const struct nfp_record *rec, const char *line, const struct nfp_ecs_meta *m)
{
	return nfp_to_ecs_ex(rec, line, m, NULL);
}

struct fjson_object *nfp_to_ecs_ex(const struct nfp_record *rec, const char *line, const struct nfp_ecs_meta *m,
				   const struct nfp_extra *x)
{
	struct nfp_sink k;
	nfp_sink_tree(&k);
	return nfp_document(&k, NFP_DOC_ECS, rec, line, m, x) ? k.root : NULL;
}

size_t nfp_to_ecs_text(const struct nfp_record *rec, const char *line, const struct nfp_ecs_meta *m,
		       const struct nfp_extra *x, char *buf, size_t cap)
{
	struct nfp_sink k;
	nfp_sink_text(&k, buf, cap);
	return nfp_document(&k, NFP_DOC_ECS, rec, line, m, x) ? k.n : 0;
}
