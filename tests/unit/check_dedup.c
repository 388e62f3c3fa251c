/* Record identity and the duplicate window (src/state/dedup.c): the window remembers exactly its last
 * N keys (checked against a model through many evictions), the state file keeps it over a
 * restart, a damaged state file is refused, and the identities are the ones ECS event.id and
 * imkmsg replays need. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>
#include "suites.h"
#include "state/nfp_dedup.h"

START_TEST(test_window_model)
{
	/* keys from a small range, so that many repeat; a model: the last N distinct keys added */
	enum { N = 64, ROUNDS = 200000 };
	struct nfp_dedup *d = nfp_dedup_new(N);
	uint64_t model[N];
	size_t mcount = 0, mhead = 0;
	unsigned seed = 12345;
	ck_assert_ptr_nonnull(d);
	for (int r = 0; r < ROUNDS; r++) {
		seed = seed * 1103515245u + 12345u;
		uint64_t k = (seed >> 8) % 200 + 1;
		if (r % 7 == 0)
			k |= (uint64_t)(seed & 0xff) << 56; /* high bits too: different home slots */
		int in_model = 0;
		for (size_t i = 0; i < mcount; i++)
			in_model |= model[(mhead + i) % N] == k;
		ck_assert_int_eq(nfp_dedup_seen(d, k), in_model);
		if (!in_model) {
			if (mcount == N) {
				model[mhead] = k;
				mhead = (mhead + 1) % N;
			} else {
				model[(mhead + mcount++) % N] = k;
			}
		}
	}
	ck_assert_uint_eq(nfp_dedup_count(d), N);
	nfp_dedup_free(d);
}
END_TEST

START_TEST(test_window_bounds)
{
	ck_assert_ptr_null(nfp_dedup_new(NFP_DEDUP_WINDOW_MIN - 1));
	ck_assert_ptr_null(nfp_dedup_new((size_t)NFP_DEDUP_WINDOW_MAX + 1));
	struct nfp_dedup *d = nfp_dedup_new(NFP_DEDUP_WINDOW_MIN);
	ck_assert_int_eq(nfp_dedup_seen(d, 0), 0); /* key 0 (the empty mark) is a key like others */
	ck_assert_int_eq(nfp_dedup_seen(d, 0), 1);
	nfp_dedup_free(d);
}
END_TEST

