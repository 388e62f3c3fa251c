/* nfp: a parser for the Linux netfilter kernel-log dialect (LOG target, nft `log`, TRACE,
 * ebtables `--log`). Pure C, no allocation: a line (pointer + length) in, a record out.
 *
 * The record refers to the caller's line by offsets; it is valid while that line is.
 * All values are decoded at parse time into numbers, addresses or slices; JSON is built
 * only by src/emit/native_tree.c.
 */
#ifndef NFP_H_INCLUDED
#define NFP_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* lexer sections: which keys are valid where (see src/parse/fields.def) */
enum nfp_section {
	NFP_S_NONE = 0, /* never matched by key */
	NFP_S_HDR,      /* IN OUT PHYSIN PHYSOUT MAC... */
	NFP_S_IP,       /* SRC DST LEN TOS ... PROTO */
	NFP_S_TCP,
	NFP_S_UDP,
	NFP_S_ICMP,
	NFP_S_AH,
	NFP_S_ESP,
	NFP_S_L4,       /* other protocol numbers: nothing after PROTO */
	NFP_S_ARP,
	NFP_S_ANY0,     /* valid in every section of the outer packet */
	NFP_S__COUNT
};

/* JSON objects a field can land in */
enum nfp_group {
	NFP_G_TOP = 0, NFP_G_TRACE, NFP_G_MAC, NFP_G_IP, NFP_G_TCP, NFP_G_UDP,
	NFP_G_ICMP, NFP_G_AH, NFP_G_ESP, NFP_G_ARP, NFP_G__COUNT
};

/* value kinds: decoder at parse time, JSON type at emit time */
enum nfp_kind {
	NFP_K_STR = 0, /* slice, emitted as string */
	NFP_K_DEC,     /* unsigned decimal -> integer */
	NFP_K_HEX,     /* hex with or without 0x -> integer */
	NFP_K_IP,      /* IPv4 or IPv6 address -> canonical string */
	NFP_K_MAC,     /* aa:bb:cc:dd:ee:ff -> string */
	NFP_K_MACRAW,  /* MAC= colon hex of any length -> object */
	NFP_K_FLAGS,   /* bit set of bare words -> array of strings */
	NFP_K_BOOL,    /* presence -> true */
	NFP_K_PROTO,   /* protocol name or number -> integer (+ proto_name) */
	NFP_K_WORD     /* index into nfp_words[] -> string (words the line does not spell as emitted) */
};

/* the words NFP_K_WORD fields take */
enum nfp_word {
	NFP_W_RULE = 0, NFP_W_RETURN, NFP_W_POLICY, NFP_W_PACKET, NFP_W_CONNTRACK, /* trace.type */
	NFP_W_KERNEL, NFP_W_XTABLES, NFP_W_NFT,                                    /* trace.source */
	NFP_W_INET, NFP_W_IP, NFP_W_ARP, NFP_W_NETDEV, NFP_W_BRIDGE, NFP_W_IP6,    /* trace.family */
	NFP_W__COUNT
};
extern const char *const nfp_words[NFP_W__COUNT];
/* NFPROTO number -> family word (NFP_W__COUNT if none) and back */
enum nfp_word nfp_family_word(unsigned nfproto);
int nfp_family_proto(enum nfp_word w);

enum nfp_field {
#define X(id, key, sec, grp, name, kind) NFP_F_##id,
#include "parse/fields.def"
#undef X
	NFP_F__COUNT
};

struct nfp_field_info {
	const char *key;     /* as printed by the kernel, "" if set by structure */
	unsigned char keylen;
	unsigned char section;
	unsigned char group;
	unsigned char kind;
	const char *name;    /* JSON member name */
	unsigned char namelen;
};
extern const struct nfp_field_info nfp_fields[NFP_F__COUNT];
/* the largest value a numeric field can hold as the protocol defines it (0: no bound below
 * INT64_MAX); a larger value is not decoded and lands in "invalid" */
extern const uint64_t nfp_field_max[NFP_F__COUNT];

/* bare flag words (DF, SYN, ...) */
struct nfp_flag_info {
	const char *word;
	unsigned char len;
	unsigned char section;
	unsigned char field;  /* the NFP_K_FLAGS field they set */
	unsigned char bit;
};
extern const struct nfp_flag_info nfp_flags[];
extern const unsigned nfp_nflags;

struct nfp_slice {
	uint32_t off;
	uint32_t len;
};

union nfp_value {
	uint64_t u;
	struct nfp_slice s;
	struct {
		uint8_t family; /* 4 or 6 */
		uint8_t a[16];
	} ip;
	uint8_t mac[6];
};

#define NFP_PRESENT_WORDS ((NFP_F__COUNT + 63) / 64)

