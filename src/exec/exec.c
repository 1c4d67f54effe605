/*
 * exec.c: plan an IR, bind its weights, run it node by node.
 *
 * Values are numbered per graph when planning; a run holds one tensor
 * handle per number.  Each node knows which values die with it (their
 * last use), so intermediates are released as soon as they can be.
 */
#include <config.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "exec/exec.h"
#include "irx/dtype.h"

#define NO_VALUE SIZE_MAX

/* ---- small helpers ------------------------------------------------------ */

static void warn(const irx_exec *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void warn(const irx_exec *x, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!x->o.warn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	x->o.warn(x->o.warn_ctx, msg);
}

/* A growing "; "-separated list for messages that name every problem. */
struct problems {
	char text[1200];
	size_t n;
};

static void problem(struct problems *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void problem(struct problems *p, const char *fmt, ...)
{
	size_t len = strlen(p->text);
	va_list ap;

	if (p->n++ && len < sizeof(p->text))
		len += (size_t)snprintf(p->text + len, sizeof(p->text) - len, "; ");
	if (len < sizeof(p->text)) {
		va_start(ap, fmt);
		vsnprintf(p->text + len, sizeof(p->text) - len, fmt, ap);
		va_end(ap);
	}
	if (strlen(p->text) == sizeof(p->text) - 1) /* full: say that more were cut */
		memcpy(p->text + sizeof(p->text) - 5, " ...", 5);
}

int exec_split_op_type(const char *op_type, char *name, size_t nsize, char *overload, size_t osize)
{
	const char *d1 = strchr(op_type, '.'), *d2 = d1 ? strrchr(op_type, '.') : NULL;

	if (!d1 || d1 == d2 || !d2[1])
		return 0;
	snprintf(name, nsize, "%.*s::%.*s", (int)(d1 - op_type), op_type, (int)(d2 - d1 - 1),
		 d1 + 1);
	snprintf(overload, osize, "%s", strcmp(d2 + 1, "default") ? d2 + 1 : "");
	return 1;
}

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* ---- planning ----------------------------------------------------------- */

static size_t value_id(const struct xgraph *g, const char *name)
{
	json_t *v = name ? json_object_get(g->ids, name) : NULL;

	return v ? (size_t)json_integer_value(v) : NO_VALUE;
}

/* A new value of G, described by META (a TensorMeta or Weight). */
static int new_value(struct xgraph *g, const json_t *meta, size_t *id, irx_error *err)
{
	const char *name = str(meta, "name");
	const json_t **m;
	int rc;

	if (!name)
		return irx_error_set(err, IRX_EFORMAT, "a value has no name");
	/* one name, one value: a second definition would shadow the first
	 * for some readers and not for others (and share a trace file) */
	if (json_object_get(g->ids, name))
		return irx_error_set(err, IRX_EFORMAT, "value '%s' is defined twice", name);
	if ((rc = exec_check_dtype(meta, err)))
		return rc;
	if (!(m = realloc(g->meta, (g->n_values + 1) * sizeof(*m))))
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	g->meta = m;
	g->meta[g->n_values] = meta;
	*id = g->n_values++;
	if (json_object_set_new(g->ids, name, json_integer((json_int_t)*id)))
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	return IRX_OK;
}

static void free_graph(struct xgraph *g);

/* An attr as an operator argument; NULL/objects (symbols, graphs) -> -1. */
static int attr_value(const json_t *v, irx_th_value *out, int float64, const char *name)
{
	size_t i, n;
	json_t *e;

	memset(out, 0, sizeof(*out));
	switch (json_typeof(v)) {
	case JSON_NULL: out->kind = IRX_TH_NONE; return 0;
	case JSON_TRUE:
	case JSON_FALSE:
		out->kind = IRX_TH_BOOL;
		out->u.i = json_is_true(v);
		return 0;
	case JSON_INTEGER:
		out->kind = IRX_TH_INT;
		out->u.i = json_integer_value(v);
		return 0;
	case JSON_REAL:
		out->kind = IRX_TH_FLOAT;
		out->u.f = json_real_value(v);
		return 0;
	case JSON_STRING: {
		const char *s = json_string_value(v);
		if (!strcmp(s, "NaN") || !strcmp(s, "Infinity") || !strcmp(s, "-Infinity")) {
			out->kind = IRX_TH_FLOAT;
			out->u.f = s[0] == 'N'   ? __builtin_nan("")
				   : s[0] == '-' ? -__builtin_inf()
						 : __builtin_inf();
			return 0;
		}
		out->kind = IRX_TH_STR;
		out->u.s = s;
		/* a program exported on the meta device names it wherever an
		 * operator takes a device: here, everything runs on the CPU */
		if (!strcmp(name, "device") && !strncmp(s, "meta", 4))
			out->u.s = "cpu";
		/* a float64 reference trace keeps every floating dtype at float64 */
		if (float64 && !strcmp(name, "dtype") &&
		    (!strcmp(s, "float32") || !strcmp(s, "float16") || !strcmp(s, "bfloat16")))
			out->u.s = "float64";
		return 0;
	}
	case JSON_ARRAY:
		n = json_array_size(v);
		out->kind = IRX_TH_INTS;
		json_array_foreach(v, i, e) {
			if (json_is_real(e) && out->kind != IRX_TH_BOOLS)
				out->kind = IRX_TH_FLOATS;
			else if (json_is_boolean(e) && !i)
				out->kind = IRX_TH_BOOLS;
			else if (!json_is_integer(e) && !json_is_real(e) && !json_is_boolean(e))
				return -1;
		}
		if (out->kind == IRX_TH_FLOATS) {
			double *d = calloc(n + 1, sizeof(*d));
			if (!d)
				return -1;
			json_array_foreach(v, i, e)
				d[i] = json_number_value(e);
			out->u.floats.v = d;
			out->u.floats.n = n;
		} else {
			int64_t *d = calloc(n + 1, sizeof(*d));
			if (!d)
				return -1;
			json_array_foreach(v, i, e)
				d[i] = json_is_boolean(e) ? json_is_true(e) : json_integer_value(e);
			out->u.ints.v = d;
			out->u.ints.n = n;
		}
		return 0;
	default: return -1;
	}
}

static void free_arg(struct xarg *a)
{
	if (a->v.kind == IRX_TH_INTS || a->v.kind == IRX_TH_BOOLS)
		free((void *)a->v.u.ints.v);
	else if (a->v.kind == IRX_TH_FLOATS)
		free((void *)a->v.u.floats.v);
}

static int has_arg(const irx_th_op *op, const char *name)
{
	for (size_t i = 0; i < irx_th_op_n_args(op); i++)
		if (!strcmp(irx_th_op_arg_name(op, i), name))
			return 1;
	return 0;
}

/* The node's values (not its tensors) as libtorch would take them: an
 * enum out of range or a name irx does not know is refused before any
 * node runs. */
static int check_args(struct xnode *n, irx_error *err)
{
	irx_th_arg *args = calloc(n->n_args + 1, sizeof(*args));
	irx_error e = {0};
	size_t k = 0;

	if (!args)
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	for (size_t a = 0; a < n->n_args; a++)
		if (!n->args[a].is_tensor && !n->args[a].sym)
			args[k++] = (irx_th_arg){n->args[a].name, n->args[a].v};
	irx_th_op_check(n->op, args, k, &e);
	free(args);
	if (e.code)
		return irx_error_set(err, IRX_EFORMAT, "node %s (%s): %s", n->name, n->op_type,
				     e.text);
	return IRX_OK;
}

/*
 * The scratch space of a dispatched node's runs, with its attrs in place,
 * and (without symbolic attrs) its call prepared: names matched to the
 * schema, attrs converted, defaults filled in.  A call that cannot be
 * prepared is left to be made from the arguments at each run, which says
 * what is wrong with it then, as it always did.
 */
static int prepare_call(struct xnode *n, irx_error *err)
{
	size_t n_list = 0;
	irx_th **next;

	for (size_t a = 0; a < n->n_args; a++) {
		size_t len = n->args[a].is_list ? n->args[a].list_len : 0;
		/* a list_index of the IR's choosing must not wrap the sum */
		if (len > SIZE_MAX / (4 * sizeof(*n->lists)) - n_list)
			return irx_error_set(err, IRX_EFORMAT,
					     "node %s: tensor list '%s' has %zu elements", n->name,
					     n->args[a].name, len);
		n_list += len;
	}
	if (!(n->argv = calloc(n->n_args + 1, sizeof(*n->argv))) ||
	    !(n->lists = calloc(n_list + 1, sizeof(*n->lists))) ||
	    !(n->outs = calloc(n->n_out + 1, sizeof(*n->outs))))
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	next = n->lists;
	for (size_t a = 0; a < n->n_args; a++) {
		const struct xarg *xa = &n->args[a];
		n->argv[a].name = xa->name;
		n->argv[a].value = xa->v;
		if (xa->is_tensor && !xa->is_list)
			n->argv[a].value.kind = IRX_TH_TENSOR;
		else if (xa->is_tensor) {
			n->argv[a].value.kind = IRX_TH_TENSORS;
			n->argv[a].value.u.tensors.v = next;
			n->argv[a].value.u.tensors.n = xa->list_len;
			next += xa->list_len;
		}
	}
	if (!n->has_sym && irx_th_call_new(&n->call, n->op, n->argv, n->n_args, NULL))
		n->call = NULL;
	return IRX_OK;
}

/* Arguments of a dispatched node, in the order the IR gives them. */
static int plan_args(irx_exec *x, struct xnode *n, struct problems *unsupported, irx_error *err)
{
	const json_t *attrs = json_object_get(n->json, "attrs");
	const json_t *lists = json_object_get(n->json, "tensor_lists");
	size_t cap = json_object_size(attrs) + n->n_in + 1;
	const char *k;
	json_t *v;

	if (!(n->args = calloc(cap, sizeof(*n->args))))
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	for (size_t i = 0; i < n->n_in; i++) {
		struct xarg *a = NULL;
		for (size_t j = 0; j < n->n_args; j++)
			if (!strcmp(n->args[j].name, n->in[i].arg))
				a = &n->args[j];
		if (!a) {
			a = &n->args[n->n_args++];
			a->name = n->in[i].arg;
			a->is_tensor = 1;
			a->first_in = i;
			a->is_list = n->in[i].in_list;
			a->list_len = a->is_list ? (size_t)json_integer_value(
							   json_object_get(lists, a->name))
						 : 0;
		}
		a->n_in++;
		if (a->is_list && n->in[i].list_index >= a->list_len)
			a->list_len = n->in[i].list_index + 1;
	}
	json_object_foreach((json_t *)attrs, k, v) {
		struct xarg *a = &n->args[n->n_args];
		if (!has_arg(n->op, k)) {
			if (json_is_null(v))
				continue; /* an argument this libtorch lacks, left at None */
			problem(unsupported, "%s (node %s): libtorch %s has no argument '%s'",
				n->op_type, n->name, irx_th_version(), k);
			return IRX_OK;
		}
		if (exec_sym_is_ref(v)) {
			/* a symbolic size: a number at each run (symbols.c) */
			a->name = k;
			a->sym = v;
			n->has_sym = 1;
			n->n_args++;
			continue;
		}
		if (attr_value(v, &a->v, x->o.float64, k)) {
			problem(unsupported,
				"%s (node %s): argument '%s' is not a plain value "
				"(symbolic sizes and graphs are not run)",
				n->op_type, n->name, k);
			return IRX_OK;
		}
		a->name = k;
		n->n_args++;
	}
	int rc = check_args(n, err);
	return rc ? rc : prepare_call(n, err);
}

static int plan_graph(irx_exec *x, const json_t *gj, int top, struct xgraph **out,
		      struct problems *unsupported, irx_error *err);

/* Resolve what runs node N: an executor, the dispatcher, a decomposition. */
static int resolve(irx_exec *x, struct xnode *n, struct problems *unsupported, irx_error *err)
{
	char name[256], overload[128];
	irx_error e = {0};
	const char *why;
	int rc;

	if (exec_find_executor(x->o.executors, n->op_type, &n->fn, &n->user) ||
	    (x->o.decompose &&
	     exec_find_decomposition(x->o.executors, n->op_type, &n->fn, &n->user)))
		return IRX_OK;
	if (!exec_split_op_type(n->op_type, name, sizeof(name), overload, sizeof(overload))) {
		problem(unsupported, "%s (node %s): not an operator name", n->op_type, n->name);
		return IRX_OK;
	}
	rc = irx_th_op_find(&n->op, name, overload, &e);
	if (rc == IRX_EUNSUPPORTED) {
		if (!exec_find_decomposition(x->o.executors, n->op_type, &n->fn, &n->user))
			problem(unsupported, "%s (node %s)", n->op_type, n->name);
		return IRX_OK;
	}
	if (rc)
		return irx_error_set(err, rc, "%s: %s", n->op_type, e.text);
	if ((why = exec_refusal(&x->o, n->op_type, n->op)))
		return irx_error_set(err, IRX_EUNSUPPORTED,
				     "node %s: operator %s is refused: %s "
				     "(--allow-op=%s runs it)",
				     n->name, n->op_type, why, n->op_type);
	struct problems before = *unsupported;
	if ((rc = plan_args(x, n, unsupported, err)))
		return rc;
	/* a newer argument this libtorch lacks: a decomposition may still run it */
	if (unsupported->n > before.n &&
	    exec_find_decomposition(x->o.executors, n->op_type, &n->fn, &n->user)) {
		*unsupported = before;
		irx_th_op_free(n->op);
		n->op = NULL;
		irx_th_call_free(n->call);
		n->call = NULL;
	}
	return IRX_OK;
}

/* Where output K (META) is among the node's results, and its dtype: read
 * once here, not at every run. */
static void plan_output(struct xnode *n, size_t k, const json_t *meta)
{
	const json_t *li = json_object_get(meta, "list_index");
	const json_t *d;
	size_t i;

	n->picks[k].result = (size_t)json_integer_value(json_object_get(meta, "output_index"));
	n->picks[k].listed = li != NULL;
	n->picks[k].list_index = (size_t)json_integer_value(li);
	if (li && !json_is_integer(li))
		n->picks[k].result = SIZE_MAX; /* no result: "not returned" */
	n->outm[k].dtype = irx_dtype_from_name(str(meta, "dtype"));
	n->outm[k].shape = json_object_get(meta, "shape");
	json_array_foreach(n->outm[k].shape, i, d)
		n->outm[k].symbolic = n->outm[k].symbolic || json_is_string(d);
	n->outm[k].ndim = (int)json_array_size(n->outm[k].shape);
	if (n->outm[k].symbolic || n->outm[k].ndim > IRX_TENSOR_MAX_DIMS ||
	    !(n->outm[k].dims = calloc((size_t)n->outm[k].ndim + 1, sizeof(int64_t))))
		return; /* checked through the JSON at each run */
	json_array_foreach(n->outm[k].shape, i, d)
		n->outm[k].dims[i] = json_integer_value(d);
}

static int plan_node(irx_exec *x, struct xgraph *g, struct xnode *n, struct problems *unsupported,
		     irx_error *err)
{
	const json_t *ins = json_object_get(n->json, "inputs"),
		     *outs = json_object_get(n->json, "outputs");
	const json_t *subs = json_object_get(n->json, "subgraphs");
	const char *k;
	json_t *v;
	size_t i;
	int rc;

	n->name = str(n->json, "name");
	n->op_type = str(n->json, "op_type");
	if (!n->name || !n->op_type || !json_is_array(ins) || !json_is_array(outs))
		return irx_error_set(err, IRX_EFORMAT,
				     "node %s has no name, op_type, inputs or outputs",
				     n->name ? n->name : "(unnamed)");
	n->n_in = json_array_size(ins);
	n->n_out = json_array_size(outs);
	if (!(n->in = calloc(n->n_in + 1, sizeof(*n->in))) ||
	    !(n->out = calloc(n->n_out + 1, sizeof(*n->out))) ||
	    !(n->out_meta = calloc(n->n_out + 1, sizeof(*n->out_meta))) ||
	    !(n->picks = calloc(n->n_out + 1, sizeof(*n->picks))) ||
	    !(n->outm = calloc(n->n_out + 1, sizeof(*n->outm))))
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	json_array_foreach(ins, i, v) {
		n->in[i].arg = str(v, "arg") ? str(v, "arg") : "";
		n->in[i].in_list = json_is_integer(json_object_get(v, "list_index"));
		n->in[i].list_index = (size_t)json_integer_value(json_object_get(v, "list_index"));
		if ((n->in[i].value = value_id(g, str(v, "name"))) == NO_VALUE)
			return irx_error_set(
				err, IRX_EFORMAT, "node %s: input '%s' is not defined before it",
				n->name, str(v, "name") ? str(v, "name") : "(unnamed)");
	}
	if (json_is_object(subs)) {
		if (!(n->subgraphs = calloc(json_object_size(subs) + 1, sizeof(*n->subgraphs))))
			return irx_error_set(err, IRX_ENOMEM, "out of memory");
		i = 0;
		json_object_foreach((json_t *)subs, k, v)
			if ((rc = plan_graph(x, v, 0, &n->subgraphs[i++], unsupported, err)))
				return rc;
	}
	/* a node that makes only symbolic values (sym_size, arithmetic on
	 * sizes) is its outputs' expressions: evaluated, never run */
	n->symbolic = n->n_out > 0;
	json_array_foreach(outs, i, v)
		n->symbolic = n->symbolic && str(v, "kind");
	json_object_foreach(json_object_get(n->json, "attrs"), k, v)
		n->has_sym = n->has_sym || exec_sym_is_ref(v);
	if (!n->symbolic &&
	    ((rc = resolve(x, n, unsupported, err)) || (rc = exec_check_bodies(n, err))))
		return rc;
	json_array_foreach(outs, i, v) {
		n->out_meta[i] = v;
		plan_output(n, i, v);
		if (str(v, "kind") && !n->symbolic)
			problem(unsupported, "%s (node %s): symbolic output '%s' beside tensors",
				n->op_type, n->name, str(v, "name"));
		if ((rc = new_value(g, v, &n->out[i], err)))
			return rc;
	}
	return exec_check_bounds(x, g, n, err);
}

/* Each value dies after its last use; outputs of the graph never do. */
static int plan_lifetimes(struct xgraph *g, const size_t *first_intermediate, irx_error *err)
{
	size_t *last = malloc((g->n_values + 1) * sizeof(*last));

	if (!last)
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	for (size_t v = 0; v < g->n_values; v++)
		last[v] = NO_VALUE;
	for (size_t i = 0; i < g->n_nodes; i++) {
		for (size_t k = 0; k < g->nodes[i].n_out; k++)
			last[g->nodes[i].out[k]] = i; /* unused outputs die at once */
		for (size_t k = 0; k < g->nodes[i].n_in; k++)
			last[g->nodes[i].in[k].value] = i;
	}
	for (size_t k = 0; k < g->n_outputs; k++)
		if (g->outputs[k] != NO_VALUE)
			last[g->outputs[k]] = NO_VALUE;
	for (size_t k = 0; k < g->n_muts; k++) /* read after the run (--mutated) */
		if (g->muts[k] != NO_VALUE)
			last[g->muts[k]] = NO_VALUE;
	for (size_t v = *first_intermediate; v < g->n_values; v++) {
		struct xnode *n;
		if (last[v] == NO_VALUE)
			continue;
		n = &g->nodes[last[v]];
		size_t *d = realloc(n->dead, (n->n_dead + 1) * sizeof(*d));
		if (!d) {
			free(last);
			return irx_error_set(err, IRX_ENOMEM, "out of memory");
		}
		n->dead = d;
		n->dead[n->n_dead++] = v;
	}
	free(last);
	return IRX_OK;
}

static int plan_names(struct xgraph *g, const json_t *list, irx_error *err)
{
	size_t i, id;
	json_t *v;
	int rc;

	json_array_foreach(list, i, v)
		if ((rc = new_value(g, v, &id, err)))
			return rc;
	return IRX_OK;
}

static int plan_graph(irx_exec *x, const json_t *gj, int top, struct xgraph **out,
		      struct problems *unsupported, irx_error *err)
{
	const json_t *nodes = json_object_get(gj, "nodes"),
		     *gin = json_object_get(gj, "graph_inputs");
	const json_t *gout = json_object_get(gj, "graph_outputs");
	struct xgraph *g = calloc(1, sizeof(*g));
	size_t i, first_intermediate;
	json_t *v;
	int rc;

	*out = g;
	if (!g || !(g->ids = json_object()))
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	g->json = gj;
	if (!json_is_array(nodes) || !json_is_array(gin) || !json_is_array(gout))
		return irx_error_set(err, IRX_EFORMAT,
				     "a graph needs nodes, graph_inputs and graph_outputs");
	g->n_inputs = json_array_size(gin);
	if ((rc = plan_names(g, gin, err)) ||
	    (top && ((rc = plan_names(g, json_object_get(gj, "weights"), err)) ||
		     (rc = plan_names(g, json_object_get(gj, "constants"), err)))))
		return rc;
	first_intermediate = g->end_weights = g->n_values;
	g->n_nodes = json_array_size(nodes);
	if (!(g->nodes = calloc(g->n_nodes + 1, sizeof(*g->nodes))))
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	json_t *names = json_object();

	rc = IRX_OK;
	if (!names)
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	json_array_foreach(nodes, i, v) {
		const char *name = str(v, "name");
		g->nodes[i].json = v;
		/* node names key trace files and reports */
		if (name && json_object_get(names, name))
			rc = irx_error_set(err, IRX_EFORMAT, "node name '%s' is used twice", name);
		else if (name && json_object_set_new(names, name, json_true()))
			rc = irx_error_set(err, IRX_ENOMEM, "out of memory");
		if (rc || (rc = plan_node(x, g, &g->nodes[i], unsupported, err))) {
			json_decref(names);
			return rc;
		}
	}
	json_decref(names);
	g->n_outputs = json_array_size(gout);
	if (!(g->outputs = calloc(g->n_outputs + 1, sizeof(*g->outputs))))
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	json_array_foreach(gout, i, v)
		g->outputs[i] = value_id(g, str(v, "name"));
	if (top) {
		const json_t *muts = json_object_get(gj, "mutations");
		g->n_muts = json_array_size(muts);
		if (!(g->muts = calloc(g->n_muts + 1, sizeof(*g->muts))))
			return irx_error_set(err, IRX_ENOMEM, "out of memory");
		json_array_foreach(muts, i, v)
			g->muts[i] = value_id(g, str(v, "name"));
	}
	return plan_lifetimes(g, &first_intermediate, err);
}

static void free_graph(struct xgraph *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->n_nodes; i++) {
		struct xnode *n = &g->nodes[i];
		for (size_t a = 0; a < n->n_args; a++)
			free_arg(&n->args[a]);
		for (size_t s = 0; n->subgraphs && n->subgraphs[s]; s++)
			free_graph(n->subgraphs[s]);
		free(n->subgraphs);
		irx_th_op_free(n->op);
		free(n->in);
		free(n->args);
		free(n->out);
		free(n->out_meta);
		free(n->picks);
		for (size_t k = 0; n->outm && k < n->n_out; k++)
			free(n->outm[k].dims);
		free(n->outm);
		irx_th_call_free(n->call);
		free(n->argv);
		free(n->lists);
		free(n->outs);
		free(n->dead);
		json_decref(n->attrs_now);
	}
	free(g->nodes);
	free(g->outputs);
	free(g->muts);
	free(g->meta);
	json_decref(g->ids);
	free(g);
}

irx_status irx_exec_new(irx_exec **out, const json_t *ir, const irx_exec_options *o, irx_error *err)
{
	struct problems unsupported = {{0}, 0};
	irx_exec *x = calloc(1, sizeof(*x));
	int rc;

	*out = NULL;
	if (!x)
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	x->ir = ir;
	if (!(x->preset = json_object()) || !(x->symvals = json_object())) {
		irx_exec_free(x);
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	}
	if (o)
		x->o = *o;
	exec_resolve_bounds(&x->o);
	irx_th_set_threads(x->o.threads);
	irx_th_set_memory_limit(x->o.max_memory == SIZE_MAX ? 0 : x->o.max_memory);
	if (!json_is_object(ir) || strcmp(str(ir, "format") ? str(ir, "format") : "", "irx-ir")) {
		irx_exec_free(x);
		return irx_error_set(err, IRX_EFORMAT, "not an irx IR (no \"format\": \"irx-ir\")");
	}
	if ((rc = plan_graph(x, ir, 1, &x->top, &unsupported, err))) {
		irx_exec_free(x);
		return rc;
	}
	if (unsupported.n) {
		irx_exec_free(x);
		/* the fix differs: torch.vmap's pre-dispatch calls are gone
		 * from a decomposed export; a custom operator needs a plugin */
		int vmap = strstr(unsupported.text, "torch._functorch.predispatch.") != NULL;
		return irx_error_set(
			err, IRX_EUNSUPPORTED,
			"%zu operator%s cannot run with libtorch %s (%s): %s", unsupported.n,
			unsupported.n == 1 ? "" : "s", irx_th_version(),
			vmap ? "torch.vmap's pre-dispatch calls run in no libtorch: capture "
			       "with irx-capture --decompose"
			     : "an executor plugin can run a custom operator: --plugin, "
			       "see irx-exec(1)",
			unsupported.text);
	}
	if (!(x->values = calloc(x->top->n_values + 1, sizeof(*x->values))) ||
	    !(x->bound = calloc(x->top->n_values + 1, sizeof(*x->bound))) ||
	    !(x->custom = calloc(x->top->n_values + 1, 1))) {
		irx_exec_free(x);
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	}
	for (int l = 0; l < 2; l++) {
		size_t i;
		json_t *w;
		json_array_foreach(json_object_get(ir, l ? "constants" : "weights"), i, w)
			if (str(w, "kind") && !strcmp(str(w, "kind"), "custom_obj"))
				x->custom[value_id(x->top, str(w, "name"))] = 1;
	}
	*out = x;
	return IRX_OK;
}

static void release_values(irx_exec *x)
{
	for (size_t v = 0; x->values && v < x->top->n_values; v++)
		if (x->values[v] && x->values[v] != x->bound[v]) {
			irx_th_free(x->values[v]);
			x->values[v] = NULL;
		}
}

void irx_exec_free(irx_exec *x)
{
	if (!x)
		return;
	release_values(x);
	for (size_t v = 0; x->bound && v < x->top->n_values; v++)
		irx_th_free(x->bound[v]);
	free(x->values);
	free(x->bound);
	free(x->custom);
	json_decref(x->preset);
	json_decref(x->syms);
	json_decref(x->symvals);
	free_graph(x->top);
	free(x->calls);
	free(x);
}

/* ---- weights ------------------------------------------------------------ */

int exec_is_float(enum irx_dtype dtype)
{
	return dtype == IRX_DTYPE_FLOAT16 || dtype == IRX_DTYPE_FLOAT32 ||
	       dtype == IRX_DTYPE_BFLOAT16;
}

/* A handle for weight T: in place, except buffers (an operator may write
 * them, and mapped pages are read-only), and float64 for a reference. */
static int weight_handle(const irx_exec *x, const irx_tensor *t, const json_t *w, irx_th **out,
			 irx_error *err)
{
	int rc, buffer = str(w, "kind") && strcmp(str(w, "kind"), "parameter");
	irx_th *h;

	rc = buffer ? irx_th_from_copy(&h, t, err) : irx_th_from_view(&h, t, err);
	if (rc || !x->o.float64 || !exec_is_float(t->dtype)) {
		*out = rc ? NULL : h;
		return rc;
	}
	rc = irx_th_to_dtype(out, h, IRX_DTYPE_FLOAT64, err);
	irx_th_free(h);
	return rc;
}

/* KEY in the first set that holds its data: a copy without data (a meta
 * archive's, given first) does not hide a later file's values; failing
 * that, the first set that names KEY, for the message. */
static const irx_tensor *find_in(const irx_tensors *const *w, size_t n, const char *key)
{
	const irx_tensor *first = NULL;

	for (size_t i = 0; i < n; i++) {
		const irx_tensor *t = irx_tensors_find(w[i], key);
		if (t && (t->data || !t->numel))
			return t;
		if (!first)
			first = t;
	}
	return first;
}

/* Tensors of the sets that the IR has no use for (a key shadowed by an
 * earlier set is not counted), named in a message. */
static size_t unused(const irx_tensors *const *w, size_t n_sets, const json_t *keys,
		     struct problems *names)
{
	size_t n = 0;

	for (size_t i = 0; i < n_sets; i++)
		for (size_t k = 0; k < irx_tensors_count(w[i]); k++) {
			const char *name = irx_tensors_at(w[i], k)->name;
			if (json_object_get(keys, name))
				continue;
			n++;
			problem(names, "'%s'", name);
		}
	return n;
}

/* A missing weight, named with its kind, the module and source line of the
 * first node that reads it (for a lifted constant, the line that made it)
 * and, for those no state dict holds, the file that does.  Short: the
 * message lists every missing weight, and errors hold 512 bytes.  Returns
 * whether a state dict would hold it. */
static int missing(struct problems *bad, const irx_exec *x, const json_t *wm, const char *key)
{
	const char *kind = str(wm, "kind"), *gname = str(wm, "name"), *what;
	const char *mod = NULL, *cls = NULL, *src = NULL, *file, *end;
	const json_t *node, *in;
	size_t i, j;
	int np = json_is_false(json_object_get(wm, "persistent")), in_sd = 1;

	if (kind && !strcmp(kind, "parameter"))
		what = "parameter";
	else if (kind && !strcmp(kind, "buffer") && !np)
		what = "persistent buffer";
	else
		what = kind && !strcmp(kind, "buffer") ? "non-persistent buffer"
						       : "lifted constant",
		in_sd = 0;
	json_array_foreach(json_object_get(x->ir, "nodes"), i, node) {
		json_array_foreach(json_object_get(node, "inputs"), j, in)
			if (gname && str(in, "name") && !strcmp(str(in, "name"), gname))
				break;
		if (j < json_array_size(json_object_get(node, "inputs"))) {
			mod = str(node, "module_path"), cls = str(node, "module_type");
			src = str(node, "source");
			break;
		}
	}
	/* the source's file base name and line, without " in FUNCTION: code" */
	end = src && strstr(src, " in ") ? strstr(src, " in ") : src ? src + strlen(src) : NULL;
	for (file = src; src && strchr(file, '/') && strchr(file, '/') < end;)
		file = strchr(file, '/') + 1;
	/* the model itself: its class (last part) names it */
	if (mod && !*mod && cls && strrchr(cls, '.'))
		cls = strrchr(cls, '.') + 1;
	const char *of = mod && *mod ? " of " : mod && cls ? " of the model " : "";
	const char *who = mod && *mod ? mod : mod && cls ? cls : "";
	problem(bad, "'%s' is missing (%s%s%s%s%.*s%s)", key, what, of, who, src ? ", at " : "",
		src ? (int)(end - file) : 0, src ? file : "",
		in_sd ? "" : "; from constants.pt (-w constants.pt)");
	return in_sd;
}

irx_status irx_exec_bind(irx_exec *x, const irx_tensors *const *w, size_t n_sets, irx_error *err)
{
	static const char *const lists[] = {"weights", "constants"};
	const json_t *mapping = json_object_get(x->ir, "weight_name_mapping");
	struct problems bad = {{0}, 0}, extra_names = {{0}, 0};
	json_t *keys = json_object();
	size_t extra;
	int from_sd = 0;
	int rc = IRX_OK;

	if (!keys)
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	for (int l = 0; l < 2 && !rc; l++) {
		size_t i;
		json_t *wm;
		json_array_foreach(json_object_get(x->ir, lists[l]), i, wm) {
			const char *gname = str(wm, "name"),
				   *key = str(mapping, gname ? gname : "");
			const irx_tensor *t;
			char want[256], got[256];
			if (!gname || (str(wm, "kind") && !strcmp(str(wm, "kind"), "custom_obj")))
				continue;
			key = key ? key : gname;
			json_object_set_new(keys, key, json_true());
			if (!(t = find_in(w, n_sets, key))) {
				from_sd |= missing(&bad, x, wm, key);
				continue;
			}
			if (!exec_fits(t, wm, x, want, got, sizeof(want))) {
				problem(&bad, "'%s' is %s, the IR wants %s", key, got, want);
				continue;
			}
			if (!t->data && t->numel) {
				problem(&bad, "'%s' has no data (saved on the meta device?)", key);
				continue;
			}
			size_t id = value_id(x->top, gname);
			irx_th_free(x->bound[id]);
			if ((rc = weight_handle(x, t, wm, &x->bound[id], err)))
				break;
		}
	}
	extra = rc || bad.n ? 0 : unused(w, n_sets, keys, &extra_names);
	json_decref(keys);
	if (rc)
		return rc;
	if (bad.n)
		return irx_error_set(err, IRX_EMISMATCH, "%zu weight%s do%s not fit the IR: %s%s",
				     bad.n, bad.n == 1 ? "" : "s", bad.n == 1 ? "es" : "", bad.text,
				     from_sd ? "; parameters and persistent buffers come from the "
					       "state dict (-w state_dict.pt)"
					     : "");
	if (extra && x->o.strict)
		return irx_error_set(
			err, IRX_EMISMATCH,
			"%zu tensor%s of the weights %s not used by the IR (--strict): %s", extra,
			extra == 1 ? "" : "s", extra == 1 ? "is" : "are", extra_names.text);
	if (extra)
		warn(x, "%zu tensor%s of the weights %s not used by the IR: %s", extra,
		     extra == 1 ? "" : "s", extra == 1 ? "is" : "are", extra_names.text);
	return IRX_OK;
}

/* ---- running ------------------------------------------------------------ */

size_t irx_exec_n_inputs(const irx_exec *x) { return x->top->n_inputs; }
size_t irx_exec_n_outputs(const irx_exec *x) { return x->top->n_outputs; }

const json_t *irx_exec_input(const irx_exec *x, size_t i)
{
	return json_array_get(json_object_get(x->ir, "graph_inputs"), i);
}

const json_t *irx_exec_output(const irx_exec *x, size_t i)
{
	return json_array_get(json_object_get(x->ir, "graph_outputs"), i);
}

irx_th *irx_exec_result(const irx_exec *x, size_t i)
{
	size_t id = i < x->top->n_outputs ? x->top->outputs[i] : NO_VALUE;

	return id == NO_VALUE ? NULL : x->values[id];
}

size_t irx_exec_n_mutations(const irx_exec *x) { return x->top->n_muts; }

const json_t *irx_exec_mutation(const irx_exec *x, size_t i)
{
	return json_array_get(json_object_get(x->ir, "mutations"), i);
}

irx_th *irx_exec_mutation_result(const irx_exec *x, size_t i)
{
	size_t id = i < x->top->n_muts ? x->top->muts[i] : NO_VALUE;

	return id == NO_VALUE || !x->values ? NULL : x->values[id];
}

static int run_graph(irx_exec *x, struct xgraph *g, irx_th **vals, int top, irx_error *err);

static int is_half(const irx_th *t)
{
	irx_tensor v;

	if (!t)
		return 0;
	irx_th_view(&v, t);
	return v.dtype == IRX_DTYPE_FLOAT16 || v.dtype == IRX_DTYPE_BFLOAT16;
}

/* libtorch 1.13 has no CPU kernels in half precision for some operators
 * ("addmm_impl_cpu_" not implemented for 'Half'). */
static int half_missing(const irx_error *err)
{
	return err && strstr(err->text, "not implemented for") &&
	       (strstr(err->text, "'Half'") || strstr(err->text, "'BFloat16'"));
}

/* The same call with half-precision tensors widened to float32; the
 * caller narrows the results back to the IR's dtypes. */
static int call_widened(const irx_th_op *op, irx_th_arg *args, size_t n, irx_th_results **r,
			irx_error *err)
{
	size_t cap = 0, used = 0;
	irx_th **tmp = NULL;
	int rc = IRX_OK;

	for (size_t a = 0; a < n; a++)
		cap += args[a].value.kind == IRX_TH_TENSOR    ? 1
		       : args[a].value.kind == IRX_TH_TENSORS ? args[a].value.u.tensors.n
							      : 0;
	if (!(tmp = calloc(cap + 1, sizeof(*tmp))))
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	for (size_t a = 0; a < n && !rc; a++) {
		irx_th_value *v = &args[a].value;
		if (v->kind == IRX_TH_TENSOR && is_half(v->u.t)) {
			rc = irx_th_to_dtype(&tmp[used], v->u.t, IRX_DTYPE_FLOAT32, err);
			v->u.t = tmp[used++];
		} else if (v->kind == IRX_TH_TENSORS) {
			irx_th **list = (irx_th **)v->u.tensors.v; /* our own scratch array */
			for (size_t k = 0; k < v->u.tensors.n && !rc; k++)
				if (is_half(list[k])) {
					rc = irx_th_to_dtype(&tmp[used], list[k], IRX_DTYPE_FLOAT32,
							     err);
					list[k] = tmp[used++];
				}
		}
	}
	if (!rc)
		rc = irx_th_op_call(r, op, args, n, err);
	for (size_t i = 0; i < used; i++)
		irx_th_free(tmp[i]);
	free(tmp);
	return rc;
}

static int not_returned(const struct xnode *n, size_t k, irx_error *err)
{
	return irx_error_set(err, IRX_EFORMAT, "output %zu ('%s') was not returned by libtorch", k,
			     str(n->out_meta[k], "name"));
}

/* Result K of a dispatched node, in the IR's dtype. */
static int take_output(struct xnode *n, size_t k, const irx_th_results *r, int widened,
		       irx_th **out, irx_error *err)
{
	const irx_th_pick *p = &n->picks[k];
	const irx_th_value *v = irx_th_results_at(r, p->result);
	enum irx_dtype want = n->outm[k].dtype;
	irx_th *t = NULL;
	irx_tensor view;

	if (v && v->kind == IRX_TH_TENSOR && !p->listed)
		t = v->u.t;
	else if (v && v->kind == IRX_TH_TENSORS && p->listed && p->list_index < v->u.tensors.n)
		t = v->u.tensors.v[p->list_index];
	if (!t)
		return not_returned(n, k, err);
	irx_th_view(&view, t);
	if (widened && want != IRX_DTYPE_UNKNOWN && view.dtype != want)
		return irx_th_to_dtype(out, t, want, err);
	if (!(*out = irx_th_retain(t)))
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	return IRX_OK;
}

/* A symbolic attr of this run as an argument (free it with free_arg). */
static int sym_arg(const irx_exec *x, const struct xnode *n, const struct xarg *a,
		   irx_th_value *out, irx_error *err)
{
	json_t *v;
	int rc;

	if ((rc = exec_sym_attr(&v, x, a->sym, n->name, err)))
		return rc;
	rc = attr_value(v, out, x->o.float64, a->name);
	json_decref(v);
	if (rc)
		return irx_error_set(err, IRX_EFORMAT, "node %s: argument '%s' is not a number",
				     n->name, a->name);
	return IRX_OK;
}

/* The results of N's prepared call into VALS: each output that libtorch
 * returned, up to the first it did not. */
static int place_outputs(struct xnode *n, irx_th **vals, irx_error *err)
{
	for (size_t k = 0; k < n->n_out; k++) {
		if (!n->outs[k]) {
			for (size_t j = k + 1; j < n->n_out; j++)
				irx_th_free(n->outs[j]);
			return not_returned(n, k, err);
		}
		vals[n->out[k]] = n->outs[k];
	}
	return IRX_OK;
}

/* One dispatched node: the tensors (and symbolic sizes) of this run put
 * in the node's arguments, the call boxed. */
static int dispatch(const irx_exec *x, struct xnode *n, irx_th **vals, irx_error *err)
{
	irx_th_arg *args = n->argv;
	irx_th_results *r = NULL;
	int rc = IRX_OK, widened = 0;

	for (size_t a = 0; a < n->n_args && !rc; a++) {
		const struct xarg *xa = &n->args[a];
		if (xa->sym)
			rc = sym_arg(x, n, xa, &args[a].value, err);
		else if (xa->is_tensor && !xa->is_list)
			args[a].value.u.t = vals[n->in[xa->first_in].value];
		else if (xa->is_tensor) {
			irx_th **list = (irx_th **)args[a].value.u.tensors.v; /* n->lists */
			for (size_t k = xa->first_in; k < n->n_in; k++)
				if (!strcmp(n->in[k].arg, xa->name) &&
				    n->in[k].list_index < xa->list_len)
					list[n->in[k].list_index] = vals[n->in[k].value];
		}
	}
	if (!rc && n->call) {
		rc = irx_th_call_run(n->outs, n->call, args, n->n_args, n->picks, n->n_out, err);
		if (!rc)
			return place_outputs(n, vals, err);
	} else if (!rc)
		rc = irx_th_op_call(&r, n->op, args, n->n_args, err);
	if (rc && half_missing(err)) {
		memset(err, 0, sizeof(*err));
		widened = 1;
		rc = call_widened(n->op, args, n->n_args, &r, err);
	}
	for (size_t k = 0; k < n->n_out && !rc; k++)
		rc = take_output(n, k, r, widened, &vals[n->out[k]], err);
	irx_th_results_free(r);
	for (size_t a = 0; a < n->n_args; a++)
		if (n->args[a].sym) {
			struct xarg tmp = {.v = args[a].value};
			free_arg(&tmp);
			args[a].value = n->args[a].v; /* none: evaluated again next run */
		}
	return rc;
}

/* N's attrs of this run, symbolic values evaluated, for executors. */
static int eval_attrs(irx_exec *x, struct xnode *n, irx_error *err)
{
	const char *k;
	json_t *v, *e;
	int rc;

	json_decref(n->attrs_now);
	if (!(n->attrs_now = json_object()))
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	json_object_foreach(json_object_get(n->json, "attrs"), k, v) {
		if ((rc = exec_sym_attr(&e, x, v, n->name, err)))
			return rc;
		if (json_object_set_new(n->attrs_now, k, e))
			return irx_error_set(err, IRX_ENOMEM, "out of memory");
	}
	return IRX_OK;
}

static int run_node(irx_exec *x, struct xgraph *g, struct xnode *n, irx_th **vals, irx_error *err)
{
	int rc;

	if (n->symbolic)
		return exec_sym_is_data(n) ? exec_sym_data(x, n, vals, err)
					   : exec_sym_node(x, n, err);
	if (n->fn) {
		irx_exec_call c = {x, g, n, vals};
		if (n->has_sym && (rc = eval_attrs(x, n, err)))
			return rc;
		return n->fn(&c, n->user, err);
	}
	return dispatch(x, n, vals, err);
}

struct held {
	const void *id;
	size_t bytes;
};

static int by_id(const void *a, const void *b)
{
	const struct held *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Bytes of the distinct storages among VALS[FIRST..N). */
static size_t held_bytes(irx_th *const *vals, size_t first, size_t n)
{
	struct held *h = malloc((n + 1) * sizeof(*h));
	size_t k = 0, total = 0;

	if (!h)
		return 0;
	for (size_t v = first; v < n; v++)
		if (vals[v] && irx_th_storage_id(vals[v]))
			h[k++] = (struct held){irx_th_storage_id(vals[v]),
					       irx_th_storage_nbytes(vals[v])};
	qsort(h, k, sizeof(*h), by_id);
	for (size_t i = 0; i < k; i++)
		if (!i || h[i].id != h[i - 1].id)
			total += h[i].bytes;
	free(h);
	return total;
}

static void measure(irx_exec *x, struct xgraph *g, irx_th **vals)
{
	size_t live = held_bytes(vals, g == x->top ? g->end_weights : g->n_inputs, g->n_values);

	if (live > x->peak_live)
		x->peak_live = live;
}

void irx_exec_memory(size_t *weights, size_t *peak_live, const irx_exec *x)
{
	*weights = held_bytes(x->bound, 0, x->top->n_values);
	*peak_live = x->peak_live;
}

static int run_graph(irx_exec *x, struct xgraph *g, irx_th **vals, int top, irx_error *err)
{
	for (size_t i = 0; i < g->n_nodes; i++) {
		struct xnode *n = &g->nodes[i];
		int rc = run_node(x, g, n, vals, err);
		for (size_t k = 0; !rc && !n->symbolic && k < n->n_out; k++)
			if (!vals[n->out[k]])
				rc = irx_error_set(err, IRX_EFORMAT, "output %zu was not set", k);
		if (!rc && !n->symbolic)
			rc = exec_check_claims(x, n, vals, err);
		if (!rc && !n->symbolic && (top ? !!x->o.on_node : !!x->o.on_subgraph_node)) {
			irx_th **outs = malloc((n->n_out + 1) * sizeof(*outs));
			if (!outs)
				return irx_error_set(err, IRX_ENOMEM, "out of memory");
			for (size_t k = 0; k < n->n_out; k++)
				outs[k] = vals[n->out[k]];
			rc = top ? x->o.on_node(x->o.on_node_ctx, n->json, outs, n->n_out, err)
				 : x->o.on_subgraph_node(x->o.on_node_ctx, x->calls, x->n_calls,
							 n->json, outs, n->n_out, err);
			free(outs);
		}
		if (rc) {
			if (err && !err->where[0])
				snprintf(err->where, sizeof(err->where), "node %s (%s)", n->name,
					 n->op_type);
			return rc;
		}
		if (x->o.measure)
			measure(x, g, vals);
		for (size_t d = 0; d < n->n_dead; d++) {
			irx_th_free(vals[n->dead[d]]);
			vals[n->dead[d]] = NULL;
		}
	}
	return IRX_OK;
}

/* Inputs against the graph inputs: every problem, in one message. */
static int check_inputs(irx_exec *x, irx_th *const *inputs, size_t n, irx_error *err)
{
	struct problems bad = {{0}, 0};

	int rc;

	if (n != x->top->n_inputs)
		return irx_error_set(err, IRX_EMISMATCH, "the IR takes %zu input%s, %zu %s given",
				     x->top->n_inputs, x->top->n_inputs == 1 ? "" : "s", n,
				     n == 1 ? "was" : "were");
	if ((rc = exec_sym_bind_inputs(x, inputs, n, err)))
		return rc;
	for (size_t i = 0; i < n; i++) {
		const json_t *m = irx_exec_input(x, i);
		char want[256], got[256];
		irx_tensor t;
		irx_th_view(&t, inputs[i]);
		if (x->o.float64 && t.dtype == IRX_DTYPE_FLOAT64 &&
		    exec_is_float(irx_dtype_from_name(str(m, "dtype"))))
			t.dtype = irx_dtype_from_name(
				str(m, "dtype")); /* converted for the reference */
		if (!exec_fits(&t, m, x, want, got, sizeof(want)))
			problem(&bad, "input %zu ('%s') is %s, the IR wants %s", i, str(m, "name"),
				got, want);
	}
	if (bad.n)
		return irx_error_set(err, IRX_EMISMATCH, "%s", bad.text);
	return IRX_OK;
}

irx_status irx_exec_run(irx_exec *x, irx_th *const *inputs, size_t n, irx_error *err)
{
	int rc;

	release_values(x);
	if ((rc = check_inputs(x, inputs, n, err)))
		return rc;
	for (size_t v = 0; v < x->top->n_values; v++)
		x->values[v] = x->bound[v];
	for (size_t i = 0; i < n; i++) {
		irx_tensor t;
		irx_th_view(&t, inputs[i]);
		if (x->o.float64 && exec_is_float(t.dtype))
			rc = irx_th_to_dtype(&x->values[i], inputs[i], IRX_DTYPE_FLOAT64, err);
		else if (!(x->values[i] = irx_th_retain(inputs[i])))
			rc = irx_error_set(err, IRX_ENOMEM, "out of memory");
		if (rc)
			return rc;
	}
	for (size_t v = x->top->n_inputs; v < x->top->end_weights; v++)
		if (!x->values[v] && !x->custom[v])
			return irx_error_set(err, IRX_EINVAL,
					     "weight %zu is not bound (irx_exec_bind first)",
					     v - x->top->n_inputs);
	return run_graph(x, x->top, x->values, 1, err);
}

/* ---- the executor interface -------------------------------------------- */

const json_t *irx_exec_call_node(const irx_exec_call *c) { return c->n->json; }

irx_th *irx_exec_call_arg(const irx_exec_call *c, const char *arg, size_t list_index)
{
	for (size_t i = 0; i < c->n->n_in; i++)
		if (!strcmp(c->n->in[i].arg, arg) && c->n->in[i].list_index == list_index)
			return c->values[c->n->in[i].value];
	return NULL;
}

size_t irx_exec_call_list_len(const irx_exec_call *c, const char *arg)
{
	const json_t *len = json_object_get(json_object_get(c->n->json, "tensor_lists"), arg);
	size_t n = len ? (size_t)json_integer_value(len) : 0;

	for (size_t i = 0; i < c->n->n_in; i++)
		if (!strcmp(c->n->in[i].arg, arg) && c->n->in[i].list_index + 1 > n)
			n = c->n->in[i].list_index + 1;
	return n;
}

const json_t *irx_exec_call_attr(const irx_exec_call *c, const char *name)
{
	if (c->n->attrs_now)
		return json_object_get(c->n->attrs_now, name);
	return json_object_get(json_object_get(c->n->json, "attrs"), name);
}

irx_status irx_exec_call_set_output(irx_exec_call *c, size_t i, irx_th *t, irx_error *err)
{
	if (i >= c->n->n_out) {
		irx_th_free(t);
		return irx_error_set(err, IRX_EINVAL, "node %s has no output %zu", c->n->name, i);
	}
	irx_th_free(c->values[c->n->out[i]]);
	c->values[c->n->out[i]] = t;
	return IRX_OK;
}

irx_status irx_exec_call_op(irx_th_results **out, irx_exec_call *c, const char *op_type,
			    const irx_th_arg *args, size_t n, irx_error *err)
{
	char name[256], overload[128];
	const char *why;
	irx_th_op *op;
	int rc;

	*out = NULL;
	if (!exec_split_op_type(op_type, name, sizeof(name), overload, sizeof(overload)))
		return irx_error_set(err, IRX_EINVAL, "'%s' is not an operator name", op_type);
	if ((rc = irx_th_op_find(&op, name, overload, err)))
		return rc;
	if ((why = exec_refusal(&c->x->o, op_type, op)))
		rc = irx_error_set(err, IRX_EUNSUPPORTED,
				   "operator %s is refused: %s (--allow-op=%s runs it)", op_type,
				   why, op_type);
	else
		rc = irx_th_op_call(out, op, args, n, err);
	irx_th_op_free(op);
	return rc;
}

/* Note the call of GRAPH by node NODE as under way (for on_subgraph_node);
 * the caller pops it. */
static int push_call(irx_exec *x, const char *node, const char *graph, irx_error *err)
{
	if (!x->o.on_subgraph_node) {
		x->n_calls++; /* nothing reads the names */
		return IRX_OK;
	}
	if (2 * (x->n_calls + 1) > x->cap_calls) {
		size_t cap = x->cap_calls * 2 + 8;
		const char **grown = realloc(x->calls, cap * sizeof(*grown));
		if (!grown)
			return irx_error_set(err, IRX_ENOMEM, "out of memory");
		x->calls = grown;
		x->cap_calls = cap;
	}
	x->calls[2 * x->n_calls] = node;
	x->calls[2 * x->n_calls + 1] = graph;
	x->n_calls++;
	return IRX_OK;
}

irx_status irx_exec_call_subgraph(irx_th **out, size_t n_out, irx_exec_call *c, const char *graph,
				  irx_th *const *in, size_t n_in, irx_error *err)
{
	const json_t *subs = json_object_get(c->n->json, "subgraphs");
	struct xgraph *g = NULL;
	const char *k;
	json_t *v;
	size_t i = 0;
	irx_th **vals;
	int rc = IRX_OK;

	json_object_foreach((json_t *)subs, k, v) {
		if (!strcmp(k, graph))
			g = c->n->subgraphs[i];
		i++;
	}
	if (!g)
		return irx_error_set(err, IRX_EFORMAT, "node %s has no subgraph '%s'", c->n->name,
				     graph);
	if (n_in != g->n_inputs || n_out != g->n_outputs)
		return irx_error_set(
			err, IRX_EFORMAT,
			"subgraph '%s' takes %zu inputs and gives %zu outputs, not %zu and %zu",
			graph, g->n_inputs, g->n_outputs, n_in, n_out);
	if (!(vals = calloc(g->n_values + 1, sizeof(*vals))))
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	for (i = 0; i < n_in && !rc; i++)
		if (!(vals[i] = irx_th_retain(in[i])))
			rc = irx_error_set(err, IRX_ENOMEM, "out of memory");
	if (!rc && (rc = push_call(c->x, c->n->name, graph, err)) == IRX_OK) {
		rc = run_graph(c->x, g, vals, 0, err);
		c->x->n_calls--;
	}
	for (i = 0; i < n_out; i++) {
		out[i] = NULL;
		if (!rc && g->outputs[i] != NO_VALUE &&
		    !(out[i] = irx_th_retain(vals[g->outputs[i]])))
			rc = irx_error_set(err, IRX_ENOMEM, "out of memory");
	}
	for (i = 0; i < g->n_values; i++)
		irx_th_free(vals[i]);
	free(vals);
	return rc;
}
