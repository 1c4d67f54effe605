/* test-blob: irx_blob, the bytes of a file or of memory, on real fixtures. */
#include "unit.h"

#include <sys/stat.h>

/* The file's bytes, read with stdio (free them). */
static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	uint8_t *buf;

	assert_non_null(f);
	assert_int_equal(fstat(fileno(f), &st), 0);
	*len = (size_t)st.st_size;
	buf = malloc(*len ? *len : 1);
	assert_int_equal(fread(buf, 1, *len, f), *len);
	fclose(f);
	return buf;
}

/* A real archive: every byte as on disk, the name as given. */
static void blob_open_file(void **state)
{
	const char *paths[] = {"t214/mlp_real.pt2", "tensors/t214/state_dict.safetensors",
			       "tensors/t214/empty.safetensors"};

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		char path[1024];
		size_t len;
		uint8_t *want;
		irx_blob *b;
		irx_error err = {0};

		snprintf(path, sizeof(path), "%s", fixture(paths[i]));
		want = slurp(path, &len);
		assert_int_equal(irx_blob_open(&b, path, &err), IRX_OK);
		assert_int_equal(err.code, 0);
		assert_int_equal(irx_blob_size(b), len);
		assert_true(len > 0);
		assert_memory_equal(irx_blob_data(b), want, len);
		assert_string_equal(irx_blob_name(b), path);
		/* releasing pages is advice: the bytes read back the same */
		irx_blob_release(b, irx_blob_data(b), len);
		assert_memory_equal(irx_blob_data(b), want, len);
		irx_blob_free(b);
		free(want);
	}
}

/* Memory: borrowed, not copied; the name as given. */
static void blob_wrap_memory(void **state)
{
	static const uint8_t bytes[] = "PK\x03\x04 some bytes";
	irx_blob *b;
	irx_error err = {0};

	assert_int_equal(irx_blob_wrap(&b, bytes, sizeof(bytes), "mem.pt2", &err), IRX_OK);
	assert_ptr_equal(irx_blob_data(b), bytes);
	assert_int_equal(irx_blob_size(b), sizeof(bytes));
	assert_string_equal(irx_blob_name(b), "mem.pt2");
	irx_blob_release(b, bytes, sizeof(bytes)); /* not mapped: nothing */
	assert_memory_equal(irx_blob_data(b), bytes, sizeof(bytes));
	irx_blob_free(b);
	assert_int_equal(irx_blob_wrap(&b, bytes, 0, "empty", &err), IRX_OK);
	assert_int_equal(irx_blob_size(b), 0);
	irx_blob_free(b);
}

/* An empty file is a blob of no bytes; a missing file or a directory is
 * an I/O error naming the path. */
static void blob_open_errors(void **state)
{
	char path[] = "/tmp/irx-test-blob.XXXXXX";
	int fd = mkstemp(path);
	irx_blob *b = NULL;
	irx_error err = {0};

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(irx_blob_open(&b, path, &err), IRX_OK);
	assert_int_equal(irx_blob_size(b), 0);
	irx_blob_free(b);
	unlink(path);
	assert_int_equal(irx_blob_open(&b, path, &err), IRX_EIO);
	assert_string_equal(err.source, path);
	assert_true(err.text[0] != '\0');
	irx_error_clear(&err);
	assert_int_equal(irx_blob_open(&b, fixture("t214"), &err), IRX_EIO);
	assert_non_null(strstr(err.text, "directory"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(blob_open_file),
		cmocka_unit_test(blob_wrap_memory),
		cmocka_unit_test(blob_open_errors),
	};
	return cmocka_run_group_tests_name("blob", tests, NULL, NULL);
}
