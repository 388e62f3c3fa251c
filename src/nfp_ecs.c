/* ECS schema emitter: one parsed record -> an Elastic Common Schema 8 document, with
 * Elastic's iptables integration's iptables.* names for what ECS has no field for, and the
 * same namespace for what that integration drops. Built from the same record as the native
 * schema; the message's time, host and text come from the caller (rsyslog or nfparse). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nfp_json.h"
#include "nfp_dedup.h"
#include "nfp_int.h"

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

/* ---- what the prefix says happened ---- */

struct verdict {
	char action[48];
	int type; /* 0 unknown, 1 allowed, 2 denied */
	const char *rule_name, *rule_id, *ruleset;
	size_t rule_name_len, rule_id_len;
	/* Ubiquiti EdgeOS / VyOS: [<rule set>-<rule number|default>-<A|D|R>] */
	int ubnt;
	size_t zone_split; /* "wan-lan": position of the '-' between the zones, or 0 */
};

static int ci_has(const char *s, size_t n, const char *w)
{
	size_t k = strlen(w);
	for (size_t i = 0; i + k <= n; i++) {
		size_t j = 0;
		while (j < k && (s[i + j] | 0x20) == w[j])
			j++;
		if (j == k)
			return 1;
	}
	return 0;
}

static int word_type(const char *w, size_t n)
{
	if (ci_has(w, n, "drop") || ci_has(w, n, "reject") || ci_has(w, n, "deny") || ci_has(w, n, "block"))
		return 2;
	if (ci_has(w, n, "accept") || ci_has(w, n, "allow"))
		return 1;
	return 0;
}

static void set_action(struct verdict *v, const char *w, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n && k + 1 < sizeof(v->action); i++) {
		char c = w[i];
		v->action[k++] = c == ' ' ? '_' : (char)(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
	}
	v->action[k] = 0;
}

