/* test-convert: the IR from real archives: attrs, defaults, producers. */
#include "unit.h"

static json_t *ir_of(const char *rel, int allow_dynamic, irx_error *err, int *rc)
{
	json_t *p = export_fixture(rel), *ir = NULL;
	irx_convert_options o = {.allow_dynamic = allow_dynamic};
	*rc = irx_convert(&ir, p, &o, err);
	json_decref(p);
	return ir;
}

static json_t *ir_ok(const char *rel)
{
	irx_error err = {0};
	int rc;
	json_t *ir = ir_of(rel, 0, &err, &rc);
	if (rc)
		fail_msg("%s: %s: %s", rel, err.where, err.text);
	return ir;
}

static json_t *find_node(json_t *ir, const char *op)
{
	json_t *n;
	size_t i;
	json_array_foreach(json_object_get(ir, "nodes"), i, n)
		if (!strcmp(json_string_value(json_object_get(n, "op_type")), op))
			return n;
	fail_msg("no %s node", op);
	return NULL;
}

static void convert_conv2d_defaults_filled_in_schema_order(void **state)
{
	json_t *ir = ir_ok("t214/resnet18.pt2");
	json_t *conv = find_node(ir, "aten.conv2d.default");
	json_t *attrs = json_object_get(conv, "attrs");
	static const char *const order[] = {"bias", "stride", "padding", "dilation", "groups"};
	void *it = json_object_iter(attrs);
	for (int i = 0; i < 5; i++, it = json_object_iter_next(attrs, it))
		assert_string_equal(json_object_iter_key(it), order[i]);
	assert_true(json_is_null(json_object_get(attrs, "bias"))); /* bias=False: None */
	assert_int_equal(json_integer_value(json_array_get(json_object_get(attrs, "stride"), 0)),
			 2);
	/* dilation was left out of the archive: it comes from the schema */
	assert_int_equal(json_integer_value(json_array_get(json_object_get(attrs, "dilation"), 1)),
			 1);
	assert_int_equal(json_integer_value(json_object_get(attrs, "groups")), 1);
	assert_string_equal(json_string_value(json_object_get(conv, "schema")), "builtin");
	json_t *in = json_array_get(json_object_get(conv, "inputs"), 1);
	assert_string_equal(json_string_value(json_object_get(in, "arg")), "weight");
	assert_int_equal(json_integer_value(json_object_get(in, "arg_index")), 1);
	json_decref(ir);
}

static void convert_multi_output_producers(void **state)
{
	json_t *ir = ir_ok("t214/multi_out.pt2"), *n, *in;
	json_t *max = find_node(ir, "aten.max.dim");
	json_t *split = find_node(ir, "aten.split_with_sizes.default");
	size_t i, j;

	assert_int_equal(json_array_size(json_object_get(max, "outputs")), 2);
	json_t *idx = json_array_get(json_object_get(max, "outputs"), 1);
	assert_string_equal(json_string_value(json_object_get(idx, "dtype")), "int64");
	assert_int_equal(json_integer_value(json_object_get(idx, "output_index")), 1);
	json_t *s1 = json_array_get(json_object_get(split, "outputs"), 1);
	assert_int_equal(json_integer_value(json_object_get(s1, "list_index")), 1);
	assert_int_equal(json_integer_value(json_object_get(s1, "output_index")), 0);
	/* every consumer of a split piece names split and the piece's index */
	int seen = 0;
	json_array_foreach(json_object_get(ir, "nodes"), i, n)
		json_array_foreach(json_object_get(n, "inputs"), j, in)
			if (json_equal(json_object_get(in, "name"), json_object_get(s1, "name"))) {
				assert_true(json_equal(json_object_get(in, "producer_node"),
						       json_object_get(split, "name")));
				assert_int_equal(json_integer_value(json_object_get(
							 in, "producer_output_idx")),
						 1);
				seen = 1;
			}
	assert_true(seen);
	json_decref(ir);
}

