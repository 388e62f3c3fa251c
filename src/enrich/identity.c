/* A record's identity: what makes it one event (see nfp_enrich.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

void nfp_identity(const char *boot_id, const uint64_t *kmsg_seq, const char *host, const char *time, const char *text,
		  size_t len, uint8_t out[20])
{
	if (kmsg_seq != NULL && boot_id != NULL && boot_id[0] != '\0')
		nfp_kmsg_digest(boot_id, strlen(boot_id), *kmsg_seq, out);
	else
		nfp_event_digest(host, host ? strlen(host) : 0, time, time ? strlen(time) : 0, text, len, out);
}
