/*
 * dtypes.h: libtorch's scalar types as irx dtypes, for the shim's C++
 * files (shim.cpp, ts-walk.cpp).  A switch, not a search: irx_th_view()
 * asks it for every output of every node of every run.  Private to
 * libirx-torch.
 */
#ifndef IRX_TORCH_DTYPES_H
#define IRX_TORCH_DTYPES_H

#include <ATen/ATen.h>

extern "C" {
#include "irx/dtype.h"
}
#include "compat.h"

/* S as an irx dtype; IRX_DTYPE_UNKNOWN for one irx does not know. */
inline enum irx_dtype irx_dtype_of_scalar(c10::ScalarType s)
{
	switch (s) {
	case at::kByte: return IRX_DTYPE_UINT8;
	case at::kChar: return IRX_DTYPE_INT8;
	case at::kShort: return IRX_DTYPE_INT16;
	case at::kInt: return IRX_DTYPE_INT32;
	case at::kLong: return IRX_DTYPE_INT64;
	case at::kHalf: return IRX_DTYPE_FLOAT16;
	case at::kFloat: return IRX_DTYPE_FLOAT32;
	case at::kDouble: return IRX_DTYPE_FLOAT64;
	case at::kComplexHalf: return IRX_DTYPE_COMPLEX32;
	case at::kComplexFloat: return IRX_DTYPE_COMPLEX64;
	case at::kComplexDouble: return IRX_DTYPE_COMPLEX128;
	case at::kBool: return IRX_DTYPE_BOOL;
	case at::kBFloat16: return IRX_DTYPE_BFLOAT16;
	default: return static_cast<enum irx_dtype>(irx_compat::irx_dtype_of_new(s));
	}
}

#endif
