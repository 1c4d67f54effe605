/* test-view: FLOPs of single nodes (irx_node_flops) by hand from the
 * formulas of torch/utils/flop_counter.py, and the dispatch each IR
 * operator takes on the CPU (docs/statistics.md). */
#include "unit.h"

static json_t *node(const char *text)
{
	json_error_t e;
	json_t *n = json_loads(text, 0, &e);

	if (!n)
		fail_msg("bad test node: %s", e.text);
	return n;
}

#define T(name, shape)                              \
	"{\"name\": \"" name "\", \"arg\": \"" name \
	"\", \"dtype\": \"float32\", \"shape\": " shape "}"
#define OUT(shape) "[{\"name\": \"o\", \"dtype\": \"float32\", \"shape\": " shape "}]"

static void expect(const char *text, uint64_t flops, const char *as, uint64_t other)
{
	json_t *n = node(text);
	uint64_t f = 99, o = 99;
	const char *c = "?";
	irx_error err = {0};

	assert_int_equal(irx_node_flops(&f, &c, &o, n, &err), IRX_OK);
	assert_int_equal(f, flops);
	assert_int_equal(o, other);
	if (as)
		assert_string_equal(c, as);
	else
		assert_null(c);
	json_decref(n);
}

static void matmul_dispatch(void **state)
{
	/* batch x matrix folds into mm: 2 * (2*3) * 4 * 5 */
	expect("{\"op_type\": \"aten.matmul.default\", \"inputs\": [" T("self", "[2, 3, 4]") ", " T(
		       "other", "[4, 5]") "], \"outputs\": " OUT("[2, 3, 5]") "}",
	       240, "aten.mm", 0);
	/* dot and mv are not in flop_counter's registry */
	expect("{\"op_type\": \"aten.matmul.default\", \"inputs\": [" T("self", "[4]") ", " T(
		       "other", "[4]") "], \"outputs\": " OUT("[]") "}",
	       0, NULL, 0);
	expect("{\"op_type\": \"aten.matmul.default\", \"inputs\": [" T("self", "[3, 4]") ", " T(
		       "other", "[4]") "], \"outputs\": " OUT("[3]") "}",
	       0, NULL, 0);
	/* batch x batch: bmm, b * m * n * 2k */
	expect("{\"op_type\": \"aten.matmul.default\", \"inputs\": [" T("self", "[2, 3, 4]") ", " T(
		       "other", "[2, 4, 5]") "], \"outputs\": " OUT("[2, 3, 5]") "}",
	       240, "aten.bmm", 0);
	/* vector x batch: bmm over the batch with m = 1 */
	expect("{\"op_type\": \"aten.matmul.default\", \"inputs\": [" T("self", "[4]") ", " T(
		       "other", "[2, 4, 5]") "], \"outputs\": " OUT("[2, 5]") "}",
	       80, "aten.bmm", 0);
	/* broadcast batch [3, 1] x [1, 2] -> 6 */
	expect("{\"op_type\": \"aten.matmul.default\", \"inputs\": [" T("self", "[3, 1, 2, 4]") ", " T(
		       "other", "[1, 2, 4, 5]") "], \"outputs\": " OUT("[3, 2, 2, 5]") "}",
	       6 * 2 * 5 * 2 * 4, "aten.bmm", 0);
}

static void linear_dispatch(void **state)
{
	/* no bias: mm; 2 * 5 * 4 * 3 */
	expect("{\"op_type\": \"aten.linear.default\", \"inputs\": [" T("input", "[5, 4]") ", " T(
		       "weight", "[3, 4]") "], \"outputs\": " OUT("[5, 3]") "}",
	       120, "aten.mm", 0);
	/* 3-d with a bias: _flatten_nd_linear's addmm */
	expect("{\"op_type\": \"aten.linear.default\", \"inputs\": [" T("input", "[2, 5, 4]") ", " T(
		       "weight", "[3, 4]") ", " T("bias",
						  "[3]") "], \"outputs\": " OUT("[2, 5, 3]") "}",
	       240, "aten.addmm", 0);
	/* 4-d with a bias: matmul (folded mm), then add */
	expect("{\"op_type\": \"aten.linear.default\", \"inputs\": [" T("input", "[1, 2, 5, 4]") ", " T(
		       "weight", "[3, 4]") ", " T("bias",
						  "[3]") "], \"outputs\": " OUT("[1, 2, 5, 3]") "}",
	       240, "aten.mm", 0);
	expect("{\"op_type\": \"aten.addmm.default\", \"inputs\": [" T("self", "[3]") ", " T(
		       "mat1", "[5, 4]") ", " T("mat2",
						"[4, 3]") "], \"outputs\": " OUT("[5, 3]") "}",
	       120, "aten.addmm", 0);
	expect("{\"op_type\": \"aten.baddbmm.default\", \"inputs\": [" T("self", "[2, 5, 3]") ", " T(
		       "batch1",
		       "[2, 5, 4]") ", " T("batch2",
					   "[2, 4, 3]") "], \"outputs\": " OUT("[2, 5, 3]") "}",
	       240, "aten.baddbmm", 0);
}

