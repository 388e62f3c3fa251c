/* Resolution: a parsed record -> the rule of a snapshot that produced it.
 *
 *   kernel TRACE (legacy x_tables): table:chain:type:N against iptables-save numbering;
 *   xtables-monitor: the rule text it echoes against iptables-save text, else its nft handle
 *                    against `nft -a list ruleset`;
 *   nft monitor trace: the rule's handle (nft -a) or its text against `nft list ruleset`;
 *   LOG records: the one rule that logs with the record's prefix, and the terminal rule
 *                that follows it with the same match (LOG-then-DROP) as the action.
 *
 * A snapshot that does not fit the record never yields a rule: the result is UNRESOLVED
 * with the reason. Nothing is allocated; results point into the snapshot and the line.
 */
#include <string.h>
#include "rules/nfp_resolve.h"
#include "rules/nfp_match.h"
#include "parse/parse_int.h"

#define NORM_MAX 8192 /* longest monitor rule text matched (longer: unresolved, said so) */

static int has(const struct nfp_pkt *p, enum nfp_field f)
{
	return nfp_has(p, f);
}

static struct nfp_slice sl(const struct nfp_pkt *p, enum nfp_field f)
{
	struct nfp_slice z = { 0, 0 };
	return has(p, f) ? p->v[f].s : z;
}

int nfp_step_of(const struct nfp_record *rec, struct nfp_step *st)
{
	const struct nfp_pkt *p = &rec->pkt[0];
	memset(st, 0, sizeof(*st));
	if (rec->type != NFP_TRACE || !has(p, NFP_F_TRACE_TYPE))
		return 0;
	switch (p->v[NFP_F_TRACE_TYPE].u) {
	case NFP_W_RULE: st->type = NFP_ST_RULE; break;
	case NFP_W_RETURN: st->type = NFP_ST_RETURN; break;
	case NFP_W_POLICY: st->type = NFP_ST_POLICY; break;
	default: st->type = NFP_ST_PACKET; break;
	}
	switch (has(p, NFP_F_TRACE_SOURCE) ? p->v[NFP_F_TRACE_SOURCE].u : NFP_W_KERNEL) {
	case NFP_W_XTABLES: st->src = NFP_SRC_XTABLES; break;
	case NFP_W_NFT: st->src = NFP_SRC_NFT; break;
	default: st->src = NFP_SRC_KERNEL; break;
	}
	if (has(p, NFP_F_TRACE_FAMILY))
		st->family = nfp_family_proto((enum nfp_word)p->v[NFP_F_TRACE_FAMILY].u);
	else if (has(p, NFP_F_SRC))
		st->family = p->v[NFP_F_SRC].ip.family == 6 ? 10 : 2;
	st->table = sl(p, NFP_F_TRACE_TABLE);
	st->chain = sl(p, NFP_F_TRACE_CHAIN);
	st->number = has(p, NFP_F_TRACE_RULE) ? (uint32_t)p->v[NFP_F_TRACE_RULE].u : 0;
	st->handle = has(p, NFP_F_TRACE_HANDLE) ? (uint32_t)p->v[NFP_F_TRACE_HANDLE].u : 0;
	st->verdict = sl(p, NFP_F_TRACE_VERDICT);
	st->text = sl(p, NFP_F_TRACE_TEXT);
	return 1;
}

static enum nfp_res_status unresolved(struct nfp_resolution *res, const char *why)
{
	res->status = NFP_RES_UNRESOLVED;
	res->reason = why;
	res->rule = NULL;
	return res->status;
}

static void use_rule(struct nfp_resolution *res, const struct nfp_ruleset *rs, const struct nfp_rs_rule *r)
{
	res->status = NFP_RES_RESOLVED;
	res->rule = r;
	res->chain = &rs->chains[r->chain];
	res->text = r->text;
	res->target = r->target;
	res->number = r->number;
	res->line = r->line;
	res->verdict = (enum nfp_verdict)r->verdict;
}

static const struct nfp_rs_str str_return = { "RETURN", 6 };
static const struct nfp_rs_str str_return_nft = { "return", 6 };

/* the legacy kernel traces a rule without matches whose target is a standard verdict (ACCEPT,
 * DROP, QUEUE, RETURN) like the chain's own tail: "return:N" in a user chain, "policy:N" in a
 * built-in one, N the rule's own number (ufw's "-A ufw-user-limit-accept -j ACCEPT",
 * Docker's "-A DOCKER-USER -j RETURN") */
