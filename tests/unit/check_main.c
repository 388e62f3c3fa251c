#include <stdlib.h>
#include "suites.h"

int main(void)
{
	SRunner *sr = srunner_create(value_suite());
	int failed;
	srunner_add_suite(sr, lex_suite());
	srunner_add_suite(sr, fields_suite());
	srunner_add_suite(sr, json_suite());
	srunner_add_suite(sr, cid_suite());
	srunner_add_suite(sr, resolve_suite());
	srunner_add_suite(sr, snapset_suite());
	srunner_add_suite(sr, dedup_suite());
	srunner_add_suite(sr, rsversion_suite());
	srunner_add_suite(sr, match_suite());
	srunner_add_suite(sr, packet_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
