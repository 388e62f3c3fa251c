/* libFuzzer entry: parse + resolution against fixed snapshots + every emitter (native
 * object, native text, ECS) over any byte string, and the same bytes read as a ruleset file
 * in both formats; must never crash, leak or read past len, the two native emitters
 * must agree, and so must the live-tree serializer and libfastjson's on every document. Built with clang -fsanitize=fuzzer for campaigns; replay_main.c runs it in
 * `make check`. Campaigns build one half at a time for speed: -DFUZZ_LINES_ONLY (lines:
 * parse, resolve, emit) or -DFUZZ_RULES_ONLY (ruleset files: read, then the fixed trace and
 * LOG lines below resolved against what was read). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nfp.h"
#include "emit/nfp_json.h"
#include "rules/nfp_match.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* snapshots every input is resolved against (a nat walk, LOG-then-DROP, nft handles) */
static const char ipt_rules[] =
	"*nat\n:PREROUTING ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n:q - [0:0]\n"
	"-A PREROUTING -j q\n-A POSTROUTING -j q\n-A q -s 10.0.0.0/24 -j SNAT --to-source 192.168.0.15\nCOMMIT\n"
	"*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp -j LOG --log-prefix \"fw: \"\n-A INPUT -p tcp -j DROP\nCOMMIT\n";
static const char nft_rules[] =
	"table inet fw {\n\tchain input {\n\t\ttype filter hook input priority filter; policy drop;\n"
	"\t\tjump svc # handle 9\n\t}\n\tchain svc {\n\t\ttcp dport 22 log prefix \"ssh: \" accept # handle 12\n\t}\n}\n";

static struct nfp_snapshots *snaps(void)
{
	static struct nfp_snapshots ss;
	static struct nfp_ruleset *a, *b;
	char err[256];
	if (a == NULL) {
		a = nfp_ruleset_parse(ipt_rules, sizeof(ipt_rules) - 1, NFP_RS_IPTABLES, "ipt", err, sizeof(err));
		b = nfp_ruleset_parse(nft_rules, sizeof(nft_rules) - 1, NFP_RS_NFT, "nft", err, sizeof(err));
		if (a == NULL || b == NULL)
			__builtin_trap();
		ss.ipt4 = ss.ipt6 = a;
		ss.nft = b;
	}
	return &ss;
}

/* the live-tree serializer (src/emit/serializer.c) prints what libfastjson prints, plain and
 * spaced; doc gets it attached */
static void same_as_libfastjson(struct fjson_object *doc)
{
	static int on = -1;
	char *plain, *spaced;
	if (on < 0)
		on = nfp_json_live_init(NULL);
	if (!on)
		return;
	plain = strdup(fjson_object_to_json_string_ext(doc, FJSON_TO_STRING_PLAIN));
	spaced = strdup(fjson_object_to_json_string_ext(doc, FJSON_TO_STRING_SPACED));
	if (plain == NULL || spaced == NULL)
		__builtin_trap();
	nfp_json_live_attach(doc);
	if (strcmp(fjson_object_to_json_string_ext(doc, FJSON_TO_STRING_PLAIN), plain) != 0 ||
	    strcmp(fjson_object_to_json_string_ext(doc, FJSON_TO_STRING_SPACED), spaced) != 0)
		__builtin_trap();
	free(plain);
	free(spaced);
}

/* a property broken: the line that breaks it (FUZZ_SHOW=1 in the replay), then stop */
static void bad(const char *line)
{
	if (getenv("FUZZ_SHOW") != NULL) {
		fputs(line, stderr);
		fputc('\n', stderr);
	}
	__builtin_trap();
}

/* The bytes as a packet NFLOG hands over (src/parse/packet.c), its first byte choosing the
 * hook's family and the LOG flags: the line written for it is one the parser reads as a LOG
 * record with every token in its place (the kernel's grammar, both directions). */
