/* nfparse explain: trace records (kernel TRACE, xtables-monitor --trace, nft monitor trace)
 * grouped into packets by trace.packet; per packet its walk (one line per step, with the rule
 * each step resolved to), where each table/hook decided, the verdict and the rule that decided
 * it, and the rules that decision kept from running (e.g. SNAT rules below an ACCEPT in nat
 * POSTROUTING). Text for people, --json for programs (one object per packet).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nfp.h"
#include "nfp_json.h"
#include "nfparse.h"

struct estep {
	char *line;                /* the message text the step's slices point into */
	struct nfp_step st;
	struct nfp_resolution res;
	enum nfp_verdict v;        /* what the step did; NFP_V_UNKNOWN when neither printed nor resolved */
};

struct walk {
	char id[NFP_PKTID_MAX + 1];
	char host[128];
	char summary[320];
	double last_ts;
	int has_ts;
	struct estep *steps;
	size_t n, cap;
};

struct segment {
	size_t first, last;        /* step indexes */
	int decided;               /* index of the deciding step, -1 if none */
	enum nfp_verdict v;
	int inferred;              /* accept, inferred from the walk going on */
};

static struct walk *walks;
static size_t nwalks, capwalks;
static struct nfp_snapshots snaps;
static const char *fixed_host; /* --host: for lines without a syslog header */

static const char *S(const struct estep *e, struct nfp_slice s, size_t *n)
{
	*n = s.len;
	return e->line + s.off;
}

