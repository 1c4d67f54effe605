/*
 * irx/compare.h: is one tensor close enough to another?
 *
 * The check of torch.allclose, element by element in row-major order:
 * |got - want| <= atol + rtol * |want|, NaN where the other is NaN,
 * infinities equal; integer and bool tensors compare exactly.  The report
 * says where the worst element is, so a person can look at it.
 */
#ifndef IRX_COMPARE_H
#define IRX_COMPARE_H

#include "irx/tensor.h"

IRX_BEGIN_DECLS

typedef struct irx_compare_result {
	int match;         /* every element within tolerance, shapes and dtypes equal */
	int shape_differs; /* shapes differ: nothing else was compared */
	int dtype_differs;
	uint64_t count;          /* elements compared */
	uint64_t mismatched;     /* beyond tolerance (NaN placement included) */
	double max_abs, max_rel; /* over finite pairs */
	int64_t worst;           /* row-major index of the worst element, -1 if none */
	double worst_got, worst_want;
	double rtol, atol; /* the tolerances used */
} irx_compare_result;

/**
 * The default tolerances for DTYPE: rtol = atol = 1e-4 (the original
 * framework's), looser for half precision (float16: 1e-3, bfloat16:
 * 1.6e-2 relative, as torch.testing uses), 0 for integers and bool.
 */
IRX_API void irx_compare_defaults(double *rtol, double *atol, enum irx_dtype dtype);

/** Compare GOT with WANT (both with data).  RTOL/ATOL below 0: defaults. */
IRX_API irx_status irx_compare(irx_compare_result *out, const irx_tensor *got,
			       const irx_tensor *want, double rtol, double atol, irx_error *err);

IRX_END_DECLS

#endif
