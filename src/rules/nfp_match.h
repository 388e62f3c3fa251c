/* nfp_match: does a rule of a snapshot match a packet? Three-valued (yes / no / unknown),
 * for the matches of an iptables-save rule and the expressions of an `nft list ruleset` rule,
 * evaluated against what is known of the packet (a packet view: from a LOG or TRACE record's
 * fields, or from a what-if packet written by hand).
 *
 * What a log line cannot tell (rate limits, recent lists, ipset contents, socket owners, ...)
 * is unknown, never guessed; the first condition that was unknown is named in the result.
 * Nothing is allocated: evaluation re-reads the rule's text in the snapshot.
 *
 * The static walk (nfp_swalk) runs a packet view through the base chains of a snapshot the
 * way the kernel would, hook by hook and table by table, following jumps, gotos and returns.
 */
#ifndef NFP_MATCH_H_INCLUDED
#define NFP_MATCH_H_INCLUDED
#include <stddef.h>
#include <stdint.h>
#include "nfp.h"
#include "rules/nfp_resolve.h"

#ifdef __cplusplus
extern "C" {
#endif

enum nfp_tri { NFP_NO = 0, NFP_YES = 1, NFP_UNKNOWN = 2 };

/* conntrack states, one bit each (a packet is in exactly one) */
#define NFP_CT_NEW 0x01u
#define NFP_CT_ESTABLISHED 0x02u
#define NFP_CT_RELATED 0x04u
#define NFP_CT_INVALID 0x08u
#define NFP_CT_UNTRACKED 0x10u
/* conntrack's status bits as nft's "ct status" names them (IPS_*); iptables' --ctstate
 * SNAT/DNAT are the same two */
#define NFP_CTS_EXPECTED 0x001u
#define NFP_CTS_SEEN_REPLY 0x002u
#define NFP_CTS_ASSURED 0x004u
#define NFP_CTS_CONFIRMED 0x008u
#define NFP_CTS_SNAT 0x010u
#define NFP_CTS_DNAT 0x020u
#define NFP_CTS_DYING 0x200u

/* TCP flags as the TCP header carries them */
#define NFP_TCP_FIN 0x01u
#define NFP_TCP_SYN 0x02u
#define NFP_TCP_RST 0x04u
#define NFP_TCP_PSH 0x08u
#define NFP_TCP_ACK 0x10u
#define NFP_TCP_URG 0x20u
#define NFP_TCP_ECE 0x40u
#define NFP_TCP_CWR 0x80u

/* what is known about the packet: one bit per field group */
#define NFP_PV_PROTO 0x0001u
#define NFP_PV_SRC 0x0002u
#define NFP_PV_DST 0x0004u
#define NFP_PV_PORTS 0x0008u
#define NFP_PV_ICMP 0x0010u
#define NFP_PV_FLAGS 0x0020u
#define NFP_PV_TTL 0x0040u
#define NFP_PV_LEN 0x0080u
#define NFP_PV_MARK 0x0100u
#define NFP_PV_CT 0x0200u
#define NFP_PV_IN 0x0400u
#define NFP_PV_OUT 0x0800u
#define NFP_PV_PHYS 0x1000u     /* physin/physout (empty: not bridged) */
#define NFP_PV_MACSRC 0x2000u
#define NFP_PV_MACDST 0x4000u
#define NFP_PV_FAMILY 0x8000u
#define NFP_PV_CTSTATUS 0x10000u /* ct_status: a what-if packet of a new flow, its NAT so far */
#define NFP_PV_RPF_OK 0x20000u   /* what-if: the source passes the reverse-path check (assumed) */

#define NFP_IFNAMSIZ 16
struct nfp_pview {
	uint32_t known;           /* NFP_PV_* */
	uint8_t family;           /* 4 or 6 */
	uint8_t proto;            /* IP protocol / IPv6 upper-layer header */
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint8_t icmp_type, icmp_code;
	uint8_t tcp_flags;        /* NFP_TCP_* */
	uint8_t ttl;              /* TTL / hop limit */
	uint16_t len;             /* IP total length (IPv6: payload + 40) */
	uint32_t mark;
	uint8_t ct;               /* NFP_CT_*: the states the packet can be in (NFP_PV_CT: fewer than all) */
	uint16_t ct_status;       /* NFP_CTS_* (NFP_PV_CTSTATUS) */
	uint8_t hook;             /* NFP_HOOK_* the rule is evaluated at (0: not known) */
	uint8_t mac_src[6], mac_dst[6];
	char in[NFP_IFNAMSIZ], out[NFP_IFNAMSIZ], physin[NFP_IFNAMSIZ], physout[NFP_IFNAMSIZ];
	const char *ct_from;      /* how the ct state is known (a constant string): NULL = given */
	const char *rpf_from;     /* NFP_PV_RPF_OK: why (a constant string) */
};

/* the packet view of a parsed record's outer packet. A LOG record's conntrack state is not
 * printed: it is narrowed only where conntrack's own checks decide it (a TCP SYN without ACK
 * opens a connection: new; a UDP datagram or ICMP echo whose lengths agree is not invalid),
 * and then ct_from says so. */
void nfp_pview_of(const struct nfp_record *rec, const char *line, struct nfp_pview *pv);

/* a what-if packet, e.g. "tcp 10.0.0.4:40000 > 192.168.0.19:80 in tap0" (README: what if).
 * 0 on success; -1 with a message in err. */
int nfp_pview_parse(const char *spec, struct nfp_pview *pv, char *err, size_t errlen);

#define NFP_MATCH_UPTO_LOG 0x01u /* nft: only the expressions before the rule's log statement */
/* Does rule r of rs match the packet? On NFP_UNKNOWN, *why (if not NULL) names the first
 * condition that could not be decided (a slice of the rule text). */
enum nfp_tri nfp_rule_match(const struct nfp_ruleset *rs, const struct nfp_rs_rule *r, const struct nfp_pview *pv,
			    unsigned flags, struct nfp_rs_str *why);

/* ---- static walk ---- */
#define NFP_SWALK_MAX 256
struct nfp_swalk_step {
	const struct nfp_rs_chain *chain;
	const struct nfp_rs_rule *rule;   /* NULL: the chain's policy (base) or its end (return) */
	enum nfp_verdict verdict;         /* what the step did */
	enum nfp_tri match;               /* NFP_UNKNOWN: assumed to match */
	struct nfp_rs_str why;            /* the undecided condition when assumed */
	uint8_t hook;                     /* NFP_HOOK_* */
};
struct nfp_swalk {
	unsigned n, assumed;              /* steps; steps that assumed an unknown condition */
	int truncated;                    /* more steps than NFP_SWALK_MAX, or a loop */
	enum nfp_verdict verdict;         /* the packet's fate: accept, drop, reject, queue, unknown */
	int decider;                      /* index of the step that decided it, -1: none */
	struct nfp_swalk_step step[NFP_SWALK_MAX];
};
/* Walk pv through rs at the hooks its interfaces give (in only: prerouting, input; out only:
 * output, postrouting; both: prerouting, forward, postrouting). A condition that cannot be
 * decided is assumed to match and the step says so. pv is changed only in its hook. */
void nfp_swalk(const struct nfp_ruleset *rs, struct nfp_pview *pv, struct nfp_swalk *w);
/* the hooks a packet view passes, in order; returns how many (at most 3) */
unsigned nfp_pview_hooks(const struct nfp_pview *pv, uint8_t hooks[3]);

/* Can rule r be reached at all by this packet at one of these hooks? NFP_NO when every path
 * into it is closed by a rule that certainly matches and ends the chain, or by a jump whose
 * match certainly fails. Used to tell apart rules that log with the same prefix. */
enum nfp_tri nfp_rule_reachable(const struct nfp_ruleset *rs, const struct nfp_rs_rule *r, struct nfp_pview *pv,
				uint8_t hooks);

/* After a LOG rule: where the packet goes when the rules decide it without an unknown
 * condition. 1 with the verdict and the rule that makes it (*rule), or the chain whose policy
 * does (*rule NULL, *policy set); 0 when the rules do not decide it. */
int nfp_after_log(const struct nfp_ruleset *rs, const struct nfp_rs_rule *log, struct nfp_pview *pv,
		  enum nfp_verdict *verdict, const struct nfp_rs_rule **rule, const struct nfp_rs_chain **policy);

/* nft: the verdict a rule's vmap gives this packet ("accept", "jump x"): 1 with *verdict set
 * (len 0: no element matched), 0 when not known or the rule has no vmap */
int nfp_rule_vmap(const struct nfp_ruleset *rs, const struct nfp_rs_rule *r, const struct nfp_pview *pv,
		  struct nfp_rs_str *verdict);

/* a chain is of type nat (iptables table "nat", nft "type nat"): it sees only a connection's
 * first packet */
int nfp_rs_chain_is_nat(const struct nfp_ruleset *rs, const struct nfp_rs_chain *c);

#ifdef __cplusplus
}
#endif
#endif
