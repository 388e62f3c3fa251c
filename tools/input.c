/* nfparse's input side, shared by its modes (records, explain): syslog headers, files, ruleset
 * snapshots. Calls nothing of theirs: nfparse.c and explain.c both sit on top of it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <json.h>
#include "nfparse.h"

static int is_digit(char c)
{
	return (unsigned)((unsigned char)c - (unsigned)'0') < 10u;
}

/* "Jan  8 03:37:09 " */
static size_t rfc3164_ts(const char *s, size_t n)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	size_t e = 15;
	if (n < 16 || s[3] != ' ' || s[6] != ' ' || s[9] != ':' || s[12] != ':')
		return 0;
	if (s[e] == '.') /* journalctl -o short-precise: "Dec 04 20:00:00.123456 " */
		for (e++; e < n && is_digit(s[e]); e++)
			;
	if (e >= n || s[e] != ' ')
		return 0;
	for (int m = 0; m < 12; m++)
		if (memcmp(s, months + 3 * m, 3) == 0)
			return (s[4] == ' ' || is_digit(s[4])) && is_digit(s[5]) && is_digit(s[7]) && is_digit(s[8]) ? e + 1 : 0;
	return 0;
}

/* "2021-03-12T14:10:18[.frac](Z|+hh:mm) " */
static size_t rfc3339_ts(const char *s, size_t n)
{
	size_t i = 19;
	if (n < 21 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || !is_digit(s[0]))
		return 0;
	while (i < n && s[i] != ' ')
		i++;
	return i < n ? i + 1 : 0;
}

static size_t token_end(const char *s, size_t i, size_t n)
{
	while (i < n && s[i] != ' ')
		i++;
	return i;
}

/* The message part of a syslog line, as rsyslog's RFC 3164 parser would give it as msg:
 * <PRI>, timestamp, hostname, tag "xxx:" removed. Lines without a syslog time stamp are
 * taken whole (raw kernel lines, dmesg). */
size_t nfparse_syslog_msg(const char *s, size_t n, size_t *host, size_t *hostlen)
{
	size_t i = 0, t, e;
	*hostlen = 0;
	if (n > 2 && s[0] == '<') {
		for (t = 1; t < n && t < 5 && is_digit(s[t]); t++)
			;
		if (t > 1 && t < n && s[t] == '>')
			i = t + 1;
	}
	if ((t = rfc3164_ts(s + i, n - i)) == 0 && (t = rfc3339_ts(s + i, n - i)) == 0)
		return 0;
	i += t;
	e = token_end(s, i, n);
	if (e > i && s[e - 1] == ':' && memchr(s + i, '=', e - i) == NULL)
		return e < n ? e + 1 : e; /* no hostname, a tag */
	if (e > i && memchr(s + i, '=', e - i) == NULL && s[i] != '[') {
		*host = i; /* hostname */
		*hostlen = e - i;
		i = e < n ? e + 1 : e;
	}
	for (int k = 0, j = (int)i; k < 2 && (size_t)j < n; k++) {
		size_t te = token_end(s, (size_t)j, n);
		if (te == (size_t)j || memchr(s + j, '=', te - (size_t)j) != NULL || s[j] == '[')
			break;
		if (s[te - 1] == ':')
			return te < n ? te + 1 : te;
		j = (int)te + 1;
	}
	return i;
}

int nfparse_each_input(int argc, char **argv, int first, const char *who, int (*fn)(FILE *in, void *ctx), void *ctx)
{
	int rc = 0;
	if (first >= argc)
		return fn(stdin, ctx);
	for (int i = first; i < argc; i++) {
		FILE *f = strcmp(argv[i], "-") == 0 ? stdin : fopen(argv[i], "r");
		struct stat sb;
		if (f == NULL) {
			fprintf(stderr, "%s: %s: %s\n", who, argv[i], strerror(errno));
			rc = 1;
			continue;
		}
		if (fstat(fileno(f), &sb) == 0 && S_ISDIR(sb.st_mode)) {
			fprintf(stderr, "%s: %s: is a directory (give the files in it)\n", who, argv[i]);
			fclose(f);
			rc = 1;
			continue;
		}
		if (fn(f, ctx) != 0) {
			if (ferror(f))
				fprintf(stderr, "%s: %s: read error\n", who, argv[i]);
			rc = 1;
		}
		if (f != stdin)
			fclose(f);
	}
	return rc;
}

int nfparse_load_rules(struct nfp_snapshots *ss, int which, const char *path)
{
	char err[512];
	struct nfp_ruleset *rs = nfp_ruleset_load(path, which == 2 ? NFP_RS_NFT : NFP_RS_IPTABLES, err, sizeof(err));
	const struct nfp_ruleset **slot = which == 0 ? &ss->ipt4 : which == 1 ? &ss->ipt6 : &ss->nft;
	if (rs == NULL) {
		fprintf(stderr, "nfparse: %s\n", err);
		return -1;
	}
	nfp_ruleset_free((struct nfp_ruleset *)*slot);
	*slot = rs;
	/* an iptables-nft host's two snapshots: the built-in chains the kernel does not have */
	nfp_rs_absent_builtins((struct nfp_ruleset *)ss->ipt4, ss->nft, 2);
	nfp_rs_absent_builtins((struct nfp_ruleset *)ss->ipt6, ss->nft, 10);
	return 0;
}