static void convert_tensor_list_and_optional_list(void **state)
{
	json_t *ir = ir_ok("t214/llama.pt2");
	json_t *cat = find_node(ir, "aten.cat.default");
	assert_int_equal(json_integer_value(
				 json_object_get(json_object_get(cat, "tensor_lists"), "tensors")),
			 2);
	json_t *in1 = json_array_get(json_object_get(cat, "inputs"), 1);
	assert_string_equal(json_string_value(json_object_get(in1, "arg")), "tensors");
	assert_int_equal(json_integer_value(json_object_get(in1, "list_index")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(cat, "attrs"), "dim")),
			 -1);
	json_decref(ir);
}

static void convert_hop_bodies(void **state)
{
	json_t *ir = ir_ok("t214/hop_cond.pt2");
	json_t *cond = find_node(ir, "higher_order.cond");
	json_t *subs = json_object_get(cond, "subgraphs");
	assert_int_equal(json_object_size(subs), 2);
	json_t *t = json_object_get(subs, "true_graph_0");
	assert_true(json_array_size(json_object_get(t, "nodes")) > 0);
	assert_true(json_array_size(json_object_get(t, "graph_inputs")) > 0);
	assert_string_equal(
		json_string_value(json_object_get(
			json_object_get(json_object_get(cond, "attrs"), "true_fn"), "graph")),
		"true_graph_0");
	assert_string_equal(json_string_value(json_object_get(cond, "schema")), "none");
	json_decref(ir);
}

static void convert_weights_tied_and_constants(void **state)
{
	json_t *ir = ir_ok("t214/buffers.pt2");
	json_t *map = json_object_get(ir, "weight_name_mapping"), *c;
	size_t i;
	int nonpersistent = 0, constant = 0;
	json_array_foreach(json_object_get(ir, "constants"), i, c) {
		nonpersistent += json_is_false(json_object_get(c, "persistent"));
		constant +=
			!strcmp(json_string_value(json_object_get(c, "kind")), "constant_tensor");
		assert_non_null(
			json_object_get(map, json_string_value(json_object_get(c, "name"))));
	}
	assert_int_equal(nonpersistent, 1);
	assert_int_equal(constant, 1);
	json_decref(ir);
	ir = ir_ok("t214/tied.pt2");
	map = json_object_get(ir, "weight_name_mapping");
	assert_int_equal(json_object_size(map), json_array_size(json_object_get(ir, "weights")));
	json_decref(ir);
}

static void convert_dynamic_refused_then_kept(void **state)
{
	irx_error err = {0};
	int rc;
	json_t *ir = ir_of("t214/dynamic.pt2", 0, &err, &rc);
	assert_int_equal(rc, IRX_EUNSUPPORTED);
	assert_null(ir);
	assert_non_null(strstr(err.text, "'s77'"));
	assert_non_null(strstr(err.text, "1..1024"));
	assert_non_null(strstr(err.text, "sym_size_int_1"));
	ir = ir_of("t214/dynamic.pt2", 1, &err, &rc);
	assert_int_equal(rc, IRX_OK);
	json_t *x = json_array_get(json_object_get(ir, "graph_inputs"), 0);
	assert_string_equal(json_string_value(json_array_get(json_object_get(x, "shape"), 0)),
			    "s77");
	assert_non_null(json_object_get(json_object_get(ir, "symbols"), "s77"));
	json_decref(ir);
}

/* A symbol that range_constraints does not declare, in a symbolic value's
 * expression, is refused with or without allow_dynamic. */
static void convert_undeclared_symbol_is_an_error(void **state)
{
	json_t *p = export_fixture("t214/dynamic.pt2"), *ir;
	json_t *sv = json_object_get(json_object_get(p, "graph"), "sym_values");

	json_object_set_new(json_object_get(sv, "mul"), "value", json_string("2*s77 + max(1, q9)"));
	for (int dyn = 0; dyn < 2; dyn++) {
		irx_convert_options o = {.allow_dynamic = dyn};
		irx_error err = {0};
		assert_int_equal(irx_convert(&ir, p, &o, &err), IRX_EFORMAT);
		assert_null(ir);
		assert_non_null(strstr(err.text, "'q9'"));
		assert_null(strstr(err.text, "'max'"));
		assert_string_equal(err.where, "/graph/sym_values/mul/value");
	}
	json_decref(p);
}

