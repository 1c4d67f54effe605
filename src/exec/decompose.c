/*
 * decompose.c: operators that torch 2.x exports and an older libtorch
 * (Debian's 1.13) lacks, written with operators it has.  Used only when
 * the linked libtorch has no operator of that name; each follows torch's
 * own decomposition (torch/_decomp/decompositions.py) and is tested
 * against torch's output in tests/unit/test-decompose.c.
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exec/exec.h"
#include "irx/dtype.h"

/* One-line macros, laid out by hand */
/* clang-format off */
#define T(x) {.kind = IRX_TH_TENSOR, .u.t = (x)}
#define I(v) {.kind = IRX_TH_INT, .u.i = (v)}
#define F(v) {.kind = IRX_TH_FLOAT, .u.f = (v)}
#define B(v) {.kind = IRX_TH_BOOL, .u.i = (v)}
#define NONE {.kind = IRX_TH_NONE}
/* clang-format on */

/* Call OP_TYPE and keep its first result (a tensor) in *OUT. */
static int call(irx_exec_call *c, const char *op_type, const irx_th_arg *args, size_t n,
		irx_th **out, irx_error *err)
{
	irx_th_results *r;
	const irx_th_value *v;
	int rc;

	*out = NULL;
	if ((rc = irx_exec_call_op(&r, c, op_type, args, n, err)))
		return rc;
	v = irx_th_results_at(r, 0);
	if (v && v->kind == IRX_TH_TENSOR)
		*out = irx_th_retain(v->u.t);
	irx_th_results_free(r);
	if (!*out && err && !err->code) {
		err->code = IRX_EFORMAT;
		snprintf(err->text, sizeof(err->text), "%s returned no tensor", op_type);
	}
	return *out ? IRX_OK : IRX_EFORMAT;
}

#define CALL(op, out, ...)                               \
	call(c, (op), (const irx_th_arg[]){__VA_ARGS__}, \
	     sizeof((const irx_th_arg[]){__VA_ARGS__}) / sizeof(irx_th_arg), (out), err)

static double attr_number(irx_exec_call *c, const char *name, double fallback)
{
	const json_t *v = irx_exec_call_attr(c, name);

	return json_is_number(v) ? json_number_value(v) : fallback;
}

static int dims_of(irx_th *t, int64_t *last)
{
	irx_tensor v;

	irx_th_view(&v, t);
	*last = v.ndim ? v.shape[v.ndim - 1] : 1;
	return v.ndim;
}

/*
 * scaled_dot_product_attention(q, k, v, attn_mask=None, dropout_p=0,
 * is_causal=False, scale=None, enable_gqa=False), in inference:
 *   softmax(q @ k^T * scale + mask) @ v
 * where a bool mask (or is_causal's lower triangle) puts -inf where it is
 * false, and enable_gqa repeats k and v over the query's head groups.
 */
