/* mmnetfilter's action parameters: read, checked, opened (configuration load, one thread).
 * Every mistake is reported by rsyslogd -N1 with the parameter's name. */
#include "config.h" /* rsyslog's, from the configured source tree: must come first */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>
#include <string.h>
#include "rsyslog.h"
#include "conf.h"
#include "errmsg.h"
#include "parserif.h"
#include "emit/nfp_json.h"
#include "mmnetfilter.h"

/* the snapshot parameters, in nfp_snapset order */
static const char *const rule_params[NFP_SNAP__COUNT] = { "iptablesrules", "ip6tablesrules", "nftrules" };

static int unnamed_actions; /* actions without statsName so far */
static char *taken[256];    /* the dedup state files of the actions so far */
static int ntaken;

void mmnf_params_exit(void)
{
	while (ntaken > 0)
		free(taken[--ntaken]);
}

/* the duplicate window's problems with its state file (src/state/guard.c) */
static void dedup_report(const char *msg)
{
	LogError(0, RS_RET_IO_ERROR, "%s", msg);
}

/* "$!netfilter" and "!netfilter" name the same container; it must be a JSON variable */
static rsRetVal set_container(instanceData *pData, es_str_t *val)
{
	char *c = es_str2cstr(val, NULL);
	DEFiRet;
	if (c == NULL)
		ABORT_FINALIZE(RS_RET_OUT_OF_MEMORY);
	if (c[0] == '$')
		memmove(c, c + 1, strlen(c));
	if ((c[0] != '!' && c[0] != '.' && c[0] != '/') || strpbrk(c, " \t") != NULL) {
		parser_errmsg("mmnetfilter: parameter 'container': invalid value '%s', it must be a JSON "
			      "variable starting with '$!', '$.' or '$/'", c);
		free(c);
		ABORT_FINALIZE(RS_RET_INVALID_VAR);
	}
	free(pData->container);
	pData->container = (uchar *)c;
finalize_it:
	RETiRet;
}

/* a parameter that takes one of a few words: *out = the word's index; another word is an
 * error naming the parameter and the words it takes */
static rsRetVal set_choice(es_str_t *val, const char *param, const char *const words[], int n, int *out)
{
	char *s = es_str2cstr(val, NULL), list[128] = "";
	DEFiRet;
	if (s == NULL)
		ABORT_FINALIZE(RS_RET_OUT_OF_MEMORY);
	for (*out = 0; *out < n && strcmp(s, words[*out]) != 0; (*out)++)
		;
	if (*out == n) {
		for (int i = 0; i < n; i++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "", words[i]);
		parser_errmsg("mmnetfilter: parameter '%s': unknown value '%s' (supported: %s)", param, s, list);
		iRet = RS_RET_INVALID_PARAMS;
	}
	free(s);
finalize_it:
	RETiRet;
}

/* format="tree" (the default): the container is a JSON object rsyslog's filters and templates
 * read member by member; "text": a string holding the document's JSON text, for pipelines
 * that only write it (a template with property(name="$!netfilter")) */
static rsRetVal set_format(instanceData *pData, es_str_t *val)
{
	static const char *const words[] = { "tree", "text" };
	int i;
	DEFiRet;
	CHKiRet(set_choice(val, "format", words, 2, &i));
	pData->text = (sbool)i;
finalize_it:
	RETiRet;
}

static rsRetVal set_schema(instanceData *pData, es_str_t *val)
{
	static const char *const words[] = { [SCHEMA_NATIVE] = "native", [SCHEMA_ECS] = "ecs" };
	int i;
	DEFiRet;
	CHKiRet(set_choice(val, "schema", words, 2, &i));
	pData->schema = (enum schema)i;
finalize_it:
	RETiRet;
}

/* serializer="fast" (the default): documents are printed by the live-tree serializer
 * (src/emit/serializer.c) if its check against libfastjson passes, else by libfastjson, with a
 * warning (newActInst); "libfastjson": always by libfastjson */
static rsRetVal set_serializer(instanceData *pData, es_str_t *val)
{
	static const char *const words[] = { "fast", "libfastjson" };
	int i;
	DEFiRet;
	CHKiRet(set_choice(val, "serializer", words, 2, &i));
	pData->live = i == 0 ? -1 : 0;
finalize_it:
	RETiRet;
}

