/* Sinks: where an emitter writes a document. An emitter walks the record once, in the order
 * the document is printed, and says "open an object (or array) named N", "a string member",
 * "a number member", "close"; a sink makes that a libfastjson tree (sink_tree.c, what rsyslog's
 * filters and templates read) or JSON text (sink_text.c, byte for byte what libfastjson prints
 * for that tree with FJSON_TO_STRING_PLAIN). One emitter per schema serves both.
 *
 * Names are the schema's own words (string constants, plain ASCII, never repeated in one
 * object); NULL inside arrays. Strings are written as libfastjson would print them from the
 * line's bytes: cut at a NUL byte, ill-formed UTF-8 replaced by U+FFFD (which sets the sink's
 * repaired flag). */
#ifndef NFP_SINK_H_INCLUDED
#define NFP_SINK_H_INCLUDED
#include <stddef.h>
#include <stdint.h>

struct nfp_sink;
struct nfp_sink_ops {
	void (*open)(struct nfp_sink *k, const char *name, int array);
	void (*close)(struct nfp_sink *k);
	void (*str)(struct nfp_sink *k, const char *name, const char *s, size_t n);
	void (*num)(struct nfp_sink *k, const char *name, int64_t v);
	void (*yes)(struct nfp_sink *k, const char *name); /* the boolean true */
};

#define NFP_SINK_DEPTH 8 /* the deepest document: top, icmp, inner, ip ... */

struct nfp_sink {
	const struct nfp_sink_ops *ops;
	int repaired;                 /* a string was written with U+FFFD */
	int depth;
	/* the tree sink */
	struct fjson_object *node[NFP_SINK_DEPTH + 1];
	struct fjson_object *root;
	/* the text sink: the buffer (what did not fit is counted, not written) */
	char *b;
	size_t n, cap;
	unsigned char first[NFP_SINK_DEPTH + 1];
	unsigned char array[NFP_SINK_DEPTH + 1]; /* both sinks: the open container is an array */
};

static inline void nfp_sink_open(struct nfp_sink *k, const char *name) { k->ops->open(k, name, 0); }
static inline void nfp_sink_array(struct nfp_sink *k, const char *name) { k->ops->open(k, name, 1); }
static inline void nfp_sink_close(struct nfp_sink *k) { k->ops->close(k); }
static inline void nfp_sink_str(struct nfp_sink *k, const char *name, const char *s, size_t n)
{
	k->ops->str(k, name, s, n);
}
static inline void nfp_sink_num(struct nfp_sink *k, const char *name, int64_t v) { k->ops->num(k, name, v); }
static inline void nfp_sink_yes(struct nfp_sink *k, const char *name) { k->ops->yes(k, name); }

/* a tree: the root object is k->root after the outermost close (NULL if memory ran out);
 * the caller owns that reference */
void nfp_sink_tree(struct nfp_sink *k);
/* text into buf (cap bytes): k->n is the length the document needs, whatever cap is */
void nfp_sink_text(struct nfp_sink *k, char *buf, size_t cap);
#endif
