/* Record identity and the duplicate window: see nfp_dedup.h. */
#include "state/nfp_dedup.h"
#include "nfp.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

uint64_t nfp_digest_key(const uint8_t d[20])
{
	uint64_t k = 0;
	for (int i = 0; i < 8; i++)
		k = (k << 8) | d[i];
	return k != 0 ? k : 1; /* 0 marks an empty slot */
}

/* The window: keys in arrival order in a ring, and an open-addressing table (linear probing,
 * backward-shift deletion) for lookups; the table is at least twice the window. */
struct nfp_dedup {
	size_t window, count, head; /* ring: the oldest key at head */
	uint64_t *ring;
	uint64_t *table;
	size_t mask;
	uint64_t added;     /* keys added since creation */
	uint64_t saved;     /* 'added' at the last save or load */
	size_t file_keys;   /* keys in the state file (what it holds beyond the window is stale) */
	int have_file;      /* the state file is ours: appending to it is right */
};

static size_t slot_of(const struct nfp_dedup *d, uint64_t k)
{
	k ^= k >> 33; /* the keys are SHA-1 bits already; this only spreads a crafted low half */
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return (size_t)k & d->mask;
}

struct nfp_dedup *nfp_dedup_new(size_t window)
{
	struct nfp_dedup *d;
	size_t size = 1;
	if (window < NFP_DEDUP_WINDOW_MIN || window > NFP_DEDUP_WINDOW_MAX)
		return NULL;
	while (size < 2 * window)
		size <<= 1;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->window = window;
	d->mask = size - 1;
	d->ring = calloc(window, sizeof(uint64_t));
	d->table = calloc(size, sizeof(uint64_t));
	if (d->ring == NULL || d->table == NULL) {
		nfp_dedup_free(d);
		return NULL;
	}
	return d;
}

void nfp_dedup_free(struct nfp_dedup *d)
{
	if (d == NULL)
		return;
	free(d->ring);
	free(d->table);
	free(d);
}

static size_t find(const struct nfp_dedup *d, uint64_t k)
{
	size_t i = slot_of(d, k);
	while (d->table[i] != 0 && d->table[i] != k)
		i = (i + 1) & d->mask;
	return i;
}

static void table_remove(struct nfp_dedup *d, uint64_t k)
{
	size_t i = find(d, k), j = i;
	if (d->table[i] == 0)
		return;
	d->table[i] = 0;
	/* backward shift: move up every following entry whose home slot is not between i and it */
	for (;;) {
		j = (j + 1) & d->mask;
		if (d->table[j] == 0)
			return;
		size_t home = slot_of(d, d->table[j]);
		if (((j - home) & d->mask) >= ((j - i) & d->mask)) {
			d->table[i] = d->table[j];
			d->table[j] = 0;
			i = j;
		}
	}
}

int nfp_dedup_seen(struct nfp_dedup *d, uint64_t k)
{
	if (k == 0)
		k = 1;
	if (d->table[find(d, k)] == k)
		return 1;
	if (d->count == d->window) { /* full: the oldest leaves */
		table_remove(d, d->ring[d->head]);
		d->ring[d->head] = k;
		d->head = (d->head + 1) % d->window;
	} else {
		d->ring[(d->head + d->count) % d->window] = k;
		d->count++;
	}
	d->table[find(d, k)] = k; /* after the removal, which may have moved entries */
	d->added++;
	return 0;
}

int nfp_dedup_has(const struct nfp_dedup *d, uint64_t k)
{
	if (k == 0)
		k = 1;
	return d->table[find(d, k)] == k;
}

size_t nfp_dedup_count(const struct nfp_dedup *d)
{
	return d->count;
}

int nfp_dedup_dirty(const struct nfp_dedup *d)
{
	return d->added != d->saved;
}

/* File: the line "mmnetfilter-dedup 2\n", then keys, oldest first, as 16 hex digits and '\n'
 * each (text: readable, and the same on every architecture). A save appends the keys added
 * since the last one; when the file would hold more than twice the window, it is written anew
 * (a temporary file renamed over it). A line cut by a crash in the middle of an append ends
 * the file. */
static const char magic[] = "mmnetfilter-dedup 2\n";

/* the keys at ring positions [from, to) (0 the oldest) */
static int write_keys(FILE *f, const struct nfp_dedup *d, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (fprintf(f, "%016llx\n", (unsigned long long)d->ring[(d->head + i) % d->window]) != 17)
			return 0;
	return 1;
}

