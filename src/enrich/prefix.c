/* What a LOG rule's prefix says happened, by the conventions of the generators that write
 * them (see nfp_enrich.h). */
#include <string.h>
#include "enrich/nfp_enrich.h"

static int ci_has(const char *s, size_t n, const char *w)
{
	size_t k = strlen(w);
	for (size_t i = 0; i + k <= n; i++) {
		size_t j = 0;
		while (j < k && (s[i + j] | 0x20) == w[j])
			j++;
		if (j == k)
			return 1;
	}
	return 0;
}

static int word_type(const char *w, size_t n)
{
	if (ci_has(w, n, "drop") || ci_has(w, n, "reject") || ci_has(w, n, "deny") || ci_has(w, n, "block"))
		return 2;
	if (ci_has(w, n, "accept") || ci_has(w, n, "allow"))
		return 1;
	return 0;
}

static void set_action(struct nfp_prefix_verdict *v, const char *w, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n && k + 1 < sizeof(v->action); i++) {
		char c = w[i];
		v->action[k++] = c == ' ' ? '_' : (char)(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
	}
	v->action[k] = 0;
}

void nfp_prefix_verdict(const char *p, size_t n, struct nfp_prefix_verdict *v)
{
	memset(v, 0, sizeof(*v));
	size_t raw_n = n;
	while (n > 0 && p[n - 1] == ' ')
		n--;
	if (n == 0)
		return;
	/* Ubiquiti EdgeOS / VyOS: the prefix abuts IN= (no trailing space) */
	if (n == raw_n && n > 5 && p[0] == '[' && p[n - 1] == ']' && p[n - 3] == '-' &&
	    (p[n - 2] == 'A' || p[n - 2] == 'D' || p[n - 2] == 'R')) {
		size_t e = n - 3, d = e;
		while (d > 1 && p[d - 1] != '-')
			d--;
		if (d > 2 && p[d - 1] == '-') {
			v->ubnt = 1;
			v->rule_name = p + 1;
			v->rule_name_len = d - 2;
			v->rule_id = p + d;
			v->rule_id_len = e - d;
			const char *a = p[n - 2] == 'A' ? "accept" : p[n - 2] == 'D' ? "drop" : "reject";
			set_action(v, a, strlen(a));
			v->type = p[n - 2] == 'A' ? 1 : 2;
			const char *dash = memchr(v->rule_name, '-', v->rule_name_len);
			if (dash != NULL && memchr(dash + 1, '-', v->rule_name_len - (size_t)(dash + 1 - v->rule_name)) == NULL)
				v->zone_split = (size_t)(dash - v->rule_name);
			return;
		}
	}
	/* UFW: [UFW BLOCK] [UFW ALLOW] [UFW AUDIT] [UFW LIMIT BLOCK] */
	if (n > 6 && memcmp(p, "[UFW ", 5) == 0 && p[n - 1] == ']') {
		set_action(v, p + 5, n - 6);
		v->type = word_type(p + 5, n - 6);
		return;
	}
	/* Shorewall:<chain>:<ACTION>: */
	if (n > 11 && memcmp(p, "Shorewall:", 10) == 0) {
		const char *c = p + 10, *e = memchr(c, ':', n - 10);
		if (e != NULL) {
			size_t al = n - (size_t)(e + 1 - p);
			if (al > 0 && p[n - 1] == ':')
				al--;
			v->rule_name = c;
			v->rule_name_len = (size_t)(e - c);
			set_action(v, e + 1, al);
			v->type = word_type(e + 1, al);
			return;
		}
	}
	/* a last word saying what happened: "DENY:", "iptables DROP_INPUT:", firewalld's
	 * "filter_IN_public_REJECT:" */
	size_t e = n, b;
	if (p[e - 1] == ':')
		e--;
	b = e;
	while (b > 0 && p[b - 1] != ' ' && p[b - 1] != ']' && p[b - 1] != ':')
		b--;
	if (e > b && word_type(p + b, e - b)) {
		size_t us = e;
		v->type = word_type(p + b, e - b);
		/* firewalld: <table>_<dir>_<zone>_<ACTION>: the rule is the whole name, the action its end */
		while (us > b && p[us - 1] != '_')
			us--;
		if (us > b && memcmp(p + b, "filter_", 7) == 0) {
			v->rule_name = p + b;
			v->rule_name_len = e - b;
			set_action(v, p + us, e - us);
		} else {
			set_action(v, p + b, e - b);
		}
	}
}

