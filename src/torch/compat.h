/*
 * compat.h: every difference between the libtorch versions irx supports
 * (Debian's 1.13 to 2.14), in one place.
 */
#ifndef IRX_TORCH_COMPAT_H
#define IRX_TORCH_COMPAT_H

#include <ATen/ATen.h>
#include <ATen/core/jit_type.h>
#include <torch/version.h>

#define IRX_TORCH_AT_LEAST(maj, min)    \
	(TORCH_VERSION_MAJOR > (maj) || \
	 (TORCH_VERSION_MAJOR == (maj) && TORCH_VERSION_MINOR >= (min)))

/* c10::Allocator::allocate lost its const in 2.3, which also added the
 * pure virtual copy_data. */
#if IRX_TORCH_AT_LEAST(2, 3)
#define IRX_ALLOCATE_CONST
#define IRX_ALLOCATOR_COPY_DATA                                                       \
	void copy_data(void *dest, const void *src, std::size_t count) const override \
	{                                                                             \
		default_copy_data(dest, src, count);                                  \
	}
#else
#define IRX_ALLOCATE_CONST const
#define IRX_ALLOCATOR_COPY_DATA
#endif

namespace irx_compat {

/* SymInt arguments (torch >= 2.0) take plain ints in boxed calls. */
inline bool is_int_kind(c10::TypeKind k)
{
#if IRX_TORCH_AT_LEAST(2, 0)
	if (k == c10::TypeKind::SymIntType)
		return true;
#endif
	return k == c10::TypeKind::IntType;
}

inline bool is_float_kind(c10::TypeKind k)
{
#if IRX_TORCH_AT_LEAST(2, 1)
	if (k == c10::TypeKind::SymFloatType)
		return true;
#endif
	return k == c10::TypeKind::FloatType;
}

inline bool is_bool_kind(c10::TypeKind k)
{
#if IRX_TORCH_AT_LEAST(2, 1)
	if (k == c10::TypeKind::SymBoolType)
		return true;
#endif
	return k == c10::TypeKind::BoolType;
}

/* dtypes that arrived after 1.13: uint16/32/64 (2.3), float8 (2.1-2.7) */
inline bool scalar_type_of(int irx_dtype, c10::ScalarType *out)
{
	switch (irx_dtype) {
#if IRX_TORCH_AT_LEAST(2, 3)
	case 28: *out = c10::ScalarType::UInt16; return true;
	case 34: *out = c10::ScalarType::UInt32; return true;
	case 35: *out = c10::ScalarType::UInt64; return true;
#endif
#if IRX_TORCH_AT_LEAST(2, 1)
	case 29: *out = c10::ScalarType::Float8_e4m3fn; return true;
	case 30: *out = c10::ScalarType::Float8_e5m2; return true;
#endif
#if IRX_TORCH_AT_LEAST(2, 2)
	case 31: *out = c10::ScalarType::Float8_e4m3fnuz; return true;
	case 32: *out = c10::ScalarType::Float8_e5m2fnuz; return true;
#endif
	default: return false;
	}
}

inline int irx_dtype_of_new(c10::ScalarType s)
{
	switch (s) {
#if IRX_TORCH_AT_LEAST(2, 3)
	case c10::ScalarType::UInt16: return 28;
	case c10::ScalarType::UInt32: return 34;
	case c10::ScalarType::UInt64: return 35;
#endif
#if IRX_TORCH_AT_LEAST(2, 1)
	case c10::ScalarType::Float8_e4m3fn: return 29;
	case c10::ScalarType::Float8_e5m2: return 30;
#endif
#if IRX_TORCH_AT_LEAST(2, 2)
	case c10::ScalarType::Float8_e4m3fnuz: return 31;
	case c10::ScalarType::Float8_e5m2fnuz: return 32;
#endif
	default: return 0;
	}
}

/* c10::Error's message without the C++ backtrace libtorch appends. */
inline const char *message(const c10::Error &e) { return e.what_without_backtrace(); }

} // namespace irx_compat

#endif
