/* Per-host ruleset snapshots for a central server (see nfp_snapset.h, "hostsnaps"): one
 * snapshot set per sending host, made when the host's first record arrives and its directory
 * exists, each following its own files like any snapshot set. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "rules/nfp_snapset.h"

#define RECHECK 10 /* seconds before a host without a directory is looked at again */

struct host {
	char *name;              /* NULL: an empty slot */
	struct nfp_snapset *set; /* NULL: no directory (looked at `checked`) */
	time_t checked;
};

struct nfp_hostsnaps {
	char *dir;
	pthread_mutex_t mut;     /* guards the table; the sets themselves are thread-safe */
	struct host *h;
	size_t cap, n;           /* cap a power of two, n <= max_hosts */
	size_t max_hosts;
	void (*report)(void *ctx, int r, const char *err);
	void *report_ctx;
};

static const char *const files[NFP_SNAP__COUNT] = { "rules.v4", "rules.v6", "ruleset.nft" };

struct nfp_hostsnaps *nfp_hostsnaps_new(const char *dir, size_t max_hosts, void (*report)(void *ctx, int r, const char *err),
					void *ctx)
{
	struct nfp_hostsnaps *hs = calloc(1, sizeof(*hs));
	if (hs == NULL || (hs->dir = strdup(dir)) == NULL) {
		free(hs);
		return NULL;
	}
	hs->max_hosts = max_hosts;
	hs->report = report;
	hs->report_ctx = ctx;
	pthread_mutex_init(&hs->mut, NULL);
	return hs;
}

void nfp_hostsnaps_free(struct nfp_hostsnaps *hs)
{
	if (hs == NULL)
		return;
	for (size_t i = 0; i < hs->cap; i++) {
		free(hs->h[i].name);
		nfp_snapset_free(hs->h[i].set);
	}
	free(hs->h);
	free(hs->dir);
	pthread_mutex_destroy(&hs->mut);
	free(hs);
}

/* a host name that is one path component of the sender's own: no '/', not "." or "..", no
 * control bytes (the name comes from the network) */
int nfp_hostsnaps_name_ok(const char *host, size_t n)
{
	if (n == 0 || n > 255 || (n == 1 && host[0] == '.') || (n == 2 && host[0] == '.' && host[1] == '.'))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (host[i] == '/' || (unsigned char)host[i] < 0x20 || host[i] == 0x7f)
			return 0;
	return 1;
}

static uint64_t hash(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
	return h;
}

static struct host *slot(struct nfp_hostsnaps *hs, const char *name, size_t n)
{
	for (size_t i = (size_t)hash(name, n);; i++) {
		struct host *e = &hs->h[i & (hs->cap - 1)];
		if (e->name == NULL || (strlen(e->name) == n && memcmp(e->name, name, n) == 0))
			return e;
	}
}

/* room for one more host (at most half full); 0, or -1 without memory */
static int room(struct nfp_hostsnaps *hs)
{
	struct host *old = hs->h;
	size_t oldcap = hs->cap;
	if (hs->cap != 0 && 2 * (hs->n + 1) <= hs->cap)
		return 0;
	hs->cap = oldcap ? oldcap * 2 : 64;
	if ((hs->h = calloc(hs->cap, sizeof(*hs->h))) == NULL) {
		hs->h = old;
		hs->cap = oldcap;
		return -1;
	}
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].name != NULL)
			*slot(hs, old[i].name, strlen(old[i].name)) = old[i];
	free(old);
	return 0;
}

/* the host's snapshot set if its directory exists (made now if it is new); under mut */
static struct nfp_snapset *open_host(struct nfp_hostsnaps *hs, struct host *e, time_t now)
{
	char d[4096], p[NFP_SNAP__COUNT][4200], err[512];
	const char *paths[NFP_SNAP__COUNT];
	struct stat sb;
	e->checked = now;
	if ((size_t)snprintf(d, sizeof(d), "%s/%s", hs->dir, e->name) >= sizeof(d) || stat(d, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return NULL;
	for (int k = 0; k < NFP_SNAP__COUNT; k++) {
		snprintf(p[k], sizeof(p[k]), "%s/%s", d, files[k]);
		paths[k] = p[k];
	}
	if ((e->set = nfp_snapset_new(paths, err, sizeof(err))) == NULL) {
		if (hs->report != NULL)
			hs->report(hs->report_ctx, -1, err);
		return NULL;
	}
	nfp_snapset_on_reload(e->set, hs->report, hs->report_ctx);
	if (hs->report != NULL)
		hs->report(hs->report_ctx, 1, d);
	return e->set;
}

struct nfp_snapset *nfp_hostsnaps_get(struct nfp_hostsnaps *hs, const char *host, size_t n, time_t now)
{
	struct nfp_snapset *set = NULL;
	struct host *e;
	if (host == NULL || !nfp_hostsnaps_name_ok(host, n))
		return NULL;
	pthread_mutex_lock(&hs->mut);
	if (hs->cap != 0 && (e = slot(hs, host, n))->name != NULL) {
		set = e->set;
		if (set == NULL && now - e->checked >= RECHECK) /* no directory then: is there one now? */
			set = open_host(hs, e, now);
	} else if (hs->n < hs->max_hosts && room(hs) == 0 && (e = slot(hs, host, n)) != NULL &&
		   (e->name = strndup(host, n)) != NULL) {
		hs->n++;
		set = open_host(hs, e, now);
	}
	pthread_mutex_unlock(&hs->mut);
	return set;
}

const struct nfp_snapshots *nfp_snap_cache_get(struct nfp_snap_cache *c, struct nfp_snapset *set, time_t now)
{
	unsigned i = 0;
	while (i < NFP_SNAP_CACHE && c->e[i].set != set)
		i++;
	if (i == NFP_SNAP_CACHE) {
		i = c->next++ % NFP_SNAP_CACHE;
		nfp_snapset_put(&c->e[i].ref);
		c->e[i].set = set;
	}
	nfp_snapset_poll(set, now);
	return nfp_snapset_get(set, &c->e[i].ref);
}

void nfp_snap_cache_put(struct nfp_snap_cache *c)
{
	for (unsigned i = 0; i < NFP_SNAP_CACHE; i++) {
		nfp_snapset_put(&c->e[i].ref);
		c->e[i].set = NULL;
	}
}
