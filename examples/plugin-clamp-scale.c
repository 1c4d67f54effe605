/*
 * plugin-clamp-scale: an irx plugin.  It runs the custom operator
 * irxdemo::clamp_scale(Tensor x, Tensor scale, float limit) -> Tensor,
 * which tests/fixtures/gen_ops.py defines with torch.library.custom_op
 * (x * scale, clamped to [-limit, limit]) and which no libtorch has, with
 * two ATen operators that every libtorch has:
 *
 *   cc -shared -fPIC plugin-clamp-scale.c $(pkg-config --cflags --libs irx-torch) \
 *      -o plugin-clamp-scale.so
 *   irx-convert --schemas irxdemo.schemas model.json -o model.ir.json
 *   irx-verify --plugin=./plugin-clamp-scale.so model.ir.json -w ... -i ... --expected ...
 *
 * irx-exec and irx-verify call irx_plugin_init() (irx/exec.h) with the set
 * of executors they run with.  It is registered as a decomposition: irx
 * uses it because libtorch has no irxdemo::clamp_scale (irx_executors_add()
 * would register an executor, which runs before libtorch is asked).
 */
#include <irx/exec.h>

static irx_status clamp_scale(irx_exec_call *c, void *user, irx_error *err)
{
	irx_th *x = irx_exec_call_arg(c, "x", 0), *scale = irx_exec_call_arg(c, "scale", 0);
	const json_t *limit = irx_exec_call_attr(c, "limit");
	irx_th_results *r = NULL;
	irx_th *scaled, *out;
	irx_status rc;
	double l;

	(void)user;
	if (!x || !scale || !json_is_number(limit))
		return irx_error_set(err, IRX_EFORMAT, "clamp_scale needs x, scale and limit");
	l = json_number_value(limit);
	irx_th_arg mul[] = {{"self", {.kind = IRX_TH_TENSOR, .u.t = x}},
			    {"other", {.kind = IRX_TH_TENSOR, .u.t = scale}}};
	if ((rc = irx_exec_call_op(&r, c, "aten.mul.Tensor", mul, 2, err)))
		return rc;
	scaled = irx_th_retain(irx_th_results_at(r, 0)->u.t);
	irx_th_results_free(r);
	irx_th_arg clamp[] = {{"self", {.kind = IRX_TH_TENSOR, .u.t = scaled}},
			      {"min", {.kind = IRX_TH_FLOAT, .u.f = -l}},
			      {"max", {.kind = IRX_TH_FLOAT, .u.f = l}}};
	rc = irx_exec_call_op(&r, c, "aten.clamp.default", clamp, 3, err);
	irx_th_free(scaled);
	if (rc)
		return rc;
	out = irx_th_retain(irx_th_results_at(r, 0)->u.t);
	irx_th_results_free(r);
	return irx_exec_call_set_output(c, 0, out, err);
}

/* The entry point: the name is IRX_PLUGIN_INIT. */
irx_status irx_plugin_init(irx_executors *set, irx_error *err);

irx_status irx_plugin_init(irx_executors *set, irx_error *err)
{
	return irx_executors_add_decomposition(set, "irxdemo.clamp_scale.default", clamp_scale,
					       NULL, err);
}