static int sdpa(irx_exec_call *c, void *user, irx_error *err)
{
	irx_th *q = irx_exec_call_arg(c, "query", 0), *k = irx_exec_call_arg(c, "key", 0);
	irx_th *v = irx_exec_call_arg(c, "value", 0), *mask = irx_exec_call_arg(c, "attn_mask", 0);
	irx_th *kt = NULL, *scores = NULL, *scaled = NULL, *masked = NULL, *probs = NULL,
	       *out = NULL;
	irx_th *causal = NULL, *ones = NULL, *kk = NULL, *vv = NULL;
	int64_t e;
	int nd, rc;
	double scale;
	irx_tensor qv, kv;

	if (!q || !k || !v)
		return IRX_EFORMAT;
	nd = dims_of(q, &e);
	scale = attr_number(c, "scale", 1.0 / sqrt((double)e));
	if (attr_number(c, "dropout_p", 0) != 0 && err) {
		err->code = IRX_EUNSUPPORTED;
		snprintf(err->text, sizeof(err->text),
			 "dropout in attention is not run (inference only)");
		return err->code;
	}
	irx_th_view(&qv, q);
	irx_th_view(&kv, k);
	kk = irx_th_retain(k);
	vv = irx_th_retain(v);
	if (json_is_true(irx_exec_call_attr(c, "enable_gqa")) && nd >= 3 &&
	    qv.shape[nd - 3] != kv.shape[nd - 3]) {
		int64_t rep = qv.shape[nd - 3] / kv.shape[nd - 3];
		irx_th_free(kk);
		irx_th_free(vv);
		kk = vv = NULL;
		if ((rc = CALL("aten.repeat_interleave.self_int", &kk, {"self", T(k)},
			       {"repeats", I(rep)}, {"dim", I(nd - 3)})) ||
		    (rc = CALL("aten.repeat_interleave.self_int", &vv, {"self", T(v)},
			       {"repeats", I(rep)}, {"dim", I(nd - 3)})))
			goto done;
	}
	if ((rc = CALL("aten.transpose.int", &kt, {"self", T(kk)}, {"dim0", I(-2)},
		       {"dim1", I(-1)})) ||
	    (rc = CALL("aten.matmul.default", &scores, {"self", T(q)}, {"other", T(kt)})) ||
	    (rc = CALL("aten.mul.Scalar", &scaled, {"self", T(scores)}, {"other", F(scale)})))
		goto done;
	if (json_is_true(irx_exec_call_attr(c, "is_causal"))) {
		irx_tensor sv;
		irx_th_view(&sv, scaled);
		const int64_t shape[2] = {sv.shape[sv.ndim - 2], sv.shape[sv.ndim - 1]};
		irx_th_value size = {.kind = IRX_TH_INTS, .u.ints = {shape, 2}};
		if ((rc = CALL("aten.ones.default", &ones, {"size", size},
			       {"dtype", {.kind = IRX_TH_STR, .u.s = "bool"}})) ||
		    (rc = CALL("aten.tril.default", &causal, {"self", T(ones)})))
			goto done;
		mask = causal;
	}
	if (mask) {
		irx_tensor mv;
		irx_th_view(&mv, mask);
		if (mv.dtype == IRX_DTYPE_BOOL) {
			irx_th *inv = NULL;
			rc = CALL("aten.logical_not.default", &inv, {"self", T(mask)});
			if (!rc)
				rc = CALL("aten.masked_fill.Scalar", &masked, {"self", T(scaled)},
					  {"mask", T(inv)}, {"value", F(-INFINITY)});
			irx_th_free(inv);
		} else {
			rc = CALL("aten.add.Tensor", &masked, {"self", T(scaled)},
				  {"other", T(mask)});
		}
		if (rc)
			goto done;
	} else {
		masked = irx_th_retain(scaled);
	}
	if ((rc = CALL("aten._softmax.default", &probs, {"self", T(masked)}, {"dim", I(-1)},
		       {"half_to_float", B(0)})) ||
	    (rc = CALL("aten.matmul.default", &out, {"self", T(probs)}, {"other", T(vv)})))
		goto done;
	rc = irx_exec_call_set_output(c, 0, out, err);
	out = NULL;
done:
	irx_th_free(kt);
	irx_th_free(scores);
	irx_th_free(scaled);
	irx_th_free(masked);
	irx_th_free(probs);
	irx_th_free(out);
	irx_th_free(causal);
	irx_th_free(ones);
	irx_th_free(kk);
	irx_th_free(vv);
	return rc;
}

/*
 * _native_batch_norm_legit_no_training(input, weight, bias, running_mean,
 * running_var, momentum, eps) -> (out, mean, rstd): batch_norm in eval mode;
 * the saved statistics are empty in inference, as torch returns them.
 */
static int batch_norm_no_training(irx_exec_call *c, void *user, irx_error *err)
{
	irx_th *in = irx_exec_call_arg(c, "input", 0), *w = irx_exec_call_arg(c, "weight", 0);
	irx_th *b = irx_exec_call_arg(c, "bias", 0);
	irx_th *mean = irx_exec_call_arg(c, "running_mean", 0),
	       *var = irx_exec_call_arg(c, "running_var", 0);
	irx_th *out = NULL, *empty = NULL;
	irx_th_value wv = w ? (irx_th_value)T(w) : (irx_th_value)NONE;
	irx_th_value bv = b ? (irx_th_value)T(b) : (irx_th_value)NONE;
	size_t n = json_array_size(json_object_get(irx_exec_call_node(c), "outputs"));
	int rc;

	if ((rc = CALL("aten.batch_norm.default", &out, {"input", T(in)}, {"weight", wv},
		       {"bias", bv}, {"running_mean", T(mean)}, {"running_var", T(var)},
		       {"training", B(0)}, {"momentum", F(attr_number(c, "momentum", 0.1))},
		       {"eps", F(attr_number(c, "eps", 1e-5))}, {"cudnn_enabled", B(0)})))
		return rc;
	if ((rc = irx_exec_call_set_output(c, 0, out, err)))
		return rc;
	for (size_t i = 1; i < n && !rc; i++) {
		const int64_t zero[1] = {0};
		irx_th_value size = {.kind = IRX_TH_INTS, .u.ints = {zero, 1}};
		if (!(rc = CALL("aten.empty.memory_format", &empty, {"size", size})))
			rc = irx_exec_call_set_output(c, i, empty, err);
	}
	return rc;
}

