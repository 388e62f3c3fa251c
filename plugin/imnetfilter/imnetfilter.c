/* imnetfilter: netfilter's packet logs straight from the kernel, as rsyslog messages.
 *
 *   module(load="imnetfilter")
 *   input(type="imnetfilter" group="5" [netns="router"] [tag="kernel:"] [ruleset="..."]
 *         [uidGid="off"] [copyRange="1024"] [rcvBufSize="4m"] [statsName="..."])
 *
 * Each input subscribes to one NFLOG group (iptables -j NFLOG --nflog-group N, nft log group N)
 * in the network namespace rsyslogd runs in, or in a named one (/run/netns/NAME, as `ip netns`
 * makes them; an absolute path to a namespace file also works). Every packet becomes one
 * message whose text is the line the kernel's LOG target prints for it (src/parse/packet.c):
 * mmnetfilter, filters and files read it like a kernel line, and the record is the record of
 * its LOG twin. What the line cannot say goes to $!nflog: the group, the kernel's sequence
 * numbers, the hook, the family and the namespace (name and inode).
 *
 * Loss is counted, not guessed: the kernel numbers each group's packets (NFULA_SEQ), so a gap
 * is exactly the packets the kernel could not hand over (socket buffer full: ENOBUFS). impstats
 * object "imnetfilter(<statsName>)": events, submitted, lost, overruns, decode_errors.
 *
 * With trace="on" instead of group=, the input subscribes to nftables trace events (what `nft
 * monitor trace` reads: rules with `meta nftrace set 1`, iptables-nft's TRACE target) and
 * submits the lines `nft monitor trace` prints for them (src/parse/nfttrace.c): a packet line
 * where the event carries headers, and the step with the rule's handle and verdict; mmnetfilter
 * makes walks of them and names the rules from an nft snapshot. $!nftrace: netns, netns_inode.
 *
 * Needs CAP_NET_ADMIN (to bind a group) and, for netns=, CAP_SYS_ADMIN (setns): rsyslogd as
 * root has both; the sockets are opened once in the input's thread, which then goes back to
 * rsyslogd's own namespace.
 */
#include "config.h"
#include "rsyslog.h"
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <libnetfilter_log/libnetfilter_log.h>
#include <libmnl/libmnl.h>
#include <libnftnl/trace.h>
#include <nftables/libnftables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <json.h>
#include "conf.h"
#include "syslogd-types.h"
#include "srUtils.h"
#include "template.h"
#include "module-template.h"
#include "errmsg.h"
#include "glbl.h"
#include "prop.h"
#include "ruleset.h"
#include "msg.h"
#include "statsobj.h"
#include "unicode-helper.h"
#include "dirty.h"
#include "nfp.h"
#include "rules/nfp_resolve.h"

MODULE_TYPE_INPUT
MODULE_TYPE_NOKEEP
MODULE_CNFNAME("imnetfilter")

struct instanceConf_s {
	int group;             /* -1: none (a trace input) */
	int trace;             /* trace="on": nftables trace events instead of an NFLOG group */
	struct mnl_socket *nl; /* the trace socket */
	int ruleText;          /* trace.ruleText: the rules' text from the ruleset, listed over netlink */
	struct nft_ctx *nft;   /* libnftables, bound to the namespace: "list ruleset" */
	struct nfp_ruleset *rs;/* the last listing */
	time_t listedAt;
	char *netns;           /* NULL: rsyslogd's own namespace */
	uchar *pszTag;
	size_t lenTag;
	uchar *pszBindRuleset;
	ruleset_t *pBindRuleset;
	int uidGid;
	int copyRange;
	int rcvBuf;
	char *statsName;
	/* running state (the input thread's) */
	struct nflog_handle *h;
	struct nflog_g_handle *gh;
	int fd, ifsock;        /* the NFLOG socket; a socket in the same namespace for interface names */
	unsigned long long nsino;
	time_t retryAt, checkedAt; /* open again; look whether the namespace is still the one opened */
	struct nfp_seq seq;    /* the group's numbering, for what the kernel lost */
	statsobj_t *stats;
	STATSCOUNTER_DEF(events, mutEvents)
	STATSCOUNTER_DEF(submitted, mutSubmitted)
	STATSCOUNTER_DEF(lost, mutLost)
	STATSCOUNTER_DEF(overruns, mutOverruns)
	STATSCOUNTER_DEF(decodeErrors, mutDecodeErrors)
	struct instanceConf_s *next;
};

struct modConfData_s {
	rsconf_t *pConf;
};

DEF_IMOD_STATIC_DATA
DEFobjCurrIf(glbl)
DEFobjCurrIf(prop)
DEFobjCurrIf(ruleset)
DEFobjCurrIf(statsobj)

static prop_t *pInputName = NULL;
static instanceConf_t *confRoot = NULL, *confTail = NULL;
static modConfData_t *loadModConf = NULL;
static unsigned renderFlags; /* NFP_RENDER_AE on kernels that print it */
/* messages go to rsyslog's queue in batches (one lock per batch, not per packet): the input
 * thread is the only one that fills it; flushed after each read of a socket */
