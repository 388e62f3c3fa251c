/* Ruleset snapshots: `iptables-save` / `ip6tables-save` text (legacy and nft variants print
 * the same format) and `nft list ruleset` text (with or without -a handles).
 *
 * Loading reads the whole file once, keeps its text, and builds four indexes (chain by name,
 * rule by normalized text, rule by nft handle, rule by log prefix). Nothing is allocated
 * afterwards; the snapshot is immutable once loaded (nfp_rs_absent_builtins, right after the
 * load, is the one exception) and may be shared by threads.
 *
 * Rule numbers count the rules of a chain from 1 in file order, as the kernel's TRACE
 * numbering does (the policy of a built-in chain and the implicit return of a user chain
 * are "rules + 1"; src/rules/resolve.c checks that).
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rules/nfp_resolve.h"
#include "parse/parse_int.h"

/* ---- targets: one row per iptables target word (others: a user chain or unknown) ---- */
static const struct {
	const char *word;
	unsigned char verdict;
} targets[] = {
	{ "ACCEPT", NFP_V_ACCEPT }, { "DROP", NFP_V_DROP }, { "REJECT", NFP_V_REJECT },
	{ "RETURN", NFP_V_RETURN }, { "QUEUE", NFP_V_QUEUE }, { "NFQUEUE", NFP_V_QUEUE },
	{ "DNAT", NFP_V_NAT }, { "SNAT", NFP_V_NAT }, { "MASQUERADE", NFP_V_NAT }, { "REDIRECT", NFP_V_NAT },
	{ "NETMAP", NFP_V_NAT }, { "TPROXY", NFP_V_CONTINUE }, { "SYNPROXY", NFP_V_UNKNOWN },
	{ "LOG", NFP_V_CONTINUE }, { "NFLOG", NFP_V_CONTINUE }, { "ULOG", NFP_V_CONTINUE },
	{ "TRACE", NFP_V_CONTINUE }, { "MARK", NFP_V_CONTINUE }, { "CONNMARK", NFP_V_CONTINUE },
	{ "CT", NFP_V_CONTINUE }, { "NOTRACK", NFP_V_CONTINUE }, { "CLASSIFY", NFP_V_CONTINUE },
	{ "DSCP", NFP_V_CONTINUE }, { "TOS", NFP_V_CONTINUE }, { "TTL", NFP_V_CONTINUE }, { "HL", NFP_V_CONTINUE },
	{ "TCPMSS", NFP_V_CONTINUE }, { "CHECKSUM", NFP_V_CONTINUE }, { "SET", NFP_V_CONTINUE },
	{ "AUDIT", NFP_V_CONTINUE }, { "SECMARK", NFP_V_CONTINUE }, { "CONNSECMARK", NFP_V_CONTINUE },
	{ "IDLETIMER", NFP_V_CONTINUE }, { "LED", NFP_V_CONTINUE }, { "RATEEST", NFP_V_CONTINUE },
	{ "TEE", NFP_V_CONTINUE }, { "HMARK", NFP_V_CONTINUE }, { "TCPOPTSTRIP", NFP_V_CONTINUE },
	{ "ECN", NFP_V_CONTINUE }, { "CLUSTERIP", NFP_V_CONTINUE }, { "IPMARK", NFP_V_CONTINUE },
};

/* nft verdict statements (the first word), and what they do */
static const struct {
	const char *word;
	unsigned char verdict;
} nft_verdicts[] = {
	{ "accept", NFP_V_ACCEPT }, { "drop", NFP_V_DROP }, { "reject", NFP_V_REJECT },
	{ "queue", NFP_V_QUEUE }, { "continue", NFP_V_CONTINUE }, { "return", NFP_V_RETURN },
	{ "jump", NFP_V_JUMP }, { "goto", NFP_V_GOTO }, { "dnat", NFP_V_NAT }, { "snat", NFP_V_NAT },
	{ "masquerade", NFP_V_NAT }, { "redirect", NFP_V_NAT },
};

static const char *const verdict_names[NFP_V__COUNT] = {
	[NFP_V_NONE] = "none", [NFP_V_CONTINUE] = "continue", [NFP_V_ACCEPT] = "accept",
	[NFP_V_DROP] = "drop", [NFP_V_REJECT] = "reject", [NFP_V_NAT] = "nat", [NFP_V_QUEUE] = "queue",
	[NFP_V_RETURN] = "return", [NFP_V_JUMP] = "jump", [NFP_V_GOTO] = "goto", [NFP_V_UNKNOWN] = "unknown",
};

const char *nfp_verdict_name(enum nfp_verdict v)
{
	return (unsigned)v < NFP_V__COUNT ? verdict_names[v] : "unknown";
}

int nfp_verdict_terminal(enum nfp_verdict v)
{
	return v == NFP_V_ACCEPT || v == NFP_V_DROP || v == NFP_V_REJECT || v == NFP_V_NAT || v == NFP_V_QUEUE;
}

int nfp_verdict_final(enum nfp_verdict v)
{
	return v == NFP_V_DROP || v == NFP_V_REJECT;
}

static int ieqword(const char *a, size_t an, const char *w)
{
	return nfp_ieq(a, an, w, strlen(w));
}

static enum nfp_verdict ipt_target_verdict(const char *w, size_t n)
{
	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++)
		if (nfp_word_is(w, n, targets[i].word))
			return (enum nfp_verdict)targets[i].verdict;
	return NFP_V_UNKNOWN; /* a user chain is told apart after loading */
}

static enum nfp_verdict nft_verdict_word(const char *w, size_t n)
{
	for (size_t i = 0; i < sizeof(nft_verdicts) / sizeof(nft_verdicts[0]); i++)
		if (nfp_word_is(w, n, nft_verdicts[i].word))
			return (enum nfp_verdict)nft_verdicts[i].verdict;
	return NFP_V_NONE;
}

/* "ACCEPT", "accept", "JUMP:x", "jump x", "GOTO:x", "CONTINUE", "continue", "DROP" ... */
enum nfp_verdict nfp_verdict_of_word(const char *s, size_t n)
{
	size_t w = 0;
	while (w < n && s[w] != ':' && s[w] != ' ')
		w++;
	if (ieqword(s, w, "accept"))
		return NFP_V_ACCEPT;
	if (ieqword(s, w, "drop") || ieqword(s, w, "stolen"))
		return NFP_V_DROP;
	if (ieqword(s, w, "queue"))
		return NFP_V_QUEUE;
	if (ieqword(s, w, "continue") || ieqword(s, w, "break"))
		return NFP_V_CONTINUE;
	if (ieqword(s, w, "return"))
		return NFP_V_RETURN;
	if (ieqword(s, w, "jump"))
		return NFP_V_JUMP;
	if (ieqword(s, w, "goto"))
		return NFP_V_GOTO;
	return NFP_V_UNKNOWN;
}

