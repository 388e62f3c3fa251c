/* A site's prefix rules that follow their file, for a long-running reader (the rsyslog module):
 * the rules in use are an immutable, reference-counted generation; a reader keeps a reference
 * and looks at one atomic generation number per record, taking the mutex only when it moved.
 * The file is looked at no more than once a second (mtime, size, inode) and on demand (HUP);
 * a new version that does not load leaves the previous rules in use and is reported once. The
 * files are small (a line per convention): they are read by the reader that notices the change. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "enrich/nfp_enrich.h"

struct nfp_prefix_gen {
	struct nfp_prefix_rules *r;
	unsigned refs; /* under the set's mutex */
};

struct nfp_prefix_set {
	char *path;
	pthread_mutex_t mu;     /* the current generation and its references */
	pthread_mutex_t loader; /* one reload at a time */
	struct nfp_prefix_gen *cur;
	unsigned gen;           /* atomic: moves with each new generation */
	time_t checked;         /* atomic: the second the file was last looked at */
	struct stat st;         /* the file as last loaded (or last failed) */
	char failed[256];       /* the last failure reported, to report a broken state once */
};

static void drop(struct nfp_prefix_set *s, struct nfp_prefix_gen *g)
{
	if (g == NULL)
		return;
	pthread_mutex_lock(&s->mu);
	unsigned left = --g->refs;
	pthread_mutex_unlock(&s->mu);
	if (left == 0) {
		nfp_prefix_rules_free(g->r);
		free(g);
	}
}

struct nfp_prefix_set *nfp_prefix_set_new(const char *path, char *err, size_t errlen)
{
	struct nfp_prefix_set *s = calloc(1, sizeof(*s));
	struct nfp_prefix_gen *g = calloc(1, sizeof(*g));
	if (s == NULL || g == NULL || (s->path = strdup(path)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		free(g);
		if (s != NULL)
			free(s->path);
		free(s);
		return NULL;
	}
	if ((g->r = nfp_prefix_rules_load(path, err, errlen)) == NULL) {
		free(g);
		free(s->path);
		free(s);
		return NULL;
	}
	stat(path, &s->st);
	g->refs = 1;
	s->cur = g;
	pthread_mutex_init(&s->mu, NULL);
	pthread_mutex_init(&s->loader, NULL);
	return s;
}

void nfp_prefix_set_free(struct nfp_prefix_set *s)
{
	if (s == NULL)
		return;
	drop(s, s->cur);
	pthread_mutex_destroy(&s->mu);
	pthread_mutex_destroy(&s->loader);
	free(s->path);
	free(s);
}

const char *nfp_prefix_set_path(const struct nfp_prefix_set *s)
{
	return s->path;
}

static int same_file(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

int nfp_prefix_set_reload(struct nfp_prefix_set *s, int force, char *err, size_t errlen)
{
	struct stat st;
	int r = 0;
	err[0] = '\0';
	pthread_mutex_lock(&s->loader);
	if (stat(s->path, &st) != 0) {
		snprintf(err, errlen, "%s: cannot read it (the previous rules stay in use)", s->path);
		r = strcmp(err, s->failed) != 0 ? -1 : 0;
		snprintf(s->failed, sizeof(s->failed), "%s", err);
		goto out;
	}
	if (!force && same_file(&st, &s->st))
		goto out;
	s->st = st;
	struct nfp_prefix_gen *g = calloc(1, sizeof(*g));
	if (g == NULL || (g->r = nfp_prefix_rules_load(s->path, err, errlen)) == NULL) {
		free(g);
		if (err[0] == '\0')
			snprintf(err, errlen, "%s: out of memory", s->path);
		/* the same broken file again (a HUP, say) is reported once */
		r = strcmp(err, s->failed) != 0 || force ? -1 : 0;
		snprintf(s->failed, sizeof(s->failed), "%s", err);
		goto out;
	}
	s->failed[0] = '\0';
	g->refs = 1;
	pthread_mutex_lock(&s->mu);
	struct nfp_prefix_gen *old = s->cur;
	s->cur = g;
	__atomic_add_fetch(&s->gen, 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&s->mu);
	drop(s, old);
	r = 1;
out:
	pthread_mutex_unlock(&s->loader);
	return r;
}

int nfp_prefix_set_poll(struct nfp_prefix_set *s, time_t now, char *err, size_t errlen)
{
	time_t last = __atomic_load_n(&s->checked, __ATOMIC_RELAXED);
	if (now == last || !__atomic_compare_exchange_n(&s->checked, &last, now, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		return 0; /* looked at this second, or another reader is looking */
	return nfp_prefix_set_reload(s, 0, err, errlen);
}

const struct nfp_prefix_rules *nfp_prefix_set_get(struct nfp_prefix_set *s, struct nfp_prefix_ref *ref)
{
	unsigned gen = __atomic_load_n(&s->gen, __ATOMIC_ACQUIRE);
	if (ref->g == NULL || ref->gen != gen) {
		struct nfp_prefix_gen *old = ref->g;
		pthread_mutex_lock(&s->mu);
		ref->g = s->cur;
		ref->g->refs++;
		ref->gen = s->gen;
		ref->set = s;
		pthread_mutex_unlock(&s->mu);
		drop(s, old);
	}
	return ref->g->r;
}

void nfp_prefix_set_put(struct nfp_prefix_ref *ref)
{
	if (ref->g != NULL && ref->set != NULL)
		drop(ref->set, ref->g);
	ref->g = NULL;
}
