/*
 * layout.c: sizes of strided tensors and their row-major copies.
 *
 * Strides are in elements and may be zero (broadcast views) or negative
 * (flipped views); t->data points at element [0,...,0], so t->offset is
 * already applied.  A tensor without strides (NULL) is row-major.
 */
#include <config.h>

#include <stddef.h>
#include <string.h>

#include "irx/tensor.h"
#include "tensor/tensor.h"

int tensor_size(const irx_tensor *t, uint64_t *numel, uint64_t *nbytes)
{
	size_t es = irx_dtype_size(t->dtype);
	uint64_t n = 1;

	if (!es || t->ndim < 0 || t->ndim > IRX_TENSOR_MAX_DIMS || (t->ndim && !t->shape))
		return 0;
	for (int d = 0; d < t->ndim; d++)
		if (t->shape[d] < 0 || !base_mul_ok(n, (uint64_t)t->shape[d], &n))
			return 0;
	/* No buffer is larger than a ptrdiff_t can span. */
	if (!base_mul_ok(n, es, nbytes) || *nbytes > PTRDIFF_MAX)
		return 0;
	*numel = n;
	return 1;
}

uint64_t irx_tensor_nbytes(const irx_tensor *t)
{
	uint64_t numel, nbytes;

	return tensor_size(t, &numel, &nbytes) ? nbytes : 0;
}

void tensor_contiguous_strides(int ndim, const int64_t *shape, int64_t *strides)
{
	int64_t s = 1;

	/* torch counts an empty dimension as 1 here: empty(2, 0, 3) has
	 * strides (3, 3, 1), and a reader compares them with ours. */
	for (int d = ndim; d-- > 0;) {
		strides[d] = s;
		s *= shape[d] > 1 ? shape[d] : 1;
	}
}

int irx_tensor_is_contiguous(const irx_tensor *t)
{
	int64_t expect = 1;

	if (!t->strides)
		return 1;
	for (int d = 0; d < t->ndim; d++)
		if (t->shape[d] == 0)
			return 1; /* no elements: any strides will do */
	/* The stride of a size-1 dimension never moves anything. */
	for (int d = t->ndim; d-- > 0;) {
		if (t->shape[d] == 1)
			continue;
		if (t->strides[d] != expect || __builtin_mul_overflow(expect, t->shape[d], &expect))
			return 0;
	}
	return 1;
}

/*
 * The dimensions the gather walks: size-1 dimensions dropped, and
 * neighbours merged where the outer one steps exactly over the inner one,
 * so the innermost run (often a memcpy) is as long as it can be.
 */
struct walk {
	int nd;
	int64_t shape[IRX_TENSOR_MAX_DIMS], stride[IRX_TENSOR_MAX_DIMS];
};

static void walk_init(struct walk *w, const irx_tensor *t)
{
	int64_t row[IRX_TENSOR_MAX_DIMS];
	const int64_t *st = t->strides;

	if (!st) {
		tensor_contiguous_strides(t->ndim, t->shape, row);
		st = row;
	}
	w->nd = 0;
	for (int d = 0; d < t->ndim; d++) {
		int64_t span;

		if (t->shape[d] == 1)
			continue;
		if (w->nd && !__builtin_mul_overflow(st[d], t->shape[d], &span) &&
		    w->stride[w->nd - 1] == span) {
			w->shape[w->nd - 1] *= t->shape[d];
			w->stride[w->nd - 1] = st[d];
			continue;
		}
		w->shape[w->nd] = t->shape[d];
		w->stride[w->nd] = st[d];
		w->nd++;
	}
	if (!w->nd) { /* one element */
		w->shape[0] = 1;
		w->stride[0] = 1;
		w->nd = 1;
	}
}

/* RUN elements ES bytes wide, STRIDE elements apart, packed into OUT. */
static void copy_run(uint8_t *out, const uint8_t *src, int64_t run, int64_t stride, size_t es)
{
	ptrdiff_t step = (ptrdiff_t)stride * (ptrdiff_t)es;

	if (stride == 1) {
		memcpy(out, src, (size_t)run * es);
		return;
	}
	/* Fixed-size memcpy compiles to one load and store. */
#define COPY_RUN(n)                                                \
	for (int64_t k = 0; k < run; k++, out += (n), src += step) \
		memcpy(out, src, (n));                             \
	return
	switch (es) {
	case 1: COPY_RUN(1);
	case 2: COPY_RUN(2);
	case 4: COPY_RUN(4);
	case 8: COPY_RUN(8);
	case 16: COPY_RUN(16);
	default: COPY_RUN(es);
	}
#undef COPY_RUN
}

void tensor_gather(const irx_tensor *t, uint64_t first, uint64_t n, void *dst)
{
	size_t es = irx_dtype_size(t->dtype);
	int64_t idx[IRX_TENSOR_MAX_DIMS];
	uint8_t *out = dst;
	ptrdiff_t off = 0; /* elements from t->data to the current one */
	struct walk w;
	int last;

	if (!n)
		return;
	walk_init(&w, t);
	last = w.nd - 1;
	/* Row-major index of element FIRST: the last dimension moves fastest. */
	for (int d = last; d >= 0; d--) {
		idx[d] = (int64_t)(first % (uint64_t)w.shape[d]);
		first /= (uint64_t)w.shape[d];
		off += (ptrdiff_t)idx[d] * w.stride[d];
	}
	while (n) {
		int64_t run = w.shape[last] - idx[last];

		if ((uint64_t)run > n)
			run = (int64_t)n;
		copy_run(out, t->data + off * (ptrdiff_t)es, run, w.stride[last], es);
		out += (size_t)run * es;
		n -= (uint64_t)run;
		idx[last] += run;
		off += (ptrdiff_t)run * w.stride[last];
		/* Carry into the outer dimensions, odometer style. */
		for (int d = last; d > 0 && idx[d] == w.shape[d]; d--) {
			off -= (ptrdiff_t)w.shape[d] * w.stride[d];
			idx[d] = 0;
			idx[d - 1]++;
			off += w.stride[d - 1];
		}
	}
}

void irx_tensor_copy_contiguous(void *dst, const irx_tensor *t)
{
	uint64_t numel, nbytes;

	if (!tensor_size(t, &numel, &nbytes) || !nbytes)
		return;
	if (irx_tensor_is_contiguous(t))
		memcpy(dst, t->data, nbytes);
	else
		tensor_gather(t, 0, numel, dst);
}
