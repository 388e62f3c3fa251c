/* nfparse explain --packet, and LOG records given to explain: a packet walked through the
 * snapshots without TRACE (src/rules/swalk.c), printed like a traced walk, with every
 * condition the walk had to assume listed. Text for people, --json for programs.
 */
#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nfp.h"
#include "rules/nfp_match.h"
#include "emit/nfp_json.h"
#include "emit/sink.h"
#include "nfparse.h"

#define STR(k, name, s) nfp_sink_str((k), (name), (s), strlen(s))

static const char *const hook_names[] = { "prerouting", "input", "forward", "output", "postrouting", "other" };

static const char *hook_name(uint8_t h)
{
	for (unsigned i = 0; i < 6; i++)
		if (h == (1u << i))
			return hook_names[i];
	return "?";
}

/* "filter:FORWARD:rule:2", "filter:FORWARD:policy", "filter:chk:return" (nft: "inet fw:input:rule:3") */
static void step_name(const struct nfp_ruleset *rs, const struct nfp_swalk_step *s, char *buf, size_t cap)
{
	const struct nfp_rs_table *t = &rs->tables[s->chain->table];
	const char *fam = "";
	if (rs->fmt == NFP_RS_NFT)
		fam = t->family == 1 ? "inet " : t->family == 2 ? "ip " : t->family == 10 ? "ip6 " : t->family == 7 ? "bridge "
														     : "";
	if (s->rule != NULL)
		snprintf(buf, cap, "%s%.*s:%.*s:rule:%u", fam, (int)t->name.len, t->name.p, (int)s->chain->name.len,
			 s->chain->name.p, s->rule->number);
	else
		snprintf(buf, cap, "%s%.*s:%.*s:%s", fam, (int)t->name.len, t->name.p, (int)s->chain->name.len,
			 s->chain->name.p, s->verdict == NFP_V_RETURN ? "return" : "policy");
}

static const char *fate_word(enum nfp_verdict v)
{
	switch (v) {
	case NFP_V_ACCEPT:
	case NFP_V_NAT: return "ACCEPT";
	case NFP_V_DROP: return "DROP";
	case NFP_V_REJECT: return "REJECT";
	case NFP_V_QUEUE: return "QUEUE (user space decides)";
	default: return "unknown";
	}
}

static void walk_text(const struct nfp_ruleset *rs, const struct nfp_swalk *w)
{
	char name[600];
	uint8_t hook = 0;
	printf("  walked through %s (%s):\n", rs->path, rs->fmt == NFP_RS_NFT ? "nft" : "iptables");
	for (unsigned i = 0; i < w->n; i++) {
		const struct nfp_swalk_step *s = &w->step[i];
		if (s->hook != hook) {
			hook = s->hook;
			printf("   [%s]\n", hook_name(hook));
		}
		step_name(rs, s, name, sizeof(name));
		if (s->rule != NULL)
			printf("  %3u  %-40s %-14.*s %.*s", i + 1, name, (int)(s->rule->target.len > 40 ? 40 : s->rule->target.len),
			       s->rule->target.p, (int)s->rule->text.len, s->rule->text.p);
		else if (s->verdict == NFP_V_RETURN)
			printf("  %3u  %-40s RETURN", i + 1, name);
		else
			printf("  %3u  %-40s %-14.*s %.*s", i + 1, name, (int)s->chain->policy.len, s->chain->policy.p,
			       (int)s->chain->decl.len, s->chain->decl.p);
		if (s->match == NFP_UNKNOWN)
			printf("   (assumed to match: %.*s)", (int)s->why.len, s->why.p);
		putchar('\n');
	}
	if (w->truncated)
		printf("  (the walk was cut: more than %d steps, or a loop)\n", NFP_SWALK_MAX);
	if (w->decider < 0) {
		printf("  verdict: %s (no rule or policy decided it)\n", fate_word(w->verdict));
		return;
	}
	step_name(rs, &w->step[w->decider], name, sizeof(name));
	printf("  verdict: %s, decided by %s\n", fate_word(w->verdict), name);
	const struct nfp_swalk_step *d = &w->step[w->decider];
	if (d->rule != NULL)
		printf("  the rule: %.*s   (%s line %u)\n", (int)d->rule->text.len, d->rule->text.p, rs->path, d->rule->line);
	else
		printf("  the policy: %.*s   (%s line %u)\n", (int)d->chain->decl.len, d->chain->decl.p, rs->path, d->chain->line);
	if (w->assumed > 0)
		printf("  %u condition%s could not be decided from the packet and %s assumed to match (listed above)\n",
		       w->assumed, w->assumed > 1 ? "s" : "", w->assumed > 1 ? "were" : "was");
}