static void convert_dangling_input_is_an_error(void **state)
{
	json_t *p = export_fixture("t214/mlp.pt2"), *ir;
	irx_error err = {0};
	json_t *node = json_array_get(json_object_get(json_object_get(p, "graph"), "nodes"), 1);
	json_t *arg = json_object_get(json_array_get(json_object_get(node, "inputs"), 0), "arg");
	json_object_set_new(arg, "tensor", json_string("nobody_made_me"));
	assert_int_equal(irx_convert(&ir, p, NULL, &err), IRX_EFORMAT);
	assert_non_null(strstr(err.text, "nobody_made_me"));
	assert_non_null(strstr(err.where, "/graph/nodes/1"));
	json_decref(p);
}

static void convert_is_deterministic(void **state)
{
	json_t *a = ir_ok("t214/mobilenet_v3_small.pt2"), *b = ir_ok("t214/mobilenet_v3_small.pt2");
	char *sa = NULL, *sb = NULL;
	size_t la, lb;
	FILE *fa = open_memstream(&sa, &la), *fb = open_memstream(&sb, &lb);
	irx_json_write(fa, a, IRX_JSON_PRETTY, NULL);
	irx_json_write(fb, b, IRX_JSON_PRETTY, NULL);
	fclose(fa), fclose(fb);
	assert_int_equal(la, lb);
	assert_memory_equal(sa, sb, la);
	free(sa), free(sb), json_decref(a), json_decref(b);
}

/* The document path's text: export, convert, write. */
static char *text_of_documents(const char *rel, const irx_convert_options *o, unsigned flags,
			       size_t *len)
{
	json_t *p = export_fixture(rel), *ir = NULL;
	irx_error err = {0};
	char *s = NULL;
	FILE *f = open_memstream(&s, len);

	if (irx_convert(&ir, p, o, &err))
		fail_msg("%s: %s: %s", rel, err.where, err.text);
	assert_int_equal(irx_json_write(f, ir, flags, NULL), IRX_OK);
	fclose(f);
	json_decref(p), json_decref(ir);
	return s;
}

/* irx_convert_archive_write's text, and its status. */
static char *text_of_archive(const char *path, const irx_convert_options *o, unsigned flags,
			     size_t *len, irx_status *rc, irx_error *err)
{
	irx_archive *a;
	char *s = NULL;
	FILE *f = open_memstream(&s, len);

	if (irx_archive_open(&a, path, err))
		fail_msg("%s: %s", path, err->text);
	*rc = irx_convert_archive_write(f, a, NULL, o, flags, err);
	fclose(f);
	irx_archive_free(a);
	return s;
}

/* One node at a time gives the documents' bytes: a subgraph (cond), tuple
 * outputs (multi_out), symbolic sizes (dynamic), a tied weight, buffer
 * mutations, both layouts
 * (t26 is the legacy flat zip), pretty and compact, hooks run. */
static void convert_archive_write_is_the_documents_text(void **state)
{
	static const char *const rels[] = {
		"t214/hop_cond.pt2", "t214/multi_out.pt2", "t214/dynamic.pt2",
		"t214/tied.pt2",     "t26/mlp.pt2",        "t214/mutation.pt2",
	};
	irx_convert_options o = {.allow_dynamic = 1};

	for (size_t i = 0; i < sizeof(rels) / sizeof(rels[0]); i++)
		for (unsigned flags = 0; flags <= IRX_JSON_PRETTY; flags++) {
			irx_error err = {0};
			irx_status rc;
			size_t la, lb;
			char *a = text_of_documents(rels[i], &o, flags, &la);
			char *b = text_of_archive(fixture(rels[i]), &o, flags, &lb, &rc, &err);
			if (rc)
				fail_msg("%s: %s: %s", rels[i], err.where, err.text);
			if (la != lb || memcmp(a, b, la))
				fail_msg("%s (flags %u): %zu bytes one node at a time, %zu through "
					 "the documents",
					 rels[i], flags, lb, la);
			free(a), free(b);
		}
}

/* A conversion that fails writes nothing, even after many nodes went well:
 * without --allow-dynamic, a symbolic size stops it. */