/* fields="ip.src,ports,...": only those in the native record; an unknown name is an error */
static rsRetVal set_fields(instanceData *pData, es_str_t *val)
{
	char err[256], *spec = es_str2cstr(val, NULL);
	DEFiRet;
	CHKmalloc(spec);
	free(pData->sel);
	if ((pData->sel = malloc(sizeof(*pData->sel))) == NULL) {
		free(spec);
		ABORT_FINALIZE(RS_RET_OUT_OF_MEMORY);
	}
	if (nfp_select_parse(spec, pData->sel, err, sizeof(err)) != 0) {
		parser_errmsg("mmnetfilter: parameter 'fields': %s (names: JSON paths such as ip.src or "
			      "tcp.dpt, objects such as ip or trace, addresses, ports, protocol, interfaces, action, rule, "
			      "unknown, invalid, inner, all)", err);
		iRet = RS_RET_INVALID_PARAMS;
	}
	free(spec);
finalize_it:
	RETiRet;
}

/* a snapshot file parameter: the file must load now (rsyslogd -N1 checks it), or not exist yet */
static rsRetVal set_rules(instanceData *pData, int k, es_str_t *val)
{
	char err[512];
	struct nfp_ruleset *rs;
	DEFiRet;
	free(pData->rules[k]);
	CHKmalloc(pData->rules[k] = es_str2cstr(val, NULL));
	if (pData->rules[k][0] == '\0') {
		parser_errmsg("mmnetfilter: parameter '%s': empty file name", rule_params[k]);
		ABORT_FINALIZE(RS_RET_INVALID_PARAMS);
	}
	if (access(pData->rules[k], F_OK) != 0 && errno == ENOENT)
		FINALIZE; /* not written yet (the snapshot unit has not run): loaded when it appears */
	rs = nfp_ruleset_load(pData->rules[k], k == NFP_SNAP_NFT ? NFP_RS_NFT : NFP_RS_IPTABLES, err, sizeof(err));
	if (rs == NULL) {
		parser_errmsg("mmnetfilter: parameter '%s': %s", rule_params[k], err);
		ABORT_FINALIZE(RS_RET_INVALID_PARAMS);
	}
	nfp_ruleset_free(rs);
finalize_it:
	RETiRet;
}

/* rulesDir: a directory of one subdirectory per sending host (a central server) */
static rsRetVal set_rules_dir(instanceData *pData, es_str_t *val)
{
	struct stat sb;
	DEFiRet;
	free(pData->rulesDir);
	CHKmalloc(pData->rulesDir = es_str2cstr(val, NULL));
	if (stat(pData->rulesDir, &sb) != 0 ? errno != ENOENT : !S_ISDIR(sb.st_mode)) { /* not yet: no host has one */
		parser_errmsg("mmnetfilter: parameter 'rulesDir': '%s' is not a directory (one subdirectory per host "
			      "name, each with rules.v4, rules.v6 and/or ruleset.nft)", pData->rulesDir);
		ABORT_FINALIZE(RS_RET_INVALID_PARAMS);
	}
finalize_it:
	RETiRet;
}

static rsRetVal open_snapshots(instanceData *pData)
{
	char err[512];
	const char *paths[NFP_SNAP__COUNT];
	int any = 0;
	DEFiRet;
	for (int k = 0; k < NFP_SNAP__COUNT; k++)
		any |= (paths[k] = pData->rules[k]) != NULL;
	if (!any)
		FINALIZE;
	if ((pData->snaps = nfp_snapset_new(paths, err, sizeof(err))) == NULL) {
		parser_errmsg("mmnetfilter: ruleset snapshots: %s", err);
		ABORT_FINALIZE(RS_RET_INVALID_PARAMS);
	}
finalize_it:
	RETiRet;
}

/* dedup="on": the window; its state file is read with the first record (global(workDirectory)
 * is known only once the whole configuration is loaded) */
