/* Replays inputs through the fuzz entry without libFuzzer: each line of each file is one
 * input, and so is every prefix of it (every truncation point). Lines longer than FULL_MAX
 * bytes are cut at a sample instead (cost: cuts x length): every cut in their first and last
 * EDGE bytes, at most TOKENS cuts at token boundaries (a space or '=', and the byte after),
 * spread over the line, and RANDOM cuts drawn by a fixed generator (the same every run).
 * Prints the counts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FULL_MAX 4096
#define EDGE 512
#define TOKENS 512
#define RANDOM 256

static unsigned long inputs;

static void one(const char *line, size_t k)
{
	LLVMFuzzerTestOneInput((const uint8_t *)line, k);
	inputs++;
}

/* a long line: the sampled cuts (a cut may come twice; that costs, it hides nothing) */
static void sampled(const char *line, size_t n)
{
	size_t bounds = 0, stride, seen = 0;
	uint64_t x = 0x9e3779b97f4a7c15ull ^ n;
	for (size_t k = 0; k <= EDGE; k++) {
		one(line, k);
		one(line, n - k);
	}
	for (size_t i = 0; i < n; i++)
		bounds += line[i] == ' ' || line[i] == '=';
	stride = bounds > TOKENS ? bounds / TOKENS : 1;
	for (size_t i = 0; i < n; i++) {
		if (line[i] != ' ' && line[i] != '=')
			continue;
		if (seen++ % stride == 0) {
			one(line, i);
			one(line, i + 1);
		}
	}
	for (int r = 0; r < RANDOM; r++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		one(line, (size_t)(x % (n + 1)));
	}
}

int main(int argc, char **argv)
{
	unsigned long lines = 0, long_lines = 0;
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "r");
		char *line = NULL;
		size_t cap = 0;
		ssize_t n;
		if (f == NULL) {
			perror(argv[i]);
			return 1;
		}
		while ((n = getline(&line, &cap, f)) >= 0) {
			lines++;
			if ((size_t)n > FULL_MAX) {
				long_lines++;
				sampled(line, (size_t)n);
				continue;
			}
			for (ssize_t k = 0; k <= n; k++)
				one(line, (size_t)k);
		}
		free(line);
		fclose(f);
	}
	printf("replayed %lu inputs from %lu lines (every cut; %lu lines over %d bytes: sampled cuts)\n", inputs, lines,
	       long_lines, FULL_MAX);
	return lines > 0 ? 0 : 1;
}
