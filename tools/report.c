/* nfparse report --html FILE: one self-contained page (inline CSS and SVG, nothing fetched)
 * over the LOG records of the input: records over time (denied in red), the top sources,
 * destinations and destination ports, the top rules by records and by drops, and the LOG rules
 * of the snapshots no record came from in the period.
 *
 * A record's rule is the rule it resolves to (snapshots given), else its prefix; it is a drop
 * when the rules decide its fate as DROP/REJECT, else when its prefix says so (the prefix
 * conventions and --prefix-rules). Time is the line's own (syslog header, journal, kmsg);
 * records without one are counted but not charted.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "nfp.h"
#include "enrich/nfp_enrich.h"
#include "nfparse.h"

/* ---- counting by key: open addressing over strdup'ed keys ---- */
struct ent {
	char *key;
	unsigned long n, drops;
	const struct nfp_rs_rule *rule; /* rules: the snapshot's rule, NULL for a prefix */
};
struct tally {
	struct ent *e;
	size_t cap, used;
};

static unsigned long hash(const char *s)
{
	unsigned long h = 1469598103934665603UL;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211UL;
	return h;
}

static struct ent *bump(struct tally *t, const char *key, int drop)
{
	if (t->used * 2 >= t->cap) {
		struct tally g = { calloc(t->cap ? t->cap * 2 : 256, sizeof(struct ent)), t->cap ? t->cap * 2 : 256, 0 };
		if (g.e == NULL)
			return NULL;
		for (size_t i = 0; i < t->cap; i++)
			if (t->e[i].key != NULL) {
				size_t k = hash(t->e[i].key) & (g.cap - 1);
				while (g.e[k].key != NULL)
					k = (k + 1) & (g.cap - 1);
				g.e[k] = t->e[i];
				g.used++;
			}
		free(t->e);
		*t = g;
	}
	size_t k = hash(key) & (t->cap - 1);
	while (t->e[k].key != NULL && strcmp(t->e[k].key, key) != 0)
		k = (k + 1) & (t->cap - 1);
	if (t->e[k].key == NULL) {
		if ((t->e[k].key = strdup(key)) == NULL)
			return NULL;
		t->used++;
	}
	t->e[k].n++;
	t->e[k].drops += drop != 0;
	return &t->e[k];
}

static void tally_free(struct tally *t)
{
	for (size_t i = 0; i < t->cap; i++)
		free(t->e[i].key);
	free(t->e);
}

/* the entries, most first (by drops when by_drops), at most max */
static size_t top(const struct tally *t, int by_drops, struct ent **out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < t->cap; i++) {
		struct ent *e = &t->e[i];
		unsigned long v = by_drops ? e->drops : e->n;
		if (e->key == NULL || v == 0)
			continue;
		size_t k = n < max ? n++ : max;
		if (k == max) {
			if (v <= (by_drops ? out[max - 1]->drops : out[max - 1]->n))
				continue;
			k = max - 1;
		}
		while (k > 0 && (by_drops ? out[k - 1]->drops : out[k - 1]->n) < v) {
			out[k] = out[k - 1];
			k--;
		}
		out[k] = e;
	}
	return n;
}

/* ---- what the input gave ---- */
#define MAX_TIMES (1u << 22)
static struct nfp_snapshots snaps;
static struct nfp_prefix_rules *prules;
static struct tally srcs, dsts, ports, rules;
struct tp {
	time_t t;
	int drop;
};
static struct tp *times; /* the records' times, for the chart */
static size_t ntimes;
static unsigned long nlog, ndrop, nresolved, nuntimed, nlines;

/* "2026-12-04T10:00:00.123456+01:00" -> seconds since the epoch, -1 if not one */
static time_t rfc3339(const char *s)
{
	struct tm tm = { 0 };
	int off = 0;
	const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (p == NULL)
		return -1;
	if (*p == '.')
		while (*++p >= '0' && *p <= '9')
			;
	if ((*p == '+' || *p == '-') && strlen(p) >= 6)
		off = ((p[1] - '0') * 10 + (p[2] - '0')) * 3600 + ((p[4] - '0') * 10 + (p[5] - '0')) * 60;
	return timegm(&tm) - (*p == '-' ? -off : off);
}

