/*
 * stats.c: sum, min, max, mean and non-finite count of a tensor.
 *
 * Sums accumulate in double over the finite values; complex values count
 * as their magnitude, bools as 0 and 1.  Elements are visited row by row
 * (the last dimension) through the strides, so views cost what their
 * elements cost.  Contiguous float32, the common case of a checkpoint,
 * has a loop the compiler can vectorize: it runs at memory speed.
 */
#include <config.h>

#include <math.h>
#include <string.h>

#include "irx/tensor.h"
#include "tensor/tensor.h"

struct acc {
	double sum, min, max;
	uint64_t count, nonfinite;
};

static void take(struct acc *a, double v)
{
	if (!isfinite(v)) {
		a->nonfinite++;
		return;
	}
	a->sum += v;
	a->min = v < a->min ? v : a->min;
	a->max = v > a->max ? v : a->max;
	a->count++;
}

/* ---- narrow floats to double ----------------------------------------- */

static double from_half(uint16_t h)
{
	int e = h >> 10 & 0x1f, m = h & 0x3ff;
	double v = e == 0    ? ldexp(m, -24)
		   : e == 31 ? (m ? NAN : INFINITY)
			     : ldexp(m | 0x400, e - 25);

	return h & 0x8000 ? -v : v;
}

static double from_bf16(uint16_t b)
{
	uint32_t bits = (uint32_t)b << 16;
	float f;

	memcpy(&f, &bits, sizeof(f));
	return f;
}

/* An 8-bit float with EBITS of exponent and the given bias.  FNUZ formats
 * have one NaN (0x80) and no infinities or negative zero; E4M3FN has no
 * infinities and NaN at all-ones. */
static double from_fp8(uint8_t x, int ebits, int bias, int fnuz)
{
	int mbits = 7 - ebits, e = x >> mbits & ((1 << ebits) - 1), m = x & ((1 << mbits) - 1);
	double v;

	if (fnuz && x == 0x80)
		return NAN;
	if (!fnuz && ebits == 4 && (x & 0x7f) == 0x7f)
		return NAN;
	if (!fnuz && ebits == 5 && e == 31)
		return m ? NAN : (x & 0x80 ? -INFINITY : INFINITY);
	v = e == 0 ? ldexp(m, 1 - bias - mbits) : ldexp(m | 1 << mbits, e - bias - mbits);
	return x & 0x80 ? -v : v;
}

double tensor_scalar(int dtype, const uint8_t *p, double *imag)
{
	*imag = 0;
	/* A table, one dtype a line, laid out by hand */
	/* clang-format off */
	switch (dtype) {
	case IRX_DTYPE_FLOAT32: { float v; memcpy(&v, p, 4); return v; }
	case IRX_DTYPE_FLOAT64: { double v; memcpy(&v, p, 8); return v; }
	case IRX_DTYPE_FLOAT16: { uint16_t v; memcpy(&v, p, 2); return from_half(v); }
	case IRX_DTYPE_BFLOAT16: { uint16_t v; memcpy(&v, p, 2); return from_bf16(v); }
	case IRX_DTYPE_FLOAT8_E4M3FN: return from_fp8(*p, 4, 7, 0);
	case IRX_DTYPE_FLOAT8_E5M2: return from_fp8(*p, 5, 15, 0);
	case IRX_DTYPE_FLOAT8_E4M3FNUZ: return from_fp8(*p, 4, 8, 1);
	case IRX_DTYPE_FLOAT8_E5M2FNUZ: return from_fp8(*p, 5, 16, 1);
	case IRX_DTYPE_FLOAT8_E8M0FNU: return *p == 0xff ? NAN : ldexp(1.0, *p - 127);
	case IRX_DTYPE_UINT8: return *p;
	case IRX_DTYPE_BOOL: return *p != 0;
	case IRX_DTYPE_INT8: return (int8_t)*p;
	case IRX_DTYPE_INT16: { int16_t v; memcpy(&v, p, 2); return v; }
	case IRX_DTYPE_UINT16: { uint16_t v; memcpy(&v, p, 2); return v; }
	case IRX_DTYPE_INT32: { int32_t v; memcpy(&v, p, 4); return v; }
	case IRX_DTYPE_UINT32: { uint32_t v; memcpy(&v, p, 4); return v; }
	case IRX_DTYPE_INT64: { int64_t v; memcpy(&v, p, 8); return (double)v; }
	case IRX_DTYPE_UINT64: { uint64_t v; memcpy(&v, p, 8); return (double)v; }
	case IRX_DTYPE_COMPLEX64: { float v[2]; memcpy(v, p, 8); *imag = v[1]; return v[0]; }
	case IRX_DTYPE_COMPLEX128: { double v[2]; memcpy(v, p, 16); *imag = v[1]; return v[0]; }
	case IRX_DTYPE_COMPLEX32: { uint16_t v[2]; memcpy(v, p, 4); *imag = from_half(v[1]); return from_half(v[0]); }
	}
	/* clang-format on */
	return NAN;
}