static const struct nfp_rs_rule *tail_rule(const struct nfp_ruleset *rs, const struct nfp_rs_chain *c, uint32_t number)
{
	const struct nfp_rs_rule *r;
	if (rs->fmt != NFP_RS_IPTABLES || number == 0 || number > c->n)
		return NULL;
	r = &rs->rules[c->first + number - 1];
	if (r->match.len != 3 + c->name.len || memcmp(r->match.p, "-A ", 3) != 0) /* "-A CHAIN": no match */
		return NULL;
	if (r->verdict != NFP_V_ACCEPT && r->verdict != NFP_V_DROP && r->verdict != NFP_V_QUEUE && r->verdict != NFP_V_RETURN)
		return NULL;
	if (r->verdict == NFP_V_QUEUE && !nfp_word_is(r->target.p, r->target.len, "QUEUE"))
		return NULL; /* NFQUEUE is a target of its own, not a standard verdict */
	return r;
}

/* policy and return steps: the same checks whatever printed them */
static enum nfp_res_status end_of_chain(struct nfp_resolution *res, const struct nfp_ruleset *rs,
					const struct nfp_rs_chain *c, const struct nfp_step *st, const char *line, int nft)
{
	const struct nfp_rs_rule *tail;
	if (st->src == NFP_SRC_KERNEL && st->number != c->n + 1 && (tail = tail_rule(rs, c, st->number)) != NULL &&
	    (st->type == NFP_ST_POLICY) == (c->policy.len != 0)) {
		use_rule(res, rs, tail);
		return res->status;
	}
	if (st->type == NFP_ST_POLICY) {
		if (c->policy.len == 0)
			return unresolved(res, "policy step on a chain the snapshot has as user-defined: stale snapshot");
		if (st->number != 0 && st->number != c->n + 1)
			return unresolved(res, "policy number is not the chain's rule count + 1: stale snapshot");
		if (st->verdict.len > 0 && !nfp_ieq(line + st->verdict.off, st->verdict.len, c->policy.p, c->policy.len))
			return unresolved(res, "the chain's policy in the snapshot differs from the traced one: stale snapshot");
		res->text = c->decl;
		res->target = c->policy;
		res->verdict = (enum nfp_verdict)c->policy_verdict;
	} else {
		if (!nft && c->policy.len != 0)
			return unresolved(res, "return step on a built-in chain: stale snapshot");
		if (st->number != 0 && st->number != c->n + 1)
			return unresolved(res, "return number is not the chain's rule count + 1: stale snapshot");
		res->target = nft ? str_return_nft : str_return;
		res->verdict = NFP_V_RETURN;
	}
	res->status = NFP_RES_RESOLVED;
	res->number = c->n + 1;
	res->line = c->line;
	return res->status;
}

/* the rule a monitor echoes, by handle or by text */
static enum nfp_res_status by_text(struct nfp_resolution *res, const struct nfp_ruleset *rs,
				   const struct nfp_rs_table *t, const struct nfp_rs_chain *c, const struct nfp_step *st,
				   const char *line)
{
	const char *txt = line + st->text.off;
	size_t n = st->text.len;
	char norm[NORM_MAX];
	unsigned count = 0;
	const struct nfp_rs_rule *r;

	if (rs->fmt == NFP_RS_NFT && st->handle != 0) {
		r = nfp_rs_by_handle(rs, t, st->handle);
		if (r == NULL || r->chain != (uint32_t)(c - rs->chains))
			return unresolved(res, "no rule with this handle in the chain: stale snapshot");
		use_rule(res, rs, r);
		return res->status;
	}
	if (n == 0)
		return unresolved(res, "the trace line has no rule text to match (use 'nft -a monitor trace' for handles)");
	if (st->src == NFP_SRC_XTABLES) { /* "-4 -t raw -A PREROUTING ...": drop the family and table options */
		while (n > 3 && (memcmp(txt, "-4 ", 3) == 0 || memcmp(txt, "-6 ", 3) == 0 || memcmp(txt, "-t ", 3) == 0)) {
			size_t k = 3;
			if (txt[1] == 't') {
				while (k < n && txt[k] != ' ')
					k++;
				while (k < n && txt[k] == ' ')
					k++;
			}
			txt += k;
			n -= k;
		}
	}
	if (n > NORM_MAX)
		return unresolved(res, "rule text longer than 8 KiB: not matched");
	n = nfp_rs_normalize(txt, n, norm);
	r = nfp_rs_by_key(rs, c, norm, n, &count);
	if (r == NULL)
		return unresolved(res, "no rule with this text in the chain: stale snapshot");
	if (count > 1) /* the trace cannot tell them apart: naming one could name the wrong one */
		return unresolved(res, "several rules of the chain have this text (a handle tells them apart: "
				       "nft -a monitor trace, nft -a list ruleset)");
	use_rule(res, rs, r);
	return res->status;
}