static void one(const char *line, size_t off, size_t n, const char *time, struct nfp_record *rec)
{
	char key[600], a[NFP_IPSTR_MAX];
	struct nfp_resolution res;
	const struct nfp_pkt *p = &rec->pkt[0];
	if (nfp_parse(line + off, n - off, rec) != NFP_LOG)
		return;
	nlog++;
	nfp_resolve(&snaps, rec, line + off, &res);
	/* the fate: the rules', else the prefix's word */
	int drop = res.outcome == NFP_V_DROP || res.outcome == NFP_V_REJECT;
	if (res.outcome == NFP_V_NONE && nfp_has(p, NFP_F_PREFIX)) { /* the site's rules, then the conventions */
		struct nfp_origin o = { 0 };
		struct nfp_facts f;
		o.prules = prules;
		nfp_enrich(rec, line + off, &o, NFP_FACT_PREFIX, &f);
		drop = f.prefix.type == 2;
	}
	ndrop += drop != 0;
	if (nfp_has(p, NFP_F_SRC)) {
		a[nfp_format_ip(p->v[NFP_F_SRC].ip.family, p->v[NFP_F_SRC].ip.a, a)] = 0;
		bump(&srcs, a, drop);
	}
	if (nfp_has(p, NFP_F_DST)) {
		a[nfp_format_ip(p->v[NFP_F_DST].ip.family, p->v[NFP_F_DST].ip.a, a)] = 0;
		bump(&dsts, a, drop);
	}
	enum nfp_field pf = nfp_has(p, NFP_F_TCP_DPT) ? NFP_F_TCP_DPT : nfp_has(p, NFP_F_UDP_DPT) ? NFP_F_UDP_DPT : NFP_F__COUNT;
	if (pf != NFP_F__COUNT) {
		snprintf(key, sizeof(key), "%s/%llu", pf == NFP_F_TCP_DPT ? "tcp" : "udp", (unsigned long long)p->v[pf].u);
		bump(&ports, key, drop);
	} else if (nfp_has(p, NFP_F_ICMP_TYPE)) {
		snprintf(key, sizeof(key), "%s type %llu", nfp_has(p, NFP_F_TC) || nfp_has(p, NFP_F_FLOWLBL) ? "icmpv6" : "icmp",
			 (unsigned long long)p->v[NFP_F_ICMP_TYPE].u);
		bump(&ports, key, drop);
	}
	struct ent *e = NULL;
	if (res.status == NFP_RES_RESOLVED && res.rule != NULL) {
		nresolved++;
		const struct nfp_rs_table *t = &res.rs->tables[res.chain->table];
		snprintf(key, sizeof(key), "%s %.*s %.*s #%u: %.*s", res.rs->fmt == NFP_RS_NFT ? "nft" : "iptables",
			 (int)t->name.len, t->name.p, (int)res.chain->name.len, res.chain->name.p, res.number,
			 (int)res.text.len, res.text.p);
		if ((e = bump(&rules, key, drop)) != NULL)
			e->rule = res.rule;
	} else {
		size_t pn = nfp_has(p, NFP_F_PREFIX) ? p->v[NFP_F_PREFIX].s.len : 0;
		snprintf(key, sizeof(key), "prefix \"%.*s\"%s", (int)pn, pn ? line + off + p->v[NFP_F_PREFIX].s.off : "",
			 res.status == NFP_RES_UNRESOLVED ? " (no single rule)" : "");
		bump(&rules, key, drop);
	}
	time_t ts = time[0] ? rfc3339(time) : -1;
	if (ts < 0) {
		nuntimed++;
	} else if (ntimes < MAX_TIMES) {
		if (times == NULL && (times = malloc(MAX_TIMES * sizeof(*times))) == NULL)
			return;
		times[ntimes].t = ts;
		times[ntimes++].drop = drop;
	}
}

