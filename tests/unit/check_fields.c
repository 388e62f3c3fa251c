/* The field table itself: every row well-formed, no key ambiguous within a section. */
#include "suites.h"

START_TEST(test_rows)
{
	for (int f = 0; f < NFP_F__COUNT; f++) {
		const struct nfp_field_info *fi = &nfp_fields[f];
		ck_assert_msg(fi->name != NULL && fi->name[0] != '\0', "row %d has no JSON name", f);
		ck_assert_uint_eq(fi->keylen, strlen(fi->key));
		ck_assert_msg(fi->section < NFP_S__COUNT && fi->group < NFP_G__COUNT && fi->kind <= NFP_K_WORD,
			      "row %s out of range", fi->name);
		if (fi->keylen > 0) {
			ck_assert_msg(fi->section != NFP_S_NONE, "keyed row %s has no section", fi->key);
			/* the lexer's key tables take keys of up to 9 bytes (KEY_MAX in src/parse/kernel.c) */
			ck_assert_msg(fi->keylen <= 9, "key %s is longer than the lexer's KEY_MAX", fi->key);
			for (size_t i = 0; i < fi->keylen; i++)
				ck_assert_msg(fi->key[i] >= 'A' && fi->key[i] <= 'Z', "key %s not upper case", fi->key);
		}
	}
}
END_TEST

START_TEST(test_unique)
{
	for (int a = 0; a < NFP_F__COUNT; a++)
		for (int b = a + 1; b < NFP_F__COUNT; b++) {
			const struct nfp_field_info *x = &nfp_fields[a], *y = &nfp_fields[b];
			if (x->keylen && y->keylen && strcmp(x->key, y->key) == 0)
				ck_assert_msg(x->section != y->section && x->section != NFP_S_ANY0 && y->section != NFP_S_ANY0,
					      "key %s ambiguous", x->key);
			/* same group, same JSON name would overwrite each other */
			ck_assert_msg(!(x->group == y->group && strcmp(x->name, y->name) == 0), "JSON name %s twice", x->name);
		}
}
END_TEST

START_TEST(test_flags)
{
	for (unsigned i = 0; i < nfp_nflags; i++) {
		const struct nfp_flag_info *fl = &nfp_flags[i];
		ck_assert_uint_eq(fl->len, strlen(fl->word));
		ck_assert_int_eq(nfp_fields[fl->field].kind, NFP_K_FLAGS);
		ck_assert_int_eq(nfp_fields[fl->field].section, fl->section);
		for (unsigned j = i + 1; j < nfp_nflags; j++) {
			ck_assert(!(nfp_flags[j].field == fl->field && nfp_flags[j].bit == fl->bit));
			/* print order = bit order */
			if (nfp_flags[j].field == fl->field)
				ck_assert_uint_lt(fl->bit, nfp_flags[j].bit);
		}
	}
}
END_TEST

START_TEST(test_protos)
{
	ck_assert_int_eq(nfp_proto_by_name("TCP", 3), 6);
	ck_assert_int_eq(nfp_proto_by_name("ICMPv6", 6), 58);
	ck_assert_int_eq(nfp_proto_by_name("UDPLITE", 7), 136);
	ck_assert_int_eq(nfp_proto_by_name("tcp", 3), -1);
	ck_assert_int_eq(nfp_proto_by_name("SCTP", 4), -1); /* the kernel prints 132 */
}
END_TEST

Suite *fields_suite(void)
{
	Suite *s = suite_create("fields");
	TCase *tc = tcase_create("table");
	tcase_add_test(tc, test_rows);
	tcase_add_test(tc, test_unique);
	tcase_add_test(tc, test_flags);
	tcase_add_test(tc, test_protos);
	suite_add_tcase(s, tc);
	return s;
}