/*
 * _native_batch_norm_legit_functional(input, weight, bias, running_mean,
 * running_var, training, momentum, eps) -> (out, save_mean, save_rstd,
 * running_mean_out, running_var_out): a train-mode batch norm of a
 * functionalized program (torch >= 2.0).  native_batch_norm updates the
 * statistics it is given in place, so it gets copies, which are the new
 * statistics (outputs 3 and 4, the program's buffer mutations).
 */
static int batch_norm_functional(irx_exec_call *c, void *user, irx_error *err)
{
	irx_th *in = irx_exec_call_arg(c, "input", 0), *w = irx_exec_call_arg(c, "weight", 0);
	irx_th *b = irx_exec_call_arg(c, "bias", 0);
	irx_th *mean = irx_exec_call_arg(c, "running_mean", 0),
	       *var = irx_exec_call_arg(c, "running_var", 0);
	irx_th *rm = NULL, *rv = NULL, *res[5] = {NULL};
	irx_th_value wv = w ? (irx_th_value)T(w) : (irx_th_value)NONE;
	irx_th_value bv = b ? (irx_th_value)T(b) : (irx_th_value)NONE;
	const json_t *training = irx_exec_call_attr(c, "training"), *o;
	irx_th_results *r = NULL;
	size_t i;
	int rc;

	(void)user;
	if (!mean || !var)
		return irx_error_set(
			err, IRX_EFORMAT,
			"_native_batch_norm_legit_functional without running statistics");
	if ((rc = CALL("aten.clone.default", &rm, {"self", T(mean)})) ||
	    (rc = CALL("aten.clone.default", &rv, {"self", T(var)})))
		goto out;
	rc = irx_exec_call_op(&r, c, "aten.native_batch_norm.default",
			      (const irx_th_arg[]){{"input", T(in)},
						   {"weight", wv},
						   {"bias", bv},
						   {"running_mean", T(rm)},
						   {"running_var", T(rv)},
						   {"training", B(!json_is_false(training))},
						   {"momentum", F(attr_number(c, "momentum", 0.1))},
						   {"eps", F(attr_number(c, "eps", 1e-5))}},
			      8, err);
	if (rc)
		goto out;
	for (i = 0; i < 3; i++) {
		const irx_th_value *v = irx_th_results_at(r, i);
		if (!v || v->kind != IRX_TH_TENSOR) {
			rc = irx_error_set(err, IRX_EFORMAT, "native_batch_norm gave no result %zu",
					   i);
			goto out;
		}
		res[i] = v->u.t;
	}
	res[3] = rm, res[4] = rv;
	/* the node's outputs by schema position (unused ones may be left out) */
	json_array_foreach(json_object_get(irx_exec_call_node(c), "outputs"), i, o) {
		json_int_t k = json_integer_value(json_object_get(o, "output_index"));
		if (k < 0 || k > 4) {
			rc = irx_error_set(err, IRX_EFORMAT, "batch norm output %lld",
					   (long long)k);
			break;
		}
		if ((rc = irx_exec_call_set_output(c, i, irx_th_retain(res[k]), err)))
			break;
	}
out:
	irx_th_results_free(r);
	irx_th_free(rm);
	irx_th_free(rv);
	return rc;
}

/* ---- torch 2.x operators that libtorch 1.13 lacks (docs/newer-ops.md) ---- */