#define BATCH 256
static smsg_t *batchMsgs[BATCH];
static multi_submit_t batch = { BATCH, 0, batchMsgs };

static void submit(instanceConf_t *inst, smsg_t *pMsg)
{
	batch.ppMsgs[batch.nElem++] = pMsg;
	STATSCOUNTER_INC(inst->submitted, inst->mutSubmitted);
	if (batch.nElem == batch.maxElem)
		multiSubmitMsg2(&batch);
}

static struct cnfparamdescr inppdescr[] = {
	{ "group", eCmdHdlrInt, 0 },
	{ "trace", eCmdHdlrBinary, 0 },
	{ "trace.ruletext", eCmdHdlrBinary, 0 },
	{ "netns", eCmdHdlrString, 0 },
	{ "tag", eCmdHdlrString, 0 },
	{ "ruleset", eCmdHdlrString, 0 },
	{ "uidgid", eCmdHdlrBinary, 0 },
	{ "copyrange", eCmdHdlrInt, 0 },
	{ "rcvbufsize", eCmdHdlrSize, 0 },
	{ "statsname", eCmdHdlrString, 0 },
};
static struct cnfparamblk inppblk = { CNFPARAMBLK_VERSION, sizeof(inppdescr) / sizeof(struct cnfparamdescr),
				      inppdescr };

static inline void std_checkRuleset_genErrMsg(__attribute__((unused)) modConfData_t *modConf, instanceConf_t *pInst)
{
	LogError(0, NO_ERRCODE, "imnetfilter: parameter 'ruleset': ruleset '%s' for group %d not found - "
		 "using the default ruleset", pInst->pszBindRuleset, pInst->group);
}
#include "im-helper.h"

static void freeInst(instanceConf_t *p)
{
	free(p->netns);
	free(p->pszTag);
	free(p->pszBindRuleset);
	free(p->statsName);
	if (p->stats != NULL)
		statsobj.Destruct(&p->stats);
	free(p);
}

/* a namespace name as `ip netns` keeps them, or a path */
static int netns_ok(const char *s)
{
	if (s[0] == '/')
		return 1;
	if (s[0] == '\0' || strcmp(s, ".") == 0 || strcmp(s, "..") == 0 || strlen(s) > 200)
		return 0;
	return strchr(s, '/') == NULL;
}

BEGINnewInpInst
	struct cnfparamvals *pvals;
	instanceConf_t *inst = NULL;