/* one packet: the outer one, or the original packet an ICMP error quotes */
struct nfp_pkt {
	uint64_t present[NFP_PRESENT_WORDS];
	uint64_t invalid[NFP_PRESENT_WORDS]; /* key seen, value did not decode */
	union nfp_value v[NFP_F__COUNT];
};

enum nfp_type {
	NFP_NONE = 0,   /* not a netfilter record */
	NFP_LOG,        /* LOG target / nft log */
	NFP_TRACE,      /* TRACE: table:chain:type:rulenum */
	NFP_EBT,        /* legacy ebtables --log watcher dialect */
	NFP_FRAGMENT    /* tail of a line split by a router's syslog: no header */
};

/* "ip", "ip6", "inet", ... -> NFPROTO number, -1 if none */
int nfp_nft_family(const char *w, size_t n);

/* record flags */
#define NFP_R_TRUNCATED   0x01u /* the line ends before its grammar completes */
#define NFP_R_UNKNOWN_OVF 0x02u /* more unknown tokens than the record keeps */

#define NFP_MAX_UNKNOWN 16

struct nfp_record {
	enum nfp_type type;
	unsigned flags;
	unsigned depth_seen;      /* 1 if a quoted packet was opened */
	struct nfp_pkt pkt[2];    /* [0] outer, [1] quoted by an ICMP error */
	unsigned n_unknown;       /* tokens the grammar has no place for */
	struct nfp_slice unknown[NFP_MAX_UNKNOWN];
};

/* Parse one message text (no terminator needed; NUL bytes are data). Carrier marks the
 * kernel or imklog leaves in front ("<4>", "[  179.000503] ", "[T123] ") are skipped.
 * Returns rec->type: NFP_NONE when the text is not a netfilter record. */
enum nfp_type nfp_parse(const char *line, size_t len, struct nfp_record *rec);
/* parse a netfilter monitor line (xtables-monitor --trace, nft monitor trace) from pos */
enum nfp_type nfp_monitor_parse(const char *line, size_t len, size_t pos, struct nfp_record *rec);


static inline int nfp_has(const struct nfp_pkt *p, enum nfp_field f)
{
	return (int)((p->present[f >> 6] >> (f & 63)) & 1u);
}
static inline int nfp_bad(const struct nfp_pkt *p, enum nfp_field f)
{
	return (int)((p->invalid[f >> 6] >> (f & 63)) & 1u);
}

/* the next field >= f that is present or invalid, NFP_F__COUNT if none: emitters walk the
 * set bits instead of every row */
static inline unsigned nfp_next_set(const struct nfp_pkt *p, unsigned f)
{
	for (unsigned w = f >> 6; w < NFP_PRESENT_WORDS; w++) {
		uint64_t bits = (p->present[w] | p->invalid[w]) & (w == f >> 6 ? ~(uint64_t)0 << (f & 63) : ~(uint64_t)0);
		if (bits)
			return w * 64 + (unsigned)__builtin_ctzll(bits);
	}
	return NFP_F__COUNT;
}

/* helpers shared by the parser pieces and their tests; each returns bytes consumed, 0 = not this */
size_t nfp_dec(const char *s, size_t n, uint64_t max, uint64_t *out);
size_t nfp_hex(const char *s, size_t n, uint64_t max, uint64_t *out);
size_t nfp_ipv4(const char *s, size_t n, uint8_t out[4]);
size_t nfp_ipv6(const char *s, size_t n, uint8_t out[16]);
size_t nfp_mac(const char *s, size_t n, uint8_t out[6]);
size_t nfp_machex(const char *s, size_t n, size_t *nbytes);
/* TRACE header "table:chain:type:rulenum" (without "TRACE: "); 0 if not one */
size_t nfp_trace_hdr(const char *s, size_t n, uint32_t base, struct nfp_pkt *p);
/* the ebtables --log dialect, from just after "OUT=<if> " */
int nfp_ebt_body(const char *line, size_t len, size_t pos, struct nfp_record *rec);
/* protocol name as printed ("TCP", "ICMPv6", ...) -> number, or -1 */
int nfp_proto_by_name(const char *s, size_t n);
/* a raw /dev/kmsg record's header "<prio>,<seq>,<usec>,<flags>[,...];": its length (0: none)
 * and its microseconds since boot into *usec (may be NULL) */
size_t nfp_kmsg_header(const char *s, size_t n, uint64_t *usec);
/* skip carrier marks at the start of a kernel message; returns offset of the text */
size_t nfp_skip_carrier(const char *line, size_t len);

const char *nfp_type_name(enum nfp_type t);

