/*
 * ts-program.c: the irx-program document of a TorchScript method, built
 * from what the walk (ts-walk.cpp) reports.  The document has the same
 * form as a .pt2 program's (docs/program-format.md), with source.layout
 * "torchscript", so irx-convert needs no second path.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irx/dtype.h"
#include "irx/program.h"
#include "irx/torch-ts.h"

struct builder {
	json_t *weights_in, *user_in;     /* signature entries */
	json_t *g_weights_in, *g_user_in; /* graph inputs */
	json_t *outputs, *g_outputs;
	json_t *nodes, *values, *node_names;
	json_t *weights, *constants, *notes;
	const irx_ts_export_options *opts;
	irx_th **keep; /* weights and constants, then user inputs */
	char **keep_names;
	int *keep_user;
	size_t n_keep;
};

static void keep(struct builder *b, const char *name, const irx_th *t, int user)
{
	size_t n = b->n_keep + 1;
	irx_th **k = realloc(b->keep, n * sizeof(*k));
	char **kn = k ? realloc(b->keep_names, n * sizeof(*kn)) : NULL;
	int *ku = kn ? realloc(b->keep_user, n * sizeof(*ku)) : NULL;

	if (k)
		b->keep = k;
	if (kn)
		b->keep_names = kn;
	if (!ku)
		return;
	b->keep_user = ku;
	b->keep[b->n_keep] = irx_th_retain(t);
	b->keep_names[b->n_keep] = strdup(name);
	b->keep_user[b->n_keep] = user;
	b->n_keep = n;
}

