/* mmnetfilter: rsyslog message modification module that recognises netfilter LOG and TRACE
 * records (iptables/ip6tables/nft `log`, raw-table TRACE, ebtables --log) in the message text
 * and stores every field, typed, in a JSON container (default $!netfilter).
 *
 * Glue only: text in -> nfp_parse (src/nfp.h) -> nfp_to_json (src/nfp_json.h) -> msgAddJSON.
 *
 * Concurrency & Locking
 *   instanceData (pData): configuration, written by newActInst only, read-only afterwards.
 *   wrkrInstanceData: one reusable struct nfp_record per worker; nothing shared, no locks.
 *   Module counters (impstats "mmnetfilter"): STATSCOUNTER_INC, atomic (HAVE_ATOMIC_BUILTINS).
 *   The core keeps no mutable global state (its lookup index is filled once at load time).
 *
 * Ownership: nfp_to_json returns one reference, msgAddJSON consumes it.
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
static statsobj_t *modStats;

enum schema { SCHEMA_NATIVE = 0, SCHEMA_ECS };

typedef struct _instanceData {
	uchar *container;  /* "!netfilter", ".x", "/x" (without the '$') */
	enum schema schema;
	sbool useRawMsg;
} instanceData;

typedef struct wrkrInstanceData {
	instanceData *pData;
	struct nfp_record rec; /* scratch, reused for every message */
} wrkrInstanceData_t;

struct modConfData_s {
	rsconf_t *pConf;
};
static modConfData_t *loadModConf = NULL;
static modConfData_t *runModConf = NULL;

static struct cnfparamdescr actpdescr[] = {
	{ "container", eCmdHdlrString, 0 },
	{ "schema", eCmdHdlrGetWord, 0 },
	{ "userawmsg", eCmdHdlrBinary, 0 },
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
ENDcreateWrkrInstance

BEGINisCompatibleWithFeature
CODESTARTisCompatibleWithFeature
ENDisCompatibleWithFeature

BEGINfreeInstance
CODESTARTfreeInstance
	free(pData->container);
ENDfreeInstance

BEGINfreeWrkrInstance
CODESTARTfreeWrkrInstance
ENDfreeWrkrInstance

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
	if (text != NULL && len > 0 && nfp_parse((const char *)text, (size_t)len, rec) != NFP_NONE) {
		if (pData->schema == SCHEMA_ECS) {
			/* ECS wants the message's own time, host and text beside the fields */
			struct nfp_ecs_meta m = { getTimeReported(pMsg, tplFmtRFC3339Date), getHOSTNAME(pMsg),
						  (const char *)text, (size_t)len };
			while (m.message_len > 0 && *m.message == ' ')
				m.message++, m.message_len--;
			json = nfp_to_ecs(rec, (const char *)text, &m);
		} else {
			json = nfp_to_json(rec, (const char *)text);
		}
		if (json == NULL)
			ABORT_FINALIZE(RS_RET_OUT_OF_MEMORY);
		CHKiRet(msgAddJSON(pMsg, pData->container, json, 0, 0));
		json = NULL;
		ok = 1;
	} else {
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
		}
	}
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
	CHKiRet(statsobj.ConstructFinalize(modStats));
ENDmodInit