CODESTARTnewInpInst
	pvals = nvlstGetParams(lst, &inppblk, NULL);
	if (pvals == NULL)
		ABORT_FINALIZE(RS_RET_MISSING_CNFPARAMS);
	CHKmalloc(inst = calloc(1, sizeof(*inst)));
	inst->fd = inst->ifsock = -1;
	inst->group = -1;
	inst->ruleText = 1;
	inst->copyRange = 1024;
	inst->rcvBuf = 4 * 1024 * 1024;
	for (int i = 0; i < inppblk.nParams; i++) {
		if (!pvals[i].bUsed)
			continue;
		const char *n = inppblk.descr[i].name;
		if (!strcmp(n, "group")) {
			if (pvals[i].val.d.n < 0 || pvals[i].val.d.n > 65535) {
				LogError(0, RS_RET_INVALID_PARAMS, "imnetfilter: parameter 'group': %lld is not an "
					 "NFLOG group (0 to 65535)", (long long)pvals[i].val.d.n);
				ABORT_FINALIZE(RS_RET_INVALID_PARAMS);
			}
			inst->group = (int)pvals[i].val.d.n;
		} else if (!strcmp(n, "trace")) {
			inst->trace = (int)pvals[i].val.d.n;
		} else if (!strcmp(n, "trace.ruletext")) {
			inst->ruleText = (int)pvals[i].val.d.n;
		} else if (!strcmp(n, "netns")) {
			CHKmalloc(inst->netns = es_str2cstr(pvals[i].val.d.estr, NULL));
			if (!netns_ok(inst->netns)) {
				LogError(0, RS_RET_INVALID_PARAMS, "imnetfilter: parameter 'netns': '%s' is neither a "
					 "namespace name (as `ip netns list` shows) nor an absolute path", inst->netns);
				ABORT_FINALIZE(RS_RET_INVALID_PARAMS);
			}
			if (inst->netns[0] == '\0') {
				free(inst->netns);
				inst->netns = NULL;
			}
		} else if (!strcmp(n, "tag")) {
			CHKmalloc(inst->pszTag = (uchar *)es_str2cstr(pvals[i].val.d.estr, NULL));
		} else if (!strcmp(n, "ruleset")) {
			CHKmalloc(inst->pszBindRuleset = (uchar *)es_str2cstr(pvals[i].val.d.estr, NULL));
		} else if (!strcmp(n, "uidgid")) {
			inst->uidGid = (int)pvals[i].val.d.n;
		} else if (!strcmp(n, "copyrange")) {
			if (pvals[i].val.d.n < 64 || pvals[i].val.d.n > 65535) {
				LogError(0, RS_RET_INVALID_PARAMS, "imnetfilter: parameter 'copyRange': %lld bytes; "
					 "64 to 65535 (the headers the kernel prints fit in 1024)",
					 (long long)pvals[i].val.d.n);
				ABORT_FINALIZE(RS_RET_INVALID_PARAMS);
			}
			inst->copyRange = (int)pvals[i].val.d.n;
		} else if (!strcmp(n, "rcvbufsize")) {
			if (pvals[i].val.d.n < 65536 || pvals[i].val.d.n > 1024LL * 1024 * 1024) {
				LogError(0, RS_RET_INVALID_PARAMS, "imnetfilter: parameter 'rcvBufSize': %lld bytes; "
					 "64k to 1g", (long long)pvals[i].val.d.n);
				ABORT_FINALIZE(RS_RET_INVALID_PARAMS);
			}
			inst->rcvBuf = (int)pvals[i].val.d.n;
		} else if (!strcmp(n, "statsname")) {
			CHKmalloc(inst->statsName = es_str2cstr(pvals[i].val.d.estr, NULL));
		}
	}
	if (inst->trace && inst->group >= 0) {
		LogError(0, RS_RET_INVALID_PARAMS, "imnetfilter: parameter 'trace': an input reads either an NFLOG "
			 "group or trace events; give trace=\"on\" its own input()");
		ABORT_FINALIZE(RS_RET_INVALID_PARAMS);
	}
	if (!inst->trace && inst->group < 0) {
		LogError(0, RS_RET_INVALID_PARAMS, "imnetfilter: parameter 'group' required (or trace=\"on\")");
		ABORT_FINALIZE(RS_RET_INVALID_PARAMS);
	}
	if (inst->pszTag == NULL)
		CHKmalloc(inst->pszTag = (uchar *)strdup(inst->trace ? "nft-trace:" : "kernel:"));
	inst->lenTag = strlen((char *)inst->pszTag);
	/* one reader per group and namespace: the kernel refuses a second binding */
	for (instanceConf_t *o = confRoot; o != NULL; o = o->next) {
		if (o->group == inst->group && o->trace == inst->trace && ((o->netns == NULL && inst->netns == NULL) ||
						(o->netns != NULL && inst->netns != NULL && !strcmp(o->netns, inst->netns)))) {
			if (inst->trace)
				LogError(0, RS_RET_INVALID_PARAMS, "imnetfilter: parameter 'trace': trace events%s%s are "
					 "read by another imnetfilter input already", inst->netns ? " of netns " : "",
					 inst->netns ? inst->netns : "");
			else
				LogError(0, RS_RET_INVALID_PARAMS, "imnetfilter: parameter 'group': group %d%s%s is read by "
					 "another imnetfilter input already; the kernel gives a group to one reader",
					 inst->group, inst->netns ? " in netns " : "", inst->netns ? inst->netns : "");
			ABORT_FINALIZE(RS_RET_INVALID_PARAMS);
		}
	}
	if (inst->statsName == NULL) {
		char b[256];
		if (inst->trace)
			snprintf(b, sizeof(b), "trace%s%s", inst->netns ? " netns " : "", inst->netns ? inst->netns : "");
		else
			snprintf(b, sizeof(b), "group %d%s%s", inst->group, inst->netns ? " netns " : "",
				 inst->netns ? inst->netns : "");
		CHKmalloc(inst->statsName = strdup(b));
	}
	{
		char b[300];
		snprintf(b, sizeof(b), "imnetfilter(%s)", inst->statsName);
		CHKiRet(statsobj.Construct(&inst->stats));
		CHKiRet(statsobj.SetName(inst->stats, (uchar *)b));
		CHKiRet(statsobj.SetOrigin(inst->stats, (uchar *)"imnetfilter"));
		STATSCOUNTER_INIT(inst->events, inst->mutEvents);
		CHKiRet(statsobj.AddCounter(inst->stats, (uchar *)"events", ctrType_IntCtr, CTR_FLAG_RESETTABLE,
					    &inst->events));
		STATSCOUNTER_INIT(inst->submitted, inst->mutSubmitted);
		CHKiRet(statsobj.AddCounter(inst->stats, (uchar *)"submitted", ctrType_IntCtr, CTR_FLAG_RESETTABLE,
					    &inst->submitted));
		STATSCOUNTER_INIT(inst->lost, inst->mutLost);
		CHKiRet(statsobj.AddCounter(inst->stats, (uchar *)"lost", ctrType_IntCtr, CTR_FLAG_RESETTABLE,
					    &inst->lost));
		STATSCOUNTER_INIT(inst->overruns, inst->mutOverruns);
		CHKiRet(statsobj.AddCounter(inst->stats, (uchar *)"overruns", ctrType_IntCtr, CTR_FLAG_RESETTABLE,
					    &inst->overruns));
		STATSCOUNTER_INIT(inst->decodeErrors, inst->mutDecodeErrors);
		CHKiRet(statsobj.AddCounter(inst->stats, (uchar *)"decode_errors", ctrType_IntCtr,
					    CTR_FLAG_RESETTABLE, &inst->decodeErrors));
		CHKiRet(statsobj.ConstructFinalize(inst->stats));
	}
	if (confTail == NULL)
		confRoot = confTail = inst;
	else
		confTail = confTail->next = inst;
	inst = NULL;
