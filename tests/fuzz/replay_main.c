/* Replays inputs through the fuzz entry without libFuzzer: each line of each file is one
 * input, and so is every prefix of it (every truncation point). Prints the count. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
	unsigned long inputs = 0;
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
			for (ssize_t k = 0; k <= n; k++) {
				LLVMFuzzerTestOneInput((const uint8_t *)line, (size_t)k);
				inputs++;
			}
		}
		free(line);
		fclose(f);
	}
	printf("replayed %lu inputs\n", inputs);
	return 0;
}
