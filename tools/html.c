/* nfparse explain --html FILE: each walk as a picture over the netfilter hooks. One
 * self-contained page (inline CSS and SVG, nothing fetched): per packet, the five hooks as
 * boxes, the chains the packet entered listed in the box of their hook, the step that decided
 * highlighted (red: dropped or rejected, green: let through), steps that assumed an undecided
 * condition in orange, hooks the packet did not pass greyed, NAT rewrites written on the
 * arrows; below, the steps as a table and the rules the decision kept from running, greyed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nfp.h"
#include "rules/walk.h"
#include "rules/nfp_match.h"
#include "nfparse.h"

/* one step of a picture, whatever made the walk (trace or static) */
struct pstep {
	int hook;            /* 0..4: prerouting, input, forward, output, postrouting; 5: not known */
	char name[160];      /* "nat:PREROUTING:rule:1" */
	char target[80];
	char text[600];
	enum nfp_verdict v;
	int decider, assumed;
};

static FILE *out;
static unsigned nwalks;

void nfparse_html_esc(FILE *f, const char *s, size_t n)
{
	for (size_t i = 0; i < n && s[i] && s[i] != '\n'; i++) {
		switch (s[i]) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(s[i], f);
		}
	}
}

static void esc(const char *s, size_t n)
{
	nfparse_html_esc(out, s, n);
}

static void escs(const char *s)
{
	esc(s, strlen(s));
}

int nfparse_html_open(const char *path)
{
	if ((out = fopen(path, "w")) == NULL) {
		fprintf(stderr, "nfparse explain: --html %s: cannot write: ", path);
		perror(NULL);
		return -1;
	}
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>nfparse explain</title>\n<style>\n"
	      "body{font:14px/1.4 sans-serif;margin:16px;color:#222;background:#fff}\n"
	      "h2{font-size:16px;margin:24px 0 4px}.sum{color:#555;margin:0 0 8px}\n"
	      ".verdict-drop{color:#b00;font-weight:bold}.verdict-accept{color:#070;font-weight:bold}\n"
	      "table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:2px 6px;font:12px monospace;text-align:left}\n"
	      "tr.decider td{background:#fdd}tr.decider.accept td{background:#dfd}tr.assumed td{background:#fec}\n"
	      "tr.never td{color:#999}\n"
	      "svg text{font:11px monospace}svg .title{font:bold 12px sans-serif}\n"
	      "</style></head><body>\n<h1>Which rule took the packet</h1>\n",
	      out);
	return 0;
}

void nfparse_html_close(void)
{
	if (out == NULL)
		return;
	if (nwalks == 0)
		fputs("<p>No walks in the input.</p>\n", out);
	fputs("</body></html>\n", out);
	fclose(out);
	out = NULL;
}

static const char *const hook_title[6] = { "PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING", "other" };
/* box positions: the packet-flow diagram's places (forwarded along the top, this host below) */
static const int bx[6] = { 10, 165, 320, 475, 630, 10 }, by[6] = { 40, 280, 40, 280, 40, 280 };
#define BW 260
#define BH 190

