/* libFuzzer entry: parse + every emitter (native object, native text, ECS) over any byte
 * string; must never crash, leak or read past len, and the two native emitters must agree.
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
		static char text[1 << 18];
		struct nfp_ecs_meta m = { "2026-11-27T00:00:00+00:00", "fuzz", line, size };
		struct fjson_object *j = nfp_to_json(&rec, line), *e = nfp_to_ecs(&rec, line, &m);
		size_t n = nfp_to_json_text(&rec, line, text, sizeof(text));
		if (j != NULL) {
			const char *s = fjson_object_to_json_string_ext(j, FJSON_TO_STRING_PLAIN);
			/* the two native emitters agree on every input */
			if (n < sizeof(text) && (strlen(s) != n || memcmp(s, text, n) != 0))
				__builtin_trap();
			fjson_object_put(j);
		}
		if (e != NULL) {
			(void)fjson_object_to_json_string_ext(e, FJSON_TO_STRING_PLAIN);
			fjson_object_put(e);
		}
	}
	free(line);
	return 0;
}
