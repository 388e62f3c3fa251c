/* What a LOG rule's prefix says happened: by the conventions of the generators that write them
 * (rules, see nfp_enrich.h), else by its last word. */
#include <pthread.h>
#include <string.h>
#include "enrich/nfp_enrich.h"
#include "enrich/prefix_default.h"

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

/* The conventions of the generators (ufw, firewalld, Shorewall, EdgeOS, VyOS, OpenWrt, Proxmox,
 * csf): the shipped contrib/prefix-rules/netfilter.prefixes, built in (src/enrich/prefix_default.h
 * is that file, made by make), read once */
static struct nfp_prefix_rules *defaults;
static pthread_once_t defaults_once = PTHREAD_ONCE_INIT;

static void load_defaults(void)
{
	char err[256];
	defaults = nfp_prefix_rules_parse(prefix_default, sizeof(prefix_default) - 1, "netfilter.prefixes (built in)", err,
					  sizeof(err));
}

/* the module can be unloaded (rsyslogd's dlclose at exit): the rules go with it */
__attribute__((destructor)) static void free_defaults(void)
{
	nfp_prefix_rules_free(defaults);
	defaults = NULL;
}

const struct nfp_prefix_rules *nfp_prefix_defaults(void)
{
	pthread_once(&defaults_once, load_defaults);
	return defaults;
}

void nfp_prefix_verdict(const char *p, size_t n, struct nfp_prefix_verdict *v)
{
	memset(v, 0, sizeof(*v));
	if (nfp_prefix_rules_apply(nfp_prefix_defaults(), p, n, v)) {
		v->rule_line = 0; /* a convention's, not a site's rule */
		return;
	}
	memset(v, 0, sizeof(*v));
	while (n > 0 && p[n - 1] == ' ')
		n--;
	if (n == 0)
		return;
	/* no convention: a last word saying what happened ("DENY:", "iptables DROP_INPUT:",
	 * "FINAL_REJECT:") is the action */
	size_t e = n, b;
	if (p[e - 1] == ':')
		e--;
	b = e;
	while (b > 0 && p[b - 1] != ' ' && p[b - 1] != ']' && p[b - 1] != ':')
		b--;
	if (e > b && word_type(p + b, e - b)) {
		v->type = word_type(p + b, e - b);
		set_action(v, p + b, e - b);
	}
}
