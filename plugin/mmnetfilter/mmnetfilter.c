/* mmnetfilter: rsyslog message modification module that recognises netfilter LOG and TRACE
 * records (iptables/ip6tables/nft `log`, raw-table TRACE, ebtables --log) in the message text
 * and stores every field, typed, in a JSON container (default $!netfilter).
 *
 * Glue only: text in -> nfp_parse (src/nfp.h) -> nfp_resolve against the ruleset snapshots
 * (src/nfp_resolve.h, optional) -> nfp_to_json_ex / nfp_to_ecs_ex (src/nfp_json.h) -> msgAddJSON.
 *
 * Concurrency & Locking
 *   instanceData (pData): configuration, written by newActInst only, read-only afterwards,
 *     except the ruleset snapshot set (pData->snaps), which follows its files: see
 *     src/nfp_snapset.h. Per message a worker makes one atomic load (generation) and, at most
 *     once a second across all workers, stat()s the files; it takes a mutex only in the
 *     message after a swap, to move its own reference to the new snapshots. Snapshots are
 *     immutable; a reload (file change, or HUP from doHUP on the main thread) builds new
 *     ones outside that mutex.
 *   wrkrInstanceData: one reusable struct nfp_record and a snapshot reference per worker.
 *   Counters: one impstats object per action (statsName), STATSCOUNTER_INC, atomic
 *     (HAVE_ATOMIC_BUILTINS).
 *   The core keeps no mutable global state (its lookup index is filled once at load time).
 *
 * Ownership: nfp_to_json_ex returns one reference, msgAddJSON consumes it.
 */
#include "config.h" /* rsyslog's, from the configured source tree: must come first */
#if !defined(NDEBUG) || !defined(HAVE_ATOMIC_BUILTINS) || !defined(HAVE_ATOMIC_BUILTINS64)
#error "rsyslog config.h lacks NDEBUG/HAVE_ATOMIC_BUILTINS(64): the module would not match rsyslogd's ABI"
#endif
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <json.h>
#ifndef json_object
#error "json.h is not libfastjson's: rsyslog only accepts libfastjson objects"
#endif
#include "rsyslog.h"
#include "conf.h"
#include "syslogd-types.h"
#include "template.h"
#include "module-template.h"
#include "errmsg.h"
#include "parserif.h"
#include "msg.h"
#include "statsobj.h"
#include "glbl.h"
#include "nfp.h"
#include "emit/nfp_json.h"
#include "emit/sink.h"
#include "rsversion.h"
#include "rules/nfp_snapset.h"
#include "state/nfp_dedup.h"
#include <pthread.h>

MODULE_TYPE_OUTPUT
MODULE_TYPE_NOKEEP
MODULE_CNFNAME("mmnetfilter")

DEF_OMOD_STATIC_DATA
DEFobjCurrIf(statsobj)

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
static int unnamed_actions; /* actions without statsName so far (config load: one thread) */
static char boot_id[40];    /* /proc/sys/kernel/random/boot_id, read at load: imkmsg identities */

enum schema { SCHEMA_NATIVE = 0, SCHEMA_ECS };

/* the snapshot parameters, in nfp_snapset order */
static const char *const rule_params[NFP_SNAP__COUNT] = { "iptablesrules", "ip6tablesrules", "nftrules" };

typedef struct _instanceData {
	uchar *container;  /* "!netfilter", ".x", "/x" (without the '$') */
	enum schema schema;
	int live;                       /* serializer="fast" and its self-test passed (-1 while
					 * the configuration is read: "fast" wanted) */
	sbool fastOff;                  /* "fast" wanted but off: said once, at the first message */
	sbool text;                     /* format="text": the container holds the document's JSON text */
	sbool useRawMsg;
	char *statsName;                /* the impstats object's name */
	struct counters ctr;
	char *rules[NFP_SNAP__COUNT];   /* snapshot files, NULL if not configured */
	struct nfp_snapset *snaps;      /* NULL when no snapshot is configured */
	struct nfp_select *sel;         /* fields=: the native record's fields (NULL: all) */
	struct nfp_dedup_guard *dedup;  /* dedup="on": the window of digests seen (src/state/guard.c) */
	int initial_counted;            /* atomic: the load at startup is counted with the first message
					 * (counters gathered during config load are dropped by rsyslog) */
} instanceData;

