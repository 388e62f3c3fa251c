/* Parser core throughput: the whole file in memory, then nfp_parse over every line
 * (parse only), parse + libfastjson object (what the module builds), parse + object + its
 * text (libfastjson's serializer, then the live-tree one), best of PASSES. Prints lines/s. With a third argument "parse-only" only the parse
 * loop runs, once (for instruction counts under callgrind). With BENCH_RULES=FILE (an
 * iptables-save snapshot, used for both families), also parse + resolve: lines/s and the
 * resolution's own cost per record.
 * Usage: bench_parse FILE [PASSES] [parse-only] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "nfp.h"
#include "emit/nfp_json.h"
#include "rules/nfp_resolve.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* parse every line, build each record's object and its text (by the live-tree serializer
 * if live); returns the bytes of text */
static size_t text_pass(const char *buf, const size_t *off, const size_t *len, size_t nlines, int live)
{
	static struct nfp_record rec;
	size_t bytes = 0;
	for (size_t i = 0; i < nlines; i++) {
		if (nfp_parse(buf + off[i], len[i], &rec) != NFP_NONE) {
			struct fjson_object *j = nfp_to_json(&rec, buf + off[i]);
			if (live)
				nfp_json_live_attach(j);
			bytes += strlen(fjson_object_to_json_string_ext(j, FJSON_TO_STRING_PLAIN));
			fjson_object_put(j);
		}
	}
	return bytes;
}

/* parse every line and write its document by the text sink (native, or ECS); returns the
 * bytes of text */
static size_t sink_pass(const char *buf, const size_t *off, const size_t *len, size_t nlines, int ecs)
{
	static struct nfp_record rec;
	static char out[1 << 16];
	struct nfp_ecs_meta m = { "2026-12-04T00:00:00.000000+00:00", "fw", NULL, 0, NULL };
	size_t bytes = 0;
	for (size_t i = 0; i < nlines; i++) {
		if (nfp_parse(buf + off[i], len[i], &rec) != NFP_NONE) {
			m.message = buf + off[i], m.message_len = len[i];
			bytes += ecs ? nfp_to_ecs_text(&rec, buf + off[i], &m, NULL, out, sizeof(out))
				     : nfp_to_json_text(&rec, buf + off[i], out, sizeof(out));
		}
	}
	return bytes;
}

int main(int argc, char **argv)
{
	FILE *f;
	char *buf;
	long size;
	size_t nlines = 0, *off, *len, records = 0, bytes = 0;
	int passes = argc > 2 ? atoi(argv[2]) : 3;
	static struct nfp_record rec;
	double best_parse = 1e9, best_json = 1e9, best_obj = 1e9, best_live = 1e9, best_sink[2] = { 1e9, 1e9 };
	size_t sink_bytes[2] = { 0, 0 };
	size_t live_bytes = 0;
	const char *why = NULL;
	int live = nfp_json_live_init(&why);

	if (argc < 2 || (f = fopen(argv[1], "rb")) == NULL) {
		fprintf(stderr, "usage: bench_parse FILE [PASSES]\n");
		return 2;
	}
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)size + 1);
	if (buf == NULL || fread(buf, 1, (size_t)size, f) != (size_t)size)
		return 1;
	fclose(f);
	for (long i = 0; i < size; i++)
		nlines += buf[i] == '\n';
	off = malloc(nlines * sizeof(*off));
	len = malloc(nlines * sizeof(*len));
	nlines = 0;
	for (long i = 0, s = 0; i < size; i++)
		if (buf[i] == '\n') {
			off[nlines] = (size_t)s;
			len[nlines++] = (size_t)(i - s);
			s = i + 1;
		}
	if (argc > 3 && strcmp(argv[3], "parse-only") == 0) {
		for (size_t i = 0; i < nlines; i++)
			records += nfp_parse(buf + off[i], len[i], &rec) != NFP_NONE;
		printf("lines=%zu records=%zu\n", nlines, records);
		return 0;
	}
	for (int p = 0; p < passes; p++) {
		double t0 = now(), t1, t2;
		records = 0;
		for (size_t i = 0; i < nlines; i++)
			records += nfp_parse(buf + off[i], len[i], &rec) != NFP_NONE;
		t1 = now();
		bytes = text_pass(buf, off, len, nlines, 0);
		t2 = now();
		for (size_t i = 0; i < nlines; i++) {
			if (nfp_parse(buf + off[i], len[i], &rec) != NFP_NONE)
				fjson_object_put(nfp_to_json(&rec, buf + off[i]));
		}
		if (now() - t2 < best_obj)
			best_obj = now() - t2;
		if (live) { /* parse + object + its text by the live-tree serializer (src/emit/serializer.c) */
			double t3 = now();
			live_bytes = text_pass(buf, off, len, nlines, 1);
			if (now() - t3 < best_live)
				best_live = now() - t3;
		}
		for (int e = 0; e < 2; e++) { /* parse + the text sink: native, ECS */
			double t3 = now();
			sink_bytes[e] = sink_pass(buf, off, len, nlines, e);
			if (now() - t3 < best_sink[e])
				best_sink[e] = now() - t3;
		}
		if (t1 - t0 < best_parse)
			best_parse = t1 - t0;
		if (t2 - t1 < best_json)
			best_json = t2 - t1;
	}
	printf("lines=%zu records=%zu parse_only_lines_per_s=%.0f parse_object_lines_per_s=%.0f parse_json_lines_per_s=%.0f json_bytes=%zu",
	       nlines, records, (double)nlines / best_parse, (double)nlines / best_obj, (double)nlines / best_json, bytes);
	printf(" parse_text_lines_per_s=%.0f text_bytes=%zu parse_ecs_text_lines_per_s=%.0f ecs_text_bytes=%zu",
	       (double)nlines / best_sink[0], sink_bytes[0], (double)nlines / best_sink[1], sink_bytes[1]);
	if (live)
		printf(" parse_json_live_lines_per_s=%.0f json_live_bytes=%zu", (double)nlines / best_live, live_bytes);
	else
		fprintf(stderr, "bench_parse: live serializer off: %s\n", why);
	if (getenv("BENCH_RULES") != NULL) {
		char err[512];
		struct nfp_ruleset *rs = nfp_ruleset_load(getenv("BENCH_RULES"), NFP_RS_IPTABLES, err, sizeof(err));
		struct nfp_snapshots ss = { rs, rs, NULL };
		struct nfp_resolution res;
		size_t resolved = 0, unresolved = 0;
		double best_res = 1e9;
		if (rs == NULL) {
			fprintf(stderr, "bench_parse: %s\n", err);
			return 1;
		}
		for (int p = 0; p < passes; p++) {
			double t0 = now();
			resolved = unresolved = 0;
			for (size_t i = 0; i < nlines; i++)
				if (nfp_parse(buf + off[i], len[i], &rec) != NFP_NONE) {
					enum nfp_res_status st = nfp_resolve(&ss, &rec, buf + off[i], &res);
					resolved += st == NFP_RES_RESOLVED;
					unresolved += st == NFP_RES_UNRESOLVED;
				}
			if (now() - t0 < best_res)
				best_res = now() - t0;
		}
		printf(" rules=%u parse_resolve_lines_per_s=%.0f resolve_ns_per_record=%.1f resolved=%zu unresolved=%zu",
		       rs->nrules, (double)nlines / best_res, (best_res - best_parse) * 1e9 / (double)records, resolved, unresolved);
		nfp_ruleset_free(rs);
	}
	putchar('\n');
	free(off);
	free(len);
	free(buf);
	return 0;
}
