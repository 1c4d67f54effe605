/*
 * ir-check.c: every invariant the converter promises, checked on a file
 * that may have been edited by hand or written by someone else.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irx/convert.h"
#include "irx/dtype.h"
#include "irx/ir.h"
#include "graph/graph.h"

struct check {
	irx_problem_fn fn;
	void *ctx;
	size_t n;
	int dynamic; /* symbolic sizes allowed (the IR has "symbols") */
};

static void problem(struct check *k, const char *where, const char *fmt, ...) BASE_PRINTF(3, 4);
static void problem(struct check *k, const char *where, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	k->n++;
	if (k->fn)
		k->fn(k->ctx, where, msg);
}

/* A TensorMeta's own shape: name, dtype, shape; returns 0 when usable. */
static int check_meta(struct check *k, const char *where, const json_t *m)
{
	json_t *name = json_object_get(m, "name"), *shape = json_object_get(m, "shape"), *d;
	json_t *dtype = json_object_get(m, "dtype");
	size_t i;
	int bad = 0;

	if (!json_is_object(m)) {
		problem(k, where, "tensor entry must be an object");
		return -1;
	}
	if (!json_is_string(name) || !json_string_length(name)) {
		problem(k, where, "tensor has no name");
		bad = -1;
	}
	if (!json_is_string(dtype) || !irx_dtype_from_name(json_string_value(dtype)) ||
	    strcmp(irx_dtype_name(irx_dtype_from_name(json_string_value(dtype))),
		   json_string_value(dtype))) {
		problem(k, where, "tensor '%s' has an unknown dtype '%s'", json_string_value(name),
			json_is_string(dtype) ? json_string_value(dtype) : "(not a string)");
		bad = -1;
	}
	if (!json_is_array(shape)) {
		problem(k, where, "tensor '%s' has no shape", json_string_value(name));
		return -1;
	}
	json_array_foreach(shape, i, d) {
		if (json_is_integer(d) && json_integer_value(d) >= 0)
			continue;
		if (json_is_string(d) && k->dynamic)
			continue;
		problem(k, where, "tensor '%s' has a bad size at dimension %zu",
			json_string_value(name), i);
		bad = -1;
	}
	return bad;
}

/* Values defined so far in one graph: name -> {meta, node index} */
struct scope {
	json_t *defined;
};

static void define(struct check *k, struct scope *s, const char *where, const json_t *m,
		   json_t *producer)
{
	const char *name = json_string_value(json_object_get(m, "name"));

	if (!name) {
		json_decref(producer);
		return;
	}
	if (json_object_get(s->defined, name)) {
		problem(k, where, "duplicate value name '%s'", name);
		json_decref(producer);
		return;
	}
	json_object_set_new(s->defined, name,
			    json_pack("{s:O,s:o}", "meta", m, "producer", producer));
}

/* An input (or graph output) TensorMeta must match what defined it. */
static void check_use(struct check *k, struct scope *s, const char *where, const json_t *m)
{
	const char *name = json_string_value(json_object_get(m, "name"));
	json_t *def, *prod, *pn = json_object_get(m, "producer_node"),
			    *pi = json_object_get(m, "producer_output_idx");

	if (check_meta(k, where, m) || !name)
		return;
	if (!(def = json_object_get(s->defined, name))) {
		problem(k, where,
			"'%s' is not produced by an earlier node, input, weight or constant", name);
		return;
	}
	prod = json_object_get(def, "producer");
	if (!json_equal(json_array_get(prod, 0), pn) || !json_equal(json_array_get(prod, 1), pi)) {
		json_t *rn = json_array_get(prod, 0), *ri = json_array_get(prod, 1);
		problem(k, where, "'%s' names producer %s output %lld, but it comes from %s%s%lld",
			name, json_is_string(pn) ? json_string_value(pn) : "(none)",
			json_is_integer(pi) ? (long long)json_integer_value(pi) : -1LL,
			json_is_string(rn) ? json_string_value(rn)
					   : "a graph input, weight or constant",
			json_is_string(rn) ? " output " : "",
			json_is_integer(ri) ? (long long)json_integer_value(ri) : 0LL);
	}
	json_t *dm = json_object_get(def, "meta");
	if (!json_equal(json_object_get(dm, "shape"), json_object_get(m, "shape")) ||
	    !json_equal(json_object_get(dm, "dtype"), json_object_get(m, "dtype")))
		problem(k, where, "'%s' has a shape or dtype different from where it is produced",
			name);
}