#define COUNT(pData, c, m) STATSCOUNTER_INC((pData)->ctr.c, (pData)->ctr.m)

typedef struct wrkrInstanceData {
	instanceData *pData;
	struct nfp_record rec; /* scratch, reused for every message */
	struct nfp_snap_ref ref;
	char *txt;             /* format="text": the document's text, grown as needed */
	size_t txtcap;
} wrkrInstanceData_t;

#ifdef NFP_BENCH_FLOOR
/* Benchmark-only build (bench/mmnetfilter_floor.so, never installed): every message gets the
 * document of one fixed, typical record, built from a record parsed once; what is left is
 * the cost of building and carrying a document of the native shape: the floor the module's
 * own cost is compared with (bench/run.py). */
static const char floor_line[] = "[UFW BLOCK] IN=eth0 OUT= MAC=00:11:22:33:44:55:66:77:88:99:aa:bb:08:00 "
	"SRC=198.51.100.7 DST=192.0.2.10 LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=54321 DF PROTO=TCP SPT=40000 DPT=22 "
	"WINDOW=64240 RES=0x00 SYN URGP=0 ";
static struct nfp_record floor_rec;
#endif

struct modConfData_s {
	rsconf_t *pConf;
};
static modConfData_t *loadModConf = NULL;
static modConfData_t *runModConf = NULL;

static struct cnfparamdescr actpdescr[] = {
	{ "container", eCmdHdlrString, 0 },
	{ "schema", eCmdHdlrGetWord, 0 },
	{ "userawmsg", eCmdHdlrBinary, 0 },
	{ "iptablesrules", eCmdHdlrString, 0 },
	{ "ip6tablesrules", eCmdHdlrString, 0 },
	{ "nftrules", eCmdHdlrString, 0 },
	{ "fields", eCmdHdlrString, 0 },
	{ "statsname", eCmdHdlrString, 0 },
	{ "dedup", eCmdHdlrBinary, 0 },
	{ "dedup.window", eCmdHdlrInt, 0 },
	{ "dedup.statefile", eCmdHdlrString, 0 },
	{ "serializer", eCmdHdlrGetWord, 0 },
	{ "format", eCmdHdlrGetWord, 0 },
};
static struct cnfparamblk actpblk = {
	CNFPARAMBLK_VERSION, sizeof(actpdescr) / sizeof(struct cnfparamdescr), actpdescr
};

BEGINbeginCnfLoad
CODESTARTbeginCnfLoad
	loadModConf = pModConf;
	pModConf->pConf = pConf;
ENDbeginCnfLoad

BEGINendCnfLoad
CODESTARTendCnfLoad
ENDendCnfLoad

BEGINcheckCnf
CODESTARTcheckCnf
ENDcheckCnf

BEGINactivateCnf
CODESTARTactivateCnf
	runModConf = pModConf;
ENDactivateCnf

BEGINfreeCnf
CODESTARTfreeCnf
ENDfreeCnf

BEGINcreateInstance
CODESTARTcreateInstance
ENDcreateInstance

BEGINcreateWrkrInstance
CODESTARTcreateWrkrInstance
	memset(&pWrkrData->rec, 0, sizeof(pWrkrData->rec));
	memset(&pWrkrData->ref, 0, sizeof(pWrkrData->ref));
	pWrkrData->txt = NULL;
	pWrkrData->txtcap = 0;
ENDcreateWrkrInstance

BEGINisCompatibleWithFeature
CODESTARTisCompatibleWithFeature
ENDisCompatibleWithFeature

BEGINfreeInstance
CODESTARTfreeInstance
	nfp_dedup_guard_free(pData->dedup);
	if (pData->ctr.obj != NULL)
		statsobj.Destruct(&pData->ctr.obj);
	free(pData->statsName);
	free(pData->container);
	nfp_snapset_free(pData->snaps);
	free(pData->sel);
	for (int i = 0; i < NFP_SNAP__COUNT; i++)
		free(pData->rules[i]);
ENDfreeInstance

BEGINfreeWrkrInstance
CODESTARTfreeWrkrInstance
	nfp_snapset_put(&pWrkrData->ref);
	free(pWrkrData->txt);
ENDfreeWrkrInstance