/* the kept tensors of one kind, as irx_tensor views named NAME */
static int write_kept(struct builder *b, FILE *f, int user, irx_error *err)
{
	irx_tensor *v = calloc(b->n_keep + 1, sizeof(*v));
	const irx_tensor **p = calloc(b->n_keep + 1, sizeof(*p));
	size_t n = 0;
	int rc;

	if (!v || !p) {
		free(v), free(p);
		return irx_error_set(err, IRX_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < b->n_keep; i++)
		if (b->keep_user[i] == user && b->keep[i]) {
			irx_th_view(&v[n], b->keep[i]);
			v[n].name = b->keep_names[i];
			p[n] = &v[n];
			n++;
		}
	rc = user ? irx_torch_save_write(f, p, n, IRX_SAVE_LIST, NULL, err)
		  : irx_safetensors_write(f, p, n, NULL, err);
	free(v), free(p);
	return rc;
}

static json_t *tensor_value(const irx_th *t)
{
	irx_tensor v;
	json_t *shape = json_array(), *strides = json_array();
	const char *dt;

	irx_th_view(&v, t);
	for (int i = 0; i < v.ndim; i++) {
		json_array_append_new(shape, json_integer(v.shape[i]));
		json_array_append_new(strides, json_integer(v.strides[i]));
	}
	dt = irx_dtype_name(v.dtype);
	return json_pack("{s:s,s:o,s:o,s:i,s:s,s:b,s:s}", "dtype", dt ? dt : "unknown", "shape",
			 shape, "strides", strides, "storage_offset", 0, "device", "cpu",
			 "requires_grad", 0, "layout", "strided");
}

static json_t *float_json(double f)
{
	if (f != f)
		return json_string("NaN");
	if (f > 1.7976931348623157e308)
		return json_string("Infinity");
	if (f < -1.7976931348623157e308)
		return json_string("-Infinity");
	return json_real(f);
}

static int has(const char *type, const char *what) { return type && strstr(type, what); }

/* one argument, in the normalized union encoding */
static json_t *arg_json(const irx_th_ts_arg *a)
{
	const irx_th_value *v = &a->value;
	json_t *l;

	switch (v->kind) {
	case IRX_TH_NONE: return json_pack("{s:n}", "none");
	case IRX_TH_BOOL: return json_pack("{s:b}", "bool", (int)v->u.i);
	case IRX_TH_INT: return json_pack("{s:I}", "int", (json_int_t)v->u.i);
	case IRX_TH_FLOAT: return json_pack("{s:o}", "float", float_json(v->u.f));
	case IRX_TH_STR:
		if (has(a->type, "ScalarType") ||
		    (a->name &&
		     (!strcmp(a->name, "dtype") ||
		      (strlen(a->name) > 6 && !strcmp(a->name + strlen(a->name) - 6, "_dtype")))))
			return json_pack("{s:s}", "scalar_type", v->u.s);
		if (has(a->type, "Layout") || (a->name && !strcmp(a->name, "layout")))
			return json_pack("{s:s}", "layout", v->u.s);
		if (has(a->type, "MemoryFormat") || (a->name && !strcmp(a->name, "memory_format")))
			return json_pack("{s:s}", "memory_format", v->u.s);
		if (has(a->type, "Device"))
			return json_pack("{s:s}", "device", v->u.s);
		return json_pack("{s:s}", "string", v->u.s);
	case IRX_TH_INTS:
	case IRX_TH_BOOLS:
		l = json_array();
		for (size_t i = 0; i < v->u.ints.n; i++)
			json_array_append_new(l, v->kind == IRX_TH_BOOLS
							 ? json_boolean(v->u.ints.v[i])
							 : json_integer(v->u.ints.v[i]));
		return json_pack("{s:o}", v->kind == IRX_TH_BOOLS ? "bools" : "ints", l);
	case IRX_TH_FLOATS:
		l = json_array();
		for (size_t i = 0; i < v->u.floats.n; i++)
			json_array_append_new(l, float_json(v->u.floats.v[i]));
		return json_pack("{s:o}", "floats", l);
	case IRX_TH_TENSOR: return json_pack("{s:s}", "tensor", a->names[0]);
	case IRX_TH_TENSORS: {
		int optional = has(a->type, "Tensor?[]");
		l = json_array();
		for (size_t i = 0; i < v->u.tensors.n; i++) {
			if (a->names[i])
				json_array_append_new(l, json_string(a->names[i]));
			else
				optional = 1, json_array_append_new(l, json_null());
		}
		return json_pack("{s:o}", optional ? "optional_tensors" : "tensors", l);
	}
	}
	return json_pack("{s:n}", "none");
}

static void add_value(struct builder *b, const char *name, const irx_th *t)
{
	if (!json_object_get(b->values, name))
		json_object_set_new(b->values, name, tensor_value(t));
}

static int on_input(void *ctx, enum irx_th_ts_input kind, const char *name, const char *target,
		    const irx_th *t, irx_error *err)
{
	struct builder *b = ctx;
	static const char *const kinds[] = {"user_input", "parameter", "buffer", "constant_tensor"};
	json_t *spec;

	(void)err;
	add_value(b, name, t);
	keep(b, kind == IRX_TH_TS_USER_INPUT ? name : target, t, kind == IRX_TH_TS_USER_INPUT);
	if (kind == IRX_TH_TS_USER_INPUT) {
		json_array_append_new(b->user_in,
				      json_pack("{s:s,s:s}", "kind", "user_input", "name", name));
		json_array_append_new(b->g_user_in, json_pack("{s:s}", "tensor", name));
		return IRX_OK;
	}
	spec = json_pack("{s:s,s:s,s:s}", "kind", kinds[kind], "name", name, "target", target);
	if (kind == IRX_TH_TS_BUFFER)
		json_object_set_new(spec, "persistent", json_true());
	json_array_append_new(b->weights_in, spec);
	json_array_append_new(b->g_weights_in, json_pack("{s:s}", "tensor", name));
	{
		json_t *v = json_object_get(b->values, name);
		json_t *w =
			json_pack("{s:s,s:s,s:s,s:O,s:O,s:b}", "name", target, "graph_name", name,
				  "kind", kinds[kind], "dtype", json_object_get(v, "dtype"),
				  "shape", json_object_get(v, "shape"), "has_data", 1);
		json_array_append_new(kind == IRX_TH_TS_CONSTANT ? b->constants : b->weights, w);
	}
	return IRX_OK;
}

static int on_node(void *ctx, const irx_th_ts_node *n, irx_error *err)
{
	struct builder *b = ctx;
	json_t *inputs = json_array(), *outputs = json_array(), *node;
	char name[256];
	const char *first = NULL;

	(void)err;
	for (size_t i = 0; i < n->n_args; i++)
		json_array_append_new(inputs, json_pack("{s:s,s:o}", "name", n->args[i].name, "arg",
							arg_json(&n->args[i])));
	for (size_t i = 0; i < n->n_outputs; i++) {
		const irx_th_ts_arg *o = &n->outputs[i];
		if (o->value.kind == IRX_TH_TENSOR) {
			add_value(b, o->names[0], o->value.u.t);
			first = first ? first : o->names[0];
			json_array_append_new(outputs, json_pack("{s:s}", "tensor", o->names[0]));
		} else if (o->value.kind == IRX_TH_TENSORS) {
			json_t *l = json_array();
			for (size_t j = 0; j < o->value.u.tensors.n; j++) {
				add_value(b, o->names[j], o->value.u.tensors.v[j]);
				first = first ? first : o->names[j];
				json_array_append_new(l, json_string(o->names[j]));
			}
			json_array_append_new(outputs, json_pack("{s:o}", "tensors", l));
		} else {
			json_array_append_new(outputs, json_pack("{s:n}", "none"));
		}
	}
	if (first && !json_object_get(b->node_names, first)) {
		snprintf(name, sizeof(name), "%s", first);
	} else {
		/* the operator without its namespace, made unique */
		const char *op = strchr(n->target, '.');
		char base[200];
		snprintf(base, sizeof(base), "%s", op ? op + 1 : n->target);
		for (char *p = base; *p; p++)
			if (*p == '.' || *p == ':' || *p == '#')
				*p = '_';
		snprintf(name, sizeof(name), "%s", base);
		for (int k = 1; json_object_get(b->node_names, name); k++)
			snprintf(name, sizeof(name), "%s_%d", base, k);
	}
	json_object_set_new(b->node_names, name, json_true());
	node = json_pack("{s:s,s:s,s:o,s:o}", "name", name, "target", n->target, "inputs", inputs,
			 "outputs", outputs);
	if (n->module_path)
		json_object_set_new(node, "module_path", json_string(n->module_path));
	if (n->module_type)
		json_object_set_new(node, "module_type", json_string(n->module_type));
	if (n->source)
		json_object_set_new(node, "source", json_string(n->source));
	json_array_append_new(b->nodes, node);
	return IRX_OK;
}

static int on_output(void *ctx, const char *name, const irx_th_value *v, irx_error *err)
{
	struct builder *b = ctx;
	irx_th_ts_arg a = {.name = NULL, .type = NULL, .value = *v, .names = NULL};

	(void)err;
	if (name) {
		add_value(b, name, v->u.t);
		json_array_append_new(b->outputs,
				      json_pack("{s:s,s:s}", "kind", "user_output", "name", name));
		json_array_append_new(b->g_outputs, json_pack("{s:s}", "tensor", name));
	} else {
		json_t *x = arg_json(&a);
		json_array_append_new(b->outputs,
				      json_pack("{s:s,s:O}", "kind", "user_output", "value", x));
		json_array_append_new(b->g_outputs, x);
	}
	return IRX_OK;
}

static int on_note(void *ctx, const char *what, const char *text, irx_error *err)
{
	struct builder *b = ctx;

	(void)err;
	json_array_append_new(b->notes, json_pack("{s:s,s:s}", "kind", what, "text", text));
	return IRX_OK;
}

irx_status irx_ts_program(json_t **out, irx_th_ts *m, const irx_th_ts_options *wo,
			  const irx_ts_export_options *opts, irx_error *err)
{
	struct builder b = {0};
	irx_th_ts_sink sink = {&b, on_input, on_node, on_output, on_note};
	json_t *doc = NULL, *source, *inputs, *ginputs, *methods;
	char *list;
	int rc;

	*out = NULL;
	b.opts = opts;
	b.weights_in = json_array(), b.user_in = json_array();
	b.g_weights_in = json_array(), b.g_user_in = json_array();
	b.outputs = json_array(), b.g_outputs = json_array();
	b.nodes = json_array(), b.values = json_object(), b.node_names = json_object();
	b.weights = json_array(), b.constants = json_array(), b.notes = json_array();
	rc = irx_th_ts_walk(m, wo, &sink, err);
	if (rc)
		goto out;
	methods = json_array();
	if ((list = irx_th_ts_methods(m))) {
		for (char *p = list, *e; *p; p = e + (*e == '\n')) {
			e = p + strcspn(p, "\n");
			json_array_append_new(methods, json_stringn(p, (size_t)(e - p)));
		}
		free(list);
	}
	source = json_pack("{s:s,s:n,s:n,s:s,s:s?,s:s,s:s,s:o,s:s,s:O}", "file",
			   opts->source ? opts->source : "-", "schema_version", "torch_version",
			   "layout", "torchscript", "container_version", opts->container_version,
			   "entry", "code/", "model", wo->method ? wo->method : "forward", "models",
			   methods, "libtorch", irx_th_version(), "specializations", b.notes);
	inputs = b.weights_in, ginputs = b.g_weights_in;
	json_array_extend(inputs, b.user_in);
	json_array_extend(ginputs, b.g_user_in);
	doc = json_pack("{s:s,s:i,s:o,s:O,s:O,s:{s:O,s:O,s:O,s:O,s:{},s:{},s:b},s:{},s:O,s:O}",
			"format", IRX_PROGRAM_FORMAT, "format_version", IRX_PROGRAM_FORMAT_VERSION,
			"source", source, "inputs", inputs, "outputs", b.outputs, "graph", "inputs",
			ginputs, "outputs", b.g_outputs, "nodes", b.nodes, "values", b.values,
			"sym_values", "custom_objs", "single_tensor_return", 0, "range_constraints",
			"weights", b.weights, "constants", b.constants);
	if (!doc)
		rc = irx_error_set(err, IRX_ENOMEM, "out of memory building the program document");
	if (!rc && opts->weights_out)
		rc = write_kept(&b, opts->weights_out, 0, err);
	if (!rc && opts->inputs_out)
		rc = write_kept(&b, opts->inputs_out, 1, err);
	if (rc)
		json_decref(doc), doc = NULL;
	*out = doc;
out:
	for (size_t i = 0; i < b.n_keep; i++)
		irx_th_free(b.keep[i]), free(b.keep_names[i]);
	free(b.keep), free(b.keep_names), free(b.keep_user);
	json_decref(b.weights_in), json_decref(b.user_in), json_decref(b.g_weights_in);
	json_decref(b.g_user_in), json_decref(b.outputs), json_decref(b.g_outputs);
	json_decref(b.nodes), json_decref(b.values), json_decref(b.node_names);
	json_decref(b.weights), json_decref(b.constants), json_decref(b.notes);
	return rc;
}
