/* Native schema emitter: walks the field table, so every field the parser knows is
 * emitted the same way, under the JSON object its row names. The only file of the core
 * that knows JSON. */
#include <string.h>
#include "nfp_json.h"
#include "nfp_int.h"

static struct fjson_object *str(const char *line, struct nfp_slice s)
{
	return fjson_object_new_string_len(line + s.off, (int)s.len);
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

/* MAC=<dst>:<src>:<type>[:more]: the raw string, and the Ethernet split where there is one */
static void macraw(struct fjson_object *o, const char *line, struct nfp_slice s)
{
	uint8_t b[14];
	add(o, "raw", str(line, s));
	if (!nfp_mac_ether(line + s.off, s.len, b))
		return;
	add(o, "dst", macstr(b));
	add(o, "src", macstr(b + 6));
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

/* returns the packet's icmp/icmpv6 object, where a quoted packet goes */
static struct fjson_object *emit_pkt(struct fjson_object *top, const struct nfp_pkt *p, const char *line)
{
	struct fjson_object *grp[NFP_G__COUNT] = { [NFP_G_TOP] = top };
	struct fjson_object *bad = NULL;

	for (unsigned f = nfp_next_set(p, 0); f < NFP_F__COUNT; f = nfp_next_set(p, f + 1)) {
		const struct nfp_field_info *fi = &nfp_fields[f];
		const union nfp_value *v = &p->v[f];
		struct fjson_object *o;

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
		case NFP_K_MACRAW: macraw(o, line, v->s); break;
		case NFP_K_FLAGS: add(o, fi->name, flags((enum nfp_field)f, v->u)); break;
		case NFP_K_BOOL: add(o, fi->name, fjson_object_new_boolean(1)); break;
		default: break;
		}
	}
	if (bad != NULL)
		add(top, "invalid", bad);
	return grp[NFP_G_ICMP];
}

struct fjson_object *nfp_to_json(const struct nfp_record *rec, const char *line)
{
	struct fjson_object *top, *inner, *icmp;

	if (rec->type == NFP_NONE || (top = fjson_object_new_object()) == NULL)
		return NULL;
	add(top, "type", fjson_object_new_string(nfp_type_name(rec->type)));
	icmp = emit_pkt(top, &rec->pkt[0], line);
	if (rec->depth_seen && (inner = fjson_object_new_object()) != NULL) {
		emit_pkt(inner, &rec->pkt[1], line);
		add(icmp != NULL ? icmp : top, "inner", inner);
	}
	if (rec->flags & NFP_R_TRUNCATED)
		add(top, "truncated", fjson_object_new_boolean(1));
	if (rec->n_unknown > 0) {
		struct fjson_object *u = fjson_object_new_array();
		if (u != NULL) {
			for (unsigned i = 0; i < rec->n_unknown; i++)
				fjson_object_array_add(u, str(line, rec->unknown[i]));
			if (rec->flags & NFP_R_UNKNOWN_OVF)
				fjson_object_array_add(u, fjson_object_new_string("..."));
			add(top, "unknown", u);
		}
	}
	return top;
}
