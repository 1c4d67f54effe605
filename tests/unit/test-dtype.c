/* test-dtype: the element type table, in torch.export's numbering. */
#include "unit.h"

static void dtype_schema_codes(void **state)
{
	/* torch/_export/serde/schema.py ScalarType, not c10's numbering */
	assert_string_equal(irx_dtype_name(7), "float32");
	assert_string_equal(irx_dtype_name(5), "int64");
	assert_string_equal(irx_dtype_name(13), "bfloat16");
	assert_string_equal(irx_dtype_name(12), "bool");
	assert_string_equal(irx_dtype_name(29), "float8_e4m3fn");
	assert_string_equal(irx_dtype_name(35), "uint64");
	assert_null(irx_dtype_name(0));
	assert_null(irx_dtype_name(14)); /* a gap in the schema's numbering */
	assert_null(irx_dtype_name(77));
	assert_null(irx_dtype_name(-1));
}

static void dtype_names_and_sizes(void **state)
{
	assert_int_equal(irx_dtype_from_name("float16"), IRX_DTYPE_FLOAT16);
	assert_int_equal(irx_dtype_from_name("torch.bfloat16"), IRX_DTYPE_BFLOAT16);
	assert_int_equal(irx_dtype_from_name("Long"), IRX_DTYPE_INT64); /* c10 */
	assert_int_equal(irx_dtype_from_name("long"), IRX_DTYPE_INT64); /* schema default */
	assert_int_equal(irx_dtype_from_name("quint8"), IRX_DTYPE_UNKNOWN);
	assert_int_equal(irx_dtype_size(IRX_DTYPE_COMPLEX128), 16);
	assert_int_equal(irx_dtype_size(IRX_DTYPE_BOOL), 1);
	assert_int_equal(irx_dtype_size(IRX_DTYPE_BFLOAT16), 2);
	assert_int_equal(irx_dtype_size(0), 0);
	assert_string_equal(irx_layout_name(7), "strided");
	assert_string_equal(irx_memory_format_name(2), "channels_last");
	assert_null(irx_layout_name(8));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dtype_schema_codes),
		cmocka_unit_test(dtype_names_and_sizes),
	};
	return cmocka_run_group_tests_name("dtype", tests, NULL, NULL);
}