finalize_it:
	if (inst != NULL)
		freeInst(inst);
	if (pvals != NULL)
		cnfparamvalsDestruct(pvals, &inppblk);
CODE_STD_FINALIZERnewInpInst
ENDnewInpInst

/* an interface index in the instance's namespace as its name ("" when gone) */
static void ifname(const instanceConf_t *inst, uint32_t idx, char out[IF_NAMESIZE + 1])
{
	struct ifreq r;
	out[0] = '\0';
	if (idx == 0 || inst->ifsock < 0)
		return;
	memset(&r, 0, sizeof(r));
	r.ifr_ifindex = (int)idx;
	if (ioctl(inst->ifsock, SIOCGIFNAME, &r) == 0) {
		memcpy(out, r.ifr_name, IF_NAMESIZE);
		out[IF_NAMESIZE] = '\0';
	}
}

static const char *hook_name(unsigned family, unsigned hook)
{
	static const char *const ip[5] = { "prerouting", "input", "forward", "output", "postrouting" };
	if (family == NFPROTO_ARP)
		return hook == 0 ? "input" : hook == 1 ? "output" : hook == 2 ? "forward" : "unknown";
	if (family == NFPROTO_NETDEV)
		return hook == 0 ? "ingress" : hook == 1 ? "egress" : "unknown";
	return hook < 5 ? ip[hook] : "unknown";
}
static void jset(struct json_object *o, const char *k, struct json_object *v)
{
	if (v != NULL)
		json_object_object_add(o, k, v);
}

/* One message: the text, facility kern at the given severity, the input's tag, host, input name
 * and ruleset; j (taken, may be NULL) with the namespace added goes to the variable name */
static void submit_text(instanceConf_t *inst, const char *line, size_t n, int severity, const char *name,
			struct json_object *j)
{
	smsg_t *pMsg;
	if (msgConstruct(&pMsg) != RS_RET_OK) {
		if (j != NULL)
			json_object_put(j);
		return;
	}
	MsgSetFlowControlType(pMsg, eFLOWCTL_LIGHT_DELAY);
	MsgSetInputName(pMsg, pInputName);
	MsgSetRcvFrom(pMsg, glbl.GetLocalHostNameProp());
	MsgSetHOSTNAME(pMsg, glblGetLocalHostName(), (int)ustrlen(glblGetLocalHostName()));
	MsgSetTAG(pMsg, inst->pszTag, inst->lenTag);
	msgSetPRI(pMsg, LOG_KERN | severity);
	MsgSetRawMsg(pMsg, line, n);
	MsgSetMSGoffs(pMsg, 0);
	MsgSetRuleset(pMsg, inst->pBindRuleset);
	if (j != NULL) {
		if (inst->netns != NULL)
			jset(j, "netns", json_object_new_string(inst->netns));
		jset(j, "netns_inode", json_object_new_int64((int64_t)inst->nsino));
		msgAddJSON(pMsg, (uchar *)name, j, 0, 0);
	}
	submit(inst, pMsg);
}

static int on_packet(struct nflog_g_handle *gh, struct nfgenmsg *nfmsg, struct nflog_data *nfa, void *data)
{
	instanceConf_t *inst = data;
	struct nfulnl_msg_packet_hdr *ph = nflog_get_msg_packet_hdr(nfa);
	char in[IF_NAMESIZE + 1], out[IF_NAMESIZE + 1], pin[IF_NAMESIZE + 1], pout[IF_NAMESIZE + 1];
	char line[NFP_PACKET_LINE_MAX];
	char *payload = NULL, *prefix = nflog_get_prefix(nfa);
	int plen = nflog_get_payload(nfa, &payload);
	uint32_t seq = 0, gseq = 0, uid = 0, gid = 0;
	int hasSeq = nflog_get_seq(nfa, &seq) == 0, hasGseq = nflog_get_seq_global(nfa, &gseq) == 0;
	struct json_object *j;
	(void)gh;
	STATSCOUNTER_INC(inst->events, inst->mutEvents);
	/* a gap in the group's numbering: packets the kernel dropped (its queue to us was full) */
	if (hasSeq) {
		uint32_t lost = nfp_seq_lost(&inst->seq, seq);
		if (lost > 0)
			STATSCOUNTER_ADD(inst->lost, inst->mutLost, lost);
	}
	if (plen < 0 || payload == NULL || ph == NULL) {
		STATSCOUNTER_INC(inst->decodeErrors, inst->mutDecodeErrors);
		return 0;
	}
	ifname(inst, nflog_get_indev(nfa), in);
	ifname(inst, nflog_get_outdev(nfa), out);
	ifname(inst, nflog_get_physindev(nfa), pin);
	ifname(inst, nflog_get_physoutdev(nfa), pout);
	struct nfp_packet_meta m = { 0 };
	m.family = nfmsg->nfgen_family;
	m.ethertype = ntohs(ph->hw_protocol);
	m.prefix = prefix;
	m.prefix_max = 256;
	m.in = in;
	m.out = out;
	m.physin = pin;
	m.physout = pout;
	m.hwhdr = (const uint8_t *)nflog_get_msg_packet_hwhdr(nfa);
	m.hwhdr_len = m.hwhdr != NULL ? nflog_get_msg_packet_hwhdrlen(nfa) : 0;
	m.mark = nflog_get_nfmark(nfa);
	m.flags = renderFlags | (inst->uidGid ? NFP_RENDER_UID : 0);
	if (inst->uidGid && nflog_get_uid(nfa, &uid) == 0 && nflog_get_gid(nfa, &gid) == 0) {
		m.has_uid = 1;
		m.uid = uid;
		m.gid = gid;
	}
	size_t n = nfp_packet_render(&m, (const uint8_t *)payload, (size_t)plen, line, sizeof(line));
	if ((j = json_object_new_object()) != NULL) {
		jset(j, "group", json_object_new_int(inst->group));
		if (hasSeq)
			jset(j, "seq", json_object_new_int64(seq));
		if (hasGseq)
			jset(j, "seq_global", json_object_new_int64(gseq));
		enum nfp_word fw = nfp_family_word(m.family);
		jset(j, "family", json_object_new_string(fw != NFP_W__COUNT ? nfp_words[fw] : "unknown"));
		jset(j, "hook", json_object_new_string(hook_name(m.family, ph->hook)));
	}
	submit_text(inst, line, n, LOG_WARNING, "!nflog", j);
	return 0;
}