static void picture(const struct pstep *s, size_t n, const char *nat_note[5], enum nfp_verdict fate)
{
	int seen[6] = { 0 };
	for (size_t i = 0; i < n; i++)
		seen[s[i].hook] = 1;
	fputs("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"900\" height=\"480\" role=\"img\">\n", out);
	fputs("<defs><marker id=\"arr\" markerWidth=\"10\" markerHeight=\"7\" refX=\"10\" refY=\"3.5\" orient=\"auto\">"
	      "<polygon points=\"0 0, 10 3.5, 0 7\" fill=\"#555\"/></marker></defs>\n",
	      out);
	/* arrows: pre -> fwd -> post along the top; pre -> input and output -> post down and up;
	 * input -> output: the local process */
	static const int arrows[][2] = { { 0, 2 }, { 2, 4 }, { 0, 1 }, { 3, 4 }, { 1, 3 } };
	for (size_t a = 0; a < sizeof(arrows) / sizeof(arrows[0]); a++) {
		int f = arrows[a][0], t = arrows[a][1], on = seen[f] && seen[t];
		int x1 = bx[f] + BW, y1 = by[f] + BH / 2, x2 = bx[t], y2 = by[t] + BH / 2;
		if (f == 0 && t == 1) /* down */
			x1 = bx[0] + BW / 2 + 40, y1 = by[0] + BH, x2 = bx[1] + BW / 2 - 40, y2 = by[1];
		if (f == 3 && t == 4) /* up */
			x1 = bx[3] + BW / 2 + 40, y1 = by[3], x2 = bx[4] + BW / 2 - 40, y2 = by[4] + BH;
		if (f == 1 && t == 3)
			x1 = bx[1] + BW, y1 = by[1] + BH / 2, x2 = bx[3], y2 = by[3] + BH / 2;
		fprintf(out, "<line class=\"arrow%s\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"%d\" "
			     "marker-end=\"url(#arr)\"/>\n",
			on ? " used" : "", x1, y1, x2, y2, on ? "#333" : "#ccc", on ? 3 : 1);
		if (on && nat_note[f] != NULL) { /* the NAT rewrite made in the hook the arrow leaves */
			fprintf(out, "<text class=\"nat\" x=\"%d\" y=\"%d\" fill=\"#06c\">", (x1 + x2) / 2 - 60, (y1 + y2) / 2 - 6);
			esc(nat_note[f], 40);
			fputs("</text>\n", out);
		}
	}
	for (int h = 0; h < 5; h++) {
		int line = 0;
		fprintf(out, "<clipPath id=\"clip-%s\"><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/></clipPath>\n",
			hook_title[h], bx[h] - 1, by[h] - 1, BW + 2, BH + 2);
		fprintf(out, "<g class=\"hook%s\" id=\"hook-%s\" clip-path=\"url(#clip-%s)\"><rect x=\"%d\" y=\"%d\" width=\"%d\" "
			     "height=\"%d\" rx=\"6\" fill=\"%s\" stroke=\"%s\"/>\n",
			seen[h] ? " passed" : " unused", hook_title[h], hook_title[h], bx[h], by[h], BW, BH,
			seen[h] ? "#f7f7ff" : "#f2f2f2", seen[h] ? "#446" : "#ccc");
		fprintf(out, "<text class=\"title\" x=\"%d\" y=\"%d\" fill=\"%s\">%s</text>\n", bx[h] + 8, by[h] + 16,
			seen[h] ? "#224" : "#aaa", hook_title[h]);
		for (size_t i = 0; i < n && line < 11; i++) {
			if (s[i].hook != h)
				continue;
			const char *col = s[i].decider ? (nfp_verdict_final(fate) ? "#b00" : "#070") : s[i].assumed ? "#c60" : "#333";
			fprintf(out, "<text class=\"step%s\" x=\"%d\" y=\"%d\" fill=\"%s\"%s>", s[i].decider ? " decider" : "", bx[h] + 8,
				by[h] + 34 + 14 * line, col, s[i].decider ? " font-weight=\"bold\"" : "");
			char shortname[40];
			snprintf(shortname, sizeof(shortname), "%s", s[i].name);
			escs(shortname);
			fputc(' ', out);
			esc(s[i].target, 12);
			fputs("</text>\n", out);
			line++;
		}
		fputs("</g>\n", out);
	}
	fprintf(out, "<text x=\"10\" y=\"22\" class=\"title\">forwarded: along the top; to and from this host: "
		     "below</text>\n</svg>\n");
}

static void steps_table(const struct pstep *s, size_t n, enum nfp_verdict fate)
{
	fputs("<table class=\"steps\"><tr><th>#</th><th>hook</th><th>step</th><th>target</th><th>rule</th></tr>\n", out);
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "<tr class=\"%s%s\"><td>%zu</td><td>%s</td><td>", s[i].decider ? "decider" : s[i].assumed ? "assumed" : "",
			s[i].decider && !nfp_verdict_final(fate) ? " accept" : "", i + 1, hook_title[s[i].hook]);
		escs(s[i].name);
		fputs("</td><td>", out);
		escs(s[i].target);
		fputs("</td><td>", out);
		escs(s[i].text);
		fputs("</td></tr>\n", out);
	}
	fputs("</table>\n", out);
}

