/* The packet's walk (rules stage): trace steps grouped into one walk per packet, the table
 * and hook segments it passed, where each decided, the decision that settled the packet and
 * the rules that decision kept from running. Shared by `nfparse explain` and any other
 * reader of walks; no printing here (see tools/explain.c). See walk.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rules/walk.h"
#include "rules/nfp_match.h"

struct walk_frame {
	const struct nfp_rs_chain *c;
	uint32_t number;
};

/* "[1038991.870882]" in front of the text: the kernel's time stamp (imklog, dmesg); or the
 * microseconds of a raw /dev/kmsg record's "<prio>,<seq>,<usec>,<flags>;" */
static int kernel_ts(const char *s, size_t n, double *ts)
{
	size_t i = 0;
	double v = 0, f = 0.1;
	int d = 0;
	uint64_t us;
	if (nfp_kmsg_header(s, n, &us) > 0) {
		*ts = (double)us / 1e6;
		return 1;
	}
	if (i < n && s[i] == '<')
		while (i < n && s[i++] != '>')
			;
	if (i >= n || s[i] != '[')
		return 0;
	for (i++; i < n && s[i] == ' '; i++)
		;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, d++)
		v = v * 10 + (s[i] - '0');
	if (i < n && s[i] == '.')
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, f /= 10)
			v += (s[i] - '0') * f;
	if (d == 0 || i >= n || s[i] != ']')
		return 0;
	*ts = v;
	return 1;
}

static void summarize(struct nfp_walk *w, const struct nfp_record *rec, const char *line)
{
	const struct nfp_pkt *p = &rec->pkt[0];
	char src[NFP_IPSTR_MAX + 1] = "", dst[NFP_IPSTR_MAX + 1] = "", buf[320];
	size_t k = 0;
	const char *pn = "";
	int sp = -1, dp = -1;
	if (w->summary[0] || !nfp_has(p, NFP_F_SRC))
		return;
	src[nfp_format_ip(p->v[NFP_F_SRC].ip.family, p->v[NFP_F_SRC].ip.a, src)] = 0;
	if (nfp_has(p, NFP_F_DST))
		dst[nfp_format_ip(p->v[NFP_F_DST].ip.family, p->v[NFP_F_DST].ip.a, dst)] = 0;
	switch (nfp_has(p, NFP_F_PROTO) ? p->v[NFP_F_PROTO].u : 256) {
	case 6: pn = "TCP"; break;
	case 17: pn = "UDP"; break;
	case 1: pn = "ICMP"; break;
	case 58: pn = "ICMPv6"; break;
	case 256: pn = "IP"; break;
	default: pn = "proto"; break;
	}
	if (nfp_has(p, NFP_F_TCP_SPT))
		sp = (int)p->v[NFP_F_TCP_SPT].u, dp = nfp_has(p, NFP_F_TCP_DPT) ? (int)p->v[NFP_F_TCP_DPT].u : -1;
	else if (nfp_has(p, NFP_F_UDP_SPT))
		sp = (int)p->v[NFP_F_UDP_SPT].u, dp = nfp_has(p, NFP_F_UDP_DPT) ? (int)p->v[NFP_F_UDP_DPT].u : -1;
	k += (size_t)snprintf(buf + k, sizeof(buf) - k, "%s", pn);
	if (strcmp(pn, "proto") == 0)
		k += (size_t)snprintf(buf + k, sizeof(buf) - k, " %llu", (unsigned long long)p->v[NFP_F_PROTO].u);
	if (sp >= 0 && p->v[NFP_F_SRC].ip.family == 6)
		k += (size_t)snprintf(buf + k, sizeof(buf) - k, " [%s]:%d -> [%s]:%d", src, sp, dst, dp);
	else if (sp >= 0)
		k += (size_t)snprintf(buf + k, sizeof(buf) - k, " %s:%d -> %s:%d", src, sp, dst, dp);
	else
		k += (size_t)snprintf(buf + k, sizeof(buf) - k, " %s -> %s", src, dst);
	if (k < sizeof(buf) && nfp_has(p, NFP_F_ICMP_TYPE))
		k += (size_t)snprintf(buf + k, sizeof(buf) - k, " type %llu code %llu", (unsigned long long)p->v[NFP_F_ICMP_TYPE].u,
				      (unsigned long long)(nfp_has(p, NFP_F_ICMP_CODE) ? p->v[NFP_F_ICMP_CODE].u : 0));
	if (k < sizeof(buf) && nfp_has(p, NFP_F_IN) && p->v[NFP_F_IN].s.len)
		k += (size_t)snprintf(buf + k, sizeof(buf) - k, ", in %.*s", (int)p->v[NFP_F_IN].s.len, line + p->v[NFP_F_IN].s.off);
	if (k < sizeof(buf) && nfp_has(p, NFP_F_OUT) && p->v[NFP_F_OUT].s.len)
		k += (size_t)snprintf(buf + k, sizeof(buf) - k, ", out %.*s", (int)p->v[NFP_F_OUT].s.len, line + p->v[NFP_F_OUT].s.off);
	snprintf(w->summary, sizeof(w->summary), "%s", buf);
}

