/* The glue's reading of the running rsyslogd's release from its executable (rsversion.c). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "suites.h"
#include "../../plugin/mmnetfilter/rsversion.h"

static size_t version_of(const char *content, size_t n, char *out, size_t cap)
{
	char path[] = "/tmp/mnf-rsversion-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, content, n), (ssize_t)n);
	close(fd);
	size_t got = nfp_exe_version(path, out, cap);
	unlink(path);
	return got;
}

START_TEST(test_exe_version)
{
	static const char exe[] = "\x7f" "ELF\0\0junk [origin software=\"rsyslogd\" swVersion=\"8.2302.0\" x-pid=\"%d\"]\0more";
	char v[32];
	ck_assert_uint_eq(version_of(exe, sizeof(exe) - 1, v, sizeof(v)), 8);
	ck_assert_str_eq(v, "8.2302.0");
	/* none there, not closed, a character no version has, longer than the room */
	ck_assert_uint_eq(version_of("\0\0swVersion=", 12, v, sizeof(v)), 0);
	ck_assert_str_eq(v, "");
	ck_assert_uint_eq(version_of("swVersion=\"8.2302.0", 19, v, sizeof(v)), 0);
	ck_assert_uint_eq(version_of("swVersion=\"8.23 02\"", 19, v, sizeof(v)), 0);
	ck_assert_uint_eq(version_of(exe, sizeof(exe) - 1, v, 8), 0);
	ck_assert_uint_eq(version_of(exe, sizeof(exe) - 1, v, 9), 8);
	ck_assert_uint_eq(version_of("", 0, v, sizeof(v)), 0);
	ck_assert_uint_eq(nfp_exe_version("/nonexistent/rsyslogd", v, sizeof(v)), 0);
	/* the real one, where there is one */
	if (access("/usr/sbin/rsyslogd", R_OK) == 0)
		ck_assert_uint_gt(nfp_exe_version("/usr/sbin/rsyslogd", v, sizeof(v)), 0);
}
END_TEST

Suite *rsversion_suite(void)
{
	Suite *s = suite_create("rsversion");
	TCase *tc = tcase_create("exe");
	tcase_add_test(tc, test_exe_version);
	suite_add_tcase(s, tc);
	return s;
}