/* ---- one row: N elements, STEP bytes apart ---------------------------- */

/* One-line macros, laid out by hand */
/* clang-format off */
#define LOAD(type, p) ({ type v_; memcpy(&v_, (p), sizeof(v_)); v_; })
/* clang-format on */

/*
 * A block of contiguous float32: sum (in double), min and max of its first
 * *DONE elements (a multiple of the vector width).  There is no test per
 * element for NaN and infinity: one makes the block's double sum
 * non-finite (finite float32 values cannot overflow it), and the caller
 * then takes the block again one by one.  Accumulators stay in registers.
 */
#if defined(__x86_64__) && defined(__SSE2__)
#include <immintrin.h>

static int64_t block_f32_sse2(const uint8_t *q, int64_t k, double *sum, float *lo, float *hi)
{
	__m128d s0 = _mm_setzero_pd(), s1 = s0, s2 = s0, s3 = s0;
	__m128 lo0 = _mm_set1_ps(INFINITY), lo1 = lo0, hi0 = _mm_set1_ps(-INFINITY), hi1 = hi0;
	float l4[4], h4[4];
	double s[2];
	int64_t i = 0;

	for (; i + 8 <= k; i += 8) {
		__m128 x0 = _mm_loadu_ps((const float *)(q + i * 4));
		__m128 x1 = _mm_loadu_ps((const float *)(q + i * 4 + 16));
		s0 = _mm_add_pd(s0, _mm_cvtps_pd(x0));
		s1 = _mm_add_pd(s1, _mm_cvtps_pd(_mm_movehl_ps(x0, x0)));
		s2 = _mm_add_pd(s2, _mm_cvtps_pd(x1));
		s3 = _mm_add_pd(s3, _mm_cvtps_pd(_mm_movehl_ps(x1, x1)));
		lo0 = _mm_min_ps(lo0, x0), lo1 = _mm_min_ps(lo1, x1);
		hi0 = _mm_max_ps(hi0, x0), hi1 = _mm_max_ps(hi1, x1);
	}
	_mm_storeu_pd(s, _mm_add_pd(_mm_add_pd(s0, s1), _mm_add_pd(s2, s3)));
	_mm_storeu_ps(l4, _mm_min_ps(lo0, lo1));
	_mm_storeu_ps(h4, _mm_max_ps(hi0, hi1));
	*sum = s[0] + s[1];
	*lo = INFINITY, *hi = -INFINITY;
	for (int l = 0; l < 4; l++) {
		*lo = l4[l] < *lo ? l4[l] : *lo;
		*hi = h4[l] > *hi ? h4[l] : *hi;
	}
	return i;
}

__attribute__((target("avx2"))) static int64_t block_f32_avx2(const uint8_t *q, int64_t k,
							      double *sum, float *lo, float *hi)
{
	__m256d s0 = _mm256_setzero_pd(), s1 = s0, s2 = s0, s3 = s0;
	__m256 lo0 = _mm256_set1_ps(INFINITY), lo1 = lo0, hi0 = _mm256_set1_ps(-INFINITY),
	       hi1 = hi0;
	float l8[8], h8[8];
	double s[4];
	int64_t i = 0;

	for (; i + 16 <= k; i += 16) {
		__m256 x0 = _mm256_loadu_ps((const float *)(q + i * 4));
		__m256 x1 = _mm256_loadu_ps((const float *)(q + i * 4 + 32));
		s0 = _mm256_add_pd(s0, _mm256_cvtps_pd(_mm256_castps256_ps128(x0)));
		s1 = _mm256_add_pd(s1, _mm256_cvtps_pd(_mm256_extractf128_ps(x0, 1)));
		s2 = _mm256_add_pd(s2, _mm256_cvtps_pd(_mm256_castps256_ps128(x1)));
		s3 = _mm256_add_pd(s3, _mm256_cvtps_pd(_mm256_extractf128_ps(x1, 1)));
		lo0 = _mm256_min_ps(lo0, x0), lo1 = _mm256_min_ps(lo1, x1);
		hi0 = _mm256_max_ps(hi0, x0), hi1 = _mm256_max_ps(hi1, x1);
	}
	_mm256_storeu_pd(s, _mm256_add_pd(_mm256_add_pd(s0, s1), _mm256_add_pd(s2, s3)));
	_mm256_storeu_ps(l8, _mm256_min_ps(lo0, lo1));
	_mm256_storeu_ps(h8, _mm256_max_ps(hi0, hi1));
	*sum = (s[0] + s[1]) + (s[2] + s[3]);
	*lo = INFINITY, *hi = -INFINITY;
	for (int l = 0; l < 8; l++) {
		*lo = l8[l] < *lo ? l8[l] : *lo;
		*hi = h8[l] > *hi ? h8[l] : *hi;
	}
	return i;
}