/* what binds a kernel TRACE step to one namespace's walk: its interfaces and its hook */
struct step_ctx {
	int kernel;
	const char *in, *out;
	size_t inn, outn;
	int hook; /* 0: a user-defined chain (the hook is the caller's) */
};

static int hook_of(const char *c, size_t n)
{
	static const struct {
		const char *name;
		int rank;
	} hooks[] = { { "PREROUTING", 1 }, { "OUTPUT", 1 }, { "INPUT", 2 }, { "FORWARD", 2 }, { "POSTROUTING", 3 } };
	for (size_t i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++)
		if (strlen(hooks[i].name) == n && memcmp(hooks[i].name, c, n) == 0)
			return hooks[i].rank;
	return 0;
}

static void step_ctx_of(const struct nfp_record *rec, const char *text, struct step_ctx *c)
{
	const struct nfp_pkt *p = &rec->pkt[0];
	struct nfp_step st;
	memset(c, 0, sizeof(*c));
	if (!nfp_step_of(rec, &st) || st.src != NFP_SRC_KERNEL || st.type == NFP_ST_PACKET)
		return;
	c->kernel = 1;
	c->in = nfp_has(p, NFP_F_IN) ? text + p->v[NFP_F_IN].s.off : "";
	c->inn = nfp_has(p, NFP_F_IN) ? p->v[NFP_F_IN].s.len : 0;
	c->out = nfp_has(p, NFP_F_OUT) ? text + p->v[NFP_F_OUT].s.off : "";
	c->outn = nfp_has(p, NFP_F_OUT) ? p->v[NFP_F_OUT].s.len : 0;
	c->hook = hook_of(text + st.chain.off, st.chain.len);
}

static int same_name(const char *a, const char *b, size_t bn)
{
	return strlen(a) == bn && memcmp(a, b, bn) == 0;
}

/* can the step be the walk's next in one namespace? The kernel prints IN= at every hook but
 * POSTROUTING and OUTPUT (where it is empty) and OUT= once routing has set it; so along one
 * walk IN never changes and is empty only from POSTROUTING on; OUT, once set, stays (a
 * locally made packet may be routed again after OUTPUT); hooks come in order. */
static int fits(const struct nfp_walk *w, const struct step_ctx *c)
{
	const int hook = c->hook ? c->hook : w->hook; /* a user chain: the hook that called it */
	if (!c->kernel || !w->has_ctx)
		return 1;
	if (c->hook != 0 && c->hook < w->hook)
		return 0;
	if (c->inn > 0 ? !same_name(w->in, c->in, c->inn) : w->in[0] && hook != 3)
		return 0;
	if (w->out[0] && !same_name(w->out, c->out, c->outn) && (c->outn == 0 || w->in[0]))
		return 0;
	return 1;
}

static void take_ctx(struct nfp_walk *w, const struct step_ctx *c)
{
	if (!c->kernel)
		return;
	if (c->inn)
		snprintf(w->in, sizeof(w->in), "%.*s", (int)c->inn, c->in);
	if (c->outn)
		snprintf(w->out, sizeof(w->out), "%.*s", (int)c->outn, c->out);
	if (c->hook > w->hook)
		w->hook = c->hook;
	w->has_ctx = 1;
}

