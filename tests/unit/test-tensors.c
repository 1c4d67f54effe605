/*
 * test-tensors.c: every tensor fixture read by libirx, held against the
 * oracle torch wrote beside it (tests/fixtures/tensors/gen_tensors.py):
 * names, dtypes, shapes, strides, offsets, storage sharing, flags,
 * statistics, and every value of small tensors.
 */
#include "unit.h"

#include <dirent.h>

static const char *const versions[] = {"t113", "t26", "t214"};

/* An oracle value as a double ("nan", "inf" and "-inf" are strings). */
static double oracle_num(const json_t *v)
{
	const char *s = json_string_value(v);

	if (s)
		return !strcmp(s, "nan") ? NAN : !strcmp(s, "inf") ? INFINITY : -INFINITY;
	if (json_is_true(v) || json_is_false(v))
		return json_is_true(v);
	return json_number_value(v);
}

static int same(double a, double b)
{
	if (isnan(a) || isnan(b))
		return isnan(a) && isnan(b);
	if (isinf(a) || isinf(b))
		return a == b;
	return fabs(a - b) <= 1e-9 * fmax(1.0, fmax(fabs(a), fabs(b)));
}

/* Element I of a contiguous copy, as a double (complex: part PART). */
static double element(int dtype, const uint8_t *p, size_t i, int part)
{
	/* A table, one dtype a line, laid out by hand */
	/* clang-format off */
	switch (dtype) {
	case IRX_DTYPE_FLOAT64: { double v; memcpy(&v, p + 8 * i, 8); return v; }
	case IRX_DTYPE_FLOAT32: { float v; memcpy(&v, p + 4 * i, 4); return v; }
	case IRX_DTYPE_COMPLEX64: { float v; memcpy(&v, p + 8 * i + 4 * (size_t)part, 4); return v; }
	case IRX_DTYPE_INT64: { int64_t v; memcpy(&v, p + 8 * i, 8); return (double)v; }
	case IRX_DTYPE_UINT64: { uint64_t v; memcpy(&v, p + 8 * i, 8); return (double)v; }
	case IRX_DTYPE_INT32: { int32_t v; memcpy(&v, p + 4 * i, 4); return v; }
	case IRX_DTYPE_UINT32: { uint32_t v; memcpy(&v, p + 4 * i, 4); return v; }
	case IRX_DTYPE_INT16: { int16_t v; memcpy(&v, p + 2 * i, 2); return v; }
	case IRX_DTYPE_UINT16: { uint16_t v; memcpy(&v, p + 2 * i, 2); return v; }
	case IRX_DTYPE_INT8: return (int8_t)p[i];
	case IRX_DTYPE_UINT8: return p[i];
	case IRX_DTYPE_BOOL: return p[i] != 0;
	}
	/* clang-format on */
	return NAN; /* narrow floats: checked through a one-element tensor's stats */
}

/* Narrow floats: the value of element I through irx_tensor_stats_of(). */
static double narrow_element(const irx_tensor *t, const uint8_t *copy, size_t i)
{
	int64_t one = 1;
	irx_tensor e = *t;
	irx_tensor_stats s;

	e.ndim = 1;
	e.shape = &one;
	e.strides = &one;
	e.numel = 1;
	e.offset = 0;
	e.data = copy + i * irx_dtype_size(t->dtype);
	assert_int_equal(irx_tensor_stats_of(&s, &e, NULL), 0);
	return s.nonfinite ? NAN : s.sum;
}

static void check_values(const char *file, const irx_tensor *t, const json_t *values)
{
	uint8_t *copy = malloc(irx_tensor_nbytes(t) + 1);
	size_t i;
	json_t *v;

	assert_non_null(copy);
	irx_tensor_copy_contiguous(copy, t);
	assert_int_equal(json_array_size(values), (size_t)t->numel);
	json_array_foreach(values, i, v) {
		int narrow = t->dtype == IRX_DTYPE_FLOAT16 || t->dtype == IRX_DTYPE_BFLOAT16 ||
			     (t->dtype >= IRX_DTYPE_FLOAT8_E4M3FN &&
			      t->dtype <= IRX_DTYPE_FLOAT8_E8M0FNU);
		if (json_is_array(v)) {
			for (int part = 0; part < 2; part++)
				if (!same(element(t->dtype, copy, i, part),
					  oracle_num(json_array_get(v, (size_t)part))))
					fail_msg("%s: %s[%zu] part %d differs", file, t->name, i,
						 part);
			continue;
		}
		double got = narrow ? narrow_element(t, copy, i) : element(t->dtype, copy, i, 0);
		double want = oracle_num(v);
		if (narrow && isinf(want))
			got = want; /* stats count infinities as non-finite; checked there */
		if (!same(got, want))
			fail_msg("%s: %s[%zu] is %.17g, torch says %.17g", file, t->name, i, got,
				 want);
	}
	free(copy);
}

