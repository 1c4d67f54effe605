/* fuzz-zip: bytes as a zip: every entry through irx_zip_read and
 * irx_zip_view, then as a tensor file (torch.save zip or .pt2 weights and
 * constants): every tensor's statistics and contiguous copy, the dump in
 * both formats, and irx_tensors_verify. */
#include "fuzz-tensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static void zip_entries(const uint8_t *d, size_t n)
{
	irx_blob *b = NULL;
	irx_zip *z = NULL;
	irx_error err = {0};

	if (irx_blob_wrap(&b, d, n, "fuzz.zip", &err))
		return;
	if (irx_zip_open(&z, b, &err) == 0) {
		for (size_t i = 0; i < irx_zip_n_entries(z); i++) {
			const irx_zip_entry *e = irx_zip_entry_at(z, i);
			const uint8_t *data;
			size_t len;
			void *owned = NULL;
			uint64_t off;
			FUZZ_CHECK(e && e->name);
			FUZZ_CHECK(irx_zip_find(z, e->name) != NULL);
			irx_error_clear(&err);
			if (irx_zip_read(&data, &len, &owned, z, e, &err) == 0) {
				volatile uint8_t sum = 0;
				FUZZ_CHECK(len == e->usize);
				/* touch every byte: inflated buffers are their own blocks */
				for (size_t k = 0; k < len; k++)
					sum += data[k];
				FUZZ_CHECK(owned || (data >= d && len <= n &&
						     (size_t)(data - d) <= n - len));
				free(owned);
			}
			irx_error_clear(&err);
			if (irx_zip_view(&data, &len, z, e, &err) == 0)
				FUZZ_CHECK(data >= d && len <= n && (size_t)(data - d) <= n - len);
			irx_error_clear(&err);
			if (irx_zip_data_offset(&off, z, e, &err) == 0)
				FUZZ_CHECK(off <= n && e->csize <= n - off);
		}
		FUZZ_CHECK(irx_zip_entry_at(z, irx_zip_n_entries(z)) == NULL);
		irx_zip_free(z);
	}
	irx_blob_free(b);
}

static void tensors(const uint8_t *d, size_t n, int constants)
{
	irx_tensors_options o = {.constants = constants};
	irx_blob *b = NULL;
	irx_tensors *t = NULL;
	irx_error err = {0};

	if (irx_blob_wrap(&b, d, n, "fuzz.pt", &err))
		return;
	if (irx_tensors_open_blob(&t, b, &o, &err)) {
		FUZZ_CHECK(t == NULL && err.code != 0 && err.text[0]);
		return;
	}
	fuzz_tensor_set(t, 1);
	irx_tensors_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	zip_entries(d, n);
	tensors(d, n, 0);
	tensors(d, n, 1);
	return 0;
}