static void walk_json(struct nfp_sink *k, const struct nfp_ruleset *rs, const struct nfp_swalk *w)
{
	char name[600];
	nfp_sink_open(k, NULL);
	STR(k, "snapshot", rs->path);
	nfp_sink_array(k, "steps");
	for (unsigned i = 0; i < w->n; i++) {
		const struct nfp_swalk_step *s = &w->step[i];
		const struct nfp_rs_table *t = &rs->tables[s->chain->table];
		nfp_sink_open(k, NULL);
		nfp_sink_num(k, "index", i + 1);
		STR(k, "hook", hook_name(s->hook));
		nfp_sink_str(k, "table", t->name.p, t->name.len);
		nfp_sink_str(k, "chain", s->chain->name.p, s->chain->name.len);
		STR(k, "type", s->rule != NULL ? "rule" : s->verdict == NFP_V_RETURN ? "return" : "policy");
		if (s->rule != NULL) {
			nfp_sink_num(k, "number", s->rule->number);
			if (s->rule->handle)
				nfp_sink_num(k, "handle", s->rule->handle);
			nfp_sink_str(k, "text", s->rule->text.p, s->rule->text.len);
			nfp_sink_num(k, "line", s->rule->line);
		}
		STR(k, "does", nfp_verdict_name(s->verdict));
		if (s->match == NFP_UNKNOWN)
			nfp_sink_str(k, "assumed", s->why.p, s->why.len);
		nfp_sink_close(k);
	}
	nfp_sink_close(k);
	STR(k, "verdict", nfp_verdict_name(w->verdict == NFP_V_NAT ? NFP_V_ACCEPT : w->verdict));
	if (w->decider >= 0) {
		step_name(rs, &w->step[w->decider], name, sizeof(name));
		STR(k, "decided_by", name);
		nfp_sink_num(k, "decided_by_index", w->decider + 1);
	}
	nfp_sink_num(k, "assumed", w->assumed);
	if (w->truncated)
		nfp_sink_yes(k, "truncated");
	nfp_sink_close(k);
}

/* the snapshots a packet of this family is walked through */
static unsigned snapshots_for(const struct nfp_snapshots *ss, const struct nfp_pview *pv, const struct nfp_ruleset *out[2])
{
	unsigned n = 0;
	const struct nfp_ruleset *ipt = pv->family == 6 ? ss->ipt6 : ss->ipt4;
	if (ipt != NULL)
		out[n++] = ipt;
	if (ss->nft != NULL)
		out[n++] = ss->nft;
	return n;
}

/* does a walked snapshot have a reverse-path filter (the assumption about it is said then) */
static int has_rpf(const struct nfp_ruleset *const *rsv, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		for (uint32_t r = 0; r < rsv[i]->nrules; r++) {
			const struct nfp_rs_str *t = &rsv[i]->rules[r].text;
			if (memmem(t->p, t->len, "fib saddr", 9) != NULL || memmem(t->p, t->len, "-m rpfilter", 11) != NULL)
				return 1;
		}
	return 0;
}

static void doc(struct nfp_sink *k, const char *kind, const char *what, const struct nfp_pview *pv,
		const struct nfp_resolution *res, const struct nfp_ruleset *const *rsv, const struct nfp_swalk *w, unsigned n)
{
	nfp_sink_open(k, NULL);
	STR(k, "kind", kind);
	STR(k, "packet", what);
	if (pv->ct_from != NULL)
		STR(k, "ct", pv->ct_from);
	if (pv->rpf_from != NULL)
		STR(k, "rpfilter", pv->rpf_from);
	if (res != NULL && res->status != NFP_RES_NONE) {
		nfp_sink_open(k, "rule");
		nfp_rule_members(res, k);
		nfp_sink_close(k);
	}
	nfp_sink_array(k, "walks");
	for (unsigned i = 0; i < n; i++)
		walk_json(k, rsv[i], &w[i]);
	nfp_sink_close(k);
	nfp_sink_close(k);
}

