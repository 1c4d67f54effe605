/*
 * guard.c: what the executor refuses of an IR, which is data from
 * elsewhere (irx-exec(1), "Untrusted IRs").
 *
 * Before anything runs: operators the policy refuses (graph/op-policy.c in libirx),
 * tensors of dtypes irx does not know, higher-order operators whose body
 * is not among their subgraphs, and nodes whose claimed outputs or
 * elements pass the bounds.  After each node: its outputs must be what
 * the IR claims, so that every later check by the claims holds too.
 */
#include <config.h>

#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "exec/exec.h"
#include "irx/dtype.h"
#include "irx/schema.h"

size_t irx_exec_default_max_memory(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGE_SIZE);

	if (pages <= 0 || size <= 0)
		return (size_t)4 << 30;
	return (size_t)pages / 2 * (size_t)size;
}

void exec_resolve_bounds(irx_exec_options *o)
{
	if (!o->max_memory)
		o->max_memory = irx_exec_default_max_memory();
	if (!o->max_elements)
		o->max_elements = IRX_EXEC_MAX_ELEMENTS;
	if (!o->max_iterations)
		o->max_iterations = IRX_EXEC_MAX_ITERATIONS;
}

/* OP_TYPE is ALLOWED ("aten.from_file.default") or of it ("aten.from_file"). */
static int allow_listed(const irx_exec_options *o, const char *op_type)
{
	for (size_t i = 0; i < o->n_allow_ops; i++) {
		const char *a = o->allow_ops[i];
		size_t n = strlen(a);
		if (!strcmp(op_type, a) ||
		    (!strncmp(op_type, a, n) && op_type[n] == '.' && !strchr(op_type + n + 1, '.')))
			return 1;
	}
	return 0;
}

const char *exec_refusal(const irx_exec_options *o, const char *op_type, const irx_th_op *op)
{
	irx_schema *s;
	const char *why;

	if (allow_listed(o, op_type))
		return NULL;
	if (irx_schema_parse(&s, irx_th_op_schema(op), NULL))
		return "its schema cannot be read";
	why = irx_schema_refusal(s);
	irx_schema_free(s);
	return why;
}

int exec_check_dtype(const json_t *meta, irx_error *err)
{
	const json_t *d = json_object_get(meta, "dtype");

	if (!d || json_is_null(d))
		return IRX_OK; /* custom objects and symbolic ints have none */
	if (json_is_string(d) && irx_dtype_from_name(json_string_value(d)) > 0)
		return IRX_OK;
	return irx_error_set(err, IRX_EFORMAT, "tensor '%s': dtype %s is not one irx knows",
			     json_string_value(json_object_get(meta, "name"))
				     ? json_string_value(json_object_get(meta, "name"))
				     : "",
			     json_is_string(d) ? json_string_value(d) : "(not a string)");
}

/* Elements of META's shape, saturating; 0 when it is not static. */
static uint64_t meta_numel(const json_t *meta)
{
	const json_t *shape = json_object_get(meta, "shape");
	uint64_t n = 1;
	size_t i;
	json_t *d;

	if (!json_is_array(shape))
		return 0;
	json_array_foreach(shape, i, d) {
		json_int_t v = json_integer_value(d);
		if (!json_is_integer(d) || v < 0)
			return 0;
		if (__builtin_mul_overflow(n, (uint64_t)v, &n))
			return UINT64_MAX;
	}
	return n;
}

