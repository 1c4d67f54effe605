/*
 * irx/torch.h: the C face of libtorch (libirx-torch, the only C++ in irx).
 *
 * Three things cross this boundary, nothing else:
 *   - tensors, as irx_th handles: made from an irx_tensor view without
 *     copying (borrowed in), or returned by libtorch (owned out, released
 *     with irx_th_free); irx_th_view() shows one as an irx_tensor again;
 *   - operator calls: an operator is found in libtorch's dispatcher by name
 *     and overload, its arguments are given by schema name, and the call is
 *     boxed; no per-operator code exists on either side;
 *   - TorchScript modules, for the reference run of irx-verify.
 *
 * Every entry point catches every C++ exception (c10::Error, std::bad_alloc,
 * std::exception, anything) and returns it as an irx_error with a one-line
 * message, never a backtrace.  Handles are incomplete types.
 *
 * Ownership (libirx(3)): a handle returned through an `out` parameter is
 * new (the caller frees it); an argument handle is borrowed for the
 * duration of the call.  A tensor made by irx_th_from_view() borrows its
 * bytes: they must stay valid (and, unless the caller knows no operator
 * writes to it, writable) until every tensor that shares them is freed.
 */
#ifndef IRX_TORCH_H
#define IRX_TORCH_H

#include <stddef.h>
#include <stdint.h>

#include "irx/error.h"
#include "irx/tensor.h"

IRX_BEGIN_DECLS

typedef struct irx_th irx_th;               /* a tensor: one at::Tensor */
typedef struct irx_th_op irx_th_op;         /* an operator of the dispatcher */
typedef struct irx_th_module irx_th_module; /* a TorchScript module */

/** libtorch's version as it was compiled against ("1.13.0", "2.14.1"). */
IRX_API const char *irx_th_version(void);
/** Use N intra-op threads, in libtorch and in an OpenBLAS it calls (0
 * leaves their defaults). */
IRX_API void irx_th_set_threads(int n);

/** The BLAS libtorch's matrix products run on, as loaded in this process. */
typedef struct irx_th_blas {
	char name[192]; /* "OpenBLAS 0.3.21 ...", "reference BLAS (Netlib)", ... */
	char path[256]; /* its file, resolved; empty when none was found */
	int reference;  /* 1 for Netlib's reference BLAS, which is slow */
	int threads;    /* the BLAS's own threads; 0 when it does not say */
} irx_th_blas;
/** Fill OUT with the BLAS in use (found by its exported functions and the
 * loaded objects; never fails). */
IRX_API void irx_th_blas_info(irx_th_blas *out);

/* ---- tensors ----------------------------------------------------------- */

/** A tensor over T's bytes, with T's dtype, shape and strides; no copy. */
IRX_API irx_status irx_th_from_view(irx_th **out, const irx_tensor *t, irx_error *err);
/** A tensor that owns a copy of T's elements (for data that may change). */
IRX_API irx_status irx_th_from_copy(irx_th **out, const irx_tensor *t, irx_error *err);
/** A new handle on the same tensor (libtorch counts the references). */
IRX_API irx_th *irx_th_retain(const irx_th *t);
IRX_API void irx_th_free(irx_th *t);
/**
 * T seen as an irx_tensor: DATA points at its first element, SHAPE and
 * STRIDES into the tensor; valid while T is.  NAME is left NULL.
 */
IRX_API void irx_th_view(irx_tensor *out, const irx_th *t);
/** The storage T views (tensors that share one have the same id), and its
 * size in bytes: for measuring what a run holds. */
IRX_API const void *irx_th_storage_id(const irx_th *t);
IRX_API size_t irx_th_storage_nbytes(const irx_th *t);
/** Random values of DTYPE and SHAPE from SEED: normal for floating point,
 * uniform in [0, 10) for integers, fair coins for bool. */
IRX_API irx_status irx_th_random(irx_th **out, enum irx_dtype dtype, const int64_t *shape, int ndim,
				 uint64_t seed, irx_error *err);
/** T converted to DTYPE (a new tensor; the same one when it already is). */
IRX_API irx_status irx_th_to_dtype(irx_th **out, const irx_th *t, enum irx_dtype dtype,
				   irx_error *err);

/* ---- values: what operators take and return ----------------------------- */

enum irx_th_kind {
	IRX_TH_NONE = 0,
	IRX_TH_BOOL,
	IRX_TH_INT,
	IRX_TH_FLOAT,
	IRX_TH_STR,
	IRX_TH_INTS,
	IRX_TH_FLOATS,
	IRX_TH_BOOLS,
	IRX_TH_TENSOR,
	IRX_TH_TENSORS, /* a list; NULL entries are None (Tensor?[]) */
};

typedef struct irx_th_value {
	enum irx_th_kind kind;
	union {
		int64_t i; /* BOOL, INT */
		double f;
		const char *s; /* STR: also dtypes,
		                                                    layouts, devices,
		                                                    memory formats by name */
		struct {
			const int64_t *v;
			size_t n;
		} ints; /* INTS, BOOLS */
		struct {
			const double *v;
			size_t n;
		} floats;
		irx_th *t;
		struct {
			irx_th *const *v;
			size_t n;
		} tensors;
	} u;
} irx_th_value;

/** An argument by its schema name. */
typedef struct irx_th_arg {
	const char *name;
	irx_th_value value;
} irx_th_arg;

/** Values an operator returned: new, free with irx_th_results_free(). */
typedef struct irx_th_results irx_th_results;