static enum nfp_res_status resolve_step(const struct nfp_snapshots *ss, const struct nfp_step *st, const char *line,
					const struct nfp_record *rec, struct nfp_resolution *res)
{
	const struct nfp_ruleset *rs;
	const struct nfp_rs_table *t;
	const struct nfp_rs_chain *c;
	const char *tn = line + st->table.off, *cn = line + st->chain.off;

	if (st->type == NFP_ST_PACKET || st->type == NFP_ST_NONE)
		return NFP_RES_NONE;
	if (st->src == NFP_SRC_NFT) {
		rs = ss->nft;
		if (rs == NULL)
			return (ss->ipt4 || ss->ipt6) ? unresolved(res, "no nft ruleset snapshot loaded") : NFP_RES_NONE;
	} else {
		rs = st->family == 10 ? ss->ipt6 : st->family == 2 ? ss->ipt4 : NULL;
		if (rs == NULL && st->src == NFP_SRC_XTABLES)
			rs = ss->nft; /* iptables-nft tables are nft tables: resolve by handle */
		if (rs == NULL) {
			if (!ss->ipt4 && !ss->ipt6 && !ss->nft)
				return NFP_RES_NONE;
			return unresolved(res, st->family == 10 ? "no ip6tables snapshot loaded"
						: st->family == 2 ? "no iptables snapshot loaded"
								  : "the record's address family is not known");
		}
	}
	res->rs = rs;
	t = nfp_rs_table(rs, rs->fmt == NFP_RS_NFT ? st->family : -1, tn, st->table.len);
	if (t == NULL)
		return unresolved(res, "table not in the snapshot");
	c = nfp_rs_chain(rs, t, cn, st->chain.len);
	if (c == NULL)
		return unresolved(res, "chain not in the snapshot: stale snapshot");
	res->chain = c;
	if (st->type != NFP_ST_RULE)
		return end_of_chain(res, rs, c, st, line, rs->fmt == NFP_RS_NFT);
	if (st->src != NFP_SRC_KERNEL) {
		/* xtables-monitor 1.8.9 echoes some rules wrongly (IPv6 matches dropped): where the
		 * text is not in the iptables snapshot, the nft handle in the nft snapshot decides */
		if (by_text(res, rs, t, c, st, line) == NFP_RES_UNRESOLVED && rs->fmt == NFP_RS_IPTABLES &&
		    st->handle != 0 && ss->nft != NULL) {
			const struct nfp_rs_table *nt = nfp_rs_table(ss->nft, st->family, tn, st->table.len);
			const struct nfp_rs_chain *nc = nfp_rs_chain(ss->nft, nt, cn, st->chain.len);
			if (nc != NULL) {
				memset(res, 0, sizeof(*res));
				res->rs = ss->nft;
				res->chain = nc;
				return by_text(res, ss->nft, nt, nc, st, line);
			}
		}
		return res->status;
	}
	if (st->number == 0 || st->number > c->n)
		return unresolved(res, "rule number past the chain's end: stale snapshot");
	{
		struct nfp_pview pv;
		nfp_pview_of(rec, line, &pv);
		pv.hook = c->hooks;
		if (pv.hook & (pv.hook - 1))
			pv.hook = 0;
		if (nfp_rule_match(rs, &rs->rules[c->first + st->number - 1], &pv, 0, NULL) == NFP_NO)
			return unresolved(res, "the rule at this number does not match the traced packet: stale snapshot");
	}
	use_rule(res, rs, &rs->rules[c->first + st->number - 1]);
	return res->status;
}

/* the hooks a LOG record can come from, by its interfaces: IN= alone before routing or for
 * this host, OUT= alone from this host, both when forwarded; all when it shows neither */