static uint64_t add_sat(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

static uint64_t mul_sat(uint64_t a, uint64_t b)
{
	uint64_t r;
	return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}

int exec_check_bounds(const irx_exec *x, const struct xgraph *g, const struct xnode *n,
		      irx_error *err)
{
	uint64_t elements = 0, bytes = 0;

	for (size_t i = 0; i < n->n_in; i++)
		elements = add_sat(elements, meta_numel(g->meta[n->in[i].value]));
	for (size_t k = 0; k < n->n_out; k++) {
		const json_t *m = n->out_meta[k];
		uint64_t e = meta_numel(m);
		elements = add_sat(elements, e);
		bytes = add_sat(bytes,
				mul_sat(e, irx_dtype_size(irx_dtype_from_name(json_string_value(
						   json_object_get(m, "dtype"))))));
	}
	if (elements > x->o.max_elements)
		return irx_error_set(err, IRX_EUNSUPPORTED,
				     "node %s (%s) reads and writes %llu elements, more than "
				     "--max-elements=%llu",
				     n->name, n->op_type, (unsigned long long)elements,
				     (unsigned long long)x->o.max_elements);
	if (bytes > x->o.max_memory)
		return irx_error_set(err, IRX_EUNSUPPORTED,
				     "node %s (%s): its outputs take %llu bytes, more than "
				     "--max-memory=%zu",
				     n->name, n->op_type, (unsigned long long)bytes,
				     x->o.max_memory);
	return IRX_OK;
}

int exec_check_bodies(const struct xnode *n, irx_error *err)
{
	const json_t *subs = json_object_get(n->json, "subgraphs");
	size_t bodies = 0;
	const char *k;
	json_t *v;

	/* Bodies are found among the node's own subgraphs only, so a body
	 * cannot name itself or an enclosing graph: such a name is missing. */
	json_object_foreach(json_object_get(n->json, "attrs"), k, v) {
		const char *body = json_string_value(json_object_get(v, "graph"));
		if (!json_is_object(v) || !json_object_get(v, "graph"))
			continue;
		if (!body || !json_is_object(json_object_get(subs, body)))
			return irx_error_set(err, IRX_EFORMAT,
					     "node %s (%s): its body '%s' (attrs.%s) is not "
					     "among its subgraphs",
					     n->name, n->op_type, body ? body : "?", k);
		bodies++;
	}
	/* without graph attrs, an executor picks its bodies from the subgraphs */
	if (!bodies && !json_object_size(subs) && n->fn &&
	    !strncmp(n->op_type, "higher_order.", 13))
		return irx_error_set(err, IRX_EFORMAT, "node %s (%s) has no body", n->name,
				     n->op_type);
	return IRX_OK;
}

/* Whether value V dies as soon as node N has made it: nothing reads it. */
static int unread(const struct xnode *n, size_t v)
{
	for (size_t d = 0; d < n->n_dead; d++)
		if (n->dead[d] == v)
			return 1;
	return 0;
}

/* T against O's planned sizes, without the JSON (0 also when O has no
 * planned sizes: exec_fits_as() decides then, and describes a mismatch). */
static int fits_planned(const irx_tensor *t, const struct xout *o)
{
	if (!o->dims || o->dtype != t->dtype || o->ndim != t->ndim)
		return 0;
	for (int d = 0; d < o->ndim; d++)
		if (o->dims[d] != t->shape[d])
			return 0;
	return 1;
}

int exec_check_claims(irx_exec *x, const struct xnode *n, irx_th *const *vals, irx_error *err)
{
	int rc;

	for (size_t k = 0; k < n->n_out; k++) {
		const json_t *m = n->out_meta[k];
		const struct xout *o = &n->outm[k];
		char want[256], got[256];
		irx_tensor t;
		/* An output nothing reads cannot mislead a later node, and torch's
		 * records of them differ from its kernels: the saved statistics of
		 * _native_batch_norm_legit_no_training are [C] in the program and
		 * [0] from the CPU kernel. */
		if (unread(n, n->out[k]))
			continue;
		irx_th_view(&t, vals[n->out[k]]);
		if (x->o.float64 && t.dtype == IRX_DTYPE_FLOAT64 && exec_is_float(o->dtype))
			t.dtype = o->dtype;
		if (x->syms && o->symbolic && (rc = exec_sym_bind_output(x, &t, m, err)))
			return rc;
		if (fits_planned(&t, o))
			continue;
		if (!exec_fits_as(&t, o->dtype, o->shape, x, want, got, sizeof(want)))
			return irx_error_set(
				err, IRX_EFORMAT, "output %zu ('%s') is %s, the IR claims %s", k,
				json_string_value(json_object_get(m, "name")), got, want);
	}
	return IRX_OK;
}
