/*
 * test-exec.c: the C face of libtorch (irx/torch.h) and the executor
 * registry (irx/exec.h), against whichever libtorch is linked.
 */
#include "unit.h"

#include "irx/exec.h"
#include "irx/torch.h"

static irx_th *tensor_of(const float *v, const int64_t *shape, const int64_t *strides, int ndim,
			 int64_t numel)
{
	irx_tensor t = {.name = "t",
			.dtype = IRX_DTYPE_FLOAT32,
			.ndim = ndim,
			.shape = shape,
			.strides = strides,
			.numel = numel,
			.data = (const uint8_t *)v};
	irx_th *h = NULL;

	assert_int_equal(irx_th_from_view(&h, &t, NULL), 0);
	return h;
}

/* Borrowed in: the tensor is the caller's bytes, not a copy of them. */
static void views_are_not_copies(void **state)
{
	float v[6] = {1, 2, 3, 4, 5, 6};
	const int64_t shape[2] = {2, 3}, strides[2] = {3, 1};
	irx_th *h = tensor_of(v, shape, strides, 2, 6);
	irx_tensor back;

	(void)state;
	irx_th_view(&back, h);
	assert_ptr_equal(back.data, (const uint8_t *)v);
	assert_int_equal(back.dtype, IRX_DTYPE_FLOAT32);
	assert_int_equal(back.ndim, 2);
	assert_int_equal(back.shape[1], 3);
	irx_th_free(h);
}

/* A boxed call by schema name, defaults from the live schema. */
static void operators_are_called_by_name(void **state)
{
	float a[3] = {1, 2, 3}, b[3] = {10, 20, 30};
	const int64_t shape[1] = {3}, strides[1] = {1};
	irx_th *x = tensor_of(a, shape, strides, 1, 3), *y = tensor_of(b, shape, strides, 1, 3);
	irx_th_arg args[] = {
		{"self", {.kind = IRX_TH_TENSOR, .u.t = x}},
		{"other", {.kind = IRX_TH_TENSOR, .u.t = y}},
		/* alpha left out: the schema's default, 1 */
	};
	irx_th_results *r = NULL;
	irx_th_op *op = NULL;
	irx_tensor out;
	float got[3];

	(void)state;
	assert_int_equal(irx_th_op_find(&op, "aten::add", "Tensor", NULL), 0);
	assert_non_null(strstr(irx_th_op_schema(op), "alpha"));
	assert_int_equal(irx_th_op_call(&r, op, args, 2, NULL), 0);
	assert_int_equal(irx_th_results_count(r), 1);
	irx_th_view(&out, irx_th_results_at(r, 0)->u.t);
	memcpy(got, out.data, sizeof(got));
	assert_true(got[0] == 11 && got[1] == 22 && got[2] == 33);
	irx_th_results_free(r);
	irx_th_op_free(op);
	irx_th_free(x);
	irx_th_free(y);
}

/* libtorch's exceptions come back as one line, never a backtrace. */
static void errors_are_one_line(void **state)
{
	float a[3] = {1, 2, 3};
	const int64_t s3[1] = {3}, s2[1] = {2}, st[1] = {1};
	irx_th *x = tensor_of(a, s3, st, 1, 3), *y = tensor_of(a, s2, st, 1, 2);
	irx_th_arg args[] = {
		{"self", {.kind = IRX_TH_TENSOR, .u.t = x}},
		{"other", {.kind = IRX_TH_TENSOR, .u.t = y}},
	};
	irx_error err = {0};
	irx_th_results *r = NULL;
	irx_th_op *op = NULL;

	(void)state;
	assert_int_equal(irx_th_op_find(&op, "aten::add", "Tensor", NULL), 0);
	assert_int_not_equal(irx_th_op_call(&r, op, args, 2, &err), 0);
	assert_null(r);
	assert_null(strchr(err.text, '\n'));
	assert_non_null(strstr(err.text, "size"));
	memset(&err, 0, sizeof(err));
	assert_int_equal(irx_th_op_call(&r, op, args, 1, &err), IRX_EINVAL); /* other missing */
	assert_non_null(strstr(err.text, "'other'"));
	irx_th_op_free(op);
	memset(&err, 0, sizeof(err));
	assert_int_equal(irx_th_op_find(&op, "aten::no_such_op", "", &err), IRX_EUNSUPPORTED);
	assert_non_null(strstr(err.text, "no_such_op"));
	irx_th_free(x);
	irx_th_free(y);
}

static void values_of(float *got, size_t n, const irx_th *t)
{
	irx_tensor v;

	assert_non_null(t);
	irx_th_view(&v, t);
	assert_int_equal(v.numel, (int64_t)n);
	memcpy(got, v.data, n * sizeof(*got));
}