static void submit_line(instanceConf_t *inst, const char *line, size_t n, uint32_t id)
{
	struct json_object *j = json_object_new_object();
	if (j != NULL)
		jset(j, "id", json_object_new_int64(id));
	submit_text(inst, line, n, LOG_INFO, "!nftrace", j);
}

/* The ruleset as `nft -a list ruleset` prints it, read over the instance's libnftables context
 * (its socket is in the instance's namespace); kept until a handle is not found in it, listed
 * again at most once a second. */
static void relist(instanceConf_t *inst)
{
	char err[256];
	time_t now = time(NULL);
	if (inst->nft == NULL || now == inst->listedAt)
		return;
	inst->listedAt = now;
	if (nft_run_cmd_from_buffer(inst->nft, "list ruleset") != 0)
		return;
	const char *text = nft_ctx_get_output_buffer(inst->nft);
	struct nfp_ruleset *rs = text != NULL ? nfp_ruleset_parse(text, strlen(text), NFP_RS_NFT, "netlink", err, sizeof(err)) : NULL;
	if (rs == NULL)
		return;
	if (inst->rs != NULL)
		nfp_ruleset_free(inst->rs);
	inst->rs = rs;
}

static const struct nfp_rs_rule *rule_of(instanceConf_t *inst, unsigned family, const char *table, uint64_t handle)
{
	for (int pass = 0; pass < 2 && table != NULL && handle <= UINT32_MAX; pass++) {
		const struct nfp_rs_table *t = inst->rs ? nfp_rs_table(inst->rs, (int)family, table, strlen(table)) : NULL;
		const struct nfp_rs_rule *r = t != NULL ? nfp_rs_by_handle(inst->rs, t, (uint32_t)handle) : NULL;
		if (r != NULL)
			return r;
		if (pass == 0)
			relist(inst);
	}
	return NULL;
}

static const uint8_t *trace_data(const struct nftnl_trace *t, uint16_t a, size_t *n)
{
	uint32_t l = 0;
	const void *d = nftnl_trace_is_set(t, a) ? nftnl_trace_get_data(t, a, &l) : NULL;
	*n = d != NULL ? l : 0;
	return d;
}