/* "[1038991.870882]" in front of the text: the kernel's time stamp (imklog, dmesg) */
static int kernel_ts(const char *s, size_t n, double *ts)
{
	size_t i = 0;
	double v = 0, f = 0.1;
	int d = 0;
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

static void summarize(struct walk *w, const struct nfp_record *rec, const char *line)
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

static struct walk *walk_for(const char *id, size_t idn, const char *host, size_t hostn, int has_ts, double ts)
{
	struct walk *w;
	for (size_t i = nwalks; i-- > 0 && nwalks - i <= 4096;) {
		w = &walks[i];
		if (strlen(w->id) == idn && memcmp(w->id, id, idn) == 0 && strlen(w->host) == hostn &&
		    memcmp(w->host, host, hostn) == 0) {
			/* the same invariant fields a second later: another packet (see README) */
			if (has_ts && w->has_ts && ts - w->last_ts > 1.0)
				break;
			return w;
		}
	}
	if (nwalks == capwalks) {
		struct walk *nw = realloc(walks, (capwalks ? capwalks * 2 : 64) * sizeof(*walks));
		if (nw == NULL)
			return NULL;
		walks = nw;
		capwalks = capwalks ? capwalks * 2 : 64;
	}
	w = &walks[nwalks++];
	memset(w, 0, sizeof(*w));
	memcpy(w->id, id, idn < NFP_PKTID_MAX ? idn : NFP_PKTID_MAX);
	snprintf(w->host, sizeof(w->host), "%.*s", (int)hostn, host);
	return w;
}

static int add_step(const char *text, size_t n, const char *host, size_t hostn, struct nfp_record *rec)
{
	struct nfp_step st;
	char id[NFP_PKTID_MAX];
	size_t idn;
	double ts = 0;
	int has_ts = kernel_ts(text, n, &ts);
	struct walk *w;
	struct estep *e;

	nfp_parse(text, n, rec);
	if (!nfp_step_of(rec, &st))
		return 0;
	idn = nfp_packet_id(rec, text, host, hostn, id);
	if ((w = walk_for(id, idn, host, hostn, has_ts, ts)) == NULL)
		return -1;
	if (has_ts) {
		w->last_ts = ts;
		w->has_ts = 1;
	}
	summarize(w, rec, text);
	if (w->n == w->cap) {
		struct estep *ns = realloc(w->steps, (w->cap ? w->cap * 2 : 16) * sizeof(*ns));
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
	nfp_resolve(&snaps, rec, e->line, &e->res);
	if (e->st.type == NFP_ST_RETURN)
		e->v = NFP_V_RETURN;
	else if (e->st.verdict.len > 0)
		e->v = nfp_verdict_of_word(e->line + e->st.verdict.off, e->st.verdict.len);
	else if (e->res.status == NFP_RES_RESOLVED)
		e->v = e->res.verdict;
	else
		e->v = NFP_V_UNKNOWN;
	w->n++;
	return 0;
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

static int same(const struct estep *a, struct nfp_slice x, const struct estep *b, struct nfp_slice y)
{
	return x.len == y.len && memcmp(a->line + x.off, b->line + y.off, x.len) == 0;
}

static size_t segments(const struct walk *w, struct segment *sg)
{
	size_t ns = 0;
	int open = 0;
	for (size_t i = 0; i < w->n; i++) {
		const struct estep *e = &w->steps[i];
		if (e->st.type == NFP_ST_PACKET) {
			open = 0;
			continue;
		}
		if (open) {
			const struct estep *f = &w->steps[sg[ns - 1].first];
			int brk = !same(e, e->st.table, f, f->st.table);
			if (!brk && e->st.src == NFP_SRC_KERNEL && hook_chain(e->line + e->st.chain.off, e->st.chain.len) &&
			    !same(e, e->st.chain, f, f->st.chain))
				brk = 1;
			if (!brk) {
				sg[ns - 1].last = i;
				continue;
			}
		}
		sg[ns] = (struct segment){ .first = i, .last = i, .decided = -1, .v = NFP_V_UNKNOWN };
		ns++;
		open = 1;
	}
	for (size_t k = 0; k < ns; k++) {
		const struct estep *e = &w->steps[sg[k].last];
		if ((e->st.type == NFP_ST_RULE && nfp_verdict_terminal(e->v)) ||
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

/* the segment that settled the packet: the first that dropped or rejected it, else the last;
 * -1 for a walk without segments */
static int final_segment(const struct segment *sg, size_t ns)
{
	for (size_t s = 0; s < ns; s++)
		if (nfp_verdict_final(sg[s].v))
			return (int)s;
	return (int)ns - 1;
}

static const char *vword(enum nfp_verdict v)
{
	switch (v) {
	case NFP_V_ACCEPT: return "ACCEPT";
	case NFP_V_DROP: return "DROP";
	case NFP_V_REJECT: return "REJECT";
	case NFP_V_NAT: return "ACCEPT (NAT)";
	case NFP_V_QUEUE: return "QUEUE";
	default: return "unknown";
	}
}

/* ---- rules a decision kept from running ---- */
struct frame {
	const struct nfp_rs_chain *c;
	uint32_t number;
};

struct never {
	const struct nfp_ruleset *rs;
	const struct nfp_rs_rule *skipped[64];   /* rules below the decision, in the chains on the stack */
	size_t nskipped;
	const struct nfp_rs_rule *reached[64];   /* terminal rules inside chains those rules jump to */
	const struct nfp_rs_rule *via[64];       /* ... and the skipped rule that leads there */
	const struct nfp_rs_chain *path[64][8];  /* the chains on the way */
	size_t pathlen[64];
	size_t nreached;
};

static void reach(struct never *nv, const struct nfp_rs_rule *from, const struct nfp_rs_chain *c,
		  const struct nfp_rs_chain **path, size_t depth)
{
	if (depth >= 8)
		return;
	for (size_t d = 0; d < depth; d++)
		if (path[d] == c)
			return; /* a loop in the ruleset */
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
			reach(nv, from, j, path, depth + 1);
		}
	}
}

/* the rules below the deciding step, in its chain and in the chains that called it */
static int never_run(const struct walk *w, const struct segment *sg, struct never *nv)
{
	struct frame stack[32];
	size_t top = 0;
	const struct estep *d = &w->steps[sg->decided];
	memset(nv, 0, sizeof(*nv));
	if (d->st.type != NFP_ST_RULE || d->res.status != NFP_RES_RESOLVED)
		return 0;
	nv->rs = d->res.rs;
	for (size_t i = sg->first; i <= (size_t)sg->decided; i++) {
		const struct estep *e = &w->steps[i];
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
				stack[top++] = (struct frame){ e->res.chain, e->res.number };
		} else if (e->st.type == NFP_ST_RETURN && top > 0) {
			top--;
		}
	}
	stack[top < 32 ? top : 31] = (struct frame){ d->res.chain, d->res.number };
	top = top < 32 ? top + 1 : 32;
	while (top-- > 0) {
		const struct nfp_rs_chain *c = stack[top].c;
		for (uint32_t k = stack[top].number; k < c->n && nv->nskipped < 64; k++) {
			const struct nfp_rs_rule *r = &nv->rs->rules[c->first + k];
			const struct nfp_rs_chain *j, *path[8];
			nv->skipped[nv->nskipped++] = r;
			if ((r->verdict == NFP_V_JUMP || r->verdict == NFP_V_GOTO) && (j = nfp_rs_jump_chain(nv->rs, r)) != NULL)
				reach(nv, r, j, path, 0);
		}
	}
	return 1;
}

/* "SNAT", "DNAT", "ACCEPT", "accept": the target word of a rule */
static size_t target_word(const struct nfp_rs_rule *r, const char **p)
{
	size_t n = 0;
	*p = r->target.p;
	while (n < r->target.len && r->target.p[n] != ' ')
		n++;
	return n;
}

/* the chains every reached rule's path starts with */
static size_t common_path(const struct never *nv)
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

/* ---- text ---- */
static void step_name(const struct estep *e, char *buf, size_t cap)
{
	size_t tn, cn;
	const char *t = S(e, e->st.table, &tn), *c = S(e, e->st.chain, &cn);
	static const char *const ty[] = { "?", "rule", "return", "policy", "packet" };
	uint32_t num = e->st.number ? e->st.number : e->res.status == NFP_RES_RESOLVED ? e->res.number : 0;
	if (num)
		snprintf(buf, cap, "%.*s:%.*s:%s:%u", (int)tn, t, (int)cn, c, ty[e->st.type], num);
	else
		snprintf(buf, cap, "%.*s:%.*s:%s", (int)tn, t, (int)cn, c, ty[e->st.type]);
}

static void print_text(const struct walk *w, size_t idx)
{
	struct segment *sg = calloc(w->n + 1, sizeof(*sg));
	size_t ns, nsteps = 0, k;
	char name[600];
	int fin;
	if (sg == NULL)
		return;
	ns = segments(w, sg);
	for (size_t i = 0; i < w->n; i++)
		nsteps += w->steps[i].st.type != NFP_ST_PACKET;
	printf("packet %zu: trace.packet %s%s%s%s%s, %zu steps\n", idx, w->id, w->host[0] ? " host " : "", w->host,
	       w->summary[0] ? ": " : "", w->summary, nsteps);
	k = 0;
	for (size_t i = 0; i < w->n; i++) {
		const struct estep *e = &w->steps[i];
		if (e->st.type == NFP_ST_PACKET)
			continue;
		char row[8192];
		int r;
		step_name(e, name, sizeof(name));
		r = snprintf(row, sizeof(row), "  %3zu  %-45s", ++k, name);
		if (e->res.status == NFP_RES_RESOLVED)
			r += snprintf(row + r, sizeof(row) - (size_t)r, " %-14.*s %.*s", (int)e->res.target.len, e->res.target.p,
				      (int)(e->res.text.len < 4096 ? e->res.text.len : 4096), e->res.text.p);
		else if (e->st.verdict.len || e->st.text.len)
			r += snprintf(row + r, sizeof(row) - (size_t)r, " %-14.*s %.*s", (int)e->st.verdict.len,
				      e->line + e->st.verdict.off, (int)(e->st.text.len < 4096 ? e->st.text.len : 4096),
				      e->line + e->st.text.off);
		else
			r += snprintf(row + r, sizeof(row) - (size_t)r, " %-14s", "?");
		if (e->res.status == NFP_RES_UNRESOLVED)
			r += snprintf(row + r, sizeof(row) - (size_t)r, " (unresolved: %s)", e->res.reason);
		if (r > (int)sizeof(row) - 1)
			r = (int)sizeof(row) - 1;
		while (r > 0 && row[r - 1] == ' ')
			r--;
		printf("%.*s\n", r, row);
	}
	puts("  where each table decided:");
	for (size_t s = 0; s < ns; s++) {
		const struct estep *f = &w->steps[sg[s].first];
		size_t tn, cn;
		const char *t = S(f, f->st.table, &tn), *c = S(f, f->st.chain, &cn);
		printf("    %.*s %.*s: ", (int)tn, t, (int)cn, c);
		if (sg[s].decided >= 0) {
			step_name(&w->steps[sg[s].decided], name, sizeof(name));
			printf("%s by %s\n", vword(sg[s].v), name);
		} else if (sg[s].inferred) {
			printf("ACCEPT (inferred: the walk goes on; the step itself is not resolved)\n");
		} else {
			printf("unknown (the walk ends without a verdict here)\n");
		}
	}
	fin = final_segment(sg, ns); /* a drop or reject is always a decided segment */
	if (fin < 0 || sg[fin].decided < 0) {
		printf("  verdict: unknown (the last step is not a verdict, or it could not be resolved)\n\n");
		free(sg);
		return;
	}
	{
		const struct estep *d = &w->steps[sg[fin].decided];
		const struct estep *f = &w->steps[sg[fin].first];
		size_t tn, cn;
		const char *t = S(f, f->st.table, &tn), *c = S(f, f->st.chain, &cn);
		struct never nv;
		step_name(d, name, sizeof(name));
		printf("  verdict: %s, decided by %s\n", nfp_verdict_final(sg[fin].v) ? vword(sg[fin].v)
							: sg[fin].v == NFP_V_QUEUE ? "QUEUE (user space decides)" : "ACCEPT",
		       name);
		if (d->res.status == NFP_RES_RESOLVED && d->res.text.len)
			printf("  the rule: %.*s   (%s line %u)\n", (int)d->res.text.len, d->res.text.p, d->res.rs->path, d->res.line);
		else if (d->st.text.len)
			printf("  the rule: %.*s\n", (int)d->st.text.len, d->line + d->st.text.off);
		if (d->st.type == NFP_ST_RULE && never_run(w, &sg[fin], &nv) && nv.nskipped > 0) {
			const char *tw;
			size_t twn = target_word(d->res.rule, &tw);
			printf("  its %.*s ends %.*s %.*s here, so these rules never run for this packet:\n", (int)twn, tw, (int)tn, t,
			       (int)cn, c);
			for (size_t i = 0; i < nv.nskipped; i++) {
				const struct nfp_rs_rule *r = nv.skipped[i];
				const struct nfp_rs_chain *rc = &nv.rs->chains[r->chain];
				printf("    %.*s:%.*s:rule:%u  %.*s\n", (int)tn, t, (int)rc->name.len, rc->name.p, r->number,
				       (int)r->text.len, r->text.p);
				for (size_t j = 0; j < nv.nreached; j++) {
					if (nv.via[j] != r)
						continue;
					printf("      → ");
					for (size_t q = 0; q < nv.pathlen[j]; q++)
						printf("%s%.*s", q ? " → " : "", (int)nv.path[j][q]->name.len, nv.path[j][q]->name.p);
					printf(": %.*s\n", (int)nv.reached[j]->text.len, nv.reached[j]->text.p);
				}
			}
			if (nv.nreached > 0) {
				const char *rw;
				size_t rwn = target_word(nv.reached[0], &rw), cp = common_path(&nv), same_t = 1;
				for (size_t j = 1; j < nv.nreached; j++) {
					const char *x;
					size_t xn = target_word(nv.reached[j], &x);
					same_t &= xn == rwn && memcmp(x, rw, xn) == 0;
				}
				printf("  so the %s%.*s rule%s below", same_t ? "" : "terminal ", same_t ? (int)rwn : 0, rw,
				       nv.nreached > 1 ? "s" : "");
				const char *verb = nv.nreached > 1 ? "never run" : "never runs";
				if (cp > 0) {
					printf(" (");
					for (size_t q = 0; q < cp; q++)
						printf("%s%.*s", q ? " → " : "", (int)nv.path[0][q]->name.len, nv.path[0][q]->name.p);
					printf(")");
				}
				printf(" %s.\n", verb);
			}
		}
	}
	putchar('\n');
	free(sg);
}

/* ---- JSON ---- */
static void jstr(FILE *f, const char *s, size_t n)
{
	char small[768], *b = NULL;
	if (nfp_utf8_valid(s, n) != n && (b = n <= sizeof(small) / 3 ? small : malloc(3 * n)) != NULL) {
		n = nfp_utf8_repair(s, n, b); /* valid UTF-8 JSON whatever the lines held */
		s = b;
	}
	fputc('"', f);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
	if (b != NULL && b != small)
		free(b);
}

static void jkey(FILE *f, int *first, const char *k)
{
	fprintf(f, "%s\"%s\":", *first ? "" : ",", k);
	*first = 0;
}

static void jmember(int *first, const char *k, const char *s, size_t n)
{
	jkey(stdout, first, k);
	jstr(stdout, s, n);
}

/* a step's number as the walk lists it (packet lines are not steps) */
static size_t step_index(const struct walk *w, size_t i)
{
	size_t idx = 0;
	for (size_t k = 0; k <= i; k++)
		idx += w->steps[k].st.type != NFP_ST_PACKET;
	return idx;
}

struct jsink {
	int first;
};
static void js_str(void *ctx, const char *name, const char *s, size_t n)
{
	jkey(stdout, &((struct jsink *)ctx)->first, name);
	jstr(stdout, s, n);
}
static void js_num(void *ctx, const char *name, uint64_t v)
{
	jkey(stdout, &((struct jsink *)ctx)->first, name);
	printf("%llu", (unsigned long long)v);
}

static void step_json(const struct estep *e, size_t index)
{
	static const char *const ty[] = { "?", "rule", "return", "policy", "packet" };
	int first = 1;
	size_t n;
	const char *s;
	putchar('{');
	jkey(stdout, &first, "index");
	printf("%zu", index);
	s = S(e, e->st.table, &n);
	jmember(&first, "table", s, n);
	s = S(e, e->st.chain, &n);
	jmember(&first, "chain", s, n);
	jmember(&first, "type", ty[e->st.type], strlen(ty[e->st.type]));
	if (e->st.number) {
		jkey(stdout, &first, "rulenum");
		printf("%u", e->st.number);
	}
	if (e->st.handle) {
		jkey(stdout, &first, "handle");
		printf("%u", e->st.handle);
	}
	if (e->st.verdict.len) {
		jkey(stdout, &first, "verdict");
		jstr(stdout, e->line + e->st.verdict.off, e->st.verdict.len);
	}
	if (e->st.text.len) {
		jkey(stdout, &first, "rule_text");
		jstr(stdout, e->line + e->st.text.off, e->st.text.len);
	}
	jkey(stdout, &first, "does");
	jstr(stdout, nfp_verdict_name(e->v), strlen(nfp_verdict_name(e->v)));
	if (e->res.status != NFP_RES_NONE) {
		struct jsink k = { 1 };
		struct nfp_rule_sink rk = { js_str, js_num, &k };
		jkey(stdout, &first, "rule");
		putchar('{');
		nfp_rule_members(&e->res, &rk);
		putchar('}');
	}
	putchar('}');
}

static void print_json(const struct walk *w)
{
	struct segment *sg = calloc(w->n + 1, sizeof(*sg));
	size_t ns, k = 0;
	int first = 1, fin;
	if (sg == NULL)
		return;
	ns = segments(w, sg);
	putchar('{');
	jkey(stdout, &first, "packet");
	jstr(stdout, w->id, strlen(w->id));
	if (w->host[0]) {
		jkey(stdout, &first, "host");
		jstr(stdout, w->host, strlen(w->host));
	}
	if (w->summary[0]) {
		jkey(stdout, &first, "summary");
		jstr(stdout, w->summary, strlen(w->summary));
	}
	jkey(stdout, &first, "steps");
	putchar('[');
	for (size_t i = 0; i < w->n; i++) {
		if (w->steps[i].st.type == NFP_ST_PACKET)
			continue;
		if (k)
			putchar(',');
		step_json(&w->steps[i], ++k);
	}
	putchar(']');
	jkey(stdout, &first, "decisions");
	putchar('[');
	for (size_t s = 0; s < ns; s++) {
		const struct estep *f = &w->steps[sg[s].first];
		int f2 = 1;
		size_t n;
		const char *x;
		printf("%s{", s ? "," : "");
		x = S(f, f->st.table, &n);
		jmember(&f2, "table", x, n);
		x = S(f, f->st.chain, &n);
		jmember(&f2, "chain", x, n);
		jmember(&f2, "verdict", nfp_verdict_name(sg[s].v), strlen(nfp_verdict_name(sg[s].v)));
		if (sg[s].inferred) {
			jkey(stdout, &f2, "inferred");
			fputs("true", stdout);
		}
		if (sg[s].decided >= 0) {
			jkey(stdout, &f2, "step");
			printf("%zu", step_index(w, (size_t)sg[s].decided));
		}
		putchar('}');
	}
	putchar(']');
	fin = final_segment(sg, ns);
	jkey(stdout, &first, "verdict");
	if (fin < 0 || sg[fin].decided < 0) {
		fputs("\"unknown\"", stdout);
	} else {
		const struct estep *d = &w->steps[sg[fin].decided];
		enum nfp_verdict v = sg[fin].v == NFP_V_NAT ? NFP_V_ACCEPT : sg[fin].v;
		struct never nv;
		jstr(stdout, nfp_verdict_name(v), strlen(nfp_verdict_name(v)));
		jkey(stdout, &first, "decided_by");
		step_json(d, step_index(w, (size_t)sg[fin].decided));
		if (never_run(w, &sg[fin], &nv)) {
			jkey(stdout, &first, "never_run");
			putchar('[');
			for (size_t i = 0; i < nv.nskipped; i++) {
				int f3 = 1;
				const struct nfp_rs_rule *r = nv.skipped[i];
				const struct nfp_rs_chain *rc = &nv.rs->chains[r->chain];
				printf("%s{", i ? "," : "");
				jkey(stdout, &f3, "chain");
				jstr(stdout, rc->name.p, rc->name.len);
				jkey(stdout, &f3, "number");
				printf("%u", r->number);
				jkey(stdout, &f3, "text");
				jstr(stdout, r->text.p, r->text.len);
				jkey(stdout, &f3, "reaches");
				putchar('[');
				for (size_t j = 0, o = 0; j < nv.nreached; j++) {
					int f4 = 1;
					if (nv.via[j] != r)
						continue;
					printf("%s{", o++ ? "," : "");
					jkey(stdout, &f4, "via");
					putchar('[');
					for (size_t q = 0; q < nv.pathlen[j]; q++) {
						if (q)
							putchar(',');
						jstr(stdout, nv.path[j][q]->name.p, nv.path[j][q]->name.len);
					}
					putchar(']');
					jkey(stdout, &f4, "text");
					jstr(stdout, nv.reached[j]->text.p, nv.reached[j]->text.len);
					putchar('}');
				}
				printf("]}");
			}
			putchar(']');
		}
	}
	puts("}");
	free(sg);
}

static int msg_mode; /* -m: lines are message texts */

static int read_input(FILE *in, void *ctx)
{
	struct nfp_record *rec = ctx;
	char *line = NULL;
	size_t cap = 0;
	ssize_t got;
	int rc = 0;
	while ((got = getline(&line, &cap, in)) >= 0) {
		size_t n = (size_t)got, off = 0, host = 0, hostlen = 0;
		if (n > 0 && line[n - 1] == '\n')
			n--;
		if (!msg_mode)
			off = nfparse_syslog_msg(line, n, &host, &hostlen);
		const char *h = line + host;
		if (hostlen == 0 && fixed_host != NULL)
			h = fixed_host, hostlen = strlen(fixed_host);
		if (add_step(line + off, n - off, h, hostlen, rec) != 0) {
			fputs("nfparse explain: out of memory\n", stderr);
			rc = 1;
			break;
		}
	}
	free(line);
	return rc || ferror(in) ? 1 : 0;
}

int nfparse_explain(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' }, { "msg", no_argument, NULL, 'm' }, { "help", no_argument, NULL, 'h' },
		{ "iptables-rules", required_argument, NULL, '4' }, { "ip6tables-rules", required_argument, NULL, '6' },
		{ "nft-rules", required_argument, NULL, 'N' }, { "host", required_argument, NULL, 'H' }, { NULL, 0, NULL, 0 }
	};
	int json = 0, msg = 0, c, rc = 0;
	static struct nfp_record rec;
	optind = 1;
	while ((c = getopt_long(argc, argv, "jmh", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'H': fixed_host = optarg; break;
		case 'm': msg = 1; break;
		case 'h':
			puts("usage: nfparse explain [--json] [-m] [--iptables-rules FILE] [--ip6tables-rules FILE] "
			     "[--nft-rules FILE] [--host NAME] [FILE...]");
			return 0;
		case '4':
		case '6':
		case 'N':
			if (nfparse_load_rules(&snaps, c == '4' ? 0 : c == '6' ? 1 : 2, optarg) != 0)
				return 2;
			break;
		default: return 2;
		}
	}
	msg_mode = msg;
	rc = nfparse_each_input(argc, argv, optind, "nfparse explain", read_input, &rec);
	for (size_t i = 0; i < nwalks; i++) {
		if (json)
			print_json(&walks[i]);
		else
			print_text(&walks[i], i + 1);
		for (size_t k = 0; k < walks[i].n; k++)
			free(walks[i].steps[k].line);
		free(walks[i].steps);
	}
	if (nwalks == 0 && !json)
		puts("no trace records in the input");
	free(walks);
	nfparse_free_rules(&snaps);
	return rc;
}
