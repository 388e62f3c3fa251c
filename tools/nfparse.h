/* nfparse's parts: input.c (syslog headers, files, snapshots) under both modes, nfparse.c
 * (records, main) and explain.c (walks), which main calls through nfparse_explain. */
#ifndef NFPARSE_H_INCLUDED
#define NFPARSE_H_INCLUDED
#include <stddef.h>
#include <stdio.h>
#include "rules/nfp_resolve.h"

#ifndef NFPARSE_VERSION /* the build passes configure's (debian/changelog's) */
#define NFPARSE_VERSION "(unversioned build)"
#endif

/* offset of the message text in a syslog line (RFC 3164/3339 header and tag removed, as
 * rsyslog would give msg); 0 for lines without a syslog time stamp. host/hostlen: the
 * header's host name, if any. */
size_t nfparse_syslog_msg(const char *s, size_t n, size_t *host, size_t *hostlen);
/* One input line (without its '\n') in any form admins feed nfparse: kern.log/syslog lines,
 * dmesg and dmesg -x, raw /dev/kmsg records, journalctl -o short-* and -o json (its MESSAGE
 * and _HOSTNAME, decoded into the line itself), CRLF line ends (*n shortened): the offset of
 * the message text, and the host as nfparse_syslog_msg says; time (NFPARSE_TIME_MAX bytes)
 * gets the line's own time as RFC 3339, or "" where it has none */
#define NFPARSE_TIME_MAX 80
size_t nfparse_input(char *line, size_t *n, size_t *host, size_t *hostlen, char *time);
/* which: 0 iptables (IPv4), 1 ip6tables, 2 nft; prints the error; -1 on failure */
int nfparse_load_rules(struct nfp_snapshots *ss, int which, const char *path);
void nfparse_free_rules(struct nfp_snapshots *ss);
/* fn over each FILE of argv[first..argc) ("-" = stdin), or over stdin when there is none;
 * an unreadable file is reported as "<who>: FILE: why"; returns 1 if anything failed */
int nfparse_each_input(int argc, char **argv, int first, const char *who, int (*fn)(FILE *in, void *ctx), void *ctx);
/* explain.c: the `explain` mode */
int nfparse_explain(int argc, char **argv);
/* whatif.c: a what-if packet ("tcp 10.0.0.4:40000 > 10.0.0.1:80 in eth0") walked through the
 * snapshots (2: the packet does not parse), and a LOG record walked from its packet fields */
int nfparse_whatif(const struct nfp_snapshots *ss, const char *spec, int json);
struct nfp_record;
void nfparse_whatif_log(const struct nfp_snapshots *ss, const struct nfp_record *rec, const char *line, int json);
/* report.c: the `report` mode (report --html FILE) */
int nfparse_report(int argc, char **argv);
/* html.c: explain --html FILE, the walks as pictures in one self-contained page */
struct nfp_walk;
struct nfp_swalk;
int nfparse_html_open(const char *path);
/* s (up to n bytes, a NUL or a newline) as HTML text into f */
void nfparse_html_esc(FILE *f, const char *s, size_t n);
void nfparse_html_walk(const struct nfp_walk *w);
void nfparse_html_static(const char *title, const char *what, const struct nfp_ruleset *rs, const struct nfp_swalk *w);
void nfparse_html_close(void);
#endif