void nfparse_free_rules(struct nfp_snapshots *ss)
{
	nfp_ruleset_free((struct nfp_ruleset *)ss->ipt4);
	nfp_ruleset_free((struct nfp_ruleset *)ss->ipt6);
	nfp_ruleset_free((struct nfp_ruleset *)ss->nft);
	memset(ss, 0, sizeof(*ss));
}

/* a journal field's value as text: a JSON string, or (journalctl -o json's form for a value
 * that is not UTF-8) an array of byte values; at most cap bytes into out, its length */
static size_t journal_value(struct fjson_object *v, char *out, size_t cap)
{
	size_t n = 0;
	if (fjson_object_is_type(v, fjson_type_string)) {
		n = (size_t)fjson_object_get_string_len(v);
		if (n > cap)
			n = cap;
		memcpy(out, fjson_object_get_string(v), n);
	} else if (fjson_object_is_type(v, fjson_type_array)) {
		for (int i = 0; i < fjson_object_array_length(v) && n < cap; i++)
			out[n++] = (char)fjson_object_get_int(fjson_object_array_get_idx(v, i));
	}
	return n;
}

/* now, or NFPARSE_NOW (seconds since the epoch) where set: tests pin the year a header without
 * one is read in */
static long long time_now(void)
{
	const char *e = getenv("NFPARSE_NOW");
	return e != NULL ? atoll(e) : (long long)time(NULL);
}

/* the syslog header's time as RFC 3339 into time (NFPARSE_TIME_MAX): an RFC 3339 stamp as
 * written; an RFC 3164 one ("Dec  4 20:00:00[.frac]", local time without a year) in this
 * year, or the last one where that would be more than a day ahead, with the local offset */
static void header_time(const char *s, size_t n, char *time)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	size_t i = 0, t;
	time[0] = 0;
	if (n > 2 && s[0] == '<')
		for (i = 1; i < n && i < 5 && s[i] != '>'; i++)
			;
	if (i > 0 && i < n && s[i] == '>')
		i++;
	else
		i = 0;
	if ((t = rfc3339_ts(s + i, n - i)) != 0) {
		snprintf(time, NFPARSE_TIME_MAX, "%.*s", (int)(t - 1), s + i);
		return;
	}
	if ((t = rfc3164_ts(s + i, n - i)) == 0)
		return;
	const char *p = s + i;
	struct tm tm = { 0 };
	time_t now = (time_t)time_now(), when;
	struct tm lt;
	localtime_r(&now, &lt);
	tm.tm_mon = (int)((strstr(months, (char[]){ p[0], p[1], p[2], 0 }) - months) / 3);
	tm.tm_mday = (p[4] == ' ' ? 0 : (p[4] - '0') * 10) + (p[5] - '0');
	tm.tm_hour = (p[7] - '0') * 10 + (p[8] - '0');
	tm.tm_min = (p[10] - '0') * 10 + (p[11] - '0');
	tm.tm_sec = (p[13] - '0') * 10 + (p[14] - '0');
	tm.tm_year = lt.tm_year;
	tm.tm_isdst = -1;
	if ((when = mktime(&tm)) > now + 86400) { /* December's lines read in January */
		tm.tm_year--;
		tm.tm_isdst = -1;
		when = mktime(&tm);
	}
	localtime_r(&when, &tm);
	int off = (int)(tm.tm_gmtoff / 60), frac = (int)(t - 16) > 10 ? 10 : (int)(t - 16); /* ".123456789" at most */
	snprintf(time, NFPARSE_TIME_MAX, "%04d-%02d-%02dT%02d:%02d:%02d%.*s%c%02d:%02d", (tm.tm_year + 1900) % 10000,
		 (tm.tm_mon + 1) % 100, tm.tm_mday % 100, tm.tm_hour % 100, tm.tm_min % 100, tm.tm_sec % 100, frac, p + 15,
		 off < 0 ? '-' : '+', (off < 0 ? -off : off) / 60 % 100, (off < 0 ? -off : off) % 60);
}

size_t nfparse_input(char *line, size_t *n, size_t *host, size_t *hostlen, char *time)
{
	*hostlen = 0;
	time[0] = 0;
	while (*n > 0 && (line[*n - 1] == '\r' || line[*n - 1] == '\n')) /* CRLF files */
		(*n)--;
	if (*n > 1 && line[0] == '{' && line[*n - 1] == '}') { /* journalctl -o json */
		char save = line[*n];
		struct fjson_object *o, *m, *h = NULL;
		line[*n] = 0;
		o = fjson_tokener_parse(line);
		line[*n] = save;
		if (o != NULL && fjson_object_object_get_ex(o, "MESSAGE", &m)) {
			size_t hl = 0, ml;
			struct fjson_object *rt;
			if (fjson_object_object_get_ex(o, "__REALTIME_TIMESTAMP", &rt)) { /* microseconds, UTC */
				long long us = fjson_object_get_int64(rt);
				time_t sec = (time_t)(us / 1000000);
				struct tm tm;
				if (us > 0 && gmtime_r(&sec, &tm) != NULL)
					snprintf(time, NFPARSE_TIME_MAX, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900,
						 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, us % 1000000);
			}
			/* the decoded values are no longer than their JSON forms: the line holds both */
			if (fjson_object_object_get_ex(o, "_HOSTNAME", &h))
				hl = journal_value(h, line, *n);
			ml = journal_value(m, line + hl, *n - hl);
			fjson_object_put(o);
			*host = 0;
			*hostlen = hl;
			*n = hl + ml;
			return hl;
		}
		fjson_object_put(o);
	}
	header_time(line, *n, time);
	return nfparse_syslog_msg(line, *n, host, hostlen);
}
