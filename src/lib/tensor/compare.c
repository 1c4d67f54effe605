/*
 * compare.c: allclose, with a report of the worst element.
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "irx/compare.h"
#include "tensor/tensor.h"

static int is_exact(int dtype)
{
	switch (dtype) {
	case IRX_DTYPE_BOOL:
	case IRX_DTYPE_UINT8:
	case IRX_DTYPE_INT8:
	case IRX_DTYPE_INT16:
	case IRX_DTYPE_INT32:
	case IRX_DTYPE_INT64:
	case IRX_DTYPE_UINT16:
	case IRX_DTYPE_UINT32:
	case IRX_DTYPE_UINT64: return 1;
	}
	return 0;
}

void irx_compare_defaults(double *rtol, double *atol, enum irx_dtype dtype)
{
	*rtol = *atol = 1e-4;
	if (is_exact(dtype))
		*rtol = *atol = 0;
	else if (dtype == IRX_DTYPE_FLOAT16 || dtype == IRX_DTYPE_COMPLEX32)
		*rtol = *atol = 1e-3;
	else if (dtype == IRX_DTYPE_BFLOAT16)
		*rtol = 1.6e-2, *atol = 1e-3;
	else if (dtype >= IRX_DTYPE_FLOAT8_E4M3FN && dtype <= IRX_DTYPE_FLOAT8_E8M0FNU)
		*rtol = 1.25e-1, *atol = 1e-2;
}

static int same_shape(const irx_tensor *a, const irx_tensor *b)
{
	if (a->ndim != b->ndim)
		return 0;
	for (int d = 0; d < a->ndim; d++)
		if (a->shape[d] != b->shape[d])
			return 0;
	return 1;
}

/*
 * How far the pair is beyond tolerance: positive when it fails (infinite
 * for a NaN or an infinity out of place).  Updates the maxima over finite
 * pairs.
 */
static double excess(double g, double gi, double w, double wi, irx_compare_result *r)
{
	int gn = isnan(g) || isnan(gi), wn = isnan(w) || isnan(wi);
	double diff, mag;

	if (gn || wn)
		return gn != wn ? INFINITY : -INFINITY;
	if (isinf(g) || isinf(w) || isinf(gi) || isinf(wi))
		return g != w || gi != wi ? INFINITY : -INFINITY;
	diff = hypot(g - w, gi - wi);
	mag = hypot(w, wi);
	if (diff > r->max_abs)
		r->max_abs = diff;
	if (mag > 0 && diff / mag > r->max_rel)
		r->max_rel = diff / mag;
	return diff - (r->atol + r->rtol * mag);
}

irx_status irx_compare(irx_compare_result *r, const irx_tensor *got, const irx_tensor *want,
		       double rtol, double atol, irx_error *err)
{
	size_t gs = irx_dtype_size(got->dtype), ws = irx_dtype_size(want->dtype);
	uint8_t *gb = NULL, *wb = NULL;
	double worst = -INFINITY;

	memset(r, 0, sizeof(*r));
	r->worst = -1;
	irx_compare_defaults(&r->rtol, &r->atol, want->dtype);
	if (rtol >= 0 && !is_exact(want->dtype))
		r->rtol = rtol;
	if (atol >= 0 && !is_exact(want->dtype))
		r->atol = atol;
	r->dtype_differs = got->dtype != want->dtype;
	if (!same_shape(got, want)) {
		r->shape_differs = 1;
		return IRX_OK;
	}
	if (!gs || !ws)
		return irx_error_set(err, IRX_EUNSUPPORTED, "cannot compare these dtypes");
	if ((got->numel && !got->data) || (want->numel && !want->data))
		return irx_error_set(err, IRX_EINVAL, "a tensor to compare has no data");
	if (!(gb = malloc(irx_tensor_nbytes(got) + 1)) ||
	    !(wb = malloc(irx_tensor_nbytes(want) + 1))) {
		free(gb);
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	}
	irx_tensor_copy_contiguous(gb, got);
	irx_tensor_copy_contiguous(wb, want);
	for (int64_t i = 0; i < want->numel; i++) {
		double gi, wi, g = tensor_scalar(got->dtype, gb + (size_t)i * gs, &gi);
		double w = tensor_scalar(want->dtype, wb + (size_t)i * ws, &wi);
		double e = excess(g, gi, w, wi, r);
		r->mismatched += e > 0;
		if (r->worst < 0 || e > worst) {
			worst = e;
			r->worst = i;
			r->worst_got = g;
			r->worst_want = w;
		}
	}
	r->count = (uint64_t)want->numel;
	r->match = !r->mismatched && !r->dtype_differs;
	free(gb);
	free(wb);
	return IRX_OK;
}
