/* The native schema: one record into a sink (sink.h), walking the field table, so every field
 * the parser knows is written the same way, under the JSON object its row names. Fields of
 * one group are adjacent in the table, so each group object is written whole, in the order
 * the document is printed: the tree and the text sink give the same document. */
#include <stdio.h>
#include <string.h>
#include "emit/nfp_json.h"
#include "emit/sink.h"
#include "parse/parse_int.h"

static void value(struct nfp_sink *k, const char *name, const struct nfp_pkt *p, unsigned f, const char *line)
{
	const union nfp_value *v = &p->v[f];
	char buf[NFP_IPSTR_MAX];
	switch (nfp_fields[f].kind) {
	case NFP_K_STR: nfp_sink_str(k, name, line + v->s.off, v->s.len); break;
	case NFP_K_DEC:
	case NFP_K_HEX:
	case NFP_K_PROTO: nfp_sink_num(k, name, (int64_t)v->u); break;
	case NFP_K_IP: nfp_sink_str(k, name, buf, nfp_format_ip(v->ip.family, v->ip.a, buf)); break;
	case NFP_K_MAC: nfp_sink_str(k, name, buf, nfp_format_mac(v->mac, buf)); break;
	case NFP_K_FLAGS:
		nfp_sink_array(k, name);
		for (unsigned i = 0; i < nfp_nflags; i++)
			if (nfp_flags[i].field == f && (v->u >> nfp_flags[i].bit & 1u))
				nfp_sink_str(k, NULL, nfp_flags[i].word, nfp_flags[i].len);
		nfp_sink_close(k);
		break;
	case NFP_K_BOOL: nfp_sink_yes(k, name); break;
	case NFP_K_WORD: {
		const char *w = v->u < NFP_W__COUNT ? nfp_words[v->u] : "";
		nfp_sink_str(k, name, w, strlen(w));
		break;
	}
	default: break;
	}
}

/* MAC=<dst>:<src>:<type>[:more]: the raw string, and the Ethernet split where there is one;
 * a part the line also prints by itself (MACSRC=, MACDST=, MACPROTO=, ebtables "MAC
 * source =") is left to that field: one member per name */
static void macraw(struct nfp_sink *k, const char *line, struct nfp_slice s, const struct nfp_pkt *p)
{
	uint8_t b[14];
	char buf[NFP_MACSTR_MAX];
	nfp_sink_str(k, "raw", line + s.off, s.len);
	if (!nfp_mac_ether(line + s.off, s.len, b))
		return;
	if (!nfp_has(p, NFP_F_MACDST))
		nfp_sink_str(k, "dst", buf, nfp_format_mac(b, buf));
	if (!nfp_has(p, NFP_F_MACSRC))
		nfp_sink_str(k, "src", buf, nfp_format_mac(b + 6, buf));
	if (!nfp_has(p, NFP_F_MACPROTO))
		nfp_sink_num(k, "ethertype", b[12] << 8 | b[13]);
}

static void pkt(struct nfp_sink *k, const struct nfp_record *rec, int depth, const char *line, const struct nfp_facts *fx,
		const struct nfp_select *sel);

static void inner(struct nfp_sink *k, const struct nfp_record *rec, const char *line)
{
	nfp_sink_open(k, "inner");
	pkt(k, rec, 1, line, NULL, NULL);
	nfp_sink_close(k);
}

/* the end of a group object: what goes last in it */
static void close_group(struct nfp_sink *k, unsigned g, const struct nfp_record *rec, const char *line,
			const struct nfp_facts *fx, int *inner_due)
{
	if (g == NFP_G_ICMP && *inner_due) {
		inner(k, rec, line);
		*inner_due = 0;
	}
	if (g == NFP_G_TRACE && fx != NULL && fx->packet_len > 0 && !nfp_has(&rec->pkt[0], NFP_F_TRACE_PACKET))
		nfp_sink_str(k, "packet", fx->packet, fx->packet_len);
	nfp_sink_close(k);
}

/* "udp.LEN", "icmp.ID": a field's name in "invalid" where its kernel key is printed in more
 * than one header (IP's and UDP's LEN=, IP's and ICMP's ID=); filled once, read-only after */
static char qualified[NFP_F__COUNT][24];

