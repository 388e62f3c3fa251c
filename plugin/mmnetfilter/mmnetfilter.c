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
 *   Module counters (impstats "mmnetfilter"): STATSCOUNTER_INC, atomic (HAVE_ATOMIC_BUILTINS).
 *   The core keeps no mutable global state (its lookup index is filled once at load time).
 *
 * Ownership: nfp_to_json_ex returns one reference, msgAddJSON consumes it.
 */
#include "config.h" /* rsyslog's, from the configured source tree: must come first */
#if !defined(NDEBUG) || !defined(HAVE_ATOMIC_BUILTINS) || !defined(HAVE_ATOMIC_BUILTINS64)
#error "rsyslog config.h lacks NDEBUG/HAVE_ATOMIC_BUILTINS(64): the module would not match rsyslogd's ABI"
#endif
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
#include "nfp.h"
#include "nfp_json.h"
#include "nfp_snapset.h"

MODULE_TYPE_OUTPUT
MODULE_TYPE_NOKEEP
MODULE_CNFNAME("mmnetfilter")

DEF_OMOD_STATIC_DATA
DEFobjCurrIf(statsobj)

STATSCOUNTER_DEF(ctrSeen, mutCtrSeen)
STATSCOUNTER_DEF(ctrLog, mutCtrLog)
STATSCOUNTER_DEF(ctrTrace, mutCtrTrace)
STATSCOUNTER_DEF(ctrEbt, mutCtrEbt)
STATSCOUNTER_DEF(ctrFragment, mutCtrFragment)
STATSCOUNTER_DEF(ctrNone, mutCtrNone)
STATSCOUNTER_DEF(ctrTruncated, mutCtrTruncated)
STATSCOUNTER_DEF(ctrResolved, mutCtrResolved)
STATSCOUNTER_DEF(ctrUnresolved, mutCtrUnresolved)
STATSCOUNTER_DEF(ctrSnapLoaded, mutCtrSnapLoaded)
STATSCOUNTER_DEF(ctrReloadFailed, mutCtrReloadFailed)
static statsobj_t *modStats;

enum schema { SCHEMA_NATIVE = 0, SCHEMA_ECS };

/* the snapshot parameters, in nfp_snapset order */
static const char *const rule_params[NFP_SNAP__COUNT] = { "iptablesrules", "ip6tablesrules", "nftrules" };

typedef struct _instanceData {
	uchar *container;  /* "!netfilter", ".x", "/x" (without the '$') */
	enum schema schema;
	sbool useRawMsg;
	char *rules[NFP_SNAP__COUNT];   /* snapshot files, NULL if not configured */
	struct nfp_snapset *snaps;      /* NULL when no snapshot is configured */
	struct nfp_select *sel;         /* fields=: the native record's fields (NULL: all) */
	int initial_counted;            /* atomic: the load at startup is counted with the first message
					 * (counters gathered during config load are dropped by rsyslog) */
} instanceData;

