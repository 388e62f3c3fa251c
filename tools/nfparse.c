/* nfparse: netfilter kernel-log lines in (files or stdin: raw kernel lines, dmesg output,
 * syslog files such as kern.log), JSON lines out: the same object mmnetfilter stores in its
 * container, built by the same core. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nfp.h"
#include "emit/nfp_json.h"
#include "nfparse.h"

enum input_mode { IN_AUTO, IN_MSG };

struct stats {
	unsigned long lines, by_type[NFP_FRAGMENT + 1], truncated;
};

static void usage(FILE *f)
{
	fputs("usage: nfparse [-a] [-e] [-m] [-n] [-s] [RULES] [FILE...]\n"
	      "       nfparse explain [--json] [-m] [RULES] [FILE...]\n"
	      "       nfparse report --html PAGE [RULES] [--prefix-rules FILE] [FILE...]\n"
	      "       nfparse --version\n"
	      "  Reads netfilter kernel-log lines (files or stdin) and writes one JSON object per\n"
	      "  netfilter record, as mmnetfilter stores it in its container.\n"
	      "  -a, --all        write a line for every input line: null when it is no record\n"
	      "  -e, --ecs        the ECS schema (as schema=\"ecs\"); host from the syslog header\n"
	      "  -m, --msg        input lines are message texts: do not strip a syslog header\n"
	      "  -n, --no-output  parse (and build JSON) but write nothing: for timing\n"
	      "  -s, --stats      counts per record type on stderr at the end\n"
	      "  --fields LIST    only these fields of the native record (as the module's fields=):\n"
	      "                   JSON paths (ip.src, tcp.dpt, prefix), objects (ip, tcp, trace), sets\n"
	      "                   (addresses, ports, protocol, interfaces, action), rule, unknown, invalid,\n"
	      "                   inner, all\n"
	      "  --host NAME      host of lines without a syslog header (mixed into trace.packet,\n"
	      "                   as the module mixes in the message's HOSTNAME)\n"
	      "  --prefix-rules FILE  a site's LOG prefix conventions (as the module's prefixRules=):\n"
	      "                   action, type, rule and tags of a matching prefix (native: prefix_rule)\n"
	      "  RULES: ruleset snapshots the records are resolved against (adds the \"rule\" object):\n"
	      "  --iptables-rules FILE   iptables-save output (IPv4)\n"
	      "  --ip6tables-rules FILE  ip6tables-save output (IPv6)\n"
	      "  --nft-rules FILE        nft [-a] list ruleset output\n"
	      "  explain: groups trace records (kernel TRACE, xtables-monitor --trace, nft monitor\n"
	      "  trace) into packets and prints each packet's walk, where each table decided, the\n"
	      "  verdict and the rule that decided it (--json: one object per packet).\n", f);
}

/* JSON text straight from the record (nfp_to_json_text: the same document the module's
 * libfastjson object prints as), into one buffer that grows as lines need */
/* event.id of a line with a time: SHA-1 of host, time and text, and a line identical to one
 * before it (within the last 65536 distinct lines) is another event: the Nth repeat gets N
 * mixed in. Reading the same file again gives the same ids; no two lines of it share one. */
static int line_id(const char *host, const char *time, const char *msg, size_t n, uint8_t d[20])
{
	enum { SLOTS = 1 << 17 };
	static struct slot {
		uint8_t d[20];
		uint32_t n;
	} *tab;
	static size_t used;
	size_t h = 0;
	if (time == NULL)
		return 0;
	nfp_event_digest(host, host ? strlen(host) : 0, time, strlen(time), msg, n, d);
	if (tab == NULL && (tab = calloc(SLOTS, sizeof(*tab))) == NULL)
		return 1;
	if (used >= SLOTS / 2) {
		memset(tab, 0, SLOTS * sizeof(*tab));
		used = 0;
	}
	memcpy(&h, d, sizeof(h));
	for (h &= SLOTS - 1;; h = (h + 1) & (SLOTS - 1)) {
		if (tab[h].n == 0) {
			memcpy(tab[h].d, d, 20);
			tab[h].n = 1;
			used++;
			return 1;
		}
		if (memcmp(tab[h].d, d, 20) == 0) {
			uint8_t buf[32];
			uint32_t k = tab[h].n++;
			memcpy(buf, d, 20);
			memcpy(buf + 20, "#", 1);
			memcpy(buf + 21, &k, sizeof(k));
			nfp_sha1(buf, 21 + sizeof(k), d);
			return 1;
		}
	}
}