/* ---- hashing ---- */
static uint32_t fnv(const char *s, size_t n, uint32_t seed)
{
	uint32_t h = 2166136261u ^ seed;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h ^ (h >> 15);
}

static uint32_t *new_index(uint32_t n, uint32_t *mask)
{
	uint32_t cap = 16;
	while (cap < 2 * n + 2)
		cap <<= 1;
	*mask = cap - 1;
	return calloc(cap, sizeof(uint32_t));
}


/* ---- the loader ---- */
struct loader {
	struct nfp_ruleset *rs;
	char *text;          /* == rs->mem */
	size_t len;
	char *arena;         /* decoded strings go here (inside rs->mem): 2 * len + 16 bytes, since a
			      * rule's normalized text and its decoded prefix are each at most its length */
	size_t used;
	uint32_t tcap, ccap, rcap, scap;
	char *err;
	size_t errlen;
	unsigned line;
	uint32_t last_chain; /* iptables-save groups rules by chain: the previous rule's chain + 1 */
	uint32_t *cidx;      /* chains by (table, name) while loading: index + 1, 0 = empty */
	uint32_t cmask;
};

static int fail(struct loader *ld, const char *fmt, ...)
{
	char msg[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ld->err != NULL && ld->errlen > 0)
		snprintf(ld->err, ld->errlen, "%s:%u: %s", ld->rs->path, ld->line, msg);
	return -1;
}

static int grow(void **arr, uint32_t *cap, uint32_t n, size_t elem)
{
	if (n < *cap)
		return 0;
	uint32_t nc = *cap ? *cap * 2 : 16;
	void *p = realloc(*arr, (size_t)nc * elem);
	if (p == NULL)
		return -1;
	*arr = p;
	*cap = nc;
	return 0;
}

static struct nfp_rs_str S(const char *p, size_t n)
{
	struct nfp_rs_str s = { p, (uint32_t)n };
	return s;
}

static const struct nfp_rs_str empty_str = { "", 0 };

/* token scanner for rule text: words, and "quoted strings" with \" and \\ escapes */
static size_t skip_ws(const char *s, size_t i, size_t n)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i;
}

static size_t tok_end(const char *s, size_t i, size_t n)
{
	if (i < n && s[i] == '"') {
		for (i++; i < n; i++) {
			if (s[i] == '\\' && i + 1 < n)
				i++;
			else if (s[i] == '"')
				return i + 1;
		}
		return n;
	}
	while (i < n && s[i] != ' ' && s[i] != '\t')
		i++;
	return i;
}

/* a token's value (quotes and escapes removed) into the arena, without surrounding spaces */
static struct nfp_rs_str decode(struct loader *ld, const char *s, size_t n)
{
	char *d = ld->arena + ld->used;
	size_t k = 0;
	if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
		for (size_t i = 1; i + 1 < n; i++) {
			if (s[i] == '\\' && i + 2 < n)
				i++;
			d[k++] = s[i];
		}
	} else {
		memcpy(d, s, n);
		k = n;
	}
	while (k > 0 && d[k - 1] == ' ')
		k--;
	size_t lead = 0;
	while (lead < k && d[lead] == ' ')
		lead++;
	ld->used += k;
	return S(d + lead, k - lead);
}

/* the normalized form monitors print: single spaces; nft counters without their values
 * ("counter packets N bytes M" -> "counter"); no "# handle N". Writes at most n bytes. */
size_t nfp_rs_normalize(const char *s, size_t n, char *d)
{
	size_t k = 0, i = skip_ws(s, 0, n);
	/* never longer than the input: a space is written only where the input has whitespace
	 * (a quoted string glued to the next word, "a"b, stays glued) */
	while (i < n) {
		size_t e = tok_end(s, i, n), j;
		if (e - i == 1 && s[i] == '#')
			break;
		memcpy(d + k, s + i, e - i);
		k += e - i;
		j = skip_ws(s, e, n);
		if (nfp_word_is(s + i, e - i, "counter") && nfp_word_is(s + j, tok_end(s, j, n) - j, "packets"))
			for (int t = 0; t < 4 && j < n; t++)
				j = skip_ws(s, tok_end(s, j, n), n);
		if (j > e && j < n)
			d[k++] = ' ';
		i = j;
	}
	while (k > 0 && d[k - 1] == ' ')
		k--;
	return k;
}

static struct nfp_rs_str normalize(struct loader *ld, const char *s, size_t n)
{
	char *d = ld->arena + ld->used;
	size_t k = nfp_rs_normalize(s, n, d);
	ld->used += k;
	return S(d, k);
}

static int add_table(struct loader *ld, const char *name, size_t n, int family)
{
	struct nfp_ruleset *rs = ld->rs;
	for (uint32_t i = 0; i < rs->ntables; i++)
		if (rs->tables[i].family == family && rs->tables[i].name.len == n && memcmp(rs->tables[i].name.p, name, n) == 0)
			return fail(ld, "table '%.*s' appears twice", (int)n, name);
	if (grow((void **)&rs->tables, &ld->tcap, rs->ntables, sizeof(*rs->tables)) != 0)
		return fail(ld, "out of memory");
	rs->tables[rs->ntables] = (struct nfp_rs_table){ .name = S(name, n), .family = (uint8_t)family, .line = ld->line };
	rs->ntables++;
	return 0;
}

static uint32_t chain_hash(uint32_t table, const char *n, size_t nl)
{
	return fnv(n, nl, table * 0x9e3779b1u);
}

/* The loader's index of the chains by (table, name), so that a declaration's duplicate check
 * and a rule's chain are found in constant time: loading is linear in the file, whatever the
 * chain count (kube-proxy writes one chain per service and endpoint). The slot of the chain,
 * or the empty slot where it would go. */
static uint32_t *chain_slot(const struct loader *ld, uint32_t table, const char *n, size_t nl)
{
	for (uint32_t h = chain_hash(table, n, nl);; h++) {
		uint32_t *slot = &ld->cidx[h & ld->cmask];
		const struct nfp_rs_chain *c;
		if (*slot == 0)
			return slot;
		c = &ld->rs->chains[*slot - 1];
		if (c->table == table && c->name.len == nl && memcmp(c->name.p, n, nl) == 0)
			return slot;
	}
}

/* room for one more chain at most half full: doubled and refilled when it is not */
static int chain_index_room(struct loader *ld)
{
	const struct nfp_ruleset *rs = ld->rs;
	uint32_t cap;
	if (ld->cidx != NULL && 2 * ((size_t)rs->nchains + 1) <= (size_t)ld->cmask + 1)
		return 0;
	cap = ld->cidx != NULL ? (ld->cmask + 1) * 2 : 64;
	free(ld->cidx);
	if ((ld->cidx = calloc(cap, sizeof(uint32_t))) == NULL)
		return -1;
	ld->cmask = cap - 1;
	for (uint32_t c = 0; c < rs->nchains; c++)
		*chain_slot(ld, rs->chains[c].table, rs->chains[c].name.p, rs->chains[c].name.len) = c + 1;
	return 0;
}

