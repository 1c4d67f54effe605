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

static const struct {
	const char *op_type;
	irx_executor_fn fn;
} table[] = {
	{"aten.scaled_dot_product_attention.default", sdpa},
	{"aten._native_batch_norm_legit_no_training.default", batch_norm_no_training},
	{"aten._native_batch_norm_legit_functional.default", batch_norm_functional},
};

int exec_find_decomposition(const char *op_type, irx_executor_fn *fn, void **user)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (!strcmp(table[i].op_type, op_type)) {
			*fn = table[i].fn;
			*user = NULL;
			return 1;
		}
	return 0;
}
