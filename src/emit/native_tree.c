/* Native schema emitter: walks the field table, so every field the parser knows is
 * emitted the same way, under the JSON object its row names. The only file of the core
 * that knows JSON. */
#include <stdlib.h>
#include <string.h>
#include "emit/nfp_json.h"
#include "parse/parse_int.h"

/* set when a string had to be repaired since the emitter started this document (one
 * document at a time per thread: rsyslog workers are threads) */
static _Thread_local int utf8_repaired;

void nfp_json_repaired_reset(void)
{
	utf8_repaired = 0;
}

int nfp_json_repaired(void)
{
	return utf8_repaired;
}

struct fjson_object *nfp_json_str(const char *p, size_t n)
{
	char small[768], *b;
	struct fjson_object *o;
	const char *nul = memchr(p, 0, n);
	if (nul != NULL) /* libfastjson writes a string up to its first NUL: judge what it writes */
		n = (size_t)(nul - p);
	if (nfp_utf8_valid(p, n) == n)
		return fjson_object_new_string_len(p, (int)n);
	utf8_repaired = 1;
	b = n <= sizeof(small) / 3 ? small : malloc(3 * n);
	if (b == NULL)
		return NULL;
	o = fjson_object_new_string_len(b, (int)nfp_utf8_repair(p, n, b));
	if (b != small)
		free(b);
	return o;
}

static struct fjson_object *str(const char *line, struct nfp_slice s)
{
	return nfp_json_str(line + s.off, s.len);
}

static struct fjson_object *ipstr(const union nfp_value *v)
{
	char buf[NFP_IPSTR_MAX];
	return fjson_object_new_string_len(buf, (int)nfp_format_ip(v->ip.family, v->ip.a, buf));
}

static struct fjson_object *macstr(const uint8_t m[6])
{
	char buf[NFP_MACSTR_MAX];
	return fjson_object_new_string_len(buf, (int)nfp_format_mac(m, buf));
}

#define add nfp_json_add /* names: the field table's static strings, never repeated in one object */

/* MAC=<dst>:<src>:<type>[:more]: the raw string, and the Ethernet split where there is one;
 * a part the line also prints by itself (MACSRC=, MACDST=, MACPROTO=, ebtables "MAC
 * source =") is left to that field: one member per name */
static void macraw(struct fjson_object *o, const char *line, struct nfp_slice s, const struct nfp_pkt *p)
{
	uint8_t b[14];
	add(o, "raw", str(line, s));
	if (!nfp_mac_ether(line + s.off, s.len, b))
		return;
	if (!nfp_has(p, NFP_F_MACDST))
		add(o, "dst", macstr(b));
	if (!nfp_has(p, NFP_F_MACSRC))
		add(o, "src", macstr(b + 6));
	if (!nfp_has(p, NFP_F_MACPROTO))
		add(o, "ethertype", fjson_object_new_int(b[12] << 8 | b[13]));
}

static struct fjson_object *flags(enum nfp_field f, uint64_t bits)
{
	struct fjson_object *a = fjson_object_new_array();
	if (a == NULL)
		return NULL;
	for (unsigned i = 0; i < nfp_nflags; i++)
		if (nfp_flags[i].field == f && (bits >> nfp_flags[i].bit & 1u))
			fjson_object_array_add(a, fjson_object_new_string(nfp_flags[i].word));
	return a;
}

/* returns the packet's icmp/icmpv6 object, where a quoted packet goes; *trace gets the
 * trace object if there is one */
static struct fjson_object *emit_pkt(struct fjson_object *top, const struct nfp_pkt *p, const char *line,
				     struct fjson_object **trace, const struct nfp_select *sel)
{
	struct fjson_object *grp[NFP_G__COUNT] = { [NFP_G_TOP] = top };
	struct fjson_object *bad = NULL;

	for (unsigned f = nfp_next_set(p, 0); f < NFP_F__COUNT; f = nfp_next_set(p, f + 1)) {
		const struct nfp_field_info *fi = &nfp_fields[f];
		const union nfp_value *v = &p->v[f];
		struct fjson_object *o;

		if (!nfp_selected(sel, f) && !(sel->invalid && !nfp_has(p, (enum nfp_field)f)))
			continue;
		if (nfp_bad(p, (enum nfp_field)f) && !nfp_has(p, (enum nfp_field)f)) {
			if (bad == NULL && (bad = fjson_object_new_object()) == NULL)
				continue;
			add(bad, fi->keylen ? fi->key : fi->name, str(line, v->s));
			continue;
		}
		if (!nfp_has(p, (enum nfp_field)f))
			continue;
		if (grp[fi->group] == NULL) {
			if ((grp[fi->group] = fjson_object_new_object()) == NULL)
				continue;
			add(top, nfp_group_name(fi->group, p), grp[fi->group]);
			if (fi->group == NFP_G_IP && nfp_has(p, NFP_F_SRC))
				add(grp[NFP_G_IP], "version", fjson_object_new_int(p->v[NFP_F_SRC].ip.family));
		}
		o = grp[fi->group];
		switch (fi->kind) {
		case NFP_K_STR: add(o, fi->name, str(line, v->s)); break;
		case NFP_K_DEC:
		case NFP_K_HEX:
		case NFP_K_PROTO: add(o, fi->name, fjson_object_new_int64((int64_t)v->u)); break;
		case NFP_K_IP: add(o, fi->name, ipstr(v)); break;
		case NFP_K_MAC: add(o, fi->name, macstr(v->mac)); break;
		case NFP_K_MACRAW: macraw(o, line, v->s, p); break;
		case NFP_K_FLAGS: add(o, fi->name, flags((enum nfp_field)f, v->u)); break;
		case NFP_K_BOOL: add(o, fi->name, fjson_object_new_boolean(1)); break;
		case NFP_K_WORD: add(o, fi->name, fjson_object_new_string(v->u < NFP_W__COUNT ? nfp_words[v->u] : "")); break;
		default: break;
		}
	}
	if (bad != NULL)
		add(top, "invalid", bad);
	if (trace != NULL)
		*trace = grp[NFP_G_TRACE];
	return grp[NFP_G_ICMP];
}