/* The dims of attr NAME (an int list) normalized to [0, NDIM), largest
 * first, each once, into DIMS; their count, or -1 when out of range.  An
 * absent, null or empty list is every dim (as torch's reductions take it). */
static int dims_attr(irx_exec_call *c, const char *name, int ndim, int64_t *dims)
{
	const json_t *l = irx_exec_call_attr(c, name), *v;
	int seen[IRX_TENSOR_MAX_DIMS] = {0}, n = 0;
	size_t i;

	if (!json_array_size(l)) {
		for (int d = ndim - 1; d >= 0; d--)
			dims[n++] = d;
		return n;
	}
	json_array_foreach(l, i, v) {
		int64_t d = json_integer_value(v);
		if (!json_is_integer(v) || d < -(int64_t)(ndim ? ndim : 1) ||
		    d >= (ndim ? ndim : 1))
			return -1;
		d = d < 0 ? d + (ndim ? ndim : 1) : d;
		if (d < IRX_TENSOR_MAX_DIMS && !seen[d])
			seen[d] = 1;
	}
	for (int d = IRX_TENSOR_MAX_DIMS - 1; d >= 0; d--)
		if (seen[d])
			dims[n++] = d;
	return n;
}

/* squeeze.dims(self, int[] dim): squeeze.dim once per dim, the largest
 * first so that the others keep their places (a dim whose size is not 1
 * stays, as torch leaves it). */
static int squeeze_dims(irx_exec_call *c, void *user, irx_error *err)
{
	irx_th *self = irx_exec_call_arg(c, "self", 0), *cur, *next;
	int64_t dims[IRX_TENSOR_MAX_DIMS] = {0};
	irx_tensor v;
	int n, rc = IRX_OK;

	if (!self)
		return IRX_EFORMAT;
	irx_th_view(&v, self);
	if (!json_array_size(irx_exec_call_attr(c, "dim")))
		n = 0; /* squeeze.dims(x, []) squeezes nothing */
	else if ((n = dims_attr(c, "dim", v.ndim, dims)) < 0)
		return irx_error_set(err, IRX_EFORMAT, "squeeze.dims: a dim is out of range");
	cur = irx_th_retain(self);
	for (int i = 0; i < n && !rc && v.ndim; i++) {
		if (v.shape[dims[i]] != 1)
			continue;
		rc = CALL("aten.squeeze.dim", &next, {"self", T(cur)}, {"dim", I(dims[i])});
		irx_th_free(cur);
		cur = rc ? NULL : next;
	}
	if (rc)
		return rc;
	return irx_exec_call_set_output(c, 0, cur, err);
}

/* empty_permuted(size, physical_layout, dtype, ...): an empty tensor of
 * SIZE.  Only the strides differ from torch's (the physical layout), and
 * an empty tensor has no values to compare: what fills it keeps its
 * values. */
static int empty_permuted(irx_exec_call *c, void *user, irx_error *err)
{
	const json_t *size = irx_exec_call_attr(c, "size"), *dtype = irx_exec_call_attr(c, "dtype"),
		     *v;
	int64_t dims[IRX_TENSOR_MAX_DIMS];
	irx_th *out;
	size_t i;
	int rc;

	if (!json_is_array(size) || json_array_size(size) > IRX_TENSOR_MAX_DIMS)
		return irx_error_set(err, IRX_EFORMAT,
				     "empty_permuted: size is not a list of sizes");
	json_array_foreach(size, i, v) {
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return irx_error_set(err, IRX_EFORMAT,
					     "empty_permuted: size is not a list of sizes");
		dims[i] = json_integer_value(v);
	}
	irx_th_value sz = {.kind = IRX_TH_INTS, .u.ints = {dims, json_array_size(size)}};
	irx_th_value dt = json_is_string(dtype) ? (irx_th_value){.kind = IRX_TH_STR,
								 .u.s = json_string_value(dtype)}
						: (irx_th_value)NONE;
	if ((rc = CALL("aten.empty.memory_format", &out, {"size", sz}, {"dtype", dt})))
		return rc;
	return irx_exec_call_set_output(c, 0, out, err);
}