static struct nfp_walk *walk_for(struct nfp_walks *ws, const char *id, size_t idn, const char *host, size_t hostn, int has_ts,
				 double ts, const struct step_ctx *c)
{
	struct nfp_walk *w;
	for (size_t i = ws->n; i-- > 0 && ws->n - i <= 4096;) {
		w = &ws->w[i];
		if (!w->done && strlen(w->id) == idn && memcmp(w->id, id, idn) == 0 && strlen(w->host) == hostn &&
		    memcmp(w->host, host, hostn) == 0) {
			/* the same invariant fields a second later: another packet (see README) */
			if (has_ts && w->has_ts && ts - w->last_ts > 1.0)
				break;
			if (fits(w, c))
				return w;
		}
	}
	if (ws->n == ws->cap) {
		struct nfp_walk *nw = realloc(ws->w, (ws->cap ? ws->cap * 2 : 64) * sizeof(*ws->w));
		if (nw == NULL)
			return NULL;
		ws->w = nw;
		ws->cap = ws->cap ? ws->cap * 2 : 64;
	}
	w = &ws->w[ws->n++];
	memset(w, 0, sizeof(*w));
	memcpy(w->id, id, idn < NFP_WALKID_MAX ? idn : NFP_WALKID_MAX);
	snprintf(w->host, sizeof(w->host), "%.*s", (int)hostn, host);
	return w;
}

int nfp_walks_add(struct nfp_walks *ws, const char *text, size_t n, const char *host, size_t hostn, const char *id,
		  size_t idn, struct nfp_record *rec)
{
	double ts = 0;
	int has_ts = kernel_ts(text, n, &ts);
	struct nfp_walk *w;
	struct nfp_wstep *e;
	struct step_ctx c;

	step_ctx_of(rec, text, &c);
	if ((w = walk_for(ws, id, idn, host, hostn, has_ts, ts, &c)) == NULL)
		return -1;
	take_ctx(w, &c);
	if (has_ts) {
		w->last_ts = ts;
		w->has_ts = 1;
	}
	summarize(w, rec, text);
	if (w->n == w->cap) {
		struct nfp_wstep *ns = realloc(w->steps, (w->cap ? w->cap * 2 : 16) * sizeof(*ns));
		if (ns == NULL)
			return -1;
		w->steps = ns;
		w->cap = w->cap ? w->cap * 2 : 16;
	}
	e = &w->steps[w->n];
	if ((e->line = malloc(n + 1)) == NULL)
		return -1;
	memcpy(e->line, text, n);
	e->line[n] = 0;
	nfp_parse(e->line, n, rec); /* slices now point into the copy */
	nfp_step_of(rec, &e->st);
	nfp_resolve(ws->snaps, rec, e->line, &e->res);
	if (e->st.type == NFP_ST_RETURN && e->res.rule != NULL) /* a tail rule: "-j ACCEPT" traced as return:N */
		e->v = e->res.verdict;
	else if (e->st.type == NFP_ST_RETURN)
		e->v = NFP_V_RETURN;
	else if (e->st.verdict.len > 0)
		e->v = nfp_verdict_of_word(e->line + e->st.verdict.off, e->st.verdict.len);
	else if (e->res.status == NFP_RES_RESOLVED)
		e->v = e->res.verdict;
	else
		e->v = NFP_V_UNKNOWN;
	/* xtables-monitor prints a REJECT rule's verdict as DROP: the rule says what it was */
	if (e->v == NFP_V_DROP && e->res.status == NFP_RES_RESOLVED && e->res.verdict == NFP_V_REJECT)
		e->v = NFP_V_REJECT;
	w->n++;
	return (int)(w - ws->w);
}

void nfp_walk_done(struct nfp_walk *w)
{
	for (size_t k = 0; k < w->n; k++)
		free(w->steps[k].line);
	free(w->steps);
	w->steps = NULL;
	w->n = w->cap = 0;
	w->done = 1;
}

/* a step that is a rule's verdict: a rule step, a policy, or a tail rule traced as return:N */
static int verdict_step(const struct nfp_wstep *e)
{
	return e->st.type == NFP_ST_RULE || e->st.type == NFP_ST_POLICY || (e->st.type == NFP_ST_RETURN && e->res.rule != NULL);
}

int nfp_walk_settled(const struct nfp_walk *w)
{
	for (size_t i = 0; i < w->n; i++) {
		const struct nfp_wstep *e = &w->steps[i];
		if (verdict_step(e) && nfp_verdict_final(e->v))
			return 1;
	}
	return 0;
}

void nfp_walks_free(struct nfp_walks *ws)
{
	for (size_t i = 0; i < ws->n; i++) {
		for (size_t k = 0; k < ws->w[i].n; k++)
			free(ws->w[i].steps[k].line);
		free(ws->w[i].steps);
	}
	free(ws->w);
	ws->w = NULL;
	ws->n = ws->cap = 0;
}

