/* test-program: every torch version's program JSON to one normalized form. */
#include "unit.h"

#define META \
	"{\"dtype\": 7, \"sizes\": [{\"as_int\": 2}, {\"as_int\": 3}], \"requires_grad\": false, \"device\": {\"type\": \"cpu\"}, \"strides\": [{\"as_int\": 3}, {\"as_int\": 1}], \"storage_offset\": {\"as_int\": 0}, \"layout\": 7}"

/* A one-node program x -> y; NODE_ARGS are the extra inputs of the node. */
/* noinline: GCC 12 sees a dangling pointer where asprintf's result is returned */
__attribute__((noinline)) static char *program(const char *version, const char *node_args)
{
	char *s = NULL;
	if (asprintf(
		    &s,
		    "{\"schema_version\": %s, \"graph_module\": {\"graph\": {"
		    "\"inputs\": [{\"as_tensor\": {\"name\": \"x\"}}],"
		    "\"outputs\": [{\"as_tensor\": {\"name\": \"y\"}}],"
		    "\"nodes\": [{\"target\": \"torch.ops.aten.clamp.default\", \"inputs\": ["
		    "{\"name\": \"self\", \"arg\": {\"as_tensor\": {\"name\": \"x\"}}}%s],"
		    "\"outputs\": [{\"as_tensor\": {\"name\": \"y\"}}], \"metadata\": {}}],"
		    "\"tensor_values\": {\"x\": " META ", \"y\": " META "}},"
		    "\"signature\": {\"input_specs\": [{\"user_input\": {\"arg\": {\"as_tensor\": {\"name\": \"x\"}}}}],"
		    "\"output_specs\": [{\"user_output\": {\"arg\": {\"as_tensor\": {\"name\": \"y\"}}}}]}}}",
		    version, node_args) < 0)
		fail();
	return s;
}

static json_t *node_arg(json_t *doc, size_t i)
{
	json_t *node = json_array_get(json_object_get(json_object_get(doc, "graph"), "nodes"), 0);
	return json_object_get(json_array_get(json_object_get(node, "inputs"), i), "arg");
}

static void program_none_encodings_agree(void **state)
{
	json_t *a, *b;
	irx_error err = {0};
	char *p1 = program("{\"major\": 8, \"minor\": 1}",
			   ", {\"name\": \"min\", \"arg\": {\"as_none\": []}}");
	char *p2 = program("{\"major\": 8, \"minor\": 20}",
			   ", {\"name\": \"min\", \"arg\": {\"as_none\": true}}");
	assert_int_equal(normalize_text(p1, &a, &err), IRX_OK);
	assert_int_equal(normalize_text(p2, &b, &err), IRX_OK);
	assert_true(json_equal(node_arg(a, 1), node_arg(b, 1)));
	assert_true(json_is_null(json_object_get(node_arg(a, 1), "none")));
	json_decref(a), json_decref(b), free(p1), free(p2);
}

static void program_float_tokens_and_strings_agree(void **state)
{
	json_t *a, *b;
	irx_error err = {0};
	char *p1 = program("{\"major\": 8, \"minor\": 2}",
			   ", {\"name\": \"min\", \"arg\": {\"as_float\": -Infinity}}");
	char *p2 = program("{\"major\": 8, \"minor\": 20}",
			   ", {\"name\": \"min\", \"arg\": {\"as_float\": \"-Infinity\"}}");
	assert_int_equal(normalize_text(p1, &a, &err), IRX_OK);
	assert_int_equal(normalize_text(p2, &b, &err), IRX_OK);
	assert_string_equal(json_string_value(json_object_get(node_arg(a, 1), "float")),
			    "-Infinity");
	assert_true(json_equal(node_arg(a, 1), node_arg(b, 1)));
	json_decref(a), json_decref(b), free(p1), free(p2);
}

static void program_dtype_codes_are_schema_numbering(void **state)
{
	json_t *a;
	irx_error err = {0};
	char *p = program("{\"major\": 8, \"minor\": 20}",
			  ", {\"name\": \"dtype\", \"arg\": {\"as_scalar_type\": 13}}");
	assert_int_equal(normalize_text(p, &a, &err), IRX_OK);
	/* 13 is BFLOAT16 in torch.export's schema (c10 would say 15) */
	assert_string_equal(json_string_value(json_object_get(node_arg(a, 1), "scalar_type")),
			    "bfloat16");
	json_t *x = json_object_get(json_object_get(json_object_get(a, "graph"), "values"), "x");
	assert_string_equal(json_string_value(json_object_get(x, "dtype")), "float32");
	assert_string_equal(json_string_value(json_object_get(x, "device")), "cpu");
	json_decref(a), free(p);
}

static void program_unknown_dtype_is_an_error(void **state)
{
	json_t *a;
	irx_error err = {0};
	char *p = program("{\"major\": 8, \"minor\": 20}",
			  ", {\"name\": \"dtype\", \"arg\": {\"as_scalar_type\": 77}}");
	assert_int_equal(normalize_text(p, &a, &err), IRX_EUNSUPPORTED);
	assert_string_equal(err.where, "/graph_module/graph/nodes/0/inputs/1/arg/as_scalar_type");
	free(p);
}