/* the ECS document, through libfastjson (the module's object, printed) */
static void write_ecs(const struct nfp_record *rec, const char *line, size_t n, size_t off, size_t host, size_t hostlen,
		      const char *time, const struct nfp_extra *x)
{
	char hn[256];
	/* @timestamp: the line's own time (syslog header, journal), where it has one */
	struct nfp_ecs_meta m = { time[0] ? time : NULL, NULL, line + off, n - off, NULL };
	static char *out;
	static size_t cap;
	size_t len;
	if (hostlen > 0 && hostlen < sizeof(hn)) {
		memcpy(hn, line + host, hostlen);
		hn[hostlen] = 0;
		m.hostname = hn;
	}
	while (m.message_len > 0 && *m.message == ' ') /* rsyslog's msg keeps it; Elastic's does not */
		m.message++, m.message_len--;
	uint8_t id[20];
	if (line_id(m.hostname, m.timestamp, m.message, m.message_len, id))
		m.digest = id;
	/* the text sink, into a buffer grown to what the document needs */
	while ((len = nfp_to_ecs_text(rec, line + off, &m, x, out, cap)) > cap) {
		char *b = realloc(out, len + 4096);
		if (b == NULL) {
			fputs("nfparse: out of memory\n", stderr);
			exit(1);
		}
		out = b;
		cap = len + 4096;
	}
	if (len > 0) {
		fwrite(out, 1, len, stdout);
		putchar('\n');
	}
}

static int ecs_out;
static struct nfp_snapshots snaps;
static const char *fixed_host; /* --host: the host of lines that have no syslog header */
static struct nfp_select fields_buf;
static const struct nfp_select *fields_sel; /* --fields */
static struct nfp_prefix_rules *prules;     /* --prefix-rules */

static int run(FILE *in, enum input_mode mode, int all, int quiet, struct stats *st, struct nfp_record *rec)
{
	char *line = NULL, *out = NULL;
	size_t cap = 0, ocap = 0;
	ssize_t got;
	int rc = 0;
	while ((got = getline(&line, &cap, in)) >= 0) {
		size_t n = (size_t)got, off = 0, jl = 0, host = 0, hostlen = 0;
		char time[NFPARSE_TIME_MAX] = "";
		if (n > 0 && line[n - 1] == '\n')
			n--;
		if (mode == IN_AUTO)
			off = nfparse_input(line, &n, &host, &hostlen, time); /* -m: the parser drops a CRLF's CR itself */
		st->lines++;
		nfp_parse(line + off, n - off, rec);
		struct nfp_resolution res;
		struct nfp_extra x = { line + host, hostlen, &res, fields_sel, prules };
		if (hostlen == 0 && fixed_host != NULL)
			x.host = fixed_host, x.hostlen = strlen(fixed_host);
		nfp_resolve(&snaps, rec, line + off, &res);
		st->by_type[rec->type]++;
		if (rec->type != NFP_NONE && (rec->flags & NFP_R_TRUNCATED))
			st->truncated++;
		if (rec->type != NFP_NONE && ecs_out) {
			if (!quiet)
				write_ecs(rec, line, n, off, host, hostlen, time, &x);
			continue;
		}
		if (rec->type != NFP_NONE) {
			while ((jl = nfp_to_json_text_ex(rec, line + off, &x, out, ocap)) + 1 > ocap) {
				char *nb = realloc(out, jl + 4096);
				if (nb == NULL) {
					fputs("nfparse: out of memory\n", stderr);
					rc = 1;
					goto done;
				}
				out = nb;
				ocap = jl + 4096;
			}
		}
		if (quiet)
			continue;
		if (rec->type != NFP_NONE) {
			out[jl] = '\n';
			fwrite(out, 1, jl + 1, stdout);
		} else if (all) {
			fputs("null\n", stdout);
		}
	}
done:
	free(out);
	free(line);
	return rc || ferror(in) ? 1 : 0;
}