/* a reload's outcome: counted, and logged once per failed file state */
static void reloaded(instanceData *pData, int r, const char *err)
{
	if (r > 0) {
		COUNT(pData, snapLoaded, mutSnapLoaded);
		LogMsg(0, RS_RET_OK, LOG_INFO, "mmnetfilter: ruleset snapshots reloaded");
	} else if (r < 0) {
		COUNT(pData, reloadFailed, mutReloadFailed);
		LogError(0, RS_RET_CONF_FILE_NOT_FOUND, "mmnetfilter: reloading ruleset snapshots failed, the previous "
			 "ones stay in use: %s", err);
	}
}

BEGINdoHUP
	char err[512];
CODESTARTdoHUP
	if (pData->snaps != NULL)
		reloaded(pData, nfp_snapset_reload(pData->snaps, 1, err, sizeof(err)), err);
ENDdoHUP

BEGINdbgPrintInstInfo
CODESTARTdbgPrintInstInfo
	DBGPRINTF("mmnetfilter: container '%s'\n", pData->container);
ENDdbgPrintInstInfo

BEGINtryResume
CODESTARTtryResume
ENDtryResume

static void count(instanceData *pData, const struct nfp_record *rec)
{
	COUNT(pData, seen, mutSeen);
	switch (rec->type) {
	case NFP_LOG: { COUNT(pData, log, mutLog); } break;
	case NFP_TRACE: { COUNT(pData, trace, mutTrace); } break;
	case NFP_EBT: { COUNT(pData, ebt, mutEbt); } break;
	case NFP_FRAGMENT: { COUNT(pData, fragment, mutFragment); } break;
	case NFP_NONE: { COUNT(pData, none, mutNone); } break;
	}
	if (rec->flags & NFP_R_TRUNCATED) {
		COUNT(pData, truncated, mutTruncated);
	}
}

/* The record's identity (nfp_dedup.h): imkmsg's boot id + sequence number, or host, time and
 * text. TIME and TEXT are what the ECS document carries. */
static void identity(smsg_t *pMsg, const char *time, const char *text, size_t len, uint8_t out[20])
{
	uchar *in = NULL;
	int inlen = 0;
	const char *host = (const char *)getHOSTNAME(pMsg);
	getInputName(pMsg, &in, &inlen);
	if (in != NULL && inlen == 6 && memcmp(in, "imkmsg", 6) == 0) {
		msgPropDescr_t prop;
		struct json_object *seq = NULL;
		int found = 0;
		if (msgPropDescrFill(&prop, (uchar *)"!sequnum", 8) == RS_RET_OK) {
			if (msgGetJSONPropJSON(pMsg, &prop, &seq) == RS_RET_OK && seq != NULL) {
				nfp_kmsg_digest(boot_id, strlen(boot_id), (uint64_t)json_object_get_int64(seq), out);
				found = 1;
			}
			if (seq != NULL)
				json_object_put(seq);
			msgPropDescrDestruct(&prop);
		}
		if (found)
			return;
	}
	nfp_event_digest(host, host ? strlen(host) : 0, time, strlen(time), text, len, out);
}

/* the duplicate window's problems with its state file (src/state/guard.c) */
static void dedup_report(const char *msg)
{
	LogError(0, RS_RET_IO_ERROR, "%s", msg);
}

/* The document into the container (msgAddJSON takes the reference): the tree sink's object,
 * or with format="text" one string, the text sink's JSON text (in the worker's buffer, grown
 * to what the document needs) */
static rsRetVal put_doc(wrkrInstanceData_t *w, smsg_t *pMsg, enum nfp_doc kind, const struct nfp_record *rec,
		       const char *line, const struct nfp_ecs_meta *m, const struct nfp_extra *x)
{
	struct nfp_sink k;
	struct json_object *json;
	DEFiRet;
	if (w->pData->text) {
		for (;;) {
			nfp_sink_text(&k, w->txt, w->txtcap);
			nfp_document(&k, kind, rec, line, m, x);
			if (k.n <= w->txtcap)
				break;
			char *b = realloc(w->txt, k.n + 1024);
			CHKmalloc(b);
			w->txt = b;
			w->txtcap = k.n + 1024;
		}
		CHKmalloc(json = json_object_new_string_len(w->txt, (int)k.n));
	} else {
		nfp_sink_tree(&k);
		nfp_document(&k, kind, rec, line, m, x);
		CHKmalloc(json = k.root);
		if (w->pData->live)
			nfp_json_live_attach(json);
	}
	iRet = msgAddJSON(pMsg, w->pData->container, json, 0, 0);
finalize_it:
	RETiRet;
}