__attribute__((constructor)) static void qualify(void)
{
	static const char *const groups[NFP_G__COUNT] = { "", "trace", "mac", "ip", "tcp", "udp", "icmp", "ah", "esp", "arp" };
	for (unsigned f = 0; f < NFP_F__COUNT; f++) {
		const struct nfp_field_info *fi = &nfp_fields[f];
		snprintf(qualified[f], sizeof(qualified[f]), "%s%s%s", groups[fi->group], fi->group ? "." : "",
			 fi->keylen ? fi->key : fi->name);
	}
}

static int invalid_here(const struct nfp_pkt *p, unsigned f, const struct nfp_select *sel)
{
	return nfp_bad(p, (enum nfp_field)f) && !nfp_has(p, (enum nfp_field)f) && (nfp_selected(sel, f) || sel->invalid);
}

/* the fields whose value did not decode, by the key the kernel printed; one member per name:
 * a key that two of them share is named with its header ("udp.LEN") */
static void invalid(struct nfp_sink *k, const struct nfp_pkt *p, const char *line, const struct nfp_select *sel)
{
	nfp_sink_open(k, "invalid");
	for (unsigned f = 0; f < NFP_F__COUNT; f++) {
		if (!invalid_here(p, f, sel))
			continue;
		const struct nfp_field_info *fi = &nfp_fields[f];
		const char *name = fi->keylen ? fi->key : fi->name;
		for (unsigned g = 0; g < NFP_F__COUNT; g++)
			if (g != f && invalid_here(p, g, sel) && strcmp(nfp_fields[g].keylen ? nfp_fields[g].key : nfp_fields[g].name, name) == 0)
				name = qualified[f];
		nfp_sink_str(k, name, line + p->v[f].s.off, p->v[f].s.len);
	}
	nfp_sink_close(k);
}

/* the members of one packet into the open object (the document, or "inner") */
static void pkt(struct nfp_sink *k, const struct nfp_record *rec, int depth, const char *line, const struct nfp_facts *fx,
		const struct nfp_select *sel)
{
	const struct nfp_pkt *p = &rec->pkt[depth];
	unsigned open = NFP_G_TOP;
	int any_bad = 0;
	int inner_due = depth == 0 && rec->depth_seen && (sel == NULL || sel->inner);

	for (unsigned f = nfp_next_set(p, 0); f < NFP_F__COUNT; f = nfp_next_set(p, f + 1)) {
		const struct nfp_field_info *fi = &nfp_fields[f];
		if (!nfp_selected(sel, f) && !(sel->invalid && !nfp_has(p, (enum nfp_field)f)))
			continue;
		if (!nfp_has(p, (enum nfp_field)f)) {
			any_bad = 1;
			continue;
		}
		if (fi->group != open) {
			if (open != NFP_G_TOP)
				close_group(k, open, rec, line, fx, &inner_due);
			open = fi->group;
			if (open != NFP_G_TOP) {
				nfp_sink_open(k, nfp_group_name(open, p));
				if (open == NFP_G_IP && nfp_has(p, NFP_F_SRC))
					nfp_sink_num(k, "version", p->v[NFP_F_SRC].ip.family);
			}
		}
		if (fi->kind == NFP_K_MACRAW)
			macraw(k, line, p->v[f].s, p);
		else
			value(k, fi->name, p, f, line);
	}
	if (open != NFP_G_TOP)
		close_group(k, open, rec, line, fx, &inner_due);
	if (any_bad)
		invalid(k, p, line, sel);
	if (inner_due) /* a quoted packet with no ICMP object to hold it goes to the top */
		inner(k, rec, line);
}

/* a LOG record's fate after its rule, where the rules decide it: "outcome" (the verdict) and
 * "outcome_by" (table:chain:number of the rule, or table:chain:policy); what was inferred */
static void outcome_members(const struct nfp_resolution *res, struct nfp_sink *k)
{
	if (res->outcome != NFP_V_NONE) {
		const char *v = nfp_verdict_name(res->outcome);
		const struct nfp_ruleset *ors = res->outcome_rs;
		const struct nfp_rs_chain *c = res->action != NULL ? &ors->chains[res->action->chain] : res->outcome_policy;
		nfp_sink_str(k, "outcome", v, strlen(v));
		if (c != NULL) {
			char by[512];
			const struct nfp_rs_table *t = &ors->tables[c->table];
			int n = res->action != NULL ? snprintf(by, sizeof(by), "%.*s:%.*s:%u", (int)t->name.len, t->name.p,
							       (int)c->name.len, c->name.p, res->action->number)
						    : snprintf(by, sizeof(by), "%.*s:%.*s:policy", (int)t->name.len, t->name.p,
							       (int)c->name.len, c->name.p);
			if (n > 0 && (size_t)n < sizeof(by))
				nfp_sink_str(k, "outcome_by", by, (size_t)n);
		}
	}
	if (res->assumed != NULL)
		nfp_sink_str(k, "assumed", res->assumed, strlen(res->assumed));
}