/* ---- the walk's segments: one per table and hook the packet passed ---- */
static int hook_chain(const char *c, size_t n)
{
	static const char *const hooks[] = { "PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING" };
	for (size_t i = 0; i < 5; i++)
		if (strlen(hooks[i]) == n && memcmp(hooks[i], c, n) == 0)
			return 1;
	return 0;
}

static int same(const struct nfp_wstep *a, struct nfp_slice x, const struct nfp_wstep *b, struct nfp_slice y)
{
	return x.len == y.len && memcmp(a->line + x.off, b->line + y.off, x.len) == 0;
}

size_t nfp_walk_segments(const struct nfp_walk *w, struct nfp_segment *sg)
{
	size_t ns = 0;
	int open = 0;
	for (size_t i = 0; i < w->n; i++) {
		const struct nfp_wstep *e = &w->steps[i];
		if (e->st.type == NFP_ST_PACKET) {
			open = 0;
			continue;
		}
		if (open) {
			const struct nfp_wstep *f = &w->steps[sg[ns - 1].first];
			int brk = !same(e, e->st.table, f, f->st.table);
			if (!brk && e->st.src == NFP_SRC_KERNEL && hook_chain(e->line + e->st.chain.off, e->st.chain.len) &&
			    !same(e, e->st.chain, f, f->st.chain))
				brk = 1;
			if (!brk) {
				sg[ns - 1].last = i;
				continue;
			}
		}
		sg[ns] = (struct nfp_segment){ .first = i, .last = i, .decided = -1, .v = NFP_V_UNKNOWN };
		ns++;
		open = 1;
	}
	for (size_t k = 0; k < ns; k++) {
		const struct nfp_wstep *e = &w->steps[sg[k].last];
		if ((verdict_step(e) && e->st.type != NFP_ST_POLICY && nfp_verdict_terminal(e->v)) ||
		    (e->st.type == NFP_ST_POLICY && e->v != NFP_V_UNKNOWN)) {
			sg[k].decided = (int)sg[k].last;
			sg[k].v = e->v;
		} else if (k + 1 < ns) {
			sg[k].v = NFP_V_ACCEPT; /* the packet went on to the next table: it was accepted here */
			sg[k].inferred = 1;
		}
	}
	return ns;
}

/* a segment of a nat table (it sees a connection's first packet only, and never filters) */
static int nat_segment(const struct nfp_walk *w, const struct nfp_segment *sg)
{
	const struct nfp_wstep *e = &w->steps[sg->first];
	if (e->res.status == NFP_RES_RESOLVED && e->res.rs != NULL && e->res.chain != NULL)
		return nfp_rs_chain_is_nat(e->res.rs, e->res.chain);
	return e->st.table.len == 3 && memcmp(e->line + e->st.table.off, "nat", 3) == 0;
}

/* the segment that settled the packet: the first that dropped or rejected it; else, for a
 * packet let through, the filter decision that did (the last segment a rule of a table other
 * than nat decided, then the last such policy), a nat rule only where no other table decided,
 * a nat policy never where anything else did; -1 for a walk without segments */
int nfp_walk_final(const struct nfp_walk *w, const struct nfp_segment *sg, size_t ns)
{
	int best = -1, rank = -1;
	for (size_t s = 0; s < ns; s++)
		if (nfp_verdict_final(sg[s].v))
			return (int)s;
	for (size_t s = 0; s < ns; s++) {
		int r;
		if (sg[s].decided < 0)
			continue;
		int policy = w->steps[sg[s].decided].st.type == NFP_ST_POLICY;
		r = nat_segment(w, &sg[s]) ? (policy ? 0 : 1) : (policy ? 2 : 3);
		if (r >= rank) {
			rank = r;
			best = (int)s;
		}
	}
	return best >= 0 ? best : (int)ns - 1;
}

/* ---- rules a decision kept from running ---- */
/* the terminal rules in chain c and the chains it jumps to, under the skipped rule from. Each
 * chain is explored once per never-run computation (seen: a bit per chain), so the cost is
 * linear in the ruleset whatever the jump fan-out, and a rule reached from two skipped rules
 * is named once, under the first that would have called it. */
