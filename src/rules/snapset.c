/* Ruleset snapshots that follow their files (see nfp_snapset.h for the locking design). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "rules/nfp_snapset.h"

struct fstate {
	int ok;                  /* stat succeeded */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

struct nfp_snap {
	struct nfp_snapshots ss;
	struct nfp_ruleset *rs[NFP_SNAP__COUNT];
	unsigned missing;        /* bit per file not there yet (no rules of that family) */
	unsigned refs;           /* atomic */
};

struct nfp_snapset {
	char *paths[NFP_SNAP__COUNT];
	pthread_mutex_t mut;     /* guards cur, gen changes and taking a reference */
	pthread_mutex_t load;    /* one reload at a time */
	struct nfp_snap *cur;
	unsigned gen;            /* atomic: bumped on every swap */
	time_t last_poll;        /* atomic */
	struct fstate seen[NFP_SNAP__COUNT];   /* the files as last loaded (or last failed) */
	unsigned had;            /* bit per file loaded once: from then on, its absence is an error */
	/* the background reload nfp_snapset_poll starts (under mut): its thread while one is
	 * started and not joined, and where it says how it went */
	pthread_t loader;
	int loader_on;
	int loader_done;         /* atomic: the thread has finished */
	void (*report)(void *ctx, int r, const char *err);
	void *report_ctx;
	unsigned loaded;         /* atomic */
};

static void snap_unref(struct nfp_snap *s)
{
	if (s != NULL && __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		for (int i = 0; i < NFP_SNAP__COUNT; i++)
			nfp_ruleset_free(s->rs[i]);
		free(s);
	}
}

static void state_of(const char *path, struct fstate *st)
{
	struct stat sb;
	memset(st, 0, sizeof(*st));
	if (path == NULL || stat(path, &sb) != 0)
		return;
	st->ok = 1;
	st->dev = sb.st_dev;
	st->ino = sb.st_ino;
	st->size = sb.st_size;
	st->mtime = sb.st_mtim;
}

static int same_state(const struct fstate *a, const struct fstate *b)
{
	return a->ok == b->ok && a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec;
}

static struct nfp_snap *load_all(struct nfp_snapset *set, char *err, size_t errlen)
{
	struct nfp_snap *s = calloc(1, sizeof(*s));
	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->refs = 1;
	for (int i = 0; i < NFP_SNAP__COUNT; i++) {
		struct stat sb;
		if (set->paths[i] == NULL)
			continue;
		if (!(set->had & 1u << i) && stat(set->paths[i], &sb) != 0 && errno == ENOENT) {
			s->missing |= 1u << i; /* not written yet (the unit has not run): loaded when it appears */
			continue;
		}
		s->rs[i] = nfp_ruleset_load(set->paths[i], i == NFP_SNAP_NFT ? NFP_RS_NFT : NFP_RS_IPTABLES, err, errlen);
		if (s->rs[i] == NULL) {
			snap_unref(s);
			return NULL;
		}
	}
	for (int i = 0; i < NFP_SNAP__COUNT; i++)
		if (s->rs[i] != NULL)
			set->had |= 1u << i;
	/* an iptables-nft host's two snapshots: the built-in chains the kernel does not have */
	nfp_rs_absent_builtins(s->rs[NFP_SNAP_IPT4], s->rs[NFP_SNAP_NFT], 2);
	nfp_rs_absent_builtins(s->rs[NFP_SNAP_IPT6], s->rs[NFP_SNAP_NFT], 10);
	s->ss.ipt4 = s->rs[NFP_SNAP_IPT4];
	s->ss.ipt6 = s->rs[NFP_SNAP_IPT6];
	s->ss.nft = s->rs[NFP_SNAP_NFT];
	return s;
}

struct nfp_snapset *nfp_snapset_new(const char *const paths[NFP_SNAP__COUNT], char *err, size_t errlen)
{
	struct nfp_snapset *set = calloc(1, sizeof(*set));
	if (set == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&set->mut, NULL);
	pthread_mutex_init(&set->load, NULL);
	for (int i = 0; i < NFP_SNAP__COUNT; i++) {
		if (paths[i] != NULL && (set->paths[i] = strdup(paths[i])) == NULL) {
			snprintf(err, errlen, "out of memory");
			nfp_snapset_free(set);
			return NULL;
		}
		state_of(set->paths[i], &set->seen[i]);
	}
	if ((set->cur = load_all(set, err, errlen)) == NULL) {
		nfp_snapset_free(set);
		return NULL;
	}
	set->loaded = 1;
	set->last_poll = time(NULL);
	return set;
}