static int add_chain(struct loader *ld, const char *name, size_t n, struct nfp_rs_str decl)
{
	struct nfp_ruleset *rs = ld->rs;
	uint32_t t = rs->ntables - 1, *slot;
	if (n == 0)
		return fail(ld, "chain without a name");
	if (chain_index_room(ld) != 0 || grow((void **)&rs->chains, &ld->ccap, rs->nchains, sizeof(*rs->chains)) != 0)
		return fail(ld, "out of memory");
	if (*(slot = chain_slot(ld, t, name, n)) != 0)
		return fail(ld, "chain '%.*s' declared twice", (int)n, name);
	*slot = rs->nchains + 1;
	rs->chains[rs->nchains] = (struct nfp_rs_chain){ .name = S(name, n), .policy = empty_str, .decl = decl,
							 .table = t, .line = ld->line };
	rs->nchains++;
	return 0;
}

static struct nfp_rs_rule *add_rule(struct loader *ld, uint32_t chain, struct nfp_rs_str text)
{
	struct nfp_ruleset *rs = ld->rs;
	if (grow((void **)&rs->rules, &ld->rcap, rs->nrules, sizeof(*rs->rules)) != 0) {
		fail(ld, "out of memory");
		return NULL;
	}
	struct nfp_rs_rule *r = &rs->rules[rs->nrules++];
	*r = (struct nfp_rs_rule){ .text = text, .target = empty_str, .match = text, .prefix = empty_str,
				   .line = ld->line, .chain = chain };
	return r;
}

/* ---- iptables-save ---- */
static uint32_t find_chain(const struct loader *ld, uint32_t table, const char *n, size_t nl)
{
	uint32_t v = ld->cidx != NULL ? *chain_slot(ld, table, n, nl) : 0;
	return v - 1; /* UINT32_MAX when there is none */
}

static int ipt_rule(struct loader *ld, const char *s, size_t n)
{
	struct nfp_ruleset *rs = ld->rs;
	size_t i = skip_ws(s, 2, n), e = tok_end(s, i, n);
	uint32_t c = UINT32_MAX;
	if (ld->last_chain > 0 && ld->last_chain <= rs->nchains) {
		const struct nfp_rs_chain *lc = &rs->chains[ld->last_chain - 1];
		if (lc->table == rs->ntables - 1 && lc->name.len == e - i && memcmp(lc->name.p, s + i, e - i) == 0)
			c = ld->last_chain - 1;
	}
	if (c == UINT32_MAX)
		c = find_chain(ld, rs->ntables - 1, s + i, e - i);
	ld->last_chain = c + 1;
	struct nfp_rs_rule *r;
	if (e == i)
		return fail(ld, "-A without a chain name");
	if (c == UINT32_MAX)
		return fail(ld, "rule for chain '%.*s', which this table does not declare", (int)(e - i), s + i);
	if ((r = add_rule(ld, c, S(s, n))) == NULL)
		return -1;
	r->key = normalize(ld, s, n);
	for (i = skip_ws(s, e, n); i < n; i = skip_ws(s, e, n)) {
		e = tok_end(s, i, n);
		size_t vi = skip_ws(s, e, n), ve = tok_end(s, vi, n);
		if (nfp_word_is(s + i, e - i, "-j") || nfp_word_is(s + i, e - i, "--jump") || nfp_word_is(s + i, e - i, "-g") ||
		    nfp_word_is(s + i, e - i, "--goto")) {
			if (ve == vi)
				return fail(ld, "%.*s without a target", (int)(e - i), s + i);
			if (r->target.len == 0) {
				size_t m = i;
				while (m > 0 && (s[m - 1] == ' ' || s[m - 1] == '\t'))
					m--;
				r->match = S(s, m);
				r->target = S(s + vi, ve - vi);
				r->verdict = (uint8_t)(s[i + 1] == 'g' || s[i + 2] == 'g' ? NFP_V_GOTO
											 : ipt_target_verdict(s + vi, ve - vi));
			}
			e = ve;
		} else if (nfp_word_is(s + i, e - i, "--log-prefix") && ve > vi) {
			r->prefix = decode(ld, s + vi, ve - vi);
			e = ve;
		}
	}
	return 0;
}

static int parse_iptables(struct loader *ld)
{
	struct nfp_ruleset *rs = ld->rs;
	int open = 0;
	size_t pos = 0;
	while (pos < ld->len) {
		char *nl = memchr(ld->text + pos, '\n', ld->len - pos);
		size_t end = nl ? (size_t)(nl - ld->text) : ld->len, b = pos, e = end;
		const char *s;
		ld->line++;
		pos = end + 1;
		while (e > b && (ld->text[e - 1] == '\r' || ld->text[e - 1] == ' ' || ld->text[e - 1] == '\t'))
			e--;
		b = skip_ws(ld->text, b, e);
		s = ld->text + b;
		size_t n = e - b;
		if (n == 0 || s[0] == '#')
			continue;
		if (memchr(s, 0, n) != NULL)
			return fail(ld, "NUL byte in the line");
		if (s[0] == '*') {
			if (open)
				return fail(ld, "table '%.*s' starts before the previous table's COMMIT", (int)(n - 1), s + 1);
			if (n == 1)
				return fail(ld, "'*' without a table name");
			if (add_table(ld, s + 1, n - 1, 0) != 0)
				return -1;
			open = 1;
		} else if (s[0] == ':') {
			size_t ne = tok_end(s, 1, n), pi = skip_ws(s, ne, n), pe = tok_end(s, pi, n);
			if (!open)
				return fail(ld, "chain declaration outside a table ('*table' first)");
			if (pe == pi)
				return fail(ld, "chain declaration without a policy ('-' for a user chain)");
			if (add_chain(ld, s + 1, ne - 1, S(s, n)) != 0)
				return -1;
			if (!(pe - pi == 1 && s[pi] == '-')) {
				struct nfp_rs_chain *c = &rs->chains[rs->nchains - 1];
				enum nfp_verdict v = ipt_target_verdict(s + pi, pe - pi);
				if (v != NFP_V_ACCEPT && v != NFP_V_DROP && v != NFP_V_QUEUE && v != NFP_V_RETURN)
					return fail(ld, "chain '%.*s': policy '%.*s' is not ACCEPT or DROP", (int)(ne - 1), s + 1,
						    (int)(pe - pi), s + pi);
				c->policy = S(s + pi, pe - pi);
				c->policy_verdict = (uint8_t)v;
			}
		} else if (n >= 3 && memcmp(s, "-A", 2) == 0 && (s[2] == ' ' || s[2] == '\t')) {
			if (!open)
				return fail(ld, "rule outside a table ('*table' first)");
			if (ipt_rule(ld, s, n) != 0)
				return -1;
		} else if (s[0] == '[' && memchr(s, ']', n) != NULL) { /* iptables-save -c: "[pkts:bytes] -A ..." */
			size_t k = skip_ws(s, (size_t)((const char *)memchr(s, ']', n) - s) + 1, n);
			if (!open)
				return fail(ld, "rule outside a table ('*table' first)");
			if (!(n - k >= 3 && memcmp(s + k, "-A", 2) == 0 && (s[k + 2] == ' ' || s[k + 2] == '\t')))
				return fail(ld, "expected '-A' after the counters");
			if (ipt_rule(ld, s + k, n - k) != 0)
				return -1;
		} else if (nfp_word_is(s, n, "COMMIT")) {
			if (!open)
				return fail(ld, "COMMIT outside a table");
			open = 0;
		} else {
			return fail(ld, "not an iptables-save line: '%.*s'", (int)(n > 40 ? 40 : n), s);
		}
	}
	if (open) {
		ld->line++;
		return fail(ld, "table '%.*s' has no COMMIT: the file is cut short", (int)rs->tables[rs->ntables - 1].name.len,
			    rs->tables[rs->ntables - 1].name.p);
	}
	return 0;
}