/* rsyslogd drops a warning logged while it reads its configuration: the one saying that
 * serializer="fast" is off is logged at the first message instead, once per process */
static const char *fast_off_why;
static int fast_off_told;
static void tell_fast_off(void)
{
	if (__atomic_exchange_n(&fast_off_told, 1, __ATOMIC_RELAXED) == 0)
		LogMsg(0, RS_RET_OK, LOG_WARNING, "mmnetfilter: serializer=\"fast\" is off: %s; documents are "
		       "printed by libfastjson", fast_off_why);
}

BEGINdoAction_NoStrings
	smsg_t **ppMsg = (smsg_t **)pMsgData;
	smsg_t *pMsg = ppMsg[0];
	instanceData *pData;
	struct nfp_record *rec;
	uchar *text;
	int len;
	int ok = 0;
	struct nfp_ecs_meta m = { NULL, NULL, NULL, 0, NULL };
	uint8_t digest[20];
CODESTARTdoAction
	pData = pWrkrData->pData;
	rec = &pWrkrData->rec;
	if (pData->fastOff)
		tell_fast_off();
	if (pData->useRawMsg) {
		getRawMsg(pMsg, &text, &len);
	} else {
		text = getMSG(pMsg);
		len = getMSGLen(pMsg);
	}
	/* the message's own time, host and text: ECS carries them; with the identity (nfp_dedup.h)
	 * they make event.id and the duplicate window's key */
	m.hostname = getHOSTNAME(pMsg);
	m.message = text != NULL ? (const char *)text : "";
	m.message_len = text != NULL && len > 0 ? (size_t)len : 0;
	while (m.message_len > 0 && *m.message == ' ')
		m.message++, m.message_len--;
	if (pData->schema == SCHEMA_ECS || pData->dedup != NULL) {
		m.timestamp = getTimeReported(pMsg, tplFmtRFC3339Date);
		identity(pMsg, m.timestamp, m.message, m.message_len, digest);
		m.digest = digest;
	}
	if (pData->dedup != NULL &&
	    nfp_dedup_guard_seen(pData->dedup, digest, time(NULL),
				 runModConf != NULL ? (const char *)glblGetWorkDirRaw(runModConf->pConf) : NULL)) {
		/* delivered before: marked, not parsed again ($parsesuccess FAIL: outputs of records skip it) */
		CHKiRet(put_doc(pWrkrData, pMsg, NFP_DOC_DUPLICATE, rec, NULL, &m, NULL));
		COUNT(pData, duplicate, mutDuplicate);
		rec->type = NFP_NONE;
		rec->flags = 0;
		count(pData, rec);
		FINALIZE;
	}
