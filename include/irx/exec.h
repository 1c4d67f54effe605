/*
 * irx/exec.h: run an IR with real weights (libirx-torch).
 *
 * Every node runs through libtorch's dispatcher: "aten.conv2d.default" is
 * the operator aten::conv2d, overload "", and its arguments come from the
 * IR's inputs and attrs, matched to the linked libtorch's schema by name.
 * What is not an ATen call has an executor from a registry: higher-order
 * operators run their subgraphs; exporter bookkeeping such as
 * aten._assert_tensor_metadata is checked or skipped explicitly.
 * Operators the linked libtorch lacks (libtorch 1.13 has no
 * scaled_dot_product_attention) run through decompositions into operators
 * it has.  Plans are made before anything runs: every operator that can be
 * neither dispatched nor decomposed is listed at once.
 *
 * Values are freed after their last use, so peak memory is the weights
 * plus the largest set of live intermediates.
 */
#ifndef IRX_EXEC_H
#define IRX_EXEC_H

#include <jansson.h>

#include "irx/tensor.h"
#include "irx/torch.h"

IRX_BEGIN_DECLS

typedef struct irx_exec irx_exec;
typedef struct irx_executors irx_executors;

typedef struct irx_exec_options {
	/* Executors for operators that are not libtorch calls (see below);
	 * NULL: the built-in ones only.  Borrowed: it must outlive the plan. */
	const irx_executors *executors;
	int strict;  /* weights the IR does not use are an error */
	int float64; /* compute floating point in float64 (a reference trace) */
	int threads; /* intra-op threads; 0: libtorch's default */
	irx_warn_fn warn;
	void *warn_ctx;
	/* Called after each node of the top-level graph with its outputs
	 * (borrowed), in the IR's output order; a nonzero return stops the run
	 * with that status.  For --dump-intermediates and --per-node. */
	irx_status (*on_node)(void *ctx, const json_t *node, irx_th *const *outputs, size_t n,
			      irx_error *err);
	void *on_node_ctx;
	int measure;   /* track the largest live set (costs a little per node) */
	int decompose; /* use irx's decompositions even where libtorch has the
	                          operator (to hold them against it) */
	/* Operators ("aten.from_file.default", or "aten.from_file" for every
	 * overload) to run although irx_schema_refusal() refuses them. */
	const char *const *allow_ops;
	size_t n_allow_ops;
	/* Bounds; 0 takes the default, SIZE_MAX / UINT64_MAX is no bound. */
	size_t max_memory;       /* bytes libtorch may hold; default half the RAM */
	uint64_t max_elements;   /* elements one node reads and writes; default 2^32 */
	uint64_t max_iterations; /* of one while_loop; default 2^20 */
	/* Called like on_node (with on_node_ctx) after each node of a subgraph
	 * that a higher-order node calls (torch.cond's branch, a while_loop
	 * body), at every call.  CALLERS holds 2 * DEPTH names, outermost
	 * first: the calling node's name, then the subgraph's.  NULL: the
	 * nodes of subgraphs are not reported. */
	irx_status (*on_subgraph_node)(void *ctx, const char *const *callers, size_t depth,
				       const json_t *node, irx_th *const *outputs, size_t n,
				       irx_error *err);
} irx_exec_options;

/** Every option at its default. */
#define IRX_EXEC_OPTIONS_INIT                                                       \
	{                                                                           \
		NULL, 0, 0, 0, NULL, NULL, NULL, NULL, 0, 0, NULL, 0, 0, 0, 0, NULL \
	}

/* The defaults of the bounds above. */
#define IRX_EXEC_MAX_ELEMENTS (UINT64_C(1) << 32)
#define IRX_EXEC_MAX_ITERATIONS (UINT64_C(1) << 20)
/** The default of max_memory: half the machine's physical memory. */
IRX_API size_t irx_exec_default_max_memory(void);