static void rule_str(void *ctx, const char *name, const char *s, size_t n)
{
	add((struct fjson_object *)ctx, name, nfp_json_str(s, n));
}

static void rule_num(void *ctx, const char *name, uint64_t v)
{
	add((struct fjson_object *)ctx, name, fjson_object_new_int64((int64_t)v));
}

void nfp_rule_members(const struct nfp_resolution *res, const struct nfp_rule_sink *k)
{
	const struct nfp_ruleset *rs = res->rs;
	if (res->status == NFP_RES_UNRESOLVED) {
		k->str(k->ctx, "unresolved", res->reason, strlen(res->reason));
		if (rs != NULL)
			k->str(k->ctx, "file", rs->path, strlen(rs->path));
		return;
	}
	if (res->text.len > 0)
		k->str(k->ctx, "text", res->text.p, res->text.len);
	if (res->target.len > 0)
		k->str(k->ctx, "target", res->target.p, res->target.len);
	k->str(k->ctx, "verdict", nfp_verdict_name(res->verdict), strlen(nfp_verdict_name(res->verdict)));
	if (res->chain != NULL) {
		const struct nfp_rs_table *t = &rs->tables[res->chain->table];
		k->str(k->ctx, "table", t->name.p, t->name.len);
		k->str(k->ctx, "chain", res->chain->name.p, res->chain->name.len);
	}
	k->num(k->ctx, "number", res->number);
	if (res->rule != NULL && res->rule->handle != 0)
		k->num(k->ctx, "handle", res->rule->handle);
	if (res->action != NULL)
		k->str(k->ctx, "action", res->action->target.p, res->action->target.len);
	k->str(k->ctx, "file", rs->path, strlen(rs->path));
	k->num(k->ctx, "line", res->line);
}

struct fjson_object *nfp_to_json(const struct nfp_record *rec, const char *line)
{
	return nfp_to_json_ex(rec, line, NULL);
}

struct fjson_object *nfp_to_json_ex(const struct nfp_record *rec, const char *line, const struct nfp_extra *x)
{
	struct fjson_object *top, *inner, *icmp, *trace = NULL;
	const struct nfp_select *sel = x != NULL ? x->sel : NULL;

	if (rec->type == NFP_NONE || (top = fjson_object_new_object()) == NULL)
		return NULL;
	utf8_repaired = 0;
	add(top, "type", fjson_object_new_string(nfp_type_name(rec->type)));
	icmp = emit_pkt(top, &rec->pkt[0], line, &trace, sel);
	if (trace != NULL && !nfp_has(&rec->pkt[0], NFP_F_TRACE_PACKET) && (sel == NULL || sel->packet)) {
		char id[NFP_PKTID_MAX];
		size_t n = nfp_packet_id(rec, line, x ? x->host : NULL, x ? x->hostlen : 0, id);
		add(trace, "packet", fjson_object_new_string_len(id, (int)n));
	}
	if (rec->depth_seen && (sel == NULL || sel->inner) && (inner = fjson_object_new_object()) != NULL) {
		emit_pkt(inner, &rec->pkt[1], line, NULL, NULL);
		add(icmp != NULL ? icmp : top, "inner", inner);
	}
	if (x != NULL && x->res != NULL && x->res->status != NFP_RES_NONE && (sel == NULL || sel->rule)) {
		struct fjson_object *r = fjson_object_new_object();
		if (r != NULL) {
			struct nfp_rule_sink k = { rule_str, rule_num, r };
			nfp_rule_members(x->res, &k);
			add(top, "rule", r);
		}
	}
	if (rec->flags & NFP_R_TRUNCATED)
		add(top, "truncated", fjson_object_new_boolean(1));
	if (rec->n_unknown > 0 && (sel == NULL || sel->unknown)) {
		struct fjson_object *u = fjson_object_new_array();
		if (u != NULL) {
			for (unsigned i = 0; i < rec->n_unknown; i++)
				fjson_object_array_add(u, str(line, rec->unknown[i]));
			if (rec->flags & NFP_R_UNKNOWN_OVF)
				fjson_object_array_add(u, fjson_object_new_string("..."));
			add(top, "unknown", u);
		}
	}
	if (utf8_repaired) /* a string above was written with U+FFFD */
		add(top, "utf8_repaired", fjson_object_new_boolean(1));
	return top;
}