static rsRetVal open_dedup(instanceData *pData, int on, size_t window, const char *state, const char *sink)
{
	DEFiRet;
	if (!on) {
		if (window != 0 || state != NULL || sink != NULL) {
			parser_errmsg("mmnetfilter: parameter '%s' needs dedup=\"on\"",
				      state != NULL ? "dedup.stateFile" : sink != NULL ? "dedup.sinkFile" : "dedup.window");
			ABORT_FINALIZE(RS_RET_INVALID_PARAMS);
		}
		FINALIZE;
	}
	if (sink != NULL && sink[0] != '/') { /* omfile's file name, which is absolute */
		parser_errmsg("mmnetfilter: parameter 'dedup.sinkFile': '%s' is not an absolute file name (the "
			      "file= of the omfile action these records are written to)", sink);
		ABORT_FINALIZE(RS_RET_INVALID_PARAMS);
	}
	if (state != NULL && state[0] == '\0') {
		parser_errmsg("mmnetfilter: parameter 'dedup.stateFile': empty file name");
		ABORT_FINALIZE(RS_RET_INVALID_PARAMS);
	}
	if (state != NULL) { /* two windows appending to one file would interleave it */
		for (int i = 0; i < ntaken; i++)
			if (strcmp(taken[i], state) == 0) {
				parser_errmsg("mmnetfilter: parameter 'dedup.stateFile': '%s' is already the state file of "
					      "another mmnetfilter action; each action needs its own", state);
				ABORT_FINALIZE(RS_RET_INVALID_PARAMS);
			}
		if (ntaken < (int)(sizeof(taken) / sizeof(taken[0])))
			CHKmalloc(taken[ntaken++] = strdup(state));
	}
	CHKmalloc(pData->dedup = nfp_dedup_guard_new(window != 0 ? window : 100000, state, sink, dedup_report));
finalize_it:
	RETiRet;
}

/* newActInst's parameters, read and checked (rsyslogd -N1 reports every mistake naming the
 * parameter): into pData, the snapshots and the duplicate window opened */
rsRetVal mmnf_configure(instanceData *pData, struct cnfparamvals *pvals, struct cnfparamblk *blk)
{
	size_t dedup_window = 0;
	int dedup_on = 0;
	char *state = NULL, *sink = NULL;
	DEFiRet;
	for (int i = 0; i < blk->nParams; ++i) {
		const char *name = blk->descr[i].name;
		if (!pvals[i].bUsed)
			continue;
		if (!strcmp(name, "container")) {
			CHKiRet(set_container(pData, pvals[i].val.d.estr));
		} else if (!strcmp(name, "schema")) {
			CHKiRet(set_schema(pData, pvals[i].val.d.estr));
		} else if (!strcmp(name, "userawmsg")) {
			pData->useRawMsg = (sbool)pvals[i].val.d.n;
		} else if (!strcmp(name, "prefixrules")) {
			char *path = es_str2cstr(pvals[i].val.d.estr, NULL), err[512];
			CHKmalloc(path);
			nfp_prefix_set_free(pData->prules);
			pData->prules = nfp_prefix_set_new(path, err, sizeof(err));
			free(path);
			if (pData->prules == NULL) {
				parser_errmsg("mmnetfilter: parameter 'prefixRules': %s", err);
				ABORT_FINALIZE(RS_RET_INVALID_PARAMS);
			}
		} else if (!strcmp(name, "identity.edge")) {
			pData->edgeIdentity = (sbool)pvals[i].val.d.n;
		} else if (!strcmp(name, "fields")) {
			CHKiRet(set_fields(pData, pvals[i].val.d.estr));
		} else if (!strcmp(name, "serializer")) {
			CHKiRet(set_serializer(pData, pvals[i].val.d.estr));
		} else if (!strcmp(name, "format")) {
			CHKiRet(set_format(pData, pvals[i].val.d.estr));
		} else if (!strcmp(name, "dedup")) {
			dedup_on = (int)pvals[i].val.d.n;
		} else if (!strcmp(name, "dedup.window")) {
			if (pvals[i].val.d.n < NFP_DEDUP_WINDOW_MIN || pvals[i].val.d.n > NFP_DEDUP_WINDOW_MAX) {
				parser_errmsg("mmnetfilter: parameter 'dedup.window': %lld is out of range (%d to %d records)",
					      (long long)pvals[i].val.d.n, NFP_DEDUP_WINDOW_MIN, NFP_DEDUP_WINDOW_MAX);
				ABORT_FINALIZE(RS_RET_INVALID_PARAMS);
			}
			dedup_window = (size_t)pvals[i].val.d.n;
		} else if (!strcmp(name, "dedup.statefile")) {
			free(state);
			CHKmalloc(state = es_str2cstr(pvals[i].val.d.estr, NULL));
		} else if (!strcmp(name, "dedup.sinkfile")) {
			free(sink);
			CHKmalloc(sink = es_str2cstr(pvals[i].val.d.estr, NULL));
		} else if (!strcmp(name, "rulesdir")) {
			CHKiRet(set_rules_dir(pData, pvals[i].val.d.estr));
		} else if (!strcmp(name, "rulesdir.maxhosts")) {
			if (pvals[i].val.d.n < 1 || pvals[i].val.d.n > 1000000) {
				parser_errmsg("mmnetfilter: parameter 'rulesDir.maxHosts': %lld is out of range (1 to 1000000)",
					      (long long)pvals[i].val.d.n);
				ABORT_FINALIZE(RS_RET_INVALID_PARAMS);
			}
			pData->maxHosts = (size_t)pvals[i].val.d.n;
		} else if (!strcmp(name, "statsname")) {
			free(pData->statsName);
			CHKmalloc(pData->statsName = es_str2cstr(pvals[i].val.d.estr, NULL));
			if (pData->statsName[0] == '\0') {
				parser_errmsg("mmnetfilter: parameter 'statsName': empty name");
				ABORT_FINALIZE(RS_RET_INVALID_PARAMS);
			}
		} else {
			for (int k = 0; k < NFP_SNAP__COUNT; k++)
				if (!strcmp(name, rule_params[k]))
					CHKiRet(set_rules(pData, k, pvals[i].val.d.estr));
		}
	}
	if (pData->sel != NULL && pData->schema == SCHEMA_ECS) {
		parser_errmsg("mmnetfilter: parameter 'fields' selects fields of schema=\"native\"; an ECS "
			      "document is always complete");
		ABORT_FINALIZE(RS_RET_INVALID_PARAMS);
	}
	if (sink != NULL && pData->schema == SCHEMA_ECS) {
		parser_errmsg("mmnetfilter: parameter 'dedup.sinkFile' reads the member event_id of native records; "
			      "with schema=\"ecs\" put the window in an action of schema=\"native\" before it");
		ABORT_FINALIZE(RS_RET_INVALID_PARAMS);
	}
	CHKiRet(open_snapshots(pData));
	CHKiRet(open_dedup(pData, dedup_on, dedup_window, state, sink));
finalize_it:
	free(state);
	free(sink);
	RETiRet;
}

