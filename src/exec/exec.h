/*
 * exec/exec.h: the execution engine's private structures; never installed.
 * Private symbols here start with exec_.
 *
 * exec.c plans and runs graphs; executors.c holds the registry and the
 * built-in executors; decompose.c the decompositions.
 */
#ifndef IRX_EXEC_EXEC_H
#define IRX_EXEC_EXEC_H

#include "irx/exec.h"

/* One tensor slot of a node's arguments. */
struct xin {
	const char *arg;   /* schema argument name */
	size_t list_index; /* in a tensor list, else 0 */
	int in_list;
	size_t value; /* value id */
};

/* A prepared argument: attrs converted once; tensors filled per run. */
struct xarg {
	const char *name;
	irx_th_value v;
	size_t first_in, n_in; /* tensors: slots in xnode.in (lists: n_in >= 0) */
	int is_tensor, is_list;
	size_t list_len;   /* tensor lists: length (missing elements are None) */
	const json_t *sym; /* a symbolic attr: evaluated at each run */
};

/* An output's meta in the IR, read once when planning. */
struct xout {
	enum irx_dtype dtype;
	const json_t *shape;
	int symbolic; /* some of its sizes are symbols */
	int ndim;
	int64_t *dims; /* its sizes, when none is a symbol (else NULL) */
};

struct xgraph;

struct xnode {
	const json_t *json;
	const char *name, *op_type;
	irx_th_op *op;      /* dispatched, or NULL */
	irx_executor_fn fn; /* executor or decomposition, or NULL */
	void *user;
	struct xin *in;
	size_t n_in;
	struct xarg *args;
	size_t n_args;
	size_t *out; /* value id per output (producer_output_idx) */
	const json_t **out_meta;
	irx_th_pick *picks; /* per output: which result it is */
	struct xout *outm;  /* per output: its meta, read when planning */
	size_t n_out;
	/* dispatched nodes: the call prepared at planning (NULL: made from
	 * the arguments at each run), and scratch space for a run */
	irx_th_call *call;
	irx_th_arg *argv; /* the arguments, attrs set at planning */
	irx_th **lists;   /* the elements of tensor lists */
	irx_th **outs;    /* the prepared call's results */
	size_t *dead;     /* values whose last use is this node */
	size_t n_dead;
	struct xgraph **subgraphs; /* by name, for higher-order operators */
	int symbolic;              /* makes symbolic values only: evaluated, not run */
	int has_sym;               /* some attrs are symbolic (see symbols.c) */
	json_t *attrs_now;         /* with has_sym: the attrs of this run, evaluated */
};

struct xgraph {
	const json_t *json;
	json_t *ids; /* value name -> id */
	size_t n_values;
	struct xnode *nodes;
	size_t n_nodes;
	size_t n_inputs;            /* graph inputs are values 0 .. n_inputs-1 */
	size_t end_weights;         /* top graph: weights and constants up to here */
	size_t *outputs, n_outputs; /* SIZE_MAX: not a tensor */
	size_t *muts, n_muts;       /* top graph: the IR's mutations, kept alive */
	const json_t **meta;        /* value id -> its TensorMeta in the IR */
};

struct irx_exec {
	const json_t *ir;
	irx_exec_options o;
	struct xgraph *top;
	irx_th **values;  /* of the top graph during and after a run */
	irx_th **bound;   /* weights and constants, by value id */
	char *custom;     /* custom objects: never bound */
	size_t peak_live; /* with o.measure: bytes, see irx_exec_memory() */
	json_t *preset;   /* symbols set by irx_exec_set_symbol() */
	json_t *syms;     /* symbol -> size, bound for the current run */
	json_t *symvals;  /* symbolic value name -> its value in this run */
	/* the subgraph calls under way, for on_subgraph_node: caller node and
	 * subgraph names, 2 * n_calls of them */
	const char **calls;
	size_t n_calls, cap_calls;
};

struct irx_exec_call {
	irx_exec *x;
	struct xgraph *g;
	struct xnode *n;
	irx_th **values;
};

/* exec.c */
int exec_is_float(enum irx_dtype dtype);

/* symbols.c: dynamic shapes at run time (see there) */
/* Does T have META's dtype and shape?  Describes both into the buffers.
 * Symbolic sizes are evaluated with X's bindings (X may be NULL). */
int exec_fits(const irx_tensor *t, const json_t *meta, const irx_exec *x, char *want, char *got,
	      size_t size);
/* The same with META's dtype and shape given (read once when planning). */
int exec_fits_as(const irx_tensor *t, enum irx_dtype dtype, const json_t *shape, const irx_exec *x,
		 char *want, char *got, size_t size);
/* Size D (an integer or an expression) with the run's bindings; -1 when
 * it cannot be evaluated. */
int exec_sym_dim(int64_t *out, const irx_exec *x, const json_t *d);
/* Bind the symbols from the inputs' shapes and check their ranges. */
int exec_sym_bind_inputs(irx_exec *x, irx_th *const *inputs, size_t n, irx_error *err);
/* Bind the data-dependent symbols an output's shape introduces. */
int exec_sym_bind_output(irx_exec *x, const irx_tensor *t, const json_t *meta, irx_error *err);
/* Whether attr V refers to a symbolic value. */
int exec_sym_is_ref(const json_t *v);
/* Attr V with its symbolic values evaluated (new reference). */
int exec_sym_attr(json_t **out, const irx_exec *x, const json_t *v, const char *node,
		  irx_error *err);
/* Whether N makes a symbolic value from data (item of a tensor). */
int exec_sym_is_data(const struct xnode *n);
/* Bind the unbacked symbol such a node defines from its input's value. */
int exec_sym_data(irx_exec *x, const struct xnode *n, irx_th *const *vals, irx_error *err);
/* Evaluate the symbolic outputs of N into the run's values. */
int exec_sym_node(irx_exec *x, const struct xnode *n, irx_error *err);

/* guard.c: what the executor refuses (see there) */
void exec_resolve_bounds(irx_exec_options *o);
/* Why the policy refuses OP (OP_TYPE in the IR), or NULL. */
const char *exec_refusal(const irx_exec_options *o, const char *op_type, const irx_th_op *op);
int exec_check_dtype(const json_t *meta, irx_error *err);
int exec_check_bounds(const irx_exec *x, const struct xgraph *g, const struct xnode *n,
		      irx_error *err);
int exec_check_bodies(const struct xnode *n, irx_error *err);
int exec_check_claims(irx_exec *x, const struct xnode *n, irx_th *const *vals, irx_error *err);

/* executors.c */
/* The executor of OP_TYPE: from SET (may be NULL), else a built-in one. */
int exec_find_executor(const irx_executors *set, const char *op_type, irx_executor_fn *fn,
		       void **user);
/* The decomposition of OP_TYPE: from SET (may be NULL), else a built-in one. */
int exec_find_decomposition(const irx_executors *set, const char *op_type, irx_executor_fn *fn,
			    void **user);
/* SET's own decomposition of OP_TYPE (its function, *USER set), or NULL. */
const irx_executor_fn *exec_find_user_decomposition(const irx_executors *set, const char *op_type,
						    void **user);

/* decompose.c: aten.histc, which no libtorch runs on integers (see there) */
int exec_histc(irx_exec_call *c, void *user, irx_error *err);

/* exec.c: "aten.conv2d.default" -> ("aten::conv2d", ""); 0 when not an
 * operator name. */
int exec_split_op_type(const char *op_type, char *name, size_t nsize, char *overload, size_t osize);

#endif
