/*
 * executors.c: the executor registry, and the built-in executors for what
 * the exporter emits that is not a kernel call: higher-order operators
 * (their subgraphs run here) and assertions.
 */
#include <config.h>

#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/exec.h"
#include "irx/dtype.h"

struct executor {
	char *op_type;
	irx_executor_fn fn;
	void *user;
	int decomposition; /* only where libtorch lacks the operator */
};

struct irx_executors {
	struct executor *v;
	size_t n;
	void **plugins; /* dlopen handles: closed with the set */
	size_t n_plugins;
};

irx_status irx_executors_new(irx_executors **out, irx_error *err)
{
	if (!(*out = calloc(1, sizeof(**out))))
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	return IRX_OK;
}

/* The executor (or, with DECOMPOSITION, the decomposition) of OP_TYPE in
 * S, or NULL. */
static struct executor *executor_of(const irx_executors *s, const char *op_type, int decomposition)
{
	for (size_t i = 0; s && i < s->n; i++)
		if (!strcmp(s->v[i].op_type, op_type) && s->v[i].decomposition == decomposition)
			return &s->v[i];
	return NULL;
}

static irx_status add(irx_executors *s, const char *op_type, irx_executor_fn fn, void *user,
		      int decomposition, irx_error *err)
{
	struct executor *e, *v;

	if (!s || !op_type || !fn)
		return irx_error_set(err, IRX_EINVAL,
				     "an executor needs a set, an op_type and a function");
	if ((e = executor_of(s, op_type, decomposition))) {
		e->fn = fn, e->user = user;
		return IRX_OK;
	}
	if (!(v = realloc(s->v, (s->n + 1) * sizeof(*v))))
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	s->v = v;
	if (!(v[s->n].op_type = strdup(op_type)))
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	v[s->n].fn = fn;
	v[s->n].decomposition = decomposition;
	v[s->n++].user = user;
	return IRX_OK;
}

irx_status irx_executors_add(irx_executors *s, const char *op_type, irx_executor_fn fn, void *user,
			     irx_error *err)
{
	return add(s, op_type, fn, user, 0, err);
}

irx_status irx_executors_add_decomposition(irx_executors *s, const char *op_type,
					   irx_executor_fn fn, void *user, irx_error *err)
{
	return add(s, op_type, fn, user, 1, err);
}

const irx_executor_fn *exec_find_user_decomposition(const irx_executors *s, const char *op_type,
						    void **user)
{
	const struct executor *e = executor_of(s, op_type, 1);

	if (!e)
		return NULL;
	*user = e->user;
	return &e->fn;
}

void irx_executors_free(irx_executors *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].op_type);
	free(s->v);
	for (size_t i = 0; i < s->n_plugins; i++)
		dlclose(s->plugins[i]);
	free(s->plugins);
	free(s);
}

/* The plugin's code stays mapped as long as the set that holds its
 * functions: closed by irx_executors_free(), never before. */
irx_status irx_executors_load_plugin(irx_executors *s, const char *path, irx_error *err)
{
	irx_plugin_init_fn init;
	void *h, **v;
	const char *why;
	int rc;

	if (!s || !path)
		return irx_error_set(err, IRX_EINVAL, "a plugin needs a set and a path");
	/* a name without a slash would be looked up in the library path */
	if (!strchr(path, '/')) {
		rc = irx_error_set(err, IRX_EINVAL,
				   "cannot load plugin: give a path with a slash (./%s)", path);
		goto named;
	}
	if (!(h = dlopen(path, RTLD_NOW | RTLD_LOCAL))) {
		why = dlerror();
		rc = irx_error_set(err, IRX_EIO, "cannot load plugin: %s",
				   why ? why : "unknown error");
		goto named;
	}
	*(void **)&init = dlsym(h, IRX_PLUGIN_INIT);
	if (!init) {
		dlclose(h);
		rc = irx_error_set(err, IRX_EFORMAT, "not an irx plugin: it defines no %s()",
				   IRX_PLUGIN_INIT);
		goto named;
	}
	if (!(v = realloc(s->plugins, (s->n_plugins + 1) * sizeof(*v)))) {
		dlclose(h);
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	}
	s->plugins = v;
	v[s->n_plugins++] = h;
	if (err)
		memset(err, 0, sizeof(*err));
	if ((rc = init(s, err))) {
		if (err && !err->text[0])
			snprintf(err->text, sizeof(err->text), "%s() failed", IRX_PLUGIN_INIT);
		if (err)
			err->code = rc;
		goto named;
	}
	return IRX_OK;
named:
	if (err)
		snprintf(err->source, sizeof(err->source), "%s", path);
	return rc;
}

static int err_at(irx_error *err, int code, const char *text)
{
	if (err && !err->code) {
		err->code = code;
		snprintf(err->text, sizeof(err->text), "%s", text);
	}
	return code;
}

/* ---- assertions ----------------------------------------------------------- */

/* aten._assert_tensor_metadata(a, size?, stride?, dtype?, ...): the exporter's
 * record of what it saw; checked against what runs (dtype and sizes). */
