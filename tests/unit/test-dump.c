/* test-dump: what irx-dump prints for an IR, a program and an archive. */
#include "unit.h"

typedef irx_status (*dump_fn)(FILE *, const json_t *, enum irx_dump_format, irx_error *);

static char *dump_to_string(dump_fn fn, const json_t *doc, enum irx_dump_format fmt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_int_equal(fn(f, doc, fmt, NULL), 0);
	fclose(f);
	return buf;
}

static void dump_ir_table(void **state)
{
	json_t *p = export_fixture("t214/multi_out.pt2"), *ir;
	irx_error err = {0};
	assert_int_equal(irx_convert(&ir, p, NULL, &err), IRX_OK);
	char *text = dump_to_string(irx_dump_ir, ir, IRX_DUMP_TEXT);
	/* a multi-output node with both output shapes and its attributes */
	assert_non_null(strstr(text, "aten.max.dim"));
	assert_non_null(strstr(text, "-> (float32[3], int64[3])"));
	assert_non_null(strstr(text, "\"keepdim\": false"));
	free(text);
	text = dump_to_string(irx_dump_ir, ir, IRX_DUMP_JSON);
	json_t *d;
	assert_int_equal(irx_json_parse(&d, (const uint8_t *)text, strlen(text), &err), IRX_OK);
	assert_string_equal(json_string_value(json_object_get(d, "kind")), "ir");
	assert_int_equal(json_integer_value(
				 json_object_get(json_object_get(d, "operators"), "aten.max.dim")),
			 1);
	json_decref(d), free(text), json_decref(ir), json_decref(p);
}

/* A stream that refuses writes: every dump says so, as IRX_EIO. */
static void dump_write_error(void **state)
{
	json_t *p = export_fixture("t214/multi_out.pt2"), *ir;
	irx_error err = {0};
	assert_int_equal(irx_convert(&ir, p, NULL, &err), IRX_OK);
	FILE *f = fopen("/dev/null", "r");
	assert_non_null(f);
	static const dump_fn fns[] = {irx_dump_ir, irx_dump_program};
	const json_t *docs[] = {ir, p};
	for (int i = 0; i < 2; i++)
		for (int fmt = IRX_DUMP_TEXT; fmt <= IRX_DUMP_JSON; fmt++) {
			irx_error_clear(&err);
			assert_int_equal(fns[i](f, docs[i], (enum irx_dump_format)fmt, &err),
					 IRX_EIO);
			assert_int_equal(err.code, IRX_EIO);
			assert_string_equal(err.text, "cannot write");
		}
	irx_error_clear(&err);
	assert_int_equal(irx_json_write(f, ir, IRX_JSON_COMPACT, &err), IRX_EIO);
	assert_string_equal(err.text, "cannot write");
	fclose(f), json_decref(ir), json_decref(p);
}

static void dump_program_summary(void **state)
{
	json_t *p = export_fixture("t26/buffers.pt2");
	char *text = dump_to_string(irx_dump_program, p, IRX_DUMP_TEXT);
	assert_non_null(strstr(text, "schema 8.2, torch 2.6.0"));
	assert_non_null(strstr(text, "layout pt2-legacy"));
	assert_non_null(strstr(text, "1 constant_tensor"));
	free(text);
	json_decref(p);
}

static void dump_archive_entries(void **state)
{
	irx_archive *a;
	irx_error err = {0};
	char *buf = NULL;
	size_t len = 0;
	assert_int_equal(irx_archive_open(&a, fixture("t214/mlp_real.pt2"), &err), IRX_OK);
	FILE *f = open_memstream(&buf, &len);
	assert_int_equal(irx_dump_archive(f, a, NULL, IRX_DUMP_TEXT, 0, NULL), 0);
	fclose(f);
	assert_non_null(strstr(buf, "(pt2)"));
	assert_non_null(strstr(buf, "128  mlp_real/data/weights/weight_0"));
	free(buf);
	irx_archive_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dump_ir_table),
		cmocka_unit_test(dump_write_error),
		cmocka_unit_test(dump_program_summary),
		cmocka_unit_test(dump_archive_entries),
	};
	return cmocka_run_group_tests_name("dump", tests, NULL, NULL);
}
