/* nfp_resolve: the resolve stage. Ruleset snapshots (iptables-save / ip6tables-save and
 * `nft list ruleset` text), resolution of a parsed record to the rule that produced it, and
 * the packet-walk model shared by the module's per-record fields and `nfparse explain`.
 *
 * A snapshot is immutable once loaded: any number of threads may resolve against it at the
 * same time. Loading allocates; resolving never does (results point into the snapshot and
 * into the caller's line).
 */
#ifndef NFP_RESOLVE_H_INCLUDED
#define NFP_RESOLVE_H_INCLUDED
#include <stddef.h>
#include <stdint.h>
#include "nfp.h"

#ifdef __cplusplus
extern "C" {
#endif

/* what a target / nft verdict does to the packet (a table row per iptables target word) */
enum nfp_verdict {
	NFP_V_NONE = 0,  /* no target: the rule only matches (counts) */
	NFP_V_CONTINUE,  /* non-terminating target (LOG, MARK, TRACE, CT, ...) */
	NFP_V_ACCEPT,
	NFP_V_DROP,
	NFP_V_REJECT,
	NFP_V_NAT,       /* DNAT/SNAT/MASQUERADE/REDIRECT/NETMAP: terminal, ends the nat chain like ACCEPT */
	NFP_V_QUEUE,     /* handed to user space: fate decided elsewhere */
	NFP_V_RETURN,
	NFP_V_JUMP,
	NFP_V_GOTO,
	NFP_V_UNKNOWN,   /* a target this table does not know */
	NFP_V__COUNT
};
const char *nfp_verdict_name(enum nfp_verdict v);
/* terminal for the hook's traversal of this table: ACCEPT, DROP, REJECT, NAT, QUEUE */
int nfp_verdict_terminal(enum nfp_verdict v);
/* ends the packet: DROP, REJECT */
int nfp_verdict_final(enum nfp_verdict v);

enum nfp_rs_format { NFP_RS_IPTABLES = 0, NFP_RS_NFT };

struct nfp_rs_str {
	const char *p; /* into the snapshot's own memory */
	uint32_t len;
};

struct nfp_rs_rule {
	struct nfp_rs_str text;     /* the rule as the file prints it (nft: without "# handle N") */
	struct nfp_rs_str target;   /* "-j"/"-g" target word; nft: the verdict statement ("jump svc") */
	struct nfp_rs_str match;    /* text up to the target part: LOG-then-DROP compares these */
	struct nfp_rs_str key;      /* normalized text: what monitors print, matched on */
	struct nfp_rs_str prefix;   /* log prefix (decoded), len 0 if the rule does not log */
	uint32_t line, handle;      /* line in the file; nft handle (0 = not printed) */
	uint32_t chain, number;     /* chain index; position in the chain, from 1 */
	uint8_t verdict;            /* enum nfp_verdict */
	uint32_t prefix_next;       /* the next rule logging with the same prefix (index + 1), 0 at the end */
	uint32_t jump;              /* jump/goto: the chain it names (index + 1), 0 = none */
};

struct nfp_rs_chain {
	struct nfp_rs_str name;
	struct nfp_rs_str policy;   /* "ACCEPT"/"accept"...; len 0 for a user-defined chain */
	struct nfp_rs_str decl;     /* the declaration line as printed (":INPUT ACCEPT [0:0]") */
	uint32_t table, first, n;   /* rules [first, first+n) of rs->rules */
	uint32_t line, handle;
	uint8_t policy_verdict;     /* enum nfp_verdict of the policy */
	uint8_t hooks;              /* NFP_HOOK_*: the hooks whose packets can reach the chain (0: none) */
	uint8_t base;               /* NFP_HOOK_* bit of a base chain's own hook, 0 for a chain only jumped to */
	int32_t prio;               /* base chains: the hook priority (iptables: of its table) */
	uint32_t ncallers, callers; /* the rules that jump or go here: rs->callers[callers, +ncallers) */
};

/* netfilter hooks, as bits: what a chain can see (its own hook, or those of the chains that
 * jump or go to it); NFP_HOOK_OTHER for nft's ingress/egress and families without the five */
#define NFP_HOOK_PRE 0x01u
#define NFP_HOOK_IN 0x02u
#define NFP_HOOK_FWD 0x04u
#define NFP_HOOK_OUT 0x08u
#define NFP_HOOK_POST 0x10u
#define NFP_HOOK_OTHER 0x20u

struct nfp_rs_table {
	struct nfp_rs_str name;
	uint8_t family;             /* NFPROTO_*: 2 ip, 10 ip6, 1 inet, 3 arp, 7 bridge, 5 netdev; 0 = iptables file */
	uint32_t line;
};

/* a named nft set or map: its whole block, elements read when a rule refers to it */
struct nfp_rs_set {
	uint32_t table;
	struct nfp_rs_str name, body;
};

struct nfp_ruleset {
	enum nfp_rs_format fmt;
	char *path;
	char *mem;                  /* the file text followed by decoded strings */
	struct nfp_rs_table *tables;
	struct nfp_rs_chain *chains;
	struct nfp_rs_rule *rules;
	uint32_t ntables, nchains, nrules;
	uint32_t *chain_idx, chain_mask;  /* open addressing: (table, chain name) -> chain + 1 */
	uint32_t *key_idx, key_mask;      /* (chain, normalized text) -> rule + 1 */
	uint32_t *handle_idx, handle_mask;/* (table, handle) -> rule + 1 (nft) */
	uint32_t *prefix_idx, prefix_mask;/* log prefix -> rule + 1 */
	uint32_t *callers;                /* rule indexes, grouped by the chain they jump or go to */
	struct nfp_rs_set *sets;
	uint32_t nsets;
};
/* a named set or map of a table, NULL if none */
const struct nfp_rs_set *nfp_rs_set(const struct nfp_ruleset *rs, uint32_t table, const char *name, size_t len);

/* Load a snapshot file. NULL on error, with "path:line: what" in err. */
struct nfp_ruleset *nfp_ruleset_load(const char *path, enum nfp_rs_format fmt, char *err, size_t errlen);
/* The same from text in memory (copied); name is used in messages and as rs->path. */
struct nfp_ruleset *nfp_ruleset_parse(const char *text, size_t len, enum nfp_rs_format fmt, const char *name,
				      char *err, size_t errlen);
void nfp_ruleset_free(struct nfp_ruleset *rs);

const struct nfp_rs_table *nfp_rs_table(const struct nfp_ruleset *rs, int family, const char *name, size_t len);
const struct nfp_rs_chain *nfp_rs_chain(const struct nfp_ruleset *rs, const struct nfp_rs_table *t,
					const char *name, size_t len);
/* iptables-nft-save prints every built-in chain of a table, but iptables-nft makes one in the
 * kernel only when a rule or a policy needs it. With the nft snapshot of the same host beside
 * it (nft: family 2 for ipt4, 10 for ipt6), a built-in chain of ipt that nft's table of that
 * name lacks is no base chain: no packet meets it (its hooks are cleared). Only for a snapshot
 * iptables-nft-save wrote (its header says "(nf_tables)"). How many chains were so marked. */
unsigned nfp_rs_absent_builtins(struct nfp_ruleset *ipt, const struct nfp_ruleset *nft, int family);
/* the chain a jump/goto target names, in the same table; NULL if none */
const struct nfp_rs_chain *nfp_rs_jump_chain(const struct nfp_ruleset *rs, const struct nfp_rs_rule *r);

/* lookups inside one snapshot (src/rules/resolve.c uses them; tests too) */
const struct nfp_rs_rule *nfp_rs_by_key(const struct nfp_ruleset *rs, const struct nfp_rs_chain *c, const char *k,
					size_t kl, unsigned *count);
const struct nfp_rs_rule *nfp_rs_by_handle(const struct nfp_ruleset *rs, const struct nfp_rs_table *t, uint32_t handle);
const struct nfp_rs_rule *nfp_rs_by_prefix(const struct nfp_ruleset *rs, const char *p, size_t n, int *ambiguous);
/* every rule logging with this prefix: the first (NULL if none), then nfp_rs_prefix_next */
const struct nfp_rs_rule *nfp_rs_prefix_first(const struct nfp_ruleset *rs, const char *p, size_t n);
const struct nfp_rs_rule *nfp_rs_prefix_next(const struct nfp_ruleset *rs, const struct nfp_rs_rule *r);
/* the text form rules are matched on (single spaces, nft counters without values, no
 * "# handle"); writes at most n bytes to d, returns the length */
size_t nfp_rs_normalize(const char *s, size_t n, char *d);

/* The snapshots a record is resolved against; any may be NULL. */
struct nfp_snapshots {
	const struct nfp_ruleset *ipt4, *ipt6, *nft;
};

enum nfp_res_status { NFP_RES_NONE = 0, NFP_RES_RESOLVED, NFP_RES_UNRESOLVED };

/* the result: pointers into the snapshot and the line; never allocated */
struct nfp_resolution {
	enum nfp_res_status status;
	const struct nfp_ruleset *rs;     /* the snapshot consulted (NULL: none for this record) */
	const struct nfp_rs_chain *chain;
	const struct nfp_rs_rule *rule;   /* NULL for policy / return steps */
	struct nfp_rs_str text;           /* rule text, or the chain's declaration for a policy */
	struct nfp_rs_str target;         /* "ACCEPT", "quantum-snat", "RETURN", "accept", ... */
	uint32_t number;                  /* position in the chain (policy/return: rules + 1) */
	uint32_t line;
	enum nfp_verdict verdict;
	const struct nfp_rs_rule *action; /* LOG records: the rule that decides the packet after it (or itself) */
	const char *reason;               /* UNRESOLVED: why (a constant string); NULL otherwise */
	/* LOG records: the packet's fate after the LOG rule, where the rules decide it (NFP_V_NONE:
	 * they do not), made by action or by the policy of outcome_policy; set also when several
	 * rules could have logged the record but all lead to the same fate */
	enum nfp_verdict outcome;
	const struct nfp_rs_chain *outcome_policy;
	const struct nfp_ruleset *outcome_rs;
	unsigned candidates;              /* LOG records: rules left that could have logged it */
	const char *assumed;              /* what the resolution had to infer (a constant string), NULL: nothing */
};

/* One step of a walk, in the same terms for kernel TRACE and both monitors. */
enum nfp_step_type { NFP_ST_NONE = 0, NFP_ST_RULE, NFP_ST_RETURN, NFP_ST_POLICY, NFP_ST_PACKET };
enum nfp_step_src { NFP_SRC_KERNEL = 0, NFP_SRC_XTABLES, NFP_SRC_NFT };
struct nfp_step {
	enum nfp_step_type type;
	enum nfp_step_src src;
	int family;                 /* NFPROTO_*; kernel TRACE: 2 or 10 from the addresses, 0 unknown */
	struct nfp_slice table, chain;
	uint32_t number;            /* kernel TRACE rule number, 0 = not printed */
	uint32_t handle;            /* monitors: nft rule handle, 0 = not printed */
	struct nfp_slice verdict;   /* monitors: the verdict as printed */
	struct nfp_slice text;      /* monitors: the rule text as printed */
};
/* 1 if the record is a trace step (kernel TRACE or monitor line) */
int nfp_step_of(const struct nfp_record *rec, struct nfp_step *st);
/* verdict word as monitors print it ("ACCEPT", "accept", "JUMP:x", "jump x", "continue") */
enum nfp_verdict nfp_verdict_of_word(const char *s, size_t n);

/* Resolve a record. Records that are neither trace steps nor LOG records with a prefix,
 * or for which no snapshot of their family is loaded, get NFP_RES_NONE. */
enum nfp_res_status nfp_resolve(const struct nfp_snapshots *ss, const struct nfp_record *rec, const char *line,
				struct nfp_resolution *res);

#ifdef __cplusplus
}
#endif
#endif