void nfp_snapset_free(struct nfp_snapset *set)
{
	if (set == NULL)
		return;
	if (set->loader_on) /* a reload under way finishes first */
		pthread_join(set->loader, NULL);
	snap_unref(set->cur);
	for (int i = 0; i < NFP_SNAP__COUNT; i++)
		free(set->paths[i]);
	pthread_mutex_destroy(&set->mut);
	pthread_mutex_destroy(&set->load);
	free(set);
}

/* the files' states now, and whether one differs from the state last loaded; under load */
static int look(struct nfp_snapset *set, struct fstate now[NFP_SNAP__COUNT])
{
	int changed = 0;
	for (int i = 0; i < NFP_SNAP__COUNT; i++) {
		state_of(set->paths[i], &now[i]);
		changed |= !same_state(&now[i], &set->seen[i]);
	}
	return changed;
}

int nfp_snapset_reload(struct nfp_snapset *set, int force, char *err, size_t errlen)
{
	struct fstate now[NFP_SNAP__COUNT];
	struct nfp_snap *s, *old;
	int changed, rc;
	pthread_mutex_lock(&set->load);
	changed = look(set, now);
	if (!changed && !force) {
		pthread_mutex_unlock(&set->load);
		return 0;
	}
	memcpy(set->seen, now, sizeof(now)); /* a broken state is reported once, not every second */
	s = load_all(set, err, errlen);
	if (s == NULL) {
		rc = -1;
	} else {
		pthread_mutex_lock(&set->mut);
		old = set->cur;
		set->cur = s;
		__atomic_add_fetch(&set->gen, 1, __ATOMIC_RELEASE);
		pthread_mutex_unlock(&set->mut);
		snap_unref(old);
		__atomic_add_fetch(&set->loaded, 1, __ATOMIC_RELAXED);
		rc = 1;
	}
	pthread_mutex_unlock(&set->load);
	return rc;
}

/* a file's state differs from the one last loaded; 0 while a reload runs (it looks itself) */
static int changed(struct nfp_snapset *set)
{
	struct fstate now[NFP_SNAP__COUNT];
	int c;
	if (pthread_mutex_trylock(&set->load) != 0)
		return 0;
	c = look(set, now);
	pthread_mutex_unlock(&set->load);
	return c;
}

static void *loader_main(void *arg)
{
	struct nfp_snapset *set = arg;
	char err[512] = "";
	int r = nfp_snapset_reload(set, 0, err, sizeof(err));
	if (set->report != NULL && r != 0)
		set->report(set->report_ctx, r, err);
	__atomic_store_n(&set->loader_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

void nfp_snapset_on_reload(struct nfp_snapset *set, void (*report)(void *ctx, int r, const char *err), void *ctx)
{
	set->report = report;
	set->report_ctx = ctx;
}

void nfp_snapset_poll(struct nfp_snapset *set, time_t now)
{
	time_t last = __atomic_load_n(&set->last_poll, __ATOMIC_RELAXED);
	if (now == last || !__atomic_compare_exchange_n(&set->last_poll, &last, now, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		return;
	pthread_mutex_lock(&set->mut);
	if (set->loader_on && __atomic_load_n(&set->loader_done, __ATOMIC_ACQUIRE)) {
		pthread_join(set->loader, NULL); /* it has finished: no wait */
		set->loader_on = 0;
	}
	if (!set->loader_on && changed(set)) {
		__atomic_store_n(&set->loader_done, 0, __ATOMIC_RELAXED);
		set->loader_on = pthread_create(&set->loader, NULL, loader_main, set) == 0;
	}
	pthread_mutex_unlock(&set->mut);
}

const struct nfp_snapshots *nfp_snapset_get(struct nfp_snapset *set, struct nfp_snap_ref *ref)
{
	unsigned gen = __atomic_load_n(&set->gen, __ATOMIC_ACQUIRE);
	if (ref->s == NULL || ref->gen != gen) {
		struct nfp_snap *old = ref->s;
		pthread_mutex_lock(&set->mut);
		ref->s = set->cur;
		__atomic_add_fetch(&ref->s->refs, 1, __ATOMIC_RELAXED);
		ref->gen = __atomic_load_n(&set->gen, __ATOMIC_RELAXED);
		pthread_mutex_unlock(&set->mut);
		snap_unref(old);
	}
	return &ref->s->ss;
}

void nfp_snapset_put(struct nfp_snap_ref *ref)
{
	snap_unref(ref->s);
	ref->s = NULL;
}

unsigned nfp_snapset_loaded(const struct nfp_snapset *set)
{
	return __atomic_load_n(&set->loaded, __ATOMIC_RELAXED);
}

unsigned nfp_snapset_missing(struct nfp_snapset *set)
{
	unsigned m;
	pthread_mutex_lock(&set->mut);
	m = set->cur->missing;
	pthread_mutex_unlock(&set->mut);
	return m;
}
