/* Typed decoders: tables of (input, expected consumed, expected value), hostile cases named. */
#include <stdint.h>
#include "suites.h"

static const struct {
	const char *in;
	uint64_t max;
	size_t used;
	uint64_t val;
} dec_cases[] = {
	{ "0", 255, 1, 0 },
	{ "255", 255, 3, 255 },
	{ "256", 255, 0, 0 },                          /* above max */
	{ "65535 ", 65535, 5, 65535 },                 /* stops at space */
	{ "18446744073709551615", UINT64_MAX, 20, UINT64_MAX },
	{ "18446744073709551616", UINT64_MAX, 0, 0 },  /* overflow by one */
	{ "99999999999999999999999999", UINT64_MAX, 0, 0 }, /* overlong */
	{ "", 10, 0, 0 },                              /* empty */
	{ "x1", 10, 0, 0 },
	{ "-1", 10, 0, 0 },
	{ "12\xff", 100, 2, 12 },                      /* high-bit byte ends it */
};

START_TEST(test_dec)
{
	uint64_t v = 777;
	const char *in = dec_cases[_i].in;
	size_t used = nfp_dec(in, strlen(in), dec_cases[_i].max, &v);
	ck_assert_uint_eq(used, dec_cases[_i].used);
	if (used)
		ck_assert_uint_eq(v, dec_cases[_i].val);
	else
		ck_assert_uint_eq(v, 777); /* nothing stored on "not this" */
}
END_TEST

static const struct {
	const char *in;
	size_t used;
	uint64_t val;
} hex_cases[] = {
	{ "0x00", 4, 0 }, { "0xE0", 4, 0xe0 }, { "0x1f", 4, 0x1f }, { "00", 2, 0 }, /* vendor TOS=00 */
	{ "cb886522", 8, 0xcb886522 }, { "0x", 0, 0 }, { "0xg", 0, 0 }, { "", 0, 0 },
	{ "0xffffffffffffffff", 18, UINT64_MAX }, { "0x1ffffffffffffffff", 0, 0 },
};

START_TEST(test_hex)
{
	uint64_t v = 777;
	const char *in = hex_cases[_i].in;
	size_t used = nfp_hex(in, strlen(in), UINT64_MAX, &v);
	ck_assert_uint_eq(used, hex_cases[_i].used);
	if (used)
		ck_assert_uint_eq(v, hex_cases[_i].val);
}
END_TEST

static const struct {
	const char *in;
	size_t used;
	uint8_t a[4];
} v4_cases[] = {
	{ "10.0.0.4", 8, { 10, 0, 0, 4 } },
	{ "255.255.255.255", 15, { 255, 255, 255, 255 } },
	{ "256.1.1.1", 0, { 0 } },
	{ "1.2.3", 0, { 0 } },          /* cut */
	{ "1.2.3.", 0, { 0 } },
	{ "1.2.3.4.5", 0, { 0 } },
	{ "1.2.3.4567", 0, { 0 } },
	{ "01.2.3.4", 0, { 0 } },          /* leading zeros: refused, as inet_pton does (D6) */
	{ "010.001.000.001", 0, { 0 } },
	{ "10.0.0.0", 8, { 10, 0, 0, 0 } }, /* a single 0 is a 0 */
	{ "1.2.3.04", 0, { 0 } },
	{ "", 0, { 0 } },
};

START_TEST(test_ipv4)
{
	uint8_t a[4] = { 0 };
	const char *in = v4_cases[_i].in;
	size_t used = nfp_ipv4(in, strlen(in), a);
	ck_assert_uint_eq(used, v4_cases[_i].used);
	if (used)
		ck_assert_mem_eq(a, v4_cases[_i].a, 4);
}
END_TEST

static const struct {
	const char *in;
	int ok;
	const char *canon; /* as inet_ntop prints it: checked in check_json */
	uint8_t a[16];
} v6_cases[] = {
	{ "fe80:0000:0000:0000:0084:88ff:feae:790a", 1, "fe80::84:88ff:feae:790a",
	  { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0x84, 0x88, 0xff, 0xfe, 0xae, 0x79, 0x0a } },
	{ "ff02:0000:0000:0000:0000:0000:0000:0016", 1, "ff02::16",
	  { 0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x16 } },
	{ "::1", 1, "::1", { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 } },
	{ "::", 1, "::", { 0 } },
	{ "2001:db8::", 1, "2001:db8::", { 0x20, 1, 0x0d, 0xb8 } },
	{ "::ffff:1.2.3.4", 1, "::ffff:1.2.3.4", { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4 } },
	{ "2a02:cf40:add:4002:91f2:a9b2:e09a:6fc6", 1, "2a02:cf40:add:4002:91f2:a9b2:e09a:6fc6",
	  { 0x2a, 0x02, 0xcf, 0x40, 0x0a, 0xdd, 0x40, 0x02, 0x91, 0xf2, 0xa9, 0xb2, 0xe0, 0x9a, 0x6f, 0xc6 } },
	{ "fe80:0000:0000:0000:0084:88ff:feae", 0, NULL, { 0 } },   /* cut: 7 groups */
	{ "fe80:0000:0000:0000:0084:88ff:feae:", 0, NULL, { 0 } },  /* cut after ':' */
	{ "1:2:3:4:5:6:7:8:9", 0, NULL, { 0 } },
	{ "1::2::3", 0, NULL, { 0 } },
	{ "12345::", 0, NULL, { 0 } },
	{ ":1", 0, NULL, { 0 } },
	{ "1:2:3:4:5:6:7::8", 0, NULL, { 0 } },
	{ "", 0, NULL, { 0 } },
};