static void convolutions(void **state)
{
	/* conv_flop_count: prod(out[2:]) * prod(kernel) * batch * c_out * c_in * 2,
	 * groups through the weight's c_in: 2 * 6*6 * 3*3 * 8 * (8/2) * 2 */
	expect("{\"op_type\": \"aten.conv2d.default\", \"inputs\": [" T("input", "[2, 8, 6, 6]") ", " T(
		       "weight",
		       "[8, 4, 3, 3]") "], \"attrs\": {\"groups\": 2}, \"outputs\": " OUT("[2, 8, 6, 6]") "}",
	       36 * 9 * 2 * 8 * 4 * 2, "aten.convolution", 0);
	/* transposed: the input's spatial size instead: 5*5 * 3*3 * 1 * 4 * 2 * 2 */
	expect("{\"op_type\": \"aten.conv_transpose2d.input\", \"inputs\": [" T(
		       "input",
		       "[1, 4, 5, 5]") ", " T("weight",
					      "[4, 2, 3, 3]") "], \"outputs\": " OUT("[1, 2, 7, 7]") "}",
	       3600, "aten.convolution", 0);
	expect("{\"op_type\": \"aten.convolution.default\", \"inputs\": [" T("input", "[1, 4, 5, 5]") ", " T(
		       "weight",
		       "[4, 2, 3, 3]") "], \"attrs\": {\"transposed\": true}, \"outputs\": " OUT("[1, 2, 7, 7]") "}",
	       3600, "aten.convolution", 0);
}

#define SDPA(q, k, v, attrs)                                                            \
	"{\"op_type\": \"aten.scaled_dot_product_attention.default\", \"inputs\": [" T( \
		"query", q) ", " T("key", k) ", " T("value", v) "], \"attrs\": " attrs  \
								", \"outputs\": " OUT(q) "}"

static void attention(void **state)
{
	/* the CPU flash kernel, which FlopCounterMode does not count */
	expect(SDPA("[1, 2, 8, 16]", "[1, 2, 8, 16]", "[1, 2, 8, 16]", "{\"dropout_p\": 0.0}"), 0,
	       NULL, 0);
	/* dropout: the math kernel, two bmm of b*h = 2: 2 * (2 * 8*8*2*16) */
	expect(SDPA("[1, 2, 8, 16]", "[1, 2, 8, 16]", "[1, 2, 8, 16]", "{\"dropout_p\": 0.1}"),
	       8192, "aten.bmm", 0);
	/* grouped-query (4 query heads, 2 kv heads): math over the query heads */
	expect(SDPA("[1, 4, 8, 16]", "[1, 2, 8, 16]", "[1, 2, 8, 16]", "{\"enable_gqa\": true}"),
	       16384, "aten.bmm", 0);
	/* 3-d: no flash kernel */
	expect(SDPA("[2, 8, 16]", "[2, 8, 16]", "[2, 8, 16]", "{}"), 8192, "aten.bmm", 0);
}

static void other_work(void **state)
{
	expect("{\"op_type\": \"aten.relu.default\", \"inputs\": [" T(
		       "self", "[3, 8]") "], \"outputs\": " OUT("[3, 8]") "}",
	       0, NULL, 24);
	expect("{\"op_type\": \"aten.layer_norm.default\", \"inputs\": [" T(
		       "input", "[2, 5, 16]") "], "
					      "\"outputs\": " OUT("[2, 5, 16]") "}",
	       0, NULL, 160);
	expect("{\"op_type\": \"aten.sum.dim_IntList\", \"inputs\": [" T(
		       "self", "[2, 5, 16]") "], "
					     "\"outputs\": " OUT("[2, 5]") "}",
	       0, NULL, 160);
	expect("{\"op_type\": \"aten.view.default\", \"inputs\": [" T(
		       "self", "[2, 5, 16]") "], "
					     "\"outputs\": " OUT("[10, 16]") "}",
	       0, NULL, 0);
}

static void symbolic(void **state)
{
	json_t *n = node("{\"name\": \"mm\", \"op_type\": \"aten.mm.default\", \"inputs\": [" T(
		"self", "[\"s0\", 4]") ", " T("mat2",
					      "[4, 3]") "], \"outputs\": " OUT("[\"s0\", 3]") "}");
	uint64_t f, o;
	irx_error err = {0};

	assert_int_equal(irx_node_flops(&f, NULL, &o, n, &err), IRX_EUNSUPPORTED);
	assert_non_null(strstr(err.text, "node mm"));
	json_decref(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(matmul_dispatch), cmocka_unit_test(linear_dispatch),
		cmocka_unit_test(convolutions),    cmocka_unit_test(attention),
		cmocka_unit_test(other_work),      cmocka_unit_test(symbolic),
	};
	return cmocka_run_group_tests_name("view", tests, NULL, NULL);
}