START_TEST(test_state_file)
{
	char path[64], err[256];
	struct nfp_dedup *d = nfp_dedup_new(100), *e;
	FILE *f;
	snprintf(path, sizeof(path), "/tmp/nfp-dedup-%d", (int)getpid());
	for (uint64_t k = 1; k <= 150; k++) /* 51..150 stay */
		ck_assert_int_eq(nfp_dedup_seen(d, k * 0x9e3779b97f4a7c15ULL), 0);
	ck_assert_int_eq(nfp_dedup_dirty(d), 1);
	ck_assert_int_eq(nfp_dedup_save(d, path, err, sizeof(err)), 0);
	ck_assert_int_eq(nfp_dedup_dirty(d), 0);
	/* the same window after a restart */
	e = nfp_dedup_new(100);
	ck_assert_int_eq(nfp_dedup_load(e, path, err, sizeof(err)), 1);
	ck_assert_uint_eq(nfp_dedup_count(e), 100);
	for (uint64_t k = 150; k >= 1; k--) /* the kept ones first: a miss adds, and evicts */
		ck_assert_int_eq(nfp_dedup_seen(e, k * 0x9e3779b97f4a7c15ULL), k > 50);
	nfp_dedup_free(e);
	/* a smaller window keeps the newest */
	e = nfp_dedup_new(20);
	ck_assert_int_eq(nfp_dedup_load(e, path, err, sizeof(err)), 1);
	ck_assert_int_eq(nfp_dedup_seen(e, 150 * 0x9e3779b97f4a7c15ULL), 1);
	ck_assert_int_eq(nfp_dedup_seen(e, 130 * 0x9e3779b97f4a7c15ULL), 0);
	nfp_dedup_free(e);
	/* no file: an empty window; a damaged one: refused, naming the file */
	e = nfp_dedup_new(100);
	ck_assert_int_eq(nfp_dedup_load(e, "/nonexistent/x", err, sizeof(err)), 0);
	f = fopen(path, "w");
	fputs("mmnetfilter-dedup 2\n0000000000000001\nzz\n", f);
	fclose(f);
	ck_assert_int_eq(nfp_dedup_load(e, path, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, path));
	nfp_dedup_free(e);
	e = nfp_dedup_new(100);
	f = fopen(path, "w");
	fputs("mmnetfilter-dedup 2\n0000000000000001\n00000000000000", f); /* a crash during an append */
	fclose(f);
	ck_assert_int_eq(nfp_dedup_load(e, path, err, sizeof(err)), 1);
	ck_assert_uint_eq(nfp_dedup_count(e), 1);
	/* the cut line is gone from the file too: the next append starts on a line of its own, and
	 * the next load has every key */
	{
		struct stat sb;
		ck_assert_int_eq(stat(path, &sb), 0);
		ck_assert_int_eq(sb.st_size, (off_t)strlen("mmnetfilter-dedup 2\n0000000000000001\n"));
		ck_assert_int_eq(nfp_dedup_seen(e, 0x77), 0);
		ck_assert_int_eq(nfp_dedup_save(e, path, err, sizeof(err)), 0);
		struct nfp_dedup *g = nfp_dedup_new(100);
		ck_assert_int_eq(nfp_dedup_load(g, path, err, sizeof(err)), 1);
		ck_assert_uint_eq(nfp_dedup_count(g), 2);
		ck_assert_int_eq(nfp_dedup_seen(g, 0x77), 1);
		ck_assert_int_eq(nfp_dedup_seen(g, 1), 1);
		nfp_dedup_free(g);
	}
	f = fopen(path, "w");
	fputs("something else\n", f);
	fclose(f);
	ck_assert_int_eq(nfp_dedup_load(e, path, err, sizeof(err)), -1);
	unlink(path);
	nfp_dedup_free(e);
	nfp_dedup_free(d);
}
END_TEST

/* saves append what is new; the file is written anew before it holds twice the window */
START_TEST(test_state_appends)
{
	char path[64], err[256], line[64];
	struct nfp_dedup *d = nfp_dedup_new(50), *e;
	snprintf(path, sizeof(path), "/tmp/nfp-dedup-a-%d", (int)getpid());
	unlink(path);
	for (uint64_t k = 1; k <= 1000; k++) {
		nfp_dedup_seen(d, k);
		if (k % 7 == 0)
			ck_assert_int_eq(nfp_dedup_save(d, path, err, sizeof(err)), 0);
		if (k % 97 == 0) { /* a restart here: the file gives the same window */
			FILE *f = fopen(path, "r");
			int lines = 0;
			while (fgets(line, sizeof(line), f) != NULL)
				lines++;
			fclose(f);
			ck_assert_int_le(lines, 1 + 2 * 50);
			ck_assert_int_eq(nfp_dedup_save(d, path, err, sizeof(err)), 0);
			e = nfp_dedup_new(50);
			ck_assert_int_eq(nfp_dedup_load(e, path, err, sizeof(err)), 1);
			for (uint64_t j = k; j > k - 50; j--)
				ck_assert_int_eq(nfp_dedup_seen(e, j), 1);
			ck_assert_int_eq(nfp_dedup_seen(e, k - 50), 0);
			nfp_dedup_free(e);
		}
	}
	ck_assert_int_eq(nfp_dedup_dirty(d), 1);
	ck_assert_int_eq(nfp_dedup_save(d, path, err, sizeof(err)), 0);
	ck_assert_int_eq(nfp_dedup_dirty(d), 0);
	unlink(path);
	nfp_dedup_free(d);
}
END_TEST

/* a save up to a mark keeps the keys added after it out of the file (a crash then leaves the
 * window behind the output, never ahead); the next save takes them; evicted keys are rewritten */
