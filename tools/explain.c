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
#include "emit/nfp_json.h"
#include "rules/walk.h"
#include "emit/sink.h"
#include "nfparse.h"

static struct nfp_walks walks;
static struct nfp_snapshots snaps;
static const char *fixed_host; /* --host: for lines without a syslog header */

static const char *S(const struct nfp_wstep *e, struct nfp_slice s, size_t *n)
{
	*n = s.len;
	return e->line + s.off;
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

/* ---- text ---- */
static void step_name(const struct nfp_wstep *e, char *buf, size_t cap)
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

static void print_text(const struct nfp_walk *w, size_t idx)
{
	struct nfp_segment *sg = calloc(w->n + 1, sizeof(*sg));
	size_t ns, nsteps = 0, k;
	char name[600];
	int fin;
	if (sg == NULL)
		return;
	ns = nfp_walk_segments(w, sg);
	for (size_t i = 0; i < w->n; i++)
		nsteps += w->steps[i].st.type != NFP_ST_PACKET;
	printf("packet %zu: trace.packet %s%s%s%s%s, %zu steps\n", idx, w->id, w->host[0] ? " host " : "", w->host,
	       w->summary[0] ? ": " : "", w->summary, nsteps);
	k = 0;
	for (size_t i = 0; i < w->n; i++) {
		const struct nfp_wstep *e = &w->steps[i];
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
		const struct nfp_wstep *f = &w->steps[sg[s].first];
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
	fin = nfp_walk_final(sg, ns); /* a drop or reject is always a decided segment */
	if (fin < 0 || sg[fin].decided < 0) {
		printf("  verdict: unknown (the last step is not a verdict, or it could not be resolved)\n\n");
		free(sg);
		return;
	}
	{
		const struct nfp_wstep *d = &w->steps[sg[fin].decided];
		const struct nfp_wstep *f = &w->steps[sg[fin].first];
		size_t tn, cn;
		const char *t = S(f, f->st.table, &tn), *c = S(f, f->st.chain, &cn);
		struct nfp_never nv;
		step_name(d, name, sizeof(name));
		printf("  verdict: %s, decided by %s\n", nfp_verdict_final(sg[fin].v) ? vword(sg[fin].v)
							: sg[fin].v == NFP_V_QUEUE ? "QUEUE (user space decides)" : "ACCEPT",
		       name);
		if (d->res.status == NFP_RES_RESOLVED && d->res.text.len)
			printf("  the rule: %.*s   (%s line %u)\n", (int)d->res.text.len, d->res.text.p, d->res.rs->path, d->res.line);
		else if (d->st.text.len)
			printf("  the rule: %.*s\n", (int)d->st.text.len, d->line + d->st.text.off);
		if (d->st.type == NFP_ST_RULE && nfp_walk_never_run(w, &sg[fin], &nv) && nv.nskipped > 0) {
			const char *tw;
			size_t twn = nfp_rule_target_word(d->res.rule, &tw);
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
				size_t rwn = nfp_rule_target_word(nv.reached[0], &rw), cp = nfp_never_common_path(&nv), same_t = 1;
				for (size_t j = 1; j < nv.nreached; j++) {
					const char *x;
					size_t xn = nfp_rule_target_word(nv.reached[j], &x);
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

/* ---- JSON: one document per walk, through the text sink (the project's one escaper) ---- */
#define STR(k, name, s) nfp_sink_str((k), (name), (s), strlen(s))

/* a step's number as the walk lists it (packet lines are not steps) */
static size_t step_index(const struct nfp_walk *w, size_t i)
{
	size_t idx = 0;
	for (size_t k = 0; k <= i; k++)
		idx += w->steps[k].st.type != NFP_ST_PACKET;
	return idx;
}

static void step_json(struct nfp_sink *k, const char *name, const struct nfp_wstep *e, size_t index)
{
	static const char *const ty[] = { "?", "rule", "return", "policy", "packet" };
	size_t n;
	const char *s;
	nfp_sink_open(k, name);
	nfp_sink_num(k, "index", (int64_t)index);
	s = S(e, e->st.table, &n);
	nfp_sink_str(k, "table", s, n);
	s = S(e, e->st.chain, &n);
	nfp_sink_str(k, "chain", s, n);
	STR(k, "type", ty[e->st.type]);
	if (e->st.number)
		nfp_sink_num(k, "rulenum", e->st.number);
	if (e->st.handle)
		nfp_sink_num(k, "handle", e->st.handle);
	if (e->st.verdict.len)
		nfp_sink_str(k, "verdict", e->line + e->st.verdict.off, e->st.verdict.len);
	if (e->st.text.len)
		nfp_sink_str(k, "rule_text", e->line + e->st.text.off, e->st.text.len);
	STR(k, "does", nfp_verdict_name(e->v));
	if (e->res.status != NFP_RES_NONE) {
		nfp_sink_open(k, "rule");
		nfp_rule_members(&e->res, k);
		nfp_sink_close(k);
	}
	nfp_sink_close(k);
}

static void never_json(struct nfp_sink *k, const struct nfp_never *nv)
{
	nfp_sink_array(k, "never_run");
	for (size_t i = 0; i < nv->nskipped; i++) {
		const struct nfp_rs_rule *r = nv->skipped[i];
		const struct nfp_rs_chain *rc = &nv->rs->chains[r->chain];
		nfp_sink_open(k, NULL);
		nfp_sink_str(k, "chain", rc->name.p, rc->name.len);
		nfp_sink_num(k, "number", r->number);
		nfp_sink_str(k, "text", r->text.p, r->text.len);
		nfp_sink_array(k, "reaches");
		for (size_t j = 0; j < nv->nreached; j++) {
			if (nv->via[j] != r)
				continue;
			nfp_sink_open(k, NULL);
			nfp_sink_array(k, "via");
			for (size_t q = 0; q < nv->pathlen[j]; q++)
				nfp_sink_str(k, NULL, nv->path[j][q]->name.p, nv->path[j][q]->name.len);
			nfp_sink_close(k);
			nfp_sink_str(k, "text", nv->reached[j]->text.p, nv->reached[j]->text.len);
			nfp_sink_close(k);
		}
		nfp_sink_close(k);
		nfp_sink_close(k);
	}
	nfp_sink_close(k);
}

static void walk_json(struct nfp_sink *k, const struct nfp_walk *w, struct nfp_segment *sg)
{
	size_t ns = nfp_walk_segments(w, sg), idx = 0;
	int fin;
	nfp_sink_open(k, NULL);
	STR(k, "packet", w->id);
	if (w->host[0])
		STR(k, "host", w->host);
	if (w->summary[0])
		STR(k, "summary", w->summary);
	nfp_sink_array(k, "steps");
	for (size_t i = 0; i < w->n; i++)
		if (w->steps[i].st.type != NFP_ST_PACKET)
			step_json(k, NULL, &w->steps[i], ++idx);
	nfp_sink_close(k);
	nfp_sink_array(k, "decisions");
	for (size_t s = 0; s < ns; s++) {
		const struct nfp_wstep *f = &w->steps[sg[s].first];
		size_t n;
		const char *x;
		nfp_sink_open(k, NULL);
		x = S(f, f->st.table, &n);
		nfp_sink_str(k, "table", x, n);
		x = S(f, f->st.chain, &n);
		nfp_sink_str(k, "chain", x, n);
		STR(k, "verdict", nfp_verdict_name(sg[s].v));
		if (sg[s].inferred)
			nfp_sink_yes(k, "inferred");
		if (sg[s].decided >= 0)
			nfp_sink_num(k, "step", (int64_t)step_index(w, (size_t)sg[s].decided));
		nfp_sink_close(k);
	}
	nfp_sink_close(k);
	fin = nfp_walk_final(sg, ns);
	if (fin < 0 || sg[fin].decided < 0) {
		STR(k, "verdict", "unknown");
	} else {
		const struct nfp_wstep *d = &w->steps[sg[fin].decided];
		enum nfp_verdict v = sg[fin].v == NFP_V_NAT ? NFP_V_ACCEPT : sg[fin].v;
		struct nfp_never nv;
		STR(k, "verdict", nfp_verdict_name(v));
		step_json(k, "decided_by", d, step_index(w, (size_t)sg[fin].decided));
		if (nfp_walk_never_run(w, &sg[fin], &nv))
			never_json(k, &nv);
	}
	nfp_sink_close(k);
}

static void print_json(const struct nfp_walk *w)
{
	struct nfp_segment *sg = calloc(w->n + 1, sizeof(*sg));
	char small[16384], *buf = small;
	struct nfp_sink k;
	if (sg == NULL)
		return;
	nfp_sink_text(&k, buf, sizeof(small));
	walk_json(&k, w, sg);
	if (k.n > sizeof(small) && (buf = malloc(k.n)) != NULL) { /* again, with room for all of it */
		nfp_sink_text(&k, buf, k.n);
		walk_json(&k, w, sg);
	}
	if (buf != NULL) {
		fwrite(buf, 1, k.n, stdout);
		putchar('\n');
	}
	if (buf != small)
		free(buf);
	free(sg);
}

static int msg_mode; /* -m: lines are message texts */

/* a trace record joins its packet's walk (identified by trace.packet, the enrich stage's) */
static int add_step(const char *text, size_t n, const char *host, size_t hostn, struct nfp_record *rec)
{
	struct nfp_step st;
	char id[NFP_PKTID_MAX];
	nfp_parse(text, n, rec);
	if (!nfp_step_of(rec, &st))
		return 0;
	return nfp_walks_add(&walks, text, n, host, hostn, id, nfp_packet_id(rec, text, host, hostn, id), rec);
}

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
			off = nfparse_input(line, &n, &host, &hostlen);
		else
			while (n > 0 && line[n - 1] == '\r')
				n--;
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
	walks.snaps = &snaps;
	rc = nfparse_each_input(argc, argv, optind, "nfparse explain", read_input, &rec);
	for (size_t i = 0; i < walks.n; i++) {
		if (json)
			print_json(&walks.w[i]);
		else
			print_text(&walks.w[i], i + 1);
	}
	if (walks.n == 0 && !json)
		puts("no trace records in the input");
	nfp_walks_free(&walks);
	nfparse_free_rules(&snaps);
	return rc;
}