static int hook_of_chain(const char *c, size_t n)
{
	for (int h = 0; h < 5; h++)
		if (strlen(hook_title[h]) == n && memcmp(hook_title[h], c, n) == 0)
			return h;
	return -1;
}

static int hook_of_bit(unsigned b)
{
	for (int h = 0; h < 5; h++)
		if (b == (1u << h))
			return h;
	return -1;
}

static void head(const char *title, const char *summary, enum nfp_verdict fate, const char *decided)
{
	nwalks++;
	fputs("<section class=\"walk\"><h2>", out);
	escs(title);
	fputs("</h2><p class=\"sum\">", out);
	escs(summary);
	fprintf(out, "</p><p>verdict: <span class=\"%s\">%s</span>", nfp_verdict_final(fate) ? "verdict-drop" : "verdict-accept",
		fate == NFP_V_DROP ? "DROP" : fate == NFP_V_REJECT ? "REJECT" : fate == NFP_V_QUEUE ? "QUEUE"
		: fate == NFP_V_UNKNOWN ? "unknown" : "ACCEPT");
	if (decided != NULL && decided[0]) {
		fputs(", decided by <b>", out);
		escs(decided);
		fputs("</b>", out);
	}
	fputs("</p>\n", out);
}

void nfparse_html_walk(const struct nfp_walk *w)
{
	struct nfp_segment *sg;
	struct pstep *ps;
	size_t ns, np = 0;
	int fin;
	const char *nat_note[5] = { NULL };
	char title[200], dec[200] = "";
	if (out == NULL || w->n == 0)
		return;
	sg = calloc(w->n + 1, sizeof(*sg));
	ps = calloc(w->n + 1, sizeof(*ps));
	if (sg == NULL || ps == NULL) {
		free(sg);
		free(ps);
		return;
	}
	ns = nfp_walk_segments(w, sg);
	fin = nfp_walk_final(w, sg, ns);
	for (size_t k = 0; k < ns; k++) {
		const struct nfp_wstep *f = &w->steps[sg[k].first];
		int hook = hook_of_chain(f->line + f->st.chain.off, f->st.chain.len);
		if (hook < 0 && f->res.chain != NULL)
			hook = hook_of_bit(f->res.chain->base);
		for (size_t i = sg[k].first; i <= sg[k].last; i++) {
			const struct nfp_wstep *e = &w->steps[i];
			struct pstep *p = &ps[np];
			static const char *const ty[] = { "?", "rule", "return", "policy", "packet" };
			if (e->st.type == NFP_ST_PACKET)
				continue;
			p->hook = hook < 0 ? 5 : hook;
			uint32_t num = e->st.number ? e->st.number : e->res.status == NFP_RES_RESOLVED ? e->res.number : 0;
			snprintf(p->name, sizeof(p->name), "%.*s:%.*s:%s", (int)e->st.table.len, e->line + e->st.table.off,
				 (int)e->st.chain.len, e->line + e->st.chain.off, ty[e->st.type]);
			if (num)
				snprintf(p->name + strlen(p->name), sizeof(p->name) - strlen(p->name), ":%u", num);
			if (e->res.status == NFP_RES_RESOLVED) {
				snprintf(p->target, sizeof(p->target), "%.*s", (int)e->res.target.len, e->res.target.p);
				snprintf(p->text, sizeof(p->text), "%.*s", (int)e->res.text.len, e->res.text.p);
			} else {
				snprintf(p->target, sizeof(p->target), "%.*s", (int)e->st.verdict.len, e->line + e->st.verdict.off);
				snprintf(p->text, sizeof(p->text), "%s%s", e->res.reason ? "(unresolved: " : "", e->res.reason ? e->res.reason : "");
				if (e->res.reason)
					strncat(p->text, ")", sizeof(p->text) - strlen(p->text) - 1);
			}
			p->v = e->v;
			p->decider = fin >= 0 && sg[fin].decided == (int)i;
			if (p->decider)
				snprintf(dec, sizeof(dec), "%s", p->name);
			if (e->v == NFP_V_NAT && p->hook < 5 && e->res.status == NFP_RES_RESOLVED)
				nat_note[p->hook] = e->res.rule != NULL ? e->res.rule->target.p : NULL;
			np++;
		}
	}
	snprintf(title, sizeof(title), "packet %s%s%s", w->id, w->host[0] ? " on " : "", w->host);
	enum nfp_verdict fate = fin >= 0 ? (sg[fin].v == NFP_V_NAT ? NFP_V_ACCEPT : sg[fin].v) : NFP_V_UNKNOWN;
	head(title, w->summary, fate, dec);
	picture(ps, np, nat_note, fate);
	steps_table(ps, np, fate);
	if (fin >= 0 && sg[fin].decided >= 0) {
		struct nfp_never nv;
		if (nfp_walk_never_run(w, &sg[fin], &nv) && nv.nskipped > 0) {
			fputs("<p>Rules the decision kept from running:</p><table class=\"never\">\n", out);
			for (size_t i = 0; i < nv.nskipped; i++) {
				fputs("<tr class=\"never\"><td>", out);
				esc(nv.skipped[i]->text.p, nv.skipped[i]->text.len);
				fputs("</td></tr>\n", out);
			}
			for (size_t i = 0; i < nv.nreached; i++) {
				fputs("<tr class=\"never\"><td>&#8594; ", out);
				esc(nv.reached[i]->text.p, nv.reached[i]->text.len);
				fputs("</td></tr>\n", out);
			}
			fputs("</table>\n", out);
		}
	}
	fputs("</section>\n", out);
	free(sg);
	free(ps);
}