/* ---- nft list ruleset ---- */
/* the hook a base chain's "type filter hook input priority 0;" names, as NFP_HOOK_* */
static uint8_t nft_hook(const char *s, size_t n)
{
	static const struct {
		const char *w;
		uint8_t bit;
	} hooks[] = { { "prerouting", NFP_HOOK_PRE }, { "input", NFP_HOOK_IN }, { "forward", NFP_HOOK_FWD },
		      { "output", NFP_HOOK_OUT }, { "postrouting", NFP_HOOK_POST } };
	for (size_t i = 0; i < n; i = skip_ws(s, tok_end(s, i, n), n)) {
		size_t ie = tok_end(s, i, n);
		if (nfp_word_is(s + i, ie - i, "hook")) {
			size_t v = skip_ws(s, ie, n), ve = tok_end(s, v, n);
			for (size_t k = 0; k < sizeof(hooks) / sizeof(hooks[0]); k++)
				if (nfp_word_is(s + v, ve - v, hooks[k].w))
					return hooks[k].bit;
			return NFP_HOOK_OTHER; /* ingress, egress, an arp family's hooks */
		}
	}
	return 0;
}

/* the first byte at or after i that is outside a "quoted string" (with \ escapes), or n */
static size_t unquoted(const char *s, size_t i, size_t n)
{
	while (i < n && s[i] == '"') {
		for (i++; i < n && s[i] != '"'; i++)
			if (s[i] == '\\' && i + 1 < n)
				i++;
		if (i < n)
			i++;
	}
	return i;
}

/* brace balance of a line, outside quotes */
static int braces(const char *s, size_t n)
{
	int d = 0;
	for (size_t i = unquoted(s, 0, n); i < n; i = unquoted(s, i + 1, n))
		d += s[i] == '{' ? 1 : s[i] == '}' ? -1 : 0;
	return d;
}

/* a trailing "# handle N" (outside quotes): returns the length without it */
static size_t strip_handle(const char *s, size_t n, uint32_t *handle)
{
	*handle = 0;
	for (size_t i = unquoted(s, 0, n); i < n; i = unquoted(s, i + 1, n)) {
		if (s[i] != '#')
			continue;
		size_t k = i;
		uint64_t v = 0;
		if (n - i > 9 && memcmp(s + i, "# handle ", 9) == 0 && nfp_dec(s + i + 9, n - i - 9, UINT32_MAX, &v) == n - i - 9)
			*handle = (uint32_t)v;
		while (k > 0 && (s[k - 1] == ' ' || s[k - 1] == '\t'))
			k--;
		return k;
	}
	return n;
}

static int has_word(const char *s, size_t n, const char *w)
{
	for (size_t i = skip_ws(s, 0, n); i < n; i = skip_ws(s, tok_end(s, i, n), n))
		if (nfp_word_is(s + i, tok_end(s, i, n) - i, w))
			return 1;
	return 0;
}

static void nft_rule_fields(struct loader *ld, struct nfp_rs_rule *r)
{
	const char *s = r->text.p;
	size_t n = r->text.len, i = 0, vstart = SIZE_MAX, vend = n;
	int depth = 0;
	enum nfp_verdict v = NFP_V_NONE;
	while ((i = skip_ws(s, i, n)) < n) {
		size_t e = tok_end(s, i, n);
		if (s[i] == '{' || s[i] == '}') {
			for (size_t k = i; k < e; k++)
				depth += s[k] == '{' ? 1 : s[k] == '}' ? -1 : 0;
		} else if (depth == 0) {
			enum nfp_verdict w = nft_verdict_word(s + i, e - i);
			if (nfp_word_is(s + i, e - i, "comment")) {
				if (vstart != SIZE_MAX && vend == n)
					vend = i;
				break;
			}
			if (nfp_word_is(s + i, e - i, "log")) {
				size_t j = skip_ws(s, e, n);
				while (j < n) { /* log [prefix "x"] [level y] [flags z] ... */
					size_t je = tok_end(s, j, n), vi = skip_ws(s, je, n), ve = tok_end(s, vi, n);
					if (nfp_word_is(s + j, je - j, "prefix") && ve > vi) {
						r->prefix = decode(ld, s + vi, ve - vi);
						break;
					}
					if (!(nfp_word_is(s + j, je - j, "level") || nfp_word_is(s + j, je - j, "flags") ||
					      nfp_word_is(s + j, je - j, "group") || nfp_word_is(s + j, je - j, "snaplen") ||
					      nfp_word_is(s + j, je - j, "queue-threshold")))
						break;
					j = skip_ws(s, ve, n);
				}
			} else if (w != NFP_V_NONE) {
				v = w;
				vstart = i;
				vend = n;
			}
		} else {
			for (size_t k = i; k < e; k++)
				depth += s[k] == '{' ? 1 : s[k] == '}' ? -1 : 0;
		}
		i = e;
	}
	if (vstart != SIZE_MAX) {
		size_t m = vstart;
		while (vend > vstart && s[vend - 1] == ' ')
			vend--;
		while (m > 0 && s[m - 1] == ' ')
			m--;
		r->target = S(s + vstart, vend - vstart);
		r->match = S(s, m);
		r->verdict = (uint8_t)v;
	} else if (has_word(s, n, "vmap")) {
		r->verdict = NFP_V_UNKNOWN; /* a verdict map: decided per packet */
	}
}

