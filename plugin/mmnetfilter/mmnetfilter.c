/* mmnetfilter: rsyslog message modification module that recognises netfilter LOG and TRACE
 * records (iptables/ip6tables/nft `log`, raw-table TRACE, ebtables --log) in the message text
 * and stores every field, typed, in a JSON container (default $!netfilter).
 *
 * Glue only: text in -> nfp_parse (src/nfp.h) -> nfp_resolve against the ruleset snapshots
 * (src/rules/, optional) -> the duplicate window (src/state/, optional) -> nfp_document into
 * a tree or text sink (src/emit/) -> msgAddJSON. params.c reads the action's parameters.
 *
 * Concurrency & Locking
 *   instanceData (pData): configuration, written by newActInst only, read-only afterwards,
 *     except the ruleset snapshot set (pData->snaps), which follows its files: see
 *     src/rules/nfp_snapset.h. Per message a worker makes one atomic load (generation) and, at most
 *     once a second across all workers, stat()s the files; it takes a mutex only in the
 *     message after a swap, to move its own reference to the new snapshots. Snapshots are
 *     immutable; a reload builds new ones outside that mutex: on a file change in a loader
 *     thread of the snapshot set's own (no worker loads), on HUP in doHUP (main thread).
 *     The loader thread reports through reloaded() (atomic counters, LogMsg).
 *   wrkrInstanceData: one reusable struct nfp_record, a snapshot reference and the text
 *     buffer (format="text") per worker.
 *   The duplicate window: one per action, under its own mutex (src/state/guard.c).
 *   Counters: one impstats object per action (statsName), STATSCOUNTER_INC, atomic
 *     (HAVE_ATOMIC_BUILTINS).
 *   The core keeps no mutable global state (its lookup index is filled once at load time).
 *
 * Ownership: the tree sink's root (or the text's string object) is one reference,
 * msgAddJSON consumes it.
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
#include "mmnetfilter.h"
#include <pthread.h>

MODULE_TYPE_OUTPUT
MODULE_TYPE_NOKEEP
MODULE_CNFNAME("mmnetfilter")

DEF_OMOD_STATIC_DATA
DEFobjCurrIf(statsobj)

static char boot_id[40];    /* /proc/sys/kernel/random/boot_id, read at load: imkmsg identities */

#define COUNT(pData, c, m) STATSCOUNTER_INC((pData)->ctr.c, (pData)->ctr.m)

typedef struct wrkrInstanceData {
	instanceData *pData;
	struct nfp_record rec; /* scratch, reused for every message */
	struct nfp_snap_ref ref;
	struct nfp_prefix_ref pref;  /* prefixRules: this worker's generation of the rules */
	struct nfp_snap_cache hosts; /* rulesDir: references into the last hosts' snapshot sets */
	char *txt;             /* format="text": the document's text, grown as needed */
	size_t txtcap;
} wrkrInstanceData_t;

#ifdef NFP_BENCH_FLOOR
#include "../../bench/floor.h" /* the benchmark-only build: one fixed record for every message */
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
	{ "dedup.sinkfile", eCmdHdlrString, 0 },
	{ "serializer", eCmdHdlrGetWord, 0 },
	{ "format", eCmdHdlrGetWord, 0 },
	{ "rulesdir", eCmdHdlrString, 0 },
	{ "rulesdir.maxhosts", eCmdHdlrInt, 0 },
	{ "identity.edge", eCmdHdlrBinary, 0 },
	{ "prefixrules", eCmdHdlrString, 0 },
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
	memset(&pWrkrData->hosts, 0, sizeof(pWrkrData->hosts));
	memset(&pWrkrData->pref, 0, sizeof(pWrkrData->pref));
	pWrkrData->txt = NULL;
	pWrkrData->txtcap = 0;
ENDcreateWrkrInstance

BEGINisCompatibleWithFeature
CODESTARTisCompatibleWithFeature
ENDisCompatibleWithFeature

BEGINfreeInstance
CODESTARTfreeInstance
	nfp_snapset_free(pData->snaps); /* first: a reload under way reports into pData */
	nfp_hostsnaps_free(pData->hosts);
	free(pData->rulesDir);
	nfp_dedup_guard_free(pData->dedup);
	nfp_prefix_set_free(pData->prules);
	if (pData->ctr.obj != NULL)
		statsobj.Destruct(&pData->ctr.obj);
	free(pData->statsName);
	free(pData->container);
	free(pData->sel);
	for (int i = 0; i < NFP_SNAP__COUNT; i++)
		free(pData->rules[i]);
ENDfreeInstance

BEGINfreeWrkrInstance
CODESTARTfreeWrkrInstance
	nfp_snapset_put(&pWrkrData->ref);
	nfp_prefix_set_put(&pWrkrData->pref);
	nfp_snap_cache_put(&pWrkrData->hosts);
	free(pWrkrData->txt);