static void convert_archive_write_fails_writing_nothing(void **state)
{
	irx_error err = {0};
	irx_status rc;
	size_t len;
	char *s = text_of_archive(fixture("t214/dynamic.pt2"), NULL, IRX_JSON_PRETTY, &len, &rc,
				  &err);

	assert_int_equal(rc, IRX_EUNSUPPORTED);
	assert_non_null(strstr(err.text, "--allow-dynamic"));
	assert_int_equal(len, 0);
	free(s);
}

/* The conversion hook (register_op) changes nodes as they are made. */
static irx_status rename_relu(const json_t *program_node, json_t *node, void *user, irx_error *err)
{
	json_object_set_new(node, "op_type", json_string((const char *)user));
	return IRX_OK;
}

/* The nodes of IR whose op_type is OP. */
static size_t count_op(const json_t *ir, const char *op)
{
	size_t i, count = 0;
	json_t *n;

	json_array_foreach(json_object_get(ir, "nodes"), i, n)
		count += !strcmp(json_string_value(json_object_get(n, "op_type")), op);
	return count;
}

/* Hook sets are objects in the options: several in one process, none global. */
static void convert_hooks_are_per_conversion(void **state)
{
	json_t *program = export_fixture("t214/mlp.pt2"), *ir = NULL;
	irx_convert_options o = IRX_CONVERT_OPTIONS_INIT;
	irx_convert_hooks *a, *b;
	irx_error err = {0};

	assert_int_equal(irx_convert_hooks_new(&a, NULL), IRX_OK);
	assert_int_equal(irx_convert_hooks_new(&b, NULL), IRX_OK);
	assert_int_equal(
		irx_convert_hooks_add(a, "aten.relu.default", rename_relu, "mylib.relu", NULL),
		IRX_OK);
	assert_int_equal(irx_convert_hooks_add(b, "*", rename_relu, "mylib.any", NULL), IRX_OK);
	assert_int_equal(irx_convert_hooks_add(b, NULL, rename_relu, NULL, &err), IRX_EINVAL);
	o.hooks = a;
	assert_int_equal(irx_convert(&ir, program, &o, NULL), IRX_OK);
	assert_int_equal(count_op(ir, "aten.relu.default"), 0);
	assert_int_equal(count_op(ir, "mylib.relu"), 1);
	size_t n_nodes = json_array_size(json_object_get(ir, "nodes"));
	json_decref(ir);
	o.hooks = b;
	assert_int_equal(irx_convert(&ir, program, &o, NULL), IRX_OK);
	assert_int_equal(count_op(ir, "mylib.any"), n_nodes);
	json_decref(ir);
	irx_convert_hooks_free(a);
	irx_convert_hooks_free(b);
	/* without hooks, nothing is renamed */
	assert_int_equal(irx_convert(&ir, program, NULL, NULL), IRX_OK);
	assert_int_equal(count_op(ir, "aten.relu.default"), 1);
	json_decref(ir);
	json_decref(program);
}

static void convert_refuses_other_documents(void **state)
{
	json_t *doc = json_pack("{s:s}", "format", "something-else"), *ir;
	irx_error err = {0};
	assert_int_equal(irx_convert(&ir, doc, NULL, &err), IRX_EFORMAT);
	assert_string_equal(err.where, "/format");
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(convert_conv2d_defaults_filled_in_schema_order),
		cmocka_unit_test(convert_multi_output_producers),
		cmocka_unit_test(convert_tensor_list_and_optional_list),
		cmocka_unit_test(convert_hop_bodies),
		cmocka_unit_test(convert_weights_tied_and_constants),
		cmocka_unit_test(convert_dynamic_refused_then_kept),
		cmocka_unit_test(convert_undeclared_symbol_is_an_error),
		cmocka_unit_test(convert_dangling_input_is_an_error),
		cmocka_unit_test(convert_is_deterministic),
		cmocka_unit_test(convert_archive_write_is_the_documents_text),
		cmocka_unit_test(convert_archive_write_fails_writing_nothing),
		cmocka_unit_test(convert_refuses_other_documents),
		cmocka_unit_test(convert_hooks_are_per_conversion),
	};
	return cmocka_run_group_tests_name("convert", tests, NULL, NULL);
}