/* a base chain's "priority filter + 10;" as a number (nft's named priorities) */
static int32_t nft_prio(const char *s, size_t n, int family)
{
	static const struct {
		const char *w;
		int32_t ip, bridge;
	} names[] = { { "raw", -300, -300 }, { "mangle", -150, -150 }, { "dstnat", -100, -300 },
		      { "filter", 0, -200 },  { "security", 50, 50 },     { "srcnat", 100, 300 },
		      { "out", 100, 100 } };
	for (size_t i = 0; i < n; i = skip_ws(s, tok_end(s, i, n), n)) {
		size_t ie = tok_end(s, i, n), v, ve;
		int32_t p = 0, sign = 1;
		uint64_t num;
		if (!nfp_word_is(s + i, ie - i, "priority"))
			continue;
		v = skip_ws(s, ie, n);
		ve = tok_end(s, v, n);
		while (ve > v && s[ve - 1] == ';')
			ve--;
		if (ve > v && s[v] == '-')
			sign = -1, v++;
		if (ve > v && nfp_dec(s + v, ve - v, 1u << 30, &num) == ve - v)
			return sign * (int32_t)num;
		for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++)
			if (nfp_word_is(s + v, ve - v, names[k].w))
				p = family == 7 ? names[k].bridge : names[k].ip;
		v = skip_ws(s, tok_end(s, v, n), n); /* "+ 10" / "- 10" */
		if (v + 1 < n && (s[v] == '+' || s[v] == '-')) {
			size_t d = skip_ws(s, v + 1, n), de = tok_end(s, d, n);
			while (de > d && s[de - 1] == ';')
				de--;
			if (nfp_dec(s + d, de - d, 1u << 30, &num) == de - d)
				p += (s[v] == '-' ? -1 : 1) * (int32_t)num;
		}
		return p;
	}
	return 0;
}

static const char kw_accept[] = "accept";

static int parse_nft(struct loader *ld)
{
	struct nfp_ruleset *rs = ld->rs;
	enum { TOP, TABLE, CHAIN } st = TOP;
	int skip = 0; /* brace depth of a block we do not read (set, map, flowtable, ...) */
	size_t pos = 0;
	uint32_t cur_chain = 0, cur_set = 0;
	while (pos < ld->len) {
		char *nl = memchr(ld->text + pos, '\n', ld->len - pos);
		size_t end = nl ? (size_t)(nl - ld->text) : ld->len, b = pos, e = end;
		uint32_t handle;
		ld->line++;
		pos = end + 1;
		while (e > b && (ld->text[e - 1] == '\r' || ld->text[e - 1] == ' ' || ld->text[e - 1] == '\t'))
			e--;
		b = skip_ws(ld->text, b, e);
		const char *s = ld->text + b;
		size_t n = e - b;
		if (n > 0 && memchr(s, 0, n) != NULL)
			return fail(ld, "NUL byte in the line");
		if (skip > 0) {
			skip += braces(s, n);
			if (skip == 0 && cur_set != 0) { /* the set's block ends here */
				struct nfp_rs_set *set = &rs->sets[cur_set - 1];
				set->body.len = (uint32_t)(s + n - set->body.p);
				cur_set = 0;
			}
			continue;
		}
		if (n == 0 || s[0] == '#')
			continue;
		n = strip_handle(s, n, &handle);
		size_t t0 = 0, t0e = tok_end(s, 0, n), t1 = skip_ws(s, t0e, n), t1e = tok_end(s, t1, n);
		size_t t2 = skip_ws(s, t1e, n), t2e = tok_end(s, t2, n);
		switch (st) {
		case TOP:
			if (nfp_word_is(s, n, "flush ruleset") || (nfp_word_is(s + t0, t0e - t0, "flush") && t1e > t1))
				continue;
			if (nfp_word_is(s, t0e, "table")) {
				int fam = 2;
				size_t nm = t1, nme = t1e;
				if (n == 0 || s[n - 1] != '{')
					return fail(ld, "expected 'table [family] name {'");
				if (t2e > t2 && !(t2e - t2 == 1 && s[t2] == '{')) {
					if ((fam = nfp_nft_family(s + t1, t1e - t1)) < 0)
						return fail(ld, "unknown table family '%.*s'", (int)(t1e - t1), s + t1);
					nm = t2;
					nme = t2e;
				}
				if (nme == nm || s[nm] == '{')
					return fail(ld, "table without a name");
				if (add_table(ld, s + nm, nme - nm, fam) != 0)
					return -1;
				rs->tables[rs->ntables - 1].line = ld->line;
				st = TABLE;
				continue;
			}
			return fail(ld, "not an 'nft list ruleset' line: '%.*s' (include and define are not read: "
					"snapshot with 'nft -a list ruleset > FILE')", (int)(n > 40 ? 40 : n), s);
		case TABLE:
			if (nfp_word_is(s, n, "}")) {
				st = TOP;
				continue;
			}
			if (nfp_word_is(s, t0e, "chain")) {
				size_t nm = t1, nme = t1e;
				if (n == 0 || s[n - 1] != '{')
					return fail(ld, "expected 'chain name {'");
				if (nme - nm >= 2 && s[nm] == '"')
					nm++, nme--;
				if (add_chain(ld, s + nm, nme - nm, S(s, n)) != 0)
					return -1;
				cur_chain = rs->nchains - 1;
				rs->chains[cur_chain].handle = handle;
				st = CHAIN;
				continue;
			}
			if (nfp_word_is(s, t0e, "flags") || nfp_word_is(s, t0e, "comment"))
				continue;
			if (braces(s, n) > 0) { /* set, map, flowtable, counter, quota, ct helper, ... */
				skip = braces(s, n);
				if ((nfp_word_is(s, t0e, "set") || nfp_word_is(s, t0e, "map")) && t1e > t1) {
					if (grow((void **)&rs->sets, &ld->scap, rs->nsets + 1, sizeof(*rs->sets)) != 0)
						return fail(ld, "out of memory");
					struct nfp_rs_set *set = &rs->sets[rs->nsets++];
					set->table = rs->ntables - 1;
					set->name = S(s + t1, t1e - t1);
					set->body = S(s, ld->len - (size_t)(s - ld->text));
					cur_set = rs->nsets;
				}
				continue;
			}
			if (braces(s, n) == 0 && memchr(s, '{', n) != NULL)
				continue; /* a one-line object block */
			return fail(ld, "not a table member: '%.*s'", (int)(n > 40 ? 40 : n), s);
		case CHAIN: {
			struct nfp_rs_chain *c = &rs->chains[cur_chain];
			if (nfp_word_is(s, n, "}")) {
				st = TABLE;
				continue;
			}
			if (nfp_word_is(s, t0e, "type") && has_word(s, n, "hook")) {
				c->decl = S(s, n);
				c->hooks = nft_hook(s, n);
				c->base = c->hooks;
				c->prio = nft_prio(s, n, rs->tables[c->table].family);
				c->policy = S(kw_accept, 6);
				c->policy_verdict = NFP_V_ACCEPT;
				for (size_t i = 0; i < n; i = skip_ws(s, tok_end(s, i, n), n)) {
					size_t ie = tok_end(s, i, n);
					if (nfp_word_is(s + i, ie - i, "policy")) {
						size_t v = skip_ws(s, ie, n), ve = tok_end(s, v, n);
						while (ve > v && s[ve - 1] == ';')
							ve--;
						c->policy = S(s + v, ve - v);
						c->policy_verdict = (uint8_t)nft_verdict_word(s + v, ve - v);
						if (c->policy_verdict != NFP_V_ACCEPT && c->policy_verdict != NFP_V_DROP)
							return fail(ld, "chain '%.*s': policy '%.*s' is not accept or drop",
								    (int)c->name.len, c->name.p, (int)(ve - v), s + v);
					}
				}
				continue;
			}
			if (nfp_word_is(s, t0e, "comment") || nfp_word_is(s, t0e, "devices"))
				continue;
			if (braces(s, n) != 0)
				return fail(ld, "unbalanced braces: a rule must be on one line (as 'nft list ruleset' prints it)");
			struct nfp_rs_rule *r = add_rule(ld, cur_chain, S(s, n));
			if (r == NULL)
				return -1;
			r->handle = handle;
			r->key = normalize(ld, s, n);
			nft_rule_fields(ld, r);
			continue;
		}
		}
	}
	if (skip > 0 || st != TOP) {
		ld->line++;
		return fail(ld, "unclosed %s: the file is cut short", st == CHAIN ? "chain" : st == TABLE ? "table" : "block");
	}
	return 0;
}

