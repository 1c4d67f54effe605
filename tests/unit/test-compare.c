/* test-compare: irx_compare, torch.allclose element by element, on tensors
 * of real torch.save files (tests/fixtures/tensors/t214): a tensor against
 * the same tensor read again, views against contiguous copies of them, and
 * copies with one element changed. */
#include "unit.h"

static irx_tensors *open_fixture(const char *rel)
{
	irx_tensors *t = NULL;
	irx_error err = {0};

	if (irx_tensors_open(&t, fixture(rel), NULL, &err) != IRX_OK)
		fail_msg("%s: %s", rel, err.text);
	return t;
}

static const irx_tensor *find(const irx_tensors *t, const char *name)
{
	const irx_tensor *x = irx_tensors_find(t, name);

	if (!x)
		fail_msg("no tensor '%s'", name);
	return x;
}

/* A contiguous copy of T in BUF (which must hold it), with row-major strides. */
struct copy {
	irx_tensor t;
	int64_t strides[IRX_TENSOR_MAX_DIMS];
	uint8_t buf[4096];
};

static void contiguous(struct copy *c, const irx_tensor *t)
{
	int64_t s = 1;

	assert_true(irx_tensor_nbytes(t) <= sizeof(c->buf));
	c->t = *t;
	for (int d = t->ndim - 1; d >= 0; d--) {
		c->strides[d] = s;
		s *= t->shape[d];
	}
	c->t.strides = c->strides;
	c->t.offset = 0;
	c->t.data = c->buf;
	irx_tensor_copy_contiguous(c->buf, t);
}

/* Tensor NAME of fixture REL (*T, to free), and a contiguous copy in C. */
static const irx_tensor *copy_of(irx_tensors **t, const char *rel, const char *name, struct copy *c)
{
	const irx_tensor *x;

	*t = open_fixture(rel);
	x = find(*t, name);
	contiguous(c, x);
	return x;
}

static irx_compare_result compare(const irx_tensor *got, const irx_tensor *want, double rtol,
				  double atol)
{
	irx_compare_result r;
	irx_error err = {0};

	memset(&r, 0xa5, sizeof(r));
	if (irx_compare(&r, got, want, rtol, atol, &err) != IRX_OK)
		fail_msg("irx_compare: %s", err.text);
	return r;
}

/* Every tensor of a state dict against itself read from a second open. */
static void compare_same_file_twice(void **state)
{
	irx_tensors *a = open_fixture("tensors/t214/state_dict.pt");
	irx_tensors *b = open_fixture("tensors/t214/state_dict.pt");

	assert_int_equal(irx_tensors_count(a), 9);
	for (size_t i = 0; i < irx_tensors_count(a); i++) {
		const irx_tensor *x = irx_tensors_at(a, i), *y = irx_tensors_at(b, i);
		irx_compare_result r = compare(x, y, -1, -1);

		assert_ptr_not_equal(x->data, y->data);
		assert_true(r.match);
		assert_false(r.shape_differs);
		assert_false(r.dtype_differs);
		assert_int_equal(r.count, x->numel);
		assert_int_equal(r.mismatched, 0);
		assert_true(r.max_abs == 0.0);
	}
	irx_tensors_free(a);
	irx_tensors_free(b);
}

/* Strided, offset and expanded views read element by element, in row-major
 * order: each equals its contiguous copy, and not another view's. */
static void compare_views(void **state)
{
	irx_tensors *t = open_fixture("tensors/t214/views.pt");
	const char *names[] = {"slice", "transposed", "stepped", "expanded", "narrowed"};
	struct copy c;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const irx_tensor *v = find(t, names[i]);
		contiguous(&c, v);
		irx_compare_result r = compare(v, &c.t, 0, 0);
		if (!r.match)
			fail_msg("%s: %llu of %llu elements differ from its copy", names[i],
				 (unsigned long long)r.mismatched, (unsigned long long)r.count);
		assert_int_equal(r.count, v->numel);
	}
	/* slice and expanded: both [3, 4] over one storage at other offsets */
	irx_compare_result r = compare(find(t, "slice"), find(t, "expanded"), 0, 0);
	assert_false(r.match);
	assert_false(r.shape_differs);
	assert_true(r.mismatched > 0);
	irx_tensors_free(t);
}

static void compare_shape_and_dtype_differ(void **state)
{
	irx_tensors *sd = open_fixture("tensors/t214/state_dict.pt");
	irx_tensors *dt = open_fixture("tensors/t214/dtypes.pt");
	irx_compare_result r;

	r = compare(find(sd, "conv.weight"), find(sd, "fc.weight"), -1, -1);
	assert_false(r.match);
	assert_true(r.shape_differs);
	r = compare(find(sd, "conv.bias"), find(sd, "bn.weight"), -1, -1); /* both [3] */
	assert_false(r.shape_differs);
	r = compare(find(dt, "float32"), find(dt, "float64"), -1, -1); /* both [2, 3] */
	assert_false(r.match);
	assert_true(r.dtype_differs);
	irx_tensors_free(sd);
	irx_tensors_free(dt);
}

