/*
 * irx/torch-ts.h: walking a TorchScript method through libtorch
 * (libirx-torch), for irx-export.
 *
 * The module is loaded on the CPU in eval mode, the method's graph is
 * inlined and cleaned (Inline, LowerSimpleTuples, RemoveListMutation,
 * ConstantPropagation, EliminateDeadCode; never frozen), and then run node
 * by node with the archive's own weights on the given inputs.  The run is
 * specialized as torch.jit.trace specializes: the branch taken, loops
 * unrolled, list/int/str plumbing consumed.  What remains is reported to a
 * sink, in execution order: every operator whose schema has a Tensor
 * result, with its arguments by schema name, where each input tensor came
 * from, and what it returned.  The JSON is the caller's business.
 *
 * Every entry point catches every C++ exception and returns an irx_error
 * with one line.  Refusals (a stateful forward, a custom class, fork/wait,
 * data-dependent control flow, ...) are IRX_EUNSUPPORTED.
 */
#ifndef IRX_TORCH_TS_H
#define IRX_TORCH_TS_H

#include <jansson.h>
#include <stdio.h>

#include "irx/torch.h"

IRX_BEGIN_DECLS

typedef struct irx_th_ts irx_th_ts; /* a loaded TorchScript module */

/** An argument or result: NAMES name the tensors of a TENSOR (names[0])
 * or TENSORS value (NULL for None).  TYPE is the schema's type
 * ("Tensor?", "int[]", "ScalarType?"); dtypes, layouts, memory formats and
 * devices come as STR values by name ("float32", "strided", "cpu"). */
typedef struct irx_th_ts_arg {
	const char *name;
	const char *type;
	irx_th_value value;
	const char *const *names;
} irx_th_ts_arg;

typedef struct irx_th_ts_node {
	const char *target;        /* "aten.conv2d.default" */
	const irx_th_ts_arg *args; /* every schema argument, in schema order */
	size_t n_args;
	const irx_th_ts_arg *outputs; /* one per schema result; name NULL */
	size_t n_outputs;
	const char *module_path; /* "encoder.layers.0", "" for the root; NULL: unknown */
	const char *module_type; /* its class: "torch.nn.modules.conv.Conv2d"; NULL: unknown */
	const char *source;      /* "model.py:12: return x + 1"; NULL: unknown */
} irx_th_ts_node;

enum irx_th_ts_input {
	IRX_TH_TS_USER_INPUT,
	IRX_TH_TS_PARAMETER,
	IRX_TH_TS_BUFFER,
	IRX_TH_TS_CONSTANT, /* a plain tensor attribute or a tensor constant */
};

typedef struct irx_th_ts_sink {
	void *ctx;
	/** A graph input: NAME in the graph, TARGET its state_dict key
	 * (NULL for user inputs), T its value (borrowed for the call). */
	int (*input)(void *ctx, enum irx_th_ts_input kind, const char *name, const char *target,
		     const irx_th *t, irx_error *err);
	int (*node)(void *ctx, const irx_th_ts_node *n, irx_error *err);
	/** A graph output: a TENSOR with NAME, or a literal value. */
	int (*output)(void *ctx, const char *name, const irx_th_value *v, irx_error *err);
	/** A decision the IR holds for these inputs only (a data-dependent
	 * branch taken under allow_data_dependent), or a fixed argument. */
	int (*note)(void *ctx, const char *what, const char *text, irx_error *err);
} irx_th_ts_sink;

typedef struct irx_th_ts_options {
	const char *method;    /* NULL: "forward" */
	irx_th *const *inputs; /* the method's tensors, flattened, in order */
	size_t n_inputs;
	const char *const *scalars; /* int, float, bool arguments, in order, as text */
	size_t n_scalars;
	int allow_data_dependent;
	unsigned long max_iterations; /* 0: 1000000 loop iterations in all */
} irx_th_ts_options;

/** Load PATH (torch.jit.save) on the CPU in eval mode.  A load failure
 * names what libtorch did not know, and the linked libtorch version. */
IRX_API irx_status irx_th_ts_load(irx_th_ts **out, const char *path, irx_error *err);
IRX_API void irx_th_ts_free(irx_th_ts *m);
/** The module's methods and their signatures, one per line ("forward(x: Tensor) -> Tensor"); malloc'd. */
IRX_API char *irx_th_ts_methods(const irx_th_ts *m);
/** How many tensors METHOD takes (tuples counted flat; -1 for a list). */
IRX_API irx_status irx_th_ts_n_tensor_inputs(long *out, const irx_th_ts *m, const char *method,
					     irx_error *err);
/** The inputs the archive says METHOD was traced with (traced_inputs.pkl,
 * torch >= 2.0), flattened; IRX_EMISMATCH when it has none.  torch 2.6
 * and 2.14 save their shapes and dtypes but not their values: then
 * *SHAPES_ONLY is 1 and the tensors hold no data to be read. */
IRX_API irx_status irx_th_ts_traced_inputs(irx_th_results **out, int *shapes_only, const char *path,
					   const char *method, irx_error *err);
/** Run METHOD and report it to SINK. */
IRX_API irx_status irx_th_ts_walk(irx_th_ts *m, const irx_th_ts_options *opts,
				  const irx_th_ts_sink *sink, irx_error *err);

/* ---- the irx-program document (ts-program.c) ---------------------------- */

typedef struct irx_ts_export_options {
	const char *source;            /* file name recorded as provenance */
	const char *container_version; /* the archive's version entry, or NULL */
	FILE *weights_out;             /* NULL, or: weights and constants by name, safetensors */
	FILE *inputs_out;              /* NULL, or: the user inputs, a torch.save list */
} irx_ts_export_options;

/**
 * Walk M with WO and build its irx-program document (the same form as a
 * .pt2 program's, source.layout "torchscript").  @param out new reference.
 */
IRX_API irx_status irx_ts_program(json_t **out, irx_th_ts *m, const irx_th_ts_options *wo,
				  const irx_ts_export_options *opts, irx_error *err);

IRX_END_DECLS

#endif
