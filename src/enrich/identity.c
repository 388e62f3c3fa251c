/* A record's identity: what makes it one event (see nfp_enrich.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include "enrich/nfp_enrich.h"

/* SHA-1 over the parts, each followed by '\n' but the last (the layout ECS event.id always had) */
static void digest_parts(const char *const *p, const size_t *n, int k, uint8_t out[20])
{
	size_t total = 0, at = 0;
	for (int i = 0; i < k; i++)
		total += n[i] + 1;
	uint8_t stackbuf[1024], *buf = total <= sizeof(stackbuf) ? stackbuf : malloc(total);
	if (buf == NULL) { /* no memory: a digest of nothing is still a digest (never a crash) */
		nfp_sha1((const uint8_t *)"", 0, out);
		return;
	}
	for (int i = 0; i < k; i++) {
		if (n[i] > 0)
			memcpy(buf + at, p[i], n[i]);
		at += n[i];
		if (i + 1 < k)
			buf[at++] = '\n';
	}
	nfp_sha1(buf, at, out);
	if (buf != stackbuf)
		free(buf);
}

void nfp_event_digest(const char *host, size_t host_len, const char *time, size_t time_len, const char *msg,
		      size_t msg_len, uint8_t out[20])
{
	const char *p[3] = { host ? host : "", time ? time : "", msg ? msg : "" };
	size_t n[3] = { host ? host_len : 0, time ? time_len : 0, msg ? msg_len : 0 };
	digest_parts(p, n, 3, out);
}

void nfp_kmsg_digest(const char *boot_id, size_t boot_id_len, uint64_t seq, uint8_t out[20])
{
	char num[24];
	int l = snprintf(num, sizeof(num), "%llu", (unsigned long long)seq);
	const char *p[3] = { "kmsg", boot_id, num };
	size_t n[3] = { 4, boot_id_len, (size_t)l };
	digest_parts(p, n, 3, out);
}


size_t nfp_boot_id(char out[40])
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
	size_t n = 0;
	out[0] = '\0';
	if (f != NULL) {
		if (fgets(out, 40, f) != NULL)
			out[n = strcspn(out, "\n")] = '\0';
		fclose(f);
	}
	return n;
}

void nfp_journal_digest(const char *boot_id, size_t boot_len, const char *mono, size_t mono_len, const char *text,
			size_t text_len, uint8_t out[20])
{
	const char *p[4] = { "journal", boot_id, mono, text };
	size_t n[4] = { 7, boot_len, mono_len, text_len };
	digest_parts(p, n, 4, out);
}

void nfp_nflog_digest(const char *boot_id, size_t boot_len, const char *netns, size_t netns_len, const char *seq,
		       size_t seq_len, uint8_t out[20])
{
	const char *p[4] = { "nflog", boot_id, netns, seq };
	size_t n[4] = { 5, boot_len, netns_len, seq_len };
	digest_parts(p, n, 4, out);
}

void nfp_edge_digest(const char *host, size_t host_len, const char *id, size_t id_len, uint8_t out[20])
{
	const char *p[3] = { "edge", host ? host : "", id };
	size_t n[3] = { 4, host ? host_len : 0, id_len };
	digest_parts(p, n, 3, out);
}

void nfp_file_digest(const char *file, size_t file_len, const char *offset, size_t off_len, const char *text,
		     size_t text_len, uint8_t out[20])
{
	const char *p[4] = { "file", file, offset, text };
	size_t n[4] = { 4, file_len, off_len, text_len };
	digest_parts(p, n, 4, out);
}

