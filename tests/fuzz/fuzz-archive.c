/* fuzz-archive: bytes as a .pt2 file: zip reader, layout detection, export. */
#include <stdint.h>
#include <stddef.h>
#include <jansson.h>
#include "irx.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	irx_blob *b = NULL;
	irx_archive *a = NULL;
	json_t *doc = NULL;
	irx_error err = {0};

	if (irx_blob_wrap(&b, d, n, "fuzz", &err) || irx_archive_open_blob(&a, b, &err))
		return 0;
	if (irx_program_export(&doc, a, NULL, &err) == 0)
		json_decref(doc);
	irx_archive_free(a);
	return 0;
}