/* One element of a real float32 tensor moved by 1e-3: beyond the default
 * 1e-4, within atol 1e-2; the report names it. */
static void compare_tolerance(void **state)
{
	irx_tensors *t;
	struct copy c;
	const irx_tensor *w = copy_of(&t, "tensors/t214/state_dict.pt", "conv.weight", &c);
	/* cppcheck-suppress invalidPointerCast ; c.buf holds float32 data */
	float *f = (float *)c.buf;
	irx_compare_result r = compare(&c.t, w, -1, -1);

	assert_true(r.match);
	float want5 = f[5];
	f[5] += 1e-3f;
	r = compare(&c.t, w, -1, -1);
	assert_false(r.match);
	assert_int_equal(r.mismatched, 1);
	assert_int_equal(r.count, 54);
	assert_int_equal(r.worst, 5);
	assert_true(r.worst_want == (double)want5);
	assert_true(r.worst_got == (double)f[5]);
	assert_true(fabs(r.max_abs - 1e-3) < 1e-5);
	assert_true(r.rtol == 1e-4 && r.atol == 1e-4);
	r = compare(&c.t, w, 0, 1e-2);
	assert_true(r.match);
	assert_int_equal(r.mismatched, 0);
	/* relative: |got - want| <= rtol * |want| */
	r = compare(&c.t, w, 2e-3 / fabs(want5), 0);
	assert_true(r.match);
	r = compare(&c.t, w, 0.5e-3 / fabs(want5), 0);
	assert_false(r.match);
	irx_tensors_free(t);
}

/* NaN matches NaN only, infinities match themselves (float32_nonfinite:
 * [1.5, nan, inf, -2.25, -inf, 0]). */
static void compare_nonfinite(void **state)
{
	irx_tensors *t;
	struct copy c;
	const irx_tensor *x = copy_of(&t, "tensors/t214/dtypes.pt", "float32_nonfinite", &c);
	/* cppcheck-suppress invalidPointerCast ; c.buf holds float32 data */
	float *f = (float *)c.buf;
	irx_compare_result r = compare(&c.t, x, -1, -1);

	assert_true(isnan(f[1]) && isinf(f[2]) && isinf(f[4]));
	assert_true(r.match);
	f[1] = 0.0f; /* a number where torch had NaN */
	r = compare(&c.t, x, 1e9, 1e9);
	assert_false(r.match);
	assert_int_equal(r.mismatched, 1);
	contiguous(&c, x);
	f[2] = -INFINITY; /* inf against -inf */
	r = compare(&c.t, x, 1e9, 1e9);
	assert_false(r.match);
	irx_tensors_free(t);
}

/* Integers compare exactly, whatever the tolerances asked. */
static void compare_integers_exact(void **state)
{
	irx_tensors *t;
	struct copy c;
	const irx_tensor *x = copy_of(&t, "tensors/t214/dtypes.pt", "int64", &c);
	irx_compare_result r = compare(&c.t, x, -1, -1);

	assert_true(r.match);
	assert_true(r.rtol == 0 && r.atol == 0);
	((int64_t *)c.buf)[3] += 1;
	r = compare(&c.t, x, -1, -1);
	assert_false(r.match);
	assert_int_equal(r.mismatched, 1);
	assert_int_equal(r.worst, 3);
	irx_tensors_free(t);
}

static void compare_defaults(void **state)
{
	double rtol, atol;

	irx_compare_defaults(&rtol, &atol, IRX_DTYPE_FLOAT32);
	assert_true(rtol == 1e-4 && atol == 1e-4);
	irx_compare_defaults(&rtol, &atol, IRX_DTYPE_FLOAT16);
	assert_true(rtol == 1e-3 && atol == 1e-3);
	irx_compare_defaults(&rtol, &atol, IRX_DTYPE_BFLOAT16);
	assert_true(rtol == 1.6e-2);
	irx_compare_defaults(&rtol, &atol, IRX_DTYPE_INT64);
	assert_true(rtol == 0 && atol == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(compare_same_file_twice),
		cmocka_unit_test(compare_views),
		cmocka_unit_test(compare_shape_and_dtype_differ),
		cmocka_unit_test(compare_tolerance),
		cmocka_unit_test(compare_nonfinite),
		cmocka_unit_test(compare_integers_exact),
		cmocka_unit_test(compare_defaults),
	};
	return cmocka_run_group_tests_name("compare", tests, NULL, NULL);
}