static void check_stats(const char *file, const irx_tensor *t, const json_t *st)
{
	irx_tensor_stats s;

	assert_int_equal(irx_tensor_stats_of(&s, t, NULL), 0);
	if (s.count != (uint64_t)json_integer_value(json_object_get(st, "count")) ||
	    s.nonfinite != (uint64_t)json_integer_value(json_object_get(st, "nonfinite")))
		fail_msg("%s: %s: %llu finite, %llu not; torch says %lld, %lld", file, t->name,
			 (unsigned long long)s.count, (unsigned long long)s.nonfinite,
			 json_integer_value(json_object_get(st, "count")),
			 json_integer_value(json_object_get(st, "nonfinite")));
	if (!s.count)
		return;
	if (!same(s.sum, oracle_num(json_object_get(st, "sum"))) ||
	    !same(s.min, oracle_num(json_object_get(st, "min"))) ||
	    !same(s.max, oracle_num(json_object_get(st, "max"))) ||
	    !same(s.mean, oracle_num(json_object_get(st, "mean"))))
		fail_msg("%s: %s: sum %.17g min %.17g max %.17g mean %.17g differ from torch's",
			 file, t->name, s.sum, s.min, s.max, s.mean);
}

/* Names of the other tensors on T's storage, sorted, as torch lists them. */
static void check_sharing(const char *file, const irx_tensors *set, const irx_tensor *t,
			  const json_t *want)
{
	size_t n = 0, i;
	json_t *w;

	for (size_t j = 0; j < irx_tensors_count(set); j++) {
		const irx_tensor *u = irx_tensors_at(set, j);
		if (u != t && t->storage >= 0 && u->storage == t->storage) {
			int listed = 0;
			json_array_foreach(want, i, w)
				listed |= !strcmp(json_string_value(w), u->name);
			if (!listed)
				fail_msg("%s: %s shares a storage with %s; torch says it does not",
					 file, t->name, u->name);
			n++;
		}
	}
	if (n != json_array_size(want))
		fail_msg("%s: %s shares with %zu tensors, torch says %zu", file, t->name, n,
			 json_array_size(want));
}

static void check_tensor(const char *file, const irx_tensors *set, const irx_tensor *t,
			 const json_t *o)
{
	json_t *shape = json_object_get(o, "shape"), *strides = json_object_get(o, "strides");
	int has_data = json_is_true(json_object_get(o, "has_data"));

	if (strcmp(irx_dtype_name(t->dtype), json_string_value(json_object_get(o, "dtype"))))
		fail_msg("%s: %s is %s, torch says %s", file, t->name, irx_dtype_name(t->dtype),
			 json_string_value(json_object_get(o, "dtype")));
	assert_int_equal((size_t)t->ndim, json_array_size(shape));
	for (int d = 0; d < t->ndim; d++) {
		assert_int_equal(t->shape[d], json_integer_value(json_array_get(shape, (size_t)d)));
		if (has_data && strides)
			assert_int_equal(t->strides[d],
					 json_integer_value(json_array_get(strides, (size_t)d)));
	}
	if (has_data && json_object_get(o, "offset"))
		assert_int_equal(t->offset, json_integer_value(json_object_get(o, "offset")));
	if ((t->storage >= 0) != has_data)
		fail_msg("%s: %s %s data; torch says otherwise", file, t->name,
			 t->storage >= 0 ? "has" : "has no");
	if (json_object_get(o, "requires_grad"))
		assert_int_equal(t->requires_grad,
				 json_is_true(json_object_get(o, "requires_grad")));
	if (json_object_get(o, "is_parameter"))
		assert_int_equal(t->is_parameter, json_is_true(json_object_get(o, "is_parameter")));
	if (json_object_get(o, "shares_with"))
		check_sharing(file, set, t, json_object_get(o, "shares_with"));
	if (!has_data)
		return;
	if (json_is_object(json_object_get(o, "stats")))
		check_stats(file, t, json_object_get(o, "stats"));
	if (json_is_array(json_object_get(o, "values")))
		check_values(file, t, json_object_get(o, "values"));
}