#ifdef NFP_BENCH_FLOOR
	/* the fixed record (parsed once in modInit) instead of this message's */
	if (text != NULL && len > 0) {
		rec = &floor_rec;
		text = (uchar *)floor_line;
		len = (int)sizeof(floor_line) - 1;
	}
	if (text != NULL && len > 0 && rec->type != NFP_NONE) {
#else
	if (text != NULL && len > 0 && nfp_parse((const char *)text, (size_t)len, rec) != NFP_NONE) {
#endif
		struct nfp_resolution res;
		const char *host = (const char *)getHOSTNAME(pMsg);
		struct nfp_extra x = { host, host != NULL ? strlen(host) : 0, &res, pData->sel };
		res.status = NFP_RES_NONE;
		if (pData->snaps != NULL) {
			char err[512];
			if (__atomic_load_n(&pData->initial_counted, __ATOMIC_RELAXED) == 0 &&
			    __atomic_exchange_n(&pData->initial_counted, 1, __ATOMIC_RELAXED) == 0) {
				COUNT(pData, snapLoaded, mutSnapLoaded);
			}
			reloaded(pData, nfp_snapset_poll(pData->snaps, time(NULL), err, sizeof(err)), err);
			if (nfp_resolve(nfp_snapset_get(pData->snaps, &pWrkrData->ref), rec, (const char *)text, &res) ==
			    NFP_RES_RESOLVED) {
				COUNT(pData, resolved, mutResolved);
			} else if (res.status == NFP_RES_UNRESOLVED) {
				COUNT(pData, unresolved, mutUnresolved);
			}
		}
		CHKiRet(put_doc(pWrkrData, pMsg, pData->schema == SCHEMA_ECS ? NFP_DOC_ECS : NFP_DOC_NATIVE, rec,
				(const char *)text, &m, &x));
		ok = 1;
	} else {
		rec = &pWrkrData->rec;
		rec->type = NFP_NONE;
		rec->flags = 0;
		DBGPRINTF("mmnetfilter: not a netfilter record\n");
	}
	count(pData, rec);
finalize_it:
	MsgSetParseSuccess(pMsg, ok);
ENDdoAction

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

/* a snapshot file parameter: the file must load now (rsyslogd -N1 checks it) */
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
	rs = nfp_ruleset_load(pData->rules[k], k == NFP_SNAP_NFT ? NFP_RS_NFT : NFP_RS_IPTABLES, err, sizeof(err));
	if (rs == NULL) {
		parser_errmsg("mmnetfilter: parameter '%s': %s", rule_params[k], err);
		ABORT_FINALIZE(RS_RET_INVALID_PARAMS);
	}
	nfp_ruleset_free(rs);
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
static rsRetVal open_dedup(instanceData *pData, int on, size_t window, const char *state)
{
	DEFiRet;
	if (!on) {
		if (window != 0 || state != NULL) {
			parser_errmsg("mmnetfilter: parameter '%s' needs dedup=\"on\"", state != NULL ? "dedup.stateFile" : "dedup.window");
			ABORT_FINALIZE(RS_RET_INVALID_PARAMS);
		}
		FINALIZE;
	}
	if (state != NULL && state[0] == '\0') {
		parser_errmsg("mmnetfilter: parameter 'dedup.stateFile': empty file name");
		ABORT_FINALIZE(RS_RET_INVALID_PARAMS);
	}
	CHKmalloc(pData->dedup = nfp_dedup_guard_new(window != 0 ? window : 100000, state, dedup_report));
finalize_it:
	RETiRet;
}

/* the action's impstats object; statsName must be unique among the actions */
static rsRetVal open_counters(instanceData *pData)
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
	CHKiRet(statsobj.Construct(&pData->ctr.obj));
	CHKiRet(statsobj.SetName(pData->ctr.obj, (uchar *)pData->statsName));
	CHKiRet(statsobj.SetOrigin(pData->ctr.obj, (uchar *)"mmnetfilter"));
	for (size_t i = 0; i < sizeof(ctrs) / sizeof(ctrs[0]); i++) {
		intctr_t *c = (intctr_t *)((char *)&pData->ctr + ctrs[i].off);
		*c = 0;
		CHKiRet(statsobj.AddCounter(pData->ctr.obj, (uchar *)ctrs[i].name, ctrType_IntCtr,
					    CTR_FLAG_RESETTABLE, c));
	}
	CHKiRet(statsobj.ConstructFinalize(pData->ctr.obj));
finalize_it:
	RETiRet;
}

BEGINnewActInst
	struct cnfparamvals *pvals;
	int i;
	size_t dedup_window = 0;
	int dedup_on = 0;
	char *state = NULL;
