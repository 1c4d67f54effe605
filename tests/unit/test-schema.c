/* test-schema: schema strings, defaults, lookup in the built-in table,
 * alias annotations (graph/schema-alias.c, built into the test). */
#include "unit.h"
#include "graph/graph.h"

static void schema_parse_conv2d(void **state)
{
	irx_schema *s;
	irx_error err = {0};

	assert_int_equal(
		irx_schema_parse(&s,
				 "aten::conv2d(Tensor input, Tensor weight, Tensor? bias=None, "
				 "SymInt[2] stride=[1, 1], SymInt[2] padding=[0, 0], "
				 "SymInt[2] dilation=[1, 1], SymInt groups=1) -> Tensor",
				 &err),
		IRX_OK);
	assert_string_equal(s->name, "aten::conv2d");
	assert_string_equal(s->overload, "");
	assert_int_equal(s->n_args, 7);
	assert_int_equal(s->args[0].cls, IRX_ARG_TENSOR);
	assert_int_equal(s->args[2].cls, IRX_ARG_OPTIONAL_TENSOR);
	assert_true(json_is_null(s->args[2].default_value));
	assert_int_equal(json_array_size(s->args[5].default_value), 2);
	assert_int_equal(json_integer_value(s->args[6].default_value), 1);
	assert_int_equal(s->n_returns, 1);
	irx_schema_free(s);
}

static void schema_old_style_scalar_list_default_broadcasts(void **state)
{
	/* libtorch 1.13 writes int[2] stride=1 for [1, 1] */
	irx_schema *s;
	irx_error err = {0};
	assert_int_equal(
		irx_schema_parse(
			&s,
			"aten::max_pool2d(Tensor self, int[2] kernel_size, int[2] stride=[], "
			"int[2] padding=0, int[2] dilation=1, bool ceil_mode=False) -> Tensor",
			&err),
		IRX_OK);
	assert_int_equal(json_array_size(s->args[2].default_value), 0);
	json_t *pad = (json_t *)s->args[3].default_value;
	assert_int_equal(json_array_size(pad), 2);
	assert_int_equal(json_integer_value(json_array_get(pad, 1)), 0);
	assert_true(json_is_false(s->args[5].default_value));
	irx_schema_free(s);
}

static void schema_alias_types_returns_and_kwargs(void **state)
{
	irx_schema *s;
	irx_error err = {0};
	assert_int_equal(
		irx_schema_parse(
			&s,
			"aten::split.Tensor(Tensor(a -> *) self, SymInt split_size, int dim=0) "
			"-> Tensor(a)[]",
			&err),
		IRX_OK);
	assert_string_equal(s->overload, "Tensor");
	assert_string_equal(s->args[0].type, "Tensor(a -> *)");
	assert_string_equal(s->args[0].name, "self");
	assert_int_equal(irx_schema_type_class(s->return_types[0]), IRX_ARG_TENSOR_LIST);
	irx_schema_free(s);
	assert_int_equal(
		irx_schema_parse(&s,
				 "aten::max.dim(Tensor self, int dim, bool keepdim=False) -> "
				 "(Tensor values, Tensor indices)",
				 &err),
		IRX_OK);
	assert_int_equal(s->n_returns, 2);
	assert_string_equal(s->return_names[1], "indices");
	irx_schema_free(s);
	assert_int_equal(
		irx_schema_parse(
			&s,
			"aten::add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor",
			&err),
		IRX_OK);
	assert_false(s->args[1].kwarg_only);
	assert_true(s->args[2].kwarg_only);
	irx_schema_free(s);
	assert_int_equal(irx_schema_type_class("Tensor?[]"), IRX_ARG_OPTIONAL_TENSOR_LIST);
	assert_int_equal(irx_schema_type_class("ScalarType?"), IRX_ARG_VALUE);
}

