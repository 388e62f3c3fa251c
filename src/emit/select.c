/* Field selection for the native schema: the record carries only what a user names, so a
 * user who needs a few fields pays for a few (issue: cost proportional to need).
 *
 * A selection is a comma-separated list of names:
 *   a field by its JSON path:   prefix, in, ip.src, tcp.dpt, icmp.type, trace.packet, rule, ...
 *   a JSON object (all of it):  ip, tcp, udp, icmp, mac, arp, ah, esp, trace
 *   a set:                      addresses (ip.src ip.dst arp.ipsrc arp.ipdst)
 *                               ports (tcp.spt tcp.dpt udp.spt udp.dpt)
 *                               protocol (ip.proto ip.proto_name)
 *                               interfaces (in out physin physout)
 *                               action (prefix rule)
 *                               all (everything: the default)
 *   unknown, invalid, inner (the ICMP error's quoted packet)
 * type, truncated and utf8_repaired are always written. */
#include <stdio.h>
#include <string.h>
#include "emit/nfp_json.h"
#include "parse/parse_int.h"

static void set(struct nfp_select *s, enum nfp_field f)
{
	s->f[f >> 6] |= (uint64_t)1 << (f & 63);
}

static const struct {
	const char *name;
	enum nfp_field f[5];
	unsigned n;
} sets[] = {
	{ "addresses", { NFP_F_SRC, NFP_F_DST, NFP_F_ARP_IPSRC, NFP_F_ARP_IPDST }, 4 },
	{ "ports", { NFP_F_TCP_SPT, NFP_F_TCP_DPT, NFP_F_UDP_SPT, NFP_F_UDP_DPT }, 4 },
	{ "protocol", { NFP_F_PROTO, NFP_F_PROTO_NAME }, 2 },
	{ "interfaces", { NFP_F_IN, NFP_F_OUT, NFP_F_PHYSIN, NFP_F_PHYSOUT }, 4 },
};

/* canonical object names (nfp_group_name gives udplite/icmpv6 for display) */
static const char *const group_names[NFP_G__COUNT] = {
	[NFP_G_TOP] = "", [NFP_G_TRACE] = "trace", [NFP_G_MAC] = "mac", [NFP_G_IP] = "ip", [NFP_G_TCP] = "tcp",
	[NFP_G_UDP] = "udp", [NFP_G_ICMP] = "icmp", [NFP_G_AH] = "ah", [NFP_G_ESP] = "esp", [NFP_G_ARP] = "arp",
};

static int one(struct nfp_select *s, const char *w, size_t n)
{
	char path[64];
	if (n == 3 && memcmp(w, "all", 3) == 0) {
		memset(s, 0xff, sizeof(*s));
		return 1;
	}
	if ((n == 4 && memcmp(w, "rule", 4) == 0) || (n == 6 && memcmp(w, "action", 6) == 0)) {
		s->rule = 1;
		if (n == 6)
			set(s, NFP_F_PREFIX);
		return 1;
	}
	if (n == 7 && memcmp(w, "unknown", 7) == 0)
		return s->unknown = 1;
	if (n == 7 && memcmp(w, "invalid", 7) == 0)
		return s->invalid = 1;
	if (n == 5 && memcmp(w, "inner", 5) == 0)
		return s->inner = 1;
	if (n == 12 && memcmp(w, "trace.packet", 12) == 0) {
		set(s, NFP_F_TRACE_PACKET); /* a monitor's id, or the computed one of a kernel TRACE */
		return s->packet = 1;
	}
	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++)
		if (strlen(sets[i].name) == n && memcmp(w, sets[i].name, n) == 0) {
			for (unsigned k = 0; k < sets[i].n; k++)
				set(s, sets[i].f[k]);
			return 1;
		}
	for (unsigned g = 1; g < NFP_G__COUNT; g++)
		if (strlen(group_names[g]) == n && memcmp(w, group_names[g], n) == 0) {
			for (unsigned f = 0; f < NFP_F__COUNT; f++)
				if (nfp_fields[f].group == g)
					set(s, (enum nfp_field)f);
			if (g == NFP_G_TRACE)
				s->packet = 1;
			return 1;
		}
	for (unsigned f = 0; f < NFP_F__COUNT; f++) {
		const struct nfp_field_info *fi = &nfp_fields[f];
		int len = fi->group == NFP_G_TOP ? snprintf(path, sizeof(path), "%s", fi->name)
						 : snprintf(path, sizeof(path), "%s.%s", group_names[fi->group], fi->name);
		if ((size_t)len == n && memcmp(path, w, n) == 0) {
			set(s, (enum nfp_field)f);
			return 1;
		}
	}
	/* the parts of mac= the emitter writes by name */
	if ((n == 7 && memcmp(w, "mac.raw", 7) == 0)) {
		set(s, NFP_F_MAC);
		return 1;
	}
	return 0;
}

int nfp_select_parse(const char *spec, struct nfp_select *s, char *err, size_t errlen)
{
	const char *p = spec;
	memset(s, 0, sizeof(*s));
	while (*p != '\0') {
		const char *e = p;
		while (*e != '\0' && *e != ',')
			e++;
		const char *a = p, *b = e;
		while (a < b && (*a == ' ' || *a == '\t'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		if (b > a && !one(s, a, (size_t)(b - a))) {
			snprintf(err, errlen, "unknown field name '%.*s'", (int)(b - a), a);
			return -1;
		}
		p = *e == ',' ? e + 1 : e;
	}
	return 0;
}
