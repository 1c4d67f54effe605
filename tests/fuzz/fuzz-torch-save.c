/*
 * fuzz-torch-save: bytes as the data.pkl of a torch.save zip.  A pickle
 * that loads is packed, with a storage entry of the size it declares for
 * every storage it names (filled from the input), into a zip that the
 * tensor reader opens, once little-endian and once big-endian; then every
 * tensor's statistics and contiguous copy, the dump and
 * irx_tensors_verify.  Mutating a whole .pt does not get here: the CRC-32
 * of data.pkl rejects almost every change.
 */
#include "fuzz-tensors.h"
#include "formats/formats.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

#define MAX_STORAGE 65536

static void as_torch_save(const uint8_t *d, size_t n, struct pk_reader *r, int big)
{
	struct fmt_zipw *zw = NULL;
	irx_error err = {0};
	char *zbuf = NULL;
	size_t zlen = 0;
	FILE *f = open_memstream(&zbuf, &zlen);
	uint8_t *fill = malloc(MAX_STORAGE);
	int rc;

	if (!f || !fill)
		goto out;
	for (size_t i = 0; i < MAX_STORAGE; i++)
		fill[i] = n ? d[(i * 7) % n] ^ (uint8_t)i : (uint8_t)i;
	rc = fmt_zipw_open(&zw, f, &err) || fmt_zipw_add(zw, "archive/data.pkl", d, n, &err) ||
	     fmt_zipw_add(zw, "archive/byteorder", big ? "big" : "little", big ? 3 : 6, &err);
	for (size_t i = 0; !rc && i < fmt_pickle_n_storages(r); i++) {
		const struct pk_storage *s = fmt_pickle_storage_at(r, i);
		char name[600];
		uint64_t bytes;
		if (!base_mul_ok(s->numel,
				 s->dtype
					 ? (irx_dtype_size(s->dtype) ? irx_dtype_size(s->dtype) : 1)
					 : 1,
				 &bytes) ||
		    bytes > MAX_STORAGE)
			bytes = MAX_STORAGE;
		if (strlen(s->key) > 500)
			continue;
		snprintf(name, sizeof(name), "archive/data/%s", s->key);
		rc = fmt_zipw_add(zw, name, fill, (size_t)bytes, &err);
	}
	if (rc || fmt_zipw_finish(zw, &err))
		goto out;
	fclose(f);
	f = NULL;
	{
		irx_blob *b = NULL;
		irx_tensors *t = NULL;
		/* the zip in a block of its own size, so reads past it are caught */
		uint8_t *copy = malloc(zlen);
		if (!copy)
			goto out;
		memcpy(copy, zbuf, zlen);
		irx_error_clear(&err);
		if (irx_blob_wrap(&b, copy, zlen, "fuzz.pt", &err) == 0) {
			if (irx_tensors_open_blob(&t, b, NULL, &err) == 0) {
				fuzz_tensor_set(t, 1);
				irx_tensors_free(t);
			} else {
				FUZZ_CHECK(t == NULL && err.code != 0 && err.text[0]);
			}
		}
		free(copy);
	}
out:
	fmt_zipw_free(zw);
	if (f)
		fclose(f);
	free(zbuf);
	free(fill);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct pk_reader *r = NULL;
	struct pk_value *root = NULL;
	irx_error err = {0};

	if (fmt_pickle_load(&r, d, n, &root, &err) == 0 && fmt_pickle_n_storages(r) <= 64) {
		as_torch_save(d, n, r, 0);
		as_torch_save(d, n, r, 1);
	}
	fmt_pickle_free(r);
	return 0;
}