CODESTARTnewActInst
	if ((pvals = nvlstGetParams(lst, &actpblk, NULL)) == NULL)
		ABORT_FINALIZE(RS_RET_MISSING_CNFPARAMS);

	CODE_STD_STRING_REQUESTnewActInst(1)
	CHKiRet(OMSRsetEntry(*ppOMSR, 0, NULL, OMSR_TPL_AS_MSG));
	CHKiRet(createInstance(&pData));
	CHKmalloc(pData->container = (uchar *)strdup("!netfilter"));
	pData->schema = SCHEMA_NATIVE;
	pData->useRawMsg = 0;
	pData->live = -1; /* serializer="fast" unless set otherwise */

	for (i = 0; i < actpblk.nParams; ++i) {
		const char *name = actpblk.descr[i].name;
		if (!pvals[i].bUsed)
			continue;
		if (!strcmp(name, "container")) {
			CHKiRet(set_container(pData, pvals[i].val.d.estr));
		} else if (!strcmp(name, "schema")) {
			CHKiRet(set_schema(pData, pvals[i].val.d.estr));
		} else if (!strcmp(name, "userawmsg")) {
			pData->useRawMsg = (sbool)pvals[i].val.d.n;
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
	if (pData->live == -1) {
		pData->live = nfp_json_live_init(&fast_off_why);
		pData->fastOff = !pData->live && !pData->text; /* text: no tree is printed */
	}
	CHKiRet(open_snapshots(pData));
	CHKiRet(open_dedup(pData, dedup_on, dedup_window, state));
	CHKiRet(open_counters(pData));
CODE_STD_FINALIZERnewActInst
	free(state);
	cnfparamvalsDestruct(pvals, &actpblk);
ENDnewActInst

NO_LEGACY_CONF_parseSelectorAct

BEGINmodExit
CODESTARTmodExit
	objRelease(statsobj, CORE_COMPONENT);
ENDmodExit

BEGINqueryEtryPt
CODESTARTqueryEtryPt
CODEqueryEtryPt_STD_OMOD_QUERIES
CODEqueryEtryPt_STD_OMOD8_QUERIES
CODEqueryEtryPt_STD_CONF2_OMOD_QUERIES
CODEqueryEtryPt_STD_CONF2_QUERIES
CODEqueryEtryPt_doHUP
ENDqueryEtryPt

#ifndef NFP_BUILT_FOR
#define NFP_BUILT_FOR VERSION /* the rsyslog source the module was compiled against */
#endif
/* The module is compiled against one rsyslog release's internal structures (msg.h, obj.h),
 * which rsyslog does not version: refuse to run inside another release. The running daemon's
 * version is read from its own executable (the swVersion="..." it writes in its start message);
 * where it cannot be read, the module trusts the packaging (Depends: rsyslog (= the version)). */
static rsRetVal check_rsyslog_version(void)
{
	char running[32];
	DEFiRet;
	nfp_exe_version("/proc/self/exe", running, sizeof(running));
	if (running[0] == '\0') {
		DBGPRINTF("mmnetfilter: the running rsyslogd's version cannot be read; built for %s\n", NFP_BUILT_FOR);
	} else if (strcmp(running, NFP_BUILT_FOR) != 0) {
		LogError(0, RS_RET_MODULE_LOAD_ERR, "mmnetfilter: this module was built for rsyslog %s, but the running "
			 "rsyslogd is %s; its internal structures may differ, so the module refuses to load. "
			 "Install the mmnetfilter package built for rsyslog %s (or rebuild it against that "
			 "version's source).", NFP_BUILT_FOR, running, running);
		iRet = RS_RET_MODULE_LOAD_ERR;
	}
	RETiRet;
}

BEGINmodInit()
	rsRetVal localRet;
	rsRetVal (*pomsrGetSupportedTplOpts)(unsigned long *pOpts);
	unsigned long opts = 0;
CODESTARTmodInit
	*ipIFVersProvided = CURR_MOD_IF_VERSION;
CODEmodInit_QueryRegCFSLineHdlr
	localRet = pHostQueryEtryPt((uchar *)"OMSRgetSupportedTplOpts", &pomsrGetSupportedTplOpts);
	if (localRet == RS_RET_OK)
		CHKiRet((*pomsrGetSupportedTplOpts)(&opts));
	if (!(opts & OMSR_TPL_AS_MSG)) {
		LogError(0, RS_RET_NO_MSG_PASSING, "mmnetfilter: rsyslog core does not pass messages to modules");
		ABORT_FINALIZE(RS_RET_NO_MSG_PASSING);
	}
	CHKiRet(check_rsyslog_version());
	{
		FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
		if (f != NULL) {
			if (fgets(boot_id, sizeof(boot_id), f) != NULL)
				boot_id[strcspn(boot_id, "\n")] = '\0';
			fclose(f);
		}
	}
	CHKiRet(objUse(statsobj, CORE_COMPONENT));
#ifdef NFP_BENCH_FLOOR
	nfp_parse(floor_line, sizeof(floor_line) - 1, &floor_rec);
#endif
ENDmodInit
