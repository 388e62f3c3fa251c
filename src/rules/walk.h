/* The packet's walk (rules stage): the trace steps of one packet in arrival order, each
 * resolved against the snapshots; its segments (one per table and hook it passed), where
 * each decided, the segment that settled the packet, and the rules that decision kept from
 * running. No printing and no JSON: `nfparse explain` renders these.
 *
 * Steps are grouped by the walk identifier the caller gives (trace.packet, from the enrich
 * stage) and host; the same identifier more than a second later (kernel time stamps) starts
 * another walk. Kernel TRACE lines of several network namespaces mix in one log, and a packet
 * that crosses namespaces keeps its identifier: a kernel step that cannot be this walk's next
 * (another input interface; an output interface gone or changed on a forwarded packet; a hook
 * the packet has passed, such as PREROUTING after FORWARD) joins another open walk of the same
 * identifier that it fits, or starts one. Memory: the walks own a copy of each step's line; nfp_walks_free frees all.
 */
#ifndef NFP_WALK_H_INCLUDED
#define NFP_WALK_H_INCLUDED
#include <stddef.h>
#include "rules/nfp_resolve.h"

#define NFP_WALKID_MAX 16 /* as long as trace.packet (NFP_PKTID_MAX) */

struct nfp_wstep {
	char *line;                /* the message text the step's slices point into */
	struct nfp_step st;
	struct nfp_resolution res;
	enum nfp_verdict v;        /* what the step did; NFP_V_UNKNOWN when neither printed nor resolved */
};

struct nfp_walk {
	char id[NFP_WALKID_MAX + 1];
	char host[128];
	char summary[320];         /* "TCP 10.0.0.4:40000 -> 192.168.0.19:80, in tap0" */
	double last_ts;
	int has_ts;
	/* kernel TRACE: the namespace-bound context so far (see above) */
	char in[17], out[17];      /* IN= and OUT= of its steps (IFNAMSIZ) */
	int hook;                  /* the furthest hook: 1 PREROUTING/OUTPUT, 2 INPUT/FORWARD, 3 POSTROUTING */
	int has_ctx;
	struct nfp_wstep *steps;
	size_t n, cap;
	int done;                  /* told (live explain): its steps are freed, a later step starts a new walk */
};

struct nfp_walks {
	struct nfp_walk *w;
	size_t n, cap;
	const struct nfp_snapshots *snaps; /* what steps resolve against (may be NULL) */
};

/* Add a step: text (n bytes) is a trace record already parsed into rec, id its walk
 * identifier. rec is scratch afterwards. The index of the walk it joined (ws->w[i]), or -1
 * when out of memory. */
int nfp_walks_add(struct nfp_walks *ws, const char *text, size_t n, const char *host, size_t hostn, const char *id,
		  size_t idn, struct nfp_record *rec);
void nfp_walks_free(struct nfp_walks *ws);
/* a walk that is told: its steps freed; a step that comes for it later starts another */
void nfp_walk_done(struct nfp_walk *w);
/* the walk's packet is settled for sure: a step dropped or rejected it (an accepted packet may
 * still meet a later table: only time says it is over) */
int nfp_walk_settled(const struct nfp_walk *w);

struct nfp_segment {
	size_t first, last;        /* step indexes */
	int decided;               /* index of the deciding step, -1 if none */
	enum nfp_verdict v;
	int inferred;              /* accept, inferred from the walk going on */
};
/* the segments of a walk into sg (room for w->n); returns how many */
size_t nfp_walk_segments(const struct nfp_walk *w, struct nfp_segment *sg);
/* the segment that settled the packet: the first that dropped or rejected it; else the filter
 * decision that let it through (a nat rule only where no other table decided, a nat policy
 * never where anything else did); -1 for a walk without segments */
int nfp_walk_final(const struct nfp_walk *w, const struct nfp_segment *sg, size_t ns);

/* the rules below the deciding step of a segment, in its chain and in the chains that called
 * it, and the terminal rules inside the chains those jump to */
struct nfp_never {
	const struct nfp_ruleset *rs;
	const struct nfp_rs_rule *skipped[64];   /* rules below the decision, in the chains on the stack */
	size_t nskipped;
	const struct nfp_rs_rule *reached[64];   /* terminal rules inside chains those rules jump to */
	const struct nfp_rs_rule *via[64];       /* ... and the skipped rule that leads there */
	const struct nfp_rs_chain *path[64][8];  /* the chains on the way */
	size_t pathlen[64];
	size_t nreached;
};

/* 1 and nv filled when the deciding step is a resolved rule; 0 otherwise */
int nfp_walk_never_run(const struct nfp_walk *w, const struct nfp_segment *sg, struct nfp_never *nv);
/* how many chains every reached rule's path starts with */
size_t nfp_never_common_path(const struct nfp_never *nv);
/* "SNAT", "DNAT", "ACCEPT", "accept": the target word of a rule */
size_t nfp_rule_target_word(const struct nfp_rs_rule *r, const char **p);
#endif