ENDfreeWrkrInstance

/* a reload's outcome (from HUP, or from the snapshots' own loader thread): counted, and logged
 * once per failed file state */
static void reloaded(void *ctx, int r, const char *err)
{
	instanceData *pData = ctx;
	if (r > 0) {
		COUNT(pData, snapLoaded, mutSnapLoaded);
		LogMsg(0, RS_RET_OK, LOG_INFO, "mmnetfilter: ruleset snapshots reloaded");
	} else if (r < 0) {
		COUNT(pData, reloadFailed, mutReloadFailed);
		LogError(0, RS_RET_CONF_FILE_NOT_FOUND, "mmnetfilter: reloading ruleset snapshots failed, the previous "
			 "ones stay in use: %s", err);
	}
}

/* snapshot files that did not exist at start: said once, with the first message (rsyslogd
 * drops what is logged while it reads its configuration) */
static void tell_missing(instanceData *pData)
{
	static const char *const names[NFP_SNAP__COUNT] = { "iptablesRules", "ip6tablesRules", "nftRules" };
	unsigned miss = nfp_snapset_missing(pData->snaps);
	for (int k = 0; k < NFP_SNAP__COUNT; k++)
		if (miss & 1u << k)
			LogMsg(0, RS_RET_OK, LOG_WARNING, "mmnetfilter: parameter '%s': %s does not exist (yet): records of "
			       "that family are not resolved until it appears (it is loaded then)", names[k], pData->rules[k]);
}

/* prefixRules reloaded (file changed, or HUP): said in rsyslog's log, a failure once per state */
static void prefix_reloaded(instanceData *pData, int r, const char *err)
{
	if (r > 0)
		LogMsg(0, RS_RET_OK, LOG_INFO, "mmnetfilter: prefix rules reloaded from %s", nfp_prefix_set_path(pData->prules));
	else if (r < 0)
		LogError(0, RS_RET_CONF_FILE_NOT_FOUND, "mmnetfilter: parameter 'prefixRules': reloading failed, the previous "
			 "rules stay in use: %s", err);
}

BEGINdoHUP
	char err[512];
CODESTARTdoHUP
	if (pData->snaps != NULL)
		reloaded(pData, nfp_snapset_reload(pData->snaps, 1, err, sizeof(err)), err);
	if (pData->prules != NULL)
		prefix_reloaded(pData, nfp_prefix_set_reload(pData->prules, 1, err, sizeof(err)), err);
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

/* the identity's view of the message's properties: $! members by name, kept until released */
struct id_props {
	smsg_t *msg;
	struct json_object *held[4];
	int n;
};

static const char *id_prop(void *ctx, const char *name)
{
	struct id_props *ip = ctx;
	msgPropDescr_t prop;
	struct json_object *j = NULL;
	if (ip->n == 4 || msgPropDescrFill(&prop, (uchar *)name, (int)strlen(name)) != RS_RET_OK)
		return NULL;
	if (msgGetJSONPropJSON(ip->msg, &prop, &j) != RS_RET_OK)
		j = NULL;
	msgPropDescrDestruct(&prop);
	if (j == NULL)
		return NULL;
	ip->held[ip->n++] = j;
	return json_object_get_string(j);
}

/* The record's identity: the core decides (nfp_identity_of); this fills in what rsyslog knows
 * of the message. TEXT is what the ECS document carries. */