static void check_graph(struct check *k, const json_t *g, const char *path, int top,
			const json_t *ir);

/* A graph that a higher-order node's attrs name ({"graph": NAME}) must
 * have its body in the node's subgraphs: an executor would find nothing to
 * run. */
static void check_graph_refs(struct check *k, const char *where, const json_t *node)
{
	const json_t *subs = json_object_get(node, "subgraphs");
	const char *key;
	json_t *v, *g;
	char w2[800];

	json_object_foreach(json_object_get(node, "attrs"), key, v) {
		if (!json_is_object(v) || json_object_size(v) != 1 ||
		    !(g = json_object_get(v, "graph")))
			continue;
		snprintf(w2, sizeof(w2), "%s/attrs/%s", where, key);
		if (!json_is_string(g))
			problem(k, w2, "graph reference of node '%s' is not a string",
				json_string_value(json_object_get(node, "name")));
		else if (!json_is_object(json_object_get(subs, json_string_value(g))))
			problem(k, w2, "node '%s' names graph '%s', which is not in its subgraphs",
				json_string_value(json_object_get(node, "name")),
				json_string_value(g));
	}
}

static void check_nodes(struct check *k, struct scope *s, const json_t *nodes, const char *path)
{
	json_t *node_names = json_object(), *node, *m;
	char where[600];
	size_t i, j;

	if (!json_is_array(nodes)) {
		problem(k, path, "'nodes' must be an array");
		json_decref(node_names);
		return;
	}
	json_array_foreach(nodes, i, node) {
		json_t *name = json_object_get(node, "name"),
		       *op = json_object_get(node, "op_type");
		json_t *inputs = json_object_get(node, "inputs"),
		       *outputs = json_object_get(node, "outputs");
		snprintf(where, sizeof(where), "%s/nodes/%zu", path, i);
		if (!json_is_string(name) || !json_string_length(name)) {
			problem(k, where, "node has no name");
			continue;
		}
		if (json_object_get(node_names, json_string_value(name)))
			problem(k, where, "duplicate node name '%s'", json_string_value(name));
		json_object_set_new(node_names, json_string_value(name), json_true());
		if (!json_is_string(op) || !json_string_length(op))
			problem(k, where, "node '%s' has no op_type", json_string_value(name));
		if (!json_is_object(json_object_get(node, "attrs")))
			problem(k, where, "node '%s' has no attrs object", json_string_value(name));
		if (!json_is_array(inputs) || !json_is_array(outputs)) {
			problem(k, where, "node '%s' needs inputs and outputs arrays",
				json_string_value(name));
			continue;
		}
		json_array_foreach(inputs, j, m) {
			char w2[700];
			snprintf(w2, sizeof(w2), "%s/inputs/%zu", where, j);
			check_use(k, s, w2, m);
		}
		json_t *subs = json_object_get(node, "subgraphs"), *sub;
		const char *sk;
		json_object_foreach(subs, sk, sub) {
			char w2[700];
			snprintf(w2, sizeof(w2), "%s/subgraphs/%s", where, sk);
			check_graph(k, sub, w2, 0, NULL);
		}
		check_graph_refs(k, where, node);
		json_array_foreach(outputs, j, m) {
			char w2[700];
			json_t *pn = json_object_get(m, "producer_node"),
			       *pi = json_object_get(m, "producer_output_idx");
			snprintf(w2, sizeof(w2), "%s/outputs/%zu", where, j);
			if (json_object_get(m, "kind")) { /* a symbolic scalar */
				json_t *sn = json_object_get(m, "name");
				if (!json_is_string(sn) || !json_string_length(sn))
					problem(k, w2, "symbolic output has no name");
				else
					define(k, s, w2, m,
					       json_pack("[O,I]", name, (json_int_t)j));
				continue;
			}
			if (check_meta(k, w2, m))
				continue;
			if (!json_equal(pn, name) || !json_is_integer(pi) ||
			    json_integer_value(pi) != (json_int_t)j)
				problem(k, w2,
					"output '%s' must name its own node and index %zu as producer",
					json_string_value(json_object_get(m, "name")), j);
			define(k, s, w2, m, json_pack("[O,I]", name, (json_int_t)j));
		}
	}
	json_decref(node_names);
}

