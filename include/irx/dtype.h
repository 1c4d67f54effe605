/*
 * irx/dtype.h: element types, numbered as torch.export's schema numbers
 * them (torch/_export/serde/schema.py ScalarType: FLOAT is 7, not c10's 6),
 * and named as torch names them without the "torch." prefix.
 */
#ifndef IRX_DTYPE_H
#define IRX_DTYPE_H

#include <stddef.h>

#include "irx/common.h"

IRX_BEGIN_DECLS

enum irx_dtype {
	IRX_DTYPE_UNKNOWN = 0,
	IRX_DTYPE_UINT8 = 1,
	IRX_DTYPE_INT8 = 2,
	IRX_DTYPE_INT16 = 3,
	IRX_DTYPE_INT32 = 4,
	IRX_DTYPE_INT64 = 5,
	IRX_DTYPE_FLOAT16 = 6,
	IRX_DTYPE_FLOAT32 = 7,
	IRX_DTYPE_FLOAT64 = 8,
	IRX_DTYPE_COMPLEX32 = 9,
	IRX_DTYPE_COMPLEX64 = 10,
	IRX_DTYPE_COMPLEX128 = 11,
	IRX_DTYPE_BOOL = 12,
	IRX_DTYPE_BFLOAT16 = 13,
	IRX_DTYPE_UINT16 = 28,
	IRX_DTYPE_FLOAT8_E4M3FN = 29,
	IRX_DTYPE_FLOAT8_E5M2 = 30,
	IRX_DTYPE_FLOAT8_E4M3FNUZ = 31,
	IRX_DTYPE_FLOAT8_E5M2FNUZ = 32,
	IRX_DTYPE_FLOAT8_E8M0FNU = 33,
	IRX_DTYPE_UINT32 = 34,
	IRX_DTYPE_UINT64 = 35,
	IRX_DTYPE_LIMIT = 36 /* one past the largest code */
};

/** "float32" for IRX_DTYPE_FLOAT32; NULL for an unknown code. */
IRX_API const char *irx_dtype_name(enum irx_dtype dtype);
/** The code for NAME ("float32"; c10's "Float" and "float" are accepted). */
IRX_API enum irx_dtype irx_dtype_from_name(const char *name);
/** Bytes per element; 0 for an unknown code. */
IRX_API size_t irx_dtype_size(enum irx_dtype dtype);

/** torch.export's Layout and MemoryFormat codes, as names; NULL if unknown. */
IRX_API const char *irx_layout_name(int layout);
IRX_API const char *irx_memory_format_name(int fmt);

IRX_END_DECLS

#endif