START_TEST(test_state_lags)
{
	char path[64], err[256];
	struct nfp_dedup *d = nfp_dedup_new(20), *e;
	snprintf(path, sizeof(path), "/tmp/nfp-dedup-l-%d", (int)getpid());
	unlink(path);
	for (uint64_t k = 1; k <= 10; k++)
		nfp_dedup_seen(d, k);
	uint64_t mark = nfp_dedup_added(d);
	ck_assert_uint_eq(mark, 10);
	for (uint64_t k = 11; k <= 15; k++)
		nfp_dedup_seen(d, k);
	ck_assert_int_eq(nfp_dedup_save_upto(d, path, mark, err, sizeof(err)), 0);
	e = nfp_dedup_new(20);
	ck_assert_int_eq(nfp_dedup_load(e, path, err, sizeof(err)), 1);
	ck_assert_uint_eq(nfp_dedup_count(e), 10);
	ck_assert_int_eq(nfp_dedup_has(e, 10), 1);
	ck_assert_int_eq(nfp_dedup_has(e, 11), 0);
	nfp_dedup_free(e);
	ck_assert_int_eq(nfp_dedup_dirty(d), 1);
	/* a mark at or before what is saved writes nothing */
	ck_assert_int_eq(nfp_dedup_save_upto(d, path, 4, err, sizeof(err)), 0);
	/* the next save appends 11..15 and, through a later mark, a part of what follows */
	for (uint64_t k = 16; k <= 18; k++)
		nfp_dedup_seen(d, k);
	ck_assert_int_eq(nfp_dedup_save_upto(d, path, 17, err, sizeof(err)), 0);
	e = nfp_dedup_new(20);
	ck_assert_int_eq(nfp_dedup_load(e, path, err, sizeof(err)), 1);
	ck_assert_uint_eq(nfp_dedup_count(e), 17);
	ck_assert_int_eq(nfp_dedup_has(e, 17), 1);
	ck_assert_int_eq(nfp_dedup_has(e, 18), 0);
	nfp_dedup_free(e);
	/* keys not saved yet leave the window: the file is written anew up to the mark */
	for (uint64_t k = 19; k <= 60; k++)
		nfp_dedup_seen(d, k);
	ck_assert_int_eq(nfp_dedup_save_upto(d, path, 50, err, sizeof(err)), 0);
	e = nfp_dedup_new(20);
	ck_assert_int_eq(nfp_dedup_load(e, path, err, sizeof(err)), 1);
	ck_assert_uint_eq(nfp_dedup_count(e), 10); /* 41..50: the window's part before the mark */
	ck_assert_int_eq(nfp_dedup_has(e, 40), 0);
	ck_assert_int_eq(nfp_dedup_has(e, 41), 1);
	ck_assert_int_eq(nfp_dedup_has(e, 50), 1);
	ck_assert_int_eq(nfp_dedup_has(e, 51), 0);
	nfp_dedup_free(e);
	ck_assert_int_eq(nfp_dedup_save(d, path, err, sizeof(err)), 0);
	ck_assert_int_eq(nfp_dedup_dirty(d), 0);
	unlink(path);
	nfp_dedup_free(d);
}
END_TEST

/* a record line as rsyslog writes $!netfilter (spaces) or as nfparse does (none) */
static void sink_line(FILE *f, uint64_t key, int spaced)
{
	fprintf(f, spaced ? "{\"msg\":\"x\\\"event_id\\\": \\\"%016llx\",\"netfilter\":{ \"type\": \"log\", \"event_id\": \"%016llx000000000000000000000000\", \"in\": \"lo\" }}\n"
			  : "{\"msg\":\"x\\\"event_id\\\":\\\"%016llx\",\"netfilter\":{\"type\":\"log\",\"event_id\":\"%016llx000000000000000000000000\"}}\n",
		(unsigned long long)(key ^ 0xffff), (unsigned long long)key);
}

/* dedup.sinkFile: the records written after the state file was saved are learnt, oldest first,
 * from the end back to a run of known ones; a cut last line is not a record; a message's text
 * cannot forge a member */