static int64_t block_f32(const uint8_t *q, int64_t k, double *sum, float *lo, float *hi)
{
	static int avx2 = -1; /* asked once; a race only asks twice */

	if (avx2 < 0)
		avx2 = __builtin_cpu_supports("avx2");
	return avx2 ? block_f32_avx2(q, k, sum, lo, hi) : block_f32_sse2(q, k, sum, lo, hi);
}
#else
static int64_t block_f32(const uint8_t *q, int64_t k, double *sum, float *lo, float *hi)
{
	double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
	int64_t i = 0;

	*lo = INFINITY, *hi = -INFINITY;
	for (; i + 4 <= k; i += 4) {
		float v[4];
		memcpy(v, q + i * 4, sizeof(v));
		s0 += v[0], s1 += v[1], s2 += v[2], s3 += v[3];
		for (int l = 0; l < 4; l++) {
			*lo = v[l] < *lo ? v[l] : *lo;
			*hi = v[l] > *hi ? v[l] : *hi;
		}
	}
	*sum = (s0 + s1) + (s2 + s3);
	return i;
}
#endif

static void row_f32_dense(const uint8_t *p, int64_t n, struct acc *a)
{
	enum { BLOCK = 4096 };

	for (int64_t done = 0; done < n;) {
		int64_t k = n - done < BLOCK ? n - done : BLOCK, i;
		const uint8_t *q = p + done * 4;
		double s;
		float lo, hi;

		i = block_f32(q, k, &s, &lo, &hi);
		if (!isfinite(s)) { /* a NaN or infinity: take this block one by one */
			for (i = 0; i < k; i++)
				take(a, LOAD(float, q + i * 4));
		} else {
			a->sum += s;
			if (i) {
				a->min = lo < a->min ? lo : a->min;
				a->max = hi > a->max ? hi : a->max;
			}
			a->count += (uint64_t)i;
			for (; i < k; i++)
				take(a, LOAD(float, q + i * 4));
		}
		done += k;
	}
}

/* Contiguous bfloat16: widened exactly to float32 a block at a time (on
 * the stack, in L1), then summed as float32. */
static void row_bf16_dense(const uint8_t *p, int64_t n, struct acc *a)
{
	enum { BLOCK = 4096 };
	uint32_t buf[BLOCK];

	for (int64_t done = 0; done < n;) {
		int64_t k = n - done < BLOCK ? n - done : BLOCK;
		for (int64_t i = 0; i < k; i++)
			buf[i] = (uint32_t)LOAD(uint16_t, p + (done + i) * 2) << 16;
		row_f32_dense((const uint8_t *)buf, k, a);
		done += k;
	}
}

static void row(int dtype, const uint8_t *p, int64_t n, int64_t step, struct acc *a)
{
/* A table, one dtype a line, laid out by hand */
/* clang-format off */
#define EACH(expr) for (int64_t i = 0; i < n; i++, p += step) take(a, (expr))
	switch (dtype) {
	case IRX_DTYPE_FLOAT32:
		if (step == 4)
			row_f32_dense(p, n, a);
		else
			EACH(LOAD(float, p));
		break;
	case IRX_DTYPE_FLOAT64: EACH(LOAD(double, p)); break;
	case IRX_DTYPE_FLOAT16: EACH(from_half(LOAD(uint16_t, p))); break;
	case IRX_DTYPE_BFLOAT16:
		if (step == 2)
			row_bf16_dense(p, n, a);
		else
			EACH(from_bf16(LOAD(uint16_t, p)));
		break;
	case IRX_DTYPE_FLOAT8_E4M3FN: EACH(from_fp8(*p, 4, 7, 0)); break;
	case IRX_DTYPE_FLOAT8_E5M2: EACH(from_fp8(*p, 5, 15, 0)); break;
	case IRX_DTYPE_FLOAT8_E4M3FNUZ: EACH(from_fp8(*p, 4, 8, 1)); break;
	case IRX_DTYPE_FLOAT8_E5M2FNUZ: EACH(from_fp8(*p, 5, 16, 1)); break;
	case IRX_DTYPE_FLOAT8_E8M0FNU: EACH(*p == 0xff ? NAN : ldexp(1.0, *p - 127)); break;
	case IRX_DTYPE_UINT8: EACH(*p); break;
	case IRX_DTYPE_BOOL: EACH(*p != 0); break;
	case IRX_DTYPE_INT8: EACH((int8_t)*p); break;
	case IRX_DTYPE_INT16: EACH(LOAD(int16_t, p)); break;
	case IRX_DTYPE_UINT16: EACH(LOAD(uint16_t, p)); break;
	case IRX_DTYPE_INT32: EACH(LOAD(int32_t, p)); break;
	case IRX_DTYPE_UINT32: EACH(LOAD(uint32_t, p)); break;
	case IRX_DTYPE_INT64: EACH((double)LOAD(int64_t, p)); break;
	case IRX_DTYPE_UINT64: EACH((double)LOAD(uint64_t, p)); break;
	case IRX_DTYPE_COMPLEX64: EACH(hypotf(LOAD(float, p), LOAD(float, p + 4))); break;
	case IRX_DTYPE_COMPLEX128: EACH(hypot(LOAD(double, p), LOAD(double, p + 8))); break;
	case IRX_DTYPE_COMPLEX32:
		EACH(hypot(from_half(LOAD(uint16_t, p)), from_half(LOAD(uint16_t, p + 2))));
		break;
	}
#undef EACH
	/* clang-format on */
}