/* A prepared call keeps its attrs and defaults, and takes new tensors at
 * each run; picks name tensors among the results, NULL where there is none. */
static void prepared_calls_take_new_tensors(void **state)
{
	float a[3] = {1, 2, 3}, b[3] = {10, 20, 30}, c[3] = {100, 200, 300}, got[3];
	const int64_t shape[1] = {3}, strides[1] = {1};
	irx_th *x = tensor_of(a, shape, strides, 1, 3), *y = tensor_of(b, shape, strides, 1, 3);
	irx_th *z = tensor_of(c, shape, strides, 1, 3), *out[3];
	irx_th_arg args[] = {
		{"self", {.kind = IRX_TH_TENSOR}},
		{"alpha", {.kind = IRX_TH_INT, .u.i = 2}},
		{"other", {.kind = IRX_TH_TENSOR}},
	};
	const irx_th_pick picks[3] = {{0, 0, 0}, {1, 0, 0}, {0, 1, 0}};
	irx_error err = {0};
	irx_th_call *call = NULL;
	irx_th_op *op = NULL;

	(void)state;
	assert_int_equal(irx_th_op_find(&op, "aten::add", "Tensor", NULL), 0);
	assert_int_equal(irx_th_call_new(&call, op, args, 3, NULL), 0);
	irx_th_op_free(op); /* the call does not borrow it */
	args[0].value.u.t = x, args[2].value.u.t = y;
	assert_int_equal(irx_th_call_run(out, call, args, 3, picks, 3, NULL), 0);
	values_of(got, 3, out[0]);
	assert_true(got[0] == 21 && got[1] == 42 && got[2] == 63); /* alpha kept */
	assert_null(out[1]);                                       /* one result only */
	assert_null(out[2]);                                       /* a tensor, not a list */
	irx_th_free(out[0]);
	args[0].value.u.t = z; /* the next run's tensors */
	assert_int_equal(irx_th_call_run(out, call, args, 3, picks, 1, NULL), 0);
	values_of(got, 3, out[0]);
	assert_true(got[0] == 120 && got[1] == 240 && got[2] == 360);
	irx_th_free(out[0]);
	assert_int_equal(irx_th_call_run(out, call, args, 2, picks, 1, &err), IRX_EINVAL);
	assert_null(out[0]);
	irx_th_call_free(call);

	/* a number for a Tensor parameter is made a tensor at each run */
	args[2].value.kind = IRX_TH_FLOAT, args[2].value.u.f = 0.5;
	assert_int_equal(irx_th_op_find(&op, "aten::add", "Tensor", NULL), 0);
	assert_int_equal(irx_th_call_new(&call, op, args, 3, NULL), 0);
	args[0].value.u.t = x;
	assert_int_equal(irx_th_call_run(out, call, args, 3, picks, 1, NULL), 0);
	values_of(got, 3, out[0]);
	assert_true(got[0] == 2 && got[1] == 3 && got[2] == 4);
	irx_th_free(out[0]);
	irx_th_call_free(call);

	/* what irx_th_op_call would refuse, refused when preparing */
	memset(&err, 0, sizeof(err));
	assert_int_equal(irx_th_call_new(&call, op, args, 2, &err), IRX_EINVAL);
	assert_null(call);
	assert_non_null(strstr(err.text, "'other'"));
	irx_th_op_free(op);

	/* a returned tensor list: one result, its elements picked */
	irx_th_arg split[] = {
		{"self", {.kind = IRX_TH_TENSOR}},
		{"split_size", {.kind = IRX_TH_INT, .u.i = 1}},
	};
	const irx_th_pick elems[3] = {{0, 1, 2}, {0, 1, 3}, {0, 0, 0}};
	assert_int_equal(irx_th_op_find(&op, "aten::split", "Tensor", NULL), 0);
	assert_int_equal(irx_th_call_new(&call, op, split, 2, NULL), 0);
	split[0].value.u.t = y;
	assert_int_equal(irx_th_call_run(out, call, split, 2, elems, 3, NULL), 0);
	values_of(got, 1, out[0]);
	assert_true(got[0] == 30);
	assert_null(out[1]); /* past the end of the list */
	assert_null(out[2]); /* a list, not a tensor */
	irx_th_free(out[0]);
	irx_th_call_free(call);
	irx_th_op_free(op);
	irx_th_free(x);
	irx_th_free(y);
	irx_th_free(z);
}

