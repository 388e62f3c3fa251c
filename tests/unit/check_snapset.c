/* Snapshots that follow their files (src/rules/snapset.c) while threads resolve against them:
 * every reader always sees one whole generation, reloads on change and on demand, a broken
 * file keeps the previous generation, and no reference is lost or freed twice (ASan). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "suites.h"
#include "rules/nfp_snapset.h"

static char path[64];

static void write_rules(int version)
{
	char tmp[80];
	FILE *f;
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	f = fopen(tmp, "w");
	ck_assert_ptr_nonnull(f);
	/* the version is the DPT= of the one rule: a reader can tell which generation it sees */
	fprintf(f, "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp -m tcp --dport %d -j ACCEPT\nCOMMIT\n", version);
	fclose(f);
	ck_assert_int_eq(rename(tmp, path), 0); /* a new inode: a change whatever the mtime granularity */
}

static struct nfp_snapset *set;
static int stop; /* atomic */

static void *reader(void *arg)
{
	struct nfp_snap_ref ref = { 0 };
	struct nfp_record rec;
	struct nfp_resolution res;
	long seen = 0;
	char line[256];
	(void)arg;
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		const struct nfp_snapshots *ss = nfp_snapset_get(set, &ref);
		const struct nfp_rs_rule *r = &ss->ipt4->rules[0];
		/* one whole generation: the rule text names the port it matches */
		int port = atoi(strstr(r->text.p, "--dport ") + 8);
		snprintf(line, sizeof(line), "TRACE: filter:INPUT:rule:1 IN=eth0 OUT= SRC=10.0.0.1 DST=10.0.0.2 LEN=40 TOS=0x00 "
			 "PREC=0x00 TTL=64 ID=1 PROTO=TCP SPT=1 DPT=%d WINDOW=1 RES=0x00 SYN URGP=0 ", port);
		nfp_parse(line, strlen(line), &rec);
		if (nfp_resolve(ss, &rec, line, &res) != NFP_RES_RESOLVED || res.rule != r)
			abort();
		seen++;
	}
	nfp_snapset_put(&ref);
	return (void *)seen;
}

START_TEST(test_reload_under_readers)
{
	pthread_t th[4];
	char err[256];
	const char *paths[NFP_SNAP__COUNT] = { path, NULL, NULL };
	int reloads = 0, failed = 0;
	snprintf(path, sizeof(path), "/tmp/mnf-snapset-%d.v4", (int)getpid());
	write_rules(1000);
	set = nfp_snapset_new(paths, err, sizeof(err));
	ck_assert_msg(set != NULL, "%s", err);
	__atomic_store_n(&stop, 0, __ATOMIC_RELAXED);
	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, reader, NULL);
	for (int v = 1001; v < 1101; v++) {
		write_rules(v);
		reloads += nfp_snapset_reload(set, 0, err, sizeof(err)) == 1;
		if (v % 10 == 0) { /* a broken file now and then: the previous generation stays */
			FILE *f = fopen(path, "w");
			fputs("*filter\n-A NOPE -j DROP\nCOMMIT\n", f);
			fclose(f);
			failed += nfp_snapset_reload(set, 1, err, sizeof(err)) == -1;
			ck_assert_ptr_nonnull(strstr(err, ":2: rule for chain 'NOPE'"));
		}
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	long total = 0;
	for (int i = 0; i < 4; i++) {
		void *n;
		pthread_join(th[i], &n);
		total += (long)n;
	}
	ck_assert_int_eq(reloads, 100);
	ck_assert_int_eq(failed, 10);
	ck_assert_uint_eq(nfp_snapset_loaded(set), 101);
	ck_assert_int_gt(total, 0);
	/* an unchanged file: nothing to do; a forced reload loads it again */
	write_rules(7);
	ck_assert_int_eq(nfp_snapset_reload(set, 0, err, sizeof(err)), 1);
	ck_assert_int_eq(nfp_snapset_reload(set, 0, err, sizeof(err)), 0);
	ck_assert_int_eq(nfp_snapset_reload(set, 1, err, sizeof(err)), 1);
	nfp_snapset_free(set);
	unlink(path);
}
END_TEST

Suite *snapset_suite(void)
{
	Suite *s = suite_create("snapset");
	TCase *tc = tcase_create("reload");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_reload_under_readers);
	suite_add_tcase(s, tc);
	return s;
}
