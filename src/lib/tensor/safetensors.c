/*
 * safetensors.c: tensors of a safetensors file, in place.
 *
 *   u64 little-endian N | N bytes of JSON header | data
 *
 * The header maps names to {dtype, shape, data_offsets: [begin, end]}
 * relative to the data, plus an optional "__metadata__" of strings.  Every
 * range must lie inside the file, match its shape and dtype exactly, and
 * not overlap another.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "tensor/tensor.h"

/* The reference implementation refuses headers above 100 MB; so do we. */
#define MAX_HEADER ((uint64_t)100000000)

/* A table, laid out by hand */
/* clang-format off */
static const struct {
	const char *code;
	enum irx_dtype dtype;
} dtypes[] = {
	{"F64", IRX_DTYPE_FLOAT64}, {"F32", IRX_DTYPE_FLOAT32}, {"F16", IRX_DTYPE_FLOAT16},
	{"BF16", IRX_DTYPE_BFLOAT16}, {"I64", IRX_DTYPE_INT64}, {"I32", IRX_DTYPE_INT32},
	{"I16", IRX_DTYPE_INT16}, {"I8", IRX_DTYPE_INT8}, {"U8", IRX_DTYPE_UINT8},
	{"BOOL", IRX_DTYPE_BOOL}, {"U16", IRX_DTYPE_UINT16}, {"U32", IRX_DTYPE_UINT32},
	{"U64", IRX_DTYPE_UINT64}, {"F8_E4M3", IRX_DTYPE_FLOAT8_E4M3FN},
	{"F8_E5M2", IRX_DTYPE_FLOAT8_E5M2}, {"F8_E8M0", IRX_DTYPE_FLOAT8_E8M0FNU},
	{"C64", IRX_DTYPE_COMPLEX64}, {"C128", IRX_DTYPE_COMPLEX128},
};
/* clang-format on */

static int fail_at(irx_error *err, int code, const char *name, const char *field, const char *fmt,
		   ...) BASE_PRINTF(5, 6);

/* An error at the header's JSON path /NAME/FIELD. */
static int fail_at(irx_error *err, int code, const char *name, const char *field, const char *fmt,
		   ...)
{
	va_list ap;

	va_start(ap, fmt);
	irx_error_vset(err, code, fmt, ap);
	va_end(ap);
	base_where(err, "header: /%s%s%s", name, field ? "/" : "", field ? field : "");
	return code;
}

static int dtype_of(const json_t *v, const char *name, irx_error *err, enum irx_dtype *out)
{
	const char *s = json_string_value(v);

	if (!s)
		return fail_at(err, IRX_EFORMAT, name, "dtype",
			       "tensor '%s': dtype is not a string", name);
	for (size_t i = 0; i < sizeof(dtypes) / sizeof(dtypes[0]); i++)
		if (!strcmp(dtypes[i].code, s)) {
			*out = dtypes[i].dtype;
			return IRX_OK;
		}
	return fail_at(err, IRX_EUNSUPPORTED, name, "dtype",
		       "tensor '%s': dtype '%.32s' is not one irx reads", name, s);
}

static int nonneg(const json_t *v, uint64_t *out)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

struct range {
	uint64_t begin, end;
	const char *name;
};

static int by_begin(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	return x->begin < y->begin   ? -1
	       : x->begin > y->begin ? 1
				     : (x->end > y->end) - (x->end < y->end);
}