/* A user's executor for a custom operator runs in place of the dispatcher. */
static irx_status twice(irx_exec_call *c, void *user, irx_error *err)
{
	irx_th_arg args[] = {
		{"self", {.kind = IRX_TH_TENSOR, .u.t = irx_exec_call_arg(c, "x", 0)}},
		{"other", {.kind = IRX_TH_FLOAT, .u.f = *(const double *)user}},
	};
	irx_th_results *r;
	irx_status rc = irx_exec_call_op(&r, c, "aten.mul.Scalar", args, 2, err);

	if (!rc)
		rc = irx_exec_call_set_output(c, 0, irx_th_retain(irx_th_results_at(r, 0)->u.t),
					      err);
	irx_th_results_free(r);
	return rc;
}

static const char *const custom_ir =
	"{\"format\": \"irx-ir\", \"format_version\": 1, \"model_name\": \"m\","
	" \"graph_inputs\": [{\"name\": \"x\", \"shape\": [3], \"dtype\": \"float32\"}],"
	" \"graph_outputs\": [{\"name\": \"y\", \"shape\": [3], \"dtype\": \"float32\"}],"
	" \"weights\": [], \"constants\": [], \"weight_name_mapping\": {},"
	" \"nodes\": [{\"name\": \"t\", \"op_type\": \"mylib.twice.default\","
	"   \"inputs\": [{\"name\": \"x\", \"arg\": \"x\", \"arg_index\": 0}],"
	"   \"outputs\": [{\"name\": \"y\", \"shape\": [3], \"dtype\": \"float32\", \"output_index\": 0}],"
	"   \"attrs\": {}}]}";

/* Plan IR with the executor set S and run it on [1, 2, 4]: the first output. */
static float run_custom(const json_t *ir, const irx_executors *s, float want0)
{
	float a[3] = {1, 2, 4};
	const int64_t shape[1] = {3}, strides[1] = {1};
	irx_exec_options o = IRX_EXEC_OPTIONS_INIT;
	irx_exec *x = NULL;
	irx_th *in;
	irx_tensor out;
	float got[3];

	o.executors = s;
	assert_int_equal(irx_exec_new(&x, ir, &o, NULL), 0);
	assert_int_equal(irx_exec_bind(x, NULL, 0, NULL), 0);
	in = tensor_of(a, shape, strides, 1, 3);
	assert_int_equal(irx_exec_run(x, &in, 1, NULL), 0);
	irx_th_view(&out, irx_exec_result(x, 0));
	memcpy(got, out.data, sizeof(got));
	assert_true(got[0] == want0 && got[1] == 2 * want0 && got[2] == 4 * want0);
	irx_th_free(in);
	irx_exec_free(x);
	return got[0];
}

/* Executor sets are objects: two in one process, each with its own
 * executor for one op_type, and nothing global left behind. */
static void custom_executors_run(void **state)
{
	static const double factor = 2.5, other = 3;
	json_t *ir = json_loads(custom_ir, 0, NULL);
	irx_executors *s, *t;
	irx_error err = {0};
	irx_exec *x = NULL;

	(void)state;
	assert_non_null(ir);
	/* no executor: planning names the operator and refuses */
	assert_int_equal(irx_exec_new(&x, ir, NULL, &err), IRX_EUNSUPPORTED);
	assert_non_null(strstr(err.text, "mylib.twice.default"));
	assert_int_equal(irx_executors_new(&s, NULL), 0);
	assert_int_equal(irx_executors_new(&t, NULL), 0);
	assert_int_equal(irx_executors_add(s, "mylib.twice.default", twice, (void *)&factor, NULL),
			 0);
	assert_int_equal(irx_executors_add(t, "mylib.twice.default", twice, (void *)&factor, NULL),
			 0);
	/* adding an op_type again replaces its executor */
	assert_int_equal(irx_executors_add(t, "mylib.twice.default", twice, (void *)&other, NULL),
			 0);
	irx_error_clear(&err);
	assert_int_equal(irx_executors_add(t, NULL, twice, NULL, &err), IRX_EINVAL);
	run_custom(ir, s, 2.5f);
	run_custom(ir, t, 3.0f);
	irx_executors_free(s);
	irx_executors_free(t);
	/* the sets are gone, and so are their executors */
	irx_error_clear(&err);
	assert_int_equal(irx_exec_new(&x, ir, NULL, &err), IRX_EUNSUPPORTED);
	json_decref(ir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(views_are_not_copies),
		cmocka_unit_test(operators_are_called_by_name),
		cmocka_unit_test(errors_are_one_line),
		cmocka_unit_test(prepared_calls_take_new_tensors),
		cmocka_unit_test(custom_executors_run),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