int nfp_random_id(uint8_t out[20])
{
	size_t got = 0;
	while (got < 20) {
		ssize_t r = getrandom(out + got, 20 - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

int nfp_edge_id(const char *sd, size_t n, const char **id, size_t *idn)
{
	static const char elem[] = "[mmnf@32473 ";
	const size_t el = sizeof(elem) - 1;
	for (size_t i = 0; sd != NULL && i + el <= n; i++) {
		if (memcmp(sd + i, elem, el) != 0)
			continue;
		/* the element's parameters up to its ']' (values are quoted, with \" \] \\ escapes) */
		for (size_t k = i + el; k + 4 <= n && sd[k] != ']';) {
			size_t name = k, v, e;
			while (k < n && sd[k] != '=' && sd[k] != ']')
				k++;
			if (k + 1 >= n || sd[k] != '=' || sd[k + 1] != '"')
				return 0;
			v = k + 2;
			for (e = v; e < n && sd[e] != '"'; e++)
				if (sd[e] == '\\')
					e++;
			if (e >= n)
				return 0;
			if (k - name == 2 && memcmp(sd + name, "id", 2) == 0) {
				if (e - v < 8 || e - v > 64)
					return 0;
				for (size_t c = v; c < e; c++)
					if (!((sd[c] >= '0' && sd[c] <= '9') || (sd[c] >= 'a' && sd[c] <= 'z') ||
					      (sd[c] >= 'A' && sd[c] <= 'Z') || sd[c] == '-'))
						return 0;
				*id = sd + v;
				*idn = e - v;
				return 1;
			}
			k = e + 1;
			while (k < n && sd[k] == ' ')
				k++;
		}
		return 0;
	}
	return 0;
}

static int input_is(const struct nfp_id_msg *m, const char *name)
{
	return m->input != NULL && m->input_len == strlen(name) && memcmp(m->input, name, m->input_len) == 0;
}

enum nfp_id_kind nfp_identity_of(const struct nfp_id_msg *m, uint8_t out[20])
{
	const char *host = m->host ? m->host : "", *id, *a, *b, *t;
	size_t hn = strlen(host), idn;
	uint64_t seq;
	if (m->sd != NULL && nfp_edge_id(m->sd, m->sd_len, &id, &idn)) {
		nfp_edge_digest(host, hn, id, idn, out);
		return NFP_ID_EDGE;
	}
	if (input_is(m, "imkmsg") && m->boot_id != NULL && m->boot_id[0] && (a = m->prop(m->ctx, "!sequnum")) != NULL &&
	    nfp_dec(a, strlen(a), UINT64_MAX, &seq) == strlen(a) && a[0]) {
		nfp_kmsg_digest(m->boot_id, strlen(m->boot_id), seq, out);
		return NFP_ID_KMSG;
	}
	if (input_is(m, "imnetfilter") && m->boot_id != NULL && m->boot_id[0] &&
	    (a = m->prop(m->ctx, "!nflog!netns_inode")) != NULL && (b = m->prop(m->ctx, "!nflog!seq_global")) != NULL &&
	    a[0] && b[0]) {
		nfp_nflog_digest(m->boot_id, strlen(m->boot_id), a, strlen(a), b, strlen(b), out);
		return NFP_ID_NFLOG;
	}
	if (input_is(m, "imfile") && (a = m->prop(m->ctx, "!metadata!filename")) != NULL &&
	    (b = m->prop(m->ctx, "!metadata!fileoffset")) != NULL) {
		nfp_file_digest(a, strlen(a), b, strlen(b), m->text, m->text_len, out);
		return NFP_ID_FILE;
	}
	if (input_is(m, "imjournal") && (t = m->prop(m->ctx, "!_TRANSPORT")) != NULL && strcmp(t, "kernel") == 0 &&
	    (a = m->prop(m->ctx, "!_BOOT_ID")) != NULL && (b = m->prop(m->ctx, "!_SOURCE_MONOTONIC_TIMESTAMP")) != NULL) {
		nfp_journal_digest(a, strlen(a), b, strlen(b), m->text, m->text_len, out);
		return NFP_ID_JOURNAL;
	}
	if (nfp_random_id(out) != 0)
		memset(out, 0, 20); /* no randomness: never happens on Linux >= 3.17 */
	return NFP_ID_RANDOM;
}