static void schema_defaults_of_every_kind(void **state)
{
	irx_schema *s;
	irx_error err = {0};
	assert_int_equal(irx_schema_parse(&s,
					  "m::f(Tensor x, float eps=1e-05, ScalarType dtype=long, "
					  "str mode=\"mean\", int reduction=Mean, float lo=-inf, "
					  "MemoryFormat f=contiguous_format) -> Tensor",
					  &err),
			 IRX_OK);
	assert_true(json_real_value(s->args[1].default_value) == 1e-05);
	assert_string_equal(json_string_value(s->args[2].default_value), "int64");
	assert_string_equal(json_string_value(s->args[3].default_value), "mean");
	assert_int_equal(json_integer_value(s->args[4].default_value), 1);
	assert_string_equal(json_string_value(s->args[5].default_value), "-Infinity");
	assert_string_equal(json_string_value(s->args[6].default_value), "contiguous_format");
	irx_schema_free(s);
}

static void schema_bad_strings_fail(void **state)
{
	irx_schema *s;
	irx_error err = {0};
	assert_int_equal(irx_schema_parse(&s, "no parenthesis", &err), IRX_EFORMAT);
	irx_error_clear(&err);
	assert_int_equal(irx_schema_parse(&s, "a::b(Tensor x", &err), IRX_EFORMAT);
	irx_error_clear(&err);
	assert_int_equal(irx_schema_parse(&s, "a::b(Tensor x)", &err), IRX_EFORMAT);
}

static void schema_builtin_lookup(void **state)
{
	irx_schema_registry *r;
	const irx_schema *s;
	enum irx_schema_origin origin;
	irx_error err = {0};

	assert_true(irx_schema_builtin_count() > 3000);
	assert_int_equal(irx_schema_registry_new(&r, &err), IRX_OK);
	assert_int_equal(irx_schema_registry_lookup(&s, &origin, r, "aten.conv2d.default", &err),
			 IRX_OK);
	assert_non_null(s);
	assert_int_equal(origin, IRX_SCHEMA_BUILTIN);
	assert_string_equal(s->args[6].name, "groups");
	assert_int_equal(irx_schema_registry_lookup(&s, &origin, r, "aten.add.Tensor", &err),
			 IRX_OK);
	assert_string_equal(s->overload, "Tensor");
	assert_int_equal(
		irx_schema_registry_lookup(
			&s, &origin, r, "aten._native_batch_norm_legit_no_training.default", &err),
		IRX_OK);
	assert_int_equal(s->n_returns, 3);
	/* not schema operators */
	assert_int_equal(irx_schema_registry_lookup(&s, &origin, r, "higher_order.cond", &err),
			 IRX_OK);
	assert_null(s);
	assert_int_equal(irx_schema_registry_lookup(&s, &origin, r, "mylib.custom.default", &err),
			 IRX_OK);
	assert_null(s);
	assert_int_equal(origin, IRX_SCHEMA_NONE);
	irx_schema_registry_free(r);
}

static void schema_user_file_adds_and_overrides(void **state)
{
	char path[] = "/tmp/irx-schemas-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	irx_schema_registry *r;
	const irx_schema *s;
	enum irx_schema_origin origin;
	irx_error err = {0};

	fputs("# custom operators\n\nmylib::scale(Tensor x, float factor=2.0) -> Tensor\n", f);
	fclose(f);
	assert_int_equal(irx_schema_registry_new(&r, &err), IRX_OK);
	assert_int_equal(irx_schema_registry_add_file(r, path, &err), IRX_OK);
	assert_int_equal(irx_schema_registry_lookup(&s, &origin, r, "mylib.scale.default", &err),
			 IRX_OK);
	assert_non_null(s);
	assert_int_equal(origin, IRX_SCHEMA_USER);
	assert_true(json_real_value(s->args[1].default_value) == 2.0);
	irx_schema_registry_free(r);
	f = fopen(path, "w");
	fputs("mylib::broken(Tensor x\n", f);
	fclose(f);
	assert_int_equal(irx_schema_registry_new(&r, &err), IRX_OK);
	assert_int_equal(irx_schema_registry_add_file(r, path, &err), IRX_EFORMAT);
	assert_string_equal(err.where, "line 1");
	irx_schema_registry_free(r);
	unlink(path);
}