static void emit(const char *kind, const char *what, const struct nfp_snapshots *ss, struct nfp_pview *pv,
		 const struct nfp_resolution *res, int json)
{
	const struct nfp_ruleset *rsv[2];
	unsigned n = snapshots_for(ss, pv, rsv);
	static struct nfp_swalk w[2];
	for (unsigned i = 0; i < n; i++) {
		struct nfp_pview copy = *pv;
		char title[300];
		nfp_swalk(rsv[i], &copy, &w[i]);
		snprintf(title, sizeof(title), "%s, walked through %s", kind, rsv[i]->path);
		nfparse_html_static(title, what, rsv[i], &w[i]);
	}
	if (!has_rpf(rsv, n))
		pv->rpf_from = NULL; /* an assumption no rule needed */
	if (!json) {
		printf("%s: %s\n", kind, what);
		if (pv->ct_from != NULL)
			printf("  %s\n", pv->ct_from);
		if (pv->rpf_from != NULL)
			printf("  %s\n", pv->rpf_from);
		if (res != NULL && res->status == NFP_RES_RESOLVED) {
			const struct nfp_rs_table *t = &res->rs->tables[res->chain->table];
			printf("  logged by %.*s:%.*s:rule:%u   %.*s   (%s line %u)\n", (int)t->name.len, t->name.p,
			       (int)res->chain->name.len, res->chain->name.p, res->number, (int)res->text.len, res->text.p,
			       res->rs->path, res->line);
		} else if (res != NULL && res->status == NFP_RES_UNRESOLVED) {
			printf("  logged by: not known (%s)\n", res->reason);
		}
		if (res != NULL && res->outcome != NFP_V_NONE)
			printf("  after the LOG rule the rules decide: %s\n", fate_word(res->outcome));
		if (n == 0)
			printf("  no ruleset snapshot for this packet's family: give --iptables-rules/--ip6tables-rules/--nft-rules\n");
		for (unsigned i = 0; i < n; i++)
			walk_text(rsv[i], &w[i]);
		putchar('\n');
		return;
	}
	char small[65536], *buf = small;
	struct nfp_sink k;
	nfp_sink_text(&k, buf, sizeof(small));
	doc(&k, kind, what, pv, res, rsv, w, n);
	if (k.n > sizeof(small) && (buf = malloc(k.n)) != NULL) { /* again, with room for all of it */
		nfp_sink_text(&k, buf, k.n);
		doc(&k, kind, what, pv, res, rsv, w, n);
	}
	if (buf != NULL) {
		fwrite(buf, 1, k.n, stdout);
		putchar('\n');
	}
	if (buf != small)
		free(buf);
}

int nfparse_whatif(const struct nfp_snapshots *ss, const char *spec, int json)
{
	struct nfp_pview pv;
	char err[256];
	if (nfp_pview_parse(spec, &pv, err, sizeof(err)) != 0) {
		fprintf(stderr, "nfparse explain: %s\n", err);
		return 2;
	}
	emit("what if", spec, ss, &pv, NULL, json);
	return 0;
}

/* "[UFW BLOCK] tcp 10.0.0.4:40000 > 10.0.0.1:23 in eth0 flags S" */
static void summary(const struct nfp_pview *pv, const char *prefix, size_t pn, char *buf, size_t cap)
{
	char a[NFP_IPSTR_MAX + 1] = "?", b[NFP_IPSTR_MAX + 1] = "?", ports[2][8] = { "", "" };
	int r;
	if (pv->known & NFP_PV_SRC)
		a[nfp_format_ip(pv->family, pv->src, a)] = 0;
	if (pv->known & NFP_PV_DST)
		b[nfp_format_ip(pv->family, pv->dst, b)] = 0;
	if (pv->known & NFP_PV_PORTS) {
		snprintf(ports[0], sizeof(ports[0]), ":%u", pv->sport);
		snprintf(ports[1], sizeof(ports[1]), ":%u", pv->dport);
	}
	while (pn > 0 && prefix[pn - 1] == ' ')
		pn--;
	r = snprintf(buf, cap, "%s%.*s%sproto %u %s%s%s%s > %s%s%s%s", pn ? "'" : "", (int)(pn > 200 ? 200 : pn), prefix,
		     pn ? "' " : "", pv->proto, pv->family == 6 ? "[" : "", a, pv->family == 6 ? "]" : "", ports[0],
		     pv->family == 6 ? "[" : "", b, pv->family == 6 ? "]" : "", ports[1]);
	if (r > 0 && (size_t)r < cap && pv->in[0])
		r += snprintf(buf + r, cap - (size_t)r, " in %s", pv->in);
	if (r > 0 && (size_t)r < cap && pv->out[0])
		snprintf(buf + r, cap - (size_t)r, " out %s", pv->out);
}

void nfparse_whatif_log(const struct nfp_snapshots *ss, const struct nfp_record *rec, const char *line, int json)
{
	struct nfp_pview pv;
	struct nfp_resolution res;
	char what[600];
	const struct nfp_pkt *p = &rec->pkt[0];
	nfp_pview_of(rec, line, &pv);
	nfp_resolve(ss, rec, line, &res);
	summary(&pv, nfp_has(p, NFP_F_PREFIX) ? line + p->v[NFP_F_PREFIX].s.off : "",
		nfp_has(p, NFP_F_PREFIX) ? p->v[NFP_F_PREFIX].s.len : 0, what, sizeof(what));
	emit("log", what, ss, &pv, &res, json);
}