static void reach(struct nfp_never *nv, const struct nfp_rs_rule *from, const struct nfp_rs_chain *c,
		  const struct nfp_rs_chain **path, size_t depth, uint8_t *seen)
{
	size_t ci = (size_t)(c - nv->rs->chains);
	if (depth >= 8 || (seen[ci >> 3] >> (ci & 7) & 1u) || nv->nreached >= 64)
		return;
	seen[ci >> 3] |= (uint8_t)(1u << (ci & 7)); /* loops in the ruleset end here too */
	path[depth] = c;
	for (uint32_t i = 0; i < c->n; i++) {
		const struct nfp_rs_rule *r = &nv->rs->rules[c->first + i];
		const struct nfp_rs_chain *j;
		if (nfp_verdict_terminal((enum nfp_verdict)r->verdict) && nv->nreached < 64) {
			nv->reached[nv->nreached] = r;
			nv->via[nv->nreached] = from;
			memcpy(nv->path[nv->nreached], path, (depth + 1) * sizeof(path[0]));
			nv->pathlen[nv->nreached++] = depth + 1;
		} else if ((r->verdict == NFP_V_JUMP || r->verdict == NFP_V_GOTO) && (j = nfp_rs_jump_chain(nv->rs, r)) != NULL) {
			reach(nv, from, j, path, depth + 1, seen);
		}
	}
}

/* the rules below the deciding step, in its chain and in the chains that called it */
int nfp_walk_never_run(const struct nfp_walk *w, const struct nfp_segment *sg, struct nfp_never *nv)
{
	struct walk_frame stack[32];
	size_t top = 0;
	const struct nfp_wstep *d = &w->steps[sg->decided];
	memset(nv, 0, sizeof(*nv));
	if (d->st.type != NFP_ST_RULE || d->res.status != NFP_RES_RESOLVED)
		return 0;
	nv->rs = d->res.rs;
	for (size_t i = sg->first; i <= (size_t)sg->decided; i++) {
		const struct nfp_wstep *e = &w->steps[i];
		/* a step in a chain already on the stack: back there (nf_tables does not trace the
		 * implicit return of a regular chain) */
		for (size_t f = top; e->res.status == NFP_RES_RESOLVED && f-- > 0;)
			if (stack[f].c == e->res.chain) {
				top = f;
				break;
			}
		if (i == (size_t)sg->decided)
			break;
		if (e->st.type == NFP_ST_RULE && (e->v == NFP_V_JUMP || e->v == NFP_V_GOTO)) {
			if (e->res.status != NFP_RES_RESOLVED || e->res.rs != nv->rs)
				return 0; /* a caller we cannot place */
			if (top < 32)
				stack[top++] = (struct walk_frame){ e->res.chain, e->res.number };
		} else if (e->st.type == NFP_ST_RETURN && top > 0) {
			top--;
		}
	}
	stack[top < 32 ? top : 31] = (struct walk_frame){ d->res.chain, d->res.number };
	top = top < 32 ? top + 1 : 32;
	uint8_t *seen = calloc((size_t)nv->rs->nchains / 8 + 1, 1);
	if (seen == NULL)
		return 0;
	while (top-- > 0) {
		const struct nfp_rs_chain *c = stack[top].c;
		for (uint32_t k = stack[top].number; k < c->n && nv->nskipped < 64; k++) {
			const struct nfp_rs_rule *r = &nv->rs->rules[c->first + k];
			const struct nfp_rs_chain *j, *path[8];
			nv->skipped[nv->nskipped++] = r;
			if ((r->verdict == NFP_V_JUMP || r->verdict == NFP_V_GOTO) && (j = nfp_rs_jump_chain(nv->rs, r)) != NULL)
				reach(nv, r, j, path, 0, seen);
		}
	}
	free(seen);
	return 1;
}

/* "SNAT", "DNAT", "ACCEPT", "accept": the target word of a rule */
size_t nfp_rule_target_word(const struct nfp_rs_rule *r, const char **p)
{
	size_t n = 0;
	*p = r->target.p;
	while (n < r->target.len && r->target.p[n] != ' ')
		n++;
	return n;
}

/* the chains every reached rule's path starts with */
size_t nfp_never_common_path(const struct nfp_never *nv)
{
	size_t c = nv->nreached ? nv->pathlen[0] : 0;
	for (size_t i = 1; i < nv->nreached; i++) {
		size_t k = 0;
		while (k < c && k < nv->pathlen[i] && nv->path[i][k] == nv->path[0][k])
			k++;
		c = k;
	}
	return c;
}