static int read_in(FILE *in, void *ctx)
{
	struct nfp_record *rec = ctx;
	char *line = NULL;
	size_t cap = 0;
	ssize_t got;
	while ((got = getline(&line, &cap, in)) >= 0) {
		size_t n = (size_t)got, host, hostlen;
		char time[NFPARSE_TIME_MAX] = "";
		if (n > 0 && line[n - 1] == '\n')
			n--;
		nlines++;
		size_t off = nfparse_input(line, &n, &host, &hostlen, time);
		one(line, off, n, time, rec);
	}
	free(line);
	return ferror(in) ? 1 : 0;
}

/* ---- the page ---- */
static FILE *out;

static void esc(const char *s)
{
	nfparse_html_esc(out, s, strlen(s));
}

static void table(const char *id, const char *title, const struct tally *t, int by_drops, size_t max)
{
	struct ent *e[50];
	size_t n = top(t, by_drops, e, max < 50 ? max : 50);
	unsigned long most = n ? (by_drops ? e[0]->drops : e[0]->n) : 1;
	fprintf(out, "<section id=\"%s\"><h2>%s</h2>\n", id, title);
	if (n == 0) {
		fputs("<p class=\"none\">None in the period.</p></section>\n", out);
		return;
	}
	fputs("<table><tr><th></th><th>records</th><th>dropped</th><th></th></tr>\n", out);
	for (size_t i = 0; i < n; i++) {
		unsigned long v = by_drops ? e[i]->drops : e[i]->n;
		fputs("<tr><td class=\"k\">", out);
		esc(e[i]->key);
		fprintf(out, "</td><td class=\"n\">%lu</td><td class=\"n\">%lu</td><td class=\"bar\"><div style=\"width:%lupx\""
			     " class=\"%s\"></div></td></tr>\n",
			e[i]->n, e[i]->drops, 1 + 200 * v / most, by_drops ? "d" : "h");
	}
	fputs("</table></section>\n", out);
}

static int cmp_time(const void *a, const void *b)
{
	time_t x = ((const struct tp *)a)->t, y = ((const struct tp *)b)->t;
	return x < y ? -1 : x > y;
}

static int cmp_ptr(const void *a, const void *b)
{
	const void *x = *(const void *const *)a, *y = *(const void *const *)b;
	return x < y ? -1 : x > y;
}

/* bars per period: a minute, ten minutes, an hour or a day, at most 60 bars */
static void chart(void)
{
	fputs("<section id=\"over-time\"><h2>Records over time</h2>\n", out);
	if (ntimes == 0) {
		fputs("<p class=\"none\">No record carries a time (give lines with a syslog header, the journal or "
		      "/dev/kmsg).</p></section>\n", out);
		return;
	}
	time_t lo = times[0].t, hi = times[ntimes - 1].t; /* sorted */
	static const long steps[] = { 60, 600, 3600, 86400, 7 * 86400 };
	long step = steps[0];
	for (size_t k = 0; k < sizeof(steps) / sizeof(steps[0]) && (hi - lo) / (step = steps[k]) >= 60; k++)
		;
	lo -= lo % step;
	size_t nb = (size_t)((hi - lo) / step) + 1;
	if (nb > 60)
		nb = 60;
	unsigned long all[60] = { 0 }, dr[60] = { 0 }, most = 1;
	for (size_t i = 0; i < ntimes; i++) {
		size_t b = (size_t)((times[i].t - lo) / step);
		b = b < nb ? b : nb - 1;
		all[b]++;
		dr[b] += times[i].drop != 0;
	}
	for (size_t b = 0; b < nb; b++)
		most = all[b] > most ? all[b] : most;
	int w = (int)(720 / nb), H = 160; /* the chart 720 pixels wide, whatever the bars */
	w = w > 60 ? 60 : w;
	fprintf(out, "<svg width=\"%zu\" height=\"%d\" role=\"img\" aria-label=\"records over time\">\n", nb * (size_t)w + 60,
		H + 40);
	for (size_t b = 0; b < nb; b++) {
		int h = (int)(H * all[b] / most), hd = (int)(H * dr[b] / most);
		fprintf(out, "<rect class=\"all\" x=\"%zu\" y=\"%d\" width=\"%d\" height=\"%d\"><title>%lu records, %lu dropped</title></rect>",
			50 + b * (size_t)w, 10 + H - h, w - 2, h, all[b], dr[b]);
		if (hd > 0)
			fprintf(out, "<rect class=\"drop\" x=\"%zu\" y=\"%d\" width=\"%d\" height=\"%d\"/>", 50 + b * (size_t)w,
				10 + H - hd, w - 2, hd);
		fputc('\n', out);
	}
	char a[32], z[32];
	time_t last = lo + (time_t)nb * step;
	strftime(a, sizeof(a), "%Y-%m-%d %H:%M", gmtime(&lo));
	strftime(z, sizeof(z), "%Y-%m-%d %H:%M", gmtime(&last));
	fprintf(out, "<text x=\"50\" y=\"%d\">%s</text><text x=\"%zu\" y=\"%d\" text-anchor=\"end\">%s UTC</text>\n", H + 30, a,
		50 + nb * (size_t)w, H + 30, z);
	fprintf(out, "<text x=\"4\" y=\"20\">%lu</text><text x=\"4\" y=\"%d\">0</text></svg>\n", most, H + 10);
	fprintf(out, "<p class=\"sum\">One bar per %s; red: dropped.", step == 60 ? "minute" : step == 600 ? "ten minutes" :
		step == 3600 ? "hour" : step == 86400 ? "day" : "week");
	if (nuntimed)
		fprintf(out, " %lu records without a time are not charted.", nuntimed);
	fputs("</p></section>\n", out);
}

