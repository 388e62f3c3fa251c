/* nfp_snapset: the ruleset snapshots a long-running consumer (the rsyslog module) resolves
 * against, re-read when their files change or on demand (HUP), swapped atomically.
 *
 * Concurrency: the current snapshots are an immutable, reference-counted object. Readers
 * (worker threads) keep a reference of their own and look at a generation counter (one
 * atomic load) per message; only when it moved do they take the mutex to swap their
 * reference. Loading happens outside that mutex, serialized by a second one, so readers
 * are never blocked by a reload in progress; a reload noticed by nfp_snapset_poll runs in a
 * thread of its own, so no reader does the loading either. A reload that fails keeps the old
 * snapshots.
 */
#ifndef NFP_SNAPSET_H_INCLUDED
#define NFP_SNAPSET_H_INCLUDED
#include <stddef.h>
#include <time.h>
#include "rules/nfp_resolve.h"

enum { NFP_SNAP_IPT4 = 0, NFP_SNAP_IPT6, NFP_SNAP_NFT, NFP_SNAP__COUNT };

struct nfp_snapset;
struct nfp_snap;            /* one immutable generation */

/* a reader's reference (one per worker thread) */
struct nfp_snap_ref {
	struct nfp_snap *s;
	unsigned gen;
};

/* paths[i] may be NULL (not configured). Loads all configured files; NULL with "file:line:
 * message" in err if one does not load. */
struct nfp_snapset *nfp_snapset_new(const char *const paths[NFP_SNAP__COUNT], char *err, size_t errlen);
void nfp_snapset_free(struct nfp_snapset *set);

/* Re-read the files if one changed (mtime, size or inode), or always with force.
 * Returns 1 when new snapshots are in use, 0 when nothing changed (or when the same broken
 * file state was reported before), -1 on a failed load (err says why; old snapshots stay). */
int nfp_snapset_reload(struct nfp_snapset *set, int force, char *err, size_t errlen);
/* Off the message path: at most once per second of now across all callers, look whether a
 * file changed and if so reload in a thread of its own (one at a time); the caller goes on
 * with the snapshots it has, and the readers move to the new ones when they are swapped in.
 * How a reload went (nfp_snapset_reload's result, not 0) is told to the function set by
 * nfp_snapset_on_reload, from that thread. */
void nfp_snapset_poll(struct nfp_snapset *set, time_t now);
void nfp_snapset_on_reload(struct nfp_snapset *set, void (*report)(void *ctx, int r, const char *err), void *ctx);

/* the reader's current snapshots (its reference follows the newest generation) */
const struct nfp_snapshots *nfp_snapset_get(struct nfp_snapset *set, struct nfp_snap_ref *ref);
void nfp_snapset_put(struct nfp_snap_ref *ref);

/* how many generations were loaded (the first one counts) */
unsigned nfp_snapset_loaded(const struct nfp_snapset *set);
/* the files (bit 1 << NFP_SNAP_*) that did not exist when the snapshots were last loaded and
 * have never been loaded: their family has no rules until they appear (the poll loads them).
 * A file that was loaded once and then vanishes is an error: the previous snapshots stay. */
unsigned nfp_snapset_missing(struct nfp_snapset *set);
#endif
