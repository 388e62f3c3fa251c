/* Snapshots that follow their files (src/rules/snapset.c) while threads resolve against them:
 * every reader always sees one whole generation, reloads on change and on demand, a broken
 * file keeps the previous generation, and no reference is lost or freed twice (ASan). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include "suites.h"
#include "rules/nfp_snapset.h"
#include "enrich/nfp_enrich.h"

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

/* the poll a worker makes notices a changed file but does not load it: a thread of its own
 * reads the large ruleset and says how it went; the poll's and the load's times are printed */
static int reported; /* atomic: the loader's result + 2 */
static pthread_t loaded_by;
static void on_reload(void *ctx, int r, const char *err)
{
	(void)ctx, (void)err;
	loaded_by = pthread_self();
	__atomic_store_n(&reported, r + 2, __ATOMIC_RELEASE);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

START_TEST(test_poll_loads_in_background)
{
	char err[256], tmp[80];
	const char *paths[NFP_SNAP__COUNT] = { path, NULL, NULL };
	struct nfp_snap_ref ref = { 0 };
	FILE *f;
	snprintf(path, sizeof(path), "/tmp/mnf-snapset-bg-%d.v4", (int)getpid());
	write_rules(1);
	set = nfp_snapset_new(paths, err, sizeof(err));
	ck_assert_msg(set != NULL, "%s", err);
	nfp_snapset_on_reload(set, on_reload, NULL);
	/* a kube-proxy-sized file: 40,000 chains, about a quarter of a second to load here */
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	ck_assert_ptr_nonnull(f = fopen(tmp, "w"));
	fputs("*nat\n:PREROUTING ACCEPT [0:0]\n", f);
	for (int i = 0; i < 40000; i++)
		fprintf(f, ":KUBE-SEP-%016X - [0:0]\n", i);
	for (int i = 0; i < 40000; i++)
		fprintf(f, "-A KUBE-SEP-%016X -p tcp -m comment --comment \"ns/svc%d:http\" -m tcp -j DNAT --to-destination "
			   "10.244.%d.%d:8080\n", i, i, (i >> 8) & 255, i & 255);
	fputs("COMMIT\n", f);
	fclose(f);
	ck_assert_int_eq(rename(tmp, path), 0);
	__atomic_store_n(&reported, 0, __ATOMIC_RELAXED);
	double t0 = now_s();
	nfp_snapset_poll(set, time(NULL) + 5); /* a second that has not been polled */
	double t1 = now_s();
	while (__atomic_load_n(&reported, __ATOMIC_ACQUIRE) == 0 && now_s() - t0 < 30)
		usleep(1000);
	double t2 = now_s();
	ck_assert_int_eq(__atomic_load_n(&reported, __ATOMIC_ACQUIRE), 1 + 2);
	/* loaded by a thread of its own, not by the one that polled (a worker, in the module) */
	ck_assert(!pthread_equal(loaded_by, pthread_self()));
	ck_assert_uint_eq(nfp_snapset_get(set, &ref)->ipt4->nchains, 40001);
	printf("snapset: the worker's poll took %.3f ms; the 40,000-chain load beside it %.3f s\n", (t1 - t0) * 1e3, t2 - t0);
	nfp_snapset_put(&ref);
	nfp_snapset_free(set);
	unlink(path);
}
END_TEST

/* a site's prefix rules following their file: a new version is used at the next poll of a later
 * second (and by a reader holding the old one once it looks again), a broken version keeps the
 * old rules and is reported once, a forced reload (HUP) reports it again */
static void write_prefixes(const char *action)
{
	char tmp[80];
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	FILE *f = fopen(tmp, "w");
	ck_assert_ptr_nonnull(f);
	if (action != NULL)
		fprintf(f, "# a site\n\"[site-{z:word}]\" action=%s type=denied rule.name=\"{z}\"\n", action);
	else
		fputs("\"[site-{z:word}]\" colour=red\n", f);
	fclose(f);
	ck_assert_int_eq(rename(tmp, path), 0);
}

static const char *action_of(struct nfp_prefix_set *ps, struct nfp_prefix_ref *ref)
{
	static struct nfp_prefix_verdict v;
	memset(&v, 0, sizeof(v));
	if (!nfp_prefix_rules_apply(nfp_prefix_set_get(ps, ref), "[site-wan]", 10, &v))
		return "";
	return v.action;
}

START_TEST(test_prefix_set_follows_file)
{
	char err[512];
	struct nfp_prefix_ref a = { 0 }, b = { 0 };
	snprintf(path, sizeof(path), "/tmp/mnf-prefixset-%d", (int)getpid());
	write_prefixes("deny");
	struct nfp_prefix_set *ps = nfp_prefix_set_new(path, err, sizeof(err));
	ck_assert_ptr_nonnull(ps);
	ck_assert_str_eq(action_of(ps, &a), "deny");
	ck_assert_str_eq(action_of(ps, &b), "deny");
	write_prefixes("drop");
	ck_assert_int_eq(nfp_prefix_set_poll(ps, 1000, err, sizeof(err)), 1);
	ck_assert_int_eq(nfp_prefix_set_poll(ps, 1000, err, sizeof(err)), 0); /* the same second: not looked at */
	ck_assert_str_eq(action_of(ps, &a), "drop");
	write_prefixes(NULL); /* broken: the old rules stay, reported once */
	ck_assert_int_eq(nfp_prefix_set_poll(ps, 1001, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, ":1: unknown key"));
	ck_assert_int_eq(nfp_prefix_set_poll(ps, 1002, err, sizeof(err)), 0);
	ck_assert_int_eq(nfp_prefix_set_reload(ps, 1, err, sizeof(err)), -1); /* HUP: said again */
	ck_assert_str_eq(action_of(ps, &a), "drop");
	ck_assert_str_eq(action_of(ps, &b), "drop"); /* the reader that held the first generation moved on */
	write_prefixes("reject");
	ck_assert_int_eq(nfp_prefix_set_reload(ps, 0, err, sizeof(err)), 1);
	ck_assert_str_eq(action_of(ps, &b), "reject");
	nfp_prefix_set_put(&a);
	nfp_prefix_set_put(&b);
	nfp_prefix_set_free(ps);
	unlink(path);
}
END_TEST

Suite *snapset_suite(void)
{
	Suite *s = suite_create("snapset");
	TCase *tc = tcase_create("reload");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_reload_under_readers);
	tcase_add_test(tc, test_poll_loads_in_background);
	tcase_add_test(tc, test_prefix_set_follows_file);
	suite_add_tcase(s, tc);
	return s;
}