/* A packet handed over as bytes (NFLOG, src/parse/packet.c) written as the line the kernel's
 * LOG target prints for it, for nfp_parse. The names are the devices' (NULL or "" for none);
 * hwhdr is the link header NFLOG copies (MAC=); pkt starts at the network header, cap bytes
 * of it copied. family is the hook's NFPROTO; for bridge and netdev hooks ethertype tells the
 * packet. flags: LOG flags the kernel would have been given. Writes at most outcap-1 bytes and
 * a NUL; returns the length. No allocation. */
#define NFP_RENDER_TCPSEQ 0x01u
#define NFP_RENDER_UID    0x08u
#define NFP_RENDER_AE     0x100u /* kernels with AccECN (6.18): the AE flag word, 3 reserved bits */
#define NFP_PACKET_LINE_MAX 1024 /* the kernel's line buffer */
struct nfp_packet_meta {
	unsigned family;
	unsigned ethertype;
	const char *prefix;
	size_t prefix_max;
	const char *in, *out, *physin, *physout;
	const uint8_t *hwhdr;
	size_t hwhdr_len;
	uint32_t mark;
	int has_uid;
	uint32_t uid, gid;
	unsigned flags;
};
size_t nfp_packet_render(const struct nfp_packet_meta *m, const uint8_t *pkt, size_t cap, char *out, size_t outcap);
/* the render flags the running kernel's LOG target implies, from its release ("6.18.44-...":
 * NFP_RENDER_AE from 6.18 on) */
unsigned nfp_render_flags_of(const char *release);
/* A kernel sequence (NFLOG's per-group numbering): the packets lost before seq, which a gap
 * says the kernel could not hand over; 0 for the first number seen, the next one, or one
 * behind (the numbering started again: a new binding), from which it counts on. */
struct nfp_seq {
	int have;
	uint32_t next;
};
uint32_t nfp_seq_lost(struct nfp_seq *s, uint32_t seq);

/* An nftables trace event's netlink attributes (src/parse/nfttrace.c) as the lines
 * `nft monitor trace` prints: the packet line (0 when the event carries no headers) and the
 * step line ("unknown rule handle N (verdict V)" or with the rule's text "rule <text> # handle N
 * (verdict V)", "policy V", "verdict V"). family is the
 * table's NFPROTO, nfproto the packet's; type 1 policy, 2 return, 3 rule; verdict as the
 * kernel gives it (NF_ACCEPT 1, NFT_JUMP -3, ...). No allocation; NUL-terminated. */
struct nfp_nfttrace {
	uint32_t id;
	unsigned family, nfproto, type;
	const char *table, *chain, *jump_target;
	uint64_t handle;
	int has_verdict, has_policy, has_mark;
	int32_t verdict;
	uint32_t policy, mark;
	const char *iif, *oif;
	unsigned iiftype;
	const uint8_t *ll, *nh, *th;
	size_t ll_len, nh_len, th_len;
	const char *rule_text; /* the rule as `nft -a list ruleset` prints it, where known: then the
				* step is nft -a's "rule <text> # handle N (verdict V)" */
	size_t rule_len;
};
size_t nfp_nfttrace_packet(const struct nfp_nfttrace *t, char *out, size_t cap);
size_t nfp_nfttrace_step(const struct nfp_nfttrace *t, char *out, size_t cap);

/* UTF-8 (src/parse/utf8.c): the length of the longest well-formed prefix; s with each byte of an
 * ill-formed sequence replaced by U+FFFD into out (room for 3 * n bytes), returning its
 * length */
size_t nfp_utf8_valid(const char *s, size_t n);
size_t nfp_utf8_repair(const char *s, size_t n, char *out);

/* Community ID v1 of a flow; returns the length written to out (at most NFP_CID_MAX) or 0
 * where the flow has none (ports required but absent) */
struct nfp_flow {
	int family;              /* 4 or 6 */
	const uint8_t *saddr, *daddr;
	uint8_t proto;
	int has_ports;
	uint16_t sport, dport;   /* ICMP: type and code */
};
#define NFP_CID_MAX 44
size_t nfp_community_id(const struct nfp_flow *fl, uint16_t seed, int base64, char *out);
void nfp_sha1(const uint8_t *p, size_t n, uint8_t out[20]);

/* text forms, written without a terminator; return the length. IPv6 as glibc's inet_ntop
 * prints it (RFC 5952 compression; IPv4-mapped and -compatible tails in dotted form). */
#define NFP_IPSTR_MAX 46
#define NFP_MACSTR_MAX 17
size_t nfp_format_ip(int family, const uint8_t *a, char *out);
size_t nfp_format_mac(const uint8_t m[6], char *out);
size_t nfp_format_dec(uint64_t v, char *out); /* at most 20 bytes */

#ifdef __cplusplus
}
#endif
#endif