void nfparse_html_static(const char *title, const char *what, const struct nfp_ruleset *rs, const struct nfp_swalk *w)
{
	static struct pstep ps[NFP_SWALK_MAX];
	const char *nat_note[5] = { NULL };
	char dec[200] = "";
	if (out == NULL)
		return;
	for (unsigned i = 0; i < w->n; i++) {
		const struct nfp_swalk_step *s = &w->step[i];
		const struct nfp_rs_table *t = &rs->tables[s->chain->table];
		struct pstep *p = &ps[i];
		int h = hook_of_bit(s->hook);
		p->hook = h < 0 ? 5 : h;
		if (s->rule != NULL) {
			snprintf(p->name, sizeof(p->name), "%.*s:%.*s:rule:%u", (int)t->name.len, t->name.p, (int)s->chain->name.len,
				 s->chain->name.p, s->rule->number);
			snprintf(p->target, sizeof(p->target), "%.*s", (int)s->rule->target.len, s->rule->target.p);
			snprintf(p->text, sizeof(p->text), "%.*s%s%.*s%s", (int)s->rule->text.len, s->rule->text.p,
				 s->match == NFP_UNKNOWN ? "   (assumed to match: " : "", s->match == NFP_UNKNOWN ? (int)s->why.len : 0,
				 s->why.p ? s->why.p : "", s->match == NFP_UNKNOWN ? ")" : "");
		} else {
			snprintf(p->name, sizeof(p->name), "%.*s:%.*s:%s", (int)t->name.len, t->name.p, (int)s->chain->name.len,
				 s->chain->name.p, s->verdict == NFP_V_RETURN ? "return" : "policy");
			snprintf(p->target, sizeof(p->target), "%s", s->verdict == NFP_V_RETURN ? "RETURN" : "");
			if (s->verdict != NFP_V_RETURN)
				snprintf(p->target, sizeof(p->target), "%.*s", (int)s->chain->policy.len, s->chain->policy.p);
			snprintf(p->text, sizeof(p->text), "%.*s", (int)s->chain->decl.len, s->chain->decl.p);
		}
		p->v = s->verdict;
		p->assumed = s->match == NFP_UNKNOWN;
		p->decider = w->decider == (int)i;
		if (p->decider)
			snprintf(dec, sizeof(dec), "%s", p->name);
		if (s->verdict == NFP_V_NAT && p->hook < 5)
			nat_note[p->hook] = s->rule->target.p;
	}
	head(title, what, w->verdict == NFP_V_NAT ? NFP_V_ACCEPT : w->verdict, dec);
	picture(ps, w->n, nat_note, w->verdict);
	steps_table(ps, w->n, w->verdict);
	fputs("</section>\n", out);
}
