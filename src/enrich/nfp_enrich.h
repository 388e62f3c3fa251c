/* The enrich stage: what a record gains beyond its own fields, computed once before any
 * emitter runs (no rsyslog dependency, no JSON).
 *   packet_id.c   trace.packet, the walk a trace step belongs to
 *   identity.c    the record's identity (ECS event.id, the duplicate window's key)
 *   prefix.c      what a LOG prefix says happened (UFW, Shorewall, firewalld, EdgeOS/VyOS, a last
 *                 word such as DROP or ACCEPT)
 *   community_id.c  Community ID v1 (declared in nfp.h)
 *   facts.c       nfp_enrich: all of the above for one record, into struct nfp_facts
 */
#ifndef NFP_ENRICH_H_INCLUDED
#define NFP_ENRICH_H_INCLUDED
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "nfp.h"

/* trace.packet: the identifier of one packet's walk. Monitor lines carry the kernel's own
 * trace id; for kernel TRACE lines it is a hash of the header fields NAT does not rewrite
 * (see README "The packet's walk"), mixed with the host name when one is given. Writes
 * the text form (no terminator) and returns its length; 0 for records that are no step. */
#define NFP_PKTID_MAX 16
size_t nfp_packet_id(const struct nfp_record *rec, const char *line, const char *host, size_t hostlen,
		     char out[NFP_PKTID_MAX]);

/* Identity: SHA-1 over what makes a record one kernel event, unique by construction; two
 * records share it only when they are the same event delivered twice:
 *   - kmsg: a message from /dev/kmsg (imkmsg): the boot id and the kernel's sequence number,
 *     so a replay of the ring buffer after a restart is the same event;
 *   - journal: a kernel message from the journal (imjournal, _TRANSPORT=kernel): its boot id,
 *     the kernel's own time stamp of it (_SOURCE_MONOTONIC_TIMESTAMP, microseconds) and text;
 *   - file: a line imfile read (addMetadata="on"): the file's name, the line's offset in it and
 *     its text, so a file read again after a crash is the same lines;
 *   - nflog: a packet imnetfilter read from an NFLOG group: the boot, the network namespace
 *     (its inode) and the kernel's global NFLOG sequence number in that namespace;
 *   - edge: an identity the sending edge gave the message once ($uuid, carried in the
 *     structured data element [mmnf@32473 id="..."]), with the sender's host name;
 *   - none of these (plain syslog from a router): a random identity, new for every message
 *     this rsyslogd receives: never a duplicate, and the same through every retry and queue
 *     of this rsyslogd (it is part of the document), but a resend from the sender is a new one.
 * nfp_event_digest (host, time reported, text) is what nfparse uses for lines of a file. */
enum nfp_id_kind { NFP_ID_RANDOM = 0, NFP_ID_KMSG, NFP_ID_JOURNAL, NFP_ID_EDGE, NFP_ID_FILE, NFP_ID_NFLOG };
void nfp_event_digest(const char *host, size_t host_len, const char *time, size_t time_len, const char *msg,
		      size_t msg_len, uint8_t out[20]);
void nfp_kmsg_digest(const char *boot_id, size_t boot_id_len, uint64_t seq, uint8_t out[20]);
void nfp_journal_digest(const char *boot_id, size_t boot_len, const char *mono, size_t mono_len, const char *text,
			size_t text_len, uint8_t out[20]);
void nfp_nflog_digest(const char *boot_id, size_t boot_len, const char *netns, size_t netns_len, const char *seq,
		       size_t seq_len, uint8_t out[20]);
void nfp_edge_digest(const char *host, size_t host_len, const char *id, size_t id_len, uint8_t out[20]);
void nfp_file_digest(const char *file, size_t file_len, const char *offset, size_t off_len, const char *text,
		     size_t text_len, uint8_t out[20]);
/* What the identity reads of a message, whoever carries it (the rsyslog glue fills it): the
 * input module's name, the host, the structured data (NULL: the edge's identity is not taken
 * from this message), this host's boot id ("" where unknown), the text, and a string property of
 * the message by rsyslog's name ("!sequnum", "!metadata!filename", "!_BOOT_ID"; NULL where absent;
 * the string stays valid until the caller lets it go). */
struct nfp_id_msg {
	const char *input;
	size_t input_len;
	const char *host;
	const char *sd;
	size_t sd_len;
	const char *boot_id;
	const char *text;
	size_t text_len;
	const char *(*prop)(void *ctx, const char *name);
	void *ctx;
};
/* the message's identity by the rule above into out, and which it is */
enum nfp_id_kind nfp_identity_of(const struct nfp_id_msg *m, uint8_t out[20]);
/* 20 random bytes (getrandom); 0 on success */
int nfp_random_id(uint8_t out[20]);
/* the edge identity in a message's structured data: the value of id= in the element
 * [mmnf@32473 ...] (8 to 64 of [0-9A-Za-z-]); 1 with *id, *n set, 0 where there is none */
int nfp_edge_id(const char *sd, size_t n, const char **id, size_t *idn);
/* this boot's id (/proc/sys/kernel/random/boot_id) into out, its length; 0 where unknown */
size_t nfp_boot_id(char out[40]);
/* The prefix (n bytes, as printed: a trailing space is the rule's own) read by the known
 * conventions; an empty action and type 0 when none applies. */