static enum nfp_id_kind identity(const instanceData *pData, smsg_t *pMsg, const char *text, size_t len, uint8_t out[20])
{
	uchar *in = NULL, *sd = NULL;
	int inlen = 0;
	rs_size_t sdlen = 0;
	struct id_props ip = { pMsg, { NULL }, 0 };
	struct nfp_id_msg m = { NULL, 0, (const char *)getHOSTNAME(pMsg), NULL, 0, boot_id, text, len, id_prop, &ip };
	enum nfp_id_kind kind;
	getInputName(pMsg, &in, &inlen);
	m.input = (const char *)in;
	m.input_len = inlen > 0 ? (size_t)inlen : 0;
	if (pData->edgeIdentity) {
		MsgGetStructuredData(pMsg, &sd, &sdlen);
		m.sd = (const char *)sd;
		m.sd_len = sdlen > 0 ? (size_t)sdlen : 0;
	}
	kind = nfp_identity_of(&m, out);
	while (ip.n > 0)
		json_object_put(ip.held[--ip.n]);
	return kind;
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

/* What a record resolves against: its sending host's snapshots (rulesDir), else the action's
 * own; NULL when there are none. A changed file is noticed at most once a second and loaded
 * in the background. */
static const struct nfp_snapshots *snapshots_for(wrkrInstanceData_t *w, const char *host, time_t now)
{
	instanceData *pData = w->pData;
	struct nfp_snapset *set;
	if (pData->hosts != NULL && host != NULL &&
	    (set = nfp_hostsnaps_get(pData->hosts, host, strlen(host), now)) != NULL)
		return nfp_snap_cache_get(&w->hosts, set, now);
	if (pData->snaps == NULL)
		return NULL;
	if (__atomic_load_n(&pData->initial_counted, __ATOMIC_RELAXED) == 0 &&
	    __atomic_exchange_n(&pData->initial_counted, 1, __ATOMIC_RELAXED) == 0) {
		COUNT(pData, snapLoaded, mutSnapLoaded);
		tell_missing(pData);
	}
	nfp_snapset_poll(pData->snaps, now);
	return nfp_snapset_get(pData->snaps, &w->ref);
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
#ifdef NFP_BENCH_FLOOR
	if (text != NULL && len > 0 && (rec = nfp_floor((const char **)&text, &len)) != NULL) {
#else
	if (text != NULL && len > 0 && nfp_parse((const char *)text, (size_t)len, rec) != NFP_NONE) {
#endif
		struct nfp_resolution res;
		const char *host = (const char *)getHOSTNAME(pMsg);
		const time_t now = time(NULL); /* the second every file check and the window go by */
		const struct nfp_prefix_rules *pr = NULL;
		if (pData->prules != NULL) { /* the site's rules, following their file */
			char perr[512];
			prefix_reloaded(pData, nfp_prefix_set_poll(pData->prules, now, perr, sizeof(perr)), perr);
			pr = nfp_prefix_set_get(pData->prules, &pWrkrData->pref);
		}
		struct nfp_extra x = { host, host != NULL ? strlen(host) : 0, &res, pData->sel, pr };
		res.status = NFP_RES_NONE;
		enum nfp_id_kind kind = NFP_ID_RANDOM;
		if (pData->schema == SCHEMA_ECS || pData->dedup != NULL) {
			m.timestamp = getTimeReported(pMsg, tplFmtRFC3339Date);
			kind = identity(pData, pMsg, m.message, m.message_len, digest);
			m.digest = digest;
		}
		/* only records with an identity of their own enter the duplicate window: another
		 * line, or a record that carries none, is never marked duplicate */
		if (pData->dedup != NULL && kind != NFP_ID_RANDOM &&
		    nfp_dedup_guard_seen(pData->dedup, digest, now,
					 runModConf != NULL ? (const char *)glblGetWorkDirRaw(runModConf->pConf) : NULL)) {
			/* delivered before: marked, not written again ($parsesuccess FAIL: outputs of records skip it) */
			CHKiRet(put_doc(pWrkrData, pMsg, NFP_DOC_DUPLICATE, rec, NULL, &m, NULL));
			COUNT(pData, duplicate, mutDuplicate);
			rec = &pWrkrData->rec;
			rec->type = NFP_NONE;
			rec->flags = 0;
			count(pData, rec);
			FINALIZE;
		}
		const struct nfp_snapshots *ss = snapshots_for(pWrkrData, host, now);
		if (ss != NULL) {
			if (nfp_resolve(ss, rec, (const char *)text, &res) == NFP_RES_RESOLVED) {
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

BEGINnewActInst
	struct cnfparamvals *pvals;
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

	CHKiRet(mmnf_configure(pData, pvals, &actpblk));
	if (pData->snaps != NULL)
		nfp_snapset_on_reload(pData->snaps, reloaded, pData);
	if (pData->rulesDir != NULL)
		CHKmalloc(pData->hosts = nfp_hostsnaps_new(pData->rulesDir, pData->maxHosts ? pData->maxHosts : 10000, reloaded,
							   pData));
	if (pData->live == -1) {
		pData->live = nfp_json_live_init(&fast_off_why);
		pData->fastOff = !pData->live && !pData->text; /* text: no tree is printed */
	}
	CHKiRet(mmnf_counters(pData, &statsobj));
CODE_STD_FINALIZERnewActInst
	cnfparamvalsDestruct(pvals, &actpblk);
ENDnewActInst

NO_LEGACY_CONF_parseSelectorAct

BEGINmodExit
CODESTARTmodExit
	mmnf_params_exit();
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
	char msg[512];
	DEFiRet;
	if (!nfp_rsyslog_version_ok(NFP_BUILT_FOR, msg, sizeof(msg))) {
		LogError(0, RS_RET_MODULE_LOAD_ERR, "%s", msg);
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
	nfp_boot_id(boot_id);
	CHKiRet(objUse(statsobj, CORE_COMPONENT));
ENDmodInit
