/* The tree sink (sink.h): a libfastjson object per value, linked as the emitter says, in the
 * order it says (libfastjson prints members in the order they were added). Member names are
 * the schema's string constants: added once per object, neither copied nor searched. */
#include <stdlib.h>
#include <string.h>
#include "emit/sink.h"
#include "emit/nfp_json.h"

/* a string of bytes from the line or a snapshot: as they are when well-formed UTF-8, else
 * with each byte of an ill-formed sequence replaced by U+FFFD; *repaired set then */
static struct fjson_object *json_str(const char *p, size_t n, int *repaired)
{
	char small[768], *b;
	struct fjson_object *o;
	const char *nul = memchr(p, 0, n);
	if (nul != NULL) /* libfastjson writes a string up to its first NUL: judge what it writes */
		n = (size_t)(nul - p);
	if (nfp_utf8_valid(p, n) == n)
		return fjson_object_new_string_len(p, (int)n);
	*repaired = 1;
	b = n <= sizeof(small) / 3 ? small : malloc(3 * n);
	if (b == NULL)
		return NULL;
	o = fjson_object_new_string_len(b, (int)nfp_utf8_repair(p, n, b));
	if (b != small)
		free(b);
	return o;
}

/* v becomes a member of the open object (or an element of the open array); NULL values (no
 * memory) are left out */
static void add(struct nfp_sink *k, const char *name, struct fjson_object *v)
{
	struct fjson_object *at = k->node[k->depth];
	if (v == NULL || at == NULL) {
		fjson_object_put(v);
		return;
	}
	if (k->array[k->depth])
		fjson_object_array_add(at, v);
	else
		nfp_json_add(at, name, v);
}

static void tr_open(struct nfp_sink *k, const char *name, int array)
{
	struct fjson_object *o = array ? fjson_object_new_array() : fjson_object_new_object();
	if (k->depth == 0) {
		k->root = o; /* the document itself: the caller's reference */
	} else if (k->node[k->depth] == NULL) {
		fjson_object_put(o); /* its parent could not be made: nor can it be reached */
		o = NULL;
	} else if (o != NULL) {
		add(k, name, o); /* the parent holds it from now on */
	}
	if (k->depth < NFP_SINK_DEPTH)
		k->depth++;
	k->node[k->depth] = o;
	k->array[k->depth] = (unsigned char)array;
}

static void tr_close(struct nfp_sink *k)
{
	k->node[k->depth] = NULL;
	if (k->depth > 0)
		k->depth--;
}

static void tr_str(struct nfp_sink *k, const char *name, const char *s, size_t n)
{
	add(k, name, json_str(s, n, &k->repaired));
}

static void tr_num(struct nfp_sink *k, const char *name, int64_t v)
{
	add(k, name, fjson_object_new_int64(v));
}

static void tr_yes(struct nfp_sink *k, const char *name)
{
	add(k, name, fjson_object_new_boolean(1));
}

static const struct nfp_sink_ops tree_ops = { tr_open, tr_close, tr_str, tr_num, tr_yes };

void nfp_sink_tree(struct nfp_sink *k)
{
	memset(k, 0, sizeof(*k));
	k->ops = &tree_ops;
}

