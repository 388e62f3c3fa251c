/* The native schema: exact documents for representative lines (member order included, as
 * the emitter is deterministic). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include "suites.h"
#include "emit/nfp_json.h"
#include "emit/sink.h"

static const struct {
	const char *line;
	const char *json;
} docs[] = {
	{ "[  12.000001] TRACE: nat:POSTROUTING:rule:1 IN= OUT=br-ex SRC=10.0.0.4 DST=192.168.0.19 LEN=84 TOS=0x00 PREC=0x00 TTL=63 ID=0 DF PROTO=ICMP TYPE=8 CODE=0 ID=28976 SEQ=1 ",
	  "{\"type\":\"trace\",\"prefix\":\"TRACE: nat:POSTROUTING:rule:1 \",\"trace\":{\"table\":\"nat\",\"chain\":\"POSTROUTING\",\"type\":\"rule\",\"rulenum\":1,\"source\":\"kernel\",\"packet\":\"2785ca78ec18ce1d\"},"
	  "\"in\":\"\",\"out\":\"br-ex\",\"ip\":{\"version\":4,\"src\":\"10.0.0.4\",\"dst\":\"192.168.0.19\",\"len\":84,\"tos\":0,\"prec\":0,\"ttl\":63,\"id\":0,"
	  "\"flags\":[\"DF\"],\"proto\":1,\"proto_name\":\"ICMP\"},\"icmp\":{\"type\":8,\"code\":0,\"id\":28976,\"seq\":1}}" },
	{ "fw: IN=eth0 OUT= MAC=00:11:22:33:44:55:66:77:88:99:aa:bb:86:dd SRC=fe80:0000:0000:0000:0084:88ff:feae:790a DST=ff02:0000:0000:0000:0000:0000:0000:0016 LEN=96 TC=0 HOPLIMIT=1 FLOWLBL=0 PROTO=ICMPv6 TYPE=1 CODE=4 [SRC=ff02:0000:0000:0000:0000:0000:0000:0016 DST=fe80:0000:0000:0000:0084:88ff:feae:790a LEN=48 TC=0 HOPLIMIT=64 FLOWLBL=7 PROTO=UDPLITE SPT=1 DPT=2 LEN=8 ] ",
	  "{\"type\":\"log\",\"prefix\":\"fw: \",\"in\":\"eth0\",\"out\":\"\",\"mac\":{\"raw\":\"00:11:22:33:44:55:66:77:88:99:aa:bb:86:dd\",\"dst\":\"00:11:22:33:44:55\",\"src\":\"66:77:88:99:aa:bb\",\"ethertype\":34525},"
	  "\"ip\":{\"version\":6,\"src\":\"fe80::84:88ff:feae:790a\",\"dst\":\"ff02::16\",\"len\":96,\"tc\":0,\"hoplimit\":1,\"flowlbl\":0,\"proto\":58,\"proto_name\":\"ICMPv6\"},"
	  "\"icmpv6\":{\"type\":1,\"code\":4,\"inner\":{\"ip\":{\"version\":6,\"src\":\"ff02::16\",\"dst\":\"fe80::84:88ff:feae:790a\",\"len\":48,\"tc\":0,\"hoplimit\":64,\"flowlbl\":7,\"proto\":136,\"proto_name\":\"UDPLITE\"},"
	  "\"udplite\":{\"spt\":1,\"dpt\":2,\"len\":8}}}}" },
	{ "x: IN=eth0 OUT= MAC= SRC=10.0.0.1 DST=10.0.0.2 LEN=zz TOS=0x00 PREC=0x00 TTL=64 ID=1 PROTO=TCP SPT=1 DPT=2 WINDOW=3 RES=0x00 SYN URGP=0 WEIRD=1 ",
	  "{\"type\":\"log\",\"prefix\":\"x: \",\"in\":\"eth0\",\"out\":\"\",\"mac\":{\"raw\":\"\"},\"ip\":{\"version\":4,\"src\":\"10.0.0.1\",\"dst\":\"10.0.0.2\",\"tos\":0,\"prec\":0,\"ttl\":64,\"id\":1,\"proto\":6,\"proto_name\":\"TCP\"},"
	  "\"tcp\":{\"spt\":1,\"dpt\":2,\"window\":3,\"res\":0,\"flags\":[\"SYN\"],\"urgp\":0},\"invalid\":{\"LEN\":\"zz\"},\"unknown\":[\"WEIRD=1\"]}" },
	{ "IN=eth0 OUT= MAC= SRC=10.0.0.1 DST=10.0.0.2 LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=1 PROTO=TCP SPT=1 DP",
	  "{\"type\":\"log\",\"prefix\":\"\",\"in\":\"eth0\",\"out\":\"\",\"mac\":{\"raw\":\"\"},\"ip\":{\"version\":4,\"src\":\"10.0.0.1\",\"dst\":\"10.0.0.2\",\"len\":40,\"tos\":0,\"prec\":0,\"ttl\":64,\"id\":1,\"proto\":6,\"proto_name\":\"TCP\"},"
	  "\"tcp\":{\"spt\":1},\"truncated\":true,\"unknown\":[\"DP\"]}" },
};

/* D2: MAC= with MACSRC= (or MACDST=/MACPROTO=, the ebtables "MAC source =" form): one member
 * per name in the mac object, in both native emitters */