#define NFP_PREFIX_TAGS 4
struct nfp_prefix_verdict {
	char action[48];
	int type; /* 0 unknown, 1 allowed, 2 denied */
	const char *rule_name, *rule_id, *ruleset;
	size_t rule_name_len, rule_id_len, ruleset_len;
	/* the zones the packet came from and goes to (ECS observer.ingress/egress.zone), NULL if not said */
	const char *zone_in, *zone_out;
	size_t zone_in_len, zone_out_len;
	/* vendor=ubiquiti: ECS iptables.ubiquiti.{rule_set,rule_number,input_zone,output_zone} */
	int ubnt;
	/* a prefix rule (nfp_prefix_rules_apply): its line, its tags; values live in store */
	unsigned rule_line;
	const char *tags[NFP_PREFIX_TAGS];
	size_t tag_len[NFP_PREFIX_TAGS];
	unsigned ntags;
	char store[384];
	size_t store_used;
};
void nfp_prefix_verdict(const char *p, size_t n, struct nfp_prefix_verdict *v);

/* Prefix rules (src/enrich/prefixrules.c): a site's conventions, one per line,
 *   "PATTERN" key=value ...
 * PATTERN matches the whole prefix (trailing spaces left out): literal text, {name} (one or
 * more bytes), {name:num} (digits), {name:word} ([A-Za-z0-9_.]) and * (any run). Keys:
 * action=WORD (ECS event.action), type=allowed|denied|none (event.type), rule.name=,
 * rule.id=, rule.ruleset= (ECS rule.*), tag= (up to 4; ECS tags); values may hold {name}.
 * '#' starts a comment line. The first rule that matches wins. */
struct nfp_prefix_rules;
struct nfp_prefix_rules *nfp_prefix_rules_load(const char *path, char *err, size_t errlen);
struct nfp_prefix_rules *nfp_prefix_rules_parse(const char *text, size_t len, const char *name, char *err, size_t errlen);
void nfp_prefix_rules_free(struct nfp_prefix_rules *rs);
unsigned nfp_prefix_rules_count(const struct nfp_prefix_rules *rs);
const char *nfp_prefix_rules_path(const struct nfp_prefix_rules *rs);
/* A site's prefix rules that follow their file (src/enrich/prefixset.c), for long-running
 * readers: nfp_prefix_set_get gives the reader's current rules (one atomic load per call while
 * nothing changed); nfp_prefix_set_poll looks at the file at most once a second of now and
 * loads a changed one; nfp_prefix_set_reload does it now (force: even if the file looks the
 * same). Both return 1 when new rules are in use, 0 when nothing changed or a failure was
 * reported before, -1 on a new failure (err says why; the previous rules stay in use). */
struct nfp_prefix_set;
struct nfp_prefix_gen;
struct nfp_prefix_ref {
	struct nfp_prefix_gen *g;
	unsigned gen;
	struct nfp_prefix_set *set;
};
struct nfp_prefix_set *nfp_prefix_set_new(const char *path, char *err, size_t errlen);
void nfp_prefix_set_free(struct nfp_prefix_set *s);
const char *nfp_prefix_set_path(const struct nfp_prefix_set *s);
int nfp_prefix_set_reload(struct nfp_prefix_set *s, int force, char *err, size_t errlen);
int nfp_prefix_set_poll(struct nfp_prefix_set *s, time_t now, char *err, size_t errlen);
const struct nfp_prefix_rules *nfp_prefix_set_get(struct nfp_prefix_set *s, struct nfp_prefix_ref *ref);
void nfp_prefix_set_put(struct nfp_prefix_ref *ref);

/* the conventions built in (contrib/prefix-rules/netfilter.prefixes), read at the first call */
const struct nfp_prefix_rules *nfp_prefix_defaults(void);
/* the first rule matching prefix p (n bytes) into v: its line, 0 when none matches (v untouched) */
unsigned nfp_prefix_rules_apply(const struct nfp_prefix_rules *rs, const char *p, size_t n, struct nfp_prefix_verdict *v);

/* Where a record came from, as far as the caller knows it (each may be NULL): the host its
 * walk is kept apart by (kernel TRACE steps of one host form one walk), the sender's host
 * name, the time it reported (RFC 3339) and the message text (these three make its identity),
 * or the record's identity if the caller has one (imkmsg's) */
struct nfp_origin {
	const char *host;
	size_t hostlen;
	const char *sender;
	const char *time;
	const char *message;
	size_t message_len;
	const uint8_t *digest;
	const struct nfp_prefix_rules *prules; /* a site's prefix rules, tried before the built-in conventions */
};

/* What the emitters render beside the record's own fields: filled by nfp_enrich, for the facts
 * asked for (NFP_FACT_*), before any emitter runs */
#define NFP_FACT_PACKET 1u       /* trace.packet (kernel TRACE: computed; monitors: their id) */
#define NFP_FACT_PREFIX 2u       /* what the LOG prefix says happened */
#define NFP_FACT_COMMUNITY_ID 4u /* the flow's Community ID */
#define NFP_FACT_EVENT_ID 8u     /* the record's identity in hex (ECS event.id) */
struct nfp_facts {
	char packet[NFP_PKTID_MAX];
	size_t packet_len;
	struct nfp_prefix_verdict prefix;
	char community_id[NFP_CID_MAX];
	size_t community_id_len;
	char event_id[40];
	int has_event_id;
};
void nfp_enrich(const struct nfp_record *rec, const char *line, const struct nfp_origin *o, unsigned want,
		struct nfp_facts *f);
#endif