struct run_args {
	enum input_mode mode;
	int all, quiet;
	struct stats *st;
	struct nfp_record *rec;
};

static int run_input(FILE *in, void *ctx)
{
	struct run_args *a = ctx;
	return run(in, a->mode, a->all, a->quiet, a->st, a->rec);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' }, { "ecs", no_argument, NULL, 'e' }, { "msg", no_argument, NULL, 'm' },
		{ "no-output", no_argument, NULL, 'n' }, { "stats", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' }, { "version", no_argument, NULL, 'V' },
		{ "iptables-rules", required_argument, NULL, '4' }, { "ip6tables-rules", required_argument, NULL, '6' },
		{ "nft-rules", required_argument, NULL, 'N' }, { "host", required_argument, NULL, 'H' },
		{ "fields", required_argument, NULL, 'F' }, { "prefix-rules", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 }
	};
	enum input_mode mode = IN_AUTO;
	int all = 0, quiet = 0, stats = 0, c, rc = 0;
	struct stats st = { 0 };
	static struct nfp_record rec;

	if (argc > 1 && strcmp(argv[1], "explain") == 0)
		return nfparse_explain(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "report") == 0)
		return nfparse_report(argc - 1, argv + 1);
	while ((c = getopt_long(argc, argv, "aemnsh", opts, NULL)) != -1) {
		switch (c) {
		case 'a': all = 1; break;
		case 'e': ecs_out = 1; break;
		case 'm': mode = IN_MSG; break;
		case 'n': quiet = 1; break;
		case 's': stats = 1; break;
		case 'h': usage(stdout); return 0;
		case 'V': puts("nfparse " NFPARSE_VERSION); return 0;
		case 'H': fixed_host = optarg; break;
		case 'P': {
			char err[512];
			nfp_prefix_rules_free(prules);
			if ((prules = nfp_prefix_rules_load(optarg, err, sizeof(err))) == NULL) {
				fprintf(stderr, "nfparse: --prefix-rules: %s\n", err);
				return 2;
			}
			break;
		}
		case 'F': {
			char err[256];
			if (nfp_select_parse(optarg, &fields_buf, err, sizeof(err)) != 0) {
				fprintf(stderr, "nfparse: --fields: %s\n", err);
				return 2;
			}
			fields_sel = &fields_buf;
			break;
		}
		case '4':
		case '6':
		case 'N':
			if (nfparse_load_rules(&snaps, c == '4' ? 0 : c == '6' ? 1 : 2, optarg) != 0)
				return 2;
			break;
		default: usage(stderr); return 2;
		}
	}
	if (ecs_out && fields_sel != NULL) { /* as the module's fields= with schema="ecs" */
		fputs("nfparse: --fields selects fields of the native schema; -e writes whole ECS documents\n", stderr);
		return 2;
	}
	struct run_args ra = { mode, all, quiet, &st, &rec };
	rc = nfparse_each_input(argc, argv, optind, "nfparse", run_input, &ra);
	if (fflush(stdout) != 0)
		rc = 1;
	if (stats)
		fprintf(stderr, "lines=%lu log=%lu trace=%lu ebtables=%lu fragment=%lu not_netfilter=%lu truncated=%lu\n",
			st.lines, st.by_type[NFP_LOG], st.by_type[NFP_TRACE], st.by_type[NFP_EBT],
			st.by_type[NFP_FRAGMENT], st.by_type[NFP_NONE], st.truncated);
	nfparse_free_rules(&snaps);
	return rc;
}