static void check_list(const char *file, const irx_tensors *set, const json_t *list)
{
	size_t i;
	json_t *o;

	if (irx_tensors_count(set) != json_array_size(list))
		fail_msg("%s: %zu tensors, torch says %zu", file, irx_tensors_count(set),
			 json_array_size(list));
	json_array_foreach(list, i, o) {
		const irx_tensor *t = irx_tensors_at(set, i);
		if (strcmp(t->name, json_string_value(json_object_get(o, "name"))))
			fail_msg("%s: tensor %zu is '%s', torch says '%s'", file, i, t->name,
				 json_string_value(json_object_get(o, "name")));
		check_tensor(file, set, t, o);
	}
}

/* One fixture: refused as torch says, or read exactly. */
static void check_fixture(const char *dir, const char *name, size_t *checked)
{
	char path[2048], opath[2100];
	const char *expect;
	irx_error err = {0};
	irx_tensors *set = NULL;
	json_error_t jerr;
	json_t *oracle;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(opath, sizeof(opath), "%s.oracle.json", path);
	if (!(oracle = json_load_file(opath, 0, &jerr)))
		fail_msg("%s: %s", opath, jerr.text);
	rc = irx_tensors_open(&set, path, NULL, &err);
	if ((expect = json_string_value(json_object_get(oracle, "expect_error")))) {
		if (!rc || !strstr(err.text, strcmp(expect, "legacy") ? expect : "pre-1.6"))
			fail_msg("%s: want an error about '%s', got %d: %s", path, expect, rc,
				 err.text);
		if (json_object_get(oracle, "tensor") &&
		    !strstr(err.text, json_string_value(json_object_get(oracle, "tensor"))))
			fail_msg("%s: the error does not name the tensor: %s", path, err.text);
	} else {
		if (rc)
			fail_msg("%s: %s: %s", path, err.where, err.text);
		assert_string_equal(irx_tensors_container(set),
				    json_string_value(json_object_get(oracle, "container")));
		check_list(path, set, json_object_get(oracle, "tensors"));
		irx_tensors_free(set);
		if (json_object_get(oracle, "constants")) {
			irx_tensors_options o = {.constants = 1};
			if (irx_tensors_open(&set, path, &o, &err))
				fail_msg("%s: constants: %s", path, err.text);
			check_list(path, set, json_object_get(oracle, "constants"));
			irx_tensors_free(set);
		}
		if (json_is_object(json_object_get(oracle, "metadata"))) {
			const char *k;
			json_t *v;
			assert_int_equal(irx_tensors_open(&set, path, NULL, &err), 0);
			json_object_foreach(json_object_get(oracle, "metadata"), k, v)
				assert_string_equal(irx_tensors_metadata(set, k),
						    json_string_value(v));
			assert_int_equal(irx_tensors_n_metadata(set),
					 json_object_size(json_object_get(oracle, "metadata")));
			for (size_t i = 0; i < irx_tensors_n_metadata(set); i++)
				assert_non_null(json_object_get(json_object_get(oracle, "metadata"),
								irx_tensors_metadata_key(set, i)));
			irx_tensors_free(set);
		}
	}
	json_decref(oracle);
	++*checked;
}

static void every_fixture_matches_torch(void **state)
{
	(void)state;
	for (size_t v = 0; v < sizeof(versions) / sizeof(versions[0]); v++) {
		char dir[1024];
		size_t checked = 0;
		struct dirent *e;
		DIR *d;
		snprintf(dir, sizeof(dir), "%s", fixture("tensors/"));
		strncat(dir, versions[v], sizeof(dir) - strlen(dir) - 1);
		assert_non_null(d = opendir(dir));
		while ((e = readdir(d))) {
			size_t n = strlen(e->d_name);
			if (n > 12 && !strcmp(e->d_name + n - 12, ".oracle.json")) {
				char name[512];
				snprintf(name, sizeof(name), "%.*s", (int)(n - 12), e->d_name);
				check_fixture(dir, name, &checked);
			}
		}
		closedir(d);
		printf("# %s: %zu fixtures match torch\n", versions[v], checked);
		assert_true(checked >= 15);
	}
}