/* ---- indexes ---- */

const struct nfp_rs_chain *nfp_rs_chain(const struct nfp_ruleset *rs, const struct nfp_rs_table *t, const char *name,
					size_t len)
{
	if (rs == NULL || t == NULL)
		return NULL;
	uint32_t ti = (uint32_t)(t - rs->tables);
	for (uint32_t h = chain_hash(ti, name, len);; h++) {
		uint32_t v = rs->chain_idx[h & rs->chain_mask];
		if (v == 0)
			return NULL;
		const struct nfp_rs_chain *c = &rs->chains[v - 1];
		if (c->table == ti && c->name.len == len && memcmp(c->name.p, name, len) == 0)
			return c;
	}
}

const struct nfp_rs_table *nfp_rs_table(const struct nfp_ruleset *rs, int family, const char *name, size_t len)
{
	if (rs == NULL)
		return NULL;
	for (uint32_t i = 0; i < rs->ntables; i++) {
		const struct nfp_rs_table *t = &rs->tables[i];
		if ((family < 0 || t->family == family) && t->name.len == len && memcmp(t->name.p, name, len) == 0)
			return t;
	}
	return NULL;
}

unsigned nfp_rs_absent_builtins(struct nfp_ruleset *ipt, const struct nfp_ruleset *nft, int family)
{
	unsigned n = 0;
	if (ipt == NULL || nft == NULL || ipt->fmt != NFP_RS_IPTABLES || nft->fmt != NFP_RS_NFT)
		return 0;
	/* iptables-nft-save's header: "# Generated by iptables-nft-save v1.8.9 (nf_tables) on ..." */
	size_t head = 0;
	int nf = 0;
	while (ipt->mem[head] != '\0' && ipt->mem[head] != '\n')
		head++;
	for (size_t i = 0; i + 11 <= head && !nf; i++)
		nf = memcmp(ipt->mem + i, "(nf_tables)", 11) == 0;
	if (!nf)
		return 0;
	for (uint32_t i = 0; i < ipt->nchains; i++) {
		struct nfp_rs_chain *c = &ipt->chains[i];
		const struct nfp_rs_str *tn = &ipt->tables[c->table].name;
		const struct nfp_rs_table *t;
		if (c->base == 0 || (t = nfp_rs_table(nft, family, tn->p, tn->len)) == NULL)
			continue; /* a user chain; or a table the nft snapshot does not show: left as it is */
		if (nfp_rs_chain(nft, t, c->name.p, c->name.len) == NULL) {
			c->base = 0;
			c->hooks = 0;
			n++;
		}
	}
	return n;
}

const struct nfp_rs_chain *nfp_rs_jump_chain(const struct nfp_ruleset *rs, const struct nfp_rs_rule *r)
{
	const struct nfp_rs_table *t = &rs->tables[rs->chains[r->chain].table];
	const char *p = r->target.p;
	size_t n = r->target.len;
	if (rs->fmt == NFP_RS_NFT) { /* "jump name" / "goto name" */
		size_t i = tok_end(p, 0, n);
		i = skip_ws(p, i, n);
		p += i;
		n = tok_end(p, 0, n - i);
	}
	return n ? nfp_rs_chain(rs, t, p, n) : NULL;
}

/* the priority of an iptables table at a hook (as iptables-nft registers them) */
static int32_t ipt_prio(const struct nfp_rs_str *table, uint8_t hook)
{
	if (nfp_word_is(table->p, table->len, "raw"))
		return -300;
	if (nfp_word_is(table->p, table->len, "mangle"))
		return -150;
	if (nfp_word_is(table->p, table->len, "nat"))
		return hook == NFP_HOOK_PRE || hook == NFP_HOOK_OUT ? -100 : 100;
	if (nfp_word_is(table->p, table->len, "security"))
		return 50;
	return 0;
}

/* the rules that jump or go to each chain, grouped by that chain (counting sort) */
static int build_callers(struct loader *ld)
{
	struct nfp_ruleset *rs = ld->rs;
	uint32_t total = 0;
	for (uint32_t i = 0; i < rs->nrules; i++) {
		struct nfp_rs_rule *r = &rs->rules[i];
		const struct nfp_rs_chain *j;
		if ((r->verdict == NFP_V_JUMP || r->verdict == NFP_V_GOTO) && (j = nfp_rs_jump_chain(rs, r)) != NULL) {
			r->jump = (uint32_t)(j - rs->chains) + 1;
			rs->chains[r->jump - 1].ncallers++;
			total++;
		}
	}
	rs->callers = malloc(((size_t)total + 1) * sizeof(uint32_t));
	if (rs->callers == NULL)
		return fail(ld, "out of memory");
	total = 0;
	for (uint32_t c = 0; c < rs->nchains; c++) {
		rs->chains[c].callers = total;
		total += rs->chains[c].ncallers;
		rs->chains[c].ncallers = 0;
	}
	for (uint32_t i = 0; i < rs->nrules; i++) {
		struct nfp_rs_chain *c;
		if (rs->rules[i].jump == 0)
			continue;
		c = &rs->chains[rs->rules[i].jump - 1];
		rs->callers[c->callers + c->ncallers++] = i;
	}
	return 0;
}

