/* Community ID v1 against every official test vector (tests/data/community-id: the README
 * table and the three baseline files), plus SHA-1 against FIPS 180 examples. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include "suites.h"
#include "emit/nfp_json.h"

static int vec_check(int proto, const char *sa, const char *da, int sport, int dport, int seed, int b64,
		     const char *want)
{
	uint8_t s6[16], d6[16];
	char out[NFP_CID_MAX + 1];
	struct nfp_flow fl = { .proto = (uint8_t)proto, .saddr = s6, .daddr = d6 };
	fl.family = strchr(sa, ':') ? 6 : 4;
	ck_assert_int_eq(inet_pton(fl.family == 6 ? AF_INET6 : AF_INET, sa, s6), 1);
	ck_assert_int_eq(inet_pton(fl.family == 6 ? AF_INET6 : AF_INET, da, d6), 1);
	fl.has_ports = sport >= 0;
	fl.sport = (uint16_t)(sport < 0 ? 0 : sport);
	fl.dport = (uint16_t)(dport < 0 ? 0 : dport);
	size_t n = nfp_community_id(&fl, (uint16_t)seed, b64, out);
	out[n] = 0;
	ck_assert_msg(strcmp(out, want) == 0, "proto %d %s:%d -> %s:%d seed %d: got %s want %s", proto, sa, sport, da,
		      dport, seed, out, want);
	return 1;
}

static FILE *open_data(const char *name)
{
	char path[4096];
	const char *top = getenv("top_srcdir");
	snprintf(path, sizeof(path), "%s/tests/data/community-id/%s", top ? top : ".", name);
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	return f;
}

START_TEST(test_readme_table)
{
	FILE *f = open_data("readme_table_vectors.tsv");
	char line[1024];
	int n = 0;
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), f)); /* header */
	while (fgets(line, sizeof(line), f)) {
		char name[32], sa[64], da[64], sp[16], dp[16], cid[64];
		int proto, seed, b64;
		if (sscanf(line, "%31[^\t]\t%d\t%63[^\t]\t%63[^\t]\t%15[^\t]\t%15[^\t]\t%d\t%d\t%63[^\t\n]", name, &proto, sa, da, sp,
			   dp, &seed, &b64, cid) != 9)
			continue;
		n += vec_check(proto, sa, da, sp[0] == '-' ? -1 : atoi(sp), dp[0] == '-' ? -1 : atoi(dp), seed, b64, cid);
	}
	fclose(f);
	ck_assert_int_ge(n, 30);
}
END_TEST

START_TEST(test_baselines)
{
	static const struct {
		const char *file;
		int seed, b64;
	} files[] = { { "baseline_deflt.json", 0, 1 }, { "baseline_nob64.json", 0, 0 }, { "baseline_seed1.json", 1, 1 } };
	int n = 0;
	for (size_t i = 0; i < 3; i++) {
		FILE *f = open_data(files[i].file);
		static char text[1 << 16];
		size_t len = fread(text, 1, sizeof(text) - 1, f);
		text[len] = 0;
		fclose(f);
		struct fjson_object *arr = fjson_tokener_parse(text), *v;
		ck_assert_ptr_nonnull(arr);
		for (int k = 0; k < fjson_object_array_length(arr); k++) {
			struct fjson_object *o = fjson_object_array_get_idx(arr, k);
			int sport = -1, dport = -1;
			if (fjson_object_object_get_ex(o, "sport", &v))
				sport = fjson_object_get_int(v);
			if (fjson_object_object_get_ex(o, "dport", &v))
				dport = fjson_object_get_int(v);
			fjson_object_object_get_ex(o, "proto", &v);
			int proto = fjson_object_get_int(v);
			struct fjson_object *sa, *da, *cid;
			fjson_object_object_get_ex(o, "saddr", &sa);
			fjson_object_object_get_ex(o, "daddr", &da);
			fjson_object_object_get_ex(o, "communityid", &cid);
			n += vec_check(proto, fjson_object_get_string(sa), fjson_object_get_string(da), sport, dport, files[i].seed,
				       files[i].b64, fjson_object_get_string(cid));
		}
		fjson_object_put(arr);
	}
	ck_assert_int_ge(n, 60);
}
END_TEST

START_TEST(test_sha1)
{
	uint8_t d[20];
	static const uint8_t abc[20] = { 0xa9, 0x99, 0x3e, 0x36, 0x47, 0x06, 0x81, 0x6a, 0xba, 0x3e,
					 0x25, 0x71, 0x78, 0x50, 0xc2, 0x6c, 0x9c, 0xd0, 0xd8, 0x9d };
	static const uint8_t two[20] = { 0x84, 0x98, 0x3e, 0x44, 0x1c, 0x3b, 0xd2, 0x6e, 0xba, 0xae,
					 0x4a, 0xa1, 0xf9, 0x51, 0x29, 0xe5, 0xe5, 0x46, 0x70, 0xf1 };
	const char *m2 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	nfp_sha1((const uint8_t *)"abc", 3, d);
	ck_assert_mem_eq(d, abc, 20);
	nfp_sha1((const uint8_t *)m2, strlen(m2), d);
	ck_assert_mem_eq(d, two, 20);
}
END_TEST

Suite *cid_suite(void)
{
	Suite *s = suite_create("community-id");
	TCase *tc = tcase_create("vectors");
	tcase_add_test(tc, test_sha1);
	tcase_add_test(tc, test_readme_table);
	tcase_add_test(tc, test_baselines);
	suite_add_tcase(s, tc);
	return s;
}