/**
 * Plan IR: resolve every node (subgraphs included) to an executor, a
 * libtorch operator or a decomposition.  Fails with IRX_EUNSUPPORTED
 * naming every operator that cannot run, and with IRX_EFORMAT for an IR
 * that does not hold together.  IR is borrowed and must outlive the plan.
 */
IRX_API irx_status irx_exec_new(irx_exec **out, const json_t *ir, const irx_exec_options *o,
				irx_error *err);
IRX_API void irx_exec_free(irx_exec *x);

/**
 * Bind the IR's weights and constants to tensors of the N sets W (a state
 * dict, and for example a .pt2 archive's constants), by state_dict key
 * (weight_name_mapping); the first set that has a key wins.  Every missing
 * weight and every dtype or shape mismatch is named, all in one message,
 * before anything runs.  Tensors the IR does not use are a warning (an
 * error with strict).  The sets' bytes are used in place and must outlive
 * the plan.
 */
IRX_API irx_status irx_exec_bind(irx_exec *x, const irx_tensors *const *w, size_t n,
				 irx_error *err);

IRX_API size_t irx_exec_n_inputs(const irx_exec *x);
/** Graph input I: its TensorMeta from the IR (name, dtype, shape). */
IRX_API const json_t *irx_exec_input(const irx_exec *x, size_t i);
IRX_API size_t irx_exec_n_outputs(const irx_exec *x);
IRX_API const json_t *irx_exec_output(const irx_exec *x, size_t i);

/**
 * Check INPUTS against the graph inputs (count, dtype, shape; all problems
 * named in one message), then run.  Inputs are borrowed.
 */
IRX_API irx_status irx_exec_run(irx_exec *x, irx_th *const *inputs, size_t n, irx_error *err);
/**
 * A dynamic IR (irx-convert --allow-dynamic): set symbol NAME (one of the
 * IR's "symbols") to VALUE, within its range, before the runs.  A run binds
 * the other symbols from its inputs' shapes; an input that gives a set
 * symbol another value is an error.
 */
IRX_API irx_status irx_exec_set_symbol(irx_exec *x, const char *name, int64_t value,
				       irx_error *err);
/**
 * The shape of graph input I with the symbols set so far evaluated (for
 * making inputs): NDIM sizes into DIMS (IRX_TENSOR_MAX_DIMS of room).  An
 * unset symbol is an error that names it and its range.
 */
IRX_API irx_status irx_exec_input_shape(int64_t *dims, int *ndim, const irx_exec *x, size_t i,
					irx_error *err);
/** Output I of the last run; borrowed until the next run or the free. */
IRX_API irx_th *irx_exec_result(const irx_exec *x, size_t i);

/** The IR's mutations (buffer updates and the like): how many, entry I
 * (TensorMeta plus kind and target, the buffer's state_dict key), and its
 * value after the last run (borrowed like a result; NULL when it is not a
 * tensor or nothing ran). */
IRX_API size_t irx_exec_n_mutations(const irx_exec *x);
IRX_API const json_t *irx_exec_mutation(const irx_exec *x, size_t i);
IRX_API irx_th *irx_exec_mutation_result(const irx_exec *x, size_t i);

/**
 * Bytes of the bound weights and constants, and (with the measure option)
 * the most bytes of intermediate values alive at once in any run so far,
 * counting each storage once.
 */
IRX_API void irx_exec_memory(size_t *weights, size_t *peak_live, const irx_exec *x);

/* ---- executors: operators that are not libtorch calls ------------------ */

typedef struct irx_exec_call irx_exec_call;

/**
 * An executor runs one node.  It reads its inputs and attributes from CALL
 * and gives each output to irx_exec_call_set_output().
 */
typedef irx_status (*irx_executor_fn)(irx_exec_call *call, void *user, irx_error *err);

/**
 * A set of executors, given to irx_exec_new() in the options
 * (irx_exec_options.executors).  @param out new set; free with
 * irx_executors_free() after the last plan that uses it.
 */
