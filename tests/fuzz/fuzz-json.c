/* fuzz-json: any bytes as JSON; what parses must write and parse back. */
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <jansson.h>
#include "irx.h"
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	json_t *v = NULL;
	irx_error err = {0};
	if (irx_json_parse(&v, d, n, &err) == 0) {
		/* round trip through the writer must parse back equal */
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		irx_json_write(f, v, IRX_JSON_COMPACT, NULL);
		fclose(f);
		json_t *w = NULL;
		irx_error e2 = {0};
		if (irx_json_parse(&w, (uint8_t *)buf, len, &e2))
			__builtin_trap();
		json_decref(w);
		free(buf);
		json_decref(v);
	}
	return 0;
}