START_TEST(test_learn_sink)
{
	char path[64], err[256];
	size_t n;
	struct nfp_dedup *d = nfp_dedup_new(1000);
	FILE *f;
	snprintf(path, sizeof(path), "/tmp/nfp-dedup-s-%d", (int)getpid());
	ck_assert_int_eq(nfp_dedup_learn(d, "/nonexistent/x", &n, err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 0);
	f = fopen(path, "w");
	for (uint64_t k = 0x1000; k < 0x1000 + 700; k++) /* the part the state file has */
		sink_line(f, k, (int)(k & 1));
	fputs("{\"msg\":\"not a record\"}\n", f);
	fprintf(f, "%s\n", "x"); /* and a line longer than a block of the backward reader */
	for (int i = 0; i < 70000; i++)
		fputc('y', f);
	fputc('\n', f);
	for (uint64_t k = 0x2000; k < 0x2000 + 300; k++) /* written, not saved */
		sink_line(f, k, (int)(k & 1));
	fputs("{\"msg\":\"x\",\"netfilter\":{\"type\":\"log\",\"event_id\":\"00000000000099990000000000000000", f); /* cut */
	fclose(f);
	for (uint64_t k = 0x1000 + 400; k < 0x1000 + 700; k++) /* the state file's window */
		nfp_dedup_seen(d, k);
	ck_assert_int_eq(nfp_dedup_learn(d, path, &n, err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 300);
	ck_assert_int_eq(nfp_dedup_has(d, 0x2000), 1);
	ck_assert_int_eq(nfp_dedup_has(d, 0x2000 + 299), 1);
	ck_assert_int_eq(nfp_dedup_has(d, 0x9999), 0);       /* the cut line */
	ck_assert_int_eq(nfp_dedup_has(d, 0x2000 ^ 0xffff), 0); /* the escaped text */
	ck_assert_int_eq(nfp_dedup_has(d, 0x1000 + 100), 0);  /* behind the run of 256 known */
	/* oldest first: the window's next evictions take the oldest learnt ones */
	for (uint64_t k = 1; k <= 701; k++)
		nfp_dedup_seen(d, 0x50000 + k);
	ck_assert_int_eq(nfp_dedup_has(d, 0x2000), 0);
	ck_assert_int_eq(nfp_dedup_has(d, 0x2000 + 299), 1);
	nfp_dedup_free(d);
	/* records written before dedup was on (no identity): 4096 such lines end the search */
	d = nfp_dedup_new(1000);
	f = fopen(path, "a");
	fputs("\n", f);
	for (int i = 0; i < 4096; i++)
		fputs("{\"msg\":\"old\",\"netfilter\":{\"type\":\"log\"}}\n", f);
	fclose(f);
	ck_assert_int_eq(nfp_dedup_learn(d, path, &n, err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 0);
	nfp_dedup_free(d);
	f = fopen(path, "w");
	for (uint64_t k = 0x1000; k < 0x1000 + 700; k++)
		sink_line(f, k, (int)(k & 1));
	for (uint64_t k = 0x2000; k < 0x2000 + 300; k++)
		sink_line(f, k, (int)(k & 1));
	fclose(f);
	/* an empty window learns the whole file, back to its start: 700 + 300 records */
	d = nfp_dedup_new(5000);
	ck_assert_int_eq(nfp_dedup_learn(d, path, &n, err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 1000);
	ck_assert_int_eq(nfp_dedup_has(d, 0x1000), 1);
	nfp_dedup_free(d);
	unlink(path);
}
END_TEST

START_TEST(test_identity)
{
	uint8_t a[20], b[20], c[20];
	/* event identity: host, time and text, as ECS event.id always was (SHA-1 of "h\nt\nm") */
	nfp_event_digest("h", 1, "t", 1, "m", 1, a);
	nfp_sha1((const uint8_t *)"h\nt\nm", 5, b);
	ck_assert_mem_eq(a, b, 20);
	/* the parts are separated: moving a byte between them is another event */
	nfp_event_digest("h\nt", 3, "", 0, "m", 1, c);
	nfp_event_digest("h", 1, "", 0, "t\nm", 3, b);
	ck_assert(memcmp(c, b, 20) != 0);
	nfp_event_digest("ht", 2, "", 0, "m", 1, b);
	ck_assert(memcmp(b, c, 20) != 0);
	/* a long text goes through the heap path */
	char *big = malloc(5000);
	memset(big, 'x', 5000);
	nfp_event_digest("h", 1, "t", 1, big, 5000, a);
	nfp_event_digest("h", 1, "t", 1, big, 4999, b);
	ck_assert(memcmp(a, b, 20) != 0);
	free(big);
	/* kmsg: boot id and sequence number, nothing else */
	nfp_kmsg_digest("b1", 2, 7, a);
	nfp_kmsg_digest("b1", 2, 7, b);
	ck_assert_mem_eq(a, b, 20);
	nfp_kmsg_digest("b2", 2, 7, b);
	ck_assert(memcmp(a, b, 20) != 0);
	nfp_kmsg_digest("b1", 2, 8, b);
	ck_assert(memcmp(a, b, 20) != 0);
	nfp_sha1((const uint8_t *)"kmsg\nb1\n7", 9, b);
	ck_assert_mem_eq(a, b, 20);
	/* edge: the sender's host with the id the edge gave; journal: boot, kernel time, text */
	nfp_edge_digest("e1", 2, "ABCDEF0123", 10, a);
	nfp_edge_digest("e2", 2, "ABCDEF0123", 10, b);
	ck_assert(memcmp(a, b, 20) != 0);
	nfp_journal_digest("b1", 2, "123", 3, "m", 1, a);
	nfp_sha1((const uint8_t *)"journal\nb1\n123\nm", 16, b);
	ck_assert_mem_eq(a, b, 20);
	/* random identities differ */
	ck_assert_int_eq(nfp_random_id(a), 0);
	ck_assert_int_eq(nfp_random_id(b), 0);
	ck_assert(memcmp(a, b, 20) != 0);
	/* the edge's id in structured data: only in [mmnf@32473 ...], 8 to 64 of [0-9A-Za-z-] */
	static const struct {
		const char *sd, *id;
	} sds[] = {
		{ "[mmnf@32473 id=\"1A756481E84A4C1C84BC8A9343034F98\"]", "1A756481E84A4C1C84BC8A9343034F98" },
		{ "[origin ip=\"1.2.3.4\"][mmnf@32473 x=\"a\\\"]b\" id=\"EDGE0001\"]", "EDGE0001" },
		{ "[other@1 id=\"EDGE0001\"]", NULL },
		{ "[mmnf@32473 id=\"short\"]", NULL },
		{ "[mmnf@32473 id=\"has space 1234\"]", NULL },
		{ "[mmnf@32473 id=\"EDGE0001", NULL },
		{ "-", NULL },
	};
	for (size_t i = 0; i < sizeof(sds) / sizeof(sds[0]); i++) {
		const char *id = NULL;
		size_t n = 0;
		int got = nfp_edge_id(sds[i].sd, strlen(sds[i].sd), &id, &n);
		ck_assert_msg(got == (sds[i].id != NULL), "sd %zu: %d", i, got);
		if (got)
			ck_assert(n == strlen(sds[i].id) && memcmp(id, sds[i].id, n) == 0);
	}
	/* the window key is the digest's first 64 bits (event.id's first 16 hex digits) */
	ck_assert_uint_eq(nfp_digest_key(a), ((uint64_t)a[0] << 56 | (uint64_t)a[1] << 48 | (uint64_t)a[2] << 40 |
					      (uint64_t)a[3] << 32 | (uint64_t)a[4] << 24 | (uint64_t)a[5] << 16 |
					      (uint64_t)a[6] << 8 | a[7]) ?: 1);
}
END_TEST

/* a message's properties, as the glue's getter gives them */
static const char *const *fake_props;
static const char *fake_prop(void *ctx, const char *name)
{
	(void)ctx;
	for (const char *const *p = fake_props; p != NULL && *p != NULL; p += 2)
		if (strcmp(p[0], name) == 0)
			return p[1];
	return NULL;
}

START_TEST(test_identity_of)
{
	static const char *const kmsg[] = { "!sequnum", "42", NULL };
	static const char *const file[] = { "!metadata!filename", "/var/log/kern.log", "!metadata!fileoffset", "1234", NULL };
	static const char *const jour[] = { "!_TRANSPORT", "kernel", "!_BOOT_ID", "b1", "!_SOURCE_MONOTONIC_TIMESTAMP", "99", NULL };
	static const char *const user[] = { "!_TRANSPORT", "syslog", "!_BOOT_ID", "b1", "!_SOURCE_MONOTONIC_TIMESTAMP", "99", NULL };
	static const char *const nflog[] = { "!nflog!netns_inode", "4026532", "!nflog!seq_global", "17", NULL };
	static const char sd[] = "[mmnf@32473 id=\"EDGE0001\"]";
	struct nfp_id_msg m = { "imkmsg", 6, "h", NULL, 0, "boot", "m", 1, fake_prop, NULL };
	uint8_t a[20], b[20];
	fake_props = kmsg;
	ck_assert_int_eq(nfp_identity_of(&m, a), NFP_ID_KMSG);
	nfp_kmsg_digest("boot", 4, 42, b);
	ck_assert_mem_eq(a, b, 20);
	m.boot_id = ""; /* no boot id: no kmsg identity */
	ck_assert_int_eq(nfp_identity_of(&m, a), NFP_ID_RANDOM);
	m.sd = sd; /* the edge's identity comes first where it is taken */
	m.sd_len = strlen(sd);
	ck_assert_int_eq(nfp_identity_of(&m, a), NFP_ID_EDGE);
	nfp_edge_digest("h", 1, "EDGE0001", 8, b);
	ck_assert_mem_eq(a, b, 20);
	m.sd = NULL;
	m.input = "imfile", m.input_len = 6, fake_props = file;
	ck_assert_int_eq(nfp_identity_of(&m, a), NFP_ID_FILE);
	nfp_file_digest("/var/log/kern.log", 17, "1234", 4, "m", 1, b);
	ck_assert_mem_eq(a, b, 20);
	m.input = "imjournal", m.input_len = 9, fake_props = jour;
	ck_assert_int_eq(nfp_identity_of(&m, a), NFP_ID_JOURNAL);
	fake_props = user; /* a journal record that is no kernel record */
	ck_assert_int_eq(nfp_identity_of(&m, a), NFP_ID_RANDOM);
	m.input = "imnetfilter", m.input_len = 11, fake_props = nflog, m.boot_id = "boot";
	ck_assert_int_eq(nfp_identity_of(&m, a), NFP_ID_NFLOG);
	nfp_nflog_digest("boot", 4, "4026532", 7, "17", 2, b);
	ck_assert_mem_eq(a, b, 20);
	m.input = "imudp", m.input_len = 5; /* another input's $!nflog is no kernel's */
	ck_assert_int_eq(nfp_identity_of(&m, a), NFP_ID_RANDOM);
	m.input = "imudp", m.input_len = 5, fake_props = kmsg; /* another input's $!sequnum is no kernel's */
	ck_assert_int_eq(nfp_identity_of(&m, a), NFP_ID_RANDOM);
	ck_assert_int_eq(nfp_identity_of(&m, b), NFP_ID_RANDOM);
	ck_assert(memcmp(a, b, 20) != 0);
}
END_TEST

Suite *dedup_suite(void)
{
	Suite *s = suite_create("dedup");
	TCase *tc = tcase_create("dedup");
	tcase_add_test(tc, test_window_model);
	tcase_add_test(tc, test_window_bounds);
	tcase_add_test(tc, test_state_file);
	tcase_add_test(tc, test_state_appends);
	tcase_add_test(tc, test_state_lags);
	tcase_add_test(tc, test_learn_sink);
	tcase_add_test(tc, test_identity);
	tcase_add_test(tc, test_identity_of);
	suite_add_tcase(s, tc);
	return s;
}