static int assert_tensor_metadata(irx_exec_call *c, void *user, irx_error *err)
{
	irx_th *a = irx_exec_call_arg(c, "a", 0);
	const json_t *dtype = irx_exec_call_attr(c, "dtype"), *size = irx_exec_call_attr(c, "size");
	irx_tensor t;
	size_t i;
	json_t *d;

	if (!a)
		return IRX_OK;
	irx_th_view(&t, a);
	if (json_is_string(dtype) && irx_dtype_from_name(json_string_value(dtype)) != t.dtype &&
	    t.dtype != IRX_DTYPE_FLOAT64) /* a float64 reference trace is float64 throughout */
		return err_at(err, IRX_EMISMATCH,
			      "the tensor's dtype differs from the exporter's record");
	if (json_is_array(size)) {
		if (json_array_size(size) != (size_t)t.ndim)
			return err_at(err, IRX_EMISMATCH,
				      "the tensor's rank differs from the exporter's record");
		json_array_foreach(size, i, d)
			if (json_is_integer(d) && json_integer_value(d) != t.shape[i])
				return err_at(
					err, IRX_EMISMATCH,
					"the tensor's sizes differ from the exporter's record");
	}
	return IRX_OK;
}

/* Assertions on symbolic values: irx runs static shapes only, where they hold. */
static int no_op(irx_exec_call *c, void *user, irx_error *err) { return IRX_OK; }

/* ---- higher-order operators ----------------------------------------------- */

/* The node's tensor inputs in order, skipping argument SKIP (or none). */
static irx_th **operands(irx_exec_call *c, const char *skip, size_t *n)
{
	const json_t *ins = json_object_get(irx_exec_call_node(c), "inputs");
	irx_th **v = calloc(json_array_size(ins) + 1, sizeof(*v));
	size_t i;
	json_t *in;

	*n = 0;
	if (!v)
		return NULL;
	json_array_foreach(ins, i, in) {
		const char *arg = json_string_value(json_object_get(in, "arg"));
		json_t *li = json_object_get(in, "list_index");
		if (skip && arg && !strcmp(arg, skip))
			continue;
		v[(*n)++] =
			irx_exec_call_arg(c, arg ? arg : "",
					  json_is_integer(li) ? (size_t)json_integer_value(li) : 0);
	}
	return v;
}

static size_t n_outputs(irx_exec_call *c)
{
	return json_array_size(json_object_get(irx_exec_call_node(c), "outputs"));
}

static const char *graph_attr(irx_exec_call *c, const char *name)
{
	return json_string_value(json_object_get(irx_exec_call_attr(c, name), "graph"));
}

/* The first attr that names a graph (wrap_with_* keep theirs positionally). */
static const char *any_graph(irx_exec_call *c)
{
	const char *k;
	json_t *v;

	json_object_foreach(json_object_get(irx_exec_call_node(c), "attrs"), k, v)
		if (json_is_string(json_object_get(v, "graph")))
			return json_string_value(json_object_get(v, "graph"));
	return NULL;
}

/* Run GRAPH on IN and give its outputs to the node, in order. */
static int run_into_outputs(irx_exec_call *c, const char *graph, irx_th **in, size_t n_in,
			    irx_error *err)
{
	size_t n = n_outputs(c);
	irx_th **out = calloc(n + 1, sizeof(*out));
	int rc;

	if (!out)
		return err_at(err, IRX_ENOMEM, "out of memory");
	if (!graph)
		rc = err_at(err, IRX_EFORMAT, "no subgraph to run");
	else
		rc = irx_exec_call_subgraph(out, n, c, graph, in, n_in, err);
	for (size_t i = 0; i < n; i++) {
		if (!rc)
			rc = irx_exec_call_set_output(c, i, out[i], err);
		else
			irx_th_free(out[i]);
	}
	free(out);
	return rc;
}

/* A one-element tensor (or a literal) as a truth value. */
static int truth(irx_th *t, const json_t *literal, int *out, irx_error *err)
{
	irx_tensor v;

	if (!t) {
		if (!json_is_boolean(literal))
			return err_at(err, IRX_EFORMAT,
				      "the predicate is neither a tensor nor a bool");
		*out = json_is_true(literal);
		return IRX_OK;
	}
	irx_th_view(&v, t);
	if (v.numel != 1)
		return err_at(err, IRX_EFORMAT, "the predicate is not a single value");
	switch (irx_dtype_size(v.dtype)) {
	case 1: *out = v.data[0] != 0; break;
	case 4: {
		float f;
		int32_t i;
		memcpy(&f, v.data, 4);
		memcpy(&i, v.data, 4);
		*out = v.dtype == IRX_DTYPE_FLOAT32 ? f != 0 : i != 0;
		break;
	}
	case 8: {
		double f;
		int64_t i;
		memcpy(&f, v.data, 8);
		memcpy(&i, v.data, 8);
		*out = v.dtype == IRX_DTYPE_FLOAT64 ? f != 0 : i != 0;
		break;
	}
	default: return err_at(err, IRX_EFORMAT, "the predicate has an unusual dtype");
	}
	return IRX_OK;
}

