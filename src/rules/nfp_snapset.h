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

/* Per-host snapshots (hostsnaps.c), for a central server receiving many firewalls' lines: the
 * snapshots of host H are DIR/H/rules.v4, DIR/H/rules.v6 and DIR/H/ruleset.nft (each optional),
 * a snapshot set of their own made when H's first record arrives and DIR/H exists (a host
 * without one is looked at again after 10 s), at most max_hosts hosts. Host names that are
 * not one path component (a '/', "..", control bytes) are never looked up. report is told of
 * each host's first load (1, the directory) and of every reload (as nfp_snapset_on_reload). */
struct nfp_hostsnaps;
struct nfp_hostsnaps *nfp_hostsnaps_new(const char *dir, size_t max_hosts, void (*report)(void *ctx, int r, const char *err),
					void *ctx);
void nfp_hostsnaps_free(struct nfp_hostsnaps *hs);
/* the host's snapshot set, or NULL (none: no directory, a name refused, too many hosts) */
struct nfp_snapset *nfp_hostsnaps_get(struct nfp_hostsnaps *hs, const char *host, size_t n, time_t now);
int nfp_hostsnaps_name_ok(const char *host, size_t n);

/* A reader's references into several snapshot sets (one per host it saw last): the current
 * snapshots of set, polled (at most once a second, loaded in the background); an entry for a
 * set not among the last NFP_SNAP_CACHE ones takes the oldest's place. Zeroed to start. */
#define NFP_SNAP_CACHE 8
struct nfp_snap_cache {
	struct {
		struct nfp_snapset *set;
		struct nfp_snap_ref ref;
	} e[NFP_SNAP_CACHE];
	unsigned next;
};
const struct nfp_snapshots *nfp_snap_cache_get(struct nfp_snap_cache *c, struct nfp_snapset *set, time_t now);
void nfp_snap_cache_put(struct nfp_snap_cache *c);
#endif