static void collect(void *ctx, const char *msg) { snprintf(ctx, 512, "%s", msg); }

static void program_unknown_union_tag_is_carried(void **state)
{
	json_t *a;
	irx_error err = {0};
	char warning[512] = "";
	irx_export_options o = {.warn = collect, .warn_ctx = warning};
	char *p = program("{\"major\": 8, \"minor\": 99}",
			  ", {\"name\": \"min\", \"arg\": {\"as_future_thing\": {\"k\": 1}}}");
	assert_int_equal(irx_program_normalize(&a, (const uint8_t *)p, strlen(p), &o, &err),
			 IRX_OK);
	assert_non_null(strstr(warning, "as_future_thing"));
	json_t *u = json_object_get(node_arg(a, 1), "unknown");
	assert_string_equal(json_string_value(json_object_get(u, "tag")), "as_future_thing");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(u, "value"), "k")), 1);
	json_decref(a), free(p);
}

static void program_unknown_major_is_an_error(void **state)
{
	json_t *a;
	irx_error err = {0};
	char *p = program("{\"major\": 99, \"minor\": 0}", "");
	assert_int_equal(normalize_text(p, &a, &err), IRX_EUNSUPPORTED);
	assert_string_equal(err.where, "/schema_version");
	free(p);
}

static void program_schema2_all_members_unions(void **state)
{
	/* torch 2.2 wrote every union member, all null but one */
	json_t *a;
	irx_error err = {0};
	char *p = program(
		"2",
		", {\"name\": \"min\", \"arg\": {\"as_none\": null, \"as_float\": 0.5, \"as_int\": null}}");
	assert_int_equal(normalize_text(p, &a, &err), IRX_OK);
	assert_true(json_real_value(json_object_get(node_arg(a, 1), "float")) == 0.5);
	json_decref(a), free(p);
}

static void program_symbolic_sizes_are_readable(void **state)
{
	json_t *doc = export_fixture("t214/dynamic.pt2");
	json_t *values = json_object_get(json_object_get(doc, "graph"), "values");
	json_t *x = json_object_get(values, "x");
	assert_string_equal(json_string_value(json_array_get(json_object_get(x, "shape"), 0)),
			    "s77");
	json_t *r = json_object_get(json_object_get(doc, "range_constraints"), "s77");
	assert_int_equal(json_integer_value(json_object_get(r, "min")), 1);
	assert_int_equal(json_integer_value(json_object_get(r, "max")), 1024);
	assert_int_equal(json_integer_value(json_object_get(r, "hint")), 3);
	json_decref(doc);
}

static void program_weights_data_presence(void **state)
{
	static const char *const meta[] = {"t26/mlp.pt2", "t214/mlp.pt2"};
	static const char *const real[] = {"t26/mlp_real.pt2", "t214/mlp_real.pt2"};
	for (int i = 0; i < 2; i++) {
		json_t *m = export_fixture(meta[i]), *r = export_fixture(real[i]);
		json_t *wm = json_array_get(json_object_get(m, "weights"), 0);
		json_t *wr = json_array_get(json_object_get(r, "weights"), 0);
		assert_string_equal(json_string_value(json_object_get(wm, "name")), "fc1.weight");
		assert_true(json_is_false(json_object_get(wm, "has_data")));
		assert_true(json_is_true(json_object_get(wr, "has_data")));
		json_decref(m), json_decref(r);
	}
}

static void program_legacy_and_pt2_agree_on_mlp(void **state)
{
	json_t *a = export_fixture("t26/mlp.pt2"), *b = export_fixture("t214/mlp.pt2");
	assert_true(json_equal(json_object_get(a, "inputs"), json_object_get(b, "inputs")));
	assert_true(json_equal(json_object_get(a, "outputs"), json_object_get(b, "outputs")));
	assert_true(json_equal(json_object_get(json_object_get(a, "graph"), "values"),
			       json_object_get(json_object_get(b, "graph"), "values")));
	json_decref(a), json_decref(b);
}