static uint8_t record_hooks(const struct nfp_pkt *p)
{
	int in = has(p, NFP_F_IN) && p->v[NFP_F_IN].s.len > 0, out = has(p, NFP_F_OUT) && p->v[NFP_F_OUT].s.len > 0;
	uint8_t h = in && out ? NFP_HOOK_FWD | NFP_HOOK_POST : in ? NFP_HOOK_PRE | NFP_HOOK_IN : out ? NFP_HOOK_OUT | NFP_HOOK_POST
											  : 0x1f;
	return (uint8_t)(h | NFP_HOOK_OTHER);
}

static uint8_t one_hook(uint8_t h)
{
	h &= 0x1f;
	return (h & (h - 1)) ? 0 : h;
}

/* a rule logging with the record's prefix that could have logged this packet: its chain is
 * reached from one of the record's hooks, its table is of the record's family (nft), and its
 * matches (up to the log statement) do not refuse the packet */
static int could_log(const struct nfp_ruleset *rs, const struct nfp_rs_rule *r, struct nfp_pview *pv, uint8_t hooks,
		     int fam)
{
	const struct nfp_rs_chain *c = &rs->chains[r->chain];
	int tf = rs->tables[c->table].family; /* NFPROTO: 2 ip, 10 ip6, 1 inet */
	if ((c->hooks & hooks) == 0)
		return 0;
	if (rs->fmt == NFP_RS_NFT && ((tf == 2 && fam == 6) || (tf == 10 && fam == 4) || tf == 3 || tf == 7))
		return 0;
	pv->hook = one_hook(c->hooks & hooks);
	return nfp_rule_match(rs, r, pv, NFP_MATCH_UPTO_LOG, NULL) != NFP_NO;
}

/* an nft rule that is an iptables rule seen again: on an iptables-nft host the nft snapshot
 * shows the xtables tables (family ip or ip6, the same table and chain names) */
static int same_rule(const struct nfp_ruleset *ipt, const struct nfp_rs_rule *a, const struct nfp_ruleset *nft,
		     const struct nfp_rs_rule *b)
{
	const struct nfp_rs_chain *ca = &ipt->chains[a->chain], *cb = &nft->chains[b->chain];
	const struct nfp_rs_table *ta = &ipt->tables[ca->table], *tb = &nft->tables[cb->table];
	return (tb->family == 2 || tb->family == 10) && ta->name.len == tb->name.len &&
	       memcmp(ta->name.p, tb->name.p, ta->name.len) == 0 && ca->name.len == cb->name.len &&
	       memcmp(ca->name.p, cb->name.p, ca->name.len) == 0 && a->number == b->number;
}

#define MAX_CAND 16
struct cand {
	const struct nfp_ruleset *rs;
	const struct nfp_rs_rule *r;
};

/* the rules that could have logged the record: prefix, hook, family, matches, then (when
 * more than one is left) whether the packet can reach them at all. Returns how many rules
 * log with the prefix; *n gets those left (at most MAX_CAND kept, the count goes on). */
static unsigned candidates(const struct nfp_ruleset *const rsv[2], const char *pp, size_t pn, struct nfp_pview *pv,
			   uint8_t hooks, int fam, struct cand *out, unsigned *n)
{
	unsigned logging = 0, kept = 0;
	*n = 0;
	for (int i = 0; i < 2; i++) {
		if (rsv[i] == NULL)
			continue;
		for (const struct nfp_rs_rule *r = nfp_rs_prefix_first(rsv[i], pp, pn); r != NULL;
		     r = nfp_rs_prefix_next(rsv[i], r)) {
			int dup = 0;
			logging++;
			if (!could_log(rsv[i], r, pv, hooks, fam))
				continue;
			for (unsigned k = 0; i == 1 && k < kept && !dup; k++)
				dup = out[k].rs == rsv[0] && same_rule(rsv[0], out[k].r, rsv[1], r);
			if (dup)
				continue; /* the iptables rule, as nft lists it */
			if (kept < MAX_CAND) {
				out[kept].rs = rsv[i];
				out[kept].r = r;
				kept++;
			}
			(*n)++;
		}
	}
	if (*n > 1 && *n <= MAX_CAND) {
		unsigned left = 0;
		for (unsigned k = 0; k < kept; k++)
			if (nfp_rule_reachable(out[k].rs, out[k].r, pv, hooks) != NFP_NO)
				out[left++] = out[k];
		*n = left;
	}
	return logging;
}