START_TEST(test_mac_no_duplicates)
{
	static const char *const lines[] = {
		"IN=eth0 OUT= MAC=00:11:22:33:44:55:66:77:88:99:aa:bb:08:00 MACSRC=de:ad:be:ef:00:01 SRC=192.0.2.1 DST=192.0.2.2 LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=1 PROTO=UDP SPT=1 DPT=2 LEN=20 ",
		"IN=eth0 OUT= MAC=00:11:22:33:44:55:66:77:88:99:aa:bb:08:00 MACSRC=de:ad:be:ef:00:01 MACDST=de:ad:be:ef:00:02 MACPROTO=0800 SRC=192.0.2.1 DST=192.0.2.2 LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=1 PROTO=UDP SPT=1 DPT=2 LEN=20 ",
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		struct nfp_record *r = parse_str(lines[i]);
		struct fjson_object *j = nfp_to_json(r, lines[i]), *mac = NULL;
		char text[4096];
		size_t n = nfp_to_json_text(r, lines[i], text, sizeof(text));
		const char *s = fjson_object_to_json_string_ext(j, FJSON_TO_STRING_PLAIN);
		ck_assert(fjson_object_object_get_ex(j, "mac", &mac));
		ck_assert_ptr_nonnull(strstr(s, "\"src\":\"de:ad:be:ef:00:01\""));
		/* each name once: count "src" members in the mac object's text */
		const char *m = strstr(s, "\"mac\":{"), *e = strchr(m, '}');
		int srcs = 0;
		for (const char *q = m; q && q < e; q = strstr(q + 1, "\"src\":"))
			srcs += q != m;
		ck_assert_int_eq(srcs, 1);
		ck_assert(n == strlen(s) && memcmp(text, s, n) == 0);
		fjson_object_put(j);
	}
}
END_TEST