IRX_API irx_status irx_executors_new(irx_executors **out, irx_error *err);
/**
 * Run nodes of OP_TYPE ("mylib.scale.default") with FN (and USER,
 * borrowed), before looking in libtorch's dispatcher.  Adding an op_type
 * again replaces it.  Add every executor before the set is used; a set
 * that is no longer changed may be shared by plans in several threads.
 */
IRX_API irx_status irx_executors_add(irx_executors *set, const char *op_type, irx_executor_fn fn,
				     void *user, irx_error *err);
/**
 * Run nodes of OP_TYPE with FN (and USER, borrowed) only where the linked
 * libtorch has no operator of that name, or lacks an argument the node
 * passes, or with the decompose option: a decomposition into operators it
 * has (a newer ATen operator on an older libtorch).  Executors come first,
 * then libtorch, then decompositions.  Adding an op_type again replaces it.
 */
IRX_API irx_status irx_executors_add_decomposition(irx_executors *set, const char *op_type,
						   irx_executor_fn fn, void *user, irx_error *err);
IRX_API void irx_executors_free(irx_executors *set);

/* ---- plugins: executors and decompositions from a shared library -------- */

/**
 * The entry point every plugin defines, by this name (IRX_PLUGIN_INIT):
 *
 *     irx_status irx_plugin_init(irx_executors *set, irx_error *err);
 *
 * It adds the plugin's executors and decompositions to SET with
 * irx_executors_add() and irx_executors_add_decomposition(), and returns
 * IRX_OK, or an error with ERR's text filled.  examples/plugin-clamp-scale.c
 * is one; irx-exec(1) and irx-verify(1) load them with --plugin.
 */
typedef irx_status (*irx_plugin_init_fn)(irx_executors *set, irx_error *err);
#define IRX_PLUGIN_INIT "irx_plugin_init"

/**
 * Load the shared library at PATH (a path with a slash: never searched
 * for) and call its irx_plugin_init() on SET.  The library stays loaded
 * until irx_executors_free(SET).  Fails when it cannot be loaded, has no
 * entry point, or the entry point fails; ERR's source is PATH.
 */
IRX_API irx_status irx_executors_load_plugin(irx_executors *set, const char *path, irx_error *err);

/** The node being run, from the IR; borrowed. */
IRX_API const json_t *irx_exec_call_node(const irx_exec_call *c);
/** The node's tensor input for schema argument ARG (element LIST_INDEX of a
 * tensor list, 0 otherwise); NULL when absent.  Borrowed. */
IRX_API irx_th *irx_exec_call_arg(const irx_exec_call *c, const char *arg, size_t list_index);
/** The number of elements of tensor-list argument ARG (0 when absent). */
IRX_API size_t irx_exec_call_list_len(const irx_exec_call *c, const char *arg);
/** attrs[NAME] of the node, or NULL. */
IRX_API const json_t *irx_exec_call_attr(const irx_exec_call *c, const char *name);
/** Set the node's output I (its position in the node's outputs); takes T. */
IRX_API irx_status irx_exec_call_set_output(irx_exec_call *c, size_t i, irx_th *t, irx_error *err);
/** Call a libtorch operator by op_type ("aten.matmul.default"). */
IRX_API irx_status irx_exec_call_op(irx_th_results **out, irx_exec_call *c, const char *op_type,
				    const irx_th_arg *args, size_t n, irx_error *err);
/**
 * Run the node's subgraph GRAPH (a name from attrs {"graph": NAME}) on
 * IN (borrowed); its N_OUT outputs go to OUT, new: free each with irx_th_free().
 */
IRX_API irx_status irx_exec_call_subgraph(irx_th **out, size_t n_out, irx_exec_call *c,
					  const char *graph, irx_th *const *in, size_t n_in,
					  irx_error *err);

IRX_END_DECLS

#endif