static void program_srepr_expressions_read_like_python(void **state)
{
	static const struct {
		const char *srepr, *infix;
	} cases[] = {
		{"Symbol('s0', positive=True, integer=True)", "s0"},
		{"Mul(Integer(2), Symbol('s0', positive=True, integer=True))", "2*s0"},
		{"Add(Mul(Integer(2), Symbol('s0')), Integer(-1))", "2*s0 - 1"},
		{"Mul(Integer(-1), Symbol('s1'))", "-s1"},
		{"FloorDiv(Symbol('s0'), Integer(4))", "s0//4"},
		{"Mul(Add(Symbol('s0'), Integer(1)), Symbol('s1'))", "(s0 + 1)*s1"},
		{"Max(Integer(1), Symbol('s0'))", "max(1, s0)"},
		{"FloorDiv(Symbol('s0'), Mul(Integer(2), Symbol('s1')))", "s0//(2*s1)"},
		{"Mul(Symbol('c'), FloorDiv(Symbol('a'), Integer(2)))", "c*(a//2)"},
		{"Pow(Integer(-1), Symbol('s0'))", "(-1)**s0"},
		{"2*s0", "2*s0"}, /* torch <= 2.5 wrote infix already */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		static const char size2[] = "{\"as_int\": 2}";
		char p[4096], meta[400];
		json_t *a;
		irx_error err = {0};
		snprintf(meta, sizeof(meta),
			 "{\"as_expr\": {\"expr_str\": \"%s\", \"hint\": {\"as_int\": 6}}}",
			 cases[i].srepr);
		char *prog = program("{\"major\": 8, \"minor\": 20}", "");
		/* put the expression as x's first size */
		size_t head = (size_t)(strstr(prog, size2) - prog);
		snprintf(p, sizeof(p), "%.*s%s%s", (int)head, prog, meta,
			 prog + head + strlen(size2));
		assert_int_equal(normalize_text(p, &a, &err), IRX_OK);
		json_t *x = json_object_get(json_object_get(json_object_get(a, "graph"), "values"),
					    "x");
		assert_string_equal(
			json_string_value(json_array_get(json_object_get(x, "shape"), 0)),
			cases[i].infix);
		json_decref(a), free(prog);
	}
}

static void program_hostile_unions_and_enums(void **state)
{
	static const char *const bad_args[] = {
		", {\"name\": \"min\", \"arg\": {\"$type\": \"as_int\"}}", /* no $value */
		", {\"name\": \"dtype\", \"arg\": {\"as_scalar_type\": -4294967289}}", /* wraps to 7 as int */
		", {\"name\": \"c\", \"arg\": {\"as_complex\": {\"real\": \"abc\", \"imag\": 1}}}",
		", {\"name\": \"d\", \"arg\": {\"as_string_to_argument\": 5}}",
	};
	for (size_t i = 0; i < sizeof(bad_args) / sizeof(bad_args[0]); i++) {
		json_t *a = NULL;
		irx_error err = {0};
		char *p = program("{\"major\": 8, \"minor\": 20}", bad_args[i]);
		if (normalize_text(p, &a, &err) != IRX_EFORMAT && err.code != IRX_EUNSUPPORTED)
			fail_msg("accepted %s", bad_args[i]);
		assert_null(a);
		assert_non_null(strstr(err.where, "/graph_module/graph/nodes/0/inputs/1"));
		free(p);
	}
}

static void program_unnamed_nodes_with_long_targets(void **state)
{
	/* two nameless nodes (torch < 2.7) whose derived names would collide
	 * at the length limit: they still get distinct names, and quickly */
	char target[400], node[600], nodes[1400], *p;
	json_t *a;
	irx_error err = {0};

	memset(target, 'x', 300);
	target[300] = '\0';
	snprintf(node, sizeof(node),
		 "{\"target\": \"torch.ops.mylib.%s.default\", \"inputs\": [], \"outputs\": []}",
		 target);
	snprintf(nodes, sizeof(nodes), "%s, %s", node, node);
	if (asprintf(
		    &p,
		    "{\"schema_version\": {\"major\": 8, \"minor\": 2}, \"graph_module\": {\"graph\": "
		    "{\"inputs\": [], \"outputs\": [], \"nodes\": [%s], \"tensor_values\": {}}, "
		    "\"signature\": {\"input_specs\": [], \"output_specs\": []}}}",
		    nodes) < 0)
		fail();
	assert_int_equal(normalize_text(p, &a, &err), IRX_OK);
	json_t *ns = json_object_get(json_object_get(a, "graph"), "nodes");
	assert_false(json_equal(json_object_get(json_array_get(ns, 0), "name"),
				json_object_get(json_array_get(ns, 1), "name")));
	json_decref(a);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(program_none_encodings_agree),
		cmocka_unit_test(program_float_tokens_and_strings_agree),
		cmocka_unit_test(program_dtype_codes_are_schema_numbering),
		cmocka_unit_test(program_unknown_dtype_is_an_error),
		cmocka_unit_test(program_unknown_union_tag_is_carried),
		cmocka_unit_test(program_unknown_major_is_an_error),
		cmocka_unit_test(program_schema2_all_members_unions),
		cmocka_unit_test(program_symbolic_sizes_are_readable),
		cmocka_unit_test(program_srepr_expressions_read_like_python),
		cmocka_unit_test(program_weights_data_presence),
		cmocka_unit_test(program_legacy_and_pt2_agree_on_mlp),
		cmocka_unit_test(program_hostile_unions_and_enums),
		cmocka_unit_test(program_unnamed_nodes_with_long_targets),
	};
	return cmocka_run_group_tests_name("program", tests, NULL, NULL);
}