/* The machine epsilon torch's rms_norm takes when eps is None. */
static double eps_of(enum irx_dtype d)
{
	switch (d) {
	case IRX_DTYPE_FLOAT64: return 2.220446049250313e-16;
	case IRX_DTYPE_FLOAT16: return 0.0009765625;
	case IRX_DTYPE_BFLOAT16: return 0.0078125;
	default: return 1.1920928955078125e-07;
	}
}

/*
 * rms_norm(input, normalized_shape, weight=None, eps=None), as torch's
 * composite: x * rsqrt(mean(x^2 over the normalized dims) + eps) * weight,
 * computed in float32 for half-precision inputs and cast back.
 */
static int rms_norm(irx_exec_call *c, void *user, irx_error *err)
{
	irx_th *in = irx_exec_call_arg(c, "input", 0), *w = irx_exec_call_arg(c, "weight", 0);
	irx_th *x = NULL, *sq = NULL, *mean = NULL, *r = NULL, *normed = NULL, *cast = NULL,
	       *out = NULL;
	size_t k = json_array_size(irx_exec_call_attr(c, "normalized_shape"));
	int64_t dims[IRX_TENSOR_MAX_DIMS];
	irx_tensor v;
	int rc, half;

	if (!in)
		return IRX_EFORMAT;
	irx_th_view(&v, in);
	if (!k || k > (size_t)v.ndim)
		return irx_error_set(err, IRX_EFORMAT,
				     "rms_norm: normalized_shape does not fit the input");
	for (size_t i = 0; i < k; i++)
		dims[i] = (int64_t)v.ndim - (int64_t)k + (int64_t)i;
	half = v.dtype == IRX_DTYPE_FLOAT16 || v.dtype == IRX_DTYPE_BFLOAT16;
	if (half)
		rc = irx_th_to_dtype(&x, in, IRX_DTYPE_FLOAT32, err);
	else
		x = irx_th_retain(in), rc = IRX_OK;
	if (rc)
		return rc;
	irx_th_value dl = {.kind = IRX_TH_INTS, .u.ints = {dims, k}};
	const json_t *eps = irx_exec_call_attr(c, "eps");
	if ((rc = CALL("aten.mul.Tensor", &sq, {"self", T(x)}, {"other", T(x)})) ||
	    (rc = CALL("aten.mean.dim", &mean, {"self", T(sq)}, {"dim", dl}, {"keepdim", B(1)})) ||
	    (rc = CALL(
		     "aten.add.Scalar", &r, {"self", T(mean)},
		     {"other", F(json_is_number(eps) ? json_number_value(eps) : eps_of(v.dtype))})))
		goto done;
	irx_th_free(sq);
	sq = NULL;
	if ((rc = CALL("aten.rsqrt.default", &sq, {"self", T(r)})) ||
	    (rc = CALL("aten.mul.Tensor", &normed, {"self", T(x)}, {"other", T(sq)})))
		goto done;
	if (half && (rc = irx_th_to_dtype(&cast, normed, v.dtype, err)))
		goto done;
	if (!half)
		cast = irx_th_retain(normed);
	if (w)
		rc = CALL("aten.mul.Tensor", &out, {"self", T(cast)}, {"other", T(w)});
	else
		out = irx_th_retain(cast);
	if (!rc) {
		rc = irx_exec_call_set_output(c, 0, out, err);
		out = NULL;
	}
done:
	irx_th_free(x);
	irx_th_free(sq);
	irx_th_free(mean);
	irx_th_free(r);
	irx_th_free(normed);
	irx_th_free(cast);
	irx_th_free(out);
	return rc;
}

/* any.dims / all.dims(self, int[]? dim=None, bool keepdim=False): any.dim
 * (all.dim) once per dim, the largest first; no dims is every dim. */