static int hop_cond(irx_exec_call *c, void *user, irx_error *err)
{
	size_t n;
	irx_th **ops = operands(c, "pred", &n);
	int pred, rc;

	if (!ops)
		return err_at(err, IRX_ENOMEM, "out of memory");
	if (!(rc = truth(irx_exec_call_arg(c, "pred", 0), irx_exec_call_attr(c, "pred"), &pred,
			 err)))
		rc = run_into_outputs(c, graph_attr(c, pred ? "true_fn" : "false_fn"), ops, n, err);
	free(ops);
	return rc;
}

/* wrap_with_set_grad_enabled, wrap_with_autocast, invoke_subgraph: the
 * body runs on the node's tensors (inference: grad mode and CPU autocast
 * settings do not change values irx compares). */
static int hop_body(irx_exec_call *c, void *user, irx_error *err)
{
	size_t n;
	irx_th **ops = operands(c, NULL, &n);
	int rc;

	if (!ops)
		return err_at(err, IRX_ENOMEM, "out of memory");
	rc = run_into_outputs(c, any_graph(c), ops, n, err);
	free(ops);
	return rc;
}

/* while_loop(cond_fn, body_fn, carried_inputs, additional_inputs) */
static int hop_while(irx_exec_call *c, void *user, irx_error *err)
{
	size_t nc = irx_exec_call_list_len(c, "carried_inputs");
	size_t na = irx_exec_call_list_len(c, "additional_inputs");
	irx_th **args = calloc(nc + na + 1, sizeof(*args)), *pred_t = NULL;
	int rc = IRX_OK, more = 1;

	if (!args)
		return err_at(err, IRX_ENOMEM, "out of memory");
	for (size_t i = 0; i < nc; i++)
		args[i] = irx_th_retain(irx_exec_call_arg(c, "carried_inputs", i));
	for (size_t i = 0; i < na; i++)
		args[nc + i] = irx_th_retain(irx_exec_call_arg(c, "additional_inputs", i));
	for (uint64_t round = 0; !rc; round++) {
		if (round == c->x->o.max_iterations) {
			char m[96];
			snprintf(m, sizeof(m), "the loop goes on past --max-iterations=%llu",
				 (unsigned long long)c->x->o.max_iterations);
			rc = err_at(err, IRX_EUNSUPPORTED, m);
			break;
		}
		if ((rc = irx_exec_call_subgraph(&pred_t, 1, c, graph_attr(c, "cond_fn"), args,
						 nc + na, err)) ||
		    (rc = truth(pred_t, NULL, &more, err)))
			break;
		irx_th_free(pred_t);
		pred_t = NULL;
		if (!more)
			break;
		irx_th **next = calloc(nc + 1, sizeof(*next));
		if (!next) {
			rc = err_at(err, IRX_ENOMEM, "out of memory");
			break;
		}
		rc = irx_exec_call_subgraph(next, nc, c, graph_attr(c, "body_fn"), args, nc + na,
					    err);
		for (size_t i = 0; i < nc; i++) {
			irx_th_free(args[i]);
			args[i] = next[i];
		}
		free(next);
	}
	irx_th_free(pred_t);
	for (size_t i = 0; i < nc && !rc; i++) {
		rc = irx_exec_call_set_output(c, i, args[i], err);
		args[i] = NULL;
	}
	for (size_t i = 0; i < nc + na; i++)
		irx_th_free(args[i]);
	free(args);
	return rc;
}

static const struct {
	const char *op_type;
	irx_executor_fn fn;
} builtins[] = {
	{"aten._assert_tensor_metadata.default", assert_tensor_metadata},
	{"aten._assert_async.msg", no_op},
	{"aten._assert_async.default", no_op},
	{"aten._assert_scalar.default", no_op},
	{"aten._linalg_check_errors.default", no_op},
	{"aten._functional_assert_async.msg", no_op},
	{"aten._functional_assert_scalar.default", no_op},
	{"aten.sym_constrain_range.default", no_op},
	{"aten.sym_constrain_range_for_size.default", no_op},
	{"higher_order.cond", hop_cond},
	{"higher_order.while_loop", hop_while},
	{"higher_order.wrap_with_set_grad_enabled", hop_body},
	{"higher_order.wrap_with_autocast", hop_body},
	{"higher_order.invoke_subgraph", hop_body},
	{"aten.histc.default", exec_histc}, /* decompose.c: integers as float64 */
};

int exec_find_executor(const irx_executors *set, const char *op_type, irx_executor_fn *fn,
		       void **user)
{
	const struct executor *e = executor_of(set, op_type, 0);

	if (e) {
		*fn = e->fn;
		*user = e->user;
		return 1;
	}
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (!strcmp(builtins[i].op_type, op_type)) {
			*fn = builtins[i].fn;
			*user = NULL;
			return 1;
		}
	return 0;
}
