/* nfp_json: the native schema, one libfastjson object per parsed record.
 * Ownership: the caller receives one reference and passes it on (msgAddJSON consumes it)
 * or drops it with fjson_object_put(). */
#ifndef NFP_JSON_H_INCLUDED
#define NFP_JSON_H_INCLUDED
#include <json.h>
#ifndef FJSON_TO_STRING_PLAIN
#error "json.h is not libfastjson's: put libfastjson's include path first"
#endif
#include "nfp.h"

/* Emitters' member add: names are string constants, added once per object, so libfastjson
 * neither copies nor searches them. NULL values are skipped. */
static inline void nfp_json_add(struct fjson_object *o, const char *name, struct fjson_object *v)
{
	if (v != NULL)
		fjson_object_object_add_ex(o, name, v, FJSON_OBJECT_ADD_KEY_IS_NEW | FJSON_OBJECT_KEY_IS_CONSTANT);
}

/* NULL on allocation failure or for NFP_NONE */
struct fjson_object *nfp_to_json(const struct nfp_record *rec, const char *line);

/* The same document as JSON text (libfastjson's FJSON_TO_STRING_PLAIN form) into buf.
 * Returns the length it needs (no terminator); nothing beyond cap is written, so a return
 * value > cap means "call again with a larger buffer". 0 for NFP_NONE. */
size_t nfp_to_json_text(const struct nfp_record *rec, const char *line, char *buf, size_t cap);

/* The ECS schema (Elastic Common Schema 8 + Elastic's iptables.* names). The message's own
 * time (RFC 3339), host and text come from the caller; each may be NULL. */
struct nfp_ecs_meta {
	const char *timestamp;
	const char *hostname;
	const char *message;
	size_t message_len;
};
struct fjson_object *nfp_to_ecs(const struct nfp_record *rec, const char *line, const struct nfp_ecs_meta *m);
#endif