static int reduce_dims(irx_exec_call *c, const char *op, irx_error *err)
{
	irx_th *self = irx_exec_call_arg(c, "self", 0), *cur, *next;
	int64_t dims[IRX_TENSOR_MAX_DIMS];
	int keep = json_is_true(irx_exec_call_attr(c, "keepdim"));
	irx_tensor v;
	int n, rc = IRX_OK;

	if (!self)
		return IRX_EFORMAT;
	irx_th_view(&v, self);
	if ((n = dims_attr(c, "dim", v.ndim, dims)) < 0)
		return irx_error_set(err, IRX_EFORMAT, "any.dims/all.dims: a dim is out of range");
	cur = irx_th_retain(self);
	if (!v.ndim) { /* a scalar: any.dim on dim 0 (or -1) of it */
		rc = CALL(op, &next, {"self", T(cur)}, {"dim", I(0)}, {"keepdim", B(keep)});
		irx_th_free(cur);
		cur = rc ? NULL : next;
	}
	for (int i = 0; i < n && !rc && v.ndim; i++) {
		rc = CALL(op, &next, {"self", T(cur)}, {"dim", I(dims[i])}, {"keepdim", B(keep)});
		irx_th_free(cur);
		cur = rc ? NULL : next;
	}
	if (rc)
		return rc;
	return irx_exec_call_set_output(c, 0, cur, err);
}

static int any_dims(irx_exec_call *c, void *user, irx_error *err)
{
	return reduce_dims(c, "aten.any.dim", err);
}

static int all_dims(irx_exec_call *c, void *user, irx_error *err)
{
	return reduce_dims(c, "aten.all.dim", err);
}

/*
 * histc(self, bins=100, min=0, max=0) on integers: no libtorch has a CPU
 * kernel for it (1.13 nor 2.14: "histogram_cpu" not implemented for
 * 'Long'), yet MoE routing calls it on expert indices (transformers'
 * integrations/moe.py on a non-CPU device, mixtral and qwen3_moe captured
 * on meta).  torch's own CPU path is the one transformers takes there:
 * histc of the values as floats.  Here they go to float64, exact for every
 * integer up to 2^53 (float32 is exact only up to 2^24), and the counts
 * come back in the input's dtype, as histc returns them.  Float inputs run
 * the linked libtorch's histc as they are.  An executor rather than a
 * decomposition by name: every libtorch has aten::histc, only not for
 * integers.
 */
int exec_histc(irx_exec_call *c, void *user, irx_error *err)
{
	irx_th *self = irx_exec_call_arg(c, "self", 0), *x = NULL, *h = NULL, *out = NULL;
	irx_tensor v;
	int rc;

	(void)user;
	if (!self)
		return irx_error_set(err, IRX_EFORMAT, "histc needs self");
	irx_th_view(&v, self);
	int integral = v.dtype == IRX_DTYPE_UINT8 || v.dtype == IRX_DTYPE_INT8 ||
		       v.dtype == IRX_DTYPE_INT16 || v.dtype == IRX_DTYPE_INT32 ||
		       v.dtype == IRX_DTYPE_INT64;
	if (integral)
		rc = irx_th_to_dtype(&x, self, IRX_DTYPE_FLOAT64, err);
	else
		x = irx_th_retain(self), rc = IRX_OK;
	if (rc)
		return rc;
	if ((rc = CALL("aten.histc.default", &h, {"self", T(x)},
		       {"bins", I((int64_t)attr_number(c, "bins", 100))},
		       {"min", F(attr_number(c, "min", 0))}, {"max", F(attr_number(c, "max", 0))})))
		goto done;
	if (integral)
		rc = irx_th_to_dtype(&out, h, v.dtype, err);
	else
		out = irx_th_retain(h);
	if (!rc)
		rc = irx_exec_call_set_output(c, 0, out, err);
done:
	irx_th_free(x);
	irx_th_free(h);
	return rc;
}

/* ---- custom operators of model libraries (docs/newer-ops.md) ------------ */

/* Element I of a 1-D integer tensor. */
static int64_t int_at(const irx_tensor *t, int64_t i)
{
	if (t->dtype == IRX_DTYPE_INT32) {
		int32_t x;
		memcpy(&x, t->data + (size_t)i * t->strides[0] * 4, 4);
		return x;
	}
	int64_t x;
	memcpy(&x, t->data + (size_t)i * t->strides[0] * 8, 8);
	return x;
}

/*
 * transformers::grouped_mm_fallback(Tensor input, Tensor weight, Tensor offs)
 * -> Tensor: transformers' mixture-of-experts fallback (integrations/moe.py;
 * mixtral, qwen3_moe).  Rows start..end of input (S, in) times expert i's
 * weight (E, in, out), for the cumulative ends offs (E); rows past the last
 * end are zero.  The ends are data: checked to rise within 0..S.
 */
