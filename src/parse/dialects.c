/* The dialects nfp_parse reads, as rows: a name, a probe (is this line, from pos, that
 * dialect's?) and a parser. A line is offered to each row whose probe says yes, in order; the
 * first parser that returns a record wins (a parser that does not leaves rec reset). Adding
 * a dialect is one row and one file.
 *   monitor  xtables-monitor --trace ("PACKET: 2 …", " TRACE: 2 …") and nft monitor trace
 *            ("trace id …"): monitor.c
 *   kernel   the kernel's printk dialect: LOG / nft log, legacy TRACE, and ebtables --log,
 *            which shows itself only after OUT= ("MAC source = "): kernel.c, ebtables.c */
#include "parse/parse_int.h"

#define NFP_MAX_LINE (16u << 20)

static int monitor_probe(const char *line, size_t len, size_t pos)
{
	pos = nfp_skip_sp(line, pos, len);
	return len - pos > 9 && ((line[pos] == 'P' && memcmp(line + pos, "PACKET: ", 8) == 0) ||
				 (line[pos] == 'T' && memcmp(line + pos, "TRACE: ", 7) == 0 && NFP_ISDIGIT(line[pos + 7])) ||
				 (line[pos] == 't' && memcmp(line + pos, "trace id ", 9) == 0));
}

static int any(const char *line, size_t len, size_t pos)
{
	(void)line, (void)len, (void)pos;
	return 1;
}

static const struct nfp_dialect {
	const char *name;
	int (*probe)(const char *line, size_t len, size_t pos);
	enum nfp_type (*parse)(const char *line, size_t len, size_t pos, struct nfp_record *rec);
} dialects[] = {
	{ "monitor", monitor_probe, nfp_monitor_parse },
	{ "kernel", any, nfp_kernel_parse },
};

enum nfp_type nfp_parse(const char *line, size_t len, struct nfp_record *rec)
{
	size_t start;
	nfp_record_reset(rec);
	if (line == NULL || len == 0 || len > NFP_MAX_LINE)
		return NFP_NONE;
	while (len > 0 && line[len - 1] == '\r') /* a CRLF file's line end: never data */
		len--;
	start = nfp_skip_carrier(line, len);
	for (size_t d = 0; d < sizeof(dialects) / sizeof(dialects[0]); d++) {
		if (!dialects[d].probe(line, len, start))
			continue;
		if (dialects[d].parse(line, len, start, rec) != NFP_NONE)
			return rec->type;
		nfp_record_reset(rec);
	}
	return NFP_NONE;
}
