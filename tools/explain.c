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
static size_t step_index(const struct nfp_walk *w, size_t i)
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

static void step_json(const struct nfp_wstep *e, size_t index)
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

static void print_json(const struct nfp_walk *w)
{
	struct nfp_segment *sg = calloc(w->n + 1, sizeof(*sg));
	size_t ns, k = 0;
	int first = 1, fin;
	if (sg == NULL)
		return;
	ns = nfp_walk_segments(w, sg);
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
		const struct nfp_wstep *f = &w->steps[sg[s].first];
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
	fin = nfp_walk_final(sg, ns);
	jkey(stdout, &first, "verdict");
	if (fin < 0 || sg[fin].decided < 0) {
		fputs("\"unknown\"", stdout);
	} else {
		const struct nfp_wstep *d = &w->steps[sg[fin].decided];
		enum nfp_verdict v = sg[fin].v == NFP_V_NAT ? NFP_V_ACCEPT : sg[fin].v;
		struct nfp_never nv;
		jstr(stdout, nfp_verdict_name(v), strlen(nfp_verdict_name(v)));
		jkey(stdout, &first, "decided_by");
		step_json(d, step_index(w, (size_t)sg[fin].decided));
		if (nfp_walk_never_run(w, &sg[fin], &nv)) {
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
