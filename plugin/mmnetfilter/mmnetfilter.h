/* mmnetfilter's glue, shared by its files: mmnetfilter.c (rsyslog's module entry points,
 * doAction) and params.c (the action parameters, read and checked at configuration load). */
#ifndef MMNETFILTER_H_INCLUDED
#define MMNETFILTER_H_INCLUDED
#include "statsobj.h"
#include "rules/nfp_snapset.h"
#include "state/nfp_dedup.h"

/* One impstats object per action (statsName, or "mmnetfilter", "mmnetfilter-2", ... in the
 * order of the configuration), so that two actions in one pipeline do not mix their counts. */
struct counters {
	statsobj_t *obj;
	STATSCOUNTER_DEF(seen, mutSeen)
	STATSCOUNTER_DEF(log, mutLog)
	STATSCOUNTER_DEF(trace, mutTrace)
	STATSCOUNTER_DEF(ebt, mutEbt)
	STATSCOUNTER_DEF(fragment, mutFragment)
	STATSCOUNTER_DEF(none, mutNone)
	STATSCOUNTER_DEF(truncated, mutTruncated)
	STATSCOUNTER_DEF(resolved, mutResolved)
	STATSCOUNTER_DEF(unresolved, mutUnresolved)
	STATSCOUNTER_DEF(snapLoaded, mutSnapLoaded)
	STATSCOUNTER_DEF(reloadFailed, mutReloadFailed)
	STATSCOUNTER_DEF(duplicate, mutDuplicate)
};
enum schema { SCHEMA_NATIVE = 0, SCHEMA_ECS };

typedef struct _instanceData {
	uchar *container;  /* "!netfilter", ".x", "/x" (without the '$') */
	enum schema schema;
	int live;                       /* serializer="fast" and its self-test passed (-1 while
					 * the configuration is read: "fast" wanted) */
	sbool fastOff;                  /* "fast" wanted but off: said once, at the first message */
	sbool text;                     /* format="text": the container holds the document's JSON text */
	sbool useRawMsg;
	sbool edgeIdentity;             /* identity.edge="on": the sender's [mmnf@32473 id=] is the identity */
	char *statsName;                /* the impstats object's name */
	struct counters ctr;
	char *rules[NFP_SNAP__COUNT];   /* snapshot files, NULL if not configured */
	struct nfp_snapset *snaps;      /* NULL when no snapshot is configured */
	char *rulesDir;                 /* rulesDir: per-host snapshots (a central server) */
	size_t maxHosts;
	struct nfp_hostsnaps *hosts;    /* NULL without rulesDir */
	struct nfp_select *sel;         /* fields=: the native record's fields (NULL: all) */
	struct nfp_dedup_guard *dedup;  /* dedup="on": the window of digests seen (src/state/guard.c) */
	struct nfp_prefix_set *prules;  /* prefixRules: the site's prefix conventions, following their file
					 * (NULL: the built-in ones only) */
	int initial_counted;            /* atomic: the load at startup is counted with the first message
					 * (counters gathered during config load are dropped by rsyslog) */
} instanceData;

rsRetVal mmnf_configure(instanceData *pData, struct cnfparamvals *pvals, struct cnfparamblk *blk);
rsRetVal mmnf_counters(instanceData *pData, statsobj_if_t *so);
/* what params.c keeps across actions, freed when the module is unloaded */
void mmnf_params_exit(void);
#endif