START_TEST(test_ipv6)
{
	uint8_t a[16] = { 0 };
	const char *in = v6_cases[_i].in;
	size_t used = nfp_ipv6(in, strlen(in), a);
	if (v6_cases[_i].ok) {
		ck_assert_uint_eq(used, strlen(in));
		ck_assert_mem_eq(a, v6_cases[_i].a, 16);
	} else {
		ck_assert_uint_ne(used, strlen(in) ? strlen(in) : 1);
	}
}
END_TEST

START_TEST(test_mac)
{
	uint8_t m[6];
	static const uint8_t want[6] = { 0xfa, 0x16, 0x3e, 0xa7, 0x0c, 0xf3 };
	size_t nb = 0;
	ck_assert_uint_eq(nfp_mac("fa:16:3e:a7:0c:f3", 17, m), 17);
	ck_assert_mem_eq(m, want, 6);
	ck_assert_uint_eq(nfp_mac("FA:16:3E:A7:0C:F3", 17, m), 17);
	ck_assert_uint_eq(nfp_mac("fa:16:3e:a7:0c:f", 16, m), 0);   /* cut */
	ck_assert_uint_eq(nfp_mac("fa:16:3e:a7:0c:f3:00", 20, m), 0); /* longer */
	ck_assert_uint_eq(nfp_mac("fa-16-3e-a7-0c-f3", 17, m), 0);
	ck_assert_uint_eq(nfp_machex("90:10:92:6e:ea:a7:90:10:73:ba:d6:77:08:00:45:fc:02:1c", 53, &nb), 53);
	ck_assert_uint_eq(nb, 18);
	ck_assert_uint_eq(nfp_machex("00:1", 4, &nb), 2); /* a cut pair is not consumed */
	ck_assert_uint_eq(nfp_machex("", 0, &nb), 0);
}
END_TEST

START_TEST(test_trace_hdr)
{
	struct nfp_pkt p;
	const char *h = "nat:quantum-l3-agent-POSTROUTING:rule:1 IN=";
	memset(&p, 0, sizeof(p));
	ck_assert_uint_eq(nfp_trace_hdr(h, strlen(h), 0, &p), 39);
	ck_assert_uint_eq(p.v[NFP_F_TRACE_RULE].u, 1);
	ck_assert_uint_eq(p.v[NFP_F_TRACE_CHAIN].s.off, 4);
	ck_assert_uint_eq(p.v[NFP_F_TRACE_CHAIN].s.len, strlen("quantum-l3-agent-POSTROUTING"));
	/* chain names holding ':' keep them; type/rulenum come from the end */
	h = "filter:a:b:return:3 ";
	ck_assert_uint_eq(nfp_trace_hdr(h, strlen(h), 0, &p), 19);
	ck_assert_uint_eq(p.v[NFP_F_TRACE_CHAIN].s.len, 3);
	/* old nf_tables policy: -1 printed unsigned */
	h = "filter:input:policy:4294967295 ";
	ck_assert_uint_eq(nfp_trace_hdr(h, strlen(h), 0, &p), 30);
	ck_assert_uint_eq(p.v[NFP_F_TRACE_RULE].u, 4294967295u);
	ck_assert_uint_eq(nfp_trace_hdr("raw:OUTPUT:jump:1 ", 18, 0, &p), 0);   /* unknown type */
	ck_assert_uint_eq(nfp_trace_hdr("raw:OUTPUT:rule: ", 17, 0, &p), 0);    /* no number */
	ck_assert_uint_eq(nfp_trace_hdr(":OUTPUT:rule:1 ", 15, 0, &p), 0);      /* no table */
	ck_assert_uint_eq(nfp_trace_hdr("raw::rule:1 ", 12, 0, &p), 0);         /* no chain */
	ck_assert_uint_eq(nfp_trace_hdr("raw:OUTPUT:rule:99999999999 ", 28, 0, &p), 0);
}
END_TEST

START_TEST(test_carrier)
{
	static const struct {
		const char *in;
		size_t off;
	} c[] = {
		{ "[  179.000503] fw: IN=", 15 },
		{ "<4>[  179.000503] fw: IN=", 18 },
		{ "[1038991.870882] TRACE: raw", 17 },
		{ "[   75.515173] [T123] x", 22 },
		{ " [16571.459614] IN=", 16 },
		{ "[UFW BLOCK] IN=", 0 },             /* a prefix, not a stamp */
		{ "[WAN_LOCAL-default-D]IN=", 0 },
		{ "[ 12.5", 0 },                       /* cut stamp is left alone */
		{ "<12", 0 },
	};
	ck_assert_uint_eq(nfp_skip_carrier(c[_i].in, strlen(c[_i].in)), c[_i].off);
}
END_TEST

#define N(a) (int)(sizeof(a) / sizeof((a)[0]))

Suite *value_suite(void)
{
	Suite *s = suite_create("value");
	TCase *tc = tcase_create("decoders");
	tcase_add_loop_test(tc, test_dec, 0, N(dec_cases));
	tcase_add_loop_test(tc, test_hex, 0, N(hex_cases));
	tcase_add_loop_test(tc, test_ipv4, 0, N(v4_cases));
	tcase_add_loop_test(tc, test_ipv6, 0, N(v6_cases));
	tcase_add_test(tc, test_mac);
	tcase_add_test(tc, test_trace_hdr);
	tcase_add_loop_test(tc, test_carrier, 0, 9);
	suite_add_tcase(s, tc);
	return s;
}
