/* nfp_json: the native schema, one libfastjson object per parsed record.
 * Ownership: the caller receives one reference and passes it on (msgAddJSON consumes it)
 * or drops it with fjson_object_put(). */
#ifndef NFP_JSON_H_INCLUDED
#define NFP_JSON_H_INCLUDED
#include <json.h>
#ifndef FJSON_TO_STRING_PLAIN
#error "json.h is not libfastjson's: put libfastjson's include path first"

/* The document the module writes for a message, into a sink: the native or ECS record, or,
 * for a message the duplicate window has seen, {"type":"duplicate","event_id":"<m->digest>"}.
 * 0 when there is none (NFP_NONE, or no digest). */
enum nfp_doc { NFP_DOC_NATIVE, NFP_DOC_ECS, NFP_DOC_DUPLICATE };
int nfp_document(struct nfp_sink *k, enum nfp_doc kind, const struct nfp_record *rec, const char *line,
		 const struct nfp_ecs_meta *m, const struct nfp_extra *x);
#endif
#include "nfp.h"
#include "rules/nfp_resolve.h"
#include "enrich/nfp_enrich.h"

/* What the emitters add beyond the line: the host mixed into a kernel TRACE record's
 * trace.packet, and the rule the record resolved to (the "rule" object). Either may be
 * absent; x itself may be NULL. */
struct nfp_select; /* below */
struct nfp_extra {
	const char *host;
	size_t hostlen;
	const struct nfp_resolution *res;
	const struct nfp_select *sel; /* native schema: only these fields (NULL: all) */
	const struct nfp_prefix_rules *prules; /* a site's prefix rules (NULL: the built-in conventions) */
};

/* A field selection (src/emit/select.c): the fields by bit, and the parts that are no field */
struct nfp_select {
	uint64_t f[NFP_PRESENT_WORDS];
	unsigned char rule, unknown, invalid, inner, packet;
};
/* "ip.src,ports,trace,rule": 0, or -1 with "unknown field name 'x'" in err */
int nfp_select_parse(const char *spec, struct nfp_select *sel, char *err, size_t errlen);
static inline int nfp_selected(const struct nfp_select *s, unsigned f)
{
	return s == NULL || (int)((s->f[f >> 6] >> (f & 63)) & 1u);
}

/* Emitters' member add: names are string constants, added once per object, so libfastjson
 * neither copies nor searches them. NULL values are skipped. */
static inline void nfp_json_add(struct fjson_object *o, const char *name, struct fjson_object *v)
{
	if (v != NULL)
		fjson_object_object_add_ex(o, name, v, FJSON_OBJECT_ADD_KEY_IS_NEW | FJSON_OBJECT_KEY_IS_CONSTANT);
}


/* The live-tree serializer (src/emit/serializer.c): the same text libfastjson prints for a document,
 * written faster. init checks it against libfastjson once (thread-safe, idempotent) and
 * returns 1 if it is on, else 0 with the reason in *why; attach sets it on a document's top
 * object (nothing if it is off). The emitters do not attach it themselves: the caller
 * decides. */
int nfp_json_live_init(const char **why);
/* 1 when running is the libfastjson version the serializer was built against; else 0 and why */
int nfp_json_live_version_ok(const char *running, char *why, size_t cap);
void nfp_json_live_attach(struct fjson_object *o);

/* NULL on allocation failure or for NFP_NONE */
struct fjson_object *nfp_to_json(const struct nfp_record *rec, const char *line);
struct fjson_object *nfp_to_json_ex(const struct nfp_record *rec, const char *line, const struct nfp_extra *x);

/* The same document as JSON text (libfastjson's FJSON_TO_STRING_PLAIN form) into buf.
 * Returns the length it needs (no terminator); nothing beyond cap is written, so a return
 * value > cap means "call again with a larger buffer". 0 for NFP_NONE. */
size_t nfp_to_json_text(const struct nfp_record *rec, const char *line, char *buf, size_t cap);
size_t nfp_to_json_text_ex(const struct nfp_record *rec, const char *line, const struct nfp_extra *x, char *buf,
			   size_t cap);

/* One emitter per schema writes a record and its facts (the enrich stage's, nfp_enrich.h)
 * into a sink (sink.h); nfp_document runs the enrich stage, then the emitter. nfp_to_json_ex
 * and nfp_to_ecs_ex go through the tree sink, the *_text functions through the text sink.
 * The emitters return 0 for NFP_NONE. */
struct nfp_sink;
int nfp_native(struct nfp_sink *k, const struct nfp_record *rec, const char *line, const struct nfp_extra *x,
	       const struct nfp_facts *fx);
/* the members of the "rule" object, in order (native, ECS, explain), into the open object */
void nfp_rule_members(const struct nfp_resolution *res, struct nfp_sink *k);


/* The ECS schema (Elastic Common Schema 8 + Elastic's iptables.* names). The message's own
 * time (RFC 3339), host and text come from the caller; each may be NULL. */
struct nfp_ecs_meta {
	const char *timestamp;
	const char *hostname;
	const char *message;
	size_t message_len;
	const uint8_t *digest; /* the record's identity (nfp_dedup.h), or NULL: from host, time, message */
};
/* the ECS document into a sink (0 for NFP_NONE), as a tree, or as text (the length it needs,
 * as nfp_to_json_text_ex) */
int nfp_ecs(struct nfp_sink *k, const struct nfp_record *rec, const char *line, const struct nfp_ecs_meta *m,
	    const struct nfp_extra *x, const struct nfp_facts *fx);
size_t nfp_to_ecs_text(const struct nfp_record *rec, const char *line, const struct nfp_ecs_meta *m,
		       const struct nfp_extra *x, char *buf, size_t cap);
struct fjson_object *nfp_to_ecs(const struct nfp_record *rec, const char *line, const struct nfp_ecs_meta *m);
struct fjson_object *nfp_to_ecs_ex(const struct nfp_record *rec, const char *line, const struct nfp_ecs_meta *m,
				   const struct nfp_extra *x);

/* The document the module writes for a message, into a sink: the native or ECS record, or,
 * for a message the duplicate window has seen, {"type":"duplicate","event_id":"<m->digest>"}.
 * 0 when there is none (NFP_NONE, or no digest). */
enum nfp_doc { NFP_DOC_NATIVE, NFP_DOC_ECS, NFP_DOC_DUPLICATE };
int nfp_document(struct nfp_sink *k, enum nfp_doc kind, const struct nfp_record *rec, const char *line,
		 const struct nfp_ecs_meta *m, const struct nfp_extra *x);
#endif
