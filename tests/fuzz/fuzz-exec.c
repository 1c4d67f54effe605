/*
 * fuzz-exec: any bytes as an IR, through the planner and the executor of
 * libirx-torch (linked with libtorch), with tiny bounds: an IR that plans
 * runs on random inputs of its graph inputs' shapes.  Weights are not
 * bound (the seeds have theirs as graph inputs), so an IR with weights
 * stops at irx_exec_run; what must hold is that nothing crashes, leaks,
 * or runs past the bounds, whatever the IR says.
 */
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <jansson.h>
#include "irx.h"
#include "irx/exec.h"
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

enum { MAX_INPUTS = 8, MAX_INPUT_ELEMENTS = 4096 };

/* A random input for graph input META, or NULL when it is not small. */
static irx_th *input_for(const json_t *meta, uint64_t seed)
{
	const json_t *shape = json_object_get(meta, "shape");
	int64_t dims[IRX_TENSOR_MAX_DIMS];
	int64_t numel = 1;
	size_t i, nd = json_array_size(shape);
	json_t *v;
	irx_th *t = NULL;
	int dtype = irx_dtype_from_name(json_string_value(json_object_get(meta, "dtype")));

	if (dtype <= 0 || !json_is_array(shape) || nd > IRX_TENSOR_MAX_DIMS)
		return NULL;
	json_array_foreach(shape, i, v) {
		dims[i] = json_integer_value(v);
		if (!json_is_integer(v) || dims[i] < 0 || dims[i] > MAX_INPUT_ELEMENTS)
			return NULL;
		numel *= dims[i];
		if (numel > MAX_INPUT_ELEMENTS)
			return NULL;
	}
	if (irx_th_random(&t, dtype, dims, (int)nd, seed, NULL))
		return NULL;
	return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	irx_exec_options o = {.threads = 1,
			      .max_memory = 64 << 20,
			      .max_elements = 1 << 16,
			      .max_iterations = 64};
	irx_th *in[MAX_INPUTS] = {0};
	json_t *ir = NULL;
	irx_exec *x = NULL;
	irx_error err = {0};
	size_t k;

	if (irx_json_parse(&ir, d, n, &err))
		return 0;
	if (!irx_exec_new(&x, ir, &o, &err) && irx_exec_n_inputs(x) <= MAX_INPUTS) {
		for (k = 0; k < irx_exec_n_inputs(x); k++)
			if (!(in[k] = input_for(irx_exec_input(x, k), k)))
				break;
		if (k == irx_exec_n_inputs(x))
			irx_exec_run(x, in, k, &err);
		for (size_t i = 0; i < k; i++)
			irx_th_free(in[i]);
	}
	irx_exec_free(x);
	json_decref(ir);
	return 0;
}