/* Tied weights: one storage, two names, the same bytes. */
static void tied_weights_share_one_mapping(void **state)
{
	irx_tensors *set;
	const irx_tensor *a, *b;

	(void)state;
	assert_int_equal(irx_tensors_open(&set, fixture("tensors/t214/tied.pt"), NULL, NULL), 0);
	assert_true(irx_tensors_n_storages(set) < irx_tensors_count(set));
	for (size_t i = 0; i < irx_tensors_count(set); i++)
		for (size_t j = i + 1; j < irx_tensors_count(set); j++) {
			a = irx_tensors_at(set, i);
			b = irx_tensors_at(set, j);
			if (a->storage == b->storage && a->offset == b->offset)
				assert_ptr_equal(a->data, b->data);
		}
	irx_tensors_free(set);
}

/* Big-endian files give the same numbers as little-endian ones. */
static void big_endian_matches_little(void **state)
{
	irx_tensors *be, *le;

	(void)state;
	assert_int_equal(irx_tensors_open(&be, fixture("tensors/t214/bigendian.pt"), NULL, NULL),
			 0);
	assert_int_equal(irx_tensors_open(&le, fixture("tensors/t214/dtypes.pt"), NULL, NULL), 0);
	assert_int_equal(irx_tensors_count(be), irx_tensors_count(le));
	for (size_t i = 0; i < irx_tensors_count(be); i++) {
		const irx_tensor *x = irx_tensors_at(be, i), *y = irx_tensors_find(le, x->name);
		assert_non_null(y);
		assert_memory_equal(x->data, y->data, irx_tensor_nbytes(x));
	}
	irx_tensors_free(be);
	irx_tensors_free(le);
}

/* Stored payloads are pointers into the mapped file, not copies. */
static void payloads_are_mapped(void **state)
{
	irx_blob *b;
	irx_tensors *set;
	const uint8_t *lo, *hi;

	(void)state;
	assert_int_equal(irx_blob_open(&b, fixture("tensors/t214/big.pt"), NULL), 0);
	lo = irx_blob_data(b);
	hi = lo + irx_blob_size(b);
	assert_int_equal(irx_tensors_open_blob(&set, b, NULL, NULL), 0);
	for (size_t i = 0; i < irx_tensors_count(set); i++) {
		const irx_tensor *t = irx_tensors_at(set, i);
		assert_true(t->data >= lo && t->data + irx_tensor_nbytes(t) <= hi);
	}
	assert_int_equal(irx_tensors_verify(set, NULL), 0);
	irx_tensors_free(set);
}

/* An expanded tensor (stride 0) is its few elements many times over:
 * statistics must not walk 2^40 of them. */
static void expanded_stats_count_repeats(void **state)
{
	const float data[2] = {1.5f, -2.0f};
	const int64_t shape[3] = {1 << 20, 2, 1 << 20}, strides[3] = {0, 1, 0};
	irx_tensor t = {.name = "x",
			.dtype = IRX_DTYPE_FLOAT32,
			.ndim = 3,
			.shape = shape,
			.strides = strides,
			.numel = (int64_t)1 << 41,
			.storage = 0,
			.data = (const uint8_t *)data};
	irx_tensor_stats s;

	(void)state;
	assert_int_equal(irx_tensor_stats_of(&s, &t, NULL), 0);
	assert_true(s.count == (uint64_t)1 << 41);
	assert_true(s.min == -2.0 && s.max == 1.5);
	assert_true(s.sum == -0.5 * (double)((uint64_t)1 << 40));
	assert_true(s.mean == -0.25);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_fixture_matches_torch),
		cmocka_unit_test(tied_weights_share_one_mapping),
		cmocka_unit_test(big_endian_matches_little),
		cmocka_unit_test(payloads_are_mapped),
		cmocka_unit_test(expanded_stats_count_repeats),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