/*
 * Merge dimensions that step through memory as one (a contiguous tensor
 * becomes a single row) and drop size-1 ones, so rows are long.  Stride-0
 * dimensions (an expand) repeat the same elements: they are dropped too,
 * and *REPEAT says how many times each element counts.
 */
static int collapse(const irx_tensor *t, int64_t *shape, int64_t *strides, uint64_t *repeat)
{
	int n = 0;

	*repeat = 1;
	for (int d = 0; d < t->ndim; d++) {
		if (t->shape[d] == 1)
			continue;
		if (t->strides[d] == 0) {
			*repeat *= (uint64_t)t->shape[d]; /* no overflow: numel fits */
			continue;
		}
		if (n && strides[n - 1] == t->shape[d] * t->strides[d]) {
			shape[n - 1] *= t->shape[d];
			strides[n - 1] = t->strides[d];
			continue;
		}
		shape[n] = t->shape[d];
		strides[n++] = t->strides[d];
	}
	if (!n) {
		shape[0] = 1;
		strides[0] = 1;
		n = 1;
	}
	return n;
}

irx_status irx_tensor_stats_of(irx_tensor_stats *out, const irx_tensor *t, irx_error *err)
{
	int64_t rowmajor[IRX_TENSOR_MAX_DIMS];
	irx_tensor dense;

	if (!t->strides && t->ndim > 0 && t->ndim <= IRX_TENSOR_MAX_DIMS) { /* NULL: row-major */
		tensor_contiguous_strides(t->ndim, t->shape, rowmajor);
		dense = *t;
		dense.strides = rowmajor;
		t = &dense;
	}
	int64_t idx[IRX_TENSOR_MAX_DIMS] = {0}, shape[IRX_TENSOR_MAX_DIMS],
		strides[IRX_TENSOR_MAX_DIMS];
	size_t es = irx_dtype_size(t->dtype);
	struct acc a = {0, INFINITY, -INFINITY, 0, 0};
	uint64_t repeat;
	int ndim, last;

	memset(out, 0, sizeof(*out));
	if (!es || t->ndim < 0 || t->ndim > IRX_TENSOR_MAX_DIMS)
		return irx_error_set(err, IRX_EUNSUPPORTED,
				     "tensor '%s': no statistics for dtype %d",
				     t->name ? t->name : "", t->dtype);
	if (t->numel && !t->data)
		return irx_error_set(err, IRX_EINVAL, "tensor '%s' has no data",
				     t->name ? t->name : "");
	if (t->numel == 0)
		return IRX_OK;
	ndim = collapse(t, shape, strides, &repeat);
	last = ndim - 1;
	/* odometer over the outer dimensions; each step is one row */
	for (;;) {
		int64_t off = 0;
		for (int d = 0; d < last; d++)
			off += idx[d] * strides[d];
		row(t->dtype, t->data + off * (int64_t)es, shape[last], strides[last] * (int64_t)es,
		    &a);
		int d = last - 1;
		while (d >= 0 && ++idx[d] == shape[d])
			idx[d--] = 0;
		if (d < 0)
			break;
	}
	out->count = a.count * repeat;
	out->nonfinite = a.nonfinite * repeat;
	if (a.count) {
		out->sum = a.sum * (double)repeat;
		out->min = a.min;
		out->max = a.max;
		out->mean = a.sum / (double)a.count; /* repeats change nothing */
	}
	return IRX_OK;
}