IRX_API size_t irx_th_results_count(const irx_th_results *r);
/** Result I; borrowed from R, tensors included (irx_th_retain() to keep one). */
IRX_API const irx_th_value *irx_th_results_at(const irx_th_results *r, size_t i);
IRX_API void irx_th_results_free(irx_th_results *r);

/* ---- operators ---------------------------------------------------------- */

/**
 * The operator NAME ("aten::conv2d") with OVERLOAD ("" for default) in the
 * linked libtorch.  Fails with IRX_EUNSUPPORTED when it has no such
 * operator (libtorch 1.13 lacks many that torch 2.x exports).
 */
IRX_API irx_status irx_th_op_find(irx_th_op **out, const char *name, const char *overload,
				  irx_error *err);
IRX_API void irx_th_op_free(irx_th_op *op);
/** The live schema as libtorch prints it. */
IRX_API const char *irx_th_op_schema(const irx_th_op *op);
IRX_API size_t irx_th_op_n_args(const irx_th_op *op);
IRX_API const char *irx_th_op_arg_name(const irx_th_op *op, size_t i);
IRX_API int irx_th_op_arg_has_default(const irx_th_op *op, size_t i);

/**
 * Call OP with ARGS, matched to the live schema by name; arguments not
 * given take the schema's defaults, and one without a default that is not
 * given is an error naming it (as is a name the schema does not have).
 * Values are converted to the schema's types (a STR to a dtype, layout,
 * device or memory format; an INT to a Scalar; ...).  Results in *OUT.
 */
IRX_API irx_status irx_th_op_call(irx_th_results **out, const irx_th_op *op, const irx_th_arg *args,
				  size_t n_args, irx_error *err);

/**
 * Check ARGS against OP's schema as irx_th_op_call() would convert them,
 * without calling: every value that is not a tensor is converted and its
 * enums (dtype, layout, memory format, reduction, device, ...) checked
 * against the linked libtorch.  The error names the argument.
 */
IRX_API irx_status irx_th_op_check(const irx_th_op *op, const irx_th_arg *args, size_t n_args,
				   irx_error *err);

/**
 * A call of one operator prepared once and made many times (a node of a
 * plan that runs again and again): irx_th_call_new() matches ARGS to OP's
 * live schema by name, converts every argument that is not a tensor and
 * fills in the defaults, with the errors irx_th_op_call() would give; each
 * irx_th_call_run() then converts only the tensors.  A call holds scratch
 * space: one thread at a time.  It does not borrow OP or ARGS.
 */
typedef struct irx_th_call irx_th_call;

/** Which value a result tensor is, in irx_th_results_at()'s numbering of
 * the call's results (a returned tensor list is one value). */
typedef struct irx_th_pick {
	size_t result;     /* the value's index */
	int listed;        /* 0: the value is a tensor; 1: a tensor list, */
	size_t list_index; /* and this its element */
} irx_th_pick;

/** Prepare a call of OP with ARGS as irx_th_op_call() takes them; of
 * ARGS, the tensors (IRX_TH_TENSOR, IRX_TH_TENSORS) and the numbers given
 * for a Tensor parameter are read again at each run, not now. */
IRX_API irx_status irx_th_call_new(irx_th_call **out, const irx_th_op *op, const irx_th_arg *args,
				   size_t n_args, irx_error *err);
IRX_API void irx_th_call_free(irx_th_call *call);
/**
 * Make CALL with ARGS: the same N_ARGS arguments in the same order as at
 * irx_th_call_new(), of which only the tensors (and numbers for Tensor
 * parameters) are read.  OUT[k], for k < N_OUT, is then new: the tensor
 * PICKS[k] names among the results, or NULL when there is none there
 * (libtorch returned None, or not a tensor).  On failure every OUT[k] is
 * NULL.
 */
IRX_API irx_status irx_th_call_run(irx_th **out, irx_th_call *call, const irx_th_arg *args,
				   size_t n_args, const irx_th_pick *picks, size_t n_out,
				   irx_error *err);

/** Call FN with the schema of every operator the linked libtorch has. */
IRX_API void irx_th_each_schema(void (*fn)(void *ctx, const char *schema), void *ctx);

/**
 * Hold libtorch's CPU allocations to BYTES in all (0: no limit): past it,
 * an allocation fails and so does the operator that asked, with an error.
 * Process-wide; the allocator is installed at the first nonzero limit.
 */
IRX_API void irx_th_set_memory_limit(size_t bytes);

/* ---- TorchScript -------------------------------------------------------- */

/** Load a TorchScript archive (torch.jit.save) on the CPU, in eval mode. */
IRX_API irx_status irx_th_module_load(irx_th_module **out, const char *path, irx_error *err);
IRX_API void irx_th_module_free(irx_th_module *m);
/**
 * Replace the module's parameter or buffer NAME (a state_dict key) with
 * the values of T (same shape; converted to the parameter's dtype).
 * Fails with IRX_EINVAL when the module has no such parameter or buffer.
 */
IRX_API irx_status irx_th_module_set(irx_th_module *m, const char *name, const irx_th *t,
				     irx_error *err);
/** Run forward(INPUTS...); tuple, list and dict outputs are flattened. */
IRX_API irx_status irx_th_module_forward(irx_th_results **out, irx_th_module *m,
					 irx_th *const *inputs, size_t n, irx_error *err);

IRX_END_DECLS

#endif