/* the members of the "rule" object, in order (native, ECS and explain alike) */
void nfp_rule_members(const struct nfp_resolution *res, struct nfp_sink *k)
{
	const struct nfp_ruleset *rs = res->rs;
	if (res->status == NFP_RES_UNRESOLVED) {
		nfp_sink_str(k, "unresolved", res->reason, strlen(res->reason));
		if (res->candidates > 1)
			nfp_sink_num(k, "candidates", res->candidates);
		outcome_members(res, k);
		if (rs != NULL)
			nfp_sink_str(k, "file", rs->path, strlen(rs->path));
		return;
	}
	if (res->text.len > 0)
		nfp_sink_str(k, "text", res->text.p, res->text.len);
	if (res->target.len > 0)
		nfp_sink_str(k, "target", res->target.p, res->target.len);
	nfp_sink_str(k, "verdict", nfp_verdict_name(res->verdict), strlen(nfp_verdict_name(res->verdict)));
	if (res->chain != NULL) {
		const struct nfp_rs_table *t = &rs->tables[res->chain->table];
		nfp_sink_str(k, "table", t->name.p, t->name.len);
		nfp_sink_str(k, "chain", res->chain->name.p, res->chain->name.len);
	}
	nfp_sink_num(k, "number", res->number);
	if (res->rule != NULL && res->rule->handle != 0)
		nfp_sink_num(k, "handle", res->rule->handle);
	if (res->action != NULL)
		nfp_sink_str(k, "action", res->action->target.p, res->action->target.len);
	else if (res->outcome_policy != NULL)
		nfp_sink_str(k, "action", res->outcome_policy->policy.p, res->outcome_policy->policy.len);
	outcome_members(res, k);
	nfp_sink_str(k, "file", rs->path, strlen(rs->path));
	nfp_sink_num(k, "line", res->line);
}

/* what a site's prefix rule said of the record: "prefix_rule": {action, type, rule_name,
 * rule_id, ruleset, tags, line} */
static void prefix_rule(struct nfp_sink *k, const struct nfp_prefix_verdict *v)
{
	nfp_sink_open(k, "prefix_rule");
	if (v->action[0])
		nfp_sink_str(k, "action", v->action, strlen(v->action));
	if (v->type)
		nfp_sink_str(k, "type", v->type == 1 ? "allowed" : "denied", v->type == 1 ? 7 : 6);
	if (v->rule_name != NULL)
		nfp_sink_str(k, "rule_name", v->rule_name, v->rule_name_len);
	if (v->rule_id != NULL)
		nfp_sink_str(k, "rule_id", v->rule_id, v->rule_id_len);
	if (v->ruleset != NULL)
		nfp_sink_str(k, "ruleset", v->ruleset, v->ruleset_len);
	if (v->ntags > 0) {
		nfp_sink_array(k, "tags");
		for (unsigned t = 0; t < v->ntags; t++)
			nfp_sink_str(k, NULL, v->tags[t], v->tag_len[t]);
		nfp_sink_close(k);
	}
	nfp_sink_num(k, "line", v->rule_line);
	nfp_sink_close(k);
}

/* the native document of a record and its facts (trace.packet) into k; 0 for NFP_NONE
 * (nothing written) */
