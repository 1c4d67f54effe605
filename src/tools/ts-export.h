/*
 * ts-export.h: irx-export's TorchScript options, and the hand-over to the
 * helper program that reads TorchScript through libtorch (irx-export-ts).
 */
#ifndef IRX_TOOLS_TS_EXPORT_H
#define IRX_TOOLS_TS_EXPORT_H

#include <argp.h>

#include "irx.h"

#define TS_MAX_ARGS 64

struct ts_args {
	const char *method, *inputs, *save_weights, *save_inputs;
	const char *shapes[TS_MAX_ARGS], *dtypes[TS_MAX_ARGS], *scalars[TS_MAX_ARGS];
	int n_shapes, n_dtypes, n_scalars;
	int allow_dd;
};

enum {
	TS_OPT_METHOD = 0x200,
	TS_OPT_SHAPE,
	TS_OPT_DTYPE,
	TS_OPT_INPUTS,
	TS_OPT_ARG,
	TS_OPT_ALLOW_DD,
	TS_OPT_SAVE_WEIGHTS,
	TS_OPT_SAVE_INPUTS,
};

#define TS_EXPORT_OPTIONS                                                                                           \
	{NULL, 0, NULL, 0, "TorchScript archives (read through libtorch):", 1},                                     \
		{"method", TS_OPT_METHOD, "NAME", 0, "Export method NAME (default: forward)", 1},                   \
		{"input-shape",                                                                                     \
		 TS_OPT_SHAPE,                                                                                      \
		 "DIMS[:DTYPE]",                                                                                    \
		 0,                                                                                                 \
		 "The shape of one tensor input, such as 1,3,224,224 (repeat, one per input, in order)",            \
		 1},                                                                                                \
		{"input-dtype",                                                                                     \
		 TS_OPT_DTYPE,                                                                                      \
		 "DTYPE",                                                                                           \
		 0,                                                                                                 \
		 "The dtype of one tensor input (repeatable, in order; one given applies to all; default float32)", \
		 1},                                                                                                \
		{"inputs",                                                                                          \
		 TS_OPT_INPUTS,                                                                                     \
		 "FILE",                                                                                            \
		 0,                                                                                                 \
		 "Run with these tensors (a torch.save list, as irx-exec takes)",                                   \
		 1},                                                                                                \
		{"arg",                                                                                             \
		 TS_OPT_ARG,                                                                                        \
		 "VALUE",                                                                                           \
		 0,                                                                                                 \
		 "The value of the next int, float or bool argument of the method (repeatable, in order)",          \
		 1},                                                                                                \
		{"allow-data-dependent",                                                                            \
		 TS_OPT_ALLOW_DD,                                                                                   \
		 NULL,                                                                                              \
		 0,                                                                                                 \
		 "Take a branch or loop whose condition depends on tensor values as these inputs take it, "         \
		 "and record that in the document",                                                                 \
		 1},                                                                                                \
		{"save-weights",                                                                                    \
		 TS_OPT_SAVE_WEIGHTS,                                                                               \
		 "FILE",                                                                                            \
		 0,                                                                                                 \
		 "Also write the weights and constants the IR names, as safetensors (for irx-exec -w)",             \
		 1},                                                                                                \
	{                                                                                                           \
		"save-inputs", TS_OPT_SAVE_INPUTS, "FILE", 0,                                                       \
			"Also write the inputs the method was run with (a torch.save list, for irx-exec -i)",       \
			1                                                                                           \
	}

error_t ts_parse_opt(struct ts_args *a, int key, char *arg, struct argp_state *state);
/* Whether any TorchScript option was given. */
int ts_given(const struct ts_args *a);
/*
 * Export the TorchScript archive AR: check its zip, then run the helper.
 * Returns an exit status (it returns only when the helper cannot run).
 */
int ts_export(const irx_archive *ar, const struct ts_args *a, const char *input, const char *output,
	      int compact, const char *argv0);

#endif
