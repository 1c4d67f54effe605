/* test-zip: the zip reader and archive classification on real archives. */
#include "unit.h"

#include <unistd.h>

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
	assert_int_equal(irx_zip_read(&data, &len, &owned, z, e, &err), IRX_OK);
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
	assert_int_equal(irx_zip_read(&data, &len, &owned, irx_archive_zip(a), e, &err), IRX_OK);
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

/*
 * A zip of one entry NAME written by hand: stored, or deflated as a single
 * "stored" deflate block (so no zlib is needed to make it), with general
 * purpose FLAG; a second entry of the same name when TWICE.  Returns its
 * size in BUF.
 */
static size_t one_entry_zip(uint8_t *buf, const char *name, size_t name_len, unsigned flag,
			    int deflated, int twice, const char *payload)
{
	size_t plen = strlen(payload), dlen = deflated ? plen + 5 : plen, n = 0, cd, local[2];
	uint32_t crc = 0xffffffffu;

	for (size_t i = 0; i < plen; i++) { /* CRC-32, bit by bit */
		crc ^= (uint8_t)payload[i];
		for (int k = 0; k < 8; k++)
			crc = crc >> 1 ^ (0xedb88320u & -(crc & 1));
	}
	crc = ~crc;
#define PUT(v, w)                                                        \
	do {                                                             \
		for (int b_ = 0; b_ < (w); b_++)                         \
			buf[n++] = (uint8_t)((uint64_t)(v) >> (8 * b_)); \
	} while (0)
	for (int e = 0; e <= twice; e++) {
		local[e] = n;
		PUT(0x04034b50, 4);
		PUT(20, 2);
		PUT(flag, 2);
		PUT(deflated ? 8 : 0, 2);
		PUT(0, 4);
		PUT(crc, 4);
		PUT(dlen, 4);
		PUT(plen, 4);
		PUT(name_len, 2);
		PUT(0, 2);
		memcpy(buf + n, name, name_len), n += name_len;
		if (deflated) {
			PUT(1, 1);
			PUT(plen, 2);
			PUT(~plen & 0xffff, 2);
		}
		memcpy(buf + n, payload, plen), n += plen;
	}
	cd = n;
	for (int e = 0; e <= twice; e++) {
		PUT(0x02014b50, 4);
		PUT(20, 2);
		PUT(20, 2);
		PUT(flag, 2);
		PUT(deflated ? 8 : 0, 2);
		PUT(0, 4);
		PUT(crc, 4);
		PUT(dlen, 4);
		PUT(plen, 4);
		PUT(name_len, 2);
		PUT(0, 2);
		PUT(0, 2);
		PUT(0, 2);
		PUT(0, 2);
		PUT(0, 4);
		PUT(local[e], 4);
		memcpy(buf + n, name, name_len), n += name_len;
	}
	size_t cd_len = n - cd;
	PUT(0x06054b50, 4);
	PUT(0, 2);
	PUT(0, 2);
	PUT(twice + 1, 2);
	PUT(twice + 1, 2);
	PUT(cd_len, 4);
	PUT(cd, 4);
	PUT(0, 2);
#undef PUT
	return n;
}

/* open_one: irx_zip_open on a one-entry zip; the status, the text in ERR. */
static int open_one(const char *name, size_t name_len, unsigned flag, int twice, irx_error *err)
{
	uint8_t buf[1024];
	size_t n = one_entry_zip(buf, name, name_len, flag, 0, twice, "{}");
	irx_blob *b;
	irx_zip *z = NULL;
	int rc;

	irx_error_clear(err);
	assert_int_equal(irx_blob_wrap(&b, buf, n, "t.zip", err), IRX_OK);
	rc = irx_zip_open(&z, b, err);
	irx_zip_free(z);
	irx_blob_free(b);
	return rc;
}