static int grouped_mm(irx_exec_call *c, void *user, irx_error *err)
{
	irx_th *in = irx_exec_call_arg(c, "input", 0), *w = irx_exec_call_arg(c, "weight", 0);
	irx_th *offs = irx_exec_call_arg(c, "offs", 0);
	irx_th **parts = NULL, *rows = NULL, *wi = NULL, *out = NULL;
	irx_tensor iv, wv, ov;
	size_t n = 0;
	int64_t start = 0;
	int rc = IRX_OK;

	if (!in || !w || !offs)
		return irx_error_set(err, IRX_EFORMAT,
				     "grouped_mm_fallback needs input, weight and offs");
	irx_th_view(&iv, in);
	irx_th_view(&wv, w);
	irx_th_view(&ov, offs);
	if (iv.ndim != 2 || wv.ndim != 3 || ov.ndim != 1 || ov.shape[0] != wv.shape[0] ||
	    iv.shape[1] != wv.shape[1] ||
	    (ov.dtype != IRX_DTYPE_INT64 && ov.dtype != IRX_DTYPE_INT32))
		return irx_error_set(
			err, IRX_EFORMAT,
			"grouped_mm_fallback: input (S, in), weight (E, in, out) and integer "
			"offs (E) do not fit");
	if (!(parts = calloc((size_t)ov.shape[0] + 2, sizeof(*parts))))
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	for (int64_t i = 0; i < ov.shape[0] && !rc; i++) {
		int64_t end = int_at(&ov, i);
		if (end < start || end > iv.shape[0]) {
			rc = irx_error_set(
				err, IRX_EFORMAT,
				"grouped_mm_fallback: offs must rise from 0 to at most the rows "
				"of input");
			break;
		}
		if (end == start)
			continue;
		if (!(rc = CALL("aten.slice.Tensor", &rows, {"self", T(in)}, {"dim", I(0)},
				{"start", I(start)}, {"end", I(end)}, {"step", I(1)})) &&
		    !(rc = CALL("aten.select.int", &wi, {"self", T(w)}, {"dim", I(0)},
				{"index", I(i)})))
			rc = CALL("aten.mm.default", &parts[n], {"self", T(rows)}, {"mat2", T(wi)});
		if (!rc)
			n++;
		irx_th_free(rows);
		irx_th_free(wi);
		rows = wi = NULL;
		start = end;
	}
	if (!rc && (start < iv.shape[0] || !n)) {
		const int64_t shape[2] = {iv.shape[0] - start, wv.shape[2]};
		irx_th_value size = {.kind = IRX_TH_INTS, .u.ints = {shape, 2}};
		if (!(rc = CALL("aten.new_zeros.default", &parts[n], {"self", T(in)},
				{"size", size})))
			n++;
	}
	if (!rc) {
		irx_th_value list = {.kind = IRX_TH_TENSORS, .u.tensors = {parts, n}};
		if (!(rc = CALL("aten.cat.default", &out, {"tensors", list}, {"dim", I(0)})))
			rc = irx_exec_call_set_output(c, 0, out, err);
	}
	for (size_t i = 0; i < n; i++)
		irx_th_free(parts[i]);
	free(parts);
	return rc;
}

static const struct {
	const char *op_type;
	irx_executor_fn fn;
} table[] = {
	{"aten.squeeze.dims", squeeze_dims},
	{"aten.empty_permuted.default", empty_permuted},
	{"aten.rms_norm.default", rms_norm},
	{"aten.any.dims", any_dims},
	{"aten.all.dims", all_dims},
	{"transformers.grouped_mm_fallback.default", grouped_mm},
	{"aten.scaled_dot_product_attention.default", sdpa},
	{"aten._native_batch_norm_legit_no_training.default", batch_norm_no_training},
	{"aten._native_batch_norm_legit_functional.default", batch_norm_functional},
};

int exec_find_decomposition(const irx_executors *set, const char *op_type, irx_executor_fn *fn,
			    void **user)
{
	const irx_executor_fn *mine = exec_find_user_decomposition(set, op_type, user);

	if (mine) {
		*fn = *mine;
		return 1;
	}
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (!strcmp(table[i].op_type, op_type)) {
			*fn = table[i].fn;
			*user = NULL;
			return 1;
		}
	return 0;
}
