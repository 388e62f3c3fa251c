/* Record identity and duplicate suppression (resolve/enrich stage; no rsyslog dependency).
 *
 * Identity: a record's digest is SHA-1 over what makes it one event, the same whoever
 * computes it and however often it is delivered:
 *   - a message from the kernel's /dev/kmsg (imkmsg): the boot id and the kernel's sequence
 *     number, so a replay of the ring buffer after a restart is the same event;
 *   - any other message: host, time reported (RFC 3339 as the sender stamped it) and text,
 *     so a transport's resend is the same event.
 * ECS event.id is the digest in hex (Elasticsearch's _id: a second "create" is a 409).
 *
 * Window: a set of the last N digests seen (first 64 bits), in arrival order; a digest already
 * in it is a duplicate. Saved to and loaded from a state file, so a restart keeps it.
 * Not thread-safe: the caller serialises (the module holds one mutex per action).
 */
#ifndef NFP_DEDUP_H
#define NFP_DEDUP_H
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "enrich/nfp_enrich.h" /* the digests the window keeps */

#define NFP_DEDUP_WINDOW_MIN 16
#define NFP_DEDUP_WINDOW_MAX 50000000

uint64_t nfp_digest_key(const uint8_t digest[20]);

struct nfp_dedup;
struct nfp_dedup *nfp_dedup_new(size_t window);
void nfp_dedup_free(struct nfp_dedup *d);
/* 1: the key is in the window (a duplicate); 0: it was not, and is now (the oldest one leaves
 * a full window) */
int nfp_dedup_seen(struct nfp_dedup *d, uint64_t key);
/* 1 when the key is in the window (nothing added) */
int nfp_dedup_has(const struct nfp_dedup *d, uint64_t key);
size_t nfp_dedup_count(const struct nfp_dedup *d);
/* keys added since creation: a mark for nfp_dedup_save_upto */
uint64_t nfp_dedup_added(const struct nfp_dedup *d);
/* Changes since the last save (for periodic saving). */
int nfp_dedup_dirty(const struct nfp_dedup *d);
/* Keep the window in PATH: appends the keys added since the last save, or writes the file anew
 * (a temporary file renamed over it) when it is not ours yet or would grow past twice the
 * window. 0, or -1 with ERR. */
int nfp_dedup_save(struct nfp_dedup *d, const char *path, char *err, size_t errlen);
/* The same for the keys added before the mark UPTO (nfp_dedup_added at some earlier moment):
 * the window is saved lagging behind, so that it never holds a key whose record the output
 * after this action has not written yet. */
int nfp_dedup_save_upto(struct nfp_dedup *d, const char *path, uint64_t upto, char *err, size_t errlen);
/* Read a window saved by nfp_dedup_save: 1 loaded, 0 no such file (an empty window), -1 a
 * file that is not one (ERR; what was read stays). A bigger saved window keeps its newest
 * entries; a last line cut short (a crash during an append) is left out. */
int nfp_dedup_load(struct nfp_dedup *d, const char *path, char *err, size_t errlen);
/* Learn from the file the records are written to (one JSON document a line, each with its
 * member "event_id", as the native record of a dedup="on" action has it): read from its end
 * backwards, the identities the window does not hold are added, oldest first, until 256 records
 * in a row are ones it holds (the part the state file covered), 4096 lines in a row carry none
 * (written before dedup was on), or the start of the file, two windows of lines, or 1 GiB. A last line without its newline (a write cut short) is not a
 * record written. LEARNED: how many were added. 0 (also: no such file), or -1 with ERR. */
int nfp_dedup_learn(struct nfp_dedup *d, const char *path, size_t *learned, char *err, size_t errlen);

/* An action's window as its workers share it (guard.c): under one mutex; the state file is
 * read with the first record (a relative name is in workdir, rsyslog's work directory, known
 * only then), then what the sink file (or NULL) holds beyond it is learnt (nfp_dedup_learn).
 * The state file is saved every 5 s with the keys that came before the previous save (so it
 * lags the output by 5 to 10 s and never leads it), and whole when the guard is freed.
 * Problems with the file go to report (one sentence naming the parameter); the window goes
 * on without what could not be read or written. */
struct nfp_dedup_guard;
struct nfp_dedup_guard *nfp_dedup_guard_new(size_t window, const char *state, const char *sink,
					     void (*report)(const char *msg));
/* 1 when the window has seen this identity (a duplicate); 0: it had not, and has now */
int nfp_dedup_guard_seen(struct nfp_dedup_guard *g, const uint8_t digest[20], time_t now, const char *workdir);
void nfp_dedup_guard_free(struct nfp_dedup_guard *g);
#endif
