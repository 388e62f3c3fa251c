/* libFuzzer entry: parse + emit any byte string; must never crash, leak or read past len.
 * Built with clang -fsanitize=fuzzer for campaigns; replay_main.c runs it in `make check`. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "nfp.h"
#include "nfp_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct nfp_record rec;
	/* an exact-size heap copy, so ASan sees any read past the end */
	char *line = malloc(size ? size : 1);
	if (line == NULL)
		return 0;
	if (size)
		memcpy(line, data, size);
	if (nfp_parse(line, size, &rec) != NFP_NONE) {
		struct fjson_object *j = nfp_to_json(&rec, line);
		if (j != NULL) {
			(void)fjson_object_to_json_string_ext(j, FJSON_TO_STRING_PLAIN);
			fjson_object_put(j);
		}
	}
	free(line);
	return 0;
}