/* the LOG rules of a snapshot no record came from */
static void never(void)
{
	const struct nfp_ruleset *all[3] = { snaps.ipt4, snaps.ipt6, snaps.nft };
	unsigned long listed = 0;
	fputs("<section id=\"never-hit\"><h2>Logging rules never hit in the period</h2>\n", out);
	if (all[0] == NULL && all[1] == NULL && all[2] == NULL) {
		fputs("<p class=\"none\">No snapshot given (--iptables-rules, --ip6tables-rules, --nft-rules).</p></section>\n", out);
		return;
	}
	/* the rules records came from, sorted for lookups */
	const void **hit = calloc(rules.used + 1, sizeof(*hit));
	size_t nhit = 0;
	for (size_t k = 0; hit != NULL && k < rules.cap; k++)
		if (rules.e[k].key != NULL && rules.e[k].rule != NULL)
			hit[nhit++] = rules.e[k].rule;
	if (hit != NULL)
		qsort(hit, nhit, sizeof(*hit), cmp_ptr);
	fputs("<table><tr><th>snapshot</th><th>table</th><th>chain</th><th>#</th><th>rule</th></tr>\n", out);
	for (int s = 0; s < 3; s++) {
		const struct nfp_ruleset *rs = all[s];
		if (rs == NULL || (s == 1 && rs == all[0]))
			continue;
		for (uint32_t i = 0; i < rs->nrules; i++) {
			const struct nfp_rs_rule *r = &rs->rules[i];
			const void *rp = r;
			if (r->prefix.len == 0 || (hit != NULL && bsearch(&rp, hit, nhit, sizeof(*hit), cmp_ptr) != NULL))
				continue;
			const struct nfp_rs_chain *c = &rs->chains[r->chain];
			const struct nfp_rs_table *t = &rs->tables[c->table];
			char txt[600];
			snprintf(txt, sizeof(txt), "%.*s", (int)r->text.len, r->text.p);
			fputs("<tr class=\"never\"><td>", out);
			esc(rs->path);
			fprintf(out, "</td><td>%.*s</td><td>%.*s</td><td>%u</td><td>", (int)t->name.len, t->name.p, (int)c->name.len,
				c->name.p, r->number);
			esc(txt);
			fputs("</td></tr>\n", out);
			listed++;
		}
	}
	free(hit);
	fputs("</table>\n", out);
	if (listed == 0)
		fputs("<p class=\"none\">Every logging rule was hit.</p>\n", out);
	fputs("</section>\n", out);
}