/* data/aten-schemas.txt, the table built into libirx, for reading. */
static FILE *open_builtin_table(void)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/data/aten-schemas.txt", IRX_SRCDIR);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	return f;
}

/* The next schema of the table F, its text in LINE (SIZE bytes), or NULL at
 * the end; fails the test on one that does not parse. */
static irx_schema *next_builtin(FILE *f, char *line, int size)
{
	irx_schema *s;
	irx_error err = {0};

	do {
		if (!fgets(line, size, f))
			return NULL;
	} while (line[0] == '#');
	line[strcspn(line, "\n")] = '\0';
	if (irx_schema_parse(&s, line, &err))
		fail_msg("%s: %s", line, err.text);
	return s;
}

static void schema_every_builtin_parses(void **state)
{
	char line[8192];
	size_t n = 0;
	FILE *f = open_builtin_table();
	irx_schema *s;
	while ((s = next_builtin(f, line, sizeof(line)))) {
		irx_schema_free(s);
		n++;
	}
	fclose(f);
	assert_int_equal(n, irx_schema_builtin_count());
}

static void schema_string_defaults_and_varargs(void **state)
{
	irx_schema *s;
	irx_error err = {0};
	assert_int_equal(
		irx_schema_parse(&s, "m::f(str a=\"\\n\", str q=\"\\\"x)\", int n=1) -> str", &err),
		IRX_OK);
	assert_string_equal(json_string_value(s->args[0].default_value), "\n");
	assert_string_equal(json_string_value(s->args[1].default_value), "\"x)");
	assert_int_equal(json_integer_value(s->args[2].default_value), 1);
	irx_schema_free(s);
	assert_int_equal(irx_schema_parse(&s, "aten::format(str self, ...) -> str", &err), IRX_OK);
	assert_int_equal(s->n_args, 1);
	irx_schema_free(s);
	assert_true(irx_schema_is_operator("aten.add.Tensor"));
	assert_false(irx_schema_is_operator("higher_order.cond"));
	assert_false(
		irx_schema_is_operator("torch._functorch.predispatch.lazy_load_decompositions"));
}

/* The operator policy (op-policy.c) over torch 2.14's own schemas: the
 * operators that reach files, print, seed or only check are refused, and
 * nothing else of aten and prims is (the exporter's assertions run as
 * irx's executors). */