static int on_trace(const struct nlmsghdr *nlh, void *data)
{
	instanceConf_t *inst = data;
	struct nftnl_trace *t;
	char iif[IF_NAMESIZE + 1] = "", oif[IF_NAMESIZE + 1] = "", line[4096];
	if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_NFTABLES || NFNL_MSG_TYPE(nlh->nlmsg_type) != NFT_MSG_TRACE)
		return MNL_CB_OK;
	STATSCOUNTER_INC(inst->events, inst->mutEvents);
	if ((t = nftnl_trace_alloc()) == NULL)
		return MNL_CB_OK;
	if (nftnl_trace_nlmsg_parse(nlh, t) < 0) {
		STATSCOUNTER_INC(inst->decodeErrors, inst->mutDecodeErrors);
		nftnl_trace_free(t);
		return MNL_CB_OK;
	}
	struct nfp_nfttrace e = { 0 };
	e.id = nftnl_trace_get_u32(t, NFTNL_TRACE_ID);
	e.family = nftnl_trace_get_u32(t, NFTNL_TRACE_FAMILY);
	e.type = nftnl_trace_get_u32(t, NFTNL_TRACE_TYPE);
	e.table = nftnl_trace_is_set(t, NFTNL_TRACE_TABLE) ? nftnl_trace_get_str(t, NFTNL_TRACE_TABLE) : NULL;
	e.chain = nftnl_trace_is_set(t, NFTNL_TRACE_CHAIN) ? nftnl_trace_get_str(t, NFTNL_TRACE_CHAIN) : NULL;
	e.jump_target = nftnl_trace_is_set(t, NFTNL_TRACE_JUMP_TARGET) ? nftnl_trace_get_str(t, NFTNL_TRACE_JUMP_TARGET) : NULL;
	e.handle = nftnl_trace_is_set(t, NFTNL_TRACE_RULE_HANDLE) ? nftnl_trace_get_u64(t, NFTNL_TRACE_RULE_HANDLE) : 0;
	e.has_verdict = nftnl_trace_is_set(t, NFTNL_TRACE_VERDICT);
	e.verdict = (int32_t)nftnl_trace_get_u32(t, NFTNL_TRACE_VERDICT);
	e.has_policy = nftnl_trace_is_set(t, NFTNL_TRACE_POLICY);
	e.policy = nftnl_trace_get_u32(t, NFTNL_TRACE_POLICY);
	e.has_mark = nftnl_trace_is_set(t, NFTNL_TRACE_MARK);
	e.mark = nftnl_trace_get_u32(t, NFTNL_TRACE_MARK);
	e.nfproto = nftnl_trace_is_set(t, NFTNL_TRACE_NFPROTO) ? nftnl_trace_get_u32(t, NFTNL_TRACE_NFPROTO) : e.family;
	if (nftnl_trace_is_set(t, NFTNL_TRACE_IIF)) {
		ifname(inst, nftnl_trace_get_u32(t, NFTNL_TRACE_IIF), iif);
		e.iif = iif;
	}
	if (nftnl_trace_is_set(t, NFTNL_TRACE_OIF)) {
		ifname(inst, nftnl_trace_get_u32(t, NFTNL_TRACE_OIF), oif);
		e.oif = oif;
	}
	e.iiftype = nftnl_trace_is_set(t, NFTNL_TRACE_IIFTYPE) ? nftnl_trace_get_u16(t, NFTNL_TRACE_IIFTYPE) : 0;
	e.ll = trace_data(t, NFTNL_TRACE_LL_HEADER, &e.ll_len);
	e.nh = trace_data(t, NFTNL_TRACE_NETWORK_HEADER, &e.nh_len);
	e.th = trace_data(t, NFTNL_TRACE_TRANSPORT_HEADER, &e.th_len);
	if (e.type == NFT_TRACETYPE_RULE && inst->ruleText) {
		const struct nfp_rs_rule *r = rule_of(inst, e.family, e.table, e.handle);
		if (r != NULL) {
			e.rule_text = r->text.p;
			e.rule_len = r->text.len;
		}
	}
	/* as nft prints them: the packet first (on a rule event that carries headers), then the step */
	size_t n;
	if (e.type == NFT_TRACETYPE_RULE && (n = nfp_nfttrace_packet(&e, line, sizeof(line))) > 0)
		submit_line(inst, line, n, e.id);
	if (e.type != NFT_TRACETYPE_RULE || nftnl_trace_is_set(t, NFTNL_TRACE_RULE_HANDLE)) {
		n = nfp_nfttrace_step(&e, line, sizeof(line));
		submit_line(inst, line, n, e.id);
	}
	nftnl_trace_free(t);
	return MNL_CB_OK;
}

static void close_inst(instanceConf_t *inst);

static void netns_path(const instanceConf_t *inst, char *path, size_t cap)
{
	snprintf(path, cap, "%s%s", inst->netns[0] == '/' ? "" : "/run/netns/", inst->netns);
}

/* a named namespace that was deleted, or deleted and made anew under its name (a container or
 * router restarted): the sockets still belong to the old one, which reads nothing more. Closed
 * here; the input opens them again in the namespace the name has now (at once, or every 5 s
 * until the name is back). */
static void check_netns(instanceConf_t *inst, time_t now)
{
	char path[300];
	struct stat st;
	if (inst->netns == NULL || inst->fd < 0 || now - inst->checkedAt < 5)
		return;
	inst->checkedAt = now;
	netns_path(inst, path, sizeof(path));
	const int gone = stat(path, &st) != 0;
	if (!gone && (unsigned long long)st.st_ino == inst->nsino)
		return;
	if (inst->trace)
		LogMsg(0, RS_RET_OK, LOG_WARNING, "imnetfilter: trace events: network namespace '%s' %s; reading it "
		       "again once it is there", path, gone ? "was deleted" : "was made anew");
	else
		LogMsg(0, RS_RET_OK, LOG_WARNING, "imnetfilter: group %d: network namespace '%s' %s; reading it again "
		       "once it is there", inst->group, path, gone ? "was deleted" : "was made anew");
	close_inst(inst); /* unbinding reads what is still queued: those events go on at once */
	multiSubmitFlush(&batch);
	inst->retryAt = now;
}

/* Subscribe in the instance's namespace: this thread enters it for the socket calls and goes
 * back (a socket stays in the namespace it was made in). 0 on success. */
