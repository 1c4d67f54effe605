/* fuzz-program: any bytes as program JSON, through normalize, convert, check. */
#include <stdint.h>
#include <stddef.h>
#include <jansson.h>
#include "irx.h"
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	json_t *p = NULL, *ir = NULL;
	irx_error err = {0};
	if (irx_program_normalize(&p, d, n, NULL, &err) == 0) {
		irx_convert_options o = {.allow_dynamic = 1};
		if (irx_convert(&ir, p, &o, &err) == 0) {
			size_t np;
			irx_ir_check(&np, ir, NULL, NULL, &err);
			json_decref(ir);
		}
		json_decref(p);
	}
	return 0;
}