/* the action's impstats object (through the glue's statsobj interface); statsName must be
 * unique among the actions */
rsRetVal mmnf_counters(instanceData *pData, statsobj_if_t *so)
{
	static const struct { const char *name; size_t off; } ctrs[] = {
		{ "records.seen", offsetof(struct counters, seen) },
		{ "parsed.log", offsetof(struct counters, log) },
		{ "parsed.trace", offsetof(struct counters, trace) },
		{ "parsed.ebtables", offsetof(struct counters, ebt) },
		{ "parsed.fragment", offsetof(struct counters, fragment) },
		{ "not_netfilter", offsetof(struct counters, none) },
		{ "truncated", offsetof(struct counters, truncated) },
		{ "rules.resolved", offsetof(struct counters, resolved) },
		{ "rules.unresolved", offsetof(struct counters, unresolved) },
		{ "snapshots.loaded", offsetof(struct counters, snapLoaded) },
		{ "snapshots.reload_failed", offsetof(struct counters, reloadFailed) },
		{ "records.duplicate", offsetof(struct counters, duplicate) },
	};
	static char *names[256]; /* the names taken so far (configuration load is single-threaded) */
	static int nnames;
	DEFiRet;
	if (pData->statsName == NULL) {
		char buf[32];
		if (++unnamed_actions == 1)
			snprintf(buf, sizeof(buf), "mmnetfilter");
		else
			snprintf(buf, sizeof(buf), "mmnetfilter-%d", unnamed_actions);
		CHKmalloc(pData->statsName = strdup(buf));
	}
	for (int i = 0; i < nnames; i++) {
		if (strcmp(names[i], pData->statsName) == 0) {
			parser_errmsg("mmnetfilter: parameter 'statsName': '%s' is already the counters' name of "
				      "another mmnetfilter action; each action needs its own", pData->statsName);
			ABORT_FINALIZE(RS_RET_INVALID_PARAMS);
		}
	}
	if (nnames < (int)(sizeof(names) / sizeof(names[0])))
		names[nnames++] = pData->statsName;
	CHKiRet(so->Construct(&pData->ctr.obj));
	CHKiRet(so->SetName(pData->ctr.obj, (uchar *)pData->statsName));
	CHKiRet(so->SetOrigin(pData->ctr.obj, (uchar *)"mmnetfilter"));
	for (size_t i = 0; i < sizeof(ctrs) / sizeof(ctrs[0]); i++) {
		intctr_t *c = (intctr_t *)((char *)&pData->ctr + ctrs[i].off);
		*c = 0;
		CHKiRet(so->AddCounter(pData->ctr.obj, (uchar *)ctrs[i].name, ctrType_IntCtr,
					    CTR_FLAG_RESETTABLE, c));
	}
	CHKiRet(so->ConstructFinalize(pData->ctr.obj));
finalize_it:
	RETiRet;
}