static int open_inst(instanceConf_t *inst)
{
	int self = -1, target = -1, ok = 0;
	struct stat st;
	char path[300];
	if (inst->netns != NULL) {
		netns_path(inst, path, sizeof(path));
		if ((target = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
			LogError(errno, RS_RET_ERR, "imnetfilter: group %d: cannot open network namespace '%s' "
				 "(retrying every 5 s)", inst->group, path);
			return -1;
		}
		if ((self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) < 0 ||
		    setns(target, CLONE_NEWNET) != 0) {
			LogError(errno, RS_RET_ERR, "imnetfilter: group %d: cannot enter network namespace '%s' "
				 "(rsyslogd needs CAP_SYS_ADMIN)", inst->group, path);
			goto done;
		}
	}
	if (stat("/proc/thread-self/ns/net", &st) == 0)
		inst->nsino = (unsigned long long)st.st_ino;
	inst->ifsock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (inst->trace) {
		int grp = NFNLGRP_NFTRACE;
		if ((inst->nl = mnl_socket_open(NETLINK_NETFILTER)) == NULL || mnl_socket_bind(inst->nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
		    mnl_socket_setsockopt(inst->nl, NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp)) < 0) {
			LogError(errno, RS_RET_ERR, "imnetfilter: cannot subscribe to nftables trace events%s%s "
				 "(rsyslogd lacks CAP_NET_ADMIN?)", inst->netns ? " in netns " : "",
				 inst->netns ? inst->netns : "");
			goto done;
		}
		inst->fd = mnl_socket_get_fd(inst->nl);
		if (inst->ruleText) { /* libnftables' socket is made here: in the namespace */
			if ((inst->nft = nft_ctx_new(NFT_CTX_DEFAULT)) != NULL) {
				nft_ctx_output_set_flags(inst->nft, NFT_CTX_OUTPUT_HANDLE);
				nft_ctx_buffer_output(inst->nft);
				inst->listedAt = 0;
				relist(inst);
			}
		}
		goto opened;
	}
	if ((inst->h = nflog_open()) == NULL) {
		LogError(errno, RS_RET_ERR, "imnetfilter: group %d: cannot open an nfnetlink socket", inst->group);
		goto done;
	}
	/* the family binding is what kernels before 3.17 wanted; later ones ignore it */
	(void)nflog_bind_pf(inst->h, AF_INET);
	(void)nflog_bind_pf(inst->h, AF_INET6);
	if ((inst->gh = nflog_bind_group(inst->h, (uint16_t)inst->group)) == NULL) {
		LogError(errno, RS_RET_ERR, "imnetfilter: group %d%s%s: cannot bind the NFLOG group (another "
			 "reader has it, e.g. ulogd, or rsyslogd lacks CAP_NET_ADMIN)", inst->group,
			 inst->netns ? " in netns " : "", inst->netns ? inst->netns : "");
		goto done;
	}
	if (nflog_set_mode(inst->gh, NFULNL_COPY_PACKET, (uint32_t)inst->copyRange) < 0 ||
	    nflog_set_flags(inst->gh, NFULNL_CFG_F_SEQ | NFULNL_CFG_F_SEQ_GLOBAL) < 0) {
		LogError(errno, RS_RET_ERR, "imnetfilter: group %d: cannot configure the group", inst->group);
		goto done;
	}
	nflog_callback_register(inst->gh, on_packet, inst);
	inst->fd = nflog_fd(inst->h);
opened:
	/* the buffer between the kernel and us: FORCE passes rmem_max where we may (root) */
	if (setsockopt(inst->fd, SOL_SOCKET, SO_RCVBUFFORCE, &inst->rcvBuf, sizeof(inst->rcvBuf)) != 0)
		(void)setsockopt(inst->fd, SOL_SOCKET, SO_RCVBUF, &inst->rcvBuf, sizeof(inst->rcvBuf));
	fcntl(inst->fd, F_SETFL, fcntl(inst->fd, F_GETFL) | O_NONBLOCK);
	ok = 1;
	if (inst->trace)
		LogMsg(0, RS_RET_OK, LOG_INFO, "imnetfilter: reading nftables trace events%s%s",
		       inst->netns ? " in netns " : "", inst->netns ? inst->netns : "");
	else
		LogMsg(0, RS_RET_OK, LOG_INFO, "imnetfilter: reading NFLOG group %d%s%s", inst->group,
		       inst->netns ? " in netns " : "", inst->netns ? inst->netns : "");
done:
	if (self >= 0) {
		if (setns(self, CLONE_NEWNET) != 0)
			LogError(errno, RS_RET_ERR, "imnetfilter: cannot return to rsyslogd's network namespace");
		close(self);
	}
	if (target >= 0)
		close(target);
	if (!ok) {
		close_inst(inst);
		return -1;
	}
	return 0;
}

static void close_inst(instanceConf_t *inst)
{
	if (inst->nl != NULL)
		mnl_socket_close(inst->nl);
	inst->nl = NULL;
	if (inst->nft != NULL)
		nft_ctx_free(inst->nft);
	inst->nft = NULL;
	if (inst->rs != NULL)
		nfp_ruleset_free(inst->rs);
	inst->rs = NULL;
	if (inst->gh != NULL)
		nflog_unbind_group(inst->gh);
	if (inst->h != NULL)
		nflog_close(inst->h);
	if (inst->ifsock >= 0)
		close(inst->ifsock);
	inst->gh = NULL;
	inst->h = NULL;
	inst->fd = inst->ifsock = -1;
}

/* the kernel's LOG format is the running kernel's (nfp_render_flags_of: AccECN kernels print AE) */
static unsigned kernel_render_flags(void)
{
	char rel[64] = "";
	FILE *f = fopen("/proc/sys/kernel/osrelease", "r");
	if (f != NULL) {
		if (fgets(rel, sizeof(rel), f) == NULL)
			rel[0] = '\0';
		fclose(f);
	}
	return nfp_render_flags_of(rel);
}

BEGINrunInput
	static char buf[256 * 1024];
	struct pollfd pfd[64];
	instanceConf_t *map[64];
CODESTARTrunInput
	renderFlags = kernel_render_flags();
	for (instanceConf_t *i = confRoot; i != NULL; i = i->next)
		if (open_inst(i) != 0)
			i->retryAt = time(NULL) + 5;
	while (glbl.GetGlobalInputTermState() == 0) {
		int n = 0;
		time_t now = time(NULL);
		for (instanceConf_t *i = confRoot; i != NULL && n < 64; i = i->next) {
			check_netns(i, now);
			if (i->fd < 0 && now >= i->retryAt && open_inst(i) != 0)
				i->retryAt = now + 5;
			if (i->fd >= 0) {
				pfd[n].fd = i->fd;
				pfd[n].events = POLLIN;
				pfd[n].revents = 0;
				map[n++] = i;
			}
		}
		if (poll(pfd, (nfds_t)n, 200) <= 0)
			continue;
		for (int k = 0; k < n; k++) {
			if (!(pfd[k].revents & (POLLIN | POLLERR)))
				continue;
			/* drain what is there, bounded so one busy group cannot starve the others */
			for (int rounds = 0; rounds < 256 && glbl.GetGlobalInputTermState() == 0; rounds++) {
				ssize_t r = recv(pfd[k].fd, buf, sizeof(buf), MSG_DONTWAIT);
				if (r < 0) {
					if (errno == ENOBUFS) { /* the kernel dropped; the sequence gap counts how many */
						STATSCOUNTER_INC(map[k]->overruns, map[k]->mutOverruns);
						continue;
					}
					break;
				}
				if (r == 0)
					break;
				if (map[k]->trace)
					(void)mnl_cb_run(buf, (size_t)r, 0, 0, on_trace, map[k]);
				else
					nflog_handle_packet(map[k]->h, buf, (int)r);
			}
			multiSubmitFlush(&batch);
		}
	}
	/* libnetfilter_log's unbind reads what the socket still holds and hands it to on_packet:
	 * those events go to the queue too (they would be lost, and leaked, otherwise) */
	for (instanceConf_t *i = confRoot; i != NULL; i = i->next)
		close_inst(i);
	multiSubmitFlush(&batch);
ENDrunInput

BEGINwillRun
CODESTARTwillRun
	if (confRoot == NULL) {
		LogError(0, RS_RET_NO_RUN, "imnetfilter: no input() configured - nothing to read");
		ABORT_FINALIZE(RS_RET_NO_RUN);
	}
	CHKiRet(prop.Construct(&pInputName));
	CHKiRet(prop.SetString(pInputName, UCHAR_CONSTANT("imnetfilter"), sizeof("imnetfilter") - 1));
	CHKiRet(prop.ConstructFinalize(pInputName));
finalize_it:
ENDwillRun

BEGINafterRun
CODESTARTafterRun
	if (pInputName != NULL)
		prop.Destruct(&pInputName);
ENDafterRun

BEGINisCompatibleWithFeature
CODESTARTisCompatibleWithFeature
	if (eFeat == sFEATURENonCancelInputTermination)
		iRet = RS_RET_OK;
ENDisCompatibleWithFeature

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
	for (instanceConf_t *i = confRoot; i != NULL; i = i->next)
		std_checkRuleset(pModConf, i);
ENDcheckCnf

BEGINactivateCnf
CODESTARTactivateCnf
ENDactivateCnf

BEGINfreeCnf
CODESTARTfreeCnf
	for (instanceConf_t *i = confRoot, *nx; i != NULL; i = nx) {
		nx = i->next;
		freeInst(i);
	}
	confRoot = confTail = NULL;
ENDfreeCnf

BEGINmodExit
CODESTARTmodExit
	objRelease(statsobj, CORE_COMPONENT);
	objRelease(ruleset, CORE_COMPONENT);
	objRelease(glbl, CORE_COMPONENT);
	objRelease(prop, CORE_COMPONENT);
ENDmodExit

BEGINqueryEtryPt
CODESTARTqueryEtryPt
CODEqueryEtryPt_STD_IMOD_QUERIES
CODEqueryEtryPt_STD_CONF2_QUERIES
CODEqueryEtryPt_STD_CONF2_IMOD_QUERIES
CODEqueryEtryPt_IsCompatibleWithFeature_IF_OMOD_QUERIES
ENDqueryEtryPt

BEGINmodInit()
CODESTARTmodInit
	*ipIFVersProvided = CURR_MOD_IF_VERSION;
CODEmodInit_QueryRegCFSLineHdlr
	CHKiRet(objUse(glbl, CORE_COMPONENT));
	CHKiRet(objUse(prop, CORE_COMPONENT));
	CHKiRet(objUse(ruleset, CORE_COMPONENT));
	CHKiRet(objUse(statsobj, CORE_COMPONENT));
ENDmodInit