static void prefix_verdict(const char *p, size_t n, struct verdict *v)
{
	memset(v, 0, sizeof(*v));
	size_t raw_n = n;
	while (n > 0 && p[n - 1] == ' ')
		n--;
	if (n == 0)
		return;
	/* Ubiquiti EdgeOS / VyOS: the prefix abuts IN= (no trailing space) */
	if (n == raw_n && n > 5 && p[0] == '[' && p[n - 1] == ']' && p[n - 3] == '-' &&
	    (p[n - 2] == 'A' || p[n - 2] == 'D' || p[n - 2] == 'R')) {
		size_t e = n - 3, d = e;
		while (d > 1 && p[d - 1] != '-')
			d--;
		if (d > 2 && p[d - 1] == '-') {
			v->ubnt = 1;
			v->rule_name = p + 1;
			v->rule_name_len = d - 2;
			v->rule_id = p + d;
			v->rule_id_len = e - d;
			const char *a = p[n - 2] == 'A' ? "accept" : p[n - 2] == 'D' ? "drop" : "reject";
			set_action(v, a, strlen(a));
			v->type = p[n - 2] == 'A' ? 1 : 2;
			const char *dash = memchr(v->rule_name, '-', v->rule_name_len);
			if (dash != NULL && memchr(dash + 1, '-', v->rule_name_len - (size_t)(dash + 1 - v->rule_name)) == NULL)
				v->zone_split = (size_t)(dash - v->rule_name);
			return;
		}
	}
	/* UFW: [UFW BLOCK] [UFW ALLOW] [UFW AUDIT] [UFW LIMIT BLOCK] */
	if (n > 6 && memcmp(p, "[UFW ", 5) == 0 && p[n - 1] == ']') {
		set_action(v, p + 5, n - 6);
		v->type = word_type(p + 5, n - 6);
		return;
	}
	/* Shorewall:<chain>:<ACTION>: */
	if (n > 11 && memcmp(p, "Shorewall:", 10) == 0) {
		const char *c = p + 10, *e = memchr(c, ':', n - 10);
		if (e != NULL) {
			size_t al = n - (size_t)(e + 1 - p);
			if (al > 0 && p[n - 1] == ':')
				al--;
			v->rule_name = c;
			v->rule_name_len = (size_t)(e - c);
			set_action(v, e + 1, al);
			v->type = word_type(e + 1, al);
			return;
		}
	}
	/* a last word saying what happened: "DENY:", "iptables DROP_INPUT:", firewalld's
	 * "filter_IN_public_REJECT:" */
	size_t e = n, b;
	if (p[e - 1] == ':')
		e--;
	b = e;
	while (b > 0 && p[b - 1] != ' ' && p[b - 1] != ']' && p[b - 1] != ':')
		b--;
	if (e > b && word_type(p + b, e - b)) {
		size_t us = e;
		v->type = word_type(p + b, e - b);
		/* firewalld: <table>_<dir>_<zone>_<ACTION>: the rule is the whole name, the action its end */
		while (us > b && p[us - 1] != '_')
			us--;
		if (us > b && memcmp(p + b, "filter_", 7) == 0) {
			v->rule_name = p + b;
			v->rule_name_len = e - b;
			set_action(v, p + us, e - us);
		} else {
			set_action(v, p + b, e - b);
		}
	}
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

struct fjson_object *nfp_to_ecs_ex(const struct nfp_record *rec, const char *line, const struct nfp_ecs_meta *m,
				   const struct nfp_extra *x)
{
	const struct nfp_pkt *p = &rec->pkt[0];
	const struct nfp_resolution *res = x != NULL && x->res != NULL && x->res->status != NFP_RES_NONE ? x->res : NULL;
	const struct nfp_resolution *ok = res != NULL && res->status == NFP_RES_RESOLVED ? res : NULL;
	struct fjson_object *d, *ev, *ipt, *net, *rel = NULL, *types, *ecs;
	struct fjson_object *src = NULL, *dst = NULL, *obs = NULL, *ing = NULL, *egr = NULL, *ingif = NULL, *egrif = NULL;
	struct fjson_object *rule = NULL, *vlan = NULL;
	struct verdict vd;
	uint64_t proto = nfp_has(p, NFP_F_PROTO) ? p->v[NFP_F_PROTO].u : 256;
	uint8_t eth[14];
	int have_eth;
	char cid[NFP_CID_MAX];

	if (rec->type == NFP_NONE || (d = fjson_object_new_object()) == NULL)
		return NULL;
	nfp_json_repaired_reset();
	if (m != NULL && m->timestamp != NULL)
		put(d, "@timestamp", fjson_object_new_string(m->timestamp));
	if (m != NULL && m->message != NULL)
		put(d, "message", nfp_json_str(m->message, m->message_len));
	ecs = fjson_object_new_object();
	put(d, "ecs", ecs);
	put(ecs, "version", fjson_object_new_string(ECS_VERSION));

	/* event */
	prefix_verdict(line + p->v[NFP_F_PREFIX].s.off, nfp_has(p, NFP_F_PREFIX) ? p->v[NFP_F_PREFIX].s.len : 0, &vd);
	ev = fjson_object_new_object();
	put(d, "event", ev);
	put(ev, "kind", fjson_object_new_string("event"));
	types = fjson_object_new_array();
	fjson_object_array_add(types, fjson_object_new_string("network"));
	put(ev, "category", types);
	types = fjson_object_new_array();
	if (vd.type)
		fjson_object_array_add(types, fjson_object_new_string(vd.type == 1 ? "allowed" : "denied"));
	fjson_object_array_add(types, fjson_object_new_string("connection"));
	put(ev, "type", types);
	if (vd.action[0]) {
		put(ev, "action", nfp_json_str(vd.action, strlen(vd.action)));
	} else if (ok != NULL) {
		/* the verdict the rule (or, for a LOG rule, the rule after it) gives */
		enum nfp_verdict v = ok->action != NULL ? (enum nfp_verdict)ok->action->verdict : ok->verdict;
		if (nfp_verdict_terminal(v) || v == NFP_V_RETURN)
			put(ev, "action", fjson_object_new_string(nfp_verdict_name(v)));
	}
	if (rec->type == NFP_TRACE)
		put(ev, "dataset", fjson_object_new_string("iptables.trace"));
	if (m != NULL && (m->digest != NULL || (m->timestamp != NULL && m->message != NULL))) {
		/* event.id: the record's identity (nfp_dedup.h), so that a record keeps its _id through
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

	/* addresses and ports: the IP header, or the ARP payload */
	enum nfp_field fs = NFP_F_SRC, fdst = NFP_F_DST;
	if (!nfp_has(p, NFP_F_SRC) && nfp_has(p, NFP_F_ARP_IPSRC)) {
		fs = NFP_F_ARP_IPSRC;
		fdst = NFP_F_ARP_IPDST;
	}
	/* related.ip holds the same string objects as source.ip and destination.ip (one more
	 * reference each: a value rsyslog later sets or unsets in one place stays in the other) */
	if (nfp_has(p, fs)) {
		struct fjson_object *a = ip(&p->v[fs]);
		put(lazy(&src, d, "source"), "ip", a);
		rel = fjson_object_new_array();
		if (a != NULL)
			fjson_object_array_add(rel, fjson_object_get(a));
	}
	if (nfp_has(p, fdst)) {
		struct fjson_object *a = ip(&p->v[fdst]);
		put(lazy(&dst, d, "destination"), "ip", a);
		if (rel == NULL)
			rel = fjson_object_new_array();
		if (a != NULL && (!nfp_has(p, fs) || p->v[fs].ip.family != p->v[fdst].ip.family ||
				  memcmp(p->v[fs].ip.a, p->v[fdst].ip.a, p->v[fs].ip.family == 6 ? 16 : 4) != 0))
			fjson_object_array_add(rel, fjson_object_get(a));
	}
	if (rel != NULL) {
		struct fjson_object *r = fjson_object_new_object();
		put(d, "related", r);
		put(r, "ip", rel);
	}
	enum nfp_field sp = nfp_has(p, NFP_F_TCP_SPT) ? NFP_F_TCP_SPT : NFP_F_UDP_SPT;
	enum nfp_field dp = nfp_has(p, NFP_F_TCP_DPT) ? NFP_F_TCP_DPT : NFP_F_UDP_DPT;
	if (nfp_has(p, sp))
		put(lazy(&src, d, "source"), "port", num(p, sp));
	if (nfp_has(p, dp))
		put(lazy(&dst, d, "destination"), "port", num(p, dp));
	/* the decoded Ethernet header (MACSRC=/MACDST=), else the raw MAC= split */
	have_eth = nfp_has(p, NFP_F_MAC) && nfp_mac_ether(line + p->v[NFP_F_MAC].s.off, p->v[NFP_F_MAC].s.len, eth);
	if (nfp_has(p, NFP_F_MACSRC))
		put(lazy(&src, d, "source"), "mac", ecs_mac(p->v[NFP_F_MACSRC].mac));
	else if (have_eth)
		put(lazy(&src, d, "source"), "mac", ecs_mac(eth + 6));
	if (nfp_has(p, NFP_F_MACDST))
		put(lazy(&dst, d, "destination"), "mac", ecs_mac(p->v[NFP_F_MACDST].mac));
	else if (have_eth)
		put(lazy(&dst, d, "destination"), "mac", ecs_mac(eth));

	/* network */
	net = fjson_object_new_object();
	put(d, "network", net);
	if (transport_name(proto) != NULL)
		put(net, "transport", fjson_object_new_string(transport_name(proto)));
	if (proto < 256)
		put(net, "iana_number", nfp_json_str(cid, nfp_format_dec(proto, cid)));
	if (nfp_has(p, NFP_F_SRC))
		put(net, "type", fjson_object_new_string(p->v[NFP_F_SRC].ip.family == 6 ? "ipv6" : "ipv4"));
	if (nfp_has(p, NFP_F_SRC) && nfp_has(p, NFP_F_DST) && proto < 256) {
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
		size_t cl = fl.family == p->v[NFP_F_DST].ip.family ? nfp_community_id(&fl, 0, 1, cid) : 0;
		if (cl > 0)
			put(net, "community_id", nfp_json_str(cid, cl));
	}
	if (nfp_has(p, NFP_F_VID))
		put(lazy(&vlan, net, "vlan"), "id", nfp_json_str(cid, nfp_format_dec(p->v[NFP_F_VID].u & 0xfff, cid)));

	/* observer */
	if (m != NULL && m->hostname != NULL) {
		put(lazy(&obs, d, "observer"), "hostname", nfp_json_str(m->hostname, strlen(m->hostname)));
		put(obs, "name", nfp_json_str(m->hostname, strlen(m->hostname)));
	}
	if (nfp_has(p, NFP_F_IN) && p->v[NFP_F_IN].s.len > 0)
		put(lazy(&ingif, lazy(&ing, lazy(&obs, d, "observer"), "ingress"), "interface"), "name", sl(line, p->v[NFP_F_IN].s));
	if (nfp_has(p, NFP_F_OUT) && p->v[NFP_F_OUT].s.len > 0)
		put(lazy(&egrif, lazy(&egr, lazy(&obs, d, "observer"), "egress"), "interface"), "name", sl(line, p->v[NFP_F_OUT].s));

	/* rule: the resolved rule, else what a vendor prefix names */
	if (ok != NULL && ok->chain != NULL) {
		const struct nfp_rs_table *t = &ok->rs->tables[ok->chain->table];
		char id[512];
		int n = snprintf(id, sizeof(id), "%.*s:%.*s:%u", (int)t->name.len, t->name.p, (int)ok->chain->name.len,
				 ok->chain->name.p, ok->number);
		rule = fjson_object_new_object();
		put(d, "rule", rule);
		put(rule, "id", nfp_json_str(id, n < (int)sizeof(id) ? (size_t)n : sizeof(id) - 1));
		put(rule, "name", nfp_json_str(ok->chain->name.p, ok->chain->name.len));
		put(rule, "ruleset", nfp_json_str(t->name.p, t->name.len));
		if (ok->text.len > 0)
			put(rule, "description", nfp_json_str(ok->text.p, ok->text.len));
	} else if (vd.rule_name != NULL)
		put(lazy(&rule, d, "rule"), "name", nfp_json_str(vd.rule_name, vd.rule_name_len));
	if (ok == NULL && vd.rule_id != NULL)
		put(lazy(&rule, d, "rule"), "id", nfp_json_str(vd.rule_id, vd.rule_id_len));

	/* iptables.*: Elastic's names first, then ours */
	ipt = fjson_object_new_object();
	put(d, "iptables", ipt);
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
	else if (have_eth)
		put(ipt, "ether_type", fjson_object_new_int(eth[12] << 8 | eth[13]));
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
			put(t, "options", sl(line, p->v[NFP_F_TCP_OPT].s));
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
		if (rec->depth_seen)
			put(ic, "inner", inner_doc(&rec->pkt[1]));
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
	put(ipt, "incomplete_bytes", num(p, NFP_F_INCOMPLETE));
	put(ipt, "spi", num(p, nfp_has(p, NFP_F_ESP_SPI) ? NFP_F_ESP_SPI : NFP_F_AH_SPI));
	put(ipt, "uid", num(p, NFP_F_UID));
	put(ipt, "gid", num(p, NFP_F_GID));
	put(ipt, "mark", num(p, NFP_F_MARK));
	if (rec->type == NFP_TRACE) {
		struct fjson_object *t = fjson_object_new_object();
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
		char id[NFP_PKTID_MAX];
		size_t idn = nfp_packet_id(rec, line, x ? x->host : NULL, x ? x->hostlen : 0, id);
		put(t, "packet", nfp_json_str(id, idn));
	}
	if (res != NULL) {
		struct fjson_object *r = fjson_object_new_object();
		struct nfp_rule_sink k = { ecs_str, ecs_num, r };
		put(ipt, "rule", r);
		nfp_rule_members(res, &k);
	}
	if (vd.ubnt) {
		struct fjson_object *u = fjson_object_new_object();
		put(ipt, "ubiquiti", u);
		put(u, "rule_set", nfp_json_str(vd.rule_name, vd.rule_name_len));
		put(u, "rule_number", nfp_json_str(vd.rule_id, vd.rule_id_len));
		if (vd.zone_split) {
			/* "<in>-<out>": the zones, for Elastic's names and ECS's */
			const char *in = vd.rule_name, *out = vd.rule_name + vd.zone_split + 1;
			int inl = (int)vd.zone_split, outl = (int)(vd.rule_name_len - vd.zone_split - 1);
			put(u, "input_zone", nfp_json_str(in, inl));
			put(u, "output_zone", nfp_json_str(out, outl));
			put(lazy(&ing, lazy(&obs, d, "observer"), "ingress"), "zone", nfp_json_str(in, inl));
			put(lazy(&egr, lazy(&obs, d, "observer"), "egress"), "zone", nfp_json_str(out, outl));
		}
	}
	if (rec->flags & NFP_R_TRUNCATED)
		put(ipt, "truncated", fjson_object_new_boolean(1));
	if (nfp_json_repaired()) /* a string of this document was written with U+FFFD */
		put(ipt, "utf8_repaired", fjson_object_new_boolean(1));
	if (rec->type == NFP_FRAGMENT)
		put(ipt, "fragment_of_line", fjson_object_new_boolean(1));
	return d;
}