static int add_tensor(irx_tensors *t, const char *name, const json_t *info, const uint8_t *data,
		      uint64_t dsize, struct range *range, irx_error *err)
{
	json_t *shape = json_object_get(info, "shape"),
	       *offs = json_object_get(info, "data_offsets");
	irx_tensor *x;
	int64_t *sh, *st;
	uint64_t b, e, nbytes;
	size_t nd;
	int rc, s;

	if ((rc = base_check_name("tensor name", name, strlen(name), err))) {
		base_where(err, "header: /%s", name);
		return rc;
	}
	if (!json_is_object(info))
		return fail_at(err, IRX_EFORMAT, name, NULL, "tensor '%s' is not an object", name);
	if (!json_is_array(shape) || (nd = json_array_size(shape)) > IRX_TENSOR_MAX_DIMS)
		return fail_at(err, IRX_EFORMAT, name, "shape",
			       "tensor '%s': shape is not an array of at most 64 sizes", name);
	if (!json_is_array(offs) || json_array_size(offs) != 2 ||
	    nonneg(json_array_get(offs, 0), &b) || nonneg(json_array_get(offs, 1), &e) || b > e)
		return fail_at(err, IRX_EFORMAT, name, "data_offsets",
			       "tensor '%s': data_offsets is not [begin, end]", name);
	if (e > dsize)
		return fail_at(err, IRX_EFORMAT, name, "data_offsets",
			       "tensor '%s' ends past the end of the file", name);
	if (!(x = tensor_add_tensor(t)) || !(x->name = tensor_strdup(t, name)) ||
	    !(sh = tensor_alloc(t, (nd + 1) * sizeof(int64_t))) ||
	    !(st = tensor_alloc(t, (nd + 1) * sizeof(int64_t))))
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	if ((rc = dtype_of(json_object_get(info, "dtype"), name, err, &x->dtype)))
		return rc;
	for (size_t i = 0; i < nd; i++)
		if (nonneg(json_array_get(shape, i), (uint64_t *)&sh[i]) || sh[i] < 0)
			return fail_at(err, IRX_EFORMAT, name, "shape",
				       "tensor '%s': a size is not a non-negative integer", name);
	x->ndim = (int)nd;
	x->shape = sh;
	x->strides = st; /* zero until the element count is known to fit */
	if ((rc = tensor_check_shape(x, err))) {
		base_where(err, "header: /%s/shape", name);
		return rc;
	}
	for (size_t i = nd, stride = 1; i-- > 0;) {
		st[i] = (int64_t)stride;
		stride *= sh[i] ? (size_t)sh[i] : 1;
	}
	nbytes = (uint64_t)x->numel * irx_dtype_size(x->dtype);
	if (nbytes != e - b) {
		char detail[96];
		snprintf(detail, sizeof(detail),
			 " (its shape needs %llu bytes, the range holds %llu)",
			 (unsigned long long)nbytes, (unsigned long long)(e - b));
		return fail_at(err, IRX_EFORMAT, name, "data_offsets",
			       "tensor '%s': the data range does not match the shape%s", name,
			       detail);
	}
	if ((s = tensor_add_storage(t, name, data + b, nbytes, NULL, NULL)) < 0)
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	if (b < e) /* an empty range overlaps nothing and must not hide an overlap */
		*range = (struct range){b, e, x->name};
	return tensor_bind(t, x, s, err);
}

static int check_overlaps(struct range *r, size_t n, irx_error *err)
{
	qsort(r, n, sizeof(*r), by_begin);
	for (size_t i = 1; i < n; i++)
		if (r[i].begin < r[i - 1].end && r[i].begin < r[i].end)
			return fail_at(err, IRX_EFORMAT, r[i].name, "data_offsets",
				       "tensor '%s' overlaps tensor '%s'", r[i].name,
				       r[i - 1].name);
	return IRX_OK;
}

static int check_metadata(const json_t *meta, irx_error *err)
{
	const char *k;
	json_t *v;

	if (!json_is_object(meta))
		return fail_at(err, IRX_EFORMAT, "__metadata__", NULL, "'%s' is not an object",
			       "__metadata__");
	json_object_foreach((json_t *)meta, k, v)
		if (!json_is_string(v))
			return fail_at(err, IRX_EFORMAT, "__metadata__", k,
				       "'%s' values must be strings", "__metadata__");
	return IRX_OK;
}

int tensor_read_safetensors(irx_tensors *t, const irx_blob *blob, irx_error *err)
{
	const uint8_t *d = irx_blob_data(blob);
	uint64_t size = irx_blob_size(blob), hlen = 0;
	struct range *ranges = NULL;
	json_t *header = NULL, *v;
	const char *name;
	size_t n = 0;
	int rc = IRX_OK;

	for (int i = 7; i >= 0; i--)
		hlen = hlen << 8 | d[i];
	if (hlen > size - 8 || hlen > MAX_HEADER) {
		irx_error_set(err, IRX_EFORMAT,
			      "header length %llu is larger than the file (%llu bytes)%s",
			      (unsigned long long)hlen, (unsigned long long)size,
			      hlen > MAX_HEADER ? " or the 100 MB limit" : "");
		base_where(err, "header length");
		return IRX_EFORMAT;
	}
	if ((rc = irx_json_parse(&header, d + 8, (size_t)hlen, err))) {
		base_where_prefix(err, "header");
		return rc;
	}
	if (!json_is_object(header)) {
		json_decref(header);
		base_where(err, "header");
		return irx_error_set(err, IRX_EFORMAT, "the header is not a JSON object");
	}
	if (!(ranges = calloc(json_object_size(header) + 1, sizeof(*ranges)))) {
		json_decref(header);
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	}
	json_object_foreach(header, name, v) {
		if (!strcmp(name, "__metadata__")) {
			if ((rc = check_metadata(v, err)))
				break;
			t->metadata = json_incref(v);
			continue;
		}
		if ((rc = add_tensor(t, name, v, d + 8 + hlen, size - 8 - hlen, &ranges[n++], err)))
			break;
	}
	if (!rc)
		rc = check_overlaps(ranges, n, err);
	free(ranges);
	json_decref(header);
	return rc;
}