static void packet_roundtrip(const uint8_t *data, size_t size)
{
	static const unsigned fam[8] = { 2, 10, 3, 7, 5, 2, 10, 0 };
	static char line[NFP_PACKET_LINE_MAX];
	static struct nfp_record r;
	static const uint8_t hw[14] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 8, 0 };
	if (size < 1)
		return;
	struct nfp_packet_meta m = { 0 };
	m.family = fam[data[0] & 7];
	m.ethertype = (data[0] & 0x30) == 0x10 ? 0x0800 : (data[0] & 0x30) == 0x20 ? 0x86dd : 0x0806;
	m.prefix = "fz: ";
	m.prefix_max = 8;
	m.in = (data[0] & 0x40) ? "eth0" : "";
	m.out = (data[0] & 0x40) ? "" : "eth1";
	m.hwhdr = hw;
	m.hwhdr_len = (data[0] & 0x40) ? 14 : 0;
	m.mark = (data[0] & 0x80) ? 0x2a : 0;
	m.has_uid = 1;
	m.flags = (data[0] & 0x80) ? NFP_RENDER_UID | NFP_RENDER_TCPSEQ | NFP_RENDER_AE : 0;
	/* an exact-size copy of the packet, so ASan sees any read past the end */
	uint8_t *pk = malloc(size - 1 ? size - 1 : 1);
	if (pk == NULL)
		return;
	if (size > 1)
		memcpy(pk, data + 1, size - 1);
	size_t n = nfp_packet_render(&m, pk, size - 1, line, sizeof(line));
	free(pk);
	if (n >= sizeof(line) || line[n] != '\0')
		__builtin_trap();
	if (nfp_parse(line, n, &r) != NFP_LOG || r.n_unknown != 0)
		bad(line);
}

/* The bytes as an nftables trace event's headers (src/parse/nfttrace.c): the packet and step
 * lines written for it are monitor lines the parser reads with every token in its place. */
