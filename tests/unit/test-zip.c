/* test-zip: the zip reader and archive classification on real archives. */
#include "unit.h"

static void zip_pt2_archive_entries_in_place(void **state)
{
	irx_blob *b;
	irx_zip *z;
	irx_error err = {0};
	const uint8_t *data;
	size_t len;
	void *owned;

	assert_int_equal(irx_blob_open(&b, fixture("t214/mlp_real.pt2"), &err), IRX_OK);
	assert_int_equal(irx_zip_open(&z, b, &err), IRX_OK);
	/* torch 2.14 writes data descriptors (local sizes 0) and ZIP64:
	 * the central directory must still give the real sizes. */
	const irx_zip_entry *e = irx_zip_find(z, "mlp_real/data/weights/weight_0");
	assert_non_null(e);
	assert_int_equal(e->usize, 8 * 4 * 4); /* fc1.weight: 8x4 float32 */
	assert_int_equal(irx_zip_read(z, e, &data, &len, &owned, &err), IRX_OK);
	assert_null(owned); /* stored: a pointer into the mapping */
	assert_true(data > irx_blob_data(b) && data + len <= irx_blob_data(b) + irx_blob_size(b));
	/* PyTorchStreamWriter aligns payloads to 64 bytes. */
	assert_int_equal((data - irx_blob_data(b)) % 64, 0);
	irx_zip_free(z);
	irx_blob_free(b);
}

static void zip_legacy_archive(void **state)
{
	irx_archive *a;
	irx_error err = {0};

	assert_int_equal(irx_archive_open(&a, fixture("t26/mlp.pt2"), &err), IRX_OK);
	assert_int_equal(irx_archive_kind(a), IRX_ARCHIVE_PT2_LEGACY);
	assert_string_equal(irx_archive_version(a), "8.2");
	assert_string_equal(irx_archive_prefix(a), "");
	assert_int_equal(irx_archive_n_models(a), 1);
	irx_archive_free(a);
	assert_int_equal(irx_archive_open(&a, fixture("t214/mlp.pt2"), &err), IRX_OK);
	assert_int_equal(irx_archive_kind(a), IRX_ARCHIVE_PT2);
	assert_string_equal(irx_archive_prefix(a), "mlp/");
	assert_string_equal(irx_archive_model(a, 0), "model");
	irx_archive_free(a);
}

static void zip_nested_torch_save_is_not_a_program(void **state)
{
	/* serialized_state_dict.pt inside a legacy archive is a torch.save zip */
	irx_archive *a;
	irx_blob *inner;
	irx_archive *ia;
	irx_error err = {0};
	const uint8_t *data;
	size_t len;
	void *owned;

	assert_int_equal(irx_archive_open(&a, fixture("t26/mlp_real.pt2"), &err), IRX_OK);
	const irx_zip_entry *e = irx_zip_find(irx_archive_zip(a), "serialized_state_dict.pt");
	assert_non_null(e);
	assert_int_equal(irx_zip_read(irx_archive_zip(a), e, &data, &len, &owned, &err), IRX_OK);
	assert_int_equal(irx_blob_wrap(&inner, data, len, "inner", &err), IRX_OK);
	assert_int_equal(irx_archive_open_blob(&ia, inner, &err), IRX_OK);
	assert_int_equal(irx_archive_kind(ia), IRX_ARCHIVE_TORCH_SAVE);
	irx_error e2 = {0};
	assert_int_equal(irx_archive_require_program(ia, &e2), IRX_EUNSUPPORTED);
	assert_non_null(strstr(e2.text, "torch.save"));
	irx_archive_free(ia);
	irx_archive_free(a);
}

static void zip_rejects_garbage_and_empty(void **state)
{
	irx_blob *b;
	irx_archive *a;
	irx_error err = {0};
	static const char junk[] = "this is not a zip archive at all";

	assert_int_equal(irx_blob_wrap(&b, junk, sizeof(junk), "junk", &err), IRX_OK);
	assert_int_equal(irx_archive_open_blob(&a, b, &err), IRX_EUNSUPPORTED);
	assert_non_null(strstr(err.text, "not a zip"));
	irx_error_clear(&err);
	assert_int_equal(irx_blob_wrap(&b, junk, 0, "empty", &err), IRX_OK);
	assert_int_equal(irx_archive_open_blob(&a, b, &err), IRX_EUNSUPPORTED);
	assert_non_null(strstr(err.text, "empty"));
}

static void zip_blob_errors_name_the_problem(void **state)
{
	irx_blob *b;
	irx_error err = {0};

	assert_int_equal(irx_blob_open(&b, "/nonexistent/file.pt2", &err), IRX_EIO);
	assert_string_equal(err.source, "/nonexistent/file.pt2");
	irx_error_clear(&err);
	assert_int_equal(irx_blob_open(&b, IRX_SRCDIR, &err), IRX_EIO);
	assert_non_null(strstr(err.text, "directory"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(zip_pt2_archive_entries_in_place),
		cmocka_unit_test(zip_legacy_archive),
		cmocka_unit_test(zip_nested_torch_save_is_not_a_program),
		cmocka_unit_test(zip_rejects_garbage_and_empty),
		cmocka_unit_test(zip_blob_errors_name_the_problem),
	};
	return cmocka_run_group_tests_name("zip", tests, NULL, NULL);
}