typedef struct wrkrInstanceData {
	instanceData *pData;
	struct nfp_record rec; /* scratch, reused for every message */
	struct nfp_snap_ref ref;
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
ENDcreateWrkrInstance

BEGINisCompatibleWithFeature
CODESTARTisCompatibleWithFeature
ENDisCompatibleWithFeature

BEGINfreeInstance
CODESTARTfreeInstance
	free(pData->container);
	nfp_snapset_free(pData->snaps);
	free(pData->sel);
	for (int i = 0; i < NFP_SNAP__COUNT; i++)
		free(pData->rules[i]);
ENDfreeInstance

BEGINfreeWrkrInstance
CODESTARTfreeWrkrInstance
	nfp_snapset_put(&pWrkrData->ref);
ENDfreeWrkrInstance

/* a reload's outcome: counted, and logged once per failed file state */
static void reloaded(int r, const char *err)
{
	if (r > 0) {
		STATSCOUNTER_INC(ctrSnapLoaded, mutCtrSnapLoaded);
		LogMsg(0, RS_RET_OK, LOG_INFO, "mmnetfilter: ruleset snapshots reloaded");
	} else if (r < 0) {
		STATSCOUNTER_INC(ctrReloadFailed, mutCtrReloadFailed);
		LogError(0, RS_RET_CONF_FILE_NOT_FOUND, "mmnetfilter: reloading ruleset snapshots failed, the previous "
			 "ones stay in use: %s", err);
	}
}

BEGINdoHUP
	char err[512];
CODESTARTdoHUP
	if (pData->snaps != NULL)
		reloaded(nfp_snapset_reload(pData->snaps, 1, err, sizeof(err)), err);
ENDdoHUP

BEGINdbgPrintInstInfo
CODESTARTdbgPrintInstInfo
	DBGPRINTF("mmnetfilter: container '%s'\n", pData->container);
ENDdbgPrintInstInfo

BEGINtryResume
CODESTARTtryResume
ENDtryResume

static void count(const struct nfp_record *rec)
{
	STATSCOUNTER_INC(ctrSeen, mutCtrSeen);
	switch (rec->type) {
	case NFP_LOG: { STATSCOUNTER_INC(ctrLog, mutCtrLog); } break;
	case NFP_TRACE: { STATSCOUNTER_INC(ctrTrace, mutCtrTrace); } break;
	case NFP_EBT: { STATSCOUNTER_INC(ctrEbt, mutCtrEbt); } break;
	case NFP_FRAGMENT: { STATSCOUNTER_INC(ctrFragment, mutCtrFragment); } break;
	case NFP_NONE: { STATSCOUNTER_INC(ctrNone, mutCtrNone); } break;
	}
	if (rec->flags & NFP_R_TRUNCATED) {
		STATSCOUNTER_INC(ctrTruncated, mutCtrTruncated);
	}
}

BEGINdoAction_NoStrings
	smsg_t **ppMsg = (smsg_t **)pMsgData;
	smsg_t *pMsg = ppMsg[0];
	instanceData *pData;
	struct nfp_record *rec;
	struct json_object *json = NULL;
	uchar *text;
	int len;
	int ok = 0;
CODESTARTdoAction
	pData = pWrkrData->pData;
	rec = &pWrkrData->rec;
	if (pData->useRawMsg) {
		getRawMsg(pMsg, &text, &len);
	} else {
		text = getMSG(pMsg);
		len = getMSGLen(pMsg);
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
				STATSCOUNTER_INC(ctrSnapLoaded, mutCtrSnapLoaded);
			}
			reloaded(nfp_snapset_poll(pData->snaps, time(NULL), err, sizeof(err)), err);
			if (nfp_resolve(nfp_snapset_get(pData->snaps, &pWrkrData->ref), rec, (const char *)text, &res) ==
			    NFP_RES_RESOLVED) {
				STATSCOUNTER_INC(ctrResolved, mutCtrResolved);
			} else if (res.status == NFP_RES_UNRESOLVED) {
				STATSCOUNTER_INC(ctrUnresolved, mutCtrUnresolved);
			}
		}
		if (pData->schema == SCHEMA_ECS) {
			/* ECS wants the message's own time, host and text beside the fields */
			struct nfp_ecs_meta m = { getTimeReported(pMsg, tplFmtRFC3339Date), getHOSTNAME(pMsg),
						  (const char *)text, (size_t)len };
			while (m.message_len > 0 && *m.message == ' ')
				m.message++, m.message_len--;
			json = nfp_to_ecs_ex(rec, (const char *)text, &m, &x);
		} else {
			json = nfp_to_json_ex(rec, (const char *)text, &x);
		}
		if (json == NULL)
			ABORT_FINALIZE(RS_RET_OUT_OF_MEMORY);
		CHKiRet(msgAddJSON(pMsg, pData->container, json, 0, 0));
		json = NULL;
		ok = 1;
	} else {
		rec = &pWrkrData->rec;
		rec->type = NFP_NONE;
		rec->flags = 0;
		DBGPRINTF("mmnetfilter: not a netfilter record\n");
	}
	count(rec);
finalize_it:
	if (json != NULL)
		json_object_put(json);
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