static void check_graph(struct check *k, const json_t *g, const char *path, int top,
			const json_t *ir)
{
	struct scope s = {json_object()};
	json_t *list, *m;
	char where[700];
	size_t i;
	static const char *const inputs[] = {"graph_inputs", "weights", "constants"};

	for (size_t l = 0; l < (top ? 3u : 1u); l++) {
		list = json_object_get(g, inputs[l]);
		if (!json_is_array(list)) {
			problem(k, path, "'%s' must be an array", inputs[l]);
			continue;
		}
		json_array_foreach(list, i, m) {
			snprintf(where, sizeof(where), "%s/%s/%zu", path, inputs[l], i);
			/* A TorchBind object is a constant without shape or dtype. */
			int obj = json_is_string(json_object_get(m, "kind")) &&
				  !strcmp(json_string_value(json_object_get(m, "kind")),
					  "custom_obj");
			if (obj || check_meta(k, where, m) == 0)
				define(k, &s, where, m, json_pack("[n,n]"));
		}
	}
	check_nodes(k, &s, json_object_get(g, "nodes"), path);
	list = json_object_get(g, "graph_outputs");
	if (!json_is_array(list))
		problem(k, path, "'graph_outputs' must be an array");
	json_array_foreach(list, i, m) {
		snprintf(where, sizeof(where), "%s/graph_outputs/%zu", path, i);
		/* a literal output, or a symbolic scalar */
		if (json_object_get(m, "value") ||
		    (!json_object_get(m, "dtype") && json_object_get(m, "kind")))
			continue;
		check_use(k, &s, where, m);
	}
	if (top) {
		json_t *map = json_object_get(ir, "weight_name_mapping"), *v;
		const char *key;
		if (!json_is_object(map))
			problem(k, path, "'weight_name_mapping' must be an object");
		json_object_foreach(map, key, v) {
			snprintf(where, sizeof(where), "/weight_name_mapping/%s", key);
			if (!json_is_string(v))
				problem(k, where, "state_dict key must be a string");
			json_t *def = json_object_get(s.defined, key);
			if (!def ||
			    json_is_string(json_array_get(json_object_get(def, "producer"), 0)))
				problem(k, where, "'%s' is not a weight or constant of the graph",
					key);
		}
		json_array_foreach(json_object_get(ir, "mutations"), i, m) {
			snprintf(where, sizeof(where), "/mutations/%zu", i);
			check_use(k, &s, where, m);
		}
	}
	json_decref(s.defined);
}

irx_status irx_ir_check(size_t *n_problems, const json_t *ir, irx_problem_fn fn, void *ctx,
			irx_error *err)
{
	struct check k = {fn, ctx, 0, 0};
	json_t *x = json_object_get(ir, "format");

	*n_problems = 0;
	if (!json_is_string(x) || strcmp(json_string_value(x), IRX_IR_FORMAT)) {
		irx_error_set(err, IRX_EFORMAT, "not an irx IR document (no \"format\": \"%s\")",
			      IRX_IR_FORMAT);
		base_where(err, "/format");
		return IRX_EFORMAT;
	}
	x = json_object_get(ir, "format_version");
	if (!json_is_integer(x) || json_integer_value(x) < 1 ||
	    json_integer_value(x) > IRX_IR_FORMAT_VERSION) {
		irx_error_set(err, IRX_EUNSUPPORTED,
			      "IR format version is not one this irx reads (1 to %d)",
			      IRX_IR_FORMAT_VERSION);
		base_where(err, "/format_version");
		return IRX_EUNSUPPORTED;
	}
	if (!json_is_string(json_object_get(ir, "model_name")))
		problem(&k, "/model_name", "model_name must be a string");
	k.dynamic = json_is_object(json_object_get(ir, "symbols"));
	check_graph(&k, ir, "", 1, ir);
	*n_problems = k.n;
	return IRX_OK;
}
