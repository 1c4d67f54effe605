/* test-ir-check: irx-dump --check finds what is wrong, and only that. */
#include "unit.h"

static json_t *good_ir(void)
{
	json_t *p = export_fixture("t214/skip.pt2"), *ir = NULL;
	irx_error err = {0};
	if (irx_convert(&ir, p, NULL, &err))
		fail_msg("%s", err.text);
	json_decref(p);
	return ir;
}

struct sink {
	char *buf;
	size_t size;
};

static void record(void *c, const char *where, const char *msg)
{
	struct sink *ctx = c;
	if (!ctx->buf[0])
		snprintf(ctx->buf, ctx->size, "%s: %s", where, msg);
}

static size_t problems(json_t *ir, char *first, size_t size)
{
	irx_error err = {0};
	size_t n = 0;
	struct sink ctx = {first, size};
	assert_int_equal(irx_ir_check(&n, ir, record, &ctx, &err), IRX_OK);
	return n;
}

static json_t *node(json_t *ir, size_t i)
{
	return json_array_get(json_object_get(ir, "nodes"), i);
}

static void check_converted_ir_is_clean(void **state)
{
	json_t *ir = good_ir();
	char first[512] = "";
	assert_int_equal(problems(ir, first, sizeof(first)), 0);
	json_decref(ir);
}

static void check_dangling_reference(void **state)
{
	json_t *ir = good_ir();
	char first[512] = "";
	json_object_set_new(json_array_get(json_object_get(node(ir, 2), "inputs"), 0), "name",
			    json_string("ghost"));
	assert_true(problems(ir, first, sizeof(first)) >= 1);
	assert_non_null(strstr(first, "ghost"));
	assert_non_null(strstr(first, "/nodes/2/inputs/0"));
	json_decref(ir);
}

static void check_wrong_producer_and_order(void **state)
{
	json_t *ir = good_ir(), *nodes = json_object_get(ir, "nodes");
	char first[512] = "";
	/* swap the first two nodes: the second reads what the first makes */
	json_t *a = json_incref(json_array_get(nodes, 0)),
	       *b = json_incref(json_array_get(nodes, 1));
	json_array_set_new(nodes, 0, b);
	json_array_set_new(nodes, 1, a);
	assert_true(problems(ir, first, sizeof(first)) >= 1);
	json_decref(ir);
	ir = good_ir();
	first[0] = '\0';
	json_object_set_new(json_array_get(json_object_get(node(ir, 1), "inputs"), 0),
			    "producer_output_idx", json_integer(5));
	assert_int_equal(problems(ir, first, sizeof(first)), 1);
	assert_non_null(strstr(first, "producer"));
	json_decref(ir);
}

static void check_bad_shapes_dtypes_duplicates(void **state)
{
	json_t *ir = good_ir();
	char first[512] = "";
	json_t *out = json_array_get(json_object_get(node(ir, 0), "outputs"), 0);
	json_array_set_new(json_object_get(out, "shape"), 0, json_integer(-3));
	json_object_set_new(json_array_get(json_object_get(ir, "graph_inputs"), 0), "dtype",
			    json_string("float33"));
	json_object_set(node(ir, 1), "name", json_object_get(node(ir, 0), "name"));
	size_t n = problems(ir, first, sizeof(first));
	assert_true(n >= 3);
	json_decref(ir);
}

static void check_rejects_non_ir(void **state)
{
	json_t *doc = json_pack("{s:s}", "format", "irx-program");
	irx_error err = {0};
	size_t n;
	assert_int_equal(irx_ir_check(&n, doc, NULL, NULL, &err), IRX_EFORMAT);
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(check_converted_ir_is_clean),
		cmocka_unit_test(check_dangling_reference),
		cmocka_unit_test(check_wrong_producer_and_order),
		cmocka_unit_test(check_bad_shapes_dtypes_duplicates),
		cmocka_unit_test(check_rejects_non_ir),
	};
	return cmocka_run_group_tests_name("ir-check", tests, NULL, NULL);
}