int nfp_native(struct nfp_sink *k, const struct nfp_record *rec, const char *line, const struct nfp_extra *x,
	       const struct nfp_facts *fx)
{
	const struct nfp_select *sel = x != NULL ? x->sel : NULL;
	const char *t;

	if (rec->type == NFP_NONE)
		return 0;
	nfp_sink_open(k, NULL);
	t = nfp_type_name(rec->type);
	nfp_sink_str(k, "type", t, strlen(t));
	if (fx != NULL && fx->has_event_id) /* the identity the duplicate window keeps (dedup="on") */
		nfp_sink_str(k, "event_id", fx->event_id, 40);
	if (sel != NULL && !sel->packet)
		fx = NULL;
	pkt(k, rec, 0, line, fx, sel);
	if (x != NULL && x->res != NULL && x->res->status != NFP_RES_NONE && (sel == NULL || sel->rule)) {
		nfp_sink_open(k, "rule");
		nfp_rule_members(x->res, k);
		nfp_sink_close(k);
	}
	if (fx != NULL && fx->prefix.rule_line != 0 && (sel == NULL || sel->rule))
		prefix_rule(k, &fx->prefix);
	if (rec->flags & NFP_R_TRUNCATED)
		nfp_sink_yes(k, "truncated");
	if (rec->n_unknown > 0 && (sel == NULL || sel->unknown)) {
		nfp_sink_array(k, "unknown");
		for (unsigned i = 0; i < rec->n_unknown; i++)
			nfp_sink_str(k, NULL, line + rec->unknown[i].off, rec->unknown[i].len);
		if (rec->flags & NFP_R_UNKNOWN_OVF)
			nfp_sink_str(k, NULL, "...", 3);
		nfp_sink_close(k);
	}
	if (k->repaired) /* a string above was written with U+FFFD */
		nfp_sink_yes(k, "utf8_repaired");
	nfp_sink_close(k);
	return 1;
}

/* a message whose identity the duplicate window has seen: not parsed again */
static void duplicate(struct nfp_sink *k, const uint8_t d[20])
{
	char hex[40];
	for (int i = 0; i < 20; i++) {
		hex[2 * i] = "0123456789abcdef"[d[i] >> 4];
		hex[2 * i + 1] = "0123456789abcdef"[d[i] & 15];
	}
	nfp_sink_open(k, NULL);
	nfp_sink_str(k, "type", "duplicate", 9);
	nfp_sink_str(k, "event_id", hex, 40);
	nfp_sink_close(k);
}

int nfp_document(struct nfp_sink *k, enum nfp_doc kind, const struct nfp_record *rec, const char *line,
		 const struct nfp_ecs_meta *m, const struct nfp_extra *x)
{
	struct nfp_facts f;
	struct nfp_origin o = { x ? x->host : NULL, x ? x->hostlen : 0, m ? m->hostname : NULL, m ? m->timestamp : NULL,
				m ? m->message : NULL, m ? m->message_len : 0, m ? m->digest : NULL, x ? x->prules : NULL };
	if (rec->type == NFP_NONE && kind != NFP_DOC_DUPLICATE)
		return 0;
	switch (kind) {
	case NFP_DOC_NATIVE: /* the enrich stage first; the emitter renders record + facts */
		nfp_enrich(rec, line, &o,
			   NFP_FACT_PACKET | (o.prules != NULL ? NFP_FACT_PREFIX : 0) | (o.digest != NULL ? NFP_FACT_EVENT_ID : 0), &f);
		if (o.prules == NULL)
			f.prefix.rule_line = 0;
		return nfp_native(k, rec, line, x, &f);
	case NFP_DOC_ECS:
		nfp_enrich(rec, line, &o, NFP_FACT_PACKET | NFP_FACT_PREFIX | NFP_FACT_COMMUNITY_ID | NFP_FACT_EVENT_ID, &f);
		return nfp_ecs(k, rec, line, m, x, &f);
	case NFP_DOC_DUPLICATE:
		if (m == NULL || m->digest == NULL)
			return 0;
		duplicate(k, m->digest);
		return 1;
	}
	return 0;
}

struct fjson_object *nfp_to_json(const struct nfp_record *rec, const char *line)
{
	return nfp_to_json_ex(rec, line, NULL);
}

struct fjson_object *nfp_to_json_ex(const struct nfp_record *rec, const char *line, const struct nfp_extra *x)
{
	struct nfp_sink k;
	nfp_sink_tree(&k);
	return nfp_document(&k, NFP_DOC_NATIVE, rec, line, NULL, x) ? k.root : NULL;
}

size_t nfp_to_json_text(const struct nfp_record *rec, const char *line, char *buf, size_t cap)
{
	return nfp_to_json_text_ex(rec, line, NULL, buf, cap);
}

size_t nfp_to_json_text_ex(const struct nfp_record *rec, const char *line, const struct nfp_extra *x, char *buf,
			   size_t cap)
{
	struct nfp_sink k;
	nfp_sink_text(&k, buf, cap);
	return nfp_document(&k, NFP_DOC_NATIVE, rec, line, NULL, x) ? k.n : 0;
}
