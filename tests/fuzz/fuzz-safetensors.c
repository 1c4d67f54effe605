/* fuzz-safetensors: bytes as a tensor file (safetensors by content); every
 * tensor's statistics and contiguous copy, and the dump in both formats. */
#include "fuzz-tensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	irx_blob *b = NULL;
	irx_tensors *t = NULL;
	irx_error err = {0};

	if (irx_blob_wrap(&b, d, n, "fuzz.safetensors", &err))
		return 0;
	if (irx_tensors_open_blob(&t, b, NULL, &err)) {
		FUZZ_CHECK(t == NULL && err.code != 0 && err.text[0]);
		return 0;
	}
	fuzz_tensor_set(t, 0);
	irx_tensors_free(t);
	return 0;
}
