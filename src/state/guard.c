/* The duplicate window of one action, shared by its workers: the window, its state file and
 * the policy around them (see nfp_dedup.h, "guard"). */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "state/nfp_dedup.h"

#define SAVE_EVERY 5 /* seconds between saves while the window changes */

struct nfp_dedup_guard {
	struct nfp_dedup *d;
	pthread_mutex_t mut;
	char *state;  /* the state file (absolute once loaded), or NULL */
	char *sink;   /* the file the records are written to (dedup.sinkFile), or NULL */
	time_t saved;
	uint64_t mark; /* the window's keys at the last save: the next save goes up to here */
	int loaded;   /* the state file was read (with the first record) */
	void (*report)(const char *msg);
};

struct nfp_dedup_guard *nfp_dedup_guard_new(size_t window, const char *state, const char *sink,
					     void (*report)(const char *msg))
{
	struct nfp_dedup_guard *g = calloc(1, sizeof(*g));
	if (g == NULL)
		return NULL;
	g->report = report;
	if ((g->d = nfp_dedup_new(window)) == NULL || (state != NULL && (g->state = strdup(state)) == NULL) ||
	    (sink != NULL && (g->sink = strdup(sink)) == NULL)) {
		nfp_dedup_free(g->d);
		free(g->state);
		free(g);
		return NULL;
	}
	pthread_mutex_init(&g->mut, NULL);
	return g;
}

__attribute__((format(printf, 2, 3))) static void say(const struct nfp_dedup_guard *g, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	g->report(msg);
}

/* what reached the output since the state file was last saved (a crash: up to 10 s of records) */
static void learn(struct nfp_dedup_guard *g)
{
	char err[512];
	size_t n;
	if (g->sink == NULL)
		return;
	if (nfp_dedup_learn(g->d, g->sink, &n, err, sizeof(err)) < 0)
		say(g, "mmnetfilter: parameter 'dedup.sinkFile': %s; the window has what was read before that", err);
	if (n > 0)
		say(g, "mmnetfilter: parameter 'dedup.sinkFile': %zu records in %s that the state file did not have "
		       "(rsyslogd stopped without saving it) are in the window: they are not written again", n, g->sink);
}

/* the state file: a relative name is in workdir; a file that does not load is reported, and
 * the window keeps what was read before the damage */
static void load_state(struct nfp_dedup_guard *g, const char *workdir)
{
	char err[512];
	if (g->state == NULL)
		return;
	if (g->state[0] != '/') {
		char *abs;
		if (workdir == NULL || (abs = malloc(strlen(workdir) + strlen(g->state) + 2)) == NULL) {
			say(g, "mmnetfilter: parameter 'dedup.stateFile': '%s' is relative, but there is no "
			       "global(workDirectory=...): the window is not kept over a restart", g->state);
			free(g->state);
			g->state = NULL;
			return;
		}
		sprintf(abs, "%s/%s", workdir, g->state);
		free(g->state);
		g->state = abs;
	}
	if (nfp_dedup_load(g->d, g->state, err, sizeof(err)) < 0)
		say(g, "mmnetfilter: parameter 'dedup.stateFile': %s; the window starts with what was read before "
		       "that (records delivered before the restart may be written again)", err);
}

/* the window, once (with the first record): the state file, then what the sink has beyond it.
 * Under mut. */
static void load(struct nfp_dedup_guard *g, const char *workdir)
{
	g->loaded = 1;
	load_state(g, workdir);
	learn(g);
}

int nfp_dedup_guard_seen(struct nfp_dedup_guard *g, const uint8_t digest[20], time_t now, const char *workdir)
{
	char err[512];
	int dup;
	pthread_mutex_lock(&g->mut);
	if (!g->loaded) {
		load(g, workdir);
		g->saved = now;
		g->mark = nfp_dedup_added(g->d); /* what was loaded and learned is written */
	}
	/* A save takes the keys up to the mark of the save before it: every key saved came in at
	 * least SAVE_EVERY seconds earlier, when the actions after this one wrote its record
	 * within the same batch. So a crash leaves a window behind the output (which
	 * dedup.sinkFile makes up for), never ahead of it (which would lose records). */
	if (g->state != NULL && now - g->saved >= SAVE_EVERY) {
		g->saved = now;
		if (nfp_dedup_save_upto(g->d, g->state, g->mark, err, sizeof(err)) != 0)
			say(g, "mmnetfilter: parameter 'dedup.stateFile': saving failed: %s", err);
		g->mark = nfp_dedup_added(g->d);
	}
	dup = nfp_dedup_seen(g->d, nfp_digest_key(digest));
	pthread_mutex_unlock(&g->mut);
	return dup;
}

void nfp_dedup_guard_free(struct nfp_dedup_guard *g)
{
	char err[512];
	if (g == NULL)
		return;
	if (g->loaded && g->state != NULL && nfp_dedup_dirty(g->d) && nfp_dedup_save(g->d, g->state, err, sizeof(err)) != 0)
		say(g, "mmnetfilter: parameter 'dedup.stateFile': saving failed: %s", err);
	nfp_dedup_free(g->d);
	pthread_mutex_destroy(&g->mut);
	free(g->state);
	free(g->sink);
	free(g);
}