const struct nfp_rs_set *nfp_rs_set(const struct nfp_ruleset *rs, uint32_t table, const char *name, size_t len)
{
	for (uint32_t i = 0; i < rs->nsets; i++)
		if (rs->sets[i].table == table && rs->sets[i].name.len == len && memcmp(rs->sets[i].name.p, name, len) == 0)
			return &rs->sets[i];
	return NULL;
}

/* which hooks reach each chain: the base chains' own (iptables: by name; nft: their "hook"),
 * carried along every jump and goto until nothing changes (each chain is queued again only
 * when it gains a hook: at most six times) */
static int chain_hooks(struct loader *ld)
{
	static const struct {
		const char *name;
		uint8_t bit;
	} base[] = { { "PREROUTING", NFP_HOOK_PRE }, { "INPUT", NFP_HOOK_IN }, { "FORWARD", NFP_HOOK_FWD },
		     { "OUTPUT", NFP_HOOK_OUT }, { "POSTROUTING", NFP_HOOK_POST } };
	struct nfp_ruleset *rs = ld->rs;
	uint32_t *queue = malloc(((size_t)rs->nchains * 7 + 1) * sizeof(uint32_t)), qh = 0, qt = 0;
	if (queue == NULL)
		return fail(ld, "out of memory");
	for (uint32_t c = 0; c < rs->nchains; c++) {
		struct nfp_rs_chain *ch = &rs->chains[c];
		if (rs->fmt == NFP_RS_IPTABLES)
			for (size_t k = 0; k < sizeof(base) / sizeof(base[0]); k++)
				if (nfp_word_is(ch->name.p, ch->name.len, base[k].name)) {
					ch->hooks = ch->base = base[k].bit;
					ch->prio = ipt_prio(&rs->tables[ch->table].name, base[k].bit);
				}
		if (ch->hooks != 0)
			queue[qt++] = c;
	}
	while (qh < qt) {
		const struct nfp_rs_chain *c = &rs->chains[queue[qh++]];
		for (uint32_t i = 0; i < c->n; i++) {
			const struct nfp_rs_rule *r = &rs->rules[c->first + i];
			const struct nfp_rs_chain *j;
			if (r->jump == 0)
				continue;
			j = &rs->chains[r->jump - 1];
			if ((j->hooks | c->hooks) != j->hooks) {
				rs->chains[j - rs->chains].hooks |= c->hooks;
				queue[qt++] = (uint32_t)(j - rs->chains);
			}
		}
	}
	free(queue);
	return 0;
}

static int build_indexes(struct loader *ld)
{
	struct nfp_ruleset *rs = ld->rs;
	/* rules grouped by chain, file order kept within each chain (counting sort) */
	uint32_t *cnt = calloc((size_t)rs->nchains + 1, sizeof(uint32_t));
	struct nfp_rs_rule *sorted = malloc(((size_t)rs->nrules + 1) * sizeof(*sorted));
	if (cnt == NULL || sorted == NULL) {
		free(cnt);
		free(sorted);
		return fail(ld, "out of memory");
	}
	for (uint32_t i = 0; i < rs->nrules; i++)
		cnt[rs->rules[i].chain + 1]++;
	for (uint32_t c = 0; c < rs->nchains; c++) {
		cnt[c + 1] += cnt[c];
		rs->chains[c].first = cnt[c];
		rs->chains[c].n = cnt[c + 1] - cnt[c];
	}
	for (uint32_t i = 0; i < rs->nrules; i++) {
		struct nfp_rs_rule *r = &rs->rules[i];
		struct nfp_rs_chain *c = &rs->chains[r->chain];
		uint32_t k = cnt[r->chain]++;
		sorted[k] = *r;
		sorted[k].number = k - c->first + 1;
	}
	free(cnt);
	free(rs->rules);
	rs->rules = sorted;

	rs->chain_idx = new_index(rs->nchains, &rs->chain_mask);
	rs->key_idx = new_index(rs->nrules, &rs->key_mask);
	rs->handle_idx = new_index(rs->nrules, &rs->handle_mask);
	rs->prefix_idx = new_index(rs->nrules, &rs->prefix_mask);
	if (!rs->chain_idx || !rs->key_idx || !rs->handle_idx || !rs->prefix_idx)
		return fail(ld, "out of memory");
	for (uint32_t c = 0; c < rs->nchains; c++) {
		const struct nfp_rs_chain *ch = &rs->chains[c];
		uint32_t h = chain_hash(ch->table, ch->name.p, ch->name.len);
		while (rs->chain_idx[h & rs->chain_mask] != 0)
			h++;
		rs->chain_idx[h & rs->chain_mask] = c + 1;
	}
	for (uint32_t i = 0; i < rs->nrules; i++) {
		struct nfp_rs_rule *r = &rs->rules[i];
		const struct nfp_rs_chain *c = &rs->chains[r->chain];
		uint32_t h;
		/* a target that names a chain of this table is a jump (iptables) */
		if (rs->fmt == NFP_RS_IPTABLES && r->target.len > 0 && r->verdict == NFP_V_UNKNOWN &&
		    nfp_rs_chain(rs, &rs->tables[c->table], r->target.p, r->target.len) != NULL)
			r->verdict = NFP_V_JUMP;
		if (rs->fmt == NFP_RS_IPTABLES && r->verdict == NFP_V_GOTO &&
		    nfp_rs_chain(rs, &rs->tables[c->table], r->target.p, r->target.len) == NULL)
			return fail(ld, "rule %u of chain '%.*s' goes to chain '%.*s', which is not declared", r->number,
				    (int)c->name.len, c->name.p, (int)r->target.len, r->target.p);
		for (h = fnv(r->key.p, r->key.len, r->chain);; h++) {
			uint32_t *slot = &rs->key_idx[h & rs->key_mask];
			if (*slot == 0) {
				*slot = i + 1;
				break;
			}
		}
		if (r->handle != 0) {
			for (h = fnv((const char *)&r->handle, sizeof(r->handle), c->table);; h++) {
				uint32_t *slot = &rs->handle_idx[h & rs->handle_mask];
				if (*slot == 0) {
					*slot = i + 1;
					break;
				}
			}
		}
		if (r->prefix.len > 0) { /* the prefix's slot holds its last rule; each rule the one before */
			for (h = fnv(r->prefix.p, r->prefix.len, 0);; h++) {
				uint32_t *slot = &rs->prefix_idx[h & rs->prefix_mask];
				const struct nfp_rs_rule *o = *slot ? &rs->rules[*slot - 1] : NULL;
				if (o == NULL || (o->prefix.len == r->prefix.len && memcmp(o->prefix.p, r->prefix.p, r->prefix.len) == 0)) {
					r->prefix_next = *slot;
					*slot = i + 1;
					break;
				}
			}
		}
	}
	if (build_callers(ld) != 0)
		return -1;
	return chain_hooks(ld);
}