static void nfttrace_roundtrip(const uint8_t *data, size_t size)
{
	static char line[2048];
	static struct nfp_record r;
	if (size < 4)
		return;
	uint8_t *pk = malloc(size - 4);
	if (pk == NULL && size > 4)
		return;
	if (size > 4)
		memcpy(pk, data + 4, size - 4);
	struct nfp_nfttrace e = { 0 };
	e.id = (uint32_t)data[0] << 8 | data[1];
	e.family = (data[0] & 1) ? 1 : 2;
	e.nfproto = (data[0] & 2) ? 10 : 2;
	e.type = 1u + data[1] % 3;
	e.table = "t";
	e.chain = "c";
	e.handle = data[2];
	e.has_verdict = 1;
	e.verdict = (int32_t)(int8_t)data[3] % 6;
	e.jump_target = "j";
	e.has_mark = data[2] & 1;
	e.mark = data[2];
	e.iif = "eth0";
	e.iiftype = 1;
	e.ll = pk;
	e.ll_len = size - 4 < 14 ? size - 4 : 14;
	e.nh = pk;
	e.nh_len = size - 4;
	size_t off = (data[0] & 2) ? 40 : 20;
	e.th = size - 4 > off ? pk + off : NULL;
	e.th_len = size - 4 > off ? size - 4 - off : 0;
	size_t n = nfp_nfttrace_packet(&e, line, sizeof(line));
	if (n > 0 && (nfp_parse(line, n, &r) != NFP_TRACE || r.n_unknown != 0))
		bad(line);
	n = nfp_nfttrace_step(&e, line, sizeof(line));
	if (nfp_parse(line, n, &r) != NFP_TRACE || r.n_unknown != 0)
		bad(line);
	free(pk);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct nfp_record rec;
	/* an exact-size heap copy, so ASan sees any read past the end */
	char *line = malloc(size ? size : 1);
	if (line == NULL)
		return 0;
	if (size)
		memcpy(line, data, size);
#ifndef FUZZ_RULES_ONLY
	packet_roundtrip(data, size);
	nfttrace_roundtrip(data, size);
	if (nfp_parse(line, size, &rec) != NFP_NONE) {
		static char text[1 << 18];
		struct nfp_ecs_meta m = { "2026-11-27T00:00:00+00:00", "fuzz", line, size, NULL };
		struct nfp_resolution res;
		struct nfp_extra x = { "fuzz", 4, &res, NULL, NULL };
		nfp_resolve(snaps(), &rec, line, &res);
		struct fjson_object *j = nfp_to_json_ex(&rec, line, &x), *e = nfp_to_ecs_ex(&rec, line, &m, &x);
		size_t n = nfp_to_json_text_ex(&rec, line, &x, text, sizeof(text));
		if (j != NULL) {
			const char *s = fjson_object_to_json_string_ext(j, FJSON_TO_STRING_PLAIN);
			/* the native tree and text sink agree on every input */
			if (n < sizeof(text) && (strlen(s) != n || memcmp(s, text, n) != 0))
				__builtin_trap();
			same_as_libfastjson(j);
			fjson_object_put(j);
		}
		if (e != NULL) {
			const char *s = fjson_object_to_json_string_ext(e, FJSON_TO_STRING_PLAIN);
			/* ECS: the tree and the text sink agree on every input */
			n = nfp_to_ecs_text(&rec, line, &m, &x, text, sizeof(text));
			if (n < sizeof(text) && (strlen(s) != n || memcmp(s, text, n) != 0))
				__builtin_trap();
			same_as_libfastjson(e);
			fjson_object_put(e);
		}
		/* a field selection: the two sinks agree on it too */
		static struct nfp_select sel;
		static int sel_ready;
		char err[128];
		if (!sel_ready && nfp_select_parse("addresses,ports,protocol,action,trace,icmp.type,mac,inner", &sel, err,
						   sizeof(err)) == 0)
			sel_ready = 1;
		x.sel = &sel;
		j = nfp_to_json_ex(&rec, line, &x);
		n = nfp_to_json_text_ex(&rec, line, &x, text, sizeof(text));
		if (j != NULL) {
			const char *s = fjson_object_to_json_string_ext(j, FJSON_TO_STRING_PLAIN);
			if (n < sizeof(text) && (strlen(s) != n || memcmp(s, text, n) != 0))
				__builtin_trap();
			fjson_object_put(j);
		}
	}
#endif
#ifndef FUZZ_LINES_ONLY
	/* the same bytes as a ruleset file, and lines of every kind resolved against it */
	{
		static const char *const probes[] = {
			"TRACE: nat:PREROUTING:rule:1 IN=eth0 OUT= SRC=10.0.0.1 DST=10.0.0.2 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=1 PROTO=TCP SPT=1 DPT=22 WINDOW=1 RES=0x00 SYN URGP=0 ",
			"TRACE: filter:INPUT:policy:2 IN=eth0 OUT= SRC=10.0.0.1 DST=10.0.0.2 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=1 PROTO=UDP SPT=1 DPT=2 LEN=40 ",
			"TRACE: filter:q:return:2 IN=eth0 OUT= SRC=fd00::1 DST=fd00::2 LEN=60 TC=0 HOPLIMIT=64 FLOWLBL=1 PROTO=TCP SPT=1 DPT=22 WINDOW=1 RES=0x00 SYN URGP=0 ",
			"fw: IN=eth0 OUT= SRC=10.0.0.1 DST=10.0.0.2 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=1 PROTO=TCP SPT=1 DPT=22 WINDOW=1 RES=0x00 SYN URGP=0 ",
			" TRACE: 2 0427ffe5 nat:PREROUTING:rule:0x2:ACCEPT  -4 -t nat -A PREROUTING -j q",
			"trace id 1 inet fw input rule jump svc # handle 9 (verdict jump svc)",
			"trace id 1 inet fw svc rule tcp dport 22 log prefix \"ssh: \" accept (verdict accept)",
			"trace id 1 inet fw input policy drop ",
		};
		char err[256];
		struct nfp_ruleset *ipt = nfp_ruleset_parse(line, size, NFP_RS_IPTABLES, "fuzz", err, sizeof(err));
		struct nfp_ruleset *nft = nfp_ruleset_parse(line, size, NFP_RS_NFT, "fuzz", err, sizeof(err));
		struct nfp_snapshots ss = { ipt, ipt, nft };
		struct nfp_resolution res;
		if (ipt != NULL || nft != NULL)
			for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
				static struct nfp_record pr;
				nfp_parse(probes[i], strlen(probes[i]), &pr);
				nfp_resolve(&ss, &pr, probes[i], &res);
				struct nfp_extra x = { NULL, 0, &res, NULL, NULL };
				struct fjson_object *j = nfp_to_json_ex(&pr, probes[i], &x);
				fjson_object_put(j);
			}
		/* what-if packets walked through what was read: every rule matched against them */
		static const char *const whatif[] = { "tcp 10.0.0.1:1 > 10.0.0.2:22 in eth0",
						      "udp [fd00::1]:53 > [fd00::2]:53 in eth0 out eth1",
						      "icmp 10.0.0.1 > 10.0.0.2 out eth0 mark 0x1 ct established" };
		for (size_t i = 0; i < sizeof(whatif) / sizeof(whatif[0]); i++) {
			static struct nfp_swalk w;
			struct nfp_pview pv;
			if (nfp_pview_parse(whatif[i], &pv, err, sizeof(err)) != 0)
				__builtin_trap();
			if (ipt != NULL) {
				struct nfp_pview c = pv;
				nfp_swalk(ipt, &c, &w);
			}
			if (nft != NULL) {
				struct nfp_pview c = pv;
				nfp_swalk(nft, &c, &w);
			}
		}
		nfp_ruleset_free(ipt);
		nfp_ruleset_free(nft);
	}
#endif
	{ /* the bytes as a what-if packet description */
		char spec[512], err[256];
		struct nfp_pview pv;
		size_t n = size < sizeof(spec) - 1 ? size : sizeof(spec) - 1;
		memcpy(spec, data, n);
		spec[n] = 0;
		(void)nfp_pview_parse(spec, &pv, err, sizeof(err));
	}
	free(line);
	return 0;
}