static void page(void)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>nfparse report</title>\n<style>\n"
	      "body{font:14px/1.4 sans-serif;margin:16px;color:#222;background:#fff}h2{font-size:16px;margin:22px 0 6px}\n"
	      ".sum{color:#555}.none{color:#777;font-style:italic}\n"
	      "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;font:12px monospace;text-align:left}\n"
	      "td.n{text-align:right}td.bar{border:none;width:210px}td.bar div{height:10px}div.h{background:#357}div.d{background:#b00}\n"
	      "tr.never td{color:#999}svg rect.all{fill:#357}svg rect.drop{fill:#b00}svg text{font:11px monospace;fill:#444}\n"
	      ".grid{display:flex;flex-wrap:wrap;gap:0 28px}\n"
	      "</style></head><body>\n<h1>Firewall report</h1>\n",
	      out);
	fprintf(out, "<p class=\"sum\" id=\"summary\">%lu lines read, <b>%lu LOG records</b>, <b>%lu dropped</b>",
		nlines, nlog, ndrop);
	if (snaps.ipt4 != NULL || snaps.ipt6 != NULL || snaps.nft != NULL)
		fprintf(out, ", %lu resolved to one rule of the snapshots", nresolved);
	if (ntimes) {
		char a[32], z[32];
		strftime(a, sizeof(a), "%Y-%m-%d %H:%M:%S", gmtime(&times[0].t));
		strftime(z, sizeof(z), "%Y-%m-%d %H:%M:%S", gmtime(&times[ntimes - 1].t));
		fprintf(out, "; from %s to %s UTC", a, z);
	}
	fputs(".</p>\n", out);
	chart();
	fputs("<div class=\"grid\">\n", out);
	table("top-sources", "Top sources", &srcs, 0, 10);
	table("top-destinations", "Top destinations", &dsts, 0, 10);
	table("top-ports", "Top destination ports", &ports, 0, 10);
	fputs("</div>\n", out);
	table("top-rules", "Top rules by records", &rules, 0, 15);
	table("top-drops", "Top rules by drops", &rules, 1, 15);
	never();
	fputs("</body></html>\n", out);
}

int nfparse_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "html", required_argument, NULL, 'o' }, { "iptables-rules", required_argument, NULL, '4' },
		{ "ip6tables-rules", required_argument, NULL, '6' }, { "nft-rules", required_argument, NULL, 'N' },
		{ "prefix-rules", required_argument, NULL, 'P' }, { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 }
	};
	const char *html = NULL;
	static struct nfp_record rec;
	int c, rc;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': html = optarg; break;
		case '4':
		case '6':
		case 'N':
			if (nfparse_load_rules(&snaps, c == '4' ? 0 : c == '6' ? 1 : 2, optarg) != 0)
				return 2;
			break;
		case 'P': {
			char err[512];
			if ((prules = nfp_prefix_rules_load(optarg, err, sizeof(err))) == NULL) {
				fprintf(stderr, "nfparse report: --prefix-rules: %s\n", err);
				return 2;
			}
			break;
		}
		case 'h':
			puts("usage: nfparse report --html FILE [--iptables-rules F] [--ip6tables-rules F] [--nft-rules F]\n"
			     "                      [--prefix-rules F] [FILE...]\n"
			     "One page over the LOG records of the input (files, or stdin): records over time, top\n"
			     "sources, destinations, ports, rules by records and by drops, logging rules never hit.");
			return 0;
		default:
			fputs("usage: nfparse report --html FILE [rules options] [FILE...] (nfparse report --help)\n", stderr);
			return 2;
		}
	}
	if (html == NULL) {
		fputs("nfparse report: --html FILE is required (the page to write)\n", stderr);
		return 2;
	}
	if ((out = fopen(html, "w")) == NULL) {
		fprintf(stderr, "nfparse report: --html %s: cannot write: ", html);
		perror(NULL);
		return 1;
	}
	rc = nfparse_each_input(argc, argv, optind, "nfparse report", read_in, &rec);
	if (ntimes)
		qsort(times, ntimes, sizeof(*times), cmp_time);
	page();
	if (fclose(out) != 0)
		rc = 1;
	fprintf(stderr, "nfparse report: %lu LOG records (%lu dropped) of %lu lines -> %s\n", nlog, ndrop, nlines, html);
	tally_free(&srcs);
	tally_free(&dsts);
	tally_free(&ports);
	tally_free(&rules);
	free(times);
	nfp_prefix_rules_free(prules);
	nfparse_free_rules(&snaps);
	return rc;
}
