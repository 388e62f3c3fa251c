/* nfparse explain: trace records (kernel TRACE, xtables-monitor --trace, nft monitor trace)
 * grouped into packets by trace.packet; per packet its walk (one line per step, with the rule
 * each step resolved to), where each table/hook decided, the verdict and the rule that decided
 * it, and the rules that decision kept from running (e.g. SNAT rules below an ACCEPT in nat
 * POSTROUTING). Text for people, --json for programs (one object per packet).
 */
#include <errno.h>
#include <poll.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
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
	fin = nfp_walk_final(w, sg, ns); /* a drop or reject is always a decided segment */
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
				if (same_t)
					printf("  so the %.*s rule%s below", (int)rwn, rw, nv.nreached > 1 ? "s" : "");
				else
					printf("  so the terminal rule%s below", nv.nreached > 1 ? "s" : "");
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
	fin = nfp_walk_final(w, sg, ns);
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
static int json_out;

/* live: each walk is told as soon as it is settled (a drop or reject) or has had no new step
 * for `idle` seconds, while the input stays open (a pipe from a monitor, tail -f) */
static int live;
static double idle = 2.0;
static double *touched; /* per walk: when it last got a step (monotonic seconds) */
static size_t told;     /* walks told so far: their numbers */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void tell(struct nfp_walk *w)
{
	nfparse_html_walk(w);
	if (json_out)
		print_json(w);
	else
		print_text(w, ++told);
	fflush(stdout);
	nfp_walk_done(w);
}

/* the walks no step came for in `idle` seconds (all of them at the end of the input) */
static void tell_quiet(double now, int all)
{
	for (size_t i = 0; i < walks.n; i++)
		if (!walks.w[i].done && (all || now - touched[i] >= idle))
			tell(&walks.w[i]);
}

/* a trace record joins its packet's walk (identified by trace.packet, the enrich stage's):
 * the walk's index, -1 out of memory, -2 not a trace step */
/* LOG records: walked from their packet fields; told at once when live, after the walks
 * otherwise (their lines kept until then) */
static char **logs;
static size_t nlogs, logs_cap;

static int log_record(const char *text, size_t n, struct nfp_record *rec)
{
	if (live) {
		nfparse_whatif_log(&snaps, rec, text, json_out);
		fflush(stdout);
		return -2;
	}
	if (nlogs == logs_cap) {
		size_t nc = logs_cap ? logs_cap * 2 : 64;
		char **nl = realloc(logs, nc * sizeof(*nl));
		if (nl == NULL)
			return -1;
		logs = nl;
		logs_cap = nc;
	}
	if ((logs[nlogs] = malloc(n + 1)) == NULL)
		return -1;
	memcpy(logs[nlogs], text, n);
	logs[nlogs++][n] = 0;
	return -2;
}

static int add_step(const char *text, size_t n, const char *host, size_t hostn, struct nfp_record *rec)
{
	struct nfp_step st;
	char id[NFP_PKTID_MAX];
	nfp_parse(text, n, rec);
	if (!nfp_step_of(rec, &st)) {
		if (rec->type == NFP_LOG)
			return log_record(text, n, rec);
		return -2;
	}
	int i = nfp_walks_add(&walks, text, n, host, hostn, id, nfp_packet_id(rec, text, host, hostn, id), rec);
	if (i >= 0 && live) {
		static size_t cap;
		if ((size_t)i >= cap) {
			size_t nc = cap ? cap * 2 : 256;
			while (nc <= (size_t)i)
				nc *= 2;
			double *t = realloc(touched, nc * sizeof(*t));
			if (t == NULL)
				return -1;
			touched = t;
			cap = nc;
		}
		touched[i] = now_s();
		if (nfp_walk_settled(&walks.w[i]))
			tell(&walks.w[i]);
	}
	return i;
}

static int one_line(char *line, size_t n, struct nfp_record *rec)
{
	size_t off = 0, host = 0, hostlen = 0;
	char time[NFPARSE_TIME_MAX];
	if (!msg_mode)
		off = nfparse_input(line, &n, &host, &hostlen, time); /* -m: the parser drops a CRLF's CR itself */
	const char *h = line + host;
	if (hostlen == 0 && fixed_host != NULL)
		h = fixed_host, hostlen = strlen(fixed_host);
	if (add_step(line + off, n - off, h, hostlen, rec) == -1) {
		fputs("nfparse explain: out of memory\n", stderr);
		return 1;
	}
	return 0;
}

/* live input: lines as they come (read(2), not stdio's buffer, so that a quiet second can be
 * seen), and the walks told as they settle or go quiet */
static int read_live(FILE *in, struct nfp_record *rec)
{
	int fd = fileno(in);
	char *buf = NULL;
	size_t have = 0, cap = 0;
	for (;;) {
		char *nl;
		while ((nl = have ? memchr(buf, '\n', have) : NULL) != NULL) {
			size_t n = (size_t)(nl - buf);
			if (one_line(buf, n, rec) != 0) {
				free(buf);
				return 1;
			}
			memmove(buf, nl + 1, have - n - 1);
			have -= n + 1;
		}
		struct pollfd pfd = { fd, POLLIN, 0 };
		int r = poll(&pfd, 1, (int)(idle * 1000 / 4));
		if (r == 0) {
			tell_quiet(now_s(), 0);
			continue;
		}
		if (have + 65536 > cap) {
			char *nb = realloc(buf, cap = have + 65536);
			if (nb == NULL) {
				free(buf);
				return 1;
			}
			buf = nb;
		}
		ssize_t got = read(fd, buf + have, cap - have - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) { /* the end: a last line without '\n' too */
			int rc = have > 0 ? one_line(buf, have, rec) : 0;
			free(buf);
			return rc || got < 0;
		}
		have += (size_t)got;
		tell_quiet(now_s(), 0);
	}
}