static void schema_refusal_policy(void **state)
{
	/* Tables, laid out by hand */
	/* clang-format off */
	static const char *const refused[] = {
		"aten::_assert_async", "aten::_assert_async.msg", "aten::_assert_scalar",
		"aten::_assert_tensor_metadata", "aten::_backward", "aten::_cufft_clear_plan_cache",
		"aten::_cufft_set_plan_cache_max_size", "aten::_linalg_check_errors", "aten::_print",
		"aten::_propagate_xla_data", "aten::_validate_compressed_sparse_indices",
		"aten::_validate_sparse_bsc_tensor_args", "aten::_validate_sparse_bsr_tensor_args",
		"aten::_validate_sparse_compressed_tensor_args", "aten::_validate_sparse_coo_tensor_args",
		"aten::_validate_sparse_csc_tensor_args", "aten::_validate_sparse_csr_tensor_args",
		"aten::backward", "aten::backward.TensorList", "aten::dist_backward", "aten::from_file",
		"aten::from_file.out", "aten::manual_seed", "aten::save", "aten::set_grad_enabled",
		"aten::sym_constrain_range", "aten::sym_constrain_range_for_size", "aten::warn",
		"prims::_sink_tokens",
	};
	static const struct { const char *text, *why; } made_up[] = {
		{"quantized::add(Tensor qa, Tensor qb, float scale, int zero_point) -> Tensor qc", "namespace"},
		{"prim::Print(...) -> ()", "namespace"},
		{"aten::load(str? path=None) -> Tensor", "file name"},
		{"aten::dump(Tensor x, str[] dirs) -> Tensor", "file name"},
		{"aten::scatter_reduce.two(Tensor self, int dim, Tensor index, Tensor src, str reduce) -> Tensor", NULL},
		{"aten::add_.Tensor(Tensor(a!) self, Tensor other, *, Scalar alpha=1) -> Tensor(a!)", NULL},
		{"aten::_foreach_add_.Scalar(Tensor(a!)[] self, Scalar scalar) -> ()", NULL},
	};
	/* clang-format on */
	char line[8192], name[512];
	size_t n = 0;
	FILE *f = open_builtin_table();
	irx_schema *s;
	while ((s = next_builtin(f, line, sizeof(line)))) {
		int listed = 0;
		snprintf(name, sizeof(name), "%s%s%s", s->name, *s->overload ? "." : "",
			 s->overload);
		for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
			listed |= !strcmp(refused[i], name);
		if (listed != !!irx_schema_refusal(s))
			fail_msg("%s: %s", line, listed ? "not refused" : irx_schema_refusal(s));
		n += listed;
		irx_schema_free(s);
	}
	fclose(f);
	assert_int_equal(n, sizeof(refused) / sizeof(refused[0]));
	for (size_t i = 0; i < sizeof(made_up) / sizeof(made_up[0]); i++) {
		const char *why;
		assert_int_equal(irx_schema_parse(&s, made_up[i].text, NULL), IRX_OK);
		why = irx_schema_refusal(s);
		/* cppcheck-suppress nullPointerRedundantCheck ; false positive: why checked first */
		if (made_up[i].why ? !why || !strstr(why, made_up[i].why) : why != NULL)
			fail_msg("%s: %s", made_up[i].text, why ? why : "not refused");
		irx_schema_free(s);
	}
}

/* In place: writes self and returns it (or nothing); a view: returns what
 * shares self's storage without writing it.  convert.c's question. */
static int writes_self(const irx_schema *s)
{
	return graph_schema_writes_arg(s, 0) &&
	       (!s->n_returns || graph_schema_return_aliases_arg(s, 0, 0));
}

static int views_self(const irx_schema *s)
{
	return !graph_schema_writes_arg(s, 0) && graph_schema_return_aliases_arg(s, 0, 0);
}