/* Entries that two readers could take for different things are refused. */
static void zip_one_reading_only(void **state)
{
	static const struct {
		const char *name;
		size_t len;
		unsigned flag;
		int twice;
		const char *says; /* NULL: accepted */
	} cases[] = {
		{"mlp/models/model.json", 21, 0, 0, NULL},
		{"mlp/.data/version", 17, 0, 0, NULL},
		{"mlp/", 4, 0, 0, NULL},
		{"mlp/models/model.json", 21, 0x0808, 0, NULL},
		{"mlp/models/model.json", 21, 0, 1, "twice"},
		{"mlp/models/model.json", 21, 0x0001, 0, "encrypted"},
		{"mlp/models/model.json", 21, 0x0040, 0, "encrypted"},
		{"../models/model.json", 20, 0, 0, "not a plain relative path"},
		{"./models/model.json", 19, 0, 0, "not a plain relative path"},
		{"/models/model.json", 18, 0, 0, "not a plain relative path"},
		{"/tmp/mlp/model.json", 19, 0, 0, "not a plain relative path"},
		{"mlp//model.json", 15, 0, 0, "not a plain relative path"},
		{"mlp/x/..", 8, 0, 0, "not a plain relative path"},
		{"mlp\\model.json", 14, 0, 0, "backslash"},
		{"mlp/model\0.json", 15, 0, 0, "control character 0x00 at byte 9"},
		{"mlp/\x1b[2Jmodel", 13, 0, 0, "control character 0x1b at byte 4"},
		{"mlp/model\x7f", 10, 0, 0, "control character 0x7f at byte 9"},
	};
	irx_error err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = open_one(cases[i].name, cases[i].len, cases[i].flag, cases[i].twice, &err);
		if (!cases[i].says) {
			if (rc)
				fail_msg("case %zu (%s) refused: %s", i, cases[i].name, err.text);
			continue;
		}
		if (!rc)
			fail_msg("case %zu (%s) accepted", i, cases[i].name);
		if (!strstr(err.text, cases[i].says))
			fail_msg("case %zu: '%s' does not say '%s'", i, err.text, cases[i].says);
	}
}

/* A deflated entry inflates up to the limit, and not one byte past it. */
static void zip_inflate_limit(void **state)
{
	static const char payload[] = "{\"format\": \"irx-program\"}";
	uint8_t buf[1024];
	size_t n = one_entry_zip(buf, "p.json", 6, 0, 1, 0, payload), len;
	const uint8_t *data;
	void *owned;
	irx_blob *b;
	irx_zip *z;
	irx_error err = {0};

	assert_int_equal(irx_blob_wrap(&b, buf, n, "t.zip", &err), IRX_OK);
	assert_int_equal(irx_zip_open(&z, b, &err), IRX_OK);
	const irx_zip_entry *e = irx_zip_find(z, "p.json");
	assert_int_equal(e->method, 8);
	irx_limit_set(IRX_LIMIT_INFLATE, sizeof(payload) - 1);
	assert_int_equal(irx_zip_read(&data, &len, &owned, z, e, &err), IRX_OK);
	assert_memory_equal(data, payload, len);
	irx_free(owned);
	irx_limit_set(IRX_LIMIT_INFLATE, sizeof(payload) - 2);
	assert_int_equal(irx_zip_read(&data, &len, &owned, z, e, &err), IRX_EFORMAT);
	assert_null(owned);
	assert_non_null(
		strstr(err.text, "'p.json' inflates to 25 bytes, more than the limit of 24"));
	irx_limit_set(IRX_LIMIT_INFLATE, 0); /* back to the default */
	irx_error_clear(&err);
	assert_int_equal(irx_zip_read(&data, &len, &owned, z, e, &err), IRX_OK);
	irx_free(owned);
	irx_zip_free(z);
	irx_blob_free(b);
}

/* A pipe is read up to the stream limit; a byte more is refused. */
static void blob_stream_limit(void **state)
{
	char path[64];
	irx_error err = {0};
	irx_blob *b;

	for (int over = 0; over < 2; over++) {
		int fd[2];
		assert_int_equal(pipe(fd), 0);
		assert_int_equal(write(fd[1], "0123456789", 10), 10);
		close(fd[1]);
		snprintf(path, sizeof(path), "/dev/fd/%d", fd[0]);
		irx_limit_set(IRX_LIMIT_STREAM, 10 - over);
		irx_error_clear(&err);
		if (!over) {
			assert_int_equal(irx_blob_open(&b, path, &err), IRX_OK);
			assert_int_equal(irx_blob_size(b), 10);
			irx_blob_free(b);
		} else {
			assert_int_equal(irx_blob_open(&b, path, &err), IRX_EFORMAT);
			assert_non_null(strstr(err.text, "larger than the limit of 9 bytes"));
			assert_string_equal(err.source, path);
		}
		close(fd[0]);
	}
	irx_limit_set(IRX_LIMIT_STREAM, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(zip_pt2_archive_entries_in_place),
		cmocka_unit_test(zip_legacy_archive),
		cmocka_unit_test(zip_nested_torch_save_is_not_a_program),
		cmocka_unit_test(zip_rejects_garbage_and_empty),
		cmocka_unit_test(zip_blob_errors_name_the_problem),
		cmocka_unit_test(zip_one_reading_only),
		cmocka_unit_test(zip_inflate_limit),
		cmocka_unit_test(blob_stream_limit),
	};
	return cmocka_run_group_tests_name("zip", tests, NULL, NULL);
}