/* the state file anew with the keys up to ring position 'to' */
static int rewrite(struct nfp_dedup *d, const char *path, size_t to, char *err, size_t errlen)
{
	size_t plen = strlen(path);
	char *tmp = malloc(plen + 8);
	FILE *f;
	int ok;
	if (tmp == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	memcpy(tmp, path, plen);
	memcpy(tmp + plen, ".tmp", 5);
	if ((f = fopen(tmp, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	ok = fputs(magic, f) >= 0 && write_keys(f, d, 0, to);
	ok = ok && fflush(f) == 0 && fsync(fileno(f)) == 0;
	ok = (fclose(f) == 0) && ok;
	if (!ok || rename(tmp, path) != 0) {
		snprintf(err, errlen, "%s: %s", ok ? path : tmp, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	d->file_keys = to;
	d->have_file = 1;
	return 0;
}

uint64_t nfp_dedup_added(const struct nfp_dedup *d)
{
	return d->added;
}

int nfp_dedup_save(struct nfp_dedup *d, const char *path, char *err, size_t errlen)
{
	return nfp_dedup_save_upto(d, path, d->added, err, errlen);
}

int nfp_dedup_save_upto(struct nfp_dedup *d, const char *path, uint64_t upto, char *err, size_t errlen)
{
	uint64_t delta;
	FILE *f;
	int ok;
	if (upto > d->added)
		upto = d->added;
	if (upto <= d->saved)
		return 0;
	/* ring positions: the key added as number s (0-based) is at count - (added - s) */
	const size_t to = d->added - upto >= d->count ? 0 : d->count - (size_t)(d->added - upto);
	delta = upto - d->saved;
	if (!d->have_file || d->added - d->saved > d->count || d->file_keys + delta > 2 * d->window) {
		if (rewrite(d, path, to, err, errlen) != 0)
			return -1;
	} else {
		if ((f = fopen(path, "a")) == NULL) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return -1;
		}
		ok = write_keys(f, d, to - (size_t)delta, to) && fflush(f) == 0 && fsync(fileno(f)) == 0;
		ok = (fclose(f) == 0) && ok;
		if (!ok) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			d->have_file = 0; /* a half-written append: write it anew next time */
			return -1;
		}
		d->file_keys += (size_t)delta;
	}
	d->saved = upto;
	return 0;
}

int nfp_dedup_load(struct nfp_dedup *d, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[64];
	size_t n = 0;
	if (f == NULL) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fgets(line, sizeof(line), f) == NULL || strcmp(line, magic) != 0) {
		snprintf(err, errlen, "%s: not a mmnetfilter dedup state file", path);
		fclose(f);
		return -1;
	}
	long good = ftell(f); /* where the last whole line ends */
	while (fgets(line, sizeof(line), f) != NULL) {
		char *end;
		unsigned long long k;
		if (strchr(line, '\n') == NULL && feof(f)) {
			/* the last line, cut by a crash during an append: the file ends before it, now and
			 * for the next append (which would otherwise be glued to the cut line) */
			if (good > 0 && truncate(path, good) != 0) {
				snprintf(err, errlen, "%s: cannot cut the damaged last line off: %s", path, strerror(errno));
				fclose(f);
				return -1;
			}
			break;
		}
		errno = 0;
		k = strtoull(line, &end, 16);
		if (errno != 0 || end != line + 16 || *end != '\n') {
			snprintf(err, errlen, "%s:%zu: not a key", path, n + 2);
			fclose(f);
			return -1;
		}
		nfp_dedup_seen(d, (uint64_t)k); /* oldest first: a bigger saved window keeps its newest */
		n++;
		good = ftell(f);
	}
	fclose(f);
	d->saved = d->added;
	d->file_keys = n;
	d->have_file = 1;
	return 1;
}

/* A 40-hex-digit event_id at p (the digest in hex) as the window's key: the first 64 bits. */
static int event_key(const char *p, const char *end, uint64_t *key)
{
	uint64_t k = 0;
	if (end - p < 41 || p[40] != '"')
		return 0;
	for (int i = 0; i < 40; i++) {
		int c = (unsigned char)p[i], v;
		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else
			return 0;
		if (i < 16)
			k = (k << 4) | (uint64_t)v;
	}
	*key = k != 0 ? k : 1;
	return 1;
}

/* the key of one JSON line: its member "event_id" (libfastjson and rsyslog write it with
 * spaces around the colon, or without; a quote inside a string value is escaped, so a
 * message's text cannot forge the member) */
static int line_key(const char *s, size_t n, uint64_t *key)
{
	static const char name[] = "\"event_id\"";
	const size_t nl = sizeof(name) - 1;
	const char *end = s + n;
	for (const char *p = s; p < end; p++) {
		const char *q, *b;
		if ((p = memchr(p, '"', (size_t)(end - p))) == NULL || (size_t)(end - p) < nl)
			return 0;
		if (memcmp(p, name, nl) != 0)
			continue;
		for (b = p; b > s && (b[-1] == ' ' || b[-1] == '\t');)
			b--;
		if (b == s || (b[-1] != '{' && b[-1] != ','))
			continue;
		for (q = p + nl; q < end && *q == ' ';)
			q++;
		if (q == end || *q++ != ':')
			continue;
		while (q < end && *q == ' ')
			q++;
		if (q == end || *q != '"')
			continue;
		return event_key(q + 1, end, key);
	}
	return 0;
}

#define LEARN_BLOCK 65536
#define LEARN_KNOWN_RUN 256 /* consecutive records the window has: the part the state file covers */
#define LEARN_NOID_RUN 4096 /* consecutive lines without an identity: written before dedup was on */
#define LEARN_MAX_BYTES (1024LL * 1024 * 1024)

int nfp_dedup_learn(struct nfp_dedup *d, const char *path, size_t *learned, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	struct stat st;
	char *buf;
	uint64_t *keys = NULL;
	size_t nkeys = 0, cap = 0, lines = 0, known = 0, noid = 0;
	long long pos, scanned = 0;
	int rc = 0;
	*learned = 0;
	if (f == NULL) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) != 0 || (buf = malloc(LEARN_BLOCK)) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		fclose(f);
		return -1;
	}
	/* from the end backwards, a block at a time; a block's first line, which may begin in the
	 * block before, is read again as the last line of that one. The file's last line without
	 * its newline is an append cut short: not a record written. */
	pos = (long long)st.st_size;
#define GO_ON (known < LEARN_KNOWN_RUN && noid < LEARN_NOID_RUN && lines < 2 * d->window)
	while (pos > 0 && scanned < LEARN_MAX_BYTES && GO_ON) {
		long long start = pos > LEARN_BLOCK ? pos - LEARN_BLOCK : 0;
		size_t n = (size_t)(pos - start), e;
		if (fseeko(f, (off_t)start, SEEK_SET) != 0 || fread(buf, 1, n, f) != n) {
			snprintf(err, errlen, "%s: %s", path, ferror(f) ? strerror(errno) : "shorter than it was");
			rc = -1;
			break;
		}
		scanned += (long long)n;
		e = n;
		if (pos == (long long)st.st_size) /* the last line counts only with its newline */
			while (e > 0 && buf[e - 1] != '\n')
				e--;
		while (e > 0 && GO_ON) {
			size_t b = e - 1; /* buf[e-1] is the line's newline */
			uint64_t k;
			while (b > 0 && buf[b - 1] != '\n')
				b--;
			if (b == 0 && start > 0)
				break; /* the line may begin in the block before */
			lines++;
			noid++;
			if (line_key(buf + b, e - 1 - b, &k)) {
				noid = 0;
				if (nfp_dedup_has(d, k)) {
					known++;
				} else {
					known = 0;
					if (nkeys == cap) {
						uint64_t *nk = realloc(keys, (cap ? 2 * cap : 1024) * sizeof(*nk));
						if (nk == NULL) {
							snprintf(err, errlen, "%s: out of memory", path);
							rc = -1;
							goto done;
						}
						keys = nk;
						cap = cap ? 2 * cap : 1024;
					}
					keys[nkeys++] = k;
				}
			}
			e = b;
		}
		if (e == n && start > 0) { /* a line longer than a block: not a record of ours */
			pos = start;
			continue;
		}
		pos = start + (long long)e;
	}
#undef GO_ON
done:
	/* oldest first, as they were written; more than the window holds keeps the newest */
	for (size_t i = nkeys; i-- > 0;)
		if (!nfp_dedup_seen(d, keys[i]))
			(*learned)++;
	free(keys);
	free(buf);
	fclose(f);
	return rc;
}