static int read_input(FILE *in, void *ctx)
{
	struct nfp_record *rec = ctx;
	char *line = NULL;
	size_t cap = 0;
	ssize_t got;
	int rc = 0;
	if (live)
		return read_live(in, rec);
	while ((got = getline(&line, &cap, in)) >= 0) {
		size_t n = (size_t)got;
		if (n > 0 && line[n - 1] == '\n')
			n--;
		if ((rc = one_line(line, n, rec)) != 0)
			break;
	}
	free(line);
	return rc || ferror(in) ? 1 : 0;
}

int nfparse_explain(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' }, { "msg", no_argument, NULL, 'm' }, { "help", no_argument, NULL, 'h' },
		{ "iptables-rules", required_argument, NULL, '4' }, { "ip6tables-rules", required_argument, NULL, '6' },
		{ "nft-rules", required_argument, NULL, 'N' }, { "host", required_argument, NULL, 'H' },
		{ "live", no_argument, NULL, 'L' }, { "batch", no_argument, NULL, 'B' }, { "idle", required_argument, NULL, 'I' },
		{ "packet", required_argument, NULL, 'P' }, { "html", required_argument, NULL, 'T' }, { NULL, 0, NULL, 0 }
	};
	int json = 0, msg = 0, c, rc = 0, live_opt = -1;
	const char *packets[16], *html = NULL;
	size_t npackets = 0;
	static struct nfp_record rec;
	optind = 1;
	while ((c = getopt_long(argc, argv, "jmh", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'H': fixed_host = optarg; break;
		case 'm': msg = 1; break;
		case 'L': live_opt = 1; break;
		case 'T': html = optarg; break;
		case 'P':
			if (npackets == sizeof(packets) / sizeof(packets[0])) {
				fputs("nfparse explain: at most 16 --packet\n", stderr);
				return 2;
			}
			packets[npackets++] = optarg;
			break;
		case 'B': live_opt = 0; break;
		case 'I': {
			char *end;
			idle = strtod(optarg, &end);
			if (*end != 0 || !(idle >= 0.1 && idle <= 3600)) {
				fprintf(stderr, "nfparse explain: --idle: '%s' is not a number of seconds (0.1 to 3600)\n", optarg);
				return 2;
			}
			break;
		}
		case 'h':
			puts("usage: nfparse explain [--json] [-m] [--iptables-rules FILE] [--ip6tables-rules FILE] "
			     "[--nft-rules FILE] [--host NAME] [--live|--batch] [--idle SECONDS] [FILE...]\n"
			     "       nfparse explain [--json] --packet 'tcp 10.0.0.4:40000 > 192.168.0.19:80 in eth0 [out eth1] "
			     "[flags S] [ct new] [mark N]' RULES...\n"
			     "       --html FILE: the walks also as pictures, one self-contained page");
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
	json_out = json;
	if (html != NULL && nfparse_html_open(html) != 0)
		return 2;
	if (npackets > 0) { /* what if: no input read */
		if (!snaps.ipt4 && !snaps.ipt6 && !snaps.nft) {
			fputs("nfparse explain: --packet needs a snapshot (--iptables-rules, --ip6tables-rules, --nft-rules)\n", stderr);
			return 2;
		}
		for (size_t i = 0; i < npackets && rc == 0; i++)
			rc = nfparse_whatif(&snaps, packets[i], json);
		nfparse_html_close();
		nfparse_free_rules(&snaps);
		return rc;
	}
	walks.snaps = &snaps;
	/* live where the input is a stream that stays open (stdin a pipe or a terminal, one FIFO):
	 * walks are told as they complete; a file is read whole and its walks told in order */
	if (live_opt >= 0) {
		live = live_opt;
	} else {
		struct stat sb;
		const char *one = optind + 1 == argc ? argv[optind] : optind == argc ? "-" : NULL;
		live = one != NULL && (strcmp(one, "-") == 0 ? fstat(0, &sb) == 0 : stat(one, &sb) == 0) && !S_ISREG(sb.st_mode);
	}
	rc = nfparse_each_input(argc, argv, optind, "nfparse explain", read_input, &rec);
	if (live)
		tell_quiet(0, 1);
	else
		for (size_t i = 0; i < walks.n; i++) {
			nfparse_html_walk(&walks.w[i]);
			if (json)
				print_json(&walks.w[i]);
			else
				print_text(&walks.w[i], i + 1);
		}
	for (size_t i = 0; i < nlogs; i++) {
		static struct nfp_record lrec;
		nfp_parse(logs[i], strlen(logs[i]), &lrec);
		nfparse_whatif_log(&snaps, &lrec, logs[i], json);
		free(logs[i]);
	}
	free(logs);
	nfparse_html_close();
	if (walks.n == 0 && nlogs == 0 && !json)
		puts("no trace or LOG records in the input");
	free(touched);
	nfp_walks_free(&walks);
	nfparse_free_rules(&snaps);
	return rc;
}