static void schema_alias_annotations_of_the_table(void **state)
{
	/* clang-format off */
	static const struct { const char *op; int inplace, view; } ops[] = {
		{"aten.add_.Tensor", 1, 0},      {"aten.add.Tensor", 0, 0},
		{"aten.copy_.default", 1, 0},    {"aten.clone.default", 0, 0},
		{"aten.split.Tensor", 0, 1},     {"aten.unbind.int", 0, 1},
		{"aten.select.int", 0, 1},       {"aten.chunk.default", 0, 1},
		{"aten.split_with_sizes.default", 0, 1},
		{"aten.as_strided.default", 0, 1}, {"aten.view_as.default", 0, 1},
		{"aten.expand_as.default", 0, 1}, {"aten.movedim.int", 0, 1},
		{"aten.swapaxes.default", 0, 1}, {"aten.unfold.default", 0, 1},
		{"aten.detach.default", 0, 1},   {"aten.to.prim_dtype", 0, 1},
		{"aten.mul_.Tensor", 1, 0},      {"aten.index_put_.default", 1, 0},
		{"aten.set_data.default", 1, 0}, {"aten._foreach_add_.Scalar", 1, 0},
		{"aten.add.out", 0, 0},          {"aten.relu.default", 0, 0},
		{"aten._flash_attention_forward_no_dropout_inplace.default", 0, 0},
	};
	/* clang-format on */
	irx_schema_registry *r;
	const irx_schema *s;
	irx_error err = {0};

	assert_int_equal(irx_schema_registry_new(&r, &err), IRX_OK);
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		assert_int_equal(irx_schema_registry_lookup(&s, NULL, r, ops[i].op, &err), IRX_OK);
		if (!s)
			fail_msg("%s: no schema", ops[i].op);
		if (writes_self(s) != ops[i].inplace || views_self(s) != ops[i].view)
			fail_msg("%s: in place %d, view %d; expected %d, %d", s->text,
				 writes_self(s), views_self(s), ops[i].inplace, ops[i].view);
	}
	/* the out= variant writes its out argument, not self; an in-place op's
	 * other tensors are read */
	assert_int_equal(irx_schema_registry_lookup(&s, NULL, r, "aten.add.out", &err), IRX_OK);
	assert_true(graph_schema_writes_arg(s, 3));
	assert_true(graph_schema_return_aliases_arg(s, 0, 3));
	assert_false(graph_schema_return_aliases_arg(s, 0, 0));
	assert_int_equal(irx_schema_registry_lookup(&s, NULL, r, "aten.add_.Tensor", &err), IRX_OK);
	assert_false(graph_schema_writes_arg(s, 1));
	assert_false(graph_schema_return_aliases_arg(s, 0, 1));
	/* out of range, not a tensor, no schema */
	assert_false(graph_schema_writes_arg(s, 9));
	assert_false(graph_schema_return_aliases_arg(s, 1, 0));
	assert_false(graph_schema_writes_arg(NULL, 0));
	assert_false(graph_schema_return_aliases_arg(NULL, 0, 0));
	assert_int_equal(irx_schema_registry_lookup(&s, NULL, r, "aten.add_.t", &err), IRX_OK);
	assert_false(graph_schema_writes_arg(s, 0)); /* t[](a!): a list, not a tensor */
	irx_schema_registry_free(r);
}

/* Every ATen operator named in place ("add_", "uniform_") whose self is a
 * tensor says so in its annotation, but one: the two agree over the whole
 * table, so every form of annotation in it is read. */
static void schema_alias_inplace_names_agree(void **state)
{
	char line[8192];
	size_t named = 0;
	FILE *f = open_builtin_table();
	irx_schema *s;
	while ((s = next_builtin(f, line, sizeof(line)))) {
		size_t n = strlen(s->name);
		int inplace_name = !strncmp(s->name, "aten::", 6) && n > 7 &&
				   s->name[n - 1] == '_' && s->name[n - 2] != '_';
		if (inplace_name && s->n_args && s->args[0].cls == IRX_ARG_TENSOR) {
			/* a TorchScript helper that libtorch does not annotate */
			int unannotated = !strcmp(s->name, "aten::_no_grad_embedding_renorm_");
			named++;
			if (writes_self(s) == unannotated)
				fail_msg("%s: in place by its name, %d by its annotation", line,
					 writes_self(s));
		}
		irx_schema_free(s);
	}
	fclose(f);
	assert_true(named > 200);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(schema_parse_conv2d),
		cmocka_unit_test(schema_old_style_scalar_list_default_broadcasts),
		cmocka_unit_test(schema_alias_types_returns_and_kwargs),
		cmocka_unit_test(schema_defaults_of_every_kind),
		cmocka_unit_test(schema_bad_strings_fail),
		cmocka_unit_test(schema_builtin_lookup),
		cmocka_unit_test(schema_user_file_adds_and_overrides),
		cmocka_unit_test(schema_every_builtin_parses),
		cmocka_unit_test(schema_string_defaults_and_varargs),
		cmocka_unit_test(schema_refusal_policy),
		cmocka_unit_test(schema_alias_annotations_of_the_table),
		cmocka_unit_test(schema_alias_inplace_names_agree),
	};
	return cmocka_run_group_tests_name("schema", tests, NULL, NULL);
}
