/*
 * dtype.c: the element type tables.
 */
#include <config.h>

#include <string.h>

#include "irx/dtype.h"

static const struct {
	const char *name;
	const char *c10; /* c10 / schema spelling, used in ATen defaults */
	size_t size;
} dtypes[IRX_DTYPE_LIMIT] = {
	[IRX_DTYPE_UINT8] = {"uint8", "Byte", 1},
	[IRX_DTYPE_INT8] = {"int8", "Char", 1},
	[IRX_DTYPE_INT16] = {"int16", "Short", 2},
	[IRX_DTYPE_INT32] = {"int32", "Int", 4},
	[IRX_DTYPE_INT64] = {"int64", "Long", 8},
	[IRX_DTYPE_FLOAT16] = {"float16", "Half", 2},
	[IRX_DTYPE_FLOAT32] = {"float32", "Float", 4},
	[IRX_DTYPE_FLOAT64] = {"float64", "Double", 8},
	[IRX_DTYPE_COMPLEX32] = {"complex32", "ComplexHalf", 4},
	[IRX_DTYPE_COMPLEX64] = {"complex64", "ComplexFloat", 8},
	[IRX_DTYPE_COMPLEX128] = {"complex128", "ComplexDouble", 16},
	[IRX_DTYPE_BOOL] = {"bool", "Bool", 1},
	[IRX_DTYPE_BFLOAT16] = {"bfloat16", "BFloat16", 2},
	[IRX_DTYPE_UINT16] = {"uint16", "UInt16", 2},
	[IRX_DTYPE_FLOAT8_E4M3FN] = {"float8_e4m3fn", "Float8_e4m3fn", 1},
	[IRX_DTYPE_FLOAT8_E5M2] = {"float8_e5m2", "Float8_e5m2", 1},
	[IRX_DTYPE_FLOAT8_E4M3FNUZ] = {"float8_e4m3fnuz", "Float8_e4m3fnuz", 1},
	[IRX_DTYPE_FLOAT8_E5M2FNUZ] = {"float8_e5m2fnuz", "Float8_e5m2fnuz", 1},
	[IRX_DTYPE_FLOAT8_E8M0FNU] = {"float8_e8m0fnu", "Float8_e8m0fnu", 1},
	[IRX_DTYPE_UINT32] = {"uint32", "UInt32", 4},
	[IRX_DTYPE_UINT64] = {"uint64", "UInt64", 8},
};

/* Python-side aliases that ATen schema defaults use (dtype=long). */
static const struct {
	const char *alias;
	enum irx_dtype dtype;
} aliases[] = {
	{"long", IRX_DTYPE_INT64},       {"int", IRX_DTYPE_INT32},
	{"float", IRX_DTYPE_FLOAT32},    {"double", IRX_DTYPE_FLOAT64},
	{"half", IRX_DTYPE_FLOAT16},     {"short", IRX_DTYPE_INT16},
	{"byte", IRX_DTYPE_UINT8},       {"char", IRX_DTYPE_INT8},
	{"cfloat", IRX_DTYPE_COMPLEX64}, {"cdouble", IRX_DTYPE_COMPLEX128},
};

const char *irx_dtype_name(enum irx_dtype d)
{
	return d > 0 && d < IRX_DTYPE_LIMIT ? dtypes[d].name : NULL;
}

size_t irx_dtype_size(enum irx_dtype d)
{
	return d > 0 && d < IRX_DTYPE_LIMIT ? dtypes[d].size : 0;
}

enum irx_dtype irx_dtype_from_name(const char *name)
{
	if (!name)
		return IRX_DTYPE_UNKNOWN;
	if (strncmp(name, "torch.", 6) == 0)
		name += 6;
	for (int d = 1; d < IRX_DTYPE_LIMIT; d++)
		if (dtypes[d].name &&
		    (strcmp(name, dtypes[d].name) == 0 || strcmp(name, dtypes[d].c10) == 0))
			return (enum irx_dtype)d;
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcmp(name, aliases[i].alias) == 0)
			return aliases[i].dtype;
	return IRX_DTYPE_UNKNOWN;
}

const char *irx_layout_name(int layout)
{
	static const char *const names[] = {
		"unknown",    "sparse_coo", "sparse_csr", "sparse_csc",
		"sparse_bsr", "sparse_bsc", "_mkldnn",    "strided",
	};
	return layout >= 0 && layout < 8 ? names[layout] : NULL;
}

const char *irx_memory_format_name(int fmt)
{
	static const char *const names[] = {
		"unknown",          "contiguous_format", "channels_last",
		"channels_last_3d", "preserve_format",
	};
	return fmt >= 0 && fmt < 5 ? names[fmt] : NULL;
}