/* ---- lookups used by src/rules/resolve.c ---- */
/* rule of a chain by normalized text; *count gets the number of rules with that text */
const struct nfp_rs_rule *nfp_rs_by_key(const struct nfp_ruleset *rs, const struct nfp_rs_chain *c, const char *k,
					size_t kl, unsigned *count)
{
	uint32_t ci = (uint32_t)(c - rs->chains);
	const struct nfp_rs_rule *found = NULL;
	*count = 0;
	for (uint32_t h = fnv(k, kl, ci);; h++) {
		uint32_t v = rs->key_idx[h & rs->key_mask];
		if (v == 0)
			return found;
		const struct nfp_rs_rule *r = &rs->rules[v - 1];
		if (r->chain == ci && r->key.len == kl && memcmp(r->key.p, k, kl) == 0) {
			if (found == NULL || r->number < found->number)
				found = r;
			++*count;
		}
	}
}

const struct nfp_rs_rule *nfp_rs_by_handle(const struct nfp_ruleset *rs, const struct nfp_rs_table *t, uint32_t handle)
{
	uint32_t ti = (uint32_t)(t - rs->tables);
	if (handle == 0)
		return NULL;
	for (uint32_t h = fnv((const char *)&handle, sizeof(handle), ti);; h++) {
		uint32_t v = rs->handle_idx[h & rs->handle_mask];
		if (v == 0)
			return NULL;
		const struct nfp_rs_rule *r = &rs->rules[v - 1];
		if (r->handle == handle && rs->chains[r->chain].table == ti)
			return r;
	}
}

const struct nfp_rs_rule *nfp_rs_prefix_first(const struct nfp_ruleset *rs, const char *p, size_t n)
{
	if (n == 0)
		return NULL;
	for (uint32_t h = fnv(p, n, 0);; h++) {
		uint32_t v = rs->prefix_idx[h & rs->prefix_mask];
		if (v == 0)
			return NULL;
		const struct nfp_rs_rule *r = &rs->rules[v - 1];
		if (r->prefix.len == n && memcmp(r->prefix.p, p, n) == 0)
			return r;
	}
}

const struct nfp_rs_rule *nfp_rs_prefix_next(const struct nfp_ruleset *rs, const struct nfp_rs_rule *r)
{
	return r->prefix_next ? &rs->rules[r->prefix_next - 1] : NULL;
}

/* the one rule logging with this prefix; *ambiguous set when several do */
const struct nfp_rs_rule *nfp_rs_by_prefix(const struct nfp_ruleset *rs, const char *p, size_t n, int *ambiguous)
{
	const struct nfp_rs_rule *r = nfp_rs_prefix_first(rs, p, n);
	*ambiguous = r != NULL && r->prefix_next != 0;
	return *ambiguous ? NULL : r;
}

/* ---- load / free ---- */
void nfp_ruleset_free(struct nfp_ruleset *rs)
{
	if (rs == NULL)
		return;
	free(rs->path);
	free(rs->mem);
	free(rs->tables);
	free(rs->chains);
	free(rs->rules);
	free(rs->chain_idx);
	free(rs->key_idx);
	free(rs->handle_idx);
	free(rs->prefix_idx);
	free(rs->callers);
	free(rs->sets);
	free(rs);
}

#define NFP_RS_MAX_BYTES (64u << 20) /* a snapshot larger than 64 MiB is refused */

struct nfp_ruleset *nfp_ruleset_parse(const char *text, size_t len, enum nfp_rs_format fmt, const char *name,
				      char *err, size_t errlen)
{
	struct nfp_ruleset *rs = calloc(1, sizeof(*rs));
	struct loader ld = { .rs = rs, .err = err, .errlen = errlen };
	int rc;
	if (err != NULL && errlen > 0)
		err[0] = 0;
	if (rs == NULL || (rs->path = strdup(name ? name : "(rules)")) == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: out of memory", name ? name : "(rules)");
		nfp_ruleset_free(rs);
		return NULL;
	}
	rs->fmt = fmt;
	if (len > NFP_RS_MAX_BYTES) {
		fail(&ld, "larger than %u MiB", NFP_RS_MAX_BYTES >> 20);
		nfp_ruleset_free(rs);
		return NULL;
	}
	/* the text, then room for decoded prefixes and normalized keys (each at most a line) */
	if ((rs->mem = malloc(3 * len + 16)) == NULL) {
		fail(&ld, "out of memory");
		nfp_ruleset_free(rs);
		return NULL;
	}
	memcpy(rs->mem, text, len);
	ld.text = rs->mem;
	ld.len = len;
	ld.arena = rs->mem + len;
	rc = fmt == NFP_RS_NFT ? parse_nft(&ld) : parse_iptables(&ld);
	free(ld.cidx); /* the loader's; build_indexes makes the snapshot's own */
	/* no table (empty, or comments only): what ip6tables-save and nft list ruleset print on a
	 * host without rules of theirs: a snapshot of no rules, not an error */
	if (rc == 0)
		rc = build_indexes(&ld);
	if (rc != 0) {
		nfp_ruleset_free(rs);
		return NULL;
	}
	return rs;
}

struct nfp_ruleset *nfp_ruleset_load(const char *path, enum nfp_rs_format fmt, char *err, size_t errlen)
{
	/* only a regular file: a FIFO or a device is not opened for reading (it would block the
	 * reader, or never end) */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat sb;
	FILE *f = NULL;
	char *buf = NULL;
	size_t len = 0, cap = 0, got;
	struct nfp_ruleset *rs;
	if (fd >= 0 && fstat(fd, &sb) == 0 && !S_ISREG(sb.st_mode)) {
		close(fd);
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: not a regular file (a FIFO or device is not read)", path);
		return NULL;
	}
	if (fd < 0 || (f = fdopen(fd, "rb")) == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	for (;;) {
		if (len == cap) {
			char *nb;
			if (cap >= NFP_RS_MAX_BYTES + 1 || (nb = realloc(buf, cap ? cap * 2 : 65536)) == NULL)
				break;
			buf = nb;
			cap = cap ? cap * 2 : 65536;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f) || buf == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: cannot read: %s", path, ferror(f) ? strerror(errno) : "out of memory");
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	rs = nfp_ruleset_parse(buf, len, fmt, path, err, errlen);
	free(buf);
	return rs;
}