/* D4: UTF-8 (RFC 3629) */
static const struct {
	const char *in;
	size_t valid;      /* well-formed prefix */
	const char *fixed; /* repaired */
} utf8_cases[] = {
	{ "abc", 3, "abc" },
	{ "\xc3\xa9t\xc3\xa9", 5, "\xc3\xa9t\xc3\xa9" },
	{ "\xe2\x82\xac \xf0\x9f\x94\xa5", 8, "\xe2\x82\xac \xf0\x9f\x94\xa5" },
	{ "a\xc0\x80", 1, "a\xef\xbf\xbd\xef\xbf\xbd" },             /* overlong NUL */
	{ "\xe0\x80\x80", 0, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" }, /* overlong */
	{ "\xed\xa0\x80", 0, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" }, /* surrogate */
	{ "\xf4\x90\x80\x80", 0, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" }, /* > U+10FFFF */
	{ "\xf5x", 0, "\xef\xbf\xbdx" },
	{ "x\x80y", 1, "x\xef\xbf\xbdy" },                             /* lone continuation */
	{ "ok\xe2\x82", 2, "ok\xef\xbf\xbd\xef\xbf\xbd" },           /* cut short */
	{ "\xff", 0, "\xef\xbf\xbd" },
};

START_TEST(test_utf8)
{
	char out[64];
	const char *in = utf8_cases[_i].in;
	ck_assert_uint_eq(nfp_utf8_valid(in, strlen(in)), utf8_cases[_i].valid);
	size_t n = nfp_utf8_repair(in, strlen(in), out);
	ck_assert_uint_eq(n, strlen(utf8_cases[_i].fixed));
	ck_assert_mem_eq(out, utf8_cases[_i].fixed, n);
	ck_assert_uint_eq(nfp_utf8_valid(out, n), n);
}
END_TEST

/* a record with ill-formed bytes: both native emitters and ECS write valid UTF-8, say so */
START_TEST(test_utf8_record)
{
	const char *l = "[\xff\xfe BLOCK] IN=e\xc3th0 OUT= SRC=10.0.0.1 DST=10.0.0.2 LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=1 "
			"PROTO=TCP SPT=1 DPT=2 WINDOW=3 RES=0x00 SYN URGP=0 X\x80=1 ";
	struct nfp_record *r = parse_str(l);
	struct fjson_object *j = nfp_to_json(r, l), *e;
	struct nfp_ecs_meta m = { NULL, "h\xfe", l, strlen(l), NULL };
	char text[4096];
	size_t n = nfp_to_json_text(r, l, text, sizeof(text));
	const char *s = fjson_object_to_json_string_ext(j, FJSON_TO_STRING_PLAIN);
	ck_assert_uint_eq(nfp_utf8_valid(s, strlen(s)), strlen(s));
	ck_assert_ptr_nonnull(strstr(s, "\"prefix\":\"[\xef\xbf\xbd\xef\xbf\xbd BLOCK] \""));
	ck_assert_ptr_nonnull(strstr(s, ",\"utf8_repaired\":true}"));
	ck_assert(n == strlen(s) && memcmp(text, s, n) == 0);
	e = nfp_to_ecs(r, l, &m);
	s = fjson_object_to_json_string_ext(e, FJSON_TO_STRING_PLAIN);
	ck_assert_uint_eq(nfp_utf8_valid(s, strlen(s)), strlen(s));
	ck_assert_ptr_nonnull(strstr(s, "\"utf8_repaired\":true"));
	fjson_object_put(j);
	fjson_object_put(e);
	/* a clean record has no flag */
	l = "x: IN=eth0 OUT= SRC=10.0.0.1 DST=10.0.0.2 LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=1 PROTO=UDP SPT=1 DPT=2 LEN=20 ";
	j = nfp_to_json(parse_str(l), l);
	ck_assert_ptr_null(strstr(fjson_object_to_json_string_ext(j, FJSON_TO_STRING_PLAIN), "utf8_repaired"));
	fjson_object_put(j);
}
END_TEST

/* fields=: only what is named; both native emitters agree; unknown names are refused */
START_TEST(test_select)
{
	static const struct {
		const char *spec, *want;
	} cases[] = {
		{ "addresses,ports", "{\"type\":\"log\",\"ip\":{\"version\":4,\"src\":\"192.0.2.1\",\"dst\":\"192.0.2.2\"},\"tcp\":{\"spt\":40000,\"dpt\":22}}" },
		{ "prefix, tcp.flags ,in", "{\"type\":\"log\",\"prefix\":\"fw: \",\"in\":\"eth0\",\"tcp\":{\"flags\":[\"SYN\"]}}" },
		{ "protocol,unknown", "{\"type\":\"log\",\"ip\":{\"version\":4,\"proto\":6,\"proto_name\":\"TCP\"},\"unknown\":[\"W=1\"]}" },
		{ "", "{\"type\":\"log\"}" },
	};
	const char *l = "fw: IN=eth0 OUT= MAC=00:11:22:33:44:55:66:77:88:99:aa:bb:08:00 SRC=192.0.2.1 DST=192.0.2.2 LEN=60 TOS=0x00 "
			"PREC=0x00 TTL=64 ID=54321 DF PROTO=TCP SPT=40000 DPT=22 WINDOW=64240 RES=0x00 SYN URGP=0 W=1 ";
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct nfp_select sel;
		char err[128], text[4096];
		ck_assert_int_eq(nfp_select_parse(cases[i].spec, &sel, err, sizeof(err)), 0);
		struct nfp_extra x = { NULL, 0, NULL, &sel, NULL };
		struct fjson_object *j = nfp_to_json_ex(parse_str(l), l, &x);
		size_t n = nfp_to_json_text_ex(parse_str(l), l, &x, text, sizeof(text));
		ck_assert_str_eq(fjson_object_to_json_string_ext(j, FJSON_TO_STRING_PLAIN), cases[i].want);
		ck_assert(n == strlen(cases[i].want) && memcmp(text, cases[i].want, n) == 0);
		fjson_object_put(j);
	}
	struct nfp_select sel;
	char err[128];
	ck_assert_int_eq(nfp_select_parse("ip.src,ip.nope", &sel, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "unknown field name 'ip.nope'");
	ck_assert_int_eq(nfp_select_parse("all", &sel, err, sizeof(err)), 0);
	ck_assert(nfp_selected(&sel, NFP_F_MARK) && sel.rule && sel.inner);
}
END_TEST

START_TEST(test_doc)
{
	struct nfp_record *r = parse_str(docs[_i].line);
	struct fjson_object *j = nfp_to_json(r, docs[_i].line);
	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(fjson_object_to_json_string_ext(j, FJSON_TO_STRING_PLAIN), docs[_i].json);
	fjson_object_put(j);
}
END_TEST

START_TEST(test_none_is_null)
{
	struct nfp_record *r = parse_str("not a firewall line");
	ck_assert_ptr_null(nfp_to_json(r, "not a firewall line"));
}
END_TEST

/* every record of the corpus files (from $top_srcdir) through fn; returns how many */
typedef void (*record_fn)(const char *file, const char *line, size_t len, struct nfp_record *r, void *ctx);
static size_t each_corpus_record(record_fn fn, void *ctx)
{
	static const char *const files[] = {
		"tests/golden/seed/trace-openstack.log", "tests/golden/elastic/test-iptables-raw.log",
		"tests/golden/elastic/test-ubiquiti.log", "tests/golden/beats/ipv6.log", "tests/golden/beats/iptables.log",
		"tests/golden/formats/kernel.log", "tests/golden/formats/vendors.log", "tests/golden/formats/ebtables.log",
		"tests/golden/liblognorm/field_v2-iptables.log", "tests/data/hostile.log", "tests/data/control-bytes.log",
	};
	const char *top = getenv("top_srcdir");
	char path[4096], *line = NULL;
	size_t cap = 0, count = 0;
	ssize_t n;
	static struct nfp_record r;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		FILE *f;
		snprintf(path, sizeof(path), "%s/%s", top ? top : ".", files[i]);
		f = fopen(path, "r");
		ck_assert_msg(f != NULL, "cannot open %s", path);
		while ((n = getline(&line, &cap, f)) > 0) {
			size_t len = (size_t)n - (line[n - 1] == '\n');
			if (nfp_parse(line, len, &r) == NFP_NONE)
				continue;
			fn(files[i], line, len, &r, ctx);
			count++;
		}
		fclose(f);
	}
	free(line);
	return count;
}

static void text_equals_object(const char *file, const char *line, size_t len, struct nfp_record *r, void *ctx)
{
	char *buf = ctx;
	struct fjson_object *j = nfp_to_json(r, line);
	const char *want = fjson_object_to_json_string_ext(j, FJSON_TO_STRING_PLAIN);
	size_t got = nfp_to_json_text(r, line, buf, 1 << 20);
	ck_assert_msg(got == strlen(want) && memcmp(buf, want, got) == 0, "%s: text writer differs:\n%.*s\n%s", file,
		      (int)got, buf, want);
	/* a buffer too small is never overrun, and the needed size is reported */
	buf[10] = 'X';
	ck_assert_uint_eq(nfp_to_json_text(r, line, buf, 10), got);
	ck_assert_int_eq(buf[10], 'X');
	fjson_object_put(j);
	/* ECS alike: one emitter, the tree sink printed by libfastjson = the text sink */
	struct nfp_ecs_meta m = { "2026-11-29T07:00:00.000000+00:00", "fw \"1\"/a", line, len, NULL };
	j = nfp_to_ecs(r, line, &m);
	want = fjson_object_to_json_string_ext(j, FJSON_TO_STRING_PLAIN);
	got = nfp_to_ecs_text(r, line, &m, NULL, buf, 1 << 20);
	ck_assert_msg(got == strlen(want) && memcmp(buf, want, got) == 0, "%s: ECS text differs:\n%.*s\n%s", file,
		      (int)got, buf, want);
	buf[10] = 'X';
	ck_assert_uint_eq(nfp_to_ecs_text(r, line, &m, NULL, buf, 10), got);
	ck_assert_int_eq(buf[10], 'X');
	fjson_object_put(j);
}

/* One string member through both sinks, for strings made of the bytes that matter (NUL,
 * control, the escaped ones, ASCII, well-formed and ill-formed UTF-8) at every length around
 * the text sink's 16-byte steps: the text equals libfastjson's printing of the tree */
START_TEST(test_sink_strings)
{
	static const char *const parts[] = { "a", "/", "\"", "\\", "\n", "\x01", "\x1f", "\xc3\xa9", "\xff", "\xe2\x82", "z9" };
	const size_t np = sizeof(parts) / sizeof(parts[0]);
	uint64_t x = 88172645463325252ull;
	char str[128], buf[1024];
	for (int round = 0; round < 20000; round++) {
		size_t n = 0, want_len = (size_t)(round % 48);
		while (n < want_len) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			const char *p = parts[x % np];
			size_t pl = strlen(p);
			if (x % 97 == 0) /* a NUL byte inside */
				str[n++] = 0;
			else if (n + pl < sizeof(str))
				memcpy(str + n, p, pl), n += pl;
			else
				break;
		}
		struct nfp_sink t, k;
		nfp_sink_tree(&t);
		nfp_sink_open(&t, NULL);
		nfp_sink_str(&t, "s", str, n);
		nfp_sink_close(&t);
		nfp_sink_text(&k, buf, sizeof(buf));
		nfp_sink_open(&k, NULL);
		nfp_sink_str(&k, "s", str, n);
		nfp_sink_close(&k);
		const char *want = fjson_object_to_json_string_ext(t.root, FJSON_TO_STRING_PLAIN);
		ck_assert_msg(k.n == strlen(want) && memcmp(buf, want, k.n) == 0, "string %d: %.*s vs %s", round, (int)k.n, buf,
			      want);
		ck_assert_int_eq(k.repaired, t.repaired);
		fjson_object_put(t.root);
	}
}
END_TEST

/* The two sinks give one document: for every corpus line, native and ECS, the text sink's
 * output equals libfastjson's rendering of the tree sink's object, byte for byte. */
START_TEST(test_text_equals_object)
{
	char *buf = malloc(1 << 20);
	ck_assert_uint_gt(each_corpus_record(text_equals_object, buf), 100);
	free(buf);
}
END_TEST

#ifdef NFP_HAVE_FJSON_PRIVATE
#include <json_object_private.h>
/* The live-tree serializer prints what libfastjson prints: every corpus record's native and
 * ECS document, plain and spaced, on its own and nested in a parent (as rsyslog's "$!" tree
 * holds the container), also after members were added and removed (rsyslog's set/unset) */
static void same_text(struct fjson_object *doc, const char *what)
{
	static const int forms[] = { FJSON_TO_STRING_PLAIN, FJSON_TO_STRING_SPACED, FJSON_TO_STRING_PRETTY };
	struct fjson_object *parent = fjson_object_new_object();
	fjson_object_object_add(parent, "netfilter", fjson_object_get(doc));
	for (int nested = 0; nested < 2; nested++) {
		for (size_t k = 0; k < sizeof(forms) / sizeof(forms[0]); k++) {
			struct fjson_object *top = nested ? parent : doc;
			struct fjson_object *o = fjson_object_new_object();
			fjson_object_to_json_string_fn *saved = doc->_to_json_string;
			char *want;
			doc->_to_json_string = o->_to_json_string; /* libfastjson's own */
			want = strdup(fjson_object_to_json_string_ext(top, forms[k]));
			doc->_to_json_string = saved;
			ck_assert_msg(strcmp(fjson_object_to_json_string_ext(top, forms[k]), want) == 0,
				      "%s (form %d, nested %d): live serializer differs:\n%s\n%s", what, forms[k], nested,
				      fjson_object_to_json_string_ext(top, forms[k]), want);
			free(want);
			fjson_object_put(o);
		}
	}
	fjson_object_put(parent);
}

static void live_same(const char *file, const char *line, size_t len, struct nfp_record *r, void *ctx)
{
	struct nfp_ecs_meta m = { "2026-11-29T07:00:00.000000+00:00", "fw \"1\"/a", line, len, NULL };
	struct fjson_object *doc2[2] = { nfp_to_json(r, line), nfp_to_ecs(r, line, &m) };
	(void)ctx;
	for (int d = 0; d < 2; d++) {
		struct fjson_object *inner = NULL;
		nfp_json_live_attach(doc2[d]);
		same_text(doc2[d], file);
		/* rsyslog's set and unset change the tree after it was built */
		fjson_object_object_add(doc2[d], "added", fjson_object_new_string("x/\x01\""));
		fjson_object_object_del(doc2[d], "type");
		fjson_object_object_del(doc2[d], "message");
		if (fjson_object_object_get_ex(doc2[d], d ? "iptables" : "ip", &inner))
			fjson_object_object_add(inner, "set", fjson_object_new_double(1.5));
		same_text(doc2[d], file);
		fjson_object_put(doc2[d]);
	}
}

START_TEST(test_live_serializer)
{
	const char *why = NULL;
	char w[160];
	ck_assert_msg(nfp_json_live_init(&why), "the live serializer is off: %s", why);
	ck_assert_uint_gt(each_corpus_record(live_same, NULL), 100);
	/* only under the libfastjson release it was built against */
	ck_assert_int_eq(nfp_json_live_version_ok(fjson_version(), w, sizeof(w)), 1);
	ck_assert_int_eq(nfp_json_live_version_ok("0.99.0", w, sizeof(w)), 0);
	ck_assert_msg(strstr(w, "libfastjson 0.99.0 is running") != NULL && strstr(w, NFP_FJSON_BUILT) != NULL, "%s", w);
	ck_assert_int_eq(nfp_json_live_version_ok(NULL, w, sizeof(w)), 0);
}
END_TEST
#else
START_TEST(test_live_serializer)
{
	const char *why = NULL;
	ck_assert_int_eq(nfp_json_live_init(&why), 0);
	printf("live serializer: off (%s): nothing to compare\n", why);
}
END_TEST
#endif

/* our address formatter against the C library's inet_ntop */
START_TEST(test_format_ip)
{
	static const char *const v6[] = { "::", "::1", "1::", "2001:db8::1", "fe80::84:88ff:feae:790a", "::ffff:1.2.3.4",
		"::1.2.3.4", "1:0:0:1:0:0:0:1", "1:0:0:1:1:0:0:1", "0:0:1::", "2001:db8:0:1:1:1:1:1", "ff02::16",
		"1:2:3:4:5:6:7:8", "0:1:0:0:0:0:0:0", "::ffff:0:0", "64:ff9b::1.2.3.4" };
	char mine[NFP_IPSTR_MAX + 1], libc[INET6_ADDRSTRLEN];
	uint8_t a[16];
	unsigned seed = 12345;
	for (size_t i = 0; i < sizeof(v6) / sizeof(v6[0]) + 2000; i++) {
		if (i < sizeof(v6) / sizeof(v6[0])) {
			ck_assert_int_eq(inet_pton(AF_INET6, v6[i], a), 1);
		} else { /* random, with many zero groups */
			for (int k = 0; k < 8; k++) {
				seed = seed * 1103515245u + 12345u;
				unsigned w = (seed >> 16) % 3 ? 0 : (seed >> 8) & 0xffff;
				a[2 * k] = (uint8_t)(w >> 8);
				a[2 * k + 1] = (uint8_t)w;
			}
		}
		size_t n = nfp_format_ip(6, a, mine);
		mine[n] = 0;
		inet_ntop(AF_INET6, a, libc, sizeof(libc));
		ck_assert_str_eq(mine, libc);
	}
	for (unsigned v = 0; v < 256; v++) {
		uint8_t b[4] = { (uint8_t)v, 0, 10, 255 };
		size_t n = nfp_format_ip(4, b, mine);
		mine[n] = 0;
		inet_ntop(AF_INET, b, libc, sizeof(libc));
		ck_assert_str_eq(mine, libc);
	}
}
END_TEST

Suite *json_suite(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("native");
	tcase_add_test(tc, test_mac_no_duplicates);
	tcase_add_test(tc, test_select);
	tcase_add_loop_test(tc, test_utf8, 0, (int)(sizeof(utf8_cases) / sizeof(utf8_cases[0])));
	tcase_add_test(tc, test_utf8_record);
	tcase_add_loop_test(tc, test_doc, 0, (int)(sizeof(docs) / sizeof(docs[0])));
	tcase_add_test(tc, test_none_is_null);
	tcase_add_test(tc, test_text_equals_object);
	tcase_add_test(tc, test_live_serializer);
	tcase_add_test(tc, test_sink_strings);
	tcase_add_test(tc, test_format_ip);
	suite_add_tcase(s, tc);
	return s;
}