static rsRetVal set_schema(instanceData *pData, es_str_t *val)
{
	char *s = es_str2cstr(val, NULL);
	DEFiRet;
	if (s == NULL)
		ABORT_FINALIZE(RS_RET_OUT_OF_MEMORY);
	if (strcmp(s, "native") == 0) {
		pData->schema = SCHEMA_NATIVE;
	} else if (strcmp(s, "ecs") == 0) {
		pData->schema = SCHEMA_ECS;
	} else {
		parser_errmsg("mmnetfilter: parameter 'schema': unknown value '%s' (supported: native, ecs)", s);
		iRet = RS_RET_INVALID_PARAMS;
	}
	free(s);
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

BEGINnewActInst
	struct cnfparamvals *pvals;
	int i;
CODESTARTnewActInst
	if ((pvals = nvlstGetParams(lst, &actpblk, NULL)) == NULL)
		ABORT_FINALIZE(RS_RET_MISSING_CNFPARAMS);

	CODE_STD_STRING_REQUESTnewActInst(1)
	CHKiRet(OMSRsetEntry(*ppOMSR, 0, NULL, OMSR_TPL_AS_MSG));
	CHKiRet(createInstance(&pData));
	CHKmalloc(pData->container = (uchar *)strdup("!netfilter"));
	pData->schema = SCHEMA_NATIVE;
	pData->useRawMsg = 0;

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
	CHKiRet(open_snapshots(pData));
CODE_STD_FINALIZERnewActInst
	cnfparamvalsDestruct(pvals, &actpblk);
ENDnewActInst

NO_LEGACY_CONF_parseSelectorAct

BEGINmodExit
CODESTARTmodExit
	if (modStats != NULL)
		statsobj.Destruct(&modStats);
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

static rsRetVal add_counter(const char *name, intctr_t *ctr)
{
	return statsobj.AddCounter(modStats, (uchar *)name, ctrType_IntCtr, CTR_FLAG_RESETTABLE, ctr);
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
	CHKiRet(objUse(statsobj, CORE_COMPONENT));
	CHKiRet(statsobj.Construct(&modStats));
	CHKiRet(statsobj.SetName(modStats, (uchar *)"mmnetfilter"));
	CHKiRet(statsobj.SetOrigin(modStats, (uchar *)"mmnetfilter"));
	STATSCOUNTER_INIT(ctrSeen, mutCtrSeen);
	CHKiRet(add_counter("records.seen", &ctrSeen));
	STATSCOUNTER_INIT(ctrLog, mutCtrLog);
	CHKiRet(add_counter("parsed.log", &ctrLog));
	STATSCOUNTER_INIT(ctrTrace, mutCtrTrace);
	CHKiRet(add_counter("parsed.trace", &ctrTrace));
	STATSCOUNTER_INIT(ctrEbt, mutCtrEbt);
	CHKiRet(add_counter("parsed.ebtables", &ctrEbt));
	STATSCOUNTER_INIT(ctrFragment, mutCtrFragment);
	CHKiRet(add_counter("parsed.fragment", &ctrFragment));
	STATSCOUNTER_INIT(ctrNone, mutCtrNone);
	CHKiRet(add_counter("not_netfilter", &ctrNone));
	STATSCOUNTER_INIT(ctrTruncated, mutCtrTruncated);
	CHKiRet(add_counter("truncated", &ctrTruncated));
	STATSCOUNTER_INIT(ctrResolved, mutCtrResolved);
	CHKiRet(add_counter("rules.resolved", &ctrResolved));
	STATSCOUNTER_INIT(ctrUnresolved, mutCtrUnresolved);
	CHKiRet(add_counter("rules.unresolved", &ctrUnresolved));
	STATSCOUNTER_INIT(ctrSnapLoaded, mutCtrSnapLoaded);
	CHKiRet(add_counter("snapshots.loaded", &ctrSnapLoaded));
	STATSCOUNTER_INIT(ctrReloadFailed, mutCtrReloadFailed);
	CHKiRet(add_counter("snapshots.reload_failed", &ctrReloadFailed));
	CHKiRet(statsobj.ConstructFinalize(modStats));
#ifdef NFP_BENCH_FLOOR
	nfp_parse(floor_line, sizeof(floor_line) - 1, &floor_rec);
#endif
ENDmodInit
