/* TRACE header: "table:chain:type:rulenum" as printed by ip_tables/ip6_tables
 * (get_chainname_rulenum) and by old nf_tables. Chain names may themselves hold ':',
 * so table is cut at the first ':' and type/rulenum at the last two. */
#include <string.h>
#include "nfp.h"
#include "parse/parse_int.h"

static const struct {
	const char *word;
	size_t len;
	enum nfp_word w;
} trace_types[] = { { "rule", 4, NFP_W_RULE }, { "return", 6, NFP_W_RETURN }, { "policy", 6, NFP_W_POLICY } };

size_t nfp_trace_hdr(const char *s, size_t n, uint32_t base, struct nfp_pkt *p)
{
	size_t tok = 0, c1, c2 = 0, c3 = 0, i;
	uint64_t num;
	int ok = -1;

	while (tok < n && s[tok] != ' ')
		tok++;
	c1 = tok;
	for (i = 0; i < tok; i++)
		if (s[i] == ':') {
			c1 = i;
			break;
		}
	for (i = tok; i > c1 + 1; i--)
		if (s[i - 1] == ':') {
			if (c3 == 0)
				c3 = i - 1;
			else {
				c2 = i - 1;
				break;
			}
		}
	if (c1 == 0 || c1 >= tok || c2 <= c1 + 1 || c3 <= c2 + 1)
		return 0; /* empty table, chain or type */
	for (i = 0; i < sizeof(trace_types) / sizeof(trace_types[0]); i++)
		if (c3 - c2 - 1 == trace_types[i].len && memcmp(s + c2 + 1, trace_types[i].word, trace_types[i].len) == 0)
			ok = (int)trace_types[i].w;
	if (ok < 0)
		return 0;
	if (tok == c3 + 1 || nfp_dec(s + c3 + 1, tok - c3 - 1, UINT32_MAX, &num) != tok - c3 - 1)
		return 0;
	nfp_put_slice(p, NFP_F_TRACE_TABLE, base, c1);
	nfp_put_slice(p, NFP_F_TRACE_CHAIN, base + c1 + 1, c2 - c1 - 1);
	nfp_put_u(p, NFP_F_TRACE_TYPE, (uint64_t)ok);
	nfp_put_u(p, NFP_F_TRACE_SOURCE, NFP_W_KERNEL);
	nfp_put_u(p, NFP_F_TRACE_RULE, num);
	return tok;
}