/* where the packet goes after the LOG rule(s): set when every candidate leads to one fate */
static void outcome(struct nfp_resolution *res, const struct cand *c, unsigned n, struct nfp_pview *pv)
{
	for (unsigned k = 0; k < n; k++) {
		enum nfp_verdict v;
		const struct nfp_rs_rule *rule;
		const struct nfp_rs_chain *pol;
		struct nfp_pview copy = *pv;
		if (!nfp_after_log(c[k].rs, c[k].r, &copy, &v, &rule, &pol) || (k > 0 && v != res->outcome)) {
			res->outcome = NFP_V_NONE;
			res->action = NULL;
			res->outcome_policy = NULL;
			return;
		}
		if (k == 0 || (rule == res->action && pol == res->outcome_policy)) {
			res->action = rule;
			res->outcome_policy = pol;
		} else { /* the same fate by different rules: the fate is known, the rule is not */
			res->action = NULL;
			res->outcome_policy = NULL;
		}
		res->outcome = v;
		res->outcome_rs = c[k].rs;
	}
}

/* A LOG record: among the rules that log with its prefix (iptables snapshot of its family,
 * and the nft snapshot), those that could have logged this packet; one left is its rule. */
static enum nfp_res_status resolve_log(const struct nfp_snapshots *ss, const struct nfp_record *rec, const char *line,
				       struct nfp_resolution *res)
{
	const struct nfp_pkt *p = &rec->pkt[0];
	struct nfp_slice ps = p->v[NFP_F_PREFIX].s;
	const char *pp = line + ps.off;
	size_t pn = ps.len;
	const struct nfp_ruleset *rsv[2];
	struct cand cand[MAX_CAND];
	unsigned n, logging;
	int fam = has(p, NFP_F_SRC) ? p->v[NFP_F_SRC].ip.family : 0;
	uint8_t hooks = record_hooks(p);
	struct nfp_pview pv;

	if (!ss->ipt4 && !ss->ipt6 && !ss->nft)
		return NFP_RES_NONE;
	while (pn > 0 && pp[pn - 1] == ' ')
		pn--;
	while (pn > 0 && pp[0] == ' ')
		pp++, pn--;
	if (pn == 0)
		return unresolved(res, "the record has no log prefix to find its rule by");
	rsv[0] = fam == 6 ? ss->ipt6 : fam == 4 ? ss->ipt4 : NULL;
	rsv[1] = ss->nft;
	nfp_pview_of(rec, line, &pv);
	logging = candidates(rsv, pp, pn, &pv, hooks, fam, cand, &n);
	res->rs = rsv[0] ? rsv[0] : rsv[1];
	res->candidates = n;
	if (logging == 0)
		return unresolved(res, "no rule of the snapshot logs with this prefix");
	if (n == 0)
		return unresolved(res, "no rule logging with this prefix can see this packet (hook, family, matches, or a rule before it that ends the walk)");
	if (n <= MAX_CAND)
		outcome(res, cand, n, &pv);
	if (pv.ct_from != NULL) { /* did the inferred conntrack state decide anything? */
		struct nfp_pview blind = pv;
		struct cand other[MAX_CAND];
		unsigned m;
		blind.known &= ~NFP_PV_CT;
		blind.ct_from = NULL;
		candidates(rsv, pp, pn, &blind, hooks, fam, other, &m);
		if (m != n)
			res->assumed = pv.ct_from;
	}
	if (n > 1)
		return unresolved(res, "several rules log with this prefix and could have logged this packet");
	res->rs = cand[0].rs;
	{
		const struct nfp_rs_rule *a = res->action;
		enum nfp_verdict o = res->outcome;
		use_rule(res, res->rs, cand[0].r);
		res->action = a;
		res->outcome = o;
		if (a == NULL && o == NFP_V_NONE && nfp_verdict_terminal((enum nfp_verdict)cand[0].r->verdict)) {
			res->action = cand[0].r; /* nft: "log prefix "x" drop" */
			res->outcome = (enum nfp_verdict)cand[0].r->verdict;
		}
	}
	return res->status;
}

enum nfp_res_status nfp_resolve(const struct nfp_snapshots *ss, const struct nfp_record *rec, const char *line,
				struct nfp_resolution *res)
{
	struct nfp_step st;
	memset(res, 0, sizeof(*res));
	if (ss == NULL)
		return NFP_RES_NONE;
	if (nfp_step_of(rec, &st))
		return resolve_step(ss, &st, line, rec, res);
	if (rec->type == NFP_LOG && nfp_has(&rec->pkt[0], NFP_F_PREFIX))
		return resolve_log(ss, rec, line, res);
	return NFP_RES_NONE;
}
